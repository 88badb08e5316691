use super::util::{invocations, Component};
use crate::{Check, Context, Sink};
use stridemap_model::k8s::Workload;

declare_rule! {
    /// ## What it does
    /// Flags `kube-apiserver` whose `--authorization-mode` does not include `Node`, including
    /// an API server without the flag (it then defaults to `AlwaysAllow`). Servers configured
    /// through `--authorization-config` are skipped.
    ///
    /// ## Why is this bad?
    /// The Node authorizer limits each kubelet to the pods scheduled on its node and to the
    /// Secrets, ConfigMaps and volumes those pods use. Without it, kubelet credentials are
    /// judged by RBAC alone, where the `system:nodes` group can read objects cluster-wide: a
    /// single compromised node then exposes the secrets of every workload.
    ///
    /// ## Example
    /// ```yaml
    /// command:
    ///   - kube-apiserver
    ///   - --authorization-mode=RBAC
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// command:
    ///   - kube-apiserver
    ///   - --authorization-mode=Node,RBAC
    ///   - --enable-admission-plugins=NodeRestriction
    /// ```
    /// Put `Node` first in the list and pair it with the NodeRestriction admission plugin.
    pub struct AuthorizationNoNode {
        id: "CP-AUTHZ-NO-NODE",
        title: "API server does not use the Node authorizer",
        group: ContainerSecurity,
        stride: ElevationOfPrivilege,
        severity: Medium,
        cwe: [285],
        infra: [Kubernetes],
        equivalents: ["CKV_K8S_75", "kics:4d7ee40f-fc5d-427d-8cac-dffbe22d42d1"],
        attack_scenario: "An attacker who escapes a container takes the kubelet's credentials from the node and, with no Node authorizer to confine them, reads Secrets belonging to pods on other nodes.",
        mitigation: "Include `Node` in `--authorization-mode` (typically `--authorization-mode=Node,RBAC`).",
    }
}

impl Check for AuthorizationNoNode {
    fn check_workload(&self, w: &Workload, _cx: &Context, out: &mut Sink) {
        for inv in invocations(w, &[Component::ApiServer]) {
            if inv.has_value("authorization-config") {
                continue;
            }
            let modes = inv.list("authorization-mode");
            if !modes.iter().any(|m| m == "Node") {
                let what = if modes.is_empty() {
                    "has no `--authorization-mode` (the default is AlwaysAllow)".to_string()
                } else {
                    format!(
                        "uses `--authorization-mode={}` without the Node authorizer",
                        modes.join(",")
                    )
                };
                inv.report(
                    out,
                    w,
                    inv.loc_of("authorization-mode"),
                    format!(
                        "{} {what}, so kubelets are not confined to their own node's objects",
                        inv.describe(w)
                    ),
                );
            }
        }
    }
}
