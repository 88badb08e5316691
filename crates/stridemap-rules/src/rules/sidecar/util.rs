//! Shared pieces of the sidecar and init-container rules: which container of a pod is the
//! application and which are auxiliary, what privileges a container holds, the volumes it
//! mounts and the Secrets it receives.

use crate::rules::container::util::{
    capabilities, compose_capabilities, host_path_mounts, is_runtime_socket, sensitive_host_path,
    ESCAPE_CAPABILITIES,
};
use stridemap_model::compose::{ComposeFile, ComposeService};
use stridemap_model::image::ImageRef;
use stridemap_model::k8s::{Container, ContainerRole, Workload};
use stridemap_model::{Location, Node, Severity};

/// What a well-known auxiliary container does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuxKind {
    /// Service-mesh data plane (Istio, Linkerd, Consul, Kuma, Envoy).
    Mesh,
    /// Log collection and shipping.
    Logging,
    /// Metrics and tracing agents, exporters.
    Telemetry,
    /// Authenticating or tunnelling proxies (oauth2-proxy, Cloud SQL proxy, kube-rbac-proxy).
    Proxy,
    /// Secret fetchers (Vault agent).
    Secrets,
    /// Configuration reloaders and synchronisers.
    Config,
}

impl AuxKind {
    pub fn noun(self) -> &'static str {
        match self {
            AuxKind::Mesh => "mesh proxy",
            AuxKind::Logging => "log agent",
            AuxKind::Telemetry => "telemetry agent",
            AuxKind::Proxy => "proxy",
            AuxKind::Secrets => "secrets agent",
            AuxKind::Config => "config agent",
        }
    }
}

const KNOWN: &[(AuxKind, &[&str])] = &[
    (
        AuxKind::Mesh,
        &[
            "istio-proxy",
            "proxyv2",
            "linkerd-proxy",
            "linkerd2-proxy",
            "envoy",
            "consul-dataplane",
            "consul-connect",
            "kuma-dp",
            "kuma-sidecar",
        ],
    ),
    (
        AuxKind::Logging,
        &[
            "fluent-bit",
            "fluentbit",
            "fluentd",
            "filebeat",
            "promtail",
            "logstash",
            "log-shipper",
            "logshipper",
            "log-forwarder",
            "log-collector",
            "logrotate",
        ],
    ),
    (
        AuxKind::Telemetry,
        &[
            "otel-collector",
            "opentelemetry-collector",
            "otelcol",
            "jaeger-agent",
            "datadog-agent",
            "dd-agent",
            "exporter",
            "statsd",
            "telegraf",
            "metrics-agent",
        ],
    ),
    (
        AuxKind::Proxy,
        &[
            "oauth2-proxy",
            "cloud-sql-proxy",
            "cloudsql-proxy",
            "kube-rbac-proxy",
            "ghostunnel",
            "stunnel",
        ],
    ),
    (AuxKind::Secrets, &["vault-agent", "secrets-sidecar"]),
    (
        AuxKind::Config,
        &[
            "config-reloader",
            "configmap-reload",
            "git-sync",
            "reloader",
        ],
    ),
];

/// The kind of a well-known auxiliary container, from its name or image.
pub fn aux_kind(c: &Container) -> Option<AuxKind> {
    let name = c.name.to_ascii_lowercase();
    let image = c
        .image()
        .and_then(Node::as_str)
        .map(|i| {
            let repo = ImageRef::parse(i).repository.to_ascii_lowercase();
            repo.rsplit('/').next().unwrap_or(&repo).to_string()
        })
        .unwrap_or_default();
    KNOWN
        .iter()
        .find(|(_, names)| names.iter().any(|n| name.contains(n) || image.contains(n)))
        .map(|(k, _)| *k)
}

/// How to name an auxiliary container in front of its description: `log agent `, `sidecar `
/// (for an app container acting as one), or nothing (native sidecars describe themselves).
pub fn prefix(c: &Container) -> String {
    match (aux_kind(c), c.role) {
        (Some(k), _) => format!("{} ", k.noun()),
        (None, ContainerRole::App) => "sidecar ".to_string(),
        (None, _) => String::new(),
    }
}

/// Containers that run side by side for the pod's life: app containers and native sidecars.
pub fn co_running<'a>(w: &Workload<'a>) -> Vec<Container<'a>> {
    w.containers()
        .into_iter()
        .filter(|c| matches!(c.role, ContainerRole::App | ContainerRole::Sidecar))
        .collect()
}

/// The application container: the one `kubectl.kubernetes.io/default-container` names, else the
/// one named after the workload or its `app` label, else the first that is not a well-known
/// auxiliary, else the first.
pub fn main_container<'a>(w: &Workload<'a>) -> Option<Container<'a>> {
    let apps: Vec<Container<'a>> = w
        .containers()
        .into_iter()
        .filter(|c| c.role == ContainerRole::App)
        .collect();
    if let Some(name) = w
        .pod_annotation("kubectl.kubernetes.io/default-container")
        .and_then(Node::as_str)
    {
        if let Some(c) = apps.iter().find(|c| c.name == name) {
            return Some(*c);
        }
    }
    let labels = w.pod_metadata.and_then(|m| m.get("labels"));
    let mut names: Vec<&str> = vec![w.object.name.as_str()];
    for key in ["app", "app.kubernetes.io/name", "k8s-app", "name"] {
        if let Some(v) = labels.and_then(|l| l.get(key)).and_then(Node::as_str) {
            names.push(v);
        }
    }
    if let Some(c) = apps.iter().find(|c| names.contains(&c.name)) {
        return Some(*c);
    }
    apps.iter()
        .find(|c| aux_kind(c).is_none())
        .or(apps.first())
        .copied()
}

/// Co-running containers other than the application: the pod's sidecars.
pub fn auxiliaries<'a>(w: &Workload<'a>) -> Vec<Container<'a>> {
    let main = main_container(w);
    co_running(w)
        .into_iter()
        .filter(|c| !main.is_some_and(|m| m.role == c.role && m.index == c.index))
        .collect()
}

/// A container's `volumeMounts` entry.
#[derive(Debug, Clone, Copy)]
pub struct Mount<'a> {
    pub volume: &'a str,
    pub path: &'a str,
    pub read_only: bool,
    pub node: &'a Node,
}

pub fn mounts<'a>(c: &Container<'a>) -> Vec<Mount<'a>> {
    c.node
        .get("volumeMounts")
        .map(Node::as_seq)
        .unwrap_or(&[])
        .iter()
        .filter_map(|m| {
            Some(Mount {
                volume: m.get("name")?.as_str()?,
                path: m.get("mountPath").and_then(Node::as_str).unwrap_or(""),
                read_only: m.get("readOnly").and_then(Node::as_bool) == Some(true),
                node: m,
            })
        })
        .collect()
}

/// The pod's volume of that name.
pub fn volume<'a>(w: &Workload<'a>, name: &str) -> Option<&'a Node> {
    w.volumes()
        .iter()
        .find(|v| v.get("name").and_then(Node::as_str) == Some(name))
}

/// The volume's source type (`emptyDir`, `persistentVolumeClaim`, `hostPath`…).
pub fn volume_type(v: &Node) -> &str {
    v.entries()
        .map(|(k, _, _)| k)
        .find(|k| *k != "name")
        .unwrap_or("emptyDir")
}

/// The source type of the pod's volume of that name; a StatefulSet's `volumeClaimTemplates`
/// count as `persistentVolumeClaim`.
pub fn volume_kind<'a>(w: &Workload<'a>, name: &str) -> Option<&'a str> {
    if let Some(v) = volume(w, name) {
        return Some(volume_type(v));
    }
    let claimed = w
        .object
        .root
        .path(&["spec", "volumeClaimTemplates"])
        .map(Node::as_seq)
        .unwrap_or(&[])
        .iter()
        .any(|t| t.path(&["metadata", "name"]).and_then(Node::as_str) == Some(name));
    claimed.then_some("persistentVolumeClaim")
}

/// Volume types Kubernetes always mounts read-only: files in them cannot be planted by a
/// container.
pub fn read_only_type(t: &str) -> bool {
    matches!(t, "configMap" | "secret" | "downwardAPI" | "projected")
}

/// Volume types whose content outlives the pod.
pub fn persistent_type(t: &str) -> bool {
    !matches!(t, "emptyDir" | "ephemeral") && !read_only_type(t)
}

/// Capabilities the container runtime grants by default: adding them back after dropping
/// everything grants nothing new.
pub const DEFAULT_CAPABILITIES: &[&str] = &[
    "CHOWN",
    "DAC_OVERRIDE",
    "FSETID",
    "FOWNER",
    "MKNOD",
    "NET_RAW",
    "SETGID",
    "SETUID",
    "SETFCAP",
    "SETPCAP",
    "NET_BIND_SERVICE",
    "SYS_CHROOT",
    "KILL",
    "AUDIT_WRITE",
];

/// Something that gives a container power over the node.
#[derive(Debug, Clone)]
pub struct Power<'a> {
    pub kind: PowerKind,
    pub what: String,
    pub node: &'a Node,
    pub severity: Severity,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PowerKind {
    Privileged,
    Capability,
    HostPath,
}

/// The node-level privileges a container holds by itself: privileged mode, capabilities beyond
/// the runtime's default set, host paths it mounts.
pub fn powers<'a>(w: &Workload<'a>, c: &Container<'a>) -> Vec<Power<'a>> {
    let mut out = Vec::new();
    if let Some(flag) = c
        .security_context()
        .and_then(|sc| sc.get("privileged"))
        .filter(|n| n.as_bool() == Some(true))
    {
        out.push(Power {
            kind: PowerKind::Privileged,
            what: "runs privileged".into(),
            node: flag,
            severity: Severity::Critical,
        });
    }
    for (cap, node) in capabilities(c, "add") {
        if DEFAULT_CAPABILITIES.contains(&cap.as_str()) {
            continue;
        }
        let severity = if ESCAPE_CAPABILITIES.contains(&cap.as_str()) {
            Severity::Critical
        } else {
            Severity::High
        };
        out.push(Power {
            kind: PowerKind::Capability,
            what: format!("adds capability {cap}"),
            node,
            severity,
        });
    }
    for m in host_path_mounts(w, c) {
        let Some(mount) = m.mount else { continue };
        let (severity, what) = if is_runtime_socket(m.path) {
            (
                Severity::Critical,
                format!("mounts the container runtime socket {}", m.path),
            )
        } else if sensitive_host_path(m.path).is_some() && !m.read_only {
            (
                Severity::Critical,
                format!("mounts host path {} writable", m.path),
            )
        } else if sensitive_host_path(m.path).is_some() {
            (Severity::High, format!("mounts host path {}", m.path))
        } else {
            (Severity::Medium, format!("mounts host path {}", m.path))
        };
        out.push(Power {
            kind: PowerKind::HostPath,
            what,
            node: mount,
            severity,
        });
    }
    out
}

/// Privileges that amount to control of the node: privileged mode, an escape capability, the
/// runtime socket or a writable sensitive host directory.
pub fn node_control<'a>(w: &Workload<'a>, c: &Container<'a>) -> Vec<Power<'a>> {
    powers(w, c)
        .into_iter()
        .filter(|p| p.severity == Severity::Critical)
        .collect()
}

/// Whether a container runs as root.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RootState {
    /// `runAsUser: 0`.
    Root(Location),
    /// Neither `runAsNonRoot: true` nor a non-zero `runAsUser`: the image's user, often root.
    Maybe(Location),
    NonRoot,
}

pub fn root_state(w: &Workload, c: &Container) -> RootState {
    let user = c.effective(w, "runAsUser");
    let uid = user.and_then(Node::as_i64);
    let non_root = c.effective(w, "runAsNonRoot").and_then(Node::as_bool);
    let anchor = c.security_context().map_or(c.node.loc, |sc| sc.loc);
    match uid {
        Some(0) => RootState::Root(user.map_or(anchor, |n| n.loc)),
        Some(u) if u > 0 => RootState::NonRoot,
        _ if non_root == Some(true) => RootState::NonRoot,
        _ => RootState::Maybe(c.effective(w, "runAsNonRoot").map_or(anchor, |n| n.loc)),
    }
}

/// A Secret a container receives, described for messages.
#[derive(Debug, Clone)]
pub struct SecretUse<'a> {
    pub what: String,
    pub node: &'a Node,
}

/// Secrets given to a container: `secretKeyRef` variables, `envFrom` Secrets, and mounted
/// `secret` volumes or projected Secret sources.
pub fn secrets_of<'a>(w: &Workload<'a>, c: &Container<'a>) -> Vec<SecretUse<'a>> {
    let mut out = Vec::new();
    for e in c.node.get("env").map(Node::as_seq).unwrap_or(&[]) {
        if let Some(r) = e
            .path(&["valueFrom", "secretKeyRef"])
            .filter(|r| r.is_map())
        {
            let var = e.get("name").and_then(Node::as_str).unwrap_or("?");
            let secret = r.get("name").and_then(Node::as_str).unwrap_or("?");
            out.push(SecretUse {
                what: format!("variable {var} from Secret `{secret}`"),
                node: r,
            });
        }
    }
    for e in c.node.get("envFrom").map(Node::as_seq).unwrap_or(&[]) {
        if let Some(r) = e.get("secretRef").filter(|r| r.is_map()) {
            let secret = r.get("name").and_then(Node::as_str).unwrap_or("?");
            out.push(SecretUse {
                what: format!("all keys of Secret `{secret}` as variables"),
                node: r,
            });
        }
    }
    for m in mounts(c) {
        let Some(v) = volume(w, m.volume) else {
            continue;
        };
        let mut names: Vec<&str> = Vec::new();
        if let Some(s) = v.get("secret") {
            names.push(s.get("secretName").and_then(Node::as_str).unwrap_or("?"));
        }
        for src in v
            .path(&["projected", "sources"])
            .map(Node::as_seq)
            .unwrap_or(&[])
        {
            if let Some(s) = src.get("secret") {
                names.push(s.get("name").and_then(Node::as_str).unwrap_or("?"));
            }
        }
        for name in names {
            out.push(SecretUse {
                what: format!("Secret `{name}` mounted at {}", m.path),
                node: m.node,
            });
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Compose.

/// The service whose network namespace a Compose service joins (`network_mode: service:x` or
/// `container:x`), which makes it that service's sidecar.
pub fn joined_service<'a>(
    compose: &'a ComposeFile,
    s: &ComposeService,
) -> Option<ComposeService<'a>> {
    let mode = s.get("network_mode").and_then(Node::as_str)?;
    let target = mode
        .strip_prefix("service:")
        .or_else(|| mode.strip_prefix("container:"))?;
    compose.services().find(|o| {
        o.name == target || o.get("container_name").and_then(Node::as_str) == Some(target)
    })
}

/// Node-level privileges of a Compose service.
pub fn service_powers<'a>(compose: &ComposeFile, s: &ComposeService<'a>) -> Vec<Power<'a>> {
    let mut out = Vec::new();
    if let Some(flag) = s.get("privileged").filter(|n| n.as_bool() == Some(true)) {
        out.push(Power {
            kind: PowerKind::Privileged,
            what: "runs privileged".into(),
            node: flag,
            severity: Severity::Critical,
        });
    }
    for (cap, node) in compose_capabilities(s, "cap_add") {
        if DEFAULT_CAPABILITIES.contains(&cap.as_str()) {
            continue;
        }
        out.push(Power {
            kind: PowerKind::Capability,
            what: format!("adds capability {cap}"),
            node,
            severity: if ESCAPE_CAPABILITIES.contains(&cap.as_str()) {
                Severity::Critical
            } else {
                Severity::High
            },
        });
    }
    let volumes = s.get("volumes").map(Node::as_seq).unwrap_or(&[]);
    for m in s.mounts() {
        let Some(src) = compose.host_source(&m).filter(|p| p.starts_with('/')) else {
            continue;
        };
        let node = volumes.iter().find(|v| v.loc == m.loc).unwrap_or(s.node);
        let (severity, what) = if is_runtime_socket(src) {
            (
                Severity::Critical,
                format!("mounts the container runtime socket {src}"),
            )
        } else if sensitive_host_path(src).is_some() && !m.read_only {
            (
                Severity::Critical,
                format!("mounts host path {src} writable"),
            )
        } else if sensitive_host_path(src).is_some() {
            (Severity::High, format!("mounts host path {src}"))
        } else {
            (Severity::Medium, format!("mounts host path {src}"))
        };
        out.push(Power {
            kind: PowerKind::HostPath,
            what,
            node,
            severity,
        });
    }
    out
}

/// The most severe of several.
pub fn worst(severities: impl IntoIterator<Item = Severity>) -> Option<Severity> {
    severities.into_iter().min()
}
