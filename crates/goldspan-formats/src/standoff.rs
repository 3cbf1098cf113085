//! brat standoff annotation lines (`.ann`): the annotation half of both the gold format and
//! brat import/export.
//!
//! Supported lines: `T` (text-bound spans, discontinuous as `s e;s e`), `R` (relations with
//! `Arg1`/`Arg2`), `*` (`Coref` equivalence = coreference cluster), `A` (attributes) and `#`
//! (notes). Every `T` line repeats its covered text, which is verified against the document;
//! when it differs, the error says whether the offsets look like UTF-16, UTF-8 bytes or CRLF
//! drift. Event (`E`) and normalisation (`N`) lines are reported as unsupported, not dropped.

use std::collections::HashMap;
use std::fmt::Write as _;

use goldspan_model::text::diagnose_drift;
use goldspan_model::Manifest;
use goldspan_model::{AnnotatedDocument, Annotations, Attribute, Document, Fragment, Note, Relation, Span};
use goldspan_model::{Location, ProblemKind, Problems};

/// The equivalence type goldspan writes for coreference clusters.
pub const COREF: &str = "Coref";

/// Annotations read from one `.ann` file, with the line each annotation came from.
#[derive(Debug, Default)]
pub struct Parsed {
    /// The annotations that parsed.
    pub annotations: Annotations,
    /// Annotation id (clusters as `*0`, `*1`, ...) to its 1-based line.
    pub lines: HashMap<String, usize>,
}

/// Parses `.ann` text for `doc`, resolving each label's layer through `manifest`.
pub fn parse(ann: &str, doc: &Document, manifest: &Manifest, location: &Location, problems: &mut Problems) -> Parsed {
    let loc = location.in_document(doc.id());
    let mut out = Parsed::default();
    for (index, raw) in ann.split('\n').enumerate() {
        let line_no = index + 1;
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        if line.trim().is_empty() {
            continue;
        }
        let at = loc.at_line(line_no);
        let syntax = |message: String| ProblemKind::Syntax { message };
        let mut fields = line.splitn(3, '\t');
        let id = fields.next().unwrap_or_default();
        let Some(body) = fields.next() else {
            problems.push(at, syntax(format!("expected a tab after the id {id:?}")));
            continue;
        };
        let rest = fields.next();
        if id != "*" {
            if let Some(&first) = out.lines.get(id) {
                problems.push(at, ProblemKind::DuplicateId { id: id.to_owned(), first_line: Some(first) });
                continue;
            }
        }
        let parsed = match id.chars().next() {
            Some('T') => parse_span(id, body, rest, doc, manifest).map(|span| {
                out.annotations.spans.push(span);
            }),
            Some('R') => parse_relation(id, body).map(|rel| out.annotations.relations.push(rel)),
            Some('*') => parse_cluster(body).map(|members| {
                out.lines.insert(format!("*{}", out.annotations.clusters.len()), line_no);
                out.annotations.clusters.push(members);
            }),
            Some('A') | Some('M') => parse_attribute(id, body).map(|a| out.annotations.attributes.push(a)),
            Some('#') => parse_note(id, body, rest).map(|n| out.annotations.notes.push(n)),
            Some('E') => Err(ProblemKind::Unsupported { what: format!("event annotation {id}") }),
            Some('N') => Err(ProblemKind::Unsupported { what: format!("normalization annotation {id}") }),
            _ => Err(syntax(format!("unknown annotation id {id:?}: expected T, R, *, A or #"))),
        };
        match parsed {
            Ok(()) if id != "*" => {
                out.lines.insert(id.to_owned(), line_no);
            }
            Ok(()) => {}
            Err(kind) => problems.push(at, kind),
        }
    }
    out
}

fn parse_span(
    id: &str,
    body: &str,
    text: Option<&str>,
    doc: &Document,
    manifest: &Manifest,
) -> Result<Span, ProblemKind> {
    let syntax = |message: String| ProblemKind::Syntax { message };
    let (label, ranges) = body
        .split_once(' ')
        .ok_or_else(|| syntax(format!("span {id}: expected \"LABEL START END\", found {body:?}")))?;
    let mut fragments = Vec::new();
    for range in ranges.split(';') {
        let mut parts = range.split(' ');
        let (Some(s), Some(e), None) = (parts.next(), parts.next(), parts.next()) else {
            return Err(syntax(format!("span {id}: expected \"START END\", found {range:?}")));
        };
        let parse = |v: &str| {
            v.parse::<usize>().map_err(|_| syntax(format!("span {id}: offset {v:?} is not a non-negative integer")))
        };
        let (start, end) = (parse(s)?, parse(e)?);
        let fragment = Fragment::new(start, end)
            .ok_or_else(|| syntax(format!("span {id}: fragment {start}..{end} is empty or reversed")))?;
        fragments.push(fragment);
    }
    let layer = manifest.layer_of(label).ok_or_else(|| ProblemKind::UnknownLabel {
        span: id.to_owned(),
        label: label.to_owned(),
        layer: None,
    })?;
    let span = Span::new(id, &layer.name, label, fragments)
        .map_err(|reason| ProblemKind::BadFragments { span: id.to_owned(), reason })?;
    let expected = text.ok_or_else(|| syntax(format!("span {id}: missing the covered text after a second tab")))?;
    check_covered_text(&span, expected, doc)?;
    Ok(span)
}

/// Verifies that `expected` (the text a file records for `span`) is the text at its offsets.
pub fn check_covered_text(span: &Span, expected: &str, doc: &Document) -> Result<(), ProblemKind> {
    if let [only] = span.fragments() {
        if doc.slice(only.start(), only.end()) == Some(expected) {
            return Ok(());
        }
    }
    let found = doc.covered_text(span.fragments());
    if found.as_deref() == Some(expected) {
        return Ok(());
    }
    let drift =
        if span.fragments().len() == 1 { diagnose_drift(doc.text(), span.start(), span.end(), expected) } else { None };
    if found.is_none() && drift.is_none() {
        let len = doc.len_chars();
        let offset = span.fragments().iter().map(|f| f.end()).find(|&e| e > len).unwrap_or(len);
        return Err(ProblemKind::OffsetOutOfRange { span: span.id().to_owned(), offset, len });
    }
    Err(ProblemKind::TextMismatch {
        span: span.id().to_owned(),
        start: span.start(),
        end: span.end(),
        expected: expected.to_owned(),
        found,
        drift,
    })
}

fn parse_relation(id: &str, body: &str) -> Result<Relation, ProblemKind> {
    let mut parts = body.split(' ');
    let (Some(kind), Some(a1), Some(a2), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        return Err(ProblemKind::Syntax {
            message: format!("relation {id}: expected \"TYPE Arg1:ID Arg2:ID\", found {body:?}"),
        });
    };
    let arg = |a: &str, name: &str| {
        a.split_once(':')
            .filter(|(n, v)| *n == name && !v.is_empty())
            .map(|(_, v)| v.to_owned())
            .ok_or_else(|| ProblemKind::Syntax { message: format!("relation {id}: expected {name}:ID, found {a:?}") })
    };
    Ok(Relation { id: id.to_owned(), kind: kind.to_owned(), head: arg(a1, "Arg1")?, tail: arg(a2, "Arg2")? })
}

fn parse_cluster(body: &str) -> Result<Vec<String>, ProblemKind> {
    let mut parts = body.split(' ');
    let kind = parts.next().unwrap_or_default();
    if kind != COREF {
        return Err(ProblemKind::Unsupported {
            what: format!("equivalence type {kind:?} (goldspan reads {COREF:?} as coreference)"),
        });
    }
    let members: Vec<String> = parts.map(str::to_owned).collect();
    if members.len() < 2 || members.iter().any(String::is_empty) {
        return Err(ProblemKind::Syntax {
            message: format!("a {COREF} line needs two or more span ids separated by single spaces"),
        });
    }
    Ok(members)
}

fn parse_attribute(id: &str, body: &str) -> Result<Attribute, ProblemKind> {
    let mut parts = body.split(' ');
    match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some(name), Some(target), value, None) if !name.is_empty() && !target.is_empty() => Ok(Attribute {
            id: id.to_owned(),
            name: name.to_owned(),
            target: target.to_owned(),
            value: value.map(str::to_owned),
        }),
        _ => Err(ProblemKind::Syntax {
            message: format!("attribute {id}: expected \"NAME TARGET [VALUE]\", found {body:?}"),
        }),
    }
}

fn parse_note(id: &str, body: &str, text: Option<&str>) -> Result<Note, ProblemKind> {
    let (kind, target) = body.split_once(' ').ok_or_else(|| ProblemKind::Syntax {
        message: format!("note {id}: expected \"TYPE TARGET\", found {body:?}"),
    })?;
    Ok(Note {
        id: id.to_owned(),
        kind: kind.to_owned(),
        target: target.to_owned(),
        text: text.unwrap_or_default().to_owned(),
    })
}

/// Why annotations cannot be written as standoff.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("document {document}: span {span} covers a line break or tab; brat cannot store it, split it into fragments")]
pub struct UnwritableSpan {
    /// The document.
    pub document: String,
    /// The span.
    pub span: String,
}

/// Writes annotations as `.ann` text: spans, relations, clusters, attributes, notes, each in
/// the order given. A span's text may not contain a line break or tab (brat splits such spans
/// into fragments).
pub fn write(doc: &AnnotatedDocument) -> Result<String, UnwritableSpan> {
    let d = &doc.document;
    let a = &doc.annotations;
    let mut out = String::new();
    for span in &a.spans {
        let text = d.covered_text(span.fragments()).unwrap_or_default();
        if text.contains(['\n', '\r', '\t']) {
            return Err(UnwritableSpan { document: d.id().to_owned(), span: span.id().to_owned() });
        }
        let ranges: Vec<String> = span.fragments().iter().map(|f| format!("{} {}", f.start(), f.end())).collect();
        let _ = writeln!(out, "{}\t{} {}\t{}", span.id(), span.label(), ranges.join(";"), text);
    }
    for r in &a.relations {
        let _ = writeln!(out, "{}\t{} Arg1:{} Arg2:{}", r.id, r.kind, r.head, r.tail);
    }
    for c in &a.clusters {
        let _ = writeln!(out, "*\t{COREF} {}", c.join(" "));
    }
    for at in &a.attributes {
        match &at.value {
            Some(v) => writeln!(out, "{}\t{} {} {}", at.id, at.name, at.target, v),
            None => writeln!(out, "{}\t{} {}", at.id, at.name, at.target),
        }
        .ok();
    }
    for n in &a.notes {
        let _ = writeln!(out, "{}\t{} {}\t{}", n.id, n.kind, n.target, n.text);
    }
    Ok(out)
}
