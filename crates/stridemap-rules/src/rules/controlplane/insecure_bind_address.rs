use super::util::{invocations, Component};
use crate::{Check, Context, Sink};
use stridemap_model::k8s::Workload;

declare_rule! {
    /// ## What it does
    /// Flags `kube-apiserver` started with `--insecure-bind-address`, unless the insecure
    /// port is switched off with `--insecure-port=0`.
    ///
    /// ## Why is this bad?
    /// The insecure port speaks plain HTTP and skips authentication and authorization
    /// entirely: every request on it acts as cluster admin. Binding it to a routable address
    /// hands the cluster to anyone on that network; even on `127.0.0.1` any process on the
    /// control-plane node, or any pod with `hostNetwork: true` there, gets the same power.
    ///
    /// ## Example
    /// ```yaml
    /// command:
    ///   - kube-apiserver
    ///   - --insecure-bind-address=0.0.0.0
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// command:
    ///   - kube-apiserver
    ///   - --bind-address=10.0.0.10
    ///   - --secure-port=6443
    /// ```
    /// Remove `--insecure-bind-address` and serve only the authenticated HTTPS port.
    pub struct InsecureBindAddress {
        id: "CP-INSECURE-BIND-ADDRESS",
        title: "API server binds its unauthenticated port",
        group: ContainerSecurity,
        stride: ElevationOfPrivilege,
        severity: High,
        cwe: [306, 319],
        infra: [Kubernetes],
        equivalents: ["CKV_K8S_86", "kics:b9380fd3-5ffe-4d10-9290-13e18e71eee1"],
        attack_scenario: "An attacker on the node network (or in a hostNetwork pod) sends plain HTTP requests to the insecure port and, with no authentication at all, creates a cluster-admin binding for themselves.",
        mitigation: "Remove `--insecure-bind-address` and set `--insecure-port=0` on releases that still have the flag.",
    }
}

impl Check for InsecureBindAddress {
    fn check_workload(&self, w: &Workload, _cx: &Context, out: &mut Sink) {
        for inv in invocations(w, &[Component::ApiServer]) {
            let Some(address) = inv.value("insecure-bind-address") else {
                continue;
            };
            if inv.value("insecure-port") == Some("0") {
                continue;
            }
            inv.report(out, w, inv.loc_of("insecure-bind-address"), format!("{} binds its unauthenticated HTTP port to {address} (`--insecure-bind-address`)", inv.describe(w)));
        }
    }
}
