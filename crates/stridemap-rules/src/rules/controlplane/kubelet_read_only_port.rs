use super::util::{
    config_loc, config_value, invocations, is_kubelet_config, report_config, Component,
};
use crate::{Check, Context, Sink};
use stridemap_model::k8s::{K8sObject, Workload};

declare_rule! {
    /// ## What it does
    /// Flags kubelets that open the read-only port: `--read-only-port` set to anything but
    /// `0`, or `readOnlyPort` non-zero in a `KubeletConfiguration` (where it defaults to `0`).
    ///
    /// ## Why is this bad?
    /// The read-only port (10255 by convention) serves plain HTTP with no authentication or
    /// authorization. Anyone who reaches it can list every pod on the node with its full
    /// spec (environment variables, which often hold credentials, images, service accounts,
    /// volumes) and pull node metrics, a ready-made map for the next step of an attack.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: kubelet.config.k8s.io/v1beta1
    /// kind: KubeletConfiguration
    /// readOnlyPort: 10255
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// apiVersion: kubelet.config.k8s.io/v1beta1
    /// kind: KubeletConfiguration
    /// readOnlyPort: 0
    /// ```
    /// Set the port to `0` and scrape metrics through the authenticated port 10250.
    pub struct KubeletReadOnlyPort {
        id: "CP-KUBELET-READ-ONLY-PORT",
        title: "Kubelet read-only port open",
        group: ContainerSecurity,
        stride: InformationDisclosure,
        severity: Medium,
        cwe: [200, 306],
        infra: [Kubernetes],
        equivalents: ["CKV_K8S_141", "kics:2940d48a-dc5e-4178-a3f8-bfbd80720b41"],
        attack_scenario: "From a compromised pod an attacker requests http://<node>:10255/pods and reads the environment of every pod on the node, including database passwords passed as plain env values.",
        mitigation: "Set `--read-only-port=0` / `readOnlyPort: 0` on every kubelet.",
    }
}

/// A numeric, non-zero port (templated values cannot be judged).
fn is_open(port: &str) -> bool {
    port.trim()
        .trim_matches('"')
        .parse::<i64>()
        .is_ok_and(|p| p != 0)
}

impl Check for KubeletReadOnlyPort {
    fn check_workload(&self, w: &Workload, _cx: &Context, out: &mut Sink) {
        for inv in invocations(w, &[Component::Kubelet]) {
            if let Some(port) = inv.value("read-only-port").filter(|p| is_open(p)) {
                inv.report(
                    out,
                    w,
                    inv.loc_of("read-only-port"),
                    format!(
                        "{} serves unauthenticated pod and node data on read-only port {port}",
                        inv.describe(w)
                    ),
                );
            }
        }
    }

    fn check_object(&self, o: &K8sObject, _cx: &Context, out: &mut Sink) {
        let path = ["readOnlyPort"];
        if !is_kubelet_config(o) {
            return;
        }
        if let Some(port) = config_value(o, &path)
            .and_then(|n| n.as_str())
            .filter(|p| is_open(p))
        {
            report_config(
                out,
                o,
                config_loc(o, &path),
                format!(
                    "{} opens the unauthenticated read-only port {port}",
                    o.resource_id()
                ),
            );
        }
    }
}
