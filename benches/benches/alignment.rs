//! Alignment at scale: one document of 10,000 or 100,000 gold spans and as many predictions,
//! laid out three ways, aligned by `overlap:0.5`, `type` and `strict`. Time per span should stay
//! flat from 10k to 100k (the matcher is near-linear); before the sweep matcher, `overlap:θ`
//! compared every gold span with every prediction.
//!
//! - `disjoint`: spans of 5–24 characters that never overlap, as in ordinary NER.
//! - `chained`: a span every 6 characters, 8–40 long, so each overlaps its next few neighbours
//!   (nested mentions, overlapping quotation guesses).
//! - `dense` (10k only, the documented worst case): every span overlaps every other, so a
//!   prediction can pair with any of n gold spans; `overlap:θ` costs time quadratic in n there
//!   (memory stays linear), `type` and `strict` stay near-linear.
//!
//! Predictions are the gold spans moved by up to 3 characters at each end, a fifth relabelled,
//! deterministically (SplitMix64, seed 7).

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use goldspan_model::Span;
use goldspan_score::align::{self, Scratch};
use goldspan_score::bootstrap::SplitMix64;
use goldspan_score::Mode;

const LABELS: [&str; 3] = ["PERSON", "ORG", "GPE"];

fn layout(name: &str, n: usize) -> (Vec<Span>, Vec<Span>) {
    let mut rng = SplitMix64::new(7);
    let mut gold = Vec::with_capacity(n);
    let mut at = 0;
    for i in 0..n {
        let (start, len) = match name {
            "disjoint" => {
                let len = 5 + rng.below(20);
                at += len + 1 + rng.below(5);
                (at - len - 1, len)
            }
            "chained" => (i * 6, 8 + rng.below(33)),
            _ => (rng.below(n / 4), n / 2 + rng.below(n / 4)),
        };
        let label = LABELS[rng.below(LABELS.len())];
        gold.push(Span::contiguous(format!("G{i}"), "entities", label, start, start + len).expect("span"));
    }
    let pred = gold
        .iter()
        .enumerate()
        .map(|(i, g)| {
            let start = (g.start() + rng.below(4)).saturating_sub(rng.below(4));
            let end = (g.end() + rng.below(4)).saturating_sub(rng.below(4)).max(start + 1);
            let label = if rng.below(5) == 0 { LABELS[rng.below(LABELS.len())] } else { g.label() };
            Span::contiguous(format!("P{i}"), "entities", label, start, end).expect("span")
        })
        .collect();
    (gold, pred)
}

fn scale(c: &mut Criterion) {
    let mut group = c.benchmark_group("align_scale");
    group.sample_size(10);
    let modes: [Mode; 3] = ["overlap:0.5", "type", "strict"].map(|m| m.parse().expect("mode"));
    for (name, sizes) in [("disjoint", &[10_000, 100_000][..]), ("chained", &[10_000, 100_000]), ("dense", &[10_000])] {
        for &n in sizes {
            let (gold, pred) = layout(name, n);
            let mut g: Vec<&Span> = gold.iter().collect();
            let mut p: Vec<&Span> = pred.iter().collect();
            g.sort_by(|a, b| align::canonical(a, b));
            p.sort_by(|a, b| align::canonical(a, b));
            group.throughput(Throughput::Elements((2 * n) as u64));
            for mode in modes {
                // Checked once, so the benchmark cannot be measuring a no-op: every span is
                // accounted for and most predictions pair.
                let (paired, missed, spurious) = match mode {
                    Mode::Overlap { .. } => {
                        let a = align::by_iou(&g, &p, 0.5);
                        (a.pairs.len() as u64, a.missed.len() as u64, a.spurious.len() as u64)
                    }
                    _ => {
                        let c = align::semeval_counts(mode, &g, &p, &mut Scratch::default());
                        (c.cor + c.inc + c.par, c.mis, c.spu)
                    }
                };
                assert_eq!((paired + missed, paired + spurious), (n as u64, n as u64), "{name} {n} {mode}");
                assert!(paired > n as u64 / 2, "{name} {n} {mode}: {paired} pairs");
                let id = BenchmarkId::new(format!("{name}/{mode}"), n);
                let mut scratch = Scratch::default();
                group.bench_function(id, |b| match mode {
                    Mode::Overlap { .. } => b.iter(|| align::by_iou(&g, &p, 0.5)),
                    _ => b.iter(|| align::semeval_counts(mode, &g, &p, &mut scratch)),
                });
            }
        }
    }
    group.finish();
}

criterion_group!(benches, scale);
criterion_main!(benches);
