//! The paired comparison of two systems scored on the same documents (`score --against`):
//! per (layer, mode), micro F1 of each, the difference with its paired bootstrap interval, and
//! an approximate-randomisation p-value.

use goldspan_score::bootstrap;
use goldspan_score::{Counts, Mode};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::metrics::{ratio, Interval};
use crate::evaluate::Evaluation;

/// One row of a paired comparison: system B (`--pred`) against the baseline A (`--against`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PairedF1 {
    /// Micro F1 of the baseline A.
    #[serde(deserialize_with = "ratio")]
    #[schemars(range(min = 0, max = 1))]
    pub a: f64,
    /// Micro F1 of the system under test B.
    #[serde(deserialize_with = "ratio")]
    #[schemars(range(min = 0, max = 1))]
    pub b: f64,
    /// B − A.
    pub delta: f64,
    /// Paired bootstrap 95% interval of the delta.
    pub delta_interval: Interval,
    /// Layer.
    pub layer: String,
    /// The metric compared: `micro_f1`.
    pub metric: String,
    /// Mode.
    pub mode: String,
    /// Two-sided p-value from approximate randomisation.
    #[serde(deserialize_with = "ratio")]
    #[schemars(range(min = 0, max = 1))]
    pub p_value: f64,
}

/// Paired comparison of micro F1 per (layer, mode) of `system` (--pred) against `baseline`
/// (--against). Both must cover the same documents with per-document counts kept (missing
/// predictions are scored as empty, so they do).
pub fn paired_comparison(system: &Evaluation, baseline: &Evaluation, samples: usize, seed: u64) -> Vec<PairedF1> {
    paired(system, baseline, samples, seed, &[("micro_f1", |c| c.prf().f1)])
}

/// [`paired_comparison`] of micro precision, recall and F1 (metrics `micro_precision`,
/// `micro_recall`, `micro_f1`), each row with its interval and p-value: the HTML report's
/// comparison.
pub fn paired_metrics(system: &Evaluation, baseline: &Evaluation, samples: usize, seed: u64) -> Vec<PairedF1> {
    paired(
        system,
        baseline,
        samples,
        seed,
        &[
            ("micro_precision", |c| c.prf().precision),
            ("micro_recall", |c| c.prf().recall),
            ("micro_f1", |c| c.prf().f1),
        ],
    )
}

/// A metric computed from counts, by name.
type NamedMetric = (&'static str, fn(&Counts) -> f64);

fn paired(
    system: &Evaluation,
    baseline: &Evaluation,
    samples: usize,
    seed: u64,
    metrics: &[NamedMetric],
) -> Vec<PairedF1> {
    let mut keys: Vec<(String, Mode)> =
        system.documents.iter().chain(&baseline.documents).flat_map(|d| d.micro.keys().cloned()).collect();
    keys.sort();
    keys.dedup();
    let mut rows = Vec::new();
    for (layer, mode) in keys {
        let per_doc = |e: &Evaluation| -> Vec<Counts> {
            e.documents.iter().map(|d| d.micro.get(&(layer.clone(), mode)).copied().unwrap_or_default()).collect()
        };
        let (a, b) = (per_doc(baseline), per_doc(system));
        for &(name, metric) in metrics {
            // A is the baseline, B the system under test: delta = B − A.
            let p = bootstrap::paired(&a, &b, samples, seed, metric);
            rows.push(PairedF1 {
                a: p.a,
                b: p.b,
                delta: p.delta,
                delta_interval: p.interval.into(),
                layer: layer.clone(),
                metric: name.to_owned(),
                mode: mode.to_string(),
                p_value: p.p_value,
            });
        }
    }
    rows
}
