//! `goldspan bench`: how fast an extractor is on a corpus, single-threaded and on every core,
//! after a warm-up pass (models loaded, caches filled, worker processes started).

use std::path::Path;
use std::time::{Duration, Instant};

use goldspan_extract::{Registry, Settings};
use goldspan_formats::gold::Corpus;
use goldspan_model::Document;
use rayon::prelude::*;

use crate::error::Error;

/// Throughput and latency of one pass.
#[derive(Debug, Clone, PartialEq)]
pub struct Pass {
    /// Threads used.
    pub threads: usize,
    /// Wall-clock time of the pass.
    pub seconds: f64,
    /// Documents per second.
    pub documents_per_second: f64,
    /// Megabytes of UTF-8 text per second.
    pub megabytes_per_second: f64,
    /// Per-document latency percentiles (50, 95, 99), in milliseconds.
    pub latency_ms: [f64; 3],
    /// Documents the extractor failed on.
    pub failures: usize,
}

/// A benchmark of one extractor on one corpus split.
#[derive(Debug, Clone, PartialEq)]
pub struct BenchReport {
    /// The extractor's name.
    pub extractor: String,
    /// Documents per pass.
    pub documents: usize,
    /// UTF-8 bytes of text per pass.
    pub bytes: usize,
    /// One thread.
    pub single: Pass,
    /// Every core.
    pub parallel: Pass,
}

fn percentile(sorted: &[Duration], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() - 1) as f64 * q).round() as usize;
    sorted[i.min(sorted.len() - 1)].as_secs_f64() * 1000.0
}

fn pass(
    docs: &[Document],
    threads: usize,
    bytes: usize,
    extract: &(dyn Fn(&Document) -> bool + Sync),
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<Pass, Error> {
    let pool =
        rayon::ThreadPoolBuilder::new().num_threads(threads).build().map_err(|e| Error::Extractor(e.to_string()))?;
    let started = Instant::now();
    let done = std::sync::atomic::AtomicUsize::new(0);
    let timed: Vec<(Duration, bool)> = pool.install(|| {
        docs.par_iter()
            .map(|d| {
                let t = Instant::now();
                let ok = extract(d);
                let elapsed = t.elapsed();
                progress(done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1, docs.len());
                (elapsed, ok)
            })
            .collect()
    });
    let seconds = started.elapsed().as_secs_f64().max(1e-9);
    let mut latencies: Vec<Duration> = timed.iter().map(|(t, _)| *t).collect();
    latencies.sort();
    Ok(Pass {
        threads,
        seconds,
        documents_per_second: docs.len() as f64 / seconds,
        megabytes_per_second: bytes as f64 / 1e6 / seconds,
        latency_ms: [percentile(&latencies, 0.50), percentile(&latencies, 0.95), percentile(&latencies, 0.99)],
        failures: timed.iter().filter(|(_, ok)| !ok).count(),
    })
}

/// Benchmarks `spec` on the documents of `corpus` (`split`, or all). `repeat` passes over the
/// documents make each measurement, so small corpora still time enough work.
/// `progress(pass, done, total)` is called as documents complete.
pub fn bench(
    registry: &Registry,
    spec: &str,
    corpus: &Path,
    split: Option<&str>,
    repeat: usize,
    settings: &Settings,
    progress: &(dyn Fn(&str, usize, usize) + Sync),
) -> Result<BenchReport, Error> {
    let corpus = Corpus::open(corpus)?;
    let mut docs = Vec::new();
    for id in corpus.split_ids(split)? {
        docs.push(corpus.read(&id)?.document);
    }
    let once = docs.clone();
    for _ in 1..repeat.max(1) {
        docs.extend(once.iter().cloned());
    }
    let bytes = docs.iter().map(|d| d.text().len()).sum();
    let mut settings = settings.clone();
    settings.manifest = Some(corpus.manifest().clone());
    let extractor = registry.resolve(spec, &settings)?;
    let extract = |d: &Document| extractor.extract(d).is_ok();
    // Warm-up: one pass on every core, so every worker process has started.
    pass(&once, settings.jobs.max(1), 0, &extract, &|done, total| progress("warm-up", done, total))?;
    let single = pass(&docs, 1, bytes, &extract, &|done, total| progress("single thread", done, total))?;
    let parallel =
        pass(&docs, settings.jobs.max(1), bytes, &extract, &|done, total| progress("all cores", done, total))?;
    Ok(BenchReport { extractor: extractor.info().name, documents: docs.len(), bytes, single, parallel })
}
