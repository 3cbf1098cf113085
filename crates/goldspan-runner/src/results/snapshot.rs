//! Snapshots (`evals/snapshots/NAME.json`, schema `goldspan.snapshot/1`): a run's results made
//! stable, the one source of truth of the regression gate.
//!
//! A [`Snapshot`] has no field for anything that varies between runs (durations, paths, cache
//! statistics, the goldspan version), and its ratios are rounded to six places. Reading one is
//! strict: the schema must be `goldspan.snapshot/1`, every field must be there with its type,
//! ratios must lie in [0, 1], and nothing unknown may appear. A snapshot that is not so is an
//! error naming the field (`total.layers.quotes.strict.micro.f1: invalid type: null, ...`),
//! never a pass and never a corpus change. Written atomically, so never half-written.

use std::collections::BTreeMap;
use std::path::Path;

use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize};

use super::metrics::{Intervals, Rounded, Scores};
use super::{Bootstrap, DocumentsScored, ExtractorIdentity, Failure, Results};
use crate::error::Error;

/// The snapshot schema written in every snapshot.
pub const SNAPSHOT_SCHEMA: &str = "goldspan.snapshot/1";

fn snapshot_schema<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    super::schema_is(d, SNAPSHOT_SCHEMA)
}

/// The stable form of a run's results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "goldspan snapshot", description = "An eval's results made stable, in evals/snapshots/.")]
pub struct Snapshot {
    /// Which documents were scored.
    pub documents: DocumentsScored,
    /// The eval's name (its file stem).
    pub eval: String,
    /// Documents the extractor failed on.
    pub failures: Vec<Failure>,
    /// Bootstrap intervals, rounded, when the eval asks for them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub intervals: Option<Intervals>,
    /// What was scored and how.
    pub manifest: SnapshotManifest,
    /// `goldspan.snapshot/1`.
    #[schemars(extend("const" = "goldspan.snapshot/1"))]
    #[serde(deserialize_with = "snapshot_schema")]
    pub schema: String,
    /// Metadata field → value → scores, rounded.
    pub slices: BTreeMap<String, BTreeMap<String, Scores>>,
    /// Scores over every document in scope, rounded.
    pub total: Scores,
}

/// A results manifest without the goldspan version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SnapshotManifest {
    /// Bootstrap samples and seed, or null.
    pub bootstrap: Option<Bootstrap>,
    /// Hash of the documents in scope; a change means the scores are not comparable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub corpus_hash: Option<String>,
    /// The extractor's identity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extractor: Option<ExtractorIdentity>,
    /// Gold name.
    pub gold: String,
    /// Whether a label map was applied.
    pub label_map: bool,
    /// Modes scored.
    pub modes: Vec<String>,
    /// What produced the predictions.
    pub predictions: String,
    /// The split, or null.
    pub split: Option<String>,
}

impl Snapshot {
    /// The snapshot of eval `name`'s results.
    pub fn of(name: &str, results: &Results) -> Snapshot {
        let m = &results.manifest;
        Snapshot {
            documents: results.documents.clone(),
            eval: name.to_owned(),
            failures: results.failures.clone().unwrap_or_default(),
            intervals: results.intervals.as_ref().map(Rounded::rounded),
            manifest: SnapshotManifest {
                bootstrap: m.bootstrap,
                corpus_hash: m.corpus_hash.clone(),
                extractor: m.extractor.clone(),
                gold: m.gold.clone(),
                label_map: m.label_map,
                modes: m.modes.clone(),
                predictions: m.predictions.clone(),
                split: m.split.clone(),
            },
            schema: SNAPSHOT_SCHEMA.to_owned(),
            slices: results.slices.iter().map(|(k, v)| (k.clone(), v.rounded())).collect(),
            total: results.total.rounded(),
        }
    }

    /// Parses snapshot text. Every problem names the field it is in.
    pub fn parse(text: &str) -> Result<Snapshot, SnapshotError> {
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|e| SnapshotError::new("", format!("not JSON: {e}")))?;
        // The schema first: a snapshot of another version is reported as such, not by the
        // first field whose shape changed.
        let Some(object) = value.as_object() else {
            return Err(SnapshotError::new("", format!("a snapshot is a JSON object, not {}", kind(&value))));
        };
        match object.get("schema") {
            None => {
                return Err(SnapshotError::new("schema", format!("missing: a snapshot says {SNAPSHOT_SCHEMA:?}")));
            }
            Some(serde_json::Value::String(s)) if s == SNAPSHOT_SCHEMA => {}
            Some(other) => {
                return Err(SnapshotError::new(
                    "schema",
                    format!("{other} is not supported: this goldspan reads {SNAPSHOT_SCHEMA:?}"),
                ));
            }
        }
        let snapshot: Snapshot = serde_path_to_error::deserialize(value).map_err(|e| {
            let path = e.path().to_string();
            SnapshotError::new(if path == "." { "" } else { &path }, e.into_inner().to_string())
        })?;
        // A macro average may be `null` (NaN) in results under seqeval's rules; runs never
        // make one, so in a snapshot it is damage, not a score.
        let scores = std::iter::once(("total".to_owned(), &snapshot.total)).chain(
            snapshot.slices.iter().flat_map(|(f, v)| v.iter().map(move |(k, s)| (format!("slices.{f}.{k}"), s))),
        );
        for (at, scores) in scores {
            for (layer, modes) in &scores.layers {
                for (mode, s) in modes {
                    let m = &s.macro_average;
                    for (name, x) in [("f1", m.f1), ("precision", m.precision), ("recall", m.recall)] {
                        if x.is_nan() {
                            let field = format!("{at}.layers.{layer}.{mode}.macro.{name}");
                            return Err(SnapshotError::new(
                                &field,
                                "null is not a ratio: a snapshot holds numbers".into(),
                            ));
                        }
                    }
                }
            }
        }
        Ok(snapshot)
    }

    /// The JSON text: pretty-printed, keys sorted, a final newline.
    pub fn to_json(&self) -> String {
        super::to_json_text(self)
    }
}

fn kind(value: &serde_json::Value) -> &'static str {
    match value {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

/// Why a snapshot could not be read: the field (a dotted path, empty for the whole file) and
/// what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{message}", if field.is_empty() { String::new() } else { format!("field `{field}`: ") })]
pub struct SnapshotError {
    /// The field, e.g. `total.layers.entities.strict.micro.f1`; empty for the whole file.
    pub field: String,
    /// What is wrong.
    pub message: String,
}

impl SnapshotError {
    fn new(field: &str, message: String) -> SnapshotError {
        SnapshotError { field: field.to_owned(), message }
    }
}

/// Reads the snapshot at `path`: `Ok(None)` when there is none, `Ok(Some(Err(_)))` when it is
/// malformed (the gate reports that, and never overwrites it); an error only when the file
/// cannot be read.
pub fn read_snapshot(path: &Path) -> Result<Option<Result<Snapshot, SnapshotError>>, Error> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(Some(Snapshot::parse(&text))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::Eval { file: path.to_owned(), message: format!("cannot read: {e}") }),
    }
}

/// Writes a snapshot atomically (creating its directory).
pub fn write_snapshot(path: &Path, snapshot: &Snapshot) -> Result<(), Error> {
    goldspan_formats::write_atomic(path, snapshot.to_json().as_bytes())
        .map_err(|e| Error::Eval { file: path.to_owned(), message: with_causes(&e) })
}

/// An error's message followed by each of its causes: a snapshot that cannot be written must
/// say why (disk full, read-only directory).
fn with_causes(e: &dyn std::error::Error) -> String {
    let mut message = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        message.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    message
}
