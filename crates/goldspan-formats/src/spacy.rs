//! spaCy-style JSONL (`{"text", "ents"}`), read into documents and written from them.
//!
//! `{"id": "...", "text": "...", "ents": [[start, end, "LABEL"], ...], "meta": {...}}`, offsets
//! in code points; `ents` items may also be `{"start", "end", "label"}` objects (spaCy's
//! `Doc.to_json`). `id` is optional (`{file stem}-{n}` as for doccano); `meta` must be an object
//! of scalars. Other keys are ignored. Spans are `T1`, `T2`, ... in file order.
//!
use std::collections::BTreeMap;
use std::path::Path;

use crate::format::ReadOptions;
use goldspan_model::text::OffsetUnit;
use goldspan_model::{AnnotatedDocument, Annotations, Error, Location, Meta};
use serde::Serialize;
use serde_json::{Map, Value};

use crate::tool_json::{
    offset, read_jsonl, scalar, to_json, triple, writable_meta, writable_spans, write_lines, OffsetReader, Reading,
};

/// Reads spaCy-style JSONL (offsets in code points). See the module doc.
pub fn read(path: &Path, options: &ReadOptions) -> Result<Vec<AnnotatedDocument>, Error> {
    read_jsonl(path, options, OffsetUnit::CodePoint, spacy_record)
}

fn spacy_record(r: &mut Reading<'_>, obj: &Map<String, Value>, text: &str, at: &Location) -> (Meta, Annotations) {
    let offsets = OffsetReader::new(text, r.unit);
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

#[derive(Serialize)]
struct SpacyRecord<'a> {
    id: &'a str,
    text: &'a str,
    ents: Vec<(usize, usize, &'a str)>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    meta: BTreeMap<&'a str, &'a str>,
}

/// Writes spaCy-style JSONL (code-point offsets). Returns what could not be written.
pub fn write(path: &Path, docs: &[AnnotatedDocument]) -> Result<Vec<String>, Error> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tool_json::test_support::*;
    use goldspan_model::ProblemKind;

    #[test]
    fn spacy_offsets_are_code_points() {
        let line = format!(
            r#"{{"text": {}, "ents": [[2, 5, "PERSON"], {{"start": 10, "end": 12, "label": "PERSON"}}, [23, 32, "PERSON"]], "meta": {{"year": 2024}}}}"#,
            json(TEXT)
        );
        let (_dir, path) = file("spacy.jsonl", &line);
        let docs = read(&path, &options(None, "entities")).expect("reads");
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
        let err = read(&path, &options(None, "entities")).expect_err("bad input");
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

    proptest::proptest! {
        #[test]
        fn spacy_write_then_read_is_identity(docs in documents(false)) {
            round_trip(&docs, write, read)?;
        }
    }
}
