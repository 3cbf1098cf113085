//! Error analysis: every disagreement between gold and predictions, classified, with the text
//! around it, and the label confusion table.
//!
//! Classification follows the strict-mode alignment: a matched pair with the same boundaries and a
//! different label is a `label` error; overlapping with the same label, a `boundary` error;
//! overlapping with another label, `boundary+label`; unmatched gold is `missed`, an unmatched
//! prediction `spurious`. A found quotation (a pair of the strict alignment of quotations, as
//! attribution pairs them) whose predicted speaker is wrong under strict attribution is a
//! `speaker` error, and one whose predicted cue is not the gold cue a `cue` error: these name
//! the gold and predicted speaker (or cue) beside the quotation.

use std::collections::BTreeMap;
use std::fmt;

use goldspan_model::{AnnotatedDocument, Annotations, Attribution, Document, Span};

use crate::align;
use crate::document::{speaker_named, tail_of};
use crate::ground::Grounding;
use crate::mode::Mode;

/// The kind of an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ErrorKind {
    /// Overlapping boundaries, same label.
    Boundary,
    /// Same boundaries, different label.
    Label,
    /// Overlapping boundaries, different label.
    BoundaryLabel,
    /// A gold span nothing matched.
    Missed,
    /// A prediction that matched no gold span.
    Spurious,
    /// A found quotation with the wrong speaker (or none, or no gold speaker).
    Speaker,
    /// A found quotation with another cue than the gold one (or a cue where gold has none, or
    /// none where gold has one).
    Cue,
}

impl ErrorKind {
    /// Every kind, in the order errors at one position are listed.
    pub const ALL: [ErrorKind; 7] = [
        ErrorKind::Boundary,
        ErrorKind::Label,
        ErrorKind::BoundaryLabel,
        ErrorKind::Missed,
        ErrorKind::Spurious,
        ErrorKind::Speaker,
        ErrorKind::Cue,
    ];

    /// The kind's name (`boundary`, `label`, `boundary+label`, `missed`, `spurious`, `speaker`,
    /// `cue`).
    pub fn name(self) -> &'static str {
        match self {
            ErrorKind::Boundary => "boundary",
            ErrorKind::Label => "label",
            ErrorKind::BoundaryLabel => "boundary+label",
            ErrorKind::Missed => "missed",
            ErrorKind::Spurious => "spurious",
            ErrorKind::Speaker => "speaker",
            ErrorKind::Cue => "cue",
        }
    }

    /// The kind a name names.
    pub fn parse(name: &str) -> Option<ErrorKind> {
        ErrorKind::ALL.into_iter().find(|k| k.name() == name)
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One side of an error: a span's label, offsets and text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Side {
    /// Label.
    pub label: String,
    /// Start, code points.
    pub start: usize,
    /// End, code points, exclusive.
    pub end: usize,
    /// Covered text.
    pub text: String,
}

/// One classified error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorItem {
    /// Document id.
    pub document: String,
    /// Layer.
    pub layer: String,
    /// Kind.
    pub kind: ErrorKind,
    /// The gold span, unless spurious; for `speaker` and `cue` errors, the gold quotation's
    /// speaker or cue, if it has one.
    pub gold: Option<Side>,
    /// The predicted span, unless missed; for `speaker` and `cue` errors, the predicted
    /// quotation's speaker or cue, if it has one.
    pub predicted: Option<Side>,
    /// For `speaker` and `cue` errors, the gold quotation.
    pub quotation: Option<Side>,
    /// Up to 40 characters either side, with the disagreement (the quotation, for `speaker`
    /// and `cue` errors) in ⟦ ⟧, line breaks as ⏎.
    pub context: String,
}

impl ErrorItem {
    /// Where the error is, for ordering: the quotation's extent for `speaker` and `cue`
    /// errors, else the gold span's, else the prediction's.
    pub fn position(&self) -> (usize, usize) {
        let s = self.quotation.as_ref().or(self.gold.as_ref()).or(self.predicted.as_ref());
        s.map_or((0, 0), |s| (s.start, s.end))
    }

    /// The label the error is counted under: the quotation's for `speaker` and `cue` errors,
    /// else the gold span's, else the prediction's.
    pub fn label(&self) -> &str {
        let s = self.quotation.as_ref().or(self.gold.as_ref()).or(self.predicted.as_ref());
        s.map_or("", |s| s.label.as_str())
    }
}

fn side(doc: &Document, span: &Span) -> Side {
    Side {
        label: span.label().to_owned(),
        start: span.start(),
        end: span.end(),
        text: doc.covered_text(span.fragments()).unwrap_or_default(),
    }
}

/// The text around `start..end`, the range itself marked with ⟦ ⟧.
pub fn context(doc: &Document, start: usize, end: usize) -> String {
    const WIDTH: usize = 40;
    let len = doc.len_chars();
    let (start, end) = (start.min(len), end.min(len));
    let before = doc.slice(start.saturating_sub(WIDTH), start).unwrap_or_default();
    let inside = doc.slice(start, end).unwrap_or_default();
    let after = doc.slice(end, (end + WIDTH).min(len)).unwrap_or_default();
    format!("{before}⟦{inside}⟧{after}").replace("\r\n", "⏎").replace(['\n', '\r'], "⏎")
}

/// Every error in `layer`, in text order: span errors, and the `speaker` and `cue` errors of
/// the layer's quotations when `attribution` names them.
pub fn classify(
    gold: &AnnotatedDocument,
    pred: &Annotations,
    layer: &str,
    attribution: Option<&Attribution>,
    grounding: &Grounding,
) -> Vec<ErrorItem> {
    let g: Vec<&Span> = gold.annotations.layer(layer).collect();
    let p: Vec<&Span> = pred.layer(layer).collect();
    let a = align::semeval(Mode::Strict, &g, &p);
    let doc = &gold.document;
    let item = |kind, gs: Option<&Span>, ps: Option<&Span>| {
        let start = gs.iter().chain(&ps).map(|s| s.start()).min().unwrap_or(0);
        let end = gs.iter().chain(&ps).map(|s| s.end()).max().unwrap_or(0);
        ErrorItem {
            document: doc.id().to_owned(),
            layer: layer.to_owned(),
            kind,
            gold: gs.map(|s| side(doc, s)),
            predicted: ps.map(|s| side(doc, s)),
            quotation: None,
            context: context(doc, start, end),
        }
    };
    let mut items = Vec::new();
    for &(gi, pi, pairing) in &a.pairs {
        let kind = match (pairing.same_boundaries, pairing.same_label) {
            (true, true) => continue,
            (true, false) => ErrorKind::Label,
            (false, true) => ErrorKind::Boundary,
            (false, false) => ErrorKind::BoundaryLabel,
        };
        items.push(item(kind, Some(g[gi]), Some(p[pi])));
    }
    items.extend(a.missed.iter().map(|&gi| item(ErrorKind::Missed, Some(g[gi]), None)));
    items.extend(a.spurious.iter().map(|&pi| item(ErrorKind::Spurious, None, Some(p[pi]))));
    if let Some(attribution) = attribution {
        items.extend(attribution_errors(gold, pred, layer, attribution, grounding));
    }
    items.sort_by_key(|e| (e.position(), e.kind));
    items
}

/// The `speaker` and `cue` errors of the quotations of `layer`: quotations paired as strict
/// attribution pairs them (docs/metrics.md §6), whose predicted speaker is not right under
/// the strict speaker rule (a speaker given as a string: by its text, under `grounding`'s rule), or whose predicted cue does not have the gold cue's boundaries.
fn attribution_errors(
    gold: &AnnotatedDocument,
    pred: &Annotations,
    layer: &str,
    a: &Attribution,
    grounding: &Grounding,
) -> Vec<ErrorItem> {
    let quotation = a.quotation_label.as_str();
    let gq: Vec<&Span> = gold.annotations.layer(layer).filter(|s| s.label() == quotation).collect();
    let pq: Vec<&Span> = pred.layer(layer).filter(|s| s.label() == quotation).collect();
    if gq.is_empty() || pq.is_empty() {
        return Vec::new();
    }
    let doc = &gold.document;
    let mut items = Vec::new();
    for (gi, pi, _) in align::semeval(Mode::Strict, &gq, &pq).pairs {
        let (gold_quote, pred_quote) = (gq[gi], pq[pi]);
        let item = |kind, g: Option<&Span>, p: Option<&Span>| ErrorItem {
            document: doc.id().to_owned(),
            layer: layer.to_owned(),
            kind,
            gold: g.map(|s| side(doc, s)),
            predicted: p.map(|s| side(doc, s)),
            quotation: Some(side(doc, gold_quote)),
            context: context(doc, gold_quote.start(), gold_quote.end()),
        };
        let g = tail_of(&gold.annotations, gold_quote.id(), &a.speaker_relation);
        let p = tail_of(pred, pred_quote.id(), &a.speaker_relation);
        let right = g.is_some_and(|g| speaker_named(gold, g, pred, pred_quote.id(), a, grounding, Mode::Strict));
        if !right {
            items.push(item(ErrorKind::Speaker, g, p));
        }
        if let Some(cue) = &a.cue_relation {
            let g = tail_of(&gold.annotations, gold_quote.id(), cue);
            let p = tail_of(pred, pred_quote.id(), cue);
            let right = match (g, p) {
                (Some(g), Some(p)) => g.same_fragments(p),
                (None, None) => true,
                _ => false,
            };
            if !right {
                items.push(item(ErrorKind::Cue, g, p));
            }
        }
    }
    items
}

/// The label confusion table of `layer`: (gold label, predicted label) to count over aligned
/// pairs, with `"∅"` for missed (predicted side) and spurious (gold side).
pub fn confusions(gold: &AnnotatedDocument, pred: &Annotations, layer: &str) -> BTreeMap<(String, String), u64> {
    let g: Vec<&Span> = gold.annotations.layer(layer).collect();
    let p: Vec<&Span> = pred.layer(layer).collect();
    let a = align::semeval(Mode::Strict, &g, &p);
    let mut table = BTreeMap::new();
    let none = || "∅".to_owned();
    for &(gi, pi, _) in &a.pairs {
        *table.entry((g[gi].label().to_owned(), p[pi].label().to_owned())).or_default() += 1;
    }
    for &gi in &a.missed {
        *table.entry((g[gi].label().to_owned(), none())).or_default() += 1;
    }
    for &pi in &a.spurious {
        *table.entry((none(), p[pi].label().to_owned())).or_default() += 1;
    }
    table
}

#[cfg(test)]
mod tests {
    use super::*;
    use goldspan_model::Meta;

    fn doc(spans: Vec<Span>) -> AnnotatedDocument {
        let text = "Ms Zoë Brandt met the Bank of England in Leeds.";
        AnnotatedDocument {
            document: Document::new("d", text, Meta::new()),
            annotations: Annotations { spans, ..Annotations::default() },
        }
    }

    fn s(label: &str, start: usize, end: usize) -> Span {
        Span::contiguous("x", "entities", label, start, end).expect("span")
    }

    #[test]
    fn each_error_kind_with_context() {
        let gold = doc(vec![s("PERSON", 3, 13), s("ORG", 22, 37), s("GPE", 41, 46)]);
        let pred = doc(vec![s("PERSON", 0, 13), s("GPE", 22, 37), s("ORG", 18, 21)]).annotations;
        let errors = classify(&gold, &pred, "entities", None, &Grounding::default());
        let kinds: Vec<String> = errors.iter().map(|e| e.kind.to_string()).collect();
        assert_eq!(kinds, ["boundary", "spurious", "label", "missed"]);
        assert_eq!(errors[0].context, "⟦Ms Zoë Brandt⟧ met the Bank of England in Leeds.");
        assert_eq!(errors[3].gold.as_ref().map(|g| g.text.as_str()), Some("Leeds"));
        let table = confusions(&gold, &pred, "entities");
        assert_eq!(table.get(&("ORG".into(), "GPE".into())), Some(&1));
        assert_eq!(table.get(&("GPE".into(), "∅".into())), Some(&1));
        assert_eq!(table.get(&("∅".into(), "ORG".into())), Some(&1));
    }

    fn covered(side: &Option<Side>) -> Option<&str> {
        side.as_ref().map(|s| s.text.as_str())
    }

    #[test]
    fn found_quotations_with_the_wrong_speaker_or_cue_are_errors() {
        let text = "Anna told Ben: “Yes.” He said: “No.”";
        let q = |id: &str, label: &str, start, end| Span::contiguous(id, "quotes", label, start, end).expect("span");
        let r = |kind: &str, head: &str, tail: &str| goldspan_model::Relation {
            id: format!("{kind}-{head}"),
            kind: kind.into(),
            head: head.into(),
            tail: tail.into(),
        };
        let gold = AnnotatedDocument {
            document: Document::new("d", text, Meta::new()),
            annotations: Annotations {
                spans: vec![
                    q("Q1", "Quote", 16, 20),
                    q("S1", "Source", 0, 4),
                    q("C1", "Cue", 5, 9),
                    q("Q2", "Quote", 32, 35),
                    q("S2", "Source", 22, 24),
                    q("C2", "Cue", 25, 29),
                ],
                relations: vec![
                    r("speaker", "Q1", "S1"),
                    r("cue", "Q1", "C1"),
                    r("speaker", "Q2", "S2"),
                    r("cue", "Q2", "C2"),
                ],
                ..Annotations::default()
            },
        };
        // Q1 said by Ben (wrong) with the right cue; Q2 by He (right) with no cue.
        let pred = Annotations {
            spans: vec![
                q("Q1", "Quote", 16, 20),
                q("P1", "Source", 10, 13),
                q("K1", "Cue", 5, 9),
                q("Q2", "Quote", 32, 35),
                q("P2", "Source", 22, 24),
            ],
            relations: vec![r("speaker", "Q1", "P1"), r("cue", "Q1", "K1"), r("speaker", "Q2", "P2")],
            ..Annotations::default()
        };
        let attribution = Attribution {
            quotation_label: "Quote".into(),
            speaker_relation: "speaker".into(),
            cue_relation: Some("cue".into()),
            mention_layer: None,
        };
        let errors = classify(&gold, &pred, "quotes", Some(&attribution), &Grounding::default());
        let rows: Vec<(&str, &str, Option<&str>, Option<&str>)> =
            errors.iter().map(|e| (e.kind.name(), e.label(), covered(&e.gold), covered(&e.predicted))).collect();
        assert_eq!(
            rows,
            [
                ("missed", "Source", Some("Anna"), None),
                ("spurious", "Source", None, Some("Ben")),
                ("speaker", "Quote", Some("Anna"), Some("Ben")),
                ("missed", "Cue", Some("said"), None),
                ("cue", "Quote", Some("said"), None),
            ]
        );
        assert_eq!(errors[2].quotation.as_ref().map(|q| (q.start, q.end)), Some((16, 20)));
        assert_eq!(errors[2].context, "Anna told Ben: “⟦Yes.⟧” He said: “No.”");
        // Without attribution names, only the span errors.
        assert_eq!(classify(&gold, &pred, "quotes", None, &Grounding::default()).len(), 3);
    }
}
