//! DNS and an HTTPS probe for `status` (does the host resolve, does it answer);
//! the client stack is the plumbing's (`aws::https`), shared with the hand-signed
//! AWS calls.

use std::net::{IpAddr, ToSocketAddrs};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::Full;

pub(crate) use crate::aws::https::{HttpsClient, client, send};

/// The addresses `host` resolves to, by the system resolver.
pub(crate) async fn resolve(host: &str, timeout: Duration) -> Result<Vec<IpAddr>, String> {
    let target = format!("{host}:443");
    let lookup = tokio::task::spawn_blocking(move || {
        target
            .to_socket_addrs()
            .map(|a| a.map(|s| s.ip()).collect::<Vec<_>>())
    });
    match tokio::time::timeout(timeout, lookup).await {
        Err(_) => Err(format!("no answer within {}s", timeout.as_secs())),
        Ok(Err(e)) => Err(e.to_string()),
        Ok(Ok(Err(e))) => Err(e.to_string()),
        Ok(Ok(Ok(mut ips))) => {
            ips.sort();
            ips.dedup();
            Ok(ips)
        }
    }
}

/// `GET https://host/`: the status code and how long it took.
pub(crate) async fn probe_https(
    client: &HttpsClient,
    host: &str,
    timeout: Duration,
) -> Result<(u16, Duration), String> {
    let request = http::Request::get(format!("https://{host}/"))
        .header("user-agent", concat!("honban/", env!("CARGO_PKG_VERSION")))
        .body(Full::new(Bytes::new()))
        .map_err(|e| e.to_string())?;
    let started = Instant::now();
    let (status, _) = send(client, request, timeout).await?;
    Ok((status.as_u16(), started.elapsed()))
}
