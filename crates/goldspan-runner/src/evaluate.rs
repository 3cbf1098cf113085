//! Scores a predictions file against gold: streamed in batches, scored in parallel, merged
//! into counts that do not depend on thread count or input order.
//!
//! Each batch of prediction lines is parsed on worker threads, matched with its gold document,
//! scored, and folded into running totals; only per-document micro counts (a few numbers)
//! are kept, and only when bootstrap intervals or per-document results are asked for. Memory
//! is therefore bounded by the batch, not the corpus.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

use goldspan_model::formats::jsonl;
use goldspan_model::{AnnotatedDocument, Annotations, Location, Problem, ProblemKind};
use goldspan_score::errors::{self, ErrorItem};
use goldspan_score::{score_document, Counts, Mode, Options, QuoteCounts, Tally};
use rayon::prelude::*;

use crate::error::Error;
use crate::gold::Gold;
use crate::label_map::LabelMap;

/// Prediction lines handled per batch.
const BATCH: usize = 1024;

/// What to compute.
#[derive(Debug, Clone)]
pub struct Config {
    /// Scoring options (modes, layers).
    pub options: Options,
    /// Label map applied to predictions.
    pub label_map: LabelMap,
    /// Metadata fields to slice results by.
    pub slices: Vec<String>,
    /// Keep per-document counts (for bootstrap intervals and per-document output).
    pub per_document: bool,
    /// Collect classified errors and confusions.
    pub errors: bool,
}

/// One document's counts, kept for bootstrap intervals and per-document output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentCounts {
    /// Document id.
    pub id: String,
    /// Micro counts per (layer, mode).
    pub micro: BTreeMap<(String, Mode), Counts>,
    /// Quote attribution per mode.
    pub quotes: BTreeMap<Mode, QuoteCounts>,
}

/// The outcome of scoring a predictions file.
#[derive(Debug, Clone, Default)]
pub struct Evaluation {
    /// Counts over every document in scope.
    pub total: Tally,
    /// Counts per (metadata field, value).
    pub slices: BTreeMap<(String, String), Tally>,
    /// Per-document counts, sorted by id (when asked for).
    pub documents: Vec<DocumentCounts>,
    /// Gold documents with no predictions, scored as empty predictions.
    pub missing: Vec<String>,
    /// Predictions for gold documents outside the split, ignored.
    pub outside_split: usize,
    /// Classified errors, by document then position (when asked for).
    pub errors: Vec<ErrorItem>,
    /// (layer, gold label, predicted label) to count (when errors are asked for).
    pub confusions: BTreeMap<(String, String, String), u64>,
}

struct Scored {
    id: String,
    tally: Tally,
    slice_values: Vec<(String, String)>,
    errors: Vec<ErrorItem>,
    confusions: BTreeMap<(String, String, String), u64>,
}

fn score_one(gold: &AnnotatedDocument, pred: &Annotations, config: &Config) -> Scored {
    let tally = score_document(gold, pred, &config.options);
    let slice_values = config
        .slices
        .iter()
        .map(|f| (f.clone(), gold.document.meta().get(f).cloned().unwrap_or_else(|| "(none)".into())))
        .collect();
    let (mut errs, mut confusions) = (Vec::new(), BTreeMap::new());
    if config.errors {
        for layer in tally.layers() {
            errs.extend(errors::classify(gold, pred, layer));
            for ((g, p), n) in errors::confusions(gold, pred, layer) {
                *confusions.entry((layer.to_owned(), g, p)).or_default() += n;
            }
        }
    }
    Scored { id: gold.document.id().to_owned(), tally, slice_values, errors: errs, confusions }
}

impl Evaluation {
    fn add(&mut self, s: Scored, config: &Config) {
        self.total += &s.tally;
        for key in s.slice_values {
            *self.slices.entry(key).or_default() += &s.tally;
        }
        if config.per_document {
            let mut micro = BTreeMap::new();
            for ((layer, mode, _), c) in &s.tally.spans {
                *micro.entry((layer.clone(), *mode)).or_insert_with(Counts::default) += *c;
            }
            self.documents.push(DocumentCounts { id: s.id, micro, quotes: s.tally.quotes.clone() });
        }
        self.errors.extend(s.errors);
        for (k, n) in s.confusions {
            *self.confusions.entry(k).or_default() += n;
        }
    }
}

/// Scores the predictions at `predictions` against `gold`. Every problem in the predictions is
/// collected and reported together; predictions for unknown documents are an error naming
/// them; gold documents without predictions are scored as empty and listed.
pub fn evaluate(gold: &Gold, predictions: &Path, config: &Config) -> Result<Evaluation, Error> {
    let location = Location::file(predictions);
    let mut reader = jsonl::Reader::open(predictions)?;
    let mut gold_file = gold.open_file()?;
    let in_scope: BTreeSet<&str> = gold.ids().iter().map(String::as_str).collect();
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut problems: Vec<Problem> = Vec::new();
    let mut unknown = Vec::new();
    let mut eval = Evaluation::default();
    loop {
        let mut batch = Vec::with_capacity(BATCH);
        while batch.len() < BATCH {
            match reader.next_line() {
                None => break,
                Some(Err(p)) => problems.push(p),
                Some(Ok(line)) => batch.push(line),
            }
        }
        if batch.is_empty() {
            break;
        }
        let records: Vec<_> =
            batch.par_iter().map(|(line, bytes)| jsonl::parse_line(bytes, *line, &location)).collect();
        let mut work = Vec::with_capacity(records.len());
        for record in records {
            let mut record = match record {
                Ok(r) => r,
                Err(p) => {
                    problems.push(p);
                    continue;
                }
            };
            let id = record.id().to_owned();
            if !in_scope.contains(id.as_str()) {
                if gold.knows(&id) {
                    eval.outside_split += 1;
                } else {
                    unknown.push(id);
                }
                continue;
            }
            if let Some(first) = seen.insert(id.clone(), record.line()) {
                problems.push(Problem::new(
                    location.at_line(record.line()).in_document(&id),
                    ProblemKind::DuplicateId { id, first_line: Some(first) },
                ));
                continue;
            }
            if !config.label_map.is_empty() {
                record.relabel(&|label| config.label_map.apply(label));
            }
            match gold.fetch(&id, gold_file.as_mut()) {
                Ok(fetched) => work.push((record, fetched)),
                Err(p) => problems.push(p),
            }
        }
        let scored: Vec<Result<Scored, Vec<Problem>>> = work
            .into_par_iter()
            .map(|(record, fetched)| {
                let g = gold.materialize(fetched)?;
                let p = record.resolve(Some(&g.document), gold.manifest(), &location)?;
                Ok(score_one(&g, &p.annotations, config))
            })
            .collect();
        for s in scored {
            match s {
                Ok(s) => eval.add(s, config),
                Err(p) => problems.extend(p),
            }
        }
    }
    eval.missing = gold.ids().iter().filter(|id| !seen.contains_key(*id)).cloned().collect();
    let mut fetched = Vec::new();
    for id in &eval.missing {
        match gold.fetch(id, gold_file.as_mut()) {
            Ok(f) => fetched.push(f),
            Err(p) => problems.push(p),
        }
    }
    let empty = Annotations::default();
    let scored: Vec<_> =
        fetched.into_par_iter().map(|f| gold.materialize(f).map(|g| score_one(&g, &empty, config))).collect();
    for s in scored {
        match s {
            Ok(s) => eval.add(s, config),
            Err(p) => problems.extend(p),
        }
    }
    if !problems.is_empty() {
        return Err(Error::problems(problems));
    }
    if !unknown.is_empty() {
        unknown.sort();
        unknown.truncate(20);
        return Err(Error::UnknownDocuments { file: predictions.to_owned(), ids: unknown });
    }
    eval.documents.sort_by(|a, b| a.id.cmp(&b.id));
    eval.errors.sort_by(|a, b| {
        let pos =
            |e: &ErrorItem| e.gold.as_ref().or(e.predicted.as_ref()).map(|s| (s.start, s.end)).unwrap_or_default();
        (&a.document, &a.layer, pos(a)).cmp(&(&b.document, &b.layer, pos(b)))
    });
    Ok(eval)
}
