use crate::helpers::on_service;
use crate::{Check, Context, Sink};
use stridemap_model::compose::{ComposeFile, ComposePort, ComposeService};
use stridemap_model::image::ImageRef;
use stridemap_model::{Node, Severity};

declare_rule! {
    /// ## What it does
    /// Flags Compose services that publish a port on every host interface (`"8080:80"`,
    /// `0.0.0.0`, `::`) although they are not an entry point of the system. Edge proxies and
    /// gateways (NGINX, Traefik, Envoy, HAProxy, Caddy, Kong, services named `gateway`,
    /// `proxy`, `ingress`, `frontend`) are expected to be reachable and are left alone;
    /// databases, brokers and admin consoles published this way are reported at high severity.
    ///
    /// ## Why is this bad?
    /// Docker publishes such ports on all of the host's addresses and inserts firewall rules
    /// ahead of the host's own, so a backend meant to be reached only through the gateway —
    /// or a database with a default password — becomes reachable by anyone who can reach the
    /// machine.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   postgres:
    ///     image: postgres:16.4
    ///     ports:
    ///       - "5432:5432"
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// services:
    ///   postgres:
    ///     image: postgres:16.4
    ///     ports:
    ///       - "127.0.0.1:5432:5432"
    /// ```
    /// Or publish nothing and let other services use the Compose network.
    pub struct PortOnAllInterfaces {
        id: "CTR-PORT-ALL-INTERFACES",
        title: "Internal service published on all host interfaces",
        group: ServiceToService,
        stride: ElevationOfPrivilege,
        severity: Medium,
        cwe: [284, 668],
        infra: [Compose],
        equivalents: ["kics:451d79dc-0588-476a-ad03-3c7f0320abb3"],
        attack_scenario: "An attacker on the host's network connects straight to the published backend or database port, skipping the gateway's authentication, and uses default or missing credentials to read or change data.",
        mitigation: "Bind published ports to 127.0.0.1 (`127.0.0.1:5432:5432`) or do not publish internal services at all; expose only the gateway.",
    }
}

const EDGE_IMAGES: &[&str] = &[
    "nginx",
    "traefik",
    "envoy",
    "haproxy",
    "caddy",
    "kong",
    "ambassador",
    "apache",
    "httpd",
    "openresty",
    "istio/proxyv2",
];
const EDGE_NAMES: &[&str] = &[
    "gateway",
    "proxy",
    "ingress",
    "frontend",
    "edge",
    "loadbalancer",
    "lb",
];
const SENSITIVE_IMAGES: &[&str] = &[
    "postgres",
    "mysql",
    "mariadb",
    "mongo",
    "redis",
    "memcached",
    "elasticsearch",
    "opensearch",
    "cassandra",
    "couchdb",
    "neo4j",
    "influxdb",
    "etcd",
    "consul",
    "vault",
    "kafka",
    "zookeeper",
    "rabbitmq",
    "nats",
    "activemq",
    "pulsar",
    "minio",
    "clickhouse",
    "cockroach",
    "kafka-ui",
    "akhq",
    "adminer",
    "phpmyadmin",
    "pgadmin",
    "mongo-express",
    "redis-commander",
    "kibana",
    "grafana",
    "prometheus",
    "jaeger",
    "zipkin",
];

fn image_name(service: &ComposeService) -> String {
    let image = service.get("image").and_then(Node::as_str).unwrap_or("");
    ImageRef::parse(image).repository.to_ascii_lowercase()
}

fn matches_any(haystack: &str, needles: &[&str]) -> bool {
    needles.iter().any(|n| {
        haystack
            .rsplit('/')
            .next()
            .is_some_and(|last| last == *n || last.starts_with(&format!("{n}-")))
            || haystack == *n
    })
}

fn is_entry_point(service: &ComposeService) -> bool {
    let name = service.name.to_ascii_lowercase();
    matches_any(&image_name(service), EDGE_IMAGES)
        || name
            .split(['-', '_'])
            .any(|part| EDGE_NAMES.contains(&part))
}

fn is_sensitive(service: &ComposeService) -> bool {
    let image = image_name(service);
    let name = service.name.to_ascii_lowercase();
    SENSITIVE_IMAGES.iter().any(|s| {
        image
            .rsplit('/')
            .next()
            .is_some_and(|last| last.starts_with(s))
            || name.starts_with(s)
    })
}

/// Whether a published port listens on every interface. The long syntax sometimes carries the
/// address inside `published` (`127.0.0.1:8080`).
fn on_all_interfaces(port: &ComposePort) -> bool {
    if port.published.is_none() {
        // `"80"` publishes to an ephemeral host port, still on every interface.
        return port
            .host_ip
            .as_deref()
            .is_none_or(|ip| ip == "0.0.0.0" || ip == "::");
    }
    let published = port.published.as_deref().unwrap_or("");
    let ip = port.host_ip.clone().or_else(|| {
        let looks_ip = |s: &str| s.parse::<std::net::IpAddr>().is_ok();
        if looks_ip(published) {
            Some(published.to_string())
        } else {
            published
                .rsplit_once(':')
                .map(|(ip, _)| ip.to_string())
                .filter(|ip| looks_ip(ip))
        }
    });
    match ip.as_deref() {
        None | Some("0.0.0.0") | Some("::") | Some("") => true,
        Some(_) => false,
    }
}

impl Check for PortOnAllInterfaces {
    fn check_compose_service(
        &self,
        compose: &ComposeFile,
        service: &ComposeService,
        _cx: &Context,
        out: &mut Sink,
    ) {
        if is_entry_point(service) {
            return;
        }
        let sensitive = is_sensitive(service);
        for port in service.ports().into_iter().filter(on_all_interfaces) {
            let published = port.published.clone().unwrap_or_default();
            let what = if sensitive {
                "data store, broker or admin service"
            } else {
                "internal service"
            };
            on_service(out, compose, service, port.loc, format!("Compose service `{}` ({what}) publishes port {published} on all host interfaces", service.name))
                .key_part(&published)
                .severity(if sensitive { Severity::High } else { Severity::Medium });
        }
    }
}
