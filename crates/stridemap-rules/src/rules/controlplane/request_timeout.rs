use super::util::{invocations, parse_duration, Component};
use crate::{Check, Context, Sink};
use stridemap_model::k8s::Workload;

declare_rule! {
    /// ## What it does
    /// Flags `kube-apiserver` whose `--request-timeout` is longer than five minutes (Go
    /// durations such as `400s`, `1h`, `6m10s`). Without the flag the default is 60 seconds.
    ///
    /// ## Why is this bad?
    /// The request timeout bounds how long the API server works on one non-streaming request.
    /// Raised to many minutes, slow or deliberately stalled clients keep handler goroutines and
    /// in-flight slots busy; a few hundred of them exhaust `--max-requests-inflight` and the
    /// API server stops answering everyone else, controllers and kubelets included.
    ///
    /// ## Example
    /// ```yaml
    /// command:
    ///   - kube-apiserver
    ///   - --request-timeout=1h
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// command:
    ///   - kube-apiserver
    ///   - --request-timeout=60s
    /// ```
    /// Keep the default (60s), or raise it modestly (at most 5 minutes) when large list
    /// calls need it.
    pub struct RequestTimeout {
        id: "CP-REQUEST-TIMEOUT",
        title: "API server request timeout too long",
        group: ContainerSecurity,
        stride: DenialOfService,
        severity: Low,
        cwe: [400],
        infra: [Kubernetes],
        equivalents: ["CKV_K8S_95", "kics:d89a15bb-8dba-4c71-9529-bef6729b9c09"],
        attack_scenario: "An attacker opens hundreds of slow list requests that the API server lets run for an hour each; the in-flight request limit fills up and kubelet heartbeats start failing.",
        mitigation: "Remove `--request-timeout` or set it to 300s or less.",
    }
}

const LIMIT_SECONDS: f64 = 300.0;

impl Check for RequestTimeout {
    fn check_workload(&self, w: &Workload, _cx: &Context, out: &mut Sink) {
        for inv in invocations(w, &[Component::ApiServer]) {
            let Some(value) = inv.value("request-timeout") else {
                continue;
            };
            if parse_duration(value).is_some_and(|s| s > LIMIT_SECONDS) {
                inv.report(out, w, inv.loc_of("request-timeout"), format!("{} lets a request run for {value} (`--request-timeout`), more than 5 minutes", inv.describe(w)));
            }
        }
    }
}
