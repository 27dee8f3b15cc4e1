//! Man pages: `kubectl-<plugin> __man` renders one roff page per plugin,
//! with its subcommands documented in place.

use std::io::Write;

use clap::Command;

use crate::error::{Error, Result, exit};

/// `kubectl-<plugin> __man`: one roff page for the plugin and its subcommands.
pub(super) fn print_man(cmd: Command, bin: &str) -> Result<u8> {
    let page = man_page(cmd, bin)
        .map_err(|e| Error::Failed(format!("cannot render the man page: {e}")))?;
    crate::output::write_stdout(|out| out.write_all(&page))?;
    Ok(exit::OK)
}

fn man_page(mut cmd: Command, bin: &str) -> std::io::Result<Vec<u8>> {
    let version = cmd.get_version().unwrap_or_default().to_string();
    cmd.build();
    let man = |c: Command| {
        clap_mangen::Man::new(c)
            .title(bin.to_uppercase())
            .section("1")
            .source(format!("honban {version}"))
            .manual("honban")
    };
    let root = man(cmd.clone());
    let mut page = Vec::new();
    root.render_title(&mut page)?;
    root.render_name_section(&mut page)?;
    write_synopsis(&mut page, &mut cmd)?;
    root.render_description_section(&mut page)?;
    root.render_options_section(&mut page)?;
    // clap_mangen's own subcommand list points at one page per subcommand;
    // this page documents them in place instead.
    let root_name = cmd.get_name().to_string();
    let mut stack: Vec<(String, &Command)> = cmd
        .get_subcommands()
        .map(|s| (format!("{root_name} {}", s.get_name()), s))
        .collect();
    stack.reverse();
    while let Some((name, sub)) = stack.pop() {
        if sub.is_hide_set() || sub.get_name() == "help" {
            continue;
        }
        writeln!(page, ".SH \"COMMAND: {}\"", roff_escape(&name))?;
        let sub_man = man(sub.clone().bin_name(&name));
        let mut text = Vec::new();
        sub_man.render_description_section(&mut text)?;
        sub_man.render_synopsis_section(&mut text)?;
        if sub.get_arguments().any(|a| !a.is_hide_set()) {
            sub_man.render_options_section(&mut text)?;
        }
        let text = String::from_utf8_lossy(&text)
            .replace(".SH DESCRIPTION\n", "")
            .replace(".SH SYNOPSIS\n", ".PP\n")
            .replace(".SH OPTIONS\n", ".SS Options\n");
        page.extend_from_slice(text.as_bytes());
        let mut children: Vec<(String, &Command)> = sub
            .get_subcommands()
            .map(|s| (format!("{name} {}", s.get_name()), s))
            .collect();
        children.reverse();
        stack.extend(children);
    }
    if cmd.get_after_long_help().is_some() || cmd.get_after_help().is_some() {
        root.render_extra_section(&mut page)?;
    }
    root.render_version_section(&mut page)?;
    // Every render_* call repeats roff's quote-string preamble; once is enough.
    const PREAMBLE: &str = ".ie \\n(.g .ds Aq \\(aq\n.el .ds Aq '\n";
    let page = String::from_utf8_lossy(&page).replace(PREAMBLE, "");
    Ok(format!("{PREAMBLE}{page}").into_bytes())
}

/// The synopsis is `--help`'s usage, form for form, so the two never
/// disagree (clap_mangen's own lists every flag and puts a subcommand after
/// a positional that excludes it).
fn write_synopsis(page: &mut Vec<u8>, cmd: &mut Command) -> std::io::Result<()> {
    let name = cmd.get_bin_name().unwrap_or(cmd.get_name()).to_string();
    let usage = cmd.render_usage().to_string();
    writeln!(page, ".SH SYNOPSIS")?;
    let forms = usage
        .lines()
        .map(|l| l.trim().trim_start_matches("Usage:").trim());
    for (i, form) in forms.enumerate() {
        if i > 0 {
            writeln!(page, ".br")?;
        }
        let rest = form.strip_prefix(name.as_str()).unwrap_or(form);
        writeln!(page, "\\fB{}\\fR{}", roff_escape(&name), roff_escape(rest))?;
    }
    Ok(())
}

fn roff_escape(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('-', "\\-")
        .replace('"', "\\(dq")
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::{Arg, ArgAction};

    fn toy() -> Command {
        Command::new("toy")
            .arg(Arg::new("target"))
            .arg(
                Arg::new("all")
                    .short('A')
                    .long("all")
                    .action(ArgAction::SetTrue),
            )
            .arg(Arg::new("secret").long("secret").hide(true))
            .subcommand(Command::new("show").about("Show it").arg(Arg::new("name")))
    }

    #[test]
    fn man_page_documents_subcommands_in_place() {
        let page = String::from_utf8(man_page(toy().version("1.2.3"), "toy").unwrap()).unwrap();
        assert!(page.starts_with(".ie \\n(.g .ds Aq"), "{page}");
        assert_eq!(page.matches(".ds Aq \\(aq").count(), 1, "{page}");
        assert!(
            page.contains(".TH TOY 1  \"honban 1.2.3\" honban"),
            "{page}"
        );
        assert!(page.contains(".SH \"COMMAND: toy show\""), "{page}");
        assert!(!page.contains("toy-show(1)"), "{page}");
        assert!(!page.contains("secret"), "hidden flags stay out: {page}");
    }
}
