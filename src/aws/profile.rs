//! A small reader for the shared AWS config and credentials files.
//!
//! aws-token reads a handful of profile settings itself (region, endpoint
//! switches, role and MFA settings) so the fast path never loads aws-config,
//! and because aws-config does not support `mfa_serial`. Credentials proper are
//! left to aws-config.

use std::collections::HashMap;
use std::path::PathBuf;

use crate::kubeconfig::home_dir;

#[derive(Debug, Default, Clone)]
pub(crate) struct Profiles {
    /// `[default]` / `[profile NAME]` sections of the config file.
    config: HashMap<String, HashMap<String, String>>,
    /// `[NAME]` sections of the credentials file.
    credentials: HashMap<String, HashMap<String, String>>,
}

pub(crate) fn config_path() -> PathBuf {
    std::env::var_os("AWS_CONFIG_FILE")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| home_dir().join(".aws").join("config"))
}

pub(crate) fn credentials_path() -> PathBuf {
    std::env::var_os("AWS_SHARED_CREDENTIALS_FILE")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| home_dir().join(".aws").join("credentials"))
}

/// The profile in effect: `--profile`, else `AWS_PROFILE`, else `default`.
pub(crate) fn selected(flag: Option<&str>) -> String {
    flag.map(str::to_string)
        .or_else(|| env_nonempty("AWS_PROFILE"))
        .or_else(|| env_nonempty("AWS_DEFAULT_PROFILE"))
        .unwrap_or_else(|| "default".to_string())
}

pub(crate) fn env_nonempty(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

impl Profiles {
    pub(crate) fn load() -> Profiles {
        let read = |p: PathBuf| std::fs::read_to_string(p).unwrap_or_default();
        Profiles {
            config: parse(&read(config_path()), true),
            credentials: parse(&read(credentials_path()), false),
        }
    }

    #[cfg(test)]
    pub(crate) fn from_text(config: &str, credentials: &str) -> Profiles {
        Profiles {
            config: parse(config, true),
            credentials: parse(credentials, false),
        }
    }

    /// A setting of a profile: the config file first, then the credentials file.
    pub(crate) fn get(&self, profile: &str, key: &str) -> Option<&str> {
        self.config
            .get(profile)
            .and_then(|s| s.get(key))
            .or_else(|| self.credentials.get(profile).and_then(|s| s.get(key)))
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    /// Every profile name, sorted.
    pub(crate) fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .config
            .keys()
            .chain(self.credentials.keys())
            .cloned()
            .collect();
        names.sort();
        names.dedup();
        names
    }

    /// Whether either file has a section for the profile.
    pub(crate) fn exists(&self, profile: &str) -> bool {
        self.config.contains_key(profile) || self.credentials.contains_key(profile)
    }

    pub(crate) fn flag(&self, profile: &str, key: &str) -> Option<bool> {
        self.get(profile, key).and_then(parse_bool)
    }
}

pub(crate) fn parse_bool(value: &str) -> Option<bool> {
    match value.trim().to_ascii_lowercase().as_str() {
        "true" => Some(true),
        "false" => Some(false),
        _ => None,
    }
}

/// INI as the AWS tools read it: `#`/`;` comments, `key = value`, and indented
/// sub-settings under a key with an empty value (ignored here).
fn parse(text: &str, config_file: bool) -> HashMap<String, HashMap<String, String>> {
    let mut out: HashMap<String, HashMap<String, String>> = HashMap::new();
    let mut current: Option<String> = None;
    let mut nested = false;
    for raw in text.lines() {
        let line = raw.trim_end();
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') || trimmed.starts_with(';') {
            continue;
        }
        if let Some(header) = trimmed.strip_prefix('[') {
            let Some(header) = header.split(']').next() else {
                continue;
            };
            let header = header.trim();
            current = if config_file {
                match header.strip_prefix("profile ") {
                    Some(name) => Some(name.trim().to_string()),
                    None if header == "default" => Some("default".to_string()),
                    // `[sso-session x]`, `[services x]` and bare names are not profiles.
                    None => None,
                }
            } else {
                Some(header.to_string())
            };
            if let Some(name) = &current {
                out.entry(name.clone()).or_default();
            }
            nested = false;
            continue;
        }
        let indented = line.starts_with([' ', '\t']);
        if indented && nested {
            continue;
        }
        let Some(section) = current.as_ref() else {
            continue;
        };
        let Some((key, value)) = trimmed.split_once('=') else {
            continue;
        };
        let key = key.trim().to_ascii_lowercase();
        let value = value.trim();
        // A comment after a value starts with whitespace and `#` or `;`.
        let value = value
            .find(" #")
            .or_else(|| value.find(" ;"))
            .or_else(|| value.find("\t#"))
            .map(|i| value[..i].trim_end())
            .unwrap_or(value);
        nested = value.is_empty();
        if let Some(s) = out.get_mut(section) {
            s.insert(key, value.to_string());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_profiles_from_both_files() {
        let p = Profiles::from_text(
            "[default]\nregion = eu-west-1\n\n[profile prod] # main\nrole_arn=arn:aws:iam::1:role/r\nmfa_serial = arn:aws:iam::1:mfa/me ; mine\ns3 =\n  region = ignored\nsource_profile = base\n[sso-session corp]\nregion = x\n",
            "[base]\naws_access_key_id = AKID\nregion = us-west-2\n",
        );
        assert_eq!(p.get("default", "region"), Some("eu-west-1"));
        assert_eq!(p.get("prod", "role_arn"), Some("arn:aws:iam::1:role/r"));
        assert_eq!(p.get("prod", "mfa_serial"), Some("arn:aws:iam::1:mfa/me"));
        assert_eq!(p.get("prod", "region"), None);
        assert_eq!(p.get("prod", "source_profile"), Some("base"));
        assert_eq!(p.get("base", "region"), Some("us-west-2"));
        assert!(!p.exists("corp"));
    }
}
