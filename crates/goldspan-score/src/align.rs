//! One-to-one alignment of predicted spans with gold spans, per mode.
//!
//! Each SemEval mode pairs spans the way nervaluate 1.2.1 does — strict and exact take a span
//! with the same boundaries (and, for strict, the same label) before the first overlapping
//! one; partial takes same boundaries before the first overlap; type takes the overlapping
//! span of the same label with the closest boundaries before one of another label — with two
//! deliberate differences: predictions are visited in a canonical order (start, end, label),
//! so the result never depends on the order spans arrive in, and a prediction whose boundaries
//! match a gold span exactly is paired with it before any other prediction may claim that gold
//! span by overlap. On predictions that do not overlap each other the counts equal
//! nervaluate's; docs/parity.md shows the cases where they differ.

use std::cmp::Ordering;

use goldspan_model::{Fragment, Span};

use crate::mode::Mode;

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
    (a.start(), a.end(), a.fragments()).cmp(&(b.start(), b.end(), b.fragments())).then_with(|| a.label_cmp(b))
}

fn sorted(spans: &[&Span]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..spans.len()).collect();
    order.sort_by(|&x, &y| canonical(spans[x], spans[y]));
    order
}

/// Aligns for a SemEval mode ([`Mode::Strict`], [`Mode::Exact`], [`Mode::Partial`] or
/// [`Mode::Type`]; any other mode aligns like exact, ignoring labels).
pub fn semeval(mode: Mode, gold: &[&Span], pred: &[&Span]) -> Alignment {
    let gold_order = sorted(gold);
    let pred_order = sorted(pred);
    let g: Vec<&Span> = gold_order.iter().map(|&i| gold[i]).collect();
    let p: Vec<&Span> = pred_order.iter().map(|&i| pred[i]).collect();
    let mut scratch = Scratch::default();
    let mut out = Alignment::default();
    pair_sorted(mode, &g, &p, &mut scratch, |gi, pi, pairing| {
        out.pairs.push((gold_order[gi], pred_order[pi], pairing))
    });
    out.spurious = (0..p.len()).filter(|&pi| scratch.pred_gold[pi] == NONE).map(|pi| pred_order[pi]).collect();
    out.missed = (0..g.len()).filter(|&gi| !scratch.gold_used[gi]).map(|gi| gold_order[gi]).collect();
    out
}

const NONE: u32 = u32::MAX;

/// Reusable buffers for [`pair_sorted`], so scoring a document allocates nothing per alignment.
#[derive(Debug, Default)]
pub struct Scratch {
    gold_used: Vec<bool>,
    pred_gold: Vec<u32>,
    /// `reach[i]` = the largest end among gold spans `0..=i`: gold spans before the first
    /// index whose reach passes a prediction's start cannot overlap it.
    reach: Vec<usize>,
}

/// The SemEval pairing of spans already in canonical order (see [`canonical`]): calls
/// `on_pair(gold index, predicted index, pairing)` for each pair, predictions in order. After
/// it returns, `scratch` tells which gold spans were used and which predictions were paired.
pub fn pair_sorted(
    mode: Mode,
    gold: &[&Span],
    pred: &[&Span],
    scratch: &mut Scratch,
    mut on_pair: impl FnMut(usize, usize, Pairing),
) {
    debug_assert!(pred.windows(2).all(|w| w[0].start() <= w[1].start()), "predictions in canonical order");
    let with_label = matches!(mode, Mode::Strict | Mode::Type);
    let used = &mut scratch.gold_used;
    used.clear();
    used.resize(gold.len(), false);
    let pred_gold = &mut scratch.pred_gold;
    pred_gold.clear();
    pred_gold.resize(pred.len(), NONE);
    let reach = &mut scratch.reach;
    reach.clear();
    let mut furthest = 0;
    reach.extend(gold.iter().map(|g| {
        furthest = furthest.max(g.end());
        furthest
    }));

    // Both lists are in canonical order, so as predictions advance, the first gold span
    // that can match (or overlap) a prediction only moves forward: walked, not searched.
    // Exact matches first: same boundaries (and label, in strict and type modes).
    let mut first = 0;
    for (pi, p) in pred.iter().enumerate() {
        while first < gold.len() && gold[first].start() < p.start() {
            first += 1;
        }
        for (gi, g) in gold.iter().enumerate().skip(first) {
            if g.start() != p.start() {
                break;
            }
            if !used[gi] && g.same_fragments(p) && (!with_label || g.same_label(p)) {
                used[gi] = true;
                pred_gold[pi] = gi as u32;
                break;
            }
        }
    }
    // Then overlaps, as nervaluate: in type mode the same label with the closest boundaries,
    // else (and in the other modes) the first overlapping gold span in text order.
    let mut begin = 0;
    for (pi, p) in pred.iter().enumerate() {
        if pred_gold[pi] != NONE {
            continue;
        }
        while begin < reach.len() && reach[begin] <= p.start() {
            begin += 1;
        }
        let mut first_other = None;
        let mut closest: Option<(usize, usize)> = None;
        for (gi, g) in gold.iter().enumerate().skip(begin) {
            if g.start() >= p.end() {
                break;
            }
            if used[gi] || !overlaps(g, p) {
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
        if let Some(gi) = closest.map(|(gi, _)| gi).or(first_other) {
            used[gi] = true;
            pred_gold[pi] = gi as u32;
        }
    }
    for (pi, &gi) in pred_gold.iter().enumerate() {
        if gi != NONE {
            let (g, p) = (gold[gi as usize], pred[pi]);
            on_pair(gi as usize, pi, Pairing { same_boundaries: g.same_fragments(p), same_label: g.same_label(p) });
        }
    }
}

/// Counts of a SemEval mode for spans already in canonical order, without allocating.
pub fn semeval_counts(mode: Mode, gold: &[&Span], pred: &[&Span], scratch: &mut Scratch) -> crate::Counts {
    let mut c = crate::Counts::default();
    // Shortcuts for the small groups per-label scoring is made of: one side empty, or one
    // span on each side (paired exactly when they overlap, in every mode).
    match (gold, pred) {
        ([], _) | (_, []) => {
            c.mis = gold.len() as u64;
            c.spu = pred.len() as u64;
            return c;
        }
        ([g], [p]) if !overlaps(g, p) => {
            (c.mis, c.spu) = (1, 1);
            return c;
        }
        ([g], [p]) => {
            count_pair(&mut c, mode, Pairing { same_boundaries: g.same_fragments(p), same_label: g.same_label(p) });
            return c;
        }
        _ => {}
    }
    pair_sorted(mode, gold, pred, scratch, |_, _, pairing| count_pair(&mut c, mode, pairing));
    c.mis = scratch.gold_used.iter().filter(|u| !**u).count() as u64;
    c.spu = scratch.pred_gold.iter().filter(|g| **g == NONE).count() as u64;
    c
}

/// Counts a matched pair under a SemEval mode: correct, partial or incorrect.
fn count_pair(c: &mut crate::Counts, mode: Mode, pairing: Pairing) {
    match (mode, pairing.same_boundaries, pairing.same_label) {
        (Mode::Strict, true, true) | (Mode::Exact | Mode::Partial, true, _) | (Mode::Type, _, true) => c.cor += 1,
        (Mode::Partial, false, _) => c.par += 1,
        _ => c.inc += 1,
    }
}

/// Aligns one-to-one on character IoU ≥ `threshold` with the label required: candidate pairs
/// in order of IoU (highest first), then position; each taken if both sides are still free.
pub fn by_iou(gold: &[&Span], pred: &[&Span], threshold: f64) -> Alignment {
    let mut candidates = Vec::new();
    for (g, gs) in gold.iter().enumerate() {
        for (p, ps) in pred.iter().enumerate() {
            if gs.same_label(ps) && overlaps(gs, ps) {
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
            out.pairs.push((g, p, Pairing { same_boundaries: gold[g].same_fragments(pred[p]), same_label: true }));
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
    fn type_mode_prefers_the_closest_span_of_the_same_label() {
        // Gold ORG 0..5 and PER 6..12; prediction PER 3..12 overlaps both.
        let gold = [span("ORG", 0, 5), span("PER", 6, 12)];
        let pred = [span("PER", 3, 12)];
        let (g, p): (Vec<&Span>, Vec<&Span>) = (gold.iter().collect(), pred.iter().collect());
        assert_eq!(
            semeval(Mode::Type, &g, &p).pairs,
            vec![(1, 0, Pairing { same_boundaries: false, same_label: true })]
        );
        assert_eq!(
            semeval(Mode::Strict, &g, &p).pairs,
            vec![(0, 0, Pairing { same_boundaries: false, same_label: false })]
        );
    }

    #[test]
    fn exact_boundaries_win_before_overlaps() {
        let gold = [span("PER", 0, 5), span("ORG", 10, 14)];
        let pred = [span("ORG", 0, 5), span("ORG", 9, 12)];
        let g: Vec<&Span> = gold.iter().collect();
        let p: Vec<&Span> = pred.iter().collect();
        let a = semeval(Mode::Strict, &g, &p);
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
        let a = semeval(Mode::Strict, &gold.iter().collect::<Vec<_>>(), &pred.iter().collect::<Vec<_>>());
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
