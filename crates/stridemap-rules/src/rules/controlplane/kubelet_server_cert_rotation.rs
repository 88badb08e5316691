use super::util::{
    config_bool, config_loc, invocations, is_kubelet_config, report_config, Component,
};
use crate::{Check, Context, Sink};
use stridemap_model::k8s::{K8sObject, Workload};

declare_rule! {
    /// ## What it does
    /// Flags kubelets and controller managers that switch the `RotateKubeletServerCertificate`
    /// feature gate off (`--feature-gates=RotateKubeletServerCertificate=false`, or
    /// `featureGates.RotateKubeletServerCertificate: false` in a `KubeletConfiguration`).
    ///
    /// ## Why is this bad?
    /// The gate lets kubelets request CA-signed serving certificates from the cluster and
    /// renew them before they expire. With it off, kubelets fall back to self-signed or
    /// manually provisioned serving certificates: the API server cannot verify whom it is
    /// talking to on port 10250, and stolen serving keys stay usable indefinitely.
    ///
    /// ## Example
    /// ```yaml
    /// command:
    ///   - kubelet
    ///   - --feature-gates=RotateKubeletServerCertificate=false
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// command:
    ///   - kubelet
    ///   - --config=/var/lib/kubelet/config.yaml
    /// ```
    /// Remove the override (the gate is on by default) and set `serverTLSBootstrap: true`.
    pub struct KubeletServerCertRotationOff {
        id: "CP-KUBELET-SERVER-CERT-ROTATION-OFF",
        title: "Kubelet serving certificate rotation disabled",
        group: ContainerSecurity,
        stride: Spoofing,
        severity: Low,
        cwe: [295, 324],
        infra: [Kubernetes],
        equivalents: ["CKV_K8S_112", "kics:1c621b8e-2c6a-44f5-bd6a-fb0fb7ba33e2"],
        attack_scenario: "With serving-certificate rotation off, kubelets present self-signed certificates that the API server cannot check; an attacker who takes over a node's IP impersonates its kubelet.",
        mitigation: "Remove `RotateKubeletServerCertificate=false` from the feature gates of kubelets and kube-controller-manager.",
    }
}

const GATE: &str = "RotateKubeletServerCertificate";

impl Check for KubeletServerCertRotationOff {
    fn check_workload(&self, w: &Workload, _cx: &Context, out: &mut Sink) {
        for inv in invocations(w, &[Component::Kubelet, Component::ControllerManager]) {
            if inv.feature_gate(GATE) == Some(false) {
                inv.report(
                    out,
                    w,
                    inv.loc_of("feature-gates"),
                    format!("{} switches the {GATE} feature gate off", inv.describe(w)),
                );
            }
        }
    }

    fn check_object(&self, o: &K8sObject, _cx: &Context, out: &mut Sink) {
        let path = ["featureGates", GATE];
        if is_kubelet_config(o) && config_bool(o, &path) == Some(false) {
            report_config(
                out,
                o,
                config_loc(o, &path),
                format!("{} switches the {GATE} feature gate off", o.resource_id()),
            );
        }
    }
}
