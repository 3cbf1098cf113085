//! What the annotation tools' JSON formats share: reading records that carry text and span
//! offsets in the tool's unit, naming every problem's line and document, and writing spans and
//! metadata while reporting what a format cannot hold. Each tool has its own module
//! ([`crate::doccano`], [`crate::label_studio`], [`crate::prodigy`], [`crate::spacy`]); this one
//! holds their common parts so each rule is written once.
//!
//! # Reading
//!
//! - A span's layer is the manifest's layer for its label when a manifest is given (an
//!   undeclared label is a problem), else `default_layer`.
//! - A byte-order mark, invalid UTF-8, invalid JSON, a missing or empty text, and offsets that
//!   are out of range, reversed, empty or inside a character are problems naming the file, the
//!   line and the document. Readers go on after a problem, report all of them, and return
//!   [`Error::Invalid`] if there was any. The document of a line that is not valid JSON is
//!   named when its id can be found before the error. Duplicate document ids are problems.
//! - Metadata values are strings; numbers and booleans are kept as their JSON text.
//! - A JSON Lines file that is one JSON document (an array, or objects spread over several
//!   lines) is one problem saying so, not one per line. A record of which nothing was read but
//!   that holds spans under another tool's key (`"spans"` read as doccano) is a problem naming
//!   the format that reads it: 0 spans and success would be a silent wrong result.
//! - The same span twice in one record is a problem for the doccano and Prodigy readers
//!   ([`Reading::check_duplicates`]), as `validate` has it for gold.
//! - What a reader dropped or assumed becomes a note ([`Collection::notes`]). When offsets were
//!   read in the tool's unit, not the user's (`--offset-unit`), with nothing to check them by
//!   (no covered text), and spans follow a character that the units the tool may have counted
//!   in count differently (outside the Basic Multilingual Plane for UTF-16, a cluster of
//!   several code points for grapheme clusters), a note names the unit assumed.
//!
//! # Writing
//!
//! Only contiguous spans are written; writers return, one human-readable line each, what the
//! format cannot hold: discontinuous spans, relations (except Label Studio's), clusters,
//! attributes, notes, metadata keys the format reserves, and span layers when a document has
//! more than one (reading back takes layers from the manifest; spaCy's span groups keep them).
//! doccano records are `{"id", "text", "label", ...metadata}`, spaCy records `{"id", "text",
//! "ents", "spans", "meta", "tokens"}` ([`crate::spacy`]), and Label Studio files are tasks with
//! predictions (see [`crate::label_studio`]).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

use goldspan_model::text::{self, OffsetUnit, UnitConverter};
use goldspan_model::{
    AnnotatedDocument, Annotations, Document, Error, Location, Manifest, Meta, ProblemKind, Problems, Span,
};
use serde::Serialize;
use serde_json::{Map, Value};
use unicode_segmentation::UnicodeSegmentation;

use crate::format::{read_against, Collection, ReadOptions};
use crate::{json_document_shape, write_atomic};

// ---------------------------------------------------------------------------------------------
// Reading: shared parts

/// State of one file being read.
pub(crate) struct Reading<'a> {
    pub(crate) location: Location,
    pub(crate) stem: String,
    pub(crate) manifest: Option<&'a Manifest>,
    pub(crate) default_layer: &'a str,
    /// The unit the file's offsets count: the tool's own unless the user said otherwise.
    pub(crate) unit: OffsetUnit,
    pub(crate) problems: Problems,
    /// Document id to the line it was first read from.
    pub(crate) seen: HashMap<String, usize>,
    pub(crate) docs: Vec<AnnotatedDocument>,
    /// Whether the user chose the unit (`--offset-unit`) rather than leaving it to the tool.
    pub(crate) unit_given: bool,
    /// What reading dropped or assumed, one line each ([`Collection::notes`]).
    pub(crate) notes: Vec<String>,
    /// Spans read in an assumed unit, unchecked, after characters the units count differently.
    pub(crate) unchecked: Vec<(OffsetUnit, Unchecked)>,
}

/// Spans whose offsets were read in a unit nobody confirmed (the tool's default, with no
/// covered text to check them by) and that follow a character the units the tool may have
/// counted in (`others`) count differently.
#[derive(Debug, Default)]
pub(crate) struct Unchecked {
    others: &'static [OffsetUnit],
    spans: usize,
    documents: usize,
    first: String,
}

/// The first code point of `text` after which an offset counted in `unit` and one counted in
/// one of `others` can differ: a character outside the Basic Multilingual Plane (one code point,
/// two UTF-16 units), a grapheme cluster of several code points, a non-ASCII character for
/// UTF-8 bytes. `None` when the units agree throughout.
fn divergence(text: &str, unit: OffsetUnit, others: &[OffsetUnit]) -> Option<usize> {
    let with = |u: OffsetUnit| others.iter().any(|&o| o != unit && (o == u || unit == u));
    let astral = || text.chars().position(|c| c.len_utf16() == 2);
    let non_ascii = || text.chars().position(|c| !c.is_ascii());
    let cluster = || {
        let mut cp = 0;
        for cluster in text.graphemes(true) {
            let n = cluster.chars().count();
            if n > 1 {
                return Some(cp);
            }
            cp += n;
        }
        None
    };
    let candidates = [
        with(OffsetUnit::Utf16).then(astral).flatten(),
        with(OffsetUnit::Utf8Byte).then(non_ascii).flatten(),
        with(OffsetUnit::Grapheme).then(cluster).flatten(),
    ];
    candidates.into_iter().flatten().min()
}

impl<'a> Reading<'a> {
    /// Reading `path` with `options`; offsets count `tool_unit` unless the options override it.
    pub(crate) fn new(path: &Path, options: &'a ReadOptions, tool_unit: OffsetUnit) -> Reading<'a> {
        Reading {
            location: Location::file(path),
            stem: path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "doc".into()),
            manifest: options.manifest.as_ref(),
            default_layer: &options.layer,
            unit: options.offset_unit.unwrap_or(tool_unit),
            problems: Problems::default(),
            seen: HashMap::new(),
            docs: Vec::new(),
            unit_given: options.offset_unit.is_some(),
            notes: Vec::new(),
            unchecked: Vec::new(),
        }
    }

    /// The id of the `n`-th record (1-based) when it has none.
    pub(crate) fn generated_id(&self, n: usize) -> String {
        format!("{}-{n:04}", self.stem)
    }

    pub(crate) fn syntax(&mut self, at: &Location, message: String) {
        self.problems.push(at.clone(), ProblemKind::Syntax { message });
    }

    /// A span from offsets counted in the format's unit.
    pub(crate) fn span(
        &self,
        offsets: &OffsetReader,
        id: String,
        label: &str,
        start: usize,
        end: usize,
    ) -> Result<Span, ProblemKind> {
        self.span_in(offsets, id, label, start, end, self.default_layer)
    }

    /// [`Self::span`] with `layer` for the span's layer when there is no manifest.
    pub(crate) fn span_in(
        &self,
        offsets: &OffsetReader,
        id: String,
        label: &str,
        start: usize,
        end: usize,
        layer: &str,
    ) -> Result<Span, ProblemKind> {
        let s = offsets.code_point(&id, start)?;
        let e = offsets.code_point(&id, end)?;
        let Some(layer) = layer_for(self.manifest, label, layer) else {
            return Err(ProblemKind::UnknownLabel { span: id, label: label.to_owned(), layer: None });
        };
        Span::contiguous(id.as_str(), layer, label, s, e).ok_or_else(|| ProblemKind::Syntax {
            message: format!("span {id}: offsets {start}..{end} are empty or reversed (start must be below end)"),
        })
    }

    /// Adds a document read from `line`, unless its id was seen before.
    pub(crate) fn push_document(&mut self, line: usize, doc: AnnotatedDocument) {
        let id = doc.document.id().to_owned();
        if let Some(&first) = self.seen.get(&id) {
            let at = self.location.at_line(line).in_document(&id);
            self.problems.push(at, ProblemKind::DuplicateId { id, first_line: Some(first) });
            return;
        }
        self.seen.insert(id, line);
        self.docs.push(doc);
    }

    /// Reports each of `spans` that repeats an earlier one (same layer, label and offsets).
    pub(crate) fn check_duplicates(&mut self, at: &Location, spans: &[Span]) {
        for (first, copy) in goldspan_model::duplicate_spans(spans) {
            let (first, copy) = (spans[first].id().to_owned(), spans[copy].id().to_owned());
            self.problems.push(at.clone(), ProblemKind::DuplicateSpan { span: copy, first });
        }
    }

    /// Records that `spans` of document `id` were read in `unit` without anything to check
    /// them by, when the tool's files may also count in `others`: those ending after a
    /// character the units count differently would be shifted if the file counted in another,
    /// so a note names the unit assumed. Nothing is recorded when the user chose the unit.
    pub(crate) fn assume_unit<'s>(
        &mut self,
        id: &str,
        text: &str,
        (unit, others): (OffsetUnit, &'static [OffsetUnit]),
        spans: impl IntoIterator<Item = &'s Span>,
    ) {
        if self.unit_given {
            return;
        }
        let Some(divergence) = divergence(text, unit, others) else { return };
        let after = spans.into_iter().filter(|s| s.end() > divergence).count();
        if after == 0 {
            return;
        }
        let entry = match self.unchecked.iter().position(|(u, _)| *u == unit) {
            Some(i) => &mut self.unchecked[i].1,
            None => {
                self.unchecked.push((unit, Unchecked { others, first: id.to_owned(), ..Unchecked::default() }));
                let last = self.unchecked.len() - 1;
                &mut self.unchecked[last].1
            }
        };
        entry.spans += after;
        entry.documents += 1;
    }

    /// Turns what [`Reading::assume_unit`] found into notes; `why` says why the tool's files
    /// are taken to count in a unit.
    pub(crate) fn note_assumed_units(&mut self, why: fn(OffsetUnit) -> &'static str) {
        for (unit, u) in std::mem::take(&mut self.unchecked) {
            let others: Vec<OffsetUnit> = u.others.iter().copied().filter(|&o| o != unit).collect();
            let units = std::iter::once(unit).chain(others.iter().copied());
            let mut examples = Vec::new();
            if units.clone().any(|o| o == OffsetUnit::Utf16) {
                examples.push("characters outside the Basic Multilingual Plane such as emoji");
            }
            if units.clone().any(|o| o == OffsetUnit::Grapheme) {
                examples.push("clusters of several code points such as accents written as combining marks");
            }
            if units.clone().any(|o| o == OffsetUnit::Utf8Byte) {
                examples.push("any character outside ASCII");
            }
            let names: Vec<String> = others.iter().map(ToString::to_string).collect();
            let flags: Vec<String> = others.iter().map(|o| format!("--offset-unit {}", o.name())).collect();
            self.notes.push(format!(
                "offsets read as {unit}, {}, with nothing to check them by: characters before {} in {} (first: \
                 {}) count differently in {} ({}); if spans look shifted, read the file again with {}",
                why(unit),
                plural(u.spans, "span"),
                plural(u.documents, "document"),
                u.first,
                names.join(" or "),
                examples.join("; "),
                flags.join(" or "),
            ));
        }
    }

    pub(crate) fn finish(self) -> Result<Vec<AnnotatedDocument>, Error> {
        self.problems.into_result(self.docs)
    }

    /// The documents, the manifest they were read against (`options`' narrowed to them) and
    /// the notes, unless there were problems.
    pub(crate) fn into_collection(self, options: &ReadOptions) -> Result<Collection, Error> {
        let manifest = read_against(options, &self.docs);
        let origins = self.origins();
        self.problems.into_result(Collection { manifest, documents: self.docs, notes: self.notes, origins })
    }

    /// Where each document was read from ([`Collection::origins`]).
    pub(crate) fn origins(&self) -> BTreeMap<String, Location> {
        self.seen.iter().map(|(id, &line)| (id.clone(), self.location.at_line(line))).collect()
    }
}

/// `kind`, a problem converting the offsets `raw` of something said to cover `expected`, or a
/// mismatch naming the unit they fit when they fit another: offsets counted in UTF-16 often
/// run past the end in code points.
pub(crate) fn offset_problem(
    kind: ProblemKind,
    text: &str,
    unit: OffsetUnit,
    raw: (usize, usize),
    expected: Option<&str>,
) -> ProblemKind {
    let (ProblemKind::OffsetOutOfRange { span, .. } | ProblemKind::OffsetInsideUnit { span, .. }) = &kind else {
        return kind;
    };
    let Some(expected) = expected else { return kind };
    match drift(text, &text::Offsets::new(text), unit, raw, expected) {
        Some(drift) => ProblemKind::TextMismatch {
            span: span.clone(),
            start: raw.0,
            end: raw.1,
            expected: expected.to_owned(),
            found: None,
            drift: Some(drift),
        },
        None => kind,
    }
}

/// Checks that `expected`, the text a file says a token or span covers, is the text at
/// `found` (code points) — the file's offsets `raw`, counted in `unit`. A mismatch names the
/// unit the offsets fit, if any.
pub(crate) fn check_text(
    text: &str,
    table: &text::Offsets,
    unit: OffsetUnit,
    what: &str,
    raw: (usize, usize),
    found: (usize, usize),
    expected: &str,
) -> Result<(), ProblemKind> {
    let at = text::slice(text, table, found.0, found.1).unwrap_or_default();
    if at == expected {
        return Ok(());
    }
    Err(ProblemKind::TextMismatch {
        span: what.to_owned(),
        start: found.0,
        end: found.1,
        expected: expected.to_owned(),
        found: Some(at.to_owned()),
        drift: drift(text, table, unit, raw, expected),
    })
}

/// The unit other than `unit` in which the offsets `raw` cover `expected`, if any.
fn drift(
    text: &str,
    table: &text::Offsets,
    unit: OffsetUnit,
    raw: (usize, usize),
    expected: &str,
) -> Option<text::OffsetDrift> {
    if unit != OffsetUnit::CodePoint && text::slice(text, table, raw.0, raw.1) == Some(expected) {
        return Some(text::OffsetDrift::Unit(OffsetUnit::CodePoint));
    }
    text::diagnose_drift(text, raw.0, raw.1, expected).filter(|d| *d != text::OffsetDrift::Unit(unit))
}

/// The layer of a span labelled `label`: the manifest's layer for the label when there is a
/// manifest (`None` when it declares no such label), else `layer`.
pub(crate) fn layer_for<'a>(manifest: Option<&'a Manifest>, label: &str, layer: &'a str) -> Option<&'a str> {
    match manifest {
        Some(manifest) => manifest.layer_of(label).map(|l| l.name.as_str()),
        None => Some(layer),
    }
}

/// Converts one text's offsets, counted in a format's unit, to code points.
pub(crate) struct OffsetReader {
    unit: OffsetUnit,
    converter: UnitConverter,
    len_units: usize,
    len_chars: usize,
}

impl OffsetReader {
    pub(crate) fn new(text: &str, unit: OffsetUnit) -> OffsetReader {
        let len_chars = text.chars().count();
        let len_units = if unit == OffsetUnit::CodePoint { len_chars } else { unit.len(text) };
        OffsetReader { unit, converter: UnitConverter::new(text, unit), len_units, len_chars }
    }

    pub(crate) fn code_point(&self, span: &str, offset: usize) -> Result<usize, ProblemKind> {
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
pub(crate) fn scalar(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(_) | Value::Bool(_) => Some(value.to_string()),
        _ => None,
    }
}

/// An id given as a string or a number.
pub(crate) fn id_of(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

pub(crate) fn offset(value: Option<&Value>) -> Option<usize> {
    value.and_then(Value::as_u64).and_then(|v| usize::try_from(v).ok())
}

/// `[start, end, "LABEL"]`.
pub(crate) fn triple(value: &Value) -> Option<(usize, usize, &str)> {
    match value.as_array()?.as_slice() {
        [s, e, label] => Some((offset(Some(s))?, offset(Some(e))?, label.as_str()?)),
        _ => None,
    }
}

/// A serde_json error as a message with a column, its line being reported by the location.
pub(crate) fn json_error(e: &serde_json::Error, column: usize) -> String {
    let text = e.to_string();
    let message = text.rsplit_once(" at line ").map_or(text.as_str(), |(m, _)| m);
    format!("invalid JSON at column {column}: {message}")
}

pub(crate) fn skip_whitespace(bytes: &[u8], mut i: usize) -> usize {
    while bytes.get(i).is_some_and(u8::is_ascii_whitespace) {
        i += 1;
    }
    i
}

/// The index just past the JSON string starting at `bytes[start]` (a `"`), if it is closed.
pub(crate) fn string_end(bytes: &[u8], start: usize) -> Option<usize> {
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
pub(crate) fn guess_key(json: &str, path: &[&str]) -> Option<String> {
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
pub(crate) type RecordReader = fn(&mut Reading<'_>, &Map<String, Value>, &str, &Location) -> (Meta, Annotations);

/// How one JSON Lines format reads its records: where the text and the id are, which records
/// are documents, and the rest of each record. A format keeps what it learns across records
/// (counts for its notes, a label table) in the implementing value.
pub(crate) trait JsonlRecords {
    /// The keys that may hold the text, in order of preference.
    fn text_keys(&self) -> &'static [&'static str] {
        &["text"]
    }

    /// The key paths that may hold the document id, in order of preference.
    fn id_paths(&self) -> &'static [&'static [&'static str]] {
        &[&["id"]]
    }

    /// Whether a record is read at all (Prodigy reads only accepted answers by default); a
    /// record turned down is no document, and nothing in it is checked.
    fn keep(&mut self, _r: &mut Reading<'_>, _obj: &Map<String, Value>, _at: &Location) -> bool {
        true
    }

    /// Metadata and annotations of one record with this text.
    fn read(&mut self, r: &mut Reading<'_>, obj: &Map<String, Value>, text: &str, at: &Location)
        -> (Meta, Annotations);
}

impl JsonlRecords for RecordReader {
    fn read(
        &mut self,
        r: &mut Reading<'_>,
        obj: &Map<String, Value>,
        text: &str,
        at: &Location,
    ) -> (Meta, Annotations) {
        self(r, obj, text, at)
    }
}

/// Reads a JSON Lines file whose records have `"id"` and `"text"`, leaving the rest to `record`.
pub(crate) fn read_jsonl(
    path: &Path,
    options: &ReadOptions,
    tool_unit: OffsetUnit,
    mut record: RecordReader,
) -> Result<Collection, Error> {
    let mut r = Reading::new(path, options, tool_unit);
    read_lines(&mut r, path, &mut record);
    r.into_collection(options)
}

/// The keys the tools' JSON Lines records hold spans under, and whose records have them: a
/// record that gives no span but has one of these, non-empty, was read as the wrong format.
const SPAN_KEYS: [(&str, &str); 6] = [
    ("spans", "Prodigy's (--from prodigy) and goldspan's (--from jsonl)"),
    ("ents", "spaCy-style (--from spacy)"),
    ("label", "doccano's (--from doccano)"),
    ("labels", "doccano's (--from doccano)"),
    ("entities", "doccano's (--from doccano)"),
    ("annotations", "doccano 1.0 to 1.2's (--from doccano)"),
];

/// Reads the records of the JSON Lines file at `path` into `r`, each by `records`. A file
/// that is one JSON document (an array, or objects spread over lines) is one problem, not one
/// per line.
pub(crate) fn read_lines(r: &mut Reading<'_>, path: &Path, records: &mut dyn JsonlRecords) {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => {
            r.problems.push(r.location.clone(), ProblemKind::Io(e));
            return;
        }
    };
    let mut body = bytes.as_slice();
    let mut line_start = 0;
    if let Some(rest) = body.strip_prefix(b"\xEF\xBB\xBF") {
        r.problems.push(r.location.at_line(1), ProblemKind::ByteOrderMark);
        body = rest;
        line_start = 3;
    }
    let first = body.split(|&b| b == b'\n').enumerate().find(|(_, l)| !l.iter().all(u8::is_ascii_whitespace));
    if let Some((index, line)) = first {
        if let Some(found) = json_document_shape(line, Some(body)) {
            r.problems.push(r.location.at_line(index + 1), ProblemKind::NotJsonLines { found });
            return;
        }
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
        let found = records.id_paths().iter().find_map(|path| {
            let value = path.iter().try_fold(&value, |v, key| v.get(key))?;
            (!value.is_null()).then_some((path, value))
        });
        let id = match found {
            None => r.generated_id(ordinal),
            Some((path, v)) => match id_of(v) {
                Some(id) => id,
                None => {
                    let generated = r.generated_id(ordinal);
                    let key = path.join(".");
                    r.syntax(&at.in_document(&generated), format!("\"{key}\" must be a string or a number, found {v}"));
                    continue;
                }
            },
        };
        let at = at.in_document(&id);
        if !records.keep(r, obj, &at) {
            continue;
        }
        let Some(text) = records.text_keys().iter().find_map(|key| obj.get(*key)).and_then(Value::as_str) else {
            let keys: Vec<String> = records.text_keys().iter().map(|k| format!("{k:?}")).collect();
            r.syntax(&at, format!("the record has no {} string", keys.join(" or ")));
            continue;
        };
        if text.is_empty() {
            r.problems.push(at, ProblemKind::EmptyDocument);
            continue;
        }
        let before = r.problems.count();
        let (meta, annotations) = records.read(r, obj, text, &at);
        if annotations.spans.is_empty() && r.problems.count() == before {
            // Spans this format does not read would be lost without a word: another tool's file.
            let foreign = SPAN_KEYS
                .iter()
                .find(|(key, _)| obj.get(*key).and_then(Value::as_array).is_some_and(|a| !a.is_empty()));
            if let Some((key, whose)) = foreign {
                let message = format!(
                    "no span was read, yet the record has a non-empty {key:?} list, which is how {whose} \
                     files hold spans"
                );
                r.syntax(&at, message);
                continue;
            }
        }
        r.push_document(line, AnnotatedDocument { document: Document::new(id, text, meta), annotations });
    }
}

/// Byte ranges of the elements of the top-level JSON array in `text`, found by matching
/// brackets outside strings; the elements themselves are parsed later, one by one.
pub(crate) fn array_elements(text: &str) -> Result<Vec<(usize, usize)>, (usize, &'static str)> {
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

// ---------------------------------------------------------------------------------------------
// Writing

pub(crate) fn plural(n: usize, what: &str) -> String {
    format!("{n} {what}{}", if n == 1 { "" } else { "s" })
}

/// The spans a writer can hold, with their UTF-16 or code-point offsets; reports the others and
/// the annotations no span format holds (relations unless `relations_kept`, span layers unless
/// `layers_kept`).
pub(crate) fn writable_spans<'d>(
    doc: &'d AnnotatedDocument,
    unit: OffsetUnit,
    relations_kept: bool,
    layers_kept: bool,
    lost: &mut Vec<String>,
) -> Vec<(&'d Span, usize, usize)> {
    writable_spans_keeping(doc, unit, relations_kept, layers_kept, None, lost)
}

/// [`writable_spans`] for a format that also holds the notes of one kind (Label Studio keeps
/// the notes that carry its region ids).
pub(crate) fn writable_spans_keeping<'d>(
    doc: &'d AnnotatedDocument,
    unit: OffsetUnit,
    relations_kept: bool,
    layers_kept: bool,
    note_kind_kept: Option<&str>,
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
        (a.notes.iter().filter(|n| Some(n.kind.as_str()) != note_kind_kept).count(), "note"),
    ] {
        if n > 0 {
            lose(format!("{} dropped (the format cannot hold them)", plural(n, what)));
        }
    }
    let layers: BTreeSet<&str> = a.spans.iter().map(Span::layer).collect();
    if layers.len() > 1 && !layers_kept {
        let list: Vec<&str> = layers.into_iter().collect();
        lose(format!("span layers are not stored ({}); reading back takes them from the manifest", list.join(", ")));
    }
    spans
}

/// Metadata, minus the keys the format reserves (reported).
pub(crate) fn writable_meta<'d>(
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

pub(crate) fn write_lines(path: &Path, lines: &[String]) -> Result<(), Error> {
    let mut out = String::new();
    for line in lines {
        out.push_str(line);
        out.push('\n');
    }
    write_atomic(path, out.as_bytes())
}

pub(crate) fn to_json(value: &impl Serialize) -> String {
    // Serialising these structs (strings, integers, string maps) cannot fail.
    serde_json::to_string(value).unwrap_or_default()
}

#[cfg(test)]
pub(crate) mod test_support {
    //! Fixtures shared by the tools' tests: a text whose offsets differ in every unit, and
    //! generated documents for round trips.
    use super::*;
    use goldspan_model::{Layer, Relation};
    use proptest::prelude::*;

    /// "😀 Zoë met 李雷, then 😀😀 “Liz Truss”." In code points: Zoë 2..5, 李雷 10..12,
    /// Liz Truss 23..32. Each emoji is two UTF-16 units, so in UTF-16: 3..6, 11..13, 26..35.
    pub(crate) const TEXT: &str = "😀 Zoë met 李雷, then 😀😀 “Liz Truss”.";

    pub(crate) fn file(name: &str, contents: &str) -> (tempfile::TempDir, std::path::PathBuf) {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join(name);
        std::fs::write(&path, contents).expect("write fixture");
        (dir, path)
    }

    pub(crate) fn manifest() -> Manifest {
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
    pub(crate) fn spans(doc: &AnnotatedDocument) -> Vec<(String, String, String, usize, usize, String)> {
        doc.annotations
            .spans
            .iter()
            .map(|s| {
                let covered = doc.document.slice(s.start(), s.end()).unwrap_or("?").to_owned();
                (s.id().into(), s.layer().into(), s.label().into(), s.start(), s.end(), covered)
            })
            .collect()
    }

    pub(crate) fn expected_people() -> Vec<(String, String, String, usize, usize, String)> {
        [("T1", 2, 5, "Zoë"), ("T2", 10, 12, "李雷"), ("T3", 23, 32, "Liz Truss")]
            .into_iter()
            .map(|(id, s, e, t)| (id.into(), "entities".into(), "PERSON".into(), s, e, t.into()))
            .collect()
    }

    pub(crate) fn json(s: &str) -> String {
        serde_json::to_string(s).expect("string serialises")
    }

    pub(crate) fn rich_document() -> AnnotatedDocument {
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

    /// Text mixing ASCII, accented letters, Cyrillic, CJK, emoji, curly quotes and line breaks.
    pub(crate) fn text() -> impl Strategy<Value = String> {
        "[a-zA-Z0-9 éüçñÅ\u{301}ЖжЯя李雷東京😀🎉👍🏽“”‘’«»\n\t.,]{1,40}"
    }

    /// Documents with contiguous spans `T1..` (in order, none repeating another), optional
    /// metadata, and relations `R1..` between spans when `relations`.
    pub(crate) fn documents(relations: bool) -> impl Strategy<Value = Vec<AnnotatedDocument>> {
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
                        if spans.iter().any(|s: &Span| (s.label(), s.start(), s.end()) == (label, start, end)) {
                            continue;
                        }
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

    pub(crate) type Writer = fn(&Path, &[AnnotatedDocument]) -> Result<Vec<String>, Error>;
    pub(crate) type Reader = fn(&Path, &ReadOptions) -> Result<Vec<AnnotatedDocument>, Error>;

    /// Read options with `manifest` and default layer `layer`.
    pub(crate) fn options(manifest: Option<Manifest>, layer: &str) -> ReadOptions {
        ReadOptions { manifest, layer: layer.into(), ..ReadOptions::default() }
    }

    pub(crate) fn round_trip(docs: &[AnnotatedDocument], write: Writer, read: Reader) -> Result<(), TestCaseError> {
        let dir = tempfile::tempdir().map_err(|e| TestCaseError::fail(e.to_string()))?;
        let path = dir.path().join("out.json");
        let lost = write(&path, docs).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert!(lost.is_empty(), "lost: {:?}", lost);
        let back = read(&path, &options(None, "entities")).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(back, docs);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::test_support::*;
    use super::*;
    use crate::doccano;
    use crate::label_studio;
    use crate::spacy;
    use goldspan_model::Relation;

    #[test]
    fn writers_use_each_formats_units_and_report_losses() {
        let dir = tempfile::tempdir().expect("temp dir");
        let doc = rich_document();

        let path = dir.path().join("d.jsonl");
        let lost = doccano::write(&path, std::slice::from_ref(&doc)).expect("writes");
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
        let lost = spacy::write(&path, std::slice::from_ref(&doc), "entities").expect("writes");
        let written = std::fs::read_to_string(&path).expect("read");
        assert!(
            written.contains(
                "\"ents\":[{\"start\":23,\"end\":32,\"label\":\"PERSON\"}],\"spans\":{\"quotes\":[{\"start\":2,\"end\":5,\"label\":\"Source\",\"kb_id\":\"\"}]},\"meta\":{\"desk\":\"politics\",\"text\":\"clash\"}"
            ),
            "{written}"
        );
        assert_eq!(
            lost,
            [
                "document d1: span T3 (Quote 6..18) is discontinuous, dropped",
                "document d1: 2 relations dropped (the format cannot hold them)",
                "document d1: 1 cluster dropped (the format cannot hold them)",
            ]
        );

        let path = dir.path().join("ls.json");
        let lost = label_studio::write(&path, std::slice::from_ref(&doc)).expect("writes");
        assert!(
            lost.contains(
                &"document d1: relation R2 (speaker T3 -> T2) dropped: a span it links was not written".to_owned()
            ),
            "{lost:?}"
        );
        assert!(!lost.iter().any(|l| l.contains("relations dropped")), "{lost:?}");
        let back = label_studio::read(&path, &options(Some(manifest()), "unused")).expect("reads back").documents;
        let found: Vec<_> = spans(&back[0]).into_iter().map(|s| (s.0, s.1, s.3, s.4)).collect();
        assert_eq!(found, [("T1".into(), "entities".into(), 23, 32), ("T2".into(), "quotes".into(), 2, 5)]);
        assert_eq!(
            back[0].annotations.relations,
            [Relation { id: "R1".into(), kind: "speaker".into(), head: "T2".into(), tail: "T1".into() }]
        );
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
}
