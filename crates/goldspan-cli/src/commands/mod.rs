//! One module per command; `dispatch` routes parsed arguments to them.

mod agree;
mod bench;
mod cache;
mod check;
mod convert;
mod markup;
mod merge;
mod report;
mod run;
mod score;
mod stats;
mod validate;

use std::collections::BTreeSet;
use std::io::Write;

use goldspan_report::{ByLabel, ReportOptions};
use goldspan_runner::results::{ErrorFilter, Results};
use goldspan_score::Mode;

use crate::args::{Cli, Command, ReportArgs};
use crate::project::{self, corpus_or_default, Project};
use crate::Outcome;

/// Runs the command `cli` names.
pub fn dispatch(cli: Cli) -> anyhow::Result<Outcome> {
    match cli.command {
        Command::Validate { corpus, all, follow_symlinks } => {
            validate::run(&corpus_or_default(corpus.as_deref())?, all, follow_symlinks)
        }
        Command::Stats { corpus, format, by } => stats::run(&corpus_or_default(corpus.as_deref())?, format, &by),
        Command::Convert(args) => convert::run(&args),
        Command::Markup { action } => markup::run(action),
        Command::Score(args) => score::run(&args),
        Command::Report(args) => report::run(&args),
        Command::Run(args) => {
            crate::signals::install();
            run::run(&args)
        }
        Command::Merge(args) => merge::run(&args),
        Command::Bench { extractor, corpus, split, repeat, jobs, timeout, max_line_bytes, format } => {
            crate::signals::install();
            let limits = bench::Limits { jobs, timeout, max_line_bytes };
            bench::run(&extractor, &corpus_or_default(corpus.as_deref())?, split.as_deref(), repeat, &limits, format)
        }
        Command::Check { evals, update, allow_regression, cache, no_cache, format, junit } => {
            crate::signals::install();
            let policy = goldspan_runner::Policy { update, allow_regression };
            let evals = match evals {
                Some(dir) => dir,
                None => Project::find("give --evals DIR")?.evals(),
            };
            let cache = (!no_cache).then(|| cache.unwrap_or_else(|| project::cache_beside(&evals)));
            check::run(&evals, policy, cache.as_deref(), format, junit.as_deref())
        }
        Command::Cache { action, cache } => {
            let dir = match cache {
                Some(dir) => dir,
                None => Project::find("give the cache directory with --cache DIR")?.cache(),
            };
            cache::run(&dir, action)
        }
        Command::Agree { a, b, format } => agree::run(&a, &b, format),
        Command::Synth { out, docs, seed, spans, missed, boundary, label, spurious, layout } => {
            for (name, p) in [("missed", missed), ("boundary", boundary), ("label", label), ("spurious", spurious)] {
                anyhow::ensure!((0.0..=1.0).contains(&p), "--{name} must be a probability between 0 and 1, not {p}");
            }
            let config =
                goldspan_runner::synth::SynthConfig { documents: docs, seed, spans, missed, boundary, label, spurious };
            use goldspan_runner::synth::Layout;
            let (layout, gold, pred) = match layout.as_str() {
                "zst" => (Layout::Zstd, "gold.jsonl.zst", "pred.jsonl.zst"),
                "corpus" => (Layout::Corpus, "corpus", "pred.jsonl"),
                _ => (Layout::Jsonl, "gold.jsonl", "pred.jsonl"),
            };
            goldspan_runner::synth::write_as(&config, &out, layout)
                .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", out.display()))?;
            print(&format!("wrote {docs} documents to {0}/{gold} and {0}/{pred}\n", out.display()))?;
            Ok(Outcome::Ok)
        }
    }
}

/// Says on stderr when quotation attribution will not be scored: the gold has no manifest, or
/// its manifest has no `[attribution]` section naming the quotation label and speaker
/// relation.
pub fn note_attribution(manifest: Option<&goldspan_model::Manifest>) {
    let why = match manifest {
        None => "the gold has no manifest (give --manifest)",
        Some(m) if m.attribution.is_none() => "its manifest has no [attribution] section",
        Some(_) => return,
    };
    crate::eprint(&format!("note: quotations and their speakers are not scored: {why}\n"));
}

/// Prints a command's output and returns its outcome. A closed stdout (`| head`) ends the
/// output, not the verdict: a failed gate or extractor keeps its exit code.
pub fn finish(text: &str, outcome: Outcome) -> anyhow::Result<Outcome> {
    match print(text) {
        Err(e) if outcome == Outcome::Ok => Err(e),
        _ => Ok(outcome),
    }
}

/// Writes to stdout, surfacing a broken pipe as an error the caller maps to exit 0.
pub fn print(text: &str) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(())
}

/// Writes to stdout through a buffer as `write` produces it (for outputs too long to hold,
/// such as a listing of millions of errors); a broken pipe surfaces as for [`print`].
pub fn print_with(write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>) -> anyhow::Result<()> {
    use anyhow::Context;
    let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    write(&mut out).and_then(|()| out.flush()).context("cannot write the results")
}

/// Refuses, before any work, the files a command is to write (each after the option naming
/// it) when one is an input, two options name one file, or one cannot be written there
/// ([`goldspan_formats::check_files_to_write`]). An output left out (`None`) is skipped.
pub fn check_files_to_write(
    inputs: &[&std::path::Path],
    outputs: &[(&str, Option<&std::path::PathBuf>)],
) -> anyhow::Result<()> {
    let outputs: Vec<(&str, &std::path::Path)> =
        outputs.iter().filter_map(|(option, path)| path.map(|p| (*option, p.as_path()))).collect();
    Ok(goldspan_formats::check_files_to_write(inputs, &outputs)?)
}

/// Refuses a `.zst` name for an output written as plain text (the results JSON, an HTML
/// report): only JSON Lines outputs (`--save-predictions`, `--partial`) are compressed.
pub fn refuse_zst(outputs: &[(&str, Option<&std::path::PathBuf>)]) -> anyhow::Result<()> {
    for (option, path) in outputs {
        if let Some(path) = path.filter(|p| goldspan_formats::jsonl::is_zstd(p)) {
            anyhow::bail!(
                "{option} {} ends in .zst, but {option} writes plain text: give a name without .zst (and compress \
                 the file afterwards with zstd)",
                path.display()
            );
        }
    }
    Ok(())
}

/// Writes a file atomically (a temporary file beside it, renamed when complete) as `write`
/// produces it, so that output longer than memory (results with millions of errors) is never
/// held whole.
pub fn write_atomic_with(
    path: &std::path::Path,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(std::path::Path::new("."));
    std::fs::create_dir_all(dir)?;
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = dir.join(format!(".{name}.tmp{}", std::process::id()));
    let result = (|| {
        let mut out = std::io::BufWriter::new(std::fs::File::create(&tmp)?);
        write(&mut out)?;
        out.into_inner().map_err(|e| e.into_error())?.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// The report options `args` ask for. `scored` are the modes scored, when known (score);
/// a `--by-label` mode must be one of them, or at least a mode (run, whose evals choose).
pub fn report_options(args: &ReportArgs, scored: Option<&[Mode]>) -> anyhow::Result<ReportOptions> {
    let by_label = if args.by_label.iter().any(|m| m == "all") {
        ByLabel::All
    } else if args.by_label.is_empty() {
        ByLabel::First
    } else {
        let mut names = Vec::new();
        for name in &args.by_label {
            let mode: Mode = name.parse().map_err(|e| anyhow::anyhow!("--by-label {name}: {e}"))?;
            if let Some(scored) = scored.filter(|s| !s.contains(&mode)) {
                let scored: Vec<String> = scored.iter().map(Mode::to_string).collect();
                anyhow::bail!(
                    "--by-label {name}: that mode is not scored; the modes scored are all, {}",
                    scored.join(", ")
                );
            }
            names.push(mode.to_string());
        }
        ByLabel::Modes(names)
    };
    Ok(ReportOptions { by_label, by_document: args.by_document, width: Some(terminal_width()) })
}

/// The error listing's filter for `results`: each `--error-label` must be a label scored
/// there (gold or predicted), so that a typo is an error with a suggestion rather than an
/// empty listing.
pub fn error_filter(args: &ReportArgs, results: &Results) -> anyhow::Result<ErrorFilter> {
    let scored: BTreeSet<&str> = results
        .total
        .layers
        .values()
        .flat_map(|modes| modes.values())
        .flat_map(|scores| scores.labels.keys().map(String::as_str))
        .collect();
    for label in &args.error_labels {
        goldspan_model::check_name("--error-label", label, scored.iter().copied())?;
    }
    Ok(ErrorFilter { classes: args.error_classes.clone(), labels: args.error_labels.clone(), limit: args.error_limit })
}

/// The width rows of the error listing keep within: `COLUMNS` when set, else the terminal's
/// when stdout is one, else 100.
fn terminal_width() -> usize {
    if let Some(columns) = std::env::var("COLUMNS").ok().and_then(|c| c.trim().parse::<usize>().ok()) {
        if columns > 0 {
            return columns;
        }
    }
    console::Term::stdout().size_checked().map_or(100, |(_, columns)| usize::from(columns))
}
