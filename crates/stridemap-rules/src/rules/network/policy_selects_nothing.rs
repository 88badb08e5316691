use super::util::{has_pods_in, namespace_name, pod_templates, workload_namespaces};
use crate::helpers::on_object;
use crate::{Check, Context, Sink};
use stridemap_model::network_policy::{PolicyIndex, Selector};

declare_rule! {
    /// ## What it does
    /// Flags network policies (Kubernetes, Cilium, Calico) whose pod selector matches no pod
    /// template of their namespace. The check only runs for namespaces where the scan holds
    /// workloads: a policy for pods defined elsewhere is not judged. Cluster-wide policies and
    /// selectors written in a form that cannot be evaluated are skipped.
    ///
    /// ## Why is this bad?
    /// A selector with a typo or a stale label protects nothing while looking like protection:
    /// reviewers see a policy for the workload, yet its pods stay reachable from the whole
    /// cluster.
    ///
    /// ## Example
    /// ```yaml
    /// kind: NetworkPolicy
    /// metadata: { name: api, namespace: shop }
    /// spec:
    ///   podSelector: { matchLabels: { app: api-server } }   # pods are labelled app: api
    ///   policyTypes: [Ingress]
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// kind: NetworkPolicy
    /// metadata: { name: api, namespace: shop }
    /// spec:
    ///   podSelector: { matchLabels: { app: api } }
    ///   policyTypes: [Ingress]
    /// ```
    /// Select the labels the workload's pod template really carries, in the same namespace.
    pub struct PolicySelectsNothing {
        id: "NET-POLICY-SELECTS-NOTHING",
        title: "Network policy selects no pods",
        group: ServiceToService,
        stride: ElevationOfPrivilege,
        severity: Medium,
        cwe: [923],
        infra: [Kubernetes],
        equivalents: [
            "kics:85ab1c5b-014e-4352-b5f8-d7dea3bb4fd3",
            "kube-linter:dangling-networkpolicy",
        ],
        attack_scenario: "The team believes the payment API only accepts traffic from checkout because a policy says so; the policy's selector misses the pods, so an attacker in any compromised pod calls the API directly.",
        mitigation: "Fix the selector to match the pod template labels of the intended workload in the policy's namespace, and check coverage after every label change.",
    }
}

impl Check for PolicySelectsNothing {
    fn check_corpus(&self, cx: &Context, out: &mut Sink) {
        let pods = pod_templates(cx.corpus);
        let index = PolicyIndex::from_corpus(cx.corpus);
        let namespaces = workload_namespaces(&pods, &index);
        let mut pods_by_namespace: std::collections::BTreeMap<Option<&str>, Vec<usize>> =
            std::collections::BTreeMap::new();
        for (i, pod) in pods.iter().enumerate() {
            pods_by_namespace
                .entry(index.resolve(pod.namespace()))
                .or_default()
                .push(i);
        }
        for (i, p) in index.policies.iter().enumerate() {
            let ns = p.namespace.as_deref();
            if p.cluster_wide
                || matches!(p.selector, Selector::Unknown)
                || p.selects_all()
                || !has_pods_in(&namespaces, ns)
            {
                continue;
            }
            // Only pods the policy's namespace can hold are worth asking (an unset namespace on
            // either side may be any).
            let candidates: Box<dyn Iterator<Item = &usize>> = match ns {
                Some(_) => Box::new(
                    pods_by_namespace
                        .get(&ns)
                        .into_iter()
                        .chain(pods_by_namespace.get(&None))
                        .flatten(),
                ),
                None => Box::new(pods_by_namespace.values().flatten()),
            };
            let hit = candidates.into_iter().any(|&i| {
                let view = pods[i].view(&index);
                p.applies_to(&view)
            });
            if hit {
                continue;
            }
            let node = p.selector_node.map(|s| s.get("matchLabels").unwrap_or(s));
            let loc = node.map_or(p.object.root.loc, |n| n.loc);
            on_object(
                out,
                p.object,
                loc,
                format!(
                    "{} selects `{}`, but no pod template in namespace `{}` carries those labels, so the policy protects nothing",
                    p.object.resource_id(),
                    p.selector.describe(),
                    namespace_name(ns)
                ),
            )
            .key_part(format!("policy{i}"));
        }
    }
}
