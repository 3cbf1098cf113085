//! Inputs for goldspan's benchmarks, generated deterministically (see README.md).

use std::path::PathBuf;

pub mod alignment;

/// The repository root.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}
