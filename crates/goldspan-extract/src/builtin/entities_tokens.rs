//! Tokens for the entity tagger: words, numbers and single punctuation marks, with offsets in
//! code points.
//!
//! The tagger works on a `Vec<char>` of the document, never on byte slices, so every span it
//! builds from token boundaries is in code points and on a character boundary by construction.

use compact_str::CompactString;

use crate::builtin::Deadline;
use crate::ExtractError;

/// What a token is made of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    /// Letters (and digits after a letter): "Leeds", "COP30", "F".
    Word,
    /// ASCII digits with inner `,` `.` `:` between digits: "1,400", "2.6", "14:30".
    Number,
    /// Any other single character: "£", "%", "’", "-", "(".
    Punct,
}

/// One token. Its texts are held inline when short (most words are), so a document of
/// millions of tokens costs no allocation per token.
#[derive(Debug, Clone)]
pub(super) struct Token {
    /// First code point.
    pub(super) start: usize,
    /// One past the last code point.
    pub(super) end: usize,
    /// The text as written.
    pub(super) text: CompactString,
    /// The text in lowercase.
    pub(super) lower: CompactString,
    /// Word, number or punctuation.
    pub(super) kind: Kind,
    /// Whitespace (or the start of the text) comes right before it.
    pub(super) space_before: bool,
    /// It is the first token of its line.
    pub(super) line_start: bool,
}

impl Token {
    /// Whether it is a word starting with an uppercase letter.
    pub(super) fn is_capitalised(&self) -> bool {
        self.kind == Kind::Word && self.text.chars().next().is_some_and(char::is_uppercase)
    }

    /// Whether it is a word written in a script without case (CJK, Arabic, ...), which can
    /// still be a name.
    pub(super) fn is_caseless_word(&self) -> bool {
        self.kind == Kind::Word && self.text.chars().all(|c| !c.is_uppercase() && !c.is_lowercase())
    }

    /// Whether it is a word of at least two letters, all uppercase: "NHS", "KYIV".
    pub(super) fn is_all_caps(&self) -> bool {
        self.kind == Kind::Word
            && self.text.chars().filter(|c| c.is_alphabetic()).count() >= 2
            && self.text.chars().all(|c| !c.is_lowercase())
            && self.text.chars().next().is_some_and(char::is_uppercase)
    }

    /// Whether it is punctuation equal to `c`.
    pub(super) fn is_punct(&self, c: char) -> bool {
        self.kind == Kind::Punct && self.text.starts_with(c)
    }
}

/// Combining marks continue a word ("e" + U+0301).
fn is_mark(c: char) -> bool {
    matches!(c as u32, 0x0300..=0x036F | 0x1AB0..=0x1AFF | 0x1DC0..=0x1DFF | 0x20D0..=0x20FF | 0xFE20..=0xFE2F)
}

/// Splits `chars` into tokens, giving up once `deadline` passes.
pub(super) fn tokenize(chars: &[char], deadline: &Deadline) -> Result<Vec<Token>, ExtractError> {
    let n = chars.len();
    let mut tokens = Vec::new();
    let mut i = 0;
    let mut space = true;
    let mut line_start = true;
    while i < n {
        deadline.tick()?;
        let c = chars[i];
        if c == '\n' || c == '\r' {
            line_start = true;
            space = true;
            i += 1;
            continue;
        }
        if c.is_whitespace() {
            space = true;
            i += 1;
            continue;
        }
        let start = i;
        let kind = if c.is_ascii_digit() {
            i += 1;
            while i < n {
                if chars[i].is_ascii_digit() {
                    i += 1;
                } else if matches!(chars[i], ',' | '.' | ':') && i + 1 < n && chars[i + 1].is_ascii_digit() {
                    i += 2;
                } else {
                    break;
                }
            }
            Kind::Number
        } else if c.is_alphanumeric() {
            i += 1;
            while i < n && (chars[i].is_alphanumeric() || is_mark(chars[i])) {
                i += 1;
            }
            Kind::Word
        } else {
            i += 1;
            while i < n && is_mark(chars[i]) {
                i += 1;
            }
            Kind::Punct
        };
        let text: CompactString = chars[start..i].iter().collect();
        let lower = if text.is_ascii() {
            let mut lower = text.clone();
            lower.as_mut_str().make_ascii_lowercase();
            lower
        } else {
            // The standard library's lowercasing, as the rules were written against.
            CompactString::from(text.as_str().to_lowercase())
        };
        tokens.push(Token { start, end: i, text, lower, kind, space_before: space, line_start });
        space = false;
        line_start = false;
    }
    Ok(tokens)
}

/// Whether token `i` opens a sentence: first on its line, or after `.`, `!`, `?`, `:`, `;`, a
/// dash or a bullet, skipping opening quotes and brackets.
pub(super) fn sentence_initial(tokens: &[Token], i: usize) -> bool {
    let mut j = i;
    loop {
        if tokens[j].line_start {
            return true;
        }
        if j == 0 {
            return true;
        }
        let prev = &tokens[j - 1];
        if prev.kind == Kind::Punct {
            let c = prev.text.chars().next().unwrap_or(' ');
            if matches!(c, '“' | '‘' | '"' | '\'' | '(' | '[' | '«') {
                j -= 1;
                continue;
            }
            if matches!(c, '.' | '!' | '?' | ':' | ';' | '–' | '—' | '•' | '…' | '|' | '›') {
                // "St. Ives", "Dr. Haddad", "J. R. Okafor": an abbreviation, not a sentence end.
                if c == '.' && j >= 2 && is_abbreviation(&tokens[j - 2]) {
                    return false;
                }
                return true;
            }
            if c == '-' && prev.space_before {
                return true;
            }
        }
        return false;
    }
}

/// A word that is followed by a full stop without ending a sentence.
fn is_abbreviation(t: &Token) -> bool {
    t.kind == Kind::Word
        && (t.text.chars().count() == 1 && t.is_capitalised()
            || matches!(t.text.as_str(), "Dr" | "Mr" | "Mrs" | "Ms" | "St" | "Prof" | "Rev" | "No" | "Gen" | "Col"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(s: &str) -> Vec<Token> {
        tokenize(&s.chars().collect::<Vec<_>>(), &Deadline::none()).expect("no deadline")
    }

    #[test]
    fn numbers_words_and_punctuation() {
        let t = toks("Zoë paid £3.2bn (12%) at 14:30, 1,400 km.");
        let texts: Vec<&str> = t.iter().map(|t| t.text.as_str()).collect();
        assert_eq!(
            texts,
            ["Zoë", "paid", "£", "3.2", "bn", "(", "12", "%", ")", "at", "14:30", ",", "1,400", "km", "."]
        );
        assert_eq!((t[0].start, t[0].end), (0, 3));
        assert!(!t[4].space_before && t[3].kind == Kind::Number);
    }

    #[test]
    fn sentence_starts() {
        let t = toks("He met Dr. Haddad. “The rest\nNew line");
        let at = |w: &str| t.iter().position(|t| t.text == w).expect("token");
        assert!(sentence_initial(&t, 0));
        assert!(!sentence_initial(&t, at("Haddad")));
        assert!(sentence_initial(&t, at("The")));
        assert!(sentence_initial(&t, at("New")));
    }
}
