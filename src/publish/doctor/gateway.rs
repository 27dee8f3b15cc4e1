//! The doctor's Gateway API checks: the CRDs, an ALB GatewayClass and the
//! ALB controller's gateway CRDs; they fail only with `--api gateway`.

use crate::publish::gateway;
use crate::publish::report::{self, Line};

/// The Gateway API CRDs, an ALB GatewayClass and the ALB controller's
/// gateway CRDs. Without `--api gateway` a missing one is only reported.
pub(super) async fn checks(client: &kube::Client, required: bool) -> Vec<Line> {
    let miss = |name: &str, detail: String, fix: String| {
        if required {
            Line::failed(name, detail).with_fix(fix)
        } else {
            Line::skipped(name, format!("{detail} (needed only for --api gateway)")).with_fix(fix)
        }
    };
    let api_version = format!("{}/{}", gateway::GATEWAY_GROUP, gateway::GATEWAY_VERSION);
    let served = gateway::served(client, &api_version).await;
    let install = gateway::INSTALL_COMMAND.to_string();
    let api_line = match &served {
        Err(e) => miss("gateway api", format!("not checked: {e}"), install.clone()),
        Ok(r) => match gateway::missing(gateway::GATEWAY_GROUP, r.as_deref()) {
            Some(why) => miss("gateway api", why, install.clone()),
            None => Line::ok(
                "gateway api",
                format!("{api_version} serves HTTPRoute and Gateway"),
            ),
        },
    };
    let installed = api_line.status == report::Mark::Ok;
    let mut lines = vec![api_line];
    if !installed {
        return lines;
    }
    lines.push(match gateway::alb_classes(client).await {
        Ok(c) if !c.is_empty() => Line::ok(
            "gateway class",
            format!("{} → {}", c.join(", "), gateway::ALB_GATEWAY_CONTROLLER),
        ),
        Ok(_) => miss(
            "gateway class",
            format!("no GatewayClass has controllerName {}", gateway::ALB_GATEWAY_CONTROLLER),
            format!(
                "printf 'apiVersion: gateway.networking.k8s.io/v1\\nkind: GatewayClass\\nmetadata:\\n  name: alb\\nspec:\\n  controllerName: {}\\n' | kubectl apply -f -",
                gateway::ALB_GATEWAY_CONTROLLER
            ),
        ),
        Err(why) => miss(
            "gateway class",
            format!("not checked: {why}"),
            "run doctor as a user who can list GatewayClasses".into(),
        ),
    });
    let lbc_version = format!(
        "{}/{}",
        gateway::LBC_GATEWAY_GROUP,
        gateway::LBC_GATEWAY_VERSION
    );
    let lbc = gateway::served(client, &lbc_version)
        .await
        .ok()
        .flatten()
        .unwrap_or_default();
    lines.push(if lbc.iter().any(|r| r == "targetgroupconfigurations") {
        Line::ok(
            "gateway crds",
            format!("{lbc_version} serves TargetGroupConfiguration (health check from the readiness probe)"),
        )
    } else {
        miss(
            "gateway crds",
            format!("{lbc_version} TargetGroupConfiguration is not installed: no ip targets or probe health check for routes"),
            gateway::LBC_CRDS_HINT.into(),
        )
    });
    lines
}
