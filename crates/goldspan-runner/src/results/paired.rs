//! The paired comparison of two systems scored on the same documents (`score --against`):
//! per (layer, mode), micro F1 of each, the difference with its paired bootstrap interval, and
//! an approximate-randomisation p-value.

use goldspan_score::bootstrap;
use goldspan_score::{Counts, Mode, Ratios};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::metrics::{ratio, Interval, RatioRules};
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
/// (--against), precision and recall computed under `rules` (`--zero-division`). Both must
/// cover the same documents with per-document counts kept (missing predictions are scored as
/// empty, so they do).
pub fn paired_comparison(
    system: &Evaluation,
    baseline: &Evaluation,
    samples: usize,
    seed: u64,
    rules: &RatioRules,
) -> Vec<PairedF1> {
    paired(system, baseline, samples, seed, rules, &[Micro::F1])
}

/// [`paired_comparison`] of micro precision, recall and F1 (metrics `micro_precision`,
/// `micro_recall`, `micro_f1`), each row with its interval and p-value: the HTML report's
/// comparison.
pub fn paired_metrics(
    system: &Evaluation,
    baseline: &Evaluation,
    samples: usize,
    seed: u64,
    rules: &RatioRules,
) -> Vec<PairedF1> {
    paired(system, baseline, samples, seed, rules, &[Micro::Precision, Micro::Recall, Micro::F1])
}

/// A micro metric compared.
#[derive(Debug, Clone, Copy)]
enum Micro {
    Precision,
    Recall,
    F1,
}

impl Micro {
    fn name(self) -> &'static str {
        match self {
            Micro::Precision => "micro_precision",
            Micro::Recall => "micro_recall",
            Micro::F1 => "micro_f1",
        }
    }

    fn of(self, counts: &Counts, ratios: Ratios) -> f64 {
        let prf = counts.prf_with(ratios);
        match self {
            Micro::Precision => prf.precision,
            Micro::Recall => prf.recall,
            Micro::F1 => prf.f1,
        }
    }
}

fn paired(
    system: &Evaluation,
    baseline: &Evaluation,
    samples: usize,
    seed: u64,
    rules: &RatioRules,
    metrics: &[Micro],
) -> Vec<PairedF1> {
    let ratios = rules.ratios();
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
        for &metric in metrics {
            // A is the baseline, B the system under test: delta = B − A.
            let p = bootstrap::paired(&a, &b, samples, seed, |c| metric.of(c, ratios));
            rows.push(PairedF1 {
                a: p.a,
                b: p.b,
                delta: p.delta,
                delta_interval: p.interval.into(),
                layer: layer.clone(),
                metric: metric.name().to_owned(),
                mode: mode.to_string(),
                p_value: p.p_value,
            });
        }
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evaluate::DocumentCounts;
    use goldspan_score::ZeroDivision;

    /// One document per count, all on layer `entities`, strict.
    fn evaluation(per_document: &[Counts]) -> Evaluation {
        let mut e = Evaluation::default();
        for (i, c) in per_document.iter().enumerate() {
            let micro = [(("entities".to_owned(), Mode::Strict), *c)].into_iter().collect();
            e.documents.push(DocumentCounts { id: format!("d{i}"), micro, quotes: Default::default() });
        }
        e
    }

    #[test]
    fn the_comparison_computes_precision_under_the_zero_division_rule() {
        // The system predicts nothing (precision 0/0); the baseline finds one of two gold spans
        // and adds a spurious one (precision 1/2, recall 1/2).
        let system = evaluation(&[Counts { mis: 1, ..Counts::default() }, Counts { mis: 1, ..Counts::default() }]);
        let baseline =
            evaluation(&[Counts { cor: 1, ..Counts::default() }, Counts { mis: 1, spu: 1, ..Counts::default() }]);
        let precision = |rules: &RatioRules| {
            let rows = paired_metrics(&system, &baseline, 10, 1, rules);
            let row = rows.iter().find(|r| r.metric == "micro_precision").expect("a precision row");
            (row.a, row.b)
        };
        assert_eq!(precision(&RatioRules::default()), (0.5, 0.0));
        let one = RatioRules { zero_division: ZeroDivision::One, ..RatioRules::default() };
        assert_eq!(precision(&one), (0.5, 1.0));
    }
}
