//! `goldspan bench`: extractor throughput and latency, as a table or JSON.

use std::path::Path;

use goldspan_extract::{Registry, Settings};
use goldspan_runner::{bench, Pass};
use serde_json::json;

use super::print;
use crate::args::OutputFormat;
use crate::progress::Bar;
use crate::table::Table;
use crate::Outcome;

/// How external extractors run: `--jobs`, `--timeout`, `--max-line-bytes`.
pub struct Limits {
    pub jobs: Option<usize>,
    pub timeout: f64,
    pub max_line_bytes: usize,
}

pub fn run(
    spec: &str,
    corpus: &Path,
    split: Option<&str>,
    repeat: usize,
    limits: &Limits,
    format: OutputFormat,
) -> anyhow::Result<Outcome> {
    let jobs = limits.jobs.unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()));
    let timeout = goldspan_runner::eval::seconds(limits.timeout).map_err(|m| anyhow::anyhow!("--timeout {m}"))?;
    let settings = Settings { jobs, timeout, manifest: None, dir: None, max_line_bytes: limits.max_line_bytes };
    let bars: std::sync::Mutex<Option<(String, Bar)>> = std::sync::Mutex::new(None);
    let progress = |pass: &str, done: usize, total: usize| {
        let mut bars = bars.lock().unwrap_or_else(|e| e.into_inner());
        if bars.as_ref().is_none_or(|(name, _)| name != pass) {
            *bars = Some((pass.to_owned(), Bar::new(pass)));
        }
        if let Some((_, bar)) = bars.as_ref() {
            bar.set(done, total, 0);
        }
    };
    let report = bench(&Registry::with_builtins(), spec, corpus, split, repeat, &settings, &progress);
    drop(bars.lock().unwrap_or_else(|e| e.into_inner()).take());
    let report = report?;
    let pass_json = |p: &Pass| {
        json!({"threads": p.threads, "seconds": p.seconds, "documents_per_second": p.documents_per_second,
            "megabytes_per_second": p.megabytes_per_second, "latency_ms": {"p50": p.latency_ms[0], "p95": p.latency_ms[1], "p99": p.latency_ms[2]},
            "failures": p.failures})
    };
    let text = match format {
        OutputFormat::Json => {
            let j = json!({"extractor": report.extractor, "documents": report.documents, "bytes": report.bytes,
                "single_thread": pass_json(&report.single), "all_cores": pass_json(&report.parallel)});
            serde_json::to_string_pretty(&j)? + "\n"
        }
        OutputFormat::Table | OutputFormat::Markdown => {
            let mut t = Table::new(&["pass", "threads", "docs/s", "MB/s", "p50 ms", "p95 ms", "p99 ms", "failures"]);
            for (name, p) in [("single thread", &report.single), ("all cores", &report.parallel)] {
                t.row(vec![
                    name.into(),
                    p.threads.to_string(),
                    format!("{:.1}", p.documents_per_second),
                    format!("{:.2}", p.megabytes_per_second),
                    format!("{:.3}", p.latency_ms[0]),
                    format!("{:.3}", p.latency_ms[1]),
                    format!("{:.3}", p.latency_ms[2]),
                    p.failures.to_string(),
                ]);
            }
            let table = if format == OutputFormat::Markdown { t.markdown() } else { t.render() };
            format!(
                "{}: {} documents per pass ({:.2} MB), after a warm-up pass\n\n{table}",
                report.extractor,
                report.documents,
                report.bytes as f64 / 1e6
            )
        }
    };
    print(&text)?;
    Ok(Outcome::Ok)
}
