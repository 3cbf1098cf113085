//! OntoNotes 5 `*_conll` files of the CoNLL-2012 shared task, by the rules in the
//! [module doc](super#ontonotes-conll-2012): each `#begin document (ID); part NNN` ...
//! `#end document` block is a document, its named entities in a bracketed column.
//!
//! The named-entity column marks chunks with brackets instead of prefixes: `(PERSON*` opens,
//! `*` continues, `*)` closes, `(GPE)` is a one-token chunk. A stack decodes it, so nested
//! chunks (which OntoNotes names do not have, but the bracket notation allows) read too.

use super::column::Column;
use super::scheme::Chunk;
use super::{lines, Reading, Sentence};
use goldspan_model::Meta;

/// Column 4 holds the word.
const WORD: Column = match Column::new(4) {
    Some(c) => c,
    None => Column::FIRST,
};
/// Column 11 holds the named entities.
const NAMED_ENTITIES: Column = match Column::new(11) {
    Some(c) => c,
    None => Column::LAST,
};

/// One named-entity cell: the labels it opens, and how many chunks it closes.
#[derive(Debug, PartialEq, Eq)]
struct Cell<'a> {
    opens: Vec<&'a str>,
    closes: usize,
}

/// Parses a cell: `(` LABEL repeated, an optional `*`, then `)` repeated; `-` reads as `*`.
fn parse_cell(cell: &str) -> Result<Cell<'_>, String> {
    if cell == "-" || cell == "*" {
        return Ok(Cell { opens: Vec::new(), closes: 0 });
    }
    let mut rest = cell;
    let mut opens = Vec::new();
    while let Some(after) = rest.strip_prefix('(') {
        let end = after.find(['(', ')', '*']).unwrap_or(after.len());
        let label = &after[..end];
        if label.is_empty() {
            return Err(format!("named-entity cell {cell:?}: \"(\" without a label"));
        }
        opens.push(label);
        rest = &after[end..];
    }
    rest = rest.strip_prefix('*').unwrap_or(rest);
    let closes = rest.len();
    if !rest.bytes().all(|b| b == b')') || (opens.is_empty() && closes == 0) {
        return Err(format!(
            "named-entity cell {cell:?} is not bracketed: expected (LABEL* to open, * inside, *) to close, (LABEL) for one word"
        ));
    }
    Ok(Cell { opens, closes })
}

/// The sentence being read: its words and, per tag source, the chunks open and done.
#[derive(Default)]
struct Pending<'a> {
    forms: Vec<&'a str>,
    /// Per source: open chunks (label, first word, line), innermost last.
    open: Vec<Vec<(&'a str, usize, usize)>>,
    done: Vec<Vec<Chunk>>,
}

/// The document (part) being read.
#[derive(Default)]
struct Document {
    id: Option<String>,
    line: Option<usize>,
    meta: Meta,
    sentences: Vec<Sentence>,
}

/// Reads CoNLL-2012 `text` into `r`, with one named-entity column per source (`None`: 11).
pub(super) fn parse(text: &str, r: &mut Reading<'_>, sources: &[Option<Column>]) {
    let word = r.options.token_column.unwrap_or(WORD);
    let columns: Vec<Column> = sources.iter().map(|s| s.unwrap_or(NAMED_ENTITIES)).collect();
    let mut doc = Document::default();
    let mut sentence = Pending::default();
    for (no, line) in lines(text) {
        if line.trim().is_empty() {
            end_sentence(&mut sentence, &mut doc, r, no);
            continue;
        }
        if let Some(rest) = line.strip_prefix("#begin document") {
            end_sentence(&mut sentence, &mut doc, r, no);
            end_document(&mut doc, r);
            match parse_begin(rest) {
                Some((name, part)) => {
                    doc.id = Some(format!("{}-{part}", name.replace('/', "-")));
                    doc.meta.insert("document".into(), name.to_owned());
                    doc.meta.insert("part".into(), part.to_owned());
                }
                None => {
                    let message = format!("expected \"#begin document (ID); part NNN\", found {line:?}");
                    r.problem(no, None, message);
                }
            }
            doc.line = Some(no);
            continue;
        }
        if line.starts_with("#end document") {
            end_sentence(&mut sentence, &mut doc, r, no);
            end_document(&mut doc, r);
            continue;
        }
        if line.starts_with('#') {
            continue;
        }
        let fields: Vec<&str> = line.split_ascii_whitespace().collect();
        let Some(w) = word.index(fields.len()) else {
            let message = format!(
                "the word column {word} is not on this line of {} columns (CoNLL-2012 lines have document, part, \
                 word number, word, POS, parse, lemma, frameset, sense, speaker, named entities, ...)",
                fields.len()
            );
            r.problem(no, doc.id.as_deref(), message);
            continue;
        };
        let index = sentence.forms.len();
        sentence.open.resize_with(columns.len(), Vec::new);
        sentence.done.resize_with(columns.len(), Vec::new);
        for (s, column) in columns.iter().enumerate() {
            let Some(raw) = column.index(fields.len()).map(|i| fields[i]) else {
                let message = format!(
                    "the named-entity column {column} is not on this line of {} columns (it is column 11 in CoNLL-2012 files)",
                    fields.len()
                );
                r.problem(no, doc.id.as_deref(), message);
                continue;
            };
            match parse_cell(raw) {
                Ok(cell) => {
                    for label in cell.opens {
                        sentence.open[s].push((label, index, no));
                    }
                    for _ in 0..cell.closes {
                        match sentence.open[s].pop() {
                            Some((label, start, line)) => {
                                let chunk = Chunk { label: label.to_owned(), start, end: index + 1, line };
                                sentence.done[s].push(chunk);
                            }
                            None => {
                                let message = format!("named-entity cell {raw:?} closes a chunk that was never opened");
                                r.problem(no, doc.id.as_deref(), message);
                            }
                        }
                    }
                }
                Err(message) => r.problem(no, doc.id.as_deref(), message),
            }
        }
        doc.line.get_or_insert(no);
        sentence.forms.push(fields[w]);
    }
    end_sentence(&mut sentence, &mut doc, r, 0);
    end_document(&mut doc, r);
    r.notes.push(
        "CoNLL-2012: only words and named entities are read; POS, parse, predicates, word senses, speakers and \
         coreference are dropped"
            .into(),
    );
}

/// `(bc/cctv/00/cctv_0001); part 000` → (`bc/cctv/00/cctv_0001`, `000`).
fn parse_begin(rest: &str) -> Option<(&str, &str)> {
    let rest = rest.trim().strip_prefix('(')?;
    let (name, rest) = rest.split_once(')')?;
    let part = rest.trim().strip_prefix(';')?.trim().strip_prefix("part")?.trim();
    let safe =
        |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'));
    (safe(name) && !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit())).then_some((name, part))
}

/// Ends the sentence; `line` is where (for chunks left open).
fn end_sentence(sentence: &mut Pending<'_>, doc: &mut Document, r: &mut Reading<'_>, line: usize) {
    let mut pending = std::mem::take(sentence);
    if pending.forms.is_empty() {
        return;
    }
    for open in &pending.open {
        for (label, _, opened) in open {
            let at = if line > 0 { format!(" (sentence ends on line {line})") } else { " (the file ends)".into() };
            let message = format!("named entity ({label}* is never closed in its sentence{at}");
            r.problem(*opened, doc.id.as_deref(), message);
        }
    }
    for chunks in &mut pending.done {
        chunks.sort_by_key(|c| (c.start, std::cmp::Reverse(c.end)));
    }
    doc.sentences.push(Sentence::joined(&pending.forms, &[], pending.done));
}

fn end_document(doc: &mut Document, r: &mut Reading<'_>) {
    let done = std::mem::take(doc);
    r.push(done.id, done.line.unwrap_or_default(), done.meta, done.sentences);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cell(opens: &[&'static str], closes: usize) -> Result<Cell<'static>, String> {
        Ok(Cell { opens: opens.to_vec(), closes })
    }

    #[test]
    fn cells_open_continue_and_close() {
        assert_eq!(parse_cell("*"), cell(&[], 0));
        assert_eq!(parse_cell("-"), cell(&[], 0));
        assert_eq!(parse_cell("(PERSON*"), cell(&["PERSON"], 0));
        assert_eq!(parse_cell("*)"), cell(&[], 1));
        assert_eq!(parse_cell("(GPE)"), cell(&["GPE"], 1));
        assert_eq!(parse_cell("(ORG(GPE*"), cell(&["ORG", "GPE"], 0));
        assert_eq!(parse_cell("(WORK_OF_ART*))"), cell(&["WORK_OF_ART"], 2));
        for bad in ["", "PERSON", "(*", "*x", "(GPE)x", "**"] {
            assert!(parse_cell(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn begin_lines_name_document_and_part() {
        assert_eq!(parse_begin(" (bc/cctv/00/cctv_0001); part 000"), Some(("bc/cctv/00/cctv_0001", "000")));
        assert_eq!(parse_begin(" (nw/wsj/00/wsj_0001); part 12"), Some(("nw/wsj/00/wsj_0001", "12")));
        assert_eq!(parse_begin(" nw/wsj; part 1"), None);
        assert_eq!(parse_begin(" (a b); part 1"), None);
        assert_eq!(parse_begin(" (a); part x"), None);
    }
}
