//! The results document (JSON, schema `goldspan.results/1`): a manifest saying what was
//! scored and how, then counts beside every ratio, per layer, mode and label, relations,
//! quotations, slices and, when asked, bootstrap intervals, per-document scores and errors.
//!
//! Keys are sorted (serde_json's map is ordered), counts are integers and ratios are computed
//! from summed counts, so the same inputs give the same bytes whatever the thread count.

use std::collections::BTreeMap;

use goldspan_score::bootstrap::{self, Interval};
use goldspan_score::{Counts, Mode, QuoteCounts, Tally};
use serde_json::{json, Map, Value};

use crate::evaluate::Evaluation;

/// The schema name and version written in every results document.
pub const SCHEMA: &str = "goldspan.results/1";

/// What was scored, for the manifest.
#[derive(Debug, Clone)]
pub struct RunInfo {
    /// Gold name (corpus name or file stem).
    pub gold: String,
    /// Split, if any.
    pub split: Option<String>,
    /// What produced the predictions (a file name, an extractor spec).
    pub predictions: String,
    /// Modes scored.
    pub modes: Vec<Mode>,
    /// Bootstrap samples and seed, if intervals were computed.
    pub bootstrap: Option<(usize, u64)>,
    /// Whether a label map was applied.
    pub label_map: bool,
}

/// Counts with their ratios, as JSON.
pub fn counts_json(c: &Counts) -> Value {
    let m = c.prf();
    json!({
        "cor": c.cor, "inc": c.inc, "par": c.par, "mis": c.mis, "spu": c.spu,
        "possible": c.possible(), "actual": c.actual(),
        "precision": m.precision, "recall": m.recall, "f1": m.f1,
    })
}

fn interval_json(i: Interval) -> Value {
    json!([i.low, i.high])
}

/// Macro averages over labels: the mean of per-label precision, recall and F1, over the labels
/// that occur in gold or predictions.
pub fn macro_average(tally: &Tally, layer: &str, mode: Mode) -> (f64, f64, f64, usize) {
    let per_label: Vec<_> =
        tally.labels(layer, mode).filter(|(_, c)| c.possible() > 0 || c.actual() > 0).map(|(_, c)| c.prf()).collect();
    let n = per_label.len();
    if n == 0 {
        return (0.0, 0.0, 0.0, 0);
    }
    let mean = |f: fn(&goldspan_score::Prf) -> f64| per_label.iter().map(f).sum::<f64>() / n as f64;
    (mean(|m| m.precision), mean(|m| m.recall), mean(|m| m.f1), n)
}

fn quotes_json(q: &QuoteCounts) -> Value {
    json!({
        "gold": q.gold, "predicted": q.predicted, "matched": q.matched, "speaker_right": q.speaker_right,
        "attribution_accuracy": q.attribution_accuracy(),
        "end_to_end": counts_json(&q.end_to_end()),
    })
}

/// The layers, relations and quotes sections of a tally.
pub fn tally_json(tally: &Tally) -> Value {
    let mut layers = Map::new();
    for (layer, mode, micro) in tally.micro_entries() {
        let labels: Map<String, Value> =
            tally.labels(layer, mode).map(|(l, c)| (l.to_owned(), counts_json(c))).collect();
        let (p, r, f, n) = macro_average(tally, layer, mode);
        let entry = layers.entry(layer.to_owned()).or_insert_with(|| json!({}));
        entry[mode.to_string()] = json!({
            "micro": counts_json(micro),
            "macro": {"precision": p, "recall": r, "f1": f, "labels": n},
            "labels": labels,
        });
    }
    let mut relations = Map::new();
    for (kind, mode, c) in tally.relations() {
        let entry = relations.entry(kind.to_owned()).or_insert_with(|| json!({}));
        entry[mode.to_string()] = counts_json(c);
    }
    let quotes: Map<String, Value> = tally.quotes.iter().map(|(m, q)| (m.to_string(), quotes_json(q))).collect();
    json!({"documents": tally.documents, "layers": layers, "relations": relations, "quotes": quotes})
}

/// Bootstrap intervals of micro precision, recall and F1 per (layer, mode), and of end-to-end
/// quotation F1 per mode, from per-document counts.
pub fn intervals_json(eval: &Evaluation, samples: usize, seed: u64) -> Value {
    let mut keys: Vec<(String, Mode)> = eval.documents.iter().flat_map(|d| d.micro.keys().cloned()).collect();
    keys.sort();
    keys.dedup();
    let mut out = Map::new();
    for (layer, mode) in keys {
        let per_doc: Vec<Counts> =
            eval.documents.iter().map(|d| d.micro.get(&(layer.clone(), mode)).copied().unwrap_or_default()).collect();
        let entry = out.entry(layer.clone()).or_insert_with(|| json!({}));
        entry[mode.to_string()] = json!({
            "precision": interval_json(bootstrap::interval(&per_doc, samples, seed, |c| c.prf().precision)),
            "recall": interval_json(bootstrap::interval(&per_doc, samples, seed, |c| c.prf().recall)),
            "f1": interval_json(bootstrap::interval(&per_doc, samples, seed, |c| c.prf().f1)),
        });
    }
    let mut modes: Vec<Mode> = eval.documents.iter().flat_map(|d| d.quotes.keys().copied()).collect();
    modes.sort();
    modes.dedup();
    let mut quotes = Map::new();
    for mode in modes {
        let per_doc: Vec<Counts> =
            eval.documents.iter().map(|d| d.quotes.get(&mode).copied().unwrap_or_default().end_to_end()).collect();
        quotes.insert(
            mode.to_string(),
            json!({"end_to_end_f1": interval_json(bootstrap::interval(&per_doc, samples, seed, |c| c.prf().f1))}),
        );
    }
    json!({"layers": out, "quotes": quotes})
}

/// The whole results document.
pub fn to_json(eval: &Evaluation, info: &RunInfo, per_document: bool) -> Value {
    let mut root = Map::new();
    root.insert("schema".into(), json!(SCHEMA));
    root.insert(
        "manifest".into(),
        json!({
            "goldspan_version": env!("CARGO_PKG_VERSION"),
            "gold": info.gold,
            "split": info.split,
            "predictions": info.predictions,
            "modes": info.modes.iter().map(Mode::to_string).collect::<Vec<_>>(),
            "bootstrap": info.bootstrap.map(|(n, seed)| json!({"samples": n, "seed": seed})),
            "label_map": info.label_map,
        }),
    );
    root.insert(
        "documents".into(),
        json!({
            "scored": eval.total.documents,
            "missing_predictions": eval.missing,
            "outside_split": eval.outside_split,
        }),
    );
    root.insert("total".into(), tally_json(&eval.total));
    if let Some((n, seed)) = info.bootstrap {
        root.insert("intervals".into(), intervals_json(eval, n, seed));
    }
    let mut slices: BTreeMap<&str, Map<String, Value>> = BTreeMap::new();
    for ((field, value), tally) in &eval.slices {
        slices.entry(field).or_default().insert(value.clone(), tally_json(tally));
    }
    root.insert("slices".into(), json!(slices));
    if per_document {
        let docs: Vec<Value> = eval
            .documents
            .iter()
            .map(|d| {
                let mut layers = Map::new();
                for ((layer, mode), c) in &d.micro {
                    let entry = layers.entry(layer.clone()).or_insert_with(|| json!({}));
                    entry[mode.to_string()] = counts_json(c);
                }
                json!({"id": d.id, "layers": layers})
            })
            .collect();
        root.insert("per_document".into(), json!(docs));
    }
    if !eval.errors.is_empty() || !eval.confusions.is_empty() {
        let side = |s: &Option<goldspan_score::errors::Side>| {
            s.as_ref().map(|s| json!({"label": s.label, "start": s.start, "end": s.end, "text": s.text}))
        };
        let errors: Vec<Value> = eval
            .errors
            .iter()
            .map(|e| {
                json!({"document": e.document, "layer": e.layer, "kind": e.kind.to_string(),
                    "gold": side(&e.gold), "predicted": side(&e.predicted), "context": e.context})
            })
            .collect();
        let confusions: Vec<Value> = eval
            .confusions
            .iter()
            .map(|((layer, g, p), n)| json!({"layer": layer, "gold": g, "predicted": p, "count": n}))
            .collect();
        root.insert("errors".into(), json!(errors));
        root.insert("confusions".into(), json!(confusions));
    }
    Value::Object(root)
}
