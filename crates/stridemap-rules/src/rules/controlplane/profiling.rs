use super::util::{config_bool, config_loc, invocations, report_config, Component};
use crate::{Check, Context, Sink};
use stridemap_model::k8s::{K8sObject, Workload};

declare_rule! {
    /// ## What it does
    /// Flags `kube-apiserver`, `kube-controller-manager` and `kube-scheduler` that keep
    /// profiling on: `--profiling` missing (it defaults to `true`) or set to `true`. A
    /// scheduler that reads `--config` is judged on its `KubeSchedulerConfiguration`, which is
    /// flagged when `enableProfiling` is missing or `true`.
    ///
    /// ## Why is this bad?
    /// Profiling exposes `/debug/pprof`: heap dumps, goroutine stacks with request details,
    /// and CPU profiles on demand. The data reveals internals an attacker can use, and a CPU
    /// profile or large heap dump requested in a loop costs the component real resources.
    /// Nothing in normal operation needs it.
    ///
    /// ## Example
    /// ```yaml
    /// command:
    ///   - kube-controller-manager
    ///   - --bind-address=127.0.0.1
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// command:
    ///   - kube-controller-manager
    ///   - --bind-address=127.0.0.1
    ///   - --profiling=false
    /// ```
    /// Add `--profiling=false` (or `enableProfiling: false` in the scheduler configuration).
    pub struct ProfilingEnabled {
        id: "CP-PROFILING-ENABLED",
        title: "Control-plane profiling endpoint enabled",
        group: ContainerSecurity,
        stride: InformationDisclosure,
        severity: Low,
        cwe: [200],
        infra: [Kubernetes],
        equivalents: [
            "CKV_K8S_90",
            "CKV_K8S_107",
            "CKV_K8S_114",
            "kics:2f491173-6375-4a84-b28e-a4e2b9a58a69",
        ],
        attack_scenario: "An attacker holding a low-privilege token allowed to GET non-resource URLs downloads heap profiles from /debug/pprof and mines them for request data and internal addresses.",
        mitigation: "Set `--profiling=false` on kube-apiserver, kube-controller-manager and kube-scheduler, and `enableProfiling: false` in KubeSchedulerConfiguration.",
    }
}

impl Check for ProfilingEnabled {
    fn check_workload(&self, w: &Workload, _cx: &Context, out: &mut Sink) {
        let components = [
            Component::ApiServer,
            Component::ControllerManager,
            Component::Scheduler,
        ];
        for inv in invocations(w, &components) {
            let what = match inv.bool_value("profiling") {
                Some(false) => continue,
                Some(true) => "runs with `--profiling=true`",
                // The scheduler's configuration file decides when it has one.
                None if inv.component == Component::Scheduler && inv.has_value("config") => {
                    continue
                }
                None => "does not set `--profiling=false` (profiling is on by default)",
            };
            inv.report(
                out,
                w,
                inv.loc_of("profiling"),
                format!("{} {what}, exposing /debug/pprof", inv.describe(w)),
            );
        }
    }

    fn check_object(&self, o: &K8sObject, _cx: &Context, out: &mut Sink) {
        if o.kind != "KubeSchedulerConfiguration" {
            return;
        }
        let path = ["enableProfiling"];
        let what = match config_bool(o, &path) {
            Some(false) => return,
            Some(true) => "sets enableProfiling: true",
            None => "does not set enableProfiling: false (profiling is on by default)",
        };
        report_config(
            out,
            o,
            config_loc(o, &path),
            format!(
                "{} {what}, exposing the scheduler's /debug/pprof",
                o.resource_id()
            ),
        );
    }
}
