//! Who can become which ServiceAccount, and so which IAM role: whoever may
//! create pods in a namespace (or impersonate its ServiceAccounts, or create
//! their tokens) can act as every ServiceAccount there; and one IAM role
//! annotated in several namespaces joins their blast radius.
//!
//! EKS Pod Identity associations live in the AWS API, which the audit does
//! not call: live findings say they were not checked.

use std::collections::{BTreeMap, BTreeSet};

use super::Cx;
use super::access::{Access, bound_rules, subject_name};
use super::rbac::{POD_CREATORS, grants, is_system};
use super::tenancy::SYSTEM_NAMESPACES;
use crate::audit::index::Index;
use crate::audit::object::{Object, array_at};

const USES_SA: &str = "rbac-pod-create-uses-sa";
const ASSUMES_ROLE: &str = "rbac-pod-create-assumes-iam-role";
const ROLE_REUSED: &str = "irsa-role-reused";
const ROLE_ARN: &str = "eks.amazonaws.com/role-arn";

pub(crate) fn run(cx: &mut Cx) {
    if cx.on(USES_SA) || cx.on(ASSUMES_ROLE) {
        acting_as_service_accounts(cx);
    }
    role_reused(cx);
}

/// How a subject gets to act as a ServiceAccount, strongest first.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Means {
    CreatePods,
    Impersonate,
    Token,
}

/// Which ServiceAccounts a right reaches: all of the scope, or these names.
type Names = Option<BTreeSet<String>>;

/// The means one binding's rules give, with the names they are limited to.
fn means_of(rules: &[&serde_json::Value]) -> Vec<(Means, Names)> {
    let mut out = Vec::new();
    if rules.iter().any(|r| {
        POD_CREATORS
            .iter()
            .any(|(g, res)| grants(r, "create", g, res, false))
    }) {
        out.push((Means::CreatePods, None));
    }
    for (means, verb, resource) in [
        (Means::Impersonate, "impersonate", "serviceaccounts"),
        (Means::Token, "create", "serviceaccounts/token"),
    ] {
        let matching: Vec<_> = rules
            .iter()
            .filter(|r| grants(r, verb, "", resource, false))
            .collect();
        if matching.is_empty() {
            continue;
        }
        let mut names = BTreeSet::new();
        let mut all = false;
        for r in matching {
            let listed = array_at(r, &["resourceNames"]);
            all |= listed.is_empty();
            names.extend(listed.iter().filter_map(|v| v.as_str().map(String::from)));
        }
        out.push((means, (!all).then_some(names)));
    }
    out
}

/// Subjects that count: not the control plane's own users and groups (but
/// the groups every user or ServiceAccount is in; EKS's `eks:` users run its
/// managed add-ons), nor system namespaces' ServiceAccounts.
fn counts(subject: &str) -> bool {
    let name = subject.split_once(' ').map(|(_, n)| n).unwrap_or(subject);
    if let Some(sa) = subject.strip_prefix("ServiceAccount ") {
        let ns = sa.split('/').next().unwrap_or("");
        return !SYSTEM_NAMESPACES.contains(&ns);
    }
    if name.starts_with("eks:") {
        return false;
    }
    !name.starts_with("system:")
        || name == "system:authenticated"
        || name.starts_with("system:serviceaccounts")
}

/// How a subject may act as a ServiceAccount: the means and the binding.
type Way = (Means, usize);

/// (ServiceAccount object, subject) → the strongest way, first binding.
fn ways(ix: &Index) -> BTreeMap<(usize, String), Way> {
    let mut out: BTreeMap<(usize, String), Way> = BTreeMap::new();
    for kind in ["RoleBinding", "ClusterRoleBinding"] {
        for (b, binding) in ix.of_kind(kind) {
            if is_system(binding) || SYSTEM_NAMESPACES.contains(&binding.ns()) {
                continue;
            }
            let scope = (kind == "RoleBinding").then(|| binding.ns());
            for (means, names) in means_of(&bound_rules(ix, binding)) {
                for (sa, account) in service_accounts(ix, scope) {
                    if names.as_ref().is_some_and(|n| !n.contains(&account.name)) {
                        continue;
                    }
                    for s in array_at(&binding.value, &["subjects"]) {
                        let Some(subject) = subject_name(binding, s).filter(|s| counts(s)) else {
                            continue;
                        };
                        if subject == sa_name(account) {
                            continue;
                        }
                        let entry = out.entry((sa, subject)).or_insert((means, b));
                        if means < entry.0 {
                            *entry = (means, b);
                        }
                    }
                }
            }
        }
    }
    out
}

/// ServiceAccounts of one namespace, or of every namespace but the system ones.
fn service_accounts<'a>(
    ix: &'a Index,
    scope: Option<&'a str>,
) -> impl Iterator<Item = (usize, &'a Object)> + 'a {
    ix.of_kind("ServiceAccount").filter(move |(_, a)| {
        !SYSTEM_NAMESPACES.contains(&a.ns()) && scope.is_none_or(|ns| a.ns() == ns)
    })
}

fn sa_name(account: &Object) -> String {
    format!("ServiceAccount {}/{}", account.ns(), account.name)
}

fn role_arn(account: &Object) -> Option<&str> {
    account
        .annotation(ROLE_ARN)
        .map(str::trim)
        .filter(|a| !a.is_empty())
}

/// "X can create pods in N through RoleBinding B and run them as
/// ServiceAccount N/S" and its impersonation and token variants.
fn lead(ix: &Index, subject: &str, account: &Object, (means, b): Way) -> String {
    let binding = &ix.objects[b];
    let through = format!("through {} {}", binding.kind, binding.name);
    let (ns, sa) = (account.ns(), sa_name(account));
    match means {
        Means::CreatePods => {
            format!("{subject} can create pods in {ns} {through} and run them as {sa}")
        }
        Means::Impersonate => format!("{subject} can impersonate {sa} {through} and act as it"),
        Means::Token => {
            format!("{subject} can create tokens for {sa} {through} and act as it")
        }
    }
}

fn acting_as_service_accounts(cx: &mut Cx) {
    let ix = cx.index;
    let access = Access::new(ix);
    let ways = ways(ix);
    for (sa, _) in service_accounts(ix, None) {
        for id in [USES_SA, ASSUMES_ROLE] {
            if cx.on(id) {
                cx.verdict(id, sa, None);
            }
        }
    }
    for ((sa, subject), way) in ways {
        let account = &ix.objects[sa];
        let lead = lead(ix, &subject, account, way);
        let arn = role_arn(account);
        if cx.on(ASSUMES_ROLE)
            && let Some(arn) = arn
        {
            let message = format!("{lead}, and so assume IAM role {arn}");
            cx.fail(
                ASSUMES_ROLE,
                sa,
                message,
                Some("metadata.annotations".into()),
            );
        }
        let unbound_default = account.name == "default" && access.own(&sa_name(account)).is_empty();
        if !cx.on(USES_SA) || unbound_default {
            continue;
        }
        if let Some(example) = access.beyond(&sa_name(account), &subject) {
            let note = if ix.live && arn.is_none() {
                "; its EKS Pod Identity association, if any, is not checked (an AWS API)"
            } else {
                ""
            };
            let message = format!("{lead}: it may {example}, which {subject} may not{note}");
            cx.fail(USES_SA, sa, message, None);
        }
    }
}

/// One IAM role on ServiceAccounts of several namespaces.
fn role_reused(cx: &mut Cx) {
    if !cx.on(ROLE_REUSED) {
        return;
    }
    let ix = cx.index;
    let mut namespaces: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for (_, a) in ix.of_kind("ServiceAccount") {
        if let Some(arn) = role_arn(a) {
            namespaces.entry(arn).or_default().insert(a.ns());
        }
    }
    let accounts: Vec<usize> = ix
        .of_kind("ServiceAccount")
        .filter(|(_, a)| role_arn(a).is_some())
        .map(|(i, _)| i)
        .collect();
    for i in accounts {
        let a = &ix.objects[i];
        let arn = role_arn(a).unwrap_or_default();
        let others: Vec<&str> = namespaces[arn]
            .iter()
            .copied()
            .filter(|ns| *ns != a.ns())
            .collect();
        let verdict = (!others.is_empty()).then(|| {
            (
                format!(
                    "IAM role {arn} is also the role of ServiceAccounts in {}: the namespaces no longer separate its blast radius",
                    others.join(", ")
                ),
                Some("metadata.annotations".to_string()),
            )
        });
        cx.verdict(ROLE_REUSED, i, verdict);
    }
}
