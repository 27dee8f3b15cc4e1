//! What a switch changes: for each object that names an older member of the
//! family, the JSON paths to repoint and the patch that tests the old name
//! before replacing it.

use serde_json::{Value, json};

use super::refs::{Holder, Role};

/// One name change at one path.
#[derive(Debug, Clone)]
pub(crate) struct Change {
    pub(crate) pointer: String,
    pub(crate) field: String,
    pub(crate) from: String,
    pub(crate) to: String,
}

/// The changes for one object.
#[derive(Debug, Clone)]
pub(crate) struct Plan {
    pub(crate) holder: Holder,
    pub(crate) changes: Vec<Change>,
}

impl Plan {
    /// JSON patch ops: test the old value, then replace it. Reversed for switching back.
    pub(crate) fn ops(&self, forward: bool) -> Value {
        let mut ops = Vec::new();
        for c in &self.changes {
            let (old, new) = if forward {
                (&c.from, &c.to)
            } else {
                (&c.to, &c.from)
            };
            ops.push(json!({"op": "test", "path": c.pointer, "value": old}));
            ops.push(json!({"op": "replace", "path": c.pointer, "value": new}));
        }
        Value::Array(ops)
    }

    /// `app → app-2m57tk55mf (volumes[creds], containers[web].env[PASSWORD])`.
    pub(crate) fn fields(&self) -> String {
        let mut from: Vec<&str> = self.changes.iter().map(|c| c.from.as_str()).collect();
        from.dedup();
        let fields: Vec<&str> = self.changes.iter().map(|c| c.field.as_str()).collect();
        format!(
            "{} → {} ({})",
            from.join(", "),
            self.changes[0].to,
            fields.join(", ")
        )
    }
}

/// Switch plans for every switchable object that references another member of the family.
pub(crate) fn plan(holders: &[Holder], to: &str) -> Vec<Plan> {
    holders
        .iter()
        .filter(|h| h.role == Role::Switch)
        .filter_map(|h| {
            let changes: Vec<Change> = h
                .refs
                .iter()
                .filter(|r| r.name != to)
                .map(|r| Change {
                    pointer: r.pointer.clone(),
                    field: r.field.clone(),
                    from: r.name.clone(),
                    to: to.to_string(),
                })
                .collect();
            (!changes.is_empty()).then(|| Plan {
                holder: h.clone(),
                changes,
            })
        })
        .collect()
}

/// Objects that reference an older member of the family but cannot be switched.
pub(crate) fn reports(holders: &[Holder], to: &str) -> Vec<String> {
    holders
        .iter()
        .filter_map(|h| match &h.role {
            Role::Report(why) if h.refs.iter().any(|r| r.name != to) => Some(format!(
                "{} still uses {}: {why}",
                h.display(),
                h.names().join(", ")
            )),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::rotate::kinds::HolderKind;
    use crate::rotate::target::Target;

    pub(crate) fn holder(obj: Value) -> Holder {
        Holder::from_object(HolderKind::Deployment, obj, &Target::parse("app").unwrap()).unwrap()
    }

    pub(crate) fn web() -> Value {
        json!({
            "metadata": {"name": "web"},
            "spec": {"template": {"spec": {
                "containers": [{"name": "web", "env": [{"name": "PASSWORD", "valueFrom": {"secretKeyRef": {"name": "app", "key": "password"}}}]}],
                "volumes": [{"name": "creds", "secret": {"secretName": "app-h8mdbf6h8f"}}]
            }}}
        })
    }

    #[test]
    fn nothing_to_switch_when_every_reference_is_current() {
        let mut obj = web();
        obj["spec"]["template"]["spec"]["containers"][0]["env"][0]["valueFrom"]["secretKeyRef"]["name"] =
            json!("app-h8mdbf6h8f");
        assert!(plan(&[holder(obj)], "app-h8mdbf6h8f").is_empty());
    }
}
