use crate::{Check, Context, Sink};
use stridemap_model::k8s::K8sObject;

declare_rule! {
    /// ## What it does
    /// Flags admission policies that accept pods in the node's process ID namespace: a
    /// PodSecurityPolicy with `spec.hostPID: true` or a SecurityContextConstraints with
    /// `allowHostPID: true`.
    ///
    /// ## Why is this bad?
    /// In the host PID namespace a container lists every process on the node, reads their
    /// command lines and environment (often holding credentials) and, as root, can signal or
    /// `nsenter` into them, which ends container isolation.
    ///
    /// ## Example
    /// ```yaml
    /// kind: PodSecurityPolicy
    /// spec:
    ///   hostPID: true
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// kind: PodSecurityPolicy
    /// spec:
    ///   hostPID: false
    /// ```
    /// Grant host PID only through a dedicated policy bound to the monitoring agent that needs it.
    pub struct PspHostPid {
        id: "PSP-HOST-PID",
        title: "Pod security policy admits the host PID namespace",
        group: ContainerSecurity,
        stride: ElevationOfPrivilege,
        severity: High,
        cwe: [653],
        infra: [Kubernetes],
        equivalents: ["CKV_K8S_1", "kics:91dacd0e-d189-4a9c-8272-5999a3cc32d9"],
        attack_scenario: "A user who may create pods under the policy starts one with `hostPID: true`, reads secrets from the environment of other processes on the node and uses `nsenter -t 1` to get a shell in the host's namespaces.",
        mitigation: "Set `hostPID: false` (SCC: `allowHostPID: false`) in policies bound to ordinary workloads.",
        checklist: ["pod.no-host-namespaces"],
    }
}

impl Check for PspHostPid {
    fn check_object(&self, o: &K8sObject, _cx: &Context, out: &mut Sink) {
        super::host_namespace::check(o, "hostPID", "allowHostPID", "PID namespace", out);
    }
}
