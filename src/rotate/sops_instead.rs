//! The sops command to run where honban cannot decrypt a file (PGP, GCP KMS,
//! ...), chosen from what the file holds so that it gives the content
//! `--from-sops` would have given: kubectl's env-file format takes values
//! verbatim, so base64 fields go through `base64 -d` one key at a time.

use super::target::{Target, TargetKind};
use crate::sops::Node;

/// The command line for `file`, whose `docs` hold its keys in the clear.
pub(crate) fn command(file: &str, docs: &[Node], dotenv: bool, target: &Target) -> String {
    let rotate = format!("kubectl rotate-secret {}", target.display());
    if dotenv {
        return format!("sops -d {file} | {rotate} --from-env-file -");
    }
    let is_manifest = |d: &&Node| d.get("apiVersion").is_some() && d.get("kind").is_some();
    let manifests: Vec<&Node> = docs.iter().filter(is_manifest).collect();
    if manifests.is_empty() {
        return format!("sops -d --output-type dotenv {file} | {rotate} --from-env-file -");
    }
    // sops --extract reads the first document only.
    let [doc] = docs else {
        return format!(
            "sops -d {file}, and pass the document's values with --from-env-file or --from-file"
        );
    };
    let (text, base64) = match target.kind {
        TargetKind::Secret => ("stringData", "data"),
        TargetKind::ConfigMap => ("data", "binaryData"),
    };
    // sops reads its flags before the file only.
    let extract = |path: String, more: &str| format!("sops -d --extract '{path}'{more} {file}");
    let env_file =
        has_keys(doc, text).then(|| extract(format!("[\"{text}\"]"), " --output-type dotenv"));
    let files: Vec<String> = keys(doc, base64)
        .map(|k| {
            let value = extract(format!("[\"{base64}\"][\"{k}\"]"), "");
            format!("--from-file {k}=<({value} | base64 -d)")
        })
        .collect();
    match (env_file, files.is_empty()) {
        (Some(env), true) => format!("{env} | {rotate} --from-env-file -"),
        (env, _) => {
            let env = env.map(|e| format!(" --from-env-file <({e})"));
            format!("{rotate}{} {}", env.unwrap_or_default(), files.join(" "))
        }
    }
}

fn keys<'a>(doc: &'a Node, field: &str) -> impl Iterator<Item = &'a str> {
    let items = match doc.get(field) {
        Some(Node::Map(items)) => &items[..],
        _ => &[],
    };
    items.iter().map(|(k, _)| k.as_str())
}

fn has_keys(doc: &Node, field: &str) -> bool {
    keys(doc, field).next().is_some()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sops::Leaf;

    fn map(items: &[(&str, Node)]) -> Node {
        Node::Map(
            items
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
        )
    }

    fn enc() -> Node {
        Node::Leaf(Leaf::Str("ENC[...]".into()))
    }

    #[test]
    fn the_command_follows_the_file() {
        let secret = Target::parse("app").unwrap();
        assert_eq!(
            command("a.env", &[map(&[("A", enc())])], true, &secret),
            "sops -d a.env | kubectl rotate-secret secret/app --from-env-file -"
        );
        assert_eq!(
            command("k.yaml", &[map(&[("A", enc())])], false, &secret),
            "sops -d --output-type dotenv k.yaml | kubectl rotate-secret secret/app --from-env-file -"
        );
        let head = [("apiVersion", enc()), ("kind", enc())];
        let strings = map(&[
            head[0].clone(),
            head[1].clone(),
            ("stringData", map(&[("p", enc())])),
        ]);
        assert_eq!(
            command("s.yaml", &[strings], false, &secret),
            "sops -d --extract '[\"stringData\"]' --output-type dotenv s.yaml | kubectl rotate-secret secret/app --from-env-file -"
        );
        let data = map(&[
            head[0].clone(),
            head[1].clone(),
            ("data", map(&[("b", enc())])),
        ]);
        assert_eq!(
            command("d.yaml", std::slice::from_ref(&data), false, &secret),
            "kubectl rotate-secret secret/app --from-file b=<(sops -d --extract '[\"data\"][\"b\"]' d.yaml | base64 -d)"
        );
        assert!(
            command("m.yaml", &[data.clone(), data], false, &secret)
                .starts_with("sops -d m.yaml, ")
        );
    }
}
