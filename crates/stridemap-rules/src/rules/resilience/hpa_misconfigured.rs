use super::util::{names, replicas_field, same_namespace, REPLICATED_KINDS};
use crate::helpers::{key_loc, on_object};
use crate::{Check, Context, Sink};
use stridemap_model::k8s::{ContainerRole, K8sObject};
use stridemap_model::{Node, Severity};

declare_rule! {
    /// ## What it does
    /// Flags HorizontalPodAutoscalers that cannot scale the way they promise:
    /// - no `maxReplicas`, or `minReplicas` above `maxReplicas`;
    /// - a target (`scaleTargetRef`) that is missing, or names a workload that the scan does not
    ///   define although it defines the other workloads of that namespace;
    /// - an `Object` metric without its metric, target or described object;
    /// - a CPU or memory utilisation target while a container of the target workload requests no
    ///   CPU or memory (utilisation is a share of the request, so the autoscaler cannot compute
    ///   it and never scales);
    /// - a target workload that also pins `spec.replicas`, which every re-apply of the manifest
    ///   resets, scaling the workload back down under load, or that several autoscalers scale;
    /// - a ceiling of 100 replicas or more in a namespace without a ResourceQuota.
    ///
    /// ## Why is this bad?
    /// The autoscaler is the capacity plan for load spikes, including hostile ones. When it points
    /// at nothing, cannot read its metric or is reset by every deployment, the service runs at
    /// its minimum size exactly when traffic surges and falls over. A ceiling that no quota bounds
    /// works the other way: an attacker generating load makes the service scale out until it
    /// starves every other workload of the cluster (and runs up the bill).
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: autoscaling/v2
    /// kind: HorizontalPodAutoscaler
    /// metadata:
    ///   name: search
    /// spec:
    ///   scaleTargetRef:
    ///     apiVersion: apps/v1
    ///     kind: Deployment
    ///     name: search-api   # the Deployment is called `search`
    ///   minReplicas: 4
    ///   maxReplicas: 2
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// apiVersion: autoscaling/v2
    /// kind: HorizontalPodAutoscaler
    /// metadata:
    ///   name: search
    /// spec:
    ///   scaleTargetRef:
    ///     apiVersion: apps/v1
    ///     kind: Deployment
    ///     name: search
    ///   minReplicas: 2
    ///   maxReplicas: 12
    /// ```
    /// Point the autoscaler at the workload's real name, keep `minReplicas` at or below a
    /// bounded `maxReplicas`, give every container resource requests, and drop `spec.replicas`
    /// from the workload it scales.
    pub struct HpaMisconfigured {
        id: "DOS-HPA-MISCONFIGURED",
        title: "Autoscaler that cannot scale as intended",
        group: DistributedDos,
        stride: DenialOfService,
        severity: Medium,
        cwe: [400, 770],
        infra: [Kubernetes],
        equivalents: [
            "kics:5744cbb8-5946-4b75-a196-ade44449525b",
            "kics:2f652c42-619d-4361-b361-9f599688f8ca",
            "kube-linter:dangling-horizontalpodautoscaler",
        ],
        attack_scenario: "An attacker floods the service during a spike; the autoscaler that should add replicas targets a misspelled Deployment (or cannot compute CPU utilisation without requests), so the service stays at its minimum size and collapses. With an unbounded ceiling instead, the same flood scales it out until other services are starved of nodes.",
        mitigation: "Fix `scaleTargetRef` to name the real workload, keep `minReplicas <= maxReplicas` with a deliberate ceiling backed by a ResourceQuota, set CPU and memory requests on every container, and remove `spec.replicas` from autoscaled workloads.",
    }
}

/// Whether an autoscaler's `scaleTargetRef` names controller `o`.
fn targets(hpa: &K8sObject, o: &K8sObject) -> bool {
    let target = hpa.root.path(&["spec", "scaleTargetRef"]);
    let text = |k: &str| target.and_then(|t| t.get(k)).and_then(Node::as_str);
    text("name") == Some(o.name.as_str())
        && text("kind").is_none_or(|k| k == o.kind)
        && same_namespace(hpa, o)
}

/// Metric sources that are a share of a resource request: (`cpu`/`memory`, the node).
fn utilisation_targets(hpa: &K8sObject) -> Vec<(&'static str, &Node)> {
    let spec = hpa.root.get("spec");
    let mut out = Vec::new();
    if let Some(n) = spec.and_then(|s| s.get("targetCPUUtilizationPercentage")) {
        out.push(("cpu", n));
    }
    let metrics = spec.and_then(|s| s.get("metrics"));
    for m in metrics.map(Node::as_seq).unwrap_or(&[]) {
        let kind = m.get("type").and_then(Node::as_str);
        let source = match kind {
            Some("Resource") => m.get("resource"),
            Some("ContainerResource") => continue,
            _ => None,
        };
        let Some(res) = source else {
            continue;
        };
        let utilisation = res.get("targetAverageUtilization").is_some()
            || res.path(&["target", "type"]).and_then(Node::as_str) == Some("Utilization");
        match res.get("name").and_then(Node::as_str) {
            Some("cpu") if utilisation => out.push(("cpu", m)),
            Some("memory") if utilisation => out.push(("memory", m)),
            _ => {}
        }
    }
    // Without any metric the autoscaler targets 80% CPU.
    if out.is_empty() && metrics.is_none_or(|m| m.as_seq().is_empty()) {
        if let Some(s) = spec {
            out.push(("cpu", s));
        }
    }
    out
}

/// The first container of a workload that has no request for `resource`.
fn container_without_request<'a>(o: &'a K8sObject, resource: &str) -> Option<(String, &'a Node)> {
    let w = o.workload()?;
    w.containers()
        .into_iter()
        .filter(|c| matches!(c.role, ContainerRole::App | ContainerRole::Sidecar))
        .find(|c| {
            c.node
                .path(&["resources", "requests", resource])
                .or_else(|| c.node.path(&["resources", "limits", resource]))
                .is_none_or(Node::is_null)
        })
        .map(|c| (c.describe(), c.node))
}

impl Check for HpaMisconfigured {
    fn check_corpus(&self, cx: &Context, out: &mut Sink) {
        let controllers: Vec<&K8sObject> = cx.corpus.objects_of(REPLICATED_KINDS).collect();
        let quotas: Vec<&K8sObject> = cx.corpus.objects_of(&["ResourceQuota"]).collect();
        let hpas: Vec<&K8sObject> = cx.corpus.objects_of(&["HorizontalPodAutoscaler"]).collect();
        for &hpa in &hpas {
            let Some(spec) = hpa.root.get("spec").filter(|s| s.is_map()) else {
                continue;
            };
            let id = hpa.resource_id();
            let min = spec.get("minReplicas");
            let max = spec.get("maxReplicas").filter(|n| !n.is_null());
            match (min.and_then(Node::as_i64), max.map(Node::as_i64)) {
                (_, None) => {
                    on_object(out, hpa, key_loc(&hpa.root, "spec"), format!("{id} sets no maxReplicas, so it has no defined ceiling (the API rejects it as written)"))
                        .key_part("no-max");
                }
                (Some(lo), Some(Some(hi))) if lo > hi => {
                    on_object(out, hpa, min.map_or(spec.loc, |n| n.loc), format!("{id} has minReplicas {lo} above maxReplicas {hi}, so it can never scale as configured"))
                        .key_part("min-above-max");
                }
                _ => {}
            }
            let max_value = max.and_then(Node::as_i64);
            if let Some(hi) = max_value.filter(|&m| m >= 100) {
                if !quotas.iter().any(|q| same_namespace(q, hpa)) {
                    on_object(out, hpa, max.map_or(spec.loc, |n| n.loc), format!("{id} may scale to {hi} replicas and no ResourceQuota bounds its namespace, so sustained hostile load scales it out until other workloads are starved"))
                        .key_part("unbounded-ceiling")
                        .severity(Severity::Low);
                }
            }

            // `Object` metrics must say what to measure, on what, and to which target.
            for (i, m) in spec
                .get("metrics")
                .map(Node::as_seq)
                .unwrap_or(&[])
                .iter()
                .enumerate()
            {
                if m.get("type").and_then(Node::as_str) != Some("Object") {
                    continue;
                }
                let Some(obj) = m.get("object") else {
                    continue;
                };
                let complete = if hpa.api_version.ends_with("v2beta1") {
                    obj.get("metricName").is_some()
                        && obj.get("targetValue").is_some()
                        && obj.path(&["target", "kind"]).is_some()
                        && obj.path(&["target", "name"]).is_some()
                } else {
                    obj.get("metric").is_some()
                        && obj.get("target").is_some()
                        && obj.path(&["describedObject", "kind"]).is_some()
                        && obj.path(&["describedObject", "name"]).is_some()
                };
                if !complete {
                    on_object(out, hpa, m.loc, format!("{id} has an Object metric without its metric, target or described object, so the autoscaler cannot evaluate it"))
                        .key_part(format!("object-metric:{i}"));
                }
            }

            // The target.
            let target = spec.get("scaleTargetRef");
            let kind = target.and_then(|t| t.get("kind")).and_then(Node::as_str);
            let name_node = target.and_then(|t| t.get("name"));
            let name = name_node.and_then(Node::as_str);
            let Some(name) = name else {
                on_object(
                    out,
                    hpa,
                    target.map_or(spec.loc, |t| t.loc),
                    format!("{id} names no scaleTargetRef, so it scales nothing"),
                )
                .key_part("no-target");
                continue;
            };
            if !kind.is_none_or(|k| REPLICATED_KINDS.contains(&k)) {
                continue;
            }
            let matches: Vec<&K8sObject> = controllers
                .iter()
                .copied()
                .filter(|o| {
                    o.name == name && kind.is_none_or(|k| k == o.kind) && same_namespace(o, hpa)
                })
                .collect();
            if matches.is_empty() {
                let siblings = controllers
                    .iter()
                    .any(|o| same_namespace(o, hpa) && kind.is_none_or(|k| k == o.kind));
                if siblings && !name.contains("{{") {
                    on_object(out, hpa, name_node.map_or(spec.loc, |n| n.loc), format!("{id} targets {} `{name}`, which is not defined alongside the other workloads of its namespace, so it scales nothing", kind.unwrap_or("workload")))
                        .key_part("dangling");
                }
                continue;
            }
            for o in matches {
                // Several autoscalers on one workload overwrite each other's decisions.
                let rivals: Vec<&K8sObject> = hpas
                    .iter()
                    .copied()
                    .filter(|other| other.qualified_id() != hpa.qualified_id() && targets(other, o))
                    .collect();
                if !rivals.is_empty() {
                    let f = on_object(out, hpa, name_node.map_or(spec.loc, |n| n.loc), format!("{id} scales {} together with {}: autoscalers on the same workload overwrite each other's replica counts", o.resource_id(), names(rivals.iter().map(|r| r.name.as_str()))))
                        .key_part(format!("rivals:{}", o.qualified_id()))
                        .resource(o.resource_id());
                    for r in rivals {
                        f.resource(r.resource_id());
                    }
                }
                if let Some((Some(_), n)) = replicas_field(o) {
                    on_object(out, o, n.loc, format!("{} pins spec.replicas although {id} scales it, so every re-apply of the manifest resets the replica count and scales it down under load", o.resource_id()))
                        .key_part(format!("replicas-pinned:{}", hpa.qualified_id()))
                        .resource(id.clone())
                        .also_at(hpa.file, hpa.root.loc)
                        .severity(Severity::Low);
                }
                for (resource, node) in utilisation_targets(hpa) {
                    if let Some((container, c)) = container_without_request(o, resource) {
                        on_object(out, hpa, node.loc, format!("{id} scales on {resource} utilisation but {container} of {} requests no {resource}, so utilisation cannot be computed and the autoscaler never scales", o.resource_id()))
                            .key_part(format!("no-request:{resource}:{}", o.qualified_id()))
                            .resource(o.resource_id())
                            .also_at(o.file, c.loc);
                    }
                }
            }
        }
    }
}
