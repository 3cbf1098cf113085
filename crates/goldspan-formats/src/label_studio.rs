//! Label Studio's JSON and JSON-MIN exports, read into documents; and tasks with predictions,
//! which Label Studio imports, written from them.
//!
//! # Offsets
//!
//! Label Studio counts `<Text>` offsets in code points (its frontend stores code points since
//! 2021, and label-studio-converter slices Python strings with them), and so does this module.
//! Older exports counted UTF-16 units: every span carries its text (`value.text`), which is
//! checked, and a mismatch names the unit the offsets fit (`--offset-unit utf16` reads them).
//! Spans without a text whose offsets follow a character beyond U+FFFF (where the units differ)
//! are read in the assumed unit and reported in a note.
//!
//! # Files
//!
//! - JSON export: an array of tasks `{"id": 7, "data": {"text": ...}, "annotations": [{"result":
//!   [...], "completed_by": 1, ...}], "predictions": [...]}` (older exports say `completions`).
//!   The document id is `data.id` when it is a string, else the task id; the other scalar
//!   `data` keys become metadata. A file holding one task object (not an array) reads too.
//! - JSON-MIN export (label-studio-converter's `JSON_MIN`): one flat record per annotation,
//!   `{"id": 7, "text": ..., "label": [{"start", "end", "text", "labels"}], "annotator": ...,
//!   "annotation_id": ..., "created_at": ...}`, the task's data keys at the top level and each
//!   control tag's regions under its name. Records with the same `id` are the annotations of one
//!   task. JSON-MIN holds no relations and no region ids (Label Studio leaves them out); a note
//!   says so.
//!
//! # Annotations
//!
//! A task may hold several annotations (one per annotator). `ReadOptions::annotation` chooses:
//! `all` (default) reads each as its own document, with the task's id when the task has one
//! annotation and `ID.1`, `ID.2`, ... (in the order they were made) when it has several;
//! `first`, `latest` and `N` read one per task under the task's id, so two conversions with
//! `--annotation 1` and `--annotation 2`, or with `--annotator alice@example.com` and
//! `--annotator bob@example.com`, give the two sets `goldspan agree` compares. Annotations are
//! ordered by `created_at` (file order when a task's annotations lack it). The document's
//! metadata gets `annotator` (`completed_by`: its email when the export has one, else the user
//! id), `annotation_id`, and `ground_truth = "true"` for Label Studio's ground-truth
//! annotations. Cancelled (skipped) annotations are left out, and tasks left without an
//! annotation are skipped; notes count both.
//!
//! Predictions are read only from a file that has no annotations at all (a file of
//! pre-annotations, such as the ones this module writes), with `model_version` in the metadata
//! and `--annotation`/`--annotator` (matching `model_version`) choosing among them; otherwise
//! they are left out, with a note. A file with neither reads every task as a document without
//! spans.
//!
//! # Results
//!
//! - `labels`: one span per label (a region with several labels gives several spans, with a
//!   note). Spans are numbered `T1`, `T2`, ... in file order; the Label Studio region id is kept
//!   as a note of kind [`REGION_ID_NOTE`] on the span (unless it equals the new id), so writing
//!   back restores it and brat or gold files get ids they accept.
//! - `relation`: head `from_id`, tail `to_id` (`direction: "left"` swaps them). One relation
//!   per label. `bi` gives a relation each way, except that when the manifest declares the type
//!   only the ways its head and tail labels allow are kept. A relation without a label (Label
//!   Studio's default) takes `ReadOptions::relation_label`, else the manifest's one relation
//!   type whose head and tail labels fit the two spans (drawn the other way round, it is turned
//!   round); when none or several fit, reading fails and says to give `--relation-label`.
//!   Relation ids are `R1`, `R2`, ... Notes count each of these readings.
//! - `choices` and `textarea` on the whole task become metadata under their `from_name`
//!   (choices joined by ", ", texts by a line break). Per-region results (sharing a region's id)
//!   and every other type are left out, counted by type in a note.
//!
//! A problem's line is the line on which its task starts (tasks are found by bracket matching,
//! so every task gets a real line, and a task with broken JSON does not hide the others).
//!
//! # Writing
//!
//! The writer makes a file Label Studio imports as pre-annotations (its documented import
//! format): an array of tasks, one per line, `{"data": {"id", "text", ...metadata},
//! "predictions": [{"model_version"?, "result": [...]}]}` with `labels` results (`from_name:
//! "label"`, `to_name: "text"`, code-point `value.start`/`end`, `value.text`, `value.labels`)
//! and `right` relations with their type as label. The project's labeling config needs
//! `<Labels name="label" toName="text">` over `<Text name="text" value="$text"/>` (and
//! `<Relations>` listing the relation types). Result ids are the kept Label Studio region ids,
//! else the span ids. A `model_version` metadata value becomes the prediction's.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::Path;

use goldspan_model::text::{self, OffsetDrift, OffsetUnit};
use goldspan_model::{
    AnnotatedDocument, Annotations, Document, Error, Location, Manifest, Meta, Note, ProblemKind, Problems, Relation,
    Span,
};
use serde::Serialize;
use serde_json::{Map, Value};

use crate::format::{read_against, AnnotationChoice, Collection, ReadOptions};
use crate::tool_json::{
    array_elements, guess_key, id_of, json_error, offset, plural, scalar, to_json, writable_meta,
    writable_spans_keeping, OffsetReader, Reading,
};
use crate::{line_of_byte, read_text, write_atomic};

/// The kind of the note that keeps a span's Label Studio region id.
pub const REGION_ID_NOTE: &str = "LabelStudioId";

/// Keys of a JSON-MIN record that describe the annotation, not the task's data.
const JSON_MIN_BOOKKEEPING: [&str; 7] =
    ["id", "annotator", "annotation_id", "created_at", "updated_at", "lead_time", "agreement"];

/// Reads a Label Studio JSON or JSON-MIN export (offsets in code points unless
/// `options.offset_unit` says otherwise). See the module doc.
pub fn read(path: &Path, options: &ReadOptions) -> Result<Collection, Error> {
    let mut r = Reading::new(path, options, OffsetUnit::CodePoint);
    let mut tally = Tally::default();
    let mut found = Problems::default();
    let text = read_text(path, &r.location, &mut found);
    // JSON escapes the line breaks of the document text, so the file's own are harmless.
    found.drop_hygiene();
    r.problems.extend(found.into_vec());
    let Some(text) = text else { return finish(r, tally, options) };
    let elements = match top_level(&text) {
        Ok(elements) => elements,
        Err((byte, message)) => {
            let at = r.location.at_line(line_of_byte(&text, byte));
            r.syntax(&at, message.to_owned());
            return finish(r, tally, options);
        }
    };
    let mut tasks: Vec<Task> = Vec::new();
    let mut json_min: HashMap<String, usize> = HashMap::new();
    for (index, (start, end)) in elements.into_iter().enumerate() {
        let line = line_of_byte(&text, start);
        let at = r.location.at_line(line);
        let json = text.get(start..end).unwrap_or_default();
        match serde_json::from_str::<Value>(json) {
            Ok(element) => parse_element(&mut r, &mut tally, element, index + 1, line, &mut tasks, &mut json_min),
            Err(e) => {
                let at = match guess_key(json, &["data", "id"]).or_else(|| guess_key(json, &["id"])) {
                    Some(id) => at.in_document(&id),
                    None => at,
                };
                let at = at.at_line(line + e.line().saturating_sub(1));
                let line_start = text.get(..start).and_then(|t| t.rfind('\n')).map_or(0, |n| n + 1);
                let column = if e.line() == 1 {
                    e.column() + text.get(line_start..start).map_or(0, |t| t.chars().count())
                } else {
                    e.column()
                };
                r.syntax(&at, json_error(&e, column));
            }
        }
    }

    let source = if tasks.iter().any(|t| !t.annotations.is_empty()) {
        tally.predictions_ignored = tasks.iter().filter(|t| !t.predictions.is_empty()).count();
        Source::Annotations
    } else if tasks.iter().any(|t| !t.predictions.is_empty()) {
        Source::Predictions
    } else {
        Source::Nothing
    };
    tally.source = Some(source);
    for task in tasks {
        read_task(&mut r, &mut tally, options, task, source);
    }
    finish(r, tally, options)
}

/// The byte ranges of the tasks: the elements of the top-level array, or the one top-level
/// object.
fn top_level(text: &str) -> Result<Vec<(usize, usize)>, (usize, &'static str)> {
    let start = text.len() - text.trim_start().len();
    if text.trim_start().starts_with('{') {
        return Ok(vec![(start, start + text.trim().len())]);
    }
    if !text.trim_start().starts_with('[') {
        return Err((
            start,
            "expected a JSON array of tasks or one task object (Label Studio's JSON or JSON-MIN export)",
        ));
    }
    array_elements(text)
}

/// Where a task's spans come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
    Annotations,
    Predictions,
    /// The file has no annotations or predictions: tasks are documents without spans.
    Nothing,
}

/// One task, parsed, before its annotations are chosen.
struct Task {
    line: usize,
    id: String,
    text: String,
    meta: Meta,
    annotations: Vec<Made>,
    predictions: Vec<Made>,
}

/// One annotation or prediction of a task.
struct Made {
    results: Vec<Value>,
    /// The annotator (email or user id), or a prediction's model version.
    by: Option<String>,
    id: Option<String>,
    created_at: Option<String>,
    cancelled: bool,
    ground_truth: bool,
    /// Metadata the annotation brings (a JSON-MIN record's scalars).
    meta: Meta,
}

/// Counts behind the notes that say what reading left out or assumed.
#[derive(Default)]
struct Tally {
    source: Option<Source>,
    json_min_records: usize,
    cancelled: Vec<String>,
    skipped_tasks: Vec<String>,
    not_chosen: usize,
    other_annotators: usize,
    several: Vec<String>,
    predictions_ignored: usize,
    prediction_ids_only: usize,
    typed_by_manifest: BTreeMap<String, usize>,
    typed_by_option: usize,
    turned_round: usize,
    relations_with_labels: usize,
    bi: usize,
    bi_one_way: usize,
    regions_with_labels: usize,
    relations_to_shared_regions: usize,
    per_region: BTreeMap<String, usize>,
    dropped: BTreeMap<String, usize>,
    meta_replaced: BTreeSet<String>,
    untexted_after_astral: usize,
    drift: BTreeMap<&'static str, (OffsetUnit, usize)>,
}

fn finish(mut r: Reading<'_>, tally: Tally, options: &ReadOptions) -> Result<Collection, Error> {
    // Tasks are parsed first and read after, so problems are put back in file order.
    r.problems.0.sort_by_key(|p| p.location.line);
    for (unit, n) in tally.drift.values() {
        let message = format!(
            "{} fit their text only when offsets count {unit}, not {}: if the file counts {unit} (older Label \
             Studio versions counted UTF-16), read it with --offset-unit {}",
            plural(*n, "span"),
            r.unit,
            unit.name()
        );
        let at = r.location.clone();
        r.syntax(&at, message);
    }
    let notes = tally.notes(r.unit);
    let origins = r.origins();
    r.finish().map(|documents| Collection { manifest: read_against(options, &documents), documents, notes, origins })
}

/// `ids` listed, at most five.
fn list(ids: &[String]) -> String {
    let shown: Vec<&str> = ids.iter().take(5).map(String::as_str).collect();
    let more = ids.len().saturating_sub(5);
    if more > 0 {
        format!("{} and {more} more", shown.join(", "))
    } else {
        shown.join(", ")
    }
}

impl Tally {
    fn notes(&self, unit: OffsetUnit) -> Vec<String> {
        let mut notes = Vec::new();
        let mut note = |n: usize, text: String| {
            if n > 0 {
                notes.push(text);
            }
        };
        let always = 1;
        note(
            self.json_min_records,
            format!(
                "read as a JSON-MIN export ({}); JSON-MIN holds no relations or region ids, export JSON to keep them",
                plural(self.json_min_records, "record")
            ),
        );
        match self.source {
            Some(Source::Predictions) => note(always, "the file has no annotations: its predictions were read".into()),
            Some(Source::Nothing) => {
                note(always, "the file has no annotations or predictions: tasks were read without spans".into())
            }
            _ => {}
        }
        note(
            self.predictions_ignored,
            format!(
                "predictions of {} left out (only annotations are read from a file that has them)",
                plural(self.predictions_ignored, "task")
            ),
        );
        note(
            self.prediction_ids_only,
            format!("{} exported as ids only, left out", plural(self.prediction_ids_only, "prediction")),
        );
        note(
            self.cancelled.len(),
            format!(
                "{} left out (tasks {})",
                plural(self.cancelled.len(), "cancelled annotation"),
                list(&self.cancelled)
            ),
        );
        note(
            self.other_annotators,
            format!("{} by other annotators left out (--annotator)", plural(self.other_annotators, "annotation")),
        );
        note(self.not_chosen, format!("{} left out by --annotation", plural(self.not_chosen, "annotation")));
        note(
            self.skipped_tasks.len(),
            format!(
                "{} without an annotation to read skipped ({})",
                plural(self.skipped_tasks.len(), "task"),
                list(&self.skipped_tasks)
            ),
        );
        note(
            self.several.len(),
            format!(
                "{} with several annotations read as one document each, ID.1, ID.2, ... ({}); choose one with \
                 --annotation or --annotator",
                plural(self.several.len(), "task"),
                list(&self.several)
            ),
        );
        for (kind, n) in &self.typed_by_manifest {
            note(
                *n,
                format!("{} without a label typed {kind:?}, the manifest's one type that fits", plural(*n, "relation")),
            );
        }
        note(
            self.typed_by_option,
            format!("{} without a label typed by --relation-label", plural(self.typed_by_option, "relation")),
        );
        note(
            self.turned_round,
            format!(
                "{} drawn from tail to head turned round to fit the manifest's head and tail labels",
                plural(self.turned_round, "relation")
            ),
        );
        note(
            self.relations_with_labels,
            format!(
                "{} with several labels read as one relation per label",
                plural(self.relations_with_labels, "relation")
            ),
        );
        note(
            self.bi,
            format!(
                "{} read as a relation each way ({} kept one way only, the one the manifest allows)",
                plural(self.bi, "bidirectional relation"),
                self.bi_one_way
            ),
        );
        note(
            self.regions_with_labels,
            format!("{} with several labels read as one span per label", plural(self.regions_with_labels, "region")),
        );
        note(
            self.relations_to_shared_regions,
            format!(
                "{} link a region with several labels: they link its first span",
                plural(self.relations_to_shared_regions, "relation")
            ),
        );
        for (kind, n) in &self.per_region {
            note(
                *n,
                format!(
                    "{} of type {kind:?} on regions left out (goldspan spans carry no per-region values)",
                    plural(*n, "result")
                ),
            );
        }
        for (kind, n) in &self.dropped {
            note(
                *n,
                format!(
                    "{} of type {kind:?} left out (not a text span, relation or task-level choice)",
                    plural(*n, "result")
                ),
            );
        }
        for key in &self.meta_replaced {
            note(always, format!("data key {key:?} replaced in metadata by the annotation's own {key:?}"));
        }
        note(
            self.untexted_after_astral,
            format!(
                "{} without \"text\" follow characters beyond U+FFFF, where code points and UTF-16 units differ: \
                 their offsets were read as {unit} (give --offset-unit if the file counts otherwise)",
                plural(self.untexted_after_astral, "span")
            ),
        );
        notes
    }
}

/// Parses one element of the file: a JSON task, or a JSON-MIN record (grouped by task id).
fn parse_element(
    r: &mut Reading<'_>,
    tally: &mut Tally,
    element: Value,
    index: usize,
    line: usize,
    tasks: &mut Vec<Task>,
    json_min: &mut HashMap<String, usize>,
) {
    let at = r.location.at_line(line);
    let Value::Object(mut element) = element else {
        r.syntax(&at, format!("task {index}: expected an object"));
        return;
    };
    let task_id = element.get("id").and_then(id_of);
    if let Some(Value::Object(data)) = element.remove("data") {
        let id = match (data.get("id").and_then(Value::as_str), task_id) {
            (Some(id), _) => id.to_owned(),
            (None, Some(id)) => id,
            (None, None) => r.generated_id(index),
        };
        let at = at.in_document(&id);
        let Some(text) = document_text(r, &data, &at) else { return };
        let meta = data
            .iter()
            .filter(|(k, _)| *k != "id" && *k != "text")
            .filter_map(|(k, v)| Some((k.clone(), scalar(v)?)))
            .collect();
        let annotations = match element.remove("annotations").or_else(|| element.remove("completions")) {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(list)) => list.into_iter().filter_map(|a| made(r, &at, a, false)).collect(),
            Some(other) => {
                r.syntax(&at, format!("\"annotations\" must be a list, found {other}"));
                Vec::new()
            }
        };
        let predictions = match element.remove("predictions") {
            Some(Value::Array(list)) => {
                let (ids, objects): (Vec<Value>, Vec<Value>) = list.into_iter().partition(|p| !p.is_object());
                tally.prediction_ids_only += ids.len();
                objects.into_iter().filter_map(|p| made(r, &at, p, true)).collect()
            }
            _ => Vec::new(),
        };
        tasks.push(Task { line, id, text, meta, annotations, predictions });
        return;
    }
    if !matches!(element.get("text"), Some(Value::String(_))) {
        let at = match &task_id {
            Some(id) => at.in_document(id),
            None => at,
        };
        r.syntax(&at, "the task has no \"data\" object (Label Studio JSON) nor a \"text\" string (JSON-MIN)".into());
        return;
    }
    // A JSON-MIN record: one annotation of the task `id`.
    tally.json_min_records += 1;
    let id = task_id.unwrap_or_else(|| r.generated_id(index));
    let at = at.in_document(&id);
    let Some(text) = document_text(r, &element, &at) else { return };
    let mut results = Vec::new();
    let mut meta = Meta::new();
    for (key, value) in &element {
        if key == "text" || JSON_MIN_BOOKKEEPING.contains(&key.as_str()) {
            continue;
        }
        match value {
            Value::Array(items)
                if !items.is_empty() && items.iter().all(|i| i.get("start").is_some() && i.get("end").is_some()) =>
            {
                for item in items {
                    let mut result = Map::new();
                    result.insert("type".into(), "labels".into());
                    result.insert("from_name".into(), key.as_str().into());
                    result.insert("value".into(), item.clone());
                    results.push(Value::Object(result));
                }
            }
            value => {
                if let Some(v) = scalar(value) {
                    meta.insert(key.clone(), v);
                }
            }
        }
    }
    let string = |key: &str| element.get(key).and_then(id_of);
    let annotation_id = string("annotation_id");
    let annotated = annotation_id.is_some() || !results.is_empty();
    let made = Made {
        results,
        by: string("annotator"),
        id: annotation_id,
        created_at: element.get("created_at").and_then(Value::as_str).map(str::to_owned),
        cancelled: false,
        ground_truth: false,
        meta: meta.clone(),
    };
    if let Some(&i) = json_min.get(&id) {
        let task = &mut tasks[i];
        if task.text != text {
            r.syntax(
                &at,
                format!("JSON-MIN records of task {id} have different texts (the first is on line {})", task.line),
            );
        } else if annotated {
            task.annotations.push(made);
        }
        return;
    }
    json_min.insert(id.clone(), tasks.len());
    let annotations = if annotated { vec![made] } else { Vec::new() };
    tasks.push(Task { line, id, text, meta, annotations, predictions: Vec::new() });
}

/// The `text` of a task's data, reported when missing or empty.
fn document_text(r: &mut Reading<'_>, data: &Map<String, Value>, at: &Location) -> Option<String> {
    let Some(text) = data.get("text").and_then(Value::as_str) else {
        let keys: Vec<&str> = data.keys().map(String::as_str).collect();
        r.syntax(
            at,
            format!(
                "the task has no \"data.text\" string (its data keys: {}); goldspan reads the text of a \
                 <Text value=\"$text\"/>",
                keys.join(", ")
            ),
        );
        return None;
    };
    if text.is_empty() {
        r.problems.push(at.clone(), ProblemKind::EmptyDocument);
        return None;
    }
    Some(text.to_owned())
}

/// An annotation or prediction object.
fn made(r: &mut Reading<'_>, at: &Location, value: Value, prediction: bool) -> Option<Made> {
    let what = if prediction { "prediction" } else { "annotation" };
    let Value::Object(mut object) = value else {
        r.syntax(at, format!("an {what} must be an object, found {value}"));
        return None;
    };
    let results = match object.remove("result") {
        Some(Value::Array(results)) => results,
        _ => {
            r.syntax(at, format!("the {what} has no \"result\" list"));
            return None;
        }
    };
    let flag = |key: &str| object.get(key).and_then(Value::as_bool) == Some(true);
    let by = if prediction {
        object.get("model_version").and_then(Value::as_str).filter(|v| !v.is_empty()).map(str::to_owned)
    } else {
        match object.get("completed_by") {
            Some(Value::Object(user)) => {
                user.get("email").and_then(Value::as_str).map(str::to_owned).or_else(|| user.get("id").and_then(id_of))
            }
            Some(other) => id_of(other),
            None => None,
        }
    };
    Some(Made {
        results,
        by,
        id: object.get("id").and_then(id_of),
        created_at: object.get("created_at").and_then(Value::as_str).map(str::to_owned),
        cancelled: !prediction && (flag("was_cancelled") || flag("skipped")),
        ground_truth: !prediction && flag("ground_truth"),
        meta: Meta::new(),
    })
}

/// Chooses a task's annotations and reads each chosen one as a document.
fn read_task(r: &mut Reading<'_>, tally: &mut Tally, options: &ReadOptions, task: Task, source: Source) {
    let at = r.location.at_line(task.line).in_document(&task.id);
    let made = match source {
        Source::Annotations => task.annotations,
        Source::Predictions => task.predictions,
        Source::Nothing => {
            let doc = AnnotatedDocument {
                document: Document::new(task.id, task.text, task.meta),
                annotations: Annotations::default(),
            };
            r.push_document(task.line, doc);
            return;
        }
    };
    let mut kept: Vec<Made> = Vec::new();
    for m in made {
        if m.cancelled {
            tally.cancelled.push(task.id.clone());
        } else if options.annotator.as_ref().is_some_and(|who| m.by.as_ref() != Some(who)) {
            tally.other_annotators += 1;
        } else {
            kept.push(m);
        }
    }
    if kept.iter().all(|m| m.created_at.is_some()) {
        kept.sort_by(|a, b| a.created_at.cmp(&b.created_at));
    }
    let total = kept.len();
    let chosen: Vec<(usize, Made)> = match options.annotation {
        AnnotationChoice::All => kept.into_iter().enumerate().map(|(i, m)| (i + 1, m)).collect(),
        AnnotationChoice::First => kept.into_iter().take(1).map(|m| (1, m)).collect(),
        AnnotationChoice::Latest => kept.into_iter().last().map(|m| (total, m)).into_iter().collect(),
        AnnotationChoice::Nth(n) => kept.into_iter().nth(n.wrapping_sub(1)).map(|m| (n, m)).into_iter().collect(),
    };
    tally.not_chosen += total - chosen.len();
    if chosen.is_empty() {
        tally.skipped_tasks.push(task.id);
        return;
    }
    let several = chosen.len() > 1;
    if several {
        tally.several.push(task.id.clone());
    }
    for (position, m) in chosen {
        let id = if several { format!("{}.{position}", task.id) } else { task.id.clone() };
        let at = at.in_document(&id);
        let mut meta = task.meta.clone();
        meta.extend(m.meta.clone());
        let key = if source == Source::Predictions { "model_version" } else { "annotator" };
        let about = [
            (key, m.by.clone()),
            ("annotation_id", m.id.clone().filter(|_| source == Source::Annotations)),
            ("ground_truth", m.ground_truth.then(|| "true".to_owned())),
        ];
        for (key, value) in about {
            let Some(value) = value else { continue };
            if task.meta.get(key).is_some_and(|v| *v != value) {
                tally.meta_replaced.insert(key.to_owned());
            }
            meta.insert(key.to_owned(), value);
        }
        let (annotations, choices) = read_results(r, tally, options, &task.text, &m.results, &at);
        meta.extend(choices);
        r.push_document(
            task.line,
            AnnotatedDocument { document: Document::new(id, task.text.clone(), meta), annotations },
        );
    }
}

/// The first span read from a Label Studio region, for relations.
struct Region {
    span: String,
    label: String,
    spans: usize,
}

/// Reads one annotation's results: spans, relations and region-id notes, and the metadata its
/// task-level choices and texts give.
fn read_results(
    r: &mut Reading<'_>,
    tally: &mut Tally,
    options: &ReadOptions,
    text: &str,
    results: &[Value],
    at: &Location,
) -> (Annotations, Meta) {
    let table = text::Offsets::new(text);
    let offsets = OffsetReader::new(text, r.unit);
    let mut annotations = Annotations::default();
    let mut regions: HashMap<String, Region> = HashMap::new();
    // Regions that failed to read: relations to them are not reported again.
    let mut broken: HashSet<String> = HashSet::new();
    let kind_of = |result: &Value| result.get("type").and_then(Value::as_str).map(str::to_ascii_lowercase);
    for (i, result) in results.iter().enumerate() {
        if kind_of(result).as_deref() != Some("labels") {
            continue;
        }
        let region = result.get("id").and_then(id_of);
        match read_span(r, tally, &offsets, text, &table, result, annotations.spans.len()) {
            Ok(spans) => {
                if let Some(region) = region {
                    for span in &spans {
                        if span.id() != region {
                            let id = format!("#{}", annotations.notes.len() + 1);
                            let target = span.id().to_owned();
                            annotations.notes.push(Note {
                                id,
                                kind: REGION_ID_NOTE.into(),
                                target,
                                text: region.clone(),
                            });
                        }
                    }
                    let first = &spans[0];
                    match regions.get_mut(&region) {
                        Some(known) => known.spans += spans.len(),
                        None => {
                            let entry = Region {
                                span: first.id().to_owned(),
                                label: first.label().to_owned(),
                                spans: spans.len(),
                            };
                            regions.insert(region, entry);
                        }
                    }
                }
                annotations.spans.extend(spans);
            }
            Err(kind) => {
                if let Some(region) = region {
                    broken.insert(region);
                }
                let kind = match kind {
                    ProblemKind::Syntax { message } => {
                        ProblemKind::Syntax { message: format!("result {}: {message}", i + 1) }
                    }
                    kind => kind,
                };
                r.problems.push(at.clone(), kind);
            }
        }
    }
    tally.regions_with_labels += regions.values().filter(|region| region.spans > 1).count();

    let mut meta = Meta::new();
    for (i, result) in results.iter().enumerate() {
        let Some(kind) = kind_of(result) else {
            r.syntax(at, format!("result {}: no \"type\"", i + 1));
            continue;
        };
        let region = result.get("id").and_then(id_of);
        let on_region = region.as_ref().is_some_and(|id| regions.contains_key(id) || broken.contains(id));
        match kind.as_str() {
            "labels" => {}
            "relation" => read_relation(r, tally, options, result, &regions, &broken, &mut annotations.relations, at),
            _ if on_region => *tally.per_region.entry(kind).or_default() += 1,
            "choices" | "textarea" => {
                let name = result.get("from_name").and_then(Value::as_str).unwrap_or(kind.as_str()).to_owned();
                let field = if kind == "choices" { "choices" } else { "text" };
                let values = result.get("value").and_then(|v| v.get(field)).and_then(Value::as_array);
                match values.map(|c| c.iter().map(Value::as_str).collect::<Option<Vec<_>>>()) {
                    Some(Some(values)) => {
                        meta.insert(name, values.join(if kind == "choices" { ", " } else { "\n" }));
                    }
                    _ => r.syntax(at, format!("result {}: expected \"value.{field}\", a list of strings", i + 1)),
                }
            }
            _ => *tally.dropped.entry(kind).or_default() += 1,
        }
    }
    (annotations, meta)
}

/// A `labels` result as spans, one per label, numbered after the `before` spans already read;
/// its `value.text` is checked against the document.
fn read_span(
    r: &Reading<'_>,
    tally: &mut Tally,
    offsets: &OffsetReader,
    text: &str,
    table: &text::Offsets,
    result: &Value,
    before: usize,
) -> Result<Vec<Span>, ProblemKind> {
    let value = result.get("value");
    let field = |name: &str| value.and_then(|v| v.get(name));
    let first = format!("T{}", before + 1);
    let (Some(start), Some(end)) = (offset(field("start")), offset(field("end"))) else {
        let message = "expected non-negative integer \"value.start\" and \"value.end\"".to_owned();
        return Err(ProblemKind::Syntax { message });
    };
    let labels: Vec<&str> = match field("labels").and_then(Value::as_array) {
        Some(labels) => labels.iter().filter_map(Value::as_str).collect(),
        None => Vec::new(),
    };
    if labels.is_empty() {
        return Err(ProblemKind::Syntax { message: "\"value.labels\" has no label".into() });
    }
    let expected = field("text").and_then(Value::as_str);
    let span = match r.span(offsets, first, labels[0], start, end) {
        Ok(span) => span,
        Err(kind) => {
            // Offsets past the end or inside a character in the file's unit may fit another.
            let fits = expected.and_then(|expected| text::diagnose_drift(text, start, end, expected));
            if let Some(OffsetDrift::Unit(unit)) = fits.filter(|d| *d != OffsetDrift::Unit(r.unit)) {
                tally.drift.entry(unit.name()).or_insert((unit, 0)).1 += 1;
            }
            return Err(kind);
        }
    };
    match expected {
        Some(expected) => check_text(r, tally, text, table, &span, start, end, expected)?,
        None => {
            let astral = text.chars().take(span.end()).any(|c| u32::from(c) > 0xFFFF);
            if astral {
                tally.untexted_after_astral += 1;
            }
        }
    }
    let mut spans = vec![span];
    for (k, label) in labels.iter().enumerate().skip(1) {
        spans.push(r.span(offsets, format!("T{}", before + k + 1), label, start, end)?);
    }
    Ok(spans)
}

/// Checks that `span` covers `expected`; a mismatch names the unit the raw offsets fit.
#[allow(clippy::too_many_arguments)]
fn check_text(
    r: &Reading<'_>,
    tally: &mut Tally,
    text: &str,
    table: &text::Offsets,
    span: &Span,
    start: usize,
    end: usize,
    expected: &str,
) -> Result<(), ProblemKind> {
    let found = text::slice(text, table, span.start(), span.end()).unwrap_or_default();
    if found == expected {
        return Ok(());
    }
    let drift = if r.unit != OffsetUnit::CodePoint && text::slice(text, table, start, end) == Some(expected) {
        Some(OffsetDrift::Unit(OffsetUnit::CodePoint))
    } else {
        text::diagnose_drift(text, start, end, expected).filter(|d| *d != OffsetDrift::Unit(r.unit))
    };
    if let Some(OffsetDrift::Unit(unit)) = drift {
        tally.drift.entry(unit.name()).or_insert((unit, 0)).1 += 1;
    }
    Err(ProblemKind::TextMismatch {
        span: span.id().to_owned(),
        start: span.start(),
        end: span.end(),
        expected: expected.to_owned(),
        found: Some(found.to_owned()),
        drift,
    })
}

/// A `relation` result as relations: one per label (or one of an inferred type), both ways
/// for `bi`.
#[allow(clippy::too_many_arguments)]
fn read_relation(
    r: &mut Reading<'_>,
    tally: &mut Tally,
    options: &ReadOptions,
    result: &Value,
    regions: &HashMap<String, Region>,
    broken: &HashSet<String>,
    relations: &mut Vec<Relation>,
    at: &Location,
) {
    let (Some(from), Some(to)) = (result.get("from_id").and_then(id_of), result.get("to_id").and_then(id_of)) else {
        r.syntax(at, format!("relation {}: expected \"from_id\" and \"to_id\"", relations.len() + 1));
        return;
    };
    if broken.contains(&from) || broken.contains(&to) {
        return;
    }
    let mut missing = false;
    for id in [&from, &to] {
        if !regions.contains_key(id) {
            let owner = format!("relation {from} -> {to}");
            r.problems.push(at.clone(), ProblemKind::MissingReference { owner, target: format!("region {id}") });
            missing = true;
        }
    }
    let (Some(a), Some(b)) = (regions.get(&from), regions.get(&to)) else { return };
    if missing {
        return;
    }
    if a.spans > 1 || b.spans > 1 {
        tally.relations_to_shared_regions += 1;
    }
    let direction = result.get("direction").and_then(Value::as_str).unwrap_or("right");
    let (head, tail) = match direction {
        "right" | "bi" => (a, b),
        "left" => (b, a),
        other => {
            r.syntax(at, format!("relation {from} -> {to}: direction {other:?} is not right, left or bi"));
            return;
        }
    };
    let bi = direction == "bi";
    let labels = match result.get("labels") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(labels)) => match labels.iter().map(Value::as_str).collect::<Option<Vec<_>>>() {
            Some(labels) => labels,
            None => {
                r.syntax(at, format!("relation {from} -> {to}: \"labels\" must be a list of strings"));
                return;
            }
        },
        Some(other) => {
            r.syntax(at, format!("relation {from} -> {to}: \"labels\" must be a list of strings, found {other}"));
            return;
        }
    };
    let manifest = r.manifest;
    let mut push = |kind: &str, head: &Region, tail: &Region| {
        let id = format!("R{}", relations.len() + 1);
        relations.push(Relation { id, kind: kind.to_owned(), head: head.span.clone(), tail: tail.span.clone() });
    };
    if labels.is_empty() {
        match unlabeled_type(manifest, options.relation_label.as_deref(), &head.label, &tail.label) {
            Ok((kind, turned)) => {
                if options.relation_label.is_some() {
                    tally.typed_by_option += 1;
                } else {
                    *tally.typed_by_manifest.entry(kind.clone()).or_default() += 1;
                }
                if turned && !bi {
                    tally.turned_round += 1;
                }
                if turned {
                    push(&kind, tail, head);
                } else {
                    push(&kind, head, tail);
                }
            }
            Err(why) => r.syntax(
                at,
                format!("relation {from} -> {to} ({} -> {}) has no label, and {why}", head.label, tail.label),
            ),
        }
        return;
    }
    if labels.len() > 1 {
        tally.relations_with_labels += 1;
    }
    if bi {
        tally.bi += 1;
    }
    for kind in labels {
        if !bi {
            push(kind, head, tail);
            continue;
        }
        let rule = manifest.and_then(|m| m.relation_type(kind));
        let fits = |h: &Region, t: &Region| {
            rule.is_none_or(|rule| rule.head.contains(&h.label) && rule.tail.contains(&t.label))
        };
        let ways: Vec<(&Region, &Region)> =
            [(head, tail), (tail, head)].into_iter().filter(|(h, t)| fits(h, t)).collect();
        match ways.as_slice() {
            [one] => {
                tally.bi_one_way += 1;
                push(kind, one.0, one.1);
            }
            _ => {
                push(kind, head, tail);
                push(kind, tail, head);
            }
        }
    }
}

/// The type of a relation drawn without a label from a `head`-labelled span to a
/// `tail`-labelled one, and whether it must be turned round to fit the manifest: `given` when
/// set, else the manifest's one type that fits. `Err` says why there is none.
fn unlabeled_type(
    manifest: Option<&Manifest>,
    given: Option<&str>,
    head: &str,
    tail: &str,
) -> Result<(String, bool), String> {
    let fits = |rule: &goldspan_model::RelationType, h: &str, t: &str| {
        rule.head.iter().any(|l| l == h) && rule.tail.iter().any(|l| l == t)
    };
    if let Some(kind) = given {
        let turned = manifest
            .and_then(|m| m.relation_type(kind))
            .is_some_and(|rule| !fits(rule, head, tail) && fits(rule, tail, head));
        return Ok((kind.to_owned(), turned));
    }
    let Some(manifest) = manifest else {
        return Err("goldspan relations need a type: give it with --relation-label TYPE, or give the --manifest \
                    whose relation types say it"
            .into());
    };
    let found: Vec<(String, bool)> = manifest
        .relation_types()
        .filter_map(|rule| {
            if fits(rule, head, tail) {
                Some((rule.name.clone(), false))
            } else if fits(rule, tail, head) {
                Some((rule.name.clone(), true))
            } else {
                None
            }
        })
        .collect();
    match found.as_slice() {
        [one] => Ok(one.clone()),
        [] => Err(format!(
            "no relation type of the manifest links a {head} and a {tail}: give its type with --relation-label TYPE"
        )),
        several => {
            let names: Vec<&str> = several.iter().map(|(name, _)| name.as_str()).collect();
            Err(format!(
                "the manifest allows {} between a {head} and a {tail}: say which with --relation-label TYPE",
                names.join(" or ")
            ))
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Writing

#[derive(Serialize)]
struct LsTask<'a> {
    data: LsData<'a>,
    predictions: [LsPrediction<'a>; 1],
}

#[derive(Serialize)]
struct LsData<'a> {
    id: &'a str,
    text: &'a str,
    #[serde(flatten)]
    meta: BTreeMap<&'a str, &'a str>,
}

#[derive(Serialize)]
struct LsPrediction<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    model_version: Option<&'a str>,
    result: Vec<LsResult<'a>>,
}

#[derive(Serialize)]
#[serde(untagged)]
enum LsResult<'a> {
    Labels {
        id: &'a str,
        #[serde(rename = "type")]
        kind: &'static str,
        from_name: &'static str,
        to_name: &'static str,
        value: LsValue<'a>,
    },
    Relation {
        #[serde(rename = "type")]
        kind: &'static str,
        from_id: &'a str,
        to_id: &'a str,
        direction: &'static str,
        labels: [&'a str; 1],
    },
}

#[derive(Serialize)]
struct LsValue<'a> {
    start: usize,
    end: usize,
    text: &'a str,
    labels: [&'a str; 1],
}

/// Writes tasks with predictions that Label Studio imports (code-point offsets), one task per
/// line. Returns what could not be written.
pub fn write(path: &Path, docs: &[AnnotatedDocument]) -> Result<Vec<String>, Error> {
    let mut lost = Vec::new();
    let mut tasks = Vec::new();
    for doc in docs {
        let d = &doc.document;
        let spans = writable_spans_keeping(doc, OffsetUnit::CodePoint, true, false, Some(REGION_ID_NOTE), &mut lost);
        let region_ids = region_ids(doc);
        let result_id = |span: &'_ str| region_ids.get(span).copied();
        let mut written: HashMap<&str, &str> = HashMap::new();
        let mut result: Vec<LsResult<'_>> = Vec::new();
        for (span, start, end) in spans {
            let id = result_id(span.id()).unwrap_or(span.id());
            written.insert(span.id(), id);
            result.push(LsResult::Labels {
                id,
                kind: "labels",
                from_name: "label",
                to_name: "text",
                value: LsValue {
                    start,
                    end,
                    text: d.slice(span.start(), span.end()).unwrap_or_default(),
                    labels: [span.label()],
                },
            });
        }
        for rel in &doc.annotations.relations {
            match (written.get(rel.head.as_str()), written.get(rel.tail.as_str())) {
                (Some(from), Some(to)) => result.push(LsResult::Relation {
                    kind: "relation",
                    from_id: from,
                    to_id: to,
                    direction: "right",
                    labels: [rel.kind.as_str()],
                }),
                _ => lost.push(format!(
                    "document {}: relation {} ({} {} -> {}) dropped: a span it links was not written",
                    d.id(),
                    rel.id,
                    rel.kind,
                    rel.head,
                    rel.tail
                )),
            }
        }
        let mut meta = writable_meta(doc, &["id", "text"], &mut lost);
        let model_version = meta.remove("model_version");
        let task = LsTask {
            data: LsData { id: d.id(), text: d.text(), meta },
            predictions: [LsPrediction { model_version, result }],
        };
        tasks.push(to_json(&task));
    }
    let out = if tasks.is_empty() { "[]\n".to_owned() } else { format!("[\n{}\n]\n", tasks.join(",\n")) };
    write_atomic(path, out.as_bytes())?;
    Ok(lost)
}

/// Span id to the Label Studio region id its note keeps, for the ids that stay unique among
/// the document's results.
fn region_ids(doc: &AnnotatedDocument) -> HashMap<&str, &str> {
    let notes: Vec<(&str, &str)> = doc
        .annotations
        .notes
        .iter()
        .filter(|n| n.kind == REGION_ID_NOTE)
        .map(|n| (n.target.as_str(), n.text.as_str()))
        .collect();
    let mut uses: HashMap<&str, usize> = HashMap::new();
    for (_, region) in &notes {
        *uses.entry(region).or_default() += 1;
    }
    let span_ids: HashSet<&str> = doc.annotations.spans.iter().map(Span::id).collect();
    notes.into_iter().filter(|(_, region)| uses[region] == 1 && !span_ids.contains(region)).collect()
}

#[cfg(test)]
mod tests {
    //! Fixtures follow Label Studio's documented export ("Label Studio JSON format of annotated
    //! tasks": tasks with `id`, `data`, `annotations[].result`, `completed_by`, `was_cancelled`,
    //! `ground_truth`, `created_at`; results with `id`, `from_name`, `to_name`, `type`, `value`)
    //! and result format ("relations": `{"type": "relation", "from_id", "to_id", "direction":
    //! "left" | "right" | "bi", "labels": [...]}`, labels optional). `value.start`/`end` count
    //! code points, as label-studio-converter's `create_tokens_and_tags` slices Python strings
    //! with them.
    use super::*;
    use crate::tool_json::test_support::*;
    use goldspan_model::{Layer, RelationType};

    fn read_ok(contents: &str, options: &ReadOptions) -> Collection {
        let (_dir, path) = file("ls.json", contents);
        read(&path, options).unwrap_or_else(|e| panic!("reads: {e}"))
    }

    fn read_err(contents: &str, options: &ReadOptions) -> Vec<String> {
        let (_dir, path) = file("ls.json", contents);
        match read(&path, options) {
            Ok(c) => panic!("expected an error, read {} documents", c.documents.len()),
            Err(e) => e.problems().iter().map(ToString::to_string).collect(),
        }
    }

    /// (id, label, covered text) of every span.
    fn labelled(doc: &AnnotatedDocument) -> Vec<(String, String, String)> {
        spans(doc).into_iter().map(|s| (s.0, s.2, s.5)).collect()
    }

    fn rels(doc: &AnnotatedDocument) -> Vec<(String, String, String)> {
        doc.annotations.relations.iter().map(|r| (r.kind.clone(), r.head.clone(), r.tail.clone())).collect()
    }

    fn owned(items: &[(&str, &str, &str)]) -> Vec<(String, String, String)> {
        items.iter().map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string())).collect()
    }

    fn meta(doc: &AnnotatedDocument) -> Vec<(String, String)> {
        doc.document.meta().iter().map(|(k, v)| (k.clone(), v.clone())).collect()
    }

    /// A labels result over `text` at code points `start..end`.
    fn region(id: &str, start: usize, end: usize, text: &str, label: &str) -> String {
        format!(
            r#"{{"id": "{id}", "type": "labels", "from_name": "label", "to_name": "text", "value": {{"start": {start}, "end": {end}, "text": {}, "labels": ["{label}"]}}}}"#,
            json(text)
        )
    }

    /// The quotes manifest: `Quote -speaker-> Source`, `Quote -cue-> Cue`.
    fn quotes_manifest() -> Manifest {
        let rule = |name: &str, head: &str, tail: &str| RelationType {
            name: name.into(),
            head: vec![head.into()],
            tail: vec![tail.into()],
            per_head: goldspan_model::PerHead::Many,
        };
        Manifest {
            layers: vec![
                Layer { name: "entities".into(), labels: vec!["PERSON".into()], relations: Vec::new() },
                Layer {
                    name: "quotes".into(),
                    labels: vec!["Quote".into(), "Cue".into(), "Source".into()],
                    relations: vec![rule("speaker", "Quote", "Source"), rule("cue", "Quote", "Cue")],
                },
            ],
            ..Manifest::default()
        }
    }

    #[test]
    fn code_point_offsets_region_ids_relations_and_choices() {
        // TEXT: "😀 Zoë met 李雷, then 😀😀 “Liz Truss”." — code points Zoë 2..5, 李雷 10..12,
        // Liz Truss 23..32 (UTF-16 would be 3..6, 11..13, 26..35).
        let export = format!(
            r#"[
  {{"id": 7, "data": {{"text": {text}, "desk": "politics", "n": 3}},
    "annotations": [
      {{"id": 11, "was_cancelled": true, "completed_by": 2, "result": []}},
      {{"id": 12, "completed_by": 1, "result": [
        {r1},
        {r2},
        {{"id": "K-UimKZwcE", "type": "labels", "from_name": "label", "to_name": "text", "value": {{"start": 10, "end": 12, "labels": ["PERSON"]}}}},
        {{"type": "relation", "from_id": "beFiQTT1cU", "to_id": "Dx_aB91ISN", "direction": "right", "labels": ["knows"]}},
        {{"type": "relation", "from_id": "beFiQTT1cU", "to_id": "K-UimKZwcE", "direction": "left", "labels": ["met"]}},
        {{"id": "c", "type": "choices", "from_name": "topic", "to_name": "text", "value": {{"choices": ["a", "b"]}}}}
      ]}}
    ]}},
  {{"id": 8, "data": {{"id": "named", "text": "No annotations."}}}}
]"#,
            text = json(TEXT),
            r1 = region("Dx_aB91ISN", 23, 32, "Liz Truss", "PERSON"),
            r2 = region("beFiQTT1cU", 2, 5, "Zoë", "PERSON"),
        );
        let c = read_ok(&export, &options(None, "entities"));
        assert_eq!(c.documents.len(), 1, "the task without an annotation is skipped");
        let doc = &c.documents[0];
        assert_eq!(doc.document.id(), "7");
        assert_eq!(
            labelled(doc),
            owned(&[("T1", "PERSON", "Liz Truss"), ("T2", "PERSON", "Zoë"), ("T3", "PERSON", "李雷")])
        );
        assert_eq!((spans(doc)[0].3, spans(doc)[0].4), (23, 32));
        let notes: Vec<_> =
            doc.annotations.notes.iter().map(|n| (n.kind.as_str(), n.target.as_str(), n.text.as_str())).collect();
        assert_eq!(
            notes,
            [
                (REGION_ID_NOTE, "T1", "Dx_aB91ISN"),
                (REGION_ID_NOTE, "T2", "beFiQTT1cU"),
                (REGION_ID_NOTE, "T3", "K-UimKZwcE")
            ]
        );
        assert_eq!(rels(doc), owned(&[("knows", "T2", "T1"), ("met", "T3", "T2")]));
        assert_eq!(
            meta(doc),
            [("annotation_id", "12"), ("annotator", "1"), ("desk", "politics"), ("n", "3"), ("topic", "a, b")]
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
        );
        assert!(c.notes.contains(&"1 cancelled annotation left out (tasks 7)".to_owned()), "{:?}", c.notes);
        assert!(c.notes.contains(&"1 task without an annotation to read skipped (named)".to_owned()), "{:?}", c.notes);
    }

    /// The issue's case: an emoji before a span. The old reader assumed UTF-16 and refused it.
    #[test]
    fn emoji_before_a_span_reads_in_code_points() {
        let export = format!(
            r#"[{{"id": 1, "data": {{"text": "😀 Liz Truss said 👍🏽 “yes”."}}, "annotations": [{{"result": [{}, {}]}}]}}]"#,
            region("a", 2, 11, "Liz Truss", "PERSON"),
            region("b", 21, 24, "yes", "Quote"),
        );
        let c = read_ok(&export, &options(Some(manifest()), "entities"));
        assert_eq!(labelled(&c.documents[0]), owned(&[("T1", "PERSON", "Liz Truss"), ("T2", "Quote", "yes")]));
        assert_eq!((spans(&c.documents[0])[1].3, spans(&c.documents[0])[1].4), (21, 24));
    }

    #[test]
    fn utf16_offsets_are_refused_with_the_unit_they_fit_and_read_with_offset_unit_utf16() {
        // The same text counted in UTF-16 (older Label Studio): "Liz Truss" 3..12, "yes" 24..27.
        let export = format!(
            r#"[{{"id": 1, "data": {{"text": "😀 Liz Truss said 👍🏽 “yes”."}}, "annotations": [{{"result": [{}, {}]}}]}}]"#,
            region("a", 3, 12, "Liz Truss", "PERSON"),
            region("b", 24, 27, "yes", "Quote"),
        );
        let problems = read_err(&export, &options(Some(manifest()), "entities"));
        assert_eq!(problems.len(), 3, "{problems:#?}");
        assert!(
            problems[0].contains(":1: document 1: span T1: the file says it covers \"Liz Truss\"")
                && problems[0].contains("UTF-16"),
            "{}",
            problems[0]
        );
        assert!(
            problems[2].contains("2 spans fit their text only when offsets count UTF-16 code units, not code points")
                && problems[2].contains("--offset-unit utf16"),
            "{}",
            problems[2]
        );
        let utf16 = ReadOptions { offset_unit: Some(OffsetUnit::Utf16), ..options(Some(manifest()), "entities") };
        let c = read_ok(&export, &utf16);
        assert_eq!(labelled(&c.documents[0]), owned(&[("T1", "PERSON", "Liz Truss"), ("T2", "Quote", "yes")]));
    }

    #[test]
    fn spans_without_text_after_an_astral_character_get_a_note() {
        let export = r#"[{"id": 1, "data": {"text": "😀 Truss, Ann"}, "predictions": [{"result": [
            {"id": "a", "type": "labels", "from_name": "label", "to_name": "text", "value": {"start": 2, "end": 7, "labels": ["PERSON"]}}]}]}]"#;
        let c = read_ok(export, &options(None, "entities"));
        assert_eq!(labelled(&c.documents[0]), owned(&[("T1", "PERSON", "Truss")]));
        assert!(
            c.notes.iter().any(|n| n.starts_with("1 span without \"text\" follow characters beyond U+FFFF")
                && n.contains("read as code points")),
            "{:?}",
            c.notes
        );
        let ascii = r#"[{"id": 1, "data": {"text": "Truss 😀"}, "predictions": [{"result": [
            {"id": "a", "type": "labels", "value": {"start": 0, "end": 5, "labels": ["PERSON"]}}]}]}]"#;
        assert!(!read_ok(ascii, &options(None, "entities")).notes.iter().any(|n| n.contains("U+FFFF")));
    }

    /// Two annotators on one task, and one on another: Label Studio's overlap setting.
    fn two_annotators() -> String {
        format!(
            r#"[
{{"id": 1, "data": {{"text": "Ann met Bob."}}, "annotations": [
  {{"id": 30, "completed_by": {{"id": 2, "email": "bob@example.com"}}, "created_at": "2024-05-02T10:00:00.000000Z", "result": [{}]}},
  {{"id": 31, "completed_by": 9, "was_cancelled": true, "created_at": "2024-05-03T10:00:00.000000Z", "result": []}},
  {{"id": 20, "completed_by": {{"id": 1, "email": "ann@example.com"}}, "ground_truth": true, "created_at": "2024-05-01T10:00:00.000000Z", "result": [{}, {}]}}
]}},
{{"id": 2, "data": {{"text": "Cy left."}}, "annotations": [
  {{"id": 40, "completed_by": {{"id": 1, "email": "ann@example.com"}}, "created_at": "2024-05-04T10:00:00.000000Z", "result": [{}]}}
]}}
]"#,
            region("b1", 0, 3, "Ann", "PERSON"),
            region("a1", 0, 3, "Ann", "PERSON"),
            region("a2", 8, 11, "Bob", "PERSON"),
            region("a3", 0, 2, "Cy", "PERSON"),
        )
    }

    #[test]
    fn every_annotation_of_a_task_is_read_and_can_be_chosen() {
        let export = two_annotators();
        let summary = |c: &Collection| -> Vec<(String, String, usize)> {
            c.documents
                .iter()
                .map(|d| {
                    let who = d.document.meta().get("annotator").cloned().unwrap_or_default();
                    (d.document.id().to_owned(), who, d.annotations.spans.len())
                })
                .collect()
        };
        let all = read_ok(&export, &options(None, "entities"));
        // Ordered by created_at: Ann's (2024-05-01) before Bob's (2024-05-02).
        assert_eq!(
            summary(&all),
            [
                ("1.1".into(), "ann@example.com".into(), 2),
                ("1.2".into(), "bob@example.com".into(), 1),
                ("2".into(), "ann@example.com".into(), 1)
            ]
        );
        assert_eq!(all.documents[0].document.meta().get("ground_truth").map(String::as_str), Some("true"));
        assert_eq!(all.documents[0].document.meta().get("annotation_id").map(String::as_str), Some("20"));
        assert!(
            all.notes.iter().any(|n| n.starts_with("1 task with several annotations read as one document each")),
            "{:?}",
            all.notes
        );
        assert!(all.notes.contains(&"1 cancelled annotation left out (tasks 1)".to_owned()), "{:?}", all.notes);

        let choose = |annotation, annotator: Option<&str>| {
            let o = ReadOptions { annotation, annotator: annotator.map(str::to_owned), ..options(None, "entities") };
            read_ok(&export, &o)
        };
        let first = choose(AnnotationChoice::First, None);
        assert_eq!(
            summary(&first),
            [("1".into(), "ann@example.com".into(), 2), ("2".into(), "ann@example.com".into(), 1)]
        );
        assert!(first.notes.contains(&"1 annotation left out by --annotation".to_owned()), "{:?}", first.notes);
        let latest = choose(AnnotationChoice::Latest, None);
        assert_eq!(
            summary(&latest),
            [("1".into(), "bob@example.com".into(), 1), ("2".into(), "ann@example.com".into(), 1)]
        );
        let second = choose(AnnotationChoice::Nth(2), None);
        assert_eq!(summary(&second), [("1".into(), "bob@example.com".into(), 1)]);
        assert!(
            second.notes.contains(&"1 task without an annotation to read skipped (2)".to_owned()),
            "{:?}",
            second.notes
        );
        let bob = choose(AnnotationChoice::All, Some("bob@example.com"));
        assert_eq!(summary(&bob), [("1".into(), "bob@example.com".into(), 1)]);
        assert!(
            bob.notes.contains(&"2 annotations by other annotators left out (--annotator)".to_owned()),
            "{:?}",
            bob.notes
        );
        let by_id = choose(AnnotationChoice::All, Some("9"));
        assert!(by_id.documents.is_empty(), "user 9's one annotation was cancelled");
    }

    #[test]
    fn an_unlabeled_relation_takes_the_one_manifest_type_that_fits() {
        let text = "“Go,” she said.";
        let export = |relations: &str| {
            format!(
                r#"[{{"id": 1, "data": {{"text": {}}}, "annotations": [{{"result": [{}, {}, {}, {relations}]}}]}}]"#,
                json(text),
                region("q", 1, 3, "Go", "Quote"),
                region("s", 6, 9, "she", "Source"),
                region("c", 10, 14, "said", "Cue"),
            )
        };
        // Label Studio's default: no labels, direction right. One drawn Source -> Quote.
        let unlabeled = export(
            r#"{"type": "relation", "from_id": "q", "to_id": "s", "direction": "right", "labels": []},
               {"type": "relation", "from_id": "c", "to_id": "q", "direction": "right", "labels": []}"#,
        );
        let c = read_ok(&unlabeled, &options(Some(quotes_manifest()), "entities"));
        assert_eq!(rels(&c.documents[0]), owned(&[("speaker", "T1", "T2"), ("cue", "T1", "T3")]));
        assert!(
            c.notes.contains(
                &"1 relation without a label typed \"speaker\", the manifest's one type that fits".to_owned()
            ),
            "{:?}",
            c.notes
        );
        assert!(
            c.notes.contains(
                &"1 relation drawn from tail to head turned round to fit the manifest's head and tail labels"
                    .to_owned()
            ),
            "{:?}",
            c.notes
        );

        let problems = read_err(&unlabeled, &options(None, "entities"));
        assert!(
            problems[0].contains("relation q -> s (Quote -> Source) has no label")
                && problems[0].contains("--relation-label"),
            "{problems:?}"
        );
        let given = ReadOptions { relation_label: Some("speaker".into()), ..options(None, "entities") };
        assert_eq!(
            rels(&read_ok(&unlabeled, &given).documents[0]),
            owned(&[("speaker", "T1", "T2"), ("speaker", "T3", "T1")])
        );

        let mut ambiguous = quotes_manifest();
        ambiguous.layers[1].relations[1].tail.push("Source".into());
        let problems = read_err(&unlabeled, &options(Some(ambiguous), "entities"));
        assert!(
            problems[0].contains(
                "the manifest allows speaker or cue between a Quote and a Source: say which with --relation-label"
            ),
            "{problems:?}"
        );
    }

    #[test]
    fn relation_labels_and_directions_are_all_kept() {
        let text = "“Go,” she said.";
        let export = |manifest_types: bool| {
            let export = format!(
                r#"[{{"id": 1, "data": {{"text": {}}}, "annotations": [{{"result": [{}, {},
                    {{"type": "relation", "from_id": "q", "to_id": "s", "labels": ["speaker", "cue"]}},
                    {{"type": "relation", "from_id": "s", "to_id": "q", "direction": "bi", "labels": ["speaker"]}}]}}]}}]"#,
                json(text),
                region("q", 1, 3, "Go", "Quote"),
                region("s", 6, 9, "she", "Source"),
            );
            let manifest = manifest_types.then(quotes_manifest);
            read_ok(&export, &options(manifest, "quotes"))
        };
        let plain = export(false);
        assert_eq!(
            rels(&plain.documents[0]),
            owned(&[("speaker", "T1", "T2"), ("cue", "T1", "T2"), ("speaker", "T2", "T1"), ("speaker", "T1", "T2")])
        );
        assert!(
            plain.notes.contains(&"1 relation with several labels read as one relation per label".to_owned()),
            "{:?}",
            plain.notes
        );
        assert!(plain.notes.contains(&"1 bidirectional relation read as a relation each way (0 kept one way only, the one the manifest allows)".to_owned()), "{:?}", plain.notes);
        let ids: Vec<&str> = plain.documents[0].annotations.relations.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["R1", "R2", "R3", "R4"]);
        // With the manifest, `bi` keeps the one way speaker allows (Quote -> Source).
        let typed = export(true);
        assert_eq!(
            rels(&typed.documents[0]),
            owned(&[("speaker", "T1", "T2"), ("cue", "T1", "T2"), ("speaker", "T1", "T2")])
        );
    }

    #[test]
    fn a_region_with_two_labels_gives_two_spans_and_per_region_results_are_counted() {
        let export = r#"[{"id": 1, "data": {"text": "Paris Hilton"}, "annotations": [{"result": [
            {"id": "x", "type": "labels", "from_name": "label", "to_name": "text", "value": {"start": 0, "end": 12, "text": "Paris Hilton", "labels": ["PERSON", "GPE"]}},
            {"id": "x", "type": "textarea", "from_name": "note", "to_name": "text", "value": {"text": ["ambiguous"]}},
            {"id": "y", "type": "rating", "from_name": "stars", "to_name": "text", "value": {"rating": 4}},
            {"id": "z", "type": "textarea", "from_name": "summary", "to_name": "text", "value": {"text": ["a name", "twice"]}}
        ]}]}]"#;
        let c = read_ok(export, &options(Some(manifest()), "entities"));
        let doc = &c.documents[0];
        assert_eq!(labelled(doc), owned(&[("T1", "PERSON", "Paris Hilton"), ("T2", "GPE", "Paris Hilton")]));
        assert_eq!(doc.document.meta().get("summary").map(String::as_str), Some("a name\ntwice"));
        for note in [
            "1 region with several labels read as one span per label",
            "1 result of type \"textarea\" on regions left out (goldspan spans carry no per-region values)",
            "1 result of type \"rating\" left out (not a text span, relation or task-level choice)",
        ] {
            assert!(c.notes.contains(&note.to_owned()), "{note:?} not in {:?}", c.notes);
        }
    }

    /// JSON-MIN, as label-studio-converter's `convert_to_json_min` writes it: one record per
    /// annotation (newest first), the task's data keys and `id` at the top level, each control
    /// tag's region values under its `from_name` (`start`, `end`, `text`, `labels`; `type`
    /// removed), then `annotator`, `annotation_id`, `created_at`, `updated_at`, `lead_time`.
    #[test]
    fn json_min_records_are_grouped_into_tasks() {
        let export = r#"[
  {"text": "😀 Ann met Bob.", "desk": "x", "id": 5, "label": [{"start": 10, "end": 13, "text": "Bob", "labels": ["PERSON"]}], "annotator": "bob@example.com", "annotation_id": 31, "created_at": "2024-05-02T10:00:00.000000Z", "updated_at": "2024-05-02T10:00:00.000000Z", "lead_time": 3.5},
  {"text": "😀 Ann met Bob.", "desk": "x", "id": 5, "label": [{"start": 2, "end": 5, "text": "Ann", "labels": ["PERSON"]}, {"start": 10, "end": 13, "text": "Bob", "labels": ["PERSON"]}], "annotator": 1, "annotation_id": 30, "created_at": "2024-05-01T10:00:00.000000Z", "updated_at": "2024-05-01T10:00:00.000000Z", "lead_time": 9.0},
  {"text": "Nobody.", "id": 6, "annotator": null, "annotation_id": null, "created_at": null, "updated_at": null, "lead_time": null}
]"#;
        let c = read_ok(export, &options(None, "entities"));
        let ids: Vec<&str> = c.documents.iter().map(|d| d.document.id()).collect();
        assert_eq!(ids, ["5.1", "5.2"]);
        assert_eq!(labelled(&c.documents[0]), owned(&[("T1", "PERSON", "Ann"), ("T2", "PERSON", "Bob")]));
        assert_eq!(labelled(&c.documents[1]), owned(&[("T1", "PERSON", "Bob")]));
        assert_eq!(
            meta(&c.documents[0]),
            [("annotation_id", "30"), ("annotator", "1"), ("desk", "x")].map(|(k, v)| (k.to_owned(), v.to_owned()))
        );
        assert!(c.notes[0].starts_with("read as a JSON-MIN export (3 records)"), "{:?}", c.notes);
        assert!(c.notes.contains(&"1 task without an annotation to read skipped (6)".to_owned()), "{:?}", c.notes);
    }

    #[test]
    fn a_single_task_object_reads() {
        let export = format!(
            r#"  {{"id": 3, "data": {{"text": "Hi Ann"}}, "annotations": [{{"result": [{}]}}]}}  "#,
            region("r", 3, 6, "Ann", "PERSON")
        );
        let c = read_ok(&export, &options(None, "entities"));
        assert_eq!(labelled(&c.documents[0]), owned(&[("T1", "PERSON", "Ann")]));
        let problems = read_err("\n\"tasks\"", &options(None, "entities"));
        assert!(
            problems[0].contains(":2:") && problems[0].contains("expected a JSON array of tasks or one task object"),
            "{problems:?}"
        );
    }

    #[test]
    fn predictions_are_read_only_from_a_file_without_annotations() {
        let prediction = format!(r#"{{"model_version": "ner-2", "result": [{}]}}"#, region("p", 0, 3, "Ann", "PERSON"));
        let only = format!(r#"[{{"id": 1, "data": {{"text": "Ann"}}, "predictions": [{prediction}]}}]"#);
        let c = read_ok(&only, &options(None, "entities"));
        assert_eq!(labelled(&c.documents[0]), owned(&[("T1", "PERSON", "Ann")]));
        assert_eq!(meta(&c.documents[0]), [("model_version".to_owned(), "ner-2".to_owned())]);
        assert!(c.notes.contains(&"the file has no annotations: its predictions were read".to_owned()));
        let mixed = format!(
            r#"[{{"id": 1, "data": {{"text": "Ann"}}, "predictions": [{prediction}], "annotations": [{{"result": []}}]}}, {{"id": 2, "data": {{"text": "Bo"}}, "predictions": [{prediction}, 17]}}]"#
        );
        let c = read_ok(&mixed, &options(None, "entities"));
        assert_eq!(c.documents.len(), 1);
        assert!(c.documents[0].annotations.spans.is_empty());
        assert!(
            c.notes.contains(
                &"predictions of 2 tasks left out (only annotations are read from a file that has them)".to_owned()
            ),
            "{:?}",
            c.notes
        );
        assert!(c.notes.contains(&"1 prediction exported as ids only, left out".to_owned()), "{:?}", c.notes);
        let bare = read_ok(r#"[{"data": {"text": "Ann"}}]"#, &options(None, "entities"));
        assert_eq!(bare.documents.len(), 1);
        assert!(bare
            .notes
            .contains(&"the file has no annotations or predictions: tasks were read without spans".to_owned()));
    }

    #[test]
    fn bad_tasks_name_their_line_and_document() {
        let export = format!(
            "[\n{},\n{},\n  {},\n{}\n]\n",
            r#"{"id": 1, "data": {"text": "Liz Truss spoke."}, "annotations": [{"result": [{"id": "a", "type": "labels", "value": {"start": 0, "end": 9, "text": "Liz Truss", "labels": ["PERSON"]}}]}]}"#,
            r#"{"id": 2, "data": {"id": "d2", "text": "Truss"}, "annotations": [{"result": [{"id": "c", "type": "labels", "value": {"start": 3, "end": 4, "labels": ["NOPE"]}}, {"type": "relation", "from_id": "c", "to_id": "zz", "labels": ["x"]}, {"type": "relation", "from_id": "b", "to_id": "zz", "labels": ["x"]}]}]}"#,
            r#"{"id": 3, "data": {"id": "d3", "text": "x"} "annotations": []}"#,
            r#"{"id": 4, "data": {"id": "d4"}}"#,
        );
        let (_dir, path) = file("ls.json", &export);
        let err = read(&path, &options(Some(manifest()), "entities")).expect_err("bad input");
        let problems = err.problems();
        let summary: Vec<_> = problems.iter().map(|p| (p.location.line, p.location.document.as_deref())).collect();
        assert_eq!(
            summary,
            [
                (Some(3), Some("d2")),
                (Some(3), Some("d2")),
                (Some(3), Some("d2")),
                (Some(4), Some("d3")),
                (Some(5), Some("d4"))
            ]
        );
        assert!(matches!(problems[0].kind, ProblemKind::UnknownLabel { .. }), "{}", problems[0]);
        // The relation from the unreadable region "c" is not reported twice; the others are.
        assert!(problems[1].to_string().contains("relation b -> zz: refers to region b"), "{}", problems[1]);
        assert!(problems[2].to_string().contains("relation b -> zz: refers to region zz"), "{}", problems[2]);
        assert!(problems[3].to_string().contains("column 47"), "{}", problems[3]);
        assert!(problems[4].to_string().contains("no \"data.text\" string (its data keys: id)"), "{}", problems[4]);
    }

    #[test]
    fn file_must_be_an_array_or_a_task() {
        let (_dir, path) = file("ls.json", "[{\"id\": 1, \"data\": {\"text\": \"x\"}},\n]");
        let err = read(&path, &options(None, "entities")).expect_err("stray comma");
        assert!(err.problems()[0].to_string().contains(":2:"), "{}", err.problems()[0]);
        let (_dir, path) = file("ls.json", " [ ] ");
        assert_eq!(read(&path, &options(None, "entities")).expect("empty export").documents.len(), 0);
    }

    #[test]
    fn the_writer_makes_tasks_with_predictions_in_code_points() {
        let mut doc = rich_document();
        doc.annotations.notes.push(Note {
            id: "#1".into(),
            kind: REGION_ID_NOTE.into(),
            target: "T1".into(),
            text: "Dx_aB91ISN".into(),
        });
        doc.document = Document::new(
            "d1",
            TEXT,
            [("model_version".to_owned(), "ner-2".to_owned()), ("desk".to_owned(), "politics".to_owned())]
                .into_iter()
                .collect(),
        );
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("ls.json");
        let lost = write(&path, std::slice::from_ref(&doc)).expect("writes");
        assert_eq!(
            lost,
            [
                "document d1: span T3 (Quote 6..18) is discontinuous, dropped",
                "document d1: 1 cluster dropped (the format cannot hold them)",
                "document d1: span layers are not stored (entities, quotes); reading back takes them from the manifest",
                "document d1: relation R2 (speaker T3 -> T2) dropped: a span it links was not written",
            ]
        );
        let written = std::fs::read_to_string(&path).expect("read");
        let expected = format!(
            "[\n{{\"data\":{{\"id\":\"d1\",\"text\":{},\"desk\":\"politics\"}},\"predictions\":[{{\"model_version\":\"ner-2\",\"result\":[\
             {{\"id\":\"Dx_aB91ISN\",\"type\":\"labels\",\"from_name\":\"label\",\"to_name\":\"text\",\"value\":{{\"start\":23,\"end\":32,\"text\":\"Liz Truss\",\"labels\":[\"PERSON\"]}}}},\
             {{\"id\":\"T2\",\"type\":\"labels\",\"from_name\":\"label\",\"to_name\":\"text\",\"value\":{{\"start\":2,\"end\":5,\"text\":\"Zoë\",\"labels\":[\"Source\"]}}}},\
             {{\"type\":\"relation\",\"from_id\":\"T2\",\"to_id\":\"Dx_aB91ISN\",\"direction\":\"right\",\"labels\":[\"speaker\"]}}]}}]}}\n]\n",
            json(TEXT)
        );
        assert_eq!(written, expected);
    }

    /// Label Studio -> goldspan -> Label Studio -> goldspan: the second reading equals the first,
    /// and the written file keeps the original region ids.
    #[test]
    fn label_studio_to_gold_and_back_keeps_everything_read() {
        let export = two_annotators();
        let first = read_ok(&export, &options(None, "entities"));
        let dir = tempfile::tempdir().expect("temp dir");
        let gold = dir.path().join("corpus");
        let lost = crate::Format::Gold.write(&gold, &first, &crate::WriteOptions::default()).expect("writes gold");
        assert_eq!(
            lost,
            [
                "3 document(s) without a split were put in split \"all\"",
                "the corpus is named \"corpus\" after the output directory; give it a description, licence and provenance in goldspan.toml"
            ]
        );
        let from_gold =
            crate::Format::Gold.read(&gold, &ReadOptions::default()).expect("gold reads back (span ids are T1..)");
        let path = dir.path().join("back.json");
        assert!(write(&path, &from_gold.documents).expect("writes").is_empty());
        let written = std::fs::read_to_string(&path).expect("read");
        assert!(written.contains("\"id\":\"a1\"") && written.contains("\"id\":\"a3\""), "{written}");
        let again = read(&path, &options(None, "entities")).expect("reads back");
        assert_eq!(again.documents, first.documents);
    }

    fn read_documents(path: &Path, options: &ReadOptions) -> Result<Vec<AnnotatedDocument>, Error> {
        read(path, options).map(|c| c.documents)
    }

    proptest::proptest! {
        #[test]
        fn label_studio_write_then_read_is_identity(docs in documents(true)) {
            round_trip(&docs, write, read_documents)?;
        }
    }
}
