//! The gold spans still worth looking at, as a skip list over their indices: "the first one at
//! or after `i`" in amortised constant time (union–find with path halving), so a scan that
//! removes what it passes over touches each span a bounded number of times however many spans
//! overlap.

/// Indices `0..n`, each alive until removed.
#[derive(Debug, Default)]
pub struct Alive {
    /// `next[i]` points at `i` when `i` is alive, else at a later candidate; `next[n]` is `n`.
    next: Vec<u32>,
}

impl Alive {
    /// Makes `0..n` alive, except the indices `removed` says are not.
    pub fn reset(&mut self, removed: &[bool]) {
        self.next.clear();
        self.next.extend(removed.iter().enumerate().map(|(i, &r)| i as u32 + u32::from(r)));
        self.next.push(removed.len() as u32);
    }

    /// The first alive index at or after `i`, or `n` when none is.
    #[inline]
    pub fn first_from(&mut self, i: usize) -> usize {
        let mut i = i.min(self.next.len() - 1);
        while self.next[i] as usize != i {
            let skip = self.next[self.next[i] as usize];
            self.next[i] = skip;
            i = skip as usize;
        }
        i
    }

    /// Removes `i` (which must be below `n`).
    #[inline]
    pub fn remove(&mut self, i: usize) {
        self.next[i] = i as u32 + 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skips_removed_indices() {
        let mut a = Alive::default();
        a.reset(&[false, true, false, false, false, false]);
        for i in [2, 4] {
            a.remove(i);
        }
        let firsts: Vec<usize> = (0..=6).map(|i| a.first_from(i)).collect();
        assert_eq!(firsts, [0, 3, 3, 3, 5, 5, 6]);
        a.remove(5);
        assert_eq!(a.first_from(4), 6);
    }
}
