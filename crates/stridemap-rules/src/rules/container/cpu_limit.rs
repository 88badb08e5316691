use super::resource_limit::{check_pod, check_service};
use crate::{Check, Context, Sink};
use stridemap_model::compose::{ComposeFile, ComposeService};
use stridemap_model::k8s::Workload;

declare_rule! {
    /// ## What it does
    /// Flags containers without a CPU limit (`resources.limits.cpu`; in Compose `cpus` or
    /// `deploy.resources.limits.cpus`).
    ///
    /// ## Why is this bad?
    /// Without a limit, a busy or attacked container takes CPU time from everything else on its
    /// node. Latency-sensitive neighbours miss their timeouts, and in a synchronous call chain
    /// those timeouts cascade into failures far from the original service.
    ///
    /// ## Example
    /// ```yaml
    /// resources:
    ///   limits:
    ///     memory: 256Mi
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// resources:
    ///   limits:
    ///     memory: 256Mi
    ///     cpu: 500m
    /// ```
    pub struct NoCpuLimit {
        id: "CTR-NO-CPU-LIMIT",
        title: "Container has no CPU limit",
        group: DistributedDos,
        stride: DenialOfService,
        severity: Low,
        cwe: [770, 400],
        infra: [Kubernetes, Compose],
        equivalents: [
            "CKV_K8S_11",
            "kics:4ac0e2b7-d2d2-4af7-8799-e8de6721ccda",
            "kics:6b610c50-99fb-4ef0-a5f3-e312fd945bc3",
            "kube-linter:unset-cpu-requirements",
        ],
        attack_scenario: "An attacker drives the service into CPU-heavy work; its pods starve the other workloads on the same nodes, whose requests time out and fail across the call chain.",
        mitigation: "Set `resources.limits.cpu` on every container (Compose: `deploy.resources.limits.cpus`), with a namespace LimitRange as a default.",
        checklist: ["pod.resource-limits"],
    }
}

impl Check for NoCpuLimit {
    fn check_workload(&self, w: &Workload, _cx: &Context, out: &mut Sink) {
        check_pod(w, "cpu", out);
    }

    fn check_compose_service(
        &self,
        compose: &ComposeFile,
        service: &ComposeService,
        _cx: &Context,
        out: &mut Sink,
    ) {
        check_service(compose, service, "cpus", out);
    }
}
