use super::util::{
    controller_setting, default_istio_gateway_labels, entry_targets, gateway_label_sets,
    ingress_backends, ingress_class, istio_gateway_entries, istio_policy_applies, kong_annotation,
    kong_gaps, kong_global_plugin, name_loc, nginx_faces_internet, nginx_find, nginx_server_label,
    nginx_servers, traefik_annotation, virtual_services_of, Refs, Resolved, KONG_RATE_PLUGINS,
    NGINX_PASS,
};
use crate::helpers::on_object;
use crate::{Check, Context, Sink};
use std::collections::BTreeMap;
use stridemap_model::architecture::ArchNode;
use stridemap_model::k8s::K8sObject;
use stridemap_model::{InfraType, Node};

declare_rule! {
    /// ## What it does
    /// Flags entry points with no request rate limiting:
    ///
    /// - an Ingress without ingress-nginx `limit-rps`/`limit-rpm`/`limit-connections`/
    ///   `global-rate-limit`, NGINX Inc. `limit-req-rate`, HAProxy `rate-limit-requests`, a
    ///   Traefik `rateLimit` middleware, a Kong rate-limiting plugin or an AWS WAF ACL, when
    ///   no controller-wide `http-snippet` applies `limit_req`;
    /// - an Istio ingress gateway that no EnvoyFilter gives a local or global rate limit;
    /// - a Gateway API Gateway without an Envoy Gateway BackendTrafficPolicy `rateLimit`, a
    ///   rate-limit EnvoyFilter or Kong plugin;
    /// - Kong declarative routes with no `rate-limiting` plugin globally, on their service or on
    ///   the route;
    /// - an NGINX `server` that proxies requests (`proxy_pass`, `grpc_pass`, `fastcgi_pass`…)
    ///   without `limit_req` or `limit_conn` in the server or around it, when the configuration
    ///   faces the internet.
    ///
    /// ## Why is this bad?
    /// The edge is the one place that sees all traffic. Without a limit there, one client can
    /// exhaust the backends' threads, connection pools and database, brute-force logins and
    /// tokens, or scrape the API — and per-service limits behind it can be bypassed by
    /// spreading requests over services.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: networking.k8s.io/v1
    /// kind: Ingress
    /// metadata:
    ///   name: login
    /// spec:
    ///   rules:
    ///     - host: login.example.com
    ///       http:
    ///         paths:
    ///           - path: /
    ///             pathType: Prefix
    ///             backend:
    ///               service:
    ///                 name: login
    ///                 port:
    ///                   number: 8080
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// apiVersion: networking.k8s.io/v1
    /// kind: Ingress
    /// metadata:
    ///   name: login
    ///   annotations:
    ///     nginx.ingress.kubernetes.io/limit-rps: "5"
    ///     nginx.ingress.kubernetes.io/limit-connections: "10"
    /// spec:
    ///   rules:
    ///     - host: login.example.com
    ///       http:
    ///         paths:
    ///           - path: /
    ///             pathType: Prefix
    ///             backend:
    ///               service:
    ///                 name: login
    ///                 port:
    ///                   number: 8080
    /// ```
    /// Limit requests per client at the edge (annotations, a rate-limit plugin or filter,
    /// `limit_req` in NGINX) and size the limits for the most expensive routes.
    pub struct NoRateLimit {
        id: "GW-NO-RATE-LIMIT",
        title: "Entry point without rate limiting",
        group: ApiGateway,
        stride: DenialOfService,
        severity: Medium,
        cwe: [770],
        infra: [Kubernetes, Istio, Docker],
        equivalents: [],
        attack_scenario: "An attacker scripts thousands of requests per second against the login route through the ingress, exhausting the authentication service's database connections and guessing passwords for the whole user base.",
        mitigation: "Configure per-client rate and connection limits at the entry point: ingress annotations, a rate-limiting plugin or middleware, an Envoy rate-limit filter, or `limit_req` in NGINX.",
    }
}

/// Annotations that limit request rates at the ingress.
const RATE_ANNOTATIONS: &[&str] = &[
    "nginx.ingress.kubernetes.io/limit-rps",
    "nginx.ingress.kubernetes.io/limit-rpm",
    "nginx.ingress.kubernetes.io/limit-connections",
    "nginx.ingress.kubernetes.io/global-rate-limit",
    "nginx.org/limit-req-rate",
    "haproxy.org/rate-limit-requests",
    "haproxy.org/rate-limit-connections",
    "alb.ingress.kubernetes.io/wafv2-acl-arn",
    "alb.ingress.kubernetes.io/waf-acl-id",
    "ingress.kubernetes.io/rate-limit",
];

/// An EnvoyFilter that adds a local or global rate limit to pods with one of `label_sets`.
fn envoy_filter_limits(
    cx: &Context,
    label_sets: &[BTreeMap<String, String>],
    namespace: &Option<String>,
    gateway: Option<&str>,
) -> Option<String> {
    cx.corpus
        .objects_of(&["EnvoyFilter"])
        .filter(|f| {
            istio_policy_applies(
                f,
                &["workloadSelector", "labels"],
                label_sets,
                namespace,
                gateway,
            )
        })
        .find(|f| {
            let mut found = false;
            f.root.walk(&mut |_, _, n| {
                if n.as_str()
                    .is_some_and(|s| s.to_ascii_lowercase().contains("ratelimit"))
                {
                    found = true;
                }
            });
            found
        })
        .map(|f| format!("EnvoyFilter {}", f.name))
}

/// An Envoy Gateway BackendTrafficPolicy with `rateLimit` that targets `kind/name`.
fn traffic_policy_limits(cx: &Context, kind: &str, name: &str) -> bool {
    cx.corpus.objects_of(&["BackendTrafficPolicy"]).any(|p| {
        let spec = p.root.get("spec");
        let refs: Vec<&Node> = spec
            .and_then(|s| s.get("targetRefs"))
            .map(|r| r.as_seq().iter().collect())
            .or_else(|| spec.and_then(|s| s.get("targetRef")).map(|r| vec![r]))
            .unwrap_or_default();
        spec.and_then(|s| s.get("rateLimit")).is_some()
            && refs.iter().any(|r| {
                r.get("kind").and_then(Node::as_str) == Some(kind)
                    && r.get("name").and_then(Node::as_str) == Some(name)
            })
    })
}

fn names(targets: &[&ArchNode]) -> String {
    let v: Vec<String> = targets.iter().map(|t| format!("`{}`", t.name)).collect();
    v.join(", ")
}

impl NoRateLimit {
    fn ingresses(&self, cx: &Context, refs: &Refs, out: &mut Sink) {
        let global = controller_setting(cx, "http-snippet")
            .filter(|(_, v)| v.as_str().is_some_and(|s| s.contains("limit_req ")))
            .is_some();
        for o in cx.corpus.objects_of(&["Ingress"]) {
            let backends = ingress_backends(o);
            if backends.is_empty() {
                continue;
            }
            if RATE_ANNOTATIONS.iter().any(|a| o.annotation(a).is_some()) {
                continue;
            }
            let class = ingress_class(o).unwrap_or_default();
            if global && (class.is_empty() || class.contains("nginx")) {
                continue;
            }
            if matches!(
                traefik_annotation(&refs.middlewares, o, &["rateLimit", "inFlightReq"]),
                Some(Resolved::Yes(_)) | Some(Resolved::Unknown(_))
            ) || matches!(
                kong_annotation(&refs.kong_plugins, o, KONG_RATE_PLUGINS),
                Some(Resolved::Yes(_)) | Some(Resolved::Unknown(_))
            ) {
                continue;
            }
            if class.contains("kong") && kong_global_plugin(cx.corpus, KONG_RATE_PLUGINS).is_some()
            {
                continue;
            }
            if class.contains("istio") {
                let (sets, ns) = gateway_label_sets(cx.arch, &default_istio_gateway_labels());
                if envoy_filter_limits(cx, &sets, &ns, None).is_some() {
                    continue;
                }
            }
            let loc = o
                .metadata()
                .and_then(|m| m.key_node("annotations"))
                .map_or(name_loc(o), |k| k.loc);
            let services: Vec<String> = backends.iter().map(|(n, _, _)| format!("`{n}`")).collect();
            on_object(
                out,
                o,
                loc,
                format!(
                    "{} forwards to {} with no rate or connection limit at the ingress",
                    o.resource_id(),
                    services.join(", ")
                ),
            );
        }
    }

    fn istio_gateways(&self, cx: &Context, out: &mut Sink) {
        for entry in istio_gateway_entries(cx) {
            let gw = entry.name;
            if envoy_filter_limits(cx, &entry.label_sets, &entry.pods_namespace, Some(gw)).is_some()
            {
                continue;
            }
            let anchor: Option<&K8sObject> = entry
                .gateway
                .or_else(|| virtual_services_of(cx.corpus, gw).next());
            let Some(anchor) = anchor else { continue };
            on_object(
                out,
                anchor,
                name_loc(anchor),
                format!(
                    "Istio gateway `{gw}` forwards requests to {} and no EnvoyFilter applies a rate limit on the gateway",
                    names(&entry.targets)
                ),
            )
            .infra(InfraType::Istio);
        }
    }

    fn gateway_api(&self, cx: &Context, refs: &Refs, out: &mut Sink) {
        for entry in cx.arch.nodes().filter(|n| n.name.starts_with("gateway/")) {
            let gw = entry.name.trim_start_matches("gateway/");
            let targets = entry_targets(cx.arch, &entry.name, &entry.namespace);
            if targets.is_empty() || traffic_policy_limits(cx, "Gateway", gw) {
                continue;
            }
            let labels = vec![BTreeMap::from([(
                "gateway.networking.k8s.io/gateway-name".to_string(),
                gw.to_string(),
            )])];
            if envoy_filter_limits(cx, &labels, &entry.namespace, Some(gw)).is_some() {
                continue;
            }
            let routes: Vec<&K8sObject> = cx
                .corpus
                .objects_of(&["HTTPRoute", "GRPCRoute"])
                .filter(|r| {
                    r.root
                        .path(&["spec", "parentRefs"])
                        .map(Node::as_seq)
                        .unwrap_or(&[])
                        .iter()
                        .any(|p| p.get("name").and_then(Node::as_str) == Some(gw))
                })
                .collect();
            let open: Vec<&K8sObject> = routes
                .iter()
                .copied()
                .filter(|r| {
                    !traffic_policy_limits(cx, &r.kind, &r.name)
                        && !matches!(
                            kong_annotation(&refs.kong_plugins, r, KONG_RATE_PLUGINS),
                            Some(Resolved::Yes(_)) | Some(Resolved::Unknown(_))
                        )
                })
                .collect();
            if !routes.is_empty() && open.is_empty() {
                continue;
            }
            let gateway = cx
                .corpus
                .objects_of(&["Gateway"])
                .find(|g| g.api_version.starts_with("gateway.networking.k8s.io") && g.name == gw);
            let Some(anchor) = gateway.or_else(|| open.first().copied()) else {
                continue;
            };
            let f = on_object(
                out,
                anchor,
                name_loc(anchor),
                format!(
                    "Gateway `{gw}` forwards requests to {} and no traffic policy, filter or plugin limits their rate",
                    names(&targets)
                ),
            );
            for r in &open {
                f.resource(r.resource_id()).also_at(r.file, name_loc(r));
            }
        }
    }

    fn kong(&self, cx: &Context, out: &mut Sink) {
        for doc in cx
            .corpus
            .other_yaml
            .iter()
            .filter(|d| d.root.get("_format_version").is_some())
        {
            for gap in kong_gaps(&doc.root, KONG_RATE_PLUGINS) {
                let sname = &gap.service;
                let loc = gap.node.map_or(gap.routes[0].1.loc, |s| s.loc);
                let routes: Vec<String> =
                    gap.routes.iter().map(|(n, _)| format!("`{n}`")).collect();
                let f = out
                    .report(
                        doc.file,
                        loc,
                        format!(
                            "Kong service `{sname}` is published through route(s) {} with no rate-limiting plugin globally, on the service or on the route",
                            routes.join(", ")
                        ),
                    )
                    .resource(format!("KongService/{sname}"))
                    .component(format!("Kong service {sname}"))
                    .key(format!("kong:{}:{sname}", doc.index))
                    .infra(InfraType::Docker);
                for (_, n) in &gap.routes {
                    f.also_at(doc.file, n.loc);
                }
            }
        }
    }

    fn nginx(&self, cx: &Context, out: &mut Sink) {
        // `limit_req` at `http` level in any configuration applies to every server included
        // into it.
        let http_wide = cx.corpus.nginx.iter().any(|c| {
            c.directives.iter().any(|d| {
                d.name == "http"
                    && d.block
                        .iter()
                        .any(|x| x.name == "limit_req" || x.name == "limit_conn")
            })
        });
        if http_wide {
            return;
        }
        for config in &cx.corpus.nginx {
            if !nginx_faces_internet(cx, config) {
                continue;
            }
            for (i, (server, ancestors)) in nginx_servers(config).into_iter().enumerate() {
                let passes = nginx_find(&server.block, NGINX_PASS);
                let Some(first) = passes.first() else {
                    continue;
                };
                let limited = !nginx_find(&server.block, &["limit_req", "limit_conn"]).is_empty()
                    || ancestors.iter().any(|a| {
                        a.block
                            .iter()
                            .any(|x| x.name == "limit_req" || x.name == "limit_conn")
                    });
                if limited {
                    continue;
                }
                let label = nginx_server_label(server);
                let path = &cx.corpus.file(config.file).path;
                let resource = config
                    .embedded_in
                    .clone()
                    .unwrap_or_else(|| format!("nginx/{path}"));
                out.report(
                    config.file,
                    server.loc,
                    format!(
                        "NGINX server `{label}` proxies requests ({} {}) without `limit_req` or `limit_conn`",
                        first.name,
                        first.args.first().map(String::as_str).unwrap_or("")
                    ),
                )
                .resource(resource.clone())
                .component(format!("NGINX server {label}"))
                .key(format!("nginx:{resource}:{i}:{label}"))
                .infra(if config.embedded_in.is_some() {
                    InfraType::Kubernetes
                } else {
                    InfraType::Docker
                })
                .also_at(config.file, first.loc);
            }
        }
    }
}

impl Check for NoRateLimit {
    fn check_corpus(&self, cx: &Context, out: &mut Sink) {
        let refs = Refs::new(cx.corpus);
        self.ingresses(cx, &refs, out);
        self.istio_gateways(cx, out);
        self.gateway_api(cx, &refs, out);
        self.kong(cx, out);
        self.nginx(cx, out);
    }
}
