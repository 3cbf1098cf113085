//! Corpus statistics: documents, words, spans per layer and label, quotations by speaker kind,
//! broken down by split and by any metadata field.
//!
//! A speaker's kind is derived, not annotated, so it cannot drift: a speaker mention that
//! coincides with a mention of the manifest's mention layer is a `name`, one whose text is a
//! personal pronoun is a `pronoun`, anything else ("a spokeswoman", "the ministry") is
//! `nominal`. Which relation names a speaker, and which layer holds the mentions, come from
//! the manifest's [`Attribution`]; without it no quotation is counted.

use std::collections::BTreeMap;

use crate::manifest::Attribution;
use crate::model::AnnotatedDocument;

/// Counts over a set of documents. All maps are sorted, so output is deterministic.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counts {
    /// Number of documents.
    pub documents: usize,
    /// Number of words (whitespace-separated tokens holding a letter or digit).
    pub words: usize,
    /// Spans per layer.
    pub spans_per_layer: BTreeMap<String, usize>,
    /// Spans per (layer, label).
    pub spans_per_label: BTreeMap<(String, String), usize>,
    /// Quotations with a speaker relation.
    pub quotes_with_speaker: usize,
    /// Quotations per speaker kind (`name`, `pronoun`, `nominal`).
    pub speakers_by_kind: BTreeMap<String, usize>,
    /// Relations per type.
    pub relations: BTreeMap<String, usize>,
    /// Coreference clusters.
    pub clusters: usize,
}

/// Personal pronouns that can stand as a speaker: `data/pronouns.txt`, one a line.
const PRONOUNS: &str = include_str!("../data/pronouns.txt");

/// Whether `text` is a personal pronoun (`data/pronouns.txt`), ignoring case and surrounding
/// whitespace. Statistics call such a speaker a `pronoun`; attribution scoring does not credit
/// a pronoun by its text alone, since the same pronoun names different people in one document.
pub fn is_pronoun(text: &str) -> bool {
    let text = text.trim().to_lowercase();
    PRONOUNS.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')).any(|p| p == text)
}

/// The kind of speaker the mention `source_id` is: `name` when a span of `mention_layer` has
/// the same boundaries, `pronoun`, or `nominal`.
pub fn speaker_kind(doc: &AnnotatedDocument, source_id: &str, mention_layer: Option<&str>) -> &'static str {
    let ann = &doc.annotations;
    let Some(source) = ann.span(source_id) else { return "nominal" };
    if ann.spans.iter().any(|s| Some(s.layer()) == mention_layer && s.same_fragments(source)) {
        return "name";
    }
    let text = doc.document.covered_text(source.fragments()).unwrap_or_default();
    if is_pronoun(&text) {
        "pronoun"
    } else {
        "nominal"
    }
}

/// Counts words the way `stats` reports them.
pub fn count_words(text: &str) -> usize {
    text.split_whitespace().filter(|w| w.chars().any(char::is_alphanumeric)).count()
}

impl Counts {
    /// Adds one document; quotations and their speakers are those `attribution` names.
    pub fn add(&mut self, doc: &AnnotatedDocument, attribution: Option<&Attribution>) {
        self.documents += 1;
        self.words += count_words(doc.document.text());
        let ann = &doc.annotations;
        for span in &ann.spans {
            *self.spans_per_layer.entry(span.layer().to_owned()).or_default() += 1;
            *self.spans_per_label.entry((span.layer().to_owned(), span.label().to_owned())).or_default() += 1;
        }
        for rel in &ann.relations {
            *self.relations.entry(rel.kind.clone()).or_default() += 1;
            let Some(a) = attribution.filter(|a| a.speaker_relation == rel.kind) else { continue };
            self.quotes_with_speaker += 1;
            let kind = speaker_kind(doc, &rel.tail, a.mention_layer.as_deref());
            *self.speakers_by_kind.entry(kind.to_owned()).or_default() += 1;
        }
        self.clusters += ann.clusters.len();
    }
}

/// Statistics of a corpus: the whole, and per group (split, or a metadata field's value).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stats {
    /// Counts over every document.
    pub total: Counts,
    /// Counts per split.
    pub splits: BTreeMap<String, Counts>,
    /// Counts per value of each grouping metadata field, e.g. `domain`.
    pub by_meta: BTreeMap<String, BTreeMap<String, Counts>>,
    /// The corpus's attribution vocabulary (from its manifest), if it has one.
    pub attribution: Option<Attribution>,
}

impl Stats {
    /// Empty statistics of a corpus whose attribution vocabulary is `attribution`.
    pub fn new(attribution: Option<Attribution>) -> Stats {
        Stats { attribution, ..Stats::default() }
    }

    /// Adds a document that belongs to `split` (if any), grouping it by the `group_by` fields.
    pub fn add(&mut self, doc: &AnnotatedDocument, split: Option<&str>, group_by: &[&str]) {
        let a = self.attribution.as_ref();
        self.total.add(doc, a);
        if let Some(split) = split {
            self.splits.entry(split.to_owned()).or_default().add(doc, a);
        }
        for field in group_by {
            let value = doc.document.meta().get(*field).cloned().unwrap_or_else(|| "(none)".into());
            self.by_meta.entry((*field).to_owned()).or_default().entry(value).or_default().add(doc, a);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pronouns_come_from_the_word_list_whatever_their_case() {
        for word in ["she", "She", " HE ", "it", "them"] {
            assert!(is_pronoun(word), "{word}");
        }
        // Comment lines, possessives, names and phrases are not pronouns.
        for word in ["#", "his", "Shea", "she said", "", "a spokeswoman"] {
            assert!(!is_pronoun(word), "{word}");
        }
    }
}
