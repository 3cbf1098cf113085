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

use std::io::{self, Write};

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
pub use results::{ByLabel, ReportOptions};
pub use stats::{stats_json, stats_table};
pub use table::Table;

/// `goldspan score` for a terminal, with the default options (no width limit).
pub fn table(results: &Results) -> String {
    to_string(|out| write_table(out, results, &ReportOptions::default()))
}

/// `goldspan score` as Markdown.
pub fn markdown(results: &Results) -> String {
    to_string(|out| write_markdown(out, results, &ReportOptions::default()))
}

/// Writes `goldspan score`'s tables for a terminal. The error listing is written row by row
/// from the results, so memory stays bounded however many errors there are.
pub fn write_table(out: &mut dyn Write, results: &Results, options: &ReportOptions) -> io::Result<()> {
    results::write(out, results, false, options)
}

/// Writes `goldspan score`'s tables as Markdown.
pub fn write_markdown(out: &mut dyn Write, results: &Results, options: &ReportOptions) -> io::Result<()> {
    results::write(out, results, true, options)
}

/// The results as JSON: the exact bytes of `--format json` (pretty, keys sorted, a final
/// newline).
pub fn json(results: &Results) -> String {
    to_string(|out| write_json(out, results))
}

/// Writes the results as JSON, the errors one at a time.
pub fn write_json(out: &mut dyn Write, results: &Results) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, results).map_err(io::Error::other)?;
    out.write_all(b"\n")
}

/// Several results as one JSON array (`goldspan run` over several evals).
pub fn json_list(results: &[Results]) -> String {
    to_string(|out| {
        serde_json::to_writer_pretty(&mut *out, results).map_err(io::Error::other)?;
        out.write_all(b"\n")
    })
}

/// `goldspan run` of eval (or extractor) `eval` for a terminal: a title line, the score
/// tables, and the extractor's failures.
pub fn run_table(eval: &str, results: &Results, options: &ReportOptions) -> String {
    to_string(|out| write_run_table(out, eval, results, options))
}

/// `goldspan run` of `eval` as Markdown.
pub fn run_markdown(eval: &str, results: &Results, options: &ReportOptions) -> String {
    to_string(|out| write_run_markdown(out, eval, results, options))
}

/// Writes what [`run_table`] returns.
pub fn write_run_table(out: &mut dyn Write, eval: &str, results: &Results, options: &ReportOptions) -> io::Result<()> {
    write_run(out, eval, results, false, options)
}

/// Writes what [`run_markdown`] returns.
pub fn write_run_markdown(
    out: &mut dyn Write,
    eval: &str,
    results: &Results,
    options: &ReportOptions,
) -> io::Result<()> {
    write_run(out, eval, results, true, options)
}

/// A run's tables: a title naming the eval (and its extractor, when the names differ), where
/// its predictions came from, the score tables, and the documents the extractor failed on.
fn write_run(
    out: &mut dyn Write,
    eval: &str,
    results: &Results,
    markdown: bool,
    options: &ReportOptions,
) -> io::Result<()> {
    let extractor = results.manifest.extractor.as_ref().map_or(results.manifest.predictions.as_str(), |e| &e.name);
    let title = if eval == extractor { eval.to_owned() } else { format!("{eval}: {extractor}") };
    let (extracted, cached) = results.extraction.map_or((0, 0), |e| (e.performed, e.cached));
    writeln!(out, "{title} ({extracted} extracted, {cached} from cache)")?;
    results::write(out, results, markdown, options)?;
    let failures = results.failures.as_deref().unwrap_or_default();
    if !failures.is_empty() {
        writeln!(out, "\n{} failure(s), scored as empty predictions:", failures.len())?;
        for f in failures {
            writeln!(out, "  {}: {}", f.document, f.reason)?;
        }
    }
    writeln!(out)
}

/// What a writer wrote, as text. Writing to memory fails only when the results' error
/// listing cannot be read back from its temporary file; the text then ends with the error.
fn to_string(write: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> String {
    let mut out = Vec::new();
    if let Err(e) = write(&mut out) {
        out.extend_from_slice(format!("\nerror: {e}\n").as_bytes());
    }
    String::from_utf8_lossy(&out).into_owned()
}
