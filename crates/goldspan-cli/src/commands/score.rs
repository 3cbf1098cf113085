//! `goldspan score`: predictions against gold, or the two tag columns of one CoNLL file, as a
//! table, Markdown or JSON.

use std::collections::BTreeSet;
use std::path::Path;

use anyhow::Context;
use goldspan_formats::{gold, Format, ReadOptions};
use goldspan_runner::results::{self, RunInfo};
use goldspan_runner::{evaluate, evaluate_conll, evaluate_documents, Config, Evaluation, Gold, LabelMap};
use goldspan_score::bootstrap;
use goldspan_score::{Counts, Mode, Options};

use super::print;
use crate::args::{OutputFormat, ScoreArgs};
use crate::table::Table;
use crate::Outcome;

pub fn run(args: &ScoreArgs) -> anyhow::Result<Outcome> {
    let modes = args.modes.iter().map(|m| m.parse::<Mode>()).collect::<Result<Vec<_>, _>>()?;
    let manifest = match &args.manifest {
        Some(p) => Some(gold::read_manifest(p).with_context(|| format!("cannot read manifest {}", p.display()))?),
        None => None,
    };
    let label_map = match &args.label_map {
        Some(p) => LabelMap::read(p)?,
        None => LabelMap::default(),
    };
    let layers = (!args.layers.is_empty()).then(|| args.layers.iter().cloned().collect::<BTreeSet<_>>());
    let config = Config {
        options: Options { modes: modes.clone(), layers },
        label_map,
        slices: args.slices.clone(),
        per_document: args.bootstrap > 0 || args.per_document || args.against.is_some(),
        errors: args.errors,
    };
    let (eval, against, info) = match (&args.conll.file, &args.gold, &args.pred) {
        (Some(file), _, _) => {
            let (eval, info) = score_conll(file, args, manifest, &config)?;
            (eval, None, info)
        }
        (None, Some(gold_path), Some(pred)) => {
            let gold = Gold::open(gold_path, args.split.as_deref(), manifest)
                .with_context(|| format!("cannot read gold {}", gold_path.display()))?;
            anyhow::ensure!(
                args.offset_unit.is_none() || args.pred_format != Format::Jsonl,
                "--offset-unit applies to other tools' files (--pred-format); goldspan's interchange JSON Lines counts code points"
            );
            let score = |path: &Path| -> anyhow::Result<Evaluation> {
                let eval = if args.pred_format == Format::Jsonl {
                    evaluate(&gold, path, &config)
                } else {
                    let conll = &args.conll;
                    let options = ReadOptions {
                        offset_unit: args.offset_unit,
                        scheme: args.scheme,
                        annotation: args.annotation,
                        annotator: args.annotator.clone(),
                        relation_label: args.relation_label.clone(),
                        token_column: conll.token_column,
                        tag_column: conll.tag_column,
                        conll_dialect: conll.conll_dialect,
                        misc_key: conll.misc_key.clone(),
                        ..ReadOptions::default()
                    };
                    let collection = args
                        .pred_format
                        .read(path, &options)
                        .with_context(|| format!("cannot read {} as {}", path.display(), args.pred_format))?;
                    evaluate_documents(&gold, collection.documents, path, &config)
                };
                eval.with_context(|| format!("cannot score {}", path.display()))
            };
            let eval = score(pred)?;
            let against = match &args.against {
                Some(b) => Some(score(b)?),
                None => None,
            };
            let info = RunInfo {
                gold: gold.name(),
                split: args.split.clone(),
                predictions: pred.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
                modes: modes.clone(),
                bootstrap: (args.bootstrap > 0).then_some((args.bootstrap, args.seed)),
                label_map: args.label_map.is_some(),
            };
            (eval, against, info)
        }
        _ => anyhow::bail!("give --gold and --pred, or --conll"),
    };
    let comparison = against.as_ref().map(|b| compare(&eval, b, args.bootstrap.max(1000), args.seed));
    let text = match args.format {
        OutputFormat::Json => {
            let mut json = results::to_json(&eval, &info, args.per_document);
            if let Some(rows) = &comparison {
                json["comparison"] = serde_json::Value::Array(rows.iter().map(Row::json).collect());
            }
            serde_json::to_string_pretty(&json)? + "\n"
        }
        OutputFormat::Table | OutputFormat::Markdown => {
            render(&eval, &info, comparison.as_deref(), args.format == OutputFormat::Markdown)
        }
    };
    print(&text)?;
    Ok(Outcome::Ok)
}

/// `score --conll FILE`: the gold and predicted tag columns of one CoNLL file. What reading
/// noted goes to stderr, so that stdout stays the results.
fn score_conll(
    file: &Path,
    args: &ScoreArgs,
    manifest: Option<goldspan_model::Manifest>,
    config: &Config,
) -> anyhow::Result<(Evaluation, RunInfo)> {
    let conll = &args.conll;
    let options = ReadOptions {
        manifest,
        layer: match args.layers.as_slice() {
            [only] => only.clone(),
            _ => ReadOptions::default().layer,
        },
        scheme: args.scheme,
        token_column: conll.token_column,
        conll_dialect: conll.conll_dialect,
        ..ReadOptions::default()
    };
    let (eval, notes) = evaluate_conll(file, &options, conll.gold_column, conll.pred_column, config)
        .with_context(|| format!("cannot score {}", file.display()))?;
    for note in notes {
        eprintln!("note (reading): {note}");
    }
    let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let info = RunInfo {
        gold: format!("{name} column {}", conll.gold_column),
        split: None,
        predictions: format!("{name} column {}", conll.pred_column),
        modes: config.options.modes.clone(),
        bootstrap: (args.bootstrap > 0).then_some((args.bootstrap, args.seed)),
        label_map: args.label_map.is_some(),
    };
    Ok((eval, info))
}

/// One row of a paired comparison.
pub struct Row {
    layer: String,
    mode: Mode,
    paired: bootstrap::Paired,
}

impl Row {
    fn json(&self) -> serde_json::Value {
        serde_json::json!({
            "layer": self.layer, "mode": self.mode.to_string(), "metric": "micro_f1",
            "a": self.paired.a, "b": self.paired.b, "delta": self.paired.delta,
            "delta_interval": [self.paired.interval.low, self.paired.interval.high], "p_value": self.paired.p_value,
        })
    }
}

/// Paired comparison of micro F1 per (layer, mode) of `a` (--pred) against the baseline `b`
/// (--against): both cover the same documents (missing predictions are scored as empty).
fn compare(a: &Evaluation, b: &Evaluation, samples: usize, seed: u64) -> Vec<Row> {
    let mut keys: Vec<(String, Mode)> =
        a.documents.iter().chain(&b.documents).flat_map(|d| d.micro.keys().cloned()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .map(|(layer, mode)| {
            let per_doc = |e: &Evaluation| -> Vec<Counts> {
                e.documents.iter().map(|d| d.micro.get(&(layer.clone(), mode)).copied().unwrap_or_default()).collect()
            };
            // A is the baseline (--against), B the system under test (--pred): delta = B − A.
            let paired = bootstrap::paired(&per_doc(b), &per_doc(a), samples, seed, |c| c.prf().f1);
            Row { layer, mode, paired }
        })
        .collect()
}

fn f(x: f64) -> String {
    format!("{x:.4}")
}

pub fn render(eval: &Evaluation, info: &RunInfo, comparison: Option<&[Row]>, markdown: bool) -> String {
    let show = |t: &Table| if markdown { t.markdown() } else { t.render() };
    let mut out = format!(
        "gold {}{}, predictions {}: {} document(s) scored",
        info.gold,
        info.split.as_ref().map(|s| format!(" (split {s})")).unwrap_or_default(),
        info.predictions,
        eval.total.documents
    );
    if !eval.missing.is_empty() {
        let shown: Vec<&str> = eval.missing.iter().take(10).map(String::as_str).collect();
        out.push_str(&format!(
            "; {} without predictions, scored as empty: {}{}",
            eval.missing.len(),
            shown.join(", "),
            if eval.missing.len() > 10 { ", ..." } else { "" }
        ));
    }
    out.push_str("\n\n");
    let intervals = info.bootstrap.map(|(n, seed)| results::intervals_json(eval, n, seed));
    let mut header = vec!["layer", "mode", "P", "R", "F1", "macro F1", "COR", "INC", "PAR", "MIS", "SPU"];
    if intervals.is_some() {
        header.push("F1 95% CI");
    }
    let mut t = Table::new(&header);
    let layers = eval.total.layers();
    for layer in &layers {
        for mode in &info.modes {
            let c = eval.total.micro(layer, *mode);
            let m = c.prf();
            let (_, _, macro_f1, _) = results::macro_average(&eval.total, layer, *mode);
            let mut row = vec![layer.to_string(), mode.to_string(), f(m.precision), f(m.recall), f(m.f1), f(macro_f1)];
            row.extend([c.cor, c.inc, c.par, c.mis, c.spu].iter().map(u64::to_string));
            if let Some(iv) = &intervals {
                let ci = &iv["layers"][*layer][mode.to_string()]["f1"];
                row.push(format!(
                    "{}–{}",
                    f(ci[0].as_f64().unwrap_or_default()),
                    f(ci[1].as_f64().unwrap_or_default())
                ));
            }
            t.row(row);
        }
    }
    out.push_str(&show(&t));
    if let Some(mode) = info.modes.first() {
        for layer in &layers {
            let mut t = Table::new(&["label", "P", "R", "F1", "COR", "INC", "PAR", "MIS", "SPU"]);
            for (label, c) in eval.total.labels(layer, *mode) {
                let p = c.prf();
                let mut row = vec![label.to_owned(), f(p.precision), f(p.recall), f(p.f1)];
                row.extend([c.cor, c.inc, c.par, c.mis, c.spu].iter().map(u64::to_string));
                t.row(row);
            }
            out.push_str(&format!("\n{layer} by label ({mode}):\n{}", show(&t)));
        }
    }
    if !eval.total.quotes.is_empty() {
        let mut t = Table::new(&["mode", "gold", "predicted", "matched", "attribution acc", "end-to-end P", "R", "F1"]);
        for (mode, q) in &eval.total.quotes {
            let e = q.end_to_end().prf();
            t.row(vec![
                mode.to_string(),
                q.gold.to_string(),
                q.predicted.to_string(),
                q.matched.to_string(),
                f(q.attribution_accuracy()),
                f(e.precision),
                f(e.recall),
                f(e.f1),
            ]);
        }
        out.push_str(&format!("\nquotations and speakers:\n{}", show(&t)));
    }
    if eval.total.relations().next().is_some() {
        let mut t = Table::new(&["relation", "mode", "P", "R", "F1", "COR", "MIS", "SPU"]);
        for (kind, mode, c) in eval.total.relations() {
            let p = c.prf();
            t.row(vec![
                kind.to_owned(),
                mode.to_string(),
                f(p.precision),
                f(p.recall),
                f(p.f1),
                c.cor.to_string(),
                c.mis.to_string(),
                c.spu.to_string(),
            ]);
        }
        out.push_str(&format!("\nrelations:\n{}", show(&t)));
    }
    if !eval.slices.is_empty() {
        let mode = info.modes.first().copied().unwrap_or(Mode::Strict);
        let mut t = Table::new(&["slice", "value", "documents", "layer", "P", "R", "F1"]);
        for ((field, value), tally) in &eval.slices {
            for layer in tally.layers() {
                let p = tally.micro(layer, mode).prf();
                t.row(vec![
                    field.clone(),
                    value.clone(),
                    tally.documents.to_string(),
                    layer.to_owned(),
                    f(p.precision),
                    f(p.recall),
                    f(p.f1),
                ]);
            }
        }
        out.push_str(&format!("\nslices ({mode}):\n{}", show(&t)));
    }
    if !eval.errors.is_empty() {
        let mut t = Table::new(&["document", "layer", "error", "gold", "predicted", "context"]);
        let side = |s: &Option<goldspan_score::errors::Side>| {
            s.as_ref().map(|s| format!("{} {:?}", s.label, s.text)).unwrap_or_default()
        };
        for e in &eval.errors {
            t.row(vec![
                e.document.clone(),
                e.layer.clone(),
                e.kind.to_string(),
                side(&e.gold),
                side(&e.predicted),
                e.context.clone(),
            ]);
        }
        out.push_str(&format!("\nerrors:\n{}", show(&t)));
        let mut c = Table::new(&["layer", "gold", "predicted", "count"]);
        for ((layer, g, p), n) in &eval.confusions {
            if g != p {
                c.row(vec![layer.clone(), g.clone(), p.clone(), n.to_string()]);
            }
        }
        out.push_str(&format!("\nconfusions (off-diagonal):\n{}", show(&c)));
    }
    if let Some(rows) = comparison {
        let mut t = Table::new(&["layer", "mode", "F1 A", "F1 B", "delta", "delta 95% CI", "p-value"]);
        for r in rows {
            t.row(vec![
                r.layer.clone(),
                r.mode.to_string(),
                f(r.paired.a),
                f(r.paired.b),
                format!("{:+.4}", r.paired.delta),
                format!("{:+.4}–{:+.4}", r.paired.interval.low, r.paired.interval.high),
                format!("{:.4}", r.paired.p_value),
            ]);
        }
        out.push_str(&format!("\npaired comparison, micro F1 (A = --against baseline, B = --pred):\n{}", show(&t)));
    }
    out
}
