//! `goldspan score --beta`, `--zero-division`, `--compat seqeval`'s macro average over no
//! label, the weighted averages in the JSON, and `--mode tags` (seqeval's
//! `performance_measure`): numbers computed by hand on a three-sentence CoNLL file, and numbers
//! seqeval 1.2.2 itself gave in its own test suite (the replay fixtures,
//! tests/fixtures/parity/replay/seqeval.jsonl, recorded by tools/parity/replay_tool_tests.py).

use super::{goldspan, stdout, valid_json};

/// tests/fixtures/conll/three-sentences.txt, `token gold predicted`:
///
/// ```text
/// Ann B-PER B-PER | Lee I-PER I-PER | visited O O | Paris B-LOC B-ORG
/// The O O | UN B-ORG B-ORG | met O B-MISC
/// Bob B-PER O | left O B-MISC
/// ```
///
/// Strict, all labels at once: PER Ann Lee COR, Paris INC (LOC predicted ORG), UN COR, met and
/// left SPU, Bob MIS: COR 2, INC 1, MIS 1, SPU 2; POS 4, ACT 5; P 2/5, R 1/2, F1 4/9,
/// F0.5 = 1.25·0.2 / (0.25·0.4 + 0.5) = 5/12.
///
/// Each label alone: PER COR 1, MIS 1 (P 1, R 1/2, F0.5 5/6, support 2); LOC MIS 1 (P 0/0,
/// R 0, support 1); ORG COR 1, SPU 1 (Paris) (P 1/2, R 1, F0.5 5/9, support 1); MISC SPU 2
/// (P 0, R 0/0, support 0). Macro over the four labels: P (1 + 0 + ½ + 0)/4 = 3/8, R
/// (½ + 0 + 1 + 0)/4 = 3/8, F0.5 (5/6 + 5/9)/4 = 25/72. Weighted by support (2, 1, 1, 0 of 4):
/// P (2 + ½)/4 = 5/8, R (1 + 1)/4 = 1/2, F0.5 (2·5/6 + 5/9)/4 = 5/9. With `--zero-division 1`
/// LOC's P and MISC's R are 1: macro P (1 + 1 + ½ + 0)/4 = 5/8, R (½ + 0 + 1 + 1)/4 = 5/8
/// (F0.5 of LOC, P 1 and R 0, is still 0; of MISC, P 0 and R 1, too).
///
/// Tags token by token: TP Ann, Lee, UN (3); FP Paris (B-LOC/B-ORG), met, left (3); FN Bob
/// (1); TN visited, The (2); 9 tokens, accuracy 5/9.
const THREE: &str = "tests/fixtures/conll/three-sentences.txt";

fn score(file: &str, extra: &[&str]) -> serde_json::Value {
    let out = goldspan().args(["score", "--conll", file, "--format", "json"]).args(extra).output().expect("runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    valid_json("results", &stdout(&out))
}

fn close(v: &serde_json::Value, expected: f64) {
    let x = v.as_f64().unwrap_or_else(|| panic!("{v} is not a number"));
    assert!((x - expected).abs() < 1e-9, "{x} != {expected}");
}

#[test]
fn f_half_and_the_averages_on_three_sentences_by_hand() {
    let v = score(THREE, &["--mode", "strict", "--beta", "0.5"]);
    assert_eq!(v["manifest"]["beta"], 0.5);
    let strict = &v["total"]["layers"]["entities"]["strict"];
    let micro = &strict["micro"];
    assert_eq!(["cor", "inc", "par", "mis", "spu"].map(|k| micro[k].as_u64()), [2, 1, 0, 1, 2].map(Some));
    close(&micro["precision"], 2.0 / 5.0);
    close(&micro["recall"], 0.5);
    close(&micro["f1"], 4.0 / 9.0);
    close(&micro["f_beta"], 5.0 / 12.0);
    let labels = &strict["labels"];
    close(&labels["PER"]["f_beta"], 5.0 / 6.0);
    close(&labels["ORG"]["f_beta"], 5.0 / 9.0);
    close(&labels["LOC"]["precision"], 0.0);
    close(&labels["MISC"]["recall"], 0.0);
    let macro_ = &strict["macro"];
    assert_eq!(macro_["labels"], 4);
    close(&macro_["precision"], 3.0 / 8.0);
    close(&macro_["recall"], 3.0 / 8.0);
    close(&macro_["f_beta"], 25.0 / 72.0);
    let weighted = &strict["weighted"];
    assert_eq!(weighted["labels"], 3, "labels with support");
    close(&weighted["precision"], 5.0 / 8.0);
    close(&weighted["recall"], 0.5);
    close(&weighted["f_beta"], 5.0 / 9.0);

    // The table names the column F0.5 and shows F0.5 where it shows F1.
    let out = goldspan().args(["score", "--conll", THREE, "--mode", "strict", "--beta", "0.5"]).output().expect("runs");
    let table = stdout(&out);
    let header = table.lines().find(|l| l.starts_with("layer")).expect("header");
    assert_eq!(header.split_whitespace().collect::<Vec<_>>()[4..6], ["F0.5", "macro"]);
    let row = table.lines().find(|l| l.starts_with("entities")).expect("row");
    assert_eq!(row.split_whitespace().collect::<Vec<_>>()[2..6], ["0.4000", "0.5000", "0.4167", "0.3472"]);
    let weighted = table.lines().find(|l| l.starts_with("weighted avg")).expect("weighted row");
    assert_eq!(weighted.split_whitespace().collect::<Vec<_>>()[2..5], ["0.6250", "0.5000", "0.5556"]);
}

#[test]
fn zero_division_one_gives_one_where_a_denominator_is_zero() {
    let v = score(THREE, &["--mode", "strict", "--zero-division", "1"]);
    assert_eq!(v["manifest"]["zero_division"], 1);
    let strict = &v["total"]["layers"]["entities"]["strict"];
    close(&strict["labels"]["LOC"]["precision"], 1.0);
    close(&strict["labels"]["LOC"]["f1"], 0.0);
    close(&strict["labels"]["MISC"]["recall"], 1.0);
    close(&strict["macro"]["precision"], 5.0 / 8.0);
    close(&strict["macro"]["recall"], 5.0 / 8.0);
    // No zero denominator in micro: unchanged.
    close(&strict["micro"]["precision"], 2.0 / 5.0);
}

#[test]
fn beta_one_and_zero_division_zero_write_the_same_bytes_as_no_option() {
    let plain = goldspan().args(["score", "--conll", THREE, "--format", "json"]).output().expect("runs");
    let explicit = goldspan()
        .args(["score", "--conll", THREE, "--format", "json", "--beta", "1", "--zero-division", "0"])
        .output()
        .expect("runs");
    assert_eq!(stdout(&plain), stdout(&explicit));
    assert!(!stdout(&plain).contains("f_beta") && !stdout(&plain).contains("\"beta\""));
}

#[test]
fn tags_mode_counts_tp_fp_fn_tn_by_hand() {
    let v = score(THREE, &["--mode", "tags", "--mode", "strict"]);
    let tags = &v["tags"];
    assert_eq!(["tp", "fp", "fn", "tn", "tokens"].map(|k| tags[k].as_u64()), [3, 3, 1, 2, 9].map(Some));
    close(&tags["accuracy"], 5.0 / 9.0);
    assert_eq!(v["manifest"]["modes"], serde_json::json!(["strict"]), "tags is not a span mode");
    let out = goldspan().args(["score", "--conll", THREE, "--mode", "tags"]).output().expect("runs");
    let table = stdout(&out);
    let row = table.lines().skip_while(|l| !l.starts_with("tokens")).nth(2).expect("the tags row");
    assert_eq!(row.split_whitespace().collect::<Vec<_>>(), ["9", "3", "3", "1", "2", "0.5556"]);
}

#[test]
fn tags_mode_needs_one_conll_file_and_beta_must_not_be_negative() {
    let out = goldspan()
        .args(["score", "--gold", "tests/fixtures/tiny", "--pred", "tests/fixtures/tiny-pred.jsonl", "--mode", "tags"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--conll FILE"));
    let out = goldspan().args(["score", "--conll", THREE, "--beta", "-0.1"]).output().expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("0 or more"), "{}", String::from_utf8_lossy(&out.stderr));
    // run (and so a shard's partial results and merge) reports F1 only: no --beta to mismatch.
    let out = goldspan().args(["run", "--extractor", "entities-rules", "--beta", "2"]).output().expect("runs");
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn compat_seqeval_makes_a_macro_average_over_no_label_nan_written_null() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("outside.txt");
    std::fs::write(&file, "a O O\nb O O\n").expect("write");
    let file = file.to_str().expect("utf-8 path");
    let args = ["--mode", "strict", "--layer", "entities"];
    let v = score(file, &[&args[..], &["--compat", "seqeval"]].concat());
    let macro_ = &v["total"]["layers"]["entities"]["strict"]["macro"];
    assert_eq!(macro_["labels"], 0);
    assert!(macro_["f1"].is_null() && macro_["precision"].is_null() && macro_["recall"].is_null(), "{macro_}");
    assert_eq!(v["manifest"]["compat"], "seqeval");
    let v = score(file, &args);
    close(&v["total"]["layers"]["entities"]["strict"]["macro"]["f1"], 0.0);
}

/// One recorded seqeval call of the replay fixtures.
fn seqeval_case(case: &str) -> serde_json::Value {
    let path = goldspan_tests::repo().join("tests/fixtures/parity/replay/seqeval.jsonl");
    let text = std::fs::read_to_string(path).expect("replay fixture");
    text.lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find(|v| v["case"] == case)
        .unwrap_or_else(|| panic!("no case {case}"))
}

/// A CoNLL file of `y_true` and `y_pred` (lists of sentences of tags) as `token gold
/// predicted`, one sentence per block.
fn conll_of(dir: &std::path::Path, case: &serde_json::Value) -> String {
    let sentences = |k: &str| -> Vec<Vec<String>> { serde_json::from_value(case["inputs"][k].clone()).expect(k) };
    let (gold, pred) = (sentences("y_true"), sentences("y_pred"));
    let mut text = String::new();
    for (g, p) in gold.iter().zip(&pred) {
        for (i, (g, p)) in g.iter().zip(p).enumerate() {
            text.push_str(&format!("t{i} {g} {p}\n"));
        }
        text.push('\n');
    }
    let path = dir.join("case.txt");
    std::fs::write(&path, text).expect("write");
    path.to_str().expect("utf-8 path").to_owned()
}

#[test]
fn f_beta_inf_and_every_average_are_seqevals_recorded_numbers() {
    // test_v1.py::test_average_scores_beta_inf: seqeval's precision_recall_fscore_support with
    // beta=inf and average micro, macro, weighted; each result is [P, R, F, support].
    let dir = tempfile::tempdir().expect("temp dir");
    let micro_case = seqeval_case("seqeval-0306");
    let file = conll_of(dir.path(), &micro_case);
    let v = score(&file, &["--mode", "strict", "--compat", "seqeval", "--beta", "inf"]);
    assert_eq!(v["manifest"]["beta"], "inf");
    let strict = &v["total"]["layers"]["entities"]["strict"];
    for (case, average) in [("seqeval-0306", "micro"), ("seqeval-0307", "macro"), ("seqeval-0308", "weighted")] {
        let recorded = seqeval_case(case);
        assert_eq!(recorded["inputs"]["average"], average);
        assert_eq!(recorded["inputs"]["y_true"], micro_case["inputs"]["y_true"], "one input for all three");
        let [p, r, f, _support] = [0, 1, 2, 3].map(|i| recorded["result"][i].as_f64().expect("number"));
        let ours = &strict[average];
        close(&ours["precision"], p);
        close(&ours["recall"], r);
        close(&ours["f_beta"], f);
    }
    assert_eq!(strict["micro"]["possible"], seqeval_case("seqeval-0306")["result"][3]);
}

#[test]
fn tags_mode_gives_seqevals_recorded_performance_measure() {
    // test_metrics.py::test_performance_measure.
    let recorded = seqeval_case("seqeval-0033");
    assert_eq!(recorded["call"], "performance_measure");
    let dir = tempfile::tempdir().expect("temp dir");
    let file = conll_of(dir.path(), &recorded);
    let v = score(&file, &["--mode", "tags"]);
    for (ours, theirs) in [("tp", "TP"), ("fp", "FP"), ("fn", "FN"), ("tn", "TN")] {
        assert_eq!(v["tags"][ours], recorded["result"][theirs], "{theirs}");
    }
}
