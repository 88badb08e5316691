use super::util::{invocations, Component};
use crate::{Check, Context, Sink};
use stridemap_model::k8s::Workload;

declare_rule! {
    /// ## What it does
    /// Flags `kube-apiserver` started with `--kubelet-https=false`.
    ///
    /// ## Why is this bad?
    /// The API server talks to kubelets to fetch logs, run `exec` and `port-forward` sessions
    /// and proxy requests. Over plain HTTP that traffic, which includes command output, the
    /// data of interactive shells and the credentials used, can be read and altered by anyone
    /// on the network between the control plane and the nodes.
    ///
    /// ## Example
    /// ```yaml
    /// command:
    ///   - kube-apiserver
    ///   - --kubelet-https=false
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// command:
    ///   - kube-apiserver
    ///   - --kubelet-certificate-authority=/etc/kubernetes/pki/ca.crt
    /// ```
    /// Remove the flag (HTTPS is the default, and the only option from 1.22).
    pub struct KubeletHttpsDisabled {
        id: "CP-KUBELET-HTTPS-DISABLED",
        title: "API server talks to kubelets over plain HTTP",
        group: ContainerSecurity,
        stride: InformationDisclosure,
        severity: High,
        cwe: [319],
        infra: [Kubernetes],
        equivalents: ["CKV_K8S_71", "kics:cdc8b54e-6b16-4538-a1b0-35849dbe29cf"],
        attack_scenario: "An attacker who can sniff the node network watches an administrator's `kubectl exec` session travel in clear text between the API server and the kubelet, and injects commands into it.",
        mitigation: "Remove `--kubelet-https=false` from kube-apiserver.",
    }
}

impl Check for KubeletHttpsDisabled {
    fn check_workload(&self, w: &Workload, _cx: &Context, out: &mut Sink) {
        for inv in invocations(w, &[Component::ApiServer]) {
            if inv.bool_value("kubelet-https") == Some(false) {
                inv.report(
                    out,
                    w,
                    inv.loc_of("kubelet-https"),
                    format!(
                        "{} connects to kubelets over plain HTTP (`--kubelet-https=false`)",
                        inv.describe(w)
                    ),
                );
            }
        }
    }
}
