//! Throughput of each built-in extractor: over the news corpus (documents/s), and over one long
//! document of 5 MB and of 50 MB (bytes/s), to show the cost per megabyte does not grow with
//! the document. Inputs are built before timing; each extractor's output is checked once so the
//! bench cannot time a no-op.
//!
//! The long documents take a while (criterion's minimum of ten samples, each a whole 50 MB
//! document): `cargo bench -p goldspan-benches --bench extractors -- extract/` runs only the
//! corpus bench, `-- extract_long/` only the long documents.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use goldspan_extract::{Registry, Settings};
use goldspan_formats::gold::Corpus;
use goldspan_model::{Document, Meta};

const BUILTINS: [&str; 3] = ["entities-rules", "quotes-rules", "structure-rules"];

fn extractors(c: &mut Criterion) {
    let corpus = Corpus::open(goldspan_benches::repo().join("corpus/news")).expect("corpus");
    let docs: Vec<_> = corpus.ids().iter().map(|id| corpus.read(id).expect("document").document).collect();
    let registry = Registry::with_builtins();
    let mut group = c.benchmark_group("extract");
    group.throughput(Throughput::Elements(docs.len() as u64));
    for name in BUILTINS {
        let extractor = registry.resolve(name, &Settings::default()).expect("built-in");
        let spans: usize = docs.iter().map(|d| extractor.extract(d).map(|a| a.spans.len()).unwrap_or(0)).sum();
        assert!(spans > 0, "{name} found nothing on the corpus");
        group.bench_function(name, |b| {
            b.iter(|| docs.iter().map(|d| extractor.extract(d).map(|a| a.spans.len()).unwrap_or(0)).sum::<usize>())
        });
    }
    group.finish();
}

fn long_documents(c: &mut Criterion) {
    let registry = Registry::with_builtins();
    // No time limit: the bench measures the work, not the default --timeout.
    let settings = Settings { timeout: std::time::Duration::from_secs(24 * 3600), ..Settings::default() };
    let mut group = c.benchmark_group("extract_long");
    group.sample_size(10);
    for megabytes in [5, 50] {
        let text = goldspan_benches::long_news_text(megabytes * 1_000_000);
        let doc = Document::new("long", text, Meta::new());
        group.throughput(Throughput::Bytes(doc.text().len() as u64));
        for name in BUILTINS {
            let extractor = registry.resolve(name, &settings).expect("built-in");
            if megabytes == 5 {
                let spans = extractor.extract(&doc).map(|a| a.spans.len()).unwrap_or(0);
                assert!(spans > 0, "{name} found nothing in the long document");
            }
            group.bench_with_input(BenchmarkId::new(name, format!("{megabytes}MB")), &doc, |b, doc| {
                b.iter(|| extractor.extract(doc).map(|a| a.spans.len()).unwrap_or(0))
            });
        }
    }
    group.finish();
}

criterion_group!(benches, extractors, long_documents);
criterion_main!(benches);
