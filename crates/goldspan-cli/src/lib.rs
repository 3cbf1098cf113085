//! The `goldspan` command line: argument parsing, rendering and exit codes, nothing else.
//!
//! Arguments are parsed into plain values by clap, then each command turns them into ready
//! objects from the library crates. Only this crate knows about terminals, signals and exit
//! codes: 0 ok, 1 a gate failed, 2 a usage or input error, 3 the extractor failed, 128 + N
//! stopped by signal N.

mod args;
mod commands;
mod failures;
mod progress;
mod project;
mod signals;

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

/// What a command concluded, when it ran to the end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Everything passed.
    Ok,
    /// The input was read, and it failed a check (validation problems).
    Invalid,
    /// A gate failed (a regression).
    GateFailed,
    /// The extractor failed: on every document, on more than `--max-failures`, or (in
    /// `check`) on more than the eval allows.
    ExtractorFailed,
}

/// Parses the process arguments, runs the command, prints errors, and returns the exit code.
pub fn run() -> ExitCode {
    ExitCode::from(run_with(std::env::args_os()))
}

/// Runs the command `args` name (the program name first, as in `std::env::args_os`), prints
/// its output and errors, and returns the exit code. The Python wheel's `goldspan` command
/// calls it in-process, so the command behaves as the binary does.
pub fn run_with<I, T>(args: I) -> u8
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let cli = match args::Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { 2 } else { 0 };
        }
    };
    let result = commands::dispatch(cli);
    exit_code(&result)
}

/// The one place exit codes are chosen.
fn exit_code(result: &anyhow::Result<Outcome>) -> u8 {
    if let Some(signal) = signals::received() {
        eprint(&format!("goldspan: stopped by {}; every extractor process was killed\n", signals::name(signal)));
        return 128 + signal;
    }
    match result {
        Ok(Outcome::Ok) => 0,
        Ok(Outcome::GateFailed) => 1,
        Ok(Outcome::Invalid) => 2,
        Ok(Outcome::ExtractorFailed) => 3,
        Err(e) if is_broken_pipe(e) => 0,
        Err(e) => {
            let mut text = format!("error: {e}\n");
            for cause in e.chain().skip(1) {
                text.push_str(&format!("  caused by: {cause}\n"));
            }
            let start = e.chain().find_map(|c| match c.downcast_ref::<goldspan_runner::Error>() {
                Some(
                    goldspan_runner::Error::ExtractorStart { error, .. }
                    | goldspan_runner::Error::FailFast { error, .. },
                ) => Some(error),
                _ => None,
            });
            if let Some(error) = start {
                text.push_str(&failures::details(error, "  "));
            }
            eprint(&text);
            write_problems(e);
            if start.is_some() {
                3
            } else {
                2
            }
        }
    }
}

/// The environment variable naming a file where an input error's problems are written as
/// JSON, for a program that runs goldspan and wants them typed (the Python package's `run`;
/// docs/python.md): `[{"file", "line", "document", "message"}]`, the problems the message
/// lists. Nothing is written for any other error.
pub const PROBLEMS_FILE: &str = "GOLDSPAN_PROBLEMS_FILE";

/// One problem as [`PROBLEMS_FILE`] holds it.
#[derive(serde::Serialize)]
struct ProblemRecord<'a> {
    file: String,
    line: Option<usize>,
    document: Option<&'a str>,
    message: String,
}

/// Writes the problems of the input error `e`, if it is one, to [`PROBLEMS_FILE`] when set.
fn write_problems(e: &anyhow::Error) {
    let Some(path) = std::env::var_os(PROBLEMS_FILE) else { return };
    let problems = e.chain().find_map(|c| {
        let model = c.downcast_ref::<goldspan_model::Error>().or_else(|| match c.downcast_ref() {
            Some(goldspan_runner::Error::Input(inner)) => Some(inner),
            _ => None,
        });
        match model {
            Some(goldspan_model::Error::Invalid(problems)) => Some(problems),
            _ => None,
        }
    });
    let Some(problems) = problems else { return };
    let records: Vec<ProblemRecord<'_>> = problems
        .iter()
        .map(|p| ProblemRecord {
            file: p.location.file.display().to_string(),
            line: p.location.line,
            document: p.location.document.as_deref(),
            message: p.kind.to_string(),
        })
        .collect();
    if let Ok(json) = serde_json::to_vec(&records) {
        if let Err(e) = goldspan_formats::write_atomic(std::path::Path::new(&path), &json) {
            eprint(&format!("warning: cannot write the problems to {}: {e}\n", std::path::Path::new(&path).display()));
        }
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| c.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe))
}

/// Writes `text` to stderr unless it was written before in this process: a warning about the
/// cache is told once, not once per eval.
pub(crate) fn eprint_once(text: &str) {
    static TOLD: std::sync::Mutex<std::collections::BTreeSet<String>> =
        std::sync::Mutex::new(std::collections::BTreeSet::new());
    let first = TOLD.lock().unwrap_or_else(|e| e.into_inner()).insert(text.to_owned());
    if first {
        eprint(text);
    }
}

/// Writes to stderr, ignoring errors: a closed stderr (`2>&1 | head`) must not panic, as
/// `eprintln!` would.
pub(crate) fn eprint(text: &str) {
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(text.as_bytes());
    let _ = err.flush();
}
