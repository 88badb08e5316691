use crate::helpers::on_container;
use crate::{Check, Context, Sink};
use stridemap_model::image::ImageRef;
use stridemap_model::k8s::{Container, Workload};
use stridemap_model::{Node, Severity};

declare_rule! {
    /// ## What it does
    /// Flags `git-sync` containers (the Kubernetes git-sync image, as a sidecar, init or app
    /// container) configured to run a git binary or git configuration of their own choosing:
    /// `GITSYNC_GIT` / `GIT_SYNC_GIT` or the `--git` flag (the git executable), and
    /// `GITSYNC_GIT_CONFIG` / `GIT_SYNC_GIT_CONFIG` or `--git-config` setting options that run
    /// commands (`core.sshCommand`, `core.fsmonitor`, `core.hooksPath`, `core.pager`,
    /// `core.editor`, `credential.helper`, `*.command`).
    ///
    /// ## Why is this bad?
    /// git-sync executes whatever these settings name with the container's privileges and its
    /// repository credentials. Pointed at a path inside a writable volume, they run a payload
    /// that anything able to write that volume (the synced repository itself, another
    /// container of the pod) placed there; anyone who may edit the workload's environment gets
    /// command execution in the pod without changing its image. The setting is almost never
    /// needed, so its presence is either an injection waiting to happen or one already done.
    ///
    /// ## Example
    /// ```yaml
    /// - name: git-sync
    ///   image: registry.k8s.io/git-sync/git-sync:v4.2.1
    ///   env:
    ///     - name: GITSYNC_REPO
    ///       value: https://github.com/example/site-content
    ///     - name: GITSYNC_GIT
    ///       value: /shared/bin/git
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// - name: git-sync
    ///   image: registry.k8s.io/git-sync/git-sync:v4.2.1
    ///   env:
    ///     - name: GITSYNC_REPO
    ///       value: https://github.com/example/site-content
    /// ```
    /// Use the git binary shipped in the image, keep git configuration free of command-running
    /// options, and restrict who may edit the workload.
    pub struct GitSyncExec {
        id: "SIDE-GIT-SYNC-CUSTOM-GIT",
        title: "git-sync runs a configurable git binary or command",
        group: SidecarInit,
        stride: ElevationOfPrivilege,
        severity: High,
        cwe: [94, 78],
        infra: [Kubernetes],
        equivalents: ["CKV_K8S_159"],
        attack_scenario: "An attacker who can write to the volume git-sync's custom git path points into (or who can patch the Deployment's environment) drops a payload there; git-sync executes it on its next sync with the repository credentials and the pod's service account.",
        mitigation: "Remove `GITSYNC_GIT`/`--git` and command-running `--git-config` options from git-sync, use the image's own git, and limit who may modify the workload.",
    }
}

/// git configuration keys whose value is a command git runs.
fn runs_commands(config: &str) -> bool {
    let c = config.to_ascii_lowercase();
    [
        "core.sshcommand",
        "core.fsmonitor",
        "core.hookspath",
        "core.pager",
        "core.editor",
        "core.gitproxy",
        "credential.helper",
        "sequence.editor",
        ".command",
    ]
    .iter()
    .any(|k| c.contains(k))
}

fn is_git_sync(c: &Container) -> bool {
    c.image()
        .and_then(Node::as_str)
        .map(|i| ImageRef::parse(i).repository.to_ascii_lowercase())
        .is_some_and(|r| r.rsplit('/').next() == Some("git-sync"))
}

/// Settings of a git-sync container that choose what it executes: (setting, node, whether it
/// names the git binary, its value).
fn exec_settings<'a>(c: &Container<'a>) -> Vec<(String, &'a Node, bool, String)> {
    let mut out = Vec::new();
    for e in c.node.get("env").map(Node::as_seq).unwrap_or(&[]) {
        let Some(name) = e.get("name").and_then(Node::as_str) else {
            continue;
        };
        let value = e.get("value").and_then(Node::as_str).unwrap_or("");
        match name {
            "GITSYNC_GIT" | "GIT_SYNC_GIT" => out.push((name.to_string(), e, true, value.into())),
            "GITSYNC_GIT_CONFIG" | "GIT_SYNC_GIT_CONFIG" if runs_commands(value) => {
                out.push((name.to_string(), e, false, value.into()))
            }
            _ => {}
        }
    }
    for field in ["args", "command"] {
        let items = c.node.get(field).map(Node::as_seq).unwrap_or(&[]);
        for (i, a) in items.iter().enumerate() {
            let Some(text) = a.as_str() else {
                continue;
            };
            let flag = text.trim_start_matches('-');
            if !text.starts_with('-') {
                continue;
            }
            let (key, inline) = match flag.split_once('=') {
                Some((k, v)) => (k, Some(v)),
                None => (flag, None),
            };
            let value = inline
                .map(str::to_string)
                .or_else(|| items.get(i + 1).and_then(Node::as_str).map(str::to_string))
                .unwrap_or_default();
            match key {
                "git" => out.push(("--git".to_string(), a, true, value)),
                "git-config" if runs_commands(&value) => {
                    out.push(("--git-config".to_string(), a, false, value))
                }
                _ => {}
            }
        }
    }
    out
}

/// Whether a path lies in a volume some container of the pod mounts writable.
fn in_writable_volume(w: &Workload, path: &str) -> bool {
    w.containers().iter().any(|c| {
        c.node
            .get("volumeMounts")
            .map(Node::as_seq)
            .unwrap_or(&[])
            .iter()
            .filter(|m| m.get("readOnly").and_then(Node::as_bool) != Some(true))
            .filter_map(|m| m.get("mountPath").and_then(Node::as_str))
            .any(|mp| {
                let mp = mp.trim_end_matches('/');
                !mp.is_empty() && (path == mp || path.starts_with(&format!("{mp}/")))
            })
    })
}

impl Check for GitSyncExec {
    fn check_workload(&self, w: &Workload, _cx: &Context, out: &mut Sink) {
        for c in w.containers().iter().filter(|c| is_git_sync(c)) {
            for (setting, node, binary, value) in exec_settings(c) {
                let (what, severity) = if !binary {
                    ("sets git options that execute commands", Severity::Medium)
                } else if in_writable_volume(w, value.trim()) {
                    (
                        "runs a git executable from a writable volume",
                        Severity::High,
                    )
                } else {
                    (
                        "replaces the git executable git-sync runs",
                        Severity::Medium,
                    )
                };
                on_container(out, w, c, node.loc, format!("git-sync {} of {} {what} ({setting}), so whoever controls that path or setting gets code execution in the pod", c.describe(), w.object.resource_id()))
                    .key_part(setting.clone())
                    .severity(severity);
            }
        }
    }
}
