//! Every printer of goldspan's typed results: terminal tables, Markdown, JSON, JUnit XML and a
//! self-contained HTML report.
//!
//! Each printer is a function of typed values ([`Results`] and [`CheckOutcome`]s from the
//! runner, [`AgreementResults`], a benchmark report, corpus statistics, and for the HTML
//! report the documents scored with their predictions), so the CLI only chooses one. Nothing
//! here reads files or decides exit codes.
#![warn(missing_docs)]

mod agree;
mod bench;
mod cache;
mod check;
mod html;
mod junit;
mod listing;
mod results;
mod stats;
mod table;

use goldspan_runner::results::Results;

pub use agree::{
    agreement_json, agreement_table, AgreementResults, LayerAgreement, SpeakerAgreement, AGREEMENT_SCHEMA,
};
pub use bench::{bench_json, bench_table};
pub use cache::{cache_pruned, cache_stats_table};
pub use check::{
    check_github, check_json, check_markdown, check_report, check_table, CheckReport, EvalReport, MovedMetric,
    SnapshotProblem, CHECK_SCHEMA,
};
pub use goldspan_runner::results::CheckOutcome;
pub use html::{content_security_policy, html, Baseline, Html, HtmlInput, DOCUMENT_BUDGET};
pub use junit::junit;
pub use listing::{eval_list_json, eval_list_table, EvalListing};
pub use stats::{stats_json, stats_table};
pub use table::Table;

/// `goldspan score` for a terminal.
pub fn table(results: &Results) -> String {
    results::render(results, false)
}

/// `goldspan score` as Markdown.
pub fn markdown(results: &Results) -> String {
    results::render(results, true)
}

/// The results as JSON: the exact bytes of `--format json` (pretty, keys sorted, a final
/// newline).
pub fn json(results: &Results) -> String {
    results.to_json()
}

/// Several results as one JSON array (`goldspan run` over several evals).
pub fn json_list(results: &[Results]) -> String {
    serde_json::to_string_pretty(results).unwrap_or_default() + "\n"
}

/// `goldspan run` of eval (or extractor) `eval` for a terminal: a title line, the score
/// tables, and the extractor's failures.
pub fn run_table(eval: &str, results: &Results) -> String {
    results::render_run(eval, results, false)
}

/// `goldspan run` of `eval` as Markdown.
pub fn run_markdown(eval: &str, results: &Results) -> String {
    results::render_run(eval, results, true)
}
