//! Scores one document: counts per layer, mode and label; relations; quote attribution.
//!
//! The result is a [`Tally`] of plain counts, so documents score independently (in parallel,
//! in shards) and add up exactly.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::ops::AddAssign;

use goldspan_model::{stats, AnnotatedDocument, Annotations, Attribution, Span};

use crate::align;
use crate::counts::Counts;
use crate::ground::{self, Grounded, Grounding, GroundingCounts, Ungrounded};
use crate::mentions;
use crate::mode::Mode;

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
///
/// Micro counts come from aligning all spans of a layer at once, so a gold PERSON predicted
/// as ORG is one INC in strict mode. Per-label counts come from aligning each label's spans
/// alone, as seqeval, conlleval and nervaluate do, so the same pair is a MIS for PERSON and a
/// SPU for ORG. Micro counts are therefore not always the sum of the per-label counts.
///
/// Layers, relation types and labels are owned strings looked up by `&str` (labels in a
/// sorted table per layer), so scoring document after document into one
/// tally allocates only when a new layer or label first appears.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tally {
    /// Documents counted.
    pub documents: u64,
    micro: BTreeMap<String, BTreeMap<Mode, Counts>>,
    labels: BTreeMap<String, LabelCounts>,
    relations: BTreeMap<String, BTreeMap<Mode, Counts>>,
    /// Quote attribution per mode.
    pub quotes: BTreeMap<Mode, QuoteCounts>,
    /// What grounding did with predictions given as text, per layer (empty when there were
    /// none).
    pub grounding: BTreeMap<String, GroundingCounts>,
    /// The strings that could not be placed, by document in the order scored.
    pub ungrounded: Vec<Ungrounded>,
}

fn slot<'a, V: Default>(map: &'a mut BTreeMap<String, V>, key: &str) -> &'a mut V {
    if !map.contains_key(key) {
        map.insert(key.to_owned(), V::default());
    }
    map.get_mut(key).expect("inserted above")
}

/// The per-label counts of one layer, sorted by label.
///
/// A document's labels arrive in ascending order, and each lookup starts where the last one
/// ended, so one walk over the table finds them all: a few string comparisons per label,
/// where a map would make a dozen.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct LabelCounts(Vec<(String, BTreeMap<Mode, Counts>)>);

impl LabelCounts {
    /// The counts of `label`, added if new. `from` is where the search starts, and is left
    /// just past the label; a label below the one before `from` is searched for from the top.
    fn slot(&mut self, label: &str, from: &mut usize) -> &mut BTreeMap<Mode, Counts> {
        let rows = &mut self.0;
        let mut i = match rows.get(from.wrapping_sub(1)) {
            Some((before, _)) if before.as_str() >= label => 0,
            _ => *from,
        };
        while i < rows.len() && rows[i].0.as_str() < label {
            i += 1;
        }
        if rows.get(i).is_none_or(|(found, _)| found != label) {
            rows.insert(i, (label.to_owned(), BTreeMap::new()));
        }
        *from = i + 1;
        &mut rows[i].1
    }

    fn get(&self, label: &str) -> Option<&BTreeMap<Mode, Counts>> {
        let i = self.0.binary_search_by(|(l, _)| l.as_str().cmp(label)).ok()?;
        Some(&self.0[i].1)
    }
}

impl AddAssign<&Tally> for Tally {
    fn add_assign(&mut self, o: &Tally) {
        self.documents += o.documents;
        for (layer, modes) in &o.micro {
            let micro = slot(&mut self.micro, layer);
            for (mode, c) in modes {
                *micro.entry(*mode).or_default() += *c;
            }
        }
        for (layer, labels) in &o.labels {
            let table = slot(&mut self.labels, layer);
            let mut from = 0;
            for (label, modes) in &labels.0 {
                let slot = table.slot(label, &mut from);
                for (mode, c) in modes {
                    *slot.entry(*mode).or_default() += *c;
                }
            }
        }
        for (kind, modes) in &o.relations {
            for (mode, c) in modes {
                *slot(&mut self.relations, kind).entry(*mode).or_default() += *c;
            }
        }
        for (k, v) in &o.quotes {
            *self.quotes.entry(*k).or_default() += *v;
        }
        for (layer, c) in &o.grounding {
            *slot(&mut self.grounding, layer) += *c;
        }
        self.ungrounded.extend(o.ungrounded.iter().cloned());
    }
}

impl Tally {
    /// Micro counts of a layer under a mode.
    pub fn micro(&self, layer: &str, mode: Mode) -> Counts {
        self.micro.get(layer).and_then(|m| m.get(&mode)).copied().unwrap_or_default()
    }

    /// Counts of one label (from that label's spans alone).
    pub fn label(&self, layer: &str, mode: Mode, label: &str) -> Counts {
        self.labels.get(layer).and_then(|t| t.get(label)).and_then(|m| m.get(&mode)).copied().unwrap_or_default()
    }

    /// The labels of a layer under a mode with their counts, sorted.
    pub fn labels(&self, layer: &str, mode: Mode) -> impl Iterator<Item = (&str, &Counts)> {
        self.labels
            .get(layer)
            .into_iter()
            .flat_map(|t| &t.0)
            .filter_map(move |(l, modes)| modes.get(&mode).map(|c| (l.as_str(), c)))
    }

    /// Layers with counts, sorted.
    pub fn layers(&self) -> BTreeSet<&str> {
        self.micro.keys().map(String::as_str).collect()
    }

    /// The modes a layer was scored in.
    pub fn modes(&self, layer: &str) -> impl Iterator<Item = Mode> + '_ {
        self.micro.get(layer).into_iter().flat_map(|m| m.keys().copied())
    }

    /// Relation counts as (relation type, mode, counts), sorted.
    pub fn relations(&self) -> impl Iterator<Item = (&str, Mode, &Counts)> {
        self.relations.iter().flat_map(|(k, modes)| modes.iter().map(move |(m, c)| (k.as_str(), *m, c)))
    }

    /// Micro counts of every (layer, mode).
    pub fn micro_entries(&self) -> impl Iterator<Item = (&str, Mode, &Counts)> {
        self.micro.iter().flat_map(|(l, modes)| modes.iter().map(move |(m, c)| (l.as_str(), *m, c)))
    }

    /// Per-label counts of every (layer, label, mode), sorted.
    pub fn label_entries(&self) -> impl Iterator<Item = (&str, &str, Mode, &Counts)> {
        self.labels.iter().flat_map(|(layer, table)| {
            table
                .0
                .iter()
                .flat_map(move |(label, modes)| modes.iter().map(move |(m, c)| (layer.as_str(), label.as_str(), *m, c)))
        })
    }

    /// Adds `counts` to the micro counts of (`layer`, `mode`): with [`Tally::add_label`] and
    /// [`Tally::add_relation`], how a tally saved as its entries (a shard's partial result) is
    /// rebuilt.
    pub fn add_micro(&mut self, layer: &str, mode: Mode, counts: Counts) {
        // A layer scored has a (possibly empty) label table, as scoring leaves it.
        slot(&mut self.labels, layer);
        *slot(&mut self.micro, layer).entry(mode).or_default() += counts;
    }

    /// Adds `counts` to the counts of `label` of `layer` under `mode`.
    pub fn add_label(&mut self, layer: &str, label: &str, mode: Mode, counts: Counts) {
        let mut from = 0;
        *slot(&mut self.labels, layer).slot(label, &mut from).entry(mode).or_default() += counts;
    }

    /// Adds `counts` to the counts of relation type `kind` under `mode`.
    pub fn add_relation(&mut self, kind: &str, mode: Mode, counts: Counts) {
        *slot(&mut self.relations, kind).entry(mode).or_default() += counts;
    }
}

/// What to score.
#[derive(Debug, Clone)]
pub struct Options {
    /// Matching modes.
    pub modes: Vec<Mode>,
    /// Layers to score; `None` scores every layer found in gold or predictions.
    pub layers: Option<BTreeSet<String>>,
    /// Which label is a quotation and which relation names its speaker (the corpus manifest's
    /// `[attribution]`); `None` scores no quotation attribution.
    pub attribution: Option<Attribution>,
    /// How predictions given as text are placed in the document.
    pub grounding: Grounding,
    /// How the SemEval modes pair spans: goldspan's default (canonical order, any overlap), or
    /// a reference tool's rules (`--compat`, `--min-overlap`).
    pub matching: align::Matching,
}

impl Options {
    /// Scores `modes` on every layer found, without quotation attribution, placing predictions
    /// given as text by the default rule and pairing spans by goldspan's default; set the
    /// other fields to change that (`Options { layers, ..Options::new(modes) }`).
    pub fn new(modes: Vec<Mode>) -> Options {
        Options {
            modes,
            layers: None,
            attribution: None,
            grounding: Grounding::default(),
            matching: align::Matching::default(),
        }
    }
}

/// Scores `pred` against `gold` for one document.
pub fn score_document(gold: &AnnotatedDocument, pred: &Annotations, options: &Options) -> Tally {
    let mut tally = Tally::default();
    score_document_into(gold, pred, options, &mut tally);
    tally
}

/// Places the predictions given as text in `pred` as `options` say (see [`ground::ground`]):
/// the quotation label comes from the attribution.
pub fn ground_predictions<'a>(gold: &AnnotatedDocument, pred: &'a Annotations, options: &Options) -> Grounded<'a> {
    let quotation = options.attribution.as_ref().map(|a| a.quotation_label.as_str());
    ground::ground(&gold.document, pred, quotation, &options.grounding)
}

/// Scores `pred` against `gold` for one document, adding the counts to `tally`. Predictions
/// given as text are placed first ([`ground_predictions`]).
pub fn score_document_into(gold: &AnnotatedDocument, pred: &Annotations, options: &Options, tally: &mut Tally) {
    score_grounded_into(gold, &ground_predictions(gold, pred, options), options, tally);
}

/// [`score_document_into`] for predictions already grounded: a string that could not be
/// placed counts as spurious in every span mode (in `tokens`, each of its words), and a
/// relation with such an end as a spurious relation.
pub fn score_grounded_into(gold: &AnnotatedDocument, grounded: &Grounded, options: &Options, tally: &mut Tally) {
    let pred = &*grounded.annotations;
    tally.documents += 1;
    let layers: Vec<&str> = match &options.layers {
        Some(l) => l.iter().map(String::as_str).collect(),
        // A document has a layer or two, so a short list beats sorting every span's layer.
        None => {
            let mut layers = Vec::new();
            let strings = pred.text_spans.iter().map(|t| t.layer.as_str());
            for layer in gold.annotations.spans.iter().chain(&pred.spans).map(Span::layer).chain(strings) {
                if !layers.contains(&layer) {
                    layers.push(layer);
                }
            }
            layers.sort_unstable();
            layers
        }
    };
    // Mentions mode compares texts, not places: it is counted apart from the span modes.
    let mentions = options.modes.contains(&Mode::Mentions);
    let span_modes: std::borrow::Cow<[Mode]> = match mentions {
        true => options.modes.iter().copied().filter(|m| *m != Mode::Mentions).collect(),
        false => std::borrow::Cow::Borrowed(&options.modes),
    };
    let tokens = options.modes.contains(&Mode::Tokens).then(|| word_tokens(gold.document.text()));
    let mut scratch = align::Scratch::default();
    let mut per_mode = Vec::with_capacity(options.modes.len());
    // The options are looked at once per document: the default pairing keeps its fast path.
    let layers = if options.matching.is_default() {
        layers
    } else {
        for layer in layers {
            score_layer_matching(gold, pred, layer, options.matching, &span_modes, tokens.as_deref(), tally);
            if mentions {
                let g: Vec<&Span> = gold.annotations.layer(layer).collect();
                mention_counts(gold, grounded, layer, &g, tally);
            }
        }
        Vec::new()
    };
    for layer in layers {
        // Sized for every span up front: a filtered collect would regrow the list a few times.
        let mut g = Vec::with_capacity(gold.annotations.spans.len());
        g.extend(gold.annotations.layer(layer));
        let mut p = Vec::with_capacity(pred.spans.len());
        p.extend(pred.layer(layer));
        g.sort_by(|a, b| align::canonical(a, b));
        p.sort_by(|a, b| align::canonical(a, b));
        modes_counts(&span_modes, &g, &p, false, tokens.as_deref(), &mut scratch, &mut per_mode);
        let micro = slot(&mut tally.micro, layer);
        for &(mode, c) in &per_mode {
            *micro.entry(mode).or_default() += c;
        }
        // Group by label (a stable sort keeps canonical order within each label), then walk
        // the two grouped lists together.
        g.sort_by(|a, b| a.label_cmp(b));
        p.sort_by(|a, b| a.label_cmp(b));
        let labels = slot(&mut tally.labels, layer);
        let mut from = 0;
        let (mut i, mut j) = (0, 0);
        while i < g.len() || j < p.len() {
            // The next label of either list, as a span that carries it.
            let first: &Span = match (g.get(i), p.get(j)) {
                (Some(a), Some(b)) => std::cmp::min_by(*a, *b, |a, b| a.label_cmp(b)),
                (Some(a), None) => a,
                (None, Some(b)) => b,
                (None, None) => break,
            };
            let gi = i + g[i..].iter().take_while(|s| s.same_label(first)).count();
            let pj = j + p[j..].iter().take_while(|s| s.same_label(first)).count();
            let label = first.label();
            let (gl, pl) = (&g[i..gi], &p[j..pj]);
            modes_counts(&span_modes, gl, pl, true, tokens.as_deref(), &mut scratch, &mut per_mode);
            let slot = labels.slot(label, &mut from);
            for (mode, c) in &per_mode {
                *slot.entry(*mode).or_default() += *c;
            }
            (i, j) = (gi, pj);
        }
        if mentions {
            mention_counts(gold, grounded, layer, &g, tally);
        }
    }
    // Relations and quotations belong to their head spans' layer: with a layer filter, only
    // those of the layers in scope are scored.
    let in_scope = |layer: &str| options.layers.as_ref().is_none_or(|l| l.contains(layer));
    count_ungrounded(grounded, &span_modes, &in_scope, tally);
    let attribution = options.attribution.as_ref().filter(|a| {
        let mut quotes =
            gold.annotations.spans.iter().chain(&pred.spans).filter(|s| s.label() == a.quotation_label).peekable();
        quotes.peek().is_some() && quotes.all(|s| in_scope(s.layer()))
    });
    for &mode in span_modes.iter() {
        score_relations(&gold.annotations, pred, mode, &in_scope, tally);
        if let Some(a) = attribution {
            if let Some(q) = score_quotes(gold, grounded, mode, a, &options.grounding) {
                *tally.quotes.entry(mode).or_default() += q;
            }
        }
    }
}

/// Scores one layer under non-default [`align::Matching`]: the SemEval modes pair spans by
/// [`align::general_counts`] (in list order under nervaluate's rules), after dropping
/// overlapping predictions when asked (spaCy's `allow_overlap=False`); the other modes as usual.
fn score_layer_matching(
    gold: &AnnotatedDocument,
    pred: &Annotations,
    layer: &str,
    matching: align::Matching,
    modes: &[Mode],
    tokens: Option<&[(usize, usize)]>,
    tally: &mut Tally,
) {
    let scratch = &mut align::Scratch::default();
    let mut g: Vec<&Span> = gold.annotations.layer(layer).collect();
    let mut p: Vec<&Span> = pred.layer(layer).collect();
    if matching.drop_overlapping {
        p = align::drop_overlapping(&p);
    }
    if matching.order == align::Order::Canonical {
        g.sort_by(|a, b| align::canonical(a, b));
        p.sort_by(|a, b| align::canonical(a, b));
    }
    let counts = |g: &[&Span], p: &[&Span], scratch: &mut align::Scratch| -> Vec<(Mode, Counts)> {
        let mut sorted_g = g.to_vec();
        let mut sorted_p = p.to_vec();
        sorted_g.sort_by(|a, b| align::canonical(a, b));
        sorted_p.sort_by(|a, b| align::canonical(a, b));
        modes
            .iter()
            .map(|&mode| {
                let c = match mode {
                    Mode::Strict | Mode::Exact | Mode::Partial | Mode::Type => {
                        align::general_counts(mode, g, p, matching)
                    }
                    _ => span_counts(mode, &sorted_g, &sorted_p, tokens, scratch),
                };
                (mode, c)
            })
            .collect()
    };
    let micro = slot(&mut tally.micro, layer);
    for (mode, c) in counts(&g, &p, scratch) {
        *micro.entry(mode).or_default() += c;
    }
    let labels: BTreeSet<&str> = g.iter().chain(&p).map(|s| s.label()).collect();
    let table = slot(&mut tally.labels, layer);
    let mut from = 0;
    for label in labels {
        let gl: Vec<&Span> = g.iter().copied().filter(|s| s.label() == label).collect();
        let pl: Vec<&Span> = p.iter().copied().filter(|s| s.label() == label).collect();
        let per_mode = counts(&gl, &pl, scratch);
        let slot = table.slot(label, &mut from);
        for (mode, c) in per_mode {
            *slot.entry(mode).or_default() += c;
        }
    }
}

/// Mentions mode for one layer: the gold spans `g` (of the layer) against the predictions as
/// given (spans with offsets by the text they cover, strings by their text).
fn mention_counts(gold: &AnnotatedDocument, grounded: &Grounded, layer: &str, g: &[&Span], tally: &mut Tally) {
    let pred = &*grounded.annotations;
    let text = |s: &Span| mentions::normalize(&gold.document.covered_text(s.fragments()).unwrap_or_default());
    let gold_items: Vec<(String, &str)> = g.iter().map(|s| (text(s), s.label())).collect();
    let given = pred.spans[..grounded.given].iter().filter(|s| s.layer() == layer).map(|s| (text(s), s.label()));
    let strings =
        pred.text_spans.iter().filter(|t| t.layer == layer).map(|t| (mentions::normalize(&t.text), t.label.as_str()));
    let pred_items: Vec<(String, &str)> = given.chain(strings).collect();
    let (micro, labels) = mentions::counts(&gold_items, &pred_items);
    *slot(&mut tally.micro, layer).entry(Mode::Mentions).or_default() += micro;
    let table = slot(&mut tally.labels, layer);
    for (label, c) in labels {
        *table.slot(label, &mut 0).entry(Mode::Mentions).or_default() += c;
    }
}

/// Grounding's counts and unplaced strings into `tally`: each unplaced string is spurious in
/// its layer and label under every span mode (in `tokens`, each of its words), and each
/// relation with an unplaced end is a spurious relation of its type.
fn count_ungrounded(grounded: &Grounded, modes: &[Mode], in_scope: &dyn Fn(&str) -> bool, tally: &mut Tally) {
    for (layer, c) in grounded.counts.iter().filter(|(layer, _)| in_scope(layer)) {
        *slot(&mut tally.grounding, layer) += *c;
    }
    for u in grounded.ungrounded.iter().filter(|u| in_scope(&u.layer)) {
        for &mode in modes {
            let weight = if mode == Mode::Tokens { word_tokens(&u.text).len() as u64 } else { 1 };
            slot(&mut tally.micro, &u.layer).entry(mode).or_default().spu += weight;
            let table = slot(&mut tally.labels, &u.layer);
            table.slot(&u.label, &mut 0).entry(mode).or_default().spu += weight;
        }
        tally.ungrounded.push(u.clone());
    }
    for (kind, _) in grounded.unplaced_relations.iter().filter(|(_, layer)| in_scope(layer)) {
        for &mode in modes {
            slot(&mut tally.relations, kind).entry(mode).or_default().spu += 1;
        }
    }
}

/// Counts of `g` against `p` (spans of one layer, in canonical order; `one_label` when they
/// all carry one label) under each mode, into `out` in the order of `modes`.
///
/// Exact and partial pair alike, since neither looks at labels, and so does strict among
/// spans of one label. Those modes differ only in how a pair with other boundaries counts
/// (INC in exact and strict, PAR in partial), so one pairing serves them all.
fn modes_counts(
    modes: &[Mode],
    g: &[&Span],
    p: &[&Span],
    one_label: bool,
    tokens: Option<&[(usize, usize)]>,
    scratch: &mut align::Scratch,
    out: &mut Vec<(Mode, Counts)>,
) {
    let pairs_like_exact =
        |mode: Mode| matches!(mode, Mode::Exact | Mode::Partial) || (one_label && mode == Mode::Strict);
    out.clear();
    for &mode in modes {
        let shared = match pairs_like_exact(mode) {
            true => out.iter().find(|(m, _)| pairs_like_exact(*m)),
            false => None,
        };
        let counts = match shared {
            // As exact counts them, then as this mode does.
            Some(&(m, c)) => {
                let exact = if m == Mode::Partial { Counts { inc: c.par, par: 0, ..c } } else { c };
                if mode == Mode::Partial {
                    Counts { par: exact.inc, inc: 0, ..exact }
                } else {
                    exact
                }
            }
            None => span_counts(mode, g, p, tokens, scratch),
        };
        out.push((mode, counts));
    }
}

/// Counts of `pred` against `gold` (spans of one layer) under `mode`.
/// `g` and `p` must be in canonical order.
fn span_counts(
    mode: Mode,
    g: &[&Span],
    p: &[&Span],
    tokens: Option<&[(usize, usize)]>,
    scratch: &mut align::Scratch,
) -> Counts {
    match mode {
        Mode::Tokens => {
            let mut total = Counts::default();
            for (_, c) in token_counts(tokens.unwrap_or_default(), g, p) {
                total += c;
            }
            total
        }
        Mode::Overlap { .. } => {
            let a = align::by_iou(g, p, mode.threshold().unwrap_or(1.0));
            Counts {
                cor: a.pairs.len() as u64,
                mis: a.missed.len() as u64,
                spu: a.spurious.len() as u64,
                ..Counts::default()
            }
        }
        _ => align::semeval_counts(mode, g, p, scratch),
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

fn score_relations(
    gold: &Annotations,
    pred: &Annotations,
    mode: Mode,
    in_scope: &dyn Fn(&str) -> bool,
    tally: &mut Tally,
) {
    if gold.relations.is_empty() && pred.relations.is_empty() {
        return;
    }
    let gold_spans: HashMap<&str, &Span> = gold.spans.iter().map(|s| (s.id(), s)).collect();
    let pred_spans: HashMap<&str, &Span> = pred.spans.iter().map(|s| (s.id(), s)).collect();
    let head_layer = |r: &goldspan_model::Relation, spans: &HashMap<&str, &Span>| {
        spans.get(r.head.as_str()).map(|s| s.layer().to_owned())
    };
    let kinds: BTreeSet<&str> = gold
        .relations
        .iter()
        .filter(|r| head_layer(r, &gold_spans).is_some_and(|l| in_scope(&l)))
        .chain(pred.relations.iter().filter(|r| head_layer(r, &pred_spans).is_some_and(|l| in_scope(&l))))
        .map(|r| r.kind.as_str())
        .collect();
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
        *slot(&mut tally.relations, kind).entry(mode).or_default() += c;
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

/// The span a quotation's `relation` (its speaker, or its cue) points to. A manifest allows
/// one per quotation; should there be several, the first in text order is taken, so the order
/// relations are listed in never changes a score.
pub(crate) fn tail_of<'a>(ann: &'a Annotations, quote: &str, relation: &str) -> Option<&'a Span> {
    ann.relations
        .iter()
        .filter(|r| r.kind == relation && r.head == quote)
        .filter_map(|r| ann.span(&r.tail))
        .min_by(|a, b| align::canonical(a, b))
}

/// Whether `predicted` names the gold speaker `gold_speaker` under `mode`.
///
/// Position decides: the prediction is right when it matches a mention of the speaker's
/// coreference cluster (the speaker alone when it is in none) as the mode matches spans, labels
/// ignored — the same boundaries in strict and exact, overlap in partial, type and tokens, IoU
/// ≥ θ in `overlap:θ`. Text alone is enough only for a named mention: a prediction whose folded
/// text equals that of a mention of the cluster that is not a pronoun (`stats::is_pronoun`) is
/// right wherever it is, since a name repeated in an article is the same person, while `she`
/// may be anyone.
pub fn right_speaker(gold: &AnnotatedDocument, gold_speaker: &Span, predicted: &Span, mode: Mode) -> bool {
    let cluster = cluster_of(gold, gold_speaker);
    if cluster.iter().any(|m| mode.spans_match(m, predicted, false)) {
        return true;
    }
    let text = |s: &Span| gold.document.covered_text(s.fragments()).unwrap_or_default();
    let predicted_text = fold(&text(predicted));
    cluster.iter().map(|m| text(m)).any(|t| !stats::is_pronoun(&t) && fold(&t) == predicted_text)
}

/// Whether the speaker of the predicted quotation `pred_quote` names the gold speaker
/// `gold_speaker`: a speaker given as a string by its text alone (docs/metrics.md §11.4), a
/// speaker span by [`right_speaker`]. False when the prediction names no speaker. Scores and
/// the error listing both judge speakers here, so they agree.
pub(crate) fn speaker_named(
    gold: &AnnotatedDocument,
    gold_speaker: &Span,
    pred: &Annotations,
    pred_quote: &str,
    a: &Attribution,
    grounding: &Grounding,
    mode: Mode,
) -> bool {
    if let Some(name) = ground::speaker_string(pred, pred_quote, &a.speaker_relation) {
        return ground::names_speaker(gold, &cluster_of(gold, gold_speaker), name, a, grounding);
    }
    tail_of(pred, pred_quote, &a.speaker_relation).is_some_and(|p| right_speaker(gold, gold_speaker, p, mode))
}

/// Folds case and whitespace, for comparing a speaker's text with the mentions of a cluster.
pub fn fold(text: &str) -> String {
    text.split_whitespace().map(str::to_lowercase).collect::<Vec<_>>().join(" ")
}

fn score_quotes(
    gold: &AnnotatedDocument,
    grounded: &Grounded,
    mode: Mode,
    a: &Attribution,
    grounding: &Grounding,
) -> Option<QuoteCounts> {
    let pred = &*grounded.annotations;
    let quotation = a.quotation_label.as_str();
    let gq: Vec<&Span> = gold.annotations.spans.iter().filter(|s| s.label() == quotation).collect();
    let pq: Vec<&Span> = pred.spans.iter().filter(|s| s.label() == quotation).collect();
    // Quotations given as text that could not be placed are predicted, and found nowhere.
    let unplaced = grounded.ungrounded.iter().filter(|u| u.label == quotation).count();
    if gq.is_empty() && pq.is_empty() && unplaced == 0 {
        return None;
    }
    let alignment = match mode {
        Mode::Overlap { .. } => align::by_iou(&gq, &pq, mode.threshold().unwrap_or(1.0)),
        _ => align::semeval(mode, &gq, &pq),
    };
    let found = |same_boundaries: bool| match mode {
        Mode::Strict | Mode::Exact => same_boundaries,
        _ => true,
    };
    let predicted = (pq.len() + unplaced) as u64;
    let mut q = QuoteCounts { gold: gq.len() as u64, predicted, ..QuoteCounts::default() };
    for &(gi, pi, pairing) in &alignment.pairs {
        if !found(pairing.same_boundaries) {
            continue;
        }
        q.matched += 1;
        if let Some(gold_speaker) = tail_of(&gold.annotations, gq[gi].id(), &a.speaker_relation) {
            q.speaker_right += u64::from(speaker_named(gold, gold_speaker, pred, pq[pi].id(), a, grounding, mode));
        }
    }
    Some(q)
}

/// The mentions of the coreference cluster of `speaker`, or the speaker alone.
fn cluster_of<'a>(gold: &'a AnnotatedDocument, speaker: &'a Span) -> Vec<&'a Span> {
    gold.annotations
        .clusters
        .iter()
        .find(|c| c.iter().any(|m| m == speaker.id()))
        .map(|c| c.iter().filter_map(|m| gold.annotations.span(m)).collect())
        .unwrap_or_else(|| vec![speaker])
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
    fn label_counts_find_labels_in_any_order() {
        let mut table = LabelCounts::default();
        let mut from = 0;
        for label in ["ORG", "PERSON", "DATE", "ORG", "TIME", "CARDINAL", "PERSON"] {
            table.slot(label, &mut from).entry(Mode::Strict).or_default().cor += 1;
        }
        let rows: Vec<(&str, u64)> = table.0.iter().map(|(l, m)| (l.as_str(), m[&Mode::Strict].cor)).collect();
        assert_eq!(rows, vec![("CARDINAL", 1), ("DATE", 1), ("ORG", 2), ("PERSON", 2), ("TIME", 1)]);
        assert_eq!(table.get("ORG").map(|m| m[&Mode::Strict].cor), Some(2));
        assert!(table.get("GPE").is_none());
    }

    #[test]
    fn a_tally_rebuilt_from_its_entries_is_equal() {
        let doc = german();
        // One prediction of the quotation with another label, so labels differ from micro.
        let mut pred = doc.annotations.clone();
        pred.spans[1] = Span::contiguous("Q1", "zitate", "Zitat", 0, 4).expect("span");
        let mut options = options(Some(("Zitat", "sprecher")));
        options.modes = vec![Mode::Strict, Mode::Partial];
        let mut tally = score_document(&doc, &pred, &options);
        tally += &score_document(&doc, &doc.annotations, &options);
        let mut rebuilt = Tally { documents: tally.documents, quotes: tally.quotes.clone(), ..Tally::default() };
        for (layer, mode, c) in tally.micro_entries() {
            rebuilt.add_micro(layer, mode, *c);
        }
        for (layer, label, mode, c) in tally.label_entries() {
            rebuilt.add_label(layer, label, mode, *c);
        }
        for (kind, mode, c) in tally.relations() {
            rebuilt.add_relation(kind, mode, *c);
        }
        assert_eq!(rebuilt, tally);
        // Two labels under two modes, one relation type under two modes.
        assert_eq!(tally.label_entries().count(), 4);
        assert_eq!(tally.relations().count(), 2);
        // Zitat: found in both documents, and Anna predicted as one once; Quelle: missed once.
        assert_eq!(tally.label("zitate", Mode::Strict, "Zitat"), Counts { cor: 2, spu: 1, ..Counts::default() });
        assert_eq!(tally.label("zitate", Mode::Strict, "Quelle"), Counts { cor: 1, mis: 1, ..Counts::default() });
    }

    /// A German document: a quotation (`Zitat`) whose speaker (`sprecher`) is `Anna`.
    fn german() -> AnnotatedDocument {
        let text = "Anna sagte: Wir gewinnen.";
        let span = |id: &str, label: &str, start, end| Span::contiguous(id, "zitate", label, start, end).expect("span");
        let relation = |id: &str| goldspan_model::Relation {
            id: id.into(),
            kind: "sprecher".into(),
            head: "Z1".into(),
            tail: "Q1".into(),
        };
        let annotations = Annotations {
            spans: vec![span("Z1", "Zitat", 12, 25), span("Q1", "Quelle", 0, 4)],
            relations: vec![relation("R1")],
            ..Annotations::default()
        };
        AnnotatedDocument { document: goldspan_model::Document::new("d", text, Default::default()), annotations }
    }

    fn options(attribution: Option<(&str, &str)>) -> Options {
        Options {
            attribution: attribution.map(|(quotation, speaker)| Attribution {
                quotation_label: quotation.into(),
                speaker_relation: speaker.into(),
                cue_relation: None,
                mention_layer: None,
            }),
            matching: align::Matching::default(),
            ..Options::new(vec![Mode::Strict])
        }
    }

    #[test]
    fn attribution_is_scored_under_the_names_the_options_give() {
        let doc = german();
        let tally = score_document(&doc, &doc.annotations, &options(Some(("Zitat", "sprecher"))));
        let q = tally.quotes[&Mode::Strict];
        assert_eq!((q.gold, q.predicted, q.matched, q.speaker_right), (1, 1, 1, 1));
        // Another corpus's names find no quotation here, and no names score no attribution.
        assert!(score_document(&doc, &doc.annotations, &options(Some(("Quote", "speaker")))).quotes.is_empty());
        assert!(score_document(&doc, &doc.annotations, &options(None)).quotes.is_empty());
        // A speaker named by another relation type is not the speaker.
        let tally = score_document(&doc, &doc.annotations, &options(Some(("Zitat", "cue"))));
        assert_eq!(tally.quotes[&Mode::Strict].speaker_right, 0);
    }

    /// Two people, Ada and Cleo; `She` (26..29) is Ada and unannotated, Cleo's cluster holds a
    /// pronoun `she` (64..67) as the speaker of the second quotation; `Cleo Marsh` (85..95) is
    /// repeated outside the cluster.
    fn ada_and_cleo() -> AnnotatedDocument {
        let text =
            "Ada Vance met Cleo Marsh. She smiled. Cleo said: “Hello.” Later she said: “Goodbye.” Cleo Marsh left.";
        let span = |id: &str, layer: &str, label: &str, start, end| {
            Span::contiguous(id, layer, label, start, end).expect("span")
        };
        let relation = |id: &str, head: &str, tail: &str| goldspan_model::Relation {
            id: id.into(),
            kind: "speaker".into(),
            head: head.into(),
            tail: tail.into(),
        };
        let annotations = Annotations {
            spans: vec![
                span("E1", "entities", "PERSON", 0, 9),
                span("E2", "entities", "PERSON", 14, 24),
                span("E3", "entities", "PERSON", 38, 42),
                span("Q1", "quotes", "Quote", 50, 56),
                span("S1", "quotes", "Source", 38, 42),
                span("Q2", "quotes", "Quote", 75, 83),
                span("S2", "quotes", "Source", 64, 67),
            ],
            relations: vec![relation("R1", "Q1", "S1"), relation("R2", "Q2", "S2")],
            clusters: vec![vec!["E2".into(), "E3".into(), "S1".into(), "S2".into()]],
            ..Annotations::default()
        };
        AnnotatedDocument { document: goldspan_model::Document::new("d", text, Default::default()), annotations }
    }

    /// The gold quotations, each with a predicted speaker at `speakers[i]`.
    fn speakers_at(speakers: [(usize, usize); 2]) -> Annotations {
        let span =
            |id: &str, label: &str, (start, end)| Span::contiguous(id, "quotes", label, start, end).expect("span");
        let relation = |id: &str, head: &str, tail: &str| goldspan_model::Relation {
            id: id.into(),
            kind: "speaker".into(),
            head: head.into(),
            tail: tail.into(),
        };
        Annotations {
            spans: vec![
                span("Q1", "Quote", (50, 56)),
                span("P1", "Source", speakers[0]),
                span("Q2", "Quote", (75, 83)),
                span("P2", "Source", speakers[1]),
            ],
            relations: vec![relation("R1", "Q1", "P1"), relation("R2", "Q2", "P2")],
            ..Annotations::default()
        }
    }

    fn speakers_right(pred: &Annotations, mode: Mode) -> u64 {
        let mut options = options(Some(("Quote", "speaker")));
        options.modes = vec![mode];
        let q = score_document(&ada_and_cleo(), pred, &options).quotes[&mode];
        assert_eq!(q.matched, 2);
        q.speaker_right
    }

    #[test]
    fn a_pronoun_is_right_only_where_it_stands() {
        // `She` at 26..29 is Ada: its text equals Cleo's `she`, but a pronoun's text is no
        // evidence, so neither quotation is Cleo's by it.
        assert_eq!(speakers_right(&speakers_at([(26, 29), (26, 29)]), Mode::Strict), 0);
        assert_eq!(speakers_right(&speakers_at([(26, 29), (26, 29)]), Mode::Partial), 0);
        // The `she` of the cluster itself is right for both quotations: position decides.
        assert_eq!(speakers_right(&speakers_at([(64, 67), (64, 67)]), Mode::Strict), 2);
    }

    #[test]
    fn a_name_is_right_by_its_text_anywhere() {
        // `Cleo Marsh` at 85..95 is in no cluster, but its text is that of the named mention
        // E2 of Cleo's cluster.
        assert_eq!(speakers_right(&speakers_at([(85, 95), (85, 95)]), Mode::Strict), 2);
        // `Ada Vance` names someone else.
        assert_eq!(speakers_right(&speakers_at([(0, 9), (0, 9)]), Mode::Partial), 0);
    }

    #[test]
    fn a_speaker_matches_a_mention_as_the_mode_matches_spans() {
        // `she said` (64..72) overlaps `she` (64..67) and `Cleo said` (38..47) overlaps `Cleo`
        // (38..42): right where overlap is enough, wrong where boundaries must be the same.
        let pred = speakers_at([(38, 47), (64, 72)]);
        assert_eq!(speakers_right(&pred, Mode::Partial), 2);
        assert_eq!(speakers_right(&pred, Mode::Type), 2);
        assert_eq!(speakers_right(&pred, Mode::Strict), 0);
        assert_eq!(speakers_right(&pred, Mode::Exact), 0);
        // IoU of 64..72 with 64..67 is 3/8; of 38..47 with 38..42, 4/9.
        assert_eq!(speakers_right(&pred, "overlap:0.4".parse().expect("mode")), 1);
        assert_eq!(speakers_right(&pred, "overlap:0.3".parse().expect("mode")), 2);
    }

    #[test]
    fn fold_ignores_case_and_spacing() {
        assert_eq!(fold("  Ms\n TRUSS "), "ms truss");
    }
}
