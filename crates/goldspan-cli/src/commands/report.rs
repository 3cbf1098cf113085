//! `goldspan report` (a results JSON as an HTML overview) and the `--report FILE` of `score`
//! and `run`, which have the documents and write the full report.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::Context;
use goldspan_model::Manifest;
use goldspan_report::{Html, HtmlInput};
use goldspan_runner::Results;

use crate::args::HtmlReportArgs;
use crate::Outcome;

/// `goldspan report RESULTS -o FILE`.
pub fn run(args: &HtmlReportArgs) -> anyhow::Result<Outcome> {
    let text = std::fs::read_to_string(&args.results)
        .with_context(|| format!("cannot read the results {}", args.results.display()))?;
    let results =
        parse(&text).with_context(|| format!("cannot read {} as goldspan results", args.results.display()))?;
    let input = HtmlInput {
        results: &results,
        documents: &[],
        baseline: None,
        attribution: None,
        splits: None,
        budget: goldspan_report::DOCUMENT_BUDGET,
    };
    write(&args.output, &goldspan_report::html(&input))?;
    Ok(Outcome::Ok)
}

/// One results document, or a list of exactly one (what `run --format json` writes for several
/// evals is a list: one report shows one system).
fn parse(text: &str) -> anyhow::Result<Results> {
    let value: serde_json::Value = serde_json::from_str(text).context("not JSON")?;
    let one = match value {
        serde_json::Value::Array(mut list) if list.len() == 1 => list.remove(0),
        serde_json::Value::Array(list) => anyhow::bail!(
            "it holds the results of {} evals; a report shows one: run the eval alone (goldspan run evals/NAME.toml --format json)",
            list.len()
        ),
        other => other,
    };
    Ok(serde_json::from_value(one)?)
}

/// Writes a report atomically and says on stderr what it holds.
pub fn write(path: &Path, html: &Html) -> anyhow::Result<()> {
    goldspan_formats::write_atomic(path, html.text.as_bytes())
        .with_context(|| format!("cannot write the report {}", path.display()))?;
    let size = html.text.len() as f64 / 1e6;
    let held = if html.documents == 0 {
        "the overview only".to_owned()
    } else if html.shown < html.documents {
        format!(
            "{} of {} documents: the others would take it past {} MB; the overview covers them all",
            html.shown,
            html.documents,
            goldspan_report::DOCUMENT_BUDGET / 1_000_000
        )
    } else {
        format!("{} documents", html.shown)
    };
    crate::eprint(&format!("wrote {} ({size:.1} MB): {held}\n", path.display()));
    Ok(())
}

/// Document id → split, from a corpus manifest.
pub fn splits(manifest: Option<&Manifest>) -> Option<BTreeMap<String, String>> {
    let manifest = manifest.filter(|m| !m.splits.is_empty())?;
    let mut out = BTreeMap::new();
    for (split, ids) in &manifest.splits {
        for id in ids {
            out.entry(id.clone()).or_insert_with(|| split.clone());
        }
    }
    Some(out)
}

/// The results as printed: without the errors and confusions a report made the evaluation
/// collect, unless they were asked for.
pub fn printed(results: &Results, errors: bool) -> Results {
    let mut out = results.clone();
    if !errors {
        out.errors = None;
        out.confusions = None;
    }
    out
}
