//! Scores a predictions file against gold: streamed in batches, scored in parallel, merged
//! into counts that do not depend on thread count or input order.
//!
//! Each batch of prediction lines is parsed on worker threads, matched with its gold document,
//! scored, and folded into running totals; only per-document micro counts (a few numbers)
//! are kept, and only when bootstrap intervals or per-document results are asked for. Memory
//! is therefore bounded by the batch, not the corpus. Classified errors (`--errors`) go to an
//! [`ErrorLog`], which keeps at most a fixed budget in memory and the rest in sorted runs in a
//! temporary file.

mod records;

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

use goldspan_formats::conll::{self, Column};
use goldspan_formats::{jsonl, ReadOptions};
use goldspan_model::{
    check_name, AnnotatedDocument, Annotations, Location, Manifest, Problem, ProblemKind, Problems, UnknownName,
};
use goldspan_score::errors;
use goldspan_score::{ground_predictions, score_grounded_into, Counts, Mode, Options, QuoteCounts, Tally};
use rayon::prelude::*;

use crate::error::Error;
use crate::gold::Gold;
use crate::label_map::LabelMap;
use crate::results::errors::{ErrorLog, BUDGET};
use crate::results::ErrorList;

pub use records::RecordScorer;

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
    /// Score only the gold documents the predictions name (a sample a language model was run
    /// on); by default gold documents without predictions are scored as empty predictions.
    pub only_predicted: bool,
}

impl Config {
    /// Scores as `options` say, with no label map, slices, per-document counts or error
    /// classification, every gold document in scope; set the other fields to change that
    /// (`Config { errors: true, ..Config::new(options) }`).
    pub fn new(options: Options) -> Config {
        Config {
            options,
            label_map: LabelMap::default(),
            slices: Vec::new(),
            per_document: false,
            errors: false,
            only_predicted: false,
        }
    }

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
        // Found quickly when every name is right; otherwise every name is gathered below, for
        // the error to say which are.
        let (layers, labels, fields) = self.names();
        if gold.has_names(&layers, &labels, &fields) {
            return Ok(());
        }
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

impl Config {
    /// The names this configuration uses that the gold must have: the layers to score, the
    /// label map's targets, the metadata fields to slice by.
    pub(crate) fn names(&self) -> (Vec<&str>, Vec<&str>, Vec<&str>) {
        let layers = self.options.layers.iter().flatten().map(String::as_str).collect();
        let labels = self.label_map.targets().collect();
        let fields = self.slices.iter().map(String::as_str).collect();
        (layers, labels, fields)
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
#[derive(Debug, Default)]
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
    /// Classified errors, by document, then layer and position (when asked for).
    pub errors: ErrorList,
    /// Errors gathered while scoring, made into `errors` at the end.
    error_log: ErrorLog,
    /// (layer, gold label, predicted label) to count (when errors are asked for).
    pub confusions: BTreeMap<(String, String, String), u64>,
}

impl Evaluation {
    /// Scores one document into the running totals. Without slices or per-document output,
    /// counts go straight into the totals (no per-document allocation).
    fn absorb(&mut self, gold: &AnnotatedDocument, pred: &Annotations, config: &Config) {
        // Predictions given as text are placed once, for the scores and the errors alike.
        let grounded = ground_predictions(gold, pred, &config.options);
        if config.slices.is_empty() && !config.per_document {
            score_grounded_into(gold, &grounded, &config.options, &mut self.total);
        } else {
            let mut tally = Tally::default();
            score_grounded_into(gold, &grounded, &config.options, &mut tally);
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
            let pred = &*grounded.annotations;
            let layers: BTreeSet<&str> = gold.annotations.spans.iter().chain(&pred.spans).map(|s| s.layer()).collect();
            let mut items = Vec::new();
            for layer in
                layers.into_iter().filter(|l| config.options.layers.as_ref().is_none_or(|set| set.contains(*l)))
            {
                items.extend(errors::classify(
                    gold,
                    pred,
                    layer,
                    config.options.attribution.as_ref(),
                    &config.options.grounding,
                ));
                for ((g, p), n) in errors::confusions(gold, pred, layer) {
                    *self.confusions.entry((layer.to_owned(), g, p)).or_default() += n;
                }
            }
            self.error_log.push(gold.document.id(), &items);
        }
    }

    /// Puts the errors gathered in their final order (by document, then layer and position).
    fn seal_errors(&mut self) -> Result<(), Error> {
        self.errors = std::mem::take(&mut self.error_log).finish().map_err(Error::ErrorListing)?;
        Ok(())
    }

    /// Adds another partial evaluation (from another thread or batch).
    fn merge(mut self, other: Evaluation) -> Evaluation {
        self.total += &other.total;
        for (k, t) in other.slices {
            *self.slices.entry(k).or_default() += &t;
        }
        self.documents.extend(other.documents);
        self.error_log.append(other.error_log);
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
pub fn score_pairs(items: &[(AnnotatedDocument, Annotations)], config: &Config) -> Result<Evaluation, Error> {
    finish_pairs(absorb_pairs(Evaluation::default(), items, config))
}

/// Scores a batch of documents whose predictions are in memory into `eval`, in parallel:
/// [`score_pairs`] a batch at a time, ended by [`finish_pairs`].
pub(crate) fn absorb_pairs(
    eval: Evaluation,
    items: &[(AnnotatedDocument, Annotations)],
    config: &Config,
) -> Evaluation {
    let batch = items
        .par_iter()
        .fold(Evaluation::default, |mut eval, (gold, pred)| {
            eval.absorb(gold, pred, config);
            eval
        })
        .reduce(Evaluation::default, Evaluation::merge);
    eval.merge(batch)
}

/// Ends an evaluation built by [`absorb_pairs`]: documents in order, errors listed.
pub(crate) fn finish_pairs(mut eval: Evaluation) -> Result<Evaluation, Error> {
    eval.documents.sort_by(|a, b| a.id.cmp(&b.id));
    sort_ungrounded(&mut eval);
    eval.seal_errors()?;
    Ok(eval)
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
    let (pairs, notes) = conll_pairs(path, options, gold, predicted, config)?;
    Ok((score_pairs(&pairs, config)?, notes))
}

/// The documents of one CoNLL file with gold and predicted tags, as [`evaluate_conll`] scores
/// them: each gold document with its predictions (label map applied), and what reading noted.
pub fn conll_pairs(
    path: &Path,
    options: &ReadOptions,
    gold: Column,
    predicted: Column,
    config: &Config,
) -> Result<(Vec<crate::pairs::Pair>, Vec<String>), Error> {
    let (gold, predicted) = conll::read_pair(path, options, gold, predicted)?;
    let pairs = gold
        .documents
        .into_iter()
        .zip(predicted.documents)
        .map(|(g, p)| {
            let mut annotations = p.annotations;
            if !config.label_map.is_empty() {
                annotations.relabel(&|label| config.label_map.apply(label));
            }
            (g, annotations)
        })
        .collect();
    Ok((pairs, gold.notes))
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
    evaluate_within(gold, predictions, config, progress, BUDGET)
}

/// [`evaluate_with_progress`], holding at most `budget` bytes of classified errors in memory.
fn evaluate_within(
    gold: &Gold,
    predictions: &Path,
    config: &Config,
    progress: &dyn Fn(usize),
    budget: usize,
) -> Result<Evaluation, Error> {
    let mut blocks = jsonl::Blocks::open(predictions, BATCH, usize::MAX)?;
    let mut scorer = RecordScorer::within(gold, predictions, config, budget);
    // The reader's thread keeps the next block of prediction lines ready while this one is
    // scored.
    while let Some(block) = blocks.next_block() {
        for problem in block.problems {
            scorer.unreadable(problem);
        }
        if block.lines.is_empty() {
            break;
        }
        scorer.add_lines(&block.bytes, block.lines)?;
        progress(scorer.scored());
    }
    scorer.finish()
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
    budget: usize,
) -> Result<Evaluation, Error> {
    let missing: Vec<usize> = match config.only_predicted {
        true => Vec::new(),
        false => (0..seen.len()).filter(|&i| seen[i] == 0).collect(),
    };
    // A batch at a time, so that their errors too stay within the error log's budget.
    for batch in missing.chunks(BATCH) {
        let (partial, missing_problems) =
            score_all(batch.to_vec(), config, |index| Ok((gold.load_at(index)?, Annotations::default())));
        eval = eval.merge(partial);
        eval.error_log.spill_if_full(budget).map_err(Error::ErrorListing)?;
        problems.extend(missing_problems.into_vec());
    }
    eval.missing = missing.into_iter().map(|i| gold.ids()[i].to_owned()).collect();
    if !problems.is_empty() {
        return Err(Error::Input(problems.into_error()));
    }
    eval.outside_split = outside_split;
    eval.documents.sort_by(|a, b| a.id.cmp(&b.id));
    sort_ungrounded(&mut eval);
    eval.seal_errors()?;
    Ok(eval)
}

/// Puts the unplaced strings in document order (within a document they stay in the order
/// given), whatever order the threads scored the documents in.
fn sort_ungrounded(eval: &mut Evaluation) {
    eval.total.ungrounded.sort_by(|a, b| a.document.cmp(&b.document));
    for tally in eval.slices.values_mut() {
        tally.ungrounded.sort_by(|a, b| a.document.cmp(&b.document));
    }
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
    let Matched { pairs, seen, outside, problems } = match_documents(gold, predictions, source, config);
    let (eval, _) = score_all(pairs, config, Ok);
    // `seen` holds prediction numbers, not lines, but only its zeros matter from here.
    finish(eval, gold, &seen, outside, problems, config, BUDGET)
}

/// Leaves out of predictions read from a spaCy file (DocBin, `Doc.to_json`) the spans in
/// layers the gold does not have, but for `reader_layer` (where `doc.ents` go; those take the
/// gold's layers by their labels when scored). These are a spaCy Doc's span groups
/// (`doc.spans["sc"]` of a spancat, `["ruler"]` of a span ruler) besides `doc.ents`: scored by
/// label they would count again what the entities hold, and spaCy's own scorer scores only
/// `doc.ents` as entities. A group named after a layer of the gold is kept. Returns the layers
/// left out, each with its number of spans.
pub fn leave_out_other_layers(
    gold: &Gold,
    documents: &mut [AnnotatedDocument],
    reader_layer: &str,
) -> BTreeMap<String, usize> {
    let mut left_out: BTreeMap<String, usize> = BTreeMap::new();
    let mut layers: Option<BTreeMap<String, BTreeSet<String>>> = None;
    for doc in documents {
        let foreign = |layer: &str| layer != reader_layer;
        if !doc
            .annotations
            .spans
            .iter()
            .map(|s| s.layer())
            .chain(doc.annotations.text_spans.iter().map(|s| &*s.layer))
            .any(foreign)
        {
            continue;
        }
        let gold_layers = layers.get_or_insert_with(|| gold.layers());
        let keep = |layer: &str| layer == reader_layer || gold_layers.contains_key(layer);
        for (layer, n) in doc.annotations.retain_layers(&keep) {
            *left_out.entry(layer).or_default() += n;
        }
    }
    left_out
}

/// Predictions from another tool's file matched with their gold documents.
pub(crate) struct Matched {
    /// Each matched gold document with its predictions (relabelled, checked).
    pub(crate) pairs: Vec<(AnnotatedDocument, Annotations)>,
    /// For each gold document in scope, the number (from 1) of the prediction matched with
    /// it; 0 for none.
    pub(crate) seen: Vec<usize>,
    /// Predictions for gold documents outside the split, ignored.
    pub(crate) outside: usize,
    /// Every problem found.
    pub(crate) problems: Problems,
}

/// Matches predictions read from another tool's file with their gold documents, by id or by
/// identical text, relabelled and checked; what [`evaluate_documents`] scores.
pub(crate) fn match_documents(
    gold: &Gold,
    predictions: Vec<AnnotatedDocument>,
    source: &Path,
    config: &Config,
) -> Matched {
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
                        let ids: Vec<&str> = several.iter().map(|&i| &gold.ids()[i]).collect();
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
            let gold_id = gold.ids()[index].to_owned();
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
        // A format that carries no text (llm-json) is read with an empty one.
        if !pred.document.text().is_empty() && gold_doc.document.text() != pred.document.text() {
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
    Matched { pairs, seen, outside: outside.len(), problems }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::{Results, RunInfo};

    /// The JSON results of scoring `pred` against `gold` with errors, holding at most `budget`
    /// bytes of them in memory.
    fn json(gold: &Path, pred: &Path, budget: usize) -> String {
        let gold = Gold::open(gold, None, None).expect("gold opens");
        let config = Config { errors: true, ..Config::new(Options::new(vec![Mode::Strict])) };
        let eval = evaluate_within(&gold, pred, &config, &|_| {}, budget).expect("scores");
        let info = RunInfo {
            gold: "gold".into(),
            split: None,
            predictions: "pred.jsonl".into(),
            modes: vec![Mode::Strict],
            bootstrap: None,
            label_map: false,
            per_document: false,
            grounding: Default::default(),
        };
        Results::new(&eval, &info).to_json()
    }

    #[test]
    fn errors_spilled_to_the_temporary_file_list_as_those_held_in_memory() {
        // 2,100 documents: more than one batch of 2,048 prediction lines. Each prediction has
        // three errors: Bob as ORG (label), `met` as PERSON (spurious), Leeds missed.
        let dir = tempfile::tempdir().expect("temp dir");
        let span = |label: &str, start: usize, end: usize| {
            format!(r#"{{"layer": "entities", "label": "{label}", "start": {start}, "end": {end}}}"#)
        };
        let (mut gold, mut pred) = (String::new(), Vec::new());
        for i in 0..2100 {
            let spans = [span("PERSON", 0, 3), span("PERSON", 8, 11), span("GPE", 15, 20)].join(", ");
            gold.push_str(&format!(r#"{{"id": "d{i:05}", "text": "Ann met Bob in Leeds.", "spans": [{spans}]}}"#));
            gold.push('\n');
            let spans = [span("PERSON", 0, 3), span("ORG", 8, 11), span("PERSON", 4, 7)].join(", ");
            pred.push(format!(r#"{{"id": "d{i:05}", "spans": [{spans}]}}"#));
        }
        // Predictions in reverse order, without every tenth document (scored as empty after
        // the rest): errors still come out by document id.
        let pred: String =
            pred.iter().rev().enumerate().filter(|(i, _)| i % 10 != 3).map(|(_, l)| format!("{l}\n")).collect();
        let (gold_path, pred_path) = (dir.path().join("gold.jsonl"), dir.path().join("pred.jsonl"));
        std::fs::write(&gold_path, gold).expect("write gold");
        std::fs::write(&pred_path, pred).expect("write predictions");
        // A budget of one byte writes a run after each batch of 2,048 lines, and one for the
        // documents scored as empty.
        let spilled = json(&gold_path, &pred_path, 1);
        assert_eq!(spilled, json(&gold_path, &pred_path, BUDGET));
        let value: serde_json::Value = serde_json::from_str(&spilled).expect("JSON");
        let errors = value["errors"].as_array().expect("errors");
        let rows: Vec<(&str, &str)> =
            errors.iter().map(|e| (e["document"].as_str().unwrap_or(""), e["kind"].as_str().unwrap_or(""))).collect();
        // 1,890 documents with three errors, 210 with three missed spans.
        assert_eq!(rows.len(), 6300);
        assert!(rows.windows(2).all(|w| w[0].0 <= w[1].0), "errors by document");
        assert_eq!(&rows[..3], [("d00000", "spurious"), ("d00000", "label"), ("d00000", "missed")]);
        // d02096 is the fourth line of the reversed file: left out, so all missed.
        let empty: Vec<&str> = rows.iter().filter(|r| r.0 == "d02096").map(|r| r.1).collect();
        assert_eq!(empty, ["missed", "missed", "missed"]);
    }
}
