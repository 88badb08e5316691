use super::util::{invocations, Component};
use crate::{Check, Context, Sink};
use stridemap_model::k8s::Workload;

declare_rule! {
    /// ## What it does
    /// Flags `kube-controller-manager` without `--use-service-account-credentials=true` (the
    /// default is `false`).
    ///
    /// ## Why is this bad?
    /// Without the flag every controller loop (deployments, jobs, namespaces, service
    /// accounts...) shares the controller manager's own credential, which must then hold the
    /// union of all their permissions. With it, each controller uses its own service account
    /// in `kube-system` with a role scoped to its job, so one misbehaving or exploited loop
    /// cannot use the others' rights, and the audit log shows which controller acted.
    ///
    /// ## Example
    /// ```yaml
    /// command:
    ///   - kube-controller-manager
    ///   - --kubeconfig=/etc/kubernetes/controller-manager.conf
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// command:
    ///   - kube-controller-manager
    ///   - --kubeconfig=/etc/kubernetes/controller-manager.conf
    ///   - --use-service-account-credentials=true
    /// ```
    /// Add `--use-service-account-credentials=true`; the default RBAC policy already ships
    /// the per-controller roles.
    pub struct ControllerSharedCredentials {
        id: "CP-CONTROLLER-SHARED-CREDENTIALS",
        title: "Controllers share the controller manager's credential",
        group: ContainerSecurity,
        stride: ElevationOfPrivilege,
        severity: Medium,
        cwe: [250, 272],
        infra: [Kubernetes],
        equivalents: ["CKV_K8S_108", "kics:1acd93f1-5a37-45c0-aaac-82ece818be7d"],
        attack_scenario: "A bug in one controller lets crafted objects steer its requests; because all controllers share one all-powerful credential, the attacker's requests can touch any resource any controller may touch, and the audit log cannot tell the loops apart.",
        mitigation: "Start kube-controller-manager with `--use-service-account-credentials=true`.",
    }
}

impl Check for ControllerSharedCredentials {
    fn check_workload(&self, w: &Workload, _cx: &Context, out: &mut Sink) {
        for inv in invocations(w, &[Component::ControllerManager]) {
            let what = match inv.bool_value("use-service-account-credentials") {
                Some(true) => continue,
                Some(false) => "sets `--use-service-account-credentials=false`",
                None => "does not set `--use-service-account-credentials=true`",
            };
            inv.report(
                out,
                w,
                inv.loc_of("use-service-account-credentials"),
                format!(
                    "{} {what}, so every controller acts with one shared, all-powerful credential",
                    inv.describe(w)
                ),
            );
        }
    }
}
