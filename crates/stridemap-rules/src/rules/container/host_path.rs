use super::util::host_path_mounts;
use crate::helpers::on_container;
use crate::{Check, Context, Sink};
use stridemap_model::k8s::Workload;
use stridemap_model::Severity;

declare_rule! {
    /// ## What it does
    /// Flags containers that mount a `hostPath` volume, outside the `kube-system` namespace.
    /// Writable mounts are reported at medium severity, read-only ones at low. Sensitive host
    /// directories and container-runtime sockets have their own rules
    /// (`CTR-SENSITIVE-HOST-PATH`, `CTR-RUNTIME-SOCKET`).
    ///
    /// ## Why is this bad?
    /// A hostPath ties the pod to one node and gives it a window onto that node's filesystem.
    /// A writable one lets a compromised container plant files the node or other pods later
    /// read or execute. Node agents in `kube-system` (CNI, log shippers, CSI drivers) need such
    /// mounts by design and are owned by the platform team, so they are left out here.
    ///
    /// ## Example
    /// ```yaml
    /// volumes:
    ///   - name: cache
    ///     hostPath:
    ///       path: /mnt/cache
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// volumes:
    ///   - name: cache
    ///     emptyDir: {}
    /// ```
    /// Use `emptyDir`, a PersistentVolumeClaim or a projected volume; if a host path is
    /// unavoidable, mount it `readOnly: true`.
    pub struct HostPathMount {
        id: "CTR-HOST-PATH",
        title: "Container mounts a host path",
        group: ContainerSecurity,
        stride: ElevationOfPrivilege,
        severity: Medium,
        cwe: [668, 732],
        infra: [Kubernetes],
        equivalents: ["kics:aa8f7a35-9923-4cad-bd61-a19b7f6aac91", "kube-linter:writable-host-mount"],
        attack_scenario: "An attacker who compromises the container writes into the mounted host directory, planting a file that a node process or another pod later trusts, or reads data left there by other workloads.",
        mitigation: "Replace hostPath volumes with emptyDir or PersistentVolumeClaims; where a host path is unavoidable, mount it read-only and restrict it with admission policy.",
        checklist: ["pod.no-host-path"],
    }
}

impl Check for HostPathMount {
    fn check_workload(&self, w: &Workload, _cx: &Context, out: &mut Sink) {
        if w.namespace() == "kube-system" {
            return;
        }
        for c in w.containers() {
            for m in host_path_mounts(w, &c) {
                let Some(mount) = m.mount else { continue };
                let (how, severity) = if m.read_only {
                    ("read-only", Severity::Low)
                } else {
                    ("writable", Severity::Medium)
                };
                on_container(
                    out,
                    w,
                    &c,
                    mount.loc,
                    format!(
                        "{} of {} mounts host path {} {how}",
                        c.describe(),
                        w.object.resource_id(),
                        m.path
                    ),
                )
                .key_part(m.volume_name)
                .severity(severity)
                .also_at(w.object.file, m.path_node.loc);
            }
        }
    }
}
