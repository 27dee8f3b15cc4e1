//! AWS credentials for EKS: `kubectl aws-token`'s core, also usable by any
//! plugin that needs AWS credentials.
//!
//! A token request runs in this order, stopping as soon as it can:
//! 1. read `KUBERNETES_EXEC_INFO` (apiVersion to echo, interactivity, server URL);
//! 2. resolve the region without IMDS: `--region`, `AWS_REGION`,
//!    `AWS_DEFAULT_REGION`, the profile's `region`, the EKS server URL, `us-east-1`;
//! 3. pick the STS endpoint ([`endpoint`]);
//! 4. look the token up in the cache ([`cache`]); for env credentials the key
//!    includes their access key id, read from the environment at no cost;
//! 5. on a miss, under the entry's lock: get credentials ([`credentials`]): env
//!    keys directly (the fast path, no SDK), otherwise aws-config; assume a role
//!    with aws-sdk-sts when asked (assumed credentials are cached too);
//! 6. presign ([`token`]), store, print.
//!
//! [`commands`] runs the plugin's subcommands (token, cache, setup, migrate, verify).

pub mod cache;
pub mod commands;
pub mod credentials;
pub mod endpoint;
pub mod exec;
pub mod profile;
pub mod sdk;
pub mod setup;
pub mod sigv4;
pub mod time;
pub mod token;
pub mod verify;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use cache::{Cache, Key, Kind, Lookup};
use credentials::RoleRequest;
use endpoint::{EndpointOptions, StsEndpoint};
use profile::{Profiles, env_nonempty};
use token::{SigningCredentials, Token};

/// A cached token is served only while kubectl can use it at least this long.
pub const TOKEN_REUSE_MARGIN_SECS: i64 = 60;
/// Cached assumed-role credentials are reused while they last at least this long.
pub const CREDENTIALS_REUSE_MARGIN_SECS: i64 = 5 * 60;

/// Everything that shapes a token, from flags.
#[derive(Debug, Clone, Default)]
pub struct TokenRequest {
    pub cluster_name: Option<String>,
    pub cluster_id: Option<String>,
    pub region: Option<String>,
    pub profile: Option<String>,
    pub role_arn: Option<String>,
    pub external_id: Option<String>,
    pub session_name: Option<String>,
    pub forward_session_name: bool,
    pub duration_secs: Option<i32>,
    pub sts_endpoint: Option<String>,
    pub no_cache: bool,
}

/// A token ready to print.
#[derive(Debug, Clone)]
pub struct Minted {
    pub api_version: String,
    pub token: Token,
    pub from_cache: bool,
    pub region: String,
    pub endpoint: StsEndpoint,
}

impl Minted {
    pub fn exec_credential(&self) -> String {
        exec::credential_json(&self.api_version, &self.token.token, self.token.expires_at)
    }
}

/// A cached token.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenEntry {
    pub version: u32,
    pub key: std::collections::BTreeMap<String, String>,
    pub token: String,
    pub signed_at: i64,
    pub expires_at: i64,
    pub access_key_id: String,
}

/// Cached assumed-role credentials.
#[derive(Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CredentialsEntry {
    pub version: u32,
    pub key: std::collections::BTreeMap<String, String>,
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: Option<String>,
    pub expires_at: i64,
}

/// Where credentials will come from, decided before any are loaded.
#[derive(Debug, Clone)]
enum Source {
    /// Keys in the environment (the fast path).
    Env(SigningCredentials),
    /// `--profile NAME`.
    Profile(String),
    /// aws-config's default chain, whose profile is `AWS_PROFILE` or `default`.
    Chain(String),
}

impl Source {
    /// The cache key part that names the identity.
    fn identity(&self) -> String {
        match self {
            Source::Env(c) => format!("env:{}", c.access_key_id),
            Source::Profile(p) => format!("profile:{p}"),
            Source::Chain(p) => format!("chain:{p}"),
        }
    }

    fn profile(&self) -> Option<&str> {
        match self {
            Source::Env(_) => None,
            Source::Profile(p) | Source::Chain(p) => Some(p),
        }
    }
}

fn env_flag(name: &str) -> Option<bool> {
    env_nonempty(name).and_then(|v| profile::parse_bool(&v))
}

/// The region, by honban's order; never IMDS.
pub fn resolve_region(
    flag: Option<&str>,
    profiles: &Profiles,
    profile: &str,
    server: Option<&str>,
) -> Result<String> {
    let region = flag
        .map(str::to_string)
        .or_else(|| env_nonempty("AWS_REGION"))
        .or_else(|| env_nonempty("AWS_DEFAULT_REGION"))
        .or_else(|| profiles.get(profile, "region").map(str::to_string))
        .or_else(|| server.and_then(endpoint::region_from_eks_server))
        .unwrap_or_else(|| "us-east-1".to_string());
    let region = region.trim().to_string();
    endpoint::validate_region(&region)?;
    Ok(region)
}

/// FIPS, dual-stack and legacy-global switches from the environment, then the profile.
pub fn endpoint_options(profiles: &Profiles, profile: &str) -> EndpointOptions {
    let fips = env_flag("AWS_USE_FIPS_ENDPOINT")
        .or_else(|| profiles.flag(profile, "use_fips_endpoint"))
        .unwrap_or(false);
    let dual_stack = env_flag("AWS_USE_DUALSTACK_ENDPOINT")
        .or_else(|| profiles.flag(profile, "use_dualstack_endpoint"))
        .unwrap_or(false);
    let legacy_global = env_nonempty("AWS_STS_REGIONAL_ENDPOINTS")
        .or_else(|| {
            profiles
                .get(profile, "sts_regional_endpoints")
                .map(str::to_string)
        })
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("legacy"));
    EndpointOptions {
        fips,
        dual_stack,
        legacy_global,
    }
}

/// The id sent in `x-k8s-aws-id`: `--cluster-id` (Outposts local clusters) or the name.
pub fn cluster_id(req: &TokenRequest) -> Result<String> {
    let id = req
        .cluster_id
        .clone()
        .or_else(|| req.cluster_name.clone())
        .ok_or_else(|| Error::Usage("give --cluster-name NAME (or --cluster-id ID)".into()))?;
    if id.is_empty() || id.len() > 255 || id.chars().any(char::is_control) {
        return Err(Error::Usage(format!("invalid cluster name or id {id:?}")));
    }
    Ok(id)
}

/// Produces a token: from the cache when a valid one is there, else freshly signed.
pub fn get_token(req: &TokenRequest) -> Result<Minted> {
    let info = exec::from_env()?;
    let api_version = info
        .as_ref()
        .map(|i| i.api_version.clone())
        .unwrap_or_else(|| exec::V1BETA1.to_string());
    let interactive = credentials::interactive(info.as_ref().and_then(|i| i.interactive));
    let cluster = cluster_id(req)?;
    let profiles = Profiles::load();
    let profile_name = profile::selected(req.profile.as_deref());
    let server = info.as_ref().and_then(|i| i.server.as_deref());
    let region = resolve_region(req.region.as_deref(), &profiles, &profile_name, server)?;
    let endpoint = match &req.sts_endpoint {
        Some(url) => endpoint::from_override(url, &region)?,
        None => endpoint::resolve(&region, endpoint_options(&profiles, &profile_name)),
    };
    // An explicit --profile outranks env keys, as in the AWS CLI.
    let source = match (&req.profile, credentials::from_env()) {
        (None, Some(env)) => Source::Env(env),
        (Some(p), _) => Source::Profile(p.clone()),
        (None, None) => Source::Chain(profile_name.clone()),
    };
    let role = role_request(req, &profiles, &source);
    // Env keys change with the shell: a fingerprint of the secret keeps a wrong or
    // rotated secret from sharing an entry with the right one.
    let secret_fingerprint = match &source {
        Source::Env(c) => Some(fingerprint(c)),
        _ => None,
    };
    // Under kubectl, the same parent asking again for a token it was given means
    // kubectl got a 401 with it: answer with a freshly signed one.
    let parent = info.as_ref().map(|_| std::os::unix::process::parent_id());
    let key = Key::new()
        .with_opt("secret", secret_fingerprint.as_deref())
        .with("cluster", cluster.as_str())
        .with("region", endpoint.signing_region.as_str())
        .with("host", endpoint.host.as_str())
        .with("partition", endpoint.partition)
        .with("identity", source.identity())
        .with_opt("role", role.as_ref().map(|r| r.role_arn.as_str()))
        .with_opt(
            "externalId",
            role.as_ref().and_then(|r| r.external_id.as_deref()),
        )
        .with_opt(
            "sessionName",
            role.as_ref().and_then(|r| r.session_name.as_deref()),
        )
        .with_opt(
            "forwardSessionName",
            role.as_ref()
                .filter(|r| r.forward_session_name)
                .map(|_| "true"),
        )
        .with_opt(
            "duration",
            role.as_ref()
                .and_then(|r| r.duration_secs)
                .map(|d| d.to_string())
                .as_deref(),
        )
        .with_opt(
            "mfaSerial",
            role.as_ref().and_then(|r| r.mfa_serial.as_deref()),
        );
    let minted = |token: Token, from_cache: bool| Minted {
        api_version: api_version.clone(),
        token,
        from_cache,
        region: region.clone(),
        endpoint: endpoint.clone(),
    };

    let cache = (!req.no_cache).then(|| Cache::at(cache::default_dir()));
    let cache = match cache.map(|c| c.prepare().map(|_| c)) {
        Some(Ok(c)) => Some(c),
        Some(Err(e)) => {
            crate::output::note(format!(
                "warning: token cache unavailable ({e}); continuing without it"
            ));
            None
        }
        None => None,
    };
    let path = cache.as_ref().map(|c| c.path(Kind::Token, &key));
    let retry = std::cell::Cell::new(false);
    let retried = |c: &Cache, p: &std::path::Path, hit: &Token| {
        let again = parent.is_some() && c.served_to(p) == parent.map(|pid| (pid, hit.signed_at));
        retry.set(retry.get() || again);
        again
    };
    if let (Some(c), Some(p)) = (&cache, &path)
        && let Some(hit) = lookup_token(c, p, &key, true)
        && !retried(c, p, &hit)
    {
        if let Some(pid) = parent {
            c.record_served(p, pid, hit.signed_at);
        }
        return Ok(minted(hit, true));
    }
    let _lock = match (&cache, &path) {
        (Some(c), Some(p)) => c.lock(p),
        _ => None,
    };
    // Another process may have written the entry while we waited for the lock.
    if let (Some(c), Some(p)) = (&cache, &path)
        && let Some(hit) = lookup_token(c, p, &key, false)
        && !retried(c, p, &hit)
    {
        if let Some(pid) = parent {
            c.record_served(p, pid, hit.signed_at);
        }
        return Ok(minted(hit, true));
    }

    let creds = signing_credentials(
        &source,
        role.as_ref(),
        &Context {
            profiles: &profiles,
            region: &region,
            req,
            cache: cache.as_ref(),
            // After a 401, cached role credentials are suspect too.
            reuse_cached: !retry.get(),
            interactive,
        },
    )?;
    let token = token::mint(&creds, &endpoint, &cluster)?;
    if let (Some(c), Some(p)) = (&cache, &path) {
        let entry = TokenEntry {
            version: cache::FORMAT_VERSION,
            key: key.fields.clone(),
            token: token.token.clone(),
            signed_at: token.signed_at,
            expires_at: token.expires_at,
            access_key_id: creds.access_key_id.clone(),
        };
        match c.store(p, &entry) {
            Ok(()) => {
                if let Some(pid) = parent {
                    c.record_served(p, pid, token.signed_at);
                }
            }
            Err(e) => crate::output::note(format!("warning: cannot cache the token: {e}")),
        }
    }
    Ok(minted(token, false))
}

/// A short, one-way fingerprint of env credentials, for the cache key only.
fn fingerprint(c: &SigningCredentials) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(b"honban aws-token cache key\0");
    h.update(c.secret_access_key.as_bytes());
    h.update(b"\0");
    h.update(c.session_token.as_deref().unwrap_or_default().as_bytes());
    h.finalize()[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn lookup_token(c: &Cache, path: &std::path::Path, key: &Key, warn: bool) -> Option<Token> {
    match c.lookup::<TokenEntry>(path) {
        Lookup::Hit(e)
            if e.version == cache::FORMAT_VERSION
                && e.key == key.fields
                && e.expires_at - time::now() >= TOKEN_REUSE_MARGIN_SECS =>
        {
            Some(Token {
                token: e.token,
                signed_at: e.signed_at,
                expires_at: e.expires_at,
            })
        }
        Lookup::Refused(r) if warn => {
            crate::output::note(format!("warning: {}", r.explain(path)));
            None
        }
        _ => None,
    }
}

/// The role to assume: `--role-arn`, or a profile's MFA role (which aws-config cannot assume).
fn role_request(req: &TokenRequest, profiles: &Profiles, source: &Source) -> Option<RoleRequest> {
    let profile_mfa = source
        .profile()
        .and_then(|p| credentials::mfa_profile(profiles, p));
    if let Some(role_arn) = &req.role_arn {
        return Some(RoleRequest {
            role_arn: role_arn.clone(),
            external_id: req.external_id.clone(),
            session_name: req.session_name.clone(),
            forward_session_name: req.forward_session_name,
            duration_secs: req.duration_secs,
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

/// Loads the base credentials and assumes the role, if any. Only this path
/// builds an async runtime and touches the AWS SDK.
/// What loading credentials depends on besides their source and role.
struct Context<'a> {
    profiles: &'a Profiles,
    region: &'a str,
    req: &'a TokenRequest,
    cache: Option<&'a Cache>,
    reuse_cached: bool,
    interactive: bool,
}

fn signing_credentials(
    source: &Source,
    role: Option<&RoleRequest>,
    cx: &Context<'_>,
) -> Result<SigningCredentials> {
    if let (Source::Env(creds), None) = (source, role) {
        return Ok(creds.clone());
    }
    let Context {
        profiles,
        region,
        req,
        cache,
        reuse_cached,
        interactive,
    } = *cx;
    let rt = crate::client::runtime()?;
    rt.block_on(async {
        let mfa_profile = source.profile().and_then(|p| credentials::mfa_profile(profiles, p));
        let Some(role) = role else {
            return match source {
                Source::Env(c) => Ok(c.clone()),
                Source::Profile(p) => credentials::from_profile(p, region).await,
                Source::Chain(_) => credentials::from_default_chain(region).await,
            };
        };
        // Assumed credentials outlive a token; reuse them while they last.
        let key = Key::new()
            .with("identity", source.identity())
            .with("region", region)
            .with("role", role.role_arn.as_str())
            .with_opt("externalId", role.external_id.as_deref())
            .with_opt("sessionName", role.session_name.as_deref())
            .with_opt("forwardSessionName", role.forward_session_name.then_some("true"))
            .with_opt("duration", role.duration_secs.map(|d| d.to_string()).as_deref())
            .with_opt("mfaSerial", role.mfa_serial.as_deref());
        let path = cache.map(|c| c.path(Kind::Credentials, &key));
        if let (Some(c), Some(p), true) = (cache, &path, reuse_cached)
            && let Lookup::Hit(e) = c.lookup::<CredentialsEntry>(p)
            && e.version == cache::FORMAT_VERSION
            && e.key == key.fields
            && e.expires_at - time::now() >= CREDENTIALS_REUSE_MARGIN_SECS
        {
            return Ok(SigningCredentials {
                access_key_id: e.access_key_id,
                secret_access_key: e.secret_access_key,
                session_token: e.session_token,
                expires_at: Some(e.expires_at),
                source: format!("role {} (cached)", role.role_arn),
            });
        }
        let base = match (source, &mfa_profile) {
            (Source::Env(c), _) => c.clone(),
            // An MFA role profile: its source gives the base credentials.
            (_, Some(m)) if role.role_arn == m.role_arn && req.role_arn.is_none() => {
                match (&m.source_profile, &m.credential_source) {
                    (Some(sp), _) => credentials::from_profile(sp, region).await?,
                    (None, Some(cs)) => credentials::from_credential_source(cs, region).await?,
                    (None, None) => {
                        return Err(Error::Failed(format!(
                            "profile {:?} has role_arn and mfa_serial but neither source_profile nor credential_source",
                            source.profile().unwrap_or_default()
                        )));
                    }
                }
            }
            (Source::Profile(p), _) => credentials::from_profile(p, region).await?,
            (Source::Chain(_), _) => credentials::from_default_chain(region).await?,
        };
        let assumed = credentials::assume_role(
            &base,
            region,
            req.sts_endpoint.as_deref(),
            role,
            |serial| credentials::prompt_mfa(serial, interactive),
        )
        .await?;
        if let (Some(c), Some(p), Some(exp)) = (cache, &path, assumed.expires_at) {
            let entry = CredentialsEntry {
                version: cache::FORMAT_VERSION,
                key: key.fields.clone(),
                access_key_id: assumed.access_key_id.clone(),
                secret_access_key: assumed.secret_access_key.clone(),
                session_token: assumed.session_token.clone(),
                expires_at: exp,
            };
            if let Err(e) = c.store(p, &entry) {
                crate::output::note(format!("warning: cannot cache the role credentials: {e}"));
            }
        }
        Ok(assumed)
    })
}

/// One row of `cache list`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CacheRow {
    pub kind: &'static str,
    pub file: String,
    pub cluster: Option<String>,
    pub region: Option<String>,
    pub identity: Option<String>,
    pub role: Option<String>,
    pub access_key_id: Option<String>,
    pub expires_at: Option<String>,
    /// `valid`, `expiring`, `expired`, `corrupt`, or why the file is refused.
    pub status: String,
}

pub fn cache_rows(cache: &Cache) -> Result<Vec<CacheRow>> {
    let now = time::now();
    let mut rows = Vec::new();
    for (kind, path) in cache.files()? {
        let file = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let mut row = CacheRow {
            kind: match kind {
                Kind::Token => "token",
                Kind::Credentials => "credentials",
            },
            file,
            cluster: None,
            region: None,
            identity: None,
            role: None,
            access_key_id: None,
            expires_at: None,
            status: String::new(),
        };
        let (fields, akid, expires_at, margin) = match kind {
            Kind::Token => match cache.lookup::<TokenEntry>(&path) {
                Lookup::Hit(e) => (
                    e.key,
                    e.access_key_id,
                    e.expires_at,
                    TOKEN_REUSE_MARGIN_SECS,
                ),
                other => {
                    row.status = lookup_status(&other);
                    rows.push(row);
                    continue;
                }
            },
            Kind::Credentials => match cache.lookup::<CredentialsEntry>(&path) {
                Lookup::Hit(e) => (
                    e.key,
                    e.access_key_id,
                    e.expires_at,
                    CREDENTIALS_REUSE_MARGIN_SECS,
                ),
                other => {
                    row.status = lookup_status(&other);
                    rows.push(row);
                    continue;
                }
            },
        };
        row.cluster = fields.get("cluster").cloned();
        row.region = fields.get("region").cloned();
        row.identity = fields.get("identity").cloned();
        row.role = fields.get("role").cloned();
        row.access_key_id = Some(akid);
        row.expires_at = Some(time::rfc3339(expires_at));
        row.status = if expires_at <= now {
            "expired".into()
        } else if expires_at - now < margin {
            format!("expiring ({} left)", time::human(expires_at - now))
        } else {
            format!("valid ({} left)", time::human(expires_at - now))
        };
        rows.push(row);
    }
    Ok(rows)
}

fn lookup_status<T>(l: &Lookup<T>) -> String {
    match l {
        Lookup::Hit(_) => "valid".into(),
        Lookup::Miss => "gone".into(),
        Lookup::Corrupt => "corrupt (will be rewritten)".into(),
        Lookup::Refused(cache::Refusal::Exposed { mode }) => {
            format!("refused: mode {mode:04o} is readable by others")
        }
        Lookup::Refused(cache::Refusal::NotOwned { uid }) => format!("refused: owned by uid {uid}"),
        Lookup::Refused(cache::Refusal::NotRegular) => "refused: not a regular file".into(),
    }
}

/// Credentials for `verify`'s signature check: env keys, or `--profile` when given.
pub fn verify_credentials(
    profile: Option<&str>,
    region: &str,
) -> Result<Option<SigningCredentials>> {
    match (profile, credentials::from_env()) {
        (None, env) => Ok(env),
        (Some(p), _) => {
            let rt = crate::client::runtime()?;
            rt.block_on(credentials::from_profile(p, region)).map(Some)
        }
    }
}
