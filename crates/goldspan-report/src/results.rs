//! `goldspan score` and `goldspan run` as tables: one per view of the results (layers, labels,
//! quotations, relations, slices, errors, the paired comparison), for a terminal or Markdown.

use std::collections::BTreeMap;

use goldspan_runner::results::{Metrics, Results, Scores};
use goldspan_score::Mode;

use crate::table::Table;

/// Four decimals, as every ratio in a table.
fn f(x: f64) -> String {
    format!("{x:.4}")
}

/// The entries of a map keyed by mode name, in the modes' own order (strict, exact, partial,
/// type, overlap, tokens); a name that is not a mode sorts last.
fn by_mode<V>(map: &BTreeMap<String, V>) -> Vec<(&str, &V)> {
    let mut entries: Vec<(&str, &V)> = map.iter().map(|(k, v)| (k.as_str(), v)).collect();
    entries.sort_by_key(|(k, _)| k.parse::<Mode>().ok().map_or((1, None), |m| (0, Some(m))));
    entries
}

fn counts(m: &Metrics) -> [String; 5] {
    [m.cor, m.inc, m.par, m.mis, m.spu].map(|n| n.to_string())
}

/// The micro counts of a layer under a mode (zero when it was not scored).
fn micro<'a>(total: &'a Scores, layer: &str, mode: &str) -> Option<&'a Metrics> {
    total.layers.get(layer).and_then(|m| m.get(mode)).map(|s| &s.micro)
}

/// The score tables of `results`.
pub(crate) fn render(results: &Results, markdown: bool) -> String {
    let show = |t: &Table| if markdown { t.markdown() } else { t.render() };
    let m = &results.manifest;
    let missing = &results.documents.missing_predictions;
    let mut out = format!(
        "gold {}{}, predictions {}: {} document(s) scored",
        m.gold,
        m.split.as_ref().map(|s| format!(" (split {s})")).unwrap_or_default(),
        m.predictions,
        results.documents.scored
    );
    if !missing.is_empty() {
        let shown: Vec<&str> = missing.iter().take(10).map(String::as_str).collect();
        out.push_str(&format!(
            "; {} without predictions, scored as empty: {}{}",
            missing.len(),
            shown.join(", "),
            if missing.len() > 10 { ", ..." } else { "" }
        ));
    }
    out.push_str("\n\n");
    let total = &results.total;
    let mut header = vec!["layer", "mode", "P", "R", "F1", "macro F1", "COR", "INC", "PAR", "MIS", "SPU"];
    if results.intervals.is_some() {
        header.push("F1 95% CI");
    }
    let mut t = Table::new(&header);
    let zero = Metrics::of(&Default::default());
    for (layer, modes) in &total.layers {
        for mode in &m.modes {
            let c = micro(total, layer, mode).unwrap_or(&zero);
            let macro_f1 = modes.get(mode).map_or(0.0, |s| s.macro_average.f1);
            let mut row = vec![layer.clone(), mode.clone(), f(c.precision), f(c.recall), f(c.f1), f(macro_f1)];
            row.extend(counts(c));
            if let Some(intervals) = &results.intervals {
                let ci = intervals.layers.get(layer).and_then(|l| l.get(mode)).map(|i| i.f1);
                let (low, high) = ci.map_or((0.0, 0.0), |i| (i.low, i.high));
                row.push(format!("{}–{}", f(low), f(high)));
            }
            t.row(row);
        }
    }
    out.push_str(&show(&t));
    if let Some(mode) = m.modes.first() {
        for (layer, modes) in &total.layers {
            let mut t = Table::new(&["label", "P", "R", "F1", "COR", "INC", "PAR", "MIS", "SPU"]);
            for (label, c) in modes.get(mode).into_iter().flat_map(|s| &s.labels) {
                let mut row = vec![label.clone(), f(c.precision), f(c.recall), f(c.f1)];
                row.extend(counts(c));
                t.row(row);
            }
            out.push_str(&format!("\n{layer} by label ({mode}):\n{}", show(&t)));
        }
    }
    if !total.quotes.is_empty() {
        let mut t = Table::new(&["mode", "gold", "predicted", "matched", "attribution acc", "end-to-end P", "R", "F1"]);
        for (mode, q) in by_mode(&total.quotes) {
            let e = &q.end_to_end;
            t.row(vec![
                mode.to_owned(),
                q.gold.to_string(),
                q.predicted.to_string(),
                q.matched.to_string(),
                f(q.attribution_accuracy),
                f(e.precision),
                f(e.recall),
                f(e.f1),
            ]);
        }
        out.push_str(&format!("\nquotations and speakers:\n{}", show(&t)));
    }
    if !total.relations.is_empty() {
        let mut t = Table::new(&["relation", "mode", "P", "R", "F1", "COR", "MIS", "SPU"]);
        for (kind, modes) in &total.relations {
            for (mode, c) in by_mode(modes) {
                t.row(vec![
                    kind.clone(),
                    mode.to_owned(),
                    f(c.precision),
                    f(c.recall),
                    f(c.f1),
                    c.cor.to_string(),
                    c.mis.to_string(),
                    c.spu.to_string(),
                ]);
            }
        }
        out.push_str(&format!("\nrelations:\n{}", show(&t)));
    }
    if !results.slices.is_empty() {
        let mode = m.modes.first().map_or("strict", String::as_str);
        let mut t = Table::new(&["slice", "value", "documents", "layer", "P", "R", "F1"]);
        for (field, values) in &results.slices {
            for (value, scores) in values {
                for layer in scores.layers.keys() {
                    let c = micro(scores, layer, mode).unwrap_or(&zero);
                    t.row(vec![
                        field.clone(),
                        value.clone(),
                        scores.documents.to_string(),
                        layer.clone(),
                        f(c.precision),
                        f(c.recall),
                        f(c.f1),
                    ]);
                }
            }
        }
        out.push_str(&format!("\nslices ({mode}):\n{}", show(&t)));
    }
    if let Some(documents) = &results.per_document {
        let mode = m.modes.first().map_or("strict", String::as_str);
        let mut t = Table::new(&["document", "layer", "P", "R", "F1", "COR", "INC", "PAR", "MIS", "SPU"]);
        for d in documents {
            for (layer, modes) in &d.layers {
                let c = modes.get(mode).unwrap_or(&zero);
                let mut row = vec![d.id.clone(), layer.clone(), f(c.precision), f(c.recall), f(c.f1)];
                row.extend(counts(c));
                t.row(row);
            }
        }
        out.push_str(&format!("\nper document ({mode}):\n{}", show(&t)));
    }
    if let Some(errors) = results.errors.as_ref().filter(|e| !e.is_empty()) {
        let mut t = Table::new(&["document", "layer", "error", "gold", "predicted", "context"]);
        let side = |s: &Option<goldspan_runner::results::ErrorSide>| {
            s.as_ref().map(|s| format!("{} {:?}", s.label, s.text)).unwrap_or_default()
        };
        for e in errors {
            t.row(vec![
                e.document.clone(),
                e.layer.clone(),
                e.kind.clone(),
                side(&e.gold),
                side(&e.predicted),
                e.context.clone(),
            ]);
        }
        out.push_str(&format!("\nerrors:\n{}", show(&t)));
        let mut c = Table::new(&["layer", "gold", "predicted", "count"]);
        for x in results.confusions.iter().flatten().filter(|x| x.gold != x.predicted) {
            c.row(vec![x.layer.clone(), x.gold.clone(), x.predicted.clone(), x.count.to_string()]);
        }
        out.push_str(&format!("\nconfusions (off-diagonal):\n{}", show(&c)));
    }
    if let Some(rows) = &results.comparison {
        let mut t = Table::new(&["layer", "mode", "F1 A", "F1 B", "delta", "delta 95% CI", "p-value"]);
        for r in rows {
            t.row(vec![
                r.layer.clone(),
                r.mode.clone(),
                f(r.a),
                f(r.b),
                format!("{:+.4}", r.delta),
                format!("{:+.4}–{:+.4}", r.delta_interval.low, r.delta_interval.high),
                format!("{:.4}", r.p_value),
            ]);
        }
        out.push_str(&format!("\npaired comparison, micro F1 (A = --against baseline, B = --pred):\n{}", show(&t)));
    }
    out
}

/// A run's tables: a title naming the eval (and its extractor, when the names differ), where
/// its predictions came from, the score tables, and the documents the extractor failed on.
pub(crate) fn render_run(eval: &str, results: &Results, markdown: bool) -> String {
    let extractor = results.manifest.extractor.as_ref().map_or(results.manifest.predictions.as_str(), |e| &e.name);
    let title = if eval == extractor { eval.to_owned() } else { format!("{eval}: {extractor}") };
    let (extracted, cached) = results.extraction.map_or((0, 0), |e| (e.performed, e.cached));
    let mut out = format!("{title} ({extracted} extracted, {cached} from cache)\n");
    out.push_str(&render(results, markdown));
    let failures = results.failures.as_deref().unwrap_or_default();
    if !failures.is_empty() {
        out.push_str(&format!("\n{} failure(s), scored as empty predictions:\n", failures.len()));
        for f in failures {
            out.push_str(&format!("  {}: {}\n", f.document, f.reason));
        }
    }
    out.push('\n');
    out
}
