//! `goldspan run` and `goldspan check`: external extractors that fail, the cache, and the
//! regression gate.

use super::{copy_corpus, dev_ids, fault_extractor, goldspan, stdout};

#[test]
fn a_crashing_hanging_and_garbling_extractor_fails_three_documents_and_the_run_completes() {
    let ids = dev_ids();
    let spec = format!("cmd:{} --crash {} --hang {} --garbage {}", fault_extractor(), ids[0], ids[1], ids[2]);
    let started = std::time::Instant::now();
    let out = goldspan()
        .args([
            "run",
            "--extractor",
            &spec,
            "--split",
            "dev",
            "--timeout",
            "2",
            "--jobs",
            "2",
            "--no-cache",
            "--format",
            "json",
        ])
        .output()
        .expect("run");
    // The hang costs one timeout; everything else is fast.
    assert!(started.elapsed().as_secs() < 60);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("json");
    let failures = json["failures"].as_array().expect("failures");
    let reasons: Vec<(&str, &str)> =
        failures.iter().map(|f| (f["document"].as_str().unwrap_or(""), f["reason"].as_str().unwrap_or(""))).collect();
    assert_eq!(reasons.len(), 3, "{reasons:#?}");
    assert_eq!(reasons[0].0, ids[0]);
    assert!(reasons[0].1.contains("exited") && reasons[0].1.contains("crashing on"), "{reasons:#?}");
    assert_eq!(reasons[1].0, ids[1]);
    assert!(reasons[1].1.contains("timed out after 2 s"), "{reasons:#?}");
    assert_eq!(reasons[2].0, ids[2]);
    assert!(reasons[2].1.contains("not a record: \"this is not json\""), "{reasons:#?}");
    // Every document of the split is scored (the failed ones as empty predictions).
    assert_eq!(json["documents"]["scored"], 47);
    assert!(json["total"]["layers"]["entities"]["strict"]["micro"]["cor"].as_u64().expect("cor") > 0);
}

#[test]
fn wrong_ids_and_bad_offsets_are_recorded_failures() {
    let ids = dev_ids();
    let spec = format!("cmd:{} --wrong-id {} --bad-offsets {}", fault_extractor(), ids[0], ids[1]);
    let out = goldspan().args(["run", "--extractor", &spec, "--split", "dev", "--no-cache"]).output().expect("run");
    assert_eq!(out.status.code(), Some(0));
    let s = stdout(&out);
    assert!(s.contains(&format!("{}: answered for document \"{}-other\"", ids[0], ids[0])), "{s}");
    assert!(
        s.contains(&format!("{}: unusable output: span T", ids[1])) && s.contains("past the end of the text"),
        "{s}"
    );
}

#[test]
fn fail_fast_stops_at_the_first_failure_with_exit_3() {
    let ids = dev_ids();
    let spec = format!("cmd:{} --crash {}", fault_extractor(), ids[0]);
    let out = goldspan()
        .args(["run", "--extractor", &spec, "--split", "dev", "--no-cache", "--fail-fast", "--jobs", "1"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains(&format!("document {}: the program exited", ids[0])));
}

#[test]
fn a_second_run_extracts_nothing_and_a_new_configuration_extracts_again() {
    let cache = tempfile::tempdir().expect("temp dir");
    let run = |tag: &str| {
        let spec = format!("cmd:{} --tag {tag}", fault_extractor());
        let out = goldspan()
            .args(["run", "--extractor", &spec, "--corpus", "tests/fixtures/tiny", "--cache"])
            .arg(cache.path())
            .args(["--format", "json"])
            .output()
            .expect("run");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let json: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("json");
        (json["extraction"]["performed"].as_u64(), json["extraction"]["cached"].as_u64(), json["total"].clone())
    };
    let first = run("v1");
    assert_eq!((first.0, first.1), (Some(3), Some(0)));
    let second = run("v1");
    assert_eq!((second.0, second.1), (Some(0), Some(3)), "an unchanged rerun extracts nothing");
    assert_eq!(first.2, second.2, "cached outputs score the same");
    let bumped = run("v2");
    assert_eq!((bumped.0, bumped.1), (Some(3), Some(0)), "a new configuration must not reuse stale outputs");
}

#[test]
fn an_interrupted_run_resumes_from_the_cache() {
    let cache = tempfile::tempdir().expect("temp dir");
    let ids = ["a", "b", "c"];
    // First run: document c crashes (as if the run had been killed there), so only a and b
    // are cached: each output is written, atomically, as soon as it is extracted.
    let spec = format!("cmd:{} --crash c --tag resume", fault_extractor());
    let out = goldspan()
        .args(["run", "--extractor", &spec, "--corpus", "tests/fixtures/tiny", "--jobs", "1", "--cache"])
        .arg(cache.path())
        .output()
        .expect("run");
    assert!(out.status.success());
    let dirs: Vec<_> = std::fs::read_dir(cache.path()).expect("cache").flatten().collect();
    assert_eq!(dirs.len(), 1);
    assert_eq!(std::fs::read_dir(dirs[0].path()).expect("entries").count(), ids.len() - 1);
    // Rerunning the identical spec extracts only c again (failures are never cached).
    let out = goldspan()
        .args([
            "run",
            "--extractor",
            &spec,
            "--corpus",
            "tests/fixtures/tiny",
            "--jobs",
            "1",
            "--format",
            "json",
            "--cache",
        ])
        .arg(cache.path())
        .output()
        .expect("run");
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("json");
    assert_eq!(json["extraction"]["performed"], 1, "only the document without a cached output runs again");
    assert_eq!(json["extraction"]["cached"], 2);
}

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
    assert!(snapshot.contains("\"schema\": \"goldspan.snapshot/1\""));
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
fn a_program_that_cannot_start_is_an_extractor_failure() {
    let out = goldspan()
        .args(["run", "--extractor", "cmd:/nonexistent/extractor --x", "--corpus", "tests/fixtures/tiny", "--no-cache"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(3));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("cannot start `/nonexistent/extractor --x`: program `/nonexistent/extractor` not found"),
        "{err}"
    );
}

#[test]
fn an_impossible_timeout_is_an_input_error() {
    let out = goldspan()
        .args(["run", "--extractor", "quotes-rules", "--timeout", "1e300", "--no-cache"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--timeout"), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn a_stray_output_line_costs_at_most_one_document() {
    let spec = format!("cmd:{} --extra-line a", fault_extractor());
    let out = goldspan()
        .args([
            "run",
            "--extractor",
            &spec,
            "--corpus",
            "tests/fixtures/tiny",
            "--jobs",
            "1",
            "--no-cache",
            "--format",
            "json",
        ])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0));
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("json");
    let failures = json["failures"].as_array().expect("failures");
    assert!(failures.len() <= 1, "a desynchronised worker must be replaced, not reused: {failures:#?}");
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
