//! A `kube::Client` for one kubeconfig context.
//!
//! The context is resolved by honban's own kubeconfig engine (so the file is
//! parsed once and kubectl's merge rules apply), minified to that context, and
//! handed to kube, which handles TLS, tokens and exec credential plugins.

use std::time::Duration;

use kube::config::{KubeConfigOptions, Kubeconfig as KubeKubeconfig};

use crate::cli::GlobalArgs;
use crate::error::{Error, Result};
use crate::kubeconfig::Kubeconfig;

const USER_AGENT: &str = concat!("honban/", env!("CARGO_PKG_VERSION"));

/// A connected client and what it was built from.
pub struct Connection {
    pub client: kube::Client,
    pub context: String,
    /// The namespace in effect: `-n`, else the context's, else `default`.
    pub namespace: String,
}

pub async fn connect(kc: &Kubeconfig, global: &GlobalArgs) -> Result<Connection> {
    let info = kc.effective_context(global.context.as_deref())?;
    connect_context(kc, &info.name, global).await
}

pub async fn connect_context(
    kc: &Kubeconfig,
    context: &str,
    global: &GlobalArgs,
) -> Result<Connection> {
    let minified = kc.minify(context)?;
    let kube_config: KubeKubeconfig = serde_json::from_value(minified).map_err(|e| Error::Api {
        context: context.to_string(),
        message: format!("unsupported kubeconfig entry: {e}"),
    })?;
    let options = KubeConfigOptions {
        context: Some(context.to_string()),
        ..Default::default()
    };
    let mut config = kube::Config::from_custom_kubeconfig(kube_config, &options)
        .await
        .map_err(|e| Error::Api {
            context: context.to_string(),
            message: e.to_string(),
        })?;
    let timeout = global.request_timeout()?.or(Some(Duration::from_secs(30)));
    config.read_timeout = timeout;
    config.write_timeout = timeout;
    config.connect_timeout = Some(
        timeout
            .unwrap_or(Duration::from_secs(30))
            .min(Duration::from_secs(10)),
    );
    if let Some(ns) = &global.namespace {
        config.default_namespace = ns.clone();
    }
    let namespace = config.default_namespace.clone();
    let client = kube::Client::try_from(config).map_err(|e| Error::Api {
        context: context.to_string(),
        message: e.to_string(),
    })?;
    let _ = USER_AGENT;
    Ok(Connection {
        client,
        context: context.to_string(),
        namespace,
    })
}

/// A single-threaded runtime: the plugins do a few requests and exit.
pub fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Failed(format!("cannot start the async runtime: {e}")))
}

/// Turns a kube error into a one-line message naming the context.
pub fn api_error(context: &str, e: kube::Error) -> Error {
    let message = match &e {
        kube::Error::Api(status) => format!("{} ({})", status.message, status.reason),
        other => other.to_string(),
    };
    Error::Api {
        context: context.to_string(),
        message,
    }
}
