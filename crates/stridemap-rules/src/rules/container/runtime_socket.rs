use super::util::{host_path_volumes, is_runtime_socket};
use crate::helpers::{on_object, on_service};
use crate::{Check, Context, Sink};
use stridemap_model::compose::{ComposeFile, ComposeService};
use stridemap_model::k8s::Workload;

declare_rule! {
    /// ## What it does
    /// Flags container-runtime sockets mounted into a container: `/var/run/docker.sock`, the
    /// containerd, CRI-O and Podman sockets, or their directories — as `hostPath` volumes or
    /// Compose bind mounts, read-only or not.
    ///
    /// ## Why is this bad?
    /// The runtime socket is an unauthenticated root API. Anyone who can talk to it starts a new
    /// privileged container with the host's root filesystem mounted, which is full control of
    /// the node and every workload on it. `readOnly` does not help: it only stops deleting the
    /// socket file, not using it.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   ci-runner:
    ///     image: registry.example.com/runner:5.1.0
    ///     volumes:
    ///       - /var/run/docker.sock:/var/run/docker.sock
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// services:
    ///   ci-runner:
    ///     image: registry.example.com/runner:5.1.0
    ///     environment:
    ///       BUILDKIT_HOST: tcp://buildkitd:1234
    /// ```
    /// Build images with rootless BuildKit, Kaniko or a remote builder instead of the host's
    /// daemon.
    pub struct RuntimeSocket {
        id: "CTR-RUNTIME-SOCKET",
        title: "Container runtime socket mounted",
        group: ContainerSecurity,
        stride: ElevationOfPrivilege,
        severity: Critical,
        cwe: [250, 668],
        infra: [Kubernetes, Compose],
        equivalents: [
            "CKV_K8S_27",
            "kics:a6f34658-fdfb-4154-9536-56d516f65828",
            "kics:d6355c88-1e8d-49e9-b2f2-f8a1ca12c75b",
            "kube-linter:docker-sock",
        ],
        attack_scenario: "An attacker who compromises the container calls the runtime API through the socket, starts a privileged container with the host filesystem mounted and takes over the node.",
        mitigation: "Remove the socket mount; use rootless BuildKit, Kaniko or a remote build service, and block runtime sockets with admission policy.",
        checklist: ["pod.no-host-path"],
    }
}

impl Check for RuntimeSocket {
    fn check_workload(&self, w: &Workload, _cx: &Context, out: &mut Sink) {
        for (path, node) in host_path_volumes(w)
            .into_iter()
            .filter(|(p, _)| is_runtime_socket(p))
        {
            on_object(
                out,
                w.object,
                node.loc,
                format!(
                    "{} mounts the container runtime socket {path}",
                    w.object.resource_id()
                ),
            )
            .key_part(path);
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
            if let Some(source) = compose.host_source(&m).filter(|s| is_runtime_socket(s)) {
                on_service(
                    out,
                    compose,
                    service,
                    m.loc,
                    format!(
                        "Compose service `{}` mounts the container runtime socket {source}",
                        service.name
                    ),
                )
                .key_part(source);
            }
        }
    }
}
