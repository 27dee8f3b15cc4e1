//! The doctor's external-dns check: a ready Deployment with an owner id,
//! watching what publish makes, for the hosts' domains.

use crate::publish::controllers::{self, Found};
use crate::publish::report::Line;

use super::ready_text;

pub(super) fn external_dns_check(
    found: &std::result::Result<Vec<Found>, String>,
    hosts: &[String],
    gateway: bool,
) -> Line {
    const NAME: &str = "external-dns";
    let list = match found {
        Err(why) => {
            return Line::failed(NAME, format!("not checked: {why}"))
                .with_fix("run doctor as a user who can list Deployments in all namespaces");
        }
        Ok(l) if l.is_empty() => {
            return Line::failed(NAME, "no external-dns Deployment found").with_fix(
                "helm install external-dns external-dns/external-dns -n external-dns --create-namespace --set provider.name=aws --set policy=sync --set txtOwnerId=CLUSTER",
            );
        }
        Ok(l) => l,
    };
    let f = list.iter().find(|f| f.ready > 0).unwrap_or(&list[0]);
    let edit = format!("kubectl -n {} edit deployment {}", f.namespace, f.name);
    if f.ready == 0 {
        return Line::failed(NAME, format!("{}: no ready replica", ready_text(f))).with_fix(
            format!("kubectl -n {} describe deployment {}", f.namespace, f.name),
        );
    }
    configured_check(f, hosts, gateway, &edit)
}

/// A ready external-dns: its owner id, its sources and domain filters
/// against what publish makes and the hosts.
fn configured_check(f: &Found, hosts: &[String], gateway: bool, edit: &str) -> Line {
    const NAME: &str = "external-dns";
    let policy = f.flag("policy").last().cloned();
    let owner = f.flag("txt-owner-id").last().cloned();
    let sources = f.flag("source");
    let prefix = controllers::prefix_of(f)
        .unwrap_or_else(|| "an unknown annotation prefix (publish writes both)".into());
    let policy_text = match policy.as_deref() {
        Some(p @ ("upsert-only" | "create-only")) => {
            format!("policy {p} (records stay behind after unpublish)")
        }
        Some(p) => format!("policy {p}"),
        None => "no --policy (external-dns's default: sync)".into(),
    };
    let Some(owner) = owner else {
        return Line::failed(
            NAME,
            format!(
                "{}: no --txt-owner-id, so clusters sharing a zone overwrite each other's records",
                ready_text(f)
            ),
        )
        .with_fix(format!("{edit}   # add --txt-owner-id=CLUSTER to its args"));
    };
    // The source that reads what publish makes: Ingresses, or HTTPRoutes.
    let (source, objects) = if gateway {
        ("gateway-httproute", "HTTPRoutes")
    } else {
        ("ingress", "Ingresses")
    };
    if !sources.iter().any(|s| s == source) {
        return Line::failed(
            NAME,
            format!(
                "{}: it does not watch {objects} (sources: {})",
                ready_text(f),
                if sources.is_empty() {
                    "none".into()
                } else {
                    sources.join(", ")
                }
            ),
        )
        .with_fix(format!("{edit}   # add --source={source} to its args"));
    }
    let filters = f.flag("domain-filter");
    for h in hosts {
        let covered = filters.is_empty()
            || filters.iter().any(|d| {
                let d = d.trim_end_matches('.').to_ascii_lowercase();
                h == &d || h.ends_with(&format!(".{d}"))
            });
        if !covered {
            return Line::failed(
                NAME,
                format!(
                    "{}: --domain-filter {} excludes {h}",
                    ready_text(f),
                    filters.join(",")
                ),
            )
            .with_fix(format!("{edit}   # add --domain-filter=<zone of {h}>"));
        }
    }
    Line::ok(
        NAME,
        format!(
            "{}: {policy_text}, txt-owner-id {owner}, reads {prefix}",
            ready_text(f)
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::publish::report;

    fn external_dns(sources: &[&str]) -> Found {
        let mut args = vec!["--txt-owner-id=prod".to_string()];
        args.extend(sources.iter().map(|s| format!("--source={s}")));
        Found {
            namespace: "dns".into(),
            name: "external-dns".into(),
            image: "registry.example/external-dns:v0.22.0".into(),
            version: Some((0, 22, 0)),
            args,
            ready: 1,
            replicas: 1,
        }
    }

    #[test]
    fn external_dns_must_read_what_publish_makes() {
        let ingress_only = Ok(vec![external_dns(&["ingress"])]);
        assert_eq!(
            external_dns_check(&ingress_only, &[], false).status,
            report::Mark::Ok
        );
        let line = external_dns_check(&ingress_only, &[], true);
        assert_eq!(line.status, report::Mark::Failed);
        assert!(
            line.detail.contains("does not watch HTTPRoutes"),
            "{}",
            line.detail
        );
        assert!(line.fix.unwrap().contains("--source=gateway-httproute"));
        let both = Ok(vec![external_dns(&["ingress", "gateway-httproute"])]);
        assert_eq!(
            external_dns_check(&both, &[], true).status,
            report::Mark::Ok
        );
    }
}
