//! The kubectl-audit image's recipe (plugins/audit/Containerfile): every
//! stage from scratch, nothing run at build time (there is no shell), only
//! the static binary, a numeric non-root user and the binary as entry point.
//! Building it needs a release build and buildah: `scripts/audit-image`.

mod support;

fn instructions() -> Vec<(String, String)> {
    let text =
        std::fs::read_to_string(support::repo_root().join("plugins/audit/Containerfile")).unwrap();
    let mut out = Vec::new();
    let mut pending = String::new();
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('#') || line.is_empty() {
            continue;
        }
        pending.push_str(line.trim_end_matches('\\'));
        pending.push(' ');
        if line.ends_with('\\') {
            continue;
        }
        let (op, rest) = pending.trim().split_once(' ').unwrap();
        out.push((op.to_ascii_uppercase(), rest.trim().to_string()));
        pending.clear();
    }
    out
}

#[test]
fn the_image_is_scratch_with_one_static_binary_and_a_numeric_non_root_user() {
    let ins = instructions();
    let froms: Vec<&str> = ins
        .iter()
        .filter(|(op, _)| op == "FROM")
        .map(|(_, a)| a.as_str())
        .collect();
    assert!(froms.len() >= 2, "multi-stage: {froms:?}");
    assert!(
        froms
            .iter()
            .all(|f| f.split_whitespace().next() == Some("scratch")),
        "{froms:?}"
    );
    for (op, args) in &ins {
        assert!(
            ["FROM", "COPY", "USER", "ENTRYPOINT", "CMD", "LABEL"].contains(&op.as_str()),
            "{op} {args}: a scratch image has no shell to RUN in"
        );
    }
    // The final stage: what follows the last FROM.
    let last = ins.iter().rposition(|(op, _)| op == "FROM").unwrap();
    let final_stage = &ins[last..];
    let copies: Vec<&str> = final_stage
        .iter()
        .filter(|(op, _)| op == "COPY")
        .map(|(_, a)| a.as_str())
        .collect();
    assert_eq!(copies.len(), 1, "only the binary: {copies:?}");
    assert!(
        copies[0].ends_with("/kubectl-audit /kubectl-audit"),
        "{copies:?}"
    );
    let user = final_stage
        .iter()
        .find(|(op, _)| op == "USER")
        .map(|(_, a)| a.clone())
        .expect("a USER in the final stage");
    let uid: u32 = user
        .split(':')
        .next()
        .unwrap()
        .parse()
        .expect("numeric uid");
    assert_ne!(uid, 0, "non-root");
    let entry = final_stage
        .iter()
        .find(|(op, _)| op == "ENTRYPOINT")
        .unwrap();
    assert_eq!(entry.1, r#"["/kubectl-audit"]"#);
}

#[test]
fn the_install_manifest_runs_as_the_images_user() {
    let out = support::plugin("kubectl-audit")
        .args(["install", "--dry-run=client", "-o", "json"])
        .output()
        .unwrap();
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let cron = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["kind"] == "CronJob")
        .unwrap();
    let pod = &cron["spec"]["jobTemplate"]["spec"]["template"]["spec"];
    let user = instructions()
        .into_iter()
        .rfind(|(op, _)| op == "USER")
        .unwrap()
        .1;
    assert_eq!(
        format!(
            "{}:{}",
            pod["securityContext"]["runAsUser"], pod["securityContext"]["runAsGroup"]
        ),
        user
    );
}
