//! Plain CoNLL files: one token per line with its tags in columns (CoNLL-2003, conlleval's
//! `token gold predicted`, GermEval, `token tag`), by the rules in the [module doc](super).
//!
//! The file is read in two passes: the first classifies lines and learns the layout (the
//! separator, the number of columns, which columns hold tags), so that the defaults can be
//! checked against the whole file before any line is read as tokens and tags; the second
//! builds sentences and documents.

use std::collections::BTreeSet;

use super::column::{Column, Separator};
use super::scheme::{self, Prefix};
use super::{lines, plural, Reading, Sentence};

/// What a line of the file is.
enum Kind<'a> {
    Blank,
    /// `# id = ID`.
    Id(&'a str),
    /// `-DOCSTART-` in the first column.
    DocStart,
    /// A line starting with `#`: a comment, or the token line of a token starting with `#`.
    Hash(Vec<&'a str>),
    /// A token line.
    Row(Vec<&'a str>),
}

/// A token line of the sentence being read.
struct Row<'a> {
    line: usize,
    token: &'a str,
    /// One parsed tag per tag source (`None` for `O` or an unreadable tag, reported).
    tags: Vec<Option<(Prefix, &'a str)>>,
}

/// The document being read.
#[derive(Default)]
struct Pending<'a> {
    id: Option<String>,
    line: Option<usize>,
    sentences: Vec<Sentence>,
    rows: Vec<Row<'a>>,
}

/// Reads plain CoNLL `text` into `r`, with one tag column per source (`None`: the last).
pub(super) fn parse(text: &str, r: &mut Reading<'_>, sources: &[Option<Column>]) {
    let raw: Vec<(usize, &str)> = lines(text).collect();
    let is_row =
        |l: &str| !l.is_empty() && !l.starts_with('#') && l.split_ascii_whitespace().next() != Some("-DOCSTART-");
    let mut rows = raw.iter().filter(|(_, l)| is_row(l)).peekable();
    let separator = if rows.peek().is_some() && rows.all(|(_, l)| l.contains('\t')) {
        Separator::Tab
    } else {
        Separator::Whitespace
    };

    let classified: Vec<(usize, Kind<'_>)> = raw
        .iter()
        .map(|&(no, line)| {
            let kind = if line.is_empty() {
                Kind::Blank
            } else if let Some(id) = line.strip_prefix("# id =") {
                Kind::Id(id.trim())
            } else if line.starts_with('#') {
                Kind::Hash(separator.split(line))
            } else if line.split_ascii_whitespace().next() == Some("-DOCSTART-") {
                Kind::DocStart
            } else {
                Kind::Row(separator.split(line))
            };
            (no, kind)
        })
        .collect();

    let columns = layout(&classified, separator, r);
    let token_column = r.options.token_column.unwrap_or(Column::FIRST);
    let tag_columns: Vec<Column> = sources.iter().map(|s| s.unwrap_or(Column::LAST)).collect();
    if let Some((n, first_line)) = columns {
        check_defaults(&classified, n, first_line, sources, r);
    }

    let scheme = r.options.scheme;
    let tagging = (scheme, r.options.decode);
    let mut pending = Pending::default();
    let mut comments = 0;
    for (no, kind) in &classified {
        let no = *no;
        let fields = match kind {
            Kind::Blank => {
                end_sentence(&mut pending, sources.len(), tagging, r.keep_tags);
                continue;
            }
            Kind::Id(id) => {
                if !pending.rows.is_empty() || !pending.sentences.is_empty() {
                    end_document(&mut pending, r, sources.len(), tagging);
                }
                if id.is_empty() {
                    r.problem(no, pending.id.as_deref(), "the id line \"# id =\" gives no id".into());
                } else {
                    pending.id = Some((*id).to_owned());
                    pending.line = Some(no);
                }
                continue;
            }
            Kind::DocStart => {
                end_document(&mut pending, r, sources.len(), tagging);
                continue;
            }
            Kind::Hash(fields) => {
                let is_token = columns.is_some_and(|(n, _)| fields.len() == n)
                    && tag_columns
                        .iter()
                        .all(|c| c.index(fields.len()).is_some_and(|i| scheme::looks_like_tag(fields[i])));
                if !is_token {
                    comments += 1;
                    continue;
                }
                fields
            }
            Kind::Row(fields) => fields,
        };
        if fields.len() < 2 {
            let message = format!(
                "expected a token and a tag separated by {}, found one column {:?}",
                separator.describe(),
                fields.first().copied().unwrap_or_default()
            );
            r.problem(no, pending.id.as_deref(), message);
            continue;
        }
        let Some(token_index) = token_column.index(fields.len()) else {
            let message = format!(
                "the token column {token_column} is not on this line of {} columns: choose one every line has with --token-column",
                fields.len()
            );
            r.problem(no, pending.id.as_deref(), message);
            continue;
        };
        let token = fields[token_index];
        if token == "-DOCSTART-" {
            end_document(&mut pending, r, sources.len(), tagging);
            continue;
        }
        let mut tags = Vec::with_capacity(tag_columns.len());
        for &column in &tag_columns {
            match column.index(fields.len()) {
                Some(i) if i == token_index => {
                    let message = format!(
                        "column {column} is both the token column and a tag column: give --token-column and --tag-column different columns"
                    );
                    r.problem(no, pending.id.as_deref(), message);
                    tags.push(None);
                }
                Some(i) => match scheme::parse_tag_as(fields[i].trim(), scheme, r.options.suffix_tags) {
                    Ok(tag) => tags.push(tag),
                    Err(message) => {
                        r.problem(no, pending.id.as_deref(), message);
                        tags.push(None);
                    }
                },
                None => {
                    let message = format!(
                        "the tag column {column} is not on this line of {} columns: choose one every line has with --tag-column",
                        fields.len()
                    );
                    r.problem(no, pending.id.as_deref(), message);
                    tags.push(None);
                }
            }
        }
        if token.is_empty() {
            let message = format!("the token (column {token_column}) is empty: every token line needs a token");
            r.problem(no, pending.id.as_deref(), message);
            continue;
        }
        pending.line.get_or_insert(no);
        pending.rows.push(Row { line: no, token, tags });
    }
    end_document(&mut pending, r, sources.len(), tagging);
    if comments > 0 {
        r.notes.push(format!("{} starting with # skipped", plural(comments, "comment line")));
    }
}

/// The number of columns of the file's token lines and the line of the first, when there is
/// a token line with more than one column. Reports token lines whose number of columns
/// differs from the first's (single-column lines are reported where they are read). A file
/// whose only token lines start with `#` is measured by its `#` lines that end in a tag.
fn layout(classified: &[(usize, Kind<'_>)], separator: Separator, r: &mut Reading<'_>) -> Option<(usize, usize)> {
    let mut rows = classified.iter().filter_map(|(no, kind)| match kind {
        Kind::Row(fields) if fields.len() > 1 => Some((*no, fields.len())),
        _ => None,
    });
    let Some((first_line, n)) = rows.next() else {
        let mut hashes = classified.iter().filter_map(|(no, kind)| match kind {
            Kind::Hash(fields) if fields.len() > 1 && fields.last().is_some_and(|v| scheme::looks_like_tag(v)) => {
                Some((*no, fields.len()))
            }
            _ => None,
        });
        let (first_line, n) = hashes.next()?;
        return hashes.all(|(_, m)| m == n).then_some((n, first_line));
    };
    if let Some((line, m)) = rows.find(|&(_, m)| m != n) {
        let advice = match separator {
            Separator::Whitespace => {
                "; a token holding a space? Separate the columns with tabs, and only tabs, so that tokens may hold spaces"
            }
            Separator::Tab => "",
        };
        let message = format!(
            "this line has {m} columns but line {first_line} has {n} (columns separated by {}): every token line needs the same columns{advice}",
            separator.describe()
        );
        r.file_problem(line, message);
    }
    Some((n, first_line))
}

/// Checks the default token and tag columns against the whole file (module doc, "Guarding
/// the defaults"); `n` is the number of columns.
fn check_defaults(
    classified: &[(usize, Kind<'_>)],
    n: usize,
    first_line: usize,
    sources: &[Option<Column>],
    r: &mut Reading<'_>,
) {
    let rows: Vec<&Vec<&str>> = classified
        .iter()
        .filter_map(|(_, kind)| match kind {
            Kind::Row(fields) if fields.len() == n => Some(fields),
            _ => None,
        })
        .collect();
    if n < 3 {
        return;
    }
    if r.options.token_column.is_none() && numbers_tokens(&rows) {
        let message = "column 1 holds token numbers (1, 2, 3, ..., restarting in each sentence), not tokens: \
             pass --token-column 2 if the tokens are in column 2 (GermEval's layout)"
            .to_owned();
        r.file_problem(first_line, message);
    }
    if sources != [None] {
        return;
    }
    let token_index = r.options.token_column.unwrap_or(Column::FIRST).index(n);
    let mut labels: Vec<Option<BTreeSet<&str>>> = vec![Some(BTreeSet::new()); n];
    for row in &rows {
        for (value, column) in row.iter().zip(labels.iter_mut()) {
            if !scheme::looks_like_tag(value) {
                *column = None;
            } else if let (Some(set), Some(label)) = (column.as_mut(), scheme::tag_label(value)) {
                set.insert(label);
            }
        }
    }
    let last = n - 1;
    let Some(Some(last_labels)) = labels.get(last).filter(|_| token_index != Some(last)) else { return };
    let others = labels.iter().enumerate().filter(|&(j, _)| j != last && Some(j) != token_index);
    let tagged: Vec<(usize, &BTreeSet<&str>)> = others.filter_map(|(j, l)| l.as_ref().map(|l| (j, l))).collect();
    if let Some((j, shared)) = tagged.iter().find_map(|&(j, l)| {
        let shared: Vec<&str> = l.intersection(last_labels).copied().collect();
        (!shared.is_empty()).then_some((j, shared))
    }) {
        let message = format!(
            "columns {} and {n} both hold tags with the same labels ({}): conlleval's gold and predicted columns, \
             or GermEval's outer and inner tags? Read one with --tag-column; if they are gold and predictions, \
             score one against the other with `goldspan score --conll FILE --gold-column {} --pred-column {n}`",
            j + 1,
            shared.join(", "),
            j + 1
        );
        r.file_problem(first_line, message);
    } else if last_labels.is_empty() {
        if let Some((j, l)) = tagged.iter().find(|(_, l)| !l.is_empty()) {
            let names: Vec<&str> = l.iter().copied().collect();
            let message = format!(
                "the last column ({n}) holds only O tags while column {} holds chunk tags ({}): pass --tag-column {} \
                 to read those",
                j + 1,
                names.join(", "),
                j + 1
            );
            r.file_problem(first_line, message);
        }
    }
}

/// Whether the first column of every row is a token number: 1 at a sentence start (or
/// anywhere), otherwise one more than the row before.
fn numbers_tokens(rows: &[&Vec<&str>]) -> bool {
    let mut previous = 0u64;
    !rows.is_empty()
        && rows.iter().all(|row| match row.first().and_then(|v| v.parse::<u64>().ok()) {
            Some(k) if k == 1 || k == previous + 1 => {
                previous = k;
                true
            }
            _ => false,
        })
}

/// Ends the sentence being read; `keep_tags` keeps each token's tags (for `--mode tags`).
fn end_sentence(pending: &mut Pending<'_>, sources: usize, tagging: (scheme::Scheme, scheme::Decode), keep_tags: bool) {
    if pending.rows.is_empty() {
        return;
    }
    let rows = std::mem::take(&mut pending.rows);
    let forms: Vec<&str> = rows.iter().map(|r| r.token).collect();
    let lines: Vec<usize> = rows.iter().map(|r| r.line).collect();
    let chunks = (0..sources)
        .map(|s| {
            let tags: Vec<Option<(Prefix, &str)>> = rows.iter().map(|r| r.tags.get(s).copied().flatten()).collect();
            scheme::decode_as(&tags, &lines, tagging)
        })
        .collect();
    let mut sentence = Sentence::joined(&forms, &[], chunks);
    if keep_tags {
        sentence.tags = (0..sources)
            .map(|s| rows.iter().map(|r| scheme::canonical_tag(r.tags.get(s).copied().flatten())).collect())
            .collect();
    }
    pending.sentences.push(sentence);
}

fn end_document(
    pending: &mut Pending<'_>,
    r: &mut Reading<'_>,
    sources: usize,
    tagging: (scheme::Scheme, scheme::Decode),
) {
    end_sentence(pending, sources, tagging, r.keep_tags);
    let done = std::mem::take(pending);
    r.push(done.id, done.line.unwrap_or_default(), Default::default(), done.sentences);
}
