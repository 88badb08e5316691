//! Shared reading for the message-broker rules: Kafka broker configurations from every place
//! they are written (`server.properties` files, `.properties` text in ConfigMaps, the
//! environment of Confluent, Apache and Bitnami containers, Strimzi `Kafka` resources), RabbitMQ
//! deployments with their environment and `rabbitmq.conf`, the listeners those configurations
//! open, Kafka clients' own settings, and how findings on several configurations of one broker
//! are folded into one.

use crate::rules::s2s::util::{self as s2s, Files};
use crate::{Context, Finding, Sink};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use stridemap_model::architecture::{ArchNode, Exposure, Role};
use stridemap_model::compose::ComposeService;
use stridemap_model::image::ImageRef;
use stridemap_model::k8s::{Container, K8sObject};
use stridemap_model::{FileId, InfraType, Location, Node, Severity};

// ---------------------------------------------------------------------------------------------
// Settings and environment

/// One configuration value and where it is written.
#[derive(Debug, Clone)]
pub struct Setting {
    pub value: String,
    pub file: FileId,
    pub loc: Location,
    /// The key as written: `listeners`, `KAFKA_LISTENERS`, `KAFKA_CFG_LISTENERS`.
    pub written: String,
}

impl Setting {
    pub fn at(&self) -> (FileId, Location) {
        (self.file, self.loc)
    }

    /// `` `listeners=PLAINTEXT://:9092` `` or `` `KAFKA_LISTENERS=…` ``.
    pub fn show(&self) -> String {
        format!("`{}={}`", self.written, self.value.trim())
    }

    pub fn is_true(&self) -> bool {
        matches!(
            self.value.trim().to_ascii_lowercase().as_str(),
            "true" | "yes" | "1" | "on"
        )
    }
}

/// An environment variable of a container or Compose service.
#[derive(Debug, Clone)]
pub struct EnvVar {
    pub name: String,
    /// `None` when the value comes from a Secret, the shell or anything not in the scan.
    pub value: Option<String>,
    pub file: FileId,
    pub loc: Location,
}

impl EnvVar {
    fn setting(&self, written: &str) -> Option<Setting> {
        Some(Setting {
            value: self.value.clone()?,
            file: self.file,
            loc: self.loc,
            written: written.to_string(),
        })
    }
}

/// ConfigMaps by (namespace, name).
pub struct ConfigMaps<'a> {
    by_name: HashMap<&'a str, Vec<&'a K8sObject>>,
}

impl<'a> ConfigMaps<'a> {
    pub fn new(cx: &Context<'a>) -> Self {
        let mut by_name: HashMap<&str, Vec<&K8sObject>> = HashMap::new();
        for o in cx.corpus.objects_of(&["ConfigMap"]) {
            by_name.entry(o.name.as_str()).or_default().push(o);
        }
        ConfigMaps { by_name }
    }

    /// The ConfigMap a workload in `namespace` refers to by name.
    pub fn get(&self, name: &str, namespace: &Option<String>) -> Option<&'a K8sObject> {
        let list = self.by_name.get(name)?;
        list.iter()
            .copied()
            .find(|o| o.namespace == *namespace)
            .or_else(|| {
                list.iter()
                    .copied()
                    .find(|o| o.namespace.is_none() || namespace.is_none())
            })
    }
}

/// A container's environment: literal values, values pulled from ConfigMaps in the scan, and
/// the names of values that come from elsewhere. The flag says that some of it is not visible
/// (`envFrom` a Secret or an unknown ConfigMap).
pub fn container_env(
    object: &K8sObject,
    container: &Container,
    maps: &ConfigMaps,
) -> (Vec<EnvVar>, bool) {
    let mut out = Vec::new();
    let mut opaque = false;
    for e in container.node.get("env").map(Node::as_seq).unwrap_or(&[]) {
        let Some(name) = e.get("name").and_then(Node::as_str) else {
            continue;
        };
        let mut var = EnvVar {
            name: name.to_string(),
            value: None,
            file: object.file,
            loc: e.loc,
        };
        if let Some(v) = e.get("value") {
            var.value = Some(v.as_str().unwrap_or("").to_string());
            var.loc = v.loc;
        } else if let Some(r) = e.path(&["valueFrom", "configMapKeyRef"]) {
            let found = r
                .get("name")
                .and_then(Node::as_str)
                .and_then(|cm| maps.get(cm, &object.namespace))
                .and_then(|cm| {
                    let key = r.get("key").and_then(Node::as_str)?;
                    cm.root.path(&["data", key]).map(|n| (cm.file, n))
                });
            if let Some((file, n)) = found {
                var.value = n.as_str().map(str::to_string);
                var.file = file;
                var.loc = n.loc;
            }
        }
        out.push(var);
    }
    for from in container
        .node
        .get("envFrom")
        .map(Node::as_seq)
        .unwrap_or(&[])
    {
        let prefix = from.get("prefix").and_then(Node::as_str).unwrap_or("");
        if let Some(cm) = from.path(&["configMapRef", "name"]).and_then(Node::as_str) {
            match maps.get(cm, &object.namespace) {
                Some(obj) => {
                    for (k, _, v) in obj
                        .root
                        .get("data")
                        .map(|d| d.entries().collect::<Vec<_>>())
                        .unwrap_or_default()
                    {
                        out.push(EnvVar {
                            name: format!("{prefix}{k}"),
                            value: v.as_str().map(str::to_string),
                            file: obj.file,
                            loc: v.loc,
                        });
                    }
                }
                None => opaque = true,
            }
        } else {
            opaque = true;
        }
    }
    (out, opaque)
}

/// A Compose service's environment; values interpolated from the shell count as unknown. The
/// flag says that an `env_file` may set more.
pub fn compose_env(file: FileId, service: &ComposeService) -> (Vec<EnvVar>, bool) {
    let vars = service
        .environment()
        .into_iter()
        .map(|e| EnvVar {
            name: e.name.to_string(),
            value: e.value.filter(|v| !v.contains("${")).map(str::to_string),
            file,
            loc: e.loc,
        })
        .collect();
    (vars, service.get("env_file").is_some())
}

/// Splits `key=value`, `key: value` or `key value` lines of Java properties text (no line
/// continuations are needed for the keys the rules read).
pub fn parse_properties_text(text: &str) -> Vec<(usize, String, String)> {
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with('!') {
            continue;
        }
        let cut = line
            .find(['=', ':'])
            .into_iter()
            .chain(line.find(char::is_whitespace))
            .min();
        let (k, v) = match cut {
            Some(c) => (
                &line[..c],
                line[c + 1..].trim_start_matches(['=', ':', ' ', '\t']),
            ),
            None => (line, ""),
        };
        out.push((i, k.trim().to_string(), v.trim().to_string()));
    }
    out
}

/// The location of line `index` of a scalar's text: the scalar's own line for a one-line
/// value, else the first line at or after it that holds the text.
pub fn line_in_scalar(
    cx: &Context,
    file: FileId,
    node: &Node,
    index: usize,
    text: &str,
) -> Location {
    let source = cx.corpus.file(file);
    let needle = text.trim();
    let start = node.loc.line;
    for line in start..start.saturating_add(index as u32 + 400) {
        let l = source.line_text(line);
        if l.is_empty() && line as usize > source.line_count() {
            break;
        }
        if let Some(col) = l.find(needle) {
            if line > start || index == 0 {
                return Location::new(line, col as u32 + 1);
            }
        }
    }
    node.loc
}

// ---------------------------------------------------------------------------------------------
// Where a finding lives

/// One broker configuration's identity: what it is called, where it is defined and which
/// architecture node (if any) it configures.
#[derive(Debug, Clone)]
pub struct Unit<'a> {
    /// Findings of one rule on the same group are reported once: the node's id, or the
    /// configuration's own key when it belongs to no node.
    pub group: String,
    pub node: Option<&'a ArchNode>,
    /// `File/kafka/server.properties`, `StatefulSet/kafka`, `ComposeService/kafka`…
    pub resource: String,
    /// `kafka/server.properties`, `StatefulSet/kafka`, `Compose service kafka`.
    pub label: String,
    /// What the configuration is called when it belongs to no node: the file, the resource's
    /// or the service's name.
    pub name: String,
    pub anchor: (FileId, Location),
    /// Sort order inside a group: configuration files first, then manifests, then Compose.
    pub order: (u8, String, u32),
}

/// Architecture nodes by the place they were defined (`kind`, file, line).
pub struct NodeIndex<'a> {
    by_source: HashMap<(String, String, u32), &'a ArchNode>,
}

impl<'a> NodeIndex<'a> {
    pub fn new(cx: &Context<'a>) -> Self {
        let mut by_source = HashMap::new();
        for n in cx
            .arch
            .nodes()
            .filter(|n| n.role != Role::EntryPoint && !n.external)
        {
            for s in &n.sources {
                by_source
                    .entry((s.kind.clone(), s.file.clone(), s.line))
                    .or_insert(n);
            }
        }
        NodeIndex { by_source }
    }

    pub fn of_object(&self, cx: &Context, o: &K8sObject) -> Option<&'a ArchNode> {
        let path = cx.corpus.file(o.file).path.clone();
        self.by_source
            .get(&(o.kind.clone(), path, o.root.loc.line))
            .copied()
    }

    pub fn of_service(
        &self,
        cx: &Context,
        file: FileId,
        s: &ComposeService,
    ) -> Option<&'a ArchNode> {
        let path = cx.corpus.file(file).path.clone();
        self.by_source
            .get(&("compose".to_string(), path, s.key.loc.line))
            .copied()
    }
}

pub fn unit_for_object<'a>(
    cx: &Context,
    nodes: &NodeIndex<'a>,
    o: &K8sObject,
    container: Option<&Container>,
    anchor: Location,
) -> Unit<'a> {
    let node = nodes.of_object(cx, o);
    let path = cx.corpus.file(o.file).path.clone();
    let label = match container {
        Some(c) if o.workload().is_some_and(|w| w.containers().len() > 1) => {
            format!("{} ({})", o.resource_id(), c.describe())
        }
        _ => o.resource_id(),
    };
    Unit {
        group: node.map_or_else(
            || format!("object:{}", o.qualified_id()),
            |n| format!("node:{}", n.id),
        ),
        node,
        resource: o.resource_id(),
        label,
        name: o.name.clone(),
        anchor: (o.file, anchor),
        order: (2, path, o.root.loc.line),
    }
}

pub fn unit_for_service<'a>(
    cx: &Context,
    nodes: &NodeIndex<'a>,
    file: FileId,
    s: &ComposeService,
) -> Unit<'a> {
    let node = nodes.of_service(cx, file, s);
    let path = cx.corpus.file(file).path.clone();
    Unit {
        group: node.map_or_else(
            || format!("compose:{path}:{}", s.name),
            |n| format!("node:{}", n.id),
        ),
        node,
        resource: s.resource_id(),
        label: format!("Compose service {}", s.name),
        name: s.name.to_string(),
        anchor: (file, s.key.loc),
        order: (3, path, s.key.loc.line),
    }
}

/// `report` for a group of places that share a [`Unit::group`]: the first place is the primary
/// evidence, every other place and the node's definition follow.
pub struct Place<'a> {
    pub unit: Unit<'a>,
    pub at: (FileId, Location),
    /// What is wrong, for the description: `` `PLAINTEXT://0.0.0.0:9092` ``. Places of a group
    /// with the same detail are listed together.
    pub detail: String,
    /// How this place writes it (`` `KAFKA_LISTENERS` ``), or empty.
    pub via: String,
    pub also: Vec<(FileId, Location)>,
    pub severity: Severity,
}

/// Groups places by unit, each group sorted (files, manifests, Compose; then path and line).
pub fn group<'a>(places: Vec<Place<'a>>) -> Vec<Vec<Place<'a>>> {
    let mut groups: BTreeMap<String, Vec<Place<'a>>> = BTreeMap::new();
    for p in places {
        groups.entry(p.unit.group.clone()).or_default().push(p);
    }
    groups
        .into_values()
        .map(|mut g| {
            g.sort_by(|a, b| (&a.unit.order, a.at.1).cmp(&(&b.unit.order, b.at.1)));
            g
        })
        .collect()
}

/// The name of what a group configures: its node, else the configuration itself.
pub fn group_name(places: &[Place]) -> String {
    match places[0].unit.node {
        Some(n) => n.name.clone(),
        None => places[0].unit.name.clone(),
    }
}

/// `detail (via in where, via in where); detail (where)`, duplicates removed.
pub fn details(places: &[Place]) -> String {
    let mut order: Vec<&str> = Vec::new();
    let mut wheres: HashMap<&str, Vec<String>> = HashMap::new();
    for p in places {
        let place = if p.via.is_empty() {
            p.unit.label.clone()
        } else {
            format!("{} in {}", p.via, p.unit.label)
        };
        let list = wheres.entry(p.detail.as_str()).or_default();
        if list.is_empty() {
            order.push(p.detail.as_str());
        }
        if !list.contains(&place) {
            list.push(place);
        }
    }
    let mut out: Vec<String> = order
        .iter()
        .map(|d| {
            let list = &wheres[d];
            let shown: Vec<&str> = list.iter().take(4).map(String::as_str).collect();
            let more = if list.len() > shown.len() {
                format!(" and {} more", list.len() - shown.len())
            } else {
                String::new()
            };
            format!("{d} ({}{more})", shown.join(", "))
        })
        .collect();
    if out.len() > 6 {
        let more = out.len() - 6;
        out.truncate(6);
        out.push(format!("{more} more"));
    }
    out.join("; ")
}

/// Reports one finding for a group of places.
pub fn report<'s>(
    out: &'s mut Sink,
    files: &Files,
    places: &[Place],
    key: &str,
    description: String,
    infra: InfraType,
) -> &'s mut Finding {
    let first = &places[0];
    let severity = places
        .iter()
        .map(|p| p.severity)
        .min()
        .unwrap_or(first.severity);
    let f = out
        .report(first.at.0, first.at.1, description)
        .key(format!("{key}:{}", first.unit.group))
        .severity(severity)
        .infra(infra);
    for p in places {
        f.resource(p.unit.resource.clone());
        f.also_at(p.at.0, p.at.1);
        for &(file, loc) in &p.also {
            f.also_at(file, loc);
        }
    }
    for p in places {
        // A configuration file is its own definition; resources and services get theirs.
        if p.unit.node.is_none() && p.unit.order.0 != 0 {
            f.also_at(p.unit.anchor.0, p.unit.anchor.1);
        }
    }
    if let Some(n) = first.unit.node {
        s2s::add_node(f, files, n);
    }
    f
}

// ---------------------------------------------------------------------------------------------
// Images

fn image_words(image: &str) -> (String, Vec<String>) {
    let repo = ImageRef::parse(image).repository.to_ascii_lowercase();
    let last = repo.rsplit('/').next().unwrap_or(&repo).to_string();
    let words = last
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect();
    (repo, words)
}

/// Companion images named after Kafka that are not brokers.
const NOT_A_BROKER: &[&str] = &[
    "ui",
    "exporter",
    "connect",
    "rest",
    "schema",
    "registry",
    "manager",
    "operator",
    "proxy",
    "mirror",
    "mirrormaker",
    "streams",
    "ksql",
    "ksqldb",
    "zookeeper",
    "cruise",
    "bridge",
    "client",
    "clients",
    "console",
    "init",
    "tools",
    "lag",
    "cli",
    "setup",
    "topics",
    "admin",
    "test",
];

/// How a Kafka broker image reads its environment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KafkaImage {
    /// `KAFKA_CFG_*` (Bitnami), plus `ALLOW_PLAINTEXT_LISTENER`.
    Bitnami,
    /// `KAFKA_*` (Confluent, Apache, wurstmeister).
    Prefixed,
}

pub fn kafka_image(image: &str) -> Option<KafkaImage> {
    let (repo, words) = image_words(image);
    let last = repo.rsplit('/').next().unwrap_or(&repo);
    let broker = (words.iter().any(|w| w == "kafka")
        && !words.iter().any(|w| NOT_A_BROKER.contains(&w.as_str())))
        || matches!(last, "cp-server" | "cp-enterprise-kafka");
    if !broker {
        return None;
    }
    Some(if repo.contains("bitnami") {
        KafkaImage::Bitnami
    } else {
        KafkaImage::Prefixed
    })
}

/// `KAFKA_LISTENER_SECURITY_PROTOCOL_MAP` → `listener.security.protocol.map`, as the images'
/// launch scripts translate them (`__` → `_`, `___` → `-`).
pub fn env_to_property(name: &str, image: KafkaImage) -> Option<String> {
    let rest = match image {
        KafkaImage::Bitnami => name.strip_prefix("KAFKA_CFG_")?,
        KafkaImage::Prefixed => name.strip_prefix("KAFKA_")?,
    };
    const NOT_PROPERTIES: &[&str] = &[
        "OPTS",
        "HEAP_OPTS",
        "JMX_OPTS",
        "JMX_PORT",
        "JMX_HOSTNAME",
        "LOG4J_OPTS",
        "LOG4J_ROOT_LOGLEVEL",
        "LOG4J_LOGGERS",
        "TOOLS_LOG4J_LOGLEVEL",
        "CREATE_TOPICS",
        "ADVERTISED_HOST_NAME",
        "ADVERTISED_PORT",
    ];
    if rest.is_empty() || NOT_PROPERTIES.contains(&rest) {
        return None;
    }
    Some(
        rest.replace("___", "\u{1}")
            .replace("__", "\u{2}")
            .replace('_', ".")
            .replace('\u{1}', "-")
            .replace('\u{2}', "_")
            .to_ascii_lowercase(),
    )
}

pub fn is_rabbitmq_image(image: &str) -> bool {
    let (_, words) = image_words(image);
    words.iter().any(|w| w == "rabbitmq")
        && !words.iter().any(|w| {
            matches!(
                w.as_str(),
                "exporter" | "operator" | "topology" | "messaging"
            )
        })
}

pub fn is_zookeeper_image(image: &str) -> bool {
    let (_, words) = image_words(image);
    words.iter().any(|w| w == "zookeeper") && !words.iter().any(|w| w == "exporter")
}

pub fn is_bitnami(image: &str) -> bool {
    ImageRef::parse(image)
        .repository
        .to_ascii_lowercase()
        .contains("bitnami")
}

// ---------------------------------------------------------------------------------------------
// Kafka broker configurations

/// A listener a broker opens, with what protects it.
#[derive(Debug, Clone)]
pub struct Listener {
    /// `` `PLAINTEXT://0.0.0.0:9092` ``, or Strimzi's `` listener `plain` ``.
    pub display: String,
    /// Where it comes from: `` `listeners` ``, `` `KAFKA_LISTENERS` ``, `port 9092, type internal`.
    pub note: String,
    pub encrypted: bool,
    pub authenticated: bool,
    /// SASL over a cleartext connection: credentials or tokens cross the network in the clear.
    pub sasl_plaintext: bool,
    /// Bound to the loopback interface only.
    pub local: bool,
    /// TLS without required client certificates.
    pub tls_without_client_auth: bool,
    /// The setting or resource field that opens it.
    pub setting: Setting,
}

/// Where a Kafka configuration was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KafkaOrigin {
    PropertiesFile,
    ConfigMap,
    Container,
    Compose,
    Strimzi,
}

/// One Kafka broker configuration.
pub struct KafkaConfig<'a> {
    pub origin: KafkaOrigin,
    pub unit: Unit<'a>,
    /// Broker properties by name (`listeners`, `allow.everyone.if.no.acl.found`…).
    pub settings: BTreeMap<String, Setting>,
    /// Parts of the configuration are not in the scan (an `env_file`, a mounted configuration
    /// file, `envFrom` a Secret): absent settings prove nothing.
    pub opaque: bool,
    /// Bitnami's `ALLOW_PLAINTEXT_LISTENER=yes`.
    pub allow_plaintext: Option<Setting>,
    /// Strimzi: listeners and authorization come from the resource.
    pub strimzi: Option<StrimziKafka>,
}

pub struct StrimziKafka {
    pub listeners: Vec<Listener>,
    /// `spec.kafka.authorization`, when set.
    pub authorization: Option<Setting>,
    /// `spec.kafka` (for pointing at when something is missing).
    pub kafka: Setting,
}

fn protocol_of(name: &str, map: &HashMap<String, String>) -> Option<String> {
    let upper = name.to_ascii_uppercase();
    if let Some(p) = map.get(&upper) {
        return Some(p.to_ascii_uppercase());
    }
    matches!(
        upper.as_str(),
        "PLAINTEXT" | "SSL" | "SASL_PLAINTEXT" | "SASL_SSL"
    )
    .then_some(upper)
}

fn split_list(value: &str) -> impl Iterator<Item = &str> {
    value.split(',').map(str::trim).filter(|s| !s.is_empty())
}

impl Listener {
    /// `` `PLAINTEXT://0.0.0.0:9092` (`listeners`) ``.
    pub fn describe(&self) -> String {
        format!("{} ({})", self.display, self.note)
    }
}

impl<'a> KafkaConfig<'a> {
    pub fn get(&self, key: &str) -> Option<&Setting> {
        self.settings
            .get(key)
            .filter(|s| !s.value.trim().is_empty())
    }

    /// Looks like a broker's configuration rather than a client's or a tool's. Kafka Connect,
    /// Schema Registry and ksqlDB also have `listeners` (their REST endpoints) but they name
    /// the cluster they connect to (`bootstrap.servers`); brokers do not.
    fn is_broker(settings: &BTreeMap<String, Setting>) -> bool {
        let broker_only = [
            "advertised.listeners",
            "broker.id",
            "node.id",
            "process.roles",
            "listener.security.protocol.map",
            "security.inter.broker.protocol",
            "inter.broker.listener.name",
        ]
        .iter()
        .any(|k| settings.contains_key(*k));
        let client_of_a_cluster = settings.keys().any(|k| k.ends_with("bootstrap.servers"));
        broker_only
            || (!client_of_a_cluster
                && (settings.contains_key("listeners")
                    || (settings.contains_key("zookeeper.connect")
                        && settings.contains_key("log.dirs"))))
    }

    /// Uses ZooKeeper for its metadata.
    pub fn zookeeper(&self) -> Option<&Setting> {
        if self.strimzi.is_some() {
            return None;
        }
        self.get("zookeeper.connect")
    }

    /// The listeners the broker opens to clients and other brokers (controller-only listeners
    /// are left out). A `server.properties` without `listeners` gets Kafka's default.
    pub fn listeners(&self) -> Vec<Listener> {
        if let Some(s) = &self.strimzi {
            return s.listeners.clone();
        }
        let map: HashMap<String, String> = self
            .get("listener.security.protocol.map")
            .map(|s| {
                split_list(&s.value)
                    .filter_map(|kv| kv.split_once(':'))
                    .map(|(k, v)| (k.trim().to_ascii_uppercase(), v.trim().to_string()))
                    .collect()
            })
            .unwrap_or_default();
        let controllers: BTreeSet<String> = self
            .get("controller.listener.names")
            .map(|s| split_list(&s.value).map(str::to_ascii_uppercase).collect())
            .unwrap_or_default();
        let (setting, bound) = match (self.get("listeners"), self.get("advertised.listeners")) {
            (Some(l), _) => (l.clone(), true),
            (None, Some(a)) => (a.clone(), false),
            (None, None) => {
                let fallback = match (self.origin, &self.allow_plaintext) {
                    (KafkaOrigin::PropertiesFile | KafkaOrigin::ConfigMap, _) => self
                        .get("broker.id")
                        .or_else(|| self.get("node.id"))
                        .or_else(|| self.get("zookeeper.connect"))
                        .or_else(|| self.settings.values().next())
                        .map(|s| {
                            (
                                s.clone(),
                                "Kafka's default: no `listeners` is set".to_string(),
                            )
                        }),
                    (_, Some(allow)) if allow.is_true() => Some((
                        allow.clone(),
                        format!("Bitnami's default listener, allowed by {}", allow.show()),
                    )),
                    _ => None,
                };
                let Some((setting, note)) = fallback else {
                    return Vec::new();
                };
                return vec![Listener {
                    display: "`PLAINTEXT://:9092`".into(),
                    note,
                    encrypted: false,
                    authenticated: false,
                    sasl_plaintext: false,
                    local: false,
                    tls_without_client_auth: false,
                    setting,
                }];
            }
        };
        let mut out = Vec::new();
        for entry in split_list(&setting.value) {
            let Some((name, rest)) = entry.split_once("://") else {
                continue;
            };
            if controllers.contains(&name.to_ascii_uppercase()) {
                continue;
            }
            let Some(protocol) = protocol_of(name, &map) else {
                continue;
            };
            let host = rest.rsplit_once(':').map_or(rest, |(h, _)| h);
            let host = host.trim_matches(['[', ']']);
            let local = bound && (host == "localhost" || host.starts_with("127.") || host == "::1");
            let lower = name.to_ascii_lowercase();
            let client_auth = self
                .get(&format!("listener.name.{lower}.ssl.client.auth"))
                .or_else(|| self.get("ssl.client.auth"))
                .is_some_and(|s| s.value.trim().eq_ignore_ascii_case("required"));
            let (encrypted, authenticated, sasl_plaintext, tls_only) = match protocol.as_str() {
                "PLAINTEXT" => (false, false, false, false),
                "SSL" => (true, client_auth, false, !client_auth),
                "SASL_PLAINTEXT" => (false, true, true, false),
                "SASL_SSL" => (true, true, false, false),
                _ => continue,
            };
            out.push(Listener {
                display: format!("`{entry}`"),
                note: format!("`{}`", setting.written),
                encrypted,
                authenticated,
                sasl_plaintext,
                local,
                tls_without_client_auth: tls_only,
                setting: setting.clone(),
            });
        }
        out
    }

    /// The authorizer in force, if any.
    pub fn authorizer(&self) -> Option<&Setting> {
        match &self.strimzi {
            Some(s) => s.authorization.as_ref(),
            None => self.get("authorizer.class.name"),
        }
    }
}

/// Broker-shaped properties, from a file's entries.
fn settings_from_entries(
    file: FileId,
    entries: impl Iterator<Item = (String, String, Location)>,
) -> BTreeMap<String, Setting> {
    let mut settings = BTreeMap::new();
    for (key, value, loc) in entries {
        settings.insert(
            key.clone(),
            Setting {
                value,
                file,
                loc,
                written: key,
            },
        );
    }
    settings
}

/// Which Kafka workloads (and Compose services) mount a file of a given name, for tying a
/// `server.properties` in the repository to the broker that reads it.
fn mounting_nodes<'a>(
    cx: &Context<'a>,
    nodes: &NodeIndex<'a>,
    maps: &ConfigMaps,
    path: &str,
) -> Vec<&'a ArchNode> {
    let base = path.rsplit('/').next().unwrap_or(path);
    let mut found: Vec<&ArchNode> = Vec::new();
    for o in &cx.corpus.objects {
        let Some(w) = o.workload() else { continue };
        for c in w.containers() {
            if c.image()
                .and_then(Node::as_str)
                .and_then(kafka_image)
                .is_none()
            {
                continue;
            }
            for m in c.node.get("volumeMounts").map(Node::as_seq).unwrap_or(&[]) {
                let mount_path = m.get("mountPath").and_then(Node::as_str).unwrap_or("");
                let sub_path = m.get("subPath").and_then(Node::as_str).unwrap_or("");
                if !(mount_path.ends_with(&format!("/{base}")) || sub_path == base) {
                    continue;
                }
                // A ConfigMap in the scan is read as such; only a missing one stands for the file.
                let volume = m.get("name").and_then(Node::as_str).and_then(|name| {
                    w.volumes()
                        .iter()
                        .find(|v| v.get("name").and_then(Node::as_str) == Some(name))
                });
                let cm_in_scan = volume
                    .and_then(|v| v.path(&["configMap", "name"]))
                    .and_then(Node::as_str)
                    .is_some_and(|cm| maps.get(cm, &o.namespace).is_some());
                if cm_in_scan {
                    continue;
                }
                if let Some(n) = nodes.of_object(cx, o) {
                    if !found.iter().any(|x| x.id == n.id) {
                        found.push(n);
                    }
                }
            }
        }
    }
    for compose in &cx.corpus.compose {
        let dir = cx
            .corpus
            .file(compose.file)
            .path
            .rsplit_once('/')
            .map_or(String::new(), |(d, _)| d.to_string());
        for s in compose.services() {
            for m in s.mounts() {
                let Some(src) = m.source else { continue };
                if join(&dir, src) == path {
                    if let Some(n) = nodes.of_service(cx, compose.file, &s) {
                        if !found.iter().any(|x| x.id == n.id) {
                            found.push(n);
                        }
                    }
                }
            }
        }
    }
    found
}

/// `base` joined with a relative path, `./` and `..` resolved.
fn join(base: &str, rel: &str) -> String {
    let mut parts: Vec<&str> = if rel.starts_with('/') {
        Vec::new()
    } else {
        base.split('/').filter(|p| !p.is_empty()).collect()
    };
    for p in rel.split('/') {
        match p {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    parts.join("/")
}

fn unit_for_file<'a>(
    cx: &Context<'a>,
    nodes: &NodeIndex<'a>,
    maps: &ConfigMaps,
    file: FileId,
    anchor: Location,
) -> Unit<'a> {
    let path = cx.corpus.file(file).path.clone();
    let owners = mounting_nodes(cx, nodes, maps, &path);
    let node = (owners.len() == 1).then(|| owners[0]);
    Unit {
        group: node.map_or_else(|| format!("file:{path}"), |n| format!("node:{}", n.id)),
        node,
        resource: format!("File/{path}"),
        label: path.clone(),
        name: path.clone(),
        anchor: (file, anchor),
        order: (0, path, 0),
    }
}

/// Workloads that mount a ConfigMap, by (namespace, name).
fn config_map_users<'a>(cx: &Context<'a>) -> HashMap<(Option<String>, String), Vec<&'a K8sObject>> {
    let mut out: HashMap<(Option<String>, String), Vec<&K8sObject>> = HashMap::new();
    for o in &cx.corpus.objects {
        let Some(w) = o.workload() else { continue };
        for v in w.volumes() {
            let mut names: Vec<&str> = Vec::new();
            if let Some(n) = v.path(&["configMap", "name"]).and_then(Node::as_str) {
                names.push(n);
            }
            for s in v
                .path(&["projected", "sources"])
                .map(Node::as_seq)
                .unwrap_or(&[])
            {
                if let Some(n) = s.path(&["configMap", "name"]).and_then(Node::as_str) {
                    names.push(n);
                }
            }
            for n in names {
                out.entry((o.namespace.clone(), n.to_string()))
                    .or_default()
                    .push(o);
            }
        }
    }
    out
}

fn users_of<'a>(
    users: &HashMap<(Option<String>, String), Vec<&'a K8sObject>>,
    cm: &K8sObject,
) -> Vec<&'a K8sObject> {
    let mut list: Vec<&K8sObject> = users
        .get(&(cm.namespace.clone(), cm.name.clone()))
        .cloned()
        .unwrap_or_default();
    if cm.namespace.is_none() {
        for ((_, name), objs) in users {
            if *name == cm.name {
                list.extend(objs.iter().copied());
            }
        }
    }
    list
}

/// Mounted configuration directories of Kafka images: a configuration file the scan cannot read.
fn mounts_config(c: &Container) -> bool {
    c.node
        .get("volumeMounts")
        .map(Node::as_seq)
        .unwrap_or(&[])
        .iter()
        .filter_map(|m| m.get("mountPath").and_then(Node::as_str))
        .any(|p| p.ends_with(".properties") || p.contains("/config") || p.ends_with("/etc/kafka"))
}

/// Every Kafka broker configuration in the scan (computed once per scan).
pub fn kafka_configs<'c, 'a>(cx: &'c Context<'a>) -> &'c [KafkaConfig<'a>] {
    cx.kafka_configs.get_or_init(|| find_kafka_configs(cx))
}

fn find_kafka_configs<'a>(cx: &Context<'a>) -> Vec<KafkaConfig<'a>> {
    let nodes = NodeIndex::new(cx);
    let maps = ConfigMaps::new(cx);
    let users = config_map_users(cx);
    let mut out = Vec::new();
    // `server.properties` and friends.
    for p in &cx.corpus.properties {
        if s2s::is_test_path(&cx.corpus.file(p.file).path) {
            continue;
        }
        let settings = settings_from_entries(
            p.file,
            p.entries
                .iter()
                .map(|e| (e.key.clone(), e.value.clone(), e.loc)),
        );
        if !KafkaConfig::is_broker(&settings) {
            continue;
        }
        let anchor = p.entries.first().map_or(Location::new(1, 1), |e| e.loc);
        out.push(KafkaConfig {
            origin: KafkaOrigin::PropertiesFile,
            unit: unit_for_file(cx, &nodes, &maps, p.file, anchor),
            settings,
            opaque: false,
            allow_plaintext: None,
            strimzi: None,
        });
    }
    // The same text inside ConfigMaps.
    for cm in cx.corpus.objects_of(&["ConfigMap"]) {
        for (key, _, value) in cm
            .root
            .get("data")
            .map(|d| d.entries().collect::<Vec<_>>())
            .unwrap_or_default()
        {
            if !key.ends_with(".properties") {
                continue;
            }
            let Some(text) = value.as_str() else { continue };
            let entries: Vec<(String, String, Location)> = parse_properties_text(text)
                .into_iter()
                .map(|(i, k, v)| {
                    let line = text.lines().nth(i).unwrap_or("");
                    let loc = line_in_scalar(cx, cm.file, value, i, line);
                    (k, v, loc)
                })
                .collect();
            let settings = settings_from_entries(cm.file, entries.into_iter());
            if !KafkaConfig::is_broker(&settings) {
                continue;
            }
            let owners: Vec<&ArchNode> = users_of(&users, cm)
                .iter()
                .filter_map(|o| nodes.of_object(cx, o))
                .filter(|n| n.technology.as_deref() == Some("kafka"))
                .collect();
            let node = owners
                .first()
                .copied()
                .filter(|n| owners.iter().all(|m| m.id == n.id));
            let path = cx.corpus.file(cm.file).path.clone();
            out.push(KafkaConfig {
                origin: KafkaOrigin::ConfigMap,
                unit: Unit {
                    group: node.map_or_else(
                        || format!("object:{}:{key}", cm.qualified_id()),
                        |n| format!("node:{}", n.id),
                    ),
                    node,
                    resource: cm.resource_id(),
                    label: format!("{} ({key})", cm.resource_id()),
                    name: cm.name.clone(),
                    anchor: (cm.file, value.loc),
                    order: (1, path, cm.root.loc.line),
                },
                settings,
                opaque: false,
                allow_plaintext: None,
                strimzi: None,
            });
        }
    }
    // Containers of Kafka images configured through their environment.
    for o in &cx.corpus.objects {
        let Some(w) = o.workload() else { continue };
        for c in w.containers() {
            let Some(image) = c.image().and_then(Node::as_str).and_then(kafka_image) else {
                continue;
            };
            let (env, opaque) = container_env(o, &c, &maps);
            let overrides = command_overrides(cx, o.file, c.node);
            if let Some(cfg) = env_config(
                image,
                &env,
                overrides,
                opaque || mounts_config(&c),
                unit_for_object(cx, &nodes, o, Some(&c), c.node.loc),
                KafkaOrigin::Container,
            ) {
                out.push(cfg);
            }
        }
    }
    for compose in &cx.corpus.compose {
        for s in compose.services() {
            let Some(image) = s.get("image").and_then(Node::as_str).and_then(kafka_image) else {
                continue;
            };
            let (env, opaque) = compose_env(compose.file, &s);
            let mounted = s.mounts().iter().any(|m| {
                m.target.ends_with(".properties")
                    || m.target.contains("/config")
                    || m.target.ends_with("/etc/kafka")
            });
            let overrides = command_overrides(cx, compose.file, s.node);
            if let Some(cfg) = env_config(
                image,
                &env,
                overrides,
                opaque || mounted,
                unit_for_service(cx, &nodes, compose.file, &s),
                KafkaOrigin::Compose,
            ) {
                out.push(cfg);
            }
        }
    }
    // Strimzi `Kafka` resources.
    for o in cx.corpus.objects_of(&["Kafka"]) {
        if !o.api_version.starts_with("kafka.strimzi.io") {
            continue;
        }
        if let Some(cfg) = strimzi_config(cx, o) {
            out.push(cfg);
        }
    }
    out
}

/// `kafka-server-start.sh server.properties --override listeners=PLAINTEXT://:9092 …` in a
/// container's command or arguments (the pattern of the classic Kubernetes Kafka examples).
fn command_overrides(cx: &Context, file: FileId, container: &Node) -> Vec<(String, Setting)> {
    let mut out = Vec::new();
    for field in ["command", "args", "entrypoint"] {
        for (text, node) in container.get(field).map(Node::strings).unwrap_or_default() {
            let mut words = text.split_whitespace();
            while let Some(w) = words.next() {
                let kv = match w.strip_prefix("--override") {
                    Some("") => words.next().unwrap_or(""),
                    Some(rest) if rest.starts_with('=') => &rest[1..],
                    _ => continue,
                };
                let kv = kv.trim_matches(['"', '\'', '\\']);
                let Some((k, v)) = kv.split_once('=') else {
                    continue;
                };
                let index = text.lines().position(|l| l.contains(kv)).unwrap_or(0);
                out.push((
                    k.to_string(),
                    Setting {
                        value: v.to_string(),
                        file,
                        loc: line_in_scalar(cx, file, node, index, kv),
                        written: format!("--override {k}"),
                    },
                ));
            }
        }
    }
    out
}

fn env_config<'a>(
    image: KafkaImage,
    env: &[EnvVar],
    overrides: Vec<(String, Setting)>,
    opaque: bool,
    unit: Unit<'a>,
    origin: KafkaOrigin,
) -> Option<KafkaConfig<'a>> {
    let mut settings = BTreeMap::new();
    // The launch script's `--override` flags; a properties file is still read underneath.
    let opaque = opaque || !overrides.is_empty();
    let mut unknown = false;
    for e in env {
        let Some(prop) = env_to_property(&e.name, image) else {
            continue;
        };
        match e.setting(&e.name) {
            Some(s) => {
                settings.insert(prop, s);
            }
            None => unknown = true,
        }
    }
    settings.extend(overrides);
    let allow_plaintext = env
        .iter()
        .find(|e| e.name == "ALLOW_PLAINTEXT_LISTENER" && image == KafkaImage::Bitnami)
        .and_then(|e| e.setting(&e.name));
    if settings.is_empty() && allow_plaintext.is_none() {
        return None;
    }
    Some(KafkaConfig {
        origin,
        unit,
        settings,
        opaque: opaque || unknown,
        allow_plaintext,
        strimzi: None,
    })
}

fn strimzi_config<'a>(cx: &Context<'a>, o: &K8sObject) -> Option<KafkaConfig<'a>> {
    let kafka = o.root.path(&["spec", "kafka"])?;
    let setting = |node: &Node, written: &str, value: &str| Setting {
        value: value.to_string(),
        file: o.file,
        loc: node.loc,
        written: written.to_string(),
    };
    let mut listeners = Vec::new();
    let list = kafka.get("listeners");
    let items: Vec<(String, &Node)> = match list {
        Some(l) if l.is_seq() => l
            .as_seq()
            .iter()
            .map(|n| {
                (
                    n.get("name")
                        .and_then(Node::as_str)
                        .unwrap_or("listener")
                        .to_string(),
                    n,
                )
            })
            .collect(),
        // The older map form: `plain`, `tls`, `external`.
        Some(l) if l.is_map() => l.entries().map(|(k, _, v)| (k.to_string(), v)).collect(),
        _ => Vec::new(),
    };
    for (name, n) in items {
        let tls_node = n.get("tls");
        let tls = match tls_node.and_then(Node::as_bool) {
            Some(b) => b,
            None => name == "tls" || name == "external",
        };
        let auth = n
            .path(&["authentication", "type"])
            .and_then(Node::as_str)
            .map(str::to_ascii_lowercase);
        let port = n
            .get("port")
            .and_then(Node::as_str)
            .unwrap_or(match name.as_str() {
                "plain" => "9092",
                "tls" => "9093",
                _ => "?",
            });
        let kind = n.get("type").and_then(Node::as_str).unwrap_or("internal");
        let point = if tls { n } else { tls_node.unwrap_or(n) };
        listeners.push(Listener {
            display: format!("listener `{name}` (port {port}, {kind})"),
            note: String::new(),
            encrypted: tls,
            authenticated: auth.is_some(),
            sasl_plaintext: !tls && auth.as_deref().is_some_and(|a| a != "tls"),
            local: false,
            tls_without_client_auth: tls && auth.is_none(),
            setting: setting(
                point,
                &format!("listener `{name}`"),
                if tls { "tls: true" } else { "tls: false" },
            ),
        });
    }
    let authorization = kafka.get("authorization").filter(|n| n.is_map()).map(|n| {
        setting(
            n,
            "authorization.type",
            n.get("type").and_then(Node::as_str).unwrap_or("custom"),
        )
    });
    let mut settings = BTreeMap::new();
    for (k, _, v) in kafka
        .get("config")
        .map(|c| c.entries().collect::<Vec<_>>())
        .unwrap_or_default()
    {
        if let Some(value) = v.as_str() {
            settings.insert(k.to_string(), setting(v, k, value));
        }
    }
    let path = cx.corpus.file(o.file).path.clone();
    Some(KafkaConfig {
        origin: KafkaOrigin::Strimzi,
        unit: Unit {
            group: format!("object:{}", o.qualified_id()),
            node: None,
            resource: o.resource_id(),
            label: o.resource_id(),
            name: o.name.clone(),
            anchor: (o.file, o.root.loc),
            order: (2, path, o.root.loc.line),
        },
        settings,
        opaque: false,
        allow_plaintext: None,
        strimzi: Some(StrimziKafka {
            listeners,
            authorization,
            kafka: setting(kafka, "spec.kafka", ""),
        }),
    })
}

// ---------------------------------------------------------------------------------------------
// What flows through a broker

/// A topic or queue of a broker with its producers and consumers.
pub struct TopicUse {
    pub topic: String,
    pub producers: BTreeSet<String>,
    pub consumers: BTreeSet<String>,
    pub evidence: Vec<(FileId, Location)>,
}

/// Topics that services of the architecture produce to or consume from on a broker.
pub fn topics(cx: &Context, broker: &ArchNode) -> Vec<TopicUse> {
    let mut by_topic: BTreeMap<String, TopicUse> = BTreeMap::new();
    for f in cx.arch.flows_of(&broker.id) {
        let Some(topic) = &f.topic else { continue };
        let entry = by_topic.entry(topic.clone()).or_insert_with(|| TopicUse {
            topic: topic.clone(),
            producers: BTreeSet::new(),
            consumers: BTreeSet::new(),
            evidence: Vec::new(),
        });
        if f.to == broker.id {
            entry.producers.insert(name_of(cx, &f.from));
        } else {
            entry.consumers.insert(name_of(cx, &f.to));
        }
        if let Some(at) = f.loc {
            entry.evidence.push(at);
        }
    }
    by_topic.into_values().collect()
}

fn name_of(cx: &Context, id: &str) -> String {
    cx.arch.node(id).map_or(id.to_string(), |n| n.name.clone())
}

/// `order-events (orders → notifications), refund-requests (→ orders)`.
pub fn describe_topics(topics: &[TopicUse]) -> String {
    let shown: Vec<String> = topics
        .iter()
        .take(5)
        .map(|t| {
            let p: Vec<&str> = t.producers.iter().map(String::as_str).collect();
            let c: Vec<&str> = t.consumers.iter().map(String::as_str).collect();
            format!("`{}` ({} → {})", t.topic, p.join(", "), c.join(", "))
                .replace("( → ", "(→ ")
                .replace(" → )", " →)")
        })
        .collect();
    let mut out = shown.join(", ");
    if topics.len() > shown.len() {
        out.push_str(&format!(" and {} more", topics.len() - shown.len()));
    }
    out
}

/// The broker's own traffic: connections of services to it, and the messages it delivers to
/// consumers (not its logging or metrics connections).
pub fn broker_flows<'a>(
    cx: &'a Context,
    broker: &'a ArchNode,
) -> Vec<&'a stridemap_model::architecture::Flow> {
    cx.arch
        .flows_of(&broker.id)
        .filter(|f| {
            if f.to == broker.id {
                cx.arch
                    .node(&f.from)
                    .is_some_and(|n| n.role != Role::EntryPoint)
            } else {
                f.is_async || matches!(f.protocol.as_str(), "kafka" | "amqp")
            }
        })
        .collect()
}

/// Whether every connection to and delivery from a broker is encrypted by a mesh (and there is
/// at least one).
pub fn mesh_encrypted(cx: &Context, broker: &ArchNode) -> bool {
    let flows = broker_flows(cx, broker);
    broker.mesh && !flows.is_empty() && flows.iter().all(|f| f.encrypted)
}

/// Entry points from outside that reach a node without authentication in front, with the port
/// they reach.
pub fn entry_points<'a>(
    cx: &'a Context,
    node: &ArchNode,
) -> Vec<(&'a ArchNode, &'a stridemap_model::architecture::Flow)> {
    cx.arch
        .flows_into(&node.id)
        .filter_map(|f| {
            let e = cx.arch.node(&f.from)?;
            (e.role == Role::EntryPoint
                && e.exposure == Exposure::Internet
                && e.authenticated != Some(true))
            .then_some((e, f))
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// RabbitMQ

/// One RabbitMQ server definition: a container, a Compose service or a `RabbitmqCluster`.
pub struct RabbitConfig<'a> {
    pub unit: Unit<'a>,
    pub bitnami: bool,
    /// The cluster operator's `RabbitmqCluster`: the operator generates the default user.
    pub operator: Option<&'a K8sObject>,
    pub env: BTreeMap<String, EnvVar>,
    /// `rabbitmq.conf` settings from ConfigMaps the pod mounts.
    pub conf: BTreeMap<String, Setting>,
    /// Configuration the scan cannot read (a mounted file, an `env_file`, `envFrom` a Secret).
    pub opaque: bool,
    /// Where to point when something is missing.
    pub anchor: (FileId, Location),
    /// The image or tag enables the management plugin (or port 15672 is declared).
    pub management: bool,
}

impl RabbitConfig<'_> {
    pub fn env_value(&self, name: &str) -> Option<&str> {
        self.env.get(name).and_then(|e| e.value.as_deref())
    }

    /// Set in any way (a literal, a Secret, a file).
    pub fn env_set(&self, name: &str) -> bool {
        self.env.contains_key(name) || self.env.contains_key(&format!("{name}_FILE"))
    }
}

/// `rabbitmq.conf` (sysctl format: `key = value`) from a ConfigMap value.
fn rabbit_conf(cx: &Context, cm: &K8sObject, value: &Node, text: &str) -> Vec<(String, Setting)> {
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((k, v)) = line.split_once('=') else {
            continue;
        };
        let loc = line_in_scalar(cx, cm.file, value, i, raw);
        out.push((
            k.trim().to_string(),
            Setting {
                value: v.trim().to_string(),
                file: cm.file,
                loc,
                written: k.trim().to_string(),
            },
        ));
    }
    out
}

fn management_image(image: &str) -> bool {
    let r = ImageRef::parse(image);
    r.tag.as_deref().is_some_and(|t| t.contains("management")) || is_bitnami(image)
}

/// Every RabbitMQ server in the scan.
pub fn rabbit_configs<'a>(cx: &Context<'a>) -> Vec<RabbitConfig<'a>> {
    let nodes = NodeIndex::new(cx);
    let maps = ConfigMaps::new(cx);
    let mut out = Vec::new();
    for o in &cx.corpus.objects {
        let Some(w) = o.workload() else { continue };
        for c in w.containers() {
            let Some(image) = c
                .image()
                .and_then(Node::as_str)
                .filter(|i| is_rabbitmq_image(i))
            else {
                continue;
            };
            let (env, mut opaque) = container_env(o, &c, &maps);
            let mut conf = BTreeMap::new();
            let mut management = management_image(image);
            for m in c.node.get("volumeMounts").map(Node::as_seq).unwrap_or(&[]) {
                let path = m.get("mountPath").and_then(Node::as_str).unwrap_or("");
                let sub_path = m.get("subPath").and_then(Node::as_str);
                let config_like = path.trim_end_matches('/') == "/etc/rabbitmq"
                    || path.starts_with("/etc/rabbitmq/conf.d")
                    || path.ends_with(".conf")
                    || path.ends_with(".config")
                    || path.ends_with("definitions.json")
                    || path.ends_with("enabled_plugins");
                if !config_like {
                    continue;
                }
                let volume = m.get("name").and_then(Node::as_str).and_then(|name| {
                    w.volumes()
                        .iter()
                        .find(|v| v.get("name").and_then(Node::as_str) == Some(name))
                });
                let cm = volume
                    .and_then(|v| v.path(&["configMap", "name"]))
                    .and_then(Node::as_str)
                    .and_then(|n| maps.get(n, &o.namespace));
                let Some(cm) = cm else {
                    opaque = true;
                    continue;
                };
                for (key, _, value) in cm
                    .root
                    .get("data")
                    .map(|d| d.entries().collect::<Vec<_>>())
                    .unwrap_or_default()
                {
                    if sub_path.is_some_and(|p| p != key) {
                        continue;
                    }
                    let Some(text) = value.as_str() else { continue };
                    let as_conf = key == "rabbitmq.conf"
                        || key.ends_with(".conf")
                        || (sub_path.is_some() && path.ends_with(".conf"));
                    if as_conf {
                        conf.extend(rabbit_conf(cx, cm, value, text));
                    } else if key == "enabled_plugins" {
                        management |= text.contains("rabbitmq_management");
                    } else if key.ends_with(".config") {
                        opaque = true;
                    }
                }
            }
            management |= c
                .node
                .get("ports")
                .map(Node::as_seq)
                .unwrap_or(&[])
                .iter()
                .any(|p| p.get("containerPort").and_then(Node::as_i64) == Some(15672));
            if env.iter().any(|e| e.name == "RABBITMQ_CONFIG_FILE") {
                opaque = true;
            }
            out.push(RabbitConfig {
                unit: unit_for_object(cx, &nodes, o, Some(&c), c.node.loc),
                bitnami: is_bitnami(image),
                operator: None,
                env: env.into_iter().map(|e| (e.name.clone(), e)).collect(),
                conf,
                opaque,
                anchor: (o.file, c.node.get("image").map_or(c.node.loc, |n| n.loc)),
                management,
            });
        }
    }
    for compose in &cx.corpus.compose {
        for s in compose.services() {
            let Some(image) = s
                .get("image")
                .and_then(Node::as_str)
                .filter(|i| is_rabbitmq_image(i))
            else {
                continue;
            };
            let (env, opaque) = compose_env(compose.file, &s);
            let mounted = s
                .mounts()
                .iter()
                .any(|m| m.target.starts_with("/etc/rabbitmq") || m.target.contains(".conf"));
            let management =
                management_image(image) || s.ports().iter().any(|p| p.target.starts_with("15672"));
            out.push(RabbitConfig {
                unit: unit_for_service(cx, &nodes, compose.file, &s),
                bitnami: is_bitnami(image),
                operator: None,
                env: env.into_iter().map(|e| (e.name.clone(), e)).collect(),
                conf: BTreeMap::new(),
                opaque: opaque
                    || mounted
                    || s.environment()
                        .iter()
                        .any(|e| e.name == "RABBITMQ_CONFIG_FILE"),
                anchor: (compose.file, s.get("image").map_or(s.key.loc, |n| n.loc)),
                management,
            });
        }
    }
    for o in cx.corpus.objects_of(&["RabbitmqCluster"]) {
        if !o.api_version.starts_with("rabbitmq.com") {
            continue;
        }
        let path = cx.corpus.file(o.file).path.clone();
        let mut conf = BTreeMap::new();
        if let Some(v) = o.root.path(&["spec", "rabbitmq", "additionalConfig"]) {
            if let Some(text) = v.as_str() {
                conf.extend(rabbit_conf(cx, o, v, text));
            }
        }
        out.push(RabbitConfig {
            unit: Unit {
                group: format!("object:{}", o.qualified_id()),
                node: None,
                resource: o.resource_id(),
                label: o.resource_id(),
                name: o.name.clone(),
                anchor: (o.file, o.root.loc),
                order: (2, path, o.root.loc.line),
            },
            bitnami: false,
            operator: Some(o),
            env: BTreeMap::new(),
            conf,
            opaque: false,
            anchor: (o.file, o.root.get("spec").map_or(o.root.loc, |n| n.loc)),
            management: true,
        });
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Kafka clients

/// A client setting that selects a cleartext protocol.
pub struct ClientSetting<'a> {
    pub file: FileId,
    pub loc: Location,
    /// `security.protocol=PLAINTEXT`, `KAFKA_SECURITY_PROTOCOL=SASL_PLAINTEXT`…
    pub shown: String,
    pub sasl: bool,
    /// The service the setting belongs to.
    pub node: Option<&'a ArchNode>,
    /// `Deployment/orders`, `File/…`, `Source/…`.
    pub resource: String,
    /// What the configuration is, for a client that belongs to no service: the file's path, the
    /// resource, the Compose service.
    pub label: String,
    /// Grouping key when there is no node.
    pub place: String,
}

/// `PLAINTEXT` or `SASL_PLAINTEXT`, as a client's security protocol.
fn cleartext_protocol(value: &str) -> Option<bool> {
    let v = value.trim().trim_matches(['"', '\'']).to_ascii_uppercase();
    match v.as_str() {
        "PLAINTEXT" => Some(false),
        "SASL_PLAINTEXT" => Some(true),
        _ => None,
    }
}

/// Every place a Kafka client selects a cleartext protocol: application code, client
/// `.properties` files, Spring YAML, container and Compose environment, ConfigMaps. Broker
/// configurations and test code are left out.
pub fn client_settings<'a>(cx: &Context<'a>) -> Vec<ClientSetting<'a>> {
    let nodes = NodeIndex::new(cx);
    let maps = ConfigMaps::new(cx);
    let users = config_map_users(cx);
    let owners = s2s::code_owners(cx.arch);
    let mut out = Vec::new();
    let file_setting = |file: FileId, loc: Location, shown: String, sasl: bool| {
        let path = cx.corpus.file(file).path.clone();
        let node = s2s::owner_of(&owners, &path);
        ClientSetting {
            file,
            loc,
            shown,
            sasl,
            node,
            resource: format!("File/{path}"),
            label: format!("`{path}`"),
            place: format!("file:{path}"),
        }
    };
    for facts in &cx.corpus.code {
        let source = cx.corpus.file(facts.file);
        if s2s::is_test_path(&source.path) {
            continue;
        }
        for setting in &facts.protocol_settings {
            let shown = match &setting.key {
                Some(key) => format!("`{key}` = `{}`", setting.value),
                None => format!("`SecurityProtocol.{}`", setting.value),
            };
            let mut s = file_setting(
                facts.file,
                setting.loc,
                shown,
                setting.value == "SASL_PLAINTEXT",
            );
            s.resource = format!("Source/{}", source.path);
            out.push(s);
        }
    }
    let broker_files: BTreeSet<FileId> = cx
        .corpus
        .properties
        .iter()
        .filter(|p| {
            let settings = settings_from_entries(
                p.file,
                p.entries
                    .iter()
                    .map(|e| (e.key.clone(), e.value.clone(), e.loc)),
            );
            KafkaConfig::is_broker(&settings)
        })
        .map(|p| p.file)
        .collect();
    for p in &cx.corpus.properties {
        if broker_files.contains(&p.file) || s2s::is_test_path(&cx.corpus.file(p.file).path) {
            continue;
        }
        for e in &p.entries {
            if let Some(sasl) = client_key(&e.key)
                .then(|| cleartext_protocol(&e.value))
                .flatten()
            {
                out.push(file_setting(
                    p.file,
                    e.loc,
                    format!("`{}={}`", e.key, e.value),
                    sasl,
                ));
            }
        }
    }
    for doc in &cx.corpus.other_yaml {
        if s2s::is_test_path(&cx.corpus.file(doc.file).path) {
            continue;
        }
        let mut found = Vec::new();
        doc.root.walk(&mut |path, _key, node| {
            if client_key(path) {
                if let Some(sasl) = node.as_str().and_then(cleartext_protocol) {
                    found.push((
                        path.to_string(),
                        node.as_str().unwrap_or("").to_string(),
                        node.loc,
                        sasl,
                    ));
                }
            }
        });
        for (path, value, loc, sasl) in found {
            out.push(file_setting(
                doc.file,
                loc,
                format!("`{path}: {value}`"),
                sasl,
            ));
        }
    }
    for o in &cx.corpus.objects {
        let Some(w) = o.workload() else { continue };
        let node = nodes.of_object(cx, o);
        for c in w.containers() {
            if c.image()
                .and_then(Node::as_str)
                .is_some_and(|i| kafka_image(i).is_some())
            {
                continue;
            }
            let (env, _) = container_env(o, &c, &maps);
            for e in env.iter().filter(|e| e.file == o.file) {
                if let Some(sasl) = env_client(e) {
                    out.push(ClientSetting {
                        file: e.file,
                        loc: e.loc,
                        shown: format!("`{}={}`", e.name, e.value.as_deref().unwrap_or("")),
                        sasl,
                        node,
                        resource: o.resource_id(),
                        label: o.resource_id(),
                        place: format!("object:{}", o.qualified_id()),
                    });
                }
            }
        }
    }
    for cm in cx.corpus.objects_of(&["ConfigMap"]) {
        // Most ConfigMaps hold no Kafka client setting: skip them before the owner lookups.
        let relevant = cm.root.get("data").is_some_and(|d| {
            d.entries().any(|(key, _, value)| {
                key.ends_with(".properties")
                    || value
                        .as_str()
                        .is_some_and(|v| env_like_client(key, v).is_some())
            })
        });
        if !relevant {
            continue;
        }
        let used_by: Vec<&ArchNode> = users_of(&users, cm)
            .iter()
            .filter_map(|o| nodes.of_object(cx, o))
            .collect();
        // Values a workload reads through `envFrom`/`configMapKeyRef` are attributed there too;
        // here they are reported once, on the ConfigMap.
        let node = used_by
            .first()
            .copied()
            .filter(|n| used_by.iter().all(|m| m.id == n.id));
        let node = node.or_else(|| {
            let readers: Vec<&ArchNode> = cx
                .arch
                .nodes()
                .filter(|n| {
                    n.sources.iter().any(|s| s.kind != "code")
                        && n.namespace == cm.namespace
                        && n.env.iter().any(|(k, v)| {
                            env_like_client(k, v).is_some()
                                && cm.root.path(&["data", k]).and_then(Node::as_str) == Some(v)
                        })
                })
                .collect();
            (readers.len() == 1).then(|| readers[0])
        });
        for (key, _, value) in cm
            .root
            .get("data")
            .map(|d| d.entries().collect::<Vec<_>>())
            .unwrap_or_default()
        {
            let Some(text) = value.as_str() else { continue };
            if let Some(sasl) = env_like_client(key, text) {
                out.push(ClientSetting {
                    file: cm.file,
                    loc: value.loc,
                    shown: format!("`{key}: {}`", text.trim()),
                    sasl,
                    node,
                    resource: cm.resource_id(),
                    label: cm.resource_id(),
                    place: format!("object:{}", cm.qualified_id()),
                });
            } else if key.ends_with(".properties") {
                let parsed = parse_properties_text(text);
                let settings = settings_from_entries(
                    cm.file,
                    parsed
                        .iter()
                        .map(|(_, k, v)| (k.clone(), v.clone(), value.loc)),
                );
                if KafkaConfig::is_broker(&settings) {
                    continue;
                }
                for (i, k, v) in parsed {
                    if let Some(sasl) = client_key(&k).then(|| cleartext_protocol(&v)).flatten() {
                        let line = text.lines().nth(i).unwrap_or("");
                        out.push(ClientSetting {
                            file: cm.file,
                            loc: line_in_scalar(cx, cm.file, value, i, line),
                            shown: format!("`{k}={v}`"),
                            sasl,
                            node,
                            resource: cm.resource_id(),
                            label: cm.resource_id(),
                            place: format!("object:{}", cm.qualified_id()),
                        });
                    }
                }
            }
        }
    }
    for compose in &cx.corpus.compose {
        for s in compose.services() {
            if s.get("image")
                .and_then(Node::as_str)
                .is_some_and(|i| kafka_image(i).is_some())
            {
                continue;
            }
            let node = nodes.of_service(cx, compose.file, &s);
            let (env, _) = compose_env(compose.file, &s);
            for e in &env {
                if let Some(sasl) = env_client(e) {
                    out.push(ClientSetting {
                        file: e.file,
                        loc: e.loc,
                        shown: format!("`{}={}`", e.name, e.value.as_deref().unwrap_or("")),
                        sasl,
                        node,
                        resource: s.resource_id(),
                        label: format!("Compose service `{}`", s.name),
                        place: format!("compose:{}:{}", cx.corpus.file(compose.file).path, s.name),
                    });
                }
            }
        }
    }
    out
}

/// A configuration key that sets a Kafka client's protocol (`security.protocol`,
/// `spring.kafka.properties.security.protocol`, `producer.security.protocol`).
fn client_key(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    k == "security.protocol"
        || k.ends_with(".security.protocol")
        || k.ends_with(".security-protocol")
}

fn env_like_client(name: &str, value: &str) -> Option<bool> {
    let n = name.to_ascii_uppercase();
    if !(n.ends_with("SECURITY_PROTOCOL") || client_key(name)) {
        return None;
    }
    cleartext_protocol(value)
}

fn env_client(e: &EnvVar) -> Option<bool> {
    env_like_client(&e.name, e.value.as_deref()?)
}

/// Short list of names for messages.
pub fn names<'n>(items: impl IntoIterator<Item = &'n str>) -> String {
    crate::rules::mesh::util::names(items)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_names_become_properties() {
        assert_eq!(
            env_to_property("KAFKA_LISTENER_SECURITY_PROTOCOL_MAP", KafkaImage::Prefixed)
                .as_deref(),
            Some("listener.security.protocol.map")
        );
        assert_eq!(
            env_to_property(
                "KAFKA_CFG_ALLOW_EVERYONE_IF_NO_ACL_FOUND",
                KafkaImage::Bitnami
            )
            .as_deref(),
            Some("allow.everyone.if.no.acl.found")
        );
        assert_eq!(
            env_to_property(
                "KAFKA_LISTENER_NAME_INTERNAL_SSL__CLIENT_AUTH",
                KafkaImage::Prefixed
            )
            .as_deref(),
            Some("listener.name.internal.ssl_client.auth")
        );
        assert_eq!(
            env_to_property("KAFKA_HEAP_OPTS", KafkaImage::Prefixed),
            None
        );
        assert_eq!(
            env_to_property("KAFKA_LISTENERS", KafkaImage::Bitnami),
            None
        );
    }

    #[test]
    fn images() {
        assert_eq!(
            kafka_image("confluentinc/cp-kafka:7.7.1"),
            Some(KafkaImage::Prefixed)
        );
        assert_eq!(kafka_image("bitnami/kafka:3.7"), Some(KafkaImage::Bitnami));
        assert_eq!(
            kafka_image("apache/kafka:3.8.0"),
            Some(KafkaImage::Prefixed)
        );
        assert_eq!(kafka_image("provectuslabs/kafka-ui:v0.7.2"), None);
        assert_eq!(kafka_image("confluentinc/cp-kafka-connect:7.7.1"), None);
        assert_eq!(kafka_image("danielqsj/kafka-exporter"), None);
        assert!(is_rabbitmq_image("rabbitmq:3.13-management"));
        assert!(!is_rabbitmq_image("kbudde/rabbitmq-exporter"));
    }

    #[test]
    fn properties_text_and_client_code() {
        let parsed = parse_properties_text("# c\nlisteners=PLAINTEXT://:9092\nbroker.id: 1\n");
        assert_eq!(parsed.len(), 2);
        assert_eq!(parsed[0].1, "listeners");
        assert_eq!(parsed[1].2, "1");
    }
}
