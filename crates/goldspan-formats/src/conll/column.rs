//! Columns of a token line: which separator a file uses, and column numbers that count from
//! the start (1 is the first) or, negative, from the end (-1 is the last).

use std::fmt;

/// A column of a token line: `1` is the first, `-1` the last, `-2` the one before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Column(i32);

impl Column {
    /// The first column.
    pub const FIRST: Column = Column(1);
    /// The last column.
    pub const LAST: Column = Column(-1);

    /// Column `n`: positive counts from the start (1 is the first), negative from the end.
    /// `None` for 0.
    pub const fn new(n: i32) -> Option<Column> {
        if n == 0 {
            None
        } else {
            Some(Column(n))
        }
    }

    /// Parses `3` or `-1`.
    pub fn parse(s: &str) -> Result<Column, String> {
        let n: i32 =
            s.trim().parse().map_err(|_| format!("{s:?} is not a column number (1 is the first, -1 the last)"))?;
        Column::new(n)
            .ok_or_else(|| "columns are numbered from 1 (the first) or from -1 (the last); 0 is neither".into())
    }

    /// The number as given: positive from the start, negative from the end.
    pub fn number(self) -> i32 {
        self.0
    }

    /// The 0-based index of this column on a line of `len` columns, if the line has it.
    pub fn index(self, len: usize) -> Option<usize> {
        let n = usize::try_from(self.0.unsigned_abs()).ok()?;
        if self.0 > 0 {
            (n <= len).then(|| n - 1)
        } else {
            len.checked_sub(n)
        }
    }
}

impl fmt::Display for Column {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// How the columns of a line are separated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Separator {
    /// Runs of spaces and tabs (CoNLL-2003, conlleval).
    Whitespace,
    /// Single tabs only, so a column may hold spaces (GermEval, CoNLL-U).
    Tab,
}

impl Separator {
    /// Splits a line (already without its line break and trailing spaces) into columns.
    pub(crate) fn split(self, line: &str) -> Vec<&str> {
        match self {
            Separator::Whitespace => line.split_ascii_whitespace().collect(),
            Separator::Tab => line.split('\t').collect(),
        }
    }

    /// "whitespace" or "tabs", for messages.
    pub(crate) fn describe(self) -> &'static str {
        match self {
            Separator::Whitespace => "whitespace",
            Separator::Tab => "tabs",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_count_from_either_end() {
        let c = |s| Column::parse(s).expect("a column");
        assert_eq!(c("1").index(4), Some(0));
        assert_eq!(c("4").index(4), Some(3));
        assert_eq!(c("5").index(4), None);
        assert_eq!(c("-1").index(4), Some(3));
        assert_eq!(c("-2").index(3), Some(1));
        assert_eq!(c("-4").index(4), Some(0));
        assert_eq!(c("-5").index(4), None);
        assert_eq!(c(" -2 ").number(), -2);
        assert!(Column::parse("0").expect_err("zero").contains("0 is neither"));
        assert!(Column::parse("last").is_err());
    }

    #[test]
    fn tabs_keep_spaces_inside_columns() {
        assert_eq!(Separator::Tab.split("New York\tB-LOC"), ["New York", "B-LOC"]);
        assert_eq!(Separator::Whitespace.split("New  York \t B-LOC"), ["New", "York", "B-LOC"]);
        // A no-break space is not a separator: only ASCII spaces and tabs are.
        assert_eq!(Separator::Whitespace.split("10\u{a0}000 O"), ["10\u{a0}000", "O"]);
    }
}
