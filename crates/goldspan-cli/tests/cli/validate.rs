//! `goldspan validate`: the bundled corpus is clean; a broken one exits 2 naming every problem.

use super::{copy_corpus, goldspan, stdout};

#[test]
fn the_news_corpus_is_valid() {
    let out = goldspan().args(["validate", "corpus/news"]).output().expect("run");
    assert!(out.status.success(), "{}{}", stdout(&out), String::from_utf8_lossy(&out.stderr));
    assert!(stdout(&out).contains("no problems"));
}

#[test]
fn every_problem_is_listed_and_the_exit_code_is_2() {
    let (_dir, root) = copy_corpus(&goldspan_tests::tiny_corpus());
    let ann = root.join("docs/c.ann");
    let text = std::fs::read_to_string(&ann).expect("read");
    std::fs::write(&ann, text.replace("ORG 22 37", "ORGX 22 37").replace("Arg2:T3", "Arg2:T99")).expect("write");
    let out = goldspan().arg("validate").arg(&root).output().expect("run");
    assert_eq!(out.status.code(), Some(2));
    let s = stdout(&out);
    assert!(s.contains("c.ann:2: document c: span T2: label \"ORGX\" is not declared"), "{s}");
    assert!(s.contains("c.ann:8: document c: relation R2: refers to T99, which does not exist"), "{s}");
    assert!(s.contains("2 problems in 1 document"), "{s}");
}

#[test]
fn a_missing_corpus_is_an_input_error() {
    let out = goldspan().args(["validate", "no/such/corpus"]).output().expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(stdout(&out).contains("no/such/corpus/goldspan.toml"), "{}", stdout(&out));
}

#[test]
fn one_root_cause_is_one_message_unless_all_is_asked() {
    let (_dir, root) = copy_corpus(&goldspan_tests::tiny_corpus());
    for doc in ["a", "b", "c"] {
        let ann = root.join(format!("docs/{doc}.ann"));
        let text = std::fs::read_to_string(&ann).expect("read");
        std::fs::write(&ann, text.replace("\tPERSON ", "\tPERSONX ")).expect("write");
    }
    let out = goldspan().arg("validate").arg(&root).output().expect("run");
    assert_eq!(out.status.code(), Some(2));
    let s = stdout(&out);
    let firsts = s.lines().filter(|l| l.contains("label \"PERSONX\" is not declared")).count();
    assert_eq!(firsts, 1, "{s}");
    let all = stdout(&goldspan().args(["validate", "--all"]).arg(&root).output().expect("run"));
    let every = all.lines().filter(|l| l.contains("label \"PERSONX\" is not declared")).count();
    let persons: usize = ["a", "b", "c"]
        .iter()
        .map(|d| {
            let ann =
                std::fs::read_to_string(goldspan_tests::tiny_corpus().join(format!("docs/{d}.ann"))).expect("read");
            ann.matches("\tPERSON ").count()
        })
        .sum();
    assert!(persons > 1, "the fixture has several PERSON spans");
    assert_eq!(every, persons, "{all}");
    assert!(s.contains(&format!("… and {} more like it", persons - 1)), "{s}");
}

#[test]
fn a_duplicate_gold_span_is_a_problem() {
    // Two copies of one gold span: a perfect prediction matches one, and the other would count
    // as missed (recall 0.5 on this span), so validate refuses it.
    let (_dir, root) = copy_corpus(&goldspan_tests::tiny_corpus());
    let ann = root.join("docs/a.ann");
    let text = std::fs::read_to_string(&ann).expect("read");
    std::fs::write(&ann, format!("{text}T99\tORG 28 36\tLe Monde\n")).expect("write");
    let out = goldspan().arg("validate").arg(&root).output().expect("run");
    assert_eq!(out.status.code(), Some(2));
    let s = stdout(&out);
    assert!(s.contains("document a: span T99 repeats span T5 (same layer, label and offsets)"), "{s}");
}

/// `score --gold` and `run --corpus` take a JSON Lines gold file, but `validate` of one said
/// only "Not a directory". It now checks the file as they read it.
#[test]
fn a_jsonl_gold_file_validates_as_score_reads_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let span = r#"{"layer": "entities", "label": "PERSON", "start": 0, "end": 3}"#;
    let good = dir.path().join("good.jsonl");
    std::fs::write(&good, format!("{{\"id\": \"d1\", \"text\": \"Zoë met Liz.\", \"spans\": [{span}]}}\n"))
        .expect("write");
    let out = goldspan().arg("validate").arg(&good).output().expect("run");
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout(&out).ends_with("good.jsonl: 1 documents, no problems\n"), "{}", stdout(&out));
    let bad = dir.path().join("bad.jsonl");
    std::fs::write(&bad, format!("{{\"id\": \"d1\", \"text\": \"Zoë met Liz.\", \"spans\": [{span}, {span}]}}\n"))
        .expect("write");
    let out = goldspan().arg("validate").arg(&bad).output().expect("run");
    assert_eq!(out.status.code(), Some(2));
    let shown = stdout(&out);
    assert!(shown.contains("bad.jsonl:1: document d1: span T2 repeats span T1"), "{shown}");
    assert!(shown.ends_with("bad.jsonl: 1 problem in 1 document\n"), "{shown}");
}
