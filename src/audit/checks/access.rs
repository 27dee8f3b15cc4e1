//! Who may do what: every subject's RBAC rules, through RoleBindings and
//! ClusterRoleBindings, aggregated ClusterRoles and the groups a subject is
//! known to belong to (`system:authenticated`, and for a ServiceAccount
//! `system:serviceaccounts` and `system:serviceaccounts:<ns>`).
//!
//! Used to tell what a ServiceAccount may do that another subject may not.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::rbac::has;
use crate::audit::index::Index;
use crate::audit::object::{Object, array_at, selector_matches, str_at};

/// Rules granted by one binding, in a namespace or (`None`) cluster-wide.
pub(crate) struct Grant<'a> {
    pub(crate) scope: Option<&'a str>,
    pub(crate) rules: Vec<&'a Value>,
}

/// Every binding's rules, by the subject it names.
pub(crate) struct Access<'a> {
    by_subject: BTreeMap<String, Vec<Grant<'a>>>,
}

/// A subject as RBAC names it: `User alice`, `Group ops`,
/// `ServiceAccount team-a/deployer`.
pub(crate) fn subject_name(binding: &Object, subject: &Value) -> Option<String> {
    let kind = str_at(subject, &["kind"])?;
    let name = str_at(subject, &["name"])?;
    Some(if kind == "ServiceAccount" {
        let ns = str_at(subject, &["namespace"]).unwrap_or(binding.ns());
        format!("ServiceAccount {ns}/{name}")
    } else {
        format!("{kind} {name}")
    })
}

/// The groups a subject belongs to whatever else it is a member of.
fn implied_groups(subject: &str) -> Vec<String> {
    let mut groups = vec!["Group system:authenticated".to_string()];
    if let Some(sa) = subject.strip_prefix("ServiceAccount ") {
        let ns = sa.split('/').next().unwrap_or("");
        groups.push("Group system:serviceaccounts".into());
        groups.push(format!("Group system:serviceaccounts:{ns}"));
    }
    groups
}

/// The rules of the role a binding refers to; a ClusterRole's aggregation
/// rule adds the rules of the ClusterRoles it selects (the API server fills
/// them in live; manifests leave them to the controller).
pub(crate) fn bound_rules<'a>(ix: &'a Index, binding: &Object) -> Vec<&'a Value> {
    let kind = str_at(&binding.value, &["roleRef", "kind"]).unwrap_or("");
    let name = str_at(&binding.value, &["roleRef", "name"]).unwrap_or("");
    let mut rules = Vec::new();
    match kind {
        "ClusterRole" => cluster_role_rules(ix, name, &mut BTreeSet::new(), &mut rules),
        "Role" => {
            if let Some((_, r)) = ix
                .of_kind_in("Role", binding.ns())
                .find(|(_, r)| r.name == name)
            {
                rules.extend(array_at(&r.value, &["rules"]));
            }
        }
        _ => {}
    }
    rules
}

fn cluster_role_rules<'a>(
    ix: &'a Index,
    name: &str,
    seen: &mut BTreeSet<String>,
    out: &mut Vec<&'a Value>,
) {
    if !seen.insert(name.to_string()) {
        return;
    }
    let Some((_, role)) = ix.of_kind("ClusterRole").find(|(_, r)| r.name == name) else {
        return;
    };
    for rule in array_at(&role.value, &["rules"]) {
        if !out.contains(&rule) {
            out.push(rule);
        }
    }
    let selectors = array_at(&role.value, &["aggregationRule", "clusterRoleSelectors"]);
    if selectors.is_empty() {
        return;
    }
    let members: Vec<String> = ix
        .of_kind("ClusterRole")
        .filter(|(_, r)| {
            selectors
                .iter()
                .any(|s| selector_matches(Some(s), r.labels()))
        })
        .map(|(_, r)| r.name.clone())
        .collect();
    for m in members {
        cluster_role_rules(ix, &m, seen, out);
    }
}

/// One (verb, API group, resource) a rule grants, maybe for some names only.
struct Right<'a> {
    verb: &'a str,
    group: &'a str,
    resource: &'a str,
    names: &'a [Value],
}

fn strings<'a>(rule: &'a Value, field: &str) -> impl Iterator<Item = &'a str> {
    array_at(rule, &[field]).iter().filter_map(Value::as_str)
}

fn rights(rule: &Value) -> impl Iterator<Item = Right<'_>> {
    let names = array_at(rule, &["resourceNames"]);
    strings(rule, "verbs").flat_map(move |verb| {
        strings(rule, "apiGroups").flat_map(move |group| {
            strings(rule, "resources").map(move |resource| Right {
                verb,
                group,
                resource,
                names,
            })
        })
    })
}

/// Whether `rule` covers `right` (a `*` right only by a `*` rule; a right
/// limited to names by a rule for all names or for all of those names).
fn covers(rule: &Value, right: &Right) -> bool {
    if !(has(array_at(rule, &["verbs"]), right.verb)
        && has(array_at(rule, &["apiGroups"]), right.group)
        && has(array_at(rule, &["resources"]), right.resource))
    {
        return false;
    }
    let allowed = array_at(rule, &["resourceNames"]);
    allowed.is_empty()
        || (!right.names.is_empty() && right.names.iter().all(|n| allowed.contains(n)))
}

fn describe(right: &Right, scope: Option<&str>) -> String {
    let resource = if right.group.is_empty() || right.group == "*" && right.resource == "*" {
        right.resource.to_string()
    } else {
        format!("{}.{}", right.resource, right.group)
    };
    let names: Vec<&str> = right.names.iter().filter_map(Value::as_str).collect();
    let named = if names.is_empty() {
        String::new()
    } else {
        format!(" {}", names.join(","))
    };
    let place = match scope {
        Some(ns) => format!("in {ns}"),
        None => "cluster-wide".to_string(),
    };
    format!("{} {resource}{named} {place}", right.verb)
}

impl<'a> Access<'a> {
    /// Every binding of the index, the control plane's own included (their
    /// groups give a ServiceAccount rights a user may lack).
    pub(crate) fn new(ix: &'a Index) -> Self {
        let mut by_subject: BTreeMap<String, Vec<Grant<'a>>> = BTreeMap::new();
        for kind in ["ClusterRoleBinding", "RoleBinding"] {
            for (_, b) in ix.of_kind(kind) {
                let scope = (kind == "RoleBinding").then(|| b.ns());
                let rules = bound_rules(ix, b);
                for s in array_at(&b.value, &["subjects"]) {
                    if let Some(name) = subject_name(b, s) {
                        by_subject.entry(name).or_default().push(Grant {
                            scope,
                            rules: rules.clone(),
                        });
                    }
                }
            }
        }
        Access { by_subject }
    }

    /// The grants naming the subject itself (not its groups).
    pub(crate) fn own(&self, subject: &str) -> &[Grant<'a>] {
        self.by_subject
            .get(subject)
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    /// The subject's grants and those of the groups it surely belongs to.
    fn all(&self, subject: &str) -> impl Iterator<Item = &Grant<'a>> {
        let mut names = vec![subject.to_string()];
        names.extend(implied_groups(subject));
        names
            .into_iter()
            .flat_map(move |n| self.own(&n).iter().collect::<Vec<_>>())
    }

    /// One thing `sa` may do that `subject` may not ("list secrets in
    /// team-a"), or `None` when the subject may do all of it.
    pub(crate) fn beyond(&self, sa: &str, subject: &str) -> Option<String> {
        let theirs: Vec<&Grant> = self.all(subject).collect();
        for g in self.all(sa) {
            for rule in &g.rules {
                for right in rights(rule) {
                    let held = theirs.iter().any(|t| {
                        (t.scope.is_none() || t.scope == g.scope)
                            && t.rules.iter().any(|r| covers(r, &right))
                    });
                    if !held {
                        return Some(describe(&right, g.scope));
                    }
                }
            }
        }
        None
    }
}
