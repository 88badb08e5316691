use super::util::{namespace_name, pod_templates, PodTemplate};
use crate::helpers::on_object;
use crate::{Check, Context, Sink};
use stridemap_model::network_policy::PolicyIndex;
use stridemap_model::Location;

declare_rule! {
    /// ## What it does
    /// Flags workloads whose pods no network policy selects: no Kubernetes `NetworkPolicy`, no
    /// Cilium `CiliumNetworkPolicy`/`CiliumClusterwideNetworkPolicy` and no Calico
    /// `NetworkPolicy`/`GlobalNetworkPolicy` applies to them. A namespaced policy only ever
    /// covers pods of its own namespace, whatever its labels say; pods on the host network are
    /// skipped, since policies cannot apply to them.
    ///
    /// ## Why is this bad?
    /// Kubernetes networking is flat by default: a pod that no policy selects accepts
    /// connections from every pod in every namespace and may open connections anywhere. One
    /// compromised workload can then probe and attack all the others, its databases included,
    /// and send what it steals out of the cluster.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata: { name: orders, namespace: shop }
    /// spec:
    ///   template:
    ///     metadata: { labels: { app: orders } }
    ///     spec:
    ///       containers: [{ name: orders, image: registry.example.com/orders:2.1.0 }]
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// apiVersion: networking.k8s.io/v1
    /// kind: NetworkPolicy
    /// metadata: { name: orders, namespace: shop }
    /// spec:
    ///   podSelector: { matchLabels: { app: orders } }
    ///   policyTypes: [Ingress, Egress]
    ///   ingress:
    ///     - from: [{ podSelector: { matchLabels: { app: storefront } } }]
    ///       ports: [{ port: 8080 }]
    ///   egress:
    ///     - to: [{ podSelector: { matchLabels: { app: orders-db } } }]
    ///       ports: [{ port: 5432 }]
    /// ```
    /// Give every namespace a default-deny policy and allow each workload only the peers and
    /// ports it needs, in the workload's own namespace.
    pub struct NoNetworkPolicy {
        id: "NET-NO-POLICY",
        title: "Workload not selected by any network policy",
        group: ServiceToService,
        stride: ElevationOfPrivilege,
        severity: Medium,
        cwe: [923],
        infra: [Kubernetes],
        equivalents: [
            "CKV2_K8S_6",
            "kics:0401f71b-9c1e-4821-ab15-a955caa621be",
            "kube-linter:non-isolated-pod",
        ],
        attack_scenario: "An attacker who compromises any pod in the cluster (a vulnerable dependency in an unrelated service) connects straight to this workload's ports, since nothing filters traffic to it, and uses it as the next step towards its data stores or credentials.",
        mitigation: "Add a default-deny NetworkPolicy to the workload's namespace and a policy selecting its pods that allows only the callers and destinations it needs.",
        checklist: ["network.policies"],
    }
}

/// Where a finding about a pod template points: its name, else the object.
pub(super) fn anchor(pod: &PodTemplate) -> Location {
    pod.object
        .metadata()
        .and_then(|m| m.get("name"))
        .map_or(pod.object.root.loc, |n| n.loc)
}

impl Check for NoNetworkPolicy {
    fn check_corpus(&self, cx: &Context, out: &mut Sink) {
        let pods = pod_templates(cx.corpus);
        if pods.is_empty() {
            return;
        }
        let index = PolicyIndex::from_corpus(cx.corpus);
        for pod in pods.iter().filter(|p| !p.host_network()) {
            let view = pod.view(&index);
            if !index.applying_to(&view).is_empty() {
                continue;
            }
            let o = pod.object;
            on_object(
                out,
                o,
                anchor(pod),
                format!(
                    "no network policy in namespace `{}` selects the pods of {}, so they accept connections from any pod in the cluster and may connect anywhere",
                    namespace_name(view.namespace),
                    o.resource_id()
                ),
            );
        }
    }
}
