//! RBAC: who can read Secrets by creating pods, wildcard rules, and
//! bindings to cluster-admin.
//!
//! Creating a pod (or anything that creates pods) in a namespace lets the
//! creator mount any Secret of that namespace and print it, whatever the
//! rules on `secrets` say. The check walks every binding, resolves its role,
//! and reports subjects that may create pods somewhere but may not read that
//! namespace's Secrets: they can read them anyway.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::Cx;
use super::tenancy::SYSTEM_NAMESPACES;
use crate::audit::index::Index;
use crate::audit::object::{Object, array_at, str_at};

/// (API group, resource) that create pods.
pub(crate) const POD_CREATORS: &[(&str, &str)] = &[
    ("", "pods"),
    ("", "replicationcontrollers"),
    ("apps", "deployments"),
    ("apps", "replicasets"),
    ("apps", "statefulsets"),
    ("apps", "daemonsets"),
    ("batch", "jobs"),
    ("batch", "cronjobs"),
];

pub(crate) fn run(cx: &mut Cx) {
    pod_create_reads_secrets(cx);
    wildcard(cx);
    cluster_admin_binding(cx);
}

pub(crate) fn has(list: &[Value], want: &str) -> bool {
    list.iter()
        .any(|v| v.as_str().is_some_and(|s| s == want || s == "*"))
}

/// Whether a rule grants `verb` on all objects of `group/resource`.
pub(crate) fn grants(
    rule: &Value,
    verb: &str,
    group: &str,
    resource: &str,
    all_names: bool,
) -> bool {
    if all_names && !array_at(rule, &["resourceNames"]).is_empty() {
        return false;
    }
    has(array_at(rule, &["verbs"]), verb)
        && has(array_at(rule, &["apiGroups"]), group)
        && has(array_at(rule, &["resources"]), resource)
}

#[derive(Default, Clone, Copy)]
struct Powers {
    create_pods: bool,
    read_secrets: bool,
}

fn powers(rules: &[Value]) -> Powers {
    let mut p = Powers::default();
    for r in rules {
        p.create_pods |= POD_CREATORS
            .iter()
            .any(|(g, res)| grants(r, "create", g, res, false));
        p.read_secrets |= ["get", "list", "watch"]
            .iter()
            .any(|v| grants(r, v, "", "secrets", true));
    }
    p
}

pub(crate) fn is_system(o: &Object) -> bool {
    o.name.starts_with("system:")
        || o.labels()
            .and_then(|l| l.get("kubernetes.io/bootstrapping"))
            .and_then(Value::as_str)
            == Some("rbac-defaults")
}

/// A subject as RBAC names it, skipping the control plane's own.
fn subjects(binding: &Object) -> Vec<String> {
    array_at(&binding.value, &["subjects"])
        .iter()
        .filter_map(|s| {
            let kind = str_at(s, &["kind"])?;
            let name = str_at(s, &["name"])?;
            if name.starts_with("system:") {
                return None;
            }
            if kind == "ServiceAccount" {
                let ns = str_at(s, &["namespace"]).unwrap_or(binding.ns());
                if SYSTEM_NAMESPACES.contains(&ns) {
                    return None;
                }
                Some(format!("ServiceAccount {ns}/{name}"))
            } else {
                Some(format!("{kind} {name}"))
            }
        })
        .collect()
}

fn role_rules<'a>(ix: &'a Index, binding: &Object) -> Option<&'a [Value]> {
    let kind = str_at(&binding.value, &["roleRef", "kind"])?;
    let name = str_at(&binding.value, &["roleRef", "name"])?;
    let role = match kind {
        "ClusterRole" => ix.of_kind("ClusterRole").find(|(_, r)| r.name == name),
        "Role" => ix
            .of_kind("Role")
            .find(|(_, r)| r.name == name && r.ns() == binding.ns()),
        _ => None,
    }?;
    Some(array_at(&role.1.value, &["rules"]))
}

const POD_SECRETS: &str = "rbac-pod-create-reads-secrets";

/// A subject's powers in one scope, and the first binding that lets it create pods.
type Grant = (Powers, Option<usize>);

/// Adds one binding's powers to a subject's.
fn grant(entry: &mut Grant, p: Powers, binding: usize) {
    entry.0.read_secrets |= p.read_secrets;
    if p.create_pods && !entry.0.create_pods {
        entry.0.create_pods = true;
        entry.1 = Some(binding);
    }
}

/// Cluster-wide powers per subject, with the binding that grants them.
fn cluster_grants(ix: &Index) -> BTreeMap<String, Grant> {
    let mut cluster: BTreeMap<String, Grant> = BTreeMap::new();
    for (i, b) in ix.of_kind("ClusterRoleBinding") {
        if is_system(b) {
            continue;
        }
        let Some(rules) = role_rules(ix, b) else {
            continue;
        };
        let p = powers(rules);
        for s in subjects(b) {
            grant(cluster.entry(s).or_insert((Powers::default(), None)), p, i);
        }
    }
    cluster
}

/// Namespaced powers per (subject, namespace).
fn namespace_grants(ix: &Index) -> BTreeMap<(String, String), Grant> {
    let mut local: BTreeMap<(String, String), Grant> = BTreeMap::new();
    for (i, b) in ix.of_kind("RoleBinding") {
        if is_system(b) || SYSTEM_NAMESPACES.contains(&b.ns()) {
            continue;
        }
        let Some(rules) = role_rules(ix, b) else {
            continue;
        };
        let p = powers(rules);
        for s in subjects(b) {
            let entry = local
                .entry((s, b.ns().to_string()))
                .or_insert((Powers::default(), None));
            grant(entry, p, i);
        }
    }
    local
}

fn pod_create_reads_secrets(cx: &mut Cx) {
    if !cx.on(POD_SECRETS) {
        return;
    }
    let ix = cx.index;
    let cluster = cluster_grants(ix);
    let local = namespace_grants(ix);
    // Namespaces known to hold Secrets (live), or every namespace offline.
    let secret_namespaces: BTreeSet<String> = ix
        .of_kind("Secret")
        .map(|(_, s)| s.ns().to_string())
        .filter(|ns| !SYSTEM_NAMESPACES.contains(&ns.as_str()))
        .collect();
    namespaced_findings(cx, &local, &cluster, &secret_namespaces);
    cluster_findings(cx, &local, &cluster, &secret_namespaces);
}

/// Subjects that may create pods in a namespace through a RoleBinding.
fn namespaced_findings(
    cx: &mut Cx,
    local: &BTreeMap<(String, String), Grant>,
    cluster: &BTreeMap<String, Grant>,
    secret_namespaces: &BTreeSet<String>,
) {
    let ix = cx.index;
    let holds_secrets = |ns: &str| -> Option<&'static str> {
        if !ix.live {
            Some("")
        } else if !ix.readable("Secret", Some(ns)) {
            Some(" (its Secrets could not be listed, assuming it has some)")
        } else if secret_namespaces.contains(ns) {
            Some("")
        } else {
            None
        }
    };
    for ((subject, ns), (p, binding)) in local {
        let cluster_p = cluster.get(subject).map(|c| c.0).unwrap_or_default();
        let Some(b) = *binding else { continue };
        cx.checked(ns);
        if p.create_pods
            && !p.read_secrets
            && !cluster_p.read_secrets
            && let Some(note) = holds_secrets(ns)
        {
            let bname = &ix.objects[b].name;
            cx.fail(
                POD_SECRETS,
                b,
                format!(
                    "{subject} can create pods in {ns} through RoleBinding {bname} but may not read Secrets: it can read every Secret in {ns} by mounting it{note}"
                ),
                Some("subjects".into()),
            );
        }
    }
}

/// Subjects that may create pods everywhere through a ClusterRoleBinding.
fn cluster_findings(
    cx: &mut Cx,
    local: &BTreeMap<(String, String), Grant>,
    cluster: &BTreeMap<String, Grant>,
    secret_namespaces: &BTreeSet<String>,
) {
    let ix = cx.index;
    for (subject, (p, binding)) in cluster {
        let Some(b) = *binding else { continue };
        cx.checked(super::CLUSTER);
        if !p.create_pods || p.read_secrets {
            continue;
        }
        let namespaces: Vec<&String> = if ix.live {
            secret_namespaces
                .iter()
                .filter(|ns| {
                    !local
                        .get(&(subject.clone(), (*ns).clone()))
                        .is_some_and(|l| l.0.read_secrets)
                })
                .collect()
        } else {
            Vec::new()
        };
        if ix.live && namespaces.is_empty() && ix.readable("Secret", None) {
            continue;
        }
        let scope = if ix.live && !namespaces.is_empty() {
            let shown: Vec<&str> = namespaces.iter().take(5).map(|s| s.as_str()).collect();
            let more = if namespaces.len() > 5 {
                format!(" and {} more", namespaces.len() - 5)
            } else {
                String::new()
            };
            format!("the Secrets of {}{more}", shown.join(", "))
        } else {
            "every Secret of every namespace".to_string()
        };
        let bname = &ix.objects[b].name;
        cx.fail(
            POD_SECRETS,
            b,
            format!(
                "{subject} can create pods in every namespace through ClusterRoleBinding {bname} but may not read Secrets: it can read {scope} by mounting them"
            ),
            Some("subjects".into()),
        );
    }
}

fn wildcard(cx: &mut Cx) {
    const ID: &str = "rbac-wildcard";
    if !cx.on(ID) {
        return;
    }
    let ix = cx.index;
    let roles: Vec<usize> = ix
        .of_kind("Role")
        .chain(ix.of_kind("ClusterRole"))
        .filter(|(_, r)| !is_system(r) && r.get(&["aggregationRule"]).is_none())
        .filter(|(_, r)| {
            !(r.kind == "ClusterRole"
                && ["cluster-admin", "admin", "edit", "view"].contains(&r.name.as_str()))
        })
        .filter(|(_, r)| !SYSTEM_NAMESPACES.contains(&r.ns()))
        .map(|(i, _)| i)
        .collect();
    for i in roles {
        let r = &ix.objects[i];
        let mut verdict = None;
        for (n, rule) in array_at(&r.value, &["rules"]).iter().enumerate() {
            let wild = |field: &str| {
                array_at(rule, &[field])
                    .iter()
                    .any(|v| v.as_str() == Some("*"))
            };
            let mut what = Vec::new();
            if wild("verbs") {
                what.push("verbs");
            }
            if wild("resources") {
                what.push("resources");
            }
            if !what.is_empty() {
                verdict = Some((
                    format!("rule {} grants * {}", n + 1, what.join(" and ")),
                    Some(format!("rules[{n}]")),
                ));
                break;
            }
        }
        cx.verdict(ID, i, verdict);
    }
}

/// The verbs that, all listed, amount to `*` (as polaris counts them).
const ALL_VERBS: &[&str] = &[
    "get", "list", "watch", "create", "update", "patch", "delete",
];

/// Whether a rule grants every verb on every resource of every API group.
fn grants_everything(rule: &Value) -> bool {
    let star = |field: &str| {
        array_at(rule, &[field])
            .iter()
            .any(|v| v.as_str() == Some("*"))
    };
    let verbs = array_at(rule, &["verbs"]);
    let every_verb = star("verbs")
        || ALL_VERBS
            .iter()
            .all(|v| verbs.iter().any(|x| x.as_str() == Some(v)));
    every_verb && star("resources") && star("apiGroups")
}

/// The role a binding grants, when it is cluster-admin or equivalent.
fn admin_role(ix: &Index, binding: &Object) -> Option<String> {
    let kind = str_at(&binding.value, &["roleRef", "kind"])?;
    let name = str_at(&binding.value, &["roleRef", "name"])?;
    if kind == "ClusterRole" && name == "cluster-admin" {
        return Some("ClusterRole cluster-admin".into());
    }
    let rules = role_rules(ix, binding)?;
    rules
        .iter()
        .any(grants_everything)
        .then(|| format!("{kind} {name}, which grants * on *,"))
}

fn cluster_admin_binding(cx: &mut Cx) {
    const ID: &str = "rbac-cluster-admin-binding";
    if !cx.on(ID) {
        return;
    }
    let ix = cx.index;
    let bindings: Vec<usize> = ix
        .of_kind("ClusterRoleBinding")
        .chain(ix.of_kind("RoleBinding"))
        .map(|(i, _)| i)
        .collect();
    for i in bindings {
        let b = &ix.objects[i];
        let who = subjects(b);
        let verdict = admin_role(ix, b).filter(|_| !who.is_empty()).map(|role| {
            let reach = if b.kind == "RoleBinding" {
                format!("everything in namespace {}", b.ns())
            } else {
                "everything in the cluster".to_string()
            };
            (
                format!(
                    "binds {role} to {}: full control of {reach}",
                    who.join(", ")
                ),
                Some("roleRef".to_string()),
            )
        });
        cx.verdict(ID, i, verdict);
    }
}
