//! CoNLL token files (one token per line, the chunk tag in the last column) in the IOB1, IOB2
//! and BIOES schemes, read into documents and written from them.
//!
//! CoNLL files hold tokens, not text, so the text is rebuilt by one documented rule and spans
//! are the code-point offsets of their tokens in it. Reading then writing canonical IOB2 gives
//! back the same bytes; writing then reading gives the rebuilt text, not the original one.
//!
//! # Reading
//!
//! - Whitespace separates the columns of a token line; the first column is the token and the
//!   last is the tag, so CoNLL-2003 four-column files and two-column `token tag` files both read.
//!   A line with a single column is an error.
//! - A blank line ends a sentence. A line whose first column is `-DOCSTART-` starts a new
//!   document. A line `# id = ID` gives the id of the document that follows; when the current
//!   document already has tokens it also starts a new one. No other comment lines exist: any
//!   other line starting with `#` is a token line (`#` is a common token in news).
//! - A document without an id line is named `{file stem}-{n}`, `n` being its 1-based position
//!   among the documents of the file that have tokens, zero-padded to 4 digits (`train-0003`).
//!   Documents with no tokens are skipped.
//! - **Text rebuilding:** the tokens of a sentence are joined by a single space, the sentences
//!   of a document by `"\n"`, with no trailing newline. A span covers its tokens in that text
//!   (code points, end exclusive). CRLF line endings are accepted: offsets are computed on the
//!   rebuilt text, so they cannot drift.
//! - Every span gets the layer passed to [`read`] and ids `T1`, `T2`, ... in text order.
//! - A tag is `O` or `PREFIX-LABEL` with a prefix of the scheme (`B`, `I` for IOB1 and IOB2;
//!   `B`, `I`, `E`, `S` for BIOES) and a non-empty label. Anything else is an error naming the
//!   file, line and document; reading goes on to report every problem of the file.
//!
//! # Chunk decoding
//!
//! Chunks never cross a sentence boundary, and `O` closes the open chunk. Then:
//!
//! - **IOB2:** `B-X` starts a chunk of type X. `I-X` continues an open chunk of type X; an `I-X`
//!   that follows `O`, another type, or the start of the sentence starts a new chunk (as
//!   conlleval does).
//! - **IOB1:** `I-X` continues an open chunk of type X, otherwise starts one. `B-X` starts a new
//!   chunk; well-formed IOB1 uses it only right after a chunk of type X (to separate two
//!   adjacent chunks), and elsewhere it is read as starting a chunk too, which is what an `I-X`
//!   would have done. IOB1 and IOB2 therefore decode alike, as in conlleval.
//! - **BIOES:** `S-X` is a one-token chunk. `B-X` starts a chunk. `I-X` continues an open chunk
//!   of type X. `E-X` continues an open chunk of type X and closes it. A chunk is not decoded
//!   leniently the way seqeval does: an `I-X` or `E-X` that does not continue an open chunk of
//!   type X (after `O`, `E-`, `S-`, another type or the sentence start) starts a new chunk (and
//!   for `E-X` closes it at once), and a chunk that is never closed by `E-X` ends at its last
//!   token.
//!
//! # Writing
//!
//! The canonical layout, which [`read()`] followed by [`write()`] reproduces byte for byte for
//! well-formed IOB2 input, is, for each document: a line `-DOCSTART-`, a blank line, a line
//! `# id = ID`, then each sentence as `token tag` lines (one space) followed by a blank line.
//!
//! - **Tokens:** each line of the text (split on `"\n"`) is a sentence; a token is a maximal run
//!   of letters and digits, or a single other non-space character; whitespace separates tokens.
//!   "Character" means a user-perceived character (grapheme cluster), so an accent written as a
//!   combining mark stays in its word and a flag emoji stays whole. Sentences with no tokens and
//!   documents with no tokens are left out.
//! - Only spans of the chosen layer are written. A span is dropped when a boundary falls inside
//!   a token (spans are not snapped to tokens), when it covers no token, when it crosses a line
//!   break, when it is discontinuous, when its label is empty or contains whitespace, or when it
//!   overlaps or is nested in a span kept before it (spans are kept in order of start, longer
//!   first, so the outermost span of a nest survives). A span with whitespace at its edges is
//!   written as the tokens it covers.
//! - Everything that cannot be written is returned as a human-readable list: each dropped span,
//!   spans of other layers (count per layer), relations, clusters, attributes, notes and
//!   metadata (counts), and documents whose text is not the rebuilt one (whitespace is lost).

use std::cmp::Reverse;
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::path::Path;

use unicode_segmentation::UnicodeSegmentation;

use crate::{read_text, write_atomic};
use goldspan_model::{AnnotatedDocument, Annotations, Document, Meta, Span};
use goldspan_model::{Error, Location, ProblemKind, Problems};

/// A chunk tagging scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scheme {
    /// IOB1 (original CoNLL-2003): `I-` inside chunks, `B-` only to split adjacent chunks of one type.
    Iob1,
    /// IOB2: every chunk begins with `B-`, continues with `I-`.
    Iob2,
    /// BIOES: `B-` begins, `I-` continues, `E-` ends a chunk; `S-` is a one-token chunk.
    Bioes,
}

impl Scheme {
    /// Parses the command-line spelling: `iob1`, `iob2` or `bioes`.
    pub fn parse(s: &str) -> Option<Scheme> {
        match s {
            "iob1" => Some(Scheme::Iob1),
            "iob2" => Some(Scheme::Iob2),
            "bioes" => Some(Scheme::Bioes),
            _ => None,
        }
    }

    /// The command-line spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::Iob1 => "iob1",
            Scheme::Iob2 => "iob2",
            Scheme::Bioes => "bioes",
        }
    }

    fn prefix(self, c: &str) -> Option<Prefix> {
        match (self, c) {
            (_, "B") => Some(Prefix::B),
            (_, "I") => Some(Prefix::I),
            (Scheme::Bioes, "E") => Some(Prefix::E),
            (Scheme::Bioes, "S") => Some(Prefix::S),
            _ => None,
        }
    }

    fn expected(self) -> &'static str {
        match self {
            Scheme::Iob1 | Scheme::Iob2 => "O, or B- or I- followed by a label",
            Scheme::Bioes => "O, or B-, I-, E- or S- followed by a label",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Prefix {
    B,
    I,
    E,
    S,
}

/// One token line: the token, and its tag (`None` for `O`).
#[derive(Debug)]
struct TokenLine {
    token: String,
    tag: Option<(Prefix, String)>,
}

/// A decoded chunk: token indices `start..end` within a sentence.
#[derive(Debug, PartialEq, Eq)]
struct Chunk {
    label: String,
    start: usize,
    end: usize,
}

/// Decodes the tags of one sentence into chunks, by the rules in the module doc.
fn decode(tokens: &[TokenLine]) -> Vec<Chunk> {
    let mut chunks = Vec::new();
    let mut open: Option<Chunk> = None;
    for (i, token) in tokens.iter().enumerate() {
        let Some((prefix, label)) = &token.tag else {
            chunks.extend(open.take());
            continue;
        };
        let continues = open.as_ref().is_some_and(|c| &c.label == label);
        match (prefix, open.as_mut()) {
            (Prefix::I | Prefix::E, Some(chunk)) if continues => chunk.end = i + 1,
            _ => {
                chunks.extend(open.take());
                open = Some(Chunk { label: label.clone(), start: i, end: i + 1 });
            }
        }
        if matches!(prefix, Prefix::E | Prefix::S) {
            chunks.extend(open.take());
        }
    }
    chunks.extend(open);
    chunks
}

/// Parses a tag: `Ok(None)` for `O`, `Ok(Some(..))` for a chunk tag, `Err(())` otherwise.
fn parse_tag(tag: &str, scheme: Scheme) -> Result<Option<(Prefix, String)>, ()> {
    if tag == "O" {
        return Ok(None);
    }
    let (prefix, label) = tag.split_once('-').ok_or(())?;
    match scheme.prefix(prefix) {
        Some(prefix) if !label.is_empty() => Ok(Some((prefix, label.to_owned()))),
        _ => Err(()),
    }
}

/// The document being read.
#[derive(Debug, Default)]
struct Pending {
    id: Option<String>,
    /// Line of the id line or the first token line, for duplicate-id reports.
    first_line: Option<usize>,
    sentences: Vec<Vec<TokenLine>>,
    sentence: Vec<TokenLine>,
}

impl Pending {
    fn has_tokens(&self) -> bool {
        !self.sentences.is_empty() || !self.sentence.is_empty()
    }
}

struct Reader<'a> {
    scheme: Scheme,
    layer: &'a str,
    stem: String,
    location: Location,
    problems: Problems,
    docs: Vec<AnnotatedDocument>,
    /// Documents with tokens seen so far (for generated ids).
    count: usize,
    seen: HashMap<String, usize>,
    pending: Pending,
}

impl Reader<'_> {
    /// The id of the document being read: its id line's, or the generated one.
    fn current_id(&self) -> String {
        match &self.pending.id {
            Some(id) => id.clone(),
            None => format!("{}-{:04}", self.stem, self.count + 1),
        }
    }

    fn syntax(&mut self, line: usize, message: String) {
        let at = self.location.at_line(line).in_document(&self.current_id());
        self.problems.push(at, ProblemKind::Syntax { message });
    }

    fn line(&mut self, line_no: usize, raw: &str) {
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        if line.trim().is_empty() {
            self.end_sentence();
            return;
        }
        if let Some(rest) = line.strip_prefix("# id =") {
            if self.pending.has_tokens() {
                self.end_document();
            }
            let id = rest.trim();
            if id.is_empty() {
                self.syntax(line_no, "the id line \"# id =\" gives no id".into());
                return;
            }
            self.pending.id = Some(id.to_owned());
            self.pending.first_line = Some(line_no);
            return;
        }
        let mut columns = line.split_whitespace();
        let token = columns.next().unwrap_or_default();
        if token == "-DOCSTART-" {
            self.end_document();
            return;
        }
        let Some(tag) = columns.last() else {
            self.syntax(
                line_no,
                format!("expected a token and a tag separated by whitespace, found one column {line:?}"),
            );
            return;
        };
        let tag = match parse_tag(tag, self.scheme) {
            Ok(tag) => tag,
            Err(()) => {
                let scheme = self.scheme;
                self.syntax(
                    line_no,
                    format!(
                        "unknown tag {tag:?} for {}: expected {}",
                        scheme.as_str().to_uppercase(),
                        scheme.expected()
                    ),
                );
                None
            }
        };
        self.pending.first_line.get_or_insert(line_no);
        self.pending.sentence.push(TokenLine { token: token.to_owned(), tag });
    }

    fn end_sentence(&mut self) {
        if !self.pending.sentence.is_empty() {
            let sentence = std::mem::take(&mut self.pending.sentence);
            self.pending.sentences.push(sentence);
        }
    }

    fn end_document(&mut self) {
        self.end_sentence();
        if self.pending.sentences.is_empty() {
            self.pending = Pending::default();
            return;
        }
        let id = self.current_id();
        self.count += 1;
        let pending = std::mem::take(&mut self.pending);
        let line = pending.first_line.unwrap_or(0);
        if let Some(&first) = self.seen.get(&id) {
            let at = self.location.at_line(line).in_document(&id);
            self.problems.push(at, ProblemKind::DuplicateId { id, first_line: Some(first) });
            return;
        }
        self.seen.insert(id.clone(), line);
        self.docs.push(rebuild(id, &pending.sentences, self.layer));
    }
}

/// Builds a document from its sentences, by the text-rebuilding rule in the module doc.
fn rebuild(id: String, sentences: &[Vec<TokenLine>], layer: &str) -> AnnotatedDocument {
    let mut text = String::new();
    let mut cp = 0;
    let mut spans = Vec::new();
    for (s, sentence) in sentences.iter().enumerate() {
        if s > 0 {
            text.push('\n');
            cp += 1;
        }
        let mut bounds = Vec::with_capacity(sentence.len());
        for (t, token) in sentence.iter().enumerate() {
            if t > 0 {
                text.push(' ');
                cp += 1;
            }
            let start = cp;
            text.push_str(&token.token);
            cp += token.token.chars().count();
            bounds.push((start, cp));
        }
        for chunk in decode(sentence) {
            let start = bounds.get(chunk.start).map(|b| b.0);
            let end = bounds.get(chunk.end.wrapping_sub(1)).map(|b| b.1);
            let id = format!("T{}", spans.len() + 1);
            if let Some(span) = start.zip(end).and_then(|(s, e)| Span::contiguous(id, layer, chunk.label, s, e)) {
                spans.push(span);
            }
        }
    }
    AnnotatedDocument {
        document: Document::new(id, text, Meta::new()),
        annotations: Annotations { spans, ..Annotations::default() },
    }
}

/// Reads a CoNLL file tagged in `scheme`; every span goes in `layer`. Every problem of the
/// file is reported, each naming its line and document.
pub fn read(path: &Path, scheme: Scheme, layer: &str) -> Result<Vec<AnnotatedDocument>, Error> {
    let location = Location::file(path);
    let mut problems = Problems::default();
    let text = read_text_any_line_endings(path, &location, &mut problems);
    let Some(text) = text else { return problems.into_result(Vec::new()) };
    let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "doc".into());
    let mut reader = Reader {
        scheme,
        layer,
        stem,
        location,
        problems,
        docs: Vec::new(),
        count: 0,
        seen: HashMap::new(),
        pending: Pending::default(),
    };
    for (index, line) in text.split('\n').enumerate() {
        reader.line(index + 1, line);
    }
    reader.end_document();
    reader.problems.into_result(reader.docs)
}

/// [`read_text`], except that CRLF line endings are fine: offsets are computed on the rebuilt
/// text, not counted in the file.
fn read_text_any_line_endings(path: &Path, location: &Location, problems: &mut Problems) -> Option<String> {
    let mut found = Problems::default();
    let text = read_text(path, location, &mut found);
    problems.0.extend(found.0.into_iter().filter(|p| !matches!(p.kind, ProblemKind::CrlfLineEndings { .. })));
    text
}

/// A token of a document being written, in code points.
#[derive(Debug, Clone, Copy)]
struct Token {
    start: usize,
    end: usize,
    /// The text line it is on.
    line: usize,
}

/// Splits `text` into tokens by the rule in the module doc.
fn tokenize(text: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut cp = 0;
    for (line, content) in text.split('\n').enumerate() {
        let mut word: Option<usize> = None;
        for grapheme in content.graphemes(true) {
            let len = grapheme.chars().count();
            let first = grapheme.chars().next().unwrap_or(' ');
            if first.is_alphanumeric() {
                word.get_or_insert(cp);
            } else {
                if let Some(start) = word.take() {
                    tokens.push(Token { start, end: cp, line });
                }
                if !first.is_whitespace() {
                    tokens.push(Token { start: cp, end: cp + len, line });
                }
            }
            cp += len;
        }
        if let Some(start) = word {
            tokens.push(Token { start, end: cp, line });
        }
        cp += 1; // the "\n"
    }
    tokens
}

fn describe(span: &Span) -> String {
    format!("span {} ({} {}..{})", span.id(), span.label(), span.start(), span.end())
}

fn plural(n: usize, what: &str) -> String {
    format!("{n} {what}{}", if n == 1 { "" } else { "s" })
}

/// Writes `docs` as a CoNLL file in `scheme`, with the spans of `layer`, in the canonical
/// layout of the module doc. Returns what could not be written, one human-readable line each.
pub fn write(path: &Path, docs: &[AnnotatedDocument], scheme: Scheme, layer: &str) -> Result<Vec<String>, Error> {
    let mut out = String::new();
    let mut lost = Vec::new();
    for doc in docs {
        write_document(doc, scheme, layer, &mut out, &mut lost);
    }
    write_atomic(path, out.as_bytes())?;
    Ok(lost)
}

fn write_document(doc: &AnnotatedDocument, scheme: Scheme, layer: &str, out: &mut String, lost: &mut Vec<String>) {
    let d = &doc.document;
    let a = &doc.annotations;
    let mut lose = |what: String| lost.push(format!("document {}: {what}", d.id()));
    let tokens = tokenize(d.text());
    if tokens.is_empty() {
        lose("the text has no tokens; document not written".into());
        return;
    }

    let mut other_layers: BTreeMap<&str, usize> = BTreeMap::new();
    for span in a.spans.iter().filter(|s| s.layer() != layer) {
        *other_layers.entry(span.layer()).or_default() += 1;
    }
    for (other, n) in other_layers {
        lose(format!("{} of layer {other:?} dropped (only layer {layer:?} is written)", plural(n, "span")));
    }
    for (n, what) in [
        (a.relations.len(), "relation"),
        (a.clusters.len(), "cluster"),
        (a.attributes.len(), "attribute"),
        (a.notes.len(), "note"),
        (d.meta().len(), "metadata field"),
    ] {
        if n > 0 {
            lose(format!("{} dropped (CoNLL cannot hold them)", plural(n, what)));
        }
    }

    // Map each span of the layer to the tokens it covers.
    let mut candidates = Vec::new();
    for span in a.layer(layer) {
        if span.fragments().len() > 1 {
            lose(format!("{} is discontinuous, dropped", describe(span)));
            continue;
        }
        if span.label().is_empty() || span.label().contains(char::is_whitespace) {
            lose(format!("{}: a label must be non-empty and without whitespace, dropped", describe(span)));
            continue;
        }
        let (s, e) = (span.start(), span.end());
        let first = tokens.partition_point(|t| t.end <= s);
        let last = tokens.partition_point(|t| t.start < e);
        let inside = tokens.get(first).is_some_and(|t| t.start < s)
            || last.checked_sub(1).and_then(|l| tokens.get(l)).is_some_and(|t| t.end > e);
        let (Some(head), Some(tail)) = (tokens.get(first), last.checked_sub(1).and_then(|l| tokens.get(l))) else {
            lose(format!("{} covers no token, dropped", describe(span)));
            continue;
        };
        if inside {
            lose(format!("{} has a boundary inside a token, dropped", describe(span)));
        } else if first >= last {
            lose(format!("{} covers no token, dropped", describe(span)));
        } else if head.line != tail.line {
            lose(format!("{} crosses a line break (a sentence boundary), dropped", describe(span)));
        } else {
            if head.start != s || tail.end != e {
                lose(format!("{} has whitespace at an edge; written as the tokens it covers", describe(span)));
            }
            candidates.push((first, last, span));
        }
    }
    candidates.sort_by_key(|&(first, last, _)| (first, Reverse(last)));

    // Keep spans that do not overlap one kept before; tag their tokens.
    let mut tags: Vec<String> = vec!["O".to_owned(); tokens.len()];
    let mut previous: Option<(usize, usize, &Span)> = None;
    for (first, last, span) in candidates {
        if let Some((_, prev_last, prev)) = previous {
            if first < prev_last {
                lose(format!("{} overlaps or is nested in span {}, dropped", describe(span), prev.id()));
                continue;
            }
        }
        let adjacent_same = previous.is_some_and(|(_, prev_last, prev)| {
            prev_last == first && prev.label() == span.label() && same_line(&tokens, first, prev_last.wrapping_sub(1))
        });
        for (t, tag) in tags.iter_mut().enumerate().take(last).skip(first) {
            let prefix = match scheme {
                Scheme::Iob2 if t == first => "B",
                Scheme::Iob1 if t == first && adjacent_same => "B",
                Scheme::Iob1 | Scheme::Iob2 => "I",
                Scheme::Bioes if last - first == 1 => "S",
                Scheme::Bioes if t == first => "B",
                Scheme::Bioes if t + 1 == last => "E",
                Scheme::Bioes => "I",
            };
            *tag = format!("{prefix}-{}", span.label());
        }
        previous = Some((first, last, span));
    }

    let id = if d.id().contains(['\n', '\r']) {
        lose("the id contains a line break, written with spaces instead".into());
        d.id().replace(['\n', '\r'], " ")
    } else {
        d.id().to_owned()
    };
    let mut rebuilt = String::new();
    let _ = write!(out, "-DOCSTART-\n\n# id = {id}\n");
    for (i, (token, tag)) in tokens.iter().zip(&tags).enumerate() {
        let text = d.slice(token.start, token.end).unwrap_or_default();
        if i > 0 {
            let new_sentence = !same_line(&tokens, i - 1, i);
            if new_sentence {
                out.push('\n');
            }
            rebuilt.push(if new_sentence { '\n' } else { ' ' });
        }
        rebuilt.push_str(text);
        let _ = writeln!(out, "{text} {tag}");
    }
    out.push('\n');
    if rebuilt != d.text() {
        lose("whitespace is not kept: reading back joins tokens with one space and sentences with a line break".into());
    }
}

fn same_line(tokens: &[Token], a: usize, b: usize) -> bool {
    matches!((tokens.get(a), tokens.get(b)), (Some(x), Some(y)) if x.line == y.line)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn file(contents: &str) -> (tempfile::TempDir, std::path::PathBuf) {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("news.conll");
        std::fs::write(&path, contents).expect("write fixture");
        (dir, path)
    }

    /// Reads `input` in `scheme` and renders each document's spans as `LABEL "covered text"`.
    fn check(scheme: Scheme, input: &str, expected: &[&str]) {
        let (_dir, path) = file(input);
        let docs = read(&path, scheme, "entities").expect("fixture reads");
        let found: Vec<String> =
            docs.iter()
                .flat_map(|d| {
                    d.annotations.spans.iter().map(|s| {
                        format!("{} {:?}", s.label(), d.document.slice(s.start(), s.end()).unwrap_or_default())
                    })
                })
                .collect();
        assert_eq!(found, expected);
    }

    fn lines(tokens: &[(&str, &str)]) -> String {
        tokens.iter().map(|(t, g)| format!("{t} {g}\n")).collect()
    }

    #[test]
    fn scheme_parses_its_spellings() {
        for scheme in [Scheme::Iob1, Scheme::Iob2, Scheme::Bioes] {
            assert_eq!(Scheme::parse(scheme.as_str()), Some(scheme));
        }
        assert_eq!(Scheme::parse("IOB2"), None);
    }

    #[test]
    fn conll2003_columns_docstart_and_text_rebuilding() {
        let input = "-DOCSTART- -X- -X- O\n\nEU NNP B-NP I-ORG\nrejects VBZ B-VP O\nGerman JJ B-NP I-MISC\ncall NN I-NP O\n. . O O\n\nPeter NNP B-NP I-PER\nBlackburn NNP I-NP I-PER\n\n-DOCSTART- -X- -X- O\n\nZoë B-PER\n";
        let (_dir, path) = file(input);
        let docs = read(&path, Scheme::Iob1, "entities").expect("reads");
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[0].document.id(), "news-0001");
        assert_eq!(docs[0].document.text(), "EU rejects German call .\nPeter Blackburn");
        let spans: Vec<_> = docs[0].annotations.spans.iter().map(|s| (s.id(), s.label(), s.start(), s.end())).collect();
        assert_eq!(spans, [("T1", "ORG", 0, 2), ("T2", "MISC", 11, 17), ("T3", "PER", 25, 40)]);
        assert!(docs[0].annotations.spans.iter().all(|s| s.layer() == "entities"));
        assert_eq!(docs[1].document.id(), "news-0002");
        assert_eq!(docs[1].document.text(), "Zoë");
    }

    #[test]
    fn id_lines_name_documents_and_empty_documents_are_skipped() {
        let input = "-DOCSTART-\n\n-DOCSTART-\n\n# id = first\nA O\n\n# id = second\nB B-X\r\n\nC O\n";
        let (_dir, path) = file(input);
        let docs = read(&path, Scheme::Iob2, "l").expect("reads");
        let ids: Vec<_> = docs.iter().map(|d| (d.document.id(), d.document.text())).collect();
        assert_eq!(ids, [("first", "A"), ("second", "B\nC")]);
    }

    #[test]
    fn iob2_decoding() {
        let input = lines(&[
            ("a", "B-PER"),
            ("b", "I-PER"),
            ("c", "B-PER"),
            ("d", "I-ORG"),
            ("e", "O"),
            ("f", "I-LOC"),
            ("g", "I-LOC"),
        ]);
        check(Scheme::Iob2, &input, &["PER \"a b\"", "PER \"c\"", "ORG \"d\"", "LOC \"f g\""]);
    }

    #[test]
    fn iob1_decoding() {
        let input = lines(&[
            ("a", "I-PER"),
            ("b", "I-PER"),
            ("c", "B-PER"),
            ("d", "I-PER"),
            ("e", "I-ORG"),
            ("f", "O"),
            ("g", "B-LOC"),
            ("h", "I-LOC"),
        ]) + "\ni I-LOC\n";
        check(Scheme::Iob1, &input, &["PER \"a b\"", "PER \"c d\"", "ORG \"e\"", "LOC \"g h\"", "LOC \"i\""]);
    }

    #[test]
    fn bioes_decoding() {
        let input = lines(&[
            ("a", "B-PER"),
            ("b", "I-PER"),
            ("c", "E-PER"),
            ("d", "S-ORG"),
            ("e", "S-ORG"),
            ("f", "I-LOC"),
            ("g", "E-LOC"),
            ("h", "E-LOC"),
            ("i", "B-PER"),
            ("j", "I-ORG"),
            ("k", "O"),
            ("l", "B-MISC"),
            ("m", "I-MISC"),
        ]);
        let expected = [
            "PER \"a b c\"",
            "ORG \"d\"",
            "ORG \"e\"",
            "LOC \"f g\"",
            "LOC \"h\"",
            "PER \"i\"",
            "ORG \"j\"",
            "MISC \"l m\"",
        ];
        check(Scheme::Bioes, &input, &expected);
    }

    #[test]
    fn chunks_stop_at_sentence_ends() {
        check(Scheme::Iob2, "a B-X\n\nb I-X\n", &["X \"a\"", "X \"b\""]);
    }

    #[test]
    fn every_malformed_line_is_reported_with_line_and_document() {
        let input = "-DOCSTART-\n\n# id = d1\nfine O\n\n-DOCSTART-\n\n# id = d2\nlonely\nx E-PER\ny B-\nz OUT\n";
        let (_dir, path) = file(input);
        let err = read(&path, Scheme::Iob2, "entities").expect_err("malformed");
        let problems = err.problems();
        let lines: Vec<_> = problems.iter().map(|p| p.location.line).collect();
        assert_eq!(lines, [Some(9), Some(10), Some(11), Some(12)]);
        for p in problems {
            assert!(matches!(p.kind, ProblemKind::Syntax { .. }), "{p}");
            assert_eq!(p.location.document.as_deref(), Some("d2"));
        }
        let first = problems[0].to_string();
        assert!(first.contains(":9:") && first.contains("document d2") && first.contains("one column"), "{first}");
        assert!(problems[1].to_string().contains("unknown tag \"E-PER\" for IOB2"), "{}", problems[1]);
    }

    #[test]
    fn generated_ids_name_problems_and_duplicates_are_reported() {
        let (_dir, path) = file("a O\n\n-DOCSTART-\nb B-X\nc BAD\n");
        let err = read(&path, Scheme::Iob2, "l").expect_err("bad tag");
        assert_eq!(err.problems().len(), 1);
        assert!(err.problems()[0].to_string().contains(":5: document news-0002:"), "{}", err.problems()[0]);

        let (_dir, path) = file("# id = x\na O\n\n# id = x\nb O\n");
        let err = read(&path, Scheme::Iob2, "l").expect_err("duplicate");
        assert!(matches!(err.problems()[0].kind, ProblemKind::DuplicateId { first_line: Some(1), .. }));
    }

    #[test]
    fn tokenizer_splits_words_punctuation_and_keeps_graphemes() {
        let text = "“Zoë’s café,” said Le\u{301}a 😀🇫🇷 in 東京.\n\n  \nNew-York 3.5";
        let doc = Document::new("d", text, Meta::new());
        let found: Vec<(&str, usize)> =
            tokenize(text).into_iter().map(|t| (doc.slice(t.start, t.end).unwrap_or("?"), t.line)).collect();
        let words: Vec<&str> = found.iter().map(|t| t.0).collect();
        assert_eq!(
            words,
            [
                "“",
                "Zoë",
                "’",
                "s",
                "café",
                ",",
                "”",
                "said",
                "Le\u{301}a",
                "😀",
                "🇫🇷",
                "in",
                "東京",
                ".",
                "New",
                "-",
                "York",
                "3",
                ".",
                "5"
            ]
        );
        assert!(found.iter().take(14).all(|t| t.1 == 0) && found.iter().skip(14).all(|t| t.1 == 3));
    }

    fn span(id: &str, layer: &str, label: &str, start: usize, end: usize) -> Span {
        Span::contiguous(id, layer, label, start, end).expect("valid span")
    }

    #[test]
    fn writer_emits_each_scheme_and_reports_what_it_drops() {
        let text = "Liz Truss met Rishi Sunak in 10 Downing Street.\nThe PMs (Truss) spoke.";
        //          0   4     10  14    20    26 29 32      40    46 48  52   57  62   67
        let spans = vec![
            span("T1", "entities", "PER", 0, 9),
            span("T2", "entities", "PER", 14, 25),
            span("T3", "entities", "PER", 4, 9),   // nested in T1
            span("T4", "entities", "FAC", 29, 46), // "10 Downing Street"
            span("T5", "entities", "ORG", 1, 3),   // inside "Liz"
            span("T6", "entities", "PER", 40, 51), // "Street.\nThe" crosses the line break
            span("T7", "entities", "PER", 57, 62), // "Truss"
            span("T8", "quotes", "Quote", 0, 5),
            Span::new(
                "T9",
                "entities",
                "PER",
                vec![goldspan_model::Fragment::new(0, 3).expect("f"), goldspan_model::Fragment::new(4, 9).expect("f")],
            )
            .expect("discontinuous"),
        ];
        let relation =
            goldspan_model::Relation { id: "R1".into(), kind: "speaker".into(), head: "T8".into(), tail: "T1".into() };
        let annotations = Annotations { spans, relations: vec![relation], ..Annotations::default() };
        let mut meta = Meta::new();
        meta.insert("source".into(), "test".into());
        let doc = AnnotatedDocument { document: Document::new("d1", text, meta), annotations };
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("out.conll");

        let lost = write(&path, std::slice::from_ref(&doc), Scheme::Bioes, "entities").expect("writes");
        let written = std::fs::read_to_string(&path).expect("read back");
        let expected = "-DOCSTART-\n\n# id = d1\nLiz B-PER\nTruss E-PER\nmet O\nRishi B-PER\nSunak E-PER\nin O\n10 B-FAC\nDowning I-FAC\nStreet E-FAC\n. O\n\nThe O\nPMs O\n( O\nTruss S-PER\n) O\nspoke O\n. O\n\n";
        assert_eq!(written, expected);
        let joined = lost.join("\n");
        for needle in [
            "document d1: 1 span of layer \"quotes\" dropped",
            "1 relation dropped",
            "1 metadata field dropped",
            "span T3 (PER 4..9) overlaps or is nested in span T1, dropped",
            "span T5 (ORG 1..3) has a boundary inside a token, dropped",
            "span T6 (PER 40..51) crosses a line break",
            "whitespace is not kept",
            "span T9 (PER 0..9) is discontinuous, dropped",
        ] {
            assert!(joined.contains(needle), "missing {needle:?} in\n{joined}");
        }

        write(&path, std::slice::from_ref(&doc), Scheme::Iob1, "entities").expect("writes");
        let iob1 = std::fs::read_to_string(&path).expect("read back");
        assert!(iob1.contains("Liz I-PER\nTruss I-PER\nmet O\nRishi I-PER\n"), "{iob1}");
        let back = read(&path, Scheme::Iob1, "entities").expect("reads back");
        let labels: Vec<_> = back[0].annotations.spans.iter().map(|s| (s.label(), s.start(), s.end())).collect();
        assert_eq!(labels, [("PER", 0, 9), ("PER", 14, 25), ("FAC", 29, 46), ("PER", 59, 64)]);
    }

    #[test]
    fn iob1_writer_marks_adjacent_chunks_of_one_type_with_b() {
        let spans = vec![span("T1", "l", "PER", 0, 1), span("T2", "l", "PER", 2, 3), span("T3", "l", "ORG", 4, 5)];
        let annotations = Annotations { spans, ..Annotations::default() };
        let doc = AnnotatedDocument { document: Document::new("d", "a b c", Meta::new()), annotations };
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("out.conll");
        let lost = write(&path, &[doc], Scheme::Iob1, "l").expect("writes");
        assert!(lost.is_empty(), "{lost:?}");
        let written = std::fs::read_to_string(&path).expect("read back");
        assert_eq!(written, "-DOCSTART-\n\n# id = d\na I-PER\nb B-PER\nc I-ORG\n\n");
    }

    #[test]
    fn documents_without_tokens_are_not_written() {
        let doc = AnnotatedDocument {
            document: Document::new("blank", " \n ", Meta::new()),
            annotations: Annotations::default(),
        };
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("out.conll");
        let lost = write(&path, &[doc], Scheme::Iob2, "l").expect("writes");
        assert_eq!(lost, ["document blank: the text has no tokens; document not written"]);
        assert_eq!(std::fs::read_to_string(&path).expect("read back"), "");
    }

    /// A token the writer's tokenizer gives back unchanged: a word, or one other character.
    fn token() -> impl Strategy<Value = String> {
        prop_oneof![
            3 => "[a-zA-Z0-9éøçЖЯж李東京]{1,7}",
            1 => prop::sample::select(vec![".", ",", "“", "”", "'", "(", ")", "-", "😀", "#", "$", "%"]).prop_map(str::to_owned),
        ]
    }

    /// A sentence of tokens with valid IOB2 tags.
    fn sentence() -> impl Strategy<Value = Vec<(String, String)>> {
        prop::collection::vec((token(), 0..3u8, prop::sample::select(vec!["PER", "ORG", "LOC", "MISC"])), 1..9)
            .prop_map(|raw| {
                let mut previous: Option<&str> = None;
                let mut out = Vec::new();
                for (token, choice, label) in raw {
                    let tag = match (choice, previous) {
                        (0, _) => None,
                        (1, Some(open)) => Some(format!("I-{open}")),
                        _ => Some(format!("B-{label}")),
                    };
                    previous = match (choice, previous) {
                        (0, _) => None,
                        (1, Some(open)) => Some(open),
                        _ => Some(label),
                    };
                    out.push((token, tag.unwrap_or_else(|| "O".into())));
                }
                out
            })
    }

    proptest! {
        #[test]
        fn canonical_iob2_reads_and_writes_back_identically(
            docs in prop::collection::vec(prop::collection::vec(sentence(), 1..4), 1..4)
        ) {
            let mut input = String::new();
            for (d, sentences) in docs.iter().enumerate() {
                input.push_str(&format!("-DOCSTART-\n\n# id = doc-{d}\n"));
                for sentence in sentences {
                    for (token, tag) in sentence {
                        input.push_str(&format!("{token} {tag}\n"));
                    }
                    input.push('\n');
                }
            }
            let (dir, path) = file(&input);
            let read_back = read(&path, Scheme::Iob2, "entities").map_err(|e| TestCaseError::fail(e.to_string()))?;
            let out = dir.path().join("out.conll");
            write(&out, &read_back, Scheme::Iob2, "entities").map_err(|e| TestCaseError::fail(e.to_string()))?;
            let written = std::fs::read_to_string(&out).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(written, input);
        }
    }
}
