//! Completion of kubectl's connection flags: the typed values (so cluster
//! lookups use the same `--server`, `--token` or `--as` the command will), and
//! candidates: kubeconfig cluster and user names for `--cluster` and
//! `--user`, their servers for `--server`, and the users, service accounts
//! and groups that RBAC bindings name for `--as` and `--as-group`.

use std::collections::BTreeSet;

use clap::Arg;
use k8s_openapi::api::rbac::v1::{ClusterRoleBinding, RoleBinding, Subject};
use kube::api::{Api, ListParams};

use super::{Reply, Request};
use crate::cli::ConnectionArgs;
use crate::kubeconfig::Kubeconfig;

/// Remembers a typed connection flag; `value` is `None` for a bare flag.
pub(super) fn record(flags: &mut ConnectionArgs, long: &str, value: Option<&str>) {
    let text = || value.map(str::to_string);
    match long {
        "as" => flags.as_user = text(),
        "as-group" => flags.as_groups.extend(text()),
        "as-uid" => flags.as_uid = text(),
        "cluster" => flags.cluster = text(),
        "user" => flags.user = text(),
        "server" => flags.server = text(),
        "token" => flags.token = text(),
        "certificate-authority" => flags.certificate_authority = value.map(Into::into),
        "insecure-skip-tls-verify" => {
            flags.insecure_skip_tls_verify =
                value.is_none_or(|v| ["true", "1", "yes", "on", "y"].contains(&v))
        }
        "tls-server-name" => flags.tls_server_name = text(),
        _ => {}
    }
}

/// Candidates for a connection flag's value; `None` for other arguments.
pub(super) fn values(req: &Request, arg: &Arg) -> Option<Reply> {
    match arg.get_long()? {
        "cluster" => Some(Reply::names(entry_names(req, "clusters"))),
        "user" => Some(Reply::names(entry_names(req, "users"))),
        "server" => Some(servers(req)),
        "as" => Some(Reply::values(subjects(req, false))),
        "as-group" => Some(Reply::values(subjects(req, true))),
        "as-uid" | "token" | "tls-server-name" => Some(Reply::values([])),
        _ => None,
    }
}

fn entry_names(req: &Request, list: &str) -> Vec<String> {
    Kubeconfig::load(req.kubeconfig.as_deref())
        .map(|kc| kc.entry_names(list))
        .unwrap_or_default()
}

/// The kubeconfig's servers, each described by its cluster's name.
fn servers(req: &Request) -> Reply {
    let Ok(kc) = Kubeconfig::load(req.kubeconfig.as_deref()) else {
        return Reply::values([]);
    };
    let servers: BTreeSet<(String, String)> = kc
        .entry_names("clusters")
        .into_iter()
        .filter_map(|name| {
            let doc = kc.minify_selected(
                crate::kubeconfig::Selection {
                    cluster: Some(&name),
                    ..Default::default()
                },
                "",
            );
            let server = doc
                .ok()?
                .pointer("/clusters/0/cluster/server")?
                .as_str()?
                .to_string();
            Some((server, name))
        })
        .collect();
    Reply::values(servers)
}

/// Who the (Cluster)RoleBindings bind, as `--as` takes them: users, and
/// service accounts as `system:serviceaccount:NS:NAME`; or, with `groups`,
/// the groups. Bindings the user may not list are skipped.
fn subjects(req: &Request, groups: bool) -> Vec<(String, String)> {
    let found = req.with_cluster(|conn| async move {
        let cluster: Api<ClusterRoleBinding> = Api::all(conn.client.clone());
        let local: Api<RoleBinding> = Api::namespaced(conn.client.clone(), &conn.namespace);
        let params = ListParams::default().limit(500);
        let (cluster, local) = tokio::join!(cluster.list(&params), local.list(&params));
        let mut out = Vec::new();
        for b in cluster.map(|l| l.items).unwrap_or_default() {
            out.extend(
                b.subjects
                    .unwrap_or_default()
                    .into_iter()
                    .map(|s| (s, None)),
            );
        }
        for b in local.map(|l| l.items).unwrap_or_default() {
            let ns = b.metadata.namespace.clone();
            out.extend(
                b.subjects
                    .unwrap_or_default()
                    .into_iter()
                    .map(|s| (s, ns.clone())),
            );
        }
        Ok(out)
    });
    let names: BTreeSet<(String, String)> = found
        .unwrap_or_default()
        .into_iter()
        .filter_map(|(s, binding_ns)| candidate(s, binding_ns, groups))
        .collect();
    names.into_iter().collect()
}

fn candidate(s: Subject, binding_ns: Option<String>, groups: bool) -> Option<(String, String)> {
    match (s.kind.as_str(), groups) {
        ("Group", true) => Some((s.name, "group".into())),
        ("User", false) => Some((s.name, "user".into())),
        ("ServiceAccount", false) => {
            let ns = s.namespace.or(binding_ns)?;
            Some((
                format!("system:serviceaccount:{ns}:{}", s.name),
                "service account".into(),
            ))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn subject(kind: &str, name: &str, namespace: Option<&str>) -> Subject {
        Subject {
            kind: kind.into(),
            name: name.into(),
            namespace: namespace.map(Into::into),
            api_group: None,
        }
    }

    #[test]
    fn service_accounts_take_the_name_the_api_server_gives_them() {
        assert_eq!(
            candidate(
                subject("ServiceAccount", "ci", None),
                Some("team-a".into()),
                false
            ),
            Some((
                "system:serviceaccount:team-a:ci".into(),
                "service account".into()
            ))
        );
        assert_eq!(
            candidate(subject("Group", "ops", None), None, false),
            None,
            "groups are for --as-group"
        );
        assert_eq!(
            candidate(subject("Group", "ops", None), None, true),
            Some(("ops".into(), "group".into()))
        );
    }

    #[test]
    fn typed_flags_are_remembered_as_kubectl_reads_them() {
        let mut flags = ConnectionArgs::default();
        record(&mut flags, "as", Some("bob"));
        record(&mut flags, "as-group", Some("a"));
        record(&mut flags, "as-group", Some("b"));
        record(&mut flags, "insecure-skip-tls-verify", None);
        assert_eq!(flags.as_user(), Some("bob"));
        assert_eq!(flags.as_groups().collect::<Vec<_>>(), ["a", "b"]);
        assert!(flags.insecure_skip_tls_verify);
        record(&mut flags, "insecure-skip-tls-verify", Some("false"));
        assert!(!flags.insecure_skip_tls_verify);
    }
}
