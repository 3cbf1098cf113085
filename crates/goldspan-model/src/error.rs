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
    #[error("this is a symbolic link{}; links inside a corpus or brat collection are not followed, so a document cannot pull in a file from elsewhere: replace the link with the file (convert and validate follow links with --follow-symlinks, if you trust the collection)", target.as_ref().map(|t| format!(" to {}", t.display())).unwrap_or_default())]
    SymbolicLink { target: Option<PathBuf> },
    #[error("document id {id} is used twice{}; each document needs its own files", if first == id { String::new() } else { format!(" (as {first}: the same file name where case is ignored)") })]
    DocumentIdTwice { id: String, first: String },
    #[error("no documents: {}", if !nested.is_empty() { format!("no .txt files here, but {} sub-folder(s) hold some ({}); read them with --recursive", nested.len(), nested.join(", ")) } else if *recursive { "no .txt files here or in any sub-folder".to_owned() } else { "no .txt files here".to_owned() })]
    NoDocuments { nested: Vec<String>, recursive: bool },
    #[error("document id {id} comes from both {first} and this file; rename one of them")]
    DocumentIdClash { id: String, first: String },
    #[error("span {span} repeats span {first} (same layer, label and offsets): as gold it costs a perfect prediction recall (one copy matches, the other is missed), as a prediction it scores as spurious; remove the duplicate")]
    DuplicateSpan { span: String, first: String },
    #[error("… and {count} more {}, not kept", if cause.kind.is_none() { "problems of other kinds" } else { "of this kind" })]
    Omitted { count: usize, cause: Cause },
    #[error("this is a JSON document ({found}), not JSON Lines, which holds one JSON object per line: rewrite it one record per line, e.g. `jq -c '.[]'` for an array or `jq -c .` for pretty-printed objects")]
    NotJsonLines { found: &'static str },
}

impl ProblemKind {
    /// What makes two problems the same root cause: the kind and the values that name the cause
    /// (a label, a unit, a message with its numbers blanked), never where it happened. One
    /// undeclared label in five thousand spans is one cause.
    pub fn cause(&self) -> Cause {
        if let ProblemKind::Omitted { cause, .. } = self {
            return cause.clone();
        }
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
        Cause { kind: Some(std::mem::discriminant(self)), detail }
    }
}

/// A root cause of problems ([`ProblemKind::cause`]): problems with equal causes are grouped
/// into one message, and counted rather than kept past [`Problems::KEEP_PER_CAUSE`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Cause {
    /// The kind of problem; `None` for problems of many causes counted together.
    kind: Option<std::mem::Discriminant<ProblemKind>>,
    detail: String,
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
    #[error("{} problem{} in the input:\n{}", problem_count(.0), if problem_count(.0) == 1 { "" } else { "s" }, render(.0))]
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

/// How many problems `problems` stands for: those kept, and those [`ProblemKind::Omitted`]
/// counts.
pub fn problem_count(problems: &[Problem]) -> usize {
    problems.iter().map(|p| if let ProblemKind::Omitted { count, .. } = p.kind { count } else { 1 }).sum()
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
    /// The locations of the other problems of this cause that were kept, in the order found.
    pub others: Vec<&'a Location>,
    /// How many more of this cause were counted but not kept ([`Problems::KEEP_PER_CAUSE`]).
    pub omitted: usize,
}

impl ProblemGroup<'_> {
    /// How many more locations [`ProblemGroup::more_line`] names before it only counts.
    const SHOWN: usize = 3;

    /// "… and N more like it (at …)", or `None` when the cause occurred once.
    pub fn more_line(&self) -> Option<String> {
        let more = self.others.len() + self.omitted;
        if more == 0 {
            return None;
        }
        let shown: Vec<String> = self.others.iter().take(Self::SHOWN).map(|l| l.to_string()).collect();
        let rest = if more > Self::SHOWN { ", …" } else { "" };
        if shown.is_empty() {
            return Some(format!("… and {more} more like it"));
        }
        Some(format!("… and {more} more like it (at {}{rest})", shown.join("; ")))
    }
}

/// Groups `problems` by root cause ([`ProblemKind`] and the values naming the cause), in the
/// order each cause first appears, so a file broken one way gives one message and a count
/// rather than thousands of lines.
pub fn group_by_cause(problems: &[Problem]) -> Vec<ProblemGroup<'_>> {
    let mut groups: Vec<ProblemGroup<'_>> = Vec::new();
    let mut index: std::collections::HashMap<Cause, usize> = std::collections::HashMap::new();
    for p in problems {
        let omitted = if let ProblemKind::Omitted { count, .. } = p.kind { count } else { 0 };
        match index.entry(p.kind.cause()) {
            std::collections::hash_map::Entry::Occupied(e) if omitted > 0 => groups[*e.get()].omitted += omitted,
            std::collections::hash_map::Entry::Occupied(e) => groups[*e.get()].others.push(&p.location),
            std::collections::hash_map::Entry::Vacant(e) => {
                e.insert(groups.len());
                groups.push(ProblemGroup { first: p, others: Vec::new(), omitted: 0 });
            }
        }
    }
    groups
}

/// Collects problems while a reader keeps going. Memory and output stay bounded whatever the
/// input: at most [`Problems::KEEP_PER_CAUSE`] problems of one root cause are kept in full and
/// the rest only counted (ten million unknown ids are a thousand problems and a count), and
/// past [`Problems::MAX_CAUSES`] causes, further ones are counted together.
#[derive(Debug, Default)]
pub struct Problems(pub Vec<Problem>, Tally);

/// How many problems of each cause were recorded, for [`Problems`]' cap.
#[derive(Debug, Default)]
pub struct Tally {
    /// Per cause: problems recorded, and those not kept.
    per_cause: std::collections::HashMap<Cause, (usize, usize)>,
    /// Causes not kept in full, in the order they first overflowed.
    overflowed: Vec<Cause>,
    /// Problems of causes beyond [`Problems::MAX_CAUSES`], counted together.
    other: usize,
}

impl Problems {
    /// The most problems of one root cause kept in full; the rest are counted.
    pub const KEEP_PER_CAUSE: usize = 1000;
    /// The most distinct causes tracked; problems of further causes are counted together.
    pub const MAX_CAUSES: usize = 10_000;

    /// Records a problem.
    pub fn push(&mut self, location: Location, kind: ProblemKind) {
        self.push_problem(Problem::new(location, kind));
    }

    /// Records a problem, or only counts it when its cause already has
    /// [`Problems::KEEP_PER_CAUSE`] kept.
    pub fn push_problem(&mut self, problem: Problem) {
        if let ProblemKind::Omitted { count, cause } = &problem.kind {
            // Omissions from another collector: add them to this one's.
            let (count, cause) = (*count, cause.clone());
            let entry = self.1.per_cause.entry(cause.clone()).or_insert((Problems::KEEP_PER_CAUSE, 0));
            if entry.1 == 0 {
                self.1.overflowed.push(cause);
            }
            entry.0 += count;
            entry.1 += count;
            return;
        }
        let tally = &mut self.1;
        let cause = problem.kind.cause();
        if !tally.per_cause.contains_key(&cause) && tally.per_cause.len() >= Problems::MAX_CAUSES {
            tally.other += 1;
            return;
        }
        let entry = tally.per_cause.entry(cause.clone()).or_insert((0, 0));
        entry.0 += 1;
        if entry.0 <= Problems::KEEP_PER_CAUSE {
            self.0.push(problem);
        } else {
            if entry.1 == 0 {
                tally.overflowed.push(cause);
            }
            entry.1 += 1;
        }
    }

    /// Records each problem ([`Problems::push_problem`]).
    pub fn extend(&mut self, problems: impl IntoIterator<Item = Problem>) {
        for p in problems {
            self.push_problem(p);
        }
    }

    /// How many problems were recorded, kept or only counted.
    pub fn count(&self) -> usize {
        self.0.len() + self.1.overflowed.iter().map(|c| self.1.per_cause[c].1).sum::<usize>() + self.1.other
    }

    /// The problems kept, then one [`ProblemKind::Omitted`] per cause that had more, counting
    /// them (its location is that of the last problem kept of that cause).
    pub fn into_vec(self) -> Vec<Problem> {
        let Problems(mut kept, tally) = self;
        for cause in &tally.overflowed {
            let count = tally.per_cause[cause].1;
            let location = kept
                .iter()
                .rev()
                .find(|p| &p.kind.cause() == cause)
                .map(|p| p.location.clone())
                .unwrap_or_else(|| Location::file(""));
            kept.push(Problem::new(location, ProblemKind::Omitted { count, cause: cause.clone() }));
        }
        if tally.other > 0 {
            let location = kept.last().map(|p| Location::file(&p.location.file)).unwrap_or_else(|| Location::file(""));
            let cause = Cause { kind: None, detail: String::new() };
            kept.push(Problem::new(location, ProblemKind::Omitted { count: tally.other, cause }));
        }
        kept
    }

    /// The problems as an [`Error::Invalid`] ([`Problems::into_vec`]).
    pub fn into_error(self) -> Error {
        Error::Invalid(self.into_vec())
    }

    /// `Ok(value)` if nothing was recorded, else every problem.
    pub fn into_result<T>(self, value: T) -> Result<T, Error> {
        if self.is_empty() {
            Ok(value)
        } else {
            Err(self.into_error())
        }
    }

    /// Forgets CRLF line endings: readers accept them (offsets are still well defined); only
    /// `validate` holds a gold corpus to LF.
    pub fn drop_hygiene(&mut self) {
        let crlf = |kind: &ProblemKind| matches!(kind, ProblemKind::CrlfLineEndings { .. });
        self.0.retain(|p| !crlf(&p.kind));
        let crlf_cause = ProblemKind::CrlfLineEndings { count: 0 }.cause();
        self.1.per_cause.remove(&crlf_cause);
        self.1.overflowed.retain(|c| *c != crlf_cause);
    }

    /// Whether nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.count() == 0
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
    fn a_million_problems_of_one_cause_keep_a_thousand_and_count_the_rest() {
        let mut problems = Problems::default();
        for line in 1..=1_000_000 {
            problems.push(Location::file("p.jsonl").at_line(line).in_document(&format!("u{line}")), unknown("FOO"));
        }
        problems.push(Location::file("p.jsonl").at_line(1_000_001), unknown("BAR"));
        assert_eq!(problems.0.len(), Problems::KEEP_PER_CAUSE + 1);
        assert_eq!(problems.count(), 1_000_001);
        let kept = problems.into_vec();
        assert_eq!(kept.len(), Problems::KEEP_PER_CAUSE + 2, "the kept ones and one count");
        assert_eq!(problem_count(&kept), 1_000_001);
        let groups = group_by_cause(&kept);
        assert_eq!(groups.len(), 2);
        assert_eq!((groups[0].others.len(), groups[0].omitted), (Problems::KEEP_PER_CAUSE - 1, 999_000));
        let shown = Error::Invalid(kept).to_string();
        assert!(shown.starts_with("1000001 problems in the input:\n"), "{shown}");
        assert!(shown.contains("… and 999999 more like it (at p.jsonl:2: document u2;"), "{shown}");
        assert_eq!(shown.lines().count(), 1 + 2 + 1, "{shown}");
    }

    #[test]
    fn causes_past_the_limit_are_counted_together() {
        let mut problems = Problems::default();
        for i in 0..Problems::MAX_CAUSES + 5 {
            problems.push(
                Location::file("a.ann"),
                unknown(&format!("L{}", char::from(b'a' + (i % 26) as u8)).repeat(1 + i / 26)),
            );
        }
        assert_eq!(problems.count(), Problems::MAX_CAUSES + 5);
        let kept = problems.into_vec();
        let last = kept.last().expect("a count");
        assert_eq!(last.kind.to_string(), "… and 5 more problems of other kinds, not kept");
        assert_eq!(problem_count(&kept), Problems::MAX_CAUSES + 5);
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
