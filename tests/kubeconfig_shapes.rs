//! Kubeconfig shapes against the pinned kubectl: for each file, honban's context
//! list, `-c` and switch must give what kubectl's `config view`, `current-context`
//! and `use-context` give, or fail where kubectl fails. Each shape runs as it is
//! (the small-file readers) and padded past 128 KB (the lazy and streaming
//! readers), so every read path answers the same.

mod support;

use std::fs;
use std::path::Path;
use std::process::Command;

use serde_json::Value;
use support::{kubectl_path, plugin};

/// What kubectl does with a shape, checked first so a case cannot drift.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Kubectl {
    /// Reads it and switches.
    Reads,
    /// Reads it, but a key is set twice: honban reads as kubectl does and
    /// refuses to edit, naming both lines.
    ReadsAmbiguous,
    /// Refuses the file: honban refuses every command too.
    Refuses,
}

struct Shape {
    name: &'static str,
    text: &'static str,
    switch_to: &'static str,
    kubectl: Kubectl,
}

const SHAPES: &[Shape] = &[
    Shape {
        name: "kubectl's own layout",
        text: "apiVersion: v1\nclusters:\n- cluster:\n    server: https://a.example:6443\n  name: c\ncontexts:\n- context:\n    cluster: c\n    user: u\n  name: a\n- context:\n    cluster: c\n    namespace: nb\n    user: u\n  name: b\ncurrent-context: a\nkind: Config\npreferences: {}\nusers:\n- name: u\n  user:\n    token: t0\n",
        switch_to: "b",
        kubectl: Kubectl::Reads,
    },
    Shape {
        name: "tab after a colon",
        text: "contexts:\n- name:\ta\n  context:\n    cluster:\tc\n- name: prod\n  context:\n    namespace:\t\"np\"\t# note\ncurrent-context:\tprod\n",
        switch_to: "a",
        kubectl: Kubectl::Reads,
    },
    Shape {
        name: "a tab after a list item's dash",
        text: "contexts:\n- name: a\n  context: {cluster: c}\n-\tname: b\n  context: {}\ncurrent-context: a\n",
        switch_to: "b",
        kubectl: Kubectl::Refuses,
    },
    Shape {
        name: "CRLF line ends",
        text: "contexts:\r\n- name: a\r\n  context:\r\n    cluster: c\r\n- name: b\r\n  context:\r\n    namespace: nb\r\ncurrent-context: a\r\n",
        switch_to: "b",
        kubectl: Kubectl::Reads,
    },
    Shape {
        name: "byte order mark",
        text: "\u{feff}contexts:\n- name: a\n  context:\n    cluster: c\n- name: b\n  context:\n    namespace: nb\ncurrent-context: a\n",
        switch_to: "b",
        kubectl: Kubectl::Reads,
    },
    Shape {
        name: "flow style",
        text: "{contexts: [{name: a, context: {cluster: c}}, {name: b, context: {namespace: nb}}],\n current-context: a}\n",
        switch_to: "b",
        kubectl: Kubectl::Reads,
    },
    Shape {
        name: "JSON",
        text: "{\"apiVersion\": \"v1\", \"kind\": \"Config\",\n \"contexts\": [{\"name\": \"a\", \"context\": {\"cluster\": \"c\"}},\n              {\"name\": \"b\", \"context\": {\"namespace\": \"nb\"}}],\n \"current-context\": \"a\"}\n",
        switch_to: "b",
        kubectl: Kubectl::Reads,
    },
    Shape {
        name: "quoting styles",
        text: "contexts:\n- name: 'it''s'\n  context: {cluster: \"c #1\"}\n- name: \"d\\u0071\"\n  context: {namespace: '123'}\n- name: \"456\"\n  context: {user: plain value}\ncurrent-context: >-\n  it's\n",
        switch_to: "dq",
        kubectl: Kubectl::Reads,
    },
    Shape {
        name: "anchors, aliases and merge keys",
        text: "base: &base {cluster: c, namespace: from-base}\ncontexts:\n- name: &first a\n  context:\n    namespace: own\n    <<: *base\n- name: b\n  context:\n    <<: *base\n    namespace: own\n- name: m\n  context:\n    <<: [{namespace: one}, {namespace: two, user: u}]\n- name: alias\n  context: *base\ncurrent-context: *first\n",
        switch_to: "b",
        kubectl: Kubectl::Reads,
    },
    Shape {
        name: "multi-document: the first is read",
        text: "contexts:\n- name: a\n  context: {cluster: c}\n- name: b\n  context: {namespace: nb}\ncurrent-context: a\n---\ncontexts:\n- name: z\ncurrent-context: z\n",
        switch_to: "b",
        kubectl: Kubectl::Reads,
    },
    Shape {
        name: "multi-document: a broken second one is not read",
        text: "contexts:\n- name: a\n  context: {cluster: c}\n- name: b\n  context: {}\ncurrent-context: a\n---\ncontexts: [unclosed\n",
        switch_to: "b",
        kubectl: Kubectl::Reads,
    },
    Shape {
        name: "directive, markers and comments",
        text: "%YAML 1.1\n# head\n---\ncontexts:\n    # indented items\n    - name: a   # first\n      context:\n          cluster: c\n    - context:\n          namespace: nb\n      name: b\ncurrent-context: a # last used\n...\n",
        switch_to: "b",
        kubectl: Kubectl::Reads,
    },
    Shape {
        name: "current-context set twice",
        text: "contexts:\n- name: a\n  context: {cluster: c}\n- name: b\n  context: {namespace: nb}\n- name: c\n  context: {}\ncurrent-context: a\ncurrent-context: b\n",
        switch_to: "c",
        kubectl: Kubectl::ReadsAmbiguous,
    },
    Shape {
        name: "contexts section twice",
        text: "contexts:\n- name: a\n  context: {cluster: c}\ncurrent-context: b\ncontexts:\n- name: b\n  context: {namespace: nb}\n- name: c\n  context: {}\n",
        switch_to: "c",
        kubectl: Kubectl::ReadsAmbiguous,
    },
    Shape {
        name: "a key twice inside a context",
        text: "contexts:\n- name: a\n  context:\n    namespace: one\n    cluster: c\n    namespace: two\n- name: b\n  name: c\n  context: {}\ncurrent-context: a\n",
        switch_to: "c",
        kubectl: Kubectl::ReadsAmbiguous,
    },
    Shape {
        name: "JSON with a key twice",
        text: "{\"contexts\": [{\"name\": \"a\"}, {\"name\": \"b\"}, {\"name\": \"c\"}],\n \"current-context\": \"a\", \"current-context\": \"b\"}\n",
        switch_to: "c",
        kubectl: Kubectl::ReadsAmbiguous,
    },
    Shape {
        name: "a context name twice",
        text: "contexts:\n- name: a\n  context: {cluster: c}\n- name: b\n  context: {namespace: nb}\n- name: a\n  context: {namespace: other}\ncurrent-context: a\n",
        switch_to: "b",
        kubectl: Kubectl::Refuses,
    },
    Shape {
        name: "a cluster name twice",
        text: "clusters:\n- name: c\n  cluster: {server: https://one}\n- name: c\n  cluster: {server: https://two}\ncontexts:\n- name: a\n  context: {cluster: c}\n- name: b\n  context: {}\ncurrent-context: a\n",
        switch_to: "b",
        kubectl: Kubectl::Refuses,
    },
    Shape {
        name: "a user name twice",
        text: "users:\n- name: u\n  user:\n    token: one\n-   user:\n      token: two\n    name: 'u'\ncontexts:\n- name: a\n  context: {user: u}\n- name: b\n  context: {}\ncurrent-context: a\n",
        switch_to: "b",
        kubectl: Kubectl::Refuses,
    },
    Shape {
        name: "names that YAML 1.1 reads as a boolean or a number",
        text: "contexts:\n- name: yes\n  context: {}\n- name: b\n  context: {}\ncurrent-context: b\n",
        switch_to: "b",
        kubectl: Kubectl::Refuses,
    },
    Shape {
        name: "a current-context that is a number",
        text: "contexts:\n- name: '1.5'\n  context: {}\n- name: b\n  context: {}\ncurrent-context: 1.5\n",
        switch_to: "b",
        kubectl: Kubectl::Refuses,
    },
];

/// Pads a shape past 128 KB without changing what it means: a large list of
/// users (or clusters) in block style, or trailing blank lines for flow style.
fn padded(text: &str) -> String {
    let flow = text.trim_start_matches('\u{feff}').starts_with('{');
    let multi_doc = text.contains("\n---\n") || text.starts_with('%');
    let has =
        |key: &str| text.starts_with(&format!("{key}:")) || text.contains(&format!("\n{key}:"));
    let mut out = text.to_string();
    if !out.ends_with('\n') {
        out.push('\n');
    }
    if flow || multi_doc {
        // A comment would turn JSON into YAML; blank lines keep either.
        if multi_doc {
            let body = &out[..];
            let mut lines = String::new();
            for i in 0..2000 {
                lines.push_str(&format!("# padding line {i} {}\n", "x".repeat(60)));
            }
            return format!("{lines}{body}");
        }
        out.push_str(&" \n".repeat(70_000));
        return out;
    }
    let list = if !has("users") {
        "users"
    } else if !has("clusters") {
        "clusters"
    } else {
        "x-padding"
    };
    out.push_str(&format!("{list}:\n"));
    for i in 0..400 {
        out.push_str(&format!(
            "- name: pad-{i}\n  {}:\n    token: {}\n",
            &list[..list.len() - 1],
            "t".repeat(300)
        ));
    }
    assert!(out.len() > 128 * 1024);
    out
}

struct Run {
    ok: bool,
    stdout: String,
    stderr: String,
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

fn ctx(dir: &Path, config: &Path, args: &[&str]) -> Run {
    let out = plugin("kubectl-ctx")
        .args(args)
        .env("KUBECONFIG", config)
        .env("HOME", dir)
        .env("XDG_CACHE_HOME", dir.join("cache"))
        .env("XDG_RUNTIME_DIR", dir.join("run"))
        .output()
        .expect("run kubectl-ctx");
    let run = Run {
        ok: out.status.success(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    if !run.ok {
        assert_eq!(out.status.code(), Some(1), "exit code: {}", run.stderr);
        assert_eq!(
            run.stderr.trim().lines().count(),
            1,
            "one line: {}",
            run.stderr
        );
    }
    run
}

/// kubectl's contexts as sorted `name|cluster|user|namespace` rows.
fn kubectl_contexts(view: &Value) -> Vec<String> {
    let mut rows: Vec<String> = view["contexts"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .map(|c| {
            let f = |k: &str| c["context"][k].as_str().unwrap_or_default().to_string();
            format!(
                "{}|{}|{}|{}",
                c["name"].as_str().unwrap_or_default(),
                f("cluster"),
                f("user"),
                f("namespace")
            )
        })
        .collect();
    rows.sort();
    rows
}

fn honban_contexts(list: &Value) -> Vec<String> {
    let mut rows: Vec<String> = list
        .as_array()
        .expect("a JSON list")
        .iter()
        .map(|c| {
            let f = |k: &str| c[k].as_str().unwrap_or_default().to_string();
            format!(
                "{}|{}|{}|{}",
                f("name"),
                f("cluster"),
                f("user"),
                f("namespace")
            )
        })
        .collect();
    rows.sort();
    rows
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

/// One shape, one size: list, `-c` and switch against kubectl.
fn check(shape: &Shape, text: &str, size: &str) {
    let case = format!("{} ({size})", shape.name);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("config");
    fs::write(&file, text).unwrap();

    let view = kubectl(&file, &["config", "view", "-o", "json"]);
    assert_eq!(
        view.ok,
        shape.kubectl != Kubectl::Refuses,
        "{case}: kubectl config view: {}",
        view.stderr
    );
    let list = ctx(dir.path(), &file, &["-o", "json"]);
    let current = ctx(dir.path(), &file, &["-c"]);
    let kubectl_current = kubectl(&file, &["config", "current-context"]);
    if shape.kubectl == Kubectl::Refuses {
        assert!(
            !list.ok,
            "{case}: listed a file kubectl refuses:\n{}",
            list.stdout
        );
        assert!(!current.ok, "{case}: -c printed {}", current.stdout);
        let switch = ctx(dir.path(), &file, &[shape.switch_to]);
        assert!(!switch.ok, "{case}: switched in a file kubectl refuses");
        assert!(
            switch.stderr.contains("refuses"),
            "{case}: {}",
            switch.stderr
        );
        assert_eq!(
            fs::read_to_string(&file).unwrap(),
            text,
            "{case}: file changed"
        );
        return;
    }
    assert!(list.ok, "{case}: list failed: {}", list.stderr);
    assert_eq!(
        honban_contexts(&json(&list.stdout)),
        kubectl_contexts(&json(&view.stdout)),
        "{case}: contexts"
    );
    assert_eq!(
        current.ok, kubectl_current.ok,
        "{case}: -c: {}",
        current.stderr
    );
    assert_eq!(current.stdout, kubectl_current.stdout, "{case}: -c");

    // Switch: honban in one copy, kubectl in another.
    let theirs = dir.path().join("kubectl-config");
    fs::write(&theirs, text).unwrap();
    let used = kubectl(&theirs, &["config", "use-context", shape.switch_to]);
    assert!(used.ok, "{case}: kubectl use-context: {}", used.stderr);
    let switch = ctx(dir.path(), &file, &[shape.switch_to]);
    if shape.kubectl == Kubectl::ReadsAmbiguous {
        assert!(
            !switch.ok,
            "{case}: edited an ambiguous file: {}",
            switch.stderr
        );
        assert!(
            switch.stderr.contains("is set twice") && switch.stderr.contains("lines "),
            "{case}: {}",
            switch.stderr
        );
        assert_eq!(
            fs::read_to_string(&file).unwrap(),
            text,
            "{case}: file changed"
        );
        return;
    }
    assert!(switch.ok, "{case}: switch failed: {}", switch.stderr);
    assert_eq!(
        switch.stderr.trim(),
        format!("Switched to context {:?}.", shape.switch_to),
        "{case}"
    );
    let after = kubectl(&file, &["config", "current-context"]);
    assert_eq!(
        after.stdout.trim(),
        shape.switch_to,
        "{case}: kubectl after honban's switch"
    );
    let ours_view = kubectl(&file, &["config", "view", "--raw", "-o", "json"]);
    let theirs_view = kubectl(&theirs, &["config", "view", "--raw", "-o", "json"]);
    assert_eq!(
        json(&ours_view.stdout),
        json(&theirs_view.stdout),
        "{case}: honban's switch and kubectl's use-context mean different files"
    );
}

/// Runs every shape and reports all that disagree, not only the first.
fn check_all(size: &str, text_of: fn(&Shape) -> String) {
    let failed: Vec<&str> = SHAPES
        .iter()
        .filter(|shape| std::panic::catch_unwind(|| check(shape, &text_of(shape), size)).is_err())
        .map(|shape| shape.name)
        .collect();
    assert!(
        failed.is_empty(),
        "shapes that disagree with kubectl ({size}): {failed:#?}"
    );
}

#[test]
fn every_shape_reads_and_switches_as_kubectl_does() {
    check_all("small", |shape| shape.text.to_string());
}

#[test]
fn every_shape_padded_past_128_kb_reads_and_switches_as_kubectl_does() {
    check_all("padded past 128 KB", |shape| padded(shape.text));
}

#[test]
fn a_refused_edit_names_both_lines_and_what_to_remove() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("config");
    let text = "contexts:\n- name: a\n- name: b\ncurrent-context: a\ncurrent-context: b\n";
    fs::write(&file, text).unwrap();
    let switch = ctx(dir.path(), &file, &["a"]);
    assert!(!switch.ok);
    assert!(
        switch.stderr.contains(
            "current-context is set twice at the top level, on lines 4 and 5, and kubectl reads only line 5: remove the current-context on line 4"
        ),
        "{}",
        switch.stderr
    );
    // Reads still answer as kubectl does: the last one.
    assert_eq!(ctx(dir.path(), &file, &["-c"]).stdout, "b\n");
    let dup = "contexts:\n- name: a\n- name: b\n- name: a\ncurrent-context: b\n";
    fs::write(&file, dup).unwrap();
    let list = ctx(dir.path(), &file, &[]);
    assert!(
        list.stderr
            .contains("context \"a\" is defined twice, on lines 2 and 4"),
        "{}",
        list.stderr
    );
}
