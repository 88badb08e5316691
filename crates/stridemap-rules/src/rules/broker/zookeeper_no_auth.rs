use super::util::{
    self, compose_env, container_env, details, group, group_name, is_zookeeper_image,
    kafka_configs, unit_for_object, unit_for_service, ConfigMaps, NodeIndex, Place,
};
use crate::rules::s2s::util::{self as s2s, Files};
use crate::{Check, Context, Sink};
use std::collections::BTreeSet;
use stridemap_model::{InfraType, Node, Severity};

declare_rule! {
    /// ## What it does
    /// Flags ZooKeeper ensembles that anyone on the network can write to, seen from both ends:
    /// Kafka brokers that keep their metadata in ZooKeeper (`zookeeper.connect`,
    /// `KAFKA_ZOOKEEPER_CONNECT`, `KAFKA_CFG_ZOOKEEPER_CONNECT`) without
    /// `zookeeper.set.acl=true`, so the znodes they create are world-writable; and ZooKeeper
    /// containers that explicitly accept anonymous clients (`ALLOW_ANONYMOUS_LOGIN=yes`). KRaft
    /// brokers and Strimzi-managed clusters (whose ZooKeeper is locked down by the operator) are
    /// not concerned; a broker whose configuration is partly outside the scan is judged only on
    /// what is visible.
    ///
    /// ## Why is this bad?
    /// ZooKeeper holds the Kafka cluster's truth: broker registrations, the controller, topic
    /// and partition assignments, dynamic configuration, SCRAM credentials and the ACLs the
    /// authorizer enforces. A client that can write there can grant itself access to every
    /// topic, change retention to erase data, register a rogue broker or take the cluster down —
    /// all without going through Kafka's own authentication.
    ///
    /// ## Example
    /// ```properties
    /// zookeeper.connect=zookeeper:2181
    /// ```
    ///
    /// ## Use instead
    /// ```properties
    /// zookeeper.connect=zookeeper:2182
    /// zookeeper.set.acl=true
    /// zookeeper.ssl.client.enable=true
    /// zookeeper.clientCnxnSocket=org.apache.zookeeper.ClientCnxnSocketNetty
    /// ```
    /// Authenticate brokers to ZooKeeper (SASL or mutual TLS), let them set ACLs on their
    /// znodes, and allow only the brokers to reach ZooKeeper — or migrate to KRaft.
    pub struct ZookeeperNoAuth {
        id: "MQ-ZOOKEEPER-NO-AUTH",
        title: "ZooKeeper behind Kafka writable without authentication",
        group: MessageQueue,
        stride: ElevationOfPrivilege,
        severity: High,
        cwe: [306, 732],
        infra: [Kafka, Kubernetes, Compose],
        equivalents: [],
        attack_scenario: "An attacker inside the network connects to ZooKeeper on port 2181 with the stock `zookeeper-shell`, adds an ACL granting their principal full access to every topic (or rewrites topic configuration), and Kafka enforces the forged metadata.",
        mitigation: "Set `zookeeper.set.acl=true` with SASL or mutual-TLS authentication between brokers and ZooKeeper, disable anonymous ZooKeeper logins, restrict port 2181 to the brokers with a NetworkPolicy, or move to KRaft.",
    }
}

impl Check for ZookeeperNoAuth {
    fn check_corpus(&self, cx: &Context, out: &mut Sink) {
        let files = Files::new(cx.corpus);
        let mut places = Vec::new();
        for cfg in kafka_configs(cx) {
            let Some(connect) = cfg.zookeeper() else {
                continue;
            };
            match cfg.get("zookeeper.set.acl") {
                Some(s) if s.is_true() => continue,
                None if cfg.opaque => continue,
                _ => {}
            }
            places.push(Place {
                unit: cfg.unit.clone(),
                at: connect.at(),
                detail: "no `zookeeper.set.acl=true`".to_string(),
                via: connect.show(),
                also: Vec::new(),
                severity: Severity::High,
            });
        }
        let mut anonymous: BTreeSet<String> = BTreeSet::new();
        let nodes = NodeIndex::new(cx);
        let maps = ConfigMaps::new(cx);
        for o in &cx.corpus.objects {
            let Some(w) = o.workload() else { continue };
            for c in w.containers() {
                if !c
                    .image()
                    .and_then(Node::as_str)
                    .is_some_and(is_zookeeper_image)
                {
                    continue;
                }
                let (env, _) = container_env(o, &c, &maps);
                if let Some(e) = env
                    .iter()
                    .find(|e| allows_anonymous(&e.name, e.value.as_deref()))
                {
                    let unit = unit_for_object(cx, &nodes, o, Some(&c), c.node.loc);
                    anonymous.insert(unit.group.clone());
                    places.push(Place {
                        unit,
                        at: (e.file, e.loc),
                        detail: format!("`{}={}`", e.name, e.value.as_deref().unwrap_or("")),
                        via: String::new(),
                        also: Vec::new(),
                        severity: Severity::High,
                    });
                }
            }
        }
        for compose in &cx.corpus.compose {
            for s in compose.services() {
                if !s
                    .get("image")
                    .and_then(Node::as_str)
                    .is_some_and(is_zookeeper_image)
                {
                    continue;
                }
                let (env, _) = compose_env(compose.file, &s);
                if let Some(e) = env
                    .iter()
                    .find(|e| allows_anonymous(&e.name, e.value.as_deref()))
                {
                    let unit = unit_for_service(cx, &nodes, compose.file, &s);
                    anonymous.insert(unit.group.clone());
                    places.push(Place {
                        unit,
                        at: (e.file, e.loc),
                        detail: format!("`{}={}`", e.name, e.value.as_deref().unwrap_or("")),
                        via: String::new(),
                        also: Vec::new(),
                        severity: Severity::High,
                    });
                }
            }
        }
        for g in group(places) {
            let name = group_name(&g);
            let zk_nodes: Vec<_> = g[0]
                .unit
                .node
                .map(|n| {
                    cx.arch
                        .flows_from(&n.id)
                        .filter(|f| f.protocol == "zookeeper")
                        .filter_map(|f| cx.arch.node(&f.to))
                        .filter(|z| !z.external)
                        .collect()
                })
                .unwrap_or_default();
            let description = if anonymous.contains(&g[0].unit.group) {
                format!(
                    "ZooKeeper `{name}` accepts anonymous clients: {}; anyone who reaches it can rewrite the metadata, configuration and ACLs stored there",
                    details(&g)
                )
            } else {
                let zk = if zk_nodes.is_empty() {
                    "ZooKeeper".to_string()
                } else {
                    format!(
                        "ZooKeeper ({})",
                        util::names(zk_nodes.iter().map(|z| z.name.as_str()))
                    )
                };
                format!(
                    "Kafka broker `{name}` keeps its metadata in ZooKeeper without ACLs: {}; anyone who reaches {zk} can rewrite broker registrations, topic configuration and the ACLs Kafka enforces",
                    details(&g)
                )
            };
            let f = util::report(
                out,
                &files,
                &g,
                "zookeeper-no-auth",
                description,
                InfraType::Kafka,
            );
            for z in zk_nodes {
                f.component(format!("ZooKeeper {}", z.name));
                s2s::add_node(f, &files, z);
            }
            if anonymous.contains(&g[0].unit.group) {
                f.component(format!("ZooKeeper {name}"));
            } else {
                f.component(format!("Kafka cluster {name}"));
            }
        }
    }
}

/// Bitnami's switch for anonymous ZooKeeper clients.
fn allows_anonymous(name: &str, value: Option<&str>) -> bool {
    name == "ALLOW_ANONYMOUS_LOGIN"
        && value
            .is_some_and(|v| matches!(v.trim().to_ascii_lowercase().as_str(), "yes" | "true" | "1"))
}
