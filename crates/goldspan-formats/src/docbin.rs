//! spaCy's DocBin (`.spacy`, spaCy v3's corpus format), read into documents and written from
//! them, so `spacy train`, `spacy evaluate` and `DocBin().from_disk(path).get_docs(vocab)` load
//! goldspan's gold and goldspan reads what spaCy wrote.
//!
//! # The format (spaCy 3.8, `spacy/tokens/_serialize.py`, `span_group.pyx`, `_dict_proxies.py`)
//!
//! A zlib stream of one MessagePack map (srsly's msgpack: `str` as str, `bytes` as bin):
//!
//! - `"attrs"`: the token attribute ids of the columns (`spacy/attrs.pxd`: ORTH 65, ENT_IOB 77,
//!   ENT_TYPE 78, ...), ORTH first as spaCy writes it;
//! - `"tokens"`: bin, every token of every Doc as a row of `len(attrs)` native-endian (in
//!   practice little-endian) `uint64`s, C order; `"spaces"`: bin, one bool byte per token (a
//!   space follows it); `"lengths"`: bin, one `int32` per Doc, its token count;
//! - `"strings"`: every string the values refer to. A value is a string's MurmurHash64A
//!   (seed 1) of its UTF-8, except that 0 is the empty string and the strings of spaCy's
//!   symbol table are their index there ([`symbols`]);
//! - `"cats"`, `"flags"` (`{"has_unknown_spaces": bool}`: then spaCy ignores `spaces` and
//!   puts a space after every token), `"span_groups"`, and `"user_data"` when stored: one per
//!   Doc. A Doc's span groups are a msgpack map from each group's bytes to its keys (or, in
//!   older files, a list of group bytes; an empty list when there are none); a group is a map
//!   `{"name", "attrs", "spans"}` whose spans are 40 bytes each, big-endian
//!   `(id u64, kb_id u64, label u64, start i32, end i32, start_char i32, end_char i32)`,
//!   `start..end` in tokens.
//!
//! # Reading
//!
//! The text is the tokens' ORTH strings, each followed by a space when its `spaces` flag says
//! so; offsets are code points (Python string indices). Entities are decoded from ENT_IOB
//! (0 missing, 1 I, 2 O, 3 B) and ENT_TYPE exactly as `Doc.ents` does (an `I` with no entity
//! open is an error there and a problem here), and group spans from their tokens, which must
//! agree with their stored character offsets. A span's layer is the manifest's layer for its
//! label; without a manifest, entities are in the default layer (`--layer`) and a group's
//! spans in the layer named by the group's key. Spans are `T1`, `T2`, ...: entities in text
//! order, then the groups in file order. Documents are `{file stem}-{n}` (`n` 1-based, 4
//! digits) unless `user_data` holds goldspan's id. Reading notes what it leaves out: token
//! attributes (tags, lemmas, parses), categories, knowledge-base ids, unlabelled group spans,
//! and tokens whose entity annotation is missing.
//!
//! Untrusted bytes: the zlib stream may expand to at most [`MAX_DECOMPRESSED`] bytes, msgpack
//! nesting is limited, declared lengths are checked against the data before use, and every
//! malformed part is a problem naming the file and the document.
//!
//! # Writing
//!
//! Each document is laid out as [`crate::spacy`] describes (tokens that never cross a span
//! boundary, whitespace cut at span boundaries so no span is lost; the spans of `--layer` as
//! entities as far as they do not overlap, the rest in `Doc.spans[layer]`). Columns are ORTH,
//! ENT_IOB and ENT_TYPE; every token is B, I or O (gold: nothing is missing). goldspan's id and
//! metadata go to `user_data` as `{"goldspan": {"id": ..., "meta": {...}}}`
//! (`DocBin(store_user_data=True)`), so a round trip keeps them. Discontinuous spans,
//! relations, clusters, attributes and notes are dropped (reported); span ids are not kept.

mod symbols;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::{Read as _, Write as _};
use std::path::Path;
use std::sync::OnceLock;

use goldspan_model::{AnnotatedDocument, Annotations, Document, Error, Location, Meta, ProblemKind, Problems, Span};
use rmpv::{Value, ValueRef};

use crate::format::ReadOptions;
use crate::spacy::{layout, Whitespace};
use crate::tool_json::{layer_for, plural};
use crate::write_atomic;
use symbols::SYMBOLS;

/// The most bytes a DocBin may decompress to (1 GiB, some ten million tokens with spaCy's
/// default attributes): a zlib stream expands up to a thousandfold, so a small hostile file
/// must not make the reader allocate without bound.
pub const MAX_DECOMPRESSED: u64 = 1 << 30;

/// Deepest msgpack nesting read: a DocBin nests four levels; user data may nest more.
const MAX_DEPTH: usize = 64;

/// Token attribute ids (`spacy/attrs.pxd`).
const ORTH: u64 = 65;
const ENT_IOB: u64 = 77;
const ENT_TYPE: u64 = 78;
const ENT_KB_ID: u64 = 452;
const ENT_ID: u64 = 454;

/// ENT_IOB values (`spacy/attrs.pyx`, `IOB_STRINGS = ("", "I", "O", "B")`).
const IOB_MISSING: u64 = 0;
const IOB_I: u64 = 1;
const IOB_O: u64 = 2;
const IOB_B: u64 = 3;

/// Bytes of one packed span in a span group (`struct.pack(">QQQllll", ...)`).
const SPAN_BYTES: usize = 40;

/// MurmurHash64A, as spaCy hashes strings (`strings.pyx`: `hash64(utf8, len, 1)` from the
/// `murmurhash` package).
fn murmurhash64a(key: &[u8], seed: u64) -> u64 {
    const M: u64 = 0xc6a4_a793_5bd1_e995;
    const R: u32 = 47;
    let mut h = seed ^ (key.len() as u64).wrapping_mul(M);
    let mut blocks = key.chunks_exact(8);
    for block in &mut blocks {
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(block);
        let mut k = u64::from_le_bytes(bytes).wrapping_mul(M);
        k ^= k >> R;
        h ^= k.wrapping_mul(M);
        h = h.wrapping_mul(M);
    }
    let rest = blocks.remainder();
    if !rest.is_empty() {
        for (i, &b) in rest.iter().enumerate() {
            h ^= u64::from(b) << (8 * i);
        }
        h = h.wrapping_mul(M);
    }
    h ^= h >> R;
    h = h.wrapping_mul(M);
    h ^ (h >> R)
}

/// The value a spaCy `StringStore` gives `s`: 0 for the empty string, a symbol's index, else
/// the hash.
fn string_id(s: &str) -> u64 {
    static BY_NAME: OnceLock<HashMap<&'static str, u64>> = OnceLock::new();
    if s.is_empty() {
        return 0;
    }
    let by_name = BY_NAME.get_or_init(|| SYMBOLS.iter().enumerate().map(|(i, &name)| (name, i as u64)).collect());
    by_name.get(s).copied().unwrap_or_else(|| murmurhash64a(s.as_bytes(), 1))
}

// ---------------------------------------------------------------------------------------------
// Reading

/// The file's strings by value: symbols by index, the rest by hash.
struct Strings<'a> {
    by_hash: HashMap<u64, &'a str>,
}

impl<'a> Strings<'a> {
    fn get(&self, value: u64) -> Option<&'a str> {
        match usize::try_from(value).ok().and_then(|i| SYMBOLS.get(i)) {
            Some(symbol) => Some(symbol),
            None => self.by_hash.get(&value).copied(),
        }
    }
}

fn field<'v, 'a>(map: &'v [(ValueRef<'a>, ValueRef<'a>)], name: &str) -> Option<&'v ValueRef<'a>> {
    map.iter().find(|(k, _)| as_str(k) == Some(name)).map(|(_, v)| v)
}

fn as_str<'a>(value: &ValueRef<'a>) -> Option<&'a str> {
    match value {
        ValueRef::String(s) => s.into_str(),
        _ => None,
    }
}

fn as_bin<'a>(value: &ValueRef<'a>) -> Option<&'a [u8]> {
    match value {
        ValueRef::Binary(b) => Some(b),
        _ => None,
    }
}

fn as_map<'v, 'a>(value: &'v ValueRef<'a>) -> Option<&'v [(ValueRef<'a>, ValueRef<'a>)]> {
    match value {
        ValueRef::Map(m) => Some(m),
        _ => None,
    }
}

fn as_array<'v, 'a>(value: &'v ValueRef<'a>) -> Option<&'v [ValueRef<'a>]> {
    match value {
        ValueRef::Array(a) => Some(a),
        _ => None,
    }
}

fn msgpack(bytes: &[u8]) -> Result<ValueRef<'_>, String> {
    let mut rest = bytes;
    let value = rmpv::decode::read_value_ref_with_max_depth(&mut rest, MAX_DEPTH).map_err(|e| e.to_string())?;
    if !rest.is_empty() {
        return Err(format!("{} bytes after the end of the MessagePack value", rest.len()));
    }
    Ok(value)
}

/// A problem with the file as a whole, with what to do.
fn not_a_docbin(location: &Location, what: impl std::fmt::Display) -> Error {
    let message = format!("not a spaCy DocBin: {what} (a .spacy file is what DocBin.to_disk writes)");
    let mut problems = Problems::default();
    problems.push(location.clone(), ProblemKind::Syntax { message });
    problems.into_error()
}

/// The fields of the DocBin map every document needs, checked against each other.
struct Bin<'a> {
    attrs: Vec<u64>,
    tokens: &'a [u8],
    spaces: &'a [u8],
    lengths: Vec<usize>,
    strings: Strings<'a>,
    cats: Option<&'a [ValueRef<'a>]>,
    flags: Option<&'a [ValueRef<'a>]>,
    span_groups: Option<&'a [ValueRef<'a>]>,
    user_data: Option<&'a [ValueRef<'a>]>,
}

impl Bin<'_> {
    /// Token `t`'s value in column `col`.
    fn value(&self, t: usize, col: usize) -> u64 {
        let at = (t * self.attrs.len() + col) * 8;
        let mut bytes = [0u8; 8];
        if let Some(b) = self.tokens.get(at..at + 8) {
            bytes.copy_from_slice(b);
        }
        u64::from_le_bytes(bytes)
    }

    fn column(&self, attr: u64) -> Option<usize> {
        self.attrs.iter().position(|&a| a == attr)
    }
}

fn parse_bin<'a>(map: &'a [(ValueRef<'a>, ValueRef<'a>)]) -> Result<Bin<'a>, String> {
    let attrs = field(map, "attrs").and_then(as_array).ok_or("no \"attrs\" list")?;
    let attrs: Vec<u64> =
        attrs.iter().map(ValueRef::as_u64).collect::<Option<_>>().ok_or("\"attrs\" holds a non-integer")?;
    if attrs.is_empty() {
        return Err("\"attrs\" is empty".into());
    }
    if !attrs.contains(&ORTH) {
        return Err("\"attrs\" has no ORTH (65): the tokens' text is missing".into());
    }
    let bin = |name: &str| field(map, name).and_then(as_bin).ok_or(format!("no \"{name}\" bytes"));
    let tokens = bin("tokens")?;
    let spaces = bin("spaces")?;
    let lengths_bytes = bin("lengths")?;
    let row = attrs.len() * 8;
    if tokens.len() % row != 0 {
        return Err(format!(
            "\"tokens\" holds {} bytes, not a whole number of rows of {} attributes (8 bytes each)",
            tokens.len(),
            attrs.len()
        ));
    }
    let n_tokens = tokens.len() / row;
    if lengths_bytes.len() % 4 != 0 {
        return Err(format!("\"lengths\" holds {} bytes, not a whole number of int32", lengths_bytes.len()));
    }
    let mut lengths = Vec::with_capacity(lengths_bytes.len() / 4);
    let mut total = 0usize;
    for (i, chunk) in lengths_bytes.chunks_exact(4).enumerate() {
        let length = i32::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]);
        let length = usize::try_from(length).map_err(|_| format!("document {}: negative length {length}", i + 1))?;
        total = total.saturating_add(length);
        lengths.push(length);
    }
    if total != n_tokens {
        return Err(format!("the documents' lengths add up to {total} tokens but \"tokens\" holds {n_tokens}"));
    }
    if spaces.len() != n_tokens {
        return Err(format!("\"spaces\" holds {} flags for {n_tokens} tokens", spaces.len()));
    }
    let strings = field(map, "strings").and_then(as_array).ok_or("no \"strings\" list")?;
    let mut by_hash = HashMap::with_capacity(strings.len());
    for s in strings {
        let s = as_str(s).ok_or("\"strings\" holds a value that is not a UTF-8 string")?;
        by_hash.insert(murmurhash64a(s.as_bytes(), 1), s);
    }
    let per_doc = |name: &str| -> Result<Option<&[ValueRef<'_>]>, String> {
        match field(map, name) {
            None | Some(ValueRef::Nil) => Ok(None),
            Some(value) => match as_array(value) {
                Some(items) if items.len() == lengths.len() => Ok(Some(items)),
                Some(items) => Err(format!("\"{name}\" has {} entries for {} documents", items.len(), lengths.len())),
                None => Err(format!("\"{name}\" is not a list")),
            },
        }
    };
    Ok(Bin {
        cats: per_doc("cats")?,
        flags: per_doc("flags")?,
        span_groups: per_doc("span_groups")?,
        user_data: per_doc("user_data")?,
        attrs,
        tokens,
        spaces,
        lengths,
        strings: Strings { by_hash },
    })
}

/// What reading leaves out, counted over the file.
#[derive(Default)]
struct Dropped {
    cats: usize,
    kb_ids: usize,
    unlabelled: BTreeMap<String, usize>,
    missing_iob: usize,
    no_iob_column: bool,
    attrs: BTreeSet<u64>,
}

impl Dropped {
    fn notes(self) -> Vec<String> {
        let mut notes = Vec::new();
        if !self.attrs.is_empty() {
            let names: Vec<String> = self
                .attrs
                .iter()
                .map(|&a| usize::try_from(a).ok().and_then(|i| SYMBOLS.get(i)).map_or(a.to_string(), |s| s.to_string()))
                .collect();
            notes.push(format!("token attributes not read (goldspan keeps spans only): {}", names.join(", ")));
        }
        if self.no_iob_column {
            notes.push("the DocBin stores no entity annotation (no ENT_IOB attribute): no entities read".into());
        } else if self.missing_iob > 0 {
            notes.push(format!(
                "{} without entity annotation (ENT_IOB missing), read as outside every entity",
                plural(self.missing_iob, "token")
            ));
        }
        if self.cats > 0 {
            notes.push(format!(
                "{} with categories (cats): dropped, goldspan has no document categories",
                plural(self.cats, "document")
            ));
        }
        if self.kb_ids > 0 {
            notes.push(format!("{}: knowledge-base ids dropped", plural(self.kb_ids, "span")));
        }
        for (group, n) in self.unlabelled {
            notes.push(format!("span group {group:?}: {} without a label dropped", plural(n, "span")));
        }
        notes
    }
}

/// Reads a DocBin (`.spacy`). Returns the documents and what reading left out. See the module
/// doc.
pub fn read(path: &Path, options: &ReadOptions) -> Result<(Vec<AnnotatedDocument>, Vec<String>), Error> {
    read_limited(path, options, MAX_DECOMPRESSED)
}

/// [`read`] with at most `limit` decompressed bytes.
fn read_limited(
    path: &Path,
    options: &ReadOptions,
    limit: u64,
) -> Result<(Vec<AnnotatedDocument>, Vec<String>), Error> {
    let location = Location::file(path);
    let compressed = std::fs::read(path).map_err(|e| {
        let mut problems = Problems::default();
        problems.push(location.clone(), ProblemKind::Io(e));
        problems.into_error()
    })?;
    let mut raw = Vec::new();
    let decoder = flate2::read::ZlibDecoder::new(compressed.as_slice());
    if let Err(e) = decoder.take(limit.saturating_add(1)).read_to_end(&mut raw) {
        return Err(not_a_docbin(&location, format_args!("the file is not a zlib stream ({e})")));
    }
    if raw.len() as u64 > limit {
        return Err(not_a_docbin(
            &location,
            format_args!("it expands to more than {limit} bytes; split the corpus into smaller DocBins"),
        ));
    }
    let value = msgpack(&raw).map_err(|e| not_a_docbin(&location, format_args!("invalid MessagePack: {e}")))?;
    let map = as_map(&value).ok_or_else(|| not_a_docbin(&location, "the MessagePack value is not a map"))?;
    let bin = parse_bin(map).map_err(|e| not_a_docbin(&location, e))?;

    let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "doc".into());
    let mut reader =
        DocReader { bin: &bin, options, location, problems: Problems::default(), dropped: Dropped::default() };
    let unread = |a: &u64| ![ORTH, ENT_IOB, ENT_TYPE, ENT_KB_ID, ENT_ID].contains(a);
    for (col, attr) in bin.attrs.iter().enumerate().filter(|(_, a)| unread(a)) {
        if (0..bin.spaces.len()).any(|t| bin.value(t, col) != 0) {
            reader.dropped.attrs.insert(*attr);
        }
    }
    reader.dropped.no_iob_column = bin.column(ENT_IOB).is_none() && !bin.lengths.is_empty();
    let mut docs = Vec::with_capacity(bin.lengths.len());
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut first = 0;
    for (i, &length) in bin.lengths.iter().enumerate() {
        let tokens = first..first + length;
        first += length;
        let id = reader.id(i).unwrap_or_else(|| format!("{stem}-{:04}", i + 1));
        let at = reader.location.in_document(&id);
        if let Some(&before) = seen.get(&id) {
            let message = format!("document {} of the DocBin has the id of document {before}", i + 1);
            reader.problems.push(at.clone(), ProblemKind::DuplicateId { id: id.clone(), first_line: None });
            reader.problems.push(at, ProblemKind::Syntax { message });
            continue;
        }
        seen.insert(id.clone(), i + 1);
        if let Some(doc) = reader.document(i, id, tokens, &at) {
            docs.push(doc);
        }
    }
    let notes = reader.dropped.notes();
    reader.problems.into_result((docs, notes))
}

struct DocReader<'b, 'a> {
    bin: &'b Bin<'a>,
    options: &'b ReadOptions,
    location: Location,
    problems: Problems,
    dropped: Dropped,
}

impl DocReader<'_, '_> {
    fn syntax(&mut self, at: &Location, message: String) {
        self.problems.push(at.clone(), ProblemKind::Syntax { message });
    }

    /// The `goldspan` entry of document `i`'s user data: `{"id": ..., "meta": {...}}`.
    fn goldspan_user_data(&self, i: usize) -> Option<Value> {
        let bytes = self.bin.user_data.and_then(|u| u.get(i)).and_then(as_bin)?;
        let value = msgpack(bytes).ok()?;
        as_map(&value).and_then(|m| field(m, "goldspan")).map(ValueRef::to_owned)
    }

    fn id(&self, i: usize) -> Option<String> {
        let entry = self.goldspan_user_data(i)?;
        let map = entry.as_map()?;
        map.iter().find(|(k, _)| k.as_str() == Some("id")).and_then(|(_, v)| v.as_str()).map(str::to_owned)
    }

    fn meta(&mut self, i: usize, at: &Location) -> Meta {
        let mut meta = Meta::new();
        let Some(entry) = self.goldspan_user_data(i) else { return meta };
        let Some(fields) = entry.as_map().and_then(|m| m.iter().find(|(k, _)| k.as_str() == Some("meta"))) else {
            return meta;
        };
        match &fields.1 {
            Value::Map(pairs) => {
                for (k, v) in pairs {
                    match (k.as_str(), v.as_str()) {
                        (Some(k), Some(v)) => {
                            meta.insert(k.to_owned(), v.to_owned());
                        }
                        _ => self.syntax(at, format!("user_data goldspan meta: {k} = {v} is not a string pair")),
                    }
                }
            }
            other => self.syntax(at, format!("user_data goldspan meta must be a map, found {other}")),
        }
        meta
    }

    /// Document `i`, made of `tokens` (indices into the file's token rows).
    fn document(
        &mut self,
        i: usize,
        id: String,
        tokens: std::ops::Range<usize>,
        at: &Location,
    ) -> Option<AnnotatedDocument> {
        let bin = self.bin;
        let unknown_spaces = bin
            .flags
            .and_then(|f| f.get(i))
            .and_then(as_map)
            .and_then(|m| field(m, "has_unknown_spaces"))
            .is_some_and(|v| matches!(v, ValueRef::Boolean(true)));
        let orth = bin.column(ORTH).unwrap_or(0);
        let mut text = String::new();
        // Code-point start and end of each token.
        let mut bounds = Vec::with_capacity(tokens.len());
        let mut chars = 0;
        let mut ok = true;
        for (n, t) in tokens.clone().enumerate() {
            let value = bin.value(t, orth);
            let Some(word) = bin.strings.get(value) else {
                self.syntax(at, format!("token {n}: ORTH {value} is not in the DocBin's strings"));
                ok = false;
                continue;
            };
            text.push_str(word);
            let start = chars;
            chars += word.chars().count();
            bounds.push((start, chars));
            if unknown_spaces || bin.spaces[t] != 0 {
                text.push(' ');
                chars += 1;
            }
        }
        if !ok {
            return None;
        }
        if text.is_empty() {
            self.problems.push(at.clone(), ProblemKind::EmptyDocument);
            return None;
        }
        let mut spans = Vec::new();
        self.entities(tokens.start, &bounds, at, &mut spans);
        self.groups(i, &bounds, at, &mut spans);
        if let Some(cats) = bin.cats.and_then(|c| c.get(i)) {
            if as_map(cats).is_some_and(|m| !m.is_empty()) {
                self.dropped.cats += 1;
            }
        }
        let meta = self.meta(i, at);
        let annotations = Annotations { spans, ..Annotations::default() };
        Some(AnnotatedDocument { document: Document::new(id, text, meta), annotations })
    }

    fn span(&mut self, at: &Location, label: &str, layer: &str, start: usize, end: usize, spans: &mut Vec<Span>) {
        let id = format!("T{}", spans.len() + 1);
        let Some(layer) = layer_for(self.options.manifest.as_ref(), label, layer) else {
            let kind = ProblemKind::UnknownLabel { span: id, label: label.to_owned(), layer: None };
            self.problems.push(at.clone(), kind);
            return;
        };
        match Span::contiguous(id.as_str(), layer, label, start, end) {
            Some(span) => spans.push(span),
            None => self.syntax(at, format!("span {id}: {start}..{end} is empty")),
        }
    }

    /// Entities from ENT_IOB and ENT_TYPE, as spaCy's `Doc.ents` reads them.
    fn entities(&mut self, first: usize, bounds: &[(usize, usize)], at: &Location, spans: &mut Vec<Span>) {
        let bin = self.bin;
        let Some(iob) = bin.column(ENT_IOB) else { return };
        let kind = bin.column(ENT_TYPE);
        let kb = bin.column(ENT_KB_ID);
        // (first token, label value) of the entity being read.
        let mut open: Option<(usize, u64)> = None;
        let mut found = Vec::new();
        for n in 0..=bounds.len() {
            let (tag, label) = match n < bounds.len() {
                true => (bin.value(first + n, iob), kind.map_or(0, |c| bin.value(first + n, c))),
                false => (IOB_O, 0),
            };
            match tag {
                IOB_I => {
                    if open.is_none() {
                        self.syntax(at, format!("token {n}: ENT_IOB is I (inside) but no entity is open"));
                        return;
                    }
                }
                IOB_MISSING | IOB_O | IOB_B => {
                    if tag == IOB_MISSING && n < bounds.len() {
                        self.dropped.missing_iob += 1;
                    }
                    if let Some((start, label)) = open.take() {
                        found.push((start, n, label));
                    }
                    if tag == IOB_B && label != 0 {
                        open = Some((n, label));
                        if kb.is_some_and(|c| bin.value(first + n, c) != 0) {
                            self.dropped.kb_ids += 1;
                        }
                    }
                }
                other => {
                    self.syntax(at, format!("token {n}: ENT_IOB is {other}, not 0 (missing), 1 (I), 2 (O) or 3 (B)"));
                    return;
                }
            }
        }
        let layer = self.options.layer.clone();
        for (start, end, label) in found {
            let Some(name) = bin.strings.get(label) else {
                self.syntax(at, format!("token {start}: ENT_TYPE {label} is not in the DocBin's strings"));
                continue;
            };
            self.span(at, name, &layer, bounds[start].0, bounds[end - 1].1, spans);
        }
    }

    /// Spans of document `i`'s span groups.
    fn groups(&mut self, i: usize, bounds: &[(usize, usize)], at: &Location, spans: &mut Vec<Span>) {
        let Some(bytes) = self.bin.span_groups.and_then(|g| g.get(i)) else { return };
        let Some(bytes) = as_bin(bytes) else {
            return self.syntax(at, "span_groups: expected bytes".into());
        };
        if bytes.is_empty() {
            return;
        }
        let value = match msgpack(bytes) {
            Ok(v) => v,
            Err(e) => return self.syntax(at, format!("span_groups: invalid MessagePack: {e}")),
        };
        // (group bytes, keys): a map from group bytes to keys, or a list of group bytes.
        let mut groups: Vec<(&[u8], Vec<String>)> = Vec::new();
        match &value {
            ValueRef::Array(items) => {
                for item in items {
                    match as_bin(item) {
                        Some(b) => groups.push((b, Vec::new())),
                        None => return self.syntax(at, "span_groups: a group is not bytes".into()),
                    }
                }
            }
            ValueRef::Map(pairs) => {
                for (k, v) in pairs {
                    let keys = as_array(v).map(|keys| keys.iter().filter_map(as_str).map(str::to_owned).collect());
                    match (as_bin(k), keys) {
                        (Some(b), Some(keys)) => groups.push((b, keys)),
                        _ => return self.syntax(at, "span_groups: expected group bytes mapped to their keys".into()),
                    }
                }
            }
            _ => return self.syntax(at, "span_groups: expected a map or a list".into()),
        }
        for (bytes, keys) in groups {
            self.group(bytes, keys, bounds, at, spans);
        }
    }

    fn group(
        &mut self,
        bytes: &[u8],
        keys: Vec<String>,
        bounds: &[(usize, usize)],
        at: &Location,
        spans: &mut Vec<Span>,
    ) {
        let value = match msgpack(bytes) {
            Ok(v) => v,
            Err(e) => return self.syntax(at, format!("span group: invalid MessagePack: {e}")),
        };
        let Some(map) = as_map(&value) else {
            return self.syntax(at, "span group: expected a map {\"name\", \"attrs\", \"spans\"}".into());
        };
        let name = field(map, "name").and_then(as_str).unwrap_or_default();
        let keys = if keys.is_empty() { vec![name.to_owned()] } else { keys };
        let Some(items) = field(map, "spans").and_then(as_array) else {
            return self.syntax(at, format!("span group {name:?}: no \"spans\" list"));
        };
        let mut parsed = Vec::new();
        for (n, item) in items.iter().enumerate() {
            let packed = as_bin(item).filter(|b| b.len() == SPAN_BYTES);
            let Some(p) = packed else {
                return self.syntax(at, format!("span group {name:?}, span {n}: expected {SPAN_BYTES} bytes"));
            };
            let u64_at = |i: usize| {
                u64::from_be_bytes([p[i], p[i + 1], p[i + 2], p[i + 3], p[i + 4], p[i + 5], p[i + 6], p[i + 7]])
            };
            let i32_at = |i: usize| i64::from(i32::from_be_bytes([p[i], p[i + 1], p[i + 2], p[i + 3]]));
            let (kb_id, label, start, end, start_char, end_char) =
                (u64_at(8), u64_at(16), i32_at(24), i32_at(28), i32_at(32), i32_at(36));
            let len = bounds.len() as i64;
            if !(0 <= start && start < end && end <= len) {
                self.syntax(at, format!("span group {name:?}, span {n}: tokens {start}..{end} are not within the document's {len} tokens"));
                continue;
            }
            let (s, e) = (bounds[start as usize].0, bounds[end as usize - 1].1);
            if (start_char, end_char) != (s as i64, e as i64) {
                self.syntax(at, format!("span group {name:?}, span {n}: characters {start_char}..{end_char} disagree with its tokens {start}..{end}, which cover {s}..{e}"));
                continue;
            }
            if label == 0 {
                *self.dropped.unlabelled.entry(name.to_owned()).or_default() += keys.len();
                continue;
            }
            let Some(label) = self.bin.strings.get(label) else {
                self.syntax(at, format!("span group {name:?}, span {n}: label {label} is not in the DocBin's strings"));
                continue;
            };
            if kb_id != 0 {
                self.dropped.kb_ids += keys.len();
            }
            parsed.push((label, s, e));
        }
        for key in &keys {
            for &(label, s, e) in &parsed {
                self.span(at, label, key, s, e, spans);
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Writing

fn str_value(s: &str) -> Value {
    Value::String(s.into())
}

fn map(pairs: Vec<(&str, Value)>) -> Value {
    Value::Map(pairs.into_iter().map(|(k, v)| (str_value(k), v)).collect())
}

fn encode(value: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    // Writing into a Vec cannot fail.
    let _ = rmpv::encode::write_value(&mut out, value);
    out
}

/// Writes `docs` as a DocBin, the spans of `ents_layer` as entities as far as they do not
/// overlap. Returns what could not be written.
pub fn write(path: &Path, docs: &[AnnotatedDocument], ents_layer: &str) -> Result<Vec<String>, Error> {
    let mut lost = Vec::new();
    let mut strings: BTreeSet<&str> = BTreeSet::new();
    let mut tokens: Vec<u8> = Vec::new();
    let mut spaces: Vec<u8> = Vec::new();
    let mut lengths: Vec<u8> = Vec::new();
    let (mut cats, mut flags, mut span_groups, mut user_data) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let too_long = |id: &str| {
        let e = std::io::Error::other(format!("document {id} has more tokens than a DocBin can count (int32)"));
        Error::write(path, e)
    };
    for doc in docs {
        let d = &doc.document;
        let layout = layout(doc, ents_layer, Whitespace::CutAtSpans, &mut lost);
        let n = d.len_chars();
        // Index of the token starting, and of the token ending, at each code point.
        let mut starting = vec![usize::MAX; n + 1];
        let mut ending = vec![usize::MAX; n + 1];
        for (i, t) in layout.tokens.iter().enumerate() {
            starting[t.start] = i;
            ending[t.end] = i;
        }
        let mut iob = vec![IOB_O; layout.tokens.len()];
        let mut kind = vec![0u64; layout.tokens.len()];
        for ent in &layout.ents {
            let (first, last) = (starting[ent.start()], ending[ent.end()]);
            for t in first..=last {
                iob[t] = if t == first { IOB_B } else { IOB_I };
                kind[t] = string_id(ent.label());
            }
            strings.insert(ent.label());
        }
        for (i, t) in layout.tokens.iter().enumerate() {
            let word = d.slice(t.start, t.end).unwrap_or_default();
            strings.insert(word);
            for value in [string_id(word), iob[i], kind[i]] {
                tokens.extend_from_slice(&value.to_le_bytes());
            }
            spaces.push(u8::from(t.space));
        }
        let length = i32::try_from(layout.tokens.len()).map_err(|_| too_long(d.id()))?;
        lengths.extend_from_slice(&length.to_le_bytes());
        let mut groups = Vec::new();
        for (layer, spans) in &layout.groups {
            let mut packed = Vec::new();
            for span in spans {
                strings.insert(span.label());
                let (first, last) = (starting[span.start()], ending[span.end()]);
                let mut p = Vec::with_capacity(SPAN_BYTES);
                p.extend_from_slice(&0u64.to_be_bytes()); // id
                p.extend_from_slice(&0u64.to_be_bytes()); // kb_id
                p.extend_from_slice(&string_id(span.label()).to_be_bytes());
                for v in [first, last + 1, span.start(), span.end()] {
                    let v = i32::try_from(v).map_err(|_| too_long(d.id()))?;
                    p.extend_from_slice(&v.to_be_bytes());
                }
                packed.push(Value::Binary(p));
            }
            let group = map(vec![
                ("name", str_value(layer)),
                ("attrs", Value::Map(Vec::new())),
                ("spans", Value::Array(packed)),
            ]);
            groups.push((Value::Binary(encode(&group)), Value::Array(vec![str_value(layer)])));
        }
        span_groups.push(Value::Binary(encode(&if groups.is_empty() {
            Value::Array(Vec::new())
        } else {
            Value::Map(groups)
        })));
        cats.push(Value::Map(Vec::new()));
        flags.push(map(vec![("has_unknown_spaces", Value::Boolean(false))]));
        let meta = d.meta().iter().map(|(k, v)| (str_value(k), str_value(v))).collect();
        let entry = map(vec![("id", str_value(d.id())), ("meta", Value::Map(meta))]);
        user_data.push(Value::Binary(encode(&map(vec![("goldspan", entry)]))));
    }
    let message = map(vec![
        ("version", str_value("0.1")),
        ("attrs", Value::Array([ORTH, ENT_IOB, ENT_TYPE].into_iter().map(Value::from).collect())),
        ("tokens", Value::Binary(tokens)),
        ("spaces", Value::Binary(spaces)),
        ("lengths", Value::Binary(lengths)),
        ("strings", Value::Array(strings.into_iter().map(str_value).collect())),
        ("cats", Value::Array(cats)),
        ("flags", Value::Array(flags)),
        ("span_groups", Value::Array(span_groups)),
        ("user_data", Value::Array(user_data)),
    ]);
    let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    let compressed =
        encoder.write_all(&encode(&message)).and_then(|()| encoder.finish()).map_err(|e| Error::write(path, e))?;
    write_atomic(path, &compressed)?;
    Ok(lost)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tool_json::test_support::{documents, file, options};
    use proptest::prelude::*;

    #[test]
    fn murmurhash_matches_spacy_hash_string() {
        // spacy.strings.hash_string(s) in spaCy 3.8.18.
        assert_eq!(murmurhash64a("Zoë".as_bytes(), 1), 16948573035762911534);
        assert_eq!(murmurhash64a(b"a", 1), 11901859001352538922);
    }

    #[test]
    fn symbols_are_stored_by_their_index() {
        // spacy.symbols.IDS and spacy.attrs.IDS in spaCy 3.8.18.
        assert_eq!(SYMBOLS.len(), 457);
        assert_eq!([string_id("ORTH"), string_id("ENT_IOB"), string_id("ENT_TYPE")], [ORTH, ENT_IOB, ENT_TYPE]);
        assert_eq!([string_id("ENT_KB_ID"), string_id("ENT_ID"), string_id("PERSON")], [ENT_KB_ID, ENT_ID, 380]);
        assert_eq!(string_id(""), 0);
        assert_eq!(string_id("Zoë"), 16948573035762911534);
    }

    /// A one-document DocBin message with columns ORTH, ENT_IOB, ENT_TYPE: `tokens` are
    /// (word, space after, iob, type).
    fn message(tokens: &[(&str, bool, u64, &str)], span_groups: Value) -> Vec<(&'static str, Value)> {
        let mut rows = Vec::new();
        for &(word, _, iob, kind) in tokens {
            for v in [string_id(word), iob, string_id(kind)] {
                rows.extend_from_slice(&v.to_le_bytes());
            }
        }
        let strings: BTreeSet<&str> = tokens.iter().flat_map(|t| [t.0, t.3]).collect();
        vec![
            ("version", str_value("0.1")),
            ("attrs", Value::Array(vec![ORTH.into(), ENT_IOB.into(), ENT_TYPE.into()])),
            ("tokens", Value::Binary(rows)),
            ("spaces", Value::Binary(tokens.iter().map(|t| u8::from(t.1)).collect())),
            ("lengths", Value::Binary((tokens.len() as i32).to_le_bytes().to_vec())),
            ("strings", Value::Array(strings.into_iter().map(str_value).collect())),
            ("cats", Value::Array(vec![Value::Map(Vec::new())])),
            ("flags", Value::Array(vec![map(vec![("has_unknown_spaces", Value::Boolean(false))])])),
            ("span_groups", Value::Array(vec![span_groups])),
        ]
    }

    fn set(message: &mut [(&str, Value)], key: &str, value: Value) {
        if let Some(entry) = message.iter_mut().find(|(k, _)| *k == key) {
            entry.1 = value;
        }
    }

    fn compress(bytes: &[u8]) -> Vec<u8> {
        let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        encoder.write_all(bytes).expect("compress");
        encoder.finish().expect("compress")
    }

    /// Documents and notes, or each problem's document and message.
    type Outcome = Result<(Vec<AnnotatedDocument>, Vec<String>), Vec<(Option<String>, String)>>;

    /// Reads `bytes` as `s.spacy`; the problems' (document, message) or the documents.
    fn read_bytes(bytes: &[u8]) -> Outcome {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("s.spacy");
        std::fs::write(&path, bytes).expect("write");
        read(&path, &options(None, "entities")).map_err(|e| {
            e.problems()
                .iter()
                .inspect(|p| assert!(p.to_string().contains("s.spacy"), "{p}"))
                .map(|p| (p.location.document.clone(), p.kind.to_string()))
                .collect()
        })
    }

    fn read_message(message: Vec<(&str, Value)>) -> Outcome {
        read_bytes(&compress(&encode(&map(message))))
    }

    /// The one problem reading gives, which must contain `fragment`, and its document.
    fn problem(result: Outcome, fragment: &str) -> Option<String> {
        let problems = result.expect_err("a problem");
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].1.contains(fragment), "{:?} lacks {fragment:?}", problems[0].1);
        problems[0].0.clone()
    }

    const EMPTY: Value = Value::Binary(Vec::new());

    fn zoe() -> Vec<(&'static str, bool, u64, &'static str)> {
        vec![("Zoë", true, IOB_B, "PERSON"), ("Nowak", false, IOB_I, "PERSON"), ("!", false, IOB_O, "")]
    }

    #[test]
    fn a_hand_made_docbin_reads() {
        let (docs, notes) = read_message(message(&zoe(), EMPTY)).expect("reads");
        assert_eq!(docs[0].document.id(), "s-0001");
        assert_eq!(docs[0].document.text(), "Zoë Nowak!");
        let span = &docs[0].annotations.spans[0];
        assert_eq!((span.label(), span.start(), span.end()), ("PERSON", 0, 9));
        assert!(notes.is_empty(), "{notes:?}");
    }

    #[test]
    fn files_that_are_not_docbins_are_reported() {
        assert_eq!(problem(read_bytes(b"{\"text\": \"x\"}"), "not a zlib stream"), None);
        problem(read_bytes(&compress(b"\x81\xa6tok")), "invalid MessagePack");
        problem(read_bytes(&compress(&encode(&Value::Array(Vec::new())))), "not a map");
        // A bin header claiming 4 GiB over a few bytes: an error, not an allocation.
        problem(read_bytes(&compress(b"\x81\xa6tokens\xc6\xff\xff\xff\xff\x00")), "invalid MessagePack");
        let mut m = message(&zoe(), EMPTY);
        m.retain(|(k, _)| *k != "attrs");
        problem(read_message(m), "no \"attrs\"");
    }

    #[test]
    fn inconsistent_arrays_are_reported() {
        let mut m = message(&zoe(), EMPTY);
        set(&mut m, "tokens", Value::Binary(vec![0; 70]));
        problem(read_message(m), "not a whole number of rows of 3 attributes");
        let mut m = message(&zoe(), EMPTY);
        set(&mut m, "lengths", Value::Binary(4i32.to_le_bytes().to_vec()));
        problem(read_message(m), "lengths add up to 4 tokens but \"tokens\" holds 3");
        let mut m = message(&zoe(), EMPTY);
        set(&mut m, "lengths", Value::Binary((-3i32).to_le_bytes().to_vec()));
        problem(read_message(m), "negative length -3");
        let mut m = message(&zoe(), EMPTY);
        set(&mut m, "spaces", Value::Binary(vec![1]));
        problem(read_message(m), "\"spaces\" holds 1 flags for 3 tokens");
        let mut m = message(&zoe(), EMPTY);
        set(&mut m, "flags", Value::Array(Vec::new()));
        problem(read_message(m), "\"flags\" has 0 entries for 1 documents");
    }

    #[test]
    fn bad_token_values_name_the_document_and_token() {
        let mut tokens = zoe();
        tokens[0].2 = IOB_O;
        let doc =
            problem(read_message(message(&tokens, EMPTY)), "token 1: ENT_IOB is I (inside) but no entity is open");
        assert_eq!(doc.as_deref(), Some("s-0001"));
        tokens[0].2 = 7;
        problem(read_message(message(&tokens, EMPTY)), "token 0: ENT_IOB is 7");
        let mut m = message(&zoe(), EMPTY);
        set(&mut m, "strings", Value::Array(vec![str_value("Zoë"), str_value("!")]));
        let expected = format!("token 1: ORTH {} is not in the DocBin's strings", string_id("Nowak"));
        problem(read_message(m), &expected);
    }

    /// Span-group bytes holding one group `name` with `spans` packed as spaCy packs them.
    fn groups(name: &str, spans: &[(u64, i32, i32, i32, i32)]) -> Value {
        let packed = spans
            .iter()
            .map(|&(label, s, e, sc, ec)| {
                let mut p = vec![0u8; 16];
                p.extend_from_slice(&label.to_be_bytes());
                for v in [s, e, sc, ec] {
                    p.extend_from_slice(&v.to_be_bytes());
                }
                Value::Binary(p)
            })
            .collect();
        let group =
            map(vec![("name", str_value(name)), ("attrs", Value::Map(Vec::new())), ("spans", Value::Array(packed))]);
        Value::Binary(encode(&Value::Map(vec![(Value::Binary(encode(&group)), Value::Array(vec![str_value(name)]))])))
    }

    #[test]
    fn span_groups_are_read_and_checked() {
        let person = string_id("PERSON");
        let (docs, notes) =
            read_message(message(&zoe(), groups("sc", &[(person, 1, 3, 4, 10), (0, 0, 1, 0, 3)]))).expect("reads");
        let found: Vec<_> =
            docs[0].annotations.spans.iter().map(|s| (s.layer(), s.label(), s.start(), s.end())).collect();
        assert_eq!(found, [("entities", "PERSON", 0, 9), ("sc", "PERSON", 4, 10)]);
        assert_eq!(notes, ["span group \"sc\": 1 span without a label dropped"]);
        problem(
            read_message(message(&zoe(), groups("sc", &[(person, 2, 4, 9, 10)]))),
            "tokens 2..4 are not within the document's 3 tokens",
        );
        problem(
            read_message(message(&zoe(), groups("sc", &[(person, 1, 3, 3, 10)]))),
            "characters 3..10 disagree with its tokens 1..3, which cover 4..10",
        );
        problem(
            read_message(message(&zoe(), groups("sc", &[(12345, 1, 3, 4, 10)]))),
            "label 12345 is not in the DocBin's strings",
        );
    }

    #[test]
    fn decompression_is_bounded() {
        let (_dir, path) = file("big.spacy", "");
        std::fs::write(&path, compress(&vec![0x90; 4096])).expect("write");
        let err = read_limited(&path, &options(None, "entities"), 1024).expect_err("too big");
        assert!(err.to_string().contains("expands to more than 1024 bytes"), "{err}");
    }

    /// (layer, label, start, end) of every span, sorted.
    fn span_set(doc: &AnnotatedDocument) -> Vec<(String, String, usize, usize)> {
        let mut out: Vec<_> =
            doc.annotations.spans.iter().map(|s| (s.layer().into(), s.label().into(), s.start(), s.end())).collect();
        out.sort();
        out
    }

    proptest! {
        /// Text, ids, metadata and every contiguous span come back (span ids are not kept).
        #[test]
        fn docbin_write_then_read_keeps_everything(docs in documents(false)) {
            let dir = tempfile::tempdir().expect("temp dir");
            let path = dir.path().join("out.spacy");
            let lost = write(&path, &docs, "entities").expect("writes");
            prop_assert!(lost.is_empty(), "{:?}", lost);
            let (back, notes) = read(&path, &options(None, "entities")).expect("reads back");
            prop_assert!(notes.is_empty(), "{:?}", notes);
            prop_assert_eq!(back.len(), docs.len());
            for (doc, back) in docs.iter().zip(&back) {
                prop_assert_eq!(&doc.document, &back.document);
                prop_assert_eq!(span_set(doc), span_set(back));
            }
        }

        /// Damaged DocBins (bytes of the msgpack changed or cut) give documents or problems,
        /// never a panic.
        #[test]
        fn docbin_reader_never_panics(
            docs in documents(false),
            edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..6),
            cut in any::<prop::sample::Index>(),
        ) {
            let dir = tempfile::tempdir().expect("temp dir");
            let path = dir.path().join("out.spacy");
            write(&path, &docs, "entities").expect("writes");
            let mut raw = Vec::new();
            let compressed = std::fs::read(&path).expect("read");
            flate2::read::ZlibDecoder::new(compressed.as_slice()).read_to_end(&mut raw).expect("inflate");
            for (at, byte) in edits {
                let i = at.index(raw.len());
                raw[i] = byte;
            }
            raw.truncate(raw.len() - cut.index(raw.len() / 4 + 1));
            std::fs::write(&path, compress(&raw)).expect("write");
            let _ = read(&path, &options(None, "entities"));
        }
    }
}
