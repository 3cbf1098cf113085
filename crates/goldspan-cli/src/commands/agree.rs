//! `goldspan agree A B`: inter-annotator agreement as a table, Markdown or JSON.

use std::path::Path;

use anyhow::Context;
use goldspan_report::AgreementResults;
use goldspan_runner::{agree, Gold};

use super::print;
use crate::args::OutputFormat;
use crate::Outcome;

pub fn run(a: &Path, b: &Path, format: OutputFormat) -> anyhow::Result<Outcome> {
    let ga = Gold::open(a, None, None).with_context(|| format!("cannot read {}", a.display()))?;
    let gb = Gold::open(b, None, None).with_context(|| format!("cannot read {}", b.display()))?;
    let result = AgreementResults::new(&ga.name(), &gb.name(), &agree(&ga, &gb)?);
    print(&match format {
        OutputFormat::Json => goldspan_report::agreement_json(&result),
        OutputFormat::Table => goldspan_report::agreement_table(&result, false),
        OutputFormat::Markdown => goldspan_report::agreement_table(&result, true),
    })?;
    Ok(Outcome::Ok)
}
