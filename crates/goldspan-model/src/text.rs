//! Offsets into document text.
//!
//! Every file and protocol counts offsets in Unicode code points, end exclusive (Python string
//! indices); Rust slices strings by byte. [`Offsets`] converts once per document so that text is
//! never sliced off a char boundary, and [`OffsetUnit`] names the other units that real tools
//! emit (UTF-16 code units from JavaScript, UTF-8 bytes, user-perceived characters) so readers
//! can convert or diagnose them.

use std::fmt;
use unicode_segmentation::{GraphemeCursor, UnicodeSegmentation};

/// The unit a tool counted offsets in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OffsetUnit {
    /// Unicode scalar values: goldspan's unit, and Python's.
    CodePoint,
    /// UTF-16 code units: JavaScript string indices (doccano, Label Studio).
    Utf16,
    /// UTF-8 bytes: Rust and C string indices.
    Utf8Byte,
    /// Extended grapheme clusters (user-perceived characters): doccano's "count grapheme
    /// clusters as one character" project option. A flag or a family emoji counts 1.
    Grapheme,
}

impl OffsetUnit {
    /// Every unit, in the order a diagnosis tries them.
    pub const ALL: [OffsetUnit; 4] =
        [OffsetUnit::CodePoint, OffsetUnit::Utf16, OffsetUnit::Utf8Byte, OffsetUnit::Grapheme];

    /// The command-line spelling: `codepoint`, `utf16`, `utf8` or `grapheme`.
    pub fn name(self) -> &'static str {
        match self {
            OffsetUnit::CodePoint => "codepoint",
            OffsetUnit::Utf16 => "utf16",
            OffsetUnit::Utf8Byte => "utf8",
            OffsetUnit::Grapheme => "grapheme",
        }
    }

    /// Parses [`OffsetUnit::name`].
    pub fn parse(name: &str) -> Option<OffsetUnit> {
        OffsetUnit::ALL.into_iter().find(|u| u.name() == name)
    }

    /// The length of `text` in this unit.
    pub fn len(self, text: &str) -> usize {
        match self {
            OffsetUnit::CodePoint => text.chars().count(),
            OffsetUnit::Utf16 => text.encode_utf16().count(),
            OffsetUnit::Utf8Byte => text.len(),
            OffsetUnit::Grapheme => text.graphemes(true).count(),
        }
    }
}

impl fmt::Display for OffsetUnit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            OffsetUnit::CodePoint => "code points",
            OffsetUnit::Utf16 => "UTF-16 code units",
            OffsetUnit::Utf8Byte => "UTF-8 bytes",
            OffsetUnit::Grapheme => "grapheme clusters",
        })
    }
}

/// Code-point to byte offset table for one text.
///
/// ASCII text needs no table: code points and bytes coincide. Other text keeps the byte
/// offset of every [`STRIDE`]th code point and walks the few code points from the one before
/// (none in a block of ASCII). A table of every code point (four bytes each, 16 KB for a 4 KB
/// article) was out of the cache by the time a run checked the predictions against it, so
/// each look-up waited on memory, and it was held for every document a report keeps; this
/// one is eight times smaller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Offsets {
    /// The byte offset of code points 0, STRIDE, 2·STRIDE, ... that the text has, and of its
    /// end (the text's length) when its length in code points is a multiple of STRIDE; `None`
    /// for ASCII.
    anchors: Option<Box<[u32]>>,
    chars: usize,
}

/// How many code points apart [`Offsets`] records byte offsets.
const STRIDE: usize = 8;
// `Offsets::new` takes eight ASCII bytes at a time, which must hold at most one anchor.
const _: () = assert!(STRIDE >= 8);

impl Offsets {
    /// Builds the table for `text`.
    pub fn new(text: &str) -> Offsets {
        if text.is_ascii() {
            return Offsets { anchors: None, chars: text.len() };
        }
        let bytes = text.as_bytes();
        // At most one anchor a STRIDE bytes, and the end's: sized once.
        let mut anchors = Vec::with_capacity(bytes.len() / STRIDE + 1);
        let mut chars = 0;
        let mut at = 0;
        // Eight ASCII bytes at a time are eight code points in a row, holding at most one
        // anchor (STRIDE is at least eight); elsewhere byte by byte.
        for chunk in bytes.chunks_exact(8) {
            if chunk.is_ascii() {
                let into = chars % STRIDE;
                if into == 0 {
                    anchors.push(at as u32);
                } else if into + 8 > STRIDE {
                    anchors.push((at + STRIDE - into) as u32);
                }
                chars += 8;
            } else {
                for (k, &b) in chunk.iter().enumerate() {
                    if !is_continuation(b) {
                        if chars % STRIDE == 0 {
                            anchors.push((at + k) as u32);
                        }
                        chars += 1;
                    }
                }
            }
            at += 8;
        }
        for (k, &b) in bytes[at..].iter().enumerate() {
            if !is_continuation(b) {
                if chars % STRIDE == 0 {
                    anchors.push((at + k) as u32);
                }
                chars += 1;
            }
        }
        if chars % STRIDE == 0 {
            anchors.push(bytes.len() as u32);
        }
        Offsets { anchors: Some(anchors.into_boxed_slice()), chars }
    }

    /// Length of the text in code points.
    pub fn len_chars(&self) -> usize {
        self.chars
    }

    /// Byte offset in `text` (the text the table was built for) of code point `cp`, or `None`
    /// past the end. `cp == len_chars()` is the end.
    pub fn byte(&self, text: &str, cp: usize) -> Option<usize> {
        if cp > self.chars {
            return None;
        }
        let Some(anchors) = &self.anchors else { return Some(cp) };
        let (block, into) = (cp / STRIDE, cp % STRIDE);
        let from = *anchors.get(block)? as usize;
        // A block whose code points are as many as its bytes is ASCII: no walk is needed. Most
        // blocks of news text are, even where quotation marks and dashes are not.
        if anchors.get(block + 1).is_some_and(|&next| next as usize == from + STRIDE) {
            return Some(from + into);
        }
        advance(text.as_bytes(), from, into)
    }

    /// [`Offsets::byte`] of code point `from + n`, `from` being at byte `from_byte`: walked from
    /// there when `n` is small (a span's end from its start), looked up otherwise.
    fn byte_after(&self, text: &str, from_byte: usize, from: usize, n: usize) -> Option<usize> {
        match &self.anchors {
            None => self.byte(text, from + n),
            Some(_) if n < STRIDE => advance(text.as_bytes(), from_byte, n).filter(|_| from + n <= self.chars),
            Some(_) => self.byte(text, from + n),
        }
    }

    /// Code point at byte offset `byte` of `text` (the text the table was built for), or
    /// `None` if `byte` is not on a char boundary.
    pub fn char_at_byte(&self, text: &str, byte: usize) -> Option<usize> {
        let Some(anchors) = &self.anchors else { return (byte <= self.chars).then_some(byte) };
        let bytes = text.as_bytes();
        if byte > bytes.len() || bytes.get(byte).is_some_and(|&b| is_continuation(b)) {
            return None;
        }
        let k = anchors.partition_point(|&a| a as usize <= byte).checked_sub(1)?;
        let from = anchors[k] as usize;
        let walked = bytes[from..byte].iter().filter(|&&b| !is_continuation(b)).count();
        Some(k * STRIDE + walked)
    }
}

/// The byte `n` code points on from byte `at` (the start of a code point) of UTF-8 `bytes`, or
/// `None` past the end. Eight bytes at a time: a word's code points start at its bytes that
/// do not continue one, so whole words are passed while they hold no more than are left to
/// pass, and in the word that holds the end the lowest starts are cleared to find it.
fn advance(bytes: &[u8], mut at: usize, mut n: usize) -> Option<usize> {
    const HIGHS: u64 = u64::from_le_bytes([0x80; 8]);
    while let Some(word) = bytes.get(at..).and_then(<[u8]>::first_chunk::<8>) {
        let w = u64::from_le_bytes(*word);
        // A continuation byte is 10xxxxxx: its top bit set and the next one clear. Each other
        // byte starts a code point, flagged by its top bit.
        let mut starts = !(w & !(w << 1)) & HIGHS;
        let count = starts.count_ones() as usize;
        if count <= n {
            at += 8;
            n -= count;
            continue;
        }
        for _ in 0..n {
            starts &= starts - 1;
        }
        return Some(at + starts.trailing_zeros() as usize / 8);
    }
    loop {
        match bytes.get(at) {
            None => return (n == 0).then_some(at),
            Some(&b) if is_continuation(b) => at += 1,
            Some(_) if n == 0 => return Some(at),
            Some(_) => {
                n -= 1;
                at += 1;
            }
        }
    }
}

/// Whether a UTF-8 byte continues a code point rather than starting one.
fn is_continuation(byte: u8) -> bool {
    byte & 0xC0 == 0x80
}

/// The text between code points `start` and `end`, or `None` if the range is out of bounds.
pub fn slice<'t>(text: &'t str, offsets: &Offsets, start: usize, end: usize) -> Option<&'t str> {
    if start > end {
        return None;
    }
    let from = offsets.byte(text, start)?;
    text.get(from..offsets.byte_after(text, from, start, end - start)?)
}

/// Whether code point `cp` lies between two user-perceived characters (grapheme clusters), so a
/// span may start or end there. Splitting "e" from a combining accent, or a flag emoji in half,
/// is an annotation error even though each half is valid UTF-8.
pub fn is_grapheme_boundary(text: &str, offsets: &Offsets, cp: usize) -> bool {
    let Some(byte) = offsets.byte(text, cp) else { return false };
    let b = text.as_bytes();
    let ascii_at = |i: usize| i >= b.len() || b[i].is_ascii();
    if byte == 0 || byte == b.len() || (ascii_at(byte) && b[byte - 1].is_ascii()) {
        // Between two ASCII characters only "\r\n" is one cluster.
        return !(byte > 0 && byte < b.len() && b[byte - 1] == b'\r' && b[byte] == b'\n');
    }
    let mut cursor = GraphemeCursor::new(byte, text.len(), true);
    cursor.is_boundary(text, 0).unwrap_or(true)
}

/// Converts offsets counted in another unit into code points for one text.
#[derive(Debug)]
pub struct UnitConverter {
    unit: OffsetUnit,
    /// For each offset in `unit`, the code point that starts there, or `u32::MAX` inside a char.
    to_cp: Vec<u32>,
}

impl UnitConverter {
    /// Prepares conversion from `unit` for `text`.
    pub fn new(text: &str, unit: OffsetUnit) -> UnitConverter {
        let mut to_cp = Vec::new();
        match unit {
            OffsetUnit::CodePoint => {}
            OffsetUnit::Utf16 | OffsetUnit::Utf8Byte => {
                for (cp, ch) in text.chars().enumerate() {
                    let width = if unit == OffsetUnit::Utf16 { ch.len_utf16() } else { ch.len_utf8() };
                    to_cp.push(cp as u32);
                    to_cp.extend(std::iter::repeat_n(u32::MAX, width - 1));
                }
                to_cp.push(text.chars().count() as u32);
            }
            OffsetUnit::Grapheme => {
                // One entry per cluster: the code point it starts at. Nothing lies inside a
                // cluster in this unit, so no offset is ever rejected as splitting one.
                let mut cp = 0u32;
                for cluster in text.graphemes(true) {
                    to_cp.push(cp);
                    cp += cluster.chars().count() as u32;
                }
                to_cp.push(cp);
            }
        }
        UnitConverter { unit, to_cp }
    }

    /// The code point at `offset`, or `None` if it is out of range or inside a character.
    pub fn to_code_point(&self, offset: usize) -> Option<usize> {
        if self.unit == OffsetUnit::CodePoint {
            return Some(offset);
        }
        match self.to_cp.get(offset) {
            Some(&cp) if cp != u32::MAX => Some(cp as usize),
            _ => None,
        }
    }
}

/// Converts a code point offset into `unit` for `text` (for writers of formats counting in
/// other units). `None` past the end, or inside a grapheme cluster when `unit` counts clusters.
pub fn code_point_to_unit(text: &str, offsets: &Offsets, cp: usize, unit: OffsetUnit) -> Option<usize> {
    let byte = offsets.byte(text, cp)?;
    Some(match unit {
        OffsetUnit::CodePoint => cp,
        OffsetUnit::Utf8Byte => byte,
        OffsetUnit::Utf16 => text[..byte].chars().map(char::len_utf16).sum(),
        OffsetUnit::Grapheme => {
            let mut clusters = 0;
            for (start, _) in text.grapheme_indices(true) {
                if start >= byte {
                    return (start == byte).then_some(clusters);
                }
                clusters += 1;
            }
            clusters
        }
    })
}

/// Why a span's recorded text might differ from the text at its offsets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OffsetDrift {
    /// The offsets fit the text if counted in this unit instead of code points.
    Unit(OffsetUnit),
    /// The offsets fit the text once CRLF line endings are counted as one character (the
    /// annotation tool saw "\n" where the file has "\r\n").
    Crlf,
}

impl fmt::Display for OffsetDrift {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OffsetDrift::Unit(unit) => write!(f, "the offsets fit the text if counted in {unit}"),
            OffsetDrift::Crlf => f.write_str("the offsets look counted with \"\\r\\n\" as one character (CRLF drift)"),
        }
    }
}

/// Explains a mismatch between `expected` (the text a file says a span covers) and the text at
/// code points `start..end`: tries the other units, then CRLF drift. `None` if nothing fits.
pub fn diagnose_drift(text: &str, start: usize, end: usize, expected: &str) -> Option<OffsetDrift> {
    let fits = |unit| {
        let conv = UnitConverter::new(text, unit);
        match (conv.to_code_point(start), conv.to_code_point(end)) {
            (Some(s), Some(e)) => slice(text, &Offsets::new(text), s, e) == Some(expected),
            _ => false,
        }
    };
    for unit in [OffsetUnit::Utf16, OffsetUnit::Utf8Byte] {
        if fits(unit) {
            return Some(OffsetDrift::Unit(unit));
        }
    }
    if text.contains("\r\n") {
        let folded = text.replace("\r\n", "\n");
        let offsets = Offsets::new(&folded);
        if slice(&folded, &offsets, start, end).map(|s| s == expected.replace("\r\n", "\n")) == Some(true) {
            return Some(OffsetDrift::Crlf);
        }
    }
    // Last: in text whose only clusters of several code points are "\r\n", counting clusters
    // is CRLF drift, named as such above.
    fits(OffsetUnit::Grapheme).then_some(OffsetDrift::Unit(OffsetUnit::Grapheme))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn offsets_agree_with_char_indices(text in "([a-z ]{0,9}|[éß€京]|\u{1F600}){0,120}") {
            let offsets = Offsets::new(&text);
            let mut expected: Vec<usize> = text.char_indices().map(|(b, _)| b).collect();
            prop_assert_eq!(offsets.len_chars(), expected.len());
            expected.push(text.len());
            for (cp, &byte) in expected.iter().enumerate() {
                prop_assert_eq!(offsets.byte(&text, cp), Some(byte));
                prop_assert_eq!(offsets.char_at_byte(&text, byte), Some(cp));
            }
            prop_assert_eq!(offsets.byte(&text, expected.len()), None);
            for byte in (0..text.len()).filter(|&b| !text.is_char_boundary(b)) {
                prop_assert_eq!(offsets.char_at_byte(&text, byte), None);
            }
            prop_assert_eq!(offsets.char_at_byte(&text, text.len() + 1), None);
            let chars: Vec<char> = text.chars().collect();
            for start in (0..=chars.len()).step_by(3) {
                for end in start..(start + 40).min(chars.len() + 2) {
                    let expected = (end <= chars.len()).then(|| chars[start..end].iter().collect::<String>());
                    prop_assert_eq!(slice(&text, &offsets, start, end).map(str::to_owned), expected);
                }
            }
        }
    }

    #[test]
    fn offsets_hold_at_every_length_around_the_table_stride() {
        for n in 0..3 * STRIDE + 2 {
            for text in ["é".repeat(n), format!("{}é", "a".repeat(n)), format!("é{}", "ab".repeat(n))] {
                let offsets = Offsets::new(&text);
                let ends: Vec<usize> = text.char_indices().map(|(b, _)| b).chain([text.len()]).collect();
                assert_eq!(offsets.len_chars() + 1, ends.len(), "{text}");
                for (cp, &byte) in ends.iter().enumerate() {
                    assert_eq!(offsets.byte(&text, cp), Some(byte), "code point {cp} of {text}");
                    assert_eq!(offsets.char_at_byte(&text, byte), Some(cp), "byte {byte} of {text}");
                }
                assert_eq!(offsets.byte(&text, ends.len()), None);
            }
        }
    }

    #[test]
    fn ascii_and_multibyte_slices() {
        let text = "Zoë met 李雷 😀 ok";
        let o = Offsets::new(text);
        assert_eq!(o.len_chars(), 15);
        assert_eq!(slice(text, &o, 0, 3), Some("Zoë"));
        assert_eq!(slice(text, &o, 8, 10), Some("李雷"));
        assert_eq!(slice(text, &o, 11, 12), Some("😀"));
        assert_eq!(slice(text, &o, 13, 15), Some("ok"));
        assert_eq!(slice(text, &o, 13, 16), None);
        assert_eq!(slice(text, &o, 5, 4), None);
    }

    #[test]
    fn utf16_offsets_convert_and_reject_surrogate_halves() {
        let text = "a😀b";
        let conv = UnitConverter::new(text, OffsetUnit::Utf16);
        assert_eq!(conv.to_code_point(0), Some(0));
        assert_eq!(conv.to_code_point(1), Some(1));
        assert_eq!(conv.to_code_point(2), None, "inside the surrogate pair");
        assert_eq!(conv.to_code_point(3), Some(2));
        assert_eq!(conv.to_code_point(4), Some(3));
        assert_eq!(conv.to_code_point(5), None);
        assert_eq!(code_point_to_unit(text, &Offsets::new(text), 2, OffsetUnit::Utf16), Some(3));
    }

    #[test]
    fn grapheme_offsets_count_clusters() {
        // "e" + combining acute is one cluster, the flag (two regional indicators) is one.
        let text = "e\u{301}x🇫🇷y";
        let o = Offsets::new(text);
        let conv = UnitConverter::new(text, OffsetUnit::Grapheme);
        let expected = [(0, 0), (1, 2), (2, 3), (3, 5), (4, 6)];
        for (cluster, cp) in expected {
            assert_eq!(conv.to_code_point(cluster), Some(cp), "cluster {cluster}");
            assert_eq!(code_point_to_unit(text, &o, cp, OffsetUnit::Grapheme), Some(cluster), "code point {cp}");
        }
        assert_eq!(conv.to_code_point(5), None, "past the end");
        assert_eq!(code_point_to_unit(text, &o, 1, OffsetUnit::Grapheme), None, "inside a cluster");
        assert_eq!(OffsetUnit::Grapheme.len(text), 4);
        assert_eq!(diagnose_drift(text, 3, 4, "y"), Some(OffsetDrift::Unit(OffsetUnit::Grapheme)));
    }

    #[test]
    fn unit_names_round_trip() {
        for unit in OffsetUnit::ALL {
            assert_eq!(OffsetUnit::parse(unit.name()), Some(unit));
        }
        assert_eq!(OffsetUnit::parse("bytes"), None);
    }

    #[test]
    fn grapheme_boundaries() {
        let text = "e\u{301}x🇫🇷"; // e + combining acute, x, a flag (two regional indicators)
        let o = Offsets::new(text);
        assert!(is_grapheme_boundary(text, &o, 0));
        assert!(!is_grapheme_boundary(text, &o, 1));
        assert!(is_grapheme_boundary(text, &o, 2));
        assert!(is_grapheme_boundary(text, &o, 3));
        assert!(!is_grapheme_boundary(text, &o, 4));
        assert!(is_grapheme_boundary(text, &o, 5));
        let crlf = "a\r\nb";
        assert!(!is_grapheme_boundary(crlf, &Offsets::new(crlf), 2));
    }

    #[test]
    fn drift_is_diagnosed() {
        let text = "😀 Liz Truss";
        // UTF-16: the emoji counts two units, so "Liz" is at 3..6.
        assert_eq!(diagnose_drift(text, 3, 6, "Liz"), Some(OffsetDrift::Unit(OffsetUnit::Utf16)));
        // UTF-8 bytes: the emoji is four bytes.
        assert_eq!(diagnose_drift(text, 5, 8, "Liz"), Some(OffsetDrift::Unit(OffsetUnit::Utf8Byte)));
        let crlf = "One.\r\nLiz Truss";
        assert_eq!(diagnose_drift(crlf, 5, 8, "Liz"), Some(OffsetDrift::Crlf));
        assert_eq!(diagnose_drift(text, 0, 1, "zzz"), None);
    }
}
