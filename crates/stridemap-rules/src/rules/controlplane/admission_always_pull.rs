use super::util::{admission_loc, invocations, Admission, Component};
use crate::{Check, Context, Sink};
use stridemap_model::k8s::Workload;

declare_rule! {
    /// ## What it does
    /// Flags `kube-apiserver` that does not enable the `AlwaysPullImages` admission plugin.
    ///
    /// ## Why is this bad?
    /// Once a private image is on a node, any pod scheduled there can start it by name: the
    /// kubelet uses the cached copy and never asks the registry whether this pod's pull
    /// secret grants access. `AlwaysPullImages` forces `imagePullPolicy: Always`, so the
    /// registry checks credentials for every pod.
    ///
    /// ## Example
    /// ```yaml
    /// command:
    ///   - kube-apiserver
    ///   - --enable-admission-plugins=NodeRestriction
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// command:
    ///   - kube-apiserver
    ///   - --enable-admission-plugins=NodeRestriction,AlwaysPullImages
    /// ```
    /// Add `AlwaysPullImages` to the list.
    pub struct AdmissionNoAlwaysPullImages {
        id: "CP-ADMISSION-NO-ALWAYS-PULL",
        title: "AlwaysPullImages admission plugin not enabled",
        group: CiCdPipeline,
        stride: ElevationOfPrivilege,
        severity: Medium,
        cwe: [284],
        infra: [Kubernetes],
        equivalents: ["CKV_K8S_80", "kics:a77f4d07-c6e0-4a48-8b35-0eeb51576f4f"],
        attack_scenario: "A tenant without access to the payments team's registry schedules a pod naming the payments image onto a shared node; the kubelet starts the cached copy and the tenant reads the proprietary code and baked-in configuration.",
        mitigation: "Add `AlwaysPullImages` to `--enable-admission-plugins`.",
    }
}

impl Check for AdmissionNoAlwaysPullImages {
    fn check_workload(&self, w: &Workload, _cx: &Context, out: &mut Sink) {
        for inv in invocations(w, &[Component::ApiServer]) {
            if !Admission::of(&inv).runs("AlwaysPullImages") {
                inv.report(out, w, admission_loc(&inv, "AlwaysPullImages"), format!("{} does not enable the AlwaysPullImages admission plugin, so pods can start private images cached on the node without credentials", inv.describe(w)));
            }
        }
    }
}
