//! kubectl's completion protocol as cobra speaks it: the reply (candidates
//! and a directive), the lines it prints as, and the shell scripts.

use clap::{Command, ValueEnum};

use crate::error::{Result, exit};

/// cobra's ShellCompDirectiveDefault: let the shell complete files.
pub(crate) const DEFAULT: u8 = 0;
/// cobra's ShellCompDirectiveNoSpace: the value goes on (`deploy/…`).
pub(crate) const NO_SPACE: u8 = 2;
/// cobra's ShellCompDirectiveNoFileComp.
pub(crate) const NO_FILE_COMP: u8 = 4;

/// The shells a plugin prints a completion script for (`--completion SHELL`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
}

/// Candidates (value, description) and cobra's directive for them.
#[derive(Debug, Default)]
pub struct Reply {
    pub(crate) candidates: Vec<(String, String)>,
    pub(crate) directive: u8,
}

impl Reply {
    /// Values with their descriptions; the shell adds no file names.
    pub(crate) fn values(candidates: impl IntoIterator<Item = (String, String)>) -> Reply {
        Reply {
            candidates: candidates.into_iter().collect(),
            directive: NO_FILE_COMP,
        }
    }

    /// Values without descriptions.
    pub(crate) fn names(names: impl IntoIterator<Item = String>) -> Reply {
        Reply::values(names.into_iter().map(|n| (n, String::new())))
    }

    /// Let the shell complete file names.
    pub(crate) fn files() -> Reply {
        Reply {
            candidates: Vec::new(),
            directive: DEFAULT,
        }
    }
}

/// The completion script for `shell`, as clap_complete renders it.
pub fn print_script(shell: Shell, cmd: &mut Command, bin: &str) -> Result<u8> {
    let shell = match shell {
        Shell::Bash => clap_complete::Shell::Bash,
        Shell::Zsh => clap_complete::Shell::Zsh,
        Shell::Fish => clap_complete::Shell::Fish,
    };
    // Rendered first: clap_complete panics when its writer fails (a closed pipe).
    let mut script = Vec::new();
    clap_complete::generate(shell, cmd, bin, &mut script);
    crate::output::write_stdout(|out| out.write_all(&script))?;
    Ok(exit::OK)
}

/// The lines of a reply: the candidates that extend `partial` (each behind
/// `prefix`, `value<TAB>description`), then `:<directive>`.
pub(super) fn finish(reply: Reply, prefix: &str, partial: &str) -> Vec<String> {
    let offered: Vec<(String, String)> = reply
        .candidates
        .into_iter()
        .map(|(v, d)| (format!("{prefix}{v}"), d))
        .filter(|(v, _)| v.starts_with(partial))
        .collect();
    let mut directive = reply.directive;
    // No space after `deploy/`, but after a subcommand offered next to it.
    if offered.iter().any(|(v, _)| !v.ends_with('/')) {
        directive &= !NO_SPACE;
    }
    let mut lines: Vec<String> = offered
        .into_iter()
        .map(|(v, d)| if d.is_empty() { v } else { format!("{v}\t{d}") })
        .collect();
    lines.push(format!(":{directive}"));
    lines
}

/// The first line of a help text, fit for one completion description.
pub(super) fn one_line(text: Option<&clap::builder::StyledStr>) -> String {
    text.map(|t| t.to_string())
        .unwrap_or_default()
        .lines()
        .next()
        .unwrap_or_default()
        .replace('\t', " ")
}
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_space_only_when_every_candidate_goes_on() {
        let reply = || Reply {
            candidates: vec![
                ("deploy/".into(), String::new()),
                ("doctor".into(), String::new()),
            ],
            directive: NO_FILE_COMP | NO_SPACE,
        };
        assert_eq!(finish(reply(), "", "dep"), ["deploy/", ":6"]);
        assert_eq!(finish(reply(), "", "doc"), ["doctor", ":4"]);
    }
}
