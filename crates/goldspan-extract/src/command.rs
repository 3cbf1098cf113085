//! `cmd:<program and arguments>`: an extractor in any language, behind the JSON Lines
//! protocol of docs/protocol.md.
//!
//! goldspan starts up to `jobs` worker processes, lazily, and keeps each alive across
//! documents. A request is one line `{"goldspan":1,"id","text","meta"}` on the worker's stdin;
//! the answer is one interchange record line on its stdout. A worker that does not answer
//! within the timeout is killed; one that exits is reaped; either way it is replaced on the
//! next request and the document is a recorded failure, never a crash of the run. Answers for
//! another id, malformed JSON, bad offsets or covered text that differs are failures too.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Condvar, Mutex};

use goldspan_formats::jsonl;
use goldspan_model::{Annotations, Document, Location};

use crate::file::malformed;
use crate::registry::Settings;
use crate::{stable_hash, ExtractError, Extractor, ExtractorInfo};

/// Lines of a worker's stderr kept to explain a crash.
const STDERR_LINES: usize = 5;

struct Worker {
    child: Child,
    /// Request lines, written to the process's stdin by a writer thread, so a process that
    /// stops reading cannot block goldspan: the timeout covers writing and answering.
    requests: Sender<String>,
    lines: Receiver<std::io::Result<String>>,
    stderr: Arc<Mutex<VecDeque<String>>>,
}

impl Worker {
    fn spawn(argv: &[String], dir: Option<&Path>) -> Result<Worker, std::io::Error> {
        let mut command = Command::new(&argv[0]);
        command.args(&argv[1..]).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
        if let Some(dir) = dir {
            command.current_dir(dir);
        }
        let mut child = command.spawn()?;
        let missing = || std::io::Error::other("the worker's pipes are not available");
        let mut stdin: ChildStdin = child.stdin.take().ok_or_else(missing)?;
        let stdout = child.stdout.take().ok_or_else(missing)?;
        let stderr_pipe = child.stderr.take().ok_or_else(missing)?;
        let (requests, pending) = mpsc::channel::<String>();
        std::thread::spawn(move || {
            for request in pending {
                if stdin.write_all(request.as_bytes()).and_then(|()| stdin.flush()).is_err() {
                    return;
                }
            }
        });
        let (sender, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                if sender.send(line).is_err() {
                    return;
                }
            }
        });
        let stderr = Arc::new(Mutex::new(VecDeque::new()));
        let tail = Arc::clone(&stderr);
        std::thread::spawn(move || {
            for line in BufReader::new(stderr_pipe).lines().map_while(Result::ok) {
                let mut tail = tail.lock().unwrap_or_else(|e| e.into_inner());
                if tail.len() == STDERR_LINES {
                    tail.pop_front();
                }
                tail.push_back(line);
            }
        });
        Ok(Worker { child, requests, lines, stderr })
    }

    /// Whether the process has exited while idle.
    fn exited(&mut self) -> bool {
        !matches!(self.child.try_wait(), Ok(None))
    }

    /// Kills the process (if still running) and says how it ended, with its last stderr line.
    fn end(mut self) -> String {
        let _ = self.child.kill();
        let status = self.child.wait().map(|s| s.to_string()).unwrap_or_else(|e| e.to_string());
        // Give the stderr thread a moment to drain what the process wrote before dying.
        std::thread::sleep(std::time::Duration::from_millis(20));
        let tail = self.stderr.lock().unwrap_or_else(|e| e.into_inner());
        match tail.back() {
            Some(last) => format!("{status}; last stderr line: {last}"),
            None => status,
        }
    }
}

/// Workers not in use, and how many exist.
struct Pool {
    idle: Vec<Worker>,
    alive: usize,
}

/// An external extractor process pool.
pub struct CommandExtractor {
    argv: Vec<String>,
    settings: Settings,
    pool: Mutex<Pool>,
    freed: Condvar,
    config_hash: String,
}

impl std::fmt::Debug for CommandExtractor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CommandExtractor").field("argv", &self.argv).finish()
    }
}

impl CommandExtractor {
    /// An extractor running `argv` (non-empty) with these settings.
    pub fn new(argv: Vec<String>, settings: Settings) -> CommandExtractor {
        // The command line and the content of any argument that names a file (the script)
        // identify the configuration, so editing the script invalidates cached outputs.
        let mut parts: Vec<String> = argv.clone();
        for arg in &argv {
            let path = match &settings.dir {
                Some(dir) => dir.join(arg),
                None => arg.into(),
            };
            if let Ok(content) = std::fs::read(path) {
                parts.push(String::from_utf8_lossy(&content).into_owned());
            }
        }
        let config_hash = stable_hash(&parts.iter().map(String::as_str).collect::<Vec<_>>());
        CommandExtractor {
            argv,
            settings,
            pool: Mutex::new(Pool { idle: Vec::new(), alive: 0 }),
            freed: Condvar::new(),
            config_hash,
        }
    }

    fn take_worker(&self) -> Result<Worker, ExtractError> {
        let mut pool = self.pool.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            if let Some(mut worker) = pool.idle.pop() {
                if !worker.exited() {
                    return Ok(worker);
                }
                // It exited while idle (a worker may recycle itself): replace it.
                pool.alive -= 1;
                drop(pool);
                worker.end();
                pool = self.pool.lock().unwrap_or_else(|e| e.into_inner());
                continue;
            }
            if pool.alive < self.settings.jobs.max(1) {
                pool.alive += 1;
                drop(pool);
                let spawned = Worker::spawn(&self.argv, self.settings.dir.as_deref());
                if spawned.is_err() {
                    self.retire();
                }
                return spawned.map_err(|e| ExtractError::Failed(format!("cannot start {:?}: {e}", self.argv[0])));
            }
            pool = self.freed.wait(pool).unwrap_or_else(|e| e.into_inner());
        }
    }

    /// Starts one worker now, so a program that cannot run is an error before any document.
    pub fn probe(&self) -> Result<(), std::io::Error> {
        let worker = Worker::spawn(&self.argv, self.settings.dir.as_deref())?;
        let mut pool = self.pool.lock().unwrap_or_else(|e| e.into_inner());
        pool.alive += 1;
        pool.idle.push(worker);
        Ok(())
    }

    fn give_back(&self, worker: Worker) {
        self.pool.lock().unwrap_or_else(|e| e.into_inner()).idle.push(worker);
        self.freed.notify_one();
    }

    fn retire(&self) {
        self.pool.lock().unwrap_or_else(|e| e.into_inner()).alive -= 1;
        self.freed.notify_one();
    }
}

impl Drop for CommandExtractor {
    fn drop(&mut self) {
        let pool = self.pool.get_mut().unwrap_or_else(|e| e.into_inner());
        for worker in pool.idle.drain(..) {
            worker.end();
        }
    }
}

impl Extractor for CommandExtractor {
    fn info(&self) -> ExtractorInfo {
        ExtractorInfo {
            name: format!("cmd:{}", self.argv.join(" ")),
            version: String::new(),
            config_hash: self.config_hash.clone(),
        }
    }

    fn extract(&self, doc: &Document) -> Result<Annotations, ExtractError> {
        let worker = self.take_worker()?;
        // Lines nobody asked for (a start-up banner) must not be taken for this answer.
        while worker.lines.try_recv().is_ok() {}
        let request = serde_json::json!({"goldspan": 1, "id": doc.id(), "text": doc.text(), "meta": doc.meta()});
        if worker.requests.send(format!("{request}\n")).is_err() {
            let status = worker.end();
            self.retire();
            return Err(ExtractError::Crashed { status });
        }
        let line = match worker.lines.recv_timeout(self.settings.timeout) {
            Ok(Ok(line)) => line,
            Ok(Err(_)) | Err(RecvTimeoutError::Disconnected) => {
                let status = worker.end();
                self.retire();
                return Err(ExtractError::Crashed { status });
            }
            Err(RecvTimeoutError::Timeout) => {
                worker.end();
                self.retire();
                return Err(ExtractError::Timeout { seconds: self.settings.timeout.as_secs_f64() });
            }
        };
        let location = Location::file(format!("cmd:{}", self.argv.join(" ")));
        let answer =
            jsonl::parse_line(line.as_bytes(), 1, &location).map_err(|p| ExtractError::Malformed(p.kind.to_string()));
        let answer = answer.and_then(|record| {
            if record.id() == doc.id() {
                Ok(record)
            } else {
                Err(ExtractError::Malformed(format!("answered for document {:?}", record.id())))
            }
        });
        match answer {
            Ok(record) => {
                self.give_back(worker);
                record
                    .resolve_predictions(doc, self.settings.manifest.as_ref(), &location)
                    .map_err(|problems| malformed(&problems))
            }
            Err(e) => {
                // Out of step with the protocol: its next line may answer this request, so it
                // cannot be trusted with the next document. Replace it.
                worker.end();
                self.retire();
                Err(e)
            }
        }
    }
}
