//! `kubectl publish doctor`: the preconditions for an Ingress to become a
//! public HTTPS name on AWS, each with a one-line fix when it fails.
//!
//! Files: this one (the ALB controller, the IngressClass and its params),
//! [`aws`] (subnets, hosted zone, certificate), [`dns`] (external-dns),
//! [`gateway`] (the Gateway API, for `--api gateway`).

mod aws;
mod dns;
mod gateway;

use serde::Serialize;

use super::args::{DoctorArgs, PublishArgs};
use super::cloud::Cloud;
use super::controllers::{self, Class, Found, LBC_CONTROLLER};
use super::report::{self, Line};
use super::{Session, input, with_session};
use crate::cli::GlobalArgs;
use crate::error::{Result, exit};
use crate::output::{self, Format, Palette};

#[derive(Debug, Serialize)]
struct Report {
    ok: bool,
    checks: Vec<Line>,
}

/// `req` is the subcommand's flags; `args` holds the global and AWS ones.
pub(crate) fn doctor(req: &DoctorArgs, args: &PublishArgs) -> Result<u8> {
    report::check_format("doctor", args.global.output)?;
    let hosts = if req.hosts.is_empty() {
        Vec::new()
    } else {
        input::parse_hosts(&req.hosts)?
    };
    let gateway_required = req.gateway_required();
    with_session(&args.global, &args.aws, |s| async move {
        let (classes, scan) = tokio::join!(
            controllers::classes(&s.client),
            controllers::scan(&s.client)
        );
        let class_name = req.class.clone().unwrap_or_else(|| "alb".into());
        let mut checks = vec![
            controller_check(&scan.lbc, &classes),
            class_check(&class_name, &classes),
        ];
        let class = classes
            .as_ref()
            .ok()
            .and_then(|l| l.iter().find(|c| c.name == class_name).cloned());
        checks.push(params_check(&s, class.as_ref(), req.internal).await);
        checks.extend(gateway::checks(&s.client, gateway_required).await);

        let cloud = Cloud::connect(&s.sdk).await;
        checks.push(match &cloud {
            Ok(c) => {
                aws::subnets_check(&s, c, &scan.lbc, req.vpc_id.as_deref(), req.internal).await
            }
            Err(e) => Line::failed("subnets", format!("not checked: {e}"))
                .with_fix("set AWS_REGION and AWS credentials (or pass --region/--profile)"),
        });
        checks.push(dns::external_dns_check(
            &scan.external_dns,
            &hosts,
            gateway_required,
        ));
        checks.extend(aws::host_checks(&cloud, &hosts, req.internal).await);
        print_report(checks, &args.global)
    })
}

fn print_report(checks: Vec<Line>, global: &GlobalArgs) -> Result<u8> {
    let ok = report::all_ok(&checks);
    let report = Report { ok, checks };
    match global.output {
        Some(Format::Json) => output::print_json(&report)?,
        Some(Format::Yaml) => output::print_yaml(&report)?,
        _ => output::print_lines(report::render(
            &report.checks,
            Palette::for_stdout(global.color),
        ))?,
    }
    Ok(if ok { exit::OK } else { exit::FAILURE })
}

fn ready_text(f: &Found) -> String {
    format!(
        "{} {}, {}/{} ready",
        f.id(),
        f.version_text(),
        f.ready,
        f.replicas
    )
}

fn controller_check(
    lbc: &std::result::Result<Vec<Found>, String>,
    classes: &std::result::Result<Vec<Class>, String>,
) -> Line {
    const NAME: &str = "alb controller";
    let auto_mode = classes.as_ref().ok().and_then(|l| {
        l.iter()
            .find(|c| c.controller == controllers::AUTO_MODE_CONTROLLER)
            .map(|c| c.name.clone())
    });
    match lbc {
        Ok(list) if !list.is_empty() => match list.iter().find(|f| f.ready > 0) {
            Some(f) => Line::ok(NAME, ready_text(f)),
            None => Line::failed(NAME, format!("{}: no ready replica", ready_text(&list[0])))
                .with_fix(format!(
                    "kubectl -n {} describe deployment {}",
                    list[0].namespace, list[0].name
                )),
        },
        _ if auto_mode.is_some() => Line::ok(
            NAME,
            format!(
                "EKS Auto Mode load balancing (IngressClass {})",
                auto_mode.unwrap_or_default()
            ),
        ),
        Ok(_) => Line::failed(NAME, "no AWS Load Balancer Controller Deployment found")
            .with_fix(LBC_INSTALL),
        Err(why) => Line::failed(NAME, format!("not checked: {why}"))
            .with_fix("run doctor as a user who can list Deployments in all namespaces"),
    }
}

/// The controller calls ELBv2 and EC2 itself, so it needs an IAM role before
/// the chart is useful; the chart lives in the eks-charts repository.
const LBC_INSTALL: &str = "\
1. an IAM policy from the controller's docs/install/iam_policy.json: aws iam create-policy --policy-name AWSLoadBalancerControllerIAMPolicy --policy-document file://iam_policy.json
2. a role for its ServiceAccount kube-system/aws-load-balancer-controller, either
   IRSA: eksctl create iamserviceaccount --cluster CLUSTER -n kube-system --name aws-load-balancer-controller --attach-policy-arn arn:aws:iam::ACCOUNT:policy/AWSLoadBalancerControllerIAMPolicy --approve
   or Pod Identity (with the eks-pod-identity-agent add-on): eksctl create podidentityassociation --cluster CLUSTER --namespace kube-system --service-account-name aws-load-balancer-controller --permission-policy-arns arn:aws:iam::ACCOUNT:policy/AWSLoadBalancerControllerIAMPolicy
3. helm repo add eks https://aws.github.io/eks-charts && helm repo update eks
4. helm install aws-load-balancer-controller eks/aws-load-balancer-controller -n kube-system --set clusterName=CLUSTER --set serviceAccount.name=aws-load-balancer-controller (after IRSA's eksctl, which made the ServiceAccount: --set serviceAccount.create=false)
or enable EKS Auto Mode, which runs its own load balancing";

fn class_check(name: &str, classes: &std::result::Result<Vec<Class>, String>) -> Line {
    const NAME: &str = "ingress class";
    let create = format!(
        "printf 'apiVersion: networking.k8s.io/v1\\nkind: IngressClass\\nmetadata:\\n  name: {name}\\nspec:\\n  controller: {LBC_CONTROLLER}\\n' | kubectl apply -f -"
    );
    match classes {
        Err(why) => Line::failed(NAME, format!("not checked: {why}"))
            .with_fix("run doctor as a user who can list IngressClasses"),
        Ok(list) => match list.iter().find(|c| c.name == name) {
            None => Line::failed(NAME, format!("no IngressClass {name}")).with_fix(create),
            Some(c) if c.is_alb() => Line::ok(NAME, format!("{name} → {}", c.controller)),
            Some(c) => Line::failed(
                NAME,
                format!(
                    "IngressClass {name} belongs to {}, not the ALB controller",
                    c.controller
                ),
            )
            .with_fix("pass --class with the name of an ALB IngressClass"),
        },
    }
}

async fn params_check(s: &Session, class: Option<&Class>, internal: bool) -> Line {
    const NAME: &str = "class params";
    let Some(class) = class else {
        return Line::skipped(NAME, "no IngressClass to read");
    };
    match controllers::class_params(&s.client, class).await {
        Err(why) => Line::failed(NAME, why)
            .with_fix(format!("kubectl get ingressclass {} -o yaml", class.name)),
        Ok(None) => Line::ok(
            NAME,
            format!("IngressClass {} has no IngressClassParams", class.name),
        ),
        Ok(Some((params, spec))) => {
            let found = controllers::overrides(&spec, internal, None, None);
            if found.is_empty() {
                Line::ok(NAME, format!("{params} overrides nothing publish sets"))
            } else {
                let name = params.rsplit('/').next().unwrap_or(&params).to_string();
                let fields: Vec<String> = found.iter().map(|o| o.field.clone()).collect();
                Line::failed(
                    NAME,
                    format!(
                        "{params} overrides publish: {}",
                        found
                            .iter()
                            .map(|o| format!("{}={} ({})", o.field, o.value, o.effect))
                            .collect::<Vec<_>>()
                            .join("; ")
                    ),
                )
                .with_fix(format!(
                    "kubectl edit ingressclassparams {name}   # remove {}",
                    fields.join(", ")
                ))
            }
        }
    }
}
