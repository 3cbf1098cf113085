//! brat standoff annotation lines (`.ann`): the annotation half of both the gold format and
//! brat import/export, read in one of two dialects.
//!
//! [`Dialect::Gold`] reads exactly what goldspan writes, so a gold corpus is read and written
//! back without losing a byte of meaning: `T` (text-bound spans, discontinuous as `s e;s e` in
//! order), `R` (relations with `Arg1`/`Arg2`), `*` (`Coref` equivalence = coreference cluster),
//! `A`/`M` (attributes), `N` (normalisations `TYPE TARGET DB:ID`, kept as attributes whose id
//! starts with `N`) and `#` (notes). Event (`E`) lines, other equivalence types, other role
//! names and a normalisation's referent name are reported, so `validate` keeps the corpus in
//! that form.
//!
//! [`Dialect::Brat`] reads what the brat tool accepts, keeping what goldspan's model holds and
//! counting the rest in a [`Leniency`]: events are dropped with their trigger spans (unless the
//! manifest declares the trigger's label) and whatever referred to them; normalisations become
//! attributes (their referent name is not kept); every `*` equivalence and every relation of a
//! coreference type becomes a cluster link, and links that share a span are merged into one
//! cluster (as brat merges equivalences); role names other than `Arg1`/`Arg2` are mapped onto
//! head and tail in the order annotation.conf declares them, else the line's order; fragments
//! out of order are sorted; a span line without its covered text is taken as it is (brat fills
//! it in). Unlike brat, text after the covered text is not taken as a comment: for offsets
//! that cover "Liz" and a line that records "Liz Truss", an offset error is the likelier cause.
//!
//! Every `T` line that repeats its covered text is verified against the document; when it
//! differs, the error says whether the offsets look like UTF-16, UTF-8 bytes or CRLF drift.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use compact_str::CompactString;

use goldspan_model::text::diagnose_drift;
use goldspan_model::{check_document, IdMap, IdSet, Manifest};
use goldspan_model::{AnnotatedDocument, Annotations, Attribute, Document, Fragment, Note, Relation, Span};
use goldspan_model::{Location, ProblemKind, Problems};

/// The equivalence type goldspan writes for coreference clusters.
pub const COREF: &str = "Coref";

/// How `.ann` lines are read.
#[derive(Debug, Clone, Copy)]
pub enum Dialect<'a> {
    /// goldspan's gold files: only what goldspan writes back unchanged.
    Gold,
    /// brat's own reading, with what annotation.conf says about the lines.
    Brat(&'a BratRules),
}

/// What brat's annotation.conf says about `.ann` lines beyond their labels.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BratRules {
    /// Relation types whose `R` lines link coreferent spans (declared symmetric-transitive,
    /// or named like coreference): read as cluster links.
    pub coreference: BTreeSet<String>,
    /// The two role names of each relation type, in the order annotation.conf declares them:
    /// the first is the head, the second the tail.
    pub roles: BTreeMap<String, (String, String)>,
    /// Event types: spans with these labels are event triggers.
    pub events: BTreeSet<String>,
}

/// Whether a relation type's name says it is coreference (`Coref`, `Coreference`, `Equiv`,
/// `Alias`, in any case): without a declaration, such `R` lines are read as cluster links.
pub fn is_coreference_name(kind: &str) -> bool {
    ["coref", "coreference", "equiv", "alias"].iter().any(|n| kind.eq_ignore_ascii_case(n))
}

/// What reading in the brat dialect dropped or changed, counted so a reader can say it once.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Leniency {
    /// Event (`E`) lines dropped.
    pub events: usize,
    /// Trigger spans dropped with their events.
    pub triggers: usize,
    /// Relations, attributes, normalisations, notes and cluster members that referred to a
    /// dropped event or trigger, dropped with it.
    pub event_references: usize,
    /// Normalisation (`N`) lines whose referent name (after the second tab) was not kept.
    pub referent_names: usize,
    /// `*` lines of types other than `Coref`, by type, read as clusters.
    pub equivalences: BTreeMap<String, usize>,
    /// `R` lines of coreference types, by type, read as clusters.
    pub coreference_relations: BTreeMap<String, usize>,
    /// Relation types read with role names other than `Arg1`/`Arg2`: (head role, tail role).
    pub roles: BTreeMap<String, (String, String)>,
    /// Discontinuous spans whose fragments were listed out of order and sorted.
    pub unordered_fragments: usize,
    /// Span lines without their covered text.
    pub missing_text: usize,
}

impl Leniency {
    /// Adds the counts of `other`.
    pub fn add(&mut self, other: &Leniency) {
        self.events += other.events;
        self.triggers += other.triggers;
        self.event_references += other.event_references;
        self.referent_names += other.referent_names;
        for (kind, n) in &other.equivalences {
            *self.equivalences.entry(kind.clone()).or_default() += n;
        }
        for (kind, n) in &other.coreference_relations {
            *self.coreference_relations.entry(kind.clone()).or_default() += n;
        }
        for (kind, roles) in &other.roles {
            self.roles.entry(kind.clone()).or_insert_with(|| roles.clone());
        }
        self.unordered_fragments += other.unordered_fragments;
        self.missing_text += other.missing_text;
    }

    /// One line for each kind of change, in a fixed order; none when nothing changed.
    pub fn notes(&self) -> Vec<String> {
        let mut notes = Vec::new();
        if self.events > 0 || self.triggers > 0 {
            notes.push(format!(
                "{} event(s) (E lines) dropped, goldspan holds no events; with them {} trigger span(s) and {} annotation(s) that referred to them",
                self.events, self.triggers, self.event_references
            ));
        }
        if self.referent_names > 0 {
            notes.push(format!(
                "{} normalisation(s) (N lines) name their referent after a second tab; the name is not kept, the line is (TYPE TARGET DB:ID)",
                self.referent_names
            ));
        }
        if !self.equivalences.is_empty() {
            let (n, types) = count_types(&self.equivalences);
            notes.push(format!(
                "{n} equivalence line(s) of type {types} read as coreference clusters (written back as {COREF})"
            ));
        }
        if !self.coreference_relations.is_empty() {
            let (n, types) = count_types(&self.coreference_relations);
            notes.push(format!("{n} relation(s) of type {types} read as coreference clusters"));
        }
        for (kind, (head, tail)) in &self.roles {
            notes.push(format!(
                "relation type {kind}: role {head} read as head and {tail} as tail (written back as Arg1 and Arg2)"
            ));
        }
        if self.unordered_fragments > 0 {
            notes.push(format!(
                "{} discontinuous span(s) listed their fragments out of order; sorted",
                self.unordered_fragments
            ));
        }
        if self.missing_text > 0 {
            notes.push(format!(
                "{} span line(s) have no covered text to check their offsets against; taken as they are",
                self.missing_text
            ));
        }
        notes
    }
}

fn count_types(counts: &BTreeMap<String, usize>) -> (usize, String) {
    (counts.values().sum(), counts.keys().cloned().collect::<Vec<_>>().join(", "))
}

/// Annotations read from one `.ann` file, with the line each annotation came from.
#[derive(Debug, Default)]
pub struct Parsed {
    /// The annotations that parsed.
    pub annotations: Annotations,
    /// Annotation id (clusters as `*0`, `*1`, ...) to its 1-based line.
    pub lines: IdMap<CompactString, usize>,
    /// Ids of lines that were reported as problems: what refers to them is not reported
    /// again as a missing reference.
    pub failed: IdSet<String>,
    /// What the brat dialect dropped or changed (always empty for gold).
    pub leniency: Leniency,
}

/// Checks `doc` (read from `parsed` lines) against `manifest` with [`check_document`], each
/// problem at its line, leaving out references to annotations whose own line was reported
/// already: one broken line is one problem, not one more per annotation that refers to it.
pub fn check(
    doc: &AnnotatedDocument,
    manifest: &Manifest,
    location: &Location,
    lines: &IdMap<CompactString, usize>,
    failed: &IdSet<String>,
    problems: &mut Problems,
) {
    let mut found = Problems::default();
    check_document(doc, manifest, location, &|id| lines.get(id).copied(), &mut found);
    problems.extend(
        found
            .0
            .into_iter()
            .filter(|p| !matches!(&p.kind, ProblemKind::MissingReference { target, .. } if failed.contains(target))),
    );
}

/// Parses `.ann` text for `doc` as gold, resolving each label's layer through `manifest`.
pub fn parse(ann: &str, doc: &Document, manifest: &Manifest, location: &Location, problems: &mut Problems) -> Parsed {
    parse_with(ann, doc, manifest, Dialect::Gold, location, problems)
}

/// What one line holds once parsed.
enum Line {
    Span(Span),
    Relation(Relation),
    /// Spans linked as coreferent: a `*` line, or (brat) a relation of a coreference type.
    Link(Vec<String>),
    Attribute(Attribute),
    Note(Note),
    /// A line read but not kept (brat: an event, a trigger).
    Dropped,
}

/// Parses `.ann` text for `doc` in `dialect`, resolving each label's layer through `manifest`.
pub fn parse_with(
    ann: &str,
    doc: &Document,
    manifest: &Manifest,
    dialect: Dialect<'_>,
    location: &Location,
    problems: &mut Problems,
) -> Parsed {
    let loc = location.in_document(doc.id());
    let rules = match dialect {
        Dialect::Brat(rules) => Some(rules),
        Dialect::Gold => None,
    };
    let triggers = match rules {
        Some(_) => event_triggers(ann),
        None => IdMap::default(),
    };
    let mut out = Parsed::default();
    // Ids of events and trigger spans dropped (brat), so what refers to them goes too.
    let mut dropped: IdSet<String> = IdSet::default();
    // Cluster links with their line, in file order.
    let mut links: Vec<(Vec<String>, usize)> = Vec::new();
    // Every id a line starts with, parsed or not, so a broken trigger is not also missing (brat).
    let mut seen: IdSet<&str> = IdSet::default();
    for (index, raw) in lines_of(ann).enumerate() {
        let line_no = index + 1;
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        if line.trim().is_empty() {
            continue;
        }
        // Made only for a problem: a location is two allocations, and most lines have none.
        let at = || loc.at_line(line_no);
        let Some((id, after)) = split_at_byte(line, b'\t') else {
            problems.push(at(), syntax(format!("expected a tab after the id {line:?}")));
            continue;
        };
        let (body, rest) = match split_at_byte(after, b'\t') {
            Some((body, rest)) => (body, Some(rest)),
            None => (after, None),
        };
        if rules.is_some() {
            seen.insert(id);
        }
        if id != "*" {
            if let Some(&first) = out.lines.get(id) {
                problems.push(at(), ProblemKind::DuplicateId { id: id.to_owned(), first_line: Some(first) });
                continue;
            }
        }
        let lenient = &mut out.leniency;
        let parsed = match id.chars().next() {
            Some('T') => match rules {
                Some(rules) => match trigger(id, body, &triggers, rules, manifest) {
                    Err(kind) => Err(kind),
                    Ok(true) => {
                        lenient.triggers += 1;
                        dropped.insert(id.to_owned());
                        Ok(Line::Dropped)
                    }
                    Ok(false) => parse_span(id, body, rest, doc, manifest, Some(lenient)).map(Line::Span),
                },
                None => parse_span(id, body, rest, doc, manifest, None).map(Line::Span),
            },
            Some('R') => parse_relation(id, body, rules, manifest, lenient),
            Some('*') => parse_cluster(body, rules.is_some(), lenient).map(Line::Link),
            Some('A') | Some('M') => parse_attribute(id, body).map(Line::Attribute),
            Some('N') => parse_normalisation(id, body, rest, rules.is_some(), lenient).map(Line::Attribute),
            Some('#') => parse_note(id, body, rest).map(Line::Note),
            Some('E') if rules.is_some() => {
                lenient.events += 1;
                dropped.insert(id.to_owned());
                Ok(Line::Dropped)
            }
            Some('E') => Err(ProblemKind::Unsupported { what: "event (E) lines: goldspan holds no events".into() }),
            _ => Err(syntax(format!("unknown annotation id {id:?}: expected T, R, E, *, A, M, N or #"))),
        };
        let line = match parsed {
            Ok(line) => line,
            Err(kind) => {
                problems.push(at(), kind);
                out.failed.insert(id.to_owned());
                continue;
            }
        };
        if id != "*" {
            out.lines.insert(id.into(), line_no);
        }
        let a = &mut out.annotations;
        match line {
            Line::Span(span) => a.spans.push(span),
            Line::Relation(rel) => a.relations.push(rel),
            Line::Link(members) => links.push((members, line_no)),
            Line::Attribute(attr) => a.attributes.push(attr),
            Line::Note(note) => a.notes.push(note),
            Line::Dropped => {}
        }
    }
    let mut missing: Vec<(&usize, &String, &String)> = triggers
        .iter()
        .filter(|(trigger, _)| !seen.contains(trigger.as_str()))
        .map(|(trigger, (event, _, line))| (line, event, trigger))
        .collect();
    missing.sort();
    for (line, event, trigger) in missing {
        let owner = format!("event {event}");
        problems.push(loc.at_line(*line), ProblemKind::MissingReference { owner, target: trigger.clone() });
    }
    if rules.is_some() {
        drop_references(&mut out, &mut links, &dropped);
        for (cluster, line) in merge_links(links) {
            out.lines.insert(compact_str::format_compact!("*{}", out.annotations.clusters.len()), line);
            out.annotations.clusters.push(cluster);
        }
    } else {
        for (cluster, line) in links {
            out.lines.insert(compact_str::format_compact!("*{}", out.annotations.clusters.len()), line);
            out.annotations.clusters.push(cluster);
        }
    }
    out
}

fn syntax(message: String) -> ProblemKind {
    ProblemKind::Syntax { message }
}

/// The trigger of every well-formed `E` line: trigger id to (event id, event type, line).
/// Malformed `E` lines are left for the main pass to count.
pub(crate) fn event_triggers(ann: &str) -> IdMap<String, (String, String, usize)> {
    let mut triggers = IdMap::default();
    for (index, line) in ann.split('\n').enumerate() {
        let mut fields = line.trim_end_matches('\r').split('\t');
        let (Some(id), Some(body)) = (fields.next(), fields.next()) else { continue };
        if !id.starts_with('E') {
            continue;
        }
        let head = body.split(' ').next().unwrap_or_default();
        if let Some((kind, trigger)) = head.split_once(':') {
            triggers.entry(trigger.to_owned()).or_insert_with(|| (id.to_owned(), kind.to_owned(), index + 1));
        }
    }
    triggers
}

/// Whether the `T` line `id` is an event trigger to drop (brat): an event names it as its
/// trigger, or its label is an event type, and the manifest does not declare its label.
fn trigger(
    id: &str,
    body: &str,
    triggers: &IdMap<String, (String, String, usize)>,
    rules: &BratRules,
    manifest: &Manifest,
) -> Result<bool, ProblemKind> {
    let label = body.split(' ').next().unwrap_or_default();
    if manifest.layer_of(label).is_some() {
        return Ok(false);
    }
    match triggers.get(id) {
        Some((event, kind, _)) if kind != label => Err(syntax(format!(
            "event {event} has type {kind} but its trigger {id} is a {label}; brat requires the same type"
        ))),
        Some(_) => Ok(true),
        None => Ok(rules.events.contains(label)),
    }
}

/// Drops every annotation that refers to a dropped event or trigger, counting them.
fn drop_references(out: &mut Parsed, links: &mut [(Vec<String>, usize)], dropped: &IdSet<String>) {
    if dropped.is_empty() {
        return;
    }
    let a = &mut out.annotations;
    let before = a.relations.len() + a.attributes.len() + a.notes.len();
    a.relations.retain(|r| !dropped.contains(&r.head) && !dropped.contains(&r.tail));
    a.attributes.retain(|x| !dropped.contains(&x.target));
    a.notes.retain(|n| !dropped.contains(&n.target));
    let mut removed = before - (a.relations.len() + a.attributes.len() + a.notes.len());
    for (members, _) in links.iter_mut() {
        let n = members.len();
        members.retain(|m| !dropped.contains(m));
        removed += n - members.len();
    }
    out.leniency.event_references += removed;
}

/// Merges cluster links that share a span into clusters (brat merges equivalences of a
/// type; goldspan has one kind of cluster). Clusters come in the order of their first link,
/// members in the order first seen, so disjoint `*` lines come back unchanged; a cluster is
/// reported at the line of its first link. Links left with fewer than two members are dropped.
fn merge_links(links: Vec<(Vec<String>, usize)>) -> Vec<(Vec<String>, usize)> {
    let mut clusters: Vec<Option<(Vec<String>, usize)>> = Vec::new();
    let mut cluster_of: IdMap<String, usize> = IdMap::default();
    for (members, line) in links {
        if members.len() < 2 {
            continue;
        }
        let mut into: Option<usize> = None;
        for m in &members {
            let Some(&c) = cluster_of.get(m) else { continue };
            match into {
                None => into = Some(c),
                Some(i) if i == c => {}
                Some(i) => {
                    // Fold the later cluster into the earlier one.
                    let (keep, gone) = (i.min(c), i.max(c));
                    if let Some((moved, _)) = clusters[gone].take() {
                        for x in &moved {
                            cluster_of.insert(x.clone(), keep);
                        }
                        if let Some((kept, _)) = clusters[keep].as_mut() {
                            kept.extend(moved);
                        }
                    }
                    into = Some(keep);
                }
            }
        }
        let target = match into {
            Some(i) => i,
            None => {
                clusters.push(Some((Vec::new(), line)));
                clusters.len() - 1
            }
        };
        for m in members {
            if cluster_of.get(&m) != Some(&target) {
                cluster_of.insert(m.clone(), target);
                if let Some((kept, _)) = clusters[target].as_mut() {
                    kept.push(m);
                }
            }
        }
    }
    clusters.into_iter().flatten().collect()
}

/// The lines of `text`, split at each `\n` as `str::split('\n')` does (a last, empty piece
/// after a final newline included), found with one SIMD scan: a gold corpus has about thirty
/// short lines a document, and `str::split`'s per-call setup cost more than the search.
fn lines_of(text: &str) -> impl Iterator<Item = &str> {
    let ends = memchr::memchr_iter(b'\n', text.as_bytes()).chain(std::iter::once(text.len()));
    let mut start = 0;
    ends.map(move |end| {
        let line = &text[start..end];
        start = end + 1;
        line
    })
}

/// `text` split at the first `byte` (an ASCII byte, so both sides are `str`s), without it.
fn split_at_byte(text: &str, byte: u8) -> Option<(&str, &str)> {
    debug_assert!(byte.is_ascii());
    let at = memchr::memchr(byte, text.as_bytes())?;
    Some((&text[..at], &text[at + 1..]))
}

fn parse_span(
    id: &str,
    body: &str,
    text: Option<&str>,
    doc: &Document,
    manifest: &Manifest,
    lenient: Option<&mut Leniency>,
) -> Result<Span, ProblemKind> {
    let (label, ranges) = split_at_byte(body, b' ')
        .ok_or_else(|| syntax(format!("span {id}: expected \"LABEL START END\", found {body:?}")))?;
    let layer = |label: &str| {
        manifest.layer_of(label).ok_or_else(|| ProblemKind::UnknownLabel {
            span: id.to_owned(),
            label: label.to_owned(),
            layer: None,
        })
    };
    let offset = |v: &str| {
        v.parse::<usize>().map_err(|_| syntax(format!("span {id}: offset {v:?} is not a non-negative integer")))
    };
    // One fragment (almost every span): built without a fragment list.
    let has = |text: &str, byte: u8| memchr::memchr(byte, text.as_bytes()).is_some();
    if let (Some((s, e)), false) = (split_at_byte(ranges, b' '), has(ranges, b';')) {
        if !has(e, b' ') {
            let (start, end) = (offset(s)?, offset(e)?);
            let Some(fragment) = Fragment::new(start, end) else {
                return Err(syntax(format!("span {id}: fragment {start}..{end} is empty or reversed")));
            };
            let layer = layer(label)?;
            let Some(span) = Span::contiguous(id, &layer.name, label, start, end) else {
                return Err(syntax(format!("span {id}: fragment {start}..{end} is empty or reversed")));
            };
            return match text {
                Some(expected) => check_text(&span, &[fragment], expected, doc).map(|()| span),
                None => match lenient {
                    Some(l) => {
                        l.missing_text += 1;
                        check_in_range(&span, doc).map(|()| span)
                    }
                    None => Err(syntax(format!("span {id}: missing the covered text after a second tab"))),
                },
            };
        }
    }
    let mut fragments = Vec::new();
    for range in ranges.split(';') {
        let mut parts = range.split(' ');
        let (Some(s), Some(e), None) = (parts.next(), parts.next(), parts.next()) else {
            return Err(syntax(format!("span {id}: expected \"START END\", found {range:?}")));
        };
        let (start, end) = (offset(s)?, offset(e)?);
        let fragment = Fragment::new(start, end)
            .ok_or_else(|| syntax(format!("span {id}: fragment {start}..{end} is empty or reversed")))?;
        fragments.push(fragment);
    }
    let layer = layer(label)?;
    // brat repeats the covered text with fragments in the line's order.
    let in_line_order = fragments.clone();
    let mut lenient = lenient;
    if let Some(l) = lenient.as_deref_mut() {
        if fragments.windows(2).any(|w| w[0] > w[1]) {
            fragments.sort();
            l.unordered_fragments += 1;
        }
    }
    let span = Span::new(id, &layer.name, label, fragments)
        .map_err(|reason| ProblemKind::BadFragments { span: id.to_owned(), reason })?;
    let Some(expected) = text else {
        return match lenient {
            Some(l) => {
                l.missing_text += 1;
                check_in_range(&span, doc)?;
                Ok(span)
            }
            None => Err(syntax(format!("span {id}: missing the covered text after a second tab"))),
        };
    };
    // brat would also take text past the covered text as a comment; goldspan does not, since
    // "Liz Truss" recorded for offsets that cover "Liz" is far more often an offset error.
    check_text(&span, &in_line_order, expected, doc)?;
    Ok(span)
}

fn check_in_range(span: &Span, doc: &Document) -> Result<(), ProblemKind> {
    let len = doc.len_chars();
    if span.end() > len {
        return Err(ProblemKind::OffsetOutOfRange { span: span.id().to_owned(), offset: span.end(), len });
    }
    Ok(())
}

/// Verifies that `expected` (the text a file records for `span`) is the text at its offsets.
pub fn check_covered_text(span: &Span, expected: &str, doc: &Document) -> Result<(), ProblemKind> {
    check_text(span, span.fragments(), expected, doc)
}

/// [`check_covered_text`] with the fragments in the order the file lists them, which is the
/// order their texts are joined in.
fn check_text(span: &Span, in_file_order: &[Fragment], expected: &str, doc: &Document) -> Result<(), ProblemKind> {
    if let [only] = in_file_order {
        if doc.slice(only.start(), only.end()) == Some(expected) {
            return Ok(());
        }
    }
    let found = doc.covered_text(in_file_order);
    if found.as_deref() == Some(expected) {
        return Ok(());
    }
    let drift =
        if span.fragments().len() == 1 { diagnose_drift(doc.text(), span.start(), span.end(), expected) } else { None };
    if found.is_none() && drift.is_none() {
        let len = doc.len_chars();
        let offset = span.fragments().iter().map(|f| f.end()).find(|&e| e > len).unwrap_or(len);
        return Err(ProblemKind::OffsetOutOfRange { span: span.id().to_owned(), offset, len });
    }
    Err(ProblemKind::TextMismatch {
        span: span.id().to_owned(),
        start: span.start(),
        end: span.end(),
        expected: expected.to_owned(),
        found,
        drift,
    })
}

/// A relation line. Gold: `TYPE Arg1:ID Arg2:ID`. brat: any two distinct role names, and a
/// relation of a coreference type is a cluster link.
fn parse_relation(
    id: &str,
    body: &str,
    rules: Option<&BratRules>,
    manifest: &Manifest,
    lenient: &mut Leniency,
) -> Result<Line, ProblemKind> {
    let expected = if rules.is_some() { "TYPE ROLE:ID ROLE:ID" } else { "TYPE Arg1:ID Arg2:ID" };
    let bad = || syntax(format!("relation {id}: expected \"{expected}\", found {body:?}"));
    let mut parts = body.split(' ');
    let (Some(kind), Some(a1), Some(a2), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        return Err(bad());
    };
    let (Some((r1, v1)), Some((r2, v2))) = (role_and_id(a1), role_and_id(a2)) else { return Err(bad()) };
    let Some(rules) = rules else {
        if (r1, r2) != ("Arg1", "Arg2") {
            return Err(bad());
        }
        return Ok(Line::Relation(Relation { id: id.into(), kind: kind.into(), head: v1.into(), tail: v2.into() }));
    };
    if r1 == r2 {
        return Err(syntax(format!(
            "relation {id}: its two arguments have the same role {r1}; brat requires two roles"
        )));
    }
    let coreference =
        manifest.relation_type(kind).is_none() && (rules.coreference.contains(kind) || is_coreference_name(kind));
    if coreference {
        *lenient.coreference_relations.entry(kind.to_owned()).or_default() += 1;
        return Ok(Line::Link(vec![v1.to_owned(), v2.to_owned()]));
    }
    // Arg1 is the head whatever the order; other roles by the conf's order, else the line's.
    let first_is_head = match rules.roles.get(kind) {
        Some((head, tail)) if (r1, r2) == (tail.as_str(), head.as_str()) => false,
        _ => !(r1 == "Arg2" && r2 == "Arg1"),
    };
    let ((head_role, head), (tail_role, tail)) =
        if first_is_head { ((r1, v1), (r2, v2)) } else { ((r2, v2), (r1, v1)) };
    if (head_role, tail_role) != ("Arg1", "Arg2") {
        lenient.roles.entry(kind.to_owned()).or_insert_with(|| (head_role.to_owned(), tail_role.to_owned()));
    }
    Ok(Line::Relation(Relation { id: id.into(), kind: kind.into(), head: head.into(), tail: tail.into() }))
}

/// `ROLE:ID`, both non-empty.
fn role_and_id(arg: &str) -> Option<(&str, &str)> {
    arg.split_once(':').filter(|(role, id)| !role.is_empty() && !id.is_empty())
}

/// An equivalence line `*\tTYPE ID ID...`. Gold reads only `Coref`; brat reads any type.
fn parse_cluster(body: &str, brat: bool, lenient: &mut Leniency) -> Result<Vec<String>, ProblemKind> {
    let mut parts = body.split(' ');
    let kind = parts.next().unwrap_or_default();
    if kind != COREF && !brat {
        return Err(ProblemKind::Unsupported {
            what: format!("equivalence type {kind:?} (goldspan reads {COREF:?} as coreference)"),
        });
    }
    let members: Vec<String> = parts.map(str::to_owned).collect();
    if members.len() < 2 || members.iter().any(String::is_empty) {
        return Err(syntax(format!(
            "an equivalence ({kind}) line needs two or more span ids separated by single spaces"
        )));
    }
    if kind != COREF {
        *lenient.equivalences.entry(kind.to_owned()).or_default() += 1;
    }
    Ok(members)
}

fn parse_attribute(id: &str, body: &str) -> Result<Attribute, ProblemKind> {
    let mut parts = body.split(' ');
    match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some(name), Some(target), value, None) if !name.is_empty() && !target.is_empty() => Ok(Attribute {
            id: id.to_owned(),
            name: name.to_owned(),
            target: target.to_owned(),
            value: value.map(str::to_owned),
        }),
        _ => Err(syntax(format!("attribute {id}: expected \"NAME TARGET [VALUE]\", found {body:?}"))),
    }
}

/// A normalisation line `N1\tReference T1 Wikipedia:534366\tBarack Obama`, kept as the
/// attribute `Reference` of T1 with value `Wikipedia:534366` and id `N1` (so it is written
/// back as the same `N` line). brat also reads the BioNLP Shared Task 2013 form
/// `Reference Annotation:T1 Referent:DB:ID`. The referent name after the second tab is not
/// kept: gold refuses it (it would be lost on writing), brat counts it.
fn parse_normalisation(
    id: &str,
    body: &str,
    name: Option<&str>,
    brat: bool,
    lenient: &mut Leniency,
) -> Result<Attribute, ProblemKind> {
    let bad = || syntax(format!("normalisation {id}: expected \"TYPE TARGET DB:ID\", found {body:?}"));
    let mut parts = body.split(' ');
    let (Some(kind), Some(a), Some(b), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        return Err(bad());
    };
    let (target, reference) = match (a.split_once(':'), b.split_once(':')) {
        (Some(("Annotation", t)), Some(("Referent", r))) if brat => (t, r),
        (Some(("Referent", r)), Some(("Annotation", t))) if brat => (t, r),
        _ => (a, b),
    };
    let well_formed = |r: &str| r.split_once(':').is_some_and(|(db, key)| !db.is_empty() && !key.is_empty());
    if target.is_empty() || !well_formed(reference) {
        return Err(bad());
    }
    if name.is_some_and(|n| !n.is_empty()) {
        if !brat {
            return Err(ProblemKind::Unsupported {
                what: "the referent name after a normalisation (N line); goldspan keeps \"N1\\tTYPE TARGET DB:ID\""
                    .into(),
            });
        }
        lenient.referent_names += 1;
    }
    Ok(Attribute { id: id.to_owned(), name: kind.to_owned(), target: target.to_owned(), value: Some(reference.into()) })
}

fn parse_note(id: &str, body: &str, text: Option<&str>) -> Result<Note, ProblemKind> {
    let (kind, target) =
        body.split_once(' ').ok_or_else(|| syntax(format!("note {id}: expected \"TYPE TARGET\", found {body:?}")))?;
    Ok(Note {
        id: id.to_owned(),
        kind: kind.to_owned(),
        target: target.to_owned(),
        text: text.unwrap_or_default().to_owned(),
    })
}

/// Why annotations cannot be written as standoff.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("document {document}: span {span} covers a line break or tab; brat cannot store it, split it into fragments")]
pub struct UnwritableSpan {
    /// The document.
    pub document: String,
    /// The span.
    pub span: String,
}

/// Writes annotations as `.ann` text: spans, relations, clusters, attributes (normalisations
/// among them, by their `N` id), notes, each in the order given. A span's text may not contain
/// a line break or tab (brat splits such spans into fragments).
pub fn write(doc: &AnnotatedDocument) -> Result<String, UnwritableSpan> {
    let d = &doc.document;
    let a = &doc.annotations;
    let mut out = String::new();
    for span in &a.spans {
        let text = d.covered_text(span.fragments()).unwrap_or_default();
        if text.contains(['\n', '\r', '\t']) {
            return Err(UnwritableSpan { document: d.id().to_owned(), span: span.id().to_owned() });
        }
        let ranges: Vec<String> = span.fragments().iter().map(|f| format!("{} {}", f.start(), f.end())).collect();
        let _ = writeln!(out, "{}\t{} {}\t{}", span.id(), span.label(), ranges.join(";"), text);
    }
    for r in &a.relations {
        let _ = writeln!(out, "{}\t{} Arg1:{} Arg2:{}", r.id, r.kind, r.head, r.tail);
    }
    for c in &a.clusters {
        let _ = writeln!(out, "*\t{COREF} {}", c.join(" "));
    }
    for at in &a.attributes {
        match &at.value {
            Some(v) => writeln!(out, "{}\t{} {} {}", at.id, at.name, at.target, v),
            None => writeln!(out, "{}\t{} {}", at.id, at.name, at.target),
        }
        .ok();
    }
    for n in &a.notes {
        let _ = writeln!(out, "{}\t{} {}\t{}", n.id, n.kind, n.target, n.text);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use goldspan_model::{Layer, Meta, RelationType};

    use super::*;

    #[test]
    fn lines_and_fields_split_as_the_standard_library_splits_them() {
        for text in ["", "\n", "\n\n", "T1", "T1\n", "T1\tPER 0 4\tJane\nT2\tORG 5 8\r\n", "né\n北京\nx"] {
            assert_eq!(lines_of(text).collect::<Vec<_>>(), text.split('\n').collect::<Vec<_>>(), "{text:?}");
        }
        for text in ["", "a", "\t", "a\tb\tc", "é\t北京"] {
            assert_eq!(split_at_byte(text, b'\t'), text.split_once('\t'), "{text:?}");
        }
    }

    const TEXT: &str = "Ana met Bo in Rome.";

    fn manifest() -> Manifest {
        Manifest {
            layers: vec![Layer {
                name: "entities".into(),
                labels: vec!["PER".into(), "LOC".into()],
                relations: vec![RelationType {
                    name: "in".into(),
                    head: vec!["PER".into()],
                    tail: vec!["LOC".into()],
                    per_head: goldspan_model::PerHead::Many,
                }],
            }],
            ..Manifest::default()
        }
    }

    /// Parses `ann` over [`TEXT`]: the annotations, and each problem as "line: message".
    fn read(ann: &str, dialect: Dialect<'_>) -> (Parsed, Vec<String>) {
        let doc = Document::new("d", TEXT, Meta::new());
        let mut problems = Problems::default();
        let parsed = parse_with(ann, &doc, &manifest(), dialect, &Location::file("d.ann"), &mut problems);
        let messages = problems.0.iter().map(|p| format!("{}: {}", p.location.line.unwrap_or(0), p.kind)).collect();
        (parsed, messages)
    }

    const SPANS: &str = "T1\tPER 0 3\tAna\nT2\tPER 8 10\tBo\nT3\tLOC 14 18\tRome\n";

    #[test]
    fn gold_refuses_what_it_would_not_write_back() {
        let lines = [
            ("E1\tMeet:T1", "event (E) lines"),
            ("R1\tin Who:T1 Where:T3", "expected \"TYPE Arg1:ID Arg2:ID\""),
            ("*\tEquiv T1 T2", "equivalence type \"Equiv\""),
            ("T4\tPER 8 10;0 3\tBo Ana", "fragments must be in order"),
            ("T4\tPER 0 3", "missing the covered text"),
            ("N1\tRef T1 Wiki:1\tAna", "the referent name after a normalisation"),
        ];
        for (line, expected) in lines {
            let (_, problems) = read(&format!("{SPANS}{line}\n"), Dialect::Gold);
            assert_eq!(problems.len(), 1, "{line}: {problems:?}");
            assert!(problems[0].starts_with("4: ") && problems[0].contains(expected), "{line}: {problems:?}");
        }
    }

    #[test]
    fn gold_keeps_a_normalisation_without_referent_name_as_an_attribute() {
        let (parsed, problems) = read(&format!("{SPANS}N1\tRef T1 Wiki:1\n"), Dialect::Gold);
        assert!(problems.is_empty(), "{problems:?}");
        let expected =
            Attribute { id: "N1".into(), name: "Ref".into(), target: "T1".into(), value: Some("Wiki:1".into()) };
        assert_eq!(parsed.annotations.attributes, vec![expected]);
    }

    #[test]
    fn brat_roles_follow_the_conf_then_arg1_then_the_line() {
        let mut rules = BratRules::default();
        rules.roles.insert("in".into(), ("Who".into(), "Where".into()));
        let ann = format!("{SPANS}R1\tin Where:T3 Who:T1\nR2\tin Arg2:T3 Arg1:T2\n");
        let (parsed, problems) = read(&ann, Dialect::Brat(&rules));
        assert!(problems.is_empty(), "{problems:?}");
        let pairs: Vec<(&str, &str)> =
            parsed.annotations.relations.iter().map(|r| (r.head.as_str(), r.tail.as_str())).collect();
        assert_eq!(pairs, [("T1", "T3"), ("T2", "T3")]);
        assert_eq!(parsed.leniency.roles.get("in"), Some(&("Who".to_owned(), "Where".to_owned())));
        // Without a declaration, the line's order decides.
        let (parsed, _) = read(&format!("{SPANS}R1\tin Who:T1 Where:T3\n"), Dialect::Brat(&BratRules::default()));
        assert_eq!(parsed.annotations.relations[0].head, "T1");
    }

    #[test]
    fn brat_links_that_share_a_span_make_one_cluster() {
        let ann = format!("{SPANS}*\tEquiv T2 T3\nR1\tCoref Anaphor:T1 Antecedent:T2\n*\tAlias T1 T3\n");
        let (parsed, problems) = read(&ann, Dialect::Brat(&BratRules::default()));
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(parsed.annotations.clusters, vec![vec!["T2".to_owned(), "T3".to_owned(), "T1".to_owned()]]);
        assert_eq!(parsed.lines.get("*0"), Some(&4));
        assert!(parsed.annotations.relations.is_empty());
    }

    #[test]
    fn merging_joins_two_clusters_a_later_link_bridges() {
        let links = vec![
            (vec!["a".to_owned(), "b".to_owned()], 1),
            (vec!["c".to_owned(), "d".to_owned()], 2),
            (vec!["e".to_owned(), "f".to_owned()], 3),
            (vec!["d".to_owned(), "a".to_owned()], 4),
        ];
        let merged = merge_links(links);
        let as_str: Vec<(Vec<&str>, usize)> =
            merged.iter().map(|(c, l)| (c.iter().map(String::as_str).collect(), *l)).collect();
        assert_eq!(as_str, vec![(vec!["a", "b", "c", "d"], 1), (vec!["e", "f"], 3)]);
    }

    #[test]
    fn brat_drops_events_with_their_triggers_and_what_refers_to_them() {
        let ann = format!("{SPANS}T4\tMeet 4 7\tmet\nE1\tMeet:T4 A:T1 B:T2\nA1\tNegated E1\nR1\tin Arg1:T4 Arg2:T3\n");
        let (parsed, problems) = read(&ann, Dialect::Brat(&BratRules::default()));
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(parsed.annotations.spans.len(), 3);
        assert!(parsed.annotations.attributes.is_empty() && parsed.annotations.relations.is_empty());
        let l = &parsed.leniency;
        assert_eq!((l.events, l.triggers, l.event_references), (1, 1, 2));
    }

    #[test]
    fn a_trigger_whose_label_the_manifest_declares_stays_a_span() {
        let ann = "T1\tPER 0 3\tAna\nE1\tPER:T1\n";
        let (parsed, problems) = read(ann, Dialect::Brat(&BratRules::default()));
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(parsed.annotations.spans.len(), 1);
        assert_eq!(parsed.leniency.events, 1);
    }

    #[test]
    fn an_event_without_its_trigger_is_a_missing_reference() {
        let (_, problems) = read("E1\tMeet:T9\n", Dialect::Brat(&BratRules::default()));
        assert_eq!(problems, ["1: event E1: refers to T9, which does not exist"]);
    }

    #[test]
    fn brat_sorts_fragments_and_checks_the_text_in_the_line_order() {
        let brat = BratRules::default();
        let (parsed, problems) = read("T1\tPER 8 10;0 3\tBo Ana\n", Dialect::Brat(&brat));
        assert!(problems.is_empty(), "{problems:?}");
        let fragments: Vec<(usize, usize)> =
            parsed.annotations.spans[0].fragments().iter().map(|f| (f.start(), f.end())).collect();
        assert_eq!(fragments, [(0, 3), (8, 10)]);
        assert_eq!(parsed.leniency.unordered_fragments, 1);
        let (_, problems) = read("T1\tPER 8 10;0 3\tAna Bo\n", Dialect::Brat(&brat));
        assert!(problems[0].contains("the file says it covers \"Ana Bo\""), "{problems:?}");
        let (_, problems) = read("T1\tPER 0 3;2 5\tAna\n", Dialect::Brat(&brat));
        assert!(problems[0].contains("must not overlap"), "{problems:?}");
    }

    #[test]
    fn brat_takes_a_span_without_text_as_it_is_but_not_past_the_end() {
        let brat = BratRules::default();
        let (parsed, problems) = read("T1\tPER 0 3\n", Dialect::Brat(&brat));
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(parsed.leniency.missing_text, 1);
        let (_, problems) = read("T1\tPER 0 99\n", Dialect::Brat(&brat));
        assert!(problems[0].contains("offset 99 is past the end"), "{problems:?}");
    }

    #[test]
    fn a_broken_span_is_one_problem_not_one_more_per_reference() {
        let doc = Document::new("d", TEXT, Meta::new());
        let ann = "T1\tPER 0 3\tAnna\nT3\tLOC 14 18\tRome\nR1\tin Arg1:T1 Arg2:T3\n*\tCoref T1 T3\n";
        let mut problems = Problems::default();
        let location = Location::file("d.ann");
        let parsed = parse(ann, &doc, &manifest(), &location, &mut problems);
        let doc = AnnotatedDocument { document: doc, annotations: parsed.annotations };
        check(&doc, &manifest(), &location, &parsed.lines, &parsed.failed, &mut problems);
        assert_eq!(problems.count(), 1, "{:?}", problems.0);
        assert!(matches!(problems.0[0].kind, ProblemKind::TextMismatch { .. }));
    }
}
