//! The credentials a token is signed with: where they come from ([`Source`]),
//! the role to assume, if any, and the assumed credentials, cached while they
//! last. Only this path builds an async runtime and touches the AWS SDK.

use std::path::Path;

use super::TokenArgs;
use super::cache::{self, Cache, Key, Kind, Lookup};
use super::entries::{CREDENTIALS_REUSE_MARGIN_SECS, CredentialsEntry};
use crate::aws::credentials::{self, MfaProfile, RoleRequest, SigningCredentials};
use crate::aws::profile::Profiles;
use crate::aws::time;
use crate::error::{Error, Result};

/// Where credentials will come from, decided before any are loaded.
#[derive(Debug, Clone)]
pub(crate) enum Source {
    /// Keys in the environment (the fast path).
    Env(SigningCredentials),
    /// `--profile NAME`.
    Profile(String),
    /// aws-config's default chain, whose profile is `AWS_PROFILE` or `default`.
    Chain(String),
}

impl Source {
    /// An explicit `--profile` outranks env keys, as in the AWS CLI.
    pub(crate) fn pick(flag: Option<&str>, selected_profile: &str) -> Source {
        match (flag, credentials::from_env()) {
            (None, Some(env)) => Source::Env(env),
            (Some(p), _) => Source::Profile(p.to_string()),
            (None, None) => Source::Chain(selected_profile.to_string()),
        }
    }

    /// The cache key part that names the identity.
    pub(crate) fn identity(&self) -> String {
        match self {
            Source::Env(c) => format!("env:{}", c.access_key_id),
            Source::Profile(p) => format!("profile:{p}"),
            Source::Chain(p) => format!("chain:{p}"),
        }
    }

    /// A short, one-way fingerprint of env credentials, for cache keys only: env
    /// keys change with the shell, and a wrong or rotated secret must not share an
    /// entry with the right one.
    pub(crate) fn secret_fingerprint(&self) -> Option<String> {
        let Source::Env(c) = self else { return None };
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        h.update(b"honban aws-token cache key\0");
        h.update(c.secret_access_key.as_bytes());
        h.update(b"\0");
        h.update(c.session_token.as_deref().unwrap_or_default().as_bytes());
        let digest = h.finalize();
        Some(digest[..8].iter().map(|b| format!("{b:02x}")).collect())
    }

    fn profile(&self) -> Option<&str> {
        match self {
            Source::Env(_) => None,
            Source::Profile(p) | Source::Chain(p) => Some(p),
        }
    }
}

/// The role to assume: `--role-arn`, or a profile's MFA role (which aws-config cannot assume).
pub(crate) fn role_request(
    args: &TokenArgs,
    duration_secs: Option<i32>,
    profiles: &Profiles,
    source: &Source,
) -> Option<RoleRequest> {
    let profile_mfa = source
        .profile()
        .and_then(|p| credentials::mfa_profile(profiles, p));
    if let Some(role_arn) = &args.role_arn {
        return Some(RoleRequest {
            role_arn: role_arn.clone(),
            external_id: args.external_id.clone(),
            session_name: args.session_name.clone(),
            forward_session_name: args.forward_session_name,
            duration_secs,
            // A profile's MFA device also guards roles assumed from it.
            mfa_serial: source
                .profile()
                .and_then(|p| profiles.get(p, "mfa_serial"))
                .filter(|_| profile_mfa.is_none())
                .map(str::to_string),
        });
    }
    profile_mfa.map(|m| RoleRequest {
        role_arn: m.role_arn,
        external_id: m.external_id,
        session_name: m.session_name,
        forward_session_name: false,
        duration_secs: m.duration_secs,
        mfa_serial: Some(m.mfa_serial),
    })
}

/// What loading credentials depends on besides their source and role.
pub(crate) struct Context<'a> {
    pub(crate) profiles: &'a Profiles,
    pub(crate) region: &'a str,
    pub(crate) args: &'a TokenArgs,
    pub(crate) cache: Option<&'a Cache>,
    /// After a 401, cached role credentials are suspect too.
    pub(crate) reuse_cached: bool,
    pub(crate) interactive: bool,
}

/// Loads the base credentials and assumes the role, if any.
pub(crate) fn signing_credentials(
    source: &Source,
    role: Option<&RoleRequest>,
    cx: &Context<'_>,
) -> Result<SigningCredentials> {
    if let (Source::Env(creds), None) = (source, role) {
        return Ok(creds.clone());
    }
    let rt = crate::client::runtime()?;
    rt.block_on(async {
        match role {
            None => match source {
                Source::Env(c) => Ok(c.clone()),
                Source::Profile(p) => credentials::from_profile(p, cx.region).await,
                Source::Chain(_) => credentials::from_default_chain(cx.region).await,
            },
            Some(role) => assumed(source, role, cx).await,
        }
    })
}

/// The role's credentials: from the cache while they last, else from STS.
async fn assumed(
    source: &Source,
    role: &RoleRequest,
    cx: &Context<'_>,
) -> Result<SigningCredentials> {
    // Assumed credentials outlive a token; reuse them while they last.
    let secret = source.secret_fingerprint();
    let key = Key::new()
        .with_opt("secret", secret.as_deref())
        .with("identity", source.identity())
        .with("region", cx.region)
        .with("role", role.role_arn.as_str())
        .with_opt("externalId", role.external_id.as_deref())
        .with_opt("sessionName", role.session_name.as_deref())
        .with_opt(
            "forwardSessionName",
            role.forward_session_name.then_some("true"),
        )
        .with_opt(
            "duration",
            role.duration_secs.map(|d| d.to_string()).as_deref(),
        )
        .with_opt("mfaSerial", role.mfa_serial.as_deref());
    let slot = cx.cache.map(|c| (c, c.path(Kind::Credentials, &key)));
    if let Some((c, p)) = &slot
        && cx.reuse_cached
        && let Some(hit) = cached(c, p, &key, role)
    {
        return Ok(hit);
    }
    let base = base_credentials(source, role, cx).await?;
    let assumed = credentials::assume_role(
        &base,
        cx.region,
        cx.args.sts_endpoint.as_deref(),
        role,
        |serial| credentials::prompt_mfa(serial, cx.interactive),
    )
    .await?;
    if let (Some((c, p)), Some(exp)) = (&slot, assumed.expires_at) {
        store(c, p, &key, &assumed, exp);
    }
    Ok(assumed)
}

fn cached(c: &Cache, path: &Path, key: &Key, role: &RoleRequest) -> Option<SigningCredentials> {
    let Lookup::Hit(e) = c.lookup::<CredentialsEntry>(path) else {
        return None;
    };
    let usable = e.version == cache::FORMAT_VERSION
        && e.key == key.fields
        && e.expires_at - time::now() >= CREDENTIALS_REUSE_MARGIN_SECS;
    usable.then(|| SigningCredentials {
        access_key_id: e.access_key_id,
        secret_access_key: e.secret_access_key,
        session_token: e.session_token,
        expires_at: Some(e.expires_at),
        source: format!("role {} (cached)", role.role_arn),
    })
}

fn store(c: &Cache, path: &Path, key: &Key, assumed: &SigningCredentials, expires_at: i64) {
    let entry = CredentialsEntry {
        version: cache::FORMAT_VERSION,
        key: key.fields.clone(),
        access_key_id: assumed.access_key_id.clone(),
        secret_access_key: assumed.secret_access_key.clone(),
        session_token: assumed.session_token.clone(),
        expires_at,
    };
    if let Err(e) = c.store(path, &entry) {
        crate::output::note(format!("warning: cannot cache the role credentials: {e}"));
    }
}

/// The credentials the role is assumed with.
async fn base_credentials(
    source: &Source,
    role: &RoleRequest,
    cx: &Context<'_>,
) -> Result<SigningCredentials> {
    let mfa_profile = source
        .profile()
        .and_then(|p| credentials::mfa_profile(cx.profiles, p));
    match (source, &mfa_profile) {
        (Source::Env(c), _) => Ok(c.clone()),
        // An MFA role profile: its source gives the base credentials.
        (_, Some(m)) if role.role_arn == m.role_arn && cx.args.role_arn.is_none() => {
            mfa_source_credentials(source, m, cx.region).await
        }
        (Source::Profile(p), _) => credentials::from_profile(p, cx.region).await,
        (Source::Chain(_), _) => credentials::from_default_chain(cx.region).await,
    }
}

async fn mfa_source_credentials(
    source: &Source,
    m: &MfaProfile,
    region: &str,
) -> Result<SigningCredentials> {
    match (&m.source_profile, &m.credential_source) {
        (Some(sp), _) => credentials::from_profile(sp, region).await,
        (None, Some(cs)) => credentials::from_credential_source(cs, region).await,
        (None, None) => Err(Error::Failed(format!(
            "profile {:?} has role_arn and mfa_serial but neither source_profile nor credential_source",
            source.profile().unwrap_or_default()
        ))),
    }
}
