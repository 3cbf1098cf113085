//! Uncertainty: bootstrap confidence intervals over documents, and paired tests between two
//! systems scored on the same documents.
//!
//! The random number generator (SplitMix64) is implemented here rather than taken from a
//! dependency, so a published interval never moves because a crate changed its algorithm.

use crate::counts::Counts;

/// SplitMix64: a small, fast, well-distributed generator; fixed forever for reproducibility.
#[derive(Debug, Clone)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    /// A generator from a seed.
    pub fn new(seed: u64) -> SplitMix64 {
        SplitMix64(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A uniform integer below `n` (Lemire's multiply-shift; the bias is below 2^-32 for the
    /// corpus sizes goldspan sees).
    pub fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }
}

/// A two-sided 95% percentile interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Interval {
    /// 2.5th percentile.
    pub low: f64,
    /// 97.5th percentile.
    pub high: f64,
}

fn percentile_interval(mut values: Vec<f64>) -> Interval {
    if values.is_empty() {
        return Interval { low: 0.0, high: 0.0 };
    }
    values.sort_by(f64::total_cmp);
    let at = |q: f64| {
        let i = ((values.len() - 1) as f64 * q).round() as usize;
        values[i.min(values.len() - 1)]
    };
    Interval { low: at(0.025), high: at(0.975) }
}

/// Bootstrap interval of `metric` over documents: `samples` resamples of the documents with
/// replacement, the metric computed on each resample's summed counts.
pub fn interval(per_document: &[Counts], samples: usize, seed: u64, metric: impl Fn(&Counts) -> f64) -> Interval {
    let n = per_document.len();
    if n == 0 || samples == 0 {
        return Interval { low: 0.0, high: 0.0 };
    }
    let mut rng = SplitMix64::new(seed);
    let values = (0..samples)
        .map(|_| {
            let mut total = Counts::default();
            for _ in 0..n {
                total += per_document[rng.below(n)];
            }
            metric(&total)
        })
        .collect();
    percentile_interval(values)
}

/// The comparison of system B against system A on the same documents.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Paired {
    /// Metric of A on all documents.
    pub a: f64,
    /// Metric of B on all documents.
    pub b: f64,
    /// B minus A.
    pub delta: f64,
    /// Paired bootstrap 95% interval of the delta.
    pub interval: Interval,
    /// Two-sided p-value from approximate randomisation: how often randomly swapping the two
    /// systems' outputs per document gives a difference at least as large.
    pub p_value: f64,
}

/// Compares two systems document by document. `a[i]` and `b[i]` must be the same document.
pub fn paired(a: &[Counts], b: &[Counts], samples: usize, seed: u64, metric: impl Fn(&Counts) -> f64) -> Paired {
    let sum = |xs: &[Counts]| {
        let mut t = Counts::default();
        for x in xs {
            t += *x;
        }
        t
    };
    let (ma, mb) = (metric(&sum(a)), metric(&sum(b)));
    let delta = mb - ma;
    let n = a.len().min(b.len());
    let mut rng = SplitMix64::new(seed);
    let mut deltas = Vec::with_capacity(samples);
    for _ in 0..samples {
        let (mut ta, mut tb) = (Counts::default(), Counts::default());
        for _ in 0..n {
            let i = rng.below(n);
            ta += a[i];
            tb += b[i];
        }
        deltas.push(metric(&tb) - metric(&ta));
    }
    // The randomisation test draws from its own stream, independent of the bootstrap's.
    let mut rng = SplitMix64::new(seed ^ 0xA5A5_A5A5_A5A5_A5A5);
    let mut at_least = 0usize;
    for _ in 0..samples {
        let (mut ta, mut tb) = (Counts::default(), Counts::default());
        for i in 0..n {
            if rng.next_u64() & 1 == 1 {
                ta += b[i];
                tb += a[i];
            } else {
                ta += a[i];
                tb += b[i];
            }
        }
        if (metric(&tb) - metric(&ta)).abs() >= delta.abs() - 1e-12 {
            at_least += 1;
        }
    }
    let p_value = if samples == 0 { 1.0 } else { (at_least + 1) as f64 / (samples + 1) as f64 };
    Paired { a: ma, b: mb, delta, interval: percentile_interval(deltas), p_value }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitmix64_is_pinned() {
        // Reference values of SplitMix64 from seed 0 (as published with the algorithm).
        let mut r = SplitMix64::new(0);
        assert_eq!(r.next_u64(), 0xE220_A839_7B1D_CDAF);
        assert_eq!(r.next_u64(), 0x6E78_9E6A_A1B9_65F4);
    }

    #[test]
    fn identical_documents_give_a_degenerate_interval() {
        let docs = vec![Counts { cor: 2, mis: 1, spu: 1, ..Counts::default() }; 30];
        let i = interval(&docs, 200, 7, |c| c.prf().f1);
        assert!((i.low - 2.0 / 3.0).abs() < 1e-12 && (i.high - 2.0 / 3.0).abs() < 1e-12);
    }

    #[test]
    fn identical_systems_are_not_significantly_different() {
        let docs: Vec<Counts> =
            (0..40).map(|i| Counts { cor: i % 5, mis: 1, spu: i % 3, ..Counts::default() }).collect();
        let p = paired(&docs, &docs, 500, 1, |c| c.prf().f1);
        assert_eq!(p.delta, 0.0);
        assert_eq!(p.p_value, 1.0);
    }

    #[test]
    fn a_clearly_better_system_is_significant() {
        let a: Vec<Counts> = (0..50).map(|_| Counts { cor: 1, mis: 3, spu: 3, ..Counts::default() }).collect();
        let b: Vec<Counts> = (0..50).map(|_| Counts { cor: 3, mis: 1, spu: 1, ..Counts::default() }).collect();
        let p = paired(&a, &b, 500, 1, |c| c.prf().f1);
        assert!(p.delta > 0.4 && p.interval.low > 0.0, "{p:?}");
        assert!(p.p_value < 0.01, "{p:?}");
    }
}
