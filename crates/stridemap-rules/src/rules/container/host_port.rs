use crate::helpers::on_container;
use crate::{Check, Context, Sink};
use stridemap_model::k8s::Workload;
use stridemap_model::Node;

declare_rule! {
    /// ## What it does
    /// Flags container ports bound directly on the node with `hostPort`.
    ///
    /// ## Why is this bad?
    /// A hostPort opens the port on the node's own address: it is reachable by anything that
    /// can reach the node, outside the Service and Ingress layer where authentication and rate
    /// limits live, and many CNI plugins do not apply NetworkPolicies to it. It also limits
    /// scheduling to one such pod per node.
    ///
    /// ## Example
    /// ```yaml
    /// ports:
    ///   - containerPort: 8080
    ///     hostPort: 8080
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// ports:
    ///   - containerPort: 8080
    /// ```
    /// Expose the pod through a ClusterIP Service and an Ingress or gateway.
    pub struct HostPort {
        id: "CTR-HOST-PORT",
        title: "Container binds a port on the node",
        group: ContainerSecurity,
        stride: ElevationOfPrivilege,
        severity: Medium,
        cwe: [668, 284],
        infra: [Kubernetes],
        equivalents: ["CKV_K8S_26", "kics:2b1836f1-dcce-416e-8e16-da8c71920633"],
        attack_scenario: "An attacker who can reach the node's address calls the service directly on its host port, bypassing the gateway's authentication and rate limiting and the cluster's network policies.",
        mitigation: "Remove `hostPort`; publish the port through a Service and an Ingress or API gateway.",
    }
}

impl Check for HostPort {
    fn check_workload(&self, w: &Workload, _cx: &Context, out: &mut Sink) {
        for c in w.containers() {
            for port in c.node.get("ports").map(Node::as_seq).unwrap_or(&[]) {
                let Some(host_port) = port
                    .get("hostPort")
                    .filter(|n| n.as_i64().is_some_and(|p| p > 0))
                else {
                    continue;
                };
                let number = host_port.as_str().unwrap_or("");
                on_container(
                    out,
                    w,
                    &c,
                    host_port.loc,
                    format!(
                        "{} of {} binds port {number} on the node (hostPort)",
                        c.describe(),
                        w.object.resource_id()
                    ),
                )
                .key_part(number);
            }
        }
    }
}
