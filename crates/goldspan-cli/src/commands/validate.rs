//! `goldspan validate`: every problem in a corpus with file, line and document: one message per
//! root cause and a count of the others (an undeclared label in 5,000 spans is one message), or
//! each on its own line with `--all`. A gold corpus is a directory, or a JSON Lines file of
//! records with text (as `score --gold` and `run --corpus` take).

use std::path::Path;

use goldspan_formats::gold::Corpus;
use goldspan_formats::{Format, ReadOptions};
use goldspan_model::{Error, Problem};

use super::print;
use crate::Outcome;

pub fn run(corpus: &Path, all: bool, follow_symlinks: bool) -> anyhow::Result<Outcome> {
    if corpus.is_file() {
        return match Format::Jsonl.read(corpus, &ReadOptions::default()) {
            Ok(read) => no_problems(corpus, read.documents.len()),
            Err(Error::Invalid(problems)) => report(corpus, &problems, all),
            Err(e) => Err(e.into()),
        };
    }
    let problems = Corpus::validate_with(corpus, follow_symlinks);
    if problems.is_empty() {
        let opened = Corpus::open_with(corpus, follow_symlinks)?;
        return no_problems(corpus, opened.ids().len());
    }
    report(corpus, &problems, all)
}

fn no_problems(corpus: &Path, documents: usize) -> anyhow::Result<Outcome> {
    print(&format!("{}: {documents} documents, no problems\n", corpus.display()))?;
    Ok(Outcome::Ok)
}

/// Every problem, or one per root cause, then the count.
fn report(corpus: &Path, problems: &[Problem], all: bool) -> anyhow::Result<Outcome> {
    let mut out = String::new();
    if all {
        for p in problems {
            out.push_str(&format!("{p}\n"));
        }
    } else {
        for group in goldspan_model::group_by_cause(problems) {
            out.push_str(&format!("{}\n", group.first));
            if let Some(more) = group.more_line() {
                out.push_str(&format!("  {more}\n"));
            }
        }
    }
    let docs: std::collections::BTreeSet<_> = problems.iter().filter_map(|p| p.location.document.as_deref()).collect();
    let count = goldspan_model::problem_count(problems);
    // Problems past the cap are counted, not kept, and so are the documents they are in.
    let at_least = if count > problems.len() { "at least " } else { "" };
    out.push_str(&format!(
        "{}: {} problem{} in {at_least}{} document{}\n",
        corpus.display(),
        count,
        if count == 1 { "" } else { "s" },
        docs.len(),
        if docs.len() == 1 { "" } else { "s" }
    ));
    super::finish(&out, Outcome::Invalid)
}
