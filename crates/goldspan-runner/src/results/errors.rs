//! The classified errors of an evaluation (`--errors`), kept in bounded memory.
//!
//! Scoring gathers errors one document at a time, each document's as one encoded block. Past a
//! budget (32 MiB), the blocks held are sorted by document id and written to an unnamed
//! temporary file as one sorted run; at the end the runs are merged while they are read. The
//! listing therefore comes out sorted by document, then by layer and position (the order
//! `classify` gives each document), whatever the thread count or the order of the
//! predictions, with memory bounded by the budget plus one read buffer per run. Printers read
//! the errors through [`ErrorList`], which serialises as a JSON array one error at a time and
//! counts the errors per (layer, label, class) without reading them again.

use std::collections::{BTreeMap, BinaryHeap};
use std::fmt;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::ops::Range;
use std::sync::{Arc, Mutex};

use goldspan_score::errors::{ErrorItem, Side};
use schemars::JsonSchema;
use serde::ser::{Error as _, SerializeSeq};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Encoded errors held in memory before they are written to the temporary file.
pub(crate) const BUDGET: usize = 32 << 20;

/// Bytes read from the temporary file at a time, per run.
const READ_CHUNK: usize = 64 << 10;

/// One classified error.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ErrorRecord {
    /// Up to 40 characters either side, the disagreement (for `speaker` and `cue`, the
    /// quotation) in ⟦ ⟧, line breaks as ⏎.
    pub context: String,
    /// Document id.
    pub document: String,
    /// The gold span, or null for a spurious prediction; for `speaker` and `cue`, the gold
    /// quotation's speaker or cue, or null when it has none.
    pub gold: Option<ErrorSide>,
    /// `boundary`, `label`, `boundary+label`, `missed`, `spurious`, `speaker` or `cue`.
    pub kind: String,
    /// Layer.
    pub layer: String,
    /// The predicted span, or null for a missed one; for `speaker` and `cue`, the predicted
    /// quotation's speaker or cue, or null when it has none.
    pub predicted: Option<ErrorSide>,
    /// For `speaker` and `cue` errors only: the gold quotation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quotation: Option<ErrorSide>,
}

impl ErrorRecord {
    /// The label the error counts under: the quotation's for `speaker` and `cue` errors, else
    /// the gold span's, else the prediction's.
    pub fn label(&self) -> &str {
        let side = self.quotation.as_ref().or(self.gold.as_ref()).or(self.predicted.as_ref());
        side.map_or("", |s| s.label.as_str())
    }
}

/// One side of an error.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ErrorSide {
    /// End, code points, exclusive.
    pub end: usize,
    /// Label.
    pub label: String,
    /// Start, code points.
    pub start: usize,
    /// Covered text.
    pub text: String,
}

/// Which errors a listing shows (`--error-class`, `--error-label`, `--error-limit`): those of
/// any of `classes` (all when empty) and any of `labels` (all when empty), at most `limit`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ErrorFilter {
    /// Error classes (`missed`, `speaker`, ...).
    pub classes: Vec<String>,
    /// Labels, as [`ErrorRecord::label`] gives them.
    pub labels: Vec<String>,
    /// The most errors listed.
    pub limit: Option<usize>,
}

impl ErrorFilter {
    /// Whether `e` passes the class and label filters (the limit aside).
    pub fn keeps(&self, e: &ErrorRecord) -> bool {
        (self.classes.is_empty() || self.classes.contains(&e.kind))
            && (self.labels.is_empty() || self.labels.iter().any(|l| l == e.label()))
    }

    /// Whether the filter lets every error through.
    pub fn is_empty(&self) -> bool {
        self.classes.is_empty() && self.labels.is_empty() && self.limit.is_none()
    }
}

/// Errors per (layer, label, class).
pub type ErrorCounts = BTreeMap<(String, String, String), u64>;

/// One document's errors, encoded.
#[derive(Debug, Clone)]
struct Block {
    document: String,
    items: u64,
    bytes: Vec<u8>,
}

/// Errors gathered while scoring: blocks in memory, and the sorted runs already written to
/// temporary files (one file per log that spilled; logs appended bring theirs).
#[derive(Debug, Default)]
pub(crate) struct ErrorLog {
    blocks: Vec<Block>,
    held: usize,
    spills: Vec<Spill>,
    counts: ErrorCounts,
    total: u64,
}

/// The temporary file and its sorted runs.
#[derive(Debug)]
struct Spill {
    file: File,
    runs: Vec<Range<u64>>,
    len: u64,
}

impl Spill {
    fn new() -> io::Result<Spill> {
        Ok(Spill { file: tempfile::tempfile()?, runs: Vec::new(), len: 0 })
    }

    /// Writes `blocks`, sorted by document, as one run.
    fn write_run(&mut self, mut blocks: Vec<Block>) -> io::Result<()> {
        blocks.sort_by(|a, b| a.document.cmp(&b.document));
        let start = self.len;
        let mut out = io::BufWriter::with_capacity(READ_CHUNK, &self.file);
        for b in &blocks {
            // The document and the encoded errors, each after its length; the count between.
            write_bytes(&mut out, b.document.as_bytes())?;
            out.write_all(&b.items.to_le_bytes())?;
            write_bytes(&mut out, &b.bytes)?;
            self.len += 8 + b.document.len() as u64 + 8 + 8 + b.bytes.len() as u64;
        }
        out.flush()?;
        self.runs.push(start..self.len);
        Ok(())
    }
}

fn write_bytes(out: &mut impl Write, bytes: &[u8]) -> io::Result<()> {
    out.write_all(&(bytes.len() as u64).to_le_bytes())?;
    out.write_all(bytes)
}

impl ErrorLog {
    /// Adds one document's errors, in the order `classify` gave them.
    pub(crate) fn push(&mut self, document: &str, items: &[ErrorItem]) {
        if items.is_empty() {
            return;
        }
        let mut bytes = Vec::new();
        for e in items {
            encode(&mut bytes, e);
            let key = (e.layer.clone(), e.label().to_owned(), e.kind.name().to_owned());
            *self.counts.entry(key).or_default() += 1;
        }
        bytes.shrink_to_fit();
        self.total += items.len() as u64;
        self.held += bytes.len() + document.len();
        self.blocks.push(Block { document: document.to_owned(), items: items.len() as u64, bytes });
    }

    /// Adds the errors another log gathered (another thread's or batch's).
    pub(crate) fn append(&mut self, mut other: ErrorLog) {
        for (k, n) in std::mem::take(&mut other.counts) {
            *self.counts.entry(k).or_default() += n;
        }
        self.total += other.total;
        self.held += other.held;
        self.blocks.append(&mut other.blocks);
        self.spills.append(&mut other.spills);
    }

    /// Writes the blocks held to the temporary file once they pass `budget` bytes ([`BUDGET`]
    /// but in tests).
    pub(crate) fn spill_if_full(&mut self, budget: usize) -> io::Result<()> {
        if self.held < budget {
            return Ok(());
        }
        self.spill_now()
    }

    fn spill_now(&mut self) -> io::Result<()> {
        if self.spills.is_empty() {
            self.spills.push(Spill::new()?);
        }
        let n = self.spills.len();
        let spill = &mut self.spills[n - 1];
        (&spill.file).seek(SeekFrom::Start(spill.len))?;
        spill.write_run(std::mem::take(&mut self.blocks))?;
        self.held = 0;
        Ok(())
    }

    /// The errors in their final order.
    pub(crate) fn finish(mut self) -> io::Result<ErrorList> {
        let source = if self.spills.is_empty() {
            self.blocks.sort_by(|a, b| a.document.cmp(&b.document));
            Source::Blocks(std::mem::take(&mut self.blocks))
        } else {
            if !self.blocks.is_empty() {
                self.spill_now()?;
            }
            let mut files = Vec::new();
            let mut runs = Vec::new();
            for (i, spill) in std::mem::take(&mut self.spills).into_iter().enumerate() {
                runs.extend(spill.runs.into_iter().map(|r| (i, r)));
                files.push(Mutex::new(spill.file));
            }
            Source::Runs { files, runs }
        };
        Ok(ErrorList {
            source: Arc::new(source),
            counts: Arc::new(self.counts),
            total: self.total,
            filter: ErrorFilter::default(),
        })
    }

    /// Writes every block to the temporary file, however few: for tests of the merge.
    #[cfg(test)]
    fn spill_for_test(&mut self) -> io::Result<()> {
        self.spill_if_full(0)
    }
}

/// Where a finished list's errors are.
#[derive(Debug)]
enum Source {
    /// Read back from JSON.
    Records(Vec<ErrorRecord>),
    /// Blocks in memory, sorted by document.
    Blocks(Vec<Block>),
    /// Sorted runs in temporary files (a file's place in `files`, the run's bytes), merged
    /// while read.
    Runs { files: Vec<Mutex<File>>, runs: Vec<(usize, Range<u64>)> },
}

/// The errors of an evaluation, sorted by document, then layer and position, with a filter
/// for listing them. Cheap to clone (the errors are shared); read with [`ErrorList::iter`].
#[derive(Clone)]
pub struct ErrorList {
    source: Arc<Source>,
    counts: Arc<ErrorCounts>,
    total: u64,
    filter: ErrorFilter,
}

impl Default for ErrorList {
    fn default() -> ErrorList {
        ErrorList::from_records(Vec::new())
    }
}

impl fmt::Debug for ErrorList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ErrorList").field("total", &self.total).field("filter", &self.filter).finish()
    }
}

impl ErrorList {
    /// A list of these errors, already in their order.
    pub fn from_records(records: Vec<ErrorRecord>) -> ErrorList {
        let mut counts = ErrorCounts::new();
        for e in &records {
            *counts.entry((e.layer.clone(), e.label().to_owned(), e.kind.clone())).or_default() += 1;
        }
        ErrorList {
            total: records.len() as u64,
            source: Arc::new(Source::Records(records)),
            counts: Arc::new(counts),
            filter: ErrorFilter::default(),
        }
    }

    /// The same errors, listed through `filter`.
    pub fn filtered(mut self, filter: ErrorFilter) -> ErrorList {
        self.filter = filter;
        self
    }

    /// The filter [`ErrorList::iter`] applies.
    pub fn filter(&self) -> &ErrorFilter {
        &self.filter
    }

    /// Every error, the filter aside.
    pub fn total(&self) -> u64 {
        self.total
    }

    /// Every error per (layer, label, class), the filter aside.
    pub fn counts(&self) -> &ErrorCounts {
        &self.counts
    }

    /// The errors the filter keeps, in order. An item is an error when the temporary file
    /// cannot be read back.
    pub fn iter(&self) -> impl Iterator<Item = io::Result<ErrorRecord>> + '_ {
        let filter = &self.filter;
        self.iter_all()
            .filter(move |e| e.as_ref().map_or(true, |e| filter.keeps(e)))
            .take(filter.limit.unwrap_or(usize::MAX))
    }

    /// Every error, in order, the filter aside.
    pub fn iter_all(&self) -> Errors<'_> {
        let state = match &*self.source {
            Source::Records(r) => State::Records(r.iter()),
            Source::Blocks(b) => State::Blocks(b.iter()),
            Source::Runs { files, runs } => {
                let mut readers: Vec<RunReader> =
                    runs.iter().map(|(file, r)| RunReader::new(&files[*file], r.clone())).collect();
                let mut heap = BinaryHeap::new();
                let mut heads = Vec::with_capacity(readers.len());
                let mut failed = None;
                for (i, r) in readers.iter_mut().enumerate() {
                    match r.next_block() {
                        Ok(Some(b)) => {
                            heap.push(std::cmp::Reverse((b.document.clone(), i)));
                            heads.push(Some(b));
                        }
                        Ok(None) => heads.push(None),
                        Err(e) => {
                            heads.push(None);
                            failed.get_or_insert(e);
                        }
                    }
                }
                State::Runs { readers, heads, heap, failed }
            }
        };
        Errors { state, current: None }
    }
}

/// Reads one run of a temporary file, a chunk at a time.
struct RunReader<'a> {
    file: &'a Mutex<File>,
    next: u64,
    end: u64,
    buf: Vec<u8>,
    at: usize,
}

impl<'a> RunReader<'a> {
    fn new(file: &'a Mutex<File>, run: Range<u64>) -> RunReader<'a> {
        RunReader { file, next: run.start, end: run.end, buf: Vec::new(), at: 0 }
    }

    /// The next `n` bytes of the run.
    fn take(&mut self, n: usize) -> io::Result<Vec<u8>> {
        while self.buf.len() - self.at < n {
            let left = (self.end - self.next) as usize;
            if left == 0 {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "the error listing's temporary file is cut short",
                ));
            }
            self.buf.drain(..self.at);
            self.at = 0;
            let want = left.min(READ_CHUNK.max(n - self.buf.len()));
            let have = self.buf.len();
            self.buf.resize(have + want, 0);
            let mut file =
                self.file.lock().map_err(|_| io::Error::other("the error listing's file lock is poisoned"))?;
            file.seek(SeekFrom::Start(self.next))?;
            file.read_exact(&mut self.buf[have..])?;
            self.next += want as u64;
        }
        let out = self.buf[self.at..self.at + n].to_vec();
        self.at += n;
        Ok(out)
    }

    fn u64(&mut self) -> io::Result<u64> {
        let b = self.take(8)?;
        Ok(u64::from_le_bytes(b.try_into().unwrap_or_default()))
    }

    fn next_block(&mut self) -> io::Result<Option<Block>> {
        if self.next == self.end && self.at == self.buf.len() {
            return Ok(None);
        }
        let n = self.u64()? as usize;
        let document = String::from_utf8(self.take(n)?).map_err(invalid)?;
        let items = self.u64()?;
        let n = self.u64()? as usize;
        let bytes = self.take(n)?;
        Ok(Some(Block { document, items, bytes }))
    }
}

enum State<'a> {
    Records(std::slice::Iter<'a, ErrorRecord>),
    Blocks(std::slice::Iter<'a, Block>),
    Runs {
        readers: Vec<RunReader<'a>>,
        heads: Vec<Option<Block>>,
        heap: BinaryHeap<std::cmp::Reverse<(String, usize)>>,
        failed: Option<io::Error>,
    },
}

/// The errors of an [`ErrorList`], in order.
pub struct Errors<'a> {
    state: State<'a>,
    /// The block being read: its document, bytes, where the next error starts, errors left.
    current: Option<(String, Vec<u8>, usize, u64)>,
}

impl fmt::Debug for Errors<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Errors")
    }
}

impl Errors<'_> {
    /// The next block, in document order.
    fn next_block(&mut self) -> io::Result<Option<Block>> {
        match &mut self.state {
            State::Records(_) => Ok(None),
            State::Blocks(blocks) => Ok(blocks.next().cloned()),
            State::Runs { readers, heads, heap, failed } => {
                if let Some(e) = failed.take() {
                    return Err(e);
                }
                let Some(std::cmp::Reverse((_, i))) = heap.pop() else { return Ok(None) };
                let block = heads[i].take();
                if let Some(next) = readers[i].next_block()? {
                    heap.push(std::cmp::Reverse((next.document.clone(), i)));
                    heads[i] = Some(next);
                }
                Ok(block)
            }
        }
    }
}

impl Iterator for Errors<'_> {
    type Item = io::Result<ErrorRecord>;

    fn next(&mut self) -> Option<io::Result<ErrorRecord>> {
        if let State::Records(records) = &mut self.state {
            return records.next().cloned().map(Ok);
        }
        loop {
            if let Some((document, bytes, at, left)) = &mut self.current {
                if *left > 0 {
                    *left -= 1;
                    let mut d = Decoder { bytes, at: *at };
                    let record = d.record(document);
                    *at = d.at;
                    if record.is_err() {
                        self.current = None;
                    }
                    return Some(record);
                }
            }
            match self.next_block() {
                Ok(Some(b)) => self.current = Some((b.document, b.bytes, 0, b.items)),
                Ok(None) => return None,
                Err(e) => {
                    self.state = State::Records([].iter());
                    return Some(Err(e));
                }
            }
        }
    }
}

fn invalid(e: impl std::error::Error + Send + Sync + 'static) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, e)
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    out.extend_from_slice(&(s.len() as u64).to_le_bytes());
    out.extend_from_slice(s.as_bytes());
}

fn put_side(out: &mut Vec<u8>, side: &Option<Side>) {
    match side {
        None => out.push(0),
        Some(s) => {
            out.push(1);
            put_str(out, &s.label);
            out.extend_from_slice(&(s.start as u64).to_le_bytes());
            out.extend_from_slice(&(s.end as u64).to_le_bytes());
            put_str(out, &s.text);
        }
    }
}

/// Appends one error (all but its document, which its block holds).
fn encode(out: &mut Vec<u8>, e: &ErrorItem) {
    put_str(out, e.kind.name());
    put_str(out, &e.layer);
    put_str(out, &e.context);
    put_side(out, &e.gold);
    put_side(out, &e.predicted);
    put_side(out, &e.quotation);
}

/// Reads what [`encode`] wrote.
struct Decoder<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Decoder<'_> {
    fn take(&mut self, n: usize) -> io::Result<&[u8]> {
        let end = self.at.checked_add(n).filter(|&e| e <= self.bytes.len()).ok_or_else(|| {
            io::Error::new(io::ErrorKind::InvalidData, "an error record in the error listing is cut short")
        })?;
        let out = &self.bytes[self.at..end];
        self.at = end;
        Ok(out)
    }

    fn u64(&mut self) -> io::Result<u64> {
        Ok(u64::from_le_bytes(self.take(8)?.try_into().unwrap_or_default()))
    }

    fn str(&mut self) -> io::Result<String> {
        let n = self.u64()? as usize;
        String::from_utf8(self.take(n)?.to_vec()).map_err(invalid)
    }

    fn side(&mut self) -> io::Result<Option<ErrorSide>> {
        match self.take(1)?[0] {
            0 => Ok(None),
            _ => {
                let label = self.str()?;
                let start = self.u64()? as usize;
                let end = self.u64()? as usize;
                Ok(Some(ErrorSide { end, label, start, text: self.str()? }))
            }
        }
    }

    fn record(&mut self, document: &str) -> io::Result<ErrorRecord> {
        let kind = self.str()?;
        let layer = self.str()?;
        let context = self.str()?;
        let gold = self.side()?;
        let predicted = self.side()?;
        let quotation = self.side()?;
        Ok(ErrorRecord { context, document: document.to_owned(), gold, kind, layer, predicted, quotation })
    }
}

impl Serialize for ErrorList {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(None)?;
        for e in self.iter() {
            seq.serialize_element(&e.map_err(S::Error::custom)?)?;
        }
        seq.end()
    }
}

impl<'de> Deserialize<'de> for ErrorList {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<ErrorList, D::Error> {
        Ok(ErrorList::from_records(Vec::deserialize(d)?))
    }
}

impl PartialEq for ErrorList {
    /// The same errors listed (a list that cannot be read back equals none).
    fn eq(&self, other: &ErrorList) -> bool {
        let (mut a, mut b) = (self.iter(), other.iter());
        loop {
            match (a.next(), b.next()) {
                (None, None) => return true,
                (Some(Ok(x)), Some(Ok(y))) if x == y => {}
                _ => return false,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use goldspan_score::errors::ErrorKind;

    fn item(document: &str, start: usize, kind: ErrorKind) -> ErrorItem {
        let side = Side { label: "PERSON".into(), start, end: start + 2, text: "Zoë\n".into() };
        ErrorItem {
            document: document.into(),
            layer: "entities".into(),
            kind,
            gold: Some(side.clone()),
            predicted: (kind != ErrorKind::Missed).then_some(side),
            quotation: None,
            context: format!("…⟦{start}⟧…"),
        }
    }

    fn documents(list: &ErrorList) -> Vec<(String, usize)> {
        list.iter().map(|e| e.expect("reads back")).map(|e| (e.document, e.gold.map_or(0, |g| g.start))).collect()
    }

    /// Documents pushed out of order, in three batches; `spill` writes each batch as a run.
    fn log(spill: bool) -> ErrorList {
        let mut log = ErrorLog::default();
        for batch in [["d", "b"], ["a", "e"], ["c", "f"]] {
            let mut partial = ErrorLog::default();
            for doc in batch {
                partial.push(doc, &[item(doc, 1, ErrorKind::Boundary), item(doc, 5, ErrorKind::Missed)]);
            }
            partial.push("empty", &[]);
            log.append(partial);
            if spill {
                log.spill_for_test().expect("spill");
            }
        }
        log.finish().expect("finish")
    }

    #[test]
    fn errors_come_out_by_document_whether_held_or_merged_from_runs() {
        let expected: Vec<(String, usize)> =
            ["a", "b", "c", "d", "e", "f"].iter().flat_map(|d| [(d.to_string(), 1), (d.to_string(), 5)]).collect();
        let (held, spilled) = (log(false), log(true));
        assert!(matches!(*held.source, Source::Blocks(_)));
        assert!(matches!(&*spilled.source, Source::Runs { runs, .. } if runs.len() == 3));
        // Logs that spilled on their own (other threads') bring their files along.
        let mut a = ErrorLog::default();
        a.push("z", &[item("z", 1, ErrorKind::Spurious)]);
        a.spill_for_test().expect("spill");
        let mut b = ErrorLog::default();
        b.push("y", &[item("y", 3, ErrorKind::Label)]);
        b.spill_for_test().expect("spill");
        b.push("x", &[item("x", 2, ErrorKind::Label)]);
        a.append(b);
        let merged = a.finish().expect("finish");
        assert_eq!(documents(&merged), [("x".to_owned(), 2), ("y".to_owned(), 3), ("z".to_owned(), 1)]);
        assert_eq!(documents(&held), expected);
        assert_eq!(documents(&spilled), expected);
        assert!(held == spilled);
        // Read twice, the same.
        assert_eq!(documents(&spilled), expected);
        // Every field survives the temporary file.
        let first = spilled.iter().next().and_then(Result::ok).expect("an error");
        assert_eq!(first.gold.as_ref().map(|g| g.text.as_str()), Some("Zoë\n"));
        assert_eq!((first.kind.as_str(), first.context.as_str()), ("boundary", "…⟦1⟧…"));
        assert_eq!(spilled.total(), 12);
        assert_eq!(spilled.counts().get(&("entities".into(), "PERSON".into(), "missed".into())), Some(&6));
    }

    #[test]
    fn a_filter_keeps_classes_and_labels_up_to_a_limit() {
        let list = log(true);
        let filter = ErrorFilter { classes: vec!["missed".into()], labels: vec![], limit: Some(4) };
        let kept = list.clone().filtered(filter);
        let docs: Vec<String> = kept.iter().map(|e| e.expect("reads").document).collect();
        assert_eq!(docs, ["a", "b", "c", "d"]);
        // Counts stay those of every error.
        assert_eq!(kept.total(), 12);
        let none = list.filtered(ErrorFilter { labels: vec!["ORG".into()], ..ErrorFilter::default() });
        assert_eq!(none.iter().count(), 0);
    }

    #[test]
    fn the_json_array_is_the_same_from_memory_runs_or_records() {
        let (held, spilled) = (log(false), log(true));
        let json = serde_json::to_string(&held).expect("serialises");
        assert_eq!(json, serde_json::to_string(&spilled).expect("serialises"));
        let back: ErrorList = serde_json::from_str(&json).expect("reads");
        assert!(back == held);
        assert_eq!(back.counts(), held.counts());
    }
}
