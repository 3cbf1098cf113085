//! `goldspan stats`: corpus statistics as a table, Markdown or JSON.

use std::path::Path;

use anyhow::Context;
use goldspan_formats::gold::Corpus;
use goldspan_model::stats::Stats;

use super::print;
use crate::args::OutputFormat;
use crate::Outcome;

pub fn run(corpus: &Path, format: OutputFormat, by: &[String]) -> anyhow::Result<Outcome> {
    let opened = Corpus::open(corpus).with_context(|| format!("cannot open corpus {}", corpus.display()))?;
    let by: Vec<&str> = by.iter().map(String::as_str).collect();
    let mut stats = Stats::new(opened.manifest().attribution.clone());
    let mut fields = std::collections::BTreeSet::new();
    for id in opened.ids() {
        let doc = opened.read(id)?;
        let splits = opened.manifest().splits_of(id);
        stats.add(&doc, splits.first().copied(), &by);
        fields.extend(doc.document.meta().keys().cloned());
    }
    // A misspelt field would count every document as "(none)".
    for field in &by {
        goldspan_model::check_name("metadata field", field, fields.iter().map(String::as_str))?;
    }
    for split in opened.manifest().splits.keys() {
        stats.splits.entry(split.clone()).or_default();
    }
    let name = opened.manifest().name.as_str();
    print(&match format {
        OutputFormat::Json => goldspan_report::stats_json(name, &stats),
        OutputFormat::Table => goldspan_report::stats_table(opened.manifest(), &stats, false),
        OutputFormat::Markdown => goldspan_report::stats_table(opened.manifest(), &stats, true),
    })?;
    Ok(Outcome::Ok)
}
