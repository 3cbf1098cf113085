//! `cmd:<program and arguments>`: an extractor in any language, behind the JSON Lines
//! protocol of docs/protocol.md.
//!
//! goldspan starts up to `jobs` worker processes (see `worker`) and keeps each alive across
//! documents. Every worker first gets a hello request: a program that speaks protocol 2
//! answers with its name, version and configuration (folded into the extractor's identity),
//! a version 1 program answers it as the empty document it looks like. Then each request is
//! one line `{"goldspan":1,"id","text","meta"}` on stdin, and its answer is the next line on
//! stdout.
//!
//! The rule that keeps results independent of timing: **the line read when an answer is due
//! is that answer**. Nothing is skipped or drained, so a banner, a log line or a second answer
//! is always read where the next answer was due, fails that document (quoted), and the worker
//! is replaced. Which documents a worker sees is fixed too: each calling thread keeps its own
//! worker, and the runner hands each thread a fixed stripe of the documents, in order.

use std::path::{Path, PathBuf};
use std::sync::{Condvar, Mutex};
use std::thread::ThreadId;
use std::time::Instant;

use goldspan_formats::jsonl;
use goldspan_model::{Annotations, Document, Location};
use serde::Deserialize;
use serde_json::Value;

use crate::file::malformed;
use crate::registry::Settings;
use crate::supervise;
use crate::worker::{Ended, Line, TimedOut, Worker};
use crate::{stable_hash, ExtractError, Extractor, ExtractorInfo};

/// The id of the hello request. Never a document id: those cannot contain `:`.
pub const HELLO_ID: &str = "goldspan:hello";

/// The protocol version goldspan speaks; the hello request names it.
pub const PROTOCOL: u64 = 2;

/// Characters of a stray line quoted in a failure.
const QUOTED_CHARS: usize = 200;

/// What a protocol 2 program declares about itself in its hello answer.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Hello {
    /// The program's name, e.g. `my-ner`.
    pub name: String,
    /// Its version, e.g. `1.2.0`.
    pub version: String,
    /// Anything else its output depends on (model, thresholds, word lists), as JSON.
    #[serde(default)]
    pub config: Option<Value>,
}

/// A protocol 2 hello answer: `{"goldspan": 2, "id": "goldspan:hello", "hello": {...}}`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HelloAnswer {
    #[serde(default)]
    goldspan: Option<u64>,
    id: String,
    hello: Hello,
}

/// How an exchange with a worker went wrong.
enum Broken {
    /// Its stdout closed: it exited (or is about to).
    Closed(Ended),
    /// Anything else; the worker has been killed.
    Other(ExtractError),
}

/// Workers not in use, and how many exist.
struct Pool {
    idle: Vec<Worker>,
    alive: usize,
}

/// An external extractor: a pool of worker processes speaking the `cmd:` protocol.
pub struct CommandExtractor {
    argv: Vec<String>,
    settings: Settings,
    pool: Mutex<Pool>,
    freed: Condvar,
    hello: Option<Hello>,
    info: ExtractorInfo,
}

impl std::fmt::Debug for CommandExtractor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CommandExtractor").field("argv", &self.argv).field("hello", &self.hello).finish()
    }
}

impl CommandExtractor {
    /// Starts `argv` (non-empty) with these settings: one worker now, through the hello
    /// exchange, so a program that cannot start, dies at start-up, writes a banner or never
    /// flushes is an error before any document, and the identity it declares is known.
    pub fn start(argv: Vec<String>, settings: Settings) -> Result<CommandExtractor, ExtractError> {
        let mut extractor = CommandExtractor {
            argv,
            settings,
            pool: Mutex::new(Pool { idle: Vec::new(), alive: 0 }),
            freed: Condvar::new(),
            hello: None,
            info: ExtractorInfo { name: String::new(), version: String::new(), config_hash: String::new() },
        };
        let (worker, hello) = extractor.spawn_worker()?;
        extractor.info = identity(&extractor.argv, extractor.settings.dir.as_deref(), hello.as_ref());
        extractor.hello = hello;
        let pool = extractor.pool.get_mut().unwrap_or_else(|e| e.into_inner());
        pool.idle.push(worker);
        pool.alive = 1;
        Ok(extractor)
    }

    /// What the program declared in its hello answer (protocol 2), if anything.
    pub fn hello(&self) -> Option<&Hello> {
        self.hello.as_ref()
    }

    fn command_line(&self) -> String {
        self.argv.join(" ")
    }

    /// A new worker, through the hello exchange.
    fn spawn_worker(&self) -> Result<(Worker, Option<Hello>), ExtractError> {
        let worker = Worker::spawn(&self.argv, self.settings.dir.as_deref(), self.settings.max_line_bytes)
            .map_err(|reason| ExtractError::CannotStart { command: self.command_line(), reason })?;
        let (worker, line) = self.exchange(worker, hello_request(), true).map_err(|b| broken(b, true))?;
        match parse_hello(&line) {
            Ok(hello) => Ok((worker, hello)),
            Err(e) => {
                worker.kill();
                Err(e)
            }
        }
    }

    /// Sends one request and reads the line that answers it.
    fn exchange(&self, worker: Worker, request: Vec<u8>, at_start: bool) -> Result<(Worker, String), Broken> {
        let deadline = Instant::now() + self.settings.timeout;
        if !worker.send(request) {
            return Err(Broken::Closed(worker.end_after_close()));
        }
        let error = match worker.read(deadline) {
            Ok(Line::Text(bytes)) => match String::from_utf8(bytes) {
                Ok(line) => return Ok((worker, line)),
                Err(e) => ExtractError::NotUtf8 {
                    byte: e.utf8_error().valid_up_to(),
                    line: quote(&String::from_utf8_lossy(e.as_bytes())),
                },
            },
            Ok(Line::TooLong) => ExtractError::LineTooLong { limit: self.settings.max_line_bytes },
            Ok(Line::End) => return Err(Broken::Closed(worker.end_after_close())),
            Err(TimedOut) => ExtractError::Timeout { seconds: self.settings.timeout.as_secs_f64(), at_start },
        };
        worker.kill();
        Err(Broken::Other(error))
    }

    /// The calling thread's own worker; else one nobody has used yet; else a new one (up to
    /// `jobs`); else, with `jobs` workers alive, any idle one; else waits.
    fn take_worker(&self) -> Result<Worker, ExtractError> {
        let me = std::thread::current().id();
        let mut pool = self.pool.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            if supervise::stopping() {
                return Err(ExtractError::NotRun("goldspan is stopping".into()));
            }
            if let Some(i) = pick(&pool, me, self.settings.jobs.max(1)) {
                let mut worker = pool.idle.swap_remove(i);
                worker.owner = Some(me);
                return Ok(worker);
            }
            if pool.alive < self.settings.jobs.max(1) {
                pool.alive += 1;
                drop(pool);
                let (mut worker, hello) = self.spawn_worker().inspect_err(|_| self.retire())?;
                if hello != self.hello {
                    worker.kill();
                    self.retire();
                    return Err(ExtractError::Failed(format!(
                        "this copy of the program declared {hello:?} in its hello answer, the first copy {:?}: \
                         every copy must declare the same identity",
                        self.hello
                    )));
                }
                worker.owner = Some(me);
                return Ok(worker);
            }
            pool = self.freed.wait(pool).unwrap_or_else(|e| e.into_inner());
        }
    }

    fn give_back(&self, worker: Worker) {
        self.pool.lock().unwrap_or_else(|e| e.into_inner()).idle.push(worker);
        self.freed.notify_all();
    }

    /// A worker ended: its place is free.
    fn retire(&self) {
        self.pool.lock().unwrap_or_else(|e| e.into_inner()).alive -= 1;
        self.freed.notify_all();
    }

    /// The answer to `doc`'s request, read from `line`.
    fn parse_answer(&self, line: &str, doc: &Document, previous: Option<&str>) -> Result<jsonl::Record, ExtractError> {
        let location = Location::file(format!("cmd:{}", self.command_line()));
        let record = jsonl::parse_line(line.as_bytes(), 1, &location).map_err(|p| {
            // A JSON object is an answer with a problem, or the program saying it failed on
            // the document; anything else was never meant as one.
            match serde_json::from_str::<Value>(line) {
                Ok(Value::Object(object)) => reported_failure(&object, doc, previous)
                    .unwrap_or_else(|| ExtractError::Malformed(p.kind.to_string())),
                _ => ExtractError::NotARecord { line: quote(line), problem: p.kind.to_string(), at_start: false },
            }
        })?;
        if record.id() != doc.id() {
            return Err(ExtractError::WrongId {
                expected: doc.id().to_owned(),
                got: record.id().to_owned(),
                again: previous == Some(record.id()),
            });
        }
        Ok(record)
    }
}

/// A failure the program reported instead of an answer, `{"id": ID, "error": MESSAGE}` (and
/// optionally `"goldspan": 1`): the document fails with the message (as an exception in a
/// Python extractor served by `goldspan.serve` does), and the copy stays. An error answer for
/// another document is out of step, as any answer for another document is.
fn reported_failure(
    object: &serde_json::Map<String, Value>,
    doc: &Document,
    previous: Option<&str>,
) -> Option<ExtractError> {
    let Some(Value::String(message)) = object.get("error") else { return None };
    let Some(Value::String(id)) = object.get("id") else { return None };
    if object.keys().any(|k| !matches!(k.as_str(), "goldspan" | "id" | "error")) {
        return None;
    }
    if id != doc.id() {
        return Some(ExtractError::WrongId {
            expected: doc.id().to_owned(),
            got: id.clone(),
            again: previous == Some(id),
        });
    }
    Some(ExtractError::Reported(quote(message)))
}

/// Which idle worker the thread `me` takes, if any.
fn pick(pool: &Pool, me: ThreadId, jobs: usize) -> Option<usize> {
    let idle = &pool.idle;
    idle.iter()
        .position(|w| w.owner == Some(me))
        .or_else(|| idle.iter().position(|w| w.owner.is_none()))
        .or_else(|| (pool.alive >= jobs && !idle.is_empty()).then_some(0))
}

fn broken(broken: Broken, at_start: bool) -> ExtractError {
    match broken {
        Broken::Closed(ended) => ExtractError::Exited { status: ended.status, stderr: ended.stderr, at_start },
        Broken::Other(error) => error,
    }
}

/// A line as quoted in a failure: its first characters, without a trailing `\r`.
fn quote(line: &str) -> String {
    let line = line.trim_end_matches('\r');
    match line.char_indices().nth(QUOTED_CHARS) {
        Some((cut, _)) => format!("{}…", &line[..cut]),
        None => line.to_owned(),
    }
}

/// The hello request: a valid version 1 request for an empty document, with a `hello` key
/// that a protocol 2 program recognises.
/// The request for `doc`: `{"goldspan":1,"id":...,"meta":{...},"text":...}` and a newline,
/// each value written by serde_json straight into the line (building a `serde_json::Value`
/// first copied the text and escaped it through `std::fmt`, a cost every document paid).
fn request_line(doc: &Document) -> Vec<u8> {
    let mut out = Vec::with_capacity(doc.text().len() + doc.id().len() + 64);
    // Writing strings and a map of strings into a Vec cannot fail.
    out.extend_from_slice(b"{\"goldspan\":1,\"id\":");
    let _ = serde_json::to_writer(&mut out, doc.id());
    out.extend_from_slice(b",\"meta\":");
    let _ = serde_json::to_writer(&mut out, doc.meta());
    out.extend_from_slice(b",\"text\":");
    let _ = serde_json::to_writer(&mut out, doc.text());
    out.extend_from_slice(b"}\n");
    out
}

fn hello_request() -> Vec<u8> {
    let request = serde_json::json!({
        "goldspan": 1, "id": HELLO_ID, "text": "", "meta": {},
        "hello": {"protocol": PROTOCOL, "goldspan": env!("CARGO_PKG_VERSION")},
    });
    format!("{request}\n").into_bytes()
}

/// What the program declared, from its answer to the hello request: a hello answer
/// (protocol 2), or a record for the empty hello document (version 1, nothing declared).
fn parse_hello(line: &str) -> Result<Option<Hello>, ExtractError> {
    let not_a_record = |problem: String| ExtractError::NotARecord { line: quote(line), problem, at_start: true };
    let value: Value = serde_json::from_str(line).map_err(|e| not_a_record(format!("not JSON: {e}")))?;
    let wrong_id = |got: &str| ExtractError::WrongId { expected: HELLO_ID.into(), got: got.into(), again: false };
    if value.get("hello").is_some() {
        let answer: HelloAnswer =
            serde_json::from_value(value).map_err(|e| not_a_record(format!("a malformed hello answer: {e}")))?;
        if let Some(version) = answer.goldspan.filter(|v| *v != PROTOCOL) {
            return Err(not_a_record(format!("protocol version {version} is not supported (only {PROTOCOL})")));
        }
        if answer.id != HELLO_ID {
            return Err(wrong_id(&answer.id));
        }
        return Ok(Some(answer.hello));
    }
    let record = jsonl::parse_line(line.as_bytes(), 1, &Location::file("the hello answer"))
        .map_err(|p| not_a_record(p.kind.to_string()))?;
    if record.id() != HELLO_ID {
        return Err(wrong_id(record.id()));
    }
    Ok(None)
}

/// The extractor's identity: its command line, the program found on `PATH` for a bare
/// program name (the interpreter: another virtualenv's `python` is another extractor), the
/// content of every argument that names a regular file (the script, a model), and what the
/// program declared.
fn identity(argv: &[String], dir: Option<&Path>, hello: Option<&Hello>) -> ExtractorInfo {
    let mut parts: Vec<String> = argv.to_vec();
    parts.extend(argv.first().and_then(|program| program_hash(program, std::env::var_os("PATH").as_deref())));
    parts.extend(file_hashes(argv, dir));
    if let Some(hello) = hello {
        parts.push(format!("hello name {}", hello.name));
        // serde_json's maps are sorted, so equal configurations print alike.
        parts.push(format!("hello config {}", hello.config.as_ref().map(Value::to_string).unwrap_or_default()));
    }
    ExtractorInfo {
        name: format!("cmd:{}", argv.join(" ")),
        version: hello.map(|h| format!("{} {}", h.name, h.version)).unwrap_or_default(),
        config_hash: stable_hash(&parts.iter().map(String::as_str).collect::<Vec<_>>()),
    }
}

/// `program PATH BLAKE3` for a program named without a `/`, found as the OS finds it: the
/// first regular file of that name on `path` (a `PATH` value). The path found is kept as
/// written (a virtualenv's `bin/python` is a link to the same interpreter as any other), and
/// the content hashed is what it points to.
fn program_hash(program: &str, path: Option<&std::ffi::OsStr>) -> Option<String> {
    if program.is_empty() || program.contains('/') {
        return None;
    }
    let found = std::env::split_paths(path?).map(|dir| dir.join(program)).find(|p| is_executable_file(p))?;
    let mut hasher = blake3::Hasher::new();
    hasher.update_reader(std::fs::File::open(&found).ok()?).ok()?;
    Some(format!("program {} {}", found.display(), hasher.finalize().to_hex()))
}

fn is_executable_file(path: &Path) -> bool {
    let Ok(meta) = std::fs::metadata(path) else { return false };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        meta.is_file() && meta.permissions().mode() & 0o111 != 0
    }
    #[cfg(not(unix))]
    {
        meta.is_file()
    }
}

/// `file ARG BLAKE3` for every argument naming a regular file (relative to `dir`), hashed as
/// it is read. Directories, FIFOs and devices are never opened: reading one could block
/// forever (a FIFO) or never end (`/dev/zero`).
fn file_hashes(argv: &[String], dir: Option<&Path>) -> Vec<String> {
    argv.iter()
        .filter_map(|arg| {
            let path = match dir {
                Some(dir) => dir.join(arg),
                None => PathBuf::from(arg),
            };
            if !std::fs::metadata(&path).ok()?.is_file() {
                return None;
            }
            let mut hasher = blake3::Hasher::new();
            hasher.update_reader(std::fs::File::open(&path).ok()?).ok()?;
            Some(format!("file {arg} {}", hasher.finalize().to_hex()))
        })
        .collect()
}

impl Drop for CommandExtractor {
    fn drop(&mut self) {
        let pool = self.pool.get_mut().unwrap_or_else(|e| e.into_inner());
        for worker in pool.idle.drain(..) {
            worker.kill();
        }
    }
}

impl Extractor for CommandExtractor {
    fn info(&self) -> ExtractorInfo {
        self.info.clone()
    }

    fn extract(&self, doc: &Document) -> Result<Annotations, ExtractError> {
        let request = request_line(doc);
        let mut retried = false;
        loop {
            let worker = self.take_worker()?;
            let had_answered = worker.answered > 0;
            match self.exchange(worker, request.clone(), false) {
                Ok((mut worker, line)) => {
                    let record = match self.parse_answer(&line, doc, worker.last_answered.as_deref()) {
                        Ok(record) => record,
                        // A record with a problem, or an error answer, was meant as this
                        // answer: the worker is in step, and keeps its place.
                        Err(e @ (ExtractError::Malformed(_) | ExtractError::Reported(_))) => {
                            worker.answered += 1;
                            worker.last_answered = Some(doc.id().to_owned());
                            self.give_back(worker);
                            return Err(e);
                        }
                        // Anything else puts it out of step: replace it.
                        Err(e) => {
                            worker.kill();
                            self.retire();
                            return Err(e);
                        }
                    };
                    worker.answered += 1;
                    worker.last_answered = Some(doc.id().to_owned());
                    self.give_back(worker);
                    let location = Location::file(format!("cmd:{}", self.command_line()));
                    return record
                        .resolve_predictions(doc, self.settings.manifest.as_ref(), &location)
                        .map_err(|problems| malformed(&problems));
                }
                Err(Broken::Closed(ended)) => {
                    self.retire();
                    // A copy that exits after answering documents may have retired itself on
                    // purpose (to free memory): the document gets one more try on a fresh
                    // copy, whatever the timing of that exit.
                    if had_answered && !retried && !supervise::stopping() {
                        retried = true;
                        continue;
                    }
                    return Err(broken(Broken::Closed(ended), false));
                }
                Err(other) => {
                    self.retire();
                    return Err(broken(other, false));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_is_the_line_serde_json_writes_for_it() {
        // The request as docs/protocol.md gives it, and as serde_json writes the same object
        // (keys in its order, escapes included).
        let meta =
            goldspan_model::Meta::from([("z".to_owned(), "1".to_owned()), ("a\"b".to_owned(), "é\n".to_owned())]);
        let doc = Document::new("d-1", "Zoë said \"hi\"\n\tto 北京 \u{1}.", meta);
        let expected = serde_json::json!({"goldspan": 1, "id": doc.id(), "text": doc.text(), "meta": doc.meta()});
        assert_eq!(String::from_utf8(request_line(&doc)).expect("UTF-8"), format!("{expected}\n"));
        assert_eq!(
            String::from_utf8(request_line(&Document::new("d", "", goldspan_model::Meta::new()))).expect("UTF-8"),
            "{\"goldspan\":1,\"id\":\"d\",\"meta\":{},\"text\":\"\"}\n"
        );
    }

    #[test]
    fn a_version_1_answer_to_the_hello_declares_nothing() {
        assert_eq!(parse_hello(r#"{"id": "goldspan:hello", "spans": []}"#), Ok(None));
        assert_eq!(parse_hello(r#"{"goldspan": 1, "id": "goldspan:hello"}"#), Ok(None));
    }

    #[test]
    fn a_protocol_2_hello_declares_name_version_and_configuration() {
        let hello = parse_hello(
            r#"{"goldspan": 2, "id": "goldspan:hello", "hello": {"name": "ner", "version": "1.2", "config": {"model": "sm"}}}"#,
        )
        .expect("hello")
        .expect("declared");
        assert_eq!((hello.name.as_str(), hello.version.as_str()), ("ner", "1.2"));
        assert_eq!(hello.config, Some(serde_json::json!({"model": "sm"})));
    }

    #[test]
    fn a_banner_or_a_bad_hello_is_quoted() {
        let err = parse_hello("Loading model en_core_web_sm...").expect_err("banner");
        assert_eq!(err.kind(), crate::FailureKind::NotARecord);
        assert!(err.to_string().contains("\"Loading model en_core_web_sm...\""), "{err}");
        let err = parse_hello(r#"{"id": "goldspan:hello", "hello": {"name": "x", "verison": "1"}}"#).expect_err("typo");
        assert!(err.to_string().contains("verison"), "{err}");
        let err = parse_hello(r#"{"goldspan": 3, "id": "goldspan:hello", "hello": {"name": "x", "version": "1"}}"#)
            .expect_err("version");
        assert!(err.to_string().contains("protocol version 3"), "{err}");
        let err = parse_hello(r#"{"id": "doc-1", "spans": []}"#).expect_err("wrong id");
        assert_eq!(err.kind(), crate::FailureKind::WrongId);
    }

    #[test]
    fn a_declared_version_and_configuration_change_the_identity() {
        let argv = vec!["prog".to_owned()];
        let hello =
            |version: &str, config: Value| Hello { name: "ner".into(), version: version.into(), config: Some(config) };
        let v1 = identity(&argv, None, None);
        let a = identity(&argv, None, Some(&hello("1", serde_json::json!({"t": 1, "m": "x"}))));
        assert_eq!((v1.version.as_str(), a.version.as_str()), ("", "ner 1"));
        assert_ne!(v1.config_hash, a.config_hash);
        let same = identity(&argv, None, Some(&hello("1", serde_json::json!({"m": "x", "t": 1}))));
        assert_eq!(a.config_hash, same.config_hash, "key order is not configuration");
        let other = identity(&argv, None, Some(&hello("1", serde_json::json!({"t": 2, "m": "x"}))));
        assert_ne!(a.config_hash, other.config_hash);
    }

    #[test]
    fn only_regular_files_are_hashed_and_a_change_of_content_changes_the_identity() {
        let dir = std::env::temp_dir().join(format!("goldspan-hash-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        std::fs::write(dir.join("script.py"), "print(1)\n").expect("write");
        // A FIFO nobody writes to would block a reader forever.
        let fifo = std::process::Command::new("mkfifo").arg(dir.join("fifo")).status().is_ok_and(|s| s.success());
        let argv: Vec<String> = ["python3", "script.py", "/dev/zero", ".", "fifo"].map(String::from).to_vec();
        let hashes = file_hashes(&argv, Some(&dir));
        // Only the script: /dev/zero (a device), . (a directory) and the FIFO are never read.
        assert!(fifo || !cfg!(unix), "mkfifo is part of every unix");
        assert_eq!(hashes.len(), 1, "{hashes:?}");
        assert_eq!(hashes[0], format!("file script.py {}", blake3::hash(b"print(1)\n").to_hex()));
        let before = identity(&argv, Some(&dir), None);
        std::fs::write(dir.join("script.py"), "print(2)\n").expect("write");
        assert_ne!(before.config_hash, identity(&argv, Some(&dir), None).config_hash);
        std::fs::remove_dir_all(&dir).expect("clean up");
    }

    #[cfg(unix)]
    #[test]
    fn the_interpreter_found_on_path_is_part_of_the_identity() {
        use std::os::unix::fs::PermissionsExt;
        let tmp = tempfile::tempdir().expect("temp dir");
        let (a, b, plain) = (tmp.path().join("a"), tmp.path().join("b"), tmp.path().join("plain"));
        for (dir, content, mode) in [(&a, "python 3.11", 0o755), (&b, "python 3.12", 0o755), (&plain, "x", 0o644)] {
            std::fs::create_dir_all(dir).expect("mkdir");
            let file = dir.join("fake-python");
            std::fs::write(&file, content).expect("write");
            std::fs::set_permissions(&file, std::fs::Permissions::from_mode(mode)).expect("chmod");
        }
        let path = |dirs: &[&Path]| std::env::join_paths(dirs).expect("PATH");
        let in_a = program_hash("fake-python", Some(&path(&[&a, &b])));
        assert_eq!(
            in_a,
            Some(format!("program {} {}", a.join("fake-python").display(), blake3::hash(b"python 3.11").to_hex()))
        );
        // Another virtualenv first on PATH is another interpreter.
        assert_ne!(program_hash("fake-python", Some(&path(&[&b, &a]))), in_a);
        // A file that is not executable is not what the OS would run.
        assert_eq!(program_hash("fake-python", Some(&path(&[&plain, &a]))), in_a);
        assert_eq!(program_hash("fake-python", Some(&path(&[&plain]))), None);
        // A path with a slash is an argument like any other (file_hashes covers it).
        assert_eq!(program_hash("./fake-python", Some(&path(&[&a]))), None);
    }

    #[test]
    fn long_stray_lines_are_quoted_short() {
        assert_eq!(quote("abc\r"), "abc");
        let long = "é".repeat(500);
        assert_eq!(quote(&long).chars().count(), QUOTED_CHARS + 1);
    }
}
