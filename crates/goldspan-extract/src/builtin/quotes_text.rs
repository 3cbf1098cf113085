//! Text layout for the quotation extractor: paragraphs (lines), quotation-mark pairing and
//! a small tokenizer in which each quotation is one opaque token.
//!
//! Everything works on a `Vec<char>`, so every offset is a code point and no span can fall off
//! a char boundary. Pairing is per line: a quotation never crosses a line break, and an opening
//! double mark without a closing one runs to the end of its paragraph (guidelines H7).

/// One paragraph: code points `start..end` of the text, without the line break.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Line {
    /// First code point.
    pub start: usize,
    /// One past the last code point, before `\n` or `\r\n`.
    pub end: usize,
}

/// Splits `chars` into lines at `\n`, dropping a trailing `\r`.
pub(super) fn lines(chars: &[char]) -> Vec<Line> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, &c) in chars.iter().enumerate() {
        if c == '\n' {
            out.push(Line { start, end: trim_cr(chars, start, i) });
            start = i + 1;
        }
    }
    if start < chars.len() {
        out.push(Line { start, end: trim_cr(chars, start, chars.len()) });
    }
    out
}

fn trim_cr(chars: &[char], start: usize, end: usize) -> usize {
    let mut e = end;
    while e > start && chars[e - 1] == '\r' {
        e -= 1;
    }
    e
}

/// The kind of mark that opened a quotation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum MarkKind {
    CurlyDouble,
    StraightDouble,
    Guillemet,
    CurlySingle,
    StraightSingle,
}

impl MarkKind {
    /// Double marks may run to the end of the paragraph; single ones must close.
    fn may_run_on(self) -> bool {
        matches!(self, MarkKind::CurlyDouble | MarkKind::StraightDouble | MarkKind::Guillemet)
    }
}

/// A quotation found between marks in one line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Region {
    /// Code point of the opening mark.
    pub open: usize,
    /// Code point of the closing mark, `None` when the quotation runs to the end of the line.
    pub close: Option<usize>,
    /// The quoted text without marks and surrounding whitespace: `start..end`, maybe empty.
    pub start: usize,
    /// End of the quoted text (exclusive).
    pub end: usize,
}

impl Region {
    /// One past the last code point the region covers, marks included.
    pub fn outer_end(&self, line: Line) -> usize {
        self.close.map_or(line.end, |c| c + 1)
    }
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric()
}

fn at(chars: &[char], i: usize) -> Option<char> {
    chars.get(i).copied()
}

fn before(chars: &[char], line: Line, i: usize) -> Option<char> {
    if i > line.start {
        at(chars, i - 1)
    } else {
        None
    }
}

fn after(chars: &[char], line: Line, i: usize) -> Option<char> {
    if i + 1 < line.end {
        at(chars, i + 1)
    } else {
        None
    }
}

/// The kind of quotation that the mark at `i` opens, if it opens one.
fn opener(chars: &[char], line: Line, i: usize) -> Option<MarkKind> {
    let prev = before(chars, line, i);
    let next = after(chars, line, i);
    let next_ok = next.is_some_and(|c| !c.is_whitespace());
    let prev_free = prev.is_none_or(|c| !is_word_char(c));
    match at(chars, i)? {
        '“' | '„' if next_ok => Some(MarkKind::CurlyDouble),
        '«' if next_ok => Some(MarkKind::Guillemet),
        '"' if next_ok && prev_free => Some(MarkKind::StraightDouble),
        '‘' if next_ok && prev_free => Some(MarkKind::CurlySingle),
        '\'' if next_ok && prev_free && next.is_some_and(is_word_char) => Some(MarkKind::StraightSingle),
        _ => None,
    }
}

/// Whether the mark at `i` closes a quotation of `kind`.
fn closes(chars: &[char], line: Line, i: usize, kind: MarkKind) -> bool {
    let Some(c) = at(chars, i) else { return false };
    let next_is_word = after(chars, line, i).is_some_and(is_word_char);
    let prev_is_space = before(chars, line, i).is_none_or(char::is_whitespace);
    match kind {
        MarkKind::CurlyDouble => c == '”' || (c == '“' && !prev_is_space && !next_is_word),
        MarkKind::StraightDouble => c == '"',
        MarkKind::Guillemet => c == '»',
        // An apostrophe inside a word (don't, Truss’s) never closes.
        MarkKind::CurlySingle => c == '’' && !next_is_word && !prev_is_space,
        MarkKind::StraightSingle => c == '\'' && !next_is_word && !prev_is_space,
    }
}

/// The first mark of each kind that closes a quotation, at or after where it was last looked
/// for. Whether a mark closes a quotation depends only on the mark and its neighbours, and
/// openers are met in text order, so the search for each kind only moves forward: an opener
/// that never closes costs no rescan of the rest of the line.
#[derive(Debug, Default)]
struct Closers {
    /// Per kind: where the search started and the closer it found (`None`: none to line end).
    found: [Option<(usize, Option<usize>)>; 5],
}

impl Closers {
    /// The first `j` in `from..line.end` where a mark closes a quotation of `kind`; `from` never
    /// decreases between calls for one kind.
    fn next(&mut self, chars: &[char], line: Line, kind: MarkKind, from: usize) -> Option<usize> {
        let slot = &mut self.found[kind as usize];
        if let Some((start, found)) = *slot {
            if start <= from && found.is_none_or(|j| j >= from) {
                return found;
            }
        }
        let found = (from..line.end).find(|&j| closes(chars, line, j, kind));
        *slot = Some((from, found));
        found
    }
}

/// The quotations of one line, outermost only, in order.
pub(super) fn regions(chars: &[char], line: Line) -> Vec<Region> {
    let mut out = Vec::new();
    let mut closers = Closers::default();
    let mut i = line.start;
    while i < line.end {
        let Some(kind) = opener(chars, line, i) else {
            i += 1;
            continue;
        };
        let close = closers.next(chars, line, kind, i + 1);
        if close.is_none() && !kind.may_run_on() {
            i += 1;
            continue;
        }
        let (mut s, mut e) = (i + 1, close.unwrap_or(line.end));
        while s < e && chars[s].is_whitespace() {
            s += 1;
        }
        while e > s && chars[e - 1].is_whitespace() {
            e -= 1;
        }
        out.push(Region { open: i, close, start: s, end: e });
        i = close.map_or(line.end, |c| c + 1);
    }
    out
}

/// What a token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum TokKind {
    /// Letters and digits, with inner hyphens and apostrophes.
    Word,
    /// One punctuation or symbol character.
    Punct(char),
    /// A whole quotation, marks included; the index into the line's regions.
    Quote(usize),
}

/// A token: code points `start..end`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Token {
    /// First code point.
    pub start: usize,
    /// One past the last code point.
    pub end: usize,
    /// Kind.
    pub kind: TokKind,
}

/// Tokenizes a line, with each region as one `Quote` token.
pub(super) fn tokenize(chars: &[char], line: Line, regions: &[Region]) -> Vec<Token> {
    let mut out = Vec::new();
    let mut i = line.start;
    let mut next_region = 0;
    while i < line.end {
        if let Some(r) = regions.get(next_region) {
            if r.open == i {
                let end = r.outer_end(line);
                out.push(Token { start: i, end, kind: TokKind::Quote(next_region) });
                next_region += 1;
                i = end;
                continue;
            }
        }
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if is_word_char(c) {
            let start = i;
            i += 1;
            while i < line.end {
                let c = chars[i];
                let joins = matches!(c, '-' | '\'' | '’' | '.' | '‑')
                    && chars.get(i + 1).is_some_and(|&n| is_word_char(n))
                    && i + 1 < line.end
                    && (c != '.' || (chars[i - 1].is_ascii_digit() && chars[i + 1].is_ascii_digit()));
                if is_word_char(c) || joins {
                    i += 1;
                } else {
                    break;
                }
            }
            out.push(Token { start, end: i, kind: TokKind::Word });
        } else {
            out.push(Token { start: i, end: i + 1, kind: TokKind::Punct(c) });
            i += 1;
        }
    }
    out
}

/// The text of code points `start..end`.
pub(super) fn text(chars: &[char], start: usize, end: usize) -> String {
    chars.get(start..end).map(|s| s.iter().collect()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quoted(s: &str) -> Vec<String> {
        let chars: Vec<char> = s.chars().collect();
        lines(&chars)
            .into_iter()
            .flat_map(|l| regions(&chars, l).into_iter().map(|r| text(&chars, r.start, r.end)).collect::<Vec<_>>())
            .collect()
    }

    #[test]
    fn every_kind_of_mark_pairs() {
        assert_eq!(quoted("a “b c” d \"e\" «f» ‘g h’ 'i'"), ["b c", "e", "f", "g h", "i"]);
    }

    #[test]
    fn apostrophes_are_not_marks() {
        assert_eq!(quoted("Truss’s plan, don't, the Renters’ Rights Bill"), Vec::<String>::new());
        assert_eq!(quoted("“It’s Truss’s,” she said."), ["It’s Truss’s,"]);
    }

    #[test]
    fn nested_marks_stay_inside_and_open_quotes_run_to_the_line_end() {
        assert_eq!(quoted("“She said ‘no’ twice.” Then\n“It runs on\nnext"), ["She said ‘no’ twice.", "It runs on"]);
    }

    /// The pairing as first written: for each opener, a fresh search for its closer.
    fn naive_regions(chars: &[char], line: Line) -> Vec<Region> {
        let mut out = Vec::new();
        let mut i = line.start;
        while i < line.end {
            let Some(kind) = opener(chars, line, i) else {
                i += 1;
                continue;
            };
            let close = (i + 1..line.end).find(|&j| closes(chars, line, j, kind));
            if close.is_none() && !kind.may_run_on() {
                i += 1;
                continue;
            }
            let (mut s, mut e) = (i + 1, close.unwrap_or(line.end));
            while s < e && chars[s].is_whitespace() {
                s += 1;
            }
            while e > s && chars[e - 1].is_whitespace() {
                e -= 1;
            }
            out.push(Region { open: i, close, start: s, end: e });
            i = close.map_or(line.end, |c| c + 1);
        }
        out
    }

    proptest::proptest! {
        #[test]
        fn pairing_remembers_closers_without_changing_a_region(text in "[“”„\"'‘’«» a-z\n]{0,80}") {
            let chars: Vec<char> = text.chars().collect();
            for line in lines(&chars) {
                proptest::prop_assert_eq!(regions(&chars, line), naive_regions(&chars, line));
            }
        }
    }

    #[test]
    fn unclosed_single_marks_pair_as_before() {
        // No ’ follows, so no ‘ opens a quotation; the one search for a closer serves them all.
        let text = format!("{}“a” 'b'", "‘x ".repeat(2000));
        let chars: Vec<char> = text.chars().collect();
        let line = lines(&chars)[0];
        assert_eq!(regions(&chars, line), naive_regions(&chars, line));
        assert_eq!(quoted(&text), ["a", "b"]);
    }

    #[test]
    fn crlf_lines_drop_the_carriage_return() {
        let chars: Vec<char> = "ab\r\ncd".chars().collect();
        assert_eq!(lines(&chars), [Line { start: 0, end: 2 }, Line { start: 4, end: 6 }]);
    }
}
