//! From threat model to fix: least-privilege policies generated from the discovered
//! architecture, each naming the threats it closes.
//!
//! [`plan`] is a pure function of a finished scan ([`FixInput`]): it returns the files to
//! create, the edits to existing files, the threats the changes close ([`Claim`]) and notes on
//! what it could not do. The CLI writes the plan out (`--out`), prints it as a unified diff
//! (`--format patch`) or applies it to the project (`--write`).
//!
//! - [`netpol`]: per namespace a default-deny NetworkPolicy, DNS egress, and an allow policy
//!   per discovered connection (pod selectors from the workloads' labels, ports from the
//!   Services), entry points allowed from their ingress controller or gateway.
//! - [`istio`]: where workloads run in the Istio mesh, AuthorizationPolicies that allow exactly
//!   the discovered callers by service-account principal (with the paths and methods the code
//!   serves), and STRICT mutual TLS where every caller has a mesh identity.

pub mod connections;
pub mod hints;
pub mod input;
pub mod istio;
pub mod netpol;
pub mod workload;
pub mod yaml;

pub use connections::{Connection, Endpoint};
pub use input::{FixInput, PodPort};

use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use stridemap_model::Threat;

/// Where generated files go, relative to the project root.
pub const GENERATED_DIR: &str = "stridemap-fix";

/// One file the plan creates or edits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    /// Relative to the scanned root, with `/` separators.
    pub path: String,
    /// The current text of an existing file; `None` for a new file.
    #[serde(skip)]
    pub before: Option<String>,
    #[serde(skip)]
    pub after: String,
    /// What the change does, in a sentence.
    pub summary: String,
}

/// A threat the plan claims to close, and the file that closes it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Claim {
    pub threat: String,
    pub rule: String,
    pub fingerprint: String,
    pub by: String,
}

/// The plan: changes in path order, claims in threat order, notes.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Plan {
    pub changes: Vec<Change>,
    pub claims: Vec<Claim>,
    /// What the plan left alone and why (a caller without a mesh identity, a flow whose port
    /// is unknown…).
    pub notes: Vec<String>,
    /// The connections the generated NetworkPolicies allow.
    pub connections: Vec<Connection>,
    /// Files for `--out` only, never written into the project (paths relative to `--out`):
    /// Kustomize strategic-merge patches equivalent to the edits of workload manifests, and
    /// ExternalSecret skeletons for credentials held in ConfigMaps.
    pub extras: Vec<Change>,
    /// Changes the plan cannot make itself (pinning an image needs its digest from the
    /// registry), with the command that finishes them.
    pub hints: Vec<String>,
}

/// Builds the plan of a scan.
pub fn plan(input: &FixInput) -> Plan {
    let mut plan = Plan::default();
    let conns = connections::of(input, &mut plan.notes);
    netpol::generate(input, &conns, &mut plan);
    istio::generate(input, &conns, &mut plan);
    workload::generate(input, &mut plan);
    hints::generate(input, &mut plan);
    plan.connections = conns;
    plan.changes.sort_by(|a, b| a.path.cmp(&b.path));
    plan.extras.sort_by(|a, b| a.path.cmp(&b.path));
    plan.claims.sort();
    plan.claims.dedup_by(|a, b| a.threat == b.threat);
    plan.notes.sort();
    plan.notes.dedup();
    plan
}

impl Plan {
    /// Every change as one unified diff, paths relative to the project root (`a/`, `b/`
    /// prefixes, so `patch -p1` and `git apply --unidiff-zero` take it from the root). Hunks
    /// carry no context lines, so no line of the project is repeated.
    pub fn unified_diff(&self) -> String {
        self.changes.iter().map(change_diff).collect()
    }

    /// The edits of existing files only, as a unified diff.
    pub fn edits_diff(&self) -> String {
        self.changes
            .iter()
            .filter(|c| c.before.is_some())
            .map(change_diff)
            .collect()
    }

    /// Applies the plan to the project at `root`: creates the new files, rewrites the edited
    /// ones. Refuses (before writing anything) when an edited file changed since the scan.
    pub fn apply(&self, root: &Path) -> Result<Vec<String>, String> {
        for c in &self.changes {
            if let Some(before) = &c.before {
                let now = std::fs::read_to_string(root.join(&c.path))
                    .map_err(|e| format!("cannot read {}: {e}", c.path))?;
                if &now != before {
                    return Err(format!(
                        "{} changed since the scan; scan again before applying",
                        c.path
                    ));
                }
            }
        }
        let mut written = Vec::new();
        for c in &self.changes {
            write_file(&root.join(&c.path), &c.after)?;
            written.push(c.path.clone());
        }
        Ok(written)
    }

    /// Writes the plan into `dir` without touching the project: new files at their paths,
    /// edits of existing files as `edits.patch` (and the workload edits as Kustomize patches
    /// under `kustomize-patches/`, external-secret skeletons under `external-secrets/`), and `plan.json` (claims and notes).
    pub fn write_out(&self, dir: &Path) -> Result<Vec<String>, String> {
        let mut written = Vec::new();
        for c in self.changes.iter().filter(|c| c.before.is_none()) {
            write_file(&dir.join(&c.path), &c.after)?;
            written.push(c.path.clone());
        }
        for c in &self.extras {
            write_file(&dir.join(&c.path), &c.after)?;
            written.push(c.path.clone());
        }
        if !self.hints.is_empty() {
            let mut text = String::from("# What `stridemap fix` cannot finish by itself\n\n");
            for h in &self.hints {
                text.push_str(&format!("- {h}\n"));
            }
            write_file(&dir.join("hints.md"), &text)?;
            written.push("hints.md".into());
        }
        let edits = self.edits_diff();
        if !edits.is_empty() {
            write_file(&dir.join("edits.patch"), &edits)?;
            written.push("edits.patch".into());
        }
        write_file(&dir.join("plan.json"), &self.to_json())?;
        written.push("plan.json".into());
        Ok(written)
    }

    /// Changes, claims and notes as JSON.
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).expect("the plan serialises");
        s.push('\n');
        s
    }
}

fn write_file(path: &Path, text: &str) -> Result<(), String> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
    }
    std::fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

fn change_diff(c: &Change) -> String {
    let before = c.before.as_deref().unwrap_or("");
    let old = if c.before.is_some() {
        format!("a/{}", c.path)
    } else {
        "/dev/null".to_string()
    };
    let diff = similar::TextDiff::from_lines(before, c.after.as_str());
    // No context lines: the project's own lines (which may hold secrets) are never repeated;
    // `patch -p1` and `git apply --unidiff-zero` apply such hunks.
    diff.unified_diff()
        .context_radius(0)
        .header(&old, &format!("b/{}", c.path))
        .to_string()
}

/// The threats of a report indexed for claiming: by rule, with the node ids each concerns.
pub(crate) struct Threats<'a> {
    by_rule: BTreeMap<&'a str, Vec<(&'a Threat, BTreeSet<&'a str>)>>,
}

impl<'a> Threats<'a> {
    pub(crate) fn new(input: &'a FixInput) -> Self {
        let arch = &input.report.architecture;
        let mut node_of_resource: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for n in connections::all_nodes(arch) {
            for r in &n.resources {
                node_of_resource.entry(r).or_default().push(&n.id);
            }
        }
        let node_ids: BTreeSet<&str> = connections::all_nodes(arch)
            .map(|n| n.id.as_str())
            .collect();
        let mut by_rule: BTreeMap<&str, Vec<_>> = BTreeMap::new();
        for t in &input.report.threats {
            let mut nodes: BTreeSet<&str> = t
                .elements
                .iter()
                .map(String::as_str)
                .filter(|e| node_ids.contains(e))
                .collect();
            if nodes.is_empty() {
                for r in &t.affected_resources {
                    if let Some(ids) = node_of_resource.get(r.as_str()) {
                        nodes.extend(ids.iter().copied());
                    }
                }
            }
            by_rule.entry(t.rule).or_default().push((t, nodes));
        }
        Threats { by_rule }
    }

    /// The threats of a rule, with the node ids each concerns.
    pub(crate) fn of(&self, rule: &str) -> &[(&'a Threat, BTreeSet<&'a str>)] {
        self.by_rule.get(rule).map(Vec::as_slice).unwrap_or(&[])
    }
}

/// ` Closes THREAT-1 (RULE), …` for a comment, or nothing.
pub(crate) fn netpol_closes(claims: &[Claim]) -> String {
    if claims.is_empty() {
        return String::new();
    }
    let list: Vec<String> = claims
        .iter()
        .map(|c| format!("{} ({})", c.threat, c.rule))
        .collect();
    format!("\nCloses {}.", list.join(", "))
}

pub(crate) fn claim(t: &Threat, by: &str) -> Claim {
    Claim {
        threat: t.id.clone(),
        rule: t.rule.to_string(),
        fingerprint: t.fingerprint.clone(),
        by: by.to_string(),
    }
}

/// A DNS-1123 name made from parts: lower case, `-` for anything else, at most 63 characters
/// (long names end in a short hash so they stay distinct).
pub(crate) fn object_name(parts: &[&str]) -> String {
    let mut s = String::new();
    for p in parts {
        for c in p.chars() {
            let c = c.to_ascii_lowercase();
            if c.is_ascii_alphanumeric() {
                s.push(c);
            } else if !s.ends_with('-') && !s.is_empty() {
                s.push('-');
            }
        }
        if !s.ends_with('-') && !s.is_empty() {
            s.push('-');
        }
    }
    let s = s.trim_end_matches('-').to_string();
    if s.len() <= 63 {
        return s;
    }
    // FNV-1a: stable across runs and platforms.
    let mut h: u32 = 0x811c9dc5;
    for b in s.bytes() {
        h = (h ^ u32::from(b)).wrapping_mul(0x01000193);
    }
    format!("{}-{h:08x}", s[..54].trim_end_matches('-'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn object_names_are_dns_labels() {
        assert_eq!(
            object_name(&["allow", "Ingress/Shop", "to", "orders"]),
            "allow-ingress-shop-to-orders"
        );
        let long = object_name(&["x".repeat(80).as_str()]);
        assert!(long.len() <= 63, "{long}");
        assert_ne!(long, object_name(&["x".repeat(81).as_str()]));
    }

    #[test]
    fn diff_of_a_new_file_starts_from_dev_null() {
        let plan = Plan {
            changes: vec![Change {
                path: "stridemap-fix/a.yaml".into(),
                before: None,
                after: "kind: X\n".into(),
                summary: String::new(),
            }],
            ..Plan::default()
        };
        let d = plan.unified_diff();
        assert!(
            d.starts_with("--- /dev/null\n+++ b/stridemap-fix/a.yaml\n"),
            "{d}"
        );
        assert!(d.contains("+kind: X\n"));
        assert!(plan.edits_diff().is_empty());
    }
}
