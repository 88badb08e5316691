use super::util::{invocations, Component};
use crate::{Check, Context, Sink};
use stridemap_model::k8s::Workload;

declare_rule! {
    /// ## What it does
    /// Flags `kube-controller-manager` without `--root-ca-file`.
    ///
    /// ## Why is this bad?
    /// The controller manager publishes this bundle to every namespace (`kube-root-ca.crt`) and
    /// next to service account tokens, for pods to verify the API server with. Without the
    /// flag it falls back to whatever CA its own kubeconfig carries, which is easily a
    /// different bundle from the one the API server's certificate chains to (behind a load
    /// balancer, after a CA rotation). Pods that cannot verify the API server end up
    /// configured to skip verification, and a man in the middle collects their tokens.
    ///
    /// ## Example
    /// ```yaml
    /// command:
    ///   - kube-controller-manager
    ///   - --service-account-private-key-file=/etc/kubernetes/pki/sa.key
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// command:
    ///   - kube-controller-manager
    ///   - --service-account-private-key-file=/etc/kubernetes/pki/sa.key
    ///   - --root-ca-file=/etc/kubernetes/pki/ca.crt
    /// ```
    /// Point the flag at the cluster CA bundle.
    pub struct RootCaFileMissing {
        id: "CP-ROOT-CA-FILE-MISSING",
        title: "Controller manager does not publish the cluster CA",
        group: ContainerSecurity,
        stride: Spoofing,
        severity: Medium,
        cwe: [295],
        infra: [Kubernetes],
        equivalents: ["kics:05fb986f-ac73-4ebb-a5b2-7faafa93d882"],
        attack_scenario: "Pods without a CA bundle are configured with insecure-skip-tls-verify; an attacker who spoofs the kubernetes Service address inside the cluster receives their service account tokens.",
        mitigation: "Set `--root-ca-file` on kube-controller-manager to the cluster CA bundle.",
    }
}

const FLAGS: &[&str] = &["root-ca-file"];

impl Check for RootCaFileMissing {
    fn check_workload(&self, w: &Workload, _cx: &Context, out: &mut Sink) {
        for inv in invocations(w, &[Component::ControllerManager]) {
            inv.report_missing(
                out,
                w,
                FLAGS,
                "pods may get a CA bundle that does not match the API server",
            );
        }
    }
}
