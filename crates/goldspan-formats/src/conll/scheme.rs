//! Chunk tagging schemes: which tags each scheme uses, how a sentence's tags decode into
//! chunks, and how chunks encode into tags.
//!
//! Decoding is one rule for every scheme, the lenient one of conlleval and seqeval's default
//! mode ([module doc](super#decoding)); a scheme decides which prefixes a file may use and how
//! chunks are written. Keeping the three steps apart (parse a tag, decode a sentence, encode
//! chunks) is what lets more tag spellings (typeless `B`, suffix-style `PER-B`) and a strict
//! decoding mode be added as one function each.

use std::fmt;

/// A chunk tagging scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Scheme {
    /// IOB1 (CoNLL-2003): `I-` inside chunks, `B-` only on the first token of a chunk that
    /// directly follows a chunk of the same type.
    Iob1,
    /// IOB2 (BIO): every chunk begins with `B-` and continues with `I-`.
    Iob2,
    /// IOE1: `I-` inside chunks, `E-` only on the last token of a chunk directly followed by a
    /// chunk of the same type.
    Ioe1,
    /// IOE2: every chunk ends with `E-`, preceded by `I-`.
    Ioe2,
    /// BIOES (IOBES): `B-` begins, `I-` continues and `E-` ends a chunk; `S-` is a one-token chunk.
    Bioes,
    /// BILOU: BIOES spelled `B-`, `I-`, `L-` (last) and `U-` (unit).
    Bilou,
    /// IO: every token of a chunk is `I-`; two adjacent chunks of one type cannot be told apart.
    Io,
}

/// What a tag's prefix says about its token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Prefix {
    /// Starts a chunk (`B-`).
    Begin,
    /// Inside a chunk (`I-`).
    Inside,
    /// Ends a chunk (`E-`, `L-`).
    End,
    /// A one-token chunk (`S-`, `U-`).
    Single,
}

/// A parsed tag written one way whatever the file's spelling (`B-PER` for `PER-B`, `E-PER`
/// for BILOU's `L-PER`, `O` for none): two tags of one file are equal exactly when their
/// canonical forms are.
pub(crate) fn canonical_tag(tag: Option<(Prefix, &str)>) -> String {
    match tag {
        None => "O".to_owned(),
        Some((prefix, label)) => {
            let letter = match prefix {
                Prefix::Begin => 'B',
                Prefix::Inside => 'I',
                Prefix::End => 'E',
                Prefix::Single => 'S',
            };
            format!("{letter}-{label}")
        }
    }
}

/// A chunk: tokens `start..end` of a sentence with a label, and the file line of its first token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Chunk {
    pub(crate) label: String,
    pub(crate) start: usize,
    pub(crate) end: usize,
    pub(crate) line: usize,
}

/// The prefix letters of tags, in every scheme, for telling tag-like columns from others.
const LETTERS: [char; 6] = ['B', 'I', 'E', 'S', 'L', 'U'];

impl Scheme {
    /// Every scheme, in the order help texts list them.
    pub const ALL: &'static [Scheme] =
        &[Scheme::Iob1, Scheme::Iob2, Scheme::Ioe1, Scheme::Ioe2, Scheme::Bioes, Scheme::Bilou, Scheme::Io];

    /// Parses a scheme name, ignoring case: `iob1`, `iob2` (or `bio`), `ioe1`, `ioe2`, `bioes`
    /// (or `iobes`), `bilou`, `io`.
    pub fn parse(name: &str) -> Option<Scheme> {
        match name.to_ascii_lowercase().as_str() {
            "bio" => Some(Scheme::Iob2),
            "iobes" => Some(Scheme::Bioes),
            folded => Scheme::ALL.iter().copied().find(|s| s.as_str() == folded),
        }
    }

    /// The command-line spelling (lowercase).
    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::Iob1 => "iob1",
            Scheme::Iob2 => "iob2",
            Scheme::Ioe1 => "ioe1",
            Scheme::Ioe2 => "ioe2",
            Scheme::Bioes => "bioes",
            Scheme::Bilou => "bilou",
            Scheme::Io => "io",
        }
    }

    /// The prefix letters the scheme's tags use, in the order a chunk uses them.
    fn letters(self) -> &'static [char] {
        match self {
            Scheme::Iob1 | Scheme::Iob2 => &['B', 'I'],
            Scheme::Ioe1 | Scheme::Ioe2 => &['I', 'E'],
            Scheme::Bioes => &['B', 'I', 'E', 'S'],
            Scheme::Bilou => &['B', 'I', 'L', 'U'],
            Scheme::Io => &['I'],
        }
    }

    /// What `letter` means in this scheme, if the scheme uses it.
    fn prefix(self, letter: char) -> Option<Prefix> {
        if !self.letters().contains(&letter) {
            return None;
        }
        match letter {
            'B' => Some(Prefix::Begin),
            'I' => Some(Prefix::Inside),
            'E' | 'L' => Some(Prefix::End),
            'S' | 'U' => Some(Prefix::Single),
            _ => None,
        }
    }

    /// The letter this scheme writes for `prefix`.
    fn letter(self, prefix: Prefix) -> char {
        match (self, prefix) {
            (_, Prefix::Inside) => 'I',
            (_, Prefix::Begin) => 'B',
            (Scheme::Bilou, Prefix::End) => 'L',
            (_, Prefix::End) => 'E',
            (Scheme::Bilou, Prefix::Single) => 'U',
            (_, Prefix::Single) => 'S',
        }
    }

    /// "O, B- or I-": the tags the scheme allows, for messages.
    fn allowed(self) -> String {
        let prefixes: Vec<String> = self.letters().iter().map(|l| format!("{l}-")).collect();
        match prefixes.split_last() {
            Some((last, [])) => format!("O or {last}"),
            Some((last, rest)) => format!("O, {} or {last}", rest.join(", ")),
            None => "O".into(),
        }
    }
}

impl fmt::Display for Scheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.as_str().to_uppercase())
    }
}

/// How a sentence's tags decode into chunks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Decode {
    /// conlleval's and seqeval's default rule (the [module doc](super#decoding)): an `I-X`
    /// that continues nothing starts a chunk.
    #[default]
    Lenient,
    /// seqeval 1.2.2's `mode="strict"`: only the sequences the scheme allows are chunks (IOB2:
    /// `B-X I-X*`; BIOES: `B-X I-X* E-X` or `S-X`; ...); an `I-X` that continues nothing, or
    /// a chunk the scheme does not close, belongs to no chunk. IO has no strict form and
    /// decodes leniently.
    Strict,
}

impl Decode {
    /// Parses `lenient` or `strict`.
    pub fn parse(name: &str) -> Option<Decode> {
        match name.to_ascii_lowercase().as_str() {
            "lenient" => Some(Decode::Lenient),
            "strict" => Some(Decode::Strict),
            _ => None,
        }
    }
}

/// How tags are spelled and decoded: the scheme, the decoding rule, and whether the prefix
/// comes last (`PER-B`, seqeval's `suffix=True`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Tagging {
    /// The tagging scheme.
    pub scheme: Scheme,
    /// Lenient or strict decoding.
    pub decode: Decode,
    /// Suffix-style tags: `PER-B` instead of `B-PER`.
    pub suffix: bool,
}

impl Default for Tagging {
    fn default() -> Tagging {
        Tagging { scheme: Scheme::Iob2, decode: Decode::Lenient, suffix: false }
    }
}

/// The label of a chunk whose tags carry no type (`B`, `I`), as seqeval names it.
pub const TYPELESS: &str = "_";

/// Chunks as `(label, start, end)`: token indices, end exclusive.
pub type Chunks = Vec<(String, usize, usize)>;

/// Decodes one sentence's tags under `tagging` into chunks `(label, start, end)` (token
/// indices, end exclusive), as the readers decode a file's tag column (the Python API's
/// `score_tags` decodes lists of tags with it); or, for the first tag the scheme does not
/// read, its index in `tags` and the message that says which scheme reads it.
pub fn decode_tags<S: AsRef<str>>(tags: &[S], tagging: Tagging) -> Result<Chunks, (usize, String)> {
    let parsed: Vec<Option<(Prefix, &str)>> = tags
        .iter()
        .enumerate()
        .map(|(i, t)| parse_tag_as(t.as_ref(), tagging.scheme, tagging.suffix).map_err(|message| (i, message)))
        .collect::<Result<_, _>>()?;
    let lines = vec![0; parsed.len()];
    let chunks = match tagging.decode {
        Decode::Lenient => decode(&parsed, &lines),
        Decode::Strict => decode_strict(&parsed, &lines, tagging.scheme),
    };
    Ok(chunks.into_iter().map(|c| (c.label, c.start, c.end)).collect())
}

/// [`parse_tag`] for prefix-style tags, or suffix-style ones (`PER-B`, `B` alone typeless).
pub(crate) fn parse_tag_as(tag: &str, scheme: Scheme, suffix: bool) -> Result<Option<(Prefix, &str)>, String> {
    if !suffix {
        return parse_tag(tag, scheme);
    }
    if tag == "O" {
        return Ok(None);
    }
    let mut chars = tag.chars();
    let letter = chars.next_back();
    let label = chars.as_str();
    match letter.and_then(|l| scheme.prefix(l)) {
        Some(prefix) if label.is_empty() => Ok(Some((prefix, TYPELESS))),
        Some(prefix) => match label.strip_suffix('-') {
            Some(label) if !label.is_empty() => Ok(Some((prefix, label))),
            _ => Err(format!("suffix-style tag {tag:?} is not LABEL-{}: write it so", letter.unwrap_or('B'))),
        },
        None => Err(format!(
            "unknown suffix-style tag {tag:?} for {scheme}, which uses O or LABEL- followed by one of {}",
            scheme.letters().iter().map(char::to_string).collect::<Vec<_>>().join(", ")
        )),
    }
}

/// Parses a tag of `scheme`: `Ok(None)` for `O`, `Ok(Some((prefix, label)))` for a chunk tag,
/// or the message saying what is wrong and which scheme would read it. A tag of one prefix
/// letter alone (`B`, `I`) has no type: its chunk's label is [`TYPELESS`].
pub(crate) fn parse_tag(tag: &str, scheme: Scheme) -> Result<Option<(Prefix, &str)>, String> {
    if tag == "O" {
        return Ok(None);
    }
    let mut chars = tag.chars();
    if let (Some(letter), None) = (chars.next(), chars.next()) {
        if let Some(prefix) = scheme.prefix(letter) {
            return Ok(Some((prefix, TYPELESS)));
        }
    }
    if let Some((head, label)) = tag.split_once('-') {
        let mut letters = head.chars();
        if let (Some(letter), None) = (letters.next(), letters.next()) {
            if let Some(prefix) = scheme.prefix(letter) {
                if label.is_empty() {
                    return Err(format!("tag {tag:?} has no label after {head}-"));
                }
                return Ok(Some((prefix, label)));
            }
        }
    }
    Err(unknown_tag(tag, scheme))
}

/// The message for a tag `scheme` does not read, suggesting what would read it.
fn unknown_tag(tag: &str, scheme: Scheme) -> String {
    let head = format!("unknown tag {tag:?} for {scheme}, which uses {}", scheme.allowed());
    let letter = tag.split_once('-').and_then(|(h, _)| {
        let mut chars = h.chars();
        chars.next().filter(|_| chars.next().is_none())
    });
    if let Some(letter) = letter.filter(|l| LETTERS.contains(l)) {
        let users: Vec<Scheme> = Scheme::ALL.iter().copied().filter(|s| s.letters().contains(&letter)).collect();
        let names: Vec<String> = users.iter().map(|s| s.to_string()).collect();
        let suggestion = users.iter().find(|s| matches!(s, Scheme::Bioes | Scheme::Bilou)).or(users.first());
        let advice = suggestion.map(|s| format!("; read the file with --scheme {}", s.as_str())).unwrap_or_default();
        return format!("{head}: {letter}- belongs to {}{advice}", names.join(", "));
    }
    if let Some((_, last)) = tag.rsplit_once('-') {
        if last.len() == 1 && last.chars().all(|c| LETTERS.contains(&c)) {
            return format!(
                "{head}: the prefix comes last (suffix style, LABEL-{last}); write it first ({last}-LABEL)"
            );
        }
    }
    if tag.len() == 1 && tag.chars().all(|c| LETTERS.contains(&c)) {
        return format!("{head}: the tag has no label; write {tag}-LABEL");
    }
    format!("{head}, each followed by a label (B-PER)")
}

/// Whether `value` looks like a chunk tag of some scheme (`O`, or one prefix letter, `-` and a
/// label): how a column of tags is told from a column of tokens or part-of-speech tags.
pub(crate) fn looks_like_tag(value: &str) -> bool {
    value == "O" || tag_label(value).is_some()
}

/// The label of a tag-like value (`B-PER` → `PER`), `None` for `O` and anything else.
pub(crate) fn tag_label(value: &str) -> Option<&str> {
    let (head, label) = value.split_once('-')?;
    let mut letters = head.chars();
    let letter = letters.next()?;
    (letters.next().is_none() && LETTERS.contains(&letter) && !label.is_empty()).then_some(label)
}

/// Decodes one sentence's parsed tags (`None` for `O`) into chunks, by the lenient rule of the
/// [module doc](super#decoding). `lines` gives each token's file line.
pub(crate) fn decode(tags: &[Option<(Prefix, &str)>], lines: &[usize]) -> Vec<Chunk> {
    let mut chunks = Vec::new();
    let mut open: Option<Chunk> = None;
    for (i, tag) in tags.iter().enumerate() {
        let Some((prefix, label)) = tag else {
            chunks.extend(open.take());
            continue;
        };
        let continues = open.as_ref().is_some_and(|c| c.label == *label);
        match (prefix, open.as_mut()) {
            (Prefix::Inside | Prefix::End, Some(chunk)) if continues => chunk.end = i + 1,
            _ => {
                chunks.extend(open.take());
                let line = lines.get(i).copied().unwrap_or_default();
                open = Some(Chunk { label: (*label).to_owned(), start: i, end: i + 1, line });
            }
        }
        if matches!(prefix, Prefix::End | Prefix::Single) {
            chunks.extend(open.take());
        }
    }
    chunks.extend(open);
    chunks
}

/// How a tag's type compares with the previous tag's, in seqeval's strict patterns.
#[derive(Clone, Copy)]
enum Same {
    Yes,
    No,
    Any,
}

/// seqeval 1.2.2's patterns for a scheme (`seqeval/scheme.py`): which (previous prefix,
/// prefix, type relation) start a chunk, continue one, and end the one before. Prefixes are
/// letters, `O` included (whose type is [`TYPELESS`]); `*` is any letter.
type Patterns = &'static [(&'static str, &'static str, Same)];

fn strict_patterns(scheme: Scheme) -> Option<(Patterns, Patterns, Patterns)> {
    use Same::{Any, No, Yes};
    Some(match scheme {
        Scheme::Iob1 => (
            &[("O", "I", Any), ("I", "I", No), ("B", "I", Any), ("I", "B", Yes), ("B", "B", Yes)],
            &[("B", "I", Yes), ("I", "I", Yes)],
            &[("I", "I", No), ("I", "O", Any), ("I", "B", Any), ("B", "O", Any), ("B", "I", No), ("B", "B", Yes)],
        ),
        Scheme::Ioe1 => (
            &[("O", "I", Any), ("I", "I", No), ("E", "I", Any), ("E", "E", Yes)],
            &[("I", "I", Yes), ("I", "E", Yes)],
            &[("I", "I", No), ("I", "O", Any), ("I", "E", No), ("E", "I", Yes), ("E", "E", Yes)],
        ),
        Scheme::Iob2 => (
            &[("*", "B", Any)],
            &[("B", "I", Yes), ("I", "I", Yes)],
            &[("I", "O", Any), ("I", "I", No), ("I", "B", Any), ("B", "O", Any), ("B", "I", No), ("B", "B", Any)],
        ),
        Scheme::Ioe2 => (
            &[("O", "I", Any), ("O", "E", Any), ("E", "I", Any), ("E", "E", Any), ("I", "I", No), ("I", "E", No)],
            &[("I", "E", Yes), ("I", "I", Yes)],
            &[("E", "*", Any)],
        ),
        Scheme::Bioes => (
            &[("*", "B", Any), ("*", "S", Any)],
            &[("B", "I", Yes), ("B", "E", Yes), ("I", "I", Yes), ("I", "E", Yes)],
            &[("S", "*", Any), ("E", "*", Any)],
        ),
        Scheme::Bilou => (
            &[("*", "B", Any), ("*", "U", Any)],
            &[("B", "I", Yes), ("B", "L", Yes), ("I", "I", Yes), ("I", "L", Yes)],
            &[("U", "*", Any), ("L", "*", Any)],
        ),
        Scheme::Io => return None,
    })
}

/// Decodes a sentence by seqeval 1.2.2's strict mode (`Tokens.entities`): from each token that
/// starts a chunk, the tokens that continue it are taken, and the chunk is kept only when the
/// token after them ends it; decoding resumes after them either way.
pub(crate) fn decode_strict(tags: &[Option<(Prefix, &str)>], lines: &[usize], scheme: Scheme) -> Vec<Chunk> {
    let Some((start, inside, end)) = strict_patterns(scheme) else {
        return decode(tags, lines);
    };
    // Each token as (letter, type), with an `O` appended, as seqeval extends the sentence.
    let tokens: Vec<(char, &str)> = tags
        .iter()
        .map(|t| t.map_or(('O', TYPELESS), |(prefix, label)| (scheme.letter(prefix), label)))
        .chain(std::iter::once(('O', TYPELESS)))
        .collect();
    let matches = |patterns: Patterns, prev: (char, &str), cur: (char, &str)| {
        patterns.iter().any(|&(p, c, same)| {
            let letter_in = |set: &str, l: char| set == "*" || set.contains(l);
            letter_in(p, prev.0)
                && letter_in(c, cur.0)
                && match same {
                    Same::Any => true,
                    Same::Yes => prev.1 == cur.1,
                    Same::No => prev.1 != cur.1,
                }
        })
    };
    let n = tags.len();
    let mut chunks = Vec::new();
    let mut i = 0;
    let mut prev = ('O', TYPELESS);
    while i < tokens.len() {
        let token = tokens[i];
        if matches(start, prev, token) {
            // seqeval's _forward: the first token after `i` that does not continue the chunk
            // (the appended `O` at the latest; `n - 1` if every token continues it).
            let mut j = i + 1;
            let mut last = token;
            let forward = loop {
                if j >= tokens.len() {
                    break n.saturating_sub(1);
                }
                if matches(inside, last, tokens[j]) {
                    last = tokens[j];
                    j += 1;
                } else {
                    break j;
                }
            };
            if forward >= 1 && matches(end, tokens[forward - 1], tokens[forward]) {
                let line = lines.get(i).copied().unwrap_or_default();
                chunks.push(Chunk { label: token.1.to_owned(), start: i, end: forward, line });
            }
            i = forward;
        } else {
            i += 1;
        }
        prev = tokens[i.saturating_sub(1).min(tokens.len() - 1)];
    }
    chunks
}

/// Decodes a sentence under a scheme and a decoding rule.
pub(crate) fn decode_as(
    tags: &[Option<(Prefix, &str)>],
    lines: &[usize],
    (scheme, how): (Scheme, Decode),
) -> Vec<Chunk> {
    match how {
        Decode::Lenient => decode(tags, lines),
        Decode::Strict => decode_strict(tags, lines, scheme),
    }
}

/// The tags of a sentence of `len` tokens holding `chunks` (in order, not overlapping, within
/// the sentence), in `scheme`.
pub(crate) fn encode(chunks: &[Chunk], len: usize, scheme: Scheme) -> Vec<String> {
    let mut tags = vec!["O".to_owned(); len];
    for (k, chunk) in chunks.iter().enumerate() {
        let after_same = k > 0 && chunks[k - 1].end == chunk.start && chunks[k - 1].label == chunk.label;
        let before_same = chunks.get(k + 1).is_some_and(|n| n.start == chunk.end && n.label == chunk.label);
        let single = chunk.end - chunk.start == 1;
        for (t, tag) in tags.iter_mut().enumerate().take(chunk.end).skip(chunk.start) {
            let (first, last) = (t == chunk.start, t + 1 == chunk.end);
            let prefix = match scheme {
                Scheme::Iob1 if first && after_same => Prefix::Begin,
                Scheme::Iob2 if first => Prefix::Begin,
                Scheme::Ioe1 if last && before_same => Prefix::End,
                Scheme::Ioe2 if last => Prefix::End,
                Scheme::Bioes | Scheme::Bilou if single => Prefix::Single,
                Scheme::Bioes | Scheme::Bilou if first => Prefix::Begin,
                Scheme::Bioes | Scheme::Bilou if last => Prefix::End,
                _ => Prefix::Inside,
            };
            *tag = format!("{}-{}", scheme.letter(prefix), chunk.label);
        }
    }
    tags
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Decodes space-separated tags in `scheme` and renders the chunks as `LABEL start..end`.
    fn check(scheme: Scheme, tags: &str, expected: &[&str]) {
        let parsed: Vec<_> = tags.split(' ').map(|t| parse_tag(t, scheme).unwrap_or_else(|e| panic!("{e}"))).collect();
        let lines = vec![0; parsed.len()];
        let found: Vec<String> =
            decode(&parsed, &lines).iter().map(|c| format!("{} {}..{}", c.label, c.start, c.end)).collect();
        assert_eq!(found, expected, "{scheme} {tags}");
    }

    fn chunk(label: &str, start: usize, end: usize) -> Chunk {
        Chunk { label: label.into(), start, end, line: 0 }
    }

    #[test]
    fn names_parse_ignoring_case_and_print_back() {
        for &scheme in Scheme::ALL {
            assert_eq!(Scheme::parse(scheme.as_str()), Some(scheme));
            assert_eq!(Scheme::parse(&scheme.to_string()), Some(scheme));
        }
        assert_eq!(Scheme::parse("BIO"), Some(Scheme::Iob2));
        assert_eq!(Scheme::parse("IOBES"), Some(Scheme::Bioes));
        assert_eq!(Scheme::parse("Bilou"), Some(Scheme::Bilou));
        assert_eq!(Scheme::parse("bmes"), None);
    }

    #[test]
    fn iob2() {
        check(Scheme::Iob2, "B-PER I-PER B-PER I-ORG O I-LOC I-LOC", &["PER 0..2", "PER 2..3", "ORG 3..4", "LOC 5..7"]);
    }

    #[test]
    fn iob1() {
        // B- splits two adjacent chunks of one type; I- after O or another type starts one.
        check(
            Scheme::Iob1,
            "I-PER I-PER B-PER I-PER I-ORG O B-LOC I-LOC",
            &["PER 0..2", "PER 2..4", "ORG 4..5", "LOC 6..8"],
        );
    }

    #[test]
    fn ioe1() {
        // E- ends a chunk directly followed by one of the same type.
        check(Scheme::Ioe1, "I-PER E-PER I-PER I-PER I-ORG O I-LOC", &["PER 0..2", "PER 2..4", "ORG 4..5", "LOC 6..7"]);
    }

    #[test]
    fn ioe2() {
        check(Scheme::Ioe2, "I-PER E-PER E-PER I-ORG E-ORG O E-LOC", &["PER 0..2", "PER 2..3", "ORG 3..5", "LOC 6..7"]);
    }

    #[test]
    fn bioes() {
        let tags = "B-PER I-PER E-PER S-ORG S-ORG I-LOC E-LOC E-LOC B-PER I-ORG O B-MISC I-MISC";
        let expected =
            ["PER 0..3", "ORG 3..4", "ORG 4..5", "LOC 5..7", "LOC 7..8", "PER 8..9", "ORG 9..10", "MISC 11..13"];
        check(Scheme::Bioes, tags, &expected);
    }

    #[test]
    fn bilou_reads_as_bioes_with_l_and_u() {
        check(
            Scheme::Bilou,
            "B-PER I-PER L-PER U-ORG U-ORG O B-LOC L-LOC",
            &["PER 0..3", "ORG 3..4", "ORG 4..5", "LOC 6..8"],
        );
    }

    #[test]
    fn io_joins_adjacent_chunks_of_one_type() {
        check(Scheme::Io, "I-PER I-PER I-ORG O I-PER", &["PER 0..2", "ORG 2..3", "PER 4..5"]);
    }

    #[test]
    fn tags_of_another_scheme_name_the_scheme_that_has_them() {
        let message = |tag: &str, scheme| parse_tag(tag, scheme).expect_err("refused");
        let e = message("E-PER", Scheme::Iob2);
        assert_eq!(e, "unknown tag \"E-PER\" for IOB2, which uses O, B- or I-: E- belongs to IOE1, IOE2, BIOES; read the file with --scheme bioes");
        assert!(message("U-PER", Scheme::Bioes).ends_with("U- belongs to BILOU; read the file with --scheme bilou"));
        assert!(message("B-PER", Scheme::Io).contains("which uses O or I-: B- belongs to IOB1, IOB2, BIOES, BILOU"));
        assert!(message("PER-B", Scheme::Iob2).contains("suffix style"));
        assert_eq!(parse_tag("B", Scheme::Iob2), Ok(Some((Prefix::Begin, TYPELESS))), "typeless, as seqeval");
        assert_eq!(message("B-", Scheme::Iob2), "tag \"B-\" has no label after B-");
        assert!(
            message("PER", Scheme::Bilou).ends_with("which uses O, B-, I-, L- or U-, each followed by a label (B-PER)")
        );
        assert!(message("b-PER", Scheme::Iob2).contains("each followed by a label"));
    }

    #[test]
    fn labels_keep_their_hyphens() {
        // conlleval splits at the first hyphen: "B-LOC-deriv" is B- and LOC-deriv.
        assert_eq!(parse_tag("B-LOC-deriv", Scheme::Iob2), Ok(Some((Prefix::Begin, "LOC-deriv"))));
        assert_eq!(tag_label("I-WORK_OF_ART"), Some("WORK_OF_ART"));
        assert!(looks_like_tag("O") && looks_like_tag("U-X") && !looks_like_tag("NNP") && !looks_like_tag("B-"));
    }

    #[test]
    fn encoding_writes_each_scheme() {
        // PER PER (adjacent) O ORG ORG ORG
        let chunks = [chunk("PER", 0, 1), chunk("PER", 1, 2), chunk("ORG", 3, 6)];
        let cases = [
            (Scheme::Iob1, "I-PER B-PER O I-ORG I-ORG I-ORG"),
            (Scheme::Iob2, "B-PER B-PER O B-ORG I-ORG I-ORG"),
            (Scheme::Ioe1, "E-PER I-PER O I-ORG I-ORG I-ORG"),
            (Scheme::Ioe2, "E-PER E-PER O I-ORG I-ORG E-ORG"),
            (Scheme::Bioes, "S-PER S-PER O B-ORG I-ORG E-ORG"),
            (Scheme::Bilou, "U-PER U-PER O B-ORG I-ORG L-ORG"),
            (Scheme::Io, "I-PER I-PER O I-ORG I-ORG I-ORG"),
        ];
        for (scheme, expected) in cases {
            assert_eq!(encode(&chunks, 6, scheme).join(" "), expected, "{scheme}");
        }
    }

    /// Chunks in order, not overlapping, within `len` tokens.
    fn chunks() -> impl Strategy<Value = (Vec<Chunk>, usize)> {
        prop::collection::vec((0..3usize, 1..4usize, prop::sample::select(vec!["PER", "ORG"])), 0..6).prop_map(|raw| {
            let mut out = Vec::new();
            let mut at = 0;
            for (gap, len, label) in raw {
                at += gap;
                out.push(chunk(label, at, at + len));
                at += len;
            }
            (out, at + 1)
        })
    }

    proptest! {
        /// Every scheme but IO decodes its own encoding into the same chunks; IO does when no
        /// two chunks of one type touch.
        #[test]
        fn encoding_then_decoding_gives_the_chunks_back((chunks, len) in chunks()) {
            let touching = chunks.windows(2).any(|w| w[0].end == w[1].start && w[0].label == w[1].label);
            for &scheme in Scheme::ALL {
                if scheme == Scheme::Io && touching {
                    continue;
                }
                let tags = encode(&chunks, len, scheme);
                let parsed: Vec<_> = tags.iter().map(|t| parse_tag(t, scheme)).collect::<Result<_, _>>()
                    .map_err(TestCaseError::fail)?;
                prop_assert_eq!(&decode(&parsed, &vec![0; len]), &chunks, "{} {:?}", scheme, tags);
            }
        }
    }
}
