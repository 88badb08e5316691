use super::util::{annotation_node, kong_plugins, name_loc, unquote};
use crate::helpers::on_object;
use crate::{Check, Context, Sink};
use stridemap_model::k8s::K8sObject;
use stridemap_model::nginx::NginxDirective;
use stridemap_model::{InfraType, Location, Node};

declare_rule! {
    /// ## What it does
    /// Flags CORS configured at the edge to accept any origin while allowing credentials:
    ///
    /// - ingress-nginx `enable-cors: "true"` with `cors-allow-origin` left at its default `*`
    ///   or set to `*`, and `cors-allow-credentials` not `"false"` (it defaults to true);
    /// - a Traefik `headers` middleware with `*` (or `.*`) in its allowed origins and
    ///   `accessControlAllowCredentials: true`;
    /// - an Istio VirtualService `corsPolicy` allowing origin `*` (exact, `.*` regex or empty
    ///   prefix) with `allowCredentials: true`;
    /// - a Gateway API `CORS` filter with origin `*` and `allowCredentials: true`;
    /// - a Kong `cors` plugin with origins `*` (or none, which means any) and
    ///   `credentials: true`;
    /// - NGINX `add_header Access-Control-Allow-Origin` set to `*` or echoing `$http_origin`
    ///   unchecked, together with `Access-Control-Allow-Credentials: true`.
    ///
    /// ## Why is this bad?
    /// Credentialed CORS tells browsers that pages from the allowed origins may send the user's
    /// cookies and read the responses. Allowing every origin — or reflecting whatever origin
    /// asks, which is how gateways implement `*` with credentials — lets any web page the user
    /// visits call the API as the user and read their data.
    ///
    /// ## Example
    /// ```yaml
    /// metadata:
    ///   annotations:
    ///     nginx.ingress.kubernetes.io/enable-cors: "true"
    ///     nginx.ingress.kubernetes.io/cors-allow-origin: "*"
    ///     nginx.ingress.kubernetes.io/cors-allow-credentials: "true"
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// metadata:
    ///   annotations:
    ///     nginx.ingress.kubernetes.io/enable-cors: "true"
    ///     nginx.ingress.kubernetes.io/cors-allow-origin: "https://app.example.com"
    ///     nginx.ingress.kubernetes.io/cors-allow-credentials: "true"
    /// ```
    /// List the exact origins that need credentialed access, or turn credentials off for
    /// public, anonymous APIs.
    pub struct CorsWildcardCredentials {
        id: "GW-CORS-WILDCARD-CREDENTIALS",
        title: "CORS allows any origin with credentials",
        group: ApiGateway,
        stride: InformationDisclosure,
        severity: High,
        cwe: [942, 346],
        infra: [Kubernetes, Istio, Docker],
        equivalents: [],
        attack_scenario: "A user logged in to the shop visits an attacker's page; its script calls the shop API with the user's cookies, and because the gateway allows any origin with credentials, the script reads the user's orders and addresses.",
        mitigation: "Replace the wildcard with the exact list of trusted origins, or disable credentialed CORS for APIs that do not need it.",
    }
}

fn truthy(v: Option<&str>) -> bool {
    v.is_some_and(|s| s.trim().eq_ignore_ascii_case("true"))
}

fn any_origin(v: &str) -> bool {
    let t = v.trim();
    t == "*" || t == ".*" || t == "^.*$" || t.split(',').any(|o| o.trim() == "*")
}

impl CorsWildcardCredentials {
    fn ingress(&self, o: &K8sObject, out: &mut Sink) {
        let p = "nginx.ingress.kubernetes.io/";
        if !truthy(o.annotation(&format!("{p}enable-cors"))) {
            return;
        }
        let origin = o
            .annotation(&format!("{p}cors-allow-origin"))
            .unwrap_or("*");
        let creds = o
            .annotation(&format!("{p}cors-allow-credentials"))
            .is_none_or(|v| !v.trim().eq_ignore_ascii_case("false"));
        if !any_origin(origin) || !creds {
            return;
        }
        let loc = annotation_node(o, &format!("{p}cors-allow-origin"))
            .or_else(|| annotation_node(o, &format!("{p}enable-cors")))
            .map_or(name_loc(o), |n| n.loc);
        let f = on_object(
            out,
            o,
            loc,
            format!(
                "{} enables CORS for any origin with credentials allowed",
                o.resource_id()
            ),
        );
        if let Some(c) = annotation_node(o, &format!("{p}cors-allow-credentials")) {
            f.also_at(o.file, c.loc);
        }
    }

    fn traefik(&self, o: &K8sObject, out: &mut Sink) {
        let Some(h) = o.root.path(&["spec", "headers"]) else {
            return;
        };
        let creds = h
            .get("accessControlAllowCredentials")
            .and_then(Node::as_bool)
            == Some(true);
        let origin = [
            "accessControlAllowOriginList",
            "accessControlAllowOriginListRegex",
        ]
        .iter()
        .filter_map(|k| h.get(k))
        .flat_map(Node::strings)
        .find(|(v, _)| any_origin(v));
        if let (true, Some((_, node))) = (creds, origin) {
            on_object(
                out,
                o,
                node.loc,
                format!(
                    "Traefik Middleware/{} allows any origin with credentials in its CORS headers",
                    o.name
                ),
            );
        }
    }

    fn istio(&self, o: &K8sObject, out: &mut Sink) {
        for (i, route) in o
            .root
            .path(&["spec", "http"])
            .map(Node::as_seq)
            .unwrap_or(&[])
            .iter()
            .enumerate()
        {
            let Some(cors) = route.get("corsPolicy") else {
                continue;
            };
            if cors.get("allowCredentials").and_then(Node::as_bool) != Some(true) {
                continue;
            }
            let wildcard = cors
                .get("allowOrigins")
                .map(Node::as_seq)
                .unwrap_or(&[])
                .iter()
                .find(|m| {
                    m.get("exact").and_then(Node::as_str) == Some("*")
                        || m.get("regex")
                            .and_then(Node::as_str)
                            .is_some_and(any_origin)
                        || m.get("prefix")
                            .is_some_and(|p| p.as_str().unwrap_or("").is_empty())
                })
                .map(|m| m.loc)
                .or_else(|| {
                    cors.get("allowOrigin")
                        .map(Node::strings)
                        .unwrap_or_default()
                        .iter()
                        .find(|(v, _)| any_origin(v))
                        .map(|(_, n)| n.loc)
                });
            if let Some(loc) = wildcard {
                on_object(
                    out,
                    o,
                    loc,
                    format!(
                        "VirtualService/{} route {i} allows any origin with credentials in its corsPolicy",
                        o.name
                    ),
                )
                .key_part(format!("http[{i}]"))
                .infra(InfraType::Istio);
            }
        }
    }

    fn gateway_api(&self, o: &K8sObject, out: &mut Sink) {
        for (i, rule) in o
            .root
            .path(&["spec", "rules"])
            .map(Node::as_seq)
            .unwrap_or(&[])
            .iter()
            .enumerate()
        {
            for f in rule.get("filters").map(Node::as_seq).unwrap_or(&[]) {
                let Some(cors) = f.get("cors") else { continue };
                if cors.get("allowCredentials").and_then(Node::as_bool) != Some(true) {
                    continue;
                }
                if let Some((_, n)) = cors
                    .get("allowOrigins")
                    .map(Node::strings)
                    .unwrap_or_default()
                    .into_iter()
                    .find(|(v, _)| any_origin(v))
                {
                    on_object(
                        out,
                        o,
                        n.loc,
                        format!(
                            "{} rule {i} allows any origin with credentials in its CORS filter",
                            o.resource_id()
                        ),
                    )
                    .key_part(format!("rules[{i}]"));
                }
            }
        }
    }

    fn kong_object(&self, o: &K8sObject, out: &mut Sink) {
        if o.root.get("plugin").and_then(Node::as_str) != Some("cors") {
            return;
        }
        if let Some(loc) = kong_cors_wildcard(o.root.get("config")) {
            on_object(
                out,
                o,
                loc,
                format!(
                    "{} configures Kong's cors plugin for any origin with credentials",
                    o.resource_id()
                ),
            );
        }
    }

    fn kong_declarative(&self, cx: &Context, out: &mut Sink) {
        for doc in cx
            .corpus
            .other_yaml
            .iter()
            .filter(|d| d.root.get("_format_version").is_some())
        {
            for (i, p) in kong_plugins(&doc.root)
                .iter()
                .filter(|p| p.name == "cors")
                .enumerate()
            {
                let Some(loc) = kong_cors_wildcard(p.node.get("config")) else {
                    continue;
                };
                let scope = p
                    .in_route
                    .and_then(|r| r.get("name").and_then(Node::as_str))
                    .or(p.route_ref)
                    .map(|r| format!("route `{r}`"))
                    .or_else(|| {
                        p.in_service
                            .and_then(|s| s.get("name").and_then(Node::as_str))
                            .or(p.service_ref)
                            .map(|s| format!("service `{s}`"))
                    })
                    .unwrap_or_else(|| "every route".into());
                out.report(
                    doc.file,
                    loc,
                    format!("Kong's cors plugin on {scope} allows any origin with credentials"),
                )
                .resource("KongPlugin/cors")
                .component(format!("Kong {scope}"))
                .key(format!("kong:{}:cors:{i}", doc.index))
                .infra(InfraType::Docker);
            }
        }
    }

    fn nginx(&self, cx: &Context, out: &mut Sink) {
        for config in &cx.corpus.nginx {
            let mut hits: Vec<(Location, String)> = Vec::new();
            config.walk(&mut |d, stack| {
                if d.block.is_empty() {
                    return;
                }
                let headers: Vec<&NginxDirective> = d
                    .block
                    .iter()
                    .filter(|x| x.name == "add_header" || x.name == "more_set_headers")
                    .collect();
                let value_of = |name: &str| {
                    headers.iter().find_map(|h| {
                        let joined = h
                            .args
                            .iter()
                            .map(|a| unquote(a))
                            .collect::<Vec<_>>()
                            .join(" ");
                        let lower = joined.to_ascii_lowercase();
                        let key = name.to_ascii_lowercase();
                        lower.starts_with(&key).then(|| {
                            let rest = joined[name.len()..]
                                .trim_start_matches([':', ' '])
                                .trim()
                                .to_string();
                            (h.loc, rest)
                        })
                    })
                };
                let Some((loc, origin)) = value_of("Access-Control-Allow-Origin") else {
                    return;
                };
                let Some((_, creds)) = value_of("Access-Control-Allow-Credentials") else {
                    return;
                };
                if !creds.trim().eq_ignore_ascii_case("true") {
                    return;
                }
                let reflected = origin.contains("$http_origin");
                let checked = reflected
                    && stack.iter().chain(std::iter::once(&d)).any(|b| {
                        b.name == "if" && b.args.iter().any(|a| a.contains("$http_origin"))
                    });
                if origin.trim() == "*" || (reflected && !checked) {
                    hits.push((
                        loc,
                        if reflected {
                            "echoes any request's Origin".to_string()
                        } else {
                            "allows origin `*`".to_string()
                        },
                    ));
                }
            });
            for (i, (loc, what)) in hits.into_iter().enumerate() {
                let path = &cx.corpus.file(config.file).path;
                let resource = config
                    .embedded_in
                    .clone()
                    .unwrap_or_else(|| format!("nginx/{path}"));
                out.report(
                    config.file,
                    loc,
                    format!("NGINX configuration {what} in Access-Control-Allow-Origin together with Access-Control-Allow-Credentials: true"),
                )
                .resource(resource.clone())
                .component(format!("NGINX {path}"))
                .key(format!("nginx:{resource}:cors:{i}"))
                .infra(if config.embedded_in.is_some() {
                    InfraType::Kubernetes
                } else {
                    InfraType::Docker
                });
            }
        }
    }
}

/// Where a Kong cors plugin configuration allows any origin with credentials.
fn kong_cors_wildcard(config: Option<&Node>) -> Option<Location> {
    let config = config?;
    if config.get("credentials").and_then(Node::as_bool) != Some(true) {
        return None;
    }
    match config.get("origins") {
        None => Some(config.loc),
        Some(o) => {
            let list = o.strings();
            if list.is_empty() {
                return Some(o.loc);
            }
            list.into_iter()
                .find(|(v, _)| any_origin(v))
                .map(|(_, n)| n.loc)
        }
    }
}

impl Check for CorsWildcardCredentials {
    fn check_object(&self, o: &K8sObject, _cx: &Context, out: &mut Sink) {
        let group = o.api_version.split('/').next().unwrap_or("");
        match o.kind.as_str() {
            "Ingress" => self.ingress(o, out),
            "Middleware" if group.starts_with("traefik") => self.traefik(o, out),
            "VirtualService" if group == "networking.istio.io" => self.istio(o, out),
            "HTTPRoute" if group == "gateway.networking.k8s.io" => self.gateway_api(o, out),
            "KongPlugin" | "KongClusterPlugin" => self.kong_object(o, out),
            _ => {}
        }
    }

    fn check_corpus(&self, cx: &Context, out: &mut Sink) {
        self.kong_declarative(cx, out);
        self.nginx(cx, out);
    }
}
