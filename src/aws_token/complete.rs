//! Completion values: profile names from the shared config files, and EKS
//! cluster names from ListClusters in the typed (or resolved) region, within
//! a short bound and cached for a minute, so TAB never hangs and repeats are
//! instant.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use clap::Arg;
use sha2::{Digest, Sha256};

use super::eks;
use crate::aws::profile::{self, Profiles, env_nonempty};
use crate::aws::region;
use crate::completion::{Reply, Request};
use crate::state;

/// The whole lookup, credentials included.
const LIST_BOUND: Duration = Duration::from_secs(2);
/// How long a listing is answered from the cache.
const CACHE_SECS: u64 = 60;

pub(crate) fn values(req: &Request, arg: &Arg) -> Option<Reply> {
    match arg.get_id().as_str() {
        "profile" => Some(Reply::names(Profiles::load().names())),
        "cluster_name" => Some(Reply::names(cluster_names(req).unwrap_or_default())),
        _ => None,
    }
}

fn cluster_names(req: &Request) -> Option<Vec<String>> {
    let profile = req.option("profile").map(str::to_string);
    let selected = profile::selected(profile.as_deref());
    let region =
        region::resolve_region(req.option("region"), &Profiles::load(), &selected, None).ok()?;
    let file = cache_file(&selected, &region);
    if let Some(names) = cached(&file) {
        return Some(names);
    }
    let rt = crate::client::runtime().ok()?;
    let names = rt.block_on(async {
        let work = async {
            let creds = eks::credentials(profile.as_deref(), &region).await.ok()?;
            eks::list(&creds, &region, LIST_BOUND).await.ok()
        };
        tokio::time::timeout(LIST_BOUND, work).await.ok()?
    })?;
    let text = format!("{}\n{}", now(), names.join("\n"));
    let _ = state::write(&file, &text);
    Some(names)
}

/// One file per profile, region and endpoint (tests point at stand-ins).
fn cache_file(profile: &str, region: &str) -> std::path::PathBuf {
    let endpoint = env_nonempty("AWS_ENDPOINT_URL_EKS")
        .or_else(|| env_nonempty("AWS_ENDPOINT_URL"))
        .unwrap_or_default();
    let key = Sha256::digest(format!("{profile}\n{region}\n{endpoint}"));
    let hex: String = key[..8].iter().map(|b| format!("{b:02x}")).collect();
    state::cache_dir("aws-token-clusters").join(hex)
}

fn cached(file: &std::path::Path) -> Option<Vec<String>> {
    let text = state::read(file)?;
    let mut lines = text.lines();
    let at: u64 = lines.next()?.parse().ok()?;
    (now().saturating_sub(at) < CACHE_SECS).then(|| lines.map(str::to_string).collect())
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}
