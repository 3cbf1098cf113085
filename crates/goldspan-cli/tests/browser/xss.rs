//! A corpus whose text, labels, ids and metadata are made of markup and script: the report
//! shows them as text, runs none of it, and requests nothing.

use serde_json::{json, Value};

use crate::{goldspan, Page};

/// Each payload, if it ever ran, would set `window.__pwned` (or request `x`, which the page's
/// network log would show).
const SCRIPT: &str = "</script><script>window.__pwned = 1</script>";
const IMAGE: &str = "<img src=x onerror=\"window.__pwned = 2\">";
const LINK: &str = "javascript:window.__pwned = 3";
const COMMENT: &str = "<!--<script>window.__pwned = 4</script>";

/// The code-point range of `needle` in `text`.
fn range(text: &str, needle: &str) -> (usize, usize) {
    let byte = text.find(needle).expect("in the text");
    let start = text[..byte].chars().count();
    (start, start + needle.chars().count())
}

#[test]
fn markup_and_script_in_texts_labels_ids_and_metadata_render_as_text_and_run_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let text = format!("Zoë said {SCRIPT} and {IMAGE} then {LINK} {COMMENT} end.");
    let span = |id: &str, label: &str, needle: &str| {
        let (start, end) = range(&text, needle);
        json!({"id": id, "layer": "entities", "label": label, "start": start, "end": end})
    };
    let ids = [format!("{SCRIPT}{IMAGE}"), LINK.to_owned()];
    let gold: Vec<Value> = ids
        .iter()
        .map(|id| {
            json!({"goldspan": 1, "id": id, "text": text,
                "meta": {"domain": IMAGE, "style": SCRIPT, "source": LINK},
                "spans": [span("T1", SCRIPT, SCRIPT), span("T2", IMAGE, IMAGE), span("T3", "PERSON", "Zoë")]})
        })
        .collect();
    let pred: Vec<Value> = ids
        .iter()
        .map(|id| {
            json!({"goldspan": 1, "id": id,
                "spans": [span("P1", IMAGE, SCRIPT), span("P2", LINK, LINK), span("P3", COMMENT, COMMENT)]})
        })
        .collect();
    let lines = |records: &[Value]| records.iter().map(|r| r.to_string() + "\n").collect::<String>();
    let gold_path = dir.path().join("gold.jsonl");
    let pred_path = dir.path().join("pred.jsonl");
    std::fs::write(&gold_path, lines(&gold)).expect("write gold");
    std::fs::write(&pred_path, lines(&pred)).expect("write predictions");
    let report = dir.path().join("report.html");
    let path = |p: &std::path::Path| p.display().to_string();
    goldspan(&[
        "score",
        "--gold",
        &path(&gold_path),
        "--pred",
        &path(&pred_path),
        "--slice",
        "domain",
        "--report",
        &path(&report),
    ]);
    let html = std::fs::read_to_string(&report).expect("report");
    for payload in [SCRIPT, IMAGE, COMMENT] {
        assert!(!html.contains(payload), "{payload} is in the file as written");
    }
    assert!(html.contains("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none';"));

    let page = Page::open(&report, "documents");
    // Nothing ran, nothing was added as markup, and every payload reads as text.
    let check_page = |page: &Page| {
        assert_eq!(page.eval("typeof window.__pwned"), "undefined", "a payload ran");
        assert_eq!(page.eval("document.images.length"), 0);
        assert_eq!(page.eval("document.scripts.length"), 2, "only the data block and the page's script");
        assert_eq!(
            page.eval("Array.from(document.querySelectorAll('*')).some(e => Array.from(e.attributes).some(a => a.name.startsWith('on')))"),
            false,
            "an element carries an event handler attribute"
        );
        assert_eq!(
            page.eval("Array.from(document.querySelectorAll('a')).every(a => a.getAttribute('href').startsWith('#'))"),
            true
        );
    };
    check_page(&page);
    let body = page.eval("document.body.textContent");
    let body = body.as_str().expect("text");
    for shown in [ids[0].as_str(), ids[1].as_str(), IMAGE, SCRIPT, LINK] {
        assert!(body.contains(shown), "{shown} is not shown as text");
    }
    let filter_values = page.eval(
        "Array.from(document.querySelectorAll('#filters select[data-field=\"domain\"] option')).map(o => o.value)",
    );
    assert_eq!(filter_values, json!(["", IMAGE]));
    // Each document in the viewer: its text and labels as text.
    for index in 0..2 {
        page.go(
            &format!("doc={index}"),
            "document.body.dataset.view === 'viewer' && document.getElementById('viewer-title') !== null",
        );
        let shown =
            page.eval("Array.from(document.querySelectorAll('#doc-text .seg')).map(s => s.textContent).join('')");
        assert_eq!(shown, text.as_str(), "the text reads as written");
        let labels = page.eval("Array.from(document.querySelectorAll('#doc-text .tag')).map(t => t.dataset.label)");
        for label in [SCRIPT, IMAGE, LINK, COMMENT] {
            assert!(
                labels.as_array().is_some_and(|l| l.iter().any(|x| x == label)),
                "label {label} is not shown: {labels}"
            );
        }
        let title = page.eval("document.getElementById('viewer-title').textContent");
        assert!(ids.iter().any(|id| title == id.as_str()), "{title}");
        check_page(&page);
    }
    page.go("overview", "document.body.dataset.view === 'overview'");
    let labels = page.eval("Array.from(document.querySelectorAll('#labels-table tbody tr')).map(r => r.dataset.label)");
    assert!(labels.as_array().is_some_and(|l| l.iter().any(|x| x == IMAGE)), "{labels}");
    check_page(&page);
    page.assert_clean();
}
