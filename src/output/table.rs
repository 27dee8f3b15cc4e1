//! Tables in kubectl's borderless look (comfy-table).
//!
//! Widths are measured without ANSI escapes (comfy-table's `custom_styling`),
//! so a coloured cell lines up with the plain ones.

use comfy_table::{Cell, ColumnConstraint, ContentArrangement, Table};

use crate::error::Result;

/// A table with the given header, three spaces between columns.
pub(crate) fn table(header: &[&str]) -> Table {
    let mut t = Table::new();
    t.load_style(comfy_table::presets::NOTHING);
    t.set_content_arrangement(ContentArrangement::Disabled);
    t.set_header(header.iter().map(Cell::new).collect::<Vec<_>>());
    for c in t.column_iter_mut() {
        c.set_padding((0, 3));
    }
    t
}

/// On a terminal, fits the table to its width by wrapping column `wrapping`
/// (a free-text column); the others keep their content width. Elsewhere
/// (a pipe, a file) the table keeps its full width, so scripts see one
/// line per row.
pub(crate) fn wrap_to_terminal(t: &mut Table, wrapping: usize) {
    let Some(width) = terminal_width() else {
        return;
    };
    t.set_width(width);
    t.set_content_arrangement(ContentArrangement::Dynamic);
    for (i, c) in t.column_iter_mut().enumerate() {
        if i != wrapping {
            c.set_constraint(ColumnConstraint::ContentWidth);
        }
    }
}

/// The table's lines without trailing blanks.
pub(crate) fn table_lines(t: &Table) -> Vec<String> {
    t.to_string()
        .lines()
        .map(|l| l.trim_end().to_string())
        .collect()
}

pub(crate) fn print_table(t: &Table) -> Result<()> {
    super::print_lines(table_lines(t))
}

/// Splits text into lines of at most `width` columns at spaces; a word
/// longer than that gets a line of its own.
pub(crate) fn wrap_words(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let len = line.chars().count();
        if len > 0 && len + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// Columns of the terminal stdout writes to; `None` when it is not one.
pub(crate) fn terminal_width() -> Option<u16> {
    if !super::stdout_is_terminal() {
        return None;
    }
    if let Some((terminal_size::Width(w), _)) = terminal_size::terminal_size_of(std::io::stdout())
        && w > 0
    {
        return Some(w);
    }
    std::env::var("COLUMNS").ok()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::display_width;

    #[test]
    fn widths_skip_escapes_and_words_wrap_at_spaces() {
        assert_eq!(
            display_width("\u{1b}[1m\u{1b}[31merror\u{1b}[39m\u{1b}[0m"),
            5
        );
        assert_eq!(
            wrap_words("one two three four", 9),
            ["one two", "three", "four"]
        );
        assert_eq!(wrap_words("abcdefghijkl x", 5), ["abcdefghijkl", "x"]);
    }
}
