use super::util::{admission_loc, invocations, Admission, Component};
use crate::{Check, Context, Sink};
use stridemap_model::k8s::Workload;

declare_rule! {
    /// ## What it does
    /// Flags `kube-apiserver` that turns the `ServiceAccount` admission plugin off: listed in
    /// `--disable-admission-plugins`, or missing from a legacy `--admission-control` list. The
    /// plugin is on by default, so an API server that merely does not name it is fine.
    ///
    /// ## Why is this bad?
    /// The plugin gives every pod a service account (the namespace's `default` when none is
    /// named), rejects pods that name a service account that does not exist, and mounts the
    /// short-lived, bound token. Without it pods run with no identity bookkeeping, can
    /// reference arbitrary accounts, and token handling falls back to whatever the pod spec
    /// mounts by hand.
    ///
    /// ## Example
    /// ```yaml
    /// command:
    ///   - kube-apiserver
    ///   - --disable-admission-plugins=ServiceAccount
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// command:
    ///   - kube-apiserver
    ///   - --enable-admission-plugins=NodeRestriction
    /// ```
    /// Remove `ServiceAccount` from `--disable-admission-plugins`.
    pub struct AdmissionServiceAccountOff {
        id: "CP-ADMISSION-SERVICE-ACCOUNT-OFF",
        title: "ServiceAccount admission plugin disabled",
        group: CiCdPipeline,
        stride: ElevationOfPrivilege,
        severity: Medium,
        cwe: [284],
        infra: [Kubernetes],
        equivalents: ["kics:9587c890-0524-40c2-9ce2-663af7c2f063"],
        attack_scenario: "With no ServiceAccount admission, a user creates a pod naming a privileged controller's service account that the pod spec mounts by hand; nothing checks the reference and the pod acts with the controller's rights.",
        mitigation: "Keep `ServiceAccount` enabled: remove it from `--disable-admission-plugins`.",
    }
}

impl Check for AdmissionServiceAccountOff {
    fn check_workload(&self, w: &Workload, _cx: &Context, out: &mut Sink) {
        for inv in invocations(w, &[Component::ApiServer]) {
            if !Admission::of(&inv).runs("ServiceAccount") {
                inv.report(out, w, admission_loc(&inv, "ServiceAccount"), format!("{} turns the ServiceAccount admission plugin off, so pods are admitted without service account checks", inv.describe(w)));
            }
        }
    }
}
