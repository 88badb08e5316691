use super::util::names;
use crate::rules::s2s::util::{self, Files};
use crate::{Check, Context, Sink};
use std::collections::HashMap;
use stridemap_model::architecture::{ArchNode, Exposure, Flow, Role};
use stridemap_model::image::ImageRef;
use stridemap_model::k8s::K8sObject;
use stridemap_model::{InfraType, Node, Severity};

declare_rule! {
    /// ## What it does
    /// Flags monitoring and tracing consoles that can be reached from outside without logging
    /// in: Prometheus, Alertmanager, Pushgateway, Jaeger and Zipkin (no authentication of
    /// their own unless Prometheus is given a `--web.config.file`) behind a LoadBalancer or
    /// NodePort Service, an Ingress or gateway route without authentication, a host port or
    /// the host network; Grafana with anonymous access enabled (`GF_AUTH_ANONYMOUS_ENABLED`,
    /// `[auth.anonymous]` in `grafana.ini`); and Kiali configured with
    /// `auth.strategy: anonymous`. Ports that Compose publishes for Prometheus-like tools are
    /// left to the published-port rule, unless the tool's own login is switched off.
    ///
    /// ## Why is this bad?
    /// Metrics, traces and the mesh graph map the whole system for an attacker: service names
    /// and versions, internal addresses, endpoints and error rates — and traces often carry
    /// user identifiers, tokens in URLs and request payloads. Prometheus' API also exposes its
    /// scrape targets and configuration, Kiali can edit Istio resources, and an anonymous
    /// Grafana with an editor or admin role runs queries against every data source it holds.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Service
    /// metadata:
    ///   name: prometheus
    /// spec:
    ///   type: LoadBalancer
    ///   selector: {app: prometheus}
    ///   ports: [{port: 9090}]
    /// ```
    ///
    /// ## Use instead
    /// Keep the Service `ClusterIP` and reach the console through `kubectl port-forward`, or
    /// publish it through an Ingress with an authenticating proxy
    /// (`nginx.ingress.kubernetes.io/auth-url`); keep Grafana's and Kiali's login enabled.
    pub struct ObservabilityExposed {
        id: "MESH-OBSERVABILITY-EXPOSED",
        title: "Monitoring or tracing console reachable without authentication",
        group: ServiceMesh,
        stride: InformationDisclosure,
        severity: High,
        cwe: [200, 306],
        infra: [Kubernetes, Compose],
        equivalents: [],
        attack_scenario: "An attacker opens the exposed Prometheus, Jaeger or Grafana console, lists every service, internal address and endpoint of the system, reads traces that carry user identifiers and tokens, and uses the map to pick targets for the next step.",
        mitigation: "Do not expose monitoring consoles; use port-forwarding or an authenticating proxy with source-range restrictions, enable the tool's own authentication (Prometheus web config, Grafana login, Kiali token/OpenID strategy).",
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Tool {
    Prometheus,
    Alertmanager,
    Pushgateway,
    Grafana,
    Kiali,
    Jaeger,
    Zipkin,
}

impl Tool {
    fn name(self) -> &'static str {
        match self {
            Tool::Prometheus => "Prometheus",
            Tool::Alertmanager => "Alertmanager",
            Tool::Pushgateway => "Pushgateway",
            Tool::Grafana => "Grafana",
            Tool::Kiali => "Kiali",
            Tool::Jaeger => "Jaeger",
            Tool::Zipkin => "Zipkin",
        }
    }
}

/// Parts of image names that make a tool's companion (agents, exporters, operators) rather
/// than the console itself.
const COMPANIONS: &[&str] = &[
    "exporter",
    "operator",
    "reloader",
    "adapter",
    "agent",
    "renderer",
    "to-sd",
    "sidecar",
    "collector",
    "ingester",
    "init",
    "proxy",
    "mixin",
];

fn tool(node: &ArchNode) -> Option<Tool> {
    node.images.iter().find_map(|i| {
        let repo = ImageRef::parse(i).repository.to_ascii_lowercase();
        let last = repo.rsplit('/').next().unwrap_or(&repo);
        if COMPANIONS.iter().any(|c| last.contains(c)) {
            return None;
        }
        [
            ("alertmanager", Tool::Alertmanager),
            ("pushgateway", Tool::Pushgateway),
            ("prometheus", Tool::Prometheus),
            ("grafana", Tool::Grafana),
            ("kiali", Tool::Kiali),
            ("jaeger", Tool::Jaeger),
            ("zipkin", Tool::Zipkin),
        ]
        .iter()
        .find(|(name, _)| last.contains(name))
        .map(|(_, t)| *t)
        .or_else(|| (last == "all-in-one" && repo.contains("jaeger")).then_some(Tool::Jaeger))
    })
}

/// `[auth.anonymous]` with `enabled = true` in a grafana.ini text.
fn ini_anonymous(text: &str) -> bool {
    let mut in_section = false;
    for line in text.lines().map(str::trim) {
        if line.starts_with('[') {
            in_section = line.eq_ignore_ascii_case("[auth.anonymous]");
        } else if in_section {
            let l = line.replace(' ', "").to_ascii_lowercase();
            if l == "enabled=true" {
                return true;
            }
        }
    }
    false
}

fn env_true(node: &ArchNode, key: &str) -> bool {
    node.env
        .get(key)
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"))
}

/// ConfigMap values and Kiali resources that switch logins off, by namespace.
struct AnonymousConfig<'a> {
    grafana: HashMap<Option<String>, &'a K8sObject>,
    kiali: HashMap<Option<String>, (&'a K8sObject, &'a Node)>,
}

fn anonymous_config<'a>(cx: &Context<'a>) -> AnonymousConfig<'a> {
    let mut grafana = HashMap::new();
    let mut kiali = HashMap::new();
    for cm in cx.corpus.objects_of(&["ConfigMap"]) {
        for (_, _, v) in cm
            .root
            .get("data")
            .map(|d| d.entries().collect())
            .unwrap_or_else(Vec::new)
        {
            let Some(text) = v.as_str() else { continue };
            if ini_anonymous(text) {
                grafana.entry(cm.namespace.clone()).or_insert(cm);
            }
            if cm.name.contains("kiali")
                && text.lines().any(|l| {
                    l.replace(' ', "")
                        .eq_ignore_ascii_case("strategy:anonymous")
                })
            {
                kiali.entry(cm.namespace.clone()).or_insert((cm, v));
            }
        }
    }
    for cr in cx.corpus.objects_of(&["Kiali"]) {
        if let Some(n) = cr.root.path(&["spec", "auth", "strategy"]).filter(|n| {
            n.as_str()
                .is_some_and(|s| s.eq_ignore_ascii_case("anonymous"))
        }) {
            kiali.insert(cr.namespace.clone(), (cr, n));
        }
    }
    AnonymousConfig { grafana, kiali }
}

impl Check for ObservabilityExposed {
    fn check_corpus(&self, cx: &Context, out: &mut Sink) {
        let files = Files::new(cx.corpus);
        let anon = anonymous_config(cx);
        let objects = util::workload_objects(cx.corpus);
        let mut entries: HashMap<&str, Vec<(&ArchNode, &Flow)>> = HashMap::new();
        for f in cx.arch.flows() {
            if let Some(e) = cx.arch.node(&f.from).filter(|e| {
                e.role == Role::EntryPoint
                    && e.exposure == Exposure::Internet
                    && e.authenticated != Some(true)
            }) {
                entries.entry(f.to.as_str()).or_default().push((e, f));
            }
        }
        let mut kiali_reported = false;
        for n in cx
            .arch
            .nodes()
            .filter(|n| !n.external && n.role != Role::EntryPoint)
        {
            let Some(tool) = tool(n) else { continue };
            // Why nobody has to log in, and whether that is the tool's own setting.
            let (open, switched_off) = match tool {
                Tool::Grafana => {
                    let env = env_true(n, "GF_AUTH_ANONYMOUS_ENABLED");
                    let ini = anon.grafana.get(&n.namespace).map(|cm| cm.name.as_str());
                    match (env, ini) {
                        (true, _) => (
                            Some(
                                "anonymous access is enabled (`GF_AUTH_ANONYMOUS_ENABLED=true`)"
                                    .to_string(),
                            ),
                            true,
                        ),
                        (false, Some(cm)) => (
                            Some(format!("anonymous access is enabled in ConfigMap `{cm}`")),
                            true,
                        ),
                        _ => (None, false),
                    }
                }
                Tool::Kiali => match anon.kiali.get(&n.namespace) {
                    Some((o, _)) => (
                        Some(format!(
                            "{} `{}` sets `auth.strategy: anonymous`",
                            o.kind, o.name
                        )),
                        true,
                    ),
                    None => (None, false),
                },
                Tool::Prometheus | Tool::Alertmanager | Tool::Pushgateway => {
                    let web_config = util::objects_of_node(&objects, n).iter().any(|o| {
                        o.workload().is_some_and(|w| {
                            w.containers().iter().any(|c| {
                                ["args", "command"].iter().any(|k| {
                                    c.node
                                        .get(k)
                                        .map(Node::strings)
                                        .unwrap_or_default()
                                        .iter()
                                        .any(|(s, _)| s.contains("web.config.file"))
                                })
                            })
                        })
                    });
                    if web_config {
                        (None, false)
                    } else {
                        (Some("it has no login of its own".to_string()), false)
                    }
                }
                Tool::Jaeger | Tool::Zipkin => {
                    (Some("it has no login of its own".to_string()), false)
                }
            };
            let Some(open) = open else { continue };
            let exposed: Vec<&(&ArchNode, &Flow)> = entries
                .get(n.id.as_str())
                .map(|v| {
                    v.iter()
                        .filter(|(e, _)| {
                            switched_off || !e.kinds.iter().any(|k| k == "compose-port")
                        })
                        .collect()
                })
                .unwrap_or_default();
            let anonymous_admin = tool == Tool::Grafana
                && switched_off
                && n.env.get("GF_AUTH_ANONYMOUS_ORG_ROLE").is_some_and(|r| {
                    matches!(r.trim().to_ascii_lowercase().as_str(), "admin" | "editor")
                });
            let Some(&&(_, first)) = exposed.first() else {
                if anonymous_admin || (tool == Tool::Kiali && switched_off) {
                    kiali_reported |= tool == Tool::Kiali;
                    let Some((file, loc)) = util::definition(n).and_then(|s| files.at(s)) else {
                        continue;
                    };
                    let f = out
                        .report(
                            file,
                            loc,
                            format!(
                                "{} `{}` lets anyone who reaches it in without logging in: {open}",
                                tool.name(),
                                n.name
                            ),
                        )
                        .key(format!("{}:internal", n.id))
                        .severity(Severity::Medium)
                        .component(n.name.clone())
                        .infra(infra(n));
                    util::add_node(f, &files, n);
                }
                continue;
            };
            kiali_reported |= tool == Tool::Kiali;
            let Some((file, loc)) = first.loc else {
                continue;
            };
            let via = names(exposed.iter().map(|(e, _)| e.name.as_str()));
            let f = out
                .report(
                    file,
                    loc,
                    format!(
                        "{} `{}` is reachable from outside through {via} and {open}: anyone can read the system's telemetry",
                        tool.name(),
                        n.name
                    ),
                )
                .key(n.id.clone())
                .component(n.name.clone())
                .component("observability")
                .infra(infra(n));
            for (e, fl) in exposed.iter().skip(1) {
                if let Some((file, loc)) = fl.loc {
                    f.also_at(file, loc);
                }
                f.resource(util::entry_resource(e));
            }
            if let Some((e, _)) = exposed.first() {
                f.resource(util::entry_resource(e));
            }
            util::add_node(f, &files, n);
        }
        // A Kiali configured for anonymous access whose deployment is not in the repository.
        if !kiali_reported {
            for (o, node) in anon.kiali.values() {
                out.report(
                    o.file,
                    node.loc,
                    format!(
                        "{} `{}` configures Kiali with `auth.strategy: anonymous`: anyone who reaches the console sees (and may change) the mesh's configuration without logging in",
                        o.kind, o.name
                    ),
                )
                .resource(o.resource_id())
                .key(o.qualified_id())
                .severity(Severity::Medium)
                .component("Kiali")
                .infra(InfraType::Istio);
            }
        }
    }
}

fn infra(n: &ArchNode) -> InfraType {
    if util::is_k8s_workload(n) {
        InfraType::Kubernetes
    } else {
        InfraType::Compose
    }
}
