//! Runs goldspan's evaluations: gold and predictions in, scored in parallel over documents,
//! results out. The library behind `goldspan score`.
//!
//! Everything that touches files and threads lives here; matching and metrics stay in
//! `goldspan-score`, which does no I/O.
#![warn(missing_docs)]

mod agree;
mod error;
mod evaluate;
mod gold;
mod label_map;
pub mod results;
pub mod synth;

pub use agree::{agree, Agreement, AGREEMENT_MODES};
pub use error::Error;
pub use evaluate::{evaluate, Config, DocumentCounts, Evaluation};
pub use gold::{Fetched, Gold};
pub use label_map::LabelMap;
