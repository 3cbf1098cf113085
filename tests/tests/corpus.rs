//! The bundled corpus keeps its promises: every document in one split, splits stratified by
//! domain, the size and label targets, complete metadata, and lengths within range.

use std::collections::BTreeMap;

use goldspan_formats::gold::Corpus;
use goldspan_model::stats::{count_words, Stats};

fn news() -> Corpus {
    Corpus::open(goldspan_tests::repo().join("corpus/news")).expect("corpus/news opens")
}

#[test]
fn every_document_is_in_exactly_one_split() {
    let corpus = news();
    for id in corpus.ids() {
        assert_eq!(corpus.manifest().splits_of(id).len(), 1, "{id} must be in exactly one split");
    }
}

#[test]
fn splits_keep_their_domain_stratification() {
    let corpus = news();
    let mut per_domain: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for id in corpus.ids() {
        let doc = corpus.read(id).expect("document reads");
        let domain = doc.document.meta().get("domain").cloned().unwrap_or_default();
        let entry = per_domain.entry(domain).or_default();
        entry.0 += 1;
        if corpus.manifest().splits_of(id) == ["dev"] {
            entry.1 += 1;
        }
    }
    assert_eq!(per_domain.len(), 9, "{per_domain:?}");
    for (domain, (total, dev)) in per_domain {
        let expected = 0.4 * total as f64;
        assert!(
            (dev as f64 - expected).abs() <= 1.0,
            "{domain}: {dev} of {total} documents in dev, expected about {expected}"
        );
    }
}

#[test]
fn the_corpus_meets_its_size_and_label_targets() {
    let corpus = news();
    assert!(corpus.ids().len() >= 120);
    let mut stats = Stats::new(corpus.manifest().attribution.clone());
    for id in corpus.ids() {
        let doc = corpus.read(id).expect("document reads");
        let meta = doc.document.meta();
        for field in ["domain", "style", "date", "origin", "title"] {
            assert!(meta.contains_key(field), "{id} has no {field:?} metadata");
        }
        let words = count_words(doc.document.text());
        assert!((150..=1500).contains(&words), "{id} has {words} words");
        stats.add(&doc, None, &[]);
    }
    let total = &stats.total;
    assert!(total.spans_per_layer["entities"] >= 6000, "{:?}", total.spans_per_layer);
    assert!(total.quotes_with_speaker >= 800, "{}", total.quotes_with_speaker);
    let labels = &corpus.manifest().layer("entities").expect("entities layer").labels;
    assert_eq!(labels.len(), 18);
    for label in labels {
        let n = total.spans_per_label.get(&("entities".to_owned(), label.clone())).copied().unwrap_or(0);
        assert!(n >= 20, "{label} occurs {n} times");
    }
}

#[test]
fn only_the_seed_is_not_original() {
    let corpus = news();
    for id in corpus.ids() {
        let doc = corpus.read(id).expect("document reads");
        let origin = doc.document.meta().get("origin").map(String::as_str);
        let expected = if id == "000_1b6e3cb4960a1599" { "seed" } else { "original" };
        assert_eq!(origin, Some(expected), "{id}");
    }
}
