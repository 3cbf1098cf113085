//! Alignment at scale: one document of 10,000 or 100,000 gold spans and as many predictions,
//! laid out three ways, aligned by `overlap:0.5`, `type` and `strict`. Time per span should stay
//! flat from 10k to 100k (the matcher is near-linear); before the sweep matcher, `overlap:θ`
//! compared every gold span with every prediction.
//!
//! The layouts (`disjoint`, `chained`, `dense` at 10k only, where `overlap:θ` costs time
//! quadratic in n and `type` and `strict` stay near-linear) are in `src/alignment.rs`.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use goldspan_benches::alignment::{align_once, layout};
use goldspan_model::Span;
use goldspan_score::align::{self, Scratch};
use goldspan_score::Mode;

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
                let (paired, missed, spurious) = align_once(mode, &g, &p);
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
