//! The contract every extractor meets, built-in or external: say who you are, and turn a
//! document into annotations.
//!
//! `info()` is part of every cache key and results manifest, so an extractor must change its
//! `version` or `config_hash` whenever its output for the same text can change.

use goldspan_model::{Annotations, Document};

/// Who an extractor is: the identity its outputs are cached and reported under.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ExtractorInfo {
    /// Name, e.g. `quotes-rules`.
    pub name: String,
    /// Version of the extractor's logic or model.
    pub version: String,
    /// A hash of its configuration (gazetteers, arguments, model files), hex.
    pub config_hash: String,
}

/// Why an extractor produced nothing for a document. A failure is a finding recorded in the
/// results, never a crash of the run. The fields say what happened; [`ExtractError::kind`]
/// groups failures by cause and [`ExtractError::hint`] says what usually fixes it.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ExtractError {
    /// The extractor reported an error.
    #[error("extractor failed: {0}")]
    Failed(String),
    /// The program answered a document with an error answer (`{"id", "error"}`): it failed
    /// on that document, said why, and stays in step.
    #[error("the program reported an error: {0}")]
    Reported(String),
    /// The program could not be started at all.
    #[error("cannot start `{command}`: {reason}")]
    CannotStart {
        /// The command line.
        command: String,
        /// Why (program not found, not executable, no such directory).
        reason: String,
    },
    /// The program exited (or closed its stdout) instead of answering.
    #[error("the program exited {}({status}){}", when(*at_start), last_line(stderr))]
    Exited {
        /// Exit status, as text.
        status: String,
        /// Its last stderr lines, oldest first.
        stderr: Vec<String>,
        /// Whether it never answered goldspan's first request (it died at start-up).
        at_start: bool,
    },
    /// The program did not answer in time.
    #[error("{}", timeout(*seconds, *at_start))]
    Timeout {
        /// The per-document limit.
        seconds: f64,
        /// Whether it never answered goldspan's first request.
        at_start: bool,
    },
    /// The program wrote a line that is not an answer (a banner, a log line) where an answer
    /// was due.
    #[error("wrote a line on stdout that is not a record{}: {line:?} ({problem})", if *at_start { ", before its first answer" } else { "" })]
    NotARecord {
        /// The line, cut to 200 characters.
        line: String,
        /// Why it is not a record.
        problem: String,
        /// Whether this was its first line.
        at_start: bool,
    },
    /// The program answered for another document than the one asked about.
    #[error("{}", wrong_id(expected, got, *again))]
    WrongId {
        /// The document whose answer was due.
        expected: String,
        /// The id it answered for.
        got: String,
        /// Whether `got` is the document it answered just before (a second answer).
        again: bool,
    },
    /// A stdout line longer than the limit (often: no newline at all).
    #[error("wrote a line on stdout longer than {limit} bytes (is each answer ended by a newline?)")]
    LineTooLong {
        /// The limit, in bytes.
        limit: usize,
    },
    /// A stdout line that is not UTF-8.
    #[error("wrote a line on stdout that is not UTF-8 (invalid byte at {byte}): {line:?}")]
    NotUtf8 {
        /// Byte offset of the first invalid byte in the line.
        byte: usize,
        /// The line, invalid bytes replaced, cut to 200 characters.
        line: String,
    },
    /// The output could not be used (malformed record, bad offsets, text mismatch, unknown
    /// labels).
    #[error("unusable output: {0}")]
    Malformed(String),
    /// The document was not sent to the extractor (an early stop, `--fail-fast`, a signal).
    #[error("not run: {0}")]
    NotRun(String),
}

fn when(at_start: bool) -> &'static str {
    if at_start {
        "before its first answer "
    } else {
        ""
    }
}

fn last_line(stderr: &[String]) -> String {
    stderr.last().map(|l| format!("; its last stderr line: {l}")).unwrap_or_else(|| "; nothing on stderr".into())
}

fn timeout(seconds: f64, at_start: bool) -> String {
    if at_start {
        format!("no answer to its first request within {seconds} s")
    } else {
        format!("timed out after {seconds} s")
    }
}

fn wrong_id(expected: &str, got: &str, again: bool) -> String {
    if again {
        format!("answered document {got:?} a second time where the answer for {expected:?} was due")
    } else {
        format!("answered for document {got:?} where the answer for {expected:?} was due")
    }
}

/// The cause of a failure, for grouping failures and choosing a hint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum FailureKind {
    /// The program could not be started.
    CannotStart,
    /// The program exited before its first answer.
    ExitedAtStart,
    /// No answer to the first request within the timeout.
    NoFirstAnswer,
    /// A line that is not a record where an answer was due.
    NotARecord,
    /// The program exited while answering a document.
    Exited,
    /// No answer within the timeout.
    Timeout,
    /// An answer for another document (or a second answer).
    WrongId,
    /// A stdout line over the limit.
    LineTooLong,
    /// A stdout line that is not UTF-8.
    NotUtf8,
    /// A record that could not be used.
    Unusable,
    /// The extractor reported an error.
    Failed,
    /// Not sent to the extractor.
    NotRun,
}

impl FailureKind {
    /// A short description, for a heading over failures of this kind.
    pub fn describe(self) -> &'static str {
        match self {
            FailureKind::CannotStart => "the program cannot be started",
            FailureKind::ExitedAtStart => "the program exited at start-up",
            FailureKind::NoFirstAnswer => "no answer to the first request",
            FailureKind::NotARecord => "a line on stdout that is not a record",
            FailureKind::Exited => "the program exited",
            FailureKind::Timeout => "timed out",
            FailureKind::WrongId => "an answer for another document",
            FailureKind::LineTooLong => "a stdout line over the limit",
            FailureKind::NotUtf8 => "a stdout line that is not UTF-8",
            FailureKind::Unusable => "unusable output",
            FailureKind::Failed => "the extractor reported an error",
            FailureKind::NotRun => "not run",
        }
    }
}

impl ExtractError {
    /// The cause, for grouping.
    pub fn kind(&self) -> FailureKind {
        match self {
            ExtractError::Failed(_) | ExtractError::Reported(_) => FailureKind::Failed,
            ExtractError::CannotStart { .. } => FailureKind::CannotStart,
            ExtractError::Exited { at_start: true, .. } => FailureKind::ExitedAtStart,
            ExtractError::Exited { .. } => FailureKind::Exited,
            ExtractError::Timeout { at_start: true, .. } => FailureKind::NoFirstAnswer,
            ExtractError::Timeout { .. } => FailureKind::Timeout,
            ExtractError::NotARecord { .. } => FailureKind::NotARecord,
            ExtractError::WrongId { .. } => FailureKind::WrongId,
            ExtractError::LineTooLong { .. } => FailureKind::LineTooLong,
            ExtractError::NotUtf8 { .. } => FailureKind::NotUtf8,
            ExtractError::Malformed(_) => FailureKind::Unusable,
            ExtractError::NotRun(_) => FailureKind::NotRun,
        }
    }

    /// What usually causes this failure and how to fix it, when there is a common answer.
    pub fn hint(&self) -> Option<String> {
        let hint = match self {
            ExtractError::CannotStart { .. } => {
                "check the program name: is it installed and on PATH? A relative path is resolved from \
                 the directory holding evals/ for an eval, else from the current directory"
            }
            ExtractError::Exited { stderr, at_start, .. } => {
                let text = stderr.join("\n");
                if text.contains("ModuleNotFoundError") || text.contains("ImportError") {
                    "a Python module is missing: install it for the interpreter the command runs (the \
                     stderr lines above name it)"
                } else if text.contains("can't open file") || text.contains("No such file or directory") {
                    "a file the command names does not exist: check the script's path (relative paths \
                     are resolved from the directory the program runs in)"
                } else if *at_start {
                    "the program stops at start-up: run the command by hand to see why (its last \
                     stderr lines are above)"
                } else {
                    "the program died while answering: its last stderr lines are above"
                }
            }
            ExtractError::Timeout { at_start: true, .. } => {
                "flush stdout after each line (Python: print(..., flush=True)); a program whose output \
                 goes to a pipe keeps it in a buffer otherwise. If it loads a model slowly, raise --timeout"
            }
            ExtractError::Timeout { .. } => "raise --timeout if documents take long to annotate",
            ExtractError::NotARecord { .. } => {
                "write only answers to stdout and log to stderr (Python: print(..., file=sys.stderr))"
            }
            ExtractError::WrongId { again: true, .. } => "answer each request with exactly one line",
            ExtractError::WrongId { .. } => "answer each request with its id, in the order received",
            ExtractError::LineTooLong { .. } => {
                "end each answer with a newline; raise --max-line-bytes if an answer really is that large"
            }
            ExtractError::NotUtf8 { .. } => "write answers as UTF-8",
            ExtractError::Failed(_)
            | ExtractError::Reported(_)
            | ExtractError::Malformed(_)
            | ExtractError::NotRun(_) => return None,
        };
        Some(hint.to_owned())
    }
}

/// Something that annotates documents. Implementations must be deterministic for a given
/// `info()`: the runner caches outputs by it.
pub trait Extractor: Send + Sync {
    /// Identity: name, version and configuration hash.
    fn info(&self) -> ExtractorInfo;

    /// Annotates one document. Offsets are code points into `doc.text()`.
    fn extract(&self, doc: &Document) -> Result<Annotations, ExtractError>;

    /// Announces the documents a run is about to extract, a chunk at a time, before any of
    /// them is asked for (the chunk before may still be being extracted), by id in ascending
    /// order (and each chunk above the last, unless the run's documents repeat an id). An
    /// extractor that reads its answers from a file in id order reads on to them, and must
    /// still answer a document it was not told of; by default nothing is done.
    fn prepare(&self, _ids: &[&str]) {}
}

/// A stable 64-bit FNV-1a hash as 16 hex digits: for configuration hashes that must not
/// change between builds or platforms. Each part is followed by the byte `0xff` (which UTF-8
/// never holds), so `["a", "b"]` and `["ab"]` differ.
pub fn stable_hash(parts: &[&str]) -> String {
    let mut h = StableHasher::new();
    for part in parts {
        h.part(part.as_bytes());
    }
    h.finish()
}

/// [`stable_hash`] fed a piece at a time, so a caller can hash what it writes out without
/// gathering it into strings first.
#[derive(Debug, Clone)]
pub struct StableHasher(u64);

impl Default for StableHasher {
    fn default() -> Self {
        StableHasher::new()
    }
}

impl StableHasher {
    /// The empty input.
    pub fn new() -> StableHasher {
        StableHasher(0xcbf2_9ce4_8422_2325)
    }

    /// Adds bytes as they are (a part's end is marked by [`StableHasher::end_part`]).
    pub fn bytes(&mut self, bytes: &[u8]) {
        let mut h = self.0;
        for &b in bytes {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
        self.0 = h;
    }

    /// Ends a part: what [`stable_hash`] adds after each.
    pub fn end_part(&mut self) {
        self.bytes(&[0xff]);
    }

    /// Adds a whole part.
    pub fn part(&mut self, bytes: &[u8]) {
        self.bytes(bytes);
        self.end_part();
    }

    /// The hash as 16 hex digits.
    pub fn finish(&self) -> String {
        format!("{:016x}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stable_hash_is_pinned() {
        // FNV-1a 64 of the empty input is the offset basis; this pins the algorithm.
        assert_eq!(stable_hash(&[]), "cbf29ce484222325");
        assert_ne!(stable_hash(&["a", "b"]), stable_hash(&["ab"]));
        let mut h = StableHasher::default();
        h.part(b"a");
        h.part(b"b");
        assert_eq!(h.finish(), stable_hash(&["a", "b"]));
    }
}
