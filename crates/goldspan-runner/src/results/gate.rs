//! The regression gate: a new run's snapshot against the committed one, metric by metric,
//! under the eval's tolerance, and what `goldspan check --update` may do about it.
//!
//! Gated metrics are every precision, recall, F1 and attribution accuracy in the `total`
//! section. A metric the new run no longer reports counts as fallen to 0; a new one as risen
//! from 0. A changed corpus hash makes the numbers incomparable: that is its own verdict, not
//! a regression. The verdict is data; `goldspan check` only prints it and picks the exit code.

use std::collections::BTreeMap;
use std::path::PathBuf;

use super::metrics::{Interval, Metrics, Scores};
use super::snapshot::{read_snapshot, write_snapshot, Snapshot, SnapshotError};
use super::Results;
use crate::error::Error;
use crate::eval::Eval;
use crate::run::RunOutcome;

/// Differences at most this small are rounding noise, not movement.
const NOISE: f64 = 1e-12;

/// One gated metric, in the snapshot and in the new run.
#[derive(Debug, Clone, PartialEq)]
pub struct Metric {
    /// Its path in the snapshot, e.g. `total.layers.entities.strict.micro.f1`.
    pub name: String,
    /// The snapshot's value (0 for a metric the snapshot lacks).
    pub before: f64,
    /// The new run's value (0 for a metric the run no longer reports).
    pub after: f64,
    /// The new run's bootstrap interval for it, when there is one.
    pub interval: Option<Interval>,
    /// Whether both have it, or only one.
    pub presence: Presence,
}

/// Which of the snapshot and the new run report a metric.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Presence {
    /// Both.
    Both,
    /// Only the new run: a new metric (a new label, layer or mode), risen from 0.
    Added,
    /// Only the snapshot: the run no longer reports it, so it has fallen to 0.
    Removed,
}

impl Presence {
    /// `both`, `added` or `removed`.
    pub fn name(self) -> &'static str {
        match self {
            Presence::Both => "both",
            Presence::Added => "added",
            Presence::Removed => "removed",
        }
    }
}

impl Metric {
    /// After minus before.
    pub fn delta(&self) -> f64 {
        self.after - self.before
    }

    /// Whether it moved at all (beyond rounding noise).
    pub fn moved(&self) -> bool {
        self.delta().abs() > NOISE
    }
}

/// Every gated metric of two snapshots, under a tolerance.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    /// The corpus hash differs: the numbers are not comparable.
    pub corpus_changed: bool,
    /// How far a metric may fall before it is a regression.
    pub tolerance: f64,
    /// Every gated metric of either snapshot: the new run's in path order, then those only
    /// the snapshot has.
    pub metrics: Vec<Metric>,
}

impl Comparison {
    /// Whether `m` fell by more than the tolerance.
    pub fn is_regression(&self, m: &Metric) -> bool {
        m.moved() && m.delta() < -self.tolerance
    }

    /// Metrics that moved, in order.
    pub fn moved(&self) -> impl Iterator<Item = &Metric> {
        self.metrics.iter().filter(|m| m.moved())
    }

    /// Metrics that fell by more than the tolerance, in order.
    pub fn regressions(&self) -> impl Iterator<Item = &Metric> {
        self.metrics.iter().filter(|m| self.is_regression(m))
    }
}

/// What the gate concluded for one eval.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Verdict {
    /// No metric fell by more than the tolerance, and none rose by more.
    Ok(Comparison),
    /// Some metric rose by more than the tolerance, and none fell by more: the gate passes,
    /// and `goldspan check --update` keeps the gain.
    Improved(Comparison),
    /// Some metric fell by more than the tolerance.
    Regressed(Comparison),
    /// The corpus changed since the snapshot: scores are not comparable. Its comparison may
    /// still hold falls, which `--update` refuses without `--allow-regression`.
    CorpusChanged(Comparison),
    /// There is no snapshot.
    Missing,
    /// The snapshot cannot be read as one.
    Malformed(SnapshotError),
    /// The extractor failed on more documents than the eval allows (`max_failures`), or the
    /// run stopped early: scores of an extractor that did not answer are not a measurement, so
    /// the snapshot is neither compared nor written.
    ExtractorFailed {
        /// Documents the extractor failed on.
        failures: usize,
        /// Documents in the run.
        documents: usize,
        /// What the eval allows, as written (`0`, `5`, `5%`).
        allowed: String,
    },
}

impl Verdict {
    /// The metric-by-metric comparison, when there was a snapshot to compare with.
    pub fn comparison(&self) -> Option<&Comparison> {
        match self {
            Verdict::Ok(c) | Verdict::Improved(c) | Verdict::Regressed(c) | Verdict::CorpusChanged(c) => Some(c),
            Verdict::Missing | Verdict::Malformed(_) | Verdict::ExtractorFailed { .. } => None,
        }
    }

    /// A short name: `ok`, `improved`, `regressed`, `corpus_changed`, `missing`, `malformed`,
    /// `extractor_failed`.
    pub fn name(&self) -> &'static str {
        match self {
            Verdict::Ok(_) => "ok",
            Verdict::Improved(_) => "improved",
            Verdict::Regressed(_) => "regressed",
            Verdict::CorpusChanged(_) => "corpus_changed",
            Verdict::Missing => "missing",
            Verdict::Malformed(_) => "malformed",
            Verdict::ExtractorFailed { .. } => "extractor_failed",
        }
    }
}

/// The gated metrics of a snapshot as (path segments, value).
fn gated(s: &Snapshot) -> Vec<(Vec<String>, f64)> {
    fn prf(out: &mut Vec<(Vec<String>, f64)>, at: &[&str], m: &Metrics) {
        for (name, value) in [("f1", m.f1), ("precision", m.precision), ("recall", m.recall)] {
            let mut path: Vec<String> = at.iter().map(|s| s.to_string()).collect();
            path.push(name.to_owned());
            out.push((path, value));
        }
    }
    let Scores { layers, quotes, relations, .. } = &s.total;
    let mut out = Vec::new();
    for (layer, modes) in layers {
        for (mode, scores) in modes {
            for (label, m) in &scores.labels {
                prf(&mut out, &["total", "layers", layer, mode, "labels", label], m);
            }
            let a = &scores.macro_average;
            for (name, value) in [("f1", a.f1), ("precision", a.precision), ("recall", a.recall)] {
                let path = ["total", "layers", layer, mode, "macro", name];
                out.push((path.iter().map(|s| s.to_string()).collect(), value));
            }
            prf(&mut out, &["total", "layers", layer, mode, "micro"], &scores.micro);
        }
    }
    for (mode, q) in quotes {
        let path = ["total", "quotes", mode, "attribution_accuracy"];
        out.push((path.iter().map(|s| s.to_string()).collect(), q.attribution_accuracy));
        prf(&mut out, &["total", "quotes", mode, "end_to_end"], &q.end_to_end);
    }
    for (kind, modes) in relations {
        for (mode, m) in modes {
            prf(&mut out, &["total", "relations", kind, mode], m);
        }
    }
    // Path order, segment by segment: the order of the snapshot's sorted keys.
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// The new run's bootstrap interval for a metric: micro precision, recall and F1 of a layer,
/// and end-to-end quotation F1.
fn interval_of(s: &Snapshot, path: &[String]) -> Option<Interval> {
    let intervals = s.intervals.as_ref()?;
    match path.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        ["total", "layers", layer, mode, "micro", which] => {
            let i = intervals.layers.get(layer)?.get(mode)?;
            match which {
                "f1" => Some(i.f1),
                "precision" => Some(i.precision),
                "recall" => Some(i.recall),
                _ => None,
            }
        }
        ["total", "quotes", mode, "end_to_end", "f1"] => Some(intervals.quotes.get(mode)?.end_to_end_f1),
        _ => None,
    }
}

/// Compares a new run's snapshot with the committed one: only the `total` section is gated.
pub fn gate(before: &Snapshot, after: &Snapshot, tolerance: f64) -> Verdict {
    let mut old: BTreeMap<String, f64> = gated(before).into_iter().map(|(p, v)| (p.join("."), v)).collect();
    let mut metrics = Vec::new();
    for (path, value) in gated(after) {
        let name = path.join(".");
        let interval = interval_of(after, &path);
        metrics.push(match old.remove(&name) {
            Some(before) => Metric { name, before, after: value, interval, presence: Presence::Both },
            None => Metric { name, before: 0.0, after: value, interval, presence: Presence::Added },
        });
    }
    // What only the snapshot has counts as fallen to 0.
    metrics.extend(old.into_iter().map(|(name, value)| Metric {
        name,
        before: value,
        after: 0.0,
        interval: None,
        presence: Presence::Removed,
    }));
    let comparison =
        Comparison { corpus_changed: before.manifest.corpus_hash != after.manifest.corpus_hash, tolerance, metrics };
    if comparison.corpus_changed {
        Verdict::CorpusChanged(comparison)
    } else if comparison.regressions().next().is_some() {
        Verdict::Regressed(comparison)
    } else if comparison.moved().any(|m| m.delta() > tolerance) {
        Verdict::Improved(comparison)
    } else {
        Verdict::Ok(comparison)
    }
}

/// What `goldspan check` is asked to do besides judging.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Policy {
    /// Write new snapshots (`--update`).
    pub update: bool,
    /// Let `--update` lower a score (`--allow-regression`).
    pub allow_regression: bool,
}

/// What `--update` did to a snapshot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Update {
    /// There was none: written.
    Written,
    /// Rewritten with the new results.
    Updated,
    /// The new results equal it: left alone.
    Unchanged,
    /// A score fell and `--allow-regression` was not given: left alone.
    Refused,
}

/// One eval checked: its verdict, what `--update` did, and how the run went.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckOutcome {
    /// The eval's name.
    pub eval: String,
    /// Its snapshot file.
    pub snapshot: PathBuf,
    /// The verdict.
    pub verdict: Verdict,
    /// What `--update` did, when asked.
    pub update: Option<Update>,
    /// Documents extracted in the run.
    pub extracted: usize,
    /// Documents taken from the cache.
    pub cached: usize,
    /// Documents the extractor failed on.
    pub failures: usize,
}

impl CheckOutcome {
    /// Whether this eval passes the gate. A missing snapshot passes once written; a changed
    /// corpus or a regression once the snapshot is deliberately updated; a malformed snapshot
    /// never.
    pub fn passed(&self) -> bool {
        !matches!(
            (&self.verdict, self.update),
            (Verdict::Malformed(_) | Verdict::ExtractorFailed { .. }, _)
                | (_, Some(Update::Refused))
                | (Verdict::Missing | Verdict::CorpusChanged(_) | Verdict::Regressed(_), None)
        )
    }
}

/// Checks a run of `eval` against its snapshot, and updates the snapshot when `policy` says so
/// and the gate allows it. Errors only when a snapshot cannot be read or written.
pub fn check(eval: &Eval, outcome: &RunOutcome, policy: Policy) -> Result<CheckOutcome, Error> {
    let results = Results::of_run(outcome, &eval.run, eval.bootstrap);
    let snapshot = Snapshot::of(&eval.name, &results);
    let path = eval.snapshot_path();
    let too_many = outcome.stopped.is_some() || !eval.max_failures.allows(outcome.failures.len(), outcome.documents());
    let (verdict, update) = match read_snapshot(&path)? {
        _ if too_many => {
            let verdict = Verdict::ExtractorFailed {
                failures: outcome.failures.len(),
                documents: outcome.documents(),
                allowed: eval.max_failures.to_string(),
            };
            (verdict, None)
        }
        None if policy.update => {
            write_snapshot(&path, &snapshot)?;
            (Verdict::Missing, Some(Update::Written))
        }
        None => (Verdict::Missing, None),
        Some(Err(e)) => (Verdict::Malformed(e), None),
        Some(Ok(before)) => {
            let verdict = gate(&before, &snapshot, eval.tolerance);
            let falls = verdict.comparison().is_some_and(|c| c.regressions().next().is_some());
            let update = match policy.update {
                false => None,
                true if falls && !policy.allow_regression => Some(Update::Refused),
                true if before == snapshot => Some(Update::Unchanged),
                true => {
                    write_snapshot(&path, &snapshot)?;
                    Some(Update::Updated)
                }
            };
            (verdict, update)
        }
    };
    Ok(CheckOutcome {
        eval: eval.name.clone(),
        snapshot: path,
        verdict,
        update,
        extracted: outcome.extracted,
        cached: outcome.cached,
        failures: outcome.failures.len(),
    })
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};

    use super::*;

    /// Counts with the given precision, recall and F1 (the gate reads only those).
    fn metrics(p: f64, r: f64, f1: f64) -> Value {
        json!({"actual": 4, "cor": 2, "f1": f1, "inc": 0, "mis": 2, "par": 0, "possible": 4,
            "precision": p, "recall": r, "spu": 2})
    }

    /// A hand-made snapshot text: one layer (entities, strict) with one label (PER), micro
    /// F1 `f1`, and the corpus hash `corpus`.
    fn snapshot_value(f1: f64, corpus: &str) -> Value {
        json!({
            "documents": {"missing_predictions": [], "outside_split": 0, "scored": 2},
            "eval": "tiny",
            "failures": [],
            "manifest": {"bootstrap": null, "corpus_hash": corpus, "gold": "tiny", "label_map": false,
                "modes": ["strict"], "predictions": "p.jsonl", "split": null},
            "schema": "goldspan.snapshot/1",
            "slices": {},
            "total": {"documents": 2, "quotes": {}, "relations": {}, "layers": {"entities": {"strict": {
                "labels": {"PER": metrics(0.5, 0.5, 0.5)},
                "macro": {"f1": 0.5, "labels": 1, "precision": 0.5, "recall": 0.5},
                "micro": metrics(0.5, 0.5, f1),
            }}}},
        })
    }

    fn snapshot(f1: f64, corpus: &str) -> Snapshot {
        Snapshot::parse(&snapshot_value(f1, corpus).to_string()).expect("a valid snapshot")
    }

    /// The names of the metrics a verdict counts as regressions.
    fn regressions(v: &Verdict) -> Vec<String> {
        v.comparison().map(|c| c.regressions().map(|m| m.name.clone()).collect()).unwrap_or_default()
    }

    #[cfg(unix)]
    #[test]
    fn a_snapshot_that_cannot_be_written_says_why() {
        let dir = tempfile::tempdir().expect("temp dir");
        let file = dir.path().join("evals");
        std::fs::write(&file, "a file where the snapshots directory goes").expect("write");
        let path = file.join("snapshots/tiny.json");
        let err = super::super::write_snapshot(&path, &snapshot(0.5, "h")).expect_err("cannot write");
        let shown = err.to_string();
        assert!(shown.contains("Not a directory"), "the cause is shown: {shown}");
    }

    #[test]
    fn an_unchanged_run_is_ok_with_nothing_moved() {
        let v = gate(&snapshot(0.5, "h"), &snapshot(0.5, "h"), 0.001);
        assert!(matches!(&v, Verdict::Ok(c) if c.moved().count() == 0), "{v:?}");
        // Every gated metric is listed: PER's three, macro's three, micro's three.
        assert_eq!(v.comparison().map(|c| c.metrics.len()), Some(9));
    }

    #[test]
    fn a_rise_within_the_tolerance_is_ok_and_over_it_is_an_improvement() {
        let v = gate(&snapshot(0.5, "h"), &snapshot(0.5005, "h"), 0.001);
        assert!(matches!(&v, Verdict::Ok(c) if c.moved().count() == 1), "{v:?}");
        let v = gate(&snapshot(0.5, "h"), &snapshot(0.6, "h"), 0.001);
        assert!(matches!(v, Verdict::Improved(_)), "{v:?}");
        assert!(regressions(&v).is_empty());
    }

    #[test]
    fn a_fall_within_the_tolerance_is_ok_and_over_it_a_regression_naming_the_metric() {
        let v = gate(&snapshot(0.5, "h"), &snapshot(0.4995, "h"), 0.001);
        assert!(matches!(v, Verdict::Ok(_)), "{v:?}");
        let v = gate(&snapshot(0.5, "h"), &snapshot(0.4, "h"), 0.001);
        assert!(matches!(v, Verdict::Regressed(_)), "{v:?}");
        assert_eq!(regressions(&v), ["total.layers.entities.strict.micro.f1"]);
        let m = v.comparison().and_then(|c| c.regressions().next().cloned()).expect("one");
        assert_eq!((m.before, m.after), (0.5, 0.4));
    }

    #[test]
    fn a_metric_the_run_no_longer_reports_has_fallen_to_zero() {
        let mut after = snapshot_value(0.5, "h");
        after["total"]["layers"]["entities"]["strict"]["labels"] = json!({});
        let after = Snapshot::parse(&after.to_string()).expect("valid");
        let v = gate(&snapshot(0.5, "h"), &after, 0.001);
        assert_eq!(
            regressions(&v),
            [
                "total.layers.entities.strict.labels.PER.f1",
                "total.layers.entities.strict.labels.PER.precision",
                "total.layers.entities.strict.labels.PER.recall"
            ]
        );
        let c = v.comparison().expect("a comparison");
        assert!(c.regressions().all(|m| m.presence == Presence::Removed && m.after == 0.0 && m.before == 0.5));
        // And the other way round, the label is new: risen from 0.
        let v = gate(&after, &snapshot(0.5, "h"), 0.001);
        let added: Vec<&Metric> = v.comparison().expect("a comparison").moved().collect();
        assert_eq!(added.len(), 3);
        assert!(added.iter().all(|m| m.presence == Presence::Added && m.before == 0.0), "{added:?}");
        assert!(matches!(v, Verdict::Improved(_)), "{v:?}");
    }

    #[test]
    fn a_changed_corpus_is_its_own_verdict_even_with_falls() {
        let v = gate(&snapshot(0.5, "h"), &snapshot(0.5, "other"), 0.001);
        assert!(matches!(&v, Verdict::CorpusChanged(c) if c.corpus_changed), "{v:?}");
        let v = gate(&snapshot(0.5, "h"), &snapshot(0.1, "other"), 0.001);
        assert!(matches!(v, Verdict::CorpusChanged(_)), "{v:?}");
        assert_eq!(regressions(&v).len(), 1, "the falls are still there for --update to refuse");
    }

    /// The error reading `value` as a snapshot.
    fn error(value: Value) -> SnapshotError {
        Snapshot::parse(&value.to_string()).expect_err("malformed")
    }

    #[test]
    fn a_null_or_string_metric_is_an_error_naming_the_field() {
        let path = "total.layers.entities.strict.micro.f1";
        for bad in [json!(null), json!("0.5"), json!(1.5), json!(-0.1)] {
            let mut v = snapshot_value(0.5, "h");
            v["total"]["layers"]["entities"]["strict"]["micro"]["f1"] = bad.clone();
            let e = error(v);
            assert_eq!(e.field, path, "{bad}: {e}");
        }
        let mut v = snapshot_value(0.5, "h");
        v["total"]["layers"]["entities"]["strict"]["micro"]["cor"] = json!(null);
        assert_eq!(error(v).field, "total.layers.entities.strict.micro.cor");
        // Results may write a macro average over no label as null (NaN, --compat seqeval);
        // a snapshot may not.
        let mut v = snapshot_value(0.5, "h");
        v["total"]["layers"]["entities"]["strict"]["macro"]["f1"] = json!(null);
        assert_eq!(error(v).field, "total.layers.entities.strict.macro.f1");
    }

    #[test]
    fn an_empty_total_is_an_error_naming_it() {
        let mut v = snapshot_value(0.5, "h");
        v["total"] = json!({});
        let e = error(v);
        assert_eq!(e.field, "total", "{e}");
        assert!(e.message.contains("missing field"), "{e}");
    }

    #[test]
    fn a_wrong_or_missing_schema_is_an_error_naming_it() {
        let mut v = snapshot_value(0.5, "h");
        v["schema"] = json!("goldspan.snapshot/2");
        let e = error(v);
        assert_eq!(e.field, "schema");
        assert!(e.message.contains("goldspan.snapshot/2") && e.message.contains("goldspan.snapshot/1"), "{e}");
        let mut v = snapshot_value(0.5, "h");
        v.as_object_mut().expect("object").remove("schema");
        assert_eq!(error(v).field, "schema");
    }

    #[test]
    fn empty_objects_arrays_and_null_files_are_errors_not_corpus_changes() {
        assert_eq!(error(json!({})).field, "schema");
        for (value, kind) in [(json!([]), "an array"), (json!(null), "null"), (json!(3), "a number")] {
            let e = error(value);
            assert!(e.field.is_empty() && e.message.contains(kind), "{e}");
        }
        let e = Snapshot::parse("{\"schema\": ").expect_err("not JSON");
        assert!(e.message.starts_with("not JSON"), "{e}");
    }

    #[test]
    fn an_unknown_field_is_an_error_naming_where_it_is() {
        let mut v = snapshot_value(0.5, "h");
        v["total"]["layers"]["entities"]["strict"]["micro"]["f2"] = json!(0.5);
        let e = error(v);
        assert_eq!(e.field, "total.layers.entities.strict.micro.f2", "{e}");
        assert!(e.message.contains("unknown field `f2`"), "{e}");
    }

    #[test]
    fn a_snapshot_reads_back_as_written() {
        let s = snapshot(0.4705882352941176, "h");
        assert_eq!(Snapshot::parse(&s.to_json()).expect("reads back"), s);
    }
}
