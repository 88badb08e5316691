use crate::{Check, Context, Sink};
use stridemap_model::k8s::K8sObject;

declare_rule! {
    /// ## What it does
    /// Flags admission policies that accept pods in the node's IPC namespace: a
    /// PodSecurityPolicy with `spec.hostIPC: true` or a SecurityContextConstraints with
    /// `allowHostIPC: true`.
    ///
    /// ## Why is this bad?
    /// The host IPC namespace exposes the node's shared memory segments, semaphores and message
    /// queues. A pod admitted into it can read or corrupt data that host processes and other
    /// host-IPC containers exchange there.
    ///
    /// ## Example
    /// ```yaml
    /// kind: PodSecurityPolicy
    /// spec:
    ///   hostIPC: true
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// kind: PodSecurityPolicy
    /// spec:
    ///   hostIPC: false
    /// ```
    /// Very few workloads need host IPC; refuse it in every general-purpose policy.
    pub struct PspHostIpc {
        id: "PSP-HOST-IPC",
        title: "Pod security policy admits the host IPC namespace",
        group: ContainerSecurity,
        stride: InformationDisclosure,
        severity: High,
        cwe: [653],
        infra: [Kubernetes],
        equivalents: ["CKV_K8S_3", "kics:80f93444-b240-4ebb-a4c6-5c40b76c04ea"],
        attack_scenario: "A user who may create pods under the policy runs one with `hostIPC: true` and dumps the node's shared memory segments, collecting data a database or cache process on the host keeps there.",
        mitigation: "Set `hostIPC: false` (SCC: `allowHostIPC: false`) in every policy bound to ordinary workloads.",
        checklist: ["pod.no-host-namespaces"],
    }
}

impl Check for PspHostIpc {
    fn check_object(&self, o: &K8sObject, _cx: &Context, out: &mut Sink) {
        super::host_namespace::check(o, "hostIPC", "allowHostIPC", "IPC namespace", out);
    }
}
