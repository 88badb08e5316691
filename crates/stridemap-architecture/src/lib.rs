//! Model: builds the architecture graph from the parsed documents — services (workloads joined
//! to their Services, Compose services, source directories), data stores, brokers, entry points,
//! the flows between them and the trust boundaries they cross.
//!
//! Everything is derived once here; rules and renderers read the result.

mod address;
mod boundaries;
mod classify;
mod entry;
mod flows;
mod nodes;
mod security;

use std::collections::{BTreeMap, BTreeSet};
use stridemap_model::architecture::{ArchNode, ArchitectureGraph, Flow, Role, SourceRef};
use stridemap_model::k8s::K8sObject;
use stridemap_model::{Corpus, FileId, Location};

pub use address::{parse_addresses, Address};

/// Builds the architecture of everything in `corpus`.
pub fn build(corpus: &Corpus) -> ArchitectureGraph {
    let mut b = Builder::new(corpus);
    b.collect_nodes();
    b.collect_entry_points();
    b.collect_flows();
    b.apply_security();
    b.finish()
}

/// Applies what the user declares about the system (stridemap.toml's `[architecture]`) over
/// what the model inferred: `entry_points` become reachable from the internet, `crown_jewels`
/// become targets of attack paths. Names are node ids or node names; the names that match no
/// node are returned.
pub fn declare(
    arch: &mut ArchitectureGraph,
    entry_points: &[String],
    crown_jewels: &[String],
) -> Vec<String> {
    let mut unknown = Vec::new();
    for (names, what) in [(entry_points, "entry-point"), (crown_jewels, "crown-jewel")] {
        for name in names {
            let id = match arch.node(name) {
                Some(n) => Some(n.id.clone()),
                None => {
                    let mut by_name = arch.nodes().filter(|n| n.name == *name);
                    match (by_name.next(), by_name.next()) {
                        (Some(n), None) => Some(n.id.clone()),
                        _ => None,
                    }
                }
            };
            let Some(node) = id.and_then(|id| arch.node_mut(&id)) else {
                unknown.push(name.clone());
                continue;
            };
            if !node.declared.iter().any(|d| d == what) {
                node.declared.push(what.to_string());
            }
            if what == "entry-point" {
                node.exposure = stridemap_model::architecture::Exposure::Internet;
            }
        }
    }
    unknown
}

/// The Kubernetes resource an entry-point node stands for (`ingress/shop` → `Ingress/shop`).
fn entry_resource(kind: &str, name: &str) -> Option<String> {
    let object = name.split_once('/').map(|(_, n)| n)?;
    match kind {
        "Ingress" | "Gateway" => Some(format!("{kind}/{}", object.trim_start_matches("gateway/"))),
        "loadbalancer" | "nodeport" => Some(format!("Service/{object}")),
        _ => None,
    }
}

/// A Kubernetes Service and the nodes it selects.
pub(crate) struct K8sService<'a> {
    pub object: &'a K8sObject,
    pub name: String,
    pub namespace: Option<String>,
    pub service_type: String,
    /// (port, target port or name)
    pub ports: Vec<(u16, Option<String>)>,
    pub targets: Vec<usize>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct FlowKey {
    pub from: usize,
    pub to: usize,
    pub protocol: String,
    pub port: Option<u16>,
    pub topic: Option<String>,
}

#[derive(Debug, Default)]
pub(crate) struct FlowDraft {
    pub address: Option<String>,
    pub discovered: BTreeSet<String>,
    pub evidence: BTreeSet<SourceRef>,
    pub encrypted_by: BTreeSet<String>,
    pub authenticated_by: BTreeSet<String>,
    pub is_async: bool,
    pub loc: Option<(FileId, Location)>,
}

/// A flow found somewhere, before it is merged with others between the same nodes.
pub(crate) struct FlowFact {
    pub from: usize,
    pub to: usize,
    pub protocol: String,
    pub port: Option<u16>,
    pub topic: Option<String>,
    pub is_async: bool,
    pub address: Option<String>,
    pub discovered: &'static str,
    pub file: FileId,
    pub loc: Location,
    pub encrypted_by: Option<String>,
    pub authenticated_by: Option<String>,
}

pub(crate) struct Builder<'a> {
    pub corpus: &'a Corpus,
    pub nodes: Vec<ArchNode>,
    /// Names and aliases (workload, Compose service, container and host names) → nodes.
    pub names: BTreeMap<String, Vec<usize>>,
    pub services: Vec<K8sService<'a>>,
    /// Namespace objects by name.
    pub namespaces: BTreeMap<String, &'a K8sObject>,
    pub flows: BTreeMap<FlowKey, FlowDraft>,
    /// Environment entries per node: (key, value, file, location, how it was provided).
    pub env: Vec<Vec<EnvEntry>>,
    /// Which node each Kubernetes workload object became (by object index in the corpus).
    pub workload_nodes: BTreeMap<usize, usize>,
    /// Which node each source file belongs to.
    pub code_owner: BTreeMap<FileId, usize>,
    /// Compose networks each Compose service joins (`default` when it names none).
    pub compose_networks: BTreeMap<usize, BTreeSet<String>>,
    /// Kubernetes objects by kind, so lookups never scan the whole corpus.
    pub by_kind: BTreeMap<&'a str, Vec<&'a K8sObject>>,
    /// Indices into `services` by Service name.
    pub services_by_name: BTreeMap<String, Vec<usize>>,
    /// Workload nodes by the last component of their image repository.
    pub image_index: BTreeMap<String, Vec<usize>>,
    /// ConfigMaps by name.
    pub config_maps: BTreeMap<&'a str, Vec<&'a K8sObject>>,
    /// Kubernetes workload nodes by namespace (`None`: no namespace set).
    pub workloads_by_ns: BTreeMap<Option<String>, Vec<usize>>,
}

#[derive(Debug, Clone)]
pub(crate) struct EnvEntry {
    pub key: String,
    pub value: String,
    pub file: FileId,
    pub loc: Location,
    pub via: &'static str,
}

impl<'a> Builder<'a> {
    fn new(corpus: &'a Corpus) -> Self {
        Builder {
            corpus,
            nodes: Vec::new(),
            names: BTreeMap::new(),
            services: Vec::new(),
            namespaces: BTreeMap::new(),
            flows: BTreeMap::new(),
            env: Vec::new(),
            workload_nodes: BTreeMap::new(),
            code_owner: BTreeMap::new(),
            compose_networks: BTreeMap::new(),
            by_kind: {
                let mut m: BTreeMap<&'a str, Vec<&'a K8sObject>> = BTreeMap::new();
                for o in &corpus.objects {
                    m.entry(o.kind.as_str()).or_default().push(o);
                }
                m
            },
            services_by_name: BTreeMap::new(),
            image_index: BTreeMap::new(),
            config_maps: {
                let mut m: BTreeMap<&'a str, Vec<&'a K8sObject>> = BTreeMap::new();
                for o in corpus.objects_of(&["ConfigMap"]) {
                    m.entry(o.name.as_str()).or_default().push(o);
                }
                m
            },
            workloads_by_ns: BTreeMap::new(),
        }
    }

    /// Objects of one kind, in corpus order.
    pub fn objects(&self, kind: &str) -> &[&'a K8sObject] {
        self.by_kind.get(kind).map(Vec::as_slice).unwrap_or(&[])
    }

    pub fn source_ref(&self, kind: &str, file: FileId, loc: Location) -> SourceRef {
        SourceRef {
            kind: kind.to_string(),
            file: self.corpus.file(file).path.clone(),
            line: loc.line,
        }
    }

    /// Adds a node and returns its index; `id` is made unique later.
    pub fn push_node(&mut self, node: ArchNode) -> usize {
        let i = self.nodes.len();
        self.names
            .entry(node.name.to_ascii_lowercase())
            .or_default()
            .push(i);
        self.nodes.push(node);
        self.env.push(Vec::new());
        i
    }

    pub fn alias(&mut self, name: &str, node: usize) {
        let list = self.names.entry(name.to_ascii_lowercase()).or_default();
        if !list.contains(&node) {
            list.push(node);
        }
    }

    /// The node for an address nobody in the repository defines.
    pub fn external_node(&mut self, host: &str, role: Role, technology: Option<&str>) -> usize {
        let id = host.to_ascii_lowercase();
        if let Some(&i) = self
            .names
            .get(&id)
            .and_then(|v| v.iter().find(|&&i| self.nodes[i].external))
        {
            return i;
        }
        let mut n = ArchNode::new(id.clone(), id, role);
        n.external = true;
        n.technology = technology.map(str::to_string);
        self.push_node(n)
    }

    pub fn add_flow(&mut self, fact: FlowFact) {
        if fact.from == fact.to {
            return;
        }
        let key = FlowKey {
            from: fact.from,
            to: fact.to,
            protocol: fact.protocol.clone(),
            port: fact.port,
            topic: fact.topic.clone(),
        };
        let evidence = self.source_ref(fact.discovered, fact.file, fact.loc);
        let draft = self.flows.entry(key).or_default();
        draft.discovered.insert(fact.discovered.to_string());
        draft.evidence.insert(evidence);
        draft.is_async |= fact.is_async;
        if draft.address.is_none() {
            draft.address = fact.address;
        }
        draft.encrypted_by.extend(fact.encrypted_by);
        draft.authenticated_by.extend(fact.authenticated_by);
        let candidate = (fact.file, fact.loc);
        if draft.loc.is_none_or(|l| {
            (self.corpus.file(candidate.0).path.as_str(), candidate.1)
                < (self.corpus.file(l.0).path.as_str(), l.1)
        }) {
            draft.loc = Some(candidate);
        }
    }

    fn finish(mut self) -> ArchitectureGraph {
        self.assign_ids();
        let boundaries = boundaries::compute(&self);
        let membership = boundaries::membership(&boundaries);
        let mut graph = ArchitectureGraph::default();
        let mut order: Vec<usize> = (0..self.nodes.len()).collect();
        order.sort_by(|&a, &b| self.nodes[a].id.cmp(&self.nodes[b].id));
        for &i in &order {
            let mut node = self.nodes[i].clone();
            node.sources.sort();
            node.sources.dedup();
            // Resources as threats name them.
            let mut resources = std::mem::take(&mut node.resources);
            for kind in &node.kinds {
                match kind.as_str() {
                    "compose" => resources.push(format!("ComposeService/{}", node.name)),
                    "source" => {}
                    k if node.role == Role::EntryPoint => {
                        resources.extend(entry_resource(k, &node.name))
                    }
                    k => resources.push(format!("{k}/{}", node.name)),
                }
            }
            resources.extend(node.k8s_services.iter().map(|s| format!("Service/{s}")));
            resources.sort();
            resources.dedup();
            node.resources = resources;
            graph.add_node(node);
        }
        let mut flows: Vec<Flow> = std::mem::take(&mut self.flows)
            .into_iter()
            .map(|(key, draft)| {
                let from = self.nodes[key.from].id.clone();
                let to = self.nodes[key.to].id.clone();
                let mut security: Vec<String> = draft
                    .encrypted_by
                    .iter()
                    .map(|e| format!("encrypted: {e}"))
                    .collect();
                security.extend(
                    draft
                        .authenticated_by
                        .iter()
                        .map(|a| format!("authenticated: {a}")),
                );
                let discovered: Vec<String> = draft.discovered.into_iter().collect();
                let crosses =
                    boundaries::crossed(&boundaries, &membership, &from, &to, &discovered);
                Flow {
                    id: String::new(),
                    from,
                    to,
                    protocol: key.protocol,
                    port: key.port,
                    encrypted: !draft.encrypted_by.is_empty(),
                    authenticated: !draft.authenticated_by.is_empty(),
                    is_async: draft.is_async,
                    topic: key.topic,
                    address: draft.address,
                    discovered_from: discovered,
                    security,
                    evidence: draft.evidence.into_iter().collect(),
                    crosses,
                    loc: draft.loc,
                }
            })
            .collect();
        flows.sort_by(|a, b| {
            (&a.from, &a.to, &a.protocol, a.port, &a.topic).cmp(&(
                &b.from,
                &b.to,
                &b.protocol,
                b.port,
                &b.topic,
            ))
        });
        let width = flows.len().to_string().len().max(3);
        for (i, mut f) in flows.into_iter().enumerate() {
            f.id = format!("FLOW-{:0width$}", i + 1);
            let (a, b) = (
                graph.node_index(&f.from).expect("node"),
                graph.node_index(&f.to).expect("node"),
            );
            graph.graph.add_edge(a, b, f);
        }
        graph.boundaries = boundaries;
        graph
    }

    /// Ids are names; a name used by several nodes is qualified by namespace (or `compose`).
    fn assign_ids(&mut self) {
        let mut count: BTreeMap<String, usize> = BTreeMap::new();
        for n in &self.nodes {
            *count.entry(n.name.clone()).or_default() += 1;
        }
        let mut taken = BTreeSet::new();
        for n in self.nodes.iter_mut() {
            let base = if count[&n.name] > 1 && !n.external {
                match (&n.namespace, n.role) {
                    (Some(ns), _) => format!("{ns}/{}", n.name),
                    (None, Role::EntryPoint) => n.name.clone(),
                    (None, _) if n.kinds.iter().any(|k| k == "compose") => {
                        format!("compose/{}", n.name)
                    }
                    (None, _) => n.name.clone(),
                }
            } else {
                n.name.clone()
            };
            let mut id = base.clone();
            let mut k = 2;
            while !taken.insert(id.clone()) {
                id = format!("{base}#{k}");
                k += 1;
            }
            n.id = id;
        }
    }
}
