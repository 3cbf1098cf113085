//! `goldspan check`: the regression gate. Re-runs every eval, has the runner judge it against
//! its snapshot, prints the verdicts, and picks the exit code: 0 when every eval passes, 1 when
//! one fails the gate, 2 when a snapshot is malformed, 3 when an extractor failed on more
//! documents than its eval allows.

use std::path::Path;

use anyhow::Context;
use goldspan_extract::Registry;
use goldspan_runner::{eval, CheckOutcome, Policy, Verdict};

use super::run::run_with_progress;
use crate::args::CheckFormat;
use crate::Outcome;

pub fn run(
    dir: &Path,
    policy: Policy,
    cache: Option<&Path>,
    format: CheckFormat,
    junit: Option<&Path>,
) -> anyhow::Result<Outcome> {
    let evals = eval::load_evals(dir, cache)?;
    anyhow::ensure!(!evals.is_empty(), "no eval definitions in {}", dir.display());
    let registry = Registry::with_builtins();
    let mut outcomes: Vec<CheckOutcome> = Vec::new();
    for e in &evals {
        let outcome = run_with_progress(&registry, &e.name, &e.run)?;
        crate::eprint(&crate::failures::summary(&e.name, &outcome));
        super::run::note_cache(&outcome);
        outcomes.push(goldspan_runner::check(e, &outcome, policy)?);
    }
    if let Some(path) = junit {
        goldspan_formats::write_atomic(path, goldspan_report::junit(&outcomes).as_bytes())
            .with_context(|| format!("cannot write the JUnit report {}", path.display()))?;
    }
    let text = match format {
        CheckFormat::Table => goldspan_report::check_table(&outcomes),
        CheckFormat::Markdown => goldspan_report::check_markdown(&outcomes),
        CheckFormat::Json => goldspan_report::check_json(&outcomes),
        CheckFormat::Github => goldspan_report::check_github(&outcomes),
    };
    let outcome = if outcomes.iter().any(|o| matches!(o.verdict, Verdict::Malformed(_))) {
        Outcome::Invalid
    } else if outcomes.iter().any(|o| matches!(o.verdict, Verdict::ExtractorFailed { .. })) {
        Outcome::ExtractorFailed
    } else if outcomes.iter().all(CheckOutcome::passed) {
        Outcome::Ok
    } else {
        Outcome::GateFailed
    };
    super::finish(&text, outcome)
}
