//! Label Studio cross-checks against Label Studio's own converter: on the export of
//! `tests/fixtures/labelstudio/` (written by `tools/labelstudio/make_fixtures.py`, emoji before
//! spans), goldspan's reading gives the entities label-studio-converter's CoNLL 2003 export tags,
//! and reading the converter's JSON-MIN export gives the same spans as reading the JSON export.
//!
//! Facts of label-studio-converter 0.0.59 the comparison relies on (`converter.py`, `utils.py`):
//! its CoNLL export writes `-DOCSTART- -X- O`, then one block per non-cancelled annotation,
//! tasks in file order and each task's annotations newest first (`created_at`, descending),
//! blocks separated by a blank line and lines `TOKEN -X- _ TAG`; tokens are the text's
//! substrings found by NLTK's Treebank tokenizer, and a token is tagged with a region when their
//! code-point ranges overlap (`B-` on the first such token, `I-` after). Its JSON-MIN export
//! writes one record per annotation with the same order.

use std::path::PathBuf;

use goldspan_formats::{gold, Collection, Format, ReadOptions};
use goldspan_model::AnnotatedDocument;

fn fixture(name: &str) -> PathBuf {
    goldspan_tests::repo().join("tests/fixtures/labelstudio").join(name)
}

fn news_options() -> ReadOptions {
    let manifest = gold::read_manifest(&goldspan_tests::repo().join("corpus/news/goldspan.toml")).expect("manifest");
    ReadOptions { manifest: Some(manifest), ..ReadOptions::default() }
}

fn read(name: &str) -> Collection {
    Format::LabelStudio.read(&fixture(name), &news_options()).unwrap_or_else(|e| panic!("{name} reads: {e}"))
}

/// The converter's blocks: (token, tag) per line.
fn conll_blocks() -> Vec<Vec<(String, String)>> {
    let text = std::fs::read_to_string(fixture("converter.conll")).expect("converter.conll");
    let body = text.strip_prefix("-DOCSTART- -X- O\n").expect("the converter's DOCSTART line");
    body.split("\n\n")
        .filter(|block| !block.trim().is_empty())
        .map(|block| {
            block
                .lines()
                .map(|line| {
                    let fields: Vec<&str> = line.split(' ').collect();
                    assert_eq!(fields.len(), 4, "converter line {line:?}");
                    (fields[0].to_owned(), fields[3].to_owned())
                })
                .collect()
        })
        .collect()
}

/// Tags for `tokens` (found in order in the text) from the document's spans: a token takes
/// the label of a span whose code points it overlaps, `B-` on the span's first token.
fn tags_from_spans(doc: &AnnotatedDocument, tokens: &[String]) -> Vec<String> {
    let text = doc.document.text();
    let mut byte = 0;
    let mut tags = Vec::new();
    let mut started: Vec<&str> = Vec::new();
    for token in tokens {
        let at = byte + text[byte..].find(token.as_str()).unwrap_or_else(|| panic!("token {token:?} in {text:?}"));
        byte = at + token.len();
        let start = text[..at].chars().count();
        let end = start + token.chars().count();
        let span = doc.annotations.spans.iter().find(|s| s.start() < end && start < s.end());
        tags.push(match span {
            None => "O".to_owned(),
            Some(s) if started.contains(&s.id()) => format!("I-{}", s.label()),
            Some(s) => {
                started.push(s.id());
                format!("B-{}", s.label())
            }
        });
    }
    tags
}

/// Documents in the converter's order: tasks in file order, each task's annotations newest
/// first (goldspan numbers them `ID.1`, `ID.2`, ... oldest first).
fn converter_order(docs: &[AnnotatedDocument]) -> Vec<&AnnotatedDocument> {
    let task = |d: &AnnotatedDocument| d.document.id().split('.').next().unwrap_or_default().to_owned();
    let mut out: Vec<&AnnotatedDocument> = Vec::new();
    let mut group: Vec<&AnnotatedDocument> = Vec::new();
    for doc in docs {
        if group.last().is_some_and(|last| task(last) != task(doc)) {
            out.extend(group.drain(..).rev());
        }
        group.push(doc);
    }
    out.extend(group.into_iter().rev());
    out
}

#[test]
fn goldspan_reads_the_export_as_label_studio_converter_tags_it() {
    let export = read("export.json");
    let ids: Vec<&str> = export.documents.iter().map(|d| d.document.id()).collect();
    assert_eq!(ids, ["1", "2.1", "2.2", "3", "4"], "the cancelled annotation of task 2 is left out");
    let blocks = conll_blocks();
    let docs = converter_order(&export.documents);
    assert_eq!(blocks.len(), docs.len(), "one converter block per annotation read");
    let mut entities = 0;
    for (block, doc) in blocks.iter().zip(docs) {
        let tokens: Vec<String> = block.iter().map(|(t, _)| t.clone()).collect();
        let theirs: Vec<String> = block.iter().map(|(_, tag)| tag.clone()).collect();
        assert_eq!(tags_from_spans(doc, &tokens), theirs, "document {}", doc.document.id());
        entities += theirs.iter().filter(|t| t.starts_with("B-")).count();
    }
    assert_eq!(entities, 13, "every region of the fixture is an entity in the converter's output");
    // The relations the converter leaves out, read by hand: the unlabeled Quote -> Source link
    // takes the manifest's one fitting type.
    let rels: Vec<(&str, &str, &str)> = export.documents[0]
        .annotations
        .relations
        .iter()
        .map(|r| (r.kind.as_str(), r.head.as_str(), r.tail.as_str()))
        .collect();
    assert_eq!(rels, [("speaker", "T1", "T2"), ("cue", "T1", "T3")]);
}

/// A document's id, its spans (label, start, end) and who annotated it.
type DocumentSummary = (String, Vec<(String, usize, usize)>, Vec<(String, String)>);

#[test]
fn the_converters_json_min_reads_like_the_json_export() {
    let export = read("export.json");
    let min = read("converter-min.json");
    let summary = |c: &Collection| -> Vec<DocumentSummary> {
        c.documents
            .iter()
            .map(|d| {
                let spans = d.annotations.spans.iter().map(|s| (s.label().to_owned(), s.start(), s.end())).collect();
                let meta = d
                    .document
                    .meta()
                    .iter()
                    .filter(|(k, _)| matches!(k.as_str(), "annotator" | "annotation_id"))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect();
                (d.document.id().to_owned(), spans, meta)
            })
            .collect()
    };
    assert_eq!(summary(&min), summary(&export));
    assert_eq!(
        min.documents[1].document.meta().get("annotator").map(String::as_str),
        Some("ann@example.com"),
        "2.1 is Ann's, the older annotation, though JSON-MIN lists it second"
    );
    assert!(min.notes.iter().any(|n| n.starts_with("read as a JSON-MIN export (5 records)")), "{:?}", min.notes);
}
