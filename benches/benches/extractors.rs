//! Throughput of each built-in extractor over the news corpus (documents/s), the texts read
//! once before timing. Each extractor's output is checked once so the bench cannot time a
//! no-op.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use goldspan_extract::{Registry, Settings};
use goldspan_formats::gold::Corpus;

fn extractors(c: &mut Criterion) {
    let corpus = Corpus::open(goldspan_benches::repo().join("corpus/news")).expect("corpus");
    let docs: Vec<_> = corpus.ids().iter().map(|id| corpus.read(id).expect("document").document).collect();
    let registry = Registry::with_builtins();
    let mut group = c.benchmark_group("extract");
    group.throughput(Throughput::Elements(docs.len() as u64));
    for name in ["entities-rules", "quotes-rules", "structure-rules"] {
        let extractor = registry.resolve(name, &Settings::default()).expect("built-in");
        let spans: usize = docs.iter().map(|d| extractor.extract(d).map(|a| a.spans.len()).unwrap_or(0)).sum();
        assert!(spans > 0, "{name} found nothing on the corpus");
        group.bench_function(name, |b| {
            b.iter(|| docs.iter().map(|d| extractor.extract(d).map(|a| a.spans.len()).unwrap_or(0)).sum::<usize>())
        });
    }
    group.finish();
}

criterion_group!(benches, extractors);
criterion_main!(benches);
