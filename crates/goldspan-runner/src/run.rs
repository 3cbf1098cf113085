//! `goldspan run`: an extractor over a corpus split, through the cache, then scored.
//!
//! Outputs are cached in one SQLite database per cache directory (see `cache`), under their
//! full key: the extractor's fingerprint (identity, `cache_inputs`, protocol) and the
//! document's content hash and id, checked again when read. Rerunning an unchanged eval
//! extracts nothing; a run killed halfway resumes from what was committed; a new version,
//! configuration, rule source or listed input gets a new fingerprint, so stale outputs are
//! never reused. Failures are not cached: they are retried next time. A cache that cannot be
//! opened or written is a warning (once per run), never a failed run.
//!
//! Extraction runs on `jobs` lanes, each a thread taking a fixed stripe of the documents in
//! order (lane `i` takes documents `i`, `i + jobs`, …), so each `cmd:` worker sees the same
//! documents in every run and the failures never depend on timing. The first
//! [`EARLY_STOP_DOCUMENTS`] documents run before the rest: when they all fail the same way, the
//! run stops there instead of failing the whole corpus one document at a time.

use std::collections::{BTreeSet, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Barrier, Mutex, OnceLock};
use std::time::Duration;

use goldspan_extract::{ExtractError, Extractor, ExtractorInfo, FailureKind, Registry, Settings};
use goldspan_model::{check_predictions, AnnotatedDocument, Annotations, Document, Location, Manifest, Problems};
use rayon::prelude::*;

use crate::cache::{self, CacheInputs, ExtractorKey, Reader, Store, Writer};
use crate::error::Error;
use crate::evaluate::{absorb_pairs, finish_pairs, score_pairs, Config, Evaluation};
use crate::gold::{Gold, ScopeReader};
use crate::results::ExtractorIdentity;
use crate::saved::{self, SavedRun};
use crate::shard::{Shard, ShardScope};
use crate::sorted_gold::{SortedGold, SortedReader};

/// How many documents run first, before the rest; when every one of them fails the same way,
/// the run stops.
pub const EARLY_STOP_DOCUMENTS: usize = 8;

/// What to run.
#[derive(Debug, Clone)]
pub struct RunConfig {
    /// The gold: a corpus directory, or an interchange JSON Lines file of documents with text.
    pub corpus: PathBuf,
    /// Its split, or every document.
    pub split: Option<String>,
    /// The extractor spec.
    pub extractor: String,
    /// Parallel extractions (and worker processes for `cmd:`).
    pub jobs: usize,
    /// Per-document time limit, for every extractor (see `Settings::timeout`).
    pub timeout: Duration,
    /// Cache directory; `None` disables the cache.
    pub cache: Option<PathBuf>,
    /// What else the extractor's output depends on (an eval's `cache_inputs`), hashed into
    /// the cache key.
    pub cache_inputs: CacheInputs,
    /// Stop at the first failure instead of recording it.
    pub fail_fast: bool,
    /// Where relative paths in the extractor spec are resolved from (an eval's root), and
    /// where `cmd:` workers run; `None` is the current directory.
    pub dir: Option<PathBuf>,
    /// The longest stdout line a `cmd:` worker may write, in bytes.
    pub max_line_bytes: usize,
    /// Scoring settings.
    pub scoring: Config,
    /// Only these documents of the split (each must be in it).
    pub ids: Option<Vec<String>>,
    /// Only the first this many documents (of `ids`, or of the split), in corpus order.
    pub limit: Option<usize>,
    /// When `scoring` names no layers, score only those the extractor produced spans in (the
    /// others are [`RunOutcome::not_predicted`]); an extractor that produced nothing is scored
    /// on every layer. Ad hoc runs do this; evals score the layers they name, or all.
    pub predicted_layers: bool,
    /// Where to save the extractor's outputs (see `goldspan score`, which scores them again).
    pub save_predictions: Option<PathBuf>,
    /// Keep every document with its predictions in [`RunOutcome::documents`] (for a report).
    /// Without it a run scores its documents a chunk at a time and keeps none, unless saved
    /// predictions, a shard's partial result or [`RunConfig::predicted_layers`] need them all
    /// at the end.
    pub keep_documents: bool,
    /// Run only this shard of the documents in scope (see [`crate::shard`]); the corpus hash
    /// is still that of every document in scope.
    pub shard: Option<Shard>,
}

/// One document the extractor failed on.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    /// Document id.
    pub document: String,
    /// Why, as text (`error` rendered).
    pub reason: String,
    /// Why.
    pub error: ExtractError,
}

/// How many failed documents a run may have and still pass: a count, or a share of the
/// documents in scope.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FailureLimit {
    /// At most this many.
    Count(usize),
    /// At most this percentage of the documents.
    Percent(f64),
}

impl FailureLimit {
    /// Parses `N` (a count) or `P%` (a percentage, 0 to 100).
    pub fn parse(text: &str) -> Result<FailureLimit, String> {
        let text = text.trim();
        if let Some(percent) = text.strip_suffix('%') {
            let p: f64 = percent.trim().parse().map_err(|_| format!("{text:?} is not a percentage"))?;
            if !(0.0..=100.0).contains(&p) {
                return Err(format!("{text:?} is not a percentage between 0% and 100%"));
            }
            return Ok(FailureLimit::Percent(p));
        }
        text.parse().map(FailureLimit::Count).map_err(|_| format!("{text:?} is not a count (N) or a percentage (P%)"))
    }

    /// Whether `failures` out of `documents` stay within the limit.
    pub fn allows(&self, failures: usize, documents: usize) -> bool {
        match *self {
            FailureLimit::Count(n) => failures <= n,
            FailureLimit::Percent(p) => failures as f64 <= p / 100.0 * documents as f64,
        }
    }
}

impl std::fmt::Display for FailureLimit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FailureLimit::Count(n) => write!(f, "{n}"),
            FailureLimit::Percent(p) => write!(f, "{p}%"),
        }
    }
}

/// The outcome of a run.
#[derive(Debug)]
pub struct RunOutcome {
    /// Scores; failed documents count as empty predictions, so a failing extractor cannot
    /// look better than one that answers.
    pub evaluation: Evaluation,
    /// Every gold document in scope with the predictions it was scored on (none for a failed
    /// document), in corpus order: what a report shows document by document. Empty unless
    /// the run had to keep them (see [`RunConfig::keep_documents`]).
    pub documents: Vec<(AnnotatedDocument, Annotations)>,
    /// Failures, by document id.
    pub failures: Vec<Failure>,
    /// Why the run stopped before the end (the rest of the documents are failures "not
    /// run"), if it did.
    pub stopped: Option<String>,
    /// The extractor's identity.
    pub extractor: ExtractorInfo,
    /// Corpus name.
    pub corpus: String,
    /// Hash of the documents in scope (ids, texts and annotations).
    pub corpus_hash: String,
    /// Documents extracted in this run.
    pub extracted: usize,
    /// Documents taken from the cache.
    pub cached: usize,
    /// Cached outputs found not to match their key (each extracted again).
    pub rejected: usize,
    /// What to tell about the cache, once: a cache that could not be used or written,
    /// rejected entries, directories of an older cache layout.
    pub cache_notes: Vec<String>,
    /// The corpus's quotation attribution vocabulary; `None` when its manifest names none
    /// (then no attribution was scored).
    pub attribution: Option<goldspan_model::Attribution>,
    /// Layers of the gold not scored because the extractor produced no span in them (with
    /// [`RunConfig::predicted_layers`]).
    pub not_predicted: Vec<String>,
    /// What a shard's partial result needs to be merged (runs with [`RunConfig::shard`]).
    pub shard: Option<ShardScope>,
}

impl RunOutcome {
    /// Documents in scope.
    pub fn documents(&self) -> usize {
        self.extracted + self.cached + self.failures.iter().filter(|f| f.error.kind() == FailureKind::NotRun).count()
    }

    /// Whether the extractor failed on every document in scope (and there was one).
    pub fn all_failed(&self) -> bool {
        !self.failures.is_empty() && self.failures.len() == self.documents()
    }
}

/// How far a run has got, for a progress display.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// Documents done (extracted, failed or taken from the cache).
    pub done: usize,
    /// Documents in scope.
    pub total: usize,
    /// Documents failed so far.
    pub failed: usize,
}

/// An error with its causes, for messages that must say why.
pub(crate) fn chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        text.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    text
}

/// How many documents are read, extracted and scored together. A run that need not hold
/// every document at the end holds about three chunks (the one being extracted, the next
/// being read, the last being scored), whatever the corpus's size.
pub const CHUNK: usize = 4096;

/// Documents the lanes work on: the index of the first among the run's documents, the
/// documents, and a slot for each one's result.
struct Chunk {
    first: usize,
    docs: Vec<AnnotatedDocument>,
    results: Vec<OnceLock<Result<Annotations, ExtractError>>>,
}

impl Chunk {
    /// The chunk's document ids, in order.
    fn ids(&self) -> Vec<String> {
        self.docs.iter().map(|d| d.document.id().to_owned()).collect()
    }

    /// The next chunk of the run: `size` of its documents from `reader`, or what is left
    /// (`None` when nothing is), numbered on from `taken` (the run's documents so far).
    fn next(reader: &mut Reading<'_>, taken: &mut usize, size: usize) -> Result<Option<Chunk>, Error> {
        let docs = reader.next_block(size)?;
        if docs.is_empty() {
            return Ok(None);
        }
        let first = *taken;
        *taken += docs.len();
        let results = docs.iter().map(|_| OnceLock::new()).collect();
        Ok(Some(Chunk { first, docs, results }))
    }
}

/// Runs `config.extractor` over the corpus split and scores it. `progress` is called as
/// documents complete (from the lanes' threads).
///
/// The documents go through in chunks of 4,096 documents: while the lanes extract one, the next is
/// read and the last is scored. Unless something needs every document at the end — the
/// report ([`RunConfig::keep_documents`]), saved predictions, or an ad hoc run that scores the
/// layers the extractor produced, known only when it is done — each chunk is dropped once
/// scored, so memory does not grow with the corpus.
pub fn run(registry: &Registry, config: &RunConfig, progress: &(dyn Fn(Progress) + Sync)) -> Result<RunOutcome, Error> {
    run_in_chunks(registry, config, progress, CHUNK)
}

/// [`run`] with chunks of `size` documents (at least the [`EARLY_STOP_DOCUMENTS`], which run
/// first, from the first chunk): for tests, which show with small chunks what a run does with
/// large ones.
pub fn run_in_chunks(
    registry: &Registry,
    config: &RunConfig,
    progress: &(dyn Fn(Progress) + Sync),
    size: usize,
) -> Result<RunOutcome, Error> {
    let size = size.max(EARLY_STOP_DOCUMENTS);
    // A `file:` extractor's predictions are read (decompressed, indexed) while the gold is: at a
    // million documents, two files of gigabytes at once instead of one after the other.
    let (gold, prepared) = std::thread::scope(|scope| {
        let prepared = scope.spawn(|| registry.prepare(&config.extractor, config.dir.as_deref()));
        let gold = Source::open(config);
        (gold, prepared.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
    });
    let gold = gold?;
    let manifest = gold.manifest();
    let in_scope = gold.documents();
    let mut scope_reader = gold.reader()?;
    let total = scope_reader.documents();
    let mut taken = 0;
    // The first chunk is read before the extractor starts: a corpus that does not read fails
    // before any worker is started.
    let first_chunk = Chunk::next(&mut scope_reader, &mut taken, size)?;
    let settings = Settings {
        jobs: config.jobs.max(1),
        timeout: config.timeout,
        manifest: manifest.cloned(),
        dir: config.dir.clone(),
        max_line_bytes: config.max_line_bytes,
    };
    let extractor: Box<dyn Extractor> = registry.resolve_prepared(prepared, &settings)?;
    if let Some(chunk) = &first_chunk {
        announce(&*extractor, &chunk.ids());
    }
    let info = extractor.info();
    let mut cache_notes = Vec::new();
    let cache = match &config.cache {
        Some(dir) => RunCache::open(dir, &info, &config.cache_inputs, &mut cache_notes)?,
        None => None,
    };
    let layers_known = !(config.predicted_layers && config.scoring.options.layers.is_none());
    // A shard's partial result holds its documents' predictions.
    let keep = config.keep_documents || config.save_predictions.is_some() || config.shard.is_some() || !layers_known;
    let scoring_now = (!keep).then(|| config.scoring.attributed(manifest).into_owned());
    let lanes = settings.jobs.min(total).max(1);
    let pilot = total.min(EARLY_STOP_DOCUMENTS);
    let done = AtomicUsize::new(0);
    let failed = AtomicUsize::new(0);
    let extracted = AtomicUsize::new(0);
    let fail_fast_hit = AtomicBool::new(false);
    let early_stop: OnceLock<Option<String>> = OnceLock::new();
    let process = |chunk: &Chunk, i: usize, stop: Option<&String>, lane: &mut LaneReader| {
        let doc = &chunk.docs[i - chunk.first];
        let hash = cache.as_ref().map(|_| cache::document_hash(&doc.document));
        let found = cache.as_ref().zip(hash.as_ref()).and_then(|(c, h)| c.lookup(lane, doc, h, manifest));
        let result = if let Some(found) = found {
            Ok(found)
        } else if let Some(reason) = stop {
            Err(ExtractError::NotRun(reason.clone()))
        } else if fail_fast_hit.load(Ordering::SeqCst) {
            Err(ExtractError::NotRun("an earlier document failed (--fail-fast)".into()))
        } else if goldspan_extract::stopping() {
            Err(ExtractError::NotRun("goldspan was interrupted".into()))
        } else {
            // A panic is a finding like any failure; it must not leave the other lanes waiting
            // for this one at the barrier.
            let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| extractor.extract(&doc.document)))
                .unwrap_or_else(|panic| {
                    let message = panic
                        .downcast_ref::<&str>()
                        .map(|s| s.to_string())
                        .or_else(|| panic.downcast_ref::<String>().cloned())
                        .unwrap_or_default();
                    Err(ExtractError::Failed(format!("the extractor panicked: {message}")))
                });
            extracted.fetch_add(1, Ordering::Relaxed);
            match result {
                Ok(annotations) => match cache.as_ref().zip(hash) {
                    Some((c, hash)) => Ok(c.put(hash, &doc.document, annotations)),
                    None => Ok(annotations),
                },
                Err(e) => {
                    if config.fail_fast {
                        fail_fast_hit.store(true, Ordering::SeqCst);
                    }
                    Err(e)
                }
            }
        };
        let failed = failed.fetch_add(usize::from(result.is_err()), Ordering::Relaxed) + usize::from(result.is_err());
        let _ = chunk.results[i - chunk.first].set(result);
        progress(Progress { done: done.fetch_add(1, Ordering::Relaxed) + 1, total, failed });
    };
    // What the chunks add up to.
    let mut outputs = Outputs {
        failures: Vec::new(),
        produced: BTreeSet::new(),
        kept: Vec::new(),
        evaluation: scoring_now.as_ref().map(|_| Evaluation::default()),
    };
    progress(Progress { done: 0, total, failed: 0 });
    // The chunk the lanes are to work on next; `None` tells them to finish.
    let current: Mutex<Option<Arc<Chunk>>> = Mutex::new(None);
    // The main thread and every lane meet here when a chunk starts and when it is done.
    let meet = Barrier::new(lanes + 1);
    let pilot_done = Barrier::new(lanes);
    let mut read_error = None;
    std::thread::scope(|scope| {
        for lane in 0..lanes {
            let (process, meet, pilot_done, current, early_stop) =
                (&process, &meet, &pilot_done, &current, &early_stop);
            scope.spawn(move || {
                let mut reader = LaneReader::Unopened;
                loop {
                    meet.wait();
                    let Some(chunk) = current.lock().unwrap_or_else(|e| e.into_inner()).clone() else { break };
                    let end = chunk.first + chunk.docs.len();
                    if chunk.first == 0 {
                        for i in (lane..pilot).step_by(lanes) {
                            process(&chunk, i, None, &mut reader);
                        }
                        // Every lane waits for the first documents; one decides for all.
                        if pilot_done.wait().is_leader() {
                            let _ = early_stop.set(stop_reason(&chunk.results[..pilot], total));
                        }
                        pilot_done.wait();
                    }
                    let stop = early_stop.get().and_then(Option::as_ref);
                    // Lane `lane` takes the documents whose index leaves `lane` divided by
                    // `lanes`, in every chunk: the same stripe as in one pass over the corpus.
                    let from = chunk.first + (lane + lanes - chunk.first % lanes) % lanes;
                    for i in (from..end).step_by(lanes).filter(|i| *i >= pilot) {
                        process(&chunk, i, stop, &mut reader);
                    }
                    drop(chunk);
                    meet.wait();
                }
            });
        }
        let mut ready = first_chunk;
        let mut previous: Option<Chunk> = None;
        let mut announcing = None;
        loop {
            let last_chunk = ready.is_none();
            // The chunk about to start was announced to the extractor on a thread of its own,
            // while the lanes extracted the one before (a panic there leaves the extractor to
            // answer unannounced).
            if let Some(announcing) = announcing.take() {
                let _ = std::thread::ScopedJoinHandle::join(announcing);
            }
            *current.lock().unwrap_or_else(|e| e.into_inner()) = ready.take().map(Arc::new);
            meet.wait();
            // While the lanes extract this chunk: the last one is scored, the next one read.
            if let Some(chunk) = previous.take() {
                outputs.absorb(chunk, scoring_now.as_ref(), keep);
            }
            if last_chunk {
                break;
            }
            // Read on while documents in scope are left, even when the run has taken all of
            // its own: a shard's corpus hash covers every document in scope.
            if !scope_reader.done() && !goldspan_extract::stopping() {
                match Chunk::next(&mut scope_reader, &mut taken, size) {
                    Ok(chunk) => {
                        if let Some(chunk) = &chunk {
                            let ids = chunk.ids();
                            let extractor = &*extractor;
                            announcing = Some(scope.spawn(move || announce(extractor, &ids)));
                        }
                        ready = chunk;
                    }
                    Err(e) => read_error = Some(e),
                }
            }
            meet.wait();
            let chunk = current.lock().unwrap_or_else(|e| e.into_inner()).take();
            // Every lane has dropped its handle before the meeting: this one is the last.
            previous = chunk.and_then(|c| Arc::try_unwrap(c).ok());
        }
    });
    // Commits what was extracted, interrupted or not.
    let rejected = cache.map_or(0, |c| c.finish(&mut cache_notes));
    if let Some(e) = read_error {
        return Err(e);
    }
    if goldspan_extract::stopping() {
        return Err(Error::Interrupted);
    }
    let Outputs { mut failures, produced, kept: mut pairs, evaluation } = outputs;
    let corpus_hash = scope_reader.corpus_hash();
    failures.sort_by(|a, b| a.document.cmp(&b.document));
    if config.fail_fast {
        if let Some(first) = failures.iter().find(|f| f.error.kind() != FailureKind::NotRun) {
            return Err(Error::FailFast { document: first.document.clone(), error: first.error.clone() });
        }
    }
    let extracted = extracted.into_inner();
    let not_run = failures.iter().filter(|f| f.error.kind() == FailureKind::NotRun).count();
    let failed: BTreeSet<&str> = failures.iter().map(|f| f.document.as_str()).collect();
    if let Some(path) = &config.save_predictions {
        let run = SavedRun {
            corpus: gold.name(),
            corpus_hash: corpus_hash.clone(),
            documents: gold.selected_ids(config),
            extractor: ExtractorIdentity {
                config_hash: info.config_hash.clone(),
                name: info.name.clone(),
                version: info.version.clone(),
            },
            failures: failures
                .iter()
                .map(|f| crate::results::Failure { document: f.document.clone(), reason: f.reason.clone() })
                .collect(),
            layers: produced.iter().cloned().collect(),
            split: config.split.clone(),
        };
        let records = pairs.iter().filter(|(doc, _)| !failed.contains(doc.document.id()));
        saved::write(path, &run, records.map(|(doc, a)| (&doc.document, a)))?;
    }
    let mut not_predicted = Vec::new();
    let mut shard = None;
    let evaluation = match evaluation {
        Some(evaluation) => finish_pairs(evaluation)?,
        None => {
            let mut scoring = config.scoring.attributed(manifest).into_owned();
            let gold_layers: BTreeSet<String> = match manifest {
                Some(m) => m.layers.iter().map(|l| l.name.clone()).collect(),
                None => docs_layers(&pairs),
            };
            if config.predicted_layers && scoring.options.layers.is_none() && !produced.is_empty() {
                not_predicted = gold_layers.difference(&produced).cloned().collect();
                scoring.options.layers = Some(produced.clone());
            }
            shard = config.shard.map(|shard| ShardScope {
                shard,
                in_scope,
                produced,
                scored_layers: scoring.options.layers.clone(),
                gold_layers,
            });
            if !scoring.label_map.is_empty() {
                for (_, annotations) in &mut pairs {
                    annotations.relabel(&|label| scoring.label_map.apply(label));
                }
            }
            score_pairs(&pairs, &scoring)?
        }
    };
    Ok(RunOutcome {
        evaluation,
        documents: pairs,
        failures,
        stopped: early_stop.into_inner().flatten(),
        extractor: info,
        corpus: gold.name(),
        corpus_hash,
        extracted,
        cached: total.saturating_sub(extracted + not_run),
        rejected,
        cache_notes,
        attribution: manifest.and_then(|m| m.attribution.clone()),
        not_predicted,
        shard,
    })
}

/// Tells `extractor` which documents it is about to be asked for ([`Extractor::prepare`]).
fn announce(extractor: &dyn Extractor, ids: &[String]) {
    extractor.prepare(&ids.iter().map(String::as_str).collect::<Vec<_>>());
}

/// Where a run's documents come from: a gold file in id order, read from start to end
/// ([`SortedGold`]), or the gold's index.
enum Source {
    /// A gold file in id order (checked, and its shard's documents counted, for the run's
    /// shard).
    Sorted(SortedGold),
    /// The gold indexed, and the run's shard.
    Indexed(Box<Gold>, Option<Shard>),
}

impl Source {
    /// The run's gold: a gold file in id order when the run takes every document of it and
    /// every name the run uses is found in it; otherwise the gold indexed, narrowed to
    /// `--ids` and `--limit`, its names checked (a misspelt layer or label map fails here,
    /// before anything is extracted).
    fn open(config: &RunConfig) -> Result<Source, Error> {
        // A split is a corpus directory's: a gold file given one is refused by `Gold::open`.
        let every_document = config.ids.is_none() && config.limit.is_none() && config.split.is_none();
        if every_document && !config.corpus.is_dir() {
            let (layers, labels, fields) = config.scoring.names();
            if let Some(sorted) = SortedGold::open(&config.corpus, config.shard, (&layers, &labels, &fields)) {
                return Ok(Source::Sorted(sorted));
            }
        }
        let mut gold = Gold::open(&config.corpus, config.split.as_deref(), None)?;
        gold.select(config.ids.as_deref(), config.limit)?;
        config.scoring.check_names(&gold)?;
        Ok(Source::Indexed(Box::new(gold), config.shard))
    }

    /// The manifest the gold is checked against (a corpus directory's; a gold file has none).
    fn manifest(&self) -> Option<&Manifest> {
        match self {
            Source::Sorted(_) => None,
            Source::Indexed(gold, _) => gold.manifest(),
        }
    }

    /// Documents in scope (in every shard).
    fn documents(&self) -> usize {
        match self {
            Source::Sorted(gold) => gold.documents(),
            Source::Indexed(gold, _) => gold.ids().len(),
        }
    }

    /// The ids in scope, when `--ids` or `--limit` chose them (a saved run lists them).
    fn selected_ids(&self, config: &RunConfig) -> Option<Vec<String>> {
        match self {
            Source::Indexed(gold, _) if config.ids.is_some() || config.limit.is_some() => Some(gold.ids().to_vec()),
            _ => None,
        }
    }

    fn name(&self) -> String {
        match self {
            Source::Sorted(gold) => gold.name(),
            Source::Indexed(gold, _) => gold.name(),
        }
    }

    /// A reader of the documents in scope, keeping the shard's.
    fn reader(&self) -> Result<Reading<'_>, Error> {
        Ok(match self {
            Source::Sorted(gold) => Reading::Sorted(gold.reader()?),
            Source::Indexed(gold, shard) => Reading::Indexed(ScopeReader::new(gold, *shard)),
        })
    }
}

/// A reader of a [`Source`]'s documents, a block at a time in id order.
enum Reading<'g> {
    Sorted(SortedReader<'g>),
    Indexed(ScopeReader<'g>),
}

impl Reading<'_> {
    fn documents(&self) -> usize {
        match self {
            Reading::Sorted(r) => r.documents(),
            Reading::Indexed(r) => r.documents(),
        }
    }

    fn done(&self) -> bool {
        match self {
            Reading::Sorted(r) => r.done(),
            Reading::Indexed(r) => r.done(),
        }
    }

    fn next_block(&mut self, size: usize) -> Result<Vec<AnnotatedDocument>, Error> {
        match self {
            Reading::Sorted(r) => r.next_block(size),
            Reading::Indexed(r) => r.next_block(size),
        }
    }

    fn corpus_hash(&self) -> String {
        match self {
            Reading::Sorted(r) => r.corpus_hash(),
            Reading::Indexed(r) => r.corpus_hash(),
        }
    }
}

/// What the chunks of a run add up to, a chunk at a time.
struct Outputs {
    failures: Vec<Failure>,
    /// Layers the extractor produced spans in (on documents it did not fail on).
    produced: BTreeSet<String>,
    /// Every document with its predictions, when the run keeps them.
    kept: Vec<(AnnotatedDocument, Annotations)>,
    /// The scores so far, when each chunk is scored as it is done.
    evaluation: Option<Evaluation>,
}

impl Outputs {
    /// Takes in a chunk the lanes are done with: its failures and the layers produced; then
    /// scores it (`scoring`) or keeps it (`keep`).
    fn absorb(&mut self, chunk: Chunk, scoring: Option<&Config>, keep: bool) {
        let mut pairs = Vec::with_capacity(chunk.docs.len());
        for (doc, result) in chunk.docs.into_iter().zip(chunk.results) {
            let annotations = match result.into_inner() {
                Some(Ok(annotations)) => {
                    let strings = annotations.text_spans.iter().map(|t| t.layer.as_str());
                    for layer in annotations.spans.iter().map(|s| s.layer()).chain(strings) {
                        if !self.produced.contains(layer) {
                            self.produced.insert(layer.to_owned());
                        }
                    }
                    annotations
                }
                Some(Err(error)) => {
                    let document = doc.document.id().to_owned();
                    self.failures.push(Failure { document, reason: error.to_string(), error });
                    Annotations::default()
                }
                // Every lane sets every document of its stripe.
                None => Annotations::default(),
            };
            pairs.push((doc, annotations));
        }
        if let (Some(scoring), Some(evaluation)) = (scoring, self.evaluation.take()) {
            if !scoring.label_map.is_empty() {
                pairs.par_iter_mut().for_each(|(_, a)| a.relabel(&|label| scoring.label_map.apply(label)));
            }
            self.evaluation = Some(absorb_pairs(evaluation, &pairs, scoring));
        }
        if keep {
            self.kept.extend(pairs);
        }
    }
}

/// The layers the gold documents have spans in.
fn docs_layers(pairs: &[(AnnotatedDocument, Annotations)]) -> BTreeSet<String> {
    pairs.iter().flat_map(|(doc, _)| doc.annotations.spans.iter().map(|s| s.layer().to_owned())).collect()
}

/// The cache as one run uses it: the store, the run's extractor key, which documents it
/// holds outputs for, and the writer (none when the cache cannot be written).
struct RunCache {
    store: Store,
    key: ExtractorKey,
    stored: HashSet<blake3::Hash>,
    writer: Option<Writer>,
    rejected: AtomicUsize,
    /// The first thing that went wrong with the cache during the run; only the first is told.
    warning: OnceLock<String>,
}

/// A lane's connection for looking up outputs, opened at its first lookup.
enum LaneReader {
    Unopened,
    Open(Reader),
    Failed,
}

impl RunCache {
    /// The cache in `dir` for `info`, or `None` (with a warning in `notes`) when it cannot be
    /// opened. A `cache_inputs` path that cannot be hashed is an error: the key would be
    /// incomplete.
    fn open(
        dir: &Path,
        info: &ExtractorInfo,
        inputs: &CacheInputs,
        notes: &mut Vec<String>,
    ) -> Result<Option<RunCache>, Error> {
        let unusable = |e: &dyn std::error::Error| format!("warning: the cache is not used: {}", chain(e));
        let store = match Store::open(dir) {
            Ok(store) => store,
            Err(e) => {
                notes.push(unusable(&e));
                return Ok(None);
            }
        };
        let legacy = store.legacy_dirs();
        if !legacy.is_empty() {
            notes.push(format!(
                "note: {} holds {} of per-document outputs from an older goldspan, no longer read: \
                 `goldspan cache clear` removes {}",
                dir.display(),
                if legacy.len() == 1 { "a directory".to_owned() } else { format!("{} directories", legacy.len()) },
                if legacy.len() == 1 { "it" } else { "them" },
            ));
        }
        let inputs = match store.hash_inputs(inputs) {
            Ok(inputs) => inputs,
            Err(cache::InputsError::Cache(e)) => {
                notes.push(unusable(&e));
                return Ok(None);
            }
            Err(e) => return Err(Error::CacheInputs(e)),
        };
        let key = ExtractorKey::new(info, &inputs.hash);
        let stored = match store.documents(&key) {
            Ok(stored) => stored,
            Err(e) => {
                notes.push(unusable(&e));
                return Ok(None);
            }
        };
        let warning = OnceLock::new();
        let writer = store
            .writer(&key)
            .map_err(|e| {
                let _ = warning.set(format!("warning: outputs are not being cached: {}", chain(&e)));
            })
            .ok();
        Ok(Some(RunCache { store, key, stored, writer, rejected: AtomicUsize::new(0), warning }))
    }

    fn warn(&self, text: String) {
        let _ = self.warning.set(text);
    }

    /// The cached output of `doc` (content hash `hash`), if one is stored under its full key
    /// and still reads as predictions for it; anything else stored for it is rejected.
    fn lookup(
        &self,
        lane: &mut LaneReader,
        doc: &AnnotatedDocument,
        hash: &blake3::Hash,
        manifest: Option<&Manifest>,
    ) -> Option<Annotations> {
        if !self.stored.contains(hash) {
            return None;
        }
        if let LaneReader::Unopened = lane {
            *lane = match self.store.reader(&self.key) {
                Ok(reader) => LaneReader::Open(reader),
                Err(e) => {
                    self.warn(format!("warning: the cache is not read: {}", chain(&e)));
                    LaneReader::Failed
                }
            };
        }
        let LaneReader::Open(reader) = lane else { return None };
        let id = doc.document.id();
        let value = match reader.get(hash, id) {
            Ok(Some(value)) => value,
            Ok(None) => return None,
            Err(e) => {
                self.warn(format!("warning: the cache is not read: {}", chain(&e)));
                return None;
            }
        };
        let annotations = cache::value::decode(&value)
            .ok()
            .filter(|(stored, _)| stored == id)
            .map(|(_, annotations)| annotations)
            .filter(|a| self.fits(&doc.document, a, manifest));
        if annotations.is_none() {
            self.rejected.fetch_add(1, Ordering::Relaxed);
        }
        annotations
    }

    /// Whether decoded `annotations` are predictions for `doc`, as reading them from a record
    /// line would check: every offset within the text, every span given as text with a text
    /// (and a context, if any) that is not blank and an occurrence counted from 1, and with a
    /// manifest every annotation checked as predictions. (Fragments are checked non-empty and
    /// ordered as they decode.)
    fn fits(&self, doc: &Document, annotations: &Annotations, manifest: Option<&Manifest>) -> bool {
        let len = doc.len_chars();
        if annotations.spans.iter().any(|s| s.end() > len) {
            return false;
        }
        let blank = |s: &str| s.trim().is_empty();
        if annotations
            .text_spans
            .iter()
            .any(|s| blank(&s.text) || s.occurrence == Some(0) || s.context.as_deref().is_some_and(blank))
        {
            return false;
        }
        let Some(manifest) = manifest else { return true };
        let mut problems = Problems::default();
        check_predictions(doc, annotations, manifest, &Location::file(self.store.path()), &mut problems);
        problems.is_empty()
    }

    /// Queues `annotations`, the output for `doc` (content hash `hash`), to be written, and
    /// gives them back.
    fn put(&self, hash: blake3::Hash, doc: &Document, annotations: Annotations) -> Annotations {
        if let Some(writer) = &self.writer {
            // Predictions are stored without the text: the key holds its hash.
            writer.put(hash, doc.id(), cache::value::encode(doc.id(), &annotations));
        }
        annotations
    }

    /// Commits what is queued; says what went wrong, once, and how many entries were
    /// rejected. Returns that count.
    fn finish(self, notes: &mut Vec<String>) -> usize {
        let rejected = self.rejected.into_inner();
        if let Some(writer) = self.writer {
            if let Some(e) = writer.finish(rejected).error {
                let _ = self.warning.set(format!("warning: outputs are not being cached: {}", chain(&e)));
            }
        }
        if rejected > 0 {
            notes.push(format!(
                "note: {rejected} cached output{} did not match {} key and {} extracted again",
                if rejected == 1 { "" } else { "s" },
                if rejected == 1 { "its" } else { "their" },
                if rejected == 1 { "was" } else { "were" },
            ));
        }
        notes.extend(self.warning.into_inner());
        rejected
    }
}

/// Why the run stops after its first documents: when every one failed for the same cause
/// (and more documents are left).
fn stop_reason(first: &[OnceLock<Result<Annotations, ExtractError>>], total: usize) -> Option<String> {
    let mut kinds = first.iter().map(|r| r.get().and_then(|r| r.as_ref().err()).map(ExtractError::kind));
    let kind = kinds.next()??;
    if first.len() == total || kind == FailureKind::NotRun || !kinds.all(|k| k == Some(kind)) {
        return None;
    }
    Some(format!("stopped early: the first {} documents all failed the same way ({})", first.len(), kind.describe()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failure_limits_are_counts_or_percentages() {
        assert_eq!(FailureLimit::parse("3"), Ok(FailureLimit::Count(3)));
        assert_eq!(FailureLimit::parse("5%"), Ok(FailureLimit::Percent(5.0)));
        assert!(FailureLimit::parse("101%").is_err());
        assert!(FailureLimit::parse("-1").is_err());
        assert!(FailureLimit::parse("some").is_err());
        assert!(FailureLimit::Count(0).allows(0, 10));
        assert!(!FailureLimit::Count(0).allows(1, 10));
        // 5% of 40 documents is 2.
        assert!(FailureLimit::Percent(5.0).allows(2, 40));
        assert!(!FailureLimit::Percent(5.0).allows(3, 40));
        assert_eq!(FailureLimit::Percent(2.5).to_string(), "2.5%");
    }

    #[test]
    fn the_run_stops_only_when_every_first_document_failed_the_same_way() {
        let slots = |results: Vec<Result<Annotations, ExtractError>>| {
            results.into_iter().map(OnceLock::from).collect::<Vec<OnceLock<_>>>()
        };
        let timeout = || Err(ExtractError::Timeout { seconds: 1.0, at_start: false });
        let crash = || Err(ExtractError::Exited { status: "exit status: 1".into(), stderr: vec![], at_start: false });
        let all_timeouts = slots(vec![timeout(), timeout(), timeout()]);
        assert!(
            stop_reason(&all_timeouts, 10).is_some_and(|r| r.contains("first 3 documents") && r.contains("timed out"))
        );
        // Nothing is left to save when the first documents are all there is.
        assert_eq!(stop_reason(&all_timeouts, 3), None);
        assert_eq!(stop_reason(&slots(vec![timeout(), crash(), timeout()]), 10), None);
        assert_eq!(stop_reason(&slots(vec![timeout(), Ok(Annotations::default())]), 10), None);
        assert_eq!(stop_reason(&slots(vec![]), 10), None);
    }

    /// Panics on document b, answers nothing elsewhere.
    #[derive(Debug)]
    struct PanicsOnB;

    impl Extractor for PanicsOnB {
        fn info(&self) -> ExtractorInfo {
            ExtractorInfo { name: "panics-on-b".into(), version: "1".into(), config_hash: String::new() }
        }

        fn extract(&self, doc: &goldspan_model::Document) -> Result<Annotations, ExtractError> {
            assert_ne!(doc.id(), "b", "boom");
            Ok(Annotations::default())
        }
    }

    /// A run of `extractor` over the tiny corpus, through the cache in `cache` if given.
    fn tiny_config(extractor: &str, cache: Option<&Path>) -> RunConfig {
        RunConfig {
            corpus: Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/tiny"),
            split: None,
            extractor: extractor.into(),
            jobs: 2,
            timeout: Duration::from_secs(1),
            cache: cache.map(Path::to_owned),
            cache_inputs: CacheInputs::default(),
            fail_fast: false,
            dir: None,
            max_line_bytes: goldspan_extract::DEFAULT_MAX_LINE_BYTES,
            scoring: Config::new(goldspan_score::Options::new(vec![goldspan_score::Mode::Strict])),
            ids: None,
            limit: None,
            predicted_layers: false,
            save_predictions: None,
            keep_documents: true,
            shard: None,
        }
    }

    #[test]
    fn an_extractor_that_panics_fails_its_document_and_the_run_completes() {
        let mut registry = Registry::empty();
        registry.register("panics-on-b", Box::new(|_| Box::new(PanicsOnB)));
        let config = tiny_config("panics-on-b", None);
        let outcome = run(&registry, &config, &|_| {}).expect("the run completes");
        let failures: Vec<(&str, String)> =
            outcome.failures.iter().map(|f| (f.document.as_str(), f.reason.clone())).collect();
        assert_eq!(failures.len(), 1);
        assert_eq!(failures[0].0, "b");
        assert!(failures[0].1.starts_with("extractor failed: the extractor panicked: assertion"), "{failures:?}");
        assert!(failures[0].1.contains("boom"), "{failures:?}");
        assert_eq!((outcome.extracted, outcome.cached, outcome.documents()), (3, 0, 3));
    }

    /// Tags every capitalised word as a PERSON, and counts its calls.
    #[derive(Debug)]
    struct Capitals {
        config: String,
        calls: std::sync::Arc<AtomicUsize>,
    }

    impl Extractor for Capitals {
        fn info(&self) -> ExtractorInfo {
            ExtractorInfo { name: "capitals".into(), version: "1".into(), config_hash: self.config.clone() }
        }

        fn extract(&self, doc: &goldspan_model::Document) -> Result<Annotations, ExtractError> {
            self.calls.fetch_add(1, Ordering::SeqCst);
            let chars: Vec<char> = doc.text().chars().collect();
            let mut spans = Vec::new();
            let mut start = None;
            for (i, c) in chars.iter().chain([' '].iter()).enumerate() {
                match (c.is_alphabetic(), start) {
                    (true, None) => start = Some(i),
                    (false, Some(s)) => {
                        if chars[s].is_uppercase() {
                            let id = format!("T{}", spans.len() + 1);
                            spans.extend(goldspan_model::Span::contiguous(id, "entities", "PERSON", s, i));
                        }
                        start = None;
                    }
                    _ => {}
                }
            }
            Ok(Annotations { spans, ..Annotations::default() })
        }
    }

    /// A registry with `capitals` under configuration `config`, and its call counter.
    fn capitals(config: &str) -> (Registry, std::sync::Arc<AtomicUsize>) {
        let calls = std::sync::Arc::new(AtomicUsize::new(0));
        let mut registry = Registry::empty();
        let (config, counter) = (config.to_owned(), calls.clone());
        registry.register(
            "capitals",
            Box::new(move |_| Box::new(Capitals { config: config.clone(), calls: counter.clone() })),
        );
        (registry, calls)
    }

    fn totals(outcome: &RunOutcome) -> String {
        format!("{:?}", outcome.evaluation.total)
    }

    /// A synthetic corpus of `n` documents as one gold file, and predictions for all but
    /// every seventh (so those fail: the file has no record for them).
    fn synth_run(n: usize) -> (tempfile::TempDir, RunConfig) {
        let dir = tempfile::tempdir().expect("temp dir");
        let synth = crate::synth::SynthConfig {
            documents: n,
            seed: 3,
            spans: 6,
            missed: 0.2,
            boundary: 0.2,
            label: 0.2,
            spurious: 0.2,
        };
        crate::synth::write(&synth, dir.path()).expect("synth");
        let pred = std::fs::read_to_string(dir.path().join("pred.jsonl")).expect("pred");
        let kept: String =
            pred.lines().enumerate().filter(|(i, _)| i % 7 != 3).map(|(_, l)| format!("{l}\n")).collect();
        std::fs::write(dir.path().join("pred.jsonl"), kept).expect("write");
        let mut config = tiny_config(&format!("file:{}", dir.path().join("pred.jsonl").display()), None);
        config.corpus = dir.path().join("gold.jsonl");
        config.scoring.options.modes = goldspan_score::SEMEVAL.to_vec();
        config.scoring.slices = vec!["bucket".into()];
        config.scoring.per_document = true;
        config.scoring.errors = true;
        (dir, config)
    }

    fn results_json(outcome: &RunOutcome, config: &RunConfig) -> String {
        let results = crate::Results::of_run(outcome, config, Some((50, 7)));
        serde_json::to_string(&results).expect("serialises")
    }

    /// `dir/gold.jsonl`'s lines in reverse, written to `dir/reversed/gold.jsonl` (a gold of the
    /// same name): the same documents, out of id order.
    fn reversed_gold(dir: &Path) -> std::path::PathBuf {
        let gold = std::fs::read_to_string(dir.join("gold.jsonl")).expect("gold");
        let reversed: String = gold.lines().rev().map(|l| format!("{l}\n")).collect();
        std::fs::create_dir_all(dir.join("reversed")).expect("mkdir");
        std::fs::write(dir.join("reversed/gold.jsonl"), reversed).expect("write");
        dir.join("reversed/gold.jsonl")
    }

    #[test]
    fn a_gold_file_in_id_order_is_read_from_start_to_end_and_runs_as_through_its_index() {
        let (dir, mut config) = synth_run(61);
        let registry = Registry::with_builtins();
        let sorted = config.corpus.clone();
        let reversed = reversed_gold(dir.path());
        assert!(matches!(Source::open(&config), Ok(Source::Sorted(_))));
        config.corpus = reversed.clone();
        assert!(matches!(Source::open(&config), Ok(Source::Indexed(..))));
        // With --limit the run takes some documents only: through the index.
        config.corpus = sorted.clone();
        config.limit = Some(10);
        assert!(matches!(Source::open(&config), Ok(Source::Indexed(..))));
        config.limit = None;
        // A split is a corpus directory's: a gold file with one is refused, in order or not.
        config.split = Some("test".into());
        let refused = Source::open(&config).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(refused.contains("--split test needs a corpus directory"), "{refused}");
        config.split = None;
        // The predictions reversed too (the file: extractor indexes them): the same scores,
        // under another extractor version (the file's content hash).
        let pred = std::fs::read_to_string(dir.path().join("pred.jsonl")).expect("pred");
        let reversed_pred = dir.path().join("reversed/pred.jsonl");
        std::fs::write(&reversed_pred, pred.lines().rev().map(|l| format!("{l}\n")).collect::<String>())
            .expect("write");
        let in_order_pred = config.extractor.clone();
        let without_manifest = |outcome: &RunOutcome, config: &RunConfig| {
            let mut value: serde_json::Value = serde_json::from_str(&results_json(outcome, config)).expect("JSON");
            value.as_object_mut().map(|o| o.remove("manifest"));
            value.to_string()
        };
        // Every result alike, the corpus hash included, whole and in shards, chunk by chunk.
        for (shard, chunk) in [(None, 8), (None, 100), (Some(Shard { count: 3, index: 1 }), 8)] {
            config.shard = shard;
            config.keep_documents = shard.is_some();
            config.corpus = sorted.clone();
            let read_in_order = run_in_chunks(&registry, &config, &|_| {}, chunk).expect("run");
            config.corpus = reversed.clone();
            let indexed = run_in_chunks(&registry, &config, &|_| {}, chunk).expect("run");
            assert_eq!(read_in_order.corpus_hash, indexed.corpus_hash);
            assert_eq!(read_in_order.documents.len(), indexed.documents.len());
            assert_eq!(results_json(&read_in_order, &config), results_json(&indexed, &config), "{shard:?} {chunk}");
            config.extractor = format!("file:{}", reversed_pred.display());
            let both_indexed = run_in_chunks(&registry, &config, &|_| {}, chunk).expect("run");
            assert_eq!(both_indexed.failures.len(), read_in_order.failures.len());
            assert!(!read_in_order.failures.is_empty(), "documents without predictions are compared too");
            // Failures name the predictions file.
            let both_indexed = without_manifest(&both_indexed, &config).replace("reversed/pred.jsonl", "pred.jsonl");
            assert_eq!(both_indexed, without_manifest(&read_in_order, &config), "{shard:?} {chunk}");
            config.extractor = in_order_pred.clone();
        }
    }

    #[test]
    fn a_gold_file_in_id_order_with_a_bad_record_or_an_unknown_name_fails_as_through_its_index() {
        let (dir, mut config) = synth_run(30);
        let registry = Registry::with_builtins();
        // Record 20 keeps its id (the file stays in order) but its text is a number.
        let gold = std::fs::read_to_string(dir.path().join("gold.jsonl")).expect("gold");
        let broken: String = gold
            .lines()
            .enumerate()
            .map(|(i, l)| match i {
                19 => format!("{}\"text\": 7}}\n", &l[..l.find("\"text\"").expect("a text")]),
                _ => format!("{l}\n"),
            })
            .collect();
        std::fs::write(dir.path().join("gold.jsonl"), &broken).expect("write");
        assert!(matches!(Source::open(&config), Ok(Source::Sorted(_))));
        let in_order = run_in_chunks(&registry, &config, &|_| {}, 8).expect_err("a bad record").to_string();
        let reversed = reversed_gold(dir.path());
        config.corpus = reversed;
        let indexed = run_in_chunks(&registry, &config, &|_| {}, 8).expect_err("a bad record").to_string();
        // The record is line 20 of the file in order, line 11 of the one reversed.
        let in_order = in_order.replace("gold.jsonl:20", "gold.jsonl:LINE");
        assert_eq!(in_order, indexed.replace("reversed/gold.jsonl:11", "gold.jsonl:LINE"));
        assert!(in_order.contains("gold.jsonl:LINE") && in_order.contains("synth-0000019"), "{in_order}");
        // A slice field no document has: the index's check names it.
        config.corpus = dir.path().join("gold.jsonl");
        config.scoring.slices = vec!["no-such-field".into()];
        let err = Source::open(&config).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err.contains("no-such-field"), "{err}");
    }

    #[test]
    fn a_run_scored_chunk_by_chunk_equals_one_that_holds_every_document() {
        let (_dir, mut config) = synth_run(61);
        let registry = Registry::with_builtins();
        config.keep_documents = true;
        let held = run(&registry, &config, &|_| {}).expect("run");
        assert_eq!(held.documents.len(), 61);
        assert_eq!(held.failures.len(), 9, "every seventh document has no predictions");
        let expected = results_json(&held, &config);
        assert!(expected.contains("\"bucket\""), "slices are compared");
        config.keep_documents = false;
        for (chunk, jobs) in [(8, 1), (8, 3), (13, 2), (61, 4), (100, 2)] {
            config.jobs = jobs;
            let done = AtomicUsize::new(0);
            let streamed =
                run_in_chunks(&registry, &config, &|p| done.store(p.done, Ordering::SeqCst), chunk).expect("run");
            assert!(streamed.documents.is_empty(), "nothing is held");
            assert_eq!(done.load(Ordering::SeqCst), 61);
            assert_eq!((streamed.extracted, streamed.corpus_hash.as_str()), (61, held.corpus_hash.as_str()));
            assert_eq!(results_json(&streamed, &config), expected, "chunks of {chunk}, {jobs} lanes");
        }
    }

    #[test]
    fn a_shard_read_chunk_by_chunk_keeps_its_documents_and_hashes_every_one_in_scope() {
        let (_dir, mut config) = synth_run(61);
        let registry = Registry::with_builtins();
        let whole = run(&registry, &config, &|_| {}).expect("run");
        let shards = 3;
        let mut seen = Vec::new();
        for index in 0..shards {
            config.shard = Some(Shard::new(index, shards).expect("shard"));
            let mut first: Option<RunOutcome> = None;
            for (chunk, jobs) in [(8, 1), (8, 3), (13, 2), (100, 2)] {
                config.jobs = jobs;
                let done = AtomicUsize::new(0);
                let part =
                    run_in_chunks(&registry, &config, &|p| done.store(p.done, Ordering::SeqCst), chunk).expect("run");
                let ids: Vec<&str> = part.documents.iter().map(|(d, _)| d.document.id()).collect();
                assert!(ids.iter().all(|id| Shard::of(id, shards) == index), "only the shard's documents: {ids:?}");
                assert_eq!(done.load(Ordering::SeqCst), ids.len(), "progress counts the shard's documents");
                assert_eq!(part.corpus_hash, whole.corpus_hash, "every document in scope is hashed");
                assert_eq!(part.shard.as_ref().map(|s| s.in_scope), Some(61));
                if let Some(first) = &first {
                    assert_eq!(results_json(&part, &config), results_json(first, &config), "chunks of {chunk}");
                } else {
                    seen.extend(ids.iter().map(|id| id.to_string()));
                    first = Some(part);
                }
            }
        }
        seen.sort();
        let mut all: Vec<String> = whole.evaluation.documents.iter().map(|d| d.id.clone()).collect();
        all.sort();
        assert_eq!(all.len(), 61, "per-document scores name every document");
        assert_eq!(seen, all, "the shards together take every document once");
    }

    #[test]
    fn a_shard_whose_last_chunk_is_full_still_hashes_the_rest_of_the_scope() {
        // Every chunk size from 8 to 30 over three shards of 61 documents: some make a
        // shard's documents fill its last chunk exactly while documents of other shards
        // follow in the corpus, which must still be read and hashed.
        let (_dir, mut config) = synth_run(61);
        let registry = Registry::with_builtins();
        let whole = run(&registry, &config, &|_| {}).expect("run");
        let mut wrong = Vec::new();
        for index in 0..3 {
            config.shard = Some(Shard::new(index, 3).expect("shard"));
            for chunk in 8..=30 {
                let part = run_in_chunks(&registry, &config, &|_| {}, chunk).expect("run");
                if part.corpus_hash != whole.corpus_hash {
                    wrong.push((index, chunk, part.documents.len()));
                }
            }
        }
        assert_eq!(wrong, Vec::new(), "(shard, chunk size, shard's documents) whose corpus hash is not the run's");
    }

    #[test]
    fn the_first_document_that_does_not_read_fails_the_run_in_any_chunk() {
        let (dir, mut config) = synth_run(30);
        let gold = std::fs::read_to_string(dir.path().join("gold.jsonl")).expect("gold");
        let broken: String = gold
            .lines()
            .enumerate()
            .map(|(i, l)| if i == 20 || i == 25 { format!("{}\n", &l[..l.len() - 2]) } else { format!("{l}\n") })
            .collect();
        std::fs::write(dir.path().join("gold.jsonl"), broken).expect("write");
        config.keep_documents = false;
        let registry = Registry::with_builtins();
        let e = run_in_chunks(&registry, &config, &|_| {}, 8).expect_err("line 21 is cut short");
        let text = e.to_string();
        assert!(text.contains(":21:") || text.contains("line 21"), "{text}");
    }

    #[test]
    fn a_rerun_reads_every_output_from_the_cache_and_scores_alike() {
        let cache = tempfile::tempdir().expect("temp dir");
        let (registry, calls) = capitals("a");
        let config = tiny_config("capitals", Some(cache.path()));
        let first = run(&registry, &config, &|_| {}).expect("run");
        assert_eq!((first.extracted, first.cached, calls.load(Ordering::SeqCst)), (3, 0, 3));
        assert!(first.cache_notes.is_empty(), "{:?}", first.cache_notes);
        let second = run(&registry, &config, &|_| {}).expect("run");
        assert_eq!((second.extracted, second.cached, calls.load(Ordering::SeqCst)), (0, 3, 3));
        assert_eq!(totals(&second), totals(&first));
        // The extractor found something to score (5 of its 14 spans on a gold span, under
        // another label), so equal totals say something.
        assert!(totals(&first).contains("cor: 0, inc: 5, par: 0, mis: 5, spu: 9"), "{}", totals(&first));
        // Another configuration is another key.
        let (registry, calls) = capitals("b");
        let third = run(&registry, &config, &|_| {}).expect("run");
        assert_eq!((third.extracted, third.cached, calls.load(Ordering::SeqCst)), (3, 0, 3));
    }

    #[test]
    fn a_cached_record_of_another_document_is_rejected_and_extracted_again() {
        let cache = tempfile::tempdir().expect("temp dir");
        let (registry, calls) = capitals("a");
        let config = tiny_config("capitals", Some(cache.path()));
        let first = run(&registry, &config, &|_| {}).expect("run");
        // Document a's entry now holds b's output: its stored key is a's, its record is not.
        let db = rusqlite::Connection::open(cache.path().join(cache::DATABASE)).expect("open");
        let changed = db
            .execute("UPDATE outputs SET value = (SELECT value FROM outputs WHERE id = 'b') WHERE id = 'a'", [])
            .expect("tamper");
        assert_eq!(changed, 1);
        let second = run(&registry, &config, &|_| {}).expect("run");
        assert_eq!((second.extracted, second.cached, second.rejected), (1, 2, 1));
        assert_eq!(calls.load(Ordering::SeqCst), 4, "only a is extracted again");
        assert_eq!(second.cache_notes, ["note: 1 cached output did not match its key and was extracted again"]);
        assert_eq!(totals(&second), totals(&first), "b's output was not scored as a's");
        // The entry was written again, right; the rejection is counted for `cache stats`.
        let third = run(&registry, &config, &|_| {}).expect("run");
        assert_eq!((third.extracted, third.cached, third.rejected), (0, 3, 0));
        let stats = cache::Store::open(cache.path()).and_then(|s| s.stats()).expect("stats");
        assert_eq!(stats.extractors[0].rejected, 1);
        // An entry stored under another document's id and content is not a's, whatever it holds.
        let a_hash: String = db.query_row("SELECT document FROM outputs WHERE id = 'a'", [], |r| r.get(0)).expect("a");
        db.execute("DELETE FROM outputs WHERE id = 'a'", []).expect("delete");
        db.execute("UPDATE outputs SET document = ?1 WHERE id = 'c'", [&a_hash]).expect("tamper");
        let fourth = run(&registry, &config, &|_| {}).expect("run");
        assert_eq!((fourth.extracted, fourth.cached, fourth.rejected), (2, 1, 0));
    }

    #[test]
    fn a_stored_value_that_does_not_decode_is_a_rejected_miss_and_is_written_again() {
        let cache = tempfile::tempdir().expect("temp dir");
        let (registry, calls) = capitals("a");
        let config = tiny_config("capitals", Some(cache.path()));
        let first = run(&registry, &config, &|_| {}).expect("run");
        let db = rusqlite::Connection::open(cache.path().join(cache::DATABASE)).expect("open");
        // a's value cut short, b's a record line (what layout 1 stored), c's intact.
        db.execute("UPDATE outputs SET value = substr(value, 1, length(value) - 1) WHERE id = 'a'", []).expect("cut");
        db.execute(
            "UPDATE outputs SET value = CAST('{\"goldspan\":1,\"id\":\"b\",\"spans\":[]}' AS BLOB) WHERE id = 'b'",
            [],
        )
        .expect("tamper");
        let second = run(&registry, &config, &|_| {}).expect("run");
        assert_eq!((second.extracted, second.cached, second.rejected), (2, 1, 2));
        assert_eq!(calls.load(Ordering::SeqCst), 5, "a and b are extracted again");
        assert_eq!(second.cache_notes, ["note: 2 cached outputs did not match their key and were extracted again"]);
        assert_eq!(totals(&second), totals(&first));
        let third = run(&registry, &config, &|_| {}).expect("run");
        assert_eq!((third.extracted, third.cached, third.rejected), (0, 3, 0));
        let stats = cache::Store::open(cache.path()).and_then(|s| s.stats()).expect("stats");
        assert_eq!(stats.extractors[0].rejected, 2);
    }

    #[test]
    fn a_stored_span_past_the_end_of_the_text_is_a_rejected_miss() {
        let cache = tempfile::tempdir().expect("temp dir");
        let (registry, _) = capitals("a");
        let config = tiny_config("capitals", Some(cache.path()));
        let first = run(&registry, &config, &|_| {}).expect("run");
        let db = rusqlite::Connection::open(cache.path().join(cache::DATABASE)).expect("open");
        // A value that decodes, for document a, with one span at 1,000,000.
        let far = goldspan_model::Span::contiguous("T1", "entities", "PERSON", 1_000_000, 1_000_005).expect("span");
        let value = cache::value::encode("a", &Annotations { spans: vec![far], ..Annotations::default() });
        db.execute("UPDATE outputs SET value = ?1 WHERE id = 'a'", [&value]).expect("tamper");
        let second = run(&registry, &config, &|_| {}).expect("run");
        assert_eq!((second.extracted, second.cached, second.rejected), (1, 2, 1));
        assert_eq!(totals(&second), totals(&first));
    }

    #[test]
    fn a_cache_that_cannot_be_opened_is_one_warning_and_the_run_completes() {
        let tmp = tempfile::tempdir().expect("temp dir");
        // A file where the cache directory should be.
        let cache = tmp.path().join("cache");
        std::fs::write(&cache, "not a directory").expect("write");
        let (registry, _) = capitals("a");
        let outcome = run(&registry, &tiny_config("capitals", Some(&cache)), &|_| {}).expect("run");
        assert_eq!((outcome.extracted, outcome.cached, outcome.failures.len()), (3, 0, 0));
        assert_eq!(outcome.cache_notes.len(), 1, "{:?}", outcome.cache_notes);
        assert!(
            outcome.cache_notes[0].starts_with(&format!(
                "warning: the cache is not used: cannot create the cache directory {}: ",
                cache.display()
            )),
            "{:?}",
            outcome.cache_notes
        );
    }

    #[test]
    fn a_cache_that_cannot_be_written_is_one_warning_and_the_run_completes() {
        let cache = tempfile::tempdir().expect("temp dir");
        cache::Store::open(cache.path()).expect("create");
        // Every insert into this table fails, as on a full disk.
        let db = rusqlite::Connection::open(cache.path().join(cache::DATABASE)).expect("open");
        db.execute_batch(
            "DROP TABLE outputs;
             CREATE TABLE outputs (extractor TEXT, document TEXT, id TEXT, value BLOB, written INTEGER,
                                   PRIMARY KEY (extractor, document), CHECK (length(id) = 0));",
        )
        .expect("tamper");
        let (registry, _) = capitals("a");
        let outcome = run(&registry, &tiny_config("capitals", Some(cache.path())), &|_| {}).expect("run");
        assert_eq!((outcome.extracted, outcome.failures.len()), (3, 0));
        assert_eq!(outcome.cache_notes.len(), 1, "{:?}", outcome.cache_notes);
        assert!(
            outcome.cache_notes[0].starts_with("warning: outputs are not being cached: cache database")
                && outcome.cache_notes[0].contains("CHECK constraint failed"),
            "{:?}",
            outcome.cache_notes
        );
    }

    #[test]
    fn a_cache_input_that_does_not_exist_fails_the_run() {
        let cache = tempfile::tempdir().expect("temp dir");
        let (registry, calls) = capitals("a");
        let mut config = tiny_config("capitals", Some(cache.path()));
        config.cache_inputs = CacheInputs { env: vec![], paths: vec!["models/".into()], root: cache.path().into() };
        let err = run(&registry, &config, &|_| {}).expect_err("the key would be incomplete");
        assert!(err.to_string().contains("cache_inputs: ") && err.to_string().contains("does not exist"), "{err}");
        assert_eq!(calls.load(Ordering::SeqCst), 0);
        // Without a cache there is no key to complete.
        config.cache = None;
        assert!(run(&registry, &config, &|_| {}).is_ok());
    }
}
