//! goldspan's data model and formats: documents, spans in layers with code-point offsets,
//! relations and coreference clusters, corpus manifests, and a reader and writer for every
//! format goldspan speaks (gold corpus directories, brat, JSON Lines, CoNLL, doccano, Label
//! Studio, spaCy, and the inline markup annotators write).
//!
//! Every reader verifies what it can and reports every problem with file, line and document.
#![warn(missing_docs)]

mod error;
pub mod formats;
mod manifest;
mod model;
pub mod stats;
pub mod text;
mod validate;

pub use error::{Error, Location, Problem, ProblemKind, Problems};
pub use manifest::{Layer, Manifest, PerHead, RelationType};
pub use model::{
    AnnotatedDocument, Annotations, Attribute, Cluster, Document, Fragment, FragmentError, Meta, Note, Relation, Span,
};
pub use validate::{check_document, check_predictions};
