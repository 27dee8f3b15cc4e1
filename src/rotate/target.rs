//! The object a command names: `secret/app` or `configmap/app`, and which
//! names belong to its family (the base and its `BASE-<hash>` versions).

use super::hash;
use crate::error::{Error, Result};

/// Secret or ConfigMap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum TargetKind {
    Secret,
    ConfigMap,
}

impl TargetKind {
    /// kubectl's resource name, as in `secret/app`.
    pub(crate) fn resource(self) -> &'static str {
        match self {
            TargetKind::Secret => "secret",
            TargetKind::ConfigMap => "configmap",
        }
    }

    pub(crate) fn kind(self) -> &'static str {
        match self {
            TargetKind::Secret => "Secret",
            TargetKind::ConfigMap => "ConfigMap",
        }
    }
}

/// The logical object being versioned: `secret/app` or `configmap/app`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Target {
    pub(crate) kind: TargetKind,
    pub(crate) base: String,
}

/// Longest base name that still leaves room for `-<10 chars>` in 253.
pub(crate) const MAX_BASE_LEN: usize = 253 - 11;

impl Target {
    /// Parses `app`, `secret/app` or `configmap/app` (also `secrets/`, `cm/`).
    pub(crate) fn parse(s: &str) -> Result<Target> {
        let (kind, base) = match s.split_once('/') {
            None => (TargetKind::Secret, s),
            Some(("secret" | "secrets", b)) => (TargetKind::Secret, b),
            Some(("configmap" | "configmaps" | "cm", b)) => (TargetKind::ConfigMap, b),
            Some((other, _)) => {
                return Err(Error::Usage(format!(
                    "cannot rotate a {other:?}; name a secret/NAME or configmap/NAME"
                )));
            }
        };
        if !is_dns_subdomain(base) {
            return Err(Error::Usage(format!(
                "{base:?} is not a valid object name (lowercase letters, digits, '-' and '.')"
            )));
        }
        if base.len() > MAX_BASE_LEN {
            return Err(Error::Usage(format!(
                "name {base:?} is {} characters; a versioned name adds 11, so the base may have at most {MAX_BASE_LEN}",
                base.len()
            )));
        }
        Ok(Target {
            kind,
            base: base.to_string(),
        })
    }

    /// `secret/app`.
    pub(crate) fn display(&self) -> String {
        format!("{}/{}", self.kind.resource(), self.base)
    }

    pub(crate) fn version_name(&self, suffix: &str) -> String {
        format!("{}-{suffix}", self.base)
    }

    /// True for the base name or `BASE-<hash>` (a version made here or by kustomize).
    pub(crate) fn is_family_name(&self, name: &str) -> bool {
        name == self.base || self.is_version_name(name)
    }

    pub(crate) fn is_version_name(&self, name: &str) -> bool {
        name.strip_prefix(self.base.as_str())
            .and_then(|rest| rest.strip_prefix('-'))
            .is_some_and(hash::looks_like_suffix)
    }
}

fn is_dns_subdomain(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 253
        && s.split('.').all(|label| {
            !label.is_empty()
                && label
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets() {
        assert_eq!(Target::parse("app").unwrap().kind, TargetKind::Secret);
        assert_eq!(
            Target::parse("cm/app").unwrap(),
            Target {
                kind: TargetKind::ConfigMap,
                base: "app".into()
            }
        );
        assert_eq!(Target::parse("secrets/db.prod").unwrap().base, "db.prod");
        assert!(Target::parse("deployment/app").is_err());
        assert!(Target::parse("App").is_err());
        assert!(Target::parse("").is_err());
        assert!(Target::parse(&"a".repeat(243)).is_err());
        assert!(Target::parse(&"a".repeat(242)).is_ok());
    }

    #[test]
    fn family_names() {
        let t = Target::parse("app").unwrap();
        assert!(t.is_family_name("app"));
        assert!(t.is_family_name("app-h8mdbf6h8f"));
        assert!(!t.is_family_name("app-config"));
        assert!(!t.is_family_name("app-h8mdbf6h8f-x"));
        assert!(!t.is_family_name("apps-h8mdbf6h8f"));
    }
}
