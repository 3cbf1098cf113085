//! `cmd:` extractors that fail in the ways real ones do: they cannot start, die at start-up,
//! print a banner, never flush, flood their pipes, answer twice, leave processes behind, or
//! are running when goldspan is told to stop. Each test checks what the user sees (exit code,
//! the cause and its hint) and what is left on the machine (memory, processes by process
//! group).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::{all_dev_ids, copy_corpus, fault_extractor, goldspan, stdout};

/// A temp dir holding `script.py` with `source`.
fn script(source: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("script.py");
    std::fs::write(&path, source).expect("write script");
    (dir, path)
}

/// The smallest correct extractor of docs/protocol.md: every capitalised word a PERSON.
const TAGGER: &str = r#"import json, re, sys

for line in sys.stdin:
    request = json.loads(line)
    spans = [{"layer": "entities", "label": "PERSON", "start": m.start(), "end": m.end()}
             for m in re.finditer(r"\b[A-Z]\w+", request["text"])]
    print(json.dumps({"goldspan": 1, "id": request["id"], "spans": spans}), flush=True)
"#;

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// `goldspan run --extractor SPEC` on the tiny corpus, no cache, JSON out.
fn run_tiny(spec: &str, extra: &[&str]) -> std::process::Output {
    goldspan()
        .args(["run", "--extractor", spec, "--corpus", "tests/fixtures/tiny", "--no-cache", "--format", "json"])
        .args(extra)
        .env_remove("PYTHONUNBUFFERED")
        .output()
        .expect("run")
}

/// (document, reason) of every failure in a results document.
fn failures(out: &std::process::Output) -> Vec<(String, String)> {
    let json: serde_json::Value = serde_json::from_str(&stdout(out)).unwrap_or_else(|e| panic!("{e}: {}", stdout(out)));
    json["failures"]
        .as_array()
        .expect("failures")
        .iter()
        .map(|f| (f["document"].as_str().unwrap_or("").to_owned(), f["reason"].as_str().unwrap_or("").to_owned()))
        .collect()
}

#[test]
fn an_extractor_failing_at_start_exits_3_within_seconds_with_the_hint_for_its_cause() {
    let banner = format!("print('Loading model...', flush=True)\n{TAGGER}");
    let missing_module = format!("import nonexistent_module_xyz\n{TAGGER}");
    let no_flush = TAGGER.replace(", flush=True", "");
    // (script, or None for a program that does not exist; what the error says; the hint)
    let cases: [(Option<&str>, &str, &str); 5] = [
        (None, "program `no-such-program-xyz` not found", "check the program name"),
        (Some(&missing_module), "No module named 'nonexistent_module_xyz'", "a Python module is missing"),
        (
            Some(&banner),
            "not a record, before its first answer: \"Loading model...\"",
            "write only answers to stdout and log to stderr",
        ),
        (Some(&no_flush), "no answer to its first request within 1 s", "flush stdout after each line"),
        (
            Some("import sys\nsys.exit('cannot load the model')\n"),
            "exited before its first answer",
            "the program stops at start-up",
        ),
    ];
    for (source, says, hint) in cases {
        let (_dir, path) = script(source.unwrap_or(""));
        let spec = match source {
            Some(_) => format!("cmd:python3 {}", path.display()),
            None => "cmd:no-such-program-xyz --model x".to_owned(),
        };
        // Only the program that never flushes needs the timeout to pass; the others fail at
        // once, and a generous timeout keeps a slow start (a loaded machine) from looking like
        // a missing flush.
        let timeout = if source == Some(no_flush.as_str()) { "1" } else { "20" };
        let started = Instant::now();
        let out = run_tiny(&spec, &["--timeout", timeout]);
        assert!(started.elapsed() < Duration::from_secs(20), "{spec} took {:?}", started.elapsed());
        assert_eq!(out.status.code(), Some(3), "{spec}: {}", stderr(&out));
        let err = stderr(&out);
        assert!(err.contains(says) && err.contains(&format!("hint: {hint}")), "{spec}:\n{err}");
        assert!(stdout(&out).is_empty(), "no results for an extractor that never ran: {}", stdout(&out));
    }
    // A script that does not exist starts `python3` fine; its stderr says what is missing.
    let out = run_tiny("cmd:python3 no_such_script.py", &[]);
    assert_eq!(out.status.code(), Some(3));
    assert!(stderr(&out).contains("hint: a file the command names does not exist"), "{}", stderr(&out));
}

#[test]
fn an_extractor_that_fails_every_document_stops_after_the_first_eight_and_exits_3() {
    let ids = all_dev_ids();
    let spec = format!("cmd:{} --crash-all", fault_extractor());
    let out = goldspan()
        .args(["run", "--extractor", &spec, "--split", "dev", "--no-cache", "--jobs", "2", "--format", "json"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let failures = failures(&out);
    assert_eq!(failures.len(), ids.len(), "every document fails or is not run");
    // The first eight documents, in id order, ran and crashed; the rest never ran.
    for (i, (document, reason)) in failures.iter().enumerate() {
        assert_eq!(document, &ids[i]);
        if i < 8 {
            assert!(reason.starts_with("the program exited (exit status: 3)"), "{i}: {reason}");
        } else {
            assert!(reason.starts_with("not run: stopped early: the first 8 documents all failed"), "{i}: {reason}");
        }
    }
    // The first lines of stderr say it, grouped by cause, with the program's own words.
    let err = stderr(&out);
    let head: Vec<&str> = err.lines().take(5).collect();
    assert!(head[0].ends_with(&format!("the extractor failed on {} of {} documents", ids.len(), ids.len())), "{err}");
    assert!(head[1].contains("stopped early: the first 8 documents all failed the same way (the program exited)"));
    assert!(head[2].starts_with("  8 × the program exited; first, document"), "{err}");
    assert!(err.contains("| fault_extractor: crashing on"), "{err}");
    assert!(err.contains(&format!("{} × not run", ids.len() - 8)), "{err}");
}

#[test]
fn max_failures_sets_how_many_failed_documents_make_a_run_exit_3() {
    // One failure in three documents.
    let spec = format!("cmd:{} --crash a", fault_extractor());
    let code = |extra: &[&str]| run_tiny(&spec, extra).status.code();
    assert_eq!(code(&[]), Some(0), "by default only a run where every document failed exits 3");
    assert_eq!(code(&["--max-failures", "0"]), Some(3));
    assert_eq!(code(&["--max-failures", "1"]), Some(0));
    assert_eq!(code(&["--max-failures", "30%"]), Some(3), "1 of 3 is 33%");
    assert_eq!(code(&["--max-failures", "34%"]), Some(0));
    let out = run_tiny(&spec, &["--max-failures", "some"]);
    assert_eq!(out.status.code(), Some(2));
}

/// A repository with the tiny corpus, `tagger.py` at its root and `evals/tiny.toml` running
/// `extractor` (with `extra` lines) from there.
fn cmd_eval_repo(extractor: &str, extra: &str) -> (tempfile::TempDir, PathBuf) {
    let (dir, corpus) = copy_corpus(&goldspan_tests::tiny_corpus());
    let root = corpus.parent().expect("parent").to_owned();
    std::fs::write(root.join("tagger.py"), TAGGER).expect("write");
    std::fs::create_dir_all(root.join("evals")).expect("mkdir");
    let def = format!(
        "corpus = \"corpus\"\nextractor = \"{extractor}\"\nmodes = [\"strict\"]\nlayers = [\"entities\"]\n{extra}"
    );
    std::fs::write(root.join("evals/tiny.toml"), def).expect("write");
    (dir, root)
}

#[test]
fn a_cmd_eval_under_the_default_evals_directory_passes_check() {
    // `evals` relative to the current directory: its parent is "", which must mean ".".
    let (_dir, root) = cmd_eval_repo("cmd:python3 tagger.py", "");
    let check = |extra: &[&str]| goldspan().current_dir(&root).args(["check", "--no-cache"]).args(extra).output();
    let out = check(&["--update"]).expect("check");
    assert_eq!(out.status.code(), Some(0), "{}{}", stdout(&out), stderr(&out));
    let out = check(&[]).expect("check");
    assert_eq!(out.status.code(), Some(0), "{}{}", stdout(&out), stderr(&out));
    assert!(stdout(&out).starts_with("tiny: ok (3 extracted, 0 cached)"), "{}", stdout(&out));
    // `run` takes the same evals by default, and by a relative path.
    for extra in [&[][..], &["evals/tiny.toml"][..]] {
        let out = goldspan().current_dir(&root).args(["run", "--no-cache"]).args(extra).output().expect("run");
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    }
}

#[test]
fn check_fails_an_eval_whose_extractor_failed_unless_its_definition_allows_it() {
    let spec = format!("cmd:{} --crash a", fault_extractor());
    let (_dir, root) = cmd_eval_repo(&spec, "");
    let out = goldspan().current_dir(&root).args(["check", "--no-cache", "--update"]).output().expect("check");
    assert_eq!(out.status.code(), Some(3), "{}", stdout(&out));
    assert!(stdout(&out).contains("tiny: EXTRACTOR FAILED on 1 of 3 documents (the eval allows max_failures = 0)"));
    assert!(!root.join("evals/snapshots/tiny.json").exists(), "no snapshot of a failed extraction");
    let (_dir, root) = cmd_eval_repo(&spec, "max_failures = \"34%\"\n");
    let out = goldspan().current_dir(&root).args(["check", "--no-cache", "--update"]).output().expect("check");
    assert_eq!(out.status.code(), Some(0), "{}{}", stdout(&out), stderr(&out));
    let (_dir, root) = cmd_eval_repo(&spec, "max_failures = \"lots\"\n");
    let out = goldspan().current_dir(&root).args(["check", "--no-cache"]).output().expect("check");
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("tiny.toml: max_failures: \"lots\" is not a count"), "{}", stderr(&out));
}

/// The tiny corpus with documents a, b, c copied as d, e, f and g, h: eight documents.
fn eight_documents() -> (tempfile::TempDir, PathBuf) {
    let (dir, corpus) = copy_corpus(&goldspan_tests::tiny_corpus());
    for (copy, from) in [("d", "a"), ("e", "b"), ("f", "c"), ("g", "a"), ("h", "b")] {
        for ext in ["txt", "ann", "meta.toml"] {
            let docs = corpus.join("docs");
            std::fs::copy(docs.join(format!("{from}.{ext}")), docs.join(format!("{copy}.{ext}"))).expect("copy");
        }
    }
    (dir, corpus)
}

#[test]
fn a_banner_and_a_second_answer_give_the_same_failures_in_20_runs() {
    let (_corpus_dir, corpus) = eight_documents();
    // Two lanes take the documents in turn: lane 0 takes a, c, e, g and lane 1 b, d, f, h.
    // The line read where an answer is due is that answer, so a's second answer is read as
    // c's, and the stray line written after d as f's.
    let spec = format!("cmd:{} --answer-twice a --extra-line d", fault_extractor());
    let expected = [
        ("c", "answered document \"a\" a second time where the answer for \"c\" was due"),
        ("f", "wrote a line on stdout that is not a record: \"a stray line nobody asked for\""),
    ];
    let banner = format!("cmd:{} --banner ready", fault_extractor());
    for _ in 0..20 {
        let out = goldspan()
            .args(["run", "--extractor", &spec, "--jobs", "2", "--no-cache", "--format", "json", "--corpus"])
            .arg(&corpus)
            .output()
            .expect("run");
        assert_eq!(out.status.code(), Some(0));
        let failures = failures(&out);
        assert_eq!(failures.len(), expected.len(), "{failures:#?}");
        for ((document, reason), (want_document, want_reason)) in failures.iter().zip(expected) {
            assert_eq!(document, want_document);
            assert!(reason.starts_with(want_reason), "{reason}");
        }
        let out = run_tiny(&banner, &["--jobs", "2"]);
        assert_eq!(out.status.code(), Some(3));
        assert!(stderr(&out).contains("not a record, before its first answer: \"ready\""), "{}", stderr(&out));
    }
}

#[test]
fn a_stdout_line_that_is_not_utf8_is_reported_as_such() {
    let spec = format!("cmd:{} --invalid-utf8 b", fault_extractor());
    let out = run_tiny(&spec, &[]);
    assert_eq!(out.status.code(), Some(0));
    let failures = failures(&out);
    assert_eq!(failures.len(), 1);
    assert_eq!(
        failures[0],
        (
            "b".to_owned(),
            "wrote a line on stdout that is not UTF-8 (invalid byte at 8): \"{\\\"id\\\": \\\"\u{fffd}\u{fffd}\\\"}\""
                .to_owned()
        )
    );
}

/// Peak memory (max RSS, kB) of `goldspan ARGS` and its exit code, measured by Python's
/// `resource` module: goldspan is its only child.
fn peak_memory_kb(args: &[&str]) -> (i32, u64, String) {
    let measure = "import resource, subprocess, sys\n\
        p = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=120)\n\
        print(p.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n\
        sys.stdout.write(p.stderr.decode(errors='replace'))\n";
    let out = std::process::Command::new("python3")
        .args(["-c", measure, env!("CARGO_BIN_EXE_goldspan")])
        .args(args)
        .current_dir(goldspan_tests::repo())
        .output()
        .expect("python3");
    let text = stdout(&out);
    let (first, rest) = text.split_once('\n').unwrap_or((&text, ""));
    let mut fields = first.split_whitespace().map(|f| f.parse::<i64>().expect("number"));
    let (code, kb) = (fields.next().expect("code"), fields.next().expect("rss"));
    (code as i32, kb as u64, rest.to_owned())
}

#[test]
fn cat_dev_zero_is_a_recorded_failure_with_goldspans_memory_bounded() {
    // No newline ever: goldspan reads up to the line limit (default 64 MiB) and gives up.
    let (code, kb, err) = peak_memory_kb(&[
        "run",
        "--extractor",
        "cmd:cat /dev/zero",
        "--corpus",
        "tests/fixtures/tiny",
        "--no-cache",
        "--jobs",
        "1",
    ]);
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("wrote a line on stdout longer than 67108864 bytes"), "{err}");
    assert!(err.contains("hint: end each answer with a newline"), "{err}");
    assert!(kb < 200_000, "goldspan peaked at {kb} kB");
    // The same on one document, mid-run, with a smaller limit: that document fails, the rest
    // are scored.
    let spec = format!("cmd:{} --zeros b", fault_extractor());
    let out = run_tiny(&spec, &["--max-line-bytes", "1MiB"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        failures(&out),
        [(
            "b".to_owned(),
            "wrote a line on stdout longer than 1048576 bytes (is each answer ended by a newline?)".into()
        )]
    );
}

#[test]
fn endless_stderr_costs_no_memory_and_no_document() {
    let spec = format!("cmd:{} --stderr-flood", fault_extractor());
    let (code, kb, err) = peak_memory_kb(&[
        "run",
        "--extractor",
        &spec,
        "--split",
        "dev",
        "--no-cache",
        "--jobs",
        "2",
        "--max-failures",
        "0",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(kb < 100_000, "goldspan peaked at {kb} kB");
}

#[test]
fn a_worker_that_retires_itself_costs_no_document() {
    // Exits by itself after every second document: each time, the next document is sent to a
    // fresh copy, whenever the exit is noticed.
    let spec = format!("cmd:{} --exit-after 2", fault_extractor());
    let out = goldspan()
        .args(["run", "--extractor", &spec, "--split", "dev", "--no-cache", "--format", "json", "--jobs", "2"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(failures(&out), []);
}

#[test]
fn a_protocol_2_program_declares_its_version_into_the_results_and_the_cache_key() {
    let cache = tempfile::tempdir().expect("cache");
    let run = |hello: &str| {
        let spec = format!("cmd:{} --hello {hello}", fault_extractor());
        let out = goldspan()
            .args(["run", "--extractor", &spec, "--corpus", "tests/fixtures/tiny", "--format", "json", "--cache"])
            .arg(cache.path())
            .output()
            .expect("run");
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        serde_json::from_str::<serde_json::Value>(&stdout(&out)).expect("json")
    };
    let first = run("ner:1.0");
    assert_eq!(first["manifest"]["extractor"]["version"], "ner 1.0");
    assert_eq!(first["extraction"]["performed"], 3);
    assert_eq!(run("ner:1.0")["extraction"]["cached"], 3, "the same declaration reads the cache");
    let bumped = run("ner:1.1");
    assert_eq!(bumped["manifest"]["extractor"]["version"], "ner 1.1");
    assert_eq!(bumped["extraction"]["performed"], 3, "a new declared version must not reuse stale outputs");
    assert_eq!(first["total"], bumped["total"]);
}

/// Process groups listed in `file` (one per line), by the workers themselves.
fn groups_in(file: &Path) -> Vec<i32> {
    std::fs::read_to_string(file).unwrap_or_default().lines().filter_map(|l| l.trim().parse().ok()).collect()
}

/// Live (not zombie) processes whose process group is one of `groups`, as "pid (name)".
fn live_members(groups: &[i32]) -> Vec<String> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").expect("/proc").flatten() {
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else { continue };
        // pid (comm) state ppid pgrp ...
        let Some((head, rest)) = stat.rsplit_once(')') else { continue };
        let fields: Vec<&str> = rest.split_whitespace().collect();
        let (Some(state), Some(pgrp)) = (fields.first(), fields.get(2).and_then(|g| g.parse::<i32>().ok())) else {
            continue;
        };
        if groups.contains(&pgrp) && *state != "Z" {
            found.push(format!("{head})"));
        }
    }
    found
}

/// Waits up to 5 s for every process of `groups` to be gone; returns those still alive.
fn wait_until_gone(groups: &[i32]) -> Vec<String> {
    let started = Instant::now();
    loop {
        let live = live_members(groups);
        if live.is_empty() || started.elapsed() > Duration::from_secs(5) {
            return live;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn no_process_of_a_worker_remains_after_a_timeout() {
    let dir = tempfile::tempdir().expect("temp dir");
    let pgids = dir.path().join("pgids");
    // Every worker starts a grandchild (`sleep 1000`); the worker that hangs on document b is
    // killed at the timeout, grandchild and all.
    let spec = format!("cmd:{} --grandchild --hang b --pgid-file {}", fault_extractor(), pgids.display());
    let out = run_tiny(&spec, &["--timeout", "0.5", "--jobs", "1"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(failures(&out), [("b".to_owned(), "timed out after 0.5 s".to_owned())]);
    let groups = groups_in(&pgids);
    assert_eq!(groups.len(), 2, "the first worker and its replacement: {groups:?}");
    assert_eq!(wait_until_gone(&groups), Vec::<String>::new());
}

/// Starts goldspan on the dev split with workers that burn CPU (and each a `sleep`
/// grandchild), waits until `jobs` workers run, sends `signal`, and checks the exit code and
/// that no process of any worker group is left.
#[cfg(unix)]
fn stop_with(signal: rustix::process::Signal, code: Option<i32>) {
    let dir = tempfile::tempdir().expect("temp dir");
    let pgids = dir.path().join("pgids");
    let spec = format!("cmd:{} --grandchild --spin-all --pgid-file {}", fault_extractor(), pgids.display());
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_goldspan"))
        .args(["run", "--extractor", &spec, "--split", "dev", "--no-cache", "--jobs", "2", "--timeout", "60"])
        .current_dir(goldspan_tests::repo())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("goldspan");
    let started = Instant::now();
    while groups_in(&pgids).len() < 2 {
        assert!(started.elapsed() < Duration::from_secs(20), "the workers did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
    // Both workers and their grandchildren run.
    let groups = groups_in(&pgids);
    while live_members(&groups).len() < 4 {
        assert!(started.elapsed() < Duration::from_secs(20), "{:?}", live_members(&groups));
        std::thread::sleep(Duration::from_millis(20));
    }
    let pid = rustix::process::Pid::from_child(&child);
    rustix::process::kill_process(pid, signal).expect("signal");
    let stopped = Instant::now();
    let status = child.wait().expect("wait");
    assert!(stopped.elapsed() < Duration::from_secs(4), "goldspan took {:?} to stop", stopped.elapsed());
    if let Some(code) = code {
        assert_eq!(status.code(), Some(code));
    }
    assert_eq!(wait_until_gone(&groups), Vec::<String>::new());
}

#[cfg(unix)]
#[test]
fn sigterm_to_goldspan_kills_every_worker_group() {
    stop_with(rustix::process::Signal::TERM, Some(128 + 15));
}

#[cfg(unix)]
#[test]
fn sigint_to_goldspan_kills_every_worker_group() {
    stop_with(rustix::process::Signal::INT, Some(128 + 2));
}

#[cfg(unix)]
#[test]
fn sigkill_to_goldspan_leaves_the_watchdog_to_kill_every_worker_group() {
    // SIGKILL cannot be handled: the watchdog sees goldspan's end of its pipe close.
    stop_with(rustix::process::Signal::KILL, None);
}

/// Runs goldspan with stdout and stderr on a pipe whose reading end is already closed, as
/// `goldspan ... 2>&1 | head -0` does: every write fails with EPIPE.
#[cfg(unix)]
fn exit_code_into_a_closed_pipe(args: &[&str]) -> Option<i32> {
    let (reader, writer) = rustix::pipe::pipe().expect("pipe");
    drop(reader);
    let stderr = writer.try_clone().expect("dup");
    std::process::Command::new(env!("CARGO_BIN_EXE_goldspan"))
        .args(args)
        .current_dir(goldspan_tests::repo())
        .stdout(std::process::Stdio::from(writer))
        .stderr(std::process::Stdio::from(stderr))
        .status()
        .expect("goldspan")
        .code()
}

#[cfg(unix)]
#[test]
fn printing_into_a_closed_pipe_never_panics() {
    // `| head` after the output it wanted: 0, as if the rest had been read.
    assert_eq!(exit_code_into_a_closed_pipe(&["stats", "tests/fixtures/tiny"]), Some(0));
    assert_eq!(
        exit_code_into_a_closed_pipe(&["run", "--extractor", "entities-rules", "--split", "dev", "--no-cache"]),
        Some(0)
    );
    // Errors and failures keep their own codes, though the message cannot be shown.
    assert_eq!(exit_code_into_a_closed_pipe(&["validate", "no/such/corpus"]), Some(2));
    let spec = format!("cmd:{} --crash-all", fault_extractor());
    assert_eq!(
        exit_code_into_a_closed_pipe(&["run", "--extractor", &spec, "--corpus", "tests/fixtures/tiny", "--no-cache"]),
        Some(3)
    );
}

#[test]
fn the_python_examples_of_the_protocol_page_run() {
    let page = std::fs::read_to_string(goldspan_tests::repo().join("docs/protocol.md")).expect("protocol page");
    let examples: Vec<&str> =
        page.split("```python\n").skip(1).filter_map(|block| block.split_once("```").map(|(code, _)| code)).collect();
    assert_eq!(examples.len(), 2, "a version 1 and a protocol 2 example");
    let mut versions = Vec::new();
    for example in examples {
        let (_dir, path) = script(example);
        let out = run_tiny(&format!("cmd:python3 {}", path.display()), &["--max-failures", "0"]);
        assert_eq!(out.status.code(), Some(0), "{example}\n{}", stderr(&out));
        let json: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("json");
        assert!(json["total"]["layers"]["entities"]["strict"]["micro"]["actual"].as_u64() > Some(0));
        versions.push(json["manifest"]["extractor"]["version"].as_str().unwrap_or("?").to_owned());
    }
    assert_eq!(versions, ["", "capitalised-words 1.0.0"]);
}

/// The protocol benchmark (tools/bench/cache.sh) measures through examples/lean_extractor.rs,
/// which must answer as the tests' fault_extractor does without flags, so that its figures
/// and the ones measured before through fault_extractor describe the same work.
#[test]
fn the_benchmark_s_lean_extractor_answers_as_the_fault_extractor_does() {
    use std::io::Write as _;
    let lean = fault_extractor().replace("fault_extractor", "lean_extractor");
    // Capitals at either end, digits, non-ASCII letters before and inside words, an escaped
    // id, the hello request and an empty text.
    let requests = [
        r#"{"goldspan": 1, "id": "goldspan:hello", "text": "", "meta": {}, "hello": {"protocol": 2, "goldspan": "0.1.0"}}"#,
        r#"{"goldspan": 1, "id": "a\"b", "text": "Émile met Ørsted in 北京 at 9am; Über-Cool 2Go X", "meta": {}}"#,
        r#"{"goldspan":1,"id":"c","text":"","meta":{}}"#,
        r#"{"id": "d", "meta": {"k": 1}, "text": "line one\nLine Two\t(Paris)"}"#,
    ];
    let input = requests.join("\n") + "\n";
    let answers = |program: &str| -> Vec<serde_json::Value> {
        let mut child = std::process::Command::new(program)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("start the extractor");
        child.stdin.take().expect("stdin").write_all(input.as_bytes()).expect("write requests");
        let out = child.wait_with_output().expect("run the extractor");
        assert!(out.status.success(), "{program}: {:?}", out.status);
        String::from_utf8(out.stdout).expect("UTF-8").lines().map(|l| serde_json::from_str(l).expect("JSON")).collect()
    };
    let expected = answers(&fault_extractor());
    assert_eq!(expected.len(), requests.len());
    // Émile, Ørsted, Über, Cool and X (北京 has no case; 2Go starts with a digit).
    assert_eq!(expected[1]["spans"].as_array().map(Vec::len), Some(5), "{}", expected[1]);
    assert_eq!(answers(&lean), expected);
}
