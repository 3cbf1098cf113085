//! Document ids that are safe as file names: the one check every writer that names a file
//! after a document goes through.
//!
//! Ids are data, and readers keep whatever a file says; but a gold corpus or a brat collection
//! stores a document as `ID.txt`, so an id such as `../../etc/x`, `/tmp/x`, `..` or `CON`
//! would write outside the directory, clobber a file or fail on Windows. [`DocumentId::new`]
//! accepts only portable names: ASCII letters, digits, `-`, `_` and `.`, not starting or ending
//! with `.`, not a device name Windows reserves, at most [`DocumentId::MAX_LEN`] bytes.

use std::fmt;

/// A document id checked to be a portable file name (see the module docs).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DocumentId(String);

/// Why an id cannot be a file name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BadId {
    /// The id is the empty string.
    #[error("it is empty")]
    Empty,
    /// The id is longer than [`DocumentId::MAX_LEN`] bytes.
    #[error("it is {len} bytes long, more than {}", DocumentId::MAX_LEN)]
    TooLong {
        /// Its length in bytes.
        len: usize,
    },
    /// The id starts with `.` (`.`, `..`, hidden files).
    #[error("it starts with '.'")]
    LeadingDot,
    /// The id ends with `.`, which Windows drops from file names.
    #[error("it ends with '.'")]
    TrailingDot,
    /// The id holds a character other than ASCII letters, digits, `-`, `_` and `.`: a path
    /// separator, a space, a control or non-ASCII character.
    #[error("it holds {0:?}")]
    Character(char),
    /// The id is, before its first `.`, a device name Windows reserves (`CON`, `PRN`, `AUX`,
    /// `NUL`, `COM0`-`COM9`, `LPT0`-`LPT9`, in any case).
    #[error("{0} is a device name Windows reserves")]
    Reserved(String),
}

impl DocumentId {
    /// The longest id, in bytes: with `.meta.toml` added it stays under the 255 bytes most file
    /// systems allow in a name.
    pub const MAX_LEN: usize = 200;

    /// Checks `id`.
    pub fn new(id: &str) -> Result<DocumentId, BadId> {
        check(id)?;
        Ok(DocumentId(id.to_owned()))
    }

    /// The id.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The file name of this document with `suffix` (`".txt"`): a single path component.
    pub fn file_name(&self, suffix: &str) -> String {
        format!("{}{suffix}", self.0)
    }
}

impl fmt::Display for DocumentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for DocumentId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

fn check(id: &str) -> Result<(), BadId> {
    if id.is_empty() {
        return Err(BadId::Empty);
    }
    if let Some(c) = id.chars().find(|&c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))) {
        return Err(BadId::Character(c));
    }
    if id.starts_with('.') {
        return Err(BadId::LeadingDot);
    }
    if id.ends_with('.') {
        return Err(BadId::TrailingDot);
    }
    if id.len() > DocumentId::MAX_LEN {
        return Err(BadId::TooLong { len: id.len() });
    }
    let stem = id.split('.').next().unwrap_or(id);
    if is_reserved(stem) {
        return Err(BadId::Reserved(stem.to_owned()));
    }
    Ok(())
}

/// Whether `stem` is a Windows device name, whatever its case.
fn is_reserved(stem: &str) -> bool {
    let upper = stem.to_ascii_uppercase();
    match upper.as_str() {
        "CON" | "PRN" | "AUX" | "NUL" => true,
        _ => {
            let b = upper.as_bytes();
            b.len() == 4 && (b.starts_with(b"COM") || b.starts_with(b"LPT")) && b[3].is_ascii_digit()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn refused(id: &str, expected: BadId) {
        assert_eq!(DocumentId::new(id), Err(expected), "{id:?}");
    }

    #[test]
    fn portable_names_are_accepted() {
        for id in ["000_1b6e3cb4960a1599", "a", "ID.1", "2024_may_a", "x-y.z", "CONSOLE", "com10", "nul_1", "LPT"] {
            assert_eq!(DocumentId::new(id).map(|d| d.to_string()), Ok(id.to_owned()));
        }
        assert_eq!(DocumentId::new("a.b").map(|d| d.file_name(".txt")), Ok("a.b.txt".to_owned()));
        assert!(DocumentId::new(&"x".repeat(DocumentId::MAX_LEN)).is_ok());
    }

    #[test]
    fn traversal_absolute_and_hidden_ids_are_refused() {
        refused("../../../victim/notes", BadId::Character('/'));
        refused("/etc/passwd", BadId::Character('/'));
        refused("a\\b", BadId::Character('\\'));
        refused("C:x", BadId::Character(':'));
        refused("", BadId::Empty);
        refused(".", BadId::LeadingDot);
        refused("..", BadId::LeadingDot);
        refused(".hidden", BadId::LeadingDot);
        refused("a.", BadId::TrailingDot);
        refused("a b", BadId::Character(' '));
        refused("a\0b", BadId::Character('\0'));
        refused("Zoë", BadId::Character('ë'));
        refused(&"x".repeat(DocumentId::MAX_LEN + 1), BadId::TooLong { len: DocumentId::MAX_LEN + 1 });
    }

    #[test]
    fn windows_device_names_are_refused_in_any_case_and_with_an_extension() {
        refused("CON", BadId::Reserved("CON".into()));
        refused("nul", BadId::Reserved("nul".into()));
        refused("Aux.txt", BadId::Reserved("Aux".into()));
        refused("prn.1.2", BadId::Reserved("prn".into()));
        refused("COM1", BadId::Reserved("COM1".into()));
        refused("lpt9.x", BadId::Reserved("lpt9".into()));
    }
}
