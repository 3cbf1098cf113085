//! Readers and writers for every format goldspan speaks (gold corpus directories, brat, JSON
//! Lines, CoNLL, doccano, Label Studio, spaCy JSONL and DocBin, and the inline markup annotators
//! write; language models' JSON answers are read only), and
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
mod llm_json;
pub mod markup;
mod output;
pub mod prodigy;
pub mod spacy;
pub mod standoff;
pub mod tokenization;
mod tool_json;

use std::io::Write as _;
use std::path::Path;

pub use format::{AnnotationChoice, Collection, Format, ReadOptions, WriteOptions};
use goldspan_model::{AnnotatedDocument, DocumentId, Error, Location, ProblemKind, Problems};
pub use output::{check_files_to_write, check_output, OutputRefused};

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
    // Most files have no carriage return at all: one SIMD scan says so (a `str` search for
    // "\r\n" cost a tenth of reading a corpus directory's document).
    if memchr::memchr(b'\r', text.as_bytes()).is_some() {
        let mut crlf = memchr::memmem::find_iter(text.as_bytes(), b"\r\n");
        if let Some(first) = crlf.next() {
            let count = 1 + crlf.count();
            let line = memchr::memchr_iter(b'\n', &text.as_bytes()[..first]).count() + 1;
            problems.push(location.at_line(line), ProblemKind::CrlfLineEndings { count });
        }
    }
    Some(text)
}

/// The prefix of the temporary files [`write_atomic`] makes: hidden, and named so a file left
/// by a killed process is recognisable (the repository's `.gitignore` ignores it).
pub const TEMP_PREFIX: &str = ".goldspan-tmp.";

/// Writes `bytes` to `path` atomically, so a reader never sees a half-written file: a temporary
/// file with a random name, created exclusively (a file or symbolic link planted at any name is
/// never opened) beside `path`, synced to disk, renamed over `path`, and the directory synced
/// so the rename survives a crash. A symbolic link at `path` itself is replaced, not followed.
/// The file gets the permissions `File::create` gives (0666 less the umask).
///
/// A process killed between creating and renaming the temporary file leaves it behind, named
/// [`TEMP_PREFIX`]`…`; every reader here skips names starting with `.`.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| Error::write(dir, e))?;
    let mut builder = tempfile::Builder::new();
    builder.prefix(TEMP_PREFIX);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let mut tmp = builder.tempfile_in(dir).map_err(|e| Error::write(path, e))?;
    tmp.write_all(bytes).and_then(|()| tmp.as_file().sync_all()).map_err(|e| Error::write(path, e))?;
    // On failure the temporary file is removed when `tmp` (or the error holding it) drops.
    tmp.persist(path).map_err(|e| Error::write(path, e.error))?;
    sync_dir(dir).map_err(|e| Error::write(dir, e))
}

/// Flushes a directory's entries (a rename into it) to disk. Windows cannot open a directory
/// as a file and makes renames durable itself.
fn sync_dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        std::fs::File::open(dir)?.sync_all()
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        Ok(())
    }
}

/// Reads a file inside a corpus. Unless `follow`, a symbolic link is not followed: the open
/// itself refuses it on Unix (`O_NOFOLLOW`, so nothing can swap the file for a link between a
/// look and the read); elsewhere the file is looked at first.
pub(crate) fn open_in_corpus(path: &Path, follow: bool) -> std::io::Result<Vec<u8>> {
    #[cfg(unix)]
    {
        use std::io::Read;
        use std::os::unix::fs::OpenOptionsExt;
        let mut options = std::fs::OpenOptions::new();
        options.read(true);
        if !follow {
            options.custom_flags(rustix::fs::OFlags::NOFOLLOW.bits() as i32);
        }
        let mut file = options.open(path)?;
        let size = file.metadata().map_or(0, |m| usize::try_from(m.len()).unwrap_or(0));
        let mut bytes = Vec::with_capacity(size.saturating_add(1));
        // Through `take`: `File`'s own `read_to_end` asks the size again (a second `statx` and
        // an `lseek`), two of the seven calls a file cost, in a corpus of three files a document.
        Read::take(&mut file, u64::MAX).read_to_end(&mut bytes)?;
        Ok(bytes)
    }
    #[cfg(not(unix))]
    {
        if !follow && std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink()) {
            return Err(std::io::Error::other("a symbolic link"));
        }
        std::fs::read(path)
    }
}

/// Records a problem and returns `true` when `path` is a symbolic link and links are not to be
/// followed ([`ReadOptions::follow_symlinks`]); the caller then leaves the file unread.
pub(crate) fn refuse_link(path: &Path, follow: bool, location: &Location, problems: &mut Problems) -> bool {
    let is_link = !follow && std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
    if is_link {
        let target = std::fs::read_link(path).ok();
        problems.push(location.clone(), ProblemKind::SymbolicLink { target });
    }
    is_link
}

/// Whether `id` is safe as a file name on every platform ([`DocumentId::new`] says why not).
pub fn is_valid_document_id(id: &str) -> bool {
    DocumentId::new(id).is_ok()
}

/// Checks, before anything is written, the ids of the documents a writer stores in `dir`, one
/// file name each: every id a portable file name ([`DocumentId`]), and no two the same where
/// case is ignored (one would overwrite the other, on macOS and Windows even when they differ in
/// case). `origin` says where a document was read from, when known; otherwise problems name
/// `dir`. Returns the checked ids in document order.
pub fn document_ids(
    dir: &Path,
    docs: &[AnnotatedDocument],
    origin: &dyn Fn(&str) -> Option<Location>,
) -> Result<Vec<DocumentId>, Error> {
    let mut problems = Problems::default();
    let mut ids = Vec::with_capacity(docs.len());
    let mut folded: std::collections::HashMap<String, &str> = std::collections::HashMap::new();
    for doc in docs {
        let id = doc.document.id();
        let location = origin(id).unwrap_or_else(|| Location::file(dir)).in_document(id);
        match DocumentId::new(id) {
            Ok(checked) => {
                if let Some(first) = folded.insert(id.to_ascii_lowercase(), id) {
                    problems
                        .push(location, ProblemKind::DocumentIdTwice { id: id.to_owned(), first: first.to_owned() });
                }
                ids.push(checked);
            }
            Err(reason) => problems.push(location, ProblemKind::BadDocumentId { id: id.to_owned(), reason }),
        }
    }
    problems.into_result(ids)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crlf_endings_are_counted_and_the_first_one_s_line_named() {
        let location = Location::file(Path::new("a.txt"));
        // A lone carriage return is not a line ending; the first CRLF ends line 3.
        let text = "one\ntwo \r three\nfour\r\nfive\r\n\r\n";
        let mut problems = Problems::default();
        assert_eq!(decode_text(text.as_bytes().to_vec(), &location, &mut problems).as_deref(), Some(text));
        let found = problems.into_vec();
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(matches!(found[0].kind, ProblemKind::CrlfLineEndings { count: 3 }), "{found:?}");
        assert!(found[0].to_string().contains("a.txt:3"), "{}", found[0]);
        let mut problems = Problems::default();
        decode_text(b"no ending \r here".to_vec(), &location, &mut problems);
        assert!(problems.is_empty());
    }

    /// Names in `dir`, sorted.
    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .expect("list")
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[cfg(unix)]
    #[test]
    fn a_symlink_planted_at_the_old_temporary_name_is_not_followed() {
        let dir = tempfile::tempdir().expect("temp dir");
        let victim = dir.path().join("victim.txt");
        std::fs::write(&victim, "precious").expect("write");
        let out = dir.path().join("out");
        std::fs::create_dir(&out).expect("mkdir");
        // The name this process's temporary file had before: `.NAME.tmp<PID>`.
        let planted = out.join(format!(".result.json.tmp{}", std::process::id()));
        std::os::unix::fs::symlink(&victim, &planted).expect("plant");
        write_atomic(&out.join("result.json"), b"{}\n").expect("write");
        assert_eq!(std::fs::read_to_string(&victim).expect("victim"), "precious");
        assert_eq!(std::fs::read_to_string(out.join("result.json")).expect("written"), "{}\n");
        let planted_name = planted.file_name().expect("name").to_string_lossy().into_owned();
        assert_eq!(names(&out), [planted_name, "result.json".to_owned()], "no temporary file is left");
    }

    #[cfg(unix)]
    #[test]
    fn a_symlink_at_the_destination_is_replaced_not_written_through() {
        let dir = tempfile::tempdir().expect("temp dir");
        let victim = dir.path().join("victim.txt");
        std::fs::write(&victim, "precious").expect("write");
        let link = dir.path().join("out.json");
        std::os::unix::fs::symlink(&victim, &link).expect("link");
        write_atomic(&link, b"new").expect("write");
        assert_eq!(std::fs::read_to_string(&victim).expect("victim"), "precious");
        assert!(!std::fs::symlink_metadata(&link).expect("meta").file_type().is_symlink());
        assert_eq!(std::fs::read_to_string(&link).expect("written"), "new");
    }

    #[test]
    fn a_failed_write_names_its_cause_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().expect("temp dir");
        let file = dir.path().join("file");
        std::fs::write(&file, "x").expect("write");
        // A directory that is a file: creating it fails, whoever runs the test (root too).
        let err = write_atomic(&file.join("out.json"), b"{}").expect_err("cannot write under a file");
        let cause = std::error::Error::source(&err).map(|c| c.to_string()).unwrap_or_default();
        assert!(!cause.is_empty(), "{err:?}");
        assert_eq!(names(dir.path()), ["file"]);
    }

    #[cfg(unix)]
    #[test]
    fn written_files_get_the_usual_permissions_not_the_temporary_files_0600() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().expect("temp dir");
        let reference = dir.path().join("reference");
        std::fs::File::create(&reference).expect("create");
        let path = dir.path().join("out");
        write_atomic(&path, b"x").expect("write");
        let mode = |p: &Path| std::fs::metadata(p).expect("meta").permissions().mode() & 0o777;
        assert_eq!(mode(&path), mode(&reference));
    }

    #[test]
    fn every_bad_id_is_found_before_anything_is_written_with_where_it_came_from() {
        let doc = |id: &str| AnnotatedDocument {
            document: goldspan_model::Document::new(id, "text", Default::default()),
            annotations: Default::default(),
        };
        let docs = [doc("a"), doc("../x"), doc("A"), doc("CON")];
        let origin = |id: &str| (id == "../x").then(|| Location::file("in.jsonl").at_line(2));
        let err = document_ids(Path::new("out"), &docs, &origin).expect_err("bad ids");
        let shown: Vec<String> = err.problems().iter().map(|p| p.to_string()).collect();
        assert_eq!(shown.len(), 3, "{shown:?}");
        assert!(
            shown[0].starts_with("in.jsonl:2: document ../x: invalid document id \"../x\": it holds '/'"),
            "{shown:?}"
        );
        assert!(shown[1].starts_with("out: document A: document id A is used twice (as a:"), "{shown:?}");
        assert!(shown[2].contains("CON is a device name Windows reserves"), "{shown:?}");
    }
}
