//! The architecture model: services, data stores, brokers and entry points joined by flows,
//! with the trust boundaries they sit in. Built once by the architecture stage; rules, attack
//! paths and renderers all read it.

use crate::location::Location;
use petgraph::graph::{DiGraph, NodeIndex};
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Service,
    DataStore,
    Broker,
    EntryPoint,
}

/// How far a service can be reached from.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Default,
    schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Exposure {
    /// Reachable from outside the cluster (LoadBalancer, NodePort, Ingress, gateway, host port,
    /// a Compose port published on all interfaces).
    Internet,
    /// Addressable inside the cluster or Compose network (a ClusterIP Service, a Compose name).
    Cluster,
    /// Not addressable by name: no Service, no published port.
    #[default]
    Internal,
}

/// A place the model learned something from.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, schemars::JsonSchema)]
pub struct SourceRef {
    /// What was read there: `Deployment`, `Service`, `compose`, `code`, `Ingress`…
    pub kind: String,
    pub file: String,
    pub line: u32,
}

/// A service, data store, broker, external system or entry point.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct ArchNode {
    pub id: String,
    pub name: String,
    pub role: Role,
    /// Not defined in the scanned repository; seen only as a call target or address.
    pub external: bool,
    /// `postgres`, `kafka`, `redis`, `nginx`… when recognised.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub technology: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// Kubernetes workload kinds (`Deployment`…) and `compose` for Compose services.
    pub kinds: Vec<String>,
    /// Kubernetes Services whose selectors match the workload's pods.
    pub k8s_services: Vec<String>,
    pub images: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service_account: Option<String>,
    /// The pods get their service-account token mounted (not opted out on the pod or the
    /// ServiceAccount).
    pub token_automounted: bool,
    pub ports: Vec<u16>,
    pub exposure: Exposure,
    /// Runs with a service-mesh sidecar (Istio or Linkerd injection in force).
    pub mesh: bool,
    /// Selected by at least one NetworkPolicy.
    pub network_policy: bool,
    /// Shares a host namespace, mounts host paths or runs privileged.
    pub host_access: Vec<String>,
    /// Topics or queues (brokers).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub topics: Vec<String>,
    /// For entry points: the hosts and paths they route.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub routes: Vec<String>,
    /// For entry points: TLS terminates here.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tls: Option<bool>,
    /// For entry points: authentication is configured at the entry (auth annotations, JWT…).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authenticated: Option<bool>,
    pub sources: Vec<SourceRef>,
    /// What the configuration (`stridemap.toml`) declares about the node, overriding what
    /// the model inferred: `entry-point` (reachable from the internet), `crown-jewel`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub declared: Vec<String>,
    /// The resources that make up the node, as threats name them: `Deployment/orders`,
    /// `Service/orders`, `ComposeService/orders`, `Dockerfile/services/orders/Dockerfile`.
    pub resources: Vec<String>,
    /// Protocols that Service port names or `appProtocol` declare (`grpc`, `http`…), by port.
    #[serde(skip)]
    pub port_protocols: BTreeMap<u16, String>,
    /// Pod labels (for joining with policies); not part of the report.
    #[serde(skip)]
    pub labels: BTreeMap<String, String>,
    /// Environment visible to the service's code (manifests and Compose), for resolving
    /// addresses; not part of the report (values may be secrets).
    #[serde(skip)]
    pub env: BTreeMap<String, String>,
}

impl ArchNode {
    pub fn new(id: impl Into<String>, name: impl Into<String>, role: Role) -> Self {
        ArchNode {
            id: id.into(),
            name: name.into(),
            role,
            external: false,
            technology: None,
            namespace: None,
            kinds: Vec::new(),
            k8s_services: Vec::new(),
            images: Vec::new(),
            service_account: None,
            token_automounted: false,
            ports: Vec::new(),
            exposure: Exposure::Internal,
            mesh: false,
            network_policy: false,
            host_access: Vec::new(),
            topics: Vec::new(),
            routes: Vec::new(),
            tls: None,
            authenticated: None,
            sources: Vec::new(),
            declared: Vec::new(),
            resources: Vec::new(),
            port_protocols: BTreeMap::new(),
            labels: BTreeMap::new(),
            env: BTreeMap::new(),
        }
    }
}

/// A data flow between two nodes.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Flow {
    pub id: String,
    pub from: String,
    pub to: String,
    /// `http`, `https`, `grpc`, `tcp`, `kafka`, `amqp`, `postgres`, `redis`…
    pub protocol: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    pub encrypted: bool,
    pub authenticated: bool,
    #[serde(rename = "async")]
    pub is_async: bool,
    /// Topic or queue for asynchronous flows.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub topic: Option<String>,
    /// The address as written (`http://orders:8080`, `productcatalogservice:3550`), when there
    /// is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// How the flow was found: `env`, `configmap`, `compose`, `code`, `ingress`, `gateway`,
    /// `network-policy`…
    pub discovered_from: Vec<String>,
    /// Why `encrypted`/`authenticated` hold, when they do.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub security: Vec<String>,
    pub evidence: Vec<SourceRef>,
    /// Ids of the trust boundaries the flow crosses.
    pub crosses: Vec<String>,
    /// First evidence location (for findings), not serialised twice.
    #[serde(skip)]
    pub loc: Option<(crate::corpus::FileId, Location)>,
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum BoundaryKind {
    /// Between the internet and the system's entry points.
    InternetEdge,
    Namespace,
    /// Between workloads with a mesh sidecar and those without.
    Mesh,
    /// Between containers and the node they run on (host namespaces, host paths, privileged).
    Host,
    /// A Compose project's default network.
    ComposeNetwork,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct TrustBoundary {
    pub id: String,
    pub kind: BoundaryKind,
    pub name: String,
    /// Ids of the nodes inside the boundary.
    pub members: Vec<String>,
}

/// The graph and its boundaries.
#[derive(Debug, Clone, Default)]
pub struct ArchitectureGraph {
    pub graph: DiGraph<ArchNode, Flow>,
    pub boundaries: Vec<TrustBoundary>,
    /// Node id → graph index (looked up constantly, never iterated: a hash map).
    index: rustc_hash::FxHashMap<String, NodeIndex>,
    /// Resource id (`Kind/name`) → its number in the resource indexes.
    resource_numbers: rustc_hash::FxHashMap<String, u32>,
    /// File path → its number in `resource_file_index`.
    file_numbers: rustc_hash::FxHashMap<String, u32>,
    /// Resource number → the nodes it belongs to.
    resource_index: Vec<Vec<NodeIndex>>,
    /// (resource, file a node was read from) → nodes, to tell apart nodes that share a
    /// resource id (`Deployment/postgres` in every namespace).
    resource_file_index: rustc_hash::FxHashMap<(u32, u32), Vec<NodeIndex>>,
    /// Node name → graph indexes (names repeat across namespaces).
    name_index: rustc_hash::FxHashMap<String, Vec<NodeIndex>>,
}

/// The number of `key` in `numbers`, given the next free one when new.
fn intern(numbers: &mut rustc_hash::FxHashMap<String, u32>, key: &str) -> u32 {
    if let Some(&n) = numbers.get(key) {
        return n;
    }
    let n = numbers.len() as u32;
    numbers.insert(key.to_string(), n);
    n
}

impl ArchitectureGraph {
    pub fn add_node(&mut self, node: ArchNode) -> NodeIndex {
        if let Some(&i) = self.index.get(&node.id) {
            return i;
        }
        let mut files: Vec<u32> = node
            .sources
            .iter()
            .map(|s| intern(&mut self.file_numbers, &s.file))
            .collect();
        files.sort_unstable();
        files.dedup();
        let resources: Vec<u32> = node
            .resources
            .iter()
            .map(|r| intern(&mut self.resource_numbers, r))
            .collect();
        let id = node.id.clone();
        let name = node.name.clone();
        let i = self.graph.add_node(node);
        // Node ids are unique (checked above), so a node is pushed at most once per key.
        for r in resources {
            if self.resource_index.len() <= r as usize {
                self.resource_index.resize_with(r as usize + 1, Vec::new);
            }
            self.resource_index[r as usize].push(i);
            for &f in &files {
                self.resource_file_index.entry((r, f)).or_default().push(i);
            }
        }
        self.index.insert(id, i);
        self.name_index.entry(name).or_default().push(i);
        i
    }

    /// The nodes of a name, in the order they were added.
    pub fn nodes_named<'a>(&'a self, name: &str) -> impl Iterator<Item = &'a ArchNode> + 'a {
        self.name_index
            .get(name)
            .into_iter()
            .flatten()
            .map(move |&i| &self.graph[i])
    }

    /// The ids of the nodes a resource belongs to that were read from `file`.
    pub fn nodes_of_resource_in<'a>(
        &'a self,
        resource: &str,
        file: &str,
    ) -> impl ExactSizeIterator<Item = &'a str> + 'a {
        let key = self
            .resource_numbers
            .get(resource)
            .zip(self.file_numbers.get(file));
        key.and_then(|(&r, &f)| self.resource_file_index.get(&(r, f)))
            .map_or(&[][..], Vec::as_slice)
            .iter()
            .map(move |&i| self.graph[i].id.as_str())
    }

    /// The ids of the nodes a resource (`Deployment/orders`, `ComposeService/db`) belongs to,
    /// in the order they were added.
    pub fn nodes_of_resource<'a>(
        &'a self,
        resource: &str,
    ) -> impl ExactSizeIterator<Item = &'a str> + Clone + 'a {
        self.resource_numbers
            .get(resource)
            .map_or(&[][..], |&r| self.resource_index[r as usize].as_slice())
            .iter()
            .map(move |&i| self.graph[i].id.as_str())
    }

    pub fn node_index(&self, id: &str) -> Option<NodeIndex> {
        self.index.get(id).copied()
    }

    pub fn node(&self, id: &str) -> Option<&ArchNode> {
        self.node_index(id).map(|i| &self.graph[i])
    }

    pub fn node_mut(&mut self, id: &str) -> Option<&mut ArchNode> {
        self.node_index(id).map(|i| &mut self.graph[i])
    }

    /// Whether the configuration declared this about the node (`entry-point`, `crown-jewel`).
    pub fn is_declared(&self, id: &str, what: &str) -> bool {
        self.node(id)
            .is_some_and(|n| n.declared.iter().any(|d| d == what))
    }

    pub fn nodes(&self) -> impl Iterator<Item = &ArchNode> {
        self.graph.node_weights()
    }

    pub fn flows(&self) -> impl Iterator<Item = &Flow> {
        self.graph.edge_weights()
    }

    /// Flows leaving or entering a node.
    pub fn flows_of<'a>(&'a self, id: &'a str) -> impl Iterator<Item = &'a Flow> + 'a {
        let mut flows: Vec<(petgraph::graph::EdgeIndex, &Flow)> = self
            .directed(id, petgraph::Direction::Outgoing)
            .chain(
                self.directed(id, petgraph::Direction::Incoming)
                    .filter(|(_, f)| f.from != f.to),
            )
            .collect();
        flows.sort_by_key(|(i, _)| *i);
        flows.into_iter().map(|(_, f)| f)
    }

    /// Flows leaving a node, in the order they were added.
    pub fn flows_from(&self, id: &str) -> impl Iterator<Item = &Flow> {
        self.in_order(self.directed(id, petgraph::Direction::Outgoing))
    }

    /// Flows entering a node, in the order they were added.
    pub fn flows_into(&self, id: &str) -> impl Iterator<Item = &Flow> {
        self.in_order(self.directed(id, petgraph::Direction::Incoming))
    }

    fn in_order<'a>(
        &'a self,
        flows: impl Iterator<Item = (petgraph::graph::EdgeIndex, &'a Flow)>,
    ) -> impl Iterator<Item = &'a Flow> {
        let mut flows: Vec<_> = flows.collect();
        flows.sort_by_key(|(i, _)| *i);
        flows.into_iter().map(|(_, f)| f)
    }

    /// A node's edges in one direction (petgraph yields them newest first).
    fn directed(
        &self,
        id: &str,
        direction: petgraph::Direction,
    ) -> impl Iterator<Item = (petgraph::graph::EdgeIndex, &Flow)> {
        use petgraph::visit::EdgeRef;
        self.node_index(id).into_iter().flat_map(move |i| {
            self.graph
                .edges_directed(i, direction)
                .map(|e| (e.id(), e.weight()))
        })
    }

    /// Whether some flow goes from one node to another.
    pub fn has_flow(&self, from: &str, to: &str) -> bool {
        match (self.node_index(from), self.node_index(to)) {
            (Some(a), Some(b)) => self.graph.find_edge(a, b).is_some(),
            _ => false,
        }
    }

    /// The report's view: nodes by role, in id order; flows in id order.
    pub fn to_report(&self) -> Architecture {
        let mut nodes: Vec<&ArchNode> = self.nodes().collect();
        nodes.sort_by(|a, b| a.id.cmp(&b.id));
        let by_role = |role: Role| {
            nodes
                .iter()
                .filter(|n| n.role == role)
                .map(|n| (*n).clone())
                .collect::<Vec<_>>()
        };
        let mut flows: Vec<Flow> = self.flows().cloned().collect();
        flows.sort_by(|a, b| a.id.cmp(&b.id));
        Architecture {
            services: by_role(Role::Service),
            data_stores: by_role(Role::DataStore),
            message_brokers: by_role(Role::Broker),
            entry_points: by_role(Role::EntryPoint),
            flows,
            trust_boundaries: self.boundaries.clone(),
        }
    }
}

/// The `architecture` section of the report.
#[derive(Debug, Clone, Default, Serialize, schemars::JsonSchema)]
pub struct Architecture {
    pub services: Vec<ArchNode>,
    pub data_stores: Vec<ArchNode>,
    pub message_brokers: Vec<ArchNode>,
    pub entry_points: Vec<ArchNode>,
    pub flows: Vec<Flow>,
    pub trust_boundaries: Vec<TrustBoundary>,
}
