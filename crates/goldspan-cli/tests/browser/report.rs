//! The report in a browser: the overview's numbers are the results JSON's, the viewer draws a
//! document's spans with their classes and steps through its errors from the keyboard, and a
//! comparison lists the documents that changed.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::{artifact, goldspan, Page};

const TINY: &str = "tests/fixtures/tiny";
const PRED: &str = "tests/fixtures/tiny-pred.jsonl";
const BASELINE: &str = "tests/fixtures/results/baseline-pred.jsonl";

/// `goldspan score` of the tiny corpus with `extra` arguments and `--report`: the results JSON
/// it printed, and the report's path.
fn score_with_report(extra: &[&str]) -> (Value, tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let report = dir.path().join("report.html");
    let report_arg = report.display().to_string();
    let mut args = vec!["score", "--gold", TINY, "--pred", PRED, "--format", "json", "--report", &report_arg];
    args.extend(extra);
    let results: Value = serde_json::from_str(&goldspan(&args)).expect("results JSON");
    (results, dir, report)
}

fn f64_of(v: &Value) -> f64 {
    match v {
        Value::String(s) => s.parse().unwrap_or_else(|_| panic!("not a number: {s}")),
        Value::Number(n) => n.as_f64().expect("a float"),
        other => panic!("not a number: {other}"),
    }
}

#[test]
fn the_overview_shows_the_numbers_of_the_results_json() {
    let (results, _dir, report) = score_with_report(&["--bootstrap", "200", "--errors"]);
    let page = Page::open(&report, "");
    // Every layer and mode of the results, with its micro precision, recall, F1, counts and
    // intervals.
    let rows = page.eval(
        "Array.from(document.querySelectorAll('#layers-table tbody tr')).map(r => ({
            layer: r.dataset.layer, mode: r.dataset.mode,
            precision: r.querySelector('.precision').dataset.value, recall: r.querySelector('.recall').dataset.value,
            f1: r.querySelector('.f1').dataset.value, f1_text: r.querySelector('.f1 .value').textContent,
            interval: r.querySelector('.f1 .interval') && r.querySelector('.f1 .interval').textContent,
            cor: r.querySelector('.cor').textContent, mis: r.querySelector('.mis').textContent, spu: r.querySelector('.spu').textContent }))",
    );
    let mut expected = BTreeSet::new();
    for (layer, modes) in results["total"]["layers"].as_object().expect("layers") {
        for (mode, scores) in modes.as_object().expect("modes") {
            expected.insert((layer.clone(), mode.clone()));
            let row = rows
                .as_array()
                .expect("rows")
                .iter()
                .find(|r| r["layer"] == layer.as_str() && r["mode"] == mode.as_str())
                .unwrap_or_else(|| panic!("no row for {layer} {mode}"));
            let micro = &scores["micro"];
            for metric in ["precision", "recall", "f1"] {
                assert_eq!(f64_of(&row[metric]), f64_of(&micro[metric]), "{layer} {mode} {metric}");
            }
            assert_eq!(row["f1_text"], format!("{:.4}", f64_of(&micro["f1"])));
            for count in ["cor", "mis", "spu"] {
                assert_eq!(row[count], micro[count].to_string(), "{layer} {mode} {count}");
            }
            let ci = &results["intervals"]["layers"][layer][mode]["f1"];
            assert_eq!(
                row["interval"],
                format!("{:.4}–{:.4}", f64_of(&ci[0]), f64_of(&ci[1])),
                "{layer} {mode} interval"
            );
        }
    }
    assert_eq!(rows.as_array().map(Vec::len), Some(expected.len()), "one row per layer and mode");
    // The per-label table of the first layer under the first mode, with support.
    let labels = page.eval(
        "({ layer: document.getElementById('label-layer').value, mode: document.getElementById('label-mode').value,
            rows: Array.from(document.querySelectorAll('#labels-table tbody tr')).map(r => ({
              label: r.dataset.label, support: r.querySelector('.support').textContent, f1: r.querySelector('.f1').dataset.value })) })",
    );
    let (layer, mode) = (labels["layer"].as_str().expect("layer"), labels["mode"].as_str().expect("mode"));
    let expected_labels = results["total"]["layers"][layer][mode]["labels"].as_object().expect("labels");
    assert_eq!(labels["rows"].as_array().map(Vec::len), Some(expected_labels.len()));
    for row in labels["rows"].as_array().expect("rows") {
        let m = &expected_labels[row["label"].as_str().expect("label")];
        assert_eq!(row["support"], m["possible"].to_string());
        assert_eq!(f64_of(&row["f1"]), f64_of(&m["f1"]));
    }
    // Sorting by a column orders the rows by it: F1 descending after one click.
    page.eval("(document.querySelector('#labels-table th[data-column=\"F1\"]').click(), true)");
    let f1s: Vec<f64> = page
        .eval("Array.from(document.querySelectorAll('#labels-table tbody tr .f1')).map(c => +c.dataset.value)")
        .as_array()
        .expect("values")
        .iter()
        .map(f64_of)
        .collect();
    assert!(f1s.windows(2).all(|w| w[0] >= w[1]), "sorted by F1, descending: {f1s:?}");
    // The confusion heat map holds every count of the results' confusion table.
    let cells = page.eval(
        "Array.from(document.querySelectorAll('table.heat td.cell')).filter(c => c.textContent).map(c => [
            c.closest('table').dataset.layer, c.dataset.gold, c.dataset.predicted, +c.textContent])",
    );
    let shown: BTreeSet<(String, String, String, u64)> = cells
        .as_array()
        .expect("cells")
        .iter()
        .map(|c| {
            (
                c[0].as_str().unwrap_or_default().to_owned(),
                c[1].as_str().unwrap_or_default().to_owned(),
                c[2].as_str().unwrap_or_default().to_owned(),
                c[3].as_u64().unwrap_or_default(),
            )
        })
        .collect();
    let confusions: BTreeSet<(String, String, String, u64)> = results["confusions"]
        .as_array()
        .expect("confusions")
        .iter()
        .map(|c| {
            (
                c["layer"].as_str().unwrap_or_default().to_owned(),
                c["gold"].as_str().unwrap_or_default().to_owned(),
                c["predicted"].as_str().unwrap_or_default().to_owned(),
                c["count"].as_u64().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(shown, confusions);
    page.screenshot(&artifact("overview.png"));
    page.assert_clean();
}

/// (side, layer, label, start, end, class) of every span the viewer tags.
type Tag = (String, String, String, u64, u64, String);

fn tags(page: &Page) -> BTreeSet<Tag> {
    page.eval(
        "Array.from(document.querySelectorAll('#doc-text .tag')).map(t => [t.dataset.side, t.dataset.layer,
            t.dataset.label, +t.dataset.start, +t.dataset.end, t.dataset.class])",
    )
    .as_array()
    .expect("tags")
    .iter()
    .map(|t| {
        let s = |i: usize| t[i].as_str().unwrap_or_default().to_owned();
        (s(0), s(1), s(2), t[3].as_u64().unwrap_or_default(), t[4].as_u64().unwrap_or_default(), s(5))
    })
    .collect()
}

/// Opens document `id` in the viewer through its link in the documents list.
fn open_document(page: &Page, id: &str, table: &str) {
    let href = page.eval(&format!(
        "Array.from(document.querySelectorAll('#{table} a')).filter(a => a.textContent === {}).map(a => a.getAttribute('href'))[0]",
        Value::String(id.to_owned())
    ));
    let href = href.as_str().unwrap_or_else(|| panic!("no link to {id} in #{table}"));
    page.go(
        href.trim_start_matches('#'),
        &format!(
            "document.getElementById('viewer-title') && document.getElementById('viewer-title').textContent === {}",
            Value::String(id.to_owned())
        ),
    );
}

#[test]
fn the_viewer_shows_exactly_a_documents_spans_with_their_error_classes() {
    let (results, _dir, report) = score_with_report(&["--errors"]);
    let page = Page::open(&report, "documents");
    open_document(&page, "a", "documents-table");
    // Independently: the gold spans from the corpus, the predictions from their file, and the
    // class of each from the results' classified errors (correct when none names it).
    let corpus = goldspan_formats::gold::Corpus::open(goldspan_tests::repo().join(TINY)).expect("tiny corpus");
    let gold = corpus.read("a").expect("document a");
    let pred_line = std::fs::read_to_string(goldspan_tests::repo().join(PRED)).expect("predictions");
    let pred: Value = pred_line
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).expect("a record"))
        .find(|r| r["id"] == "a")
        .expect("predictions for a");
    let errors: Vec<&Value> =
        results["errors"].as_array().expect("errors").iter().filter(|e| e["document"] == "a").collect();
    let class_of = |side: &str, layer: &str, label: &str, start: u64, end: u64| {
        errors
            .iter()
            .find(|e| {
                let s = &e[side];
                e["layer"] == layer && s["label"] == label && s["start"] == start && s["end"] == end
            })
            .map_or("correct".to_owned(), |e| e["kind"].as_str().unwrap_or_default().to_owned())
    };
    let mut expected: BTreeSet<Tag> = BTreeSet::new();
    for s in &gold.annotations.spans {
        let (start, end) = (s.start() as u64, s.end() as u64);
        expected.insert((
            "gold".into(),
            s.layer().into(),
            s.label().into(),
            start,
            end,
            class_of("gold", s.layer(), s.label(), start, end),
        ));
    }
    for s in pred["spans"].as_array().expect("spans") {
        let (layer, label) = (s["layer"].as_str().expect("layer"), s["label"].as_str().expect("label"));
        let (start, end) = (s["start"].as_u64().expect("start"), s["end"].as_u64().expect("end"));
        expected.insert((
            "pred".into(),
            layer.into(),
            label.into(),
            start,
            end,
            class_of("predicted", layer, label, start, end),
        ));
    }
    assert!(expected.iter().any(|t| t.5 != "correct"), "the document has errors to show");
    // Tags name their quotation role after the label ("Quote q1"): compare labels alone.
    let shown: BTreeSet<Tag> = tags(&page)
        .into_iter()
        .map(|(side, layer, label, s, e, c)| {
            (side, layer, label.split(' ').next().unwrap_or_default().to_owned(), s, e, c)
        })
        .collect();
    assert_eq!(shown, expected);
    // The error list: one item per classified error, and the cue the prediction left out.
    let listed = page.eval("Array.from(document.querySelectorAll('#error-list li')).map(li => li.dataset.class)");
    let listed: Vec<&str> = listed.as_array().expect("items").iter().filter_map(Value::as_str).collect();
    let span_errors = listed.iter().filter(|c| !c.starts_with("speaker") && !c.starts_with("cue")).count();
    // Speaker and cue errors show as the page's own attribution outcomes, not twice.
    let span_error_count =
        errors.iter().filter(|e| !["speaker", "cue"].contains(&e["kind"].as_str().unwrap_or(""))).count();
    assert_eq!(span_errors, span_error_count, "{listed:?}");
    assert!(listed.contains(&"cue missing"), "gold a's quotation has the cue 'told', the prediction none: {listed:?}");
    // Keyboard: j to the first error, j to the second, k back; each highlighted in the text.
    let current = || {
        page.eval("[...document.querySelectorAll('#error-list li')].findIndex(li => li.classList.contains('current'))")
    };
    assert_eq!(current(), -1);
    page.press("j");
    page.wait_for("document.querySelector('#error-list li.current') !== null");
    assert_eq!(current(), 0);
    assert!(page.eval("document.querySelectorAll('#doc-text .seg.focus').length").as_u64() > Some(0));
    page.press("j");
    assert_eq!(current(), 1);
    page.press("k");
    assert_eq!(current(), 0);
    // The merged view draws every item on one side with its class.
    page.eval("(document.getElementById('view-mode').value = 'merged', document.getElementById('view-mode').dispatchEvent(new Event('change')), true)");
    page.wait_for("document.querySelectorAll('#doc-text .tag[data-side=\"item\"]').length > 0");
    let merged = page.eval("Array.from(document.querySelectorAll('#doc-text .tag')).map(t => t.dataset.class).sort()");
    let mut classes: Vec<String> = expected.iter().filter(|t| t.0 == "gold").map(|t| t.5.clone()).collect();
    classes.extend(expected.iter().filter(|t| t.0 == "pred" && t.5 == "spurious").map(|t| t.5.clone()));
    classes.sort();
    assert_eq!(merged, serde_json::json!(classes), "one item per gold span and per spurious prediction");
    page.eval("(document.getElementById('view-mode').value = 'stacked', document.getElementById('view-mode').dispatchEvent(new Event('change')), true)");
    page.wait_for("document.querySelectorAll('#doc-text .tag[data-side=\"gold\"]').length > 0");
    page.screenshot(&artifact("document.png"));
    page.assert_clean();
}

/// Strict F1 of every document over all its layers, from `--per-document` counts.
fn document_f1(pred: &str) -> BTreeMap<String, f64> {
    let out =
        goldspan(&["score", "--gold", TINY, "--pred", pred, "--mode", "strict", "--per-document", "--format", "json"]);
    let results: Value = serde_json::from_str(&out).expect("results");
    results["per_document"]
        .as_array()
        .expect("per-document counts")
        .iter()
        .map(|d| {
            let (mut cor, mut total) = (0, 0);
            for modes in d["layers"].as_object().expect("layers").values() {
                let m = &modes["strict"];
                cor += m["cor"].as_u64().unwrap_or_default();
                total += m["possible"].as_u64().unwrap_or_default() + m["actual"].as_u64().unwrap_or_default();
            }
            let f1 = if total == 0 { 1.0 } else { 2.0 * cor as f64 / total as f64 };
            (d["id"].as_str().unwrap_or_default().to_owned(), f1)
        })
        .collect()
}

#[test]
fn a_comparison_lists_its_metrics_and_the_documents_that_changed() {
    let (results, _dir, report) = score_with_report(&["--against", BASELINE, "--bootstrap", "200"]);
    let page = Page::open(&report, "comparison");
    let rows = page.eval(
        "Array.from(document.querySelectorAll('#comparison-table tbody tr')).map(r => ({ layer: r.dataset.layer,
            mode: r.dataset.mode, metric: r.dataset.metric, a: r.querySelector('.a').dataset.value,
            b: r.querySelector('.b').dataset.value, delta: r.querySelector('.delta-value').dataset.value,
            p: r.querySelector('.p-value').dataset.value }))",
    );
    let rows = rows.as_array().expect("rows");
    // F1 rows are the results' paired comparison; precision and recall rows have B's own scores.
    for c in results["comparison"].as_array().expect("comparison") {
        let row = rows
            .iter()
            .find(|r| r["layer"] == c["layer"] && r["mode"] == c["mode"] && r["metric"] == "micro_f1")
            .unwrap_or_else(|| panic!("no F1 row for {c}"));
        for (shown, json) in [("a", "a"), ("b", "b"), ("delta", "delta"), ("p", "p_value")] {
            assert_eq!(f64_of(&row[shown]), f64_of(&c[json]), "{c} {json}");
        }
        for metric in ["precision", "recall"] {
            let row = rows
                .iter()
                .find(|r| {
                    r["layer"] == c["layer"] && r["mode"] == c["mode"] && r["metric"] == format!("micro_{metric}")
                })
                .unwrap_or_else(|| panic!("no {metric} row for {c}"));
            let layer = c["layer"].as_str().expect("layer");
            let mode = c["mode"].as_str().expect("mode");
            assert_eq!(f64_of(&row["b"]), f64_of(&results["total"]["layers"][layer][mode]["micro"][metric]));
        }
    }
    assert_eq!(rows.len(), 3 * results["comparison"].as_array().map_or(0, Vec::len));
    // The documents whose strict F1 moved, each in its list.
    let (a, b) = (document_f1(BASELINE), document_f1(PRED));
    let mut worse = BTreeSet::new();
    let mut better = BTreeSet::new();
    for (id, fa) in &a {
        let fb = b.get(id).copied().unwrap_or(1.0);
        if fb < fa - 1e-12 {
            worse.insert(id.clone());
        } else if fb > fa + 1e-12 {
            better.insert(id.clone());
        }
    }
    assert!(!worse.is_empty() || !better.is_empty(), "some document changed");
    let listed = |table: &str| -> BTreeSet<String> {
        page.eval(&format!("Array.from(document.querySelectorAll('#{table} tbody tr')).map(r => r.dataset.doc)"))
            .as_array()
            .expect("rows")
            .iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect()
    };
    assert_eq!(listed("changed-worse"), worse);
    assert_eq!(listed("changed-better"), better);
    // A changed document opens in the viewer with both systems' spans.
    let first = worse.iter().chain(&better).next().expect("one changed").clone();
    let table = if worse.contains(&first) { "changed-worse" } else { "changed-better" };
    open_document(&page, &first, table);
    let sides: BTreeSet<String> = tags(&page).into_iter().map(|t| t.0).collect();
    assert_eq!(sides, ["base", "gold", "pred"].map(String::from).into_iter().collect());
    page.assert_clean();
}

#[test]
fn a_report_of_a_results_json_shows_its_overview_and_says_it_has_no_documents() {
    let dir = tempfile::tempdir().expect("temp dir");
    let json = dir.path().join("results.json");
    let out = goldspan(&["score", "--gold", TINY, "--pred", PRED, "--format", "json"]);
    std::fs::write(&json, &out).expect("write results");
    let results: Value = serde_json::from_str(&out).expect("results");
    let report = dir.path().join("overview.html");
    goldspan(&["report", &json.display().to_string(), "-o", &report.display().to_string()]);
    let page = Page::open(&report, "");
    assert_eq!(page.eval("document.getElementById('overview-only') !== null"), Value::Bool(true));
    let f1 = page.eval(
        "document.querySelector('#layers-table tr[data-layer=\"entities\"][data-mode=\"strict\"] .f1').dataset.value",
    );
    assert_eq!(f64_of(&f1), f64_of(&results["total"]["layers"]["entities"]["strict"]["micro"]["f1"]));
    assert_eq!(page.eval("document.querySelectorAll('#tabs a[data-view=\"documents\"]').length"), 0);
    page.assert_clean();
}

#[test]
fn the_document_list_filters_by_metadata_and_error_class() {
    let (results, _dir, report) = score_with_report(&["--errors", "--mode", "strict"]);
    let page = Page::open(&report, "documents");
    // Sets a filter (a <select> found by `selector`) and reads the documents listed.
    let listed = |selector: &str, value: &str| -> BTreeSet<String> {
        page.eval(&format!(
            "(() => {{ const s = document.querySelector({sel}); s.value = {value};
                s.dispatchEvent(new Event('change')); return true; }})()",
            sel = Value::String(selector.to_owned()),
            value = Value::String(value.to_owned())
        ));
        page.eval("Array.from(document.querySelectorAll('#documents-table tbody tr')).map(r => r.dataset.doc)")
            .as_array()
            .expect("rows")
            .iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect()
    };
    let ids = |ids: &[&str]| -> BTreeSet<String> { ids.iter().map(|s| s.to_string()).collect() };
    // tiny's metadata files: a and c are politics, b culture.
    assert_eq!(listed("select[data-field=domain]", "politics"), ids(&["a", "c"]));
    assert_eq!(listed("select[data-field=domain]", "culture"), ids(&["b"]));
    assert_eq!(listed("select[data-field=domain]", ""), ids(&["a", "b", "c"]));
    // Each error class lists the documents the results' error listing has errors of that
    // class in (the listing and the report classify separately).
    for class in ["missed", "spurious", "label", "boundary"] {
        let expected: BTreeSet<String> = results["errors"]
            .as_array()
            .expect("errors")
            .iter()
            .filter(|e| e["kind"] == class)
            .filter_map(|e| e["document"].as_str().map(str::to_owned))
            .collect();
        assert!(!expected.is_empty(), "tiny has {class} errors");
        assert_eq!(listed("#class-filter", class), expected, "{class}");
    }
    // Both filters at once: politics documents with a spurious prediction — none.
    listed("#class-filter", "spurious");
    assert_eq!(listed("select[data-field=domain]", "politics"), BTreeSet::new());
    page.assert_clean();
}

/// A report of results scored with `--beta 2` shows an F2 column beside F1, in the layers and
/// the labels tables, holding the results' `f_beta`; without `--beta` there is none (the
/// overview test above sees the default page).
#[test]
fn the_overview_shows_f_beta_beside_f1_under_beta() {
    let (results, _dir, report) = score_with_report(&["--beta", "2", "--bootstrap", "50", "--mode", "strict"]);
    assert_eq!(results["manifest"]["beta"], 2.0);
    let page = Page::open(&report, "");
    let heads = page.eval("Array.from(document.querySelectorAll('#layers-table th')).map(h => h.textContent)");
    let heads: Vec<&str> = heads.as_array().expect("heads").iter().filter_map(Value::as_str).collect();
    assert_eq!(heads[4..8], ["F1", "macro F1", "F2", "macro F2"]);
    let rows = page.eval(
        "Array.from(document.querySelectorAll('#layers-table tbody tr')).map(r => ({
            layer: r.dataset.layer, f1: r.querySelector('.f1').dataset.value,
            f_beta: r.querySelector('.f-beta').dataset.value, macro: r.querySelector('.macro-f-beta').dataset.value }))",
    );
    let rows = rows.as_array().expect("rows");
    assert!(!rows.is_empty());
    for row in rows {
        let strict = &results["total"]["layers"][row["layer"].as_str().expect("layer")]["strict"];
        assert_eq!(f64_of(&row["f1"]), f64_of(&strict["micro"]["f1"]));
        assert_eq!(f64_of(&row["f_beta"]), f64_of(&strict["micro"]["f_beta"]));
        assert_eq!(f64_of(&row["macro"]), f64_of(&strict["macro"]["f_beta"]));
    }
    let labels = page.eval(
        "({ layer: document.getElementById('label-layer').value,
            rows: Array.from(document.querySelectorAll('#labels-table tbody tr')).map(r => ({
              label: r.dataset.label, f_beta: r.querySelector('.f-beta').dataset.value })) })",
    );
    let layer = labels["layer"].as_str().expect("layer");
    for row in labels["rows"].as_array().expect("rows") {
        let m = &results["total"]["layers"][layer]["strict"]["labels"][row["label"].as_str().expect("label")];
        assert_eq!(f64_of(&row["f_beta"]), f64_of(&m["f_beta"]));
    }
    page.assert_clean();
}
