//! doccano's JSONL exports, read into documents and written from them.
//!
//! # What doccano writes
//!
//! Checked against doccano's source (github.com/doccano/doccano, tags v1.0.0 to v1.8.4):
//!
//! - 1.7 and later (`data_export/pipeline/factories.py`): `{"id": 1, "text": "...", "label":
//!   [[start, end, "LABEL"], ...], "Comments": [], ...}` with the example's metadata flattened
//!   into the record; with relation labeling on, `"entities": [{"id", "label", "start_offset",
//!   "end_offset"}]` and `"relations": [{"id", "from_id", "to_id", "type"}]` instead of
//!   `"label"`. Import files look the same, metadata under `"meta": {...}`.
//! - 1.3 to 1.6 (`api/views/download/writer.py`, `data_export/pipeline/writers.py`): the same
//!   with the text under `"data"`.
//! - 1.0 to 1.2 (`app/api/utils.py`, `JSONPainter`): `{"id", "text", "annotations": [{"label":
//!   3, "start_offset", "end_offset", "user"}], "meta": {...}, "annotation_approver"}`, the
//!   label being the id of one of the project's labels. The project's label export
//!   (`project_N_labels.json`, a list of `{"id", "text", "prefix_key", "suffix_key",
//!   "background_color", "text_color"}`) names them, given with `--labels`
//!   ([`ReadOptions::labels`]); a numeric label without it is a problem that says so. Such a
//!   record holds every user's annotations; spans of more than one user in one record are a
//!   problem (goldspan reads one annotator at a time). The "text label" export of those
//!   versions is `{"id", "text", "labels": [[start, end, "LABEL"]], "meta"}`.
//!
//! `"label"` and `"labels"` are read alike (a record with both is a problem); spans of
//! `"label"`, `"entities"` and `"annotations"` are `T1`, `T2`, ... in that order, relations
//! `R1`, `R2`, ... `"id"` may be a number or a string; without one, the document is
//! `{file stem}-{n}` (`n` the 1-based record number, 4 digits). Scalar values of `"meta"` and
//! every other key (strings, numbers and booleans as their JSON text) become metadata; other
//! values (`"Comments": []`, `"annotation_approver": null`) are ignored. The same span twice
//! in one record (doccano's own `example_overlapping.jsonl` import fixture has one) is a
//! problem: as gold it would cost a perfect prediction half its recall.
//!
//! # Offsets
//!
//! doccano's offsets are what its annotation screen measured in the browser:
//!
//! - 1.0 to 1.4 (`frontend/components/.../EntityItemBox.vue`): `[...text].length`, JavaScript's
//!   spread iterating by code point: **code points**.
//! - 1.5 and later (the `v-annotator` component, 0.1.24 to 0.1.28 in `frontend/package.json`):
//!   DOM selection offsets plus JavaScript string lengths, i.e. **UTF-16 code units**.
//!   v-annotator names them "code point" offsets, but its own test (`text.spec.ts`) gives
//!   "👶🏻👦🏻👧🏻👨🏻" a `codePointLength` of 16, which is UTF-16 (8 code points). With the
//!   project option "Count grapheme clusters as one character" (`grapheme_mode`), the offsets
//!   are converted to **grapheme clusters** before they are saved.
//!
//! Records with `"annotations"` (1.0 to 1.2) are therefore read in code points, all others in
//! UTF-16 code units; `--offset-unit` ([`ReadOptions::offset_unit`]) overrides both (`grapheme`
//! for grapheme mode, `codepoint` for a 1.3 or 1.4 export, whose `"data"` records cannot be told
//! from 1.5's). No span carries its text, so nothing can be checked; when the unit was assumed
//! and spans follow a character these units count differently (outside the Basic Multilingual
//! Plane, or a grapheme cluster of several code points: an emoji, a combining accent, CRLF), a
//! note ([`crate::Collection::notes`]) names the unit assumed.
//!
//! # Writing
//!
//! `{"id", "text", "label": [[start, end, "LABEL"]], ...metadata}` in UTF-16 code units, what
//! doccano 1.7 exports and what every doccano since 1.5 imports and displays correctly.
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

use crate::format::{Collection, ReadOptions};
use goldspan_model::text::OffsetUnit;
use goldspan_model::{AnnotatedDocument, Annotations, Error, Location, Meta, ProblemKind, Problems, Relation, Span};
use serde::Serialize;
use serde_json::{Map, Value};

use crate::tool_json::{
    id_of, offset, read_lines, scalar, to_json, triple, writable_meta, writable_spans, write_lines, JsonlRecords,
    OffsetReader, Reading,
};

/// Keys of a doccano record that are not metadata.
const DOCCANO_KEYS: [&str; 7] = ["id", "text", "label", "labels", "entities", "relations", "annotations"];

/// Reads a doccano JSONL export. See the module doc.
pub fn read(path: &Path, options: &ReadOptions) -> Result<Collection, Error> {
    let mut r = Reading::new(path, options, OffsetUnit::Utf16);
    let mut records = Doccano { labels: None, labels_file: String::new() };
    if let Some(file) = &options.labels {
        records.labels = read_label_table(file, &mut r.problems);
        records.labels_file = file.display().to_string();
    }
    read_lines(&mut r, path, &mut records);
    r.note_assumed_units(why_unit);
    r.into_collection(options)
}

/// Why a doccano file is taken to count in `unit`, and what else it may count in.
fn why_unit(unit: OffsetUnit) -> &'static str {
    match unit {
        OffsetUnit::CodePoint => "as doccano 1.0 to 1.4 counted, whose exports have \"annotations\"",
        _ => "as doccano 1.5 and later count (1.0 to 1.4 counted code points; grapheme mode counts grapheme clusters)",
    }
}

/// doccano's label export, `[{"id": 3, "text": "PERSON", ...}]`, as label id to name.
fn read_label_table(path: &Path, problems: &mut Problems) -> Option<HashMap<String, String>> {
    let at = Location::file(path);
    let json = match std::fs::read_to_string(path) {
        Ok(json) => json,
        Err(e) => {
            problems.push(at, ProblemKind::Io(e));
            return None;
        }
    };
    let json = json.strip_prefix('\u{feff}').unwrap_or(&json);
    let labels = match serde_json::from_str::<Value>(json) {
        Ok(Value::Array(labels)) => labels,
        Ok(_) => {
            let message = "expected doccano's label export: a JSON list of {\"id\", \"text\", ...}".into();
            problems.push(at, ProblemKind::Syntax { message });
            return None;
        }
        Err(e) => {
            let message = crate::tool_json::json_error(&e, e.column());
            problems.push(at.at_line(e.line()), ProblemKind::Syntax { message });
            return None;
        }
    };
    let mut table = HashMap::new();
    for (i, label) in labels.iter().enumerate() {
        match (label.get("id").and_then(id_of), label.get("text").and_then(Value::as_str)) {
            (Some(id), Some(name)) => {
                table.insert(id, name.to_owned());
            }
            _ => {
                let message = format!("label {}: expected {{\"id\", \"text\"}}, found {label}", i + 1);
                problems.push(at.clone(), ProblemKind::Syntax { message });
            }
        }
    }
    Some(table)
}

/// The records of one doccano file, with the label table that names numeric label ids.
struct Doccano {
    labels: Option<HashMap<String, String>>,
    labels_file: String,
}

impl JsonlRecords for Doccano {
    fn text_keys(&self) -> &'static [&'static str] {
        &["text", "data"]
    }

    fn read(
        &mut self,
        r: &mut Reading<'_>,
        obj: &Map<String, Value>,
        text: &str,
        at: &Location,
    ) -> (Meta, Annotations) {
        // doccano 1.0 to 1.4 counted code points; only 1.0 to 1.2 wrote "annotations".
        let unit = if obj.contains_key("annotations") && !r.unit_given { OffsetUnit::CodePoint } else { r.unit };
        let offsets = OffsetReader::new(text, unit);
        let mut annotations = Annotations::default();
        let mut count = 0;
        read_label(r, obj, &offsets, at, &mut count, &mut annotations.spans);
        read_entities(r, obj, &offsets, at, &mut count, &mut annotations);
        self.read_annotations(r, obj, &offsets, at, &mut count, &mut annotations.spans);
        r.check_duplicates(at, &annotations.spans);
        // 1.0 to 1.4 counted code points, 1.5 and later UTF-16 or, in grapheme mode, clusters.
        let others = &[OffsetUnit::CodePoint, OffsetUnit::Utf16, OffsetUnit::Grapheme];
        r.assume_unit(at.document.as_deref().unwrap_or_default(), text, (unit, others), &annotations.spans);
        (metadata(obj), annotations)
    }
}

/// The next span id, `T1`, `T2`, ... counting every span a record lists, read or not.
fn next_id(count: &mut usize) -> String {
    *count += 1;
    format!("T{count}")
}

/// `"label"` (or `"labels"`): `[[start, end, "LABEL"], ...]`.
fn read_label(
    r: &mut Reading<'_>,
    obj: &Map<String, Value>,
    offsets: &OffsetReader,
    at: &Location,
    count: &mut usize,
    spans: &mut Vec<Span>,
) {
    let labels = match (obj.get("label"), obj.get("labels")) {
        (Some(label), Some(_)) => {
            r.syntax(at, "the record has both \"label\" and \"labels\"; \"labels\" is ignored".into());
            Some(label)
        }
        (label, labels) => label.or(labels),
    };
    let items = match labels.map(Value::as_array) {
        None => return,
        Some(None) => return r.syntax(at, "\"label\" must be a list of [start, end, \"LABEL\"]".into()),
        Some(Some(items)) => items,
    };
    for (i, item) in items.iter().enumerate() {
        let id = next_id(count);
        let Some((start, end, label)) = triple(item) else {
            r.syntax(at, format!("label {}: expected [start, end, \"LABEL\"], found {item}", i + 1));
            continue;
        };
        match r.span(offsets, id, label, start, end) {
            Ok(span) => spans.push(span),
            Err(kind) => r.problems.push(at.clone(), kind),
        }
    }
}

/// The relation export: `"entities"` with ids, and `"relations"` between them.
fn read_entities(
    r: &mut Reading<'_>,
    obj: &Map<String, Value>,
    offsets: &OffsetReader,
    at: &Location,
    count: &mut usize,
    annotations: &mut Annotations,
) {
    let mut entity_ids: HashMap<String, String> = HashMap::new();
    match obj.get("entities").map(Value::as_array) {
        None => {}
        Some(None) => r.syntax(at, "\"entities\" must be a list of objects".into()),
        Some(Some(items)) => {
            for (i, item) in items.iter().enumerate() {
                let id = next_id(count);
                let field = |name: &str| item.get(name);
                let (Some(start), Some(end), Some(label)) = (
                    offset(field("start_offset")),
                    offset(field("end_offset")),
                    field("label").and_then(Value::as_str),
                ) else {
                    let message = format!(
                        "entity {}: expected \"start_offset\", \"end_offset\" and \"label\", found {item}",
                        i + 1
                    );
                    r.syntax(at, message);
                    continue;
                };
                if let Some(entity) = field("id").and_then(id_of) {
                    entity_ids.insert(entity, id.clone());
                }
                match r.span(offsets, id, label, start, end) {
                    Ok(span) => annotations.spans.push(span),
                    Err(kind) => r.problems.push(at.clone(), kind),
                }
            }
        }
    }
    let items = match obj.get("relations").map(Value::as_array) {
        None => return,
        Some(None) => return r.syntax(at, "\"relations\" must be a list of objects".into()),
        Some(Some(items)) => items,
    };
    for (i, item) in items.iter().enumerate() {
        let id = format!("R{}", i + 1);
        let (Some(from), Some(to), Some(kind)) = (
            item.get("from_id").and_then(id_of),
            item.get("to_id").and_then(id_of),
            item.get("type").and_then(Value::as_str),
        ) else {
            r.syntax(at, format!("relation {}: expected \"from_id\", \"to_id\" and \"type\", found {item}", i + 1));
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

impl Doccano {
    /// doccano 1.0 to 1.2's `"annotations"`: label ids, and every user's annotations.
    fn read_annotations(
        &self,
        r: &mut Reading<'_>,
        obj: &Map<String, Value>,
        offsets: &OffsetReader,
        at: &Location,
        count: &mut usize,
        spans: &mut Vec<Span>,
    ) {
        let items = match obj.get("annotations").map(Value::as_array) {
            None => return,
            Some(None) => return r.syntax(at, "\"annotations\" must be a list of objects".into()),
            Some(Some(items)) => items,
        };
        let users: BTreeSet<String> = items.iter().filter_map(|a| a.get("user").and_then(id_of)).collect();
        if users.len() > 1 {
            let list: Vec<&str> = users.iter().map(String::as_str).collect();
            let what = format!(
                "annotations by {} users ({}) in one record: goldspan reads one annotator's spans at a time; keep \
                 one user's, e.g. jq -c '.annotations |= map(select(.user == {}))'",
                users.len(),
                list.join(", "),
                list[0]
            );
            return r.problems.push(at.clone(), ProblemKind::Unsupported { what });
        }
        for (i, item) in items.iter().enumerate() {
            let id = next_id(count);
            let (Some(start), Some(end)) = (offset(item.get("start_offset")), offset(item.get("end_offset"))) else {
                let message =
                    format!("annotation {}: expected \"start_offset\" and \"end_offset\", found {item}", i + 1);
                r.syntax(at, message);
                continue;
            };
            let label = match self.label(item.get("label")) {
                Ok(label) => label,
                Err(message) => {
                    r.syntax(at, format!("annotation {}: {message}", i + 1));
                    continue;
                }
            };
            match r.span(offsets, id, label, start, end) {
                Ok(span) => spans.push(span),
                Err(kind) => r.problems.push(at.clone(), kind),
            }
        }
    }

    /// An annotation's label: a name, or a label id named by the label export.
    fn label<'v>(&'v self, label: Option<&'v Value>) -> Result<&'v str, String> {
        match label {
            Some(Value::String(name)) => Ok(name),
            Some(number @ Value::Number(_)) => {
                let key = number.to_string();
                match self.labels.as_ref().map(|table| table.get(&key)) {
                    Some(Some(name)) => Ok(name),
                    Some(None) => Err(format!("label id {key} is not in the label file {}", self.labels_file)),
                    None => Err(format!(
                        "label {key} is a doccano label id; name the labels with --labels and the project's label \
                         export (project_N_labels.json)"
                    )),
                }
            }
            other => Err(format!("expected a \"label\" id or name, found {}", other.unwrap_or(&Value::Null))),
        }
    }
}

/// Scalar values of `"meta"` and of every key that is not doccano's own.
fn metadata(obj: &Map<String, Value>) -> Meta {
    let text_key = if obj.get("text").is_some_and(Value::is_string) { "text" } else { "data" };
    let mut meta = Meta::new();
    if let Some(Value::Object(fields)) = obj.get("meta") {
        meta.extend(fields.iter().filter_map(|(k, v)| Some((k.clone(), scalar(v)?))));
    }
    let flat = obj
        .iter()
        .filter(|(k, v)| !DOCCANO_KEYS.contains(&k.as_str()) && *k != text_key && !(*k == "meta" && v.is_object()));
    meta.extend(flat.filter_map(|(k, v)| Some((k.clone(), scalar(v)?))));
    meta
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
pub fn write(path: &Path, docs: &[AnnotatedDocument]) -> Result<Vec<String>, Error> {
    let mut lost = Vec::new();
    let mut lines = Vec::new();
    for doc in docs {
        let spans = writable_spans(doc, OffsetUnit::Utf16, false, false, &mut lost);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tool_json::test_support::*;

    /// Reads `contents` as a doccano export with `options`.
    fn read_str(contents: &str, options: &ReadOptions) -> Result<Collection, Error> {
        let (_dir, path) = file("export.jsonl", contents);
        read(&path, options)
    }

    fn read_ok(contents: &str, options: &ReadOptions) -> Collection {
        read_str(contents, options).unwrap_or_else(|e| panic!("reads: {e}"))
    }

    fn meta(doc: &AnnotatedDocument) -> Vec<(&str, &str)> {
        doc.document.meta().iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
    }

    #[test]
    fn doccano_utf16_offsets_become_code_points() {
        // doccano 1.7+ sequence labeling export (data_export/pipeline/factories.py): "text",
        // "label" as [start, end, "LABEL"] triples, "Comments", metadata flattened. UTF-16
        // offsets (v-annotator): each emoji counts 2, so Zoë is 3..6, 李雷 11..13, Liz Truss 26..35.
        let line = format!(
            r#"{{"id": 1, "text": {}, "label": [[3, 6, "PERSON"], [11, 13, "PERSON"], [26, 35, "PERSON"]], "Comments": [], "source": "wire", "year": 2024}}"#,
            json(TEXT)
        );
        let read = read_ok(&format!("{line}\n\n"), &options(Some(manifest()), "unused"));
        assert_eq!(read.documents.len(), 1);
        assert_eq!(read.documents[0].document.id(), "1");
        assert_eq!(spans(&read.documents[0]), expected_people());
        assert_eq!(meta(&read.documents[0]), [("source", "wire"), ("year", "2024")]);
    }

    #[test]
    fn doccano_data_key_holds_the_text() {
        // doccano 1.3 to 1.6 (api/views/download/writer.py, data_export/pipeline/writers.py):
        // {"id", "data", "label", **metadata}, the text under "data".
        let line = format!(
            r#"{{"id": 9, "data": {}, "label": [[3, 6, "PERSON"], [11, 13, "PERSON"], [26, 35, "PERSON"]], "desk": "politics"}}"#,
            json(TEXT)
        );
        let read = read_ok(&line, &options(None, "entities"));
        assert_eq!(read.documents[0].document.id(), "9");
        assert_eq!(spans(&read.documents[0]), expected_people());
        assert_eq!(meta(&read.documents[0]), [("desk", "politics")]);
    }

    #[test]
    fn doccano_1x_annotations_name_label_ids_from_the_label_export() {
        // doccano 1.0 to 1.2 JSONL export (app/api/utils.py, JSONPainter.paint over
        // DocumentSerializer): {"id", "text", "annotations": [{"label": <label id>,
        // "start_offset", "end_offset", "user"}], "meta": {...}, "annotation_approver"}. Its
        // front end (EntityItemBox.vue) counted [...text].length: code points, so Zoë is 2..5.
        // The label export (frontend/store/labels.js, exportLabels) is a JSON list of
        // LabelSerializer's fields: id, text, prefix_key, suffix_key, background_color, text_color.
        let labels = r##"[{"id": 4, "text": "PERSON", "prefix_key": null, "suffix_key": "p", "background_color": "#209cee", "text_color": "#ffffff"},
 {"id": 5, "text": "GPE", "prefix_key": "ctrl", "suffix_key": "g", "background_color": "#7c20e0", "text_color": "#ffffff"}]"##;
        let (_labels_dir, labels_path) = file("project_3_labels.json", labels);
        let line = format!(
            r#"{{"id": 1, "text": {}, "annotations": [{{"label": 4, "start_offset": 2, "end_offset": 5, "user": 1}}, {{"label": 4, "start_offset": 10, "end_offset": 12, "user": 1}}, {{"label": 4, "start_offset": 23, "end_offset": 32, "user": 1}}], "meta": {{"source": "wire", "page": 3}}, "annotation_approver": null}}"#,
            json(TEXT)
        );
        let with_labels = ReadOptions { labels: Some(labels_path), ..options(None, "entities") };
        let read = read_ok(&line, &with_labels);
        assert_eq!(spans(&read.documents[0]), expected_people());
        assert_eq!(meta(&read.documents[0]), [("page", "3"), ("source", "wire")]);
        // The unit was assumed (1.x counted code points), spans follow an emoji: a note says so.
        assert_eq!(read.notes.len(), 1, "{:?}", read.notes);
        assert!(
            read.notes[0].starts_with("offsets read as code points, as doccano 1.0 to 1.4 counted"),
            "{}",
            read.notes[0]
        );
        assert!(
            read.notes[0].contains("characters before 3 spans in 1 document (first: 1) count differently"),
            "{}",
            read.notes[0]
        );

        // Without the label export, a label id cannot be named: the problem says what to give.
        let err = read_str(&line, &options(None, "entities")).expect_err("label ids without names");
        let problems = err.problems();
        assert_eq!(problems.len(), 3);
        let shown = problems[0].to_string();
        assert!(shown.contains("export.jsonl:1: document 1") && shown.contains("--labels"), "{shown}");

        // A label id the export does not list.
        let line = r#"{"id": 2, "text": "Paris", "annotations": [{"label": 6, "start_offset": 0, "end_offset": 5, "user": 1}]}"#;
        let err = read_str(line, &with_labels).expect_err("unknown label id");
        assert!(err.problems()[0].to_string().contains("label id 6 is not in the label file"), "{err}");
    }

    #[test]
    fn doccano_1x_annotations_of_several_users_are_a_problem() {
        // JSONPainter serialises documents without a request, so every user's annotations are
        // in the record (DocumentSerializer.get_annotations filters by user only with one).
        let line = r#"{"id": 1, "text": "Paris", "annotations": [{"label": "GPE", "start_offset": 0, "end_offset": 5, "user": 1}, {"label": "GPE", "start_offset": 0, "end_offset": 5, "user": 4}], "meta": {}}"#;
        let err = read_str(line, &options(None, "entities")).expect_err("two annotators");
        let shown = err.problems()[0].to_string();
        assert!(shown.contains("annotations by 2 users (1, 4)") && shown.contains("select(.user == 1)"), "{shown}");
    }

    #[test]
    fn doccano_grapheme_mode_offsets_count_clusters() {
        // With the project option grapheme_mode, v-annotator's TextSelector converts offsets
        // to grapheme clusters (Text.toGraphemeOffset). "👨‍👩‍👧 Zoë in 🇫🇷 Paris": the family
        // (5 code points) and the flag (2) are one cluster each, so Zoë is clusters 2..5 (code
        // points 6..9) and Paris clusters 11..16 (code points 16..21).
        let text = "\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467} Zo\u{EB} in \u{1F1EB}\u{1F1F7} Paris";
        let line = format!(r#"{{"id": "g", "text": {}, "label": [[2, 5, "PERSON"], [11, 16, "GPE"]]}}"#, json(text));
        let grapheme = ReadOptions { offset_unit: Some(OffsetUnit::Grapheme), ..options(Some(manifest()), "x") };
        let read = read_ok(&line, &grapheme);
        let found: Vec<_> = spans(&read.documents[0]).into_iter().map(|s| (s.2, s.3, s.4, s.5)).collect();
        assert_eq!(found, [("PERSON".into(), 6, 9, "Zo\u{EB}".into()), ("GPE".into(), 16, 21, "Paris".into())]);
        // The unit was given: no note.
        assert_eq!(read.notes, Vec::<String>::new());
    }

    #[test]
    fn doccano_assumed_utf16_is_noted_when_astral_characters_precede_spans() {
        let lines = [
            r#"{"id": "plain", "text": "Zoë met Liz", "label": [[0, 3, "PERSON"]]}"#,
            r#"{"id": "emoji", "text": "😀 Zoë met Liz", "label": [[3, 6, "PERSON"], [11, 14, "PERSON"]]}"#,
            r#"{"id": "after", "text": "Zoë 😀", "label": [[0, 3, "PERSON"]]}"#,
        ];
        let read = read_ok(&lines.join("\n"), &options(None, "entities"));
        assert_eq!(read.notes.len(), 1, "{:?}", read.notes);
        let note = &read.notes[0];
        assert!(note.starts_with("offsets read as UTF-16 code units, as doccano 1.5 and later count"), "{note}");
        assert!(note.contains("characters before 2 spans in 1 document (first: emoji) count differently"), "{note}");
        assert!(note.contains("count differently in code points or grapheme clusters (characters outside"), "{note}");
        assert!(note.ends_with("read the file again with --offset-unit codepoint or --offset-unit grapheme"), "{note}");
        let given = ReadOptions { offset_unit: Some(OffsetUnit::Utf16), ..options(None, "entities") };
        assert_eq!(read_ok(&lines.join("\n"), &given).notes, Vec::<String>::new());
    }

    #[test]
    fn doccano_grapheme_offsets_read_as_utf16_are_noted() {
        // A grapheme-mode project over text whose clusters are all in the Basic Multilingual
        // Plane: "Cafe\u{301} Zoë" (e + combining acute is one cluster of two code points).
        // Zoë is clusters 5..8, code points 6..9. Read as UTF-16, 5..8 is " Zo": shifted, and
        // nothing in the file can tell; the note says which unit was assumed.
        let line = r#"{"id": "g", "text": "Cafe\u0301 Zoë", "label": [[5, 8, "PERSON"]]}"#;
        let read = read_ok(line, &options(None, "entities"));
        assert_eq!(spans(&read.documents[0])[0].5, " Zo");
        assert_eq!(read.notes.len(), 1, "{:?}", read.notes);
        assert!(
            read.notes[0].contains("characters before 1 span in 1 document (first: g) count differently"),
            "{}",
            read.notes[0]
        );
        let grapheme = ReadOptions { offset_unit: Some(OffsetUnit::Grapheme), ..options(None, "entities") };
        let read = read_ok(line, &grapheme);
        assert_eq!(spans(&read.documents[0])[0].5, "Zoë");
        assert_eq!(read.notes, Vec::<String>::new());
    }

    #[test]
    fn doccano_import_meta_object_becomes_metadata() {
        // doccano's import format (data_import/tests/data/sequence_labeling/example.jsonl):
        // {"text", "label": [[start, end, "LABEL"]], "meta": {...}}.
        let line = r#"{"text": "exampleA", "label": [[0, 1, "LOC"]], "meta": {"wikiPageID": 1, "tags": ["a"]}}"#;
        let read = read_ok(line, &options(None, "entities"));
        assert_eq!(read.documents[0].document.id(), "export-0001");
        assert_eq!(meta(&read.documents[0]), [("wikiPageID", "1")]);
    }

    #[test]
    fn doccano_duplicate_spans_are_a_problem() {
        // doccano's own import fixture data_import/tests/data/sequence_labeling/
        // example_overlapping.jsonl labels the same span twice.
        let line = r#"{"text": "exampleA", "label": [[0, 1, "LOC"], [0, 1, "LOC"]], "meta": {"wikiPageID": 1}}"#;
        let err = read_str(line, &options(None, "entities")).expect_err("duplicate span");
        let problems = err.problems();
        assert_eq!(problems.len(), 1, "{err}");
        assert!(
            matches!(&problems[0].kind, ProblemKind::DuplicateSpan { span, first } if span == "T2" && first == "T1"),
            "{}",
            problems[0]
        );
    }

    #[test]
    fn doccano_json_documents_are_one_problem() {
        // doccano's relation-extraction export example (data_export/pipeline/examples/
        // relation_extraction/example.jsonl) is pretty-printed, and its JSON export is an array.
        let pretty = "{\n    \"text\": \"Google was founded\",\n    \"entities\": [\n        {\n            \"id\": 0,\n            \"start_offset\": 0,\n            \"end_offset\": 6,\n            \"label\": \"ORG\"\n        }\n    ],\n    \"relations\": []\n}\n";
        let array = r#"[{"id": 1, "data": "Google", "label": [[0, 6, "ORG"]]}]"#;
        let indented = "{\"text\": \"Google\",\n \"label\": [[0, 6, \"ORG\"]]}\n";
        for (contents, found) in [
            (pretty, "pretty-printed, objects spread over several lines"),
            (array, "an array"),
            (indented, "pretty-printed, objects spread over several lines"),
        ] {
            let err = read_str(contents, &options(None, "entities")).expect_err("not JSON Lines");
            let problems = err.problems();
            assert_eq!(problems.len(), 1, "{err}");
            assert!(matches!(problems[0].kind, ProblemKind::NotJsonLines { found: f } if f == found), "{err}");
            assert!(problems[0].to_string().contains("export.jsonl:1: this is a JSON document"), "{err}");
        }
    }

    #[test]
    fn doccano_reader_refuses_prodigy_records() {
        // A Prodigy db-out record read as doccano: "spans" is no doccano key, and used to give
        // a document without spans.
        let line = r#"{"text": "Zoë met Liz", "spans": [{"start": 0, "end": 3, "token_start": 0, "token_end": 0, "label": "PERSON"}], "answer": "accept"}"#;
        let err = read_str(line, &options(None, "entities")).expect_err("Prodigy record");
        assert!(err.to_string().contains("--from prodigy"), "{err}");
    }

    #[test]
    fn doccano_relation_export_reads_entities_and_relations() {
        // doccano 1.7+ with relation labeling on (factories.py: DictFormatter over Spans and
        // Relations): "entities" {id, label, start_offset, end_offset}, "relations" {id,
        // from_id, to_id, type}.
        let line = format!(
            r#"{{"text": {}, "entities": [{{"id": 17, "label": "Source", "start_offset": 26, "end_offset": 35}}, {{"id": 18, "label": "Quote", "start_offset": 3, "end_offset": 6}}], "relations": [{{"id": 2, "from_id": 18, "to_id": 17, "type": "speaker"}}]}}"#,
            json(TEXT)
        );
        let (_dir, path) = file("rel.jsonl", &line);
        let docs = read(&path, &options(Some(manifest()), "unused")).expect("reads").documents;
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
        let err = read(&path, &options(Some(manifest()), "entities")).expect_err("bad input");
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
        assert!(problems[4].to_string().contains("no \"text\" or \"data\" string"), "{}", problems[4]);
        assert!(matches!(problems[5].kind, ProblemKind::Syntax { .. }), "both label and labels");
        assert!(matches!(problems[6].kind, ProblemKind::UnknownLabel { .. }), "{}", problems[6]);
        assert!(matches!(problems[7].kind, ProblemKind::DuplicateId { first_line: Some(1), .. }), "{}", problems[7]);
        let shown = problems[1].to_string();
        assert!(shown.contains(":3:") && shown.contains("document d2"), "{shown}");
        assert!(problems[0].to_string().contains("invalid JSON at column"), "{}", problems[0]);
    }

    proptest::proptest! {
        #[test]
        fn doccano_write_then_read_is_identity(docs in documents(false)) {
            round_trip(&docs, write, |path, options| read(path, options).map(|c| c.documents))?;
        }
    }
}
