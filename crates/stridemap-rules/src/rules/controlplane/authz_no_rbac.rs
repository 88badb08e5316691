use super::util::{invocations, Component};
use crate::{Check, Context, Sink};
use stridemap_model::k8s::Workload;

declare_rule! {
    /// ## What it does
    /// Flags `kube-apiserver` whose `--authorization-mode` does not include `RBAC`, including
    /// an API server without the flag (it then defaults to `AlwaysAllow`). Servers configured
    /// through `--authorization-config` are skipped.
    ///
    /// ## Why is this bad?
    /// Roles and RoleBindings only take effect when the RBAC authorizer is on. Without it,
    /// access is decided by whatever else is configured, usually `AlwaysAllow` or a legacy ABAC
    /// policy file that needs a restart for every change, and least-privilege service
    /// accounts cannot be expressed at all.
    ///
    /// ## Example
    /// ```yaml
    /// command:
    ///   - kube-apiserver
    ///   - --authorization-mode=Node
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// command:
    ///   - kube-apiserver
    ///   - --authorization-mode=Node,RBAC
    /// ```
    /// Add `RBAC` to the list and grant access through Roles and RoleBindings.
    pub struct AuthorizationNoRbac {
        id: "CP-AUTHZ-NO-RBAC",
        title: "API server does not use RBAC",
        group: ContainerSecurity,
        stride: ElevationOfPrivilege,
        severity: High,
        cwe: [285],
        infra: [Kubernetes],
        equivalents: ["CKV_K8S_77", "kics:1aa4a1ae-5dbb-48a1-9aa2-630ea4be208e"],
        attack_scenario: "The cluster's Roles look restrictive, but the API server never evaluates them; an attacker holding any workload's token is judged by the fallback authorizer and gets far more than its Role grants.",
        mitigation: "Include `RBAC` in `--authorization-mode` (typically `--authorization-mode=Node,RBAC`).",
    }
}

impl Check for AuthorizationNoRbac {
    fn check_workload(&self, w: &Workload, _cx: &Context, out: &mut Sink) {
        for inv in invocations(w, &[Component::ApiServer]) {
            if inv.has_value("authorization-config") {
                continue;
            }
            let modes = inv.list("authorization-mode");
            if !modes.iter().any(|m| m == "RBAC") {
                let what = if modes.is_empty() {
                    "has no `--authorization-mode` (the default is AlwaysAllow)".to_string()
                } else {
                    format!(
                        "uses `--authorization-mode={}` without RBAC",
                        modes.join(",")
                    )
                };
                inv.report(
                    out,
                    w,
                    inv.loc_of("authorization-mode"),
                    format!(
                        "{} {what}, so Roles and RoleBindings are not enforced",
                        inv.describe(w)
                    ),
                );
            }
        }
    }
}
