use super::util::{
    config_bool, config_loc, invocations, is_kubelet_config, report_config, Component,
};
use crate::{Check, Context, Sink};
use stridemap_model::k8s::{K8sObject, Workload};

declare_rule! {
    /// ## What it does
    /// Flags kubelets that may rewrite the node's kernel settings:
    /// `--protect-kernel-defaults=false`, or a `KubeletConfiguration` where
    /// `protectKernelDefaults` is missing (it defaults to `false`) or `false`. A kubelet
    /// command line without the flag is left to its configuration file.
    ///
    /// ## Why is this bad?
    /// Nodes are usually hardened with sysctls (panic on OOM, overcommit and keyring
    /// settings...). Without protection the kubelet silently changes those it disagrees with
    /// to its own defaults, undoing the hardening. With protection on it refuses to start
    /// instead, so drift becomes visible.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: kubelet.config.k8s.io/v1beta1
    /// kind: KubeletConfiguration
    /// cgroupDriver: systemd
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// apiVersion: kubelet.config.k8s.io/v1beta1
    /// kind: KubeletConfiguration
    /// cgroupDriver: systemd
    /// protectKernelDefaults: true
    /// ```
    /// Set the protection on and provision the sysctls the kubelet expects with the node image.
    pub struct KubeletKernelDefaults {
        id: "CP-KUBELET-KERNEL-DEFAULTS",
        title: "Kubelet may override kernel settings",
        group: ContainerSecurity,
        stride: Tampering,
        severity: Low,
        cwe: [16],
        infra: [Kubernetes],
        equivalents: ["CKV_K8S_144", "kics:6cf42c97-facd-4fda-b8af-ea4529123355"],
        attack_scenario: "The node image sets hardened kernel parameters, but the kubelet resets several of them at start; the cluster runs with weaker settings than the security team certified, and nobody notices.",
        mitigation: "Set `protectKernelDefaults: true` (or `--protect-kernel-defaults=true`).",
    }
}

impl Check for KubeletKernelDefaults {
    fn check_workload(&self, w: &Workload, _cx: &Context, out: &mut Sink) {
        for inv in invocations(w, &[Component::Kubelet]) {
            if inv.bool_value("protect-kernel-defaults") == Some(false) {
                inv.report(out, w, inv.loc_of("protect-kernel-defaults"), format!("{} may overwrite the node's kernel settings (`--protect-kernel-defaults=false`)", inv.describe(w)));
            }
        }
    }

    fn check_object(&self, o: &K8sObject, _cx: &Context, out: &mut Sink) {
        let path = ["protectKernelDefaults"];
        if !is_kubelet_config(o) {
            return;
        }
        let what = match config_bool(o, &path) {
            Some(true) => return,
            Some(false) => "sets protectKernelDefaults: false",
            None => "does not set protectKernelDefaults: true (it defaults to false)",
        };
        report_config(
            out,
            o,
            config_loc(o, &path),
            format!(
                "{} {what}, so the kubelet may overwrite the node's kernel settings",
                o.resource_id()
            ),
        );
    }
}
