//! Checks one annotated document against a corpus manifest.
//!
//! Format readers check what only they can see (syntax, the covered text each line repeats);
//! everything that holds for any format lives here, so gold files, brat imports and
//! predictions are held to one standard.

use std::collections::BTreeMap;

use crate::error::{Location, ProblemKind, Problems};
use crate::manifest::{Manifest, PerHead};
use crate::model::{AnnotatedDocument, Annotations, Document, Span};
use crate::text::is_grapheme_boundary;
use crate::{IdMap, IdSet};

/// Records every problem of gold annotations `doc` against `manifest`. `line_of` maps an
/// annotation id to the line it was read from, so each problem names its line.
pub fn check_document(
    doc: &AnnotatedDocument,
    manifest: &Manifest,
    location: &Location,
    line_of: &dyn Fn(&str) -> Option<usize>,
    problems: &mut Problems,
) {
    check(&doc.document, &doc.annotations, manifest, true, location, line_of, problems);
}

/// [`check_document`] for predictions: the same checks, except that a relation the manifest
/// requires may be absent (a quotation detector need not name speakers).
pub fn check_predictions(
    document: &Document,
    annotations: &Annotations,
    manifest: &Manifest,
    location: &Location,
    problems: &mut Problems,
) {
    let line = location.line;
    check(document, annotations, manifest, false, location, &|_| line, problems);
}

fn check(
    document: &Document,
    ann: &Annotations,
    manifest: &Manifest,
    require: bool,
    location: &Location,
    line_of: &dyn Fn(&str) -> Option<usize>,
    problems: &mut Problems,
) {
    let loc = location.in_document(document.id());
    let at = |id: &str| match line_of(id) {
        Some(line) => loc.at_line(line),
        None => loc.clone(),
    };
    if document.text().is_empty() {
        problems.push(loc.clone(), ProblemKind::EmptyDocument);
    }

    let mut ids: Vec<(&str, usize)> = ann
        .spans
        .iter()
        .map(|s| s.id())
        .chain(ann.text_spans.iter().map(|s| s.id.as_str()))
        .chain(ann.relations.iter().map(|r| r.id.as_str()))
        .chain(ann.attributes.iter().map(|a| a.id.as_str()))
        .chain(ann.notes.iter().map(|n| n.id.as_str()))
        .enumerate()
        .map(|(i, id)| (id, i))
        .collect();
    ids.sort_unstable();
    for pair in ids.windows(2) {
        if pair[0].0 == pair[1].0 {
            // The standoff reader reports duplicates with both lines and drops the second; this
            // catches formats whose records carry no per-annotation lines.
            let id = pair[1].0;
            problems.push(at(id), ProblemKind::DuplicateId { id: id.to_owned(), first_line: None });
        }
    }
    let known = |id: &str| ids.binary_search_by(|(x, _)| x.cmp(&id)).is_ok();
    // The labels of spans (and of predictions given as text) by id, needed only when
    // something refers to spans.
    let refers = !ann.relations.is_empty() || !ann.clusters.is_empty();
    let spans: IdMap<&str, &str> = if refers {
        let text_spans = ann.text_spans.iter().map(|s| (s.id.as_str(), s.label.as_str()));
        ann.spans.iter().map(|s| (s.id(), s.label())).chain(text_spans).collect()
    } else {
        IdMap::default()
    };
    if require {
        // Two copies of one gold span: a prediction matches one, the other counts as missed.
        // Predictions may repeat a span; scoring counts the copy as spurious.
        for (first, copy) in duplicate_spans(&ann.spans) {
            let (first, copy) = (ann.spans[first].id(), ann.spans[copy].id());
            problems.push(at(copy), ProblemKind::DuplicateSpan { span: copy.to_owned(), first: first.to_owned() });
        }
    }
    let len = document.len_chars();
    let labelled = ann.spans.iter().map(|s| (s.id(), s.layer(), s.label()));
    let text_spans = ann.text_spans.iter().map(|s| (s.id.as_str(), s.layer.as_str(), s.label.as_str()));
    for (id, layer_name, label) in labelled.chain(text_spans) {
        match manifest.layer(layer_name) {
            None => {
                problems.push(at(id), ProblemKind::UnknownLayer { span: id.to_owned(), layer: layer_name.to_owned() })
            }
            Some(layer) if !layer.labels.iter().any(|l| l == label) => problems.push(
                at(id),
                ProblemKind::UnknownLabel {
                    span: id.to_owned(),
                    label: label.to_owned(),
                    layer: Some(layer.name.clone()),
                },
            ),
            Some(_) => {}
        }
    }
    for span in &ann.spans {
        for fragment in span.fragments() {
            for offset in [fragment.start(), fragment.end()] {
                if offset > len {
                    problems
                        .push(at(span.id()), ProblemKind::OffsetOutOfRange { span: span.id().to_owned(), offset, len });
                } else if !is_grapheme_boundary(document.text(), document.offsets(), offset) {
                    problems
                        .push(at(span.id()), ProblemKind::OffsetInsideCharacter { span: span.id().to_owned(), offset });
                }
            }
        }
    }

    let mut per_head: BTreeMap<(&str, &str), usize> = BTreeMap::new();
    for rel in &ann.relations {
        let Some(decl) = manifest.relation_type(&rel.kind) else {
            problems.push(
                at(&rel.id),
                ProblemKind::UnknownRelationType { relation: rel.id.clone(), kind: rel.kind.clone() },
            );
            continue;
        };
        for (role, id, allowed) in [("head", &rel.head, &decl.head), ("tail", &rel.tail, &decl.tail)] {
            match spans.get(id.as_str()) {
                None => problems.push(
                    at(&rel.id),
                    ProblemKind::MissingReference { owner: format!("relation {}", rel.id), target: id.clone() },
                ),
                Some(label) if !allowed.iter().any(|l| l == label) => problems.push(
                    at(&rel.id),
                    ProblemKind::RelationArgumentLabel {
                        relation: rel.id.clone(),
                        kind: rel.kind.clone(),
                        role,
                        span: id.clone(),
                        label: (*label).to_owned(),
                        allowed: allowed.clone(),
                    },
                ),
                Some(_) => {}
            }
        }
        *per_head.entry((rel.head.as_str(), rel.kind.as_str())).or_default() += 1;
    }
    for decl in manifest.relation_types() {
        if decl.per_head == PerHead::Many {
            continue;
        }
        let heads = ann.spans.iter().map(|s| (s.id(), s.label()));
        let text_heads = ann.text_spans.iter().map(|s| (s.id.as_str(), s.label.as_str()));
        for (id, label) in heads.chain(text_heads).filter(|(_, label)| decl.head.iter().any(|l| l == label)) {
            let count = per_head.get(&(id, decl.name.as_str())).copied().unwrap_or(0);
            let kind = if count == 0 && decl.per_head == PerHead::One && require {
                ProblemKind::MissingRelation { span: id.to_owned(), label: label.to_owned(), kind: decl.name.clone() }
            } else if count > 1 {
                ProblemKind::TooManyRelations {
                    span: id.to_owned(),
                    label: label.to_owned(),
                    kind: decl.name.clone(),
                    count,
                }
            } else {
                continue;
            };
            problems.push(at(id), kind);
        }
    }

    let mut clustered: IdSet<&str> = IdSet::default();
    for (i, cluster) in ann.clusters.iter().enumerate() {
        for member in cluster {
            if !spans.contains_key(member.as_str()) {
                problems.push(
                    at(&format!("*{i}")),
                    ProblemKind::MissingReference { owner: "coreference cluster".into(), target: member.clone() },
                );
            }
            if !clustered.insert(member) {
                problems.push(at(&format!("*{i}")), ProblemKind::SpanInSeveralClusters { span: member.clone() });
            }
        }
    }
    let targets = ann.attributes.iter().map(|a| (&a.id, &a.target)).chain(ann.notes.iter().map(|n| (&n.id, &n.target)));
    for (id, target) in targets {
        if !known(target) {
            problems.push(at(id), ProblemKind::MissingReference { owner: id.clone(), target: target.clone() });
        }
    }
}

/// Spans that repeat an earlier one (same layer, label and fragments; ids aside), as pairs of
/// indices into `spans`: (the first of them, the repeat), ordered by the repeat.
pub fn duplicate_spans(spans: &[Span]) -> Vec<(usize, usize)> {
    let same = |a: &Span, b: &Span| a.layer() == b.layer() && a.same_label(b) && a.same_fragments(b);
    // Copies sort next to each other whatever the order of the keys: places first, as they
    // are numbers (and spans mostly come in the order of their places), then layer and label,
    // then position, so that the first of each group is the earliest.
    let mut order: Vec<usize> = (0..spans.len()).collect();
    order.sort_unstable_by(|&a, &b| {
        let (x, y) = (&spans[a], &spans[b]);
        x.fragments()
            .cmp(y.fragments())
            .then_with(|| x.layer().cmp(y.layer()))
            .then_with(|| x.label_cmp(y))
            .then(a.cmp(&b))
    });
    let mut pairs = Vec::new();
    let mut first = None;
    for (k, &i) in order.iter().enumerate() {
        match first {
            Some(f) if k > 0 && same(&spans[f], &spans[i]) => pairs.push((f, i)),
            _ => first = Some(i),
        }
    }
    pairs.sort_by_key(|&(_, copy)| copy);
    pairs
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::Layer;
    use crate::model::Meta;

    fn manifest() -> Manifest {
        let layer = Layer { name: "entities".into(), labels: vec!["LOC".into(), "PER".into()], relations: Vec::new() };
        Manifest { layers: vec![layer], ..Manifest::default() }
    }

    fn span(id: &str, label: &str, start: usize, end: usize) -> Span {
        Span::contiguous(id, "entities", label, start, end).expect("span")
    }

    /// (span id, the span it repeats) of every duplicate problem `check` finds as gold.
    fn duplicates(spans: Vec<Span>, gold: bool) -> Vec<(String, String)> {
        let document = Document::new("d", "exampleA", Meta::new());
        let annotations = Annotations { spans, ..Annotations::default() };
        let mut problems = Problems::default();
        let location = Location::file("gold");
        if gold {
            let doc = AnnotatedDocument { document, annotations };
            check_document(&doc, &manifest(), &location, &|_| None, &mut problems);
        } else {
            check_predictions(&document, &annotations, &manifest(), &location, &mut problems);
        }
        problems
            .0
            .into_iter()
            .map(|p| match p.kind {
                ProblemKind::DuplicateSpan { span, first } => (span, first),
                other => panic!("unexpected problem: {other}"),
            })
            .collect()
    }

    #[test]
    fn duplicate_gold_spans_are_problems() {
        // doccano's own import fixture example_overlapping.jsonl labels "exampleA" with
        // [[0, 1, "LOC"], [0, 1, "LOC"]]: the same span twice.
        let spans = vec![
            span("T1", "LOC", 0, 1),
            span("T2", "PER", 0, 1),
            span("T3", "LOC", 0, 1),
            span("T4", "LOC", 0, 2),
            span("T5", "LOC", 0, 1),
        ];
        assert_eq!(duplicates(spans.clone(), true), [("T3".into(), "T1".into()), ("T5".into(), "T1".into())]);
        // Predictions may repeat a span: the copy is scored as spurious, not rejected.
        assert_eq!(duplicates(spans, false), []);
    }

    #[test]
    fn spans_differing_in_layer_or_fragments_are_not_duplicates() {
        let f = |s, e| crate::model::Fragment::new(s, e).expect("fragment");
        let spans = vec![
            span("T1", "LOC", 0, 4),
            Span::new("T2", "entities", "LOC", vec![f(0, 1), f(2, 4)]).expect("span"),
            Span::contiguous("T3", "places", "LOC", 0, 4).expect("span"),
        ];
        assert_eq!(duplicate_spans(&spans), []);
        let spans = vec![spans[1].clone(), spans[1].clone().with_id("T9")];
        assert_eq!(duplicate_spans(&spans), [(0, 1)]);
    }
}
