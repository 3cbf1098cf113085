//! Ratios as the reference tools report them: F-beta, the value of a ratio with a zero
//! denominator, and the micro, macro and weighted averages over labels (seqeval 1.2.2's
//! `precision_recall_fscore_support`, which follows scikit-learn).
//!
//! goldspan's own reports use [`Counts::prf`] (F1, a zero denominator gives 0, macro over the
//! labels present); these functions are what `--beta` and the `--compat` presets choose.

use crate::counts::Counts;
use crate::Prf;

/// What a ratio with a zero denominator is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum ZeroDivision {
    /// 0: goldspan, nervaluate, conlleval, spaCy, seqeval's `zero_division="warn"` and `0`.
    #[default]
    Zero,
    /// 1: seqeval's `zero_division=1`.
    One,
}

impl ZeroDivision {
    fn value(self) -> f64 {
        match self {
            ZeroDivision::Zero => 0.0,
            ZeroDivision::One => 1.0,
        }
    }
}

/// How precision, recall and F are computed from counts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ratios {
    /// β of F-beta: 1 is F1; recall weighs β times as much as precision; `f64::INFINITY`
    /// gives recall.
    pub beta: f64,
    /// The value of a ratio with a zero denominator.
    pub zero_division: ZeroDivision,
    /// What a PAR counts for in the numerator: ½ (SemEval, nervaluate's partial and type) or 0
    /// (nervaluate's strict and exact formula, `compute_metrics(partial_or_type=False)`).
    pub partial_credit: f64,
}

impl Default for Ratios {
    fn default() -> Ratios {
        Ratios { beta: 1.0, zero_division: ZeroDivision::Zero, partial_credit: 0.5 }
    }
}

/// How per-label scores are averaged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Average {
    /// From the counts summed over labels.
    Micro,
    /// The unweighted mean of the per-label values; NaN over no label (as numpy's mean of an
    /// empty array, which seqeval returns with a warning).
    Macro,
    /// The mean weighted by each label's support (POS).
    Weighted,
}

/// F-beta of a precision and a recall, as scikit-learn computes it: `(1 + β²)·P·R / (β²·P + R)`,
/// 0 when the denominator is 0; recall when β is infinite.
pub fn f_beta(precision: f64, recall: f64, beta: f64) -> f64 {
    if beta.is_infinite() {
        return recall;
    }
    let beta2 = beta * beta;
    let denominator = beta2 * precision + recall;
    if denominator == 0.0 {
        0.0
    } else {
        (1.0 + beta2) * precision * recall / denominator
    }
}

impl Counts {
    /// Precision, recall and F-beta under `ratios`.
    pub fn prf_with(&self, ratios: Ratios) -> Prf {
        let credit = self.cor as f64 + ratios.partial_credit * self.par as f64;
        let divide = |den: u64| if den == 0 { ratios.zero_division.value() } else { credit / den as f64 };
        let (precision, recall) = (divide(self.actual()), divide(self.possible()));
        Prf { precision, recall, f1: f_beta(precision, recall, ratios.beta) }
    }
}

/// The average over `labels` (each label's counts) and the support (gold items) it covers.
pub fn average(labels: &[Counts], how: Average, ratios: Ratios) -> (Prf, u64) {
    let support: u64 = labels.iter().map(Counts::possible).sum();
    match how {
        Average::Micro => {
            let mut sum = Counts::default();
            for c in labels {
                sum += *c;
            }
            (sum.prf_with(ratios), support)
        }
        Average::Macro => {
            let n = labels.len() as f64;
            let mean = |f: fn(&Prf) -> f64| {
                if labels.is_empty() {
                    f64::NAN
                } else {
                    labels.iter().map(|c| f(&c.prf_with(ratios))).sum::<f64>() / n
                }
            };
            (Prf { precision: mean(|p| p.precision), recall: mean(|p| p.recall), f1: mean(|p| p.f1) }, support)
        }
        Average::Weighted => {
            if support == 0 {
                // scikit-learn: recall is the zero-division value; precision and F too when
                // nothing was predicted, else 0.
                let zero = ratios.zero_division.value();
                let predicted: u64 = labels.iter().map(Counts::actual).sum();
                let pf = if predicted == 0 { zero } else { 0.0 };
                return (Prf { precision: pf, recall: zero, f1: pf }, 0);
            }
            let weighted = |f: fn(&Prf) -> f64| {
                labels.iter().map(|c| c.possible() as f64 * f(&c.prf_with(ratios))).sum::<f64>() / support as f64
            };
            let prf =
                Prf { precision: weighted(|p| p.precision), recall: weighted(|p| p.recall), f1: weighted(|p| p.f1) };
            (prf, support)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    #[test]
    fn f_beta_by_hand() {
        // P 0.5, R 1: F1 2/3, F2 = 5·0.5/(4·0.5 + 1) = 5/6, F0.5 = 1.25·0.5/(0.125 + 1) = 5/9.
        assert!(close(f_beta(0.5, 1.0, 1.0), 2.0 / 3.0));
        assert!(close(f_beta(0.5, 1.0, 2.0), 5.0 / 6.0));
        assert!(close(f_beta(0.5, 1.0, 0.5), 5.0 / 9.0));
        assert_eq!(f_beta(0.5, 0.25, f64::INFINITY), 0.25);
        assert_eq!(f_beta(0.0, 0.0, 1.0), 0.0);
    }

    #[test]
    fn averages_by_hand() {
        // PER: 1 right of 2 gold, 1 predicted; ORG: 1 predicted, no gold.
        let per = Counts { cor: 1, mis: 1, ..Counts::default() };
        let org = Counts { spu: 1, ..Counts::default() };
        let ratios = Ratios::default();
        let (micro, support) = average(&[per, org], Average::Micro, ratios);
        assert_eq!(support, 2);
        assert!(close(micro.precision, 0.5) && close(micro.recall, 0.5));
        let (macro_, _) = average(&[per, org], Average::Macro, ratios);
        // PER P 1, R 0.5, F 2/3; ORG 0, 0, 0.
        assert!(close(macro_.precision, 0.5) && close(macro_.recall, 0.25) && close(macro_.f1, 1.0 / 3.0));
        let (weighted, _) = average(&[per, org], Average::Weighted, ratios);
        assert!(close(weighted.precision, 1.0) && close(weighted.recall, 0.5) && close(weighted.f1, 2.0 / 3.0));
        let (none, _) = average(&[], Average::Macro, ratios);
        assert!(none.precision.is_nan(), "seqeval's macro over no labels is NaN");
        let one = Ratios { zero_division: ZeroDivision::One, ..ratios };
        assert_eq!(average(&[org], Average::Micro, one).0.recall, 1.0);
    }
}
