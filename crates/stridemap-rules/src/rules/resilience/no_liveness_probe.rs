use super::probes::check;
use crate::{Check, Context, Sink};
use stridemap_model::k8s::Workload;

declare_rule! {
    /// ## What it does
    /// Flags long-running containers without a `livenessProbe`: app containers of Deployments,
    /// StatefulSets, DaemonSets, bare Pods and similar controllers. Jobs, CronJobs and pods with
    /// `restartPolicy: Never` or `OnFailure` run to completion and are left out, as are init and
    /// ephemeral containers.
    ///
    /// ## Why is this bad?
    /// Without a liveness probe the kubelet only notices a container that exits. A process that
    /// deadlocks, exhausts a connection pool or spins on a poisoned message stays `Running`
    /// forever while failing every request routed to it, and nothing restarts it until a human
    /// does. A single request that wedges the process becomes a lasting outage.
    ///
    /// ## Example
    /// ```yaml
    /// containers:
    ///   - name: api
    ///     image: registry.example.com/api:2.3.0
    ///     ports:
    ///       - containerPort: 8080
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// containers:
    ///   - name: api
    ///     image: registry.example.com/api:2.3.0
    ///     ports:
    ///       - containerPort: 8080
    ///     livenessProbe:
    ///       httpGet: {path: /healthz, port: 8080}
    ///       periodSeconds: 10
    ///       failureThreshold: 3
    /// ```
    /// Probe a cheap endpoint that checks the process itself (not its dependencies), so a
    /// wedged container is restarted without cascading restarts when a dependency is down.
    pub struct NoLivenessProbe {
        id: "DOS-NO-LIVENESS-PROBE",
        title: "Container without a liveness probe",
        group: DistributedDos,
        stride: DenialOfService,
        severity: Low,
        cwe: [703],
        infra: [Kubernetes],
        equivalents: [
            "CKV_K8S_8",
            "kics:ade74944-a674-4e00-859e-c6eab5bde441",
            "kube-linter:no-liveness-probe",
        ],
        attack_scenario: "An attacker sends input that deadlocks the service process (a slow regex, a lock-ordering bug, an exhausted pool); the container stays Running and keeps receiving traffic it cannot serve, and no restart happens until someone notices.",
        mitigation: "Add a `livenessProbe` (HTTP, gRPC, TCP or exec) that checks the process itself, with a failure threshold that tolerates short pauses.",
    }
}

impl Check for NoLivenessProbe {
    fn check_workload(&self, w: &Workload, _cx: &Context, out: &mut Sink) {
        check(
            w,
            "livenessProbe",
            "a deadlocked or wedged process keeps running and is never restarted",
            out,
        );
    }
}
