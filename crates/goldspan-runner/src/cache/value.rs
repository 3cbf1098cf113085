//! The form an output is stored in: a compact binary encoding of the document id and its
//! [`Annotations`], about a sixth of the size of its record line and less than half the work
//! to write (BENCHMARKS.md). A cached run writes one per document, so both count: the record line
//! of 52 spans is 4.5 KB, and SQLite writes every byte twice (the log, then the database).
//!
//! `goldspan cache show` prints a stored output as its record line (docs/cache.md).
//!
//! Layout (every number an unsigned LEB128 varint, every string its byte length then UTF-8):
//!
//! ```text
//! FORMAT (one byte), document id,
//! names: count, each a string (the layers and labels of the spans, each once),
//! spans: count, each: id, layer (index into names), label (index), fragments: count,
//!        each start and length (code points),
//! text spans: count, each: id, layer, label, text, occurrence (0 none, else n + 1),
//!             context (0 none, else 1 and the string),
//! relations: count, each: id, kind, head, tail,
//! clusters: count, each: count, member ids,
//! attributes: count, each: id, name, target, value (0 none, else 1 and the string),
//! notes: count, each: id, kind, target, text.
//! ```
//!
//! Decoding checks everything it reads: a value that is cut short, runs on, names a name
//! that is not in its table, or holds a fragment that is empty or out of order is
//! [`Undecodable`], which the runner counts as a rejected entry (a miss), never a panic.

use goldspan_model::{Annotations, Attribute, Fragment, Note, Relation, Span, TextSpan};

/// The first byte of every value: the encoding's version.
pub const FORMAT: u8 = 1;

/// A stored value that does not decode (a corrupt or edited entry).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the stored output does not decode (at byte {at})")]
pub struct Undecodable {
    /// Where decoding stopped.
    pub at: usize,
}

/// Encodes the output `annotations` of document `id`.
pub fn encode(id: &str, annotations: &Annotations) -> Vec<u8> {
    let a = annotations;
    let mut out = Vec::with_capacity(32 + id.len() + 12 * a.spans.len());
    out.push(FORMAT);
    string(&mut out, id);
    // Layers and labels are few and repeat on every span: each is written once.
    let mut names: Vec<&str> = Vec::new();
    let mut indices: Vec<(usize, usize)> = Vec::with_capacity(a.spans.len());
    for s in &a.spans {
        indices.push((name_index(&mut names, s.layer()), name_index(&mut names, s.label())));
    }
    number(&mut out, names.len());
    for name in &names {
        string(&mut out, name);
    }
    number(&mut out, a.spans.len());
    for (s, (layer, label)) in a.spans.iter().zip(indices) {
        string(&mut out, s.id());
        number(&mut out, layer);
        number(&mut out, label);
        number(&mut out, s.fragments().len());
        for f in s.fragments() {
            number(&mut out, f.start());
            number(&mut out, f.end() - f.start());
        }
    }
    number(&mut out, a.text_spans.len());
    for s in &a.text_spans {
        for part in [&s.id, &s.layer, &s.label] {
            string(&mut out, part);
        }
        string(&mut out, &s.text);
        // As a record line holds it: an occurrence past u32 (no text has that many) is none,
        // and n + 1 cannot overflow.
        let occurrence = s.occurrence.and_then(|n| u32::try_from(n).ok());
        number(&mut out, occurrence.map_or(0, |n| n as usize + 1));
        optional(&mut out, s.context.as_deref());
    }
    number(&mut out, a.relations.len());
    for r in &a.relations {
        for part in [&r.id, &r.kind, &r.head, &r.tail] {
            string(&mut out, part);
        }
    }
    number(&mut out, a.clusters.len());
    for c in &a.clusters {
        number(&mut out, c.len());
        for member in c {
            string(&mut out, member);
        }
    }
    number(&mut out, a.attributes.len());
    for at in &a.attributes {
        for part in [&at.id, &at.name, &at.target] {
            string(&mut out, part);
        }
        optional(&mut out, at.value.as_deref());
    }
    number(&mut out, a.notes.len());
    for n in &a.notes {
        for part in [&n.id, &n.kind, &n.target, &n.text] {
            string(&mut out, part);
        }
    }
    out
}

/// Decodes a value [`encode`] wrote: the document id and the annotations. Offsets are not
/// checked against any text here (the caller checks them against the document).
pub fn decode(bytes: &[u8]) -> Result<(String, Annotations), Undecodable> {
    let mut r = Reader { bytes, at: 0 };
    if r.byte()? != FORMAT {
        return Err(Undecodable { at: 0 });
    }
    let id = r.string()?.to_owned();
    let names: Vec<&str> = (0..r.count()?).map(|_| r.string()).collect::<Result<_, _>>()?;
    let mut a = Annotations::default();
    let spans = r.count()?;
    a.spans.reserve(spans);
    for _ in 0..spans {
        let at = r.at;
        let span_id = r.string()?;
        let layer = *names.get(r.number()?).ok_or(Undecodable { at })?;
        let label = *names.get(r.number()?).ok_or(Undecodable { at })?;
        let span = match r.count()? {
            1 => {
                let (start, end) = r.fragment()?;
                Span::contiguous(span_id, layer, label, start, end)
            }
            n => {
                let fragments = (0..n)
                    .map(|_| r.fragment().and_then(|(s, e)| Fragment::new(s, e).ok_or(Undecodable { at })))
                    .collect::<Result<Vec<_>, _>>()?;
                Span::new(span_id, layer, label, fragments).ok()
            }
        };
        a.spans.push(span.ok_or(Undecodable { at })?);
    }
    for _ in 0..r.count()? {
        let (id, layer, label, text) = (r.string()?, r.string()?, r.string()?, r.string()?);
        let at = r.at;
        // Stored as n + 1 for an occurrence n within u32 (what encoding keeps, as a record line
        // does): anything above is not a stored value.
        let occurrence = match r.number()? {
            0 => None,
            n if n - 1 <= u32::MAX as usize => Some(n - 1),
            _ => return Err(Undecodable { at }),
        };
        let context = r.optional()?;
        a.text_spans.push(TextSpan {
            id: id.into(),
            layer: layer.into(),
            label: label.into(),
            text: text.to_owned(),
            occurrence,
            context,
        });
    }
    for _ in 0..r.count()? {
        let [id, kind, head, tail] = r.strings()?;
        a.relations.push(Relation { id, kind, head, tail });
    }
    for _ in 0..r.count()? {
        let cluster = (0..r.count()?).map(|_| r.string().map(str::to_owned)).collect::<Result<_, _>>()?;
        a.clusters.push(cluster);
    }
    for _ in 0..r.count()? {
        let [id, name, target] = r.strings()?;
        a.attributes.push(Attribute { id, name, target, value: r.optional()? });
    }
    for _ in 0..r.count()? {
        let [id, kind, target, text] = r.strings()?;
        a.notes.push(Note { id, kind, target, text });
    }
    if r.at != bytes.len() {
        return Err(Undecodable { at: r.at });
    }
    Ok((id, a))
}

/// The place of `name` in `names`, added at the end when missing.
fn name_index<'a>(names: &mut Vec<&'a str>, name: &'a str) -> usize {
    match names.iter().position(|n| *n == name) {
        Some(i) => i,
        None => {
            names.push(name);
            names.len() - 1
        }
    }
}

fn number(out: &mut Vec<u8>, mut n: usize) {
    while n >= 0x80 {
        out.push((n as u8) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

fn string(out: &mut Vec<u8>, s: &str) {
    number(out, s.len());
    out.extend_from_slice(s.as_bytes());
}

fn optional(out: &mut Vec<u8>, s: Option<&str>) {
    match s {
        Some(s) => {
            out.push(1);
            string(out, s);
        }
        None => out.push(0),
    }
}

/// Reads a value, every read checked.
struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn fail(&self) -> Undecodable {
        Undecodable { at: self.at }
    }

    fn byte(&mut self) -> Result<u8, Undecodable> {
        let b = *self.bytes.get(self.at).ok_or(self.fail())?;
        self.at += 1;
        Ok(b)
    }

    fn number(&mut self) -> Result<usize, Undecodable> {
        let mut n: u64 = 0;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            let bits = u64::from(b & 0x7f);
            // Bits above the 64th, or a number longer than ten bytes, do not decode.
            if shift == 63 && bits > 1 {
                return Err(self.fail());
            }
            n |= bits << shift;
            if b & 0x80 == 0 {
                return usize::try_from(n).map_err(|_| self.fail());
            }
        }
        Err(self.fail())
    }

    /// A count of items, each at least a byte: never more than the bytes left (so a corrupt
    /// count cannot ask for a huge allocation).
    fn count(&mut self) -> Result<usize, Undecodable> {
        let n = self.number()?;
        if n > self.bytes.len() - self.at {
            return Err(self.fail());
        }
        Ok(n)
    }

    fn string(&mut self) -> Result<&'a str, Undecodable> {
        let len = self.count()?;
        let bytes = &self.bytes[self.at..self.at + len];
        let s = std::str::from_utf8(bytes).map_err(|_| self.fail())?;
        self.at += len;
        Ok(s)
    }

    fn strings<const N: usize>(&mut self) -> Result<[String; N], Undecodable> {
        let mut out: [String; N] = std::array::from_fn(|_| String::new());
        for s in &mut out {
            *s = self.string()?.to_owned();
        }
        Ok(out)
    }

    fn optional(&mut self) -> Result<Option<String>, Undecodable> {
        match self.byte()? {
            0 => Ok(None),
            1 => Ok(Some(self.string()?.to_owned())),
            _ => Err(Undecodable { at: self.at - 1 }),
        }
    }

    /// A fragment as start and length; an empty one, or one past the largest offset, does not
    /// decode.
    fn fragment(&mut self) -> Result<(usize, usize), Undecodable> {
        let start = self.number()?;
        let len = self.number()?;
        match start.checked_add(len) {
            Some(end) if len > 0 => Ok((start, end)),
            _ => Err(self.fail()),
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn span(id: &str, layer: &str, label: &str, fragments: &[(usize, usize)]) -> Span {
        let fragments = fragments.iter().filter_map(|&(s, e)| Fragment::new(s, e)).collect();
        Span::new(id, layer, label, fragments).expect("valid span")
    }

    /// Annotations with one of everything.
    fn everything() -> Annotations {
        Annotations {
            spans: vec![
                span("T1", "entities", "PERSON", &[(0, 3)]),
                span("T2", "quotes", "QUOTE", &[(9, 13), (17, 19)]),
                span("T3", "entities", "GPE", &[(300, 302)]),
            ],
            text_spans: vec![
                TextSpan {
                    id: "T4".into(),
                    layer: "entities".into(),
                    label: "GPE".into(),
                    text: "北京".into(),
                    occurrence: Some(0),
                    context: Some("to 北京".into()),
                },
                TextSpan {
                    id: "T5".into(),
                    layer: "entities".into(),
                    label: "ORG".into(),
                    text: "UN".into(),
                    occurrence: None,
                    context: None,
                },
            ],
            relations: vec![Relation { id: "R1".into(), kind: "speaker".into(), head: "T2".into(), tail: "T1".into() }],
            clusters: vec![vec!["T1".into(), "T3".into()], vec![]],
            attributes: vec![
                Attribute { id: "A1".into(), name: "Neg".into(), target: "T1".into(), value: None },
                Attribute { id: "A2".into(), name: "Tense".into(), target: "T2".into(), value: Some("past".into()) },
            ],
            notes: vec![Note { id: "#1".into(), kind: "AnnotatorNotes".into(), target: "T1".into(), text: "n".into() }],
        }
    }

    #[test]
    fn a_value_of_every_part_decodes_to_what_was_encoded() {
        let a = everything();
        let value = encode("d\"1", &a);
        assert_eq!(decode(&value), Ok(("d\"1".to_owned(), a)));
        assert_eq!(decode(&encode("e", &Annotations::default())), Ok(("e".to_owned(), Annotations::default())));
    }

    #[test]
    fn an_occurrence_past_u32_is_stored_as_none_as_a_record_line_holds_it() {
        // A Rust extractor may give any usize; n + 1 must not overflow, and what is stored is
        // what --save-predictions writes.
        let text_span = |occurrence| TextSpan {
            id: "T1".into(),
            layer: "entities".into(),
            label: "ORG".into(),
            text: "UN".into(),
            occurrence,
            context: None,
        };
        let huge = Annotations { text_spans: vec![text_span(Some(usize::MAX))], ..Annotations::default() };
        let none = Annotations { text_spans: vec![text_span(None)], ..Annotations::default() };
        assert_eq!(decode(&encode("d", &huge)), Ok(("d".to_owned(), none)));
        let largest = Annotations { text_spans: vec![text_span(Some(u32::MAX as usize))], ..Annotations::default() };
        assert_eq!(decode(&encode("d", &largest)), Ok(("d".to_owned(), largest.clone())));
        // A stored occurrence past that is not a value encoding gives: it does not decode (so
        // every value that decodes encodes back to itself, as the fuzz target checks).
        let past = encode("d", &largest);
        let stored = past.iter().position(|&b| b == 0x80).expect("the varint of 2^32");
        let mut bumped = past.clone();
        bumped[stored] = 0x81; // 2^32 + 1: occurrence 2^32
        assert!(decode(&bumped).is_err());
    }

    #[test]
    fn the_layout_is_the_documented_one() {
        // Worked by hand from the module's layout: FORMAT, id "d", names ["l", "P"], one span
        // "T1" of layer 0, label 1, one fragment at 200 (two varint bytes: 0xc8 0x01) of
        // length 3, then five empty lists.
        let a = Annotations { spans: vec![span("T1", "l", "P", &[(200, 203)])], ..Annotations::default() };
        let value = encode("d", &a);
        assert_eq!(value, [1, 1, b'd', 2, 1, b'l', 1, b'P', 1, 2, b'T', b'1', 0, 1, 1, 0xc8, 0x01, 3, 0, 0, 0, 0, 0]);
    }

    #[test]
    fn a_value_cut_short_or_run_on_does_not_decode() {
        let value = encode("d", &everything());
        for len in 0..value.len() {
            assert!(decode(&value[..len]).is_err(), "cut at {len}");
        }
        let mut longer = value.clone();
        longer.push(0);
        assert_eq!(decode(&longer), Err(Undecodable { at: value.len() }));
    }

    #[test]
    fn a_value_naming_a_missing_name_or_an_empty_fragment_does_not_decode() {
        let a = Annotations { spans: vec![span("T1", "l", "P", &[(200, 203)])], ..Annotations::default() };
        let good = encode("d", &a);
        // Byte 12 is the span's layer index (0): 2 is past the table of two names.
        let mut bad_name = good.clone();
        bad_name[12] = 2;
        assert_eq!(decode(&bad_name), Err(Undecodable { at: 9 }));
        // Byte 17 is the fragment's length.
        let mut empty = good.clone();
        empty[17] = 0;
        assert!(decode(&empty).is_err());
        // Another format version.
        let mut other = good.clone();
        other[0] = 2;
        assert_eq!(decode(&other), Err(Undecodable { at: 0 }));
        // A count of a billion spans in a short value asks for nothing.
        let mut huge = good[..8].to_vec();
        huge.extend_from_slice(&[0x80, 0x94, 0xeb, 0xdc, 0x03]);
        assert!(decode(&huge).is_err());
        // A record line is not a value.
        assert!(decode(b"{\"goldspan\":1,\"id\":\"d\",\"spans\":[]}").is_err());
    }

    #[test]
    fn numbers_round_trip_at_every_width() {
        for n in [0, 1, 127, 128, 16_383, 16_384, u32::MAX as usize, usize::MAX] {
            let mut out = Vec::new();
            number(&mut out, n);
            let mut r = Reader { bytes: &out, at: 0 };
            assert_eq!(r.number(), Ok(n));
            assert_eq!(r.at, out.len());
        }
        // Eleven bytes, or a tenth byte with bits past the 64th, do not decode.
        let mut r = Reader { bytes: &[0xff; 11], at: 0 };
        assert!(r.number().is_err());
        let mut r = Reader { bytes: &[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02], at: 0 };
        assert!(r.number().is_err());
    }

    proptest! {
        #[test]
        fn any_bytes_decode_or_fail_without_panicking(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
            let _ = decode(&bytes);
        }

        #[test]
        fn any_spans_round_trip(
            spans in proptest::collection::vec(
                ("[a-zA-Z0-9]{1,6}", "[a-z]{1,3}", "[A-Z]{1,3}", 0usize..100_000, 1usize..50, proptest::option::of(1usize..20)),
                0..30,
            ),
        ) {
            let spans = spans
                .into_iter()
                .map(|(id, layer, label, start, len, gap)| match gap {
                    None => span(&id, &layer, &label, &[(start, start + len)]),
                    Some(gap) => span(&id, &layer, &label, &[(start, start + len), (start + len + gap, start + len + gap + 1)]),
                })
                .collect();
            let a = Annotations { spans, ..Annotations::default() };
            prop_assert_eq!(decode(&encode("doc", &a)), Ok(("doc".to_owned(), a)));
        }
    }
}
