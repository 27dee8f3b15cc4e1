//! `kubectl rotate-secret`'s `--from-env-file` and `--from-file` against the
//! pinned kubectl's `kubectl create secret generic --dry-run=client`: the same
//! files give byte for byte the same data, or the difference is one that
//! docs/rotate-secret.md states with its reason. And stdin, which can be
//! read once, is refused when two sources name it. End to end against testenv.

mod support;

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use serde_json::Value;
use support::rotate::{BIN, created_name, secret_names};
use support::{TestEnv, plugin, repo_root, testenv};

/// A Secret's `data` as stored (base64), or why it was not made.
type Outcome = Result<BTreeMap<String, String>, String>;

/// Stands for stdin in a case's arguments: `-` for honban's
/// `--from-env-file`, `/dev/stdin` otherwise (kubectl has no `-`).
const STDIN: &str = "<stdin>";
/// A variable the cases read from the environment, set for both tools.
const FROM_ENV: (&str, &str) = ("HONBAN_ENV_FILE_CASE", "from the environment");

struct Case {
    name: &'static str,
    /// Files written in the case's directory; `->TARGET` makes a symlink.
    files: Vec<(&'static str, Vec<u8>)>,
    args: Vec<&'static str>,
    stdin: Option<Vec<u8>>,
    /// Where honban differs on purpose: a phrase of docs/rotate-secret.md
    /// that says why, and what honban does instead.
    differs: Option<(&'static str, Expected)>,
}

#[derive(Debug)]
enum Expected {
    Keys(&'static [&'static str]),
    Refused(&'static str),
}

fn case(name: &'static str, files: &[(&'static str, &[u8])], args: &[&'static str]) -> Case {
    Case {
        name,
        files: files.iter().map(|(n, t)| (*n, t.to_vec())).collect(),
        args: args.to_vec(),
        stdin: None,
        differs: None,
    }
}

fn env_file(name: &'static str, text: &[u8]) -> Case {
    case(name, &[("app.env", text)], &["--from-env-file", "app.env"])
}

impl Case {
    fn stdin(mut self, text: &[u8]) -> Case {
        self.stdin = Some(text.to_vec());
        self
    }

    fn differs(mut self, doc: &'static str, honban: Expected) -> Case {
        self.differs = Some((doc, honban));
        self
    }
}

fn cases() -> Vec<Case> {
    let long_line = format!("A=1\nB={}\nC=3\n", "x".repeat(70_000));
    let dir: [(&str, &[u8]); 3] = [("d/a", b"1"), ("d/.hidden", b"2"), ("d/sub/x", b"3")];
    vec![
        env_file("crlf", b"A=1\r\nB=2\r\n"),
        env_file("crlf, no final newline", b"A=1\r\nB=2\r"),
        env_file("no final newline", b"A=1\nB=2"),
        env_file("blank lines", b"\n\nA=1\n\n\nB=2\n\n"),
        env_file("comments", b"# c\nA=1\n  # indented\nB=2 # kept\n"),
        env_file("leading space", b"   A=1\n\tB= 2 \n\xc2\xa0C=3\n"),
        env_file("empty value", b"A=\n"),
        env_file("= in the value", b"A=b=c==\n"),
        env_file("quotes kept", b"A=\"x y\"\nB='z'\nC=\"open\n"),
        env_file("utf-8 bom", b"\xef\xbb\xbfA=1\n"),
        env_file("bom on line 2", b"A=1\n\xef\xbb\xbfB=1\n"),
        env_file("lone cr inside", b"A=1\rB=2\n"),
        env_file("utf-8 value", "A=h\u{e9}llo \u{2028}\n".as_bytes()),
        env_file("only comments", b"# nothing\n"),
        env_file("empty file", b""),
        env_file("invalid key", b"1A=1\n"),
        env_file("key with a space", b"A B=1\n"),
        env_file("space before =", b"A =1\n"),
        env_file("export", b"export A=1\n"),
        env_file("colon in key", b"a:b=1\n"),
        env_file("dots and dashes", b".a-b_c=1\n"),
        env_file("duplicate key", b"A=1\nA=2\n"),
        env_file("invalid utf-8", b"A=\xff\n"),
        env_file("from the environment", b"HONBAN_ENV_FILE_CASE\n"),
        env_file("bare key, trailing space", b"HONBAN_ENV_FILE_CASE \n"),
        env_file("bare key, unset", b"HONBAN_ENV_FILE_UNSET\n").differs(
            "has no `=` and is not set",
            Expected::Refused("not set in the environment"),
        ),
        env_file("a line over 64 KiB", long_line.as_bytes())
            .differs("longer than 64 KiB", Expected::Keys(&["A", "B", "C"])),
        case("piped", &[], &["--from-env-file", STDIN]).stdin(b"A=1\n"),
        case("piped crlf", &[], &["--from-env-file", STDIN]).stdin(b"A=1\r\nB=2\r"),
        case(
            "two env files",
            &[("a.env", b"A=1\n"), ("b.env", b"B=2\n")],
            &["--from-env-file", "a.env", "--from-env-file", "b.env"],
        ),
        case(
            "a key in two env files",
            &[("a.env", b"A=1\n"), ("b.env", b"A=2\n")],
            &["--from-env-file", "a.env", "--from-env-file", "b.env"],
        ),
        case(
            "env file and literal",
            &[("a.env", b"A=1\n")],
            &["--from-env-file", "a.env", "--from-literal", "L=v"],
        )
        .differs(
            "`--from-env-file` combines with",
            Expected::Keys(&["A", "L"]),
        ),
        case(
            "file: crlf",
            &[("crlf.txt", b"a\r\nb")],
            &["--from-file", "crlf.txt"],
        ),
        case(
            "file: bom",
            &[("bom.txt", b"\xef\xbb\xbfx\n")],
            &["--from-file", "k=bom.txt"],
        ),
        case(
            "file: empty",
            &[("empty.txt", b"")],
            &["--from-file", "empty.txt"],
        ),
        case("file: piped", &[], &["--from-file", "k=<stdin>"]).stdin(b"x\n"),
        case(
            "file: bad name",
            &[("my file", b"x")],
            &["--from-file", "my file"],
        ),
        case("file: directory", &dir, &["--from-file", "d"]),
        case(
            "file: directory with a symlink",
            &[("d/a", b"1"), ("d/link", b"->a")],
            &["--from-file", "d"],
        )
        .differs("follows symbolic links", Expected::Keys(&["a", "link"])),
        case(
            "file and literal",
            &[("k", b"v\n")],
            &["--from-file", "k", "--from-literal", "L=v"],
        ),
    ]
}

/// Writes the case's files into `dir`.
fn write_files(dir: &Path, case: &Case) {
    for (name, text) in &case.files {
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        match text.strip_prefix(b"->") {
            Some(target) => {
                std::os::unix::fs::symlink(std::str::from_utf8(target).unwrap(), &path).unwrap()
            }
            None => std::fs::write(&path, text).unwrap(),
        }
    }
}

/// Runs `cmd` in `dir` with the case's stdin.
fn output(cmd: &mut Command, dir: &Path, stdin: Option<&[u8]>) -> std::process::Output {
    cmd.current_dir(dir)
        .env(FROM_ENV.0, FROM_ENV.1)
        .env_remove("HONBAN_ENV_FILE_UNSET")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("spawn");
    let mut input = child.stdin.take().unwrap();
    input.write_all(stdin.unwrap_or_default()).unwrap();
    drop(input);
    child.wait_with_output().unwrap()
}

fn data_of(v: &Value) -> BTreeMap<String, String> {
    v["data"]
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
                .collect()
        })
        .unwrap_or_default()
}

fn kubectl(env: &TestEnv, dir: &Path, case: &Case) -> Outcome {
    let args = case.args.iter().map(|a| match *a {
        STDIN => "/dev/stdin",
        "k=<stdin>" => "k=/dev/stdin",
        other => other,
    });
    let mut cmd = env.kubectl();
    cmd.args([
        "create",
        "secret",
        "generic",
        "x",
        "--dry-run=client",
        "-o",
        "json",
    ])
    .args(args);
    let out = output(&mut cmd, dir, case.stdin.as_deref());
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    Ok(data_of(&serde_json::from_slice(&out.stdout).unwrap()))
}

fn honban(env: &TestEnv, ns: &str, base: &str, dir: &Path, case: &Case) -> Outcome {
    let args = case.args.iter().map(|a| match *a {
        STDIN => "-",
        "k=<stdin>" => "k=/dev/stdin",
        other => other,
    });
    let mut cmd = Command::new(support::bin(BIN));
    cmd.env_remove("KUBECONFIG")
        .env("NO_COLOR", "1")
        .args([base, "--create", "--no-wait", "-n", ns, "--kubeconfig"])
        .arg(&env.kubeconfig)
        .args(args);
    let out = output(&mut cmd, dir, case.stdin.as_deref());
    let run = support::rotate::Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    if run.code != 0 {
        // A refusal is a usage error, and nothing was created.
        assert_eq!(run.code, 2, "{}: {}", case.name, run.text());
        assert!(
            !secret_names(env, ns).iter().any(|n| n.starts_with(base)),
            "{}: a refused rotation created a version",
            case.name
        );
        return Err(run.stderr);
    }
    let name = created_name(&run);
    let json = env.kubectl_ok(&["get", "-n", ns, "secret", &name, "-o", "json"]);
    Ok(data_of(&serde_json::from_str(&json).unwrap()))
}

#[test]
fn env_files_and_files_give_the_data_kubectl_create_secret_gives() {
    let env = testenv();
    let ns = env.namespace("rotate-sources");
    let docs = std::fs::read_to_string(repo_root().join("docs/rotate-secret.md")).unwrap();
    let mut wrong = Vec::new();
    for (i, case) in cases().iter().enumerate() {
        let dir = tempfile::tempdir().unwrap();
        write_files(dir.path(), case);
        let theirs = kubectl(env, dir.path(), case);
        let ours = honban(env, &ns.name, &format!("case{i}"), dir.path(), case);
        let Some((doc, expected)) = &case.differs else {
            // Both refuse (each in its own words), or both store the same bytes.
            if theirs.is_ok() != ours.is_ok() || (theirs.is_ok() && theirs != ours) {
                wrong.push(format!(
                    "{}:\n  kubectl {theirs:?}\n  honban  {ours:?}",
                    case.name
                ));
            }
            continue;
        };
        assert!(
            docs.contains(doc),
            "{}: docs/rotate-secret.md lacks {doc:?}",
            case.name
        );
        let as_expected = match (expected, &ours) {
            (Expected::Keys(keys), Ok(data)) => data.keys().eq(keys.iter()),
            (Expected::Refused(says), Err(e)) => e.contains(says),
            _ => false,
        };
        // The documented difference is still one: kubectl does otherwise.
        if !as_expected || theirs == ours {
            wrong.push(format!(
                "{} (documented: {doc}, {expected:?}):\n  kubectl {theirs:?}\n  honban  {ours:?}",
                case.name
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn stdin_named_by_two_sources_is_a_usage_error_and_nothing_is_written() {
    let env = testenv();
    let ns = env.namespace("rotate-stdin");
    let twice: [(&[&str], &str); 5] = [
        (
            &["--from-env-file", "-", "--from-env-file", "-"],
            "--from-env-file -: stdin is already read by --from-env-file -",
        ),
        (
            &["--from-file", "a=/dev/stdin", "--from-file", "b=/dev/stdin"],
            "--from-file b=/dev/stdin: stdin is already read by --from-file a=/dev/stdin",
        ),
        (
            &["--from-file", "a=/dev/stdin", "--from-env-file", "-"],
            "--from-env-file -: stdin is already read by --from-file a=/dev/stdin",
        ),
        (
            &["--from-env-file", "/dev/fd/0", "--from-env-file", "-"],
            "--from-env-file -: stdin is already read by --from-env-file /dev/fd/0",
        ),
        (
            &["--from-sops", "-", "--from-sops", "/dev/stdin"],
            "--from-sops /dev/stdin: stdin (or this pipe) is already read by another --from-sops",
        ),
    ];
    for (args, says) in twice {
        let out = plugin(BIN)
            .args(["app", "--create", "-n", &ns.name, "--kubeconfig"])
            .arg(&env.kubeconfig)
            .args(args)
            .write_stdin("A=1\n")
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(says), "{args:?}: {stderr}");
        assert!(secret_names(env, &ns.name).is_empty(), "{args:?}");
    }
    // Named once, with the rest from files (and `--from-file -` is a file named `-`).
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("-"), "dash").unwrap();
    std::fs::write(dir.path().join("b.env"), "B=2\n").unwrap();
    let out = plugin(BIN)
        .current_dir(dir.path())
        .args(["app", "--create", "-n", &ns.name, "--kubeconfig"])
        .arg(&env.kubeconfig)
        .args(["--from-env-file", "-", "--from-env-file", "b.env"])
        .args(["--from-file", "-"])
        .write_stdin("A=1\n")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let name = secret_names(env, &ns.name).pop().unwrap();
    let json = env.kubectl_ok(&["get", "-n", &ns.name, "secret", &name, "-o", "json"]);
    let data = data_of(&serde_json::from_str(&json).unwrap());
    assert_eq!(
        data,
        BTreeMap::from([
            ("-".to_string(), "ZGFzaA==".to_string()),
            ("A".to_string(), "MQ==".to_string()),
            ("B".to_string(), "Mg==".to_string()),
        ])
    );
}
