//! Shared helpers for goldspan's cross-crate tests: fixture paths and proptest generators of
//! documents whose text mixes scripts, emoji, curly quotes and CRLF — the inputs that break
//! offset handling in other tools.

use std::path::PathBuf;

use goldspan_model::{
    AnnotatedDocument, Annotations, Attribute, Document, Fragment, Layer, Manifest, Meta, Note, PerHead, Relation,
    RelationType, Span,
};
use proptest::prelude::*;

/// The repository root.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The tiny hand-checked fixture corpus.
pub fn tiny_corpus() -> PathBuf {
    repo().join("tests/fixtures/tiny")
}

/// The manifest generated documents are valid against.
pub fn manifest() -> Manifest {
    Manifest {
        name: "generated".into(),
        layers: vec![
            Layer {
                name: "entities".into(),
                labels: vec!["PERSON".into(), "GPE".into(), "ORG".into()],
                relations: vec![RelationType {
                    name: "member_of".into(),
                    head: vec!["PERSON".into()],
                    tail: vec!["ORG".into()],
                    per_head: PerHead::Many,
                }],
            },
            Layer { name: "quotes".into(), labels: vec!["Quote".into()], relations: vec![] },
        ],
        ..Manifest::default()
    }
}

/// Words from many scripts; none contains whitespace, each is whole grapheme clusters.
const WORDS: &[&str] = &[
    "Liz",
    "Truss",
    "said",
    "the",
    "Zoë",
    "Łódź",
    "café",
    "Дмитрий",
    "Волков",
    "李雷",
    "北京",
    "😀",
    "👍🏽",
    "“Yes”",
    "‘no’",
    "«oui»",
    "naïve",
    "São",
    "Paulo",
    "x",
    "[1]",
    "{a}",
    "tab\\",
    "🇫🇷",
];

/// A document: lines of words joined by spaces, LF or CRLF line breaks, and spans over whole
/// words of one line (standoff cannot hold a span across a line break), some discontinuous.
pub fn arb_document(id: String) -> impl Strategy<Value = AnnotatedDocument> {
    let line = prop::collection::vec(prop::sample::select(WORDS), 1..8);
    let lines = prop::collection::vec(line, 1..5);
    (
        lines,
        any::<bool>(),
        prop::collection::vec(
            (any::<prop::sample::Index>(), any::<prop::sample::Index>(), 0usize..4, any::<bool>()),
            0..10,
        ),
        any::<bool>(),
    )
        .prop_map(move |(lines, crlf, picks, with_meta)| build(&id, &lines, crlf, &picks, with_meta))
}

fn build(
    id: &str,
    lines: &[Vec<&str>],
    crlf: bool,
    picks: &[(prop::sample::Index, prop::sample::Index, usize, bool)],
    with_meta: bool,
) -> AnnotatedDocument {
    let mut text = String::new();
    let mut words: Vec<(usize, usize, usize)> = Vec::new(); // (line, start, end) in code points
    let mut cp = 0;
    for (i, line) in lines.iter().enumerate() {
        if i > 0 {
            let brk = if crlf { "\r\n" } else { "\n" };
            text.push_str(brk);
            cp += brk.chars().count();
        }
        for (j, w) in line.iter().enumerate() {
            if j > 0 {
                text.push(' ');
                cp += 1;
            }
            let len = w.chars().count();
            words.push((i, cp, cp + len));
            text.push_str(w);
            cp += len;
        }
    }
    let labels = ["PERSON", "GPE", "ORG", "Quote"];
    let mut ann = Annotations::default();
    for (n, (a, b, label, discontinuous)) in picks.iter().enumerate() {
        let (x, y) = (a.index(words.len()), b.index(words.len()));
        let (first, last) = (x.min(y), x.max(y));
        if words[first].0 != words[last].0 {
            continue;
        }
        let fragments = if *discontinuous && last > first + 1 {
            vec![Fragment::new(words[first].1, words[first].2), Fragment::new(words[last].1, words[last].2)]
        } else {
            vec![Fragment::new(words[first].1, words[last].2)]
        };
        let Some(fragments) = fragments.into_iter().collect::<Option<Vec<_>>>() else { continue };
        let label = labels[*label];
        let layer = if label == "Quote" { "quotes" } else { "entities" };
        // The same span twice is invalid gold (validate reports it).
        if ann.spans.iter().any(|s| s.label() == label && s.fragments() == fragments.as_slice()) {
            continue;
        }
        if let Ok(span) = Span::new(format!("T{}", n + 1), layer, label, fragments) {
            ann.spans.push(span);
        }
    }
    let persons: Vec<String> = ann.spans.iter().filter(|s| s.label() == "PERSON").map(|s| s.id().to_owned()).collect();
    let orgs: Vec<String> = ann.spans.iter().filter(|s| s.label() == "ORG").map(|s| s.id().to_owned()).collect();
    if let (Some(p), Some(o)) = (persons.first(), orgs.first()) {
        ann.relations.push(Relation { id: "R1".into(), kind: "member_of".into(), head: p.clone(), tail: o.clone() });
        ann.attributes.push(Attribute { id: "A1".into(), name: "Negated".into(), target: p.clone(), value: None });
        ann.attributes.push(Attribute {
            id: "A2".into(),
            name: "Confidence".into(),
            target: o.clone(),
            value: Some("high".into()),
        });
        ann.notes.push(Note {
            id: "#1".into(),
            kind: "AnnotatorNotes".into(),
            target: p.clone(),
            text: "checked twice — ok".into(),
        });
    }
    if persons.len() >= 2 {
        ann.clusters.push(persons.clone());
    }
    let mut meta = Meta::new();
    if with_meta {
        meta.insert("domain".into(), "politics".into());
        meta.insert("title".into(), "Zoë’s “day”".into());
    }
    AnnotatedDocument { document: Document::new(id, text, meta), annotations: ann }
}

/// Several documents with distinct ids.
pub fn arb_documents() -> impl Strategy<Value = Vec<AnnotatedDocument>> {
    (1usize..4).prop_flat_map(|n| (0..n).map(|i| arb_document(format!("doc-{i}"))).collect::<Vec<_>>())
}
