use super::util::{
    autoscalers, controller_is_valid, namespace, pod_labels, scale, selector_matches,
    REPLICATED_KINDS,
};
use crate::helpers::{key_loc, on_object};
use crate::{Check, Context, Sink};
use std::collections::BTreeMap;
use stridemap_model::k8s::K8sObject;
use stridemap_model::Node;

declare_rule! {
    /// ## What it does
    /// Flags replicated workloads (two or more replicas, or an autoscaler minimum of two or
    /// more) whose pod template neither repels its own replicas with `podAntiAffinity` nor
    /// spreads them with `topologySpreadConstraints`. A term only counts when its label
    /// selector matches the pod's own labels and its `namespaces` (when listed) include the
    /// pod's namespace.
    ///
    /// ## Why is this bad?
    /// The scheduler is free to put every replica on the same node (it often does, on a
    /// freshly scaled or lightly loaded cluster). The replicas then share one failure domain:
    /// one node crash, kernel panic, noisy neighbour or eviction wave takes out the whole
    /// service, and the redundancy that the replica count promises is not there.
    ///
    /// ## Example
    /// ```yaml
    /// spec:
    ///   replicas: 3
    ///   template:
    ///     metadata:
    ///       labels: {app: orders}
    ///     spec:
    ///       containers:
    ///         - name: orders
    ///           image: registry.example.com/orders:5.1.0
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// spec:
    ///   replicas: 3
    ///   template:
    ///     metadata:
    ///       labels: {app: orders}
    ///     spec:
    ///       affinity:
    ///         podAntiAffinity:
    ///           preferredDuringSchedulingIgnoredDuringExecution:
    ///             - weight: 100
    ///               podAffinityTerm:
    ///                 topologyKey: kubernetes.io/hostname
    ///                 labelSelector:
    ///                   matchLabels: {app: orders}
    /// ```
    /// Or spread the pods with `topologySpreadConstraints` over `kubernetes.io/hostname` or
    /// `topology.kubernetes.io/zone`, selecting the pod's own labels.
    pub struct NoAntiAffinity {
        id: "DOS-NO-ANTI-AFFINITY",
        title: "Replicas not spread across nodes",
        group: DistributedDos,
        stride: DenialOfService,
        severity: Low,
        cwe: [400],
        infra: [Kubernetes],
        equivalents: [
            "kics:a31b7b82-d994-48c4-bd21-3bab6c31827a",
            "kics:d740d048-8ed3-49d3-b77b-6f072f3b669e",
            "kube-linter:no-anti-affinity",
        ],
        attack_scenario: "All replicas of the service were scheduled onto one node; an attacker who exhausts that node's resources through any co-located workload (or one node failure) takes every replica down at once.",
        mitigation: "Add a `podAntiAffinity` term (preferred or required) with `topologyKey: kubernetes.io/hostname` selecting the pod's own labels, or `topologySpreadConstraints` over hostname or zone.",
    }
}

/// Why a term does not protect the pod, or `None` when it does.
fn term_covers(term: &Node, labels: &BTreeMap<String, String>, ns: &str) -> Result<(), String> {
    if term.get("namespaceSelector").is_none() {
        if let Some(list) = term.get("namespaces").filter(|l| !l.as_seq().is_empty()) {
            let names: Vec<&str> = list.strings().into_iter().map(|(s, _)| s).collect();
            if !names.contains(&ns) {
                return Err(format!(
                    "its anti-affinity only looks at namespaces {names:?}, not the pod's namespace `{ns}`"
                ));
            }
        }
    }
    match term.get("labelSelector") {
        Some(sel) if !labels.is_empty() && selector_matches(sel, labels) => Ok(()),
        _ => Err("its anti-affinity selector does not match the pod's own labels".into()),
    }
}

/// `Ok` when the pod spec spreads replicas, else why it does not.
fn spread(o: &K8sObject, spec: &Node, labels: &BTreeMap<String, String>) -> Result<(), String> {
    let ns = namespace(o);
    let mut reason: Option<String> = None;
    if let Some(anti) = spec.path(&["affinity", "podAntiAffinity"]) {
        let required = anti
            .get("requiredDuringSchedulingIgnoredDuringExecution")
            .map(Node::as_seq)
            .unwrap_or(&[])
            .iter();
        let preferred = anti
            .get("preferredDuringSchedulingIgnoredDuringExecution")
            .map(Node::as_seq)
            .unwrap_or(&[])
            .iter()
            .filter_map(|p| p.get("podAffinityTerm"));
        for term in required.chain(preferred) {
            match term_covers(term, labels, ns) {
                Ok(()) => return Ok(()),
                Err(r) => reason = Some(r),
            }
        }
    }
    for c in spec
        .get("topologySpreadConstraints")
        .map(Node::as_seq)
        .unwrap_or(&[])
    {
        if c.get("labelSelector")
            .is_some_and(|sel| !labels.is_empty() && selector_matches(sel, labels))
        {
            return Ok(());
        }
        reason.get_or_insert_with(|| {
            "its topology spread constraints do not select the pod's own labels".into()
        });
    }
    Err(reason.unwrap_or_else(|| "it declares no pod anti-affinity or topology spread".into()))
}

impl Check for NoAntiAffinity {
    fn check_corpus(&self, cx: &Context, out: &mut Sink) {
        let scalers = autoscalers(cx.corpus);
        for o in cx
            .corpus
            .objects_of(REPLICATED_KINDS)
            .filter(|o| controller_is_valid(o))
        {
            let Some(s) = scale(o, &scalers) else {
                continue;
            };
            if s.min < 2 {
                continue;
            }
            let Some(template) = o.root.path(&["spec", "template"]) else {
                continue;
            };
            let Some(spec) = template.get("spec").filter(|s| s.is_map()) else {
                continue;
            };
            let labels = pod_labels(o);
            let Err(reason) = spread(o, spec, &labels) else {
                continue;
            };
            let loc = spec
                .path(&["affinity", "podAntiAffinity"])
                .map(|a| a.loc)
                .or_else(|| spec.get("affinity").map(|a| a.loc))
                .unwrap_or_else(|| key_loc(template, "spec"));
            let count = if s.autoscaled {
                format!("runs at least {} replicas", s.min)
            } else {
                format!("runs {} replicas", s.min)
            };
            on_object(
                out,
                o,
                loc,
                format!(
                    "{} {count} but {reason}, so the scheduler may place them all on one node",
                    o.resource_id()
                ),
            );
        }
    }
}
