//! Token boundaries of a document's text: recorded in its metadata by readers of token files
//! (CoNLL), so that writing tokens again gives back exactly the tokens that were read, and
//! otherwise found by a word tokenizer.
//!
//! A token file holds tokens, not text; its reader joins them into text and records where the
//! tokens are under the metadata key [`META_KEY`]. The record is short because whitespace says
//! most of it: the value is `whitespace`, meaning "tokens are the runs of non-whitespace
//! characters of each line", optionally followed by the exceptions, in code points of the text:
//!
//! - `; breaks N M ...`: a token also starts at each listed offset, with no whitespace before it
//!   (CoNLL-U's `SpaceAfter=No`, as in `do` `n't`);
//! - `; joins N M ...`: the whitespace character at each listed offset belongs to a token (a
//!   token with a space, as tab-separated CoNLL files allow: `New York`).
//!
//! `whitespace` alone covers every file whose tokens contain no whitespace and whose text was
//! rebuilt with spaces between tokens, which is the common case. Metadata survives conversion
//! to every format that keeps it (goldspan's own, JSON Lines), so a CoNLL file converted to
//! JSON Lines and back keeps its tokens too. Text without the record (or with one that no
//! longer fits it) is cut into [`words`].

use unicode_segmentation::UnicodeSegmentation;

/// The metadata key holding a document's token boundaries.
pub const META_KEY: &str = "tokenization";

/// A token of a text: code points `start..end`, on text line `line` (0-based).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token {
    /// First code point.
    pub start: usize,
    /// One past the last code point.
    pub end: usize,
    /// The line of the text it is on (lines are split at `\n`), counted from 0.
    pub line: usize,
}

/// The metadata value recording `tokens` (code-point ranges of `text`, in order, not
/// overlapping, none empty or crossing a line break). `None` when the tokens cannot be
/// recorded this way: when a character that is not whitespace lies outside every token.
pub fn describe(text: &str, tokens: &[(usize, usize)]) -> Option<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut inside = vec![false; chars.len()];
    let mut breaks = Vec::new();
    let mut previous_end = None;
    for &(start, end) in tokens {
        if start >= end || end > chars.len() || previous_end.is_some_and(|p| p > start) {
            return None;
        }
        if chars[start..end].contains(&'\n') {
            return None;
        }
        if previous_end == Some(start) {
            breaks.push(start);
        }
        inside[start..end].iter_mut().for_each(|i| *i = true);
        previous_end = Some(end);
    }
    let mut joins = Vec::new();
    for (i, (&c, &is_inside)) in chars.iter().zip(&inside).enumerate() {
        match (is_inside, c.is_whitespace()) {
            (true, true) => joins.push(i),
            (false, false) => return None,
            _ => {}
        }
    }
    let mut value = String::from("whitespace");
    for (name, list) in [("breaks", &breaks), ("joins", &joins)] {
        if !list.is_empty() {
            let numbers: Vec<String> = list.iter().map(usize::to_string).collect();
            value.push_str(&format!("; {name} {}", numbers.join(" ")));
        }
    }
    Some(value)
}

/// The tokens a metadata value records for `text`, or `None` when the value is not one
/// [`describe`] writes or does not fit the text (a break that is not inside a run of token
/// characters, a join that is not whitespace within a line).
pub fn tokens(text: &str, value: &str) -> Option<Vec<Token>> {
    let mut parts = value.split(';').map(str::trim);
    if parts.next() != Some("whitespace") {
        return None;
    }
    let (mut breaks, mut joins) = (Vec::new(), Vec::new());
    for part in parts {
        let (name, numbers) = part.split_once(' ')?;
        let list = match name {
            "breaks" if breaks.is_empty() => &mut breaks,
            "joins" if joins.is_empty() => &mut joins,
            _ => return None,
        };
        for n in numbers.split(' ') {
            list.push(n.parse::<usize>().ok()?);
        }
    }
    let chars: Vec<char> = text.chars().collect();
    let mut inside: Vec<bool> = chars.iter().map(|c| !c.is_whitespace()).collect();
    for &j in &joins {
        match chars.get(j) {
            Some(&c) if c.is_whitespace() && c != '\n' => inside[j] = true,
            _ => return None,
        }
    }
    let mut starts = vec![false; chars.len()];
    for &b in &breaks {
        let fits = b > 0 && inside.get(b) == Some(&true) && inside.get(b - 1) == Some(&true);
        if !fits {
            return None;
        }
        starts[b] = true;
    }
    let mut out = Vec::new();
    let mut line = 0;
    let mut open: Option<usize> = None;
    for (i, &c) in chars.iter().enumerate() {
        if !inside[i] || starts[i] {
            if let Some(start) = open.take() {
                out.push(Token { start, end: i, line });
            }
        }
        if inside[i] {
            open.get_or_insert(i);
        }
        if c == '\n' {
            line += 1;
        }
    }
    if let Some(start) = open {
        out.push(Token { start, end: chars.len(), line });
    }
    Some(out)
}

/// Cuts `text` into words: on each line (split at `\n`), a token is a maximal run of letters
/// and digits, or a single other character that is not whitespace. "Character" means a
/// user-perceived character (grapheme cluster), so an accent written as a combining mark stays
/// in its word and a flag emoji stays whole.
pub fn words(text: &str) -> Vec<Token> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Each token's text and line.
    fn texts(text: &str, tokens: &[Token]) -> Vec<(String, usize)> {
        tokens.iter().map(|t| (text.chars().skip(t.start).take(t.end - t.start).collect(), t.line)).collect()
    }

    #[test]
    fn plain_whitespace_needs_no_exceptions() {
        let text = "O'Gorman paid $5.2 in the U.S.\nZoë left";
        let spans = [(0, 8), (9, 13), (14, 18), (19, 21), (22, 25), (26, 30), (31, 34), (35, 39)];
        let value = describe(text, &spans).expect("describable");
        assert_eq!(value, "whitespace");
        let back = tokens(text, &value).expect("fits");
        let found: Vec<(usize, usize)> = back.iter().map(|t| (t.start, t.end)).collect();
        assert_eq!(found, spans);
        assert_eq!(back.iter().map(|t| t.line).collect::<Vec<_>>(), [0, 0, 0, 0, 0, 0, 1, 1]);
    }

    #[test]
    fn breaks_and_joins_record_what_whitespace_does_not_say() {
        // "don't" is two tokens (do, n't); "New York" is one.
        let text = "I don't like New York.";
        let spans = [(0, 1), (2, 4), (4, 7), (8, 12), (13, 21), (21, 22)];
        let value = describe(text, &spans).expect("describable");
        assert_eq!(value, "whitespace; breaks 4 21; joins 16");
        let back = tokens(text, &value).expect("fits");
        let found: Vec<(String, usize)> = texts(text, &back);
        let words: Vec<&str> = found.iter().map(|(s, _)| s.as_str()).collect();
        assert_eq!(words, ["I", "do", "n't", "like", "New York", "."]);
    }

    #[test]
    fn a_token_of_spaces_is_a_join() {
        let text = "a   b";
        let value = describe(text, &[(0, 1), (2, 3), (4, 5)]).expect("describable");
        assert_eq!(value, "whitespace; joins 2");
        let back = tokens(text, &value).expect("fits");
        assert_eq!(back.iter().map(|t| (t.start, t.end)).collect::<Vec<_>>(), [(0, 1), (2, 3), (4, 5)]);
    }

    #[test]
    fn text_outside_tokens_cannot_be_described() {
        assert_eq!(describe("a b", &[(0, 1)]), None);
        assert_eq!(describe("a\nb", &[(0, 3)]), None);
        assert_eq!(describe("ab", &[(0, 2), (1, 2)]), None);
    }

    #[test]
    fn values_that_do_not_fit_the_text_are_refused() {
        assert_eq!(tokens("a b", "words"), None);
        assert_eq!(tokens("a b", "whitespace; joins 0"), None); // not whitespace
        assert_eq!(tokens("a\nb", "whitespace; joins 1"), None); // a line break
        assert_eq!(tokens("a b", "whitespace; breaks 2"), None); // starts a run already
        assert_eq!(tokens("a b", "whitespace; breaks 9"), None);
        assert_eq!(tokens("a b", "whitespace; breaks x"), None);
        assert_eq!(tokens("a b", "whitespace; colours 1"), None);
        assert!(tokens("a b", "whitespace").is_some());
    }

    #[test]
    fn words_split_letters_punctuation_and_keep_graphemes() {
        let text = "“Zoë’s café,” said Le\u{301}a 😀🇫🇷 in 東京.\n\n  \nNew-York 3.5";
        let found = texts(text, &words(text));
        let cut: Vec<&str> = found.iter().map(|t| t.0.as_str()).collect();
        assert_eq!(
            cut,
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

    /// Tokens of non-empty text: words, words with inner spaces, and lone spaces.
    fn token() -> impl Strategy<Value = String> {
        prop_oneof![
            4 => "[a-zé'.$0-9]{1,5}",
            1 => "[a-z]{1,3} [a-z]{1,3}",
            1 => Just(" ".to_owned()),
        ]
    }

    proptest! {
        /// Any tokens joined with and without spaces, over several lines, come back exactly.
        #[test]
        fn described_tokens_come_back(
            lines in prop::collection::vec(prop::collection::vec((token(), any::<bool>()), 1..6), 1..4)
        ) {
            let mut text = String::new();
            let mut spans = Vec::new();
            let mut cp = 0;
            for (l, line) in lines.iter().enumerate() {
                if l > 0 {
                    text.push('\n');
                    cp += 1;
                }
                for (t, (token, space)) in line.iter().enumerate() {
                    // Glue a token to the previous one only when neither edge is whitespace.
                    let glue = !*space && t > 0 && !token.starts_with(' ') && !text.ends_with(' ');
                    if t > 0 && !glue {
                        text.push(' ');
                        cp += 1;
                    }
                    let len = token.chars().count();
                    spans.push((cp, cp + len));
                    text.push_str(token);
                    cp += len;
                }
            }
            let value = describe(&text, &spans).expect("describable");
            let back = tokens(&text, &value).expect("fits");
            prop_assert_eq!(back.iter().map(|t| (t.start, t.end)).collect::<Vec<_>>(), spans);
        }
    }
}
