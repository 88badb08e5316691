//! Shared mesh reading: which workloads run an Istio sidecar (as opposed to Linkerd's), whether
//! the repository uses a mesh at all, and short lists of names for messages.

use crate::rules::s2s::util::{is_k8s_workload, objects_of_node, workload_objects};
use crate::Context;
use std::collections::HashMap;
use stridemap_model::architecture::ArchNode;
use stridemap_model::k8s::K8sObject;
use stridemap_model::Node;

/// The mesh workloads of a scan, with the Linkerd ones told apart.
pub struct MeshView<'a> {
    /// Kubernetes workloads of the architecture.
    pub workloads: Vec<&'a ArchNode>,
    linkerd: HashMap<String, bool>,
    /// Some workload runs a sidecar (injection visible in the repository).
    pub any_meshed: bool,
}

fn value<'n>(node: Option<&'n Node>, key: &str) -> Option<&'n str> {
    node?.get(key)?.as_str()
}

/// Linkerd injection for a workload object: its pod template says so, it carries the proxy, or
/// its namespace asks for it.
fn linkerd_object(o: &K8sObject, namespaces: &HashMap<&str, &K8sObject>) -> bool {
    let Some(w) = o.workload() else {
        return false;
    };
    let ann = w.pod_metadata.and_then(|m| m.get("annotations"));
    match value(ann, "linkerd.io/inject") {
        Some("enabled" | "ingress") => return true,
        Some("disabled") => return false,
        _ => {}
    }
    if w.containers().iter().any(|c| c.name == "linkerd-proxy") {
        return true;
    }
    o.namespace
        .as_deref()
        .and_then(|ns| namespaces.get(ns))
        .and_then(|n| n.metadata())
        .is_some_and(|m| {
            value(m.get("annotations"), "linkerd.io/inject") == Some("enabled")
                || value(m.get("labels"), "linkerd.io/inject") == Some("enabled")
        })
}

impl<'a> MeshView<'a> {
    pub fn new(cx: &'a Context) -> Self {
        let workloads: Vec<&ArchNode> = cx.arch.nodes().filter(|n| is_k8s_workload(n)).collect();
        let any_meshed = workloads.iter().any(|n| n.mesh);
        let namespaces: HashMap<&str, &K8sObject> = cx
            .corpus
            .objects_of(&["Namespace"])
            .map(|o| (o.name.as_str(), o))
            .collect();
        let index = workload_objects(cx.corpus);
        let linkerd = workloads
            .iter()
            .filter(|n| n.mesh)
            .map(|n| {
                (
                    n.id.clone(),
                    objects_of_node(&index, n)
                        .iter()
                        .any(|o| linkerd_object(o, &namespaces)),
                )
            })
            .collect();
        MeshView {
            workloads,
            linkerd,
            any_meshed,
        }
    }

    /// Runs with an Istio sidecar.
    pub fn istio(&self, node: &ArchNode) -> bool {
        node.mesh && !self.linkerd.get(&node.id).copied().unwrap_or(false)
    }
}

/// `a`, `b`, `c` and 4 more.
pub fn names<'n>(items: impl IntoIterator<Item = &'n str>) -> String {
    let all: Vec<&str> = items.into_iter().collect();
    let shown: Vec<String> = all.iter().take(5).map(|n| format!("`{n}`")).collect();
    let mut out = shown.join(", ");
    if all.len() > shown.len() {
        out.push_str(&format!(" and {} more", all.len() - shown.len()));
    }
    out
}
