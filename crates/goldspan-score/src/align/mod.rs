//! One-to-one alignment of predicted spans with gold spans, per mode, in time near-linear in
//! the spans however much they overlap (see [`pair_sorted`] and [`by_iou`]).
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

mod alive;
mod closest;
mod general;

use goldspan_model::{Fragment, Span};

pub use self::general::{
    drop_overlapping, general_counts, overlap_percent, pair_general, span_len, Matching, MinOverlap, Order,
};

use self::alive::Alive;
use self::closest::{ClosestTree, TREE_FROM};
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

/// Up to this many gold spans, [`pair_sorted`] walks the spans directly ([`pair_small`]): the
/// usual document, where setting up the skip list costs more than it saves.
const SMALL: usize = 64;

/// Reusable buffers for [`pair_sorted`], so scoring a document allocates nothing per alignment.
#[derive(Debug, Default)]
pub struct Scratch {
    gold_used: Vec<bool>,
    pred_gold: Vec<u32>,
    /// Gold spans that may still pair by overlap: neither paired nor ended before the current
    /// prediction starts.
    alive: Alive,
    /// Type mode: gold indices grouped by label (each group in canonical order).
    by_label: Vec<u32>,
    /// Type mode: each gold span's place in `by_label`.
    place: Vec<u32>,
    /// [`pair_small`]: `reach[i]` = the largest end among gold spans `0..=i`: gold spans before
    /// the first index whose reach passes a prediction's start cannot overlap it.
    reach: Vec<usize>,
}

/// Gold spans of one label, for type mode's closest-boundaries search.
enum LabelGroup {
    /// Few spans, or discontinuous ones: scanned.
    Scan(std::ops::Range<usize>),
    /// Many contiguous spans: a [`ClosestTree`] over the group (ranks within the group).
    Tree(std::ops::Range<usize>, ClosestTree),
}

/// The SemEval pairing of spans already in canonical order (see [`canonical`]): calls
/// `on_pair(gold index, predicted index, pairing)` for each pair, predictions in order. After
/// it returns, `scratch` tells which gold spans were used and which predictions were paired.
///
/// Both phases are near-linear however much spans overlap: exact matches walk runs of equal
/// boundaries with a cursor, overlaps take gold spans through an [`Alive`] skip list that drops
/// spans ending before the current prediction for good, and type mode finds the closest span of
/// the same label in a [`ClosestTree`] (O(log² n)). Up to [`SMALL`] gold spans, a direct walk
/// that is cheaper to start does the same.
pub fn pair_sorted(
    mode: Mode,
    gold: &[&Span],
    pred: &[&Span],
    scratch: &mut Scratch,
    mut on_pair: impl FnMut(usize, usize, Pairing),
) {
    debug_assert!(pred.windows(2).all(|w| w[0].start() <= w[1].start()), "predictions in canonical order");
    if gold.len() <= SMALL {
        return pair_small(mode, gold, pred, scratch, on_pair);
    }
    let with_label = matches!(mode, Mode::Strict | Mode::Type);
    let Scratch { gold_used: used, pred_gold, alive, by_label, place, .. } = scratch;
    used.clear();
    used.resize(gold.len(), false);
    pred_gold.clear();
    pred_gold.resize(pred.len(), NONE);

    // Exact matches first: same boundaries (and label, in strict and type modes). Gold spans
    // with equal boundaries (and label) form a run in canonical order, taken front to back.
    let same_key = |a: &Span, b: &Span| a.same_fragments(b) && (!with_label || a.same_label(b));
    let mut first = 0;
    let mut run_next = 0; // the next unused gold span of the run matching the previous prediction
    for (pi, p) in pred.iter().enumerate() {
        if pi > 0 && same_key(pred[pi - 1], p) {
            if run_next < gold.len() && same_key(gold[run_next], p) {
                used[run_next] = true;
                pred_gold[pi] = run_next as u32;
                run_next += 1;
            }
            continue;
        }
        while first < gold.len() && (gold[first].start(), gold[first].end()) < (p.start(), p.end()) {
            first += 1;
        }
        // Discontinuous spans with the same outer boundaries are ordered by their fragments.
        while first < gold.len() && boundary_cmp(gold[first], p) == Ordering::Less {
            first += 1;
        }
        let mut gi = first;
        if with_label {
            // Within equal boundaries, gold is ordered by label.
            while gi < gold.len() && gold[gi].same_fragments(p) && gold[gi].label_cmp(p) == Ordering::Less {
                gi += 1;
            }
        }
        run_next = gi;
        if gi < gold.len() && same_key(gold[gi], p) {
            used[gi] = true;
            pred_gold[pi] = gi as u32;
            run_next = gi + 1;
        }
    }

    // Then overlaps, as nervaluate: in type mode the same label with the closest boundaries,
    // else (and in the other modes) the first overlapping gold span in text order.
    alive.reset(used);
    let mut trees = TypeTrees { groups: None, by_label, place };
    for (pi, p) in pred.iter().enumerate() {
        if pred_gold[pi] != NONE {
            continue;
        }
        let choice = match mode {
            Mode::Type => closest_or_first(gold, used, alive, &mut trees, p),
            _ => first_overlapping(gold, alive, p),
        };
        if let Some(gi) = choice {
            used[gi] = true;
            alive.remove(gi);
            pred_gold[pi] = gi as u32;
            trees.remove(gold, gi);
        }
    }
    for (pi, &gi) in pred_gold.iter().enumerate() {
        if gi != NONE {
            let (g, p) = (gold[gi as usize], pred[pi]);
            on_pair(gi as usize, pi, Pairing { same_boundaries: g.same_fragments(p), same_label: g.same_label(p) });
        }
    }
}

/// Canonical order on boundaries alone (start, end, fragments), without the label.
fn boundary_cmp(a: &Span, b: &Span) -> Ordering {
    (a.start(), a.end(), a.fragments()).cmp(&(b.start(), b.end(), b.fragments()))
}

/// The first gold span, in canonical order, that is alive and overlaps `p`; gold spans that end
/// before `p` starts are dropped from `alive` on the way (no later prediction, starting no
/// earlier, can overlap them).
#[inline]
fn first_overlapping(gold: &[&Span], alive: &mut Alive, p: &Span) -> Option<usize> {
    let mut gi = alive.first_from(0);
    while gi < gold.len() && gold[gi].start() < p.end() {
        let g = gold[gi];
        if g.end() <= p.start() {
            alive.remove(gi);
        } else if overlaps(g, p) {
            return Some(gi);
        }
        gi = alive.first_from(gi + 1);
    }
    None
}

/// Overlapping gold spans a type-mode prediction looks through one by one before the search
/// hands over to a [`ClosestTree`].
const WALK_LIMIT: usize = 64;

/// Type mode: the unpaired gold span of `p`'s label overlapping it with the nearest boundaries
/// (ties to the first in canonical order), else the first overlapping gold span of another
/// label. Overlapping gold spans are walked in order; past [`WALK_LIMIT`] of them the closest
/// one of `p`'s label comes from its label's tree instead.
fn closest_or_first(
    gold: &[&Span],
    used: &[bool],
    alive: &mut Alive,
    trees: &mut TypeTrees<'_>,
    p: &Span,
) -> Option<usize> {
    let distance = |g: &Span| g.start().abs_diff(p.start()) + g.end().abs_diff(p.end());
    let mut closest: Option<(usize, usize)> = None;
    let mut first_other = None;
    let mut walked = 0;
    let mut gi = alive.first_from(0);
    while gi < gold.len() && gold[gi].start() < p.end() {
        let g = gold[gi];
        if g.end() <= p.start() {
            alive.remove(gi);
        } else if overlaps(g, p) {
            walked += 1;
            if walked > WALK_LIMIT {
                // Many overlap p: the tree finds the closest; with none of p's label, the first
                // overlapping span is of another label.
                return trees.closest(gold, used, p).or_else(|| first_overlapping(gold, alive, p));
            }
            if g.same_label(p) {
                if closest.is_none_or(|(d, _)| distance(g) < d) {
                    closest = Some((distance(g), gi));
                }
            } else if first_other.is_none() {
                first_other = Some(gi);
            }
        }
        gi = alive.first_from(gi + 1);
    }
    closest.map(|(_, gi)| gi).or(first_other)
}

/// Type mode's closest-boundaries trees, one per label, built when a prediction first overlaps
/// more gold spans than a walk should look through.
struct TypeTrees<'s> {
    /// Per label: the index of its first gold span, and its group; `None` until first needed.
    groups: Option<Vec<(usize, LabelGroup)>>,
    /// Gold indices by (label, canonical order), unpaired when the groups were built.
    by_label: &'s mut Vec<u32>,
    /// Each gold span's place in `by_label`.
    place: &'s mut Vec<u32>,
}

impl TypeTrees<'_> {
    fn closest(&mut self, gold: &[&Span], used: &[bool], p: &Span) -> Option<usize> {
        if self.groups.is_none() {
            self.build(gold, used);
        }
        let groups = self.groups.as_ref()?;
        let (_, group) = groups.iter().find(|(first, _)| gold[*first].same_label(p))?;
        let distance = |g: &Span| g.start().abs_diff(p.start()) + g.end().abs_diff(p.end());
        match group {
            LabelGroup::Tree(range, tree) if p.fragments().len() == 1 => {
                tree.closest(p.start(), p.end()).map(|rank| self.by_label[range.start + rank] as usize)
            }
            LabelGroup::Tree(range, _) | LabelGroup::Scan(range) => self.by_label[range.clone()]
                .iter()
                .map(|&g| g as usize)
                .filter(|&g| !used[g] && overlaps(gold[g], p))
                .min_by_key(|&g| (distance(gold[g]), g)),
        }
    }

    /// Groups the unpaired gold spans by label, with a tree for each large group of contiguous
    /// spans.
    fn build(&mut self, gold: &[&Span], used: &[bool]) {
        let by_label = &mut *self.by_label;
        by_label.clear();
        by_label.extend((0..gold.len() as u32).filter(|&g| !used[g as usize]));
        by_label.sort_by(|&a, &b| gold[a as usize].label_cmp(gold[b as usize]).then(a.cmp(&b)));
        self.place.clear();
        self.place.resize(gold.len(), NONE);
        for (i, &g) in by_label.iter().enumerate() {
            self.place[g as usize] = i as u32;
        }
        let mut groups = Vec::new();
        let mut start = 0;
        while start < by_label.len() {
            let first = by_label[start] as usize;
            let end = start + by_label[start..].partition_point(|&g| gold[g as usize].same_label(gold[first]));
            let members = &by_label[start..end];
            let contiguous = members.iter().all(|&g| gold[g as usize].fragments().len() == 1);
            let group = if members.len() >= TREE_FROM && contiguous {
                let bounds: Vec<(usize, usize)> =
                    members.iter().map(|&g| (gold[g as usize].start(), gold[g as usize].end())).collect();
                LabelGroup::Tree(start..end, ClosestTree::new(&bounds))
            } else {
                LabelGroup::Scan(start..end)
            };
            groups.push((first, group));
            start = end;
        }
        self.groups = Some(groups);
    }

    /// Takes the gold span `gi`, just paired, out of its label's tree.
    fn remove(&mut self, gold: &[&Span], gi: usize) {
        let Some(groups) = &mut self.groups else { return };
        if let Some((_, LabelGroup::Tree(range, tree))) =
            groups.iter_mut().find(|(first, _)| gold[*first].same_label(gold[gi]))
        {
            tree.remove(self.place[gi] as usize - range.start);
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
pub(crate) fn count_pair(c: &mut crate::Counts, mode: Mode, pairing: Pairing) {
    match (mode, pairing.same_boundaries, pairing.same_label) {
        (Mode::Strict, true, true) | (Mode::Exact | Mode::Partial, true, _) | (Mode::Type, _, true) => c.cor += 1,
        (Mode::Partial, false, _) => c.par += 1,
        _ => c.inc += 1,
    }
}

/// Aligns one-to-one on character IoU ≥ `threshold` with the label required: pairs taken
/// greedily by IoU (highest first), then gold, then prediction in canonical order; each taken
/// if both sides are still free.
///
/// The greedy order is kept without listing every qualifying pair (which is quadratic in
/// memory when many spans overlap): each gold span offers its best free prediction on a heap;
/// the heap's top is the best pair left, or, if its prediction was taken meanwhile, the gold
/// span looks again. Memory is linear; time is the spans times the predictions each overlaps.
pub fn by_iou(gold: &[&Span], pred: &[&Span], threshold: f64) -> Alignment {
    let gold_order = sorted(gold);
    let pred_order = sorted(pred);
    let g: Vec<&Span> = gold_order.iter().map(|&i| gold[i]).collect();
    let p: Vec<&Span> = pred_order.iter().map(|&i| pred[i]).collect();
    // Predictions by label, each list in canonical order, with the furthest end so far, so the
    // predictions overlapping a gold span are a short walk from a binary search.
    let mut by_label: Vec<Vec<usize>> = Vec::new();
    for pi in 0..p.len() {
        match by_label.iter_mut().find(|list| p[list[0]].same_label(p[pi])) {
            Some(list) => list.push(pi),
            None => by_label.push(vec![pi]),
        }
    }
    let reach: Vec<Vec<usize>> = by_label
        .iter()
        .map(|list| {
            let mut furthest = 0;
            list.iter()
                .map(|&pi| {
                    furthest = furthest.max(p[pi].end());
                    furthest
                })
                .collect()
        })
        .collect();
    let mut pred_used = vec![false; p.len()];
    let best_for = |gi: usize, pred_used: &[bool]| -> Option<Offer> {
        let gs = g[gi];
        let k = by_label.iter().position(|list| p[list[0]].same_label(gs))?;
        let (list, reach) = (&by_label[k], &reach[k]);
        let begin = reach.partition_point(|&end| end <= gs.start());
        let mut best: Option<Offer> = None;
        for &pi in list[begin..].iter().take_while(|&&pi| p[pi].start() < gs.end()) {
            if pred_used[pi] || !overlaps(gs, p[pi]) {
                continue;
            }
            let score = iou(gs, p[pi]);
            if score >= threshold && best.is_none_or(|b| score > b.iou) {
                best = Some(Offer { iou: score, gold: gi, pred: pi });
            }
        }
        best
    };
    let mut heap: std::collections::BinaryHeap<Offer> =
        (0..g.len()).filter_map(|gi| best_for(gi, &pred_used)).collect();
    let mut gold_used = vec![false; g.len()];
    let mut out = Alignment::default();
    while let Some(offer) = heap.pop() {
        if pred_used[offer.pred] {
            heap.extend(best_for(offer.gold, &pred_used));
            continue;
        }
        gold_used[offer.gold] = true;
        pred_used[offer.pred] = true;
        let pairing = Pairing { same_boundaries: g[offer.gold].same_fragments(p[offer.pred]), same_label: true };
        out.pairs.push((offer.gold, offer.pred, pairing));
    }
    out.pairs.sort_unstable_by_key(|&(gi, _, _)| gi);
    for pair in &mut out.pairs {
        (pair.0, pair.1) = (gold_order[pair.0], pred_order[pair.1]);
    }
    out.missed = (0..g.len()).filter(|&gi| !gold_used[gi]).map(|gi| gold_order[gi]).collect();
    out.spurious = (0..p.len()).filter(|&pi| !pred_used[pi]).map(|pi| pred_order[pi]).collect();
    out
}

/// A gold span's best free prediction, ordered as the greedy takes pairs: higher IoU first,
/// then the earlier gold span, then the earlier prediction (canonical ranks).
#[derive(Debug, Clone, Copy)]
struct Offer {
    iou: f64,
    gold: usize,
    pred: usize,
}

impl Ord for Offer {
    fn cmp(&self, other: &Offer) -> Ordering {
        self.iou.total_cmp(&other.iou).then(other.gold.cmp(&self.gold)).then(other.pred.cmp(&self.pred))
    }
}

impl PartialOrd for Offer {
    fn partial_cmp(&self, other: &Offer) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Offer {
    fn eq(&self, other: &Offer) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Offer {}

/// [`pair_sorted`] for up to [`SMALL`] gold spans: each prediction looks through the gold
/// spans that can overlap it (those after the last one whose reach ends before it starts).
/// Cheap to start, but its cost grows with the spans a prediction overlaps, so larger groups
/// take the skip list. The property tests hold both to the same naive oracle.
fn pair_small(
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
