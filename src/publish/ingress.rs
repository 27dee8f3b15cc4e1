//! `kubectl publish KIND/NAME`: the Service and an Ingress for the ALB
//! controller, with the class, certificate and external-dns prefixes the
//! cluster and ACM call for.

use super::Session;
use super::apply::Object;
use super::args::{PublishArgs, PublishFlags};
use super::backend;
use super::build::{self, Certificate, IngressPlan};
use super::cert;
use super::controllers::{self, Class, Scan};
use super::input::Publication;
use super::write;
use crate::error::{Error, Result};
use crate::output::{self, Palette};

pub(crate) async fn publish(s: &Session, args: &PublishArgs, p: &Publication) -> Result<u8> {
    let flags = &args.publish;
    let palette = Palette::for_stderr(args.global.color);
    // The cluster-wide lookups run while the workload is read.
    let (target_read, classes, scan) = tokio::join!(
        async {
            let backend = backend::read(s, &p.target, flags.port.as_deref(), &p.name).await?;
            let known =
                write::check_not_foreign(s, &p.name, backend.service.is_some(), true).await?;
            Ok::<_, Error>((backend, known))
        },
        controllers::classes(&s.client),
        controllers::scan(&s.client)
    );
    let (backend, known) = target_read?;
    let class = choose_class(flags, &classes, palette);
    warn_class_overrides(s, flags, &classes, &class, palette).await;
    let certificate = certificate(s, flags, &scan, &p.hosts, palette).await?;

    let dns = controllers::dns_prefixes(&scan.external_dns);
    output::note(dns.reason.clone());
    backend.report_health(palette);
    if let Some(g) = &flags.group {
        output::warn(
            palette,
            format!(
                "ALB group {g:?}: anyone who may create Ingresses of class {class} can join it and change its rules or WAF ACL"
            ),
        );
    }

    let plan = IngressPlan {
        flags,
        name: p.name.clone(),
        namespace: s.namespace.clone(),
        class,
        hosts: p.hosts.clone(),
        service: backend.service_name.clone(),
        port: backend.port,
        certificate,
        health: backend.health.clone(),
        tags: p.tags.clone(),
        dns_prefixes: dns.prefixes,
    };
    let mut objects = write::leading_objects(s, flags, backend.service);
    objects.push(Object::Ingress(Box::new(build::ingress(&plan))));
    write::write_objects(s, args, &objects, known, &p.name).await
}

/// `--class`, else the ALB controller's class (`alb` when none can be found).
fn choose_class(
    flags: &PublishFlags,
    classes: &std::result::Result<Vec<Class>, String>,
    palette: Palette,
) -> String {
    match (&flags.class, classes) {
        (Some(c), _) => c.clone(),
        (None, Ok(list)) => match controllers::pick_class(list) {
            Some(c) => c.name.clone(),
            None => {
                output::warn(
                    palette,
                    "no IngressClass for the ALB controller exists; using \"alb\" (run `kubectl publish doctor`)",
                );
                "alb".into()
            }
        },
        (None, Err(why)) => {
            output::note(format!("IngressClass not checked ({why}); using \"alb\""));
            "alb".into()
        }
    }
}

/// Warns of the class's IngressClassParams settings that replace what the
/// flags ask for.
async fn warn_class_overrides(
    s: &Session,
    flags: &PublishFlags,
    classes: &std::result::Result<Vec<Class>, String>,
    class: &str,
    palette: Palette,
) {
    if let Ok(list) = classes
        && let Some(c) = list.iter().find(|c| c.name == class)
        && let Ok(Some((params, spec))) = controllers::class_params(&s.client, c).await
    {
        let (group, waf_acl) = (flags.group.as_deref(), flags.waf_acl.as_deref());
        for o in controllers::overrides(&spec, flags.internal, group, waf_acl) {
            output::warn(
                palette,
                format!(
                    "IngressClassParams {params} sets {}={}: {}",
                    o.field, o.value, o.effect
                ),
            );
        }
    }
}

/// `--cert-arn`, `--create-cert` (when the controller can), or the ACM
/// certificates chosen for the hosts.
async fn certificate(
    s: &Session,
    flags: &PublishFlags,
    scan: &Scan,
    hosts: &[String],
    palette: Palette,
) -> Result<Certificate> {
    if !flags.cert_arn.is_empty() {
        output::note(format!(
            "certificate: {} (from --cert-arn)",
            flags.cert_arn.join(", ")
        ));
        return Ok(Certificate::Arns(flags.cert_arn.clone()));
    }
    if flags.create_cert {
        match controllers::cert_creation(scan.lbc.as_deref().unwrap_or_default()) {
            Err(why) => {
                return Err(Error::Failed(format!(
                    "{why}; request a certificate in ACM and pass --cert-arn ARN"
                )));
            }
            Ok(false) => output::warn(
                palette,
                "cannot confirm the ALB controller creates certificates (it needs v3.3.0+ and --feature-gates=EnableCertificateManagement=true)",
            ),
            Ok(true) => {}
        }
        output::note(
            "certificate: the ALB controller will request one from ACM and validate it in Route 53 (up to 30 minutes)",
        );
        return Ok(Certificate::Create);
    }
    let (arns, reasons) = cert::resolve(&s.sdk, hosts).await?;
    for r in reasons {
        output::note(r);
    }
    Ok(Certificate::Arns(arns))
}
