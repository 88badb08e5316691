//! What protects each node and flow: mesh sidecars and mTLS, authorization policies,
//! NetworkPolicies, and how far each node is exposed.

use crate::nodes::{same_namespace, selects, string_map};
use crate::Builder;
use std::collections::BTreeSet;
use stridemap_model::architecture::{Exposure, Role};
use stridemap_model::k8s::K8sObject;
use stridemap_model::Node;

/// Istio's mesh-wide configuration lives in this namespace.
const ISTIO_ROOT_NAMESPACE: &str = "istio-system";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mesh {
    Istio,
    Linkerd,
}

impl<'a> Builder<'a> {
    pub(crate) fn apply_security(&mut self) {
        let meshes = self.mesh_membership();
        self.network_policy_coverage();
        self.exposure();
        self.flow_security(&meshes);
    }

    fn namespace_labels(&self, ns: &Option<String>) -> std::collections::BTreeMap<String, String> {
        let Some(obj) = ns.as_ref().and_then(|n| self.namespaces.get(n)) else {
            return Default::default();
        };
        let mut all = string_map(obj.metadata().and_then(|m| m.get("labels")));
        all.extend(string_map(
            obj.metadata().and_then(|m| m.get("annotations")),
        ));
        all
    }

    /// Which mesh each node's pods join, if any.
    fn mesh_membership(&mut self) -> Vec<Option<Mesh>> {
        let mut meshes = vec![None; self.nodes.len()];
        for (&oi, &n) in &self.workload_nodes {
            let o = &self.corpus.objects[oi];
            let Some(w) = o.workload() else { continue };
            let mut pod = string_map(w.pod_metadata.and_then(|m| m.get("labels")));
            pod.extend(string_map(
                w.pod_metadata.and_then(|m| m.get("annotations")),
            ));
            let ns = self.namespace_labels(&o.namespace);
            let injected_container = w
                .containers()
                .iter()
                .any(|c| c.name == "istio-proxy" || c.name == "linkerd-proxy");
            let istio = match pod.get("sidecar.istio.io/inject").map(String::as_str) {
                Some("true") => true,
                Some("false") => false,
                _ => {
                    ns.get("istio-injection").map(String::as_str) == Some("enabled")
                        || ns.contains_key("istio.io/rev")
                }
            };
            let linkerd = match pod.get("linkerd.io/inject").map(String::as_str) {
                Some("enabled") | Some("ingress") => true,
                Some("disabled") => false,
                _ => ns.get("linkerd.io/inject").map(String::as_str) == Some("enabled"),
            };
            let mesh = if istio
                || (injected_container && w.containers().iter().any(|c| c.name == "istio-proxy"))
            {
                Some(Mesh::Istio)
            } else if linkerd || injected_container {
                Some(Mesh::Linkerd)
            } else {
                None
            };
            if mesh.is_some() {
                meshes[n] = mesh;
                self.nodes[n].mesh = true;
            }
        }
        meshes
    }

    fn network_policy_coverage(&mut self) {
        let policies: Vec<&K8sObject> = self.objects("NetworkPolicy").iter().copied().collect();
        for p in policies {
            let selector = p.root.path(&["spec", "podSelector"]);
            let labels = string_map(selector.and_then(|s| s.get("matchLabels")));
            let all = selector.is_none_or(|s| {
                s.as_map().is_empty() || (labels.is_empty() && s.get("matchExpressions").is_none())
            });
            for i in self.pods_matching(&labels, &p.namespace, all) {
                self.nodes[i].network_policy = true;
            }
        }
    }

    fn exposure(&mut self) {
        let mut internet = BTreeSet::new();
        for key in self.flows.keys() {
            let from = &self.nodes[key.from];
            if from.role == Role::EntryPoint && from.exposure == Exposure::Internet {
                internet.insert(key.to);
            }
        }
        for (i, n) in self.nodes.iter_mut().enumerate() {
            if n.role == Role::EntryPoint {
                continue;
            }
            n.exposure = if internet.contains(&i) || (n.external && n.name.contains('.')) {
                Exposure::Internet
            } else if !n.k8s_services.is_empty() || n.kinds.iter().any(|k| k == "compose") {
                Exposure::Cluster
            } else {
                Exposure::Internal
            };
        }
    }

    /// The PeerAuthentication mode in force for a node: workload, then namespace, then mesh-wide;
    /// Istio's default is PERMISSIVE.
    fn mtls_mode(&self, node: usize) -> String {
        let n = &self.nodes[node];
        let mut workload = None;
        let mut namespace = None;
        let mut mesh = None;
        for p in self.objects("PeerAuthentication").iter().copied() {
            let mode = p
                .root
                .path(&["spec", "mtls", "mode"])
                .and_then(Node::as_str)
                .unwrap_or("UNSET")
                .to_ascii_uppercase();
            let selector = string_map(p.root.path(&["spec", "selector", "matchLabels"]));
            let in_root = p.namespace.as_deref() == Some(ISTIO_ROOT_NAMESPACE);
            if in_root && selector.is_empty() {
                mesh = Some(mode);
            } else if p.namespace == n.namespace || (p.namespace.is_none() && !in_root) {
                if selector.is_empty() {
                    namespace = Some(mode);
                } else if selects(&selector, &n.labels) {
                    workload = Some(mode);
                }
            }
        }
        workload
            .filter(|m| m != "UNSET")
            .or(namespace.filter(|m| m != "UNSET"))
            .or(mesh.filter(|m| m != "UNSET"))
            .unwrap_or_else(|| "PERMISSIVE".into())
    }

    /// Hosts whose DestinationRule turns client-side TLS off.
    fn tls_disabled_targets(&self) -> BTreeSet<usize> {
        let mut out = BTreeSet::new();
        for dr in self.objects("DestinationRule").iter().copied() {
            let disabled = dr
                .root
                .path(&["spec", "trafficPolicy", "tls", "mode"])
                .and_then(Node::as_str)
                .is_some_and(|m| m.eq_ignore_ascii_case("DISABLE"));
            if let (true, Some(host)) = (
                disabled,
                dr.root.path(&["spec", "host"]).and_then(Node::as_str),
            ) {
                out.extend(self.resolve_host(host, &dr.namespace));
            }
        }
        out
    }

    fn authorization_policy(&self, node: usize) -> Option<String> {
        let n = &self.nodes[node];
        self.objects("AuthorizationPolicy")
            .iter()
            .copied()
            .filter(|o| same_namespace(&o.namespace, &n.namespace))
            .find(|o| {
                let selector = string_map(o.root.path(&["spec", "selector", "matchLabels"]));
                let action = o
                    .root
                    .path(&["spec", "action"])
                    .and_then(Node::as_str)
                    .unwrap_or("ALLOW");
                let has_sources = o
                    .root
                    .path(&["spec", "rules"])
                    .map(Node::as_seq)
                    .unwrap_or(&[])
                    .iter()
                    .any(|r| r.get("from").is_some());
                action == "ALLOW"
                    && has_sources
                    && (selector.is_empty() || selects(&selector, &n.labels))
            })
            .map(|o| o.name.clone())
    }

    fn flow_security(&mut self, meshes: &[Option<Mesh>]) {
        let tls_off = self.tls_disabled_targets();
        let modes: Vec<String> = (0..self.nodes.len())
            .map(|i| {
                if meshes[i].is_some() {
                    self.mtls_mode(i)
                } else {
                    String::new()
                }
            })
            .collect();
        let authz: Vec<Option<String>> = (0..self.nodes.len())
            .map(|i| {
                if meshes[i].is_some() {
                    self.authorization_policy(i)
                } else {
                    None
                }
            })
            .collect();
        for (key, draft) in self.flows.iter_mut() {
            if self.nodes[key.from].role == Role::EntryPoint {
                continue;
            }
            match (meshes[key.from], meshes[key.to]) {
                (Some(Mesh::Istio), Some(Mesh::Istio)) => {
                    if modes[key.to] == "STRICT" && !tls_off.contains(&key.to) {
                        draft.encrypted_by.insert("Istio mTLS (STRICT)".into());
                        draft
                            .authenticated_by
                            .insert("Istio mTLS peer identity".into());
                    }
                    if let Some(p) = &authz[key.to] {
                        draft
                            .authenticated_by
                            .insert(format!("AuthorizationPolicy {p}"));
                    }
                }
                (Some(Mesh::Linkerd), Some(Mesh::Linkerd)) => {
                    draft.encrypted_by.insert("Linkerd mTLS".into());
                    draft
                        .authenticated_by
                        .insert("Linkerd mTLS identity".into());
                }
                _ => {}
            }
        }
    }
}
