//! Kubeconfig integration: `setup` writes the cluster, user and context for an
//! EKS cluster; `migrate` turns existing `aws eks get-token` and
//! `aws-iam-authenticator token` exec entries into honban entries. Both go
//! through the kubeconfig engine: only the entries they touch change, and the
//! file is written under kubectl's lock.

use std::path::Path;

use serde::Serialize;
use serde_json::{Map, Value, json};

use super::SetupArgs;
use super::exec::V1;
use crate::aws::endpoint;
use crate::error::{Error, Result};
use crate::kubeconfig::{Change, Kubeconfig, NamedEntry, Source, edit};

/// The command kubectl runs: found on PATH, as krew installs it.
pub(crate) const COMMAND: &str = "kubectl-aws_token";
pub(crate) const INSTALL_HINT: &str =
    "kubectl-aws_token is part of honban; install it with `kubectl krew install honban/aws-token`";

/// What honban's exec entry carries.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct ExecSettings {
    pub(crate) cluster_name: Option<String>,
    pub(crate) cluster_id: Option<String>,
    pub(crate) region: Option<String>,
    pub(crate) role_arn: Option<String>,
    pub(crate) external_id: Option<String>,
    pub(crate) session_name: Option<String>,
    pub(crate) forward_session_name: bool,
    pub(crate) profile_arg: Option<String>,
    /// `env` entries to keep or set (name, value).
    pub(crate) env: Vec<(String, String)>,
}

impl ExecSettings {
    pub(crate) fn args(&self) -> Vec<String> {
        let mut args = Vec::new();
        let mut push = |flag: &str, v: &Option<String>| {
            if let Some(v) = v {
                args.push(flag.to_string());
                args.push(v.clone());
            }
        };
        push("--cluster-name", &self.cluster_name);
        push("--cluster-id", &self.cluster_id);
        push("--region", &self.region);
        push("--profile", &self.profile_arg);
        push("--role-arn", &self.role_arn);
        push("--external-id", &self.external_id);
        push("--session-name", &self.session_name);
        if self.forward_session_name {
            args.push("--forward-session-name".into());
        }
        args
    }

    /// The kubeconfig `exec` stanza.
    pub(crate) fn exec(&self) -> Value {
        let mut exec = Map::new();
        exec.insert("apiVersion".into(), json!(V1));
        exec.insert("command".into(), json!(COMMAND));
        exec.insert("args".into(), json!(self.args()));
        if !self.env.is_empty() {
            exec.insert(
                "env".into(),
                Value::Array(
                    self.env
                        .iter()
                        .map(|(n, v)| json!({"name": n, "value": v}))
                        .collect(),
                ),
            );
        }
        exec.insert("interactiveMode".into(), json!("IfAvailable"));
        exec.insert("provideClusterInfo".into(), json!(true));
        exec.insert("installHint".into(), json!(INSTALL_HINT));
        Value::Object(exec)
    }
}

/// What setup did, per entry.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct SetupOutcome {
    pub(crate) name: String,
    pub(crate) file: String,
    pub(crate) cluster: &'static str,
    pub(crate) user: &'static str,
    pub(crate) context: &'static str,
    pub(crate) current: bool,
}

/// Reads `--ca-file` (PEM) or checks `--ca-data` (base64 PEM).
pub(crate) fn ca_data(file: Option<&Path>, data: Option<&str>) -> Result<String> {
    use base64::Engine;
    use base64::engine::general_purpose::STANDARD;
    match (file, data) {
        (Some(f), None) => {
            // A flag naming a file that is not there is a usage mistake.
            let pem = std::fs::read(f).map_err(|e| {
                let why = e.to_string();
                let why = why.split(" (os error").next().unwrap_or_default();
                Error::Usage(format!(
                    "--ca-file {}: cannot read it ({}); give the cluster's CA certificate as a PEM file",
                    f.display(),
                    why.to_lowercase()
                ))
            })?;
            if !pem.starts_with(b"-----BEGIN") {
                return Err(Error::Usage(format!(
                    "{} is not a PEM certificate",
                    f.display()
                )));
            }
            Ok(STANDARD.encode(pem))
        }
        (None, Some(d)) => {
            let d = d.trim();
            let pem = STANDARD
                .decode(d)
                .map_err(|_| Error::Usage("--ca-data is not valid base64".into()))?;
            if !pem.starts_with(b"-----BEGIN") {
                return Err(Error::Usage(
                    "--ca-data does not decode to a PEM certificate".into(),
                ));
            }
            Ok(d.to_string())
        }
        _ => Err(Error::Usage(
            "give exactly one of --ca-file FILE or --ca-data BASE64".into(),
        )),
    }
}

fn validate_server(server: &str) -> Result<()> {
    if !server.starts_with("https://") || server.len() <= "https://".len() {
        return Err(Error::Usage(format!(
            "--server {server:?} must be an https URL (the cluster's API endpoint)"
        )));
    }
    Ok(())
}

/// Where the cluster is: from `--server` and the CA flags, or from EKS.
#[derive(Debug, Clone)]
pub(crate) struct Target {
    pub(crate) server: String,
    /// The checked base64 PEM (see [`ca_data`]).
    pub(crate) ca_data: String,
    /// The region to write into the exec args when the server URL does not name it.
    pub(crate) region: Option<String>,
}

/// The cluster, user and context `setup` writes.
pub(crate) fn plan_setup(
    kc: &Kubeconfig,
    req: &SetupArgs,
    target: &Target,
) -> Result<(Change, SetupOutcome)> {
    validate_server(&target.server)?;
    if let Some(r) = req.region.first() {
        endpoint::validate_region(r)?;
    }
    let (server, ca_data) = (&target.server, &target.ca_data);
    let name = req
        .alias
        .clone()
        .or_else(|| req.cluster_name.clone())
        .unwrap_or_default();
    let settings = ExecSettings {
        cluster_name: req
            .cluster_id
            .is_none()
            .then(|| req.cluster_name.clone())
            .flatten(),
        cluster_id: req.cluster_id.clone(),
        // The EKS server URL names the region; say it anyway when it does not.
        region: req
            .region
            .first()
            .cloned()
            .or_else(|| endpoint::region_from_eks_server(server))
            .or_else(|| target.region.clone()),
        role_arn: req.role_arn.clone(),
        env: req
            .profile
            .iter()
            .map(|p| ("AWS_PROFILE".to_string(), p.clone()))
            .collect(),
        ..Default::default()
    };
    let entries = [
        NamedEntry::new(
            "clusters",
            &name,
            "cluster",
            json!({"server": server, "certificate-authority-data": ca_data}),
        ),
        NamedEntry::new("users", &name, "user", json!({"exec": settings.exec()})),
        NamedEntry::new(
            "contexts",
            &name,
            "context",
            json!({"cluster": name, "user": name}),
        ),
    ];
    let status = |list: &str| {
        if kc.file_defining(list, &name).is_some() {
            "updated"
        } else {
            "added"
        }
    };
    let dest = kc.default_destination();
    let change = kc.plan_upsert(dest, &entries, req.set_current.then_some(name.as_str()))?;
    let outcome = SetupOutcome {
        file: kc.files[dest].path.display().to_string(),
        cluster: status("clusters"),
        user: status("users"),
        context: status("contexts"),
        current: req.set_current,
        name,
    };
    Ok((change, outcome))
}

/// The kubeconfig setup changes; like `kubectl config set-cluster`, setup
/// may create the file it is given.
pub(crate) fn load(flag: Option<&Path>) -> Result<Kubeconfig> {
    match flag {
        Some(path) if !path.exists() => {
            Kubeconfig::load_paths(vec![path.to_path_buf()], Source::Flag)
        }
        _ => Kubeconfig::load(flag),
    }
}

/// An exec entry recognised for migration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Migration {
    pub(crate) user: String,
    pub(crate) file: String,
    pub(crate) from: &'static str,
    #[serde(skip)]
    pub(crate) file_index: usize,
    #[serde(skip)]
    pub(crate) exec: Value,
}

fn flag_value(args: &[String], names: &[&str]) -> Option<String> {
    let mut it = args.iter();
    while let Some(a) = it.next() {
        for n in names {
            if a == n {
                return it.next().cloned();
            }
            if let Some(v) = a.strip_prefix(&format!("{n}=")) {
                return Some(v.to_string());
            }
        }
    }
    None
}

fn has_flag(args: &[String], name: &str) -> bool {
    args.iter()
        .any(|a| a == name || a.starts_with(&format!("{name}=")))
}

fn command_name(command: &str) -> &str {
    command.rsplit('/').next().unwrap_or(command)
}

/// The honban exec stanza equivalent to an existing one, if it is one we migrate.
pub(crate) fn migrate_exec(exec: &Value) -> Option<(&'static str, Value)> {
    let command = exec.get("command")?.as_str()?;
    let args: Vec<String> = exec
        .get("args")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    let env: Vec<(String, String)> = exec
        .get("env")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|e| {
                    Some((
                        e.get("name")?.as_str()?.to_string(),
                        e.get("value")?.as_str().unwrap_or_default().to_string(),
                    ))
                })
                .collect()
        })
        .unwrap_or_default();
    let (from, settings) = match command_name(command) {
        "aws" | "aws.exe" | "aws2" => {
            let words: Vec<&str> = args
                .iter()
                .map(String::as_str)
                .filter(|a| !a.starts_with('-'))
                .collect();
            if !words.windows(2).any(|w| w == ["eks", "get-token"]) {
                return None;
            }
            (
                "aws eks get-token",
                ExecSettings {
                    cluster_name: flag_value(&args, &["--cluster-name"]),
                    cluster_id: flag_value(&args, &["--cluster-id"]),
                    region: flag_value(&args, &["--region"]),
                    role_arn: flag_value(&args, &["--role-arn", "--role"]),
                    profile_arg: flag_value(&args, &["--profile"]),
                    env,
                    ..Default::default()
                },
            )
        }
        "aws-iam-authenticator" => {
            if !args.iter().any(|a| a == "token") {
                return None;
            }
            (
                "aws-iam-authenticator token",
                ExecSettings {
                    cluster_name: flag_value(&args, &["-i", "--cluster-id"]),
                    region: flag_value(&args, &["--region"]),
                    role_arn: flag_value(&args, &["-r", "--role"]),
                    external_id: flag_value(&args, &["-e", "--external-id"]),
                    session_name: flag_value(&args, &["-s", "--session-name"]),
                    forward_session_name: has_flag(&args, "--forward-session-name"),
                    env,
                    ..Default::default()
                },
            )
        }
        _ => return None,
    };
    if settings.cluster_name.is_none() && settings.cluster_id.is_none() {
        return None;
    }
    Some((from, settings.exec()))
}

/// Every user entry that `migrate` would rewrite (first definition of each name).
pub(crate) fn find_migrations(kc: &Kubeconfig) -> Vec<Migration> {
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    for fi in 0..kc.files.len() {
        for (name, item) in kc.entries(fi, "users") {
            if !seen.insert(name.clone()) {
                continue;
            }
            let Some(exec) = item.pointer("/user/exec") else {
                continue;
            };
            if let Some((from, exec)) = migrate_exec(exec) {
                out.push(Migration {
                    user: name,
                    file: kc.files[fi].path.display().to_string(),
                    from,
                    file_index: fi,
                    exec,
                });
            }
        }
    }
    out
}

pub(crate) fn plan_migrations(kc: &Kubeconfig, migrations: &[Migration]) -> Result<Change> {
    let mut change = Change::default();
    for m in migrations {
        change.merge(kc.plan_replace_field(
            m.file_index,
            "users",
            &m.user,
            &["user", "exec"],
            &m.exec,
        )?);
    }
    Ok(change)
}

/// A unified diff of a planned change, per file, with a little context.
pub(crate) fn diff(kc: &Kubeconfig, change: &Change) -> String {
    let mut out = String::new();
    for (fi, text) in &change.creates {
        let path = kc.files[*fi].path.display();
        out.push_str(&format!("--- /dev/null\n+++ {path}\n"));
        let n = text.lines().count();
        out.push_str(&format!("@@ -0,0 +1,{n} @@\n"));
        for l in text.lines() {
            out.push_str(&format!("+{l}\n"));
        }
    }
    for (fi, edits) in &change.edits {
        if edits.is_empty() {
            continue;
        }
        let old = &kc.files[*fi].text;
        let new = edit::apply(old, edits.clone());
        let path = kc.files[*fi].path.display();
        out.push_str(&format!("--- {path}\n+++ {path}\n"));
        out.push_str(&line_diff(old, &new));
    }
    out
}

/// A minimal line diff (longest common subsequence), hunks with 2 lines of context.
fn line_diff(old: &str, new: &str) -> String {
    let a: Vec<&str> = old.lines().collect();
    let b: Vec<&str> = new.lines().collect();
    // Common prefix and suffix keep the LCS table small for local edits.
    let prefix = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let suffix = a[prefix..]
        .iter()
        .rev()
        .zip(b[prefix..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let (ma, mb) = (&a[prefix..a.len() - suffix], &b[prefix..b.len() - suffix]);
    let mut lcs = vec![vec![0u32; mb.len() + 1]; ma.len() + 1];
    for i in (0..ma.len()).rev() {
        for j in (0..mb.len()).rev() {
            lcs[i][j] = if ma[i] == mb[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    // ops: (tag, line) with tag ' ', '-', '+'
    let mut ops: Vec<(char, &str)> = a[..prefix].iter().map(|l| (' ', *l)).collect();
    let (mut i, mut j) = (0, 0);
    while i < ma.len() || j < mb.len() {
        if i < ma.len() && j < mb.len() && ma[i] == mb[j] {
            ops.push((' ', ma[i]));
            i += 1;
            j += 1;
        } else if i < ma.len() && (j == mb.len() || lcs[i + 1][j] >= lcs[i][j + 1]) {
            ops.push(('-', ma[i]));
            i += 1;
        } else {
            ops.push(('+', mb[j]));
            j += 1;
        }
    }
    ops.extend(a[a.len() - suffix..].iter().map(|l| (' ', *l)));
    const CONTEXT: usize = 2;
    let changed: Vec<usize> = ops
        .iter()
        .enumerate()
        .filter(|(_, (t, _))| *t != ' ')
        .map(|(k, _)| k)
        .collect();
    let mut out = String::new();
    let mut k = 0;
    while k < changed.len() {
        let start = changed[k].saturating_sub(CONTEXT);
        let mut end = changed[k];
        while k + 1 < changed.len() && changed[k + 1] <= end + 2 * CONTEXT + 1 {
            k += 1;
            end = changed[k];
        }
        let end = (end + CONTEXT + 1).min(ops.len());
        let old_start = ops[..start].iter().filter(|(t, _)| *t != '+').count() + 1;
        let new_start = ops[..start].iter().filter(|(t, _)| *t != '-').count() + 1;
        let old_len = ops[start..end].iter().filter(|(t, _)| *t != '+').count();
        let new_len = ops[start..end].iter().filter(|(t, _)| *t != '-').count();
        out.push_str(&format!(
            "@@ -{old_start},{old_len} +{new_start},{new_len} @@\n"
        ));
        for (t, l) in &ops[start..end] {
            out.push_str(&format!("{t}{l}\n"));
        }
        k += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(a: &[&str]) -> Value {
        json!(a)
    }

    #[test]
    fn migrates_aws_eks_get_token() {
        let exec = json!({
            "apiVersion": "client.authentication.k8s.io/v1beta1",
            "command": "aws",
            "args": strings(&["--region", "eu-west-1", "eks", "get-token", "--cluster-name", "prod", "--output", "json", "--role", "arn:aws:iam::1:role/admin"]),
            "env": [{"name": "AWS_PROFILE", "value": "corp"}],
        });
        let (from, new) = migrate_exec(&exec).unwrap();
        assert_eq!(from, "aws eks get-token");
        assert_eq!(new["command"], COMMAND);
        assert_eq!(new["apiVersion"], V1);
        assert_eq!(
            new["args"],
            strings(&[
                "--cluster-name",
                "prod",
                "--region",
                "eu-west-1",
                "--role-arn",
                "arn:aws:iam::1:role/admin"
            ])
        );
        assert_eq!(new["env"][0]["value"], "corp");
        assert_eq!(new["interactiveMode"], "IfAvailable");
        assert_eq!(new["provideClusterInfo"], true);
    }

    #[test]
    fn migrates_aws_iam_authenticator() {
        let exec = json!({
            "command": "/usr/local/bin/aws-iam-authenticator",
            "args": strings(&["token", "-i", "prod", "-r", "arn:aws:iam::1:role/r", "-e", "ext", "--forward-session-name"]),
        });
        let (from, new) = migrate_exec(&exec).unwrap();
        assert_eq!(from, "aws-iam-authenticator token");
        assert_eq!(
            new["args"],
            strings(&[
                "--cluster-name",
                "prod",
                "--role-arn",
                "arn:aws:iam::1:role/r",
                "--external-id",
                "ext",
                "--forward-session-name"
            ])
        );
    }

    #[test]
    fn leaves_other_exec_entries_alone() {
        assert!(migrate_exec(&json!({"command": "gke-gcloud-auth-plugin"})).is_none());
        assert!(
            migrate_exec(
                &json!({"command": "aws", "args": strings(&["sts", "get-caller-identity"])})
            )
            .is_none()
        );
        assert!(
            migrate_exec(&json!({"command": COMMAND, "args": strings(&["--cluster-name", "x"])}))
                .is_none()
        );
    }

    #[test]
    fn diff_shows_only_changed_lines_with_context() {
        let d = line_diff("a\nb\nc\nd\ne\nf\ng\n", "a\nb\nc\nD\ne\nf\ng\n");
        assert_eq!(d, "@@ -2,5 +2,5 @@\n b\n c\n-d\n+D\n e\n f\n");
    }

    #[test]
    fn ca_data_must_be_pem() {
        assert!(ca_data(None, Some("bm90IGEgY2VydA==")).is_err());
        assert!(ca_data(None, Some("LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCg==")).is_ok());
        assert!(ca_data(None, None).is_err());
    }
}
