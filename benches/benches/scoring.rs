//! Scoring throughput on synthetic documents (`goldspan_runner::synth`, fixed seed, 10% of each
//! error kind): the SemEval matcher on one large document in each mode, and whole-document
//! scoring in the four SemEval modes over a small corpus, both into one running total and as a
//! tally per document merged with `+=` (the runner's two paths).

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use goldspan_model::{AnnotatedDocument, Span};
use goldspan_runner::synth::{self, SynthConfig};
use goldspan_score::align::{self, Scratch};
use goldspan_score::{score_document, score_document_into, Options, Tally, SEMEVAL};

const SEED: u64 = 20_240_917;
const LAYER: &str = "entities";

fn config(documents: usize, spans: usize) -> SynthConfig {
    SynthConfig { documents, seed: SEED, spans, missed: 0.1, boundary: 0.1, label: 0.1, spurious: 0.1 }
}

fn align(c: &mut Criterion) {
    let (gold, pred) = synth::document(&config(1, 1000), 0);
    let g: Vec<&Span> = gold.annotations.spans.iter().collect();
    let p: Vec<&Span> = pred.annotations.spans.iter().collect();
    let (mut sorted_g, mut sorted_p) = (g.clone(), p.clone());
    sorted_g.sort_by(|a, b| align::canonical(a, b));
    sorted_p.sort_by(|a, b| align::canonical(a, b));

    let mut group = c.benchmark_group("align");
    group.throughput(Throughput::Elements((g.len() + p.len()) as u64));
    for mode in SEMEVAL {
        // Checked once, so the benchmark cannot be measuring a no-op: every span is accounted
        // for, most are paired, and the allocation-free count agrees with the alignment.
        let a = align::semeval(mode, &g, &p);
        assert_eq!(a.pairs.len() + a.missed.len(), g.len(), "{mode}");
        assert_eq!(a.pairs.len() + a.spurious.len(), p.len(), "{mode}");
        assert!(a.pairs.len() > g.len() / 2, "{mode}: {} pairs of {} gold spans", a.pairs.len(), g.len());
        let counts = align::semeval_counts(mode, &sorted_g, &sorted_p, &mut Scratch::default());
        assert_eq!(counts.cor + counts.inc + counts.par, a.pairs.len() as u64, "{mode}");
        assert_eq!((counts.mis, counts.spu), (a.missed.len() as u64, a.spurious.len() as u64), "{mode}");
        assert!(counts.cor > 0, "{mode}");

        group.bench_with_input(BenchmarkId::new("semeval", mode), &mode, |b, &mode| {
            b.iter(|| align::semeval(mode, &g, &p))
        });
        let mut scratch = Scratch::default();
        group.bench_with_input(BenchmarkId::new("counts", mode), &mode, |b, &mode| {
            b.iter(|| align::semeval_counts(mode, &sorted_g, &sorted_p, &mut scratch))
        });
    }
    group.finish();
}

fn score(c: &mut Criterion) {
    const DOCUMENTS: usize = 256;
    let config = config(DOCUMENTS, 30);
    let docs: Vec<(AnnotatedDocument, AnnotatedDocument)> =
        (0..DOCUMENTS).map(|i| synth::document(&config, i)).collect();
    let options = Options::new(SEMEVAL.to_vec());
    let into_total = || {
        let mut total = Tally::default();
        for (gold, pred) in &docs {
            score_document_into(gold, &pred.annotations, &options, &mut total);
        }
        total
    };
    let per_document = || {
        let mut total = Tally::default();
        for (gold, pred) in &docs {
            total += &score_document(gold, &pred.annotations, &options);
        }
        total
    };

    // Checked once: both paths agree, and every mode accounts for every gold and predicted span.
    let total = into_total();
    assert_eq!(total, per_document());
    assert_eq!(total.documents, DOCUMENTS as u64);
    let gold_spans: usize = docs.iter().map(|(g, _)| g.annotations.spans.len()).sum();
    let pred_spans: usize = docs.iter().map(|(_, p)| p.annotations.spans.len()).sum();
    for mode in SEMEVAL {
        let counts = total.micro(LAYER, mode);
        assert_eq!((counts.possible(), counts.actual()), (gold_spans as u64, pred_spans as u64), "{mode}");
        assert!(counts.cor > 0, "{mode}");
    }

    let mut group = c.benchmark_group("score_document");
    group.throughput(Throughput::Elements(DOCUMENTS as u64));
    group.bench_function("into_total", |b| b.iter(into_total));
    group.bench_function("per_document", |b| b.iter(per_document));
    group.finish();
}

criterion_group!(benches, align, score);
criterion_main!(benches);
