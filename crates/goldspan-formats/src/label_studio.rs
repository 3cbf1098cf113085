//! Label Studio's JSON export, read into documents and written from them.
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
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::format::ReadOptions;
use goldspan_model::text::{self, OffsetDrift, OffsetUnit};
use goldspan_model::{
    AnnotatedDocument, Annotations, Document, Error, Location, Meta, ProblemKind, Problems, Relation, Span,
};
use serde::Serialize;
use serde_json::Value;

use crate::tool_json::{
    array_elements, guess_key, id_of, json_error, offset, scalar, to_json, writable_meta, writable_spans, OffsetReader,
    Reading,
};
use crate::{line_of_byte, read_text, write_atomic};

/// Reads a Label Studio JSON export (offsets in UTF-16 code units). See the module doc.
pub fn read(path: &Path, options: &ReadOptions) -> Result<Vec<AnnotatedDocument>, Error> {
    let mut r = Reading::new(path, options, OffsetUnit::Utf16);
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
    let offsets = OffsetReader::new(text, r.unit);
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
pub fn write(path: &Path, docs: &[AnnotatedDocument]) -> Result<Vec<String>, Error> {
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
    use crate::tool_json::test_support::*;

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
        let docs = read(&path, &options(None, "entities")).expect("reads");
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
        let err = read(&path, &options(None, "entities")).expect_err("not an array");
        assert_eq!(err.problems()[0].location.line, Some(2));
        let (_dir, path) = file("ls.json", "[{\"id\": 1, \"data\": {\"text\": \"x\"}},\n]");
        let err = read(&path, &options(None, "entities")).expect_err("stray comma");
        assert!(err.problems()[0].to_string().contains(":2:"), "{}", err.problems()[0]);
        let (_dir, path) = file("ls.json", " [ ] ");
        assert_eq!(read(&path, &options(None, "entities")).expect("empty export").len(), 0);
    }

    proptest::proptest! {
        #[test]
        fn label_studio_write_then_read_is_identity(docs in documents(true)) {
            round_trip(&docs, write, read)?;
        }
    }
}
