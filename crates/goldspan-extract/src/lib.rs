//! Extractors: the trait every extractor implements, goldspan's real rule-based baselines
//! (quotations with cue and speaker, OntoNotes entities, article structure), and the registry
//! that turns a spec string (`quotes-rules`, `cmd:...`, `file:...`) into an extractor.
#![warn(missing_docs)]

pub mod builtin;
mod command;
mod extractor;
mod file;
mod registry;

pub use command::CommandExtractor;
pub use extractor::{stable_hash, ExtractError, Extractor, ExtractorInfo};
pub use file::FileExtractor;
pub use registry::{split_command, Builder, Registry, Settings, SpecError};
