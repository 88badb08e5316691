use super::util::{self, details, group, group_name, rabbit_configs, Place, RabbitConfig};
use crate::rules::s2s::util::Files;
use crate::{Check, Context, Sink};
use stridemap_model::{InfraType, Severity};

declare_rule! {
    /// ## What it does
    /// Flags RabbitMQ servers that offer no TLS listener, so every client speaks cleartext
    /// AMQP on 5672: official and Bitnami containers (manifests and Compose) with no
    /// `RABBITMQ_SSL_*` certificate settings and no `listeners.ssl.*` / `ssl_options.*` in a
    /// mounted `rabbitmq.conf`, and operator-managed `RabbitmqCluster` resources without
    /// `spec.tls.secretName`. Servers whose configuration is mounted from outside the scan are
    /// not judged, and neither are brokers whose every connection the architecture shows
    /// protected by mesh mTLS.
    ///
    /// ## Why is this bad?
    /// AMQP carries the messages themselves — orders, shipping addresses, payment events — and
    /// the client's username and password in its PLAIN login. On a shared cluster or host
    /// network, whoever captures the traffic reads both, and can alter messages in transit.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   rabbitmq:
    ///     image: rabbitmq:3.13
    ///     environment:
    ///       RABBITMQ_DEFAULT_USER: orders
    ///       RABBITMQ_DEFAULT_PASS_FILE: /run/secrets/rabbitmq_pass
    /// ```
    ///
    /// ## Use instead
    /// ```ini
    /// # rabbitmq.conf
    /// listeners.tcp = none
    /// listeners.ssl.default = 5671
    /// ssl_options.cacertfile = /etc/rabbitmq/tls/ca.crt
    /// ssl_options.certfile   = /etc/rabbitmq/tls/tls.crt
    /// ssl_options.keyfile    = /etc/rabbitmq/tls/tls.key
    /// ```
    /// Serve AMQP over TLS on 5671 (and close 5672), and have clients connect with `amqps://`.
    pub struct RabbitmqNoTls {
        id: "MQ-RABBITMQ-NO-TLS",
        title: "RabbitMQ without TLS",
        group: MessageQueue,
        stride: InformationDisclosure,
        severity: Medium,
        cwe: [319],
        infra: [Rabbitmq, Kubernetes, Compose],
        equivalents: [],
        attack_scenario: "An attacker with a foothold on the cluster network captures AMQP traffic to the broker, reads the messages and the services' login credentials, then connects as those services.",
        mitigation: "Configure a TLS listener (`listeners.ssl.default = 5671` with `ssl_options.*`, or `spec.tls.secretName` for the operator), disable the plain TCP listener and use `amqps://` in clients.",
    }
}

const TLS_ENV: &[&str] = &[
    "RABBITMQ_SSL_CERTFILE",
    "RABBITMQ_SSL_KEYFILE",
    "RABBITMQ_SSL_CACERTFILE",
];

fn has_tls(r: &RabbitConfig) -> bool {
    if let Some(o) = r.operator {
        return o.root.path(&["spec", "tls", "secretName"]).is_some();
    }
    TLS_ENV.iter().any(|k| r.env.contains_key(*k))
        || r.env_value("RABBITMQ_ENABLE_SSL")
            .is_some_and(|v| v == "yes" || v == "true")
        || r.conf
            .keys()
            .any(|k| k.starts_with("listeners.ssl") || k.starts_with("ssl_options."))
}

impl Check for RabbitmqNoTls {
    fn check_corpus(&self, cx: &Context, out: &mut Sink) {
        let files = Files::new(cx.corpus);
        let mut places = Vec::new();
        for r in rabbit_configs(cx) {
            if r.opaque || has_tls(&r) {
                continue;
            }
            let detail = if r.operator.is_some() {
                "no `spec.tls.secretName`".to_string()
            } else {
                "no TLS listener, neither `listeners.ssl` nor `RABBITMQ_SSL_*` certificates"
                    .to_string()
            };
            places.push(Place {
                unit: r.unit.clone(),
                at: r.anchor,
                detail,
                via: String::new(),
                also: Vec::new(),
                severity: Severity::Medium,
            });
        }
        for g in group(places) {
            let node = g[0].unit.node;
            if node.is_some_and(|n| util::mesh_encrypted(cx, n)) {
                continue;
            }
            let name = group_name(&g);
            let clients: Vec<String> = node
                .map(|n| {
                    let mut v: Vec<String> = util::broker_flows(cx, n)
                        .into_iter()
                        .filter_map(|f| {
                            let other = if f.from == n.id { &f.to } else { &f.from };
                            cx.arch.node(other)
                        })
                        .map(|o| o.name.clone())
                        .collect();
                    v.sort();
                    v.dedup();
                    v
                })
                .unwrap_or_default();
            let whose = if clients.is_empty() {
                "its clients".to_string()
            } else {
                util::names(clients.iter().map(String::as_str))
            };
            let description = format!(
                "RabbitMQ `{name}` accepts only cleartext AMQP — {}: the messages and login credentials of {whose} cross the network unencrypted",
                details(&g)
            );
            let exposed = node.map(|n| util::entry_points(cx, n)).unwrap_or_default();
            let f = util::report(
                out,
                &files,
                &g,
                "rabbitmq-no-tls",
                description,
                InfraType::Rabbitmq,
            );
            f.component(format!("RabbitMQ {name}"));
            for c in &clients {
                f.component(c.clone());
            }
            if !exposed.is_empty() {
                f.severity(Severity::High);
            }
        }
    }
}
