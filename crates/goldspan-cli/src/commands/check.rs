//! `goldspan check`: the regression gate. Re-runs every eval, compares with its snapshot,
//! prints what moved, exits 1 on a regression.

use std::path::Path;

use goldspan_extract::Registry;
use goldspan_runner::eval::{self, compare};

use super::run::run_with_progress;
use crate::table::Table;
use crate::Outcome;

pub fn run(dir: &Path, update: bool, allow_regression: bool, cache: Option<&Path>) -> anyhow::Result<Outcome> {
    let evals = eval::load_evals(dir, cache)?;
    anyhow::ensure!(!evals.is_empty(), "no eval definitions in {}", dir.display());
    let registry = Registry::with_builtins();
    let mut failed = false;
    let mut extractor_failed = false;
    let mut out = String::new();
    let mut moved = Table::new(&["eval", "metric", "before", "after", "delta", "95% CI"]);
    for e in &evals {
        let outcome = run_with_progress(&registry, &e.name, &e.run)?;
        crate::eprint(&crate::failures::summary(&e.name, &outcome));
        let results = eval::results_json(&outcome, &e.run, e.bootstrap);
        let snapshot = eval::snapshot(&e.name, &results);
        let path = e.snapshot_path();
        let too_many = outcome.stopped.is_some() || !e.max_failures.allows(outcome.failures.len(), outcome.documents());
        let status = match eval::read_snapshot(&path)? {
            // Scores of an extractor that failed are not a measurement: neither compared nor
            // written.
            _ if too_many => {
                extractor_failed = true;
                format!(
                    "EXTRACTOR FAILED on {} of {} documents (the eval allows max_failures = {}); snapshot not compared",
                    outcome.failures.len(),
                    outcome.documents(),
                    e.max_failures
                )
            }
            None if update => {
                eval::write_snapshot(&path, &snapshot)?;
                "new snapshot written".to_owned()
            }
            None => {
                failed = true;
                format!("no snapshot at {}; run `goldspan check --update`", path.display())
            }
            Some(before) => {
                let c = compare(&before, &snapshot, e.tolerance);
                for m in &c.moved {
                    let ci = m.interval.map(|(lo, hi)| format!("{lo:.4}–{hi:.4}")).unwrap_or_default();
                    moved.row(vec![
                        e.name.clone(),
                        m.metric.trim_start_matches("total.").to_owned(),
                        format!("{:.4}", m.before),
                        format!("{:.4}", m.after),
                        format!("{:+.4}", m.delta()),
                        ci,
                    ]);
                }
                let regressed = !c.regressions.is_empty();
                match (update, regressed) {
                    (true, true) if !allow_regression => {
                        failed = true;
                        let why = if c.corpus_changed { " (the corpus changed too)" } else { "" };
                        format!(
                            "REGRESSION in {} metric(s){why}; snapshot NOT updated (use --allow-regression)",
                            c.regressions.len()
                        )
                    }
                    (true, _) => {
                        if before != snapshot {
                            eval::write_snapshot(&path, &snapshot)?;
                            "snapshot updated".to_owned()
                        } else {
                            "unchanged".to_owned()
                        }
                    }
                    (false, _) if c.corpus_changed => {
                        failed = true;
                        "CORPUS CHANGED since the snapshot: scores are not comparable (not a regression); \
                         review and run `goldspan check --update`"
                            .to_owned()
                    }
                    (false, true) => {
                        failed = true;
                        let named: Vec<&str> =
                            c.regressions.iter().take(5).map(|m| m.metric.trim_start_matches("total.")).collect();
                        let more = c.regressions.len().saturating_sub(named.len());
                        let more = if more > 0 { format!(" and {more} more") } else { String::new() };
                        format!("REGRESSION in {} metric(s): {}{more}", c.regressions.len(), named.join(", "))
                    }
                    (false, false) if c.moved.is_empty() => "ok".to_owned(),
                    (false, false) => format!("ok ({} metric(s) moved within tolerance or up)", c.moved.len()),
                }
            }
        };
        let failures = if outcome.failures.is_empty() {
            String::new()
        } else {
            format!(", {} extraction failure(s)", outcome.failures.len())
        };
        out.push_str(&format!(
            "{}: {status} ({} extracted, {} cached{failures})\n",
            e.name, outcome.extracted, outcome.cached
        ));
    }
    if !moved.is_empty() {
        out.push_str(&format!("\nmoved:\n{}", moved.render()));
    }
    let outcome = if extractor_failed {
        Outcome::ExtractorFailed
    } else if failed {
        Outcome::GateFailed
    } else {
        Outcome::Ok
    };
    super::finish(&out, outcome)
}
