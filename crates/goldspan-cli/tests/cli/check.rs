//! `goldspan check`: the regression gate over the repository's own evals, and over an eval of
//! the tiny corpus in a temp repo — regressions, improvements, a changed corpus, malformed
//! snapshots, `--update`, and the JSON, Markdown and JUnit reports.

use super::{copy_corpus, goldspan, stdout, valid_json};

/// An eval over the tiny corpus replaying saved predictions, in a temp repo layout.
fn eval_repo(predictions: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let (dir, corpus) = copy_corpus(&goldspan_tests::tiny_corpus());
    let root = corpus.parent().expect("parent").to_owned();
    std::fs::create_dir_all(root.join("evals")).expect("mkdir");
    std::fs::write(root.join("preds.jsonl"), predictions).expect("write");
    // These evals are about scores: a document the replayed file lacks (the tiny predictions
    // have none for c; tests drop more) is a failure the eval allows.
    let def = format!(
        "corpus = \"corpus\"\nextractor = \"file:{}\"\nmodes = [\"strict\", \"partial\"]\nlayers = [\"entities\"]\ntolerance = 0.001\nmax_failures = \"100%\"\n",
        root.join("preds.jsonl").display()
    );
    std::fs::write(root.join("evals/tiny.toml"), def).expect("write");
    (dir, root)
}

/// The tiny fixture predictions, which the tiny evals replay.
fn tiny_predictions() -> String {
    std::fs::read_to_string(goldspan_tests::repo().join("tests/fixtures/tiny-pred.jsonl")).expect("preds")
}

/// `goldspan check --no-cache` in the eval repo `root`.
fn check_in(root: &std::path::Path, extra: &[&str]) -> std::process::Output {
    goldspan().current_dir(root).args(["check", "--no-cache"]).args(extra).output().expect("check")
}

/// Removes one gold entity (the "5%" PERCENT of document c): the corpus hash changes.
fn drop_a_gold_entity(root: &std::path::Path) {
    let ann = root.join("corpus/docs/c.ann");
    let text = std::fs::read_to_string(&ann).expect("read");
    std::fs::write(&ann, text.replace("T5\tPERCENT 67 69\t5%\n", "")).expect("write");
}

#[test]
fn a_lowered_score_fails_the_gate_and_update_refuses_it() {
    let good = tiny_predictions();
    let (_dir, root) = eval_repo(&good);
    let check = |extra: &[&str]| check_in(&root, extra);
    let out = check(&[]);
    assert_eq!(out.status.code(), Some(1), "no snapshot yet: {}", stdout(&out));
    let out = check(&["--update"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let snapshot = std::fs::read_to_string(root.join("evals/snapshots/tiny.json")).expect("snapshot");
    assert_eq!(valid_json("snapshot", &snapshot)["schema"], "goldspan.snapshot/1");
    assert_eq!(check(&[]).status.code(), Some(0));
    // Drop document a's predictions: strict entity recall and F1 fall.
    let worse: String = good.lines().skip(1).map(|l| format!("{l}\n")).collect();
    std::fs::write(root.join("preds.jsonl"), worse).expect("write");
    let out = check(&[]);
    assert_eq!(out.status.code(), Some(1));
    let s = stdout(&out);
    assert!(s.contains("REGRESSION") && s.contains("layers.entities.strict.micro.f1"), "{s}");
    let out = check(&["--update"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains("snapshot NOT updated"));
    assert_eq!(std::fs::read_to_string(root.join("evals/snapshots/tiny.json")).expect("snapshot"), snapshot);
    let out = check(&["--update", "--allow-regression"]);
    assert_eq!(out.status.code(), Some(0));
    assert_ne!(std::fs::read_to_string(root.join("evals/snapshots/tiny.json")).expect("snapshot"), snapshot);
}

#[test]
fn a_changed_corpus_is_reported_as_such_not_as_a_regression() {
    let (_dir, root) = eval_repo(&tiny_predictions());
    assert_eq!(check_in(&root, &["--update"]).status.code(), Some(0));
    // Remove a gold entity: the corpus hash changes, and scores move.
    drop_a_gold_entity(&root);
    // The gate fails until the snapshot is updated deliberately, and says why: not a regression.
    let out = check_in(&root, &[]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let s = stdout(&out);
    assert!(s.contains("CORPUS CHANGED since the snapshot") && !s.contains("REGRESSION"), "{s}");
    // Updating is allowed when no score fell...
    let out = check_in(&root, &["--update"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert_eq!(check_in(&root, &[]).status.code(), Some(0));
}

#[test]
fn a_corpus_change_does_not_smuggle_in_a_regression() {
    let (_dir, root) = eval_repo(&tiny_predictions());
    assert_eq!(check_in(&root, &["--update"]).status.code(), Some(0));
    drop_a_gold_entity(&root);
    std::fs::write(root.join("preds.jsonl"), "").expect("write");
    let out = check_in(&root, &["--update"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(stdout(&out).contains("REGRESSION") && stdout(&out).contains("the corpus changed too"), "{}", stdout(&out));
}

#[test]
fn eval_paths_are_relative_to_the_eval_root_not_the_working_directory() {
    let (_dir, root) = eval_repo(&tiny_predictions());
    std::fs::write(
        root.join("evals/tiny.toml"),
        "corpus = \"corpus\"\nextractor = \"file:preds.jsonl\"\nmodes = [\"strict\"]\nlayers = [\"entities\"]\nmax_failures = 1\n",
    )
    .expect("write");
    let elsewhere = tempfile::tempdir().expect("temp dir");
    let out = goldspan()
        .current_dir(elsewhere.path())
        .args(["check", "--no-cache", "--update", "--evals"])
        .arg(root.join("evals"))
        .output()
        .expect("check");
    assert_eq!(out.status.code(), Some(0), "{}{}", stdout(&out), String::from_utf8_lossy(&out.stderr));
}

#[test]
fn the_gate_passes_on_the_committed_snapshots() {
    let out = goldspan().args(["check", "--no-cache"]).output().expect("check runs");
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
}

#[test]
fn a_malformed_eval_definition_names_its_file_and_line() {
    let (_dir, root) = eval_repo("");
    std::fs::write(
        root.join("evals/tiny.toml"),
        "corpus = \"corpus\"\nextractor = \"quotes-rules\"\nmodes = [\"strict\", \"fuzzy\"]\n",
    )
    .expect("write");
    std::fs::write(root.join("evals/other.toml"), "corpus = \"corpus\"\nextractr = \"quotes-rules\"\n").expect("write");
    let out = goldspan().current_dir(&root).args(["check", "--no-cache"]).output().expect("check");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("other.toml: line 2: unknown field `extractr`"), "{err}");
}

#[test]
fn the_committed_snapshots_pass_as_json_too() {
    let out = goldspan().args(["check", "--no-cache", "--format", "json"]).output().expect("check runs");
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let report = valid_json("check", &stdout(&out));
    assert_eq!(report["passed"], true);
    let evals = report["evals"].as_array().expect("evals");
    assert!(evals.len() >= 3, "one eval per built-in extractor");
    for e in evals {
        assert_eq!((&e["verdict"], &e["passed"]), (&serde_json::json!("ok"), &serde_json::json!(true)), "{e}");
    }
}

/// The tiny predictions with one spurious PERSON ("Politics", document a) added.
fn with_a_spurious_entity() -> String {
    let good = tiny_predictions();
    good.replacen(
        "\"spans\": [",
        "\"spans\": [{\"id\": \"X1\", \"layer\": \"entities\", \"label\": \"PERSON\", \"start\": 0, \"end\": 8}, ",
        1,
    )
}

#[test]
fn an_improvement_passes_the_gate_and_update_keeps_it() {
    let (_dir, root) = eval_repo(&with_a_spurious_entity());
    assert_eq!(check_in(&root, &["--update"]).status.code(), Some(0));
    // Without the spurious entity precision rises and nothing falls.
    std::fs::write(root.join("preds.jsonl"), tiny_predictions()).expect("write");
    let out = check_in(&root, &[]);
    assert_eq!(out.status.code(), Some(0), "an improvement must not fail the gate: {}", stdout(&out));
    // And it says how to record the gain. Per mode (strict, partial) precision and F1 of PERSON,
    // of the macro average and of the micro counts rise (recall stays): 2 × 3 × 2 = 12.
    assert!(
        stdout(&out).contains(
            "tiny: improved: 12 metric(s) rose beyond the tolerance; record it with `goldspan check --update`"
        ),
        "{}",
        stdout(&out)
    );
    let report = valid_json("check", &stdout(&check_in(&root, &["--format", "json"])));
    assert_eq!(report["evals"][0]["verdict"], "improved");
    let moved = report["evals"][0]["moved"].as_array().expect("moved");
    assert!(moved.iter().all(|m| m["regressed"] == false && m["delta"].as_f64().is_some_and(|d| d > 0.0)), "{moved:?}");
    assert!(moved.iter().any(|m| m["metric"] == "total.layers.entities.strict.micro.precision"), "{moved:?}");
    let out = check_in(&root, &["--update"]);
    assert!(stdout(&out).contains("snapshot updated"), "{}", stdout(&out));
    assert_eq!(valid_json("check", &stdout(&check_in(&root, &["--format", "json"])))["evals"][0]["verdict"], "ok");
}

/// Rewrites the tiny eval's snapshot with `change` applied to its JSON.
fn damage_snapshot(root: &std::path::Path, change: impl Fn(&mut serde_json::Value)) -> String {
    let path = root.join("evals/snapshots/tiny.json");
    let mut value: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("snapshot")).expect("JSON");
    change(&mut value);
    let text = serde_json::to_string_pretty(&value).expect("JSON");
    std::fs::write(&path, &text).expect("write");
    text
}

#[test]
fn a_malformed_snapshot_is_an_input_error_naming_the_field_never_a_pass() {
    let (_dir, root) = eval_repo(&tiny_predictions());
    assert_eq!(check_in(&root, &["--update"]).status.code(), Some(0));
    let field = "total.layers.entities.strict.micro.f1";
    for bad in [serde_json::json!(null), serde_json::json!("0.47")] {
        let text = damage_snapshot(&root, |v| v["total"]["layers"]["entities"]["strict"]["micro"]["f1"] = bad.clone());
        for extra in [&[][..], &["--update"], &["--update", "--allow-regression"]] {
            let out = check_in(&root, extra);
            assert_eq!(out.status.code(), Some(2), "{bad} {extra:?}: {}", stdout(&out));
            let s = stdout(&out);
            assert!(s.contains("MALFORMED SNAPSHOT") && s.contains(&format!("field `{field}`")), "{s}");
            assert!(!s.contains("CORPUS CHANGED"), "{s}");
            let on_disk = std::fs::read_to_string(root.join("evals/snapshots/tiny.json")).expect("snapshot");
            assert_eq!(on_disk, text, "a malformed snapshot is never overwritten");
        }
    }
    damage_snapshot(&root, |v| v["total"] = serde_json::json!({}));
    let s = stdout(&check_in(&root, &[]));
    assert!(s.contains("field `total`: missing field"), "{s}");
    let report = valid_json("check", &stdout(&check_in(&root, &["--format", "json"])));
    assert_eq!(report["evals"][0]["verdict"], "malformed");
    assert_eq!(report["evals"][0]["error"]["field"], "total");
}

#[test]
fn empty_null_and_array_snapshots_are_malformed_not_a_corpus_change() {
    let (_dir, root) = eval_repo(&tiny_predictions());
    let path = root.join("evals/snapshots/tiny.json");
    for (text, says) in [("{}", "field `schema`: missing"), ("[]", "not an array"), ("null", "not null")] {
        std::fs::create_dir_all(path.parent().expect("dir")).expect("mkdir");
        std::fs::write(&path, text).expect("write");
        let out = check_in(&root, &[]);
        assert_eq!(out.status.code(), Some(2), "{text}: {}", stdout(&out));
        let s = stdout(&out);
        assert!(s.contains("MALFORMED SNAPSHOT") && s.contains(says) && !s.contains("CORPUS CHANGED"), "{text}: {s}");
    }
    std::fs::write(&path, "{\"schema\": \"goldspan.snapshot/7\"}").expect("write");
    let s = stdout(&check_in(&root, &[]));
    assert!(s.contains("field `schema`: \"goldspan.snapshot/7\" is not supported"), "{s}");
}

#[test]
fn a_regression_is_reported_as_json_markdown_and_junit_xml() {
    let (_dir, root) = eval_repo(&tiny_predictions());
    assert_eq!(check_in(&root, &["--update"]).status.code(), Some(0));
    let worse: String = tiny_predictions().lines().skip(1).map(|l| format!("{l}\n")).collect();
    std::fs::write(root.join("preds.jsonl"), worse).expect("write");
    let junit = root.join("report.xml");
    let out = check_in(&root, &["--format", "json", "--junit", junit.to_str().expect("utf-8 path")]);
    assert_eq!(out.status.code(), Some(1));
    let report = valid_json("check", &stdout(&out));
    assert_eq!(
        (&report["passed"], &report["evals"][0]["verdict"]),
        (&serde_json::json!(false), &serde_json::json!("regressed"))
    );
    let f1 = report["evals"][0]["moved"]
        .as_array()
        .expect("moved")
        .iter()
        .find(|m| m["metric"] == "total.layers.entities.strict.micro.f1")
        .cloned()
        .expect("micro F1 moved");
    // Without document a's predictions (one of the 4 strict matches, 2 of the 3 wrong labels or
    // boundaries), strict entities are COR 3, MIS 7, SPU 1: micro F1 falls from 8/17 to 3/7.
    let expected = (Some(0.470588), Some(0.428571), &serde_json::json!(true));
    assert_eq!((f1["before"].as_f64(), f1["after"].as_f64(), &f1["regressed"]), expected);
    let markdown = stdout(&check_in(&root, &["--format", "markdown"]));
    assert!(markdown.contains("| tiny | **no** | REGRESSION in "), "{markdown}");
    assert!(markdown.contains("| tiny | layers.entities.strict.micro.f1 | 0.4706 | 0.4286 | -0.0420 |"), "{markdown}");
    // A plain-text summary first, then the per-label table: micro P 3/4, R 3/10, F1 3/7 with a
    // bar of 34 eighths (four blocks and a quarter), and its fall from 8/17.
    assert!(markdown.contains("\n0 of 1 eval(s) passed.\n- tiny: REGRESSION in "), "{markdown}");
    assert!(
        markdown.contains("| entities | (micro) | 0.7500 | 0.3000 | 0.4286 | `████▎░░░░░` | -0.0420 ▼ |"),
        "{markdown}"
    );
    assert!(!markdown.contains("http") && !markdown.contains("]("), "link-free: {markdown}");
    let xml = std::fs::read_to_string(&junit).expect("JUnit report written");
    assert!(
        xml.contains("<testcase name=\"layers.entities.strict.micro.f1\" classname=\"goldspan.check.tiny\">\n      <failure type=\"regression\""),
        "{xml}"
    );
    assert!(xml.contains("<testcase name=\"snapshot\" classname=\"goldspan.check.tiny\"/>"), "{xml}");
    xmllint_validates(&junit);
}

#[test]
fn junit_xml_of_missing_and_malformed_snapshots_is_valid() {
    let (_dir, root) = eval_repo(&tiny_predictions());
    let junit = root.join("report.xml");
    let junit_arg = junit.to_str().expect("utf-8 path");
    assert_eq!(check_in(&root, &["--junit", junit_arg]).status.code(), Some(1));
    let xml = std::fs::read_to_string(&junit).expect("written");
    assert!(xml.contains("<failure type=\"missing\""), "{xml}");
    xmllint_validates(&junit);
    std::fs::create_dir_all(root.join("evals/snapshots")).expect("mkdir");
    std::fs::write(root.join("evals/snapshots/tiny.json"), "[]").expect("write");
    assert_eq!(check_in(&root, &["--junit", junit_arg]).status.code(), Some(2));
    let xml = std::fs::read_to_string(&junit).expect("written");
    assert!(xml.contains("<error type=\"malformed\""), "{xml}");
    xmllint_validates(&junit);
}

/// Validates an XML file against tests/fixtures/junit/junit.xsd with xmllint (Debian's
/// libxml2-utils, which .ci/run installs).
fn xmllint_validates(xml: &std::path::Path) {
    let xsd = goldspan_tests::repo().join("tests/fixtures/junit/junit.xsd");
    let out = std::process::Command::new("xmllint")
        .arg("--noout")
        .arg("--schema")
        .arg(&xsd)
        .arg(xml)
        .output()
        .unwrap_or_else(|e| panic!("cannot run xmllint ({e}): install libxml2-utils (apt-get install libxml2-utils)"));
    assert!(
        out.status.success(),
        "{} does not validate against {}:\n{}",
        xml.display(),
        xsd.display(),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_removed_metric_shows_as_removed_and_the_interval_is_labelled_as_the_new_runs() {
    let (_dir, root) = eval_repo(&tiny_predictions());
    let def = |modes: &str| {
        format!(
            "corpus = \"corpus\"\nextractor = \"file:{}\"\nmodes = [{modes}]\nlayers = [\"entities\"]\nbootstrap = 20\nmax_failures = \"100%\"\n",
            root.join("preds.jsonl").display()
        )
    };
    std::fs::write(root.join("evals/tiny.toml"), def("\"strict\", \"partial\"")).expect("write");
    assert_eq!(check_in(&root, &["--update"]).status.code(), Some(0));
    // Partial mode dropped from the eval: its metrics are gone from the new run.
    std::fs::write(root.join("evals/tiny.toml"), def("\"strict\"")).expect("write");
    let out = check_in(&root, &[]);
    assert_eq!(out.status.code(), Some(1), "a metric that disappears counts as a fall: {}", stdout(&out));
    let s = stdout(&out);
    assert!(s.contains("95% CI (after)"), "{s}");
    // Partial micro F1 of the tiny predictions: P = 5.5/7, R = 0.55, F1 = 0.6471.
    let row = s.lines().find(|l| l.contains("layers.entities.partial.micro.f1")).expect("the removed metric's row");
    let cells: Vec<&str> = row.split_whitespace().collect();
    assert_eq!(cells, ["tiny", "layers.entities.partial.micro.f1", "0.6471", "removed", "-0.6471"], "{s}");
    let report = valid_json("check", &stdout(&check_in(&root, &["--format", "json"])));
    let moved = report["evals"][0]["moved"].as_array().expect("moved");
    let partial: Vec<&serde_json::Value> =
        moved.iter().filter(|m| m["metric"].as_str().is_some_and(|n| n.contains(".partial."))).collect();
    assert!(!partial.is_empty() && partial.iter().all(|m| m["presence"] == "removed"), "{moved:?}");
}

#[test]
fn github_annotations_mark_each_regression_and_an_improvement_says_how_to_record_it() {
    let (_dir, root) = eval_repo(&tiny_predictions());
    assert_eq!(check_in(&root, &["--update"]).status.code(), Some(0));
    let worse: String = tiny_predictions().lines().skip(1).map(|l| format!("{l}\n")).collect();
    std::fs::write(root.join("preds.jsonl"), worse).expect("write");
    let out = check_in(&root, &["--format", "github"]);
    assert_eq!(out.status.code(), Some(1));
    let s = stdout(&out);
    // Micro F1 falls from 8/17 to 3/7 (see a_regression_is_reported_as_json_markdown_and_junit_xml).
    let annotation = "::error file=evals/snapshots/tiny.json,title=goldspan check tiny%3A regression::\
                      layers.entities.strict.micro.f1 fell from 0.470588 to 0.428571 (-0.042017), more than the tolerance 0.001\n";
    assert!(s.contains(annotation), "{s}");
    assert!(s.lines().filter(|l| l.starts_with("::")).all(|l| l.starts_with("::error ")), "{s}");
    assert!(s.lines().any(|l| l.starts_with("tiny: REGRESSION in ")), "the status line follows: {s}");
    // The Markdown is a pull-request comment: a verdict first, then the regressions.
    let markdown = stdout(&check_in(&root, &["--format", "markdown"]));
    assert!(markdown.starts_with("### goldspan check: **failed**\n"), "{markdown}");
    assert!(markdown.contains("\n**Regressions** (beyond the tolerance):\n"), "{markdown}");
    // Back to the snapshot's predictions plus nothing: no annotation; then better: a notice.
    std::fs::write(root.join("preds.jsonl"), with_a_spurious_entity()).expect("write");
    assert_eq!(check_in(&root, &["--update", "--allow-regression"]).status.code(), Some(0));
    std::fs::write(root.join("preds.jsonl"), tiny_predictions()).expect("write");
    let out = check_in(&root, &["--format", "github"]);
    assert_eq!(out.status.code(), Some(0));
    let s = stdout(&out);
    assert!(
        s.starts_with("::notice file=evals/snapshots/tiny.json,title=goldspan check tiny%3A improved::improved: ")
            && s.contains("record it with `goldspan check --update`"),
        "{s}"
    );
    let markdown = stdout(&check_in(&root, &["--format", "markdown"]));
    assert!(markdown.starts_with("### goldspan check: passed\n"), "{markdown}");
    assert!(markdown.contains("<details><summary>12 other metric(s) moved</summary>"), "{markdown}");
}

/// The reports of a regression, byte for byte: `tests/fixtures/check/check-regression.*`
/// hold `check`'s JSON, Markdown and table for the regression of
/// `a_regression_is_reported_as_json_markdown_and_junit_xml` (whose numbers are checked by
/// hand there), with the temporary eval repository's path written `$ROOT`. Run with
/// `GOLDSPAN_WRITE_FIXTURES=1` to rewrite them after a deliberate change, and list it in
/// docs/results.md.
#[test]
fn the_reports_of_a_regression_are_the_committed_bytes() {
    let (_dir, root) = eval_repo(&tiny_predictions());
    assert_eq!(check_in(&root, &["--update"]).status.code(), Some(0));
    let worse: String = tiny_predictions().lines().skip(1).map(|l| format!("{l}\n")).collect();
    std::fs::write(root.join("preds.jsonl"), worse).expect("write");
    let fixtures = goldspan_tests::repo().join("tests/fixtures/check");
    for (format, ext) in [("json", "json"), ("markdown", "md"), ("table", "txt")] {
        let out = goldspan()
            .current_dir(&root)
            .env("COLUMNS", "100")
            .args(["check", "--no-cache", "--format", format])
            .output()
            .expect("check");
        assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
        let shown = stdout(&out).replace(&root.display().to_string(), "$ROOT");
        let path = fixtures.join(format!("check-regression.{ext}"));
        if std::env::var_os("GOLDSPAN_WRITE_FIXTURES").is_some() {
            std::fs::write(&path, &shown).expect("write the fixture");
        }
        let expected = std::fs::read_to_string(&path).expect("the committed fixture");
        assert_eq!(shown, expected, "check --format {format} differs from {}", path.display());
    }
}
