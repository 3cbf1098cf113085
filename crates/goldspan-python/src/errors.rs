//! goldspan's errors as Python exceptions: `InputError` (a `ValueError`) carries every
//! problem found, each a `Problem` with file, line, document and message, as the CLI prints
//! them; `GoldspanError` (a `RuntimeError`) is anything else that stopped the work.

use std::path::Path;

use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyList;

pyo3::create_exception!(
    goldspan,
    InputError,
    PyValueError,
    "The input cannot be used: `problems` lists every problem found, each with file, line, document and message."
);

pyo3::create_exception!(
    goldspan,
    GoldspanError,
    PyRuntimeError,
    "goldspan could not finish the work (not a problem of the input)."
);

/// One problem in the input, where it is and what it is.
#[pyclass(frozen, get_all, module = "goldspan")]
#[derive(Debug, Clone)]
pub struct Problem {
    /// The file (or `<gold>`, `<predictions>`, `<tags>` for records given in memory).
    file: String,
    /// The 1-based line, or the record's 1-based place in an iterable.
    line: Option<usize>,
    /// The document id, when known.
    document: Option<String>,
    /// What is wrong.
    message: String,
}

#[pymethods]
impl Problem {
    #[new]
    #[pyo3(signature = (file, line, document, message))]
    fn new(file: String, line: Option<usize>, document: Option<String>, message: String) -> Problem {
        Problem { file, line, document, message }
    }

    fn __repr__(&self) -> String {
        format!(
            "Problem(file={:?}, line={}, document={}, message={:?})",
            self.file,
            self.line.map_or("None".to_owned(), |l| l.to_string()),
            self.document.as_ref().map_or("None".to_owned(), |d| format!("{d:?}")),
            self.message
        )
    }

    fn __str__(&self) -> String {
        let mut text = self.file.clone();
        if let Some(line) = self.line {
            text.push_str(&format!(":{line}"));
        }
        if let Some(document) = &self.document {
            text.push_str(&format!(": document {document}"));
        }
        format!("{text}: {}", self.message)
    }
}

/// Temporary files stand for records given in memory: their paths become these names.
pub type Renames<'a> = &'a [(&'a Path, &'a str)];

fn shown(path: &Path, renames: Renames<'_>) -> String {
    match renames.iter().find(|(from, _)| *from == path) {
        Some((_, to)) => (*to).to_owned(),
        None => path.display().to_string(),
    }
}

fn rename_text(mut text: String, renames: Renames<'_>) -> String {
    for (from, to) in renames {
        text = text.replace(&from.display().to_string(), to);
    }
    text
}

/// An `InputError` for problems, its message the CLI's rendering of them.
pub fn input_error(
    py: Python<'_>,
    message: String,
    problems: &[goldspan_model::Problem],
    renames: Renames<'_>,
) -> PyErr {
    let list: Vec<Problem> = problems
        .iter()
        .map(|p| Problem {
            file: shown(&p.location.file, renames),
            line: p.location.line,
            document: p.location.document.clone(),
            message: p.kind.to_string(),
        })
        .collect();
    with_problems(py, rename_text(message, renames), list)
}

/// An `InputError` with one problem that has no line or document (a whole file).
pub fn file_error(py: Python<'_>, file: &Path, message: String) -> PyErr {
    let problem = Problem { file: file.display().to_string(), line: None, document: None, message: message.clone() };
    with_problems(py, format!("{}: {message}", file.display()), vec![problem])
}

fn with_problems(py: Python<'_>, message: String, problems: Vec<Problem>) -> PyErr {
    let err = InputError::new_err(message);
    let attached = PyList::new(py, problems).and_then(|list| err.value(py).setattr("problems", list));
    match attached {
        Ok(()) => err,
        Err(e) => e,
    }
}

/// A reader's error as an exception.
pub fn model_error(py: Python<'_>, e: &goldspan_model::Error, renames: Renames<'_>) -> PyErr {
    match e {
        goldspan_model::Error::Invalid(problems) => input_error(py, e.to_string(), problems, renames),
        other => GoldspanError::new_err(rename_text(chain(other), renames)),
    }
}

/// The runner's error as an exception: bad input is an `InputError`, the rest a
/// `GoldspanError`.
pub fn runner_error(py: Python<'_>, e: &goldspan_runner::Error, renames: Renames<'_>) -> PyErr {
    match e {
        goldspan_runner::Error::Input(inner) => model_error(py, inner, renames),
        goldspan_runner::Error::LabelMap { file, message } => file_error(py, file, message.clone()),
        other => GoldspanError::new_err(rename_text(chain(other), renames)),
    }
}

/// A name the user gave that does not exist (layer, split, label-map target): a `ValueError`
/// saying which names exist.
pub fn name_error(e: &goldspan_model::UnknownName) -> PyErr {
    PyValueError::new_err(e.to_string())
}

/// An error and its causes, as the CLI prints them.
pub fn chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        text.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    text
}
