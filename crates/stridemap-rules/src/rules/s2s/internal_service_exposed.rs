use super::util::{self, Files};
use crate::{Check, Context, Sink};
use stridemap_model::architecture::{ArchNode, Exposure, Role};
use stridemap_model::image::ImageRef;
use stridemap_model::{InfraType, Severity};

declare_rule! {
    /// ## What it does
    /// Flags data stores, message brokers and database or cluster admin consoles (Adminer,
    /// phpMyAdmin, pgAdmin, mongo-express, Redis Commander, Kafka UI, Kafdrop, AKHQ, Kibana,
    /// Portainer…) that an internet-facing route leads to: an Ingress, an Istio or Gateway API
    /// gateway, Kong or an NGINX proxy without authentication in front. Exposure through
    /// LoadBalancer/NodePort Services, host ports and published Compose ports is reported by
    /// the gateway and container rules, and Consul and etcd by the service-discovery rules, so
    /// they are not repeated here.
    ///
    /// ## Why is this bad?
    /// A database, broker or admin console is built to be reached by a handful of trusted
    /// services. Routing it from the edge puts its own — often default or missing —
    /// authentication directly in front of the internet and skips every control the
    /// services in between apply (input validation, per-user authorization, rate limits).
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: networking.k8s.io/v1
    /// kind: Ingress
    /// metadata:
    ///   name: tools
    /// spec:
    ///   rules:
    ///     - host: tools.example.com
    ///       http:
    ///         paths:
    ///           - path: /
    ///             pathType: Prefix
    ///             backend:
    ///               service: {name: mongo-express, port: {number: 8081}}
    /// ```
    ///
    /// ## Use instead
    /// Remove the route and reach the console through `kubectl port-forward` or a VPN; if it
    /// must be published, put an authenticating proxy in front
    /// (`nginx.ingress.kubernetes.io/auth-url`) and restrict the source ranges.
    pub struct InternalServiceExposed {
        id: "S2S-INTERNAL-SERVICE-EXPOSED",
        title: "Data store, broker or admin console routed from the internet",
        group: ServiceToService,
        stride: ElevationOfPrivilege,
        severity: High,
        cwe: [668, 284],
        infra: [Kubernetes],
        equivalents: [],
        attack_scenario: "An attacker browses to the public route, reaches the database console or broker directly, logs in with default or no credentials and reads or rewrites the data that the application services were supposed to mediate.",
        mitigation: "Do not route data stores, brokers or admin consoles from the edge; keep them on the internal network behind NetworkPolicies, and use port-forwarding or an authenticated, IP-restricted proxy for operator access.",
    }
}

/// Entry point kinds this rule judges (the others have rules of their own).
const ROUTED: &[&str] = &["Ingress", "Gateway", "kong", "nginx"];

/// Images of consoles that administer a data store, a broker or the cluster.
const CONSOLES: &[&str] = &[
    "adminer",
    "phpmyadmin",
    "pgadmin",
    "pgadmin4",
    "mongo-express",
    "redis-commander",
    "redisinsight",
    "kafka-ui",
    "kafdrop",
    "akhq",
    "cmak",
    "kafka-manager",
    "cerebro",
    "kibana",
    "portainer",
    "portainer-ce",
];

fn console(node: &ArchNode) -> Option<String> {
    node.images.iter().find_map(|i| {
        let repo = ImageRef::parse(i).repository.to_ascii_lowercase();
        let last = repo.rsplit('/').next().unwrap_or(&repo).to_string();
        CONSOLES.contains(&last.as_str()).then_some(last)
    })
}

impl Check for InternalServiceExposed {
    fn check_corpus(&self, cx: &Context, out: &mut Sink) {
        let files = Files::new(cx.corpus);
        for f in cx.arch.flows() {
            let (Some(entry), Some(target)) = (cx.arch.node(&f.from), cx.arch.node(&f.to)) else {
                continue;
            };
            if entry.role != Role::EntryPoint
                || entry.exposure != Exposure::Internet
                || entry.authenticated == Some(true)
                || !entry.kinds.iter().any(|k| ROUTED.contains(&k.as_str()))
                || target.external
            {
                continue;
            }
            // Consul and etcd consoles and APIs are the service-discovery rules' concern.
            if matches!(target.technology.as_deref(), Some("consul" | "etcd")) {
                continue;
            }
            let what = match (target.role, console(target)) {
                (Role::DataStore, _) => format!(
                    "a data store{}",
                    target
                        .technology
                        .as_deref()
                        .map(|t| format!(" ({t})"))
                        .unwrap_or_default()
                ),
                (Role::Broker, _) => format!(
                    "a message broker{}",
                    target
                        .technology
                        .as_deref()
                        .map(|t| format!(" ({t})"))
                        .unwrap_or_default()
                ),
                (_, Some(image)) => format!("an admin console ({image})"),
                _ => continue,
            };
            let Some((file, loc)) = f.loc else { continue };
            let route = if entry.routes.is_empty() {
                String::new()
            } else {
                format!(" ({})", entry.routes.join(", "))
            };
            let finding = out
                .report(
                    file,
                    loc,
                    format!(
                        "{} `{}`{route} routes internet traffic to `{}`, {what} meant to be reached only by internal services",
                        entry.kinds.first().map(String::as_str).unwrap_or("entry point"),
                        entry.name.rsplit('/').next().unwrap_or(&entry.name),
                        target.name
                    ),
                )
                .key(format!("{}->{}", f.from, f.to))
                .severity(if target.role == Role::DataStore {
                    Severity::Critical
                } else {
                    Severity::High
                })
                .component(entry.name.clone())
                .component(target.name.clone())
                .infra(InfraType::Kubernetes);
            finding.resource(util::entry_resource(entry));
            if let Some((file, loc)) = util::definition(entry).and_then(|s| files.at(s)) {
                finding.also_at(file, loc);
            }
            util::add_node(finding, &files, target);
        }
    }
}
