//! The CoNLL family of token files — plain CoNLL (CoNLL-2003, conlleval's `token gold
//! predicted`, GermEval, two-column `token tag`), CoNLL-U and OntoNotes CoNLL-2012 `*_conll` —
//! read into documents, and plain CoNLL written from them in seven tagging schemes.
//!
//! Token files hold tokens, not text, so a document's text is built from its tokens by one
//! rule and its spans are the code-point offsets of their tokens in it; the token boundaries
//! are recorded in the document's metadata ([`crate::tokenization`]), so writing the
//! document as CoNLL again gives back exactly the tokens that were read, in any scheme.
//!
//! # Dialects
//!
//! [`Dialect`]: `plain`, `conllu` or `conll2012`, detected from the content unless
//! `--conll-dialect` says: a `#begin document` line makes a file CoNLL-2012; a file whose
//! token lines all have at least 10 tab-separated columns starting with a CoNLL-U word id
//! (`1`, `1-2`, `1.1`), or whose name ends in `.conllu`, is CoNLL-U; anything else is plain.
//!
//! ## Plain CoNLL
//!
//! - **Columns.** A token line's columns are separated by tabs when every token line has a
//!   tab (so a token may hold spaces), and by runs of spaces and tabs otherwise. Every token
//!   line must have the same number of columns. The token is in `--token-column` (default 1)
//!   and the tag in `--tag-column` (default -1, the last); negative numbers count from the end.
//! - **Guarding the defaults.** When the token column is not given and column 1 holds token
//!   numbers (1, 2, 3, ... restarting at 1), as in GermEval, reading fails and says which
//!   column to use. When the tag column is not given and another column holds tags with a label
//!   of the last column (conlleval's `token gold predicted`, GermEval's outer and inner
//!   columns), or the last column holds only `O` while another holds chunk tags, reading fails
//!   and names the columns, rather than silently reading one of them.
//! - **Structure.** A blank line ends a sentence. A line whose first column (or token) is
//!   `-DOCSTART-` starts a new document. `# id = ID` names the document that follows (and
//!   starts a new one when the current one has tokens). Any other line starting with `#` is a
//!   comment, unless it is a token line for the token `#` or a token starting with `#`: same
//!   number of columns as the file's token lines and a tag in each tag column.
//! - **Tags** follow `--scheme` ([`Scheme`]) and are decoded by the rule below; a tag the
//!   scheme does not use is a problem naming the scheme that has it.
//!
//! ## CoNLL-U
//!
//! Ten tab-separated columns (ID FORM LEMMA UPOS XPOS FEATS HEAD DEPREL DEPS MISC; more are
//! allowed). `# newdoc` (optionally `# newdoc id = ID`) starts a document; `# text = ...` gives
//! a sentence's text; other comments are skipped. Word lines (integer ID) carry the tags;
//! multiword-token lines (`1-2`) give the surface token their words are written as, and empty
//! nodes (`1.1`) are skipped. Tags come from MISC (`NE=B-PER` or `NER=B-PER`, the key chosen
//! by `--misc-key` or found in the file; a word without the key is `O`) or from
//! `--tag-column` (where `_` is `O`). A sentence's text is its `# text` when the tokens are
//! found in it in order, else the surface tokens joined by a space except after
//! `SpaceAfter=No`. Tokens are the surface tokens; a chunk that starts or ends inside a
//! multiword token covers the whole token (a note says how often).
//!
//! ## OntoNotes CoNLL-2012
//!
//! `*_conll` files: `#begin document (ID); part NNN` ... `#end document` around each part,
//! whitespace-separated columns (document, part, word number, word, POS, parse bit, predicate
//! lemma, frameset, word sense, speaker, named entities, predicate arguments..., coreference).
//! Each part is a document `ID-NNN` (`/` in ID becomes `-`; metadata `document` and `part` keep
//! both). The token is column 4 and the named entities column 11 (`--token-column`,
//! `--tag-column` override), bracketed: `(LABEL*` opens a chunk, `*` continues, `*)` closes the
//! innermost open one, `(LABEL)` is one token; `-` reads as `*`. POS, parse, predicates,
//! senses, speakers and coreference are not read (a note says so).
//!
//! # Decoding
//!
//! One lenient rule for every scheme (a scheme only decides which prefixes a file may use, and
//! how chunks are written). Chunks never cross a sentence boundary, and `O` closes the open
//! chunk. A tag whose prefix is "inside" (`I-X`) or "end" (`E-X`, BILOU's `L-X`) continues the
//! open chunk when it has type X, and otherwise starts a new one; "begin" (`B-X`) and "single"
//! (`S-X`, BILOU's `U-X`) always start one; "end" and "single" close the chunk they are in. So
//! `I-X` after `O` or another type starts a chunk, as conlleval does; a chunk never closed by
//! an end tag ends at its last tag; an `E-X` that continues nothing is a one-token chunk. This
//! is seqeval 1.2.2's default decoding for every sequence of `B-`, `I-`, `E-`, `S-` and `O`
//! (`tests/fixtures/conll/seqeval-lenient.jsonl` holds 1,819 sequences it decoded), BIOES
//! included: BIOES is decoded exactly as seqeval's default (lenient) mode decodes it.
//!
//! `--decode strict` ([`Decode::Strict`]) decodes as seqeval's `mode="strict"` instead: only
//! what the scheme allows is a chunk (IOB2 `B-X I-X*`, BIOES `B-X I-X* E-X` or `S-X`, ...),
//! ported pattern for pattern from `seqeval/scheme.py` and checked on every case of seqeval's
//! own test suite (`tests/tests/replay.rs`). A tag of one prefix letter alone (`B`, `I`) has
//! no type; its chunk's label is `_`, as seqeval names it. `--suffix-tags` reads `PER-B`.
//!
//! # Documents and text
//!
//! - A document without an id is named `{file stem}-{n}`, `n` its 1-based position among the
//!   documents of the file that have tokens, zero-padded to 4 digits (`train-0003`). Documents
//!   without tokens are skipped; a repeated id is a problem.
//! - **Text:** a sentence's tokens joined by a single space (CoNLL-U: as above), sentences
//!   joined by `"\n"`, no trailing newline. Spans cover their tokens in that text (code points,
//!   end exclusive); CRLF line endings are accepted. The token boundaries go in the metadata
//!   key [`crate::tokenization::META_KEY`].
//! - Spans take their layer from the manifest when one is given (an undeclared label is a
//!   problem), else the default layer; ids are `T1`, `T2`, ... in text order.
//! - Every problem names the file, line and document; reading goes on to report all of them.
//!
//! # Writing
//!
//! The canonical layout is, for each document: a line `-DOCSTART-`, a blank line, a line
//! `# id = ID`, then each sentence as `token tag` lines followed by a blank line. A file in
//! it, read and written in its own scheme, comes back byte for byte when its tags are the ones
//! the writer chooses (IOB1's `B-` only between two chunks of one type, for instance).
//! Columns are separated by one space, or by a tab in every line when some token holds
//! whitespace.
//!
//! - **Tokens:** the document's recorded tokens ([`crate::tokenization`]) when it has them and
//!   they fit its text, else [`crate::tokenization::words`]; each text line is a sentence.
//!   Sentences and documents with no tokens are left out.
//! - Only spans of the chosen layer are written. A span is dropped when a boundary falls inside
//!   a token (spans are not snapped to tokens), when it covers no token, when it crosses a line
//!   break, when it is discontinuous, when its label is empty or contains whitespace, or when it
//!   overlaps or is nested in a span kept before it (spans are kept in order of start, longer
//!   first, so the outermost span of a nest survives). A span with whitespace at its edges is
//!   written as the tokens it covers.
//! - Everything that cannot be written is returned as a human-readable list: each dropped span,
//!   adjacent spans of one label that IO cannot separate, spans of other layers (count per
//!   layer), relations, clusters, attributes, notes and metadata (counts; the token record is
//!   not counted, the tokens themselves keep it), and documents whose text is not the rebuilt
//!   one (whitespace is lost).

mod column;
mod conll2012;
mod conllu;
mod plain;
mod scheme;
mod write;

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::Path;

pub use column::Column;
pub use scheme::{decode_tags, Chunks, Decode, Scheme, Tagging, TYPELESS};
pub use write::write;

use crate::format::{read_against, Collection, ReadOptions};
use crate::read_text;
use crate::tokenization;
use goldspan_model::{AnnotatedDocument, Annotations, Document, Error, Location, Meta, ProblemKind, Problems, Span};
use scheme::Chunk;

/// Which member of the CoNLL family a file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Dialect {
    /// One token per line, tag in a column: CoNLL-2003, conlleval, GermEval, `token tag`.
    Plain,
    /// Universal Dependencies' CoNLL-U, with named entities in MISC or in a column.
    Conllu,
    /// OntoNotes 5 `*_conll` files of the CoNLL-2012 shared task.
    Conll2012,
}

impl Dialect {
    /// Every dialect.
    pub const ALL: &'static [Dialect] = &[Dialect::Plain, Dialect::Conllu, Dialect::Conll2012];

    /// Parses a dialect name, ignoring case and `-`/`_`: `plain`, `conllu`, `conll2012`
    /// (`ontonotes` too).
    pub fn parse(name: &str) -> Option<Dialect> {
        let folded: String = name.chars().filter(|c| !matches!(c, '-' | '_')).flat_map(char::to_lowercase).collect();
        match folded.as_str() {
            "ontonotes" => Some(Dialect::Conll2012),
            folded => Dialect::ALL.iter().copied().find(|d| d.as_str() == folded),
        }
    }

    /// The command-line spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Dialect::Plain => "plain",
            Dialect::Conllu => "conllu",
            Dialect::Conll2012 => "conll2012",
        }
    }

    /// The dialect of a file's contents, and why (for a note), by the rules in the module doc.
    fn detect(path: &Path, text: &str) -> (Dialect, &'static str) {
        let lines = || text.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l));
        if lines().any(|l| l.starts_with("#begin document")) {
            return (Dialect::Conll2012, "it has #begin document lines");
        }
        let extension = path.extension().map(|e| e.to_string_lossy().to_ascii_lowercase());
        if extension.as_deref() == Some("conllu") {
            return (Dialect::Conllu, "its name ends in .conllu");
        }
        let mut rows = lines().filter(|l| !l.trim().is_empty() && !l.starts_with('#')).peekable();
        let conllu_row = |l: &str| {
            let fields: Vec<&str> = l.split('\t').collect();
            fields.len() >= 10 && conllu::is_word_id(fields[0])
        };
        if rows.peek().is_some() && rows.all(conllu_row) {
            return (Dialect::Conllu, "every token line has 10 tab-separated columns starting with a word id");
        }
        (Dialect::Plain, "")
    }
}

impl fmt::Display for Dialect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Dialect::Plain => "plain CoNLL",
            Dialect::Conllu => "CoNLL-U",
            Dialect::Conll2012 => "CoNLL-2012",
        })
    }
}

/// A sentence read from a file: its text, its tokens' code-point ranges in that text, and its
/// chunks (token ranges) from each tag source.
#[derive(Debug, Default)]
struct Sentence {
    text: String,
    tokens: Vec<(usize, usize)>,
    chunks: Vec<Vec<Chunk>>,
    /// Per tag source, each token's tag, canonical ([`scheme::canonical_tag`]); kept only
    /// when reading for [`read_tag_pairs`].
    tags: Vec<Vec<String>>,
}

impl Sentence {
    /// The sentence of `forms`, joined by a space except where `space_after` is false.
    fn joined(forms: &[&str], space_after: &[bool], chunks: Vec<Vec<Chunk>>) -> Sentence {
        let mut text = String::new();
        let mut tokens = Vec::with_capacity(forms.len());
        let mut cp = 0;
        for (i, form) in forms.iter().enumerate() {
            if i > 0 && space_after.get(i - 1).copied().unwrap_or(true) {
                text.push(' ');
                cp += 1;
            }
            let len = form.chars().count();
            tokens.push((cp, cp + len));
            text.push_str(form);
            cp += len;
        }
        Sentence { text, tokens, chunks, tags: Vec::new() }
    }
}

/// A document read from a file, before its spans are made.
#[derive(Debug)]
struct Doc {
    id: String,
    meta: Meta,
    sentences: Vec<Sentence>,
}

/// The state of one file being read: where, with which options, what was found.
struct Reading<'a> {
    location: Location,
    stem: String,
    options: &'a ReadOptions,
    problems: Problems,
    notes: Vec<String>,
    docs: Vec<Doc>,
    /// Documents with tokens seen so far (for generated ids).
    count: usize,
    seen: HashMap<String, usize>,
    /// Keep each token's tags ([`read_tag_pairs`]).
    keep_tags: bool,
}

impl<'a> Reading<'a> {
    fn new(path: &Path, options: &'a ReadOptions) -> Reading<'a> {
        Reading {
            location: Location::file(path),
            stem: path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "doc".into()),
            options,
            problems: Problems::default(),
            notes: Vec::new(),
            docs: Vec::new(),
            count: 0,
            seen: HashMap::new(),
            keep_tags: false,
        }
    }

    /// The id the document being read will get: `given`, or the generated one.
    fn id(&self, given: Option<&str>) -> String {
        given.map(str::to_owned).unwrap_or_else(|| format!("{}-{:04}", self.stem, self.count + 1))
    }

    /// A problem on `line` of the document with id `given` (or the generated one).
    fn problem(&mut self, line: usize, given: Option<&str>, message: String) {
        let at = self.location.at_line(line).in_document(&self.id(given));
        self.problems.push(at, ProblemKind::Syntax { message });
    }

    /// A problem with the whole file, shown at `line`.
    fn file_problem(&mut self, line: usize, message: String) {
        self.problems.push(self.location.at_line(line), ProblemKind::Syntax { message });
    }

    /// Adds a finished document, unless it has no sentences (skipped) or its id was seen.
    fn push(&mut self, given: Option<String>, line: usize, meta: Meta, sentences: Vec<Sentence>) {
        if sentences.is_empty() {
            return;
        }
        let id = self.id(given.as_deref());
        self.count += 1;
        if let Some(&first) = self.seen.get(&id) {
            let at = self.location.at_line(line).in_document(&id);
            self.problems.push(at, ProblemKind::DuplicateId { id, first_line: Some(first) });
            return;
        }
        self.seen.insert(id.clone(), line);
        self.docs.push(Doc { id, meta, sentences });
    }

    /// The document of `doc` with the spans of tag source `source`.
    fn assemble(&mut self, doc: &Doc, source: usize) -> AnnotatedDocument {
        let mut text = String::new();
        let mut tokens = Vec::new();
        let mut spans = Vec::new();
        let mut cp = 0;
        for (s, sentence) in doc.sentences.iter().enumerate() {
            if s > 0 {
                text.push('\n');
                cp += 1;
            }
            text.push_str(&sentence.text);
            tokens.extend(sentence.tokens.iter().map(|&(a, b)| (cp + a, cp + b)));
            let mut chunks: Vec<&Chunk> = sentence.chunks.get(source).map(|c| c.iter().collect()).unwrap_or_default();
            chunks.sort_by_key(|c| (c.start, std::cmp::Reverse(c.end)));
            for chunk in chunks {
                let start = sentence.tokens.get(chunk.start).map(|t| cp + t.0);
                let end = chunk.end.checked_sub(1).and_then(|e| sentence.tokens.get(e)).map(|t| cp + t.1);
                let id = format!("T{}", spans.len() + 1);
                let layer = match &self.options.manifest {
                    Some(manifest) => match manifest.layer_of(&chunk.label) {
                        Some(layer) => layer.name.clone(),
                        None => {
                            let at = self.location.at_line(chunk.line).in_document(&doc.id);
                            let kind = ProblemKind::UnknownLabel { span: id, label: chunk.label.clone(), layer: None };
                            self.problems.push(at, kind);
                            continue;
                        }
                    },
                    None => self.options.layer.clone(),
                };
                if let Some(span) = start.zip(end).and_then(|(s, e)| Span::contiguous(id, layer, &chunk.label, s, e)) {
                    spans.push(span);
                }
            }
            cp += sentence.text.chars().count();
        }
        let mut meta = doc.meta.clone();
        if let Some(value) = tokenization::describe(&text, &tokens) {
            meta.insert(tokenization::META_KEY.into(), value);
        }
        AnnotatedDocument {
            document: Document::new(doc.id.clone(), text, meta),
            annotations: Annotations { spans, ..Annotations::default() },
        }
    }
}

/// Reads `path` with each of `sources` as the tag source (`None`: the dialect's default), by
/// the rules in the module doc: one list of documents per source, and the notes.
fn read_sources(path: &Path, options: &ReadOptions, sources: &[Option<Column>]) -> Result<Read, Error> {
    let mut reading = Reading::new(path, options);
    let Some(text) = read_text_any_line_endings(path, &reading.location, &mut reading.problems) else {
        return Err(reading.problems.into_error());
    };
    let dialect = match options.conll_dialect {
        Some(dialect) => dialect,
        None => {
            let (dialect, why) = Dialect::detect(path, &text);
            if dialect != Dialect::Plain {
                reading.notes.push(format!("read as {dialect} because {why} (--conll-dialect chooses another)"));
            }
            dialect
        }
    };
    match dialect {
        Dialect::Plain => plain::parse(&text, &mut reading, sources),
        Dialect::Conllu => conllu::parse(&text, &mut reading, sources),
        Dialect::Conll2012 => conll2012::parse(&text, &mut reading, sources),
    }
    let docs = std::mem::take(&mut reading.docs);
    let collections = (0..sources.len()).map(|s| docs.iter().map(|d| reading.assemble(d, s)).collect()).collect();
    let origins = reading.seen.iter().map(|(id, &line)| (id.clone(), reading.location.at_line(line))).collect();
    let Reading { problems, notes, .. } = reading;
    problems.into_result((collections, notes, origins))
}

/// One list of documents per tag source, the notes, and where each document starts.
type Read = (Vec<Vec<AnnotatedDocument>>, Vec<String>, BTreeMap<String, Location>);

/// Reads a CoNLL-family file into documents, its tags from `options.tag_column` (or the
/// dialect's default). Every problem of the file is reported, each naming its line and document.
pub fn read(path: &Path, options: &ReadOptions) -> Result<Collection, Error> {
    let (mut lists, notes, origins) = read_sources(path, options, &[options.tag_column])?;
    let documents = lists.pop().unwrap_or_default();
    Ok(Collection { manifest: read_against(options, &documents), documents, notes, origins })
}

/// Reads one file holding two tag columns over the same tokens — conlleval's `token gold
/// predicted` layout — as two collections of the same documents: the tags of column `gold`,
/// and those of column `predicted`.
pub fn read_pair(
    path: &Path,
    options: &ReadOptions,
    gold: Column,
    predicted: Column,
) -> Result<(Collection, Collection), Error> {
    let (lists, notes, origins) = read_sources(path, options, &[Some(gold), Some(predicted)])?;
    let mut lists = lists.into_iter();
    let mut next = || {
        let documents = lists.next().unwrap_or_default();
        Collection {
            manifest: read_against(options, &documents),
            documents,
            notes: notes.clone(),
            origins: origins.clone(),
        }
    };
    let gold = next();
    Ok((gold, next()))
}

/// The gold and predicted tag of every token of a plain CoNLL file with two tag columns
/// (conlleval's `token gold predicted`), in file order, for seqeval's token-level
/// `performance_measure` (`score --conll FILE --mode tags`). Tags are parsed by the options'
/// scheme and written canonically ([`scheme::canonical_tag`]: `PER-B` and `B-PER` alike), so
/// two tags are equal exactly when they are the same tag. The file is checked as [`read_pair`]
/// checks it. CoNLL-U and CoNLL-2012 files are refused: goldspan reads their tags per word
/// of a multiword token, or as brackets, not as one tag per token line.
pub fn read_tag_pairs(
    path: &Path,
    options: &ReadOptions,
    gold: Column,
    predicted: Column,
) -> Result<Vec<(String, String)>, Error> {
    let mut reading = Reading::new(path, options);
    reading.keep_tags = true;
    let Some(text) = read_text_any_line_endings(path, &reading.location, &mut reading.problems) else {
        return Err(reading.problems.into_error());
    };
    let dialect = options.conll_dialect.unwrap_or_else(|| Dialect::detect(path, &text).0);
    if dialect != Dialect::Plain {
        let message = format!(
            "--mode tags compares the tags of plain CoNLL token lines (token gold predicted); this file is read as \
             {dialect}: score its chunks with the span modes"
        );
        reading.file_problem(1, message);
        return Err(reading.problems.into_error());
    }
    plain::parse(&text, &mut reading, &[Some(gold), Some(predicted)]);
    let pairs = reading
        .docs
        .iter()
        .flat_map(|d| &d.sentences)
        .flat_map(|s| match s.tags.as_slice() {
            [g, p] => g.iter().cloned().zip(p.iter().cloned()).collect(),
            _ => Vec::new(),
        })
        .collect();
    reading.problems.into_result(pairs)
}

/// [`read_text`], except that CRLF line endings are fine: offsets are computed on the rebuilt
/// text, not counted in the file.
fn read_text_any_line_endings(path: &Path, location: &Location, problems: &mut Problems) -> Option<String> {
    let mut found = Problems::default();
    let text = read_text(path, location, &mut found);
    found.drop_hygiene();
    problems.extend(found.into_vec());
    text
}

/// Lines of a file without their line break (`\n` or `\r\n`) and trailing spaces and tabs,
/// numbered from 1.
fn lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.split('\n').enumerate().map(|(i, l)| (i + 1, l.strip_suffix('\r').unwrap_or(l).trim_end_matches([' ', '\t'])))
}

fn plural(n: usize, what: &str) -> String {
    format!("{n} {what}{}", if n == 1 { "" } else { "s" })
}

#[cfg(test)]
mod tests;
