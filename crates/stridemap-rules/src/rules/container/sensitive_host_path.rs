use super::util::{host_path_volumes, is_runtime_socket, sensitive_host_path};
use crate::helpers::{on_object, on_service};
use crate::{Check, Context, Sink};
use stridemap_model::compose::{ComposeFile, ComposeService};
use stridemap_model::k8s::{K8sObject, Workload};
use stridemap_model::{Node, Severity};

declare_rule! {
    /// ## What it does
    /// Flags host directories that expose the node itself — `/`, `/etc`, `/proc`, `/sys`,
    /// `/dev`, `/root`, `/var/lib/kubelet`, `/var/lib/docker`, `/etc/kubernetes` and the like —
    /// mounted into a pod (`hostPath` volumes, PersistentVolumes of type hostPath) or a Compose
    /// service (bind mounts). Runtime sockets are reported by `CTR-RUNTIME-SOCKET`.
    ///
    /// ## Why is this bad?
    /// These directories hold the node's credentials (kubelet client certificates, service
    /// account tokens of every pod on the node), its configuration and its kernel interfaces.
    /// Read access leaks them; write access is a direct path to root on the node.
    ///
    /// ## Example
    /// ```yaml
    /// volumes:
    ///   - name: host-etc
    ///     hostPath:
    ///       path: /etc
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// volumes:
    ///   - name: app-config
    ///     configMap:
    ///       name: app-config
    /// ```
    /// Deliver configuration through ConfigMaps, Secrets or projected volumes, never the node's
    /// own directories.
    pub struct SensitiveHostPath {
        id: "CTR-SENSITIVE-HOST-PATH",
        title: "Sensitive host directory mounted",
        group: ContainerSecurity,
        stride: ElevationOfPrivilege,
        severity: High,
        cwe: [668, 732],
        infra: [Kubernetes, Compose],
        equivalents: [
            "kics:5308a7a8-06f8-45ac-bf10-791fe21de46e",
            "kics:1c1325ff-831d-43a1-973e-839ae57dfcc0",
            "kube-linter:sensitive-host-mounts",
        ],
        attack_scenario: "An attacker who compromises the container reads the kubelet's credentials or other pods' tokens from the mounted node directory, or writes to /etc or the root filesystem to gain root on the node.",
        mitigation: "Remove mounts of node system directories; deliver configuration with ConfigMaps, Secrets or projected volumes.",
        checklist: ["pod.no-host-path"],
    }
}

fn severity_of(dir: &str) -> Severity {
    if matches!(
        dir,
        "/" | "/etc"
            | "/root"
            | "/var/lib/kubelet"
            | "/etc/kubernetes"
            | "/proc"
            | "/dev"
            | "/boot"
    ) {
        Severity::Critical
    } else {
        Severity::High
    }
}

fn report_k8s(out: &mut Sink, object: &K8sObject, path: &str, node: &Node) {
    if is_runtime_socket(path) {
        return;
    }
    if let Some(dir) = sensitive_host_path(path) {
        on_object(
            out,
            object,
            node.loc,
            format!("{} mounts the host directory {path}", object.resource_id()),
        )
        .key_part(path)
        .severity(severity_of(dir));
    }
}

impl Check for SensitiveHostPath {
    fn check_workload(&self, w: &Workload, _cx: &Context, out: &mut Sink) {
        for (path, node) in host_path_volumes(w) {
            report_k8s(out, w.object, path, node);
        }
    }

    fn check_object(&self, object: &K8sObject, _cx: &Context, out: &mut Sink) {
        if object.kind == "PersistentVolume" {
            if let Some(node) = object.root.path(&["spec", "hostPath", "path"]) {
                if let Some(path) = node.as_str() {
                    report_k8s(out, object, path, node);
                }
            }
        }
    }

    fn check_compose_service(
        &self,
        compose: &ComposeFile,
        service: &ComposeService,
        _cx: &Context,
        out: &mut Sink,
    ) {
        for m in service.mounts() {
            let Some(source) = compose.host_source(&m) else {
                continue;
            };
            if is_runtime_socket(source) {
                continue;
            }
            if let Some(dir) = sensitive_host_path(source) {
                on_service(
                    out,
                    compose,
                    service,
                    m.loc,
                    format!(
                        "Compose service `{}` bind-mounts the host directory {source}",
                        service.name
                    ),
                )
                .key_part(source)
                .severity(severity_of(dir));
            }
        }
    }
}
