//! The check catalogue and the context checks report into. One file per
//! group: reliability, tenancy (namespaces, RBAC, config roll-out), security
//! (with AWS keys and plaintext Secrets in files), health (live state),
//! observability (workloads; monitors; the cluster's agents).

use std::collections::{BTreeMap, HashSet};

use super::index::Index;
use super::object::ObjRef;

mod access;
mod agents;
mod catalog;
mod credentials;
mod health;
mod identity;
mod monitors;
mod observability;
mod plaintext;
mod rbac;
mod reliability;
mod rotated;
mod security;
mod tenancy;

pub use catalog::{CHECKS, CheckInfo};
pub(crate) use catalog::{Category, Mode, Severity, info, select};

/// What a finding is about: an object of the input, or one that is not
/// (a namespace seen only through its objects, a live pod summary).
#[derive(Debug, Clone)]
pub(crate) enum Target {
    Object(usize),
    /// Boxed: findings are many and nearly all about input objects.
    Other(Box<ObjRef>),
}

#[derive(Debug, Clone)]
pub(crate) struct RawFinding {
    pub(crate) check: &'static str,
    pub(crate) target: Target,
    pub(crate) message: String,
    /// Field path inside the object, for file:line.
    pub(crate) path: Option<String>,
    /// The namespace whose score it counts in ([`CLUSTER`] for cluster-scoped).
    pub(crate) scope: String,
}

/// Score key of cluster-scoped objects (not a valid namespace name).
pub(crate) const CLUSTER: &str = "*cluster*";

pub(crate) struct CheckOptions {
    /// Seconds since the epoch (pod-pending ages).
    pub(crate) now: i64,
}

/// The context checks run in: the index, which checks are on, and the sink
/// for findings and evaluation counts (the score's denominator).
pub(crate) struct Cx<'a> {
    pub(crate) index: &'a Index,
    pub(crate) opts: &'a CheckOptions,
    enabled: &'a HashSet<&'static str>,
    pub(crate) findings: Vec<RawFinding>,
    /// Evaluations per namespace ([`CLUSTER`] for cluster-scoped objects).
    pub(crate) evaluations: BTreeMap<String, u32>,
    /// (check, object) pairs evaluated, when tracking is on (conformance).
    pub(crate) evaluated: Option<Vec<(&'static str, Target)>>,
}

impl<'a> Cx<'a> {
    pub(crate) fn new(
        index: &'a Index,
        opts: &'a CheckOptions,
        enabled: &'a HashSet<&'static str>,
    ) -> Self {
        Cx {
            index,
            opts,
            enabled,
            findings: Vec::new(),
            evaluations: BTreeMap::new(),
            evaluated: None,
        }
    }

    fn track(&mut self, check: &'static str, target: Target) {
        if let Some(list) = self.evaluated.as_mut() {
            list.push((check, target));
        }
    }

    /// Records that a check judged a namespace (seen as `target`).
    pub(crate) fn checked_target(&mut self, check: &'static str, scope: &str, target: Target) {
        self.checked(scope);
        self.track(check, target);
    }

    pub(crate) fn on(&self, id: &str) -> bool {
        self.enabled.contains(id)
    }

    /// One check evaluated on one object (or container) of a namespace.
    pub(crate) fn checked(&mut self, namespace: &str) {
        *self.evaluations.entry(namespace.to_string()).or_default() += 1;
    }

    /// The score key of an object: its namespace, or [`CLUSTER`].
    pub(crate) fn scope_of(&self, obj: usize) -> String {
        self.index.objects[obj]
            .namespace
            .clone()
            .unwrap_or_else(|| CLUSTER.to_string())
    }

    pub(crate) fn fail(
        &mut self,
        check: &'static str,
        obj: usize,
        message: String,
        path: Option<String>,
    ) {
        let scope = self.scope_of(obj);
        self.findings.push(RawFinding {
            check,
            target: Target::Object(obj),
            message,
            path,
            scope,
        });
    }

    pub(crate) fn fail_other(&mut self, check: &'static str, target: ObjRef, message: String) {
        let scope = target
            .namespace
            .clone()
            .unwrap_or_else(|| CLUSTER.to_string());
        self.fail_scoped(check, Target::Other(Box::new(target)), scope, message);
    }

    /// A finding that counts in `scope` whatever its object (a namespace's
    /// findings count in that namespace).
    pub(crate) fn fail_scoped(
        &mut self,
        check: &'static str,
        target: Target,
        scope: String,
        message: String,
    ) {
        self.findings.push(RawFinding {
            check,
            target,
            message,
            path: None,
            scope,
        });
    }

    /// Records an evaluation and, when `failed`, a finding.
    pub(crate) fn verdict(
        &mut self,
        check: &'static str,
        obj: usize,
        failed: Option<(String, Option<String>)>,
    ) {
        let scope = self.scope_of(obj);
        self.checked(&scope);
        self.track(check, Target::Object(obj));
        if let Some((message, path)) = failed {
            self.fail(check, obj, message, path);
        }
    }
}

/// Runs every enabled check over the index.
pub(crate) fn run_all<'a>(
    index: &'a Index,
    opts: &'a CheckOptions,
    enabled: &'a HashSet<&'static str>,
    track: bool,
) -> Cx<'a> {
    let mut cx = Cx::new(index, opts, enabled);
    if track {
        cx.evaluated = Some(Vec::new());
    }
    reliability::run(&mut cx);
    tenancy::run(&mut cx);
    rbac::run(&mut cx);
    identity::run(&mut cx);
    security::run(&mut cx);
    credentials::run(&mut cx);
    plaintext::run(&mut cx);
    health::run(&mut cx);
    observability::run(&mut cx);
    monitors::run(&mut cx);
    agents::run(&mut cx);
    cx
}
