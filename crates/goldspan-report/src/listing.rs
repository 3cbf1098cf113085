//! `goldspan run --list`: the evals of a project, one row each — what runs on what, and the
//! state of its snapshot.

use serde::Serialize;

use crate::table::Table;

/// One eval, as listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EvalListing {
    /// The corpus it runs on (a path).
    pub corpus: String,
    /// Its name (the file stem).
    pub eval: String,
    /// The extractor spec.
    pub extractor: String,
    /// The layers it scores (empty: every layer).
    pub layers: Vec<String>,
    /// Its snapshot file.
    pub snapshot: String,
    /// `present`, `missing`, or `malformed: WHY`.
    pub snapshot_state: String,
    /// The split, or null for every document.
    pub split: Option<String>,
}

/// The listing as a table (terminal or Markdown).
pub fn eval_list_table(rows: &[EvalListing], markdown: bool) -> String {
    let mut t = Table::new(&["eval", "extractor", "corpus", "split", "layers", "snapshot"]);
    for r in rows {
        t.row(vec![
            r.eval.clone(),
            r.extractor.clone(),
            r.corpus.clone(),
            r.split.clone().unwrap_or_else(|| "(all)".to_owned()),
            if r.layers.is_empty() { "(all)".to_owned() } else { r.layers.join(", ") },
            format!("{} ({})", r.snapshot_state, r.snapshot),
        ]);
    }
    if markdown {
        t.markdown()
    } else {
        t.render()
    }
}

/// The listing as JSON: an array, keys sorted, a final newline.
pub fn eval_list_json(rows: &[EvalListing]) -> String {
    serde_json::to_string_pretty(rows).unwrap_or_default() + "\n"
}
