//! `file:<predictions.jsonl>`: saved predictions replayed as an extractor, so a file of
//! outputs runs through the same runner, cache and gate as a live system.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use goldspan_formats::jsonl;
use goldspan_model::{Annotations, Document, Location, Manifest, Problem, ProblemKind};

use crate::{stable_hash, ExtractError, Extractor, ExtractorInfo};

/// Predictions read from a JSON Lines file, one record per document.
#[derive(Debug)]
pub struct FileExtractor {
    path: PathBuf,
    records: HashMap<String, (usize, Vec<u8>)>,
    manifest: Option<Manifest>,
    content_hash: String,
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
        Ok(FileExtractor { path: path.to_owned(), records, manifest, content_hash })
    }
}

impl Extractor for FileExtractor {
    fn info(&self) -> ExtractorInfo {
        ExtractorInfo {
            name: format!("file:{}", self.path.display()),
            version: self.content_hash.clone(),
            config_hash: String::new(),
        }
    }

    fn extract(&self, doc: &Document) -> Result<Annotations, ExtractError> {
        let Some((line, raw)) = self.records.get(doc.id()) else {
            return Err(ExtractError::Failed(format!("{} has no record for this document", self.path.display())));
        };
        let location = Location::file(&self.path);
        let record = jsonl::parse_line(raw, *line, &location).map_err(|p| ExtractError::Malformed(p.to_string()))?;
        record.resolve_predictions(doc, self.manifest.as_ref(), &location).map_err(|problems| malformed(&problems))
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
