use super::util::{self, describe_topics, details, group, group_name, kafka_configs, Place};
use crate::rules::s2s::util::Files;
use crate::{Check, Context, Sink};
use stridemap_model::{InfraType, Severity};

declare_rule! {
    /// ## What it does
    /// Flags Kafka brokers with a listener that lets clients in without proving who they are:
    /// a `PLAINTEXT` listener, or an `SSL` listener that does not require client certificates
    /// (`ssl.client.auth=required`). Broker settings are read wherever they are written:
    /// `server.properties`-style files, `.properties` text in ConfigMaps, the environment of
    /// Confluent, Apache and Bitnami Kafka containers in manifests and Compose files
    /// (`KAFKA_LISTENERS`, `KAFKA_ADVERTISED_LISTENERS`, `KAFKA_LISTENER_SECURITY_PROTOCOL_MAP`,
    /// `KAFKA_CFG_*`, `ALLOW_PLAINTEXT_LISTENER=yes`) and Strimzi `Kafka` resources (listeners
    /// without `authentication`). A `server.properties` with no `listeners` gets Kafka's default
    /// `PLAINTEXT://:9092`. Listeners bound to the loopback interface and KRaft controller
    /// listeners are not reported.
    ///
    /// All configurations of one broker (a properties file it mounts, its StatefulSet, its
    /// Compose service) make one finding. The finding also names the topics the architecture
    /// sees on the broker with their producers and consumers, and points at them: these are the
    /// paths along which a forged message reaches a consumer.
    ///
    /// ## Why is this bad?
    /// Kafka trusts whatever a connected client asks for. Without authentication every pod,
    /// container or host that can open a TCP connection to the broker is the anonymous user and
    /// can read every topic, publish messages that consumers process as if a legitimate
    /// producer had sent them, reset consumer offsets to replay history, or delete topics.
    ///
    /// ## Example
    /// ```properties
    /// # kafka/server.properties
    /// listeners=PLAINTEXT://0.0.0.0:9092
    /// ```
    ///
    /// ## Use instead
    /// ```properties
    /// listeners=SASL_SSL://0.0.0.0:9093
    /// security.inter.broker.protocol=SASL_SSL
    /// sasl.enabled.mechanisms=SCRAM-SHA-512
    /// sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512
    /// authorizer.class.name=kafka.security.authorizer.AclAuthorizer
    /// ```
    /// Require SASL (SCRAM, OAUTHBEARER, Kerberos) or mutual TLS on every listener clients can
    /// reach, give each service its own principal and grant it only its topics with ACLs.
    pub struct KafkaNoAuth {
        id: "MQ-KAFKA-NO-AUTH",
        title: "Kafka Cluster Without Authentication",
        group: MessageQueue,
        stride: Tampering,
        severity: Critical,
        cwe: [306, 287],
        infra: [Kafka, Kubernetes, Compose],
        equivalents: [],
        attack_scenario: "An attacker with a foothold anywhere on the network connects to the broker without credentials, publishes a forged event to a topic such as `payment-events`, and the consuming service acts on it as if the real producer had sent it; the same connection reads every other topic.",
        mitigation: "Switch every reachable listener to SASL_SSL (SCRAM-SHA-512 or OAUTHBEARER) or mutual TLS, enable an authorizer and grant each service principal only the topics it needs.",
    }
}

impl Check for KafkaNoAuth {
    fn check_corpus(&self, cx: &Context, out: &mut Sink) {
        let files = Files::new(cx.corpus);
        let mut places = Vec::new();
        for cfg in kafka_configs(cx) {
            for l in cfg.listeners() {
                if l.authenticated || l.local {
                    continue;
                }
                let why = if l.tls_without_client_auth {
                    "TLS without required client certificates"
                } else {
                    "neither SASL nor client certificates"
                };
                places.push(Place {
                    unit: cfg.unit.clone(),
                    at: l.setting.at(),
                    detail: format!("{} with {why}", l.display),
                    via: l.note.clone(),
                    also: Vec::new(),
                    severity: Severity::Critical,
                });
            }
        }
        for g in group(places) {
            let name = group_name(&g);
            let topics = g[0]
                .unit
                .node
                .map(|n| util::topics(cx, n))
                .unwrap_or_default();
            let consequence = if topics.iter().any(|t| !t.consumers.is_empty()) {
                format!(
                    "anyone who reaches it can read every topic and inject messages that consumers process as genuine — {}",
                    describe_topics(&topics)
                )
            } else if topics.is_empty() {
                "anyone who reaches it can read and write every topic".to_string()
            } else {
                format!(
                    "anyone who reaches it can read and write every topic — {}",
                    describe_topics(&topics)
                )
            };
            let description = format!(
                "Kafka broker `{name}` accepts clients that present no credentials on {}; {consequence}",
                details(&g)
            );
            let f = util::report(
                out,
                &files,
                &g,
                "kafka-no-auth",
                description,
                InfraType::Kafka,
            );
            f.component(format!("Kafka cluster {name}"));
            if topics.is_empty() {
                f.component("all topics").component("all consumers");
            }
            for t in &topics {
                f.component(format!("topic {}", t.topic));
                for c in &t.consumers {
                    f.component(c.clone());
                }
                for &(file, loc) in &t.evidence {
                    f.also_at(file, loc);
                }
            }
        }
    }
}
