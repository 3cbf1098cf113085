//! Mergeable counts and the ratios computed from them.
//!
//! Every mode produces the same five SemEval-2013 counts, so one formula serves all: a binary
//! mode (overlap, tokens, relations) simply never produces INC or PAR. Counts add up exactly
//! across documents and shards; ratios are computed only at the end.

use std::ops::AddAssign;

/// SemEval-2013 Task 9.1 counts: correct, incorrect, partial, missed, spurious.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Counts {
    /// Correct.
    pub cor: u64,
    /// Incorrect: matched, but wrong under the mode.
    pub inc: u64,
    /// Partial: overlapping boundaries (partial mode only).
    pub par: u64,
    /// Missed: gold with no matching prediction.
    pub mis: u64,
    /// Spurious: prediction with no matching gold.
    pub spu: u64,
}

/// Precision, recall and F1.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Prf {
    /// Precision.
    pub precision: f64,
    /// Recall.
    pub recall: f64,
    /// F1, the harmonic mean of precision and recall.
    pub f1: f64,
}

impl Counts {
    /// POS = COR + INC + PAR + MIS: the gold items.
    pub fn possible(&self) -> u64 {
        self.cor + self.inc + self.par + self.mis
    }

    /// ACT = COR + INC + PAR + SPU: the predicted items.
    pub fn actual(&self) -> u64 {
        self.cor + self.inc + self.par + self.spu
    }

    /// Precision (COR + ½·PAR) / ACT, recall (COR + ½·PAR) / POS, and F1. A ratio whose
    /// denominator is zero is 0, as in seqeval, conlleval and nervaluate; never NaN.
    pub fn prf(&self) -> Prf {
        let credit = self.cor as f64 + 0.5 * self.par as f64;
        let precision = ratio(credit, self.actual() as f64);
        let recall = ratio(credit, self.possible() as f64);
        Prf { precision, recall, f1: f1(precision, recall) }
    }
}

/// `num / den`, or 0 when `den` is 0.
pub fn ratio(num: f64, den: f64) -> f64 {
    if den == 0.0 {
        0.0
    } else {
        num / den
    }
}

/// Harmonic mean of `p` and `r`, 0 when both are 0.
pub fn f1(p: f64, r: f64) -> f64 {
    ratio(2.0 * p * r, p + r)
}

impl AddAssign for Counts {
    fn add_assign(&mut self, o: Counts) {
        self.cor += o.cor;
        self.inc += o.inc;
        self.par += o.par;
        self.mis += o.mis;
        self.spu += o.spu;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn semeval_formulas_by_hand() {
        // COR 3, INC 1, PAR 2, MIS 1, SPU 2: POS 7, ACT 8, credit 4.
        let c = Counts { cor: 3, inc: 1, par: 2, mis: 1, spu: 2 };
        let m = c.prf();
        assert_eq!((c.possible(), c.actual()), (7, 8));
        assert!((m.precision - 0.5).abs() < 1e-12);
        assert!((m.recall - 4.0 / 7.0).abs() < 1e-12);
        assert!((m.f1 - 2.0 * 0.5 * (4.0 / 7.0) / (0.5 + 4.0 / 7.0)).abs() < 1e-12);
    }

    #[test]
    fn zero_division_is_zero_not_nan() {
        let m = Counts::default().prf();
        assert_eq!((m.precision, m.recall, m.f1), (0.0, 0.0, 0.0));
        let only_missed = Counts { mis: 4, ..Counts::default() }.prf();
        assert_eq!((only_missed.precision, only_missed.recall, only_missed.f1), (0.0, 0.0, 0.0));
    }
}
