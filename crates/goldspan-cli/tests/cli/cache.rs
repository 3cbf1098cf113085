//! The extractor-output cache through the CLI: what belongs to the key (`cache_inputs`:
//! environment variables and files a program reads), runs killed at random points and runs
//! sharing one cache, an unusable cache told once, `goldspan cache stats|prune|clear|show`,
//! and a cache of an older table layout.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::{copy_corpus, fault_extractor, goldspan, stdout, valid_json};

/// A repository with the tiny corpus, `lib/labels.txt` (which the extractor reads at start-up
/// from the directory `lib` named on its command line, as a script imports a module) and `evals/tiny.toml` running the fault extractor with
/// `extra` lines.
fn eval_repo(extra: &str) -> (tempfile::TempDir, PathBuf) {
    let (dir, corpus) = copy_corpus(&goldspan_tests::tiny_corpus());
    let root = corpus.parent().expect("parent").to_owned();
    std::fs::create_dir_all(root.join("lib")).expect("mkdir");
    std::fs::write(root.join("lib/labels.txt"), "PERSON\n").expect("write");
    std::fs::create_dir_all(root.join("evals")).expect("mkdir");
    let def = format!(
        "corpus = \"corpus\"\nextractor = \"cmd:{} --import lib\"\nmodes = [\"strict\"]\nlayers = [\"entities\"]\n{extra}",
        fault_extractor()
    );
    std::fs::write(root.join("evals/tiny.toml"), def).expect("write");
    (dir, root)
}

/// `goldspan run` of every eval in `root` (through its default cache) with the environment
/// variable `GS_TEST_MODEL` set to `model` (or unset): (documents extracted, documents
/// cached, the scores).
fn run_evals(root: &Path, model: Option<&str>) -> (u64, u64, serde_json::Value) {
    let mut cmd = goldspan();
    cmd.current_dir(root).args(["run", "--format", "json"]);
    match model {
        Some(value) => cmd.env("GS_TEST_MODEL", value),
        None => cmd.env_remove("GS_TEST_MODEL"),
    };
    let out = cmd.output().expect("run");
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let json = valid_json("results", &stdout(&out));
    let count = |key: &str| json["extraction"][key].as_u64().expect("count");
    (count("performed"), count("cached"), json["total"].clone())
}

#[test]
fn a_changed_environment_variable_listed_in_the_eval_extracts_again() {
    let (_dir, root) = eval_repo("cache_inputs = { env = [\"GS_TEST_MODEL\"] }\n");
    let first = run_evals(&root, Some("small"));
    assert_eq!((first.0, first.1), (3, 0));
    assert_eq!(run_evals(&root, Some("small")).1, 3, "the same value reads the cache");
    assert_eq!(run_evals(&root, Some("large")).0, 3, "a new value is a new key");
    assert_eq!(run_evals(&root, None).0, 3, "unset is another value");
    assert_eq!(run_evals(&root, Some("")).0, 3, "empty is another value still");
    // Back to the first value: its outputs are still there.
    let again = run_evals(&root, Some("small"));
    assert_eq!((again.0, again.1), (0, 3));
    assert_eq!(again.2, first.2);
}

#[test]
fn a_changed_module_listed_in_cache_inputs_extracts_again_and_an_unlisted_one_does_not() {
    let (_dir, root) = eval_repo("cache_inputs = { paths = [\"lib/\"] }\n");
    let person = run_evals(&root, None);
    assert_eq!((person.0, person.1), (3, 0));
    assert_eq!(run_evals(&root, None).1, 3);
    std::fs::write(root.join("lib/labels.txt"), "ORG\n").expect("edit the module");
    let org = run_evals(&root, None);
    assert_eq!((org.0, org.1), (3, 0), "an edited module is a new key");
    assert_ne!(org.2, person.2, "and the new outputs are scored, not the stale ones");
    // The same program without cache_inputs: nothing tells goldspan the module changed, so
    // the outputs made with the old one are reused. This is what cache_inputs is for.
    let (_dir, bare) = eval_repo("");
    assert_eq!(run_evals(&bare, None).0, 3);
    std::fs::write(bare.join("lib/labels.txt"), "ORG\n").expect("edit the module");
    let stale = run_evals(&bare, None);
    assert_eq!((stale.0, stale.1, stale.2), (0, 3, person.2));
}

#[test]
fn a_cache_input_that_does_not_exist_is_an_input_error() {
    let (_dir, root) = eval_repo("cache_inputs = { paths = [\"models/\"] }\n");
    let out = goldspan().current_dir(&root).args(["run"]).output().expect("run");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("models/ does not exist (every path listed must name a file or directory)"), "{err}");
    let (_dir, root) = eval_repo("cache_inputs = { env = [\"A=B\"] }\n");
    let out = goldspan().current_dir(&root).args(["run"]).output().expect("run");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("cache_inputs: \"A=B\" is not an environment variable name"), "{err}");
}

#[test]
fn an_unusable_cache_is_one_warning_however_many_evals_run() {
    let (_dir, root) = eval_repo("");
    std::fs::copy(root.join("evals/tiny.toml"), root.join("evals/tiny2.toml")).expect("copy");
    std::fs::write(root.join("not-a-dir"), "").expect("write");
    let out = goldspan().current_dir(&root).args(["run", "--cache", "not-a-dir"]).output().expect("run");
    assert_eq!(out.status.code(), Some(0), "the runs complete without the cache");
    let err = String::from_utf8_lossy(&out.stderr);
    let warnings: Vec<&str> = err.lines().filter(|l| l.starts_with("warning:")).collect();
    assert_eq!(warnings.len(), 1, "{err}");
    assert!(warnings[0].starts_with("warning: the cache is not used: cannot create the cache directory not-a-dir"));
    assert!(stdout(&out).contains("tiny2"), "both evals ran: {}", stdout(&out));
}

/// `goldspan run` of the fault extractor over the whole news corpus, slowed to `sleep_ms` a
/// document, through the cache `cache` (or none).
fn news_run(cache: Option<&Path>, sleep_ms: u64) -> std::process::Command {
    let spec = format!("cmd:{} --sleep-ms {sleep_ms} --tag news", fault_extractor());
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_goldspan"));
    cmd.current_dir(goldspan_tests::repo())
        .args(["run", "--extractor", &spec, "--corpus", "corpus/news", "--jobs", "2", "--format", "json"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    match cache {
        Some(dir) => cmd.arg("--cache").arg(dir),
        None => cmd.arg("--no-cache"),
    };
    cmd
}

/// (outputs stored, `PRAGMA integrity_check`) of the cache in `dir`.
fn inspect(dir: &Path) -> (i64, String) {
    let db = rusqlite::Connection::open(dir.join("cache.sqlite3")).expect("the cache opens");
    let check: String = db.query_row("PRAGMA integrity_check", [], |r| r.get(0)).expect("integrity check");
    // A run killed after creating the file but before committing its tables leaves none; the
    // next run creates them (the version and the tables commit together).
    let tables: i64 = db
        .query_row("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'outputs'", [], |r| r.get(0))
        .expect("tables");
    let count: i64 = match tables {
        0 => 0,
        _ => db.query_row("SELECT count(*) FROM outputs", [], |r| r.get(0)).expect("count"),
    };
    (count, check)
}

/// The scores and extraction counts of a finished run's JSON output.
fn finished(out: &std::process::Output) -> (serde_json::Value, u64, u64) {
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let json = valid_json("results", &stdout(out));
    let count = |key: &str| json["extraction"][key].as_u64().expect("count");
    (json["total"].clone(), count("performed"), count("cached"))
}

/// SplitMix64, for reproducible kill times.
fn split_mix(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[cfg(unix)]
#[test]
fn runs_killed_at_random_points_lose_nothing_committed_and_the_last_run_reuses_it() {
    let documents = goldspan_formats::gold::Corpus::open(goldspan_tests::repo().join("corpus/news"))
        .and_then(|c| c.split_ids(None))
        .expect("corpus")
        .len() as u64;
    let reference = finished(&news_run(None, 0).output().expect("an uncached run"));
    let cache = tempfile::tempdir().expect("temp dir");
    // About 1.5 s of extraction for a whole run, outputs committed every 0.5 s: a kill lands
    // before the first commit, between commits or after the last. Each run resumes from what
    // the killed ones committed. Kill until the cache grew twice (at most 12 runs).
    let (mut state, mut stored, mut grew) = (12, 0, 0);
    let mut kills = Vec::new();
    while grew < 2 && kills.len() < 12 {
        let delay = Duration::from_millis(100 + split_mix(&mut state) % 1500);
        let mut child = news_run(Some(cache.path()), 25).spawn().expect("spawn");
        let start = Instant::now();
        while start.elapsed() < delay && child.try_wait().expect("wait").is_none() {
            std::thread::sleep(Duration::from_millis(5));
        }
        let _ = child.kill();
        let status = child.wait().expect("wait");
        kills.push((delay, status.code()));
        if !cache.path().join("cache.sqlite3").exists() {
            continue;
        }
        let (count, check) = inspect(cache.path());
        assert_eq!(check, "ok", "after kills {kills:?}");
        assert!(count >= stored, "committed outputs were lost: {count} < {stored} after kills {kills:?}");
        assert!(count as u64 <= documents);
        grew += usize::from(count > stored);
        stored = count;
    }
    assert!(grew >= 1, "no killed run committed anything: kills {kills:?}");
    // The last run completes from what the killed ones committed, and scores exactly as a run
    // without any cache.
    let last = finished(&news_run(Some(cache.path()), 25).output().expect("the last run"));
    assert_eq!(last.2, stored as u64, "every committed output is reused (kills: {kills:?})");
    assert_eq!(last.1 + last.2, documents);
    assert_eq!(last.0, reference.0);
    assert_eq!(inspect(cache.path()), (documents as i64, "ok".to_owned()));
}

#[test]
fn two_runs_sharing_one_cache_both_complete_and_agree() {
    let cache = tempfile::tempdir().expect("temp dir");
    let reference = finished(&news_run(None, 0).output().expect("an uncached run"));
    let a = news_run(Some(cache.path()), 1).spawn().expect("spawn");
    let b = news_run(Some(cache.path()), 1).spawn().expect("spawn");
    for child in [a, b] {
        let (total, performed, cached) = finished(&child.wait_with_output().expect("wait"));
        assert_eq!(total, reference.0);
        assert_eq!(performed + cached, reference.1);
    }
    let documents = reference.1 as i64;
    assert_eq!(inspect(cache.path()), (documents, "ok".to_owned()));
    let third = finished(&news_run(Some(cache.path()), 1).output().expect("a third run"));
    assert_eq!((third.1, third.2), (0, documents as u64));
}

#[test]
fn cache_stats_prune_and_clear() {
    let cache = tempfile::tempdir().expect("temp dir");
    let cache_cmd = |args: &[&str]| {
        let out = goldspan().args(["cache", "--cache"]).arg(cache.path()).args(args).output().expect("cache");
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
        stdout(&out)
    };
    assert_eq!(cache_cmd(&["stats"]), format!("no cache database in {}\n", cache.path().display()));
    for tag in ["v1", "v2"] {
        let spec = format!("cmd:{} --tag {tag}", fault_extractor());
        let out = goldspan()
            .args(["run", "--extractor", &spec, "--corpus", "tests/fixtures/tiny", "--cache"])
            .arg(cache.path())
            .output()
            .expect("run");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }
    let stats = cache_cmd(&["stats"]);
    assert!(stats.contains("6 outputs of 2 extractor fingerprints"), "{stats}");
    let rows: Vec<&str> = stats.lines().filter(|l| l.starts_with("cmd:")).collect();
    assert_eq!(rows.len(), 2, "{stats}");
    assert!(rows.iter().all(|r| r.contains(" 3 ") && r.contains("just now")), "{stats}");
    // Nothing is older than 30 days; --superseded keeps only the newest fingerprint per name,
    // and the two command lines are two names.
    assert_eq!(cache_cmd(&["prune"]), "removed 0 outputs of 0 extractor fingerprints\n");
    assert_eq!(cache_cmd(&["prune", "--superseded"]), "removed 0 outputs of 0 extractor fingerprints\n");
    // A directory of the per-document cache of older goldspans is pointed out, then cleared.
    let legacy = cache.path().join("quotes-rules-0123456789abcdef");
    std::fs::create_dir_all(&legacy).expect("mkdir");
    std::fs::write(legacy.join("00112233aabbccdd.json"), "{}").expect("write");
    let stats = cache_cmd(&["stats"]);
    assert!(stats.contains("1 directory of per-document outputs from an older goldspan"), "{stats}");
    assert_eq!(
        cache_cmd(&["clear"]),
        "removed 6 outputs of 2 extractor fingerprints and 1 directory of an older goldspan's cache\n"
    );
    assert!(!legacy.exists());
    assert!(cache_cmd(&["stats"]).contains("0 outputs of 0 extractor fingerprints"));
}

#[test]
fn prune_superseded_keeps_the_newest_fingerprint_of_each_extractor() {
    let cache = tempfile::tempdir().expect("temp dir");
    let (_dir, root) = eval_repo("");
    let run = || {
        let out = goldspan().current_dir(&root).args(["run", "--cache"]).arg(cache.path()).output().expect("run");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    };
    run();
    // The same command line, another program: the extractor's content is part of its
    // fingerprint (the tiny corpus's documents again, under a new key).
    let mut program = std::fs::read(fault_extractor()).expect("read the program");
    program.extend_from_slice(b"\0another build");
    let copy = root.join("fault_extractor");
    std::fs::write(&copy, &program).expect("write");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&copy, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    let def = std::fs::read_to_string(root.join("evals/tiny.toml")).expect("read");
    std::fs::write(root.join("evals/tiny.toml"), def.replace(&fault_extractor(), "./fault_extractor")).expect("write");
    run();
    std::fs::write(&copy, [program.as_slice(), b" again"].concat()).expect("write");
    run();
    let out = goldspan().args(["cache", "prune", "--superseded", "--cache"]).arg(cache.path()).output().expect("prune");
    assert_eq!(stdout(&out), "removed 3 outputs of 1 extractor fingerprint\n");
    let db = rusqlite::Connection::open(cache.path().join("cache.sqlite3")).expect("open");
    let names: Vec<String> = db
        .prepare("SELECT name FROM extractors ORDER BY name")
        .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
        .expect("names");
    assert_eq!(names.len(), 2, "the newest of ./fault_extractor, and the other command line: {names:?}");
}

/// The spans of a JSON record line without their covered `text` (which a record line written
/// without the document's text cannot have).
fn spans_without_text(line: &str) -> (String, serde_json::Value) {
    let mut record: serde_json::Value = serde_json::from_str(line).expect("a record line");
    let mut spans = record["spans"].take();
    for span in spans.as_array_mut().expect("spans") {
        span.as_object_mut().expect("span").remove("text");
    }
    (record["id"].as_str().expect("id").to_owned(), spans)
}

#[test]
fn cache_show_prints_the_stored_outputs_as_the_records_the_run_saved() {
    let cache = tempfile::tempdir().expect("temp dir");
    let saved = cache.path().join("saved.jsonl");
    let spec = format!("cmd:{} --tag show", fault_extractor());
    let out = goldspan()
        .args(["run", "--extractor", &spec, "--corpus", "tests/fixtures/tiny", "--save-predictions"])
        .arg(&saved)
        .arg("--cache")
        .arg(cache.path().join("c"))
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let show = |args: &[&str]| {
        let out = goldspan()
            .args(["cache", "show", "--cache"])
            .arg(cache.path().join("c"))
            .args(args)
            .output()
            .expect("show");
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
        (stdout(&out), String::from_utf8_lossy(&out.stderr).into_owned())
    };
    // What the run saved (from the extractor's answers) and what the cache gives back (decoded
    // from its stored form) are the same predictions, document by document.
    // The saved file opens with a header line (the run's identity).
    let expected: Vec<(String, serde_json::Value)> =
        std::fs::read_to_string(&saved).expect("saved").lines().skip(1).map(spans_without_text).collect();
    assert_eq!(expected.len(), 3);
    assert!(expected.iter().all(|(_, spans)| !spans.as_array().expect("spans").is_empty()));
    let (all, _) = show(&[]);
    let shown: Vec<(String, serde_json::Value)> = all.lines().map(spans_without_text).collect();
    assert_eq!(shown, expected);
    assert!(all.lines().all(|l| l.starts_with("{\"goldspan\":1,\"id\":")), "{all}");
    // One document, by extractor name; an extractor of another name shows nothing.
    let (one, _) = show(&["b", "--extractor", &spec]);
    assert_eq!(one.lines().map(spans_without_text).collect::<Vec<_>>(), [expected[1].clone()]);
    let (none, err) = show(&["--extractor", "quotes-rules"]);
    assert_eq!((none.as_str(), err.as_str()), ("", "no stored output matches\n"));
    // A value that does not decode is named, not printed, and the others still are.
    let db = rusqlite::Connection::open(cache.path().join("c/cache.sqlite3")).expect("open");
    // FORMAT, then a length whose continuation byte is missing: it stops at byte 2.
    db.execute("UPDATE outputs SET value = x'01ff' WHERE id = 'a'", []).expect("tamper");
    let (rest, err) = show(&[]);
    assert_eq!(rest.lines().count(), 2, "{rest}");
    assert!(err.starts_with(&format!("warning: the output of {spec} (")), "{err}");
    assert!(err.contains("for document a is not shown: the stored output does not decode (at byte 2)"), "{err}");
    // A value that decodes but names another document is shown, and said to be rejected.
    db.execute("UPDATE outputs SET value = (SELECT value FROM outputs WHERE id = 'b') WHERE id = 'a'", [])
        .expect("tamper");
    let (both, err) = show(&["a"]);
    assert_eq!(both.lines().map(spans_without_text).collect::<Vec<_>>(), [expected[1].clone()]);
    assert!(err.contains("stored for document a names document b (a run rejects it"), "{err}");
}

#[test]
fn a_cache_of_an_older_layout_is_one_warning_and_cache_clear_removes_it() {
    let (_dir, root) = eval_repo("");
    let cache = root.join(".goldspan-cache");
    std::fs::create_dir_all(&cache).expect("mkdir");
    // The tables of layout 1, which stored record lines.
    let db = rusqlite::Connection::open(cache.join("cache.sqlite3")).expect("create");
    db.execute_batch(
        "CREATE TABLE outputs (extractor TEXT NOT NULL, id TEXT NOT NULL, document TEXT NOT NULL,
                               record BLOB NOT NULL, written INTEGER NOT NULL,
                               PRIMARY KEY (extractor, id, document));
         PRAGMA user_version = 1;",
    )
    .expect("layout 1");
    drop(db);
    let before = std::fs::read(cache.join("cache.sqlite3")).expect("database");
    let layout = "has layout 1, this goldspan uses 2: remove it (`goldspan cache clear`)";
    let out = goldspan().current_dir(&root).args(["run", "--format", "json"]).output().expect("run");
    assert_eq!(out.status.code(), Some(0), "the run completes without the cache");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("warning: the cache is not used: cache database") && err.contains(layout), "{err}");
    // Not used, and left as it was (it was once switched to WAL mode on the way to the refusal).
    assert_eq!(std::fs::read(cache.join("cache.sqlite3")).expect("database"), before);
    assert!(!cache.join("cache.sqlite3-wal").exists());
    let cache_cmd = |action: &str| goldspan().current_dir(&root).args(["cache", action]).output().expect("cache");
    let stats = cache_cmd("stats");
    assert_eq!(stats.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&stats.stderr).contains(layout), "{}", String::from_utf8_lossy(&stats.stderr));
    let clear = cache_cmd("clear");
    assert_eq!(clear.status.code(), Some(0), "{}", String::from_utf8_lossy(&clear.stderr));
    // The project's cache, named as the user finds it from the project root.
    assert_eq!(
        stdout(&clear),
        "removed .goldspan-cache/cache.sqlite3 (table layout 1, which this goldspan does not read)\n"
    );
    assert!(!cache.join("cache.sqlite3").exists());
    // The next runs create the cache afresh and use it.
    assert_eq!(run_evals(&root, None).0, 3);
    assert_eq!(run_evals(&root, None).1, 3);
}
