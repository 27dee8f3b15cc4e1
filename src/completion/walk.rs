//! The engine: walks the typed words through a plugin's clap definition
//! (subcommands, flags, which flags take values, global flags) to the
//! argument under the cursor, and answers with its values.

use std::path::PathBuf;

use clap::{Arg, ArgAction, Command};

use super::protocol::{finish, one_line};
use super::{Provider, Reply, Request};
use crate::cli::ConnectionArgs;

/// Where the typed words leave the cursor.
struct Walk<'a> {
    path: Vec<&'a Command>,
    /// The option whose value is being typed (`--profile <TAB>`).
    pending: Option<&'a Arg>,
    /// Positional words at the current subcommand level.
    positionals: usize,
    after_double_dash: bool,
    /// Options already given, so single-use ones are not offered again.
    seen: Vec<&'a str>,
    kubeconfig: Option<PathBuf>,
    context: Option<String>,
    namespace: Option<String>,
    connection: ConnectionArgs,
    /// Every option value typed, by long name, in order.
    options: Vec<(String, String)>,
}

impl<'a> Walk<'a> {
    fn cmd(&self) -> &'a Command {
        self.path.last().expect("the root is always on the path")
    }

    fn long(&self, name: &str) -> Option<&'a Arg> {
        self.cmd().get_arguments().find(|a| {
            a.get_long() == Some(name) || a.get_all_aliases().is_some_and(|al| al.contains(&name))
        })
    }

    fn short(&self, c: char) -> Option<&'a Arg> {
        self.cmd()
            .get_arguments()
            .find(|a| a.get_short() == Some(c))
    }

    fn record(&mut self, arg: &'a Arg, value: Option<&str>) {
        self.seen.push(arg.get_id().as_str());
        let long = arg.get_long().unwrap_or_default();
        if value.is_some() || !takes_next_word(arg) {
            super::connection::record(&mut self.connection, long, value);
        }
        let Some(value) = value else { return };
        self.options.push((long.to_string(), value.to_string()));
        match long {
            "kubeconfig" => self.kubeconfig = Some(value.into()),
            "context" => self.context = Some(value.into()),
            "namespace" => self.namespace = Some(value.into()),
            _ => {}
        }
    }

    fn new(root: &'a Command, done: &[String]) -> Walk<'a> {
        let mut w = Walk {
            path: vec![root],
            pending: None,
            positionals: 0,
            after_double_dash: false,
            seen: Vec::new(),
            kubeconfig: None,
            context: None,
            namespace: None,
            connection: ConnectionArgs::default(),
            options: Vec::new(),
        };
        for word in done {
            if let Some(arg) = w.pending.take() {
                w.record(arg, Some(word));
            } else if w.after_double_dash || word == "-" || !word.starts_with('-') {
                let sub = (w.positionals == 0 && !w.after_double_dash)
                    .then(|| w.cmd().find_subcommand(word))
                    .flatten();
                match sub {
                    Some(sub) => {
                        w.path.push(sub);
                        w.positionals = 0;
                    }
                    None => w.positionals += 1,
                }
            } else if word == "--" {
                w.after_double_dash = true;
            } else if let Some(flag) = word.strip_prefix("--") {
                let (name, value) = match flag.split_once('=') {
                    Some((n, v)) => (n, Some(v)),
                    None => (flag, None),
                };
                if let Some(arg) = w.long(name) {
                    if value.is_none() && takes_next_word(arg) {
                        w.pending = Some(arg);
                    }
                    w.record(arg, value);
                }
            } else {
                // A cluster of short flags; the first that takes a value ends it.
                let shorts = &word[1..];
                for (i, c) in shorts.char_indices() {
                    let Some(arg) = w.short(c) else { break };
                    if takes_value(arg) {
                        let rest = &shorts[i + c.len_utf8()..];
                        let rest = rest.strip_prefix('=').unwrap_or(rest);
                        if rest.is_empty() {
                            w.pending = Some(arg);
                            w.record(arg, None);
                        } else {
                            w.record(arg, Some(rest));
                        }
                        break;
                    }
                    w.record(arg, None);
                }
            }
        }
        w
    }

    fn request(&self, partial: &str) -> Request {
        Request {
            path: self.path[1..]
                .iter()
                .map(|c| c.get_name().to_string())
                .collect(),
            partial: partial.to_string(),
            kubeconfig: self.kubeconfig.clone(),
            context: self.context.clone(),
            namespace: self.namespace.clone(),
            connection: self.connection.clone(),
            options: self.options.clone(),
        }
    }

    /// The positional argument the next plain word fills.
    fn positional(&self) -> Option<&'a Arg> {
        let mut positionals: Vec<&Arg> = self.cmd().get_positionals().collect();
        positionals.sort_by_key(|a| a.get_index().unwrap_or(usize::MAX));
        let mut left = self.positionals;
        for arg in positionals {
            let many = arg.get_num_args().is_some_and(|n| n.max_values() > 1);
            if left == 0 || many {
                return Some(arg);
            }
            left -= 1;
        }
        None
    }
}

fn takes_value(arg: &Arg) -> bool {
    arg.get_action().takes_values() && arg.get_num_args().is_none_or(|n| n.takes_values())
}

/// Whether `--flag VALUE` takes the next word (not for `--dry-run[=MODE]`).
fn takes_next_word(arg: &Arg) -> bool {
    takes_value(arg)
        && !arg.is_require_equals_set()
        && arg.get_num_args().is_none_or(|n| n.min_values() > 0)
}

fn is_help_or_version(arg: &Arg) -> bool {
    matches!(
        arg.get_action(),
        ArgAction::Help | ArgAction::HelpShort | ArgAction::HelpLong | ArgAction::Version
    )
}

/// The output lines for `__complete WORDS…`: candidates, then `:<directive>`.
pub(super) fn answer(mut cmd: Command, words: &[String], values: Provider) -> Vec<String> {
    // Propagates global flags to subcommands, as clap does when parsing.
    cmd.build();
    let partial = words.last().cloned().unwrap_or_default();
    let done = &words[..words.len().saturating_sub(1)];
    let walk = Walk::new(&cmd, done);

    if let Some(arg) = walk.pending {
        let reply = value_reply(&walk, arg, &partial, values);
        return finish(reply, "", &partial);
    }
    if !walk.after_double_dash && partial.starts_with("--") && partial.contains('=') {
        let (name, value) = partial[2..].split_once('=').unwrap_or_default();
        let Some(arg) = walk.long(name).filter(|a| takes_value(a)) else {
            return finish(Reply::values([]), "", "");
        };
        let prefix = format!("--{name}=");
        let reply = value_reply(&walk, arg, value, values);
        return finish(reply, &prefix, &partial);
    }
    if !walk.after_double_dash && partial.starts_with('-') {
        let flags = walk
            .cmd()
            .get_arguments()
            .filter(|a| !a.is_hide_set() && !is_help_or_version(a))
            .filter(|a| {
                let once = matches!(
                    a.get_action(),
                    ArgAction::Set | ArgAction::SetTrue | ArgAction::SetFalse
                );
                !(once && walk.seen.contains(&a.get_id().as_str()))
            })
            .filter_map(|a| {
                let long = a.get_long()?;
                Some((format!("--{long}"), one_line(a.get_help())))
            });
        return finish(Reply::values(flags), "", &partial);
    }

    let mut reply = Reply::values([]);
    // Flags that exclude subcommands (aws-token's token flags) were typed: no subcommand now.
    let flags_exclude_subcommands =
        walk.cmd().is_args_conflicts_with_subcommands_set() && !walk.seen.is_empty();
    if walk.positionals == 0 && !walk.after_double_dash && !flags_exclude_subcommands {
        reply.candidates.extend(
            walk.cmd()
                .get_subcommands()
                .filter(|s| !s.is_hide_set() && s.get_name() != "help")
                .map(|s| (s.get_name().to_string(), one_line(s.get_about()))),
        );
    }
    if let Some(arg) = walk.positional() {
        let values = value_reply(&walk, arg, &partial, values);
        reply.candidates.extend(values.candidates);
        reply.directive = values.directive;
    }
    finish(reply, "", &partial)
}

/// Values for `arg`: the plugin's provider first, then the generic rules.
/// List values (`--checks a,b,c`) complete their last item.
fn value_reply(walk: &Walk, arg: &Arg, partial: &str, values: Provider) -> Reply {
    let (head, item) = match arg.get_value_delimiter() {
        Some(d) => match partial.rfind(d) {
            Some(i) => (&partial[..=i], &partial[i + 1..]),
            None => ("", partial),
        },
        None => ("", partial),
    };
    let req = walk.request(item);
    let mut reply = values(&req, arg).unwrap_or_else(|| super::rules::generic(arg));
    if !head.is_empty() {
        let given: Vec<&str> = head
            .split(arg.get_value_delimiter().unwrap_or(','))
            .collect();
        reply.candidates = reply
            .candidates
            .into_iter()
            .filter(|(v, _)| !given.contains(&v.as_str()))
            .map(|(v, d)| (format!("{head}{v}"), d))
            .collect();
    }
    reply
}
#[cfg(test)]
mod tests {
    use super::*;

    fn toy() -> Command {
        Command::new("toy")
            .arg(Arg::new("target"))
            .arg(
                Arg::new("namespace")
                    .short('n')
                    .long("namespace")
                    .global(true),
            )
            .arg(
                Arg::new("all")
                    .short('A')
                    .long("all")
                    .action(ArgAction::SetTrue),
            )
            .arg(
                Arg::new("dry_run")
                    .long("dry-run")
                    .num_args(0..=1)
                    .require_equals(true)
                    .default_missing_value("client")
                    .value_parser(["none", "client", "server"]),
            )
            .arg(
                Arg::new("checks")
                    .long("checks")
                    .value_delimiter(',')
                    .action(ArgAction::Append),
            )
            .arg(Arg::new("file").short('f').long("file").value_name("FILE"))
            .arg(Arg::new("secret").long("secret").hide(true))
            .subcommand(Command::new("show").about("Show it").arg(Arg::new("name")))
    }

    /// Names the request back: `<subcommand path>@<namespace>`.
    fn echo(req: &Request, arg: &Arg) -> Option<Reply> {
        match arg.get_id().as_str() {
            "target" | "name" => Some(Reply::names([format!(
                "{}@{}",
                req.path.join("/"),
                req.namespace.as_deref().unwrap_or("-")
            )])),
            "checks" => Some(Reply::names(["a", "b", "c"].map(String::from))),
            _ => None,
        }
    }

    fn ans(words: &[&str]) -> Vec<String> {
        let words: Vec<String> = words.iter().map(|w| w.to_string()).collect();
        answer(toy(), &words, echo)
    }

    #[test]
    fn every_spelling_of_a_value_flag_is_understood() {
        for typed in [
            &["-nfoo", ""][..],
            &["-n=foo", ""],
            &["-n", "foo", ""],
            &["--namespace", "foo", ""],
            &["--namespace=foo", ""],
            &["-An", "foo", ""],
        ] {
            assert_eq!(ans(typed), ["show\tShow it", "@foo", ":4"], "{typed:?}");
        }
        // Global flags reach subcommands.
        assert_eq!(ans(&["show", "-n", "baz", ""]), ["show@baz", ":4"]);
    }

    #[test]
    fn optional_values_never_take_the_next_word() {
        // `x` is the target, so nothing positional is left.
        assert_eq!(ans(&["--dry-run", "x", ""]), [":4"]);
        assert_eq!(
            ans(&["--dry-run="]),
            [
                "--dry-run=none",
                "--dry-run=client",
                "--dry-run=server",
                ":4"
            ]
        );
        assert_eq!(ans(&["--dry-run=s"]), ["--dry-run=server", ":4"]);
    }

    #[test]
    fn flags_are_offered_once_and_hidden_ones_never() {
        assert_eq!(
            ans(&["--"]),
            [
                "--namespace",
                "--all",
                "--dry-run",
                "--checks",
                "--file",
                ":4"
            ]
        );
        assert_eq!(ans(&["--all", "--a"]), [":4"]);
        // Repeatable flags stay on offer.
        assert_eq!(ans(&["--checks", "a", "--ch"]), ["--checks", ":4"]);
    }

    #[test]
    fn list_values_complete_their_last_item() {
        assert_eq!(ans(&["--checks", "a,"]), ["a,b", "a,c", ":4"]);
        assert_eq!(ans(&["--checks=b,a,"]), ["--checks=b,a,c", ":4"]);
    }

    #[test]
    fn file_values_go_to_the_shell_and_double_dash_ends_flags() {
        assert_eq!(ans(&["-f", ""]), [":0"]);
        assert_eq!(ans(&["--", ""]), ["@-", ":4"]);
        assert_eq!(ans(&["--", "-x", ""]), [":4"]);
    }
}
