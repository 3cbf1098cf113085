//! Scores prediction records already parsed in memory (the Python API's dicts), fed in
//! batches: each batch is matched with its gold and scored in one parallel pass, as a batch of
//! lines of a predictions file is, so the numbers and the problems are those of the same
//! records written to a file and scored with [`super::evaluate`].
//!
//! Batches keep memory bounded by the batch for a caller that reads records from a stream (a
//! Python generator), and let it do its own work (converting the next records) between them.

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::ops::Range;
use std::path::Path;

use goldspan_formats::jsonl::{self, Record};
use goldspan_model::{Location, Problem, ProblemKind, Problems};
use rayon::prelude::*;

use super::{finish, Config, Evaluation, Line};
use crate::error::Error;
use crate::gold::Gold;
use crate::results::errors::BUDGET;

/// An evaluation of prediction records against `gold`, fed a batch at a time with
/// [`RecordScorer::add`] and closed with [`RecordScorer::finish`]. A predictions file is
/// scored through it too, a batch of lines at a time.
#[derive(Debug)]
pub struct RecordScorer<'g> {
    gold: &'g Gold,
    config: Cow<'g, Config>,
    location: Location,
    /// The record that scored each gold document (by its place in the gold ids); 0 for none.
    seen: Vec<usize>,
    /// Gold documents scored so far.
    scored: usize,
    problems: Problems,
    outside: BTreeSet<String>,
    eval: Evaluation,
    /// The most bytes of classified errors held in memory.
    budget: usize,
}

impl<'g> RecordScorer<'g> {
    /// A scorer of records against `gold`; problems name `source` (a file, or a name such as
    /// `<predictions>`) and each record's number, [`Record::line`].
    pub fn new(gold: &'g Gold, source: &Path, config: &'g Config) -> RecordScorer<'g> {
        RecordScorer::within(gold, source, config, BUDGET)
    }

    /// [`RecordScorer::new`], holding at most `budget` bytes of classified errors in memory.
    pub(super) fn within(gold: &'g Gold, source: &Path, config: &'g Config, budget: usize) -> RecordScorer<'g> {
        RecordScorer {
            gold,
            config: config.attributed(gold.manifest()),
            location: Location::file(source),
            seen: vec![0; gold.ids().len()],
            scored: 0,
            problems: Problems::default(),
            outside: BTreeSet::new(),
            eval: Evaluation::default(),
            budget,
        }
    }

    /// Notes a record that could not be read (it is reported with the others by `finish`).
    pub fn unreadable(&mut self, problem: Problem) {
        self.problems.push_problem(problem);
    }

    /// Gold documents scored so far (each once, however often its id is repeated).
    pub fn scored(&self) -> usize {
        self.scored
    }

    /// Scores a batch of records, in parallel. Records must come in the order of their
    /// numbers: a repeated id is reported at its later record.
    pub fn add(&mut self, records: Vec<Record>) -> Result<(), Error> {
        self.add_read(records, Ok)
    }

    /// Scores a batch of lines of the predictions file, in parallel: each a line number and
    /// its place in `bytes`.
    pub(super) fn add_lines(&mut self, bytes: &[u8], lines: Vec<(usize, Range<usize>)>) -> Result<(), Error> {
        let location = self.location.clone();
        self.add_read(lines, |(number, range)| jsonl::parse_line(&bytes[range], number, &location))
    }

    /// Scores a batch of items, each read into a record by `read` on a worker thread.
    fn add_read<T: Send>(
        &mut self,
        items: Vec<T>,
        read: impl Fn(T) -> Result<Record, Problem> + Sync,
    ) -> Result<(), Error> {
        let (gold, config, location) = (self.gold, &*self.config, &self.location);
        let (partial, lines) = items
            .into_par_iter()
            .fold(
                || (Evaluation::default(), Vec::new()),
                |(mut eval, mut lines): (Evaluation, Vec<Line>), item| {
                    let mut record = match read(item) {
                        Ok(record) => record,
                        Err(p) => {
                            lines.push(Line::Unreadable(p));
                            return (eval, lines);
                        }
                    };
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
        self.eval.error_log.spill_if_full(self.budget).map_err(Error::ErrorListing)?;
        for line in lines {
            match line {
                Line::InScope(index, number, problems) => match self.seen[index] {
                    0 => {
                        self.seen[index] = number;
                        self.scored += 1;
                        self.problems.extend(problems);
                    }
                    first => {
                        let id = gold.ids()[index].to_owned();
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
        finish(self.eval, self.gold, &self.seen, self.outside.len(), self.problems, &self.config, self.budget)
    }
}
