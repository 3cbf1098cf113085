//! The registry of formats: every format goldspan reads or writes, by name, with one entry point
//! to read and one to write.
//!
//! The CLI (`convert --from/--to`, `score --pred-format`), the runner (`file:FMT:PATH`) and the
//! Python API choose a format by its name here and hand over [`ReadOptions`] or
//! [`WriteOptions`]; nothing outside this crate knows which module reads which tool's files.

use std::collections::BTreeSet;
use std::fmt;
use std::path::Path;

use goldspan_model::text::OffsetUnit;
use goldspan_model::{AnnotatedDocument, Error, Manifest};

use crate::{brat, conll, docbin, doccano, gold, jsonl, label_studio, spacy};

/// A file format goldspan reads and writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Format {
    /// A goldspan corpus directory: `goldspan.toml` and `docs/ID.txt|.ann|.meta.toml`.
    Gold,
    /// A brat directory: `ID.txt` and `ID.ann` pairs with an `annotation.conf`.
    Brat,
    /// goldspan's interchange JSON Lines, one document per line (gold as one file, predictions).
    Jsonl,
    /// CoNLL token files: one token per line with its tag.
    Conll,
    /// doccano's JSONL export.
    Doccano,
    /// Label Studio's JSON export.
    LabelStudio,
    /// spaCy JSONL, records shaped like `Doc.to_json`: `{"text", "ents", "spans", "tokens"}`.
    Spacy,
    /// spaCy's DocBin (`.spacy`), the corpus format of spaCy v3.
    DocBin,
}

impl Format {
    /// Every format, in the order help texts list them.
    pub const ALL: &'static [Format] = &[
        Format::Gold,
        Format::Brat,
        Format::Jsonl,
        Format::Conll,
        Format::Doccano,
        Format::LabelStudio,
        Format::Spacy,
        Format::DocBin,
    ];

    /// The name users type (`--from labelstudio`).
    pub fn name(self) -> &'static str {
        match self {
            Format::Gold => "gold",
            Format::Brat => "brat",
            Format::Jsonl => "jsonl",
            Format::Conll => "conll",
            Format::Doccano => "doccano",
            Format::LabelStudio => "labelstudio",
            Format::Spacy => "spacy",
            Format::DocBin => "docbin",
        }
    }

    /// Parses [`Format::name`]; `label-studio` and `label_studio` are accepted too.
    pub fn parse(name: &str) -> Option<Format> {
        let folded: String = name.chars().filter(|c| !matches!(c, '-' | '_')).flat_map(char::to_lowercase).collect();
        Format::ALL.iter().copied().find(|f| f.name() == folded)
    }

    /// One line on what the format is, for help texts.
    pub fn description(self) -> &'static str {
        match self {
            Format::Gold => "a goldspan corpus directory (goldspan.toml + docs/)",
            Format::Brat => "a brat directory (ID.txt + ID.ann, annotation.conf)",
            Format::Jsonl => "goldspan interchange JSON Lines, one document per line",
            Format::Conll => "CoNLL token file (see --scheme)",
            Format::Doccano => "doccano JSONL export",
            Format::LabelStudio => "Label Studio JSON or JSON-MIN export; written as tasks with predictions to import",
            Format::Spacy => "spaCy JSONL (Doc.to_json): {\"text\", \"ents\", \"spans\", \"tokens\"}",
            Format::DocBin => "spaCy DocBin (.spacy), spaCy v3's corpus format",
        }
    }

    /// The unit the tool counts offsets in, `None` when the format has no character offsets
    /// (tokens in CoNLL). goldspan's own formats count code points.
    pub fn offset_unit(self) -> Option<OffsetUnit> {
        match self {
            Format::Conll => None,
            Format::Doccano => Some(OffsetUnit::Utf16),
            Format::Gold | Format::Brat | Format::Jsonl | Format::LabelStudio | Format::Spacy | Format::DocBin => {
                Some(OffsetUnit::CodePoint)
            }
        }
    }

    /// Whether the format is a directory rather than one file.
    pub fn is_directory(self) -> bool {
        matches!(self, Format::Gold | Format::Brat)
    }

    /// Reads `path` as this format.
    pub fn read(self, path: &Path, options: &ReadOptions) -> Result<Collection, Error> {
        let manifest = options.manifest.as_ref();
        let layer = options.layer.as_str();
        let documents = match self {
            Format::Gold => {
                let corpus = gold::Corpus::open(path)?;
                let documents = corpus.ids().iter().map(|id| corpus.read(id)).collect::<Result<Vec<_>, _>>()?;
                return Ok(Collection { manifest: Some(corpus.manifest().clone()), documents, notes: Vec::new() });
            }
            Format::Brat => {
                let (manifest, documents) = brat::read_dir(path, layer)?;
                return Ok(Collection { manifest: Some(manifest), documents, notes: Vec::new() });
            }
            Format::Jsonl => jsonl::read_documents(path, manifest)?,
            Format::Conll => conll::read(path, options.scheme, layer)?,
            Format::Doccano => doccano::read(path, options)?,
            Format::LabelStudio => return label_studio::read(path, options),
            Format::Spacy => spacy::read(path, options)?,
            Format::DocBin => {
                let (documents, notes) = docbin::read(path, options)?;
                return Ok(Collection { manifest: read_against(options, &documents), documents, notes });
            }
        };
        Ok(Collection { manifest: read_against(options, &documents), documents, notes: Vec::new() })
    }

    /// Writes `collection` to `path` as this format. Returns, one line each, what the format
    /// could not hold.
    pub fn write(self, path: &Path, collection: &Collection, options: &WriteOptions) -> Result<Vec<String>, Error> {
        let docs = collection.documents.as_slice();
        match self {
            Format::Gold => {
                let (manifest, mut notes) = collection.manifest_for(path, true);
                gold::write_corpus(path, &manifest, docs)?;
                notes.sort();
                Ok(notes)
            }
            Format::Brat => {
                let (manifest, _) = collection.manifest_for(path, false);
                brat::write_dir(path, &manifest, docs)
            }
            Format::Jsonl => {
                jsonl::write_documents(path, docs, true)?;
                let splits = collection.manifest.as_ref().is_some_and(|m| !m.splits.is_empty());
                Ok(if splits { vec!["splits: JSON Lines records carry no split".into()] } else { Vec::new() })
            }
            Format::Conll => conll::write(path, docs, options.scheme, &options.layer),
            Format::Doccano => doccano::write(path, docs),
            Format::LabelStudio => label_studio::write(path, docs),
            Format::Spacy => spacy::write(path, docs, &options.layer),
            Format::DocBin => docbin::write(path, docs, &options.layer),
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The manifest documents read with `options` follow: the given one, its splits narrowed to the
/// documents read (a corpus written from them must not list documents it lacks).
pub(crate) fn read_against(options: &ReadOptions, documents: &[AnnotatedDocument]) -> Option<Manifest> {
    let mut manifest = options.manifest.clone()?;
    let read: BTreeSet<&str> = documents.iter().map(|d| d.document.id()).collect();
    for ids in manifest.splits.values_mut() {
        ids.retain(|id| read.contains(id.as_str()));
    }
    manifest.splits.retain(|_, ids| !ids.is_empty());
    Some(manifest)
}

/// How to read a file. The defaults read what the tool itself writes.
#[derive(Debug, Clone)]
pub struct ReadOptions {
    /// The corpus manifest: puts labels into layers (and relation types) for formats that
    /// carry only labels, and is checked against. `None` puts every label in [`Self::layer`].
    pub manifest: Option<Manifest>,
    /// The layer of every label when there is no manifest.
    pub layer: String,
    /// The unit offsets are counted in, overriding the tool's own ([`Format::offset_unit`]).
    pub offset_unit: Option<OffsetUnit>,
    /// The tagging scheme of CoNLL input.
    pub scheme: conll::Scheme,
    /// Which of a document's annotations to read where a tool keeps several (Label Studio: one
    /// per annotator).
    pub annotation: AnnotationChoice,
    /// Read only this annotator's annotations (Label Studio: the email or user id of
    /// `completed_by`, or a prediction's `model_version`). `None` reads everyone's.
    pub annotator: Option<String>,
    /// The relation type of relations drawn without a label (Label Studio's default). `None`
    /// takes the manifest's type when exactly one fits the labels the relation links.
    pub relation_label: Option<String>,
}

impl Default for ReadOptions {
    fn default() -> ReadOptions {
        ReadOptions {
            manifest: None,
            layer: "entities".into(),
            offset_unit: None,
            scheme: conll::Scheme::Iob2,
            annotation: AnnotationChoice::All,
            annotator: None,
            relation_label: None,
        }
    }
}

/// Which annotations of a document to read when a tool keeps several, counted in the order
/// they were made (creation time where the file gives it, else file order).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AnnotationChoice {
    /// Every annotation, each its own document: the document keeps its id when it has one
    /// annotation and gets `ID.1`, `ID.2`, ... when it has several.
    #[default]
    All,
    /// The first annotation made.
    First,
    /// The last annotation made.
    Latest,
    /// The n-th annotation made (1-based); documents with fewer are skipped.
    Nth(usize),
}

impl AnnotationChoice {
    /// Parses `all`, `first`, `latest` or a positive number.
    pub fn parse(s: &str) -> Option<AnnotationChoice> {
        match s {
            "all" => Some(AnnotationChoice::All),
            "first" => Some(AnnotationChoice::First),
            "latest" => Some(AnnotationChoice::Latest),
            n => n.parse().ok().filter(|&n| n > 0).map(AnnotationChoice::Nth),
        }
    }
}

/// How to write a file.
#[derive(Debug, Clone)]
pub struct WriteOptions {
    /// The layer written to formats that hold one (CoNLL), and as `Doc.ents` to spaCy's (the
    /// other layers go to span groups).
    pub layer: String,
    /// The tagging scheme of CoNLL output.
    pub scheme: conll::Scheme,
}

impl Default for WriteOptions {
    fn default() -> WriteOptions {
        WriteOptions { layer: "entities".into(), scheme: conll::Scheme::Iob2 }
    }
}

/// Documents read from a file, with the manifest the file declared or was read against, and
/// what reading left out (one line each, like a writer's losses).
#[derive(Debug, Clone, Default)]
pub struct Collection {
    /// The manifest the documents follow, when known.
    pub manifest: Option<Manifest>,
    /// The documents, in file order.
    pub documents: Vec<AnnotatedDocument>,
    /// What the reader dropped or assumed.
    pub notes: Vec<String>,
}

impl Collection {
    /// The manifest to write a corpus with: the collection's own, else one derived from the
    /// documents and named after `path`. With `with_splits`, documents no split lists are put in
    /// a split `all` (a corpus needs every document in a split), and a note says so.
    fn manifest_for(&self, path: &Path, with_splits: bool) -> (Manifest, Vec<String>) {
        let name = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "corpus".into());
        let mut manifest = self.manifest.clone().unwrap_or_else(|| Manifest::from_documents(&name, &self.documents));
        let mut notes = Vec::new();
        if with_splits {
            let listed: BTreeSet<&String> = manifest.splits.values().flatten().collect();
            let unlisted: Vec<String> =
                self.documents.iter().map(|d| d.document.id().to_owned()).filter(|id| !listed.contains(id)).collect();
            if !unlisted.is_empty() {
                notes.push(format!("{} document(s) without a split were put in split \"all\"", unlisted.len()));
                manifest.splits.entry("all".into()).or_default().extend(unlisted);
            }
        }
        (manifest, notes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_back() {
        for &format in Format::ALL {
            assert_eq!(Format::parse(format.name()), Some(format));
        }
        assert_eq!(Format::parse("label-studio"), Some(Format::LabelStudio));
        assert_eq!(Format::parse("Label_Studio"), Some(Format::LabelStudio));
        assert_eq!(Format::parse("csv"), None);
    }

    #[test]
    fn annotation_choices_parse() {
        assert_eq!(AnnotationChoice::parse("all"), Some(AnnotationChoice::All));
        assert_eq!(AnnotationChoice::parse("latest"), Some(AnnotationChoice::Latest));
        assert_eq!(AnnotationChoice::parse("2"), Some(AnnotationChoice::Nth(2)));
        assert_eq!(AnnotationChoice::parse("0"), None);
        assert_eq!(AnnotationChoice::parse("last"), None);
    }
}
