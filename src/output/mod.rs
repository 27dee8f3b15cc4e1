//! Output helpers shared by every plugin: formats (`-o`), colour, tables.
//!
//! Data goes to stdout, messages to stderr. Colour follows `--color`, then
//! `NO_COLOR`, then whether the stream is a terminal.

use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicBool, Ordering};

use clap::ValueEnum;
use owo_colors::OwoColorize;
use serde::Serialize;

use crate::error::{Error, Result};

mod natural;
pub(crate) use natural::natural_cmp;
mod table;
pub(crate) use table::{print_table, table};
pub(crate) use table::{table_lines, terminal_width, wrap_to_terminal, wrap_words};
mod columns;
pub(crate) use columns::Columns;
#[cfg(test)]
use columns::display_width;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Table,
    Json,
    Yaml,
    Name,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum ColorChoice {
    #[default]
    Auto,
    Always,
    Never,
}

/// Decides colour for one stream.
pub(crate) fn use_color(choice: ColorChoice, is_terminal: bool) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
            let dumb = std::env::var("TERM").is_ok_and(|t| t == "dumb");
            is_terminal && !no_color && !dumb
        }
    }
}

pub(crate) fn stdout_is_terminal() -> bool {
    std::io::stdout().is_terminal()
}

/// Styling that is a no-op when colour is off.
#[derive(Debug, Clone, Copy)]
pub struct Palette {
    pub(crate) enabled: bool,
}

impl Palette {
    pub(crate) fn for_stdout(choice: ColorChoice) -> Palette {
        Palette {
            enabled: use_color(choice, stdout_is_terminal()),
        }
    }

    pub(crate) fn for_stderr(choice: ColorChoice) -> Palette {
        Palette {
            enabled: use_color(choice, std::io::stderr().is_terminal()),
        }
    }

    pub(crate) fn current(&self, s: &str) -> String {
        if self.enabled {
            s.green().bold().to_string()
        } else {
            s.to_string()
        }
    }

    pub(crate) fn error(&self, s: &str) -> String {
        if self.enabled {
            s.red().bold().to_string()
        } else {
            s.to_string()
        }
    }

    pub(crate) fn warning(&self, s: &str) -> String {
        if self.enabled {
            s.yellow().to_string()
        } else {
            s.to_string()
        }
    }

    pub(crate) fn dim(&self, s: &str) -> String {
        if self.enabled {
            s.dimmed().to_string()
        } else {
            s.to_string()
        }
    }
}

/// Set once the reader of stdout has gone (`| head`): later output is dropped.
static STDOUT_CLOSED: AtomicBool = AtomicBool::new(false);

/// Every write to stdout goes through here. A closed pipe is not an error:
/// the reader has what it wanted, and the exit code must still report the
/// result (audit's 3 and 4 in a `pipefail` script). Any other write error
/// names stdout, so a full disk is not mistaken for a kubeconfig problem.
pub(crate) fn write_stdout(
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<()> {
    if STDOUT_CLOSED.load(Ordering::Relaxed) {
        return Ok(());
    }
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    match write(&mut out).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {
            STDOUT_CLOSED.store(true, Ordering::Relaxed);
            // Dropping the BufWriter would try to flush again.
            let _ = out.into_parts();
            Ok(())
        }
        Err(e) => {
            let _ = out.into_parts();
            Err(Error::Output(e))
        }
    }
}

/// Writes lines to stdout.
pub(crate) fn print_lines<I, S>(lines: I) -> Result<()>
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    write_stdout(|out| {
        for line in lines {
            out.write_all(line.as_ref().as_bytes())?;
            out.write_all(b"\n")?;
        }
        Ok(())
    })
}

/// Writes text to stdout as it is.
pub(crate) fn print_text(text: &str) -> Result<()> {
    write_stdout(|out| out.write_all(text.as_bytes()))
}

/// Pretty JSON and a newline, serialized straight to stdout.
pub(crate) fn print_json<T: Serialize + ?Sized>(value: &T) -> Result<()> {
    write_stdout(|out| {
        serde_json::to_writer_pretty(&mut *out, value).map_err(std::io::Error::from)?;
        out.write_all(b"\n")
    })
}

pub(crate) fn print_yaml<T: Serialize>(value: &T) -> Result<()> {
    let mut failed = None;
    write_stdout(|out| {
        serde_saphyr::to_io_writer(&mut &mut *out, value).or_else(|e| match e {
            serde_saphyr::SerializeError::IO { error } => Err(error),
            other => {
                failed = Some(other.to_string());
                Ok(())
            }
        })
    })?;
    match failed {
        Some(message) => Err(Error::Failed(message)),
        None => Ok(()),
    }
}

pub(crate) fn to_yaml<T: Serialize>(value: &T) -> Result<String> {
    serde_saphyr::to_string(value).map_err(|e| Error::Failed(e.to_string()))
}

/// Messages for the user go to stderr.
pub(crate) fn note(message: impl AsRef<str>) {
    eprintln!("{}", message.as_ref());
}

pub(crate) fn warn(palette: Palette, message: impl AsRef<str>) {
    eprintln!("{} {}", palette.warning("warning:"), message.as_ref());
}
