//! Format round trips on generated documents (accents, Cyrillic, CJK, emoji outside the BMP,
//! curly quotes, CRLF): writing then reading gives back the same model, and writing that
//! again gives the same bytes; CoNLL files written in one scheme and read, written in another
//! and read again keep their tokens and chunks.

use goldspan_formats::conll::{self, Scheme};
use goldspan_formats::{brat, gold, jsonl, tokenization, ReadOptions};
use goldspan_tests::{arb_documents, manifest};
use proptest::prelude::*;

fn with_splits(docs: &[goldspan_model::AnnotatedDocument]) -> goldspan_model::Manifest {
    let mut m = manifest();
    m.splits.insert("test".into(), docs.iter().map(|d| d.document.id().to_owned()).collect());
    m
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn gold_corpus_round_trips(docs in arb_documents()) {
        let dir = tempfile::tempdir().expect("temp dir");
        let m = with_splits(&docs);
        gold::write_corpus(dir.path(), &m, &docs).expect("write");
        let corpus = gold::Corpus::open(dir.path()).expect("open");
        prop_assert_eq!(corpus.manifest(), &m);
        let back: Vec<_> = corpus.ids().iter().map(|id| corpus.read(id).expect("read")).collect();
        prop_assert_eq!(&back, &docs);
        let again = tempfile::tempdir().expect("temp dir");
        gold::write_corpus(again.path(), corpus.manifest(), &back).expect("write again");
        for doc in &docs {
            for ext in ["txt", "ann"] {
                let name = format!("docs/{}.{ext}", doc.document.id());
                prop_assert_eq!(std::fs::read(dir.path().join(&name)).expect("first"), std::fs::read(again.path().join(&name)).expect("second"));
            }
        }
    }

    #[test]
    fn brat_round_trips(docs in arb_documents()) {
        let dir = tempfile::tempdir().expect("temp dir");
        let m = manifest();
        let dropped = brat::write_dir(dir.path(), &m, &docs).expect("write");
        prop_assert!(dropped.is_empty());
        let read = brat::read_dir(dir.path(), &ReadOptions::default()).expect("read");
        prop_assert!(read.notes.is_empty(), "{:?}", read.notes);
        let (read_manifest, back) = (read.manifest.expect("a manifest"), read.documents);
        prop_assert_eq!(&read_manifest.layers, &m.layers);
        prop_assert_eq!(&back, &docs);
        let again = tempfile::tempdir().expect("temp dir");
        brat::write_dir(again.path(), &read_manifest, &back).expect("write again");
        for name in ["annotation.conf".to_owned()].into_iter().chain(docs.iter().map(|d| format!("{}.ann", d.document.id()))) {
            prop_assert_eq!(std::fs::read(dir.path().join(&name)).expect("first"), std::fs::read(again.path().join(&name)).expect("second"));
        }
    }

    #[test]
    fn jsonl_round_trips(docs in arb_documents()) {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("gold.jsonl");
        jsonl::write_documents(&path, &docs, true).expect("write");
        let back = jsonl::read_documents(&path, Some(&manifest())).expect("read");
        prop_assert_eq!(&back, &docs);
        let again = dir.path().join("again.jsonl");
        jsonl::write_documents(&again, &back, true).expect("write again");
        prop_assert_eq!(std::fs::read(&path).expect("first"), std::fs::read(&again).expect("second"));
    }
}

/// A CoNLL token: words with apostrophes, dots, currency and digits, punctuation, and (in a
/// tab-separated file) words holding a space.
fn conll_token() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "[A-Za-zéЖ李][a-z'.]{0,6}",
        1 => prop::sample::select(vec!["O'Gorman", "U.S.", "$5.2", "(", ")", ",", "“", "”", "#", "-", "😀"]).prop_map(str::to_owned),
        1 => "[A-Z][a-z]{1,4} [A-Z][a-z]{1,4}",
    ]
}

/// A sentence: tokens, and chunks as (label, first token, end) with IOB2 tags written by hand.
fn conll_sentence() -> impl Strategy<Value = (Vec<String>, Vec<String>)> {
    prop::collection::vec((conll_token(), 0..3u8, prop::sample::select(vec!["PER", "ORG", "GPE"])), 1..8).prop_map(
        |raw| {
            let mut tokens = Vec::new();
            let mut tags = Vec::new();
            for (i, (token, choice, label)) in raw.into_iter().enumerate() {
                tokens.push(token);
                // 0: O, 1: continue the previous chunk (or start one), 2: begin a chunk.
                let tag = match (choice, tags.last().map(String::as_str)) {
                    (0, _) => "O".to_owned(),
                    (1, Some(prev)) if i > 0 && prev != "O" => format!("I-{}", &prev[2..]),
                    _ => format!("B-{label}"),
                };
                tags.push(tag);
            }
            (tokens, tags)
        },
    )
}

/// A document's tokens and its spans as (label, first token, end).
type TokensAndChunks = (Vec<String>, Vec<(String, usize, usize)>);

/// Each document's tokens (by its tokenization record) and spans as token ranges.
fn tokens_and_chunks(docs: &[goldspan_model::AnnotatedDocument]) -> Vec<TokensAndChunks> {
    docs.iter()
        .map(|d| {
            let value = d.document.meta().get(tokenization::META_KEY).expect("recorded tokens");
            let tokens = tokenization::tokens(d.document.text(), value).expect("fits");
            let texts = tokens.iter().map(|t| d.document.slice(t.start, t.end).expect("token").to_owned()).collect();
            let chunks = d
                .annotations
                .spans
                .iter()
                .map(|s| {
                    let first = tokens.iter().position(|t| t.start == s.start()).expect("start");
                    let last = tokens.iter().position(|t| t.end == s.end()).expect("end");
                    (s.label().to_owned(), first, last + 1)
                })
                .collect();
            (texts, chunks)
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// CoNLL → CoNLL under every scheme change: the tokens come back exactly (whatever they
    /// hold), and so do the chunks (IO only when no two chunks of one label touch). Each case
    /// writes the file in every scheme and each of those in one other (`shift` places on), so
    /// the cases together cover every pair.
    #[test]
    fn conll_round_trips_under_every_scheme_change(
        docs in prop::collection::vec(prop::collection::vec(conll_sentence(), 1..4), 1..3),
        shift in 0..7usize,
    ) {
        let spaced = docs.iter().flatten().flat_map(|s| &s.0).any(|t| t.contains(' '));
        let separator = if spaced { '\t' } else { ' ' };
        let mut input = String::new();
        for sentences in &docs {
            input.push_str("-DOCSTART-\n\n");
            for (tokens, tags) in sentences {
                for (token, tag) in tokens.iter().zip(tags) {
                    input.push_str(&format!("{token}{separator}{tag}\n"));
                }
                input.push('\n');
            }
        }
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("in.conll");
        std::fs::write(&path, &input).expect("write");
        let read = |path: &std::path::Path, scheme| {
            conll::read(path, &ReadOptions { scheme, ..ReadOptions::default() }).map(|c| c.documents)
        };
        let original = read(&path, Scheme::Iob2).map_err(|e| TestCaseError::fail(format!("{e}\n{input}")))?;
        let expected = tokens_and_chunks(&original);
        let generated: Vec<Vec<String>> = docs.iter().map(|d| d.iter().flat_map(|s| s.0.clone()).collect()).collect();
        prop_assert_eq!(expected.iter().map(|e| e.0.clone()).collect::<Vec<_>>(), generated);
        let schemes = Scheme::ALL;
        for (i, &from) in schemes.iter().enumerate() {
            let first = dir.path().join("first.conll");
            conll::write(&first, &original, from, "entities").expect("write");
            let middle = read(&first, from).map_err(|e| TestCaseError::fail(e.to_string()))?;
            for to in [from, schemes[(i + shift) % schemes.len()]] {
                let second = dir.path().join("second.conll");
                conll::write(&second, &middle, to, "entities").expect("write");
                let back = read(&second, to).map_err(|e| TestCaseError::fail(e.to_string()))?;
                let found = tokens_and_chunks(&back);
                for (f, e) in found.iter().zip(&expected) {
                    prop_assert_eq!(&f.0, &e.0, "{} → {}", from, to);
                    let touching = e.1.iter().any(|a| e.1.iter().any(|b| a.0 == b.0 && a.2 == b.1));
                    if !(touching && (from == Scheme::Io || to == Scheme::Io)) {
                        prop_assert_eq!(&f.1, &e.1, "{} → {}", from, to);
                    }
                }
            }
        }
    }
}
