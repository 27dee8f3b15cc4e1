//! The report objects as typed structs: what honban writes, and the part of
//! an existing report it compares and sweeps by. Typed rather than
//! `serde_json::Value`: a Value costs ten times its JSON in memory, and a
//! big cluster's reports are read back whole.

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Strings that are mostly the catalogue's (`&'static`), owned when read back.
pub(crate) type Text = Cow<'static, str>;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ObjectReference {
    pub(crate) api_version: String,
    pub(crate) kind: String,
    pub(crate) name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) namespace: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) uid: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Owner {
    pub(crate) api_version: String,
    pub(crate) kind: String,
    pub(crate) name: String,
    pub(crate) uid: String,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Summary {
    #[serde(default)]
    pub(crate) pass: u64,
    #[serde(default)]
    pub(crate) fail: u64,
    #[serde(default)]
    pub(crate) warn: u64,
    #[serde(default)]
    pub(crate) error: u64,
    #[serde(default)]
    pub(crate) skip: u64,
}

#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize)]
pub(crate) struct Timestamp {
    pub(crate) seconds: i64,
    pub(crate) nanos: i64,
}

/// One result. Equal when all but the timestamp are: a run that finds the
/// same thing again does not rewrite it.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct ReportResult {
    #[serde(default)]
    pub(crate) source: Text,
    #[serde(default)]
    pub(crate) policy: Text,
    #[serde(default)]
    pub(crate) rule: Text,
    #[serde(default)]
    pub(crate) category: Text,
    #[serde(default)]
    pub(crate) severity: Text,
    #[serde(default)]
    pub(crate) result: Text,
    #[serde(default)]
    pub(crate) message: Text,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) timestamp: Option<Timestamp>,
    #[serde(default)]
    pub(crate) properties: BTreeMap<Text, Text>,
}

impl PartialEq for ReportResult {
    fn eq(&self, o: &Self) -> bool {
        (
            &self.source,
            &self.policy,
            &self.rule,
            &self.category,
            &self.severity,
            &self.result,
            &self.message,
            &self.properties,
        ) == (
            &o.source,
            &o.policy,
            &o.rule,
            &o.category,
            &o.severity,
            &o.result,
            &o.message,
            &o.properties,
        )
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Metadata {
    pub(crate) name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) namespace: Option<String>,
    /// Read back only: the delete's precondition.
    #[serde(default, skip_serializing)]
    pub(crate) uid: Option<String>,
    #[serde(default)]
    pub(crate) labels: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) owner_references: Vec<Owner>,
}

/// A report of either API, as written or as read back (fields neither
/// compares nor writes, such as managedFields, are not kept).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Report {
    #[serde(default)]
    pub(crate) api_version: String,
    #[serde(default)]
    pub(crate) kind: String,
    pub(crate) metadata: Metadata,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) source: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) scope: Option<ObjectReference>,
    #[serde(default)]
    pub(crate) summary: Summary,
    #[serde(default)]
    pub(crate) results: Vec<ReportResult>,
}

impl Report {
    /// Whether `self`, read back, already says what `new` says: all but the
    /// run id and the results' timestamps.
    pub(crate) fn same_as(&self, new: &Report, managed_by: &str) -> bool {
        self.metadata.labels.get(managed_by) == new.metadata.labels.get(managed_by)
            && self.metadata.owner_references == new.metadata.owner_references
            && self.source == new.source
            && self.scope == new.scope
            && self.summary == new.summary
            && self.results == new.results
    }
}
