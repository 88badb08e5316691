use super::util::{self, Files};
use crate::{Check, Context, Sink};
use std::collections::{HashMap, HashSet};
use stridemap_model::architecture::{ArchNode, Flow, Role};
use stridemap_model::code::{CallKind, OutboundCall};
use stridemap_model::mesh::{self, MtlsMode};
use stridemap_model::{InfraType, Severity};

declare_rule! {
    /// ## What it does
    /// Flags connections between services, and from services to their databases, that travel
    /// in cleartext: flows of the architecture over HTTP, gRPC, plain TCP or a database
    /// protocol that no TLS scheme, TLS client option or mesh mTLS protects. A flow counts as
    /// protected when both ends run Istio sidecars and STRICT mTLS is in force for the
    /// destination (and no DestinationRule switches TLS off), when both ends run Linkerd, or
    /// when the address uses an encrypting scheme (`https://`, `rediss://`…). Each flow is
    /// reported once, with every place it was seen and both services' definitions as evidence.
    /// gRPC clients in code that open an insecure channel to an address the architecture cannot
    /// resolve are reported too. Message-broker traffic is left to the message-queue rules;
    /// flows only inferred from a NetworkPolicy or a Compose dependency are reported at a lower
    /// severity, and not at all when nothing says which protocol they use.
    ///
    /// ## Why is this bad?
    /// Inside a cluster or a Compose network, every pod or container that an attacker takes over
    /// shares the network with the others. Cleartext calls can be read and rewritten in transit
    /// (ARP or DNS spoofing, a compromised node, a rogue sidecar), so order amounts, card
    /// numbers, session tokens and database rows are exposed, and forged responses are accepted
    /// because nothing proves which service answered.
    ///
    /// ## Example
    /// ```python
    /// # checkout/charge.py
    /// import requests
    ///
    /// def charge(cart):
    ///     return requests.post("http://billing:8080/charges", json=cart, timeout=5)
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// apiVersion: security.istio.io/v1
    /// kind: PeerAuthentication
    /// metadata:
    ///   name: default
    ///   namespace: istio-system
    /// spec:
    ///   mtls:
    ///     mode: STRICT
    /// ```
    /// Run both services in the mesh (sidecar injection enabled) under STRICT mTLS, or call
    /// `https://billing:8443` with certificate verification on.
    pub struct PlaintextFlow {
        id: "S2S-PLAINTEXT-FLOW",
        title: "Unencrypted service-to-service communication",
        group: ServiceToService,
        stride: Tampering,
        severity: High,
        cwe: [319, 300],
        infra: [Kubernetes, Compose, Code],
        equivalents: [],
        attack_scenario: "An attacker who controls one pod or container on the internal network intercepts the cleartext calls between two services (ARP/DNS spoofing, a compromised node) and reads or rewrites them in transit — changing an order amount, stealing session tokens or card data, or answering in place of the real service.",
        mitigation: "Encrypt and authenticate every internal hop: enroll both services in the service mesh with STRICT mTLS (no DISABLE DestinationRules), or use TLS endpoints (`https://`, `rediss://`, `sslmode=verify-full`) with certificate verification.",
        checklist: ["network.mtls"],
    }
}

/// Protocols of message brokers: the message-queue rules judge those flows.
const MESSAGING: &[&str] = &[
    "kafka", "amqp", "nats", "mqtt", "stomp", "pulsar", "sqs", "sns", "pubsub",
];

/// Protocols that are encrypted, or that carry nothing a man in the middle could use.
const NOT_PLAINTEXT: &[&str] = &["https", "tls", "grpcs", "wss", "ldaps", "udp", "dns"];

/// Database and cache protocols: connection strings to them are real connections even when the
/// server is outside the repository.
const DATABASE: &[&str] = &[
    "postgres",
    "mysql",
    "mongodb",
    "redis",
    "memcached",
    "cql",
    "tds",
    "bolt",
    "zookeeper",
];

fn describe_protocol(protocol: &str) -> String {
    match protocol {
        "http" => "plaintext HTTP".into(),
        "grpc" => "plaintext gRPC".into(),
        "tcp" => "unencrypted TCP".into(),
        p => format!("unencrypted {p}"),
    }
}

/// Why the mesh does not protect the flow, when it is worth saying.
fn mesh_gap(
    cx: &Context,
    from: &ArchNode,
    to: &ArchNode,
    port: Option<u16>,
    mesh_unknown: bool,
) -> String {
    match (from.mesh, to.mesh) {
        (false, false) if mesh_unknown => "the repository configures a service mesh but shows no sidecar injection for either end, so mTLS cannot be assumed".into(),
        (false, false) => "neither end runs a mesh sidecar".into(),
        (true, false) => format!("`{}` runs without a mesh sidecar", to.name),
        (false, true) => format!("`{}` runs without a mesh sidecar", from.name),
        (true, true) => {
            let m = mesh::mtls_in_force(
                cx.peer_authentications()
                    .candidates(to.namespace.as_deref()),
                to.namespace.as_deref(),
                &to.labels,
                port,
            );
            if m.mode == MtlsMode::Strict {
                "a DestinationRule turns TLS off towards the destination".into()
            } else {
                let by = m.policy.map_or("Istio's default".to_string(), |p| {
                    format!("PeerAuthentication `{}`", p.name)
                });
                format!(
                    "mTLS is {} for `{}` ({by}), so plaintext is accepted",
                    m.mode.as_str(),
                    to.name
                )
            }
        }
    }
}

impl Check for PlaintextFlow {
    fn check_corpus(&self, cx: &Context, out: &mut Sink) {
        let files = Files::new(cx.corpus);
        // Client calls by (file, line), to read what the code says about TLS.
        let mut calls: HashMap<(&str, u32), Vec<&OutboundCall>> = HashMap::new();
        for facts in &cx.corpus.code {
            let path = cx.corpus.file(facts.file).path.as_str();
            for c in &facts.calls {
                calls.entry((path, c.loc.line)).or_default().push(c);
            }
        }
        // Pairs of nodes joined by a flow whose address is written down somewhere.
        let configured: HashSet<(&str, &str)> = cx
            .arch
            .flows()
            .filter(|f| explicit(f))
            .map(|f| (f.from.as_str(), f.to.as_str()))
            .collect();
        // Mesh configuration without any visible injection: sidecars may be injected on the
        // cluster, so cleartext is likely but not certain.
        let mesh_unknown = !cx.arch.nodes().any(|n| n.mesh)
            && cx.corpus.objects.iter().any(|o| {
                o.api_version.contains("istio.io") || o.api_version.contains("linkerd.io")
            });
        let mut seen: HashSet<(String, u32)> = HashSet::new();
        for f in cx.arch.flows() {
            for e in &f.evidence {
                seen.insert((e.file.clone(), e.line));
            }
            let (Some(from), Some(to)) = (cx.arch.node(&f.from), cx.arch.node(&f.to)) else {
                continue;
            };
            if from.role == Role::EntryPoint
                || from.external
                || to.role == Role::EntryPoint
                || to.role == Role::Broker
                || f.encrypted
                || f.is_async
                || MESSAGING.contains(&f.protocol.as_str())
                || NOT_PLAINTEXT.contains(&f.protocol.as_str())
            {
                continue;
            }
            let explicit = explicit(f);
            if !explicit
                && (f.protocol == "tcp" || configured.contains(&(f.from.as_str(), f.to.as_str())))
            {
                continue;
            }
            let from_code = f.discovered_from.iter().any(|d| d == "code");
            if to.external && !from_code && !DATABASE.contains(&f.protocol.as_str()) {
                // An HTTP address in configuration may be a link shown to users, not a call.
                continue;
            }
            if f.evidence.iter().all(|e| util::is_test_path(&e.file)) {
                continue;
            }
            // The client visibly sets TLS credentials (gRPC `secure_channel`, TLS dial options).
            let code_tls: Vec<Option<bool>> = f
                .evidence
                .iter()
                .filter(|e| e.kind == "code")
                .flat_map(|e| calls.get(&(e.file.as_str(), e.line)).into_iter().flatten())
                .map(|c| c.plaintext)
                .collect();
            if code_tls.contains(&Some(false)) && !code_tls.contains(&Some(true)) {
                continue;
            }
            let Some((file, loc)) = f
                .loc
                .or_else(|| f.evidence.first().and_then(|e| files.at(e)))
            else {
                continue;
            };
            let sensitive = util::sensitive_flow(f, from, to);
            let uncertain = !explicit
                || (mesh_unknown && util::is_k8s_workload(from) && util::is_k8s_workload(to));
            let severity = match (to.external, uncertain, sensitive) {
                (true, _, true) => Severity::High,
                (true, _, false) => Severity::Medium,
                (false, false, true) => Severity::Critical,
                (false, false, false) | (false, true, true) => Severity::High,
                (false, true, false) => Severity::Medium,
            };
            let target = match (&f.address, f.port) {
                (Some(a), _) => format!(" (`{a}`)"),
                (None, Some(p)) => format!(" on port {p}"),
                _ => String::new(),
            };
            let how = if explicit {
                String::new()
            } else {
                format!(
                    "; the connection is inferred from {}",
                    f.discovered_from
                        .iter()
                        .map(|d| match d.as_str() {
                            "network-policy" => "a NetworkPolicy",
                            "compose" => "a Compose dependency",
                            other => other,
                        })
                        .collect::<Vec<_>>()
                        .join(" and ")
                )
            };
            let gap = if to.external {
                format!("`{}` is outside the repository", to.name)
            } else {
                mesh_gap(cx, from, to, f.port, mesh_unknown)
            };
            let description = format!(
                "`{}` talks to `{}` over {}{target} with no TLS or mTLS protecting it: {gap}{how}",
                from.name,
                to.name,
                describe_protocol(&f.protocol),
            );
            let finding = out
                .report(file, loc, description)
                .key(format!(
                    "{}->{}:{}:{}",
                    f.from,
                    f.to,
                    f.protocol,
                    f.port.map(|p| p.to_string()).unwrap_or_default()
                ))
                .severity(severity)
                .component(from.name.clone())
                .component(to.name.clone())
                .component(if to.external {
                    "internet"
                } else {
                    "internal network"
                })
                .infra(infra(from));
            for e in &f.evidence {
                if let Some((ef, eloc)) = files.at(e) {
                    if (ef, eloc.line) != (file, loc.line) {
                        finding.also_at(ef, eloc);
                    }
                }
            }
            util::add_node(finding, &files, from);
            util::add_node(finding, &files, to);
        }
        self.insecure_grpc_channels(cx, &files, &seen, out);
    }
}

impl PlaintextFlow {
    /// gRPC clients that opt out of transport security towards an address the architecture
    /// could not resolve (so no flow carries them), in services outside the mesh.
    fn insecure_grpc_channels(
        &self,
        cx: &Context,
        files: &Files,
        seen: &HashSet<(String, u32)>,
        out: &mut Sink,
    ) {
        let owners = util::code_owners(cx.arch);
        for facts in &cx.corpus.code {
            let path = cx.corpus.file(facts.file).path.as_str();
            if util::is_test_path(path) {
                continue;
            }
            let owner = util::owner_of(&owners, path);
            if owner.is_some_and(|o| o.mesh) {
                continue;
            }
            for call in &facts.calls {
                if call.kind != CallKind::Grpc
                    || call.plaintext != Some(true)
                    || seen.contains(&(path.to_string(), call.loc.line))
                {
                    continue;
                }
                let target = call.target.display();
                let who = owner.map_or(format!("`{path}`"), |o| format!("`{}`", o.name));
                let f = out
                    .report(
                        facts.file,
                        call.loc,
                        format!(
                            "{who} opens an insecure gRPC channel ({}) to `{target}`: calls on it are unencrypted and the server is not authenticated",
                            call.library
                        ),
                    )
                    .key(format!("grpc:{path}:{target}"))
                    .severity(if util::sensitive(&target) {
                        Severity::High
                    } else {
                        Severity::Medium
                    })
                    .component("internal network")
                    .infra(InfraType::Code);
                match owner {
                    Some(o) => {
                        f.component(o.name.clone());
                        util::add_node(f, files, o);
                    }
                    None => {
                        f.resource(format!("Source/{path}"));
                    }
                }
            }
        }
    }
}

/// The flow's address is configured (environment, ConfigMap, code, proxy configuration), as
/// opposed to inferred from a NetworkPolicy or a Compose dependency.
fn explicit(f: &Flow) -> bool {
    f.address.is_some() || f.discovered_from.iter().any(|d| d == "code")
}

fn infra(node: &ArchNode) -> InfraType {
    if util::is_k8s_workload(node) {
        InfraType::Kubernetes
    } else if node.kinds.iter().any(|k| k == "compose") {
        InfraType::Compose
    } else {
        InfraType::Code
    }
}
