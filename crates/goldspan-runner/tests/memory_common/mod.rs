//! What the memory tests share: a synthetic corpus written a document at a time, a run that
//! keeps no document, and how much its peak grows a document from a smaller corpus to a larger.
//! Each test is a binary of its own (`memory.rs`, `memory_indexed.rs`), so that nothing else
//! runs in the process whose allocations it counts.

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

/// Documents in each chunk: small, so that a few chunks are a small part of a corpus.
const CHUNK: usize = 16;

/// Writes `documents` synthetic documents (30 spans each on average) to `dir/gold.jsonl.zst`
/// and their predictions to `dir/pred.jsonl.zst`, one document at a time (so writing holds
/// none), in id order or `reversed`, and returns the two paths. Compressed, as large corpora
/// are kept.
fn corpus(dir: &Path, documents: usize, reversed: bool) -> (PathBuf, PathBuf) {
    let config = SynthConfig { documents, seed: 5, spans: 30, missed: 0.1, boundary: 0.1, label: 0.05, spurious: 0.05 };
    let (gold, pred) = (dir.join("gold.jsonl.zst"), dir.join("pred.jsonl.zst"));
    let open = |path: &Path| {
        zstd::stream::write::Encoder::new(std::fs::File::create(path).expect("create"), 3).expect("zstd").auto_finish()
    };
    let (mut gold_out, mut pred_out) = (open(&gold), open(&pred));
    for i in 0..documents {
        let (g, p) = synth::document(&config, if reversed { documents - 1 - i } else { i });
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

/// How many bytes more a document the peak grows by from a run over `small` documents to one
/// over `large`, their files in id order or `reversed`.
pub fn growth_a_document(allocator: &Cap<std::alloc::System>, (small, large): (usize, usize), reversed: bool) -> usize {
    let dirs = [tempfile::tempdir().expect("temp dir"), tempfile::tempdir().expect("temp dir")];
    let ((small_gold, small_pred), (large_gold, large_pred)) =
        (corpus(dirs[0].path(), small, reversed), corpus(dirs[1].path(), large, reversed));
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
    let before = allocator.max_allocated();
    let total_before = allocator.total_allocated();
    assert_eq!(run(&large_gold, &large_pred), large);
    let grown = allocator.max_allocated() - before;
    // The larger run did allocate its documents (each several kilobytes), one chunk after
    // another: what the peak shows is what it held at once.
    let allocated = allocator.total_allocated() - total_before;
    assert!(allocated > large * 8 * 1024, "the run allocated {allocated} bytes in all");
    grown / (large - small)
}
