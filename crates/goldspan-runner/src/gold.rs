//! Where gold documents come from: a corpus directory (read per document) or one JSON Lines
//! file (indexed once by id, then read line by line), so scoring never holds the whole gold
//! in memory.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

#[cfg(test)]
use goldspan_extract::stable_hash;
use goldspan_extract::StableHasher;

use crate::shard::Shard;
use goldspan_formats::{gold::Corpus, jsonl};
use goldspan_model::{AnnotatedDocument, Location, Manifest, Problem, ProblemKind, UnknownName};
use rayon::prelude::*;

use crate::error::Error;
use crate::ids::{IdList, Ids};

/// A gold source with the ids in scope.
#[derive(Debug)]
pub enum Gold {
    /// A corpus directory, restricted to a split.
    Corpus {
        /// The corpus.
        corpus: Corpus,
        /// Ids in scope, sorted.
        ids: Ids,
    },
    /// A JSON Lines file of self-contained records.
    File {
        /// Its path.
        path: PathBuf,
        /// A manifest to check gold and predictions against, if given.
        manifest: Option<Manifest>,
        /// Ids, sorted.
        ids: Ids,
        /// Where each record is, in the order of `ids`.
        places: Vec<Place>,
        /// The open file, read at offsets from any thread.
        file: std::fs::File,
        /// Ids of the file left out of scope by [`Gold::select`], sorted.
        outside: Ids,
    },
}

/// The names the gold uses: what a user's layer, label and metadata field names are checked
/// against.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Vocabulary {
    /// Layer → its labels.
    pub layers: BTreeMap<String, BTreeSet<String>>,
    /// Metadata fields of the documents in scope.
    pub fields: BTreeSet<String>,
}

/// The names a configuration uses that are still to be found among the gold's, as
/// [`Gold::has_names`] looks for them: layers and labels in the manifest when there is one (a
/// gold with a manifest has no others), otherwise in the records' spans; metadata fields in the
/// records.
pub(crate) struct NameSearch<'n> {
    layers: BTreeSet<&'n str>,
    labels: BTreeSet<&'n str>,
    fields: BTreeSet<&'n str>,
}

/// Names found in some records: layers, labels, fields.
#[derive(Default)]
pub(crate) struct FoundNames(BTreeSet<String>, BTreeSet<String>, BTreeSet<String>);

impl FoundNames {
    fn join(mut self, other: FoundNames) -> FoundNames {
        self.0.extend(other.0);
        self.1.extend(other.1);
        self.2.extend(other.2);
        self
    }
}

impl<'n> NameSearch<'n> {
    /// A search for these names; `None` when the manifest lacks a layer or label asked for.
    pub(crate) fn new(
        layers: &[&'n str],
        labels: &[&'n str],
        fields: &[&'n str],
        manifest: Option<&Manifest>,
    ) -> Option<NameSearch<'n>> {
        let mut search = NameSearch {
            layers: layers.iter().copied().collect(),
            labels: labels.iter().copied().collect(),
            fields: fields.iter().copied().collect(),
        };
        if let Some(manifest) = manifest {
            for layer in &manifest.layers {
                search.layers.remove(layer.name.as_str());
                search.labels.retain(|l| !layer.labels.iter().any(|m| m == l));
            }
            if !search.layers.is_empty() || !search.labels.is_empty() {
                return None;
            }
        }
        Some(search)
    }

    /// Whether every name has been found.
    pub(crate) fn done(&self) -> bool {
        self.layers.is_empty() && self.labels.is_empty() && self.fields.is_empty()
    }

    /// Adds to `found` the names searched for that one record uses (a label counts only on a
    /// span that names its layer).
    pub(crate) fn look_in(&self, names: &jsonl::Names, found: &mut FoundNames) {
        for (layer, label) in &names.spans {
            if let Some(layer) = layer.as_deref().filter(|l| self.layers.contains(l)) {
                found.0.insert(layer.to_owned());
            }
            if layer.is_some() && self.labels.contains(label.as_str()) {
                found.1.insert(label.to_string());
            }
        }
        found.2.extend(names.meta.iter().filter(|f| self.fields.contains(f.as_str())).cloned());
    }

    /// Strikes the names found off the search.
    pub(crate) fn strike(&mut self, found: FoundNames) {
        self.layers.retain(|l| !found.0.contains(*l));
        self.labels.retain(|l| !found.1.contains(*l));
        self.fields.retain(|f| !found.2.contains(*f));
    }
}

#[derive(serde::Deserialize)]
struct IdOnly {
    id: String,
}

/// Where a record is in a gold file: 16 bytes (a record of 4 GiB or more, or a line past
/// 4,294,967,295, is refused when the file is indexed).
#[derive(Debug, Clone, Copy)]
pub struct Place {
    offset: u64,
    len: u32,
    /// 1-based line.
    line: u32,
}

/// The records of one piece of a gold file, with the number of lines the piece holds and any
/// problem reading it; lines are counted within the piece.
#[derive(Default)]
struct Piece {
    /// The ids of the records, in line order.
    ids: IdList,
    /// Where each record of `ids` is.
    places: Vec<Place>,
    /// Lines whose id cannot be read: their number and bytes.
    unread: Vec<(usize, Vec<u8>)>,
    lines: usize,
    problems: Vec<Problem>,
}

/// The message for a record too long or too far into its file for a [`Place`].
const TOO_LARGE: &str = "a record of 4 GiB or more, or past line 4,294,967,295: split the file";

/// Cuts a file into about `n` byte ranges that each begin at the start of a line.
fn cut_into_pieces(file: &std::fs::File, n: usize) -> std::io::Result<Vec<(u64, u64)>> {
    let len = file.metadata()?.len();
    let mut cuts = vec![0];
    for k in 1..n as u64 {
        let mut at = (len * k / n as u64).max(*cuts.last().unwrap_or(&0));
        // Move to just after the next line end.
        let mut window = vec![0; 1 << 16];
        loop {
            let got = jsonl::read_at_most(file, &mut window, at)?;
            if got == 0 {
                at = len;
                break;
            }
            if let Some(i) = memchr::memchr(b'\n', &window[..got]) {
                at += i as u64 + 1;
                break;
            }
            at += got as u64;
        }
        cuts.push(at);
    }
    cuts.push(len);
    cuts.dedup();
    Ok(cuts.windows(2).map(|w| (w[0], w[1])).collect())
}

/// Reads the ids of the records of `input`, the part of a file that starts at byte `start`.
fn index_piece(input: impl std::io::Read, start: u64, location: &Location) -> Piece {
    let mut reader = jsonl::Reader::new(input, location.clone());
    if start > 0 {
        reader = reader.without_header();
    }
    let mut piece = Piece::default();
    while let Some(line) = reader.next_line_ref() {
        match line {
            Ok(line) => {
                let bom = start == 0 && line.number == 1 && line.bytes.starts_with(b"\xEF\xBB\xBF");
                let id = match jsonl::leading_id_str(line.bytes) {
                    Some(id) => Some(std::borrow::Cow::Borrowed(id)),
                    None => serde_json::from_slice::<IdOnly>(line.bytes).ok().map(|r| r.id.into()),
                };
                let (Some(id), false) = (id, bom) else {
                    piece.unread.push((line.number, line.bytes.to_vec()));
                    continue;
                };
                // The line is checked against u32 once counted from the file's start.
                match (u32::try_from(line.bytes.len()), u32::try_from(line.number)) {
                    (Ok(len), Ok(number)) => {
                        piece.ids.push(&id);
                        piece.places.push(Place { offset: start + line.offset, len, line: number });
                    }
                    _ => piece.problems.push(Problem::new(
                        location.at_line(line.number).in_document(&id),
                        ProblemKind::Syntax { message: TOO_LARGE.into() },
                    )),
                }
            }
            Err(p) => piece.problems.push(p),
        }
    }
    piece.lines = reader.lines_read();
    // Grown by doubling: up to twice what it holds, while it is held with the sorted copy.
    piece.ids.shrink_to_fit();
    piece.places.shrink_to_fit();
    piece
}

/// Bytes `at..end` of a file as a stream, read at offsets (so pieces can be read at once).
struct Range<'f> {
    file: &'f std::fs::File,
    at: u64,
    end: u64,
}

impl std::io::Read for Range<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let want = buf.len().min(usize::try_from(self.end - self.at).unwrap_or(usize::MAX));
        let got = jsonl::read_at_most(self.file, &mut buf[..want], self.at)?;
        self.at += got as u64;
        Ok(got)
    }
}

impl Gold {
    /// Opens `path`: a directory is a corpus (restricted to `split`), a file is JSON Lines.
    pub fn open(path: &Path, split: Option<&str>, manifest: Option<Manifest>) -> Result<Gold, Error> {
        if path.is_dir() {
            let corpus = Corpus::open(path)?;
            let ids = Ids::from_sorted(corpus.split_ids(split)?.iter().map(String::as_str));
            return Ok(Gold::Corpus { corpus, ids });
        }
        let location = Location::file(path);
        if let Some(split) = split {
            let message = format!("--split {split} needs a corpus directory; a gold file has no splits");
            return Err(Error::problems(vec![Problem::new(location, ProblemKind::Syntax { message })]));
        }
        let io = |e| Error::problems(vec![Problem::new(location.clone(), ProblemKind::Io(e))]);
        let mut stream = jsonl::OnePass::open(path).map_err(io)?;
        let mut indexed: Vec<Piece> = match stream.plain() {
            // A plain file is indexed in pieces at once.
            Some(file) => {
                let pieces = cut_into_pieces(file, rayon::current_num_threads()).map_err(io)?;
                pieces
                    .par_iter()
                    .map(|&(start, end)| index_piece(Range { file, at: start, end }, start, &location))
                    .collect()
            }
            // A `.zst` file is indexed as it is decompressed, in one pass.
            None => vec![index_piece(&mut stream, 0, &location)],
        };
        let mut problems = Vec::new();
        // Every record's id and place, in line order: the one piece of a `.zst` file (or of a
        // small file) as it is, its lines counted from the file's start already.
        let mut ids = IdList::default();
        let mut places = Vec::new();
        if let [piece] = &mut indexed[..] {
            (ids, places) = (std::mem::take(&mut piece.ids), std::mem::take(&mut piece.places));
        } else {
            ids.reserve(indexed.iter().map(|p| p.ids.text_len()).sum(), indexed.iter().map(|p| p.ids.len()).sum());
            places.reserve_exact(indexed.iter().map(|p| p.places.len()).sum());
        }
        let mut lines_before = 0;
        for piece in indexed {
            ids.append(&piece.ids);
            for mut place in piece.places {
                match u32::try_from(lines_before).ok().and_then(|before| place.line.checked_add(before)) {
                    Some(line) => place.line = line,
                    None => {
                        let at = location.at_line(lines_before + place.line as usize);
                        problems.push(Problem::new(at, ProblemKind::Syntax { message: TOO_LARGE.into() }));
                    }
                }
                places.push(place);
            }
            for (line, bytes) in piece.unread {
                // Let the full parser explain what is wrong with the line.
                problems.extend(jsonl::parse_line(&bytes, lines_before + line, &location).err());
            }
            for mut problem in piece.problems {
                problem.location.line = problem.location.line.map(|line| lines_before + line);
                problems.push(problem);
            }
            lines_before += piece.lines;
        }
        // Sorted by id, then line: a repeated id follows its first appearance. (Every record has a line under 2^32, so its position is under 2^32.)
        let mut order: Vec<u32> = (0..ids.len()).map(|i| u32::try_from(i).unwrap_or(u32::MAX)).collect();
        order.par_sort_unstable_by(|&a, &b| ids.get(a as usize).cmp(ids.get(b as usize)).then(a.cmp(&b)));
        // Each copy after the first names the first's line, however many copies there are.
        for copies in order.chunk_by(|&a, &b| ids.get(a as usize) == ids.get(b as usize)) {
            let [first, rest @ ..] = copies else { continue };
            let first = *first as usize;
            for &next in rest {
                let id = ids.get(next as usize);
                problems.push(Problem::new(
                    location.at_line(places[next as usize].line as usize).in_document(id),
                    ProblemKind::DuplicateId { id: id.to_owned(), first_line: Some(places[first].line as usize) },
                ));
            }
        }
        if order.is_empty() && problems.is_empty() {
            let message = "holds no documents: a gold file has one JSON record per line, each a document with its \
                           \"id\" and \"text\" (goldspan convert writes one from other tools' files)"
                .to_owned();
            problems.push(Problem::new(location.clone(), ProblemKind::Syntax { message }));
        }
        // A problem that stopped the reading (an I/O error: a truncated or corrupt `.zst` file;
        // a JSON document rather than lines) is among the problems, and what is left of the
        // stream is not decompressed only to be dropped. Without one, the whole file is there.
        if !problems.is_empty() {
            problems.sort_by_key(|p| p.location.line);
            return Err(Error::problems(problems));
        }
        let file = stream.finish().map_err(io)?;
        // Each sorted copy made before the next, the unsorted one dropped: the index at its
        // largest is about twice its size.
        let sorted_places = order.iter().map(|&i| places[i as usize]).collect();
        drop(places);
        let sorted_ids = Ids::in_order(&ids, order.into_iter().map(|i| i as usize));
        drop(ids);
        let (ids, places) = (sorted_ids, sorted_places);
        Ok(Gold::File { path: path.to_owned(), manifest, ids, places, file, outside: Ids::default() })
    }

    /// Ids in scope, sorted.
    pub fn ids(&self) -> &Ids {
        match self {
            Gold::Corpus { ids, .. } | Gold::File { ids, .. } => ids,
        }
    }

    /// Where `id` is among [`Gold::ids`], if it is a gold document in scope (in the split,
    /// for a corpus).
    pub fn position(&self, id: &str) -> Option<usize> {
        self.ids().position(id)
    }

    /// Whether `id` is a gold document at all (in scope or not).
    pub fn knows(&self, id: &str) -> bool {
        match self {
            Gold::Corpus { corpus, .. } => find(corpus.ids(), id).is_some(),
            Gold::File { ids, outside, .. } => ids.position(id).is_some() || outside.position(id).is_some(),
        }
    }

    /// Narrows the documents in scope to `wanted` (when given; each must be in scope), then to
    /// the first `limit` of them in corpus order (by id).
    pub fn select(&mut self, wanted: Option<&[String]>, limit: Option<usize>) -> Result<(), UnknownName> {
        if wanted.is_none() && limit.is_none_or(|limit| limit >= self.ids().len()) {
            // Every document stays: the index is not copied.
            return Ok(());
        }
        let mut keep: Vec<bool> = match wanted {
            None => vec![true; self.ids().len()],
            Some(wanted) => {
                let mut keep = vec![false; self.ids().len()];
                for id in wanted {
                    match self.position(id) {
                        Some(i) => keep[i] = true,
                        None => return Err(UnknownName::new("document", id, self.ids().iter())),
                    }
                }
                keep
            }
        };
        let mut left = limit.unwrap_or(usize::MAX);
        for k in keep.iter_mut().filter(|k| **k) {
            *k = left > 0;
            left = left.saturating_sub(1);
        }
        match self {
            Gold::Corpus { ids, .. } => {
                *ids = Ids::from_sorted(ids.iter().zip(&keep).filter(|(_, k)| **k).map(|(id, _)| id));
            }
            Gold::File { ids, places, outside, .. } => {
                let all = std::mem::take(ids);
                let all_places = std::mem::take(places);
                // `outside` is sorted too: both are taken from `all` in order, and the ids
                // already outside (from an earlier call) go back in their place.
                let before = std::mem::take(outside);
                let mut earlier = before.iter().peekable();
                for ((id, place), k) in all.iter().zip(all_places).zip(&keep) {
                    if *k {
                        ids.push(id);
                        places.push(place);
                    } else {
                        while let Some(e) = earlier.next_if(|e| *e < id) {
                            outside.push(e);
                        }
                        outside.push(id);
                    }
                }
                for e in earlier {
                    outside.push(e);
                }
                ids.shrink_to_fit();
                places.shrink_to_fit();
                outside.shrink_to_fit();
            }
        }
        Ok(())
    }

    /// Folds something of every document in scope into one value, in parallel: `each` adds a
    /// document's part to a value (one per thread, never one per document, so memory does not
    /// grow with the corpus), `merge` joins two. A gold file's records are read for their
    /// [`jsonl::Names`] only (a record whose names cannot be read adds nothing); a corpus
    /// directory's documents are read whole, and those that do not read add nothing (what does
    /// not read is for scoring to report).
    fn fold_names<T: Send + Default>(
        &self,
        range: std::ops::Range<usize>,
        each: impl Fn(&mut T, jsonl::Names) + Sync + Send,
        merge: impl Fn(T, T) -> T + Sync + Send,
    ) -> T {
        let names_at = |i: usize| -> Option<jsonl::Names> {
            match self {
                Gold::Corpus { .. } => self.load_at(i).ok().map(|d| jsonl::Names {
                    spans: d.annotations.spans.iter().map(|s| (Some(s.layer().into()), s.label().into())).collect(),
                    meta: d.document.meta().keys().cloned().collect(),
                }),
                Gold::File { .. } => self.with_record_at(i, |bytes, _, _| jsonl::names(bytes)).ok().flatten(),
            }
        };
        range
            .into_par_iter()
            .fold(T::default, |mut acc, i| {
                if let Some(names) = names_at(i) {
                    each(&mut acc, names);
                }
                acc
            })
            .reduce(T::default, merge)
    }

    /// The layers and their labels: the manifest's, or (gold without one) those the
    /// documents in scope use (a span that names no layer names none).
    pub fn layers(&self) -> BTreeMap<String, BTreeSet<String>> {
        if let Some(manifest) = self.manifest() {
            return manifest.layers.iter().map(|l| (l.name.clone(), l.labels.iter().cloned().collect())).collect();
        }
        type Layers = BTreeMap<String, BTreeSet<String>>;
        self.fold_names(
            0..self.ids().len(),
            |layers: &mut Layers, names| {
                for (layer, label) in names.spans {
                    let Some(layer) = layer else { continue };
                    let labels = match layers.get_mut(layer.as_str()) {
                        Some(labels) => labels,
                        None => layers.entry(layer.into()).or_default(),
                    };
                    if !labels.contains(label.as_str()) {
                        labels.insert(label.into());
                    }
                }
            },
            |mut a, b| {
                for (layer, labels) in b {
                    a.entry(layer).or_default().extend(labels);
                }
                a
            },
        )
    }

    /// Whether the gold has every one of these names: each of `layers` a layer and each of
    /// `labels` a label (of any layer), as [`Gold::layers`] gives them, and each of `fields` a
    /// metadata field of a document in scope. The documents are read only as far as it takes
    /// to find them all, a block at a time: a run whose names are right (almost every run)
    /// reads a document or two, not the whole gold. Only a name that is not there costs a
    /// read of every document, and [`Gold::layers`] or [`Gold::fields`] then say what is.
    pub fn has_names(&self, layers: &[&str], labels: &[&str], fields: &[&str]) -> bool {
        /// Documents read at once, in parallel, before looking whether every name was found.
        const BLOCK: usize = 256;
        let Some(mut search) = NameSearch::new(layers, labels, fields, self.manifest()) else { return false };
        let mut first = 0;
        while !search.done() {
            if first >= self.ids().len() {
                return false;
            }
            let last = (first + BLOCK).min(self.ids().len());
            let found = self.fold_names(
                first..last,
                |found: &mut FoundNames, names| search.look_in(&names, found),
                FoundNames::join,
            );
            search.strike(found);
            first = last;
        }
        true
    }

    /// The metadata fields the documents in scope have.
    pub fn fields(&self) -> BTreeSet<String> {
        self.fold_names(
            0..self.ids().len(),
            |fields: &mut BTreeSet<String>, names| {
                for key in names.meta {
                    if !fields.contains(&key) {
                        fields.insert(key);
                    }
                }
            },
            |mut a, b| {
                a.extend(b);
                a
            },
        )
    }

    /// The hash of the documents in scope: what `goldspan run` records as the corpus hash
    /// (each document's key and annotations, in corpus order).
    pub fn corpus_hash(&self) -> Result<String, Error> {
        let mut scope = ScopeReader::new(self, None);
        while !scope.done() {
            scope.next_block(4096)?;
        }
        Ok(scope.corpus_hash())
    }

    /// The manifest gold and predictions are checked against.
    pub fn manifest(&self) -> Option<&Manifest> {
        match self {
            Gold::Corpus { corpus, .. } => Some(corpus.manifest()),
            Gold::File { manifest, .. } => manifest.as_ref(),
        }
    }

    /// A name for the gold: the corpus name, or the file stem.
    pub fn name(&self) -> String {
        match self {
            Gold::Corpus { corpus, .. } => corpus.manifest().name.clone(),
            Gold::File { path, .. } => Gold::file_name(path),
        }
    }

    /// The name of the gold file at `path`: its stem (`gold.jsonl.zst` is named `gold`, as
    /// `gold.jsonl` is).
    pub fn file_name(path: &Path) -> String {
        let path = if jsonl::is_zstd(path) { Path::new(path.file_stem().unwrap_or_default()) } else { path };
        path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default()
    }

    /// Reads and checks the gold document `id`.
    pub fn load(&self, id: &str) -> Result<AnnotatedDocument, Vec<Problem>> {
        match self.position(id) {
            Some(index) => self.load_at(index),
            None => {
                let message = "the gold has no document with this id".to_owned();
                let location = match self {
                    Gold::Corpus { corpus, .. } => Location::file(corpus.root()),
                    Gold::File { path, .. } => Location::file(path),
                };
                Err(vec![Problem::new(location.in_document(id), ProblemKind::Syntax { message })])
            }
        }
    }

    /// Reads and checks the gold document at `index` in [`Gold::ids`] (safe on any thread: a
    /// gold file is read at the record's offset, into a buffer each thread keeps).
    pub fn load_at(&self, index: usize) -> Result<AnnotatedDocument, Vec<Problem>> {
        let manifest = match self {
            Gold::Corpus { corpus, ids } => return corpus.read(&ids[index]).map_err(into_problems),
            Gold::File { manifest, .. } => manifest,
        };
        self.with_record_at(index, |bytes, line, location| {
            let record = jsonl::parse_line(bytes, line, location).map_err(|p| vec![p])?;
            record.resolve(manifest.as_ref(), location)
        })?
    }

    /// Calls `f` with the bytes of the record at `index` of a gold file, its line and the
    /// file's location; a problem when the record cannot be read. (Of a corpus directory, an
    /// error: it has no records.)
    fn with_record_at<T>(&self, index: usize, f: impl FnOnce(&[u8], usize, &Location) -> T) -> Result<T, Vec<Problem>> {
        let Gold::File { path, ids, places, file, .. } = self else {
            let message = "a corpus directory has no record lines".to_owned();
            return Err(vec![Problem::new(Location::file("(gold)"), ProblemKind::Syntax { message })]);
        };
        let location = Location::file(path);
        let Place { offset, len, line } = places[index];
        let (len, line) = (len as usize, line as usize);
        thread_local! {
            static LINE: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
        }
        LINE.with_borrow_mut(|buf| {
            // Grown when needed, never cleared: only the first `len` bytes are read and used.
            if buf.len() < len {
                buf.resize(len, 0);
            }
            let bytes = &mut buf[..len];
            jsonl::read_exact_at(file, bytes, offset)
                .map_err(|e| vec![Problem::new(location.at_line(line).in_document(&ids[index]), ProblemKind::Io(e))])?;
            Ok(f(bytes, line, &location))
        })
    }
}

/// What an extractor sees of a document, hashed: its id, text and metadata (all sent to
/// `cmd:`). It feeds the corpus hash.
pub(crate) fn document_key(doc: &AnnotatedDocument) -> String {
    let mut h = StableHasher::new();
    h.part(doc.document.id().as_bytes());
    h.part(doc.document.text().as_bytes());
    for (k, v) in doc.document.meta() {
        h.part(k.as_bytes());
        h.part(v.as_bytes());
    }
    h.finish()
}

/// Reads the documents in scope a block at a time, in corpus order, each block in parallel.
/// Every document read feeds the corpus hash, in order; with a shard only the shard's
/// documents are returned, so a shard's run records the hash of the whole scope while it
/// holds its own documents only.
pub(crate) struct ScopeReader<'g> {
    gold: &'g Gold,
    shard: Option<Shard>,
    /// The next document in scope to read.
    next: usize,
    /// The corpus hash of the documents read so far ([`Gold::corpus_hash`]).
    hasher: StableHasher,
}

impl<'g> ScopeReader<'g> {
    /// A reader of `gold`'s scope from its first document, keeping `shard`'s documents (or all).
    pub(crate) fn new(gold: &'g Gold, shard: Option<Shard>) -> ScopeReader<'g> {
        ScopeReader { gold, shard, next: 0, hasher: StableHasher::new() }
    }

    /// How many documents the reader returns in all: those in scope, or the shard's.
    pub(crate) fn documents(&self) -> usize {
        match self.shard {
            Some(shard) => self.gold.ids().iter().filter(|id| shard.contains(id)).count(),
            None => self.gold.ids().len(),
        }
    }

    /// Whether every document in scope has been read (and hashed).
    pub(crate) fn done(&self) -> bool {
        self.next >= self.gold.ids().len()
    }

    /// The next `size` documents to return, or what is left (none when every document in
    /// scope has been read). The first document that does not read (in corpus order) is the
    /// error, whatever the timing.
    pub(crate) fn next_block(&mut self, size: usize) -> Result<Vec<AnnotatedDocument>, Error> {
        let in_scope = self.gold.ids().len();
        let mut docs = Vec::new();
        while docs.len() < size && self.next < in_scope {
            let last = (self.next + size - docs.len()).min(in_scope);
            let loaded: Vec<_> = (self.next..last).into_par_iter().map(|i| self.gold.load_at(i)).collect();
            let loaded = loaded.into_iter().collect::<Result<Vec<_>, _>>().map_err(Error::problems)?;
            self.next = last;
            hash_documents(&mut self.hasher, loaded.iter());
            let shard = self.shard;
            docs.extend(loaded.into_iter().filter(|d| shard.is_none_or(|s| s.contains(d.document.id()))));
        }
        Ok(docs)
    }

    /// The corpus hash of the documents read: the scope's, once [`ScopeReader::done`].
    pub(crate) fn corpus_hash(&self) -> String {
        self.hasher.finish()
    }
}

/// The hash of documents (with their keys, [`document_key`]): what scores depend on — texts,
/// metadata, spans, relations and clusters (not annotator notes or attributes).
#[cfg(test)]
pub(crate) fn corpus_hash(docs: &[AnnotatedDocument]) -> String {
    let mut h = StableHasher::new();
    hash_documents(&mut h, docs.iter());
    h.finish()
}

/// Feeds documents, in order, to the corpus hash `h` (see [`Gold::corpus_hash`]). Each document's
/// part of the input — its key, then its annotations — is written out in parallel, a chunk at a
/// time; the hash itself (FNV-1a, one byte after another) runs over them in order, so the
/// value is [`stable_hash`] over every part, as it always was.
pub(crate) fn hash_documents<'d>(h: &mut StableHasher, docs: impl Iterator<Item = &'d AnnotatedDocument>) {
    let docs: Vec<&AnnotatedDocument> = docs.collect();
    for docs in docs.chunks(4096) {
        let inputs: Vec<Vec<u8>> = docs.par_iter().map(|doc| hash_input(doc, &document_key(doc))).collect();
        for input in inputs {
            h.bytes(&input);
        }
    }
}

/// What one document adds to the corpus hash: its key, then one part per span (`id layer
/// label start-end,...`), relation (`id type head tail`) and cluster (members joined by
/// spaces), each ended by `0xff`.
fn hash_input(doc: &AnnotatedDocument, key: &str) -> Vec<u8> {
    let a = &doc.annotations;
    let mut out = Vec::with_capacity(key.len() + 1 + 40 * a.spans.len());
    out.extend_from_slice(key.as_bytes());
    out.push(0xff);
    for s in &a.spans {
        for part in [s.id(), s.layer(), s.label()] {
            out.extend_from_slice(part.as_bytes());
            out.push(b' ');
        }
        for (i, f) in s.fragments().iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            decimal(&mut out, f.start());
            out.push(b'-');
            decimal(&mut out, f.end());
        }
        out.push(0xff);
    }
    for r in &a.relations {
        use std::io::Write;
        // Writing to a Vec cannot fail.
        let _ = write!(out, "{} {} {} {}", r.id, r.kind, r.head, r.tail);
        out.push(0xff);
    }
    for c in &a.clusters {
        out.extend_from_slice(c.join(" ").as_bytes());
        out.push(0xff);
    }
    out
}

/// Appends `n` in decimal (what `format!("{n}")` writes, without the formatting machinery).
fn decimal(out: &mut Vec<u8>, n: usize) {
    out.extend_from_slice(itoa::Buffer::new().format(n).as_bytes());
}

/// The position of `id` in sorted `ids`.
fn find(ids: &[String], id: &str) -> Option<usize> {
    ids.binary_search_by(|x| x.as_str().cmp(id)).ok()
}

fn into_problems(e: goldspan_model::Error) -> Vec<Problem> {
    match e {
        goldspan_model::Error::Invalid(p) => p,
        other => vec![Problem::new(Location::file("(gold)"), ProblemKind::Syntax { message: other.to_string() })],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tiny() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/tiny")
    }

    /// The tiny corpus as one gold file, without a manifest.
    fn tiny_file(dir: &tempfile::TempDir) -> PathBuf {
        let corpus = Corpus::open(tiny()).expect("tiny corpus");
        let docs: Vec<AnnotatedDocument> = corpus.ids().iter().map(|id| corpus.read(id).expect("reads")).collect();
        let path = dir.path().join("tiny.jsonl");
        jsonl::write_documents(&path, &docs, true).expect("write");
        path
    }

    /// The corpus hash as it was first written (every part gathered as a string), kept here
    /// as the oracle: recorded runs and snapshots hold its values.
    fn corpus_hash_as_first_written(docs: &[AnnotatedDocument]) -> String {
        let mut hash_parts = Vec::new();
        for doc in docs {
            let mut key = vec![doc.document.id(), doc.document.text()];
            for (k, v) in doc.document.meta() {
                key.push(k);
                key.push(v);
            }
            hash_parts.push(stable_hash(&key));
            let a = &doc.annotations;
            for s in &a.spans {
                let fragments: Vec<String> =
                    s.fragments().iter().map(|f| format!("{}-{}", f.start(), f.end())).collect();
                hash_parts.push(format!("{} {} {} {}", s.id(), s.layer(), s.label(), fragments.join(",")));
            }
            for r in &a.relations {
                hash_parts.push(format!("{} {} {} {}", r.id, r.kind, r.head, r.tail));
            }
            for c in &a.clusters {
                hash_parts.push(c.join(" "));
            }
        }
        stable_hash(&hash_parts.iter().map(String::as_str).collect::<Vec<_>>())
    }

    #[test]
    fn corpus_hash_keeps_the_values_runs_recorded() {
        let corpus = Corpus::open(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../corpus/news")).expect("news");
        let docs: Vec<AnnotatedDocument> = corpus.ids().iter().map(|id| corpus.read(id).expect("reads")).collect();
        assert!(docs.iter().any(|d| !d.annotations.relations.is_empty()), "relations are covered");
        assert_eq!(corpus_hash(&docs), corpus_hash_as_first_written(&docs));
        let tiny = Corpus::open(tiny()).expect("tiny");
        let docs: Vec<AnnotatedDocument> = tiny.ids().iter().map(|id| tiny.read(id).expect("reads")).collect();
        assert_eq!(corpus_hash(&docs), corpus_hash_as_first_written(&docs));
    }

    #[test]
    fn select_narrows_to_the_ids_wanted_then_the_first_n_in_corpus_order() {
        let dir = tempfile::tempdir().expect("temp dir");
        for path in [tiny(), tiny_file(&dir)] {
            let open = || Gold::open(&path, None, None).expect("gold");
            let mut gold = open();
            gold.select(Some(&["c".to_owned(), "a".to_owned()]), None).expect("known ids");
            assert_eq!(gold.ids().to_vec(), ["a", "c"]);
            assert_eq!(gold.load_at(1).map(|d| d.document.id().to_owned()).ok().as_deref(), Some("c"));
            // A document left out is still a gold document: outside the scope, not unknown.
            assert!(gold.position("b").is_none() && gold.knows("b"));
            let mut gold = open();
            gold.select(Some(&["c".to_owned(), "a".to_owned()]), Some(1)).expect("known ids");
            assert_eq!(gold.ids().to_vec(), ["a"]);
            let mut gold = open();
            gold.select(None, Some(2)).expect("no ids");
            assert_eq!(gold.ids().to_vec(), ["a", "b"]);
            let e = open().select(Some(&["a".to_owned(), "d".to_owned()]), None).expect_err("d is unknown");
            assert_eq!((e.given.as_str(), e.valid.as_slice()), ("d", &["a", "b", "c"].map(String::from)[..]));
        }
        // Within a split, the other split's documents are not in scope.
        let mut gold = Gold::open(&tiny(), Some("test"), None).expect("gold");
        let e = gold.select(Some(&["a".to_owned()]), None).expect_err("a is in dev");
        assert_eq!(e.valid, ["b", "c"]);
    }

    #[test]
    fn the_names_of_a_gold_file_without_a_manifest_are_those_its_documents_use() {
        let dir = tempfile::tempdir().expect("temp dir");
        let gold = Gold::open(&tiny_file(&dir), None, None).expect("gold");
        let layers = gold.layers();
        assert_eq!(layers.keys().collect::<Vec<_>>(), ["entities", "quotes", "structure"]);
        // Used in the tiny documents, not the manifest's 18 entity labels.
        let entities: Vec<&String> = layers["entities"].iter().collect();
        assert_eq!(entities, ["CARDINAL", "DATE", "GPE", "MONEY", "ORDINAL", "ORG", "PERCENT", "PERSON"]);
        assert_eq!(gold.fields().into_iter().collect::<Vec<_>>(), ["domain", "title"]);
        // With the corpus's manifest, its layers and labels.
        let corpus = Gold::open(&tiny(), None, None).expect("gold");
        assert_eq!(corpus.layers()["entities"].len(), 18);
        // What `has_names` finds, reading only as far as it must, agrees with those lists.
        for gold in [&gold, &corpus] {
            assert!(gold.has_names(&["entities", "quotes"], &["PERSON", "ORG"], &["domain", "title"]));
            assert!(gold.has_names(&[], &[], &[]));
            assert!(!gold.has_names(&["entity"], &[], &[]), "a misspelt layer");
            assert!(!gold.has_names(&["entities"], &["PERS"], &[]), "a label no layer has");
            assert!(!gold.has_names(&[], &[], &["domain", "author"]), "a field no document has");
        }
        // A label the manifest lists that no tiny document uses: the manifest answers for it.
        assert!(corpus.has_names(&[], &["WORK_OF_ART"], &[]));
        assert!(!gold.has_names(&[], &["WORK_OF_ART"], &[]));
    }

    /// Records of a gold file, in line order: (line, id) of each, and the lines that are
    /// not records.
    const RECORDS: &str = concat!(
        "{\"id\": \"b\", \"text\": \"one\"}\n",
        "{\"id\": \"a\", \"text\": \"two\"}\n",
        "\n",
        "{\"text\": \"three\", \"id\": \"b\"}\n",
        "not JSON\n",
        "{\"id\": \"a\", \"text\": \"four\"}\n",
        "{\"id\": \"c\", \"text\": \"five\"}\n",
        "{\"id\": \"b\", \"text\": \"six\"}\n",
    );

    /// What opening a gold file of `content` (named `name`) in `dir` gives, read by four
    /// threads (so in four pieces): its ids and each one's text, or its problems as
    /// `line: message`.
    fn open_in_pieces(dir: &Path, name: &str, content: &[u8]) -> Result<Vec<(String, String)>, Vec<String>> {
        let path = dir.join(name);
        std::fs::write(&path, content).expect("write");
        let pool = rayon::ThreadPoolBuilder::new().num_threads(4).build().expect("threads");
        let gold = pool.install(|| Gold::open(&path, None, None));
        match gold {
            Ok(gold) => Ok((0..gold.ids().len())
                .map(|i| (gold.ids()[i].to_owned(), gold.load_at(i).expect("reads").document.text().to_owned()))
                .collect()),
            Err(Error::Input(goldspan_model::Error::Invalid(problems))) => {
                Err(problems.iter().map(|p| format!("{}: {}", p.location.line.unwrap_or_default(), p.kind)).collect())
            }
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn a_gold_file_read_in_pieces_reports_repeated_ids_and_bad_lines_at_their_lines() {
        let dir = tempfile::tempdir().expect("temp dir");
        let problems =
            open_in_pieces(dir.path(), "g.jsonl", RECORDS.as_bytes()).expect_err("three repeats, a bad line");
        assert_eq!(problems.len(), 4, "{problems:?}");
        assert_eq!(problems[0], "4: duplicate id b (first used on line 1)");
        assert!(problems[1].starts_with("5: invalid record"), "{problems:?}");
        assert_eq!(problems[2], "6: duplicate id a (first used on line 2)");
        // A third copy names the first's line too, not the second's.
        assert_eq!(problems[3], "8: duplicate id b (first used on line 1)");
        // Without them, the records are found by id, in id order, each at its place.
        let good: String = RECORDS
            .lines()
            .filter(|l| l.contains("one") || l.contains("two") || l.contains("five"))
            .map(|l| format!("{l}\n"))
            .collect();
        let found = open_in_pieces(dir.path(), "g.jsonl", good.as_bytes()).expect("opens");
        let expected = [("a", "two"), ("b", "one"), ("c", "five")].map(|(i, t)| (i.to_owned(), t.to_owned()));
        assert_eq!(found, expected);
        // Compressed, the file is indexed as it is decompressed, in one piece: the same.
        let zstd = |text: &str| zstd::stream::encode_all(text.as_bytes(), 3).expect("compresses");
        let packed = open_in_pieces(dir.path(), "g.jsonl.zst", &zstd(RECORDS)).expect_err("the same problems");
        assert_eq!(packed, problems);
        assert_eq!(open_in_pieces(dir.path(), "g.jsonl.zst", &zstd(&good)).expect("opens"), expected);
    }

    #[test]
    fn a_truncated_zst_gold_file_is_an_error_naming_the_line_it_stopped_at() {
        let dir = tempfile::tempdir().expect("temp dir");
        // 20,000 lines of about 33 bytes, compressed in blocks of 128 KiB: lines of the first
        // blocks are indexed before the end is found missing.
        let text: String = (0..20_000).map(|i| format!("{{\"id\": \"d{i:05}\", \"text\": \"{i}\"}}\n")).collect();
        let packed = zstd::stream::encode_all(text.as_bytes(), 3).expect("compresses");
        let path = dir.path().join("cut.jsonl.zst");
        std::fs::write(&path, &packed[..packed.len() - 20]).expect("write");
        let e = Gold::open(&path, None, None).expect_err("truncated");
        let Error::Input(goldspan_model::Error::Invalid(problems)) = &e else { panic!("{e}") };
        assert_eq!(problems.len(), 1, "{problems:?}");
        let line = problems[0].location.line.unwrap_or_default();
        assert!(line > 1000 && line <= 20_001, "{e}");
        assert!(e.to_string().contains("cut.jsonl.zst") && e.to_string().contains("incomplete frame"), "{e}");
    }

    #[test]
    fn selecting_twice_keeps_every_gold_document_known() {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut gold = Gold::open(&tiny_file(&dir), None, None).expect("gold");
        gold.select(Some(&["a".to_owned(), "c".to_owned()]), None).expect("known ids");
        gold.select(Some(&["c".to_owned()]), None).expect("known ids");
        assert_eq!(gold.ids().to_vec(), ["c"]);
        for id in ["a", "b", "c"] {
            assert!(gold.knows(id), "{id}");
        }
        assert!(!gold.knows("d") && gold.position("a").is_none());
        let Gold::File { outside, .. } = &gold else { panic!("a gold file") };
        assert_eq!(outside.to_vec(), ["a", "b"]);
    }

    #[test]
    fn a_gold_file_without_documents_is_refused_naming_it() {
        let dir = tempfile::tempdir().expect("temp dir");
        for (name, content) in [("empty.jsonl", ""), ("blank.jsonl", "\n\n")] {
            let path = dir.path().join(name);
            std::fs::write(&path, content).expect("write");
            let e = Gold::open(&path, None, None).err().map(|e| e.to_string()).unwrap_or_default();
            assert!(e.contains(name) && e.contains("holds no documents"), "{name}: {e}");
        }
    }

    #[test]
    fn the_corpus_hash_of_the_same_documents_is_the_same_from_a_directory_or_a_file() {
        let dir = tempfile::tempdir().expect("temp dir");
        let from_file = Gold::open(&tiny_file(&dir), None, None).expect("gold").corpus_hash().expect("hash");
        let from_dir = Gold::open(&tiny(), None, None).expect("gold").corpus_hash().expect("hash");
        assert_eq!(from_file, from_dir);
        let mut narrowed = Gold::open(&tiny(), None, None).expect("gold");
        narrowed.select(None, Some(2)).expect("select");
        assert_ne!(narrowed.corpus_hash().expect("hash"), from_dir);
    }
}
