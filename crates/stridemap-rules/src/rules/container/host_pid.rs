use super::host_namespace::{check_pod, check_service};
use crate::{Check, Context, Sink};
use stridemap_model::compose::{ComposeFile, ComposeService};
use stridemap_model::k8s::Workload;

declare_rule! {
    /// ## What it does
    /// Flags pods with `hostPID: true` and Compose services with `pid: host`.
    ///
    /// ## Why is this bad?
    /// The container sees every process on the node, including other pods' processes and their
    /// environment variables (often holding credentials) under `/proc`. With `SYS_PTRACE` or
    /// root it can attach to them, and `nsenter -t 1` gives a shell on the host.
    ///
    /// ## Example
    /// ```yaml
    /// spec:
    ///   hostPID: true
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// spec:
    ///   hostPID: false
    /// ```
    /// Leave the field out; debugging tools that need it belong in ephemeral, audited sessions.
    pub struct HostPid {
        id: "CTR-HOST-PID",
        title: "Workload shares the host PID namespace",
        group: ContainerSecurity,
        stride: ElevationOfPrivilege,
        severity: High,
        cwe: [653],
        infra: [Kubernetes, Compose],
        equivalents: [
            "CKV_K8S_17",
            "kics:302736f4-b16c-41b8-befe-c0baffa0bd9d",
            "kics:4f31dd9f-2cc3-4751-9b53-67e4af83dac0",
            "kube-linter:host-pid",
        ],
        attack_scenario: "An attacker in the container lists every process on the node, reads other workloads' environment variables from /proc, and with enough privileges enters the host's namespaces through PID 1.",
        mitigation: "Remove `hostPID: true` (Compose: `pid: host`).",
        checklist: ["pod.no-host-namespaces"],
    }
}

impl Check for HostPid {
    fn check_workload(&self, w: &Workload, _cx: &Context, out: &mut Sink) {
        check_pod(w, "hostPID", "process namespace", out);
    }

    fn check_compose_service(
        &self,
        compose: &ComposeFile,
        service: &ComposeService,
        _cx: &Context,
        out: &mut Sink,
    ) {
        check_service(compose, service, "pid", "process namespace", out);
    }
}
