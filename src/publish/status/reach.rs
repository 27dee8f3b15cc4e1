//! DNS resolution and an HTTPS request, per host, from where the command runs.

use std::time::Duration;

use crate::publish::net;
use crate::publish::report::Line;

/// DNS resolution and an HTTPS request, per host.
pub(super) async fn stages(hosts: &[String], timeout: Duration) -> Vec<Line> {
    let many = hosts.len() > 1;
    let named = |stage: &str, host: &str| {
        if many {
            format!("{stage} {host}")
        } else {
            stage.to_string()
        }
    };
    let mut stages = Vec::new();
    let http = net::client();
    for h in hosts {
        let resolved = net::resolve(h, timeout).await;
        match &resolved {
            Ok(ips) if !ips.is_empty() => stages.push(Line::ok(
                named("resolve", h),
                format!(
                    "{h} → {}",
                    ips.iter()
                        .map(|i| i.to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )),
            Ok(_) => stages.push(Line::failed(
                named("resolve", h),
                format!("{h} has no addresses"),
            )),
            Err(e) => stages.push(Line::failed(
                named("resolve", h),
                format!("{h} does not resolve: {e}"),
            )),
        }
        let line = match (&resolved, &http) {
            (Ok(ips), Ok(client)) if !ips.is_empty() => {
                match net::probe_https(client, h, timeout).await {
                    Ok((code, took)) if (200..400).contains(&code) => Line::ok(
                        named("https", h),
                        format!("GET https://{h}/ → {code} in {} ms", took.as_millis()),
                    ),
                    Ok((code, _)) => {
                        Line::failed(named("https", h), format!("GET https://{h}/ → {code}"))
                    }
                    Err(e) => {
                        Line::failed(named("https", h), format!("GET https://{h}/ failed: {e}"))
                    }
                }
            }
            (Ok(ips), Err(e)) if !ips.is_empty() => Line::failed(named("https", h), e.clone()),
            _ => Line::skipped(named("https", h), format!("skipped: {h} does not resolve")),
        };
        stages.push(line);
    }

    stages
}
