//! Long-lived AWS keys handed to workloads: `AWS_ACCESS_KEY_ID` and
//! `AWS_SECRET_ACCESS_KEY` in env (literal, or from a Secret or ConfigMap),
//! and Secret volumes that look like an AWS shared-credentials file.
//!
//! Only names are reported, never a value. Live, Secrets and ConfigMaps are
//! listed without their data, so what they hold is judged offline only.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde_json::Value;

use super::Cx;
use crate::audit::index::{Index, Workload, containers_indexed};
use crate::audit::object::{Object, array_at, str_at};

const ID: &str = "aws-static-credentials";
const AWS_KEYS: &[&str] = &["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"];

pub(crate) fn run(cx: &mut Cx) {
    if !cx.on(ID) {
        return;
    }
    let ix = cx.index;
    for w in &ix.workloads {
        let Some(spec) = ix.pod_spec(w) else { continue };
        let mut found = env_keys(ix, w, spec);
        found.extend(credential_volumes(ix, w, spec));
        let verdict = found.first().map(|(_, path)| {
            let what: Vec<&str> = found.iter().map(|(m, _)| m.as_str()).collect();
            (what.join("; "), Some(path.clone()))
        });
        cx.verdict(ID, w.obj, verdict);
    }
}

/// The Secret or ConfigMap `name` of the workload's namespace, when in the input.
fn source<'a>(ix: &'a Index, kind: &str, ns: &str, name: &str) -> Option<&'a Object> {
    ix.of_kind_in(kind, ns)
        .find(|(_, o)| o.name == name)
        .map(|(_, o)| o)
}

/// Key names of a Secret or ConfigMap (data, stringData, binaryData).
fn keys(o: &Object) -> impl Iterator<Item = &String> {
    ["data", "stringData", "binaryData"]
        .into_iter()
        .filter_map(|f| o.get(&[f]).and_then(Value::as_object))
        .flat_map(|m| m.keys())
}

/// (message, field path) for every AWS key a container reads from env.
fn env_keys(ix: &Index, w: &Workload, spec: &Value) -> Vec<(String, String)> {
    let ns = ix.objects[w.obj].ns();
    let prefix = w.spec_prefix();
    let mut out = Vec::new();
    for (field, ci, c) in containers_indexed(spec) {
        let cname = str_at(c, &["name"]).unwrap_or("?");
        for (ei, e) in array_at(c, &["env"]).iter().enumerate() {
            let Some(name) = str_at(e, &["name"]).filter(|n| AWS_KEYS.contains(n)) else {
                continue;
            };
            let from = if let Some(s) = str_at(e, &["valueFrom", "secretKeyRef", "name"]) {
                format!("from Secret {s}")
            } else if let Some(m) = str_at(e, &["valueFrom", "configMapKeyRef", "name"]) {
                format!("from ConfigMap {m}")
            } else if str_at(e, &["value"]).is_some_and(|v| !v.is_empty()) {
                "as a literal value".to_string()
            } else {
                continue;
            };
            out.push((
                format!("container {cname} gets {name} {from}"),
                format!("{prefix}.{field}[{ci}].env[{ei}]"),
            ));
        }
        for (ei, e) in array_at(c, &["envFrom"]).iter().enumerate() {
            let env_prefix = str_at(e, &["prefix"]).unwrap_or("");
            for (kind, field_name) in [("Secret", "secretRef"), ("ConfigMap", "configMapRef")] {
                let Some(name) = str_at(e, &[field_name, "name"]) else {
                    continue;
                };
                let Some(o) = source(ix, kind, ns, name) else {
                    continue;
                };
                if let Some(key) =
                    keys(o).find(|k| AWS_KEYS.contains(&format!("{env_prefix}{k}").as_str()))
                {
                    out.push((
                        format!(
                            "container {cname} gets {env_prefix}{key} from {kind} {name} (envFrom)"
                        ),
                        format!("{prefix}.{field}[{ci}].envFrom[{ei}]"),
                    ));
                }
            }
        }
    }
    out
}

/// Whether a Secret holds AWS keys or a shared-credentials file.
fn holds_aws_keys(o: &Object) -> bool {
    let file_mentions_keys = |key: &str| {
        let plain = o
            .get(&["stringData", key])
            .and_then(Value::as_str)
            .map(str::to_string);
        let decoded = o
            .get(&["data", key])
            .and_then(Value::as_str)
            .and_then(|b| BASE64.decode(b.trim()).ok())
            .map(|b| String::from_utf8_lossy(&b).into_owned());
        plain
            .or(decoded)
            .is_some_and(|text| text.to_ascii_lowercase().contains("aws_access_key_id"))
    };
    keys(o).any(|k| {
        let lower = k.to_ascii_lowercase();
        lower == "aws_access_key_id"
            || lower == "aws_secret_access_key"
            || (lower == "credentials" && file_mentions_keys(k))
    })
}

/// Secrets a volume projects, with the volume's name.
fn volume_secrets(vol: &Value) -> Vec<&str> {
    let mut out: Vec<&str> = str_at(vol, &["secret", "secretName"]).into_iter().collect();
    for src in array_at(vol, &["projected", "sources"]) {
        out.extend(str_at(src, &["secret", "name"]));
    }
    out
}

/// Whether some container mounts volume `name` where the AWS SDKs look.
fn mounted_as_aws_dir(spec: &Value, name: &str) -> bool {
    containers_indexed(spec).any(|(_, _, c)| {
        array_at(c, &["volumeMounts"]).iter().any(|m| {
            str_at(m, &["name"]) == Some(name)
                && str_at(m, &["mountPath"]).is_some_and(|p| {
                    p.trim_end_matches('/').ends_with("/.aws") || p.contains("/.aws/")
                })
        })
    })
}

/// (message, field path) for Secret volumes that look like AWS credentials.
fn credential_volumes(ix: &Index, w: &Workload, spec: &Value) -> Vec<(String, String)> {
    let ns = ix.objects[w.obj].ns();
    let prefix = w.spec_prefix();
    let mut out = Vec::new();
    for (vi, vol) in array_at(spec, &["volumes"]).iter().enumerate() {
        let vname = str_at(vol, &["name"]).unwrap_or("?");
        for secret in volume_secrets(vol) {
            let keyed = source(ix, "Secret", ns, secret).is_some_and(holds_aws_keys);
            if keyed || mounted_as_aws_dir(spec, vname) {
                out.push((
                    format!(
                        "volume {vname} mounts Secret {secret}, which looks like AWS credentials"
                    ),
                    format!("{prefix}.volumes[{vi}]"),
                ));
            }
        }
    }
    out
}
