//! Type mode's "closest overlapping gold span of the same label", answered without scanning
//! every candidate: among the gold spans of one label not yet paired, the one whose boundaries
//! are nearest a prediction's (|Δstart| + |Δend|, ties to the first in canonical order).
//!
//! Where a gold span [gs, ge) starts and ends relative to the prediction [ps, pe) splits the
//! overlapping candidates into four quadrants, and in each the distance is a linear function of
//! (gs, ge) plus a constant:
//!
//! | quadrant | gold starts | gold ends | distance |
//! |---|---|---|---|
//! | A | gs ≤ ps | ge ≥ pe | (ge − gs) + (ps − pe) |
//! | B | gs ≤ ps | ps < ge < pe | −(gs + ge) + (ps + pe) |
//! | C | ps < gs < pe | ge ≥ pe | (gs + ge) − (ps + pe) |
//! | D | ps < gs | ge < pe | (gs − ge) + (pe − ps) |
//!
//! Each quadrant is a rectangle in (rank by start, end), so a merge-sort tree over the spans
//! (blocks of rank, each block's spans sorted by end) with a segment tree of minima per block
//! answers a query in O(log² n) and clears a paired span in O(log² n). Small groups are
//! scanned instead: building the tree costs more than it saves below a few dozen spans.

/// Below this many spans a group is scanned.
pub const TREE_FROM: usize = 48;

/// No span.
const NONE: u32 = u32::MAX;

/// Contiguous gold spans of one label, by rank in canonical order, with their boundaries.
#[derive(Debug)]
pub struct ClosestTree {
    starts: Vec<i64>,
    ends: Vec<i64>,
    levels: Vec<Level>,
}

/// One level of the merge-sort tree: blocks of `1 << level` ranks.
#[derive(Debug)]
struct Level {
    /// Ranks, sorted by (end, rank) within each block.
    order: Vec<u32>,
    /// `ends[i]` = the end of `order[i]`, for binary search.
    ends: Vec<i64>,
    /// Where each rank sits in `order`.
    position: Vec<u32>,
    /// Per block `[lo, hi)`, a segment tree in `minima[2 lo .. 2 hi)` (node 1 is the root, the
    /// leaves follow the block's order): the rank minimising each quadrant's function.
    minima: Vec<[u32; 4]>,
}

impl ClosestTree {
    /// Builds the tree over spans given as (start, end) in canonical order.
    pub fn new(spans: &[(usize, usize)]) -> ClosestTree {
        let n = spans.len();
        let starts: Vec<i64> = spans.iter().map(|&(s, _)| s as i64).collect();
        let ends: Vec<i64> = spans.iter().map(|&(_, e)| e as i64).collect();
        let mut tree = ClosestTree { starts, ends, levels: Vec::new() };
        let mut order: Vec<u32> = (0..n as u32).collect();
        let mut size = 1;
        loop {
            if size > 1 {
                // Merge pairs of blocks of the level below.
                let half = size / 2;
                let below = &tree.levels[tree.levels.len() - 1].order;
                let mut merged = Vec::with_capacity(n);
                for lo in (0..n).step_by(size) {
                    let mid = (lo + half).min(n);
                    let hi = (lo + size).min(n);
                    let (mut a, mut b) = (lo, mid);
                    while a < mid || b < hi {
                        let take_a = b >= hi || (a < mid && tree.key(below[a]) <= tree.key(below[b]));
                        if take_a {
                            merged.push(below[a]);
                            a += 1;
                        } else {
                            merged.push(below[b]);
                            b += 1;
                        }
                    }
                }
                order = merged;
            }
            let level = tree.level(order.clone(), size);
            tree.levels.push(level);
            if size >= n {
                break;
            }
            size *= 2;
        }
        tree
    }

    fn key(&self, rank: u32) -> (i64, u32) {
        (self.ends[rank as usize], rank)
    }

    /// Quadrant `q`'s function of a span (see the module doc).
    fn value(&self, q: usize, rank: u32) -> i64 {
        let (s, e) = (self.starts[rank as usize], self.ends[rank as usize]);
        match q {
            0 => e - s,
            1 => -(s + e),
            2 => s + e,
            _ => s - e,
        }
    }

    /// The better of two ranks for quadrant `q`: the smaller value, ties to the lower rank.
    fn better(&self, q: usize, a: u32, b: u32) -> u32 {
        match (a, b) {
            (NONE, b) => b,
            (a, NONE) => a,
            (a, b) => {
                if (self.value(q, a), a) <= (self.value(q, b), b) {
                    a
                } else {
                    b
                }
            }
        }
    }

    fn level(&self, order: Vec<u32>, size: usize) -> Level {
        let n = order.len();
        let ends = order.iter().map(|&r| self.ends[r as usize]).collect();
        let mut position = vec![0u32; n];
        for (i, &r) in order.iter().enumerate() {
            position[r as usize] = i as u32;
        }
        let mut minima = vec![[NONE; 4]; 2 * n];
        for lo in (0..n).step_by(size) {
            let len = (lo + size).min(n) - lo;
            let base = 2 * lo;
            for i in 0..len {
                minima[base + len + i] = [order[lo + i]; 4];
            }
            for node in (1..len).rev() {
                let (l, r) = (minima[base + 2 * node], minima[base + 2 * node + 1]);
                minima[base + node] = std::array::from_fn(|q| self.better(q, l[q], r[q]));
            }
        }
        Level { order, ends, position, minima }
    }

    /// Clears `rank` (a paired span) from every level.
    pub fn remove(&mut self, rank: usize) {
        let n = self.starts.len();
        for level in 0..self.levels.len() {
            let size = 1usize << level;
            let lo = rank / size * size;
            let len = (lo + size).min(n) - lo;
            let base = 2 * lo;
            let mut node = len + (self.levels[level].position[rank] as usize - lo);
            self.levels[level].minima[base + node] = [NONE; 4];
            node /= 2;
            while node >= 1 {
                let minima = &self.levels[level].minima;
                let (l, r) = (minima[base + 2 * node], minima[base + 2 * node + 1]);
                let best = std::array::from_fn(|q| self.better(q, l[q], r[q]));
                self.levels[level].minima[base + node] = best;
                node /= 2;
            }
        }
    }

    /// The rank minimising quadrant `q`'s function over ranks `ranks` whose end is in `ends`.
    fn query(&self, q: usize, ranks: std::ops::Range<usize>, ends: std::ops::Range<i64>) -> u32 {
        let mut best = NONE;
        if ranks.start < ranks.end && ends.start < ends.end {
            self.visit(self.levels.len() - 1, 0, &ranks, &ends, q, &mut best);
        }
        best
    }

    fn visit(
        &self,
        level: usize,
        lo: usize,
        ranks: &std::ops::Range<usize>,
        ends: &std::ops::Range<i64>,
        q: usize,
        best: &mut u32,
    ) {
        let n = self.starts.len();
        let hi = (lo + (1 << level)).min(n);
        if hi <= ranks.start || lo >= ranks.end {
            return;
        }
        if ranks.start <= lo && hi <= ranks.end {
            let l = &self.levels[level];
            let block = &l.ends[lo..hi];
            let a = block.partition_point(|&e| e < ends.start);
            let b = block.partition_point(|&e| e < ends.end);
            let len = hi - lo;
            let base = 2 * lo;
            let (mut x, mut y) = (a + len, b + len);
            while x < y {
                if x & 1 == 1 {
                    *best = self.better(q, *best, l.minima[base + x][q]);
                    x += 1;
                }
                if y & 1 == 1 {
                    y -= 1;
                    *best = self.better(q, *best, l.minima[base + y][q]);
                }
                x /= 2;
                y /= 2;
            }
            return;
        }
        self.visit(level - 1, lo, ranks, ends, q, best);
        self.visit(level - 1, lo + (1 << (level - 1)), ranks, ends, q, best);
    }

    /// The unpaired span overlapping [ps, pe) with the nearest boundaries, ties to the lowest
    /// rank.
    pub fn closest(&self, ps: usize, pe: usize) -> Option<usize> {
        let (ps, pe) = (ps as i64, pe as i64);
        let starting_before = self.starts.partition_point(|&s| s <= ps);
        let starting_inside = self.starts.partition_point(|&s| s < pe);
        let candidates = [
            (0, 0..starting_before, pe..i64::MAX, ps - pe),
            (1, 0..starting_before, ps + 1..pe, ps + pe),
            (2, starting_before..starting_inside, pe..i64::MAX, -(ps + pe)),
            (3, starting_before..starting_inside, i64::MIN..pe, pe - ps),
        ];
        candidates
            .into_iter()
            .filter_map(|(q, ranks, ends, offset)| {
                let rank = self.query(q, ranks, ends);
                (rank != NONE).then(|| (self.value(q, rank) + offset, rank))
            })
            .min()
            .map(|(_, rank)| rank as usize)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// The rule spelled out: every unpaired overlapping span, nearest first, then lowest rank.
    fn naive(spans: &[(usize, usize)], paired: &[bool], ps: usize, pe: usize) -> Option<usize> {
        (0..spans.len())
            .filter(|&r| !paired[r] && spans[r].0 < pe && ps < spans[r].1)
            .min_by_key(|&r| (spans[r].0.abs_diff(ps) + spans[r].1.abs_diff(pe), r))
    }

    fn spans() -> impl Strategy<Value = Vec<(usize, usize)>> {
        prop::collection::vec((0usize..60, 1usize..25), 1..120).prop_map(|mut v| {
            let mut spans: Vec<(usize, usize)> = v.drain(..).map(|(s, len)| (s, s + len)).collect();
            spans.sort();
            spans
        })
    }

    proptest! {
        #[test]
        fn closest_equals_the_rule(
            spans in spans(),
            queries in prop::collection::vec((0usize..70, 1usize..30, any::<bool>()), 1..60),
        ) {
            let mut tree = ClosestTree::new(&spans);
            let mut paired = vec![false; spans.len()];
            for (ps, len, pair) in queries {
                let pe = ps + len;
                let expected = naive(&spans, &paired, ps, pe);
                prop_assert_eq!(tree.closest(ps, pe), expected, "query {}..{}", ps, pe);
                if let (true, Some(rank)) = (pair, expected) {
                    paired[rank] = true;
                    tree.remove(rank);
                }
            }
        }
    }

    #[test]
    fn each_quadrant_is_found() {
        // Prediction 10..20. A: 8..22 (distance 4); B: 9..15 (6); C: 12..21 (3); D: 14..18 (6).
        let spans = [(8, 22), (9, 15), (12, 21), (14, 18)];
        let mut tree = ClosestTree::new(&spans);
        assert_eq!(tree.closest(10, 20), Some(2));
        tree.remove(2);
        assert_eq!(tree.closest(10, 20), Some(0));
        tree.remove(0);
        assert_eq!(tree.closest(10, 20), Some(1), "B and D tie at 6: the lower rank");
        tree.remove(1);
        assert_eq!(tree.closest(10, 20), Some(3));
        tree.remove(3);
        assert_eq!(tree.closest(10, 20), None);
        assert_eq!(ClosestTree::new(&[(0, 5)]).closest(5, 9), None, "touching is not overlapping");
    }
}
