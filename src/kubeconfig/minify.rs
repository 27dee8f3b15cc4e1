//! One-context copies of the merged view: a context with its cluster and user,
//! for building a client and for per-shell files. Every relative path is made
//! absolute against the file that defined it, so the copy works from anywhere.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use super::Kubeconfig;
use crate::error::{Error, Result};

/// The entries a copy is made of: kubectl's `--context`, `--cluster` and `--user`.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Selection<'a> {
    /// The context; `None` when there is none and flags name the server.
    pub(crate) context: Option<&'a str>,
    /// This cluster entry instead of the context's; it must exist.
    pub(crate) cluster: Option<&'a str>,
    /// This user entry instead of the context's; it must exist.
    pub(crate) user: Option<&'a str>,
}

impl Kubeconfig {
    /// A one-context kubeconfig with the context's cluster and user.
    pub fn minify(&self, context: &str) -> Result<Value> {
        let selection = Selection {
            context: Some(context),
            ..Selection::default()
        };
        self.minify_selected(selection, context)
    }

    /// A one-context kubeconfig, its context named `name`, made of the
    /// selected entries. As in kubectl, a cluster or user the context names
    /// but no file defines is left out (the client then says what is
    /// missing), while one named by a flag must exist.
    pub(crate) fn minify_selected(&self, selection: Selection, name: &str) -> Result<Value> {
        let (mut ctx_value, ctx_cluster, ctx_user) = match selection.context {
            Some(context) => {
                let info = self.require_context(context)?;
                let item = self.named(info.file, "contexts")[info.index].1;
                let doc = &self.files[info.file].doc;
                let value = doc
                    .get(item, "context")
                    .map(|c| doc.to_json(c))
                    .filter(Value::is_object)
                    .unwrap_or(json!({}));
                (value, info.cluster, info.user)
            }
            None => (json!({}), None, None),
        };
        self.check_all()?;
        if let Some(cluster) = selection.cluster {
            if self.find_named("clusters", cluster).is_none() {
                return Err(Error::ClusterNotFound(cluster.to_string()));
            }
            ctx_value["cluster"] = json!(cluster);
        }
        if let Some(user) = selection.user {
            if self.find_named("users", user).is_none() {
                return Err(Error::UserNotFound(user.to_string()));
            }
            ctx_value["user"] = json!(user);
        }
        let cluster = selection.cluster.map(str::to_string).or(ctx_cluster);
        let user = selection.user.map(str::to_string).or(ctx_user);
        let mut out = json!({
            "apiVersion": "v1",
            "kind": "Config",
            "current-context": name,
            "contexts": [{"name": name, "context": ctx_value}],
            "clusters": [],
            "users": [],
            "preferences": {},
        });
        if let Some(cluster) = &cluster
            && let Some((fi, item)) = self.find_named("clusters", cluster)
        {
            let doc = &self.files[fi].doc;
            let mut value = doc
                .get(item, "cluster")
                .map(|c| doc.to_json(c))
                .unwrap_or(json!({}));
            absolutize(&mut value, &["certificate-authority"], self.dir_of(fi));
            out["clusters"] = json!([{"name": cluster, "cluster": value}]);
        }
        if let Some(user) = &user
            && let Some((fi, item)) = self.find_named("users", user)
        {
            let doc = &self.files[fi].doc;
            let mut value = doc
                .get(item, "user")
                .map(|c| doc.to_json(c))
                .unwrap_or(json!({}));
            let dir = self.dir_of(fi);
            absolutize(
                &mut value,
                &["client-certificate", "client-key", "tokenFile"],
                dir.clone(),
            );
            if let Some(cmd) = value.pointer_mut("/exec/command")
                && let Some(s) = cmd.as_str()
                && s.contains('/')
                && !Path::new(s).is_absolute()
            {
                *cmd = Value::String(dir.join(s).to_string_lossy().into_owned());
            }
            out["users"] = json!([{"name": user, "user": value}]);
        }
        Ok(out)
    }

    /// The names in a list (`clusters`, `users`) of the merged view, first
    /// definition first, each once.
    pub(crate) fn entry_names(&self, list: &str) -> Vec<String> {
        let mut seen = HashSet::new();
        (0..self.files.len())
            .flat_map(|fi| self.named(fi, list))
            .filter(|(name, _)| seen.insert(*name))
            .map(|(name, _)| name.to_string())
            .collect()
    }

    fn dir_of(&self, file: usize) -> PathBuf {
        let path = &self.files[file].path;
        let abs = if path.is_absolute() {
            path.clone()
        } else {
            std::env::current_dir().unwrap_or_default().join(path)
        };
        abs.parent().map(Path::to_path_buf).unwrap_or_default()
    }
}

fn absolutize(value: &mut Value, keys: &[&str], dir: PathBuf) {
    for key in keys {
        if let Some(v) = value.get_mut(*key)
            && let Some(s) = v.as_str()
            && !s.is_empty()
            && !Path::new(s).is_absolute()
        {
            *v = Value::String(dir.join(s).to_string_lossy().into_owned());
        }
    }
}
