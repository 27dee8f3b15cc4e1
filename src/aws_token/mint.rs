//! A token for the token command: from the cache when a valid one is there,
//! else freshly signed (see the steps in the module above).

use std::path::PathBuf;

use super::TokenArgs;
use super::cache::{self, Cache, EntryLock, Key, Kind, Lookup};
use super::entries::{TOKEN_REUSE_MARGIN_SECS, TokenEntry};
use super::exec;
use super::role::{self, Context, Source};
use super::token::{self, Token};
use crate::aws::credentials::{self, RoleRequest, SigningCredentials};
use crate::aws::endpoint::{self, EndpointOptions, StsEndpoint};
use crate::aws::profile::{self, Profiles, env_nonempty};
use crate::aws::region::resolve_region;
use crate::aws::time;
use crate::error::{Error, Result};

/// A token ready to print.
#[derive(Debug, Clone)]
pub(crate) struct Minted {
    api_version: String,
    token: Token,
}

impl Minted {
    pub(crate) fn exec_credential(&self) -> String {
        exec::credential_json(&self.api_version, &self.token.token, self.token.expires_at)
    }
}

/// What a token request resolves to before any credentials are loaded.
struct Resolved {
    api_version: String,
    interactive: bool,
    cluster: String,
    profiles: Profiles,
    region: String,
    endpoint: StsEndpoint,
    source: Source,
    role: Option<RoleRequest>,
    /// kubectl's pid, when kubectl runs the plugin.
    parent: Option<u32>,
}

/// Produces a token: from the cache when a valid one is there, else freshly signed.
pub(crate) fn get_token(args: &TokenArgs, duration_secs: Option<i32>) -> Result<Minted> {
    let r = resolve(args, duration_secs)?;
    let minted = |token: Token| Minted {
        api_version: r.api_version.clone(),
        token,
    };
    let key = token_key(&r);
    let slot = open_cache(args.no_cache).map(|cache| Slot {
        path: cache.path(Kind::Token, &key),
        cache,
        key: &key,
        parent: r.parent,
    });
    let mut retry = false;
    if let Some(hit) = slot.as_ref().and_then(|s| s.serve(true, &mut retry)) {
        return Ok(minted(hit));
    }
    let _lock: Option<EntryLock> = slot.as_ref().and_then(|s| s.cache.lock(&s.path));
    // Another process may have written the entry while we waited for the lock.
    if let Some(hit) = slot.as_ref().and_then(|s| s.serve(false, &mut retry)) {
        return Ok(minted(hit));
    }
    let creds = role::signing_credentials(
        &r.source,
        r.role.as_ref(),
        &Context {
            profiles: &r.profiles,
            region: &r.region,
            args,
            cache: slot.as_ref().map(|s| &s.cache),
            reuse_cached: !retry,
            interactive: r.interactive,
        },
    )?;
    let token = token::mint(&creds, &r.endpoint, &r.cluster)?;
    if let Some(s) = &slot {
        s.store(&token, &creds);
    }
    Ok(minted(token))
}

fn resolve(args: &TokenArgs, duration_secs: Option<i32>) -> Result<Resolved> {
    let info = exec::from_env()?;
    let api_version = info
        .as_ref()
        .map(|i| i.api_version.clone())
        .unwrap_or_else(|| exec::V1BETA1.to_string());
    let interactive = credentials::interactive(info.as_ref().and_then(|i| i.interactive));
    let cluster = cluster_id(args)?;
    let profiles = Profiles::load();
    let profile_name = profile::selected(args.profile.as_deref());
    let server = info.as_ref().and_then(|i| i.server.as_deref());
    let region = resolve_region(args.region.as_deref(), &profiles, &profile_name, server)?;
    let endpoint = match &args.sts_endpoint {
        Some(url) => endpoint::from_override(url, &region)?,
        None => endpoint::resolve(&region, endpoint_options(&profiles, &profile_name)),
    };
    let source = Source::pick(args.profile.as_deref(), &profile_name);
    let role = role::role_request(args, duration_secs, &profiles, &source);
    Ok(Resolved {
        api_version,
        interactive,
        cluster,
        region,
        endpoint,
        role,
        source,
        profiles,
        // Under kubectl, the same parent asking again for a token it was given means
        // kubectl got a 401 with it: answer with a freshly signed one.
        parent: info.as_ref().map(|_| std::os::unix::process::parent_id()),
    })
}

/// Every input that changes the token.
fn token_key(r: &Resolved) -> Key {
    // Env keys change with the shell: a fingerprint of the secret keeps a wrong or
    // rotated secret from sharing an entry with the right one.
    let secret_fingerprint = r.source.secret_fingerprint();
    let role = r.role.as_ref();
    Key::new()
        .with_opt("secret", secret_fingerprint.as_deref())
        .with("cluster", r.cluster.as_str())
        .with("region", r.endpoint.signing_region.as_str())
        .with("host", r.endpoint.host.as_str())
        .with("partition", r.endpoint.partition)
        .with("identity", r.source.identity())
        .with_opt("role", role.map(|r| r.role_arn.as_str()))
        .with_opt("externalId", role.and_then(|r| r.external_id.as_deref()))
        .with_opt("sessionName", role.and_then(|r| r.session_name.as_deref()))
        .with_opt(
            "forwardSessionName",
            role.filter(|r| r.forward_session_name).map(|_| "true"),
        )
        .with_opt(
            "duration",
            role.and_then(|r| r.duration_secs)
                .map(|d| d.to_string())
                .as_deref(),
        )
        .with_opt("mfaSerial", role.and_then(|r| r.mfa_serial.as_deref()))
}

/// The cache, unless `--no-cache`; a cache that cannot be used is a warning.
fn open_cache(no_cache: bool) -> Option<Cache> {
    if no_cache {
        return None;
    }
    let cache = Cache::at(cache::default_dir());
    match cache.prepare() {
        Ok(()) => Some(cache),
        Err(e) => {
            crate::output::note(format!(
                "warning: token cache unavailable ({e}); continuing without it"
            ));
            None
        }
    }
}

/// A token's entry in the cache, and who asks for it.
struct Slot<'a> {
    cache: Cache,
    path: PathBuf,
    key: &'a Key,
    parent: Option<u32>,
}

impl Slot<'_> {
    /// A cached token to serve, unless this same kubectl was given it already:
    /// then kubectl got a 401 with it, and `retry` is set.
    fn serve(&self, warn: bool, retry: &mut bool) -> Option<Token> {
        let hit = lookup_token(&self.cache, &self.path, self.key, warn)?;
        let again = self.parent.is_some()
            && self.cache.served_to(&self.path) == self.parent.map(|pid| (pid, hit.signed_at));
        *retry = *retry || again;
        if again {
            return None;
        }
        if let Some(pid) = self.parent {
            self.cache.record_served(&self.path, pid, hit.signed_at);
        }
        Some(hit)
    }

    fn store(&self, token: &Token, creds: &SigningCredentials) {
        let entry = TokenEntry {
            version: cache::FORMAT_VERSION,
            key: self.key.fields.clone(),
            token: token.token.clone(),
            signed_at: token.signed_at,
            expires_at: token.expires_at,
            access_key_id: creds.access_key_id.clone(),
        };
        match self.cache.store(&self.path, &entry) {
            Ok(()) => {
                if let Some(pid) = self.parent {
                    self.cache.record_served(&self.path, pid, token.signed_at);
                }
            }
            Err(e) => crate::output::note(format!("warning: cannot cache the token: {e}")),
        }
    }
}

fn lookup_token(c: &Cache, path: &std::path::Path, key: &Key, warn: bool) -> Option<Token> {
    let now = time::now();
    match c.lookup::<TokenEntry>(path) {
        // An entry signed after now means the clock moved back since (an NTP step,
        // a restored VM): STS would refuse its token as not yet valid, and its
        // expiry would outlive EKS's 15 minutes. Sign a new one.
        Lookup::Hit(e)
            if e.version == cache::FORMAT_VERSION
                && e.key == key.fields
                && e.signed_at <= now
                && e.expires_at - now >= TOKEN_REUSE_MARGIN_SECS =>
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

fn env_flag(name: &str) -> Option<bool> {
    env_nonempty(name).and_then(|v| profile::parse_bool(&v))
}

/// FIPS, dual-stack and legacy-global switches from the environment, then the profile.
fn endpoint_options(profiles: &Profiles, profile: &str) -> EndpointOptions {
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
fn cluster_id(args: &TokenArgs) -> Result<String> {
    let id = args
        .cluster_id
        .clone()
        .or_else(|| args.cluster_name.clone())
        .ok_or_else(|| Error::Usage("give --cluster-name NAME (or --cluster-id ID)".into()))?;
    if id.is_empty() || id.len() > 255 || id.chars().any(char::is_control) {
        return Err(Error::Usage(format!("invalid cluster name or id {id:?}")));
    }
    Ok(id)
}
