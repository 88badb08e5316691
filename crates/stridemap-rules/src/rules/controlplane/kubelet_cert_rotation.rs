use super::util::{
    config_bool, config_loc, invocations, is_kubelet_config, report_config, Component,
};
use crate::{Check, Context, Sink};
use stridemap_model::k8s::{K8sObject, Workload};

declare_rule! {
    /// ## What it does
    /// Flags kubelets that do not renew their client certificate: `--rotate-certificates=false`
    /// on the command line, or a `KubeletConfiguration` where `rotateCertificates` is missing
    /// (it defaults to `false` there) or `false`.
    ///
    /// ## Why is this bad?
    /// Without rotation the kubelet keeps the client certificate it was bootstrapped with.
    /// Such certificates are issued for long periods so nodes do not drop out, which means a
    /// certificate stolen from a node stays a valid `system:node` credential for that long,
    /// and when it finally expires the node silently stops working.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: kubelet.config.k8s.io/v1beta1
    /// kind: KubeletConfiguration
    /// rotateCertificates: false
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// apiVersion: kubelet.config.k8s.io/v1beta1
    /// kind: KubeletConfiguration
    /// rotateCertificates: true
    /// ```
    /// Turn rotation on and keep the issued certificates short-lived.
    pub struct KubeletCertRotationOff {
        id: "CP-KUBELET-CERT-ROTATION-OFF",
        title: "Kubelet client certificate rotation off",
        group: ContainerSecurity,
        stride: Spoofing,
        severity: Low,
        cwe: [324],
        infra: [Kubernetes],
        equivalents: ["CKV_K8S_149", "kics:52d70f2e-3257-474c-b3dc-8ad9ba6a061a"],
        attack_scenario: "An attacker copies a kubelet's client certificate from a decommissioned node's disk image; since certificates are never rotated and issued for years, it still authenticates as a node.",
        mitigation: "Set `rotateCertificates: true` in the KubeletConfiguration (or drop `--rotate-certificates=false`).",
    }
}

impl Check for KubeletCertRotationOff {
    fn check_workload(&self, w: &Workload, _cx: &Context, out: &mut Sink) {
        for inv in invocations(w, &[Component::Kubelet]) {
            if inv.bool_value("rotate-certificates") == Some(false) {
                inv.report(
                    out,
                    w,
                    inv.loc_of("rotate-certificates"),
                    format!(
                        "{} does not renew its client certificate (`--rotate-certificates=false`)",
                        inv.describe(w)
                    ),
                );
            }
        }
    }

    fn check_object(&self, o: &K8sObject, _cx: &Context, out: &mut Sink) {
        let path = ["rotateCertificates"];
        if !is_kubelet_config(o) {
            return;
        }
        let what = match config_bool(o, &path) {
            Some(true) => return,
            Some(false) => "sets rotateCertificates: false",
            None => "does not set rotateCertificates: true (it defaults to false)",
        };
        report_config(
            out,
            o,
            config_loc(o, &path),
            format!(
                "{} {what}, so the kubelet keeps its client certificate until it expires",
                o.resource_id()
            ),
        );
    }
}
