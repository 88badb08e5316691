use super::util::{autoscalers, budget_covers, controller_is_valid, scale, REPLICATED_KINDS};
use crate::helpers::{key_loc, on_object};
use crate::{Check, Context, Sink};
use stridemap_model::k8s::K8sObject;

declare_rule! {
    /// ## What it does
    /// Flags Deployments, StatefulSets and other replicated controllers that can run more than
    /// one pod (`replicas` above 1, or an autoscaler that scales them past 1) while no
    /// PodDisruptionBudget in their namespace selects their pods.
    ///
    /// ## Why is this bad?
    /// Without a disruption budget the cluster treats every replica as expendable during
    /// voluntary disruptions: a node drain, a cluster upgrade or the autoscaler compacting nodes
    /// may evict all replicas at once when they happen to share a node or a node pool. The
    /// redundancy the replicas were meant to buy disappears exactly while the cluster is being
    /// worked on, and the service goes dark until the pods are rescheduled and ready again.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata:
    ///   name: checkout
    /// spec:
    ///   replicas: 3
    ///   selector:
    ///     matchLabels:
    ///       app: checkout
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// apiVersion: policy/v1
    /// kind: PodDisruptionBudget
    /// metadata:
    ///   name: checkout
    /// spec:
    ///   maxUnavailable: 1
    ///   selector:
    ///     matchLabels:
    ///       app: checkout
    /// ```
    /// Add a PodDisruptionBudget whose selector matches the pods, allowing one pod (or a small
    /// percentage) to be unavailable at a time.
    pub struct NoPodDisruptionBudget {
        id: "DOS-NO-PDB",
        title: "Replicated workload without a PodDisruptionBudget",
        group: DistributedDos,
        stride: DenialOfService,
        severity: Low,
        cwe: [400],
        infra: [Kubernetes],
        equivalents: [
            "kics:b23e9b98-0cb6-4fc9-b257-1f3270442678",
            "kics:1db3a5a5-bf75-44e5-9e44-c56cfc8b1ac5",
        ],
        attack_scenario: "During a routine node drain or cluster upgrade every replica of the service is evicted at the same time because nothing limits concurrent evictions; an attacker who can trigger node pressure (or simply times requests to maintenance windows) gets an outage without touching the service itself.",
        mitigation: "Add a `policy/v1` PodDisruptionBudget selecting the workload's pods, with `maxUnavailable: 1` (or a percentage) so evictions proceed one replica at a time.",
    }
}

fn has_budget(o: &K8sObject, budgets: &[&K8sObject]) -> bool {
    budgets.iter().any(|pdb| budget_covers(pdb, o))
}

impl Check for NoPodDisruptionBudget {
    fn check_corpus(&self, cx: &Context, out: &mut Sink) {
        let budgets: Vec<&K8sObject> = cx.corpus.objects_of(&["PodDisruptionBudget"]).collect();
        let scalers = autoscalers(cx.corpus);
        for o in cx
            .corpus
            .objects_of(REPLICATED_KINDS)
            .filter(|o| controller_is_valid(o))
        {
            let Some(s) = scale(o, &scalers) else {
                continue;
            };
            if s.max < 2 || has_budget(o, &budgets) {
                continue;
            }
            let loc = o
                .root
                .path(&["spec", "selector"])
                .filter(|s| s.is_map())
                .map(|s| {
                    if s.get("matchLabels").is_some() {
                        key_loc(s, "matchLabels")
                    } else {
                        s.loc
                    }
                })
                .unwrap_or_else(|| super::util::replicas_loc(o));
            let how = if s.autoscaled {
                format!("is autoscaled up to {} replicas", s.max)
            } else {
                format!("runs {} replicas", s.max)
            };
            on_object(
                out,
                o,
                loc,
                format!(
                    "{} {how} but no PodDisruptionBudget selects its pods, so a node drain may evict them all at once",
                    o.resource_id()
                ),
            );
        }
    }
}
