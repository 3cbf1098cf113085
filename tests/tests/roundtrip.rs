//! Format round trips on generated documents (accents, Cyrillic, CJK, emoji outside the BMP,
//! curly quotes, CRLF): writing then reading gives back the same model, and writing that
//! again gives the same bytes.

use goldspan_formats::{brat, gold, jsonl, ReadOptions};
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
