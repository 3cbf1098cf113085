//! Properties of scoring on generated span sets over one fixed ASCII text: ratios stay in
//! [0, 1], a perfect prediction scores 1 and an empty one 0, strict mode is symmetric, the order
//! of spans and documents and the sharding of a corpus change no count, and the fast matchers
//! agree with naive oracles written here from the rules at the top of `align.rs`.
//!
//! Spans are drawn densely near the start of the text (so they nest, overlap and repeat) and
//! sparsely over the rest; predictions mix independent spans with gold spans copied, shifted
//! and relabelled; some spans are discontinuous, a few with touching fragments.

use std::collections::{BTreeMap, BTreeSet};

use goldspan_model::{AnnotatedDocument, Annotations, Attribution, Document, Fragment, Meta, Relation, Span};
use goldspan_score::bootstrap::SplitMix64;
use goldspan_score::{score_document, score_document_into, Counts, Mode, Options, Prf, Tally, SEMEVAL};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::Index;

const TEXT_LEN: usize = 200;
const LAYERS: [&str; 2] = ["entities", "events"];
const LABELS: [&str; 4] = ["GPE", "ORG", "PER", "Quote"];
const MODES: [Mode; 6] =
    [Mode::Strict, Mode::Exact, Mode::Partial, Mode::Type, Mode::Overlap { permille: 500 }, Mode::Tokens];

/// The text every generated document shares: 200 ASCII characters of words, digits and
/// punctuation, so token mode has tokens and spans can cover only punctuation.
fn text() -> String {
    const SENTENCE: &str =
        "On Tuesday, the council (Leeds) said 3 new plans for the river-market were \"ready\"; rates rose 2.5%. ";
    SENTENCE.chars().cycle().take(TEXT_LEN).collect()
}

// ---------------------------------------------------------------------------------------------
// Generators

/// A span before it gets an id: indices into `LAYERS` and `LABELS`, and `(start, end)` pieces.
#[derive(Debug, Clone)]
struct SpanSpec {
    layer: usize,
    label: usize,
    fragments: Vec<(usize, usize)>,
}

/// One document's gold and predicted spans, and relations as picks among each side's spans.
#[derive(Debug, Clone)]
struct DocSpec {
    gold: Vec<SpanSpec>,
    pred: Vec<SpanSpec>,
    gold_relations: Vec<(Index, Index)>,
    pred_relations: Vec<(Index, Index)>,
}

/// Where spans fall: mostly near the start of the text and some anywhere, or all crowded into
/// a few characters with two labels, so that ties and chains of overlaps are common.
#[derive(Debug, Clone, Copy)]
enum Density {
    Mixed,
    Crowded,
}

fn arb_span(density: Density) -> impl Strategy<Value = SpanSpec> {
    let (start, len, labels) = match density {
        Density::Mixed => (prop_oneof![3 => 0usize..24, 1 => 0..TEXT_LEN - 1].boxed(), 1usize..10, LABELS.len()),
        Density::Crowded => ((0usize..12).boxed(), 1usize..6, 2),
    };
    let layer = prop_oneof![4 => Just(0usize), 1 => Just(1usize)];
    let second = prop::option::weighted(0.2, (0usize..4, 1usize..6));
    (start, len, second, layer, 0..labels).prop_map(|(start, len, second, layer, label)| {
        let end = (start + len).min(TEXT_LEN);
        let mut fragments = vec![(start, end)];
        if let Some((gap, len)) = second {
            let s = end + gap;
            if s < TEXT_LEN {
                fragments.push((s, (s + len).min(TEXT_LEN)));
            }
        }
        SpanSpec { layer, label, fragments }
    })
}

/// `span` with its start moved by `ds`, its end by `de` (kept valid), and maybe a new label.
fn shifted(span: &SpanSpec, ds: i64, de: i64, label: Option<usize>) -> SpanSpec {
    let mut out = span.clone();
    let (start, end) = out.fragments[0];
    out.fragments[0].0 = (start as i64 + ds).clamp(0, end as i64 - 1) as usize;
    let last = out.fragments.len() - 1;
    let (start, end) = out.fragments[last];
    out.fragments[last].1 = (end as i64 + de).clamp(start as i64 + 1, TEXT_LEN as i64) as usize;
    if let Some(label) = label {
        out.label = label;
    }
    out
}

fn arb_doc(density: Density) -> impl Strategy<Value = DocSpec> {
    let derived = (any::<Index>(), -2i64..=2, -2i64..=2, prop::option::of(0..LABELS.len()));
    let relations = || vec((any::<Index>(), any::<Index>()), 0..3);
    (
        vec(arb_span(density), 0..10),
        vec(any::<Index>(), 0..3),
        vec(arb_span(density), 0..6),
        vec(derived, 0..8),
        relations(),
        relations(),
    )
        .prop_map(|(mut gold, repeats, mut pred, derived, gold_relations, pred_relations)| {
            if !gold.is_empty() {
                for i in repeats {
                    let repeat = gold[i.index(gold.len())].clone();
                    gold.push(repeat);
                }
                for (i, ds, de, label) in derived {
                    pred.push(shifted(&gold[i.index(gold.len())], ds, de, label));
                }
            }
            DocSpec { gold, pred, gold_relations, pred_relations }
        })
}

fn arb_docs() -> impl Strategy<Value = Vec<DocSpec>> {
    vec(arb_doc(Density::Mixed), 1..5)
}

// ---------------------------------------------------------------------------------------------
// Building and scoring

fn annotations(prefix: &str, specs: &[SpanSpec], picks: &[(Index, Index)]) -> Annotations {
    let spans: Vec<Span> = specs
        .iter()
        .enumerate()
        .map(|(n, s)| {
            let fragments = s.fragments.iter().map(|&(a, b)| Fragment::new(a, b).expect("start < end")).collect();
            Span::new(format!("{prefix}{}", n + 1), LAYERS[s.layer], LABELS[s.label], fragments).expect("ordered")
        })
        .collect();
    let relations = if spans.is_empty() {
        Vec::new()
    } else {
        picks
            .iter()
            .enumerate()
            .map(|(n, (head, tail))| Relation {
                id: format!("R{}", n + 1),
                kind: "near".into(),
                head: spans[head.index(spans.len())].id().to_owned(),
                tail: spans[tail.index(spans.len())].id().to_owned(),
            })
            .collect()
    };
    Annotations { spans, relations, ..Annotations::default() }
}

fn build(spec: &DocSpec, id: &str) -> (AnnotatedDocument, Annotations) {
    let gold = annotations("T", &spec.gold, &spec.gold_relations);
    let pred = annotations("P", &spec.pred, &spec.pred_relations);
    (AnnotatedDocument { document: Document::new(id, text(), Meta::new()), annotations: gold }, pred)
}

fn build_all(specs: &[DocSpec]) -> Vec<(AnnotatedDocument, Annotations)> {
    specs.iter().enumerate().map(|(i, spec)| build(spec, &format!("doc-{i}"))).collect()
}

/// Every mode, every layer; `Quote` spans are quotations. Their speaker relation is one the
/// generator never makes: with several identical predicted quotations carrying different
/// speakers, which one pairs with the gold quotation (and so whether its speaker is right)
/// depends on their order.
fn options() -> Options {
    let attribution = Attribution {
        quotation_label: "Quote".into(),
        speaker_relation: "speaker".into(),
        cue_relation: None,
        mention_layer: None,
    };
    Options { attribution: Some(attribution), ..Options::new(MODES.to_vec()) }
}

fn score_all(docs: &[(AnnotatedDocument, Annotations)]) -> Tally {
    let options = options();
    let mut tally = Tally::default();
    for (gold, pred) in docs {
        score_document_into(gold, pred, &options, &mut tally);
    }
    tally
}

/// Every (name, counts) pair of a tally's micro and per-label span counts, in every mode.
fn span_counts(tally: &Tally) -> Vec<(String, Counts)> {
    let mut out = Vec::new();
    for layer in tally.layers() {
        for mode in MODES {
            out.push((format!("{layer} {mode} micro"), tally.micro(layer, mode)));
            for (label, c) in tally.labels(layer, mode) {
                out.push((format!("{layer} {mode} {label}"), *c));
            }
        }
    }
    out
}

fn check_unit_interval(what: &str, m: Prf) -> Result<(), TestCaseError> {
    for (name, x) in [("precision", m.precision), ("recall", m.recall), ("f1", m.f1)] {
        prop_assert!((0.0..=1.0).contains(&x), "{} {} = {} is not in [0, 1]", what, name, x);
    }
    Ok(())
}

fn shuffle<T>(items: &mut [T], rng: &mut SplitMix64) {
    for i in (1..items.len()).rev() {
        items.swap(i, rng.below(i + 1));
    }
}

// ---------------------------------------------------------------------------------------------
// Naive oracles

/// Code points a span covers.
fn covered(span: &Span) -> BTreeSet<usize> {
    span.fragments().iter().flat_map(|f| f.start()..f.end()).collect()
}

/// The documented canonical order (start, end, label), with the fragments between end and
/// label so that discontinuous spans with the same outer boundaries have an order too.
fn in_canonical_order<'a>(spans: &[&'a Span]) -> Vec<&'a Span> {
    let mut sorted = spans.to_vec();
    sorted.sort_by_key(|s| {
        let pieces: Vec<(usize, usize)> = s.fragments().iter().map(|f| (f.start(), f.end())).collect();
        (s.start(), s.end(), pieces, s.label().to_owned())
    });
    sorted
}

/// SemEval counts by the pairing rules at the top of `align.rs`, spelled out with no index,
/// no early exit and no shared helper: exact matches first, then overlaps.
fn naive_semeval(mode: Mode, gold: &[&Span], pred: &[&Span]) -> Counts {
    let (g, p) = (in_canonical_order(gold), in_canonical_order(pred));
    let with_label = matches!(mode, Mode::Strict | Mode::Type);
    let mut gold_taken = vec![false; g.len()];
    let mut partner: Vec<Option<usize>> = vec![None; p.len()];
    for (pi, ps) in p.iter().enumerate() {
        let exact = (0..g.len()).find(|&gi| {
            !gold_taken[gi] && g[gi].fragments() == ps.fragments() && (!with_label || g[gi].label() == ps.label())
        });
        if let Some(gi) = exact {
            gold_taken[gi] = true;
            partner[pi] = Some(gi);
        }
    }
    let gold_chars: Vec<BTreeSet<usize>> = g.iter().map(|s| covered(s)).collect();
    for (pi, ps) in p.iter().enumerate() {
        if partner[pi].is_some() {
            continue;
        }
        let chars = covered(ps);
        let free: Vec<usize> =
            (0..g.len()).filter(|&gi| !gold_taken[gi] && !gold_chars[gi].is_disjoint(&chars)).collect();
        let choice = if mode == Mode::Type {
            let distance = |gi: usize| g[gi].start().abs_diff(ps.start()) + g[gi].end().abs_diff(ps.end());
            // `min_by_key` keeps the first of equally close spans.
            free.iter()
                .copied()
                .filter(|&gi| g[gi].label() == ps.label())
                .min_by_key(|&gi| distance(gi))
                .or_else(|| free.iter().copied().find(|&gi| g[gi].label() != ps.label()))
        } else {
            free.first().copied()
        };
        if let Some(gi) = choice {
            gold_taken[gi] = true;
            partner[pi] = Some(gi);
        }
    }
    let mut c = Counts::default();
    for (pi, gi) in partner.iter().enumerate() {
        let Some(gi) = *gi else {
            c.spu += 1;
            continue;
        };
        let same_boundaries = g[gi].fragments() == p[pi].fragments();
        let same_label = g[gi].label() == p[pi].label();
        let correct = match mode {
            Mode::Strict => same_boundaries && same_label,
            Mode::Exact | Mode::Partial => same_boundaries,
            Mode::Type => same_label,
            other => panic!("{other} is not a SemEval mode"),
        };
        if correct {
            c.cor += 1;
        } else if mode == Mode::Partial {
            c.par += 1;
        } else {
            c.inc += 1;
        }
    }
    c.mis = gold_taken.iter().filter(|taken| !**taken).count() as u64;
    c
}

/// Token-mode counts per label: a token (maximal run of letters and digits) counts for a label
/// on a side when a span of that label on that side covers one of its characters.
fn naive_tokens(text: &str, gold: &[&Span], pred: &[&Span]) -> BTreeMap<String, Counts> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens: Vec<BTreeSet<usize>> = Vec::new();
    for (i, c) in chars.iter().enumerate() {
        if !c.is_alphanumeric() {
            continue;
        }
        if i == 0 || !chars[i - 1].is_alphanumeric() {
            tokens.push(BTreeSet::new());
        }
        tokens.last_mut().expect("pushed above").insert(i);
    }
    let labels: BTreeSet<&str> = gold.iter().chain(pred).map(|s| s.label()).collect();
    let cover = |spans: &[&Span]| spans.iter().map(|s| (s.label().to_owned(), covered(s))).collect::<Vec<_>>();
    let (gold, pred) = (cover(gold), cover(pred));
    let marked = |spans: &[(String, BTreeSet<usize>)], label: &str, token: &BTreeSet<usize>| {
        spans.iter().any(|(l, chars)| l == label && !chars.is_disjoint(token))
    };
    let mut out = BTreeMap::new();
    for label in labels {
        let mut c = Counts::default();
        for token in &tokens {
            match (marked(&gold, label, token), marked(&pred, label, token)) {
                (true, true) => c.cor += 1,
                (true, false) => c.mis += 1,
                (false, true) => c.spu += 1,
                (false, false) => {}
            }
        }
        out.insert(label.to_owned(), c);
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Properties

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn ratios_stay_in_unit_interval_and_are_never_nan(specs in arb_docs()) {
        let tally = score_all(&build_all(&specs));
        for (what, c) in span_counts(&tally) {
            check_unit_interval(&what, c.prf())?;
        }
        for (kind, mode, c) in tally.relations() {
            check_unit_interval(&format!("relation {kind} {mode}"), c.prf())?;
        }
        for (mode, q) in &tally.quotes {
            check_unit_interval(&format!("quotes {mode}"), q.end_to_end().prf())?;
            let accuracy = q.attribution_accuracy();
            prop_assert!((0.0..=1.0).contains(&accuracy), "quotes {} attribution accuracy = {}", mode, accuracy);
        }
    }

    #[test]
    fn ratios_of_any_counts_stay_in_unit_interval(
        cor in 0u64..1 << 40, inc in 0u64..1 << 40, par in 0u64..1 << 40, mis in 0u64..1 << 40, spu in 0u64..1 << 40,
    ) {
        let c = Counts { cor, inc, par, mis, spu };
        check_unit_interval(&format!("{c:?}"), c.prf())?;
    }

    #[test]
    fn perfect_prediction_scores_one_in_every_mode(spec in arb_doc(Density::Mixed)) {
        prop_assume!(!spec.gold.is_empty());
        let (gold, _) = build(&spec, "doc");
        let pred = gold.annotations.clone();
        let tally = score_document(&gold, &pred, &options());
        for layer in LAYERS {
            let spans = gold.annotations.layer(layer).count() as u64;
            for mode in MODES {
                let c = tally.micro(layer, mode);
                prop_assert_eq!((c.inc, c.par, c.mis, c.spu), (0, 0, 0, 0), "{} {}: {:?}", layer, mode, c);
                if mode != Mode::Tokens {
                    // A token mode count is a word, and a span may cover only punctuation.
                    prop_assert_eq!(c.cor, spans, "{} {}", layer, mode);
                }
                for (label, c) in tally.labels(layer, mode) {
                    let what = format!("{layer} {mode} {label}: {c:?}");
                    prop_assert_eq!((c.inc, c.par, c.mis, c.spu), (0, 0, 0, 0), "{}", what);
                    if mode != Mode::Tokens {
                        prop_assert!(c.cor > 0, "{}", what);
                    }
                }
            }
        }
        for (what, c) in span_counts(&tally) {
            if c.possible() > 0 {
                prop_assert_eq!(c.prf(), Prf { precision: 1.0, recall: 1.0, f1: 1.0 }, "{}: {:?}", what, c);
            }
        }
        for (kind, mode, c) in tally.relations() {
            let one = Prf { precision: 1.0, recall: 1.0, f1: 1.0 };
            prop_assert_eq!(c.prf(), one, "relation {} {}: {:?}", kind, mode, c);
        }
        for (mode, q) in &tally.quotes {
            prop_assert_eq!((q.matched, q.predicted), (q.gold, q.gold), "quotes {}", mode);
        }
    }

    #[test]
    fn empty_prediction_scores_zero_in_every_mode(spec in arb_doc(Density::Mixed)) {
        prop_assume!(!spec.gold.is_empty());
        let (gold, _) = build(&spec, "doc");
        let tally = score_document(&gold, &Annotations::default(), &options());
        for layer in LAYERS {
            let spans = gold.annotations.layer(layer).count() as u64;
            for mode in MODES {
                let c = tally.micro(layer, mode);
                prop_assert_eq!((c.cor, c.inc, c.par, c.spu), (0, 0, 0, 0), "{} {}: {:?}", layer, mode, c);
                if mode != Mode::Tokens {
                    prop_assert_eq!(c.mis, spans, "{} {}", layer, mode);
                }
            }
        }
        for (what, c) in span_counts(&tally) {
            let m = c.prf();
            prop_assert_eq!((m.precision, m.recall, m.f1), (0.0, 0.0, 0.0), "{}: {:?}", what, c);
        }
        for (kind, mode, c) in tally.relations() {
            prop_assert_eq!((c.cor, c.spu), (0, 0), "relation {} {}", kind, mode);
            prop_assert_eq!(c.prf().recall, 0.0, "relation {} {}", kind, mode);
        }
    }

    #[test]
    fn swapping_gold_and_predictions_swaps_precision_and_recall_in_strict_mode(specs in arb_docs()) {
        let docs = build_all(&specs);
        let swapped: Vec<(AnnotatedDocument, Annotations)> = docs
            .iter()
            .map(|(gold, pred)| {
                let doc = AnnotatedDocument { document: gold.document.clone(), annotations: pred.clone() };
                (doc, gold.annotations.clone())
            })
            .collect();
        let (forward, backward) = (score_all(&docs), score_all(&swapped));
        for layer in LAYERS {
            let strict = |t: &Tally, label: Option<&str>| match label {
                None => t.micro(layer, Mode::Strict),
                Some(label) => t.label(layer, Mode::Strict, label),
            };
            let mut pairs = vec![("micro", strict(&forward, None), strict(&backward, None))];
            for label in LABELS {
                pairs.push((label, strict(&forward, Some(label)), strict(&backward, Some(label))));
            }
            for (what, a, b) in pairs {
                let what = format!("{layer} {what}: {a:?}, swapped {b:?}");
                prop_assert_eq!((a.cor, a.inc, a.par, a.mis, a.spu), (b.cor, b.inc, 0, b.spu, b.mis), "{}", what);
                let (pa, pb) = (a.prf(), b.prf());
                prop_assert_eq!((pa.precision, pa.recall, pa.f1), (pb.recall, pb.precision, pb.f1), "{}", what);
            }
        }
    }

    #[test]
    fn order_of_spans_and_documents_changes_no_count(specs in arb_docs(), seed in any::<u64>()) {
        let docs = build_all(&specs);
        let mut rng = SplitMix64::new(seed);
        let mut shuffled = docs.clone();
        for (gold, pred) in &mut shuffled {
            shuffle(&mut gold.annotations.spans, &mut rng);
            shuffle(&mut gold.annotations.relations, &mut rng);
            shuffle(&mut pred.spans, &mut rng);
            shuffle(&mut pred.relations, &mut rng);
        }
        shuffle(&mut shuffled, &mut rng);
        prop_assert_eq!(score_all(&shuffled), score_all(&docs));
    }

    #[test]
    fn counts_summed_over_shards_equal_the_whole(
        specs in vec(arb_doc(Density::Mixed), 1..8),
        cuts in vec(any::<Index>(), 0..4),
    ) {
        let docs = build_all(&specs);
        let mut bounds: Vec<usize> = cuts.iter().map(|c| c.index(docs.len() + 1)).collect();
        bounds.extend([0, docs.len()]);
        bounds.sort_unstable();
        let shards: Vec<Tally> = bounds.windows(2).map(|w| score_all(&docs[w[0]..w[1]])).collect();
        let whole = score_all(&docs);
        let mut merged = Tally::default();
        for shard in &shards {
            merged += shard;
        }
        prop_assert_eq!(&merged, &whole);
        let mut reversed = Tally::default();
        for shard in shards.iter().rev() {
            reversed += shard;
        }
        prop_assert_eq!(&reversed, &whole);
    }
}

proptest! {
    // One small document a case, so many cases are cheap.
    #![proptest_config(ProptestConfig::with_cases(1024))]

    #[test]
    fn semeval_matcher_equals_naive_oracle(spec in prop_oneof![arb_doc(Density::Crowded), arb_doc(Density::Mixed)]) {
        let (gold, pred) = build(&spec, "doc");
        let tally = score_document(&gold, &pred, &Options::new(SEMEVAL.to_vec()));
        for layer in LAYERS {
            let g: Vec<&Span> = gold.annotations.layer(layer).collect();
            let p: Vec<&Span> = pred.layer(layer).collect();
            for mode in SEMEVAL {
                prop_assert_eq!(tally.micro(layer, mode), naive_semeval(mode, &g, &p), "{} {} micro", layer, mode);
                for label in LABELS {
                    let gl: Vec<&Span> = g.iter().copied().filter(|s| s.label() == label).collect();
                    let pl: Vec<&Span> = p.iter().copied().filter(|s| s.label() == label).collect();
                    let expected = naive_semeval(mode, &gl, &pl);
                    prop_assert_eq!(tally.label(layer, mode, label), expected, "{} {} {}", layer, mode, label);
                }
            }
        }
    }

    #[test]
    fn token_counts_equal_naive_oracle(spec in prop_oneof![arb_doc(Density::Crowded), arb_doc(Density::Mixed)]) {
        let (gold, pred) = build(&spec, "doc");
        let tally = score_document(&gold, &pred, &Options::new(vec![Mode::Tokens]));
        for layer in LAYERS {
            let g: Vec<&Span> = gold.annotations.layer(layer).collect();
            let p: Vec<&Span> = pred.layer(layer).collect();
            let expected = naive_tokens(gold.document.text(), &g, &p);
            let mut micro = Counts::default();
            for (label, c) in &expected {
                prop_assert_eq!(tally.label(layer, Mode::Tokens, label), *c, "{} {}", layer, label);
                micro += *c;
            }
            prop_assert_eq!(tally.micro(layer, Mode::Tokens), micro, "{} micro", layer);
        }
    }
}

/// Many spans crowded into a short text: groups of one label large enough for the matcher's
/// closest-boundaries tree, exact duplicates, nested and chained overlaps, and in a third of
/// the cases a few discontinuous spans (which the tree leaves to a scan).
fn crowded_spans(prefix: &'static str) -> impl Strategy<Value = Vec<Span>> {
    let gaps = prop_oneof![Just(1e-9), Just(1e-9), Just(0.03)];
    // Moderately crowded (a prediction overlaps a few dozen gold spans) or packed (over a
    // hundred: the matcher then searches type mode's closest span in a tree).
    let layout = prop_oneof![Just((80usize, 1usize..30, 200usize)), Just((30, 10..40, 400))];
    let spans = (gaps, layout).prop_flat_map(|(rate, (width, lengths, most))| {
        let span = (0..width, lengths, 0usize..2, prop::option::weighted(rate, (1usize..5, 1usize..10)));
        prop::collection::vec(span, 0..most)
    });
    spans.prop_map(move |raw| {
        raw.into_iter()
            .enumerate()
            .filter_map(|(i, (start, len, label, gap))| {
                let label = ["PERSON", "ORG"][label];
                let id = format!("{prefix}{i}");
                match gap {
                    None => Span::contiguous(id, "entities", label, start, start + len),
                    Some((gap, second)) => {
                        let f = |s, e| goldspan_model::Fragment::new(s, e);
                        let fragments = vec![f(start, start + len)?, f(start + len + gap, start + len + gap + second)?];
                        Span::new(id, "entities", label, fragments).ok()
                    }
                }
            })
            .collect()
    })
}

/// Overlap-θ alignment by its rule, spelled out: every same-label pair with character IoU ≥ θ,
/// taken greedily by IoU (highest first), then gold and prediction in canonical order.
fn naive_by_iou(gold: &[&Span], pred: &[&Span], threshold: f64) -> Counts {
    let (g, p) = (in_canonical_order(gold), in_canonical_order(pred));
    let (gc, pc): (Vec<BTreeSet<usize>>, Vec<BTreeSet<usize>>) =
        (g.iter().map(|s| covered(s)).collect(), p.iter().map(|s| covered(s)).collect());
    let mut candidates = Vec::new();
    for (gi, gs) in g.iter().enumerate() {
        for (pi, ps) in p.iter().enumerate() {
            let (a, b) = (&gc[gi], &pc[pi]);
            let shared = a.intersection(b).count();
            let iou = shared as f64 / (a.len() + b.len() - shared) as f64;
            if gs.label() == ps.label() && shared > 0 && iou >= threshold {
                candidates.push((iou, gi, pi));
            }
        }
    }
    candidates.sort_by(|x, y| y.0.total_cmp(&x.0).then(x.1.cmp(&y.1)).then(x.2.cmp(&y.2)));
    let (mut gold_taken, mut pred_taken) = (vec![false; g.len()], vec![false; p.len()]);
    let mut c = Counts::default();
    for (_, gi, pi) in candidates {
        if !gold_taken[gi] && !pred_taken[pi] {
            gold_taken[gi] = true;
            pred_taken[pi] = true;
            c.cor += 1;
        }
    }
    c.mis = g.len() as u64 - c.cor;
    c.spu = p.len() as u64 - c.cor;
    c
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn matchers_equal_naive_oracles_on_crowded_documents(gold in crowded_spans("G"), pred in crowded_spans("P")) {
        let text = "x".repeat(200);
        let doc = AnnotatedDocument {
            document: goldspan_model::Document::new("d", text, goldspan_model::Meta::new()),
            annotations: Annotations { spans: gold, ..Annotations::default() },
        };
        let pred = Annotations { spans: pred, ..Annotations::default() };
        let modes: Vec<Mode> = SEMEVAL.iter().copied().chain(["overlap:0.5", "overlap:0.8"].map(|m| m.parse().expect("mode"))).collect();
        let tally = score_document(&doc, &pred, &Options::new(modes.clone()));
        let g: Vec<&Span> = doc.annotations.spans.iter().collect();
        let p: Vec<&Span> = pred.spans.iter().collect();
        for mode in modes {
            let expected = match mode.threshold() {
                Some(theta) => naive_by_iou(&g, &p, theta),
                None => naive_semeval(mode, &g, &p),
            };
            prop_assert_eq!(tally.micro("entities", mode), expected, "{} micro", mode);
        }
    }
}
