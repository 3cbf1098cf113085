//! The registry of formats: every format goldspan reads or writes, by name, with one entry point
//! to read and one to write.
//!
//! The CLI (`convert --from/--to`, `score --pred-format`), the runner (`file:FMT:PATH`) and the
//! Python API choose a format by its name here and hand over [`ReadOptions`] or
//! [`WriteOptions`]; nothing outside this crate knows which module reads which tool's files.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};

use goldspan_model::text::OffsetUnit;
use goldspan_model::{check_document, AnnotatedDocument, Error, Location, Manifest, ProblemKind, Problems};

use crate::{brat, conll, docbin, doccano, gold, jsonl, label_studio, llm_json, prodigy, spacy};

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
    /// Prodigy's JSONL (`prodigy db-out`): text, tokens, spans, relations and answers.
    Prodigy,
    /// A language model's JSON answers, one record per document, mapped by a schema file:
    /// predictions given as text, without offsets (read only).
    LlmJson,
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
        Format::Prodigy,
        Format::LlmJson,
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
            Format::Prodigy => "prodigy",
            Format::LlmJson => "llm-json",
        }
    }

    /// Parses [`Format::name`], ignoring case, dashes and underscores (`label-studio`,
    /// `label_studio`, `llm_json`).
    pub fn parse(name: &str) -> Option<Format> {
        let fold = |s: &str| -> String {
            s.chars().filter(|c| !matches!(c, '-' | '_')).flat_map(char::to_lowercase).collect()
        };
        let folded = fold(name);
        Format::ALL.iter().copied().find(|f| fold(f.name()) == folded)
    }

    /// One line on what the format is, for help texts.
    pub fn description(self) -> &'static str {
        match self {
            Format::Gold => "a goldspan corpus directory (goldspan.toml + docs/)",
            Format::Brat => "a brat directory (ID.txt + ID.ann, annotation.conf)",
            Format::Jsonl => "goldspan interchange JSON Lines, one document per line",
            Format::Conll => "CoNLL token file: plain, CoNLL-U or OntoNotes CoNLL-2012 (see --scheme, --conll-dialect)",
            Format::Doccano => "doccano JSONL export",
            Format::LabelStudio => "Label Studio JSON or JSON-MIN export; written as tasks with predictions to import",
            Format::Spacy => "spaCy JSONL (Doc.to_json): {\"text\", \"ents\", \"spans\", \"tokens\"}",
            Format::DocBin => "spaCy DocBin (.spacy), spaCy v3's corpus format",
            Format::Prodigy => "Prodigy JSONL (db-out): text, tokens, spans, relations, answer",
            Format::LlmJson => "a language model's JSON answers, one line per document, mapped by --schema (read only)",
        }
    }

    /// The unit the tool counts offsets in, `None` when the format has no character offsets
    /// (tokens in CoNLL). goldspan's own formats count code points. doccano 1.5 and later
    /// count UTF-16 code units (records of 1.0–1.2, with `"annotations"`, are read in code
    /// points: see [`crate::doccano`]).
    pub fn offset_unit(self) -> Option<OffsetUnit> {
        match self {
            Format::Conll | Format::LlmJson => None,
            Format::Doccano => Some(OffsetUnit::Utf16),
            Format::Gold
            | Format::Brat
            | Format::Jsonl
            | Format::LabelStudio
            | Format::Spacy
            | Format::DocBin
            | Format::Prodigy => Some(OffsetUnit::CodePoint),
        }
    }

    /// Whether the reader takes another offset unit than the tool's own
    /// ([`ReadOptions::offset_unit`]): the JSON formats of annotation tools, whose exports
    /// differ by version, setting or writer. goldspan's formats count code points by
    /// definition, CoNLL has no character offsets and a DocBin counts spaCy's tokens.
    pub fn reads_offset_unit(self) -> bool {
        matches!(self, Format::Doccano | Format::Prodigy | Format::LabelStudio | Format::Spacy)
    }

    /// Whether the format is a directory rather than one file.
    pub fn is_directory(self) -> bool {
        matches!(self, Format::Gold | Format::Brat)
    }

    /// Reads `path` as this format. With [`ReadOptions::manifest`], every reader takes its
    /// layers (labels and relation types) from it; the documents read are not the manifest's
    /// corpus, so the collection keeps neither its name, description, licence and provenance
    /// nor split entries for documents that were not read (a note counts them). A gold corpus
    /// keeps its own name and splits and takes only the layers.
    pub fn read(self, path: &Path, options: &ReadOptions) -> Result<Collection, Error> {
        let manifest = options.manifest.as_ref();
        let mut collection = match self {
            Format::Gold => {
                let mut corpus = gold::Corpus::open_with(path, options.follow_symlinks)?;
                if let Some(m) = manifest {
                    corpus = corpus.with_layers(m.layers.clone());
                }
                let documents = corpus.ids().iter().map(|id| corpus.read(id)).collect::<Result<Vec<_>, _>>()?;
                let manifest = Some(corpus.manifest().clone());
                return Ok(Collection { manifest, documents, ..Collection::default() });
            }
            Format::Brat => brat::read_dir(path, options)?,
            Format::Jsonl => jsonl::read_collection(path, manifest)?,
            Format::Conll => {
                // The reader already puts each label in its manifest layer (naming the line of
                // an undeclared one); the documents are then checked like every reader's.
                let mut collection = conll::read(path, options)?;
                if let Some(m) = manifest {
                    take_layers(&mut collection.documents, m, path)?;
                }
                collection
            }
            Format::Doccano => doccano::read(path, options)?,
            Format::Prodigy => prodigy::read(path, options)?,
            Format::LabelStudio => label_studio::read(path, options)?,
            Format::Spacy => spacy::read(path, options)?,
            Format::DocBin => {
                let (documents, notes) = docbin::read(path, options)?;
                Collection { documents, notes, ..Collection::default() }
            }
            Format::LlmJson => llm_json::read(path, options)?,
        };
        if let Some(m) = manifest {
            let (mut manifest, note) = for_documents(m, &collection.documents);
            if self == Format::LlmJson {
                // A model's answers take only labels from the manifest: they are in no split.
                manifest.splits.clear();
            } else {
                collection.notes.extend(note);
            }
            collection.manifest = Some(manifest);
        }
        Ok(collection)
    }

    /// Writes `collection` to `path` as this format. Returns, one line each, what the format
    /// could not hold. For the directory formats every document id is checked before anything
    /// is written ([`crate::document_ids`]: a portable file name, no two alike), naming where a
    /// refused id was read from. A gold corpus already at `path` is refused unless
    /// [`WriteOptions::into_existing_corpus`], which adds the documents to it (see
    /// [`gold::add_to_corpus`]). Whether a non-empty directory or an existing file may be
    /// written over is the caller's decision.
    pub fn write(self, path: &Path, collection: &Collection, options: &WriteOptions) -> Result<Vec<String>, Error> {
        let docs = collection.documents.as_slice();
        let origin = |id: &str| collection.origin(id);
        // Predictions given as text (llm-json) have no document text and no offsets: only the
        // interchange format holds them.
        if self != Format::Jsonl {
            let unusable = |message: String| {
                Error::Invalid(vec![goldspan_model::Problem::new(
                    Location::file(path),
                    ProblemKind::Syntax { message },
                )])
            };
            if self == Format::LlmJson {
                return Err(unusable("goldspan reads llm-json but does not write it: write jsonl".into()));
            }
            if let Some(doc) = docs.iter().find(|d| d.document.text().is_empty()) {
                return Err(unusable(format!(
                    "document {} has no text (llm-json answers carry none): write it as jsonl, and score that against the gold",
                    doc.document.id()
                )));
            }
        }
        let strings: usize = docs.iter().map(|d| d.annotations.text_spans.len()).sum();
        let mut notes = match self {
            Format::Gold => {
                crate::document_ids(&path.join(gold::DOCS), docs, &origin)?;
                if path.join(gold::MANIFEST).exists() {
                    if !options.into_existing_corpus {
                        let message = "a corpus is already there; adding documents to it keeps its manifest";
                        let e = std::io::Error::new(std::io::ErrorKind::AlreadyExists, message);
                        return Err(Error::write(&path.join(gold::MANIFEST), e));
                    }
                    let (incoming, _) = collection.manifest_for(path, false);
                    return gold::add_to_corpus(path, docs, &incoming.splits);
                }
                let (manifest, mut notes) = collection.manifest_for(path, true);
                gold::write_corpus(path, &manifest, docs)?;
                notes.sort();
                Ok(notes)
            }
            Format::Brat => {
                crate::document_ids(path, docs, &origin)?;
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
            Format::Prodigy => prodigy::write(path, docs),
            Format::LlmJson => Ok(Vec::new()),
        }?;
        if strings > 0 && self != Format::Jsonl {
            notes.push(format!(
                "{strings} prediction(s) given as text without offsets: {self} needs offsets (write jsonl, or score them: grounding places them)"
            ));
        }
        Ok(notes)
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The manifest documents read with `options` follow: the given one's layers, with split
/// entries only for the documents read (see [`for_documents`]).
pub(crate) fn read_against(options: &ReadOptions, documents: &[AnnotatedDocument]) -> Option<Manifest> {
    options.manifest.as_ref().map(|m| for_documents(m, documents).0)
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
    /// How CoNLL tags decode into chunks: leniently (conlleval, seqeval's default) or by
    /// seqeval's strict mode.
    pub decode: conll::Decode,
    /// CoNLL tags written suffix style, `PER-B` (seqeval's `suffix=True`).
    pub suffix_tags: bool,
    /// Which of a document's annotations to read where a tool keeps several (Label Studio: one
    /// per annotator).
    pub annotation: AnnotationChoice,
    /// Read only this annotator's annotations (Label Studio: the email or user id of
    /// `completed_by`, or a prediction's `model_version`). `None` reads everyone's.
    pub annotator: Option<String>,
    /// The relation type of relations drawn without a label (Label Studio's default). `None`
    /// takes the manifest's type when exactly one fits the labels the relation links.
    pub relation_label: Option<String>,
    /// Read brat collections in sub-folders too (document ids then carry their sub-folders).
    pub recursive: bool,
    /// The CoNLL column holding tokens; `None` for the dialect's own (plain: the first, and
    /// a column of token numbers there is refused).
    pub token_column: Option<conll::Column>,
    /// The CoNLL column holding tags; `None` for the dialect's own (plain: the last, and
    /// another column with tags of the same labels makes reading fail; CoNLL-U: MISC).
    pub tag_column: Option<conll::Column>,
    /// The CoNLL dialect; `None` detects it from the file.
    pub conll_dialect: Option<conll::Dialect>,
    /// The CoNLL-U MISC key holding tags; `None` tries `NE`, then `NER`.
    pub misc_key: Option<String>,
    /// doccano's label export (`project_N_labels.json`, a list of `{"id", "text", ...}`), which
    /// names the numeric label ids of doccano 1.0–1.2 exports.
    pub labels: Option<PathBuf>,
    /// Which Prodigy answers are read: only `accept` (the default), or every record.
    pub answers: prodigy::Answers,
    /// Follow symbolic links found inside a corpus or brat directory. Off by default: a
    /// collection whose `x.txt` links to a file elsewhere would copy that file into whatever
    /// is written from it, so such links are refused, each named.
    pub follow_symlinks: bool,
    /// The mapping file of llm-json: where the id, the answer, and the entities and
    /// quotations in it are.
    pub schema: Option<PathBuf>,
}

impl Default for ReadOptions {
    fn default() -> ReadOptions {
        ReadOptions {
            manifest: None,
            layer: "entities".into(),
            offset_unit: None,
            scheme: conll::Scheme::Iob2,
            decode: conll::Decode::Lenient,
            suffix_tags: false,
            annotation: AnnotationChoice::All,
            annotator: None,
            relation_label: None,
            recursive: false,
            token_column: None,
            tag_column: None,
            conll_dialect: None,
            misc_key: None,
            labels: None,
            answers: prodigy::Answers::Accepted,
            follow_symlinks: false,
            schema: None,
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
    /// Writing a gold corpus where one already is adds the documents to it, keeping its
    /// manifest ([`gold::add_to_corpus`]); without this it is refused.
    pub into_existing_corpus: bool,
}

impl Default for WriteOptions {
    fn default() -> WriteOptions {
        WriteOptions { layer: "entities".into(), scheme: conll::Scheme::Iob2, into_existing_corpus: false }
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
    /// Where each document was read from (file and line), for readers of formats with lines;
    /// writers name it when they refuse a document's id.
    pub origins: BTreeMap<String, Location>,
}

impl Collection {
    /// Documents with no manifest and nothing to note.
    pub fn of(documents: Vec<AnnotatedDocument>) -> Collection {
        Collection { manifest: None, documents, notes: Vec::new(), origins: BTreeMap::new() }
    }

    /// Where document `id` was read from, when the reader knew.
    pub fn origin(&self, id: &str) -> Option<Location> {
        self.origins.get(id).cloned()
    }

    /// The manifest to write a corpus with: the collection's own, else one derived from the
    /// documents; named after `path` when it has no name (a note says so). With `with_splits`,
    /// split entries of documents not in the collection are dropped and documents no split
    /// lists are put in a split `all` (a corpus needs every document in exactly one split), and
    /// notes say so.
    fn manifest_for(&self, path: &Path, with_splits: bool) -> (Manifest, Vec<String>) {
        let name = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "corpus".into());
        let mut manifest = self.manifest.clone().unwrap_or_else(|| Manifest::from_documents("", &self.documents));
        let mut notes = Vec::new();
        if manifest.name.is_empty() {
            notes.push(format!(
                "the corpus is named {name:?} after the output directory; give it a description, licence and provenance in goldspan.toml"
            ));
            manifest.name = name;
        }
        if with_splits {
            let (kept, note) = for_documents(&manifest, &self.documents);
            manifest.splits = kept.splits;
            notes.extend(note);
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

/// `manifest` as the manifest of `documents`, which are not its corpus: its layers, without
/// its name, description, licence and provenance, and with split entries only for documents
/// among `documents` (splits left empty are dropped). The note counts the entries left out.
fn for_documents(manifest: &Manifest, documents: &[AnnotatedDocument]) -> (Manifest, Option<String>) {
    let ids: BTreeSet<&str> = documents.iter().map(|d| d.document.id()).collect();
    let mut left_out = 0;
    let mut splits = BTreeMap::new();
    for (split, listed) in &manifest.splits {
        let kept: Vec<String> = listed.iter().filter(|id| ids.contains(id.as_str())).cloned().collect();
        left_out += listed.len() - kept.len();
        if !kept.is_empty() {
            splits.insert(split.clone(), kept);
        }
    }
    let note = (left_out > 0).then(|| {
        format!("the manifest's splits list {left_out} document(s) that were not read; they are left out of the splits")
    });
    (Manifest { layers: manifest.layers.clone(), splits, ..Manifest::default() }, note)
}

/// Puts every span of `documents` (read with one default layer) in the layer `manifest` gives
/// its label, and checks each document against it.
fn take_layers(documents: &mut [AnnotatedDocument], manifest: &Manifest, path: &Path) -> Result<(), Error> {
    let mut problems = Problems::default();
    let location = Location::file(path);
    for doc in documents.iter_mut() {
        let id = doc.document.id().to_owned();
        let spans = std::mem::take(&mut doc.annotations.spans);
        for span in spans {
            match manifest.layer_of(span.label()) {
                Some(layer) => doc.annotations.spans.push(span.with_layer(layer.name.as_str())),
                None => problems.push(
                    location.in_document(&id),
                    ProblemKind::UnknownLabel {
                        span: span.id().to_owned(),
                        label: span.label().to_owned(),
                        layer: None,
                    },
                ),
            }
        }
        check_document(doc, manifest, &location, &|_| None, &mut problems);
    }
    problems.into_result(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layer(name: &str, labels: &[&str]) -> goldspan_model::Layer {
        goldspan_model::Layer {
            name: name.into(),
            labels: labels.iter().map(|l| l.to_string()).collect(),
            relations: Vec::new(),
        }
    }

    #[test]
    fn another_corpus_manifest_keeps_its_layers_and_only_the_split_entries_of_documents_read() {
        let m = Manifest {
            name: "news".into(),
            licence: "CC BY 4.0".into(),
            layers: vec![layer("entities", &["PERSON"])],
            splits: BTreeMap::from([
                ("dev".to_owned(), vec!["a".to_owned(), "x".to_owned()]),
                ("test".to_owned(), vec!["y".to_owned()]),
            ]),
            ..Manifest::default()
        };
        let docs = ["a", "b"].map(|id| AnnotatedDocument {
            document: goldspan_model::Document::new(id, "text", Default::default()),
            annotations: Default::default(),
        });
        let (kept, note) = for_documents(&m, &docs);
        assert_eq!(kept.layers, m.layers);
        assert_eq!((kept.name.as_str(), kept.licence.as_str()), ("", ""));
        assert_eq!(kept.splits, BTreeMap::from([("dev".to_owned(), vec!["a".to_owned()])]));
        assert_eq!(
            note.as_deref(),
            Some("the manifest's splits list 2 document(s) that were not read; they are left out of the splits")
        );
        let collection = Collection { manifest: Some(kept), documents: docs.to_vec(), ..Collection::default() };
        let (written, notes) = collection.manifest_for(Path::new("/tmp/mine"), true);
        assert_eq!(written.name, "mine");
        assert_eq!(written.splits.get("all"), Some(&vec!["b".to_owned()]));
        assert_eq!(notes.len(), 2, "{notes:?}");
    }

    #[test]
    fn conll_and_gold_readers_take_their_layers_from_a_manifest() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("t.conll");
        std::fs::write(&path, "Zoë B-PER\nBrandt I-PER\nin O\nKyoto B-GPE\n").expect("write");
        let manifest =
            Manifest { layers: vec![layer("people", &["PER"]), layer("places", &["GPE"])], ..Manifest::default() };
        let options = ReadOptions { manifest: Some(manifest.clone()), ..ReadOptions::default() };
        let c = Format::Conll.read(&path, &options).expect("reads");
        let layers: Vec<&str> = c.documents[0].annotations.spans.iter().map(|s| s.layer()).collect();
        assert_eq!(layers, ["people", "places"]);
        let only_people = Manifest { layers: vec![layer("people", &["PER"])], ..Manifest::default() };
        let err = Format::Conll.read(&path, &ReadOptions { manifest: Some(only_people), ..ReadOptions::default() });
        let problems = err.expect_err("GPE is not declared").problems().len();
        assert_eq!(problems, 1);

        let tiny = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/tiny");
        let own = Format::Gold.read(&tiny, &ReadOptions::default()).expect("tiny");
        let mut regrouped = own.manifest.clone().expect("manifest");
        let entities = regrouped.layers.remove(0);
        regrouped.layers[0].labels.extend(entities.labels);
        regrouped.layers[0].name = "all_but_structure".into();
        let c = Format::Gold
            .read(&tiny, &ReadOptions { manifest: Some(regrouped), ..ReadOptions::default() })
            .expect("tiny with its labels regrouped");
        let m = c.manifest.expect("manifest");
        assert_eq!((m.name.as_str(), m.splits.len()), ("tiny", 2), "a gold corpus keeps its name and splits");
        let span = &c.documents[1].annotations.spans[1];
        assert_eq!((span.label(), span.layer()), ("PERSON", "all_but_structure"));
    }

    #[test]
    fn names_parse_back() {
        for &format in Format::ALL {
            assert_eq!(Format::parse(format.name()), Some(format));
        }
        assert_eq!(Format::parse("label-studio"), Some(Format::LabelStudio));
        assert_eq!(Format::parse("Label_Studio"), Some(Format::LabelStudio));
        assert_eq!(Format::parse("llm_json"), Some(Format::LlmJson));
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
