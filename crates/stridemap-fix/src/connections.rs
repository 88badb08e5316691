//! The architecture's flows as network connections: who opens the connection, to whom, on
//! which ports of the server's pods. A flow from a broker to its consumer is the consumer's
//! connection to the broker; a flow from an entry point is traffic from outside (an ingress
//! controller, a mesh gateway, a load balancer or node port).

use crate::input::{FixInput, PodPort};
use serde::Serialize;
use std::collections::BTreeMap;
use stridemap_model::architecture::{ArchNode, Architecture, Role};

/// Kubernetes kinds whose pods network policies select.
const WORKLOAD_KINDS: &[&str] = &[
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "ReplicaSet",
    "ReplicationController",
    "Job",
    "CronJob",
    "Pod",
    "DeploymentConfig",
    "Rollout",
];

/// One end of a connection.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(tag = "kind", content = "id", rename_all = "kebab-case")]
pub enum Endpoint {
    /// A Kubernetes workload's pods (a node with labels, not on the host network).
    Pod(String),
    /// An Ingress: the ingress controller's pods connect.
    IngressController(String),
    /// An Istio gateway: the gateway's pods connect.
    MeshGateway(String),
    /// A LoadBalancer, NodePort or host port: clients from anywhere.
    Outside(String),
    /// Something network policies cannot select: outside the cluster, or not a workload of
    /// the scanned manifests.
    Beyond(String),
}

impl Endpoint {
    pub fn id(&self) -> &str {
        match self {
            Endpoint::Pod(id)
            | Endpoint::IngressController(id)
            | Endpoint::MeshGateway(id)
            | Endpoint::Outside(id)
            | Endpoint::Beyond(id) => id,
        }
    }
}

/// A connection a policy must allow.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Connection {
    /// The flows it stands for.
    pub flows: Vec<String>,
    pub client: Endpoint,
    pub server: Endpoint,
    /// Ports on the server's pods (or, for a server beyond the cluster, the port dialled);
    /// empty when no port is known (any port of the server's pods).
    pub ports: Vec<PodPort>,
    /// Protocols of the flows (`http`, `grpc`, `kafka`…).
    pub protocols: Vec<String>,
}

pub fn all_nodes(arch: &Architecture) -> impl Iterator<Item = &ArchNode> + Clone {
    arch.services
        .iter()
        .chain(&arch.data_stores)
        .chain(&arch.message_brokers)
        .chain(&arch.entry_points)
}

/// Whether a node is a Kubernetes workload whose pods a policy can select.
pub fn is_pod(n: &ArchNode) -> bool {
    !n.external
        && n.role != Role::EntryPoint
        && n.kinds.iter().any(|k| WORKLOAD_KINDS.contains(&k.as_str()))
        && !n.labels.is_empty()
        && !on_host_network(n)
}

/// Whether a node is a Kubernetes workload at all (its namespace needs a default deny).
pub fn is_workload(n: &ArchNode) -> bool {
    !n.external
        && n.role != Role::EntryPoint
        && n.kinds.iter().any(|k| WORKLOAD_KINDS.contains(&k.as_str()))
}

pub fn on_host_network(n: &ArchNode) -> bool {
    n.host_access.iter().any(|h| h == "host network")
}

/// The well-known port of a protocol, for flows to servers beyond the cluster whose address
/// names no port.
fn default_port(protocol: &str) -> Option<u16> {
    Some(match protocol {
        "http" => 80,
        "https" | "grpcs" | "wss" => 443,
        "postgres" | "postgresql" => 5432,
        "mysql" => 3306,
        "redis" => 6379,
        "mongodb" => 27017,
        "kafka" => 9092,
        "amqp" => 5672,
        "amqps" => 5671,
        "nats" => 4222,
        "zookeeper" => 2181,
        _ => return None,
    })
}

/// The connections of the architecture that involve the cluster, merged by (client, server).
pub fn of(input: &FixInput, notes: &mut Vec<String>) -> Vec<Connection> {
    let arch = &input.report.architecture;
    let nodes: BTreeMap<&str, &ArchNode> = all_nodes(arch).map(|n| (n.id.as_str(), n)).collect();
    let mut merged: BTreeMap<(Endpoint, Endpoint), Connection> = BTreeMap::new();
    for f in &arch.flows {
        let (Some(&from), Some(&to)) = (nodes.get(f.from.as_str()), nodes.get(f.to.as_str()))
        else {
            continue;
        };
        // A broker "sending" to a consumer: the consumer connects to the broker.
        let (client, server, port) = if from.role == Role::Broker && f.is_async && is_pod(to) {
            (to, from, None)
        } else {
            (from, to, f.port)
        };
        let client_end = match client_endpoint(client) {
            Some(e) => e,
            None => continue,
        };
        let server_end = if is_pod(server) {
            Endpoint::Pod(server.id.clone())
        } else {
            Endpoint::Beyond(server.id.clone())
        };
        // Only connections a namespace's policies see: one end must be a selectable pod.
        if !matches!(client_end, Endpoint::Pod(_)) && !matches!(server_end, Endpoint::Pod(_)) {
            continue;
        }
        let ports: Vec<PodPort> = match &server_end {
            Endpoint::Pod(_) => pod_ports(input, server, port),
            _ => match port.or_else(|| default_port(&f.protocol)) {
                Some(p) => vec![PodPort::Number(p)],
                None => {
                    notes.push(format!(
                        "{}: no port known for `{}` → `{}` ({}); it is not allowed, since allowing it would open every egress port",
                        f.id, client.id, server.id, f.protocol
                    ));
                    continue;
                }
            },
        };
        let c = merged
            .entry((client_end.clone(), server_end.clone()))
            .or_insert_with(|| Connection {
                flows: Vec::new(),
                client: client_end,
                server: server_end,
                ports: Vec::new(),
                protocols: Vec::new(),
            });
        c.flows.push(f.id.clone());
        c.ports.extend(ports);
        c.protocols.push(f.protocol.clone());
    }
    merged
        .into_values()
        .map(|mut c| {
            c.flows.sort();
            c.flows.dedup();
            c.ports.sort();
            c.ports.dedup();
            c.protocols.sort();
            c.protocols.dedup();
            c
        })
        .collect()
}

fn client_endpoint(n: &ArchNode) -> Option<Endpoint> {
    if n.role == Role::EntryPoint {
        let id = n.id.clone();
        return if n.kinds.iter().any(|k| k == "Ingress") {
            Some(Endpoint::IngressController(id))
        } else if n.kinds.iter().any(|k| k == "Gateway") {
            Some(Endpoint::MeshGateway(id))
        } else if n
            .kinds
            .iter()
            .any(|k| matches!(k.as_str(), "loadbalancer" | "nodeport" | "hostPort"))
        {
            Some(Endpoint::Outside(id))
        } else {
            // Compose ports and host-network entries: no cluster policy is involved.
            None
        };
    }
    if is_pod(n) {
        Some(Endpoint::Pod(n.id.clone()))
    } else {
        None
    }
}

/// The ports on a server's pods that a flow to `port` reaches.
fn pod_ports(input: &FixInput, server: &ArchNode, port: Option<u16>) -> Vec<PodPort> {
    let services = input.service_ports.get(&server.id);
    match port {
        Some(p) => match services.and_then(|s| s.get(&p)) {
            Some(target) => vec![target.clone()],
            None => vec![PodPort::Number(p)],
        },
        None => server.ports.iter().map(|&p| PodPort::Number(p)).collect(),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use stridemap_model::architecture::{Exposure, Flow};

    pub fn node(id: &str, ns: Option<&str>, kinds: &[&str], role: Role) -> ArchNode {
        let mut n = ArchNode::new(id, id, role);
        n.namespace = ns.map(str::to_string);
        n.kinds = kinds.iter().map(|k| k.to_string()).collect();
        if role != Role::EntryPoint && !kinds.is_empty() && kinds[0] != "compose" {
            n.labels.insert("app".into(), id.into());
        }
        n.exposure = Exposure::Cluster;
        n
    }

    pub fn flow(id: &str, from: &str, to: &str, protocol: &str, port: Option<u16>) -> Flow {
        Flow {
            id: id.into(),
            from: from.into(),
            to: to.into(),
            protocol: protocol.into(),
            port,
            encrypted: false,
            authenticated: false,
            is_async: false,
            topic: None,
            address: None,
            discovered_from: vec!["env".into()],
            security: vec![],
            evidence: vec![],
            crosses: vec![],
            loc: None,
        }
    }

    pub fn report(nodes: Vec<ArchNode>, flows: Vec<Flow>) -> stridemap_model::Report {
        let mut arch = Architecture::default();
        for n in nodes {
            match n.role {
                Role::Service => arch.services.push(n),
                Role::DataStore => arch.data_stores.push(n),
                Role::Broker => arch.message_brokers.push(n),
                Role::EntryPoint => arch.entry_points.push(n),
            }
        }
        arch.flows = flows;
        stridemap_model::Report {
            tool: stridemap_model::report::ToolInfo {
                name: "stridemap".into(),
                version: "test".into(),
            },
            target: ".".into(),
            architecture: arch,
            threats: vec![],
            attack_paths: vec![],
            elements: vec![],
            summary: stridemap_model::report::Summary::of(&[]),
            suppressed: vec![],
            diagnostics: vec![],
            checklist: Default::default(),
        }
    }

    #[test]
    fn classifies_ends_and_maps_service_ports() {
        let mut kafka = node("kafka", Some("shop"), &["StatefulSet"], Role::Broker);
        kafka.ports = vec![9092];
        let mut consumer = flow("FLOW-3", "kafka", "mailer", "kafka", None);
        consumer.is_async = true;
        let r = report(
            vec![
                node("web", Some("shop"), &["Deployment"], Role::Service),
                node("api", Some("shop"), &["Deployment"], Role::Service),
                node("mailer", Some("shop"), &["Deployment"], Role::Service),
                kafka,
                node("cache", None, &["compose"], Role::DataStore),
                node("ingress/web", Some("shop"), &["Ingress"], Role::EntryPoint),
            ],
            vec![
                flow("FLOW-1", "web", "api", "http", Some(80)),
                flow("FLOW-2", "ingress/web", "web", "http", Some(80)),
                consumer,
                flow("FLOW-4", "web", "cache", "redis", None),
                flow("FLOW-5", "cache", "api", "redis", None),
            ],
        );
        let mut input = FixInput::new(&r);
        input.service_ports.insert(
            "api".into(),
            [(80, PodPort::Number(8080))].into_iter().collect(),
        );
        let mut notes = vec![];
        let conns = of(&input, &mut notes);
        let shape: Vec<(String, String, Vec<PodPort>)> = conns
            .iter()
            .map(|c| {
                (
                    format!("{:?}", c.client),
                    format!("{:?}", c.server),
                    c.ports.clone(),
                )
            })
            .collect();
        assert_eq!(
            shape,
            vec![
                (
                    "Pod(\"mailer\")".into(),
                    "Pod(\"kafka\")".into(),
                    vec![PodPort::Number(9092)]
                ),
                (
                    "Pod(\"web\")".into(),
                    "Pod(\"api\")".into(),
                    vec![PodPort::Number(8080)]
                ),
                (
                    "Pod(\"web\")".into(),
                    "Beyond(\"cache\")".into(),
                    vec![PodPort::Number(6379)]
                ),
                (
                    "IngressController(\"ingress/web\")".into(),
                    "Pod(\"web\")".into(),
                    vec![PodPort::Number(80)]
                ),
            ]
        );
        assert!(notes.is_empty(), "{notes:?}");
    }

    #[test]
    fn a_flow_to_an_unknown_port_beyond_the_cluster_is_noted_not_opened() {
        let r = report(
            vec![
                node("web", Some("shop"), &["Deployment"], Role::Service),
                node("partner.example", None, &[], Role::Service),
            ],
            vec![flow("FLOW-1", "web", "partner.example", "tcp", None)],
        );
        let mut notes = vec![];
        assert!(of(&FixInput::new(&r), &mut notes).is_empty());
        assert!(notes[0].contains("FLOW-1"), "{notes:?}");
    }
}
