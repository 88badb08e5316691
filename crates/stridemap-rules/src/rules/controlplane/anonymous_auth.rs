use super::util::{
    config_bool, config_loc, invocations, is_kubelet_config, report_config, Component,
};
use crate::{Check, Context, Sink};
use stridemap_model::k8s::{K8sObject, Workload};

declare_rule! {
    /// ## What it does
    /// Flags API servers and kubelets that accept anonymous requests: `kube-apiserver` without
    /// `--anonymous-auth=false` (the flag defaults to `true`), a kubelet started with
    /// `--anonymous-auth=true`, or a `KubeletConfiguration` with
    /// `authentication.anonymous.enabled: true`. A kubelet command line that omits the flag is
    /// left alone: kubelets take that setting from their configuration file, where it defaults
    /// to off.
    ///
    /// ## Why is this bad?
    /// Any request without credentials is mapped to `system:anonymous`. One permissive binding
    /// (or, on the kubelet, any authorization mode other than a strict webhook) then gives an
    /// unauthenticated caller the API: listing pods, reading logs, or running commands in
    /// containers through the kubelet's `/exec` endpoint.
    ///
    /// ## Example
    /// ```yaml
    /// containers:
    ///   - name: kube-apiserver
    ///     command:
    ///       - kube-apiserver
    ///       - --authorization-mode=Node,RBAC
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// containers:
    ///   - name: kube-apiserver
    ///     command:
    ///       - kube-apiserver
    ///       - --anonymous-auth=false
    ///       - --authorization-mode=Node,RBAC
    /// ```
    /// Set `--anonymous-auth=false` on the API server and the kubelet (or
    /// `authentication.anonymous.enabled: false` in the kubelet configuration). Health checks
    /// keep working through authenticated probes or the `/livez` and `/readyz` endpoints
    /// granted to `system:unauthenticated` explicitly.
    pub struct AnonymousAuth {
        id: "CP-ANONYMOUS-AUTH",
        title: "Anonymous requests accepted by the API server or kubelet",
        group: ContainerSecurity,
        stride: Spoofing,
        severity: High,
        cwe: [306],
        infra: [Kubernetes],
        equivalents: [
            "CKV_K8S_68",
            "CKV_K8S_138",
            "kics:1de5cc51-f376-4638-a940-20f2e85ae238",
        ],
        attack_scenario: "An attacker who reaches port 6443 or 10250 sends requests without any credentials; they run as system:anonymous, and any binding or kubelet authorization gap granted to that identity lets them list secrets or exec into pods.",
        mitigation: "Start kube-apiserver and the kubelet with `--anonymous-auth=false` (or set `authentication.anonymous.enabled: false` in the KubeletConfiguration).",
    }
}

impl Check for AnonymousAuth {
    fn check_workload(&self, w: &Workload, _cx: &Context, out: &mut Sink) {
        for inv in invocations(w, &[Component::ApiServer, Component::Kubelet]) {
            let value = inv.bool_value("anonymous-auth");
            let bad = match inv.component {
                // The API server's structured authentication config carries its own setting.
                Component::ApiServer => {
                    value == Some(true)
                        || value.is_none() && !inv.has_value("authentication-config")
                }
                _ => value == Some(true),
            };
            if bad {
                let how = if value.is_some() {
                    "with `--anonymous-auth=true`"
                } else {
                    "without `--anonymous-auth=false`"
                };
                inv.report(out, w, inv.loc_of("anonymous-auth"), format!("{} runs {how}, so requests without credentials are served as system:anonymous", inv.describe(w)));
            }
        }
    }

    fn check_object(&self, o: &K8sObject, _cx: &Context, out: &mut Sink) {
        let path = ["authentication", "anonymous", "enabled"];
        if is_kubelet_config(o) && config_bool(o, &path) == Some(true) {
            report_config(
                out,
                o,
                config_loc(o, &path),
                format!(
                    "{} enables anonymous authentication (authentication.anonymous.enabled: true)",
                    o.resource_id()
                ),
            );
        }
    }
}
