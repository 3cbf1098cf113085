//! A gold JSON Lines file whose ids ascend from line to line — as goldspan writes gold files
//! (`synth`, `convert`, a corpus's export) — read by a run from start to end, without an
//! index. Its documents come in the order an index would give them, so the run reads, hashes
//! and scores exactly what it would through [`Gold`](crate::Gold); but memory holds no id or
//! place per document, and a `.zst` file is decompressed as it is read rather than into a
//! temporary file read back at offsets.
//!
//! The file is read once first, to check that it can be read so: every line's id read from its
//! start ([`jsonl::leading_id_str`]) and above the one before. Anything else — an id out of
//! order or repeated, a line whose id cannot be read so, a file without records, a file that
//! cannot be read, or read twice (a pipe) — leaves the file to [`Gold::open`](crate::Gold::open),
//! which indexes it and reports every problem as it always has. A file changed between the two
//! readings is an error.

use std::path::{Path, PathBuf};

use goldspan_extract::StableHasher;
use goldspan_formats::jsonl;
use goldspan_model::{AnnotatedDocument, Location, Problem, ProblemKind};
use rayon::prelude::*;

use crate::error::Error;
use crate::gold::{hash_documents, FoundNames, NameSearch};
use crate::shard::Shard;

/// The names a run uses that the gold must have: layers, label-map targets, slice fields.
pub(crate) type Names<'n> = (&'n [&'n str], &'n [&'n str], &'n [&'n str]);

/// A gold file checked to be in id order, with how many documents it holds.
#[derive(Debug)]
pub(crate) struct SortedGold {
    path: PathBuf,
    /// The file as it was when checked.
    stamp: jsonl::FileStamp,
    /// Documents in the file.
    count: usize,
    /// Documents in the shard (all of them without one).
    in_shard: usize,
    shard: Option<Shard>,
}

impl SortedGold {
    /// Reads the file at `path` to check it is in id order, count its documents (and those of
    /// `shard`) and find the `names` the run uses; `None` when it is not, cannot be read so
    /// (see the module's documentation), or lacks a name (the index's check then says which).
    pub(crate) fn open(path: &Path, shard: Option<Shard>, names: Names<'_>) -> Option<SortedGold> {
        let (layers, labels, fields) = names;
        let mut search = NameSearch::new(layers, labels, fields, None)?;
        let stamp = jsonl::FileStamp::of(path)?;
        let mut reader = jsonl::Reader::open(path).ok()?;
        let mut in_shard = 0;
        let count = jsonl::ids_in_order(&mut reader, |id, line| {
            in_shard += usize::from(shard.is_none_or(|s| s.contains(id)));
            // The names, looked for as `Gold::has_names` looks in a gold file without a
            // manifest, until all are found (almost always in the first records).
            if search.done() {
                return;
            }
            if let Some(names) = jsonl::names(line) {
                let mut found = FoundNames::default();
                search.look_in(&names, &mut found);
                search.strike(found);
            }
        })?;
        (count > 0 && search.done()).then(|| SortedGold { path: path.to_owned(), stamp, count, in_shard, shard })
    }

    /// The gold's name: the file's stem.
    pub(crate) fn name(&self) -> String {
        crate::Gold::file_name(&self.path)
    }

    /// Documents in the file.
    pub(crate) fn documents(&self) -> usize {
        self.count
    }

    /// A reader of the documents from the first; an error when the file has changed since it
    /// was checked.
    pub(crate) fn reader(&self) -> Result<SortedReader<'_>, Error> {
        let lines = jsonl::BlockLines::open(&self.path)?;
        let location = Location::file(&self.path);
        if jsonl::FileStamp::of(&self.path) != Some(self.stamp) {
            return Err(changed(&location, 1));
        }
        Ok(SortedReader {
            lines,
            location,
            gold: self,
            read: 0,
            last: String::new(),
            line: 0,
            hasher: StableHasher::new(),
        })
    }
}

/// Reads a [`SortedGold`]'s documents a block at a time, as
/// [`ScopeReader`](crate::gold::ScopeReader) reads an indexed gold's: in id order, each block
/// parsed in parallel, every document fed to the corpus hash, the shard's kept. The file is
/// read (and decompressed) ahead on a thread of its own.
pub(crate) struct SortedReader<'g> {
    lines: jsonl::BlockLines,
    location: Location,
    gold: &'g SortedGold,
    /// Documents read so far.
    read: usize,
    /// The id and line of the last, to check the file is still in order.
    last: String,
    line: usize,
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
            // The lines of the current block of the file, as many as are wanted.
            let (block, first) = match self.lines.current() {
                Some(Ok(current)) => current,
                Some(Err(problems)) => return Err(Error::problems(problems)),
                None => return Err(changed(&self.location, self.line + 1)),
            };
            let want = (size - docs.len()).min(self.gold.count - self.read).min(block.lines.len() - first);
            let lines = first..first + want;
            for i in lines.clone() {
                match jsonl::leading_id_str(block.line(i)) {
                    Some(id) if self.read == 0 || id > self.last.as_str() => {
                        self.last.clear();
                        self.last.push_str(id);
                        self.line = block.lines[i].0;
                        self.read += 1;
                    }
                    _ => return Err(changed(&self.location, block.lines[i].0)),
                }
            }
            let location = &self.location;
            let loaded: Vec<Result<AnnotatedDocument, Vec<Problem>>> = lines
                .into_par_iter()
                .map(|i| {
                    let record = jsonl::parse_line(block.line(i), block.lines[i].0, location).map_err(|p| vec![p])?;
                    record.resolve(None, location)
                })
                .collect();
            self.lines.advance(want);
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
                       one before; it is not the file it was): run again on a file that stays as it is"
        .to_owned();
    Error::problems(vec![Problem::new(location.at_line(line), ProblemKind::Syntax { message })])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_gold_file_changed_after_it_was_checked_is_an_error_when_read() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("gold.jsonl");
        let record = |id: &str| format!("{{\"id\": \"{id}\", \"text\": \"Ann\"}}\n");
        std::fs::write(&path, record("a") + &record("b")).expect("write");
        let none: Names = (&[], &[], &[]);
        let gold = SortedGold::open(&path, None, none).expect("in order");
        assert_eq!(gold.documents(), 2);
        std::fs::write(&path, record("a") + &record("b") + &record("c")).expect("rewrite");
        let err = gold.reader().err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err.contains("the file changed while the run read it"), "{err}");
        // Out of order, or not a regular file: left to the index.
        std::fs::write(&path, record("b") + &record("a")).expect("rewrite");
        assert!(SortedGold::open(&path, None, none).is_none());
        assert!(SortedGold::open(Path::new("/dev/null"), None, none).is_none());
    }
}
