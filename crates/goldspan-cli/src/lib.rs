//! The `goldspan` command line: argument parsing, rendering and exit codes, nothing else.
//!
//! Arguments are parsed into plain values by clap, then each command turns them into ready
//! objects from the library crates. Only this crate knows about terminals and exit codes:
//! 0 ok, 1 a gate failed, 2 a usage or input error.

mod args;
mod commands;

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
}

/// Parses the process arguments, runs the command, prints errors, and returns the exit code.
pub fn run() -> ExitCode {
    let cli = match args::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let result = commands::dispatch(cli);
    ExitCode::from(exit_code(&result))
}

fn exit_code(result: &anyhow::Result<Outcome>) -> u8 {
    match result {
        Ok(Outcome::Ok) => 0,
        Ok(Outcome::GateFailed) => 1,
        Ok(Outcome::Invalid) => 2,
        Err(e) if is_broken_pipe(e) => 0,
        Err(e) => {
            eprintln!("error: {e}");
            for cause in e.chain().skip(1) {
                eprintln!("  caused by: {cause}");
            }
            2
        }
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| c.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe))
}
