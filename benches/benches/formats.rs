//! Parsing throughput of the gold formats: brat standoff lines (verified against the text)
//! and interchange JSON Lines records, on the seed article (non-ASCII text, 69 spans).

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use goldspan_formats::{gold, jsonl, standoff};
use goldspan_model::{Location, Problems};

const SEED: &str = "000_1b6e3cb4960a1599";

fn formats(c: &mut Criterion) {
    let corpus = gold::Corpus::open(goldspan_benches::repo().join("corpus/news")).expect("corpus");
    let doc = corpus.read(SEED).expect("seed");
    let ann = standoff::write(&doc).expect("standoff");
    let line = jsonl::to_line(&doc, true);
    let location = Location::file("bench.ann");

    // Checked once, so the benchmark cannot be measuring a no-op.
    let mut problems = Problems::default();
    let parsed = standoff::parse(&ann, &doc.document, corpus.manifest(), &location, &mut problems);
    assert!(problems.is_empty());
    assert_eq!(parsed.annotations, doc.annotations);

    let mut group = c.benchmark_group("parse");
    group.throughput(Throughput::Bytes(ann.len() as u64));
    group.bench_function("standoff", |b| {
        b.iter(|| {
            let mut problems = Problems::default();
            standoff::parse(&ann, &doc.document, corpus.manifest(), &location, &mut problems)
        })
    });
    group.throughput(Throughput::Bytes(line.len() as u64));
    group.bench_function("jsonl", |b| {
        b.iter(|| {
            let reader = jsonl::Reader::new(line.as_bytes(), Location::file("bench.jsonl"));
            let mut spans = 0;
            for record in reader {
                let doc = record.expect("parses").resolve(Some(corpus.manifest()), &location).expect("valid");
                spans += doc.annotations.spans.len();
            }
            spans
        })
    });
    group.finish();
}

criterion_group!(benches, formats);
criterion_main!(benches);
