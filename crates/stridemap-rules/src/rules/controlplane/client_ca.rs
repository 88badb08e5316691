use super::util::{
    config_loc, config_value, invocations, is_kubelet_config, report_config, Component,
};
use crate::{Check, Context, Sink};
use stridemap_model::k8s::{K8sObject, Workload};
use stridemap_model::Node;

declare_rule! {
    /// ## What it does
    /// Flags `kube-apiserver` without `--client-ca-file` and `KubeletConfiguration` objects
    /// without `authentication.x509.clientCAFile`. A kubelet command line without the flag is
    /// left to its configuration file.
    ///
    /// ## Why is this bad?
    /// The client CA is what lets the API server and kubelets authenticate callers by
    /// certificate. Without it a kubelet cannot verify the API server's client certificate,
    /// so it must fall back to anonymous access or token webhooks for every call from the
    /// control plane, and administrators and components lose certificate-based authentication
    /// on the API server.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: kubelet.config.k8s.io/v1beta1
    /// kind: KubeletConfiguration
    /// authentication:
    ///   webhook:
    ///     enabled: true
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// apiVersion: kubelet.config.k8s.io/v1beta1
    /// kind: KubeletConfiguration
    /// authentication:
    ///   anonymous:
    ///     enabled: false
    ///   webhook:
    ///     enabled: true
    ///   x509:
    ///     clientCAFile: /etc/kubernetes/pki/ca.crt
    /// ```
    /// Configure the cluster CA as client CA on the API server (`--client-ca-file`) and on
    /// every kubelet.
    pub struct ClientCaMissing {
        id: "CP-CLIENT-CA-MISSING",
        title: "Client certificate authentication not configured",
        group: ContainerSecurity,
        stride: Spoofing,
        severity: Medium,
        cwe: [287, 295],
        infra: [Kubernetes],
        equivalents: [],
        attack_scenario: "Kubelets without a client CA were opened to anonymous calls so that the API server could reach them; an attacker in any pod calls port 10250 on its node and runs commands in other containers.",
        mitigation: "Set `--client-ca-file` on kube-apiserver and `authentication.x509.clientCAFile` (or `--client-ca-file`) on kubelets.",
    }
}

impl Check for ClientCaMissing {
    fn check_workload(&self, w: &Workload, _cx: &Context, out: &mut Sink) {
        for inv in invocations(w, &[Component::ApiServer]) {
            if !inv.has_value("client-ca-file") && !inv.has_value("authentication-config") {
                inv.report(out, w, inv.loc_of("client-ca-file"), format!("{} has no `--client-ca-file`, so callers cannot authenticate with client certificates", inv.describe(w)));
            }
        }
    }

    fn check_object(&self, o: &K8sObject, _cx: &Context, out: &mut Sink) {
        let path = ["authentication", "x509", "clientCAFile"];
        if is_kubelet_config(o)
            && config_value(o, &path)
                .and_then(Node::as_str)
                .is_none_or(|v| v.trim().is_empty())
        {
            report_config(out, o, config_loc(o, &path), format!("{} has no authentication.x509.clientCAFile, so the kubelet cannot authenticate the API server's client certificate", o.resource_id()));
        }
    }
}
