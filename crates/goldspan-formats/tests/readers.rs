//! Bad input for the JSON Lines and brat readers: each problem names file, line and document,
//! and every problem in a file is reported, not just the first.

use std::fs;

use goldspan_formats::{brat, jsonl, ReadOptions};
use goldspan_model::Error;

fn jsonl_problems(content: &[u8]) -> Vec<(String, String)> {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("p.jsonl");
    fs::write(&path, content).expect("write");
    match jsonl::read_documents(&path, None) {
        Ok(_) => Vec::new(),
        Err(Error::Invalid(problems)) => problems
            .iter()
            .map(|p| {
                (
                    format!("{:?}", std::mem::discriminant(&p.kind)),
                    p.to_string().replace(&dir.path().display().to_string(), ""),
                )
            })
            .collect(),
        Err(e) => panic!("unexpected error {e}"),
    }
}

fn messages(content: &[u8]) -> Vec<String> {
    jsonl_problems(content).into_iter().map(|(_, m)| m).collect()
}

#[test]
fn jsonl_reports_every_bad_line() {
    let input = concat!(
        r#"{"id": "a", "text": "Liz Truss", "spans": [{"layer": "entities", "label": "PERSON", "start": 0, "end": 9}]}"#,
        "\n",
        r#"{"id": "b", "text": "x", "spans": [}"#,
        "\n\n",
        r#"{"id": "c", "text": "abc", "spans": [{"layer": "entities", "label": "PERSON", "start": 1, "end": 7}]}"#,
        "\n",
        r#"{"id": "d", "txt": "abc"}"#,
        "\n",
        r#"{"id": "a", "text": "again"}"#,
        "\n",
    );
    let m = messages(input.as_bytes());
    assert_eq!(m.len(), 4, "{m:#?}");
    assert!(m[0].starts_with("/p.jsonl:2: document b: invalid record"), "{m:#?}");
    assert!(
        m[1].starts_with("/p.jsonl:4: document c: span T1: offset 7 is past the end of the text (3 code points)"),
        "{m:#?}"
    );
    assert!(m[2].starts_with("/p.jsonl:5: document d: invalid record: unknown field `txt`"), "{m:#?}");
    assert!(m[3].starts_with("/p.jsonl:6: document a: duplicate id a (first used on line 1)"), "{m:#?}");
}

#[test]
fn jsonl_covered_text_mismatch_is_diagnosed() {
    // "Liz" after an emoji: 3..6 in UTF-16 units, 2..5 in code points.
    let m = messages(r#"{"id": "e", "text": "😀 Liz", "spans": [{"layer": "entities", "label": "PERSON", "start": 3, "end": 6, "text": "Liz"}]}"#.as_bytes());
    assert_eq!(m.len(), 1, "{m:#?}");
    assert!(m[0].contains(":1: document e: span T1: the file says it covers \"Liz\""), "{m:#?}");
    assert!(m[0].contains("UTF-16 code units"), "{m:#?}");
}

#[test]
fn jsonl_bom_utf8_version_and_missing_text() {
    let m = messages(b"\xEF\xBB\xBF{\"id\": \"a\", \"text\": \"x\"}\n{\"id\": \"b\", \"text\": \"\xff\"}\n{\"goldspan\": 2, \"id\": \"c\", \"text\": \"x\"}\n{\"id\": \"d\"}\n");
    assert_eq!(m.len(), 4, "{m:#?}");
    assert!(m[0].contains(":1:") && m[0].contains("byte-order mark"), "{m:#?}");
    assert!(m[1].contains(":2:") && m[1].contains("invalid UTF-8"), "{m:#?}");
    assert!(m[2].contains(":3: document c: record version 2 is not supported"), "{m:#?}");
    assert!(m[3].contains(":4: document d: the record has no \"text\""), "{m:#?}");
}

#[test]
fn jsonl_span_without_layer_needs_a_manifest() {
    let got = jsonl_problems(br#"{"id": "a", "text": "Liz", "spans": [{"label": "PERSON", "start": 0, "end": 3}]}"#);
    assert_eq!(got.len(), 1);
    assert!(got[0].1.contains(":1: document a: span T1: label \"PERSON\" is not declared in any layer"), "{got:#?}");
}

#[test]
fn jsonl_predictions_take_their_text_from_gold() {
    let gold = goldspan_model::Document::new("a", "Zoë Brandt", Default::default());
    let rec = jsonl::Reader::new(
        &br#"{"id": "a", "spans": [{"layer": "entities", "label": "PERSON", "start": 0, "end": 10}]}"#[..],
        goldspan_model::Location::file("p.jsonl"),
    )
    .next()
    .expect("one record")
    .expect("parses");
    let ann = rec.resolve_predictions(&gold, None, &goldspan_model::Location::file("p.jsonl")).expect("resolves");
    assert_eq!(gold.covered_text(ann.spans[0].fragments()).as_deref(), Some("Zoë Brandt"));
}

#[test]
fn brat_reader_reports_missing_ann_and_bad_lines() {
    let dir = tempfile::tempdir().expect("temp dir");
    fs::write(dir.path().join("a.txt"), "Liz Truss said").expect("write");
    fs::write(
        dir.path().join("a.ann"),
        "T1\tPERSON 0 9\tLiz Truss\nT2\tPERSON 0 3\tLiz Truss\nT3\tSay 10 14\tsaid\nE1\tSpeak:T3\n",
    )
    .expect("write");
    fs::write(dir.path().join("b.txt"), "nothing").expect("write");
    let Err(Error::Invalid(problems)) = brat::read_dir(dir.path(), &ReadOptions::default()) else {
        panic!("expected problems")
    };
    let m: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
    assert_eq!(m.len(), 3, "{m:#?}");
    assert!(m.iter().any(|s| s.contains("b.txt: document b: document has no annotation file (b.ann)")), "{m:#?}");
    assert!(
        m.iter().any(|s| s.contains(
            "a.ann:2: document a: span T2: the file says it covers \"Liz Truss\" but the text at 0..3 is \"Liz\""
        )),
        "{m:#?}"
    );
    // brat requires an event's trigger to have the event's type.
    assert!(
        m.iter().any(|s| s.contains("a.ann:3: document a: event E1 has type Speak but its trigger T3 is a Say")),
        "{m:#?}"
    );
}
