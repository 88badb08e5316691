use super::util::{invocations, Component};
use crate::{Check, Context, Sink};
use stridemap_model::k8s::Workload;

declare_rule! {
    /// ## What it does
    /// Flags `kube-apiserver` without `--kubelet-certificate-authority`.
    ///
    /// ## Why is this bad?
    /// Without a CA to check against, the API server accepts whatever certificate a kubelet
    /// endpoint presents. Anyone able to redirect traffic for a node's address can pose as
    /// its kubelet, receive the `exec` and `attach` sessions meant for it, and feed back
    /// forged logs or command output.
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
    ///   - --kubelet-certificate-authority=/etc/kubernetes/pki/ca.crt
    /// ```
    /// Point the flag at the CA that signs kubelet serving certificates (enable `serverTLSBootstrap` so kubelets get CA-signed certificates).
    pub struct KubeletCaMissing {
        id: "CP-KUBELET-CA-MISSING",
        title: "API server does not verify kubelet certificates",
        group: ContainerSecurity,
        stride: Spoofing,
        severity: Medium,
        cwe: [295],
        infra: [Kubernetes],
        equivalents: ["CKV_K8S_73", "kics:ec18a0d3-0069-4a58-a7fb-fbfe0b4bbbe0"],
        attack_scenario: "An attacker who spoofs a node's IP address receives the API server's exec session for a pod on that node, since the kubelet's certificate is never checked, and records the administrator's commands.",
        mitigation: "Set `--kubelet-certificate-authority` on kube-apiserver and give kubelets CA-signed serving certificates.",
    }
}

const FLAGS: &[&str] = &["kubelet-certificate-authority"];

impl Check for KubeletCaMissing {
    fn check_workload(&self, w: &Workload, _cx: &Context, out: &mut Sink) {
        for inv in invocations(w, &[Component::ApiServer]) {
            inv.report_missing(
                out,
                w,
                FLAGS,
                "kubelet serving certificates are not verified",
            );
        }
    }
}
