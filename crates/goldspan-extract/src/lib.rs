//! Extractors: the trait every extractor implements, goldspan's real rule-based baselines
//! (quotations with cue and speaker, OntoNotes entities, article structure), and the registry
//! that turns a spec string (`quotes-rules`, `cmd:...`, `file:...`) into an extractor.
#![warn(missing_docs)]

pub mod builtin;
mod command;
mod extractor;
mod file;
#[cfg(test)]
mod fingerprint;
mod registry;
mod supervise;
mod worker;

pub use command::{CommandExtractor, Hello, HELLO_ID, PROTOCOL};
pub use extractor::{stable_hash, ExtractError, Extractor, ExtractorInfo, FailureKind, StableHasher};
pub use file::FileExtractor;
pub use registry::{
    file_spec_path, split_command, Builder, Prepared, Registry, Settings, SpecError, DEFAULT_MAX_LINE_BYTES,
};
pub use supervise::{stop_workers, stopping};

/// BLAKE3 of the built-in extractors' rule sources, word lists and the model code they call,
/// taken by `build.rs` when this crate is built (64 hex digits). It is their configuration
/// hash (first 16 digits), so an edited rule never reuses cached outputs.
pub const BUILTIN_FINGERPRINT: &str = env!("GOLDSPAN_BUILTIN_FINGERPRINT");
