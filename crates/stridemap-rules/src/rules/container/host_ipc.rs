use super::host_namespace::{check_pod, check_service};
use crate::{Check, Context, Sink};
use stridemap_model::compose::{ComposeFile, ComposeService};
use stridemap_model::k8s::Workload;

declare_rule! {
    /// ## What it does
    /// Flags pods with `hostIPC: true` and Compose services with `ipc: host`.
    ///
    /// ## Why is this bad?
    /// The container shares System V IPC and POSIX shared memory with the node and every other
    /// host-IPC process: it can read or corrupt shared memory segments that other workloads use
    /// to exchange data.
    ///
    /// ## Example
    /// ```yaml
    /// spec:
    ///   hostIPC: true
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// spec:
    ///   hostIPC: false
    /// ```
    /// Share memory between containers of one pod with an `emptyDir` of `medium: Memory`.
    pub struct HostIpc {
        id: "CTR-HOST-IPC",
        title: "Workload shares the host IPC namespace",
        group: ContainerSecurity,
        stride: InformationDisclosure,
        severity: High,
        cwe: [653],
        infra: [Kubernetes, Compose],
        equivalents: [
            "CKV_K8S_18",
            "kics:cd290efd-6c82-4e9d-a698-be12ae31d536",
            "kics:baa3890f-bed7-46f5-ab8f-1da8fc91c729",
            "kube-linter:host-ipc",
        ],
        attack_scenario: "An attacker in the container attaches to the node's shared memory segments and reads or alters data other processes exchange through them.",
        mitigation: "Remove `hostIPC: true` (Compose: `ipc: host`).",
        checklist: ["pod.no-host-namespaces"],
    }
}

impl Check for HostIpc {
    fn check_workload(&self, w: &Workload, _cx: &Context, out: &mut Sink) {
        check_pod(w, "hostIPC", "IPC namespace", out);
    }

    fn check_compose_service(
        &self,
        compose: &ComposeFile,
        service: &ComposeService,
        _cx: &Context,
        out: &mut Sink,
    ) {
        check_service(compose, service, "ipc", "IPC namespace", out);
    }
}
