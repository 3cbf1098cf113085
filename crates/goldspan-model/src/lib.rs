//! goldspan's data model: documents, spans in layers with code-point offsets, relations and
//! coreference clusters, corpus manifests, and the validation every reader runs.
//!
//! No serde and no file formats here: each format lives in `goldspan-formats` with its own
//! on-disk structs, so a change to the model never silently changes a file format. Problems
//! found in input carry their file, line and document ([`Location`]).
#![warn(missing_docs)]

mod error;
mod id;
mod manifest;
mod model;
mod names;
pub mod stats;
pub mod text;
mod validate;

pub use error::{
    group_by_cause, problem_count, Cause, Error, Location, Problem, ProblemGroup, ProblemKind, Problems, Tally,
};
pub use id::{BadId, DocumentId};
pub use manifest::{Attribution, Layer, Manifest, PerHead, RelationType};
pub use model::{
    AnnotatedDocument, Annotations, Attribute, Cluster, Document, Fragment, FragmentError, Meta, Note, Relation, Span,
    TextSpan,
};
pub use names::{check_name, did_you_mean, UnknownName};
pub use validate::{check_document, check_predictions, duplicate_spans};

/// A hash map keyed by the short ids and labels of one document. Hashed with foldhash, several
/// times cheaper than std's SipHash on keys this short (SipHash was 7% of reading a corpus
/// directory); seeded at random per process like std's, so nothing can depend on its order.
pub type IdMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;

/// A hash set of the short ids of one document, hashed as [`IdMap`] is.
pub type IdSet<K> = std::collections::HashSet<K, foldhash::fast::RandomState>;
