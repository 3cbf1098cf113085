//! Checks one annotated document against a corpus manifest.
//!
//! Format readers check what only they can see (syntax, the covered text each line repeats);
//! everything that holds for any format lives here, so gold files, brat imports and
//! predictions are held to one standard.

use std::collections::{BTreeMap, HashMap};

use crate::error::{Location, ProblemKind, Problems};
use crate::manifest::{Manifest, PerHead};
use crate::model::{AnnotatedDocument, Annotations, Document};
use crate::text::is_grapheme_boundary;

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
    // Spans by id, needed only when something refers to spans.
    let refers = !ann.relations.is_empty() || !ann.clusters.is_empty();
    let spans: HashMap<&str, &crate::model::Span> =
        if refers { ann.spans.iter().map(|s| (s.id(), s)).collect() } else { HashMap::new() };
    let len = document.len_chars();
    for span in &ann.spans {
        match manifest.layer(span.layer()) {
            None => problems.push(
                at(span.id()),
                ProblemKind::UnknownLayer { span: span.id().to_owned(), layer: span.layer().to_owned() },
            ),
            Some(layer) if !layer.labels.iter().any(|l| l == span.label()) => problems.push(
                at(span.id()),
                ProblemKind::UnknownLabel {
                    span: span.id().to_owned(),
                    label: span.label().to_owned(),
                    layer: Some(layer.name.clone()),
                },
            ),
            Some(_) => {}
        }
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
                Some(span) if !allowed.iter().any(|l| l == span.label()) => problems.push(
                    at(&rel.id),
                    ProblemKind::RelationArgumentLabel {
                        relation: rel.id.clone(),
                        kind: rel.kind.clone(),
                        role,
                        span: id.clone(),
                        label: span.label().to_owned(),
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
        for span in ann.spans.iter().filter(|s| decl.head.iter().any(|l| l == s.label())) {
            let count = per_head.get(&(span.id(), decl.name.as_str())).copied().unwrap_or(0);
            let kind = if count == 0 && decl.per_head == PerHead::One && require {
                ProblemKind::MissingRelation {
                    span: span.id().to_owned(),
                    label: span.label().to_owned(),
                    kind: decl.name.clone(),
                }
            } else if count > 1 {
                ProblemKind::TooManyRelations {
                    span: span.id().to_owned(),
                    label: span.label().to_owned(),
                    kind: decl.name.clone(),
                    count,
                }
            } else {
                continue;
            };
            problems.push(at(span.id()), kind);
        }
    }

    let mut clustered: HashMap<&str, ()> = HashMap::new();
    for (i, cluster) in ann.clusters.iter().enumerate() {
        for member in cluster {
            if !spans.contains_key(member.as_str()) {
                problems.push(
                    at(&format!("*{i}")),
                    ProblemKind::MissingReference { owner: "coreference cluster".into(), target: member.clone() },
                );
            }
            if clustered.insert(member, ()).is_some() {
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
