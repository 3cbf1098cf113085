//! The interchange format: JSON Lines, one document per line. Predictions, gold as one file,
//! and the external-extractor protocol all use it.
//!
//! ```json
//! {"goldspan": 1, "id": "d1", "text": "...", "meta": {"domain": "politics"},
//!  "spans": [{"id": "T1", "layer": "entities", "label": "PERSON", "start": 4, "end": 13, "text": "Liz Truss"}],
//!  "relations": [{"id": "R1", "type": "speaker", "head": "T7", "tail": "T2"}],
//!  "clusters": [["T2", "T9"]]}
//! ```
//!
//! The version travels on every record (`"goldspan": 1`, optional on input, always written) so
//! files can be concatenated, sharded and streamed without a header to keep track of. A file
//! may still open with one header line, `{"goldspan": 1, "header": {...}}` (no `id`): what wrote
//! the records, e.g. the run whose predictions they are (`goldspan run --save-predictions`).
//! Readers skip it and [`read_header`] reads it; anywhere else it is an error.
//! Offsets are code points; a span is `start`/`end` or, when discontinuous, `fragments`.
//! `layer` may be omitted when a manifest maps the label to its layer; `text` on a span is
//! optional and verified when present.
//!
//! A prediction may give a span as `text` alone, without offsets (what a prompted language
//! model answers), optionally with `occurrence` (which occurrence of the text, from 1) or
//! `context` (a stretch of text around it): it is read as a [`TextSpan`] and placed in the
//! document by grounding when it is scored (docs/metrics.md §11). A quotation may name its
//! speaker and cue as strings, `"speaker": "Liz Truss", "cue": "says"`: they are read as text
//! spans of the labels the manifest's speaker and cue relations point to, with those relations
//! (span ids `ID.speaker` and `ID.cue`, relation ids `ID.speaker.rel` and `ID.cue.rel`), and
//! written back in that form. Gold spans always have offsets.

#[cfg(test)]
mod layouts;
mod scan;
mod write;

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

use compact_str::CompactString;
use serde::{Deserialize, Serialize};

use crate::standoff::check_covered_text;
use goldspan_model::Manifest;
use goldspan_model::{check_document, check_predictions, duplicate_spans};
use goldspan_model::{
    AnnotatedDocument, Annotations, Attribute, Document, Fragment, FragmentError, Meta, Note, Relation, Span, TextSpan,
};
use goldspan_model::{Error, Location, Problem, ProblemKind, Problems};

/// The interchange format version this goldspan reads and writes.
pub const VERSION: u32 = 1;

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RecordV1 {
    #[serde(default)]
    goldspan: Option<u32>,
    id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    text: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    meta: BTreeMap<String, serde_json::Value>,
    #[serde(default)]
    spans: Vec<SpanV1>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    relations: Vec<RelationV1>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    clusters: Vec<Vec<String>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    attributes: Vec<AttributeV1>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    notes: Vec<NoteV1>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SpanV1 {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    id: Option<CompactString>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    layer: Option<CompactString>,
    label: CompactString,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    start: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    end: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    fragments: Option<Vec<[usize; 2]>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    text: Option<CompactString>,
    /// A confidence, accepted so real systems' output loads; not used in scoring.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    score: Option<f64>,
    // The fields of predictions given as text are rare: they are kept small (boxed strings, a
    // 32-bit count), as every span read carries them.
    /// Of a span given as text alone: which occurrence of the text, counting from 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    occurrence: Option<u32>,
    /// Of a span given as text alone: a stretch of text around it that tells it apart.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    context: Option<Box<str>>,
    /// Of a quotation: its speaker's name as a string. Read into a text span and a relation,
    /// never written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    speaker: Option<Box<str>>,
    /// Of a quotation: its cue as a string. Read into a text span and a relation, never
    /// written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    cue: Option<Box<str>>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RelationV1 {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    id: Option<String>,
    #[serde(rename = "type")]
    kind: String,
    head: String,
    tail: String,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct AttributeV1 {
    id: String,
    name: String,
    target: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    value: Option<String>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct NoteV1 {
    id: String,
    #[serde(rename = "type")]
    kind: String,
    target: String,
    text: String,
}

/// One parsed line, not yet tied to a document text.
#[derive(Debug)]
pub struct Record {
    line: usize,
    raw: RecordV1,
}

impl Record {
    /// Reads a record from any serde data format, with the fields and checks of a line read by
    /// [`parse_line`], numbered `line` (its 1-based place among the records). The Python API
    /// reads Python dicts with it, so a record given as a dict means what the same record
    /// means on a line.
    pub fn deserialize<'de, D: serde::Deserializer<'de>>(deserializer: D, line: usize) -> Result<Record, D::Error> {
        let raw = RecordV1::deserialize(deserializer)?;
        match raw.goldspan {
            Some(version) if version != VERSION => Err(serde::de::Error::custom(format!(
                "record version {version} is not supported; this goldspan reads version {VERSION}"
            ))),
            _ => Ok(Record { line, raw }),
        }
    }

    /// The document id.
    pub fn id(&self) -> &str {
        &self.raw.id
    }

    /// The 1-based line it was read from.
    pub fn line(&self) -> usize {
        self.line
    }

    /// Whether the record carries its own text.
    pub fn has_text(&self) -> bool {
        self.raw.text.is_some()
    }

    /// Renames span labels through `map` (a label map); a span mapped to `None` is dropped,
    /// with the relations and cluster memberships that name it.
    pub fn relabel(&mut self, map: &dyn Fn(&str) -> Option<String>) {
        let mut dropped = Vec::new();
        let mut kept = Vec::new();
        for (i, mut span) in std::mem::take(&mut self.raw.spans).into_iter().enumerate() {
            // Spans without ids are numbered by position; fix that before positions shift.
            let id = span.id.get_or_insert_with(|| format!("T{}", i + 1).into()).to_string();
            match map(&span.label) {
                Some(label) => {
                    span.label = label.into();
                    kept.push(span);
                }
                None => dropped.push(id),
            }
        }
        self.raw.spans = kept;
        self.raw.relations.retain(|r| !dropped.contains(&r.head) && !dropped.contains(&r.tail));
        for cluster in &mut self.raw.clusters {
            cluster.retain(|m| !dropped.contains(m));
        }
        self.raw.clusters.retain(|c| c.len() > 1);
    }

    /// Builds a self-contained document (gold as one file): the record must carry its text.
    /// Layers missing on spans are taken from `manifest`; with a manifest every annotation is
    /// also checked against it as gold.
    pub fn resolve(self, manifest: Option<&Manifest>, location: &Location) -> Result<AnnotatedDocument, Vec<Problem>> {
        let loc = location.at_line(self.line).in_document(&self.raw.id);
        let mut problems = Problems::default();
        let mut raw = self.raw;
        let Some(text) = raw.text.take() else {
            let message = "the record has no \"text\" and there is no gold document to take it from".into();
            return Err(vec![Problem::new(loc, ProblemKind::Syntax { message })]);
        };
        let mut meta = Meta::new();
        for (k, v) in std::mem::take(&mut raw.meta) {
            match v {
                serde_json::Value::String(s) => {
                    meta.insert(k, s);
                }
                serde_json::Value::Number(_) | serde_json::Value::Bool(_) => {
                    meta.insert(k, v.to_string());
                }
                _ => problems.push(
                    loc.clone(),
                    ProblemKind::Syntax { message: format!("meta {k:?} must be a string, number or boolean") },
                ),
            }
        }
        let document = Document::new(raw.id.clone(), text, meta);
        let annotations = build(raw, &document, manifest, &loc, &mut problems);
        for span in &annotations.text_spans {
            let message = format!(
                "span {} has no offsets: gold spans need \"start\" and \"end\" (or \"fragments\"); only predictions may be given as text",
                span.id
            );
            problems.push(loc.clone(), ProblemKind::Syntax { message });
        }
        let doc = AnnotatedDocument { document, annotations };
        match manifest {
            Some(manifest) => check_document(&doc, manifest, &loc, &|_| loc.line, &mut problems),
            // Without a manifest nothing else is checked, but two copies of one gold span
            // would still halve its recall: a prediction matches one, the other is missed.
            None => {
                let spans = &doc.annotations.spans;
                for (first, copy) in duplicate_spans(spans) {
                    let (first, copy) = (spans[first].id(), spans[copy].id());
                    problems.push(loc.clone(), ProblemKind::DuplicateSpan { span: copy.into(), first: first.into() });
                }
            }
        }
        if problems.is_empty() {
            Ok(doc)
        } else {
            Err(problems.into_vec())
        }
    }

    /// Builds the annotations of a prediction record for the gold document `gold`: offsets
    /// and covered text are checked against the gold text (a record that carries a different
    /// text is a problem), and with a manifest every annotation is checked as predictions
    /// (required relations may be absent).
    pub fn resolve_predictions(
        self,
        gold: &Document,
        manifest: Option<&Manifest>,
        location: &Location,
    ) -> Result<Annotations, Vec<Problem>> {
        let loc = location.at_line(self.line).in_document(&self.raw.id);
        let mut problems = Problems::default();
        if self.raw.text.as_deref().is_some_and(|t| t != gold.text()) {
            let message = "the record's text differs from the gold document's text".into();
            problems.push(loc.clone(), ProblemKind::Syntax { message });
        }
        let annotations = build(self.raw, gold, manifest, &loc, &mut problems);
        if let Some(manifest) = manifest {
            check_predictions(gold, &annotations, manifest, &loc, &mut problems);
        }
        if problems.is_empty() {
            Ok(annotations)
        } else {
            Err(problems.into_vec())
        }
    }
}

/// The annotations of a record, checked against `document`'s text.
fn build(
    mut raw: RecordV1,
    document: &Document,
    manifest: Option<&Manifest>,
    loc: &Location,
    problems: &mut Problems,
) -> Annotations {
    let syntax = |message: String| ProblemKind::Syntax { message };
    let mut annotations = Annotations { spans: Vec::with_capacity(raw.spans.len()), ..Annotations::default() };
    // Fields are taken from each raw span in place: a span is large, and moving it costs.
    for (i, s) in raw.spans.iter_mut().enumerate() {
        let id: CompactString = s.id.take().unwrap_or_else(|| write::numbered_span_id(i + 1));
        // Spans given as text, and a quotation's speaker and cue as strings, are rare: they are
        // read out of this loop's way.
        if s.has_text_fields() && read_text_fields(&id, s, manifest, &mut annotations, loc, problems) {
            continue;
        }
        // One fragment (almost always) or a list (a discontinuous span): the one needs no list.
        let (one, list) = match (s.start, s.end, s.fragments.take()) {
            (Some(start), Some(end), None) => (Some([start, end]), Vec::new()),
            (None, None, Some(list)) => (None, list),
            _ => {
                problems.push(loc.clone(), syntax(format!("span {id}: {NO_OFFSETS}")));
                continue;
            }
        };
        if one.iter().chain(&list).any(|[start, end]| start >= end) {
            problems.push(
                loc.clone(),
                syntax(format!("span {id}: a fragment is empty or reversed (start must be below end)")),
            );
            continue;
        }
        let label = std::mem::take(&mut s.label);
        let layer = match s.layer.take() {
            Some(layer) => layer,
            None => match layer_in(manifest, &label, &id, loc, problems) {
                Some(layer) => layer,
                None => continue,
            },
        };
        let span = match one {
            Some([start, end]) => Span::contiguous(id.clone(), layer, label, start, end).ok_or(FragmentError::Empty),
            None => {
                let fragments = list.into_iter().filter_map(|[start, end]| Fragment::new(start, end)).collect();
                Span::new(id.clone(), layer, label, fragments)
            }
        };
        let span = match span {
            Ok(span) => span,
            Err(reason) => {
                problems.push(loc.clone(), ProblemKind::BadFragments { span: id.to_string(), reason });
                continue;
            }
        };
        let check = match &s.text {
            Some(expected) => check_covered_text(&span, expected, document),
            None => match span.fragments().iter().map(|f| f.end()).find(|&e| e > document.len_chars()) {
                Some(offset) => {
                    Err(ProblemKind::OffsetOutOfRange { span: span.id().to_owned(), offset, len: document.len_chars() })
                }
                None => Ok(()),
            },
        };
        match check {
            Ok(()) => annotations.spans.push(span),
            Err(kind) => problems.push(loc.clone(), kind),
        }
    }
    for (i, r) in raw.relations.into_iter().enumerate() {
        annotations.relations.push(Relation {
            id: r.id.unwrap_or_else(|| format!("R{}", i + 1)),
            kind: r.kind,
            head: r.head,
            tail: r.tail,
        });
    }
    annotations.clusters = raw.clusters;
    annotations.attributes = raw
        .attributes
        .into_iter()
        .map(|a| Attribute { id: a.id, name: a.name, target: a.target, value: a.value })
        .collect();
    annotations.notes =
        raw.notes.into_iter().map(|n| Note { id: n.id, kind: n.kind, target: n.target, text: n.text }).collect();
    annotations
}

/// What a span with neither offsets nor fragments (nor text) is told.
const NO_OFFSETS: &str =
    "give either \"start\" and \"end\" or \"fragments\" (or, for a prediction without offsets, \"text\" alone)";

impl SpanV1 {
    /// Whether the span has a field of predictions given as text: it has no offsets, or it has
    /// an `occurrence`, a `context`, a `speaker` or a `cue`.
    fn has_text_fields(&self) -> bool {
        (self.start.is_none() && self.end.is_none() && self.fragments.is_none())
            || self.occurrence.is_some()
            || self.context.is_some()
            || self.speaker.is_some()
            || self.cue.is_some()
    }
}

/// Reads the fields of predictions given as text of span `s` ([`SpanV1::has_text_fields`]):
/// a quotation's speaker and cue strings become text spans with their relations, and a span
/// without offsets a text span. Returns whether the span is done with (read as text, or
/// refused); false leaves a span with offsets to be read as usual.
#[cold]
fn read_text_fields(
    id: &CompactString,
    s: &mut SpanV1,
    manifest: Option<&Manifest>,
    annotations: &mut Annotations,
    loc: &Location,
    problems: &mut Problems,
) -> bool {
    let syntax = |message: String| ProblemKind::Syntax { message };
    if s.speaker.is_some() || s.cue.is_some() {
        attach_strings(id, s, manifest, annotations, loc, problems);
    }
    if s.start.is_none() && s.end.is_none() && s.fragments.is_none() {
        match s.text.is_some() {
            true => annotations.text_spans.extend(text_span(id.clone(), s, manifest, loc, problems)),
            false => problems.push(loc.clone(), syntax(format!("span {id}: {NO_OFFSETS}"))),
        }
        return true;
    }
    if s.occurrence.is_some() || s.context.is_some() {
        let message =
            format!("span {id}: \"occurrence\" and \"context\" place a span given as text alone; this one has offsets");
        problems.push(loc.clone(), syntax(message));
        return true;
    }
    false
}

/// The layer `manifest` gives `label`, for a span that names none; `None`, with the problem
/// recorded, when there is no such layer.
fn layer_in(
    manifest: Option<&Manifest>,
    label: &str,
    id: &str,
    loc: &Location,
    problems: &mut Problems,
) -> Option<CompactString> {
    match manifest.and_then(|m| m.layer_of(label)) {
        Some(layer) => Some(layer.name.as_str().into()),
        None => {
            problems.push(
                loc.clone(),
                ProblemKind::UnknownLabel { span: id.to_owned(), label: label.to_owned(), layer: None },
            );
            None
        }
    }
}

/// A span given as text alone, checked: its text is not blank and its occurrence counts
/// from 1.
fn text_span(
    id: CompactString,
    s: &mut SpanV1,
    manifest: Option<&Manifest>,
    loc: &Location,
    problems: &mut Problems,
) -> Option<TextSpan> {
    let syntax = |message: String| ProblemKind::Syntax { message };
    let text = s.text.take().unwrap_or_default();
    if text.trim().is_empty() {
        problems.push(loc.clone(), syntax(format!("span {id}: its \"text\" is blank, and it has no offsets")));
        return None;
    }
    if s.occurrence == Some(0) {
        problems.push(loc.clone(), syntax(format!("span {id}: \"occurrence\" counts from 1 (the first is 1)")));
        return None;
    }
    if s.context.as_deref().is_some_and(|c| c.trim().is_empty()) {
        problems.push(loc.clone(), syntax(format!("span {id}: its \"context\" is blank")));
        return None;
    }
    let label = std::mem::take(&mut s.label);
    let layer = match s.layer.take() {
        Some(layer) => layer,
        None => layer_in(manifest, &label, &id, loc, problems)?,
    };
    let occurrence = s.occurrence.map(|n| n as usize);
    let context = s.context.take().map(String::from);
    Some(TextSpan { id, layer, label, text: text.into(), occurrence, context })
}

/// A quotation's `speaker` and `cue` strings, as text spans of the labels the manifest's
/// speaker and cue relations point to, each with its relation from the quotation `id`.
fn attach_strings(
    id: &str,
    s: &mut SpanV1,
    manifest: Option<&Manifest>,
    annotations: &mut Annotations,
    loc: &Location,
    problems: &mut Problems,
) {
    let syntax = |message: String| ProblemKind::Syntax { message };
    let attribution = manifest.and_then(|m| m.attribution.as_ref().map(|a| (m, a)));
    for (role, value) in [("speaker", s.speaker.take()), ("cue", s.cue.take())] {
        let Some(value) = value else { continue };
        if value.trim().is_empty() {
            problems.push(
                loc.clone(),
                syntax(format!("span {id}: its \"{role}\" is blank; leave it out when there is none")),
            );
            continue;
        }
        let relation = attribution.and_then(|(m, a)| {
            let name = if role == "speaker" { Some(&a.speaker_relation) } else { a.cue_relation.as_ref() };
            let kind = m.relation_type(name?)?;
            let label = kind.tail.first()?;
            Some((kind.name.clone(), label.clone(), m.layer_of(label)?.name.clone()))
        });
        let Some((kind, label, layer)) = relation else {
            problems.push(
                loc.clone(),
                syntax(format!(
                    "span {id}: a \"{role}\" given as a string needs a corpus manifest whose [attribution] names the {role} relation (score against a corpus, or give --manifest)"
                )),
            );
            continue;
        };
        let quotation = attribution.map(|(_, a)| a.quotation_label.as_str()).unwrap_or_default();
        if s.label != quotation {
            problems.push(
                loc.clone(),
                syntax(format!(
                    "span {id}: only a quotation ({quotation}) has a \"{role}\"; this span is labelled {:?}",
                    s.label.as_str()
                )),
            );
            continue;
        }
        let span_id = format!("{id}.{role}");
        annotations.relations.push(Relation {
            id: format!("{span_id}.rel"),
            kind,
            head: id.to_owned(),
            tail: span_id.clone(),
        });
        annotations.text_spans.push(TextSpan {
            id: span_id.into(),
            layer: layer.into(),
            label: label.into(),
            text: value.into(),
            occurrence: None,
            context: None,
        });
    }
}

/// Streams the records of a JSON Lines file, one at a time, so memory stays bounded by the
/// largest document. Blank lines are skipped.
#[derive(Debug)]
pub struct Reader<R> {
    input: R,
    location: Location,
    /// Read but not yet handed out: `buf[start..end]`.
    buf: Vec<u8>,
    start: usize,
    end: usize,
    /// Lines handed out or skipped so far, and the byte offset of the next.
    line: usize,
    offset: u64,
    /// Set at the end of input or after an I/O error: the stream ends there rather than
    /// failing forever.
    done: bool,
    /// Whether a non-blank line was handed out: the first is checked for a JSON document
    /// (an array, a pretty-printed object), which is one problem rather than one per line.
    started: bool,
    /// Whether the first line may be a header (not when reading from the middle of a file).
    header_allowed: bool,
    /// The header line skipped, if any: its number and bytes.
    header: Option<(usize, Vec<u8>)>,
}

/// One line of input, borrowed from the reader.
#[derive(Debug, Clone, Copy)]
pub struct Line<'a> {
    /// 1-based line number.
    pub number: usize,
    /// Byte offset of the line's first byte in the input.
    pub offset: u64,
    /// The line, with its line ending.
    pub bytes: &'a [u8],
}

impl Reader<Box<dyn Read + Send>> {
    /// Opens a file; a `.zst` one is decompressed as it is read.
    pub fn open(path: &Path) -> Result<Reader<Box<dyn Read + Send>>, Error> {
        let input = open_stream(path)
            .map_err(|e| Error::Invalid(vec![Problem::new(Location::file(path), ProblemKind::Io(e))]))?;
        Ok(Reader::new(input, Location::file(path)))
    }
}

/// The bytes of the file at `path` as a stream: a `.zst` file decompressed as it is read; a
/// stream this process [`spool`]ed read from its copy.
pub fn open_stream(path: &Path) -> std::io::Result<Box<dyn Read + Send>> {
    let bytes: Box<dyn Read + Send> = match spooled(path) {
        Some(copy) => Box::new(copy),
        None => Box::new(std::fs::File::open(path)?),
    };
    Ok(match is_zstd(path) {
        true => Box::new(zstd::stream::read::Decoder::new(bytes)?),
        false => bytes,
    })
}

impl<R: Read> Reader<R> {
    /// Reads from any byte stream; `location` names it in problems.
    pub fn new(input: R, location: Location) -> Reader<R> {
        Reader {
            input,
            location,
            buf: vec![0; 1 << 16],
            start: 0,
            end: 0,
            line: 0,
            offset: 0,
            done: false,
            started: false,
            header_allowed: true,
            header: None,
        }
    }

    /// A reader of input that starts in the middle of a file: its first line is a record, never
    /// a header.
    pub fn without_header(mut self) -> Reader<R> {
        self.header_allowed = false;
        self
    }

    /// The header line skipped at the start of the input (its number and bytes), once the
    /// first line has been read.
    pub fn header(&self) -> Option<(usize, &[u8])> {
        self.header.as_ref().map(|(n, bytes)| (*n, bytes.as_slice()))
    }

    /// The next non-blank line, borrowed: what [`Reader::next_line`] returns without copying it.
    pub fn next_line_ref(&mut self) -> Option<Result<Line<'_>, Problem>> {
        let (number, offset, start, end) = loop {
            let (start, end) = match memchr::memchr(b'\n', &self.buf[self.start..self.end]) {
                Some(i) => (self.start, self.start + i + 1),
                None if !self.done => {
                    if let Err(e) = self.fill() {
                        // Stop here: what is buffered may end mid-line.
                        (self.done, self.start) = (true, self.end);
                        return Some(Err(Problem::new(self.location.at_line(self.line + 1), ProblemKind::Io(e))));
                    }
                    continue;
                }
                // The last line, without a line ending.
                None if self.start < self.end => (self.start, self.end),
                None => return None,
            };
            self.start = end;
            self.line += 1;
            let offset = self.offset;
            self.offset += (end - start) as u64;
            if !self.buf[start..end].iter().all(u8::is_ascii_whitespace) {
                break (self.line, offset, start, end);
            }
        };
        if !self.started {
            self.started = true;
            let first = self.buf[start..end].strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&self.buf[start..end]);
            if let Some(found) = crate::json_document_shape(first, None) {
                (self.done, self.start) = (true, self.end);
                return Some(Err(Problem::new(self.location.at_line(number), ProblemKind::NotJsonLines { found })));
            }
            if self.header_allowed && is_header(&self.buf[start..end]) {
                self.header = Some((number, self.buf[start..end].to_vec()));
                return self.next_line_ref();
            }
        }
        Some(Ok(Line { number, offset, bytes: &self.buf[start..end] }))
    }

    /// Reads more input after the unfinished line at the front of the buffer, growing the
    /// buffer when that line fills it; sets `done` at the end of input.
    fn fill(&mut self) -> std::io::Result<()> {
        self.buf.copy_within(self.start..self.end, 0);
        self.end -= self.start;
        self.start = 0;
        if self.end == self.buf.len() {
            self.buf.resize(self.buf.len() * 2, 0);
        }
        loop {
            match self.input.read(&mut self.buf[self.end..]) {
                Ok(0) => {
                    self.done = true;
                    return Ok(());
                }
                Ok(n) => {
                    self.end += n;
                    return Ok(());
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }

    /// Lines read so far, blank ones included.
    pub fn lines_read(&self) -> usize {
        self.line
    }

    /// The next non-blank line, unparsed, with its 1-based number: lets a caller parse lines
    /// on other threads with [`parse_line`].
    pub fn next_line(&mut self) -> Option<Result<(usize, Vec<u8>), Problem>> {
        Some(self.next_line_ref()?.map(|line| (line.number, line.bytes.to_vec())))
    }
}

/// Lines of a JSON Lines file read ahead on a thread of their own and handed out a block at a
/// time, so that reading (and decompressing a `.zst` file) runs beside the work done with the
/// lines rather than before it. At most two blocks wait, so memory holds a few blocks however
/// long the file, and a block ends at a number of lines or of bytes, whichever comes first.
#[derive(Debug)]
pub struct Blocks {
    blocks: std::sync::mpsc::Receiver<Block>,
}

/// Lines read together: their bytes in one buffer, each line's number and place in it, and
/// the problems reading them (an I/O error, a JSON document rather than lines: the reading
/// stops there, so they come after the lines).
#[derive(Debug, Default)]
pub struct Block {
    /// The lines' bytes, each with its line ending.
    pub bytes: Vec<u8>,
    /// Each line's 1-based number and place in `bytes`.
    pub lines: Vec<(usize, std::ops::Range<usize>)>,
    /// Problems reading the lines.
    pub problems: Vec<Problem>,
}

impl Block {
    /// The bytes of line `i` of the block.
    pub fn line(&self, i: usize) -> &[u8] {
        &self.bytes[self.lines[i].1.clone()]
    }
}

impl Blocks {
    /// Reads the file at `path` (a `.zst` one decompressed) in blocks of `lines` lines, or
    /// fewer when they reach `bytes` bytes.
    pub fn open(path: &Path, lines: usize, bytes: usize) -> Result<Blocks, Error> {
        let mut reader = Reader::open(path)?;
        let (sender, blocks) = std::sync::mpsc::sync_channel::<Block>(2);
        std::thread::spawn(move || {
            // Each block's buffer starts at the largest size so far, so it seldom regrows.
            let mut size = 0;
            loop {
                let mut block =
                    Block { bytes: Vec::with_capacity(size), lines: Vec::with_capacity(lines), problems: Vec::new() };
                while block.lines.len() < lines && block.bytes.len() < bytes {
                    match reader.next_line_ref() {
                        None => break,
                        Some(Err(p)) => block.problems.push(p),
                        Some(Ok(line)) => {
                            let start = block.bytes.len();
                            block.bytes.extend_from_slice(line.bytes);
                            block.lines.push((line.number, start..block.bytes.len()));
                        }
                    }
                }
                let done = block.lines.is_empty();
                size = size.max(block.bytes.len());
                // Nothing more to read, or nobody left to read it; the problems that ended the
                // reading are sent.
                if done && block.problems.is_empty() {
                    return;
                }
                if sender.send(block).is_err() || done {
                    return;
                }
            }
        });
        Ok(Blocks { blocks })
    }

    /// The next block, `None` at the end of the file.
    pub fn next_block(&mut self) -> Option<Block> {
        self.blocks.recv().ok()
    }
}

/// A regular file's length and time of last change: what tells that a file read twice (once to
/// check it, once to use it) is the same file the second time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileStamp {
    len: u64,
    modified: std::time::SystemTime,
}

impl FileStamp {
    /// The stamp of the file at `path`; `None` when it is not a regular file (a pipe, a
    /// device), which cannot be read twice, or has no time of last change.
    pub fn of(path: &Path) -> Option<FileStamp> {
        let metadata = std::fs::metadata(path).ok()?;
        let modified = metadata.modified().ok()?;
        metadata.is_file().then_some(FileStamp { len: metadata.len(), modified })
    }
}

/// The lines of a file read ahead by [`Blocks`] (blocks of 256 lines or 256 KiB), one after
/// another: the current line can be looked at before it is taken.
#[derive(Debug)]
pub struct BlockLines {
    blocks: Blocks,
    block: Block,
    next: usize,
}

impl BlockLines {
    /// Lines read at once: so many, or as many as make [`BlockLines::BYTES`], so that what is
    /// read ahead is a small part of what a run holds.
    const LINES: usize = 256;
    const BYTES: usize = 256 << 10;

    /// Reads the file at `path` (a `.zst` one decompressed) ahead, from its first line.
    pub fn open(path: &Path) -> Result<BlockLines, Error> {
        let blocks = Blocks::open(path, BlockLines::LINES, BlockLines::BYTES)?;
        Ok(BlockLines { blocks, block: Block::default(), next: 0 })
    }

    /// The block holding the current line, and the line's place in it (the lines after it in
    /// the block follow it in the file); `None` at the end of the file; the problems that
    /// stopped the reading (an I/O error), once, after the last line read.
    pub fn current(&mut self) -> Option<Result<(&Block, usize), Vec<Problem>>> {
        while self.next == self.block.lines.len() {
            if !self.block.problems.is_empty() {
                return Some(Err(std::mem::take(&mut self.block.problems)));
            }
            (self.block, self.next) = (self.blocks.next_block()?, 0);
        }
        Some(Ok((&self.block, self.next)))
    }

    /// Takes `n` lines of the current block (at most what is left of it).
    pub fn advance(&mut self, n: usize) {
        self.next = (self.next + n).min(self.block.lines.len());
    }
}

/// The id of a record whose line opens with it (after `"goldspan": 1` or not, with any
/// whitespace: as goldspan, serde and `json.dumps` write records), read without parsing the
/// rest of the line; `None` when the line does not open so or the id has escapes, for the
/// caller to parse the line instead.
pub fn leading_id(line: &[u8]) -> Option<String> {
    leading_id_str(line).map(str::to_owned)
}

/// [`leading_id`], borrowed from the line.
pub fn leading_id_str(line: &[u8]) -> Option<&str> {
    let skip = |at: &mut usize| {
        while line.get(*at).is_some_and(|b| matches!(b, b' ' | b'\t')) {
            *at += 1;
        }
    };
    let take = |at: &mut usize, bytes: &[u8]| {
        skip(at);
        let found = line.get(*at..).is_some_and(|rest| rest.starts_with(bytes));
        if found {
            *at += bytes.len();
        }
        found
    };
    let mut at = 0;
    if !take(&mut at, b"{") {
        return None;
    }
    if take(&mut at, br#""goldspan""#) && !(take(&mut at, b":") && take(&mut at, b"1") && take(&mut at, b",")) {
        return None;
    }
    if !take(&mut at, br#""id""#) || !take(&mut at, b":") || !take(&mut at, b"\"") {
        return None;
    }
    let rest = &line[at..];
    let end = memchr::memchr2(b'"', b'\\', rest)?;
    if rest[end] != b'"' || rest[..end].iter().any(|&b| b < 0x20) {
        return None;
    }
    std::str::from_utf8(&rest[..end]).ok()
}

/// Reads `reader` to its end, checking that each line opens with its id ([`leading_id_str`])
/// and that every id is above the one before (byte order, so the file is in the order of its
/// sorted ids, each once); calls `each` with every id and its line. The number of records, or `None` at the
/// first line that is not so, any problem reading, or a line an index would refuse (4 GiB or
/// longer, or past line 4,294,967,295).
pub fn ids_in_order<R: Read>(reader: &mut Reader<R>, mut each: impl FnMut(&str, &[u8])) -> Option<usize> {
    let mut last: Option<String> = None;
    let mut lines = 0;
    while let Some(line) = reader.next_line_ref() {
        let line = line.ok()?;
        u32::try_from(line.bytes.len()).ok().zip(u32::try_from(line.number).ok())?;
        let id = leading_id_str(line.bytes)?;
        if last.as_deref().is_some_and(|last| id <= last) {
            return None;
        }
        each(id, line.bytes);
        lines += 1;
        let last = last.get_or_insert_with(String::new);
        last.clear();
        last.push_str(id);
    }
    Some(lines)
}

/// The names a record uses: each span's layer (`None` where the span names none) and label,
/// and the keys of its metadata. What a user's `--layer`, label map and `--slice` names are
/// checked against, read without building the record.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Names {
    /// The record's spans, each as (layer, label).
    pub spans: Vec<(Option<CompactString>, CompactString)>,
    /// The keys of the record's metadata.
    pub meta: Vec<String>,
}

/// The [`Names`] a record line uses, read with everything else (the text, offsets, relations)
/// skipped over, eight bytes at a time: many times cheaper than [`parse_line`] and
/// [`Record::resolve`], and holding nothing of the record. `None` when the line is not a JSON
/// object of that shape; whether the record is otherwise valid (its values, keys serde would
/// refuse) is for [`parse_line`] to say.
pub fn names(line: &[u8]) -> Option<Names> {
    scan::names(std::str::from_utf8(line).ok()?)
}

/// Whether `path` names a zstd-compressed file (`.zst`, e.g. `corpus.jsonl.zst`).
pub fn is_zstd(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "zst")
}

/// Reads a whole JSON Lines file into memory, decompressing a `.zst` one.
pub fn read_all(path: &Path) -> std::io::Result<Vec<u8>> {
    if is_zstd(path) {
        let mut out = Vec::new();
        zstd::stream::read::Decoder::new(std::fs::File::open(path)?)?.read_to_end(&mut out)?;
        Ok(out)
    } else {
        std::fs::read(path)
    }
}

/// A JSON Lines file read once from start to end, as a stream, and then kept to be read at
/// offsets ([`read_exact_at`]): a plain file as it is; a `.zst` file decompressed as it is read
/// (or a pipe read as it comes), each piece written as it is handed out into an unnamed
/// temporary file (in `TMPDIR`, removed when closed). So what indexes a file's lines decompresses it in the same pass,
/// with no second read of the decompressed bytes; a compressed corpus costs its
/// uncompressed size in temporary disk space while it is open, and no memory.
pub struct OnePass {
    /// The stream: the decompressor of a `.zst` file, or a pipe; `None` for a plain file.
    decoder: Option<Box<dyn Read + Send>>,
    /// The plain file, or the temporary file the decompressed bytes go to.
    file: std::fs::File,
    /// Where the stream is in the plain file (read at offsets: the file keeps no cursor).
    at: u64,
}

impl std::fmt::Debug for OnePass {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OnePass").field("compressed", &self.decoder.is_some()).field("at", &self.at).finish()
    }
}

impl OnePass {
    /// Opens `path`, decompressing it as it is read when it is a `.zst` file. What cannot be
    /// read at offsets — a pipe, as a shell's `<(zcat gold.jsonl.gz)` gives — is read as a
    /// stream too, into the temporary file.
    pub fn open(path: &Path) -> std::io::Result<OnePass> {
        let file = std::fs::File::open(path)?;
        let stream: Box<dyn Read + Send> = match (is_zstd(path), file.metadata()?.is_file()) {
            (false, true) => return Ok(OnePass { decoder: None, file, at: 0 }),
            (false, false) => Box::new(file),
            (true, _) => Box::new(zstd::stream::read::Decoder::new(file)?),
        };
        let temporary = tempfile::tempfile().map_err(temporary_file_error)?;
        Ok(OnePass { decoder: Some(stream), file: temporary, at: 0 })
    }

    /// The file, when it is a plain one: it holds every byte already, so it can be read at
    /// offsets at once (in pieces, from several threads) rather than as a stream.
    pub fn plain(&self) -> Option<&std::fs::File> {
        self.decoder.is_none().then_some(&self.file)
    }

    /// The file to read at offsets, once the stream has been read: what a `.zst` file's
    /// stream has left is decompressed first, so the file holds every byte, or this is the
    /// error that stops it (a truncated or corrupt `.zst` file).
    pub fn finish(mut self) -> std::io::Result<std::fs::File> {
        if self.decoder.is_some() {
            std::io::copy(&mut self, &mut std::io::sink())?;
        }
        Ok(self.file)
    }
}

/// An error making or writing the temporary file a `.zst` file is decompressed into (or a
/// pipe copied into), saying so: otherwise it reads as an error in the input (a full `/tmp`
/// would read as "No space left on device" at some line of it).
fn temporary_file_error(e: std::io::Error) -> std::io::Error {
    let dir = std::env::temp_dir();
    let message = format!(
        "cannot write to the temporary directory {}: {e} (a .zst file or a pipe is copied there whole, \
         uncompressed: free space there or set TMPDIR to a directory with room)",
        dir.display()
    );
    std::io::Error::new(e.kind(), message)
}

impl OnePass {
    /// The file as far as the stream has been read, the rest left unread: for a reading that
    /// stopped at a problem, whose lines read so far are still to be looked at. (A plain file
    /// holds every byte anyway.)
    pub fn read_so_far(self) -> std::fs::File {
        self.file
    }
}

impl Read for OnePass {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let got = match &mut self.decoder {
            None => read_at_most(&self.file, buf, self.at)?,
            Some(decoder) => {
                let got = decoder.read(buf)?;
                std::io::Write::write_all(&mut self.file, &buf[..got]).map_err(temporary_file_error)?;
                got
            }
        };
        self.at += got as u64;
        Ok(got)
    }
}

/// Streams given as paths (a pipe, `/dev/stdin`, a shell's `<(python predict.py)`) spooled by
/// this process: each path's bytes, copied into an unnamed temporary file, while the
/// [`Spooled`] that copied them lives.
static SPOOLED: std::sync::Mutex<BTreeMap<std::path::PathBuf, std::sync::Arc<std::fs::File>>> =
    std::sync::Mutex::new(BTreeMap::new());

fn spooled_copies() -> std::sync::MutexGuard<'static, BTreeMap<std::path::PathBuf, std::sync::Arc<std::fs::File>>> {
    SPOOLED.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Streams copied by [`spool`]: while this lives, every [`open_stream`] of one of their paths
/// reads its copy from the start; dropped, the copies are removed.
#[must_use = "the copies are removed when this is dropped"]
#[derive(Debug)]
pub struct Spooled {
    paths: Vec<std::path::PathBuf>,
}

impl Drop for Spooled {
    fn drop(&mut self) {
        let mut copies = spooled_copies();
        for path in &self.paths {
            copies.remove(path);
        }
    }
}

/// Copies each of `paths` that is a stream (neither a regular file nor a directory) into a
/// temporary file, so that it can be read more than once: a stream's bytes can be read only
/// once, and a command may read an input twice (`score` reads a predictions file's header
/// before its records, and its records again for a report). While the returned [`Spooled`]
/// lives, every [`open_stream`] of such a path reads the copy from its start (a `.zst` one
/// decompressed), so messages still name the path as given. A regular file, a directory, a
/// missing path (left for the reader to report) and a path given twice or already copied are
/// left as they are.
pub fn spool<'p>(paths: impl IntoIterator<Item = &'p Path>) -> std::io::Result<Spooled> {
    let mut spooled = Spooled { paths: Vec::new() };
    for path in paths {
        let Ok(kind) = std::fs::metadata(path).map(|m| m.file_type()) else { continue };
        if kind.is_file() || kind.is_dir() || spooled_copies().contains_key(path) {
            continue;
        }
        let mut copy = tempfile::tempfile().map_err(temporary_file_error)?;
        let unreadable = |e: std::io::Error| std::io::Error::new(e.kind(), format!("{}: {e}", path.display()));
        let mut stream = std::fs::File::open(path).map_err(unreadable)?;
        let mut buf = vec![0; 1 << 16];
        loop {
            let got = match stream.read(&mut buf) {
                Ok(0) => break,
                Ok(got) => got,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(unreadable(e)),
            };
            std::io::Write::write_all(&mut copy, &buf[..got]).map_err(temporary_file_error)?;
        }
        spooled_copies().insert(path.to_owned(), copy.into());
        spooled.paths.push(path.to_owned());
    }
    Ok(spooled)
}

/// A reader of the copy of a [`spool`]ed stream, from its start.
fn spooled(path: &Path) -> Option<SpooledCopy> {
    spooled_copies().get(path).map(|file| SpooledCopy { file: std::sync::Arc::clone(file), at: 0 })
}

/// The copy of a spooled stream, read at offsets so that several readers each keep their own
/// place.
struct SpooledCopy {
    file: std::sync::Arc<std::fs::File>,
    at: u64,
}

impl Read for SpooledCopy {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let got = read_at_most(&self.file, buf, self.at)?;
        self.at += got as u64;
        Ok(got)
    }
}

/// Fills `buf` from `file` at `offset` (from any thread: no shared cursor on Unix).
pub fn read_exact_at(file: &std::fs::File, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
    let mut done = 0;
    while done < buf.len() {
        match read_at_most(file, &mut buf[done..], offset + done as u64) {
            Ok(0) => return Err(std::io::ErrorKind::UnexpectedEof.into()),
            Ok(n) => done += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Reads what `file` has at `offset` into `buf`, from any thread.
#[cfg(unix)]
pub fn read_at_most(file: &std::fs::File, buf: &mut [u8], offset: u64) -> std::io::Result<usize> {
    std::os::unix::fs::FileExt::read_at(file, buf, offset)
}

#[cfg(not(unix))]
pub fn read_at_most(file: &std::fs::File, buf: &mut [u8], offset: u64) -> std::io::Result<usize> {
    // `&File` implements Read and Seek; concurrent callers are serialised by this lock.
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _guard = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let mut f = file;
    std::io::Seek::seek(&mut f, std::io::SeekFrom::Start(offset))?;
    std::io::Read::read(&mut f, buf)
}

/// Parses one record line (the bytes of line `line` of the file at `location`).
pub fn parse_line(bytes: &[u8], line: usize, location: &Location) -> Result<Record, Problem> {
    let at = location.at_line(line);
    let mut bytes = bytes;
    if line == 1 && bytes.starts_with(b"\xEF\xBB\xBF") {
        return Err(Problem::new(at, ProblemKind::ByteOrderMark));
    }
    while let [rest @ .., b'\n' | b'\r'] = bytes {
        bytes = rest;
    }
    // Every byte of every line is checked: a vectorised check does it several times faster,
    // and std's check, on failure only, says where.
    let text = match simdutf8::basic::from_utf8(bytes) {
        Ok(text) => text,
        Err(_) => {
            let byte = std::str::from_utf8(bytes).err().map(|e| e.valid_up_to()).unwrap_or_default();
            return Err(Problem::new(at, ProblemKind::InvalidUtf8 { byte }));
        }
    };
    match scan::record(text).map(Ok).unwrap_or_else(|| serde_json::from_str::<RecordV1>(text)) {
        Ok(raw) if raw.goldspan.is_some_and(|v| v != VERSION) => Err(Problem::new(
            at.in_document(&raw.id),
            ProblemKind::Syntax {
                message: format!(
                    "record version {} is not supported; this goldspan reads version {VERSION}",
                    raw.goldspan.unwrap_or_default()
                ),
            },
        )),
        Ok(raw) => Ok(Record { line, raw }),
        Err(_) if is_header(bytes) => Err(Problem::new(
            at,
            ProblemKind::Syntax {
                message: "a header line ({\"goldspan\": 1, \"header\": ...}) may only be a file's first line; \
                          files with headers cannot be concatenated"
                    .into(),
            },
        )),
        Err(e) => {
            let at = match sniff_id(std::str::from_utf8(bytes).unwrap_or_default()) {
                Some(id) => at.in_document(&id),
                None => at,
            };
            Err(Problem::new(at, ProblemKind::Syntax { message: format!("invalid record: {e}") }))
        }
    }
}

/// What tells a header line from a record: a `header` and no `id`.
#[derive(Deserialize)]
struct HeaderProbe {
    #[serde(default)]
    header: Option<serde::de::IgnoredAny>,
    #[serde(default)]
    id: Option<serde::de::IgnoredAny>,
}

/// Whether a line is a header line: an object with a `header` key and no `id`.
fn is_header(bytes: &[u8]) -> bool {
    memchr::memmem::find(bytes, b"\"header\"").is_some()
        && serde_json::from_slice::<HeaderProbe>(bytes).is_ok_and(|p| p.header.is_some() && p.id.is_none())
}

/// A header line as written: the version, then what the header holds.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct HeaderLine<T> {
    goldspan: u32,
    header: T,
}

/// The header line of a file of records: `{"goldspan": 1, "header": HEADER}`, without a line
/// ending. Serialising plain data cannot fail.
pub fn header_line<T: Serialize>(header: &T) -> String {
    serde_json::to_string(&HeaderLine { goldspan: VERSION, header }).unwrap_or_default()
}

/// Reads the header of the JSON Lines file at `path`, if it opens with one, as a `T`.
pub fn read_header<T: serde::de::DeserializeOwned>(path: &Path) -> Result<Option<T>, Error> {
    let mut reader = Reader::open(path)?;
    // Reading the first record (or the end) reads past the header; a problem with that record
    // is for the reader of the records to report.
    let _ = reader.next_line_ref();
    let Some((line, bytes)) = reader.header() else { return Ok(None) };
    let at = Location::file(path).at_line(line);
    let syntax = |message: String| Error::Invalid(vec![Problem::new(at.clone(), ProblemKind::Syntax { message })]);
    match serde_json::from_slice::<HeaderLine<T>>(bytes) {
        Ok(h) if h.goldspan != VERSION => Err(syntax(format!(
            "header version {} is not supported; this goldspan reads version {VERSION}",
            h.goldspan
        ))),
        Ok(h) => Ok(Some(h.header)),
        Err(e) => Err(syntax(format!("invalid header: {e}"))),
    }
}

impl<R: Read> Iterator for Reader<R> {
    type Item = Result<Record, Problem>;

    fn next(&mut self) -> Option<Self::Item> {
        let next = self.next_line()?;
        Some(next.and_then(|(line, bytes)| parse_line(&bytes, line, &self.location)))
    }
}

/// The document id of a record that does not parse, when its `"id"` field can still be found,
/// so the problem can name the document.
fn sniff_id(text: &str) -> Option<String> {
    if let Ok(v) = serde_json::from_str::<serde_json::Value>(text) {
        return v.get("id").and_then(|i| i.as_str()).map(str::to_owned);
    }
    let after = &text[text.find("\"id\"")? + 4..];
    let value = after.trim_start().strip_prefix(':')?.trim_start();
    let mut stream = serde_json::Deserializer::from_str(value).into_iter::<String>();
    stream.next()?.ok()
}

/// Reads a whole JSON Lines file of self-contained records (each with its text), checking
/// each against `manifest` when given and rejecting duplicate document ids. Every problem in
/// the file is reported.
pub fn read_documents(path: &Path, manifest: Option<&Manifest>) -> Result<Vec<AnnotatedDocument>, Error> {
    read_collection(path, manifest).map(|c| c.documents)
}

/// [`read_documents`] as a [`Collection`](crate::Collection) that knows each document's line.
pub fn read_collection(path: &Path, manifest: Option<&Manifest>) -> Result<crate::Collection, Error> {
    let location = Location::file(path);
    let mut problems = Problems::default();
    let mut docs = Vec::new();
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for record in Reader::open(path)? {
        match record {
            Err(p) => problems.push_problem(p),
            Ok(record) => {
                if let Some(&first) = seen.get(record.id()) {
                    problems.push(
                        location.at_line(record.line()).in_document(record.id()),
                        ProblemKind::DuplicateId { id: record.id().to_owned(), first_line: Some(first) },
                    );
                    continue;
                }
                seen.insert(record.id().to_owned(), record.line());
                match record.resolve(manifest, &location) {
                    Ok(doc) => docs.push(doc),
                    Err(p) => problems.extend(p),
                }
            }
        }
    }
    let origins = seen.into_iter().map(|(id, line)| (id, location.at_line(line))).collect();
    problems.into_result(crate::Collection { documents: docs, origins, ..crate::Collection::default() })
}

/// Serialises one document as a record line (no trailing newline). `with_text` includes the
/// document text and metadata (gold as one file); predictions leave them out.
pub fn to_line(doc: &AnnotatedDocument, with_text: bool) -> String {
    record_line(&doc.document, &doc.annotations, with_text)
}

/// Serialises `annotations` of `document` as a record line, as [`to_line`] does, without
/// making them one [`AnnotatedDocument`] first. The bytes are serde's for the record
/// [`record_v1`] builds (written by hand, as every run with a cache writes one per document).
pub fn record_line(d: &Document, a: &Annotations, with_text: bool) -> String {
    write::record_line(d, a, with_text)
}

/// The record [`record_line`] writes, as serde serialises it: what the hand-written line is
/// tested against.
#[cfg(test)]
fn record_v1(d: &Document, a: &Annotations, with_text: bool) -> RecordV1 {
    RecordV1 {
        goldspan: Some(VERSION),
        id: d.id().to_owned(),
        // A document read without its text (llm-json) is written without one.
        text: (with_text && !d.text().is_empty()).then(|| d.text().to_owned()),
        meta: if with_text {
            d.meta().iter().map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone()))).collect()
        } else {
            BTreeMap::new()
        },
        spans: a
            .spans
            .iter()
            .map(|s| {
                let contiguous = s.fragments().len() == 1;
                SpanV1 {
                    id: Some(s.id().into()),
                    layer: Some(s.layer().into()),
                    label: s.label().into(),
                    start: contiguous.then(|| s.start()),
                    end: contiguous.then(|| s.end()),
                    fragments: (!contiguous).then(|| s.fragments().iter().map(|f| [f.start(), f.end()]).collect()),
                    text: d.covered_text(s.fragments()).map(CompactString::from),
                    ..SpanV1::default()
                }
            })
            .chain(a.text_spans.iter().map(|s| SpanV1 {
                id: Some(s.id.clone()),
                layer: Some(s.layer.clone()),
                label: s.label.clone(),
                text: Some(s.text.as_str().into()),
                occurrence: s.occurrence.and_then(|n| u32::try_from(n).ok()),
                context: s.context.as_deref().map(Box::from),
                ..SpanV1::default()
            }))
            .collect(),
        relations: a.relations.iter().map(RelationV1::from).collect(),
        clusters: a.clusters.clone(),
        attributes: a.attributes.iter().map(AttributeV1::from).collect(),
        notes: a.notes.iter().map(NoteV1::from).collect(),
    }
}

impl From<&Relation> for RelationV1 {
    fn from(r: &Relation) -> RelationV1 {
        RelationV1 { id: Some(r.id.clone()), kind: r.kind.clone(), head: r.head.clone(), tail: r.tail.clone() }
    }
}

impl From<&Attribute> for AttributeV1 {
    fn from(x: &Attribute) -> AttributeV1 {
        AttributeV1 { id: x.id.clone(), name: x.name.clone(), target: x.target.clone(), value: x.value.clone() }
    }
}

impl From<&Note> for NoteV1 {
    fn from(n: &Note) -> NoteV1 {
        NoteV1 { id: n.id.clone(), kind: n.kind.clone(), target: n.target.clone(), text: n.text.clone() }
    }
}

/// Writes documents as a JSON Lines file, atomically.
pub fn write_documents(path: &Path, docs: &[AnnotatedDocument], with_text: bool) -> Result<(), Error> {
    let mut out = String::new();
    for doc in docs {
        out.push_str(&to_line(doc, with_text));
        out.push('\n');
    }
    write_lines(path, &out)
}

/// Writes JSON Lines to `path` atomically, zstd-compressed when its name ends in `.zst` (as
/// every reader here reads such a file).
pub fn write_lines(path: &Path, lines: &str) -> Result<(), Error> {
    if !is_zstd(path) {
        return crate::write_atomic(path, lines.as_bytes());
    }
    // With a checksum, a damaged file is an error when read, not other bytes.
    let packed = (|| {
        let mut encoder = zstd::stream::write::Encoder::new(Vec::new(), ZSTD_LEVEL)?;
        encoder.include_checksum(true)?;
        std::io::Write::write_all(&mut encoder, lines.as_bytes())?;
        encoder.finish()
    })()
    .map_err(|e| Error::write(path, e))?;
    crate::write_atomic(path, &packed)
}

/// The zstd level goldspan writes at (the zstd program's default).
pub const ZSTD_LEVEL: i32 = 3;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_header_line_is_skipped_by_readers_and_read_by_read_header() {
        #[derive(Debug, PartialEq, Serialize, Deserialize)]
        struct Run {
            extractor: String,
        }
        let header = header_line(&Run { extractor: "quotes-rules".into() });
        assert_eq!(header, r#"{"goldspan":1,"header":{"extractor":"quotes-rules"}}"#);
        let text = format!("{header}\n{{\"id\": \"d1\", \"spans\": []}}\n");
        let ids: Vec<(String, usize)> = Reader::new(text.as_bytes(), Location::file("p.jsonl"))
            .map(|r| r.map(|r| (r.id().to_owned(), r.line())).expect("a record"))
            .collect();
        // Line numbers stay the file's: the record is on line 2.
        assert_eq!(ids, [("d1".to_owned(), 2)]);
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("p.jsonl");
        std::fs::write(&path, &text).expect("write");
        assert_eq!(read_header::<Run>(&path).expect("reads"), Some(Run { extractor: "quotes-rules".into() }));
        std::fs::write(&path, "{\"id\": \"d1\"}\n").expect("write");
        assert_eq!(read_header::<Run>(&path).expect("reads"), None);
        // Anywhere but first, a header is an error that says so.
        let twice = format!("{text}{header}\n");
        let all: Vec<Result<Record, Problem>> = Reader::new(twice.as_bytes(), Location::file("p.jsonl")).collect();
        let e = all[1].as_ref().expect_err("a second header");
        assert_eq!(e.location.line, Some(3));
        assert!(e.to_string().contains("may only be a file's first line"), "{e}");
        // Read from the middle of a file, a first line is a record or nothing.
        let mid: Vec<Result<Record, Problem>> =
            Reader::new(text.as_bytes(), Location::file("p.jsonl")).without_header().collect();
        assert!(mid[0].is_err() && mid[1].is_ok(), "{mid:?}");
    }

    #[test]
    fn json_documents_are_one_problem_not_one_per_line() {
        let pretty = "\n{\n  \"id\": \"d1\",\n  \"text\": \"Zoë\",\n  \"spans\": []\n}\n{\n  \"id\": \"d2\"\n}\n";
        let array = "[{\"id\": \"d1\", \"text\": \"Zoë\"},\n {\"id\": \"d2\", \"text\": \"Liz\"}]\n";
        for (input, line, found) in
            [(pretty, 2, "pretty-printed, objects spread over several lines"), (array, 1, "an array")]
        {
            let all: Vec<Result<Record, Problem>> = Reader::new(input.as_bytes(), Location::file("p.jsonl")).collect();
            assert_eq!(all.len(), 1, "{all:?}");
            let problem = all.into_iter().next().and_then(Result::err).expect("a problem");
            assert!(matches!(problem.kind, ProblemKind::NotJsonLines { found: f } if f == found), "{problem}");
            assert_eq!(problem.location.line, Some(line));
            assert!(problem.to_string().contains("not JSON Lines"), "{problem}");
        }
        // A record on one line is read as before.
        let one = "{\"id\": \"d1\", \"text\": \"Zoë\"}\n";
        let all: Vec<Result<Record, Problem>> = Reader::new(one.as_bytes(), Location::file("p.jsonl")).collect();
        assert!(matches!(all.as_slice(), [Ok(record)] if record.id() == "d1"), "{all:?}");
    }

    fn news() -> Manifest {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../corpus/news/goldspan.toml");
        crate::gold::read_manifest(&path).expect("the news manifest")
    }

    fn predictions(line: &str, manifest: Option<&Manifest>) -> Result<Annotations, Vec<String>> {
        let gold = Document::new("d1", "Liz Truss said: “It must.”", Meta::new());
        let location = Location::file("p.jsonl");
        let record = parse_line(line.as_bytes(), 1, &location).map_err(|p| vec![p.to_string()])?;
        record
            .resolve_predictions(&gold, manifest, &location)
            .map_err(|problems| problems.iter().map(ToString::to_string).collect())
    }

    #[test]
    fn spans_given_as_text_are_read_with_their_speaker_and_cue() {
        let line = r#"{"id": "d1", "spans": [{"label": "PERSON", "text": "Liz Truss", "occurrence": 1}, {"id": "q", "label": "Quote", "text": "It must.", "speaker": "Liz Truss", "cue": "said"}, {"label": "PERSON", "text": "Truss", "context": "Liz Truss said"}]}"#;
        let a = predictions(line, Some(&news())).expect("resolves");
        assert!(a.spans.is_empty());
        let strings: Vec<String> = a
            .text_spans
            .iter()
            .map(|t| format!("{} {} {} {:?} {:?} {:?}", t.id, t.layer, t.label, t.text, t.occurrence, t.context))
            .collect();
        assert_eq!(
            strings,
            [
                "T1 entities PERSON \"Liz Truss\" Some(1) None",
                "q.speaker quotes Source \"Liz Truss\" None None",
                "q.cue quotes Cue \"said\" None None",
                "q quotes Quote \"It must.\" None None",
                "T3 entities PERSON \"Truss\" None Some(\"Liz Truss said\")",
            ]
        );
        let relations: Vec<(&str, &str, &str, &str)> =
            a.relations.iter().map(|r| (r.id.as_str(), r.kind.as_str(), r.head.as_str(), r.tail.as_str())).collect();
        assert_eq!(relations, [("q.speaker.rel", "speaker", "q", "q.speaker"), ("q.cue.rel", "cue", "q", "q.cue")]);
        // Written back, the speaker and cue are spans and relations of their own, read the same.
        let doc = AnnotatedDocument { document: Document::new("d1", "", Meta::new()), annotations: a.clone() };
        let written = to_line(&doc, true);
        assert!(!written.contains("\"text\":\"\""), "no empty text: {written}");
        assert_eq!(predictions(&written, Some(&news())), Ok(a));
    }

    #[test]
    fn spans_given_as_text_are_checked() {
        let problems = |spans: &str, manifest: Option<&Manifest>| {
            predictions(&format!(r#"{{"id": "d1", "spans": [{spans}]}}"#), manifest).expect_err("a problem")
        };
        let news = news();
        let cases = [
            (r#"{"label": "PERSON", "text": "  "}"#, "span T1: its \"text\" is blank, and it has no offsets"),
            (r#"{"label": "PERSON", "text": "Liz", "occurrence": 0}"#, "\"occurrence\" counts from 1"),
            (r#"{"label": "PERSON", "start": 0, "end": 3, "occurrence": 1}"#, "this one has offsets"),
            (r#"{"label": "PERSON", "text": "Liz", "speaker": "Liz"}"#, "only a quotation (Quote) has a \"speaker\""),
            (r#"{"label": "Quote", "text": "It must.", "speaker": ""}"#, "its \"speaker\" is blank"),
            (r#"{"label": "PERSONA", "text": "Liz"}"#, "label \"PERSONA\" is not declared"),
            (r#"{"label": "PERSON"}"#, "or, for a prediction without offsets, \"text\" alone"),
        ];
        for (span, expected) in cases {
            let found = problems(span, Some(&news));
            assert!(found.len() == 1 && found[0].contains(expected), "{span}: {found:?}");
        }
        let found = problems(r#"{"label": "Quote", "layer": "quotes", "text": "It must.", "cue": "said"}"#, None);
        assert!(found[0].contains("needs a corpus manifest whose [attribution] names the cue relation"), "{found:?}");
        // A relation naming a string is checked like one naming a span.
        let line = r#"{"id": "d1", "spans": [{"id": "q", "label": "Quote", "text": "It must."}, {"id": "p", "label": "PERSON", "text": "Liz"}], "relations": [{"type": "speaker", "head": "q", "tail": "p"}]}"#;
        let found = predictions(line, Some(&news)).expect_err("PERSON is no Source");
        assert!(found[0].contains("p") && found[0].contains("PERSON"), "{found:?}");
    }

    #[test]
    fn gold_spans_need_offsets() {
        let line = r#"{"id": "d1", "text": "Liz Truss", "spans": [{"layer": "entities", "label": "PERSON", "text": "Liz Truss"}]}"#;
        let record = parse_line(line.as_bytes(), 1, &Location::file("g.jsonl")).expect("parses");
        let problems = record.resolve(None, &Location::file("g.jsonl")).expect_err("gold needs offsets");
        assert!(problems[0].to_string().contains("span T1 has no offsets: gold spans need"), "{problems:?}");
    }

    #[test]
    fn names_are_read_from_spans_and_meta_and_nothing_else() {
        // A text and a span text that look like fields, a relation, a span without a layer,
        // keys in another order: only the spans' layers and labels and the meta keys count.
        let line = br#"{"text": "a \"layer\": \"fake\" {\"label\": \"X\"}", "id": "d1",
            "meta": {"title": "T", "year": 2020},
            "spans": [{"label": "PERSON", "start": 0, "end": 1, "layer": "entities", "text": "a"},
                      {"label": "QUOTE", "fragments": [[0, 1], [2, 3]]}],
            "relations": [{"type": "speaker", "head": "T2", "tail": "T1"}]}"#;
        let read = names(line).expect("names");
        assert_eq!(
            read.spans,
            [(Some("entities".into()), CompactString::from("PERSON")), (None, CompactString::from("QUOTE"))]
        );
        assert_eq!(read.meta, ["title", "year"]);
        // A record without spans or meta names nothing; what is not an object is no record.
        assert_eq!(names(br#"{"id": "d2", "text": "x"}"#), Some(Names::default()));
        assert_eq!(names(b"[1, 2]"), None);
        assert_eq!(names(br#"{"spans": [{"layer": "entities"}]}"#), None, "a span needs a label");
    }

    #[test]
    fn invalid_utf8_is_reported_at_its_byte() {
        // `{"id":"d` is 8 bytes; a lead byte with no continuation follows.
        let line = b"{\"id\":\"d\xC3\",\"text\":\"x\"}\n";
        let problem = parse_line(line, 3, &Location::file("p.jsonl")).expect_err("not UTF-8");
        assert!(matches!(problem.kind, ProblemKind::InvalidUtf8 { byte: 8 }), "{problem}");
        assert!(problem.to_string().contains("p.jsonl:3"), "{problem}");
    }

    /// `bytes` compressed with zstd.
    fn zstd(bytes: &[u8]) -> Vec<u8> {
        zstd::stream::encode_all(bytes, 3).expect("compresses")
    }

    #[test]
    fn a_zst_file_read_once_is_decompressed_into_a_file_that_holds_every_byte() {
        let dir = tempfile::tempdir().expect("temp dir");
        // Over a megabyte, so the stream is read in many pieces.
        let text: String = (0..40_000).map(|i| format!("{{\"id\": \"d{i}\", \"text\": \"é\"}}\n")).collect();
        let (plain, packed) = (dir.path().join("p.jsonl"), dir.path().join("p.jsonl.zst"));
        std::fs::write(&plain, &text).expect("write");
        std::fs::write(&packed, zstd(text.as_bytes())).expect("write");
        for path in [&plain, &packed] {
            let mut stream = OnePass::open(path).expect("opens");
            assert_eq!(stream.plain().is_some(), path == &plain);
            // What the stream gives is the text; the file then holds it, to read at offsets.
            let mut start = vec![0; 100_000];
            stream.read_exact(&mut start).expect("reads");
            assert_eq!(start, text.as_bytes()[..100_000]);
            let mut rest = Vec::new();
            stream.read_to_end(&mut rest).expect("reads");
            assert_eq!(rest, text.as_bytes()[100_000..]);
            let file = stream.finish().expect("whole");
            let mut all = vec![0; text.len()];
            read_exact_at(&file, &mut all, 0).expect("reads at offsets");
            assert_eq!(all, text.as_bytes());
            // Finished before the stream was read to its end, the file still holds every byte.
            let mut stream = OnePass::open(path).expect("opens");
            stream.read_exact(&mut start).expect("reads");
            let file = stream.finish().expect("whole");
            let mut last = [0; 100];
            read_exact_at(&file, &mut last, (text.len() - 100) as u64).expect("reads the end");
            assert_eq!(last, text.as_bytes()[text.len() - 100..]);
        }
    }

    /// A named pipe at `path` (made with `mkfifo`), fed `bytes` by a thread of its own.
    #[cfg(unix)]
    fn fed_pipe(path: &Path, bytes: Vec<u8>) -> std::thread::JoinHandle<()> {
        let made = std::process::Command::new("mkfifo").arg(path).status().expect("mkfifo runs");
        assert!(made.success(), "mkfifo {}", path.display());
        let path = path.to_owned();
        std::thread::spawn(move || std::fs::write(&path, bytes).expect("writes the pipe"))
    }

    #[cfg(unix)]
    #[test]
    fn a_spooled_pipe_reads_whole_from_its_start_each_time_while_spooled() {
        let dir = tempfile::tempdir().expect("temp dir");
        // Over 64 KiB, more than one read of the pipe.
        let text: String = (0..10_000).map(|i| format!("{{\"id\": \"d{i}\", \"spans\": []}}\n")).collect();
        let (pipe, packed, file) =
            (dir.path().join("p.jsonl"), dir.path().join("p.jsonl.zst"), dir.path().join("f.jsonl"));
        let feeders = [fed_pipe(&pipe, text.clone().into_bytes()), fed_pipe(&packed, zstd(text.as_bytes()))];
        std::fs::write(&file, &text).expect("write");
        let read = |path: &Path| {
            let mut all = String::new();
            open_stream(path).expect("opens").read_to_string(&mut all).expect("reads");
            all
        };
        {
            // A pipe given twice is copied once; a regular file and a missing path are left.
            let missing = dir.path().join("missing.jsonl");
            let paths = [pipe.as_path(), packed.as_path(), pipe.as_path(), file.as_path(), missing.as_path()];
            let _copies = spool(paths).expect("spools");
            for feeder in feeders {
                feeder.join().expect("fed");
            }
            for path in [&pipe, &pipe, &packed, &file] {
                assert_eq!(read(path), text, "{}", path.display());
            }
            // Two readers of one copy, side by side, each from its own place.
            let (mut a, mut b) = (open_stream(&pipe).expect("opens"), open_stream(&pipe).expect("opens"));
            let (mut first, mut second) = (vec![0; 1000], vec![0; 1000]);
            a.read_exact(&mut first).expect("reads");
            b.read_exact(&mut second).expect("reads");
            assert_eq!(first, second);
            assert_eq!(first, text.as_bytes()[..1000]);
            assert!(spooled(&file).is_none() && spooled(&missing).is_none());
        }
        // Dropped, the copies are gone: the paths name the pipes again.
        assert!(spooled(&pipe).is_none() && spooled(&packed).is_none());
    }

    #[test]
    fn a_truncated_or_corrupt_zst_file_is_an_error_when_read_never_a_short_file() {
        let dir = tempfile::tempdir().expect("temp dir");
        let text: String = (0..20_000).map(|i| format!("{{\"id\": \"d{i}\"}}\n")).collect();
        let packed = zstd(text.as_bytes());
        // Damage is found where the frame carries a checksum of its content (zstd's `-C`, on by
        // default in the zstd program); without one, damaged literals decode as other bytes,
        // for the record's reader to refuse.
        let mut encoder = zstd::stream::write::Encoder::new(Vec::new(), 3).expect("encoder");
        encoder.include_checksum(true).expect("checksum");
        std::io::Write::write_all(&mut encoder, text.as_bytes()).expect("compresses");
        let mut corrupt = encoder.finish().expect("compresses");
        let middle = corrupt.len() / 2;
        corrupt[middle..middle + 8].copy_from_slice(b"\xff\x00\xff\x00\xff\x00\xff\x00");
        for (name, bytes) in
            [("truncated.jsonl.zst", &packed[..packed.len() - 10]), ("corrupt.jsonl.zst", &corrupt[..])]
        {
            let path = dir.path().join(name);
            std::fs::write(&path, bytes).expect("write");
            let mut out = Vec::new();
            let read = OnePass::open(&path).and_then(|mut s| s.read_to_end(&mut out));
            assert!(read.is_err(), "{name}: read {} of {} bytes without an error", out.len(), text.len());
            assert!(OnePass::open(&path).and_then(OnePass::finish).is_err(), "{name}");
        }
    }
}
