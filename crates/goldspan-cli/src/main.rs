//! The `goldspan` binary: all behaviour lives in `goldspan_cli`, so it can be tested as a library.

fn main() -> std::process::ExitCode {
    goldspan_cli::run()
}
