use super::util::{
    config_bool, config_value, invocations, is_kubelet_config, report_config, Component,
};
use crate::helpers::key_loc;
use crate::{Check, Context, Sink};
use stridemap_model::k8s::{K8sObject, Workload};

declare_rule! {
    /// ## What it does
    /// Flags API servers and kubelets that serve HTTPS without a configured certificate:
    /// `kube-apiserver` without both `--tls-cert-file` and `--tls-private-key-file`, a kubelet
    /// command line that sets only one of the pair, and a `KubeletConfiguration` without
    /// `tlsCertFile` and `tlsPrivateKeyFile` that does not request its certificate from the
    /// cluster (`serverTLSBootstrap: true`).
    ///
    /// ## Why is this bad?
    /// Without a configured certificate both components generate a self-signed one at start.
    /// Clients cannot verify it, so they are configured to skip verification, and from then
    /// on anyone who can intercept the connection can impersonate the API server or kubelet
    /// and collect the tokens and commands sent to it.
    ///
    /// ## Example
    /// ```yaml
    /// command:
    ///   - kube-apiserver
    ///   - --tls-cert-file=/etc/kubernetes/pki/apiserver.crt
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// command:
    ///   - kube-apiserver
    ///   - --tls-cert-file=/etc/kubernetes/pki/apiserver.crt
    ///   - --tls-private-key-file=/etc/kubernetes/pki/apiserver.key
    /// ```
    /// Give the API server a CA-signed certificate and key; let kubelets obtain theirs with
    /// `serverTLSBootstrap: true` or configure `tlsCertFile`/`tlsPrivateKeyFile`.
    pub struct ServingCertMissing {
        id: "CP-SERVING-CERT-MISSING",
        title: "API server or kubelet serves a self-signed certificate",
        group: ContainerSecurity,
        stride: Spoofing,
        severity: Medium,
        cwe: [295],
        infra: [Kubernetes],
        equivalents: [
            "CKV_K8S_100",
            "CKV_K8S_148",
            "kics:fa750c81-93c2-4fab-9c6d-d3fd3ce3b89f",
        ],
        attack_scenario: "Clients of a kubelet with a self-signed certificate skip verification; an attacker who hijacks the node's address receives exec sessions and the credentials that come with them.",
        mitigation: "Configure `--tls-cert-file` and `--tls-private-key-file` (or `tlsCertFile`/`tlsPrivateKeyFile`, or `serverTLSBootstrap: true` on kubelets).",
    }
}

const PAIR: [&str; 2] = ["tls-cert-file", "tls-private-key-file"];

impl Check for ServingCertMissing {
    fn check_workload(&self, w: &Workload, _cx: &Context, out: &mut Sink) {
        for inv in invocations(w, &[Component::ApiServer, Component::Kubelet]) {
            let missing: Vec<&str> = PAIR.iter().copied().filter(|f| !inv.has_value(f)).collect();
            let Some(first) = missing.first() else {
                continue;
            };
            // A kubelet command line without either flag takes them from its config file, or
            // requests a certificate when it rotates server certificates.
            if inv.component == Component::Kubelet
                && (missing.len() == 2
                    || inv.bool_value("rotate-server-certificates") == Some(true))
            {
                continue;
            }
            let named: Vec<String> = missing.iter().map(|f| format!("`--{f}`")).collect();
            inv.report(out, w, inv.loc_of(first), format!("{} does not set {}, so it serves a self-signed certificate clients cannot verify", inv.describe(w), named.join(" or ")));
        }
    }

    fn check_object(&self, o: &K8sObject, _cx: &Context, out: &mut Sink) {
        if !is_kubelet_config(o) || config_bool(o, &["serverTLSBootstrap"]) == Some(true) {
            return;
        }
        let missing: Vec<&str> = ["tlsCertFile", "tlsPrivateKeyFile"]
            .into_iter()
            .filter(|k| {
                config_value(o, &[k])
                    .and_then(|n| n.as_str())
                    .is_none_or(|v| v.trim().is_empty())
            })
            .collect();
        if !missing.is_empty() {
            report_config(out, o, key_loc(&o.root, "kind"), format!("{} sets neither serverTLSBootstrap nor {}, so the kubelet serves a self-signed certificate", o.resource_id(), missing.join(" and ")));
        }
    }
}
