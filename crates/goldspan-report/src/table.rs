//! Plain-text and Markdown tables: the one table renderer behind every printer.
//!
//! Cells are padded by hand to their display width (CJK and emoji take two columns), never
//! through `format!`'s width, which panics on widths of 65,536 and more. A line break in a
//! cell is shown as `⏎`, so a row is always one line; in Markdown `|` is escaped.

use unicode_width::UnicodeWidthStr;

/// A table: a header row and data rows; numeric-looking cells align right.
#[derive(Debug, Default)]
pub struct Table {
    header: Vec<String>,
    rows: Vec<Row>,
}

#[derive(Debug)]
enum Row {
    Cells(Vec<String>),
    /// A separator line (a rule under the header, repeated), e.g. before averages.
    Rule,
}

/// The columns a string takes in a terminal.
pub(crate) fn display_width(s: &str) -> usize {
    s.width()
}

/// `cell` with its line breaks shown as `⏎` and tabs as spaces, so it stays on one line.
pub(crate) fn one_line(cell: &str) -> std::borrow::Cow<'_, str> {
    if cell.contains(['\n', '\r', '\t', '\u{2028}', '\u{2029}', '\u{85}']) {
        cell.replace("\r\n", "⏎").replace(['\n', '\r', '\u{2028}', '\u{2029}', '\u{85}'], "⏎").replace('\t', " ").into()
    } else {
        cell.into()
    }
}

/// Whether a cell reads as a number (and so aligns right).
fn numeric(cell: &str) -> bool {
    !cell.is_empty() && cell.chars().all(|c| c.is_ascii_digit() || ".-+%".contains(c))
}

/// Writes `cell` into `out`, padded with spaces to `width` display columns (to the left when
/// `right`).
pub(crate) fn pad(out: &mut String, cell: &str, width: usize, right: bool) {
    let fill = width.saturating_sub(display_width(cell));
    if right {
        out.extend(std::iter::repeat_n(' ', fill));
        out.push_str(cell);
    } else {
        out.push_str(cell);
        out.extend(std::iter::repeat_n(' ', fill));
    }
}

/// One line of a table: the cells padded to `widths`, two spaces apart, without trailing
/// spaces.
pub(crate) fn line(cells: &[String], widths: &[usize]) -> String {
    let mut out = String::new();
    for (i, w) in widths.iter().enumerate() {
        if i > 0 {
            out.push_str("  ");
        }
        let cell = cells.get(i).map(String::as_str).unwrap_or("");
        pad(&mut out, cell, *w, numeric(cell));
    }
    let end = out.trim_end().len();
    out.truncate(end);
    out.push('\n');
    out
}

/// The rule under a header of these widths.
pub(crate) fn rule(widths: &[usize]) -> String {
    line(&widths.iter().map(|w| "-".repeat(*w)).collect::<Vec<_>>(), widths)
}

/// A Markdown table cell: on one line, `|` escaped.
pub(crate) fn markdown_cell(cell: &str) -> String {
    one_line(cell).replace('|', "\\|")
}

impl Table {
    /// A table with these column titles.
    pub fn new(header: &[&str]) -> Table {
        Table { header: header.iter().map(|s| s.to_string()).collect(), rows: Vec::new() }
    }

    /// Adds a row.
    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(Row::Cells(cells.iter().map(|c| one_line(c).into_owned()).collect()));
    }

    /// Adds a separator line (in a terminal; Markdown tables have none).
    pub fn rule(&mut self) {
        self.rows.push(Row::Rule);
    }

    /// Rows so far.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether the table has no rows.
    pub fn is_empty(&self) -> bool {
        !self.rows.iter().any(|r| matches!(r, Row::Cells(_)))
    }

    fn cells(&self) -> impl Iterator<Item = &Vec<String>> {
        std::iter::once(&self.header).chain(self.rows.iter().filter_map(|r| match r {
            Row::Cells(c) => Some(c),
            Row::Rule => None,
        }))
    }

    /// Renders for a terminal.
    pub fn render(&self) -> String {
        let widths: Vec<usize> = (0..self.header.len())
            .map(|i| self.cells().map(|r| r.get(i).map_or(0, |c| display_width(c))).max().unwrap_or(0))
            .collect();
        let mut out = line(&self.header, &widths);
        out.push_str(&rule(&widths));
        for row in &self.rows {
            match row {
                Row::Cells(cells) => out.push_str(&line(cells, &widths)),
                Row::Rule => out.push_str(&rule(&widths)),
            }
        }
        out
    }

    /// Renders as a GitHub Markdown table.
    pub fn markdown(&self) -> String {
        let row = |cells: &[String]| {
            let cells: Vec<String> = cells.iter().map(|c| markdown_cell(c)).collect();
            format!("| {} |\n", cells.join(" | "))
        };
        let mut out = row(&self.header);
        out.push_str(&format!("|{}\n", "---|".repeat(self.header.len())));
        for cells in self.cells().skip(1) {
            out.push_str(&row(cells));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cell_of_70000_characters_prints() {
        // `format!("{cell:<w$}")` panics for widths of 65,536 and more.
        let long = "x".repeat(70_000);
        let mut t = Table::new(&["slice", "n"]);
        t.row(vec![long.clone(), "1".into()]);
        t.row(vec!["short".into(), "22".into()]);
        let out = t.render();
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 4);
        assert_eq!(lines[2], format!("{long}   1"));
        assert_eq!(lines[3], format!("short{}  22", " ".repeat(70_000 - 5)));
        assert!(t.markdown().contains(&long));
    }

    #[test]
    fn wide_characters_take_two_columns_and_line_breaks_show_as_a_sign() {
        let mut t = Table::new(&["text", "n"]);
        t.row(vec!["李雷 😀".into(), "1".into()]);
        t.row(vec!["a\r\nb\nc".into(), "10".into()]);
        // 李雷 😀 is 2 + 2 + 1 + 2 = 7 columns wide.
        assert_eq!(t.render(), "text     n\n-------  --\n李雷 😀   1\na⏎b⏎c    10\n");
        t.row(vec!["x|y".into(), "3".into()]);
        assert!(t.markdown().ends_with("| x\\|y | 3 |\n"), "{}", t.markdown());
    }

    #[test]
    fn a_rule_separates_rows_in_a_terminal_only() {
        let mut t = Table::new(&["a"]);
        t.row(vec!["1".into()]);
        t.rule();
        t.row(vec!["2".into()]);
        assert_eq!(t.render(), "a\n-\n1\n-\n2\n");
        assert_eq!(t.markdown(), "| a |\n|---|\n| 1 |\n| 2 |\n");
    }
}
