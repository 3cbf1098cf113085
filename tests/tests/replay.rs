//! The reference tools' own test suites, replayed through goldspan: every call that
//! nervaluate 1.2.1's and seqeval 1.2.2's test suites and spaCy 3.8's `test_scorer.py` made to
//! the tool's scoring API was recorded with the tool's output (`tools/parity/replay_tool_tests.py`,
//! fixtures in `tests/fixtures/parity/replay/`), and each is reproduced here under the matching
//! `--compat` preset: counts exactly, ratios to 1e-9, chunks exactly. A call the tool refused
//! (it raised) must be refused by goldspan too where goldspan has the same input.
//!
//! The test fails listing every mismatch and every case goldspan cannot express; there are none.
//!
//! Fixture facts relied on (from the tools' sources): nervaluate's entity `end` is inclusive
//! (`Entity(label, start, end)`, `_calculate_overlap_percentage` adds 1), so a span is
//! `start..end + 1` here; seqeval's `get_entities` returns inclusive ends and joins sentences
//! with one `O`; seqeval's `Entity.to_tuple()` is `(sent_id, tag, start, end)` with `end`
//! exclusive; spaCy's spans are token offsets, end exclusive. Each document here has one
//! character per token, so offsets are token indices.

use std::collections::{BTreeMap, BTreeSet};

use goldspan_formats::conll::{decode_tags, Decode, Scheme, Tagging};
use goldspan_model::{AnnotatedDocument, Annotations, Document, Meta, Span};
use goldspan_score::align::{overlap_percent, MinOverlap};
use goldspan_score::tags::TagCounts;
use goldspan_score::{
    average, score_document, Average, Compat, Counts, Mode, Options, Ratios, Tally, ZeroDivision, SEMEVAL,
};
use serde_json::Value;

const LAYER: &str = "entities";
const TOLERANCE: f64 = 1e-9;

/// A (label, start, end) span, end exclusive.
type Triple = (String, usize, usize);

// ---------------------------------------------------------------------------------------------
// The run: every case of every tool

#[derive(Default)]
struct Run {
    numbers: usize,
    cases: usize,
    refused: usize,
    mismatches: Vec<String>,
    not_expressible: Vec<String>,
}

impl Run {
    fn number(&mut self, case: &str, what: &str, goldspan: f64, tool: &Value) {
        self.numbers += 1;
        let same = match tool {
            Value::Null => goldspan.is_nan(),
            Value::String(s) if s == "NaN" => goldspan.is_nan(),
            Value::String(s) if s == "inf" => goldspan == f64::INFINITY,
            Value::Bool(b) => (goldspan != 0.0) == *b,
            _ => tool.as_f64().is_some_and(|t| (t - goldspan).abs() <= TOLERANCE),
        };
        if !same {
            self.mismatches.push(format!("{case} {what}: goldspan {goldspan}, tool {tool}"));
        }
    }

    fn same<T: PartialEq + std::fmt::Debug>(&mut self, case: &str, what: &str, goldspan: T, tool: T) {
        self.numbers += 1;
        if goldspan != tool {
            self.mismatches.push(format!("{case} {what}: goldspan {goldspan:?}, tool {tool:?}"));
        }
    }
}

fn records(tool: &str, version: &str) -> Vec<Value> {
    let path = goldspan_tests::repo().join(format!("tests/fixtures/parity/replay/{tool}.jsonl"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    let mut lines = text.lines().map(|l| serde_json::from_str::<Value>(l).expect("a JSON line"));
    let header = lines.next().expect("a header line");
    assert_eq!(header["version"], version, "{tool} was recorded with another version");
    lines.collect()
}

#[test]
fn every_case_of_the_tools_own_test_suites_is_reproduced() {
    let mut run = Run::default();
    let mut per_tool = Vec::new();
    for (tool, version, replay) in [
        ("nervaluate", "1.2.1", nervaluate as fn(&mut Run, &str, &Value) -> Result<(), String>),
        ("seqeval", "1.2.2", seqeval),
        ("spacy", "3.8.18", spacy),
    ] {
        let before = run.numbers;
        let cases = records(tool, version);
        for record in &cases {
            let case = record["case"].as_str().expect("a case id").to_owned();
            run.cases += 1;
            if let Err(why) = replay(&mut run, &case, record) {
                run.not_expressible.push(format!("{case} ({}): {why}", record["test"]));
            }
        }
        per_tool.push(format!("{tool} {}: {} cases, {} numbers", version, cases.len(), run.numbers - before));
    }
    eprintln!("{}; {} refused by the tool and by goldspan", per_tool.join("; "), run.refused);
    assert!(
        run.mismatches.is_empty() && run.not_expressible.is_empty(),
        "{} of {} numbers differ:\n{}\n{} cases not expressible:\n{}",
        run.mismatches.len(),
        run.numbers,
        run.mismatches.join("\n"),
        run.not_expressible.len(),
        run.not_expressible.join("\n")
    );
}

// ---------------------------------------------------------------------------------------------
// Building and scoring documents

fn span(i: usize, label: &str, start: usize, end: usize) -> Result<Span, String> {
    Span::contiguous(format!("s{i}"), LAYER, label, start, end).ok_or_else(|| format!("empty span {start}..{end}"))
}

fn spans(triples: &[Triple]) -> Result<Vec<Span>, String> {
    triples.iter().enumerate().map(|(i, (l, s, e))| span(i, l, *s, *e)).collect()
}

fn score(gold: &[Triple], pred: &[Triple], modes: &[Mode], compat: Compat) -> Result<Tally, String> {
    let len = gold.iter().chain(pred).map(|t| t.2).max().unwrap_or(0);
    score_text(&"x".repeat(len), gold, pred, modes, compat)
}

fn score_text(text: &str, gold: &[Triple], pred: &[Triple], modes: &[Mode], compat: Compat) -> Result<Tally, String> {
    let document = Document::new("case", text, Meta::new());
    let gold =
        AnnotatedDocument { document, annotations: Annotations { spans: spans(gold)?, ..Annotations::default() } };
    let pred = Annotations { spans: spans(pred)?, ..Annotations::default() };
    let options = Options {
        layers: Some(BTreeSet::from([LAYER.to_owned()])),
        matching: compat.matching(),
        ..Options::new(modes.to_vec())
    };
    Ok(score_document(&gold, &pred, &options))
}

fn text(v: &Value) -> Result<&str, String> {
    v.as_str().ok_or_else(|| format!("expected a string, found {v}"))
}

fn int(v: &Value) -> Result<usize, String> {
    v.as_u64().map(|n| n as usize).ok_or_else(|| format!("expected an integer, found {v}"))
}

fn list(v: &Value) -> Result<&Vec<Value>, String> {
    v.as_array().ok_or_else(|| format!("expected a list, found {v}"))
}

// ---------------------------------------------------------------------------------------------
// nervaluate 1.2.1 under `--compat nervaluate`

/// nervaluate entities `[label, start, end]` (end inclusive) as spans.
fn entities(v: &Value) -> Result<Vec<Triple>, String> {
    list(v)?.iter().map(|e| Ok((text(&e[0])?.to_owned(), int(&e[1])?, int(&e[2])? + 1))).collect()
}

fn strategy_mode(name: &str) -> Result<Mode, String> {
    Ok(match name {
        "strict" | "StrictEvaluation" => Mode::Strict,
        "exact" | "ExactEvaluation" => Mode::Exact,
        "partial" | "PartialEvaluation" => Mode::Partial,
        "ent_type" | "EntityTypeEvaluation" => Mode::Type,
        other => return Err(format!("unknown strategy {other}")),
    })
}

/// Compares nervaluate's `EvaluationResult` (as recorded) with goldspan's counts.
fn compare_result(run: &mut Run, case: &str, what: &str, c: Counts, ratios: Ratios, tool: &Value) {
    let prf = c.prf_with(ratios);
    for (name, value) in
        [("correct", c.cor), ("incorrect", c.inc), ("partial", c.par), ("missed", c.mis), ("spurious", c.spu)]
    {
        run.same(case, &format!("{what} {name}"), value, tool[name].as_u64().unwrap_or(u64::MAX));
    }
    run.number(case, &format!("{what} precision"), prf.precision, &tool["precision"]);
    run.number(case, &format!("{what} recall"), prf.recall, &tool["recall"]);
    run.number(case, &format!("{what} f1"), prf.f1, &tool["f1"]);
}

/// The nervaluate preset with another overlap threshold (`--min-overlap`).
fn nervaluate_with(min_percent: &Value) -> Result<goldspan_score::align::Matching, String> {
    let percent = min_percent.as_f64().ok_or("no min_overlap_percentage")?;
    let min_overlap = MinOverlap::from_percent(percent).ok_or("threshold out of range")?;
    Ok(goldspan_score::align::Matching { min_overlap, ..Compat::Nervaluate.matching() })
}

fn score_nervaluate(gold: &[Triple], pred: &[Triple], modes: &[Mode], min_percent: &Value) -> Result<Tally, String> {
    let len = gold.iter().chain(pred).map(|t| t.2).max().unwrap_or(0);
    let document = Document::new("case", "x".repeat(len), Meta::new());
    let gold =
        AnnotatedDocument { document, annotations: Annotations { spans: spans(gold)?, ..Annotations::default() } };
    let pred = Annotations { spans: spans(pred)?, ..Annotations::default() };
    let options = Options {
        layers: Some(BTreeSet::from([LAYER.to_owned()])),
        matching: nervaluate_with(min_percent)?,
        ..Options::new(modes.to_vec())
    };
    Ok(score_document(&gold, &pred, &options))
}

fn nervaluate(run: &mut Run, case: &str, r: &Value) -> Result<(), String> {
    let inputs = &r["inputs"];
    if r.get("raised").is_some() {
        return Err(format!("the tool raised {}", r["raised"]));
    }
    let result = &r["result"];
    let compat = Compat::Nervaluate;
    match text(&r["call"])? {
        "Evaluator.evaluate" => {
            // Documents scored one by one and added up; labels outside `tags` dropped (what
            // `--label-map LABEL=` does).
            let tags: BTreeSet<&str> = list(&inputs["tags"])?.iter().map(text).collect::<Result<_, _>>()?;
            let (true_docs, pred_docs) = (list(&inputs["true"])?, list(&inputs["pred"])?);
            let mut tally = Tally::default();
            for (t, p) in true_docs.iter().zip(pred_docs) {
                let keep = |v: Vec<Triple>| v.into_iter().filter(|e| tags.contains(e.0.as_str())).collect::<Vec<_>>();
                let doc = score_nervaluate(
                    &keep(entities(t)?),
                    &keep(entities(p)?),
                    &SEMEVAL,
                    &inputs["min_overlap_percentage"],
                )?;
                tally += &doc;
            }
            for (strategy, tool) in result["overall"].as_object().ok_or("no overall")? {
                let mode = strategy_mode(strategy)?;
                compare_result(
                    run,
                    case,
                    &format!("overall {strategy}"),
                    tally.micro(LAYER, mode),
                    compat.ratios(mode),
                    tool,
                );
            }
            let tool_labels: BTreeSet<&str> =
                result["entities"].as_object().ok_or("no entities")?.keys().map(String::as_str).collect();
            let ours: BTreeSet<&str> = tally.labels(LAYER, Mode::Strict).map(|(l, _)| l).collect();
            run.same(case, "labels", ours, tool_labels);
            for (label, strategies) in result["entities"].as_object().ok_or("no entities")? {
                for (strategy, tool) in strategies.as_object().ok_or("no strategies")? {
                    let mode = strategy_mode(strategy)?;
                    let c = tally.label(LAYER, mode, label);
                    compare_result(run, case, &format!("{label} {strategy}"), c, compat.ratios(mode), tool);
                }
            }
        }
        "strategy.evaluate" => {
            let mode = strategy_mode(text(&inputs["strategy"])?)?;
            let tally = score_nervaluate(
                &entities(&inputs["true"])?,
                &entities(&inputs["pred"])?,
                &[mode],
                &inputs["min_overlap_percentage"],
            )?;
            compare_result(run, case, "", tally.micro(LAYER, mode), compat.ratios(mode), result);
        }
        "overlap_percentage" | "has_sufficient_overlap" => {
            // A test gives a prediction starting at -5: goldspan's offsets start at 0, and the
            // overlap share does not change when both spans move, so both move right.
            let lowest = [&inputs["true"][1], &inputs["pred"][1]].iter().filter_map(|v| v.as_i64()).min().unwrap_or(0);
            let shift = (-lowest).max(0);
            let one = |v: &Value| -> Result<Span, String> {
                let at = |i: usize| v[i].as_i64().map(|n| n + shift).ok_or("an offset");
                let moved = serde_json::json!([v[0], at(1)?, at(2)?]);
                let e = entities(&Value::Array(vec![moved]))?;
                span(0, &e[0].0, e[0].1, e[0].2)
            };
            let (gold, pred) = (one(&inputs["true"])?, one(&inputs["pred"])?);
            if r["call"] == "overlap_percentage" {
                run.number(case, "overlap %", overlap_percent(&gold, &pred), result);
            } else {
                let min = nervaluate_with(&inputs["min_overlap_percentage"])?.min_overlap;
                run.same(case, "sufficient", min.sufficient(&gold, &pred), result.as_bool().ok_or("no bool")?);
            }
        }
        "compute_metrics" => {
            let n = |k: &str| inputs[k].as_u64().ok_or(format!("no {k}"));
            let c = Counts {
                cor: n("correct")?,
                inc: n("incorrect")?,
                par: n("partial")?,
                mis: n("missed")?,
                spu: n("spurious")?,
            };
            // partial_or_type=True is the partial and type formula, False the strict and exact one.
            let mode = if inputs["partial_or_type"] == true { Mode::Partial } else { Mode::Strict };
            let prf = c.prf_with(compat.ratios(mode));
            run.number(case, "precision", prf.precision, &result["precision"]);
            run.number(case, "recall", prf.recall, &result["recall"]);
            run.number(case, "f1", prf.f1, &result["f1"]);
        }
        other => return Err(format!("no replay for call {other}")),
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// seqeval 1.2.2 under `--compat seqeval` (and its options: --decode, --scheme, --beta, ...)

fn scheme_of(name: &str) -> Result<Scheme, String> {
    Scheme::parse(name).ok_or_else(|| format!("no scheme {name}"))
}

/// The scheme seqeval's `auto_detect` picks, which a goldspan user names with `--scheme`.
fn detected_scheme(sequences: &[Vec<String>], suffix: bool) -> Result<Scheme, String> {
    let mut letters = BTreeSet::new();
    for tag in sequences.iter().flatten() {
        let letter = if suffix { tag.chars().last() } else { tag.chars().next() };
        letters.insert(letter.ok_or("an empty tag")?);
    }
    letters.remove(&'O');
    let has = |set: &str| letters.iter().all(|l| set.contains(*l));
    Ok(match () {
        _ if has("BI") && letters.contains(&'B') => Scheme::Iob2,
        _ if has("IE") && letters.contains(&'E') => Scheme::Ioe2,
        _ if has("BIES") => Scheme::Bioes,
        _ if has("BILU") => Scheme::Bilou,
        _ => return Err(format!("seqeval's auto_detect refuses prefixes {letters:?}")),
    })
}

fn sentences(v: &Value) -> Result<Vec<Vec<String>>, String> {
    list(v)?.iter().map(|s| list(s)?.iter().map(|t| text(t).map(str::to_owned)).collect()).collect()
}

/// The chunks of sentences laid end to end (one token a character), as `tagging` decodes each.
fn chunks(sentences: &[Vec<String>], tagging: Tagging) -> Result<(Vec<Triple>, usize), String> {
    let mut out = Vec::new();
    let mut base = 0;
    for sentence in sentences {
        let tags: Vec<&str> = sentence.iter().map(String::as_str).collect();
        for (label, start, end) in decode_tags(&tags, tagging).map_err(|(_, message)| message)? {
            out.push((label, base + start, base + end));
        }
        base += sentence.len();
    }
    Ok((out, base))
}

/// The tagging a seqeval call asks for: its default (lenient, every prefix of B, I, E, S) or
/// `mode="strict"` (strict, its scheme).
fn seqeval_tagging(inputs: &Value, y_true: &[Vec<String>], strict_always: bool) -> Result<Tagging, String> {
    let suffix = inputs["suffix"] == true;
    if inputs["mode"] == "strict" || strict_always {
        let scheme = match &inputs["scheme"] {
            Value::String(name) => scheme_of(name)?,
            _ => detected_scheme(y_true, suffix)?,
        };
        Ok(Tagging { scheme, decode: Decode::Strict, suffix })
    } else {
        Ok(Tagging { scheme: Scheme::Bioes, decode: Decode::Lenient, suffix })
    }
}

fn zero_division(v: &Value) -> Result<ZeroDivision, String> {
    match v {
        Value::String(s) if s == "warn" => Ok(ZeroDivision::Zero),
        Value::Number(n) if n.as_f64() == Some(0.0) => Ok(ZeroDivision::Zero),
        Value::Number(n) if n.as_f64() == Some(1.0) => Ok(ZeroDivision::One),
        other => Err(format!("zero_division {other}")),
    }
}

/// Per-label strict counts (labels sorted) of a seqeval call's inputs.
fn seqeval_labels(inputs: &Value, strict_always: bool) -> Result<Vec<(String, Counts)>, String> {
    if !inputs["sample_weight"].is_null() {
        return Err("sample_weight".into());
    }
    let (y_true, y_pred) = (sentences(&inputs["y_true"])?, sentences(&inputs["y_pred"])?);
    let tagging = seqeval_tagging(inputs, &y_true, strict_always)?;
    let (gold, n) = chunks(&y_true, tagging)?;
    let (pred, m) = chunks(&y_pred, tagging)?;
    if n != m {
        return Err("gold and predictions differ in length (the tool refuses)".into());
    }
    let tally = score(&gold, &pred, &[Mode::Strict], Compat::Seqeval)?;
    Ok(tally.labels(LAYER, Mode::Strict).map(|(l, c)| (l.to_owned(), *c)).collect())
}

fn seqeval_average(name: &Value) -> Result<Option<Average>, String> {
    Ok(match name {
        Value::Null => None,
        Value::String(s) if s == "micro" => Some(Average::Micro),
        Value::String(s) if s == "macro" => Some(Average::Macro),
        Value::String(s) if s == "weighted" => Some(Average::Weighted),
        other => return Err(format!("average {other} (the tool refuses it)")),
    })
}

fn beta(v: &Value) -> Result<f64, String> {
    match v {
        Value::Null => Ok(1.0),
        Value::String(s) if s == "inf" => Ok(f64::INFINITY),
        _ => v.as_f64().filter(|b| *b >= 0.0).ok_or_else(|| format!("beta {v} (the tool refuses it)")),
    }
}

fn seqeval(run: &mut Run, case: &str, r: &Value) -> Result<(), String> {
    let inputs = &r["inputs"];
    let call = text(&r["call"])?;
    let result = &r["result"];
    if let Some(raised) = r.get("raised") {
        // The tool refused: goldspan must refuse the same input.
        let refused = match call {
            "Tokens.entities" => {
                let tags: Vec<&str> = list(&inputs["tokens"])?.iter().map(text).collect::<Result<_, _>>()?;
                let tagging = Tagging {
                    scheme: scheme_of(text(&inputs["scheme"])?)?,
                    decode: Decode::Strict,
                    suffix: inputs["suffix"] == true,
                };
                decode_tags(&tags, tagging).is_err()
            }
            "f1_score" => seqeval_labels(inputs, false).is_err(),
            "v1.precision_recall_fscore_support" => {
                seqeval_average(&inputs["average"]).is_err()
                    || beta(&inputs["beta"]).is_err()
                    || seqeval_labels(inputs, true).is_err()
            }
            _ => false,
        };
        if !refused {
            return Err(format!("the tool raised {raised}, goldspan did not refuse"));
        }
        run.refused += 1;
        return Ok(());
    }
    match call {
        "Tokens.entities" | "Entities" => {
            let tagging = Tagging {
                scheme: scheme_of(text(&inputs["scheme"])?)?,
                decode: Decode::Strict,
                suffix: inputs["suffix"] == true,
            };
            let sequences = if call == "Entities" {
                sentences(&inputs["sequences"])?
            } else {
                sentences(&Value::Array(vec![inputs["tokens"].clone()]))?
            };
            let expected: Vec<Vec<Value>> = if call == "Entities" {
                list(result)?.iter().map(|s| list(s).cloned()).collect::<Result<_, _>>()?
            } else {
                vec![list(result)?.clone()]
            };
            for (k, (sentence, tool)) in sequences.iter().zip(&expected).enumerate() {
                let tags: Vec<&str> = sentence.iter().map(String::as_str).collect();
                let ours: Vec<Triple> = decode_tags(&tags, tagging).map_err(|(_, message)| message)?;
                let theirs: Vec<Triple> = tool
                    .iter()
                    .map(|e| Ok((text(&e[1])?.to_owned(), int(&e[2])?, int(&e[3])?)))
                    .collect::<Result<_, String>>()?;
                run.same(case, &format!("sentence {k} chunks"), ours, theirs);
            }
        }
        "get_entities" => {
            let seq = &inputs["seq"];
            // A list of sentences is joined with one `O` after each.
            let sentences = match list(seq)?.first() {
                Some(Value::Array(_)) => sentences(seq)?
                    .into_iter()
                    .map(|mut s| {
                        s.push("O".into());
                        s
                    })
                    .collect(),
                _ => vec![list(seq)?.iter().map(|t| text(t).map(str::to_owned)).collect::<Result<Vec<_>, _>>()?],
            };
            let tagging = Tagging { scheme: Scheme::Bioes, decode: Decode::Lenient, suffix: inputs["suffix"] == true };
            let ours = match chunks(&sentences, tagging) {
                Ok((ours, _)) => ours,
                // seqeval warns that `MISC` "seems not to be NE tag" and decodes it anyway
                // (as type `ISC`); goldspan refuses such a tag with a message naming it.
                Err(_) if list(&r["warnings"])?.iter().any(|w| w == "UserWarning") => {
                    run.refused += 1;
                    return Ok(());
                }
                Err(e) => return Err(e),
            };
            let theirs: Vec<Triple> = list(result)?
                .iter()
                .map(|e| Ok((text(&e[0])?.to_owned(), int(&e[1])?, int(&e[2])? + 1)))
                .collect::<Result<_, String>>()?;
            let mut ours = ours;
            ours.sort_by_key(|t| (t.1, t.2));
            let mut theirs = theirs;
            theirs.sort_by_key(|t| (t.1, t.2));
            run.same(case, "chunks", ours, theirs);
        }
        "accuracy_score" | "performance_measure" => {
            let (y_true, y_pred) = (flat(&inputs["y_true"])?, flat(&inputs["y_pred"])?);
            let c = TagCounts::of(y_true.iter().map(String::as_str), y_pred.iter().map(String::as_str));
            if call == "accuracy_score" {
                run.number(case, "accuracy", c.accuracy(), result);
            } else {
                for (name, value) in [("TP", c.tp), ("FP", c.fp), ("FN", c.fn_), ("TN", c.tn)] {
                    run.same(case, name, value, result[name].as_u64().unwrap_or(u64::MAX));
                }
            }
        }
        "f1_score" | "precision_score" | "recall_score" | "v1.precision_recall_fscore_support" => {
            let strict_always = call.starts_with("v1.");
            let labels = seqeval_labels(inputs, strict_always)?;
            let ratios = Ratios {
                beta: beta(&inputs["beta"])?,
                zero_division: zero_division(&inputs["zero_division"])?,
                partial_credit: 0.5,
            };
            let pick = |p: &goldspan_score::Prf| match call {
                "precision_score" => p.precision,
                "recall_score" => p.recall,
                _ => p.f1,
            };
            let counts: Vec<Counts> = labels.iter().map(|(_, c)| *c).collect();
            match seqeval_average(&inputs["average"])? {
                Some(how) => {
                    let (prf, support) = average(&counts, how, ratios);
                    if strict_always {
                        run.number(case, "precision", prf.precision, &result[0]);
                        run.number(case, "recall", prf.recall, &result[1]);
                        run.number(case, "f", prf.f1, &result[2]);
                        run.same(case, "support", support, result[3].as_u64().unwrap_or(u64::MAX));
                    } else {
                        run.number(case, call, pick(&prf), result);
                    }
                }
                None => {
                    for (k, (label, c)) in labels.iter().enumerate() {
                        let prf = c.prf_with(ratios);
                        if strict_always {
                            run.number(case, &format!("{label} precision"), prf.precision, &result[0][k]);
                            run.number(case, &format!("{label} recall"), prf.recall, &result[1][k]);
                            run.number(case, &format!("{label} f"), prf.f1, &result[2][k]);
                            run.same(
                                case,
                                &format!("{label} support"),
                                c.possible(),
                                result[3][k].as_u64().unwrap_or(u64::MAX),
                            );
                        } else {
                            run.number(case, label, pick(&prf), &result[k]);
                        }
                    }
                    let width = if strict_always { list(&result[0])?.len() } else { list(result)?.len() };
                    run.same(case, "labels", labels.len(), width);
                }
            }
        }
        "classification_report" | "v1.classification_report" => {
            let labels = seqeval_labels(inputs, call.starts_with("v1."))?;
            let ratios = Ratios { zero_division: zero_division(&inputs["zero_division"])?, ..Ratios::default() };
            let counts: Vec<Counts> = labels.iter().map(|(_, c)| *c).collect();
            let mut rows: BTreeMap<String, (goldspan_score::Prf, u64)> =
                labels.iter().map(|(l, c)| (l.clone(), (c.prf_with(ratios), c.possible()))).collect();
            for (name, how) in
                [("micro avg", Average::Micro), ("macro avg", Average::Macro), ("weighted avg", Average::Weighted)]
            {
                rows.insert(name.to_owned(), average(&counts, how, ratios));
            }
            let tool = result.as_object().ok_or("no report")?;
            run.same(case, "rows", rows.keys().cloned().collect::<BTreeSet<_>>(), tool.keys().cloned().collect());
            for (name, (prf, support)) in &rows {
                let row = &tool[name];
                run.number(case, &format!("{name} precision"), prf.precision, &row["precision"]);
                run.number(case, &format!("{name} recall"), prf.recall, &row["recall"]);
                run.number(case, &format!("{name} f1-score"), prf.f1, &row["f1-score"]);
                run.same(case, &format!("{name} support"), *support, row["support"].as_u64().unwrap_or(u64::MAX));
            }
        }
        other => return Err(format!("no replay for call {other}")),
    }
    Ok(())
}

fn flat(v: &Value) -> Result<Vec<String>, String> {
    match list(v)?.first() {
        Some(Value::Array(_)) => Ok(sentences(v)?.into_iter().flatten().collect()),
        _ => list(v)?.iter().map(|t| text(t).map(str::to_owned)).collect(),
    }
}

// ---------------------------------------------------------------------------------------------
// spaCy 3.8 under `--compat spacy`

/// spaCy spans `[label, start, end, start_char, end_char]` as character spans.
fn char_spans(v: &Value) -> Result<Vec<Triple>, String> {
    list(v)?.iter().map(|s| Ok((text(&s[0])?.to_owned(), int(&s[3])?, int(&s[4])?))).collect()
}

/// Character offsets of a string counted in code points, as goldspan counts them (spaCy's
/// `start_char` counts Python characters, which are code points).
fn doc_text(v: &Value) -> Result<String, String> {
    text(v).map(str::to_owned)
}

fn spacy(run: &mut Run, case: &str, r: &Value) -> Result<(), String> {
    if r.get("raised").is_some() {
        return Err(format!("the tool raised {}", r["raised"]));
    }
    let inputs = &r["inputs"];
    let result = &r["result"];
    let call = text(&r["call"])?;
    let (attr, labeled) = match call {
        "Scorer.score_spans" => (text(&inputs["attr"])?.to_owned(), inputs["labeled"] != false),
        "get_ner_prf" => ("ents".to_owned(), true),
        other => return Err(format!("no replay for call {other}")),
    };
    let mode = if labeled { Mode::Strict } else { Mode::Exact };
    let mut tally = Tally::default();
    let mut labels_seen = BTreeSet::new();
    for example in list(&inputs["examples"])? {
        // An example without gold for the attribute is skipped by the tool: a document that
        // is not in the gold.
        let gold = match &example["gold"] {
            Value::Null => continue,
            v => char_spans(v)?,
        };
        if call == "get_ner_prf" && example["gold_has_ents"] == false {
            continue;
        }
        let pred = match &example["pred"] {
            Value::Null => Vec::new(),
            v => char_spans(v)?,
        };
        // Tokenisations may differ (spaCy aligns them); the texts may not.
        if example["text"] != example["pred_text"] {
            return Err("the predicted text differs from the gold's".into());
        }
        if call == "get_ner_prf" && !list(&example["gold_missing"])?.is_empty() && !pred.is_empty() {
            return Err("predictions over tokens without gold annotation".into());
        }
        // spaCy scores sets: a span listed twice in gold counts once.
        let mut unique = Vec::new();
        for g in gold {
            if !unique.contains(&g) {
                unique.push(g);
            }
        }
        labels_seen.extend(unique.iter().chain(&pred).map(|t| t.0.clone()));
        let compat = if call == "get_ner_prf" { Compat::Conlleval } else { Compat::Spacy };
        let compat = if inputs["allow_overlap"] == true { Compat::Conlleval } else { compat };
        tally += &score_text(&doc_text(&example["text"])?, &unique, &pred, &[mode], compat)?;
    }
    let micro = tally.micro(LAYER, mode);
    let p = |suffix: &str| &result[format!("{attr}_{suffix}")];
    if micro.possible() + micro.actual() == 0 {
        // Nothing to score: the tool reports None.
        for s in ["p", "r", "f"] {
            run.same(case, s, Value::Null, p(s).clone());
        }
        return Ok(());
    }
    let prf = micro.prf_with(Compat::Spacy.ratios(mode));
    run.number(case, "p", prf.precision, p("p"));
    run.number(case, "r", prf.recall, p("r"));
    run.number(case, "f", prf.f1, p("f"));
    if labeled {
        let per_type = p("per_type").as_object().ok_or("no per_type")?;
        run.same(
            case,
            "types",
            labels_seen.iter().cloned().collect::<BTreeSet<_>>(),
            per_type.keys().cloned().collect(),
        );
        for (label, tool) in per_type {
            // A label whose every prediction was dropped still has a row, of zeros.
            let prf = tally.label(LAYER, mode, label).prf_with(Compat::Spacy.ratios(mode));
            run.number(case, &format!("{label} p"), prf.precision, &tool["p"]);
            run.number(case, &format!("{label} r"), prf.recall, &tool["r"]);
            run.number(case, &format!("{label} f"), prf.f1, &tool["f"]);
        }
    } else {
        run.same(case, "no per_type", true, p("per_type").is_null());
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// The two probes of issue #17, in goldspan's default and under `--compat nervaluate`. The
// nervaluate numbers were given by nervaluate 1.2.1 (`Evaluator(..., loader="dict")`, ends
// inclusive: gold [0, 3] and [6, 9], predictions [3, 6] then [1, 2]; a quotation [0, 299]
// and a prediction [298, 309]).

/// (COR, INC, PAR, MIS, SPU) of strict, exact, partial and type.
fn five(tally: &Tally, mode: Mode) -> (u64, u64, u64, u64, u64) {
    let c = tally.micro(LAYER, mode);
    (c.cor, c.inc, c.par, c.mis, c.spu)
}

fn per(start: usize, end: usize) -> Triple {
    ("PER".to_owned(), start, end)
}

#[test]
fn predictions_listed_out_of_text_order_pair_in_list_order_only_under_compat_nervaluate() {
    // Gold PER 0..4 and 6..10; predictions PER 3..7 (overlapping both gold spans) listed
    // before PER 1..3. The predictions do not overlap each other.
    let gold = [per(0, 4), per(6, 10)];
    let pred = [per(3, 7), per(1, 3)];
    // goldspan pairs in text order: 1..3 takes 0..4, then 3..7 takes 6..10.
    let default = score(&gold, &pred, &SEMEVAL, Compat::Conlleval).expect("scored");
    assert_eq!(five(&default, Mode::Strict), (0, 2, 0, 0, 0));
    assert_eq!(five(&default, Mode::Exact), (0, 2, 0, 0, 0));
    assert_eq!(five(&default, Mode::Partial), (0, 0, 2, 0, 0));
    assert_eq!(five(&default, Mode::Type), (2, 0, 0, 0, 0));
    // The listing order changes nothing by default.
    let reversed = score(&gold, &[per(1, 3), per(3, 7)], &SEMEVAL, Compat::Conlleval).expect("scored");
    assert_eq!(five(&reversed, Mode::Strict), (0, 2, 0, 0, 0));
    // nervaluate: 3..7 comes first and takes the first gold span it overlaps, 0..4; 1..3 then
    // finds no free gold span, and 6..10 is missed.
    let nervaluate = score(&gold, &pred, &SEMEVAL, Compat::Nervaluate).expect("scored");
    assert_eq!(five(&nervaluate, Mode::Strict), (0, 1, 0, 1, 1));
    assert_eq!(five(&nervaluate, Mode::Exact), (0, 1, 0, 1, 1));
    assert_eq!(five(&nervaluate, Mode::Partial), (0, 0, 1, 1, 1));
    assert_eq!(five(&nervaluate, Mode::Type), (1, 0, 0, 1, 1));
    // Listed in text order, nervaluate agrees with goldspan.
    let in_order = score(&gold, &[per(1, 3), per(3, 7)], &SEMEVAL, Compat::Nervaluate).expect("scored");
    assert_eq!(five(&in_order, Mode::Strict), (0, 2, 0, 0, 0));
    assert_eq!(five(&in_order, Mode::Type), (2, 0, 0, 0, 0));
}

#[test]
fn a_long_quotation_touched_by_two_characters_is_below_nervaluates_one_percent() {
    // A 300-character quotation and a prediction sharing its last 2 characters: 0.67% of it.
    let gold = [("Quote".to_owned(), 0, 300)];
    let pred = [("Quote".to_owned(), 298, 310)];
    let default = score(&gold, &pred, &SEMEVAL, Compat::Conlleval).expect("scored");
    assert_eq!(five(&default, Mode::Strict), (0, 1, 0, 0, 0), "any overlap pairs by default");
    assert_eq!(five(&default, Mode::Partial), (0, 0, 1, 0, 0));
    assert_eq!(five(&default, Mode::Type), (1, 0, 0, 0, 0));
    let nervaluate = score(&gold, &pred, &SEMEVAL, Compat::Nervaluate).expect("scored");
    for mode in SEMEVAL {
        assert_eq!(five(&nervaluate, mode), (0, 0, 0, 1, 1), "{mode}: below 1% is no overlap");
    }
    // Three characters are exactly 1%: paired again.
    let three = score(&gold, &[("Quote".to_owned(), 297, 310)], &SEMEVAL, Compat::Nervaluate).expect("scored");
    assert_eq!(five(&three, Mode::Partial), (0, 0, 1, 0, 0));
}
