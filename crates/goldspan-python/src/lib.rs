//! goldspan's Python extension module, `goldspan._goldspan`: the Rust the `goldspan` Python
//! package (`python/goldspan/`) wraps in its typed API, and the entry point of the `goldspan`
//! command the wheel installs.
//!
//! Everything here calls the same library code as the CLI (the runner's evaluation, the
//! formats' registry, the CLI itself), so the Python API and the command give the same
//! numbers. Python values are converted with the GIL held; the work runs without it
//! (`Python::detach`), so other Python threads go on meanwhile. Results cross as the JSON the
//! CLI writes (`goldspan.results/1`), which the Python side turns into a `Results` object.

mod corpus;
mod errors;
mod records;
mod score;

use pyo3::prelude::*;

/// The module `goldspan._goldspan`.
#[pymodule]
fn _goldspan(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(cli, m)?)?;
    m.add_function(wrap_pyfunction!(score::score, m)?)?;
    m.add_function(wrap_pyfunction!(score::score_tags, m)?)?;
    m.add_function(wrap_pyfunction!(corpus::read_documents, m)?)?;
    m.add_function(wrap_pyfunction!(corpus::convert, m)?)?;
    m.add_class::<corpus::Corpus>()?;
    m.add_class::<errors::Problem>()?;
    m.add("InputError", m.py().get_type::<errors::InputError>())?;
    m.add("GoldspanError", m.py().get_type::<errors::GoldspanError>())?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("DEFAULT_SEED", goldspan_runner::DEFAULT_SEED)?;
    Ok(())
}

/// Runs the `goldspan` command line with `argv` (the program name first) in this process,
/// without the GIL, and returns its exit code: what the wheel's `goldspan` command calls.
#[pyfunction]
fn cli(py: Python<'_>, argv: Vec<std::ffi::OsString>) -> u8 {
    py.detach(|| goldspan_cli::run_with(argv))
}
