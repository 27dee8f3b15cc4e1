//! One Kubernetes object as the checks see it: its JSON value, identity and,
//! for files, where it came from.

use std::sync::Arc;

use serde::Serialize;
use serde_json::{Map, Value};

use super::yaml::LineMap;

/// Where an object was read from (offline mode).
#[derive(Debug, Clone)]
pub(crate) struct Source {
    /// Path as the user gave it (or `-` for stdin), relative where possible.
    pub(crate) file: Arc<str>,
    pub(crate) line: u32,
    pub(crate) lines: Arc<LineMap>,
    /// Path prefix of this object inside its document (`items[3].` for a List item).
    pub(crate) prefix: Arc<str>,
}

impl Source {
    /// The line of a field path inside the object, or the object's own line.
    pub(crate) fn line_of(&self, path: Option<&str>) -> u32 {
        match path {
            Some(p) if !p.is_empty() => {
                let full = format!("{}{p}", self.prefix);
                self.lines
                    .line_of(&full)
                    .filter(|l| *l >= self.line)
                    .unwrap_or(self.line)
            }
            _ => self.line,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ObjRef {
    pub(crate) api_version: String,
    pub kind: String,
    pub namespace: Option<String>,
    pub name: String,
}

impl ObjRef {
    /// The cluster itself: what cluster-wide findings, and the kinds a run
    /// over every namespace could not read, are about.
    pub(crate) fn cluster() -> ObjRef {
        ObjRef {
            api_version: "v1".into(),
            kind: "Cluster".into(),
            namespace: None,
            name: "(cluster)".into(),
        }
    }

    /// The namespace a finding is shown under: a Namespace's own name.
    pub(crate) fn display_namespace(&self) -> Option<&str> {
        if self.kind == "Namespace" {
            Some(self.name.as_str())
        } else {
            self.namespace.as_deref()
        }
    }
}

#[derive(Debug)]
pub(crate) struct Object {
    pub(crate) value: Value,
    pub(crate) api_version: String,
    pub(crate) kind: String,
    /// `None` for cluster-scoped kinds. Offline, an object without a namespace
    /// gets `-n`'s value, or "" (unset: it lands wherever it is applied).
    pub(crate) namespace: Option<String>,
    pub(crate) name: String,
    pub(crate) source: Option<Source>,
}

impl Object {
    pub(crate) fn new(
        value: Value,
        default_namespace: &str,
        source: Option<Source>,
    ) -> Option<Object> {
        let kind = value.get("kind")?.as_str()?.to_string();
        let api_version = str_at(&value, &["apiVersion"]).unwrap_or("").to_string();
        let name = str_at(&value, &["metadata", "name"])
            .or_else(|| str_at(&value, &["metadata", "generateName"]))
            .unwrap_or("")
            .to_string();
        let namespace = if is_cluster_scoped(&kind) {
            None
        } else {
            Some(
                str_at(&value, &["metadata", "namespace"])
                    .filter(|s| !s.is_empty())
                    .unwrap_or(default_namespace)
                    .to_string(),
            )
        };
        Some(Object {
            value,
            api_version,
            kind,
            namespace,
            name,
            source,
        })
    }

    pub(crate) fn obj_ref(&self) -> ObjRef {
        ObjRef {
            api_version: self.api_version.clone(),
            kind: self.kind.clone(),
            namespace: self.namespace.clone(),
            name: self.name.clone(),
        }
    }

    pub(crate) fn ns(&self) -> &str {
        self.namespace.as_deref().unwrap_or("")
    }

    pub(crate) fn labels(&self) -> Option<&Map<String, Value>> {
        at(&self.value, &["metadata", "labels"])?.as_object()
    }

    pub(crate) fn annotations(&self) -> Option<&Map<String, Value>> {
        at(&self.value, &["metadata", "annotations"])?.as_object()
    }

    pub(crate) fn annotation(&self, key: &str) -> Option<&str> {
        self.annotations()?.get(key)?.as_str()
    }

    pub(crate) fn get(&self, path: &[&str]) -> Option<&Value> {
        at(&self.value, path)
    }

    /// The controller that owns this object (live mode), if any.
    pub(crate) fn controller_owner(&self) -> Option<(&str, &str)> {
        let owners = self.get(&["metadata", "ownerReferences"])?.as_array()?;
        owners
            .iter()
            .find(|o| o.get("controller").and_then(Value::as_bool) == Some(true))
            .map(|o| {
                (
                    o.get("kind").and_then(Value::as_str).unwrap_or(""),
                    o.get("name").and_then(Value::as_str).unwrap_or(""),
                )
            })
    }
}

pub(crate) fn is_cluster_scoped(kind: &str) -> bool {
    matches!(
        kind,
        "Namespace"
            | "Node"
            | "ClusterRole"
            | "ClusterRoleBinding"
            | "PersistentVolume"
            | "StorageClass"
            | "CustomResourceDefinition"
            | "PriorityClass"
            | "ValidatingWebhookConfiguration"
            | "MutatingWebhookConfiguration"
            | "ValidatingAdmissionPolicy"
            | "ValidatingAdmissionPolicyBinding"
            | "APIService"
            | "IngressClass"
            | "RuntimeClass"
            | "CSIDriver"
            | "CSINode"
            | "VolumeAttachment"
            | "PodSecurityPolicy"
            | "ClusterIssuer"
    )
}

pub(crate) fn at<'a>(value: &'a Value, path: &[&str]) -> Option<&'a Value> {
    let mut v = value;
    for key in path {
        v = v.as_object()?.get(*key)?;
    }
    Some(v)
}

pub(crate) fn str_at<'a>(value: &'a Value, path: &[&str]) -> Option<&'a str> {
    at(value, path)?.as_str()
}

pub(crate) fn bool_at(value: &Value, path: &[&str]) -> Option<bool> {
    at(value, path)?.as_bool()
}

/// An integer field; quoted digits count too (hand-written manifests do that).
pub(crate) fn int_at(value: &Value, path: &[&str]) -> Option<i64> {
    as_int(at(value, path)?)
}

pub(crate) fn as_int(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

pub(crate) fn array_at<'a>(value: &'a Value, path: &[&str]) -> &'a [Value] {
    at(value, path)
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

/// A `LabelSelector` (matchLabels AND matchExpressions) against labels.
/// An empty selector matches everything; `None` matches nothing.
pub(crate) fn selector_matches(
    selector: Option<&Value>,
    labels: Option<&Map<String, Value>>,
) -> bool {
    let Some(selector) = selector.and_then(Value::as_object) else {
        return false;
    };
    let label = |k: &str| labels.and_then(|l| l.get(k)).map(value_text);
    if let Some(ml) = selector.get("matchLabels").and_then(Value::as_object) {
        for (k, v) in ml {
            if label(k).as_deref() != Some(value_text(v).as_str()) {
                return false;
            }
        }
    }
    for expr in selector
        .get("matchExpressions")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
    {
        let key = expr.get("key").and_then(Value::as_str).unwrap_or("");
        let values: Vec<String> = expr
            .get("values")
            .and_then(Value::as_array)
            .map(|vs| vs.iter().map(value_text).collect())
            .unwrap_or_default();
        let have = label(key);
        let ok = match expr.get("operator").and_then(Value::as_str).unwrap_or("") {
            "In" => have.is_some_and(|h| values.contains(&h)),
            "NotIn" => have.is_none_or(|h| !values.contains(&h)),
            "Exists" => have.is_some(),
            "DoesNotExist" => have.is_none(),
            _ => false,
        };
        if !ok {
            return false;
        }
    }
    true
}

/// A plain `map[string]string` selector (Service, ReplicationController):
/// every pair must match; an empty or missing one selects nothing.
pub(crate) fn map_selector_matches(
    selector: Option<&Map<String, Value>>,
    labels: Option<&Map<String, Value>>,
) -> bool {
    let Some(selector) = selector.filter(|s| !s.is_empty()) else {
        return false;
    };
    selector.iter().all(|(k, v)| {
        labels
            .and_then(|l| l.get(k))
            .is_some_and(|have| value_text(have) == value_text(v))
    })
}

/// A scalar as label text (`true` and `1` appear unquoted in hand-written YAML).
pub(crate) fn value_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// RFC 3339 timestamp to seconds since the epoch.
pub(crate) fn parse_timestamp(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() < 19 {
        return None;
    }
    let num = |r: std::ops::Range<usize>| s.get(r)?.parse::<i64>().ok();
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, sec) = (num(11..13)?, num(14..16)?, num(17..19)?);
    // Days from civil (Howard Hinnant's algorithm).
    let y2 = if mo <= 2 { y - 1 } else { y };
    let era = y2.div_euclid(400);
    let yoe = y2 - era * 400;
    let doy = (153 * (mo + if mo > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146097 + doe - 719468;
    let mut t = days * 86400 + h * 3600 + mi * 60 + sec;
    // Offsets other than Z (the API server always writes Z).
    let rest = &s[19..];
    let rest = rest.trim_start_matches(|c: char| c == '.' || c.is_ascii_digit());
    if rest.len() == 6 && (rest.starts_with('+') || rest.starts_with('-')) {
        let oh: i64 = rest[1..3].parse().ok()?;
        let om: i64 = rest[4..6].parse().ok()?;
        let off = oh * 3600 + om * 60;
        t -= if rest.starts_with('+') { off } else { -off };
    }
    Some(t)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn labels(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn label_selectors_and_their_expressions() {
        let l = labels(json!({"app": "web", "tier": "front"}));
        assert!(selector_matches(Some(&json!({})), Some(&l)));
        assert!(!selector_matches(None, Some(&l)));
        assert!(selector_matches(
            Some(&json!({"matchLabels": {"app": "web"}})),
            Some(&l)
        ));
        // matchLabels are AND-ed (polaris#999 OR-ed them).
        assert!(!selector_matches(
            Some(&json!({"matchLabels": {"app": "web", "team": "x"}})),
            Some(&l)
        ));
        assert!(selector_matches(
            Some(&json!({"matchExpressions": [
                {"key": "app", "operator": "In", "values": ["web", "api"]},
                {"key": "team", "operator": "DoesNotExist"}
            ]})),
            Some(&l)
        ));
        assert!(!selector_matches(
            Some(
                &json!({"matchExpressions": [{"key": "app", "operator": "NotIn", "values": ["web"]}]})
            ),
            Some(&l)
        ));
    }

    #[test]
    fn plain_selectors_need_every_pair() {
        let l = labels(json!({"app": "web", "version": 2}));
        let sel = labels(json!({"app": "web", "version": "2"}));
        assert!(map_selector_matches(Some(&sel), Some(&l)));
        assert!(!map_selector_matches(Some(&Map::new()), Some(&l)));
        let other = labels(json!({"app": "api"}));
        assert!(!map_selector_matches(Some(&other), Some(&l)));
    }

    #[test]
    fn timestamps() {
        assert_eq!(parse_timestamp("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_timestamp("2024-03-01T12:00:00Z"), Some(1709294400));
        assert_eq!(
            parse_timestamp("2024-03-01T13:00:00+01:00"),
            Some(1709294400)
        );
        assert_eq!(parse_timestamp("bad"), None);
    }
}
