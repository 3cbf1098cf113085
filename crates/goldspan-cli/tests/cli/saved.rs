//! The developer's loop without plumbing: `run --save-predictions` and `--output`, the saved
//! predictions scored again by `score` (the same results JSON as the run's), `--against` on
//! two saved runs, `--label-map`, `--limit` and `--ids`, a gold JSON Lines file as `--corpus`,
//! and the one default bootstrap seed.

use std::path::{Path, PathBuf};

use super::{fault_extractor, goldspan, stdout, valid_json};

/// `goldspan run` of `spec` over the tiny corpus, without a cache, with `extra` arguments.
fn run_tiny(spec: &str, extra: &[&str]) -> std::process::Output {
    let out = goldspan()
        .args(["run", "--extractor", spec, "--corpus", "tests/fixtures/tiny", "--no-cache"])
        .args(extra)
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    out
}

fn path(dir: &tempfile::TempDir, name: &str) -> String {
    dir.path().join(name).display().to_string()
}

fn read(path: &str) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The results JSON of a run without its `extraction` object: how that run got its outputs
/// (extracted or from the cache), which is not a property of the predictions and which a
/// score of them cannot know.
fn without_extraction(run_json: &str) -> String {
    let start = run_json.find("  \"extraction\": {\n").expect("a run's results have an extraction object");
    let end = start + run_json[start..].find("  },\n").expect("its end") + "  },\n".len();
    format!("{}{}", &run_json[..start], &run_json[end..])
}

#[test]
fn saved_predictions_score_to_the_runs_results_byte_for_byte() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (saved, output) = (path(&dir, "saved.jsonl"), path(&dir, "run.json"));
    // A cmd: extractor (every capitalised word a PERSON) that crashes on document b: its
    // failure travels with the saved predictions. A label map and bootstrap intervals (on the
    // default seed) must come out the same too.
    let spec = format!("cmd:{} --crash b", fault_extractor());
    let out = run_tiny(
        &spec,
        &[
            "--save-predictions",
            &saved,
            "--output",
            &output,
            "--label-map",
            "tests/fixtures/results/label-map.toml",
            "--bootstrap",
            "50",
            "--format",
            "json",
        ],
    );
    let run_json = stdout(&out);
    assert_eq!(read(&output), run_json, "--output writes what --format json prints");
    valid_json("results", &run_json);
    let out = goldspan()
        .args(["score", "--gold", "tests/fixtures/tiny", "--pred", &saved])
        .args(["--label-map", "tests/fixtures/results/label-map.toml", "--bootstrap", "50", "--format", "json"])
        .output()
        .expect("score");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let score_json = stdout(&out);
    assert!(score_json == without_extraction(&run_json), "--- run\n{run_json}\n--- score\n{score_json}");
    // What carried over, spelled out: the extractor, the failure, the layer it produced.
    let json = valid_json("results", &score_json);
    assert_eq!(json["manifest"]["predictions"], spec);
    assert_eq!(json["failures"][0]["document"], "b");
    assert_eq!(json["documents"]["missing_predictions"], serde_json::json!([]));
    let layers: Vec<&String> = json["total"]["layers"].as_object().expect("layers").keys().collect();
    assert_eq!(layers, ["entities"], "the fault extractor tags entities only");
}

#[test]
fn saved_predictions_are_in_corpus_order_with_the_same_bytes_every_time() {
    let dir = tempfile::tempdir().expect("temp dir");
    let cache = path(&dir, "cache");
    let save = |name: &str, extra: &[&str]| {
        let file = path(&dir, name);
        goldspan()
            .args(["run", "--extractor", "entities-rules", "--corpus", "tests/fixtures/tiny", "--save-predictions"])
            .arg(&file)
            .args(extra)
            .output()
            .expect("run");
        read(&file)
    };
    let first = save("one.jsonl", &["--jobs", "1", "--cache", &cache]);
    let cached = save("two.jsonl", &["--jobs", "3", "--cache", &cache]);
    let fresh = save("three.jsonl", &["--jobs", "2", "--no-cache"]);
    assert_eq!(first, cached, "outputs from the cache save the same bytes");
    assert_eq!(first, fresh, "any thread count saves the same bytes");
    let lines: Vec<&str> = first.lines().collect();
    assert!(lines[0].starts_with(r#"{"goldspan":1,"header":{"run":{"corpus":"tiny","corpus_hash":""#), "{}", lines[0]);
    let ids: Vec<String> = lines[1..]
        .iter()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).expect("a record")["id"].as_str().unwrap_or("").to_owned()
        })
        .collect();
    assert_eq!(ids, ["a", "b", "c"]);
    // The saved file replays as an extractor, its header skipped.
    let out = run_tiny(&format!("file:{}", path(&dir, "one.jsonl")), &["--format", "json"]);
    assert_eq!(valid_json("results", &stdout(&out))["failures"], serde_json::json!([]));
}

#[test]
fn against_compares_two_saved_runs() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (new, old) = (path(&dir, "new.jsonl"), path(&dir, "old.jsonl"));
    run_tiny("file:tests/fixtures/tiny-pred.jsonl", &["--save-predictions", &new]);
    run_tiny("file:tests/fixtures/results/baseline-pred.jsonl", &["--save-predictions", &old]);
    let compare = |pred: &str, against: &str| {
        let out = goldspan()
            .args(["score", "--gold", "tests/fixtures/tiny", "--pred", pred, "--against", against])
            .args(["--layer", "entities", "--layer", "quotes", "--format", "json"])
            .output()
            .expect("score");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        valid_json("results", &stdout(&out))["comparison"].clone()
    };
    let saved = compare(&new, &old);
    assert!(saved.as_array().is_some_and(|rows| rows.len() == 8), "2 layers × 4 modes: {saved}");
    // The same comparison as of the files the runs replayed (c, missing from the first, is
    // scored as empty either way).
    assert_eq!(saved, compare("tests/fixtures/tiny-pred.jsonl", "tests/fixtures/results/baseline-pred.jsonl"));
}

#[test]
fn a_saved_run_on_one_split_is_not_scored_against_another() {
    let dir = tempfile::tempdir().expect("temp dir");
    let saved = path(&dir, "dev.jsonl");
    run_tiny("file:tests/fixtures/tiny-pred.jsonl", &["--split", "dev", "--save-predictions", &saved]);
    let out = goldspan()
        .args(["score", "--gold", "tests/fixtures/tiny", "--pred", &saved, "--split", "test"])
        .output()
        .expect("score");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("holds a run on split \"dev\", not \"test\": score it with --split dev"), "{err}");
    // Without --split it is scored on the run's split: document a only.
    let out =
        goldspan().args(["score", "--gold", "tests/fixtures/tiny", "--pred", &saved, "--format", "json"]).output();
    let json = valid_json("results", &stdout(&out.expect("score")));
    assert_eq!((json["manifest"]["split"].as_str(), json["documents"]["scored"].as_u64()), (Some("dev"), Some(1)));
}

/// Saved predictions given through a pipe (`--pred /dev/stdin`, a shell's `<(...)`), which can
/// be read once only, score as the same file on disk: its header (here a run narrowed to two
/// documents) and its records are read from one copy, and again for a report. Before, the
/// header's reading took the start of the stream, and the records were read from the middle
/// of a line.
#[test]
fn saved_predictions_through_a_pipe_score_as_the_same_file_on_disk() {
    let dir = tempfile::tempdir().expect("temp dir");
    let saved = path(&dir, "two.jsonl");
    run_tiny("file:tests/fixtures/tiny-pred.jsonl", &["--limit", "2", "--save-predictions", &saved]);
    let report = path(&dir, "report.html");
    let score = |pred: &str, stdin: &[u8]| {
        let out = goldspan()
            .args(["score", "--gold", "tests/fixtures/tiny", "--format", "json", "--report", &report])
            .args(["--pred", pred])
            .write_stdin(stdin)
            .output()
            .expect("score");
        assert!(out.status.success(), "{pred}: {}", String::from_utf8_lossy(&out.stderr));
        let mut results = valid_json("results", &stdout(&out));
        results["manifest"].as_object_mut().expect("a manifest").remove("predictions");
        (results, read(&report).replace(pred, "PREDICTIONS"))
    };
    let on_disk = score(&saved, b"");
    assert_eq!(on_disk.0["documents"]["scored"], 2, "the header narrows the score to the run's two documents");
    assert_eq!(score("/dev/stdin", read(&saved).as_bytes()), on_disk);
    // A problem in piped predictions names the path given and the line in the stream.
    let header_and_a: String = read(&saved).lines().take(2).map(|l| format!("{l}\n")).collect();
    let bad = format!("{header_and_a}{{\"id\": \"b\", \"spans\": [{{\"label\": \"PERSON\", \"start\": 2}}]}}\n");
    let out = goldspan()
        .args(["score", "--gold", "tests/fixtures/tiny", "--pred", "/dev/stdin"])
        .write_stdin(bad.as_bytes())
        .output()
        .expect("score");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("/dev/stdin:3: document b: span"), "{err}");
}

/// JSON Lines outputs named `.zst` (saved predictions, a shard's partial) are written
/// zstd-compressed and read back as their plain forms; a results JSON or report named `.zst`
/// is refused, as it is written plain. Before, every one was written as plain text under a
/// `.zst` name, which no reader here could then read.
#[test]
fn json_lines_outputs_named_zst_are_compressed_and_read_back() {
    let dir = tempfile::tempdir().expect("temp dir");
    let zstd_magic = [0x28, 0xB5, 0x2F, 0xFD];
    let score = |saved: &str| {
        let out =
            goldspan().args(["score", "--gold", "tests/fixtures/tiny", "--pred", saved, "--format", "json"]).output();
        stdout(&out.expect("score"))
    };
    let (plain, packed) = (path(&dir, "saved.jsonl"), path(&dir, "saved.jsonl.zst"));
    for saved in [&plain, &packed] {
        run_tiny("file:tests/fixtures/tiny-pred.jsonl", &["--save-predictions", saved]);
    }
    assert!(std::fs::read(&packed).expect("saved").starts_with(&zstd_magic));
    assert!(!score(&plain).is_empty());
    assert_eq!(score(&packed), score(&plain));
    // One shard of one, compressed, merges to the run's results.
    let partial = path(&dir, "shard.jsonl.zst");
    let whole = stdout(&run_tiny("file:tests/fixtures/tiny-pred.jsonl", &["--format", "json"]));
    run_tiny("file:tests/fixtures/tiny-pred.jsonl", &["--shard", "0/1", "--partial", &partial]);
    assert!(std::fs::read(&partial).expect("partial").starts_with(&zstd_magic));
    let merged = goldspan().args(["merge", &partial, "--format", "json"]).output().expect("merge");
    assert!(merged.status.success(), "{}", String::from_utf8_lossy(&merged.stderr));
    assert_eq!(without_extraction(&stdout(&merged)), without_extraction(&whole));
    // Plain text under a .zst name is refused, before the run.
    for option in ["--output", "--report"] {
        let out = goldspan()
            .args(["run", "--extractor", "file:tests/fixtures/tiny-pred.jsonl", "--corpus", "tests/fixtures/tiny"])
            .args(["--no-cache", option, &path(&dir, "results.json.zst")])
            .output()
            .expect("run");
        assert_eq!(out.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&out.stderr).contains("writes plain text"), "{option}");
    }
}

#[test]
fn limit_and_ids_narrow_a_run_and_its_saved_predictions() {
    let dir = tempfile::tempdir().expect("temp dir");
    let ids = dir.path().join("ids.txt");
    std::fs::write(&ids, "# two of the three\nc\n\na\n").expect("write");
    let scored = |extra: &[&str]| {
        let json = valid_json("results", &stdout(&run_tiny("file:tests/fixtures/tiny-pred.jsonl", extra)));
        (json["documents"]["scored"].as_u64(), json["failures"].as_array().map(Vec::len))
    };
    // The first two documents in corpus order are a and b, both predicted.
    assert_eq!(scored(&["--limit", "2", "--format", "json"]), (Some(2), Some(0)));
    // a and c; c has no prediction in the file: a failure.
    let ids_arg = ids.display().to_string();
    assert_eq!(scored(&["--ids", &ids_arg, "--format", "json"]), (Some(2), Some(1)));
    assert_eq!(scored(&["--ids", &ids_arg, "--limit", "1", "--format", "json"]), (Some(1), Some(0)));
    // A narrowed run's saved predictions score on the same documents.
    let saved = path(&dir, "two.jsonl");
    let run = stdout(&run_tiny(
        "file:tests/fixtures/tiny-pred.jsonl",
        &["--limit", "2", "--save-predictions", &saved, "--format", "json"],
    ));
    let out =
        goldspan().args(["score", "--gold", "tests/fixtures/tiny", "--pred", &saved, "--format", "json"]).output();
    assert_eq!(stdout(&out.expect("score")), without_extraction(&run));
    // An unknown id is an error naming it, with a suggestion.
    std::fs::write(&ids, "a\nbb\n").expect("write");
    let out = goldspan()
        .args(["run", "--extractor", "entities-rules", "--corpus", "tests/fixtures/tiny", "--no-cache", "--ids"])
        .arg(&ids)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("unknown document \"bb\" (did you mean \"b\"?); expected one of: a, b, c"), "{err}");
}

#[test]
fn a_gold_json_lines_file_runs_like_the_corpus_directory() {
    let dir = tempfile::tempdir().expect("temp dir");
    let gold: PathBuf = dir.path().join("tiny.jsonl");
    let out =
        goldspan().args(["convert", "--from", "gold", "--to", "jsonl", "tests/fixtures/tiny"]).arg(&gold).output();
    assert!(out.expect("convert").status.success());
    let total = |corpus: &Path| {
        let out = goldspan()
            .args(["run", "--extractor", "file:tests/fixtures/tiny-pred.jsonl", "--no-cache", "--format", "json"])
            .arg("--corpus")
            .arg(corpus)
            .output()
            .expect("run");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let json = valid_json("results", &stdout(&out));
        (json["total"]["layers"].clone(), json["documents"]["scored"].clone())
    };
    let from_file = total(&gold);
    assert_eq!(from_file.1, 3);
    // A gold file has no manifest: what it scores is what it holds, the same counts.
    assert_eq!(from_file, total(Path::new("tests/fixtures/tiny")));
}

#[test]
fn run_and_score_default_to_the_same_bootstrap_seed() {
    let seed =
        |out: std::process::Output| valid_json("results", &stdout(&out))["manifest"]["bootstrap"]["seed"].clone();
    let run = seed(run_tiny("file:tests/fixtures/tiny-pred.jsonl", &["--bootstrap", "20", "--format", "json"]));
    let score = goldspan()
        .args(["score", "--gold", "tests/fixtures/tiny", "--pred", "tests/fixtures/tiny-pred.jsonl"])
        .args(["--bootstrap", "20", "--format", "json"])
        .output()
        .expect("score");
    assert_eq!(run, seed(score));
    // An eval that names no seed uses it too.
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir(dir.path().join("evals")).expect("mkdir");
    let corpus = goldspan_tests::tiny_corpus();
    std::fs::write(
        dir.path().join("evals/tiny.toml"),
        format!("corpus = {:?}\nextractor = \"entities-rules\"\nbootstrap = 20\n", corpus.display().to_string()),
    )
    .expect("write");
    let out = goldspan().current_dir(dir.path()).args(["run", "--no-cache", "--format", "json"]).output().expect("run");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(seed(out), run);
}
