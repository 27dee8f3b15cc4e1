//! `kubectl rotate-secret --from-sops` end to end: files encrypted at test
//! time by the real sops and age-keygen (built from their Go modules by
//! tests/tools/sops.sh), AWS KMS through moto's server on loopback (sops
//! itself encrypts against it), and the real testenv. Checks the decrypted
//! content lands exactly, every workload switches, every sops check
//! (values bound to their key path, the MAC, the keys) refuses a bad file
//! before any write, and no decrypted value reaches the output.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::Duration;

use base64::Engine as _;
use serde_json::json;
use support::moto::Moto;
use support::rotate::{Run, created_name, get, secret_names};
use support::{TestEnv, plugin, testenv};

/// The directory holding `sops` and `age-keygen`, built once per cache.
fn tools() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let out = Command::new(support::repo_root().join("tests/tools/sops.sh"))
            .output()
            .expect("run tests/tools/sops.sh");
        assert!(
            out.status.success(),
            "sops.sh failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        PathBuf::from(String::from_utf8(out.stdout).unwrap().trim())
    })
}

/// An age identity in a key file, and a scratch directory for the files.
struct Keys {
    dir: tempfile::TempDir,
    key_file: PathBuf,
    recipient: String,
}

fn age_keys() -> Keys {
    let dir = tempfile::tempdir().unwrap();
    let key_file = dir.path().join("keys.txt");
    let out = Command::new(tools().join("age-keygen"))
        .arg("-o")
        .arg(&key_file)
        .output()
        .expect("run age-keygen");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(&key_file).unwrap();
    let recipient = text
        .lines()
        .find_map(|l| l.strip_prefix("# public key: "))
        .expect("age-keygen writes the public key")
        .to_string();
    Keys {
        dir,
        key_file,
        recipient,
    }
}

impl Keys {
    /// Encrypts `plain` (named `name`, whose extension picks sops' store)
    /// with the real sops for this recipient; returns the encrypted file.
    fn encrypt(&self, name: &str, plain: &str, extra: &[&str]) -> PathBuf {
        self.encrypt_with(
            name,
            plain,
            &[&["--age", &self.recipient][..], extra].concat(),
            &[],
        )
    }

    fn encrypt_with(
        &self,
        name: &str,
        plain: &str,
        args: &[&str],
        envs: &[(&str, &str)],
    ) -> PathBuf {
        let plain_path = self.dir.path().join(format!("plain-{name}"));
        std::fs::write(&plain_path, plain).unwrap();
        let mut cmd = Command::new(tools().join("sops"));
        cmd.arg("encrypt").args(args).arg(&plain_path);
        cmd.env("HOME", self.dir.path()).env_remove("SOPS_AGE_KEY");
        for (k, v) in envs {
            cmd.env(k, v);
        }
        let out = cmd.output().expect("run sops");
        assert!(
            out.status.success(),
            "sops encrypt failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        std::fs::remove_file(&plain_path).unwrap();
        let path = self.dir.path().join(name);
        std::fs::write(&path, out.stdout).unwrap();
        path
    }

    /// Writes `body` (a hand-edited file) into the scratch directory.
    fn write(&self, name: &str, body: String) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, body).unwrap();
        path
    }

    fn run(&self, env: &TestEnv, ns: &str, args: &[&str]) -> Run {
        self.run_with(
            env,
            ns,
            args,
            &[("SOPS_AGE_KEY_FILE", self.key_file.to_str().unwrap())],
        )
    }

    fn run_with(&self, env: &TestEnv, ns: &str, args: &[&str], envs: &[(&str, &str)]) -> Run {
        let mut cmd = plugin(support::rotate::BIN);
        cmd.args(args)
            .arg("--kubeconfig")
            .arg(&env.kubeconfig)
            .args(["-n", ns])
            .env("HOME", self.dir.path())
            .env("NO_COLOR", "1")
            .env_remove("SOPS_AGE_KEY")
            .env_remove("SOPS_AGE_KEY_FILE")
            .env_remove("XDG_CONFIG_HOME")
            .timeout(Duration::from_secs(180));
        for (k, v) in envs {
            cmd.env(k, v);
        }
        let out = cmd.output().expect("run kubectl-rotate_secret");
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

/// The plugin with `stdin` as its standard input (no sops keys needed).
fn piped(env: &TestEnv, ns: &str, args: &[&str], stdin: &Path) -> Run {
    let mut cmd = plugin(support::rotate::BIN);
    cmd.args(args)
        .arg("--kubeconfig")
        .arg(&env.kubeconfig)
        .args(["-n", ns])
        .pipe_stdin(stdin)
        .unwrap()
        .timeout(Duration::from_secs(120));
    let out = cmd.output().unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// A Secret's data, decoded, as sorted `key=value` pairs.
fn secret_data(env: &TestEnv, ns: &str, name: &str) -> Vec<(String, Vec<u8>)> {
    let json = get(env, ns, &format!("secret/{name}"), "{.data}");
    let map: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(if json.is_empty() { "{}" } else { &json }).unwrap();
    let mut out: Vec<(String, Vec<u8>)> = map
        .into_iter()
        .map(|(k, v)| {
            let b = base64::engine::general_purpose::STANDARD
                .decode(v.as_str().unwrap())
                .unwrap();
            (k, b)
        })
        .collect();
    out.sort();
    out
}

fn pairs(items: &[(&str, &[u8])]) -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<(String, Vec<u8>)> = items
        .iter()
        .map(|(k, b)| (k.to_string(), b.to_vec()))
        .collect();
    v.sort();
    v
}

/// Secret `app` used by a Deployment (env and envFrom) and a StatefulSet (a volume).
const WORKLOADS: &str = r#"
apiVersion: v1
kind: Secret
metadata: {name: app}
stringData: {password: old-pw-3c1f}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: nginx
        env:
        - name: PASSWORD
          valueFrom: {secretKeyRef: {name: app, key: password}}
        envFrom:
        - secretRef: {name: app}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  replicas: 1
  serviceName: db
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      containers:
      - name: db
        image: postgres
        volumeMounts: [{name: creds, mountPath: /creds}]
      volumes:
      - name: creds
        secret: {secretName: app}
"#;

// Plaintext values no output may show (nor their base64).
const PW: &str = "sops-pw-9d2e71";
const TOKEN: &str = "sops-token-5ab90c";
const BINARY: &[u8] = &[0xff, 0x00, 0xfe, 0x80, 0x7f];

fn hidden() -> Vec<String> {
    let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
    vec![
        PW.into(),
        TOKEN.into(),
        b64(PW.as_bytes()),
        b64(TOKEN.as_bytes()),
        b64(BINARY),
    ]
}

fn assert_hidden(run: &Run) {
    let secrets = hidden();
    let refs: Vec<&str> = secrets.iter().map(String::as_str).collect();
    run.assert_hides(&refs);
}

/// Two documents (a ConfigMap and Secret `app`), `data` with a binary
/// value and `stringData`, metadata in the clear as people encrypt manifests.
fn manifest() -> String {
    let bin = base64::engine::general_purpose::STANDARD.encode(BINARY);
    format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: other\ndata:\n  x: y\n---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: app\ntype: Opaque\ndata:\n  blob: {bin}\nstringData:\n  password: {PW}\n  token: {TOKEN}\n"
    )
}

#[test]
fn a_sops_manifest_rotates_every_workload_to_exactly_its_content() {
    let env = testenv();
    let ns = env.namespace("sops-rot");
    env.apply(&ns.name, WORKLOADS);
    let keys = age_keys();
    let file = keys.encrypt(
        "app.enc.yaml",
        &manifest(),
        &["--encrypted-regex", "^(data|stringData)$"],
    );
    let file = file.to_str().unwrap();

    let diff = keys.run(env, &ns.name, &["diff", "app", "--from-sops", file]);
    assert_eq!(diff.code, 0, "{}", diff.text());
    assert!(diff.text().contains("token"), "{}", diff.text());
    assert_hidden(&diff);

    let run = keys.run(
        env,
        &ns.name,
        &["app", "--from-sops", file, "--no-wait", "-o", "yaml"],
    );
    assert_eq!(run.code, 0, "{}", run.text());
    assert_hidden(&run);
    let name = created_name_from_yaml(&run);
    assert_eq!(
        secret_data(env, &ns.name, &name),
        pairs(&[
            ("blob", BINARY),
            ("password", PW.as_bytes()),
            ("token", TOKEN.as_bytes())
        ])
    );
    assert_eq!(
        get(env, &ns.name, &format!("secret/{name}"), "{.immutable}"),
        "true"
    );
    assert_eq!(
        get(
            env,
            &ns.name,
            "deployment/web",
            "{.spec.template.spec.containers[0].envFrom[0].secretRef.name}"
        ),
        name
    );
    assert_eq!(
        get(
            env,
            &ns.name,
            "deployment/web",
            "{.spec.template.spec.containers[0].env[0].valueFrom.secretKeyRef.name}"
        ),
        name
    );
    assert_eq!(
        get(
            env,
            &ns.name,
            "statefulset/db",
            "{.spec.template.spec.volumes[0].secret.secretName}"
        ),
        name
    );

    // Mixed with --set/--unset, and the second run of the same content changes nothing.
    let run = keys.run(
        env,
        &ns.name,
        &[
            "app",
            "--from-sops",
            file,
            "--unset",
            "blob",
            "--set",
            "extra=1",
            "--no-wait",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.text());
    assert_hidden(&run);
    let edited = created_name(&run);
    assert_eq!(
        secret_data(env, &ns.name, &edited),
        pairs(&[
            ("extra", b"1"),
            ("password", PW.as_bytes()),
            ("token", TOKEN.as_bytes())
        ])
    );
}

/// `-o yaml` prints the version written; its name is the one with a hash.
fn created_name_from_yaml(run: &Run) -> String {
    run.stdout
        .lines()
        .filter_map(|l| l.trim().strip_prefix("name: "))
        .find(|n| n.starts_with("app-"))
        .unwrap_or_else(|| panic!("no version name in:\n{}", run.text()))
        .to_string()
}

#[test]
fn key_files_json_dotenv_and_stdin() {
    let env = testenv();
    let ns = env.namespace("sops-keys");
    let keys = age_keys();
    let json = keys.encrypt(
        "keys.json",
        &format!("{{\"password\": \"{PW}\", \"port\": 5432, \"debug_unencrypted\": \"on\"}}"),
        &[],
    );
    // The `_unencrypted` key stays readable in the file, and is still MAC-checked.
    let text = std::fs::read_to_string(&json).unwrap();
    assert!(text.contains("\"debug_unencrypted\": \"on\""), "{text}");
    let dotenv = keys.encrypt("more.env", &format!("TOKEN={TOKEN}\nMULTI=a\\nb\n"), &[]);
    let run = keys.run(
        env,
        &ns.name,
        &[
            "app",
            "--create",
            "--from-sops",
            json.to_str().unwrap(),
            "--from-sops",
            dotenv.to_str().unwrap(),
        ],
    );
    assert_eq!(run.code, 0, "{}", run.text());
    assert_hidden(&run);
    let name = created_name(&run);
    assert_eq!(
        secret_data(env, &ns.name, &name),
        pairs(&[
            ("MULTI", b"a\nb"),
            ("TOKEN", TOKEN.as_bytes()),
            ("debug_unencrypted", b"on"),
            ("password", PW.as_bytes()),
            ("port", b"5432"),
        ])
    );

    // The pipe the refusal of other key types names: sops -d | --from-env-file -.
    let out = Command::new(tools().join("sops"))
        .arg("-d")
        .arg(&dotenv)
        .env("SOPS_AGE_KEY_FILE", &keys.key_file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let plain = keys.dir.path().join("piped.env");
    std::fs::write(&plain, out.stdout).unwrap();
    let out = piped(
        env,
        &ns.name,
        &["piped", "--create", "--from-env-file", "-"],
        &plain,
    );
    assert_eq!(out.code, 0, "{}", out.text());
    std::fs::remove_file(&plain).unwrap();
    // The pipe gives what --from-sops gave from the same file, but for a
    // multi-line value: kubectl's env-file format keeps sops' `\n` as two
    // characters (the guide says so, and how to pass such a value).
    let piped = get(env, &ns.name, "secrets", "{.items[*].metadata.name}")
        .split_whitespace()
        .find(|n| n.starts_with("piped-"))
        .expect("a piped version")
        .to_string();
    assert_eq!(
        secret_data(env, &ns.name, &piped),
        pairs(&[("MULTI", b"a\\nb"), ("TOKEN", TOKEN.as_bytes())])
    );

    // `-` reads stdin; a YAML key file; a ConfigMap target.
    let yaml = keys.encrypt("cm.yaml", "level: debug\nworkers: 4\n", &[]);
    let mut cmd = plugin(support::rotate::BIN);
    cmd.args(["configmap/settings", "--create", "--from-sops", "-"])
        .arg("--kubeconfig")
        .arg(&env.kubeconfig)
        .args(["-n", &ns.name])
        .env("HOME", keys.dir.path())
        .env(
            "SOPS_AGE_KEY",
            std::fs::read_to_string(&keys.key_file).unwrap(),
        )
        .env_remove("SOPS_AGE_KEY_FILE")
        .pipe_stdin(&yaml)
        .unwrap()
        .timeout(Duration::from_secs(120));
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let names = get(env, &ns.name, "configmaps", "{.items[*].metadata.name}");
    let cm = names
        .split_whitespace()
        .find(|n| n.starts_with("settings-"))
        .expect("a settings version");
    assert_eq!(
        get(env, &ns.name, &format!("configmap/{cm}"), "{.data.level}"),
        "debug"
    );
    assert_eq!(
        get(env, &ns.name, &format!("configmap/{cm}"), "{.data.workers}"),
        "4"
    );
}

/// Every refusal: exit 1 (or 2 for usage), nothing created, a message
/// naming the file and the check, and no decrypted value.
fn assert_refused(env: &TestEnv, ns: &str, run: &Run, file: &Path, check: &str) {
    assert_refused_with(1, env, ns, run, file, check);
}

fn assert_refused_with(code: i32, env: &TestEnv, ns: &str, run: &Run, file: &Path, check: &str) {
    assert_eq!(run.code, code, "{}", run.text());
    assert!(
        run.stderr.contains(file.to_str().unwrap()),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains(check),
        "expected {check:?} in:\n{}",
        run.stderr
    );
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    assert_hidden(run);
    let names = secret_names(env, ns);
    assert!(
        names.iter().all(|n| !n.starts_with("app-")),
        "a version was created: {names:?}"
    );
}

/// Replaces the `n`th `ENC[…]` value of the file with the `m`th one's.
fn swap_values(file: &Path, n: usize, m: usize) -> PathBuf {
    let text = std::fs::read_to_string(file).unwrap();
    let values: Vec<&str> = text
        .split("ENC[")
        .skip(1)
        .map(|t| &t[..t.find(']').unwrap()])
        .collect();
    let out = text
        .replacen(values[n], "@@", 1)
        .replacen(values[m], values[n], 1)
        .replacen("@@", values[m], 1);
    let path = file.with_extension("swapped.yaml");
    std::fs::write(&path, out).unwrap();
    path
}

#[test]
fn tampered_files_and_keys_are_refused_before_any_write() {
    let env = testenv();
    let ns = env.namespace("sops-bad");
    env.apply(&ns.name, WORKLOADS);
    let keys = age_keys();
    let plain = format!(
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: app\nstringData:\n  password: {PW}\n  token: {TOKEN}\n  note_unencrypted: hello\n"
    );
    let good = keys.encrypt("good.yaml", &plain, &[]);
    let text = std::fs::read_to_string(&good).unwrap();
    let write = |name: &str, body: String| keys.write(name, body);
    let rotate = |file: &Path| {
        keys.run(
            env,
            &ns.name,
            &["app", "--from-sops", file.to_str().unwrap(), "--no-wait"],
        )
    };

    // A changed ciphertext: its tag no longer authenticates.
    let data_start = text.find("password: ENC[AES256_GCM,data:").unwrap()
        + "password: ENC[AES256_GCM,data:".len();
    let mut bytes = text.clone().into_bytes();
    bytes[data_start] = if bytes[data_start] == b'A' {
        b'B'
    } else {
        b'A'
    };
    let changed = write("changed.yaml", String::from_utf8(bytes).unwrap());
    assert_refused(
        env,
        &ns.name,
        &rotate(&changed),
        &changed,
        "stringData:password:",
    );

    // A ciphertext moved to another key: bound to its key path.
    let moved = swap_values(&good, 3, 4);
    let moved_run = rotate(&moved);
    assert_refused(env, &ns.name, &moved_run, &moved, "fails authentication");

    // A plaintext `_unencrypted` value changed: only the MAC sees it.
    let unenc = write(
        "unenc.yaml",
        text.replace("note_unencrypted: hello", "note_unencrypted: hellO"),
    );
    assert_refused(env, &ns.name, &rotate(&unenc), &unenc, "MAC check failed");

    // The MAC itself changed.
    let mac_at =
        text.find("mac: ENC[AES256_GCM,data:").unwrap() + "mac: ENC[AES256_GCM,data:".len();
    let mut bytes = text.clone().into_bytes();
    bytes[mac_at] = if bytes[mac_at] == b'A' { b'B' } else { b'A' };
    let mac = write("mac.yaml", String::from_utf8(bytes).unwrap());
    assert_refused(env, &ns.name, &rotate(&mac), &mac, "MAC check failed");

    // lastmodified changed: the MAC no longer opens.
    let lm = regex_free_replace(&text, "lastmodified: \"", "2001");
    let lm = write("lm.yaml", lm);
    assert_refused(env, &ns.name, &rotate(&lm), &lm, "MAC check failed");
    // A lastmodified with multi-byte characters: refused, not a panic.
    let start = text.find("lastmodified: \"").unwrap() + "lastmodified: \"".len();
    let end = start + text[start..].find('"').unwrap();
    let odd = format!(
        "{}2026-12-06T15:00:00\u{e9}\u{e9}\u{e9}x{}",
        &text[..start],
        &text[end..]
    );
    let odd = write("lm-odd.yaml", odd);
    assert_refused(env, &ns.name, &rotate(&odd), &odd, "MAC check failed");

    // A wrong key, and no key at all.
    let other = age_keys();
    let wrong = keys.run_with(
        env,
        &ns.name,
        &["app", "--from-sops", good.to_str().unwrap()],
        &[("SOPS_AGE_KEY_FILE", other.key_file.to_str().unwrap())],
    );
    assert_refused(env, &ns.name, &wrong, &good, "none of the age identities");
    let missing = keys.run_with(
        env,
        &ns.name,
        &["app", "--from-sops", good.to_str().unwrap()],
        &[],
    );
    assert_refused(env, &ns.name, &missing, &good, "no age identity found");

    // An unsupported key type: the pipe that works instead.
    let pgp = write(
        "pgp.yaml",
        text.replace("    age:\n", "    pgp:\n        - fp: 0123456789ABCDEF\n          created_at: \"2024-01-01T00:00:00Z\"\n          enc: x\n    agex:\n"),
    );
    let run = keys.run_with(
        env,
        &ns.name,
        &["app", "--from-sops", pgp.to_str().unwrap()],
        &[],
    );
    assert_refused(env, &ns.name, &run, &pgp, "encrypted only for pgp");
    assert!(
        run.stderr.contains(&format!(
            "sops -d --extract '[\"stringData\"]' --output-type dotenv {} | kubectl rotate-secret secret/app --from-env-file -",
            pgp.display()
        )),
        "{}",
        run.stderr
    );

    // The good file still works, and the workloads were never touched before.
    assert_eq!(
        get(
            env,
            &ns.name,
            "deployment/web",
            "{.spec.template.spec.containers[0].envFrom[0].secretRef.name}"
        ),
        "app"
    );
    let ok = rotate(&good);
    assert_eq!(ok.code, 0, "{}", ok.text());
    assert_hidden(&ok);
}

/// Puts `new` right after the first `marker` (a crude edit of a date's first digits).
fn regex_free_replace(text: &str, marker: &str, new: &str) -> String {
    let at = text.find(marker).unwrap() + marker.len();
    format!("{}{}{}", &text[..at], new, &text[at + new.len()..])
}

#[test]
fn aws_kms_with_an_encryption_context_through_moto() {
    let env = testenv();
    let ns = env.namespace("sops-kms");
    let keys = age_keys();
    let moto = Moto::publish();
    let arn = moto.fixture("kms_key", json!({}))["arn"]
        .as_str()
        .unwrap()
        .to_string();
    let aws = moto.env_pairs();
    let aws_refs: Vec<(&str, &str)> = aws.iter().map(|(k, v)| (*k, v.as_str())).collect();
    // sops itself encrypts against moto's KMS, with a context.
    let file = keys.encrypt_with(
        "kms.yaml",
        &format!(
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: app\nstringData:\n  password: {PW}\n"
        ),
        &["--kms", &arn, "--encryption-context", "team:web,env:prod"],
        &aws_refs,
    );
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.contains("team: web"), "{text}");
    let run = keys.run_with(
        env,
        &ns.name,
        &["app", "--create", "--from-sops", file.to_str().unwrap()],
        &aws_refs,
    );
    assert_eq!(run.code, 0, "{}", run.text());
    assert_hidden(&run);
    let name = created_name(&run);
    assert_eq!(
        secret_data(env, &ns.name, &name),
        pairs(&[("password", PW.as_bytes())])
    );

    // The context is part of the key: a changed one makes KMS refuse.
    let bad = keys.dir.path().join("kms-bad.yaml");
    std::fs::write(&bad, text.replace("team: web", "team: ops")).unwrap();
    let run = keys.run_with(
        env,
        &ns.name,
        &["diff", "app", "--from-sops", bad.to_str().unwrap()],
        &aws_refs,
    );
    assert_eq!(run.code, 1, "{}", run.text());
    assert!(
        run.stderr.contains("cannot get the data key") && run.stderr.contains(&arn),
        "{}",
        run.stderr
    );
    assert_hidden(&run);
}

#[test]
fn sops_rules_mac_only_encrypted_regexes_and_select() {
    let env = testenv();
    let ns = env.namespace("sops-rules");
    let keys = age_keys();
    let two = format!(
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: first\nstringData:\n  a: one\n---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: second\nstringData:\n  password: {PW}\n  public_note: plain\n"
    );
    // mac_only_encrypted (a .sops.yaml setting only): a plaintext value may
    // change, sops still accepts the file.
    let config = keys.dir.path().join("sops-config.yaml");
    std::fs::write(
        &config,
        format!(
            "creation_rules:\n  - age: {}\n    mac_only_encrypted: true\n    unencrypted_regex: \"^(apiVersion|kind|metadata|public_.*)$\"\n",
            keys.recipient
        ),
    )
    .unwrap();
    let file = keys.encrypt_with(
        "two.yaml",
        &two,
        &[],
        &[("SOPS_CONFIG", config.to_str().unwrap())],
    );
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(
        text.contains("public_note: plain") && text.contains("mac_only_encrypted: true"),
        "{text}"
    );
    let edited = keys.dir.path().join("two-edited.yaml");
    std::fs::write(
        &edited,
        text.replace("public_note: plain", "public_note: edited"),
    )
    .unwrap();
    let edited = edited.to_str().unwrap();

    // Neither document is named BASE: --select picks one, else a usage error naming them.
    let run = keys.run(env, &ns.name, &["app", "--create", "--from-sops", edited]);
    assert_eq!(run.code, 2, "{}", run.text());
    assert!(
        run.stderr.contains("first, second") && run.stderr.contains("--select"),
        "{}",
        run.stderr
    );
    let run = keys.run(
        env,
        &ns.name,
        &[
            "app",
            "--create",
            "--from-sops",
            edited,
            "--select",
            "second",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.text());
    assert_hidden(&run);
    assert_eq!(
        secret_data(env, &ns.name, &created_name(&run)),
        pairs(&[("password", PW.as_bytes()), ("public_note", b"edited")])
    );

    // Without mac_only_encrypted the same edit breaks the MAC.
    let strict = keys.encrypt(
        "strict.yaml",
        &two,
        &[
            "--unencrypted-regex",
            "^(apiVersion|kind|metadata|public_.*)$",
        ],
    );
    let text = std::fs::read_to_string(&strict).unwrap();
    let bad = keys.dir.path().join("strict-edited.yaml");
    std::fs::write(
        &bad,
        text.replace("public_note: plain", "public_note: edited"),
    )
    .unwrap();
    let run = keys.run(
        env,
        &ns.name,
        &[
            "diff",
            "app",
            "--from-sops",
            bad.to_str().unwrap(),
            "--select",
            "second",
        ],
    );
    assert_eq!(run.code, 1, "{}", run.text());
    assert!(run.stderr.contains("MAC check failed"), "{}", run.stderr);

    // encrypted_suffix: only keys ending in it are encrypted, the rest is MAC-checked.
    let file = keys.encrypt(
        "suffix.env",
        &format!("TOKEN_secret={TOKEN}\nLEVEL=debug\n"),
        &["--encrypted-suffix", "_secret"],
    );
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(
        text.contains("LEVEL=debug") && !text.contains(TOKEN),
        "{text}"
    );
    let run = keys.run(
        env,
        &ns.name,
        &[
            "suffixed",
            "--create",
            "--from-sops",
            file.to_str().unwrap(),
        ],
    );
    assert_eq!(run.code, 0, "{}", run.text());
    let name = get(env, &ns.name, "secrets", "{.items[*].metadata.name}")
        .split_whitespace()
        .find(|n| n.starts_with("suffixed-"))
        .unwrap()
        .to_string();
    assert_eq!(
        secret_data(env, &ns.name, &name),
        pairs(&[("LEVEL", b"debug"), ("TOKEN_secret", TOKEN.as_bytes())])
    );
}

/// A malformed file: exit 2, one line naming the file and what is wrong,
/// nothing created, and no unbounded work on the way.
fn assert_malformed(env: &TestEnv, ns: &str, run: &Run, file: &Path, what: &str) {
    assert!(
        run.stderr
            .starts_with(&format!("error: {}: ", file.display())),
        "{}",
        run.stderr
    );
    assert_refused_with(2, env, ns, run, file, what);
}

#[test]
fn malformed_files_are_refused_in_one_line() {
    let env = testenv();
    let ns = env.namespace("sops-malformed");
    let keys = age_keys();
    let good = keys.encrypt("keys.env", &format!("TOKEN={TOKEN}\n"), &[]);
    let text = std::fs::read_to_string(&good).unwrap();
    let write = |name: &str, body: String| keys.write(name, body);
    let rotate = |file: &Path| {
        keys.run(
            env,
            &ns.name,
            &["app", "--create", "--from-sops", file.to_str().unwrap()],
        )
    };

    // A flattened list index far out: refused, not a list filled up to it.
    for index in ["200000", "x"] {
        let far = write(
            &format!("far-{index}.env"),
            text.replace("sops_age__list_0__", &format!("sops_age__list_{index}__")),
        );
        assert_malformed(env, &ns.name, &rotate(&far), &far, "is not a list index");
    }

    // A flattened entry nested 300,000 levels deep: refused, not a stack overflow.
    let deep = write(
        "deep.env",
        format!("{text}sops_x{}=1\n", "__map_x".repeat(300_000)),
    );
    assert_malformed(
        env,
        &ns.name,
        &rotate(&deep),
        &deep,
        "nested deeper than 16 levels",
    );

    // Aliases of aliases (10^6 values from seven lines): refused while counting.
    let mut bomb = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..6 {
        let refs = vec![format!("*a{}", i - 1); 10].join(", ");
        bomb.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
    }
    let bomb = write("bomb.yaml", bomb);
    assert_malformed(
        env,
        &ns.name,
        &rotate(&bomb),
        &bomb,
        "aliases expand too far",
    );

    // A file or stdin over 8 MiB (more than any Secret holds) is refused
    // after reading no more than that.
    let big = write("big.yaml", format!("a: {}\n", "x".repeat(8 * 1024 * 1024)));
    assert_malformed(env, &ns.name, &rotate(&big), &big, "larger than 8 MiB");
    for flag in ["--from-sops", "--from-env-file"] {
        let out = piped(env, &ns.name, &["app", "--create", flag, "-"], &big);
        assert_eq!(out.code, 2, "{flag}: {}", out.text());
        assert_eq!(
            out.stderr.trim_end(),
            "error: stdin: larger than 8 MiB, more than any Secret or ConfigMap holds",
            "{flag}"
        );
    }
}

/// `text` (written by sops for an age key) as if encrypted for PGP only.
fn pgp_only(text: &str) -> String {
    text.replace(
        "    age:\n",
        "    pgp:\n        - fp: 0123456789ABCDEF\n          created_at: \"2024-01-01T00:00:00Z\"\n          enc: x\n    agex:\n",
    )
}

#[test]
fn the_sops_command_a_refusal_names_gives_the_same_content() {
    let env = testenv();
    let ns = env.namespace("sops-instead");
    let keys = age_keys();
    let bin = base64::engine::general_purpose::STANDARD.encode(BINARY);
    let cases = [
        (
            "both.yaml",
            format!(
                "apiVersion: v1\nkind: Secret\nmetadata:\n  name: app\ndata:\n  blob: {bin}\nstringData:\n  password: {PW}\n  token: {TOKEN}\n"
            ),
            pairs(&[
                ("blob", BINARY),
                ("password", PW.as_bytes()),
                ("token", TOKEN.as_bytes()),
            ]),
        ),
        (
            "strings.yaml",
            format!(
                "apiVersion: v1\nkind: Secret\nmetadata:\n  name: app\nstringData:\n  password: {PW}\n"
            ),
            pairs(&[("password", PW.as_bytes())]),
        ),
        (
            "map.json",
            format!("{{\"password\": \"{PW}\", \"port\": 5432}}"),
            pairs(&[("password", PW.as_bytes()), ("port", b"5432")]),
        ),
        (
            "keys.env",
            format!("TOKEN={TOKEN}\n"),
            pairs(&[("TOKEN", TOKEN.as_bytes())]),
        ),
    ];
    for (i, (name, plain, want)) in cases.into_iter().enumerate() {
        let aged = keys.encrypt(name, &plain, &[]);
        let pgp = keys.dir.path().join(format!("pgp-{name}"));
        let text = std::fs::read_to_string(&aged).unwrap();
        let twin = if name.ends_with(".env") {
            text.replace("sops_age__list_0__map_", "sops_pgp__list_0__map_")
        } else if name.ends_with(".json") {
            text.replace("\"age\":", "\"pgp\":")
        } else {
            pgp_only(&text)
        };
        std::fs::write(&pgp, twin).unwrap();
        let base = format!("app{i}");
        let refused = keys.run(
            env,
            &ns.name,
            &[&base, "--create", "--from-sops", pgp.to_str().unwrap()],
        );
        assert_eq!(refused.code, 1, "{name}: {}", refused.text());
        let (_, command) = refused
            .stderr
            .trim_end()
            .split_once("decrypt it with sops instead: ")
            .unwrap_or_else(|| panic!("{name}: {}", refused.stderr));
        // Run as given, on the age twin, through the plugin binary and the real sops.
        let command = command
            .replace(pgp.to_str().unwrap(), aged.to_str().unwrap())
            .replace(
                "kubectl rotate-secret",
                support::bin(support::rotate::BIN).to_str().unwrap(),
            );
        let path = format!(
            "{}:{}",
            tools().display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let out = Command::new("bash")
            .arg("-c")
            .arg(format!(
                "set -o pipefail; {command} --create --kubeconfig {} -n {}",
                env.kubeconfig.display(),
                ns.name
            ))
            .env("PATH", path)
            .env("HOME", keys.dir.path())
            .env("NO_COLOR", "1")
            .env("SOPS_AGE_KEY_FILE", &keys.key_file)
            .env_remove("KUBECONFIG")
            .output()
            .unwrap();
        let run = Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        };
        assert_eq!(run.code, 0, "{name}: {command}\n{}", run.text());
        let created = get(env, &ns.name, "secrets", "{.items[*].metadata.name}")
            .split_whitespace()
            .find(|n| n.starts_with(&format!("{base}-")))
            .unwrap_or_else(|| panic!("{name}: no version of {base}"))
            .to_string();
        assert_eq!(
            secret_data(env, &ns.name, &created),
            want,
            "{name}: {command}"
        );
    }
}
