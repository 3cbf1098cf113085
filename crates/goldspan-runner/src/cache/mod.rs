//! The extractor-output cache: one SQLite database, `DIR/cache.sqlite3`, that users can open
//! with `sqlite3` (the tables are described in docs/cache.md). Outputs are stored in a compact
//! binary form ([`value`]); `goldspan cache show` prints them as record lines.
//!
//! An output is stored under its full key and checked against it when read: the extractor's
//! fingerprint (its name, version and configuration hash — for `cmd:` programs the hello
//! declaration is folded into those —, the hash of its eval's `cache_inputs`, and the protocol
//! and cache versions), the document id and the document's content hash (id, text and
//! metadata), in that order: runs take documents in id order, so new entries land at the end
//! of the index instead of all over it. A lookup matches the whole stored key; the runner then
//! decodes the value and checks it (its document id, its offsets against the text), and a
//! value that does not decode or does not fit is a miss, counted as rejected, never an answer.
//!
//! Writing is off the extraction threads: a [`Writer`] thread takes outputs in chunks and
//! commits them in batches (at most [`BATCH`] outputs, or what is queued every
//! [`BATCH_INTERVAL`]), so a cached run costs about one insert per document, not one file and
//! one fsync. The
//! database runs in WAL mode with `synchronous = NORMAL`: a commit survives the process being
//! killed at any point (SQLite's journal makes each batch all or nothing), and several runs
//! may share one cache (readers never block, writers wait for each other up to
//! [`BUSY_TIMEOUT`]). A cache that cannot be opened or written costs only speed: the run goes
//! on, and says so once.

mod inputs;
pub mod value;

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, SyncSender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use goldspan_extract::ExtractorInfo;
use goldspan_model::Document;
use rusqlite::{params, Connection, OpenFlags, OptionalExtension, TransactionBehavior};

pub use inputs::{CacheInputs, InputsError, InputsHash, MAX_INPUT_FILES};

/// The database's file name inside the cache directory.
pub const DATABASE: &str = "cache.sqlite3";
/// The layout of the tables (`PRAGMA user_version`); part of every key. Layout 1 stored record
/// lines; 2 stores [`value`]s, in a table without rowids.
pub const SCHEMA: i64 = 2;
/// Outputs committed together.
pub const BATCH: usize = 1024;
/// The longest an output waits for its batch to be committed.
pub const BATCH_INTERVAL: Duration = Duration::from_millis(500);
/// The database's page size, in bytes (set when it is created).
pub const PAGE_SIZE: i64 = 16384;
/// How long a writer waits for another run's transaction before giving up.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// Why the cache could not be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CacheError {
    /// The cache directory could not be created.
    #[error("cannot create the cache directory {}", path.display())]
    Directory {
        /// The directory.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// SQLite failed: the file is not writable, not a database, or locked too long.
    #[error("cache database {}", path.display())]
    Database {
        /// The database file.
        path: PathBuf,
        /// Why.
        #[source]
        source: rusqlite::Error,
    },
    /// A file or directory of the cache could not be removed.
    #[error("cannot remove {}", path.display())]
    Remove {
        /// The directory.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The database was written by a goldspan with another table layout.
    #[error(
        "cache database {} has layout {found}, this goldspan uses {SCHEMA}: remove it (`goldspan cache clear`)",
        path.display()
    )]
    Schema {
        /// The database file.
        path: PathBuf,
        /// Its `user_version`.
        found: i64,
    },
}

/// Everything an extractor's outputs depend on besides the document: the part of the key
/// shared by all its entries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtractorKey {
    /// The extractor's identity.
    pub info: ExtractorInfo,
    /// The hash of its `cache_inputs` (empty when it has none).
    pub inputs: String,
    fingerprint: String,
}

impl ExtractorKey {
    /// The key of `info` with the hash of its `cache_inputs`.
    pub fn new(info: &ExtractorInfo, inputs: &str) -> ExtractorKey {
        let mut h = blake3::Hasher::new();
        for part in [
            "goldspan-cache",
            &SCHEMA.to_string(),
            &goldspan_extract::PROTOCOL.to_string(),
            &info.name,
            &info.version,
            &info.config_hash,
            inputs,
        ] {
            field(&mut h, part.as_bytes());
        }
        ExtractorKey { info: info.clone(), inputs: inputs.to_owned(), fingerprint: h.finalize().to_hex().to_string() }
    }

    /// The fingerprint: BLAKE3 of every part, 64 hex digits.
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }
}

/// The content hash of what an extractor sees of a document: its id, text and metadata.
pub fn document_hash(doc: &Document) -> blake3::Hash {
    let mut h = blake3::Hasher::new();
    field(&mut h, doc.id().as_bytes());
    field(&mut h, doc.text().as_bytes());
    for (k, v) in doc.meta() {
        field(&mut h, k.as_bytes());
        field(&mut h, v.as_bytes());
    }
    h.finalize()
}

/// Adds one length-prefixed field, so that no two sequences of fields hash alike.
pub(crate) fn field(h: &mut blake3::Hasher, bytes: &[u8]) {
    h.update(&(bytes.len() as u64).to_le_bytes());
    h.update(bytes);
}

/// Seconds since the Unix epoch (when outputs are written, extractors used).
pub fn unix_now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
}

/// An open cache: a directory holding the database.
#[derive(Debug)]
pub struct Store {
    dir: PathBuf,
    path: PathBuf,
}

impl Store {
    /// Opens the cache in `dir`, creating the directory and the database when missing.
    pub fn open(dir: &Path) -> Result<Store, CacheError> {
        std::fs::create_dir_all(dir).map_err(|source| CacheError::Directory { path: dir.to_owned(), source })?;
        let store = Store { dir: dir.to_owned(), path: dir.join(DATABASE) };
        let mut conn = store.connect(OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE)?;
        store.create_tables(&mut conn)?;
        Ok(store)
    }

    /// Opens the cache in `dir` if it has a database; `None` if it has none.
    pub fn open_existing(dir: &Path) -> Result<Option<Store>, CacheError> {
        if !dir.join(DATABASE).is_file() {
            return Ok(None);
        }
        Store::open(dir).map(Some)
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The cache directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn error(&self, source: rusqlite::Error) -> CacheError {
        CacheError::Database { path: self.path.clone(), source }
    }

    fn connect(&self, flags: OpenFlags) -> Result<Connection, CacheError> {
        let conn = Connection::open_with_flags(&self.path, flags | OpenFlags::SQLITE_OPEN_NO_MUTEX)
            .map_err(|e| self.error(e))?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(|e| self.error(e))?;
        // A setting of the connection, not of the file: without it every commit of the writer
        // waited for an fsync of the log (SQLite's default, FULL), up to 0.2 s each on the
        // cache benchmark. In WAL mode NORMAL syncs at checkpoints only; a commit still
        // survives the process being killed (it is in the operating system's hands), and a
        // power failure can lose the last commits, never the database.
        conn.pragma_update(None, "synchronous", "NORMAL").map_err(|e| self.error(e))?;
        Ok(conn)
    }

    fn create_tables(&self, conn: &mut Connection) -> Result<(), CacheError> {
        let err = |e| self.error(e);
        // A database of another layout is refused before anything below is set: turning on WAL
        // mode alone would rewrite the header of a cache this goldspan says it does not use.
        match conn.query_row("PRAGMA user_version", [], |r| r.get::<_, i64>(0)).map_err(err)? {
            0 | SCHEMA => {}
            found => return Err(CacheError::Schema { path: self.path.clone(), found }),
        }
        // These three only take effect on a new database; WAL mode is then a property of the
        // file.
        // Records run to kilobytes: 16 KiB pages hold several, and cost the writer about a
        // quarter less than SQLite's 4 KiB on the cache benchmark (BENCHMARKS.md).
        conn.pragma_update(None, "page_size", PAGE_SIZE).map_err(err)?;
        conn.pragma_update(None, "auto_vacuum", "INCREMENTAL").map_err(err)?;
        let _: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0)).map_err(err)?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(err)?;
        let version: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0)).map_err(err)?;
        match version {
            0 => {
                tx.execute_batch(TABLES).map_err(err)?;
                tx.pragma_update(None, "user_version", SCHEMA).map_err(err)?;
            }
            SCHEMA => {}
            found => return Err(CacheError::Schema { path: self.path.clone(), found }),
        }
        tx.commit().map_err(err)
    }

    /// Directories of per-document files left in the cache directory by goldspan before the
    /// database: no longer read; [`Store::clear`] removes them.
    pub fn legacy_dirs(&self) -> Vec<PathBuf> {
        legacy_dirs(&self.dir)
    }

    /// Hashes `inputs` for the key, reading only the files whose size, times or inode changed
    /// since this cache last hashed them.
    pub fn hash_inputs(&self, inputs: &CacheInputs) -> Result<InputsHash, InputsError> {
        if inputs.is_empty() {
            return Ok(InputsHash { hash: String::new(), files: 0, read: 0 });
        }
        let conn = self.connect(OpenFlags::SQLITE_OPEN_READ_WRITE).map_err(InputsError::Cache)?;
        inputs::hash(&conn, inputs)
    }

    /// The document hashes stored for `key`: a document not among them is not looked up.
    pub fn documents(&self, key: &ExtractorKey) -> Result<HashSet<blake3::Hash>, CacheError> {
        let conn = self.connect(OpenFlags::SQLITE_OPEN_READ_WRITE)?;
        let mut stmt = conn.prepare("SELECT document FROM outputs WHERE extractor = ?1").map_err(|e| self.error(e))?;
        let rows = stmt.query_map([key.fingerprint()], |r| r.get::<_, String>(0)).map_err(|e| self.error(e))?;
        let mut found = HashSet::new();
        for row in rows {
            // A malformed hash can match no document.
            if let Ok(hash) = blake3::Hash::from_hex(row.map_err(|e| self.error(e))?) {
                found.insert(hash);
            }
        }
        Ok(found)
    }

    /// A connection for looking up outputs of `key` (one per thread).
    pub fn reader(&self, key: &ExtractorKey) -> Result<Reader, CacheError> {
        let conn = self.connect(OpenFlags::SQLITE_OPEN_READ_WRITE)?;
        Ok(Reader { conn, path: self.path.clone(), fingerprint: key.fingerprint().to_owned() })
    }

    /// Starts the writer of `key`'s outputs, recording that `key` was used now.
    pub fn writer(&self, key: &ExtractorKey) -> Result<Writer, CacheError> {
        let conn = self.connect(OpenFlags::SQLITE_OPEN_READ_WRITE)?;
        let now = unix_now();
        conn.execute(
            "INSERT INTO extractors (fingerprint, name, version, config_hash, inputs, protocol, first_used, last_used)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)
             ON CONFLICT (fingerprint) DO UPDATE SET last_used = excluded.last_used",
            params![
                key.fingerprint(),
                key.info.name,
                key.info.version,
                key.info.config_hash,
                key.inputs,
                goldspan_extract::PROTOCOL as i64,
                now
            ],
        )
        .map_err(|e| self.error(e))?;
        let (sender, receiver) = mpsc::sync_channel::<Vec<Put>>(BATCH / CHUNK * 2);
        let pending = Arc::new(Pending::default());
        let (path, fingerprint, shared) = (self.path.clone(), key.fingerprint().to_owned(), pending.clone());
        let thread = std::thread::Builder::new()
            .name("goldspan-cache-writer".into())
            .spawn(move || write_loop(conn, &path, &fingerprint, &shared, &receiver))
            .map_err(|e| CacheError::Directory { path: self.dir.clone(), source: e })?;
        Ok(Writer { pending, sender: Some(sender), thread: Some(thread) })
    }

    /// What the cache holds: outputs per extractor, sizes, rejected entries.
    pub fn stats(&self) -> Result<CacheStats, CacheError> {
        let conn = self.connect(OpenFlags::SQLITE_OPEN_READ_WRITE)?;
        let err = |e| self.error(e);
        let mut stmt = conn
            .prepare(
                "SELECT e.fingerprint, e.name, e.version, e.config_hash, e.inputs, e.first_used, e.last_used,
                        e.rejected, count(o.document), coalesce(sum(length(o.value)), 0)
                 FROM extractors e LEFT JOIN outputs o ON o.extractor = e.fingerprint
                 GROUP BY e.fingerprint ORDER BY e.name, e.last_used DESC, e.fingerprint",
            )
            .map_err(err)?;
        let extractors = stmt
            .query_map([], |r| {
                Ok(ExtractorStats {
                    fingerprint: r.get(0)?,
                    name: r.get(1)?,
                    version: r.get(2)?,
                    config_hash: r.get(3)?,
                    inputs: r.get(4)?,
                    first_used: r.get(5)?,
                    last_used: r.get(6)?,
                    rejected: r.get::<_, i64>(7)?.max(0) as u64,
                    outputs: r.get::<_, i64>(8)?.max(0) as u64,
                    bytes: r.get::<_, i64>(9)?.max(0) as u64,
                })
            })
            .map_err(err)?
            .collect::<Result<Vec<_>, _>>()
            .map_err(err)?;
        let outputs: i64 = conn.query_row("SELECT count(*) FROM outputs", [], |r| r.get(0)).map_err(err)?;
        let orphans: i64 = conn
            .query_row(
                "SELECT count(*) FROM outputs WHERE extractor NOT IN (SELECT fingerprint FROM extractors)",
                [],
                |r| r.get(0),
            )
            .map_err(err)?;
        let files: i64 = conn.query_row("SELECT count(*) FROM files", [], |r| r.get(0)).map_err(err)?;
        let size = |suffix: &str| {
            let mut name = self.path.clone().into_os_string();
            name.push(suffix);
            std::fs::metadata(name).map_or(0, |m| m.len())
        };
        Ok(CacheStats {
            path: self.path.clone(),
            database_bytes: size(""),
            wal_bytes: size("-wal"),
            outputs: outputs.max(0) as u64,
            orphans: orphans.max(0) as u64,
            files: files.max(0) as u64,
            extractors,
            legacy: self.legacy_dirs(),
        })
    }

    /// Hands `each` the stored outputs of extractors named `extractor` (a name, or the start of
    /// a fingerprint; every extractor when `None`) for documents `ids` (every document when
    /// empty; in the order given, each by extractor name, fingerprint and document id), one at
    /// a time as SQLite reads them, so that a cache of millions is never held. The outer error
    /// is the cache's; the inner, `each`'s, which stops the reading.
    pub fn each_output<E>(
        &self,
        extractor: Option<&str>,
        ids: &[String],
        mut each: impl FnMut(StoredOutput) -> Result<(), E>,
    ) -> Result<Result<(), E>, CacheError> {
        let conn = self.connect(OpenFlags::SQLITE_OPEN_READ_WRITE)?;
        let err = |e| self.error(e);
        let mut stmt = conn
            .prepare(
                "SELECT coalesce(e.name, ''), o.extractor, o.id, o.value
                 FROM outputs o LEFT JOIN extractors e ON e.fingerprint = o.extractor
                 WHERE (?1 IS NULL OR e.name = ?1 OR substr(o.extractor, 1, length(?1)) = ?1)
                   AND (?2 IS NULL OR o.id = ?2)
                 ORDER BY 1, o.extractor, o.id, o.document",
            )
            .map_err(err)?;
        let every = [None];
        let ids: Vec<Option<&str>> =
            if ids.is_empty() { every.to_vec() } else { ids.iter().map(|id| Some(id.as_str())).collect() };
        for id in ids {
            let rows = stmt
                .query_map(params![extractor, id], |r| {
                    Ok(StoredOutput { name: r.get(0)?, fingerprint: r.get(1)?, id: r.get(2)?, value: r.get(3)? })
                })
                .map_err(err)?;
            for row in rows {
                if let Err(stopped) = each(row.map_err(err)?) {
                    return Ok(Err(stopped));
                }
            }
        }
        Ok(Ok(()))
    }

    /// Removes the outputs of extractors `rule` selects (`now` in Unix seconds), and any
    /// output whose extractor is unknown.
    pub fn prune(&self, rule: &Prune, now: i64) -> Result<Pruned, CacheError> {
        let stats = self.stats()?;
        let mut doomed: Vec<&ExtractorStats> = Vec::new();
        let mut newest_seen: HashSet<&str> = HashSet::new();
        // Sorted by name, then most recently used first: the first of each name is the newest.
        for e in &stats.extractors {
            let newest = newest_seen.insert(e.name.as_str());
            let old = rule.unused_days.is_some_and(|days| now - e.last_used > days as i64 * 86_400);
            if old || (rule.superseded && !newest) {
                doomed.push(e);
            }
        }
        let mut conn = self.connect(OpenFlags::SQLITE_OPEN_READ_WRITE)?;
        let err = |e| self.error(e);
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(err)?;
        let mut outputs = 0;
        for e in &doomed {
            outputs += tx.execute("DELETE FROM outputs WHERE extractor = ?1", [&e.fingerprint]).map_err(err)?;
            tx.execute("DELETE FROM extractors WHERE fingerprint = ?1", [&e.fingerprint]).map_err(err)?;
        }
        outputs += tx
            .execute("DELETE FROM outputs WHERE extractor NOT IN (SELECT fingerprint FROM extractors)", [])
            .map_err(err)?;
        tx.commit().map_err(err)?;
        self.shrink(&conn)?;
        Ok(Pruned { extractors: doomed.len(), outputs: outputs as u64, legacy: 0 })
    }

    /// Removes every output, every file hash, and the per-document directories of older
    /// goldspans.
    pub fn clear(&self) -> Result<Pruned, CacheError> {
        let mut conn = self.connect(OpenFlags::SQLITE_OPEN_READ_WRITE)?;
        let err = |e| self.error(e);
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(err)?;
        let extractors = tx.execute("DELETE FROM extractors", []).map_err(err)?;
        let outputs = tx.execute("DELETE FROM outputs", []).map_err(err)?;
        tx.execute("DELETE FROM files", []).map_err(err)?;
        tx.commit().map_err(err)?;
        self.shrink(&conn)?;
        let legacy = remove_legacy_dirs(&self.dir)?;
        Ok(Pruned { extractors, outputs: outputs as u64, legacy })
    }

    /// Gives freed pages back to the file system and empties the write-ahead log.
    fn shrink(&self, conn: &Connection) -> Result<(), CacheError> {
        conn.execute_batch("PRAGMA incremental_vacuum;").map_err(|e| self.error(e))?;
        // Another run reading the cache keeps the log from being truncated; that is fine.
        let _ = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()));
        Ok(())
    }
}

/// Removes the database of the cache in `dir` (with its log and shared-memory files), whatever
/// its layout: how `goldspan cache clear` empties a cache of another layout, which
/// [`Store::open`] refuses. Returns whether there was one.
pub fn remove_database(dir: &Path) -> Result<bool, CacheError> {
    let path = dir.join(DATABASE);
    let existed = path.is_file();
    for suffix in ["", "-wal", "-shm"] {
        let mut name = path.clone().into_os_string();
        name.push(suffix);
        match std::fs::remove_file(&name) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(source) => return Err(CacheError::Remove { path: name.into(), source }),
        }
    }
    Ok(existed)
}

/// The tables (docs/cache.md describes them).
const TABLES: &str = "
CREATE TABLE extractors (
    fingerprint TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    version TEXT NOT NULL,
    config_hash TEXT NOT NULL,
    inputs TEXT NOT NULL,
    protocol INTEGER NOT NULL,
    first_used INTEGER NOT NULL,
    last_used INTEGER NOT NULL,
    rejected INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE outputs (
    extractor TEXT NOT NULL,
    id TEXT NOT NULL,
    document TEXT NOT NULL,
    value BLOB NOT NULL,
    written INTEGER NOT NULL,
    PRIMARY KEY (extractor, id, document)
) WITHOUT ROWID;
CREATE TABLE files (
    path TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    ctime_ns INTEGER NOT NULL,
    inode INTEGER NOT NULL,
    device INTEGER NOT NULL,
    hash TEXT NOT NULL,
    hashed_ns INTEGER NOT NULL
);
";

/// Directories of per-document files that goldspan wrote into the cache directory `dir`
/// before the database (`NAME-KEY/`, one JSON file per document), sorted.
pub fn legacy_dirs(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut dirs: Vec<PathBuf> = entries
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .filter(|e| is_legacy_name(&e.file_name().to_string_lossy()))
        .map(|e| e.path())
        .collect();
    dirs.sort();
    dirs
}

/// Removes the [`legacy_dirs`] of `dir`; returns how many.
pub fn remove_legacy_dirs(dir: &Path) -> Result<usize, CacheError> {
    let dirs = legacy_dirs(dir);
    for dir in &dirs {
        std::fs::remove_dir_all(dir).map_err(|source| CacheError::Remove { path: dir.clone(), source })?;
    }
    Ok(dirs.len())
}

/// `NAME-KEY` as the per-document cache named its directories: a name of letters, digits,
/// `-` and `_`, a dash and 16 hex digits.
fn is_legacy_name(name: &str) -> bool {
    let Some((head, key)) = name.rsplit_once('-') else { return false };
    !head.is_empty()
        && key.len() == 16
        && key.bytes().all(|b| b.is_ascii_hexdigit())
        && head.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Looks up outputs of one extractor; one per thread.
#[derive(Debug)]
pub struct Reader {
    conn: Connection,
    path: PathBuf,
    fingerprint: String,
}

impl Reader {
    /// The value stored under exactly this key: this reader's extractor, the document `id`
    /// and its content hash `document`. The caller decodes it ([`value::decode`]) and checks
    /// it (its document id, its offsets against the text).
    pub fn get(&self, document: &blake3::Hash, id: &str) -> Result<Option<Vec<u8>>, CacheError> {
        self.conn
            .prepare_cached("SELECT value FROM outputs WHERE extractor = ?1 AND id = ?2 AND document = ?3")
            .and_then(|mut stmt| {
                stmt.query_row(params![self.fingerprint, id, document.to_hex().as_str()], |r| r.get(0)).optional()
            })
            .map_err(|source| CacheError::Database { path: self.path.clone(), source })
    }
}

/// One output waiting to be written.
struct Put {
    document: blake3::Hash,
    id: String,
    value: Vec<u8>,
}

/// Outputs the extraction threads queued and the writer has not taken yet. Threads hand
/// outputs over in chunks of [`CHUNK`], so the writer thread is woken once a chunk, not once
/// a document (a wake-up per document cost more than the writing).
#[derive(Default)]
struct Pending {
    outputs: Mutex<Vec<Put>>,
    rejected: AtomicUsize,
}

/// Outputs handed to the writer thread at once.
const CHUNK: usize = 256;

/// Writes one extractor's outputs from a thread of its own, in batches.
pub struct Writer {
    pending: Arc<Pending>,
    sender: Option<SyncSender<Vec<Put>>>,
    thread: Option<JoinHandle<WriterReport>>,
}

impl std::fmt::Debug for Writer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Writer").field("running", &self.thread.is_some()).finish()
    }
}

/// What a [`Writer`] did.
#[derive(Debug, Default)]
pub struct WriterReport {
    /// Outputs committed.
    pub written: usize,
    /// The first error, after which nothing more was written.
    pub error: Option<CacheError>,
}

impl Writer {
    /// Queues the output `value` ([`value::encode`]) of document `id` with content hash
    /// `document`. Blocks only while the writer is several chunks behind.
    pub fn put(&self, document: blake3::Hash, id: &str, value: Vec<u8>) {
        let chunk = {
            let mut outputs = self.pending.outputs.lock().unwrap_or_else(|e| e.into_inner());
            outputs.push(Put { document, id: id.to_owned(), value });
            (outputs.len() >= CHUNK).then(|| std::mem::take(&mut *outputs))
        };
        if let (Some(chunk), Some(sender)) = (chunk, &self.sender) {
            // The thread only stops when the sender is dropped.
            let _ = sender.send(chunk);
        }
    }

    /// Commits what is queued, adds `rejected` to the extractor's count of rejected entries,
    /// and says how it went.
    pub fn finish(mut self, rejected: usize) -> WriterReport {
        self.pending.rejected.fetch_add(rejected, Ordering::Relaxed);
        self.join()
    }

    fn join(&mut self) -> WriterReport {
        // Dropping the sender tells the thread to take what is pending and stop.
        self.sender = None;
        match self.thread.take().map(JoinHandle::join) {
            Some(Ok(report)) => report,
            Some(Err(_)) | None => WriterReport::default(),
        }
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        self.join();
    }
}

fn write_loop(
    mut conn: Connection,
    path: &Path,
    fingerprint: &str,
    pending: &Pending,
    chunks: &Receiver<Vec<Put>>,
) -> WriterReport {
    let mut report = WriterReport::default();
    let mut batch: Vec<Put> = Vec::with_capacity(BATCH + CHUNK);
    // When the oldest output of the batch must be committed.
    let mut due: Option<Instant> = None;
    loop {
        let wait = due.map_or(BATCH_INTERVAL, |d| d.saturating_duration_since(Instant::now()));
        let (last, commit) = match chunks.recv_timeout(wait) {
            Ok(chunk) => {
                batch.extend(chunk);
                (false, batch.len() >= BATCH)
            }
            // Outputs still with the threads are due too.
            Err(RecvTimeoutError::Timeout) => {
                batch.append(&mut pending.outputs.lock().unwrap_or_else(|e| e.into_inner()));
                (false, true)
            }
            Err(RecvTimeoutError::Disconnected) => {
                batch.append(&mut pending.outputs.lock().unwrap_or_else(|e| e.into_inner()));
                (true, true)
            }
        };
        if !batch.is_empty() && due.is_none() {
            due = Some(Instant::now() + BATCH_INTERVAL);
        }
        let rejected = if last { pending.rejected.swap(0, Ordering::Relaxed) } else { 0 };
        if commit && report.error.is_none() && (!batch.is_empty() || rejected > 0) {
            match commit_batch(&mut conn, fingerprint, &batch, rejected) {
                Ok(()) => report.written += batch.len(),
                Err(source) => report.error = Some(CacheError::Database { path: path.to_owned(), source }),
            }
        }
        if commit {
            batch.clear();
            due = None;
        }
        if last {
            return report;
        }
    }
}

fn commit_batch(conn: &mut Connection, fingerprint: &str, batch: &[Put], rejected: usize) -> rusqlite::Result<()> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    {
        let now = unix_now();
        let mut insert = tx.prepare_cached(
            "INSERT OR REPLACE INTO outputs (extractor, id, document, value, written) VALUES (?1, ?2, ?3, ?4, ?5)",
        )?;
        for put in batch {
            insert.execute(params![fingerprint, put.id, put.document.to_hex().as_str(), put.value, now])?;
        }
        if rejected > 0 {
            tx.execute(
                "UPDATE extractors SET rejected = rejected + ?1 WHERE fingerprint = ?2",
                params![rejected as i64, fingerprint],
            )?;
        }
    }
    tx.commit()
}

/// What the cache holds.
#[derive(Debug, Clone, PartialEq)]
pub struct CacheStats {
    /// The database file.
    pub path: PathBuf,
    /// Its size in bytes.
    pub database_bytes: u64,
    /// The size of its write-ahead log.
    pub wal_bytes: u64,
    /// Outputs stored.
    pub outputs: u64,
    /// Outputs of no known extractor (`prune` removes them).
    pub orphans: u64,
    /// Files whose hash is kept for `cache_inputs`.
    pub files: u64,
    /// Every extractor fingerprint, by name, most recently used first.
    pub extractors: Vec<ExtractorStats>,
    /// Per-document directories of older goldspans, no longer read.
    pub legacy: Vec<PathBuf>,
}

/// One extractor fingerprint in the cache.
#[derive(Debug, Clone, PartialEq)]
pub struct ExtractorStats {
    /// The fingerprint.
    pub fingerprint: String,
    /// The extractor's name (its spec).
    pub name: String,
    /// Its version.
    pub version: String,
    /// Its configuration hash.
    pub config_hash: String,
    /// The hash of its `cache_inputs` (empty for none).
    pub inputs: String,
    /// When a run first used it (Unix seconds).
    pub first_used: i64,
    /// When a run last used it.
    pub last_used: i64,
    /// Entries found not to match their key (each then extracted again).
    pub rejected: u64,
    /// Outputs stored.
    pub outputs: u64,
    /// Bytes of their stored values.
    pub bytes: u64,
}

/// One stored output, as [`Store::outputs`] finds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredOutput {
    /// The extractor's name (empty for an output of no known extractor).
    pub name: String,
    /// Its fingerprint.
    pub fingerprint: String,
    /// The document id.
    pub id: String,
    /// The stored value ([`value::decode`] reads it).
    pub value: Vec<u8>,
}

/// Which extractors' outputs `prune` removes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Prune {
    /// Those no run used for more than this many days.
    pub unused_days: Option<u64>,
    /// Every fingerprint of a name but the most recently used one (outputs of an older
    /// version, configuration or script).
    pub superseded: bool,
}

/// What `prune` or `clear` removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pruned {
    /// Extractor fingerprints.
    pub extractors: usize,
    /// Outputs.
    pub outputs: u64,
    /// Per-document directories of older goldspans.
    pub legacy: usize,
}

#[cfg(test)]
mod tests {
    use goldspan_model::Meta;

    use super::*;

    /// Every stored output `each_output` hands out, collected.
    fn all_outputs(store: &Store, extractor: Option<&str>, ids: &[String]) -> Vec<StoredOutput> {
        let mut found = Vec::new();
        let read = store.each_output(extractor, ids, |stored| -> Result<(), ()> {
            found.push(stored);
            Ok(())
        });
        assert!(matches!(read, Ok(Ok(()))), "reads");
        found
    }

    fn info(name: &str, version: &str, config: &str) -> ExtractorInfo {
        ExtractorInfo { name: name.into(), version: version.into(), config_hash: config.into() }
    }

    fn doc(id: &str, text: &str, meta: &[(&str, &str)]) -> Document {
        Document::new(id, text, meta.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect::<Meta>())
    }

    fn count(store: &Store, sql: &str) -> i64 {
        let conn = store.connect(OpenFlags::SQLITE_OPEN_READ_WRITE).expect("connect");
        conn.query_row(sql, [], |r| r.get(0)).expect("query")
    }

    #[test]
    fn every_part_of_the_key_changes_the_fingerprint() {
        let base = ExtractorKey::new(&info("cmd:python ner.py", "ner 1", "aa"), "");
        assert_eq!(base.fingerprint().len(), 64);
        assert_eq!(base, ExtractorKey::new(&info("cmd:python ner.py", "ner 1", "aa"), ""));
        for other in [
            ExtractorKey::new(&info("cmd:python ner2.py", "ner 1", "aa"), ""),
            ExtractorKey::new(&info("cmd:python ner.py", "ner 2", "aa"), ""),
            ExtractorKey::new(&info("cmd:python ner.py", "ner 1", "ab"), ""),
            ExtractorKey::new(&info("cmd:python ner.py", "ner 1", "aa"), "0f"),
            // Parts are length-prefixed: moving a character from one to the next is another key.
            ExtractorKey::new(&info("cmd:python ner.py", "ner 1a", "a"), ""),
        ] {
            assert_ne!(other.fingerprint(), base.fingerprint(), "{other:?}");
        }
    }

    #[test]
    fn the_document_hash_covers_id_text_and_metadata() {
        let base = document_hash(&doc("a", "Text.", &[("section", "news")]));
        assert_eq!(base, document_hash(&doc("a", "Text.", &[("section", "news")])));
        assert_ne!(base, document_hash(&doc("b", "Text.", &[("section", "news")])));
        assert_ne!(base, document_hash(&doc("a", "Text!", &[("section", "news")])));
        assert_ne!(base, document_hash(&doc("a", "Text.", &[("section", "sport")])));
        assert_ne!(base, document_hash(&doc("a", "Text.", &[])));
        assert_ne!(document_hash(&doc("ab", "c", &[])), document_hash(&doc("a", "bc", &[])));
    }

    #[test]
    fn an_entry_is_a_hit_only_under_its_full_key() {
        let tmp = tempfile::tempdir().expect("temp dir");
        let store = Store::open(tmp.path()).expect("open");
        let key = ExtractorKey::new(&info("x", "1", ""), "");
        let (a, b) = (doc("a", "Alpha.", &[]), doc("b", "Beta.", &[]));
        let writer = store.writer(&key).expect("writer");
        writer.put(document_hash(&a), "a", b"{\"id\": \"a\", \"spans\": []}".to_vec());
        writer.put(document_hash(&b), "b", b"{\"id\": \"b\", \"spans\": []}".to_vec());
        let report = writer.finish(0);
        assert!(report.error.is_none(), "{:?}", report.error);
        assert_eq!(report.written, 2);
        let stored = store.documents(&key).expect("documents");
        assert_eq!(stored, [document_hash(&a), document_hash(&b)].into_iter().collect());
        let reader = store.reader(&key).expect("reader");
        assert_eq!(reader.get(&document_hash(&a), "a").expect("get"), Some(b"{\"id\": \"a\", \"spans\": []}".to_vec()));
        // Another extractor, the same document changed, or its content hash under another id
        // finds nothing.
        let other = store.reader(&ExtractorKey::new(&info("x", "2", ""), "")).expect("reader");
        assert_eq!(other.get(&document_hash(&a), "a").expect("get"), None);
        assert_eq!(reader.get(&document_hash(&doc("a", "Alpha!", &[])), "a").expect("get"), None);
        assert_eq!(reader.get(&document_hash(&a), "b").expect("get"), None);
        // An entry whose stored id was changed is no longer a's.
        let conn = store.connect(OpenFlags::SQLITE_OPEN_READ_WRITE).expect("connect");
        conn.execute("UPDATE outputs SET id = 'b' WHERE id = 'a'", []).expect("tamper");
        assert_eq!(reader.get(&document_hash(&a), "a").expect("get"), None);
    }

    #[test]
    fn outputs_are_committed_in_batches_and_rejections_counted() {
        let tmp = tempfile::tempdir().expect("temp dir");
        let store = Store::open(tmp.path()).expect("open");
        let key = ExtractorKey::new(&info("x", "1", ""), "");
        let writer = store.writer(&key).expect("writer");
        let n = BATCH * 2 + 7;
        for i in 0..n {
            let d = doc(&format!("d{i}"), "Text.", &[]);
            writer.put(document_hash(&d), d.id(), format!("{{\"id\": \"d{i}\"}}").into_bytes());
        }
        let report = writer.finish(3);
        assert_eq!((report.written, report.error.is_none()), (n, true));
        assert_eq!(count(&store, "SELECT count(*) FROM outputs"), n as i64);
        let stats = store.stats().expect("stats");
        assert_eq!((stats.outputs, stats.extractors.len()), (n as u64, 1));
        assert_eq!((stats.extractors[0].outputs, stats.extractors[0].rejected), (n as u64, 3));
        assert_eq!(stats.extractors[0].name, "x");
    }

    #[test]
    fn every_connection_syncs_at_checkpoints_only() {
        let tmp = tempfile::tempdir().expect("temp dir");
        let store = Store::open(tmp.path()).expect("open");
        // 1 is NORMAL (2, FULL, is SQLite's default for a new connection: an fsync a commit).
        assert_eq!(count(&store, "PRAGMA synchronous"), 1);
        let reader = store.reader(&ExtractorKey::new(&info("x", "1", ""), "")).expect("reader");
        let synchronous: i64 = reader.conn.query_row("PRAGMA synchronous", [], |r| r.get(0)).expect("pragma");
        assert_eq!(synchronous, 1);
    }

    #[test]
    fn two_runs_writing_one_cache_at_once_lose_nothing() {
        let tmp = tempfile::tempdir().expect("temp dir");
        let n = 3 * BATCH;
        std::thread::scope(|scope| {
            for run in 0..2 {
                let dir = tmp.path();
                scope.spawn(move || {
                    // Each run opens the cache itself, as two processes would.
                    let store = Store::open(dir).expect("open");
                    let key = ExtractorKey::new(&info(&format!("run{run}"), "1", ""), "");
                    let writer = store.writer(&key).expect("writer");
                    for i in 0..n {
                        let d = doc(&format!("d{i}"), "Text.", &[]);
                        writer.put(document_hash(&d), d.id(), vec![b'x'; 100]);
                    }
                    let report = writer.finish(0);
                    assert!(report.error.is_none(), "{:?}", report.error);
                    assert_eq!(report.written, n);
                });
            }
        });
        let store = Store::open(tmp.path()).expect("open");
        assert_eq!(count(&store, "SELECT count(*) FROM outputs"), 2 * n as i64);
        let conn = store.connect(OpenFlags::SQLITE_OPEN_READ_WRITE).expect("connect");
        let check: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).expect("check");
        assert_eq!(check, "ok");
    }

    #[test]
    fn prune_removes_unused_and_superseded_fingerprints_and_clear_everything() {
        let tmp = tempfile::tempdir().expect("temp dir");
        let store = Store::open(tmp.path()).expect("open");
        let write = |key: &ExtractorKey, docs: usize| {
            let writer = store.writer(key).expect("writer");
            for i in 0..docs {
                let d = doc(&format!("d{i}"), "Text.", &[]);
                writer.put(document_hash(&d), d.id(), b"{}".to_vec());
            }
            assert!(writer.finish(0).error.is_none());
        };
        let (old, new, other) = (
            ExtractorKey::new(&info("ner", "1", ""), ""),
            ExtractorKey::new(&info("ner", "2", ""), ""),
            ExtractorKey::new(&info("quotes", "1", ""), ""),
        );
        write(&old, 2);
        write(&new, 3);
        write(&other, 4);
        let conn = store.connect(OpenFlags::SQLITE_OPEN_READ_WRITE).expect("connect");
        let set_used = |key: &ExtractorKey, when: i64| {
            conn.execute(
                "UPDATE extractors SET last_used = ?1 WHERE fingerprint = ?2",
                params![when, key.fingerprint()],
            )
            .expect("update")
        };
        let now = 100 * 86_400;
        set_used(&old, now - 10 * 86_400);
        set_used(&new, now - 86_400);
        set_used(&other, now - 40 * 86_400);
        // An output of no extractor goes with any prune.
        conn.execute("INSERT INTO outputs VALUES ('f', 'd', 'h', x'00', 0)", []).expect("orphan");
        assert_eq!(store.stats().expect("stats").orphans, 1);
        let pruned = store.prune(&Prune { unused_days: Some(30), superseded: false }, now).expect("prune");
        assert_eq!(pruned, Pruned { extractors: 1, outputs: 4 + 1, legacy: 0 });
        let pruned = store.prune(&Prune { unused_days: Some(30), superseded: true }, now).expect("prune");
        assert_eq!(pruned, Pruned { extractors: 1, outputs: 2, legacy: 0 });
        let left = store.stats().expect("stats");
        let names: Vec<(&str, &str, u64)> =
            left.extractors.iter().map(|e| (e.name.as_str(), e.version.as_str(), e.outputs)).collect();
        assert_eq!(names, [("ner", "2", 3)]);
        // A directory of the per-document cache of older goldspans, and clear.
        let legacy = tmp.path().join("cmd_python_ner_py-0123456789abcdef");
        std::fs::create_dir_all(&legacy).expect("mkdir");
        std::fs::write(legacy.join("0011223344556677.json"), "{}").expect("write");
        std::fs::create_dir_all(tmp.path().join("notes")).expect("a directory of the user's");
        assert_eq!(store.legacy_dirs(), vec![legacy.clone()]);
        assert_eq!(store.clear().expect("clear"), Pruned { extractors: 1, outputs: 3, legacy: 1 });
        assert!(!legacy.exists() && tmp.path().join("notes").exists());
        assert_eq!(store.stats().expect("stats").outputs, 0);
    }

    #[test]
    fn a_database_of_another_layout_is_refused_by_name() {
        let tmp = tempfile::tempdir().expect("temp dir");
        let conn = Connection::open(tmp.path().join(DATABASE)).expect("create");
        conn.pragma_update(None, "user_version", 7).expect("version");
        drop(conn);
        let err = Store::open(tmp.path()).expect_err("refused");
        assert!(err.to_string().contains("has layout 7, this goldspan uses 2"), "{err}");
        // Not a database at all.
        std::fs::write(tmp.path().join(DATABASE), "not sqlite, but long enough to have a header of its own")
            .expect("write");
        let err = Store::open(tmp.path()).expect_err("refused");
        assert!(matches!(err, CacheError::Database { .. }), "{err}");
    }

    #[test]
    fn a_cache_of_layout_1_is_refused_with_the_way_out_and_removed_by_remove_database() {
        let tmp = tempfile::tempdir().expect("temp dir");
        // The tables as goldspan wrote them before values were encoded: record lines.
        let conn = Connection::open(tmp.path().join(DATABASE)).expect("create");
        conn.execute_batch(
            "PRAGMA journal_mode = WAL;
             CREATE TABLE outputs (extractor TEXT NOT NULL, id TEXT NOT NULL, document TEXT NOT NULL,
                                   record BLOB NOT NULL, written INTEGER NOT NULL,
                                   PRIMARY KEY (extractor, id, document));
             INSERT INTO outputs VALUES ('f', 'a', 'h', '{\"goldspan\":1,\"id\":\"a\",\"spans\":[]}', 0);
             PRAGMA user_version = 1;",
        )
        .expect("layout 1");
        let err = Store::open(tmp.path()).expect_err("refused");
        assert!(matches!(err, CacheError::Schema { found: 1, .. }), "{err:?}");
        let message = err.to_string();
        assert!(
            message.contains("has layout 1, this goldspan uses 2: remove it (`goldspan cache clear`)"),
            "{message}"
        );
        drop(conn);
        assert!(remove_database(tmp.path()).expect("remove"));
        assert!(!tmp.path().join(DATABASE).exists());
        assert!(!remove_database(tmp.path()).expect("nothing left to remove"));
        // A new database of this layout takes its place.
        let store = Store::open(tmp.path()).expect("open");
        assert_eq!(store.stats().expect("stats").outputs, 0);
    }

    #[test]
    fn outputs_are_listed_by_extractor_name_or_fingerprint_and_id() {
        let tmp = tempfile::tempdir().expect("temp dir");
        let store = Store::open(tmp.path()).expect("open");
        let (ner, quotes) =
            (ExtractorKey::new(&info("ner", "1", ""), ""), ExtractorKey::new(&info("quotes", "1", ""), ""));
        for (key, ids) in [(&quotes, ["b", "a"]), (&ner, ["b", "c"])] {
            let writer = store.writer(key).expect("writer");
            for id in ids {
                let d = doc(id, "Text.", &[]);
                writer.put(document_hash(&d), id, format!("{}:{id}", key.info.name).into_bytes());
            }
            assert!(writer.finish(0).error.is_none());
        }
        let listed = |extractor: Option<&str>, ids: &[&str]| {
            let ids: Vec<String> = ids.iter().map(|s| s.to_string()).collect();
            let found = all_outputs(&store, extractor, &ids);
            found.into_iter().map(|o| String::from_utf8(o.value).expect("utf-8")).collect::<Vec<_>>()
        };
        assert_eq!(listed(None, &[]), ["ner:b", "ner:c", "quotes:a", "quotes:b"]);
        assert_eq!(listed(Some("quotes"), &[]), ["quotes:a", "quotes:b"]);
        assert_eq!(listed(Some(&ner.fingerprint()[..6]), &[]), ["ner:b", "ner:c"]);
        assert_eq!(listed(None, &["b"]), ["ner:b", "quotes:b"]);
        assert_eq!(listed(Some("ner"), &["c", "a"]), ["ner:c"]);
        assert!(listed(Some("nobody"), &[]).is_empty());
        let first = &all_outputs(&store, Some("ner"), &["b".to_owned()])[0];
        assert_eq!(
            (first.name.as_str(), first.fingerprint.as_str(), first.id.as_str()),
            ("ner", ner.fingerprint(), "b")
        );
    }

    #[test]
    fn legacy_directory_names_are_recognised_exactly() {
        assert!(is_legacy_name("quotes-rules-0123456789abcdef"));
        assert!(is_legacy_name("cmd_python_my_ner_py-fedcba9876543210"));
        assert!(!is_legacy_name("quotes-rules-0123456789abcde"));
        assert!(!is_legacy_name("-0123456789abcdef"));
        assert!(!is_legacy_name("models"));
        assert!(!is_legacy_name("a.b-0123456789abcdef"));
    }
}
