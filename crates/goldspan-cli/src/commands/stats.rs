//! `goldspan stats`: corpus statistics as a table, Markdown or JSON.

use std::path::Path;

use anyhow::Context;
use goldspan_formats::gold::Corpus;
use goldspan_model::stats::{Counts, Stats};
use goldspan_model::Manifest;
use serde_json::{json, Value};

use super::print;
use crate::args::OutputFormat;
use crate::table::Table;
use crate::Outcome;

pub fn run(corpus: &Path, format: OutputFormat, by: &[String]) -> anyhow::Result<Outcome> {
    let opened = Corpus::open(corpus).with_context(|| format!("cannot open corpus {}", corpus.display()))?;
    let by: Vec<&str> = by.iter().map(String::as_str).collect();
    let mut stats = Stats::default();
    for id in opened.ids() {
        let doc = opened.read(id)?;
        let splits = opened.manifest().splits_of(id);
        stats.add(&doc, splits.first().copied(), &by);
    }
    for split in opened.manifest().splits.keys() {
        stats.splits.entry(split.clone()).or_default();
    }
    let text = match format {
        OutputFormat::Json => serde_json::to_string_pretty(&to_json(opened.manifest().name.as_str(), &stats))? + "\n",
        OutputFormat::Table => render(opened.manifest(), &stats, false),
        OutputFormat::Markdown => render(opened.manifest(), &stats, true),
    };
    print(&text)?;
    Ok(Outcome::Ok)
}

fn counts_json(c: &Counts) -> Value {
    let mut labels = serde_json::Map::new();
    for ((layer, label), n) in &c.spans_per_label {
        let entry = labels.entry(layer.clone()).or_insert_with(|| json!({}));
        entry[label] = json!(n);
    }
    json!({
        "documents": c.documents,
        "words": c.words,
        "spans_per_layer": c.spans_per_layer,
        "spans_per_label": labels,
        "relations": c.relations,
        "clusters": c.clusters,
        "quotes_with_speaker": c.quotes_with_speaker,
        "speakers_by_kind": c.speakers_by_kind,
    })
}

fn to_json(name: &str, stats: &Stats) -> Value {
    let splits: serde_json::Map<String, Value> =
        stats.splits.iter().map(|(k, v)| (k.clone(), counts_json(v))).collect();
    let by: serde_json::Map<String, Value> = stats
        .by_meta
        .iter()
        .map(|(field, groups)| {
            (field.clone(), Value::Object(groups.iter().map(|(k, v)| (k.clone(), counts_json(v))).collect()))
        })
        .collect();
    json!({ "corpus": name, "total": counts_json(&stats.total), "splits": splits, "by": by })
}

fn render(manifest: &Manifest, stats: &Stats, markdown: bool) -> String {
    let name = &manifest.name;
    let show = |t: &Table| if markdown { t.markdown() } else { t.render() };
    let layers: Vec<&String> = manifest.layers.iter().map(|l| &l.name).collect();
    let mut header = vec!["group", "documents", "words"];
    header.extend(layers.iter().map(|l| l.as_str()));
    header.extend(["quotes with speaker", "name", "pronoun", "nominal"]);
    let mut groups = Table::new(&header);
    let row = |group: String, c: &Counts| {
        let mut cells = vec![group, c.documents.to_string(), c.words.to_string()];
        cells.extend(layers.iter().map(|l| c.spans_per_layer.get(*l).copied().unwrap_or(0).to_string()));
        cells.push(c.quotes_with_speaker.to_string());
        for kind in ["name", "pronoun", "nominal"] {
            cells.push(c.speakers_by_kind.get(kind).copied().unwrap_or(0).to_string());
        }
        cells
    };
    groups.row(row("all".into(), &stats.total));
    for (split, c) in &stats.splits {
        groups.row(row(format!("split {split}"), c));
    }
    for (field, values) in &stats.by_meta {
        for (value, c) in values {
            groups.row(row(format!("{field} {value}"), c));
        }
    }
    let split_names: Vec<&String> = stats.splits.keys().collect();
    let mut header = vec!["layer", "label", "all"];
    header.extend(split_names.iter().map(|s| s.as_str()));
    let mut labels = Table::new(&header);
    let declared =
        manifest.layers.iter().flat_map(|l| l.labels.iter().map(move |label| (l.name.clone(), label.clone())));
    for (layer, label) in declared {
        let n = stats.total.spans_per_label.get(&(layer.clone(), label.clone())).copied().unwrap_or(0);
        let mut cells = vec![layer.clone(), label.clone(), n.to_string()];
        for s in &split_names {
            cells.push(
                stats.splits[*s].spans_per_label.get(&(layer.clone(), label.clone())).copied().unwrap_or(0).to_string(),
            );
        }
        labels.row(cells);
    }
    let relations: Vec<String> = stats.total.relations.iter().map(|(k, v)| format!("{k} {v}")).collect();
    format!(
        "corpus {name}\n\n{}\n{}\nrelations: {}; coreference clusters: {}\n",
        show(&groups),
        show(&labels),
        if relations.is_empty() { "none".into() } else { relations.join(", ") },
        stats.total.clusters
    )
}
