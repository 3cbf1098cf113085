//! One-to-one alignment of predicted spans with gold spans.
//!
//! The SemEval alignment follows nervaluate's scenarios — an exact-boundary match first, else
//! the first unmatched gold span that overlaps — with two deliberate differences: a gold span
//! is credited at most once (nervaluate credits it again for a duplicate or overlapping
//! prediction), and predictions are visited in a canonical order (start, end, label), so the
//! result never depends on the order spans arrive in. On predictions that do not overlap each
//! other the counts equal nervaluate's.

use std::cmp::Ordering;

use goldspan_model::{Fragment, Span};

/// How a matched pair relates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pairing {
    /// Same fragments (boundaries).
    pub same_boundaries: bool,
    /// Same label.
    pub same_label: bool,
}

/// The result of aligning predictions with gold: indices into the slices given.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Alignment {
    /// (gold, predicted, how they relate).
    pub pairs: Vec<(usize, usize, Pairing)>,
    /// Gold spans no prediction matched.
    pub missed: Vec<usize>,
    /// Predictions that matched no gold span.
    pub spurious: Vec<usize>,
}

/// Characters two fragment lists share.
pub fn intersection(a: &[Fragment], b: &[Fragment]) -> usize {
    let (mut i, mut j, mut shared) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        let lo = a[i].start().max(b[j].start());
        let hi = a[i].end().min(b[j].end());
        if lo < hi {
            shared += hi - lo;
        }
        if a[i].end() < b[j].end() {
            i += 1;
        } else {
            j += 1;
        }
    }
    shared
}

/// Whether two spans share at least one character.
pub fn overlaps(a: &Span, b: &Span) -> bool {
    a.start() < b.end() && b.start() < a.end() && intersection(a.fragments(), b.fragments()) > 0
}

/// Character intersection over union of two spans.
pub fn iou(a: &Span, b: &Span) -> f64 {
    let shared = intersection(a.fragments(), b.fragments());
    let len = |s: &Span| s.fragments().iter().map(Fragment::len).sum::<usize>();
    let union = len(a) + len(b) - shared;
    if union == 0 {
        0.0
    } else {
        shared as f64 / union as f64
    }
}

/// The canonical order of spans: position, then label.
pub fn canonical(a: &Span, b: &Span) -> Ordering {
    (a.start(), a.end(), a.fragments(), a.label()).cmp(&(b.start(), b.end(), b.fragments(), b.label()))
}

fn sorted(spans: &[&Span]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..spans.len()).collect();
    order.sort_by(|&x, &y| canonical(spans[x], spans[y]));
    order
}

/// Aligns for the four SemEval modes (one alignment serves all four).
pub fn semeval(gold: &[&Span], pred: &[&Span]) -> Alignment {
    let gold_order = sorted(gold);
    let pred_order = sorted(pred);
    let mut gold_used = vec![false; gold.len()];
    let mut pred_pair: Vec<Option<(usize, Pairing)>> = vec![None; pred.len()];

    // Scenarios I and IV: identical boundaries, preferring the same label.
    for &p in &pred_order {
        let same = |g: &usize| !gold_used[*g] && gold[*g].fragments() == pred[p].fragments();
        let choice = gold_order
            .iter()
            .copied()
            .filter(same)
            .find(|&g| gold[g].label() == pred[p].label())
            .or_else(|| gold_order.iter().copied().find(same));
        if let Some(g) = choice {
            gold_used[g] = true;
            pred_pair[p] = Some((g, Pairing { same_boundaries: true, same_label: gold[g].label() == pred[p].label() }));
        }
    }
    // Scenarios V and VI: the first unmatched gold span (in text order) that overlaps.
    for &p in &pred_order {
        if pred_pair[p].is_some() {
            continue;
        }
        if let Some(g) = gold_order.iter().copied().find(|&g| !gold_used[g] && overlaps(gold[g], pred[p])) {
            gold_used[g] = true;
            pred_pair[p] =
                Some((g, Pairing { same_boundaries: false, same_label: gold[g].label() == pred[p].label() }));
        }
    }
    let mut out = Alignment::default();
    for &p in &pred_order {
        match pred_pair[p] {
            Some((g, pairing)) => out.pairs.push((g, p, pairing)),
            None => out.spurious.push(p),
        }
    }
    out.missed = gold_order.into_iter().filter(|&g| !gold_used[g]).collect();
    out
}

/// Aligns one-to-one on character IoU ≥ `threshold` with the label required: candidate pairs
/// in order of IoU (highest first), then position; each taken if both sides are still free.
pub fn by_iou(gold: &[&Span], pred: &[&Span], threshold: f64) -> Alignment {
    let mut candidates = Vec::new();
    for (g, gs) in gold.iter().enumerate() {
        for (p, ps) in pred.iter().enumerate() {
            if gs.label() == ps.label() && overlaps(gs, ps) {
                let score = iou(gs, ps);
                if score >= threshold {
                    candidates.push((score, g, p));
                }
            }
        }
    }
    candidates.sort_by(|a, b| {
        b.0.total_cmp(&a.0).then_with(|| canonical(gold[a.1], gold[b.1])).then_with(|| canonical(pred[a.2], pred[b.2]))
    });
    let mut gold_used = vec![false; gold.len()];
    let mut pred_used = vec![false; pred.len()];
    let mut out = Alignment::default();
    for (_, g, p) in candidates {
        if !gold_used[g] && !pred_used[p] {
            gold_used[g] = true;
            pred_used[p] = true;
            out.pairs.push((
                g,
                p,
                Pairing { same_boundaries: gold[g].fragments() == pred[p].fragments(), same_label: true },
            ));
        }
    }
    out.pairs.sort_by(|a, b| canonical(gold[a.0], gold[b.0]));
    out.missed = sorted(gold).into_iter().filter(|&g| !gold_used[g]).collect();
    out.spurious = sorted(pred).into_iter().filter(|&p| !pred_used[p]).collect();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span(label: &str, start: usize, end: usize) -> Span {
        Span::contiguous("x", "l", label, start, end).expect("span")
    }

    #[test]
    fn intersection_of_discontinuous_spans() {
        let f = |s, e| Fragment::new(s, e).expect("fragment");
        assert_eq!(intersection(&[f(0, 5), f(10, 15)], &[f(3, 12)]), 4);
        assert_eq!(intersection(&[f(0, 5)], &[f(5, 9)]), 0);
        let a = Span::new("a", "l", "L", vec![f(0, 2), f(8, 10)]).expect("span");
        let b = span("L", 2, 8);
        assert!(!overlaps(&a, &b), "the gap is not covered");
        assert!((iou(&span("L", 0, 4), &span("L", 2, 6)) - 2.0 / 6.0).abs() < 1e-12);
    }

    #[test]
    fn exact_boundaries_win_before_overlaps() {
        let gold = [span("PER", 0, 5), span("ORG", 10, 14)];
        let pred = [span("ORG", 0, 5), span("ORG", 9, 12)];
        let g: Vec<&Span> = gold.iter().collect();
        let p: Vec<&Span> = pred.iter().collect();
        let a = semeval(&g, &p);
        assert_eq!(
            a.pairs,
            vec![
                (0, 0, Pairing { same_boundaries: true, same_label: false }),
                (1, 1, Pairing { same_boundaries: false, same_label: true })
            ]
        );
        assert!(a.missed.is_empty() && a.spurious.is_empty());
    }

    #[test]
    fn a_gold_span_is_credited_once() {
        let gold = [span("PER", 0, 5)];
        let pred = [span("PER", 0, 5), span("PER", 0, 5), span("PER", 1, 3)];
        let a = semeval(&gold.iter().collect::<Vec<_>>(), &pred.iter().collect::<Vec<_>>());
        assert_eq!(a.pairs.len(), 1);
        assert_eq!(a.spurious.len(), 2);
    }

    #[test]
    fn iou_alignment_needs_label_and_threshold() {
        let gold = [span("Q", 0, 10), span("Q", 20, 30)];
        let pred = [span("Q", 0, 8), span("Q", 25, 30), span("X", 0, 10)];
        let a = by_iou(&gold.iter().collect::<Vec<_>>(), &pred.iter().collect::<Vec<_>>(), 0.6);
        assert_eq!(a.pairs.len(), 1, "{a:?}"); // 0..8 has IoU 0.8; 25..30 only 0.5
        assert_eq!((a.missed.clone(), a.spurious.clone()), (vec![1], vec![2, 1]));
    }
}
