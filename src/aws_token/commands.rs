//! `kubectl aws-token`'s commands: each subcommand's parsed flags arrive here,
//! and everything from checking values to printing happens here.

use std::io::{IsTerminal, Read};
use std::path::Path;

use super::cache::{self, Cache};
use super::verify::{self, SignatureCheck};
use super::{SetupArgs, TokenArgs, VerifyArgs, entries, mint, token};
use super::{eks, fleet, setup};
use crate::aws::credentials::{self, SigningCredentials};
use crate::aws::{endpoint, time};
use crate::error::{Error, Result, exit};
use crate::kubeconfig::Kubeconfig;
use crate::output::{self, Format};

/// Prints an ExecCredential. `--duration` is checked before any call.
pub(crate) fn run_token(args: &TokenArgs) -> Result<u8> {
    let mut duration_secs = None;
    if let Some(d) = &args.duration {
        let secs = crate::cli::parse_duration(d)?.as_secs();
        if !(900..=43_200).contains(&secs) {
            return Err(Error::Usage(format!(
                "--duration {d} is outside what STS allows (15m to 12h)"
            )));
        }
        duration_secs = Some(secs as i32);
    }
    let minted = mint::get_token(args, duration_secs)?;
    output::print_lines([minted.exec_credential()])?;
    Ok(exit::OK)
}

pub(crate) fn run_cache_clear() -> Result<u8> {
    let cache = Cache::at(cache::default_dir());
    let n = cache.clear()?;
    output::note(format!(
        "removed {n} cache entr{} from {}",
        if n == 1 { "y" } else { "ies" },
        cache.dir.display()
    ));
    Ok(exit::OK)
}

pub(crate) fn run_cache_list(format: Option<Format>) -> Result<u8> {
    let cache = Cache::at(cache::default_dir());
    let rows = entries::cache_rows(&cache)?;
    match format {
        Some(Format::Json) => output::print_json(&rows)?,
        Some(Format::Yaml) => output::print_yaml(&rows)?,
        Some(Format::Name) => output::print_lines(rows.iter().map(|r| r.file.clone()))?,
        Some(Format::Table) | None => {
            if rows.is_empty() {
                output::note(format!("no cache entries in {}", cache.dir.display()));
                return Ok(exit::OK);
            }
            let mut t = output::table(&[
                "KIND", "CLUSTER", "REGION", "IDENTITY", "ROLE", "EXPIRES", "STATUS",
            ]);
            let dash = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
            for r in &rows {
                t.add_row(vec![
                    r.kind.to_string(),
                    dash(&r.cluster),
                    dash(&r.region),
                    dash(&r.identity),
                    dash(&r.role),
                    dash(&r.expires_at),
                    r.status.clone(),
                ]);
            }
            output::print_table(&t)?;
        }
    }
    Ok(exit::OK)
}

pub(crate) fn run_setup(args: &SetupArgs) -> Result<u8> {
    if args.all {
        return fleet::run(args);
    }
    if args.region.len() > 1 || args.profile.len() > 1 {
        return Err(Error::Usage(
            "--region and --profile are repeatable only with --all".into(),
        ));
    }
    let target = setup_target(args)?;
    let kc = setup::load(args.kubeconfig.as_deref())?;
    if args.dry_run {
        let (change, _) = setup::plan_setup(&kc, args, &target)?;
        output::print_text(&setup::diff(&kc, &change))?;
        return Ok(exit::OK);
    }
    let outcome = std::cell::RefCell::new(None);
    Kubeconfig::commit(kc, |kc| {
        let (change, o) = setup::plan_setup(kc, args, &target)?;
        *outcome.borrow_mut() = Some(o);
        Ok(change)
    })?;
    if let Some(o) = outcome.into_inner() {
        output::note(format!(
            "cluster {:?} {}, user {:?} {}, context {:?} {} in {}{}",
            o.name,
            o.cluster,
            o.name,
            o.user,
            o.name,
            o.context,
            o.file,
            if o.current { "; switched to it" } else { "" }
        ));
    }
    Ok(exit::OK)
}

/// `--server` and the CA flags as given (no AWS call), or EKS DescribeCluster.
fn setup_target(args: &SetupArgs) -> Result<setup::Target> {
    if let Some(server) = &args.server {
        let ca_data = setup::ca_data(args.ca_file.as_deref(), args.ca_data.as_deref())?;
        return Ok(setup::Target {
            server: server.clone(),
            ca_data,
            region: None,
        });
    }
    let profiles = crate::aws::profile::Profiles::load();
    let profile = args.profile.first().map(String::as_str);
    let cluster_name = args.cluster_name.as_deref().unwrap_or_default();
    let selected = crate::aws::profile::selected(profile);
    let region = crate::aws::region::resolve_region(
        args.region.first().map(String::as_str),
        &profiles,
        &selected,
        None,
    )?;
    let info = eks::describe_for_setup(profile, &region, cluster_name)?;
    let ca_data = setup::ca_data(None, Some(&info.ca_data)).map_err(|_| {
        Error::Failed(format!(
            "EKS cluster {:?} in {region}: DescribeCluster gave a CA that is not base64 PEM",
            cluster_name
        ))
    })?;
    Ok(setup::Target {
        server: info.endpoint,
        ca_data,
        region: Some(region),
    })
}

pub(crate) fn run_migrate(dry_run: bool, kubeconfig: Option<&Path>) -> Result<u8> {
    let kc = Kubeconfig::load(kubeconfig)?;
    if let Some(e) = kc.missing() {
        return Err(e);
    }
    // What to migrate is decided on the read taken under the lock (see `Kubeconfig::commit`).
    let report = std::cell::RefCell::new((Vec::new(), String::new()));
    let plan = |kc: &Kubeconfig| {
        let found = setup::find_migrations(kc);
        let change = setup::plan_migrations(kc, &found)?;
        *report.borrow_mut() = (found, setup::diff(kc, &change));
        Ok(change)
    };
    if dry_run {
        plan(&kc)?;
    } else {
        Kubeconfig::commit(kc, plan)?;
    }
    let (found, diff) = report.into_inner();
    if found.is_empty() {
        output::note(
            "nothing to migrate: no user runs `aws eks get-token` or `aws-iam-authenticator token`",
        );
        return Ok(exit::OK);
    }
    output::print_text(&diff)?;
    if dry_run {
        output::note(format!(
            "{} user(s) would be migrated (dry run, nothing written)",
            found.len()
        ));
        return Ok(exit::OK);
    }
    for m in &found {
        output::note(format!(
            "migrated user {:?} ({}) in {}",
            m.user, m.from, m.file
        ));
    }
    Ok(exit::OK)
}

/// The token to verify: the argument, or stdin (`-` or no argument), either
/// bare or inside an ExecCredential.
fn read_token(arg: Option<String>) -> Result<String> {
    let text = match arg.as_deref() {
        None if std::io::stdin().is_terminal() => {
            return Err(Error::Usage(
                "give the token as an argument, or pipe it (or an ExecCredential) in".into(),
            ));
        }
        Some("-") | None => {
            let mut s = String::new();
            std::io::stdin()
                .read_to_string(&mut s)
                .map_err(|e| Error::Failed(format!("cannot read the token from stdin: {e}")))?;
            s
        }
        Some(t) => t.to_string(),
    };
    let text = text.trim();
    if text.starts_with('{') {
        // An ExecCredential, e.g. piped from `kubectl aws-token` or `aws eks get-token`.
        let v: serde_json::Value = serde_json::from_str(text)
            .map_err(|e| Error::Usage(format!("input looks like JSON but is not valid: {e}")))?;
        return v
            .pointer("/status/token")
            .and_then(|t| t.as_str())
            .map(str::to_string)
            .ok_or_else(|| Error::Usage("the ExecCredential has no status.token".into()));
    }
    if text.is_empty() {
        return Err(Error::Usage(
            "no token given; pass it as an argument or on stdin".into(),
        ));
    }
    Ok(text.to_string())
}

pub(crate) fn run_verify(args: VerifyArgs) -> Result<u8> {
    // A verdict names no object: -o name would only be the text under another name.
    if args.output == Some(Format::Name) {
        return Err(Error::Usage(
            "-o name does not apply to verify; use -o json or -o yaml".into(),
        ));
    }
    let token = read_token(args.token)?;
    let cluster = args
        .cluster_id
        .or(args.cluster_name)
        .ok_or_else(|| Error::Usage("give --cluster-name NAME".into()))?;
    if let Some(r) = &args.region {
        endpoint::validate_region(r)?;
    }
    let now = time::now();
    let (claims, failure) = verify::check(&token, args.region.as_deref(), now);
    let signature = match (&claims, &failure) {
        (Some(c), None) => {
            let creds = verify_credentials(args.profile.as_deref(), &c.region)?;
            verify::check_signature(c, creds.as_ref(), &cluster)
        }
        _ => SignatureCheck::Unchecked,
    };
    let failure = failure.or_else(|| {
        (signature == SignatureCheck::Mismatch).then(|| verify::Rejection {
            rule: "signature",
            detail: format!(
                "re-signed with your credentials for cluster {cluster:?} it does not match: the token was altered or minted for another cluster"
            ),
        })
    });
    let report = serde_json::json!({
        "valid": failure.is_none(),
        "cluster": cluster,
        "claims": claims,
        "signature": signature,
        "rejection": failure,
    });
    match args.output {
        Some(Format::Json) => output::print_json(&report)?,
        Some(Format::Yaml) => output::print_yaml(&report)?,
        _ => output::print_lines(report_lines(
            claims.as_ref(),
            &signature,
            failure.is_some(),
            &cluster,
            now,
        ))?,
    }
    match failure {
        Some(f) => Err(Error::Failed(format!("token rejected: {f}"))),
        None => {
            output::note(format!("token OK for cluster {cluster:?}"));
            Ok(exit::OK)
        }
    }
}

/// `verify`'s text report: what the token claims, then the signature verdict.
fn report_lines(
    claims: Option<&verify::Claims>,
    signature: &SignatureCheck,
    failed: bool,
    cluster: &str,
    now: i64,
) -> Vec<String> {
    let mut lines = Vec::new();
    if let Some(c) = claims {
        let left = c.signed_at_secs + token::SERVER_VALIDITY_SECS - now;
        lines.push(format!("access key:     {}", c.access_key_id));
        lines.push(format!("region:         {}", c.region));
        lines.push(format!("host:           {}", c.host));
        lines.push(format!("signed at:      {}", c.signed_at));
        lines.push(format!(
            "expires at:     {} ({})",
            c.expires_at,
            if left >= 0 {
                format!("in {}", time::human(left))
            } else {
                format!("{} ago", time::human(-left))
            }
        ));
        lines.push(format!("signed headers: {}", c.signed_headers.join(";")));
        lines.push(format!(
            "session token:  {}",
            if c.session_token { "yes" } else { "no" }
        ));
    }
    lines.push(format!(
        "signature:      {}",
        match signature {
            SignatureCheck::Valid =>
                format!("valid for cluster {cluster:?} (re-signed with your credentials)"),
            SignatureCheck::Mismatch => "MISMATCH".to_string(),
            SignatureCheck::Unchecked if failed => "not checked".to_string(),
            SignatureCheck::Unchecked =>
                "not checked: no credentials for this access key here (EKS checks it with STS)"
                    .to_string(),
        }
    ));
    lines
}

/// Credentials for `verify`'s signature check: env keys, or `--profile` when given.
fn verify_credentials(profile: Option<&str>, region: &str) -> Result<Option<SigningCredentials>> {
    match (profile, credentials::from_env()) {
        (None, env) => Ok(env),
        (Some(p), _) => {
            let rt = crate::client::runtime()?;
            rt.block_on(credentials::from_profile(p, region)).map(Some)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usage_message<T: std::fmt::Debug>(result: Result<T>) -> String {
        match result {
            Err(Error::Usage(m)) => m,
            other => panic!("expected a usage error, got {other:?}"),
        }
    }

    #[test]
    fn a_duration_sts_refuses_is_a_usage_error_before_any_call() {
        use clap::Parser;
        for d in ["5m", "13h"] {
            let args = super::super::AwsTokenArgs::parse_from([
                "kubectl-aws_token",
                "--cluster-name",
                "prod",
                "--role-arn",
                "arn:aws:iam::111122223333:role/x",
                "--duration",
                d,
            ]);
            assert!(usage_message(run_token(&args.token)).contains("outside what STS allows"));
        }
    }

    #[test]
    fn read_token_takes_a_bare_token_or_an_exec_credential() {
        assert_eq!(
            read_token(Some(" k8s-aws-v1.abc \n".into())).unwrap(),
            "k8s-aws-v1.abc"
        );
        let cred = r#"{"kind":"ExecCredential","status":{"token":"k8s-aws-v1.xyz"}}"#;
        assert_eq!(read_token(Some(cred.into())).unwrap(), "k8s-aws-v1.xyz");
        assert!(usage_message(read_token(Some("{}".into()))).contains("no status.token"));
        assert!(usage_message(read_token(Some("{nope".into()))).contains("not valid"));
        assert!(usage_message(read_token(Some("  ".into()))).starts_with("no token given"));
    }
}
