//! `llm-json`: the answers of a prompted language model, one JSON Lines record per document,
//! read as predictions given as text (no offsets) through a small mapping file, the schema,
//! that says where the document id, the answer, and the entities and quotations in the answer
//! are. Grounding (goldspan-score) places the strings in the gold text when they are scored.
//!
//! ```toml
//! id = "id"                 # where the document id is in each line
//! answer = "output"         # where the model's answer is: a JSON value, or a string holding one
//! # text = "text"           # where the document text is, when the lines carry it
//!
//! [entities]                # a list of objects ...
//! list = "entities"
//! text = "text"
//! label = "type"
//! # by_label = ""           # ... or an object: label -> list of strings ("" is the answer)
//!
//! [quotes]
//! list = "quotes"
//! text = "quote"
//! speaker = "speaker"       # optional
//! cue = "cue"               # optional
//! ```
//!
//! A path is keys and list indices joined by dots (`response.body.choices.0.message.content`);
//! the empty path is the value itself. An answer given as a string is parsed as JSON after the
//! first markdown code fence in it is unwrapped, or else from its first `{` or `[` to the
//! matching last `}` or `]` (models write "Here is the JSON:" before it). An answer that is
//! empty, missing or not JSON gives the document no predictions, and a note says which; a file
//! in which no answer is JSON is an error (the schema is likely wrong). Quotations take the
//! labels of the manifest's `[attribution]` (so a schema with `[quotes]` needs `--manifest`);
//! entity labels the manifest does not declare are kept, in `--layer`, and counted in a note
//! (a label map renames them when scoring). The documents read have no text unless the schema
//! names it, and are written (as `jsonl`) without one.

use std::collections::BTreeMap;
use std::path::Path;

use compact_str::CompactString;
use goldspan_model::text::OffsetUnit;
use goldspan_model::{
    AnnotatedDocument, Annotations, Document, Error, Location, Manifest, Meta, Problem, ProblemKind, Relation, TextSpan,
};
use serde::Deserialize;
use serde_json::Value;

use crate::format::{Collection, ReadOptions};
use crate::tool_json::{guess_key, id_of, json_error, plural, Reading};

/// The mapping file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SchemaV1 {
    id: String,
    answer: String,
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    entities: Option<EntitiesV1>,
    #[serde(default)]
    quotes: Option<QuotesV1>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct EntitiesV1 {
    #[serde(default)]
    list: Option<String>,
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    label: Option<String>,
    #[serde(default)]
    by_label: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct QuotesV1 {
    list: String,
    text: String,
    #[serde(default)]
    speaker: Option<String>,
    #[serde(default)]
    cue: Option<String>,
}

/// Where entities are in an answer.
#[derive(Debug)]
enum Entities {
    /// A list of items, each with a text and a label.
    List { list: String, text: String, label: String },
    /// An object from label to a list of strings (or one string).
    ByLabel(String),
}

/// The schema, checked; quotations with the manifest's names for them.
#[derive(Debug)]
struct Schema {
    id: String,
    answer: String,
    text: Option<String>,
    entities: Option<Entities>,
    quotes: Option<(QuotesV1, QuotationNames)>,
}

/// What the manifest calls a quotation, its speaker and its cue: (label, layer) of each, and
/// the relation types.
#[derive(Debug)]
struct QuotationNames {
    quotation: (String, String),
    speaker: Option<(String, String, String)>,
    cue: Option<(String, String, String)>,
}

fn schema_error(path: &Path, message: String) -> Error {
    Error::Invalid(vec![Problem::new(Location::file(path), ProblemKind::Syntax { message })])
}

fn read_schema(path: &Path, manifest: Option<&Manifest>) -> Result<Schema, Error> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error::Invalid(vec![Problem::new(Location::file(path), ProblemKind::Io(e))]))?;
    let raw: SchemaV1 = toml::from_str(&text).map_err(|e| {
        let line = e.span().map(|s| crate::line_of_byte(&text, s.start));
        let at = line.map_or_else(|| Location::file(path), |l| Location::file(path).at_line(l));
        Error::Invalid(vec![Problem::new(at, ProblemKind::Syntax { message: e.message().to_owned() })])
    })?;
    let entities = match raw.entities {
        None => None,
        Some(EntitiesV1 { list: None, text: None, label: None, by_label: Some(by_label) }) => {
            Some(Entities::ByLabel(by_label))
        }
        Some(EntitiesV1 { list: Some(list), text: Some(text), label: Some(label), by_label: None }) => {
            Some(Entities::List { list, text, label })
        }
        Some(_) => {
            return Err(schema_error(
                path,
                "[entities] takes either `list`, `text` and `label` (a list of items) or `by_label` (an object from label to strings)".into(),
            ))
        }
    };
    if entities.is_none() && raw.quotes.is_none() {
        return Err(schema_error(path, "the schema maps nothing: give an [entities] or a [quotes] section".into()));
    }
    let quotes = match raw.quotes {
        None => None,
        Some(q) => {
            let names = quotation_names(manifest).ok_or_else(|| {
                schema_error(
                    path,
                    "the schema maps quotations: give --manifest, a goldspan.toml whose [attribution] names the quotation label and its speaker and cue relations".into(),
                )
            })?;
            Some((q, names))
        }
    };
    Ok(Schema { id: raw.id, answer: raw.answer, text: raw.text, entities, quotes })
}

fn quotation_names(manifest: Option<&Manifest>) -> Option<QuotationNames> {
    let m = manifest?;
    let a = m.attribution.as_ref()?;
    let layer = |label: &str| m.layer_of(label).map(|l| l.name.clone());
    let tail = |relation: Option<&String>| {
        let kind = m.relation_type(relation?)?;
        let label = kind.tail.first()?;
        Some((kind.name.clone(), label.clone(), layer(label)?))
    };
    Some(QuotationNames {
        quotation: (a.quotation_label.clone(), layer(&a.quotation_label)?),
        speaker: tail(Some(&a.speaker_relation)),
        cue: tail(a.cue_relation.as_ref()),
    })
}

/// The value at a dotted path of keys and list indices; the empty path is `value` itself.
fn at_path<'v>(value: &'v Value, path: &str) -> Option<&'v Value> {
    if path.is_empty() {
        return Some(value);
    }
    path.split('.').try_fold(value, |v, key| match v {
        Value::Array(items) => items.get(key.parse::<usize>().ok()?),
        _ => v.get(key),
    })
}

/// The JSON inside a model's answer: the first markdown code fence's body if there is one,
/// else from the first `{` or `[` to the last `}` or `]`.
fn unwrap_answer(text: &str) -> &str {
    if let Some(open) = text.find("```") {
        let after = &text[open + 3..];
        // The fence line may name a language (```json).
        let body = after.find('\n').map_or(after, |n| &after[n + 1..]);
        return body.find("```").map_or(body, |close| &body[..close]).trim();
    }
    let start = text.find(['{', '[']);
    let end = text.rfind(['}', ']']);
    match (start, end) {
        (Some(s), Some(e)) if s < e => &text[s..=e],
        _ => text.trim(),
    }
}

/// A string, or a number as its JSON text.
fn string_of(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// What reading the answers noted, counted.
#[derive(Debug, Default)]
struct Tallies {
    not_json: Vec<String>,
    empty: Vec<String>,
    no_list: BTreeMap<&'static str, usize>,
    skipped: usize,
    undeclared: BTreeMap<String, usize>,
}

/// Reads `path` as model answers mapped by `options.schema`.
pub(crate) fn read(path: &Path, options: &ReadOptions) -> Result<Collection, Error> {
    let Some(schema_path) = options.schema.as_ref() else {
        return Err(schema_error(
            path,
            "llm-json needs --schema FILE, the mapping of where entities and quotations are in the answers (see examples/llm/schemas/)".into(),
        ));
    };
    let schema = read_schema(schema_path, options.manifest.as_ref())?;
    let mut r = Reading::new(path, options, OffsetUnit::CodePoint);
    let bytes = std::fs::read(path)
        .map_err(|e| Error::Invalid(vec![Problem::new(Location::file(path), ProblemKind::Io(e))]))?;
    let mut lines = crate::jsonl::Reader::new(&bytes[..], Location::file(path));
    let mut tallies = Tallies::default();
    let mut answered = 0;
    while let Some(next) = lines.next_line_ref() {
        let line = match next {
            Ok(line) => line,
            Err(problem) => {
                r.problems.0.push(problem);
                continue;
            }
        };
        let at = r.location.at_line(line.number);
        let mut bytes = line.bytes;
        if line.number == 1 {
            if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
                r.problems.push(at.clone(), ProblemKind::ByteOrderMark);
                bytes = rest;
            }
        }
        let json = match std::str::from_utf8(bytes) {
            Ok(json) => json.trim_end(),
            Err(e) => {
                r.problems.push(at, ProblemKind::InvalidUtf8 { byte: line.offset as usize + e.valid_up_to() });
                continue;
            }
        };
        let record: Value = match serde_json::from_str(json) {
            Ok(v) => v,
            Err(e) => {
                let at = match guess_key(json, &schema.id.split('.').collect::<Vec<_>>()) {
                    Some(id) => at.in_document(&id),
                    None => at,
                };
                r.syntax(&at, json_error(&e, e.column()));
                continue;
            }
        };
        let Some(id) = at_path(&record, &schema.id).and_then(id_of) else {
            r.syntax(&at, format!("the record has no document id at {:?} (the schema's `id`)", schema.id));
            continue;
        };
        let at = at.in_document(&id);
        let text = match schema.text.as_deref() {
            None => String::new(),
            Some(key) => match at_path(&record, key).and_then(Value::as_str) {
                Some(text) => text.to_owned(),
                None => {
                    r.syntax(&at, format!("the record has no text string at {key:?} (the schema's `text`)"));
                    continue;
                }
            },
        };
        let annotations = match answer_of(&record, &schema.answer) {
            Answer::Empty => {
                tallies.empty.push(id.clone());
                answered += 1;
                Annotations::default()
            }
            Answer::NotJson => {
                tallies.not_json.push(id.clone());
                Annotations::default()
            }
            Answer::Json(answer) => {
                answered += 1;
                read_answer(&answer, &schema, &mut r, &mut tallies)
            }
        };
        r.push_document(line.number, AnnotatedDocument { document: Document::new(id, text, Meta::new()), annotations });
    }
    if answered == 0 && !tallies.not_json.is_empty() {
        let at = r.location.clone();
        r.syntax(
            &at,
            format!(
                "no answer holds JSON at {:?} (the schema's `answer`), in {}: check the schema",
                schema.answer,
                plural(tallies.not_json.len(), "record")
            ),
        );
    }
    note(&mut r.notes, &tallies, &schema);
    r.into_collection(options)
}

/// A model's answer.
enum Answer {
    /// Missing, null, or an empty string: no predictions.
    Empty,
    /// A string that holds no JSON.
    NotJson,
    Json(Value),
}

fn answer_of(record: &Value, path: &str) -> Answer {
    match at_path(record, path) {
        None | Some(Value::Null) => Answer::Empty,
        Some(Value::String(s)) if s.trim().is_empty() => Answer::Empty,
        Some(Value::String(s)) => match serde_json::from_str(unwrap_answer(s)) {
            Ok(value) => Answer::Json(value),
            Err(_) => Answer::NotJson,
        },
        Some(value) => Answer::Json(value.clone()),
    }
}

/// The predictions in one answer, as text spans (and the relations of quotations' speakers
/// and cues), in the order the answer lists them.
fn read_answer(answer: &Value, schema: &Schema, r: &mut Reading<'_>, tallies: &mut Tallies) -> Annotations {
    let mut a = Annotations::default();
    let mut entity = |a: &mut Annotations, text: Option<String>, label: Option<String>| {
        let (Some(text), Some(label)) = (text.filter(|t| !t.trim().is_empty()), label.filter(|l| !l.is_empty())) else {
            tallies.skipped += 1;
            return;
        };
        let layer = match r.manifest.map(|m| m.layer_of(&label)) {
            Some(Some(layer)) => layer.name.clone(),
            Some(None) => {
                *tallies.undeclared.entry(label.clone()).or_default() += 1;
                r.default_layer.to_owned()
            }
            None => r.default_layer.to_owned(),
        };
        let id = format!("E{}", a.text_spans.len() + 1);
        a.text_spans.push(text_span(id, &layer, &label, text));
    };
    match &schema.entities {
        None => {}
        Some(Entities::List { list, text, label }) => match at_path(answer, list).and_then(Value::as_array) {
            None => *tallies.no_list.entry("entities").or_default() += 1,
            Some(items) => {
                for item in items {
                    entity(&mut a, string_of(at_path(item, text)), string_of(at_path(item, label)));
                }
            }
        },
        Some(Entities::ByLabel(path)) => match at_path(answer, path).and_then(Value::as_object) {
            None => *tallies.no_list.entry("entities").or_default() += 1,
            Some(labels) => {
                for (label, texts) in labels {
                    match texts {
                        Value::Array(items) => {
                            for item in items {
                                entity(&mut a, string_of(Some(item)), Some(label.clone()));
                            }
                        }
                        one => entity(&mut a, string_of(Some(one)), Some(label.clone())),
                    }
                }
            }
        },
    }
    let Some((q, names)) = &schema.quotes else { return a };
    let Some(items) = at_path(answer, &q.list).and_then(Value::as_array) else {
        *tallies.no_list.entry("quotes").or_default() += 1;
        return a;
    };
    for (n, item) in items.iter().enumerate() {
        let Some(text) = string_of(at_path(item, &q.text)).filter(|t| !t.trim().is_empty()) else {
            tallies.skipped += 1;
            continue;
        };
        let id = format!("Q{}", n + 1);
        let (label, layer) = &names.quotation;
        a.text_spans.push(text_span(id.clone(), layer, label, text));
        for (role, key, relation) in [("speaker", &q.speaker, &names.speaker), ("cue", &q.cue, &names.cue)] {
            let (Some(key), Some((kind, label, layer))) = (key, relation) else { continue };
            // No speaker (null, "") is no prediction.
            let Some(value) = string_of(at_path(item, key)).filter(|t| !t.trim().is_empty()) else { continue };
            let span_id = format!("{id}.{role}");
            a.relations.push(Relation {
                id: format!("{span_id}.rel"),
                kind: kind.clone(),
                head: id.clone(),
                tail: span_id.clone(),
            });
            a.text_spans.push(text_span(span_id, layer, label, value));
        }
    }
    a
}

fn text_span(id: String, layer: &str, label: &str, text: String) -> TextSpan {
    TextSpan {
        id: CompactString::from(id),
        layer: layer.into(),
        label: label.into(),
        text,
        occurrence: None,
        context: None,
    }
}

/// The notes of a file's reading.
fn note(notes: &mut Vec<String>, t: &Tallies, schema: &Schema) {
    let listed = |ids: &[String]| {
        let shown: Vec<&str> = ids.iter().take(5).map(String::as_str).collect();
        format!("{} ({}{})", ids.len(), shown.join(", "), if ids.len() > 5 { ", ..." } else { "" })
    };
    if !t.not_json.is_empty() {
        notes.push(format!(
            "answers holding no JSON at {:?}, read as no predictions: {}",
            schema.answer,
            listed(&t.not_json)
        ));
    }
    if !t.empty.is_empty() {
        notes.push(format!("empty or missing answers, read as no predictions: {}", listed(&t.empty)));
    }
    for (what, n) in &t.no_list {
        notes.push(format!("answers without {what} where the schema says, read as none: {n}"));
    }
    if t.skipped > 0 {
        notes.push(format!("items without a text or a label, skipped: {}", t.skipped));
    }
    if !t.undeclared.is_empty() {
        let labels: Vec<String> = t.undeclared.iter().map(|(l, n)| format!("{l} ×{n}")).collect();
        notes.push(format!(
            "labels the manifest does not declare, kept: {}; give a --label-map when scoring",
            labels.join(", ")
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tool_json::test_support::file;

    fn examples(name: &str) -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/llm/schemas").join(name)
    }

    fn news() -> Manifest {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../corpus/news/goldspan.toml");
        crate::gold::read_manifest(&path).expect("the news manifest")
    }

    /// A text span as (id, layer, label, text), or a relation as (type, head, tail, "").
    type Row = (String, String, String, String);

    /// The rows of every document read (text spans, then relations), and the notes.
    fn read_with(schema: &str, lines: &str) -> (Vec<Vec<Row>>, Vec<String>) {
        let (_dir, path) = file("answers.jsonl", lines);
        let options = ReadOptions { manifest: Some(news()), schema: Some(examples(schema)), ..ReadOptions::default() };
        let c = read(&path, &options).expect("reads");
        let docs = c
            .documents
            .iter()
            .map(|d| {
                let rels = d
                    .annotations
                    .relations
                    .iter()
                    .map(|r| (r.kind.clone(), r.head.clone(), r.tail.clone(), String::new()));
                d.annotations
                    .text_spans
                    .iter()
                    .map(|t| (t.id.to_string(), t.layer.to_string(), t.label.to_string(), t.text.clone()))
                    .chain(rels)
                    .collect()
            })
            .collect();
        (docs, c.notes)
    }

    fn row(id: &str, layer: &str, label: &str, text: &str) -> Row {
        (id.into(), layer.into(), label.into(), text.into())
    }

    #[test]
    fn entities_and_quotes_in_a_fenced_string_answer() {
        // The answer is a string holding JSON in a markdown fence, with prose around it.
        let line = r#"{"id": "d1", "output": "Here you go:\n```json\n{\"entities\": [{\"text\": \"Liz Truss\", \"type\": \"PERSON\"}, {\"text\": 2021, \"type\": \"DATE\"}], \"quotes\": [{\"quote\": \"It must.\", \"speaker\": \"Liz Truss\", \"cue\": null}]}\n```\nAnything else?"}"#;
        let (docs, notes) = read_with("entities-quotes.toml", line);
        assert_eq!(
            docs[0],
            vec![
                row("E1", "entities", "PERSON", "Liz Truss"),
                row("E2", "entities", "DATE", "2021"),
                row("Q1", "quotes", "Quote", "It must."),
                row("Q1.speaker", "quotes", "Source", "Liz Truss"),
                row("speaker", "Q1", "Q1.speaker", ""),
            ]
        );
        assert!(notes.is_empty(), "{notes:?}");
    }

    #[test]
    fn labels_as_keys() {
        let line = r#"{"id": "d1", "output": {"PERSON": ["Liz Truss", "Truss"], "GPE": "Russia", "LOCATION": []}}"#;
        let (docs, _) = read_with("by-label.toml", line);
        // serde_json's objects iterate in key order.
        assert_eq!(
            docs[0],
            vec![
                row("E1", "entities", "GPE", "Russia"),
                row("E2", "entities", "PERSON", "Liz Truss"),
                row("E3", "entities", "PERSON", "Truss"),
            ]
        );
    }

    #[test]
    fn batch_result_files_of_two_providers() {
        // OpenAI's Batch API output: {"id", "custom_id", "response": {"status_code", "body": a
        // chat completion}, "error"}; the answer is choices[0].message.content.
        let openai = r#"{"id": "batch_req_1", "custom_id": "d1", "response": {"status_code": 200, "request_id": "r1", "body": {"object": "chat.completion", "choices": [{"index": 0, "message": {"role": "assistant", "content": "{\"entities\": [[\"Liz Truss\", \"PERSON\"]]}"}}]}}, "error": null}"#;
        let (docs, _) = read_with("openai-batch.toml", openai);
        assert_eq!(docs[0], vec![row("E1", "entities", "PERSON", "Liz Truss")]);
        // Anthropic's Message Batches results: {"custom_id", "result": {"type": "succeeded",
        // "message": {"content": [{"type": "text", "text": ...}]}}}.
        let anthropic = r#"{"custom_id": "d1", "result": {"type": "succeeded", "message": {"role": "assistant", "content": [{"type": "text", "text": "{\"entities\": [[\"Russia\", \"GPE\"]]}"}]}}}"#;
        let (docs, _) = read_with("anthropic-batch.toml", anthropic);
        assert_eq!(docs[0], vec![row("E1", "entities", "GPE", "Russia")]);
    }

    #[test]
    fn unusable_answers_are_noted_not_dropped_silently() {
        let lines = [
            r#"{"id": "d1", "output": "I cannot help with that."}"#,
            r#"{"id": "d2", "output": ""}"#,
            r#"{"id": "d3", "output": {"entities": [{"text": "Kyiv"}, {"text": "Kyiv", "type": "CITY"}]}}"#,
        ]
        .join("\n");
        let (docs, notes) = read_with("entities-quotes.toml", &lines);
        assert_eq!(docs.len(), 3, "every document is read");
        assert!(docs[0].is_empty() && docs[1].is_empty());
        assert_eq!(docs[2], vec![row("E1", "entities", "CITY", "Kyiv")]);
        assert_eq!(
            notes,
            [
                "answers holding no JSON at \"output\", read as no predictions: 1 (d1)",
                "empty or missing answers, read as no predictions: 1 (d2)",
                "answers without quotes where the schema says, read as none: 1",
                "items without a text or a label, skipped: 1",
                "labels the manifest does not declare, kept: CITY ×1; give a --label-map when scoring",
            ]
        );
    }

    #[test]
    fn a_file_without_any_json_answer_is_an_error() {
        let (_dir, path) =
            file("answers.jsonl", "{\"id\": \"d1\", \"output\": \"{oops\"}\n{\"id\": \"d2\", \"output\": \"no\"}\n");
        let options = ReadOptions {
            manifest: Some(news()),
            schema: Some(examples("entities-quotes.toml")),
            ..ReadOptions::default()
        };
        let err = read(&path, &options).expect_err("no JSON anywhere").to_string();
        assert!(err.contains("no answer holds JSON at \"output\""), "{err}");
        let no_schema = read(&path, &ReadOptions::default()).expect_err("needs a schema").to_string();
        assert!(no_schema.contains("llm-json needs --schema FILE"), "{no_schema}");
        let no_manifest = ReadOptions { schema: Some(examples("entities-quotes.toml")), ..ReadOptions::default() };
        let err = read(&path, &no_manifest).expect_err("quotations need a manifest").to_string();
        assert!(err.contains("give --manifest"), "{err}");
    }

    #[test]
    fn answers_are_unwrapped_from_fences_and_prose() {
        assert_eq!(unwrap_answer("```json\n{\"a\": 1}\n```"), "{\"a\": 1}");
        assert_eq!(unwrap_answer("```\n[1]\n```"), "[1]");
        assert_eq!(unwrap_answer("Sure! {\"a\": {\"b\": 2}} Hope it helps."), "{\"a\": {\"b\": 2}}");
        assert_eq!(unwrap_answer("no json"), "no json");
    }
}
