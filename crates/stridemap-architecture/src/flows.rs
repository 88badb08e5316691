//! Flows between services: addresses in environment and ConfigMaps, Compose dependencies,
//! client calls and message producers/consumers in code, and NetworkPolicy allowances.

use crate::address::{is_local, parse_addresses, Address};
use crate::classify;
use crate::nodes::{same_namespace, selects, string_map};
use crate::{Builder, FlowFact};
use std::collections::BTreeMap;
use stridemap_model::architecture::Role;
use stridemap_model::code::{CallKind, MessagingRole};
use stridemap_model::{FileId, Location, Node};

/// Kubernetes DNS forms: `name`, `name.ns`, `name.ns.svc`, `name.ns.svc.cluster.local`.
fn split_k8s_dns(host: &str) -> (String, Option<String>, bool) {
    let host = host.trim_end_matches('.');
    let labels: Vec<&str> = host.split('.').collect();
    let cluster = host.ends_with(".svc.cluster.local")
        || host.ends_with(".svc")
        || host.ends_with(".cluster.local");
    match labels.as_slice() {
        [name] => (name.to_string(), None, true),
        [name, ns, rest @ ..] if cluster && !rest.is_empty() => {
            (name.to_string(), Some(ns.to_string()), true)
        }
        [name, ns] => (name.to_string(), Some(ns.to_string()), false),
        _ => (labels[0].to_string(), None, false),
    }
}

impl<'a> Builder<'a> {
    /// The nodes a host name designates, seen from a caller in `namespace`.
    pub(crate) fn resolve_host(&self, host: &str, namespace: &Option<String>) -> Vec<usize> {
        let host = host.to_ascii_lowercase();
        let (name, ns, in_cluster_form) = split_k8s_dns(&host);
        // `name.ns` counts only when `ns` is a namespace we know of.
        let ns = ns.filter(|n| {
            in_cluster_form
                || self.namespaces.contains_key(n)
                || self.nodes.iter().any(|x| x.namespace.as_deref() == Some(n))
        });
        if host.contains('.') && ns.is_none() && !in_cluster_form {
            // A dotted name that is not a cluster name: only an exact alias match counts.
            return self
                .names
                .get(&host)
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .filter(|&i| self.nodes[i].role != Role::EntryPoint)
                .collect();
        }
        let ns = ns.or_else(|| namespace.clone());
        let via_service = self.service_targets(&name, &ns);
        if !via_service.is_empty() {
            return via_service;
        }
        Vec::new()
    }

    /// Resolved nodes, or an external node for an address nobody defines. Local addresses
    /// (`localhost`, `0.0.0.0`) resolve to nothing.
    pub(crate) fn resolve_or_external(
        &mut self,
        addr: &Address,
        namespace: &Option<String>,
    ) -> Vec<usize> {
        if is_local(&addr.host) || addr.host.parse::<std::net::IpAddr>().is_ok() {
            return Vec::new();
        }
        let found = self.resolve_host(&addr.host, namespace);
        if !found.is_empty() {
            return found;
        }
        let tech = addr
            .scheme
            .as_deref()
            .and_then(classify::from_scheme)
            .or_else(|| addr.port.and_then(classify::from_port));
        let role = tech.map_or(Role::Service, |(_, r)| r);
        vec![self.external_node(&addr.host, role, tech.map(|(t, _)| t))]
    }

    fn flow_to_address(
        &mut self,
        from: usize,
        addr: &Address,
        raw: &str,
        discovered: &'static str,
        file: FileId,
        loc: Location,
        kind_hint: Option<&str>,
    ) {
        let namespace = self.nodes[from].namespace.clone();
        for to in self.resolve_or_external(addr, &namespace) {
            let protocol = match (&addr.scheme, kind_hint) {
                (Some(s), _) if s != "jdbc" => classify::protocol_for_scheme(s),
                (_, Some(k)) => k.to_string(),
                _ => self.nodes[to]
                    .technology
                    .as_deref()
                    .map(|t| classify::protocol_for_technology(t).to_string())
                    .or_else(|| {
                        addr.port
                            .and_then(|p| self.nodes[to].port_protocols.get(&p).cloned())
                    })
                    .or_else(|| {
                        addr.port
                            .and_then(classify::protocol_for_port)
                            .map(str::to_string)
                    })
                    .unwrap_or_else(|| "tcp".into()),
            };
            let mut encrypted_by = addr
                .scheme
                .as_deref()
                .filter(|s| classify::scheme_encrypts(s))
                .map(|s| format!("{s}:// scheme"));
            if encrypted_by.is_none() && addr.tls_option {
                encrypted_by = Some("TLS connection option".into());
            }
            let authenticated_by = addr
                .credentials
                .then(|| "credentials in the connection string".to_string());
            let port = addr.port.or_else(|| {
                let ports = &self.nodes[to].ports;
                (ports.len() == 1).then(|| ports[0])
            });
            self.add_flow(FlowFact {
                from,
                to,
                protocol,
                port,
                topic: None,
                is_async: false,
                address: Some(display_address(addr, raw)),
                discovered,
                file,
                loc,
                encrypted_by,
                authenticated_by,
            });
        }
    }

    pub(crate) fn collect_flows(&mut self) {
        self.env_flows();
        self.compose_dependency_flows();
        self.code_flows();
        self.network_policy_flows();
        self.fold_broker_connections();
    }

    /// A client's connection to a broker (`KAFKA_BOOTSTRAP=kafka:9092`) and its topic flows over
    /// that connection are one flow per topic: the connection's evidence and port move onto them.
    fn fold_broker_connections(&mut self) {
        let mut topics: BTreeMap<(usize, usize, String), Vec<crate::FlowKey>> = BTreeMap::new();
        for k in self.flows.keys().filter(|k| k.topic.is_some()) {
            topics
                .entry((k.from, k.to, k.protocol.clone()))
                .or_default()
                .push(k.clone());
        }
        let connections: Vec<crate::FlowKey> = self
            .flows
            .keys()
            .filter(|k| {
                k.topic.is_none() && topics.contains_key(&(k.from, k.to, k.protocol.clone()))
            })
            .cloned()
            .collect();
        for conn in connections {
            let Some(connection) = self.flows.remove(&conn) else {
                continue;
            };
            for t in topics[&(conn.from, conn.to, conn.protocol.clone())].clone() {
                let Some(mut draft) = self.flows.remove(&t) else {
                    continue;
                };
                draft
                    .discovered
                    .extend(connection.discovered.iter().cloned());
                draft.evidence.extend(connection.evidence.iter().cloned());
                draft
                    .encrypted_by
                    .extend(connection.encrypted_by.iter().cloned());
                draft
                    .authenticated_by
                    .extend(connection.authenticated_by.iter().cloned());
                draft.address = draft.address.or_else(|| connection.address.clone());
                let key = crate::FlowKey {
                    port: t.port.or(conn.port),
                    ..t
                };
                self.flows.insert(key, draft);
            }
        }
    }

    fn env_flows(&mut self) {
        for node in 0..self.nodes.len() {
            let entries = self.env[node].clone();
            for e in entries {
                for addr in parse_addresses(Some(&e.key), &e.value) {
                    // Only FQDNs and names that resolve make flows: a bare word that matches
                    // nothing is more likely a setting than a host.
                    let namespace = self.nodes[node].namespace.clone();
                    if !addr.host.contains('.')
                        && addr.scheme.is_none()
                        && self.resolve_host(&addr.host, &namespace).is_empty()
                        && addr.port.is_none()
                    {
                        continue;
                    }
                    if e.via == "args" && self.resolve_host(&addr.host, &namespace).is_empty() {
                        continue;
                    }
                    self.flow_to_address(node, &addr, &e.value, e.via, e.file, e.loc, None);
                }
            }
            // Code reads its environment through this map.
            let env: BTreeMap<String, String> = self.env[node]
                .iter()
                .filter(|e| e.via != "args")
                .map(|e| (e.key.clone(), e.value.clone()))
                .collect();
            self.nodes[node].env.extend(env);
        }
    }

    fn compose_dependency_flows(&mut self) {
        let mut connected: std::collections::BTreeSet<(usize, usize)> =
            self.flows.keys().map(|k| (k.from, k.to)).collect();
        for compose in &self.corpus.compose {
            for svc in compose.services() {
                let Some(from) = self.compose_node(svc.name) else {
                    continue;
                };
                let mut deps: Vec<(String, &Node)> = Vec::new();
                if let Some(d) = svc.get("depends_on") {
                    if d.is_map() {
                        deps.extend(d.entries().map(|(k, key, _)| (k.to_string(), key)));
                    } else {
                        deps.extend(d.strings().into_iter().map(|(s, n)| (s.to_string(), n)));
                    }
                }
                for (link, n) in svc.get("links").map(Node::strings).unwrap_or_default() {
                    deps.push((link.split(':').next().unwrap_or(link).to_string(), n));
                }
                for (dep, n) in deps {
                    let Some(to) = self.compose_node(&dep) else {
                        continue;
                    };
                    // An address in the environment already says more about this flow.
                    if connected.contains(&(from, to)) {
                        continue;
                    }
                    connected.insert((from, to));
                    let port = {
                        let p = &self.nodes[to].ports;
                        (p.len() == 1).then(|| p[0])
                    };
                    let protocol = self.nodes[to]
                        .technology
                        .as_deref()
                        .map(|t| classify::protocol_for_technology(t).to_string())
                        .or_else(|| {
                            port.and_then(classify::protocol_for_port)
                                .map(str::to_string)
                        })
                        .unwrap_or_else(|| "tcp".into());
                    self.add_flow(FlowFact {
                        from,
                        to,
                        protocol,
                        port,
                        topic: None,
                        is_async: false,
                        address: None,
                        discovered: "compose",
                        file: compose.file,
                        loc: n.loc,
                        encrypted_by: None,
                        authenticated_by: None,
                    });
                }
            }
        }
    }

    fn compose_node(&self, name: &str) -> Option<usize> {
        self.names.get(&name.to_ascii_lowercase()).and_then(|v| {
            v.iter()
                .copied()
                .find(|&i| self.nodes[i].kinds.iter().any(|k| k == "compose"))
        })
    }

    fn code_flows(&mut self) {
        let owners: Vec<(FileId, usize)> = self.code_owner.iter().map(|(&f, &n)| (f, n)).collect();
        for (file, owner) in owners {
            let Some(facts) = self.corpus.code.iter().find(|c| c.file == file) else {
                continue;
            };
            let env = self.nodes[owner].env.clone();
            let lookup = |name: &str| env.get(name).cloned();
            for call in &facts.calls {
                let Some(target) = call.target.resolve(&lookup) else {
                    continue;
                };
                let hint = match call.kind {
                    CallKind::Grpc => Some("grpc"),
                    CallKind::Database => call
                        .technology
                        .as_deref()
                        .map(classify::protocol_for_technology),
                    CallKind::Http => None,
                };
                let key = match call.kind {
                    CallKind::Http => "URL",
                    _ => "ADDR",
                };
                for addr in parse_addresses(Some(key), &target) {
                    // A database client names what an external address is (a managed database).
                    if let (CallKind::Database, Some(tech)) =
                        (call.kind, call.technology.as_deref())
                    {
                        let namespace = self.nodes[owner].namespace.clone();
                        for t in self.resolve_or_external(&addr, &namespace) {
                            let node = &mut self.nodes[t];
                            if node.external && node.technology.is_none() {
                                node.technology = Some(tech.to_string());
                                node.role = stridemap_model::architecture::Role::DataStore;
                            }
                        }
                    }
                    self.flow_to_address(owner, &addr, &target, "code", file, call.loc, hint);
                }
            }
            for m in &facts.messaging {
                let topic = m
                    .topic
                    .resolve(&lookup)
                    .unwrap_or_else(|| m.topic.display());
                let broker = self.broker_for(
                    m.technology.as_str(),
                    m.servers.as_ref().and_then(|s| s.resolve(&lookup)),
                    &self.nodes[owner].namespace.clone(),
                );
                let protocol = classify::protocol_for_technology(&m.technology).to_string();
                if !self.nodes[broker].topics.contains(&topic) {
                    self.nodes[broker].topics.push(topic.clone());
                    self.nodes[broker].topics.sort();
                }
                let (from, to) = match m.role {
                    MessagingRole::Producer => (owner, broker),
                    MessagingRole::Consumer => (broker, owner),
                };
                self.add_flow(FlowFact {
                    from,
                    to,
                    protocol,
                    port: None,
                    topic: Some(topic),
                    is_async: true,
                    address: None,
                    discovered: "code",
                    file,
                    loc: m.loc,
                    encrypted_by: None,
                    authenticated_by: None,
                });
            }
        }
    }

    /// The broker a producer or consumer talks to: the one its servers name, else the only
    /// broker of that technology in the system, else an external one.
    fn broker_for(
        &mut self,
        technology: &str,
        servers: Option<String>,
        namespace: &Option<String>,
    ) -> usize {
        if let Some(s) = servers {
            for addr in parse_addresses(Some("SERVERS"), &s) {
                if let Some(&i) = self.resolve_host(&addr.host, namespace).first() {
                    return i;
                }
            }
        }
        let brokers: Vec<usize> = (0..self.nodes.len())
            .filter(|&i| {
                self.nodes[i].role == Role::Broker
                    && self.nodes[i].technology.as_deref() == Some(technology)
            })
            .collect();
        match brokers.as_slice() {
            [one] => *one,
            many if !many.is_empty() => many[0],
            _ => self.external_node(technology, Role::Broker, Some(technology)),
        }
    }

    /// A NetworkPolicy that admits traffic from some pods to others declares that flow.
    fn network_policy_flows(&mut self) {
        for o in self.objects("NetworkPolicy").to_vec() {
            let spec = o.root.get("spec");
            let target_selector =
                string_map(spec.and_then(|s| s.path(&["podSelector", "matchLabels"])));
            let targets: Vec<usize> = self.governed(
                self.pods_matching(
                    &target_selector,
                    &o.namespace,
                    spec.and_then(|s| s.get("podSelector"))
                        .is_some_and(|p| p.as_map().is_empty())
                        || target_selector.is_empty(),
                ),
                &o.namespace,
            );
            for rule in spec
                .and_then(|s| s.get("ingress"))
                .map(Node::as_seq)
                .unwrap_or(&[])
            {
                let port = rule
                    .get("ports")
                    .map(Node::as_seq)
                    .and_then(|p| p.first())
                    .and_then(|p| p.get("port"))
                    .and_then(Node::as_i64)
                    .and_then(|p| u16::try_from(p).ok());
                for peer in rule.get("from").map(Node::as_seq).unwrap_or(&[]) {
                    let Some(sel) = peer.get("podSelector") else {
                        continue;
                    };
                    let selector = string_map(sel.get("matchLabels"));
                    if selector.is_empty() {
                        continue;
                    }
                    let peer_ns = peer.get("namespaceSelector").map(|ns_sel| {
                        let labels = string_map(ns_sel.get("matchLabels"));
                        labels
                            .get("kubernetes.io/metadata.name")
                            .or_else(|| labels.get("name"))
                            .cloned()
                    });
                    for &to in &targets {
                        // Without a namespace selector the peers share the policy's namespace,
                        // which for a policy without one is where its target runs.
                        let ns = peer_ns.clone().unwrap_or_else(|| {
                            o.namespace
                                .clone()
                                .or_else(|| self.nodes[to].namespace.clone())
                        });
                        let mut sources = self.pods_matching(&selector, &ns, false);
                        // A namespace selector naming no namespace reaches into every one.
                        if ns.is_some() || peer_ns.is_none() {
                            sources = self.governed(sources, &ns);
                        }
                        for &from in &sources {
                            let protocol = self.nodes[to]
                                .technology
                                .as_deref()
                                .map(|t| classify::protocol_for_technology(t).to_string())
                                .or_else(|| {
                                    port.and_then(classify::protocol_for_port)
                                        .map(str::to_string)
                                })
                                .unwrap_or_else(|| "tcp".into());
                            self.add_flow(FlowFact {
                                from,
                                to,
                                protocol,
                                port,
                                topic: None,
                                is_async: false,
                                address: None,
                                discovered: "network-policy",
                                file: o.file,
                                loc: peer.loc,
                                encrypted_by: None,
                                authenticated_by: None,
                            });
                        }
                    }
                }
            }
        }
    }

    /// Of the pods a policy's selector matches in `namespace`, the ones it governs: pods that
    /// state that namespace (or, for `None`, state none) when there are any, since a pod
    /// without a namespace is only presumed to be there and, beside pods that do state it,
    /// belongs to another deployment variant of the same workloads (a Helm chart rendered into
    /// `default` next to plain manifests, say). Otherwise every match.
    fn governed(&self, pods: Vec<usize>, namespace: &Option<String>) -> Vec<usize> {
        if pods.iter().any(|&i| self.nodes[i].namespace == *namespace) {
            pods.into_iter()
                .filter(|&i| self.nodes[i].namespace == *namespace)
                .collect()
        } else {
            pods
        }
    }

    pub(crate) fn pods_matching(
        &self,
        selector: &BTreeMap<String, String>,
        namespace: &Option<String>,
        all: bool,
    ) -> Vec<usize> {
        let candidates: Vec<usize> = match namespace {
            Some(_) => {
                let mut v: Vec<usize> = self
                    .workloads_by_ns
                    .get(namespace)
                    .into_iter()
                    .chain(self.workloads_by_ns.get(&None))
                    .flatten()
                    .copied()
                    .collect();
                v.sort_unstable();
                v
            }
            None => {
                let mut v: Vec<usize> = self.workloads_by_ns.values().flatten().copied().collect();
                v.sort_unstable();
                v
            }
        };
        candidates
            .into_iter()
            .filter(|&i| {
                same_namespace(&self.nodes[i].namespace, namespace)
                    && (all || selects(selector, &self.nodes[i].labels))
            })
            .collect()
    }
}

/// The address as written when it is one (passwords hidden), else rebuilt from its parts — a
/// value that holds a whole configuration file is not an address.
fn display_address(addr: &Address, raw: &str) -> String {
    let raw = raw.trim();
    if !raw.contains(char::is_whitespace)
        && raw.len() <= 256
        && raw.to_ascii_lowercase().contains(&addr.host)
    {
        return redact_credentials(raw);
    }
    let port = addr.port.map(|p| format!(":{p}")).unwrap_or_default();
    match &addr.scheme {
        Some(s) => format!("{s}://{}{port}", addr.host),
        None => format!("{}{port}", addr.host),
    }
}

/// Addresses are shown in the report; their passwords are not.
fn redact_credentials(raw: &str) -> String {
    let Some(scheme_end) = raw.find("://") else {
        return raw.to_string();
    };
    let rest = &raw[scheme_end + 3..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => {
            let userinfo = &rest[..at];
            let user = userinfo.split(':').next().unwrap_or("");
            let hidden = if userinfo.contains(':') {
                format!("{user}:[REDACTED]")
            } else {
                "[REDACTED]".to_string()
            };
            format!("{}{}{}", &raw[..scheme_end + 3], hidden, &rest[at..])
        }
        None => raw.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dns_forms() {
        assert_eq!(split_k8s_dns("orders"), ("orders".into(), None, true));
        assert_eq!(
            split_k8s_dns("orders.shop.svc.cluster.local"),
            ("orders".into(), Some("shop".into()), true)
        );
        assert_eq!(
            split_k8s_dns("orders.shop.svc"),
            ("orders".into(), Some("shop".into()), true)
        );
        assert_eq!(
            split_k8s_dns("orders.shop"),
            ("orders".into(), Some("shop".into()), false)
        );
        assert_eq!(
            redact_credentials("postgres://admin:pw@db:5432/app"),
            "postgres://admin:[REDACTED]@db:5432/app"
        );
        assert_eq!(
            redact_credentials("http://orders:8080"),
            "http://orders:8080"
        );
    }
}
