//! `goldspan score` on the tiny corpus against `tests/fixtures/tiny-pred.jsonl`, whose every
//! number was computed by hand (below), plus determinism and bad-input behaviour.
//!
//! The predictions, against the gold of tests/fixtures/markup/*.gsm:
//! - a: PERSON "Ms Zoë Brandt" (gold "Zoë Brandt": boundary), GPE "Le Monde" (gold ORG:
//!   label), DATE "Friday" (correct), CARDINAL "3" missed; Quote and its Source exact.
//! - b: PERSON, GPE, MONEY exact; PERSON "is" spurious; ORDINAL missed; the first Quote
//!   lacks its final comma (boundary); the second Quote's speaker is 李雷, who is in the
//!   gold speaker "he"'s cluster.
//! - c: no predictions at all: scored as empty, listed.

use super::{goldspan, stdout, valid_json};

/// `goldspan score` of the tiny predictions against the tiny corpus, as JSON.
fn score_tiny() -> assert_cmd::Command {
    let mut cmd = goldspan();
    cmd.args([
        "score",
        "--gold",
        "tests/fixtures/tiny",
        "--pred",
        "tests/fixtures/tiny-pred.jsonl",
        "--format",
        "json",
    ]);
    cmd
}

fn score_json(extra: &[&str]) -> serde_json::Value {
    let out = score_tiny().args(extra).output().expect("run");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    valid_json("results", &stdout(&out))
}

fn counts(v: &serde_json::Value) -> [u64; 5] {
    ["cor", "inc", "par", "mis", "spu"].map(|k| v[k].as_u64().expect("count"))
}

fn close(v: &serde_json::Value, expected: f64) {
    let x = v.as_f64().expect("number");
    assert!((x - expected).abs() < 1e-12, "{x} != {expected}");
}

#[test]
fn entity_modes_match_the_hand_computed_counts() {
    let modes = [
        "--mode",
        "strict",
        "--mode",
        "exact",
        "--mode",
        "partial",
        "--mode",
        "type",
        "--mode",
        "overlap:0.5",
        "--mode",
        "tokens",
    ];
    let json = score_json(&modes);
    let e = &json["total"]["layers"]["entities"];
    // POS = 10 gold entities, ACT = 7 predicted.
    assert_eq!(counts(&e["strict"]["micro"]), [4, 2, 0, 4, 1]);
    close(&e["strict"]["micro"]["precision"], 4.0 / 7.0);
    close(&e["strict"]["micro"]["recall"], 0.4);
    close(&e["strict"]["micro"]["f1"], 3.2 / 6.8);
    assert_eq!(counts(&e["exact"]["micro"]), [5, 1, 0, 4, 1]);
    assert_eq!(counts(&e["partial"]["micro"]), [5, 0, 1, 4, 1]);
    close(&e["partial"]["micro"]["precision"], 5.5 / 7.0);
    close(&e["partial"]["micro"]["recall"], 0.55);
    assert_eq!(counts(&e["type"]["micro"]), [5, 1, 0, 4, 1]);
    // IoU("Ms Zoë Brandt", "Zoë Brandt") = 10/13 ≥ 0.5; the GPE/ORG pair needs the label.
    assert_eq!(counts(&e["overlap:0.5"]["micro"]), [5, 0, 0, 5, 2]);
    // Word tokens: 6 right, 4 spurious ("Ms", "Le", "Monde" as GPE, "is"), 8 missed.
    assert_eq!(counts(&e["tokens"]["micro"]), [6, 0, 0, 8, 4]);
    close(&e["tokens"]["micro"]["f1"], 0.5);
    assert_eq!(counts(&e["strict"]["labels"]["PERSON"]), [1, 1, 0, 0, 1]);
    assert_eq!(json["documents"]["missing_predictions"], serde_json::json!(["c"]));
}

#[test]
fn quotations_speakers_and_relations() {
    let json = score_json(&["--mode", "strict", "--mode", "partial"]);
    let q = &json["total"]["quotes"];
    // Strict: 2 of 4 gold quotations found with exact boundaries, both with the right speaker.
    assert_eq!((q["strict"]["matched"].as_u64(), q["strict"]["speaker_right"].as_u64()), (Some(2), Some(2)));
    assert_eq!(counts(&q["strict"]["end_to_end"]), [2, 0, 0, 2, 1]);
    close(&q["strict"]["end_to_end"]["f1"], 4.0 / 7.0);
    // Partial also credits the quotation missing its comma; its speaker "he" is right.
    assert_eq!(counts(&q["partial"]["end_to_end"]), [3, 0, 0, 1, 0]);
    close(&q["partial"]["attribution_accuracy"], 1.0);
    // A relation needs both ends to match strictly: only document a's speaker does.
    assert_eq!(counts(&json["total"]["relations"]["speaker"]["strict"]), [1, 0, 0, 3, 2]);
    assert_eq!(counts(&json["total"]["layers"]["quotes"]["strict"]["micro"]), [4, 1, 0, 5, 1]);
}

#[test]
fn output_is_byte_identical_for_any_thread_count() {
    let run = |threads: &str| {
        score_tiny()
            .env("RAYON_NUM_THREADS", threads)
            .args([
                "--bootstrap",
                "300",
                "--slice",
                "domain",
                "--errors",
                "--per-document",
                "--mode",
                "strict",
                "--mode",
                "tokens",
            ])
            .output()
            .expect("run")
            .stdout
    };
    let one = run("1");
    assert!(!one.is_empty());
    assert_eq!(one, run("2"));
    assert_eq!(one, run("4"));
}

#[test]
fn slices_errors_and_table() {
    let json = score_json(&["--mode", "strict", "--slice", "domain", "--errors"]);
    assert_eq!(json["slices"]["domain"]["politics"]["documents"], 2);
    assert_eq!(json["slices"]["domain"]["culture"]["documents"], 1);
    let kinds: Vec<&str> = json["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .filter(|e| e["layer"] == "entities")
        .map(|e| e["kind"].as_str().unwrap_or(""))
        .collect();
    // a: PERSON boundary, Le Monde label, "3" missed; b: "is" spurious, "first" missed; c: two missed.
    assert_eq!(kinds, ["boundary", "label", "missed", "spurious", "missed", "missed", "missed"]);
    let out = goldspan()
        .args(["score", "--gold", "tests/fixtures/tiny", "--pred", "tests/fixtures/tiny-pred.jsonl"])
        .output()
        .expect("run");
    let s = stdout(&out);
    assert!(s.contains("1 without predictions, scored as empty: c"), "{s}");
    assert!(s.lines().any(|l| l.starts_with("entities   strict") && l.contains("0.5714  0.4000  0.4706")), "{s}");
}

#[test]
fn predictions_for_unknown_documents_are_an_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    let pred = dir.path().join("p.jsonl");
    std::fs::write(&pred, "{\"id\": \"a\", \"spans\": []}\n{\"id\": \"zz\", \"spans\": []}\n").expect("write");
    let out = goldspan().args(["score", "--gold", "tests/fixtures/tiny", "--pred"]).arg(&pred).output().expect("run");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("p.jsonl:2: document zz: the gold has no document with this id"), "{err}");
}

#[test]
fn bad_predictions_name_line_and_document() {
    let dir = tempfile::tempdir().expect("temp dir");
    let pred = dir.path().join("p.jsonl");
    std::fs::write(
        &pred,
        "{\"id\": \"a\", \"spans\": [{\"layer\": \"entities\", \"label\": \"PERSON\", \"start\": 0, \"end\": 999}]}\n{\"id\": \"b\", \"spans\": [{\"layer\": \"entities\", \"label\": \"PERSN\", \"start\": 0, \"end\": 2}]}\n{\"id\": \"a\"}\n",
    )
    .expect("write");
    let out = goldspan().args(["score", "--gold", "tests/fixtures/tiny", "--pred"]).arg(&pred).output().expect("run");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("p.jsonl:1: document a: span T1: offset 999 is past the end"), "{err}");
    assert!(
        err.contains("p.jsonl:2: document b: span T1: label \"PERSN\" is not declared in layer \"entities\""),
        "{err}"
    );
    assert!(err.contains("p.jsonl:3: document a: duplicate id a (first used on line 1)"), "{err}");
}

#[test]
fn problems_come_in_line_order_and_a_repeated_line_adds_only_the_repeat() {
    let dir = tempfile::tempdir().expect("temp dir");
    let pred = dir.path().join("p.jsonl");
    let bad_offset =
        "{\"id\": \"a\", \"spans\": [{\"layer\": \"entities\", \"label\": \"PERSON\", \"start\": 0, \"end\": 999}]}";
    std::fs::write(&pred, format!("{{\"id\": \"zz\"}}\nnot json\n{bad_offset}\n{bad_offset}\n")).expect("write");
    let out = goldspan().args(["score", "--gold", "tests/fixtures/tiny", "--pred"]).arg(&pred).output().expect("run");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    let at = |needle: &str| err.find(needle).unwrap_or_else(|| panic!("{needle:?} not in {err}"));
    let lines =
        [at("p.jsonl:1: document zz"), at("p.jsonl:2:"), at("p.jsonl:3: document a: span T1"), at("p.jsonl:4:")];
    assert!(lines.windows(2).all(|w| w[0] < w[1]), "{err}");
    assert!(err.contains("p.jsonl:4: document a: duplicate id a (first used on line 3)"), "{err}");
    assert_eq!(err.matches("offset 999 is past the end").count(), 1, "{err}");
}

#[test]
fn a_label_map_renames_and_drops() {
    let dir = tempfile::tempdir().expect("temp dir");
    let map = dir.path().join("map.toml");
    std::fs::write(&map, "[labels]\nGPE = \"ORG\"\nDATE = \"\"\n").expect("write");
    let json = score_json(&["--mode", "strict", "--label-map", map.to_str().expect("utf-8 path")]);
    // GPE "Le Monde" becomes a correct ORG and "Kyoto" a wrong one (INC); DATE "Friday" is
    // dropped, so its gold span is now missed. COR: Le Monde, 李雷, ¥500; INC: Ms Zoë Brandt,
    // Kyoto; MIS: Friday, 3, first, Bank of England, 5%; SPU: "is".
    assert_eq!(counts(&json["total"]["layers"]["entities"]["strict"]["micro"]), [3, 2, 0, 5, 1]);
}

/// The entity predictions of tiny-pred.jsonl for documents a and b, written as spaCy-style
/// JSONL records without ids (as spaCy users write them: `{"text", "ents"}`), in reverse order.
fn tiny_entities_as_spacy() -> String {
    let text = |id: &str| {
        std::fs::read_to_string(goldspan_tests::tiny_corpus().join(format!("docs/{id}.txt"))).expect("gold text")
    };
    let b = serde_json::json!({"text": text("b"), "ents": [[0, 2, "PERSON"], [8, 13, "GPE"], [61, 65, "MONEY"], [18, 20, "PERSON"]]});
    let a = serde_json::json!({"text": text("a"), "ents": [[9, 22, "PERSON"], [28, 36, "GPE"], [40, 46, "DATE"]]});
    format!("{b}\n{a}\n")
}

#[test]
fn predictions_in_another_tools_format_score_like_interchange() {
    let dir = tempfile::tempdir().expect("temp dir");
    let pred = dir.path().join("spacy.jsonl");
    std::fs::write(&pred, tiny_entities_as_spacy()).expect("write");
    let out = goldspan()
        .args(["score", "--gold", "tests/fixtures/tiny", "--pred-format", "spacy", "--format", "json", "--pred"])
        .arg(&pred)
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let json = valid_json("results", &stdout(&out));
    // The same entity predictions as tiny-pred.jsonl, matched with gold by their text: the
    // hand-computed counts of entity_modes_match_the_hand_computed_counts.
    let e = &json["total"]["layers"]["entities"];
    assert_eq!(counts(&e["strict"]["micro"]), [4, 2, 0, 4, 1]);
    assert_eq!(counts(&e["partial"]["micro"]), [5, 0, 1, 4, 1]);
    assert_eq!(json["documents"]["missing_predictions"], serde_json::json!(["c"]));
}

#[test]
fn predictions_in_another_format_with_an_unknown_text_name_the_document() {
    let dir = tempfile::tempdir().expect("temp dir");
    let pred = dir.path().join("spacy.jsonl");
    std::fs::write(&pred, "{\"id\": \"x\", \"text\": \"A text no gold document has.\", \"ents\": []}\n")
        .expect("write");
    let out = goldspan()
        .args(["score", "--gold", "tests/fixtures/tiny", "--pred-format", "spacy", "--pred"])
        .arg(&pred)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("spacy.jsonl: document x: no gold document has this id or this text"), "{err}");
}

#[test]
fn a_file_extractor_reads_another_tools_format() {
    let dir = tempfile::tempdir().expect("temp dir");
    let pred = dir.path().join("spacy.jsonl");
    std::fs::write(&pred, tiny_entities_as_spacy()).expect("write");
    let spec = format!("file:spacy:{}", pred.display());
    let out = goldspan()
        .args(["run", "--corpus", "tests/fixtures/tiny", "--no-cache", "--format", "json", "--mode", "strict"])
        .args(["--extractor", &spec])
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let json = valid_json("results", &stdout(&out));
    assert_eq!(counts(&json["total"]["layers"]["entities"]["strict"]["micro"]), [4, 2, 0, 4, 1]);
}

/// Label Studio as predictions: the latest annotation of each task as gold, the first as
/// predictions (tests/fixtures/labelstudio/export.json). They differ on task 2 only: Bob's
/// (latest) has PERSON Zoë Brandt, ORG 李雷, GPE Kyoto; Ann's (first) has PERSON Zoë Brandt,
/// PERSON 李雷, GPE Kyoto, DATE Monday. Task 4 has PERSON Ines Moreau in both.
#[test]
fn labelstudio_predictions_choose_an_annotation() {
    let dir = tempfile::tempdir().expect("temp dir");
    let gold = dir.path().join("latest.jsonl");
    let export = goldspan_tests::repo().join("tests/fixtures/labelstudio/export.json");
    let out = goldspan()
        .args(["convert", "--from", "labelstudio", "--to", "jsonl", "--annotation", "latest"])
        .args(["--manifest", "corpus/news/goldspan.toml"])
        .arg(&export)
        .arg(&gold)
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = goldspan()
        .args(["score", "--gold"])
        .arg(&gold)
        .args(["--pred-format", "labelstudio", "--annotation", "first", "--relation-label", "speaker"])
        .args(["--mode", "strict", "--format", "json", "--pred"])
        .arg(&export)
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let json = valid_json("results", &stdout(&out));
    let labels = &json["total"]["layers"]["entities"]["strict"]["labels"];
    let counts = |label: &str| {
        let l = &labels[label];
        (l["cor"].as_u64(), l["actual"].as_u64(), l["possible"].as_u64())
    };
    assert_eq!(counts("PERSON"), (Some(2), Some(3), Some(2)), "{labels}");
    assert_eq!(counts("ORG"), (Some(1), Some(1), Some(2)), "{labels}");
    assert_eq!(counts("DATE"), (Some(0), Some(1), Some(0)), "{labels}");
}

// ---------------------------------------------------------------------------------------------
// score --conll: one file with gold and predicted tag columns, against conlleval.pl

/// conlleval.pl's output: overall (gold phrases, found, correct, P, R, F1) and per type
/// (P, R, F1 in percent to two places, found).
struct Conlleval {
    gold: u64,
    found: u64,
    correct: u64,
    overall: [String; 3],
    types: Vec<(String, [String; 3], u64)>,
}

fn conlleval_output(name: &str) -> Conlleval {
    let path = goldspan_tests::repo().join("tests/fixtures/conll").join(name);
    let text = std::fs::read_to_string(&path).expect("conlleval output");
    let mut lines = text.lines();
    // The numbers among a line's words ("45.45%;" is 45.45, "5." is 5; "FB1:" is no number).
    let numbers = |line: &str| -> Vec<String> {
        line.split_whitespace()
            .map(|w| w.trim_end_matches([';', '%', '.']))
            .filter(|w| !w.is_empty() && w.chars().all(|c| c.is_ascii_digit() || c == '.'))
            .map(str::to_owned)
            .collect()
    };
    // "processed 37 tokens with 11 phrases; found: 11 phrases; correct: 5."
    let counts = numbers(lines.next().expect("counts line"));
    let int = |s: &str| s.parse::<u64>().expect("a count");
    // "accuracy:  72.97%; precision:  45.45%; recall:  45.45%; FB1:  45.45"
    let overall = numbers(lines.next().expect("overall line"));
    let types = lines
        .map(|line| {
            // "             DATE: precision: 100.00%; recall:  50.00%; FB1:  66.67  1"
            let (label, rest) = line.trim_start().split_once(':').expect("a type line");
            let n = numbers(rest);
            (label.to_owned(), [n[0].clone(), n[1].clone(), n[2].clone()], int(&n[3]))
        })
        .collect();
    Conlleval {
        gold: int(&counts[1]),
        found: int(&counts[2]),
        correct: int(&counts[3]),
        overall: [overall[1].clone(), overall[2].clone(), overall[3].clone()],
        types,
    }
}

/// A ratio as conlleval.pl prints it: percent, two places.
fn percent(v: &serde_json::Value) -> String {
    format!("{:.2}", 100.0 * v.as_f64().expect("a ratio"))
}

fn check_against_conlleval(file: &str, expected: &Conlleval, extra: &[&str]) {
    let out = goldspan()
        .args(["score", "--conll", file, "--mode", "strict", "--format", "json"])
        .args(extra)
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("json");
    let strict = &json["total"]["layers"]["entities"]["strict"];
    let micro = &strict["micro"];
    assert_eq!(
        [micro["possible"].as_u64(), micro["actual"].as_u64(), micro["cor"].as_u64()],
        [Some(expected.gold), Some(expected.found), Some(expected.correct)],
        "{file}"
    );
    let ours = [percent(&micro["precision"]), percent(&micro["recall"]), percent(&micro["f1"])];
    assert_eq!(ours, expected.overall, "{file}");
    let labels = strict["labels"].as_object().expect("labels");
    assert_eq!(labels.len(), expected.types.len(), "{file}");
    for (label, ratios, found) in &expected.types {
        let c = &labels[label.as_str()];
        assert_eq!([percent(&c["precision"]), percent(&c["recall"]), percent(&c["f1"])], *ratios, "{file} {label}");
        assert_eq!(c["actual"].as_u64(), Some(*found), "{file} {label}");
    }
}

/// tests/fixtures/conll/conlleval.out is conlleval.pl's own output (version 2004-01-26, run by
/// tools/conll/make_conlleval_fixtures.py); by hand: 11 gold chunks, 11 found, 5 correct
/// (PERSON 1 of 2, GPE 3 of 4 with 5 found, DATE 1 of 2 with 1 found, ORG and MONEY none).
#[test]
fn score_conll_gives_conllevals_numbers() {
    let expected = conlleval_output("conlleval.out");
    assert_eq!((expected.gold, expected.found, expected.correct), (11, 11, 5));
    check_against_conlleval("tests/fixtures/conll/conlleval.txt", &expected, &[]);
    // The defaults are conlleval's layout: gold second to last, predictions last.
    check_against_conlleval(
        "tests/fixtures/conll/conlleval.txt",
        &expected,
        &["--gold-column", "-2", "--pred-column", "-1"],
    );
}

/// Every tag case of the parity fixtures in one conlleval file (219 documents), scored by
/// conlleval.pl itself.
#[test]
fn score_conll_gives_conllevals_numbers_on_every_parity_case() {
    let expected = conlleval_output("parity-cases.conlleval.out");
    check_against_conlleval("tests/fixtures/conll/parity-cases.conlleval.txt", &expected, &["--gold-column", "2"]);
}

#[test]
fn score_needs_gold_and_predictions_or_one_conll_file() {
    let out = goldspan().args(["score", "--pred", "tests/fixtures/tiny-pred.jsonl"]).output().expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--gold"), "{}", String::from_utf8_lossy(&out.stderr));
    let out = goldspan()
        .args(["score", "--conll", "tests/fixtures/conll/conlleval.txt", "--gold", "tests/fixtures/tiny"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("cannot be used with"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn score_conll_problems_name_file_and_line() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("bad.conll");
    std::fs::write(&file, "Zoë B-PER E-PER\n").expect("write");
    let out = goldspan().args(["score", "--conll"]).arg(&file).output().expect("run");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("bad.conll:1: document bad-0001: unknown tag \"E-PER\" for IOB2")
            && err.contains("--scheme bioes"),
        "{err}"
    );
    let out = goldspan().args(["score", "--conll"]).arg(&file).args(["--scheme", "BIOES"]).output().expect("run");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

/// The gold column converted to JSON Lines, scored against the same file read as CoNLL
/// predictions (`--pred-format conll --tag-column -1`, matched by the generated ids), gives
/// what `score --conll` gives.
#[test]
fn conll_predictions_against_converted_gold_equal_score_conll() {
    let dir = tempfile::tempdir().expect("temp dir");
    let gold = dir.path().join("gold.jsonl");
    let file = "tests/fixtures/conll/conlleval.txt";
    let out = goldspan()
        .args(["convert", "--from", "conll", "--to", "jsonl", "--tag-column", "-2", file])
        .arg(&gold)
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let run = |args: &[&str]| -> serde_json::Value {
        let out = goldspan().args(["score", "--format", "json"]).args(args).output().expect("run");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_str(&stdout(&out)).expect("json")
    };
    let gold_path = gold.to_string_lossy().into_owned();
    let separate = run(&["--gold", &gold_path, "--pred", file, "--pred-format", "conll", "--tag-column", "-1"]);
    let together = run(&["--conll", file]);
    assert_eq!(separate["total"], together["total"]);
    assert_eq!(together["total"]["layers"]["entities"]["strict"]["micro"]["cor"], 5);
}

#[test]
fn a_corpus_without_attribution_scores_no_quotations_and_says_so() {
    let (_dir, root) = super::copy_corpus(&goldspan_tests::tiny_corpus());
    let manifest = root.join("goldspan.toml");
    let text = std::fs::read_to_string(&manifest).expect("manifest");
    let (before, after) = text.split_once("[attribution]\n").expect("the tiny corpus names its attribution");
    let rest = after.split_once("\n\n").map_or("", |(_, rest)| rest);
    std::fs::write(&manifest, format!("{before}{rest}")).expect("write");
    let out = goldspan()
        .args(["score", "--pred", "tests/fixtures/tiny-pred.jsonl", "--format", "json", "--gold"])
        .arg(&root)
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let json = valid_json("results", &stdout(&out));
    assert_eq!(json["total"]["quotes"], serde_json::json!({}), "no quotation attribution without its names");
    // Relations and spans are scored as before.
    assert_eq!(counts(&json["total"]["relations"]["speaker"]["strict"]), [1, 0, 0, 3, 2]);
    assert_eq!(counts(&json["total"]["layers"]["quotes"]["strict"]["micro"]), [4, 1, 0, 5, 1]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("quotations and their speakers are not scored: its manifest has no [attribution] section"),
        "{err}"
    );
    // With the section, the note is not there.
    let out = score_tiny().output().expect("run");
    assert!(!String::from_utf8_lossy(&out.stderr).contains("not scored"));
}

/// Regression: against a gold file without a manifest, a label read from another tool's file
/// (which carries no layers) stayed in the default layer, so a predicted Quote was a spurious
/// entity. It now takes the layer the gold document gives that label.
#[test]
fn labels_from_a_layerless_format_take_the_gold_documents_layers() {
    let dir = tempfile::tempdir().expect("temp dir");
    let gold = dir.path().join("gold.jsonl");
    let out =
        goldspan().args(["convert", "--from", "gold", "--to", "jsonl", "tests/fixtures/tiny"]).arg(&gold).output();
    assert!(out.expect("run").status.success());
    let text = std::fs::read_to_string(goldspan_tests::tiny_corpus().join("docs/a.txt")).expect("text");
    // Document a's quotation (49..69, as in tiny-pred.jsonl) and one person.
    let pred = dir.path().join("spacy.jsonl");
    let record = serde_json::json!({"text": text, "ents": [[49, 69, "Quote"], [12, 22, "PERSON"]]});
    std::fs::write(&pred, format!("{record}\n")).expect("write");
    let out = goldspan()
        .args(["score", "--pred-format", "spacy", "--format", "json", "--mode", "strict", "--gold"])
        .arg(&gold)
        .arg("--pred")
        .arg(&pred)
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("json");
    let layers = &json["total"]["layers"];
    assert!(layers["entities"]["strict"]["labels"].get("Quote").is_none(), "{}", layers["entities"]);
    assert_eq!(layers["quotes"]["strict"]["labels"]["Quote"]["cor"], 1, "{}", layers["quotes"]);
    assert_eq!(layers["entities"]["strict"]["labels"]["PERSON"]["cor"], 1, "{}", layers["entities"]);
}

/// Runs `goldspan ARGS` with its stderr on a new pseudo-terminal; what it drew there.
#[cfg(unix)]
fn stderr_on_a_terminal(args: &[&str]) -> (std::process::Output, String) {
    use rustix::pty::{grantpt, openpt, ptsname, unlockpt, OpenptFlags};
    use std::io::Read;
    let master = openpt(OpenptFlags::RDWR | OpenptFlags::NOCTTY).expect("a pseudo-terminal");
    grantpt(&master).expect("grantpt");
    unlockpt(&master).expect("unlockpt");
    let name = ptsname(&master, Vec::new()).expect("its name");
    let terminal = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(std::path::Path::new(name.to_str().expect("a UTF-8 terminal name")))
        .expect("open the terminal");
    // Read what is drawn while the command runs, so that it never blocks on a full terminal.
    let mut master = std::fs::File::from(master);
    let reader = std::thread::spawn(move || {
        let mut drawn = Vec::new();
        let mut buf = [0; 4096];
        // The read fails (EIO) once no process holds the terminal open.
        while let Ok(n @ 1..) = master.read(&mut buf) {
            drawn.extend_from_slice(&buf[..n]);
        }
        String::from_utf8_lossy(&drawn).into_owned()
    });
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_goldspan"))
        .args(args)
        .current_dir(goldspan_tests::repo())
        .stderr(terminal)
        .output()
        .expect("runs");
    (out, reader.join().expect("reader"))
}

#[cfg(unix)]
#[test]
fn score_draws_a_progress_bar_on_a_terminal_and_nothing_elsewhere() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = goldspan().args(["synth", "--docs", "200"]).arg(dir.path()).output().expect("synth");
    assert!(out.status.success());
    let (gold, pred) = (dir.path().join("gold.jsonl"), dir.path().join("pred.jsonl"));
    let args = ["score", "--gold", gold.to_str().expect("utf-8"), "--pred", pred.to_str().expect("utf-8")];
    let (out, drawn) = stderr_on_a_terminal(&args);
    assert!(out.status.success());
    assert!(drawn.contains("/200 documents") && drawn.contains("ETA"), "{drawn:?}");
    // Not a terminal: no bar, and the results are the same.
    let plain = goldspan().args(args).output().expect("score");
    assert!(
        !String::from_utf8_lossy(&plain.stderr).contains("documents"),
        "{}",
        String::from_utf8_lossy(&plain.stderr)
    );
    assert_eq!(stdout(&plain), stdout(&out));
}

/// `score --pred-format` reads another tool's file with the same options as `convert`:
/// Prodigy's `--answers` and doccano's `--labels` used to be convert-only, so a doccano 1.x
/// export could not be scored at all and a rejected Prodigy answer could not be kept.
#[test]
fn score_pred_format_takes_convert_reading_options() {
    let dir = tempfile::tempdir().expect("temp dir");
    let gold = dir.path().join("gold.jsonl");
    let out =
        goldspan().args(["convert", "--from", "gold", "--to", "jsonl", "tests/fixtures/tiny"]).arg(&gold).output();
    assert!(out.expect("run").status.success());
    let text = |id: &str| std::fs::read_to_string(goldspan_tests::tiny_corpus().join(format!("docs/{id}.txt")));
    let (a, b) = (text("a").expect("a"), text("b").expect("b"));
    let score = |pred: &std::path::Path, extra: &[&str]| {
        let out = goldspan()
            .args(["score", "--format", "json", "--mode", "strict", "--layer", "entities", "--gold"])
            .arg(&gold)
            .arg("--pred")
            .arg(pred)
            .args(extra)
            .output()
            .expect("run");
        (out.status.code(), stdout(&out), String::from_utf8_lossy(&out.stderr).into_owned())
    };
    let counts = |json: &str| {
        let json: serde_json::Value = serde_json::from_str(json).expect("json");
        let total = &json["total"]["layers"]["entities"]["strict"]["micro"];
        ["cor", "inc", "mis", "spu"].map(|k| total[k].as_u64().expect("a count"))
    };
    // Prodigy: document a's PERSON 12..22 accepted; a PERSON 0..3 on document b rejected,
    // where gold has PERSON 0..2. tiny's entities layer holds 10 gold spans.
    let prodigy = dir.path().join("prodigy.jsonl");
    let records = [
        serde_json::json!({"text": a, "spans": [{"start": 12, "end": 22, "label": "PERSON"}], "answer": "accept"}),
        serde_json::json!({"text": b, "spans": [{"start": 0, "end": 3, "label": "PERSON"}], "answer": "reject"}),
    ];
    std::fs::write(&prodigy, records.map(|r| format!("{r}\n")).concat()).expect("write");
    let (code, json, err) = score(&prodigy, &["--pred-format", "prodigy"]);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(counts(&json), [1, 0, 9, 0], "accepted only: one correct, nine missed");
    let (code, json, err) = score(&prodigy, &["--pred-format", "prodigy", "--answers", "all"]);
    assert_eq!(code, Some(0), "{err}");
    // The rejected span now counts: a boundary error on b's PERSON (incorrect in strict).
    assert_eq!(counts(&json), [1, 1, 8, 0], "every answer");
    // doccano 1.x: label 7 is named only by the project's label export.
    let doccano = dir.path().join("doccano.jsonl");
    let record = serde_json::json!({"id": 5, "text": a, "annotations": [{"label": 7, "start_offset": 12, "end_offset": 22, "user": 1}], "meta": {}});
    std::fs::write(&doccano, format!("{record}\n")).expect("write");
    let labels = dir.path().join("project_1_labels.json");
    std::fs::write(&labels, r#"[{"id": 7, "text": "PERSON", "prefix_key": null, "suffix_key": "p"}]"#).expect("write");
    let (code, _, err) = score(&doccano, &["--pred-format", "doccano"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("doccano.jsonl:1: document 5") && err.contains("--labels"), "{err}");
    let (code, json, err) = score(&doccano, &["--pred-format", "doccano", "--labels", labels.to_str().expect("utf-8")]);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(counts(&json), [1, 0, 9, 0]);
}

/// A JSON Lines gold file read without a manifest was not checked at all, so a span given
/// twice scored a perfect prediction at recall 0.5 with exit 0. Both copies are now refused,
/// as the gold readers with a manifest refuse them.
#[test]
fn a_jsonl_gold_with_a_duplicate_span_is_refused_not_scored_at_half_recall() {
    let dir = tempfile::tempdir().expect("temp dir");
    let span = r#"{"layer": "entities", "label": "PERSON", "start": 0, "end": 3}"#;
    let (gold, pred) = (dir.path().join("gold.jsonl"), dir.path().join("pred.jsonl"));
    std::fs::write(&gold, format!("{{\"id\": \"d1\", \"text\": \"Zoë met Liz.\", \"spans\": [{span}, {span}]}}\n"))
        .expect("write");
    std::fs::write(&pred, format!("{{\"id\": \"d1\", \"spans\": [{span}]}}\n")).expect("write");
    let out = goldspan().args(["score", "--gold"]).arg(&gold).arg("--pred").arg(&pred).output().expect("run");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("gold.jsonl:1: document d1: span T2 repeats span T1"), "{err}");
    let out = goldspan()
        .args(["convert", "--from", "jsonl", "--to", "gold"])
        .arg(&gold)
        .arg(dir.path().join("corpus"))
        .output();
    let out = out.expect("run");
    assert_eq!(out.status.code(), Some(2), "convert refuses it too");
    assert!(!dir.path().join("corpus").exists(), "nothing is written");
}

/// Issue #17's probe through the command line: gold PER 0..4 and 6..10 (text of 10
/// characters), predictions PER 3..7 then PER 1..3. By default goldspan pairs in text order
/// (strict INC 2); `--compat nervaluate` pairs in list order as nervaluate 1.2.1 does (INC 1,
/// MIS 1, SPU 1, nervaluate's own numbers); `--min-overlap 0.5` keeps the default order but
/// pairs 1..3 with 0..4 (2 of its 4 characters) and leaves 3..7 unpaired (1 of 4 of 6..10).
#[test]
fn compat_nervaluate_pairs_predictions_in_list_order() {
    let dir = tempfile::tempdir().expect("temp dir");
    let gold = dir.path().join("gold.jsonl");
    let pred = dir.path().join("pred.jsonl");
    let span = |id: &str, start: u32, end: u32| serde_json::json!({"id": id, "layer": "entities", "label": "PER", "start": start, "end": end});
    let line = |spans: Vec<serde_json::Value>| serde_json::json!({"id": "d", "text": "abcdefghij", "spans": spans});
    std::fs::write(&gold, format!("{}\n", line(vec![span("T1", 0, 4), span("T2", 6, 10)]))).expect("write");
    std::fs::write(&pred, format!("{}\n", line(vec![span("P1", 3, 7), span("P2", 1, 3)]))).expect("write");
    let strict = |extra: &[&str]| {
        let mut cmd = goldspan();
        cmd.args(["score", "--gold"]).arg(&gold).arg("--pred").arg(&pred);
        cmd.args(["--mode", "strict", "--format", "json"]).args(extra);
        let out = cmd.output().expect("run");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        counts(&valid_json("results", &stdout(&out))["total"]["layers"]["entities"]["strict"]["micro"])
    };
    assert_eq!(strict(&[]), [0, 2, 0, 0, 0]);
    assert_eq!(strict(&["--compat", "nervaluate"]), [0, 1, 0, 1, 1]);
    assert_eq!(strict(&["--min-overlap", "0.5"]), [0, 1, 0, 1, 1]);
    assert_eq!(strict(&["--min-overlap", "0.51"]), [0, 0, 0, 2, 2]);
    let bad = goldspan()
        .args(["score", "--gold"])
        .arg(&gold)
        .arg("--pred")
        .arg(&pred)
        .args(["--min-overlap", "2"])
        .output()
        .expect("run");
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("fraction of the gold span"));
}

/// spaCy's `score_spans(allow_overlap=False)` (its default) through the command line, on the
/// case of spaCy's own test_score_spans as the replay fixtures recorded it
/// (tests/fixtures/parity/replay/spacy.jsonl, cases spacy-0045 and spacy-0046): gold and
/// predictions PERSON 0..4, ORG 0..7, ORG 8..12, listed so. `--compat spacy` drops ORG 0..7, which
/// overlaps the PERSON listed before it: P 1, R 2/3, F 0.8, per type ORG P 1, R 0.5; with the
/// overlap allowed (goldspan's default) every number is 1.
#[test]
fn compat_spacy_drops_overlapping_predictions_as_spacy_recorded() {
    let path = goldspan_tests::repo().join("tests/fixtures/parity/replay/spacy.jsonl");
    let text = std::fs::read_to_string(path).expect("replay fixture");
    let case = |name: &str| -> serde_json::Value {
        text.lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .find(|v| v["case"] == name)
            .unwrap_or_else(|| panic!("no case {name}"))
    };
    let (dropped, kept) = (case("spacy-0045"), case("spacy-0046"));
    assert_eq!(
        (&dropped["inputs"]["allow_overlap"], &kept["inputs"]["allow_overlap"]),
        (&serde_json::json!(false), &serde_json::json!(true))
    );
    let example = &dropped["inputs"]["examples"][0];
    assert_eq!(example, &kept["inputs"]["examples"][0], "one example for both");
    // spaCy's spans are [label, start token, end token, start char, end char].
    let spans = |k: &str| -> Vec<serde_json::Value> {
        let list = example[k].as_array().expect("spans");
        list.iter()
            .enumerate()
            .map(|(i, s)| serde_json::json!({"id": format!("T{i}"), "layer": "entities", "label": s[0], "start": s[3], "end": s[4]}))
            .collect()
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let (gold, pred) = (dir.path().join("gold.jsonl"), dir.path().join("pred.jsonl"));
    for (path, k) in [(&gold, "gold"), (&pred, "pred")] {
        let line = serde_json::json!({"id": "d", "text": example["text"], "spans": spans(k)});
        std::fs::write(path, format!("{line}\n")).expect("write");
    }
    for (extra, recorded) in [(&["--compat", "spacy"][..], &dropped), (&[][..], &kept)] {
        let mut cmd = goldspan();
        cmd.args(["score", "--gold"]).arg(&gold).arg("--pred").arg(&pred);
        let out = cmd.args(["--mode", "strict", "--format", "json"]).args(extra).output().expect("run");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let v = valid_json("results", &stdout(&out));
        let strict = &v["total"]["layers"]["entities"]["strict"];
        let r = &recorded["result"];
        close(&strict["micro"]["precision"], r["my_spans_p"].as_f64().expect("p"));
        close(&strict["micro"]["recall"], r["my_spans_r"].as_f64().expect("r"));
        close(&strict["micro"]["f1"], r["my_spans_f"].as_f64().expect("f"));
        for (label, theirs) in r["my_spans_per_type"].as_object().expect("per type") {
            close(&strict["labels"][label]["precision"], theirs["p"].as_f64().expect("p"));
            close(&strict["labels"][label]["recall"], theirs["r"].as_f64().expect("r"));
        }
    }
}

/// Predictions compressed with zstd (`pred.jsonl.zst`, as `goldspan synth --layout zst` and
/// `run --save-predictions` users write them) score as the same lines uncompressed, against a
/// compressed gold or not; a truncated one is an error naming the file, never fewer documents.
#[test]
fn zst_predictions_score_as_their_lines_and_a_truncated_one_is_named() {
    let dir = tempfile::tempdir().expect("temp dir");
    for layout in ["jsonl", "zst"] {
        let synth = goldspan()
            .args(["synth", "--docs", "30", "--seed", "9", "--layout", layout])
            .arg(dir.path().join(layout))
            .output()
            .expect("runs");
        assert!(synth.status.success(), "{}", String::from_utf8_lossy(&synth.stderr));
    }
    let score = |gold: &str, pred: &str| {
        goldspan()
            .args(["score", "--format", "json", "--gold"])
            .arg(dir.path().join(gold))
            .arg("--pred")
            .arg(dir.path().join(pred))
            .output()
            .expect("runs")
    };
    let scored = |out: std::process::Output| {
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let mut results = valid_json("results", &stdout(&out));
        results.as_object_mut().expect("an object").remove("manifest");
        results
    };
    let plain = scored(score("jsonl/gold.jsonl", "jsonl/pred.jsonl"));
    assert_eq!(plain["documents"]["scored"], 30);
    assert_eq!(scored(score("jsonl/gold.jsonl", "zst/pred.jsonl.zst")), plain);
    assert_eq!(scored(score("zst/gold.jsonl.zst", "zst/pred.jsonl.zst")), plain);
    let whole = std::fs::read(dir.path().join("zst/pred.jsonl.zst")).expect("read");
    std::fs::write(dir.path().join("cut.jsonl.zst"), &whole[..whole.len() / 2]).expect("write");
    let out = score("jsonl/gold.jsonl", "cut.jsonl.zst");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("cut.jsonl.zst:"), "names the file and line: {err}");
    // A compressed gold is decompressed into a temporary file: where there is none to be had,
    // the error says so and what to do, rather than blaming the gold file.
    let out = goldspan()
        .args(["score", "--gold"])
        .arg(dir.path().join("zst/gold.jsonl.zst"))
        .arg("--pred")
        .arg(dir.path().join("jsonl/pred.jsonl"))
        .env("TMPDIR", dir.path().join("no-such-dir"))
        .output()
        .expect("runs");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("gold.jsonl.zst"), "names the gold: {err}");
    assert!(err.contains("temporary directory") && err.contains("no-such-dir") && err.contains("TMPDIR"), "{err}");
}

/// A spaCy DocBin's span groups besides `doc.ents` (here, made by spaCy itself, a spancat's
/// `sc` and a `quotes` group) are not scored as the gold's entities: scored by label, a group
/// would count again what `doc.ents` holds, and spaCy's scorer scores only `doc.ents` as
/// entities. The gold below is the fixture's own entities, plus a PLACE span that only its
/// `sc` group has: it is missed, where before it was taken from the group as correct (and a
/// group that repeated an entity counted it twice).
#[test]
fn span_groups_of_a_spacy_docbin_are_not_scored_as_entities() {
    let fixtures = goldspan_tests::repo().join("tests/fixtures/spacy");
    let made: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(fixtures.join("spacy-made.json")).expect("fixture"))
            .expect("JSON");
    let mut gold = String::new();
    let mut entities = 0;
    for (i, doc) in made["docs"].as_array().expect("docs").iter().enumerate() {
        let mut spans: Vec<serde_json::Value> = doc["ents"]
            .as_array()
            .expect("ents")
            .iter()
            .map(
                |e| serde_json::json!({"layer": "entities", "label": e["label"], "start": e["start"], "end": e["end"]}),
            )
            .collect();
        entities += spans.len();
        if i == 0 {
            // "李雷 in Zürich", in the fixture's `sc` group only.
            spans.push(serde_json::json!({"layer": "entities", "label": "PLACE", "start": 10, "end": 22}));
        }
        let record = serde_json::json!({"id": format!("d{i}"), "text": doc["text"], "spans": spans});
        gold.push_str(&format!("{record}\n"));
    }
    assert_eq!(entities, 12);
    let dir = tempfile::tempdir().expect("temp dir");
    let gold_path = dir.path().join("gold.jsonl");
    std::fs::write(&gold_path, gold).expect("write");
    let out = goldspan()
        .arg("score")
        .arg("--gold")
        .arg(&gold_path)
        .arg("--pred")
        .arg(fixtures.join("spacy-made.spacy"))
        .args(["--pred-format", "docbin", "--layer", "entities", "--mode", "strict", "--format", "json"])
        .output()
        .expect("score");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let json = valid_json("results", &stdout(&out));
    let strict = &json["total"]["layers"]["entities"]["strict"]["micro"];
    // [cor, inc, par, mis, spu]
    assert_eq!(counts(strict), [12, 0, 0, 1, 0], "{strict}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("not scored, as the gold has no such layer: quotes (1 spans), sc (3 spans)"), "{stderr}");
}
