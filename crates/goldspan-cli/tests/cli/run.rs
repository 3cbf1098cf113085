//! `goldspan run`: external extractors that fail, and the cache.

use super::{dev_ids, fault_extractor, goldspan, stdout, valid_json};

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
    let json = valid_json("results", &stdout(&out));
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
fn an_error_answer_fails_its_document_with_the_message_and_the_copy_stays() {
    let ids = dev_ids();
    let dir = tempfile::tempdir().expect("temp dir");
    let starts = dir.path().join("pgids");
    let spec = format!("cmd:{} --error {} --pgid-file {}", fault_extractor(), ids[1], starts.display());
    let out = goldspan()
        .args(["run", "--extractor", &spec, "--split", "dev", "--jobs", "1", "--no-cache", "--format", "json"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let json = valid_json("results", &stdout(&out));
    let failures = json["failures"].as_array().expect("failures");
    assert_eq!(failures.len(), 1, "{failures:#?}");
    assert_eq!(failures[0]["document"], ids[1].as_str());
    let reason = failures[0]["reason"].as_str().unwrap_or_default();
    assert!(reason.contains("the program reported an error: no model for this document"), "{reason}");
    // One copy served every document: an error answer does not put it out of step.
    let started = std::fs::read_to_string(&starts).expect("pgid file");
    assert_eq!(started.lines().count(), 1, "{started}");
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
        let json = valid_json("results", &stdout(&out));
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
    // are cached: failures never are.
    let spec = format!("cmd:{} --crash c --tag resume", fault_extractor());
    let out = goldspan()
        .args(["run", "--extractor", &spec, "--corpus", "tests/fixtures/tiny", "--jobs", "1", "--cache"])
        .arg(cache.path())
        .output()
        .expect("run");
    assert!(out.status.success());
    let db = rusqlite::Connection::open(cache.path().join("cache.sqlite3")).expect("the cache database");
    let stored: Vec<String> = db
        .prepare("SELECT id FROM outputs ORDER BY id")
        .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
        .expect("ids");
    assert_eq!(stored, ids[..2]);
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
    let json = valid_json("results", &stdout(&out));
    assert_eq!(json["extraction"]["performed"], 1, "only the document without a cached output runs again");
    assert_eq!(json["extraction"]["cached"], 2);
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
    let json = valid_json("results", &stdout(&out));
    let failures = json["failures"].as_array().expect("failures");
    assert!(failures.len() <= 1, "a desynchronised worker must be replaced, not reused: {failures:#?}");
}

#[test]
fn a_builtin_extractor_over_its_timeout_is_a_recorded_failure_with_the_hint() {
    // Document a of the tiny corpus, grown to a megabyte (its gold spans still fit): no
    // built-in gets through it in a microsecond, and each says so as a cmd: worker would.
    let (_dir, corpus) = super::copy_corpus(&goldspan_tests::repo().join("tests/fixtures/tiny"));
    let a = corpus.join("docs/a.txt");
    let mut text = std::fs::read_to_string(&a).expect("a.txt");
    text.push_str(&"\nMs Zoë Brandt met the Bank of England on Friday. “We lost,” she said.".repeat(15_000));
    std::fs::write(&a, text).expect("write a.txt");
    for extractor in ["quotes-rules", "entities-rules", "structure-rules"] {
        let out = goldspan()
            .args(["run", "--extractor", extractor, "--split", "dev", "--no-cache", "--format", "json"])
            .arg("--corpus")
            .arg(&corpus)
            .args(["--timeout", "0.000001"])
            .output()
            .expect("run");
        let err = String::from_utf8_lossy(&out.stderr);
        // Its one document failed, so the run exits 3, with the failure in the results.
        assert_eq!(out.status.code(), Some(3), "{extractor}: {err}");
        let json = valid_json("results", &stdout(&out));
        let failures = json["failures"].as_array().expect("failures");
        assert_eq!(failures.len(), 1, "{extractor}: {failures:?}");
        assert_eq!(failures[0]["document"], "a");
        assert_eq!(failures[0]["reason"], "timed out after 0.000001 s", "{extractor}");
        assert!(err.contains("hint: raise --timeout if documents take long to annotate"), "{extractor}: {err}");
    }
}

/// `goldspan synth` writes one corpus three ways — JSON Lines, zstd-compressed JSON Lines and
/// a corpus directory — and a run over each scores alike: the compressed files are read
/// through, the directory's files say what the lines say.
#[test]
fn a_synthetic_corpus_runs_alike_as_jsonl_zst_and_a_directory() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut scores = Vec::new();
    for (layout, gold, pred) in [
        ("jsonl", "gold.jsonl", "pred.jsonl"),
        ("zst", "gold.jsonl.zst", "pred.jsonl.zst"),
        ("corpus", "corpus", "pred.jsonl"),
    ] {
        let out = dir.path().join(layout);
        let synth = goldspan()
            .args(["synth", "--docs", "40", "--seed", "5", "--layout", layout])
            .arg(&out)
            .output()
            .expect("runs");
        assert!(synth.status.success(), "{}", String::from_utf8_lossy(&synth.stderr));
        let run = goldspan()
            .args(["run", "--no-cache", "--format", "json", "--layer", "entities", "--extractor"])
            .arg(format!("file:{}", out.join(pred).display()))
            .arg("--corpus")
            .arg(out.join(gold))
            .output()
            .expect("runs");
        assert!(run.status.success(), "{layout}: {}", String::from_utf8_lossy(&run.stderr));
        let mut results = valid_json("results", &stdout(&run));
        assert_eq!(results["documents"]["scored"], 40, "{layout}");
        // What names the run (the corpus and extractor paths) differs; the scores may not.
        results.as_object_mut().expect("an object").remove("manifest");
        scores.push(results);
    }
    assert_eq!(scores[0], scores[1], "zst");
    assert_eq!(scores[0], scores[2], "corpus directory");
}

/// A gold file given through a pipe (`--corpus /dev/stdin`, or a shell's `<(zcat ...)`),
/// which can be read once only, runs as the same file on disk: read as a stream into a
/// temporary file rather than in pieces at offsets (which a pipe refuses: "Illegal seek").
#[test]
fn a_gold_file_through_a_pipe_runs_as_the_same_file_on_disk() {
    let dir = tempfile::tempdir().expect("temp dir");
    let synth = goldspan().args(["synth", "--docs", "25", "--seed", "4"]).arg(dir.path()).output().expect("runs");
    assert!(synth.status.success(), "{}", String::from_utf8_lossy(&synth.stderr));
    let gold = std::fs::read(dir.path().join("gold.jsonl")).expect("gold");
    let extractor = format!("file:{}", dir.path().join("pred.jsonl").display());
    let run = |corpus: &str, stdin: &[u8]| {
        let out = goldspan()
            .args(["run", "--no-cache", "--format", "json", "--layer", "entities", "--extractor", &extractor])
            .args(["--corpus", corpus])
            .write_stdin(stdin)
            .output()
            .expect("runs");
        assert!(out.status.success(), "{corpus}: {}", String::from_utf8_lossy(&out.stderr));
        let mut results = valid_json("results", &stdout(&out));
        results.as_object_mut().expect("an object").remove("manifest");
        results
    };
    let on_disk = run(&dir.path().join("gold.jsonl").display().to_string(), b"");
    assert_eq!(on_disk["documents"]["scored"], 25);
    assert_eq!(run("/dev/stdin", &gold), on_disk);
}

#[test]
fn an_input_errors_problems_are_written_as_json_where_goldspan_problems_file_says() {
    let dir = tempfile::tempdir().expect("temp dir");
    let pred = dir.path().join("pred.jsonl");
    let first = std::fs::read_to_string(goldspan_tests::repo().join("tests/fixtures/tiny-pred.jsonl"))
        .expect("tiny predictions");
    let first = first.lines().next().expect("a line");
    assert!(first.contains(r#""id":"a""#) || first.contains(r#""id": "a""#), "line 1 is document a: {first}");
    std::fs::write(&pred, format!("{first}\n{{\"id\": \"a\", \"spans\": []}}\n")).expect("write");
    let problems = dir.path().join("problems.json");
    let spec = format!("file:{}", pred.display());
    let out = goldspan()
        .args(["run", "--extractor", &spec, "--corpus", "tests/fixtures/tiny", "--no-cache"])
        .env("GOLDSPAN_PROBLEMS_FILE", &problems)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stderr));
    let written: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&problems).expect("problems written")).expect("JSON");
    let expected = serde_json::json!([{
        "file": pred.display().to_string(),
        "line": 2,
        "document": "a",
        "message": "duplicate id a (first used on line 1)",
    }]);
    assert_eq!(written, expected);
    // An error that is not the input's writes nothing.
    std::fs::remove_file(&problems).expect("remove");
    let out = goldspan()
        .args(["run", "--extractor", "no-such-extractor", "--corpus", "tests/fixtures/tiny", "--no-cache"])
        .env("GOLDSPAN_PROBLEMS_FILE", &problems)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(!problems.exists(), "an unknown extractor has no problems to list");
}
