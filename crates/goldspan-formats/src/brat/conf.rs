//! brat's `annotation.conf`: read as the brat tool reads it, turned into goldspan layers, and
//! written for a manifest so that reading it back gives the same layers.
//!
//! What brat accepts, and what goldspan makes of it (brat.nlplab.org/configuration.html and
//! brat's `server/src/projectconfig.py`):
//! - sections are `[name]` lines; `[spans]` is another name for `[entities]`; other sections
//!   (`[attributes]`, unknown ones) do not concern layers and are skipped;
//! - a type per line; its depth in the hierarchy is the number of leading whitespace
//!   characters; `!` marks a type that cannot be annotated (a grouping); `Name|Alias|...`
//!   names a type and its aliases, and only the first term is written in `.ann` files;
//! - lines of hyphens only are separators, drawn in brat's menus, and are not types;
//! - `<NAME>=value` defines a macro for the rest of its section, replaced wherever `<NAME>`
//!   occurs; any other `<...>` must be one of brat's reserved names;
//! - relations are `Name  Role1:Type|Type, Role2:Type`; `<ENTITY>` and `<ANY>` stand for every
//!   entity type, `<EVENT>` for every event type; `<REL-TYPE>:symmetric-transitive` (and a
//!   relation named `Equiv` without it) is an equivalence, written as `*` lines;
//!   `<OVERLAP>` and `ENTITY-NESTING` say which spans may overlap, not a relation;
//! - `<INHERIT>` in arguments repeats the parent type's arguments.
//!
//! Layers: a top-level `!` category of `[entities]` is a layer (this is how goldspan writes
//! its layers), and every selectable type beneath it, at any depth, is a label of that layer
//! (`!` categories deeper down only group and are flattened into it). Selectable types outside
//! any top-level `!` category are labels of the default layer. A type declared twice keeps its
//! first place.
//!
//! Relation types: the argument types become head and tail labels; event types and types
//! `[entities]` does not declare are left out (with a note), and a relation type left with no
//! head or no tail label (its arguments are events) is left out. The two role names are kept
//! in declaration order so `.ann` lines with other roles than `Arg1`/`Arg2` map onto head and
//! tail. Equivalences and relation types named like coreference (`Coref`, `Coreference`) are
//! read as coreference clusters, not as relation types. `[events]` types are event types:
//! their spans are triggers. `# goldspan: per_head TYPE VALUE` comments (which brat ignores)
//! carry goldspan's relation cardinality.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use goldspan_model::{AnnotatedDocument, Layer, Location, Manifest, PerHead, ProblemKind, Problems, RelationType};

use crate::standoff::{self, is_coreference_name, BratRules};

/// Names brat reserves inside `<...>`; any other `<NAME>` must be a macro of its section.
const RESERVED: &[&str] = &[
    "ANY",
    "ENTITY",
    "RELATION",
    "EVENT",
    "NONE",
    "EMPTY",
    "REL-TYPE",
    "URL",
    "URLBASE",
    "UNICODE",
    "GLYPH-POS",
    "DEFAULT",
    "NORM",
    "OVERLAP",
    "OVL-TYPE",
    "INHERIT",
];

/// Relation "types" that only say which spans may overlap.
const OVERLAP_TYPES: &[&str] = &["<OVERLAP>", "ENTITY-NESTING"];

/// What an `annotation.conf` says: goldspan layers and the rules for reading `.ann` lines.
#[derive(Debug, Default)]
pub(crate) struct Conf {
    /// Layers with their labels and relation types; unnamed.
    pub(crate) manifest: Manifest,
    /// Coreference types, role names, event types.
    pub(crate) rules: BratRules,
    /// What was left out or assumed, one line each.
    pub(crate) notes: Vec<String>,
}

/// A type line of a section.
#[derive(Debug)]
struct Node {
    /// The first term, without `!`.
    name: String,
    /// Whether it may be annotated (no `!`).
    selectable: bool,
    /// Index of its top-level ancestor in the section's nodes (its own at the top level).
    top: usize,
    /// `ROLE:TYPES` arguments (macros and `<INHERIT>` expanded).
    args: Vec<String>,
    /// 1-based line.
    line: usize,
}

/// The sections goldspan reads, and the `per_head` comments.
#[derive(Debug, Default)]
struct Sections {
    entities: Vec<Node>,
    relations: Vec<Node>,
    events: Vec<Node>,
    per_head: BTreeMap<String, PerHead>,
}

/// Reads `annotation.conf` text. `name` says which conf in notes; labels outside any
/// top-level `!` category go to `default_layer`.
pub(crate) fn parse(text: &str, path: &Path, name: &str, default_layer: &str, problems: &mut Problems) -> Conf {
    let sections = sections(text, path, problems);
    let mut conf = Conf::default();
    read_entities(&sections.entities, default_layer, name, &mut conf);
    conf.rules.events = sections.events.iter().map(|n| n.name.clone()).collect();
    read_relations(&sections, path, name, &mut conf, problems);
    conf
}

/// Splits the text into sections and type lines, expanding macros and skipping comments,
/// blank lines and separators.
fn sections(text: &str, path: &Path, problems: &mut Problems) -> Sections {
    let mut out = Sections::default();
    let mut section = String::from("general");
    // Macros belong to a section (a section named twice keeps its macros).
    let mut macros: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    // Per section: the last top-level node, and the arguments last seen at each depth.
    let mut roots: BTreeMap<String, usize> = BTreeMap::new();
    let mut args_at: BTreeMap<String, BTreeMap<usize, Vec<String>>> = BTreeMap::new();
    for (i, raw) in text.split('\n').enumerate() {
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        let at = Location::file(path).at_line(i + 1);
        if let Some(rest) = line.strip_prefix("# goldspan: per_head ") {
            if let Some((name, value)) = rest.split_once(' ') {
                if let Some(p) = PerHead::parse(value.trim()) {
                    out.per_head.insert(name.to_owned(), p);
                }
            }
            continue;
        }
        let trimmed = line.trim();
        if let Some(name) = trimmed.strip_prefix('[').and_then(|s| s.strip_suffix(']')) {
            section = if name == "spans" { "entities".into() } else { name.to_owned() };
            continue;
        }
        let nodes = match section.as_str() {
            "entities" => &mut out.entities,
            "relations" => &mut out.relations,
            "events" => &mut out.events,
            _ => continue,
        };
        if trimmed.is_empty() || trimmed.starts_with('#') || trimmed.chars().all(|c| c == '-') {
            continue;
        }
        let section_macros = macros.entry(section.clone()).or_default();
        if let Some((name, value)) = macro_definition(line) {
            if RESERVED.contains(&name) {
                let message = format!("<{name}> is reserved by brat and cannot be defined as a macro");
                problems.push(at, ProblemKind::Syntax { message });
            } else {
                section_macros.push((format!("<{name}>"), value.to_owned()));
            }
            continue;
        }
        let mut expanded = line.to_owned();
        for (name, value) in section_macros.iter() {
            expanded = expanded.replace(name.as_str(), value);
        }
        if let Some(undefined) = undefined_macro(&expanded) {
            let message = format!(
                "{undefined} is not a macro of [{section}] nor a name brat reserves (macros belong to the section that defines them)"
            );
            problems.push(at, ProblemKind::Syntax { message });
            continue;
        }
        let body = expanded.trim_start();
        let depth = expanded.chars().count() - body.chars().count();
        let (token, rest) = body.split_once(char::is_whitespace).unwrap_or((body, ""));
        let terms: Vec<&str> = token.split('|').map(str::trim).filter(|t| !t.is_empty()).collect();
        let Some(first) = terms.first() else { continue };
        let selectable = !terms.iter().any(|t| t.starts_with('!'));
        let name = first.strip_prefix('!').unwrap_or(first).to_owned();
        let depths = args_at.entry(section.clone()).or_default();
        depths.retain(|&d, _| d < depth);
        let mut args = Vec::new();
        for arg in rest.split(',').map(str::trim).filter(|a| !a.is_empty()) {
            if arg == "<INHERIT>" {
                args.extend(depths.values().next_back().cloned().unwrap_or_default());
            } else {
                args.push(arg.to_owned());
            }
        }
        depths.insert(depth, args.clone());
        let index = nodes.len();
        let top = match roots.get(&section) {
            Some(&root) if depth > 0 => root,
            _ => {
                roots.insert(section.clone(), index);
                index
            }
        };
        nodes.push(Node { name, selectable, top, args, line: i + 1 });
    }
    out
}

/// `<NAME>=value` (brat: `^<([a-zA-Z_-]+)>=\s*(.*?)\s*$`).
fn macro_definition(line: &str) -> Option<(&str, &str)> {
    let rest = line.strip_prefix('<')?;
    let (name, value) = rest.split_once(">=")?;
    let valid = !name.is_empty() && name.chars().all(|c| c.is_ascii_alphabetic() || c == '_' || c == '-');
    valid.then(|| (name, value.trim()))
}

/// The first `<...>` in `line` that is not a reserved name.
fn undefined_macro(line: &str) -> Option<String> {
    let mut rest = line;
    while let Some(start) = rest.find('<') {
        let after = &rest[start + 1..];
        let end = after.find('>')?;
        if !RESERVED.contains(&&after[..end]) {
            return Some(format!("<{}>", &after[..end]));
        }
        rest = &after[end + 1..];
    }
    None
}

/// Layers and labels from `[entities]`.
fn read_entities(nodes: &[Node], default_layer: &str, name: &str, conf: &mut Conf) {
    let manifest = &mut conf.manifest;
    let mut twice: Vec<String> = Vec::new();
    for (i, node) in nodes.iter().enumerate() {
        let top = &nodes[node.top];
        let layer = if top.selectable { default_layer } else { top.name.as_str() };
        if node.top == i && !node.selectable {
            layer_mut(manifest, layer);
            continue;
        }
        if !node.selectable {
            continue;
        }
        match manifest.layer_of(&node.name) {
            Some(first) if first.name != layer => {
                twice.push(format!("{} (kept in layer {}, not {layer})", node.name, first.name));
            }
            Some(_) => {}
            None => layer_mut(manifest, layer).labels.push(node.name.clone()),
        }
    }
    if !twice.is_empty() {
        conf.notes.push(format!("{name}: type(s) declared twice in [entities]: {}", twice.join(", ")));
    }
}

/// The layer named `name`, added at the end when new.
pub(crate) fn layer_mut<'m>(manifest: &'m mut Manifest, name: &str) -> &'m mut Layer {
    let index = match manifest.layers.iter().position(|l| l.name == name) {
        Some(i) => i,
        None => {
            manifest.layers.push(Layer { name: name.to_owned(), labels: Vec::new(), relations: Vec::new() });
            manifest.layers.len() - 1
        }
    };
    &mut manifest.layers[index]
}

/// Relation types, coreference types and role names from `[relations]`.
fn read_relations(sections: &Sections, path: &Path, name: &str, conf: &mut Conf, problems: &mut Problems) {
    let labels: Vec<String> = conf.manifest.layers.iter().flat_map(|l| l.labels.iter().cloned()).collect();
    // Relation name to (head, tail), in order of first declaration; a name may be declared
    // several times (once per pair of types).
    let mut declared: Vec<(String, Vec<String>, Vec<String>)> = Vec::new();
    let mut undeclared: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut left_out: Vec<String> = Vec::new();
    'nodes: for node in &sections.relations {
        if !node.selectable || OVERLAP_TYPES.contains(&node.name.as_str()) {
            continue;
        }
        let mut roles: Vec<(&str, &str)> = Vec::new();
        let mut rel_type: Option<Vec<&str>> = None;
        for arg in &node.args {
            let Some((key, types)) = arg.split_once(':') else {
                let message = format!("relation {}: argument {arg:?} is not ROLE:TYPES", node.name);
                problems.push(Location::file(path).at_line(node.line), ProblemKind::Syntax { message });
                continue 'nodes;
            };
            if key.starts_with('<') {
                if key == "<REL-TYPE>" {
                    rel_type = Some(types.split('-').collect());
                }
                continue;
            }
            roles.push((role_name(key), types));
        }
        let equivalence = match &rel_type {
            Some(kinds) => kinds.contains(&"symmetric") && kinds.contains(&"transitive"),
            None => node.name == "Equiv",
        };
        if equivalence || is_coreference_name(&node.name) {
            conf.rules.coreference.insert(node.name.clone());
            continue;
        }
        let [(r1, t1), (r2, t2)] = roles[..] else {
            left_out.push(format!("{} (it has {} arguments, a relation has two)", node.name, roles.len()));
            continue;
        };
        conf.rules.roles.entry(node.name.clone()).or_insert_with(|| (r1.to_owned(), r2.to_owned()));
        let mut sides = [Vec::new(), Vec::new()];
        for (side, types) in sides.iter_mut().zip([t1, t2]) {
            for t in types.split('|').map(str::trim) {
                match t {
                    "<ENTITY>" | "<ANY>" => side.extend(labels.iter().cloned()),
                    _ if t.starts_with('<') || conf.rules.events.contains(t) => {}
                    _ if labels.iter().any(|l| l == t) => side.push(t.to_owned()),
                    _ => {
                        undeclared.entry(node.name.clone()).or_default().insert(t.to_owned());
                    }
                }
            }
        }
        let [head, tail] = sides;
        let entry = match declared.iter().position(|(n, _, _)| *n == node.name) {
            Some(i) => &mut declared[i],
            None => {
                declared.push((node.name.clone(), Vec::new(), Vec::new()));
                let last = declared.len() - 1;
                &mut declared[last]
            }
        };
        for (into, from) in [(&mut entry.1, head), (&mut entry.2, tail)] {
            for label in from {
                if !into.contains(&label) {
                    into.push(label);
                }
            }
        }
    }
    for (rel, head, tail) in declared {
        let layer = head.first().and_then(|h| conf.manifest.layer_of(h)).map(|l| l.name.clone());
        match layer {
            Some(layer) if !tail.is_empty() => {
                let per_head = sections.per_head.get(&rel).copied().unwrap_or(PerHead::Many);
                let relations = &mut layer_mut(&mut conf.manifest, &layer).relations;
                relations.push(RelationType { name: rel, head, tail, per_head });
            }
            _ => left_out.push(format!("{rel} (no entity type at one of its ends; events are not kept)")),
        }
    }
    if !undeclared.is_empty() {
        let list: Vec<String> = undeclared
            .iter()
            .map(|(rel, types)| format!("{rel} ({})", types.iter().cloned().collect::<Vec<_>>().join(", ")))
            .collect();
        conf.notes.push(format!(
            "{name}: argument types that [entities] does not declare were left out of relation type(s) {}",
            list.join(", ")
        ));
    }
    if !left_out.is_empty() {
        conf.notes.push(format!("{name}: relation type(s) left out: {}", left_out.join(", ")));
    }
}

/// A role without brat's repetition marks (`Theme?`, `Theme*`, `Theme+`, `Theme{2}`).
fn role_name(key: &str) -> &str {
    let key = key.trim_end_matches(['?', '*', '+']);
    match key.find('{') {
        Some(i) if key.ends_with('}') => &key[..i],
        _ => key,
    }
}

/// Renders `annotation.conf` for a manifest (attributes as found in `docs`; normalisations,
/// kept as attributes with `N` ids, are brat's `N` lines and need no declaration).
pub fn conf_for(manifest: &Manifest, docs: &[AnnotatedDocument]) -> String {
    let mut out = String::from("# brat configuration written by goldspan; layers are !categories.\n");
    for rel in manifest.relation_types() {
        out.push_str(&format!("# goldspan: per_head {} {}\n", rel.name, rel.per_head.as_str()));
    }
    out.push_str("\n[entities]\n");
    for layer in &manifest.layers {
        out.push_str(&format!("!{}\n", layer.name));
        for label in &layer.labels {
            out.push_str(&format!("\t{label}\n"));
        }
    }
    out.push_str("\n[relations]\n");
    for rel in manifest.relation_types() {
        out.push_str(&format!("{}\tArg1:{}, Arg2:{}\n", rel.name, rel.head.join("|"), rel.tail.join("|")));
    }
    out.push_str(&format!("{}\tArg1:<ENTITY>, Arg2:<ENTITY>, <REL-TYPE>:symmetric-transitive\n", standoff::COREF));
    out.push_str("<OVERLAP>\tArg1:<ENTITY>, Arg2:<ENTITY>, <OVL-TYPE>:<ANY>\n");
    out.push_str("\n[events]\n\n[attributes]\n");
    let mut attrs: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for a in docs.iter().flat_map(|d| &d.annotations.attributes).filter(|a| !a.id.starts_with('N')) {
        let values = attrs.entry(&a.name).or_default();
        if let Some(v) = &a.value {
            values.insert(v);
        }
    }
    for (name, values) in attrs {
        if values.is_empty() {
            out.push_str(&format!("{name}\tArg:<ENTITY>\n"));
        } else {
            out.push_str(&format!(
                "{name}\tArg:<ENTITY>, Value:{}\n",
                values.into_iter().collect::<Vec<_>>().join("|")
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> (Conf, Vec<String>) {
        let mut problems = Problems::default();
        let conf = parse(text, Path::new("annotation.conf"), "annotation.conf", "entities", &mut problems);
        (conf, problems.0.iter().map(|p| p.to_string()).collect())
    }

    fn layers(conf: &Conf) -> Vec<(String, Vec<String>)> {
        conf.manifest.layers.iter().map(|l| (l.name.clone(), l.labels.clone())).collect()
    }

    fn owned(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn separators_are_not_labels() {
        // brat (projectconfig.py): a line of hyphens only is a separator for display.
        let (conf, problems) = read("[entities]\nPerson\n---\nPlace\n  -----  \n");
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(layers(&conf), vec![("entities".into(), owned(&["Person", "Place"]))]);
    }

    #[test]
    fn spans_is_entities() {
        // brat: SECTION_ALIAS maps [spans] onto [entities].
        let (conf, _) = read("[spans]\nPerson\n");
        assert_eq!(layers(&conf), vec![("entities".into(), owned(&["Person"]))]);
    }

    #[test]
    fn nested_categories_flatten_into_their_top_level_layer() {
        // Depth is the count of leading whitespace; "!" marks a non-selectable grouping.
        let text = "[entities]\n!Agent\n\t!Animate\n\t\tPerson\n\t\tAnimal\n\tOrganization\nDate\n\tYear\n\t!Era\n";
        let (conf, _) = read(text);
        assert_eq!(
            layers(&conf),
            vec![
                ("Agent".into(), owned(&["Person", "Animal", "Organization"])),
                ("entities".into(), owned(&["Date", "Year"]))
            ]
        );
    }

    #[test]
    fn aliases_and_macros_resolve_as_brat_resolves_them() {
        // "Name|Alias": the first term is stored; "<NAME>=value" is a macro of its section;
        // <ENTITY> is every entity type; types [entities] lacks are left out, with a note.
        let text = "[entities]\nPerson|Per|P\nOrganization|Org\nPlace\n[relations]\n<AGENT>=Person|Organization\n\
                    Employs\tArg1:Organization, Arg2:<AGENT>|Robot\nNear\tArg1:<ENTITY>, Arg2:Place\n";
        let (conf, problems) = read(text);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(layers(&conf), vec![("entities".into(), owned(&["Person", "Organization", "Place"]))]);
        let rels: Vec<_> =
            conf.manifest.relation_types().map(|r| (r.name.clone(), r.head.clone(), r.tail.clone())).collect();
        assert_eq!(
            rels,
            vec![
                ("Employs".into(), owned(&["Organization"]), owned(&["Person", "Organization"])),
                ("Near".into(), owned(&["Person", "Organization", "Place"]), owned(&["Place"])),
            ]
        );
        assert!(conf.notes[0].contains("Employs (Robot)"), "{:?}", conf.notes);
    }

    #[test]
    fn macros_belong_to_their_section() {
        let (_, problems) = read("[relations]\n<A>=X\n[events]\nE\tArg:<A>\n");
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].contains(":4: <A> is not a macro of [events]"), "{problems:?}");
    }

    #[test]
    fn equivalences_coreference_and_events() {
        let text = "[entities]\nProtein\nExp\n[relations]\nEquiv\tArg1:Protein, Arg2:Protein\n\
                    Same\tArg1:Exp, Arg2:Exp, <REL-TYPE>:symmetric-transitive\n\
                    Coref\tAnaphora:Exp, Antecedent:Exp|Protein\n\
                    Theme_of\tTheme:Protein, Event:<EVENT>\nENTITY-NESTING\tArg1:Protein, Arg2:Exp\n\
                    [events]\nBinding\tTheme+:Protein\n";
        let (conf, problems) = read(text);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(conf.rules.coreference, ["Coref", "Equiv", "Same"].iter().map(|s| s.to_string()).collect());
        assert_eq!(conf.rules.events, ["Binding"].iter().map(|s| s.to_string()).collect());
        assert_eq!(conf.manifest.relation_types().count(), 0);
        assert!(conf.notes.iter().any(|n| n.contains("Theme_of (no entity type")), "{:?}", conf.notes);
    }

    #[test]
    fn role_names_keep_their_order_and_lose_repetition_marks() {
        let (conf, _) = read("[entities]\nA\nB\n[relations]\nLinks\tFrom?:A, To{1-2}:B\n");
        assert_eq!(conf.rules.roles.get("Links"), Some(&("From".to_owned(), "To".to_owned())));
    }

    #[test]
    fn a_reserved_name_cannot_be_a_macro() {
        let (_, problems) = read("[entities]\n<ENTITY>=Person\n");
        assert!(problems[0].contains("<ENTITY> is reserved"), "{problems:?}");
    }
}
