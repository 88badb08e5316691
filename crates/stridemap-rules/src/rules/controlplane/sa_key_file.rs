use super::util::{invocations, Component};
use crate::{Check, Context, Sink};
use stridemap_model::k8s::Workload;

declare_rule! {
    /// ## What it does
    /// Flags `kube-apiserver` without `--service-account-key-file`, unless
    /// `--service-account-signing-key-file` is set (its public half is then used).
    ///
    /// ## Why is this bad?
    /// Without an explicit verification key the API server checks service account tokens with
    /// its own TLS serving key. Token trust is then tied to the serving certificate: rotating
    /// the certificate silently invalidates every token, and keys cannot be rolled over by
    /// listing an old and a new public key side by side.
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
    ///   - --service-account-key-file=/etc/kubernetes/pki/sa.pub
    /// ```
    /// Use a dedicated service account key pair: the public key here, the private key in the controller manager.
    pub struct ServiceAccountKeyFileMissing {
        id: "CP-SA-KEY-FILE-MISSING",
        title: "API server has no service account verification key",
        group: ContainerSecurity,
        stride: Spoofing,
        severity: Low,
        cwe: [320],
        infra: [Kubernetes],
        equivalents: ["kics:dab4ec72-ce2e-4732-b7c3-1757dcce01a1"],
        attack_scenario: "Service account token verification depends on the API server's TLS key; when that key is reused elsewhere or leaks, forged service account tokens are accepted, and rotating it breaks every workload at once.",
        mitigation: "Set `--service-account-key-file` on kube-apiserver to the public key of a dedicated service account key pair.",
    }
}

const FLAGS: &[&str] = &["service-account-key-file"];

impl Check for ServiceAccountKeyFileMissing {
    fn check_workload(&self, w: &Workload, _cx: &Context, out: &mut Sink) {
        for inv in invocations(w, &[Component::ApiServer]) {
            if inv.has_value("service-account-signing-key-file") {
                continue;
            }
            inv.report_missing(
                out,
                w,
                FLAGS,
                "service account tokens are verified with its TLS serving key",
            );
        }
    }
}
