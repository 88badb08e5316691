//! Shared reading for the gateway rules: what kind of workload sits behind an entry point (an
//! edge proxy, a front end, an internal service), how a Service is exposed, which annotations,
//! policies and plugins put authentication, TLS and rate limiting in front of a route, and the
//! pieces of NGINX and Kong configuration the rules look at.

use std::collections::{BTreeMap, BTreeSet};
use stridemap_model::architecture::{ArchNode, ArchitectureGraph, Role};
use stridemap_model::k8s::K8sObject;
use stridemap_model::nginx::{NginxConfig, NginxDirective};
use stridemap_model::{Corpus, Node};

use crate::Context;

// ---------------------------------------------------------------------------------------------
// Names and tiers

/// Lower-case alphanumeric words of a name (`payment-api` → `payment`, `api`).
pub fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_ascii_lowercase)
        .collect()
}

/// Products that run as a reverse proxy, ingress controller or API gateway.
const EDGE_PRODUCTS: &[&str] = &[
    "nginx",
    "openresty",
    "envoy",
    "traefik",
    "kong",
    "haproxy",
    "ambassador",
    "emissary",
    "contour",
    "caddy",
    "apisix",
    "tyk",
    "krakend",
    "gloo",
    "skipper",
    "pomerium",
    "varnish",
    "zuul",
];

/// Words that name an edge component.
const EDGE_WORDS: &[&str] = &[
    "gateway",
    "gw",
    "apigw",
    "ingress",
    "edge",
    "proxy",
    "reverseproxy",
    "lb",
    "loadbalancer",
];

/// Authentication proxies that sit in front of applications.
const AUTH_PROXIES: &[&str] = &["oauth2-proxy", "oauth2_proxy", "pomerium", "vouch-proxy"];

/// Mesh sidecar images: present in every meshed pod, so they say nothing about its role unless
/// they are the only container (an Istio ingress gateway runs `proxyv2` alone).
const MESH_PROXY_IMAGES: &[&str] = &["proxyv2", "linkerd2-proxy", "proxy-init"];

/// Words of user-facing front ends, which are entry points by design.
const FRONTEND_WORDS: &[&str] = &[
    "frontend",
    "front",
    "web",
    "webapp",
    "website",
    "www",
    "ui",
    "webui",
    "portal",
    "storefront",
    "site",
    "spa",
    "landing",
];

/// Words of services that hold money, identities or secrets.
const SENSITIVE_WORDS: &[&str] = &[
    "payment",
    "payments",
    "pay",
    "billing",
    "invoice",
    "invoices",
    "card",
    "cards",
    "wallet",
    "bank",
    "banking",
    "ledger",
    "transaction",
    "transactions",
    "checkout",
    "account",
    "accounts",
    "accounting",
    "finance",
    "payroll",
    "credential",
    "credentials",
    "secret",
    "secrets",
    "vault",
    "kyc",
    "auth",
    "identity",
    "iam",
    "token",
    "tokens",
    "user",
    "users",
    "customer",
    "customers",
    "patient",
    "patients",
];

/// Operator tooling: dashboards, tracing and admin consoles that are meant for insiders.
const INTERNAL_TOOL_WORDS: &[&str] = &[
    "internal",
    "admin",
    "grafana",
    "kibana",
    "prometheus",
    "alertmanager",
    "jaeger",
    "zipkin",
    "tracing",
    "kiali",
    "dashboard",
    "jenkins",
    "argocd",
    "adminer",
    "phpmyadmin",
    "pgadmin",
    "kafdrop",
    "akhq",
    "portainer",
    "consul",
    "debug",
    "pprof",
    "actuator",
    "monitoring",
    "metrics",
    "hubble",
    "flower",
];

/// Words of clients that exercise a service from outside (seeders, load generators, tests).
const TRAFFIC_GENERATOR_WORDS: &[&str] = &[
    "seed",
    "seeder",
    "loadgen",
    "loadgenerator",
    "locust",
    "k6",
    "test",
    "tests",
    "e2e",
    "smoke",
    "bench",
    "benchmark",
];

/// Which side of the edge a workload is on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tier {
    /// A reverse proxy, ingress controller or API gateway (what it is).
    Edge(String),
    /// A user-facing front end.
    FrontEnd,
    /// A service meant to sit behind the edge; `critical` when it holds sensitive data or is
    /// called by other services; `why` says what gave it away.
    Internal { critical: bool, why: String },
    /// Nothing in the scan says.
    Unknown,
}

impl Tier {
    pub fn is_internal(&self) -> bool {
        matches!(self, Tier::Internal { .. })
    }

    fn rank(&self) -> u8 {
        match self {
            Tier::Internal { critical: true, .. } => 5,
            Tier::Internal { .. } => 4,
            Tier::Unknown => 3,
            Tier::FrontEnd => 2,
            Tier::Edge(_) => 1,
        }
    }

    /// The more exposed-sensitive of two verdicts.
    pub fn worst(self, other: Tier) -> Tier {
        if other.rank() > self.rank() {
            other
        } else {
            self
        }
    }
}

/// `a` or `an` before a product name.
fn article(word: &str) -> &'static str {
    if word.starts_with(['a', 'e', 'i', 'o', 'n']) {
        "an"
    } else {
        "a"
    }
}

fn has_word(ws: &[String], list: &[&str]) -> Option<String> {
    ws.iter().find(|w| list.contains(&w.as_str())).cloned()
}

/// The last path component of an image's repository (`registry/ingress-nginx/controller:v1` →
/// `ingress-nginx/controller`'s `controller`, with its parent for context).
fn image_repo(image: &str) -> String {
    let no_digest = image.split('@').next().unwrap_or(image);
    let last_colon = no_digest.rfind(':');
    let last_slash = no_digest.rfind('/');
    let repo = match (last_colon, last_slash) {
        (Some(c), Some(s)) if c > s => &no_digest[..c],
        (Some(c), None) => &no_digest[..c],
        _ => no_digest,
    };
    repo.to_ascii_lowercase()
}

/// The edge product an image runs, if it runs one.
pub fn edge_image(image: &str) -> Option<String> {
    let repo = image_repo(image);
    if AUTH_PROXIES.iter().any(|p| repo.contains(p)) {
        return Some("an authentication proxy".into());
    }
    let parts: Vec<&str> = repo.split('/').collect();
    let tail: Vec<&str> = parts.iter().rev().take(2).copied().collect();
    for part in tail {
        let ws = words(part);
        if part.contains("ingress") && (part.contains("nginx") || part.contains("controller")) {
            return Some("an ingress controller".into());
        }
        if let Some(p) = ws.iter().find(|w| EDGE_PRODUCTS.contains(&w.as_str())) {
            return Some(format!("{} {p} proxy", article(p)));
        }
        if ws.iter().any(|w| w.contains("gateway")) {
            return Some("an API gateway".into());
        }
    }
    None
}

fn is_mesh_proxy_image(image: &str) -> bool {
    let repo = image_repo(image);
    let last = repo.rsplit('/').next().unwrap_or(&repo);
    MESH_PROXY_IMAGES.contains(&last)
}

/// Classifies a workload from its name, labels, images, role and callers.
pub fn node_tier(arch: &ArchitectureGraph, node: &ArchNode) -> Tier {
    if matches!(node.role, Role::DataStore | Role::Broker) {
        let what = node.technology.as_deref().unwrap_or(match node.role {
            Role::Broker => "message broker",
            _ => "data store",
        });
        return Tier::Internal {
            critical: true,
            why: format!("it is a {what}"),
        };
    }
    let mut ws = words(&node.name);
    for v in node.labels.values() {
        ws.extend(words(v));
    }
    let app_images: Vec<&String> = node
        .images
        .iter()
        .filter(|i| !is_mesh_proxy_image(i))
        .collect();
    for img in &app_images {
        ws.extend(words(image_repo(img).rsplit('/').next().unwrap_or("")));
    }
    if let Some(w) = has_word(&ws, INTERNAL_TOOL_WORDS) {
        return Tier::Internal {
            critical: true,
            why: format!("`{w}` marks an internal or operator tool"),
        };
    }
    if let Some(e) = app_images.iter().find_map(|i| edge_image(i)) {
        return Tier::Edge(e);
    }
    if app_images.is_empty() && !node.images.is_empty() {
        // Only a mesh proxy: a mesh ingress or egress gateway.
        return Tier::Edge("a mesh gateway".into());
    }
    if let Some(w) = has_word(&ws, SENSITIVE_WORDS) {
        return Tier::Internal {
            critical: true,
            why: format!("`{w}` suggests it handles sensitive data"),
        };
    }
    if let Some(t) = text_edge(&ws) {
        return t;
    }
    if has_word(&ws, FRONTEND_WORDS).is_some() || ws.iter().any(|w| w.contains("frontend")) {
        return Tier::FrontEnd;
    }
    let callers: BTreeSet<&str> = arch
        .flows_into(&node.id)
        .filter(|f| {
            // Batch jobs, seeders, load generators and tests call front ends too; only
            // long-running services make a callee internal.
            arch.node(&f.from).is_some_and(|n| {
                n.role != Role::EntryPoint
                    && !n.external
                    && !n
                        .kinds
                        .iter()
                        .all(|k| matches!(k.as_str(), "Job" | "CronJob" | "Pod"))
                    && has_word(&words(&n.name), TRAFFIC_GENERATOR_WORDS).is_none()
            })
        })
        .map(|f| f.from.as_str())
        .collect();
    if !callers.is_empty() {
        let list: Vec<&str> = callers.into_iter().take(3).collect();
        return Tier::Internal {
            critical: true,
            why: format!("other services ({}) call it", list.join(", ")),
        };
    }
    Tier::Internal {
        critical: false,
        why: "it is not recognisable as a gateway or front end".into(),
    }
}

fn text_edge(ws: &[String]) -> Option<Tier> {
    if let Some(p) = has_word(ws, EDGE_PRODUCTS) {
        return Some(Tier::Edge(format!("{} {p} proxy", article(&p))));
    }
    if has_word(ws, EDGE_WORDS).is_some()
        || ws
            .iter()
            .any(|w| w.contains("gateway") || w.contains("ingress"))
    {
        return Some(Tier::Edge("a gateway".into()));
    }
    None
}

/// Classifies from names alone (a Service whose pods are not in the scan).
pub fn text_tier(texts: &[&str]) -> Tier {
    let ws: Vec<String> = texts.iter().flat_map(|t| words(t)).collect();
    if let Some(w) = has_word(&ws, INTERNAL_TOOL_WORDS) {
        return Tier::Internal {
            critical: true,
            why: format!("`{w}` marks an internal or operator tool"),
        };
    }
    if let Some(w) = has_word(&ws, SENSITIVE_WORDS) {
        return Tier::Internal {
            critical: true,
            why: format!("`{w}` suggests it handles sensitive data"),
        };
    }
    if let Some(t) = text_edge(&ws) {
        return t;
    }
    if has_word(&ws, FRONTEND_WORDS).is_some() || ws.iter().any(|w| w.contains("frontend")) {
        return Tier::FrontEnd;
    }
    Tier::Unknown
}

// ---------------------------------------------------------------------------------------------
// Kubernetes helpers

/// Same namespace, an unset namespace on either side counting as "wherever it is applied".
pub fn same_ns(a: &Option<String>, b: &Option<String>) -> bool {
    a == b || a.is_none() || b.is_none()
}

/// A mapping of strings (labels, selectors).
pub fn string_map(node: Option<&Node>) -> BTreeMap<String, String> {
    node.map(|n| {
        n.entries()
            .filter_map(|(k, _, v)| v.as_str().map(|v| (k.to_string(), v.to_string())))
            .collect()
    })
    .unwrap_or_default()
}

/// `selector` ⊆ `labels`, an empty selector selecting nothing.
pub fn selects(selector: &BTreeMap<String, String>, labels: &BTreeMap<String, String>) -> bool {
    !selector.is_empty() && selector.iter().all(|(k, v)| labels.get(k) == Some(v))
}

/// The value node of an annotation.
pub fn annotation_node<'a>(o: &'a K8sObject, key: &str) -> Option<&'a Node> {
    o.metadata()?.get("annotations")?.get(key)
}

/// Where to point for an object as a whole: its `metadata.name`, else its root.
pub fn name_loc(o: &K8sObject) -> stridemap_model::Location {
    o.metadata()
        .and_then(|m| m.get("name"))
        .map_or(o.root.loc, |n| n.loc)
}

// ---------------------------------------------------------------------------------------------
// Services exposed outside the cluster

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exposure {
    LoadBalancer,
    NodePort,
    ExternalIps,
}

impl Exposure {
    pub fn describe(self) -> &'static str {
        match self {
            Exposure::LoadBalancer => "a public load balancer",
            Exposure::NodePort => "a port on every node",
            Exposure::ExternalIps => "external IP addresses",
        }
    }

    /// The prefix of the architecture's entry-point node for this kind of Service.
    pub fn entry_prefix(self) -> Option<&'static str> {
        match self {
            Exposure::LoadBalancer => Some("loadbalancer"),
            Exposure::NodePort => Some("nodeport"),
            Exposure::ExternalIps => None,
        }
    }
}

/// Annotations that make a cloud load balancer internal, with the value that does.
const INTERNAL_LB_ANNOTATIONS: &[(&str, &str)] = &[
    (
        "service.beta.kubernetes.io/aws-load-balancer-internal",
        "!false",
    ),
    (
        "service.beta.kubernetes.io/aws-load-balancer-scheme",
        "internal",
    ),
    (
        "service.beta.kubernetes.io/azure-load-balancer-internal",
        "true",
    ),
    ("cloud.google.com/load-balancer-type", "internal"),
    ("networking.gke.io/load-balancer-type", "internal"),
    (
        "service.beta.kubernetes.io/openstack-internal-load-balancer",
        "true",
    ),
    (
        "service.beta.kubernetes.io/oci-load-balancer-internal",
        "true",
    ),
    (
        "service.kubernetes.io/ibm-load-balancer-cloud-provider-ip-type",
        "private",
    ),
    (
        "service.beta.kubernetes.io/alibaba-cloud-loadbalancer-address-type",
        "intranet",
    ),
];

/// Whether a LoadBalancer Service asks its cloud for an internal load balancer.
pub fn internal_load_balancer(o: &K8sObject) -> bool {
    INTERNAL_LB_ANNOTATIONS.iter().any(|(key, want)| {
        o.annotation(key).is_some_and(|v| {
            let v = v.trim().to_ascii_lowercase();
            match want.strip_prefix('!') {
                Some(not) => v != not,
                None => v == *want,
            }
        })
    })
}

/// `loadBalancerSourceRanges` that leave out the internet (no `0.0.0.0/0` or `::/0`).
fn restricted_source_ranges(spec: &Node) -> bool {
    let ranges = spec
        .get("loadBalancerSourceRanges")
        .map(Node::strings)
        .unwrap_or_default();
    !ranges.is_empty()
        && ranges
            .iter()
            .all(|(r, _)| !matches!(r.trim(), "0.0.0.0/0" | "::/0"))
}

/// How a Service is reachable from outside the cluster, and the node that says so (`type` value
/// or `externalIPs`). Internal load balancers and ones restricted to source ranges are not.
pub fn external_exposure(o: &K8sObject) -> Option<(Exposure, &Node)> {
    if o.kind != "Service" || !o.api_version.starts_with('v') {
        return None;
    }
    let spec = o.root.get("spec")?;
    let ty = spec.get("type");
    match ty.and_then(Node::as_str) {
        Some("LoadBalancer") => {
            if internal_load_balancer(o) || restricted_source_ranges(spec) {
                return None;
            }
            return Some((Exposure::LoadBalancer, ty?));
        }
        Some("NodePort") => return Some((Exposure::NodePort, ty?)),
        _ => {}
    }
    let ips = spec.get("externalIPs")?;
    (!ips.as_seq().is_empty()).then_some((Exposure::ExternalIps, ips))
}

/// The workloads behind a Service: the targets of its entry-point node in the architecture,
/// else the nodes it selects.
pub fn service_backends<'a>(
    arch: &'a ArchitectureGraph,
    o: &K8sObject,
    exposure: Exposure,
) -> Vec<&'a ArchNode> {
    let mut out: Vec<&ArchNode> = Vec::new();
    // Entry points and the workloads a Service selects both carry it as a resource.
    let candidates: Vec<&ArchNode> = arch
        .nodes_of_resource(&format!("Service/{}", o.name))
        .filter_map(|id| arch.node(id))
        .collect();
    if let Some(prefix) = exposure.entry_prefix() {
        let name = format!("{prefix}/{}", o.name);
        for n in candidates
            .iter()
            .filter(|n| n.role == Role::EntryPoint && n.name == name && n.namespace == o.namespace)
        {
            for f in arch.flows_of(&n.id).filter(|f| f.from == n.id) {
                if let Some(t) = arch.node(&f.to) {
                    if !out.iter().any(|x| x.id == t.id) {
                        out.push(t);
                    }
                }
            }
        }
    }
    if out.is_empty() {
        out = candidates
            .into_iter()
            .filter(|n| {
                n.role != Role::EntryPoint
                    && n.k8s_services.contains(&o.name)
                    && same_ns(&n.namespace, &o.namespace)
            })
            .collect();
    }
    out
}

/// The tier of what a Service exposes: its workloads when the scan has them, else what its name
/// and selector say.
pub fn service_tier(cx: &Context, o: &K8sObject, backends: &[&ArchNode]) -> Tier {
    if !backends.is_empty() {
        return backends
            .iter()
            .map(|n| node_tier(cx.arch, n))
            .reduce(Tier::worst)
            .unwrap_or(Tier::Unknown);
    }
    let selector = string_map(o.root.path(&["spec", "selector"]));
    let mut texts: Vec<&str> = vec![o.name.as_str()];
    texts.extend(selector.values().map(String::as_str));
    text_tier(&texts)
}

// ---------------------------------------------------------------------------------------------
// Ingress

/// `(service name, route, node)` of every backend of an Ingress.
pub fn ingress_backends(o: &K8sObject) -> Vec<(String, String, &Node)> {
    let mut out = Vec::new();
    let spec = o.root.get("spec");
    let name_of = |b: &Node| -> Option<String> {
        b.path(&["service", "name"])
            .or_else(|| b.get("serviceName"))
            .and_then(Node::as_str)
            .map(str::to_string)
    };
    if let Some(b) = spec.and_then(|s| s.get("defaultBackend").or_else(|| s.get("backend"))) {
        if let Some(n) = name_of(b) {
            out.push((n, "/*".to_string(), b));
        }
    }
    for rule in spec
        .and_then(|s| s.get("rules"))
        .map(Node::as_seq)
        .unwrap_or(&[])
    {
        let host = rule.get("host").and_then(Node::as_str).unwrap_or("*");
        for p in rule
            .path(&["http", "paths"])
            .map(Node::as_seq)
            .unwrap_or(&[])
        {
            let path = p.get("path").and_then(Node::as_str).unwrap_or("/");
            if let Some(n) = p.get("backend").and_then(name_of) {
                out.push((n, format!("{host}{path}"), p));
            }
        }
    }
    out
}

/// The ingress class an Ingress asks for (`spec.ingressClassName` or the legacy annotation).
pub fn ingress_class(o: &K8sObject) -> Option<String> {
    o.root
        .path(&["spec", "ingressClassName"])
        .and_then(Node::as_str)
        .or_else(|| o.annotation("kubernetes.io/ingress.class"))
        .map(str::to_ascii_lowercase)
}

/// The architecture's entry-point node for an Ingress, and the workloads it reaches.
pub fn entry_targets<'a>(
    arch: &'a ArchitectureGraph,
    entry_name: &str,
    namespace: &Option<String>,
) -> Vec<&'a ArchNode> {
    let mut out: Vec<&ArchNode> = Vec::new();
    for n in arch
        .nodes_named(entry_name)
        .filter(|n| n.role == Role::EntryPoint && same_ns(&n.namespace, namespace))
    {
        for f in arch.flows_of(&n.id).filter(|f| f.from == n.id) {
            if let Some(t) = arch.node(&f.to) {
                if !out.iter().any(|x| x.id == t.id) {
                    out.push(t);
                }
            }
        }
    }
    out
}

/// Objects of some kinds by `(namespace, name)`, for reference lookups.
pub struct ByName<'a> {
    map: BTreeMap<String, Vec<&'a K8sObject>>,
}

impl<'a> ByName<'a> {
    pub fn new(corpus: &'a Corpus, kinds: &'a [&'a str]) -> Self {
        let mut map: BTreeMap<String, Vec<&K8sObject>> = BTreeMap::new();
        for o in corpus.objects_of(kinds) {
            map.entry(o.name.clone()).or_default().push(o);
        }
        ByName { map }
    }

    /// The object of that name in `namespace` (leniently: an unset namespace matches).
    pub fn get(&self, name: &str, namespace: &Option<String>) -> Option<&'a K8sObject> {
        let list = self.map.get(name)?;
        list.iter()
            .copied()
            .find(|o| o.namespace == *namespace)
            .or_else(|| {
                list.iter()
                    .copied()
                    .find(|o| same_ns(&o.namespace, namespace))
            })
    }

    pub fn all(&self) -> impl Iterator<Item = &'a K8sObject> + '_ {
        self.map.values().flatten().copied()
    }
}

/// What a referenced plugin or middleware turned out to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolved {
    /// Found, and it does the thing (named).
    Yes(String),
    /// Found, and none of it does.
    No,
    /// Referenced but not in the scan.
    Unknown(String),
}

/// Kong plugins that identify the caller.
pub const KONG_AUTH_PLUGINS: &[&str] = &[
    "key-auth",
    "key-auth-enc",
    "jwt",
    "oauth2",
    "oauth2-introspection",
    "basic-auth",
    "openid-connect",
    "hmac-auth",
    "ldap-auth",
    "ldap-auth-advanced",
    "mtls-auth",
    "jwt-signer",
    "acl",
];

/// Kong plugins that limit request rates.
pub const KONG_RATE_PLUGINS: &[&str] = &[
    "rate-limiting",
    "rate-limiting-advanced",
    "response-ratelimiting",
    "graphql-rate-limiting-advanced",
    "ai-rate-limiting-advanced",
];

/// The references of a comma-separated annotation (`ns-name@kubernetescrd, other`).
pub fn annotation_refs(value: &str) -> Vec<String> {
    value
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// Resolves the `konghq.com/plugins` annotation of an object against KongPlugin and
/// KongClusterPlugin objects: does one of them run a plugin from `wanted`?
pub fn kong_annotation(plugins: &ByName, o: &K8sObject, wanted: &[&str]) -> Option<Resolved> {
    let value = o.annotation("konghq.com/plugins")?;
    let mut unknown = Vec::new();
    for r in annotation_refs(value) {
        match plugins.get(&r, &o.namespace) {
            Some(p) => {
                let plugin = p.root.get("plugin").and_then(Node::as_str).unwrap_or("");
                let disabled = p.root.get("disabled").and_then(Node::as_bool) == Some(true);
                if wanted.contains(&plugin) && !disabled {
                    return Some(Resolved::Yes(format!("Kong plugin {plugin} ({r})")));
                }
            }
            None => unknown.push(r),
        }
    }
    Some(if unknown.is_empty() {
        Resolved::No
    } else {
        Resolved::Unknown(format!("Kong plugins {}", unknown.join(", ")))
    })
}

/// Global KongClusterPlugins (label `global: "true"`) that run a plugin from `wanted`.
pub fn kong_global_plugin(corpus: &Corpus, wanted: &[&str]) -> Option<String> {
    corpus
        .objects_of(&["KongClusterPlugin", "KongPlugin"])
        .find(|p| {
            p.label("global") == Some("true")
                && p.root
                    .get("plugin")
                    .and_then(Node::as_str)
                    .is_some_and(|n| wanted.contains(&n))
        })
        .map(|p| format!("global Kong plugin {}", p.name))
}

/// Resolves Traefik's `router.middlewares` annotation against Middleware objects: does one of
/// them have a section from `wanted` (`forwardAuth`, `rateLimit`…)?
pub fn traefik_annotation(
    middlewares: &ByName,
    o: &K8sObject,
    wanted: &[&str],
) -> Option<Resolved> {
    let value = o.annotation("traefik.ingress.kubernetes.io/router.middlewares")?;
    let mut unknown = Vec::new();
    for r in annotation_refs(value) {
        // `<namespace>-<name>@kubernetescrd`; the namespace prefix cannot be split reliably,
        // so any Middleware whose name ends the reference matches.
        let base = r.split('@').next().unwrap_or(&r);
        let found = middlewares
            .all()
            .filter(|m| {
                let qualified = format!("{}-{}", m.namespace.as_deref().unwrap_or(""), m.name);
                base == m.name || base == qualified || base.ends_with(&format!("-{}", m.name))
            })
            .collect::<Vec<_>>();
        if found.is_empty() {
            unknown.push(r.clone());
            continue;
        }
        for m in found {
            if let Some(w) = wanted.iter().find(|w| m.root.path(&["spec", w]).is_some()) {
                return Some(Resolved::Yes(format!(
                    "Traefik middleware {} ({w})",
                    m.name
                )));
            }
        }
    }
    Some(if unknown.is_empty() {
        Resolved::No
    } else {
        Resolved::Unknown(format!("Traefik middlewares {}", unknown.join(", ")))
    })
}

/// Objects that annotations and routes refer to, looked up once per scan.
pub struct Refs<'a> {
    pub services: ByName<'a>,
    pub middlewares: ByName<'a>,
    pub kong_plugins: ByName<'a>,
    pub backend_configs: ByName<'a>,
}

impl<'a> Refs<'a> {
    pub fn new(corpus: &'a Corpus) -> Self {
        Refs {
            services: ByName::new(corpus, &["Service"]),
            middlewares: ByName::new(corpus, &["Middleware"]),
            kong_plugins: ByName::new(corpus, &["KongPlugin", "KongClusterPlugin"]),
            backend_configs: ByName::new(corpus, &["BackendConfig"]),
        }
    }
}

/// A key of an ingress-nginx controller ConfigMap (any ConfigMap that sets it), with the
/// ConfigMap.
pub fn controller_setting<'a>(
    cx: &crate::Context<'a>,
    key: &str,
) -> Option<(&'a K8sObject, &'a Node)> {
    cx.config_map_keys
        .get_or_init(|| config_map_keys(cx.corpus))
        .get(key)
        .copied()
}

/// Every ConfigMap data key set to a non-empty value, with the first ConfigMap (in corpus
/// order) that sets it: asked per Ingress, built once per scan.
pub type ConfigMapKeys<'a> = std::collections::BTreeMap<&'a str, (&'a K8sObject, &'a Node)>;

fn config_map_keys(corpus: &Corpus) -> ConfigMapKeys<'_> {
    let mut out = ConfigMapKeys::new();
    for o in corpus.objects_of(&["ConfigMap"]) {
        for (key, _, v) in o.root.get("data").into_iter().flat_map(|d| d.entries()) {
            if v.as_str().is_some_and(|t| !t.trim().is_empty()) {
                out.entry(key).or_insert((o, v));
            }
        }
    }
    out
}

/// Annotations that authenticate requests at the ingress, with a test on their value.
/// Tells whether an annotation's (lower-cased) value switches the feature on.
type ValueTest = fn(&str) -> bool;

const INGRESS_AUTH: &[(&str, ValueTest)] = &[
    ("nginx.ingress.kubernetes.io/auth-url", |_| true),
    ("nginx.ingress.kubernetes.io/auth-type", |v| {
        matches!(v, "basic" | "digest")
    }),
    ("nginx.ingress.kubernetes.io/auth-tls-secret", |_| true),
    ("nginx.org/basic-auth-secret", |_| true),
    ("nginx.com/jwt-key", |_| true),
    ("nginx.com/jwt-realm", |_| true),
    ("alb.ingress.kubernetes.io/auth-type", |v| v != "none"),
    ("haproxy.org/auth-type", |_| true),
    ("haproxy.org/auth-secret", |_| true),
    ("ingress.kubernetes.io/auth-type", |_| true),
    ("ingress.kubernetes.io/auth-url", |_| true),
    ("appgw.ingress.kubernetes.io/auth-type", |_| true),
];

/// Why requests through an Ingress are authenticated at the edge, or `None` when nothing says
/// they are. References that the scan cannot resolve (a middleware or plugin defined
/// elsewhere) count as authentication: the rule cannot tell, so it does not accuse.
pub fn ingress_auth(cx: &Context, refs: &Refs, o: &K8sObject) -> Option<String> {
    for (key, ok) in INGRESS_AUTH {
        if let Some(v) = o.annotation(key) {
            let v = v.trim().to_ascii_lowercase();
            if !v.is_empty() && ok(&v) {
                if key.ends_with("auth-tls-secret")
                    && o.annotation("nginx.ingress.kubernetes.io/auth-tls-verify-client")
                        .is_some_and(|m| matches!(m.trim(), "off" | "optional_no_ca"))
                {
                    continue;
                }
                return Some(format!("annotation {key}"));
            }
        }
    }
    match traefik_annotation(
        &refs.middlewares,
        o,
        &["forwardAuth", "basicAuth", "digestAuth"],
    ) {
        Some(Resolved::Yes(why)) | Some(Resolved::Unknown(why)) => return Some(why),
        _ => {}
    }
    match kong_annotation(&refs.kong_plugins, o, KONG_AUTH_PLUGINS) {
        Some(Resolved::Yes(why)) | Some(Resolved::Unknown(why)) => return Some(why),
        _ => {}
    }
    let class = ingress_class(o).unwrap_or_default();
    if o.annotation("nginx.ingress.kubernetes.io/enable-global-auth") != Some("false") {
        if let Some((cm, _)) = controller_setting(cx, "global-auth-url") {
            if class.is_empty() || class.contains("nginx") {
                return Some(format!("global-auth-url in ConfigMap {}", cm.name));
            }
        }
    }
    if class.contains("kong") {
        if let Some(why) = kong_global_plugin(cx.corpus, KONG_AUTH_PLUGINS) {
            return Some(why);
        }
    }
    if class.contains("istio") {
        let (sets, ns) = gateway_label_sets(cx.arch, &default_istio_gateway_labels());
        if let Ok(why) = istio_auth(cx.corpus, &sets, &ns, None) {
            return Some(why);
        }
    }
    // Google IAP, switched on in the BackendConfig of every backend Service.
    let backends = ingress_backends(o);
    let iap = !backends.is_empty()
        && backends.iter().all(|(name, _, _)| {
            refs.services.get(name, &o.namespace).is_some_and(|svc| {
                [
                    "cloud.google.com/backend-config",
                    "beta.cloud.google.com/backend-config",
                ]
                .iter()
                .filter_map(|k| svc.annotation(k))
                .any(|v| {
                    refs.backend_configs.all().any(|bc| {
                        v.contains(&format!("\"{}\"", bc.name))
                            && bc
                                .root
                                .path(&["spec", "iap", "enabled"])
                                .and_then(Node::as_bool)
                                == Some(true)
                    })
                })
            })
        });
    if iap {
        return Some("Identity-Aware Proxy in the backends' BackendConfig".into());
    }
    None
}

// ---------------------------------------------------------------------------------------------
// Istio policies on a workload

/// Whether an Istio policy applies to pods with one of `label_sets` in `namespace` (or to a
/// Gateway named `gateway`, through `targetRef`/`targetRefs`).
pub fn istio_policy_applies(
    policy: &K8sObject,
    selector_key: &[&str],
    label_sets: &[BTreeMap<String, String>],
    namespace: &Option<String>,
    gateway: Option<&str>,
) -> bool {
    let spec = policy.root.get("spec");
    let refs: Vec<&Node> = spec
        .and_then(|s| s.get("targetRefs"))
        .map(|r| r.as_seq().iter().collect())
        .or_else(|| spec.and_then(|s| s.get("targetRef")).map(|r| vec![r]))
        .unwrap_or_default();
    if !refs.is_empty() {
        return gateway.is_some_and(|g| {
            refs.iter().any(|r| {
                r.get("kind").and_then(Node::as_str) == Some("Gateway")
                    && r.get("name").and_then(Node::as_str) == Some(g)
            })
        });
    }
    let mut path = vec!["spec"];
    path.extend_from_slice(selector_key);
    let selector = string_map(policy.root.path(&path));
    if selector.is_empty() {
        return policy.namespace.as_deref() == Some("istio-system")
            || (namespace.is_some() && policy.namespace == *namespace);
    }
    label_sets.iter().any(|labels| selects(&selector, labels))
}

/// Authentication Istio enforces for pods with `label_sets`: an ext-authz (`CUSTOM`)
/// AuthorizationPolicy, or a RequestAuthentication with an AuthorizationPolicy that demands a
/// request principal. `Err` carries a note when only half of it is there.
pub fn istio_auth(
    corpus: &Corpus,
    label_sets: &[BTreeMap<String, String>],
    namespace: &Option<String>,
    gateway: Option<&str>,
) -> Result<String, Option<String>> {
    let applies = |p: &K8sObject| {
        p.api_version.starts_with("security.istio.io")
            && istio_policy_applies(
                p,
                &["selector", "matchLabels"],
                label_sets,
                namespace,
                gateway,
            )
    };
    let policies: Vec<&K8sObject> = corpus
        .objects_of(&["AuthorizationPolicy"])
        .filter(|p| applies(p))
        .collect();
    if let Some(p) = policies
        .iter()
        .find(|p| p.root.path(&["spec", "action"]).and_then(Node::as_str) == Some("CUSTOM"))
    {
        return Ok(format!(
            "AuthorizationPolicy {} (external authorization)",
            p.name
        ));
    }
    let jwt: Vec<&K8sObject> = corpus
        .objects_of(&["RequestAuthentication"])
        .filter(|p| applies(p))
        .collect();
    let demands_principal = |p: &K8sObject| {
        let mut found = false;
        p.root.walk(&mut |path, key, node| {
            let k = key.and_then(Node::as_str).unwrap_or("");
            if matches!(k, "requestPrincipals" | "notRequestPrincipals")
                || (k == "key" && node.as_str().is_some_and(|v| v.starts_with("request.auth")))
            {
                found = true;
            }
            let _ = path;
        });
        found
    };
    match (jwt.first(), policies.iter().find(|p| demands_principal(p))) {
        (Some(r), Some(a)) => Ok(format!(
            "RequestAuthentication {} with AuthorizationPolicy {}",
            r.name, a.name
        )),
        (Some(r), None) => Err(Some(format!(
            "RequestAuthentication {} validates tokens that are sent, but no AuthorizationPolicy rejects requests without one",
            r.name
        ))),
        _ => Err(None),
    }
}

/// Labels that Istio's default ingress gateway pods carry.
pub fn default_istio_gateway_labels() -> BTreeMap<String, String> {
    BTreeMap::from([("istio".to_string(), "ingressgateway".to_string())])
}

/// The label sets of a gateway's pods: its selector, and the labels of workloads in the scan
/// that the selector matches.
pub fn gateway_label_sets(
    arch: &ArchitectureGraph,
    selector: &BTreeMap<String, String>,
) -> (Vec<BTreeMap<String, String>>, Option<String>) {
    let mut sets = vec![selector.clone()];
    let mut ns = None;
    for n in arch
        .nodes()
        .filter(|n| n.role != Role::EntryPoint && selects(selector, &n.labels))
    {
        sets.push(n.labels.clone());
        ns = ns.or_else(|| n.namespace.clone());
    }
    (sets, ns)
}

// ---------------------------------------------------------------------------------------------
// Code-level authentication

/// Whether the code of a service shows authentication on every route it serves.
pub fn code_authenticates(cx: &crate::Context, node: &ArchNode) -> bool {
    let mut dirs: Vec<&str> = node
        .sources
        .iter()
        .filter(|s| s.kind == "code")
        .map(|s| s.file.rsplit_once('/').map_or("", |(d, _)| d))
        .collect();
    if dirs.is_empty() {
        return false;
    }
    dirs.sort_unstable();
    dirs.dedup();
    let by_dir = cx
        .code_routes_by_dir
        .get_or_init(|| code_routes_by_dir(cx.corpus));
    let (routes, authed) = dirs
        .iter()
        .filter_map(|d| by_dir.get(d))
        .fold((0, 0), |(r, a), (dr, da)| (r + dr, a + da));
    routes > 0 && routes == authed
}

/// Source directory → (routes declared in its files, routes with an authentication check).
pub type RoutesByDir<'a> = std::collections::BTreeMap<&'a str, (usize, usize)>;

fn code_routes_by_dir(corpus: &Corpus) -> RoutesByDir<'_> {
    let mut out = RoutesByDir::new();
    for code in &corpus.code {
        let path = &corpus.file(code.file).path;
        let dir = path.rsplit_once('/').map_or("", |(d, _)| d);
        let entry = out.entry(dir).or_default();
        entry.0 += code.routes.len();
        entry.1 += code.routes.iter().filter(|r| !r.auth.is_empty()).count();
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Kong declarative configuration

/// A plugin entry of a Kong declarative file.
pub struct KongPlugin<'a> {
    pub name: &'a str,
    pub node: &'a Node,
    /// The service or route whose own `plugins` list holds it.
    pub in_service: Option<&'a Node>,
    pub in_route: Option<&'a Node>,
    /// `service:` and `route:` references of a plugin declared elsewhere.
    pub service_ref: Option<&'a str>,
    pub route_ref: Option<&'a str>,
    /// Scoped to a consumer only (applies once that consumer is identified).
    pub consumer_only: bool,
}

/// A route of a Kong declarative file with the service it forwards to.
pub struct KongRoute<'a> {
    pub name: String,
    pub node: &'a Node,
    pub service: Option<&'a Node>,
    pub service_name: Option<String>,
}

fn kong_ref(node: Option<&Node>) -> Option<&str> {
    let n = node?;
    n.as_str()
        .or_else(|| n.get("name").and_then(Node::as_str))
        .or_else(|| n.get("id").and_then(Node::as_str))
}

fn name_or_id(n: &Node) -> Option<&str> {
    n.get("name").or_else(|| n.get("id")).and_then(Node::as_str)
}

/// Every enabled plugin of a Kong declarative document, with its scope.
pub fn kong_plugins(root: &Node) -> Vec<KongPlugin<'_>> {
    fn collect<'a>(
        list: Option<&'a Node>,
        in_service: Option<&'a Node>,
        in_route: Option<&'a Node>,
        out: &mut Vec<KongPlugin<'a>>,
    ) {
        for p in list.map(Node::as_seq).unwrap_or(&[]) {
            let Some(name) = p.get("name").and_then(Node::as_str) else {
                continue;
            };
            if p.get("enabled").and_then(Node::as_bool) == Some(false) {
                continue;
            }
            let service_ref = kong_ref(p.get("service"));
            let route_ref = kong_ref(p.get("route"));
            out.push(KongPlugin {
                name,
                node: p,
                in_service,
                in_route,
                service_ref,
                route_ref,
                consumer_only: p.get("consumer").is_some()
                    && in_service.is_none()
                    && in_route.is_none()
                    && service_ref.is_none()
                    && route_ref.is_none(),
            });
        }
    }
    let mut out = Vec::new();
    collect(root.get("plugins"), None, None, &mut out);
    for svc in root.get("services").map(Node::as_seq).unwrap_or(&[]) {
        collect(svc.get("plugins"), Some(svc), None, &mut out);
        for route in svc.get("routes").map(Node::as_seq).unwrap_or(&[]) {
            collect(route.get("plugins"), Some(svc), Some(route), &mut out);
        }
    }
    for route in root.get("routes").map(Node::as_seq).unwrap_or(&[]) {
        collect(route.get("plugins"), None, Some(route), &mut out);
    }
    out
}

/// Every route of a Kong declarative document (nested under services or top-level).
pub fn kong_routes(root: &Node) -> Vec<KongRoute<'_>> {
    let mut out = Vec::new();
    let services = root.get("services").map(Node::as_seq).unwrap_or(&[]);
    for (si, svc) in services.iter().enumerate() {
        let sname = name_or_id(svc)
            .map(str::to_string)
            .unwrap_or_else(|| format!("services[{si}]"));
        for (ri, route) in svc
            .get("routes")
            .map(Node::as_seq)
            .unwrap_or(&[])
            .iter()
            .enumerate()
        {
            out.push(KongRoute {
                name: name_or_id(route)
                    .map(str::to_string)
                    .unwrap_or_else(|| format!("{sname}.routes[{ri}]")),
                node: route,
                service: Some(svc),
                service_name: Some(sname.clone()),
            });
        }
    }
    for (ri, route) in root
        .get("routes")
        .map(Node::as_seq)
        .unwrap_or(&[])
        .iter()
        .enumerate()
    {
        let sref = kong_ref(route.get("service")).map(str::to_string);
        let svc = sref.as_deref().and_then(|r| {
            services.iter().find(|s| {
                s.get("name").and_then(Node::as_str) == Some(r)
                    || s.get("id").and_then(Node::as_str) == Some(r)
            })
        });
        out.push(KongRoute {
            name: name_or_id(route)
                .map(str::to_string)
                .unwrap_or_else(|| format!("routes[{ri}]")),
            node: route,
            service: svc,
            service_name: sref,
        });
    }
    out
}

/// The first plugin from `wanted` that covers a route: global, on its service, or on the route.
pub fn kong_covering<'a>(
    plugins: &'a [KongPlugin<'a>],
    route: &KongRoute,
    wanted: &[&str],
) -> Option<&'a KongPlugin<'a>> {
    let route_ids = [
        route.node.get("name").and_then(Node::as_str),
        route.node.get("id").and_then(Node::as_str),
    ];
    let service_ids = [
        route
            .service
            .and_then(|s| s.get("name").and_then(Node::as_str)),
        route
            .service
            .and_then(|s| s.get("id").and_then(Node::as_str)),
        route.service_name.as_deref(),
    ];
    plugins.iter().find(|p| {
        if !wanted.contains(&p.name) || p.consumer_only {
            return false;
        }
        let route_ok = match (p.in_route, p.route_ref) {
            (Some(n), _) => std::ptr::eq(n, route.node),
            (None, Some(r)) => route_ids.contains(&Some(r)),
            (None, None) => true,
        };
        let service_ok = match (p.in_service, p.service_ref) {
            (Some(n), _) => route.service.is_some_and(|s| std::ptr::eq(n, s)),
            (None, Some(s)) => service_ids.contains(&Some(s)),
            (None, None) => true,
        };
        route_ok && service_ok
    })
}

/// The routes of one Kong service that no plugin from a list covers.
pub struct KongGap<'a> {
    pub service: String,
    /// The service entry, when the routes name one that is in the file.
    pub node: Option<&'a Node>,
    pub routes: Vec<(String, &'a Node)>,
}

/// Routes of a Kong declarative document that no plugin from `wanted` covers, by service.
pub fn kong_gaps<'a>(root: &'a Node, wanted: &[&str]) -> Vec<KongGap<'a>> {
    let plugins = kong_plugins(root);
    let mut out: Vec<KongGap> = Vec::new();
    for r in kong_routes(root) {
        if kong_covering(&plugins, &r, wanted).is_some() {
            continue;
        }
        let service = r
            .service_name
            .clone()
            .unwrap_or_else(|| "(no service)".into());
        match out.iter_mut().find(|g| g.service == service) {
            Some(g) => g.routes.push((r.name, r.node)),
            None => out.push(KongGap {
                service,
                node: r.service,
                routes: vec![(r.name, r.node)],
            }),
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// NGINX

/// Directives that hand a request to an upstream.
pub const NGINX_PASS: &[&str] = &[
    "proxy_pass",
    "grpc_pass",
    "fastcgi_pass",
    "uwsgi_pass",
    "scgi_pass",
];

/// The node an NGINX configuration belongs to, as the architecture decided when it followed
/// the configuration's `proxy_pass` directives (`None` when it proxies to nothing resolvable).
pub fn nginx_owner<'a>(cx: &Context<'a>, config: &NginxConfig) -> Option<&'a ArchNode> {
    let path = &cx.corpus.file(config.file).path;
    cx.arch
        .flows()
        .find(|f| {
            f.discovered_from.iter().any(|d| d == "nginx")
                && f.evidence
                    .iter()
                    .any(|e| e.kind == "nginx" && e.file == *path)
        })
        .and_then(|f| cx.arch.node(&f.from))
}

/// Whether an NGINX configuration faces the internet: it belongs to an entry point or an
/// internet-exposed service, or the scan cannot tell what runs it.
pub fn nginx_faces_internet(cx: &Context, config: &NginxConfig) -> bool {
    match nginx_owner(cx, config) {
        Some(n) => {
            n.role == Role::EntryPoint
                || n.exposure == stridemap_model::architecture::Exposure::Internet
        }
        None => true,
    }
}

/// Every `server` block of a configuration, with its enclosing blocks.
pub fn nginx_servers(config: &NginxConfig) -> Vec<(&NginxDirective, Vec<&NginxDirective>)> {
    let mut out = Vec::new();
    config.walk(&mut |d, stack| {
        if d.name == "server" && !d.block.is_empty() && !stack.iter().any(|s| s.name == "upstream")
        {
            out.push((d, stack.to_vec()));
        }
    });
    out
}

/// Directives named `name` anywhere inside `block`.
pub fn nginx_find<'a>(block: &'a [NginxDirective], names: &[&str]) -> Vec<&'a NginxDirective> {
    let mut out = Vec::new();
    fn go<'a>(ds: &'a [NginxDirective], names: &[&str], out: &mut Vec<&'a NginxDirective>) {
        for d in ds {
            if names.contains(&d.name.as_str()) {
                out.push(d);
            }
            go(&d.block, names, out);
        }
    }
    go(block, names, &mut out);
    out
}

/// A short label for a server block: its first `server_name`, else its first `listen`.
pub fn nginx_server_label(server: &NginxDirective) -> String {
    let first = |name: &str| {
        server
            .block
            .iter()
            .find(|d| d.name == name)
            .and_then(|d| d.args.first())
            .cloned()
    };
    first("server_name")
        .filter(|s| s != "_")
        .or_else(|| first("listen").map(|l| format!("listen {l}")))
        .unwrap_or_else(|| format!("line {}", server.loc.line))
}

/// The unquoted text of an NGINX argument.
pub fn unquote(arg: &str) -> &str {
    let a = arg.trim();
    for q in ['"', '\''] {
        if a.len() >= 2 && a.starts_with(q) && a.ends_with(q) {
            return &a[1..a.len() - 1];
        }
    }
    a
}

/// The variables (`$name`, `${name}`) an NGINX value uses.
pub fn nginx_vars(value: &str) -> Vec<String> {
    let mut out = Vec::new();
    let b = value.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'$' {
            let mut j = i + 1;
            let braced = j < b.len() && b[j] == b'{';
            if braced {
                j += 1;
            }
            let start = j;
            while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'_') {
                j += 1;
            }
            if j > start {
                out.push(value[start..j].to_string());
            }
            i = j.max(i + 1);
        } else {
            i += 1;
        }
    }
    out
}

/// Variables whose value the client chooses.
pub fn request_controlled(var: &str) -> bool {
    let v = var.to_ascii_lowercase();
    v.starts_with("http_")
        || v.starts_with("arg_")
        || v.starts_with("cookie_")
        || matches!(
            v.as_str(),
            "host"
                | "uri"
                | "request_uri"
                | "document_uri"
                | "args"
                | "query_string"
                | "request"
                | "request_body"
                | "request_method"
                | "remote_user"
        )
        || v.chars().all(|c| c.is_ascii_digit())
}

/// Variables of a configuration whose value the client controls: the request's own
/// (`$host`, `$http_*`, `$arg_*`, regex captures…), named captures of location and server-name
/// regexes, and variables `set` or `map`ped from those.
pub fn tainted_vars(config: &NginxConfig) -> BTreeSet<String> {
    let mut tainted: BTreeSet<String> = BTreeSet::new();
    let mut sets: Vec<(String, Vec<String>)> = Vec::new();
    config.walk(&mut |d, _| match d.name.as_str() {
        "location" | "server_name" | "rewrite" | "if" => {
            for a in &d.args {
                for marker in ["?<", "?P<"] {
                    let mut rest = a.as_str();
                    while let Some(p) = rest.find(marker) {
                        let after = &rest[p + marker.len()..];
                        if let Some(end) = after.find('>') {
                            tainted.insert(after[..end].to_string());
                        }
                        rest = after;
                    }
                }
            }
        }
        "set" => {
            if let (Some(var), Some(value)) = (d.args.first(), d.args.get(1)) {
                sets.push((var.trim_start_matches('$').to_string(), nginx_vars(value)));
            }
        }
        "map" => {
            if let Some(var) = d.args.get(1) {
                let used: Vec<String> = d
                    .block
                    .iter()
                    .flat_map(|e| e.args.iter().flat_map(|a| nginx_vars(a)))
                    .collect();
                sets.push((var.trim_start_matches('$').to_string(), used));
            }
        }
        _ => {}
    });
    // Propagate through `set` and `map` until nothing changes.
    loop {
        let before = tainted.len();
        for (var, used) in &sets {
            if used
                .iter()
                .any(|u| request_controlled(u) || tainted.contains(u))
            {
                tainted.insert(var.clone());
            }
        }
        if tainted.len() == before {
            break;
        }
    }
    tainted
}

/// The variables a `proxy_pass`-style target uses where the upstream's scheme, host or port
/// goes (before the path starts).
pub fn authority_vars(target: &str) -> Vec<String> {
    let t = unquote(target);
    let rest = match t.find("://") {
        Some(i) => &t[i + 3..],
        None => t,
    };
    let mut out = Vec::new();
    let b = rest.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'/' | b'?' => break,
            b'$' => {
                let mut j = i + 1;
                let braced = j < b.len() && b[j] == b'{';
                if braced {
                    j += 1;
                }
                let start = j;
                while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'_') {
                    j += 1;
                }
                let name = &rest[start..j];
                if matches!(
                    name,
                    "request_uri" | "uri" | "document_uri" | "args" | "query_string" | "is_args"
                ) {
                    break;
                }
                if !name.is_empty() {
                    out.push(name.to_string());
                }
                i = if braced && j < b.len() {
                    j + 1
                } else {
                    j.max(i + 1)
                };
            }
            _ => i += 1,
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Snippet annotations

/// Annotations that inject raw configuration into the controller (ingress-nginx
/// `*-snippet`, NGINX Inc. `*-snippets`, HAProxy `*-config-snippet`).
pub fn snippet_annotations(o: &K8sObject) -> Vec<(&str, &Node, &Node)> {
    o.metadata()
        .and_then(|m| m.get("annotations"))
        .map(|a| {
            a.entries()
                .filter(|(k, _, _)| k.to_ascii_lowercase().contains("snippet"))
                .collect()
        })
        .unwrap_or_default()
}

/// Workload kinds, for looking objects up by kind without borrowing a temporary list.
const WORKLOAD_KINDS: &[&str] = &[
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "ReplicaSet",
    "ReplicationController",
    "Job",
    "CronJob",
    "Pod",
    "Rollout",
    "DeploymentConfig",
];

/// The Kubernetes objects behind an architecture node (its workloads).
pub fn workload_objects<'a>(corpus: &'a Corpus, node: &ArchNode) -> Vec<&'a K8sObject> {
    let mut out: Vec<&'a K8sObject> = Vec::new();
    for k in WORKLOAD_KINDS
        .iter()
        .filter(|k| node.kinds.iter().any(|n| n == *k))
    {
        out.extend(
            corpus
                .objects_named(k, &node.name)
                .filter(|o| o.namespace == node.namespace),
        );
    }
    if out.is_empty() {
        out = corpus
            .objects
            .iter()
            .filter(|o| {
                node.kinds.contains(&o.kind) && o.name == node.name && o.namespace == node.namespace
            })
            .collect();
    }
    out
}

/// What a snippet does beyond plain configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SnippetKind {
    /// Runs Lua code or reads the controller's service-account credentials.
    Code,
    /// Serves files from the controller's filesystem with `alias`.
    Alias,
    Plain,
}

/// Classifies a snippet annotation's value. A snippet can be both `Code` and `Alias`.
pub fn snippet_kinds(value: &str) -> Vec<SnippetKind> {
    let lower = value.to_ascii_lowercase();
    let mut out = Vec::new();
    let tokens: Vec<&str> = lower
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|t| !t.is_empty())
        .collect();
    let lua = tokens
        .iter()
        .any(|t| t.starts_with("lua_") || t.ends_with("_lua") || t.contains("_lua_"))
        || lower.contains("kubernetes.io/serviceaccount")
        || lower.contains("/var/run/secrets");
    if lua {
        out.push(SnippetKind::Code);
    }
    // `alias` as a directive: at the start of a statement.
    let alias = lower.split([';', '{', '}', '\n']).any(|stmt| {
        let mut w = stmt.split_whitespace();
        w.next() == Some("alias") && w.next().is_some()
    });
    if alias {
        out.push(SnippetKind::Alias);
    }
    if out.is_empty() {
        out.push(SnippetKind::Plain);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edge_images() {
        assert!(edge_image("registry.k8s.io/ingress-nginx/controller:v1.11.2").is_some());
        assert!(edge_image("nginx:1.27-alpine").is_some());
        assert!(edge_image("docker.io/istio/proxyv2:1.23.0").is_none());
        assert!(edge_image("kong/kong-gateway:3.8").is_some());
        assert!(edge_image("quay.io/oauth2-proxy/oauth2-proxy:v7.6.0").is_some());
        assert!(edge_image("registry.example.com/payment:1.4").is_none());
        assert!(edge_image("localhost:5000/orders").is_none());
    }

    #[test]
    fn tiers_from_names() {
        assert!(text_tier(&["payment-api", "payment"]).is_internal());
        assert_eq!(
            text_tier(&["sample-service", "nginx"]),
            Tier::Edge("an nginx proxy".into())
        );
        assert_eq!(text_tier(&["my-service", "MyApp"]), Tier::Unknown);
        assert_eq!(text_tier(&["front-end"]), Tier::FrontEnd);
        assert!(text_tier(&["grafana"]).is_internal());
        assert!(text_tier(&["internal-proxy"]).is_internal());
        assert!(text_tier(&["payment-gateway"]).is_internal());
        assert!(matches!(
            text_tier(&["istio-ingressgateway"]),
            Tier::Edge(_)
        ));
    }

    #[test]
    fn snippets() {
        assert_eq!(
            snippet_kinds("location /x {\n content_by_lua_block { ngx.say(1) }\n}"),
            vec![SnippetKind::Code]
        );
        assert_eq!(
            snippet_kinds("location ^~ /t {\n  alias /var/run;\n}"),
            vec![SnippetKind::Alias]
        );
        assert_eq!(
            snippet_kinds("more_set_headers \"X-Alias: a\";"),
            vec![SnippetKind::Plain]
        );
        assert_eq!(
            snippet_kinds("location / { return 200 'OK'; }"),
            vec![SnippetKind::Plain]
        );
    }

    #[test]
    fn authority() {
        assert_eq!(authority_vars("http://$host$request_uri"), vec!["host"]);
        assert!(authority_vars("http://backend$request_uri").is_empty());
        assert!(authority_vars("http://backend/$arg_path").is_empty());
        assert_eq!(authority_vars("$arg_url"), vec!["arg_url"]);
        assert_eq!(authority_vars("\"https://${target}:8443\""), vec!["target"]);
    }

    #[test]
    fn nginx_variables() {
        assert_eq!(
            nginx_vars("http://$host$request_uri"),
            vec!["host", "request_uri"]
        );
        assert_eq!(nginx_vars("${scheme}://$1"), vec!["scheme", "1"]);
        assert!(request_controlled("http_x_target"));
        assert!(request_controlled("1"));
        assert!(!request_controlled("scheme"));
    }
}

/// An Istio ingress gateway the architecture found, with what the gateway rules ask of it.
pub struct IstioGatewayEntry<'a> {
    /// The Gateway's name (`bookinfo-gateway`).
    pub name: &'a str,
    /// The workloads it forwards to (never empty).
    pub targets: Vec<&'a ArchNode>,
    /// The `networking.istio.io` Gateway object, when the scan has it.
    pub gateway: Option<&'a K8sObject>,
    /// Label sets of the gateway's pods (from its selector) and their namespace.
    pub label_sets: Vec<BTreeMap<String, String>>,
    pub pods_namespace: Option<String>,
}

/// Every Istio gateway entry point that forwards somewhere.
pub fn istio_gateway_entries<'a>(cx: &Context<'a>) -> Vec<IstioGatewayEntry<'a>> {
    let arch = cx.arch;
    arch.nodes()
        .filter_map(|entry| {
            let name = entry.name.strip_prefix("istio-gateway/")?;
            let targets = entry_targets(arch, &entry.name, &entry.namespace);
            if targets.is_empty() {
                return None;
            }
            let gateway = cx.corpus.objects_named("Gateway", name).find(|g| {
                g.api_version.starts_with("networking.istio.io")
                    && same_ns(&g.namespace, &entry.namespace)
            });
            let selector = gateway
                .map(|g| string_map(g.root.path(&["spec", "selector"])))
                .filter(|s| !s.is_empty())
                .unwrap_or_else(default_istio_gateway_labels);
            let (label_sets, pods_namespace) = gateway_label_sets(arch, &selector);
            Some(IstioGatewayEntry {
                name,
                targets,
                gateway,
                label_sets,
                pods_namespace,
            })
        })
        .collect()
}

/// VirtualServices bound to the Istio gateway `gateway` (by name, any namespace prefix).
pub fn virtual_services_of<'a>(
    corpus: &'a Corpus,
    gateway: &'a str,
) -> impl Iterator<Item = &'a K8sObject> + 'a {
    corpus.objects_of(&["VirtualService"]).filter(move |v| {
        v.root
            .path(&["spec", "gateways"])
            .map(Node::strings)
            .unwrap_or_default()
            .iter()
            .any(|(g, _)| g.rsplit('/').next() == Some(gateway))
    })
}
