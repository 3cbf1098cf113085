//! `goldspan stats`: the seed article's counts, checked by hand against its annotation.

use super::{goldspan, stdout};

#[test]
fn stats_of_the_seed_article() {
    let out = goldspan().args(["stats", "corpus/news", "--format", "json", "--by", "origin"]).output().expect("run");
    assert!(out.status.success());
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("json");
    let seed = &json["by"]["origin"]["seed"];
    // Counted by hand from the seed text: 38 entity mentions, 11 quotations (every one with a
    // speaker: 7 named, 2 by "she", 2 nominal), 9 cues, 8 sources, 2 headings, 1 Related line.
    assert_eq!(seed["documents"], 1);
    assert_eq!(seed["words"], 345);
    assert_eq!(seed["spans_per_layer"], serde_json::json!({"entities": 38, "quotes": 28, "structure": 3}));
    assert_eq!(
        seed["spans_per_label"]["entities"],
        serde_json::json!({"CARDINAL": 1, "DATE": 3, "GPE": 14, "NORP": 5, "ORG": 6, "PERSON": 9})
    );
    assert_eq!(seed["spans_per_label"]["quotes"], serde_json::json!({"Cue": 9, "Quote": 11, "Source": 8}));
    assert_eq!(seed["quotes_with_speaker"], 11);
    assert_eq!(seed["speakers_by_kind"], serde_json::json!({"name": 7, "nominal": 2, "pronoun": 2}));
    assert_eq!(seed["clusters"], 3);
}

#[test]
fn table_output_of_the_tiny_corpus() {
    let out = goldspan().args(["stats", "tests/fixtures/tiny"]).output().expect("run");
    assert!(out.status.success());
    let s = stdout(&out);
    assert!(s.contains("corpus tiny"), "{s}");
    let all = s.lines().find(|l| l.starts_with("all ")).expect("all row");
    let cells: Vec<&str> = all.split_whitespace().collect();
    // documents, words, entities, quotes, structure, quotes with speaker, name, pronoun, nominal
    assert_eq!(cells[1..], ["3", "46", "10", "10", "3", "4", "1", "2", "1"], "{s}");
}

#[test]
fn corpus_readme_stats_are_current() {
    let out =
        goldspan().args(["stats", "corpus/news", "--format", "markdown", "--by", "domain"]).output().expect("run");
    assert!(out.status.success());
    let readme = std::fs::read_to_string(goldspan_tests::repo().join("corpus/news/README.md")).expect("README");
    let section = readme
        .split_once("<!-- stats:begin -->\n")
        .and_then(|(_, rest)| rest.split_once("<!-- stats:end -->"))
        .map(|(s, _)| s)
        .expect("stats markers in corpus/news/README.md");
    assert_eq!(
        section.trim_end(),
        stdout(&out).trim_end(),
        "corpus/news/README.md is stale: run tools/update-corpus-readme.sh"
    );
}
