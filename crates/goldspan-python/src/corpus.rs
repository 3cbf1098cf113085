//! Reading documents into Python and converting between formats: `load_corpus` and `convert`.
//!
//! Documents cross into Python as interchange JSON lines (`jsonl::to_line`), which the Python
//! side parses into plain dicts: the one documented shape of a document, whatever format it
//! was read from.

use std::path::PathBuf;

use goldspan_formats::{check_output, conll::Scheme, jsonl, Format, ReadOptions, WriteOptions};
use goldspan_runner::Gold;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

use crate::errors;

/// A gold corpus directory (narrowed to a split) or a gold JSON Lines file, read a document at
/// a time.
#[pyclass(frozen, module = "goldspan._goldspan")]
#[derive(Debug)]
pub struct Corpus {
    gold: Gold,
}

#[pymethods]
impl Corpus {
    #[new]
    #[pyo3(signature = (path, split=None))]
    fn new(py: Python<'_>, path: PathBuf, split: Option<String>) -> PyResult<Corpus> {
        if !path.exists() {
            return Err(errors::file_error(py, &path, "no such file or directory".to_owned()));
        }
        let gold =
            py.detach(|| Gold::open(&path, split.as_deref(), None)).map_err(|e| errors::runner_error(py, &e, &[]))?;
        Ok(Corpus { gold })
    }

    fn __len__(&self) -> usize {
        self.gold.ids().len()
    }

    /// The document ids in scope, sorted.
    fn ids(&self) -> Vec<String> {
        self.gold.ids().to_vec()
    }

    /// The document at `index` (in the order of `ids`) as an interchange JSON line, checked.
    fn record(&self, py: Python<'_>, index: usize) -> PyResult<String> {
        if index >= self.gold.ids().len() {
            return Err(PyValueError::new_err(format!("no document {index}")));
        }
        let doc = py.detach(|| self.gold.load_at(index)).map_err(|problems| {
            let e = goldspan_model::Error::Invalid(problems);
            errors::model_error(py, &e, &[])
        })?;
        Ok(jsonl::to_line(&doc, true))
    }
}

fn format(name: &str) -> PyResult<Format> {
    Format::parse(name).ok_or_else(|| {
        let names: Vec<&str> = Format::ALL.iter().map(|f| f.name()).collect();
        PyValueError::new_err(format!("unknown format {name:?}; the formats are {}", names.join(", ")))
    })
}

fn scheme(name: &str) -> PyResult<Scheme> {
    Scheme::parse(name).ok_or_else(|| {
        PyValueError::new_err(format!("unknown scheme {name:?}: IOB1, IOB2, IOE1, IOE2, BIOES, BILOU or IO"))
    })
}

fn read_options(layer: Option<String>, scheme_name: &str) -> PyResult<ReadOptions> {
    let defaults = ReadOptions::default();
    Ok(ReadOptions { layer: layer.unwrap_or(defaults.layer.clone()), scheme: scheme(scheme_name)?, ..defaults })
}

/// Every document of `path` read as `format` (through the formats' registry), as interchange
/// JSON lines.
#[pyfunction]
#[pyo3(signature = (path, format, *, layer=None, scheme="IOB2"))]
pub fn read_documents(
    py: Python<'_>,
    path: PathBuf,
    format: &str,
    layer: Option<String>,
    scheme: &str,
) -> PyResult<Vec<String>> {
    let format = self::format(format)?;
    let options = read_options(layer, scheme)?;
    let collection = py.detach(|| format.read(&path, &options)).map_err(|e| errors::model_error(py, &e, &[]))?;
    Ok(collection.documents.iter().map(|d| jsonl::to_line(d, true)).collect())
}

/// `goldspan convert`: `src` read as `from` and written to `dst` as `to`; returns the notes on
/// what reading dropped or assumed and what the target cannot hold.
#[pyfunction]
#[pyo3(signature = (src, dst, *, from_, to, force=false, layer=None, scheme="IOB2", to_scheme=None))]
#[allow(clippy::too_many_arguments)]
pub fn convert(
    py: Python<'_>,
    src: PathBuf,
    dst: PathBuf,
    from_: &str,
    to: &str,
    force: bool,
    layer: Option<String>,
    scheme: &str,
    to_scheme: Option<&str>,
) -> PyResult<Vec<String>> {
    let (from, to) = (format(from_)?, format(to)?);
    let options = read_options(layer, scheme)?;
    let write = WriteOptions {
        layer: options.layer.clone(),
        scheme: match to_scheme {
            Some(name) => self::scheme(name)?,
            None => options.scheme,
        },
        into_existing_corpus: force,
    };
    check_output(to, &src, &dst, force).map_err(|e| PyValueError::new_err(errors::chain(&e)))?;
    let collection = py.detach(|| from.read(&src, &options)).map_err(|e| errors::model_error(py, &e, &[]))?;
    if collection.documents.is_empty() {
        return Err(errors::file_error(
            py,
            &src,
            format!("no documents read as {from}; check that it is the file you meant and that {from} is its format"),
        ));
    }
    let mut notes = py.detach(|| to.write(&dst, &collection, &write)).map_err(|e| errors::model_error(py, &e, &[]))?;
    notes.sort();
    let mut all: Vec<String> = collection.notes.iter().map(|n| format!("reading: {n}")).collect();
    all.extend(notes);
    Ok(all)
}
