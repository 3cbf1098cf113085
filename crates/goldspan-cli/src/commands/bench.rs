//! `goldspan bench`: extractor throughput and latency, as a table or JSON.

use std::path::Path;

use goldspan_extract::{Registry, Settings};
use goldspan_runner::bench;

use super::print;
use crate::args::OutputFormat;
use crate::progress::Bar;
use crate::Outcome;

/// How extractors run: `--jobs`, `--timeout` (every extractor), `--max-line-bytes` (`cmd:`).
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
    let jobs = limits.jobs.unwrap_or_else(|| {
        std::thread::available_parallelism().map_or(2, |n| n.get()).min(goldspan_runner::eval::MAX_JOBS)
    });
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
    print(&match format {
        OutputFormat::Json => goldspan_report::bench_json(&report),
        OutputFormat::Table => goldspan_report::bench_table(&report, false),
        OutputFormat::Markdown => goldspan_report::bench_table(&report, true),
    })?;
    Ok(Outcome::Ok)
}
