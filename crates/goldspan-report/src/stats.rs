//! `goldspan stats`: corpus statistics as a table, Markdown or JSON.

use std::collections::BTreeMap;

use goldspan_model::stats::{Counts, Stats};
use goldspan_model::Manifest;
use serde::Serialize;

use crate::table::Table;

/// Counts as JSON (fields in the order they are written).
#[derive(Serialize)]
struct CountsJson<'a> {
    clusters: usize,
    documents: usize,
    quotes_with_speaker: usize,
    relations: &'a BTreeMap<String, usize>,
    spans_per_label: BTreeMap<&'a str, BTreeMap<&'a str, usize>>,
    spans_per_layer: &'a BTreeMap<String, usize>,
    speakers_by_kind: &'a BTreeMap<String, usize>,
    words: usize,
}

#[derive(Serialize)]
struct StatsJson<'a> {
    by: BTreeMap<&'a str, BTreeMap<&'a str, CountsJson<'a>>>,
    corpus: &'a str,
    splits: BTreeMap<&'a str, CountsJson<'a>>,
    total: CountsJson<'a>,
}

fn counts(c: &Counts) -> CountsJson<'_> {
    let mut spans_per_label: BTreeMap<&str, BTreeMap<&str, usize>> = BTreeMap::new();
    for ((layer, label), n) in &c.spans_per_label {
        spans_per_label.entry(layer).or_default().insert(label, *n);
    }
    CountsJson {
        clusters: c.clusters,
        documents: c.documents,
        quotes_with_speaker: c.quotes_with_speaker,
        relations: &c.relations,
        spans_per_label,
        spans_per_layer: &c.spans_per_layer,
        speakers_by_kind: &c.speakers_by_kind,
        words: c.words,
    }
}

/// `goldspan stats --format json`.
pub fn stats_json(name: &str, stats: &Stats) -> String {
    let j = StatsJson {
        by: stats
            .by_meta
            .iter()
            .map(|(field, groups)| (field.as_str(), groups.iter().map(|(k, v)| (k.as_str(), counts(v))).collect()))
            .collect(),
        corpus: name,
        splits: stats.splits.iter().map(|(k, v)| (k.as_str(), counts(v))).collect(),
        total: counts(&stats.total),
    };
    serde_json::to_string_pretty(&j).unwrap_or_default() + "\n"
}

/// `goldspan stats` as tables (groups, then labels per split), or Markdown.
pub fn stats_table(manifest: &Manifest, stats: &Stats, markdown: bool) -> String {
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
        let key = (layer.clone(), label.clone());
        let mut cells = vec![layer, label, stats.total.spans_per_label.get(&key).copied().unwrap_or(0).to_string()];
        for s in &split_names {
            cells.push(stats.splits[*s].spans_per_label.get(&key).copied().unwrap_or(0).to_string());
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
