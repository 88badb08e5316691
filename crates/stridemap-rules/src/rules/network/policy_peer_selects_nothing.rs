use super::util::{
    has_pods_in, namespace_name, pod_templates, same_namespace, workload_namespaces,
};
use crate::helpers::on_object;
use crate::{Check, Context, Sink};
use stridemap_model::network_policy::{Direction, Flavor, LabelSelector, PolicyIndex};
use stridemap_model::Node;

declare_rule! {
    /// ## What it does
    /// Flags Kubernetes NetworkPolicy rules whose peer `podSelector` (without a
    /// `namespaceSelector`, so meaning pods of the policy's own namespace) matches no pod
    /// template of that namespace. It only runs for namespaces where the scan holds workloads.
    ///
    /// ## Why is this bad?
    /// The rule was meant to let one workload talk to another; with a selector nobody matches,
    /// the real client is blocked, and the usual "fix" under pressure is to loosen the policy
    /// until it allows everything. Meanwhile the dangling rule stands ready for any pod that is
    /// later given those labels — a label anyone allowed to create pods can set.
    ///
    /// ## Example
    /// ```yaml
    /// spec:
    ///   podSelector: { matchLabels: { app: inventory } }
    ///   ingress:
    ///     - from: [{ podSelector: { matchLabels: { app: order-service } } }]  # pods say app: orders
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// spec:
    ///   podSelector: { matchLabels: { app: inventory } }
    ///   ingress:
    ///     - from: [{ podSelector: { matchLabels: { app: orders } } }]
    /// ```
    /// Use the labels the client's pod template carries; add a `namespaceSelector` when the
    /// client lives in another namespace.
    pub struct PolicyPeerSelectsNothing {
        id: "NET-POLICY-PEER-SELECTS-NOTHING",
        title: "Network policy rule allows a peer that matches no pods",
        group: ServiceToService,
        stride: ElevationOfPrivilege,
        severity: Low,
        cwe: [923],
        infra: [Kubernetes],
        equivalents: ["kube-linter:dangling-networkpolicypeer-podselector"],
        attack_scenario: "A policy admits `app: order-service`, a label no deployment uses; an attacker allowed to create pods in the namespace starts one with that label and is let through to the protected workload.",
        mitigation: "Point the peer selector at the labels the intended client really carries (with a namespaceSelector for other namespaces) and remove rules for clients that no longer exist.",
    }
}

fn peers<'a>(rule: &'a Node, key: &str) -> &'a [Node] {
    rule.get(key).map(Node::as_seq).unwrap_or(&[])
}

impl Check for PolicyPeerSelectsNothing {
    fn check_corpus(&self, cx: &Context, out: &mut Sink) {
        let pods = pod_templates(cx.corpus);
        let index = PolicyIndex::from_corpus(cx.corpus);
        let namespaces = workload_namespaces(&pods, &index);
        for p in index
            .policies
            .iter()
            .filter(|p| p.flavor == Flavor::Kubernetes)
        {
            let ns = p.namespace.as_deref();
            if !has_pods_in(&namespaces, ns) {
                continue;
            }
            for d in Direction::BOTH {
                let side = p.side(d);
                if !side.isolates {
                    continue;
                }
                let key = if d == Direction::Ingress {
                    "from"
                } else {
                    "to"
                };
                for (ri, rule) in side.rules.iter().enumerate() {
                    for (pi, peer) in peers(rule, key).iter().enumerate() {
                        if peer.get("namespaceSelector").is_some() {
                            continue;
                        }
                        let Some(sel_node) = peer.get("podSelector") else {
                            continue;
                        };
                        let Some(sel) = LabelSelector::from_node(Some(sel_node)) else {
                            continue;
                        };
                        if sel.is_empty() {
                            continue;
                        }
                        let hit = pods.iter().any(|pod| {
                            same_namespace(index.resolve(pod.namespace()), ns)
                                && sel.matches(&pod.labels)
                        });
                        if hit {
                            continue;
                        }
                        let shown =
                            stridemap_model::network_policy::Selector::Labels(sel).describe();
                        let loc = sel_node.get("matchLabels").unwrap_or(sel_node).loc;
                        on_object(
                            out,
                            p.object,
                            loc,
                            format!(
                                "{} rule {} allows {} {} pods labelled `{}`, but no pod template in namespace `{}` carries those labels",
                                p.object.resource_id(),
                                ri + 1,
                                d.as_str(),
                                if d == Direction::Ingress { "from" } else { "to" },
                                shown,
                                namespace_name(ns)
                            ),
                        )
                        .key_part(format!("{}[{ri}].{key}[{pi}]", d.as_str()));
                    }
                }
            }
        }
    }
}
