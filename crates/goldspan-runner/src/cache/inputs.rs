//! `cache_inputs`: the environment variables and files an eval says its extractor's output
//! depends on, hashed into the cache key.
//!
//! Variables are hashed by name and value (an unset variable differs from an empty one);
//! their values are never stored. Paths are hashed as written in the eval (so a clone of the
//! repository elsewhere keeps its cache), each file by its path under the listed one and its
//! BLAKE3 content hash. Directories are walked in sorted order, without `.git`, `.hg`, `.svn`
//! and `__pycache__` (bytecode Python rewrites by itself). Only regular files are ever opened:
//! a FIFO, socket or device adds its kind, never its content (reading one could block or
//! never end), and a file is opened without blocking and checked again once open. A symbolic
//! link adds its target; a link to a file adds that file's content too, a link to a directory
//! is not followed (no cycles, nothing outside the tree unless named). A walk stops with an
//! error past [`MAX_INPUT_FILES`] files.
//!
//! Reading every file on every run would cost as much as the run for a model directory of
//! gigabytes, so each file's hash is kept in the cache's `files` table with its size,
//! modification and change times, inode and device: a file whose metadata is unchanged is not
//! read again. A file modified within [`RACY`] before it was hashed is read again next time
//! (a write in the same clock tick could leave the times unchanged).

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rusqlite::{params, Connection, OptionalExtension};

use super::{field, CacheError};

/// The most files one run's `cache_inputs` may name.
pub const MAX_INPUT_FILES: usize = 200_000;
/// Directories deeper than this are an error (a walk that deep is a mistake).
const MAX_DEPTH: usize = 64;
/// A hash is trusted by metadata only for files unmodified this long before they were hashed.
pub const RACY: Duration = Duration::from_secs(2);
/// Directory names never walked.
const SKIPPED: [&str; 4] = [".git", ".hg", ".svn", "__pycache__"];

/// What else an extractor's output depends on, as an eval names it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CacheInputs {
    /// Environment variables (names).
    pub env: Vec<String>,
    /// Files and directories, as written: relative paths are taken from `root`.
    pub paths: Vec<String>,
    /// Where relative paths are resolved from (an eval's root).
    pub root: PathBuf,
}

impl CacheInputs {
    /// Whether it names nothing.
    pub fn is_empty(&self) -> bool {
        self.env.is_empty() && self.paths.is_empty()
    }
}

/// The hash of a run's `cache_inputs`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputsHash {
    /// BLAKE3, 64 hex digits; empty when there are no inputs.
    pub hash: String,
    /// Regular files hashed.
    pub files: usize,
    /// Of those, files read (the others were known by their metadata).
    pub read: usize,
}

/// Why `cache_inputs` could not be hashed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum InputsError {
    /// A listed path does not exist.
    #[error("cache_inputs: {} does not exist (every path listed must name a file or directory)", path.display())]
    Missing {
        /// The path.
        path: PathBuf,
    },
    /// A file or directory could not be read.
    #[error("cache_inputs: cannot read {}", path.display())]
    Io {
        /// The path.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// Too many files, or directories too deep.
    #[error("cache_inputs: {} {what}; list the files and directories the extractor reads instead", path.display())]
    TooLarge {
        /// The listed path.
        path: PathBuf,
        /// What is too large.
        what: String,
    },
    /// The cache database failed.
    #[error(transparent)]
    Cache(CacheError),
}

/// Hashes `inputs`, keeping each file's hash in `conn`'s `files` table.
pub(super) fn hash(conn: &Connection, inputs: &CacheInputs) -> Result<InputsHash, InputsError> {
    hash_with(conn, inputs, &|name| std::env::var_os(name), MAX_INPUT_FILES)
}

/// [`hash`] with the environment read through `env` and at most `limit` files.
fn hash_with(
    conn: &Connection,
    inputs: &CacheInputs,
    env_var: &dyn Fn(&str) -> Option<std::ffi::OsString>,
    limit: usize,
) -> Result<InputsHash, InputsError> {
    if inputs.is_empty() {
        return Ok(InputsHash { hash: String::new(), files: 0, read: 0 });
    }
    let mut walk = Walk {
        conn,
        hasher: blake3::Hasher::new(),
        files: 0,
        read: 0,
        limit,
        listed: PathBuf::new(),
        hashed: Vec::new(),
    };
    field(&mut walk.hasher, b"cache-inputs/1");
    let mut env = inputs.env.clone();
    env.sort();
    env.dedup();
    for name in &env {
        walk.part(&["env", name]);
        match env_var(name) {
            Some(value) => {
                walk.hasher.update(&[1]);
                field(&mut walk.hasher, value.as_encoded_bytes());
            }
            None => {
                walk.hasher.update(&[0]);
            }
        }
    }
    let mut paths = inputs.paths.clone();
    paths.sort();
    paths.dedup();
    for written in &paths {
        let path = inputs.root.join(written);
        walk.listed = path.clone();
        walk.part(&["path", written]);
        let meta = match std::fs::metadata(&path) {
            Ok(meta) => meta,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(InputsError::Missing { path }),
            Err(source) => return Err(InputsError::Io { path, source }),
        };
        if meta.is_dir() {
            walk.dir(&path, "", 0)?;
        } else {
            walk.entry(&path, "", &meta)?;
        }
    }
    walk.remember();
    Ok(InputsHash { hash: walk.hasher.finalize().to_hex().to_string(), files: walk.files, read: walk.read })
}

struct Walk<'a> {
    conn: &'a Connection,
    hasher: blake3::Hasher,
    files: usize,
    read: usize,
    /// The most files allowed.
    limit: usize,
    /// The listed path being walked, for errors.
    listed: PathBuf,
    /// Files read: (absolute path, metadata, hash, when hashed in ns), kept at the end.
    hashed: Vec<(String, Stat, String, i64)>,
}

impl Walk<'_> {
    fn part(&mut self, fields: &[&str]) {
        for f in fields {
            field(&mut self.hasher, f.as_bytes());
        }
    }

    fn dir(&mut self, dir: &Path, relative: &str, depth: usize) -> Result<(), InputsError> {
        if depth > MAX_DEPTH {
            return Err(InputsError::TooLarge {
                path: self.listed.clone(),
                what: format!("has directories more than {MAX_DEPTH} deep"),
            });
        }
        let io = |source| InputsError::Io { path: dir.to_owned(), source };
        let mut entries = Vec::new();
        for entry in std::fs::read_dir(dir).map_err(io)? {
            let entry = entry.map_err(io)?;
            entries.push((entry.file_name(), entry.file_type().map_err(io)?));
        }
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        for (name, kind) in entries {
            let name_text = name.to_string_lossy();
            let child_relative = format!("{relative}{name_text}");
            let path = dir.join(&name);
            if kind.is_dir() {
                if SKIPPED.contains(&name_text.as_ref()) {
                    continue;
                }
                self.part(&["dir", &child_relative]);
                self.dir(&path, &format!("{child_relative}/"), depth + 1)?;
            } else if kind.is_symlink() {
                let target =
                    std::fs::read_link(&path).map_err(|source| InputsError::Io { path: path.clone(), source })?;
                self.part(&["link", &child_relative, &target.to_string_lossy()]);
                // A link to a file counts with the file's content; a link to a directory is not
                // followed, and a dangling link is its target alone.
                if let Ok(meta) = std::fs::metadata(&path) {
                    if meta.is_file() {
                        self.entry(&path, &child_relative, &meta)?;
                    }
                }
            } else {
                let meta = std::fs::symlink_metadata(&path)
                    .map_err(|source| InputsError::Io { path: path.clone(), source })?;
                self.entry(&path, &child_relative, &meta)?;
            }
        }
        Ok(())
    }

    /// A file that is not a directory: a regular file's content hash, or a special file's
    /// kind.
    fn entry(&mut self, path: &Path, relative: &str, meta: &std::fs::Metadata) -> Result<(), InputsError> {
        if !meta.is_file() {
            self.part(&["special", relative, special_kind(meta)]);
            return Ok(());
        }
        self.files += 1;
        if self.files > self.limit {
            return Err(InputsError::TooLarge {
                path: self.listed.clone(),
                what: format!("holds more than {} files", self.limit),
            });
        }
        let hash = self.file_hash(path, meta)?;
        match hash {
            Some(hash) => self.part(&["file", relative, &hash]),
            // It stopped being a regular file between the two looks.
            None => self.part(&["special", relative, "changed"]),
        }
        Ok(())
    }

    /// The content hash of a regular file, from the `files` table when its metadata is as it
    /// was when hashed.
    fn file_hash(&mut self, path: &Path, meta: &std::fs::Metadata) -> Result<Option<String>, InputsError> {
        let stat = Stat::of(meta);
        let key = std::path::absolute(path).unwrap_or_else(|_| path.to_owned()).to_string_lossy().into_owned();
        let known: Option<(Stat, String, i64)> = self
            .conn
            .prepare_cached(
                "SELECT size, mtime_ns, ctime_ns, inode, device, hash, hashed_ns FROM files WHERE path = ?1",
            )
            .and_then(|mut stmt| {
                stmt.query_row([&key], |r| {
                    let stat = Stat {
                        size: r.get(0)?,
                        mtime: r.get(1)?,
                        ctime: r.get(2)?,
                        inode: r.get(3)?,
                        device: r.get(4)?,
                    };
                    Ok((stat, r.get(5)?, r.get(6)?))
                })
                .optional()
            })
            // The table is a shortcut: when it cannot be read, the file is.
            .unwrap_or(None);
        if let Some((known, hash, hashed)) = known {
            if known == stat && stat.mtime.saturating_add(RACY.as_nanos() as i64) < hashed {
                return Ok(Some(hash));
            }
        }
        let Some(hash) = read_regular(path).map_err(|source| InputsError::Io { path: path.to_owned(), source })? else {
            return Ok(None);
        };
        self.read += 1;
        let hashed = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos() as i64);
        self.hashed.push((key, stat, hash.clone(), hashed));
        Ok(Some(hash))
    }

    /// Keeps the hashes of the files read, in one transaction (after the walk, so reading a
    /// large model holds no lock). A cache that cannot be written only means reading them
    /// again next time.
    fn remember(&mut self) {
        if self.hashed.is_empty() {
            return;
        }
        let _ = self.conn.unchecked_transaction().and_then(|tx| {
            {
                let mut stmt = tx.prepare_cached(
                    "INSERT OR REPLACE INTO files (path, size, mtime_ns, ctime_ns, inode, device, hash, hashed_ns)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                )?;
                for (key, stat, hash, hashed) in &self.hashed {
                    stmt.execute(params![
                        key,
                        stat.size,
                        stat.mtime,
                        stat.ctime,
                        stat.inode,
                        stat.device,
                        hash,
                        hashed
                    ])?;
                }
            }
            tx.commit()
        });
    }
}

/// What tells that a file changed without reading it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stat {
    size: i64,
    mtime: i64,
    ctime: i64,
    inode: i64,
    device: i64,
}

impl Stat {
    #[cfg(unix)]
    fn of(meta: &std::fs::Metadata) -> Stat {
        use std::os::unix::fs::MetadataExt;
        let ns = |s: i64, n: i64| s.saturating_mul(1_000_000_000).saturating_add(n);
        Stat {
            size: meta.size() as i64,
            mtime: ns(meta.mtime(), meta.mtime_nsec()),
            ctime: ns(meta.ctime(), meta.ctime_nsec()),
            inode: meta.ino() as i64,
            device: meta.dev() as i64,
        }
    }

    #[cfg(not(unix))]
    fn of(meta: &std::fs::Metadata) -> Stat {
        let ns = |t: std::io::Result<SystemTime>| {
            t.ok().and_then(|t| t.duration_since(UNIX_EPOCH).ok()).map_or(0, |d| d.as_nanos() as i64)
        };
        Stat { size: meta.len() as i64, mtime: ns(meta.modified()), ctime: ns(meta.created()), inode: 0, device: 0 }
    }
}

fn special_kind(meta: &std::fs::Metadata) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let t = meta.file_type();
        if t.is_fifo() {
            return "fifo";
        } else if t.is_socket() {
            return "socket";
        } else if t.is_block_device() {
            return "block device";
        } else if t.is_char_device() {
            return "character device";
        }
    }
    if meta.is_symlink() {
        "link"
    } else {
        "other"
    }
}

/// The BLAKE3 hash of `path` if it is a regular file once open; `None` if it is not. Opened
/// without blocking, so a file swapped for a FIFO cannot hang the run.
fn read_regular(path: &Path) -> std::io::Result<Option<String>> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(rustix::fs::OFlags::NONBLOCK.bits() as i32);
    }
    let file = options.open(path)?;
    if !file.metadata()?.is_file() {
        return Ok(None);
    }
    let mut hasher = blake3::Hasher::new();
    hasher.update_reader(file)?;
    Ok(Some(hasher.finalize().to_hex().to_string()))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::ffi::OsString;
    use std::time::{Duration, SystemTime};

    use super::*;
    use crate::cache::Store;

    /// A cache and a directory of inputs beside it.
    struct Setup {
        _tmp: tempfile::TempDir,
        store: Store,
        root: PathBuf,
    }

    fn setup() -> Setup {
        let tmp = tempfile::tempdir().expect("temp dir");
        let store = Store::open(&tmp.path().join("cache")).expect("cache");
        let root = tmp.path().join("repo");
        std::fs::create_dir_all(&root).expect("mkdir");
        Setup { _tmp: tmp, store, root }
    }

    impl Setup {
        fn write(&self, relative: &str, text: &str) {
            let path = self.root.join(relative);
            std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
            std::fs::write(path, text).expect("write");
        }

        /// Sets a file's modification time an hour back: older than the racy window.
        fn age(&self, relative: &str) {
            let file = std::fs::File::options().write(true).open(self.root.join(relative)).expect("open");
            file.set_modified(SystemTime::now() - Duration::from_secs(3600)).expect("set mtime");
        }

        fn hash_env(&self, env: &[&str], paths: &[&str], vars: &BTreeMap<&str, &str>) -> InputsHash {
            let inputs = CacheInputs {
                env: env.iter().map(|s| s.to_string()).collect(),
                paths: paths.iter().map(|s| s.to_string()).collect(),
                root: self.root.clone(),
            };
            let conn = self.store.connect(rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE).expect("connect");
            hash_with(&conn, &inputs, &|n| vars.get(n).map(OsString::from), 100).expect("hash")
        }

        fn hash(&self, paths: &[&str]) -> InputsHash {
            self.hash_env(&[], paths, &BTreeMap::new())
        }

        fn error(&self, paths: &[&str]) -> InputsError {
            let inputs = CacheInputs {
                env: vec![],
                paths: paths.iter().map(|s| s.to_string()).collect(),
                root: self.root.clone(),
            };
            let conn = self.store.connect(rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE).expect("connect");
            hash_with(&conn, &inputs, &|_| None, 3).expect_err("an error")
        }
    }

    #[test]
    fn no_inputs_hash_to_nothing() {
        let s = setup();
        assert_eq!(s.hash(&[]), InputsHash { hash: String::new(), files: 0, read: 0 });
    }

    #[test]
    fn a_listed_variable_counts_by_value_and_unset_differs_from_empty() {
        let s = setup();
        let vars = |pairs: &[(&'static str, &'static str)]| pairs.iter().copied().collect::<BTreeMap<_, _>>();
        let model_a = s.hash_env(&["MODEL"], &[], &vars(&[("MODEL", "a")])).hash;
        assert_eq!(model_a.len(), 64);
        assert_eq!(s.hash_env(&["MODEL"], &[], &vars(&[("MODEL", "a"), ("OTHER", "x")])).hash, model_a);
        let model_b = s.hash_env(&["MODEL"], &[], &vars(&[("MODEL", "b")])).hash;
        let empty = s.hash_env(&["MODEL"], &[], &vars(&[("MODEL", "")])).hash;
        let unset = s.hash_env(&["MODEL"], &[], &vars(&[])).hash;
        assert!(model_b != model_a && empty != model_a && unset != empty && unset != model_a);
        // Listing order and repeats do not matter.
        let both = vars(&[("A", "1"), ("B", "2")]);
        assert_eq!(s.hash_env(&["A", "B"], &[], &both).hash, s.hash_env(&["B", "A", "B"], &[], &both).hash);
        // The variable's value is not its name: A=B differs from B=A.
        assert_ne!(
            s.hash_env(&["A"], &[], &vars(&[("A", "B")])).hash,
            s.hash_env(&["B"], &[], &vars(&[("B", "A")])).hash
        );
    }

    #[test]
    fn a_changed_module_in_a_listed_directory_changes_the_hash() {
        let s = setup();
        s.write("lib/helpers.py", "def f(): return 1\n");
        s.write("lib/sub/more.py", "X = 1\n");
        let before = s.hash(&["lib"]);
        assert_eq!((before.files, before.read), (2, 2));
        s.write("lib/sub/more.py", "X = 2\n");
        let edited = s.hash(&["lib"]);
        assert_ne!(edited.hash, before.hash);
        s.write("lib/sub/more.py", "X = 1\n");
        assert_eq!(s.hash(&["lib"]).hash, before.hash, "the same content hashes alike");
        // A new file, a renamed one, and an empty directory each count.
        s.write("lib/new.py", "");
        assert_ne!(s.hash(&["lib"]).hash, before.hash);
        std::fs::remove_file(s.root.join("lib/new.py")).expect("remove");
        std::fs::rename(s.root.join("lib/helpers.py"), s.root.join("lib/helper.py")).expect("rename");
        assert_ne!(s.hash(&["lib"]).hash, before.hash);
        std::fs::rename(s.root.join("lib/helper.py"), s.root.join("lib/helpers.py")).expect("rename");
        std::fs::create_dir(s.root.join("lib/empty")).expect("mkdir");
        assert_ne!(s.hash(&["lib"]).hash, before.hash);
        std::fs::remove_dir(s.root.join("lib/empty")).expect("rmdir");
        assert_eq!(s.hash(&["lib"]).hash, before.hash);
        // Python's bytecode is not an input.
        s.write("lib/__pycache__/helpers.cpython-312.pyc", "bytecode");
        assert_eq!(s.hash(&["lib"]).hash, before.hash);
        // Paths count as written: the same file named another way is another input.
        assert_ne!(s.hash(&["lib/", "lib/helpers.py"]).hash, before.hash);
    }

    #[test]
    fn unchanged_files_are_known_by_their_metadata_and_not_read_again() {
        let s = setup();
        s.write("model/weights.bin", "0123456789");
        s.write("model/config.json", "{}");
        s.age("model/weights.bin");
        s.age("model/config.json");
        let first = s.hash(&["model"]);
        assert_eq!((first.files, first.read), (2, 2));
        let second = s.hash(&["model"]);
        assert_eq!((second.files, second.read, &second.hash), (2, 0, &first.hash));
        // Same size, and the modification time set back as it was: the change time and the
        // content still tell.
        let path = s.root.join("model/weights.bin");
        let mtime = std::fs::metadata(&path).and_then(|m| m.modified()).expect("mtime");
        std::fs::write(&path, "9876543210").expect("write");
        std::fs::File::options().write(true).open(&path).and_then(|f| f.set_modified(mtime)).expect("set mtime");
        let third = s.hash(&["model"]);
        assert_eq!(third.read, 1, "only the changed file is read");
        assert_ne!(third.hash, first.hash);
    }

    #[test]
    fn a_file_modified_just_before_it_was_hashed_is_read_again() {
        let s = setup();
        s.write("fresh.txt", "new");
        assert_eq!(s.hash(&["fresh.txt"]).read, 1);
        // Written moments ago: a write in the same clock tick could keep its times, so the
        // metadata is not trusted yet.
        assert_eq!(s.hash(&["fresh.txt"]).read, 1);
        s.age("fresh.txt");
        assert_eq!(s.hash(&["fresh.txt"]).read, 1, "the times changed: read once more");
        assert_eq!(s.hash(&["fresh.txt"]).read, 0);
    }

    #[cfg(unix)]
    #[test]
    fn special_files_are_never_opened_and_links_to_directories_are_not_followed() {
        let s = setup();
        s.write("tree/a.txt", "a");
        let fifo = s.root.join("tree/pipe");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status().is_ok_and(|st| st.success());
        assert!(made, "mkfifo");
        // A link back to the tree's parent: following it would never end.
        std::os::unix::fs::symlink("..", s.root.join("tree/up")).expect("symlink");
        std::os::unix::fs::symlink("a.txt", s.root.join("tree/alias")).expect("symlink");
        // Opening the FIFO for reading would block this test forever.
        let with_fifo = s.hash(&["tree"]);
        assert_eq!(with_fifo.files, 2, "a.txt, and alias as the file it points to");
        // A FIFO listed by name is not read either.
        let listed = s.hash(&["tree/pipe"]);
        assert_eq!(listed.files, 0);
        // The link's file content counts: editing a.txt changes the hash twice over.
        s.write("tree/a.txt", "b");
        assert_ne!(s.hash(&["tree"]).hash, with_fifo.hash);
        // The FIFO replaced by a regular file is another input.
        s.write("tree/a.txt", "a");
        std::fs::remove_file(&fifo).expect("remove");
        s.write("tree/pipe", "");
        assert_ne!(s.hash(&["tree"]).hash, with_fifo.hash);
        // /dev/zero listed by name: a device, never read (it would never end).
        assert_eq!(s.hash(&["/dev/zero"]).files, 0);
    }

    #[test]
    fn a_missing_path_or_too_many_files_is_an_error_naming_the_path() {
        let s = setup();
        let missing = s.error(&["models/"]);
        assert!(matches!(&missing, InputsError::Missing { path } if path.ends_with("models/")), "{missing}");
        assert!(missing.to_string().contains("does not exist"), "{missing}");
        for i in 0..4 {
            s.write(&format!("many/{i}.txt"), "x");
        }
        let many = s.error(&["many"]);
        assert!(many.to_string().contains("many holds more than 3 files"), "{many}");
    }
}
