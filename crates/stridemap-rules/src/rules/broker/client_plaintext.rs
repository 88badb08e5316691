use super::util::{self, client_settings, ClientSetting};
use crate::rules::s2s::util::{self as s2s, Files};
use crate::{Check, Context, Sink};
use std::collections::{BTreeMap, BTreeSet};
use stridemap_model::architecture::{ArchNode, Role};
use stridemap_model::InfraType;

declare_rule! {
    /// ## What it does
    /// Flags Kafka clients configured to connect in cleartext: `security.protocol` set to
    /// `PLAINTEXT` or `SASL_PLAINTEXT` in application code (Java `props.put("security.protocol",
    /// "PLAINTEXT")` or `SECURITY_PROTOCOL_CONFIG`, Python `security_protocol="PLAINTEXT"`,
    /// librdkafka configuration maps), in client `.properties` files (`producer.properties`,
    /// Spring `spring.kafka.properties.security.protocol`), Spring YAML, ConfigMaps, and the
    /// environment of containers and Compose services (`KAFKA_SECURITY_PROTOCOL`,
    /// `SPRING_KAFKA_PROPERTIES_SECURITY_PROTOCOL`, Kafka UI's
    /// `KAFKA_CLUSTERS_0_PROPERTIES_SECURITY_PROTOCOL`…). Each client service is reported once,
    /// with the topics the architecture shows it producing or consuming. Broker configurations
    /// (MQ-KAFKA-PLAINTEXT) and test code are left out, as are clients whose every Kafka
    /// connection runs over mesh mTLS. A client that sets no protocol at all is not reported:
    /// whether that is cleartext depends on the broker, which the broker rules judge.
    ///
    /// ## Why is this bad?
    /// The client pins cleartext even if the broker also offers TLS: its messages can be read
    /// and altered by anyone who can capture or redirect traffic between it and the broker, and
    /// with `SASL_PLAINTEXT` its SASL login goes over the wire unprotected. Hard-coding the
    /// protocol in code also means the service cannot be moved to TLS by configuration alone.
    ///
    /// ## Example
    /// ```python
    /// producer = KafkaProducer(bootstrap_servers=os.environ["KAFKA_BOOTSTRAP"],
    ///                          security_protocol="PLAINTEXT")
    /// ```
    ///
    /// ## Use instead
    /// ```python
    /// producer = KafkaProducer(bootstrap_servers=os.environ["KAFKA_BOOTSTRAP"],
    ///                          security_protocol="SASL_SSL", sasl_mechanism="SCRAM-SHA-512",
    ///                          sasl_plain_username=user, sasl_plain_password=password,
    ///                          ssl_cafile="/etc/kafka/ca.crt")
    /// ```
    /// Connect with `SSL` or `SASL_SSL`, verify the broker's certificate, and take the protocol
    /// from configuration rather than code.
    pub struct ClientPlaintext {
        id: "MQ-CLIENT-PLAINTEXT",
        title: "Kafka client connects without TLS",
        group: MessageQueue,
        stride: InformationDisclosure,
        severity: High,
        cwe: [319, 523],
        infra: [Kafka, Code, Kubernetes, Compose],
        equivalents: [],
        attack_scenario: "An attacker who can sniff traffic on a node reads the events a service produces over its PLAINTEXT Kafka connection — and with SASL_PLAINTEXT captures its Kafka password to produce forged events under its identity.",
        mitigation: "Set `security.protocol` to `SSL` or `SASL_SSL` (with the broker CA configured for verification) in every client, preferably from configuration, and close the broker's cleartext listeners.",
    }
}

/// Topics a client node produces to and consumes from.
fn client_topics(cx: &Context, node: &ArchNode) -> (BTreeSet<String>, BTreeSet<String>) {
    let mut produced = BTreeSet::new();
    let mut consumed = BTreeSet::new();
    for f in cx.arch.flows_of(&node.id) {
        let Some(topic) = &f.topic else { continue };
        if f.protocol != "kafka" {
            continue;
        }
        if f.from == node.id {
            produced.insert(topic.clone());
        } else {
            consumed.insert(topic.clone());
        }
    }
    (produced, consumed)
}

/// Every Kafka flow of the client is protected by mesh mTLS.
fn mesh_protected(cx: &Context, node: &ArchNode) -> bool {
    let flows: Vec<_> = cx
        .arch
        .flows_of(&node.id)
        .filter(|f| f.protocol == "kafka")
        .filter(|f| {
            let other = if f.from == node.id { &f.to } else { &f.from };
            cx.arch.node(other).is_some_and(|n| n.role == Role::Broker)
        })
        .collect();
    node.mesh && !flows.is_empty() && flows.iter().all(|f| f.encrypted)
}

fn quote_list(items: &BTreeSet<String>) -> String {
    util::names(items.iter().map(String::as_str))
}

impl Check for ClientPlaintext {
    fn check_corpus(&self, cx: &Context, out: &mut Sink) {
        let files = Files::new(cx.corpus);
        let mut groups: BTreeMap<String, Vec<ClientSetting>> = BTreeMap::new();
        for s in client_settings(cx) {
            let key = s
                .node
                .map_or_else(|| s.place.clone(), |n| format!("node:{}", n.id));
            groups.entry(key).or_default().push(s);
        }
        for (key, mut settings) in groups {
            settings.sort_by(|a, b| {
                (cx.corpus.file(a.file).path.as_str(), a.loc)
                    .cmp(&(cx.corpus.file(b.file).path.as_str(), b.loc))
            });
            let node = settings[0].node;
            if node.is_some_and(|n| mesh_protected(cx, n)) {
                continue;
            }
            let who = match node {
                Some(n) => format!("Kafka client `{}`", n.name),
                None => format!("Kafka client configuration {}", settings[0].label),
            };
            let mut seen = BTreeSet::new();
            let places: Vec<String> = settings
                .iter()
                .filter_map(|s| {
                    let text = format!("{} in {}", s.shown, cx.corpus.file(s.file).path);
                    seen.insert(text.clone()).then_some(text)
                })
                .take(6)
                .collect();
            let (produced, consumed) = node.map(|n| client_topics(cx, n)).unwrap_or_default();
            let traffic = match (produced.is_empty(), consumed.is_empty()) {
                (true, true) => "the messages it exchanges with the broker".to_string(),
                (false, true) => format!("the messages it produces to {}", quote_list(&produced)),
                (true, false) => format!("the messages it consumes from {}", quote_list(&consumed)),
                (false, false) => format!(
                    "the messages it produces to {} and consumes from {}",
                    quote_list(&produced),
                    quote_list(&consumed)
                ),
            };
            let sasl = settings.iter().any(|s| s.sasl);
            let credentials = if sasl {
                ", together with its SASL credentials"
            } else {
                ""
            };
            let description = format!(
                "{who} selects a cleartext connection to Kafka ({}): {traffic} cross the network unencrypted{credentials}",
                places.join("; ")
            );
            let first = &settings[0];
            let f = out
                .report(first.file, first.loc, description)
                .key(format!("kafka-client:{key}"))
                .infra(InfraType::Kafka);
            for s in &settings {
                f.also_at(s.file, s.loc);
                f.resource(s.resource.clone());
            }
            if let Some(n) = node {
                f.component(n.name.clone());
                s2s::add_node(f, &files, n);
            }
            for t in produced.iter().chain(consumed.iter()) {
                f.component(format!("topic {t}"));
            }
            if sasl {
                f.title("Kafka client sends SASL credentials in cleartext");
            }
        }
    }
}
