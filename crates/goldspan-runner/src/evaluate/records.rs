//! Scores prediction records already parsed in memory (the Python API's dicts), fed in
//! batches: each batch is matched with its gold and scored in one parallel pass, as a batch of
//! lines of a predictions file is, so the numbers and the problems are those of the same
//! records written to a file and scored with [`super::evaluate`].
//!
//! Batches keep memory bounded by the batch for a caller that reads records from a stream (a
//! Python generator), and let it do its own work (converting the next records) between them.

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::path::Path;

use goldspan_formats::jsonl::Record;
use goldspan_model::{Location, Problem, ProblemKind, Problems};
use rayon::prelude::*;

use super::{finish, Config, Evaluation, Line};
use crate::error::Error;
use crate::gold::Gold;
use crate::results::errors::BUDGET;

/// An evaluation of prediction records against `gold`, fed a batch at a time with
/// [`RecordScorer::add`] and closed with [`RecordScorer::finish`].
#[derive(Debug)]
pub struct RecordScorer<'g> {
    gold: &'g Gold,
    config: Cow<'g, Config>,
    location: Location,
    /// The record that scored each gold document (by its place in the gold ids); 0 for none.
    seen: Vec<usize>,
    problems: Problems,
    outside: BTreeSet<String>,
    eval: Evaluation,
}

impl<'g> RecordScorer<'g> {
    /// A scorer of records against `gold`; problems name `source` (a file, or a name such as
    /// `<predictions>`) and each record's number, [`Record::line`].
    pub fn new(gold: &'g Gold, source: &Path, config: &'g Config) -> RecordScorer<'g> {
        RecordScorer {
            gold,
            config: config.attributed(gold.manifest()),
            location: Location::file(source),
            seen: vec![0; gold.ids().len()],
            problems: Problems::default(),
            outside: BTreeSet::new(),
            eval: Evaluation::default(),
        }
    }

    /// Notes a record that could not be read (it is reported with the others by `finish`).
    pub fn unreadable(&mut self, problem: Problem) {
        self.problems.push_problem(problem);
    }

    /// Scores a batch of records, in parallel. Records must come in the order of their
    /// numbers: a repeated id is reported at its later record.
    pub fn add(&mut self, records: Vec<Record>) -> Result<(), Error> {
        let (gold, config, location) = (self.gold, &*self.config, &self.location);
        let (partial, lines) = records
            .into_par_iter()
            .fold(
                || (Evaluation::default(), Vec::new()),
                |(mut eval, mut lines): (Evaluation, Vec<Line>), mut record| {
                    let number = record.line();
                    let Some(index) = gold.position(record.id()) else {
                        let id = record.id().to_owned();
                        lines.push(if gold.knows(&id) { Line::OutsideSplit(id) } else { Line::Unknown(id, number) });
                        return (eval, lines);
                    };
                    if !config.label_map.is_empty() {
                        record.relabel(&|label| config.label_map.apply(label));
                    }
                    let scored = gold.load_at(index).and_then(|g| {
                        let p = record.resolve_predictions(&g.document, gold.manifest(), location)?;
                        Ok((g, p))
                    });
                    let problems = match scored {
                        Ok((g, p)) => {
                            eval.absorb(&g, &p, config);
                            Vec::new()
                        }
                        Err(p) => p,
                    };
                    lines.push(Line::InScope(index, number, problems));
                    (eval, lines)
                },
            )
            .reduce(
                || (Evaluation::default(), Vec::new()),
                |(a, mut la), (b, lb)| {
                    la.extend(lb);
                    (a.merge(b), la)
                },
            );
        self.eval = std::mem::take(&mut self.eval).merge(partial);
        self.eval.error_log.spill_if_full(BUDGET).map_err(Error::ErrorListing)?;
        for line in lines {
            match line {
                Line::InScope(index, number, problems) => match self.seen[index] {
                    0 => {
                        self.seen[index] = number;
                        self.problems.extend(problems);
                    }
                    first => {
                        let id = gold.ids()[index].clone();
                        self.problems.push_problem(Problem::new(
                            location.at_line(number).in_document(&id),
                            ProblemKind::DuplicateId { id, first_line: Some(first) },
                        ));
                    }
                },
                Line::OutsideSplit(id) => {
                    self.outside.insert(id);
                }
                Line::Unknown(id, number) => {
                    let message = "the gold has no document with this id".to_owned();
                    self.problems.push(location.at_line(number).in_document(&id), ProblemKind::Syntax { message });
                }
                Line::Unreadable(p) => self.problems.push_problem(p),
            }
        }
        Ok(())
    }

    /// Scores the gold documents no record named as empty predictions and returns the
    /// evaluation; any problem in any batch fails it, every problem listed.
    pub fn finish(self) -> Result<Evaluation, Error> {
        finish(self.eval, self.gold, &self.seen, self.outside.len(), self.problems, &self.config, BUDGET)
    }
}
