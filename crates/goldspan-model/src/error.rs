//! Problems found in input files, each located by file, line and document.
//!
//! Readers do not stop at the first problem: they collect every [`Problem`] they can find in a
//! file and keep going, so `goldspan validate` can report them all in one pass. Any problem at
//! all makes the public read functions return [`Error::Invalid`].

use std::fmt;
use std::path::{Path, PathBuf};

use crate::text::OffsetDrift;

/// Where a problem is: a file, and when known a 1-based line and a document id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The file the problem is in.
    pub file: PathBuf,
    /// 1-based line in that file, when the problem is on a line.
    pub line: Option<usize>,
    /// The document the problem concerns, when known.
    pub document: Option<String>,
}

impl Location {
    /// A location in `file`, with no line or document yet.
    pub fn file(file: impl Into<PathBuf>) -> Location {
        Location { file: file.into(), line: None, document: None }
    }

    /// The same location at `line`.
    pub fn at_line(&self, line: usize) -> Location {
        Location { line: Some(line), ..self.clone() }
    }

    /// The same location in `document`.
    pub fn in_document(&self, document: &str) -> Location {
        Location { document: Some(document.to_owned()), ..self.clone() }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if let Some(doc) = &self.document {
            write!(f, ": document {doc}")?;
        }
        Ok(())
    }
}

/// What is wrong. Messages are lowercase fragments; the [`Location`] supplies the context.
#[derive(Debug, thiserror::Error)]
#[allow(missing_docs)] // Field names say what they hold; each variant's message documents it.
pub enum ProblemKind {
    #[error("cannot read the file: {0}")]
    Io(std::io::Error),
    #[error("invalid UTF-8 at byte {byte}")]
    InvalidUtf8 { byte: usize },
    #[error("the file starts with a byte-order mark; save it as UTF-8 without BOM")]
    ByteOrderMark,
    #[error("the file has CRLF line endings ({count} of them); offsets must count a line break as one character, convert to LF")]
    CrlfLineEndings { count: usize },
    #[error("{message}")]
    Syntax { message: String },
    #[error("unsupported annotation: {what}")]
    Unsupported { what: String },
    #[error("span {span}: offset {offset} is past the end of the text ({len} code points)")]
    OffsetOutOfRange { span: String, offset: usize, len: usize },
    #[error("span {span}: offset {offset} falls inside a character (between code points of one grapheme cluster)")]
    OffsetInsideCharacter { span: String, offset: usize },
    #[error("span {span}: offset {offset} does not fall on a character boundary in {unit}")]
    OffsetInsideUnit { span: String, offset: usize, unit: crate::text::OffsetUnit },
    #[error("span {span}: {reason}")]
    BadFragments { span: String, reason: crate::model::FragmentError },
    #[error("span {span}: the file says it covers {expected:?} but {}{}", match found { Some(f) => format!("the text at {start}..{end} is {f:?}"), None => format!("{start}..{end} runs past the end of the text") }, drift.map(|d| format!("; {d}")).unwrap_or_default())]
    TextMismatch {
        span: String,
        start: usize,
        end: usize,
        expected: String,
        found: Option<String>,
        drift: Option<OffsetDrift>,
    },
    #[error("span {span}: layer {layer:?} is not declared in the manifest")]
    UnknownLayer { span: String, layer: String },
    #[error("span {span}: label {label:?} is not declared {}", layer.as_ref().map(|l| format!("in layer {l:?}")).unwrap_or_else(|| "in any layer of the manifest".into()))]
    UnknownLabel { span: String, label: String, layer: Option<String> },
    #[error("relation {relation}: type {kind:?} is not declared in the manifest")]
    UnknownRelationType { relation: String, kind: String },
    #[error("{owner}: refers to {target}, which does not exist")]
    MissingReference { owner: String, target: String },
    #[error("relation {relation} ({kind}): its {role} {span} is a {label}, expected {}", allowed.join(" or "))]
    RelationArgumentLabel {
        relation: String,
        kind: String,
        role: &'static str,
        span: String,
        label: String,
        allowed: Vec<String>,
    },
    #[error("span {span} ({label}) has no {kind} relation")]
    MissingRelation { span: String, label: String, kind: String },
    #[error("span {span} ({label}) has {count} {kind} relations, at most one is allowed")]
    TooManyRelations { span: String, label: String, kind: String, count: usize },
    #[error("span {span} is in more than one coreference cluster")]
    SpanInSeveralClusters { span: String },
    #[error("duplicate id {id}{}", first_line.map(|l| format!(" (first used on line {l})")).unwrap_or_default())]
    DuplicateId { id: String, first_line: Option<usize> },
    #[error("document is in no split")]
    DocumentInNoSplit,
    #[error("document is in more than one split: {}", splits.join(", "))]
    DocumentInSeveralSplits { splits: Vec<String> },
    #[error("split {split:?} lists document {id}, which has no text file")]
    MissingDocument { split: String, id: String },
    #[error("document has no annotation file ({expected})")]
    MissingAnnotations { expected: String },
    #[error("{file} has no text file beside it ({expected})")]
    OrphanFile { file: String, expected: String },
    #[error("unknown split {split:?}{}; the manifest declares {}", crate::did_you_mean(split, known.iter().map(String::as_str)).map(|s| format!(" (did you mean {s:?}?)")).unwrap_or_default(), known.join(", "))]
    UnknownSplit { split: String, known: Vec<String> },
    #[error("document is empty")]
    EmptyDocument,
    #[error("invalid document id {id:?}: {reason}; an id names the document's files: use letters, digits, '-', '_' and '.' (not first or last), and no Windows device name")]
    BadDocumentId { id: String, reason: crate::BadId },
    #[error("this is a symbolic link{}; links inside a corpus or brat collection are not followed, so a document cannot pull in a file from elsewhere: replace the link with the file, or pass --follow-symlinks if you trust the collection", target.as_ref().map(|t| format!(" to {}", t.display())).unwrap_or_default())]
    SymbolicLink { target: Option<PathBuf> },
    #[error("document id {id} is used twice{}; each document needs its own files", if first == id { String::new() } else { format!(" (as {first}: the same file name where case is ignored)") })]
    DocumentIdTwice { id: String, first: String },
    #[error("no documents: {}", if !nested.is_empty() { format!("no .txt files here, but {} sub-folder(s) hold some ({}); read them with --recursive", nested.len(), nested.join(", ")) } else if *recursive { "no .txt files here or in any sub-folder".to_owned() } else { "no .txt files here".to_owned() })]
    NoDocuments { nested: Vec<String>, recursive: bool },
    #[error("document id {id} comes from both {first} and this file; rename one of them")]
    DocumentIdClash { id: String, first: String },
    #[error("span {span} repeats span {first} (same layer, label and offsets): as gold it costs a perfect prediction recall (one copy matches, the other is missed), as a prediction it scores as spurious; remove the duplicate")]
    DuplicateSpan { span: String, first: String },
    #[error("this is a JSON document ({found}), not JSON Lines, which holds one JSON object per line: rewrite it one record per line, e.g. `jq -c '.[]'` for an array or `jq -c .` for pretty-printed objects")]
    NotJsonLines { found: &'static str },
}

impl ProblemKind {
    /// What makes two problems the same root cause: the kind and the values that name the cause
    /// (a label, a unit, a message with its numbers blanked), never where it happened. One
    /// undeclared label in five thousand spans is one cause.
    fn cause(&self) -> (std::mem::Discriminant<ProblemKind>, String) {
        let detail = match self {
            ProblemKind::Io(e) => format!("{:?}", e.kind()),
            ProblemKind::Syntax { message } => blank_numbers(message),
            ProblemKind::Unsupported { what } => blank_numbers(what),
            ProblemKind::OffsetInsideUnit { unit, .. } => unit.to_string(),
            ProblemKind::BadFragments { reason, .. } => reason.to_string(),
            ProblemKind::TextMismatch { drift, .. } => format!("{drift:?}"),
            ProblemKind::UnknownLayer { layer, .. } => layer.clone(),
            ProblemKind::UnknownLabel { label, layer, .. } => format!("{label}\u{0}{layer:?}"),
            ProblemKind::UnknownRelationType { kind, .. } => kind.clone(),
            ProblemKind::RelationArgumentLabel { kind, role, label, .. } => format!("{kind}\u{0}{role}\u{0}{label}"),
            ProblemKind::MissingRelation { label, kind, .. } | ProblemKind::TooManyRelations { label, kind, .. } => {
                format!("{label}\u{0}{kind}")
            }
            ProblemKind::MissingDocument { split, .. } | ProblemKind::UnknownSplit { split, .. } => split.clone(),
            _ => String::new(),
        };
        (std::mem::discriminant(self), detail)
    }
}

/// `text` with every run of digits replaced by `#`, so messages that differ only in a column or
/// a count compare equal.
fn blank_numbers(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_number = false;
    for c in text.chars() {
        if c.is_ascii_digit() {
            if !in_number {
                out.push('#');
            }
            in_number = true;
        } else {
            out.push(c);
            in_number = false;
        }
    }
    out
}

/// One problem at one location.
#[derive(Debug, thiserror::Error)]
#[error("{location}: {kind}")]
pub struct Problem {
    /// Where it is.
    pub location: Location,
    /// What it is.
    #[source]
    pub kind: ProblemKind,
}

impl Problem {
    /// A problem at `location`.
    pub fn new(location: Location, kind: ProblemKind) -> Problem {
        Problem { location, kind }
    }
}

/// The error of every public reader: the input could not be used, for these reasons.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// One or more problems in the input; every one found is kept, and shown one per root cause
    /// with a count of the others.
    #[error("{} problem{} in the input:\n{}", .0.len(), if .0.len() == 1 { "" } else { "s" }, render(.0))]
    Invalid(Vec<Problem>),
    /// Writing an output failed.
    #[error("cannot write {}", path.display())]
    Write {
        /// The file being written.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
}

impl Error {
    /// The problems, if this is an input error.
    pub fn problems(&self) -> &[Problem] {
        match self {
            Error::Invalid(p) => p,
            Error::Write { .. } => &[],
        }
    }

    /// Writing `path` failed with `source`.
    pub fn write(path: &Path, source: std::io::Error) -> Error {
        Error::Write { path: path.to_owned(), source }
    }
}

fn render(problems: &[Problem]) -> String {
    let mut out = String::new();
    for (i, group) in group_by_cause(problems).iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&format!("  {}", group.first));
        if let Some(more) = group.more_line() {
            out.push_str(&format!("\n    {more}"));
        }
    }
    out
}

/// Problems of one root cause: the first one found, and where the others are.
#[derive(Debug)]
pub struct ProblemGroup<'a> {
    /// The first problem of this cause, shown in full.
    pub first: &'a Problem,
    /// The locations of the other problems of this cause, in the order found.
    pub others: Vec<&'a Location>,
}

impl ProblemGroup<'_> {
    /// How many more locations [`ProblemGroup::more_line`] names before it only counts.
    const SHOWN: usize = 3;

    /// "… and N more like it (at …)", or `None` when the cause occurred once.
    pub fn more_line(&self) -> Option<String> {
        if self.others.is_empty() {
            return None;
        }
        let shown: Vec<String> = self.others.iter().take(Self::SHOWN).map(|l| l.to_string()).collect();
        let rest = if self.others.len() > Self::SHOWN { ", …" } else { "" };
        Some(format!("… and {} more like it (at {}{rest})", self.others.len(), shown.join("; ")))
    }
}

/// Groups `problems` by root cause ([`ProblemKind`] and the values naming the cause), in the
/// order each cause first appears, so a file broken one way gives one message and a count
/// rather than thousands of lines.
pub fn group_by_cause(problems: &[Problem]) -> Vec<ProblemGroup<'_>> {
    let mut groups: Vec<ProblemGroup<'_>> = Vec::new();
    let mut index: std::collections::HashMap<(std::mem::Discriminant<ProblemKind>, String), usize> =
        std::collections::HashMap::new();
    for p in problems {
        match index.entry(p.kind.cause()) {
            std::collections::hash_map::Entry::Occupied(e) => groups[*e.get()].others.push(&p.location),
            std::collections::hash_map::Entry::Vacant(e) => {
                e.insert(groups.len());
                groups.push(ProblemGroup { first: p, others: Vec::new() });
            }
        }
    }
    groups
}

/// Collects problems while a reader keeps going.
#[derive(Debug, Default)]
pub struct Problems(pub Vec<Problem>);

impl Problems {
    /// Records a problem.
    pub fn push(&mut self, location: Location, kind: ProblemKind) {
        self.0.push(Problem::new(location, kind));
    }

    /// `Ok(value)` if nothing was recorded, else every problem.
    pub fn into_result<T>(self, value: T) -> Result<T, Error> {
        if self.0.is_empty() {
            Ok(value)
        } else {
            Err(Error::Invalid(self.0))
        }
    }

    /// Forgets CRLF line endings: readers accept them (offsets are still well defined); only
    /// `validate` holds a gold corpus to LF.
    pub fn drop_hygiene(&mut self) {
        self.0.retain(|p| !matches!(p.kind, ProblemKind::CrlfLineEndings { .. }));
    }

    /// Whether nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problem(line: usize, kind: ProblemKind) -> Problem {
        Problem::new(Location::file("a.ann").at_line(line).in_document("d"), kind)
    }

    fn unknown(label: &str) -> ProblemKind {
        ProblemKind::UnknownLabel { span: "T1".into(), label: label.into(), layer: None }
    }

    #[test]
    fn one_cause_is_one_message_with_a_count() {
        let mut problems: Vec<Problem> = (1..=5000).map(|line| problem(line, unknown("FOO"))).collect();
        problems.push(problem(6000, unknown("BAR")));
        problems.push(problem(7000, ProblemKind::Syntax { message: "invalid JSON at column 17: eof".into() }));
        problems.push(problem(7001, ProblemKind::Syntax { message: "invalid JSON at column 3: eof".into() }));
        let groups = group_by_cause(&problems);
        let summary: Vec<(usize, usize)> =
            groups.iter().map(|g| (g.first.location.line.unwrap_or(0), g.others.len())).collect();
        assert_eq!(summary, [(1, 4999), (6000, 0), (7000, 1)]);
        let shown = Error::Invalid(problems).to_string();
        assert_eq!(shown.lines().count(), 1 + 2 + 1 + 2, "{shown}");
        assert!(shown.starts_with("5003 problems in the input:\n"), "{shown}");
        assert!(
            shown.contains(
                "… and 4999 more like it (at a.ann:2: document d; a.ann:3: document d; a.ann:4: document d, …)"
            ),
            "{shown}"
        );
        assert!(shown.contains("label \"BAR\""), "{shown}");
    }
}
