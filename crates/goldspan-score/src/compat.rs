//! `--compat` presets: every option on which goldspan and a reference tool disagree, set the
//! tool's way in one word, so that "the same numbers as seqeval" holds for a whole
//! configuration. docs/parity.md has the table; `tests/tests/replay.rs` replays each tool's own
//! test suite under its preset.

use std::fmt;

use crate::align::Matching;
use crate::average::{Ratios, ZeroDivision};
use crate::mode::Mode;

/// A reference tool whose rules goldspan can follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Compat {
    /// seqeval 1.2.2: macro averages over no label are NaN (numpy's mean of nothing); decoding
    /// is lenient unless `--decode strict` (its `mode="strict"`).
    Seqeval,
    /// `conlleval.pl`: goldspan's defaults already are its rules.
    Conlleval,
    /// nervaluate 1.2.1: predictions pair in list order, an overlap must cover 1% of the gold
    /// span, and strict and exact precision and recall give a PAR no credit.
    Nervaluate,
    /// spaCy 3.8 `Scorer.score_spans`: overlapping predictions are dropped in list order
    /// (`allow_overlap=False`, its default) before scoring.
    Spacy,
}

impl Compat {
    /// Every preset, in the order help texts list them.
    pub const ALL: [Compat; 4] = [Compat::Seqeval, Compat::Conlleval, Compat::Nervaluate, Compat::Spacy];

    /// Parses a preset's name.
    pub fn parse(name: &str) -> Option<Compat> {
        Compat::ALL.into_iter().find(|c| c.as_str() == name.to_ascii_lowercase())
    }

    /// The name on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Compat::Seqeval => "seqeval",
            Compat::Conlleval => "conlleval",
            Compat::Nervaluate => "nervaluate",
            Compat::Spacy => "spacy",
        }
    }

    /// How the SemEval modes pair spans under this tool.
    pub fn matching(self) -> Matching {
        match self {
            Compat::Nervaluate => Matching::NERVALUATE,
            Compat::Spacy => Matching::SPACY,
            Compat::Seqeval | Compat::Conlleval => Matching::default(),
        }
    }

    /// How the ratios of `mode` are computed under this tool.
    pub fn ratios(self, mode: Mode) -> Ratios {
        let partial_credit = match (self, mode) {
            (Compat::Nervaluate, Mode::Strict | Mode::Exact) => 0.0,
            _ => 0.5,
        };
        Ratios { beta: 1.0, zero_division: ZeroDivision::Zero, partial_credit }
    }

    /// Whether a macro average over no label is NaN (seqeval) rather than 0.
    pub fn macro_of_nothing_is_nan(self) -> bool {
        self == Compat::Seqeval
    }
}

impl fmt::Display for Compat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
