//! The contract every extractor meets, built-in or external: say who you are, and turn a
//! document into annotations.
//!
//! `info()` is part of every cache key and results manifest, so an extractor must change its
//! `version` or `config_hash` whenever its output for the same text can change.

use goldspan_model::{Annotations, Document};

/// Who an extractor is: the identity its outputs are cached and reported under.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ExtractorInfo {
    /// Name, e.g. `quotes-rules`.
    pub name: String,
    /// Version of the extractor's logic or model.
    pub version: String,
    /// A hash of its configuration (gazetteers, arguments, model files), hex.
    pub config_hash: String,
}

/// Why an extractor produced nothing for a document. A failure is a finding recorded in the
/// results, never a crash of the run.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ExtractError {
    /// The extractor reported an error.
    #[error("extractor failed: {0}")]
    Failed(String),
    /// The extractor did not answer in time.
    #[error("timed out after {seconds} s")]
    Timeout {
        /// The per-document limit.
        seconds: f64,
    },
    /// The extractor process exited.
    #[error("the extractor process exited ({status})")]
    Crashed {
        /// Exit status, as text.
        status: String,
    },
    /// The output could not be used (malformed JSON, wrong id, bad offsets, text mismatch).
    #[error("unusable output: {0}")]
    Malformed(String),
}

/// Something that annotates documents. Implementations must be deterministic for a given
/// `info()`: the runner caches outputs by it.
pub trait Extractor: Send + Sync {
    /// Identity: name, version and configuration hash.
    fn info(&self) -> ExtractorInfo;

    /// Annotates one document. Offsets are code points into `doc.text()`.
    fn extract(&self, doc: &Document) -> Result<Annotations, ExtractError>;
}

/// A stable 64-bit FNV-1a hash as 16 hex digits: for configuration hashes that must not
/// change between builds or platforms.
pub fn stable_hash(parts: &[&str]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for b in part.bytes().chain(std::iter::once(0xff)) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    format!("{h:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stable_hash_is_pinned() {
        // FNV-1a 64 of the empty input is the offset basis; this pins the algorithm.
        assert_eq!(stable_hash(&[]), "cbf29ce484222325");
        assert_ne!(stable_hash(&["a", "b"]), stable_hash(&["ab"]));
    }
}
