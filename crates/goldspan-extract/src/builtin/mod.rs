//! goldspan's built-in baselines: real rule-based extractors, to be measured, beaten and
//! benchmarked.

mod entities;
mod quotes;
mod structure;

pub use entities::EntitiesRules;
pub use quotes::QuotesRules;
pub use structure::StructureRules;
