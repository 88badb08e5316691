use super::util::{invocations, is_loopback, Component};
use crate::{Check, Context, Sink};
use stridemap_model::k8s::Workload;

declare_rule! {
    /// ## What it does
    /// Flags `kube-controller-manager` and `kube-scheduler` whose `--bind-address` is missing
    /// (it defaults to `0.0.0.0`) or is not a loopback address.
    ///
    /// ## Why is this bad?
    /// Both components run with powerful credentials on the host network and only need to
    /// answer local health checks. Listening on every interface exposes their HTTPS endpoints,
    /// including `/metrics`, `/configz` and, when profiling is on, `/debug/pprof`, to anything
    /// that can reach the node, and widens the attack surface of the most privileged processes
    /// in the cluster.
    ///
    /// ## Example
    /// ```yaml
    /// command:
    ///   - kube-scheduler
    ///   - --bind-address=0.0.0.0
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// command:
    ///   - kube-scheduler
    ///   - --bind-address=127.0.0.1
    /// ```
    /// Bind to `127.0.0.1` and probe the health endpoints locally.
    pub struct BindAddressExposed {
        id: "CP-BIND-ADDRESS-EXPOSED",
        title: "Controller manager or scheduler listens on all interfaces",
        group: ContainerSecurity,
        stride: InformationDisclosure,
        severity: Medium,
        cwe: [668],
        infra: [Kubernetes],
        equivalents: [
            "CKV_K8S_113",
            "CKV_K8S_115",
            "kics:46a2e9ec-6a5f-4faa-9d39-4ea44d5d87a2",
        ],
        attack_scenario: "An attacker inside the node network scrapes the controller manager's endpoints on port 10257 and, where anonymous or weak authentication is allowed, reads its configuration and profiling data to plan further attacks.",
        mitigation: "Start kube-controller-manager and kube-scheduler with `--bind-address=127.0.0.1`.",
    }
}

impl Check for BindAddressExposed {
    fn check_workload(&self, w: &Workload, _cx: &Context, out: &mut Sink) {
        for inv in invocations(w, &[Component::ControllerManager, Component::Scheduler]) {
            let what = match inv.value("bind-address") {
                Some(a) if is_loopback(a) => continue,
                Some(a) => format!("listens on {a} (`--bind-address`)"),
                None => "has no `--bind-address`, so it listens on all interfaces".to_string(),
            };
            inv.report(
                out,
                w,
                inv.loc_of("bind-address"),
                format!(
                    "{} {what}; its endpoints are reachable from outside the node",
                    inv.describe(w)
                ),
            );
        }
    }
}
