//! `goldspan agree A B`: inter-annotator agreement as a table, Markdown or JSON.

use std::path::Path;

use anyhow::Context;
use goldspan_runner::results::counts_json;
use goldspan_runner::{agree, Gold};
use goldspan_score::Mode;
use serde_json::{json, Map, Value};

use super::print;
use crate::args::OutputFormat;
use crate::table::Table;
use crate::Outcome;

/// The schema of `goldspan agree --format json`.
const SCHEMA: &str = "goldspan.agreement/1";

fn mode_name(mode: Mode) -> &'static str {
    if mode == Mode::Strict {
        "strict"
    } else {
        "overlap"
    }
}

pub fn run(a: &Path, b: &Path, format: OutputFormat) -> anyhow::Result<Outcome> {
    let ga = Gold::open(a, None, None).with_context(|| format!("cannot read {}", a.display()))?;
    let gb = Gold::open(b, None, None).with_context(|| format!("cannot read {}", b.display()))?;
    let result = agree(&ga, &gb)?;
    let t = &result.tally;
    let mut layers = Map::new();
    for layer in t.layers() {
        let mut entry = Map::new();
        for mode in goldspan_runner::AGREEMENT_MODES {
            entry.insert(mode_name(mode).into(), counts_json(&t.micro(layer, mode)));
        }
        let mut labels = Map::new();
        for mode in goldspan_runner::AGREEMENT_MODES {
            for (label, c) in t.labels(layer, mode) {
                let e = labels.entry(label.to_owned()).or_insert_with(|| json!({}));
                e[mode_name(mode)] = counts_json(c);
            }
        }
        entry.insert("labels".into(), Value::Object(labels));
        if let Some(tokens) = result.tokens.get(layer) {
            entry.insert("kappa".into(), json!(tokens.kappa()));
            entry.insert("observed_agreement".into(), json!(tokens.observed()));
            entry.insert("tokens".into(), json!(tokens.total()));
        }
        layers.insert(layer.to_owned(), Value::Object(entry));
    }
    let speakers = t.quotes.get(&Mode::Type).copied().unwrap_or_default();
    let json = json!({
        "schema": SCHEMA,
        "a": ga.name(), "b": gb.name(),
        "documents": result.documents, "only_a": result.only_a, "only_b": result.only_b,
        "layers": layers,
        "speakers": {"quotations_both_found": speakers.matched, "same_speaker": speakers.speaker_right, "agreement": speakers.attribution_accuracy()},
    });
    let text = match format {
        OutputFormat::Json => serde_json::to_string_pretty(&json)? + "\n",
        OutputFormat::Table | OutputFormat::Markdown => render(&json, format == OutputFormat::Markdown),
    };
    print(&text)?;
    Ok(Outcome::Ok)
}

fn render(json: &Value, markdown: bool) -> String {
    let f = |v: &Value| format!("{:.4}", v.as_f64().unwrap_or_default());
    let n = |v: &Value| v.as_u64().unwrap_or_default().to_string();
    let show = |t: &Table| if markdown { t.markdown() } else { t.render() };
    let docs = json["documents"].as_array().map_or(0, Vec::len);
    let mut out =
        format!("agreement of {} (A) and {} (B) on {docs} document(s)\n", json["a"], json["b"]).replace('"', "");
    for (side, name) in [("only_a", "A"), ("only_b", "B")] {
        if let Some(ids) = json[side].as_array().filter(|a| !a.is_empty()) {
            let shown: Vec<&str> = ids.iter().take(5).filter_map(Value::as_str).collect();
            let more = if ids.len() > 5 { format!(", and {} more", ids.len() - 5) } else { String::new() };
            out.push_str(&format!(
                "{} document(s) only in {name}, not compared: {}{more}\n",
                ids.len(),
                shown.join(", ")
            ));
        }
    }
    let mut t = Table::new(&["layer", "label", "A", "B", "strict F1", "overlap F1", "kappa", "observed"]);
    for (layer, entry) in json["layers"].as_object().into_iter().flatten() {
        t.row(vec![
            layer.clone(),
            "(all)".into(),
            n(&entry["strict"]["possible"]),
            n(&entry["strict"]["actual"]),
            f(&entry["strict"]["f1"]),
            f(&entry["overlap"]["f1"]),
            f(&entry["kappa"]),
            f(&entry["observed_agreement"]),
        ]);
        for (label, e) in entry["labels"].as_object().into_iter().flatten() {
            t.row(vec![
                layer.clone(),
                label.clone(),
                n(&e["strict"]["possible"]),
                n(&e["strict"]["actual"]),
                f(&e["strict"]["f1"]),
                f(&e["overlap"]["f1"]),
                String::new(),
                String::new(),
            ]);
        }
    }
    out.push('\n');
    out.push_str(&show(&t));
    let s = &json["speakers"];
    out.push_str(&format!(
        "\nspeakers: {} of {} quotations found by both have the same speaker ({})\n",
        n(&s["same_speaker"]),
        n(&s["quotations_both_found"]),
        f(&s["agreement"])
    ));
    out
}
