//! The HTML report: `goldspan report` and the `--report FILE` of `score` and `run`: what they write and refuse,
//! and that a report leaves the printed results alone. The pages themselves are opened in a
//! browser by the browser tests (tests/browser/).

use crate::{goldspan, stdout, valid_json};

/// The data a report embeds, read back from its `<script type="application/json">` block.
fn embedded(path: &std::path::Path) -> serde_json::Value {
    let page = std::fs::read_to_string(path).expect("report written");
    let marker = "<script type=\"application/json\" id=\"report-data\">";
    let start = page.find(marker).expect("data block") + marker.len();
    let end = start + page[start..].find("</script>").expect("its end");
    serde_json::from_str(&page[start..end]).expect("JSON")
}

#[test]
fn score_prints_the_same_results_with_or_without_a_report() {
    let dir = tempfile::tempdir().expect("temp dir");
    let report = dir.path().join("r.html");
    let score = ["score", "--gold", "tests/fixtures/tiny", "--pred", "tests/fixtures/tiny-pred.jsonl"];
    for format in ["json", "table"] {
        let plain = goldspan().args(score).args(["--format", format]).output().expect("score");
        let with = goldspan().args(score).args(["--format", format, "--report"]).arg(&report).output().expect("score");
        assert!(with.status.success(), "{}", String::from_utf8_lossy(&with.stderr));
        assert_eq!(stdout(&plain), stdout(&with), "--format {format}");
        let said = String::from_utf8_lossy(&with.stderr).into_owned();
        assert!(said.contains("r.html") && said.contains("3 documents"), "{said}");
    }
    let data = embedded(&report);
    let ids: Vec<&str> = data["docs"].as_array().expect("docs").iter().filter_map(|d| d["id"].as_str()).collect();
    let mut sorted = ids.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, ["a", "b", "c"]);
    // The report's overview is the printed results, plus the confusions it asked for.
    let printed =
        valid_json("results", &stdout(&goldspan().args(score).args(["--format", "json"]).output().expect("score")));
    assert_eq!(data["head"]["results"]["total"], printed["total"]);
    assert!(data["head"]["results"]["confusions"].is_array());
}

#[test]
fn run_writes_a_report_of_every_document_with_its_split() {
    let dir = tempfile::tempdir().expect("temp dir");
    let report = dir.path().join("run.html");
    let out = goldspan()
        .args([
            "run",
            "--extractor",
            "file:tests/fixtures/tiny-pred.jsonl",
            "--corpus",
            "tests/fixtures/tiny",
            "--no-cache",
            "--report",
        ])
        .arg(&report)
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let data = embedded(&report);
    assert_eq!(data["docs"].as_array().map(Vec::len), Some(3));
    assert_eq!(data["head"]["documents"]["limited"], serde_json::Value::Null);
    // The tiny corpus lists its documents' splits; the report shows them as metadata.
    let meta = data["head"]["meta"].as_array().expect("meta");
    let split = meta.iter().position(|m| m == "split").expect("a split field");
    let splits: Vec<&serde_json::Value> =
        data["docs"].as_array().expect("docs").iter().map(|d| &d["m"][split]).collect();
    assert!(splits.iter().all(|s| s.is_string()), "{splits:?}");
}

#[test]
fn run_refuses_a_report_of_several_evals_and_says_what_to_do() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = goldspan().args(["run", "--report"]).arg(dir.path().join("r.html")).output().expect("run");
    assert_eq!(out.status.code(), Some(2));
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains("--report shows one system") && said.contains("goldspan run evals/NAME.toml --report FILE"),
        "{said}"
    );
    assert!(!dir.path().join("r.html").exists());
}

#[test]
fn report_reads_one_results_document_and_refuses_a_list_of_several() {
    let dir = tempfile::tempdir().expect("temp dir");
    let one = stdout(
        &goldspan()
            .args([
                "score",
                "--gold",
                "tests/fixtures/tiny",
                "--pred",
                "tests/fixtures/tiny-pred.jsonl",
                "--format",
                "json",
            ])
            .output()
            .expect("score"),
    );
    let path = dir.path().join("results.json");
    std::fs::write(&path, format!("[{one}, {one}]")).expect("write");
    let out = goldspan().args(["report"]).arg(&path).arg("-o").arg(dir.path().join("r.html")).output().expect("report");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("holds the results of 2 evals"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::write(&path, &one).expect("write");
    let out = goldspan().args(["report"]).arg(&path).arg("-o").arg(dir.path().join("r.html")).output().expect("report");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let data = embedded(&dir.path().join("r.html"));
    assert_eq!(data["docs"], serde_json::json!([]));
    assert!(String::from_utf8_lossy(&out.stderr).contains("the overview only"));
}
