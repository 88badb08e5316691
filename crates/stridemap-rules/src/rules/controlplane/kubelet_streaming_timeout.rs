use super::util::{
    config_loc, config_value, invocations, is_kubelet_config, parse_duration, report_config,
    Component,
};
use crate::{Check, Context, Sink};
use stridemap_model::k8s::{K8sObject, Workload};

declare_rule! {
    /// ## What it does
    /// Flags kubelets that never close idle streaming connections:
    /// `--streaming-connection-idle-timeout=0` or `streamingConnectionIdleTimeout: 0s`.
    ///
    /// ## Why is this bad?
    /// `exec`, `attach` and `port-forward` sessions are long-lived streams through the
    /// kubelet. With no idle timeout, forgotten or abandoned sessions stay open forever: an
    /// unattended shell into a production container remains usable by whoever gets to the
    /// terminal, and piles of idle connections tie up kubelet resources.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: kubelet.config.k8s.io/v1beta1
    /// kind: KubeletConfiguration
    /// streamingConnectionIdleTimeout: 0s
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// apiVersion: kubelet.config.k8s.io/v1beta1
    /// kind: KubeletConfiguration
    /// streamingConnectionIdleTimeout: 5m
    /// ```
    /// Set a timeout of a few minutes (the default is 4 hours).
    pub struct KubeletStreamingTimeoutOff {
        id: "CP-KUBELET-STREAMING-TIMEOUT-OFF",
        title: "Kubelet streaming connections never time out",
        group: ContainerSecurity,
        stride: DenialOfService,
        severity: Low,
        cwe: [400, 613],
        infra: [Kubernetes],
        equivalents: ["CKV_K8S_143", "kics:ed89b97d-04e9-4fd4-919f-ee5b27e555e9"],
        attack_scenario: "An operator leaves a port-forward to a database running on a shared jump host; with no idle timeout the tunnel stays open for days and another user of the host uses it.",
        mitigation: "Set `--streaming-connection-idle-timeout` / `streamingConnectionIdleTimeout` to a non-zero duration such as 5m.",
    }
}

fn disabled(value: &str) -> bool {
    parse_duration(value).is_some_and(|s| s <= 0.0)
}

impl Check for KubeletStreamingTimeoutOff {
    fn check_workload(&self, w: &Workload, _cx: &Context, out: &mut Sink) {
        for inv in invocations(w, &[Component::Kubelet]) {
            if inv
                .value("streaming-connection-idle-timeout")
                .is_some_and(disabled)
            {
                inv.report(out, w, inv.loc_of("streaming-connection-idle-timeout"), format!("{} never closes idle exec, attach and port-forward streams (`--streaming-connection-idle-timeout=0`)", inv.describe(w)));
            }
        }
    }

    fn check_object(&self, o: &K8sObject, _cx: &Context, out: &mut Sink) {
        let path = ["streamingConnectionIdleTimeout"];
        if is_kubelet_config(o)
            && config_value(o, &path)
                .and_then(|n| n.as_str())
                .is_some_and(disabled)
        {
            report_config(out, o, config_loc(o, &path), format!("{} never closes idle streaming connections (streamingConnectionIdleTimeout: 0)", o.resource_id()));
        }
    }
}
