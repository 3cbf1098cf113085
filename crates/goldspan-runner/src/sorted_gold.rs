//! A gold JSON Lines file whose ids ascend from line to line — as goldspan writes gold files
//! (`synth`, `convert`, a corpus's export) — read by a run from start to end, without an
//! index. Its documents come in the order an index would give them, so the run reads, hashes
//! and scores exactly what it would through [`Gold`](crate::Gold); but memory holds no id or
//! place per document, a `.zst` file is decompressed as it is read rather than into a
//! temporary file read back at offsets, and a million documents cost what a thousand do.
//!
//! The file is read once first, to check that it can be read so: every line's id read from its
//! start ([`jsonl::leading_id_str`]) and above the one before. Anything else — an id out of
//! order or repeated, a line whose id cannot be read so, a file without records, a file that
//! cannot be read — leaves the file to [`Gold::open`](crate::Gold::open), which indexes it and
//! reports every problem as it always has.

use std::path::{Path, PathBuf};

use goldspan_extract::StableHasher;
use goldspan_formats::jsonl;
use goldspan_model::{AnnotatedDocument, Location, Problem, ProblemKind};
use rayon::prelude::*;

use crate::error::Error;
use crate::gold::{hash_documents, FoundNames, NameSearch};
use crate::shard::Shard;

/// Lines read ahead, and parsed (in parallel), at once: so many, or as many as make
/// [`BYTES_AT_ONCE`], so that what is read ahead is a small part of what a run holds.
const LINES_AT_ONCE: usize = 256;
const BYTES_AT_ONCE: usize = 256 << 10;

/// A gold file checked to be in id order, with how many documents it holds.
#[derive(Debug)]
pub(crate) struct SortedGold {
    path: PathBuf,
    /// Documents in the file.
    count: usize,
    /// Documents in the shard (all of them without one).
    in_shard: usize,
    shard: Option<Shard>,
}

impl SortedGold {
    /// Reads the file at `path` to check it is in id order and count its documents (and those
    /// of `shard`); `None` when it is not, or cannot be read so (see the module's
    /// documentation).
    pub(crate) fn open(path: &Path, shard: Option<Shard>) -> Option<SortedGold> {
        let mut reader = jsonl::Reader::open(path).ok()?;
        let mut in_shard = 0;
        let count =
            jsonl::ids_in_order(&mut reader, |id| in_shard += usize::from(shard.is_none_or(|s| s.contains(id))))?;
        (count > 0).then(|| SortedGold { path: path.to_owned(), count, in_shard, shard })
    }

    /// Whether the records use every one of these names, as [`Gold::has_names`] finds them in
    /// a gold file without a manifest; read from the start only as far as it takes to find
    /// them all.
    ///
    /// [`Gold::has_names`]: crate::Gold::has_names
    pub(crate) fn has_names(&self, layers: &[&str], labels: &[&str], fields: &[&str]) -> bool {
        let Some(mut search) = NameSearch::new(layers, labels, fields, None) else { return false };
        if search.done() {
            return true;
        }
        let Ok(mut reader) = jsonl::Reader::open(&self.path) else { return false };
        while let Some(Ok(line)) = reader.next_line_ref() {
            if let Some(names) = jsonl::names(line.bytes) {
                let mut found = FoundNames::default();
                search.look_in(&names, &mut found);
                search.strike(found);
                if search.done() {
                    return true;
                }
            }
        }
        false
    }

    /// The gold's name: the file's stem.
    pub(crate) fn name(&self) -> String {
        crate::Gold::file_name(&self.path)
    }

    /// Documents in the file.
    pub(crate) fn documents(&self) -> usize {
        self.count
    }

    /// A reader of the documents from the first.
    pub(crate) fn reader(&self) -> Result<SortedReader<'_>, Error> {
        Ok(SortedReader {
            blocks: jsonl::Blocks::open(&self.path, LINES_AT_ONCE, BYTES_AT_ONCE)?,
            block: jsonl::Block::default(),
            next: 0,
            location: Location::file(&self.path),
            gold: self,
            read: 0,
            last: String::new(),
            hasher: StableHasher::new(),
        })
    }
}

/// Reads a [`SortedGold`]'s documents a block at a time, as
/// [`ScopeReader`](crate::gold::ScopeReader) reads an indexed gold's: in id order, each block
/// parsed in parallel, every document fed to the corpus hash, the shard's kept. The file is
/// read (and decompressed) ahead on a thread of its own.
pub(crate) struct SortedReader<'g> {
    blocks: jsonl::Blocks,
    /// The block of lines being read, and the next of its lines.
    block: jsonl::Block,
    next: usize,
    location: Location,
    gold: &'g SortedGold,
    /// Documents read so far.
    read: usize,
    /// The id of the last, to check the file is still in order.
    last: String,
    hasher: StableHasher,
}

impl SortedReader<'_> {
    /// How many documents the reader returns in all: the shard's, or every one.
    pub(crate) fn documents(&self) -> usize {
        self.gold.in_shard
    }

    /// Whether every document has been read (and hashed).
    pub(crate) fn done(&self) -> bool {
        self.read >= self.gold.count
    }

    /// The next `size` documents to return, or what is left (none once every document has
    /// been read). The first document that does not read is the error.
    pub(crate) fn next_block(&mut self, size: usize) -> Result<Vec<AnnotatedDocument>, Error> {
        let mut docs = Vec::new();
        while docs.len() < size && !self.done() {
            if self.next == self.block.lines.len() {
                // The problems reading a block come after its lines.
                if !self.block.problems.is_empty() {
                    return Err(Error::problems(std::mem::take(&mut self.block.problems)));
                }
                let last_line = self.block.lines.last().map_or(0, |(number, _)| *number);
                match self.blocks.next_block() {
                    Some(block) => (self.block, self.next) = (block, 0),
                    None => return Err(changed(&self.location, last_line + 1)),
                }
                continue;
            }
            let want = (size - docs.len()).min(self.gold.count - self.read).min(self.block.lines.len() - self.next);
            let lines = self.next..self.next + want;
            for i in lines.clone() {
                match jsonl::leading_id_str(self.block.line(i)) {
                    Some(id) if self.read == 0 || id > self.last.as_str() => {
                        self.last.clear();
                        self.last.push_str(id);
                        self.read += 1;
                    }
                    _ => return Err(changed(&self.location, self.block.lines[i].0)),
                }
            }
            self.next += want;
            let (block, location) = (&self.block, &self.location);
            let loaded: Vec<Result<AnnotatedDocument, Vec<Problem>>> = lines
                .into_par_iter()
                .map(|i| {
                    let record = jsonl::parse_line(block.line(i), block.lines[i].0, location).map_err(|p| vec![p])?;
                    record.resolve(None, location)
                })
                .collect();
            let loaded = loaded.into_iter().collect::<Result<Vec<_>, _>>().map_err(Error::problems)?;
            hash_documents(&mut self.hasher, loaded.iter());
            let shard = self.gold.shard;
            docs.extend(loaded.into_iter().filter(|d| shard.is_none_or(|s| s.contains(d.document.id()))));
        }
        Ok(docs)
    }

    /// The corpus hash of the documents read: the whole file's, once [`SortedReader::done`].
    pub(crate) fn corpus_hash(&self) -> String {
        self.hasher.finish()
    }
}

/// The error for a file no longer in order, or shorter, at `line` of `location`.
fn changed(location: &Location, line: usize) -> Error {
    let message = "the file changed while the run read it (its ids were in order, each line's id above the \
                       one before; now they are not, or lines are missing): run again on a file that stays as it is"
        .to_owned();
    Error::problems(vec![Problem::new(location.at_line(line), ProblemKind::Syntax { message })])
}
