use super::util::{container_env, container_words, service_env, service_node, workload_node};
use crate::helpers::{on_container, on_service};
use crate::{Check, Context, Sink};
use regex::Regex;
use std::sync::LazyLock;
use stridemap_model::architecture::{ArchNode, Role};
use stridemap_model::compose::{ComposeFile, ComposeService};
use stridemap_model::corpus::FileKind;
use stridemap_model::k8s::Workload;
use stridemap_model::properties::PropertiesFile;
use stridemap_model::{FileId, InfraType, Location, Node};

declare_rule! {
    /// ## What it does
    /// Flags services that register themselves in a service registry without presenting any
    /// identity:
    ///
    /// - Eureka clients whose `eureka.client.serviceUrl.defaultZone` (in `.properties`,
    ///   `application.yml`, environment variables or `-D` options) has no credentials in the
    ///   URL, with registration left on (`register-with-eureka` not `false`);
    /// - Spring Cloud Consul discovery (`spring.cloud.consul.discovery.*`) with registration on
    ///   and no ACL token (`spring.cloud.consul.token`, `…discovery.acl-token`,
    ///   `CONSUL_HTTP_TOKEN`);
    /// - code that calls Consul's registration API (`agent.service.register`,
    ///   `Agent().ServiceRegister`, `agentServiceRegister`, `PUT /v1/agent/service/register`)
    ///   in a file that never mentions a token, for a service given no `CONSUL_HTTP_TOKEN`.
    ///
    /// Placeholders without a default (`${EUREKA_URL}`) are not judged, and a file-level
    /// setting is not reported when the deployment of the service overrides it.
    ///
    /// ## Why is this bad?
    /// A client can only register without credentials if the registry accepts anonymous
    /// registrations, and then so can anyone else. A compromised pod registers an instance
    /// under the name of the payment or auth service, and the other services, which trust the
    /// registry to tell them where their peers are, start sending it requests and tokens.
    ///
    /// ## Example
    /// ```properties
    /// spring.application.name=orders
    /// eureka.client.serviceUrl.defaultZone=http://discovery:8761/eureka/
    /// ```
    ///
    /// ## Use instead
    /// ```properties
    /// spring.application.name=orders
    /// eureka.client.serviceUrl.defaultZone=https://${EUREKA_USER}:${EUREKA_PASSWORD}@discovery:8761/eureka/
    /// ```
    /// Protect the registry (Spring Security on the Eureka server, ACLs on Consul) and give each
    /// service its own credentials or token, over TLS.
    pub struct SelfRegistrationNoIdentity {
        id: "DISC-SELF-REGISTRATION-NO-IDENTITY",
        title: "Service registers in the registry without an identity",
        group: ServiceDiscovery,
        stride: Spoofing,
        severity: Medium,
        cwe: [306, 290],
        infra: [Kubernetes, Compose, Code],
        equivalents: [],
        attack_scenario: "An attacker in any pod posts an instance record for `PAYMENTS` to the unauthenticated Eureka server with its own IP; the order service's load balancer picks it from the registry and sends it payment requests with customer data.",
        mitigation: "Require authentication on the registry (Spring Security on Eureka, ACLs with deny-by-default on Consul) and configure every service with its own credentials or ACL token, delivered from a Secret.",
    }
}

const EUREKA_ZONE: &str = "eurekaclientserviceurldefaultzone";
const EUREKA_REGISTER: &str = "eurekaclientregisterwitheureka";
const EUREKA_ENABLED: &str = "eurekaclientenabled";
const CONSUL_DISCOVERY: &str = "springcloudconsuldiscovery";
const CONSUL_OFF: &[&str] = &[
    "springcloudconsulenabled",
    "springcloudconsuldiscoveryenabled",
    "springcloudconsuldiscoveryregister",
];
const CONSUL_TOKENS: &[&str] = &[
    "springcloudconsultoken",
    "springcloudconsuldiscoveryacltoken",
    "springcloudconsulconfigacltoken",
    "consulhttptoken",
    "consultoken",
];

/// `eureka.client.service-url.defaultZone` and `EUREKA_CLIENT_SERVICEURL_DEFAULTZONE` alike.
fn normalize(key: &str) -> String {
    key.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// Settings by normalised key, with where each is written (the last one wins).
#[derive(Default)]
struct Settings {
    entries: Vec<(String, String, FileId, Location)>,
    /// Some settings come from places we cannot read (an `envFrom`, a Secret reference).
    opaque: bool,
}

impl Settings {
    fn push(&mut self, key: &str, value: &str, file: FileId, loc: Location) {
        self.entries
            .push((normalize(key), value.to_string(), file, loc));
    }

    fn get(&self, key: &str) -> Option<&(String, String, FileId, Location)> {
        self.entries.iter().rev().find(|(k, ..)| k == key)
    }

    fn is_false(&self, key: &str) -> bool {
        self.get(key)
            .is_some_and(|(_, v, ..)| v.trim().eq_ignore_ascii_case("false"))
    }

    fn has_prefix(&self, prefix: &str) -> Option<&(String, String, FileId, Location)> {
        self.entries.iter().find(|(k, ..)| k.starts_with(prefix))
    }

    /// `-Dkey=value` words of a JVM command line or `JAVA_OPTS`.
    fn push_jvm_options(&mut self, text: &str, file: FileId, loc: Location) {
        for word in text.split_whitespace() {
            if let Some((k, v)) = word.strip_prefix("-D").and_then(|w| w.split_once('=')) {
                self.push(k, v.trim_matches(['"', '\'']), file, loc);
            }
        }
    }
}

static PLACEHOLDER_DEFAULT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\$\{[^:}]+:([^}]*)\}").expect("valid regex"));

/// A configuration value with Spring placeholders replaced by their defaults; `None` when a
/// placeholder has no default (the value is decided at deploy time).
fn resolve_placeholders(value: &str) -> Option<String> {
    let resolved = PLACEHOLDER_DEFAULT.replace_all(value, "$1").to_string();
    (!resolved.contains("${") && !resolved.starts_with('$')).then_some(resolved)
}

/// A problem found in one set of settings: what to say and where.
struct Problem {
    text: String,
    file: FileId,
    loc: Location,
}

fn judge(s: &Settings) -> Vec<Problem> {
    let mut out = Vec::new();
    if let Some((_, zone, file, loc)) = s.get(EUREKA_ZONE) {
        if !s.is_false(EUREKA_REGISTER) && !s.is_false(EUREKA_ENABLED) {
            if let Some(zone) = resolve_placeholders(zone) {
                let anonymous: Vec<&str> = zone
                    .split(',')
                    .map(str::trim)
                    .filter(|u| u.contains("://"))
                    .filter(|u| {
                        let rest = u.split_once("://").map_or(*u, |(_, r)| r);
                        !rest.split('/').next().unwrap_or("").contains('@')
                    })
                    .collect();
                if !anonymous.is_empty() {
                    out.push(Problem {
                        text: format!(
                            "registers with Eureka at {} without credentials",
                            anonymous.join(", ")
                        ),
                        file: *file,
                        loc: *loc,
                    });
                }
            }
        }
    }
    if let Some((_, _, file, loc)) = s.has_prefix(CONSUL_DISCOVERY) {
        let off = CONSUL_OFF.iter().any(|k| s.is_false(k));
        let token = CONSUL_TOKENS.iter().any(|k| s.get(k).is_some());
        if !off && !token && !s.opaque {
            out.push(Problem {
                text: "registers with Consul through Spring Cloud Consul discovery without an ACL token".into(),
                file: *file,
                loc: *loc,
            });
        }
    }
    out
}

const CONSEQUENCE: &str =
    "; the registry takes registrations from anyone, so any workload can register an instance under this service's name";

impl Check for SelfRegistrationNoIdentity {
    fn check_workload(&self, w: &Workload, _cx: &Context, out: &mut Sink) {
        let file = w.object.file;
        for c in w.containers() {
            let mut s = Settings::default();
            for e in container_env(&c) {
                match e.value {
                    Some(v) if !e.from_ref => {
                        s.push(e.name, v, file, e.loc);
                        if matches!(
                            e.name,
                            "JAVA_OPTS" | "JAVA_TOOL_OPTIONS" | "JDK_JAVA_OPTIONS"
                        ) {
                            s.push_jvm_options(v, file, e.loc);
                        }
                    }
                    // A variable from a Secret is set, though we cannot see its value.
                    _ => s.push(e.name, "<ref>", file, e.loc),
                }
            }
            if c.node
                .get("envFrom")
                .is_some_and(|n| !n.as_seq().is_empty())
            {
                s.opaque = true;
            }
            for (word, node) in container_words(&c).0 {
                s.push_jvm_options(&word, file, node.loc);
            }
            for p in judge(&s) {
                let description = format!(
                    "{} of {} {}{CONSEQUENCE}",
                    c.describe(),
                    w.object.resource_id(),
                    p.text
                );
                on_container(out, w, &c, p.loc, description).key_part(
                    if p.text.contains("Eureka") {
                        "eureka"
                    } else {
                        "consul"
                    },
                );
            }
        }
    }

    fn check_compose_service(
        &self,
        compose: &ComposeFile,
        service: &ComposeService,
        _cx: &Context,
        out: &mut Sink,
    ) {
        let file = compose.file;
        let mut s = Settings::default();
        for e in service_env(service) {
            match e.value {
                Some(v) if !e.from_ref => {
                    s.push(e.name, v, file, e.loc);
                    if matches!(
                        e.name,
                        "JAVA_OPTS" | "JAVA_TOOL_OPTIONS" | "JDK_JAVA_OPTIONS"
                    ) {
                        s.push_jvm_options(v, file, e.loc);
                    }
                }
                _ => s.push(e.name, "<ref>", file, e.loc),
            }
        }
        if service.get("env_file").is_some() {
            s.opaque = true;
        }
        for p in judge(&s) {
            let description = format!("Compose service `{}` {}{CONSEQUENCE}", service.name, p.text);
            on_service(out, compose, service, p.loc, description).key_part(
                if p.text.contains("Eureka") {
                    "eureka"
                } else {
                    "consul"
                },
            );
        }
    }

    fn check_properties(&self, props: &PropertiesFile, cx: &Context, out: &mut Sink) {
        let mut s = Settings::default();
        for p in &props.entries {
            s.push(&p.key, &p.value, props.file, p.loc);
        }
        report_file(cx, props.file, &s, out, "");
    }

    fn check_corpus(&self, cx: &Context, out: &mut Sink) {
        // Spring `application.yml` documents.
        for doc in &cx.corpus.other_yaml {
            if doc.root.get("eureka").is_none()
                && doc.root.path(&["spring", "cloud", "consul"]).is_none()
            {
                continue;
            }
            let mut s = Settings::default();
            flatten_yaml(&doc.root, "", doc.file, &mut s);
            report_file(cx, doc.file, &s, out, &format!("doc{}", doc.index));
        }
        check_code(cx, out);
    }
}

fn flatten_yaml(node: &Node, prefix: &str, file: FileId, s: &mut Settings) {
    for (key, _, value) in node.entries() {
        let path = if prefix.is_empty() {
            key.to_string()
        } else {
            format!("{prefix}.{key}")
        };
        if value.is_map() {
            flatten_yaml(value, &path, file, s);
        } else if let Some(v) = value.as_str() {
            s.push(&path, v, file, value.loc);
        }
    }
}

/// Reports the problems of a configuration file, unless the deployment of the service it
/// belongs to sets the same thing (the deployed value is judged on the workload instead).
fn report_file(cx: &Context, file: FileId, s: &Settings, out: &mut Sink, key: &str) {
    let path = &cx.corpus.file(file).path;
    let owner = owner_of(cx, path);
    for p in judge(s) {
        let eureka = p.text.contains("Eureka");
        if let Some(node) = owner {
            let overridden = node.env.keys().any(|k| {
                let k = normalize(k);
                if eureka {
                    k == EUREKA_ZONE || k == EUREKA_REGISTER
                } else {
                    k.starts_with("springcloudconsul") || k == "consulhttptoken"
                }
            });
            if overridden {
                continue;
            }
        }
        let who = owner.map_or_else(
            || format!("`{path}`"),
            |n| format!("service `{}` (`{path}`)", n.name),
        );
        let f = out
            .report(p.file, p.loc, format!("{who} {}{CONSEQUENCE}", p.text))
            .key(format!(
                "file:{path}:{key}:{}",
                if eureka { "eureka" } else { "consul" }
            ))
            .infra(InfraType::Code);
        attach(f, owner, path);
    }
}

fn attach(f: &mut crate::Finding, owner: Option<&ArchNode>, path: &str) {
    match owner {
        Some(node) => {
            for r in node_resources(node) {
                f.resource(r);
            }
            if f.resources.is_empty() {
                f.resource(format!("File/{path}"));
            }
            f.component(format!("service {}", node.name));
        }
        None => {
            f.resource(format!("File/{path}"))
                .component(format!("file {path}"));
        }
    }
}

/// `Deployment/orders`, `ComposeService/orders`: how a node's definitions are named.
fn node_resources(node: &ArchNode) -> Vec<String> {
    node.kinds
        .iter()
        .filter(|k| k.as_str() != "source")
        .map(|k| {
            if k == "compose" {
                format!("ComposeService/{}", node.name)
            } else {
                format!("{k}/{}", node.name)
            }
        })
        .collect()
}

/// The service a file belongs to: a source directory the architecture attributed to it, else
/// the nearest enclosing directory named like a service.
fn owner_of<'a>(cx: &'a Context, path: &str) -> Option<&'a ArchNode> {
    let dirs: Vec<&str> = {
        let mut v = Vec::new();
        let mut d = path;
        while let Some((parent, _)) = d.rsplit_once('/') {
            v.push(parent);
            d = parent;
        }
        v
    };
    let services = || {
        cx.arch
            .nodes()
            .filter(|n| n.role != Role::EntryPoint && !n.external)
    };
    for dir in &dirs {
        if let Some(n) = services().find(|n| {
            n.sources
                .iter()
                .any(|s| s.kind == "code" && s.file.rsplit_once('/').map(|(d, _)| d) == Some(dir))
        }) {
            return Some(n);
        }
        let name = dir.rsplit('/').next().unwrap_or(dir).to_ascii_lowercase();
        let named: Vec<&ArchNode> = services()
            .filter(|n| n.name.eq_ignore_ascii_case(&name))
            .collect();
        if named.len() == 1 {
            return Some(named[0]);
        }
    }
    None
}

static CONSUL_REGISTER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"\.agent\.service\.register\s*\(|\.Agent\(\)\s*\.ServiceRegister(?:Opts)?\s*\(|\.agentServiceRegister\s*\(|agentClient\(\)\s*\.register\s*\(|/v1/agent/service/register|/v1/catalog/register",
    )
    .expect("valid regex")
});

static TOKEN: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?i)token").expect("valid regex"));

/// Source files that register with Consul and never mention a token.
fn check_code(cx: &Context, out: &mut Sink) {
    for (index, file) in cx.corpus.files.iter().enumerate() {
        if !matches!(file.kind, FileKind::Source(_)) {
            continue;
        }
        let Some(m) = CONSUL_REGISTER.find(&file.text) else {
            continue;
        };
        if TOKEN.is_match(&file.text) {
            continue;
        }
        let owner = owner_of(cx, &file.path);
        if owner.is_some_and(|n| token_in_deployment(cx, n)) {
            continue;
        }
        let id = FileId(index as u32);
        let loc = file.location_of(m.start());
        let who = owner.map_or_else(
            || format!("`{}`", file.path),
            |n| format!("service `{}` (`{}`)", n.name, file.path),
        );
        let f = out
            .report(
                id,
                loc,
                format!(
                    "{who} registers itself with Consul (`{}`) without an ACL token{CONSEQUENCE}",
                    m.as_str().trim_end_matches('(').trim()
                ),
            )
            .key(format!("code:{}:consul", file.path))
            .infra(InfraType::Code);
        attach(f, owner, &file.path);
    }
}

/// The service's deployment provides a Consul token (or environment we cannot see).
fn token_in_deployment(cx: &Context, node: &ArchNode) -> bool {
    if node
        .env
        .keys()
        .any(|k| matches!(k.as_str(), "CONSUL_HTTP_TOKEN" | "CONSUL_TOKEN"))
    {
        return true;
    }
    let mut hidden = false;
    for o in &cx.corpus.objects {
        let Some(w) = o.workload() else { continue };
        if workload_node(cx, o).is_none_or(|n| n.id != node.id) {
            continue;
        }
        for c in w.containers() {
            if container_env(&c)
                .iter()
                .any(|e| e.name.contains("CONSUL") && e.name.contains("TOKEN"))
                || c.node
                    .get("envFrom")
                    .is_some_and(|n| !n.as_seq().is_empty())
            {
                hidden = true;
            }
        }
    }
    for compose in &cx.corpus.compose {
        for s in compose.services() {
            if service_node(cx, &s).is_none_or(|n| n.id != node.id) {
                continue;
            }
            if service_env(&s)
                .iter()
                .any(|e| e.name.contains("CONSUL") && e.name.contains("TOKEN"))
                || s.get("env_file").is_some()
            {
                hidden = true;
            }
        }
    }
    hidden
}
