//! Eval definitions (`evals/*.toml`): which extractor runs on which corpus split, scored how,
//! and where its snapshot lives (`evals/snapshots/NAME.json`; see `results` for snapshots and
//! the gate). Paths in an eval file are relative to the directory holding `evals/`.
//!
//! A definition is checked against its corpus's manifest when it is loaded, so the gate cannot
//! be switched off by a slip: a layer or split the corpus does not declare, an empty or
//! repeated list of modes or layers, or `jobs` out of range is an error naming the line,
//! never an all-zero snapshot that passes forever.

use std::path::{Path, PathBuf};
use std::time::Duration;

use goldspan_score::{Grounding, Mode, Occurrences, Options, Rule};
use serde::Deserialize;

use crate::cache::CacheInputs;
use crate::error::Error;
use crate::evaluate::Config;
use crate::label_map::LabelMap;
use crate::run::{FailureLimit, RunConfig};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EvalV1 {
    corpus: String,
    #[serde(default)]
    split: Option<String>,
    extractor: String,
    #[serde(default = "semeval_modes")]
    modes: Vec<toml::Spanned<String>>,
    #[serde(default)]
    layers: Option<toml::Spanned<Vec<toml::Spanned<String>>>>,
    #[serde(default)]
    bootstrap: usize,
    #[serde(default = "default_seed")]
    seed: u64,
    #[serde(default = "default_tolerance")]
    tolerance: f64,
    #[serde(default)]
    jobs: Option<toml::Spanned<usize>>,
    #[serde(default)]
    timeout_seconds: Option<f64>,
    #[serde(default)]
    max_failures: Option<MaxFailures>,
    /// How predictions given as text are placed: exact, casefold or fuzzy.
    #[serde(default)]
    ground: Option<String>,
    /// Which occurrences of a mention given as text are taken: all, first or nth.
    #[serde(default)]
    ground_occurrences: Option<String>,
    /// The least similarity of a fuzzy quotation's window.
    #[serde(default)]
    ground_threshold: Option<f64>,
    #[serde(default)]
    cache_inputs: Option<CacheInputsV1>,
}

/// `cache_inputs = { env = ["MODEL"], paths = ["models/", "my_ner.py"] }`: what else the
/// extractor's output depends on, hashed into its cache key.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CacheInputsV1 {
    #[serde(default)]
    env: Vec<String>,
    #[serde(default)]
    paths: Vec<String>,
}

/// `max_failures = 3` or `max_failures = "5%"`.
#[derive(Deserialize)]
#[serde(untagged)]
enum MaxFailures {
    Count(usize),
    Text(String),
}

fn semeval_modes() -> Vec<toml::Spanned<String>> {
    ["strict", "exact", "partial", "type"].map(|m| toml::Spanned::new(0..0, m.to_owned())).to_vec()
}

/// The most parallel extractions (`--jobs`, an eval's `jobs`): each may be a thread and a
/// worker process, so a typo such as `--jobs 20000` must not start thousands of them.
pub const MAX_JOBS: usize = 256;

/// Checks a number of parallel extractions: 1 to [`MAX_JOBS`].
pub fn check_jobs(jobs: usize) -> Result<usize, String> {
    if (1..=MAX_JOBS).contains(&jobs) {
        Ok(jobs)
    } else {
        Err(format!("jobs must be between 1 and {MAX_JOBS}, not {jobs}"))
    }
}

fn default_seed() -> u64 {
    crate::DEFAULT_SEED
}

fn default_tolerance() -> f64 {
    0.001
}

/// A loaded eval definition.
#[derive(Debug, Clone)]
pub struct Eval {
    /// Name (the file stem).
    pub name: String,
    /// The definition file.
    pub path: PathBuf,
    /// What to run.
    pub run: RunConfig,
    /// Bootstrap samples and seed.
    pub bootstrap: Option<(usize, u64)>,
    /// How far a metric may fall before it is a regression.
    pub tolerance: f64,
    /// How many documents the extractor may fail on before `check` fails the eval (default 0).
    pub max_failures: FailureLimit,
}

impl Eval {
    /// Where this eval's snapshot lives: `evals/snapshots/NAME.json`.
    pub fn snapshot_path(&self) -> PathBuf {
        self.path.parent().unwrap_or(Path::new(".")).join("snapshots").join(format!("{}.json", self.name))
    }
}

/// Loads every `*.toml` in `dir`, sorted by name. `cache` is the cache root runs use.
pub fn load_evals(dir: &Path, cache: Option<&Path>) -> Result<Vec<Eval>, Error> {
    let err = |file: &Path, message: String| Error::Eval { file: file.to_owned(), message };
    let entries = std::fs::read_dir(dir).map_err(|e| err(dir, format!("cannot read: {e}")))?;
    let mut paths: Vec<PathBuf> =
        entries.flatten().map(|e| e.path()).filter(|p| p.extension().is_some_and(|x| x == "toml")).collect();
    paths.sort();
    // `Path::new("evals").parent()` is `""`: that is the current directory.
    let root = dir.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new(".")).to_owned();
    let mut evals = Vec::new();
    for path in paths {
        let text = std::fs::read_to_string(&path).map_err(|e| err(&path, format!("cannot read: {e}")))?;
        let def: EvalV1 = toml::from_str(&text).map_err(|e| {
            let line = e.span().map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1);
            err(&path, format!("{}{}", line.map(|l| format!("line {l}: ")).unwrap_or_default(), e.message()))
        })?;
        let at = |span: std::ops::Range<usize>, message: String| {
            let line = (span != (0..0)).then(|| text[..span.start.min(text.len())].matches('\n').count() + 1);
            err(&path, format!("{}{message}", line.map(|l| format!("line {l}: ")).unwrap_or_default()))
        };
        let manifest =
            goldspan_formats::gold::read_manifest(&root.join(&def.corpus).join(goldspan_formats::gold::MANIFEST))
                .map_err(|e| err(&path, format!("corpus {:?}: {e}", def.corpus)))?;
        if def.modes.is_empty() {
            return Err(err(
                &path,
                "modes = [] scores nothing; list the modes, or leave modes out for strict, exact, partial and type"
                    .into(),
            ));
        }
        let mut modes: Vec<Mode> = Vec::new();
        for m in &def.modes {
            let mode = m.get_ref().parse::<Mode>().map_err(|e| at(m.span(), e.to_string()))?;
            if modes.contains(&mode) {
                return Err(at(m.span(), format!("mode {:?} is listed twice", m.get_ref())));
            }
            modes.push(mode);
        }
        let layers = match &def.layers {
            None => None,
            Some(list) if list.get_ref().is_empty() => {
                return Err(at(
                    list.span(),
                    "layers = [] scores nothing; list the layers, or leave layers out to score every layer".into(),
                ))
            }
            Some(list) => {
                let mut layers = std::collections::BTreeSet::new();
                for layer in list.get_ref() {
                    let name = layer.get_ref();
                    if manifest.layer(name).is_none() {
                        let known: Vec<&str> = manifest.layers.iter().map(|l| l.name.as_str()).collect();
                        return Err(at(
                            layer.span(),
                            format!(
                                "layer {name:?} is not declared by corpus {:?}, which has {}",
                                def.corpus,
                                known.join(", ")
                            ),
                        ));
                    }
                    if !layers.insert(name.clone()) {
                        return Err(at(layer.span(), format!("layer {name:?} is listed twice")));
                    }
                }
                Some(layers)
            }
        };
        if let Some(split) = &def.split {
            if !manifest.splits.contains_key(split) {
                let known: Vec<&str> = manifest.splits.keys().map(String::as_str).collect();
                return Err(err(
                    &path,
                    format!(
                        "split {split:?} is not declared by corpus {:?}, which has {}",
                        def.corpus,
                        known.join(", ")
                    ),
                ));
            }
        }
        let jobs = match &def.jobs {
            Some(jobs) => check_jobs(*jobs.get_ref()).map_err(|m| at(jobs.span(), m))?,
            None => std::thread::available_parallelism().map_or(2, |n| n.get()).min(MAX_JOBS),
        };
        if !(0.0..1.0).contains(&def.tolerance) {
            return Err(err(&path, format!("tolerance must be in [0, 1), not {}", def.tolerance)));
        }
        let name = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        let timeout =
            seconds(def.timeout_seconds.unwrap_or(30.0)).map_err(|m| err(&path, format!("timeout_seconds: {m}")))?;
        let max_failures = match def.max_failures {
            None => FailureLimit::Count(0),
            Some(MaxFailures::Count(n)) => FailureLimit::Count(n),
            Some(MaxFailures::Text(text)) => {
                FailureLimit::parse(&text).map_err(|m| err(&path, format!("max_failures: {m}")))?
            }
        };
        let cache_inputs = match def.cache_inputs {
            None => CacheInputs::default(),
            Some(inputs) => {
                if let Some(bad) = inputs.env.iter().find(|n| n.is_empty() || n.contains(['=', '\0'])) {
                    return Err(err(&path, format!("cache_inputs: {bad:?} is not an environment variable name")));
                }
                if inputs.paths.iter().any(|p| p.is_empty()) {
                    return Err(err(&path, "cache_inputs: an empty path".into()));
                }
                CacheInputs { env: inputs.env, paths: inputs.paths, root: root.clone() }
            }
        };
        let grounding = grounding(def.ground.as_deref(), def.ground_occurrences.as_deref(), def.ground_threshold)
            .map_err(|m| err(&path, m))?;
        let run = RunConfig {
            corpus: root.join(&def.corpus),
            split: def.split,
            extractor: def.extractor,
            jobs,
            timeout,
            cache: cache.map(Path::to_owned),
            cache_inputs,
            fail_fast: false,
            dir: Some(root.clone()),
            max_line_bytes: goldspan_extract::DEFAULT_MAX_LINE_BYTES,
            scoring: Config {
                // Attribution comes from the corpus manifest when the eval runs.
                options: Options { layers, grounding, ..Options::new(modes) },
                label_map: LabelMap::default(),
                slices: Vec::new(),
                per_document: def.bootstrap > 0,
                errors: false,
                only_predicted: false,
            },
            ids: None,
            limit: None,
            predicted_layers: false,
            save_predictions: None,
            keep_documents: false,
            shard: None,
        };
        evals.push(Eval {
            name,
            path,
            run,
            bootstrap: (def.bootstrap > 0).then_some((def.bootstrap, def.seed)),
            tolerance: def.tolerance,
            max_failures,
        });
    }
    Ok(evals)
}

/// Grounding settings from their names (`exact`, `all`, `0.9`), each defaulting to
/// [`Grounding::default`]'s.
pub fn grounding(rule: Option<&str>, occurrences: Option<&str>, threshold: Option<f64>) -> Result<Grounding, String> {
    let default = Grounding::default();
    let rule = match rule {
        None => default.rule,
        Some(name) => Rule::parse(name).ok_or_else(|| {
            let names: Vec<&str> = Rule::ALL.iter().map(|r| r.name()).collect();
            format!("ground: unknown rule {name:?}; expected one of {}", names.join(", "))
        })?,
    };
    let occurrences = match occurrences {
        None => default.occurrences,
        Some(name) => Occurrences::parse(name).ok_or_else(|| {
            let names: Vec<&str> = Occurrences::ALL.iter().map(|o| o.name()).collect();
            format!("ground_occurrences: unknown choice {name:?}; expected one of {}", names.join(", "))
        })?,
    };
    Grounding::new(rule, occurrences, threshold.unwrap_or(Grounding::DEFAULT_THRESHOLD))
        .map_err(|e| format!("ground_threshold: {e}"))
}

/// A per-document time limit from seconds: positive and finite.
pub fn seconds(value: f64) -> Result<Duration, String> {
    if value <= 0.0 {
        return Err(format!("must be positive, not {value}"));
    }
    Duration::try_from_secs_f64(value).map_err(|_| format!("{value} is not a usable number of seconds"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eval_with(lines: &str) -> Result<Vec<Eval>, Error> {
        let dir = tempfile::tempdir().expect("temp dir");
        let evals = dir.path().join("evals");
        std::fs::create_dir_all(&evals).expect("mkdir");
        // Evals are checked against their corpus's manifest: the news corpus's.
        let corpus = dir.path().join("corpus/news");
        std::fs::create_dir_all(&corpus).expect("mkdir");
        let manifest = concat!(env!("CARGO_MANIFEST_DIR"), "/../../corpus/news/goldspan.toml");
        std::fs::copy(manifest, corpus.join("goldspan.toml")).expect("copy the manifest");
        let body = format!("corpus = \"corpus/news\"\nextractor = \"cmd:my-llm\"\n{lines}");
        std::fs::write(evals.join("llm.toml"), body).expect("write");
        load_evals(&evals, None)
    }

    #[test]
    fn an_eval_names_how_strings_are_grounded() {
        let evals =
            eval_with("ground = \"fuzzy\"\nground_occurrences = \"nth\"\nground_threshold = 0.8\n").expect("loads");
        let g = evals[0].run.scoring.options.grounding;
        assert_eq!((g.rule, g.occurrences, g.threshold()), (Rule::Fuzzy, Occurrences::Nth, 0.8));
        let evals = eval_with("").expect("loads");
        assert_eq!(evals[0].run.scoring.options.grounding, Grounding::default());
        let err = eval_with("ground = \"loose\"\n").expect_err("unknown rule").to_string();
        assert!(err.contains("ground: unknown rule \"loose\"; expected one of exact, casefold, fuzzy"), "{err}");
        let err = eval_with("ground_threshold = 2.0\n").expect_err("not a threshold").to_string();
        assert!(err.contains("ground_threshold: a grounding threshold must be between 0.001 and 1, not 2"), "{err}");
    }
}
