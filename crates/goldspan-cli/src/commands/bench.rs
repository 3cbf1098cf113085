//! `goldspan bench`: extractor throughput and latency, as a table or JSON.

use std::path::Path;

use goldspan_extract::{Registry, Settings};
use goldspan_runner::bench;

use super::print;
use crate::args::OutputFormat;
use crate::Outcome;

pub fn run(
    spec: &str,
    corpus: &Path,
    split: Option<&str>,
    repeat: usize,
    jobs: Option<usize>,
    timeout: f64,
    format: OutputFormat,
) -> anyhow::Result<Outcome> {
    let jobs = jobs.unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()));
    let timeout = goldspan_runner::eval::seconds(timeout).map_err(|m| anyhow::anyhow!("--timeout {m}"))?;
    let settings = Settings { jobs, timeout, manifest: None, dir: None };
    let report = bench(&Registry::with_builtins(), spec, corpus, split, repeat, &settings)?;
    print(&match format {
        OutputFormat::Json => goldspan_report::bench_json(&report),
        OutputFormat::Table => goldspan_report::bench_table(&report, false),
        OutputFormat::Markdown => goldspan_report::bench_table(&report, true),
    })?;
    Ok(Outcome::Ok)
}
