//! Eval definitions (`evals/*.toml`), their snapshots (`evals/snapshots/NAME.json`), and the
//! comparison that gates regressions.
//!
//! A snapshot is the results document made stable: sorted keys, floats rounded to six places,
//! nothing that varies between runs (durations, paths, cache statistics, the goldspan
//! version). Written atomically, so a snapshot is never half-written. Paths in an eval file
//! are relative to the directory holding `evals/`.

use std::path::{Path, PathBuf};
use std::time::Duration;

use goldspan_score::{Mode, Options};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::error::Error;
use crate::evaluate::Config;
use crate::label_map::LabelMap;
use crate::results::{self, RunInfo};
use crate::run::{FailureLimit, RunConfig, RunOutcome};

/// The snapshot schema written in every snapshot.
pub const SNAPSHOT_SCHEMA: &str = "goldspan.snapshot/1";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EvalV1 {
    corpus: String,
    #[serde(default)]
    split: Option<String>,
    extractor: String,
    #[serde(default = "semeval_modes")]
    modes: Vec<String>,
    #[serde(default)]
    layers: Vec<String>,
    #[serde(default)]
    bootstrap: usize,
    #[serde(default = "one")]
    seed: u64,
    #[serde(default = "default_tolerance")]
    tolerance: f64,
    #[serde(default)]
    jobs: Option<usize>,
    #[serde(default)]
    timeout_seconds: Option<f64>,
    #[serde(default)]
    max_failures: Option<MaxFailures>,
}

/// `max_failures = 3` or `max_failures = "5%"`.
#[derive(Deserialize)]
#[serde(untagged)]
enum MaxFailures {
    Count(usize),
    Text(String),
}

fn semeval_modes() -> Vec<String> {
    ["strict", "exact", "partial", "type"].map(String::from).to_vec()
}

fn one() -> u64 {
    1
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
        let modes = def
            .modes
            .iter()
            .map(|m| m.parse::<Mode>())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| err(&path, e.to_string()))?;
        if !(0.0..1.0).contains(&def.tolerance) {
            return Err(err(&path, format!("tolerance must be in [0, 1), not {}", def.tolerance)));
        }
        let name = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        let timeout =
            seconds(def.timeout_seconds.unwrap_or(30.0)).map_err(|m| err(&path, format!("timeout_seconds: {m}")))?;
        let layers = (!def.layers.is_empty()).then(|| def.layers.iter().cloned().collect());
        let max_failures = match def.max_failures {
            None => FailureLimit::Count(0),
            Some(MaxFailures::Count(n)) => FailureLimit::Count(n),
            Some(MaxFailures::Text(text)) => {
                FailureLimit::parse(&text).map_err(|m| err(&path, format!("max_failures: {m}")))?
            }
        };
        let run = RunConfig {
            corpus: root.join(&def.corpus),
            split: def.split,
            extractor: def.extractor,
            jobs: def.jobs.unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get())),
            timeout,
            cache: cache.map(Path::to_owned),
            fail_fast: false,
            dir: Some(root.clone()),
            max_line_bytes: goldspan_extract::DEFAULT_MAX_LINE_BYTES,
            scoring: Config {
                options: Options { modes, layers },
                label_map: LabelMap::default(),
                slices: Vec::new(),
                per_document: def.bootstrap > 0,
                errors: false,
            },
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

/// A per-document time limit from seconds: positive and finite.
pub fn seconds(value: f64) -> Result<Duration, String> {
    if value <= 0.0 {
        return Err(format!("must be positive, not {value}"));
    }
    Duration::try_from_secs_f64(value).map_err(|_| format!("{value} is not a usable number of seconds"))
}

/// The full results document of a run: scores, manifest, failures.
pub fn results_json(outcome: &RunOutcome, run: &RunConfig, bootstrap: Option<(usize, u64)>) -> Value {
    let info = RunInfo {
        gold: outcome.corpus.clone(),
        split: run.split.clone(),
        predictions: outcome.extractor.name.clone(),
        modes: run.scoring.options.modes.clone(),
        bootstrap,
        label_map: !run.scoring.label_map.is_empty(),
    };
    let mut json = results::to_json(&outcome.evaluation, &info, run.scoring.per_document && bootstrap.is_none());
    json["manifest"]["corpus_hash"] = json!(outcome.corpus_hash);
    json["manifest"]["extractor"] = json!({
        "name": outcome.extractor.name, "version": outcome.extractor.version, "config_hash": outcome.extractor.config_hash,
    });
    json["failures"] =
        Value::Array(outcome.failures.iter().map(|f| json!({"document": f.document, "reason": f.reason})).collect());
    json["extraction"] = json!({"performed": outcome.extracted, "cached": outcome.cached});
    json
}

fn round(value: &Value) -> Value {
    match value {
        Value::Number(n) if n.is_f64() => {
            let x = n.as_f64().unwrap_or_default();
            json!((x * 1e6).round() / 1e6)
        }
        Value::Array(items) => Value::Array(items.iter().map(round).collect()),
        Value::Object(map) => Value::Object(map.iter().map(|(k, v)| (k.clone(), round(v))).collect()),
        other => other.clone(),
    }
}

/// The stable snapshot of a results document.
pub fn snapshot(name: &str, results: &Value) -> Value {
    let mut snap = round(results);
    if let Some(map) = snap.as_object_mut() {
        map.remove("extraction");
        map.insert("schema".into(), json!(SNAPSHOT_SCHEMA));
        map.insert("eval".into(), json!(name));
    }
    if let Some(manifest) = snap.get_mut("manifest").and_then(Value::as_object_mut) {
        manifest.remove("goldspan_version");
    }
    snap
}

/// A metric that moved between a snapshot and a new run.
#[derive(Debug, Clone, PartialEq)]
pub struct Moved {
    /// Its path in the results, e.g. `total.layers.entities.strict.micro.f1`.
    pub metric: String,
    /// Snapshot value.
    pub before: f64,
    /// New value.
    pub after: f64,
    /// The new run's bootstrap interval for it, when there is one.
    pub interval: Option<(f64, f64)>,
}

impl Moved {
    /// After minus before.
    pub fn delta(&self) -> f64 {
        self.after - self.before
    }
}

/// How a new run compares with its snapshot.
#[derive(Debug, Clone, Default)]
pub struct Comparison {
    /// The corpus (hash) changed since the snapshot: the numbers are not comparable, and the
    /// snapshot must be updated deliberately.
    pub corpus_changed: bool,
    /// Metrics that moved.
    pub moved: Vec<Moved>,
    /// Metrics that fell by more than the tolerance (or vanished).
    pub regressions: Vec<Moved>,
}

const GATED: [&str; 4] = ["precision", "recall", "f1", "attribution_accuracy"];

fn flatten(value: &Value, path: &str, out: &mut Vec<(String, f64)>) {
    let Value::Object(map) = value else { return };
    for (k, v) in map {
        let p = if path.is_empty() { k.clone() } else { format!("{path}.{k}") };
        match v.as_f64() {
            Some(x) if GATED.contains(&k.as_str()) => out.push((p, x)),
            _ => flatten(v, &p, out),
        }
    }
}

/// Compares a new snapshot with the old one, gating only the `total` section.
pub fn compare(before: &Value, after: &Value, tolerance: f64) -> Comparison {
    let mut c = Comparison {
        corpus_changed: before["manifest"]["corpus_hash"] != after["manifest"]["corpus_hash"],
        ..Comparison::default()
    };
    let (mut old, mut new) = (Vec::new(), Vec::new());
    flatten(&before["total"], "total", &mut old);
    flatten(&after["total"], "total", &mut new);
    let mut old: std::collections::BTreeMap<String, f64> = old.into_iter().collect();
    let mut new: Vec<(String, f64)> = new;
    // A metric the new run no longer reports counts as having fallen to 0.
    let vanished: Vec<(String, f64)> =
        old.keys().filter(|k| !new.iter().any(|(n, _)| n == *k)).map(|k| (k.clone(), 0.0)).collect();
    new.extend(vanished);
    for (metric, after_value) in new {
        let before_value = old.remove(&metric).unwrap_or(0.0);
        if (after_value - before_value).abs() <= 1e-12 {
            continue;
        }
        let interval = interval_of(after, &metric);
        let moved = Moved { metric, before: before_value, after: after_value, interval };
        if moved.delta() < -tolerance {
            c.regressions.push(moved.clone());
        }
        c.moved.push(moved);
    }
    c
}

/// The bootstrap interval of `total.layers.L.M.micro.X` from a results document.
fn interval_of(results: &Value, metric: &str) -> Option<(f64, f64)> {
    let parts: Vec<&str> = metric.split('.').collect();
    if let ["total", "layers", layer, mode, "micro", which] = parts[..] {
        let pair = &results["intervals"]["layers"][layer][mode][which];
        return Some((pair[0].as_f64()?, pair[1].as_f64()?));
    }
    None
}

/// Reads a snapshot file, if there is one.
pub fn read_snapshot(path: &Path) -> Result<Option<Value>, Error> {
    match std::fs::read_to_string(path) {
        Ok(text) => serde_json::from_str(&text)
            .map(Some)
            .map_err(|e| Error::Eval { file: path.to_owned(), message: format!("not a snapshot: {e}") }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::Eval { file: path.to_owned(), message: format!("cannot read: {e}") }),
    }
}

/// Writes a snapshot atomically, pretty-printed with sorted keys and a final newline.
pub fn write_snapshot(path: &Path, snapshot: &Value) -> Result<(), Error> {
    let text = serde_json::to_string_pretty(snapshot).unwrap_or_default() + "\n";
    goldspan_formats::write_atomic(path, text.as_bytes())
        .map_err(|e| Error::Eval { file: path.to_owned(), message: e.to_string() })
}
