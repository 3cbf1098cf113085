//! Parity with the reference tools: on the committed cases of `tests/fixtures/parity/`, goldspan's
//! span scores equal the numbers seqeval 1.2.2, the conlleval 0.2 port and nervaluate 1.2.1
//! recorded (`tools/parity/run.sh` regenerates them; this test never runs Python).
//!
//! Each tag sequence is decoded under the chunking rules of the tool it is compared with, the
//! spans become one document per case (one character per token, so offsets are token indices),
//! and `score_document` scores it. Overall numbers are `Tally::micro`, per-label numbers
//! `Tally::label`; counts must be equal and ratios within 1e-9. The sweeps compare every number
//! but two kinds: the conlleval port's precision without predictions, and the nervaluate rows
//! listed in `DELIBERATE` (overlapping predictions, gold listed out of order). Each is shown by
//! its own named test with both tools' numbers, and docs/parity.md lists them.

use std::collections::BTreeSet;

use goldspan_formats::conll::{self, Scheme};
use goldspan_formats::ReadOptions;
use goldspan_model::{AnnotatedDocument, Annotations, Document, Meta, Span};
use goldspan_score::align::overlaps;
use goldspan_score::{score_document, Counts, Mode, Options, Prf, Tally, SEMEVAL};
use serde_json::Value;

const LAYER: &str = "entities";
const TOLERANCE: f64 = 1e-9;

// ---------------------------------------------------------------------------------------------
// Fixtures

fn fixture(tool: &str, version: &str) -> Value {
    let path = goldspan_tests::repo().join(format!("tests/fixtures/parity/{tool}.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    let value: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("parse {}: {e}", path.display()));
    assert_eq!(value["version"], version, "{tool} fixtures were recorded with another version");
    value
}

fn cases(fixture: &Value) -> &[Value] {
    fixture["cases"].as_array().expect("a cases array")
}

fn case<'a>(fixture: &'a Value, name: &str) -> &'a Value {
    cases(fixture).iter().find(|c| c["name"] == name).unwrap_or_else(|| panic!("no fixture case {name:?}"))
}

fn name(case: &Value) -> &str {
    case["name"].as_str().expect("a case name")
}

fn sentences(value: &Value) -> Vec<Vec<String>> {
    let sentences = value.as_array().expect("a list of sentences");
    sentences
        .iter()
        .map(|s| {
            let tags = s.as_array().expect("a sentence of tags");
            tags.iter().map(|t| t.as_str().expect("a tag").to_owned()).collect()
        })
        .collect()
}

fn int(value: &Value, key: &str) -> u64 {
    value[key].as_u64().unwrap_or_else(|| panic!("integer {key:?} in {value}"))
}

fn float(value: &Value, key: &str) -> f64 {
    value[key].as_f64().unwrap_or_else(|| panic!("number {key:?} in {value}"))
}

fn keys(value: &Value) -> BTreeSet<String> {
    value.as_object().expect("an object").keys().cloned().collect()
}

// ---------------------------------------------------------------------------------------------
// Chunk decoding, one rule per tool

/// A chunk: label and token range `start..end` within its sentence.
type Chunk = (String, usize, usize);

fn split(tag: &str) -> Option<(&str, &str)> {
    if tag == "O" {
        return None;
    }
    let (prefix, label) = tag.split_once('-').unwrap_or_else(|| panic!("fixture tag {tag:?} is not O, B-X or I-X"));
    assert!(matches!(prefix, "B" | "I") && !label.is_empty(), "fixture tag {tag:?} is not O, B-X or I-X");
    Some((prefix, label))
}

/// conlleval's chunking, which seqeval's default mode and nervaluate's list loader share for
/// IOB tags: `O` closes the open chunk, `I-X` continues an open chunk of type X, and any other
/// `B-X` or `I-X` starts a new chunk (so an `I-` without a `B-` starts one).
fn conlleval_chunks(tags: &[String]) -> Vec<Chunk> {
    let mut chunks = Vec::new();
    let mut open: Option<Chunk> = None;
    for (i, tag) in tags.iter().enumerate() {
        match (split(tag), open.as_mut()) {
            (Some(("I", label)), Some(chunk)) if chunk.0 == label => chunk.2 = i + 1,
            (Some((_, label)), _) => chunks.extend(open.replace((label.to_owned(), i, i + 1))),
            (None, _) => chunks.extend(open.take()),
        }
    }
    chunks.extend(open);
    chunks
}

/// seqeval's `mode="strict", scheme=IOB2` (its `Tokens.entities`): a chunk is `B-X` followed by
/// `I-X`s; anything else closes it, and an `I-` that does not continue a chunk of its type
/// belongs to no chunk at all.
fn strict_iob2_chunks(tags: &[String]) -> Vec<Chunk> {
    let mut chunks = Vec::new();
    let mut open: Option<Chunk> = None;
    for (i, tag) in tags.iter().enumerate() {
        match (split(tag), open.as_mut()) {
            (Some(("B", label)), _) => chunks.extend(open.replace((label.to_owned(), i, i + 1))),
            (Some((_, label)), Some(chunk)) if chunk.0 == label => chunk.2 = i + 1,
            _ => chunks.extend(open.take()),
        }
    }
    chunks.extend(open);
    chunks
}

fn span(id: String, label: &str, start: usize, end: usize) -> Span {
    Span::contiguous(id, LAYER, label, start, end).unwrap_or_else(|| panic!("empty span {label} {start}..{end}"))
}

/// The spans of a list of sentences laid end to end, and the number of tokens.
fn tag_spans(sentences: &[Vec<String>], decode: fn(&[String]) -> Vec<Chunk>, prefix: &str) -> (Vec<Span>, usize) {
    let mut spans = Vec::new();
    let mut base = 0;
    for sentence in sentences {
        for (label, start, end) in decode(sentence) {
            spans.push(span(format!("{prefix}{}", spans.len() + 1), &label, base + start, base + end));
        }
        base += sentence.len();
    }
    (spans, base)
}

/// The gold and predicted spans of a case, both decoded with `decode`, and the token count.
fn decoded(case: &Value, decode: fn(&[String]) -> Vec<Chunk>) -> (Vec<Span>, Vec<Span>, usize) {
    let (gold, n) = tag_spans(&sentences(&case["gold"]), decode, "g");
    let (pred, m) = tag_spans(&sentences(&case["pred"]), decode, "p");
    assert_eq!(n, m, "{}: gold and prediction have different lengths", name(case));
    (gold, pred, n)
}

/// The spans of a nervaluate dict-loader case (`[label, start, end)` per document), documents
/// laid end to end, and the number of tokens.
fn dict_spans(case: &Value) -> (Vec<Span>, Vec<Span>, usize) {
    let docs = |key: &str| -> Vec<Vec<(String, usize, usize)>> {
        let docs = case[key].as_array().expect("a list of documents");
        docs.iter()
            .map(|d| {
                let spans = d.as_array().expect("a document of spans");
                spans
                    .iter()
                    .map(|s| {
                        let label = s[0].as_str().expect("a label").to_owned();
                        let at = |i: usize| s[i].as_u64().expect("an offset") as usize;
                        (label, at(1), at(2))
                    })
                    .collect()
            })
            .collect()
    };
    let (gold_docs, pred_docs) = (docs("gold"), docs("pred"));
    assert_eq!(gold_docs.len(), pred_docs.len(), "{}: document counts differ", name(case));
    let (mut gold, mut pred, mut base) = (Vec::new(), Vec::new(), 0);
    for (g, p) in gold_docs.iter().zip(&pred_docs) {
        for (label, start, end) in g {
            gold.push(span(format!("g{}", gold.len() + 1), label, base + start, base + end));
        }
        for (label, start, end) in p {
            pred.push(span(format!("p{}", pred.len() + 1), label, base + start, base + end));
        }
        base += g.iter().chain(p).map(|s| s.2).max().unwrap_or(0);
    }
    (gold, pred, base)
}

// ---------------------------------------------------------------------------------------------
// Scoring

fn score(gold: &[Span], pred: &[Span], len: usize) -> Tally {
    score_with(gold, pred, len, Default::default())
}

fn score_with(gold: &[Span], pred: &[Span], len: usize, matching: goldspan_score::align::Matching) -> Tally {
    let document = Document::new("case", "x".repeat(len), Meta::new());
    let gold =
        AnnotatedDocument { document, annotations: Annotations { spans: gold.to_vec(), ..Annotations::default() } };
    let pred = Annotations { spans: pred.to_vec(), ..Annotations::default() };
    let options =
        Options { layers: Some(BTreeSet::from([LAYER.to_owned()])), matching, ..Options::new(SEMEVAL.to_vec()) };
    score_document(&gold, &pred, &options)
}

/// The labels goldspan's tally has counts for under a mode. A label's counts (`Tally::label`)
/// come from aligning that label's gold and predicted spans alone, as the reference tools
/// score a label, so the sweeps compare them directly.
fn tally_labels(tally: &Tally, mode: Mode) -> BTreeSet<String> {
    tally.labels(LAYER, mode).map(|(label, _)| label.to_owned()).collect()
}

/// Every comparison of one tool, collected so a failure lists all differing numbers.
#[derive(Debug, Default)]
struct Sweep {
    compared: usize,
    failures: Vec<String>,
}

impl Sweep {
    fn count(&mut self, what: &str, ours: u64, theirs: u64) {
        self.compared += 1;
        if ours != theirs {
            self.failures.push(format!("{what}: goldspan {ours}, tool {theirs}"));
        }
    }

    fn ratio(&mut self, what: &str, ours: f64, theirs: f64) {
        self.compared += 1;
        if (ours - theirs).abs() > TOLERANCE {
            self.failures.push(format!("{what}: goldspan {ours}, tool {theirs}"));
        }
    }

    fn prf(&mut self, what: &str, ours: Prf, theirs: &Value) {
        self.ratio(&format!("{what} precision"), ours.precision, float(theirs, "precision"));
        self.ratio(&format!("{what} recall"), ours.recall, float(theirs, "recall"));
        self.ratio(&format!("{what} f1"), ours.f1, float(theirs, "f1"));
    }

    fn labels(&mut self, what: &str, ours: BTreeSet<String>, theirs: BTreeSet<String>) {
        self.compared += 1;
        if ours != theirs {
            self.failures.push(format!("{what} labels: goldspan {ours:?}, tool {theirs:?}"));
        }
    }

    fn finish(self, tool: &str, at_least: usize) {
        assert!(
            self.failures.is_empty(),
            "{} of {} numbers differ from {tool}:\n{}",
            self.failures.len(),
            self.compared,
            self.failures.join("\n")
        );
        assert!(self.compared >= at_least, "only {} numbers compared with {tool}", self.compared);
        eprintln!("{tool}: {} numbers equal", self.compared);
    }
}

fn at_least_200_random(fixture: &Value) {
    let random = cases(fixture).iter().filter(|c| name(c).starts_with("random_")).count();
    assert!(random >= 200, "only {random} random cases");
}

// ---------------------------------------------------------------------------------------------
// seqeval

/// seqeval reports a label's precision, recall, F1 and support (its gold count; the generator
/// renames `f1-score` to `f1`); its micro average is strict span P/R/F1. zero_division is left
/// at "warn", which gives 0, as goldspan does.
fn compare_seqeval(sweep: &mut Sweep, what: &str, gold: &[Span], pred: &[Span], len: usize, numbers: &Value) {
    let tally = score(gold, pred, len);
    let micro = tally.micro(LAYER, Mode::Strict);
    sweep.prf(&format!("{what} micro"), micro.prf(), &numbers["micro"]);
    sweep.count(&format!("{what} micro support"), micro.possible(), int(&numbers["micro"], "support"));
    sweep.labels(what, tally_labels(&tally, Mode::Strict), keys(&numbers["labels"]));
    for label in keys(&numbers["labels"]) {
        let theirs = &numbers["labels"][label.as_str()];
        let ours = tally.label(LAYER, Mode::Strict, &label);
        sweep.prf(&format!("{what} {label}"), ours.prf(), theirs);
        sweep.count(&format!("{what} {label} support"), ours.possible(), int(theirs, "support"));
    }
}

#[test]
fn seqeval_default_and_strict_iob2_match_goldspan_strict() {
    let fixture = fixture("seqeval", "1.2.2");
    at_least_200_random(&fixture);
    let mut sweep = Sweep::default();
    for case in cases(&fixture) {
        let (gold, pred, len) = decoded(case, conlleval_chunks);
        compare_seqeval(&mut sweep, &format!("{} default", name(case)), &gold, &pred, len, &case["default"]);
        let (gold, pred, len) = decoded(case, strict_iob2_chunks);
        compare_seqeval(&mut sweep, &format!("{} strict", name(case)), &gold, &pred, len, &case["strict_iob2"]);
    }
    sweep.finish("seqeval 1.2.2", 5_000);
}

// ---------------------------------------------------------------------------------------------
// conlleval

/// Compares one row of the conlleval port (chunk counts and P/R/F1) with goldspan's strict
/// counts. The port's only deliberate difference: with no predicted chunk its precision is 1
/// (`prec = 1 if pred == 0`; conlleval.pl itself says 0), goldspan's 0; checked as such.
fn compare_conlleval(sweep: &mut Sweep, what: &str, ours: Counts, theirs: &Value) {
    sweep.count(&format!("{what} correct"), ours.cor, int(theirs, "correct"));
    sweep.count(&format!("{what} gold"), ours.possible(), int(theirs, "gold"));
    sweep.count(&format!("{what} pred"), ours.actual(), int(theirs, "pred"));
    let prf = ours.prf();
    if int(theirs, "pred") == 0 {
        sweep.ratio(&format!("{what} precision without predictions (conlleval port)"), 1.0, float(theirs, "precision"));
        sweep.ratio(&format!("{what} precision without predictions (goldspan)"), 0.0, prf.precision);
    } else {
        sweep.ratio(&format!("{what} precision"), prf.precision, float(theirs, "precision"));
    }
    sweep.ratio(&format!("{what} recall"), prf.recall, float(theirs, "recall"));
    sweep.ratio(&format!("{what} f1"), prf.f1, float(theirs, "f1"));
}

#[test]
fn conlleval_matches_goldspan_strict() {
    let fixture = fixture("conlleval", "0.2");
    at_least_200_random(&fixture);
    let mut sweep = Sweep::default();
    for case in cases(&fixture) {
        let what = name(case);
        let (gold, pred, len) = decoded(case, conlleval_chunks);
        let tally = score(&gold, &pred, len);
        compare_conlleval(&mut sweep, &format!("{what} overall"), tally.micro(LAYER, Mode::Strict), &case["overall"]);
        sweep.labels(what, tally_labels(&tally, Mode::Strict), keys(&case["labels"]));
        for label in keys(&case["labels"]) {
            let ours = tally.label(LAYER, Mode::Strict, &label);
            compare_conlleval(&mut sweep, &format!("{what} {label}"), ours, &case["labels"][label.as_str()]);
        }
    }
    sweep.finish("conlleval 0.2", 5_000);
}

/// goldspan's own CoNLL reader (IOB2) decodes every fixture sequence into conlleval's chunks.
#[test]
fn conll_reader_decodes_iob2_like_conlleval() {
    let fixture = fixture("conlleval", "0.2");
    let dir = tempfile::tempdir().expect("temp dir");
    for case in cases(&fixture) {
        for side in ["gold", "pred"] {
            let sentences = sentences(&case[side]);
            let mut file = String::new();
            for sentence in &sentences {
                for tag in sentence {
                    file.push_str(&format!("x {tag}\n"));
                }
                file.push('\n');
            }
            let path = dir.path().join("case.conll");
            std::fs::write(&path, file).expect("write a CoNLL file");
            let options = ReadOptions { scheme: Scheme::Iob2, layer: LAYER.into(), ..ReadOptions::default() };
            let docs = conll::read(&path, &options).expect("the reader accepts the fixture tags").documents;
            assert_eq!(docs.len(), 1, "{}", name(case));
            // Token k of a sentence starting at character b is at character b + 2k ("x x x").
            let mut expected = Vec::new();
            let mut base = 0;
            for sentence in &sentences {
                for (label, start, end) in conlleval_chunks(sentence) {
                    expected.push((label, base + 2 * start, base + 2 * end - 1));
                }
                base += 2 * sentence.len();
            }
            let found: Vec<(String, usize, usize)> =
                docs[0].annotations.spans.iter().map(|s| (s.label().to_owned(), s.start(), s.end())).collect();
            assert_eq!(found, expected, "{} {side}", name(case));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// nervaluate

const NERVALUATE_MODES: [(&str, Mode); 4] =
    [("strict", Mode::Strict), ("exact", Mode::Exact), ("partial", Mode::Partial), ("ent_type", Mode::Type)];

/// The spans of a nervaluate case: list-loader tags decoded as nervaluate decodes them (which is
/// conlleval's rule), or the dict loader's spans.
fn nervaluate_spans(case: &Value) -> (Vec<Span>, Vec<Span>, usize) {
    match case["loader"].as_str() {
        Some("list") => decoded(case, conlleval_chunks),
        Some("dict") => dict_spans(case),
        other => panic!("{}: unknown loader {other:?}", name(case)),
    }
}

/// A prediction overlaps two or more gold spans: the case where `type` mode takes the gold span
/// of the prediction's own label with the closest boundaries, and `strict` the first one.
fn prediction_overlaps_two_gold_spans(gold: &[Span], pred: &[Span]) -> bool {
    pred.iter().any(|p| gold.iter().filter(|g| overlaps(g, p)).count() >= 2)
}

/// Two gold spans overlap each other (nested gold; only the dict loader can express it).
fn nested(gold: &[Span]) -> bool {
    gold.iter().enumerate().any(|(i, a)| gold[i + 1..].iter().any(|b| overlaps(a, b)))
}

fn compare_nervaluate(sweep: &mut Sweep, what: &str, ours: Counts, theirs: &Value) {
    sweep.count(&format!("{what} COR"), ours.cor, int(theirs, "cor"));
    sweep.count(&format!("{what} INC"), ours.inc, int(theirs, "inc"));
    sweep.count(&format!("{what} PAR"), ours.par, int(theirs, "par"));
    sweep.count(&format!("{what} MIS"), ours.mis, int(theirs, "mis"));
    sweep.count(&format!("{what} SPU"), ours.spu, int(theirs, "spu"));
    sweep.prf(what, ours.prf(), theirs);
}

/// The (case, mode) rows where goldspan deliberately pairs unlike nervaluate: predictions that
/// overlap each other, and gold listed out of goldspan's canonical order. nervaluate follows the
/// list order; goldspan pairs exact boundaries first and sorts, so its counts never depend on
/// the order. Each row is shown with both tools' numbers by a named test below; the sweep
/// compares every other row, and checks that each of these does differ.
const DELIBERATE: [(&str, &str); 6] = [
    ("overlapping_partial_prediction_listed_before_exact", "strict"),
    ("overlapping_partial_prediction_listed_before_exact", "exact"),
    ("overlapping_partial_prediction_listed_before_exact", "partial"),
    ("gold_order_outer_listed_first", "strict"),
    ("gold_order_outer_listed_first", "exact"),
    ("gold_order_outer_listed_first", "partial"),
];

#[test]
fn nervaluate_matches_goldspan_semeval_modes() {
    let fixture = fixture("nervaluate", "1.2.1");
    at_least_200_random(&fixture);
    let mut sweep = Sweep::default();
    // The deliberate rows, compared apart: each must differ somewhere, or it is no difference.
    let mut deliberate = Sweep::default();
    let mut differing = BTreeSet::new(); // (case, mode) with a differing number
    let (mut nested_cases, mut wide_predictions) = (0, 0);
    for case in cases(&fixture) {
        let what = name(case);
        if case["predictions_shuffled"] == true {
            // Listed out of text order: compared under --compat nervaluate (below).
            continue;
        }
        if DELIBERATE.iter().any(|&(c, _)| c == what) {
            let overlapping = case["overlapping_predictions"].as_bool().expect("overlapping_predictions");
            let canonical = case["gold_in_canonical_order"].as_bool().expect("gold_in_canonical_order");
            assert!(
                overlapping || !canonical,
                "{what}: a deliberate difference needs overlapping predictions or gold out of order"
            );
        }
        let (gold, pred, len) = nervaluate_spans(case);
        nested_cases += usize::from(nested(&gold));
        wide_predictions += usize::from(prediction_overlaps_two_gold_spans(&gold, &pred));
        let tally = score(&gold, &pred, len);
        for (key, mode) in NERVALUATE_MODES {
            sweep.labels(&format!("{what} {key}"), tally_labels(&tally, mode), keys(&case["labels"]));
            let target = if DELIBERATE.contains(&(what, key)) { &mut deliberate } else { &mut sweep };
            let before = target.failures.len();
            compare_nervaluate(target, &format!("{what} {key}"), tally.micro(LAYER, mode), &case["overall"][key]);
            for label in keys(&case["labels"]) {
                let ours = tally.label(LAYER, mode, &label);
                compare_nervaluate(target, &format!("{what} {label} {key}"), ours, &case["labels"][&label][key]);
            }
            if target.failures.len() > before {
                differing.insert((what, key));
            }
        }
    }
    let listed: BTreeSet<(&str, &str)> = DELIBERATE.into_iter().collect();
    let agreeing: Vec<_> = listed.difference(&differing).collect();
    assert!(agreeing.is_empty(), "listed as deliberate differences, but goldspan agrees with nervaluate: {agreeing:?}");
    eprintln!(
        "nervaluate: {} numbers in {} deliberate rows compared apart, {} differ; {nested_cases} cases with nested \
         gold, {wide_predictions} with a prediction over two gold spans",
        deliberate.compared,
        listed.len(),
        deliberate.failures.len()
    );
    assert!(nested_cases >= 100 && wide_predictions >= 100, "{nested_cases} nested, {wide_predictions} wide");
    sweep.finish("nervaluate 1.2.1", 45_000);
}

/// Under `--compat nervaluate` (list-order pairing, 1% of the gold span) every nervaluate case
/// agrees, the deliberate rows and the cases whose predictions are listed in random order
/// included.
#[test]
fn every_nervaluate_case_agrees_under_compat_nervaluate() {
    let fixture = fixture("nervaluate", "1.2.1");
    let mut sweep = Sweep::default();
    let (mut shuffled, mut out_of_order) = (0, 0);
    for case in cases(&fixture) {
        let what = name(case);
        let (gold, pred, len) = nervaluate_spans(case);
        if case["predictions_shuffled"] == true {
            shuffled += 1;
            out_of_order +=
                usize::from(pred.windows(2).any(|w| goldspan_score::align::canonical(&w[0], &w[1]).is_gt()));
        }
        let tally = score_with(&gold, &pred, len, goldspan_score::Compat::Nervaluate.matching());
        for (key, mode) in NERVALUATE_MODES {
            sweep.labels(&format!("{what} {key}"), tally_labels(&tally, mode), keys(&case["labels"]));
            compare_nervaluate(&mut sweep, &format!("{what} {key}"), tally.micro(LAYER, mode), &case["overall"][key]);
            for label in keys(&case["labels"]) {
                let ours = tally.label(LAYER, mode, &label);
                compare_nervaluate(&mut sweep, &format!("{what} {label} {key}"), ours, &case["labels"][&label][key]);
            }
        }
    }
    assert!(shuffled >= 60 && out_of_order >= 40, "{shuffled} shuffled cases, {out_of_order} out of text order");
    sweep.finish("nervaluate 1.2.1 under --compat nervaluate", 50_000);
}

// ---------------------------------------------------------------------------------------------
// Deliberate differences, and the former differences now agreed, one test each

fn counts(cor: u64, inc: u64, par: u64, mis: u64, spu: u64) -> Counts {
    Counts { cor, inc, par, mis, spu }
}

fn recorded(row: &Value) -> Counts {
    counts(int(row, "cor"), int(row, "inc"), int(row, "par"), int(row, "mis"), int(row, "spu"))
}

fn nervaluate_case(name: &str) -> (Value, Tally) {
    let fixture = fixture("nervaluate", "1.2.1");
    let case = case(&fixture, name).clone();
    let (gold, pred, len) = nervaluate_spans(&case);
    let tally = score(&gold, &pred, len);
    (case, tally)
}

/// nervaluate's overall counts of a case in strict, exact, partial and ent_type mode.
fn recorded_modes(case: &Value) -> [Counts; 4] {
    NERVALUATE_MODES.map(|(key, _)| recorded(&case["overall"][key]))
}

/// goldspan's micro counts in strict, exact, partial and type mode.
fn micro_modes(tally: &Tally) -> [Counts; 4] {
    NERVALUATE_MODES.map(|(_, mode)| tally.micro(LAYER, mode))
}

#[test]
fn conlleval_port_reports_precision_one_without_predictions() {
    // Deliberate difference. Gold has 2 chunks, the prediction none. conlleval 0.2 (the PyPI
    // port): precision 1, recall 0, F1 0. goldspan (like conlleval.pl, seqeval and nervaluate):
    // 0, 0, 0.
    let fixture = fixture("conlleval", "0.2");
    let case = case(&fixture, "empty_predictions");
    let overall = &case["overall"];
    assert_eq!((int(overall, "gold"), int(overall, "pred"), int(overall, "correct")), (2, 0, 0));
    assert_eq!((float(overall, "precision"), float(overall, "recall"), float(overall, "f1")), (1.0, 0.0, 0.0));
    let (gold, pred, len) = decoded(case, conlleval_chunks);
    let ours = score(&gold, &pred, len).micro(LAYER, Mode::Strict).prf();
    assert_eq!((ours.precision, ours.recall, ours.f1), (0.0, 0.0, 0.0));
}

#[test]
fn nervaluate_1_2_credits_a_gold_span_once_like_goldspan() {
    // Agreement. The design notes say nervaluate double-counts a gold span hit by two
    // predictions; that was nervaluate 0.x. 1.2.1 marks a gold span as matched, as goldspan
    // does, so on these cases (with predictions overlapping or touching one gold span) the two
    // agree in every mode. Gold PER 0..2 (0..4 in the second case).
    for (case, expected) in [
        // PER 0..2 predicted twice: COR 1, SPU 1 in all four modes, both tools.
        ("overlapping_duplicate_prediction", [counts(1, 0, 0, 0, 1); 4]),
        // PER 0..1 and PER 1..3 inside gold PER 0..4: the first is INC (strict, exact), PAR
        // (partial), COR (type); the second is SPU. Both tools.
        (
            "overlapping_two_predictions_inside_one_gold",
            [counts(0, 1, 0, 0, 1), counts(0, 1, 0, 0, 1), counts(0, 0, 1, 0, 1), counts(1, 0, 0, 0, 1)],
        ),
    ] {
        let (fixture_case, tally) = nervaluate_case(case);
        assert_eq!(recorded_modes(&fixture_case), expected, "nervaluate {case}");
        assert_eq!(micro_modes(&tally), expected, "goldspan {case}");
    }
}

#[test]
fn nervaluate_lets_an_earlier_partial_prediction_take_the_gold_span_an_exact_one_matches() {
    // Deliberate difference (overlapping predictions). Gold PER 0..2; predictions PER 0..1 then
    // PER 0..2. nervaluate visits predictions in list order and gives the gold span to the first
    // one that overlaps it: strict INC 1, SPU 1 (P 0, R 0), exact INC 1, SPU 1, partial PAR 1,
    // SPU 1 (P 0.25, R 0.5). goldspan pairs exact boundaries first, in any order: COR 1, SPU 1
    // (P 0.5, R 1) in all three. In type mode both give COR 1, SPU 1 (nervaluate's ent_type
    // takes the closest gold span of the label, so PER 0..1 takes it: COR either way).
    let (case, tally) = nervaluate_case("overlapping_partial_prediction_listed_before_exact");
    let [strict, exact, partial, ent_type] = recorded_modes(&case);
    assert_eq!([strict, exact, partial], [counts(0, 1, 0, 0, 1), counts(0, 1, 0, 0, 1), counts(0, 0, 1, 0, 1)]);
    let theirs = &case["overall"]["strict"];
    assert_eq!((float(theirs, "precision"), float(theirs, "recall")), (0.0, 0.0));
    assert_eq!(micro_modes(&tally), [counts(1, 0, 0, 0, 1); 4]);
    let ours = tally.micro(LAYER, Mode::Strict).prf();
    assert_eq!((ours.precision, ours.recall), (0.5, 1.0));
    assert_eq!(ent_type, tally.micro(LAYER, Mode::Type));
}

#[test]
fn nervaluate_depends_on_the_order_of_predictions_goldspan_does_not() {
    // Deliberate difference (overlapping predictions). The same two predictions (PER 0..1,
    // PER 0..2 over gold PER 0..2) in both orders. nervaluate strict: INC 1, SPU 1 in one
    // order, COR 1, SPU 1 in the other. goldspan: COR 1, SPU 1 both times, in every mode.
    let (partial_first, ours_a) = nervaluate_case("overlapping_partial_prediction_listed_before_exact");
    let (exact_first, ours_b) = nervaluate_case("overlapping_exact_prediction_listed_before_partial");
    assert_eq!(recorded(&partial_first["overall"]["strict"]), counts(0, 1, 0, 0, 1));
    assert_eq!(recorded(&exact_first["overall"]["strict"]), counts(1, 0, 0, 0, 1));
    assert_eq!(ours_a, ours_b);
    assert_eq!(ours_a.micro(LAYER, Mode::Strict), counts(1, 0, 0, 0, 1));
    // Listed exact first, nervaluate agrees with goldspan in all four modes (the sweep compares it).
    assert_eq!(recorded_modes(&exact_first), micro_modes(&ours_b));
}

#[test]
fn nervaluate_first_overlapping_gold_span_follows_the_gold_list_order() {
    // Deliberate difference (gold out of canonical order). Nested gold PER 0..5 and PER 0..2;
    // predictions PER 0..1 and PER 3..4. Listed outer first, nervaluate gives the outer span
    // to PER 0..1, leaving PER 3..4 spurious: strict INC 1, MIS 1, SPU 1 (exact the same,
    // partial PAR 1, MIS 1, SPU 1). Listed in goldspan's canonical order (start, end),
    // nervaluate agrees with goldspan: strict INC 2 (partial PAR 2). goldspan sorts, so the
    // list order changes nothing. Type mode agrees either way: COR 2 (closest boundaries).
    let (outer_first, ours_a) = nervaluate_case("gold_order_outer_listed_first");
    let (canonical, ours_b) = nervaluate_case("gold_order_canonical");
    let [strict, exact, partial, ent_type] = recorded_modes(&outer_first);
    assert_eq!([strict, exact, partial], [counts(0, 1, 0, 1, 1), counts(0, 1, 0, 1, 1), counts(0, 0, 1, 1, 1)]);
    assert_eq!(ent_type, counts(2, 0, 0, 0, 0));
    assert_eq!(ours_a, ours_b);
    assert_eq!(micro_modes(&ours_a), recorded_modes(&canonical));
    assert_eq!(
        micro_modes(&ours_a),
        [counts(0, 2, 0, 0, 0), counts(0, 2, 0, 0, 0), counts(0, 0, 2, 0, 0), counts(2, 0, 0, 0, 0)]
    );
}

#[test]
fn type_mode_matches_nervaluate_when_a_prediction_overlaps_two_gold_spans() {
    // Agreement (a difference before goldspan's type mode took the closest gold span of the
    // prediction's own label). Both tools, overall type/ent_type counts:
    for (case, both) in [
        // Gold ORG 0..1, PER 1..2; prediction PER 0..2 takes PER 1..2: COR 1, MIS 1 (P 1, R 0.5).
        ("one_prediction_over_two_gold_spans", counts(1, 0, 0, 1, 0)),
        // Gold PER 0..2, PER 2..5; predictions PER 1..4, PER 4..5. PER 1..4 takes the closer
        // PER 2..5 (distance 2, against 3), so PER 4..5 is spurious: COR 1, MIS 1, SPU 1.
        ("one_prediction_over_two_gold_spans_same_label", counts(1, 0, 0, 1, 1)),
        // Gold PER 0..2, PER 3..5; predictions PER 1..4, PER 4..5. PER 1..4 is 3 from both; the
        // first in text order wins, leaving PER 3..5 to PER 4..5: COR 2.
        ("one_prediction_equally_close_to_two_gold_spans", counts(2, 0, 0, 0, 0)),
        // Nested gold ORG 0..2, PER 0..3; prediction PER 0..2 takes PER 0..3 (its label) over
        // ORG 0..2 (its boundaries): COR 1, MIS 1. Exact mode takes ORG 0..2: COR 1, MIS 1;
        // strict the first overlapping span, ORG 0..2: INC 1, MIS 1.
        ("nested_gold_own_label_over_same_boundaries", counts(1, 0, 0, 1, 0)),
    ] {
        let (fixture_case, tally) = nervaluate_case(case);
        assert_eq!(recorded(&fixture_case["overall"]["ent_type"]), both, "nervaluate {case}");
        assert_eq!(tally.micro(LAYER, Mode::Type), both, "goldspan {case}");
        assert_eq!(micro_modes(&tally), recorded_modes(&fixture_case), "{case}, all four modes");
    }
    let (case, tally) = nervaluate_case("nested_gold_own_label_over_same_boundaries");
    assert_eq!(recorded(&case["overall"]["strict"]), counts(0, 1, 0, 1, 0));
    assert_eq!(tally.micro(LAYER, Mode::Exact), counts(1, 0, 0, 1, 0));
}

#[test]
fn strict_mode_matches_nervaluate_on_nested_gold_with_an_other_label_boundary_match() {
    // Agreement (a difference before goldspan's strict mode put same boundaries first only with
    // the same label). Gold ORG 0..6 with LOC 3..5 inside; predictions PER 3..5, ORG 5..6. Both
    // tools' strict mode give PER 3..5 the first overlapping gold span, ORG 0..6, so ORG 5..6
    // finds nothing: INC 1, MIS 1, SPU 1 (type the same). Exact mode prefers the same
    // boundaries of any label: PER 3..5 takes LOC 3..5 (COR), ORG 5..6 takes ORG 0..6 (INC):
    // COR 1, INC 1; partial COR 1, PAR 1. Both tools.
    let (case, tally) = nervaluate_case("nested_gold_same_boundaries_other_label");
    assert_eq!(recorded(&case["overall"]["strict"]), counts(0, 1, 0, 1, 1));
    assert_eq!(tally.micro(LAYER, Mode::Strict), counts(0, 1, 0, 1, 1));
    assert_eq!(tally.micro(LAYER, Mode::Exact), counts(1, 1, 0, 0, 0));
    assert_eq!(micro_modes(&tally), recorded_modes(&case));
    // Gold LOC 0..3 and ORG 0..3 (same boundaries), PER 4..6; predictions ORG 0..3, LOC 4..6.
    // Strict: ORG 0..3 is COR, LOC 4..6 INC with PER 4..6, LOC 0..3 missed: COR 1, INC 1,
    // MIS 1. Exact: COR 2, MIS 1. Both tools.
    let (case, tally) = nervaluate_case("gold_same_boundaries_two_labels");
    assert_eq!(tally.micro(LAYER, Mode::Strict), counts(1, 1, 0, 1, 0));
    assert_eq!(tally.micro(LAYER, Mode::Exact), counts(2, 0, 0, 1, 0));
    assert_eq!(micro_modes(&tally), recorded_modes(&case));
}

#[test]
fn per_label_counts_score_each_label_alone_like_the_tools() {
    // Agreement (a difference before: goldspan's per-label tally charged a label error to the
    // gold label). Gold PER 0..1, PER 2..3; predictions PER 0..1, ORG 2..3 (tags B-PER O B-PER /
    // B-PER O B-ORG). All tools score a label from its own spans: PER P 1, R 0.5, ORG P 0 with
    // one prediction and no gold. nervaluate strict PER COR 1, MIS 1 and ORG SPU 1; goldspan's
    // `Tally::label` the same. The micro counts pair the two across labels: strict COR 1, INC 1
    // (P 0.5, R 0.5) in both tools, so micro is not the sum of the per-label rows.
    let seqeval = fixture("seqeval", "1.2.2");
    let case = case(&seqeval, "label_error_next_to_a_correct_span");
    let per = &case["default"]["labels"]["PER"];
    assert_eq!((float(per, "precision"), float(per, "recall")), (1.0, 0.5));
    let org = &case["default"]["labels"]["ORG"];
    assert_eq!((float(org, "precision"), int(org, "support")), (0.0, 0));
    let conlleval = fixture("conlleval", "0.2");
    let org = &crate::case(&conlleval, "label_error_next_to_a_correct_span")["labels"]["ORG"];
    assert_eq!((int(org, "correct"), int(org, "gold"), int(org, "pred")), (0, 0, 1));
    let (nervaluate, tally) = nervaluate_case("label_error_next_to_a_correct_span");
    assert_eq!(recorded(&nervaluate["labels"]["PER"]["strict"]), counts(1, 0, 0, 1, 0));
    assert_eq!(recorded(&nervaluate["labels"]["ORG"]["strict"]), counts(0, 0, 0, 0, 1));
    assert_eq!(recorded(&nervaluate["overall"]["strict"]), counts(1, 1, 0, 0, 0));

    let per = tally.label(LAYER, Mode::Strict, "PER");
    assert_eq!(per, counts(1, 0, 0, 1, 0));
    assert_eq!((per.prf().precision, per.prf().recall), (1.0, 0.5));
    assert_eq!(tally.label(LAYER, Mode::Strict, "ORG"), counts(0, 0, 0, 0, 1));
    assert_eq!(tally.micro(LAYER, Mode::Strict), counts(1, 1, 0, 0, 0));
}

#[test]
fn fixture_cases_cover_the_hand_picked_situations() {
    let fixture = fixture("nervaluate", "1.2.1");
    for name in [
        "empty_gold",
        "empty_predictions",
        "both_empty",
        "i_without_b_in_gold",
        "i_without_b_in_pred",
        "adjacent_spans_same_type",
        "label_only_errors",
        "boundary_only_errors",
        "nested_gold_outer_found",
        "nested_gold_inner_found",
        "one_prediction_over_two_gold_spans",
        "one_prediction_equally_close_to_two_gold_spans",
        "nested_gold_own_label_over_same_boundaries",
        "gold_same_boundaries_two_labels",
    ] {
        case(&fixture, name);
    }
    for (tool, version) in [("seqeval", "1.2.2"), ("conlleval", "0.2")] {
        let f = crate::fixture(tool, version);
        for name in ["empty_gold", "i_without_b_in_gold", "adjacent_spans_same_type", "boundary_only_errors"] {
            case(&f, name);
        }
    }
}
