//! What a value provider knows about the request, and its way to the cluster.

use std::future::Future;
use std::path::PathBuf;
use std::time::Duration;

use crate::cli::{ConnectionArgs, GlobalArgs};
use crate::client::{self, Connection};
use crate::error::Result;
use crate::kubeconfig::Kubeconfig;

/// How long a completion may wait for the cluster: a TAB must never hang.
pub(crate) const CLUSTER_TIMEOUT: Duration = Duration::from_secs(3);

/// The words typed so far, as far as a value provider needs them.
pub struct Request {
    /// Subcommands typed so far, e.g. `["cache", "list"]`.
    pub(crate) path: Vec<String>,
    /// The typed part of the value being completed (after `--flag=` or the
    /// last delimiter of a list value).
    pub(crate) partial: String,
    pub(crate) kubeconfig: Option<PathBuf>,
    pub(crate) context: Option<String>,
    pub(crate) namespace: Option<String>,
    /// kubectl's connection flags as typed (`--as`, `--server`, …).
    pub(crate) connection: ConnectionArgs,
    /// Every option value typed so far, by long name (`("region", "eu-west-1")`).
    pub(crate) options: Vec<(String, String)>,
}

impl Request {
    /// The last value typed for `--<long>`.
    pub(crate) fn option(&self, long: &str) -> Option<&str> {
        self.options
            .iter()
            .rev()
            .find(|(l, _)| l == long)
            .map(|(_, v)| v.as_str())
    }

    /// The typed kubectl flags, with a request timeout that cannot hang a TAB.
    pub(crate) fn global(&self) -> GlobalArgs {
        GlobalArgs {
            kubeconfig: self.kubeconfig.clone(),
            context: self.context.clone(),
            namespace: self.namespace.clone(),
            request_timeout: Some(format!("{}s", CLUSTER_TIMEOUT.as_secs())),
            connection: self.connection.clone(),
            ..Default::default()
        }
    }

    /// Runs `f` against the typed context; `None` on any error or when the
    /// whole thing takes longer than `CLUSTER_TIMEOUT`. Completion stays
    /// quiet on errors: there is nowhere to show them.
    pub(crate) fn with_cluster<T, F, Fut>(&self, f: F) -> Option<T>
    where
        F: FnOnce(Connection) -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        let kc = Kubeconfig::load(self.kubeconfig.as_deref()).ok()?;
        let global = self.global();
        let rt = client::runtime().ok()?;
        rt.block_on(async {
            let work = async {
                let conn = client::connect(&kc, &global).await?;
                f(conn).await
            };
            tokio::time::timeout(CLUSTER_TIMEOUT, work).await.ok()?.ok()
        })
    }
}
