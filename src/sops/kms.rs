//! AWS KMS Decrypt of a sops data key, as sops calls it: the key's region
//! from its ARN, its `aws_profile` (else honban's credential chain), its
//! `role` assumed first, its `context` passed as the encryption context.

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde_json::{Map, Value, json};

use super::metadata::KmsKey;
use crate::aws::credentials::{self, RoleRequest};
use crate::aws::rest::{self, Service};

const TIMEOUT: Duration = Duration::from_secs(30);

/// The data key, or why KMS would not give it (no secret in the text).
pub(crate) fn decrypt(key: &KmsKey) -> Result<Vec<u8>, String> {
    let region = region_of(&key.arn).ok_or("not a KMS key ARN")?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    runtime.block_on(call(key, region))
}

/// sops' `^arn:aws[\w-]*:kms:(.+):[0-9]+:(key|alias)/.+$`.
fn region_of(arn: &str) -> Option<&str> {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let [prefix, partition, service, region, account, resource] = parts[..] else {
        return None;
    };
    let ok = prefix == "arn"
        && partition.starts_with("aws")
        && service == "kms"
        && !region.is_empty()
        && !account.is_empty()
        && account.bytes().all(|b| b.is_ascii_digit())
        && (resource.starts_with("key/") || resource.starts_with("alias/"));
    ok.then_some(region)
}

async fn call(key: &KmsKey, region: &str) -> Result<Vec<u8>, String> {
    let mut creds = match &key.aws_profile {
        Some(profile) => credentials::from_profile(profile, region).await,
        None => match credentials::from_env() {
            Some(c) => Ok(c),
            None => credentials::from_default_chain(region).await,
        },
    }
    .map_err(|e| e.to_string())?;
    if let Some(role) = &key.role {
        let request = RoleRequest {
            role_arn: role.clone(),
            session_name: Some("honban-sops".into()),
            ..RoleRequest::default()
        };
        creds = credentials::assume_role(&creds, region, None, &request, |_| {
            Err(crate::error::Error::Failed("no MFA for sops roles".into()))
        })
        .await
        .map_err(|e| e.to_string())?;
    }
    let context: Map<String, Value> = key
        .context
        .iter()
        .map(|(k, v)| (k.clone(), Value::String(v.clone())))
        .collect();
    let mut body = json!({ "CiphertextBlob": key.enc, "KeyId": key.arn });
    if !context.is_empty() {
        body["EncryptionContext"] = Value::Object(context);
    }
    let service = Service {
        name: "kms",
        env_id: "KMS",
        region: region.to_string(),
    };
    let answer = rest::post_json(&service, &creds, "TrentService.Decrypt", &body, TIMEOUT)
        .await
        .map_err(|e| e.to_string())?;
    let plain = answer
        .get("Plaintext")
        .and_then(Value::as_str)
        .and_then(|p| BASE64.decode(p).ok())
        .ok_or("KMS answered without a plaintext")?;
    if plain.len() != 32 {
        return Err("the data key KMS returned is not 32 bytes".into());
    }
    Ok(plain)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_from_arn_as_sops_reads_it() {
        assert_eq!(
            region_of("arn:aws:kms:eu-west-1:123456789012:key/abc"),
            Some("eu-west-1")
        );
        assert_eq!(
            region_of("arn:aws-us-gov:kms:us-gov-west-1:1:alias/x"),
            Some("us-gov-west-1")
        );
        assert_eq!(region_of("arn:aws:s3:::bucket"), None);
        assert_eq!(region_of("key/abc"), None);
    }
}
