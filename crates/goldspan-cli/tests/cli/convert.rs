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

/// The Label Studio export of `tests/fixtures/labelstudio` (emoji before spans, region ids like
/// `qT0bV9mYk1`, an unlabeled relation, two annotators on task 2, a cancelled annotation).
fn label_studio_export() -> std::path::PathBuf {
    goldspan_tests::repo().join("tests/fixtures/labelstudio/export.json")
}

#[test]
fn labelstudio_export_converts_to_gold_that_validates() {
    let dir = tempfile::tempdir().expect("temp dir");
    let gold = dir.path().join("gold");
    let out = goldspan()
        .args(["convert", "--from", "labelstudio", "--to", "gold", "--manifest", "corpus/news/goldspan.toml"])
        .arg(label_studio_export())
        .arg(&gold)
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let s = stdout(&out);
    assert!(s.contains("converted 5 document(s) from labelstudio to gold"), "{s}");
    for note in [
        "note (reading): 1 cancelled annotation left out (tasks 2)",
        "note (reading): 1 task with several annotations read as one document each, ID.1, ID.2, ... (2)",
        "note (reading): 1 relation without a label typed \"speaker\", the manifest's one type that fits",
    ] {
        assert!(s.contains(note), "{note:?} not in {s}");
    }
    let ann = std::fs::read_to_string(gold.join("docs/1.ann")).expect("1.ann");
    for line in [
        "T1\tQuote 11 26\tWe will deliver",
        "T2\tSource 29 38\tLiz Truss",
        "R1\tspeaker Arg1:T1 Arg2:T2",
        "R2\tcue Arg1:T1 Arg2:T3",
        "#1\tLabelStudioId T1\tqT0bV9mYk1",
    ] {
        assert!(ann.lines().any(|l| l == line), "{line:?} not in {ann}");
    }
    let meta = std::fs::read_to_string(gold.join("docs/2.2.meta.toml")).expect("2.2 meta");
    assert!(meta.contains("annotator = \"2\""), "{meta}");
    let out = goldspan().arg("validate").arg(&gold).output().expect("run");
    assert!(out.status.success(), "{}{}", stdout(&out), String::from_utf8_lossy(&out.stderr));
}

#[test]
fn labelstudio_annotators_feed_agree() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (a, b) = (dir.path().join("ann.jsonl"), dir.path().join("bob.jsonl"));
    for (who, path) in [("ann@example.com", &a), ("2", &b)] {
        let out = goldspan()
            .args(["convert", "--from", "labelstudio", "--to", "jsonl", "--manifest", "corpus/news/goldspan.toml"])
            .args(["--annotator", who])
            .arg(label_studio_export())
            .arg(path)
            .output()
            .expect("run");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }
    let out = goldspan().arg("agree").arg(&a).arg(&b).args(["--format", "json"]).output().expect("run");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let json = super::valid_json("agreement", &stdout(&out));
    // Both annotated task 2 only. Ann: PERSON Zoë Brandt, PERSON 李雷, GPE Kyoto, DATE Monday;
    // Bob: PERSON Zoë Brandt, ORG 李雷, GPE Kyoto. Two agree: F1 = 2·2 / (4 + 3) = 4/7.
    let f1 = json["layers"]["entities"]["strict"]["f1"].as_f64().expect("f1");
    assert!((f1 - 4.0 / 7.0).abs() < 1e-12, "{json}");
}

#[test]
fn labelstudio_unlabeled_relation_without_a_manifest_asks_for_relation_label() {
    let dir = tempfile::tempdir().expect("temp dir");
    let output = dir.path().join("out.jsonl");
    let out = goldspan()
        .args(["convert", "--from", "labelstudio", "--to", "jsonl"])
        .arg(label_studio_export())
        .arg(&output)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("export.json:2: document 1: relation qT0bV9mYk1 -> s8Hn2LpQx3 (Quote -> Source) has no label")
            && err.contains("--relation-label TYPE"),
        "{err}"
    );
    let out = goldspan()
        .args(["convert", "--from", "labelstudio", "--to", "jsonl", "--relation-label", "speaker"])
        .args(["--annotation", "latest"])
        .arg(label_studio_export())
        .arg(&output)
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let written = std::fs::read_to_string(&output).expect("out");
    assert!(written.contains("{\"id\":\"R1\",\"type\":\"speaker\",\"head\":\"T1\",\"tail\":\"T2\"}"), "{written}");
    assert_eq!(written.lines().filter(|l| l.contains("\"id\":\"2\"")).count(), 1, "latest: one document for task 2");
    let out = goldspan()
        .args(["convert", "--from", "labelstudio", "--to", "jsonl", "--annotation", "0"])
        .arg(label_studio_export())
        .arg(&output)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("expected all, first, latest or a number from 1"));
}

#[test]
fn labelstudio_to_gold_to_labelstudio_keeps_region_ids() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (gold, back) = (dir.path().join("gold"), dir.path().join("back.json"));
    let manifest = ["--manifest", "corpus/news/goldspan.toml"];
    let out = goldspan()
        .args(["convert", "--from", "labelstudio", "--to", "gold"])
        .args(manifest)
        .arg(label_studio_export())
        .arg(&gold)
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = goldspan()
        .args(["convert", "--from", "gold", "--to", "labelstudio"])
        .arg(&gold)
        .arg(&back)
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let written = std::fs::read_to_string(&back).expect("back");
    assert!(
        written.contains("{\"id\":\"qT0bV9mYk1\",\"type\":\"labels\",\"from_name\":\"label\",\"to_name\":\"text\",\"value\":{\"start\":11,\"end\":26,\"text\":\"We will deliver\",\"labels\":[\"Quote\"]}}"),
        "{written}"
    );
    assert!(written.contains("{\"type\":\"relation\",\"from_id\":\"qT0bV9mYk1\",\"to_id\":\"s8Hn2LpQx3\",\"direction\":\"right\",\"labels\":[\"speaker\"]}"), "{written}");
    let again = dir.path().join("again");
    let out = goldspan()
        .args(["convert", "--from", "labelstudio", "--to", "gold"])
        .args(manifest)
        .arg(&back)
        .arg(&again)
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(
        stdout(&out).contains("note (reading): the file has no annotations: its predictions were read"),
        "{}",
        stdout(&out)
    );
    same_tree(&gold, &again);
}
