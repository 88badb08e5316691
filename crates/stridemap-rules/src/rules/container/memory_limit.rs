use super::resource_limit::{check_pod, check_service};
use crate::{Check, Context, Sink};
use stridemap_model::compose::{ComposeFile, ComposeService};
use stridemap_model::k8s::Workload;

declare_rule! {
    /// ## What it does
    /// Flags containers without a memory limit (`resources.limits.memory`; in Compose
    /// `mem_limit` or `deploy.resources.limits.memory`).
    ///
    /// ## Why is this bad?
    /// A container without a memory limit can consume all of its node's memory. One leaking or
    /// attacked service (a large request body, a decompression bomb, an unbounded cache) then
    /// gets its neighbours OOM-killed or evicted, turning a single-service problem into an
    /// outage of unrelated services.
    ///
    /// ## Example
    /// ```yaml
    /// resources:
    ///   requests:
    ///     memory: 128Mi
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// resources:
    ///   requests:
    ///     memory: 128Mi
    ///   limits:
    ///     memory: 256Mi
    /// ```
    /// Set namespace defaults with a LimitRange so no container goes without.
    pub struct NoMemoryLimit {
        id: "CTR-NO-MEMORY-LIMIT",
        title: "Container has no memory limit",
        group: DistributedDos,
        stride: DenialOfService,
        severity: Medium,
        cwe: [770, 400],
        infra: [Kubernetes, Compose],
        equivalents: [
            "CKV_K8S_13",
            "kics:b14d1bc4-a208-45db-92f0-e21f8e2588e9",
            "kics:bb9ac4f7-e13b-423d-a010-c74a1bfbe492",
            "kube-linter:unset-memory-requirements",
        ],
        attack_scenario: "An attacker sends requests that make the service allocate memory without bound; the node runs out of memory and the kernel kills or the kubelet evicts other services' pods on it.",
        mitigation: "Set `resources.limits.memory` on every container (Compose: `deploy.resources.limits.memory`), and a namespace LimitRange as a default.",
        checklist: ["pod.resource-limits"],
    }
}

impl Check for NoMemoryLimit {
    fn check_workload(&self, w: &Workload, _cx: &Context, out: &mut Sink) {
        check_pod(w, "memory", out);
    }

    fn check_compose_service(
        &self,
        compose: &ComposeFile,
        service: &ComposeService,
        _cx: &Context,
        out: &mut Sink,
    ) {
        check_service(compose, service, "memory", out);
    }
}
