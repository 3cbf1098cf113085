//! `file:<predictions.jsonl>` and `file:FORMAT:<path>`: saved predictions replayed as an
//! extractor, so a file of outputs runs through the same runner, cache and gate as a live
//! system. Interchange lines are kept raw and parsed when their document is asked for; other
//! tools' files are read whole through the format registry, and their documents are found by id
//! or, for tools whose files carry no ids, by identical text.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use goldspan_formats::{jsonl, Format, ReadOptions};
use goldspan_model::{AnnotatedDocument, Annotations, Document, Location, Manifest, Problem, ProblemKind};

use crate::{stable_hash, ExtractError, Extractor, ExtractorInfo};

/// Predictions read from a file, one record per document.
#[derive(Debug)]
pub struct FileExtractor {
    path: PathBuf,
    records: Records,
    manifest: Option<Manifest>,
    content_hash: String,
}

/// The predictions of a file, by document.
#[derive(Debug)]
enum Records {
    /// Interchange lines by id: (line number, raw line).
    Lines(HashMap<String, (usize, Vec<u8>)>),
    /// Another tool's documents, by id and by text.
    Documents { format: Format, by_id: HashMap<String, AnnotatedDocument>, by_text: HashMap<String, Vec<String>> },
}

impl FileExtractor {
    /// Reads and indexes `path`; duplicate ids and unparsable lines are errors.
    pub fn open(path: &Path, manifest: Option<Manifest>) -> Result<FileExtractor, goldspan_model::Error> {
        let location = Location::file(path);
        let bytes = std::fs::read(path)
            .map_err(|e| goldspan_model::Error::Invalid(vec![Problem::new(location.clone(), ProblemKind::Io(e))]))?;
        let mut records = HashMap::new();
        let mut problems = Vec::new();
        let mut reader = jsonl::Reader::new(&bytes[..], location.clone());
        while let Some(next) = reader.next_line() {
            match next.and_then(|(line, raw)| jsonl::parse_line(&raw, line, &location).map(|r| (line, raw, r))) {
                Err(p) => problems.push(p),
                Ok((line, raw, record)) => {
                    let id = record.id().to_owned();
                    if let Some((first, _)) = records.insert(id.clone(), (line, raw)) {
                        problems.push(Problem::new(
                            location.at_line(line).in_document(&id),
                            ProblemKind::DuplicateId { id, first_line: Some(first) },
                        ));
                    }
                }
            }
        }
        if !problems.is_empty() {
            return Err(goldspan_model::Error::Invalid(problems));
        }
        let content_hash = stable_hash(&[&String::from_utf8_lossy(&bytes)]);
        Ok(FileExtractor { path: path.to_owned(), records: Records::Lines(records), manifest, content_hash })
    }

    /// Reads `path` as `format` (another tool's file: spaCy, Prodigy, Label Studio, ...).
    /// Labels are given their layer from `manifest` when the document is asked for.
    pub fn open_format(
        path: &Path,
        format: Format,
        options: &ReadOptions,
        manifest: Option<Manifest>,
    ) -> Result<FileExtractor, goldspan_model::Error> {
        if format == Format::Jsonl {
            return FileExtractor::open(path, manifest);
        }
        let collection = format.read(path, options)?;
        let mut by_id = HashMap::new();
        let mut by_text: HashMap<String, Vec<String>> = HashMap::new();
        let mut hashed = vec![format.name().to_owned()];
        for doc in collection.documents {
            let id = doc.document.id().to_owned();
            hashed.push(jsonl::to_line(&doc, true));
            by_text.entry(doc.document.text().to_owned()).or_default().push(id.clone());
            by_id.insert(id, doc);
        }
        let content_hash = stable_hash(&hashed.iter().map(String::as_str).collect::<Vec<_>>());
        let records = Records::Documents { format, by_id, by_text };
        Ok(FileExtractor { path: path.to_owned(), records, manifest, content_hash })
    }
}

impl Extractor for FileExtractor {
    fn info(&self) -> ExtractorInfo {
        let format = match &self.records {
            Records::Lines(_) => String::new(),
            Records::Documents { format, .. } => format!("{format}:"),
        };
        ExtractorInfo {
            name: format!("file:{format}{}", self.path.display()),
            version: self.content_hash.clone(),
            config_hash: String::new(),
        }
    }

    fn extract(&self, doc: &Document) -> Result<Annotations, ExtractError> {
        let location = Location::file(&self.path);
        let missing = || ExtractError::Failed(format!("{} has no record for this document", self.path.display()));
        let (by_id, by_text) = match &self.records {
            Records::Lines(records) => {
                let (line, raw) = records.get(doc.id()).ok_or_else(missing)?;
                let record =
                    jsonl::parse_line(raw, *line, &location).map_err(|p| ExtractError::Malformed(p.to_string()))?;
                return record
                    .resolve_predictions(doc, self.manifest.as_ref(), &location)
                    .map_err(|problems| malformed(&problems));
            }
            Records::Documents { by_id, by_text, .. } => (by_id, by_text),
        };
        let found = match by_id.get(doc.id()) {
            Some(found) => found,
            None => match by_text.get(doc.text()).map(Vec::as_slice) {
                Some([id]) => by_id.get(id).ok_or_else(missing)?,
                Some(ids) => {
                    return Err(ExtractError::Failed(format!(
                        "{} has {} records with this document's text ({}) and none with its id",
                        self.path.display(),
                        ids.len(),
                        ids.join(", ")
                    )))
                }
                None => return Err(missing()),
            },
        };
        if found.document.text() != doc.text() {
            return Err(ExtractError::Malformed("the record's text differs from the gold document's text".into()));
        }
        let mut annotations = found.annotations.clone();
        if let Some(manifest) = &self.manifest {
            annotations.take_layers_from(manifest);
            let mut problems = goldspan_model::Problems::default();
            goldspan_model::check_predictions(
                doc,
                &annotations,
                manifest,
                &location.in_document(doc.id()),
                &mut problems,
            );
            if !problems.is_empty() {
                return Err(malformed(&problems.into_vec()));
            }
        }
        Ok(annotations)
    }
}

/// The first problems of an unusable output, as one message.
pub(crate) fn malformed(problems: &[Problem]) -> ExtractError {
    let mut text: Vec<String> = problems.iter().take(3).map(|p| p.kind.to_string()).collect();
    if problems.len() > 3 {
        text.push(format!("and {} more", problems.len() - 3));
    }
    ExtractError::Malformed(text.join("; "))
}
