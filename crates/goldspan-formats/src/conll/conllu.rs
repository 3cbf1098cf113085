//! CoNLL-U (Universal Dependencies) files with named-entity tags in MISC (`NE=B-PER`) or in a
//! column, by the rules in the [module doc](super#conll-u).
//!
//! Tags belong to syntactic words (integer ids) while text is made of surface tokens, which a
//! multiword token (`1-2  du`) writes as one for several words (`de`, `le`). Chunks are decoded
//! over words, then mapped to the surface tokens that hold their first and last words.

use super::column::Column;
use super::scheme::{self, Chunk, Prefix};
use super::{lines, plural, Reading, Sentence};
use goldspan_model::Meta;

/// The MISC keys tried, in order, when `--misc-key` is not given.
const MISC_KEYS: [&str; 2] = ["NE", "NER"];

/// Where a word's tag is.
#[derive(Debug, Clone)]
enum Source {
    Column(Column),
    Misc(String),
}

/// Whether `id` is a CoNLL-U ID: a word (`3`), a multiword token (`3-4`) or an empty node (`3.1`).
pub(super) fn is_word_id(id: &str) -> bool {
    parse_id(id).is_some()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Id {
    Word,
    Range(u32, u32),
    Empty,
}

fn parse_id(id: &str) -> Option<Id> {
    let number = |s: &str| s.bytes().all(|b| b.is_ascii_digit()).then(|| s.parse::<u32>().ok()).flatten();
    if let Some((a, b)) = id.split_once('-') {
        return Some(Id::Range(number(a)?, number(b)?));
    }
    if let Some((a, b)) = id.split_once('.') {
        number(a)?;
        number(b)?;
        return Some(Id::Empty);
    }
    number(id).map(|_| Id::Word)
}

/// The value of `key` in a MISC field (`A=1|NE=B-PER`), if present.
fn misc<'a>(field: &'a str, key: &str) -> Option<&'a str> {
    field.split('|').find_map(|item| item.split_once('=').filter(|(k, _)| *k == key).map(|(_, v)| v))
}

/// A word of the sentence being read: the surface token it is written in, its line, its tag
/// per source.
struct Word<'a> {
    surface: usize,
    line: usize,
    tags: Vec<Option<(Prefix, &'a str)>>,
}

/// The sentence being read.
#[derive(Default)]
struct Pending<'a> {
    /// Its `# text`.
    text: Option<&'a str>,
    /// Its surface tokens, and whether a space follows each.
    forms: Vec<&'a str>,
    space_after: Vec<bool>,
    words: Vec<Word<'a>>,
    /// The last word id covered by the open multiword token.
    range_end: Option<u32>,
}

/// The document being read.
#[derive(Default)]
struct Document {
    id: Option<String>,
    line: Option<usize>,
    sentences: Vec<Sentence>,
}

/// Counters behind the notes.
#[derive(Default)]
struct Tally {
    widened: usize,
    text_mismatch: usize,
}

/// Reads CoNLL-U `text` into `r`, with one tag source per entry of `sources` (`None`: MISC).
pub(super) fn parse(text: &str, r: &mut Reading<'_>, sources: &[Option<Column>]) {
    let all: Vec<(usize, &str)> = lines(text).collect();
    let Some(sources) = resolve_sources(&all, r, sources) else { return };
    let scheme = r.options.scheme;
    let tagging = (scheme, r.options.decode);
    let mut doc = Document::default();
    let mut sentence = Pending::default();
    let mut tally = Tally::default();
    for &(no, line) in &all {
        if line.is_empty() {
            end_sentence(&mut sentence, &mut doc, sources.len(), &mut tally, tagging);
            continue;
        }
        if let Some(comment) = line.strip_prefix('#') {
            let comment = comment.trim();
            if let Some(rest) = comment.strip_prefix("newdoc") {
                end_sentence(&mut sentence, &mut doc, sources.len(), &mut tally, tagging);
                end_document(&mut doc, r);
                let id = rest.trim().strip_prefix("id").and_then(|s| s.trim_start().strip_prefix('=')).map(str::trim);
                doc.id = id.filter(|id| !id.is_empty()).map(str::to_owned);
                doc.line = Some(no);
            } else if let Some(rest) = comment.strip_prefix("text").and_then(|s| s.trim_start().strip_prefix('=')) {
                sentence.text = Some(rest.trim());
            }
            continue;
        }
        let fields: Vec<&str> = line.split('\t').collect();
        if fields.len() < 10 {
            let message = format!(
                "a CoNLL-U word line has 10 tab-separated columns (ID FORM LEMMA UPOS XPOS FEATS HEAD DEPREL DEPS MISC), \
                 this one has {}",
                fields.len()
            );
            r.problem(no, doc.id.as_deref(), message);
            continue;
        }
        let space = misc(fields[9], "SpaceAfter") != Some("No");
        match parse_id(fields[0]) {
            None => {
                let message =
                    format!("{:?} is not a CoNLL-U ID (a word 3, a multiword token 3-4, an empty node 3.1)", fields[0]);
                r.problem(no, doc.id.as_deref(), message);
            }
            Some(Id::Empty) => {}
            Some(Id::Range(_, last)) => {
                for source in &sources {
                    if let Source::Misc(key) = source {
                        if misc(fields[9], key).is_some() {
                            let message = format!(
                                "the multiword token {} has {key}= in MISC: tags belong on its word lines",
                                fields[0]
                            );
                            r.problem(no, doc.id.as_deref(), message);
                        }
                    }
                }
                sentence.forms.push(fields[1]);
                sentence.space_after.push(space);
                sentence.range_end = Some(last);
            }
            Some(Id::Word) => {
                let number = fields[0].parse::<u32>().unwrap_or_default();
                let in_range = sentence.range_end.is_some_and(|end| number <= end);
                if !in_range {
                    sentence.range_end = None;
                    sentence.forms.push(fields[1]);
                    sentence.space_after.push(space);
                }
                let mut tags = Vec::with_capacity(sources.len());
                for source in &sources {
                    let value = match source {
                        Source::Misc(key) => misc(fields[9], key).unwrap_or("O"),
                        Source::Column(column) => match column.index(fields.len()) {
                            Some(i) => fields[i].trim(),
                            None => {
                                let message =
                                    format!("the tag column {column} is not on this line of {} columns", fields.len());
                                r.problem(no, doc.id.as_deref(), message);
                                "O"
                            }
                        },
                    };
                    let value = if value == "_" { "O" } else { value };
                    match scheme::parse_tag_as(value, scheme, r.options.suffix_tags) {
                        Ok(tag) => tags.push(tag),
                        Err(message) => {
                            r.problem(no, doc.id.as_deref(), message);
                            tags.push(None);
                        }
                    }
                }
                doc.line.get_or_insert(no);
                let surface = sentence.forms.len().saturating_sub(1);
                sentence.words.push(Word { surface, line: no, tags });
            }
        }
    }
    end_sentence(&mut sentence, &mut doc, sources.len(), &mut tally, tagging);
    end_document(&mut doc, r);
    if tally.widened > 0 {
        r.notes.push(format!(
            "{} inside a multiword token widened to the whole token (text holds surface tokens)",
            plural(tally.widened, "chunk boundary")
        ));
    }
    if tally.text_mismatch > 0 {
        r.notes.push(format!(
            "{} whose # text does not hold its tokens in order: text rebuilt from the tokens and SpaceAfter",
            plural(tally.text_mismatch, "sentence")
        ));
    }
}

/// The tag sources: the given columns, or MISC with the `--misc-key` or the first of
/// [`MISC_KEYS`] found in the file. Reports (and returns `None`) when there are none.
fn resolve_sources(all: &[(usize, &str)], r: &mut Reading<'_>, sources: &[Option<Column>]) -> Option<Vec<Source>> {
    let miscs =
        || all.iter().filter(|(_, l)| !l.is_empty() && !l.starts_with('#')).filter_map(|(_, l)| l.split('\t').nth(9));
    let first_line = all.iter().find(|(_, l)| !l.is_empty() && !l.starts_with('#')).map(|(n, _)| *n).unwrap_or(1);
    let mut out = Vec::new();
    for source in sources {
        match (source, &r.options.misc_key) {
            (Some(_), Some(key)) if sources.len() == 1 => {
                r.file_problem(first_line, format!("both --tag-column and --misc-key {key} are given: choose one"));
                return None;
            }
            (Some(column), _) => out.push(Source::Column(*column)),
            (None, Some(key)) => {
                if !miscs().any(|m| misc(m, key).is_some()) {
                    let message = format!("no word has {key}= in its MISC column: no named-entity tags to read");
                    r.file_problem(first_line, message);
                    return None;
                }
                out.push(Source::Misc(key.clone()));
            }
            (None, None) => match MISC_KEYS.iter().find(|k| miscs().any(|m| misc(m, k).is_some())) {
                Some(key) => out.push(Source::Misc((*key).to_owned())),
                None => {
                    let message = "no word has NE= or NER= in its MISC column: no named-entity tags to read; \
                         pass --misc-key KEY for another MISC key, or --tag-column N for tags in a column"
                        .to_owned();
                    r.file_problem(first_line, message);
                    return None;
                }
            },
        }
    }
    Some(out)
}

fn end_sentence(
    sentence: &mut Pending<'_>,
    doc: &mut Document,
    sources: usize,
    tally: &mut Tally,
    tagging: (scheme::Scheme, scheme::Decode),
) {
    let pending = std::mem::take(sentence);
    if pending.forms.is_empty() {
        return;
    }
    // Each surface token's first and last word.
    let mut spans_of: Vec<(usize, usize)> = vec![(usize::MAX, 0); pending.forms.len()];
    for (w, word) in pending.words.iter().enumerate() {
        if let Some(s) = spans_of.get_mut(word.surface) {
            s.0 = s.0.min(w);
            s.1 = w;
        }
    }
    let lines: Vec<usize> = pending.words.iter().map(|w| w.line).collect();
    let chunks = (0..sources)
        .map(|s| {
            let tags: Vec<Option<(Prefix, &str)>> =
                pending.words.iter().map(|w| w.tags.get(s).copied().flatten()).collect();
            scheme::decode_as(&tags, &lines, tagging)
                .into_iter()
                .filter_map(|c| {
                    let first = pending.words.get(c.start)?.surface;
                    let last = pending.words.get(c.end - 1)?.surface;
                    let exact = spans_of.get(first).is_some_and(|s| s.0 == c.start)
                        && spans_of.get(last).is_some_and(|s| s.1 == c.end - 1);
                    if !exact {
                        tally.widened += 1;
                    }
                    Some(Chunk { label: c.label, start: first, end: last + 1, line: c.line })
                })
                .collect()
        })
        .collect();
    let mut built = Sentence::joined(&pending.forms, &pending.space_after, chunks);
    if let Some(text) = pending.text {
        match align(text, &pending.forms) {
            Some(tokens) => {
                built.text = text.to_owned();
                built.tokens = tokens;
            }
            None => tally.text_mismatch += 1,
        }
    }
    doc.sentences.push(built);
}

/// The code-point ranges of `forms` found in order in `text`, separated only by whitespace;
/// `None` if they are not.
fn align(text: &str, forms: &[&str]) -> Option<Vec<(usize, usize)>> {
    let mut rest = text;
    let mut cp = 0;
    let mut out = Vec::with_capacity(forms.len());
    for form in forms {
        let trimmed = rest.trim_start();
        cp += rest[..rest.len() - trimmed.len()].chars().count();
        let after = trimmed.strip_prefix(form)?;
        let len = form.chars().count();
        out.push((cp, cp + len));
        cp += len;
        rest = after;
    }
    rest.trim().is_empty().then_some(out)
}

fn end_document(doc: &mut Document, r: &mut Reading<'_>) {
    let done = std::mem::take(doc);
    r.push(done.id, done.line.unwrap_or_default(), Meta::new(), done.sentences);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_words_ranges_and_empty_nodes() {
        assert_eq!(parse_id("12"), Some(Id::Word));
        assert_eq!(parse_id("3-4"), Some(Id::Range(3, 4)));
        assert_eq!(parse_id("3.1"), Some(Id::Empty));
        for bad in ["", "x", "3-", "-4", "3.x", "+3", "3 "] {
            assert_eq!(parse_id(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn misc_values_by_key() {
        assert_eq!(misc("SpaceAfter=No|NE=B-PER", "NE"), Some("B-PER"));
        assert_eq!(misc("NER=I-ORG", "NE"), None);
        assert_eq!(misc("_", "NE"), None);
    }

    #[test]
    fn forms_align_with_the_sentence_text() {
        assert_eq!(
            align("Hello, world!", &["Hello", ",", "world", "!"]),
            Some(vec![(0, 5), (5, 6), (7, 12), (12, 13)])
        );
        assert_eq!(align("Zoë  left", &["Zoë", "left"]), Some(vec![(0, 3), (5, 9)]));
        assert_eq!(align("Hello world", &["Hello", "there"]), None);
        assert_eq!(align("Hello world", &["Hello"]), None);
    }
}
