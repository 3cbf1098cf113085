//! doccano's JSONL export, read into documents and written from them.
//!
//! One object per line: `{"id": 1, "text": "...", "label": [[start, end, "LABEL"], ...]}`
//! (`"labels"` is accepted too), offsets in UTF-16 code units. The relation export of doccano,
//! `"entities": [{"id", "label", "start_offset", "end_offset"}]` with `"relations": [{"from_id",
//! "to_id", "type"}]`, reads too. `"id"` may be a number or a string; without one, the document
//! is `{file stem}-{n}` (`n` the 1-based record number, 4 digits). Every other key whose value is
//! a string, number or boolean becomes metadata; other values (`"Comments": []`) are ignored.
//! Spans are `T1`, `T2`, ... in file order, relations `R1`, `R2`, ...
//!
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use crate::format::ReadOptions;
use goldspan_model::text::OffsetUnit;
use goldspan_model::{AnnotatedDocument, Annotations, Error, Location, Meta, ProblemKind, Relation};
use serde::Serialize;
use serde_json::{Map, Value};

use crate::tool_json::{
    id_of, offset, read_jsonl, scalar, to_json, triple, writable_meta, writable_spans, write_lines, OffsetReader,
    Reading,
};

/// Keys of a doccano record that are not metadata.
const DOCCANO_KEYS: [&str; 6] = ["id", "text", "label", "labels", "entities", "relations"];

/// Reads a doccano JSONL export (offsets in UTF-16 code units). See the module doc.
pub fn read(path: &Path, options: &ReadOptions) -> Result<Vec<AnnotatedDocument>, Error> {
    read_jsonl(path, options, OffsetUnit::Utf16, doccano_record)
}

fn doccano_record(r: &mut Reading<'_>, obj: &Map<String, Value>, text: &str, at: &Location) -> (Meta, Annotations) {
    let offsets = OffsetReader::new(text, r.unit);
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

    #[test]
    fn doccano_utf16_offsets_become_code_points() {
        let line = format!(
            r#"{{"id": 1, "text": {}, "label": [[3, 6, "PERSON"], [11, 13, "PERSON"], [26, 35, "PERSON"]], "Comments": [], "source": "wire", "year": 2024}}"#,
            json(TEXT)
        );
        let (_dir, path) = file("export.jsonl", &format!("{line}\n\n"));
        let docs = read(&path, &options(Some(manifest()), "unused")).expect("reads");
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
        let docs = read(&path, &options(Some(manifest()), "unused")).expect("reads");
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
            round_trip(&docs, write, read)?;
        }
    }
}
