use super::util::{invocations, Component};
use crate::{Check, Context, Sink};
use stridemap_model::k8s::Workload;

declare_rule! {
    /// ## What it does
    /// Flags `kube-controller-manager` whose `--terminated-pod-gc-threshold` is missing, zero
    /// or negative (garbage collection of terminated pods off), or above the default of 12500.
    ///
    /// ## Why is this bad?
    /// Finished and failed pods stay in etcd until the garbage collector removes them, and the
    /// threshold is how many may pile up first. The default is sized for large clusters; on
    /// most clusters it lets thousands of dead pods (a crash-looping Job, a CronJob gone wrong)
    /// bloat etcd and slow every list call, and disabling collection lets them grow without
    /// bound.
    ///
    /// ## Example
    /// ```yaml
    /// command:
    ///   - kube-controller-manager
    ///   - --terminated-pod-gc-threshold=0
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// command:
    ///   - kube-controller-manager
    ///   - --terminated-pod-gc-threshold=1000
    /// ```
    /// Set a threshold sized for the cluster (a few hundred to a few thousand).
    pub struct TerminatedPodGc {
        id: "CP-TERMINATED-POD-GC",
        title: "Terminated pod garbage collection not tuned",
        group: ContainerSecurity,
        stride: DenialOfService,
        severity: Low,
        cwe: [400, 770],
        infra: [Kubernetes],
        equivalents: ["CKV_K8S_106", "kics:49113af4-29ca-458e-b8d4-724c01a4a24f"],
        attack_scenario: "A user allowed to create Jobs launches one that fails thousands of times; with collection off or a huge threshold the failed pods accumulate in etcd until list calls time out.",
        mitigation: "Set `--terminated-pod-gc-threshold` on kube-controller-manager to a positive value sized for the cluster, at most 12500.",
    }
}

const DEFAULT_THRESHOLD: i64 = 12500;

impl Check for TerminatedPodGc {
    fn check_workload(&self, w: &Workload, _cx: &Context, out: &mut Sink) {
        for inv in invocations(w, &[Component::ControllerManager]) {
            let what = match inv.flag("terminated-pod-gc-threshold") {
                None => "does not set `--terminated-pod-gc-threshold` (default 12500)".to_string(),
                Some(_) => match inv.value("terminated-pod-gc-threshold").map(|v| v.parse::<i64>()) {
                    Some(Ok(n)) if n <= 0 => format!("sets `--terminated-pod-gc-threshold={n}`, which turns garbage collection of terminated pods off"),
                    Some(Ok(n)) if n > DEFAULT_THRESHOLD => format!("sets `--terminated-pod-gc-threshold={n}`, above the default of {DEFAULT_THRESHOLD}"),
                    _ => continue,
                },
            };
            inv.report(
                out,
                w,
                inv.loc_of("terminated-pod-gc-threshold"),
                format!("{} {what}", inv.describe(w)),
            );
        }
    }
}
