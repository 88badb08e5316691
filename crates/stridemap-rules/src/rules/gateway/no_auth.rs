use super::util::{
    code_authenticates, entry_targets, ingress_auth, ingress_backends, istio_auth,
    istio_gateway_entries, kong_annotation, kong_gaps, name_loc, node_tier, text_tier,
    virtual_services_of, Refs, Resolved, Tier, KONG_AUTH_PLUGINS,
};
use crate::helpers::on_object;
use crate::{Check, Context, Sink};
use stridemap_model::architecture::ArchNode;
use stridemap_model::k8s::K8sObject;
use stridemap_model::{InfraType, Node, Severity};

declare_rule! {
    /// ## What it does
    /// Flags entry points that forward requests to services in the scan without
    /// authenticating them first:
    ///
    /// - an Ingress with no authentication annotation (ingress-nginx `auth-url`/`auth-type`/
    ///   client certificates, NGINX Inc. JWT or basic auth, ALB Cognito/OIDC, HAProxy), no
    ///   Traefik middleware with `forwardAuth`/`basicAuth`, no Kong auth plugin, no
    ///   controller-wide `global-auth-url` and no Identity-Aware Proxy;
    /// - an Istio ingress gateway that no `CUSTOM` AuthorizationPolicy, and no
    ///   RequestAuthentication paired with an AuthorizationPolicy demanding a principal,
    ///   protects;
    /// - a Gateway API Gateway whose routes have no Envoy Gateway SecurityPolicy, Istio policy
    ///   or Kong plugin;
    /// - Kong declarative routes with no `key-auth`, `jwt`, `oauth2`, `basic-auth`,
    ///   `openid-connect`, `hmac-auth`, `ldap-auth`, `mtls-auth` or `acl` plugin globally, on
    ///   their service or on the route.
    ///
    /// The architecture says which services each entry point reaches. Entry points whose
    /// backends are not in the scan, or whose backends are user-facing front ends, edge proxies
    /// or services whose code authenticates every route, are left alone; references to
    /// middlewares or plugins the scan does not contain are given the benefit of the doubt.
    ///
    /// ## Why is this bad?
    /// Without a check at the edge, every backend must authenticate every request on its own,
    /// and the first one that forgets — an admin path, a debug endpoint, a new route — is open
    /// to the internet. Central authentication at the gateway is the control the
    /// specification expects in front of internal routes.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: networking.k8s.io/v1
    /// kind: Ingress
    /// metadata:
    ///   name: orders
    /// spec:
    ///   rules:
    ///     - host: api.example.com
    ///       http:
    ///         paths:
    ///           - path: /orders
    ///             pathType: Prefix
    ///             backend:
    ///               service:
    ///                 name: orders
    ///                 port:
    ///                   number: 8080
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// apiVersion: networking.k8s.io/v1
    /// kind: Ingress
    /// metadata:
    ///   name: orders
    ///   annotations:
    ///     nginx.ingress.kubernetes.io/auth-url: http://oauth2-proxy.auth.svc.cluster.local/oauth2/auth
    ///     nginx.ingress.kubernetes.io/auth-signin: https://login.example.com/oauth2/start
    /// spec:
    ///   rules:
    ///     - host: api.example.com
    ///       http:
    ///         paths:
    ///           - path: /orders
    ///             pathType: Prefix
    ///             backend:
    ///               service:
    ///                 name: orders
    ///                 port:
    ///                   number: 8080
    /// ```
    /// Put an authentication step (external auth, JWT validation, an auth plugin) in front of
    /// every route that reaches an internal service.
    pub struct NoAuth {
        id: "GW-NO-AUTH",
        title: "Entry point forwards requests without authentication",
        group: ApiGateway,
        stride: Spoofing,
        severity: High,
        cwe: [306],
        infra: [Kubernetes, Istio, Docker],
        equivalents: ["kics:69bbc5e3-0818-4150-89cc-1e989b48f23b"],
        attack_scenario: "An attacker calls the published route anonymously and reaches the internal orders API, which trusts that anything arriving through the ingress was already vetted, and reads or changes other customers' orders.",
        mitigation: "Configure authentication at the entry point: an external-auth annotation or middleware, a JWT or OIDC plugin, or an Istio RequestAuthentication with an AuthorizationPolicy that requires a request principal.",
    }
}

/// Whether the services behind an entry point look after themselves: front ends and edge
/// proxies are public by design, and services whose code authenticates every route do not
/// rely on the edge.
fn backends_need_edge_auth(cx: &Context, targets: &[&ArchNode]) -> Option<Tier> {
    let mut worst: Option<Tier> = None;
    for t in targets {
        if code_authenticates(cx, t) {
            continue;
        }
        let tier = node_tier(cx.arch, t);
        if matches!(tier, Tier::FrontEnd | Tier::Edge(_)) {
            continue;
        }
        if let Ok(_why) = istio_auth(
            cx.corpus,
            std::slice::from_ref(&t.labels),
            &t.namespace,
            None,
        ) {
            if t.mesh {
                continue;
            }
        }
        worst = Some(match worst {
            Some(w) => w.worst(tier),
            None => tier,
        });
    }
    worst
}

fn severity(tier: &Tier) -> Severity {
    match tier {
        Tier::Internal { critical: true, .. } => Severity::High,
        _ => Severity::Medium,
    }
}

fn names(targets: &[&ArchNode]) -> String {
    let v: Vec<String> = targets.iter().map(|t| format!("`{}`", t.name)).collect();
    v.join(", ")
}

impl NoAuth {
    fn ingresses(&self, cx: &Context, refs: &Refs, out: &mut Sink) {
        for o in cx.corpus.objects_of(&["Ingress"]) {
            let backends = ingress_backends(o);
            let Some((_, first_route, first_node)) = backends.first() else {
                continue;
            };
            let targets = entry_targets(cx.arch, &format!("ingress/{}", o.name), &o.namespace);
            let known_service = backends
                .iter()
                .any(|(name, _, _)| refs.services.get(name, &o.namespace).is_some());
            if targets.is_empty() && !known_service {
                continue;
            }
            if ingress_auth(cx, refs, o).is_some() {
                continue;
            }
            let tier = if targets.is_empty() {
                let names: Vec<&str> = backends.iter().map(|(n, _, _)| n.as_str()).collect();
                Some(text_tier(&names)).filter(|t| !matches!(t, Tier::FrontEnd | Tier::Edge(_)))
            } else {
                backends_need_edge_auth(cx, &targets)
            };
            let Some(tier) = tier else { continue };
            let routes: Vec<&str> = backends.iter().map(|(_, r, _)| r.as_str()).collect();
            let reach = if targets.is_empty() {
                let svcs: Vec<String> = backends.iter().map(|(n, _, _)| format!("`{n}`")).collect();
                format!("Service {}", svcs.join(", "))
            } else {
                names(&targets)
            };
            let f = on_object(
                out,
                o,
                first_node.loc,
                format!(
                    "{} forwards {} to {reach} with no authentication at the ingress (no auth annotation, middleware or plugin)",
                    o.resource_id(),
                    if routes.len() == 1 { first_route.to_string() } else { format!("{} routes", routes.len()) }
                ),
            );
            for t in &targets {
                f.component(t.name.clone());
            }
            f.severity(severity(&tier));
        }
    }

    fn istio_gateways(&self, cx: &Context, out: &mut Sink) {
        for entry in istio_gateway_entries(cx) {
            let (gw, targets) = (entry.name, &entry.targets);
            let note = match istio_auth(
                cx.corpus,
                &entry.label_sets,
                &entry.pods_namespace,
                Some(gw),
            ) {
                Ok(_) => continue,
                Err(note) => note,
            };
            let Some(tier) = backends_need_edge_auth(cx, targets) else {
                continue;
            };
            let services: Vec<&K8sObject> = virtual_services_of(cx.corpus, gw).collect();
            let anchor: Option<&K8sObject> = entry.gateway.or_else(|| services.first().copied());
            let Some(anchor) = anchor else { continue };
            let mut desc = format!(
                "Istio gateway `{gw}` forwards requests to {} and no AuthorizationPolicy on the gateway requires an authenticated caller",
                names(targets)
            );
            if let Some(n) = note {
                desc.push_str(&format!(" ({n})"));
            }
            let f = on_object(out, anchor, name_loc(anchor), desc).infra(InfraType::Istio);
            for v in services {
                f.resource(v.resource_id()).also_at(v.file, name_loc(v));
            }
            for t in targets {
                f.component(t.name.clone());
            }
            f.severity(severity(&tier));
        }
    }

    fn gateway_api(&self, cx: &Context, refs: &Refs, out: &mut Sink) {
        let entries: Vec<&ArchNode> = cx
            .arch
            .nodes()
            .filter(|n| n.name.starts_with("gateway/"))
            .collect();
        for entry in entries {
            let gw = entry.name.trim_start_matches("gateway/");
            let targets = entry_targets(cx.arch, &entry.name, &entry.namespace);
            if targets.is_empty() {
                continue;
            }
            let gateway = cx
                .corpus
                .objects_of(&["Gateway"])
                .find(|g| g.api_version.starts_with("gateway.networking.k8s.io") && g.name == gw);
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
            let policy_targets = |kind: &str, name: &str| security_policy_covers(cx, kind, name);
            if policy_targets("Gateway", gw) {
                continue;
            }
            let gw_labels = vec![std::collections::BTreeMap::from([(
                "gateway.networking.k8s.io/gateway-name".to_string(),
                gw.to_string(),
            )])];
            if istio_auth(cx.corpus, &gw_labels, &entry.namespace, Some(gw)).is_ok() {
                continue;
            }
            let open: Vec<&K8sObject> = routes
                .iter()
                .copied()
                .filter(|r| {
                    !policy_targets(&r.kind, &r.name)
                        && !matches!(
                            kong_annotation(&refs.kong_plugins, r, KONG_AUTH_PLUGINS),
                            Some(Resolved::Yes(_)) | Some(Resolved::Unknown(_))
                        )
                })
                .collect();
            if !routes.is_empty() && open.is_empty() {
                continue;
            }
            let Some(tier) = backends_need_edge_auth(cx, &targets) else {
                continue;
            };
            let anchor = gateway.or_else(|| open.first().copied());
            let Some(anchor) = anchor else { continue };
            let f = on_object(
                out,
                anchor,
                name_loc(anchor),
                format!(
                    "Gateway `{gw}` forwards requests to {} and no SecurityPolicy, Istio policy or auth plugin authenticates them",
                    names(&targets)
                ),
            );
            for r in &open {
                f.resource(r.resource_id()).also_at(r.file, name_loc(r));
            }
            for t in &targets {
                f.component(t.name.clone());
            }
            f.severity(severity(&tier));
        }
    }

    fn kong(&self, cx: &Context, out: &mut Sink) {
        for doc in cx
            .corpus
            .other_yaml
            .iter()
            .filter(|d| d.root.get("_format_version").is_some())
        {
            for gap in kong_gaps(&doc.root, KONG_AUTH_PLUGINS) {
                let sname = &gap.service;
                let loc = gap.node.map_or(gap.routes[0].1.loc, |s| s.loc);
                let url = gap
                    .node
                    .and_then(|s| s.get("url").or_else(|| s.get("host")))
                    .and_then(Node::as_str)
                    .unwrap_or("");
                let tier = text_tier(&[sname.as_str(), url]);
                if matches!(tier, Tier::FrontEnd | Tier::Edge(_)) {
                    continue;
                }
                let routes: Vec<String> =
                    gap.routes.iter().map(|(n, _)| format!("`{n}`")).collect();
                let f = out
                    .report(
                        doc.file,
                        loc,
                        format!(
                            "Kong service `{sname}` is published through route(s) {} with no authentication plugin globally, on the service or on the route",
                            routes.join(", ")
                        ),
                    )
                    .resource(format!("KongService/{sname}"))
                    .component(format!("Kong service {sname}"))
                    .key(format!("kong:{}:{sname}", doc.index))
                    .infra(InfraType::Docker)
                    .severity(severity(&tier));
                for (_, n) in &gap.routes {
                    f.also_at(doc.file, n.loc);
                }
            }
        }
    }
}

/// An Envoy Gateway SecurityPolicy with an authentication section that targets `kind/name`.
fn security_policy_covers(cx: &Context, kind: &str, name: &str) -> bool {
    cx.corpus.objects_of(&["SecurityPolicy"]).any(|p| {
        let spec = p.root.get("spec");
        let refs: Vec<&Node> = spec
            .and_then(|s| s.get("targetRefs"))
            .map(|r| r.as_seq().iter().collect())
            .or_else(|| spec.and_then(|s| s.get("targetRef")).map(|r| vec![r]))
            .unwrap_or_default();
        let targets = refs.iter().any(|r| {
            r.get("kind").and_then(Node::as_str) == Some(kind)
                && r.get("name").and_then(Node::as_str) == Some(name)
        });
        targets
            && ["jwt", "oidc", "basicAuth", "extAuth", "apiKeyAuth"]
                .iter()
                .any(|k| spec.and_then(|s| s.get(k)).is_some())
    })
}

impl Check for NoAuth {
    fn check_corpus(&self, cx: &Context, out: &mut Sink) {
        let refs = Refs::new(cx.corpus);
        self.ingresses(cx, &refs, out);
        self.istio_gateways(cx, out);
        self.gateway_api(cx, &refs, out);
        self.kong(cx, out);
    }
}
