//! Labels and annotations one capability writes and another reads as data,
//! named once here so neither imports the other.

/// What `kubectl rotate-secret` puts on each version it creates; `kubectl
/// audit` reads them to tell versions kept for rollback from clutter.
pub mod rotate {
    pub const LABEL_MANAGED_BY: &str = "app.kubernetes.io/managed-by";
    /// The value of [`LABEL_MANAGED_BY`] on a version.
    pub const MANAGED_BY: &str = "kubectl-rotate-secret";
    /// The base name (hashed when longer than a label value may be).
    pub const LABEL_BASE: &str = "rotate.honban.io/base";
    /// A creation counter: 1, 2, 3, … (the unversioned original is 0).
    pub const LABEL_REVISION: &str = "rotate.honban.io/revision";
    /// The full base name.
    pub const ANN_BASE: &str = "rotate.honban.io/base";
    /// How many newest versions `prune` keeps by default, for rollback.
    pub const DEFAULT_KEEP: usize = 5;
}

/// What `kubectl publish` puts on each object it makes; `unpublish` and the
/// completion of published names find them by these.
pub mod publish {
    pub const MANAGED_BY_LABEL: &str = "app.kubernetes.io/managed-by";
    /// The value of [`MANAGED_BY_LABEL`] on what publish made.
    pub const MANAGED_BY: &str = "kubectl-publish";
    /// The publication's name.
    pub const NAME_LABEL: &str = "publish.honban.io/name";
}
