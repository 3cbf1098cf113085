//! The in-memory data model: documents, spans in layers, relations, coreference clusters.
//!
//! These types carry no serde derives on purpose: each on-disk format has its own versioned
//! structs converted into these, so a refactor here never silently changes a file format.

use std::collections::BTreeMap;

use compact_str::CompactString;

use crate::text::{self, Offsets};

/// Free key/value metadata of a document (title, date, domain, ...), used for slicing.
pub type Meta = BTreeMap<String, String>;

/// A document: an id, its text and its metadata.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    id: String,
    text: String,
    meta: Meta,
    offsets: Offsets,
}

impl Document {
    /// Creates a document; the code-point offset table is built once here.
    pub fn new(id: impl Into<String>, text: impl Into<String>, meta: Meta) -> Document {
        let text = text.into();
        let offsets = Offsets::new(&text);
        Document { id: id.into(), text, meta, offsets }
    }

    /// The document id (stable, filename-safe in a gold corpus).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The full text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The metadata.
    pub fn meta(&self) -> &Meta {
        &self.meta
    }

    /// The code-point offset table of the text.
    pub fn offsets(&self) -> &Offsets {
        &self.offsets
    }

    /// Length of the text in code points.
    pub fn len_chars(&self) -> usize {
        self.offsets.len_chars()
    }

    /// The text between code points `start` and `end`, or `None` if out of range.
    pub fn slice(&self, start: usize, end: usize) -> Option<&str> {
        text::slice(&self.text, &self.offsets, start, end)
    }

    /// The text a span covers: its fragments joined by a single space, as brat writes it.
    /// `None` if a fragment is out of range.
    pub fn covered_text(&self, fragments: &[Fragment]) -> Option<String> {
        let mut out = String::new();
        for (i, f) in fragments.iter().enumerate() {
            if i > 0 {
                out.push(' ');
            }
            out.push_str(self.slice(f.start, f.end)?);
        }
        Some(out)
    }
}

/// One contiguous piece of a span, in code points, end exclusive; `start < end`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Fragment {
    start: usize,
    end: usize,
}

impl Fragment {
    /// A fragment `start..end`; `None` unless `start < end`.
    pub fn new(start: usize, end: usize) -> Option<Fragment> {
        (start < end).then_some(Fragment { start, end })
    }

    /// First code point covered.
    pub fn start(&self) -> usize {
        self.start
    }

    /// One past the last code point covered.
    pub fn end(&self) -> usize {
        self.end
    }

    /// Number of code points covered.
    pub fn len(&self) -> usize {
        self.end - self.start
    }

    /// Always false: a fragment covers at least one code point.
    pub fn is_empty(&self) -> bool {
        false
    }
}

/// Why a list of fragments cannot make a span.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum FragmentError {
    /// No fragments at all.
    #[error("a span needs at least one fragment")]
    Empty,
    /// Fragments overlap or are out of order.
    #[error("fragments must be in order and must not overlap")]
    Unordered,
}

const LABEL_KEY_BYTES: usize = 15;

/// A number that orders like the label for labels of up to [`LABEL_KEY_BYTES`] bytes: the
/// bytes, zero-padded, then the length (so "AB" sorts before "AB\0"). Longer labels get
/// their first bytes and a marker above any length, and ties are settled on the text.
fn label_key(label: &str) -> u128 {
    let mut key = [0u8; 16];
    let n = label.len().min(LABEL_KEY_BYTES);
    key[..n].copy_from_slice(&label.as_bytes()[..n]);
    key[LABEL_KEY_BYTES] =
        u8::try_from(label.len()).ok().filter(|&len| usize::from(len) <= LABEL_KEY_BYTES).unwrap_or(u8::MAX);
    u128::from_be_bytes(key)
}

/// A labelled span of text in a layer. Discontinuous spans have several fragments.
///
/// Ids, layers and labels are short strings stored inline (no heap allocation up to 24
/// bytes): a scoring run creates millions of spans.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span {
    id: CompactString,
    layer: CompactString,
    label: CompactString,
    /// The label as one number that orders like the label: see [`label_key`].
    label_key: u128,
    /// From the start of the first fragment to the end of the last: the whole span when it
    /// is contiguous (almost always), kept inline so a span costs no heap allocation.
    extent: Fragment,
    /// Every fragment of a discontinuous span; `None` for a contiguous one (never a single
    /// fragment, so derived equality holds).
    pieces: Option<Box<[Fragment]>>,
}

impl Span {
    /// Creates a span; fragments must be non-empty, ordered and non-overlapping.
    pub fn new(
        id: impl Into<CompactString>,
        layer: impl Into<CompactString>,
        label: impl Into<CompactString>,
        fragments: Vec<Fragment>,
    ) -> Result<Span, FragmentError> {
        if fragments.is_empty() {
            return Err(FragmentError::Empty);
        }
        if fragments.windows(2).any(|w| w[0].end > w[1].start) {
            return Err(FragmentError::Unordered);
        }
        let extent = Fragment { start: fragments[0].start, end: fragments[fragments.len() - 1].end };
        let pieces = (fragments.len() > 1).then(|| fragments.into_boxed_slice());
        let label = label.into();
        Ok(Span { id: id.into(), layer: layer.into(), label_key: label_key(&label), label, extent, pieces })
    }

    /// A contiguous span `start..end`; `None` unless `start < end`.
    pub fn contiguous(
        id: impl Into<CompactString>,
        layer: impl Into<CompactString>,
        label: impl Into<CompactString>,
        start: usize,
        end: usize,
    ) -> Option<Span> {
        let fragment = Fragment::new(start, end)?;
        let label = label.into();
        Some(Span {
            id: id.into(),
            layer: layer.into(),
            label_key: label_key(&label),
            label,
            extent: fragment,
            pieces: None,
        })
    }

    /// The span id, unique within its document.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The layer the span belongs to.
    pub fn layer(&self) -> &str {
        &self.layer
    }

    /// The span label.
    pub fn label(&self) -> &str {
        &self.label
    }

    /// The fragments, ordered and disjoint.
    pub fn fragments(&self) -> &[Fragment] {
        self.pieces.as_deref().unwrap_or(std::slice::from_ref(&self.extent))
    }

    /// Orders two spans' labels as strings, in a single comparison of numbers for any label
    /// of up to 15 bytes (scoring compares labels millions of times).
    pub fn label_cmp(&self, other: &Span) -> std::cmp::Ordering {
        match self.label_key.cmp(&other.label_key) {
            std::cmp::Ordering::Equal if self.label.len() > LABEL_KEY_BYTES => self.label.cmp(&other.label),
            order => order,
        }
    }

    /// Whether two spans have the same label.
    pub fn same_label(&self, other: &Span) -> bool {
        self.label_cmp(other).is_eq()
    }

    /// Whether two spans cover exactly the same fragments (labels aside).
    pub fn same_fragments(&self, other: &Span) -> bool {
        self.extent == other.extent && self.pieces == other.pieces
    }

    /// Start of the first fragment.
    pub fn start(&self) -> usize {
        self.extent.start
    }

    /// End of the last fragment.
    pub fn end(&self) -> usize {
        self.extent.end
    }

    /// Replaces the id (used when writers renumber).
    pub fn with_id(mut self, id: impl Into<CompactString>) -> Span {
        self.id = id.into();
        self
    }

    /// Replaces the label (used by label maps).
    pub fn with_label(mut self, label: impl Into<CompactString>) -> Span {
        self.label = label.into();
        self.label_key = label_key(&self.label);
        self
    }

    /// Replaces the layer.
    pub fn with_layer(mut self, layer: impl Into<CompactString>) -> Span {
        self.layer = layer.into();
        self
    }
}

/// A typed, directed link between two spans, e.g. `Quote -speaker-> Source`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Relation {
    /// Relation id, unique within its document (brat `R` id).
    pub id: String,
    /// Relation type, declared by the corpus manifest.
    pub kind: String,
    /// Id of the head span (brat `Arg1`).
    pub head: String,
    /// Id of the tail span (brat `Arg2`).
    pub tail: String,
}

/// A set of span ids that refer to the same real-world entity.
pub type Cluster = Vec<String>;

/// An attribute on a span (brat `A` line): a flag when `value` is `None`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attribute {
    /// Attribute id (brat `A` id).
    pub id: String,
    /// Attribute name.
    pub name: String,
    /// Id of the annotation it qualifies.
    pub target: String,
    /// Value, or `None` for a binary flag.
    pub value: Option<String>,
}

/// A free-text note on an annotation (brat `#` line, e.g. `AnnotatorNotes`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    /// Note id (brat `#` id).
    pub id: String,
    /// Note type, usually `AnnotatorNotes`.
    pub kind: String,
    /// Id of the annotation it is about.
    pub target: String,
    /// The note.
    pub text: String,
}

/// A prediction given as text, without offsets: what a prompted language model answers
/// (`{"text": "Liz Truss", "label": "PERSON"}`). Scoring places it in the document first
/// (grounding, in goldspan-score); one that cannot be placed counts as spurious.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextSpan {
    /// Its id, unique among the document's spans and text spans (relations may name it).
    pub id: CompactString,
    /// The layer it belongs to.
    pub layer: CompactString,
    /// Its label.
    pub label: CompactString,
    /// The text as predicted.
    pub text: String,
    /// Which occurrence of the text is meant, counting from 1, when the prediction says.
    pub occurrence: Option<usize>,
    /// A short stretch of the document around it that tells the occurrence meant apart.
    pub context: Option<String>,
}

/// Everything annotated on one document.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Annotations {
    /// Spans, in any order.
    pub spans: Vec<Span>,
    /// Predictions given as text without offsets, in the order given; never in gold.
    pub text_spans: Vec<TextSpan>,
    /// Relations between spans.
    pub relations: Vec<Relation>,
    /// Coreference clusters of span ids.
    pub clusters: Vec<Cluster>,
    /// Attributes on spans.
    pub attributes: Vec<Attribute>,
    /// Notes on annotations.
    pub notes: Vec<Note>,
}

impl Annotations {
    /// The span with this id, if any.
    pub fn span(&self, id: &str) -> Option<&Span> {
        self.spans.iter().find(|s| s.id == id)
    }

    /// Spans of one layer.
    pub fn layer<'a>(&'a self, layer: &'a str) -> impl Iterator<Item = &'a Span> + 'a {
        self.spans.iter().filter(move |s| s.layer == layer)
    }

    /// Gives each span whose label `manifest` declares that label's layer (for spans read from
    /// a format that carries labels only, before a label map or a manifest was known).
    pub fn take_layers_from(&mut self, manifest: &crate::Manifest) {
        for span in &mut self.spans {
            if let Some(layer) = manifest.layer_of(span.label()) {
                if layer.name != span.layer() {
                    span.layer = layer.name.as_str().into();
                }
            }
        }
        for span in &mut self.text_spans {
            if let Some(layer) = manifest.layer_of(&span.label) {
                if layer.name != span.layer {
                    span.layer = layer.name.as_str().into();
                }
            }
        }
    }

    /// Renames span labels through `map` (a label map); a span mapped to `None` is dropped,
    /// with the relations, cluster memberships, attributes and notes that name it.
    pub fn relabel(&mut self, map: &dyn Fn(&str) -> Option<String>) {
        let mut dropped: Vec<CompactString> = Vec::new();
        self.spans = std::mem::take(&mut self.spans)
            .into_iter()
            .filter_map(|span| match map(span.label()) {
                Some(label) => Some(span.with_label(label)),
                None => {
                    dropped.push(span.id.clone());
                    None
                }
            })
            .collect();
        self.text_spans = std::mem::take(&mut self.text_spans)
            .into_iter()
            .filter_map(|mut span| match map(&span.label) {
                Some(label) => {
                    span.label = label.into();
                    Some(span)
                }
                None => {
                    dropped.push(span.id.clone());
                    None
                }
            })
            .collect();
        self.forget(&dropped);
    }

    /// Keeps only the spans (and spans given as text) in layers `keep` accepts, dropping the
    /// others with the relations, cluster memberships, attributes and notes that name them;
    /// returns the layers dropped with how many spans each lost.
    pub fn retain_layers(&mut self, keep: &dyn Fn(&str) -> bool) -> BTreeMap<String, usize> {
        let mut lost: BTreeMap<String, usize> = BTreeMap::new();
        let mut dropped: Vec<CompactString> = Vec::new();
        self.spans.retain(|span| {
            let kept = keep(span.layer());
            if !kept {
                *lost.entry(span.layer().to_owned()).or_default() += 1;
                dropped.push(span.id.clone());
            }
            kept
        });
        self.text_spans.retain(|span| {
            let kept = keep(&span.layer);
            if !kept {
                *lost.entry(span.layer.to_string()).or_default() += 1;
                dropped.push(span.id.clone());
            }
            kept
        });
        self.forget(&dropped);
        lost
    }

    /// Drops what names the spans `dropped` (gone already): relations, cluster memberships,
    /// attributes and notes.
    fn forget(&mut self, dropped: &[CompactString]) {
        if dropped.is_empty() {
            return;
        }
        let gone = |id: &str| dropped.iter().any(|d| d == id);
        self.relations.retain(|r| !gone(&r.head) && !gone(&r.tail));
        for cluster in &mut self.clusters {
            cluster.retain(|m| !gone(m));
        }
        self.clusters.retain(|c| c.len() > 1);
        self.attributes.retain(|a| !gone(&a.target));
        self.notes.retain(|n| !gone(&n.target));
    }
}

/// A document with its annotations: one gold or predicted record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnnotatedDocument {
    /// The document.
    pub document: Document,
    /// Its annotations.
    pub annotations: Annotations,
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn labelled(label: &str) -> Span {
        Span::contiguous("T1", "l", label, 0, 1).expect("span")
    }

    #[test]
    fn labels_compare_as_strings() {
        let labels = [
            "",
            "A",
            "AB",
            "AB\0",
            "ABC",
            "B",
            "PERSON",
            "WORK_OF_ART",
            "0123456789abcde",
            "0123456789abcdef",
            "0123456789abcdeZ",
            "0123456789abcdef0",
            "é",
            "京",
        ];
        for a in labels {
            for b in labels {
                assert_eq!(labelled(a).label_cmp(&labelled(b)), a.cmp(b), "{a:?} {b:?}");
            }
        }
    }

    proptest! {
        #[test]
        fn label_order_is_string_order(a in "[a-c\0é]{0,20}", b in "[a-c\0é]{0,20}") {
            prop_assert_eq!(labelled(&a).label_cmp(&labelled(&b)), a.cmp(&b));
            prop_assert_eq!(labelled(&a).with_label(b.as_str()).same_label(&labelled(&b)), true);
        }
    }

    #[test]
    fn relabel_renames_and_drops_with_what_names_the_dropped() {
        let span = |id: &str, label: &str| Span::contiguous(id, "entities", label, 0, 1).expect("span");
        let mut a = Annotations {
            spans: vec![span("T1", "PER"), span("T2", "MISC"), span("T3", "ORG")],
            relations: vec![
                Relation { id: "R1".into(), kind: "r".into(), head: "T1".into(), tail: "T2".into() },
                Relation { id: "R2".into(), kind: "r".into(), head: "T1".into(), tail: "T3".into() },
            ],
            clusters: vec![vec!["T1".into(), "T2".into()]],
            ..Annotations::default()
        };
        a.relabel(&|label| match label {
            "PER" => Some("PERSON".into()),
            "MISC" => None,
            other => Some(other.into()),
        });
        let labels: Vec<(&str, &str)> = a.spans.iter().map(|s| (s.id(), s.label())).collect();
        assert_eq!(labels, [("T1", "PERSON"), ("T3", "ORG")]);
        let relations: Vec<&str> = a.relations.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(relations, ["R2"]);
        assert!(a.clusters.is_empty(), "a cluster of one is no cluster");
    }

    #[test]
    fn covered_text_joins_fragments_with_a_space() {
        let doc = Document::new("d", "“Russia has.\n“It must.”", Meta::new());
        let f = |s, e| Fragment::new(s, e).expect("valid fragment");
        assert_eq!(doc.covered_text(&[f(1, 12), f(14, 22)]).as_deref(), Some("Russia has. It must."));
        assert_eq!(doc.covered_text(&[f(20, 40)]), None);
    }

    #[test]
    fn span_fragments_must_be_ordered_and_disjoint() {
        let f = |s, e| Fragment::new(s, e).expect("valid fragment");
        assert_eq!(Span::new("T1", "l", "L", vec![]), Err(FragmentError::Empty));
        assert_eq!(Span::new("T1", "l", "L", vec![f(5, 9), f(0, 2)]), Err(FragmentError::Unordered));
        assert_eq!(Span::new("T1", "l", "L", vec![f(0, 5), f(4, 9)]), Err(FragmentError::Unordered));
        let s = Span::new("T1", "l", "L", vec![f(0, 2), f(2, 4)]).expect("touching fragments are fine");
        assert_eq!((s.start(), s.end()), (0, 4));
        assert!(Fragment::new(3, 3).is_none());
    }
}
