//! Which holder kinds a user can see. Argo Rollouts is an add-on: its kind
//! is searched only when discovery says the cluster serves it, so a cluster
//! without it needs no permission on it. Where it is served but this user
//! may not list it, read-only commands name it in a "not checked" line and
//! go on; a switch or prune refuses, because a Rollout it cannot see may
//! use the object.

use kube::Client;

use super::kinds::HolderKind;
use super::refs::Holder;
use crate::error::{Error, Result};
use crate::output::{self, ColorChoice, Palette};

impl HolderKind {
    /// Kinds from an add-on that a cluster may not have.
    pub(crate) fn is_optional(self) -> bool {
        self == HolderKind::Rollout
    }
}

/// Whether the API server serves this kind; built-in kinds always are.
pub(crate) async fn served(
    client: &Client,
    kind: HolderKind,
) -> std::result::Result<bool, kube::Error> {
    if !kind.is_optional() {
        return Ok(true);
    }
    let ar = kind.api_resource();
    match client.list_api_group_resources(&ar.api_version).await {
        Ok(list) => Ok(list.resources.iter().any(|r| r.name == ar.plural)),
        Err(kube::Error::Api(s)) if s.code == 404 => Ok(false),
        Err(e) => Err(e),
    }
}

/// A kind that may reference the target but could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NotChecked {
    pub(crate) kind: HolderKind,
    pub(crate) namespace: String,
}

impl NotChecked {
    /// `rollouts.argoproj.io`, as RBAC rules and kubectl name it.
    fn resource(&self) -> String {
        let ar = self.kind.api_resource();
        if ar.group.is_empty() {
            ar.plural
        } else {
            format!("{}.{}", ar.plural, ar.group)
        }
    }

    /// The line a read-only command prints before going on.
    pub(crate) fn line(&self) -> String {
        format!(
            "not checked: {} (list is forbidden in namespace {}); grant list on {} to include them",
            self.kind.resource(),
            self.namespace,
            self.resource()
        )
    }
}

/// The objects that reference the target, and the kinds that could not be read.
#[derive(Debug, Default)]
pub(crate) struct Holders {
    pub(crate) found: Vec<Holder>,
    pub(crate) not_checked: Vec<NotChecked>,
}

impl Holders {
    /// Read-only views go on without the kinds they could not read, and say so.
    pub(crate) fn warn_unchecked(self, color: ColorChoice) -> Vec<Holder> {
        let palette = Palette::for_stderr(color);
        for n in &self.not_checked {
            output::warn(palette, n.line());
        }
        self.found
    }

    /// Every holder kind was read, or a command that would change the
    /// cluster stops here, before any write, naming the permission to grant
    /// (`verbs`: what the command would do with that kind).
    pub(crate) fn require_all(
        self,
        context: &str,
        action: &str,
        verbs: &str,
    ) -> Result<Vec<Holder>> {
        let Some(n) = self.not_checked.first() else {
            return Ok(self.found);
        };
        let kind = n.kind.api_resource().kind;
        Err(Error::Api {
            context: context.to_string(),
            message: format!(
                "cannot {action}: list on {res} is forbidden in namespace {ns}, and a {kind} there may use it; nothing was changed. Grant {verbs} on {res} in {ns}, then run the command again",
                res = n.resource(),
                ns = n.namespace,
            ),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_add_on_kinds_are_optional() {
        assert!(HolderKind::Rollout.is_optional());
        assert!(!HolderKind::Deployment.is_optional());
        assert!(!HolderKind::Ingress.is_optional());
    }

    #[test]
    fn a_switch_refuses_naming_the_kind_and_the_permission() {
        let n = NotChecked {
            kind: HolderKind::Rollout,
            namespace: "shop".into(),
        };
        assert_eq!(
            n.line(),
            "not checked: rollout.argoproj.io (list is forbidden in namespace shop); grant list on rollouts.argoproj.io to include them"
        );
        let holders = Holders {
            found: Vec::new(),
            not_checked: vec![n],
        };
        let err = holders
            .require_all("prod", "switch secret/app", "list and patch")
            .unwrap_err();
        let msg = err.to_string();
        assert!(msg.starts_with("prod: cannot switch secret/app: list on rollouts.argoproj.io is forbidden in namespace shop, and a Rollout there may use it"), "{msg}");
        assert!(
            msg.contains("Grant list and patch on rollouts.argoproj.io in shop"),
            "{msg}"
        );
        assert!(Holders::default().require_all("prod", "x", "list").is_ok());
    }
}
