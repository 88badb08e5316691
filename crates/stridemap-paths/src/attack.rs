//! Attack paths: an attack graph whose nodes are footholds (the internet, a compromised
//! container, a service-account token, a topic…) and whose edges are the threats that let an
//! attacker move, searched from the entry points to the crown jewels.

use crate::index::ThreatIndex;
use rustc_hash::FxHashMap;
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use stridemap_model::architecture::{ArchNode, ArchitectureGraph, Exposure, Role};
use stridemap_model::report::{AttackPath, AttackStep};
use stridemap_model::{Severity, Threat};

/// What an attacker holds at a point of an attack.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Foothold {
    Internet,
    CiPipeline,
    ClusterNetwork,
    /// Code execution in a service's container.
    Container(String),
    /// Credentials found in a service's environment, command line or image.
    Credentials(String),
    /// A service's Kubernetes service-account token.
    Token(String),
    /// Read access to the cluster's Secrets.
    Secrets,
    ClusterAdmin,
    /// The node (host) under the containers.
    Host,
    DataStore(String),
    /// The ability to publish to a broker's topics.
    Topic(String),
    /// Control of the image a service pulls.
    Image(String),
    /// Making a service act on the attacker's requests (it trusts any caller).
    Control(String),
    /// Posing as a service towards its callees.
    Impersonate(String),
    /// The cloud account, as the identity of the nodes (through the instance metadata
    /// endpoint).
    CloudAccount,
}

impl Foothold {
    fn id(&self) -> String {
        match self {
            Foothold::Internet => "internet".into(),
            Foothold::CiPipeline => "ci-pipeline".into(),
            Foothold::ClusterNetwork => "cluster-network".into(),
            Foothold::Container(s) => format!("container:{s}"),
            Foothold::Credentials(s) => format!("credentials:{s}"),
            Foothold::Token(s) => format!("token:{s}"),
            Foothold::Secrets => "secrets".into(),
            Foothold::ClusterAdmin => "cluster-admin".into(),
            Foothold::Host => "node".into(),
            Foothold::DataStore(s) => format!("datastore:{s}"),
            Foothold::Topic(s) => format!("topic:{s}"),
            Foothold::Image(s) => format!("image:{s}"),
            Foothold::Control(s) => format!("service:{s}"),
            Foothold::Impersonate(s) => format!("impersonate:{s}"),
            Foothold::CloudAccount => "cloud-account".into(),
        }
    }

    fn label(&self) -> String {
        match self {
            Foothold::Internet => "the internet".into(),
            Foothold::CiPipeline => "the CI/CD pipeline".into(),
            Foothold::ClusterNetwork => "the cluster network".into(),
            Foothold::Container(s) => format!("a shell in {s}"),
            Foothold::Credentials(s) => format!("{s}'s credentials"),
            Foothold::Token(s) => format!("{s}'s service-account token"),
            Foothold::Secrets => "the cluster's Secrets".into(),
            Foothold::ClusterAdmin => "cluster-admin".into(),
            Foothold::Host => "the node".into(),
            Foothold::DataStore(s) => format!("data store {s}"),
            Foothold::Topic(s) => format!("{s}'s topics"),
            Foothold::Image(s) => format!("{s}'s image"),
            Foothold::Control(s) => format!("control of {s}"),
            Foothold::Impersonate(s) => format!("{s}'s identity"),
            Foothold::CloudAccount => "the cloud account (node credentials)".into(),
        }
    }
}

/// Rules that put a service within an internet attacker's reach.
const EXPOSURE: &[&str] = &[
    "GW-SERVICE-EXPOSED-DIRECTLY",
    "GW-NO-AUTH",
    "GW-LOADBALANCER-PUBLIC",
    "GW-NODEPORT-EXPOSED",
    "GW-NGINX-SSRF",
    "CTR-PORT-ALL-INTERFACES",
    "CTR-HOST-PORT",
    "S2S-INTERNAL-SERVICE-EXPOSED",
    "S2S-UNAUTHENTICATED-INTERNAL-ENDPOINT",
    "MESH-OBSERVABILITY-EXPOSED",
    "DISC-CONSUL-UI-EXPOSED",
    "DISC-CONSUL-NO-ACL",
    "DISC-ETCD-NO-CLIENT-AUTH",
    "MQ-ADMIN-UI-EXPOSED",
    "K8S-DASHBOARD",
    "CODE-UNSAFE-DESERIALIZATION",
];
/// Rules that let any pod reach a workload.
const LATERAL: &[&str] = &["NET-NO-POLICY", "NET-NO-DEFAULT-DENY"];
/// Rules that leave credentials where code in the container can read them.
const CREDENTIALS: &[&str] = &[
    "SEC-ENV-CREDENTIAL",
    "SEC-SECRET-ENV-VAR",
    "SEC-COMMAND-CREDENTIAL",
    "SEC-DOCKERFILE-CREDENTIAL",
    "SEC-KEY-MATERIAL-IN-IMAGE",
    "SEC-TOKEN-IN-MANIFEST",
    "CODE-HARDCODED-SECRET",
];
/// Rules that hand the container a usable API token.
const TOKEN: &[&str] = &[
    "SA-TOKEN-AUTOMOUNT",
    "SA-DEFAULT-SERVICE-ACCOUNT",
    "SA-DEFAULT-TOKEN-AUTOMOUNT",
];
/// RBAC that lets a service account read Secrets.
const READ_SECRETS: &[&str] = &["SA-SECRETS-READ", "RBAC-SECRETS-READ"];
/// RBAC that makes a service account cluster-admin or lets it become one.
const ADMIN: &[&str] = &[
    "RBAC-CLUSTER-ADMIN-BINDING",
    "SA-ESCALATE",
    "SA-IMPERSONATE",
    "RBAC-ANONYMOUS-BINDING",
];
/// Container escapes.
const ESCAPE: &[&str] = &[
    "CTR-PRIVILEGED",
    "CTR-RUNTIME-SOCKET",
    "CTR-SENSITIVE-HOST-PATH",
    "CTR-DANGEROUS-CAPABILITY",
    "CTR-HOST-PID",
    "CTR-UNMASKED-PROC",
    "SIDE-PRIVILEGED-SIDECAR",
];
/// A service that acts on requests from any caller.
const TRUSTS_ANY_CALLER: &[&str] = &[
    "MESH-NO-AUTHORIZATION-POLICY",
    "MESH-PERMISSIVE-AUTHZ-POLICY",
    "S2S-UNAUTHENTICATED-INTERNAL-ENDPOINT",
];
/// A flow an attacker on the network can pose as a party of.
const SPOOFABLE_FLOW: &[&str] = &["S2S-PLAINTEXT-FLOW"];
/// A broker that accepts messages from anyone.
const OPEN_BROKER: &[&str] = &[
    "MQ-KAFKA-NO-AUTH",
    "MQ-KAFKA-OPEN-ACLS",
    "MQ-RABBITMQ-DEFAULT-USER",
    "MQ-ZOOKEEPER-NO-AUTH",
];
/// A consumer that runs what a message says.
const UNSAFE_CONSUMER: &[&str] = &["CODE-UNSAFE-DESERIALIZATION", "CODE-CONSUMER-NO-VALIDATION"];
/// Images that can be replaced under the same name.
const MUTABLE_IMAGE: &[&str] = &["IMG-LATEST-TAG"];
/// Nothing at admission checks what gets deployed.
const NO_VERIFICATION: &[&str] = &["CICD-NO-ADMISSION-POLICY"];
/// Images published without a signature (worth naming on the step, though only a check at
/// admission would stop it).
const UNSIGNED: &[&str] = &["CICD-NO-IMAGE-SIGNING"];
/// Pipeline weaknesses that let an attacker run code in the build or take its credentials.
const PIPELINE_COMPROMISE: &[&str] = &[
    "CICD-UNPINNED-ACTION",
    "CICD-PR-TARGET-CHECKOUT",
    "CICD-SCRIPT-INJECTION",
    "CICD-SECRET-EXPOSED",
    "CICD-HARDCODED-SECRET",
    "CICD-SELF-HOSTED-PUBLIC",
    "CICD-MUTABLE-CI-IMAGE",
];

/// Pods that can ask the instance metadata endpoint for the node's cloud credentials.
const METADATA: &[&str] = &["CLOUD-METADATA-REACHABLE"];

/// Every rule id the attack graph reads, for the test that keeps them in step with the registry.
pub(crate) const ATTACK_RULES: &[&[&str]] = &[
    EXPOSURE,
    LATERAL,
    CREDENTIALS,
    TOKEN,
    READ_SECRETS,
    ADMIN,
    ESCAPE,
    TRUSTS_ANY_CALLER,
    SPOOFABLE_FLOW,
    OPEN_BROKER,
    UNSAFE_CONSUMER,
    MUTABLE_IMAGE,
    NO_VERIFICATION,
    UNSIGNED,
    PIPELINE_COMPROMISE,
    METADATA,
];

struct Edge<'a> {
    to: Foothold,
    threats: Vec<&'a Threat>,
    description: String,
}

struct Graph<'a> {
    arch: &'a ArchitectureGraph,
    index: &'a ThreatIndex<'a>,
    /// Reachable by any pod: node id → the threats that make it so.
    open_to_pods: BTreeMap<String, Vec<&'a Threat>>,
    /// Service-account subject (`ServiceAccount ns/name`) of each node.
    subjects: BTreeMap<String, Vec<String>>,
    /// Services that act on any caller's requests, and brokers that take anyone's messages,
    /// with the threats that make them so (node id order).
    pliable: Vec<(&'a ArchNode, Vec<&'a Threat>)>,
    /// Index into `pliable` by node id.
    pliable_by_id: FxHashMap<&'a str, usize>,
}

/// The state of one breadth-first search.
struct Search {
    /// Footholds reached.
    seen: BTreeSet<Foothold>,
    /// A compromised pod has already fanned out over the open network.
    lateral_done: bool,
}

fn ids(threats: &[&Threat]) -> Vec<String> {
    let mut v: Vec<String> = threats.iter().map(|t| t.id.clone()).collect();
    v.sort();
    v.dedup();
    v
}

impl<'a> Graph<'a> {
    fn new(arch: &'a ArchitectureGraph, index: &'a ThreatIndex<'a>) -> Self {
        let mut open_to_pods = BTreeMap::new();
        let mut subjects = BTreeMap::new();
        for n in arch.nodes() {
            let t = index.on(&n.id, LATERAL);
            if !t.is_empty() {
                open_to_pods.insert(n.id.clone(), t);
            }
            if let Some(sa) = &n.service_account {
                let ns = n.namespace.as_deref().unwrap_or("default");
                subjects.insert(
                    n.id.clone(),
                    vec![
                        format!("ServiceAccount {ns}/{sa}"),
                        format!("ServiceAccount {sa}"),
                    ],
                );
            }
        }
        let mut pliable: Vec<(&ArchNode, Vec<&Threat>)> = arch
            .nodes()
            .filter(|n| !n.external)
            .filter_map(|n| {
                let rules = match n.role {
                    Role::Service => TRUSTS_ANY_CALLER,
                    Role::Broker => OPEN_BROKER,
                    _ => return None,
                };
                let t = index.on(&n.id, rules);
                (!t.is_empty()).then_some((n, t))
            })
            .collect();
        pliable.sort_by(|a, b| a.0.id.cmp(&b.0.id));
        let pliable_by_id = pliable
            .iter()
            .enumerate()
            .map(|(i, (n, _))| (n.id.as_str(), i))
            .collect();
        Graph {
            arch,
            index,
            open_to_pods,
            subjects,
            pliable,
            pliable_by_id,
        }
    }

    fn has_flow(&self, from: &str, to: &str) -> bool {
        self.arch.has_flow(from, to)
    }

    /// RBAC threats that name this node's service account as a subject.
    fn rbac_for(&self, node: &str, rules: &[&str]) -> Vec<&'a Threat> {
        let Some(names) = self.subjects.get(node) else {
            return Vec::new();
        };
        self.index
            .of_rules(rules)
            .into_iter()
            .filter(|t| {
                names.iter().any(|s| {
                    t.description.contains(s.as_str())
                        || t.affected_components.iter().any(|c| c.contains(s.as_str()))
                })
            })
            .collect()
    }

    /// A service the attacker reaches from a pod: through its own flows or an open network.
    fn reach(&self, from: &str, to: &str) -> Option<Vec<&'a Threat>> {
        if self.has_flow(from, to) {
            return Some(Vec::new());
        }
        self.open_to_pods.get(to).cloned()
    }

    /// The moves from a foothold to footholds not seen yet in this search, one per
    /// destination, each with its sorted threat ids.
    fn edges(&self, at: &Foothold, search: &mut Search) -> Vec<(Vec<String>, Edge<'a>)> {
        let mut keyed: Vec<(Vec<String>, Edge<'a>)> = self
            .raw_edges(at, search)
            .into_iter()
            .filter(|e| !search.seen.contains(&e.to))
            .map(|e| (ids(&e.threats), e))
            .collect();
        keyed.sort_by(|a, b| a.1.to.cmp(&b.1.to).then_with(|| a.0.cmp(&b.0)));
        keyed.dedup_by(|a, b| a.1.to == b.1.to);
        keyed
    }

    /// Every move from a foothold; the search state only lets the costly fan-outs skip
    /// destinations already reached.
    fn raw_edges(&self, at: &Foothold, search: &mut Search) -> Vec<Edge<'a>> {
        let mut out = Vec::new();
        let arch = self.arch;
        match at {
            Foothold::Internet => {
                for f in arch.flows() {
                    let Some(entry) = arch
                        .node(&f.from)
                        .filter(|n| n.role == Role::EntryPoint && n.exposure == Exposure::Internet)
                    else {
                        continue;
                    };
                    let Some(target) = arch.node(&f.to) else {
                        continue;
                    };
                    let mut threats = self.index.on(&entry.id, EXPOSURE);
                    threats.extend(self.index.on(&target.id, EXPOSURE));
                    if threats.is_empty() {
                        continue;
                    }
                    let (to, what) = match target.role {
                        Role::DataStore => (
                            Foothold::DataStore(target.id.clone()),
                            "connects straight to",
                        ),
                        Role::Broker => (Foothold::Topic(target.id.clone()), "publishes to"),
                        _ => (Foothold::Container(target.id.clone()), "exploits"),
                    };
                    out.push(Edge {
                        to,
                        threats,
                        description: format!(
                            "reaches {} through {} and {what} it",
                            target.id, entry.id
                        ),
                    });
                }
                // Entry points the user declared (stridemap.toml) that the model did not see.
                for target in arch
                    .nodes()
                    .filter(|n| arch.is_declared(&n.id, "entry-point"))
                {
                    let threats = self.index.on(&target.id, EXPOSURE);
                    if threats.is_empty() {
                        continue;
                    }
                    let (to, what) = match target.role {
                        Role::DataStore => (
                            Foothold::DataStore(target.id.clone()),
                            "connects straight to",
                        ),
                        Role::Broker => (Foothold::Topic(target.id.clone()), "publishes to"),
                        _ => (Foothold::Container(target.id.clone()), "exploits"),
                    };
                    out.push(Edge {
                        to,
                        threats,
                        description: format!(
                            "reaches {}, a declared internet entry point, and {what} it",
                            target.id
                        ),
                    });
                }
            }
            Foothold::CiPipeline => {
                let pipeline = self.index.of_rules(PIPELINE_COMPROMISE);
                if !pipeline.is_empty() {
                    for t in self.index.of_rules(MUTABLE_IMAGE) {
                        for n in t.elements.iter().filter(|e| arch.node(e).is_some()) {
                            out.push(Edge {
                                to: Foothold::Image(n.clone()),
                                threats: pipeline.clone(),
                                description: format!("abuses the pipeline to publish a backdoored image under the tag {n} deploys"),
                            });
                        }
                    }
                }
            }
            Foothold::Image(s) => {
                let tag = self.index.on(s, MUTABLE_IMAGE);
                let unverified = self.index.of_rules(NO_VERIFICATION);
                if !tag.is_empty() && !unverified.is_empty() {
                    let mut threats = tag;
                    threats.extend(unverified);
                    threats.extend(self.index.of_rules(UNSIGNED));
                    out.push(Edge { to: Foothold::Container(s.clone()), threats, description: format!("{s} pulls the mutable tag on its next restart and nothing verifies the image's signature") });
                }
            }
            Foothold::ClusterNetwork => {
                for f in arch.flows() {
                    let t = self.index.on(&f.id, SPOOFABLE_FLOW);
                    if !t.is_empty() {
                        out.push(Edge {
                            to: Foothold::Impersonate(f.from.clone()),
                            threats: t,
                            description: format!(
                                "{} → {} has no mutual TLS, so the attacker can pose as {}",
                                f.from, f.to, f.from
                            ),
                        });
                    }
                }
                for n in arch.nodes().filter(|n| n.role == Role::Broker) {
                    let t = self.index.on(&n.id, OPEN_BROKER);
                    if !t.is_empty() {
                        out.push(Edge {
                            to: Foothold::Topic(n.id.clone()),
                            threats: t,
                            description: format!(
                                "{} accepts messages from unauthenticated clients",
                                n.id
                            ),
                        });
                    }
                }
            }
            Foothold::Impersonate(p) => {
                for f in arch.flows_from(p) {
                    let trust = self.index.on(&f.to, TRUSTS_ANY_CALLER);
                    if !trust.is_empty() && !self.index.on(&f.id, SPOOFABLE_FLOW).is_empty() {
                        out.push(Edge { to: Foothold::Control(f.to.clone()), threats: trust, description: format!("{} accepts the forged calls because it does not check who is calling", f.to) });
                    }
                }
            }
            Foothold::Container(s) => {
                let escape = self.index.on(s, ESCAPE);
                if !escape.is_empty() {
                    out.push(Edge {
                        to: Foothold::Host,
                        threats: escape,
                        description: format!("escapes from {s}'s container to the node"),
                    });
                }
                let metadata = self.index.on(s, METADATA);
                if !metadata.is_empty() {
                    out.push(Edge {
                        to: Foothold::CloudAccount,
                        threats: metadata,
                        description: format!("asks the instance metadata endpoint (169.254.169.254) from {s}'s pod for the node's cloud credentials"),
                    });
                }
                let creds = self.index.on(s, CREDENTIALS);
                if !creds.is_empty() {
                    out.push(Edge { to: Foothold::Credentials(s.clone()), threats: creds, description: format!("reads the credentials {s} keeps in its environment, command line or image") });
                }
                // The token is worth taking when a rule flags it, or when RBAC grants its
                // account something an attacker wants.
                let mut token = self.index.on(s, TOKEN);
                if token.is_empty() && arch.node(s).is_some_and(|n| n.token_automounted) {
                    token = self.rbac_for(s, READ_SECRETS);
                    token.extend(self.rbac_for(s, ADMIN));
                }
                if !token.is_empty() {
                    out.push(Edge {
                        to: Foothold::Token(s.clone()),
                        threats: token,
                        description: format!(
                            "takes {s}'s automatically mounted service-account token"
                        ),
                    });
                }
                // The first compromised pod of a search reaches every pliable service the open
                // network exposes; later pods can only add the ones their own flows reach.
                let candidates: Vec<&(&ArchNode, Vec<&Threat>)> = if search.lateral_done {
                    let mut own: Vec<&(&ArchNode, Vec<&Threat>)> = arch
                        .flows_from(s)
                        .filter_map(|f| self.pliable_by_id.get(f.to.as_str()))
                        .map(|&i| &self.pliable[i])
                        .collect();
                    own.sort_by(|a, b| a.0.id.cmp(&b.0.id));
                    own.dedup_by(|a, b| a.0.id == b.0.id);
                    own
                } else {
                    search.lateral_done = true;
                    self.pliable.iter().collect()
                };
                for (n, weakness) in candidates.into_iter().filter(|(n, _)| n.id != *s) {
                    let reached = if n.role == Role::Broker {
                        Foothold::Topic(n.id.clone())
                    } else {
                        Foothold::Control(n.id.clone())
                    };
                    if search.seen.contains(&reached) {
                        continue;
                    }
                    let Some(mut via) = self.reach(s, &n.id) else {
                        continue;
                    };
                    via.extend(weakness.iter().copied());
                    let description = if n.role == Role::Broker {
                        format!("publishes to {} without credentials", n.id)
                    } else {
                        format!(
                            "calls {} from the compromised pod; it trusts any caller",
                            n.id
                        )
                    };
                    out.push(Edge {
                        to: reached,
                        threats: via,
                        description,
                    });
                }
            }
            Foothold::Credentials(s) => {
                let creds = self.index.on(s, CREDENTIALS);
                // Credentials are for the stores the service talks to; the attacker needs a way
                // through the network to them.
                let mut stores: Vec<&ArchNode> = arch
                    .flows_from(s)
                    .filter_map(|f| arch.node(&f.to))
                    .filter(|n| n.role == Role::DataStore && n.id != *s)
                    .collect();
                stores.sort_by(|a, b| a.id.cmp(&b.id));
                stores.dedup_by(|a, b| a.id == b.id);
                for n in stores {
                    let mut threats = creds.clone();
                    let allowed_by_policy = self.arch.flows_from(s).any(|f| {
                        f.to == n.id && f.discovered_from.iter().any(|d| d == "network-policy")
                    });
                    match self.open_to_pods.get(&n.id) {
                        Some(open) => threats.extend(open.iter().copied()),
                        None if allowed_by_policy
                            || !self.arch.node(&n.id).is_some_and(|x| x.network_policy) => {}
                        None => continue,
                    }
                    out.push(Edge {
                        to: Foothold::DataStore(n.id.clone()),
                        threats,
                        description: format!("logs in to {} with {s}'s credentials", n.id),
                    });
                }
            }
            Foothold::Token(s) => {
                let secrets = self.rbac_for(s, READ_SECRETS);
                if !secrets.is_empty() {
                    out.push(Edge {
                        to: Foothold::Secrets,
                        threats: secrets,
                        description: format!("uses {s}'s token to read Secrets through the API"),
                    });
                }
                let admin = self.rbac_for(s, ADMIN);
                if !admin.is_empty() {
                    out.push(Edge {
                        to: Foothold::ClusterAdmin,
                        threats: admin,
                        description: format!(
                            "{s}'s service account is bound to cluster-wide privileges"
                        ),
                    });
                }
            }
            Foothold::Secrets => {
                for (id, open) in &self.open_to_pods {
                    if arch.node(id).is_some_and(|n| n.role == Role::DataStore) {
                        out.push(Edge { to: Foothold::DataStore(id.clone()), threats: open.clone(), description: format!("uses a password from the Secrets to log in to {id}, which no NetworkPolicy shields") });
                    }
                }
            }
            Foothold::Topic(b) => {
                for f in arch.flows_from(b).filter(|f| f.is_async) {
                    let sink = self.index.on(&f.to, UNSAFE_CONSUMER);
                    if !sink.is_empty() {
                        let topic = f.topic.clone().unwrap_or_default();
                        let deserializes =
                            sink.iter().any(|t| t.rule == "CODE-UNSAFE-DESERIALIZATION");
                        let to = if deserializes {
                            Foothold::Container(f.to.clone())
                        } else {
                            Foothold::Control(f.to.clone())
                        };
                        out.push(Edge {
                            to,
                            threats: sink,
                            description: format!(
                                "{} consumes the injected message from {topic} and acts on it",
                                f.to
                            ),
                        });
                    }
                }
            }
            Foothold::Host
            | Foothold::CloudAccount
            | Foothold::ClusterAdmin
            | Foothold::DataStore(_)
            | Foothold::Control(_) => {}
        }
        out
    }
}

/// How bad reaching a foothold is, for the footholds that are targets.
fn target_severity(
    arch: &ArchitectureGraph,
    target: &Foothold,
    entry: &Foothold,
) -> Option<Severity> {
    Some(match target {
        // Whatever the user declared a crown jewel is a target however it is reached.
        Foothold::Container(s)
        | Foothold::Control(s)
        | Foothold::Credentials(s)
        | Foothold::Topic(s)
            if arch.is_declared(s, "crown-jewel") =>
        {
            Severity::Critical
        }
        Foothold::ClusterAdmin | Foothold::Host | Foothold::Secrets | Foothold::CloudAccount => {
            Severity::Critical
        }
        Foothold::DataStore(_) => Severity::Critical,
        Foothold::Control(_) => Severity::High,
        // Code of the attacker's choosing running in production is the goal of a supply-chain
        // attack.
        Foothold::Container(_) if *entry == Foothold::CiPipeline => Severity::High,
        _ => return None,
    })
}

fn lower(s: Severity) -> Severity {
    match s {
        Severity::Critical => Severity::High,
        Severity::High => Severity::Medium,
        _ => Severity::Low,
    }
}

/// Paths longer than this are reported one severity lower: each extra step is another chance
/// for detection.
const LONG_PATH: usize = 4;
/// Paths kept per target.
const PER_TARGET: usize = 3;
/// Paths reported in all.
const MAX_PATHS: usize = 30;

/// The shortest path from each entry point to each target, the most severe first.
pub fn attack_paths(arch: &ArchitectureGraph, threats: &[Threat]) -> Vec<AttackPath> {
    attack_paths_indexed(arch, &ThreatIndex::new(threats))
}

/// [`attack_paths`] over threats already indexed.
pub(crate) fn attack_paths_indexed<'a>(
    arch: &'a ArchitectureGraph,
    index: &'a ThreatIndex<'a>,
) -> Vec<AttackPath> {
    let graph = Graph::new(arch, index);
    let mut found: Vec<(Severity, usize, String, AttackPath)> = Vec::new();
    for entry in [
        Foothold::Internet,
        Foothold::ClusterNetwork,
        Foothold::CiPipeline,
    ] {
        // Breadth-first: the first time a foothold is reached is by a shortest path.
        let mut parent: BTreeMap<Foothold, (Foothold, Vec<String>, String)> = BTreeMap::new();
        let mut search = Search {
            seen: BTreeSet::from([entry.clone()]),
            lateral_done: false,
        };
        let mut queue = VecDeque::from([entry.clone()]);
        while let Some(at) = queue.pop_front() {
            for (threat_ids, e) in graph.edges(&at, &mut search) {
                if search.seen.insert(e.to.clone()) {
                    parent.insert(e.to.clone(), (at.clone(), threat_ids, e.description));
                    queue.push_back(e.to);
                }
            }
        }
        for target in search.seen.iter().filter(|f| **f != entry) {
            let Some(base) = target_severity(arch, target, &entry) else {
                continue;
            };
            let mut steps = Vec::new();
            // The footholds' labels, target first, for the title.
            let mut labels = Vec::new();
            let mut cur = target.clone();
            while let Some((prev, threat_ids, description)) = parent.get(&cur) {
                labels.push(cur.label());
                steps.push(AttackStep {
                    threat_id: threat_ids[0].clone(),
                    threat_ids: threat_ids.clone(),
                    from: prev.id(),
                    to: cur.id(),
                    description: description.clone(),
                });
                cur = prev.clone();
            }
            steps.reverse();
            let severity = if steps.len() > LONG_PATH {
                lower(base)
            } else {
                base
            };
            labels.push(entry.label());
            labels.reverse();
            let title = labels.join(" → ");
            let path = AttackPath {
                id: String::new(),
                title,
                severity,
                entry: entry.id(),
                target: target.id(),
                steps,
            };
            found.push((severity, path.steps.len(), target.id(), path));
        }
    }
    found.sort_by(|a, b| (a.0, a.1, &a.2, &a.3.entry).cmp(&(b.0, b.1, &b.2, &b.3.entry)));
    let mut per_target: BTreeMap<String, usize> = BTreeMap::new();
    let mut out = Vec::new();
    for (_, _, target, mut path) in found {
        let n = per_target.entry(target).or_default();
        if *n >= PER_TARGET || out.len() >= MAX_PATHS {
            continue;
        }
        *n += 1;
        path.id = format!("PATH-{:03}", out.len() + 1);
        out.push(path);
    }
    out
}
