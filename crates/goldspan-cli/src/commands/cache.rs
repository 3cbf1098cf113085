//! `goldspan cache stats|prune|clear|show`: what the extractor-output cache holds, trimming
//! it, and printing stored outputs as record lines (they are stored in a binary form).

use std::path::Path;

use goldspan_formats::jsonl;
use goldspan_model::Document;
use goldspan_runner::cache::{self, unix_now, CacheError, Prune, Pruned, Store};

use crate::args::CacheAction;
use crate::Outcome;

pub fn run(dir: &Path, action: CacheAction) -> anyhow::Result<Outcome> {
    let store = match Store::open_existing(dir) {
        // A database of another layout is never read; clear removes it whole.
        Err(CacheError::Schema { path, found }) if matches!(action, CacheAction::Clear) => {
            cache::remove_database(dir)?;
            let legacy = cache::remove_legacy_dirs(dir)?;
            let mut text =
                format!("removed {} (table layout {found}, which this goldspan does not read)", path.display());
            if legacy > 0 {
                let s = if legacy == 1 { "y" } else { "ies" };
                text.push_str(&format!(" and {legacy} director{s} of an older goldspan's cache"));
            }
            text.push('\n');
            return super::finish(&text, Outcome::Ok);
        }
        other => other?,
    };
    let Some(store) = store else {
        // A cache of an older goldspan has no database; clear still removes its directories.
        let text = match action {
            CacheAction::Clear => {
                goldspan_report::cache_pruned(&Pruned { legacy: cache::remove_legacy_dirs(dir)?, ..Pruned::default() })
            }
            CacheAction::Stats | CacheAction::Prune { .. } | CacheAction::Show { .. } => {
                let legacy = cache::legacy_dirs(dir).len();
                let older = match legacy {
                    0 => String::new(),
                    n => format!(
                        "; {n} director{} of an older goldspan's cache, no longer read (`goldspan cache clear` removes them)",
                        if n == 1 { "y" } else { "ies" }
                    ),
                };
                format!("no cache database in {}{older}\n", dir.display())
            }
        };
        let text = if matches!(action, CacheAction::Show { .. }) {
            crate::eprint(&text);
            String::new()
        } else {
            text
        };
        return super::finish(&text, Outcome::Ok);
    };
    let text = match action {
        CacheAction::Stats => goldspan_report::cache_stats_table(&store.stats()?, unix_now()),
        CacheAction::Prune { unused_days, superseded } => {
            let rule = Prune { unused_days: Some(unused_days), superseded };
            goldspan_report::cache_pruned(&store.prune(&rule, unix_now())?)
        }
        CacheAction::Clear => goldspan_report::cache_pruned(&store.clear()?),
        CacheAction::Show { ids, extractor } => return show(&store, extractor.as_deref(), &ids),
    };
    super::finish(&text, Outcome::Ok)
}

/// Prints the stored outputs of `extractor` for `ids` as record lines, each as it is read;
/// says on stderr which did not decode or name another document, and when nothing matched.
fn show(store: &Store, extractor: Option<&str>, ids: &[String]) -> anyhow::Result<Outcome> {
    let mut warnings = Vec::new();
    let mut shown = 0;
    let mut cache_failed = None;
    super::print_with(|out| {
        let read = store.each_output(extractor, ids, |stored| -> std::io::Result<()> {
            shown += 1;
            match cache::value::decode(&stored.value) {
                Ok((id, annotations)) => {
                    if id != stored.id {
                        warnings.push(format!(
                            "warning: the output of {} ({}) stored for document {} names document {id} \
                             (a run rejects it and extracts the document again)\n",
                            stored.name, stored.fingerprint, stored.id
                        ));
                    }
                    // Stored without the text: the key holds its hash.
                    let line = jsonl::record_line(&Document::new(id, "", Default::default()), &annotations, false);
                    out.write_all(line.as_bytes())?;
                    out.write_all(b"\n")
                }
                Err(e) => {
                    warnings.push(format!(
                        "warning: the output of {} ({}) for document {} is not shown: {e}\n",
                        stored.name, stored.fingerprint, stored.id
                    ));
                    Ok(())
                }
            }
        });
        match read {
            Ok(written) => written,
            Err(e) => {
                cache_failed = Some(e);
                Ok(())
            }
        }
    })?;
    if let Some(e) = cache_failed {
        return Err(e.into());
    }
    for warning in &warnings {
        crate::eprint(warning);
    }
    if shown == 0 {
        crate::eprint("no stored output matches\n");
    }
    Ok(Outcome::Ok)
}
