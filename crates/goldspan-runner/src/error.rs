//! Errors of the runner: input that cannot be scored, with every problem listed.

use std::path::PathBuf;

use goldspan_model::Problem;

impl From<goldspan_extract::SpecError> for Error {
    fn from(e: goldspan_extract::SpecError) -> Error {
        match e {
            goldspan_extract::SpecError::Start { spec, error } => Error::ExtractorStart { spec, error },
            e => Error::Spec(e),
        }
    }
}

/// Why an evaluation could not run.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Gold or predictions could not be read or are invalid.
    #[error(transparent)]
    Input(#[from] goldspan_model::Error),
    /// The extractor could not be built, or failed under `--fail-fast`.
    #[error("extractor: {0}")]
    Extractor(String),
    /// The extractor spec names no extractor that can be built (an unknown name, a bad
    /// command, predictions that cannot be used); its causes, the problems of a `file:`
    /// extractor's predictions among them, stay reachable as the error's source.
    #[error(transparent)]
    Spec(goldspan_extract::SpecError),
    /// A `cmd:` extractor failed before its first document: it cannot start, dies at
    /// start-up, writes something that is not an answer, or never answers.
    #[error("extractor {spec} failed before its first document: {error}")]
    ExtractorStart {
        /// The extractor spec.
        spec: String,
        /// What went wrong; its `hint()` says what usually fixes it.
        error: goldspan_extract::ExtractError,
    },
    /// The extractor failed on a document under `--fail-fast`.
    #[error("extractor: document {document}: {error}")]
    FailFast {
        /// The first document (by id) it failed on.
        document: String,
        /// Why.
        error: goldspan_extract::ExtractError,
    },
    /// An eval's `cache_inputs` cannot be hashed: a listed path is missing or unreadable.
    #[error(transparent)]
    CacheInputs(#[from] crate::cache::InputsError),
    /// goldspan was told to stop (SIGINT, SIGTERM) while extracting.
    #[error("interrupted")]
    Interrupted,
    /// An eval definition or snapshot is malformed or cannot be written.
    #[error("{file}: {message}")]
    Eval {
        /// The file.
        file: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A name (layer, label, metadata field, document) the gold does not have.
    #[error(transparent)]
    UnknownName(#[from] goldspan_model::UnknownName),
    /// The error listing (`--errors`) could not be kept in a temporary file.
    #[error("cannot keep the error listing in a temporary file (TMPDIR names where)")]
    ErrorListing(#[source] std::io::Error),
    /// Partial results that cannot be merged (`goldspan merge`): unreadable, or not the
    /// shards of one run.
    #[error("{0}")]
    Merge(String),
    /// A label map file is malformed.
    #[error("{file}: {message}")]
    LabelMap {
        /// The label map file.
        file: PathBuf,
        /// What is wrong.
        message: String,
    },
}

impl Error {
    pub(crate) fn problems(problems: Vec<Problem>) -> Error {
        Error::Input(goldspan_model::Error::Invalid(problems))
    }
}
