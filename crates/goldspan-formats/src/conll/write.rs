//! Writes documents as plain CoNLL in any [`Scheme`], in the canonical layout of the
//! [module doc](super#writing), saying what the format cannot hold.
//!
//! Tokens come from the document's recorded tokenization when it has one (a document read
//! from a token file), so a CoNLL file read and written again keeps its tokens exactly,
//! whatever the scheme; other documents are cut into words.

use std::cmp::Reverse;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use super::plural;
use super::scheme::{self, Chunk, Scheme};
use crate::tokenization::{self, Token};
use crate::write_atomic;
use goldspan_model::{AnnotatedDocument, Error, Span};

/// A document ready to print: its id and its sentences of (token, tag).
struct Prepared {
    id: String,
    sentences: Vec<Vec<(String, String)>>,
}

/// Writes `docs` as a CoNLL file in `scheme`, with the spans of `layer`, in the canonical
/// layout of the module doc. Returns what could not be written, one human-readable line each.
pub fn write(path: &Path, docs: &[AnnotatedDocument], scheme: Scheme, layer: &str) -> Result<Vec<String>, Error> {
    let mut lost = Vec::new();
    let prepared: Vec<Prepared> = docs.iter().filter_map(|d| prepare(d, scheme, layer, &mut lost)).collect();
    let spaced =
        prepared.iter().flat_map(|p| p.sentences.iter().flatten()).any(|(t, _)| t.contains(char::is_whitespace));
    let separator = if spaced { '\t' } else { ' ' };
    let mut out = String::new();
    for doc in &prepared {
        let _ = write!(out, "-DOCSTART-\n\n# id = {}\n", doc.id);
        for sentence in &doc.sentences {
            for (token, tag) in sentence {
                let _ = writeln!(out, "{token}{separator}{tag}");
            }
            out.push('\n');
        }
    }
    write_atomic(path, out.as_bytes())?;
    Ok(lost)
}

fn describe(span: &Span) -> String {
    format!("span {} ({} {}..{})", span.id(), span.label(), span.start(), span.end())
}

/// The document's tokens: recorded, or cut into words.
fn tokens_of(doc: &AnnotatedDocument, lose: &mut impl FnMut(String)) -> Vec<Token> {
    let d = &doc.document;
    if let Some(value) = d.meta().get(tokenization::META_KEY) {
        match tokenization::tokens(d.text(), value) {
            Some(tokens) => return tokens,
            None => lose(format!(
                "its {:?} metadata does not fit its text; the text was cut into words instead",
                tokenization::META_KEY
            )),
        }
    }
    tokenization::words(d.text())
}

fn prepare(doc: &AnnotatedDocument, scheme: Scheme, layer: &str, lost: &mut Vec<String>) -> Option<Prepared> {
    let d = &doc.document;
    let a = &doc.annotations;
    let mut lose = |what: String| lost.push(format!("document {}: {what}", d.id()));
    let tokens = tokens_of(doc, &mut lose);
    if tokens.is_empty() {
        lose("the text has no tokens; document not written".into());
        return None;
    }

    let mut other_layers: BTreeMap<&str, usize> = BTreeMap::new();
    for span in a.spans.iter().filter(|s| s.layer() != layer) {
        *other_layers.entry(span.layer()).or_default() += 1;
    }
    for (other, n) in other_layers {
        lose(format!("{} of layer {other:?} dropped (only layer {layer:?} is written)", plural(n, "span")));
    }
    let meta = d.meta().keys().filter(|k| k.as_str() != tokenization::META_KEY).count();
    for (n, what) in [
        (a.relations.len(), "relation"),
        (a.clusters.len(), "cluster"),
        (a.attributes.len(), "attribute"),
        (a.notes.len(), "note"),
        (meta, "metadata field"),
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
        let (Some(head), Some(tail)) = (tokens.get(first), last.checked_sub(1).and_then(|l| tokens.get(l))) else {
            lose(format!("{} covers no token, dropped", describe(span)));
            continue;
        };
        if head.start < s || tail.end > e {
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

    // Keep spans that do not overlap one kept before.
    let mut kept: Vec<(usize, usize, &Span)> = Vec::new();
    for (first, last, span) in candidates {
        if let Some(&(_, prev_last, prev)) = kept.last() {
            if first < prev_last {
                lose(format!("{} overlaps or is nested in span {}, dropped", describe(span), prev.id()));
                continue;
            }
            if scheme == Scheme::Io && prev_last == first && prev.label() == span.label() {
                lose(format!(
                    "spans {} and {} ({}) touch: IO cannot separate them, reading back joins them",
                    prev.id(),
                    span.id(),
                    span.label()
                ));
            }
        }
        kept.push((first, last, span));
    }

    // Sentences are runs of tokens on one line; encode each sentence's chunks (kept spans are
    // in token order and within one line, so each sentence takes the next ones).
    let mut sentences = Vec::new();
    let mut rebuilt = String::new();
    let mut start = 0;
    let mut next = 0;
    while start < tokens.len() {
        let line = tokens[start].line;
        let end = start + tokens[start..].iter().take_while(|t| t.line == line).count();
        let count = kept[next..].iter().take_while(|&&(first, _, _)| first < end).count();
        let chunks: Vec<Chunk> = kept[next..next + count]
            .iter()
            .map(|&(first, last, span)| Chunk {
                label: span.label().to_owned(),
                start: first - start,
                end: last - start,
                line: 0,
            })
            .collect();
        next += count;
        let tags = scheme::encode(&chunks, end - start, scheme);
        let mut sentence = Vec::with_capacity(end - start);
        for (token, tag) in tokens[start..end].iter().zip(tags) {
            let text = d.slice(token.start, token.end).unwrap_or_default();
            if !rebuilt.is_empty() {
                rebuilt.push(if sentence.is_empty() { '\n' } else { ' ' });
            }
            rebuilt.push_str(text);
            let mut text = text.to_owned();
            if text.contains('\t') {
                lose(format!("the token {text:?} at {} holds a tab, written with a space instead", token.start));
                text = text.replace('\t', " ");
            }
            if text == "-DOCSTART-" {
                lose(format!("the token -DOCSTART- at {} reads back as the start of a new document", token.start));
            }
            sentence.push((text, tag));
        }
        sentences.push(sentence);
        start = end;
    }
    if rebuilt != d.text() {
        lose("whitespace is not kept: reading back joins tokens with one space and sentences with a line break".into());
    }
    let id = if d.id().contains(['\n', '\r']) {
        lose("the id contains a line break, written with spaces instead".into());
        d.id().replace(['\n', '\r'], " ")
    } else {
        d.id().to_owned()
    };
    Some(Prepared { id, sentences })
}
