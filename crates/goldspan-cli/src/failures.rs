//! What went wrong with an extractor, said first and loudly: how many documents failed, grouped
//! by cause, each cause with its first failure's details (the program's last stderr lines)
//! and a hint for the common mistakes. Printed on stderr before the results, so stdout keeps
//! only the results.

use std::collections::BTreeMap;

use goldspan_extract::{ExtractError, FailureKind};
use goldspan_runner::partial::PartialFailure;
use goldspan_runner::{Merged, RunOutcome};

/// The failure report of one run, or nothing when no document failed.
pub fn summary(name: &str, outcome: &RunOutcome) -> String {
    if outcome.failures.is_empty() {
        return String::new();
    }
    let mut groups: BTreeMap<FailureKind, Vec<&goldspan_runner::Failure>> = BTreeMap::new();
    for f in &outcome.failures {
        groups.entry(f.error.kind()).or_default().push(f);
    }
    let mut groups: Vec<_> = groups.into_iter().collect();
    // The most frequent cause first; documents not run last, they only follow from the rest.
    groups.sort_by_key(|(kind, fs)| (*kind == FailureKind::NotRun, std::cmp::Reverse(fs.len()), *kind));
    let mut out =
        format!("{name}: the extractor failed on {} of {} documents\n", outcome.failures.len(), outcome.documents());
    if let Some(stopped) = &outcome.stopped {
        out.push_str(&format!("  {stopped}\n"));
    }
    for (kind, failures) in groups {
        let first = failures[0];
        out.push_str(&format!("  {} × {}; first, document {}:\n", failures.len(), kind.describe(), first.document));
        out.push_str(&format!("      {}\n", first.reason));
        if kind != FailureKind::NotRun {
            out.push_str(&details(&first.error, "      "));
        }
    }
    out
}

/// The program's last stderr lines (when it exited) and the hint for `error`, indented.
pub fn details(error: &ExtractError, indent: &str) -> String {
    let mut out = String::new();
    if let ExtractError::Exited { stderr, .. } = error {
        if !stderr.is_empty() {
            out.push_str(&format!("{indent}its last stderr lines:\n"));
            for line in stderr {
                out.push_str(&format!("{indent}  | {line}\n"));
            }
        }
    }
    if let Some(hint) = error.hint() {
        out.push_str(&format!("{indent}hint: {hint}\n"));
    }
    out
}

/// The failure report of merged shards, as [`summary`] says it of a run on one machine.
pub fn merged_summary(merged: &Merged) -> String {
    if merged.failures.is_empty() {
        return String::new();
    }
    let mut groups: BTreeMap<(bool, &str), Vec<&PartialFailure>> = BTreeMap::new();
    for f in &merged.failures {
        groups.entry((f.not_run, f.kind.as_str())).or_default().push(f);
    }
    let mut groups: Vec<_> = groups.into_iter().collect();
    groups.sort_by_key(|((not_run, kind), fs)| (*not_run, std::cmp::Reverse(fs.len()), *kind));
    let mut out = format!(
        "{}: the extractor failed on {} of {} documents\n",
        merged.name,
        merged.failures.len(),
        merged.documents
    );
    for (shard, stopped) in &merged.stopped {
        out.push_str(&format!("  shard {shard}: {stopped}\n"));
    }
    for ((not_run, kind), failures) in groups {
        let first = failures[0];
        out.push_str(&format!("  {} × {kind}; first, document {}:\n", failures.len(), first.document));
        out.push_str(&format!("      {}\n", first.reason));
        if !not_run {
            if !first.stderr.is_empty() {
                out.push_str("      its last stderr lines:\n");
                for line in &first.stderr {
                    out.push_str(&format!("        | {line}\n"));
                }
            }
            if let Some(hint) = &first.hint {
                out.push_str(&format!("      hint: {hint}\n"));
            }
        }
    }
    out
}
