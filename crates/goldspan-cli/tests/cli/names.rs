//! Strict names: an unknown layer, slice field, split, mode, label-map target or error label
//! is an error (exit 2) listing the valid names with a "did you mean", never a table of zeros;
//! and what an ad hoc run does not predict is named, not scored as zeros.

use super::{goldspan, stdout, valid_json};

/// `goldspan score` of the tiny predictions with `extra`; its exit code and stderr.
fn score_tiny(extra: &[&str]) -> (Option<i32>, String, String) {
    let out = goldspan()
        .args(["score", "--gold", "tests/fixtures/tiny", "--pred", "tests/fixtures/tiny-pred.jsonl"])
        .args(extra)
        .output()
        .expect("score");
    (out.status.code(), stdout(&out), String::from_utf8_lossy(&out.stderr).into_owned())
}

/// `goldspan run` of the tiny predictions with `extra`.
fn run_tiny(extra: &[&str]) -> (Option<i32>, String, String) {
    let out = goldspan()
        .args(["run", "--extractor", "file:tests/fixtures/tiny-pred.jsonl", "--corpus", "tests/fixtures/tiny"])
        .args(["--no-cache"])
        .args(extra)
        .output()
        .expect("run");
    (out.status.code(), stdout(&out), String::from_utf8_lossy(&out.stderr).into_owned())
}

/// Asserts an input error whose message is `message`, and nothing on stdout.
fn rejected((code, out, err): (Option<i32>, String, String), message: &str) {
    assert_eq!(code, Some(2), "{err}");
    assert!(out.is_empty(), "no scores for a misspelt name: {out}");
    assert!(err.contains(message), "expected {message:?} in:\n{err}");
}

#[test]
fn an_unknown_layer_is_an_error_with_a_suggestion_not_a_table_of_zeros() {
    let message = "unknown layer \"entity\" (did you mean \"entities\"?); expected one of: entities, quotes, structure";
    rejected(score_tiny(&["--layer", "entity"]), message);
    rejected(run_tiny(&["--layer", "entity"]), message);
    // A gold file without a manifest is checked against the layers its documents use.
    let dir = tempfile::tempdir().expect("temp dir");
    let gold = dir.path().join("tiny.jsonl");
    assert!(goldspan()
        .args(["convert", "--from", "gold", "--to", "jsonl", "tests/fixtures/tiny"])
        .arg(&gold)
        .output()
        .expect("convert")
        .status
        .success());
    let out = goldspan()
        .args(["score", "--pred", "tests/fixtures/tiny-pred.jsonl", "--layer", "quote", "--gold"])
        .arg(&gold)
        .output()
        .expect("score");
    rejected(
        (out.status.code(), stdout(&out), String::from_utf8_lossy(&out.stderr).into_owned()),
        "unknown layer \"quote\" (did you mean \"quotes\"?); expected one of: entities, quotes, structure",
    );
}

#[test]
fn an_unknown_slice_field_is_an_error_with_a_suggestion() {
    // The tiny documents' metadata: domain and title.
    rejected(
        score_tiny(&["--slice", "doman"]),
        "unknown metadata field \"doman\" (did you mean \"domain\"?); expected one of: domain, title",
    );
}

#[test]
fn an_unknown_split_or_mode_is_an_error_with_a_suggestion() {
    let split = "unknown split \"tset\" (did you mean \"test\"?); the manifest declares dev, test";
    rejected(score_tiny(&["--split", "tset"]), split);
    rejected(run_tiny(&["--split", "tset"]), split);
    let mode = "unknown mode \"stict\" (did you mean \"strict\"?): use strict, exact, partial, type";
    rejected(score_tiny(&["--mode", "stict"]), mode);
    rejected(run_tiny(&["--mode", "stict"]), mode);
}

#[test]
fn a_label_map_target_that_is_no_label_is_an_error_with_a_suggestion() {
    let dir = tempfile::tempdir().expect("temp dir");
    let map = dir.path().join("map.toml");
    std::fs::write(&map, "[labels]\nPER = \"PERSN\"\nMISC = \"\"\n").expect("write");
    let map = map.display().to_string();
    let message =
        "unknown label-map target \"PERSN\" (did you mean \"PERSON\"?); expected one of: Boilerplate, CARDINAL";
    rejected(score_tiny(&["--label-map", &map]), message);
    rejected(run_tiny(&["--label-map", &map]), message);
}

#[test]
fn flags_of_ad_hoc_runs_are_refused_without_an_extractor() {
    // `run --split dev` used to run every eval on its own split, silently.
    let out = goldspan().args(["run", "--split", "dev"]).output().expect("run");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--extractor"), "{err}");
}

#[test]
fn an_ad_hoc_run_scores_the_layers_predicted_and_names_the_others() {
    // The tiny predictions hold entities and quotations, no structure.
    let (code, out, err) = run_tiny(&["--format", "json"]);
    assert_eq!(code, Some(0), "{err}");
    let json = valid_json("results", &out);
    let layers: Vec<&String> = json["total"]["layers"].as_object().expect("layers").keys().collect();
    assert_eq!(layers, ["entities", "quotes"]);
    assert!(err.contains("not predicted, so not scored: structure (--layer scores a layer anyway)"), "{err}");
    // Named, it is scored: MIS 3 (the two Boilerplate lines and the Heading).
    let (_, out, _) = run_tiny(&["--format", "json", "--layer", "structure"]);
    let json = valid_json("results", &out);
    assert_eq!(json["total"]["layers"]["structure"]["strict"]["micro"]["mis"], 3);
}

#[test]
fn per_document_scores_show_in_the_table_and_markdown() {
    for format in ["table", "markdown"] {
        let (code, out, err) = score_tiny(&["--per-document", "--mode", "strict", "--format", format]);
        assert_eq!(code, Some(0), "{err}");
        assert!(out.contains("per document (strict):"), "{out}");
        // Document c has no predictions: its 2 gold entities are missed.
        let cells =
            |line: &str| line.split(['|', ' ']).filter(|c| !c.is_empty()).map(str::to_owned).collect::<Vec<_>>();
        let row = out.lines().map(cells).find(|c| c.len() > 2 && c[0] == "c" && c[1] == "entities");
        assert_eq!(
            row.expect("c's entities row"),
            ["c", "entities", "0.0000", "0.0000", "0.0000", "0", "0", "0", "2", "0"],
            "{format}"
        );
    }
}

#[test]
fn an_unknown_stats_field_is_an_error_with_a_suggestion() {
    let out = goldspan().args(["stats", "tests/fixtures/tiny", "--by", "titel"]).output().expect("stats");
    rejected(
        (out.status.code(), stdout(&out), String::from_utf8_lossy(&out.stderr).into_owned()),
        "unknown metadata field \"titel\" (did you mean \"title\"?); expected one of: domain, title",
    );
}

/// `--error-label ORGG` used to list "0 of 0 errors" with exit 0: a typo looked like a clean
/// result. A label no mode scored (gold or predicted) is now an error with a suggestion.
#[test]
fn an_unknown_error_label_is_an_error_with_a_suggestion() {
    let message = "unknown --error-label \"ORGG\" (did you mean \"ORG\"?)";
    rejected(score_tiny(&["--error-label", "ORGG"]), message);
    rejected(run_tiny(&["--error-label", "ORGG"]), message);
    // A label that is scored narrows the listing as before.
    let (code, out, err) = score_tiny(&["--error-label", "ORG"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("ORG"), "{out}");
}
