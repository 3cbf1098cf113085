//! Prodigy's JSONL (what `prodigy db-out` writes), read into documents and written from them.
//!
//! # Records
//!
//! One annotated task per line, as Prodigy's manual interfaces (`ner_manual`, `spans_manual`,
//! `relations`) save them ("Annotation interfaces" in Prodigy's documentation, and `db-out`
//! records such as explosion/projects' relation tutorial reads):
//!
//! - `text`, and `tokens`: `[{"text", "start", "end", "id", "ws"}]`, `id` the token's index and
//!   `ws` whether a space follows it;
//! - `spans`: `[{"start", "end", "token_start", "token_end", "label"}]`, character offsets end
//!   exclusive, token indices inclusive (a span over tokens 3 and 4 has `token_end` 4),
//!   sometimes with the covered `text` (and a model's `source`);
//! - `relations`: `[{"head", "child", "head_span", "child_span", "label"}]`, `head` and `child`
//!   the index of the last token of `head_span` and `child_span`, which are spans as above
//!   (their `label` is `null` when a relation links bare tokens);
//! - `answer`: `"accept"`, `"reject"` or `"ignore"`; `meta`: an object of anything; and
//!   Prodigy's own keys, all starting with `_`: `_input_hash`, `_task_hash`, `_view_id`,
//!   `_session_id`, `_annotator_id`, `_timestamp`.
//!
//! Offsets count code points: Prodigy is Python, and takes them from spaCy's tokens.
//!
//! # Reading
//!
//! - Only accepted answers are documents, by default: a rejected or ignored record is skipped
//!   without being checked, and a note counts them by answer. With `--answers all`
//!   ([`Answers::All`]) every record is read and a rejected or ignored one keeps its answer in
//!   metadata `"answer"`. A record without an answer (a task not yet annotated, perhaps
//!   pre-annotated) is read either way.
//! - The document id is `meta.id` (a string or a number), else `{file stem}-{n}`, `n` the
//!   record's number in the file (4 digits), counting every record so that ids do not depend on
//!   the answers read. `_input_hash` is not an id: every answer about one text shares it.
//!   Records sharing a `meta.id` are a problem (several annotators' sessions in one export:
//!   export one session at a time, or compare them with `goldspan agree`).
//! - Spans are `T1`, `T2`, ... in file order, in the manifest's layer for their label (else
//!   `--layer`). A span's `text`, when present, is checked against the text, and so is every
//!   token's: Prodigy's tokens are the covered text its spans can be checked by. A mismatch
//!   names the unit the offsets fit, if any. A span's `token_start`/`token_end` must cover
//!   its characters. The same span twice in a record is a problem.
//! - Relations are `R1`, `R2`, ... in file order, type = `label`, head and tail the spans
//!   `head_span` and `child_span` name (same offsets and label). A labelled argument that is
//!   not among the spans is added as one; a relation with an unlabelled argument (a bare token)
//!   is dropped, goldspan's relations linking labelled spans. Notes count both.
//! - Metadata: `meta`'s values (strings; numbers and booleans as their JSON text; lists and
//!   objects as their JSON text, with a note), Prodigy's `_` keys under their own names, and
//!   `answer` unless it is `accept`. Any other top-level key (`html`, `options`, ...) is
//!   ignored and named in a note. Tokens are kept as the metadata `tokenization` (see
//!   [`crate::tokenization`]; whitespace tokens aside), so that writing Prodigy or CoNLL again
//!   gives back the file's tokens.
//! - When neither tokens nor a span's text can confirm the unit and spans follow a character
//!   outside the Basic Multilingual Plane (where code points and a JavaScript tool's UTF-16
//!   part ways), a note names the unit assumed.
//!
//! # Writing
//!
//! One record per document: `text`, `tokens`, `spans` (with their `text`), `relations`,
//! `meta` (the document's metadata, all strings, with the document id as `meta.id`), `answer`
//! (metadata `"answer"`, else `"accept"`) and metadata keys starting with `_` at the top level,
//! `_input_hash`, `_task_hash` and `_timestamp` as numbers. Tokens are those the document
//! records (metadata `tokenization`, from a Prodigy or CoNLL file) when every span covers whole
//! ones; else words (letters and digits), single symbols, and whitespace runs, split wherever
//! a span starts or ends, so every span covers whole tokens as `ner_manual` needs. A single
//! space after a token is its `ws`. Discontinuous spans, clusters, attributes and notes cannot be written, nor span
//! layers (reading takes them from the manifest); the writer returns what it dropped.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

use goldspan_model::text::{self, OffsetUnit};
use goldspan_model::{AnnotatedDocument, Annotations, Error, Location, Meta, ProblemKind, Relation, Span};
use serde::Serialize;
use serde_json::{Map, Value};
use unicode_segmentation::UnicodeSegmentation;

use crate::format::{Collection, ReadOptions};
use crate::tokenization;
use crate::tool_json::{
    check_text, offset, offset_problem, plural, read_lines, scalar, to_json, writable_meta, writable_spans,
    write_lines, JsonlRecords, OffsetReader, Reading,
};

/// Which of a Prodigy file's records are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Answers {
    /// Records answered `accept`, and records without an answer.
    #[default]
    Accepted,
    /// Every record, `reject` and `ignore` too (their answer kept in metadata `"answer"`).
    All,
}

impl Answers {
    /// The command-line spelling: `accept` or `all`.
    pub fn name(self) -> &'static str {
        match self {
            Answers::Accepted => "accept",
            Answers::All => "all",
        }
    }

    /// Parses [`Answers::name`].
    pub fn parse(name: &str) -> Option<Answers> {
        [Answers::Accepted, Answers::All].into_iter().find(|a| a.name() == name)
    }
}

/// Top-level keys of a record that are read (others are ignored, with a note).
const KNOWN_KEYS: [&str; 6] = ["text", "tokens", "spans", "relations", "answer", "meta"];

/// Top-level keys written from metadata of these names, numbers where they parse as one.
const NUMERIC_KEYS: [&str; 3] = ["_input_hash", "_task_hash", "_timestamp"];

/// Reads a Prodigy JSONL file (offsets in code points). See the module doc.
pub fn read(path: &Path, options: &ReadOptions) -> Result<Collection, Error> {
    let mut r = Reading::new(path, options, OffsetUnit::CodePoint);
    let mut records = Prodigy { answers: options.answers, ..Prodigy::default() };
    read_lines(&mut r, path, &mut records);
    r.note_assumed_units(|_| "as Prodigy counts (its offsets come from spaCy's tokens)");
    r.notes.extend(records.notes());
    r.into_collection(options)
}

/// The records of one Prodigy file, and what reading them dropped, for the notes.
#[derive(Default)]
struct Prodigy {
    answers: Answers,
    /// Records skipped, by answer.
    skipped: BTreeMap<String, usize>,
    /// Top-level keys ignored: the number of records, and the first document.
    ignored: BTreeMap<String, (usize, String)>,
    /// `meta` keys whose lists or objects were kept as JSON text.
    nested_meta: BTreeMap<String, (usize, String)>,
    /// Relation arguments added as spans, and relations dropped for a bare-token argument.
    added: (usize, String),
    dropped: (usize, String),
}

impl Prodigy {
    fn notes(&self) -> Vec<String> {
        let mut notes = Vec::new();
        if !self.skipped.is_empty() {
            let counts: Vec<String> = self
                .skipped
                .iter()
                .map(|(answer, n)| format!("{} answered {answer:?}", plural(*n, "record")))
                .collect();
            notes.push(format!(
                "only accepted answers were read: {} skipped (--answers all reads them, with their answer in \
                 metadata \"answer\")",
                counts.join(", ")
            ));
        }
        for (key, (n, first)) in &self.ignored {
            notes.push(format!("top-level key {key:?} ignored in {} (first: {first})", plural(*n, "record")));
        }
        for (key, (n, first)) in &self.nested_meta {
            notes.push(format!(
                "meta {key:?} is a list or an object in {} (first: {first}); kept as its JSON text",
                plural(*n, "record")
            ));
        }
        if self.added.0 > 0 {
            notes.push(format!(
                "relation arguments not among the record's spans were added as spans: {} (first: {})",
                plural(self.added.0, "labelled argument"),
                self.added.1
            ));
        }
        if self.dropped.0 > 0 {
            notes.push(format!(
                "{} dropped: an argument is a bare token with no label, and goldspan relations link labelled \
                 spans (first: {})",
                plural(self.dropped.0, "relation"),
                self.dropped.1
            ));
        }
        notes
    }
}

/// Counts one more and remembers the first document.
fn count(entry: &mut (usize, String), document: &str) {
    if entry.0 == 0 {
        entry.1 = document.to_owned();
    }
    entry.0 += 1;
}

/// `{"start", "end", "label"}` of a relation argument; the label may be `null`.
fn argument(value: &Value) -> Option<(usize, usize, Option<&str>)> {
    let label = match value.get("label") {
        None | Some(Value::Null) => None,
        Some(label) => Some(label.as_str()?),
    };
    Some((offset(value.get("start"))?, offset(value.get("end"))?, label))
}

impl JsonlRecords for Prodigy {
    fn id_paths(&self) -> &'static [&'static [&'static str]] {
        &[&["meta", "id"]]
    }

    fn keep(&mut self, r: &mut Reading<'_>, obj: &Map<String, Value>, at: &Location) -> bool {
        match obj.get("answer") {
            None | Some(Value::Null) => true,
            Some(Value::String(answer)) if answer == "accept" => true,
            Some(Value::String(answer)) if answer == "reject" || answer == "ignore" => {
                if self.answers == Answers::All {
                    return true;
                }
                *self.skipped.entry(answer.clone()).or_default() += 1;
                false
            }
            Some(other) => {
                r.syntax(at, format!("\"answer\" must be \"accept\", \"reject\" or \"ignore\", found {other}"));
                false
            }
        }
    }

    fn read(
        &mut self,
        r: &mut Reading<'_>,
        obj: &Map<String, Value>,
        text: &str,
        at: &Location,
    ) -> (Meta, Annotations) {
        let document = at.document.as_deref().unwrap_or_default();
        let source =
            Source { text, unit: r.unit, offsets: OffsetReader::new(text, r.unit), table: text::Offsets::new(text) };
        let tokens = read_tokens(r, obj, &source, at);
        let mut spans = read_spans(r, obj, &source, at, &tokens);
        let relations = self.read_relations(r, obj, &source, at, &mut spans);
        r.check_duplicates(at, &spans.spans);
        if tokens.is_empty() {
            let unchecked = spans.spans.iter().filter(|s| !spans.checked.contains(s.id()));
            // A file of a JavaScript tool, labelled Prodigy, would count UTF-16 code units.
            r.assume_unit(document, text, (source.unit, &[OffsetUnit::Utf16]), unchecked);
        }
        let mut meta = self.metadata(r, obj, at);
        if let Some(value) = recorded_tokenization(&source, &tokens, &spans.spans) {
            meta.insert(tokenization::META_KEY.into(), value);
        }
        (meta, Annotations { spans: spans.spans, relations, ..Annotations::default() })
    }
}

/// A record's text, and how to turn its offsets (in the file's unit) into code points.
struct Source<'t> {
    text: &'t str,
    unit: OffsetUnit,
    offsets: OffsetReader,
    table: text::Offsets,
}

impl Source<'_> {
    /// Checks that the file's offsets `raw` exist and, when it says what they cover, that they
    /// cover `expected`.
    fn check(&self, what: &str, raw: (usize, usize), expected: Option<&str>) -> Result<(), ProblemKind> {
        (|| {
            let found = (self.offsets.code_point(what, raw.0)?, self.offsets.code_point(what, raw.1)?);
            match expected {
                Some(expected) => check_text(self.text, &self.table, self.unit, what, raw, found, expected),
                None => Ok(()),
            }
        })()
        .map_err(|kind| offset_problem(kind, self.text, self.unit, raw, expected))
    }
}

/// The record's tokens as (start, end) in the file's unit, each checked against the text;
/// `None` for a token that failed (and was reported).
fn read_tokens(
    r: &mut Reading<'_>,
    obj: &Map<String, Value>,
    source: &Source<'_>,
    at: &Location,
) -> Vec<Option<(usize, usize)>> {
    let items = match obj.get("tokens") {
        None | Some(Value::Null) => return Vec::new(),
        Some(Value::Array(items)) => items,
        Some(other) => {
            r.syntax(at, format!("\"tokens\" must be a list of objects, found {other}"));
            return Vec::new();
        }
    };
    let mut tokens = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let what = format!("token {i}");
        let (Some(start), Some(end)) = (offset(item.get("start")), offset(item.get("end"))) else {
            r.syntax(at, format!("{what}: expected \"start\" and \"end\", found {item}"));
            tokens.push(None);
            continue;
        };
        match source.check(&what, (start, end), item.get("text").and_then(Value::as_str)) {
            Ok(()) => tokens.push(Some((start, end))),
            Err(kind) => {
                r.problems.push(at.clone(), kind);
                tokens.push(None);
            }
        }
    }
    tokens
}

/// The record's tokens as a `tokenization` metadata value ([`crate::tokenization`]), so that
/// writing Prodigy or CoNLL again gives back exactly these tokens (`O'Gorman` stays one token
/// or three, as the file has it). Whitespace tokens are left out: the text keeps the
/// whitespace. `None` when the writer would make these tokens anyway (no record needed, so
/// goldspan's own files read back unchanged), when there are none, when one failed its
/// check, or when they cannot be recorded (a token holding whitespace).
fn recorded_tokenization(source: &Source<'_>, tokens: &[Option<(usize, usize)>], spans: &[Span]) -> Option<String> {
    if tokens.is_empty() {
        return None;
    }
    let mut ranges = Vec::with_capacity(tokens.len());
    for &token in tokens {
        let (start, end) = token?;
        let start = source.offsets.code_point("token", start).ok()?;
        let end = source.offsets.code_point("token", end).ok()?;
        let covered = text::slice(source.text, &source.table, start, end)?;
        if !covered.chars().all(char::is_whitespace) {
            ranges.push((start, end));
        }
    }
    let starts: BTreeSet<usize> = spans.iter().map(Span::start).collect();
    let ends: BTreeSet<usize> = spans.iter().map(Span::end).collect();
    let own = tokenize(source.text, &starts, &ends);
    let own_words = own.iter().filter(|t| !t.text.chars().all(char::is_whitespace)).map(|t| (t.start, t.end));
    if own_words.eq(ranges.iter().copied()) {
        return None;
    }
    tokenization::describe(source.text, &ranges)
}

/// The spans of one record, and what relations find them by.
#[derive(Default)]
struct RecordSpans {
    spans: Vec<Span>,
    /// (start, end, label) in the file's unit, and the id, of every span read.
    named: Vec<(usize, usize, String, String)>,
    /// Spans whose own text confirmed their offsets.
    checked: BTreeSet<String>,
    /// Span ids given out so far, read or not (`T1` ... `Tn`).
    listed: usize,
}

impl RecordSpans {
    /// The span at `start..end` (the file's unit) with `label`, or with any label if `None`.
    fn find(&self, (start, end, label): (usize, usize, Option<&str>)) -> Option<String> {
        let same = |(s, e, l, _): &&(usize, usize, String, String)| {
            (*s, *e) == (start, end) && label.is_none_or(|label| label == l)
        };
        self.named.iter().find(same).map(|(_, _, _, id)| id.clone())
    }

    /// Reads one more span, `T{n}`.
    fn add(
        &mut self,
        r: &mut Reading<'_>,
        source: &Source<'_>,
        at: &Location,
        (start, end, label): (usize, usize, &str),
    ) -> Option<String> {
        self.listed += 1;
        let id = format!("T{}", self.listed);
        match r.span(&source.offsets, id.clone(), label, start, end) {
            Ok(span) => {
                self.spans.push(span);
                self.named.push((start, end, label.to_owned(), id.clone()));
                Some(id)
            }
            Err(kind) => {
                r.problems.push(at.clone(), kind);
                None
            }
        }
    }
}

/// `"spans"`: each checked against its own text and its tokens when it has them.
fn read_spans(
    r: &mut Reading<'_>,
    obj: &Map<String, Value>,
    source: &Source<'_>,
    at: &Location,
    tokens: &[Option<(usize, usize)>],
) -> RecordSpans {
    let mut spans = RecordSpans::default();
    let items = match obj.get("spans") {
        None | Some(Value::Null) => return spans,
        Some(Value::Array(items)) => items,
        Some(other) => {
            r.syntax(at, format!("\"spans\" must be a list of objects, found {other}"));
            return spans;
        }
    };
    for item in items {
        let id = format!("T{}", spans.listed + 1);
        let (Some(start), Some(end), Some(label)) =
            (offset(item.get("start")), offset(item.get("end")), item.get("label").and_then(Value::as_str))
        else {
            spans.listed += 1;
            r.syntax(at, format!("span {id}: expected \"start\", \"end\" and \"label\", found {item}"));
            continue;
        };
        let expected = item.get("text").and_then(Value::as_str);
        let checked = source.check(&id, (start, end), expected).map_err(|kind| r.problems.push(at.clone(), kind));
        let tokens = token_range(item, tokens, start, end).map_err(|m| r.syntax(at, format!("span {id}: {m}")));
        if checked.is_err() || tokens.is_err() {
            spans.listed += 1;
            continue;
        }
        if spans.add(r, source, at, (start, end, label)).is_some() && expected.is_some() {
            spans.checked.insert(id);
        }
    }
    spans
}

impl Prodigy {
    /// `"relations"` between the record's spans; a labelled argument that is not among them is
    /// added, a relation with an unlabelled one (a bare token) is dropped.
    fn read_relations(
        &mut self,
        r: &mut Reading<'_>,
        obj: &Map<String, Value>,
        source: &Source<'_>,
        at: &Location,
        spans: &mut RecordSpans,
    ) -> Vec<Relation> {
        let document = at.document.as_deref().unwrap_or_default();
        let items = match obj.get("relations") {
            None | Some(Value::Null) => return Vec::new(),
            Some(Value::Array(items)) => items,
            Some(other) => {
                r.syntax(at, format!("\"relations\" must be a list of objects, found {other}"));
                return Vec::new();
            }
        };
        let mut relations = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let id = format!("R{}", i + 1);
            let (Some(kind), Some(head), Some(child)) = (
                item.get("label").and_then(Value::as_str),
                item.get("head_span").and_then(argument),
                item.get("child_span").and_then(argument),
            ) else {
                let message = format!(
                    "relation {id}: expected a \"label\" and \"head_span\" and \"child_span\" objects with \
                     \"start\", \"end\" and \"label\", found {item}"
                );
                r.syntax(at, message);
                continue;
            };
            let found = [spans.find(head), spans.find(child)];
            if [head, child].iter().zip(&found).any(|(arg, found)| arg.2.is_none() && found.is_none()) {
                count(&mut self.dropped, document);
                continue;
            }
            let mut ends = Vec::new();
            for ((start, end, label), found) in [head, child].into_iter().zip(found) {
                ends.push(match (found, label) {
                    (Some(found), _) => Some(found),
                    (None, Some(label)) => {
                        count(&mut self.added, document);
                        spans.add(r, source, at, (start, end, label))
                    }
                    (None, None) => None, // dropped above
                });
            }
            if let [Some(head), Some(tail)] = ends.as_mut_slice() {
                let (head, tail) = (std::mem::take(head), std::mem::take(tail));
                relations.push(Relation { id, kind: kind.to_owned(), head, tail });
            }
        }
        relations
    }

    /// `meta` (but its id), Prodigy's `_` keys, and an answer other than `accept`; other
    /// top-level keys are counted for a note.
    fn metadata(&mut self, r: &mut Reading<'_>, obj: &Map<String, Value>, at: &Location) -> Meta {
        let document = at.document.as_deref().unwrap_or_default();
        let mut meta = Meta::new();
        match obj.get("meta") {
            None | Some(Value::Null) => {}
            Some(Value::Object(fields)) => {
                for (key, value) in fields.iter().filter(|(k, _)| *k != "id") {
                    if value.is_array() || value.is_object() {
                        count(self.nested_meta.entry(key.clone()).or_default(), document);
                        meta.insert(key.clone(), value.to_string());
                    } else {
                        meta.extend(scalar(value).map(|v| (key.clone(), v)));
                    }
                }
            }
            Some(other) => r.syntax(at, format!("\"meta\" must be an object, found {other}")),
        }
        for (key, value) in obj {
            if key.starts_with('_') {
                meta.extend(scalar(value).map(|v| (key.clone(), v)));
            } else if key == "answer" {
                meta.extend(value.as_str().filter(|a| *a != "accept").map(|a| (key.clone(), a.to_owned())));
            } else if !KNOWN_KEYS.contains(&key.as_str()) {
                count(self.ignored.entry(key.clone()).or_default(), document);
            }
        }
        meta
    }
}

/// Checks a span's `token_start` and `token_end`, when given and the record has tokens,
/// against its characters `start..end` (in the file's unit).
fn token_range(item: &Value, tokens: &[Option<(usize, usize)>], start: usize, end: usize) -> Result<(), String> {
    let (Some(first), Some(last)) = (offset(item.get("token_start")), offset(item.get("token_end"))) else {
        return Ok(());
    };
    if tokens.is_empty() {
        return Ok(());
    }
    let (Some(from), Some(to)) = (tokens.get(first), tokens.get(last)) else {
        return Err(format!("tokens {first}..={last} are past the last token ({})", tokens.len().saturating_sub(1)));
    };
    match (from, to) {
        // A token that failed its own check was reported already.
        (None, _) | (_, None) => Ok(()),
        (Some((s, _)), Some((_, e))) if (*s, *e) == (start, end) => Ok(()),
        (Some((s, _)), Some((_, e))) => {
            Err(format!("characters {start}..{end}, but its tokens {first}..={last} cover characters {s}..{e}"))
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Writing

#[derive(Serialize)]
struct ProdigyRecord<'a> {
    text: &'a str,
    tokens: Vec<Token<'a>>,
    spans: Vec<SpanOut<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    relations: Vec<RelationOut<'a>>,
    meta: BTreeMap<&'a str, &'a str>,
    answer: &'a str,
    #[serde(flatten)]
    hidden: BTreeMap<&'a str, Value>,
}

#[derive(Serialize)]
struct Token<'a> {
    text: &'a str,
    start: usize,
    end: usize,
    id: usize,
    ws: bool,
}

#[derive(Serialize)]
struct SpanOut<'a> {
    start: usize,
    end: usize,
    token_start: usize,
    token_end: usize,
    label: &'a str,
    text: &'a str,
}

#[derive(Clone, Copy, Serialize)]
struct Argument<'a> {
    start: usize,
    end: usize,
    token_start: usize,
    token_end: usize,
    label: &'a str,
}

#[derive(Serialize)]
struct RelationOut<'a> {
    head: usize,
    child: usize,
    head_span: Argument<'a>,
    child_span: Argument<'a>,
    label: &'a str,
}

/// Writes Prodigy JSONL (code-point offsets). Returns what could not be written.
pub fn write(path: &Path, docs: &[AnnotatedDocument]) -> Result<Vec<String>, Error> {
    let mut lost = Vec::new();
    let mut lines = Vec::new();
    for doc in docs {
        let d = &doc.document;
        let spans = writable_spans(doc, OffsetUnit::CodePoint, true, false, &mut lost);
        let starts: BTreeSet<usize> = spans.iter().map(|(_, s, _)| *s).collect();
        let ends: BTreeSet<usize> = spans.iter().map(|(_, _, e)| *e).collect();
        let tokens = recorded_tokens(doc, &starts, &ends).unwrap_or_else(|| tokenize(d.text(), &starts, &ends));
        let first: HashMap<usize, usize> = tokens.iter().map(|t| (t.start, t.id)).collect();
        let last: HashMap<usize, usize> = tokens.iter().map(|t| (t.end, t.id)).collect();
        // Every span start and end is a token boundary: the tokenizer splits there.
        let mut written: HashMap<&str, Argument<'_>> = HashMap::new();
        let mut spans_out = Vec::new();
        for (span, start, end) in spans {
            let (Some(&token_start), Some(&token_end)) = (first.get(&start), last.get(&end)) else {
                lost.push(format!(
                    "document {}: span {} does not fall on token boundaries, dropped",
                    d.id(),
                    span.id()
                ));
                continue;
            };
            let text = d.slice(start, end).unwrap_or_default();
            spans_out.push(SpanOut { start, end, token_start, token_end, label: span.label(), text });
            written.insert(span.id(), Argument { start, end, token_start, token_end, label: span.label() });
        }
        let mut relations = Vec::new();
        for rel in &doc.annotations.relations {
            let (Some(head), Some(tail)) = (written.get(rel.head.as_str()), written.get(rel.tail.as_str())) else {
                lost.push(format!(
                    "document {}: relation {} ({} {} -> {}) dropped: a span it links was not written",
                    d.id(),
                    rel.id,
                    rel.kind,
                    rel.head,
                    rel.tail
                ));
                continue;
            };
            relations.push(RelationOut {
                head: head.token_end,
                child: tail.token_end,
                head_span: *head,
                child_span: *tail,
                label: &rel.kind,
            });
        }
        let mut meta = writable_meta(doc, &["id"], &mut lost);
        // The record of tokens is the tokens written, not metadata.
        meta.remove(tokenization::META_KEY);
        let answer = meta.remove("answer").unwrap_or("accept");
        let hidden_keys: Vec<&str> = meta.keys().copied().filter(|k| k.starts_with('_')).collect();
        let mut hidden = BTreeMap::new();
        for key in hidden_keys {
            let value = meta.remove(key).unwrap_or_default();
            let number = NUMERIC_KEYS.contains(&key).then(|| value.parse::<i64>().ok()).flatten();
            hidden.insert(key, number.map_or_else(|| Value::String(value.to_owned()), Value::from));
        }
        meta.insert("id", d.id());
        let record = ProdigyRecord {
            text: d.text(),
            tokens: tokens
                .iter()
                .map(|t| Token { text: t.text, start: t.start, end: t.end, id: t.id, ws: t.ws })
                .collect(),
            spans: spans_out,
            relations,
            meta,
            answer,
            hidden,
        };
        lines.push(to_json(&record));
    }
    write_lines(path, &lines)?;
    Ok(lost)
}

/// A token of text being written, in code points.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Tokenized<'t> {
    text: &'t str,
    start: usize,
    end: usize,
    id: usize,
    ws: bool,
}

/// The tokens the document's `tokenization` metadata records (a Prodigy or CoNLL file's own),
/// with the whitespace between them as Prodigy has it (a single space after a token is its
/// `ws`, other whitespace a token of its own); `None` without a record, or when a span would
/// not cover whole tokens.
fn recorded_tokens<'t>(
    doc: &'t AnnotatedDocument,
    starts: &BTreeSet<usize>,
    ends: &BTreeSet<usize>,
) -> Option<Vec<Tokenized<'t>>> {
    let text = doc.document.text();
    let recorded = tokenization::tokens(text, doc.document.meta().get(tokenization::META_KEY)?)?;
    let token_starts: BTreeSet<usize> = recorded.iter().map(|t| t.start).collect();
    let token_ends: BTreeSet<usize> = recorded.iter().map(|t| t.end).collect();
    if !starts.is_subset(&token_starts) || !ends.is_subset(&token_ends) {
        return None;
    }
    let offsets = text::Offsets::new(text);
    let mut out: Vec<Tokenized<'t>> = Vec::with_capacity(recorded.len());
    let mut at = 0;
    for token in &recorded {
        push_whitespace(&mut out, text, &offsets, at, token.start)?;
        let covered = text::slice(text, &offsets, token.start, token.end)?;
        out.push(Tokenized { text: covered, start: token.start, end: token.end, id: out.len(), ws: false });
        at = token.end;
    }
    push_whitespace(&mut out, text, &offsets, at, offsets.len_chars())?;
    Some(out)
}

/// The whitespace `start..end` after the tokens in `out`, as spaCy (and so Prodigy) has it: a
/// space right after a token is its `ws`, and the rest of the whitespace a token of its own.
fn push_whitespace<'t>(
    out: &mut Vec<Tokenized<'t>>,
    text: &'t str,
    offsets: &text::Offsets,
    mut start: usize,
    end: usize,
) -> Option<()> {
    let gap = text::slice(text, offsets, start, end)?;
    if let Some(last) = out.last_mut().filter(|last| last.end == start && gap.starts_with(' ')) {
        last.ws = true;
        start += 1;
    }
    if start < end {
        let rest = text::slice(text, offsets, start, end)?;
        out.push(Tokenized { text: rest, start, end, id: out.len(), ws: false });
    }
    Some(())
}

/// What a piece of text is, for tokenizing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Word,
    Space,
    Symbol,
}

/// Tokens as spaCy would roughly make them: runs of letters and digits, one symbol at a time
/// (an emoji with its modifiers is one), and runs of whitespace; a single space after a token
/// is its `ws` rather than a token. Tokens never split a grapheme cluster, except where a span
/// starts or ends (`starts`, `ends`, code points), where they always split, so that every span
/// covers whole tokens.
fn tokenize<'t>(text: &'t str, starts: &BTreeSet<usize>, ends: &BTreeSet<usize>) -> Vec<Tokenized<'t>> {
    // Pieces: grapheme clusters, cut where a span starts or ends; (first code point, byte).
    let mut pieces: Vec<(usize, usize, Kind)> = Vec::new();
    let mut cp = 0;
    for (byte, cluster) in text.grapheme_indices(true) {
        for (k, (offset, c)) in cluster.char_indices().enumerate() {
            if k == 0 || starts.contains(&(cp + k)) || ends.contains(&(cp + k)) {
                let kind = if c.is_whitespace() {
                    Kind::Space
                } else if c.is_alphanumeric() {
                    Kind::Word
                } else {
                    Kind::Symbol
                };
                pieces.push((cp + k, byte + offset, kind));
            }
        }
        cp += cluster.chars().count();
    }
    let len = cp;
    let cut = |cp: usize| starts.contains(&cp) || ends.contains(&cp);
    let piece_end = |i: usize| pieces.get(i + 1).map_or((len, text.len()), |&(cp, byte, _)| (cp, byte));
    let mut tokens: Vec<Tokenized<'t>> = Vec::new();
    let mut i = 0;
    while let Some(&(start, byte, kind)) = pieces.get(i) {
        let mut j = i + 1;
        if kind != Kind::Symbol {
            while pieces.get(j).is_some_and(|&(cp, _, k)| k == kind && !cut(cp)) {
                j += 1;
            }
        }
        let (end, end_byte) = piece_end(j - 1);
        tokens.push(Tokenized { text: &text[byte..end_byte], start, end, id: tokens.len(), ws: false });
        i = j;
        // One space after a word or symbol is its `ws`, unless a span starts at it or ends after it.
        let single_space = pieces.get(i).is_some_and(|&(cp, byte, k)| {
            k == Kind::Space && piece_end(i).0 == cp + 1 && text.get(byte..).is_some_and(|rest| rest.starts_with(' '))
        });
        if kind != Kind::Space && single_space && !starts.contains(&end) && !ends.contains(&(end + 1)) {
            if let Some(last) = tokens.last_mut() {
                last.ws = true;
            }
            i += 1;
        }
    }
    tokens
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tool_json::test_support::*;
    use crate::{Format, WriteOptions};
    use goldspan_model::ProblemKind;

    fn read_file(contents: &str, options: &ReadOptions) -> Result<Collection, Error> {
        let (_dir, path) = file("annotations.jsonl", contents);
        read(&path, options)
    }

    fn read_ok(contents: &str, options: &ReadOptions) -> Collection {
        read_file(contents, options).unwrap_or_else(|e| panic!("reads: {e}"))
    }

    fn all_answers() -> ReadOptions {
        ReadOptions { answers: Answers::All, ..options(Some(manifest()), "unused") }
    }

    fn meta(doc: &AnnotatedDocument) -> Vec<(&str, &str)> {
        doc.document.meta().iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
    }

    fn relation(id: &str, kind: &str, head: &str, tail: &str) -> Relation {
        Relation { id: id.into(), kind: kind.into(), head: head.into(), tail: tail.into() }
    }

    /// (id, label, start, end, covered text) of every span.
    fn labelled(doc: &AnnotatedDocument) -> Vec<(String, String, usize, usize, String)> {
        spans(doc).into_iter().map(|s| (s.0, s.2, s.3, s.4, s.5)).collect()
    }

    fn l(id: &str, label: &str, start: usize, end: usize, text: &str) -> (String, String, usize, usize, String) {
        (id.into(), label.into(), start, end, text.into())
    }

    // Records as `prodigy db-out` writes them after ner.manual (interface ner_manual), following
    // Prodigy's task format: "tokens" {text, start, end, id, ws} (id = index, ws = a space
    // follows), "spans" {start, end, token_start, token_end, label} with token_end inclusive and
    // "text" optional, "meta" free, "_input_hash"/"_task_hash" integers, "_view_id", "_session_id"
    // (null without sessions), "_timestamp", and "answer" accept/reject/ignore. Offsets are code
    // points: in "😀 Zoë met 李雷 in Paris." Zoë is 2..5, 李雷 10..12, Paris 16..21.
    const NER_MANUAL: &str = r#"{"text":"😀 Zoë met 李雷 in Paris.","_input_hash":1437425212,"_task_hash":-1048576,"tokens":[{"text":"😀","start":0,"end":1,"id":0,"ws":true},{"text":"Zoë","start":2,"end":5,"id":1,"ws":true},{"text":"met","start":6,"end":9,"id":2,"ws":true},{"text":"李雷","start":10,"end":12,"id":3,"ws":true},{"text":"in","start":13,"end":15,"id":4,"ws":true},{"text":"Paris","start":16,"end":21,"id":5,"ws":false},{"text":".","start":21,"end":22,"id":6,"ws":false}],"spans":[{"start":2,"end":5,"token_start":1,"token_end":1,"label":"PERSON","text":"Zoë"},{"start":10,"end":12,"token_start":3,"token_end":3,"label":"PERSON"},{"start":16,"end":21,"token_start":5,"token_end":5,"label":"GPE"}],"meta":{"id":"wire-7","source":"wire","order":12},"_session_id":null,"_view_id":"ner_manual","answer":"accept","_timestamp":1633999979}
{"text":"Liz Truss spoke.","tokens":[{"text":"Liz","start":0,"end":3,"id":0,"ws":true},{"text":"Truss","start":4,"end":9,"id":1,"ws":true},{"text":"spoke","start":10,"end":15,"id":2,"ws":false},{"text":".","start":15,"end":16,"id":3,"ws":false}],"spans":[{"start":0,"end":9,"token_start":0,"token_end":1,"label":"PERSON"}],"meta":{"id":"wire-8"},"_view_id":"ner_manual","answer":"reject"}
{"text":"Nothing here.","meta":{"id":"wire-9"},"_view_id":"ner_manual","answer":"ignore"}
{"text":"Paris","tokens":[{"text":"Paris","start":0,"end":5,"id":0,"ws":false}],"spans":[{"start":0,"end":5,"token_start":0,"token_end":0,"label":"GPE"}],"_view_id":"ner_manual","answer":"accept"}
"#;

    // After rel.manual (interface relations): each relation's "head"/"child" is the last token
    // of "head_span"/"child_span", objects {start, end, token_start, token_end, label}, the
    // label null for a bare token. In "Zoë told Liz that Paris won." Zoë is 0..3 (token 0),
    // Liz 9..12 (token 2), Paris 18..23 (token 4, not among the spans), won 24..27 (token 5).
    const REL_MANUAL: &str = r##"{"text":"Zoë told Liz that Paris won.","tokens":[{"text":"Zoë","start":0,"end":3,"id":0,"ws":true},{"text":"told","start":4,"end":8,"id":1,"ws":true},{"text":"Liz","start":9,"end":12,"id":2,"ws":true},{"text":"that","start":13,"end":17,"id":3,"ws":true},{"text":"Paris","start":18,"end":23,"id":4,"ws":true},{"text":"won","start":24,"end":27,"id":5,"ws":false},{"text":".","start":27,"end":28,"id":6,"ws":false}],"spans":[{"start":0,"end":3,"token_start":0,"token_end":0,"label":"PERSON"},{"start":9,"end":12,"token_start":2,"token_end":2,"label":"PERSON"}],"relations":[{"head":0,"child":2,"head_span":{"start":0,"end":3,"token_start":0,"token_end":0,"label":"PERSON"},"child_span":{"start":9,"end":12,"token_start":2,"token_end":2,"label":"PERSON"},"color":"#c5bdf4","label":"speaker"},{"head":0,"child":4,"head_span":{"start":0,"end":3,"token_start":0,"token_end":0,"label":"PERSON"},"child_span":{"start":18,"end":23,"token_start":4,"token_end":4,"label":"GPE"},"color":"#c5bdf4","label":"speaker"},{"head":2,"child":5,"head_span":{"start":9,"end":12,"token_start":2,"token_end":2,"label":"PERSON"},"child_span":{"start":24,"end":27,"token_start":5,"token_end":5,"label":null},"color":"#c5bdf4","label":"speaker"}],"meta":{"id":"rel-1"},"_view_id":"relations","answer":"accept"}
"##;

    #[test]
    fn prodigy_ner_manual_reads_accepted_answers_only() {
        let read = read_ok(NER_MANUAL, &options(Some(manifest()), "unused"));
        let ids: Vec<&str> = read.documents.iter().map(|d| d.document.id()).collect();
        assert_eq!(ids, ["wire-7", "annotations-0004"]);
        assert_eq!(
            labelled(&read.documents[0]),
            [l("T1", "PERSON", 2, 5, "Zoë"), l("T2", "PERSON", 10, 12, "李雷"), l("T3", "GPE", 16, 21, "Paris")]
        );
        assert_eq!(
            meta(&read.documents[0]),
            [
                ("_input_hash", "1437425212"),
                ("_task_hash", "-1048576"),
                ("_timestamp", "1633999979"),
                ("_view_id", "ner_manual"),
                ("order", "12"),
                ("source", "wire"),
            ]
        );
        assert_eq!(labelled(&read.documents[1]), [l("T1", "GPE", 0, 5, "Paris")]);
        // Tokens confirm the unit, so no note about it; the skipped answers are counted.
        assert_eq!(
            read.notes,
            ["only accepted answers were read: 1 record answered \"ignore\", 1 record answered \"reject\" skipped \
              (--answers all reads them, with their answer in metadata \"answer\")"]
        );
    }

    #[test]
    fn prodigy_all_answers_keep_their_answer() {
        let read = read_ok(NER_MANUAL, &all_answers());
        let ids: Vec<&str> = read.documents.iter().map(|d| d.document.id()).collect();
        assert_eq!(ids, ["wire-7", "wire-8", "wire-9", "annotations-0004"]);
        assert_eq!(labelled(&read.documents[1]), [l("T1", "PERSON", 0, 9, "Liz Truss")]);
        assert_eq!(meta(&read.documents[1]), [("_view_id", "ner_manual"), ("answer", "reject")]);
        assert_eq!(meta(&read.documents[2]), [("_view_id", "ner_manual"), ("answer", "ignore")]);
        assert_eq!(read.notes, Vec::<String>::new());
    }

    #[test]
    fn prodigy_relations_link_spans_by_their_offsets() {
        let read = read_ok(REL_MANUAL, &options(None, "entities"));
        let doc = &read.documents[0];
        assert_eq!(doc.document.id(), "rel-1");
        assert_eq!(
            labelled(doc),
            [l("T1", "PERSON", 0, 3, "Zoë"), l("T2", "PERSON", 9, 12, "Liz"), l("T3", "GPE", 18, 23, "Paris")]
        );
        assert_eq!(
            doc.annotations.relations,
            [relation("R1", "speaker", "T1", "T2"), relation("R2", "speaker", "T1", "T3")]
        );
        assert_eq!(
            read.notes,
            [
                "relation arguments not among the record's spans were added as spans: 1 labelled argument (first: rel-1)",
                "1 relation dropped: an argument is a bare token with no label, and goldspan relations link labelled \
                 spans (first: rel-1)",
            ]
        );
    }

    #[test]
    fn prodigy_tokens_check_the_offsets_and_name_the_unit_they_fit() {
        // Offsets counted in UTF-16 (a JavaScript tool's), labelled as Prodigy: the emoji
        // counts 2, so the token "Zoë" at 3..6 covers "Zoë" only in UTF-16.
        let line = r#"{"text":"😀 Zoë","tokens":[{"text":"😀","start":0,"end":2,"id":0,"ws":true},{"text":"Zoë","start":3,"end":6,"id":1,"ws":false}],"spans":[{"start":3,"end":6,"token_start":1,"token_end":1,"label":"PERSON"}],"answer":"accept"}"#;
        let err = read_file(line, &options(None, "entities")).expect_err("UTF-16 offsets");
        let shown: Vec<String> = err.problems().iter().map(ToString::to_string).collect();
        assert_eq!(shown.len(), 3, "{shown:#?}");
        for (what, start, end) in [("token 0", 0, 2), ("token 1", 3, 6)] {
            assert!(
                shown.iter().any(|s| s.contains(&format!("span {what}: the file says it covers"))
                    && s.contains(&format!("{start}..{end}"))
                    && s.ends_with("the offsets fit the text if counted in UTF-16 code units")),
                "{what}: {shown:#?}"
            );
        }
        // The span carries no text of its own: its offset is simply out of range.
        assert!(shown[2].ends_with("span T1: offset 6 is past the end of the text (5 code points)"), "{}", shown[2]);
        // Read in the unit they fit, the same file is fine.
        let utf16 = ReadOptions { offset_unit: Some(OffsetUnit::Utf16), ..options(None, "entities") };
        let read = read_ok(line, &utf16);
        assert_eq!(labelled(&read.documents[0]), [l("T1", "PERSON", 2, 5, "Zoë")]);
    }

    #[test]
    fn prodigy_span_text_and_token_indices_are_checked() {
        let lines = [
            // The span's text disagrees with the text at its offsets.
            r#"{"text":"Zoë met Liz","spans":[{"start":0,"end":3,"label":"PERSON","text":"Liz"}],"meta":{"id":"a"}}"#,
            // Its tokens cover other characters than its offsets.
            r#"{"text":"Zoë met Liz","tokens":[{"text":"Zoë","start":0,"end":3,"id":0,"ws":true},{"text":"met","start":4,"end":7,"id":1,"ws":true},{"text":"Liz","start":8,"end":11,"id":2,"ws":false}],"spans":[{"start":0,"end":3,"token_start":0,"token_end":1,"label":"PERSON"}],"meta":{"id":"b"}}"#,
            // Token indices past the last token.
            r#"{"text":"Zoë","tokens":[{"text":"Zoë","start":0,"end":3,"id":0,"ws":false}],"spans":[{"start":0,"end":3,"token_start":0,"token_end":4,"label":"PERSON"}],"meta":{"id":"c"}}"#,
            // Not an answer Prodigy gives.
            r#"{"text":"Zoë","answer":"maybe","meta":{"id":"d"}}"#,
            // The same id twice.
            r#"{"text":"Zoë","meta":{"id":"a"}}"#,
        ];
        let err = read_file(&lines.join("\n"), &options(None, "entities")).expect_err("bad records");
        let shown: Vec<String> = err.problems().iter().map(ToString::to_string).collect();
        assert_eq!(shown.len(), 5, "{shown:#?}");
        assert!(shown[0].contains(":1: document a: span T1: the file says it covers \"Liz\""), "{}", shown[0]);
        assert!(
            shown[1].contains(":2: document b: span T1: characters 0..3, but its tokens 0..=1 cover characters 0..7"),
            "{}",
            shown[1]
        );
        assert!(shown[2].contains(":3: document c: span T1: tokens 0..=4 are past the last token (0)"), "{}", shown[2]);
        assert!(shown[3].contains(":4: document d: \"answer\" must be"), "{}", shown[3]);
        assert!(matches!(err.problems()[4].kind, ProblemKind::DuplicateId { first_line: Some(1), .. }), "{}", shown[4]);
    }

    #[test]
    fn prodigy_unchecked_offsets_after_emoji_are_noted() {
        // No tokens and no span text: nothing confirms the offsets are code points.
        let lines = [
            r#"{"text":"😀 Zoë","spans":[{"start":2,"end":5,"label":"PERSON"}],"meta":{"id":"x"},"html":"<b>x</b>"}"#,
            r#"{"text":"😀 Liz","spans":[{"start":2,"end":5,"label":"PERSON","text":"Liz"}],"meta":{"id":"y","tags":["a"]}}"#,
        ];
        let read = read_ok(&lines.join("\n"), &options(None, "entities"));
        assert_eq!(labelled(&read.documents[0]), [l("T1", "PERSON", 2, 5, "Zoë")]);
        assert_eq!(meta(&read.documents[1]), [("tags", "[\"a\"]")]);
        assert_eq!(read.notes.len(), 3, "{:?}", read.notes);
        assert!(read.notes[0].starts_with("offsets read as code points, as Prodigy counts"), "{}", read.notes[0]);
        assert!(
            read.notes[0].contains("characters before 1 span in 1 document (first: x) count differently"),
            "{}",
            read.notes[0]
        );
        assert_eq!(read.notes[1], "top-level key \"html\" ignored in 1 record (first: x)");
        assert_eq!(read.notes[2], "meta \"tags\" is a list or an object in 1 record (first: y); kept as its JSON text");
    }

    #[test]
    fn prodigy_records_read_as_spacy_or_doccano_are_refused() {
        // The bug this format fixes: Prodigy records read as another tool's gave 0 spans.
        let (_dir, path) = file("prodigy.jsonl", NER_MANUAL);
        let err = crate::spacy::read(&path, &options(None, "entities")).expect_err("not spaCy");
        assert!(err.problems().iter().all(|p| p.to_string().contains("\"spans\"")), "{err}");
        let err = crate::doccano::read(&path, &options(None, "entities")).expect_err("not doccano");
        assert!(err.to_string().contains("--from prodigy"), "{err}");
    }

    #[test]
    fn prodigy_to_gold_to_prodigy_keeps_spans_relations_answers_and_meta() {
        let manifest = {
            let mut m = manifest();
            m.layers[0].relations.push(goldspan_model::RelationType {
                name: "speaker".into(),
                head: vec!["PERSON".into()],
                tail: vec!["PERSON".into(), "GPE".into()],
                per_head: goldspan_model::PerHead::Many,
            });
            m
        };
        let options = ReadOptions { manifest: Some(manifest), answers: Answers::All, ..ReadOptions::default() };
        let first = read_ok(&format!("{NER_MANUAL}{REL_MANUAL}"), &options);
        let dir = tempfile::tempdir().expect("temp dir");
        let gold = dir.path().join("corpus");
        Format::Gold.write(&gold, &first, &WriteOptions::default()).expect("writes gold");
        let from_gold = Format::Gold.read(&gold, &options).expect("reads gold");
        let back = dir.path().join("back.jsonl");
        let lost = Format::Prodigy.write(&back, &from_gold, &WriteOptions::default()).expect("writes Prodigy");
        assert_eq!(lost, Vec::<String>::new());
        let again = read(&back, &options).expect("reads Prodigy again");
        let sorted = |c: &Collection| {
            let mut docs = c.documents.clone();
            docs.sort_by(|a, b| a.document.id().cmp(b.document.id()));
            docs
        };
        assert_eq!(sorted(&again), sorted(&first));
        // The rejected answer and Prodigy's own keys travelled as Prodigy has them.
        let written = std::fs::read_to_string(&back).expect("written");
        assert!(written.contains(r#""meta":{"id":"wire-8"},"answer":"reject","_view_id":"ner_manual"}"#), "{written}");
        assert!(written.contains(r#""answer":"accept","_input_hash":1437425212,"_task_hash":-1048576,"_timestamp":1633999979,"_view_id":"ner_manual"}"#), "{written}");
    }

    /// Prodigy's tokens used to be dropped on reading, so writing Prodigy again re-tokenised:
    /// `O'Gorman`, one token in the file, came back as `O` `'` `Gorman`, and every token index
    /// after it moved. Tokens as spaCy makes them: a space after a token is its `ws`, further
    /// whitespace (a second space, a line break) a token of its own.
    #[test]
    fn prodigy_to_prodigy_keeps_its_tokens() {
        let line = r#"{"text":"Mr O'Gorman  spoke.\nYes","tokens":[{"text":"Mr","start":0,"end":2,"id":0,"ws":true},{"text":"O'Gorman","start":3,"end":11,"id":1,"ws":true},{"text":" ","start":12,"end":13,"id":2,"ws":false},{"text":"spoke","start":13,"end":18,"id":3,"ws":false},{"text":".","start":18,"end":19,"id":4,"ws":false},{"text":"\n","start":19,"end":20,"id":5,"ws":false},{"text":"Yes","start":20,"end":23,"id":6,"ws":false}],"spans":[{"start":3,"end":11,"token_start":1,"token_end":1,"label":"PERSON"}],"meta":{"id":"t1"},"answer":"accept"}"#;
        let first = read_ok(line, &options(Some(manifest()), "unused"));
        assert_eq!(meta(&first.documents[0]), [("tokenization", "whitespace; breaks 18")]);
        let dir = tempfile::tempdir().expect("temp dir");
        let back = dir.path().join("back.jsonl");
        let lost = Format::Prodigy.write(&back, &first, &WriteOptions::default()).expect("writes Prodigy");
        assert_eq!(lost, Vec::<String>::new());
        let written: Value = serde_json::from_str(&std::fs::read_to_string(&back).expect("written")).expect("json");
        let original: Value = serde_json::from_str(line).expect("json");
        assert_eq!(written["tokens"], original["tokens"]);
        assert_eq!(written["meta"], serde_json::json!({"id": "t1"}), "the record is not repeated in meta");
        // A span that no longer falls on the recorded tokens makes the writer tokenize anew.
        let mut moved = first.clone();
        let doc = &mut moved.documents[0];
        let span = Span::contiguous("T1", "entities", "PERSON", 3, 4).expect("span");
        doc.annotations.spans = vec![span];
        Format::Prodigy
            .write(&back, &moved, &WriteOptions { into_existing_corpus: true, ..WriteOptions::default() })
            .expect("writes Prodigy");
        let written: Value = serde_json::from_str(&std::fs::read_to_string(&back).expect("written")).expect("json");
        assert_eq!(written["tokens"][1]["text"], "O", "{}", written["tokens"]);
    }

    #[test]
    fn prodigy_writer_output_is_what_prodigy_reads() {
        let doc = rich_document();
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("out.jsonl");
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
        let written = std::fs::read_to_string(&path).expect("written");
        // "😀 Zoë met 李雷, then 😀😀 “Liz Truss”.": tokens split at the spans (Zoë 2..5, Liz
        // Truss 23..32), one space after a token is its "ws".
        assert!(written.starts_with(r#"{"text":"😀 Zoë met 李雷, then 😀😀 “Liz Truss”.","tokens":[{"text":"😀","start":0,"end":1,"id":0,"ws":true},{"text":"Zoë","start":2,"end":5,"id":1,"ws":true},"#), "{written}");
        // Tokens 0 to 7 are 😀 Zoë met 李雷 , then 😀 😀 ("李雷" and the first of the two emoji
        // have no space after them); then “ Liz Truss ” . are 8 to 12.
        assert!(written.contains(r#"{"text":"李雷","start":10,"end":12,"id":3,"ws":false},{"text":",","start":12,"end":13,"id":4,"ws":true},"#), "{written}");
        assert!(written.contains(r#"{"text":"“","start":22,"end":23,"id":8,"ws":false},{"text":"Liz","start":23,"end":26,"id":9,"ws":true},{"text":"Truss","start":27,"end":32,"id":10,"ws":false},{"text":"”","start":32,"end":33,"id":11,"ws":false},{"text":".","start":33,"end":34,"id":12,"ws":false}]"#), "{written}");
        assert!(written.contains(r#""spans":[{"start":23,"end":32,"token_start":9,"token_end":10,"label":"PERSON","text":"Liz Truss"},{"start":2,"end":5,"token_start":1,"token_end":1,"label":"Source","text":"Zoë"}]"#), "{written}");
        assert!(written.contains(r#""relations":[{"head":1,"child":10,"head_span":{"start":2,"end":5,"token_start":1,"token_end":1,"label":"Source"},"child_span":{"start":23,"end":32,"token_start":9,"token_end":10,"label":"PERSON"},"label":"speaker"}]"#), "{written}");
        assert!(
            written.ends_with(
                r#""meta":{"desk":"politics","id":"d1","text":"clash"},"answer":"accept"}
"#
            ),
            "{written}"
        );
    }

    proptest::proptest! {
        #[test]
        fn prodigy_write_then_read_is_identity(docs in documents(true)) {
            round_trip(&docs, write, |path, options| read(path, options).map(|c| c.documents))?;
        }
    }

    /// (token text, start, end, ws) of every token.
    fn tokens(text: &str, spans: &[(usize, usize)]) -> Vec<(String, usize, usize, bool)> {
        let starts = spans.iter().map(|s| s.0).collect();
        let ends = spans.iter().map(|s| s.1).collect();
        tokenize(text, &starts, &ends).into_iter().map(|t| (t.text.to_owned(), t.start, t.end, t.ws)).collect()
    }

    fn t(text: &str, start: usize, end: usize, ws: bool) -> (String, usize, usize, bool) {
        (text.to_owned(), start, end, ws)
    }

    #[test]
    fn tokens_are_words_symbols_and_whitespace_runs() {
        assert_eq!(
            tokens("Zoë met 李雷,  then\n😀👍🏽.", &[]),
            [
                t("Zoë", 0, 3, true),
                t("met", 4, 7, true),
                t("李雷", 8, 10, false),
                t(",", 10, 11, true),
                t(" ", 12, 13, false),
                t("then", 13, 17, false),
                t("\n", 17, 18, false),
                t("😀", 18, 19, false),
                t("👍🏽", 19, 21, false),
                t(".", 21, 22, false),
            ]
        );
    }

    #[test]
    fn tokens_split_where_spans_start_and_end() {
        // "Zoë" inside "xZoëy"; a span starting at the space after "met", one ending after it.
        assert_eq!(
            tokens("xZoëy met it", &[(1, 4), (9, 12)]),
            [
                t("x", 0, 1, false),
                t("Zoë", 1, 4, false),
                t("y", 4, 5, true),
                t("met", 6, 9, false),
                t(" ", 9, 10, false),
                t("it", 10, 12, false)
            ]
        );
        assert_eq!(tokens("met it", &[(0, 4)]), [t("met", 0, 3, false), t(" ", 3, 4, false), t("it", 4, 6, false)]);
        // A span cutting a grapheme cluster (e + combining acute) still gets whole tokens.
        assert_eq!(tokens("cafe\u{301}", &[(0, 4)]), [t("cafe", 0, 4, false), t("\u{301}", 4, 5, false)]);
    }
}
