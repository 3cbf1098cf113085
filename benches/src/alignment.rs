//! The inputs of the alignment benchmarks, shared by the criterion bench
//! (`benches/alignment.rs`) and the one-shot example that instruction counts are taken from
//! (`examples/align_once.rs`): one document of n gold spans and as many predictions, laid out
//! three ways.
//!
//! - `disjoint`: spans of 5–24 characters that never overlap, as in ordinary NER.
//! - `chained`: a span every 6 characters, 8–40 long, so each overlaps its next few neighbours
//!   (nested mentions, overlapping quotation guesses).
//! - `dense` (the documented worst case): every span overlaps every other, so a prediction can
//!   pair with any of n gold spans.
//!
//! Predictions are the gold spans moved by up to 3 characters at each end, a fifth relabelled,
//! deterministically (SplitMix64, seed 7).

use goldspan_model::Span;
use goldspan_score::align::{self, Scratch};
use goldspan_score::bootstrap::SplitMix64;
use goldspan_score::Mode;

const LABELS: [&str; 3] = ["PERSON", "ORG", "GPE"];

/// The gold spans and predictions of layout `name` with `n` of each.
pub fn layout(name: &str, n: usize) -> (Vec<Span>, Vec<Span>) {
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

/// Aligns sorted `gold` and `pred` once in `mode` (`overlap:θ` by IoU at 0.5, the others by
/// the SemEval counts): (paired, missed, spurious).
pub fn align_once(mode: Mode, gold: &[&Span], pred: &[&Span]) -> (u64, u64, u64) {
    match mode {
        Mode::Overlap { .. } => {
            let a = align::by_iou(gold, pred, 0.5);
            (a.pairs.len() as u64, a.missed.len() as u64, a.spurious.len() as u64)
        }
        _ => {
            let c = align::semeval_counts(mode, gold, pred, &mut Scratch::default());
            (c.cor + c.inc + c.par, c.mis, c.spu)
        }
    }
}
