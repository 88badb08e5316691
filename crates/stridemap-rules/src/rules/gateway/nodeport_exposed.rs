use super::util::{external_exposure, service_backends, service_tier, Exposure, Tier};
use crate::helpers::on_object;
use crate::{Check, Context, Sink};
use stridemap_model::Severity;

declare_rule! {
    /// ## What it does
    /// Flags a Service of type `NodePort`. Services whose backends are internal services are
    /// reported by GW-SERVICE-EXPOSED-DIRECTLY instead; this rule covers node ports in front of
    /// gateways, front ends and workloads the scan does not show.
    ///
    /// ## Why is this bad?
    /// A node port opens the same port on every node of the cluster, on every node address.
    /// Node addresses are often reachable from far more places than intended (a flat VPC, a
    /// peered network, a public node pool), and the port bypasses whatever the cloud load
    /// balancer or ingress would have enforced.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Service
    /// metadata:
    ///   name: storefront
    /// spec:
    ///   type: NodePort
    ///   selector:
    ///     app: storefront
    ///   ports:
    ///     - port: 80
    ///       nodePort: 30080
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// apiVersion: v1
    /// kind: Service
    /// metadata:
    ///   name: storefront
    /// spec:
    ///   type: ClusterIP
    ///   selector:
    ///     app: storefront
    ///   ports:
    ///     - port: 80
    /// ```
    /// Use ClusterIP and publish through the ingress; keep node ports for the ingress
    /// controller itself on clusters without a cloud load balancer.
    pub struct NodePortExposed {
        id: "GW-NODEPORT-EXPOSED",
        title: "Service opens a port on every node",
        group: ApiGateway,
        stride: InformationDisclosure,
        severity: Medium,
        cwe: [668],
        infra: [Kubernetes],
        equivalents: [
            "kics:845acfbe-3e10-4b8e-b656-3b404d36dfb2",
            "kube-linter:exposed-services",
        ],
        attack_scenario: "An attacker on any network that reaches a node address connects to the node port and talks to the service directly, around the ingress and its controls.",
        mitigation: "Switch the Service to ClusterIP and publish it through the ingress or gateway; if a node port is unavoidable, firewall the node addresses.",
    }
}

impl Check for NodePortExposed {
    fn check_corpus(&self, cx: &Context, out: &mut Sink) {
        for o in cx.corpus.objects_of(&["Service"]) {
            let Some((Exposure::NodePort, node)) = external_exposure(o) else {
                continue;
            };
            let backends = service_backends(cx.arch, o, Exposure::NodePort);
            let tier = service_tier(cx, o, &backends);
            let fronts = match &tier {
                Tier::Internal { .. } => continue,
                Tier::Edge(what) => format!(" for {what}"),
                Tier::FrontEnd => " for a user-facing front end".to_string(),
                Tier::Unknown => String::new(),
            };
            let f = on_object(
                out,
                o,
                node.loc,
                format!(
                    "{} opens a port on every node of the cluster{fronts}",
                    o.resource_id()
                ),
            );
            for b in &backends {
                f.component(b.name.clone());
            }
            if matches!(tier, Tier::Edge(_)) {
                f.severity(Severity::Low);
            }
        }
    }
}
