//! Language models' answers: the examples/llm/ flow (convert the answers, score them under
//! each grounding rule), and a `cmd:` extractor answering with strings, through the cache.
//!
//! The expected numbers are counted by hand from the gold annotations of the three documents
//! (corpus/news/docs/{006,065,100}_*.ann) and the answers in examples/llm/outputs.jsonl; the
//! derivation is in examples/llm/README.md.

use super::{fault_extractor, goldspan, stdout, valid_json};

/// The example's answers converted to interchange records in `dir`.
fn converted(dir: &std::path::Path) -> std::path::PathBuf {
    let out_path = dir.join("llm-pred.jsonl");
    let out = goldspan()
        .args([
            "convert",
            "--from",
            "llm-json",
            "--schema",
            "examples/llm/schemas/entities-quotes.toml",
            "--manifest",
            "corpus/news/goldspan.toml",
            "--to",
            "jsonl",
            "examples/llm/outputs.jsonl",
        ])
        .arg(&out_path)
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let notes = stdout(&out);
    assert!(notes.starts_with("converted 3 document(s) from llm-json to jsonl"), "{notes}");
    assert!(
        notes.contains("answers holding no JSON at \"output\", read as no predictions: 1 (100_paywell-card-outage)"),
        "{notes}"
    );
    out_path
}

fn score(pred: &std::path::Path, rule: &str) -> serde_json::Value {
    score_with(pred, &["--ground", rule])
}

fn score_with(pred: &std::path::Path, grounding: &[&str]) -> serde_json::Value {
    let out = goldspan()
        .args(["score", "--gold", "corpus/news", "--only-predicted", "--mode", "strict", "--mode", "mentions"])
        .args(grounding)
        .args(["--format", "json", "--pred"])
        .arg(pred)
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    valid_json("results", &stdout(&out))
}

/// (COR, INC, MIS, SPU) of a metrics object.
fn counts(m: &serde_json::Value) -> (u64, u64, u64, u64) {
    let n = |k: &str| m[k].as_u64().unwrap_or(u64::MAX);
    (n("cor"), n("inc"), n("mis"), n("spu"))
}

#[test]
fn the_llm_example_scores_as_counted_by_hand() {
    let dir = tempfile::tempdir().expect("temp dir");
    let pred = converted(dir.path());
    // (rule, entities strict, quotes strict, attribution (predicted, matched, right))
    let expected = [
        ("exact", (26, 2, 37, 6), (15, 1, 25, 12), (11, 7, 5)),
        ("casefold", (28, 2, 35, 4), (16, 2, 23, 9), (11, 8, 6)),
        ("fuzzy", (28, 2, 35, 4), (17, 1, 23, 9), (11, 9, 7)),
    ];
    for (rule, entities, quotes, attribution) in expected {
        let json = score(&pred, rule);
        assert_eq!(json["documents"]["scored"], 3, "{rule}: only the documents the answers name");
        let layers = &json["total"]["layers"];
        assert_eq!(counts(&layers["entities"]["strict"]["micro"]), entities, "{rule}");
        assert_eq!(counts(&layers["quotes"]["strict"]["micro"]), quotes, "{rule}");
        // Mentions mode compares (text, label) multisets: the same under every rule.
        assert_eq!(counts(&layers["entities"]["mentions"]["micro"]), (28, 0, 37, 4), "{rule}");
        let q = &json["total"]["quotes"]["strict"];
        let got = (q["predicted"].as_u64(), q["matched"].as_u64(), q["speaker_right"].as_u64());
        assert_eq!(got, (Some(attribution.0), Some(attribution.1), Some(attribution.2)), "{rule}");
        assert_eq!(q["gold"], 17);
        assert!(json["total"]["quotes"].get("mentions").is_none(), "mentions mode scores no attribution");
        assert_eq!(json["grounding"]["rule"], rule);
    }
    // What exact could not place, with why.
    let json = score(&pred, "exact");
    let g = &json["grounding"];
    let total = |k: &str| g["total"][k].as_u64();
    assert_eq!(
        (total("strings"), total("placed"), total("repeated"), total("ungrounded")),
        (Some(62), Some(46), Some(2), Some(14))
    );
    assert_eq!(g["layers"]["entities"]["spans"], 30);
    let unplaced: Vec<(String, String)> = g["ungrounded"]
        .as_array()
        .expect("a list")
        .iter()
        .filter(|u| u["layer"] == "entities")
        .map(|u| (u["text"].as_str().unwrap_or("").to_owned(), u["reason"].as_str().unwrap_or("").to_owned()))
        .collect();
    let not_found = |t: &str| (t.to_owned(), "not in the text".to_owned());
    assert_eq!(
        unplaced,
        [not_found("London"), not_found("Department of Transport"), not_found("leeds"), not_found("Tom Ashby")]
    );
    let fuzzy = score(&pred, "fuzzy");
    let paraphrase = fuzzy["grounding"]["ungrounded"]
        .as_array()
        .expect("a list")
        .iter()
        .find(|u| u["text"].as_str().is_some_and(|t| t.starts_with("Nadia has been")))
        .map(|u| u["reason"].clone());
    assert_eq!(paraphrase, Some(serde_json::json!("no window similar enough (best 0.875)")));
}

#[test]
fn ground_occurrences_and_threshold_change_the_llm_example_as_counted_by_hand() {
    let dir = tempfile::tempdir().expect("temp dir");
    let pred = converted(dir.path());
    let total = |json: &serde_json::Value, k: &str| json["grounding"]["total"][k].as_u64();
    let layers = |json: &serde_json::Value, layer: &str| counts(&json["total"]["layers"][layer]["strict"]["micro"]);

    // Under `exact` with `all` (examples/llm/README.md) four placed names make a second span:
    // `Venn` (246 and 878; the one at 60 is inside `Alistair Venn`), `Frost` (277 and 853; 52
    // is inside `Nadia Frost`), `IPSA` (135, 762) and `Prime Minister` (228, 601, no entity):
    // entities COR 26, INC 2, MIS 37, SPU 6, from 30 spans.
    // `first` keeps the first of each: Venn 878, Frost 853 and IPSA 762 are missed (COR 23,
    // MIS 40), Prime Minister is one spurious span, not two (SPU 5); 26 spans.
    let first = score_with(&pred, &["--ground", "exact", "--ground-occurrences", "first"]);
    assert_eq!(layers(&first, "entities"), (23, 2, 40, 5));
    assert_eq!(first["grounding"]["layers"]["entities"]["spans"], 26);
    assert_eq!(first["grounding"]["occurrences"], "first");
    // `nth`: as `first`, but the second listing of `IPSA` takes its second occurrence (762,
    // COR), and the second listing of `Alistair Venn`, which occurs once (51), has none left:
    // ungrounded, spurious. COR 24, MIS 39, SPU 6. Nothing is a repeat any more: 47 strings
    // placed, 15 ungrounded (exact's 14 and that one), of 62.
    let nth = score_with(&pred, &["--ground", "exact", "--ground-occurrences", "nth"]);
    assert_eq!(layers(&nth, "entities"), (24, 2, 39, 6));
    assert_eq!(
        (total(&nth, "placed"), total(&nth, "repeated"), total(&nth, "ungrounded")),
        (Some(47), Some(0), Some(15))
    );
    // Occurrences choose among mentions' places; mentions mode has none.
    for json in [&first, &nth] {
        assert_eq!(counts(&json["total"]["layers"]["entities"]["mentions"]["micro"]), (28, 0, 37, 4));
    }

    // Under fuzzy (0.9) two quotations are ungrounded. The paraphrase in 065 ("hardworking"
    // for "hard-working", "that" left out) aligns 14 of its 15 words with the quotation's 17:
    // 28/32 = 0.875. `an error of judgement` (006) is most similar to the window `an error of`:
    // 3 of its 4 words, 6/7 = 0.857. At 0.8 both are placed:
    // - the paraphrase at 661..750, gold's boundaries (its comma included), its speaker
    //   `spokesman` at 563..572 (a gold Source, of "with regret") and its cue `added` at
    //   755..760, gold's: COR +3, MIS -3, SPU -3;
    // - `an error of judgement` at 269..280 against gold's 269..289: INC +1, MIS -1, SPU -1;
    //   its cue `said` at 251..255, gold's: COR +1, MIS -1, SPU -1; its speaker `Alistair
    //   Venn` at 51..64, where the other quotation's `Alistair Venn` already is: one span, so
    //   SPU -1.
    // Quotes layer (17, 1, 23, 9) becomes (21, 2, 18, 3); 10 quotations matched (the
    // shortened one is not, in strict), speakers right still 7 (`spokesman` is no named
    // mention); 3 strings ungrounded, not 9: `a Downing Street spokesman`, and the entities
    // `Department of Transport` and `Tom Ashby`.
    let loose = score_with(&pred, &["--ground", "fuzzy", "--ground-threshold", "0.8"]);
    assert_eq!(layers(&loose, "quotes"), (21, 2, 18, 3));
    let q = &loose["total"]["quotes"]["strict"];
    let attribution = (q["predicted"].as_u64(), q["matched"].as_u64(), q["speaker_right"].as_u64());
    assert_eq!(attribution, (Some(11), Some(10), Some(7)));
    assert_eq!(total(&loose, "ungrounded"), Some(3));
    assert_eq!(layers(&loose, "entities"), (28, 2, 35, 4), "the threshold is for quotations only");

    // Settings that mean nothing are usage errors (exit 2), named.
    for (flag, value, message) in [
        ("--ground-threshold", "0", "--ground-threshold: a grounding threshold must be between 0.001 and 1, not 0"),
        ("--ground-occurrences", "every", "unknown occurrences \"every\"; expected one of all, first, nth"),
        ("--ground", "loose", "unknown grounding rule \"loose\"; expected one of exact, casefold, fuzzy"),
        (
            "--schema",
            "examples/llm/schemas/by-label.toml",
            "--schema maps language models' answers; it applies to llm-json, not jsonl",
        ),
    ] {
        let out = goldspan()
            .args(["score", "--gold", "corpus/news", "--only-predicted", flag, value, "--pred"])
            .arg(&pred)
            .output()
            .expect("run");
        assert_eq!(out.status.code(), Some(2), "{flag} {value}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(message), "{flag} {value}: {err}");
    }
}

#[test]
fn answers_score_in_one_step_with_pred_format_llm_json() {
    let dir = tempfile::tempdir().expect("temp dir");
    let two_steps = score(&converted(dir.path()), "fuzzy");
    let out = goldspan()
        .args(["score", "--gold", "corpus/news", "--only-predicted", "--mode", "strict", "--mode", "mentions"])
        .args(["--ground", "fuzzy", "--format", "json", "--pred", "examples/llm/outputs.jsonl"])
        .args(["--pred-format", "llm-json", "--schema", "examples/llm/schemas/entities-quotes.toml"])
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let one_step = valid_json("results", &stdout(&out));
    assert_eq!(one_step["total"], two_steps["total"]);
    assert_eq!(one_step["grounding"], two_steps["grounding"]);
    let notes = String::from_utf8_lossy(&out.stderr);
    assert!(notes.contains("answers holding no JSON at \"output\""), "{notes}");
}

#[test]
fn the_llm_example_prints_what_it_could_not_place() {
    let dir = tempfile::tempdir().expect("temp dir");
    let pred = converted(dir.path());
    let out = goldspan()
        .args(["score", "--gold", "corpus/news", "--only-predicted", "--ground", "casefold", "--pred"])
        .arg(&pred)
        .output()
        .expect("run");
    let table = stdout(&out);
    assert!(table.contains("predictions given as text (grounding casefold, occurrences all):"), "{table}");
    assert!(table.contains("\"Tom Ashby\"") && table.contains("not in the text"), "{table}");
    assert!(!table.contains("\"leeds\""), "casefold places leeds: {table}");
}

#[test]
fn a_command_answering_with_strings_scores_as_with_offsets_and_is_cached_as_strings() {
    // The extractor tags every capitalised word as a PERSON: once with offsets, once as bare
    // words. Every occurrence of a capitalised word is capitalised, and no word lies inside
    // another, so grounding (exact, every occurrence) puts the words where the offsets were.
    let cache = tempfile::tempdir().expect("temp dir");
    let run = |extra: &str, cache_args: &[&str]| {
        let spec = format!("cmd:{} {extra}", fault_extractor());
        let out = goldspan()
            .args(["run", "--extractor", &spec, "--split", "dev", "--layer", "entities", "--format", "json"])
            .args(cache_args)
            .output()
            .expect("run");
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
        valid_json("results", &stdout(&out))
    };
    let cache_dir = cache.path().display().to_string();
    let offsets = run("--tag offsets", &["--no-cache"]);
    let strings = run("--as-text", &["--cache", &cache_dir]);
    assert_eq!(offsets["total"], strings["total"]);
    let g = &strings["grounding"]["total"];
    assert!(g["strings"].as_u64().is_some_and(|n| n > 100), "{g}");
    assert_eq!(g["ungrounded"], 0);
    assert!(offsets.get("grounding").is_none(), "no strings, no grounding section");
    // From the cache, the strings are grounded again, the same way.
    let again = run("--as-text", &["--cache", &cache_dir]);
    assert_eq!(again["extraction"]["performed"], 0);
    assert_eq!(again["total"], strings["total"]);
    assert_eq!(again["grounding"], strings["grounding"]);
}
