use super::util::{admission_loc, invocations, Admission, Component};
use crate::{Check, Context, Sink};
use stridemap_model::k8s::Workload;

declare_rule! {
    /// ## What it does
    /// Flags `kube-apiserver` that enables the `AlwaysAdmit` admission plugin through
    /// `--enable-admission-plugins` or the legacy `--admission-control`.
    ///
    /// ## Why is this bad?
    /// `AlwaysAdmit` accepts every request unconditionally. It was deprecated because it
    /// behaves as if admission control were switched off, and on old API servers listing it in
    /// `--admission-control` replaced the whole plugin chain, so quotas, pod security and
    /// service account handling silently stopped.
    ///
    /// ## Example
    /// ```yaml
    /// command:
    ///   - kube-apiserver
    ///   - --enable-admission-plugins=AlwaysAdmit
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// command:
    ///   - kube-apiserver
    ///   - --enable-admission-plugins=NodeRestriction
    /// ```
    /// Remove `AlwaysAdmit` from the list.
    pub struct AdmissionAlwaysAdmit {
        id: "CP-ADMISSION-ALWAYS-ADMIT",
        title: "AlwaysAdmit admission plugin enabled",
        group: CiCdPipeline,
        stride: ElevationOfPrivilege,
        severity: High,
        cwe: [284],
        infra: [Kubernetes],
        equivalents: ["CKV_K8S_79", "kics:ce30e584-b33f-4c7d-b418-a3d7027f8f60"],
        attack_scenario: "With admission reduced to AlwaysAdmit, an attacker holding a namespace-scoped token creates a privileged pod with a hostPath mount; no plugin stands between the request and the node.",
        mitigation: "Remove `AlwaysAdmit` from `--enable-admission-plugins` / `--admission-control`.",
    }
}

impl Check for AdmissionAlwaysAdmit {
    fn check_workload(&self, w: &Workload, _cx: &Context, out: &mut Sink) {
        for inv in invocations(w, &[Component::ApiServer]) {
            if Admission::of(&inv).explicitly_enabled("AlwaysAdmit") {
                inv.report(
                    out,
                    w,
                    admission_loc(&inv, "AlwaysAdmit"),
                    format!(
                        "{} enables the AlwaysAdmit admission plugin, which admits every request",
                        inv.describe(w)
                    ),
                );
            }
        }
    }
}
