//! Shards merge to the run on one machine: for random synthetic corpora, predictions (some
//! documents without any, so the extractor fails on them) and shard counts 1 to 16, the
//! results merged from every shard's partial result (written to a file and read back) are the
//! one-machine results JSON byte for byte, with bootstrap intervals, slices, per-document
//! counts, classified errors and failures.

use std::path::Path;
use std::time::Duration;

use goldspan_extract::Registry;
use goldspan_runner::cache::CacheInputs;
use goldspan_runner::synth::{self, SynthConfig};
use goldspan_runner::{merge, read_partial, write_partial, Config, Partial, Results, RunConfig, Shard};
use goldspan_score::{Mode, Options};
use proptest::prelude::*;

/// A run of the saved predictions in `dir/pred.jsonl` over `dir/gold.jsonl`.
fn config(dir: &Path, shard: Option<Shard>) -> RunConfig {
    RunConfig {
        corpus: dir.join("gold.jsonl"),
        split: None,
        extractor: format!("file:{}", dir.join("pred.jsonl").display()),
        jobs: 2,
        timeout: Duration::from_secs(10),
        cache: None,
        cache_inputs: CacheInputs::default(),
        fail_fast: false,
        dir: None,
        max_line_bytes: goldspan_extract::DEFAULT_MAX_LINE_BYTES,
        scoring: Config {
            slices: vec!["bucket".into()],
            per_document: true,
            errors: true,
            ..Config::new(Options::new(vec![Mode::Strict, Mode::Partial, Mode::Type]))
        },
        ids: None,
        limit: None,
        predicted_layers: false,
        save_predictions: None,
        keep_documents: false,
        shard,
    }
}

/// Writes a synthetic corpus of `documents` documents, and predictions for those `keep` keeps.
fn corpus(dir: &Path, documents: usize, seed: u64, keep: impl Fn(usize) -> bool) {
    let synth = SynthConfig { documents, seed, spans: 4, missed: 0.2, boundary: 0.2, label: 0.2, spurious: 0.2 };
    synth::write(&synth, dir).expect("write the corpus");
    let pred = std::fs::read_to_string(dir.join("pred.jsonl")).expect("read");
    let kept: String = pred.lines().enumerate().filter(|(i, _)| keep(*i)).map(|(_, l)| format!("{l}\n")).collect();
    std::fs::write(dir.join("pred.jsonl"), kept).expect("write");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn merged_shards_are_the_one_machine_results_byte_for_byte(
        documents in 1usize..40,
        seed in any::<u64>(),
        count in 1u32..=16,
        dropped in proptest::collection::btree_set(0usize..40, 0..4),
        bootstrap_seed in any::<u64>(),
    ) {
        let dir = tempfile::tempdir().expect("temp dir");
        corpus(dir.path(), documents, seed, |i| !dropped.contains(&i));
        let registry = Registry::with_builtins();
        let bootstrap = Some((50, bootstrap_seed));
        let whole = goldspan_runner::run(&registry, &config(dir.path(), None), &|_| {}).expect("run");
        let mut partials = Vec::new();
        for index in 0..count {
            let shard = Shard::new(index, count).expect("shard");
            let config = config(dir.path(), Some(shard));
            let outcome = goldspan_runner::run(&registry, &config, &|_| {}).expect("shard run");
            let partial = Partial::of_run(&outcome, &config, "synthetic", bootstrap).expect("partial");
            let path = dir.path().join(format!("part-{index}.jsonl"));
            write_partial(&path, &partial, &outcome).expect("write");
            partials.push((path.clone(), read_partial(&path).expect("read")));
        }
        // In any order.
        partials.reverse();
        let merged = merge(partials).expect("merge");
        let expected = Results::of_run(&whole, &config(dir.path(), None), bootstrap);
        prop_assert_eq!(merged.results.to_json(), expected.to_json());
        prop_assert_eq!(
            merged.results.clone().with_per_document(&merged.evaluation).to_json(),
            expected.with_per_document(&whole.evaluation).to_json()
        );
        prop_assert_eq!(merged.failures.len(), dropped.iter().filter(|&&i| i < documents).count());
    }
}
