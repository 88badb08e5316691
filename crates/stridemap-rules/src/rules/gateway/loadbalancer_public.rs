use super::util::{
    annotation_node, external_exposure, service_backends, service_tier, Exposure, Tier,
};
use crate::helpers::on_object;
use crate::{Check, Context, Sink};
use stridemap_model::Severity;

/// Annotations that explicitly ask a cloud for an internet-facing load balancer.
const EXTERNAL_HINTS: &[&str] = &[
    "service.beta.kubernetes.io/aws-load-balancer-internal",
    "service.beta.kubernetes.io/aws-load-balancer-scheme",
    "service.beta.kubernetes.io/azure-load-balancer-internal",
    "cloud.google.com/load-balancer-type",
    "networking.gke.io/load-balancer-type",
];

declare_rule! {
    /// ## What it does
    /// Flags a Service of type `LoadBalancer` that gets an internet-facing load balancer: no
    /// annotation asks the cloud for an internal one (AWS, Azure, GKE, OpenStack, OCI, IBM,
    /// Alibaba) and `loadBalancerSourceRanges` does not narrow who may connect. Services whose
    /// backends are internal services are reported by GW-SERVICE-EXPOSED-DIRECTLY instead;
    /// this rule covers load balancers in front of gateways, front ends and workloads the scan
    /// does not show.
    ///
    /// ## Why is this bad?
    /// Every public load balancer is an address on the internet that scanners find within
    /// minutes. In front of an ingress controller that is the design, but it still needs the
    /// controller hardened and, where possible, the client ranges narrowed; in front of
    /// anything else it is a second, unguarded way in.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Service
    /// metadata:
    ///   name: storefront
    /// spec:
    ///   type: LoadBalancer
    ///   selector:
    ///     app: storefront
    ///   ports:
    ///     - port: 443
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// apiVersion: v1
    /// kind: Service
    /// metadata:
    ///   name: storefront
    ///   annotations:
    ///     service.beta.kubernetes.io/aws-load-balancer-internal: "true"
    /// spec:
    ///   type: LoadBalancer
    ///   selector:
    ///     app: storefront
    ///   ports:
    ///     - port: 443
    /// ```
    /// Ask for an internal load balancer, restrict `loadBalancerSourceRanges`, or use ClusterIP
    /// behind the cluster's ingress.
    pub struct LoadBalancerPublic {
        id: "GW-LOADBALANCER-PUBLIC",
        title: "Service gets a public load balancer",
        group: ApiGateway,
        stride: InformationDisclosure,
        severity: Medium,
        cwe: [668],
        infra: [Kubernetes],
        equivalents: [
            "kics:26763a1c-5dda-4772-b507-5fca7fb5f165",
            "kube-linter:exposed-services",
        ],
        attack_scenario: "An attacker sweeping cloud address ranges finds the load balancer's public IP and probes the service behind it directly, with no gateway or network restriction in the way.",
        mitigation: "Annotate the Service for an internal load balancer or set `loadBalancerSourceRanges`; publish only the ingress controller or gateway to the internet.",
        checklist: ["network.no-direct-load-balancer"],
    }
}

impl Check for LoadBalancerPublic {
    fn check_corpus(&self, cx: &Context, out: &mut Sink) {
        for o in cx.corpus.objects_of(&["Service"]) {
            let Some((Exposure::LoadBalancer, node)) = external_exposure(o) else {
                continue;
            };
            let backends = service_backends(cx.arch, o, Exposure::LoadBalancer);
            let tier = service_tier(cx, o, &backends);
            let fronts = match &tier {
                Tier::Internal { .. } => continue,
                Tier::Edge(what) => format!(" in front of {what}"),
                Tier::FrontEnd => " in front of a user-facing front end".to_string(),
                Tier::Unknown => String::new(),
            };
            let f = on_object(
                out,
                o,
                node.loc,
                format!(
                    "{} asks for an internet-facing load balancer{fronts}, with no internal-only annotation or source ranges",
                    o.resource_id()
                ),
            );
            for key in EXTERNAL_HINTS {
                if let Some(a) = annotation_node(o, key) {
                    f.also_at(o.file, a.loc);
                }
            }
            for b in &backends {
                f.component(b.name.clone());
            }
            if matches!(tier, Tier::Edge(_)) {
                f.severity(Severity::Low);
            }
        }
    }
}
