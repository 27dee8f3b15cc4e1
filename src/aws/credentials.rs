//! Where signing credentials come from.
//!
//! - The fast path: `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY` (+ session token)
//!   read straight from the environment; no SDK code runs.
//! - `--profile NAME`: that profile only (static keys, SSO, credential_process,
//!   role chains), through aws-config's profile provider.
//! - Otherwise aws-config's default chain: profile, web identity, ECS, IMDS.
//!   The region is always passed in, so aws-config never probes IMDS for one.
//! - Roles: STS AssumeRole through aws-sdk-sts, also for profiles with
//!   `mfa_serial`, which aws-config does not support: the code is prompted on
//!   stderr when kubectl allows interaction.

use std::fmt;
use std::io::{BufRead, IsTerminal, Write};

use aws_config::Region;
use aws_config::provider_config::ProviderConfig;
use aws_credential_types::Credentials;
use aws_credential_types::provider::ProvideCredentials;
use aws_credential_types::provider::error::CredentialsError;
use aws_sdk_sts::config::BehaviorVersion;
use aws_sdk_sts::error::{DisplayErrorContext, ProvideErrorMetadata};

use super::profile::{Profiles, env_nonempty};
use super::time;
use crate::error::{Error, Result};

/// Credentials used to sign. The secret never appears in `Debug` output.
#[derive(Clone)]
pub(crate) struct SigningCredentials {
    pub(crate) access_key_id: String,
    pub(crate) secret_access_key: String,
    pub(crate) session_token: Option<String>,
    /// When the credentials stop working (seconds since the epoch), if they do.
    pub(crate) expires_at: Option<i64>,
    /// Where they came from, for messages: `environment`, `profile prod`, `role …`.
    pub(crate) source: String,
}

impl fmt::Debug for SigningCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningCredentials")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"** redacted **")
            .field(
                "session_token",
                &self.session_token.as_ref().map(|_| "** redacted **"),
            )
            .field("expires_at", &self.expires_at)
            .field("source", &self.source)
            .finish()
    }
}

impl SigningCredentials {
    pub(crate) fn to_sdk(&self) -> Credentials {
        Credentials::new(
            &self.access_key_id,
            &self.secret_access_key,
            self.session_token.clone(),
            self.expires_at.map(time::to_system),
            "honban",
        )
    }
}

/// Default `RoleSessionName` (CloudTrail shows it).
pub(crate) const DEFAULT_SESSION_NAME: &str = "honban-aws-token";

/// Static credentials in the environment, when both keys are set.
pub(crate) fn from_env() -> Option<SigningCredentials> {
    let access_key_id = env_nonempty("AWS_ACCESS_KEY_ID")?;
    let secret_access_key = env_nonempty("AWS_SECRET_ACCESS_KEY")?;
    let session_token =
        env_nonempty("AWS_SESSION_TOKEN").or_else(|| env_nonempty("AWS_SECURITY_TOKEN"));
    let expires_at =
        env_nonempty("AWS_CREDENTIAL_EXPIRATION").and_then(|s| time::parse_rfc3339(&s));
    Some(SigningCredentials {
        access_key_id: access_key_id.trim().to_string(),
        secret_access_key: secret_access_key.trim().to_string(),
        session_token,
        expires_at,
        source: "the environment".to_string(),
    })
}

fn one_line(text: impl std::fmt::Display) -> String {
    text.to_string()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Why a credentials provider gave nothing, on one line: the error and its
/// causes, without the chain's list of attempts or the Debug form that
/// `DisplayErrorContext` ends with (a screenful of struct syntax).
pub(crate) fn provider_cause(e: &CredentialsError) -> String {
    let text = one_line(DisplayErrorContext(e));
    let end = [
        ". Attempted",
        " (CredentialsNotLoaded",
        " (ProviderTimedOut",
        " (InvalidConfiguration",
        " (ProviderError",
        " (Unhandled",
    ]
    .iter()
    .filter_map(|m| text.find(m))
    .min()
    .unwrap_or(text.len());
    text[..end].to_string()
}

fn convert(c: aws_credential_types::Credentials, source: String) -> SigningCredentials {
    SigningCredentials {
        access_key_id: c.access_key_id().to_string(),
        secret_access_key: c.secret_access_key().to_string(),
        session_token: c.session_token().map(str::to_string),
        expires_at: c.expiry().map(time::to_unix),
        source,
    }
}

/// Credentials of one named profile (`--profile`), via aws-config.
pub(crate) async fn from_profile(profile: &str, region: &str) -> Result<SigningCredentials> {
    let conf = ProviderConfig::default().with_region(Some(Region::new(region.to_string())));
    let provider = aws_config::profile::ProfileFileCredentialsProvider::builder()
        .profile_name(profile)
        .configure(&conf)
        .build();
    let creds = provider.provide_credentials().await.map_err(|e| {
        if !Profiles::load().exists(profile) {
            return Error::Failed(format!(
                "no AWS profile {profile:?} in {} or {}; check the name (`aws configure list-profiles` lists them)",
                super::profile::config_path().display(),
                super::profile::credentials_path().display()
            ));
        }
        Error::Failed(format!(
            "no AWS credentials from profile {profile:?}: {}; check ~/.aws/config (or run `aws sso login --profile {profile}`)",
            provider_cause(&e)
        ))
    })?;
    Ok(convert(creds, format!("profile {profile}")))
}

/// Credentials from aws-config's default chain (no `--profile`, no env keys).
pub(crate) async fn from_default_chain(region: &str) -> Result<SigningCredentials> {
    let chain = aws_config::default_provider::credentials::DefaultCredentialsChain::builder()
        .region(Region::new(region.to_string()))
        .build()
        .await;
    let creds = chain.provide_credentials().await.map_err(|e| {
        Error::Failed(format!(
            "no AWS credentials found: {}; set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or pass --profile",
            provider_cause(&e)
        ))
    })?;
    Ok(convert(creds, "the default credential chain".to_string()))
}

/// Credentials from a profile's `credential_source` (for MFA role profiles).
pub(crate) async fn from_credential_source(
    source: &str,
    region: &str,
) -> Result<SigningCredentials> {
    let conf = ProviderConfig::default().with_region(Some(Region::new(region.to_string())));
    let creds = match source {
        "Environment" => {
            return from_env().ok_or_else(|| {
                Error::Failed(
                    "credential_source = Environment, but AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY are not set".into(),
                )
            });
        }
        "Ec2InstanceMetadata" => {
            aws_config::imds::credentials::ImdsCredentialsProvider::builder()
                .configure(&conf)
                .build()
                .provide_credentials()
                .await
        }
        "EcsContainer" => {
            aws_config::ecs::EcsCredentialsProvider::builder()
                .configure(&conf)
                .build()
                .provide_credentials()
                .await
        }
        other => {
            return Err(Error::Failed(format!(
                "unknown credential_source {other:?}; use Environment, Ec2InstanceMetadata or EcsContainer"
            )));
        }
    };
    let creds = creds.map_err(|e| {
        Error::Failed(format!(
            "no credentials from credential_source {source}: {}",
            provider_cause(&e)
        ))
    })?;
    Ok(convert(creds, format!("credential_source {source}")))
}

/// An STS client signing with fixed credentials; `endpoint` overrides the URL
/// (`--sts-endpoint`, else `AWS_ENDPOINT_URL_STS`/`AWS_ENDPOINT_URL`).
fn sts_client(
    base: &SigningCredentials,
    region: &str,
    endpoint: Option<&str>,
) -> aws_sdk_sts::Client {
    let endpoint = endpoint
        .map(str::to_string)
        .or_else(|| env_nonempty("AWS_ENDPOINT_URL_STS"))
        .or_else(|| env_nonempty("AWS_ENDPOINT_URL"));
    let mut conf = aws_sdk_sts::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(region.to_string()))
        .credentials_provider(base.to_sdk());
    conf.set_endpoint_url(endpoint);
    let conf = conf.build();
    aws_sdk_sts::Client::from_conf(conf)
}

fn sts_error<E, R>(what: &str, e: aws_sdk_sts::error::SdkError<E, R>) -> Error
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    let detail = match e.as_service_error() {
        Some(service) => format!(
            "{}: {}",
            service.code().unwrap_or("error"),
            service.message().unwrap_or("no message")
        ),
        None => one_line(DisplayErrorContext(&e)),
    };
    Error::Failed(format!("STS {what} failed: {detail}"))
}

/// What to ask STS AssumeRole for.
#[derive(Debug, Clone, Default)]
pub(crate) struct RoleRequest {
    pub(crate) role_arn: String,
    pub(crate) external_id: Option<String>,
    pub(crate) session_name: Option<String>,
    /// `--forward-session-name`: reuse the caller's own role session name.
    pub(crate) forward_session_name: bool,
    pub(crate) duration_secs: Option<i32>,
    pub(crate) mfa_serial: Option<String>,
}

/// Assumes a role with `base`. `mfa_code` is asked for only when the request has a serial.
pub(crate) async fn assume_role(
    base: &SigningCredentials,
    region: &str,
    endpoint: Option<&str>,
    request: &RoleRequest,
    mfa_code: impl FnOnce(&str) -> Result<String>,
) -> Result<SigningCredentials> {
    let client = sts_client(base, region, endpoint);
    let mut session_name = request
        .session_name
        .clone()
        .unwrap_or_else(|| DEFAULT_SESSION_NAME.to_string());
    if request.forward_session_name {
        let me = client
            .get_caller_identity()
            .send()
            .await
            .map_err(|e| sts_error("GetCallerIdentity", e))?;
        // An assumed role's UserId is `AROA…:<session name>`; a user has none to forward.
        match me
            .user_id()
            .and_then(|id| id.split_once(':'))
            .map(|(_, s)| s)
        {
            Some(name) if !name.is_empty() => session_name = name.to_string(),
            _ => {
                return Err(Error::Failed(format!(
                    "--forward-session-name: the caller ({}) is not an assumed role, so it has no session name to forward; use --session-name",
                    me.arn().unwrap_or("unknown")
                )));
            }
        }
    }
    let token_code = match &request.mfa_serial {
        Some(serial) => Some(mfa_code(serial)?),
        None => None,
    };
    let out = client
        .assume_role()
        .role_arn(&request.role_arn)
        .role_session_name(session_name)
        .set_external_id(request.external_id.clone())
        .set_duration_seconds(request.duration_secs)
        .set_serial_number(request.mfa_serial.clone())
        .set_token_code(token_code)
        .send()
        .await
        .map_err(|e| sts_error(&format!("AssumeRole {}", request.role_arn), e))?;
    let c = out.credentials().ok_or_else(|| {
        Error::Failed(format!(
            "STS AssumeRole {} returned no credentials",
            request.role_arn
        ))
    })?;
    Ok(SigningCredentials {
        access_key_id: c.access_key_id().to_string(),
        secret_access_key: c.secret_access_key().to_string(),
        session_token: Some(c.session_token().to_string()),
        expires_at: Some(c.expiration().secs()),
        source: format!("role {}", request.role_arn),
    })
}

/// A profile that assumes a role with MFA, which aws-config cannot do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct MfaProfile {
    pub(crate) role_arn: String,
    pub(crate) mfa_serial: String,
    pub(crate) source_profile: Option<String>,
    pub(crate) credential_source: Option<String>,
    pub(crate) external_id: Option<String>,
    pub(crate) session_name: Option<String>,
    pub(crate) duration_secs: Option<i32>,
}

pub(crate) fn mfa_profile(profiles: &Profiles, profile: &str) -> Option<MfaProfile> {
    let role_arn = profiles.get(profile, "role_arn")?.to_string();
    let mfa_serial = profiles.get(profile, "mfa_serial")?.to_string();
    Some(MfaProfile {
        role_arn,
        mfa_serial,
        source_profile: profiles.get(profile, "source_profile").map(str::to_string),
        credential_source: profiles
            .get(profile, "credential_source")
            .map(str::to_string),
        external_id: profiles.get(profile, "external_id").map(str::to_string),
        session_name: profiles
            .get(profile, "role_session_name")
            .map(str::to_string),
        duration_secs: profiles
            .get(profile, "duration_seconds")
            .and_then(|s| s.parse().ok()),
    })
}

/// Reads an MFA code from stdin after a prompt on stderr, when allowed.
pub(crate) fn prompt_mfa(serial: &str, interactive: bool) -> Result<String> {
    if !interactive {
        return Err(Error::Failed(format!(
            "an MFA code for {serial} is needed but this run cannot prompt (kubectl ran the plugin non-interactively); run `kubectl aws-token` with the same flags in a terminal once to cache the session, or set interactiveMode: IfAvailable in the kubeconfig"
        )));
    }
    let mut err = std::io::stderr();
    let _ = write!(err, "Enter MFA code for {serial}: ");
    let _ = err.flush();
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| Error::Failed(format!("cannot read the MFA code: {e}")))?;
    let code = line.trim().to_string();
    if code.len() < 6 || code.len() > 8 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Error::Usage(
            "an MFA code is 6 to 8 digits; run again and type the current code".into(),
        ));
    }
    Ok(code)
}

/// Whether prompting is possible: kubectl's `spec.interactive`, else a terminal on stdin.
pub(crate) fn interactive(exec_interactive: Option<bool>) -> bool {
    exec_interactive.unwrap_or_else(|| std::io::stdin().is_terminal())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mfa_profile_needs_role_and_serial() {
        let p = Profiles::from_text(
            "[profile admin]\nrole_arn = arn:aws:iam::1:role/admin\nmfa_serial = arn:aws:iam::1:mfa/me\nsource_profile = base\nduration_seconds = 3600\n[profile plain]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = base\n",
            "",
        );
        let m = mfa_profile(&p, "admin").unwrap();
        assert_eq!(m.role_arn, "arn:aws:iam::1:role/admin");
        assert_eq!(m.source_profile.as_deref(), Some("base"));
        assert_eq!(m.duration_secs, Some(3600));
        assert!(mfa_profile(&p, "plain").is_none());
    }

    #[test]
    fn non_interactive_mfa_says_what_to_do() {
        let e = prompt_mfa("arn:aws:iam::1:mfa/me", false).unwrap_err();
        assert!(e.to_string().contains("in a terminal once"), "{e}");
    }

    #[test]
    fn debug_redacts_secrets() {
        let creds = SigningCredentials {
            access_key_id: "AKIDEXAMPLE".into(),
            secret_access_key: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY".into(),
            session_token: Some("session-secret".into()),
            expires_at: None,
            source: "test".into(),
        };
        let text = format!("{creds:?}");
        assert!(!text.contains("EXAMPLEKEY"));
        assert!(!text.contains("session-secret"));
    }
}
