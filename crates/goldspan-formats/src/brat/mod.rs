//! brat directories: `ID.txt` + `ID.ann` pairs and an `annotation.conf`, so a corpus opens in
//! the brat annotation tool, and so a corpus made in brat converts into goldspan.
//!
//! Writing: layers map onto brat's entity hierarchy, each a non-selectable `!layer` category
//! with its labels beneath. What brat's configuration cannot express (how many relations of a
//! type a head may have) travels in `# goldspan:` comment lines that brat ignores; document
//! metadata travels in `ID.meta.toml` sidecar files, which brat also ignores.
//!
//! Reading is as lenient as brat (see [`crate::standoff::Dialect::Brat`] for `.ann` lines and
//! [`conf`] for `annotation.conf`): what goldspan's model holds is kept, and what it cannot
//! hold is dropped and counted in the collection's notes, one line per kind. Labels take their
//! layers from `--manifest` when given, else from `annotation.conf`, else all go to the
//! default layer. As in brat, a folder's `annotation.conf` is the nearest one found going up
//! from the folder towards the directory read.
//!
//! Collections in sub-folders are read with [`ReadOptions::recursive`]; a document's id is
//! then its path below the directory read with `_` between the parts (`2024/may/a.txt` is
//! `2024_may_a`), and two files that would make the same id are an error. Without it, a
//! directory with no documents whose sub-folders have some is an error that says so, and
//! documents left unread in sub-folders are noted: reading never succeeds with nothing.

mod conf;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::standoff::{self, BratRules, Dialect, Leniency};
use crate::{document_ids, gold, read_text, refuse_link, write_atomic, Collection, ReadOptions};
use goldspan_model::{AnnotatedDocument, Document};
use goldspan_model::{Error, Location, ProblemKind, Problems};
use goldspan_model::{Manifest, PerHead, RelationType};

pub use conf::conf_for;

/// The brat configuration file name.
pub const CONF: &str = "annotation.conf";

/// One document found on disk.
#[derive(Debug)]
struct Entry {
    /// The document id: its file stem, prefixed by its sub-folders when read recursively.
    id: String,
    /// The folder holding its files.
    folder: PathBuf,
    /// The file stem.
    stem: String,
    /// The `annotation.conf` that applies, if any.
    conf: Option<PathBuf>,
}

impl Entry {
    fn file(&self, ext: &str) -> PathBuf {
        self.folder.join(format!("{}.{ext}", self.stem))
    }
}

/// Reads every `ID.txt`/`ID.ann` pair in `dir` (and its sub-folders with
/// [`ReadOptions::recursive`]). Labels are put in layers by [`ReadOptions::manifest`] when
/// given, else by `annotation.conf`, else all in [`ReadOptions::layer`]. The collection's notes
/// say what was dropped or assumed.
pub fn read_dir(dir: &Path, options: &ReadOptions) -> Result<Collection, Error> {
    let mut problems = Problems::default();
    let mut notes = Vec::new();
    let follow = options.follow_symlinks;
    let entries = list(dir, options.recursive, follow, &mut problems, &mut notes);
    if !problems.is_empty() {
        return Err(problems.into_error());
    }
    let mut anns = BTreeMap::new();
    for entry in &entries {
        let path = entry.file("ann");
        let at = Location::file(&path).in_document(&entry.id);
        if refuse_link(&path, follow, &at, &mut problems)
            || refuse_link(&entry.file("meta.toml"), follow, &at, &mut problems)
        {
            continue;
        }
        if !path.exists() {
            problems.push(
                Location::file(entry.file("txt")).in_document(&entry.id),
                ProblemKind::MissingAnnotations { expected: format!("{}.ann", entry.stem) },
            );
            continue;
        }
        if let Some(text) = read_text(&path, &Location::file(&path).in_document(&entry.id), &mut problems) {
            anns.insert(entry.id.clone(), text);
        }
    }

    let conf_paths: BTreeSet<&PathBuf> = entries.iter().filter_map(|e| e.conf.as_ref()).collect();
    let mut confs = Vec::new();
    for path in conf_paths {
        if refuse_link(path, follow, &Location::file(path), &mut problems) {
            continue;
        }
        let Some(text) = read_text(path, &Location::file(path), &mut problems) else { continue };
        let name = path.strip_prefix(dir).unwrap_or(path).display().to_string();
        confs.push((path.clone(), conf::parse(&text, path, &name, &options.layer, &mut problems)));
    }
    let manifest = match &options.manifest {
        Some(m) => m.clone(),
        None => {
            let mut manifest = Manifest::default();
            for (path, conf) in &confs {
                merge_manifest(&mut manifest, &conf.manifest, path, &mut problems);
                notes.extend(conf.notes.iter().cloned());
            }
            let unconfigured = entries.iter().filter(|e| e.conf.is_none()).filter_map(|e| anns.get(&e.id));
            let derived = derive_manifest(unconfigured.map(String::as_str), &options.layer);
            merge_manifest(&mut manifest, &derived, &dir.join(CONF), &mut problems);
            manifest
        }
    };
    let mut rules = BratRules::default();
    for (_, conf) in &confs {
        rules.coreference.extend(conf.rules.coreference.iter().cloned());
        rules.events.extend(conf.rules.events.iter().cloned());
        for (kind, roles) in &conf.rules.roles {
            rules.roles.entry(kind.clone()).or_insert_with(|| roles.clone());
        }
    }
    rules.coreference.retain(|kind| manifest.relation_type(kind).is_none());

    let mut leniency = Leniency::default();
    let mut documents = Vec::new();
    for entry in &entries {
        let Some(ann) = anns.get(&entry.id) else { continue };
        let txt = entry.file("txt");
        let Some(text) = read_text(&txt, &Location::file(&txt).in_document(&entry.id), &mut problems) else {
            continue;
        };
        let meta = gold::read_meta_file(&entry.file("meta.toml"), &entry.id, &mut problems);
        let document = Document::new(entry.id.clone(), text, meta);
        let location = Location::file(entry.file("ann"));
        let parsed = standoff::parse_with(ann, &document, &manifest, Dialect::Brat(&rules), &location, &mut problems);
        leniency.add(&parsed.leniency);
        let doc = AnnotatedDocument { document, annotations: parsed.annotations };
        standoff::check(&doc, &manifest, &location, &parsed.lines, &parsed.failed, &mut problems);
        documents.push(doc);
    }
    notes.extend(leniency.notes());
    problems.drop_hygiene();
    problems.into_result(Collection { manifest: Some(manifest), documents, notes, ..Collection::default() })
}

/// Finds the documents: every `.txt` file of `root` (and of its sub-folders when `recursive`),
/// sorted by id, each with the `annotation.conf` that applies to it.
fn list(root: &Path, recursive: bool, follow: bool, problems: &mut Problems, notes: &mut Vec<String>) -> Vec<Entry> {
    // (folder, its path below root as parts, the conf that applies)
    let mut stack = vec![(root.to_owned(), Vec::<String>::new(), None::<PathBuf>)];
    let mut entries = Vec::new();
    // Sub-folders holding documents that are not read (without `recursive`): (path, count).
    let mut unread: Vec<(String, usize)> = Vec::new();
    while let Some((folder, parts, inherited)) = stack.pop() {
        let listing = match std::fs::read_dir(&folder) {
            Ok(listing) => listing,
            Err(e) => {
                problems.push(Location::file(&folder), ProblemKind::Io(e));
                continue;
            }
        };
        let mut stems = Vec::new();
        let mut subfolders = Vec::new();
        for item in listing.flatten() {
            let name = item.file_name().to_string_lossy().into_owned();
            // Symbolic links to folders are not followed (a link could make a cycle).
            let is_dir = item.file_type().is_ok_and(|t| t.is_dir());
            if is_dir && !name.starts_with('.') {
                subfolders.push(name);
            } else if let Some(stem) = name.strip_suffix(".txt").filter(|_| !is_dir) {
                let is_link = item.file_type().is_ok_and(|t| t.is_symlink());
                if is_link && !follow {
                    let path = folder.join(&name);
                    refuse_link(&path, follow, &Location::file(&path), problems);
                    continue;
                }
                stems.push(stem.to_owned());
            }
        }
        let conf = Some(folder.join(CONF)).filter(|p| p.is_file()).or(inherited);
        if parts.is_empty() || recursive {
            for stem in stems {
                let id = parts.iter().map(String::as_str).chain([stem.as_str()]).collect::<Vec<_>>().join("_");
                entries.push(Entry { id, folder: folder.clone(), stem, conf: conf.clone() });
            }
        } else if !stems.is_empty() {
            unread.push((format!("{}/", parts.join("/")), stems.len()));
        }
        subfolders.sort();
        for name in subfolders.into_iter().rev() {
            let mut sub = parts.clone();
            sub.push(name.clone());
            stack.push((folder.join(name), sub, conf.clone()));
        }
    }
    unread.sort();
    entries.sort_by(|a, b| a.id.cmp(&b.id));
    let mut first: BTreeMap<&str, &Entry> = BTreeMap::new();
    for entry in &entries {
        if let Some(earlier) = first.insert(&entry.id, entry) {
            problems.push(
                Location::file(entry.file("txt")).in_document(&entry.id),
                ProblemKind::DocumentIdClash { id: entry.id.clone(), first: earlier.file("txt").display().to_string() },
            );
        }
    }
    if entries.is_empty() && problems.is_empty() {
        let nested = unread.iter().map(|(path, _)| path.clone()).collect();
        problems.push(Location::file(root), ProblemKind::NoDocuments { nested, recursive });
    } else if !unread.is_empty() {
        let count: usize = unread.iter().map(|(_, n)| n).sum();
        let folders: Vec<&str> = unread.iter().map(|(path, _)| path.as_str()).collect();
        notes.push(format!(
            "{count} document(s) in sub-folders were not read ({}); read them with --recursive",
            folders.join(", ")
        ));
    }
    entries
}

/// Adds the layers, labels and relation types of `other` to `into`; a label that the two put
/// in different layers is a problem of `source`.
fn merge_manifest(into: &mut Manifest, other: &Manifest, source: &Path, problems: &mut Problems) {
    for layer in &other.layers {
        conf::layer_mut(into, &layer.name);
        for label in &layer.labels {
            match into.layer_of(label) {
                Some(l) if l.name != layer.name => {
                    let message = format!(
                        "label {label} is in layer {} in one annotation.conf and in layer {} in this one",
                        l.name, layer.name
                    );
                    problems.push(Location::file(source), ProblemKind::Syntax { message });
                }
                Some(_) => {}
                None => conf::layer_mut(into, &layer.name).labels.push(label.clone()),
            }
        }
    }
    for rel in other.relation_types() {
        let existing = into.layers.iter_mut().flat_map(|l| l.relations.iter_mut()).find(|r| r.name == rel.name);
        match existing {
            Some(r) => {
                for (to, from) in [(&mut r.head, &rel.head), (&mut r.tail, &rel.tail)] {
                    for label in from {
                        if !to.contains(label) {
                            to.push(label.clone());
                        }
                    }
                }
            }
            None => {
                let layer = rel.head.first().and_then(|h| into.layer_of(h)).map(|l| l.name.clone());
                if let Some(layer) = layer {
                    conf::layer_mut(into, &layer).relations.push(rel.clone());
                }
            }
        }
    }
}

/// Builds a manifest from `.ann` texts that no `annotation.conf` covers: every label in one
/// layer, relation types as seen (coreference types and event triggers aside). No layer when
/// there are no such texts.
fn derive_manifest<'a>(anns: impl Iterator<Item = &'a str>, layer: &str) -> Manifest {
    let mut seen = false;
    let mut labels = BTreeSet::new();
    let mut label_of: BTreeMap<String, String> = BTreeMap::new();
    let mut rels: BTreeMap<String, (BTreeSet<String>, BTreeSet<String>)> = BTreeMap::new();
    let mut pending = Vec::new();
    for ann in anns {
        seen = true;
        let triggers = standoff::event_triggers(ann);
        label_of.clear();
        for line in ann.lines() {
            let mut f = line.split('\t');
            let (Some(id), Some(body)) = (f.next(), f.next()) else { continue };
            let mut words = body.split(' ');
            let kind = words.next().unwrap_or_default();
            if id.starts_with('T') && !triggers.contains_key(id) {
                labels.insert(kind.to_owned());
                label_of.insert(id.to_owned(), kind.to_owned());
            } else if id.starts_with('R') && !standoff::is_coreference_name(kind) {
                let args: Vec<(&str, &str)> = words.filter_map(|w| w.split_once(':')).collect();
                if let [(r1, a1), (_, a2)] = args[..] {
                    let (head, tail) = if r1 == "Arg2" { (a2, a1) } else { (a1, a2) };
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
    if !seen {
        return Manifest::default();
    }
    let mut manifest = Manifest::default();
    let layer = conf::layer_mut(&mut manifest, layer);
    layer.labels = labels.into_iter().collect();
    layer.relations = rels
        .into_iter()
        .map(|(name, (head, tail))| RelationType {
            name,
            head: head.into_iter().collect(),
            tail: tail.into_iter().collect(),
            per_head: PerHead::Many,
        })
        .collect();
    manifest
}

/// Writes a brat directory: `annotation.conf`, and per document `ID.txt`, `ID.ann` and (when
/// it has metadata) `ID.meta.toml`; every id is checked first ([`crate::document_ids`]), so a
/// bad one writes nothing. Returns what brat cannot hold (the splits).
pub fn write_dir(dir: &Path, manifest: &Manifest, docs: &[AnnotatedDocument]) -> Result<Vec<String>, Error> {
    let ids = document_ids(dir, docs, &|_| None)?;
    write_atomic(&dir.join(CONF), conf_for(manifest, docs).as_bytes())?;
    for (id, doc) in ids.iter().zip(docs) {
        let ann = standoff::write(doc).map_err(|e| {
            Error::Invalid(vec![goldspan_model::Problem::new(
                Location::file(dir.join(id.file_name(".ann"))).in_document(id.as_str()),
                ProblemKind::Syntax { message: e.to_string() },
            )])
        })?;
        write_atomic(&dir.join(id.file_name(".txt")), doc.document.text().as_bytes())?;
        write_atomic(&dir.join(id.file_name(".ann")), ann.as_bytes())?;
        if !doc.document.meta().is_empty() {
            write_atomic(&dir.join(id.file_name(".meta.toml")), gold::meta_to_toml(doc.document.meta()).as_bytes())?;
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
