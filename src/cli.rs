//! kubectl-style global flags. kubectl refuses flags placed before a plugin's
//! name, so every plugin parses these itself; flatten [`GlobalArgs`] into its
//! clap definition, and [`ConnectionArgs`] too when it talks to a cluster.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::Args;

use crate::error::{Error, Result};
use crate::output::{ColorChoice, Format};

#[derive(Debug, Clone, Args, Default)]
pub struct GlobalArgs {
    /// Path to the kubeconfig file to use
    #[arg(long, global = true, value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,

    /// The kubeconfig context to use
    #[arg(long, global = true, value_name = "NAME")]
    pub context: Option<String>,

    /// The namespace to act in
    #[arg(short = 'n', long, global = true, value_name = "NAMESPACE")]
    pub namespace: Option<String>,

    /// Time to wait for one API request, e.g. 5s, 1m (0 = no limit)
    #[arg(long, global = true, value_name = "DURATION")]
    pub request_timeout: Option<String>,

    /// Output format
    #[arg(short = 'o', long = "output", global = true, value_enum)]
    pub output: Option<Format>,

    /// Colour: auto (terminal and no NO_COLOR), always or never
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,

    /// kubectl's connection flags; a plugin that talks to a cluster flattens
    /// them next to these and moves them in (ctx never connects, so takes none).
    #[arg(skip)]
    pub connection: ConnectionArgs,
}

/// kubectl's connection flags (those of its `genericclioptions.ConfigFlags`),
/// with kubectl's meaning. They change how a plugin reaches and authenticates
/// to the API server, never what it writes to a kubeconfig.
#[derive(Clone, Args, Default, PartialEq, Eq)]
pub struct ConnectionArgs {
    /// User to impersonate for the operation (a user, or system:serviceaccount:NS:NAME)
    #[arg(long = "as", global = true, value_name = "USER")]
    pub(crate) as_user: Option<String>,

    /// Group to impersonate (repeatable; needs --as)
    #[arg(long = "as-group", global = true, value_name = "GROUP")]
    pub(crate) as_groups: Vec<String>,

    /// UID to impersonate (needs --as)
    #[arg(long = "as-uid", global = true, value_name = "UID")]
    pub(crate) as_uid: Option<String>,

    /// The kubeconfig cluster entry to use, instead of the context's
    #[arg(long, global = true, value_name = "NAME")]
    pub(crate) cluster: Option<String>,

    /// The kubeconfig user entry to use, instead of the context's
    #[arg(long, global = true, value_name = "NAME")]
    pub(crate) user: Option<String>,

    /// The API server's address, instead of the cluster's
    #[arg(short = 's', long, global = true, value_name = "URL")]
    pub(crate) server: Option<String>,

    /// Bearer token for the API server, instead of the user's credentials
    #[arg(long, global = true, value_name = "TOKEN")]
    pub(crate) token: Option<String>,

    /// CA certificate file to verify the API server with
    #[arg(long, global = true, value_name = "FILE")]
    pub(crate) certificate_authority: Option<PathBuf>,

    /// Do not verify the API server's certificate (insecure)
    #[arg(
        long,
        global = true,
        value_name = "BOOL",
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = "true",
        value_parser = clap::builder::BoolishValueParser::new(),
        default_value_t = false,
        hide_default_value = true
    )]
    pub(crate) insecure_skip_tls_verify: bool,

    /// Name to check the API server's certificate against, instead of the server's host
    #[arg(long, global = true, value_name = "NAME")]
    pub(crate) tls_server_name: Option<String>,
}

/// Never shows the token.
impl std::fmt::Debug for ConnectionArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConnectionArgs")
            .field("as_user", &self.as_user)
            .field("as_groups", &self.as_groups)
            .field("as_uid", &self.as_uid)
            .field("cluster", &self.cluster)
            .field("user", &self.user)
            .field("server", &self.server)
            .field("token", &self.token.as_ref().map(|_| "<hidden>"))
            .field("certificate_authority", &self.certificate_authority)
            .field("insecure_skip_tls_verify", &self.insecure_skip_tls_verify)
            .field("tls_server_name", &self.tls_server_name)
            .finish()
    }
}

/// An empty value is no value, as in kubectl (`--as=` impersonates nobody).
fn given(value: &Option<String>) -> Option<&str> {
    value.as_deref().filter(|v| !v.is_empty())
}

impl ConnectionArgs {
    pub(crate) fn as_user(&self) -> Option<&str> {
        given(&self.as_user)
    }
    pub(crate) fn as_uid(&self) -> Option<&str> {
        given(&self.as_uid)
    }
    pub(crate) fn cluster(&self) -> Option<&str> {
        given(&self.cluster)
    }
    pub(crate) fn user(&self) -> Option<&str> {
        given(&self.user)
    }
    pub(crate) fn server(&self) -> Option<&str> {
        given(&self.server)
    }
    pub(crate) fn token(&self) -> Option<&str> {
        given(&self.token)
    }
    pub(crate) fn tls_server_name(&self) -> Option<&str> {
        given(&self.tls_server_name)
    }
    pub(crate) fn as_groups(&self) -> impl Iterator<Item = &str> {
        self.as_groups
            .iter()
            .map(String::as_str)
            .filter(|g| !g.is_empty())
    }

    /// Whether the flags name a server without a kubeconfig context
    /// (`--server`, or a `--cluster` entry), as a CI job does.
    pub(crate) fn names_a_server(&self) -> bool {
        self.server().is_some() || self.cluster().is_some()
    }

    /// The first flag given that replaces part of a context's cluster or user
    /// (all but impersonation), for commands that visit every context.
    pub(crate) fn entry_override(&self) -> Option<&'static str> {
        [
            (self.server().is_some(), "--server"),
            (self.cluster().is_some(), "--cluster"),
            (self.user().is_some(), "--user"),
            (self.token().is_some(), "--token"),
            (
                self.certificate_authority.is_some(),
                "--certificate-authority",
            ),
            (self.insecure_skip_tls_verify, "--insecure-skip-tls-verify"),
            (self.tls_server_name().is_some(), "--tls-server-name"),
        ]
        .into_iter()
        .find_map(|(given, flag)| given.then_some(flag))
    }

    /// The combinations kubectl refuses, as one-line usage errors.
    pub(crate) fn check(&self) -> Result<()> {
        if self.insecure_skip_tls_verify && self.certificate_authority.is_some() {
            return Err(Error::Usage(
                "--insecure-skip-tls-verify and --certificate-authority exclude each other; verify the server with the CA, or skip verification".into(),
            ));
        }
        if self.as_user().is_none()
            && (self.as_groups().next().is_some() || self.as_uid().is_some())
        {
            return Err(Error::Usage(
                "--as-group and --as-uid impersonate a user's groups and uid; add --as USER".into(),
            ));
        }
        Ok(())
    }
}

impl GlobalArgs {
    pub(crate) fn request_timeout(&self) -> Result<Option<Duration>> {
        match &self.request_timeout {
            None => Ok(None),
            Some(s) => parse_duration(s).map(|d| (!d.is_zero()).then_some(d)),
        }
    }
}

/// Parses kubectl-style durations: `30s`, `2m`, `1h`, `500ms`, `1m30s`, or bare seconds.
pub(crate) fn parse_duration(s: &str) -> Result<Duration> {
    let bad = || {
        Error::Usage(format!(
            "invalid duration {s:?}; use forms like 30s, 2m or 1h30m"
        ))
    };
    if let Ok(secs) = s.parse::<u64>() {
        return Ok(Duration::from_secs(secs));
    }
    let mut total = Duration::ZERO;
    let mut rest = s;
    if rest.is_empty() {
        return Err(bad());
    }
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit() && c != '.')
            .ok_or_else(bad)?;
        if digits == 0 {
            return Err(bad());
        }
        let value: f64 = rest[..digits].parse().map_err(|_| bad())?;
        rest = &rest[digits..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len());
        let unit = &rest[..unit_len];
        rest = &rest[unit_len..];
        let secs = match unit {
            "ms" => value / 1000.0,
            "s" => value,
            "m" => value * 60.0,
            "h" => value * 3600.0,
            _ => return Err(bad()),
        };
        total += Duration::from_secs_f64(secs);
    }
    Ok(total)
}

/// The most read from a file or stdin named on the command line: a Secret or
/// ConfigMap holds at most 1 MiB (its sops file about twice that).
pub(crate) const MAX_INPUT_BYTES: usize = 8 * 1024 * 1024;

/// Reads a file named on the command line (`-`: stdin), refusing one larger
/// than [`MAX_INPUT_BYTES`] after reading no more than that.
pub(crate) fn read_input(path: &Path) -> Result<Vec<u8>> {
    let stdin = path == Path::new("-");
    let name = if stdin { Path::new("stdin") } else { path };
    let reader: Box<dyn Read> = if stdin {
        Box::new(std::io::stdin())
    } else {
        Box::new(std::fs::File::open(path).map_err(|e| Error::io(path, e))?)
    };
    let mut bytes = Vec::new();
    reader
        .take(u64::try_from(MAX_INPUT_BYTES + 1).unwrap_or(u64::MAX))
        .read_to_end(&mut bytes)
        .map_err(|e| Error::io(name, e))?;
    if bytes.len() > MAX_INPUT_BYTES {
        return Err(Error::Usage(format!(
            "{}: larger than {} MiB, more than any Secret or ConfigMap holds",
            name.display(),
            MAX_INPUT_BYTES >> 20
        )));
    }
    Ok(bytes)
}

/// What reading a named input consumes, when it can be read only once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stream {
    /// stdin: `-`, or a path to it (`/dev/stdin`, `/dev/fd/0`).
    Stdin,
    /// A pipe, FIFO, socket or device, by device and inode.
    Node(u64, u64),
}

/// The stream reading `path` consumes (`dash`: `-` means stdin), or `None`
/// for a regular file or directory, which reads the same every time, or a
/// path that does not exist (reading it will say so).
fn stream_of(path: &Path, dash: bool) -> Option<Stream> {
    use std::os::fd::AsFd;
    use std::os::unix::fs::MetadataExt;
    if dash && path == Path::new("-") {
        return Some(Stream::Stdin);
    }
    let meta = std::fs::metadata(path).ok()?;
    let stdin = std::io::stdin()
        .as_fd()
        .try_clone_to_owned()
        .ok()
        .and_then(|fd| std::fs::File::from(fd).metadata().ok());
    if stdin.is_some_and(|s| (s.dev(), s.ino()) == (meta.dev(), meta.ino())) {
        return Some(Stream::Stdin);
    }
    (!meta.is_file() && !meta.is_dir()).then(|| Stream::Node(meta.dev(), meta.ino()))
}

/// The first input that reads a stream an earlier one already read: the
/// indexes of both in `inputs` (path, and whether `-` means stdin), and the
/// stream. A second read of stdin or a pipe would get nothing.
pub(crate) fn repeated_stream<'a>(
    inputs: impl IntoIterator<Item = (&'a Path, bool)>,
) -> Option<(usize, usize, Stream)> {
    let mut seen: Vec<(Stream, usize)> = Vec::new();
    for (i, (path, dash)) in inputs.into_iter().enumerate() {
        let Some(stream) = stream_of(path, dash) else {
            continue;
        };
        if let Some(&(_, first)) = seen.iter().find(|(s, _)| *s == stream) {
            return Some((first, i, stream));
        }
        seen.push((stream, i));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("30").unwrap(), Duration::from_secs(30));
        assert_eq!(parse_duration("1m30s").unwrap(), Duration::from_secs(90));
        assert_eq!(parse_duration("500ms").unwrap(), Duration::from_millis(500));
        assert!(parse_duration("soon").is_err());
        assert!(parse_duration("5x").is_err());
    }
}
