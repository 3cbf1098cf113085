//! The gold corpus format: a directory with a `goldspan.toml` manifest and, under `docs/`,
//! for each document `ID.txt` (the text, byte for byte), `ID.ann` (brat standoff, every span
//! line repeating its covered text) and optionally `ID.meta.toml` (string metadata).
//!
//! The annotation files are plain brat, so a corpus opens in brat as it is (`goldspan convert
//! --to brat` adds the `annotation.conf` brat wants); the manifest adds what brat lacks:
//! layers, relation rules and splits.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::{
    decode_text, document_ids, line_of_byte, open_in_corpus, read_text, refuse_link, standoff, toml_string,
    write_atomic,
};
use goldspan_model::{AnnotatedDocument, Document, DocumentId, Meta};
use goldspan_model::{Attribution, Layer, Manifest, PerHead, RelationType};
use goldspan_model::{Error, Location, Problem, ProblemKind, Problems};

/// The manifest file name inside a corpus directory.
pub const MANIFEST: &str = "goldspan.toml";
/// The directory holding the documents.
pub const DOCS: &str = "docs";
/// The only gold format version so far.
pub const FORMAT_VERSION: u32 = 1;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ManifestV1 {
    format: u32,
    name: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    licence: String,
    #[serde(default)]
    provenance: String,
    #[serde(default)]
    layers: Vec<LayerV1>,
    #[serde(default)]
    splits: BTreeMap<String, Vec<toml::Spanned<String>>>,
    #[serde(default)]
    attribution: Option<AttributionV1>,
}

/// `[attribution]`: which label is a quotation, which relations name its speaker and cue,
/// and which layer holds the mentions a speaker co-refers with.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AttributionV1 {
    quotation_label: String,
    speaker_relation: String,
    #[serde(default)]
    cue_relation: Option<String>,
    #[serde(default)]
    mention_layer: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LayerV1 {
    name: String,
    labels: Vec<String>,
    #[serde(default)]
    relations: Vec<RelationV1>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RelationV1 {
    name: String,
    head: Vec<String>,
    tail: Vec<String>,
    #[serde(default = "many")]
    per_head: String,
}

fn many() -> String {
    "many".into()
}

/// A gold corpus directory, opened: its manifest is read, its documents listed.
#[derive(Debug)]
pub struct Corpus {
    root: PathBuf,
    manifest: Manifest,
    /// Ids of the documents found under `docs/` (one per `.txt`), sorted.
    ids: Vec<String>,
    /// (split, document id) to the manifest line that lists it.
    split_lines: BTreeMap<(String, String), usize>,
    /// Whether symbolic links inside the corpus are read (see [`Corpus::open_with`]).
    follow_symlinks: bool,
}

impl Corpus {
    /// Opens the corpus at `root`: reads and checks the manifest and lists the documents.
    /// Symbolic links inside it (the manifest, `docs/`, a document's files) are refused, each a
    /// problem naming it, so a document cannot pull in a file from elsewhere; `root` itself may
    /// be a link.
    pub fn open(root: impl AsRef<Path>) -> Result<Corpus, Error> {
        Corpus::open_with(root, false)
    }

    /// [`Corpus::open`], following symbolic links inside the corpus when `follow_symlinks`.
    pub fn open_with(root: impl AsRef<Path>, follow_symlinks: bool) -> Result<Corpus, Error> {
        let mut problems = Problems::default();
        let corpus = Corpus::open_collecting(root.as_ref(), follow_symlinks, &mut problems);
        match corpus {
            Some(c) if problems.is_empty() => Ok(c),
            _ => Err(problems.into_error()),
        }
    }

    fn open_collecting(root: &Path, follow_symlinks: bool, problems: &mut Problems) -> Option<Corpus> {
        let manifest_path = root.join(MANIFEST);
        if refuse_link(&manifest_path, follow_symlinks, &Location::file(&manifest_path), problems) {
            return None;
        }
        let (manifest, split_lines) = parse_manifest(&manifest_path, problems)?;
        let docs = root.join(DOCS);
        if refuse_link(&docs, follow_symlinks, &Location::file(&docs), problems) {
            return None;
        }
        let entries = match std::fs::read_dir(&docs) {
            Ok(e) => e,
            Err(e) => {
                problems.push(Location::file(&docs), ProblemKind::Io(e));
                return None;
            }
        };
        let mut ids = BTreeSet::new();
        let mut others = Vec::new();
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if let Some(id) = name.strip_suffix(".txt") {
                ids.insert(id.to_owned());
            } else if name.starts_with('.') {
                continue;
            } else {
                others.push(name);
            }
        }
        for name in others {
            let stem = name.strip_suffix(".ann").or_else(|| name.strip_suffix(".meta.toml"));
            match stem {
                Some(id) if ids.contains(id) => {}
                _ => problems.push(
                    Location::file(docs.join(&name)),
                    ProblemKind::OrphanFile {
                        file: name.clone(),
                        expected: stem
                            .map(|s| format!("{s}.txt"))
                            .unwrap_or_else(|| "ID.txt, ID.ann, ID.meta.toml".into()),
                    },
                ),
            }
        }
        Some(Corpus { root: root.to_owned(), manifest, ids: ids.into_iter().collect(), split_lines, follow_symlinks })
    }

    /// The same corpus with its layers (labels and relation types) replaced by `layers`, e.g.
    /// another manifest's; documents are then read and checked against them. Its name,
    /// description, licence, provenance and splits stay its own.
    pub fn with_layers(mut self, layers: Vec<Layer>) -> Corpus {
        self.manifest.layers = layers;
        self
    }

    /// The corpus directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The manifest.
    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// Ids of every document on disk, sorted.
    pub fn ids(&self) -> &[String] {
        &self.ids
    }

    /// Ids of the documents of `split` (sorted), or of every document for `None`.
    pub fn split_ids(&self, split: Option<&str>) -> Result<Vec<String>, Error> {
        let Some(split) = split else { return Ok(self.ids.clone()) };
        match self.manifest.splits.get(split) {
            Some(ids) => {
                let mut ids = ids.clone();
                ids.sort();
                Ok(ids)
            }
            None => Err(Error::Invalid(vec![Problem::new(
                Location::file(self.root.join(MANIFEST)),
                ProblemKind::UnknownSplit {
                    split: split.to_owned(),
                    known: self.manifest.splits.keys().cloned().collect(),
                },
            )])),
        }
    }

    /// Reads one document with its annotations, checked against the manifest. CRLF line
    /// endings are accepted here (offsets still count code points, "\r" included); only
    /// [`Corpus::validate`] reports them, as corpus hygiene.
    pub fn read(&self, id: &str) -> Result<AnnotatedDocument, Error> {
        let mut problems = Problems::default();
        let doc = self.read_collecting(id, &mut problems);
        problems.drop_hygiene();
        match doc {
            Some(d) if problems.is_empty() => Ok(d),
            _ => Err(problems.into_error()),
        }
    }

    fn paths(&self, id: &str) -> (PathBuf, PathBuf, PathBuf) {
        let dir = self.root.join(DOCS);
        (dir.join(format!("{id}.txt")), dir.join(format!("{id}.ann")), dir.join(format!("{id}.meta.toml")))
    }

    /// A document's file, `None` when there is none; `Err` when it cannot be read or is a
    /// symbolic link not to be followed (a problem says which).
    fn read_file(&self, path: &Path, id: &str, problems: &mut Problems) -> Result<Option<Vec<u8>>, ()> {
        match open_in_corpus(path, self.follow_symlinks) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => {
                let location = Location::file(path).in_document(id);
                if !self.follow_symlinks && std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink()) {
                    refuse_link(path, false, &location, problems);
                } else {
                    problems.push(location, ProblemKind::Io(e));
                }
                Err(())
            }
        }
    }

    fn read_collecting(&self, id: &str, problems: &mut Problems) -> Option<AnnotatedDocument> {
        let (txt, ann, meta) = self.paths(id);
        if let Err(reason) = DocumentId::new(id) {
            problems
                .push(Location::file(&txt).in_document(id), ProblemKind::BadDocumentId { id: id.to_owned(), reason });
        }
        // Each file is opened once, refusing a symbolic link (unless following them) in the
        // same call: no separate look at the file before reading it.
        let txt_bytes = self.read_file(&txt, id, problems).ok()?;
        let ann_bytes = self.read_file(&ann, id, problems).ok()?;
        let meta_bytes = self.read_file(&meta, id, problems).ok()?;
        let Some(txt_bytes) = txt_bytes else {
            let e = std::io::Error::from(std::io::ErrorKind::NotFound);
            problems.push(Location::file(&txt).in_document(id), ProblemKind::Io(e));
            return None;
        };
        let text = decode_text(txt_bytes, &Location::file(&txt).in_document(id), problems)?;
        let meta = match meta_bytes {
            Some(bytes) => meta_from_bytes(bytes, &meta, id, problems),
            None => Meta::new(),
        };
        let document = Document::new(id, text, meta);
        let ann_location = Location::file(&ann);
        let parsed = if let Some(bytes) = ann_bytes {
            let ann_text = decode_text(bytes, &ann_location.in_document(id), problems)?;
            standoff::parse(&ann_text, &document, &self.manifest, &ann_location, problems)
        } else {
            problems.push(
                Location::file(&txt).in_document(id),
                ProblemKind::MissingAnnotations { expected: format!("{id}.ann") },
            );
            standoff::Parsed::default()
        };
        let doc = AnnotatedDocument { document, annotations: parsed.annotations };
        standoff::check(&doc, &self.manifest, &ann_location, &parsed.lines, &parsed.failed, problems);
        Some(doc)
    }

    /// Finds every problem in the corpus: manifest, splits, and each document (a symbolic link
    /// inside it among them). Never stops at the first.
    pub fn validate(root: impl AsRef<Path>) -> Vec<Problem> {
        Corpus::validate_with(root, false)
    }

    /// [`Corpus::validate`], following symbolic links when `follow_symlinks`.
    pub fn validate_with(root: impl AsRef<Path>, follow_symlinks: bool) -> Vec<Problem> {
        let mut problems = Problems::default();
        let Some(corpus) = Corpus::open_collecting(root.as_ref(), follow_symlinks, &mut problems) else {
            return problems.into_vec();
        };
        let manifest_path = corpus.root.join(MANIFEST);
        for (split, ids) in &corpus.manifest.splits {
            for id in ids {
                if corpus.ids.binary_search(id).is_err() {
                    let line = corpus.split_lines.get(&(split.clone(), id.clone())).copied();
                    problems.push(
                        Location { file: manifest_path.clone(), line, document: Some(id.clone()) },
                        ProblemKind::MissingDocument { split: split.clone(), id: id.clone() },
                    );
                }
            }
        }
        for id in &corpus.ids {
            let splits = corpus.manifest.splits_of(id);
            let loc = Location::file(&manifest_path).in_document(id);
            match splits.len() {
                0 => problems.push(loc, ProblemKind::DocumentInNoSplit),
                1 => {}
                _ => {
                    let line = corpus.split_lines.get(&(splits[1].to_owned(), id.clone())).copied();
                    problems.push(
                        Location { line, ..loc },
                        ProblemKind::DocumentInSeveralSplits { splits: splits.iter().map(|s| s.to_string()).collect() },
                    );
                }
            }
            corpus.read_collecting(id, &mut problems);
        }
        problems.into_vec()
    }
}

/// Reads a `goldspan.toml` manifest file on its own (e.g. to resolve layers of another format).
pub fn read_manifest(path: &Path) -> Result<Manifest, Error> {
    let mut problems = Problems::default();
    let manifest = parse_manifest(path, &mut problems);
    match manifest {
        Some((m, _)) if problems.is_empty() => Ok(m),
        _ => Err(problems.into_error()),
    }
}

type SplitLines = BTreeMap<(String, String), usize>;

fn parse_manifest(path: &Path, problems: &mut Problems) -> Option<(Manifest, SplitLines)> {
    let location = Location::file(path);
    let text = read_text(path, &location, problems)?;
    let file: ManifestV1 = match toml::from_str(&text) {
        Ok(m) => m,
        Err(e) => {
            let line = e.span().map(|s| line_of_byte(&text, s.start));
            let message = e.message().to_owned();
            problems.push(Location { line, ..location }, ProblemKind::Syntax { message });
            return None;
        }
    };
    if file.format != FORMAT_VERSION {
        problems.push(
            location.clone(),
            ProblemKind::Syntax {
                message: format!(
                    "format {} is not supported; this goldspan reads format {FORMAT_VERSION}",
                    file.format
                ),
            },
        );
        return None;
    }
    let mut layers = Vec::new();
    for l in file.layers {
        let mut relations = Vec::new();
        for r in l.relations {
            let Some(per_head) = PerHead::parse(&r.per_head) else {
                problems.push(
                    location.clone(),
                    ProblemKind::Syntax {
                        message: format!(
                            "relation {:?}: per_head must be one, at-most-one or many, not {:?}",
                            r.name, r.per_head
                        ),
                    },
                );
                continue;
            };
            relations.push(RelationType { name: r.name, head: r.head, tail: r.tail, per_head });
        }
        layers.push(Layer { name: l.name, labels: l.labels, relations });
    }
    let mut split_lines = BTreeMap::new();
    let mut splits = BTreeMap::new();
    for (split, ids) in file.splits {
        let mut list = Vec::new();
        for id in ids {
            let line = line_of_byte(&text, id.span().start);
            if split_lines.insert((split.clone(), id.get_ref().clone()), line).is_some() {
                problems.push(
                    location.at_line(line).in_document(id.get_ref()),
                    ProblemKind::DuplicateId { id: id.get_ref().clone(), first_line: None },
                );
            }
            list.push(id.into_inner());
        }
        splits.insert(split, list);
    }
    let manifest = Manifest {
        name: file.name,
        description: file.description,
        licence: file.licence,
        provenance: file.provenance,
        layers,
        splits,
        attribution: file.attribution.map(|a| Attribution {
            quotation_label: a.quotation_label,
            speaker_relation: a.speaker_relation,
            cue_relation: a.cue_relation,
            mention_layer: a.mention_layer,
        }),
    };
    if let Err(message) = manifest.check() {
        problems.push(location.clone(), ProblemKind::Syntax { message });
    }
    Some((manifest, split_lines))
}

/// Reads an `ID.meta.toml` file (string values only); a missing file is empty metadata.
pub fn read_meta_file(path: &Path, id: &str, problems: &mut Problems) -> Meta {
    if !path.exists() {
        return Meta::new();
    }
    match std::fs::read(path) {
        Ok(bytes) => meta_from_bytes(bytes, path, id, problems),
        Err(e) => {
            problems.push(Location::file(path).in_document(id), ProblemKind::Io(e));
            Meta::new()
        }
    }
}

/// The metadata in the bytes of `path`, an `ID.meta.toml` file (string values only).
fn meta_from_bytes(bytes: Vec<u8>, path: &Path, id: &str, problems: &mut Problems) -> Meta {
    let mut meta = Meta::new();
    let location = Location::file(path).in_document(id);
    let Some(text) = decode_text(bytes, &location, problems) else { return meta };
    let table: toml::Table = match toml::from_str(&text) {
        Ok(t) => t,
        Err(e) => {
            let line = e.span().map(|s| line_of_byte(&text, s.start));
            problems.push(Location { line, ..location }, ProblemKind::Syntax { message: e.message().to_owned() });
            return meta;
        }
    };
    for (key, value) in table {
        match value {
            toml::Value::String(s) => {
                meta.insert(key, s);
            }
            other => {
                let line = text.lines().position(|l| l.trim_start().starts_with(&key)).map(|i| i + 1);
                problems.push(
                    Location { line, ..location.clone() },
                    ProblemKind::Syntax {
                        message: format!("metadata {key:?} must be a string, found a {}", other.type_str()),
                    },
                );
            }
        }
    }
    meta
}

/// Renders a manifest as `goldspan.toml` text: one split entry per line, so adding a document
/// is a one-line diff.
pub fn manifest_to_toml(m: &Manifest) -> String {
    let mut out = String::new();
    let list = |items: &[String]| items.iter().map(|s| toml_string(s)).collect::<Vec<_>>().join(", ");
    out.push_str(&format!("format = {FORMAT_VERSION}\nname = {}\n", toml_string(&m.name)));
    for (key, value) in [("description", &m.description), ("licence", &m.licence), ("provenance", &m.provenance)] {
        if !value.is_empty() {
            out.push_str(&format!("{key} = {}\n", toml_string(value)));
        }
    }
    for layer in &m.layers {
        out.push_str(&format!(
            "\n[[layers]]\nname = {}\nlabels = [{}]\n",
            toml_string(&layer.name),
            list(&layer.labels)
        ));
        for r in &layer.relations {
            out.push_str(&format!(
                "\n[[layers.relations]]\nname = {}\nhead = [{}]\ntail = [{}]\nper_head = {}\n",
                toml_string(&r.name),
                list(&r.head),
                list(&r.tail),
                toml_string(r.per_head.as_str())
            ));
        }
    }
    if let Some(a) = &m.attribution {
        out.push_str(&format!(
            "\n[attribution]\nquotation_label = {}\nspeaker_relation = {}\n",
            toml_string(&a.quotation_label),
            toml_string(&a.speaker_relation)
        ));
        for (key, value) in [("cue_relation", &a.cue_relation), ("mention_layer", &a.mention_layer)] {
            if let Some(value) = value {
                out.push_str(&format!("{key} = {}\n", toml_string(value)));
            }
        }
    }
    if !m.splits.is_empty() {
        out.push_str("\n[splits]\n");
        for (split, ids) in &m.splits {
            out.push_str(&format!("{} = [\n", toml_key(split)));
            for id in ids {
                out.push_str(&format!("  {},\n", toml_string(id)));
            }
            out.push_str("]\n");
        }
    }
    out
}

/// Renders document metadata as `ID.meta.toml` text, keys sorted.
pub fn meta_to_toml(meta: &Meta) -> String {
    meta.iter().map(|(k, v)| format!("{} = {}\n", toml_key(k), toml_string(v))).collect()
}

/// A TOML key: bare when it can be, quoted otherwise.
fn toml_key(key: &str) -> String {
    if !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
        key.to_owned()
    } else {
        toml_string(key)
    }
}

/// Writes one document's files into the corpus at `root` (atomically, file by file). An id
/// that is not a portable file name ([`DocumentId`]) is refused before anything is written.
pub fn write_document(root: &Path, doc: &AnnotatedDocument) -> Result<(), Error> {
    write_documents(root, std::slice::from_ref(doc))
}

/// Writes documents into the corpus at `root`, every id checked before anything is written.
fn write_documents(root: &Path, docs: &[AnnotatedDocument]) -> Result<(), Error> {
    let dir = root.join(DOCS);
    let ids = document_ids(&dir, docs, &|_| None)?;
    for (id, doc) in ids.iter().zip(docs) {
        write_checked(&dir, id, doc)?;
    }
    Ok(())
}

fn write_checked(dir: &Path, id: &DocumentId, doc: &AnnotatedDocument) -> Result<(), Error> {
    let ann = standoff::write(doc).map_err(|e| {
        Error::Invalid(vec![Problem::new(
            Location::file(dir.join(id.file_name(".ann"))).in_document(id.as_str()),
            ProblemKind::Syntax { message: e.to_string() },
        )])
    })?;
    write_atomic(&dir.join(id.file_name(".txt")), doc.document.text().as_bytes())?;
    write_atomic(&dir.join(id.file_name(".ann")), ann.as_bytes())?;
    let meta_path = dir.join(id.file_name(".meta.toml"));
    if doc.document.meta().is_empty() {
        match std::fs::remove_file(&meta_path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(Error::write(&meta_path, e)),
            _ => Ok(()),
        }
    } else {
        write_atomic(&meta_path, meta_to_toml(doc.document.meta()).as_bytes())
    }
}

/// Adds documents to the corpus already at `root`, keeping its manifest (name, licence,
/// layers, labels, relation rules, attribution, splits): this is what `convert --to gold
/// --force` does into an existing corpus. The documents must validate against that manifest
/// (a label it does not declare refuses them all, before anything is written); a document with
/// the id of one already there replaces its files. A document listed in `splits` (the input's
/// own splits) moves to that split, created if new; one listed nowhere keeps the split it had,
/// or goes to split `all`. Returns notes on what changed in the manifest.
pub fn add_to_corpus(
    root: &Path,
    docs: &[AnnotatedDocument],
    splits: &BTreeMap<String, Vec<String>>,
) -> Result<Vec<String>, Error> {
    let manifest_path = root.join(MANIFEST);
    let mut manifest = read_manifest(&manifest_path)?;
    let dir = root.join(DOCS);
    let ids = document_ids(&dir, docs, &|_| None)?;
    let mut problems = Problems::default();
    for (id, doc) in ids.iter().zip(docs) {
        let location = Location::file(dir.join(id.file_name(".txt"))).in_document(id.as_str());
        goldspan_model::check_document(doc, &manifest, &location, &|_| None, &mut problems);
    }
    problems.into_result(())?;
    let mut new_splits = BTreeSet::new();
    let mut put_in_all = 0;
    for id in &ids {
        let id = id.as_str();
        let wanted = splits.iter().find(|(_, listed)| listed.iter().any(|d| d == id)).map(|(s, _)| s.clone());
        let split = match wanted {
            Some(split) => split,
            None => match manifest.splits_of(id).first() {
                Some(kept) => kept.to_string(),
                None => {
                    put_in_all += 1;
                    "all".to_owned()
                }
            },
        };
        for (name, listed) in manifest.splits.iter_mut() {
            if *name != split {
                listed.retain(|d| d != id);
            }
        }
        if !manifest.splits.contains_key(&split) {
            new_splits.insert(split.clone());
        }
        let listed = manifest.splits.entry(split).or_default();
        if !listed.iter().any(|d| d == id) {
            listed.push(id.to_owned());
        }
    }
    for listed in manifest.splits.values_mut() {
        listed.sort();
    }
    for (id, doc) in ids.iter().zip(docs) {
        write_checked(&dir, id, doc)?;
    }
    write_atomic(&manifest_path, manifest_to_toml(&manifest).as_bytes())?;
    let mut notes = vec![format!(
        "added {} document(s) to the existing corpus {:?}, keeping its manifest (layers, labels, relation rules, attribution)",
        docs.len(),
        manifest.name
    )];
    if !new_splits.is_empty() {
        notes.push(format!("new split(s) in its manifest: {}", new_splits.into_iter().collect::<Vec<_>>().join(", ")));
    }
    if put_in_all > 0 {
        notes.push(format!("{put_in_all} document(s) without a split were put in split \"all\""));
    }
    Ok(notes)
}

/// Writes a whole corpus: the manifest and every document. Every id is checked first (see
/// [`crate::document_ids`]), so a bad one writes nothing. Whether `root` may already hold
/// something is the caller's decision (`convert` refuses a non-empty directory without
/// `--force`).
pub fn write_corpus(root: &Path, manifest: &Manifest, docs: &[AnnotatedDocument]) -> Result<(), Error> {
    document_ids(&root.join(DOCS), docs, &|_| None)?;
    write_atomic(&root.join(MANIFEST), manifest_to_toml(manifest).as_bytes())?;
    write_documents(root, docs)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Strings TOML escapes differently from JSON: U+007F (JSON leaves it raw, TOML forbids it
    /// raw), other control characters, quotes, backslashes, line breaks, and non-ASCII text.
    const AWKWARD: &[&str] = &["del\u{7f}here", "bell\u{7}", "tab\tand\nnewline\r", "\"quoted\" \\ back", "Zoë 😀", ""];

    #[test]
    fn metadata_with_control_characters_round_trips() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("d.meta.toml");
        let mut meta = Meta::new();
        for (i, value) in AWKWARD.iter().enumerate() {
            meta.insert(format!("key{i}"), (*value).to_owned());
        }
        meta.insert("odd key.with dots".into(), "x".into());
        std::fs::write(&path, meta_to_toml(&meta)).expect("write");
        let mut problems = Problems::default();
        let back = read_meta_file(&path, "d", &mut problems);
        assert!(problems.is_empty(), "{:?}", problems.0);
        assert_eq!(back, meta);
    }

    #[test]
    fn manifest_with_awkward_strings_round_trips() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join(MANIFEST);
        let manifest = Manifest {
            name: AWKWARD[0].into(),
            description: AWKWARD[2].into(),
            licence: AWKWARD[3].into(),
            provenance: AWKWARD[4].into(),
            layers: vec![Layer { name: "entities".into(), labels: vec!["PER\u{7f}".into()], relations: Vec::new() }],
            splits: BTreeMap::from([("odd split".to_owned(), vec!["d1".to_owned()])]),
            attribution: None,
        };
        std::fs::write(&path, manifest_to_toml(&manifest)).expect("write");
        assert_eq!(read_manifest(&path).expect("reads back"), manifest);
    }

    /// A manifest whose quotations are `Zitat` spans with a `sprecher` relation.
    fn attributed(attribution: &str) -> Result<Manifest, Error> {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join(MANIFEST);
        let text = format!(
            "format = 1\nname = \"de\"\n\n[[layers]]\nname = \"zitate\"\nlabels = [\"Zitat\", \"Quelle\"]\n\n\
             [[layers.relations]]\nname = \"sprecher\"\nhead = [\"Zitat\"]\ntail = [\"Quelle\"]\n\n\
             [[layers]]\nname = \"namen\"\nlabels = [\"PER\"]\n\n{attribution}"
        );
        std::fs::write(&path, text).expect("write");
        read_manifest(&path)
    }

    #[test]
    fn attribution_is_read_and_written_back() {
        let manifest = attributed(
            "[attribution]\nquotation_label = \"Zitat\"\nspeaker_relation = \"sprecher\"\nmention_layer = \"namen\"\n",
        )
        .expect("reads");
        let expected = Attribution {
            quotation_label: "Zitat".into(),
            speaker_relation: "sprecher".into(),
            cue_relation: None,
            mention_layer: Some("namen".into()),
        };
        assert_eq!(manifest.attribution.as_ref(), Some(&expected));
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join(MANIFEST);
        std::fs::write(&path, manifest_to_toml(&manifest)).expect("write");
        assert_eq!(read_manifest(&path).expect("reads back"), manifest);
        assert_eq!(attributed("").expect("reads").attribution, None, "the section is optional");
    }

    #[test]
    fn attribution_naming_what_the_manifest_lacks_is_an_error() {
        let message = |attribution: &str| match attributed(attribution) {
            Err(Error::Invalid(problems)) => problems.iter().map(|p| p.to_string()).collect::<Vec<_>>().join("\n"),
            other => panic!("expected an invalid manifest, got {other:?}"),
        };
        let m = message("[attribution]\nquotation_label = \"Quote\"\nspeaker_relation = \"sprecher\"\n");
        assert!(m.contains("quotation_label \"Quote\" is not a label"), "{m}");
        let m = message("[attribution]\nquotation_label = \"Zitat\"\nspeaker_relation = \"speaker\"\n");
        assert!(m.contains("speaker_relation \"speaker\" is not a declared relation type"), "{m}");
        let m = message("[attribution]\nquotation_label = \"Quelle\"\nspeaker_relation = \"sprecher\"\n");
        assert!(m.contains("does not start at \"Quelle\""), "{m}");
        let m = message("[attribution]\nquotation_label = \"Zitat\"\nspeaker_relation = \"sprecher\"\nmention_layer = \"entities\"\n");
        assert!(m.contains("mention_layer \"entities\" is not a declared layer"), "{m}");
        let m = message("[attribution]\nquotation = \"Zitat\"\n");
        assert!(m.contains("unknown field `quotation`"), "{m}");
    }
}
