//! `goldspan bench`: an extractor's throughput and latency as a table, Markdown or JSON.

use goldspan_runner::{BenchReport, Pass};
use serde::Serialize;

use crate::table::Table;

/// One pass as JSON (fields in the order they are written).
#[derive(Serialize)]
struct PassJson {
    documents_per_second: f64,
    failures: usize,
    latency_ms: Latency,
    megabytes_per_second: f64,
    seconds: f64,
    threads: usize,
}

#[derive(Serialize)]
struct Latency {
    p50: f64,
    p95: f64,
    p99: f64,
}

#[derive(Serialize)]
struct BenchJson<'a> {
    all_cores: PassJson,
    bytes: usize,
    documents: usize,
    extractor: &'a str,
    single_thread: PassJson,
}

fn pass(p: &Pass) -> PassJson {
    PassJson {
        documents_per_second: p.documents_per_second,
        failures: p.failures,
        latency_ms: Latency { p50: p.latency_ms[0], p95: p.latency_ms[1], p99: p.latency_ms[2] },
        megabytes_per_second: p.megabytes_per_second,
        seconds: p.seconds,
        threads: p.threads,
    }
}

/// `goldspan bench --format json`.
pub fn bench_json(r: &BenchReport) -> String {
    let j = BenchJson {
        all_cores: pass(&r.parallel),
        bytes: r.bytes,
        documents: r.documents,
        extractor: &r.extractor,
        single_thread: pass(&r.single),
    };
    serde_json::to_string_pretty(&j).unwrap_or_default() + "\n"
}

/// `goldspan bench` as a table, or Markdown.
pub fn bench_table(r: &BenchReport, markdown: bool) -> String {
    let mut t = Table::new(&["pass", "threads", "docs/s", "MB/s", "p50 ms", "p95 ms", "p99 ms", "failures"]);
    for (name, p) in [("single thread", &r.single), ("all cores", &r.parallel)] {
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
    let table = if markdown { t.markdown() } else { t.render() };
    format!(
        "{}: {} documents per pass ({:.2} MB), after a warm-up pass\n\n{table}",
        r.extractor,
        r.documents,
        r.bytes as f64 / 1e6
    )
}
