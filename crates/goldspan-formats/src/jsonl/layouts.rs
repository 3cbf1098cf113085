//! The fast record reader against serde on every layout common JSON writers produce.
//!
//! A record is generated as a small JSON tree and written the way one writer or another
//! would write it: Python's `json.dumps` (", " and ": " separators, non-ASCII escaped as
//! lower-case `\uXXXX`, characters beyond the Basic Multilingual Plane as surrogate pairs),
//! `json.dumps(ensure_ascii=False)`, orjson, serde_json and JavaScript's `JSON.stringify`
//! (compact, characters as themselves, control characters as `\n` or `\u001f`), other
//! writers' upper-case hex and escaped `/`, keys in any order, whitespace and tabs between
//! tokens, CRLF line ends. For each, [`parse_line`] (the fast reader, then serde) must give
//! exactly what serde alone gives, errors included, and on every well-formed layout the fast
//! reader must not have given up. Lines serde rejects — an unknown key (the format rejects
//! one, so a typo is not silently dropped), an offset written as `12.0` or `1e2` — must be
//! rejected the same way.

use proptest::prelude::*;

use super::{parse_line, scan, RecordV1, VERSION};
use goldspan_model::Location;

/// A JSON value as the test writes it; numbers keep the text they are written as.
#[derive(Debug, Clone)]
enum Json {
    Str(String),
    Num(String),
    Bool(bool),
    Null,
    Arr(Vec<Json>),
    Obj(Vec<(String, Json)>),
}

/// How a writer lays a record out.
#[derive(Debug, Clone)]
struct Layout {
    /// Between items, and between a key and its value (`","` `":"` compact, `", "` `": "`
    /// for `json.dumps`).
    comma: &'static str,
    colon: &'static str,
    /// Whitespace after `{` and `[` and before `}` and `]`.
    pad: &'static str,
    /// Non-ASCII characters escaped as `\uXXXX` (pairs beyond the BMP).
    ascii: bool,
    /// `\u00E9` rather than `\u00e9`.
    upper_hex: bool,
    /// `/` written `\/`.
    escape_slash: bool,
    /// Control characters as `\u00XX` even where a short escape (`\n`) exists.
    long_controls: bool,
    /// Keys of every object rotated by this many places (0 keeps the written order).
    rotate: usize,
    /// Keys of every object sorted (as `sort_keys=True`), after the rotation.
    sorted: bool,
    /// The line ends in CRLF.
    crlf: bool,
}

fn layout() -> impl Strategy<Value = Layout> {
    (
        prop::sample::select(vec![(",", ":"), (", ", ": "), (" , ", " : "), (",\t", ":\t")]),
        prop::sample::select(vec!["", " ", "\t "]),
        (any::<bool>(), any::<bool>(), any::<bool>(), any::<bool>()),
        (0usize..8, any::<bool>(), any::<bool>()),
    )
        .prop_map(
            |((comma, colon), pad, (ascii, upper_hex, escape_slash, long_controls), (rotate, sorted, crlf))| Layout {
                comma,
                colon,
                pad,
                ascii,
                upper_hex,
                escape_slash,
                long_controls,
                rotate,
                sorted,
                crlf,
            },
        )
}

/// The layouts named in the issue, each exactly as its writer writes it.
fn named_layouts() -> Vec<(&'static str, Layout)> {
    let compact = Layout {
        comma: ",",
        colon: ":",
        pad: "",
        ascii: false,
        upper_hex: false,
        escape_slash: false,
        long_controls: false,
        rotate: 0,
        sorted: false,
        crlf: false,
    };
    let dumps = Layout { comma: ", ", colon: ": ", ascii: true, ..compact.clone() };
    vec![
        ("serde_json, orjson, JSON.stringify", compact.clone()),
        ("json.dumps", dumps.clone()),
        ("json.dumps(ensure_ascii=False)", Layout { ascii: false, ..dumps.clone() }),
        ("json.dumps(sort_keys=True)", Layout { sorted: true, ..dumps }),
        ("compact, keys rotated", Layout { rotate: 3, ..compact.clone() }),
        ("compact, CRLF", Layout { crlf: true, ..compact }),
    ]
}

fn write_string(out: &mut String, text: &str, layout: &Layout) {
    let hex = |out: &mut String, unit: u32| {
        if layout.upper_hex {
            out.push_str(&format!("\\u{unit:04X}"));
        } else {
            out.push_str(&format!("\\u{unit:04x}"));
        }
    };
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '/' if layout.escape_slash => out.push_str("\\/"),
            '\n' if !layout.long_controls => out.push_str("\\n"),
            '\t' if !layout.long_controls => out.push_str("\\t"),
            '\r' if !layout.long_controls => out.push_str("\\r"),
            c if (c as u32) < 0x20 => hex(out, c as u32),
            c if layout.ascii && !c.is_ascii() => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    hex(out, u32::from(*unit));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

fn write(out: &mut String, value: &Json, layout: &Layout) {
    match value {
        Json::Str(s) => write_string(out, s, layout),
        Json::Num(n) => out.push_str(n),
        Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Json::Null => out.push_str("null"),
        Json::Arr(items) => {
            out.push('[');
            out.push_str(layout.pad);
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(layout.comma);
                }
                write(out, item, layout);
            }
            out.push_str(layout.pad);
            out.push(']');
        }
        Json::Obj(fields) => {
            let mut fields: Vec<&(String, Json)> = fields.iter().collect();
            if !fields.is_empty() {
                let by = layout.rotate % fields.len();
                fields.rotate_left(by);
            }
            if layout.sorted {
                fields.sort_by(|a, b| a.0.cmp(&b.0));
            }
            out.push('{');
            out.push_str(layout.pad);
            for (i, (key, value)) in fields.into_iter().enumerate() {
                if i > 0 {
                    out.push_str(layout.comma);
                }
                write_string(out, key, layout);
                out.push_str(layout.colon);
                write(out, value, layout);
            }
            out.push_str(layout.pad);
            out.push('}');
        }
    }
}

fn line(record: &Json, layout: &Layout) -> String {
    let mut out = String::new();
    write(&mut out, record, layout);
    out.push_str(if layout.crlf { "\r\n" } else { "\n" });
    out
}

/// Text with what escaping must get right: quotes, backslashes, `/`, control characters,
/// accented letters, CJK, U+2028 (which `JSON.stringify` leaves as it is), astral characters.
fn text() -> impl Strategy<Value = String> {
    prop::string::string_regex(
        r#"([a-zA-Z0-9 é京"\\/\n\t\r\u{1}\u{1f}\u{7f}\u{2028}\u{FEFF}]|\u{1F600}|\u{10FFFF}){0,10}"#,
    )
    .expect("valid regex")
}

fn string() -> impl Strategy<Value = Json> {
    text().prop_map(Json::Str)
}

fn offset() -> impl Strategy<Value = Json> {
    (0usize..100_000).prop_map(|n| Json::Num(n.to_string()))
}

/// A span: a label, then optional fields, some of them `null`.
fn span() -> impl Strategy<Value = Json> {
    let optional = |value: BoxedStrategy<Json>| prop_oneof![3 => value.prop_map(Some), 1 => Just(Some(Json::Null)), 2 => Just(None)];
    (
        string(),
        optional(string().boxed()),
        optional(string().boxed()),
        prop_oneof![
            (offset(), offset()).prop_map(|(s, e)| vec![("start", s), ("end", e)]),
            prop::collection::vec((offset(), offset()).prop_map(|(s, e)| Json::Arr(vec![s, e])), 1..3)
                .prop_map(|pairs| vec![("fragments", Json::Arr(pairs))]),
        ],
        optional(string().boxed()),
        optional(
            prop::sample::select(vec!["0.5", "1", "-2.5e-3", "1E2", "0"]).prop_map(|n| Json::Num(n.into())).boxed(),
        ),
    )
        .prop_map(|(label, id, layer, extent, text, score)| {
            let mut fields = vec![("label".to_owned(), label)];
            for (key, value) in [("id", id), ("layer", layer), ("text", text), ("score", score)] {
                if let Some(value) = value {
                    fields.push((key.to_owned(), value));
                }
            }
            fields.extend(extent.into_iter().map(|(k, v)| (k.to_owned(), v)));
            Json::Obj(fields)
        })
}

fn meta_value() -> impl Strategy<Value = Json> {
    prop_oneof![
        4 => string(),
        1 => prop::sample::select(vec!["0", "-7", "2024", "1.5", "-0.25e3", "1e400", "12345678901234567890"]).prop_map(|n| Json::Num(n.into())),
        1 => any::<bool>().prop_map(Json::Bool),
        1 => Just(Json::Null),
    ]
}

fn record() -> impl Strategy<Value = Json> {
    (
        string(),
        prop::option::of(string()),
        prop::collection::vec((text(), meta_value()), 0..3),
        prop::collection::vec(span(), 0..5),
        prop::collection::vec((string(), string(), string()), 0..2),
        any::<bool>(),
    )
        .prop_map(|(id, text, meta, spans, relations, version)| {
            let mut fields = Vec::new();
            if version {
                fields.push(("goldspan".to_owned(), Json::Num(VERSION.to_string())));
            }
            fields.push(("id".to_owned(), id));
            if let Some(text) = text {
                fields.push(("text".to_owned(), text));
            }
            // Keys of a JSON object are unique; a repeated one is tested by hand.
            let mut meta_keys = std::collections::BTreeSet::new();
            let meta: Vec<(String, Json)> = meta.into_iter().filter(|(k, _)| meta_keys.insert(k.clone())).collect();
            if !meta.is_empty() {
                fields.push(("meta".to_owned(), Json::Obj(meta)));
            }
            fields.push(("spans".to_owned(), Json::Arr(spans)));
            if !relations.is_empty() {
                let relations = relations
                    .into_iter()
                    .map(|(kind, head, tail)| {
                        Json::Obj(vec![("type".into(), kind), ("head".into(), head), ("tail".into(), tail)])
                    })
                    .collect();
                fields.push(("relations".to_owned(), Json::Arr(relations)));
            }
            Json::Obj(fields)
        })
}

/// What a writer might add that the format does not know, at the top or in a span, its value
/// a nested one.
fn unknown_key(record: &mut Json, in_span: bool) {
    let extra = ("confidence".to_owned(), Json::Obj(vec![("nested".into(), Json::Arr(vec![Json::Num("1".into())]))]));
    let Json::Obj(fields) = record else { return };
    if in_span {
        for (key, value) in fields.iter_mut() {
            if let (true, Json::Arr(spans)) = (key == "spans", value) {
                if let Some(Json::Obj(span)) = spans.first_mut() {
                    span.push(extra);
                    return;
                }
            }
        }
    }
    fields.push(extra);
}

/// An offset written as a float (`12.0`, `1e2`), as pandas or a JavaScript program might.
fn float_offset(record: &mut Json) -> bool {
    let Json::Obj(fields) = record else { return false };
    for (key, value) in fields.iter_mut() {
        if let (true, Json::Arr(spans)) = (key == "spans", value) {
            for span in spans {
                let Json::Obj(span) = span else { continue };
                for (key, value) in span.iter_mut() {
                    if let (true, Json::Num(n)) = (key == "start" || key == "end", &mut *value) {
                        *n = if n.len() % 2 == 0 { format!("{n}.0") } else { format!("{n}e0") };
                        return true;
                    }
                }
            }
        }
    }
    false
}

/// What [`parse_line`] makes of a line, comparable: the record or the error's text.
fn outcome(line: &str) -> Result<String, String> {
    parse_line(line.as_bytes(), 2, &Location::file("p.jsonl"))
        .map(|r| format!("{:?}", r.raw))
        .map_err(|p| p.to_string())
}

/// What serde alone makes of the same line: the reference.
fn by_serde(line: &str) -> Result<String, String> {
    let text = line.trim_end_matches(['\r', '\n']);
    serde_json::from_str::<RecordV1>(text).map(|r| format!("{r:?}")).map_err(|e| e.to_string())
}

fn fast_path_taken(line: &str) -> bool {
    scan::record(line.trim_end_matches(['\r', '\n'])).is_some()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// Every well-formed layout is read by the fast reader, to the record serde reads.
    #[test]
    fn every_layout_reads_as_serde_reads_it_and_fast(record in record(), layout in layout()) {
        let line = line(&record, &layout);
        let serde = by_serde(&line);
        // Only what the generator cannot rule out makes serde reject a well-formed line: a
        // number too large for a metadata value, which the fast reader must reject too.
        if serde.is_ok() {
            prop_assert!(fast_path_taken(&line), "the fast reader gave up on {line}");
        }
        prop_assert_eq!(outcome(&line).ok(), serde.ok(), "{}", line);
    }

    /// The layouts of the common writers, each exactly as written.
    #[test]
    fn each_writers_layout_reads_as_serde_reads_it_and_fast(record in record()) {
        for (writer, layout) in named_layouts() {
            let line = line(&record, &layout);
            if by_serde(&line).is_ok() {
                prop_assert!(fast_path_taken(&line), "{writer}: the fast reader gave up on {line}");
            }
            prop_assert_eq!(outcome(&line).ok(), by_serde(&line).ok(), "{}: {}", writer, line);
        }
    }

    /// A key the format does not know — at the top or in a span, with a nested value — is
    /// rejected with serde's message naming it, in every layout.
    #[test]
    fn an_unknown_key_is_rejected_as_serde_rejects_it(mut record in record(), layout in layout(), in_span in any::<bool>()) {
        prop_assume!(by_serde(&line(&record, &layout)).is_ok());
        unknown_key(&mut record, in_span);
        let line = line(&record, &layout);
        prop_assert!(!fast_path_taken(&line));
        let error = outcome(&line).expect_err("an unknown key is an error");
        prop_assert!(error.contains("unknown field `confidence`"), "{}", error);
    }

    /// An offset written as a float is rejected, as serde rejects it: offsets are code points.
    #[test]
    fn a_float_offset_is_rejected_as_serde_rejects_it(mut record in record(), layout in layout()) {
        prop_assume!(by_serde(&line(&record, &layout)).is_ok());
        prop_assume!(float_offset(&mut record));
        let line = line(&record, &layout);
        prop_assert!(!fast_path_taken(&line));
        let error = outcome(&line).expect_err("a float offset is an error");
        let serde = by_serde(&line).expect_err("serde rejects it");
        prop_assert!(error.ends_with(&serde), "{} / {}", error, serde);
        prop_assert!(error.contains("floating point"), "{}", error);
    }
}

proptest! {
    /// The id read from the start of a line (what indexes a gold or predictions file) is the
    /// record's id whenever it is read at all, and it is read in the layouts of serde and
    /// `json.dumps` when the id has nothing to escape.
    #[test]
    fn the_leading_id_is_the_records_id(record in record()) {
        for (writer, layout) in named_layouts() {
            let line = line(&record, &layout);
            let Ok(parsed) = serde_json::from_str::<RecordV1>(line.trim_end()) else { continue };
            let fast = super::leading_id(line.as_bytes());
            if let Some(id) = &fast {
                prop_assert_eq!(id, &parsed.id, "{}: {}", writer, line);
            }
            let plain = parsed.id.chars().all(|c| c >= ' ' && c != '"' && c != '\\' && (c.is_ascii() || !layout.ascii));
            if plain && !layout.sorted && layout.rotate == 0 {
                prop_assert!(fast.is_some(), "{}: {}", writer, line);
            }
        }
    }
}

proptest! {
    /// The names skimmed from a line (what `--layer`, label maps and `--slice` are checked
    /// against) are the names serde reads from it, in every layout: each span's layer and
    /// label, in order, and the metadata keys.
    #[test]
    fn the_names_skimmed_are_the_records_names(record in record(), layout in layout()) {
        let line = line(&record, &layout);
        let Ok(parsed) = serde_json::from_str::<RecordV1>(line.trim_end()) else { return Ok(()) };
        let names = super::names(line.as_bytes());
        let spans: Vec<_> = parsed.spans.iter().map(|s| (s.layer.clone(), s.label.clone())).collect();
        let meta: Vec<String> = parsed.meta.keys().cloned().collect();
        let mut skimmed = names.expect("a record serde reads is skimmed");
        skimmed.meta.sort();
        prop_assert_eq!(skimmed.spans, spans, "{}", line);
        prop_assert_eq!(skimmed.meta, meta, "{}", line);
    }
}
