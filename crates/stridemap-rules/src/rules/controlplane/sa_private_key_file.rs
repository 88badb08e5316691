use super::util::{invocations, Component};
use crate::{Check, Context, Sink};
use stridemap_model::k8s::Workload;

declare_rule! {
    /// ## What it does
    /// Flags `kube-controller-manager` without `--service-account-private-key-file`.
    ///
    /// ## Why is this bad?
    /// The controller manager fills `kubernetes.io/service-account-token` Secrets with tokens
    /// signed by this key, the counterpart of the API server's `--service-account-key-file`.
    /// Without it those Secrets stay empty, tooling that expects them is handed long-lived,
    /// manually minted credentials instead, and token signing cannot be rotated separately
    /// from the control plane's TLS keys.
    ///
    /// ## Example
    /// ```yaml
    /// command:
    ///   - kube-controller-manager
    ///   - --root-ca-file=/etc/kubernetes/pki/ca.crt
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// command:
    ///   - kube-controller-manager
    ///   - --root-ca-file=/etc/kubernetes/pki/ca.crt
    ///   - --service-account-private-key-file=/etc/kubernetes/pki/sa.key
    /// ```
    /// Point the flag at the private half of the dedicated service account key pair.
    pub struct ServiceAccountPrivateKeyMissing {
        id: "CP-SA-PRIVATE-KEY-MISSING",
        title: "Controller manager has no service account signing key",
        group: ContainerSecurity,
        stride: Spoofing,
        severity: Medium,
        cwe: [320],
        infra: [Kubernetes],
        equivalents: ["kics:ccc98ff7-68a7-436e-9218-185cb0b0b780"],
        attack_scenario: "With no signing key, service account token Secrets stay empty and operators hand out long-lived, manually minted tokens instead; one of them leaks and stays valid for years.",
        mitigation: "Set `--service-account-private-key-file` on kube-controller-manager, matching the API server's `--service-account-key-file`.",
    }
}

const FLAGS: &[&str] = &["service-account-private-key-file"];

impl Check for ServiceAccountPrivateKeyMissing {
    fn check_workload(&self, w: &Workload, _cx: &Context, out: &mut Sink) {
        for inv in invocations(w, &[Component::ControllerManager]) {
            inv.report_missing(
                out,
                w,
                FLAGS,
                "it cannot sign service account tokens with a dedicated key",
            );
        }
    }
}
