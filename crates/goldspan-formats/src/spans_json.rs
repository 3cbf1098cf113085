//! doccano JSONL, Label Studio JSON export and spaCy-style JSONL: the span formats of the
//! annotation tools, read into documents and written from them.
//!
//! The formats differ in one way that matters: doccano and Label Studio are JavaScript apps
//! and count offsets in UTF-16 code units (an emoji counts 2), spaCy is Python and counts code
//! points. Readers convert once, through [`UnitConverter`], and reject an offset that falls
//! inside a surrogate pair rather than guess. Readers parse `serde_json::Value`s by hand, not
//! derived structs, because the tools' files vary in shape (ids as numbers or strings, `label`
//! or `labels`) and each deviation deserves its own message; writers use small serde structs,
//! so the bytes written do not depend on the model.
//!
//! # Reading (all three)
//!
//! - A span's layer is the manifest's layer for its label when a manifest is given (an
//!   undeclared label is a problem), else `default_layer`.
//! - A byte-order mark, invalid UTF-8, invalid JSON, a missing or empty text, and offsets that
//!   are out of range, reversed, empty or inside a character are problems naming the file, the
//!   line and the document. Readers go on after a problem, report all of them, and return
//!   [`Error::Invalid`] if there was any. The document of a line that is not valid JSON is
//!   named when its id can be found before the error. Duplicate document ids are problems.
//! - Metadata values are strings; numbers and booleans are kept as their JSON text.
//!
//! # doccano JSONL
//!
//! One object per line: `{"id": 1, "text": "...", "label": [[start, end, "LABEL"], ...]}`
//! (`"labels"` is accepted too), offsets in UTF-16 code units. The relation export of doccano,
//! `"entities": [{"id", "label", "start_offset", "end_offset"}]` with `"relations": [{"from_id",
//! "to_id", "type"}]`, reads too. `"id"` may be a number or a string; without one, the document
//! is `{file stem}-{n}` (`n` the 1-based record number, 4 digits). Every other key whose value is
//! a string, number or boolean becomes metadata; other values (`"Comments": []`) are ignored.
//! Spans are `T1`, `T2`, ... in file order, relations `R1`, `R2`, ...
//!
//! # Label Studio JSON export
//!
//! A JSON array of tasks, `{"id": 7, "data": {"text": "..."}, "annotations": [{"result": [..]}]}`,
//! offsets in UTF-16 code units. The document id is `data.id` when it is a string, else the task
//! id. Other scalar `data` keys become metadata. Of a task's annotations (older exports call
//! them `completions`), the first that is not cancelled (`"was_cancelled": true`) is read and
//! the others are ignored: compare annotators with `goldspan agree` on separate exports.
//! Predictions are ignored. Results of type `labels` are spans (id = the result id, one label
//! each), with `value.text` checked against the text and any mismatch diagnosed (other units,
//! CRLF drift); results of type `relation` are relations (type = the first label, head =
//! `from_id`, tail = `to_id`, swapped when `direction` is `left`; `bi` reads as `right`;
//! relation ids are `R1`, `R2`, ...); results of type `choices` become metadata under their
//! `from_name` (choices joined by ", "). Any other result type is reported as unsupported.
//! A problem's line is the line on which its task starts (tasks are found by bracket matching,
//! so every task gets a real line, and a task with broken JSON does not hide the others).
//!
//! # spaCy-style JSONL
//!
//! `{"id": "...", "text": "...", "ents": [[start, end, "LABEL"], ...], "meta": {...}}`, offsets
//! in code points; `ents` items may also be `{"start", "end", "label"}` objects (spaCy's
//! `Doc.to_json`). `id` is optional (`{file stem}-{n}` as for doccano); `meta` must be an object
//! of scalars. Other keys are ignored. Spans are `T1`, `T2`, ... in file order.
//!
//! # Writing
//!
//! Only contiguous spans are written; writers return, one human-readable line each, what the
//! format cannot hold: discontinuous spans, relations (except Label Studio's), clusters,
//! attributes, notes, metadata keys the format reserves, and span layers when a document has
//! more than one (reading back takes layers from the manifest). doccano records are
//! `{"id", "text", "label", ...metadata}`, spaCy records `{"id", "text", "ents", "meta"}`, and a
//! Label Studio export is one task per line, with `data.id`, `data.text` and metadata in
//! `data`, span results keeping their span ids, `from_name: "label"` and `to_name: "text"`
//! (a labeling config `<Labels name="label" toName="text">` over `<Text name="text"
//! value="$text"/>`), and `right` relations.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

use serde::Serialize;
use serde_json::{Map, Value};

use crate::{line_of_byte, read_text, write_atomic};
use goldspan_model::text::{self, OffsetDrift, OffsetUnit, UnitConverter};
use goldspan_model::Manifest;
use goldspan_model::{AnnotatedDocument, Annotations, Document, Meta, Relation, Span};
use goldspan_model::{Error, Location, ProblemKind, Problems};

// ---------------------------------------------------------------------------------------------
// Reading: shared parts

/// State of one file being read.
struct Reading<'a> {
    location: Location,
    stem: String,
    manifest: Option<&'a Manifest>,
    default_layer: &'a str,
    problems: Problems,
    /// Document id to the line it was first read from.
    seen: HashMap<String, usize>,
    docs: Vec<AnnotatedDocument>,
}

impl<'a> Reading<'a> {
    fn new(path: &Path, manifest: Option<&'a Manifest>, default_layer: &'a str) -> Reading<'a> {
        Reading {
            location: Location::file(path),
            stem: path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "doc".into()),
            manifest,
            default_layer,
            problems: Problems::default(),
            seen: HashMap::new(),
            docs: Vec::new(),
        }
    }

    /// The id of the `n`-th record (1-based) when it has none.
    fn generated_id(&self, n: usize) -> String {
        format!("{}-{n:04}", self.stem)
    }

    fn syntax(&mut self, at: &Location, message: String) {
        self.problems.push(at.clone(), ProblemKind::Syntax { message });
    }

    /// A span from offsets counted in the format's unit.
    fn span(
        &self,
        offsets: &OffsetReader,
        id: String,
        label: &str,
        start: usize,
        end: usize,
    ) -> Result<Span, ProblemKind> {
        let s = offsets.code_point(&id, start)?;
        let e = offsets.code_point(&id, end)?;
        let layer = match self.manifest {
            Some(manifest) => match manifest.layer_of(label) {
                Some(layer) => layer.name.as_str(),
                None => return Err(ProblemKind::UnknownLabel { span: id, label: label.to_owned(), layer: None }),
            },
            None => self.default_layer,
        };
        Span::contiguous(id.as_str(), layer, label, s, e).ok_or_else(|| ProblemKind::Syntax {
            message: format!("span {id}: offsets {start}..{end} are empty or reversed (start must be below end)"),
        })
    }

    /// Adds a document read from `line`, unless its id was seen before.
    fn push_document(&mut self, line: usize, doc: AnnotatedDocument) {
        let id = doc.document.id().to_owned();
        if let Some(&first) = self.seen.get(&id) {
            let at = self.location.at_line(line).in_document(&id);
            self.problems.push(at, ProblemKind::DuplicateId { id, first_line: Some(first) });
            return;
        }
        self.seen.insert(id, line);
        self.docs.push(doc);
    }

    fn finish(self) -> Result<Vec<AnnotatedDocument>, Error> {
        self.problems.into_result(self.docs)
    }
}

/// Converts one text's offsets, counted in a format's unit, to code points.
struct OffsetReader {
    unit: OffsetUnit,
    converter: UnitConverter,
    len_units: usize,
    len_chars: usize,
}

impl OffsetReader {
    fn new(text: &str, unit: OffsetUnit) -> OffsetReader {
        let len_chars = text.chars().count();
        let len_units = match unit {
            OffsetUnit::CodePoint => len_chars,
            OffsetUnit::Utf16 => text.encode_utf16().count(),
            OffsetUnit::Utf8Byte => text.len(),
        };
        OffsetReader { unit, converter: UnitConverter::new(text, unit), len_units, len_chars }
    }

    fn code_point(&self, span: &str, offset: usize) -> Result<usize, ProblemKind> {
        if offset > self.len_units {
            return Err(ProblemKind::OffsetOutOfRange { span: span.to_owned(), offset, len: self.len_chars });
        }
        self.converter.to_code_point(offset).ok_or_else(|| ProblemKind::OffsetInsideUnit {
            span: span.to_owned(),
            offset,
            unit: self.unit,
        })
    }
}

/// A metadata value: strings as they are, numbers and booleans as their JSON text.
fn scalar(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(_) | Value::Bool(_) => Some(value.to_string()),
        _ => None,
    }
}

/// An id given as a string or a number.
fn id_of(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn offset(value: Option<&Value>) -> Option<usize> {
    value.and_then(Value::as_u64).and_then(|v| usize::try_from(v).ok())
}

/// `[start, end, "LABEL"]`.
fn triple(value: &Value) -> Option<(usize, usize, &str)> {
    match value.as_array()?.as_slice() {
        [s, e, label] => Some((offset(Some(s))?, offset(Some(e))?, label.as_str()?)),
        _ => None,
    }
}

/// A serde_json error as a message with a column, its line being reported by the location.
fn json_error(e: &serde_json::Error, column: usize) -> String {
    let text = e.to_string();
    let message = text.rsplit_once(" at line ").map_or(text.as_str(), |(m, _)| m);
    format!("invalid JSON at column {column}: {message}")
}

fn skip_whitespace(bytes: &[u8], mut i: usize) -> usize {
    while bytes.get(i).is_some_and(u8::is_ascii_whitespace) {
        i += 1;
    }
    i
}

/// The index just past the JSON string starting at `bytes[start]` (a `"`), if it is closed.
fn string_end(bytes: &[u8], start: usize) -> Option<usize> {
    let mut i = start + 1;
    while let Some(&c) = bytes.get(i) {
        match c {
            b'\\' => i += 2,
            b'"' => return Some(i + 1),
            _ => i += 1,
        }
    }
    None
}

/// Best effort for JSON that does not parse: the string or integer under the key `path`
/// (`["id"]`, `["data", "id"]`), found by scanning keys and brackets up to where the text breaks.
fn guess_key(json: &str, path: &[&str]) -> Option<String> {
    let bytes = json.as_bytes();
    let mut containers: Vec<Option<String>> = Vec::new(); // the key each open container sits under
    let mut key: Option<String> = None;
    let mut i = 0;
    while let Some(&c) = bytes.get(i) {
        match c {
            b'"' => {
                let end = string_end(bytes, i)?;
                let s: String = serde_json::from_str(json.get(i..end)?).ok()?;
                i = skip_whitespace(bytes, end);
                if bytes.get(i) != Some(&b':') {
                    continue;
                }
                i = skip_whitespace(bytes, i + 1);
                let outer = containers.iter().skip(1).map(Option::as_deref);
                let here = containers.len() == path.len()
                    && path.last() == Some(&s.as_str())
                    && outer.eq(path.iter().take(path.len().saturating_sub(1)).map(|p| Some(*p)));
                if here {
                    return match bytes.get(i) {
                        Some(b'"') => serde_json::from_str(json.get(i..string_end(bytes, i)?)?).ok(),
                        _ => {
                            let digits = bytes.iter().skip(i).take_while(|b| b.is_ascii_digit()).count();
                            json.get(i..i + digits).filter(|d| !d.is_empty()).map(str::to_owned)
                        }
                    };
                }
                key = Some(s);
            }
            b'{' | b'[' => {
                containers.push(key.take());
                i += 1;
            }
            b'}' | b']' => {
                containers.pop();
                i += 1;
            }
            b',' => {
                key = None;
                i += 1;
            }
            _ => i += 1,
        }
    }
    None
}

/// The signature of a JSONL format's record reader: metadata and annotations of one record.
type RecordReader = fn(&mut Reading<'_>, &Map<String, Value>, &str, &Location) -> (Meta, Annotations);

/// Reads a JSON Lines file whose records have `"id"` and `"text"`, leaving the rest to `record`.
fn read_jsonl(
    path: &Path,
    manifest: Option<&Manifest>,
    default_layer: &str,
    record: RecordReader,
) -> Result<Vec<AnnotatedDocument>, Error> {
    let mut r = Reading::new(path, manifest, default_layer);
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => {
            r.problems.push(r.location.clone(), ProblemKind::Io(e));
            return r.finish();
        }
    };
    let mut body = bytes.as_slice();
    let mut line_start = 0;
    if let Some(rest) = body.strip_prefix(b"\xEF\xBB\xBF") {
        r.problems.push(r.location.at_line(1), ProblemKind::ByteOrderMark);
        body = rest;
        line_start = 3;
    }
    let mut ordinal = 0;
    for (index, raw) in body.split(|&b| b == b'\n').enumerate() {
        let line = index + 1;
        let start = line_start;
        line_start += raw.len() + 1;
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        if raw.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        ordinal += 1;
        let at = r.location.at_line(line);
        let json = match std::str::from_utf8(raw) {
            Ok(json) => json,
            Err(e) => {
                let at = match guess_key(&String::from_utf8_lossy(raw), &["id"]) {
                    Some(id) => at.in_document(&id),
                    None => at,
                };
                r.problems.push(at, ProblemKind::InvalidUtf8 { byte: start + e.valid_up_to() });
                continue;
            }
        };
        let value: Value = match serde_json::from_str(json) {
            Ok(v) => v,
            Err(e) => {
                let at = match guess_key(json, &["id"]) {
                    Some(id) => at.in_document(&id),
                    None => at,
                };
                r.syntax(&at, json_error(&e, e.column()));
                continue;
            }
        };
        let Some(obj) = value.as_object() else {
            r.syntax(&at, "expected a JSON object".into());
            continue;
        };
        let id = match obj.get("id") {
            None | Some(Value::Null) => r.generated_id(ordinal),
            Some(v) => match id_of(v) {
                Some(id) => id,
                None => {
                    let generated = r.generated_id(ordinal);
                    r.syntax(&at.in_document(&generated), format!("\"id\" must be a string or a number, found {v}"));
                    continue;
                }
            },
        };
        let at = at.in_document(&id);
        let Some(text) = obj.get("text").and_then(Value::as_str) else {
            r.syntax(&at, "the record has no \"text\" string".into());
            continue;
        };
        if text.is_empty() {
            r.problems.push(at, ProblemKind::EmptyDocument);
            continue;
        }
        let (meta, annotations) = record(&mut r, obj, text, &at);
        r.push_document(line, AnnotatedDocument { document: Document::new(id, text, meta), annotations });
    }
    r.finish()
}

// ---------------------------------------------------------------------------------------------
// doccano

/// Keys of a doccano record that are not metadata.
const DOCCANO_KEYS: [&str; 6] = ["id", "text", "label", "labels", "entities", "relations"];

/// Reads a doccano JSONL export (offsets in UTF-16 code units). See the module doc.
pub fn read_doccano(
    path: &Path,
    manifest: Option<&Manifest>,
    default_layer: &str,
) -> Result<Vec<AnnotatedDocument>, Error> {
    read_jsonl(path, manifest, default_layer, doccano_record)
}

fn doccano_record(r: &mut Reading<'_>, obj: &Map<String, Value>, text: &str, at: &Location) -> (Meta, Annotations) {
    let offsets = OffsetReader::new(text, OffsetUnit::Utf16);
    let mut annotations = Annotations::default();
    let mut next = 0;
    let mut next_id = || {
        next += 1;
        format!("T{next}")
    };
    let labels = match (obj.get("label"), obj.get("labels")) {
        (Some(label), Some(_)) => {
            r.syntax(at, "the record has both \"label\" and \"labels\"; \"labels\" is ignored".into());
            Some(label)
        }
        (label, labels) => label.or(labels),
    };
    match labels.map(Value::as_array) {
        None => {}
        Some(None) => r.syntax(at, "\"label\" must be a list of [start, end, \"LABEL\"]".into()),
        Some(Some(items)) => {
            for (i, item) in items.iter().enumerate() {
                let id = next_id();
                let Some((start, end, label)) = triple(item) else {
                    r.syntax(at, format!("label {}: expected [start, end, \"LABEL\"], found {item}", i + 1));
                    continue;
                };
                match r.span(&offsets, id, label, start, end) {
                    Ok(span) => annotations.spans.push(span),
                    Err(kind) => r.problems.push(at.clone(), kind),
                }
            }
        }
    }

    // The relation export: entities with ids, and relations between them.
    let mut entity_ids: HashMap<String, String> = HashMap::new();
    match obj.get("entities").map(Value::as_array) {
        None => {}
        Some(None) => r.syntax(at, "\"entities\" must be a list of objects".into()),
        Some(Some(items)) => {
            for (i, item) in items.iter().enumerate() {
                let id = next_id();
                let field = |name: &str| item.get(name);
                let (Some(start), Some(end), Some(label)) = (
                    offset(field("start_offset")),
                    offset(field("end_offset")),
                    field("label").and_then(Value::as_str),
                ) else {
                    r.syntax(
                        at,
                        format!(
                            "entity {}: expected \"start_offset\", \"end_offset\" and \"label\", found {item}",
                            i + 1
                        ),
                    );
                    continue;
                };
                if let Some(entity) = field("id").and_then(id_of) {
                    entity_ids.insert(entity, id.clone());
                }
                match r.span(&offsets, id, label, start, end) {
                    Ok(span) => annotations.spans.push(span),
                    Err(kind) => r.problems.push(at.clone(), kind),
                }
            }
        }
    }
    match obj.get("relations").map(Value::as_array) {
        None => {}
        Some(None) => r.syntax(at, "\"relations\" must be a list of objects".into()),
        Some(Some(items)) => {
            for (i, item) in items.iter().enumerate() {
                let id = format!("R{}", i + 1);
                let (Some(from), Some(to), Some(kind)) = (
                    item.get("from_id").and_then(id_of),
                    item.get("to_id").and_then(id_of),
                    item.get("type").and_then(Value::as_str),
                ) else {
                    r.syntax(
                        at,
                        format!("relation {}: expected \"from_id\", \"to_id\" and \"type\", found {item}", i + 1),
                    );
                    continue;
                };
                let mut resolve = |entity: String| match entity_ids.get(&entity) {
                    Some(span) => Some(span.clone()),
                    None => {
                        let kind = ProblemKind::MissingReference {
                            owner: format!("relation {id}"),
                            target: format!("entity {entity}"),
                        };
                        r.problems.push(at.clone(), kind);
                        None
                    }
                };
                if let (Some(head), Some(tail)) = (resolve(from), resolve(to)) {
                    annotations.relations.push(Relation { id: id.clone(), kind: kind.to_owned(), head, tail });
                }
            }
        }
    }

    let meta = obj
        .iter()
        .filter(|(k, _)| !DOCCANO_KEYS.contains(&k.as_str()))
        .filter_map(|(k, v)| Some((k.clone(), scalar(v)?)))
        .collect();
    (meta, annotations)
}

// ---------------------------------------------------------------------------------------------
// spaCy

/// Reads spaCy-style JSONL (offsets in code points). See the module doc.
pub fn read_spacy(
    path: &Path,
    manifest: Option<&Manifest>,
    default_layer: &str,
) -> Result<Vec<AnnotatedDocument>, Error> {
    read_jsonl(path, manifest, default_layer, spacy_record)
}

fn spacy_record(r: &mut Reading<'_>, obj: &Map<String, Value>, text: &str, at: &Location) -> (Meta, Annotations) {
    let offsets = OffsetReader::new(text, OffsetUnit::CodePoint);
    let mut annotations = Annotations::default();
    match obj.get("ents") {
        None | Some(Value::Null) => {}
        Some(Value::Array(items)) => {
            for (i, item) in items.iter().enumerate() {
                let id = format!("T{}", i + 1);
                let parsed = triple(item).or_else(|| {
                    Some((offset(item.get("start"))?, offset(item.get("end"))?, item.get("label")?.as_str()?))
                });
                let Some((start, end, label)) = parsed else {
                    r.syntax(at, format!("ent {}: expected [start, end, \"LABEL\"], found {item}", i + 1));
                    continue;
                };
                match r.span(&offsets, id, label, start, end) {
                    Ok(span) => annotations.spans.push(span),
                    Err(kind) => r.problems.push(at.clone(), kind),
                }
            }
        }
        Some(other) => r.syntax(at, format!("\"ents\" must be a list of [start, end, \"LABEL\"], found {other}")),
    }
    let mut meta = Meta::new();
    match obj.get("meta") {
        None | Some(Value::Null) => {}
        Some(Value::Object(fields)) => {
            for (k, v) in fields {
                match scalar(v) {
                    Some(s) => {
                        meta.insert(k.clone(), s);
                    }
                    None => r.syntax(at, format!("meta {k:?} must be a string, number or boolean")),
                }
            }
        }
        Some(other) => r.syntax(at, format!("\"meta\" must be an object, found {other}")),
    }
    (meta, annotations)
}

// ---------------------------------------------------------------------------------------------
// Label Studio

/// Reads a Label Studio JSON export (offsets in UTF-16 code units). See the module doc.
pub fn read_label_studio(
    path: &Path,
    manifest: Option<&Manifest>,
    default_layer: &str,
) -> Result<Vec<AnnotatedDocument>, Error> {
    let mut r = Reading::new(path, manifest, default_layer);
    let mut found = Problems::default();
    let text = read_text(path, &r.location, &mut found);
    // JSON escapes the line breaks of the document text, so the file's own are harmless.
    r.problems.0.extend(found.0.into_iter().filter(|p| !matches!(p.kind, ProblemKind::CrlfLineEndings { .. })));
    let Some(text) = text else { return r.finish() };
    let tasks = match array_elements(&text) {
        Ok(tasks) => tasks,
        Err((byte, message)) => {
            let at = r.location.at_line(line_of_byte(&text, byte));
            r.syntax(&at, message.to_owned());
            return r.finish();
        }
    };
    for (index, (start, end)) in tasks.into_iter().enumerate() {
        let line = line_of_byte(&text, start);
        let at = r.location.at_line(line);
        let json = text.get(start..end).unwrap_or_default();
        match serde_json::from_str::<Value>(json) {
            Ok(task) => {
                if let Some(doc) = label_studio_task(&mut r, &task, index + 1, &at) {
                    r.push_document(line, doc);
                }
            }
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
    r.finish()
}

/// Byte ranges of the elements of the top-level JSON array in `text`, found by matching
/// brackets outside strings; the elements themselves are parsed later, one by one.
fn array_elements(text: &str) -> Result<Vec<(usize, usize)>, (usize, &'static str)> {
    let bytes = text.as_bytes();
    let mut i = skip_whitespace(bytes, 0);
    if bytes.get(i) != Some(&b'[') {
        return Err((i, "expected a JSON array of tasks (Label Studio's JSON export)"));
    }
    i = skip_whitespace(bytes, i + 1);
    let mut elements = Vec::new();
    if bytes.get(i) == Some(&b']') {
        i += 1;
    } else {
        loop {
            let start = i;
            let mut depth = 0usize;
            loop {
                match bytes.get(i) {
                    None => return Err((start, "the array of tasks is not closed")),
                    Some(b'"') => i = string_end(bytes, i).ok_or((i, "a string is not closed"))?,
                    Some(b'{' | b'[') => {
                        depth += 1;
                        i += 1;
                    }
                    Some(b',' | b']') if depth == 0 => break,
                    Some(b'}') if depth == 0 => return Err((i, "unbalanced '}'")),
                    Some(b'}' | b']') => {
                        depth -= 1;
                        i += 1;
                    }
                    Some(_) => i += 1,
                }
            }
            let end = start + text.get(start..i).map_or(0, |t| t.trim_end().len());
            if end == start {
                return Err((i, "an element of the array of tasks is empty (a stray comma?)"));
            }
            elements.push((start, end));
            let closing = bytes.get(i) == Some(&b']');
            i = skip_whitespace(bytes, i + 1);
            if closing {
                break;
            }
        }
    }
    if skip_whitespace(bytes, i) < bytes.len() {
        return Err((i, "unexpected text after the array of tasks"));
    }
    Ok(elements)
}

/// One task; `at` is the line it starts on. `None` when it cannot make a document.
fn label_studio_task(r: &mut Reading<'_>, task: &Value, index: usize, at: &Location) -> Option<AnnotatedDocument> {
    let Some(task) = task.as_object() else {
        r.syntax(at, format!("task {index}: expected an object"));
        return None;
    };
    let data = task.get("data").and_then(Value::as_object);
    let id = match (data.and_then(|d| d.get("id")).and_then(Value::as_str), task.get("id").and_then(id_of)) {
        (Some(id), _) => id.to_owned(),
        (None, Some(id)) => id,
        (None, None) => r.generated_id(index),
    };
    let at = at.in_document(&id);
    let Some(data) = data else {
        r.syntax(&at, "the task has no \"data\" object".into());
        return None;
    };
    let Some(text) = data.get("text").and_then(Value::as_str) else {
        r.syntax(&at, "the task has no \"data.text\" string".into());
        return None;
    };
    if text.is_empty() {
        r.problems.push(at, ProblemKind::EmptyDocument);
        return None;
    }
    let table = text::Offsets::new(text);
    let mut meta: Meta = data
        .iter()
        .filter(|(k, _)| *k != "id" && *k != "text")
        .filter_map(|(k, v)| Some((k.clone(), scalar(v)?)))
        .collect();
    let mut annotations = Annotations::default();

    let annotation = match task.get("annotations").or_else(|| task.get("completions")) {
        None | Some(Value::Null) => None,
        Some(Value::Array(list)) => list.iter().find(|a| a.get("was_cancelled").and_then(Value::as_bool) != Some(true)),
        Some(other) => {
            r.syntax(&at, format!("\"annotations\" must be a list, found {other}"));
            None
        }
    };
    let results = match annotation.map(|a| a.get("result")) {
        None => &[][..],
        Some(Some(Value::Array(results))) => results.as_slice(),
        Some(_) => {
            r.syntax(&at, "the annotation has no \"result\" list".into());
            &[][..]
        }
    };
    let offsets = OffsetReader::new(text, OffsetUnit::Utf16);
    let mut relations = Vec::new();
    // Ids of every labels result, read or not, so a bad span does not also break its relations.
    let mut ids: BTreeSet<String> = BTreeSet::new();
    for (i, result) in results.iter().enumerate() {
        match result.get("type").and_then(Value::as_str) {
            Some("labels") => {
                let id = result.get("id").and_then(id_of).unwrap_or_else(|| format!("T{}", i + 1));
                if !ids.insert(id.clone()) {
                    r.problems.push(at.clone(), ProblemKind::DuplicateId { id, first_line: None });
                    continue;
                }
                match label_studio_span(r, &offsets, text, &table, id, result) {
                    Ok(span) => annotations.spans.push(span),
                    Err(kind) => r.problems.push(at.clone(), kind),
                }
            }
            Some("relation") => relations.push(result),
            Some("choices") => {
                let name = result.get("from_name").and_then(Value::as_str).unwrap_or("choices");
                let choices = result.get("value").and_then(|v| v.get("choices")).and_then(Value::as_array);
                match choices.map(|c| c.iter().map(Value::as_str).collect::<Option<Vec<_>>>()) {
                    Some(Some(choices)) => {
                        meta.insert(name.to_owned(), choices.join(", "));
                    }
                    _ => r.syntax(&at, format!("result {}: expected \"value.choices\", a list of strings", i + 1)),
                }
            }
            Some(other) => {
                r.problems
                    .push(at.clone(), ProblemKind::Unsupported { what: format!("Label Studio result type {other:?}") });
            }
            None => r.syntax(&at, format!("result {}: no \"type\"", i + 1)),
        }
    }

    for (i, result) in relations.into_iter().enumerate() {
        let id = format!("R{}", i + 1);
        let (Some(from), Some(to)) = (result.get("from_id").and_then(id_of), result.get("to_id").and_then(id_of))
        else {
            r.syntax(&at, format!("relation {id}: expected \"from_id\" and \"to_id\""));
            continue;
        };
        let Some(kind) = result.get("labels").and_then(|l| l.get(0)).and_then(Value::as_str) else {
            r.syntax(&at, format!("relation {id} ({from} -> {to}) has no label; goldspan relations need a type"));
            continue;
        };
        let (head, tail) = match result.get("direction").and_then(Value::as_str) {
            Some("left") => (to, from),
            _ => (from, to),
        };
        for target in [&head, &tail] {
            if !ids.contains(target) {
                let kind =
                    ProblemKind::MissingReference { owner: format!("relation {id}"), target: format!("span {target}") };
                r.problems.push(at.clone(), kind);
            }
        }
        annotations.relations.push(Relation { id, kind: kind.to_owned(), head, tail });
    }
    Some(AnnotatedDocument { document: Document::new(id, text, meta), annotations })
}

/// A `labels` result as a span, its `value.text` checked against the document.
fn label_studio_span(
    r: &Reading<'_>,
    offsets: &OffsetReader,
    text: &str,
    table: &text::Offsets,
    id: String,
    result: &Value,
) -> Result<Span, ProblemKind> {
    let value = result.get("value");
    let field = |name: &str| value.and_then(|v| v.get(name));
    let (Some(start), Some(end)) = (offset(field("start")), offset(field("end"))) else {
        let message = format!("span {id}: expected non-negative integer \"value.start\" and \"value.end\"");
        return Err(ProblemKind::Syntax { message });
    };
    let labels: Vec<&str> = field("labels")
        .and_then(Value::as_array)
        .map(|l| l.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let label = match labels.as_slice() {
        [label] => *label,
        [] => return Err(ProblemKind::Syntax { message: format!("span {id}: \"value.labels\" has no label") }),
        more => {
            let what = format!("span {id} with {} labels (goldspan spans have one; {})", more.len(), more.join(", "));
            return Err(ProblemKind::Unsupported { what });
        }
    };
    let span = r.span(offsets, id, label, start, end)?;
    let Some(expected) = field("text").and_then(Value::as_str) else { return Ok(span) };
    let found = text::slice(text, table, span.start(), span.end()).unwrap_or_default();
    if found == expected {
        return Ok(span);
    }
    // The file's offsets should be UTF-16; see what else they fit.
    let drift = if text::slice(text, table, start, end) == Some(expected) {
        Some(OffsetDrift::Unit(OffsetUnit::CodePoint))
    } else {
        text::diagnose_drift(text, start, end, expected).filter(|d| *d != OffsetDrift::Unit(OffsetUnit::Utf16))
    };
    Err(ProblemKind::TextMismatch {
        span: span.id().to_owned(),
        start: span.start(),
        end: span.end(),
        expected: expected.to_owned(),
        found: Some(found.to_owned()),
        drift,
    })
}

// ---------------------------------------------------------------------------------------------
// Writing

fn plural(n: usize, what: &str) -> String {
    format!("{n} {what}{}", if n == 1 { "" } else { "s" })
}

/// The spans a writer can hold, with their UTF-16 or code-point offsets; reports the others and
/// the annotations no span format holds (relations unless `relations_kept`).
fn writable_spans<'d>(
    doc: &'d AnnotatedDocument,
    unit: OffsetUnit,
    relations_kept: bool,
    lost: &mut Vec<String>,
) -> Vec<(&'d Span, usize, usize)> {
    let d = &doc.document;
    let a = &doc.annotations;
    let mut lose = |what: String| lost.push(format!("document {}: {what}", d.id()));
    let mut spans = Vec::new();
    for span in &a.spans {
        if span.fragments().len() > 1 {
            lose(format!(
                "span {} ({} {}..{}) is discontinuous, dropped",
                span.id(),
                span.label(),
                span.start(),
                span.end()
            ));
            continue;
        }
        let convert = |cp| text::code_point_to_unit(d.text(), d.offsets(), cp, unit);
        match (convert(span.start()), convert(span.end())) {
            (Some(start), Some(end)) => spans.push((span, start, end)),
            _ => lose(format!("span {} is past the end of the text, dropped", span.id())),
        }
    }
    let relations = if relations_kept { 0 } else { a.relations.len() };
    for (n, what) in [
        (relations, "relation"),
        (a.clusters.len(), "cluster"),
        (a.attributes.len(), "attribute"),
        (a.notes.len(), "note"),
    ] {
        if n > 0 {
            lose(format!("{} dropped (the format cannot hold them)", plural(n, what)));
        }
    }
    let layers: BTreeSet<&str> = a.spans.iter().map(Span::layer).collect();
    if layers.len() > 1 {
        let list: Vec<&str> = layers.into_iter().collect();
        lose(format!("span layers are not stored ({}); reading back takes them from the manifest", list.join(", ")));
    }
    spans
}

/// Metadata, minus the keys the format reserves (reported).
fn writable_meta<'d>(
    doc: &'d AnnotatedDocument,
    reserved: &[&str],
    lost: &mut Vec<String>,
) -> BTreeMap<&'d str, &'d str> {
    let mut meta = BTreeMap::new();
    for (k, v) in doc.document.meta() {
        if reserved.contains(&k.as_str()) {
            lost.push(format!("document {}: metadata {k:?} dropped (the format uses that key)", doc.document.id()));
        } else {
            meta.insert(k.as_str(), v.as_str());
        }
    }
    meta
}

fn write_lines(path: &Path, lines: &[String]) -> Result<(), Error> {
    let mut out = String::new();
    for line in lines {
        out.push_str(line);
        out.push('\n');
    }
    write_atomic(path, out.as_bytes())
}

fn to_json(value: &impl Serialize) -> String {
    // Serialising these structs (strings, integers, string maps) cannot fail.
    serde_json::to_string(value).unwrap_or_default()
}

#[derive(Serialize)]
struct DoccanoRecord<'a> {
    id: &'a str,
    text: &'a str,
    label: Vec<(usize, usize, &'a str)>,
    #[serde(flatten)]
    meta: BTreeMap<&'a str, &'a str>,
}

/// Writes doccano JSONL (UTF-16 offsets). Returns what could not be written.
pub fn write_doccano(path: &Path, docs: &[AnnotatedDocument]) -> Result<Vec<String>, Error> {
    let mut lost = Vec::new();
    let mut lines = Vec::new();
    for doc in docs {
        let spans = writable_spans(doc, OffsetUnit::Utf16, false, &mut lost);
        let record = DoccanoRecord {
            id: doc.document.id(),
            text: doc.document.text(),
            label: spans.into_iter().map(|(span, start, end)| (start, end, span.label())).collect(),
            meta: writable_meta(doc, &DOCCANO_KEYS, &mut lost),
        };
        lines.push(to_json(&record));
    }
    write_lines(path, &lines)?;
    Ok(lost)
}

#[derive(Serialize)]
struct SpacyRecord<'a> {
    id: &'a str,
    text: &'a str,
    ents: Vec<(usize, usize, &'a str)>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    meta: BTreeMap<&'a str, &'a str>,
}

/// Writes spaCy-style JSONL (code-point offsets). Returns what could not be written.
pub fn write_spacy(path: &Path, docs: &[AnnotatedDocument]) -> Result<Vec<String>, Error> {
    let mut lost = Vec::new();
    let mut lines = Vec::new();
    for doc in docs {
        let spans = writable_spans(doc, OffsetUnit::CodePoint, false, &mut lost);
        let record = SpacyRecord {
            id: doc.document.id(),
            text: doc.document.text(),
            ents: spans.into_iter().map(|(span, start, end)| (start, end, span.label())).collect(),
            meta: writable_meta(doc, &[], &mut lost),
        };
        lines.push(to_json(&record));
    }
    write_lines(path, &lines)?;
    Ok(lost)
}

#[derive(Serialize)]
struct LsTask<'a> {
    id: usize,
    data: LsData<'a>,
    annotations: [LsAnnotation<'a>; 1],
}

#[derive(Serialize)]
struct LsData<'a> {
    id: &'a str,
    text: &'a str,
    #[serde(flatten)]
    meta: BTreeMap<&'a str, &'a str>,
}

#[derive(Serialize)]
struct LsAnnotation<'a> {
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

/// Writes a Label Studio JSON export (UTF-16 offsets), one task per line. Returns what could
/// not be written.
pub fn write_label_studio(path: &Path, docs: &[AnnotatedDocument]) -> Result<Vec<String>, Error> {
    let mut lost = Vec::new();
    let mut tasks = Vec::new();
    for (i, doc) in docs.iter().enumerate() {
        let d = &doc.document;
        let spans = writable_spans(doc, OffsetUnit::Utf16, true, &mut lost);
        let written: BTreeSet<&str> = spans.iter().map(|(span, _, _)| span.id()).collect();
        let mut result: Vec<LsResult<'_>> = spans
            .into_iter()
            .map(|(span, start, end)| LsResult::Labels {
                id: span.id(),
                kind: "labels",
                from_name: "label",
                to_name: "text",
                value: LsValue {
                    start,
                    end,
                    text: d.slice(span.start(), span.end()).unwrap_or_default(),
                    labels: [span.label()],
                },
            })
            .collect();
        for rel in &doc.annotations.relations {
            if written.contains(rel.head.as_str()) && written.contains(rel.tail.as_str()) {
                result.push(LsResult::Relation {
                    kind: "relation",
                    from_id: &rel.head,
                    to_id: &rel.tail,
                    direction: "right",
                    labels: [rel.kind.as_str()],
                });
            } else {
                lost.push(format!(
                    "document {}: relation {} ({} {} -> {}) dropped: a span it links was not written",
                    d.id(),
                    rel.id,
                    rel.kind,
                    rel.head,
                    rel.tail
                ));
            }
        }
        let task = LsTask {
            id: i + 1,
            data: LsData { id: d.id(), text: d.text(), meta: writable_meta(doc, &["id", "text"], &mut lost) },
            annotations: [LsAnnotation { result }],
        };
        tasks.push(to_json(&task));
    }
    let out = if tasks.is_empty() { "[]\n".to_owned() } else { format!("[\n{}\n]\n", tasks.join(",\n")) };
    write_atomic(path, out.as_bytes())?;
    Ok(lost)
}

#[cfg(test)]
mod tests {
    use super::*;
    use goldspan_model::Layer;
    use proptest::prelude::*;

    /// "😀 Zoë met 李雷, then 😀😀 “Liz Truss”." In code points: Zoë 2..5, 李雷 10..12,
    /// Liz Truss 23..32. Each emoji is two UTF-16 units, so in UTF-16: 3..6, 11..13, 26..35.
    const TEXT: &str = "😀 Zoë met 李雷, then 😀😀 “Liz Truss”.";

    fn file(name: &str, contents: &str) -> (tempfile::TempDir, std::path::PathBuf) {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join(name);
        std::fs::write(&path, contents).expect("write fixture");
        (dir, path)
    }

    fn manifest() -> Manifest {
        let layer = |name: &str, labels: &[&str]| Layer {
            name: name.into(),
            labels: labels.iter().map(|l| l.to_string()).collect(),
            relations: Vec::new(),
        };
        Manifest {
            layers: vec![layer("entities", &["PERSON", "GPE"]), layer("quotes", &["Quote", "Source"])],
            ..Manifest::default()
        }
    }

    /// (id, layer, label, start, end, covered text) of every span.
    fn spans(doc: &AnnotatedDocument) -> Vec<(String, String, String, usize, usize, String)> {
        doc.annotations
            .spans
            .iter()
            .map(|s| {
                let covered = doc.document.slice(s.start(), s.end()).unwrap_or("?").to_owned();
                (s.id().into(), s.layer().into(), s.label().into(), s.start(), s.end(), covered)
            })
            .collect()
    }

    fn expected_people() -> Vec<(String, String, String, usize, usize, String)> {
        [("T1", 2, 5, "Zoë"), ("T2", 10, 12, "李雷"), ("T3", 23, 32, "Liz Truss")]
            .into_iter()
            .map(|(id, s, e, t)| (id.into(), "entities".into(), "PERSON".into(), s, e, t.into()))
            .collect()
    }

    fn json(s: &str) -> String {
        serde_json::to_string(s).expect("string serialises")
    }

    #[test]
    fn doccano_utf16_offsets_become_code_points() {
        let line = format!(
            r#"{{"id": 1, "text": {}, "label": [[3, 6, "PERSON"], [11, 13, "PERSON"], [26, 35, "PERSON"]], "Comments": [], "source": "wire", "year": 2024}}"#,
            json(TEXT)
        );
        let (_dir, path) = file("export.jsonl", &format!("{line}\n\n"));
        let docs = read_doccano(&path, Some(&manifest()), "unused").expect("reads");
        assert_eq!(docs.len(), 1);
        assert_eq!(docs[0].document.id(), "1");
        assert_eq!(spans(&docs[0]), expected_people());
        let meta: Vec<_> = docs[0].document.meta().iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        assert_eq!(meta, [("source", "wire"), ("year", "2024")]);
    }

    #[test]
    fn doccano_relation_export_reads_entities_and_relations() {
        let line = format!(
            r#"{{"text": {}, "entities": [{{"id": 17, "label": "Source", "start_offset": 26, "end_offset": 35}}, {{"id": 18, "label": "Quote", "start_offset": 3, "end_offset": 6}}], "relations": [{{"id": 2, "from_id": 18, "to_id": 17, "type": "speaker"}}]}}"#,
            json(TEXT)
        );
        let (_dir, path) = file("rel.jsonl", &line);
        let docs = read_doccano(&path, Some(&manifest()), "unused").expect("reads");
        assert_eq!(docs[0].document.id(), "rel-0001");
        let found: Vec<_> = spans(&docs[0]).into_iter().map(|s| (s.0, s.1, s.3, s.4)).collect();
        assert_eq!(found, [("T1".into(), "quotes".into(), 23, 32), ("T2".into(), "quotes".into(), 2, 5)]);
        assert_eq!(
            docs[0].annotations.relations,
            [Relation { id: "R1".into(), kind: "speaker".into(), head: "T2".into(), tail: "T1".into() }]
        );
    }

    #[test]
    fn doccano_bad_lines_are_all_reported() {
        let lines = [
            r#"{"id": "d1", "text": "fine", "label": [[0, 4, "PERSON"]]}"#.to_owned(),
            r#"{"id": "dx", "text": "broken", "label": [[0, 1, "PERSON"]],}"#.to_owned(),
            r#"{"id": "d2", "text": "a😀b", "label": [[2, 4, "PERSON"], [0, 9, "PERSON"], [1, 1, "PERSON"]]}"#
                .to_owned(),
            r#"{"id": "d3", "label": []}"#.to_owned(),
            r#"{"id": "d4", "text": "x", "label": [[0, 1, "NOPE"]], "labels": []}"#.to_owned(),
            r#"{"id": "d1", "text": "again"}"#.to_owned(),
        ];
        let (_dir, path) = file("bad.jsonl", &lines.join("\n"));
        let err = read_doccano(&path, Some(&manifest()), "entities").expect_err("bad input");
        let problems = err.problems();
        let summary: Vec<(Option<usize>, Option<&str>)> =
            problems.iter().map(|p| (p.location.line, p.location.document.as_deref())).collect();
        assert_eq!(
            summary,
            [
                (Some(2), Some("dx")),
                (Some(3), Some("d2")),
                (Some(3), Some("d2")),
                (Some(3), Some("d2")),
                (Some(4), Some("d3")),
                (Some(5), Some("d4")),
                (Some(5), Some("d4")),
                (Some(6), Some("d1")),
            ]
        );
        assert!(matches!(problems[0].kind, ProblemKind::Syntax { .. }), "{}", problems[0]);
        assert!(
            matches!(problems[1].kind, ProblemKind::OffsetInsideUnit { offset: 2, unit: OffsetUnit::Utf16, .. }),
            "{}",
            problems[1]
        );
        assert!(matches!(problems[2].kind, ProblemKind::OffsetOutOfRange { offset: 9, len: 3, .. }), "{}", problems[2]);
        assert!(matches!(problems[3].kind, ProblemKind::Syntax { .. }), "{}", problems[3]);
        assert!(matches!(problems[5].kind, ProblemKind::Syntax { .. }), "both label and labels");
        assert!(matches!(problems[6].kind, ProblemKind::UnknownLabel { .. }), "{}", problems[6]);
        assert!(matches!(problems[7].kind, ProblemKind::DuplicateId { first_line: Some(1), .. }), "{}", problems[7]);
        let shown = problems[1].to_string();
        assert!(shown.contains(":3:") && shown.contains("document d2"), "{shown}");
        assert!(problems[0].to_string().contains("invalid JSON at column"), "{}", problems[0]);
    }

    #[test]
    fn label_studio_utf16_offsets_and_relations() {
        let export = format!(
            r#"[
  {{"id": 7, "data": {{"text": {text}, "desk": "politics", "n": 3}},
    "annotations": [
      {{"was_cancelled": true, "result": []}},
      {{"result": [
        {{"id": "r1", "type": "labels", "from_name": "label", "to_name": "text", "value": {{"start": 26, "end": 35, "text": "Liz Truss", "labels": ["PERSON"]}}}},
        {{"id": "r2", "type": "labels", "from_name": "label", "to_name": "text", "value": {{"start": 3, "end": 6, "text": "Zoë", "labels": ["PERSON"]}}}},
        {{"id": "r3", "type": "labels", "from_name": "label", "to_name": "text", "value": {{"start": 11, "end": 13, "labels": ["PERSON"]}}}},
        {{"type": "relation", "from_id": "r2", "to_id": "r1", "direction": "right", "labels": ["knows"]}},
        {{"type": "relation", "from_id": "r2", "to_id": "r3", "direction": "left", "labels": ["met"]}},
        {{"id": "c", "type": "choices", "from_name": "topic", "to_name": "text", "value": {{"choices": ["a", "b"]}}}}
      ]}}
    ]}},
  {{"id": 8, "data": {{"id": "named", "text": "No annotations."}}}}
]"#,
            text = json(TEXT)
        );
        let (_dir, path) = file("ls.json", &export);
        let docs = read_label_studio(&path, None, "entities").expect("reads");
        assert_eq!(docs.len(), 2);
        let doc = &docs[0];
        assert_eq!(doc.document.id(), "7");
        let found: Vec<_> = spans(doc).into_iter().map(|s| (s.0, s.3, s.4, s.5)).collect();
        assert_eq!(
            found,
            [
                ("r1".into(), 23, 32, "Liz Truss".into()),
                ("r2".into(), 2, 5, "Zoë".into()),
                ("r3".into(), 10, 12, "李雷".into())
            ]
        );
        let rels: Vec<_> = doc
            .annotations
            .relations
            .iter()
            .map(|r| (r.id.as_str(), r.kind.as_str(), r.head.as_str(), r.tail.as_str()))
            .collect();
        assert_eq!(rels, [("R1", "knows", "r2", "r1"), ("R2", "met", "r3", "r2")]);
        let meta: Vec<_> = doc.document.meta().iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        assert_eq!(meta, [("desk", "politics"), ("n", "3"), ("topic", "a, b")]);
        assert_eq!(docs[1].document.id(), "named");
        assert!(docs[1].annotations.spans.is_empty());
    }

    #[test]
    fn label_studio_bad_tasks_name_their_line_and_document() {
        let export = format!(
            "[\n{},\n{},\n  {},\n{}\n]\n",
            r#"{"id": 1, "data": {"text": "Liz Truss spoke."}, "annotations": [{"result": [{"id": "a", "type": "labels", "value": {"start": 0, "end": 9, "text": "Liz Truss", "labels": ["PERSON"]}}]}]}"#,
            // Code-point offsets in a UTF-16 file: "Truss" is at 2..7 in code points, 3..8 in UTF-16.
            r#"{"id": 2, "data": {"id": "d2", "text": "😀 Truss"}, "annotations": [{"result": [{"id": "b", "type": "labels", "value": {"start": 2, "end": 7, "text": "Truss", "labels": ["PERSON"]}}, {"id": "c", "type": "labels", "value": {"start": 3, "end": 4, "labels": ["NOPE"]}}, {"type": "relation", "from_id": "b", "to_id": "zz", "labels": ["x"]}]}]}"#,
            r#"{"id": 3, "data": {"id": "d3", "text": "x"} "annotations": []}"#,
            r#"{"id": 4, "data": {"id": "d4"}}"#,
        );
        let (_dir, path) = file("ls.json", &export);
        let err = read_label_studio(&path, Some(&manifest()), "entities").expect_err("bad input");
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
        match &problems[0].kind {
            ProblemKind::TextMismatch { span, start, end, expected, found, drift } => {
                assert_eq!(
                    (span.as_str(), *start, *end, expected.as_str(), found.as_deref()),
                    ("b", 1, 6, "Truss", Some(" Trus"))
                );
                assert_eq!(*drift, Some(OffsetDrift::Unit(OffsetUnit::CodePoint)));
            }
            other => panic!("expected a text mismatch, got {other:?}"),
        }
        assert!(matches!(problems[1].kind, ProblemKind::UnknownLabel { .. }), "{}", problems[1]);
        assert!(matches!(problems[2].kind, ProblemKind::MissingReference { .. }), "{}", problems[2]);
        assert!(matches!(problems[3].kind, ProblemKind::Syntax { .. }), "{}", problems[3]);
        assert!(matches!(problems[4].kind, ProblemKind::Syntax { .. }), "{}", problems[4]);
        let shown = problems[0].to_string();
        assert!(shown.contains(":3:") && shown.contains("document d2") && shown.contains("code points"), "{shown}");
        assert!(problems[3].to_string().contains("column 47"), "{}", problems[3]);
    }

    #[test]
    fn label_studio_file_must_be_an_array() {
        let (_dir, path) = file("ls.json", "\n{\"id\": 1}");
        let err = read_label_studio(&path, None, "entities").expect_err("not an array");
        assert_eq!(err.problems()[0].location.line, Some(2));
        let (_dir, path) = file("ls.json", "[{\"id\": 1, \"data\": {\"text\": \"x\"}},\n]");
        let err = read_label_studio(&path, None, "entities").expect_err("stray comma");
        assert!(err.problems()[0].to_string().contains(":2:"), "{}", err.problems()[0]);
        let (_dir, path) = file("ls.json", " [ ] ");
        assert_eq!(read_label_studio(&path, None, "entities").expect("empty export").len(), 0);
    }

    #[test]
    fn spacy_offsets_are_code_points() {
        let line = format!(
            r#"{{"text": {}, "ents": [[2, 5, "PERSON"], {{"start": 10, "end": 12, "label": "PERSON"}}, [23, 32, "PERSON"]], "meta": {{"year": 2024}}}}"#,
            json(TEXT)
        );
        let (_dir, path) = file("spacy.jsonl", &line);
        let docs = read_spacy(&path, None, "entities").expect("reads");
        assert_eq!(docs[0].document.id(), "spacy-0001");
        assert_eq!(spans(&docs[0]), expected_people());
        assert_eq!(docs[0].document.meta().get("year").map(String::as_str), Some("2024"));
    }

    #[test]
    fn spacy_bad_input_is_reported() {
        let mut bytes = b"\xEF\xBB\xBF{\"id\": \"d1\", \"text\": \"ok\"}\n".to_vec();
        bytes.extend_from_slice(b"{\"id\": \"bytes\", \"text\": \"caf\xC3\"}\n");
        bytes.extend_from_slice("{\"id\": \"d2\", \"text\": \"Zoë\", \"ents\": [[3, 1, \"PERSON\"], [0, 4, \"PERSON\"]], \"meta\": {\"x\": [1]}}\n".as_bytes());
        bytes.extend_from_slice(b"{\"text\": \"\"}\n");
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("s.jsonl");
        std::fs::write(&path, &bytes).expect("write");
        let err = read_spacy(&path, None, "entities").expect_err("bad input");
        let problems = err.problems();
        let summary: Vec<_> = problems.iter().map(|p| (p.location.line, p.location.document.as_deref())).collect();
        assert_eq!(
            summary,
            [
                (Some(1), None),
                (Some(2), Some("bytes")),
                (Some(3), Some("d2")),
                (Some(3), Some("d2")),
                (Some(3), Some("d2")),
                (Some(4), Some("s-0004"))
            ]
        );
        assert!(matches!(problems[0].kind, ProblemKind::ByteOrderMark), "{}", problems[0]);
        assert!(matches!(problems[1].kind, ProblemKind::InvalidUtf8 { byte: 58 }), "{}", problems[1]);
        assert!(matches!(problems[2].kind, ProblemKind::Syntax { .. }), "reversed");
        assert!(matches!(problems[3].kind, ProblemKind::OffsetOutOfRange { offset: 4, len: 3, .. }), "{}", problems[3]);
        assert!(matches!(problems[4].kind, ProblemKind::Syntax { .. }), "meta");
        assert!(matches!(problems[5].kind, ProblemKind::EmptyDocument), "{}", problems[5]);
        let shown = problems[2].to_string();
        assert!(shown.contains(":3:") && shown.contains("document d2") && shown.contains("reversed"), "{shown}");
    }

    fn rich_document() -> AnnotatedDocument {
        let f = |s, e| goldspan_model::Fragment::new(s, e).expect("fragment");
        let spans = vec![
            Span::contiguous("T1", "entities", "PERSON", 23, 32).expect("span"),
            Span::contiguous("T2", "quotes", "Source", 2, 5).expect("span"),
            Span::new("T3", "quotes", "Quote", vec![f(6, 9), f(14, 18)]).expect("span"),
        ];
        let relations = vec![
            Relation { id: "R1".into(), kind: "speaker".into(), head: "T2".into(), tail: "T1".into() },
            Relation { id: "R2".into(), kind: "speaker".into(), head: "T3".into(), tail: "T2".into() },
        ];
        let annotations =
            Annotations { spans, relations, clusters: vec![vec!["T1".into(), "T2".into()]], ..Annotations::default() };
        let mut meta = Meta::new();
        meta.insert("text".into(), "clash".into());
        meta.insert("desk".into(), "politics".into());
        AnnotatedDocument { document: Document::new("d1", TEXT, meta), annotations }
    }

    #[test]
    fn writers_use_each_formats_units_and_report_losses() {
        let dir = tempfile::tempdir().expect("temp dir");
        let doc = rich_document();

        let path = dir.path().join("d.jsonl");
        let lost = write_doccano(&path, std::slice::from_ref(&doc)).expect("writes");
        let written = std::fs::read_to_string(&path).expect("read");
        assert_eq!(
            written,
            format!(
                "{{\"id\":\"d1\",\"text\":{},\"label\":[[26,35,\"PERSON\"],[3,6,\"Source\"]],\"desk\":\"politics\"}}\n",
                json(TEXT)
            )
        );
        assert_eq!(
            lost,
            [
                "document d1: span T3 (Quote 6..18) is discontinuous, dropped",
                "document d1: 2 relations dropped (the format cannot hold them)",
                "document d1: 1 cluster dropped (the format cannot hold them)",
                "document d1: span layers are not stored (entities, quotes); reading back takes them from the manifest",
                "document d1: metadata \"text\" dropped (the format uses that key)",
            ]
        );

        let path = dir.path().join("s.jsonl");
        write_spacy(&path, std::slice::from_ref(&doc)).expect("writes");
        let written = std::fs::read_to_string(&path).expect("read");
        assert!(
            written.contains(
                "\"ents\":[[23,32,\"PERSON\"],[2,5,\"Source\"]],\"meta\":{\"desk\":\"politics\",\"text\":\"clash\"}"
            ),
            "{written}"
        );

        let path = dir.path().join("ls.json");
        let lost = write_label_studio(&path, std::slice::from_ref(&doc)).expect("writes");
        assert!(
            lost.contains(
                &"document d1: relation R2 (speaker T3 -> T2) dropped: a span it links was not written".to_owned()
            ),
            "{lost:?}"
        );
        assert!(!lost.iter().any(|l| l.contains("relations dropped")), "{lost:?}");
        let back = read_label_studio(&path, Some(&manifest()), "unused").expect("reads back");
        let found: Vec<_> = spans(&back[0]).into_iter().map(|s| (s.0, s.1, s.3, s.4)).collect();
        assert_eq!(found, [("T1".into(), "entities".into(), 23, 32), ("T2".into(), "quotes".into(), 2, 5)]);
        assert_eq!(
            back[0].annotations.relations,
            [Relation { id: "R1".into(), kind: "speaker".into(), head: "T2".into(), tail: "T1".into() }]
        );
        let written = std::fs::read_to_string(&path).expect("read");
        assert!(written.starts_with("[\n{\"id\":1,\"data\":{\"id\":\"d1\",\"text\":"), "{written}");
        assert!(written.contains("{\"id\":\"T1\",\"type\":\"labels\",\"from_name\":\"label\",\"to_name\":\"text\",\"value\":{\"start\":26,\"end\":35,\"text\":\"Liz Truss\",\"labels\":[\"PERSON\"]}}"), "{written}");
    }

    #[test]
    fn guess_key_finds_ids_in_broken_json() {
        assert_eq!(guess_key(r#"{"text": "x", "id": 42,, }"#, &["id"]).as_deref(), Some("42"));
        assert_eq!(guess_key(r#"{"entities": [{"id": 1}], "id": "d\"2" oops"#, &["id"]).as_deref(), Some("d\"2"));
        assert_eq!(
            guess_key(r#"{"id": 3, "data": {"id": "named", "text": }"#, &["data", "id"]).as_deref(),
            Some("named")
        );
        assert_eq!(guess_key(r#"{"text": "no id" "#, &["id"]), None);
    }

    /// Text mixing ASCII, accented letters, Cyrillic, CJK, emoji, curly quotes and line breaks.
    fn text() -> impl Strategy<Value = String> {
        "[a-zA-Z0-9 éüçñÅ\u{301}ЖжЯя李雷東京😀🎉👍🏽“”‘’«»\n\t.,]{1,40}"
    }

    /// Documents with contiguous spans `T1..` (in order), optional metadata, and relations
    /// `R1..` between spans when `relations`.
    fn documents(relations: bool) -> impl Strategy<Value = Vec<AnnotatedDocument>> {
        let doc = (
            text(),
            prop::collection::vec((any::<prop::sample::Index>(), any::<prop::sample::Index>(), 0..3usize), 0..6),
            prop::collection::btree_map("(desk|source|title)", "[a-zé😀 ]{0,8}", 0..3),
            prop::collection::vec((any::<prop::sample::Index>(), any::<prop::sample::Index>()), 0..4),
        );
        prop::collection::vec(doc, 1..4).prop_map(move |docs| {
            docs.into_iter()
                .enumerate()
                .map(|(d, (text, raw_spans, meta, raw_relations))| {
                    let len = text.chars().count();
                    let mut spans = Vec::new();
                    for (a, b, label) in raw_spans {
                        let (a, b) = (a.index(len + 1), b.index(len + 1));
                        let (start, end) = (a.min(b), a.max(b));
                        let label = ["PERSON", "GPE", "ORG"][label];
                        if let Some(span) =
                            Span::contiguous(format!("T{}", spans.len() + 1), "entities", label, start, end)
                        {
                            spans.push(span);
                        }
                    }
                    let mut rels = Vec::new();
                    if relations && !spans.is_empty() {
                        for (h, t) in raw_relations {
                            let (head, tail) = (spans[h.index(spans.len())].id(), spans[t.index(spans.len())].id());
                            rels.push(Relation {
                                id: format!("R{}", rels.len() + 1),
                                kind: "rel".into(),
                                head: head.into(),
                                tail: tail.into(),
                            });
                        }
                    }
                    let annotations = Annotations { spans, relations: rels, ..Annotations::default() };
                    AnnotatedDocument { document: Document::new(format!("d{d}"), text, meta), annotations }
                })
                .collect()
        })
    }

    type Writer = fn(&Path, &[AnnotatedDocument]) -> Result<Vec<String>, Error>;
    type Reader = fn(&Path, Option<&Manifest>, &str) -> Result<Vec<AnnotatedDocument>, Error>;

    fn round_trip(docs: &[AnnotatedDocument], write: Writer, read: Reader) -> Result<(), TestCaseError> {
        let dir = tempfile::tempdir().map_err(|e| TestCaseError::fail(e.to_string()))?;
        let path = dir.path().join("out.json");
        let lost = write(&path, docs).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert!(lost.is_empty(), "lost: {:?}", lost);
        let back = read(&path, None, "entities").map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(back, docs);
        Ok(())
    }

    proptest! {
        #[test]
        fn spacy_write_then_read_is_identity(docs in documents(false)) {
            round_trip(&docs, write_spacy, read_spacy)?;
        }

        #[test]
        fn doccano_write_then_read_is_identity(docs in documents(false)) {
            round_trip(&docs, write_doccano, read_doccano)?;
        }

        #[test]
        fn label_studio_write_then_read_is_identity(docs in documents(true)) {
            round_trip(&docs, write_label_studio, read_label_studio)?;
        }
    }
}
