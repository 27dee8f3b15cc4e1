//! The EKS token: a SigV4-presigned STS `GetCallerIdentity` URL, signed with
//! the extra header `x-k8s-aws-id: <cluster>`, base64url-encoded behind the
//! `k8s-aws-v1.` prefix.
//!
//! The AWS SDK has no presigner for this call, so the URL is presigned with
//! `aws-sigv4` directly. Only the query parameters the EKS verifier allows are
//! emitted, and `X-Amz-Expires` is always 60: EKS ignores it and honours a token
//! for 15 minutes after `X-Amz-Date`.

use std::time::Duration;

use aws_sigv4::http_request::{
    SignableBody, SignableRequest, SignatureLocation, SigningSettings, sign,
};
use aws_sigv4::sign::v4;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::aws::credentials::SigningCredentials;
use crate::aws::endpoint::StsEndpoint;
use crate::aws::sigv4::uri_encode;
use crate::aws::time;
use crate::error::{Error, Result};

pub(crate) const PREFIX: &str = "k8s-aws-v1.";
pub(crate) const CLUSTER_HEADER: &str = "x-k8s-aws-id";
/// How long EKS accepts a token after its `X-Amz-Date`.
pub(crate) const SERVER_VALIDITY_SECS: i64 = 15 * 60;
/// What clients announce to kubectl: a minute short of the server's limit.
pub(crate) const TOKEN_LIFETIME_SECS: i64 = 14 * 60;
/// Signing credentials must outlive the token's announced expiry by this much.
pub(crate) const CREDENTIAL_MARGIN_SECS: i64 = 60;
const QUERY: &str = "Action=GetCallerIdentity&Version=2011-06-15";

/// A minted token and when kubectl should ask for a new one.
#[derive(Debug, Clone)]
pub(crate) struct Token {
    pub(crate) token: String,
    /// Seconds since the epoch of `X-Amz-Date`.
    pub(crate) signed_at: i64,
    /// `expirationTimestamp` for kubectl.
    pub(crate) expires_at: i64,
}

/// `min(signing time + 14 min, credential expiry − 1 min)`.
pub(crate) fn expiration(signed_at: i64, credentials_expire_at: Option<i64>) -> i64 {
    let by_token = signed_at + TOKEN_LIFETIME_SECS;
    match credentials_expire_at {
        Some(exp) => by_token.min(exp - CREDENTIAL_MARGIN_SECS),
        None => by_token,
    }
}

/// Presigns `GetCallerIdentity` at `signed_at` (seconds since the epoch) and
/// returns the presigned URL.
pub(crate) fn presign_url(
    creds: &SigningCredentials,
    endpoint: &StsEndpoint,
    cluster_id: &str,
    signed_at: i64,
) -> Result<String> {
    let identity = creds.to_sdk().into();
    let mut settings = SigningSettings::default();
    settings.signature_location = SignatureLocation::QueryParams;
    settings.expires_in = Some(Duration::from_secs(60));
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(&endpoint.signing_region)
        .name("sts")
        .time(time::to_system(signed_at))
        .settings(settings)
        .build()
        .map_err(|e| Error::Failed(format!("cannot sign the token: {e}")))?
        .into();
    let base = format!("https://{}/?{QUERY}", endpoint.host);
    let request = SignableRequest::new(
        "GET",
        base.as_str(),
        [(CLUSTER_HEADER, cluster_id)].into_iter(),
        SignableBody::Bytes(&[]),
    )
    .map_err(|e| Error::Failed(format!("cannot sign the token: {e}")))?;
    let (instructions, _signature) = sign(request, &params)
        .map_err(|e| Error::Failed(format!("cannot sign the token: {e}")))?
        .into_parts();
    let mut url = base;
    for (name, value) in instructions.params() {
        url.push('&');
        url.push_str(name);
        url.push('=');
        url.push_str(&uri_encode(value));
    }
    Ok(url)
}

pub(crate) fn encode(url: &str) -> String {
    format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(url))
}

/// Mints a token now.
pub(crate) fn mint(
    creds: &SigningCredentials,
    endpoint: &StsEndpoint,
    cluster_id: &str,
) -> Result<Token> {
    mint_at(creds, endpoint, cluster_id, time::now())
}

pub(crate) fn mint_at(
    creds: &SigningCredentials,
    endpoint: &StsEndpoint,
    cluster_id: &str,
    signed_at: i64,
) -> Result<Token> {
    let expires_at = expiration(signed_at, creds.expires_at);
    if expires_at <= signed_at {
        let when = creds.expires_at.map(time::rfc3339).unwrap_or_default();
        return Err(Error::Failed(format!(
            "the AWS credentials from {} expire at {when}, too soon to mint a token; refresh them (e.g. `aws sso login`) and retry",
            creds.source
        )));
    }
    let url = presign_url(creds, endpoint, cluster_id, signed_at)?;
    Ok(Token {
        token: encode(&url),
        signed_at,
        expires_at,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::endpoint::{EndpointOptions, resolve};

    fn creds(session: Option<&str>) -> SigningCredentials {
        SigningCredentials {
            access_key_id: "AKIDEXAMPLE".into(),
            secret_access_key: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY".into(),
            session_token: session.map(str::to_string),
            expires_at: None,
            source: "test".into(),
        }
    }

    #[test]
    fn url_carries_only_whitelisted_parameters() {
        let ep = resolve("us-east-1", EndpointOptions::default());
        let url = presign_url(&creds(Some("tok/en+=")), &ep, "demo", 1_700_000_000).unwrap();
        assert!(url.starts_with(
            "https://sts.us-east-1.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15&"
        ));
        let query = url.split_once('?').unwrap().1;
        let keys: Vec<&str> = query
            .split('&')
            .map(|kv| kv.split('=').next().unwrap())
            .collect();
        assert_eq!(
            keys,
            [
                "Action",
                "Version",
                "X-Amz-Algorithm",
                "X-Amz-Credential",
                "X-Amz-Date",
                "X-Amz-Expires",
                "X-Amz-SignedHeaders",
                "X-Amz-Signature",
                "X-Amz-Security-Token"
            ]
        );
        assert!(
            url.contains(
                "X-Amz-Credential=AKIDEXAMPLE%2F20231114%2Fus-east-1%2Fsts%2Faws4_request"
            )
        );
        assert!(url.contains("X-Amz-Date=20231114T221320Z"));
        assert!(url.contains("X-Amz-Expires=60&"));
        assert!(url.contains("X-Amz-SignedHeaders=host%3Bx-k8s-aws-id&"));
        assert!(url.contains("X-Amz-Security-Token=tok%2Fen%2B%3D"));
    }

    #[test]
    fn signature_is_stable_and_depends_on_cluster() {
        let ep = resolve("eu-west-1", EndpointOptions::default());
        let a = presign_url(&creds(None), &ep, "demo", 1_700_000_000).unwrap();
        let b = presign_url(&creds(None), &ep, "demo", 1_700_000_000).unwrap();
        let c = presign_url(&creds(None), &ep, "other", 1_700_000_000).unwrap();
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn token_is_unpadded_base64url() {
        let ep = resolve("us-east-1", EndpointOptions::default());
        let t = mint_at(&creds(None), &ep, "demo", 1_700_000_000).unwrap();
        assert!(t.token.starts_with(PREFIX));
        let body = &t.token[PREFIX.len()..];
        assert!(!body.contains('=') && !body.contains('+') && !body.contains('/'));
        assert_eq!(t.expires_at, 1_700_000_000 + 14 * 60);
    }

    #[test]
    fn expiry_follows_short_lived_credentials() {
        assert_eq!(expiration(1000, None), 1000 + 840);
        assert_eq!(expiration(1000, Some(1000 + 300)), 1000 + 240);
        assert_eq!(expiration(1000, Some(1000 + 3600)), 1000 + 840);
        let mut c = creds(None);
        c.expires_at = Some(1_700_000_030);
        let ep = resolve("us-east-1", EndpointOptions::default());
        assert!(mint_at(&c, &ep, "demo", 1_700_000_000).is_err());
    }
}
