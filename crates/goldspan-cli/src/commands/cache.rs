//! `goldspan cache stats|prune|clear`: what the extractor-output cache holds, and trimming it.

use std::path::Path;

use goldspan_runner::cache::{self, unix_now, Prune, Pruned, Store};

use crate::args::CacheAction;
use crate::Outcome;

pub fn run(dir: &Path, action: CacheAction) -> anyhow::Result<Outcome> {
    let Some(store) = Store::open_existing(dir)? else {
        // A cache of an older goldspan has no database; clear still removes its directories.
        let text = match action {
            CacheAction::Clear => {
                goldspan_report::cache_pruned(&Pruned { legacy: cache::remove_legacy_dirs(dir)?, ..Pruned::default() })
            }
            CacheAction::Stats | CacheAction::Prune { .. } => {
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
        return super::finish(&text, Outcome::Ok);
    };
    let text = match action {
        CacheAction::Stats => goldspan_report::cache_stats_table(&store.stats()?, unix_now()),
        CacheAction::Prune { unused_days, superseded } => {
            let rule = Prune { unused_days: Some(unused_days), superseded };
            goldspan_report::cache_pruned(&store.prune(&rule, unix_now())?)
        }
        CacheAction::Clear => goldspan_report::cache_pruned(&store.clear()?),
    };
    super::finish(&text, Outcome::Ok)
}
