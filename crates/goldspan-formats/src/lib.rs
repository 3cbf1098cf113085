//! Readers and writers for every format goldspan speaks (gold corpus directories, brat, JSON
//! Lines, CoNLL, doccano, Label Studio, spaCy JSONL and DocBin, and the inline markup annotators
//! write), and
//! the file plumbing they share.
//!
//! Each format owns its on-disk structs and converts them into the model, so the model can
//! change without a file format changing underneath a user.
#![warn(missing_docs)]

pub mod brat;
pub mod conll;
pub mod docbin;
pub mod doccano;
mod format;
pub mod gold;
pub mod jsonl;
pub mod label_studio;
pub mod markup;
pub mod prodigy;
pub mod spacy;
pub mod standoff;
pub mod tokenization;
mod tool_json;

use std::io::Write as _;
use std::path::Path;

pub use format::{AnnotationChoice, Collection, Format, ReadOptions, WriteOptions};
use goldspan_model::{Error, Location, ProblemKind, Problems};

/// Reads a UTF-8 text file, recording a byte-order mark, CRLF line endings or invalid UTF-8
/// as problems. Returns the text without a BOM, or `None` when it cannot be used at all.
pub fn read_text(path: &Path, location: &Location, problems: &mut Problems) -> Option<String> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => {
            problems.push(location.clone(), ProblemKind::Io(e));
            return None;
        }
    };
    decode_text(bytes, location, problems)
}

/// [`read_text`] for bytes already in memory.
pub fn decode_text(mut bytes: Vec<u8>, location: &Location, problems: &mut Problems) -> Option<String> {
    if bytes.starts_with(b"\xEF\xBB\xBF") {
        problems.push(location.at_line(1), ProblemKind::ByteOrderMark);
        bytes.drain(..3);
    }
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let byte = e.utf8_error().valid_up_to();
            let line = e.as_bytes()[..byte].iter().filter(|&&b| b == b'\n').count() + 1;
            problems.push(location.at_line(line), ProblemKind::InvalidUtf8 { byte });
            return None;
        }
    };
    let count = text.matches("\r\n").count();
    if count > 0 {
        let line = text[..text.find("\r\n").unwrap_or(0)].matches('\n').count() + 1;
        problems.push(location.at_line(line), ProblemKind::CrlfLineEndings { count });
    }
    Some(text)
}

/// Writes `bytes` to `path` atomically: a temporary file in the same directory, then a rename,
/// so a reader never sees a half-written file.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| Error::write(dir, e))?;
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = dir.join(format!(".{name}.tmp{}", std::process::id()));
    let result = (|| {
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(Error::write(path, e));
    }
    Ok(())
}

/// Whether `id` is safe as a file name on every platform.
pub fn is_valid_document_id(id: &str) -> bool {
    !id.is_empty()
        && !id.starts_with('.')
        && id.len() <= 200
        && id.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// What a JSON Lines file whose first non-blank line is `first` really is when it is one JSON
/// document rather than one object per line: an array (`[` first), or objects spread over
/// several lines (`{` alone on the line or, given the whole `body`, a first line that breaks
/// off where the rest of the file goes on). `None` for anything else, read line by line.
pub(crate) fn json_document_shape(first: &[u8], body: Option<&[u8]>) -> Option<&'static str> {
    const SPREAD: &str = "pretty-printed, objects spread over several lines";
    let line = first.trim_ascii();
    if line.starts_with(b"[") {
        return Some("an array");
    }
    if line == b"{" {
        return Some(SPREAD);
    }
    let body = body.filter(|_| line.starts_with(b"{"))?;
    match serde_json::from_slice::<serde::de::IgnoredAny>(line) {
        // The line breaks off mid-object: pretty-printed if the file reads as JSON values.
        Err(e) if e.is_eof() => {
            let mut values = serde_json::Deserializer::from_slice(body).into_iter::<serde::de::IgnoredAny>();
            values.all(|v| v.is_ok()).then_some(SPREAD)
        }
        _ => None,
    }
}

/// 1-based line of byte offset `byte` in `text`.
pub(crate) fn line_of_byte(text: &str, byte: usize) -> usize {
    text.as_bytes()[..byte.min(text.len())].iter().filter(|&&b| b == b'\n').count() + 1
}

/// Serialises a string as a TOML string, escaped by the `toml` crate (JSON's escapes are not
/// all TOML's: JSON leaves U+007F raw, which TOML forbids).
pub(crate) fn toml_string(s: &str) -> String {
    toml::Value::String(s.to_owned()).to_string()
}
