use super::util::{autoscalers, controller_is_valid, names, ops_tool, replicas_loc, scale};
use crate::rules::s2s::util::{
    definition, is_k8s_workload, objects_of_node, resource, telemetry_sink, workload_objects, Files,
};
use crate::{Check, Context, Sink};
use std::collections::{BTreeMap, BTreeSet};
use stridemap_model::architecture::{ArchNode, Role};
use stridemap_model::k8s::K8sObject;
use stridemap_model::{InfraType, Severity};

declare_rule! {
    /// ## What it does
    /// Flags services that run as a single pod (one replica and no autoscaler that adds more, or
    /// a bare Pod) while they sit on the request path of the architecture: an entry point
    /// (Ingress, gateway, LoadBalancer or NodePort) routes to them, or other services call them
    /// synchronously. Data stores are left out (they are made highly available by replication,
    /// not by a replica count), and so are operators' consoles and monitoring tools.
    ///
    /// ## Why is this bad?
    /// Every request that passes through the service depends on that one pod. A crash, an OOM
    /// kill, an eviction, a node failure or simply the next rollout takes the whole request path
    /// down with it, and the callers pile up waiting. An attacker needs only one input that
    /// crashes or stalls the process to take every dependent feature offline, where with several
    /// replicas the same input costs one pod among many.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata:
    ///   name: checkout
    /// spec:
    ///   replicas: 1
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata:
    ///   name: checkout
    /// spec:
    ///   replicas: 3
    /// ```
    /// Run at least two replicas (or an autoscaler with `minReplicas: 2`) spread over nodes,
    /// with a PodDisruptionBudget, for every service on the request path.
    pub struct SingleReplica {
        id: "DOS-SINGLE-REPLICA",
        title: "Single replica on the request path",
        group: DistributedDos,
        stride: DenialOfService,
        severity: Medium,
        cwe: [400],
        infra: [Kubernetes],
        equivalents: [],
        attack_scenario: "An attacker sends one request that crashes or stalls the only pod of a service that the entry point or other services depend on; until Kubernetes restarts it, every request path through that service fails and the callers' threads and connections pile up behind it.",
        mitigation: "Run two or more replicas (or an autoscaler with `minReplicas` of at least 2), spread them with pod anti-affinity or topology spread constraints, and protect them with a PodDisruptionBudget.",
    }
}

/// Kinds whose pods a replica count (or nothing at all) governs.
const SINGLE_KINDS: &[&str] = &[
    "Deployment",
    "StatefulSet",
    "ReplicaSet",
    "ReplicationController",
    "DeploymentConfig",
    "Rollout",
    "Pod",
];

impl Check for SingleReplica {
    fn check_corpus(&self, cx: &Context, out: &mut Sink) {
        let files = Files::new(cx.corpus);
        let index = workload_objects(cx.corpus);
        let scalers = autoscalers(cx.corpus);
        // Synchronous callers of each node: entry points and deployed services.
        let mut callers: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
        let mut entries: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
        let mut evidence: BTreeMap<&str, Vec<_>> = BTreeMap::new();
        for f in cx.arch.flows().filter(|f| !f.is_async) {
            let Some(from) = cx.arch.node(&f.from) else {
                continue;
            };
            // Kubernetes entry points and workloads; Compose ports and services describe
            // another deployment of the same code.
            let compose_entry = from.kinds.iter().any(|k| k.starts_with("compose"))
                || from.name.starts_with("published/");
            if from.role == Role::EntryPoint && !compose_entry {
                entries.entry(&f.to).or_default().insert(&from.name);
            } else if from.role == Role::Service && is_k8s_workload(from) && !telemetry_sink(from) {
                callers.entry(&f.to).or_default().insert(&from.name);
            } else {
                continue;
            }
            if let Some(l) = f.loc {
                evidence.entry(&f.to).or_default().push(l);
            }
        }
        for n in cx.arch.nodes() {
            if n.role != Role::Service || !is_k8s_workload(n) || telemetry_sink(n) || ops_tool(n) {
                continue;
            }
            let from_entry = entries.get(n.id.as_str());
            let from_services = callers.get(n.id.as_str());
            if from_entry.is_none() && from_services.is_none() {
                continue;
            }
            let objects: Vec<&K8sObject> = objects_of_node(&index, n)
                .iter()
                .copied()
                .filter(|o| SINGLE_KINDS.contains(&o.kind.as_str()) && controller_is_valid(o))
                .collect();
            // Only when every manifest of the service keeps it at one pod.
            if objects.is_empty()
                || !objects
                    .iter()
                    .all(|o| o.kind == "Pod" || scale(o, &scalers).is_some_and(|s| s.max == 1))
            {
                continue;
            }
            report(
                out,
                &files,
                n,
                &objects,
                from_entry,
                from_services,
                &evidence,
            );
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn report(
    out: &mut Sink,
    files: &Files,
    n: &ArchNode,
    objects: &[&K8sObject],
    from_entry: Option<&BTreeSet<&str>>,
    from_services: Option<&BTreeSet<&str>>,
    evidence: &BTreeMap<&str, Vec<(stridemap_model::FileId, stridemap_model::Location)>>,
) {
    let first = objects[0];
    let mut reasons = Vec::new();
    if let Some(e) = from_entry {
        reasons.push(format!("reached from {}", names(e.iter().copied())));
    }
    if let Some(c) = from_services {
        reasons.push(format!(
            "called synchronously by {}",
            names(c.iter().copied())
        ));
    }
    let what = if first.kind == "Pod" {
        "is a bare Pod (a single instance nobody reschedules)".to_string()
    } else {
        "runs a single replica".to_string()
    };
    let fan_in = from_services.map_or(0, BTreeSet::len);
    let severity = if from_entry.is_some() || fan_in >= 2 {
        Severity::Medium
    } else {
        Severity::Low
    };
    let f = out
        .report(
            first.file,
            replicas_loc(first),
            format!(
                "`{}` ({}) {what} yet is on the request path ({}): one crash, eviction or rollout of that pod fails every request through it",
                n.name,
                resource(n),
                reasons.join("; ")
            ),
        )
        .key(n.id.clone())
        .severity(severity)
        .component(n.name.clone())
        .infra(InfraType::Kubernetes);
    for o in objects {
        f.resource(o.resource_id());
        f.also_at(o.file, replicas_loc(o));
    }
    for s in &n.k8s_services {
        f.resource(format!("Service/{s}"));
    }
    if let Some((file, loc)) = definition(n).and_then(|s| files.at(s)) {
        f.also_at(file, loc);
    }
    for &(file, loc) in evidence.get(n.id.as_str()).into_iter().flatten().take(5) {
        f.also_at(file, loc);
    }
}
