use super::namespace_guard::check;
use crate::{Check, Context, Sink};

declare_rule! {
    /// ## What it does
    /// Flags each namespace that runs workloads (or claims volumes) in the scan while no
    /// LimitRange is defined for it. Objects without `metadata.namespace` count for `default`;
    /// a LimitRange without a namespace is taken to cover wherever it is applied.
    ///
    /// ## Why is this bad?
    /// A LimitRange gives every container that forgets its own `resources` a default request and
    /// limit, and caps what any single container or volume claim may ask for. Without one, a
    /// container deployed without limits (a hurried hotfix, a debugging pod, a third-party
    /// chart) may take a node's entire memory and CPU, and a claim may request any amount of
    /// storage; the namespace has no floor under its own mistakes.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata:
    ///   name: reports
    ///   namespace: analytics
    /// # ... no LimitRange exists in `analytics`
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// apiVersion: v1
    /// kind: LimitRange
    /// metadata:
    ///   name: defaults
    ///   namespace: analytics
    /// spec:
    ///   limits:
    ///     - type: Container
    ///       default: {cpu: 500m, memory: 512Mi}
    ///       defaultRequest: {cpu: 100m, memory: 128Mi}
    ///       max: {cpu: "2", memory: 2Gi}
    /// ```
    /// Define a LimitRange in every namespace that runs workloads.
    pub struct NoLimitRange {
        id: "DOS-NO-LIMIT-RANGE",
        title: "Namespace without a LimitRange",
        group: DistributedDos,
        stride: DenialOfService,
        severity: Low,
        cwe: [770],
        infra: [Kubernetes],
        equivalents: ["kics:4a20ebac-1060-4c81-95d1-1f7f620e983b"],
        attack_scenario: "A workload deployed without resource limits into the namespace is driven by an attacker to consume all of its node's memory and CPU; with no LimitRange default to cap it, neighbouring services on the node are OOM-killed or starved.",
        mitigation: "Add a LimitRange to each namespace with default requests and limits for containers and maximums for containers and PersistentVolumeClaims.",
    }
}

impl Check for NoLimitRange {
    fn check_corpus(&self, cx: &Context, out: &mut Sink) {
        check(
            cx,
            out,
            &["LimitRange"],
            "containers deployed without limits get no default and no maximum",
        );
    }
}
