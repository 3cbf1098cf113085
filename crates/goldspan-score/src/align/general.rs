//! The SemEval pairing under the compatibility options (`--min-overlap`, nervaluate's list
//! order): a direct walk of every (prediction, gold span) pair, chosen once per alignment when
//! an option differs from goldspan's default, so the default path ([`super::pair_sorted`])
//! never checks an option per span.
//!
//! The walk is quadratic in the spans of one layer (or one label), which is what nervaluate
//! itself does; documents are scored one at a time, so this is spans per document squared.

use std::fmt;
use std::str::FromStr;

use goldspan_model::{Fragment, Span};

use super::{intersection, Pairing};
use crate::mode::Mode;

/// In which order predictions claim gold spans.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Order {
    /// goldspan's default: exact matches first, then overlaps, both in canonical order (start,
    /// end, label), so the result never depends on how a file lists its spans.
    #[default]
    Canonical,
    /// nervaluate 1.2.1: each prediction in list order takes, among the gold spans not yet
    /// taken (visited in list order), one with its boundaries (and label, in strict) if there
    /// is one, else the first that overlaps enough (type: the closest of its label, else the
    /// first of another).
    List,
}

/// The least overlap that pairs two spans with different boundaries, as a fraction of the
/// gold span's characters, in millionths (nervaluate's `min_overlap_percentage` is this
/// ÷ 10,000). 0, the default, means any shared character.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MinOverlap(u32);

impl MinOverlap {
    /// Any overlap: goldspan's default.
    pub const ANY: MinOverlap = MinOverlap(0);
    /// nervaluate 1.2.1's default, `min_overlap_percentage=1.0`.
    pub const NERVALUATE: MinOverlap = MinOverlap(10_000);

    /// From a percentage of the gold span (nervaluate's unit), `None` outside 0..=100.
    pub fn from_percent(percent: f64) -> Option<MinOverlap> {
        (0.0..=100.0).contains(&percent).then(|| MinOverlap((percent * 10_000.0).round() as u32))
    }

    /// The fraction, in millionths.
    pub fn millionths(self) -> u32 {
        self.0
    }

    /// Whether `pred` shares enough of `gold`'s characters: at least one, and at least this
    /// fraction of `gold`'s length (compared exactly, in integers).
    #[inline]
    pub fn sufficient(self, gold: &Span, pred: &Span) -> bool {
        if !(gold.start() < pred.end() && pred.start() < gold.end()) {
            return false;
        }
        let shared = intersection(gold.fragments(), pred.fragments()) as u64;
        shared > 0 && shared * 1_000_000 >= u64::from(self.0) * span_len(gold) as u64
    }
}

/// The characters a span covers.
pub fn span_len(span: &Span) -> usize {
    span.fragments().iter().map(Fragment::len).sum()
}

/// The share of `gold`'s characters that `pred` covers, in percent, computed as nervaluate's
/// `_calculate_overlap_percentage` does (shared ÷ gold length × 100).
pub fn overlap_percent(gold: &Span, pred: &Span) -> f64 {
    let shared = intersection(gold.fragments(), pred.fragments());
    let len = span_len(gold);
    if len == 0 {
        0.0
    } else {
        (shared as f64 / len as f64) * 100.0
    }
}

impl FromStr for MinOverlap {
    type Err = String;

    /// A fraction of the gold span: `0.01`, `0.5`, `1`; at most six decimals.
    fn from_str(s: &str) -> Result<MinOverlap, String> {
        let bad = || format!("--min-overlap {s:?}: give a fraction of the gold span from 0 to 1 (0.01 = 1%)");
        let (whole, fraction) = s.trim().split_once('.').unwrap_or((s.trim(), ""));
        if fraction.len() > 6 || !whole.chars().chain(fraction.chars()).all(|c| c.is_ascii_digit()) {
            return Err(bad());
        }
        let whole: u64 = if whole.is_empty() { 0 } else { whole.parse().map_err(|_| bad())? };
        let digits: u64 = if fraction.is_empty() { 0 } else { fraction.parse().map_err(|_| bad())? };
        let millionths = whole * 1_000_000 + digits * 10u64.pow(6 - fraction.len() as u32);
        if millionths > 1_000_000 || (whole == 0 && fraction.is_empty() && s.trim().is_empty()) {
            return Err(bad());
        }
        Ok(MinOverlap(millionths as u32))
    }
}

impl fmt::Display for MinOverlap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = format!("{:.6}", f64::from(self.0) / 1_000_000.0);
        f.write_str(s.trim_end_matches('0').trim_end_matches('.'))
    }
}

/// How the SemEval modes pair spans: goldspan's default, or the compatibility options.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Matching {
    /// Which order predictions claim gold spans in.
    pub order: Order,
    /// The least overlap that pairs spans with different boundaries.
    pub min_overlap: MinOverlap,
    /// Drop each prediction that overlaps one listed before it, before scoring (spaCy's
    /// `Scorer.score_spans(allow_overlap=False)`, see [`drop_overlapping`]).
    pub drop_overlapping: bool,
}

impl Matching {
    /// nervaluate 1.2.1: list order, 1% of the gold span.
    pub const NERVALUATE: Matching =
        Matching { order: Order::List, min_overlap: MinOverlap::NERVALUATE, drop_overlapping: false };
    /// spaCy 3.8's `score_spans` default: overlapping predictions dropped in list order.
    pub const SPACY: Matching =
        Matching { order: Order::Canonical, min_overlap: MinOverlap::ANY, drop_overlapping: true };

    /// Whether this is goldspan's default pairing (the fast path).
    pub fn is_default(&self) -> bool {
        *self == Matching::default()
    }
}

/// Pairs `pred` with `gold` under a SemEval mode and `matching`: for each prediction, the gold
/// span it took, if any (indices into the slices given). Under [`Order::Canonical`] both slices
/// must be in canonical order; under [`Order::List`] they are taken as listed.
pub fn pair_general(mode: Mode, gold: &[&Span], pred: &[&Span], matching: Matching) -> Vec<Option<usize>> {
    let mut used = vec![false; gold.len()];
    let mut taken = vec![None; pred.len()];
    let min = matching.min_overlap;
    let with_label = matches!(mode, Mode::Strict | Mode::Type);
    let exact = |g: &Span, p: &Span| g.same_fragments(p) && (!with_label || g.same_label(p));
    match matching.order {
        Order::Canonical => {
            for (pi, p) in pred.iter().enumerate() {
                if let Some(gi) = (0..gold.len()).find(|&gi| !used[gi] && exact(gold[gi], p)) {
                    used[gi] = true;
                    taken[pi] = Some(gi);
                }
            }
            for (pi, p) in pred.iter().enumerate() {
                if taken[pi].is_none() {
                    taken[pi] = by_overlap(mode, gold, p, &used, min);
                    if let Some(gi) = taken[pi] {
                        used[gi] = true;
                    }
                }
            }
        }
        Order::List => {
            for (pi, p) in pred.iter().enumerate() {
                // nervaluate looks for a same-boundary span in strict and exact (and partial,
                // among spans that overlap enough, which a same-boundary span always does);
                // type takes the closest of the label whatever the boundaries.
                let same = match mode {
                    Mode::Type => None,
                    _ => (0..gold.len()).find(|&gi| !used[gi] && exact(gold[gi], p)),
                };
                taken[pi] = same.or_else(|| by_overlap(mode, gold, p, &used, min));
                if let Some(gi) = taken[pi] {
                    used[gi] = true;
                }
            }
        }
    }
    taken
}

/// The gold span a prediction takes by overlap: in type mode the unused span of its label that
/// overlaps enough with the closest boundaries (ties to the first), else the first unused one
/// of another label; in the other modes the first unused span that overlaps enough.
fn by_overlap(mode: Mode, gold: &[&Span], p: &Span, used: &[bool], min: MinOverlap) -> Option<usize> {
    let mut closest: Option<(usize, usize)> = None;
    let mut first_other = None;
    for (gi, g) in gold.iter().enumerate() {
        if used[gi] || !min.sufficient(g, p) {
            continue;
        }
        if mode == Mode::Type && g.same_label(p) {
            let distance = g.start().abs_diff(p.start()) + g.end().abs_diff(p.end());
            if closest.is_none_or(|(_, d)| distance < d) {
                closest = Some((gi, distance));
            }
        } else if first_other.is_none() {
            first_other = Some(gi);
            if mode != Mode::Type {
                break;
            }
        }
    }
    closest.map(|(gi, _)| gi).or(first_other)
}

/// Counts of a SemEval mode under `matching` (see [`pair_general`]).
pub fn general_counts(mode: Mode, gold: &[&Span], pred: &[&Span], matching: Matching) -> crate::Counts {
    let taken = pair_general(mode, gold, pred, matching);
    let mut c = crate::Counts::default();
    for (pi, gi) in taken.iter().enumerate() {
        match gi {
            Some(gi) => {
                let (g, p) = (gold[*gi], pred[pi]);
                let pairing = Pairing { same_boundaries: g.same_fragments(p), same_label: g.same_label(p) };
                super::count_pair(&mut c, mode, pairing);
            }
            None => c.spu += 1,
        }
    }
    c.mis = (gold.len() - taken.iter().flatten().count()) as u64;
    c
}

/// spaCy's `Scorer.score_spans(..., allow_overlap=False)`: the predictions kept, in list order,
/// each kept unless its first or last character is covered by a prediction kept before it
/// (`Example.get_aligned_spans_x2y` drops a span that no longer starts and ends where it did
/// once earlier spans' tokens are removed).
pub fn drop_overlapping<'a>(pred: &[&'a Span]) -> Vec<&'a Span> {
    let mut kept: Vec<&Span> = Vec::new();
    let covered =
        |kept: &[&Span], at: usize| kept.iter().any(|k| k.fragments().iter().any(|f| f.start() <= at && at < f.end()));
    for p in pred {
        if !covered(&kept, p.start()) && !covered(&kept, p.end() - 1) {
            kept.push(p);
        }
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span(label: &str, start: usize, end: usize) -> Span {
        Span::contiguous("x", "l", label, start, end).expect("span")
    }

    #[test]
    fn min_overlap_parses_fractions_exactly() {
        assert_eq!("0.01".parse::<MinOverlap>(), Ok(MinOverlap::NERVALUATE));
        assert_eq!("0".parse::<MinOverlap>(), Ok(MinOverlap::ANY));
        assert_eq!("1".parse::<MinOverlap>().map(MinOverlap::millionths), Ok(1_000_000));
        assert_eq!(".5".parse::<MinOverlap>().map(MinOverlap::millionths), Ok(500_000));
        for bad in ["1.5", "-0.1", "0.0000001", "abc", "", "50%"] {
            assert!(bad.parse::<MinOverlap>().is_err(), "{bad}");
        }
        assert_eq!(MinOverlap::NERVALUATE.to_string(), "0.01");
        assert_eq!(MinOverlap::from_percent(1.0), Some(MinOverlap::NERVALUATE));
    }

    #[test]
    fn a_quotation_touched_by_two_characters_is_below_one_percent() {
        let quote = span("Quote", 0, 300);
        let touch = span("Quote", 298, 310);
        assert!(MinOverlap::ANY.sufficient(&quote, &touch));
        assert!(!MinOverlap::NERVALUATE.sufficient(&quote, &touch), "2/300 is 0.67%");
        assert!(MinOverlap::NERVALUATE.sufficient(&quote, &span("Quote", 297, 310)), "3/300 is exactly 1%");
        assert!(!MinOverlap::ANY.sufficient(&quote, &span("Quote", 300, 310)), "touching is not overlapping");
    }

    #[test]
    fn spacy_drops_a_prediction_whose_first_or_last_character_is_taken() {
        // spaCy's test_score_spans: PERSON 0..4, ORG 0..7, ORG 8..12 keeps the first and last.
        let spans = [span("PERSON", 0, 4), span("ORG", 0, 7), span("ORG", 8, 12)];
        let refs: Vec<&Span> = spans.iter().collect();
        let kept: Vec<(usize, usize)> = drop_overlapping(&refs).iter().map(|s| (s.start(), s.end())).collect();
        assert_eq!(kept, vec![(0, 4), (8, 12)]);
        // A span around a kept one keeps its own first and last characters: kept.
        let spans = [span("X", 2, 3), span("X", 0, 5)];
        assert_eq!(drop_overlapping(&spans.iter().collect::<Vec<_>>()).len(), 2);
    }
}
