//! Matching and metrics for goldspan: the SemEval-2013 span modes (strict, exact, partial,
//! type), character-overlap and token-level modes, relations, quote attribution, aggregation
//! and bootstrap intervals.
//!
//! Pure functions over the model: no I/O, no printing. Counts add up exactly across documents,
//! so scoring runs in parallel and in shards and merges to the same numbers.
#![warn(missing_docs)]

pub mod agreement;
pub mod align;
mod average;
pub mod bootstrap;
mod compat;
mod counts;
mod document;
pub mod errors;
pub mod ground;
mod mentions;
mod mode;
pub mod tags;

pub use average::{average, f_beta, Average, Ratios, ZeroDivision};
pub use compat::Compat;
pub use counts::{f1, ratio, Counts, Prf};
pub use document::{
    fold, ground_predictions, right_speaker, score_document, score_document_into, score_grounded_into, word_tokens,
    Options, QuoteCounts, Tally,
};
pub use ground::{Grounded, Grounding, GroundingCounts, Occurrences, Rule, Ungrounded, Unplaced};
pub use mentions::normalize as normalize_mention;
pub use mode::{Mode, ModeError, SEMEVAL};
