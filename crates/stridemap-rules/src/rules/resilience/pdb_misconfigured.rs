use super::util::{
    autoscalers, budget_covers, controller_is_valid, pod_labels, same_namespace, scale,
    selector_is_empty, selector_matches, REPLICATED_KINDS,
};
use crate::helpers::{key_loc, on_object};
use crate::{Check, Context, Sink};
use std::collections::BTreeMap;
use stridemap_model::k8s::K8sObject;
use stridemap_model::{Node, Severity};

declare_rule! {
    /// ## What it does
    /// Flags PodDisruptionBudgets that cannot do their job:
    /// - `maxUnavailable: 0` (or `0%`), or `minAvailable: 100%`: no pod may ever be evicted;
    /// - `minAvailable` at or above the replicas the selected workload runs (its autoscaler's
    ///   minimum when it has one): the budget is exhausted before any eviction;
    /// - `minAvailable: 0` or `maxUnavailable: 100%`: the budget protects nothing;
    /// - no selector, or a selector that picks no pod of the workloads defined in its namespace;
    /// - a `policy/v1` budget that leaves `unhealthyPodEvictionPolicy` at its default (reported
    ///   at `info`), so pods that never become ready still count against the budget.
    ///
    /// ## Why is this bad?
    /// A budget that allows no eviction turns every node drain into a stalled drain: cluster
    /// upgrades, kernel patches and node replacement wait forever on one workload, so the nodes
    /// keep running unpatched. A budget that selects nothing or allows everything gives the
    /// opposite failure: the team believes the service is protected while a drain can evict
    /// every replica at once. With the default unhealthy-pod policy, a workload whose pods are
    /// stuck not-ready also blocks drains.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: policy/v1
    /// kind: PodDisruptionBudget
    /// metadata:
    ///   name: ledger
    /// spec:
    ///   maxUnavailable: 0
    ///   selector:
    ///     matchLabels:
    ///       app: ledger
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// apiVersion: policy/v1
    /// kind: PodDisruptionBudget
    /// metadata:
    ///   name: ledger
    /// spec:
    ///   maxUnavailable: 1
    ///   unhealthyPodEvictionPolicy: AlwaysAllow
    ///   selector:
    ///     matchLabels:
    ///       app: ledger
    /// ```
    /// Leave room for at least one eviction, keep `minAvailable` below the replica count, and
    /// let pods that are not ready be evicted.
    pub struct PdbMisconfigured {
        id: "DOS-PDB-MISCONFIGURED",
        title: "PodDisruptionBudget blocks evictions or protects nothing",
        group: DistributedDos,
        stride: DenialOfService,
        severity: Medium,
        cwe: [400],
        infra: [Kubernetes],
        equivalents: [
            "kube-linter:pdb-max-unavailable",
            "kube-linter:pdb-min-available",
            "kube-linter:pdb-unhealthy-pod-eviction-policy",
        ],
        attack_scenario: "A budget that allows no eviction stalls every node drain, so security patches and node upgrades never complete and the cluster keeps running vulnerable nodes; a budget that selects nothing lets a maintenance drain evict every replica of the service at once.",
        mitigation: "Use `maxUnavailable: 1` (or a percentage) with a selector matching the workload's pods, keep `minAvailable` below the minimum replica count, and set `unhealthyPodEvictionPolicy: AlwaysAllow`.",
    }
}

/// An int-or-percent budget value: `(number, is_percent)`.
fn budget_value(n: &Node) -> Option<(i64, bool)> {
    let text = n.as_str()?.trim();
    match text.strip_suffix('%') {
        Some(p) => p.trim().parse().ok().map(|v| (v, true)),
        None => n.as_i64().map(|v| (v, false)),
    }
}

impl Check for PdbMisconfigured {
    fn check_corpus(&self, cx: &Context, out: &mut Sink) {
        let scalers = autoscalers(cx.corpus);
        let controllers: Vec<&K8sObject> = cx
            .corpus
            .objects_of(REPLICATED_KINDS)
            .filter(|o| controller_is_valid(o))
            .collect();
        // Everything that runs pods with its pod labels, for "does this budget select anything".
        let pod_owners: Vec<(&K8sObject, BTreeMap<String, String>)> = cx
            .corpus
            .objects
            .iter()
            .filter(|o| o.workload().is_some() || REPLICATED_KINDS.contains(&o.kind.as_str()))
            .map(|o| (o, pod_labels(o)))
            .collect();
        for pdb in cx.corpus.objects_of(&["PodDisruptionBudget"]) {
            let Some(spec) = pdb.root.get("spec").filter(|s| s.is_map()) else {
                continue;
            };
            let spec_loc = key_loc(&pdb.root, "spec");
            let v1 = pdb.api_version == "policy/v1";
            let selector = spec.get("selector").filter(|s| !s.is_null());
            let selected: Vec<&K8sObject> = controllers
                .iter()
                .copied()
                .filter(|o| budget_covers(pdb, o))
                .collect();

            if let Some(n) = spec.get("maxUnavailable") {
                match budget_value(n) {
                    Some((0, _)) => {
                        on_object(out, pdb, n.loc, format!("{} sets maxUnavailable to 0, so no pod it covers can ever be evicted and node drains stall", pdb.resource_id()))
                            .key_part("max-unavailable-zero");
                    }
                    Some((100, true)) => {
                        on_object(out, pdb, n.loc, format!("{} sets maxUnavailable to 100%, so it allows every pod to be evicted at once and protects nothing", pdb.resource_id()))
                            .key_part("max-unavailable-all")
                            .severity(Severity::Low);
                    }
                    _ => {}
                }
            }
            if let Some(n) = spec.get("minAvailable") {
                match budget_value(n) {
                    Some((100, true)) => {
                        on_object(out, pdb, n.loc, format!("{} sets minAvailable to 100%, so no pod it covers can ever be evicted and node drains stall", pdb.resource_id()))
                            .key_part("min-available-all");
                    }
                    Some((0, _)) => {
                        on_object(out, pdb, n.loc, format!("{} sets minAvailable to 0, so it allows every pod to be evicted at once and protects nothing", pdb.resource_id()))
                            .key_part("min-available-zero")
                            .severity(Severity::Low);
                    }
                    Some((min, false)) => {
                        for o in &selected {
                            let Some(s) = scale(o, &scalers) else {
                                continue;
                            };
                            if s.min <= min {
                                let what = if s.autoscaled {
                                    format!("is autoscaled down to {} replica(s)", s.min)
                                } else {
                                    format!("runs {} replica(s)", s.min)
                                };
                                on_object(out, pdb, n.loc, format!("{} requires {min} pod(s) available but {} {what}, so no pod can be evicted and node drains stall", pdb.resource_id(), o.resource_id()))
                                    .key_part(format!("min-available:{}", o.qualified_id()))
                                    .resource(o.resource_id())
                                    .also_at(o.file, super::util::replicas_loc(o));
                            }
                        }
                    }
                    _ => {}
                }
            }

            match selector {
                // A null selector matches nothing; so does an empty one before policy/v1.
                None => {
                    on_object(
                        out,
                        pdb,
                        spec_loc,
                        format!(
                            "{} has no selector, so it covers no pod at all",
                            pdb.resource_id()
                        ),
                    )
                    .key_part("no-selector")
                    .severity(Severity::Low);
                }
                Some(sel) if selector_is_empty(sel) && !v1 => {
                    on_object(
                        out,
                        pdb,
                        sel.loc,
                        format!(
                            "{} has an empty selector, which {} reads as selecting no pod",
                            pdb.resource_id(),
                            pdb.api_version
                        ),
                    )
                    .key_part("no-selector")
                    .severity(Severity::Low);
                }
                Some(sel) if !selector_is_empty(sel) && selected.is_empty() => {
                    let mut same_ns = pod_owners
                        .iter()
                        .filter(|(o, _)| same_namespace(pdb, o))
                        .peekable();
                    let defined_here = same_ns.peek().is_some();
                    let covers_any = same_ns
                        .any(|(_, labels)| !labels.is_empty() && selector_matches(sel, labels));
                    if defined_here && !covers_any {
                        on_object(out, pdb, key_loc(spec, "selector"), format!("{} selects no pod of the workloads defined in its namespace, so it protects nothing", pdb.resource_id()))
                            .key_part("selects-nothing")
                            .severity(Severity::Low);
                    }
                }
                _ => {}
            }

            if v1 && spec.get("unhealthyPodEvictionPolicy").is_none() {
                on_object(out, pdb, spec_loc, format!("{} leaves unhealthyPodEvictionPolicy at its default, so pods stuck not-ready can block node drains", pdb.resource_id()))
                    .key_part("unhealthy-eviction")
                    .severity(Severity::Info);
            }
        }
    }
}
