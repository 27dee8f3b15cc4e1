//! How the objects a command wrote are shown with `-o json|yaml|name`.
//!
//! Like `kubectl get -o yaml` after kubectl-neat: Secret values masked,
//! `managedFields` and the `last-applied-configuration` annotation dropped
//! (it repeats the whole object, Secret data included), and every mapping's
//! keys in kubectl's order, which is sorted (its printers go through Go maps).

use serde_json::{Map, Value, json};

use super::kinds::HolderKind;
use super::target::TargetKind;
use crate::error::Result;
use crate::output::{self, Format};

const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// Masks Secret values and drops what the server and `kubectl apply` add.
pub(crate) fn for_display(mut obj: Value, kind: TargetKind) -> Value {
    if let Some(m) = obj.get_mut("metadata").and_then(Value::as_object_mut) {
        m.remove("managedFields");
        if let Some(a) = m.get_mut("annotations").and_then(Value::as_object_mut) {
            a.remove(LAST_APPLIED);
            if a.is_empty() {
                m.remove("annotations");
            }
        }
    }
    if kind == TargetKind::Secret && obj["kind"] == "Secret" {
        for field in ["data", "stringData"] {
            if let Some(map) = obj.get_mut(field).and_then(Value::as_object_mut) {
                for v in map.values_mut() {
                    // Not base64, so applying this output fails loudly.
                    *v = json!("<redacted>");
                }
            }
        }
    }
    obj
}

/// Every mapping's keys sorted bytewise, as Go sorts map keys.
fn kubectl_order(v: Value) -> Value {
    match v {
        Value::Object(m) => {
            let mut entries: Vec<(String, Value)> = m.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(
                entries
                    .into_iter()
                    .map(|(k, v)| (k, kubectl_order(v)))
                    .collect::<Map<_, _>>(),
            )
        }
        Value::Array(items) => Value::Array(items.into_iter().map(kubectl_order).collect()),
        other => other,
    }
}

/// Prints -o json|yaml|name output for the objects written.
pub(crate) fn print_objects(format: Option<Format>, objects: &[Value]) -> Result<()> {
    match format {
        Some(Format::Json) | Some(Format::Yaml) => {
            let list = kubectl_order(json!({
                "apiVersion": "v1",
                "kind": "List",
                "items": objects,
                "metadata": {"resourceVersion": ""},
            }));
            if format == Some(Format::Json) {
                output::print_json(&list)
            } else {
                output::print_yaml(&list)
            }
        }
        Some(Format::Name) => output::print_lines(objects.iter().map(|o| {
            let kind = o["kind"].as_str().unwrap_or("");
            let res = HolderKind::from_kind(kind)
                .map(|k| k.resource().to_string())
                .unwrap_or_else(|| kind.to_lowercase());
            format!("{res}/{}", o["metadata"]["name"].as_str().unwrap_or(""))
        })),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_values_are_masked_in_output() {
        let obj = json!({"kind": "Secret", "metadata": {"name": "a", "managedFields": []}, "data": {"k": "aHVudGVyMg=="}});
        let shown = for_display(obj, TargetKind::Secret);
        assert_eq!(shown["data"]["k"], "<redacted>");
        assert!(shown["metadata"].get("managedFields").is_none());
    }

    #[test]
    fn last_applied_goes_and_keys_sort_at_every_level() {
        let obj = json!({
            "spec": {"b": 1, "a": [{"z": 1, "y": 2}]},
            "metadata": {"name": "web", "annotations": {LAST_APPLIED: "{}"}},
            "kind": "Deployment",
            "apiVersion": "apps/v1",
        });
        let shown = kubectl_order(for_display(obj, TargetKind::Secret));
        assert_eq!(
            serde_json::to_string(&shown).unwrap(),
            r#"{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web"},"spec":{"a":[{"y":2,"z":1}],"b":1}}"#
        );
    }
}
