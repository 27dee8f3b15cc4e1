//! `setup --all`: every EKS cluster in the given profiles × regions becomes a
//! cluster, user and context. Discovery (ListClusters, then DescribeCluster)
//! runs concurrently, bounded; the writes are one locked commit. Entries it
//! writes carry a kubeconfig extension ([`MARK`]: profile, region, cluster),
//! which kubectl ignores; `--prune` removes only marked entries, only in the
//! profiles and regions of this run that answered.

use std::collections::{BTreeMap, BTreeSet};

use futures::stream::{self, StreamExt};
use serde::Serialize;
use serde_json::{Value, json};

use super::SetupArgs;
use super::eks::{self, ClusterInfo};
use super::setup::{self, ExecSettings};
use crate::aws::{endpoint, profile, region};
use crate::error::{Error, Result, exit};
use crate::kubeconfig::{Change, Kubeconfig, NamedEntry};
use crate::output::{self, Format};

/// The extension that marks an entry `setup --all` wrote.
pub(crate) const MARK: &str = "honban.dev/aws-token-setup";
/// AWS calls in flight at once.
const CONCURRENCY: usize = 8;
const LIST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(20);

/// One profile in one region.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Scope {
    /// `None`: the environment's credentials or the default chain.
    profile: Option<String>,
    region: String,
}

impl Scope {
    fn profile_label(&self) -> &str {
        self.profile.as_deref().unwrap_or("")
    }
}

/// What one scope answered: every cluster name listed, the ACTIVE ones described.
#[derive(Debug, Default)]
struct Found {
    names: Vec<String>,
    active: Vec<ClusterInfo>,
    /// Clusters left out for now (not ACTIVE), private-only endpoints.
    warnings: Vec<String>,
    /// Clusters DescribeCluster failed for.
    problems: Vec<String>,
}

/// The summary line of one scope.
#[derive(Debug, Clone, Default, Serialize)]
struct Row {
    profile: String,
    region: String,
    added: usize,
    updated: usize,
    unchanged: usize,
    pruned: usize,
    failed: usize,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    errors: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    warnings: Vec<String>,
    /// The contexts this row set up (added, updated or already up to date),
    /// for `-o name`.
    #[serde(skip)]
    contexts: Vec<String>,
}

pub(crate) fn run(args: &SetupArgs) -> Result<u8> {
    let rt = crate::client::runtime()?;
    let (scopes, unlisted) = scopes(args, &rt)?;
    let template = args
        .name_template
        .clone()
        .unwrap_or_else(|| default_template(&scopes));
    check_template(&template)?;
    let found = rt.block_on(discover(&scopes, &unlisted));
    let kc = setup::load(args.kubeconfig.as_deref())?;
    let plan = |kc: &Kubeconfig| plan(kc, args, &template, &scopes, &found);
    if args.dry_run {
        let (change, rows) = plan(&kc)?;
        output::print_text(&setup::diff(&kc, &change))?;
        return report(&rows, args.output, None);
    }
    let file = kc.files[kc.default_destination()].path.clone();
    let outcome = std::cell::RefCell::new(None);
    Kubeconfig::commit(kc, |kc| {
        let (change, rows) = plan(kc)?;
        *outcome.borrow_mut() = Some((rows, !change.is_empty()));
        Ok(change)
    })?;
    let (rows, wrote) = outcome.into_inner().unwrap_or_default();
    report(&rows, args.output, Some((wrote, &file)))
}

/// Profiles whose regions `--all-regions` could not list: each stands as
/// its own region's scope, failed with this error, so the others go on.
type Unlisted = BTreeMap<Scope, String>;

/// `--profile` × `--region`; without `--region`, each profile's own region,
/// or with `--all-regions` every region enabled for its account.
fn scopes(args: &SetupArgs, rt: &tokio::runtime::Runtime) -> Result<(Vec<Scope>, Unlisted)> {
    let profiles: Vec<Option<String>> = if args.profile.is_empty() {
        vec![None]
    } else {
        args.profile.iter().cloned().map(Some).collect()
    };
    let files = profile::Profiles::load();
    let mut out = BTreeSet::new();
    let mut unlisted = Unlisted::new();
    for p in &profiles {
        let regions = if args.region.is_empty() {
            let name = profile::selected(p.as_deref());
            let home = region::resolve_region(None, &files, &name, None)?;
            if !args.all_regions {
                vec![home]
            } else {
                match rt.block_on(enabled_regions(p.as_deref(), &home)) {
                    Ok(regions) => regions,
                    Err(e) => {
                        let scope = Scope {
                            profile: p.clone(),
                            region: home,
                        };
                        unlisted.insert(scope.clone(), e);
                        out.insert(scope);
                        continue;
                    }
                }
            }
        } else {
            args.region.clone()
        };
        for r in regions {
            endpoint::validate_region(&r)?;
            out.insert(Scope {
                profile: p.clone(),
                region: r,
            });
        }
    }
    Ok((out.into_iter().collect(), unlisted))
}

/// The profile's enabled regions, or why they are unknown (the summary row
/// names the profile and its region).
async fn enabled_regions(
    profile: Option<&str>,
    home: &str,
) -> std::result::Result<Vec<String>, String> {
    let creds = eks::credentials(profile, home)
        .await
        .map_err(|e| format!("{e}; no region of this profile was set up"))?;
    eks::enabled_regions(&creds, home).await.map_err(|e| {
        format!("EC2 DescribeRegions in {home}: {e}; no region of this profile was set up")
    })
}

/// `{cluster}`, with `{profile}-` in front when there are several profiles
/// and `-{region}` behind when there are several regions: short, and unique.
fn default_template(scopes: &[Scope]) -> String {
    let profiles: BTreeSet<_> = scopes.iter().map(|s| &s.profile).collect();
    let regions: BTreeSet<_> = scopes.iter().map(|s| &s.region).collect();
    let mut t = String::new();
    if profiles.len() > 1 {
        t.push_str("{profile}-");
    }
    t.push_str("{cluster}");
    if regions.len() > 1 {
        t.push_str("-{region}");
    }
    t
}

fn check_template(template: &str) -> Result<()> {
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let close = rest[open..]
            .find('}')
            .map(|c| open + c)
            .ok_or_else(|| Error::Usage(format!("--name-template {template:?}: unclosed {{")))?;
        let key = &rest[open + 1..close];
        if !["profile", "region", "account", "cluster"].contains(&key) {
            return Err(Error::Usage(format!(
                "--name-template {template:?}: unknown {{{key}}} (use {{profile}}, {{region}}, {{account}}, {{cluster}})"
            )));
        }
        rest = &rest[close + 1..];
    }
    if !template.contains("{cluster}") {
        return Err(Error::Usage(format!(
            "--name-template {template:?} must contain {{cluster}}, or names would collide"
        )));
    }
    Ok(())
}

fn render(template: &str, scope: &Scope, info: &ClusterInfo) -> String {
    // arn:aws:eks:REGION:ACCOUNT:cluster/NAME
    let account = info.arn.split(':').nth(4).unwrap_or_default();
    template
        .replace("{profile}", scope.profile.as_deref().unwrap_or("default"))
        .replace("{region}", &scope.region)
        .replace("{account}", account)
        .replace("{cluster}", &info.name)
}

/// ListClusters in every scope, then DescribeCluster for every cluster, at
/// most [`CONCURRENCY`] calls at a time.
async fn discover(
    scopes: &[Scope],
    unlisted: &Unlisted,
) -> Vec<std::result::Result<Found, String>> {
    let listed: Vec<_> = stream::iter(scopes.iter())
        .map(|scope| async move {
            if let Some(e) = unlisted.get(scope) {
                return Err(e.clone());
            }
            let creds = eks::credentials(scope.profile.as_deref(), &scope.region)
                .await
                .map_err(|e| e.to_string())?;
            let names = eks::list(&creds, &scope.region, LIST_TIMEOUT)
                .await
                .map_err(|e| format!("ListClusters: {e}"))?;
            Ok::<_, String>((creds, names))
        })
        .buffered(CONCURRENCY)
        .collect()
        .await;
    let mut calls = Vec::new();
    for (i, result) in listed.iter().enumerate() {
        if let Ok((creds, names)) = result {
            calls.extend(names.iter().map(|n| (i, creds.clone(), n.clone())));
        }
    }
    let described: Vec<_> = stream::iter(calls)
        .map(|(i, creds, name)| async move {
            let result = eks::describe(&creds, &scopes[i].region, &name).await;
            (i, name, result)
        })
        .buffer_unordered(CONCURRENCY)
        .collect()
        .await;
    let mut out: Vec<_> = listed
        .into_iter()
        .map(|r| {
            r.map(|(_, names)| Found {
                names,
                ..Found::default()
            })
        })
        .collect();
    for (i, name, result) in described {
        let Ok(found) = &mut out[i] else { continue };
        match result {
            Ok(info) => match eks::check_usable(&info, &scopes[i].region) {
                Ok(()) => {
                    if info.private_only {
                        found.warnings.push(eks::private_warning(&info));
                    }
                    found.active.push(info)
                }
                Err(e) => found.warnings.push(format!("skipped: {e}")),
            },
            Err(e) => found
                .problems
                .push(format!("DescribeCluster {name:?}: {e}")),
        }
    }
    for found in out.iter_mut().flatten() {
        found.active.sort_by(|a, b| a.name.cmp(&b.name));
    }
    out
}

/// The marker every written entry carries.
fn mark(scope: &Scope, cluster: &str) -> Value {
    json!([{"name": MARK, "extension": {
        "profile": scope.profile_label(),
        "region": scope.region,
        "cluster": cluster,
    }}])
}

/// The three entries for one cluster.
fn entries(args: &SetupArgs, scope: &Scope, info: &ClusterInfo, name: &str) -> Vec<NamedEntry> {
    let settings = ExecSettings {
        cluster_name: Some(info.name.clone()),
        region: Some(scope.region.clone()),
        role_arn: args.role_arn.clone(),
        env: scope
            .profile
            .iter()
            .map(|p| ("AWS_PROFILE".to_string(), p.clone()))
            .collect(),
        ..Default::default()
    };
    let marker = mark(scope, &info.name);
    vec![
        NamedEntry::new(
            "clusters",
            name,
            "cluster",
            json!({"server": info.endpoint, "certificate-authority-data": info.ca_data, "extensions": marker}),
        ),
        NamedEntry::new(
            "users",
            name,
            "user",
            json!({"exec": settings.exec(), "extensions": marker}),
        ),
        NamedEntry::new(
            "contexts",
            name,
            "context",
            json!({"cluster": name, "user": name, "extensions": marker}),
        ),
    ]
}

/// Whether the first definition of each entry already says exactly this.
enum State {
    Added,
    Updated,
    Unchanged,
}

/// The first definition of every cluster, user and context, by list and name.
type Existing = BTreeMap<(String, String), Value>;

fn existing(kc: &Kubeconfig) -> Existing {
    let mut out = Existing::new();
    for fi in 0..kc.files.len() {
        for list in ["clusters", "users", "contexts"] {
            for (name, item) in kc.entries(fi, list) {
                out.entry((list.to_string(), name)).or_insert(item);
            }
        }
    }
    out
}

fn state(existing: &Existing, entries: &[NamedEntry]) -> State {
    let mut any = false;
    let mut same = true;
    for e in entries {
        match existing.get(&(e.list.clone(), e.name.clone())) {
            Some(item) => {
                any = true;
                same &= item.get(&e.key) == Some(&e.body);
            }
            None => same = false,
        }
    }
    match (any, same) {
        (false, _) => State::Added,
        (true, true) => State::Unchanged,
        (true, false) => State::Updated,
    }
}

/// A marked context: its name and the marker's profile, region and cluster.
fn marked_contexts(kc: &Kubeconfig) -> Vec<(String, Scope, String)> {
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    for fi in 0..kc.files.len() {
        for (name, item) in kc.entries(fi, "contexts") {
            if !seen.insert(name.clone()) {
                continue;
            }
            let exts = item
                .pointer("/context/extensions")
                .and_then(Value::as_array);
            let Some(ext) = exts
                .into_iter()
                .flatten()
                .find(|e| e["name"] == MARK)
                .map(|e| &e["extension"])
            else {
                continue;
            };
            let text = |k: &str| ext[k].as_str().unwrap_or_default().to_string();
            let profile = text("profile");
            let scope = Scope {
                profile: (!profile.is_empty()).then_some(profile),
                region: text("region"),
            };
            out.push((name, scope, text("cluster")));
        }
    }
    out
}

/// The change and the summary, planned on `kc` (again under the lock).
fn plan(
    kc: &Kubeconfig,
    args: &SetupArgs,
    template: &str,
    scopes: &[Scope],
    found: &[std::result::Result<Found, String>],
) -> Result<(Change, Vec<Row>)> {
    let mut rows = Vec::new();
    let mut writes = Vec::new();
    let mut names: BTreeMap<String, String> = BTreeMap::new();
    let existing = existing(kc);
    for (scope, result) in scopes.iter().zip(found) {
        let mut row = Row {
            profile: scope.profile_label().to_string(),
            region: scope.region.clone(),
            ..Row::default()
        };
        let found = match result {
            Ok(found) => found,
            Err(e) => {
                row.failed += 1;
                row.errors.push(e.clone());
                rows.push(row);
                continue;
            }
        };
        row.failed += found.problems.len();
        row.errors.extend(found.problems.iter().cloned());
        row.warnings.extend(found.warnings.iter().cloned());
        for info in &found.active {
            let name = render(template, scope, info);
            let whose = format!("{}/{}/{}", scope.profile_label(), scope.region, info.name);
            if let Some(other) = names.insert(name.clone(), whose.clone()) {
                row.failed += 1;
                row.errors.push(format!(
                    "{whose}: name {name:?} is taken by {other}; use a --name-template that tells them apart"
                ));
                continue;
            }
            let entries = entries(args, scope, info, &name);
            row.contexts.push(name);
            match state(&existing, &entries) {
                State::Added => row.added += 1,
                State::Updated => row.updated += 1,
                State::Unchanged => {
                    row.unchanged += 1;
                    continue;
                }
            }
            writes.extend(entries);
        }
        rows.push(row);
    }
    let mut change = kc.plan_upsert(kc.default_destination(), &writes, None)?;
    if args.prune {
        change.merge(plan_prune(kc, scopes, found, &mut rows)?);
    }
    Ok((change, rows))
}

/// Marked contexts of answering scopes whose cluster is no longer listed.
fn plan_prune(
    kc: &Kubeconfig,
    scopes: &[Scope],
    found: &[std::result::Result<Found, String>],
    rows: &mut [Row],
) -> Result<Change> {
    let mut gone = Vec::new();
    for (name, scope, cluster) in marked_contexts(kc) {
        let Some(i) = scopes.iter().position(|s| *s == scope) else {
            continue;
        };
        let Ok(found) = &found[i] else { continue };
        if !found.names.contains(&cluster) {
            rows[i].pruned += 1;
            gone.push(name);
        }
    }
    if gone.is_empty() {
        return Ok(Change::default());
    }
    Ok(kc.plan_delete(&gone, true)?.0)
}

/// The summary (table or `-o json|yaml|name`), the failures on stderr, the exit code.
fn report(
    rows: &[Row],
    format: Option<Format>,
    wrote: Option<(bool, &std::path::Path)>,
) -> Result<u8> {
    match format {
        Some(Format::Json) => {
            output::print_json(&json!({"regions": rows, "written": wrote.map(|w| w.0)}))?
        }
        Some(Format::Yaml) => {
            output::print_yaml(&json!({"regions": rows, "written": wrote.map(|w| w.0)}))?
        }
        // The context names, as `kubectl config get-contexts -o name` prints them.
        Some(Format::Name) => output::print_lines(rows.iter().flat_map(|r| r.contexts.clone()))?,
        Some(Format::Table) | None => {
            let mut t = output::table(&[
                "PROFILE",
                "REGION",
                "ADDED",
                "UPDATED",
                "UNCHANGED",
                "PRUNED",
                "FAILED",
            ]);
            for r in rows {
                let dash = if r.profile.is_empty() {
                    "-"
                } else {
                    &r.profile
                };
                t.add_row(vec![
                    dash.to_string(),
                    r.region.clone(),
                    r.added.to_string(),
                    r.updated.to_string(),
                    r.unchanged.to_string(),
                    r.pruned.to_string(),
                    r.failed.to_string(),
                ]);
            }
            output::print_table(&t)?;
        }
    }
    for r in rows {
        for e in &r.warnings {
            output::note(format!("warning: {e}"));
        }
        for e in &r.errors {
            let who = if r.profile.is_empty() {
                r.region.clone()
            } else {
                format!("{}/{}", r.profile, r.region)
            };
            output::note(format!("error: {who}: {e}"));
        }
    }
    match wrote {
        Some((true, file)) => output::note(format!("wrote {}", file.display())),
        Some((false, file)) => output::note(format!(
            "nothing to write: {} is up to date",
            file.display()
        )),
        None => {}
    }
    Ok(if rows.iter().any(|r| r.failed > 0) {
        exit::FAILURE
    } else {
        exit::OK
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope(p: Option<&str>, r: &str) -> Scope {
        Scope {
            profile: p.map(str::to_string),
            region: r.to_string(),
        }
    }

    #[test]
    fn default_template_adds_only_what_tells_clusters_apart() {
        assert_eq!(default_template(&[scope(None, "eu-west-1")]), "{cluster}");
        let two_regions = [scope(None, "eu-west-1"), scope(None, "us-east-1")];
        assert_eq!(default_template(&two_regions), "{cluster}-{region}");
        let fleet = [scope(Some("a"), "eu-west-1"), scope(Some("b"), "us-east-1")];
        assert_eq!(default_template(&fleet), "{profile}-{cluster}-{region}");
    }

    #[test]
    fn templates_are_checked_and_rendered() {
        assert!(check_template("{cluster}").is_ok());
        assert!(check_template("{profile}-{region}").is_err());
        assert!(check_template("{cluster}-{zone}").is_err());
        assert!(check_template("{cluster").is_err());
        let info = ClusterInfo {
            name: "prod".into(),
            arn: "arn:aws:eks:eu-west-1:111122223333:cluster/prod".into(),
            ..Default::default()
        };
        let s = scope(Some("corp"), "eu-west-1");
        assert_eq!(
            render("{account}/{profile}-{region}-{cluster}", &s, &info),
            "111122223333/corp-eu-west-1-prod"
        );
    }
}
