//! What aws-token keeps in its cache: signed tokens and assumed-role
//! credentials, how long each is reused, and how `cache list` shows them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::cache::{self, Cache, Kind, Lookup};
use crate::aws::time;
use crate::error::Result;

/// A cached token is served only while kubectl can use it at least this long.
pub(crate) const TOKEN_REUSE_MARGIN_SECS: i64 = 60;
/// Cached assumed-role credentials are reused while they last at least this long.
pub(crate) const CREDENTIALS_REUSE_MARGIN_SECS: i64 = 5 * 60;

/// A cached token.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct TokenEntry {
    pub(crate) version: u32,
    pub(crate) key: BTreeMap<String, String>,
    pub(crate) token: String,
    pub(crate) signed_at: i64,
    pub(crate) expires_at: i64,
    pub(crate) access_key_id: String,
}

/// Cached assumed-role credentials.
#[derive(Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CredentialsEntry {
    pub(crate) version: u32,
    pub(crate) key: BTreeMap<String, String>,
    pub(crate) access_key_id: String,
    pub(crate) secret_access_key: String,
    pub(crate) session_token: Option<String>,
    pub(crate) expires_at: i64,
}

/// One row of `cache list`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CacheRow {
    pub(crate) kind: &'static str,
    pub(crate) file: String,
    pub(crate) cluster: Option<String>,
    pub(crate) region: Option<String>,
    pub(crate) identity: Option<String>,
    pub(crate) role: Option<String>,
    pub(crate) access_key_id: Option<String>,
    pub(crate) expires_at: Option<String>,
    /// `valid`, `expiring`, `expired`, `corrupt`, or why the file is refused.
    pub(crate) status: String,
}

/// What `cache list` shows of a readable entry, of either kind.
struct Listing {
    key: BTreeMap<String, String>,
    access_key_id: String,
    expires_at: i64,
    /// When the token was signed (tokens only).
    signed_at: Option<i64>,
    reuse_margin_secs: i64,
}

/// What `cache list` reads of an entry, of either kind.
trait Listed: serde::de::DeserializeOwned {
    const REUSE_MARGIN_SECS: i64;
    fn into_listing(self) -> Listing;
}

impl Listed for TokenEntry {
    const REUSE_MARGIN_SECS: i64 = TOKEN_REUSE_MARGIN_SECS;
    fn into_listing(self) -> Listing {
        Listing {
            key: self.key,
            access_key_id: self.access_key_id,
            expires_at: self.expires_at,
            signed_at: Some(self.signed_at),
            reuse_margin_secs: Self::REUSE_MARGIN_SECS,
        }
    }
}

impl Listed for CredentialsEntry {
    const REUSE_MARGIN_SECS: i64 = CREDENTIALS_REUSE_MARGIN_SECS;
    fn into_listing(self) -> Listing {
        Listing {
            key: self.key,
            access_key_id: self.access_key_id,
            expires_at: self.expires_at,
            signed_at: None,
            reuse_margin_secs: Self::REUSE_MARGIN_SECS,
        }
    }
}

/// A readable entry, or the status of one that is not.
fn read<T: Listed>(cache: &Cache, path: &std::path::Path) -> std::result::Result<Listing, String> {
    match cache.lookup::<T>(path) {
        Lookup::Hit(e) => Ok(e.into_listing()),
        other => Err(lookup_status(&other)),
    }
}

/// An entry's status at `now`, as the token path would judge it.
fn status(l: &Listing, now: i64) -> String {
    let left = l.expires_at - now;
    if l.signed_at.is_some_and(|t| t > now) {
        // The clock moved back since: the token path signs a new one.
        "not used: signed after now (the clock moved back)".into()
    } else if left <= 0 {
        "expired".into()
    } else if left < l.reuse_margin_secs {
        format!("expiring ({} left)", time::human(left))
    } else {
        format!("valid ({} left)", time::human(left))
    }
}

pub(crate) fn cache_rows(cache: &Cache) -> Result<Vec<CacheRow>> {
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
        let read = match kind {
            Kind::Token => read::<TokenEntry>(cache, &path),
            Kind::Credentials => read::<CredentialsEntry>(cache, &path),
        };
        let listing = match read {
            Ok(listing) => listing,
            Err(status) => {
                row.status = status;
                rows.push(row);
                continue;
            }
        };
        row.status = status(&listing, now);
        let fields = &listing.key;
        row.cluster = fields.get("cluster").cloned();
        row.region = fields.get("region").cloned();
        row.identity = fields.get("identity").cloned();
        row.role = fields.get("role").cloned();
        row.access_key_id = Some(listing.access_key_id);
        row.expires_at = Some(time::rfc3339(listing.expires_at));
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
