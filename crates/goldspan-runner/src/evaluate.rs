//! Scores a predictions file against gold: streamed in batches, scored in parallel, merged
//! into counts that do not depend on thread count or input order.
//!
//! Each batch of prediction lines is parsed on worker threads, matched with its gold document,
//! scored, and folded into running totals; only per-document micro counts (a few numbers)
//! are kept, and only when bootstrap intervals or per-document results are asked for. Memory
//! is therefore bounded by the batch, not the corpus.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

use goldspan_formats::conll::{self, Column};
use goldspan_formats::{jsonl, ReadOptions};
use goldspan_model::{
    check_name, AnnotatedDocument, Annotations, Location, Manifest, Problem, ProblemKind, Problems, UnknownName,
};
use goldspan_score::errors::{self, ErrorItem};
use goldspan_score::{score_document, score_document_into, Counts, Mode, Options, QuoteCounts, Tally};
use rayon::prelude::*;

use crate::error::Error;
use crate::gold::Gold;
use crate::label_map::LabelMap;

/// Prediction lines handled per batch.
const BATCH: usize = 2048;

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

impl Config {
    /// This configuration, scoring quotation attribution as `manifest` names it unless the
    /// options already name it. A corpus without an `[attribution]` section (or gold without
    /// a manifest) is scored without attribution.
    pub(crate) fn attributed(&self, manifest: Option<&Manifest>) -> Cow<'_, Config> {
        match manifest.and_then(|m| m.attribution.as_ref()) {
            Some(a) if self.options.attribution.is_none() => {
                let mut config = self.clone();
                config.options.attribution = Some(a.clone());
                Cow::Owned(config)
            }
            _ => Cow::Borrowed(self),
        }
    }
}

impl Config {
    /// Checks the names this configuration uses against the gold: each layer to score must be
    /// one of its layers, each slice field a metadata field of some document in scope, and
    /// each label a label map maps to a label of the gold. Gold with a manifest is checked
    /// against it; a gold file without one against what its documents use.
    pub fn check_names(&self, gold: &Gold) -> Result<(), UnknownName> {
        let needs_layers = self.options.layers.is_some() || !self.label_map.is_empty();
        if needs_layers {
            let layers = gold.layers();
            for layer in self.options.layers.iter().flatten() {
                check_name("layer", layer, layers.keys().map(String::as_str))?;
            }
            let labels: BTreeSet<&str> = layers.values().flatten().map(String::as_str).collect();
            for target in self.label_map.targets() {
                check_name("label-map target", target, labels.iter().copied())?;
            }
        }
        if !self.slices.is_empty() {
            let fields = gold.fields();
            for field in &self.slices {
                check_name("metadata field", field, fields.iter().map(String::as_str))?;
            }
        }
        Ok(())
    }
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

impl Evaluation {
    /// Scores one document into the running totals. Without slices or per-document output,
    /// counts go straight into the totals (no per-document allocation).
    fn absorb(&mut self, gold: &AnnotatedDocument, pred: &Annotations, config: &Config) {
        if config.slices.is_empty() && !config.per_document {
            score_document_into(gold, pred, &config.options, &mut self.total);
        } else {
            let tally = score_document(gold, pred, &config.options);
            self.total += &tally;
            for field in &config.slices {
                let value = gold.document.meta().get(field).cloned().unwrap_or_else(|| "(none)".into());
                *self.slices.entry((field.clone(), value)).or_default() += &tally;
            }
            if config.per_document {
                let micro = tally.micro_entries().map(|(l, m, c)| ((l.to_owned(), m), *c)).collect();
                self.documents.push(DocumentCounts {
                    id: gold.document.id().to_owned(),
                    micro,
                    quotes: tally.quotes.clone(),
                });
            }
        }
        if config.errors {
            let layers: BTreeSet<&str> = gold.annotations.spans.iter().chain(&pred.spans).map(|s| s.layer()).collect();
            for layer in
                layers.into_iter().filter(|l| config.options.layers.as_ref().is_none_or(|set| set.contains(*l)))
            {
                self.errors.extend(errors::classify(gold, pred, layer));
                for ((g, p), n) in errors::confusions(gold, pred, layer) {
                    *self.confusions.entry((layer.to_owned(), g, p)).or_default() += n;
                }
            }
        }
    }

    /// Adds another partial evaluation (from another thread or batch).
    fn merge(mut self, other: Evaluation) -> Evaluation {
        self.total += &other.total;
        for (k, t) in other.slices {
            *self.slices.entry(k).or_default() += &t;
        }
        self.documents.extend(other.documents);
        self.errors.extend(other.errors);
        for (k, n) in other.confusions {
            *self.confusions.entry(k).or_default() += n;
        }
        self
    }
}

/// Work items scored on a worker thread, with the problems they raised.
type Partial = (Evaluation, Problems);

fn score_all<T: Send>(
    items: Vec<T>,
    config: &Config,
    one: impl Fn(T) -> Result<(AnnotatedDocument, Annotations), Vec<Problem>> + Sync,
) -> Partial {
    items
        .into_par_iter()
        .fold(
            || (Evaluation::default(), Problems::default()),
            |(mut eval, mut problems): Partial, item| {
                match one(item) {
                    Ok((gold, pred)) => eval.absorb(&gold, &pred, config),
                    Err(p) => problems.extend(p),
                }
                (eval, problems)
            },
        )
        .reduce(
            || (Evaluation::default(), Problems::default()),
            |(a, mut pa), (b, pb)| {
                pa.extend(pb.into_vec());
                (a.merge(b), pa)
            },
        )
}

/// Scores documents whose predictions are already in memory (the runner's extractor outputs),
/// in parallel; the order of `items` does not matter.
pub fn score_pairs(items: Vec<(AnnotatedDocument, Annotations)>, config: &Config) -> Evaluation {
    let (mut eval, _) = score_all(items, config, Ok);
    eval.documents.sort_by(|a, b| a.id.cmp(&b.id));
    sort_errors(&mut eval.errors);
    eval
}

/// Scores one CoNLL file holding gold and predicted tags over the same tokens (conlleval's
/// `token gold predicted` layout): the tags of column `gold` against those of column
/// `predicted`, read by [`conll::read_pair`], with the label map applied to the predictions.
/// Returns the evaluation and what reading noted.
pub fn evaluate_conll(
    path: &Path,
    options: &ReadOptions,
    gold: Column,
    predicted: Column,
    config: &Config,
) -> Result<(Evaluation, Vec<String>), Error> {
    let (gold, predicted) = conll::read_pair(path, options, gold, predicted)?;
    let pairs = gold
        .documents
        .into_iter()
        .zip(predicted.documents)
        .map(|(g, p)| {
            let mut annotations = p.annotations;
            if !config.label_map.is_empty() {
                let spans = std::mem::take(&mut annotations.spans);
                annotations.spans = spans
                    .into_iter()
                    .filter_map(|s| config.label_map.apply(s.label()).map(|l| s.with_label(l)))
                    .collect();
            }
            (g, annotations)
        })
        .collect();
    Ok((score_pairs(pairs, config), gold.notes))
}

fn sort_errors(errors: &mut [ErrorItem]) {
    errors.sort_by(|a, b| {
        let pos =
            |e: &ErrorItem| e.gold.as_ref().or(e.predicted.as_ref()).map(|s| (s.start, s.end)).unwrap_or_default();
        (&a.document, &a.layer, pos(a)).cmp(&(&b.document, &b.layer, pos(b)))
    });
}

/// Prediction lines read together: their bytes in one buffer, each line's number and range.
struct Batch {
    bytes: Vec<u8>,
    lines: Vec<(usize, std::ops::Range<usize>)>,
    /// Problems reading them.
    problems: Vec<Problem>,
}

/// What became of one prediction line in the parallel pass.
enum Line {
    /// Scored: its document's place in the gold ids, its line, and the problems found in it
    /// (kept apart, so a repeated line's are dropped and problems come out in line order).
    InScope(usize, usize, Vec<Problem>),
    /// A gold document outside the split: ignored.
    OutsideSplit(String),
    /// No gold document has this id.
    Unknown(String, usize),
    /// The line did not parse.
    Unreadable(Problem),
}

/// Scores the predictions at `predictions` against `gold`. Every problem in the predictions is
/// collected and reported together, predictions for documents the gold does not have among
/// them (each with its line); gold documents without predictions are scored as empty and
/// listed; predictions for gold documents outside the split are counted and ignored.
///
/// Each batch of lines is parsed, matched with its gold and scored in one parallel pass;
/// repeated ids are found afterwards. A repeated id fails the whole evaluation, so the counts
/// of its second copy are never shown, and its problems are dropped.
pub fn evaluate(gold: &Gold, predictions: &Path, config: &Config) -> Result<Evaluation, Error> {
    evaluate_with_progress(gold, predictions, config, &|_| {})
}

/// [`evaluate`], calling `progress` with the number of gold documents scored so far after each
/// batch of prediction lines (for a progress display; the documents without predictions are
/// scored at the end).
pub fn evaluate_with_progress(
    gold: &Gold,
    predictions: &Path,
    config: &Config,
    progress: &dyn Fn(usize),
) -> Result<Evaluation, Error> {
    let config = &*config.attributed(gold.manifest());
    let location = Location::file(predictions);
    let mut reader = jsonl::Reader::open(predictions)?;
    // The line that scored each gold document (by its place in the gold ids); 0 for none yet.
    let mut seen: Vec<usize> = vec![0; gold.ids().len()];
    // Capped: ten million unknown ids keep a thousand problems and a count.
    let mut problems = Problems::default();
    let mut outside: BTreeSet<String> = BTreeSet::new();
    let mut eval = Evaluation::default();
    // A reader thread keeps the next batch of prediction lines ready while this one is scored.
    let (sender, batches) = std::sync::mpsc::sync_channel::<Batch>(2);
    let reader_thread = std::thread::spawn(move || {
        // Each batch's buffer starts at the largest size so far, so it seldom regrows.
        let mut size = 0;
        loop {
            let mut batch =
                Batch { bytes: Vec::with_capacity(size), lines: Vec::with_capacity(BATCH), problems: Vec::new() };
            while batch.lines.len() < BATCH {
                match reader.next_line_ref() {
                    None => break,
                    Some(Err(p)) => batch.problems.push(p),
                    Some(Ok(line)) => {
                        let start = batch.bytes.len();
                        batch.bytes.extend_from_slice(line.bytes);
                        batch.lines.push((line.number, start..batch.bytes.len()));
                    }
                }
            }
            let done = batch.lines.is_empty();
            size = size.max(batch.bytes.len());
            if sender.send(batch).is_err() || done {
                return;
            }
        }
    });
    let score_record =
        |mut record: jsonl::Record, index: usize| -> Result<(AnnotatedDocument, Annotations), Vec<Problem>> {
            if !config.label_map.is_empty() {
                record.relabel(&|label| config.label_map.apply(label));
            }
            let g = gold.load_at(index)?;
            let p = record.resolve_predictions(&g.document, gold.manifest(), &location)?;
            Ok((g, p))
        };
    let mut scored = 0;
    for batch in batches {
        problems.extend(batch.problems);
        if batch.lines.is_empty() {
            break;
        }
        let bytes = &batch.bytes;
        let (partial, lines) = batch
            .lines
            .into_par_iter()
            .fold(
                || (Evaluation::default(), Vec::new()),
                |(mut eval, mut lines): (Evaluation, Vec<Line>), (number, range)| {
                    let record = match jsonl::parse_line(&bytes[range], number, &location) {
                        Ok(record) => record,
                        Err(p) => {
                            lines.push(Line::Unreadable(p));
                            return (eval, lines);
                        }
                    };
                    let Some(index) = gold.position(record.id()) else {
                        let id = record.id().to_owned();
                        lines.push(if gold.knows(&id) { Line::OutsideSplit(id) } else { Line::Unknown(id, number) });
                        return (eval, lines);
                    };
                    let problems = match score_record(record, index) {
                        Ok((g, p)) => {
                            eval.absorb(&g, &p, config);
                            Vec::new()
                        }
                        Err(p) => p,
                    };
                    lines.push(Line::InScope(index, number, problems));
                    (eval, lines)
                },
            )
            .reduce(
                || (Evaluation::default(), Vec::new()),
                |(a, mut la), (b, lb)| {
                    la.extend(lb);
                    (a.merge(b), la)
                },
            );
        eval = eval.merge(partial);
        for line in lines {
            match line {
                Line::InScope(index, number, line_problems) => match seen[index] {
                    0 => {
                        seen[index] = number;
                        scored += 1;
                        problems.extend(line_problems);
                    }
                    first => {
                        let id = gold.ids()[index].clone();
                        problems.push_problem(Problem::new(
                            location.at_line(number).in_document(&id),
                            ProblemKind::DuplicateId { id, first_line: Some(first) },
                        ))
                    }
                },
                Line::OutsideSplit(id) => {
                    outside.insert(id);
                }
                Line::Unknown(id, number) => {
                    let message = "the gold has no document with this id".to_owned();
                    problems.push(location.at_line(number).in_document(&id), ProblemKind::Syntax { message });
                }
                Line::Unreadable(p) => problems.push_problem(p),
            }
        }
        progress(scored);
    }
    let _ = reader_thread.join();
    finish(eval, gold, &seen, outside.len(), problems, config)
}

/// Scores the gold documents no prediction named (`seen[i] == 0`) as empty predictions, and
/// puts the evaluation in its final order; any problem fails it.
fn finish(
    mut eval: Evaluation,
    gold: &Gold,
    seen: &[usize],
    outside_split: usize,
    mut problems: Problems,
    config: &Config,
) -> Result<Evaluation, Error> {
    let missing: Vec<usize> = (0..seen.len()).filter(|&i| seen[i] == 0).collect();
    let (partial, missing_problems) =
        score_all(missing.clone(), config, |index| Ok((gold.load_at(index)?, Annotations::default())));
    eval = eval.merge(partial);
    eval.missing = missing.into_iter().map(|i| gold.ids()[i].clone()).collect();
    problems.extend(missing_problems.into_vec());
    if !problems.is_empty() {
        return Err(Error::Input(problems.into_error()));
    }
    eval.outside_split = outside_split;
    eval.documents.sort_by(|a, b| a.id.cmp(&b.id));
    sort_errors(&mut eval.errors);
    Ok(eval)
}

/// Scores predictions read from another tool's file (`score --pred-format`), already in
/// memory. Each is matched with its gold document by id or, for tools whose files carry no
/// ids (spaCy, Prodigy, CoNLL), by identical text; then relabelled, given the manifest's layer
/// for its label, checked like any predictions, and scored. Problems name `source` and the
/// document.
pub fn evaluate_documents(
    gold: &Gold,
    predictions: Vec<AnnotatedDocument>,
    source: &Path,
    config: &Config,
) -> Result<Evaluation, Error> {
    let config = &*config.attributed(gold.manifest());
    let location = Location::file(source);
    let mut problems = Problems::default();
    let mut seen: Vec<usize> = vec![0; gold.ids().len()];
    let mut outside = BTreeSet::new();
    // Gold texts to the places of the documents that have them, built only when a prediction's
    // id is not a gold id.
    let mut by_text: Option<HashMap<String, Vec<usize>>> = None;
    let mut pairs = Vec::new();
    for (number, pred) in predictions.into_iter().enumerate() {
        let id = pred.document.id().to_owned();
        let at = location.in_document(&id);
        let index = match gold.position(&id) {
            Some(index) => index,
            None if gold.knows(&id) => {
                outside.insert(id);
                continue;
            }
            None => {
                let texts = by_text.get_or_insert_with(|| texts_of(gold, &mut problems));
                match texts.get(pred.document.text()).map(Vec::as_slice) {
                    Some([index]) => *index,
                    Some(several) => {
                        let ids: Vec<&str> = several.iter().map(|&i| gold.ids()[i].as_str()).collect();
                        let message = format!(
                            "no gold document has this id, and {} gold documents have its text ({}); give the predictions the gold ids",
                            ids.len(),
                            ids.join(", ")
                        );
                        problems.push(at, ProblemKind::Syntax { message });
                        continue;
                    }
                    None => {
                        let message = "no gold document has this id or this text".to_owned();
                        problems.push(at, ProblemKind::Syntax { message });
                        continue;
                    }
                }
            }
        };
        if seen[index] != 0 {
            let gold_id = gold.ids()[index].clone();
            let message =
                format!("a second prediction for gold document {gold_id} (the first is document {})", seen[index]);
            problems.push(at, ProblemKind::Syntax { message });
            continue;
        }
        seen[index] = number + 1;
        let gold_doc = match gold.load_at(index) {
            Ok(doc) => doc,
            Err(p) => {
                problems.extend(p);
                continue;
            }
        };
        if gold_doc.document.text() != pred.document.text() {
            let message = format!(
                "the document's text differs from gold document {}'s text{}",
                gold_doc.document.id(),
                first_difference(gold_doc.document.text(), pred.document.text())
            );
            problems.push(at, ProblemKind::Syntax { message });
            continue;
        }
        let mut annotations = pred.annotations;
        if !config.label_map.is_empty() {
            annotations.relabel(&|label| config.label_map.apply(label));
        }
        match gold.manifest() {
            // Gold without a manifest: a label takes the layer the gold document puts it in.
            None => annotations.take_layers_from(&Manifest::from_documents("", std::slice::from_ref(&gold_doc))),
            // The file's reader knew no manifest: labels find their layer here, after the map.
            Some(manifest) => annotations.take_layers_from(manifest),
        }
        if let Some(manifest) = gold.manifest() {
            let mut found = goldspan_model::Problems::default();
            goldspan_model::check_predictions(&gold_doc.document, &annotations, manifest, &at, &mut found);
            if !found.is_empty() {
                problems.extend(found.into_vec());
                continue;
            }
        }
        pairs.push((gold_doc, annotations));
    }
    let (eval, _) = score_all(pairs, config, Ok);
    // `seen` holds prediction numbers, not lines, but only its zeros matter from here.
    finish(eval, gold, &seen, outside.len(), problems, config)
}

/// Every gold text in scope, with the places of the documents that have it (to match
/// predictions by text).
fn texts_of(gold: &Gold, problems: &mut Problems) -> HashMap<String, Vec<usize>> {
    let loaded: Vec<Result<AnnotatedDocument, Vec<Problem>>> =
        (0..gold.ids().len()).into_par_iter().map(|index| gold.load_at(index)).collect();
    let mut texts: HashMap<String, Vec<usize>> = HashMap::new();
    for (index, doc) in loaded.into_iter().enumerate() {
        match doc {
            Ok(doc) => texts.entry(doc.document.text().to_owned()).or_default().push(index),
            Err(p) => problems.extend(p),
        }
    }
    texts
}

/// "; they first differ at code point N (gold …, predictions …)", or nothing when one text is
/// a prefix of the other but for length.
fn first_difference(gold: &str, pred: &str) -> String {
    let at = gold.chars().zip(pred.chars()).position(|(a, b)| a != b);
    let at = at.unwrap_or_else(|| gold.chars().count().min(pred.chars().count()));
    let around = |text: &str| text.chars().skip(at.saturating_sub(10)).take(20).collect::<String>();
    format!("; they first differ at code point {at} (gold {:?}, predictions {:?})", around(gold), around(pred))
}
