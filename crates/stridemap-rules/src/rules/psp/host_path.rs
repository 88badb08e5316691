use super::util::{Flavor, Policy};
use crate::{Check, Context, Sink};
use stridemap_model::k8s::K8sObject;
use stridemap_model::Node;

declare_rule! {
    /// ## What it does
    /// Flags admission policies that let pods mount the node's filesystem without limits:
    /// - a PodSecurityPolicy that admits `hostPath` volumes (`volumes` lists `hostPath` or `*`)
    ///   but has no `allowedHostPaths`, so any host directory may be mounted;
    /// - a PodSecurityPolicy `allowedHostPaths` entry without `readOnly: true`, which grants
    ///   write access to that part of the host;
    /// - a SecurityContextConstraints that admits `hostPath` volumes (through `volumes` or
    ///   `allowHostDirVolumePlugin: true`), since SCCs cannot restrict the path at all.
    ///
    /// A PodSecurityPolicy without a `volumes` list admits no volume type, so it is only
    /// flagged for writable `allowedHostPaths` entries.
    ///
    /// ## Why is this bad?
    /// A hostPath volume is a window onto the node. Mounting `/`, `/etc` or `/var/lib/kubelet`
    /// hands out the kubelet's credentials and every pod's secrets; write access lets the pod
    /// plant a cron job or an SSH key on the host.
    ///
    /// ## Example
    /// ```yaml
    /// kind: PodSecurityPolicy
    /// spec:
    ///   volumes: ['*']
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// kind: PodSecurityPolicy
    /// spec:
    ///   volumes: ['configMap', 'secret', 'emptyDir', 'persistentVolumeClaim', 'hostPath']
    ///   allowedHostPaths:
    ///     - pathPrefix: /var/log
    ///       readOnly: true
    /// ```
    /// Best is to leave `hostPath` out of `volumes`; where it must stay, list the exact
    /// prefixes the workloads need and mark each one read-only.
    pub struct PspHostPath {
        id: "PSP-HOST-PATH",
        title: "Pod security policy admits unrestricted host path volumes",
        group: ContainerSecurity,
        stride: ElevationOfPrivilege,
        severity: High,
        cwe: [668, 732],
        infra: [Kubernetes],
        equivalents: ["kics:de4421f1-4e35-43b4-9783-737dd4e4a47e"],
        attack_scenario: "A user allowed to create pods under the policy mounts the node's root directory through a hostPath volume, reads the kubelet's client certificate and writes a root cron job on the node.",
        mitigation: "Remove `hostPath` (and `*`) from the policy's `volumes`, or restrict it with `allowedHostPaths` entries that are all `readOnly: true`; on OpenShift set `allowHostDirVolumePlugin: false`.",
        checklist: ["pod.no-host-path"],
    }
}

/// Whether the policy's volume allowlist admits `hostPath` volumes.
fn admits_host_path(p: &Policy) -> bool {
    match p.volumes() {
        Some(volumes) => volumes
            .iter()
            .any(|v| *v == "*" || v.eq_ignore_ascii_case("hostPath")),
        // SCCs keep `allowHostDirVolumePlugin` in step with `volumes`; a PSP without the list
        // admits no volumes.
        None => {
            p.flavor == Flavor::Scc
                && p.enabled("allowHostDirVolumePlugin", "allowHostDirVolumePlugin")
                    .is_some()
        }
    }
}

/// Where the policy admits `hostPath`: the `volumes` entry, else the SCC flag.
fn host_path_grant<'a>(p: &Policy<'a>) -> Option<&'a Node> {
    p.get("volumes", "volumes")
        .and_then(|list| {
            list.strings()
                .into_iter()
                .find(|(v, _)| v.trim() == "*" || v.trim().eq_ignore_ascii_case("hostPath"))
                .map(|(_, n)| n)
        })
        .or_else(|| p.enabled("allowHostDirVolumePlugin", "allowHostDirVolumePlugin"))
}

impl Check for PspHostPath {
    fn check_object(&self, o: &K8sObject, _cx: &Context, out: &mut Sink) {
        let Some(p) = Policy::of(o) else { return };
        match p.flavor {
            Flavor::Scc => {
                if admits_host_path(&p) {
                    let loc = host_path_grant(&p).map_or(o.root.loc, |n| n.loc);
                    p.report(
                        out,
                        loc,
                        format!(
                            "{} admits hostPath volumes, and SCCs cannot limit which host directories they mount",
                            p.id()
                        ),
                    );
                }
            }
            Flavor::Psp => {
                let allowed = p
                    .get("allowedHostPaths", "allowedHostPaths")
                    .map(Node::as_seq)
                    .unwrap_or_default();
                if allowed.is_empty() {
                    if admits_host_path(&p) {
                        let loc =
                            host_path_grant(&p).map_or(p.anchor("volumes", "volumes"), |n| n.loc);
                        p.report(
                            out,
                            loc,
                            format!(
                                "{} admits hostPath volumes without allowedHostPaths, so any host directory can be mounted",
                                p.id()
                            ),
                        )
                        .key_part("unrestricted");
                    }
                    return;
                }
                for (i, entry) in allowed.iter().enumerate() {
                    if entry.get("readOnly").and_then(Node::as_bool) == Some(true) {
                        continue;
                    }
                    let prefix = entry
                        .get("pathPrefix")
                        .and_then(Node::as_str)
                        .unwrap_or("/");
                    let loc = entry
                        .get("readOnly")
                        .or_else(|| entry.key_node("pathPrefix"))
                        .map_or(entry.loc, |n| n.loc);
                    p.report(
                        out,
                        loc,
                        format!(
                            "{} allows writable hostPath mounts under `{prefix}` (allowedHostPaths entry without readOnly: true)",
                            p.id()
                        ),
                    )
                    .key_part(format!("allowedHostPaths[{i}]"));
                }
            }
        }
    }
}
