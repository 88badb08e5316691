use super::util::{invocations, Component};
use crate::{Check, Context, Sink};
use stridemap_model::k8s::Workload;

declare_rule! {
    /// ## What it does
    /// Flags kubelets started with `--hostname-override`.
    ///
    /// ## Why is this bad?
    /// The override makes the kubelet register under a name that differs from the machine's
    /// hostname. Its serving certificate, the Node authorizer and NodeRestriction all key on
    /// that name, so a mismatch pushes operators to disable certificate verification between
    /// the API server and kubelets, and makes it harder to tell which machine a node object
    /// really is.
    ///
    /// ## Example
    /// ```yaml
    /// command:
    ///   - kubelet
    ///   - --hostname-override=worker-1
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// command:
    ///   - kubelet
    ///   - --config=/var/lib/kubelet/config.yaml
    /// ```
    /// Give the machine the right hostname instead of overriding it (cloud providers that
    /// require the override are the exception).
    pub struct KubeletHostnameOverride {
        id: "CP-KUBELET-HOSTNAME-OVERRIDE",
        title: "Kubelet overrides its hostname",
        group: ContainerSecurity,
        stride: Spoofing,
        severity: Low,
        cwe: [290],
        infra: [Kubernetes],
        equivalents: ["CKV_K8S_146", "kics:bf36b900-b5ef-4828-adb7-70eb543b7cfb"],
        attack_scenario: "Kubelet names no longer match their certificates, so the API server is configured not to verify kubelet certificates; an attacker who takes over a node's address then impersonates its kubelet unnoticed.",
        mitigation: "Remove `--hostname-override` and set the machine's hostname to the node name.",
    }
}

impl Check for KubeletHostnameOverride {
    fn check_workload(&self, w: &Workload, _cx: &Context, out: &mut Sink) {
        for inv in invocations(w, &[Component::Kubelet]) {
            if let Some(name) = inv.value("hostname-override") {
                inv.report(
                    out,
                    w,
                    inv.loc_of("hostname-override"),
                    format!(
                        "{} registers under the overridden hostname {name} (`--hostname-override`)",
                        inv.describe(w)
                    ),
                );
            }
        }
    }
}
