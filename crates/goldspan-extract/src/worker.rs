//! One worker process of a `cmd:` extractor, with every pipe bounded.
//!
//! The process runs in its own process group (see `supervise`), so ending a worker kills
//! everything it started. Three threads serve its pipes, so that nothing the program does can
//! block goldspan or exhaust its memory:
//! - a writer feeds stdin (a program that stops reading cannot block a request);
//! - a reader cuts stdout into lines of at most `max_line` bytes, handed over one at a time
//!   (a program that writes without newlines, or floods lines nobody reads, is held back by
//!   the pipe, not buffered without end);
//! - a reader keeps only the last [`STDERR_LINES`] lines of stderr, each cut to
//!   [`STDERR_LINE_BYTES`] bytes, and drains the rest, so endless logging costs no memory.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender, SyncSender};
use std::sync::{Arc, Mutex};
use std::thread::ThreadId;
use std::time::{Duration, Instant};

use crate::supervise;

/// Lines of a worker's stderr kept to explain its end.
pub(crate) const STDERR_LINES: usize = 10;
/// Bytes kept of each stderr line.
pub(crate) const STDERR_LINE_BYTES: usize = 1000;
/// How long a worker whose stdout closed may take to exit by itself before it is killed (so
/// its own exit status is reported, not goldspan's SIGKILL).
const EXIT_GRACE: Duration = Duration::from_millis(500);
/// How long to wait for the last stderr lines of a worker that has ended.
const STDERR_GRACE: Duration = Duration::from_millis(200);

/// What the stdout reader hands over.
pub(crate) enum Line {
    /// One line, without its `\n`.
    Text(Vec<u8>),
    /// A line longer than the limit; nothing more is read.
    TooLong,
    /// Stdout closed (or could not be read).
    End,
}

/// A running worker process.
pub(crate) struct Worker {
    child: Child,
    /// Its process group (its own pid), where process groups exist.
    group: Option<i32>,
    requests: Option<Sender<Vec<u8>>>,
    lines: Receiver<Line>,
    stderr: Arc<Mutex<VecDeque<String>>>,
    /// Disconnects when the stderr reader has seen the end of the pipe.
    stderr_done: Receiver<()>,
    /// Documents answered so far.
    pub(crate) answered: usize,
    /// The id of the last document answered.
    pub(crate) last_answered: Option<String>,
    /// The thread that last used it: each thread keeps its own worker (see `command`).
    pub(crate) owner: Option<ThreadId>,
}

/// How a worker ended: its exit status and last stderr lines.
pub(crate) struct Ended {
    pub(crate) status: String,
    pub(crate) stderr: Vec<String>,
}

/// Why [`Worker::read`] returned without a line.
pub(crate) struct TimedOut;

impl Worker {
    /// Starts `argv` in `dir` (the current directory when `None` or empty).
    pub(crate) fn spawn(argv: &[String], dir: Option<&Path>, max_line: usize) -> Result<Worker, String> {
        let dir = dir.filter(|d| !d.as_os_str().is_empty());
        let mut command = Command::new(&argv[0]);
        command.args(&argv[1..]).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
        if let Some(dir) = dir {
            command.current_dir(dir);
        }
        #[cfg(unix)]
        {
            use std::os::unix::process::CommandExt;
            command.process_group(0);
        }
        let mut child = command.spawn().map_err(|e| spawn_error(&argv[0], dir, &e))?;
        let group = process_group(&child);
        if let Some(group) = group {
            if !supervise::register(group) {
                supervise::kill_group(group);
                let _ = child.wait();
                return Err("goldspan is stopping".into());
            }
        }
        let missing = "the worker's pipes are not available".to_owned();
        let (Some(mut stdin), Some(stdout), Some(stderr_pipe)) =
            (child.stdin.take(), child.stdout.take(), child.stderr.take())
        else {
            if let Some(group) = group {
                supervise::kill_group(group);
            }
            let _ = child.kill();
            let _ = child.wait();
            return Err(missing);
        };
        let (requests, pending) = mpsc::channel::<Vec<u8>>();
        std::thread::spawn(move || {
            for request in pending {
                if stdin.write_all(&request).and_then(|()| stdin.flush()).is_err() {
                    return;
                }
            }
        });
        // One line in the channel and one in the reader's hands at most.
        let (sender, lines) = mpsc::sync_channel(1);
        std::thread::spawn(move || read_lines(stdout, max_line, &sender));
        let stderr = Arc::new(Mutex::new(VecDeque::new()));
        let tail = Arc::clone(&stderr);
        let (done, stderr_done) = mpsc::channel::<()>();
        std::thread::spawn(move || {
            keep_tail(stderr_pipe, &tail);
            drop(done);
        });
        Ok(Worker {
            child,
            group,
            requests: Some(requests),
            lines,
            stderr,
            stderr_done,
            answered: 0,
            last_answered: None,
            owner: None,
        })
    }

    /// Queues one request line (with its `\n`). False when the writer has stopped (the
    /// program closed its stdin or died).
    pub(crate) fn send(&self, request: Vec<u8>) -> bool {
        self.requests.as_ref().is_some_and(|r| r.send(request).is_ok())
    }

    /// The next stdout line, waiting until `deadline`.
    pub(crate) fn read(&self, deadline: Instant) -> Result<Line, TimedOut> {
        let wait = deadline.saturating_duration_since(Instant::now());
        match self.lines.recv_timeout(wait) {
            Ok(line) => Ok(line),
            Err(RecvTimeoutError::Disconnected) => Ok(Line::End),
            Err(RecvTimeoutError::Timeout) => Err(TimedOut),
        }
    }

    /// Ends a worker whose stdout closed: it may take a moment to exit by itself (so its own
    /// status is reported), then its whole group is killed.
    pub(crate) fn end_after_close(mut self) -> Ended {
        self.requests = None;
        let waited = Instant::now();
        let status = loop {
            match self.child.try_wait() {
                Ok(Some(status)) => break Some(status.to_string()),
                Ok(None) if waited.elapsed() < EXIT_GRACE => std::thread::sleep(Duration::from_millis(5)),
                _ => break None,
            }
        };
        let ended = self.kill();
        Ended {
            status: status.unwrap_or_else(|| "it closed its stdout but kept running, and was killed".into()),
            ..ended
        }
    }

    /// Kills the worker's whole process group and reaps it.
    pub(crate) fn kill(mut self) -> Ended {
        self.requests = None;
        match self.group {
            Some(group) => supervise::kill_group(group),
            None => {
                let _ = self.child.kill();
            }
        }
        let status = self.child.wait().map(|s| s.to_string()).unwrap_or_else(|e| e.to_string());
        // The stderr reader ends when every process holding the pipe is gone: wait for it,
        // briefly (a process that left the group may hold the pipe open).
        let _ = self.stderr_done.recv_timeout(STDERR_GRACE);
        let stderr = self.stderr.lock().unwrap_or_else(|e| e.into_inner()).iter().cloned().collect();
        Ended { status, stderr }
    }
}

#[cfg(unix)]
fn process_group(child: &Child) -> Option<i32> {
    i32::try_from(child.id()).ok()
}

#[cfg(not(unix))]
fn process_group(_child: &Child) -> Option<i32> {
    None
}

/// Why a worker did not start, blaming the right thing: the directory or the program.
fn spawn_error(program: &str, dir: Option<&Path>, e: &std::io::Error) -> String {
    if let Some(dir) = dir.filter(|d| !d.is_dir()) {
        return format!("the directory it should run in, {}, does not exist", dir.display());
    }
    match e.kind() {
        std::io::ErrorKind::NotFound => format!("program `{program}` not found ({e})"),
        std::io::ErrorKind::PermissionDenied => format!("program `{program}` cannot be executed ({e})"),
        _ => e.to_string(),
    }
}

/// Cuts `stdout` into lines of at most `max` bytes and hands them over one at a time.
fn read_lines(stdout: impl Read, max: usize, lines: &SyncSender<Line>) {
    let mut reader = BufReader::with_capacity(64 * 1024, stdout);
    let mut line = Vec::new();
    loop {
        let buffer = match reader.fill_buf() {
            Ok(buffer) => buffer,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => break,
        };
        if buffer.is_empty() {
            break;
        }
        let (piece, end) = match buffer.iter().position(|&b| b == b'\n') {
            Some(i) => (&buffer[..i], Some(i + 1)),
            None => (buffer, None),
        };
        if line.len() + piece.len() > max {
            let _ = lines.send(Line::TooLong);
            return;
        }
        line.extend_from_slice(piece);
        let used = end.unwrap_or(piece.len());
        reader.consume(used);
        if end.is_some() && lines.send(Line::Text(std::mem::take(&mut line))).is_err() {
            return;
        }
    }
    // A last line without its newline is still a line.
    if !line.is_empty() && lines.send(Line::Text(line)).is_err() {
        return;
    }
    let _ = lines.send(Line::End);
}

/// Keeps the last lines of `stderr` in `tail`, each cut to its first bytes, and drains the
/// rest until the pipe closes.
fn keep_tail(stderr: impl Read, tail: &Mutex<VecDeque<String>>) {
    let mut reader = BufReader::with_capacity(8 * 1024, stderr);
    let mut line: Vec<u8> = Vec::new();
    let push = |line: &mut Vec<u8>| {
        let text = String::from_utf8_lossy(line).trim_end_matches('\r').to_owned();
        line.clear();
        let mut tail = tail.lock().unwrap_or_else(|e| e.into_inner());
        if tail.len() == STDERR_LINES {
            tail.pop_front();
        }
        tail.push_back(text);
    };
    loop {
        let buffer = match reader.fill_buf() {
            Ok(buffer) => buffer,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => break,
        };
        if buffer.is_empty() {
            break;
        }
        let (piece, used, complete) = match buffer.iter().position(|&b| b == b'\n') {
            Some(i) => (&buffer[..i], i + 1, true),
            None => (buffer, buffer.len(), false),
        };
        let room = STDERR_LINE_BYTES.saturating_sub(line.len());
        line.extend_from_slice(&piece[..piece.len().min(room)]);
        reader.consume(used);
        if complete {
            push(&mut line);
        }
    }
    if !line.is_empty() {
        push(&mut line);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines_of(input: &[u8], max: usize) -> Vec<String> {
        let (sender, receiver) = mpsc::sync_channel(1);
        let input = input.to_vec();
        let reader = std::thread::spawn(move || read_lines(&input[..], max, &sender));
        let mut out = Vec::new();
        for line in receiver {
            out.push(match line {
                Line::Text(t) => String::from_utf8_lossy(&t).into_owned(),
                Line::TooLong => "<too long>".into(),
                Line::End => "<end>".into(),
            });
        }
        reader.join().expect("reader");
        out
    }

    #[test]
    fn stdout_lines_are_cut_at_newlines_and_capped() {
        assert_eq!(lines_of(b"a\nbb\n\nc", 10), ["a", "bb", "", "c", "<end>"]);
        assert_eq!(lines_of(b"12345\n123456\nx\n", 5), ["12345", "<too long>"]);
        assert_eq!(lines_of(b"", 5), ["<end>"]);
    }

    #[test]
    fn a_line_over_the_limit_stops_reading_without_holding_it() {
        // 10 MB without a newline, with a 1 kB limit: the reader gives up at the limit.
        let big = vec![0u8; 10_000_000];
        assert_eq!(lines_of(&big, 1000), ["<too long>"]);
    }

    #[test]
    fn the_stderr_tail_keeps_the_last_lines_each_cut_short() {
        let tail = Mutex::new(VecDeque::new());
        let mut input = String::new();
        for i in 0..100 {
            input.push_str(&format!("line {i}\n"));
        }
        input.push_str(&"x".repeat(5000));
        input.push_str("\nlast");
        keep_tail(input.as_bytes(), &tail);
        let tail: Vec<String> = tail.into_inner().expect("tail").into_iter().collect();
        assert_eq!(tail.len(), STDERR_LINES);
        assert_eq!(tail[STDERR_LINES - 3], "line 99");
        assert_eq!(tail[STDERR_LINES - 2], "x".repeat(STDERR_LINE_BYTES));
        assert_eq!(tail[STDERR_LINES - 1], "last");
    }
}
