use super::namespace_guard::check;
use crate::{Check, Context, Sink};

declare_rule! {
    /// ## What it does
    /// Flags each namespace that runs workloads (or claims volumes) in the scan while no
    /// ResourceQuota is defined for it. Objects without `metadata.namespace` count for
    /// `default`; a ResourceQuota without a namespace is taken to cover wherever it is applied.
    ///
    /// ## Why is this bad?
    /// Per-container limits bound one pod; only a quota bounds the namespace as a whole. Without
    /// one, an autoscaler driven by hostile traffic, a runaway Job or CronJob, or a compromised
    /// service account allowed to create pods can consume the cluster's entire capacity (pods,
    /// CPU, memory, storage, load balancers) and starve every other team's workloads.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata:
    ///   name: reports
    ///   namespace: analytics
    /// # ... no ResourceQuota exists in `analytics`
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// apiVersion: v1
    /// kind: ResourceQuota
    /// metadata:
    ///   name: analytics-quota
    ///   namespace: analytics
    /// spec:
    ///   hard:
    ///     pods: "40"
    ///     requests.cpu: "20"
    ///     requests.memory: 40Gi
    ///     limits.memory: 60Gi
    ///     persistentvolumeclaims: "10"
    /// ```
    /// Give every namespace a quota sized for its expected peak.
    pub struct NoResourceQuota {
        id: "DOS-NO-RESOURCE-QUOTA",
        title: "Namespace without a ResourceQuota",
        group: DistributedDos,
        stride: DenialOfService,
        severity: Low,
        cwe: [770],
        infra: [Kubernetes],
        equivalents: ["kics:48a5beba-e4c0-4584-a2aa-e6894e4cf424"],
        attack_scenario: "An attacker floods a service whose autoscaler (or a compromised account able to create pods) keeps adding pods in the namespace; with no quota the namespace absorbs the whole cluster's capacity and unrelated services can no longer schedule.",
        mitigation: "Add a ResourceQuota to each namespace bounding pods, CPU and memory requests and limits, and storage claims.",
    }
}

impl Check for NoResourceQuota {
    fn check_corpus(&self, cx: &Context, out: &mut Sink) {
        check(
            cx,
            out,
            &["ResourceQuota"],
            "nothing bounds what its workloads may consume together",
        );
    }
}
