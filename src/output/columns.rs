//! The borderless table of [`super::table`], laid out row by row instead of
//! held whole: one pass measures every row, a second writes them. A report of
//! 100,000 rows then costs no memory beyond its own data (comfy-table keeps
//! every cell, then every padded line, then the text, then its lines).
//!
//! The bytes are comfy-table's for that style (no borders, 3 spaces of right
//! padding, content arrangement off) with each line's trailing spaces cut, as
//! [`super::print_table`] prints it: a column is as wide as its widest line
//! (at least 1), a cell's `\n` starts a new line of its row.

use std::io::{self, Write};

use unicode_width::UnicodeWidthStr;

/// Spaces after each column's content.
const PADDING: usize = 3;

#[derive(Debug, Clone)]
pub(crate) struct Columns {
    widths: Vec<usize>,
}

/// Columns a line takes on a terminal: ANSI escapes take none (comfy-table's
/// custom_styling agrees), and comfy-table keeps widths in a u16.
pub(crate) fn display_width(line: &str) -> usize {
    let w = if line.contains('\u{1b}') {
        strip_ansi(line).width()
    } else {
        line.width()
    };
    w.min(u16::MAX as usize)
}

/// The text of a line without its CSI escape sequences (ESC [ … letter).
fn strip_ansi(line: &str) -> String {
    let mut text = String::with_capacity(line.len());
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            text.push(c);
        }
    }
    text
}

impl Columns {
    /// Columns sized for `header` (which is measured like any row).
    pub fn new(header: &[&str]) -> Columns {
        let mut columns = Columns {
            widths: vec![1; header.len()],
        };
        columns.measure(header);
        columns
    }

    /// Widens the columns to fit `row`.
    pub fn measure<S: AsRef<str>>(&mut self, row: &[S]) {
        for (w, cell) in self.widths.iter_mut().zip(row) {
            for line in cell.as_ref().split('\n') {
                *w = (*w).max(display_width(line));
            }
        }
    }

    /// Columns the widest line takes (trailing padding cut).
    pub fn line_width(&self) -> usize {
        self.offset(self.widths.len()).saturating_sub(PADDING)
    }

    /// Where column `n` starts.
    pub fn offset(&self, n: usize) -> usize {
        self.widths.iter().take(n).map(|w| w + PADDING).sum()
    }

    /// Writes one row: as many lines as its tallest cell, trailing spaces cut.
    pub fn write_row<S: AsRef<str>>(&self, out: &mut dyn Write, row: &[S]) -> io::Result<()> {
        let mut cells: Vec<std::str::Split<'_, char>> =
            row.iter().map(|c| c.as_ref().split('\n')).collect();
        let mut line = String::new();
        loop {
            line.clear();
            let mut any = false;
            for (i, w) in self.widths.iter().enumerate() {
                let part = cells.get_mut(i).and_then(Iterator::next);
                any |= part.is_some();
                let part = part.unwrap_or("");
                line.push_str(part);
                let pad = w.saturating_sub(display_width(part)) + PADDING;
                line.extend(std::iter::repeat_n(' ', pad));
            }
            if !any {
                return Ok(());
            }
            out.write_all(line.trim_end().as_bytes())?;
            out.write_all(b"\n")?;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Lays `rows` out both ways: comfy-table and [`Columns`].
    fn both(header: &[&str], rows: &[Vec<&str>]) -> (String, String) {
        let mut t = super::super::table(header);
        for r in rows {
            t.add_row(r.clone());
        }
        let mut comfy = String::new();
        for l in t.to_string().lines() {
            comfy.push_str(l.trim_end());
            comfy.push('\n');
        }
        let mut columns = Columns::new(header);
        for r in rows {
            columns.measure(r);
        }
        let mut ours = Vec::new();
        columns.write_row(&mut ours, header).unwrap();
        for r in rows {
            columns.write_row(&mut ours, r).unwrap();
        }
        (comfy, String::from_utf8(ours).unwrap())
    }

    #[test]
    fn lays_out_rows_as_comfy_table_does() {
        let cases: Vec<(Vec<&str>, Vec<Vec<&str>>)> = vec![
            (
                vec!["NAMESPACE", "OBJECT", "MESSAGE"],
                vec![
                    vec!["shop", "Deployment/web", "no probe"],
                    vec!["", "", "a much longer message than the header"],
                    vec!["kube-system", "Pod/x", ""],
                ],
            ),
            // Empty cells and columns, wide and combining characters, ANSI colour.
            (
                vec!["A", "", "C"],
                vec![
                    vec!["", "", "名前は長い"],
                    vec!["e\u{301}te\u{301}", "", "x"],
                    vec!["\u{1b}[31;1merror\u{1b}[0m", "", "tab\there"],
                ],
            ),
            // Cells of several lines, trailing spaces in content.
            (
                vec!["NAME", "NOTE"],
                vec![
                    vec!["two\nlines", "one"],
                    vec!["one", "three\nli  \nnes"],
                    vec!["trailing   ", "  lead"],
                ],
            ),
        ];
        for (header, rows) in cases {
            let (comfy, ours) = both(&header, &rows);
            assert_eq!(ours, comfy, "header {header:?}");
        }
    }
}
