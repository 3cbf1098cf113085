//! A run's predictions saved (`goldspan run --save-predictions FILE`) and scored again
//! (`goldspan score --pred FILE`).
//!
//! The file is interchange JSON Lines: one record per document the extractor answered, in
//! corpus order (by id), without text, so the same outputs give the same bytes whatever the
//! thread count or cache. It opens with a header line naming the run —
//! `{"goldspan":1,"header":{"run":{...}}}`: the corpus, its hash, the split, the documents
//! when the run was narrowed (`--ids`, `--limit`), the extractor's identity, the documents it
//! failed on (which have no record) and the layers it produced. Every reader of interchange
//! files skips the header; `score` reads it, so a saved run scores to the results the run
//! printed (see docs/results.md for what "the same" covers).

use std::collections::BTreeSet;
use std::path::Path;

use goldspan_formats::jsonl;
use goldspan_model::{Annotations, Document};
use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::evaluate::Config;
use crate::gold::Gold;
use crate::results::{ExtractorIdentity, Failure, Results};

/// The header of a saved-predictions file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Header {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    run: Option<SavedRun>,
}

/// The run whose predictions a file holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SavedRun {
    /// The gold's name (the corpus name, or a gold file's stem).
    pub corpus: String,
    /// Hash of the documents in scope (`manifest.corpus_hash` of the run's results).
    pub corpus_hash: String,
    /// The documents the run was narrowed to (`--ids`, `--limit`), in corpus order; absent
    /// when it ran on the whole split.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub documents: Option<Vec<String>>,
    /// The extractor's identity.
    pub extractor: ExtractorIdentity,
    /// Documents the extractor failed on: they have no record.
    pub failures: Vec<Failure>,
    /// The layers the extractor produced spans in, sorted.
    pub layers: Vec<String>,
    /// The split, or null for every document.
    pub split: Option<String>,
}

/// Writes `records` (documents and the extractor's annotations of them, in corpus order) under
/// a header naming `run`, atomically.
pub(crate) fn write<'a>(
    path: &Path,
    run: &SavedRun,
    records: impl Iterator<Item = (&'a Document, &'a Annotations)>,
) -> Result<(), Error> {
    let mut out = jsonl::header_line(&Header { run: Some(run.clone()) });
    out.push('\n');
    for (document, annotations) in records {
        out.push_str(&jsonl::record_line(document, annotations, false));
        out.push('\n');
    }
    jsonl::write_lines(path, &out).map_err(Error::from)
}

/// The run a predictions file was saved from, when it opens with a run header.
pub fn read_saved_run(path: &Path) -> Result<Option<SavedRun>, Error> {
    Ok(jsonl::read_header::<Header>(path)?.and_then(|h| h.run))
}

impl SavedRun {
    /// The split to score this run's predictions on, given the split `asked` for (if any) and
    /// whether the gold is a corpus directory (the only gold with splits): `asked`, or the
    /// run's own split when none is asked for. Asking for another split than the run's is
    /// refused, saying which to give: its predictions would be scored against documents they
    /// were never made for; the error is the run's split.
    pub fn split_to_score(&self, asked: Option<&str>, gold_is_dir: bool) -> Result<Option<String>, String> {
        match (asked, &self.split) {
            (Some(given), Some(ran)) if given != ran => Err(ran.clone()),
            (None, Some(ran)) if gold_is_dir => Ok(Some(ran.clone())),
            _ => Ok(asked.map(str::to_owned)),
        }
    }

    /// Narrows `gold` and `config` to what the run scored: the documents it ran on and, unless
    /// `config` names layers, the layers its extractor produced. Returns the gold's layers
    /// left unscored because the extractor produced nothing in them (to tell the user).
    pub fn adopt(&self, gold: &mut Gold, config: &mut Config) -> Result<Vec<String>, Error> {
        if let Some(documents) = &self.documents {
            gold.select(Some(documents), None)?;
        }
        let mut not_predicted = Vec::new();
        if config.options.layers.is_none() && !self.layers.is_empty() {
            let produced: BTreeSet<String> = self.layers.iter().cloned().collect();
            not_predicted = gold.layers().into_keys().filter(|l| !produced.contains(l)).collect();
            config.options.layers = Some(produced);
        }
        Ok(not_predicted)
    }
}

impl Results {
    /// These results (of scoring a saved run's predictions) as the run reported them: its
    /// extractor, its failures (not missing predictions), and the hash of the gold scored.
    pub fn of_saved_run(mut self, run: &SavedRun, corpus_hash: String) -> Results {
        let failed: BTreeSet<&str> = run.failures.iter().map(|f| f.document.as_str()).collect();
        self.documents.missing_predictions.retain(|id| !failed.contains(id.as_str()));
        self.failures = Some(run.failures.clone());
        self.manifest.corpus_hash = Some(corpus_hash);
        self.manifest.extractor = Some(run.extractor.clone());
        self.manifest.predictions = run.extractor.name.clone();
        self
    }
}
