//! A `kube::Client` for one kubeconfig context and kubectl's connection flags.
//!
//! The context is resolved by honban's own kubeconfig engine (so the file is
//! parsed once and kubectl's merge rules apply), minified to that context with
//! the cluster and user the flags select, the flags applied ([`overrides`]),
//! and handed to kube, which handles TLS, tokens, impersonation and exec
//! credential plugins.

mod overrides;

use std::time::Duration;

use k8s_openapi::api::core::v1::Namespace;
use kube::api::{Api, ListParams};
use kube::config::{KubeConfigOptions, Kubeconfig as KubeKubeconfig};

use crate::cli::GlobalArgs;
use crate::error::{Error, Result};
use crate::kubeconfig::{Kubeconfig, Selection};

/// A connected client and what it was built from.
pub struct Connection {
    pub client: kube::Client,
    /// The context, or the server when flags alone name it (no kubeconfig context).
    pub(crate) context: String,
    /// The namespace in effect: `-n`, else the context's, else `default`.
    pub(crate) namespace: String,
    /// The API server's URL in effect.
    pub(crate) server: String,
}

/// Connects to `--context`, else the current context. With no current context,
/// `--server` or `--cluster` alone will do, as in kubectl (a CI job's
/// `--server URL --token T`).
pub async fn connect(kc: &Kubeconfig, global: &GlobalArgs) -> Result<Connection> {
    global.connection.check()?;
    let context = match (global.context.as_deref(), kc.current_context()) {
        (Some(name), _) | (None, Some((name, _))) => Some(kc.require_context(name)?.name),
        (None, None) if global.connection.names_a_server() => None,
        (None, None) if in_cluster(kc, global) => return connect_in_cluster(global),
        (None, None) => return Err(kc.missing().unwrap_or(Error::NoCurrentContext)),
    };
    connect_to(kc, context.as_deref(), global).await
}

/// Whether to connect as the pod's ServiceAccount, as kubectl and client-go
/// do: no kubeconfig context and no flag naming a server, and the API
/// server's address in KUBERNETES_SERVICE_HOST/PORT (set in every pod).
pub(crate) fn in_cluster(kc: &Kubeconfig, global: &GlobalArgs) -> bool {
    let set = |var| std::env::var_os(var).is_some_and(|v| !v.is_empty());
    global.kubeconfig.is_none()
        && kc.contexts().is_empty()
        && !global.connection.names_a_server()
        && set("KUBERNETES_SERVICE_HOST")
        && set("KUBERNETES_SERVICE_PORT")
}

/// The in-cluster connection: the ServiceAccount's token (re-read as the
/// kubelet rotates it), its CA and namespace, from the files in every pod.
fn connect_in_cluster(global: &GlobalArgs) -> Result<Connection> {
    const LABEL: &str = "in-cluster";
    let config = kube::Config::incluster().map_err(|e| Error::Api {
        context: LABEL.to_string(),
        message: format!(
            "no kubeconfig, and the in-cluster configuration is unusable: {e}; pass --kubeconfig FILE"
        ),
    })?;
    let server = config.cluster_url.to_string();
    build(config, LABEL.to_string(), server, global)
}

/// Connects to one named context (`kubectl audit --all-contexts`).
pub(crate) async fn connect_context(
    kc: &Kubeconfig,
    context: &str,
    global: &GlobalArgs,
) -> Result<Connection> {
    global.connection.check()?;
    connect_to(kc, Some(context), global).await
}

async fn connect_to(
    kc: &Kubeconfig,
    context: Option<&str>,
    global: &GlobalArgs,
) -> Result<Connection> {
    let flags = &global.connection;
    let label = context
        .or(flags.server())
        .or(flags.cluster())
        .unwrap_or_default()
        .to_string();
    let selection = Selection {
        context,
        cluster: flags.cluster(),
        user: flags.user(),
    };
    let mut minified = kc.minify_selected(selection, &label)?;
    let server = overrides::apply(&mut minified, flags, &label)?;
    let kube_config: KubeKubeconfig = serde_json::from_value(minified).map_err(|e| Error::Api {
        context: label.clone(),
        message: format!("unsupported kubeconfig entry: {e}"),
    })?;
    let options = KubeConfigOptions {
        context: Some(label.clone()),
        ..Default::default()
    };
    let config = kube::Config::from_custom_kubeconfig(kube_config, &options)
        .await
        .map_err(|e| Error::Api {
            context: label.clone(),
            message: e.to_string(),
        })?;
    build(config, label, server, global)
}

/// The client for a finished config, with kubectl's timeouts and `-n`.
fn build(
    mut config: kube::Config,
    label: String,
    server: String,
    global: &GlobalArgs,
) -> Result<Connection> {
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
    remember_server(&label, &server);
    let to_error = |e: kube::Error| Error::Api {
        context: label.clone(),
        message: e.to_string(),
    };
    let client = if std::env::var_os(TRACE_ENV).is_some_and(|v| !v.is_empty() && v != "0") {
        kube::client::ClientBuilder::try_from(config)
            .map_err(to_error)?
            .with_layer(&trace::TraceLayer)
            .build()
    } else {
        kube::Client::try_from(config).map_err(to_error)?
    };
    Ok(Connection {
        client,
        context: label,
        namespace,
        server,
    })
}

/// Set to 1 to log every API request (method and path only) to stderr, for
/// counting requests in benchmarks and debugging.
const TRACE_ENV: &str = "HONBAN_TRACE_REQUESTS";

mod trace {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::task::{Context, Poll};

    static COUNT: AtomicUsize = AtomicUsize::new(0);

    pub(super) struct TraceLayer;

    impl<S> tower::Layer<S> for TraceLayer {
        type Service = Trace<S>;
        fn layer(&self, inner: S) -> Trace<S> {
            Trace { inner }
        }
    }

    #[derive(Clone)]
    pub(super) struct Trace<S> {
        inner: S,
    }

    impl<S, B> tower::Service<http::Request<B>> for Trace<S>
    where
        S: tower::Service<http::Request<B>>,
    {
        type Response = S::Response;
        type Error = S::Error;
        type Future = S::Future;

        fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
            self.inner.poll_ready(cx)
        }

        fn call(&mut self, req: http::Request<B>) -> S::Future {
            let n = COUNT.fetch_add(1, Ordering::Relaxed) + 1;
            // Path and query only: no headers, no bodies, so no credentials or data.
            let path = req
                .uri()
                .path_and_query()
                .map(|p| p.as_str())
                .unwrap_or("/");
            eprintln!("honban-trace: request {n}: {} {path}", req.method());
            self.inner.call(req)
        }
    }
}

/// Lists every namespace's name page by page, so very large clusters stream
/// rather than time out. The kube error is left to the caller to explain.
pub(crate) async fn list_namespaces(
    conn: &Connection,
) -> std::result::Result<Vec<String>, kube::Error> {
    let api: Api<Namespace> = Api::all(conn.client.clone());
    let mut out = Vec::new();
    let mut params = ListParams::default().limit(500);
    loop {
        let page = api.list_metadata(&params).await?;
        out.extend(page.items.into_iter().filter_map(|ns| ns.metadata.name));
        match page.metadata.continue_.filter(|c| !c.is_empty()) {
            Some(token) => params = params.continue_token(&token),
            None => break,
        }
    }
    Ok(out)
}

/// Loads the kubeconfig (its warnings go to stderr), connects, and runs `body`
/// on a single-threaded runtime: the frame of every command that talks to one
/// cluster once.
pub fn with_connection<T, F, Fut>(global: &GlobalArgs, body: F) -> Result<T>
where
    F: FnOnce(Connection) -> Fut,
    Fut: std::future::Future<Output = Result<T>>,
{
    let kc = Kubeconfig::load(global.kubeconfig.as_deref())?;
    for w in &kc.warnings {
        crate::output::warn(crate::output::Palette::for_stderr(global.color), w);
    }
    runtime()?.block_on(async { body(connect(&kc, global).await?).await })
}

/// A single-threaded runtime: the plugins do a few requests and exit.
pub fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Failed(format!("cannot start the async runtime: {e}")))
}

/// Whether the API refused a write because the namespace is being deleted:
/// NamespaceLifecycle's 403 with the cause `NamespaceTerminating`, which is
/// about the namespace, not the user's rights.
pub(crate) fn namespace_terminating(e: &kube::Error) -> bool {
    let kube::Error::Api(s) = e else {
        return false;
    };
    s.code == 403
        && s.details
            .as_ref()
            .is_some_and(|d| d.causes.iter().any(|c| c.reason == "NamespaceTerminating"))
}

/// Turns a kube error into a one-line message naming the context.
pub(crate) fn api_error(context: &str, e: kube::Error) -> Error {
    Error::Api {
        context: context.to_string(),
        message: describe(context, &e),
    }
}

/// A kube error in one line: the API's own words, or for a connection that
/// failed, the server, the cause and what to check.
pub(crate) fn describe(context: &str, e: &kube::Error) -> String {
    match e {
        kube::Error::Api(status) => format!("{} ({})", status.message, status.reason),
        kube::Error::Service(_) | kube::Error::HyperError(_) => {
            let server = server_of(context);
            // Flags alone naming the server make the URL the context label too.
            let named = if server == context {
                ""
            } else {
                server.as_str()
            };
            unreachable_server(named, e)
        }
        other => other.to_string(),
    }
}

/// The servers this process connected to, by context label: a failed request
/// names its server without every caller carrying it.
static SERVERS: std::sync::Mutex<Vec<(String, String)>> = std::sync::Mutex::new(Vec::new());

fn remember_server(label: &str, server: &str) {
    if let Ok(mut s) = SERVERS.lock() {
        s.push((label.to_string(), server.to_string()));
    }
}

fn server_of(label: &str) -> String {
    let known = SERVERS.lock().ok().and_then(|s| {
        s.iter()
            .rev()
            .find(|(l, _)| l == label)
            .map(|(_, server)| server.clone())
    });
    known.unwrap_or_else(|| "the API server".to_string())
}

/// "cannot reach SERVER: CAUSE; check ...", from the error's source chain.
fn unreachable_server(server: &str, e: &kube::Error) -> String {
    let mut chain: Vec<&(dyn std::error::Error + 'static)> = Vec::new();
    let mut next = std::error::Error::source(e);
    while let Some(err) = next {
        chain.push(err);
        next = err.source();
    }
    let io_kind = chain
        .iter()
        .find_map(|e| e.downcast_ref::<std::io::Error>())
        .map(|io| io.kind());
    let words = chain
        .iter()
        .map(|e| e.to_string().to_lowercase())
        .collect::<Vec<_>>()
        .join(": ");
    let root = chain.last().map(|e| e.to_string()).unwrap_or_default();
    let root = root.split(" (os error").next().unwrap_or_default();
    let check_server =
        "check --server or the server of the kubeconfig's cluster, and that the cluster is up";
    let (cause, check) = if io_kind == Some(std::io::ErrorKind::ConnectionRefused) {
        ("connection refused".to_string(), check_server)
    } else if words.contains("dns error") {
        (format!("DNS lookup failed ({root})"), check_server)
    } else if words.contains("certificate") || words.contains("tls") {
        (
            format!("TLS verification failed ({root})"),
            "check the certificate-authority of the kubeconfig's cluster (or --certificate-authority) and --server",
        )
    } else if io_kind == Some(std::io::ErrorKind::TimedOut)
        || words.contains("timed out")
        || words.contains("elapsed")
    {
        ("timed out".to_string(), check_server)
    } else if root.is_empty() {
        (e.to_string(), check_server)
    } else {
        (root.to_string(), check_server)
    };
    match server {
        "" => format!("cannot reach the server: {cause}; {check}"),
        _ => format!("cannot reach the server {server}: {cause}; {check}"),
    }
}
