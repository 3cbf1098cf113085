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

use super::{AttributeV1, NoteV1, RecordV1, RelationV1, SpanV1};

/// Parses a record line, or `None` to let serde decide.
pub(super) fn record(text: &str) -> Option<RecordV1> {
    let mut s = Scanner { bytes: text.as_bytes(), text, at: 0 };
    let (mut goldspan, mut id, mut text, mut meta) = (None, None, None, BTreeMap::new());
    let (mut spans, mut relations, mut clusters, mut attributes, mut notes) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    s.object(|s, key| {
        Some(match key {
            "goldspan" => {
                goldspan = Some(u32::try_from(s.unsigned()?).ok()?);
                0
            }
            "id" => {
                id = Some(s.string()?.into());
                1
            }
            "text" => {
                text = Some(s.string()?.into());
                2
            }
            "meta" => {
                s.entries(|s, key| {
                    let value = serde_json::Value::String(s.string()?.into());
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

fn span(s: &mut Scanner, span: &mut SpanV1) -> Option<()> {
    let start = s.at;
    if written_span(s, span).is_some() {
        return Some(());
    }
    s.at = start;
    *span = SpanV1::default();
    any_span(s, span)
}

/// A span laid out as goldspan writes it — fields in declaration order, no spaces — read by
/// matching each key as a fixed run of bytes. Anything else returns `None` for [`any_span`].
fn written_span(s: &mut Scanner, span: &mut SpanV1) -> Option<()> {
    if !s.tag(b"{") {
        return None;
    }
    // The key `name` next, after a comma unless it is the first field.
    let mut first = true;
    let mut key = |s: &mut Scanner, name: &[u8]| {
        let comma = usize::from(!first);
        let rest = &s.bytes[s.at..];
        let found = rest.starts_with(&b","[..comma]) && starts_with_key(&rest[comma..], name);
        if found {
            s.at += comma + name.len();
            first = false;
        }
        found
    };
    if key(s, br#""id":"#) {
        span.id = Some(s.compact()?);
    }
    if key(s, br#""layer":"#) {
        span.layer = Some(s.compact()?);
    }
    if !key(s, br#""label":"#) {
        return None;
    }
    span.label = s.compact()?;
    if key(s, br#""start":"#) {
        span.start = Some(s.unsigned()?);
    }
    if key(s, br#""end":"#) {
        span.end = Some(s.unsigned()?);
    }
    if key(s, br#""text":"#) {
        span.text = Some(s.compact()?);
    }
    s.tag(b"}").then_some(())
}

/// Whether `bytes` begin with `key` (at most 16 bytes), compared as two integers rather than
/// through a call to `memcmp`: this runs for every field of every span.
fn starts_with_key(bytes: &[u8], key: &[u8]) -> bool {
    let (Some(head), true) = (bytes.get(..key.len()), key.len() <= 16) else {
        return false;
    };
    let mut a = [0u8; 16];
    let mut b = [0u8; 16];
    a[..key.len()].copy_from_slice(head);
    b[..key.len()].copy_from_slice(key);
    a == b
}

fn any_span(s: &mut Scanner, span: &mut SpanV1) -> Option<()> {
    let mut label = None;
    s.object(|s, key| {
        Some(match key {
            "id" => {
                span.id = Some(s.compact()?);
                0
            }
            "layer" => {
                span.layer = Some(s.compact()?);
                1
            }
            "label" => {
                label = Some(s.compact()?);
                2
            }
            "start" => {
                span.start = Some(s.unsigned()?);
                3
            }
            "end" => {
                span.end = Some(s.unsigned()?);
                4
            }
            "fragments" => {
                let pair = |s: &mut Scanner| <[usize; 2]>::try_from(s.array(Scanner::unsigned)?).ok();
                span.fragments = Some(s.array(pair)?);
                5
            }
            "text" => {
                span.text = Some(s.compact()?);
                6
            }
            "score" => {
                span.score = Some(s.float()?);
                7
            }
            "occurrence" => {
                span.occurrence = Some(u32::try_from(s.unsigned()?).ok()?);
                8
            }
            "context" => {
                span.context = Some(Box::from(s.string()?.as_ref()));
                9
            }
            "speaker" => {
                span.speaker = Some(Box::from(s.string()?.as_ref()));
                10
            }
            "cue" => {
                span.cue = Some(Box::from(s.string()?.as_ref()));
                11
            }
            _ => return None,
        })
    })?;
    span.label = label?;
    Some(())
}

fn relation(s: &mut Scanner) -> Option<RelationV1> {
    let [id, kind, head, tail] = s.strings(["id", "type", "head", "tail"])?;
    Some(RelationV1 { id, kind: kind?, head: head?, tail: tail? })
}

fn attribute(s: &mut Scanner) -> Option<AttributeV1> {
    let [id, name, target, value] = s.strings(["id", "name", "target", "value"])?;
    Some(AttributeV1 { id: id?, name: name?, target: target?, value })
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
            values[field] = Some(s.string()?.into());
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

    /// A string as a `CompactString` (a short one is stored inline, with no allocation).
    fn compact(&mut self) -> Option<CompactString> {
        Some(match self.string()? {
            Cow::Borrowed(s) => CompactString::new(s),
            Cow::Owned(s) => CompactString::from(s),
        })
    }

    /// A string, borrowed from the line unless it has escapes.
    ///
    /// Always inlined, with escapes handled out of line: returned through memory, the result
    /// costs a store-forwarding stall at each of the several strings of every span.
    #[inline(always)]
    fn string(&mut self) -> Option<Cow<'t, str>> {
        if !self.eat(b'"') {
            return None;
        }
        let start = self.at;
        self.skip_plain();
        if *self.bytes.get(self.at)? == b'"' {
            self.at += 1;
            return Some(Cow::Borrowed(&self.text[start..self.at - 1]));
        }
        self.escaped(start)
    }

    /// The rest of a string that has escapes, from its first byte at `start`.
    #[cold]
    fn escaped(&mut self, start: usize) -> Option<Cow<'t, str>> {
        let mut out = String::from(&self.text[start..self.at]);
        loop {
            match *self.bytes.get(self.at)? {
                b'"' => {
                    self.at += 1;
                    return Some(Cow::Owned(out));
                }
                b'\\' => {
                    let (c, width) = match *self.bytes.get(self.at + 1)? {
                        b'u' => (self.unicode_escape()?, 6),
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

    /// `\uXXXX` at the cursor, outside the surrogate range (pairs and lone halves are left
    /// to serde).
    fn unicode_escape(&self) -> Option<char> {
        let hex = self.bytes.get(self.at + 2..self.at + 6)?;
        if !hex.iter().all(u8::is_ascii_hexdigit) {
            return None;
        }
        let code = hex.iter().fold(0, |n, &b| n * 16 + char::from(b).to_digit(16).unwrap_or(0));
        char::from_u32(code)
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
        self.text[start..self.at].parse::<f64>().ok().filter(|x| x.is_finite())
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
            r#"{"id":"\ud83d\ude00"}"#,
            r#"{"id":"\ud83d"}"#,
            r#"{"id":"d","spans":[{"label":"L","start":01,"end":2}]}"#,
            r#"{"id":"d","spans":[{"label":"L","start":1.0,"end":2}]}"#,
            r#"{"id":"d","spans":[{"label":"L","start":-1,"end":2}]}"#,
            r#"{"id":"d","spans":[{"label":"L","start":99999999999999999999,"end":2}]}"#,
            "{\"id\":\"tab\there\"}",
            r#"{"id":"d"} trailing"#,
            r#"{"id":"d","meta":{"k":"a","k":"b"}}"#,
            r#"{"id":"d","meta":{"k":1}}"#,
            r#"{"id":"d","spans":[{"start":1,"end":2}]}"#,
            r#"{"text":"no id"}"#,
            r#"{"id":"d","spans":[{"label":"L","fragments":[[1,2,3]]}]}"#,
            r#"{"id":"d","spans":[{"label":"L","text":"a","occurrence":-1}]}"#,
            r#"{"id":"d","spans":[{"label":"L","text":"a","speaker":null}]}"#,
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
