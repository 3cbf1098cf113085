//! brat directories: `ID.txt` + `ID.ann` pairs and an `annotation.conf`, so a corpus opens in
//! the brat annotation tool.
//!
//! Layers map onto brat's entity hierarchy: each layer is a non-selectable `!layer` category
//! with its labels beneath. What brat's configuration cannot express (how many relations of a
//! type a head may have) travels in `# goldspan:` comment lines that brat ignores; document
//! metadata travels in `ID.meta.toml` sidecar files, which brat also ignores. Reading a brat
//! directory without `annotation.conf` puts every label in one layer.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::{gold, read_text, standoff, write_atomic};
use goldspan_model::check_document;
use goldspan_model::{AnnotatedDocument, Document};
use goldspan_model::{Error, Location, ProblemKind, Problems};
use goldspan_model::{Layer, Manifest, PerHead, RelationType};

/// The brat configuration file name.
pub const CONF: &str = "annotation.conf";

/// Reads every `ID.txt`/`ID.ann` pair in `dir`. Labels are put in layers by `annotation.conf`
/// when present, else all in `default_layer`.
pub fn read_dir(dir: &Path, default_layer: &str) -> Result<(Manifest, Vec<AnnotatedDocument>), Error> {
    let mut problems = Problems::default();
    let mut ids = Vec::new();
    match std::fs::read_dir(dir) {
        Ok(entries) => {
            for e in entries.flatten() {
                let name = e.file_name().to_string_lossy().into_owned();
                if let Some(id) = name.strip_suffix(".txt") {
                    ids.push(id.to_owned());
                }
            }
        }
        Err(e) => {
            problems.push(Location::file(dir), ProblemKind::Io(e));
            return Err(Error::Invalid(problems.0));
        }
    }
    ids.sort();
    let conf_path = dir.join(CONF);
    let mut anns = BTreeMap::new();
    for id in &ids {
        let path = dir.join(format!("{id}.ann"));
        let location = Location::file(&path).in_document(id);
        if !path.exists() {
            problems.push(
                Location::file(dir.join(format!("{id}.txt"))).in_document(id),
                ProblemKind::MissingAnnotations { expected: format!("{id}.ann") },
            );
            continue;
        }
        if let Some(text) = read_text(&path, &location, &mut problems) {
            anns.insert(id.clone(), text);
        }
    }
    let manifest = if conf_path.exists() {
        match read_text(&conf_path, &Location::file(&conf_path), &mut problems) {
            Some(conf) => parse_conf(&conf, &conf_path, &mut problems),
            None => Manifest::default(),
        }
    } else {
        derive_manifest(anns.values().map(String::as_str), default_layer)
    };
    let mut docs = Vec::new();
    for id in &ids {
        let Some(ann) = anns.get(id) else { continue };
        let txt = dir.join(format!("{id}.txt"));
        let Some(text) = read_text(&txt, &Location::file(&txt).in_document(id), &mut problems) else { continue };
        let meta_path = dir.join(format!("{id}.meta.toml"));
        let meta = gold::read_meta_file(&meta_path, id, &mut problems);
        let document = Document::new(id.clone(), text, meta);
        let location = Location::file(dir.join(format!("{id}.ann")));
        let parsed = standoff::parse(ann, &document, &manifest, &location, &mut problems);
        let doc = AnnotatedDocument { document, annotations: parsed.annotations };
        check_document(&doc, &manifest, &location, &|id| parsed.lines.get(id).copied(), &mut problems);
        docs.push(doc);
    }
    problems.drop_hygiene();
    problems.into_result((manifest, docs))
}

/// Builds a manifest from `.ann` texts: every label in one layer, relation types as seen.
fn derive_manifest<'a>(anns: impl Iterator<Item = &'a str>, layer: &str) -> Manifest {
    let mut labels = BTreeSet::new();
    let mut label_of: BTreeMap<String, String> = BTreeMap::new();
    let mut rels: BTreeMap<String, (BTreeSet<String>, BTreeSet<String>)> = BTreeMap::new();
    let mut pending = Vec::new();
    for ann in anns {
        label_of.clear();
        for line in ann.lines() {
            let mut f = line.split('\t');
            let (Some(id), Some(body)) = (f.next(), f.next()) else { continue };
            let mut words = body.split(' ');
            let kind = words.next().unwrap_or_default();
            if id.starts_with('T') {
                labels.insert(kind.to_owned());
                label_of.insert(id.to_owned(), kind.to_owned());
            } else if id.starts_with('R') {
                let args: Vec<&str> = words.filter_map(|w| w.split_once(':').map(|(_, v)| v)).collect();
                if let [head, tail] = args[..] {
                    pending.push((kind.to_owned(), head.to_owned(), tail.to_owned()));
                }
            }
        }
        for (kind, head, tail) in pending.drain(..) {
            let entry = rels.entry(kind).or_default();
            entry.0.extend(label_of.get(&head).cloned());
            entry.1.extend(label_of.get(&tail).cloned());
        }
    }
    let relations = rels
        .into_iter()
        .map(|(name, (head, tail))| RelationType {
            name,
            head: head.into_iter().collect(),
            tail: tail.into_iter().collect(),
            per_head: PerHead::Many,
        })
        .collect();
    Manifest {
        name: "brat".into(),
        layers: vec![Layer { name: layer.to_owned(), labels: labels.into_iter().collect(), relations }],
        ..Manifest::default()
    }
}

/// Parses the parts of `annotation.conf` goldspan uses: `[entities]` (with `!layer` groups)
/// and `[relations]`, plus `# goldspan: per_head TYPE VALUE` comments.
fn parse_conf(conf: &str, path: &Path, problems: &mut Problems) -> Manifest {
    let mut manifest = Manifest { name: "brat".into(), ..Manifest::default() };
    let mut section = "";
    let mut per_head = BTreeMap::new();
    for (i, raw) in conf.lines().enumerate() {
        let line = raw.trim_end();
        if let Some(rest) = line.strip_prefix("# goldspan: per_head ") {
            if let Some((name, value)) = rest.split_once(' ') {
                if let Some(p) = PerHead::parse(value.trim()) {
                    per_head.insert(name.to_owned(), p);
                }
            }
            continue;
        }
        if line.trim().is_empty() || line.trim_start().starts_with('#') {
            continue;
        }
        if line.starts_with('[') {
            section = line.trim();
            continue;
        }
        let name = line.trim();
        match section {
            "[entities]" => {
                if let Some(layer) = name.strip_prefix('!') {
                    manifest.layers.push(Layer { name: layer.to_owned(), labels: Vec::new(), relations: Vec::new() });
                } else {
                    if manifest.layers.is_empty() {
                        manifest.layers.push(Layer {
                            name: "entities".into(),
                            labels: Vec::new(),
                            relations: Vec::new(),
                        });
                    }
                    if let Some(layer) = manifest.layers.last_mut() {
                        layer.labels.push(name.to_owned());
                    }
                }
            }
            "[relations]" => {
                let mut parts = name.splitn(2, char::is_whitespace);
                let (Some(rel), Some(args)) = (parts.next(), parts.next()) else { continue };
                if rel.starts_with('<') || rel == standoff::COREF {
                    continue;
                }
                let mut head = Vec::new();
                let mut tail = Vec::new();
                for arg in args.split(',') {
                    match arg.trim().split_once(':') {
                        Some(("Arg1", labels)) => head.extend(labels.split('|').map(|l| l.trim().to_owned())),
                        Some(("Arg2", labels)) => tail.extend(labels.split('|').map(|l| l.trim().to_owned())),
                        _ => {}
                    }
                }
                if head.is_empty() || tail.is_empty() {
                    problems.push(
                        Location::file(path).at_line(i + 1),
                        ProblemKind::Syntax { message: format!("relation {rel}: expected \"Arg1:LABEL, Arg2:LABEL\"") },
                    );
                    continue;
                }
                let Some(layer) = manifest.layers.iter_mut().find(|l| l.labels.contains(&head[0])) else {
                    problems.push(
                        Location::file(path).at_line(i + 1),
                        ProblemKind::Syntax {
                            message: format!("relation {rel}: label {} is not in [entities]", head[0]),
                        },
                    );
                    continue;
                };
                layer.relations.push(RelationType { name: rel.to_owned(), head, tail, per_head: PerHead::Many });
            }
            _ => {}
        }
    }
    for layer in &mut manifest.layers {
        for rel in &mut layer.relations {
            if let Some(&p) = per_head.get(&rel.name) {
                rel.per_head = p;
            }
        }
    }
    manifest
}

/// Renders `annotation.conf` for a manifest (attributes as found in `docs`).
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
    for a in docs.iter().flat_map(|d| &d.annotations.attributes) {
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

/// Writes a brat directory: `annotation.conf`, and per document `ID.txt`, `ID.ann` and (when
/// it has metadata) `ID.meta.toml`. Returns what brat cannot hold (the splits).
pub fn write_dir(dir: &Path, manifest: &Manifest, docs: &[AnnotatedDocument]) -> Result<Vec<String>, Error> {
    write_atomic(&dir.join(CONF), conf_for(manifest, docs).as_bytes())?;
    for doc in docs {
        let id = doc.document.id();
        let ann = standoff::write(doc).map_err(|e| {
            Error::Invalid(vec![goldspan_model::Problem::new(
                Location::file(dir.join(format!("{id}.ann"))).in_document(id),
                ProblemKind::Syntax { message: e.to_string() },
            )])
        })?;
        write_atomic(&dir.join(format!("{id}.txt")), doc.document.text().as_bytes())?;
        write_atomic(&dir.join(format!("{id}.ann")), ann.as_bytes())?;
        if !doc.document.meta().is_empty() {
            write_atomic(&dir.join(format!("{id}.meta.toml")), gold::meta_to_toml(doc.document.meta()).as_bytes())?;
        }
    }
    let mut dropped = Vec::new();
    if !manifest.splits.is_empty() {
        dropped.push(format!(
            "splits ({}): brat has no splits",
            manifest.splits.keys().cloned().collect::<Vec<_>>().join(", ")
        ));
    }
    Ok(dropped)
}
