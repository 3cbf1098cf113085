//! Prediction records from Python objects, converted for the runner.
//!
//! Two ways, one meaning. The plain shape (a dict of `id`, `spans`, `relations`, `clusters`,
//! `goldspan`, with spans of `id`, `layer`, `label`, `start`, `end`, `text`, `score` holding
//! str, exact int, float or None) is written, with the GIL, as the JSON line it stands for,
//! and the lines are then parsed in parallel without the GIL by the predictions files' own
//! parser (`jsonl::parse_line`): converting Python objects is the one part that holds the
//! GIL, and this keeps it to reading the dicts. Anything else (another key, a value of
//! another type, a dict subclass, fragments, metadata) is read through serde straight from
//! the Python objects (`pythonize`), whose messages say what is wrong where. Both end in the
//! same record type, checked by the same code, so a record means the same either way.

use goldspan_formats::jsonl;
use goldspan_model::{Location, Problem, ProblemKind};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyFloat, PyInt, PyList, PyString};
use rayon::prelude::*;

/// The name problems give prediction records passed in memory.
pub const PREDICTION_RECORDS: &str = "<predictions>";

/// How records are converted: the plain shape through JSON lines parsed in parallel (the
/// default), or every record through serde (for comparing the two: BENCHMARKS.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Conversion {
    /// Plain records as lines, others through serde.
    Lines,
    /// Every record through serde.
    Serde,
}

/// One record of a batch, on its way to the runner.
#[derive(Debug)]
enum Item {
    /// Written as a line: `bytes[range]`, to parse.
    Line(std::ops::Range<usize>),
    /// Read through serde.
    Record(jsonl::Record),
    /// Not readable.
    Bad(Problem),
}

/// A batch of records being converted.
#[derive(Debug, Default)]
pub struct Batch {
    bytes: Vec<u8>,
    /// Each item with its record number (1-based).
    items: Vec<(usize, Item)>,
}

impl Batch {
    /// Records in the batch.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Converts record `number` (1-based), with the GIL.
    pub fn push(&mut self, item: &Bound<'_, PyAny>, number: usize, conversion: Conversion) {
        if conversion == Conversion::Lines {
            if let Ok(dict) = item.cast_exact::<PyDict>() {
                let start = self.bytes.len();
                if write_record(dict, &mut self.bytes).is_some() {
                    self.items.push((number, Item::Line(start..self.bytes.len())));
                    return;
                }
                self.bytes.truncate(start);
            }
        }
        let converted = match record(item, number) {
            Ok(record) => Item::Record(record),
            Err(problem) => Item::Bad(problem),
        };
        self.items.push((number, converted));
    }

    /// The records, lines parsed in parallel (call without the GIL), and the problems of
    /// those that could not be read.
    pub fn finish(self) -> (Vec<jsonl::Record>, Vec<Problem>) {
        let location = Location::file(PREDICTION_RECORDS);
        let bytes = &self.bytes;
        let parsed: Vec<Result<jsonl::Record, Problem>> = self
            .items
            .into_par_iter()
            .map(|(number, item)| match item {
                Item::Line(range) => jsonl::parse_line(&bytes[range], number, &location),
                Item::Record(record) => Ok(record),
                Item::Bad(problem) => Err(problem),
            })
            .collect();
        let mut records = Vec::with_capacity(parsed.len());
        let mut problems = Vec::new();
        for result in parsed {
            match result {
                Ok(record) => records.push(record),
                Err(problem) => problems.push(problem),
            }
        }
        (records, problems)
    }
}

/// One record read through serde straight from the Python object; a problem names the
/// record's place (1-based), its id when it has one, and the path of a bad field.
pub fn record(item: &Bound<'_, PyAny>, number: usize) -> Result<jsonl::Record, Problem> {
    let at = Location::file(PREDICTION_RECORDS).at_line(number);
    let Ok(dict) = item.cast::<PyDict>() else {
        let kind = item.get_type().name().map(|n| n.to_string()).unwrap_or_default();
        let message = format!("a record must be a dict, not {kind}");
        return Err(Problem::new(at, ProblemKind::Syntax { message }));
    };
    let mut reader = pythonize::Depythonizer::from_object(item);
    let mut track = serde_path_to_error::Track::new();
    let tracked = serde_path_to_error::Deserializer::new(&mut reader, &mut track);
    jsonl::Record::deserialize(tracked, number).map_err(|e| {
        let path = track.path().to_string();
        let e = if path == "." { e.to_string() } else { format!("{path}: {e}") };
        let id = dict.get_item("id").ok().flatten().and_then(|id| id.cast::<PyString>().ok().map(|s| s.to_string()));
        let at = match id {
            Some(id) => at.in_document(&id),
            None => at,
        };
        Problem::new(at, ProblemKind::Syntax { message: format!("invalid record: {e}") })
    })
}

/// Writes a record of the plain shape as its JSON line; `None` (with `out` partly written)
/// when it is not of that shape.
fn write_record(dict: &Bound<'_, PyDict>, out: &mut Vec<u8>) -> Option<()> {
    let py = dict.py();
    out.push(b'{');
    let mut first = true;
    let mut known = 0;
    for (key, writer) in [
        (pyo3::intern!(py, "goldspan"), Field::Int),
        (pyo3::intern!(py, "id"), Field::Str),
        (pyo3::intern!(py, "spans"), Field::Spans),
        (pyo3::intern!(py, "relations"), Field::Relations),
        (pyo3::intern!(py, "clusters"), Field::Clusters),
    ] {
        let Some(value) = dict.get_item(key).ok().flatten() else { continue };
        known += 1;
        separate(out, &mut first);
        write_key(out, key)?;
        writer.write(&value, out)?;
    }
    (known == dict.len()).then(|| out.push(b'}'))
}

fn separate(out: &mut Vec<u8>, first: &mut bool) {
    if !std::mem::take(first) {
        out.push(b',');
    }
}

fn write_key(out: &mut Vec<u8>, key: &Bound<'_, PyString>) -> Option<()> {
    write_str(key.as_any(), out)?;
    out.push(b':');
    Some(())
}

fn write_str(value: &Bound<'_, PyAny>, out: &mut Vec<u8>) -> Option<()> {
    let s = value.cast_exact::<PyString>().ok()?;
    let text = s.to_cow().ok()?;
    serde_json::to_writer(&mut *out, text.as_ref()).ok()
}

/// What a field of the plain shape holds.
#[derive(Clone, Copy)]
enum Field {
    Int,
    Str,
    Float,
    Spans,
    Relations,
    Clusters,
}

impl Field {
    fn write(self, value: &Bound<'_, PyAny>, out: &mut Vec<u8>) -> Option<()> {
        if value.is_none() {
            out.extend_from_slice(b"null");
            return Some(());
        }
        match self {
            Field::Int => {
                let int = value.cast_exact::<PyInt>().ok()?;
                let n: i64 = int.extract().ok()?;
                out.extend_from_slice(n.to_string().as_bytes());
            }
            Field::Str => write_str(value, out)?,
            Field::Float => {
                let number = if value.is_exact_instance_of::<PyInt>() {
                    value.extract::<i64>().ok()? as f64
                } else {
                    value.cast_exact::<PyFloat>().ok()?.value()
                };
                serde_json::to_writer(&mut *out, &number).ok()?;
            }
            Field::Spans => write_list(value, out, write_span)?,
            Field::Relations => write_list(value, out, write_relation)?,
            Field::Clusters => write_list(value, out, |member, out| write_list(member, out, write_str))?,
        }
        Some(())
    }
}

fn write_list(
    value: &Bound<'_, PyAny>,
    out: &mut Vec<u8>,
    item: impl Fn(&Bound<'_, PyAny>, &mut Vec<u8>) -> Option<()>,
) -> Option<()> {
    let list = value.cast_exact::<PyList>().ok()?;
    out.push(b'[');
    for (i, element) in list.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        item(&element, out)?;
    }
    out.push(b']');
    Some(())
}

fn write_object(value: &Bound<'_, PyAny>, out: &mut Vec<u8>, fields: &[(&Bound<'_, PyString>, Field)]) -> Option<()> {
    let dict = value.cast_exact::<PyDict>().ok()?;
    out.push(b'{');
    let mut first = true;
    let mut known = 0;
    for (key, field) in fields {
        let Some(value) = dict.get_item(key).ok().flatten() else { continue };
        known += 1;
        separate(out, &mut first);
        write_key(out, key)?;
        field.write(&value, out)?;
    }
    (known == dict.len()).then(|| out.push(b'}'))
}

fn write_span(value: &Bound<'_, PyAny>, out: &mut Vec<u8>) -> Option<()> {
    let py = value.py();
    write_object(
        value,
        out,
        &[
            (pyo3::intern!(py, "id"), Field::Str),
            (pyo3::intern!(py, "layer"), Field::Str),
            (pyo3::intern!(py, "label"), Field::Str),
            (pyo3::intern!(py, "start"), Field::Int),
            (pyo3::intern!(py, "end"), Field::Int),
            (pyo3::intern!(py, "text"), Field::Str),
            (pyo3::intern!(py, "score"), Field::Float),
        ],
    )
}

fn write_relation(value: &Bound<'_, PyAny>, out: &mut Vec<u8>) -> Option<()> {
    let py = value.py();
    write_object(
        value,
        out,
        &[
            (pyo3::intern!(py, "id"), Field::Str),
            (pyo3::intern!(py, "type"), Field::Str),
            (pyo3::intern!(py, "head"), Field::Str),
            (pyo3::intern!(py, "tail"), Field::Str),
        ],
    )
}
