//! `score` and `score_tags`: predictions against gold, through the runner's evaluation.
//!
//! Paths are scored exactly as `goldspan score` scores them. Records given in memory become
//! interchange records (`records.rs`) and are scored in batches by [`RecordScorer`], the GIL
//! released while a batch is scored. Gold records are written to a temporary JSON Lines file first, so that gold is
//! indexed and read by the one gold reader; problems name them `<gold>`, not the file.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Path, PathBuf};

use goldspan_formats::conll::{decode_tags, Scheme, Tagging};
use goldspan_formats::{gold, jsonl, Format, ReadOptions};
use goldspan_model::{AnnotatedDocument, Annotations, Document, Location, Manifest, Meta, Problem, ProblemKind, Span};
use goldspan_runner::{
    evaluate, evaluate_documents, leave_out_other_layers, read_saved_run, score_pairs, Config, Evaluation, Gold,
    LabelMap, RecordScorer, Results, RunInfo,
};
use goldspan_score::{Mode, Options};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

use crate::errors::{self, GoldspanError};
use crate::records::{record, Batch, Conversion, PREDICTION_RECORDS};

/// Records converted (with the GIL) before a batch is scored (without it).
const BATCH: usize = 4096;

/// The name problems give gold records passed in memory.
const GOLD_RECORDS: &str = "<gold>";

/// Scores predictions against gold and returns the results JSON (`goldspan.results/1`).
/// Exactly one of `gold_path`/`gold_records` and one of `pred_path`/`pred_records` is given
/// (the Python wrapper sees to it).
#[pyfunction]
#[pyo3(signature = (
    *, gold_path=None, gold_records=None, pred_path=None, pred_records=None, pred_format="jsonl",
    modes, layers=None, label_map_path=None, label_map=None, split=None, bootstrap=0,
    seed=goldspan_runner::DEFAULT_SEED, slices=Vec::new(), per_document=false, errors=false,
    manifest=None, conversion="lines"
))]
#[allow(clippy::too_many_arguments)]
pub fn score(
    py: Python<'_>,
    gold_path: Option<PathBuf>,
    gold_records: Option<&Bound<'_, PyAny>>,
    pred_path: Option<PathBuf>,
    pred_records: Option<&Bound<'_, PyAny>>,
    pred_format: &str,
    modes: Vec<String>,
    layers: Option<Vec<String>>,
    label_map_path: Option<PathBuf>,
    label_map: Option<BTreeMap<String, String>>,
    split: Option<String>,
    bootstrap: usize,
    seed: u64,
    slices: Vec<String>,
    per_document: bool,
    errors: bool,
    manifest: Option<PathBuf>,
    conversion: &str,
) -> PyResult<String> {
    let modes = parse_modes(&modes)?;
    let conversion = match conversion {
        "lines" => Conversion::Lines,
        "serde" => Conversion::Serde,
        other => {
            return Err(PyValueError::new_err(format!("conversion must be \"lines\" or \"serde\", not {other:?}")))
        }
    };
    let manifest = match &manifest {
        Some(path) => Some(read_manifest(py, path)?),
        None => None,
    };
    let label_map = match (label_map_path, label_map) {
        (Some(path), _) => LabelMap::read(&path).map_err(|e| errors::runner_error(py, &e, &[]))?,
        (None, Some(map)) => map.into_iter().collect(),
        (None, None) => LabelMap::default(),
    };
    let pred_format = Format::parse(pred_format)
        .ok_or_else(|| PyValueError::new_err(format!("unknown predictions format {pred_format:?}")))?;
    // Gold records go to a temporary file, kept until scoring is done.
    let temporary;
    let (gold_path, gold_name) = match (gold_path, gold_records) {
        (Some(path), _) => (path, None),
        (None, Some(records)) => {
            temporary = write_gold(py, records, manifest.as_ref())?;
            (temporary.path().to_owned(), Some(GOLD_RECORDS.to_owned()))
        }
        (None, None) => return Err(PyValueError::new_err("give the gold: a path or an iterable of records")),
    };
    let renames = [(gold_path.as_path(), GOLD_RECORDS)];
    let renames: &[(&Path, &str)] = if gold_name.is_some() { &renames } else { &[] };
    // Predictions given through a pipe are copied first, as `goldspan score` copies them: the
    // header is read before the records.
    let streams = match &pred_path {
        Some(path) if pred_format == Format::Jsonl => vec![path.as_path()],
        _ => Vec::new(),
    };
    let _copies = jsonl::spool(streams)
        .map_err(|e| GoldspanError::new_err(format!("cannot copy predictions given through a pipe: {e}")))?;
    // A predictions file saved by `goldspan run --save-predictions` is scored as the run
    // scored it, as `goldspan score` scores it: its split, documents and layers.
    let saved = match &pred_path {
        Some(path) if pred_format == Format::Jsonl => {
            read_saved_run(path).map_err(|e| errors::runner_error(py, &e, renames))?
        }
        _ => None,
    };
    let split = match &saved {
        Some(run) => run.split_to_score(split.as_deref(), gold_path.is_dir()).map_err(|ran| {
            PyValueError::new_err(format!(
                "{} holds a run on split {ran:?}, not {:?}: score it with split={ran:?} (or without a split)",
                pred_path.as_deref().unwrap_or(Path::new("")).display(),
                split.as_deref().unwrap_or_default()
            ))
        })?,
        None => split,
    };
    let mut gold = py
        .detach(|| Gold::open(&gold_path, split.as_deref(), manifest))
        .map_err(|e| errors::runner_error(py, &e, renames))?;
    let layers = layers.map(|l| l.into_iter().collect::<BTreeSet<_>>());
    let mut config = Config {
        label_map,
        slices,
        per_document: per_document || bootstrap > 0,
        errors,
        ..Config::new(Options { layers, ..Options::new(modes.clone()) })
    };
    if let Some(run) = &saved {
        run.adopt(&mut gold, &mut config).map_err(|e| errors::runner_error(py, &e, renames))?;
    }
    py.detach(|| config.check_names(&gold)).map_err(|e| errors::name_error(&e))?;
    let (eval, predictions) = match (pred_path, pred_records) {
        (Some(path), _) if pred_format == Format::Jsonl => {
            let eval = py.detach(|| evaluate(&gold, &path, &config));
            (eval.map_err(|e| errors::runner_error(py, &e, renames))?, file_name(&path))
        }
        (Some(path), _) => {
            let eval = py.detach(|| {
                let options = ReadOptions::default();
                let mut collection = pred_format.read(&path, &options)?;
                // A spaCy Doc's span groups, as `goldspan score` leaves them out (it says so on
                // stderr).
                if matches!(pred_format, Format::Spacy | Format::DocBin) {
                    leave_out_other_layers(&gold, &mut collection.documents, &options.layer);
                }
                evaluate_documents(&gold, collection.documents, &path, &config)
            });
            (eval.map_err(|e| errors::runner_error(py, &e, renames))?, file_name(&path))
        }
        (None, Some(records)) => {
            (score_records(py, &gold, records, &config, renames, conversion)?, PREDICTION_RECORDS.to_owned())
        }
        (None, None) => return Err(PyValueError::new_err("give the predictions: a path or an iterable of records")),
    };
    let info = RunInfo {
        gold: gold_name.unwrap_or_else(|| gold.name()),
        split,
        predictions,
        modes,
        bootstrap: (bootstrap > 0).then_some((bootstrap, seed)),
        label_map: !config.label_map.is_empty(),
        per_document,
        grounding: config.options.grounding,
    };
    let mut results = Results::new(&eval, &info);
    if let Some(run) = &saved {
        let hash = py.detach(|| gold.corpus_hash()).map_err(|e| errors::runner_error(py, &e, renames))?;
        results = results.of_saved_run(run, hash);
    }
    Ok(results_json(results, errors))
}

/// The results JSON, without the error listing unless asked for (as `goldspan score` prints).
fn results_json(mut results: Results, errors: bool) -> String {
    if !errors {
        results.errors = None;
        results.confusions = None;
    }
    results.to_json()
}

/// Reads prediction records from a Python iterable and scores them a batch at a time. The
/// GIL-bound conversion of one batch overlaps the scoring of the previous one, on a thread of
/// its own without the GIL; Ctrl-C (a pending `KeyboardInterrupt`) stops between batches.
fn score_records(
    py: Python<'_>,
    gold: &Gold,
    records: &Bound<'_, PyAny>,
    config: &Config,
    renames: &[(&Path, &str)],
    conversion: Conversion,
) -> PyResult<Evaluation> {
    fn score(mut scorer: RecordScorer<'_>, batch: Batch) -> (RecordScorer<'_>, Result<(), goldspan_runner::Error>) {
        let (records, problems) = batch.finish();
        for problem in problems {
            scorer.unreadable(problem);
        }
        let result = scorer.add(records);
        (scorer, result)
    }
    let iterator = records.try_iter().map_err(|_| not_iterable("predictions", records))?;
    let scorer = RecordScorer::new(gold, Path::new(PREDICTION_RECORDS), config);
    std::thread::scope(|threads| {
        let mut scoring: Scoring = Err(scorer);
        let mut batch = Batch::default();
        let mut number = 0;
        for item in iterator {
            number += 1;
            batch.push(&item?, number, conversion);
            if batch.len() == BATCH {
                let scorer = wait(py, scoring, renames)?;
                let full = std::mem::take(&mut batch);
                scoring = Ok(threads.spawn(move || score(scorer, full)));
                py.check_signals()?;
            }
        }
        let scorer = wait(py, scoring, renames)?;
        py.detach(|| {
            let (scorer, result) = score(scorer, batch);
            result?;
            scorer.finish()
        })
        .map_err(|e| errors::runner_error(py, &e, renames))
    })
}

/// The scorer, or the thread scoring a batch with it (which gives it back).
type Scoring<'s, 'g> =
    Result<std::thread::ScopedJoinHandle<'s, (RecordScorer<'g>, Result<(), goldspan_runner::Error>)>, RecordScorer<'g>>;

/// The scorer, once the batch it is scoring (if any) is scored; waits without the GIL.
fn wait<'g>(py: Python<'_>, scoring: Scoring<'_, 'g>, renames: &[(&Path, &str)]) -> PyResult<RecordScorer<'g>> {
    match scoring {
        Err(scorer) => Ok(scorer),
        Ok(thread) => match py.detach(|| thread.join()) {
            Ok((scorer, Ok(()))) => Ok(scorer),
            Ok((_, Err(e))) => Err(errors::runner_error(py, &e, renames)),
            Err(_) => Err(GoldspanError::new_err("the scoring thread stopped unexpectedly")),
        },
    }
}

fn not_iterable(what: &str, value: &Bound<'_, PyAny>) -> PyErr {
    let kind = value.get_type().name().map(|n| n.to_string()).unwrap_or_default();
    PyValueError::new_err(format!(
        "the {what} must be a path (str or os.PathLike) or an iterable of records (dicts), not {kind}"
    ))
}

/// Gold records (with their text) checked and written to a temporary JSON Lines file, one line
/// per record, so that a problem the gold reader finds there (a repeated id) has the record's
/// number for its line.
fn write_gold(
    py: Python<'_>,
    records: &Bound<'_, PyAny>,
    manifest: Option<&Manifest>,
) -> PyResult<tempfile::NamedTempFile> {
    let io = |e: std::io::Error| GoldspanError::new_err(format!("cannot write a temporary gold file: {e}"));
    let file = tempfile::Builder::new().prefix("goldspan-gold-").suffix(".jsonl").tempfile().map_err(io)?;
    let mut out = std::io::BufWriter::new(file.as_file());
    let location = Location::file(GOLD_RECORDS);
    let mut problems = goldspan_model::Problems::default();
    let iterator = records.try_iter().map_err(|_| not_iterable("gold", records))?;
    for (i, item) in iterator.enumerate() {
        let item = item?;
        let resolved = match record(&item, i + 1) {
            Ok(record) => record.resolve(manifest, &location),
            Err(mut problem) => {
                problem.location.file = PathBuf::from(GOLD_RECORDS);
                Err(vec![problem])
            }
        };
        match resolved {
            Ok(doc) => writeln!(out, "{}", jsonl::to_line(&doc, true)).map_err(io)?,
            Err(found) => {
                problems.extend(found);
                // The line stays, so later lines keep their record numbers.
                writeln!(out).map_err(io)?;
            }
        }
    }
    out.flush().map_err(io)?;
    drop(out);
    if !problems.is_empty() {
        let e = problems.into_error();
        return Err(errors::model_error(py, &e, &[]));
    }
    Ok(file)
}

fn read_manifest(py: Python<'_>, path: &Path) -> PyResult<Manifest> {
    gold::read_manifest(path).map_err(|e| errors::model_error(py, &e, &[]))
}

fn parse_modes(names: &[String]) -> PyResult<Vec<Mode>> {
    if names.is_empty() {
        return Err(PyValueError::new_err("give at least one mode (strict, exact, partial, type, overlap:θ, tokens)"));
    }
    names.iter().map(|m| m.parse::<Mode>().map_err(|e| PyValueError::new_err(format!("mode {m:?}: {e}")))).collect()
}

fn file_name(path: &Path) -> String {
    path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
}

/// Scores token tags, seqeval-style: sentence `i` of `gold` against sentence `i` of `pred`,
/// each decoded in `scheme` by the lenient rule (conlleval's and seqeval's default), each
/// sentence a document (`s1`, `s2`, ...) whose text is one `x` per token, separated by spaces.
/// Returns the results JSON.
#[pyfunction]
#[pyo3(signature = (gold, pred, *, scheme="IOB2", modes, layer="entities", bootstrap=0, seed=goldspan_runner::DEFAULT_SEED, per_document=false, errors=false))]
#[allow(clippy::too_many_arguments)]
pub fn score_tags(
    py: Python<'_>,
    gold: Vec<Vec<String>>,
    pred: Vec<Vec<String>>,
    scheme: &str,
    modes: Vec<String>,
    layer: &str,
    bootstrap: usize,
    seed: u64,
    per_document: bool,
    errors: bool,
) -> PyResult<String> {
    let modes = parse_modes(&modes)?;
    let scheme = Scheme::parse(scheme).ok_or_else(|| {
        PyValueError::new_err(format!("unknown scheme {scheme:?}: IOB1, IOB2, IOE1, IOE2, BIOES, BILOU or IO"))
    })?;
    if gold.len() != pred.len() {
        return Err(PyValueError::new_err(format!(
            "the gold has {} sentences and the predictions {}: give one list of tags per sentence in each",
            gold.len(),
            pred.len()
        )));
    }
    let config =
        Config { per_document: per_document || bootstrap > 0, errors, ..Config::new(Options::new(modes.clone())) };
    let json = py.detach(|| -> Result<String, Vec<Problem>> {
        let mut problems = Vec::new();
        let mut pairs = Vec::with_capacity(gold.len());
        for (i, (g, p)) in gold.iter().zip(&pred).enumerate() {
            match sentence(i + 1, g, p, scheme, layer) {
                Ok(pair) => pairs.push(pair),
                Err(found) => problems.extend(found),
            }
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        let eval = score_pairs(&pairs, &config).map_err(|e| {
            vec![Problem::new(Location::file("<tags>"), ProblemKind::Syntax { message: e.to_string() })]
        })?;
        let info = RunInfo {
            gold: "gold tags".to_owned(),
            split: None,
            predictions: "predicted tags".to_owned(),
            modes,
            bootstrap: (bootstrap > 0).then_some((bootstrap, seed)),
            label_map: false,
            per_document,
            grounding: config.options.grounding,
        };
        Ok(results_json(Results::new(&eval, &info), errors))
    });
    json.map_err(|problems| {
        let e = goldspan_model::Error::Invalid(problems);
        errors::model_error(py, &e, &[])
    })
}

/// Sentence `n` (1-based) as a gold document and its predictions.
fn sentence(
    n: usize,
    gold: &[String],
    pred: &[String],
    scheme: Scheme,
    layer: &str,
) -> Result<(AnnotatedDocument, Annotations), Vec<Problem>> {
    let id = format!("s{n}");
    let at = || Location::file("<tags>").at_line(n).in_document(&id);
    let syntax = |message: String| Problem::new(at(), ProblemKind::Syntax { message });
    if gold.len() != pred.len() {
        return Err(vec![syntax(format!(
            "sentence {n} has {} gold tags and {} predicted tags; a sentence needs one tag per token in each",
            gold.len(),
            pred.len()
        ))]);
    }
    let spans = |tags: &[String], which: &str, prefix: &str| -> Result<Vec<Span>, Problem> {
        let chunks = decode_tags(tags, Tagging { scheme, ..Tagging::default() }).map_err(|(token, message)| {
            syntax(format!("{which} tag {} (token {}): {message}", token + 1, token + 1))
        })?;
        Ok(chunks
            .into_iter()
            .enumerate()
            .filter_map(|(k, (label, start, end))| {
                // Token t is the `x` at 2t; a chunk of tokens start..end covers 2·start..2·end − 1.
                Span::contiguous(format!("{prefix}{}", k + 1), layer, label, 2 * start, 2 * end - 1)
            })
            .collect())
    };
    let (gold_spans, pred_spans) = match (spans(gold, "gold", "G"), spans(pred, "predicted", "P")) {
        (Ok(g), Ok(p)) => (g, p),
        (g, p) => return Err(g.err().into_iter().chain(p.err()).collect()),
    };
    let text = vec!["x"; gold.len()].join(" ");
    let document = Document::new(id, text, Meta::new());
    let gold = AnnotatedDocument { document, annotations: Annotations { spans: gold_spans, ..Annotations::default() } };
    Ok((gold, Annotations { spans: pred_spans, ..Annotations::default() }))
}
