//! Inline markup for annotators: typing code-point offsets by hand is error-prone, so
//! annotators write the text with brackets and `goldspan markup compile` turns it into gold
//! files, checked like any gold document. `goldspan markup render` goes back, so existing gold
//! can be edited the same way.
//!
//! ```text
//! +++
//! id = "news-001"
//! domain = "politics"
//! +++
//! [Ms]… [Truss]{PERSON Source @truss >q1} [said]{Cue >q1}: “[It must end.]{Quote #q1}”
//! ```
//!
//! - `[text]{LABELS}` marks a span; several labels make several spans with the same offsets.
//!   Brackets nest. `\[ \] \{ \} \\` are literal characters.
//! - `#key` names a bracket. Two brackets with the same key are fragments of one
//!   discontinuous span.
//! - `>key` relates each span of this bracket to the spans of bracket `key`; the relation type
//!   is the one the manifest declares between their labels (Quote -speaker-> Source, ...).
//! - `@name` puts the bracket's spans in coreference cluster `name`.
//! - The front matter (TOML between `+++` lines) gives `id`, optional `split`, and string
//!   metadata. The text starts after the closing `+++` line, byte for byte.
//!
//! Span ids are numbered `T1..` in text order, so compiling the same markup twice gives the
//! same files.

use std::collections::{BTreeMap, BTreeSet};

use goldspan_model::Manifest;
use goldspan_model::{AnnotatedDocument, Annotations, Document, Fragment, Meta, Relation, Span};
use goldspan_model::{Location, ProblemKind, Problems};

/// A compiled markup file.
#[derive(Debug)]
pub struct Compiled {
    /// The annotated document.
    pub document: AnnotatedDocument,
    /// The split named in the front matter, if any.
    pub split: Option<String>,
}

/// One `[...]{...}` in the source.
#[derive(Debug)]
struct Bracket {
    start: usize,
    end: usize,
    line: usize,
    labels: Vec<String>,
    key: Option<String>,
    refs: Vec<String>,
    cluster: Option<String>,
}

/// Compiles markup source into an annotated document, recording every problem (located by
/// the markup file's lines) in `problems`.
pub fn compile(source: &str, manifest: &Manifest, location: &Location, problems: &mut Problems) -> Option<Compiled> {
    let (front, body, body_line) = match split_front_matter(source) {
        Some(parts) => parts,
        None => {
            problems.push(
                location.at_line(1),
                ProblemKind::Syntax {
                    message: "markup must start with a \"+++\" line, TOML front matter, and a closing \"+++\" line"
                        .into(),
                },
            );
            return None;
        }
    };
    let table: toml::Table = match toml::from_str(front) {
        Ok(t) => t,
        Err(e) => {
            let line = e.span().map(|s| crate::line_of_byte(front, s.start) + 1).unwrap_or(1);
            problems.push(
                location.at_line(line),
                ProblemKind::Syntax { message: format!("front matter: {}", e.message()) },
            );
            return None;
        }
    };
    let mut meta = Meta::new();
    let mut id = None;
    let mut split = None;
    for (key, value) in table {
        let toml::Value::String(value) = value else {
            problems.push(
                location.at_line(2),
                ProblemKind::Syntax { message: format!("front matter: {key:?} must be a string") },
            );
            continue;
        };
        match key.as_str() {
            "id" => id = Some(value),
            "split" => split = Some(value),
            _ => {
                meta.insert(key, value);
            }
        }
    }
    let Some(id) = id else {
        problems.push(location.at_line(1), ProblemKind::Syntax { message: "front matter has no \"id\"".into() });
        return None;
    };
    if let Err(reason) = goldspan_model::DocumentId::new(&id) {
        problems.push(location.at_line(2), ProblemKind::BadDocumentId { id: id.clone(), reason });
    }
    let loc = location.in_document(&id);
    let (text, brackets) = scan(body, body_line, &loc, problems);
    let document = Document::new(id, text, meta);
    let annotations = resolve(&brackets, &document, manifest, &loc, problems);
    Some(Compiled { document: AnnotatedDocument { document, annotations }, split })
}

fn split_front_matter(source: &str) -> Option<(&str, &str, usize)> {
    let rest = source.strip_prefix("+++\n")?;
    let close = if rest.starts_with("+++\n") { 0 } else { rest.find("\n+++\n")? + 1 };
    let front = &rest[..close];
    let body = &rest[close + 4..];
    let body_line = front.matches('\n').count() + 3;
    Some((front, body, body_line))
}

/// Strips the markup from `body`, returning the plain text and the brackets in it.
fn scan(body: &str, first_line: usize, loc: &Location, problems: &mut Problems) -> (String, Vec<Bracket>) {
    let mut text = String::with_capacity(body.len());
    let mut cp = 0usize;
    let mut line = first_line;
    let mut open: Vec<(usize, usize)> = Vec::new();
    let mut brackets = Vec::new();
    let mut chars = body.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some(e @ ('[' | ']' | '{' | '}' | '\\')) => {
                    text.push(e);
                    cp += 1;
                }
                other => problems.push(
                    loc.at_line(line),
                    ProblemKind::Syntax {
                        message: format!(
                            "unknown escape \\{}; only \\[ \\] \\{{ \\}} \\\\ exist",
                            other.unwrap_or(' ')
                        ),
                    },
                ),
            },
            '[' => open.push((cp, line)),
            ']' => {
                let Some((start, open_line)) = open.pop() else {
                    problems.push(
                        loc.at_line(line),
                        ProblemKind::Syntax {
                            message: "\"]\" without a matching \"[\" (write \\] for a literal bracket)".into(),
                        },
                    );
                    continue;
                };
                if chars.peek() != Some(&'{') {
                    problems.push(
                        loc.at_line(line),
                        ProblemKind::Syntax { message: "\"]\" must be followed by \"{LABELS}\"".into() },
                    );
                    continue;
                }
                chars.next();
                let mut spec = String::new();
                let mut closed = false;
                for c in chars.by_ref() {
                    if c == '}' {
                        closed = true;
                        break;
                    }
                    if c == '\n' {
                        line += 1;
                    }
                    spec.push(c);
                }
                if !closed {
                    problems.push(
                        loc.at_line(line),
                        ProblemKind::Syntax { message: "\"{\" without a closing \"}\"".into() },
                    );
                    break;
                }
                if start == cp {
                    problems.push(
                        loc.at_line(open_line),
                        ProblemKind::Syntax { message: format!("empty span {{{spec}}}") },
                    );
                    continue;
                }
                match parse_spec(&spec) {
                    Ok((labels, key, refs, cluster)) => {
                        brackets.push(Bracket { start, end: cp, line: open_line, labels, key, refs, cluster })
                    }
                    Err(message) => problems.push(loc.at_line(open_line), ProblemKind::Syntax { message }),
                }
            }
            '{' | '}' => problems.push(
                loc.at_line(line),
                ProblemKind::Syntax { message: format!("stray {c:?} (write \\{c} for a literal brace)") },
            ),
            _ => {
                if c == '\n' {
                    line += 1;
                }
                text.push(c);
                cp += 1;
            }
        }
    }
    for (_, open_line) in open {
        problems.push(loc.at_line(open_line), ProblemKind::Syntax { message: "\"[\" is never closed".into() });
    }
    (text, brackets)
}

type Spec = (Vec<String>, Option<String>, Vec<String>, Option<String>);

fn parse_spec(spec: &str) -> Result<Spec, String> {
    let (mut labels, mut key, mut refs, mut cluster) = (Vec::new(), None, Vec::new(), None);
    for token in spec.split_whitespace() {
        if let Some(k) = token.strip_prefix('#') {
            if key.replace(k.to_owned()).is_some() {
                return Err(format!("{{{spec}}}: more than one #key"));
            }
        } else if let Some(r) = token.strip_prefix('>') {
            refs.push(r.to_owned());
        } else if let Some(c) = token.strip_prefix('@') {
            if cluster.replace(c.to_owned()).is_some() {
                return Err(format!("{{{spec}}}: more than one @cluster"));
            }
        } else {
            labels.push(token.to_owned());
        }
    }
    if labels.is_empty() {
        return Err(format!("{{{spec}}} has no label"));
    }
    Ok((labels, key, refs, cluster))
}

/// Turns brackets into spans, relations and clusters.
fn resolve(
    brackets: &[Bracket],
    doc: &Document,
    manifest: &Manifest,
    loc: &Location,
    problems: &mut Problems,
) -> Annotations {
    // Group brackets: one group per key (fragments of one span), or per unkeyed bracket.
    let mut groups: Vec<Vec<&Bracket>> = Vec::new();
    let mut by_key: BTreeMap<&str, usize> = BTreeMap::new();
    for b in brackets {
        match b.key.as_deref().and_then(|k| by_key.get(k)) {
            Some(&g) => groups[g].push(b),
            None => {
                if let Some(k) = b.key.as_deref() {
                    by_key.insert(k, groups.len());
                }
                groups.push(vec![b]);
            }
        }
    }
    // (group, label) -> span, numbered in text order.
    let mut pending = Vec::new();
    for (g, group) in groups.iter().enumerate() {
        let first = group[0];
        for other in &group[1..] {
            if other.labels != first.labels {
                problems.push(
                    loc.at_line(other.line),
                    ProblemKind::Syntax {
                        message: format!(
                            "fragments of #{} must carry the same labels",
                            first.key.as_deref().unwrap_or_default()
                        ),
                    },
                );
            }
        }
        let mut fragments: Vec<Fragment> = group.iter().filter_map(|b| Fragment::new(b.start, b.end)).collect();
        fragments.sort();
        for label in &first.labels {
            match manifest.layer_of(label) {
                Some(layer) => pending.push((
                    fragments.clone(),
                    manifest_order(manifest, label),
                    g,
                    layer.name.clone(),
                    label.clone(),
                )),
                None => problems.push(
                    loc.at_line(first.line),
                    ProblemKind::UnknownLabel {
                        span: format!("[{}]", bracket_text(doc, first)),
                        label: label.clone(),
                        layer: None,
                    },
                ),
            }
        }
    }
    pending.sort_by(|a, b| {
        (a.0[0].start(), std::cmp::Reverse(a.0[a.0.len() - 1].end()), a.1).cmp(&(
            b.0[0].start(),
            std::cmp::Reverse(b.0[b.0.len() - 1].end()),
            b.1,
        ))
    });
    let mut ann = Annotations::default();
    let mut spans_of_group: Vec<Vec<usize>> = vec![Vec::new(); groups.len()];
    for (fragments, _, g, layer, label) in pending {
        let id = format!("T{}", ann.spans.len() + 1);
        match Span::new(id.clone(), layer, label, fragments) {
            Ok(span) => {
                spans_of_group[g].push(ann.spans.len());
                ann.spans.push(span);
            }
            Err(reason) => {
                problems.push(loc.at_line(groups[g][0].line), ProblemKind::BadFragments { span: id, reason })
            }
        }
    }
    // Relations: each ref names the head group; the manifest decides the type.
    let mut relations = BTreeSet::new();
    for (g, group) in groups.iter().enumerate() {
        let refs: BTreeSet<&String> = group.iter().flat_map(|b| &b.refs).collect();
        for key in refs {
            let Some(&h) = by_key.get(key.as_str()) else {
                problems.push(
                    loc.at_line(group[0].line),
                    ProblemKind::Syntax { message: format!(">{key}: no bracket has #{key}") },
                );
                continue;
            };
            let mut found = false;
            for &head in &spans_of_group[h] {
                for &tail in &spans_of_group[g] {
                    let (hl, tl) = (ann.spans[head].label(), ann.spans[tail].label());
                    if let Some(kind) = manifest
                        .relation_types()
                        .find(|r| r.head.iter().any(|l| l == hl) && r.tail.iter().any(|l| l == tl))
                    {
                        relations.insert((head, tail, kind.name.clone()));
                        found = true;
                    }
                }
            }
            if !found {
                problems.push(
                    loc.at_line(group[0].line),
                    ProblemKind::Syntax {
                        message: format!(
                            ">{key}: the manifest declares no relation from the labels of #{key} to {}",
                            group[0].labels.join(" ")
                        ),
                    },
                );
            }
        }
    }
    for (i, (head, tail, kind)) in relations.into_iter().enumerate() {
        ann.relations.push(Relation {
            id: format!("R{}", i + 1),
            kind,
            head: ann.spans[head].id().to_owned(),
            tail: ann.spans[tail].id().to_owned(),
        });
    }
    // Clusters, members in span order, clusters in order of their first member.
    let mut clusters: BTreeMap<&str, BTreeSet<usize>> = BTreeMap::new();
    for (g, group) in groups.iter().enumerate() {
        for c in group.iter().filter_map(|b| b.cluster.as_deref()) {
            clusters.entry(c).or_default().extend(&spans_of_group[g]);
        }
    }
    let mut clusters: Vec<Vec<usize>> =
        clusters.into_values().filter(|m| m.len() > 1).map(|m| m.into_iter().collect()).collect();
    clusters.sort();
    ann.clusters =
        clusters.into_iter().map(|m| m.into_iter().map(|i| ann.spans[i].id().to_owned()).collect()).collect();
    ann
}

fn manifest_order(manifest: &Manifest, label: &str) -> usize {
    manifest.layers.iter().flat_map(|l| &l.labels).position(|l| l == label).unwrap_or(usize::MAX)
}

fn bracket_text(doc: &Document, b: &Bracket) -> String {
    doc.slice(b.start, b.end).unwrap_or_default().to_owned()
}

/// Why a document cannot be shown as markup.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("spans {first} and {second} cross each other; markup brackets must nest")]
pub struct CrossingSpans {
    /// One span.
    pub first: String,
    /// The span that crosses it.
    pub second: String,
}

/// Renders an annotated document as markup (the inverse of [`compile`]), with `split` in the
/// front matter when given.
pub fn render(doc: &AnnotatedDocument, split: Option<&str>) -> Result<String, CrossingSpans> {
    let d = &doc.document;
    let a = &doc.annotations;
    // One bracket per distinct fragment list; its labels in span order.
    let mut groups: BTreeMap<Vec<Fragment>, Vec<usize>> = BTreeMap::new();
    for (i, s) in a.spans.iter().enumerate() {
        groups.entry(s.fragments().to_vec()).or_default().push(i);
    }
    let group_of_span: BTreeMap<&str, &Vec<Fragment>> =
        groups.iter().flat_map(|(f, spans)| spans.iter().map(move |&i| (a.spans[i].id(), f))).collect();
    let heads: BTreeSet<&Vec<Fragment>> =
        a.relations.iter().filter_map(|r| group_of_span.get(r.head.as_str()).copied()).collect();
    let mut keys: BTreeMap<&Vec<Fragment>, String> = BTreeMap::new();
    let mut ordered: Vec<&Vec<Fragment>> = groups.keys().collect();
    ordered.sort_by_key(|f| (f[0].start(), std::cmp::Reverse(f[f.len() - 1].end())));
    let (mut q, mut k) = (0, 0);
    for f in &ordered {
        if heads.contains(f) {
            q += 1;
            keys.insert(f, format!("q{q}"));
        } else if f.len() > 1 {
            k += 1;
            keys.insert(f, format!("k{k}"));
        }
    }
    let mut cluster_of: BTreeMap<&str, String> = BTreeMap::new();
    for (i, c) in a.clusters.iter().enumerate() {
        for m in c {
            cluster_of.insert(m, format!("c{}", i + 1));
        }
    }
    // Markup for each fragment: (start, end, spec).
    let mut marks: Vec<(usize, usize, String)> = Vec::new();
    for f in &ordered {
        let spans = &groups[*f];
        let mut spec: Vec<String> = spans.iter().map(|&i| a.spans[i].label().to_owned()).collect();
        if let Some(key) = keys.get(f) {
            spec.push(format!("#{key}"));
        }
        let mut refs = BTreeSet::new();
        for r in &a.relations {
            if spans.iter().any(|&i| a.spans[i].id() == r.tail) {
                if let Some(key) = group_of_span.get(r.head.as_str()).and_then(|h| keys.get(h)) {
                    refs.insert(key.clone());
                }
            }
        }
        spec.extend(refs.into_iter().map(|k| format!(">{k}")));
        if let Some(c) = spans.iter().find_map(|&i| cluster_of.get(a.spans[i].id())) {
            spec.push(format!("@{c}"));
        }
        for fragment in f.iter() {
            marks.push((fragment.start(), fragment.end(), spec.join(" ")));
        }
    }
    marks.sort_by_key(|m| (m.0, std::cmp::Reverse(m.1)));
    for (i, m) in marks.iter().enumerate() {
        for n in &marks[i + 1..] {
            if n.0 >= m.1 {
                break;
            }
            if n.1 > m.1 {
                return Err(CrossingSpans { first: m.2.clone(), second: n.2.clone() });
            }
        }
    }
    let mut opens: BTreeMap<usize, usize> = BTreeMap::new();
    let mut closes: BTreeMap<usize, Vec<String>> = BTreeMap::new();
    for (s, e, spec) in &marks {
        *opens.entry(*s).or_default() += 1;
        closes.entry(*e).or_default().insert(0, spec.clone());
    }
    let mut out = String::from("+++\n");
    out.push_str(&format!("id = {}\n", crate::toml_string(d.id())));
    if let Some(split) = split {
        out.push_str(&format!("split = {}\n", crate::toml_string(split)));
    }
    for (k, v) in d.meta() {
        out.push_str(&format!("{} = {}\n", crate::toml_string(k), crate::toml_string(v)));
    }
    out.push_str("+++\n");
    for (cp, c) in d.text().chars().chain(std::iter::once('\0')).enumerate() {
        // Inner spans close first: they were opened last among those ending here.
        if let Some(specs) = closes.get(&cp) {
            for spec in specs {
                out.push_str(&format!("]{{{spec}}}"));
            }
        }
        if cp == d.len_chars() {
            break;
        }
        for _ in 0..opens.get(&cp).copied().unwrap_or(0) {
            out.push('[');
        }
        if matches!(c, '[' | ']' | '{' | '}' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use goldspan_model::{Layer, PerHead, RelationType};

    pub(crate) fn manifest() -> Manifest {
        let rel = |name: &str, tail: &str, per_head| RelationType {
            name: name.into(),
            head: vec!["Quote".into()],
            tail: vec![tail.into()],
            per_head,
        };
        Manifest {
            name: "t".into(),
            layers: vec![
                Layer { name: "entities".into(), labels: vec!["PERSON".into(), "GPE".into()], relations: vec![] },
                Layer {
                    name: "quotes".into(),
                    labels: vec!["Quote".into(), "Cue".into(), "Source".into()],
                    relations: vec![rel("speaker", "Source", PerHead::One), rel("cue", "Cue", PerHead::AtMostOne)],
                },
            ],
            ..Manifest::default()
        }
    }

    fn compile_ok(src: &str) -> AnnotatedDocument {
        let mut problems = Problems::default();
        let out = compile(src, &manifest(), &Location::file("t.gsm"), &mut problems);
        assert!(problems.is_empty(), "{:?}", problems.0.iter().map(|p| p.to_string()).collect::<Vec<_>>());
        out.expect("compiled").document
    }

    #[test]
    fn compiles_spans_relations_clusters_and_fragments() {
        let src = "+++\nid = \"d1\"\ndomain = \"politics\"\n+++\n[Ms [Truss]{PERSON Source @t >q1 >q2}]{Source} [said]{Cue >q1 >q2}: “[It [Russia]{GPE} must.]{Quote #q1}\n“[Go on.]{Quote #q1}” and “[x\\[1\\]]{Quote #q2}”";
        let doc = compile_ok(src);
        assert_eq!(doc.document.text(), "Ms Truss said: “It Russia must.\n“Go on.” and “x[1]”");
        assert_eq!(doc.document.meta().get("domain").map(String::as_str), Some("politics"));
        let spans: Vec<(String, String, String)> = doc
            .annotations
            .spans
            .iter()
            .map(|s| {
                (s.id().to_owned(), s.label().to_owned(), doc.document.covered_text(s.fragments()).unwrap_or_default())
            })
            .collect();
        let expect = |id: &str, label: &str, text: &str| (id.to_owned(), label.to_owned(), text.to_owned());
        assert_eq!(
            spans,
            vec![
                expect("T1", "Source", "Ms Truss"),
                expect("T2", "PERSON", "Truss"),
                expect("T3", "Source", "Truss"),
                expect("T4", "Cue", "said"),
                expect("T5", "Quote", "It Russia must. Go on."),
                expect("T6", "GPE", "Russia"),
                expect("T7", "Quote", "x[1]"),
            ]
        );
        let rels: Vec<(String, String, String)> =
            doc.annotations.relations.iter().map(|r| (r.kind.clone(), r.head.clone(), r.tail.clone())).collect();
        let r = |k: &str, h: &str, t: &str| (k.to_owned(), h.to_owned(), t.to_owned());
        assert_eq!(
            rels,
            vec![r("speaker", "T5", "T3"), r("cue", "T5", "T4"), r("speaker", "T7", "T3"), r("cue", "T7", "T4")]
        );
        assert_eq!(doc.annotations.clusters, vec![vec!["T2".to_owned(), "T3".to_owned()]]);
    }

    #[test]
    fn render_then_compile_is_the_identity() {
        let src = "+++\nid = \"d1\"\n+++\n[Ms [Truss]{PERSON Source @t >q1}]{Source} [said]{Cue >q1}: “[It [Russia]{GPE} must.]{Quote #q1}\n“[Go \\{on\\}.]{Quote #q1}”";
        let doc = compile_ok(src);
        let rendered = render(&doc, None).expect("nests");
        assert_eq!(compile_ok(&rendered), doc);
    }

    #[test]
    fn every_problem_is_reported_with_its_line() {
        let src = "+++\nid = \"d1\"\n+++\nfine [x]{NOPE}\n[unclosed\n[y]{Source >q9} stray }";
        let mut problems = Problems::default();
        compile(src, &manifest(), &Location::file("t.gsm"), &mut problems);
        let messages: Vec<String> = problems.0.iter().map(|p| p.to_string()).collect();
        assert_eq!(messages.len(), 4, "{messages:#?}");
        assert!(messages[0].starts_with("t.gsm:6: document d1: stray '}'"), "{messages:#?}");
        assert!(messages[1].starts_with("t.gsm:5: document d1: \"[\" is never closed"), "{messages:#?}");
        assert!(messages[2].contains("t.gsm:4: document d1") && messages[2].contains("\"NOPE\""), "{messages:#?}");
        assert!(messages[3].contains("t.gsm:6: document d1: >q9"), "{messages:#?}");
    }

    #[test]
    fn crossing_spans_cannot_render() {
        let mut doc = compile_ok("+++\nid = \"d\"\n+++\n[ab]{PERSON}c");
        doc.annotations.spans.push(Span::contiguous("T9", "entities", "GPE", 1, 3).expect("span"));
        assert!(render(&doc, None).is_err());
    }
}
