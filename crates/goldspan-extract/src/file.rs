//! `file:<predictions.jsonl>` and `file:FORMAT:<path>`: saved predictions replayed as an
//! extractor, so a file of outputs runs through the same runner, cache and gate as a live
//! system. Interchange lines (of a plain or a `.zst` file) are indexed by id when the file is
//! opened and read from the file at their place when their document is asked for; other
//! tools' files are read whole through the format registry, and their documents are found by
//! id or, for tools whose files carry no ids, by identical text.

use std::collections::HashMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

use goldspan_formats::{jsonl, Format, ReadOptions};
use goldspan_model::{AnnotatedDocument, Annotations, Document, Location, Manifest, Problem, ProblemKind};

use crate::{stable_hash, ExtractError, Extractor, ExtractorInfo, StableHasher};

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
    /// The file (decompressed), and each record's line number and place in it, by id.
    Lines { file: std::fs::File, by_id: LineIndex },
    /// Another tool's documents, by id and by text.
    Documents { format: Format, by_id: HashMap<String, AnnotatedDocument>, by_text: HashMap<String, Vec<String>> },
}

impl FileExtractor {
    /// Indexes `path` by id (a `.zst` file is decompressed once into an unnamed temporary
    /// file); duplicate ids and lines whose id cannot be read are errors, and a record that
    /// does not parse fails its document when it is asked for. Records stay in the file, read
    /// at their place when their document is asked for: memory holds the index, not the
    /// predictions.
    pub fn open(path: &Path, manifest: Option<Manifest>) -> Result<FileExtractor, goldspan_model::Error> {
        let location = Location::file(path);
        let io = |e| goldspan_model::Error::Invalid(vec![Problem::new(location.clone(), ProblemKind::Io(e))]);
        let file = jsonl::open_seekable(path).map_err(io)?;
        // The file's content names this extractor's version: the stable hash of its text (the
        // uncompressed text, so the same predictions have the same identity compressed or not).
        // It runs one byte after another, so on a thread of its own while the lines are indexed.
        let (content_hash, index) = std::thread::scope(|scope| {
            let hash = scope.spawn(|| content_hash(&file));
            let index = index_lines(&file, &location);
            (hash.join().unwrap_or_else(|_| Err(std::io::Error::other("the hash failed"))), index)
        });
        let content_hash = content_hash.map_err(io)?;
        let (problems, by_id) = index;
        if !problems.is_empty() {
            return Err(goldspan_model::Error::Invalid(problems));
        }
        Ok(FileExtractor { path: path.to_owned(), records: Records::Lines { file, by_id }, manifest, content_hash })
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
            Records::Lines { .. } => String::new(),
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
            Records::Lines { file, by_id } => {
                let &(line, ref range) = by_id.get(doc.id()).ok_or_else(missing)?;
                thread_local! {
                    static LINE: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
                }
                let record = LINE.with_borrow_mut(|buf| {
                    buf.resize(range.len(), 0);
                    jsonl::read_exact_at(file, buf, range.start as u64).map_err(|e| {
                        ExtractError::Failed(format!("cannot read line {line} of {}: {e}", self.path.display()))
                    })?;
                    jsonl::parse_line(buf, line, &location).map_err(|p| ExtractError::Malformed(p.to_string()))
                })?;
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

/// Each record's line number and place in the file, by id.
type LineIndex = HashMap<String, (usize, Range<usize>)>;

/// Each record's line number and place in `file`, by id (read from the start of the line),
/// with every problem: a line that cannot be read, an id that cannot be read, an id seen
/// before.
fn index_lines(file: &std::fs::File, location: &Location) -> (Vec<Problem>, LineIndex) {
    let mut problems = Vec::new();
    let mut by_id = HashMap::new();
    let mut reader = jsonl::Reader::new(file, location.clone());
    while let Some(next) = reader.next_line_ref() {
        let line = match next {
            Ok(line) => line,
            Err(p) => {
                problems.push(p);
                continue;
            }
        };
        // Only the id is read now, where the line opens with it; the record is parsed (and
        // any problem with it is that document's failure) when its document is asked for.
        let id = jsonl::leading_id(line.bytes)
            .map(Ok)
            .unwrap_or_else(|| jsonl::parse_line(line.bytes, line.number, location).map(|r| r.id().to_owned()));
        let start = usize::try_from(line.offset).unwrap_or(usize::MAX);
        let place = (line.number, start..start + line.bytes.len());
        match id {
            Err(p) => problems.push(p),
            Ok(id) => {
                if let Some((first, _)) = by_id.insert(id.clone(), place) {
                    problems.push(Problem::new(
                        location.at_line(line.number).in_document(&id),
                        ProblemKind::DuplicateId { id, first_line: Some(first) },
                    ));
                }
            }
        }
    }
    (problems, by_id)
}

/// The stable hash of `file`'s text, read a megabyte at a time. Text that is not UTF-8 is
/// hashed as it always was, with each bad sequence replaced (read whole, as this is rare).
fn content_hash(file: &std::fs::File) -> std::io::Result<String> {
    let mut hasher = StableHasher::new();
    let mut buf = vec![0; 1 << 20];
    // Bytes of a character cut at the end of the last read, carried into the next check.
    let mut carried = 0;
    let mut offset = 0u64;
    let mut valid = true;
    loop {
        let got = jsonl::read_at_most(file, &mut buf[carried..], offset)?;
        if got == 0 {
            valid &= carried == 0;
            break;
        }
        offset += got as u64;
        hasher.bytes(&buf[carried..carried + got]);
        let filled = carried + got;
        carried = match std::str::from_utf8(&buf[..filled]) {
            Ok(_) => 0,
            // Cut short at the end: check it again with what follows.
            Err(e) if e.error_len().is_none() => filled - e.valid_up_to(),
            Err(_) => {
                valid = false;
                break;
            }
        };
        buf.copy_within(filled - carried..filled, 0);
    }
    if valid {
        hasher.end_part();
        return Ok(hasher.finish());
    }
    let mut bytes = Vec::new();
    let mut at = 0u64;
    loop {
        let got = jsonl::read_at_most(file, &mut buf, at)?;
        if got == 0 {
            break;
        }
        bytes.extend_from_slice(&buf[..got]);
        at += got as u64;
    }
    Ok(stable_hash(&[&String::from_utf8_lossy(&bytes)]))
}

/// The first problems of an unusable output, as one message.
pub(crate) fn malformed(problems: &[Problem]) -> ExtractError {
    let mut text: Vec<String> = problems.iter().take(3).map(|p| p.kind.to_string()).collect();
    if problems.len() > 3 {
        text.push(format!("and {} more", problems.len() - 3));
    }
    ExtractError::Malformed(text.join("; "))
}
