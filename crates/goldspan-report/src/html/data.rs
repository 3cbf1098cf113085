//! The data an HTML report embeds: the results as they are, and every document compactly —
//! its text, its gold spans and each system's predictions as flat arrays of numbers into
//! shared tables of labels and relation types — for the page to draw on demand.
//!
//! How predictions pair with gold is decided here, by goldspan-score's strict alignment (the
//! one `--errors` classifies with), and written down as the pairing: a prediction with the
//! same fragments and label as the gold span it is paired with is stored as that gold span's
//! index alone (most predictions, in a good system); every other prediction is stored whole
//! with the index of the gold span it is paired with, or -1. The page derives each span's
//! class from that pairing by the definitions of docs/metrics.md, so it never aligns anything
//! itself. docs/report.md describes the format.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use goldspan_model::{AnnotatedDocument, Annotations, Attribution, Span};
use goldspan_runner::results::{ErrorRecord, ErrorSide, PairedF1, Results};
use goldspan_score::align;
use goldspan_score::Mode;
use serde::Serialize;

/// The classes of span-level errors, in the order the page's class codes use.
pub(crate) const CLASSES: [&str; 6] = ["correct", "boundary", "label", "boundary+label", "missed", "spurious"];

/// Error kinds the page shows from its own attribution outcomes (speaker and cue of each
/// paired quotation, by the scorer's rule), not again from the error listing.
const ATTRIBUTION_KINDS: [&str; 2] = ["speaker", "cue"];

/// What attribution of a quotation the page can show, in the order of its codes.
pub(crate) const ATTRIBUTION: [&str; 4] = ["right", "wrong", "missing", "extra"];

/// Everything but the documents.
#[derive(Debug, Serialize)]
pub(crate) struct Head<'a> {
    /// The format of this data, for the page's script.
    pub format: u32,
    /// The results shown in the overview (the system under test, `--pred`).
    pub results: &'a Results,
    /// The paired comparison with the baseline (`--against`): micro precision, recall and F1
    /// per layer and mode, with intervals and p-values.
    pub comparison: Option<&'a [PairedF1]>,
    /// The systems' names: the system under test, then the baseline.
    pub systems: Vec<String>,
    /// (layer, label) of every label code.
    pub labels: Vec<(String, String)>,
    /// Relation type of every relation code.
    pub relations: Vec<String>,
    /// Metadata field of every position in a document's `m`.
    pub meta: Vec<String>,
    /// The span classes, by code.
    pub classes: [&'static str; 6],
    /// The attribution outcomes, by code.
    pub attribution_codes: [&'static str; 4],
    /// The corpus's quotation vocabulary, when it names one.
    pub attribution: Option<AttributionNames>,
    /// Error kinds the results list that are not span classes (from `--errors`), by code.
    pub other_kinds: Vec<String>,
    /// How many documents were scored, and how many the report holds.
    pub documents: DocumentCount,
}

/// The names of the quotation label and its relations.
#[derive(Debug, Serialize)]
pub(crate) struct AttributionNames {
    /// The quotation label.
    pub quotation: String,
    /// The speaker relation type.
    pub speaker: String,
    /// The cue relation type, if the corpus annotates cues.
    pub cue: Option<String>,
}

/// Documents scored and shown.
#[derive(Debug, Serialize)]
pub(crate) struct DocumentCount {
    /// Documents scored.
    pub scored: usize,
    /// Documents embedded in the report.
    pub shown: usize,
    /// Why fewer are shown, when they are.
    pub limited: Option<String>,
}

/// One document, compactly. Spans are in canonical order (start, end, label); each is three
/// numbers in `g` or a system's `p`: its label code, its start minus the previous span's start
/// in the same list, and its length; `gx`/`px` hold the fragments of the few spans made of
/// several (`[index, start, end, start, end, ...]`).
#[derive(Debug, Serialize)]
pub(crate) struct Doc<'a> {
    /// Id.
    pub id: &'a str,
    /// Text.
    pub t: &'a str,
    /// Metadata values in the order of the head's `meta`, null where absent.
    pub m: Vec<Option<&'a str>>,
    /// Gold spans.
    pub g: Vec<i64>,
    /// Gold spans of several fragments.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub gx: Vec<Vec<usize>>,
    /// Gold relations: type code, head and tail span indices.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub gr: Vec<usize>,
    /// Each system's predictions.
    pub s: Vec<SystemDoc>,
    /// Errors the results list that are not span classes (`--errors`): `[kind code, gold
    /// start, gold end, predicted start, predicted end]`, -1 for a missing side.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub o: Vec<[i64; 5]>,
}

/// One system's predictions for one document.
#[derive(Debug, Default, Serialize)]
pub(crate) struct SystemDoc {
    /// Gold span indices predicted exactly (same fragments and label) and paired so: these
    /// predictions come first, in this order.
    pub c: Vec<usize>,
    /// The other predictions, as in `g`.
    pub p: Vec<i64>,
    /// Their fragments when several.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub px: Vec<Vec<usize>>,
    /// For each of `p`, the gold span it is paired with, or -1 (spurious).
    pub k: Vec<i64>,
    /// Relations: type code, head and tail indices among the predictions (`c` then `p`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub r: Vec<usize>,
    /// Quotation attribution of each quotation paired with a gold one: gold quotation,
    /// predicted quotation, speaker outcome, cue outcome (codes of `attribution_codes`, -1
    /// when neither side has one).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub a: Vec<[i64; 4]>,
    /// Spans per class, in the order of `classes`.
    pub n: [usize; 6],
}

/// The shared tables documents are coded against.
#[derive(Debug, Default)]
pub(crate) struct Tables {
    labels: BTreeMap<(String, String), usize>,
    relations: BTreeMap<String, usize>,
    meta: BTreeMap<String, usize>,
    other_kinds: BTreeMap<String, usize>,
}

impl Tables {
    /// The tables of every label, relation type and metadata field of `documents` (and the
    /// error kinds of `errors`), in sorted order so the codes do not depend on document order.
    pub(crate) fn of(systems: &[&[(AnnotatedDocument, Annotations)]], errors: &[ErrorRecord], keep: &Keep) -> Tables {
        let mut labels = BTreeSet::new();
        let mut relations = BTreeSet::new();
        let mut meta = BTreeSet::new();
        for docs in systems {
            for (gold, pred) in docs.iter() {
                for s in gold.annotations.spans.iter().chain(&pred.spans).filter(|s| keep.layer(s.layer())) {
                    if !labels.contains(&(s.layer(), s.label())) {
                        labels.insert((s.layer(), s.label()));
                    }
                }
                for r in gold.annotations.relations.iter().chain(&pred.relations) {
                    relations.insert(r.kind.as_str());
                }
                meta.extend(gold.document.meta().keys().map(String::as_str));
            }
        }
        if keep.splits.is_some() {
            meta.insert("split");
        }
        let mut t = Tables::default();
        for (i, (layer, label)) in labels.into_iter().enumerate() {
            t.labels.insert((layer.to_owned(), label.to_owned()), i);
        }
        t.relations = relations.into_iter().enumerate().map(|(i, r)| (r.to_owned(), i)).collect();
        t.meta = meta.into_iter().enumerate().map(|(i, m)| (m.to_owned(), i)).collect();
        let kinds: BTreeSet<&str> = errors
            .iter()
            .map(|e| e.kind.as_str())
            .filter(|k| !CLASSES.contains(k) && !ATTRIBUTION_KINDS.contains(k))
            .collect();
        t.other_kinds = kinds.into_iter().enumerate().map(|(i, k)| (k.to_owned(), i)).collect();
        t
    }

    fn label(&self, s: &Span) -> i64 {
        self.labels.get(&(s.layer().to_owned(), s.label().to_owned())).map_or(-1, |&i| i as i64)
    }

    /// The tables as the head lists them.
    pub(crate) fn lists(&self) -> Lists {
        let ordered = |m: &BTreeMap<String, usize>| {
            let mut v: Vec<(&String, &usize)> = m.iter().collect();
            v.sort_by_key(|(_, i)| **i);
            v.into_iter().map(|(k, _)| k.clone()).collect::<Vec<_>>()
        };
        let mut labels: Vec<(&(String, String), &usize)> = self.labels.iter().collect();
        labels.sort_by_key(|(_, i)| **i);
        Lists {
            labels: labels.into_iter().map(|(k, _)| k.clone()).collect(),
            relations: ordered(&self.relations),
            meta: ordered(&self.meta),
            other_kinds: ordered(&self.other_kinds),
        }
    }
}

/// The tables as lists, each entry at its code.
#[derive(Debug)]
pub(crate) struct Lists {
    /// (layer, label) pairs.
    pub labels: Vec<(String, String)>,
    /// Relation types.
    pub relations: Vec<String>,
    /// Metadata fields.
    pub meta: Vec<String>,
    /// Error kinds beyond the span classes.
    pub other_kinds: Vec<String>,
}

/// Which spans a report keeps: those of the layers scored, and where each document's split is.
#[derive(Debug, Default)]
pub(crate) struct Keep {
    /// Layers scored; empty keeps every layer.
    pub layers: BTreeSet<String>,
    /// Document id → split, shown as the metadata field `split` when the documents carry none.
    pub splits: Option<BTreeMap<String, String>>,
}

impl Keep {
    fn layer(&self, layer: &str) -> bool {
        self.layers.is_empty() || self.layers.contains(layer)
    }
}

/// The kept spans of `a` in canonical order.
fn sorted<'a>(a: &'a Annotations, keep: &Keep) -> Vec<&'a Span> {
    let mut spans: Vec<&Span> = a.spans.iter().filter(|s| keep.layer(s.layer())).collect();
    spans.sort_by(|x, y| align::canonical(x, y));
    spans
}

/// Appends spans as (label code, start delta, length) triples, and the fragments of those made
/// of several.
fn encode_spans<'a>(
    spans: impl Iterator<Item = &'a Span>,
    tables: &Tables,
    out: &mut Vec<i64>,
    x: &mut Vec<Vec<usize>>,
) {
    let mut previous = 0i64;
    for (i, s) in spans.enumerate() {
        let start = s.start() as i64;
        out.extend([tables.label(s), start - previous, (s.end() - s.start()) as i64]);
        previous = start;
        if s.fragments().len() > 1 {
            let mut row = vec![i];
            for f in s.fragments() {
                row.extend([f.start(), f.end()]);
            }
            x.push(row);
        }
    }
}

/// The span at the end of the relation `kind` from the span with id `head`: the first in
/// canonical order when several (as scoring takes it).
fn target<'a>(a: &'a Annotations, head: &str, kind: &str) -> Option<&'a Span> {
    a.relations
        .iter()
        .filter(|r| r.kind == kind && r.head == head)
        .filter_map(|r| a.span(&r.tail))
        .min_by(|x, y| align::canonical(x, y))
}

/// The outcome code of one attribution (speaker or cue): -1 when neither side has one.
fn outcome(gold: Option<&Span>, pred: Option<&Span>, right: impl Fn(&Span, &Span) -> bool) -> i64 {
    match (gold, pred) {
        (Some(g), Some(p)) if right(g, p) => 0,
        (Some(_), Some(_)) => 1,
        (Some(_), None) => 2,
        (None, Some(_)) => 3,
        (None, None) => -1,
    }
}

/// Codes one system's predictions for a document whose kept gold spans are `g`.
fn encode_system(
    gold: &AnnotatedDocument,
    g: &[&Span],
    pred: &Annotations,
    tables: &Tables,
    keep: &Keep,
    attribution: Option<&Attribution>,
) -> SystemDoc {
    let p = sorted(pred, keep);
    // Strict alignment layer by layer, as --errors classifies.
    let mut gold_pair: Vec<Option<usize>> = vec![None; g.len()];
    let mut pred_pair: Vec<Option<usize>> = vec![None; p.len()];
    let layers: BTreeSet<&str> = g.iter().chain(&p).map(|s| s.layer()).collect();
    for layer in layers {
        let gi: Vec<usize> = (0..g.len()).filter(|&i| g[i].layer() == layer).collect();
        let pi: Vec<usize> = (0..p.len()).filter(|&i| p[i].layer() == layer).collect();
        let gl: Vec<&Span> = gi.iter().map(|&i| g[i]).collect();
        let pl: Vec<&Span> = pi.iter().map(|&i| p[i]).collect();
        for (a, b, _) in align::semeval(Mode::Strict, &gl, &pl).pairs {
            gold_pair[gi[a]] = Some(pi[b]);
            pred_pair[pi[b]] = Some(gi[a]);
        }
    }
    let exact = |pi: usize| pred_pair[pi].is_some_and(|gi| g[gi].same_fragments(p[pi]) && g[gi].same_label(p[pi]));
    let mut out = SystemDoc::default();
    // The predictions in stored order: the exact ones by their gold span's order, then the rest.
    let mut order: Vec<usize> = (0..p.len()).filter(|&i| exact(i)).collect();
    order.sort_by_key(|&i| pred_pair[i]);
    out.c = order.iter().filter_map(|&i| pred_pair[i]).collect();
    let rest: Vec<usize> = (0..p.len()).filter(|&i| !exact(i)).collect();
    encode_spans(rest.iter().map(|&i| p[i]), tables, &mut out.p, &mut out.px);
    for x in &mut out.px {
        x[0] += out.c.len();
    }
    out.k = rest.iter().map(|&i| pred_pair[i].map_or(-1, |gi| gi as i64)).collect();
    order.extend(&rest);
    let mut stored: Vec<usize> = vec![0; p.len()];
    for (at, &i) in order.iter().enumerate() {
        stored[i] = at;
    }
    // Classes, counted.
    out.n[0] = out.c.len();
    for (gi, pair) in gold_pair.iter().enumerate() {
        match pair {
            None => out.n[4] += 1,
            Some(pi) if exact(*pi) => {}
            Some(pi) => {
                let class = match (g[gi].same_fragments(p[*pi]), g[gi].same_label(p[*pi])) {
                    (true, _) => 2,
                    (false, true) => 1,
                    (false, false) => 3,
                };
                out.n[class] += 1;
            }
        }
    }
    out.n[5] = pred_pair.iter().filter(|x| x.is_none()).count();
    // Relations among kept spans.
    let index: HashMap<&str, usize> = p.iter().enumerate().map(|(i, s)| (s.id(), stored[i])).collect();
    for r in &pred.relations {
        if let (Some(&h), Some(&t), Some(&k)) =
            (index.get(r.head.as_str()), index.get(r.tail.as_str()), tables.relations.get(&r.kind))
        {
            out.r.extend([k, h, t]);
        }
    }
    // Attribution of paired quotations.
    if let Some(a) = attribution {
        for (gi, pair) in gold_pair.iter().enumerate() {
            let Some(pi) = *pair else { continue };
            if g[gi].label() != a.quotation_label || p[pi].label() != a.quotation_label {
                continue;
            }
            let gs = target(&gold.annotations, g[gi].id(), &a.speaker_relation);
            let ps = target(pred, p[pi].id(), &a.speaker_relation);
            let speaker = outcome(gs, ps, |x, y| goldspan_score::right_speaker(gold, x, y, Mode::Strict));
            let cue = match &a.cue_relation {
                Some(cue) => {
                    outcome(target(&gold.annotations, g[gi].id(), cue), target(pred, p[pi].id(), cue), |x, y| {
                        x.same_fragments(y)
                    })
                }
                None => -1,
            };
            out.a.push([gi as i64, stored[pi] as i64, speaker, cue]);
        }
    }
    out
}

/// Codes one document: its gold and each system's predictions (the system under test first).
pub(crate) fn encode<'a>(
    gold: &'a AnnotatedDocument,
    systems: &[&Annotations],
    tables: &Tables,
    keep: &'a Keep,
    attribution: Option<&Attribution>,
    errors: &[&ErrorRecord],
) -> Doc<'a> {
    let doc = &gold.document;
    let mut m = vec![None; tables.meta.len()];
    for (k, v) in doc.meta() {
        if let Some(&i) = tables.meta.get(k) {
            m[i] = Some(v.as_str());
        }
    }
    if let (Some(splits), Some(&i)) = (&keep.splits, tables.meta.get("split")) {
        if m[i].is_none() {
            m[i] = splits.get(doc.id()).map(String::as_str);
        }
    }
    let g = sorted(&gold.annotations, keep);
    let mut out = Doc {
        id: doc.id(),
        t: doc.text(),
        m,
        g: Vec::new(),
        gx: Vec::new(),
        gr: Vec::new(),
        s: Vec::new(),
        o: Vec::new(),
    };
    encode_spans(g.iter().copied(), tables, &mut out.g, &mut out.gx);
    let index: HashMap<&str, usize> = g.iter().enumerate().map(|(i, s)| (s.id(), i)).collect();
    for r in &gold.annotations.relations {
        if let (Some(&h), Some(&t), Some(&k)) =
            (index.get(r.head.as_str()), index.get(r.tail.as_str()), tables.relations.get(&r.kind))
        {
            out.gr.extend([k, h, t]);
        }
    }
    out.s = systems.iter().map(|p| encode_system(gold, &g, p, tables, keep, attribution)).collect();
    for e in errors {
        if let Some(&kind) = tables.other_kinds.get(&e.kind) {
            let side = |s: &Option<ErrorSide>| s.as_ref().map_or((-1, -1), |s| (s.start as i64, s.end as i64));
            let ((gs, ge), (ps, pe)) = (side(&e.gold), side(&e.predicted));
            out.o.push([kind as i64, gs, ge, ps, pe]);
        }
    }
    out
}

/// Strict F1 of one system on one document, from its class counts: what "worst first" sorts
/// by (a document with nothing to find or predict scores 1).
pub(crate) fn f1(n: &[usize; 6]) -> f64 {
    let gold = n[0] + n[1] + n[2] + n[3] + n[4];
    let pred = n[0] + n[1] + n[2] + n[3] + n[5];
    if gold + pred == 0 {
        1.0
    } else {
        2.0 * n[0] as f64 / (gold + pred) as f64
    }
}
