use super::util::{
    config_bool, config_loc, invocations, is_kubelet_config, report_config, Component,
};
use crate::{Check, Context, Sink};
use stridemap_model::k8s::{K8sObject, Workload};

declare_rule! {
    /// ## What it does
    /// Flags kubelets that do not manage their iptables utility chains:
    /// `--make-iptables-util-chains=false` or `makeIPTablesUtilChains: false`.
    ///
    /// ## Why is this bad?
    /// The kubelet maintains the chains that drop packets marked as invalid or firewalled
    /// and keeps them in line with pod networking changes. Left to hand-maintained rules, the
    /// node's firewall drifts from what pods need: the result is either broken traffic or, more
    /// dangerously, rules that let through what should be dropped.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: kubelet.config.k8s.io/v1beta1
    /// kind: KubeletConfiguration
    /// makeIPTablesUtilChains: false
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// apiVersion: kubelet.config.k8s.io/v1beta1
    /// kind: KubeletConfiguration
    /// makeIPTablesUtilChains: true
    /// ```
    /// Remove the override; the kubelet manages the chains by default.
    pub struct KubeletIptablesChainsOff {
        id: "CP-KUBELET-IPTABLES-CHAINS-OFF",
        title: "Kubelet does not manage iptables chains",
        group: ContainerSecurity,
        stride: Tampering,
        severity: Low,
        cwe: [16],
        infra: [Kubernetes],
        equivalents: ["CKV_K8S_145", "kics:5f89001f-6dd9-49ff-9b15-d8cd71b617f4"],
        attack_scenario: "Hand-written iptables rules on a node lag behind pod networking changes; packets the kubelet would have dropped as invalid reach a service that was meant to be isolated.",
        mitigation: "Set `makeIPTablesUtilChains: true` (the default) or drop `--make-iptables-util-chains=false`.",
    }
}

impl Check for KubeletIptablesChainsOff {
    fn check_workload(&self, w: &Workload, _cx: &Context, out: &mut Sink) {
        for inv in invocations(w, &[Component::Kubelet]) {
            if inv.bool_value("make-iptables-util-chains") == Some(false) {
                inv.report(out, w, inv.loc_of("make-iptables-util-chains"), format!("{} leaves its iptables utility chains unmanaged (`--make-iptables-util-chains=false`)", inv.describe(w)));
            }
        }
    }

    fn check_object(&self, o: &K8sObject, _cx: &Context, out: &mut Sink) {
        let path = ["makeIPTablesUtilChains"];
        if is_kubelet_config(o) && config_bool(o, &path) == Some(false) {
            report_config(out, o, config_loc(o, &path), format!("{} leaves the kubelet's iptables utility chains unmanaged (makeIPTablesUtilChains: false)", o.resource_id()));
        }
    }
}
