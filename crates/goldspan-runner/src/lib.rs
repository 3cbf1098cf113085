//! Runs goldspan's evaluations: gold and predictions in, scored in parallel over documents,
//! results out. The library behind `goldspan score`.
//!
//! Everything that touches files and threads lives here; matching and metrics stay in
//! `goldspan-score`, which does no I/O.
#![warn(missing_docs)]

mod agree;
mod bench;
pub mod cache;
mod error;
pub mod eval;
mod evaluate;
mod gold;
mod ids;
mod label_map;
pub mod pairs;
pub mod partial;
pub mod results;
mod run;
mod saved;
pub mod shard;
mod sorted_gold;
pub mod synth;

pub use agree::{agree, Agreement, AGREEMENT_MODES};
pub use bench::{bench, BenchReport, Pass};
pub use error::Error;
pub use evaluate::{
    conll_pairs, evaluate, evaluate_conll, evaluate_documents, evaluate_with_progress, leave_out_other_layers,
    score_pairs, Config, DocumentCounts, Evaluation, RecordScorer,
};
pub use gold::{Gold, Vocabulary};
pub use ids::Ids;
pub use label_map::LabelMap;
pub use partial::{merge, read_partial, write_partial, Merged, Partial, PARTIAL_SCHEMA};
pub use results::{check, gate, CheckOutcome, Policy, Results, RunInfo, Snapshot, Verdict};
pub use saved::{read_saved_run, SavedRun};
pub use shard::{Shard, ShardScope};

/// The bootstrap seed when none is given: the same for `goldspan score`, `goldspan run` and
/// eval definitions, so the same samples give the same intervals whichever computed them.
pub const DEFAULT_SEED: u64 = 20211114;

pub use run::{run, run_in_chunks, Failure, FailureLimit, Progress, RunConfig, RunOutcome, EARLY_STOP_DOCUMENTS};
