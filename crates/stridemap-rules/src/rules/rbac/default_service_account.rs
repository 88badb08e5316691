use super::util::{
    bindings_for_service_account, pod_service_account, projected_token, service_account_anchor,
    token_mount, TokenMount,
};
use crate::helpers::on_object;
use crate::{Check, Context, Sink};
use stridemap_model::k8s::Workload;
use stridemap_model::Severity;

declare_rule! {
    /// ## What it does
    /// Flags workloads whose pods run as their namespace's `default` ServiceAccount:
    /// `serviceAccountName` is missing, empty or `default`. Pods that switch the token off
    /// (`automountServiceAccountToken: false` on the pod, or on the `default` ServiceAccount
    /// when the pod does not set it) and do not project one themselves are not reported. The
    /// finding is raised to medium when a binding in the scanned manifests grants that
    /// `default` account a role.
    ///
    /// ## Why is this bad?
    /// `default` is shared by every pod of the namespace that did not ask for anything else.
    /// Whatever it is allowed to do, every one of those pods may do, and a permission added
    /// for one workload silently reaches all the others. Per-workload service accounts keep
    /// identities apart, make RBAC and audit logs meaningful, and limit what one compromised pod
    /// can reach.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata:
    ///   name: catalog
    /// spec:
    ///   template:
    ///     spec:
    ///       containers:
    ///         - name: catalog
    ///           image: registry.example.com/catalog:2.3.1
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata:
    ///   name: catalog
    /// spec:
    ///   template:
    ///     spec:
    ///       serviceAccountName: catalog
    ///       automountServiceAccountToken: false
    ///       containers:
    ///         - name: catalog
    ///           image: registry.example.com/catalog:2.3.1
    /// ```
    /// Create a ServiceAccount per workload and switch the token off where the workload does
    /// not call the Kubernetes API.
    pub struct DefaultServiceAccount {
        id: "SA-DEFAULT-SERVICE-ACCOUNT",
        title: "Workload runs as the default service account",
        group: ContainerSecurity,
        stride: ElevationOfPrivilege,
        severity: Low,
        cwe: [1188],
        infra: [Kubernetes],
        equivalents: [
            "kics:591ade62-d6b0-4580-b1ae-209f80ba1cd9",
            "kube-linter:default-service-account",
        ],
        attack_scenario: "A role is bound to the namespace's `default` service account for one job; an attacker who exploits an unrelated web pod that also runs as `default` reads its token and uses that role against the API server.",
        mitigation: "Set `serviceAccountName` to a dedicated ServiceAccount for each workload, bind only what it needs, and set `automountServiceAccountToken: false` where the API is not used.",
        checklist: ["rbac.service-account-per-workload", "rbac.no-default-service-account"],
    }
}

impl Check for DefaultServiceAccount {
    fn check_workload(&self, w: &Workload, cx: &Context, out: &mut Sink) {
        if pod_service_account(w) != "default" {
            return;
        }
        if matches!(token_mount(w, cx.corpus), TokenMount::Off) && projected_token(w).is_none() {
            return;
        }
        let how = if w.service_account().is_some() {
            "sets `serviceAccountName: default`"
        } else if ["serviceAccountName", "serviceAccount"]
            .iter()
            .any(|k| w.spec.get(k).is_some())
        {
            "leaves `serviceAccountName` empty"
        } else {
            "does not set `serviceAccountName`"
        };
        let runs = if w.object.kind == "Pod" {
            "it runs"
        } else {
            "its pods run"
        };
        let bindings = bindings_for_service_account(cx, "default", w.object.namespace.as_deref());
        let f = on_object(
            out,
            w.object,
            service_account_anchor(w),
            format!(
                "{} {how}, so {runs} as the namespace's shared `default` service account",
                w.object.resource_id()
            ),
        );
        if !bindings.is_empty() {
            f.severity(Severity::Medium)
                .title("Workload runs as a default service account that holds RBAC roles");
            for b in bindings {
                f.resource(b.resource_id()).also_at(b.file, b.root.loc);
            }
        }
    }
}
