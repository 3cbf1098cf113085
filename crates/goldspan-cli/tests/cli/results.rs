//! The typed results write what the `Value`-built results wrote: `goldspan score` and
//! `goldspan run` on the tiny corpus give, byte for byte, the JSON, tables and Markdown in
//! tests/fixtures/results/, which the binary of commit 17cc7cc wrote (see the README there).
//!
//! The cases are read from tools/results-fixtures.sh, the script that wrote the files, so the
//! two cannot drift apart.

use super::{goldspan, stdout, valid_json};

/// Every (name, command, arguments) case of tools/results-fixtures.sh.
fn cases() -> Vec<(String, &'static str, Vec<String>)> {
    let repo = goldspan_tests::repo();
    let script = std::fs::read_to_string(repo.join("tools/results-fixtures.sh")).expect("script");
    let expand = |word: &str| {
        word.replace("$pred", "tests/fixtures/tiny-pred.jsonl")
            .replace("$base", "tests/fixtures/results/baseline-pred.jsonl")
            .replace("$out", "tests/fixtures/results")
            .replace("$gold", "tests/fixtures/tiny")
    };
    let mut cases = Vec::new();
    for line in script.lines() {
        let Some(case) = line.trim().strip_prefix('"').and_then(|l| l.strip_suffix('"')) else { continue };
        let Some((name, args)) = case.split_once('|') else { continue };
        let command = if name.starts_with("score-") { "score" } else { "run" };
        cases.push((name.to_owned(), command, args.split_whitespace().map(expand).collect()));
    }
    cases
}

#[test]
fn score_and_run_write_the_same_bytes_as_before_the_typed_results() {
    let cases = cases();
    assert_eq!(cases.iter().filter(|c| c.1 == "score").count(), 13, "the script's score cases");
    assert_eq!(cases.iter().filter(|c| c.1 == "run").count(), 3, "the script's run cases");
    let dir = goldspan_tests::repo().join("tests/fixtures/results");
    for (name, command, args) in &cases {
        for (format, ext) in [("json", "json"), ("table", "txt"), ("markdown", "md")] {
            let mut cmd = goldspan();
            match *command {
                "score" => cmd.args(["score", "--gold", "tests/fixtures/tiny", "--pred"]),
                _ => cmd.args([
                    "run",
                    "--extractor",
                    "file:tests/fixtures/tiny-pred.jsonl",
                    "--corpus",
                    "tests/fixtures/tiny",
                    "--no-cache",
                ]),
            };
            // The width the script sets: rows of the error listing keep within it.
            let out = cmd.args(args).args(["--format", format]).env("COLUMNS", "100").output().expect("runs");
            assert!(out.status.success(), "{name} {format}: {}", String::from_utf8_lossy(&out.stderr));
            let expected = std::fs::read_to_string(dir.join(format!("{name}.{ext}"))).expect("expected output");
            // The one volatile field: the goldspan version in the manifest.
            let expected = expected.replace(
                "\"goldspan_version\": \"0.1.0\"",
                &format!("\"goldspan_version\": \"{}\"", env!("CARGO_PKG_VERSION")),
            );
            let actual = stdout(&out);
            assert!(actual == expected, "{name}.{ext} differs:\n--- expected\n{expected}\n--- actual\n{actual}");
            if format == "json" {
                valid_json("results", &actual);
            }
        }
    }
}
