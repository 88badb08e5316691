use super::util::{invocations, Component};
use crate::{Check, Context, Sink};
use stridemap_model::k8s::Workload;

declare_rule! {
    /// ## What it does
    /// Flags `kube-apiserver` without both `--kubelet-client-certificate` and
    /// `--kubelet-client-key`.
    ///
    /// ## Why is this bad?
    /// Without a client certificate the API server calls kubelets anonymously. Kubelets then
    /// either reject those calls (logs, exec and port-forward break) or, more often, get
    /// configured to accept anonymous requests to make them work, which opens the kubelet API
    /// to everyone who can reach port 10250.
    ///
    /// ## Example
    /// ```yaml
    /// command:
    ///   - kube-apiserver
    ///   - --kubelet-client-certificate=/etc/kubernetes/pki/apiserver-kubelet-client.crt
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// command:
    ///   - kube-apiserver
    ///   - --kubelet-client-certificate=/etc/kubernetes/pki/apiserver-kubelet-client.crt
    ///   - --kubelet-client-key=/etc/kubernetes/pki/apiserver-kubelet-client.key
    /// ```
    /// Give the API server a client certificate (and key) that kubelets authenticate.
    pub struct KubeletClientCertMissing {
        id: "CP-KUBELET-CLIENT-CERT-MISSING",
        title: "API server has no client certificate for kubelets",
        group: ContainerSecurity,
        stride: Spoofing,
        severity: Medium,
        cwe: [287],
        infra: [Kubernetes],
        equivalents: ["CKV_K8S_72", "kics:36a27826-1bf5-49da-aeb0-a60a30c0e834"],
        attack_scenario: "To keep `kubectl logs` working without an API-server client certificate, kubelets were opened to anonymous requests; an attacker in any pod calls the kubelet API on its node and execs into neighbouring containers.",
        mitigation: "Set both `--kubelet-client-certificate` and `--kubelet-client-key` on kube-apiserver.",
    }
}

const FLAGS: &[&str] = &["kubelet-client-certificate", "kubelet-client-key"];

impl Check for KubeletClientCertMissing {
    fn check_workload(&self, w: &Workload, _cx: &Context, out: &mut Sink) {
        for inv in invocations(w, &[Component::ApiServer]) {
            inv.report_missing(out, w, FLAGS, "it cannot authenticate to kubelets");
        }
    }
}
