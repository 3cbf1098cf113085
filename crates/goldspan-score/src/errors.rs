//! Error analysis: every disagreement between gold and predictions, classified, with the text
//! around it, and the label confusion table.
//!
//! Classification follows the strict-mode alignment: a matched pair with the same boundaries and a
//! different label is a `label` error; overlapping with the same label, a `boundary` error;
//! overlapping with another label, `boundary+label`; unmatched gold is `missed`, an unmatched
//! prediction `spurious`.

use std::collections::BTreeMap;
use std::fmt;

use goldspan_model::{AnnotatedDocument, Annotations, Document, Span};

use crate::align;
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
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ErrorKind::Boundary => "boundary",
            ErrorKind::Label => "label",
            ErrorKind::BoundaryLabel => "boundary+label",
            ErrorKind::Missed => "missed",
            ErrorKind::Spurious => "spurious",
        })
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
    /// The gold span, unless spurious.
    pub gold: Option<Side>,
    /// The predicted span, unless missed.
    pub predicted: Option<Side>,
    /// Up to 40 characters either side, with the disagreement in ⟦ ⟧, line breaks as ⏎.
    pub context: String,
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
    format!("{before}⟦{inside}⟧{after}").replace("\r\n", "⏎").replace('\n', "⏎")
}

/// Every error in `layer`, in text order.
pub fn classify(gold: &AnnotatedDocument, pred: &Annotations, layer: &str) -> Vec<ErrorItem> {
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
    items.sort_by_key(|e| {
        let s = e.gold.as_ref().or(e.predicted.as_ref());
        (s.map(|s| s.start).unwrap_or(0), s.map(|s| s.end).unwrap_or(0), e.kind)
    });
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
        let errors = classify(&gold, &pred, "entities");
        let kinds: Vec<String> = errors.iter().map(|e| e.kind.to_string()).collect();
        assert_eq!(kinds, ["boundary", "spurious", "label", "missed"]);
        assert_eq!(errors[0].context, "⟦Ms Zoë Brandt⟧ met the Bank of England in Leeds.");
        assert_eq!(errors[3].gold.as_ref().map(|g| g.text.as_str()), Some("Leeds"));
        let table = confusions(&gold, &pred, "entities");
        assert_eq!(table.get(&("ORG".into(), "GPE".into())), Some(&1));
        assert_eq!(table.get(&("GPE".into(), "∅".into())), Some(&1));
        assert_eq!(table.get(&("∅".into(), "ORG".into())), Some(&1));
    }
}
