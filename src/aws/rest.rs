//! Signed calls to AWS APIs that have no SDK client here (EKS's read-only
//! DescribeCluster and ListClusters, EC2's DescribeRegions, KMS' Decrypt for
//! sops files): SigV4 with aws-sigv4, sent
//! with hyper on rustls/aws-lc-rs, the stack kube and the SDK already use.
//! Throttling and 5xx answers are retried with backoff, as the SDK's
//! standard retry mode does.

use std::sync::OnceLock;
use std::time::{Duration, SystemTime};

use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};

use super::credentials::SigningCredentials;
use super::endpoint;
use super::https::{self, HttpsClient, chain};
use super::profile::env_nonempty;

/// Attempts per call, the SDK's standard mode.
const ATTEMPTS: u32 = 3;

/// One service in one region, e.g. EKS in eu-west-1.
#[derive(Debug, Clone)]
pub(crate) struct Service {
    /// The signing name, e.g. `eks`.
    pub(crate) name: &'static str,
    /// The `AWS_ENDPOINT_URL_<ID>` suffix, e.g. `EKS`.
    pub(crate) env_id: &'static str,
    pub(crate) region: String,
}

impl Service {
    /// `AWS_ENDPOINT_URL_<ID>`, `AWS_ENDPOINT_URL`, then the regional host.
    pub(crate) fn endpoint(&self) -> String {
        let suffix = endpoint::partition_of(&self.region).dns_suffix;
        env_nonempty(&format!("AWS_ENDPOINT_URL_{}", self.env_id))
            .or_else(|| env_nonempty("AWS_ENDPOINT_URL"))
            .unwrap_or_else(|| format!("https://{}.{}.{suffix}", self.name, self.region))
            .trim_end_matches('/')
            .to_string()
    }
}

/// An answer that is not 2xx: the status, the AWS error type and message.
#[derive(Debug, Clone)]
pub(crate) struct ApiError {
    pub(crate) status: u16,
    pub(crate) code: String,
    pub(crate) message: String,
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.code.is_empty(), self.message.is_empty()) {
            (true, true) => write!(f, "HTTP {}", self.status),
            (false, true) => write!(f, "{}", self.code),
            (true, false) => write!(f, "{}", self.message),
            (false, false) => write!(f, "{}: {}", self.code, self.message),
        }
    }
}

fn client() -> Result<&'static HttpsClient, String> {
    static CLIENT: OnceLock<Result<HttpsClient, String>> = OnceLock::new();
    CLIENT
        .get_or_init(https::client)
        .as_ref()
        .map_err(Clone::clone)
}

/// `GET <endpoint><path_and_query>`, signed; the JSON body of a 2xx answer.
pub(crate) async fn get_json(
    service: &Service,
    creds: &SigningCredentials,
    path_and_query: &str,
    timeout: Duration,
) -> Result<serde_json::Value, ApiError> {
    let body = get(service, creds, path_and_query, timeout).await?;
    Ok(serde_json::from_slice(&body).unwrap_or_default())
}

/// `GET <endpoint><path_and_query>`, signed; the body of a 2xx answer
/// (Query APIs such as EC2's answer XML).
pub(crate) async fn get(
    service: &Service,
    creds: &SigningCredentials,
    path_and_query: &str,
    timeout: Duration,
) -> Result<Bytes, ApiError> {
    let url = format!("{}{path_and_query}", service.endpoint());
    send(
        service,
        creds,
        &Call {
            url: &url,
            target: None,
            body: b"",
        },
        timeout,
    )
    .await
}

/// `POST /` of an AWS JSON 1.1 API (`X-Amz-Target: <target>`), signed; the
/// JSON body of a 2xx answer.
pub(crate) async fn post_json(
    service: &Service,
    creds: &SigningCredentials,
    target: &str,
    body: &serde_json::Value,
    timeout: Duration,
) -> Result<serde_json::Value, ApiError> {
    let url = format!("{}/", service.endpoint());
    let body = serde_json::to_vec(body).map_err(|e| local_error(e.to_string()))?;
    let call = Call {
        url: &url,
        target: Some(target),
        body: &body,
    };
    let answer = send(service, creds, &call, timeout).await?;
    Ok(serde_json::from_slice(&answer).unwrap_or_default())
}

/// One request: a GET without a target, else a JSON 1.1 POST.
struct Call<'a> {
    url: &'a str,
    target: Option<&'a str>,
    body: &'a [u8],
}

async fn send(
    service: &Service,
    creds: &SigningCredentials,
    call: &Call<'_>,
    timeout: Duration,
) -> Result<Bytes, ApiError> {
    let mut delay = Duration::from_millis(100);
    for attempt in 1..=ATTEMPTS {
        match send_once(service, creds, call, timeout).await {
            Err(e) if attempt < ATTEMPTS && retryable(&e) => {
                tokio::time::sleep(delay).await;
                delay *= 4;
            }
            other => return other,
        }
    }
    unreachable!("the last attempt returns")
}

fn retryable(e: &ApiError) -> bool {
    e.status == 429
        || e.status >= 500
        || e.code.contains("Throttl")
        || e.code == "TooManyRequestsException"
}

fn local_error(message: String) -> ApiError {
    ApiError {
        status: 0,
        code: String::new(),
        message,
    }
}

async fn send_once(
    service: &Service,
    creds: &SigningCredentials,
    call: &Call<'_>,
    timeout: Duration,
) -> Result<Bytes, ApiError> {
    let url = call.url;
    let identity = creds.to_sdk().into();
    let signing = v4::SigningParams::builder()
        .identity(&identity)
        .region(&service.region)
        .name(service.name)
        .time(SystemTime::now())
        .settings(SigningSettings::default())
        .build()
        .map_err(|e| local_error(format!("cannot sign: {e}")))?
        .into();
    let mut headers = vec![("accept", "application/json")];
    let method = match call.target {
        Some(target) => {
            headers.push(("content-type", "application/x-amz-json-1.1"));
            headers.push(("x-amz-target", target));
            "POST"
        }
        None => "GET",
    };
    let signable = SignableRequest::new(
        method,
        url,
        headers.iter().copied(),
        SignableBody::Bytes(call.body),
    )
    .map_err(|e| local_error(format!("cannot sign: {e}")))?;
    let (instructions, _) = sign(signable, &signing)
        .map_err(|e| local_error(format!("cannot sign: {e}")))?
        .into_parts();
    let mut builder = http::Request::builder().method(method).uri(url);
    for (name, value) in &headers {
        builder = builder.header(*name, *value);
    }
    let mut request = builder
        .body(Full::new(Bytes::copy_from_slice(call.body)))
        .map_err(|e| local_error(e.to_string()))?;
    instructions.apply_to_request_http1x(&mut request);
    let client = client().map_err(local_error)?;
    let work = async {
        let response = client.request(request).await.map_err(|e| chain(&e))?;
        let status = response.status();
        let error_type = response
            .headers()
            .get("x-amzn-errortype")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let body = response
            .into_body()
            .collect()
            .await
            .map_err(|e| chain(&e))?;
        Ok::<_, String>((status, error_type, body.to_bytes()))
    };
    let (status, error_type, body) = tokio::time::timeout(timeout, work)
        .await
        .map_err(|_| local_error(format!("no answer within {}s", timeout.as_secs())))?
        .map_err(local_error)?;
    if status.is_success() {
        return Ok(body);
    }
    if body.starts_with(b"<") {
        return Err(xml_error(status.as_u16(), &String::from_utf8_lossy(&body)));
    }
    let json: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
    Err(api_error(status.as_u16(), error_type.as_deref(), &json))
}

/// Query API errors: `<Error><Code>…</Code><Message>…</Message></Error>`.
fn xml_error(status: u16, body: &str) -> ApiError {
    let tag = |name: &str| {
        let open = format!("<{name}>");
        let start = body.find(&open)? + open.len();
        let end = body[start..].find(&format!("</{name}>"))? + start;
        Some(body[start..end].trim().to_string())
    };
    ApiError {
        status,
        code: tag("Code").unwrap_or_default(),
        message: tag("Message").unwrap_or_default(),
    }
}

/// REST-JSON errors: the type in `x-amzn-ErrorType` (or `__type`/`code`),
/// the text in `message`/`Message`.
fn api_error(status: u16, header: Option<&str>, body: &serde_json::Value) -> ApiError {
    let field = |k: &str| body.get(k).and_then(|v| v.as_str()).map(str::to_string);
    let code = header
        .map(str::to_string)
        .or_else(|| field("__type"))
        .or_else(|| field("code"))
        .unwrap_or_default();
    // `AccessDeniedException:http://internal.amazon.com/…` → the name alone.
    let code = code
        .split([':', '#'])
        .next()
        .unwrap_or_default()
        .to_string();
    ApiError {
        status,
        code,
        message: field("message")
            .or_else(|| field("Message"))
            .unwrap_or_default()
            .trim_end_matches('.')
            .to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_type_from_header_or_body() {
        let body = serde_json::json!({"message": "no"});
        let e = api_error(403, Some("AccessDeniedException:http://x/"), &body);
        assert_eq!(e.to_string(), "AccessDeniedException: no");
        let body = serde_json::json!({"__type": "ThrottlingException", "Message": "slow"});
        let e = api_error(400, None, &body);
        assert!(retryable(&e));
        let xml = "<Response><Errors><Error><Code>UnauthorizedOperation</Code><Message>no</Message></Error></Errors></Response>";
        assert_eq!(xml_error(403, xml).to_string(), "UnauthorizedOperation: no");
        assert_eq!(
            api_error(404, None, &serde_json::Value::Null).to_string(),
            "HTTP 404"
        );
    }
}
