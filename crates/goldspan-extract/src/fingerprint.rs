//! The fingerprint of the built-in extractors: one BLAKE3 hash over the source and data files
//! their output depends on, computed by `build.rs` when the crate is built (this file is
//! compiled into the build script too), so editing a rule or a word list changes the
//! extractors' identity, and with it their cache key, without anyone bumping a version.
//!
//! A tree is walked in sorted order; each regular file adds its path relative to the root,
//! its length and its bytes. Names starting with `.` (editor swap files) are skipped, and
//! nothing but regular files and directories is read. A root that does not exist adds a
//! marker, so the hash is still defined where a sibling crate is absent.

use std::io;
use std::path::Path;

/// The trees the built-in extractors' output depends on, relative to the goldspan-extract
/// crate: their rules, their word lists, and the model code they call (offsets, spans).
pub const INPUTS: [(&str, &str); 3] =
    [("builtin", "src/builtin"), ("data", "data"), ("goldspan-model", "../goldspan-model/src")];

/// The fingerprint of `INPUTS` under `crate_dir`: 64 hex digits.
pub fn fingerprint(crate_dir: &Path) -> io::Result<String> {
    let mut hasher = blake3::Hasher::new();
    for (label, dir) in INPUTS {
        hasher.update(label.as_bytes()).update(&[0]);
        let root = crate_dir.join(dir);
        if root.is_dir() {
            walk(&root, "", &mut hasher)?;
        } else {
            hasher.update(b"absent\0");
        }
    }
    Ok(hasher.finalize().to_hex().to_string())
}

fn walk(dir: &Path, prefix: &str, hasher: &mut blake3::Hasher) -> io::Result<()> {
    let mut entries: Vec<(String, std::fs::FileType)> = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if !name.starts_with('.') {
            entries.push((name, entry.file_type()?));
        }
    }
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    for (name, kind) in entries {
        let relative = format!("{prefix}{name}");
        let path = dir.join(&name);
        if kind.is_dir() {
            walk(&path, &format!("{relative}/"), hasher)?;
        } else if kind.is_file() {
            let bytes = std::fs::read(&path)?;
            hasher.update(relative.as_bytes()).update(&[0]);
            hasher.update(&(bytes.len() as u64).to_le_bytes()).update(&bytes);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use super::*;

    /// Copies every input tree of the crate at `from` into a crate directory under `to`, laid
    /// out as in the workspace (`to/goldspan-extract`, `to/goldspan-model`).
    fn copy_inputs(from: &Path, to: &Path) -> PathBuf {
        fn copy(from: &Path, to: &Path) {
            std::fs::create_dir_all(to).expect("mkdir");
            for entry in std::fs::read_dir(from).expect("read_dir").flatten() {
                let target = to.join(entry.file_name());
                if entry.file_type().expect("type").is_dir() {
                    copy(&entry.path(), &target);
                } else {
                    std::fs::copy(entry.path(), &target).expect("copy");
                }
            }
        }
        let crate_dir = to.join("goldspan-extract");
        for (_, dir) in INPUTS {
            copy(&from.join(dir), &crate_dir.join(dir));
        }
        crate_dir
    }

    #[test]
    fn the_compiled_fingerprint_is_that_of_the_sources_as_they_are() {
        // Fails when cargo did not run build.rs again after a rule or word list changed.
        let here = Path::new(env!("CARGO_MANIFEST_DIR"));
        assert_eq!(fingerprint(here).expect("fingerprint"), crate::BUILTIN_FINGERPRINT);
    }

    #[test]
    fn editing_a_rule_or_a_word_list_changes_the_fingerprint_and_nothing_else_does() {
        let tmp = tempfile::tempdir().expect("temp dir");
        let crate_dir = copy_inputs(Path::new(env!("CARGO_MANIFEST_DIR")), tmp.path());
        let before = fingerprint(&crate_dir).expect("fingerprint");
        assert_eq!(before, crate::BUILTIN_FINGERPRINT, "the copy holds every input");
        let edit = |relative: &str, append: &str| {
            let path = crate_dir.join(relative);
            let original = std::fs::read(&path).unwrap_or_default();
            let mut changed = original.clone();
            changed.extend_from_slice(append.as_bytes());
            std::fs::write(&path, &changed).expect("write");
            let after = fingerprint(&crate_dir).expect("fingerprint");
            std::fs::write(&path, &original).expect("restore");
            after
        };
        assert_ne!(edit("src/builtin/quotes.rs", "// a changed rule\n"), before);
        assert_ne!(edit("data/gazetteer/cues.txt", "whispered\n"), before);
        assert_ne!(edit("../goldspan-model/src/text.rs", "\n"), before);
        // A new file counts too (a word list added beside the others).
        std::fs::write(crate_dir.join("data/new.txt"), "x\n").expect("write");
        assert_ne!(fingerprint(&crate_dir).expect("fingerprint"), before);
        std::fs::remove_file(crate_dir.join("data/new.txt")).expect("remove");
        assert_eq!(fingerprint(&crate_dir).expect("fingerprint"), before);
        // An editor's swap file and the crate's other code are not the rules.
        std::fs::write(crate_dir.join("src/builtin/.quotes.rs.swp"), "swap").expect("write");
        std::fs::write(crate_dir.join("src/command.rs"), "// not a rule\n").expect("write");
        assert_eq!(fingerprint(&crate_dir).expect("fingerprint"), before);
        // A renamed file is another input.
        std::fs::rename(crate_dir.join("data/gazetteer/cues.txt"), crate_dir.join("data/gazetteer/cues2.txt"))
            .expect("rename");
        assert_ne!(fingerprint(&crate_dir).expect("fingerprint"), before);
    }
}
