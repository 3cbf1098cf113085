//! One module per command; `dispatch` routes parsed arguments to them.

mod agree;
mod bench;
mod cache;
mod check;
mod convert;
mod markup;
mod report;
mod run;
mod score;
mod stats;
mod validate;

use std::io::Write;

use crate::args::{Cli, Command};
use crate::project::{self, corpus_or_default, Project};
use crate::Outcome;

/// Runs the command `cli` names.
pub fn dispatch(cli: Cli) -> anyhow::Result<Outcome> {
    match cli.command {
        Command::Validate { corpus, all } => validate::run(&corpus_or_default(corpus.as_deref())?, all),
        Command::Stats { corpus, format, by } => stats::run(&corpus_or_default(corpus.as_deref())?, format, &by),
        Command::Convert(args) => convert::run(&args),
        Command::Markup { action } => markup::run(action),
        Command::Score(args) => score::run(&args),
        Command::Report(args) => report::run(&args),
        Command::Run(args) => {
            crate::signals::install();
            run::run(&args)
        }
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
        Command::Cache { action, cache } => cache::run(&cache, action),
        Command::Agree { a, b, format } => agree::run(&a, &b, format),
        Command::Synth { out, docs, seed, spans, missed, boundary, label, spurious } => {
            for (name, p) in [("missed", missed), ("boundary", boundary), ("label", label), ("spurious", spurious)] {
                anyhow::ensure!((0.0..=1.0).contains(&p), "--{name} must be a probability between 0 and 1, not {p}");
            }
            let config =
                goldspan_runner::synth::SynthConfig { documents: docs, seed, spans, missed, boundary, label, spurious };
            goldspan_runner::synth::write(&config, &out)
                .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", out.display()))?;
            print(&format!("wrote {docs} documents to {0}/gold.jsonl and {0}/pred.jsonl\n", out.display()))?;
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
