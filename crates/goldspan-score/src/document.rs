//! Scores one document: counts per layer, mode and label; relations; quote attribution.
//!
//! The result is a [`Tally`] of plain counts, so documents score independently (in parallel,
//! in shards) and add up exactly.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::ops::AddAssign;

use goldspan_model::{AnnotatedDocument, Annotations, Span};

use crate::align::{self, Alignment};
use crate::counts::Counts;
use crate::mode::Mode;

/// The label of direct quotations, and the relation naming their speaker.
pub const QUOTE: &str = "Quote";
/// The relation from a Quote to its Source.
pub const SPEAKER: &str = "speaker";

/// Quote attribution counts under one mode.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct QuoteCounts {
    /// Gold quotations.
    pub gold: u64,
    /// Predicted quotations.
    pub predicted: u64,
    /// Gold quotations found by a prediction under the mode.
    pub matched: u64,
    /// Matched quotations whose predicted speaker is right.
    pub speaker_right: u64,
}

impl QuoteCounts {
    /// End-to-end quotation + speaker counts: correct only when found with the right speaker.
    pub fn end_to_end(&self) -> Counts {
        Counts {
            cor: self.speaker_right,
            mis: self.gold - self.speaker_right,
            spu: self.predicted - self.speaker_right,
            ..Counts::default()
        }
    }

    /// Attribution accuracy over matched quotations (0 when none matched).
    pub fn attribution_accuracy(&self) -> f64 {
        crate::counts::ratio(self.speaker_right as f64, self.matched as f64)
    }
}

impl AddAssign for QuoteCounts {
    fn add_assign(&mut self, o: QuoteCounts) {
        self.gold += o.gold;
        self.predicted += o.predicted;
        self.matched += o.matched;
        self.speaker_right += o.speaker_right;
    }
}

/// Counts of one or many documents; adds up exactly.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tally {
    /// Documents counted.
    pub documents: u64,
    /// Span counts per (layer, mode, label).
    pub spans: BTreeMap<(String, Mode, String), Counts>,
    /// Relation counts per (relation type, mode).
    pub relations: BTreeMap<(String, Mode), Counts>,
    /// Quote attribution per mode.
    pub quotes: BTreeMap<Mode, QuoteCounts>,
}

impl AddAssign<&Tally> for Tally {
    fn add_assign(&mut self, o: &Tally) {
        self.documents += o.documents;
        for (k, v) in &o.spans {
            *self.spans.entry(k.clone()).or_default() += *v;
        }
        for (k, v) in &o.relations {
            *self.relations.entry(k.clone()).or_default() += *v;
        }
        for (k, v) in &o.quotes {
            *self.quotes.entry(*k).or_default() += *v;
        }
    }
}

impl Tally {
    /// Micro counts of a layer under a mode: summed over labels.
    pub fn micro(&self, layer: &str, mode: Mode) -> Counts {
        let mut total = Counts::default();
        for ((l, m, _), c) in &self.spans {
            if l == layer && *m == mode {
                total += *c;
            }
        }
        total
    }

    /// Layers with counts.
    pub fn layers(&self) -> BTreeSet<&str> {
        self.spans.keys().map(|(l, _, _)| l.as_str()).collect()
    }
}

/// What to score.
#[derive(Debug, Clone)]
pub struct Options {
    /// Matching modes.
    pub modes: Vec<Mode>,
    /// Layers to score; `None` scores every layer found in gold or predictions.
    pub layers: Option<BTreeSet<String>>,
}

/// Scores `pred` against `gold` for one document.
pub fn score_document(gold: &AnnotatedDocument, pred: &Annotations, options: &Options) -> Tally {
    let mut tally = Tally { documents: 1, ..Tally::default() };
    let layers: BTreeSet<&str> = match &options.layers {
        Some(l) => l.iter().map(String::as_str).collect(),
        None => gold.annotations.spans.iter().chain(&pred.spans).map(Span::layer).collect(),
    };
    let tokens = options.modes.contains(&Mode::Tokens).then(|| word_tokens(gold.document.text()));
    for layer in layers {
        let g: Vec<&Span> = gold.annotations.layer(layer).collect();
        let p: Vec<&Span> = pred.layer(layer).collect();
        let semeval = options
            .modes
            .iter()
            .any(|m| matches!(m, Mode::Strict | Mode::Exact | Mode::Partial | Mode::Type))
            .then(|| align::semeval(&g, &p));
        for &mode in &options.modes {
            let mut add = |label: &str, c: Counts| {
                *tally.spans.entry((layer.to_owned(), mode, label.to_owned())).or_default() += c;
            };
            match mode {
                Mode::Overlap { .. } => {
                    let a = align::by_iou(&g, &p, mode.threshold().unwrap_or(1.0));
                    for (gi, _, _) in &a.pairs {
                        add(g[*gi].label(), Counts { cor: 1, ..Counts::default() });
                    }
                    count_unmatched(&a, &g, &p, &mut add);
                }
                Mode::Tokens => {
                    for (label, c) in token_counts(tokens.as_deref().unwrap_or_default(), &g, &p) {
                        add(label, c);
                    }
                }
                _ => {
                    let Some(a) = &semeval else { continue };
                    for &(gi, _, pairing) in &a.pairs {
                        let c = match (mode, pairing.same_boundaries, pairing.same_label) {
                            (Mode::Strict, true, true)
                            | (Mode::Exact, true, _)
                            | (Mode::Partial, true, _)
                            | (Mode::Type, _, true) => Counts { cor: 1, ..Counts::default() },
                            (Mode::Partial, false, _) => Counts { par: 1, ..Counts::default() },
                            _ => Counts { inc: 1, ..Counts::default() },
                        };
                        add(g[gi].label(), c);
                    }
                    count_unmatched(a, &g, &p, &mut add);
                }
            }
        }
    }
    for &mode in &options.modes {
        score_relations(&gold.annotations, pred, mode, &mut tally);
        if let Some(q) = score_quotes(gold, pred, mode) {
            tally.quotes.insert(mode, q);
        }
    }
    tally
}

fn count_unmatched(a: &Alignment, g: &[&Span], p: &[&Span], add: &mut impl FnMut(&str, Counts)) {
    for &gi in &a.missed {
        add(g[gi].label(), Counts { mis: 1, ..Counts::default() });
    }
    for &pi in &a.spurious {
        add(p[pi].label(), Counts { spu: 1, ..Counts::default() });
    }
}

/// Word tokens of a text, as code-point ranges: maximal runs of letters and digits.
pub fn word_tokens(text: &str) -> Vec<(usize, usize)> {
    let mut tokens = Vec::new();
    let mut start = None;
    let mut n = 0;
    for (i, c) in text.chars().enumerate() {
        match (c.is_alphanumeric(), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                tokens.push((s, i));
                start = None;
            }
            _ => {}
        }
        n = i + 1;
    }
    if let Some(s) = start {
        tokens.push((s, n));
    }
    tokens
}

/// Token-level counts per label: a token counts for a label when a span of that label overlaps it.
fn token_counts<'a>(tokens: &[(usize, usize)], g: &[&'a Span], p: &[&'a Span]) -> BTreeMap<&'a str, Counts> {
    let mut marks: BTreeMap<&str, Vec<u8>> = BTreeMap::new();
    for (bit, spans) in [(1u8, g), (2u8, p)] {
        for span in spans {
            let flags = marks.entry(span.label()).or_insert_with(|| vec![0; tokens.len()]);
            for f in span.fragments() {
                let first = tokens.partition_point(|&(_, e)| e <= f.start());
                for (i, &(s, _)) in tokens.iter().enumerate().skip(first) {
                    if s >= f.end() {
                        break;
                    }
                    flags[i] |= bit;
                }
            }
        }
    }
    marks
        .into_iter()
        .map(|(label, flags)| {
            let mut c = Counts::default();
            for f in flags {
                match f {
                    3 => c.cor += 1,
                    1 => c.mis += 1,
                    2 => c.spu += 1,
                    _ => {}
                }
            }
            (label, c)
        })
        .collect()
}

fn score_relations(gold: &Annotations, pred: &Annotations, mode: Mode, tally: &mut Tally) {
    let gold_spans: HashMap<&str, &Span> = gold.spans.iter().map(|s| (s.id(), s)).collect();
    let pred_spans: HashMap<&str, &Span> = pred.spans.iter().map(|s| (s.id(), s)).collect();
    let kinds: BTreeSet<&str> = gold.relations.iter().chain(&pred.relations).map(|r| r.kind.as_str()).collect();
    for kind in kinds {
        let g = resolve_relations(&gold.relations, &gold_spans, kind);
        let p = resolve_relations(&pred.relations, &pred_spans, kind);
        let mut used = vec![false; g.len()];
        let mut c = Counts::default();
        for (ph, pt) in &p {
            match (0..g.len())
                .find(|&i| !used[i] && mode.spans_match(g[i].0, ph, true) && mode.spans_match(g[i].1, pt, true))
            {
                Some(i) => {
                    used[i] = true;
                    c.cor += 1;
                }
                None => c.spu += 1,
            }
        }
        c.mis = used.iter().filter(|u| !**u).count() as u64;
        *tally.relations.entry((kind.to_owned(), mode)).or_default() += c;
    }
}

/// The (head, tail) spans of the relations of one type, in canonical order.
fn resolve_relations<'a>(
    rels: &[goldspan_model::Relation],
    spans: &HashMap<&str, &'a Span>,
    kind: &str,
) -> Vec<(&'a Span, &'a Span)> {
    let mut v: Vec<(&Span, &Span)> = rels
        .iter()
        .filter(|r| r.kind == kind)
        .filter_map(|r| Some((*spans.get(r.head.as_str())?, *spans.get(r.tail.as_str())?)))
        .collect();
    v.sort_by(|a, b| align::canonical(a.0, b.0).then_with(|| align::canonical(a.1, b.1)));
    v
}

/// The Source span a quotation's speaker relation points to.
fn speaker_of<'a>(ann: &'a Annotations, quote: &str) -> Option<&'a Span> {
    ann.relations.iter().find(|r| r.kind == SPEAKER && r.head == quote).and_then(|r| ann.span(&r.tail))
}

/// Folds case and whitespace, for comparing a speaker's text with the mentions of a cluster.
pub fn fold(text: &str) -> String {
    text.split_whitespace().map(str::to_lowercase).collect::<Vec<_>>().join(" ")
}

fn score_quotes(gold: &AnnotatedDocument, pred: &Annotations, mode: Mode) -> Option<QuoteCounts> {
    let gq: Vec<&Span> = gold.annotations.spans.iter().filter(|s| s.label() == QUOTE).collect();
    let pq: Vec<&Span> = pred.spans.iter().filter(|s| s.label() == QUOTE).collect();
    if gq.is_empty() && pq.is_empty() {
        return None;
    }
    let alignment = match mode {
        Mode::Overlap { .. } => align::by_iou(&gq, &pq, mode.threshold().unwrap_or(1.0)),
        _ => align::semeval(&gq, &pq),
    };
    let found = |same_boundaries: bool| match mode {
        Mode::Strict | Mode::Exact => same_boundaries,
        _ => true,
    };
    let text_of =
        |doc: &AnnotatedDocument, s: &Span| fold(&doc.document.covered_text(s.fragments()).unwrap_or_default());
    let mut q = QuoteCounts { gold: gq.len() as u64, predicted: pq.len() as u64, ..QuoteCounts::default() };
    for &(gi, pi, pairing) in &alignment.pairs {
        if !found(pairing.same_boundaries) {
            continue;
        }
        q.matched += 1;
        let (Some(gold_speaker), Some(pred_speaker)) =
            (speaker_of(&gold.annotations, gq[gi].id()), speaker_of(pred, pq[pi].id()))
        else {
            continue;
        };
        let cluster: Vec<&Span> = gold
            .annotations
            .clusters
            .iter()
            .find(|c| c.iter().any(|m| m == gold_speaker.id()))
            .map(|c| c.iter().filter_map(|m| gold.annotations.span(m)).collect())
            .unwrap_or_else(|| vec![gold_speaker]);
        let pred_text = fold(&gold.document.covered_text(pred_speaker.fragments()).unwrap_or_default());
        let right = cluster.iter().any(|m| mode.spans_match(m, pred_speaker, false) || text_of(gold, m) == pred_text);
        if right {
            q.speaker_right += 1;
        }
    }
    Some(q)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn word_tokens_are_letter_and_digit_runs() {
        assert_eq!(word_tokens("Zoë said: “3 wins”."), vec![(0, 3), (4, 8), (11, 12), (13, 17)]);
        assert_eq!(word_tokens(""), vec![]);
    }

    #[test]
    fn fold_ignores_case_and_spacing() {
        assert_eq!(fold("  Ms\n TRUSS "), "ms truss");
    }
}
