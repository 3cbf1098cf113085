//! A run's memory does not grow with its corpus: what it holds at its peak is a few chunks of
//! documents, not something per document. Counted, not timed: the process's allocator counts
//! every byte allocated and the peak of what is live, and a run over four times the documents
//! (in the same chunks) may peak only a little higher — by its indexes of ids and places,
//! 61 bytes a document (the gold file's: 13 bytes of id, an 8-byte end, a 16-byte place; the
//! predictions': 24 bytes) — where holding anything of each document (its text, its spans,
//! its names) costs kilobytes a document. It measures 77 to 84: the two files are indexed at
//! once, and what is in flight then (the two decompressors' windows, pieces of the
//! predictions waiting for their content hash, the gold's index sorted as a copy) is a little
//! more in a larger corpus, up to a fixed size of a few megabytes that a million documents
//! do not notice.
//!
//! Regression: with a gold file and `--layer` (or a label map, or `--slice`), a run checked
//! the names before extracting by reading every gold document and keeping each one's list of
//! span names until the end of that pass: 3.4 KB a document, 3.6 GB of memory at a million.
//! (Now the names are looked for only until found, and the full lists an error needs are
//! folded per thread.)
//!
//! Regression: the `file:` extractor indexed its records in a map of owned ids, about 170
//! bytes a document (the run grew 280 bytes a document); now 24 bytes each, sorted by a hash
//! of the id.
//!
//! Regression: the gold file's index held each id as a `String` and a 24-byte place, and the
//! `file:` index was sorted with a scratch copy of itself: the peak grew 109 bytes a document.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use cap::Cap;
use goldspan_extract::Registry;
use goldspan_formats::jsonl;
use goldspan_runner::cache::CacheInputs;
use goldspan_runner::synth::{self, SynthConfig};
use goldspan_runner::{Config, RunConfig};
use goldspan_score::{Mode, Options};

/// Counts what this test process allocates (a test binary of its own, so nothing else runs
/// in it).
#[global_allocator]
static ALLOCATOR: Cap<std::alloc::System> = Cap::new(std::alloc::System, usize::MAX);

/// Documents in each chunk: small, so that a few chunks are a small part of a corpus.
const CHUNK: usize = 16;

/// Writes `documents` synthetic documents (30 spans each on average) to `dir/gold.jsonl.zst`
/// and their predictions to `dir/pred.jsonl.zst`, one document at a time (so writing holds
/// none), and returns the two paths. Compressed, as large corpora are kept: a run decompresses
/// them into temporary files and reads them as it reads plain ones.
fn corpus(dir: &Path, documents: usize) -> (PathBuf, PathBuf) {
    let config = SynthConfig { documents, seed: 5, spans: 30, missed: 0.1, boundary: 0.1, label: 0.05, spurious: 0.05 };
    let (gold, pred) = (dir.join("gold.jsonl.zst"), dir.join("pred.jsonl.zst"));
    let open = |path: &Path| {
        zstd::stream::write::Encoder::new(std::fs::File::create(path).expect("create"), 3).expect("zstd").auto_finish()
    };
    let (mut gold_out, mut pred_out) = (open(&gold), open(&pred));
    for i in 0..documents {
        let (g, p) = synth::document(&config, i);
        gold_out.write_all((jsonl::to_line(&g, true) + "\n").as_bytes()).expect("write");
        pred_out.write_all((jsonl::to_line(&p, false) + "\n").as_bytes()).expect("write");
    }
    (gold, pred)
}

/// A run of the predictions `pred` over `gold` that names its layer and a slice, so the run
/// checks those names against the gold before extracting, and keeps no document.
fn config(gold: &Path, pred: &Path) -> RunConfig {
    RunConfig {
        corpus: gold.to_owned(),
        split: None,
        extractor: format!("file:{}", pred.display()),
        jobs: 2,
        timeout: Duration::from_secs(30),
        cache: None,
        cache_inputs: CacheInputs::default(),
        fail_fast: false,
        dir: None,
        max_line_bytes: goldspan_extract::DEFAULT_MAX_LINE_BYTES,
        scoring: Config {
            slices: vec!["bucket".into()],
            ..Config::new(Options {
                layers: Some(BTreeSet::from(["entities".to_owned()])),
                ..Options::new(vec![Mode::Strict, Mode::Partial])
            })
        },
        ids: None,
        limit: None,
        predicted_layers: false,
        save_predictions: None,
        keep_documents: false,
        shard: None,
    }
}

#[test]
fn a_run_over_four_times_the_documents_peaks_at_under_128_bytes_more_a_document() {
    let (small, large) = (512, 2048);
    let dirs = [tempfile::tempdir().expect("temp dir"), tempfile::tempdir().expect("temp dir")];
    let ((small_gold, small_pred), (large_gold, large_pred)) =
        (corpus(dirs[0].path(), small), corpus(dirs[1].path(), large));
    let registry = Registry::with_builtins();
    let run = |gold: &Path, pred: &Path| {
        let outcome = goldspan_runner::run_in_chunks(&registry, &config(gold, pred), &|_| {}, CHUNK).expect("run");
        assert!(outcome.documents.is_empty() && outcome.failures.is_empty());
        assert_eq!(outcome.extracted, outcome.documents());
        outcome.extracted
    };
    // The allocator keeps the peak since the process started: the smaller run sets it first
    // (after writing the corpora, which held one document at a time), and whatever the larger
    // run adds to it is what it holds beyond the smaller one.
    assert_eq!(run(&small_gold, &small_pred), small);
    let before = ALLOCATOR.max_allocated();
    let total_before = ALLOCATOR.total_allocated();
    assert_eq!(run(&large_gold, &large_pred), large);
    let grown = ALLOCATOR.max_allocated() - before;
    // The larger run did allocate its documents (each several kilobytes), one chunk after
    // another: what the peak shows is what it held at once.
    let allocated = ALLOCATOR.total_allocated() - total_before;
    assert!(allocated > large * 8 * 1024, "the run allocated {allocated} bytes in all");
    let per_document = grown / (large - small);
    assert!(
        per_document < 128,
        "the peak grew by {grown} bytes over {} more documents ({per_document} a document)",
        large - small
    );
}
