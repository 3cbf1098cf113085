//! `file:<predictions.jsonl>` and `file:FORMAT:<path>`: saved predictions replayed as an
//! extractor, so a file of outputs runs through the same runner, cache and gate as a live
//! system. Interchange lines (of a plain or a `.zst` file) whose ids ascend from line to line
//! (as goldspan writes them, and as a script writing a prediction for each gold record in turn
//! does) are read from start to end as a run announces its documents
//! ([`Extractor::prepare`]), so memory holds no index; other interchange files are indexed by
//! id when opened and each record read at its place when its document is asked for. Other
//! tools' files are read whole through the format registry, and their documents are found by
//! id or, for tools whose files carry no ids, by identical text.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

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
    /// A file whose ids ascend, read from start to end as documents are announced.
    InOrder(Box<InOrder>),
    /// Another tool's documents, by id and by text.
    Documents { format: Format, by_id: HashMap<String, AnnotatedDocument>, by_text: HashMap<String, Vec<String>> },
}

impl FileExtractor {
    /// Opens the predictions at `path`, reading the file once for its content hash. A file
    /// whose ids ascend from line to line is then read again from the start as documents are
    /// announced ([`Extractor::prepare`]): memory holds the records of the last two
    /// announcements and no index. Any other is indexed by id (a `.zst` file decompressed once into an unnamed
    /// temporary file); duplicate ids and lines whose id cannot be read are errors. Either
    /// way a record that does not parse fails its document when it is asked for.
    pub fn open(path: &Path, manifest: Option<Manifest>) -> Result<FileExtractor, goldspan_model::Error> {
        if let Some((content_hash, stamp)) = in_order_hash(path) {
            let records = Records::InOrder(Box::new(InOrder::new(path, stamp)));
            return Ok(FileExtractor { path: path.to_owned(), records, manifest, content_hash });
        }
        let (file, by_id, content_hash) = indexed(path)?;
        Ok(FileExtractor { path: path.to_owned(), records: Records::Lines { file, by_id }, manifest, content_hash })
    }

    /// The extractor with `manifest` to check predictions against (and give labels their
    /// layer), in place of the one it was opened with.
    pub fn with_manifest(self, manifest: Option<Manifest>) -> FileExtractor {
        FileExtractor { manifest, ..self }
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
            Records::Lines { .. } | Records::InOrder(_) => String::new(),
            Records::Documents { format, .. } => format!("{format}:"),
        };
        ExtractorInfo {
            name: format!("file:{format}{}", self.path.display()),
            version: self.content_hash.clone(),
            config_hash: String::new(),
        }
    }

    fn prepare(&self, ids: &[&str]) {
        if let Records::InOrder(in_order) = &self.records {
            in_order.announce(ids);
        }
    }

    fn extract(&self, doc: &Document) -> Result<Annotations, ExtractError> {
        let location = Location::file(&self.path);
        let missing = || ExtractError::Failed(format!("{} has no record for this document", self.path.display()));
        let lines = match &self.records {
            Records::InOrder(in_order) => match in_order.take(doc.id()) {
                Some(Ok(Some((line, bytes)))) => {
                    let record = jsonl::parse_line(&bytes, line, &location)
                        .map_err(|p| ExtractError::Malformed(p.to_string()))?;
                    return record
                        .resolve_predictions(doc, self.manifest.as_ref(), &location)
                        .map_err(|problems| malformed(&problems));
                }
                Some(Ok(None)) => return Err(missing()),
                Some(Err(message)) => return Err(ExtractError::Failed(message)),
                // Not announced: found through the index, built the first time it is needed.
                None => Some(in_order.index().map_err(ExtractError::Failed)?),
            },
            Records::Lines { file, by_id } => Some((file, by_id)),
            Records::Documents { .. } => None,
        };
        let (by_id, by_text) = match (&self.records, lines) {
            (_, Some((file, by_id))) => {
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
            (Records::Documents { by_id, by_text, .. }, None) => (by_id, by_text),
            (_, None) => return Err(missing()),
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

/// Indexes the predictions file at `path` by id (a `.zst` file is decompressed once into an
/// unnamed temporary file), with its content hash: the file, its index and the hash.
fn indexed(path: &Path) -> Result<(std::fs::File, LineIndex, String), goldspan_model::Error> {
    let location = Location::file(path);
    let io = |e| goldspan_model::Error::Invalid(vec![Problem::new(location.clone(), ProblemKind::Io(e))]);
    let mut stream = jsonl::OnePass::open(path).map_err(io)?;
    // The file's content names this extractor's version: the stable hash of its text (the
    // uncompressed text, so the same predictions have the same identity compressed or not).
    // (Hashing cannot panic; were it to, the hash is taken again from the file below.)
    let (hash, (mut problems, mut places)) = hashed(&mut stream, |input| index_lines(input, &location));
    // A problem that stopped the reading (an I/O error: a truncated or corrupt `.zst` file;
    // a JSON document rather than lines) is among the problems, and what is left of the
    // stream is not decompressed only to be dropped: the lines read are still looked at for
    // repeated ids. Without one, the whole file is there.
    let file = match problems.is_empty() {
        true => stream.finish().map_err(io)?,
        false => stream.read_so_far(),
    };
    let by_id = sorted(&file, &location, &mut places, &mut problems);
    if !problems.is_empty() {
        problems.sort_by_key(|p| p.location.line);
        return Err(goldspan_model::Error::Invalid(problems));
    }
    let content_hash = match hash {
        Some(hash) => hash,
        None => lossy_hash(&file).map_err(io)?,
    };
    Ok((file, by_id, content_hash))
}

/// The content hash of the predictions file at `path` when its ids ascend from line to line
/// (each read from the start of its line, above the one before), with the file's stamp: read
/// once, start to end, the hash on a thread of its own. `None` when they do not, or the file
/// cannot be read so (not a regular file, which cannot be read twice), for it to be indexed
/// instead (which reports what is wrong).
fn in_order_hash(path: &Path) -> Option<(String, jsonl::FileStamp)> {
    let stamp = jsonl::FileStamp::of(path)?;
    let input = jsonl::open_stream(path).ok()?;
    let (hash, in_order) =
        hashed(input, |input| jsonl::ids_in_order(&mut jsonl::Reader::new(input, Location::file(path)), |_, _| {}));
    in_order?;
    // A file that is not UTF-8 is hashed (lossily) as the index would: indexed, it is.
    hash.map(|hash| (hash, stamp))
}

/// What `read` makes of `input`, with the content hash of the bytes it read (`None` when they
/// are not UTF-8, or the hashing failed). The hash runs one byte after another, so on a thread
/// of its own, fed each piece as it is read (and decompressed): the file is read once.
fn hashed<R: std::io::Read, T>(input: R, read: impl FnOnce(Tee<R>) -> T) -> (Option<String>, T) {
    std::thread::scope(|scope| {
        let (send, receive) = std::sync::mpsc::sync_channel(HASH_QUEUE);
        let hash = scope.spawn(move || text_hash(receive));
        // The hash's thread ends when the stream, and with it the sending end, is dropped.
        let made = read(Tee { input, hash: send });
        (hash.join().ok().flatten(), made)
    })
}

/// A predictions file whose ids ascend, read on from where it was as a run announces the
/// documents it is about to extract (in id order, a chunk at a time); a document asked for
/// without being announced is found through an index built then.
#[derive(Debug)]
struct InOrder {
    path: PathBuf,
    /// The file as it was when its order was checked.
    stamp: jsonl::FileStamp,
    /// Where the reading is: taken by one announcement at a time.
    cursor: Mutex<Cursor>,
    /// What was read for each document announced and not yet asked for, with the announcement
    /// it came with: locked only to put an announcement's records in and to take one out, so
    /// that documents are extracted while the next announcement reads on.
    announced: Mutex<HashMap<String, (u64, Announced)>>,
    /// The file and its index, built the first time a document is asked for that was not
    /// announced (an error message when they cannot be).
    index: OnceLock<Result<(std::fs::File, LineIndex), String>>,
}

/// Where the reading of an [`InOrder`] file is.
#[derive(Debug, Default)]
struct Cursor {
    /// The file's lines, read ahead on a thread of their own; opened at the first
    /// announcement.
    lines: Option<jsonl::BlockLines>,
    /// Why the file cannot be read on, once it cannot.
    failed: Option<String>,
    /// Announcements so far.
    announcements: u64,
    /// The last document announced.
    last: Option<String>,
}

/// What reading on found for a document announced: its record's line number and bytes, none
/// (the file has no record for it), or why the file could not be read.
type Announced = Result<Option<(usize, Vec<u8>)>, String>;

impl InOrder {
    fn new(path: &Path, stamp: jsonl::FileStamp) -> InOrder {
        InOrder {
            path: path.to_owned(),
            stamp,
            cursor: Mutex::new(Cursor::default()),
            announced: Mutex::new(HashMap::new()),
            index: OnceLock::new(),
        }
    }

    /// Reads on to the records of `ids` (in ascending order, above every id announced before;
    /// one that is not is left to the index). What was read for the announcement before this
    /// one is kept (its documents may still be being extracted); older ones are dropped.
    fn announce(&self, ids: &[&str]) {
        let mut cursor = self.cursor.lock().unwrap_or_else(|e| e.into_inner());
        let cursor = &mut *cursor;
        cursor.announcements += 1;
        let now = cursor.announcements;
        if cursor.lines.is_none() && cursor.failed.is_none() {
            let changed = format!("{} changed since it was opened: run again", self.path.display());
            match jsonl::BlockLines::open(&self.path) {
                Ok(_) if jsonl::FileStamp::of(&self.path) != Some(self.stamp) => cursor.failed = Some(changed),
                Ok(lines) => cursor.lines = Some(lines),
                Err(e) => cursor.failed = Some(e.to_string()),
            }
        }
        let mut found_all = Vec::with_capacity(ids.len());
        for &id in ids {
            if cursor.last.as_deref().is_some_and(|last| id <= last) {
                continue;
            }
            cursor.last = Some(id.to_owned());
            let found = match (&mut cursor.lines, &cursor.failed) {
                (Some(lines), None) => read_on(lines, id, &self.path),
                (_, failed) => Err(failed.clone().unwrap_or_default()),
            };
            if let Err(message) = &found {
                cursor.failed = Some(message.clone());
            }
            found_all.push((id.to_owned(), found));
        }
        let mut announced = self.announced.lock().unwrap_or_else(|e| e.into_inner());
        announced.retain(|_, (when, _)| *when + 1 >= now);
        announced.extend(found_all.into_iter().map(|(id, found)| (id, (now, found))));
    }

    /// What reading on found for the document `id`, taken (`None` when it was not announced).
    fn take(&self, id: &str) -> Option<Announced> {
        let mut announced = self.announced.lock().unwrap_or_else(|e| e.into_inner());
        announced.remove(id).map(|(_, found)| found)
    }

    /// The file indexed, built the first time it is needed.
    fn index(&self) -> Result<(&std::fs::File, &LineIndex), String> {
        let built = self
            .index
            .get_or_init(|| indexed(&self.path).map(|(file, by_id, _)| (file, by_id)).map_err(|e| e.to_string()));
        built.as_ref().map(|(file, by_id)| (file, by_id)).map_err(String::clone)
    }
}

/// Reads `lines` on to the record of `id` (skipping records of documents never announced:
/// outside the shard or the gold), and takes it; none when the next record's id is above it.
fn read_on(lines: &mut jsonl::BlockLines, id: &str, path: &Path) -> Announced {
    loop {
        let (block, i) = match lines.current() {
            None => return Ok(None),
            Some(Ok(current)) => current,
            Some(Err(problems)) => return Err(problems.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")),
        };
        let (number, bytes) = (block.lines[i].0, block.line(i));
        match jsonl::leading_id_str(bytes).map(|line_id| line_id.cmp(id)) {
            Some(std::cmp::Ordering::Less) => lines.advance(1),
            Some(std::cmp::Ordering::Equal) => {
                let record = bytes.to_vec();
                lines.advance(1);
                return Ok(Some((number, record)));
            }
            Some(std::cmp::Ordering::Greater) => return Ok(None),
            None => {
                return Err(format!(
                    "{} changed while it was read: line {number}'s id can no longer be read from the start of the \
                     line",
                    path.display()
                ))
            }
        }
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

/// Each record's place in the file `input` reads, with the hash of its id (read from the start
/// of the line), in line order, and every problem: a line that cannot be read, an id that
/// cannot be read.
fn index_lines(input: impl std::io::Read, location: &Location) -> (Vec<Problem>, Vec<LinePlace>) {
    let mut problems = Vec::new();
    let mut places = Vec::new();
    let mut reader = jsonl::Reader::new(input, location.clone());
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
    // Grown by doubling: up to twice what it holds, for as long as the file is open.
    places.shrink_to_fit();
    (problems, places)
}

/// The index of `places` (records of `file`), sorted by the hash of their ids, with a problem
/// added for each id seen before.
fn sorted(
    file: &std::fs::File,
    location: &Location,
    places: &mut Vec<LinePlace>,
    problems: &mut Vec<Problem>,
) -> LineIndex {
    let mut places = std::mem::take(places);
    // Each key is unique (its line is), so an unstable sort, which needs no scratch memory,
    // gives the one order.
    places.sort_unstable_by_key(|p| (p.id_hash, p.line));
    // Records whose ids hash alike: the same id twice (a duplicate, reported at each later
    // line with the first), or, very rarely, two ids that share a hash.
    let mut at = 0;
    while at < places.len() {
        let same = places[at..].iter().take_while(|p| p.id_hash == places[at].id_hash).count();
        if same > 1 {
            duplicates(file, location, &places[at..at + same], problems);
        }
        at += same;
    }
    LineIndex { places }
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

/// How many pieces of the file read may wait for the content hash (each a read of the line
/// reader's buffer: 64 KiB, or as long as the longest line): a few, so that reading runs
/// ahead of the hash by about a quarter of a megabyte.
const HASH_QUEUE: usize = 4;

/// A stream whose every piece read is also sent to the content hash's thread.
struct Tee<R> {
    input: R,
    hash: std::sync::mpsc::SyncSender<Vec<u8>>,
}

impl<R: std::io::Read> std::io::Read for Tee<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let got = self.input.read(buf)?;
        if got > 0 {
            // The hash's thread ends only when this end is dropped.
            let _ = self.hash.send(buf[..got].to_vec());
        }
        Ok(got)
    }
}

/// The stable hash of a file's text, given a piece at a time; `None` when the text is not
/// UTF-8 (for [`lossy_hash`] to hash it as it always was).
fn text_hash(pieces: std::sync::mpsc::Receiver<Vec<u8>>) -> Option<String> {
    let mut hasher = StableHasher::new();
    // The bytes of a character cut at the end of the last piece, checked with the next.
    let mut cut: Vec<u8> = Vec::new();
    let mut valid = true;
    for piece in pieces {
        hasher.bytes(&piece);
        if !valid {
            continue;
        }
        let joined;
        let bytes = if cut.is_empty() {
            &piece[..]
        } else {
            cut.extend_from_slice(&piece);
            joined = std::mem::take(&mut cut);
            &joined[..]
        };
        match std::str::from_utf8(bytes) {
            Ok(_) => {}
            Err(e) if e.error_len().is_none() => cut = bytes[e.valid_up_to()..].to_vec(),
            Err(_) => valid = false,
        }
    }
    (valid && cut.is_empty()).then(|| {
        hasher.end_part();
        hasher.finish()
    })
}

/// The stable hash of `file`'s text that is not UTF-8: read whole (this is rare), each bad
/// sequence replaced.
fn lossy_hash(file: &std::fs::File) -> std::io::Result<String> {
    let mut bytes = Vec::new();
    let mut buf = vec![0; 1 << 20];
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

    /// A predictions line for `id` with one PERSON span at `start`.
    fn line(id: &str, start: usize) -> String {
        format!(
            "{{\"id\": \"{id}\", \"spans\": [{{\"layer\": \"entities\", \"label\": \"PERSON\", \"start\": {start}, \"end\": {}}}]}}\n",
            start + 1
        )
    }

    #[test]
    fn a_file_in_id_order_is_read_on_as_documents_are_announced_and_any_other_is_indexed() {
        // b, d, e, g in order (e's predictions for a document never announced, as outside a
        // shard); announced: a and b, then d, f and g.
        let text = [line("b", 1), line("d", 3), line("e", 4), line("g", 6)].concat();
        let (_dir, path) = predictions(&text);
        let extractor = FileExtractor::open(&path, None).expect("opens");
        assert!(matches!(extractor.records, Records::InOrder(_)), "{:?}", extractor.records);
        let start = |id: &str| extractor.extract(&doc(id)).map(|a| a.spans[0].start());
        extractor.prepare(&["a", "b"]);
        extractor.prepare(&["d", "f", "g"]);
        // The announcement before the last is kept: its documents may still be extracted.
        assert_eq!(start("b"), Ok(1));
        assert_eq!(start("d"), Ok(3));
        assert_eq!(start("g"), Ok(6));
        for absent in ["a", "f"] {
            let missing = start(absent).expect_err("no record");
            assert!(missing.to_string().contains("has no record for this document"), "{missing}");
        }
        // Asked for again, or never announced: found through the index, built then.
        assert_eq!(start("b"), Ok(1));
        assert_eq!(start("e"), Ok(4));
        assert!(start("c").is_err());
        // An announcement out of order is left to the index too.
        extractor.prepare(&["d"]);
        assert_eq!(start("d"), Ok(3));
        // Same answers and identity as the same file indexed (its lines out of order).
        let (_other, shuffled) = predictions(&[line("g", 6), line("b", 1), line("e", 4), line("d", 3)].concat());
        let indexed = FileExtractor::open(&shuffled, None).expect("opens");
        assert!(matches!(indexed.records, Records::Lines { .. }));
        let (_same, again) = predictions(&text);
        let reopened = FileExtractor::open(&again, None).expect("opens");
        assert_eq!(reopened.info().version, extractor.info().version, "the content hash");
        assert_eq!(indexed.extract(&doc("g")).map(|a| a.spans[0].start()), Ok(6));
    }

    #[test]
    fn a_file_changed_after_it_was_opened_fails_its_documents_and_a_device_is_indexed() {
        let (_dir, path) = predictions(&[line("a", 0), line("b", 1)].concat());
        let extractor = FileExtractor::open(&path, None).expect("opens");
        assert!(matches!(extractor.records, Records::InOrder(_)));
        std::fs::write(&path, [line("a", 0), line("b", 1), line("c", 2)].concat()).expect("rewrite");
        extractor.prepare(&["a", "b"]);
        let failed = extractor.extract(&doc("a")).expect_err("changed");
        assert!(failed.to_string().contains("changed since it was opened"), "{failed}");
        // What cannot be read twice (here a device) is indexed: read once.
        let null = FileExtractor::open(Path::new("/dev/null"), None).expect("opens, empty");
        assert!(matches!(null.records, Records::Lines { .. }));
    }

    #[test]
    fn an_announcement_older_than_the_one_before_the_last_is_dropped() {
        let (_dir, path) = predictions(&[line("a", 0), line("b", 1), line("c", 2)].concat());
        let extractor = FileExtractor::open(&path, None).expect("opens");
        let Records::InOrder(in_order) = &extractor.records else { panic!("read in order") };
        extractor.prepare(&["a"]);
        extractor.prepare(&["b"]);
        extractor.prepare(&["c"]);
        // a's record is no longer held; asked for, it is found through the index.
        assert!(in_order.take("a").is_none());
        assert!(in_order.take("b").is_some() && in_order.take("c").is_some());
        assert_eq!(extractor.extract(&doc("a")).map(|a| a.spans[0].start()), Ok(0));
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

    #[test]
    fn the_content_hash_is_the_stable_hash_of_the_text_compressed_or_not() {
        let dir = tempfile::tempdir().expect("temp dir");
        // Over a megabyte of two-byte characters in lines of odd lengths: pieces of the stream
        // end inside characters.
        let id = |i: usize| format!("d{i}{}", "é".repeat(i % 7));
        let valid: String = (0..30_000).map(|i| format!("{{\"id\": \"{}\", \"spans\": []}}\n", id(i))).collect();
        // A byte that is not UTF-8 on the first line, after its id: the file is hashed as it
        // always was, each bad sequence replaced.
        let mut invalid = valid.clone().into_bytes();
        let at = valid.find('\n').expect("a line") - 2;
        invalid[at] = 0xff;
        for (name, bytes, expected) in [
            ("valid", valid.as_bytes(), stable_hash(&[&valid])),
            ("invalid", &invalid[..], stable_hash(&[&String::from_utf8_lossy(&invalid)])),
        ] {
            let plain = dir.path().join(format!("{name}.jsonl"));
            std::fs::write(&plain, bytes).expect("write");
            let packed = dir.path().join(format!("{name}.jsonl.zst"));
            std::fs::write(&packed, zstd::stream::encode_all(bytes, 3).expect("compresses")).expect("write");
            for path in [plain, packed] {
                let extractor = FileExtractor::open(&path, None).expect("opens");
                assert_eq!(extractor.info().version, expected, "{}", path.display());
                let last = Document::new(id(29_999), "Ada met Bo.", Default::default());
                assert!(extractor.extract(&last).is_ok(), "the last record is found");
            }
        }
    }

    #[test]
    fn a_truncated_zst_predictions_file_is_refused_naming_it() {
        let dir = tempfile::tempdir().expect("temp dir");
        let text: String = (0..20_000).map(|i| format!("{{\"id\": \"d{i}\", \"spans\": []}}\n")).collect();
        let packed = zstd::stream::encode_all(text.as_bytes(), 3).expect("compresses");
        let path = dir.path().join("cut.jsonl.zst");
        std::fs::write(&path, &packed[..packed.len() - 20]).expect("write");
        let e = FileExtractor::open(&path, None).expect_err("truncated");
        let goldspan_model::Error::Invalid(problems) = &e else { panic!("{e}") };
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].location.line.is_some_and(|line| line > 1000), "{e}");
        assert!(e.to_string().contains("cut.jsonl.zst") && e.to_string().contains("incomplete frame"), "{e}");
    }
}
