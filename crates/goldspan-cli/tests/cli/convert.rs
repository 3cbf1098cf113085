//! `goldspan convert`: lossless formats round-trip the corpus byte for byte; lossy ones say
//! what they dropped; bad input names file, line and document.

use super::{goldspan, stdout};

fn same_tree(a: &std::path::Path, b: &std::path::Path) {
    for entry in std::fs::read_dir(a.join("docs")).expect("docs") {
        let name = entry.expect("entry").file_name();
        let left = std::fs::read(a.join("docs").join(&name)).expect("left");
        let right = std::fs::read(b.join("docs").join(&name)).unwrap_or_default();
        assert!(left == right, "{name:?} differs");
    }
}

#[test]
fn gold_to_brat_and_back_is_lossless() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (brat, back) = (dir.path().join("brat"), dir.path().join("back"));
    let tiny = goldspan_tests::tiny_corpus();
    let out =
        goldspan().args(["convert", "--from", "gold", "--to", "brat"]).arg(&tiny).arg(&brat).output().expect("run");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout(&out).contains("note: splits (dev, test): brat has no splits"), "{}", stdout(&out));
    let conf = std::fs::read_to_string(brat.join("annotation.conf")).expect("conf");
    assert!(
        conf.contains("!quotes\n\tQuote\n\tCue\n\tSource\n") && conf.contains("speaker\tArg1:Quote, Arg2:Source\n"),
        "{conf}"
    );
    let out =
        goldspan().args(["convert", "--from", "brat", "--to", "gold"]).arg(&brat).arg(&back).output().expect("run");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    same_tree(&tiny, &back);
}

#[test]
fn gold_to_jsonl_and_back_is_lossless() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (file, back) = (dir.path().join("gold.jsonl"), dir.path().join("back"));
    let tiny = goldspan_tests::tiny_corpus();
    let out =
        goldspan().args(["convert", "--from", "gold", "--to", "jsonl"]).arg(&tiny).arg(&file).output().expect("run");
    assert!(out.status.success());
    assert_eq!(std::fs::read_to_string(&file).expect("jsonl").lines().count(), 3);
    let out = goldspan()
        .args(["convert", "--from", "jsonl", "--to", "gold", "--manifest", "tests/fixtures/tiny/goldspan.toml"])
        .arg(&file)
        .arg(&back)
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    same_tree(&tiny, &back);
}

#[test]
fn conll_output_says_what_it_dropped() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("tiny.conll");
    let out = goldspan()
        .args(["convert", "--from", "gold", "--to", "conll", "--scheme", "bioes", "tests/fixtures/tiny"])
        .arg(&file)
        .output()
        .expect("run");
    assert!(out.status.success());
    let s = stdout(&out);
    assert!(s.contains("document b: 4 relations dropped"), "{s}");
    let conll = std::fs::read_to_string(&file).expect("conll");
    assert!(conll.contains("Zoë B-PERSON\nBrandt E-PERSON\n") && conll.contains("Kyoto S-GPE\n"), "{conll}");
}

#[test]
fn doccano_utf16_offsets_land_on_code_points() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (input, output) = (dir.path().join("in.jsonl"), dir.path().join("out.jsonl"));
    // "😀 Zoë" : the emoji is two UTF-16 units, so doccano puts "Zoë" at 3..6; goldspan at 2..5.
    std::fs::write(&input, "{\"id\": \"d1\", \"text\": \"😀 Zoë\", \"label\": [[3, 6, \"PERSON\"]]}\n").expect("write");
    let out = goldspan()
        .args(["convert", "--from", "doccano", "--to", "jsonl"])
        .arg(&input)
        .arg(&output)
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let line = std::fs::read_to_string(&output).expect("out");
    assert!(line.contains("\"start\":2,\"end\":5,\"text\":\"Zoë\""), "{line}");
}

#[test]
fn bad_input_names_file_line_and_document() {
    let dir = tempfile::tempdir().expect("temp dir");
    let input = dir.path().join("in.jsonl");
    std::fs::write(
        &input,
        "{\"text\": \"ok\", \"ents\": []}\n{\"id\": \"x2\", \"text\": \"abc\", \"ents\": [[1, 9, \"ORG\"]]}\n",
    )
    .expect("write");
    let out = goldspan()
        .args(["convert", "--from", "spacy", "--to", "jsonl"])
        .arg(&input)
        .arg(dir.path().join("o.jsonl"))
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("in.jsonl:2: document x2"), "{err}");
    assert!(!dir.path().join("o.jsonl").exists(), "nothing is written on bad input");
}
