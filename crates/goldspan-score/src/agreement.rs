//! Inter-annotator agreement beyond span F1: Cohen's kappa over the labels two annotations
//! give each word token.
//!
//! Each word token (a run of letters and digits) gets, from each annotation, the label of the
//! span of the layer that covers it, or `O`; the token-by-token label pairs add up across
//! documents into a confusion table, from which kappa is computed once. Where spans of one
//! layer overlap, the first in text order gives the label.

use std::collections::{BTreeMap, BTreeSet};

use goldspan_model::{AnnotatedDocument, Annotations, Span};

use crate::align::canonical;
use crate::document::word_tokens;

/// The label of tokens outside every span.
pub const OUTSIDE: &str = "O";

/// Token label pairs (annotation A's label, annotation B's label) with counts; adds up.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TokenPairs {
    /// (label in A, label in B) to number of tokens.
    pub table: BTreeMap<(String, String), u64>,
}

impl TokenPairs {
    /// Adds another table.
    pub fn add(&mut self, other: &TokenPairs) {
        for (k, n) in &other.table {
            *self.table.entry(k.clone()).or_default() += n;
        }
    }

    /// Tokens counted.
    pub fn total(&self) -> u64 {
        self.table.values().sum()
    }

    /// Observed agreement: the share of tokens with the same label in A and B.
    pub fn observed(&self) -> f64 {
        let same: u64 = self.table.iter().filter(|((a, b), _)| a == b).map(|(_, n)| n).sum();
        crate::ratio(same as f64, self.total() as f64)
    }

    /// Cohen's kappa: (observed − expected) / (1 − expected), where expected agreement is
    /// Σ over labels of P_A(label)·P_B(label). 1 when A and B agree on every token and use a
    /// single label (expected agreement 1), 0 for an empty table.
    pub fn kappa(&self) -> f64 {
        let total = self.total() as f64;
        if total == 0.0 {
            return 0.0;
        }
        let labels: BTreeSet<&String> = self.table.keys().flat_map(|(a, b)| [a, b]).collect();
        let share = |pick: &dyn Fn(&(String, String)) -> &String, label: &String| {
            self.table.iter().filter(|(k, _)| pick(k) == label).map(|(_, n)| *n).sum::<u64>() as f64 / total
        };
        let expected: f64 = labels.iter().map(|l| share(&|k| &k.0, l) * share(&|k| &k.1, l)).sum();
        let observed = self.observed();
        if (1.0 - expected).abs() < 1e-12 {
            return if (observed - 1.0).abs() < 1e-12 { 1.0 } else { 0.0 };
        }
        (observed - expected) / (1.0 - expected)
    }
}

fn token_labels<'a>(tokens: &[(usize, usize)], spans: &mut Vec<&'a Span>) -> Vec<&'a str> {
    spans.sort_by(|a, b| canonical(a, b));
    let mut labels = vec![OUTSIDE; tokens.len()];
    let mut set = vec![false; tokens.len()];
    for span in spans.iter() {
        for f in span.fragments() {
            let first = tokens.partition_point(|&(_, e)| e <= f.start());
            for (i, &(s, _)) in tokens.iter().enumerate().skip(first) {
                if s >= f.end() {
                    break;
                }
                if !set[i] {
                    set[i] = true;
                    labels[i] = span.label();
                }
            }
        }
    }
    labels
}

/// The token label pairs of one document and layer, A being `a`, B being `b` (annotations of
/// the same text).
pub fn token_pairs(a: &AnnotatedDocument, b: &Annotations, layer: &str) -> TokenPairs {
    let tokens = word_tokens(a.document.text());
    let la = token_labels(&tokens, &mut a.annotations.layer(layer).collect());
    let lb = token_labels(&tokens, &mut b.layer(layer).collect());
    let mut pairs = TokenPairs::default();
    for (x, y) in la.into_iter().zip(lb) {
        *pairs.table.entry((x.to_owned(), y.to_owned())).or_default() += 1;
    }
    pairs
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(entries: &[(&str, &str, u64)]) -> TokenPairs {
        TokenPairs { table: entries.iter().map(|(a, b, n)| ((a.to_string(), b.to_string()), *n)).collect() }
    }

    #[test]
    fn kappa_by_hand() {
        // 50 tokens: both O 35, both PER 10, A PER/B O 2, A O/B PER 3.
        // observed = 45/50 = 0.9; P_A(PER) = 12/50, P_B(PER) = 13/50, P_A(O) = 38/50, P_B(O) = 37/50;
        // expected = (12·13 + 38·37)/2500 = 1562/2500 = 0.6248; kappa = 0.2752/0.3752.
        let p = pairs(&[("O", "O", 35), ("PER", "PER", 10), ("PER", "O", 2), ("O", "PER", 3)]);
        assert!((p.observed() - 0.9).abs() < 1e-12);
        assert!((p.kappa() - 0.2752 / 0.3752).abs() < 1e-12);
    }

    #[test]
    fn perfect_and_empty() {
        assert_eq!(pairs(&[("O", "O", 5)]).kappa(), 1.0);
        assert_eq!(pairs(&[("O", "O", 5), ("X", "X", 5)]).kappa(), 1.0);
        assert_eq!(TokenPairs::default().kappa(), 0.0);
    }
}
