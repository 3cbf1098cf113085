//! What `score` and `run` tables show beyond the totals: per-label reports (`--by-label`),
//! documents worst first (`--by-document`), the error listing (`--errors` and its filters,
//! rows within the terminal width, speaker and cue errors), and cells of any length.
//!
//! Numbers are those of the tiny corpus against tests/fixtures/tiny-pred.jsonl, computed by
//! hand in docs/metrics.md (the per-document counts of §4, the quotations of §6).

use unicode_width::UnicodeWidthStr;

use super::{goldspan, stdout, valid_json};

/// `goldspan score` of the tiny corpus against `pred`, with `extra` arguments, at `columns`.
fn score(pred: &str, extra: &[&str], columns: usize) -> std::process::Output {
    goldspan()
        .args(["score", "--gold", "tests/fixtures/tiny", "--pred", pred])
        .args(extra)
        .env("COLUMNS", columns.to_string())
        .output()
        .expect("runs")
}

fn ok(out: &std::process::Output) -> String {
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    stdout(out)
}

/// The lines of the section titled `title` (up to its legend line).
fn section<'a>(text: &'a str, title: &str) -> Vec<&'a str> {
    text.lines().skip_while(|l| !l.starts_with(title)).skip(1).take_while(|l| !l.starts_with("see docs/")).collect()
}

#[test]
fn error_rows_keep_within_the_terminal_width() {
    for columns in [60, 100, 200] {
        let text = ok(&score("tests/fixtures/tiny-pred.jsonl", &["--errors", "--mode", "strict"], columns));
        let rows = section(&text, "errors listed");
        // Header, rule, and the 20 errors (17 span errors, 3 cue errors), one line each.
        assert_eq!(rows.len(), 22, "{text}");
        for row in &rows {
            assert!(row.width() <= columns, "{} columns > {columns}: {row}", row.width());
        }
        // Line breaks show as ⏎; the marked part of a cut context stays in view.
        assert!(rows.iter().any(|r| r.contains('⏎')), "{text}");
        if columns >= 100 {
            assert!(rows.iter().any(|r| r.contains("⟦Bank of England⟧ said")), "{text}");
        }
    }
    // Markdown is not cut.
    let md = ok(&score("tests/fixtures/tiny-pred.jsonl", &["--errors", "--format", "markdown"], 40));
    assert!(md.contains("| A spokeswoman for the ⟦Bank of England⟧ said rates were “on hold” at 5%.⏎Relate |"), "{md}");
}

#[test]
fn error_counts_come_first_and_filters_choose_the_listing() {
    let text = ok(&score(
        "tests/fixtures/tiny-pred.jsonl",
        &["--error-class", "missed", "--error-label", "ORG", "--error-label", "Cue", "--mode", "strict"],
        100,
    ));
    // The counts are of every error: 12 missed, 2 boundary, 1 label, 2 spurious, 3 cue.
    assert!(text.contains("errors: 20 (by layer, label and class)"), "{text}");
    let all = section(&text, "errors: 20");
    assert_eq!(
        all.last().map(|l| l.split_whitespace().collect::<Vec<_>>()),
        Some(vec!["all", "2", "1", "12", "2", "3", "20"])
    );
    // Missed ORG (Bank of England) and missed Cue (told, said, said).
    assert!(text.contains("errors listed (class missed; label ORG, Cue): 4 of 4 matching:"), "{text}");
    let rows = section(&text, "errors listed");
    assert_eq!(rows.len(), 6, "{text}");
    assert!(rows[2].starts_with("a         quotes    missed  Cue \"told\""), "{}", rows[2]);
    // The limit applies to JSON too; the confusions stay whole: 10 cells in entities (the
    // diagonal PERSON, DATE, GPE, MONEY; ORG→GPE; four → ∅; ∅ → PERSON), 6 in quotes (Quote
    // and Source on the diagonal; Cue, Quote, Source → ∅; ∅ → Source), 2 in structure.
    let out = score("tests/fixtures/tiny-pred.jsonl", &["--errors", "--error-limit", "3", "--format", "json"], 100);
    let json = valid_json("results", &ok(&out));
    let kinds: Vec<&str> =
        json["errors"].as_array().expect("errors").iter().filter_map(|e| e["kind"].as_str()).collect();
    assert_eq!(kinds, ["boundary", "label", "missed"]);
    assert_eq!(json["confusions"].as_array().map(Vec::len), Some(18));
    // An unknown class is a usage error naming the classes.
    let out = score("tests/fixtures/tiny-pred.jsonl", &["--error-class", "wrong"], 100);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("boundary, label, boundary+label, missed, spurious, speaker, cue"));
}

#[test]
fn a_found_quotation_with_the_wrong_speaker_is_a_speaker_error() {
    // Document b's two quotations, exact, both said by `Kyoto`: the gold speaker is `he`.
    let dir = tempfile::tempdir().expect("temp dir");
    let pred = dir.path().join("pred.jsonl");
    std::fs::write(
        &pred,
        r#"{"id": "b", "spans": [{"id": "Q1", "layer": "quotes", "label": "Quote", "start": 15, "end": 36}, {"id": "Q2", "layer": "quotes", "label": "Quote", "start": 48, "end": 66}, {"id": "S", "layer": "quotes", "label": "Source", "start": 8, "end": 13}], "relations": [{"type": "speaker", "head": "Q1", "tail": "S"}, {"type": "speaker", "head": "Q2", "tail": "S"}]}
"#,
    )
    .expect("write");
    let pred = pred.to_string_lossy().into_owned();
    let args = ["--split", "test", "--layer", "quotes", "--error-class", "speaker", "--mode", "strict"];
    let text = ok(&score(&pred, &args, 160));
    let rows = section(&text, "errors listed");
    assert_eq!(rows.len(), 4, "{text}");
    for (row, quotation) in rows[2..].iter().zip(["⟦It is the first time,⟧", "⟦and it costs ¥500.⟧"]) {
        assert!(row.contains("speaker  Source \"he\" 38..40  Source \"Kyoto\" 8..13"), "{row}");
        assert!(row.contains(quotation), "{row}");
    }
    let mut json_args = args.to_vec();
    json_args.extend(["--format", "json"]);
    let json = valid_json("results", &ok(&score(&pred, &json_args, 100)));
    let first = &json["errors"][0];
    assert_eq!(first["kind"], "speaker");
    assert_eq!((first["gold"]["text"].as_str(), first["predicted"]["text"].as_str()), (Some("he"), Some("Kyoto")));
    assert_eq!((first["quotation"]["start"].as_u64(), first["quotation"]["end"].as_u64()), (Some(15), Some(36)));
    // Both found, neither right: attribution accuracy 0.
    assert_eq!(json["total"]["quotes"]["strict"]["matched"], 2);
    assert_eq!(json["total"]["quotes"]["strict"]["speaker_right"], 0);
}

#[test]
fn a_per_label_report_for_each_mode_asked_for() {
    let text = ok(&score(
        "tests/fixtures/tiny-pred.jsonl",
        &["--by-label", "all", "--mode", "strict", "--mode", "partial"],
        100,
    ));
    let strict = section(&text, "entities by label (strict)");
    let partial = section(&text, "entities by label (partial)");
    // Strict, docs/metrics.md §4: macro P 0.3542, R 0.4375, F1 0.3833 over support 10;
    // weighted by support: P (1 + 0.5 + 1 + 2 × 1/3)/10, R 4/10, F1 (1 + 2/3 + 1 + 2 × 0.4)/10.
    let row = |rows: &[&str], name: &str| -> Vec<String> {
        let line = rows.iter().find(|l| l.starts_with(name)).unwrap_or_else(|| panic!("{name}: {rows:?}"));
        line[name.len()..].split_whitespace().map(str::to_owned).collect()
    };
    assert_eq!(row(&strict, "micro avg"), ["0.5714", "0.4000", "0.4706", "10", "4", "2", "0", "4", "1"]);
    assert_eq!(row(&strict, "macro avg"), ["0.3542", "0.4375", "0.3833", "10"]);
    assert_eq!(row(&strict, "weighted avg"), ["0.3167", "0.4000", "0.3467", "10"]);
    assert_eq!(row(&strict, "PERSON"), ["0.3333", "0.5000", "0.4000", "2", "1", "1", "0", "0", "1"]);
    // Partial: PERSON's boundary error is PAR, half credit.
    assert_eq!(row(&partial, "micro avg"), ["0.7857", "0.5500", "0.6471", "10", "5", "0", "1", "4", "1"]);
    // One mode by name; a mode not scored is a usage error.
    let text = ok(&score(
        "tests/fixtures/tiny-pred.jsonl",
        &["--by-label", "partial", "--mode", "strict", "--mode", "partial"],
        100,
    ));
    assert!(text.contains("entities by label (partial)") && !text.contains("entities by label (strict)"), "{text}");
    let out = score("tests/fixtures/tiny-pred.jsonl", &["--by-label", "tokens"], 100);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--by-label tokens: that mode is not scored"));
}

#[test]
fn documents_are_listed_worst_first() {
    let text = ok(&score("tests/fixtures/tiny-pred.jsonl", &["--by-document", "--mode", "strict"], 100));
    let rows: Vec<(String, String, String)> = section(&text, "per document, worst first (strict)")
        .iter()
        .skip(2)
        .map(|l| {
            let cells: Vec<&str> = l.split_whitespace().collect();
            (cells[0].to_owned(), cells[1].to_owned(), cells[4].to_owned())
        })
        .collect();
    let expected = [
        ("c", "quotes", "0.0000"),
        ("c", "entities", "0.0000"),
        ("a", "structure", "0.0000"),
        ("b", "structure", "0.0000"),
        ("c", "structure", "0.0000"),
        ("a", "entities", "0.2857"),
        ("b", "quotes", "0.5000"),
        ("b", "entities", "0.7500"),
        ("a", "quotes", "0.8000"),
    ]
    .map(|(a, b, c)| (a.to_owned(), b.to_owned(), c.to_owned()));
    assert_eq!(rows, expected);
}

#[test]
fn a_70000_character_cell_prints() {
    // The table printer used `format!`'s width, which panics from 65,536: exit 101, no output.
    let dir = tempfile::tempdir().expect("temp dir");
    let long = "y".repeat(70_000);
    let text = format!("Ann met {long}.");
    let gold = dir.path().join("gold.jsonl");
    let record = serde_json::json!({
        "id": "d",
        "text": text,
        "meta": {"note": long},
        "spans": [{"layer": "entities", "label": "PERSON", "start": 8, "end": 70_008}],
    });
    std::fs::write(&gold, format!("{record}\n")).expect("write gold");
    let pred = dir.path().join("pred.jsonl");
    std::fs::write(&pred, "{\"id\": \"d\", \"spans\": []}\n").expect("write predictions");
    let run = |extra: &[&str]| {
        goldspan().arg("score").arg("--gold").arg(&gold).arg("--pred").arg(&pred).args(extra).output().expect("runs")
    };
    let sliced = ok(&run(&["--slice", "note"]));
    assert!(sliced.lines().any(|l| l.starts_with(&format!("note   {long}"))), "the long value is printed whole");
    let listed = ok(&run(&["--errors"]));
    assert!(listed.contains("d         entities  missed  PERSON \"yyy"), "{}", &listed[..2000.min(listed.len())]);
    let md = ok(&run(&["--errors", "--format", "markdown"]));
    assert!(md.contains(&format!("| PERSON \"{long}\" |")));
}
