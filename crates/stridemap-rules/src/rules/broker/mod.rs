//! Message queues and event buses: Kafka brokers that accept anonymous or cleartext clients or
//! grant everything without ACLs, ZooKeeper left open under Kafka, RabbitMQ with its default
//! account or without TLS, broker consoles reachable from outside without a login, and Kafka
//! clients that choose cleartext.
//!
//! Producers that can publish to an unauthenticated broker (the message-injection path) are not
//! a rule of their own: MQ-KAFKA-NO-AUTH reports the broker once and lists each topic with its
//! producers and consumers as evidence. Dead-letter queues readable by everyone are not judged:
//! RabbitMQ permissions and Kafka ACLs name users, not "everyone", and which user stands for
//! which service is not in the configuration, so a rule could only guess.

pub mod util;

pub mod admin_ui_exposed;
pub mod client_plaintext;
pub mod kafka_no_auth;
pub mod kafka_open_acls;
pub mod kafka_plaintext;
pub mod rabbitmq_default_user;
pub mod rabbitmq_no_tls;
pub mod zookeeper_no_auth;

pub static RULES: &[&dyn crate::Rule] = &[
    &kafka_no_auth::KafkaNoAuth,
    &kafka_plaintext::KafkaPlaintext,
    &kafka_open_acls::KafkaOpenAcls,
    &zookeeper_no_auth::ZookeeperNoAuth,
    &rabbitmq_default_user::RabbitmqDefaultUser,
    &rabbitmq_no_tls::RabbitmqNoTls,
    &admin_ui_exposed::AdminUiExposed,
    &client_plaintext::ClientPlaintext,
];
