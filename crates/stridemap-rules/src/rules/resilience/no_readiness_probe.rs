use super::probes::check;
use crate::{Check, Context, Sink};
use stridemap_model::k8s::Workload;

declare_rule! {
    /// ## What it does
    /// Flags long-running containers without a `readinessProbe`: app containers of Deployments,
    /// StatefulSets, DaemonSets, bare Pods and similar controllers. Jobs, CronJobs and pods with
    /// `restartPolicy: Never` or `OnFailure` run to completion and are left out, as are init and
    /// ephemeral containers.
    ///
    /// ## Why is this bad?
    /// Without a readiness probe a pod counts as ready as soon as its containers start. Services
    /// send it traffic while it is still warming up, and keep sending traffic to a replica that
    /// is overloaded or has lost its database, instead of shifting load to healthy replicas.
    /// Rolling updates also proceed on pods that cannot serve, so a broken release replaces
    /// every working replica.
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
    ///     readinessProbe:
    ///       httpGet: {path: /ready, port: 8080}
    ///       periodSeconds: 5
    /// ```
    /// Report ready only when the container can actually serve requests.
    pub struct NoReadinessProbe {
        id: "DOS-NO-READINESS-PROBE",
        title: "Container without a readiness probe",
        group: DistributedDos,
        stride: DenialOfService,
        severity: Low,
        cwe: [703],
        infra: [Kubernetes],
        equivalents: [
            "CKV_K8S_9",
            "kics:a659f3b5-9bf0-438a-bd9a-7d3a6427f1e3",
            "kube-linter:no-readiness-probe",
        ],
        attack_scenario: "Under a load spike one replica saturates, but with no readiness probe it stays in the Service endpoints and keeps receiving its share of requests, which time out; a rollout of a broken image likewise replaces every healthy replica because the new pods count as ready immediately.",
        mitigation: "Add a `readinessProbe` that reports whether the container can serve traffic now, so the Service stops routing to it and rollouts wait for it.",
    }
}

impl Check for NoReadinessProbe {
    fn check_workload(&self, w: &Workload, _cx: &Context, out: &mut Sink) {
        check(
            w,
            "readinessProbe",
            "it receives traffic before it can serve and while it is overloaded or broken",
            out,
        );
    }
}
