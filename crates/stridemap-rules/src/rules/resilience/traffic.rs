//! Istio traffic management for the cascading-failure rules: which services the mesh carries,
//! which synchronous flows are hot, and which VirtualService and DestinationRule apply to a
//! service's host.

use crate::rules::mesh::util::MeshView;
use crate::rules::s2s::util::{is_deployed, is_k8s_workload, telemetry_sink};
use crate::Context;
use std::collections::{BTreeMap, BTreeSet};
use stridemap_model::architecture::{ArchNode, Flow, Role};
use stridemap_model::k8s::K8sObject;
use stridemap_model::mesh::ISTIO_ROOT_NAMESPACE;

/// Istio traffic objects (`networking.istio.io`).
pub fn is_istio_networking(o: &K8sObject) -> bool {
    o.api_version.starts_with("networking.istio.io")
}

/// Protocols whose calls an Istio route timeout or retry policy governs, or may (`tcp` to a
/// service is usually HTTP or gRPC that nothing named).
const REQUEST_PROTOCOLS: &[&str] = &["http", "https", "grpc", "http2", "h2c", "tcp"];

/// A host of a VirtualService or DestinationRule, resolved: `reviews`,
/// `reviews.prod.svc.cluster.local`, `*.prod.svc.cluster.local`, `*`.
pub struct Host<'a> {
    /// `None` for a wildcard.
    pub name: Option<&'a str>,
    /// `None` when the host does not say (the object's own namespace applies, leniently).
    pub namespace: Option<&'a str>,
}

impl<'a> Host<'a> {
    pub fn parse(host: &'a str, object_ns: Option<&'a str>) -> Host<'a> {
        let host = host.trim();
        let mut parts = host.split('.');
        let first = parts.next().unwrap_or("");
        let second = parts.next();
        let fqdn = host.ends_with(".svc.cluster.local") || host.ends_with(".svc");
        let namespace = match second {
            Some(ns) if fqdn || host.matches('.').count() == 1 => Some(ns),
            Some(_) => Some("\u{0}external"),
            None => object_ns,
        };
        Host {
            name: (first != "*").then_some(first),
            namespace: if host == "*" { None } else { namespace },
        }
    }

    /// Whether the host names a node (its workload or one of its Services).
    pub fn names(&self, node: &ArchNode) -> bool {
        let name_ok = match self.name {
            None => true,
            Some(n) => node.name == n || node.k8s_services.iter().any(|s| s == n),
        };
        let ns_ok = match (self.namespace, node.namespace.as_deref()) {
            (Some(h), Some(n)) => h == n,
            _ => true,
        };
        name_ok && ns_ok
    }
}

/// The mesh view of a scan for traffic rules.
pub struct Traffic<'a> {
    /// Hot synchronous flows into each meshed service: from entry points or meshed services.
    pub hot: BTreeMap<&'a str, Vec<&'a Flow>>,
    /// Ids of the hot flows whose calling code visibly sets its own timeout.
    pub client_timed: BTreeSet<&'a str>,
    pub virtual_services: Vec<&'a K8sObject>,
    pub destination_rules: Vec<&'a K8sObject>,
}

/// Whether the code behind a flow sets a timeout on every call it makes (a flow known only from
/// configuration says nothing about the client).
fn client_timeout(flow: &Flow, timed: &BTreeSet<(&str, u32)>) -> bool {
    let code: Vec<_> = flow.evidence.iter().filter(|e| e.kind == "code").collect();
    !code.is_empty()
        && code
            .iter()
            .all(|e| timed.contains(&(e.file.as_str(), e.line)))
}

impl<'a> Traffic<'a> {
    /// `None` when the scan shows no Istio mesh.
    pub fn new(cx: &'a Context) -> Option<Traffic<'a>> {
        let istio_objects = cx
            .corpus
            .objects
            .iter()
            .any(|o| is_istio_networking(o) || o.api_version.starts_with("security.istio.io"));
        let view = MeshView::new(cx);
        let injected: BTreeSet<&str> = view
            .workloads
            .iter()
            .filter(|n| view.istio(n))
            .map(|n| n.id.as_str())
            .collect();
        let meshed: BTreeSet<&str> = if !injected.is_empty() {
            injected
        } else if istio_objects && !view.any_meshed {
            // Istio configuration but no injection visible: it is enabled on the cluster
            // (`kubectl label namespace …`), so every workload is taken to be meshed.
            cx.arch
                .nodes()
                .filter(|n| is_k8s_workload(n))
                .map(|n| n.id.as_str())
                .collect()
        } else {
            return None;
        };
        // Calls whose code visibly bounds its own wait, by (file, line).
        let mut timed_calls: BTreeSet<(&str, u32)> = BTreeSet::new();
        for facts in &cx.corpus.code {
            let path = cx.corpus.file(facts.file).path.as_str();
            for c in facts.calls.iter().filter(|c| c.has_timeout == Some(true)) {
                timed_calls.insert((path, c.loc.line));
            }
        }
        let mut hot: BTreeMap<&str, Vec<&Flow>> = BTreeMap::new();
        let mut client_timed: BTreeSet<&str> = BTreeSet::new();
        for f in cx.arch.flows().filter(|f| !f.is_async) {
            let (Some(from), Some(to)) = (cx.arch.node(&f.from), cx.arch.node(&f.to)) else {
                continue;
            };
            if to.role != Role::Service
                || !meshed.contains(to.id.as_str())
                || telemetry_sink(to)
                || !REQUEST_PROTOCOLS.contains(&f.protocol.as_str())
            {
                continue;
            }
            // Route timeouts and DestinationRule policies are enforced by the caller's Envoy:
            // an Istio gateway at the edge, a sidecar inside the mesh.
            let caller = (from.role == Role::EntryPoint && from.name.starts_with("istio-gateway/"))
                || (from.role == Role::Service
                    && is_deployed(from)
                    && meshed.contains(from.id.as_str()));
            if caller {
                hot.entry(to.id.as_str()).or_default().push(f);
                if client_timeout(f, &timed_calls) {
                    client_timed.insert(f.id.as_str());
                }
            }
        }
        Some(Traffic {
            hot,
            client_timed,
            virtual_services: cx
                .corpus
                .objects_of(&["VirtualService"])
                .filter(|o| is_istio_networking(o))
                .collect(),
            destination_rules: cx
                .corpus
                .objects_of(&["DestinationRule"])
                .filter(|o| is_istio_networking(o))
                .collect(),
        })
    }

    /// DestinationRules whose host covers the node (mesh-wide ones from the root namespace
    /// included).
    pub fn rules_for(&self, node: &ArchNode) -> Vec<&'a K8sObject> {
        self.destination_rules
            .iter()
            .copied()
            .filter(|dr| {
                let Some(host) = dr.root.path(&["spec", "host"]).and_then(|h| h.as_str()) else {
                    return false;
                };
                let ns = if dr.namespace.as_deref() == Some(ISTIO_ROOT_NAMESPACE) {
                    None
                } else {
                    dr.namespace.as_deref()
                };
                Host::parse(host, ns).names(node)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(name: &str, ns: Option<&str>, services: &[&str]) -> ArchNode {
        let mut n = ArchNode::new(name, name, Role::Service);
        n.namespace = ns.map(str::to_string);
        n.k8s_services = services.iter().map(|s| s.to_string()).collect();
        n
    }

    #[test]
    fn hosts_resolve_short_qualified_and_wildcard_names() {
        let reviews = node("reviews-v1", Some("prod"), &["reviews"]);
        assert!(Host::parse("reviews", Some("prod")).names(&reviews));
        assert!(!Host::parse("reviews", Some("dev")).names(&reviews));
        assert!(Host::parse("reviews.prod.svc.cluster.local", Some("dev")).names(&reviews));
        assert!(Host::parse("reviews.prod", None).names(&reviews));
        assert!(Host::parse("*.prod.svc.cluster.local", None).names(&reviews));
        assert!(!Host::parse("*.dev.svc.cluster.local", None).names(&reviews));
        assert!(Host::parse("*", None).names(&reviews));
        assert!(!Host::parse("www.reviews.example.com", Some("prod")).names(&reviews));
    }
}
