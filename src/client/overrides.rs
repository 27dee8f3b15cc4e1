//! kubectl's connection flags applied to a one-context kubeconfig (made by
//! [`crate::kubeconfig::Kubeconfig::minify_selected`]) by client-go's rules
//! (clientcmd's `DirectClientConfig`), so kube builds the client kubectl would.

use std::path::Path;

use serde_json::{Map, Value, json};

use crate::cli::ConnectionArgs;
use crate::error::{Error, Result};

/// The name of a cluster or user entry made up for flags when none is selected.
const MADE_UP: &str = "honban-flags";

/// Applies the flags; returns the server URL in effect.
pub(super) fn apply(doc: &mut Value, flags: &ConnectionArgs, label: &str) -> Result<String> {
    let cluster = entry(doc, "clusters", "cluster", flags.server().is_some())?;
    if let Some(cluster) = cluster {
        apply_cluster(cluster, flags)?;
    }
    let needs_user = flags.token().is_some() || flags.as_user().is_some();
    if let Some(user) = entry(doc, "users", "user", needs_user)? {
        apply_user(user, flags);
    }
    let server = doc
        .pointer("/clusters/0/cluster/server")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty());
    let Some(server) = server else {
        let name = doc
            .pointer("/contexts/0/context/cluster")
            .and_then(Value::as_str)
            .unwrap_or(MADE_UP);
        return Err(Error::Api {
            context: label.to_string(),
            message: format!(
                "the kubeconfig has no server for cluster {name:?}; fix the entry, or pass --server URL"
            ),
        });
    };
    let tls = has_tls_config(doc);
    let server = with_scheme(server, tls);
    if let Some(s) = doc.pointer_mut("/clusters/0/cluster/server") {
        *s = json!(server);
    }
    Ok(server)
}

/// The body of the document's one `list` entry. The context always names
/// one (kube needs a cluster name); with `make`, a missing entry is made.
fn entry<'a>(
    doc: &'a mut Value,
    list: &str,
    key: &str,
    make: bool,
) -> Result<Option<&'a mut Map<String, Value>>> {
    let broken = || Error::Failed(format!("internal: a one-context kubeconfig without {list}"));
    let context = doc
        .pointer_mut("/contexts/0/context")
        .and_then(Value::as_object_mut)
        .ok_or_else(broken)?;
    let name = match context.get(key).and_then(Value::as_str) {
        Some(n) if !n.is_empty() => n.to_string(),
        // kube needs the context to name a cluster; a user only when there is one.
        _ if key == "cluster" || make => {
            context.insert(key.into(), json!(MADE_UP));
            MADE_UP.to_string()
        }
        _ => return Ok(None),
    };
    let items = doc
        .get_mut(list)
        .and_then(Value::as_array_mut)
        .ok_or_else(broken)?;
    if items.is_empty() {
        if !make {
            return Ok(None);
        }
        items.push(json!({"name": name, key: {}}));
    }
    let body = &mut items[0][key];
    if !body.is_object() {
        *body = json!({});
    }
    Ok(body.as_object_mut())
}

fn apply_cluster(cluster: &mut Map<String, Value>, flags: &ConnectionArgs) -> Result<()> {
    if let Some(server) = flags.server() {
        cluster.insert("server".into(), json!(server));
    }
    // A CA or --insecure-skip-tls-verify from the flags replaces both settings
    // of the entry, so a kubeconfig CA never conflicts with the flag.
    if let Some(ca) = &flags.certificate_authority {
        std::fs::File::open(ca).map_err(|e| {
            Error::Failed(format!(
                "cannot read --certificate-authority {}: {e}",
                ca.display()
            ))
        })?;
        cluster.insert("certificate-authority".into(), json!(absolute(ca)));
        cluster.remove("certificate-authority-data");
        cluster.remove("insecure-skip-tls-verify");
    } else if flags.insecure_skip_tls_verify {
        cluster.insert("insecure-skip-tls-verify".into(), json!(true));
        cluster.remove("certificate-authority");
        cluster.remove("certificate-authority-data");
    }
    // A new --server drops the entry's tls-server-name: it named the old host.
    if flags.tls_server_name().is_some() || flags.server().is_some() {
        match flags.tls_server_name() {
            Some(name) => cluster.insert("tls-server-name".into(), json!(name)),
            None => cluster.remove("tls-server-name"),
        };
    }
    Ok(())
}

fn apply_user(user: &mut Map<String, Value>, flags: &ConnectionArgs) {
    if let Some(token) = flags.token() {
        // The token is the credential: kubectl never runs the exec plugin or
        // auth provider then, and kube would rank those above a token.
        for key in ["tokenFile", "exec", "auth-provider", "username", "password"] {
            user.remove(key);
        }
        user.insert("token".into(), json!(token));
    }
    if let Some(as_user) = flags.as_user() {
        user.insert("as".into(), json!(as_user));
        match flags.as_uid() {
            Some(uid) => user.insert("as-uid".into(), json!(uid)),
            None => user.remove("as-uid"),
        };
        let groups: Vec<&str> = flags.as_groups().collect();
        if !groups.is_empty() {
            user.insert("as-groups".into(), json!(groups));
        }
    }
}

fn absolute(path: &Path) -> String {
    let path = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir().unwrap_or_default().join(path)
    };
    path.to_string_lossy().into_owned()
}

/// Whether TLS is configured (a CA, skipped verification or a client
/// certificate): client-go's test for the scheme of a bare `host:port`.
fn has_tls_config(doc: &Value) -> bool {
    let cluster = doc.pointer("/clusters/0/cluster");
    let user = doc.pointer("/users/0/user");
    let set = |v: Option<&Value>, key: &str| {
        v.and_then(|v| v.get(key))
            .is_some_and(|x| x.as_str().is_some_and(|s| !s.is_empty()) || x == &json!(true))
    };
    [
        "certificate-authority",
        "certificate-authority-data",
        "insecure-skip-tls-verify",
    ]
    .iter()
    .any(|k| set(cluster, k))
        || ["client-certificate", "client-certificate-data"]
            .iter()
            .any(|k| set(user, k))
}

/// A server given as `host:port` gets client-go's scheme: https when TLS is
/// configured, http otherwise.
fn with_scheme(server: &str, tls: bool) -> String {
    if server.contains("://") {
        server.to_string()
    } else if tls {
        format!("https://{server}")
    } else {
        format!("http://{server}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc() -> Value {
        json!({
            "current-context": "c",
            "contexts": [{"name": "c", "context": {"cluster": "k", "user": "u"}}],
            "clusters": [{"name": "k", "cluster": {
                "server": "https://old:6443",
                "certificate-authority-data": "Q0E=",
                "tls-server-name": "old",
            }}],
            "users": [{"name": "u", "user": {
                "exec": {"command": "aws-token"},
                "as": "someone",
            }}],
        })
    }

    #[test]
    fn server_and_insecure_replace_the_entry_settings() {
        let flags = ConnectionArgs {
            server: Some("new:6443".into()),
            insecure_skip_tls_verify: true,
            ..Default::default()
        };
        let mut d = doc();
        let server = apply(&mut d, &flags, "c").unwrap();
        assert_eq!(server, "https://new:6443");
        assert_eq!(
            d["clusters"][0]["cluster"],
            json!({"server": "https://new:6443", "insecure-skip-tls-verify": true})
        );
    }

    #[test]
    fn token_replaces_exec_and_impersonation_replaces_the_entry() {
        let flags = ConnectionArgs {
            token: Some("t".into()),
            as_user: Some("restricted".into()),
            as_groups: vec!["g1".into(), "".into(), "g2".into()],
            as_uid: Some("42".into()),
            ..Default::default()
        };
        let mut d = doc();
        apply(&mut d, &flags, "c").unwrap();
        assert_eq!(
            d["users"][0]["user"],
            json!({"as": "restricted", "token": "t", "as-uid": "42", "as-groups": ["g1", "g2"]})
        );
    }

    #[test]
    fn a_bare_host_gets_client_gos_scheme() {
        assert_eq!(with_scheme("h:6443", true), "https://h:6443");
        assert_eq!(with_scheme("h:8080", false), "http://h:8080");
        assert_eq!(with_scheme("https://h", false), "https://h");
        // The kubeconfig's CA counts as TLS configuration.
        let flags = ConnectionArgs {
            server: Some("new:6443".into()),
            ..Default::default()
        };
        let mut d = doc();
        assert_eq!(apply(&mut d, &flags, "c").unwrap(), "https://new:6443");
    }

    #[test]
    fn flags_alone_make_up_the_entries() {
        let mut d = json!({
            "contexts": [{"name": "x", "context": {}}],
            "clusters": [],
            "users": [],
        });
        let flags = ConnectionArgs {
            server: Some("http://h:8080".into()),
            token: Some("t".into()),
            ..Default::default()
        };
        apply(&mut d, &flags, "x").unwrap();
        assert_eq!(
            d["contexts"][0]["context"],
            json!({"cluster": MADE_UP, "user": MADE_UP})
        );
        assert_eq!(
            d["clusters"][0]["cluster"]["server"],
            json!("http://h:8080")
        );
        assert_eq!(d["users"][0]["user"], json!({"token": "t"}));
    }

    #[test]
    fn no_server_anywhere_says_what_to_pass() {
        let mut d = json!({
            "contexts": [{"name": "x", "context": {"cluster": "gone"}}],
            "clusters": [],
            "users": [],
        });
        let err = apply(&mut d, &ConnectionArgs::default(), "x").unwrap_err();
        assert!(err.to_string().contains("--server"), "{err}");
        assert!(err.to_string().contains("\"gone\""), "{err}");
    }
}
