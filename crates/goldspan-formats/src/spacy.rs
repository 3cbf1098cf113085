//! spaCy: JSONL records shaped like spaCy's `Doc.to_json` (read and written here), and the
//! layout of a goldspan document as a spaCy `Doc` that this JSONL and the DocBin
//! ([`crate::docbin`]) share.
//!
//! # JSONL
//!
//! ```json
//! {"id": "d1", "text": "Zoë met Liz Truss.", "ents": [{"start": 0, "end": 3, "label": "PERSON"}],
//!  "spans": {"quotes": [{"start": 8, "end": 17, "label": "Source", "kb_id": ""}]},
//!  "meta": {"desk": "politics"}, "tokens": [{"id": 0, "start": 0, "end": 3}, ...]}
//! ```
//!
//! Offsets are code points (Python string indices, spaCy's unit). A written record loads with
//! `Doc(nlp.vocab).from_json(record, validate=True)` (spaCy 3.8, `doc.pyx`): `from_json` needs
//! `tokens` (`id`, `start`, `end`), takes `ents` and each `spans` group as objects whose offsets
//! fall on token boundaries (`Doc.char_span`), requires `kb_id` on group spans, refuses
//! overlapping `ents`, and ignores `id` and `meta`. Reading also accepts the older
//! `"ents": [[start, end, "LABEL"]]` (items of `spans` groups may be triples too); `tokens`
//! are not read. `id` is optional (`{file stem}-{n}` as for doccano); `meta` must be an object
//! of scalars; other keys are ignored. Spans are `T1`, `T2`, ... in file order: `ents`, then the
//! groups in key order. A span's layer is the manifest's layer for its label; without a
//! manifest, `ents` are in the default layer (`--layer`) and a group's spans in the layer named
//! by the group.
//!
//! # A document as a spaCy Doc
//!
//! goldspan documents have no tokens, so writers make them ([`layout`]): runs of letters and
//! digits (whole grapheme clusters), every other character cluster on its own, and a cut at
//! every span boundary, so no token crosses a span boundary and every span is a token span.
//! One space after a token is its trailing whitespace (spaCy's `SPACY` flag); the rest of the
//! whitespace becomes tokens, so the text rebuilds exactly. The spans of the entity layer
//! (`--layer`, default `entities`) become `Doc.ents`, which cannot overlap: in text order
//! (longer first at one start), a span overlapping an entity already taken goes to the span
//! group of its layer instead, as does every span of another layer (`Doc.spans[layer]`).
//! Nothing is lost that way; discontinuous spans, relations, clusters, attributes and notes
//! are (reported).
//!
//! `Doc.from_json` rebuilds whitespace itself (`spacy.util.get_words_and_spaces`: a single
//! space after a word is its trailing space, the rest of a whitespace run is one token), so in
//! JSONL a span that starts or ends inside whitespace (or takes in a word's trailing space)
//! cannot be a token span there and is dropped (reported). The DocBin stores tokens as written,
//! so there whitespace is cut at span boundaries too and no span is dropped.

use std::collections::BTreeMap;
use std::path::Path;

use crate::format::{Collection, ReadOptions};
use goldspan_model::text::OffsetUnit;
use goldspan_model::{AnnotatedDocument, Annotations, Error, Location, Meta, ProblemKind, Span};
use serde::Serialize;
use serde_json::{Map, Value};
use unicode_segmentation::UnicodeSegmentation;

use crate::tool_json::{
    offset, read_jsonl, scalar, to_json, triple, writable_meta, writable_spans, write_lines, OffsetReader, Reading,
};

// ---------------------------------------------------------------------------------------------
// Reading JSONL

/// Reads spaCy-style JSONL (offsets in code points). See the module doc.
pub fn read(path: &Path, options: &ReadOptions) -> Result<Collection, Error> {
    read_jsonl(path, options, OffsetUnit::CodePoint, spacy_record)
}

/// `[start, end, "LABEL"]` or `{"start", "end", "label"}`.
fn parse_span(item: &Value) -> Option<(usize, usize, &str)> {
    triple(item).or_else(|| Some((offset(item.get("start"))?, offset(item.get("end"))?, item.get("label")?.as_str()?)))
}

fn spacy_record(r: &mut Reading<'_>, obj: &Map<String, Value>, text: &str, at: &Location) -> (Meta, Annotations) {
    let offsets = OffsetReader::new(text, r.unit);
    let mut annotations = Annotations::default();
    // Where each span was given: "ents" or its span group.
    let mut sources: Vec<String> = Vec::new();
    let mut add = |r: &mut Reading<'_>, item: &Value, layer: &str, source: &str, what: &str| {
        let id = format!("T{}", annotations.spans.len() + 1);
        let Some((start, end, label)) = parse_span(item) else {
            r.syntax(
                at,
                format!("{what}: expected {{\"start\", \"end\", \"label\"}} or [start, end, \"LABEL\"], found {item}"),
            );
            return;
        };
        match r.span_in(&offsets, id, label, start, end, layer) {
            Ok(span) => {
                annotations.spans.push(span);
                sources.push(source.to_owned());
            }
            Err(kind) => r.problems.push(at.clone(), kind),
        }
    };
    match obj.get("ents") {
        None | Some(Value::Null) => {}
        Some(Value::Array(items)) => {
            let layer = r.default_layer;
            for (i, item) in items.iter().enumerate() {
                add(r, item, layer, "ents", &format!("ent {}", i + 1));
            }
        }
        Some(other) => {
            r.syntax(at, format!("\"ents\" must be a list of {{\"start\", \"end\", \"label\"}}, found {other}"))
        }
    }
    match obj.get("spans") {
        None | Some(Value::Null) => {}
        Some(Value::Object(groups)) => {
            for (group, items) in groups {
                let Some(items) = items.as_array() else {
                    r.syntax(at, format!("span group {group:?} must be a list of spans, found {items}"));
                    continue;
                };
                for (i, item) in items.iter().enumerate() {
                    add(r, item, group, group, &format!("span group {group:?}, span {}", i + 1));
                }
            }
        }
        Some(other) => r.syntax(at, format!("\"spans\" must be an object of span groups, found {other}")),
    }
    // spaCy keeps a span in `ents` and in a span group alike (ner and spancat); when both land
    // in one layer (a manifest puts the group's labels there), the span is read once. A span
    // given twice in `ents`, or twice in one group, is a duplicate like any other reader's.
    let mut repeats = Vec::new();
    for (first, copy) in goldspan_model::duplicate_spans(&annotations.spans) {
        if sources[first] == sources[copy] {
            let (first, copy) = (annotations.spans[first].id().to_owned(), annotations.spans[copy].id().to_owned());
            r.problems.push(at.clone(), ProblemKind::DuplicateSpan { span: copy, first });
        } else {
            repeats.push(copy);
        }
    }
    if !repeats.is_empty() {
        let mut index = 0;
        annotations.spans.retain(|_| {
            index += 1;
            !repeats.contains(&(index - 1))
        });
        let doc = at.document.as_deref().unwrap_or("?");
        r.notes.push(format!(
            "document {doc}: {} span(s) given both in \"ents\" and in a span group of the same layer, read once",
            repeats.len()
        ));
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
// A document as a spaCy Doc

/// A token of a document written for spaCy: code points `start..end`, and whether one space
/// (not part of the token) follows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Token {
    pub(crate) start: usize,
    pub(crate) end: usize,
    pub(crate) space: bool,
}

/// How whitespace becomes tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Whitespace {
    /// As `Doc.from_json` rebuilds it: one space after a token is its trailing space, the rest
    /// of a whitespace run one token.
    AsFromJson,
    /// Cut at span boundaries too; a space is a token of its own when a span starts at it or
    /// ends just after it (the DocBin keeps tokens as written).
    CutAtSpans,
}

/// A document laid out as a spaCy Doc: its tokens, its entities (in text order, not
/// overlapping) and its span groups by layer (in annotation order). Spans carry code-point
/// offsets, all on token boundaries.
#[derive(Debug)]
pub(crate) struct Layout<'d> {
    pub(crate) tokens: Vec<Token>,
    pub(crate) ents: Vec<&'d Span>,
    pub(crate) groups: BTreeMap<&'d str, Vec<&'d Span>>,
}

/// Whitespace as Python's `str.isspace` and `str.split()` see it, which spaCy uses to rebuild
/// tokens: Unicode White_Space plus the information separators U+001C..U+001F.
pub(crate) fn is_python_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// Lays `doc` out as a spaCy Doc (see the module doc), reporting in `lost` what it cannot hold.
pub(crate) fn layout<'d>(
    doc: &'d AnnotatedDocument,
    ents_layer: &str,
    whitespace: Whitespace,
    lost: &mut Vec<String>,
) -> Layout<'d> {
    let spans = writable_spans(doc, OffsetUnit::CodePoint, false, true, lost);
    let text = doc.document.text();
    let n = doc.document.len_chars();
    let mut starts = vec![false; n + 1];
    let mut ends = vec![false; n + 1];
    for &(_, s, e) in &spans {
        starts[s] = true;
        ends[e] = true;
    }
    let tokens = tokenize(text, &starts, &ends, whitespace);
    let mut token_start = vec![false; n + 1];
    let mut token_end = vec![false; n + 1];
    for t in &tokens {
        token_start[t.start] = true;
        token_end[t.end] = true;
    }
    let mut kept = Vec::new();
    for (span, s, e) in spans {
        if token_start[s] && token_end[e] {
            kept.push(span);
        } else {
            lost.push(format!(
                "document {}: span {} ({} {s}..{e}) starts or ends inside whitespace, where spaCy's Doc.from_json \
                 puts no token boundary; dropped",
                doc.document.id(),
                span.id(),
                span.label()
            ));
        }
    }
    let mut candidates: Vec<&Span> = kept.iter().copied().filter(|s| s.layer() == ents_layer).collect();
    candidates.sort_by(|a, b| (a.start(), b.end(), a.label()).cmp(&(b.start(), a.end(), b.label())));
    let mut ents: Vec<&Span> = Vec::new();
    for span in candidates {
        if ents.last().is_none_or(|last| last.end() <= span.start()) {
            ents.push(span);
        }
    }
    let mut groups: BTreeMap<&str, Vec<&Span>> = BTreeMap::new();
    for span in kept {
        if !ents.iter().any(|e| std::ptr::eq(*e, span)) {
            groups.entry(span.layer()).or_default().push(span);
        }
    }
    Layout { tokens, ents, groups }
}

/// Tokens of `text` (see the module doc); `starts[i]`/`ends[i]` say that a span starts or ends
/// at code point `i` (both `len + 1` long).
pub(crate) fn tokenize(text: &str, starts: &[bool], ends: &[bool], whitespace: Whitespace) -> Vec<Token> {
    let chars: Vec<char> = text.chars().collect();
    let n = chars.len();
    let mut cluster_start = vec![false; n + 1];
    let mut at = 0;
    for cluster in text.graphemes(true) {
        cluster_start[at] = true;
        at += cluster.chars().count();
    }
    cluster_start[n] = true;
    let cut = |i: usize| starts.get(i).copied().unwrap_or(false) || ends.get(i).copied().unwrap_or(false);
    let cut_ws = whitespace == Whitespace::CutAtSpans;
    let word = |c: char| c.is_alphanumeric();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < n {
        if is_python_space(chars[i]) {
            let mut j = i + 1;
            while j < n && is_python_space(chars[j]) && !(cut_ws && cut(j)) {
                j += 1;
            }
            tokens.push(Token { start: i, end: j, space: false });
            i = j;
            continue;
        }
        // One cluster, then (for a word) more clusters that start with a letter or digit.
        let mut j = i + 1;
        while !cluster_start[j] && !cut(j) {
            j += 1;
        }
        if word(chars[i]) {
            while j < n && cluster_start[j] && !cut(j) && word(chars[j]) {
                j += 1;
                while !cluster_start[j] && !cut(j) {
                    j += 1;
                }
            }
        }
        let space = j < n
            && chars[j] == ' '
            && (!cut_ws || !(starts.get(j).copied().unwrap_or(false) || ends.get(j + 1).copied().unwrap_or(false)));
        tokens.push(Token { start: i, end: j, space });
        i = if space { j + 1 } else { j };
    }
    tokens
}

// ---------------------------------------------------------------------------------------------
// Writing JSONL

#[derive(Serialize)]
struct SpacyRecord<'a> {
    id: &'a str,
    text: &'a str,
    ents: Vec<Ent<'a>>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    spans: BTreeMap<&'a str, Vec<GroupSpan<'a>>>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    meta: BTreeMap<&'a str, &'a str>,
    tokens: Vec<JsonToken>,
}

#[derive(Serialize)]
struct Ent<'a> {
    start: usize,
    end: usize,
    label: &'a str,
}

#[derive(Serialize)]
struct GroupSpan<'a> {
    start: usize,
    end: usize,
    label: &'a str,
    /// `Doc.from_json` reads it on every group span.
    kb_id: &'a str,
}

#[derive(Serialize)]
struct JsonToken {
    id: usize,
    start: usize,
    end: usize,
}

/// Writes spaCy JSONL (code-point offsets), the spans of `ents_layer` as `ents` as far as they
/// do not overlap. Returns what could not be written.
pub fn write(path: &Path, docs: &[AnnotatedDocument], ents_layer: &str) -> Result<Vec<String>, Error> {
    let mut lost = Vec::new();
    let mut lines = Vec::new();
    for doc in docs {
        let layout = layout(doc, ents_layer, Whitespace::AsFromJson, &mut lost);
        let record = SpacyRecord {
            id: doc.document.id(),
            text: doc.document.text(),
            ents: layout.ents.iter().map(|s| Ent { start: s.start(), end: s.end(), label: s.label() }).collect(),
            spans: layout
                .groups
                .iter()
                .map(|(layer, spans)| {
                    let group = spans
                        .iter()
                        .map(|s| GroupSpan { start: s.start(), end: s.end(), label: s.label(), kb_id: "" })
                        .collect();
                    (*layer, group)
                })
                .collect(),
            meta: writable_meta(doc, &[], &mut lost),
            tokens: layout
                .tokens
                .iter()
                .enumerate()
                .map(|(id, t)| JsonToken { id, start: t.start, end: t.end })
                .collect(),
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
        let docs = read(&path, &options(None, "entities")).expect("reads").documents;
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

    #[test]
    fn spacy_reads_span_groups_into_their_layers() {
        let line = r#"{"id": "d1", "text": "Zoë met Liz Truss.", "ents": [{"start": 0, "end": 3, "label": "PERSON"}], "spans": {"sc": [{"start": 8, "end": 17, "label": "Source", "kb_id": ""}, [0, 3, "PERSON"]]}, "tokens": [{"id": 0, "start": 0, "end": 3}]}"#;
        let (_dir, path) = file("s.jsonl", line);
        let docs = read(&path, &options(None, "entities")).expect("reads").documents;
        let found: Vec<_> = spans(&docs[0]).into_iter().map(|s| (s.0, s.1, s.2, s.5)).collect();
        let expected =
            [("T1", "entities", "PERSON", "Zoë"), ("T2", "sc", "Source", "Liz Truss"), ("T3", "sc", "PERSON", "Zoë")];
        assert_eq!(found, expected.map(|(a, b, c, d)| (a.into(), b.into(), c.into(), d.into())));
        // With a manifest, the label's layer wins over the group's key; the PERSON given both in
        // `ents` and in the group is then one span of one layer, read once, and a note says so.
        let read = read(&path, &options(Some(manifest()), "unused")).expect("reads");
        let layers: Vec<_> = spans(&read.documents[0]).into_iter().map(|s| (s.0, s.1)).collect();
        assert_eq!(layers, [("T1".into(), "entities".into()), ("T2".into(), "quotes".into())]);
        assert_eq!(
            read.notes,
            ["document d1: 1 span(s) given both in \"ents\" and in a span group of the same layer, read once"]
        );
    }

    /// Two identical spans in `ents` used to be read as one with the note for a span given in
    /// `ents` and in a span group; spaCy's `Doc.ents` cannot hold them, so they are a duplicate
    /// like any reader's.
    #[test]
    fn the_same_span_twice_in_ents_is_a_duplicate() {
        let line = r#"{"id": "d1", "text": "Zoë met Liz.", "ents": [[0, 3, "PERSON"], [0, 3, "PERSON"]]}"#;
        let (_dir, path) = file("s.jsonl", line);
        let error = match read(&path, &options(None, "entities")) {
            Err(e) => e,
            Ok(c) => panic!("read as {:?}", c.documents),
        };
        let problems = error.problems();
        assert_eq!(problems.len(), 1);
        assert!(
            matches!(&problems[0].kind, ProblemKind::DuplicateSpan { span, first } if span == "T2" && first == "T1"),
            "{}",
            problems[0]
        );
    }

    /// The tokens of `text` with spans at `spans` (code points), as `|`-separated words with
    /// `_` for a trailing space.
    fn check(text: &str, spans: &[(usize, usize)], whitespace: Whitespace, expected: &str) {
        let n = text.chars().count();
        let (mut starts, mut ends) = (vec![false; n + 1], vec![false; n + 1]);
        for &(s, e) in spans {
            starts[s] = true;
            ends[e] = true;
        }
        let chars: Vec<char> = text.chars().collect();
        let shown: Vec<String> = tokenize(text, &starts, &ends, whitespace)
            .iter()
            .map(|t| format!("{}{}", chars[t.start..t.end].iter().collect::<String>(), if t.space { "_" } else { "" }))
            .collect();
        assert_eq!(shown.join("|"), expected, "{text:?}");
    }

    #[test]
    fn tokens_split_words_punctuation_and_whitespace() {
        use Whitespace::*;
        check("Zoë met 李雷.", &[], AsFromJson, "Zoë_|met_|李雷|.");
        check("U.S. 2024", &[], AsFromJson, "U|.|S|._|2024");
        check("a  b\n\nc ", &[], AsFromJson, "a_| |b|\n\n|c_");
        // Grapheme clusters stay whole: an emoji with a skin tone, a letter with a combining accent.
        check("👍🏽ok e\u{301}t", &[], AsFromJson, "👍🏽|ok_|e\u{301}t");
        // U+001F is whitespace to Python (str.isspace), so to spaCy, though not to Rust.
        check("a\u{1f}b", &[], AsFromJson, "a|\u{1f}|b");
        check("   ", &[], CutAtSpans, "   ");
    }

    #[test]
    fn tokens_are_cut_at_span_boundaries() {
        use Whitespace::*;
        check("Liz Truss said", &[(0, 9), (4, 9)], AsFromJson, "Liz_|Truss_|said");
        check("Trussism", &[(0, 5)], AsFromJson, "Truss|ism");
        // A span over "  b" (starting at the space after "a"): from_json cannot cut there...
        check("a  b", &[(1, 4)], AsFromJson, "a_| |b");
        // ...the DocBin can: the space is no trailing space then, and whitespace is cut too.
        check("a  b", &[(1, 4)], CutAtSpans, "a|  |b");
        check("a  b", &[(2, 4)], CutAtSpans, "a_| |b");
        check("a  b", &[(0, 2)], CutAtSpans, "a| | |b");
        check("a\n\n b", &[(2, 5)], CutAtSpans, "a|\n|\n |b");
    }

    #[test]
    fn entities_do_not_overlap_the_rest_goes_to_span_groups() {
        let text = "Liz Truss said so";
        let doc = AnnotatedDocument {
            document: goldspan_model::Document::new("d1", text, Meta::new()),
            annotations: Annotations {
                spans: vec![
                    Span::contiguous("T1", "entities", "ORG", 4, 9).expect("span"),
                    Span::contiguous("T2", "entities", "PERSON", 0, 9).expect("span"),
                    Span::contiguous("T3", "quotes", "Cue", 10, 14).expect("span"),
                    Span::contiguous("T4", "entities", "PERSON", 15, 17).expect("span"),
                ],
                ..Annotations::default()
            },
        };
        let mut lost = Vec::new();
        let layout = layout(&doc, "entities", Whitespace::AsFromJson, &mut lost);
        assert!(lost.is_empty(), "{lost:?}");
        let ids = |spans: &[&Span]| spans.iter().map(|s| s.id().to_owned()).collect::<Vec<_>>();
        assert_eq!(ids(&layout.ents), ["T2", "T4"]);
        let groups: Vec<(&str, Vec<String>)> = layout.groups.iter().map(|(k, v)| (*k, ids(v))).collect();
        assert_eq!(groups, [("entities", vec!["T1".to_owned()]), ("quotes", vec!["T3".to_owned()])]);
    }

    /// (layer, label, start, end) of every span, sorted.
    fn span_set(doc: &AnnotatedDocument) -> Vec<(String, String, usize, usize)> {
        let mut out: Vec<_> =
            doc.annotations.spans.iter().map(|s| (s.layer().into(), s.label().into(), s.start(), s.end())).collect();
        out.sort();
        out
    }

    proptest::proptest! {
        /// Text, ids and metadata come back; every span comes back (in some layer order, so ids
        /// may change) unless the writer reported it, and a reported span starts or ends next
        /// to whitespace, where Doc.from_json puts no token boundary.
        #[test]
        fn spacy_write_then_read_keeps_all_but_reported_spans(docs in documents(false)) {
            let dir = tempfile::tempdir().expect("temp dir");
            let path = dir.path().join("out.jsonl");
            let lost = write(&path, &docs, "entities").expect("writes");
            let back = read(&path, &options(None, "entities")).expect("reads back").documents;
            proptest::prop_assert_eq!(back.len(), docs.len());
            for (doc, back) in docs.iter().zip(&back) {
                proptest::prop_assert_eq!(&doc.document, &back.document);
                let mut expected = span_set(doc);
                let chars: Vec<char> = doc.document.text().chars().collect();
                let space_at = |i: usize| chars.get(i).is_some_and(|&c| is_python_space(c));
                for span in &doc.annotations.spans {
                    let prefix = format!("document {}: span {} ", doc.document.id(), span.id());
                    if lost.iter().any(|l| l.starts_with(&prefix)) {
                        let (s, e) = (span.start(), span.end());
                        proptest::prop_assert!(space_at(s) || (s > 0 && space_at(s - 1)) || space_at(e) || (e > 0 && space_at(e - 1)));
                        let key = (span.layer().to_owned(), span.label().to_owned(), s, e);
                        let at = expected.iter().position(|k| *k == key).expect("listed");
                        expected.remove(at);
                    }
                }
                proptest::prop_assert_eq!(span_set(back), expected);
            }
        }
    }
}
