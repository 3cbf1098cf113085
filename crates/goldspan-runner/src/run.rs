//! `goldspan run`: an extractor over a corpus split, through the cache, then scored.
//!
//! Outputs are cached per (extractor identity, document content): a file per document under
//! `CACHE/NAME-KEY/`, where KEY hashes the extractor's name, version and configuration hash,
//! and the file name hashes the document's id and text. Rerunning an unchanged eval extracts
//! nothing; a run killed halfway resumes where it stopped; a new version or configuration
//! reads from a new directory, so stale outputs are never reused. Failures are not cached:
//! they are retried next time.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use goldspan_extract::{stable_hash, ExtractError, Extractor, ExtractorInfo, Registry, Settings};
use goldspan_formats::{gold::Corpus, jsonl, write_atomic};
use goldspan_model::{AnnotatedDocument, Annotations, Location};
use rayon::prelude::*;

use crate::error::Error;
use crate::evaluate::{score_pairs, Config, Evaluation};

/// What to run.
#[derive(Debug, Clone)]
pub struct RunConfig {
    /// The gold corpus directory.
    pub corpus: PathBuf,
    /// Its split, or every document.
    pub split: Option<String>,
    /// The extractor spec.
    pub extractor: String,
    /// Parallel extractions (and worker processes for `cmd:`).
    pub jobs: usize,
    /// Per-document time limit for external extractors.
    pub timeout: Duration,
    /// Cache directory; `None` disables the cache.
    pub cache: Option<PathBuf>,
    /// Stop at the first failure instead of recording it.
    pub fail_fast: bool,
    /// Where relative paths in the extractor spec are resolved from (an eval's root), and
    /// where `cmd:` workers run; `None` is the current directory.
    pub dir: Option<PathBuf>,
    /// Scoring settings.
    pub scoring: Config,
}

/// One document the extractor failed on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// Document id.
    pub document: String,
    /// Why.
    pub reason: String,
}

/// The outcome of a run.
#[derive(Debug)]
pub struct RunOutcome {
    /// Scores; failed documents count as empty predictions, so a failing extractor cannot
    /// look better than one that answers.
    pub evaluation: Evaluation,
    /// Failures, by document id.
    pub failures: Vec<Failure>,
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
    /// The corpus's quotation attribution vocabulary; `None` when its manifest names none
    /// (then no attribution was scored).
    pub attribution: Option<goldspan_model::Attribution>,
}

/// The cache directory of one extractor identity.
pub fn cache_dir(root: &Path, info: &ExtractorInfo) -> PathBuf {
    let safe: String =
        info.name.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '_' }).take(40).collect();
    root.join(format!("{safe}-{}", stable_hash(&[&info.name, &info.version, &info.config_hash])))
}

/// What an extractor sees of a document: its id, text and metadata (all sent to `cmd:`).
fn document_key(doc: &AnnotatedDocument) -> String {
    let mut parts = vec![doc.document.id(), doc.document.text()];
    for (k, v) in doc.document.meta() {
        parts.push(k);
        parts.push(v);
    }
    stable_hash(&parts)
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

fn read_cached(path: &Path, doc: &AnnotatedDocument, corpus: &Corpus) -> Option<Annotations> {
    let bytes = std::fs::read(path).ok()?;
    let location = Location::file(path);
    let record = jsonl::parse_line(&bytes, 1, &location).ok()?;
    record.resolve_predictions(&doc.document, Some(corpus.manifest()), &location).ok()
}

/// Runs `config.extractor` over the corpus split and scores it. `progress(done, total)` is
/// called as documents complete (from worker threads).
pub fn run(
    registry: &Registry,
    config: &RunConfig,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<RunOutcome, Error> {
    let corpus = Corpus::open(&config.corpus)?;
    let ids = corpus.split_ids(config.split.as_deref())?;
    let docs = ids.iter().map(|id| corpus.read(id)).collect::<Result<Vec<_>, _>>()?;
    // Each document's key (what an extractor sees of it) is hashed once: it names the
    // document's cache file and feeds the corpus hash.
    let keys: Vec<String> = docs.iter().map(document_key).collect();
    // The corpus hash covers what scores depend on: texts, metadata, spans, relations and
    // clusters (not annotator notes or attributes).
    let mut hash_parts = Vec::new();
    for (doc, key) in docs.iter().zip(&keys) {
        hash_parts.push(key.clone());
        let a = &doc.annotations;
        for s in &a.spans {
            let fragments: Vec<String> = s.fragments().iter().map(|f| format!("{}-{}", f.start(), f.end())).collect();
            hash_parts.push(format!("{} {} {} {}", s.id(), s.layer(), s.label(), fragments.join(",")));
        }
        for r in &a.relations {
            hash_parts.push(format!("{} {} {} {}", r.id, r.kind, r.head, r.tail));
        }
        for c in &a.clusters {
            hash_parts.push(c.join(" "));
        }
    }
    let corpus_hash = stable_hash(&hash_parts.iter().map(String::as_str).collect::<Vec<_>>());
    let settings = Settings {
        jobs: config.jobs.max(1),
        timeout: config.timeout,
        manifest: Some(corpus.manifest().clone()),
        dir: config.dir.clone(),
    };
    let extractor: Box<dyn Extractor> =
        registry.resolve(&config.extractor, &settings).map_err(|e| Error::Extractor(chain(&e)))?;
    let info = extractor.info();
    let dir = config.cache.as_ref().map(|root| cache_dir(root, &info));
    let total = docs.len();
    let done = AtomicUsize::new(0);
    let extracted = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(settings.jobs)
        .build()
        .map_err(|e| Error::Extractor(e.to_string()))?;
    let outputs: Vec<(AnnotatedDocument, Result<Annotations, ExtractError>)> = pool.install(|| {
        docs.into_par_iter()
            .zip(keys)
            .map(|(doc, key)| {
                let cache_file = dir.as_ref().map(|d| d.join(format!("{key}.json")));
                if let Some(found) = cache_file.as_ref().and_then(|f| read_cached(f, &doc, &corpus)) {
                    progress(done.fetch_add(1, Ordering::Relaxed) + 1, total);
                    return (doc, Ok(found));
                }
                if stop.load(Ordering::Relaxed) {
                    return (
                        doc,
                        Err(ExtractError::Failed("not run: an earlier document failed (--fail-fast)".into())),
                    );
                }
                let result = extractor.extract(&doc.document);
                extracted.fetch_add(1, Ordering::Relaxed);
                match &result {
                    Ok(annotations) => {
                        if let Some(file) = &cache_file {
                            let record =
                                AnnotatedDocument { document: doc.document.clone(), annotations: annotations.clone() };
                            // A cache that cannot be written costs only speed next time.
                            let _ = write_atomic(file, format!("{}\n", jsonl::to_line(&record, false)).as_bytes());
                        }
                    }
                    Err(_) if config.fail_fast => stop.store(true, Ordering::Relaxed),
                    Err(_) => {}
                }
                progress(done.fetch_add(1, Ordering::Relaxed) + 1, total);
                (doc, result)
            })
            .collect()
    });
    let mut failures = Vec::new();
    let mut pairs = Vec::with_capacity(outputs.len());
    for (doc, result) in outputs {
        match result {
            Ok(annotations) => pairs.push((doc, annotations)),
            Err(e) => {
                failures.push(Failure { document: doc.document.id().to_owned(), reason: e.to_string() });
                pairs.push((doc, Annotations::default()));
            }
        }
    }
    failures.sort_by(|a, b| a.document.cmp(&b.document));
    if config.fail_fast {
        if let Some(first) = failures.iter().find(|f| !f.reason.starts_with("not run:")) {
            return Err(Error::Extractor(format!("document {}: {}", first.document, first.reason)));
        }
    }
    let extracted = extracted.into_inner();
    Ok(RunOutcome {
        evaluation: score_pairs(pairs, &config.scoring.attributed(Some(corpus.manifest()))),
        failures,
        extractor: info,
        corpus: corpus.manifest().name.clone(),
        corpus_hash,
        extracted,
        cached: total - extracted,
        attribution: corpus.manifest().attribution.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_version_or_configuration_gets_a_new_cache_directory() {
        let info = |version: &str, config: &str| ExtractorInfo {
            name: "cmd:python my ner.py".into(),
            version: version.into(),
            config_hash: config.into(),
        };
        let root = Path::new("cache");
        let base = cache_dir(root, &info("1", "a"));
        assert!(base.starts_with(root));
        assert!(base.file_name().is_some_and(|n| n.to_string_lossy().starts_with("cmd_python_my_ner_py-")));
        assert_eq!(base, cache_dir(root, &info("1", "a")));
        assert_ne!(base, cache_dir(root, &info("2", "a")));
        assert_ne!(base, cache_dir(root, &info("1", "b")));
    }
}
