//! Token-level tag scoring (`--mode tags`): seqeval's `performance_measure` and
//! `accuracy_score`, which compare the tag strings of aligned tokens, not chunks.
//!
//! Over aligned tokens with gold tag `g` and predicted tag `p` (`O` is outside):
//! TP = tokens with `g == p` that are not both `O`; FP = `g != p` and `p != O`;
//! FN = `g != O` and `p == O`; TN = both `O`. Every token is exactly one of TP, TN, FP or FN,
//! so accuracy, the share of tokens whose tags are equal, is (TP + TN) / tokens.

use std::ops::AddAssign;

/// Counts over aligned tag pairs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct TagCounts {
    /// Equal tags, not both `O`.
    pub tp: u64,
    /// Different tags, the predicted one not `O`.
    pub fp: u64,
    /// A gold tag other than `O` predicted `O`.
    pub fn_: u64,
    /// Both `O`.
    pub tn: u64,
}

impl TagCounts {
    /// Counts the pairs of `gold` and `pred` tags, token by token (the shorter length if they
    /// differ; readers make them equal).
    pub fn of<'a>(gold: impl IntoIterator<Item = &'a str>, pred: impl IntoIterator<Item = &'a str>) -> TagCounts {
        let mut c = TagCounts::default();
        for (g, p) in gold.into_iter().zip(pred) {
            match (g == p, g == "O", p == "O") {
                (true, true, _) => c.tn += 1,
                (true, false, _) => c.tp += 1,
                (false, _, false) => c.fp += 1,
                (false, _, true) => c.fn_ += 1,
            }
        }
        c
    }

    /// The tokens counted.
    pub fn tokens(&self) -> u64 {
        self.tp + self.fp + self.fn_ + self.tn
    }

    /// The share of tokens whose tags are equal, 0 without tokens.
    pub fn accuracy(&self) -> f64 {
        crate::ratio((self.tp + self.tn) as f64, self.tokens() as f64)
    }
}

impl AddAssign for TagCounts {
    fn add_assign(&mut self, o: TagCounts) {
        self.tp += o.tp;
        self.fp += o.fp;
        self.fn_ += o.fn_;
        self.tn += o.tn;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn performance_measure_by_hand() {
        // O O O B-MISC I-MISC O B-ORG | B-PER I-PER O B-PER
        // O O B-MISC I-MISC I-MISC O O | B-PER I-PER O B-MISC
        let gold = "O O O B-MISC I-MISC O B-ORG B-PER I-PER O B-PER";
        let pred = "O O B-MISC I-MISC I-MISC O O B-PER I-PER O B-MISC";
        let c = TagCounts::of(gold.split(' '), pred.split(' '));
        // TP: I-MISC (token 4), B-PER, I-PER; FP: B-MISC (2), I-MISC (3), B-MISC (10);
        // FN: B-ORG (6); TN: tokens 0, 1, 5, 9.
        assert_eq!(c, TagCounts { tp: 3, fp: 3, fn_: 1, tn: 4 });
        assert!((c.accuracy() - 7.0 / 11.0).abs() < 1e-12);
    }
}
