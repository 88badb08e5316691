use super::util::{admission_loc, invocations, Admission, Component};
use crate::{Check, Context, Sink};
use stridemap_model::k8s::Workload;

declare_rule! {
    /// ## What it does
    /// Flags `kube-apiserver` that does not enable the `NodeRestriction` admission plugin.
    ///
    /// ## Why is this bad?
    /// The Node authorizer decides which objects a kubelet may touch; `NodeRestriction`
    /// decides how. Without it a kubelet can edit other nodes' Node objects and labels, for
    /// instance setting the labels that steer sensitive workloads onto it, and can change pods
    /// bound to other nodes. One compromised node then pulls the cluster's most valuable pods
    /// towards itself.
    ///
    /// ## Example
    /// ```yaml
    /// command:
    ///   - kube-apiserver
    ///   - --authorization-mode=Node,RBAC
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// command:
    ///   - kube-apiserver
    ///   - --authorization-mode=Node,RBAC
    ///   - --enable-admission-plugins=NodeRestriction
    /// ```
    /// Add `NodeRestriction` to `--enable-admission-plugins`.
    pub struct AdmissionNoNodeRestriction {
        id: "CP-ADMISSION-NO-NODE-RESTRICTION",
        title: "NodeRestriction admission plugin not enabled",
        group: CiCdPipeline,
        stride: ElevationOfPrivilege,
        severity: Medium,
        cwe: [284],
        infra: [Kubernetes],
        equivalents: ["CKV_K8S_85", "kics:33fc6923-6553-4fe6-9d3a-4efa51eb874b"],
        attack_scenario: "An attacker who owns one node uses its kubelet credentials to relabel that node as a control-plane or PCI node; the scheduler then places the workloads that carry the matching nodeSelector, and their Secrets, onto the attacker's machine.",
        mitigation: "Add `NodeRestriction` to `--enable-admission-plugins` together with `--authorization-mode=Node,RBAC`.",
    }
}

impl Check for AdmissionNoNodeRestriction {
    fn check_workload(&self, w: &Workload, _cx: &Context, out: &mut Sink) {
        for inv in invocations(w, &[Component::ApiServer]) {
            if !Admission::of(&inv).runs("NodeRestriction") {
                inv.report(out, w, admission_loc(&inv, "NodeRestriction"), format!("{} does not enable the NodeRestriction admission plugin, so kubelets may modify other nodes and their pods", inv.describe(w)));
            }
        }
    }
}
