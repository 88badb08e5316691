use super::util::Policy;
use crate::{Check, Context, Sink};
use stridemap_model::k8s::K8sObject;

declare_rule! {
    /// ## What it does
    /// Flags admission policies that accept privileged containers: a PodSecurityPolicy with
    /// `spec.privileged: true` or an OpenShift SecurityContextConstraints with
    /// `allowPrivilegedContainer: true`.
    ///
    /// ## Why is this bad?
    /// The policy is the cluster's gate against dangerous pod specs. Once it says yes to
    /// `privileged`, any workload bound to it (through its service account or its creator) can
    /// start a container that sees every host device, holds every capability and runs without
    /// seccomp or AppArmor, which is a short step to root on the node.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: policy/v1beta1
    /// kind: PodSecurityPolicy
    /// metadata:
    ///   name: workloads
    /// spec:
    ///   privileged: true
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// apiVersion: policy/v1beta1
    /// kind: PodSecurityPolicy
    /// metadata:
    ///   name: workloads
    /// spec:
    ///   privileged: false
    /// ```
    /// Keep a separate, narrowly bound policy for the few system agents that genuinely need
    /// privileged mode, and give ordinary workloads one that refuses it.
    pub struct PspPrivileged {
        id: "PSP-PRIVILEGED",
        title: "Pod security policy admits privileged containers",
        group: ContainerSecurity,
        stride: ElevationOfPrivilege,
        severity: High,
        cwe: [250, 269],
        infra: [Kubernetes],
        equivalents: [
            "CKV_K8S_2",
            "kics:c48e57d3-d642-4e0b-90db-37f807b41b91",
            "kube-linter:scc-deny-privileged-container",
        ],
        attack_scenario: "A developer account or a compromised CI job that may create pods under this policy submits a pod with `privileged: true`; admission lets it through, and the container mounts the node's root filesystem and takes over the node.",
        mitigation: "Set `privileged: false` (SCC: `allowPrivilegedContainer: false`) and bind any policy that must allow privileged mode only to the specific system service accounts that need it.",
        checklist: ["pod.no-privileged"],
    }
}

impl Check for PspPrivileged {
    fn check_object(&self, o: &K8sObject, _cx: &Context, out: &mut Sink) {
        let Some(p) = Policy::of(o) else { return };
        let field = p.field_name("privileged", "allowPrivilegedContainer");
        if let Some(flag) = p.enabled("privileged", "allowPrivilegedContainer") {
            p.report(
                out,
                flag.loc,
                format!("{} admits privileged containers ({field}: true)", p.id()),
            );
        }
    }
}
