//! Large kubeconfigs of the shapes bench/ctx.sh measures (plain; an unused
//! top-level anchor; flow entries with CRLF; a `<<: *base` merge key in every
//! user), and a few where the sections an operation reads use anchors: every
//! answer of the fast readers (list, `-c`, `--prompt`, `ns -c`, switch, switch
//! with `-n`) must be the full parser's (the test-only `HONBAN_TEST_FULL_PARSE`
//! seam) and kubectl's, byte for byte for the written files, and a syntax
//! error in a section read must be the same error at the same line and column.

mod support;

use std::fs;
use std::path::Path;
use std::process::Command;

use serde_json::Value;
use support::{kubectl_path, plugin};

const CONTEXTS: usize = 300;

#[derive(Clone, Copy, Debug)]
enum Shape {
    Plain,
    UnusedAnchor,
    FlowCrlf,
    MergeKey,
    /// An anchor in `contexts`, used there.
    AnchorInContexts,
    /// An alias in `contexts` naming a top-level anchor before it.
    AliasAcrossSections,
}

const SHAPES: [Shape; 6] = [
    Shape::Plain,
    Shape::UnusedAnchor,
    Shape::FlowCrlf,
    Shape::MergeKey,
    Shape::AnchorInContexts,
    Shape::AliasAcrossSections,
];

/// The bench's layout: comments, 4-space indentation, a ~1.5 KB CA per cluster.
fn text(shape: Shape) -> String {
    let ca = "QUJD".repeat(384);
    let token = "dG9r".repeat(225);
    let flow = |i: usize| matches!(shape, Shape::FlowCrlf) && i % 100 == 7;
    let mut out = vec!["# fleet kubeconfig".to_string(), "apiVersion: v1".into()];
    match shape {
        Shape::UnusedAnchor => out.push("x-note: &note \"owned by platform\"".into()),
        Shape::AliasAcrossSections => {
            out.push("x-ctx: &shared {cluster: cluster-1, user: user-1, namespace: shared}".into())
        }
        _ => {}
    }
    out.push("clusters:".into());
    for i in 0..CONTEXTS {
        if flow(i) {
            out.push(format!("    - {{name: cluster-{i}, cluster: {{server: 'https://api-{i}:6443', certificate-authority-data: {ca}}}}}"));
            continue;
        }
        out.push(format!("    # region {i}"));
        out.push(format!("    - name: cluster-{i}\n      cluster:\n          server: https://api-{i}:6443\n          certificate-authority-data: {ca}"));
    }
    out.push("users:".into());
    if matches!(shape, Shape::MergeKey) {
        out.push("    - name: user-defaults\n      user: &base\n          exec:\n              command: aws\n              args:\n                  - eks\n                  - get-token".into());
    }
    for i in 0..CONTEXTS {
        if flow(i) {
            out.push(format!(
                "    - {{name: user-{i}, user: {{token: {token}}}}}"
            ));
            continue;
        }
        let merge = if matches!(shape, Shape::MergeKey) {
            "\n          <<: *base"
        } else {
            ""
        };
        out.push(format!(
            "    - name: user-{i}  # team-{}\n      user:{merge}\n          token: {token}",
            i % 7
        ));
    }
    out.push("contexts:".into());
    for i in 0..CONTEXTS {
        let ns = if i % 3 == 0 {
            format!("\n          namespace: ns-{i}")
        } else {
            String::new()
        };
        match shape {
            _ if flow(i) => out.push(format!("    - {{name: ctx-{i}, context: {{cluster: cluster-{i}, user: user-{i}}}}}")),
            Shape::AnchorInContexts if i == 0 => out.push(format!("    - name: ctx-0\n      context: &c0\n          cluster: cluster-0\n          user: user-0{ns}")),
            Shape::AnchorInContexts if i % 50 == 1 => out.push(format!("    - name: ctx-{i}\n      context:\n          <<: *c0\n          user: user-{i}")),
            Shape::AliasAcrossSections if i % 50 == 1 => out.push(format!("    - name: ctx-{i}\n      context: *shared")),
            _ => out.push(format!("    - name: ctx-{i}\n      context:\n          cluster: cluster-{i}\n          user: user-{i}{ns}")),
        }
    }
    out.push("current-context: ctx-0  # set by the installer".into());
    let eol = if matches!(shape, Shape::FlowCrlf) {
        "\r\n"
    } else {
        "\n"
    };
    let text = out.join("\n").replace('\n', eol) + eol;
    assert!(text.len() > 512 * 1024, "large enough to be cut and split");
    text
}

struct Run {
    ok: bool,
    stdout: String,
    stderr: String,
}

/// A plugin on `config`; `full` forces the full parser.
fn run(bin: &str, dir: &Path, config: &Path, args: &[&str], full: bool) -> Run {
    let mut cmd = plugin(bin);
    cmd.args(args)
        .env("KUBECONFIG", config)
        .env("HOME", dir)
        .env("XDG_CACHE_HOME", dir.join("cache"));
    if full {
        cmd.env("HONBAN_TEST_FULL_PARSE", "1");
    }
    let out = cmd.output().expect("run the plugin");
    Run {
        ok: out.status.success(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn kubectl(config: &Path, args: &[&str]) -> Run {
    let out = Command::new(kubectl_path())
        .args(args)
        .env("KUBECONFIG", config)
        .env_remove("HOME")
        .output()
        .expect("run kubectl");
    Run {
        ok: out.status.success(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

/// `name|cluster|user|namespace` rows, sorted, from kubectl's view or honban's list.
fn rows(list: &Value, nested: bool) -> Vec<String> {
    let items = if nested { &list["contexts"] } else { list };
    let mut rows: Vec<String> = items
        .as_array()
        .expect("a list")
        .iter()
        .map(|c| {
            let body = if nested { &c["context"] } else { c };
            let f = |k: &str| body[k].as_str().unwrap_or_default().to_string();
            let name = c["name"].as_str().unwrap_or_default();
            format!("{name}|{}|{}|{}", f("cluster"), f("user"), f("namespace"))
        })
        .collect();
    rows.sort();
    rows
}

/// The copies, each `config` in a directory of its own (messages name the
/// file): fast path, full parser, kubectl.
fn copies(dir: &Path, text: &str) -> [std::path::PathBuf; 3] {
    ["fast", "full", "kubectl"].map(|n| {
        fs::create_dir_all(dir.join(n)).unwrap();
        let p = dir.join(n).join("config");
        fs::write(&p, text).unwrap();
        p
    })
}

fn reads_the_same(shape: Shape, dir: &Path, file: &Path) {
    let view = kubectl(file, &["config", "view", "-o", "json"]);
    assert!(view.ok, "{shape:?}: kubectl: {}", view.stderr);
    let expected = rows(&json(&view.stdout), true);
    let current = kubectl(file, &["config", "current-context"]).stdout;
    for full in [false, true] {
        let list = run("kubectl-ctx", dir, file, &["-o", "json"], full);
        assert!(list.ok, "{shape:?} full={full}: {}", list.stderr);
        assert_eq!(
            rows(&json(&list.stdout), false),
            expected,
            "{shape:?} full={full}"
        );
        let c = run("kubectl-ctx", dir, file, &["-c"], full);
        assert_eq!(c.stdout, current, "{shape:?} full={full}: -c {}", c.stderr);
        let prompt = run("kubectl-ctx", dir, file, &["--prompt"], full);
        assert_eq!(prompt.stdout.trim(), "ctx-0/ns-0", "{shape:?} full={full}");
        let ns = run("kubectl-ns", dir, file, &["-c"], full);
        assert_eq!(
            ns.stdout.trim(),
            "ns-0",
            "{shape:?} full={full}: {}",
            ns.stderr
        );
    }
}

/// A switch (and one with `-n`) writes the same bytes on both paths, changes
/// only what it must, and means what kubectl's own edit means.
fn switches_the_same(shape: Shape, dir: &Path, text: &str) {
    for (args, kubectl_edits) in [
        (
            vec!["ctx-201"],
            vec![vec!["config", "use-context", "ctx-201"]],
        ),
        (
            vec!["ctx-202", "-n", "team-b"],
            vec![
                vec!["config", "use-context", "ctx-202"],
                vec![
                    "config",
                    "set-context",
                    "--current",
                    "--namespace",
                    "team-b",
                ],
            ],
        ),
    ] {
        let [fast, full, theirs] = copies(dir, text);
        let a = run("kubectl-ctx", dir, &fast, &args, false);
        let b = run("kubectl-ctx", dir, &full, &args, true);
        assert!(
            a.ok && b.ok,
            "{shape:?} {args:?}: {} / {}",
            a.stderr,
            b.stderr
        );
        let written = fs::read_to_string(&fast).unwrap();
        assert_eq!(
            written,
            fs::read_to_string(&full).unwrap(),
            "{shape:?} {args:?}"
        );
        for edit in &kubectl_edits {
            assert!(kubectl(&theirs, edit).ok, "{shape:?}: kubectl {edit:?}");
        }
        let view = |f: &Path| json(&kubectl(f, &["config", "view", "--raw", "-o", "json"]).stdout);
        assert_eq!(view(&fast), view(&theirs), "{shape:?} {args:?}");
        if args.len() == 1 {
            // Only the current-context value moved.
            assert_eq!(
                written,
                text.replace("current-context: ctx-0", "current-context: ctx-201")
            );
        }
    }
}

#[test]
fn fast_readers_answer_as_the_full_parser_and_kubectl_on_every_large_shape() {
    if !cfg!(feature = "test-hooks") {
        panic!(
            "this test needs the test-only seam: cargo test --features honban/test-hooks (test.sh does)"
        );
    }
    for shape in SHAPES {
        let dir = tempfile::tempdir().unwrap();
        let text = text(shape);
        let file = dir.path().join("config");
        fs::write(&file, &text).unwrap();
        reads_the_same(shape, dir.path(), &file);
        switches_the_same(shape, dir.path(), &text);
        assert_eq!(
            fs::read_to_string(&file).unwrap(),
            text,
            "reads wrote nothing"
        );
    }
}

/// A syntax error in a section the command reads: the same message, line and
/// column on both paths, and kubectl refuses the file too.
#[test]
fn a_syntax_error_where_a_command_reads_is_reported_at_the_same_place() {
    let cases = [
        (
            Shape::Plain,
            "          namespace: ns-150",
            "          namespace: [ns-150",
        ),
        (
            Shape::UnusedAnchor,
            "    - name: ctx-151\n",
            "    - name: ctx-151\n   bad: x\n",
        ),
        (
            Shape::FlowCrlf,
            "{name: ctx-107, context: {cluster: cluster-107, user: user-107}}",
            "{name: ctx-107, context: {cluster: cluster-107, user: user-107}",
        ),
        (
            Shape::MergeKey,
            "current-context: ctx-0",
            "current-context: [ctx-0",
        ),
    ];
    for (shape, from, to) in cases {
        let dir = tempfile::tempdir().unwrap();
        let text = text(shape).replacen(from, to, 1);
        assert_ne!(text, self::text(shape), "{shape:?}: the break applies");
        let [fast, full, theirs] = copies(dir.path(), &text);
        assert!(
            !kubectl(&theirs, &["config", "view"]).ok,
            "{shape:?}: kubectl reads it"
        );
        for args in [&[][..], &["ctx-9"][..]] {
            let a = run("kubectl-ctx", dir.path(), &fast, args, false);
            let b = run("kubectl-ctx", dir.path(), &full, args, true);
            assert!(
                !a.ok && !b.ok,
                "{shape:?} {args:?}: {} / {}",
                a.stdout,
                b.stdout
            );
            assert_eq!(
                a.stderr.replace("/fast/", "/"),
                b.stderr.replace("/full/", "/"),
                "{shape:?} {args:?}"
            );
            assert!(
                a.stderr.contains("/config:"),
                "{shape:?}: a position: {}",
                a.stderr
            );
        }
        assert_eq!(
            fs::read_to_string(&fast).unwrap(),
            text,
            "{shape:?}: file changed"
        );
        if matches!(shape, Shape::Plain) {
            // `-c` reads no context, so only the forced full parse meets the
            // error: this proves the binaries were built with the seam.
            let a = run("kubectl-ctx", dir.path(), &fast, &["-c"], false);
            let b = run("kubectl-ctx", dir.path(), &full, &["-c"], true);
            assert!(
                a.ok && !b.ok,
                "HONBAN_TEST_FULL_PARSE is not honoured: build the plugins with --features honban/test-hooks"
            );
        }
    }
}

/// A switch of a large file writes what the full path writes, wherever and
/// however its `current-context` line stands: first, last without a final
/// line end, quoted, empty, missing, flow-styled, with CRLF.
#[test]
fn a_switch_writes_the_same_whatever_the_current_context_line() {
    let plain = text(Shape::Plain);
    let line = "current-context: ctx-0  # set by the installer\n";
    let body = plain.replace(line, "");
    let crlf = text(Shape::FlowCrlf);
    let variants = [
        ("first", format!("{line}{body}")),
        ("last, no final line end", body.clone() + line.trim_end()),
        ("single-quoted", body.clone() + "current-context: 'ctx-0'\n"),
        (
            "double-quoted",
            body.clone() + "current-context: \"ctx-0\"  # q\n",
        ),
        ("empty", body.clone() + "current-context:\n"),
        ("empty quotes", body.clone() + "current-context: \"\"\n"),
        ("missing", body.clone()),
        ("flow", body.clone() + "current-context: {a: b}\n"),
        ("CRLF", crlf),
        // Not UTF-8 where no command reads: both paths refuse the file.
        (
            "not UTF-8",
            plain.replacen("# region 7\n", "# region \u{1F600}\n", 1),
        ),
    ];
    for (what, text) in variants {
        let dir = tempfile::tempdir().unwrap();
        let [fast, full, theirs] = copies(dir.path(), &text);
        if what == "not UTF-8" {
            // The emoji's first byte alone: invalid UTF-8.
            for f in [&fast, &full] {
                let mut bytes = fs::read(f).unwrap();
                let at = bytes
                    .windows(4)
                    .position(|w| w == "\u{1F600}".as_bytes())
                    .unwrap();
                bytes.drain(at + 1..at + 4);
                fs::write(f, bytes).unwrap();
            }
        }
        let a = run("kubectl-ctx", dir.path(), &fast, &["ctx-201"], false);
        let b = run("kubectl-ctx", dir.path(), &full, &["ctx-201"], true);
        assert_eq!(a.ok, b.ok, "{what}: {} / {}", a.stderr, b.stderr);
        assert_eq!(
            a.stderr.replace("/fast/", "/"),
            b.stderr.replace("/full/", "/"),
            "{what}"
        );
        assert_eq!(fs::read(&fast).unwrap(), fs::read(&full).unwrap(), "{what}");
        if what == "not UTF-8" {
            assert!(
                !a.ok && a.stderr.contains("not UTF-8"),
                "{what}: {}",
                a.stderr
            );
            continue;
        }
        // kubectl refuses a current-context that is not a string; honban
        // replaces it (both paths alike, checked above).
        if a.ok && kubectl(&theirs, &["config", "use-context", "ctx-201"]).ok {
            let view =
                |f: &Path| json(&kubectl(f, &["config", "view", "--raw", "-o", "json"]).stdout);
            assert_eq!(view(&fast), view(&theirs), "{what}");
            let c = run("kubectl-ctx", dir.path(), &fast, &["-c"], false);
            assert_eq!(c.stdout, "ctx-201\n", "{what}");
        }
        // The next switch goes back with `-`, on the same path.
        let back = run("kubectl-ctx", dir.path(), &fast, &["-"], false);
        let prev = kubectl(&fast, &["config", "current-context"]);
        if a.ok && text.contains("current-context: 'ctx-0'") {
            assert!(back.ok, "{what}: {}", back.stderr);
            assert_eq!(prev.stdout, "ctx-0\n", "{what}");
        }
    }
}

/// The plain list (names only, as a pipe gets it) of a run.
fn names(bin_out: &Run) -> Vec<String> {
    let mut names: Vec<String> = bin_out.stdout.lines().map(str::to_string).collect();
    names.sort();
    names
}

/// Item forms in a large file's contexts, and top-level values that hold text
/// looking like a top-level key: a list read without a tree answers as the
/// full parser and kubectl, in every format; names kubectl refuses (twice, a
/// number, a boolean, two without a name) are refused with the same message.
#[test]
fn a_list_answers_as_the_full_parser_whatever_the_items() {
    if !cfg!(feature = "test-hooks") {
        panic!("this test needs the test-only seam: cargo test --features honban/test-hooks");
    }
    let items = concat!(
        "    - name: 'it''s'\n      context:\n          cluster: \"c #1\"  # note\n          namespace: ''\n",
        "    - {name: \"flow\", context: {cluster: fc, user: fu, namespace: fns}}\n",
        "    - name: nested\n      context:\n          extensions:\n              - name: e\n                extension: {a: [1, 2]}\n          user: after-list\n",
        "    - name: nulls  # c\n      context:\n          cluster: ~\n          user: null\n          namespace:\n",
        "    - name: \"quoted\"\n      context: {}\n",
        "    -   context:\n            cluster: second-key\n        name: late-name\n",
    );
    let base = text(Shape::Plain);
    let with = |extra: &str| base.replacen("contexts:\n", &format!("contexts:\n{extra}"), 1);
    let readable = [
        ("item forms", with(items)),
        ("CRLF", with(items).replace('\n', "\r\n")),
        (
            "a block scalar at the top level",
            format!("x-doc: |\n  contexts:\n  - name: fake\n{}", with(items)),
        ),
        (
            "a quoted scalar over two lines at the top level",
            format!("x-q: \"one\n  contexts: fake\"\n{}", with(items)),
        ),
        (
            "a quoted scalar over two lines with CRLF in contexts",
            with(
                "    - name: crlf\r\n      context:\r\n          namespace: \"a\r\n            b\"\r\n",
            ),
        ),
        (
            "a flow item over two lines",
            with("    - {name: span,\n       context: {cluster: sc}}\n"),
        ),
    ];
    for (what, text) in readable {
        let dir = tempfile::tempdir().unwrap();
        let [fast, full, theirs] = copies(dir.path(), &text);
        let view = kubectl(&theirs, &["config", "view", "-o", "json"]);
        assert!(view.ok, "{what}: kubectl: {}", view.stderr);
        let expected = rows(&json(&view.stdout), true);
        for args in [&["-o", "json"][..], &["-o", "name"], &["-c"], &["--prompt"]] {
            let a = run("kubectl-ctx", dir.path(), &fast, args, false);
            let b = run("kubectl-ctx", dir.path(), &full, args, true);
            assert!(a.ok && b.ok, "{what} {args:?}: {} / {}", a.stderr, b.stderr);
            // `-o json` names the file each read.
            assert!(
                a.stdout.replace("/fast/", "/") == b.stdout.replace("/full/", "/"),
                "{what} {args:?}: the answers differ"
            );
            assert_eq!(a.stderr, b.stderr, "{what} {args:?}");
            if args == ["-o", "json"] {
                assert_eq!(rows(&json(&a.stdout), false), expected, "{what}");
            }
            if args == ["-o", "name"] {
                let mut theirs: Vec<String> = expected
                    .iter()
                    .map(|r| r.split('|').next().unwrap().to_string())
                    .collect();
                theirs.sort();
                assert_eq!(names(&a), theirs, "{what}");
            }
        }
    }
    let refused = [
        ("a name twice", "    - name: ctx-5\n      context: {}\n"),
        ("a number", "    - name: 123\n"),
        ("a boolean", "    - name: yes\n      context: {}\n"),
        (
            "two without a name",
            "    - context: {}\n    - context:\n          cluster: c\n",
        ),
        ("a null name twice", "    - name: ~\n    - name:\n"),
    ];
    for (what, extra) in refused {
        let text = with(extra);
        let dir = tempfile::tempdir().unwrap();
        let [fast, full, theirs] = copies(dir.path(), &text);
        assert!(
            !kubectl(&theirs, &["config", "view"]).ok,
            "{what}: kubectl reads it"
        );
        for args in [&[][..], &["-o", "json"], &["--prompt"]] {
            let a = run("kubectl-ctx", dir.path(), &fast, args, false);
            let b = run("kubectl-ctx", dir.path(), &full, args, true);
            assert_eq!((a.ok, &a.stdout), (b.ok, &b.stdout), "{what} {args:?}");
            assert_eq!(
                a.stderr.replace("/fast/", "/"),
                b.stderr.replace("/full/", "/"),
                "{what} {args:?}"
            );
            if args.is_empty() {
                assert!(
                    !a.ok && a.stderr.contains("refuses the file"),
                    "{what}: {}",
                    a.stderr
                );
            }
        }
    }
}
