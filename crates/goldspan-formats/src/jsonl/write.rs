//! Writes a record line by hand, byte for byte what serde writes for the same record.
//!
//! A run with a cache writes every document's predictions as a record line, and serde's
//! generic machinery (a record built field by field, then serialised through `Serializer`
//! calls) cost twice what the rest of the cache did: 84,000 instructions a document of 50
//! spans, against 19,000 for SQLite's insert and 13,500 for the content hash (BENCHMARKS.md,
//! "A cached `cmd:` run"). This writes the same bytes straight from the document and its annotations. Strings without
//! anything to escape (nearly all) are copied as they are; any other goes through serde_json,
//! and so do the rare parts of a record (relations, clusters, attributes, notes), so serde
//! stays the author of every escape. The tests check the two agree on every record.

use compact_str::CompactString;
use goldspan_model::{Annotations, Document, Span, TextSpan};

use super::{AttributeV1, NoteV1, RelationV1, VERSION};

/// The record line of `annotations` of `d` (see [`super::record_line`]).
pub(super) fn record_line(d: &Document, a: &Annotations, with_text: bool) -> String {
    let text_bytes = if with_text { d.text().len() } else { 0 };
    let mut out = String::with_capacity(64 + text_bytes + 96 * (a.spans.len() + a.text_spans.len()));
    out.push_str("{\"goldspan\":");
    number(&mut out, VERSION as usize);
    out.push_str(",\"id\":");
    string(&mut out, d.id());
    // A document read without its text (llm-json) is written without one.
    if with_text && !d.text().is_empty() {
        out.push_str(",\"text\":");
        string(&mut out, d.text());
    }
    if with_text && !d.meta().is_empty() {
        out.push_str(",\"meta\":{");
        for (i, (key, value)) in d.meta().iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            string(&mut out, key);
            out.push(':');
            string(&mut out, value);
        }
        out.push('}');
    }
    out.push_str(",\"spans\":[");
    let mut first = true;
    for s in &a.spans {
        comma(&mut out, &mut first);
        span(&mut out, d, s);
    }
    for s in &a.text_spans {
        comma(&mut out, &mut first);
        text_span(&mut out, s);
    }
    out.push(']');
    if !a.relations.is_empty() {
        let relations: Vec<RelationV1> = a.relations.iter().map(RelationV1::from).collect();
        field_by_serde(&mut out, "relations", &relations);
    }
    if !a.clusters.is_empty() {
        field_by_serde(&mut out, "clusters", &a.clusters);
    }
    if !a.attributes.is_empty() {
        let attributes: Vec<AttributeV1> = a.attributes.iter().map(AttributeV1::from).collect();
        field_by_serde(&mut out, "attributes", &attributes);
    }
    if !a.notes.is_empty() {
        let notes: Vec<NoteV1> = a.notes.iter().map(NoteV1::from).collect();
        field_by_serde(&mut out, "notes", &notes);
    }
    out.push('}');
    out
}

/// A span with offsets: `id`, `layer`, `label`, then `start` and `end` (one fragment) or
/// `fragments`, then the `text` it covers when the document has it.
fn span(out: &mut String, d: &Document, s: &Span) {
    out.push_str("{\"id\":");
    string(out, s.id());
    out.push_str(",\"layer\":");
    string(out, s.layer());
    out.push_str(",\"label\":");
    string(out, s.label());
    match s.fragments() {
        [one] => {
            out.push_str(",\"start\":");
            number(out, one.start());
            out.push_str(",\"end\":");
            number(out, one.end());
        }
        fragments => {
            out.push_str(",\"fragments\":[");
            for (i, f) in fragments.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push('[');
                number(out, f.start());
                out.push(',');
                number(out, f.end());
                out.push(']');
            }
            out.push(']');
        }
    }
    if let Some(text) = d.covered_text(s.fragments()) {
        out.push_str(",\"text\":");
        string(out, &text);
    }
    out.push('}');
}

/// A span given as text: `id`, `layer`, `label`, `text`, and its `occurrence` (when it fits
/// the format's 32 bits) and `context` when it has them.
fn text_span(out: &mut String, s: &TextSpan) {
    out.push_str("{\"id\":");
    string(out, &s.id);
    out.push_str(",\"layer\":");
    string(out, &s.layer);
    out.push_str(",\"label\":");
    string(out, &s.label);
    out.push_str(",\"text\":");
    string(out, &s.text);
    if let Some(n) = s.occurrence.filter(|&n| u32::try_from(n).is_ok()) {
        out.push_str(",\"occurrence\":");
        number(out, n);
    }
    if let Some(context) = &s.context {
        out.push_str(",\"context\":");
        string(out, context);
    }
    out.push('}');
}

fn comma(out: &mut String, first: &mut bool) {
    if !*first {
        out.push(',');
    }
    *first = false;
}

/// `,"name":` and `value` as serde writes it.
fn field_by_serde<T: serde::Serialize>(out: &mut String, name: &str, value: &T) {
    out.push_str(",\"");
    out.push_str(name);
    out.push_str("\":");
    // Serialising these plain types cannot fail.
    out.push_str(&serde_json::to_string(value).unwrap_or_default());
}

/// A JSON string: copied as it is unless it holds a quote, a backslash or a control
/// character, which serde escapes.
fn string(out: &mut String, s: &str) {
    if s.bytes().any(|b| b == b'"' || b == b'\\' || b < 0x20) {
        out.push_str(&serde_json::to_string(s).unwrap_or_default());
    } else {
        out.push('"');
        out.push_str(s);
        out.push('"');
    }
}

/// A non-negative integer in decimal, as serde writes it (with `itoa`, as serde does: every
/// span has two numbers, and `std::fmt` costs several times more).
fn number(out: &mut String, n: usize) {
    out.push_str(itoa::Buffer::new().format(n));
}

/// The id a span without one is given: `T` and its place among the record's spans, counting
/// from 1 (`T1`, `T2`, ...), made without `format!` as every span of an extractor that gives
/// no ids needs one.
pub(super) fn numbered_span_id(place: usize) -> CompactString {
    let mut id = CompactString::const_new("T");
    id.push_str(itoa::Buffer::new().format(place));
    id
}

#[cfg(test)]
mod tests {
    use goldspan_model::{AnnotatedDocument, Attribute, Fragment, Meta, Note, Relation};
    use proptest::prelude::*;

    use super::super::{record_v1, to_line};
    use super::*;

    /// What serde writes for the record.
    fn by_serde(d: &Document, a: &Annotations, with_text: bool) -> String {
        serde_json::to_string(&record_v1(d, a, with_text)).unwrap_or_default()
    }

    #[test]
    fn numbers_and_span_ids_are_written_in_decimal() {
        for n in [0, 7, 10, 99, 100, 4096, 1_000_000_007, usize::MAX] {
            let mut out = String::new();
            number(&mut out, n);
            assert_eq!(out, n.to_string());
            assert_eq!(numbered_span_id(n), format!("T{n}"));
        }
    }

    #[test]
    fn writes_what_serde_writes_for_a_record_of_every_part() {
        // Worked by hand from the interchange format (docs/formats.md): fields in order, no
        // spaces, `start`/`end` for one fragment and `fragments` for several, the covered
        // text, escapes only for quotes, backslashes and control characters.
        let doc = Document::new(
            "d\"1",
            "Zoë said \"hi\"\tto 北京.",
            Meta::from([("source".to_owned(), "a\\b".to_owned()), ("lang".to_owned(), "en".to_owned())]),
        );
        let span = |id: &str, label: &str, fragments: &[(usize, usize)]| {
            let fragments = fragments.iter().filter_map(|&(s, e)| Fragment::new(s, e)).collect();
            Span::new(id, "entities", label, fragments).expect("valid span")
        };
        let annotations = Annotations {
            spans: vec![span("T1", "PERSON", &[(0, 3)]), span("T2", "Q\u{1}", &[(9, 13), (17, 19)])],
            text_spans: vec![TextSpan {
                id: "T3".into(),
                layer: "entities".into(),
                label: "GPE".into(),
                text: "北京".into(),
                occurrence: Some(1),
                context: Some("to 北京".into()),
            }],
            relations: vec![Relation { id: "R1".into(), kind: "speaker".into(), head: "T2".into(), tail: "T1".into() }],
            clusters: vec![vec!["T1".into(), "T3".into()]],
            attributes: vec![Attribute { id: "A1".into(), name: "Neg".into(), target: "T1".into(), value: None }],
            notes: vec![Note { id: "#1".into(), kind: "AnnotatorNotes".into(), target: "T1".into(), text: "n".into() }],
        };
        let line = record_line(&doc, &annotations, true);
        assert_eq!(
            line,
            concat!(
                r#"{"goldspan":1,"id":"d\"1","text":"Zoë said \"hi\"\tto 北京.","meta":{"lang":"en","source":"a\\b"},"#,
                r#""spans":[{"id":"T1","layer":"entities","label":"PERSON","start":0,"end":3,"text":"Zoë"},"#,
                r#"{"id":"T2","layer":"entities","label":"Q\u0001","fragments":[[9,13],[17,19]],"text":"\"hi\" 北京"},"#,
                r#"{"id":"T3","layer":"entities","label":"GPE","text":"北京","occurrence":1,"context":"to 北京"}],"#,
                r#""relations":[{"id":"R1","type":"speaker","head":"T2","tail":"T1"}],"clusters":[["T1","T3"]],"#,
                r#""attributes":[{"id":"A1","name":"Neg","target":"T1"}],"#,
                r##""notes":[{"id":"#1","type":"AnnotatorNotes","target":"T1","text":"n"}]}"##,
            )
        );
        assert_eq!(line, by_serde(&doc, &annotations, true));
        // Predictions leave the text and metadata out, and so every covered text when the
        // document is given without its text (as the cache stores them).
        let bare = Document::new("d\"1", "", Meta::new());
        let line = to_line(&AnnotatedDocument { document: bare.clone(), annotations: annotations.clone() }, false);
        assert!(line.starts_with(
            r#"{"goldspan":1,"id":"d\"1","spans":[{"id":"T1","layer":"entities","label":"PERSON","start":0,"end":3},"#
        ));
        assert_eq!(line, by_serde(&bare, &annotations, false));
        assert_eq!(record_line(&doc, &annotations, false), by_serde(&doc, &annotations, false));
    }

    fn text() -> impl Strategy<Value = String> {
        proptest::string::string_regex(r#"([a-zé京 "\\/\n\t\u{1}\u{7f}]|\u{1F600}){0,10}"#).expect("valid regex")
    }

    prop_compose! {
        fn a_document()(
            id in text(),
            body in proptest::string::string_regex(r#"([a-zé京 "\\\n\u{1f}]|\u{1F600}){0,40}"#).expect("valid regex"),
            meta in proptest::collection::btree_map(text(), text(), 0..3),
            spans in proptest::collection::vec(
                (text(), text(), text(), proptest::collection::vec((0usize..50, 1usize..6), 1..4)),
                0..6,
            ),
            text_spans in proptest::collection::vec(
                (text(), text(), text(), text(), proptest::option::of(prop_oneof![0usize..9, Just(usize::MAX)]), proptest::option::of(text())),
                0..3,
            ),
            relations in proptest::collection::vec((text(), text(), text(), text()), 0..3),
            clusters in proptest::collection::vec(proptest::collection::vec(text(), 0..3), 0..2),
            attributes in proptest::collection::vec((text(), text(), text(), proptest::option::of(text())), 0..2),
            notes in proptest::collection::vec((text(), text(), text(), text()), 0..2),
        ) -> (Document, Annotations) {
            let spans = spans
                .into_iter()
                .filter_map(|(id, layer, label, pieces)| {
                    // Fragments in order, apart: starts and lengths become increasing offsets.
                    let mut at = 0;
                    let fragments = pieces
                        .into_iter()
                        .filter_map(|(gap, len)| {
                            let f = Fragment::new(at + gap, at + gap + len);
                            at += gap + len + 1;
                            f
                        })
                        .collect();
                    Span::new(id, layer, label, fragments).ok()
                })
                .collect();
            let text_spans = text_spans
                .into_iter()
                .map(|(id, layer, label, text, occurrence, context)| TextSpan {
                    id: id.into(), layer: layer.into(), label: label.into(), text, occurrence, context,
                })
                .collect();
            let annotations = Annotations {
                spans,
                text_spans,
                relations: relations.into_iter().map(|(id, kind, head, tail)| Relation { id, kind, head, tail }).collect(),
                clusters,
                attributes: attributes.into_iter().map(|(id, name, target, value)| Attribute { id, name, target, value }).collect(),
                notes: notes.into_iter().map(|(id, kind, target, text)| Note { id, kind, target, text }).collect(),
            };
            (Document::new(id, body, meta), annotations)
        }
    }

    proptest! {
        /// Whatever the record — escapes, several fragments, spans past the end of the text,
        /// text spans, every rare part — the line is serde's, with and without the text.
        #[test]
        fn writes_what_serde_writes((doc, annotations) in a_document(), with_text in any::<bool>()) {
            prop_assert_eq!(record_line(&doc, &annotations, with_text), by_serde(&doc, &annotations, with_text));
        }
    }
}
