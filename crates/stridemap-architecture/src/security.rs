//! What protects each node and flow: mesh sidecars and mTLS, authorization policies,
//! NetworkPolicies, and how far each node is exposed.

use crate::nodes::string_map;
use crate::Builder;
use std::collections::{BTreeMap, BTreeSet};
use stridemap_model::architecture::{Exposure, Role};
use stridemap_model::mesh::{self, MtlsMode, PoliciesByNamespace};
use stridemap_model::Node;

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

    /// Marks the workload nodes some network policy applies to: Kubernetes NetworkPolicies,
    /// Cilium and Calico policies (namespaced and cluster-wide), each only within its own
    /// namespace scope — see [`stridemap_model::network_policy`].
    fn network_policy_coverage(&mut self) {
        use stridemap_model::network_policy::{PodView, PolicyIndex};
        let index = PolicyIndex::from_corpus(self.corpus);
        if index.policies.is_empty() {
            return;
        }
        let covered: Vec<usize> = self
            .workloads_by_ns
            .values()
            .flatten()
            .copied()
            .filter(|&i| {
                let n = &self.nodes[i];
                let namespace = index.resolve(n.namespace.as_deref());
                let pod = PodView {
                    namespace,
                    labels: &n.labels,
                    namespace_labels: index.labels_of_namespace(namespace),
                };
                !index.applying_to(&pod).is_empty()
            })
            .collect();
        for i in covered {
            self.nodes[i].network_policy = true;
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

    /// The PeerAuthentication mode in force for a node, for traffic to one of its ports when
    /// known (`portLevelMtls`), resolved as Istio does (see [`mesh::mtls_in_force`]).
    fn mtls_mode(
        &self,
        node: usize,
        port: Option<u16>,
        peer_authentications: &PoliciesByNamespace,
    ) -> MtlsMode {
        let n = &self.nodes[node];
        mesh::mtls_in_force(
            peer_authentications.candidates(n.namespace.as_deref()),
            n.namespace.as_deref(),
            &n.labels,
            port,
        )
        .mode
    }

    /// The workload port behind a Service port of a node (`targetPort`), for port-level mTLS;
    /// `services`: positions of the Services that select the node.
    fn workload_port(&self, services: &[usize], port: Option<u16>) -> Option<u16> {
        let port = port?;
        services
            .iter()
            .map(|&s| &self.services[s])
            .flat_map(|s| s.ports.iter())
            .find(|(p, _)| *p == port)
            .and_then(|(_, target)| target.as_deref().and_then(|t| t.parse().ok()))
            .or(Some(port))
    }

    /// What DestinationRules say about client-side TLS per target: the hosts where it is turned
    /// off (`DISABLE`), and those where the client's sidecar originates it (`ISTIO_MUTUAL`,
    /// `MUTUAL`, `SIMPLE`) with the rule that says so.
    fn destination_tls(&self) -> (BTreeSet<usize>, BTreeMap<usize, String>) {
        let mut off = BTreeSet::new();
        let mut originated = BTreeMap::new();
        for dr in self.objects("DestinationRule").iter().copied() {
            let (Some(mode), Some(host)) = (
                dr.root
                    .path(&["spec", "trafficPolicy", "tls", "mode"])
                    .and_then(Node::as_str)
                    .map(str::to_ascii_uppercase),
                dr.root.path(&["spec", "host"]).and_then(Node::as_str),
            ) else {
                continue;
            };
            let targets = self.resolve_host(host, &dr.namespace);
            match mode.as_str() {
                "DISABLE" => off.extend(targets),
                "ISTIO_MUTUAL" | "MUTUAL" | "SIMPLE" => {
                    for t in targets {
                        originated
                            .entry(t)
                            .or_insert_with(|| format!("DestinationRule {} (TLS {mode})", dr.name));
                    }
                }
                _ => {}
            }
        }
        (off, originated)
    }

    /// An ALLOW AuthorizationPolicy that applies to the node and names its sources.
    fn authorization_policy(&self, node: usize, policies: &PoliciesByNamespace) -> Option<String> {
        let n = &self.nodes[node];
        policies
            .candidates(n.namespace.as_deref())
            .into_iter()
            .filter(|o| mesh::authorization_policy_applies(o, n.namespace.as_deref(), &n.labels))
            .find(|o| {
                let has_sources = o
                    .root
                    .path(&["spec", "rules"])
                    .map(Node::as_seq)
                    .unwrap_or(&[])
                    .iter()
                    .any(|r| r.get("from").is_some());
                mesh::authorization_action(o) == "ALLOW" && has_sources
            })
            .map(|o| o.name.clone())
    }

    fn flow_security(&mut self, meshes: &[Option<Mesh>]) {
        let (tls_off, tls_originated) = self.destination_tls();
        // Without any injection in the repository, sidecars may still be injected on the
        // cluster: a DestinationRule that originates TLS is then taken at its word.
        let mesh_unknown = meshes.iter().all(Option::is_none);
        let candidates =
            PoliciesByNamespace::new(self.objects("AuthorizationPolicy").iter().copied());
        let peer_authentications =
            PoliciesByNamespace::new(self.objects("PeerAuthentication").iter().copied());
        let mut services_of: Vec<Vec<usize>> = vec![Vec::new(); self.nodes.len()];
        for (s, service) in self.services.iter().enumerate() {
            for &t in &service.targets {
                services_of[t].push(s);
            }
        }
        let authz: Vec<Option<String>> = (0..self.nodes.len())
            .map(|i| {
                if meshes[i].is_some() {
                    self.authorization_policy(i, &candidates)
                } else {
                    None
                }
            })
            .collect();
        let strict: Vec<bool> = self
            .flows
            .keys()
            .map(|key| {
                matches!(
                    (meshes[key.from], meshes[key.to]),
                    (Some(Mesh::Istio), Some(Mesh::Istio))
                ) && self.mtls_mode(
                    key.to,
                    self.workload_port(&services_of[key.to], key.port),
                    &peer_authentications,
                ) == MtlsMode::Strict
            })
            .collect();
        for ((key, draft), strict) in self.flows.iter_mut().zip(strict) {
            if self.nodes[key.from].role == Role::EntryPoint {
                continue;
            }
            if let Some(dr) = tls_originated.get(&key.to) {
                if (mesh_unknown || meshes[key.from] == Some(Mesh::Istio))
                    && !tls_off.contains(&key.to)
                {
                    draft.encrypted_by.insert(dr.clone());
                }
            }
            match (meshes[key.from], meshes[key.to]) {
                (Some(Mesh::Istio), Some(Mesh::Istio)) => {
                    if strict && !tls_off.contains(&key.to) {
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
