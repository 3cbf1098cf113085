//! `file:<predictions.jsonl>` and `file:FORMAT:<path>`: saved predictions replayed as an
//! extractor, so a file of outputs runs through the same runner, cache and gate as a live
//! system. Interchange lines (of a plain or a `.zst` file) are indexed by id when the file is
//! opened and read from the file at their place when their document is asked for; other
//! tools' files are read whole through the format registry, and their documents are found by
//! id or, for tools whose files carry no ids, by identical text.

use std::collections::HashMap;
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
                thread_local! {
                    static LINE: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
                }
                let record = LINE.with_borrow_mut(|buf| {
                    // The records whose id hashes like this one's (one, but for a collision):
                    // the one whose id it is.
                    for place in by_id.candidates(doc.id()) {
                        let line = place.line as usize;
                        buf.resize(place.len as usize, 0);
                        jsonl::read_exact_at(file, buf, place.offset).map_err(|e| {
                            ExtractError::Failed(format!("cannot read line {line} of {}: {e}", self.path.display()))
                        })?;
                        let parsed = || jsonl::parse_line(buf, line, &location);
                        let record = match jsonl::leading_id(buf) {
                            Some(id) if id != doc.id() => continue,
                            Some(_) => parsed().map_err(|p| ExtractError::Malformed(p.to_string()))?,
                            // The id is not first on the line: read the whole record for it.
                            None => match parsed() {
                                Ok(record) if record.id() != doc.id() => continue,
                                Ok(record) => record,
                                Err(p) => return Err(ExtractError::Malformed(p.to_string())),
                            },
                        };
                        return Ok(record);
                    }
                    Err(missing())
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

/// Where each record is in the file, found by a hash of its id: 24 bytes a record, sorted by
/// the hash (a map from owned ids cost over 100 bytes a record, the largest thing a run over a
/// million documents held). A record found by its hash is checked to have the id asked for.
#[derive(Debug, Default)]
struct LineIndex {
    places: Vec<LinePlace>,
}

/// A record's place in the file, under the hash of its id.
#[derive(Debug, Clone, Copy)]
struct LinePlace {
    id_hash: u64,
    offset: u64,
    len: u32,
    line: u32,
}

impl LineIndex {
    /// The places of the records whose id hashes as `id` does: its record, if the file has
    /// one, and any other whose id shares its hash.
    fn candidates(&self, id: &str) -> impl Iterator<Item = &LinePlace> {
        let hash = id_hash(id);
        let first = self.places.partition_point(|p| p.id_hash < hash);
        self.places[first..].iter().take_while(move |p| p.id_hash == hash)
    }
}

/// The hash an id is indexed under: fixed keys, so the same in every process.
fn id_hash(id: &str) -> u64 {
    use std::hash::{BuildHasher, BuildHasherDefault};
    BuildHasherDefault::<std::hash::DefaultHasher>::default().hash_one(id)
}

/// The id of the record on a line: read from the start of the line where it opens with it,
/// else from the whole record.
fn line_id(bytes: &[u8], line: usize, location: &Location) -> Result<String, Problem> {
    jsonl::leading_id(bytes)
        .map(Ok)
        .unwrap_or_else(|| jsonl::parse_line(bytes, line, location).map(|r| r.id().to_owned()))
}

/// Each record's place in `file`, by the hash of its id (read from the start of the line),
/// with every problem, in the order of their lines: a line that cannot be read, an id that
/// cannot be read, an id seen before.
fn index_lines(file: &std::fs::File, location: &Location) -> (Vec<Problem>, LineIndex) {
    let mut problems = Vec::new();
    let mut places = Vec::new();
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
        match line_id(line.bytes, line.number, location) {
            Err(p) => problems.push(p),
            Ok(id) => match (u32::try_from(line.bytes.len()), u32::try_from(line.number)) {
                (Ok(len), Ok(number)) => {
                    places.push(LinePlace { id_hash: id_hash(&id), offset: line.offset, len, line: number })
                }
                _ => problems.push(Problem::new(
                    location.at_line(line.number).in_document(&id),
                    ProblemKind::Syntax { message: "a line of 4 GiB or more, or past line 4,294,967,295".into() },
                )),
            },
        }
    }
    // Each key is unique (its line is), so an unstable sort, which needs no scratch memory,
    // gives the one order.
    places.sort_unstable_by_key(|p| (p.id_hash, p.line));
    // Records whose ids hash alike: the same id twice (a duplicate, reported at each later
    // line with the first), or, very rarely, two ids that share a hash.
    let mut at = 0;
    while at < places.len() {
        let same = places[at..].iter().take_while(|p| p.id_hash == places[at].id_hash).count();
        if same > 1 {
            duplicates(file, location, &places[at..at + same], &mut problems);
        }
        at += same;
    }
    problems.sort_by_key(|p| p.location.line);
    (problems, LineIndex { places })
}

/// Reports the records of `places` (in line order, their ids hashing alike) whose id an
/// earlier one has.
fn duplicates(file: &std::fs::File, location: &Location, places: &[LinePlace], problems: &mut Vec<Problem>) {
    let mut first_line: HashMap<String, usize> = HashMap::new();
    for place in places {
        let line = place.line as usize;
        let mut bytes = vec![0; place.len as usize];
        let id = jsonl::read_exact_at(file, &mut bytes, place.offset)
            .map_err(|e| Problem::new(location.at_line(line), ProblemKind::Io(e)))
            .and_then(|()| line_id(&bytes, line, location));
        match id {
            Err(p) => problems.push(p),
            Ok(id) => match first_line.get(&id) {
                Some(&first) => problems.push(Problem::new(
                    location.at_line(line).in_document(&id),
                    ProblemKind::DuplicateId { id, first_line: Some(first) },
                )),
                None => {
                    first_line.insert(id, line);
                }
            },
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(id: &str) -> Document {
        Document::new(id, "Ada met Bo.", Default::default())
    }

    fn predictions(lines: &str) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("p.jsonl");
        std::fs::write(&path, lines).expect("write");
        (dir, path)
    }

    #[test]
    fn repeated_ids_are_each_reported_with_the_first_line_in_line_order() {
        let (_dir, path) = predictions(concat!(
            "{\"id\": \"a\", \"spans\": []}\n",
            "{\"id\": \"b\", \"spans\": []}\n",
            "{\"id\": \"a\", \"spans\": []}\n",
            "{\"spans\": [], \"id\": \"b\"}\n",
            "{\"id\": \"a\", \"spans\": []}\n",
        ));
        let problems = match FileExtractor::open(&path, None) {
            Err(goldspan_model::Error::Invalid(problems)) => problems,
            other => panic!("expected the duplicates refused, got {other:?}"),
        };
        let found: Vec<(Option<usize>, String)> =
            problems.iter().map(|p| (p.location.line, p.kind.to_string())).collect();
        assert_eq!(
            found,
            [
                (Some(3), "duplicate id a (first used on line 1)".to_owned()),
                (Some(4), "duplicate id b (first used on line 2)".to_owned()),
                (Some(5), "duplicate id a (first used on line 1)".to_owned()),
            ]
        );
    }

    #[test]
    fn a_record_is_found_by_its_id_wherever_the_line_puts_it_and_a_missing_one_is_a_failure() {
        let (_dir, path) = predictions(concat!(
            "{\"id\": \"a\", \"spans\": [{\"layer\": \"entities\", \"label\": \"PERSON\", \"start\": 0, \"end\": 3}]}\n",
            "{\"spans\": [{\"layer\": \"entities\", \"label\": \"PERSON\", \"start\": 8, \"end\": 10}], \"id\": \"b\"}\n",
        ));
        let extractor = FileExtractor::open(&path, None).expect("opens");
        let a = extractor.extract(&doc("a")).expect("a has a record");
        assert_eq!((a.spans.len(), a.spans[0].start()), (1, 0));
        let b = extractor.extract(&doc("b")).expect("b has a record, its id last on the line");
        assert_eq!((b.spans.len(), b.spans[0].start()), (1, 8));
        let missing = extractor.extract(&doc("c")).expect_err("no record for c");
        assert!(missing.to_string().contains("has no record for this document"), "{missing}");
    }

    #[test]
    fn a_record_whose_id_only_hashes_alike_is_not_taken_for_the_document() {
        let (_dir, path) = predictions(concat!(
            "{\"id\": \"a\", \"spans\": [{\"layer\": \"entities\", \"label\": \"PERSON\", \"start\": 0, \"end\": 3}]}\n",
            "{\"spans\": [{\"layer\": \"entities\", \"label\": \"PERSON\", \"start\": 8, \"end\": 10}], \"id\": \"b\"}\n",
        ));
        let mut extractor = FileExtractor::open(&path, None).expect("opens");
        // Both records filed as if their ids hashed as `id` does: a collision.
        let collide = |extractor: &mut FileExtractor, id: &str| {
            let Records::Lines { by_id, .. } = &mut extractor.records else { panic!("a JSON Lines file") };
            for place in &mut by_id.places {
                place.id_hash = id_hash(id);
            }
            by_id.places.sort_by_key(|p| p.line);
        };
        collide(&mut extractor, "c");
        let missing = extractor.extract(&doc("c")).expect_err("neither record is c's");
        assert!(missing.to_string().contains("has no record for this document"), "{missing}");
        // Among records that share a hash, the one with the id is taken, not the first.
        collide(&mut extractor, "b");
        let b = extractor.extract(&doc("b")).expect("b's record");
        assert_eq!(b.spans[0].start(), 8);
    }
}
