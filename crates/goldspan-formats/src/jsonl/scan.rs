//! A fast reader for well-formed record lines, used before serde.
//!
//! Scoring reads hundreds of megabytes of records, and serde's generic machinery spends most
//! of that time on the record's fixed shape rather than on its bytes. This reader knows the
//! shape and builds the same [`RecordV1`] directly. It accepts only what serde would accept
//! with the same result and gives up (`None`) on anything else — a `null`, an unknown or
//! repeated key, a lone surrogate, a malformed token — so serde stays the one judge of what
//! a record means and the one author of every error message. The `matches_serde` tests check
//! the two agree.

use std::borrow::Cow;
use std::collections::BTreeMap;

use compact_str::CompactString;

use super::{AttributeV1, Names, NoteV1, RecordV1, RelationV1, SpanV1};

/// Parses a record line, or `None` to let serde decide.
pub(super) fn record(text: &str) -> Option<RecordV1> {
    let mut s = Scanner { bytes: text.as_bytes(), text, at: 0, scratch: String::new() };
    let (mut goldspan, mut id, mut text, mut meta) = (None, None, None, BTreeMap::new());
    let (mut spans, mut relations, mut clusters, mut attributes, mut notes) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    s.object(|s, key| {
        Some(match key {
            "goldspan" => {
                goldspan = s.or_null(|s| u32::try_from(s.unsigned()?).ok())?;
                0
            }
            "id" => {
                id = Some(s.string()?.into());
                1
            }
            "text" => {
                text = s.or_null(|s| s.string().map(Cow::into_owned))?;
                2
            }
            "meta" => {
                s.entries(|s, key| {
                    let value = s.meta_value()?;
                    meta.insert(key.into(), value).is_none().then_some(())
                })?;
                3
            }
            "spans" => {
                // A '{' ahead per span bounds the count closely (one allocation, no regrowth);
                // capped, as braces inside a long text would inflate it.
                // Spans are large, so each is filled where it will stay rather than moved.
                let objects_ahead = memchr::memchr_iter(b'{', &s.bytes[s.at..]).count();
                spans.reserve(objects_ahead.min(1024));
                s.elements(|s| {
                    spans.push(SpanV1::default());
                    span(s, spans.last_mut()?)
                })?;
                4
            }
            "relations" => {
                relations = s.array(relation)?;
                5
            }
            "clusters" => {
                clusters = s.array(|s| s.array(|s| s.string().map(String::from)))?;
                6
            }
            "attributes" => {
                attributes = s.array(attribute)?;
                7
            }
            "notes" => {
                notes = s.array(note)?;
                8
            }
            _ => return None,
        })
    })?;
    s.whitespace();
    if s.at != s.bytes.len() {
        return None;
    }
    Some(RecordV1 { goldspan, id: id?, text, meta, spans, relations, clusters, attributes, notes })
}

/// A span, its keys in any order with any whitespace (as goldspan, serde, `json.dumps`,
/// orjson and `JSON.stringify` write it). Keys are recognised as fixed runs of bytes, which
/// is what keeps this fast: this runs for every field of every span.
fn span(s: &mut Scanner, span: &mut SpanV1) -> Option<()> {
    if !s.eat(b'{') {
        return None;
    }
    let mut seen = 0u32;
    let mut label = false;
    if !s.eat(b'}') {
        loop {
            let field = s.span_field()?;
            let bit = 1 << field as u32;
            if seen & bit != 0 {
                // Repeated: serde rejects it.
                return None;
            }
            seen |= bit;
            match field {
                SpanField::Id => s.optional_compact_into(&mut span.id)?,
                SpanField::Layer => s.optional_compact_into(&mut span.layer)?,
                SpanField::Label => {
                    s.compact_into(&mut span.label)?;
                    label = true;
                }
                SpanField::Start => span.start = s.or_null(Scanner::unsigned)?,
                SpanField::End => span.end = s.or_null(Scanner::unsigned)?,
                SpanField::Fragments => {
                    let pair = |s: &mut Scanner| <[usize; 2]>::try_from(s.array(Scanner::unsigned)?).ok();
                    span.fragments = s.or_null(|s| s.array(pair))?;
                }
                SpanField::Text => s.optional_compact_into(&mut span.text)?,
                SpanField::Score => span.score = s.or_null(Scanner::float)?,
                SpanField::Occurrence => span.occurrence = s.or_null(|s| u32::try_from(s.unsigned()?).ok())?,
                SpanField::Context => span.context = s.or_null(|s| s.string().map(|t| Box::from(t.as_ref())))?,
                SpanField::Speaker => span.speaker = s.or_null(|s| s.string().map(|t| Box::from(t.as_ref())))?,
                SpanField::Cue => span.cue = s.or_null(|s| s.string().map(|t| Box::from(t.as_ref())))?,
            }
            if s.eat(b'}') {
                break;
            }
            if !s.eat(b',') {
                return None;
            }
        }
    }
    label.then_some(())
}

/// The fields of a span, numbered for the bit set of those seen.
#[derive(Clone, Copy)]
enum SpanField {
    Id,
    Layer,
    Label,
    Start,
    End,
    Fragments,
    Text,
    Score,
    Occurrence,
    Context,
    Speaker,
    Cue,
}

impl SpanField {
    fn named(key: &str) -> Option<SpanField> {
        Some(match key {
            "id" => SpanField::Id,
            "layer" => SpanField::Layer,
            "label" => SpanField::Label,
            "start" => SpanField::Start,
            "end" => SpanField::End,
            "fragments" => SpanField::Fragments,
            "text" => SpanField::Text,
            "score" => SpanField::Score,
            "occurrence" => SpanField::Occurrence,
            "context" => SpanField::Context,
            "speaker" => SpanField::Speaker,
            "cue" => SpanField::Cue,
            _ => return None,
        })
    }
}

/// A span's key with its quotes (at most 16 bytes), as the little-endian number its bytes
/// make, so a key is recognised by one comparison of a 16-byte load from the line.
#[derive(Clone, Copy)]
struct Key {
    word: u128,
    len: usize,
}

impl Key {
    const fn new(key: &[u8]) -> Key {
        assert!(!key.is_empty() && key.len() <= 16);
        let mut word = 0u128;
        let mut i = key.len();
        while i > 0 {
            i -= 1;
            word = (word << 8) | key[i] as u128;
        }
        Key { word, len: key.len() }
    }

    /// Whether `bytes` begin with this key. The 16 bytes are loaded from the line itself:
    /// copied into a buffer first, they would be stored in pieces and loaded whole, which
    /// stalls the load until the stores retire (the parser's slowest step when it did so).
    fn begins(self, bytes: &[u8]) -> bool {
        match bytes.first_chunk::<16>() {
            Some(head) => u128::from_le_bytes(*head) & (u128::MAX >> (128 - 8 * self.len)) == self.word,
            // Near the end of the line: rare.
            None => bytes.get(..self.len).is_some_and(|head| u128_of(head) == self.word),
        }
    }
}

/// The little-endian number `bytes` (at most 16) make.
fn u128_of(bytes: &[u8]) -> u128 {
    bytes.iter().rev().fold(0, |word, &b| (word << 8) | u128::from(b))
}

fn relation(s: &mut Scanner) -> Option<RelationV1> {
    let [id, kind, head, tail] = s.strings(["id", "type", "head", "tail"])?;
    Some(RelationV1 { id, kind: kind?, head: head?, tail: tail? })
}

fn attribute(s: &mut Scanner) -> Option<AttributeV1> {
    let [id, name, target, value] = s.strings(["id", "name", "target", "value"])?;
    Some(AttributeV1 { id: id?, name: name?, target: target?, value })
}

/// The names a record line uses ([`super::names`]): each span's layer and label and the
/// metadata's keys, everything else skipped without being decoded.
pub(super) fn names(text: &str) -> Option<Names> {
    let mut names = Names::default();
    let mut s = Scanner { bytes: text.as_bytes(), text, at: 0, scratch: String::new() };
    s.entries(|s, key| match &*key {
        "spans" => s.elements(|s| {
            let (mut layer, mut label) = (None, None);
            s.entries(|s, key| {
                match &*key {
                    "layer" => layer = s.or_null(|s| s.string().map(|l| CompactString::from(&*l)))?,
                    "label" => label = Some(CompactString::from(&*s.string()?)),
                    _ => s.skip_value()?,
                }
                Some(())
            })?;
            names.spans.push((layer, label?));
            Some(())
        }),
        "meta" => s.entries(|s, key| {
            names.meta.push(key.into_owned());
            s.skip_value()
        }),
        _ => s.skip_value(),
    })?;
    s.whitespace();
    (s.at == text.len()).then_some(names)
}

fn note(s: &mut Scanner) -> Option<NoteV1> {
    let [id, kind, target, text] = s.strings(["id", "type", "target", "text"])?;
    Some(NoteV1 { id: id?, kind: kind?, target: target?, text: text? })
}

/// A cursor over one line of JSON.
struct Scanner<'t> {
    bytes: &'t [u8],
    text: &'t str,
    at: usize,
    /// Where short strings with escapes are decoded before they are stored inline.
    scratch: String,
}

impl<'t> Scanner<'t> {
    fn whitespace(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.bytes.get(self.at) {
            self.at += 1;
        }
    }

    /// Takes `bytes` if they come next, exactly.
    fn tag(&mut self, bytes: &[u8]) -> bool {
        let found = self.bytes[self.at..].starts_with(bytes);
        if found {
            self.at += bytes.len();
        }
        found
    }

    /// Skips whitespace and takes `byte` if it comes next.
    fn eat(&mut self, byte: u8) -> bool {
        // Most lines have no whitespace between tokens: the byte is looked for first.
        if self.bytes.get(self.at) == Some(&byte) {
            self.at += 1;
            return true;
        }
        self.whitespace();
        let found = self.bytes.get(self.at) == Some(&byte);
        self.at += usize::from(found);
        found
    }

    /// `{ "key": value, ... }`, calling `value` with the scanner at each value.
    fn entries(&mut self, mut value: impl FnMut(&mut Self, Cow<'t, str>) -> Option<()>) -> Option<()> {
        if !self.eat(b'{') {
            return None;
        }
        if self.eat(b'}') {
            return Some(());
        }
        loop {
            let key = self.string()?;
            if !self.eat(b':') {
                return None;
            }
            value(self, key)?;
            if self.eat(b'}') {
                return Some(());
            }
            if !self.eat(b',') {
                return None;
            }
        }
    }

    /// An object of known fields: `field` reads the value of the field named by its key and
    /// returns the field's number (below 32), or gives up on an unknown key. A repeated field
    /// gives up too, as serde rejects it.
    fn object(&mut self, mut field: impl FnMut(&mut Self, &str) -> Option<u32>) -> Option<()> {
        let mut seen = 0u32;
        self.entries(|s, key| {
            let bit = 1 << field(s, &key)?;
            let repeated = seen & bit != 0;
            seen |= bit;
            (!repeated).then_some(())
        })
    }

    /// An object whose fields are all strings named in `names`, each optional here (the
    /// caller decides which are required).
    fn strings<const N: usize>(&mut self, names: [&str; N]) -> Option<[Option<String>; N]> {
        let mut values: [Option<String>; N] = std::array::from_fn(|_| None);
        self.object(|s, key| {
            let field = names.iter().position(|n| *n == key)?;
            values[field] = s.or_null(|s| s.string().map(Cow::into_owned))?;
            u32::try_from(field).ok()
        })?;
        Some(values)
    }

    /// `[ item, ... ]`.
    fn array<T>(&mut self, mut item: impl FnMut(&mut Self) -> Option<T>) -> Option<Vec<T>> {
        let mut items = Vec::new();
        self.elements(|s| {
            items.push(item(s)?);
            Some(())
        })?;
        Some(items)
    }

    /// `[ element, ... ]`, calling `element` to read each one.
    fn elements(&mut self, mut element: impl FnMut(&mut Self) -> Option<()>) -> Option<()> {
        if !self.eat(b'[') {
            return None;
        }
        if self.eat(b']') {
            return Some(());
        }
        loop {
            element(self)?;
            if self.eat(b']') {
                return Some(());
            }
            if !self.eat(b',') {
                return None;
            }
        }
    }

    /// `null`, or what `value` reads: an optional field, which serde reads as `None` when
    /// it is `null`.
    fn or_null<T>(&mut self, value: impl FnOnce(&mut Self) -> Option<T>) -> Option<Option<T>> {
        self.whitespace();
        if self.tag(b"null") {
            return Some(None);
        }
        value(self).map(Some)
    }

    /// A span's key and the colon after it. The keys goldspan knows are matched as bytes,
    /// chosen by their first letter; any other (one written with escapes, say) is decoded
    /// and named, and an unknown key gives up, as serde rejects it.
    fn span_field(&mut self) -> Option<SpanField> {
        self.whitespace();
        let rest = &self.bytes[self.at..];
        const ID: Key = Key::new(br#""id""#);
        const LABEL: Key = Key::new(br#""label""#);
        const LAYER: Key = Key::new(br#""layer""#);
        const START: Key = Key::new(br#""start""#);
        const SCORE: Key = Key::new(br#""score""#);
        const SPEAKER: Key = Key::new(br#""speaker""#);
        const END: Key = Key::new(br#""end""#);
        const TEXT: Key = Key::new(br#""text""#);
        const OCCURRENCE: Key = Key::new(br#""occurrence""#);
        const CONTEXT: Key = Key::new(br#""context""#);
        const CUE: Key = Key::new(br#""cue""#);
        const FRAGMENTS: Key = Key::new(br#""fragments""#);
        let candidates: &[(Key, SpanField)] = match rest.get(1) {
            Some(b'i') => &[(ID, SpanField::Id)],
            Some(b'l') => &[(LABEL, SpanField::Label), (LAYER, SpanField::Layer)],
            Some(b's') => &[(START, SpanField::Start), (SCORE, SpanField::Score), (SPEAKER, SpanField::Speaker)],
            Some(b'e') => &[(END, SpanField::End)],
            Some(b't') => &[(TEXT, SpanField::Text)],
            Some(b'o') => &[(OCCURRENCE, SpanField::Occurrence)],
            Some(b'c') => &[(CONTEXT, SpanField::Context), (CUE, SpanField::Cue)],
            Some(b'f') => &[(FRAGMENTS, SpanField::Fragments)],
            _ => &[],
        };
        let field = match candidates.iter().find(|(key, _)| key.begins(rest)) {
            Some(&(key, field)) => {
                self.at += key.len;
                field
            }
            None => SpanField::named(&self.string()?)?,
        };
        self.eat(b':').then_some(field)
    }

    /// A metadata value as serde reads it into a `serde_json::Value`: a string, a number,
    /// `true`, `false` or `null`; an array or object gives up.
    fn meta_value(&mut self) -> Option<serde_json::Value> {
        use serde_json::Value;
        self.whitespace();
        Some(match *self.bytes.get(self.at)? {
            b'"' => Value::String(self.string()?.into_owned()),
            b't' if self.tag(b"true") => Value::Bool(true),
            b'f' if self.tag(b"false") => Value::Bool(false),
            b'n' if self.tag(b"null") => Value::Null,
            b'-' | b'0'..=b'9' => {
                let start = self.at;
                self.number()?;
                // serde_json's own number parser, so the value is exactly the one serde makes.
                serde_json::from_str(&self.text[start..self.at]).ok()?
            }
            _ => return None,
        })
    }

    /// A string into `out`, an empty `CompactString` (a short one is stored inline, with no
    /// allocation).
    ///
    /// Written where it stays rather than returned: a returned `CompactString` was stored by
    /// the callee and read back whole, at another offset, by the caller at once, a
    /// store-forwarding stall at each span's id, layer and label (`perf annotate`: half the
    /// time of reading a record's spans).
    #[inline(always)]
    fn compact_into(&mut self, out: &mut CompactString) -> Option<()> {
        match self.string_start()? {
            Ok(plain) => out.push_str(plain),
            Err(start) => *out = self.compact_escaped(start)?,
        }
        Some(())
    }

    /// `null` (leaving `out` `None`), or a string into `out`, as [`Scanner::compact_into`].
    #[inline(always)]
    fn optional_compact_into(&mut self, out: &mut Option<CompactString>) -> Option<()> {
        self.whitespace();
        if self.tag(b"null") {
            *out = None;
            return Some(());
        }
        self.compact_into(out.insert(CompactString::default()))
    }

    /// The rest of a string with escapes, as a `CompactString` decoded in the scratch buffer
    /// (so a short one costs no allocation).
    #[cold]
    fn compact_escaped(&mut self, start: usize) -> Option<CompactString> {
        let mut out = std::mem::take(&mut self.scratch);
        out.clear();
        let value = self.unescape(start, &mut out).map(|()| CompactString::new(&out));
        self.scratch = out;
        value
    }

    /// A string, borrowed from the line unless it has escapes.
    ///
    /// Always inlined, with escapes handled out of line: returned through memory, the result
    /// costs a store-forwarding stall at each of the several strings of every span.
    #[inline(always)]
    fn string(&mut self) -> Option<Cow<'t, str>> {
        match self.string_start()? {
            Ok(plain) => Some(Cow::Borrowed(plain)),
            Err(start) => {
                let mut out = String::new();
                self.unescape(start, &mut out)?;
                Some(Cow::Owned(out))
            }
        }
    }

    /// Opens a string and moves past the characters that stand for themselves: `Ok` with the
    /// whole string when the closing quote came next (and is taken), `Err` with the string's
    /// first byte when an escape (or a control character) stopped it.
    #[inline(always)]
    fn string_start(&mut self) -> Option<Result<&'t str, usize>> {
        if !self.eat(b'"') {
            return None;
        }
        let start = self.at;
        self.skip_plain();
        if *self.bytes.get(self.at)? == b'"' {
            self.at += 1;
            return Some(Ok(&self.text[start..self.at - 1]));
        }
        Some(Err(start))
    }

    /// Decodes the rest of a string that has escapes, from its first byte at `start`, into
    /// `out`.
    #[cold]
    fn unescape(&mut self, start: usize, out: &mut String) -> Option<()> {
        out.push_str(&self.text[start..self.at]);
        loop {
            match *self.bytes.get(self.at)? {
                b'"' => {
                    self.at += 1;
                    return Some(());
                }
                b'\\' => {
                    let (c, width) = match *self.bytes.get(self.at + 1)? {
                        b'u' => self.unicode_escape()?,
                        other => (simple_escape(other)?, 2),
                    };
                    out.push(c);
                    self.at += width;
                }
                // A control character: serde rejects it.
                _ => return None,
            }
            let run = self.at;
            self.skip_plain();
            out.push_str(&self.text[run..self.at]);
        }
    }

    /// Moves past a value of any kind without decoding it: a string, an object or array (with
    /// whatever they hold), or a number, `true`, `false` or `null`.
    fn skip_value(&mut self) -> Option<()> {
        self.whitespace();
        let mut depth = 0usize;
        loop {
            match *self.bytes.get(self.at)? {
                b'"' => {
                    self.at += 1;
                    self.skip_string_rest()?;
                }
                b'{' | b'[' => {
                    depth += 1;
                    self.at += 1;
                }
                b'}' | b']' if depth > 0 => {
                    depth -= 1;
                    self.at += 1;
                }
                // The end of a number or literal, where the value's container goes on.
                b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r' if depth == 0 => return Some(()),
                _ => self.at += 1,
            }
            if depth == 0 && matches!(self.bytes[self.at - 1], b'"' | b'}' | b']') {
                return Some(());
            }
        }
    }

    /// Moves past the rest of a string, from just after its opening quote to just after its
    /// closing one, escapes and all (not decoded).
    fn skip_string_rest(&mut self) -> Option<()> {
        loop {
            self.skip_plain();
            match *self.bytes.get(self.at)? {
                b'"' => {
                    self.at += 1;
                    return Some(());
                }
                // A backslash and the character it escapes.
                b'\\' => self.at += 2,
                // A control character: serde rejects it.
                _ => return None,
            }
        }
    }

    /// Moves past characters that stand for themselves in a string, eight bytes at a time.
    fn skip_plain(&mut self) {
        const ONES: u64 = u64::from_le_bytes([0x01; 8]);
        const HIGHS: u64 = u64::from_le_bytes([0x80; 8]);
        // The classic "has a zero byte" trick: the lowest flagged byte is always a true zero
        // (false flags appear only above it), which is all the position needs.
        let zeros = |w: u64| w.wrapping_sub(ONES) & !w & HIGHS;
        while let Some(chunk) = self.bytes.get(self.at..self.at + 8) {
            let w = u64::from_le_bytes(chunk.try_into().unwrap_or_default());
            let stops = zeros(w ^ (ONES * u64::from(b'"')))
                | zeros(w ^ (ONES * u64::from(b'\\')))
                // A byte below 0x20 is one whose top three bits are all clear.
                | zeros(w & (ONES * 0xE0));
            if stops != 0 {
                self.at += stops.trailing_zeros() as usize / 8;
                return;
            }
            self.at += 8;
        }
        while let Some(&b) = self.bytes.get(self.at) {
            if b == b'"' || b == b'\\' || b < 0x20 {
                return;
            }
            self.at += 1;
        }
    }

    /// `\uXXXX` at the cursor, with its width in bytes: a character outside the surrogate
    /// range, or a high surrogate and the low one escaped right after it (as `json.dumps`
    /// writes characters beyond the Basic Multilingual Plane). A lone half gives up: serde
    /// rejects it.
    fn unicode_escape(&self) -> Option<(char, usize)> {
        let hex = |at: usize| {
            let digits = self.bytes.get(at..at + 4)?;
            digits.iter().try_fold(0, |n, &b| Some(n * 16 + char::from(b).to_digit(16)?))
        };
        let first = hex(self.at + 2)?;
        match first {
            0xD800..=0xDBFF => {
                if self.bytes.get(self.at + 6..self.at + 8)? != br"\u" {
                    return None;
                }
                let second = hex(self.at + 8)?;
                if !(0xDC00..=0xDFFF).contains(&second) {
                    return None;
                }
                Some((char::from_u32(0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00))?, 12))
            }
            _ => Some((char::from_u32(first)?, 6)),
        }
    }

    /// A non-negative integer without sign, fraction or exponent, as serde reads `usize`.
    fn unsigned(&mut self) -> Option<usize> {
        self.whitespace();
        let start = self.at;
        let mut value: usize = 0;
        while let Some(&b) = self.bytes.get(self.at) {
            if !b.is_ascii_digit() {
                break;
            }
            value = value.checked_mul(10)?.checked_add(usize::from(b - b'0'))?;
            self.at += 1;
        }
        let digits = self.at - start;
        let leading_zero = digits > 1 && self.bytes[start] == b'0';
        let fraction = matches!(self.bytes.get(self.at), Some(b'.' | b'e' | b'E'));
        (digits > 0 && !leading_zero && !fraction).then_some(value)
    }

    /// A JSON number as `f64` (Rust's parse rounds correctly; serde's default parser may
    /// differ in the last bit, which does not matter here: a span's score is never used).
    fn float(&mut self) -> Option<f64> {
        self.whitespace();
        let start = self.at;
        self.number()?;
        self.text[start..self.at].parse::<f64>().ok().filter(|x| x.is_finite())
    }

    /// Moves past a JSON number (`-`, digits without a leading zero, a fraction, an exponent).
    fn number(&mut self) -> Option<()> {
        let digits = |s: &mut Self| {
            let n = s.bytes[s.at..].iter().take_while(|b| b.is_ascii_digit()).count();
            s.at += n;
            n
        };
        self.at += usize::from(self.bytes.get(self.at) == Some(&b'-'));
        let whole = self.at;
        if digits(self) == 0 || (self.at - whole > 1 && self.bytes[whole] == b'0') {
            return None;
        }
        if self.bytes.get(self.at) == Some(&b'.') {
            self.at += 1;
            if digits(self) == 0 {
                return None;
            }
        }
        if let Some(b'e' | b'E') = self.bytes.get(self.at) {
            self.at += 1;
            if let Some(b'+' | b'-') = self.bytes.get(self.at) {
                self.at += 1;
            }
            if digits(self) == 0 {
                return None;
            }
        }
        Some(())
    }
}

fn simple_escape(byte: u8) -> Option<char> {
    Some(match byte {
        b'"' => '"',
        b'\\' => '\\',
        b'/' => '/',
        b'b' => '\u{8}',
        b'f' => '\u{c}',
        b'n' => '\n',
        b'r' => '\r',
        b't' => '\t',
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// What serde makes of a line, in a comparable form (`None` if it rejects it).
    fn by_serde(line: &str) -> Option<String> {
        serde_json::from_str::<RecordV1>(line).ok().map(|r| format!("{r:?}"))
    }

    fn by_scan(line: &str) -> Option<String> {
        record(line).map(|r| format!("{r:?}"))
    }

    #[test]
    fn a_key_is_recognised_with_plenty_of_line_after_it_and_at_the_end_of_the_line() {
        let label = Key::new(br#""label""#);
        assert!(label.begins(br#""label":"PERSON","start":0,"end":4}"#));
        assert!(label.begins(br#""label":1}"#), "fewer than 16 bytes left");
        assert!(label.begins(br#""label""#), "the line ends with it");
        assert!(!label.begins(br#""labels":"PERSON","start":0}"#));
        assert!(!label.begins(br#""layer":"entities","start":0}"#));
        assert!(!label.begins(br#""lab"#), "cut short");
        let fragments = Key::new(br#""fragments""#);
        assert!(fragments.begins(br#""fragments":[[0,4]]}]}"#));
        assert!(!fragments.begins(br#""fragment":[[0,4]]}]}"#));
    }

    #[test]
    fn reads_every_field_as_serde_does() {
        let lines = [
            r#"{"goldspan":1,"id":"d1","text":"Zoë said “hi”.","meta":{"domain":"politics"},"spans":[{"id":"T1","layer":"entities","label":"PERSON","start":0,"end":3,"text":"Zoë"}]}"#,
            r#"{ "id" : "d\"2\\" , "spans" : [ { "label" : "Q" , "fragments" : [ [ 0 , 2 ] , [4,9] ] , "score" : -0.25e1 } ] }"#,
            r#"{"spans":[{"label":"L","start":10,"end":12,"score":1}],"id":"order does not matter"}"#,
            r#"{"\u0069d":"esc","text":"tab\tnew\nline \u00e9 \u4eac \/ \b\f\r"}"#,
            r#"{"id":"r","relations":[{"type":"speaker","head":"T1","tail":"T2"},{"id":"R9","type":"x","head":"a","tail":"b"}],"clusters":[["T2","T9"],[]]}"#,
            r##"{"id":"a","attributes":[{"id":"A1","name":"Negated","target":"T1"},{"id":"A2","name":"Kind","target":"T1","value":"v"}],"notes":[{"id":"#1","type":"AnnotatorNotes","target":"T1","text":"n"}]}"##,
            r#"{"id":"empty","spans":[],"meta":{}}"#,
            r#"{"id":"strings","spans":[{"label":"PERSON","text":"Liz Truss"},{"label":"Quote","text":"It must.","speaker":"Ms Truss","cue":"said"},{"label":"PERSON","text":"Truss","occurrence":2,"context":"Ms Truss added"}]}"#,
            r#"{"id":"astral \ud83d\ude00 \uD83D\uDE00","spans":[{"label":"\u00e9\u00C9","text":"\ud83d\ude00"}]}"#,
            r#"{"id":"m","meta":{"n":-1.5e3,"i":42,"b":true,"f":false,"z":null}}"#,
            r#"{"id":"n","goldspan":null,"text":null,"spans":[{"id":null,"layer":null,"label":"L","start":null,"end":null,"fragments":null,"text":null,"score":null}]}"#,
            r#"{"id": "spaces", "spans": [{"text": "x", "end": 3, "label": "L", "start": 2, "id": "T1", "score": 0.5}]}"#,
            "{\"id\":\"tabs\",\t\"spans\" :\t[ {\"label\"\t:\"L\" } ]\t}",
            r#"{"id":"escaped key","spans":[{"l\u0061bel":"L","\u0073tart":1}]}"#,
            r#"{"id":"d","spans":[{"label":"L","text":"a","speaker":null}]}"#,
        ];
        for line in lines {
            assert!(by_scan(line).is_some(), "the fast reader gave up on {line}");
            assert_eq!(by_scan(line), by_serde(line), "{line}");
        }
    }

    #[test]
    fn gives_up_on_what_it_does_not_handle() {
        let lines = [
            r#"{"id":null}"#,
            r#"{"id":"d","extra":1}"#,
            r#"{"id":"d","id":"e"}"#,
            r#"{"id":"d","spans":[{"label":"L","start":1,"start":2}]}"#,
            r#"{"id":"\ud83d"}"#,
            r#"{"id":"\ude00"}"#,
            r#"{"id":"\ud83d\u0041"}"#,
            r#"{"id":"\ud83dx"}"#,
            r#"{"id":"d","spans":[{"label":null}]}"#,
            r#"{"id":"d","spans":[{"label":"L","extra":{"nested":[1]}}]}"#,
            r#"{"id":"d","meta":{"k":[1]}}"#,
            r#"{"id":"d","spans":[{"label":"L","start":12.0,"end":1e2}]}"#,
            r#"{"id":"d","spans":[{"label":"L","start":nul}]}"#,
            r#"{"id":"d","spans":[{"label":"L","start":01,"end":2}]}"#,
            r#"{"id":"d","spans":[{"label":"L","start":1.0,"end":2}]}"#,
            r#"{"id":"d","spans":[{"label":"L","start":-1,"end":2}]}"#,
            r#"{"id":"d","spans":[{"label":"L","start":99999999999999999999,"end":2}]}"#,
            "{\"id\":\"tab\there\"}",
            r#"{"id":"d"} trailing"#,
            r#"{"id":"d","meta":{"k":"a","k":"b"}}"#,
            r#"{"id":"d","spans":[{"start":1,"end":2}]}"#,
            r#"{"text":"no id"}"#,
            r#"{"id":"d","spans":[{"label":"L","fragments":[[1,2,3]]}]}"#,
            r#"{"id":"d","spans":[{"label":"L","text":"a","occurrence":-1}]}"#,
            r#"{"id":"d","spans":[{"label":"L","score":1e999}]}"#,
            r#"{"id":"d","#,
        ];
        for line in lines {
            assert_eq!(by_scan(line), None, "{line}");
        }
    }

    fn text() -> impl Strategy<Value = String> {
        proptest::string::string_regex(r#"([a-zé京 "\\/\n\t\u{1}]|\u{1F600}){0,12}"#).expect("valid regex")
    }

    prop_compose! {
        /// A record line, either as goldspan writes it (fields in declaration order) or with
        /// its keys sorted (as many JSON libraries write them).
        fn a_record()(
            id in text(),
            body in proptest::option::of(text()),
            spans in proptest::collection::vec(
                (proptest::option::of(text()), proptest::option::of(text()), text(), 0usize..1000, 1usize..50, proptest::option::of(text())),
                0..6,
            ),
            // Some spans are given as text alone (a language model's answer), some of those
            // with an occurrence, a context or a speaker.
            given_as_text in proptest::collection::vec((any::<bool>(), proptest::option::of(1u32..9), proptest::option::of(text()), proptest::option::of(text())), 6),
            meta in proptest::collection::btree_map(text(), text(), 0..3),
            sorted_keys in any::<bool>(),
        ) -> String {
            let spans = spans
                .into_iter()
                .zip(given_as_text)
                .map(|((id, layer, label, start, len, text), (as_text, occurrence, context, speaker))| match as_text {
                    false => SpanV1 {
                        id: id.map(Into::into),
                        layer: layer.map(Into::into),
                        label: label.into(),
                        start: Some(start),
                        end: Some(start + len),
                        fragments: None,
                        text: text.map(Into::into),
                        ..SpanV1::default()
                    },
                    true => SpanV1 {
                        id: id.map(Into::into),
                        layer: layer.map(Into::into),
                        label: label.into(),
                        text: Some(text.unwrap_or_default().into()),
                        occurrence,
                        context: context.map(Into::into),
                        speaker: speaker.map(Into::into),
                        ..SpanV1::default()
                    },
                })
                .collect();
            let meta = meta.into_iter().map(|(k, v)| (k, serde_json::Value::String(v))).collect();
            let record = RecordV1 {
                goldspan: Some(1),
                id,
                text: body,
                meta,
                spans,
                relations: Vec::new(),
                clusters: Vec::new(),
                attributes: Vec::new(),
                notes: Vec::new(),
            };
            let line = serde_json::to_string(&record).unwrap_or_default();
            if sorted_keys {
                let value: serde_json::Value = serde_json::from_str(&line).unwrap_or_default();
                value.to_string()
            } else {
                line
            }
        }
    }

    proptest! {
        /// Whatever serde writes, the fast reader reads the same way.
        #[test]
        fn reads_what_serde_writes(line in a_record()) {
            prop_assert!(by_scan(&line).is_some());
            prop_assert_eq!(by_scan(&line), by_serde(&line));
        }

        /// On a damaged line, the fast reader either gives up or agrees with serde: it never
        /// accepts what serde rejects, nor reads it differently.
        #[test]
        fn never_accepts_what_serde_would_not(line in a_record(), at in any::<prop::sample::Index>(), byte in any::<u8>()) {
            let mut bytes = line.into_bytes();
            let i = at.index(bytes.len());
            bytes[i] = byte;
            if let Ok(line) = String::from_utf8(bytes) {
                if let Some(fast) = by_scan(&line) {
                    prop_assert_eq!(Some(fast), by_serde(&line));
                }
            }
        }
    }
}
