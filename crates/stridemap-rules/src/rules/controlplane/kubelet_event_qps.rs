use super::util::{
    config_loc, config_value, invocations, is_kubelet_config, report_config, Component,
};
use crate::{Check, Context, Sink};
use stridemap_model::k8s::{K8sObject, Workload};

declare_rule! {
    /// ## What it does
    /// Flags kubelets that rate-limit the events they record: `--event-qps` set to a positive
    /// number, or a `KubeletConfiguration` whose `eventRecordQPS` is positive or missing (it
    /// defaults to 50 per second). `0` means no limit. A kubelet command line without the
    /// flag is left to its configuration file.
    ///
    /// ## Why is this bad?
    /// Events are a first-hand record of what happened on a node: image pulls, container
    /// kills, probe failures, volume mounts. Under a rate limit the kubelet drops the events
    /// that exceed it, and the busiest moments (an attack in progress, a crash loop) are
    /// exactly when events are lost.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: kubelet.config.k8s.io/v1beta1
    /// kind: KubeletConfiguration
    /// eventRecordQPS: 5
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// apiVersion: kubelet.config.k8s.io/v1beta1
    /// kind: KubeletConfiguration
    /// eventRecordQPS: 0
    /// ```
    /// Set `0` so every event is recorded, and protect the API server with the EventRateLimit
    /// admission plugin instead.
    pub struct KubeletEventQps {
        id: "CP-KUBELET-EVENT-QPS",
        title: "Kubelet drops events above a rate limit",
        group: ContainerSecurity,
        stride: Repudiation,
        severity: Low,
        cwe: [778],
        infra: [Kubernetes],
        equivalents: ["kics:1a07a446-8e61-4e4d-bc16-b0781fcb8211"],
        attack_scenario: "During an intrusion an attacker triggers many container restarts at once; the kubelet's event rate limit drops most of the resulting events, hiding which pods were touched.",
        mitigation: "Set `eventRecordQPS: 0` (or `--event-qps=0`) and rate-limit events at the API server with EventRateLimit.",
    }
}

fn limited(value: &str) -> bool {
    value
        .trim()
        .trim_matches('"')
        .parse::<f64>()
        .is_ok_and(|q| q > 0.0)
}

impl Check for KubeletEventQps {
    fn check_workload(&self, w: &Workload, _cx: &Context, out: &mut Sink) {
        for inv in invocations(w, &[Component::Kubelet]) {
            if let Some(qps) = inv.value("event-qps").filter(|v| limited(v)) {
                inv.report(
                    out,
                    w,
                    inv.loc_of("event-qps"),
                    format!(
                        "{} drops events beyond {qps} per second (`--event-qps`)",
                        inv.describe(w)
                    ),
                );
            }
        }
    }

    fn check_object(&self, o: &K8sObject, _cx: &Context, out: &mut Sink) {
        let path = ["eventRecordQPS"];
        if !is_kubelet_config(o) {
            return;
        }
        let what = match config_value(o, &path).and_then(|n| n.as_str()) {
            None => "does not set eventRecordQPS: 0, so events beyond the default 50 per second are dropped".to_string(),
            Some(v) if limited(v) => format!("sets eventRecordQPS: {v}, so events beyond that rate are dropped"),
            Some(_) => return,
        };
        report_config(
            out,
            o,
            config_loc(o, &path),
            format!("{} {what}", o.resource_id()),
        );
    }
}
