use super::util::{self, describe_topics, details, group, group_name, kafka_configs, Place};
use crate::rules::s2s::util::Files;
use crate::{Check, Context, Sink};
use stridemap_model::{InfraType, Severity};

declare_rule! {
    /// ## What it does
    /// Flags Kafka brokers that carry client or replication traffic without TLS: listeners
    /// (or, when no `listeners` is set, advertised listeners) whose security protocol is
    /// `PLAINTEXT` or `SASL_PLAINTEXT`, and a `security.inter.broker.protocol` of either. The
    /// same sources as MQ-KAFKA-NO-AUTH are read (properties files, ConfigMaps, container and
    /// Compose environment, Strimzi listeners with `tls: false`), and all configurations of one
    /// broker make one finding. Loopback-only listeners and KRaft controller listeners are left
    /// out, and so are brokers whose every connection the architecture shows protected by mesh
    /// mTLS.
    ///
    /// ## Why is this bad?
    /// Everything a producer writes — orders, payment events, personal data, tokens carried in
    /// message headers — crosses the network readable by anyone who can capture traffic on a
    /// node or spoof an address inside the cluster, and can be altered in transit. With
    /// `SASL_PLAINTEXT` the client's SASL exchange (a PLAIN password, or a SCRAM exchange that
    /// can be attacked offline) travels in the clear as well.
    ///
    /// ## Example
    /// ```properties
    /// listeners=PLAINTEXT://0.0.0.0:9092
    /// advertised.listeners=PLAINTEXT://kafka-0.kafka:9092
    /// security.inter.broker.protocol=PLAINTEXT
    /// ```
    ///
    /// ## Use instead
    /// ```properties
    /// listeners=SASL_SSL://0.0.0.0:9093
    /// advertised.listeners=SASL_SSL://kafka-0.kafka:9093
    /// security.inter.broker.protocol=SASL_SSL
    /// ssl.keystore.location=/etc/kafka/tls/broker.p12
    /// ssl.keystore.type=PKCS12
    /// ```
    /// Serve clients and other brokers only over `SSL` or `SASL_SSL`, with certificates the
    /// clients verify.
    pub struct KafkaPlaintext {
        id: "MQ-KAFKA-PLAINTEXT",
        title: "Kafka traffic not encrypted",
        group: MessageQueue,
        stride: InformationDisclosure,
        severity: High,
        cwe: [319, 523],
        infra: [Kafka, Kubernetes, Compose],
        equivalents: [],
        attack_scenario: "An attacker who controls one pod on the node network captures the cleartext Kafka traffic, reads order and payment events as they are produced, and with SASL_PLAINTEXT also collects the service credentials to log in as the producer.",
        mitigation: "Use SSL or SASL_SSL for every listener and for inter-broker traffic, distribute the broker CA to clients and keep certificate verification on.",
    }
}

impl Check for KafkaPlaintext {
    fn check_corpus(&self, cx: &Context, out: &mut Sink) {
        let files = Files::new(cx.corpus);
        let mut places = Vec::new();
        for cfg in kafka_configs(cx) {
            for l in cfg.listeners() {
                if l.encrypted || l.local {
                    continue;
                }
                let what = if l.sasl_plaintext {
                    " with SASL over cleartext"
                } else {
                    ""
                };
                places.push(Place {
                    unit: cfg.unit.clone(),
                    at: l.setting.at(),
                    detail: format!("{}{what}", l.display),
                    via: l.note.clone(),
                    also: Vec::new(),
                    severity: Severity::High,
                });
            }
            if let Some(s) = cfg.get("security.inter.broker.protocol") {
                let v = s.value.trim().to_ascii_uppercase();
                if v == "PLAINTEXT" || v == "SASL_PLAINTEXT" {
                    places.push(Place {
                        unit: cfg.unit.clone(),
                        at: s.at(),
                        detail: format!(
                            "`security.inter.broker.protocol={v}` for replication between brokers"
                        ),
                        via: if s.written == "security.inter.broker.protocol" {
                            String::new()
                        } else {
                            format!("`{}`", s.written)
                        },
                        also: Vec::new(),
                        severity: Severity::High,
                    });
                }
            }
        }
        for g in group(places) {
            if g[0].unit.node.is_some_and(|n| util::mesh_encrypted(cx, n)) {
                continue;
            }
            let name = group_name(&g);
            let sasl = g.iter().any(|p| p.detail.contains("SASL"));
            let topics = g[0]
                .unit
                .node
                .map(|n| util::topics(cx, n))
                .unwrap_or_default();
            let carried = if topics.is_empty() {
                "every message produced or consumed".to_string()
            } else {
                format!("the messages of {}", describe_topics(&topics))
            };
            let credentials = if sasl {
                ", and SASL credentials cross the network in the clear"
            } else {
                ""
            };
            let description = format!(
                "Kafka broker `{name}` serves connections without TLS on {}: {carried} can be read and altered on the network{credentials}",
                details(&g)
            );
            let f = util::report(
                out,
                &files,
                &g,
                "kafka-plaintext",
                description,
                InfraType::Kafka,
            );
            f.component(format!("Kafka cluster {name}"));
            for t in &topics {
                f.component(format!("topic {}", t.topic));
            }
            if sasl && g.iter().all(|p| p.detail.contains("SASL")) {
                f.title("Kafka SASL credentials sent in cleartext");
            }
        }
    }
}
