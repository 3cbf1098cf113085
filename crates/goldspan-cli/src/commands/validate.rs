//! `goldspan validate`: every problem in a corpus, one per line, with file, line and document.

use std::path::Path;

use goldspan_formats::gold::Corpus;

use super::print;
use crate::Outcome;

pub fn run(corpus: &Path) -> anyhow::Result<Outcome> {
    let problems = Corpus::validate(corpus);
    if problems.is_empty() {
        let opened = Corpus::open(corpus)?;
        print(&format!("{}: {} documents, no problems\n", corpus.display(), opened.ids().len()))?;
        return Ok(Outcome::Ok);
    }
    let mut out = String::new();
    for p in &problems {
        out.push_str(&format!("{p}\n"));
    }
    let docs: std::collections::BTreeSet<_> = problems.iter().filter_map(|p| p.location.document.as_deref()).collect();
    out.push_str(&format!(
        "{}: {} problem{} in {} document{}\n",
        corpus.display(),
        problems.len(),
        if problems.len() == 1 { "" } else { "s" },
        docs.len(),
        if docs.len() == 1 { "" } else { "s" }
    ));
    print(&out)?;
    Ok(Outcome::Invalid)
}
