use super::util;
use crate::rules::s2s::util::{self as s2s, Files};
use crate::{Check, Context, Sink};
use stridemap_model::architecture::ArchNode;
use stridemap_model::image::ImageRef;
use stridemap_model::{InfraType, Node};

declare_rule! {
    /// ## What it does
    /// Flags Kafka administration consoles — Kafka UI, Kafdrop, AKHQ, Redpanda Console,
    /// CMAK — that have no login of their own and that the architecture shows reachable from
    /// outside: a NodePort or LoadBalancer Service, a host port or the host network, or a route
    /// through an entry point without authentication. The console's login is read from its
    /// environment (Kafka UI's `AUTH_TYPE`, AKHQ's security configuration, Redpanda Console's
    /// `LOGIN_ENABLED`, CMAK's `KAFKA_MANAGER_AUTH_ENABLED`; Kafdrop has none); consoles whose
    /// configuration is mounted from outside the scan are not judged.
    ///
    /// Exposure that other rules already describe as an admin console is not repeated: Ingress,
    /// gateway, Kong and NGINX routes to Kafka UI, Kafdrop, AKHQ and CMAK
    /// (S2S-INTERNAL-SERVICE-EXPOSED) and ports published by Compose (CTR-PORT-ALL-INTERFACES),
    /// unless the console's login is explicitly switched off. The RabbitMQ management UI is
    /// judged with its accounts by MQ-RABBITMQ-DEFAULT-USER.
    ///
    /// ## Why is this bad?
    /// These consoles connect to the brokers with their own, usually privileged, client
    /// configuration. Whoever opens the page browses every topic's messages, produces new ones
    /// that consumers act on, resets consumer-group offsets, and deletes topics — no Kafka
    /// credentials needed, because the console holds them.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Service
    /// metadata:
    ///   name: kafka-ui
    /// spec:
    ///   type: NodePort
    ///   selector: {app: kafka-ui}
    ///   ports: [{port: 8080, nodePort: 30080}]
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// env:
    ///   - name: AUTH_TYPE
    ///     value: OAUTH2
    ///   - name: KAFKA_CLUSTERS_0_READONLY
    ///     value: "true"
    /// ```
    /// Keep the console's Service `ClusterIP` and reach it through `kubectl port-forward` or an
    /// authenticating proxy; turn on its own login and make clusters read-only where possible.
    pub struct AdminUiExposed {
        id: "MQ-ADMIN-UI-EXPOSED",
        title: "Broker admin console reachable from outside without login",
        group: MessageQueue,
        stride: Tampering,
        severity: High,
        cwe: [306, 749],
        infra: [Kafka, Kubernetes],
        equivalents: [],
        attack_scenario: "An attacker finds the node port of the Kafka console, opens it without logging in, reads the payment topic's messages and produces a forged refund event that the refund service executes.",
        mitigation: "Do not publish broker consoles; reach them through port-forwarding or an authenticating, IP-restricted proxy, enable the console's own authentication and run it read-only.",
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Console {
    KafkaUi,
    Kafdrop,
    Akhq,
    Redpanda,
    Cmak,
}

impl Console {
    fn name(self) -> &'static str {
        match self {
            Console::KafkaUi => "Kafka UI",
            Console::Kafdrop => "Kafdrop",
            Console::Akhq => "AKHQ",
            Console::Redpanda => "Redpanda Console",
            Console::Cmak => "CMAK",
        }
    }

    /// The consoles S2S-INTERNAL-SERVICE-EXPOSED names when they are routed from the edge.
    fn known_to_edge_rule(self) -> bool {
        !matches!(self, Console::Redpanda)
    }
}

fn console(node: &ArchNode) -> Option<Console> {
    node.images.iter().find_map(|i| {
        let repo = ImageRef::parse(i).repository.to_ascii_lowercase();
        let last = repo.rsplit('/').next().unwrap_or(&repo);
        match last {
            "kafka-ui" => Some(Console::KafkaUi),
            "kafdrop" => Some(Console::Kafdrop),
            "akhq" => Some(Console::Akhq),
            "cmak" | "kafka-manager" => Some(Console::Cmak),
            "console" if repo.contains("redpanda") || repo.contains("vectorized") => {
                Some(Console::Redpanda)
            }
            _ => None,
        }
    })
}

/// The console's own login: `Some(true)` on, `Some(false)` off (explicitly or by nature),
/// `None` when the scan cannot tell. The flag says the login is explicitly switched off.
fn login(c: Console, node: &ArchNode) -> (Option<bool>, bool) {
    let env = |k: &str| node.env.get(k).map(|v| v.trim().to_ascii_lowercase());
    let has_prefix = |p: &str| node.env.keys().any(|k| k.starts_with(p));
    match c {
        Console::KafkaUi => match env("AUTH_TYPE").as_deref() {
            Some("disabled") => (Some(false), true),
            Some(_) => (Some(true), false),
            None if has_prefix("SPRING_CONFIG")
                || env("DYNAMIC_CONFIG_ENABLED").as_deref() == Some("true") =>
            {
                (None, false)
            }
            None => (Some(false), false),
        },
        Console::Kafdrop => (Some(false), false),
        Console::Akhq => {
            if has_prefix("MICRONAUT_CONFIG_FILES") {
                return (None, false);
            }
            match env("AKHQ_CONFIGURATION") {
                Some(conf) if conf.contains("security") => (None, false),
                _ => (Some(false), false),
            }
        }
        Console::Redpanda => {
            if has_prefix("CONFIG_FILEPATH") {
                return (None, false);
            }
            match env("LOGIN_ENABLED").as_deref() {
                Some("true") => (Some(true), false),
                Some("false") => (Some(false), true),
                _ => (Some(false), false),
            }
        }
        Console::Cmak => match env("KAFKA_MANAGER_AUTH_ENABLED").as_deref() {
            Some("true") => (Some(true), false),
            Some("false") => (Some(false), true),
            _ => (Some(false), false),
        },
    }
}

/// The console reads a configuration file mounted from elsewhere.
fn mounts_config(cx: &Context, node: &ArchNode) -> bool {
    let index = s2s::workload_objects(cx.corpus);
    let k8s = s2s::objects_of_node(&index, node).iter().any(|o| {
        o.workload().is_some_and(|w| {
            w.containers().iter().any(|c| {
                c.node
                    .get("volumeMounts")
                    .map(Node::as_seq)
                    .unwrap_or(&[])
                    .iter()
                    .filter_map(|m| m.get("mountPath").and_then(Node::as_str))
                    .any(config_path)
            })
        })
    });
    let compose = node
        .sources
        .iter()
        .filter(|s| s.kind == "compose")
        .any(|s| {
            cx.corpus
                .compose
                .iter()
                .filter(|c| cx.corpus.file(c.file).path == s.file)
                .flat_map(|c| c.services().collect::<Vec<_>>())
                .filter(|svc| svc.key.loc.line == s.line)
                .any(|svc| svc.mounts().iter().any(|m| config_path(m.target)))
        });
    k8s || compose
}

fn config_path(p: &str) -> bool {
    p.ends_with(".yml")
        || p.ends_with(".yaml")
        || p.ends_with(".properties")
        || p.contains("config")
}

/// Entry point kinds through which S2S-INTERNAL-SERVICE-EXPOSED reports admin consoles.
const ROUTED: &[&str] = &["Ingress", "Gateway", "kong", "nginx"];

impl Check for AdminUiExposed {
    fn check_corpus(&self, cx: &Context, out: &mut Sink) {
        let files = Files::new(cx.corpus);
        for n in cx.arch.nodes().filter(|n| !n.external) {
            let Some(c) = console(n) else { continue };
            let (login, switched_off) = login(c, n);
            if login != Some(false) || (!switched_off && mounts_config(cx, n)) {
                continue;
            }
            let exposed: Vec<_> = util::entry_points(cx, n)
                .into_iter()
                .filter(|(e, _)| {
                    let kind = e.kinds.first().map(String::as_str).unwrap_or("");
                    if kind == "compose-port" {
                        return switched_off;
                    }
                    if ROUTED.contains(&kind) && c.known_to_edge_rule() {
                        return switched_off;
                    }
                    true
                })
                .collect();
            let Some((_, first)) = exposed.first() else {
                continue;
            };
            let Some((file, loc)) = first
                .loc
                .or_else(|| s2s::definition(n).and_then(|s| files.at(s)))
            else {
                continue;
            };
            let via = util::names(exposed.iter().map(|(e, _)| e.name.as_str()));
            let why = if switched_off {
                "its login is switched off"
            } else if c == Console::Kafdrop {
                "it has no login of its own"
            } else if c == Console::KafkaUi {
                "its login is not enabled (no `AUTH_TYPE`)"
            } else {
                "its login is not enabled"
            };
            let brokers: Vec<&str> = cx
                .arch
                .flows_from(&n.id)
                .filter_map(|f| cx.arch.node(&f.to))
                .filter(|b| b.role == stridemap_model::architecture::Role::Broker)
                .map(|b| b.name.as_str())
                .collect();
            let target = if brokers.is_empty() {
                "the Kafka clusters it manages".to_string()
            } else {
                format!("Kafka broker {}", util::names(brokers.iter().copied()))
            };
            let f = out
                .report(
                    file,
                    loc,
                    format!(
                        "{} `{}` is reachable from outside through {via} and {why}: anyone can read and produce messages, reset offsets and delete topics on {target}",
                        c.name(),
                        n.name
                    ),
                )
                .key(format!("admin-ui:{}", n.id))
                .component(format!("{} {}", c.name(), n.name))
                .infra(InfraType::Kafka);
            for b in &brokers {
                f.component(format!("Kafka cluster {b}"));
            }
            for (e, flow) in &exposed {
                f.resource(s2s::entry_resource(e));
                if let Some((file, loc)) = flow.loc {
                    f.also_at(file, loc);
                }
            }
            s2s::add_node(f, &files, n);
        }
    }
}
