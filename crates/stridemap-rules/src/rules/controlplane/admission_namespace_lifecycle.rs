use super::util::{admission_loc, invocations, Admission, Component};
use crate::{Check, Context, Sink};
use stridemap_model::k8s::Workload;

declare_rule! {
    /// ## What it does
    /// Flags `kube-apiserver` that turns the `NamespaceLifecycle` admission plugin off: listed
    /// in `--disable-admission-plugins`, or missing from a legacy `--admission-control` list
    /// (which replaces the default plugins). The plugin is on by default, so an API server
    /// that merely does not name it is fine.
    ///
    /// ## Why is this bad?
    /// `NamespaceLifecycle` refuses objects in namespaces that do not exist or are being
    /// deleted, and protects `default`, `kube-system` and `kube-public` from deletion. Without
    /// it, objects can be created in a namespace while it is torn down, surviving the cleanup
    /// and the policies that went with it, and the system namespaces can be deleted.
    ///
    /// ## Example
    /// ```yaml
    /// command:
    ///   - kube-apiserver
    ///   - --disable-admission-plugins=NamespaceLifecycle
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// command:
    ///   - kube-apiserver
    ///   - --enable-admission-plugins=NodeRestriction
    /// ```
    /// Remove `NamespaceLifecycle` from `--disable-admission-plugins`.
    pub struct AdmissionNamespaceLifecycleOff {
        id: "CP-ADMISSION-NAMESPACE-LIFECYCLE-OFF",
        title: "NamespaceLifecycle admission plugin disabled",
        group: CiCdPipeline,
        stride: Tampering,
        severity: Medium,
        cwe: [284],
        infra: [Kubernetes],
        equivalents: ["kics:1ffe7bf7-563b-4b3d-a71d-ba6bd8d49b37"],
        attack_scenario: "While a compromised tenant namespace is being deleted, an attacker keeps creating pods and Secrets in it; with no lifecycle check they outlive the deletion of the NetworkPolicies and quotas that confined them.",
        mitigation: "Keep `NamespaceLifecycle` enabled: remove it from `--disable-admission-plugins` and migrate from `--admission-control` to `--enable-admission-plugins`.",
    }
}

impl Check for AdmissionNamespaceLifecycleOff {
    fn check_workload(&self, w: &Workload, _cx: &Context, out: &mut Sink) {
        for inv in invocations(w, &[Component::ApiServer]) {
            if !Admission::of(&inv).runs("NamespaceLifecycle") {
                inv.report(out, w, admission_loc(&inv, "NamespaceLifecycle"), format!("{} turns the NamespaceLifecycle admission plugin off, so objects can be created in terminating or missing namespaces", inv.describe(w)));
            }
        }
    }
}
