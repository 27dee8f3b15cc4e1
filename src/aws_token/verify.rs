//! The EKS token verifier's rules, applied offline, plus an optional local
//! signature check.
//!
//! Rules (aws-iam-authenticator's server side): at most 4096 bytes; the
//! `k8s-aws-v1.` prefix; unpadded base64url; an https URL with path `/`; an STS
//! host of the token's region and partition (the global host only in `aws`);
//! only whitelisted query keys, none twice; `Action=GetCallerIdentity`;
//! `x-k8s-aws-id` among the signed headers; `X-Amz-Expires` within 0..=900; and
//! no later than 15 minutes after `X-Amz-Date`.
//!
//! The server then replays the URL to STS with its own cluster id, which is what
//! catches a token for another cluster or an altered one. Offline, the same
//! check is possible when the caller holds the secret for the token's access
//! key: the canonical request is rebuilt from the URL as received and signed.

use std::collections::BTreeMap;
use std::fmt;

use aws_sigv4::sign::v4::{calculate_signature, generate_signing_key};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::token::{CLUSTER_HEADER, PREFIX, SERVER_VALIDITY_SECS};
use crate::aws::credentials::SigningCredentials;
use crate::aws::endpoint;
use crate::aws::sigv4::uri_encode;
use crate::aws::time;

pub(crate) const MAX_TOKEN_BYTES: usize = 4096;
const ALLOWED_KEYS: &[&str] = &[
    "action",
    "version",
    "x-amz-algorithm",
    "x-amz-credential",
    "x-amz-date",
    "x-amz-expires",
    "x-amz-security-token",
    "x-amz-signature",
    "x-amz-signedheaders",
];
const EMPTY_SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/// What a token says about itself.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Claims {
    pub(crate) host: String,
    pub(crate) access_key_id: String,
    pub(crate) region: String,
    pub(crate) service: String,
    /// `X-Amz-Date` as RFC 3339.
    pub(crate) signed_at: String,
    /// `X-Amz-Date` + 15 minutes, when EKS stops accepting the token.
    pub(crate) expires_at: String,
    pub(crate) signed_headers: Vec<String>,
    pub(crate) session_token: bool,
    #[serde(skip)]
    pub(crate) signed_at_secs: i64,
    #[serde(skip)]
    pub(crate) params: Vec<(String, String)>,
}

/// The first rule a token breaks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Rejection {
    pub(crate) rule: &'static str,
    pub(crate) detail: String,
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.rule, self.detail)
    }
}

fn reject(rule: &'static str, detail: impl Into<String>) -> Rejection {
    Rejection {
        rule,
        detail: detail.into(),
    }
}

/// Percent-decoding for query components (`+` is a space, as Go's parser reads it).
fn percent_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' => {
                let hex = s.get(i + 1..i + 3)?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

/// Decodes a token and applies every rule that needs no secret. `region` is the
/// verifier's own region, when it is known; the token's partition must match it.
/// Returns the claims decoded so far with the first rejection, if any.
pub(crate) fn check(
    token: &str,
    region: Option<&str>,
    now: i64,
) -> (Option<Claims>, Option<Rejection>) {
    match decode(token) {
        Err(r) => (None, Some(r)),
        Ok(claims) => {
            let failure = rules(&claims, region, now).err();
            (Some(claims), failure)
        }
    }
}

fn decode(token: &str) -> Result<Claims, Rejection> {
    let url = decode_url(token)?;
    let (authority, query) = split_url(&url)?;
    let params = parse_query(query)?;
    let get = |name: &str| param(&params, name);
    let credential =
        get("X-Amz-Credential").ok_or_else(|| reject("credential", "no X-Amz-Credential"))?;
    let scope: Vec<&str> = credential.split('/').collect();
    if scope.len() != 5 || scope[4] != "aws4_request" {
        return Err(reject(
            "credential",
            format!("malformed X-Amz-Credential {credential:?}"),
        ));
    }
    let date = get("X-Amz-Date").ok_or_else(|| reject("date", "no X-Amz-Date"))?;
    let signed_at = time::parse_amz_date(date)
        .ok_or_else(|| reject("date", format!("malformed X-Amz-Date {date:?}")))?;
    let signed_headers: Vec<String> = get("X-Amz-SignedHeaders")
        .unwrap_or_default()
        .split(';')
        .filter(|h| !h.is_empty())
        .map(str::to_ascii_lowercase)
        .collect();
    Ok(Claims {
        host: authority.to_ascii_lowercase(),
        access_key_id: scope[0].to_string(),
        region: scope[2].to_string(),
        service: scope[3].to_string(),
        signed_at: time::rfc3339(signed_at),
        expires_at: time::rfc3339(signed_at + SERVER_VALIDITY_SECS),
        signed_headers,
        session_token: get("X-Amz-Security-Token").is_some(),
        signed_at_secs: signed_at,
        params,
    })
}

/// The presigned URL inside a token: size, prefix and encoding rules.
fn decode_url(token: &str) -> Result<String, Rejection> {
    let token = token.trim();
    if token.len() > MAX_TOKEN_BYTES {
        return Err(reject(
            "size",
            format!("{} bytes, more than {MAX_TOKEN_BYTES}", token.len()),
        ));
    }
    let body = token
        .strip_prefix(PREFIX)
        .ok_or_else(|| reject("prefix", format!("does not start with {PREFIX}")))?;
    let bytes = URL_SAFE_NO_PAD
        .decode(body)
        .map_err(|e| reject("base64", format!("not unpadded base64url: {e}")))?;
    String::from_utf8(bytes).map_err(|_| reject("base64", "decodes to non-UTF-8 bytes"))
}

/// The URL's authority and query: https, path `/`, no user information.
fn split_url(url: &str) -> Result<(&str, &str), Rejection> {
    let rest = url
        .strip_prefix("https://")
        .ok_or_else(|| reject("scheme", "the URL is not https"))?;
    let (authority, path_query) = rest.split_at(rest.find(['/', '?']).unwrap_or(rest.len()));
    let (path, query) = path_query.split_once('?').unwrap_or((path_query, ""));
    if path != "/" {
        return Err(reject("path", format!("path {path:?} is not \"/\"")));
    }
    if authority.contains('@') {
        return Err(reject("host", "the URL carries user information"));
    }
    Ok((authority, query))
}

/// The query's parameters, decoded: only whitelisted keys, none twice.
fn parse_query(query: &str) -> Result<Vec<(String, String)>, Rejection> {
    let mut params: Vec<(String, String)> = Vec::new();
    let mut seen = BTreeMap::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let key =
            percent_decode(k).ok_or_else(|| reject("query", format!("bad escape in {k:?}")))?;
        let value =
            percent_decode(v).ok_or_else(|| reject("query", format!("bad escape in {key}")))?;
        let lower = key.to_ascii_lowercase();
        if !ALLOWED_KEYS.contains(&lower.as_str()) {
            return Err(reject(
                "parameters",
                format!("query parameter {key:?} is not allowed"),
            ));
        }
        if seen.insert(lower, ()).is_some() {
            return Err(reject(
                "parameters",
                format!("query parameter {key:?} appears twice"),
            ));
        }
        params.push((key, value));
    }
    Ok(params)
}

/// A query parameter's value; names compare without case, as the verifier's do.
fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

fn rules(c: &Claims, region: Option<&str>, now: i64) -> Result<(), Rejection> {
    let get = |name: &str| param(&c.params, name);
    if get("Action") != Some("GetCallerIdentity") {
        return Err(reject("action", "Action is not GetCallerIdentity"));
    }
    if c.service != "sts" {
        return Err(reject(
            "credential",
            format!("signed for service {:?}, not sts", c.service),
        ));
    }
    if let Some(expected) = region
        && endpoint::partition_of(expected).name != endpoint::partition_of(&c.region).name
    {
        return Err(reject(
            "host",
            format!(
                "signed in partition {} but the cluster is in {}",
                endpoint::partition_of(&c.region).name,
                endpoint::partition_of(expected).name
            ),
        ));
    }
    let allowed = endpoint::verifier_hosts(&c.region);
    let global_ok = c.host == endpoint::GLOBAL_HOST && c.region == "us-east-1";
    if !(allowed.contains(&c.host) && (c.host != endpoint::GLOBAL_HOST || global_ok)) {
        return Err(reject(
            "host",
            format!("{} is not an STS host for region {}", c.host, c.region),
        ));
    }
    if !c.signed_headers.iter().any(|h| h == CLUSTER_HEADER) {
        return Err(reject(
            "signed-headers",
            format!("{CLUSTER_HEADER} is not among the signed headers"),
        ));
    }
    match get("X-Amz-Expires").map(str::parse::<i64>) {
        Some(Ok(v)) if (0..=900).contains(&v) => {}
        Some(_) => return Err(reject("expires", "X-Amz-Expires is not within 0..900")),
        None => return Err(reject("expires", "no X-Amz-Expires")),
    }
    if now > c.signed_at_secs + SERVER_VALIDITY_SECS {
        return Err(reject(
            "expired",
            format!(
                "signed at {}, expired {} ago",
                c.signed_at,
                time::human(now - c.signed_at_secs - SERVER_VALIDITY_SECS)
            ),
        ));
    }
    Ok(())
}

/// Re-signs the URL as received, with `secret` and the server's `x-k8s-aws-id`,
/// and compares signatures, as STS does when the server replays the token.
pub(crate) fn signature_matches(c: &Claims, secret: &str, cluster_id: &str) -> bool {
    let Some(given) = c
        .params
        .iter()
        .find(|(k, _)| k == "X-Amz-Signature")
        .map(|(_, v)| v.clone())
    else {
        return false;
    };
    let mut query: Vec<(String, String)> = c
        .params
        .iter()
        .filter(|(k, _)| k != "X-Amz-Signature")
        .map(|(k, v)| (uri_encode(k), uri_encode(v)))
        .collect();
    query.sort();
    let canonical_query = query
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&");
    let mut headers = Vec::new();
    for h in &c.signed_headers {
        match h.as_str() {
            "host" => headers.push(format!("host:{}", c.host)),
            CLUSTER_HEADER => headers.push(format!("{CLUSTER_HEADER}:{cluster_id}")),
            // The server sends no other header values to sign against.
            _ => return false,
        }
    }
    let canonical_request = format!(
        "GET\n/\n{canonical_query}\n{}\n\n{}\n{EMPTY_SHA256}",
        headers.join("\n"),
        c.signed_headers.join(";")
    );
    let hashed: String = Sha256::digest(canonical_request.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let date = time::amz_date(c.signed_at_secs);
    let scope = format!("{}/{}/{}/aws4_request", &date[..8], c.region, c.service);
    let string_to_sign = format!("AWS4-HMAC-SHA256\n{date}\n{scope}\n{hashed}");
    let key = generate_signing_key(
        secret,
        time::to_system(c.signed_at_secs),
        &c.region,
        &c.service,
    );
    let expected = calculate_signature(key, string_to_sign.as_bytes());
    // Not secret material: a plain comparison is fine.
    expected == given
}

/// The signature verdict for `verify`, when the caller's credentials allow one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum SignatureCheck {
    /// Re-signed with the caller's secret for the token's access key: identical.
    Valid,
    /// Re-signed and different: altered, or minted for another cluster.
    Mismatch,
    /// No secret for the token's access key here.
    Unchecked,
}

pub(crate) fn check_signature(
    c: &Claims,
    creds: Option<&SigningCredentials>,
    cluster_id: &str,
) -> SignatureCheck {
    match creds {
        Some(creds) if creds.access_key_id == c.access_key_id => {
            if signature_matches(c, &creds.secret_access_key, cluster_id) {
                SignatureCheck::Valid
            } else {
                SignatureCheck::Mismatch
            }
        }
        _ => SignatureCheck::Unchecked,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::endpoint::{EndpointOptions, resolve};
    use crate::aws_token::token::{encode, mint_at, presign_url};

    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    const T0: i64 = 1_700_000_000;

    fn creds(session: Option<&str>) -> SigningCredentials {
        SigningCredentials {
            access_key_id: "AKIDEXAMPLE".into(),
            secret_access_key: SECRET.into(),
            session_token: session.map(str::to_string),
            expires_at: None,
            source: "test".into(),
        }
    }

    fn token(region: &str, session: Option<&str>) -> String {
        mint_at(
            &creds(session),
            &resolve(region, EndpointOptions::default()),
            "demo",
            T0,
        )
        .unwrap()
        .token
    }

    #[test]
    fn accepts_fresh_tokens_and_checks_signature() {
        for (region, session) in [("us-east-1", None), ("cn-north-1", Some("s/t+k=n"))] {
            let t = token(region, session);
            let (claims, failure) = check(&t, Some(region), T0 + 60);
            assert_eq!(failure, None, "{region}");
            let claims = claims.unwrap();
            assert_eq!(claims.access_key_id, "AKIDEXAMPLE");
            assert_eq!(claims.region, region);
            assert_eq!(claims.session_token, session.is_some());
            assert!(signature_matches(&claims, SECRET, "demo"));
            assert!(!signature_matches(&claims, SECRET, "other"));
            assert!(!signature_matches(&claims, "wrong", "demo"));
        }
    }

    #[test]
    fn rejects_by_rule() {
        let t = token("us-east-1", None);
        let rule = |tok: &str, now: i64| check(tok, Some("us-east-1"), now).1.map(|r| r.rule);
        assert_eq!(rule(&t, T0 + 15 * 60 + 1), Some("expired"));
        assert_eq!(rule(&t, T0 + 15 * 60), None);
        assert_eq!(rule(&t["k8s-aws-v1.".len()..], T0), Some("prefix"));
        assert_eq!(rule(&format!("{t}="), T0), Some("base64"));
        assert_eq!(rule(&"k8s-aws-v1.".repeat(400), T0), Some("size"));
        let url = presign_url(
            &creds(None),
            &resolve("us-east-1", EndpointOptions::default()),
            "demo",
            T0,
        )
        .unwrap();
        assert_eq!(
            rule(&encode(&format!("{url}&X-Amz-User-Agent=x")), T0),
            Some("parameters")
        );
        assert_eq!(
            rule(&encode(&format!("{url}&Action=GetCallerIdentity")), T0),
            Some("parameters")
        );
        assert_eq!(
            rule(
                &encode(&url.replace(
                    "https://sts.us-east-1.amazonaws.com",
                    "https://sts.evil.example"
                )),
                T0
            ),
            Some("host")
        );
        assert_eq!(
            rule(&encode(&url.replace("https://", "http://")), T0),
            Some("scheme")
        );
        assert_eq!(
            rule(&encode(&url.replace("GetCallerIdentity", "AssumeRole")), T0),
            Some("action")
        );
        assert_eq!(
            rule(&encode(&url.replace("host%3Bx-k8s-aws-id", "host")), T0),
            Some("signed-headers")
        );
        assert_eq!(
            rule(
                &encode(&url.replace("X-Amz-Expires=60", "X-Amz-Expires=901")),
                T0
            ),
            Some("expires")
        );
        // A us-east-1 token is not valid for a cluster in the China partition.
        assert_eq!(
            check(&t, Some("cn-north-1"), T0).1.map(|r| r.rule),
            Some("host")
        );
        // The global endpoint only signs for us-east-1.
        let g = mint_at(
            &creds(None),
            &resolve(
                "eu-west-1",
                EndpointOptions {
                    legacy_global: true,
                    ..Default::default()
                },
            ),
            "demo",
            T0,
        )
        .unwrap();
        assert_eq!(rule(&g.token, T0), None);
    }

    #[test]
    fn percent_decoding() {
        assert_eq!(percent_decode("a%2Fb+c").as_deref(), Some("a/b c"));
        assert_eq!(percent_decode("%zz"), None);
    }
}
