use super::util::{
    config_loc, config_value, invocations, is_kubelet_config, report_config, Component,
};
use crate::{Check, Context, Sink};
use stridemap_model::k8s::{K8sObject, Workload};
use stridemap_model::Node;

declare_rule! {
    /// ## What it does
    /// Flags API servers and kubelets whose `--authorization-mode` list contains
    /// `AlwaysAllow`, and `KubeletConfiguration` objects with `authorization.mode: AlwaysAllow`.
    /// A missing flag is left to CP-AUTHZ-NO-NODE and CP-AUTHZ-NO-RBAC.
    ///
    /// ## Why is this bad?
    /// `AlwaysAllow` authorizes every authenticated request, and the API server consults
    /// authorizers in order, so it also overrides the denials of whatever comes before it.
    /// RBAC roles stop meaning anything: every service account token in every pod becomes a
    /// cluster-admin credential. On a kubelet it lets any caller that passes authentication
    /// exec into the node's containers.
    ///
    /// ## Example
    /// ```yaml
    /// command:
    ///   - kube-apiserver
    ///   - --authorization-mode=RBAC,AlwaysAllow
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// command:
    ///   - kube-apiserver
    ///   - --authorization-mode=Node,RBAC
    /// ```
    /// Use `Node,RBAC` on the API server and `Webhook` on kubelets.
    pub struct AuthorizationAlwaysAllow {
        id: "CP-AUTHZ-ALWAYS-ALLOW",
        title: "Authorization mode AlwaysAllow",
        group: ContainerSecurity,
        stride: ElevationOfPrivilege,
        severity: Critical,
        cwe: [285, 862],
        infra: [Kubernetes],
        equivalents: [
            "CKV_K8S_74",
            "CKV_K8S_139",
            "kics:f1f4d8da-1ac4-47d0-b1aa-91e69d33f7d5",
        ],
        attack_scenario: "An attacker who compromises any pod reads its service account token and, because every authenticated request is allowed, uses it to read all Secrets and create privileged pods on any node.",
        mitigation: "Remove `AlwaysAllow` from `--authorization-mode`: `Node,RBAC` on kube-apiserver, `Webhook` on the kubelet.",
    }
}

fn has_always_allow(modes: &[String]) -> bool {
    modes.iter().any(|m| m.eq_ignore_ascii_case("AlwaysAllow"))
}

impl Check for AuthorizationAlwaysAllow {
    fn check_workload(&self, w: &Workload, _cx: &Context, out: &mut Sink) {
        for inv in invocations(w, &[Component::ApiServer, Component::Kubelet]) {
            if has_always_allow(&inv.list("authorization-mode")) {
                inv.report(out, w, inv.loc_of("authorization-mode"), format!("{} authorizes every authenticated request (`--authorization-mode` includes AlwaysAllow)", inv.describe(w)));
            }
        }
    }

    fn check_object(&self, o: &K8sObject, _cx: &Context, out: &mut Sink) {
        let path = ["authorization", "mode"];
        if is_kubelet_config(o)
            && config_value(o, &path)
                .and_then(Node::as_str)
                .is_some_and(|m| m.trim().eq_ignore_ascii_case("AlwaysAllow"))
        {
            report_config(out, o, config_loc(o, &path), format!("{} lets the kubelet authorize every authenticated request (authorization.mode: AlwaysAllow)", o.resource_id()));
        }
    }
}
