use crate::{Check, Context, Sink};
use stridemap_model::k8s::K8sObject;

declare_rule! {
    /// ## What it does
    /// Flags admission policies that accept pods in the node's network namespace: a
    /// PodSecurityPolicy with `spec.hostNetwork: true` or a SecurityContextConstraints with
    /// `allowHostNetwork: true`.
    ///
    /// ## Why is this bad?
    /// A pod on the host network binds directly to the node's interfaces. It can reach services
    /// that listen only on localhost (the kubelet's read-only port, node-local agents), sniff
    /// traffic with the right capability and sidestep NetworkPolicies, which do not apply to
    /// host-network pods. The policy decides whether any workload may do this.
    ///
    /// ## Example
    /// ```yaml
    /// kind: PodSecurityPolicy
    /// spec:
    ///   hostNetwork: true
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// kind: PodSecurityPolicy
    /// spec:
    ///   hostNetwork: false
    /// ```
    /// Reserve host networking for a separately bound policy used only by node-level agents.
    pub struct PspHostNetwork {
        id: "PSP-HOST-NETWORK",
        title: "Pod security policy admits host networking",
        group: ContainerSecurity,
        stride: ElevationOfPrivilege,
        severity: High,
        cwe: [653, 668],
        infra: [Kubernetes],
        equivalents: ["CKV_K8S_4", "kics:a33e9173-b674-4dfb-9d82-cf3754816e4b"],
        attack_scenario: "Someone allowed to create pods under the policy runs one with `hostNetwork: true`, talks to node-local endpoints that trust localhost and reaches cluster services without passing through any NetworkPolicy.",
        mitigation: "Set `hostNetwork: false` (SCC: `allowHostNetwork: false`) in policies bound to ordinary workloads.",
        checklist: ["pod.no-host-namespaces"],
    }
}

impl Check for PspHostNetwork {
    fn check_object(&self, o: &K8sObject, _cx: &Context, out: &mut Sink) {
        super::host_namespace::check(
            o,
            "hostNetwork",
            "allowHostNetwork",
            "network namespace",
            out,
        );
    }
}
