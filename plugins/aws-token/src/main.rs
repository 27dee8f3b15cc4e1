//! `kubectl aws-token`: EKS IAM exec credentials in milliseconds, cached across
//! kubectl runs, verifiable offline.

use std::io::{IsTerminal, Read};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, CommandFactory, Parser, Subcommand};
use honban::aws::cache::Cache;
use honban::aws::setup::{self, SetupRequest};
use honban::aws::verify::{self, SignatureCheck};
use honban::aws::{self, TokenRequest, time};
use honban::error::{Error, Result, exit};
use honban::kubeconfig::Kubeconfig;
use honban::output::{self, Format};

/// Print an EKS token as an ExecCredential for kubectl, from a private cache
/// when a valid one is there. Also: set up and migrate kubeconfig entries,
/// verify tokens, manage the cache.
#[derive(Parser, Debug)]
#[command(
    name = "kubectl aws-token",
    version,
    args_conflicts_with_subcommands = true,
    subcommand_negates_reqs = true,
    after_help = EXAMPLES
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,

    #[command(flatten)]
    token: TokenArgs,

    /// Print a completion script for bash, zsh or fish
    #[arg(long, value_name = "SHELL", hide = true)]
    completion: Option<honban::completion::Shell>,
}

#[derive(Args, Debug)]
struct TokenArgs {
    /// The EKS cluster's name (sent as x-k8s-aws-id)
    #[arg(long, value_name = "NAME", required_unless_present_any = ["cluster_id", "completion"])]
    cluster_name: Option<String>,

    /// The cluster id, for EKS local clusters on Outposts
    #[arg(long, value_name = "ID", conflicts_with = "cluster_name")]
    cluster_id: Option<String>,

    /// AWS region [default: AWS_REGION, the profile's region, the server URL's, us-east-1]
    #[arg(long, value_name = "REGION")]
    region: Option<String>,

    /// AWS profile to take credentials from (outranks AWS_ACCESS_KEY_ID)
    #[arg(long, value_name = "NAME")]
    profile: Option<String>,

    /// Assume this IAM role and sign with its credentials
    #[arg(long, value_name = "ARN")]
    role_arn: Option<String>,

    /// External id for the role
    #[arg(long, value_name = "ID", requires = "role_arn")]
    external_id: Option<String>,

    /// Role session name [default: honban-aws-token]
    #[arg(
        long,
        value_name = "NAME",
        requires = "role_arn",
        conflicts_with = "forward_session_name"
    )]
    session_name: Option<String>,

    /// Reuse the caller's own role session name for the assumed role
    #[arg(long, requires = "role_arn")]
    forward_session_name: bool,

    /// Role session duration, e.g. 1h (15m to 12h)
    #[arg(long, value_name = "DURATION", requires = "role_arn")]
    duration: Option<String>,

    /// STS endpoint to sign for (and to call), e.g. https://sts.us-east-1.amazonaws.com
    #[arg(long, value_name = "URL")]
    sts_endpoint: Option<String>,

    /// Neither read nor write the cache
    #[arg(long)]
    no_cache: bool,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// List or clear cached tokens and role credentials
    Cache {
        #[command(subcommand)]
        action: CacheAction,
    },
    /// Add or update a kubeconfig cluster, user and context for an EKS cluster
    Setup(SetupArgs),
    /// Rewrite `aws eks get-token` and `aws-iam-authenticator token` users to aws-token
    Migrate {
        /// Show the diff without writing
        #[arg(long)]
        dry_run: bool,
        /// Path to the kubeconfig file to change
        #[arg(long, value_name = "FILE")]
        kubeconfig: Option<PathBuf>,
    },
    /// Check a token against EKS's rules and print what it claims
    Verify(VerifyArgs),
}

#[derive(Subcommand, Debug)]
enum CacheAction {
    /// List entries with their cluster, identity, expiry and status
    List {
        /// Output format
        #[arg(short = 'o', long = "output", value_enum)]
        output: Option<Format>,
    },
    /// Remove every entry
    Clear,
}

#[derive(Args, Debug)]
struct SetupArgs {
    /// The EKS cluster's name
    #[arg(long, value_name = "NAME")]
    cluster_name: String,
    /// Cluster id (EKS local clusters on Outposts), sent instead of the name
    #[arg(long, value_name = "ID")]
    cluster_id: Option<String>,
    /// The API server URL (https://…eks.amazonaws.com)
    #[arg(long, value_name = "URL")]
    server: String,
    /// The cluster CA certificate (PEM file)
    #[arg(
        long,
        value_name = "FILE",
        conflicts_with = "ca_data",
        required_unless_present = "ca_data"
    )]
    ca_file: Option<PathBuf>,
    /// The cluster CA certificate, base64 PEM (as `aws eks describe-cluster` gives it)
    #[arg(long, value_name = "BASE64")]
    ca_data: Option<String>,
    /// AWS region [default: from the server URL]
    #[arg(long, value_name = "REGION")]
    region: Option<String>,
    /// IAM role the token is signed with
    #[arg(long, value_name = "ARN")]
    role_arn: Option<String>,
    /// AWS profile (set as AWS_PROFILE for the plugin)
    #[arg(long, value_name = "NAME")]
    profile: Option<String>,
    /// Name for the cluster, user and context [default: the cluster name]
    #[arg(long, value_name = "NAME")]
    alias: Option<String>,
    /// Switch current-context to it
    #[arg(long)]
    set_current: bool,
    /// Show the diff without writing
    #[arg(long)]
    dry_run: bool,
    /// Path to the kubeconfig file to change
    #[arg(long, value_name = "FILE")]
    kubeconfig: Option<PathBuf>,
}

#[derive(Args, Debug)]
struct VerifyArgs {
    /// The token, an ExecCredential, or `-` for stdin [default: stdin]
    #[arg(value_name = "TOKEN")]
    token: Option<String>,
    /// The cluster the token must be for
    #[arg(long, value_name = "NAME", required_unless_present = "cluster_id")]
    cluster_name: Option<String>,
    /// Cluster id (EKS local clusters on Outposts)
    #[arg(long, value_name = "ID", conflicts_with = "cluster_name")]
    cluster_id: Option<String>,
    /// The cluster's region: the token must come from its partition
    #[arg(long, value_name = "REGION")]
    region: Option<String>,
    /// Profile whose credentials re-sign the token [default: env credentials]
    #[arg(long, value_name = "NAME")]
    profile: Option<String>,
    /// Output format
    #[arg(short = 'o', long = "output", value_enum)]
    output: Option<Format>,
}

const EXAMPLES: &str = "Examples:
  kubectl aws-token --cluster-name prod                    print an ExecCredential (cached)
  kubectl aws-token setup --cluster-name prod --server https://…eks.amazonaws.com --ca-data … --set-current
  kubectl aws-token migrate --dry-run                      show how aws eks get-token users would change
  kubectl aws-token --cluster-name prod | kubectl aws-token verify --cluster-name prod
  kubectl aws-token cache list

Exit codes: 0 ok, 1 failure (or a rejected token), 2 usage.";

fn main() -> ExitCode {
    if let Some(code) = honban::completion::intercept::<Cli>(
        "kubectl-aws_token",
        honban::completion::values::aws_token,
    ) {
        return code;
    }
    let cli = Cli::parse();
    honban::error::run(|| {
        if let Some(shell) = cli.completion {
            return honban::completion::print_script(
                shell,
                &mut Cli::command(),
                "kubectl-aws_token",
            );
        }
        match cli.command {
            None => token(cli.token),
            Some(Command::Cache { action }) => cache(action),
            Some(Command::Setup(args)) => setup_cmd(args),
            Some(Command::Migrate {
                dry_run,
                kubeconfig,
            }) => migrate(dry_run, kubeconfig),
            Some(Command::Verify(args)) => verify_cmd(args),
        }
    })
}

fn token(args: TokenArgs) -> Result<u8> {
    let duration_secs = match &args.duration {
        None => None,
        Some(d) => {
            let secs = honban::cli::parse_duration(d)?.as_secs();
            if !(900..=43_200).contains(&secs) {
                return Err(Error::Usage(format!(
                    "--duration {d} is outside what STS allows (15m to 12h)"
                )));
            }
            Some(secs as i32)
        }
    };
    let minted = aws::get_token(&TokenRequest {
        cluster_name: args.cluster_name,
        cluster_id: args.cluster_id,
        region: args.region,
        profile: args.profile,
        role_arn: args.role_arn,
        external_id: args.external_id,
        session_name: args.session_name,
        forward_session_name: args.forward_session_name,
        duration_secs,
        sts_endpoint: args.sts_endpoint,
        no_cache: args.no_cache,
    })?;
    output::print_lines([minted.exec_credential()])?;
    Ok(exit::OK)
}

fn cache(action: CacheAction) -> Result<u8> {
    let cache = Cache::at(aws::cache::default_dir());
    match action {
        CacheAction::Clear => {
            let n = cache.clear()?;
            output::note(format!(
                "removed {n} cache entr{} from {}",
                if n == 1 { "y" } else { "ies" },
                cache.dir.display()
            ));
        }
        CacheAction::List { output: format } => {
            let rows = aws::cache_rows(&cache)?;
            match format {
                Some(Format::Json) => output::print_json(&rows)?,
                Some(Format::Yaml) => output::print_yaml(&rows)?,
                Some(Format::Name) => output::print_lines(rows.iter().map(|r| r.file.clone()))?,
                Some(Format::Table) | None => {
                    if rows.is_empty() {
                        output::note(format!("no cache entries in {}", cache.dir.display()));
                        return Ok(exit::OK);
                    }
                    let mut t = output::table(&[
                        "KIND", "CLUSTER", "REGION", "IDENTITY", "ROLE", "EXPIRES", "STATUS",
                    ]);
                    let dash = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
                    for r in &rows {
                        t.add_row(vec![
                            r.kind.to_string(),
                            dash(&r.cluster),
                            dash(&r.region),
                            dash(&r.identity),
                            dash(&r.role),
                            dash(&r.expires_at),
                            r.status.clone(),
                        ]);
                    }
                    output::print_table(&t)?;
                }
            }
        }
    }
    Ok(exit::OK)
}

fn setup_cmd(args: SetupArgs) -> Result<u8> {
    let ca_data = setup::ca_data(args.ca_file.as_deref(), args.ca_data.as_deref())?;
    let req = SetupRequest {
        cluster_name: args.cluster_name,
        cluster_id: args.cluster_id,
        server: args.server,
        ca_data,
        region: args.region,
        role_arn: args.role_arn,
        profile: args.profile,
        alias: args.alias,
        set_current: args.set_current,
    };
    let flag = args.kubeconfig.as_deref();
    // Like `kubectl config set-cluster`, setup may create the file it is given.
    let kc = match flag {
        Some(path) if !path.exists() => {
            Kubeconfig::load_paths(vec![path.to_path_buf()], honban::kubeconfig::Source::Flag)?
        }
        _ => Kubeconfig::load(flag)?,
    };
    if args.dry_run {
        let (change, _) = setup::plan_setup(&kc, &req)?;
        print!("{}", setup::diff(&kc, &change));
        return Ok(exit::OK);
    }
    let outcome = std::cell::RefCell::new(None);
    Kubeconfig::commit(kc, |kc| {
        let (change, o) = setup::plan_setup(kc, &req)?;
        *outcome.borrow_mut() = Some(o);
        Ok(change)
    })?;
    if let Some(o) = outcome.into_inner() {
        output::note(format!(
            "cluster {:?} {}, user {:?} {}, context {:?} {} in {}{}",
            o.name,
            o.cluster,
            o.name,
            o.user,
            o.name,
            o.context,
            o.file,
            if o.current { "; switched to it" } else { "" }
        ));
    }
    Ok(exit::OK)
}

fn migrate(dry_run: bool, kubeconfig: Option<PathBuf>) -> Result<u8> {
    let flag = kubeconfig.as_deref();
    let kc = Kubeconfig::load(flag)?;
    let found = setup::find_migrations(&kc);
    if found.is_empty() {
        output::note(
            "nothing to migrate: no user runs `aws eks get-token` or `aws-iam-authenticator token`",
        );
        return Ok(exit::OK);
    }
    let change = setup::plan_migrations(&kc, &found)?;
    print!("{}", setup::diff(&kc, &change));
    if dry_run {
        output::note(format!(
            "{} user(s) would be migrated (dry run, nothing written)",
            found.len()
        ));
        return Ok(exit::OK);
    }
    Kubeconfig::commit(kc, |kc| {
        let now = setup::find_migrations(kc);
        setup::plan_migrations(kc, &now)
    })?;
    for m in &found {
        output::note(format!(
            "migrated user {:?} ({}) in {}",
            m.user, m.from, m.file
        ));
    }
    Ok(exit::OK)
}

fn read_token(arg: Option<String>) -> Result<String> {
    let text = match arg.as_deref() {
        None if std::io::stdin().is_terminal() => {
            return Err(Error::Usage(
                "give the token as an argument, or pipe it (or an ExecCredential) in".into(),
            ));
        }
        Some("-") | None => {
            let mut s = String::new();
            std::io::stdin()
                .read_to_string(&mut s)
                .map_err(|e| Error::Failed(format!("cannot read the token from stdin: {e}")))?;
            s
        }
        Some(t) => t.to_string(),
    };
    let text = text.trim();
    if text.starts_with('{') {
        // An ExecCredential, e.g. piped from `kubectl aws-token` or `aws eks get-token`.
        let v: serde_json::Value = serde_json::from_str(text)
            .map_err(|e| Error::Usage(format!("input looks like JSON but is not valid: {e}")))?;
        return v
            .pointer("/status/token")
            .and_then(|t| t.as_str())
            .map(str::to_string)
            .ok_or_else(|| Error::Usage("the ExecCredential has no status.token".into()));
    }
    if text.is_empty() {
        return Err(Error::Usage(
            "no token given; pass it as an argument or on stdin".into(),
        ));
    }
    Ok(text.to_string())
}

fn verify_cmd(args: VerifyArgs) -> Result<u8> {
    let token = read_token(args.token)?;
    let cluster = args
        .cluster_id
        .or(args.cluster_name)
        .ok_or_else(|| Error::Usage("give --cluster-name NAME".into()))?;
    if let Some(r) = &args.region {
        aws::endpoint::validate_region(r)?;
    }
    let now = time::now();
    let (claims, failure) = verify::check(&token, args.region.as_deref(), now);
    let signature = match (&claims, &failure) {
        (Some(c), None) => {
            let creds = aws::verify_credentials(args.profile.as_deref(), &c.region)?;
            verify::check_signature(c, creds.as_ref(), &cluster)
        }
        _ => SignatureCheck::Unchecked,
    };
    let failure = failure.or_else(|| {
        (signature == SignatureCheck::Mismatch).then(|| verify::Rejection {
            rule: "signature",
            detail: format!(
                "re-signed with your credentials for cluster {cluster:?} it does not match: the token was altered or minted for another cluster"
            ),
        })
    });
    let report = serde_json::json!({
        "valid": failure.is_none(),
        "cluster": cluster,
        "claims": claims,
        "signature": signature,
        "rejection": failure,
    });
    match args.output {
        Some(Format::Json) => output::print_json(&report)?,
        Some(Format::Yaml) => output::print_yaml(&report)?,
        _ => {
            let mut lines = Vec::new();
            if let Some(c) = &claims {
                let left = c.signed_at_secs + aws::token::SERVER_VALIDITY_SECS - now;
                lines.push(format!("access key:     {}", c.access_key_id));
                lines.push(format!("region:         {}", c.region));
                lines.push(format!("host:           {}", c.host));
                lines.push(format!("signed at:      {}", c.signed_at));
                lines.push(format!(
                    "expires at:     {} ({})",
                    c.expires_at,
                    if left >= 0 {
                        format!("in {}", time::human(left))
                    } else {
                        format!("{} ago", time::human(-left))
                    }
                ));
                lines.push(format!("signed headers: {}", c.signed_headers.join(";")));
                lines.push(format!(
                    "session token:  {}",
                    if c.session_token { "yes" } else { "no" }
                ));
            }
            lines.push(format!(
                "signature:      {}",
                match signature {
                    SignatureCheck::Valid => format!("valid for cluster {cluster:?} (re-signed with your credentials)"),
                    SignatureCheck::Mismatch => "MISMATCH".to_string(),
                    SignatureCheck::Unchecked if failure.is_some() => "not checked".to_string(),
                    SignatureCheck::Unchecked => "not checked: no credentials for this access key here (EKS checks it with STS)".to_string(),
                }
            ));
            output::print_lines(lines)?;
        }
    }
    match failure {
        Some(f) => Err(Error::Failed(format!("token rejected: {f}"))),
        None => {
            output::note(format!("token OK for cluster {cluster:?}"));
            Ok(exit::OK)
        }
    }
}
