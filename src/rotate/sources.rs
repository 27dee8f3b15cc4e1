//! Where a new version's content comes from: the source flags checked
//! against each other, literals, files, directories and env files (kubectl's
//! rules), and `--set`/`--unset` on top of the current version.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use super::args::SourceArgs;
use super::content::{Content, validate_key};
use super::target::TargetKind;
use crate::cli;
use crate::error::{Error, Result};

/// Where the new content comes from, once the flags are checked.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Source<'a> {
    /// New content from literals, files and env files (may be combined, as in kubectl).
    New {
        literals: &'a [String],
        files: &'a [String],
        env_files: &'a [PathBuf],
    },
    /// The live object as it is.
    Current,
    /// Decrypted sops files, with keys set or removed on top.
    Sops {
        files: &'a [String],
        set: &'a [String],
        unset: &'a [String],
    },
    /// The current version with keys set or removed.
    Edit {
        set: &'a [String],
        unset: &'a [String],
    },
}

impl SourceArgs {
    /// The one kind of source given; none or two kinds is a usage error.
    pub(crate) fn source(&self) -> Result<Source<'_>> {
        let new = !self.from_literal.is_empty()
            || !self.from_file.is_empty()
            || !self.from_env_file.is_empty();
        let edit = !self.set.is_empty() || !self.unset.is_empty();
        if !self.from_sops.is_empty() {
            if new || self.from_current {
                return Err(Error::Usage(
                    "--from-sops combines only with --set/--unset, not with --from-literal/--from-file/--from-env-file or --from-current"
                        .into(),
                ));
            }
            return Ok(Source::Sops {
                files: &self.from_sops,
                set: &self.set,
                unset: &self.unset,
            });
        }
        let given = usize::from(new) + usize::from(edit) + usize::from(self.from_current);
        if given == 0 {
            return Err(Error::Usage(
                "give the new content: --from-literal, --from-file, --from-env-file, --from-sops, --from-current, or --set/--unset"
                    .into(),
            ));
        }
        if given > 1 {
            return Err(Error::Usage(
                "--from-literal/--from-file/--from-env-file, --from-current and --set/--unset cannot be combined"
                    .into(),
            ));
        }
        if self.from_current {
            return Ok(Source::Current);
        }
        if edit {
            return Ok(Source::Edit {
                set: &self.set,
                unset: &self.unset,
            });
        }
        check_read_once(&self.from_file, &self.from_env_file)?;
        Ok(Source::New {
            literals: &self.from_literal,
            files: &self.from_file,
            env_files: &self.from_env_file,
        })
    }
}

/// Refuses stdin (or one pipe) named by two sources: the second read would
/// get nothing, and its keys would be lost or empty.
fn check_read_once(files: &[String], env_files: &[PathBuf]) -> Result<()> {
    // A malformed `--from-file` is refused later, with its own message.
    let files = files.iter().filter_map(|spec| {
        let (_, path) = split_file_spec(spec).ok()?;
        Some(("--from-file", spec.clone(), path, false))
    });
    let env_files = env_files.iter().map(|p| {
        let shown = p.display().to_string();
        ("--from-env-file", shown, p.as_path(), true)
    });
    let inputs: Vec<_> = files.chain(env_files).collect();
    let Some((first, again, stream)) =
        cli::repeated_stream(inputs.iter().map(|&(_, _, path, dash)| (path, dash)))
    else {
        return Ok(());
    };
    let (flag, arg, path, _) = &inputs[again];
    let what = match stream {
        cli::Stream::Stdin => "stdin".to_string(),
        cli::Stream::Node(..) => path.display().to_string(),
    };
    let (first_flag, first_arg, _, _) = &inputs[first];
    Err(Error::Usage(format!(
        "{flag} {arg}: {what} is already read by {first_flag} {first_arg}, and it can be read only once; give the other content in a file"
    )))
}

/// `--from-file [KEY=]PATH`: the key, if given, and the path.
fn split_file_spec(spec: &str) -> Result<(Option<&str>, &Path)> {
    match spec.split_once('=') {
        Some((k, p)) if !k.is_empty() && !p.is_empty() => Ok((Some(k), Path::new(p))),
        Some(_) => Err(Error::Usage(format!(
            "--from-file {spec:?}: use [KEY=]PATH"
        ))),
        None => Ok((None, Path::new(spec))),
    }
}

/// Builds content from literals, files and env files.
pub(crate) fn build_new(
    kind: TargetKind,
    secret_type: Option<String>,
    literals: &[String],
    files: &[String],
    env_files: &[PathBuf],
) -> Result<Content> {
    let mut content = Content::empty(kind, secret_type);
    for lit in literals {
        let (k, v) = split_pair(lit, "--from-literal")?;
        content.insert_new(k, v.as_bytes().to_vec())?;
    }
    for spec in files {
        add_file_source(&mut content, spec)?;
    }
    for path in env_files {
        for (k, v) in read_env_file(path)? {
            content.insert_new(&k, v.into_bytes())?;
        }
    }
    Ok(content)
}

/// Applies `--set k=v` and `--unset k` to a copy of the current content.
pub(crate) fn edit(current: &Content, set: &[String], unset: &[String]) -> Result<Content> {
    let mut next = current.clone();
    for key in unset {
        if next.entries.remove(key).is_none() {
            return Err(Error::Usage(format!(
                "--unset {key}: the current version has no such key (keys: {})",
                current.keys().join(", ")
            )));
        }
    }
    let mut seen = BTreeSet::new();
    for pair in set {
        let (k, v) = split_pair(pair, "--set")?;
        validate_key(k)?;
        if !seen.insert(k.to_string()) {
            return Err(Error::Usage(format!("--set {k}: key given more than once")));
        }
        if unset.iter().any(|u| u == k) {
            return Err(Error::Usage(format!("key {k:?} is both set and unset")));
        }
        let value = next.value_for(v.as_bytes().to_vec());
        next.entries.insert(k.to_string(), value);
    }
    Ok(next)
}

// The value is never echoed in the message: it may be a secret.
fn split_pair<'a>(s: &'a str, flag: &str) -> Result<(&'a str, &'a str)> {
    match s.split_once('=') {
        Some((k, v)) if !k.is_empty() => Ok((k, v)),
        _ => Err(Error::Usage(format!(
            "{flag} takes KEY=VALUE (the argument has no key before '=')"
        ))),
    }
}

/// `[key=]path`: one file under a key (default: its file name), or every
/// regular file of a directory.
fn add_file_source(content: &mut Content, spec: &str) -> Result<()> {
    let (key, path) = split_file_spec(spec)?;
    let meta = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
    if meta.is_dir() {
        if key.is_some() {
            return Err(Error::Usage(format!(
                "--from-file {spec:?}: a directory takes no key; each file becomes a key"
            )));
        }
        let mut files: Vec<PathBuf> = std::fs::read_dir(path)
            .map_err(|e| Error::io(path, e))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_file())
            .collect();
        files.sort();
        for file in files {
            let name = file_key(&file)?;
            let data = cli::read_input(&file)?;
            content.insert_new(&name, data)?;
        }
        return Ok(());
    }
    let name = match key {
        Some(k) => k.to_string(),
        None => file_key(path)?,
    };
    // A file named `-` is that file here, not stdin.
    let data = cli::read_input(&Path::new(".").join(path))?;
    content.insert_new(&name, data)
}

fn file_key(path: &Path) -> Result<String> {
    path.file_name()
        .and_then(|n| n.to_str())
        .map(str::to_string)
        .ok_or_else(|| {
            Error::Usage(format!(
                "{}: cannot use this file name as a key",
                path.display()
            ))
        })
}

/// kubectl's env-file rules (`-` reads stdin): `KEY=VALUE` per line (`\n` or
/// `\r\n`, the last line's ending optional), a BOM before the first line,
/// `#` comments and blank lines skipped, leading space trimmed, the value
/// taken verbatim (no unquoting). A bare `KEY` takes its value from the
/// environment; unlike kubectl, which stores an empty value, an unset one is
/// refused (docs/rotate-secret.md).
fn read_env_file(path: &Path) -> Result<Vec<(String, String)>> {
    // `-` is stdin, so `sops -d FILE | … --from-env-file -` works.
    let text = cli::read_input(path)?;
    let text = String::from_utf8(text).map_err(|_| {
        Error::Usage(format!(
            "{}: an env file must be UTF-8 text",
            path.display()
        ))
    })?;
    let mut out = Vec::new();
    for (i, raw) in text.split_terminator('\n').enumerate() {
        let at = || format!("{}:{}", path.display(), i + 1);
        // Go's bufio.ScanLines drops one `\r` before the newline or the end.
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        let line = if i == 0 {
            raw.strip_prefix('\u{feff}').unwrap_or(raw)
        } else {
            raw
        };
        let line = line.trim_start();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (key, value) = match line.split_once('=') {
            Some((k, v)) => (k, Some(v.to_string())),
            None => (line, None),
        };
        if !is_env_var_name(key) {
            return Err(Error::Usage(format!(
                "{}: {key:?} is not a valid variable name (letters, digits, '_', '-' and '.', not starting with a digit)",
                at()
            )));
        }
        let value = match value {
            Some(v) => v,
            None => std::env::var(key).map_err(|_| {
                Error::Usage(format!(
                    "{}: {key} has no '=' and is not set in the environment; export it, or write {key}= for an empty value",
                    at()
                ))
            })?,
        };
        out.push((key.to_string(), value));
    }
    Ok(out)
}

fn is_env_var_name(s: &str) -> bool {
    // kubectl's IsEnvVarName: [-._a-zA-Z][-._a-zA-Z0-9]*
    let ok = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_');
    !s.is_empty() && !s.starts_with(|c: char| c.is_ascii_digit()) && s.bytes().all(ok)
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::core::v1::ConfigMap;

    #[test]
    fn configmap_binary_files_go_to_binary_data() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("logo.bin"), [0xff, 0x00, 0xfe]).unwrap();
        std::fs::write(dir.path().join("conf.txt"), "a: 1\n").unwrap();
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        let spec = dir.path().to_str().unwrap().to_string();
        let c = build_new(TargetKind::ConfigMap, None, &[], &[spec], &[]).unwrap();
        let obj = c.to_object("x");
        assert_eq!(obj["data"]["conf.txt"], "a: 1\n");
        assert_eq!(obj["binaryData"]["logo.bin"], "/wD+");
        assert_eq!(c.entries.len(), 2);
        let cm: ConfigMap = serde_json::from_value(obj).unwrap();
        assert_eq!(Content::from_configmap(&cm), c);
    }

    #[test]
    fn file_with_key_and_duplicates() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("pw.txt");
        std::fs::write(&f, "s3cret").unwrap();
        let spec = format!("password={}", f.display());
        let c = build_new(
            TargetKind::Secret,
            None,
            &[],
            std::slice::from_ref(&spec),
            &[],
        )
        .unwrap();
        assert_eq!(c.entries["password"].as_bytes(), b"s3cret");
        let err = build_new(
            TargetKind::Secret,
            None,
            &["password=x".into()],
            &[spec],
            &[],
        )
        .unwrap_err();
        assert!(err.to_string().contains("more than once"), "{err}");
        assert!(build_new(TargetKind::Secret, None, &["=x".into()], &[], &[]).is_err());
        assert!(build_new(TargetKind::Secret, None, &["a b=x".into()], &[], &[]).is_err());
    }

    #[test]
    fn env_file_rules() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("app.env");
        // SAFETY: single-threaded use of a variable name no other test reads.
        unsafe { std::env::set_var("HONBAN_TEST_ENV_FROM_PROCESS", "from-env") };
        std::fs::write(
            &f,
            "\u{feff}# comment\n\n  USER=admin\nPASSWORD=\"quoted\" \nEMPTY=\r\nHONBAN_TEST_ENV_FROM_PROCESS\nLAST=1\r",
        )
        .unwrap();
        let pairs = read_env_file(&f).unwrap();
        assert_eq!(
            pairs,
            vec![
                ("USER".to_string(), "admin".to_string()),
                ("PASSWORD".to_string(), "\"quoted\" ".to_string()),
                ("EMPTY".to_string(), String::new()),
                (
                    "HONBAN_TEST_ENV_FROM_PROCESS".to_string(),
                    "from-env".to_string()
                ),
                ("LAST".to_string(), "1".to_string()),
            ]
        );
        for (bad, says) in [
            ("1BAD=x\n", ":1: \"1BAD\" is not a valid"),
            ("A=1\nHOME \n", ":2: \"HOME \" is not a valid"),
            ("HONBAN_TEST_UNSET_VARIABLE\n", "not set in the environment"),
        ] {
            std::fs::write(&f, bad).unwrap();
            let err = read_env_file(&f).unwrap_err();
            assert!(err.to_string().contains(says), "{err}");
        }
    }

    #[test]
    fn set_and_unset() {
        let cur = build_new(
            TargetKind::Secret,
            None,
            &["a=1".into(), "b=2".into()],
            &[],
            &[],
        )
        .unwrap();
        let next = edit(&cur, &["b=3".into(), "c=4".into()], &["a".into()]).unwrap();
        assert_eq!(next.keys(), vec!["b", "c"]);
        assert_eq!(next.entries["b"].as_bytes(), b"3");
        assert!(edit(&cur, &[], &["zz".into()]).is_err());
        assert!(edit(&cur, &["a=1".into()], &["a".into()]).is_err());
    }

    #[test]
    fn source_flags_are_exclusive() {
        let mut f = SourceArgs::default();
        assert!(f.source().is_err());
        f.from_literal = vec!["a=b".into()];
        f.from_file = vec!["x".into()];
        assert!(matches!(f.source().unwrap(), Source::New { .. }));
        f.from_current = true;
        assert!(f.source().is_err());
        let f = SourceArgs {
            set: vec!["a=b".into()],
            unset: vec!["c".into()],
            ..Default::default()
        };
        assert!(matches!(f.source().unwrap(), Source::Edit { .. }));
    }

    #[test]
    fn values_are_not_debug_printed() {
        let c = build_new(TargetKind::Secret, None, &["k=hunter2".into()], &[], &[]).unwrap();
        let shown = format!("{c:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("7 bytes"));
        let err = split_pair("=hunter2", "--set").unwrap_err().to_string();
        assert!(!err.contains("hunter2"));
    }
}
