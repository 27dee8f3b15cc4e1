//! Plain HTTPS and DNS for `status` (does the host resolve, does it answer)
//! and for the EC2 calls signed by hand. hyper and rustls on aws-lc-rs, the
//! same stack kube and the AWS SDK already use, with the system's roots.

use std::net::{IpAddr, ToSocketAddrs};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

pub(crate) type HttpsClient = Client<HttpsConnector<HttpConnector>, Full<Bytes>>;

pub(crate) fn client() -> Result<HttpsClient, String> {
    let connector = hyper_rustls::HttpsConnectorBuilder::new()
        .with_native_roots()
        .map_err(|e| format!("cannot load the system's CA certificates: {e}"))?
        .https_or_http()
        .enable_http1()
        .build();
    Ok(Client::builder(TokioExecutor::new()).build(connector))
}

/// The error and its causes on one line.
pub(crate) fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = vec![e.to_string()];
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = s.source();
    }
    parts.join(": ")
}

/// Sends a request and reads the whole body, within `timeout`.
pub(crate) async fn send(
    client: &HttpsClient,
    request: http::Request<Full<Bytes>>,
    timeout: Duration,
) -> Result<(http::StatusCode, Bytes), String> {
    let work = async {
        let response = client.request(request).await.map_err(|e| chain(&e))?;
        let status = response.status();
        let body = response
            .into_body()
            .collect()
            .await
            .map_err(|e| chain(&e))?
            .to_bytes();
        Ok((status, body))
    };
    tokio::time::timeout(timeout, work)
        .await
        .map_err(|_| format!("no answer within {}s", timeout.as_secs()))?
}

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
