//! What a plan is made from: the report (threats and architecture) and the few facts of the
//! scanned files that the report does not carry — where each Service port leads on the pods,
//! the routes the code serves, and the mesh's existing peer-authentication policies.

use std::collections::{BTreeMap, BTreeSet};
use stridemap_model::architecture::ArchNode;
use stridemap_model::{Corpus, Node, Report};

/// The port a Service port forwards to on the pods: a number or a container port's name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(untagged)]
pub enum PodPort {
    Number(u16),
    Name(String),
}

/// An existing namespace-wide Istio PeerAuthentication whose mode is weaker than STRICT.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WeakPeerAuthentication {
    pub namespace: String,
    pub name: String,
    pub file: String,
    /// The `spec.mtls.mode` scalar (1-based line and column), when written.
    pub mode_at: Option<(u32, u32)>,
    pub mode: String,
}

/// Where a container is written in a manifest, and what its block looks like, so keys can be
/// added to it without rewriting the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerSite {
    pub file: String,
    pub api_version: String,
    pub kind: String,
    pub name: String,
    pub namespace: Option<String>,
    /// `Kind/name`.
    pub resource: String,
    /// Keys from the object's root to its pod spec (`spec.template.spec`…).
    pub pod_spec_path: Vec<&'static str>,
    /// `containers`, `initContainers`, `ephemeralContainers`.
    pub list: &'static str,
    pub container: String,
    /// 1-based line of the container's first key.
    pub line: u32,
    /// Where new keys of the container go: after this line, at this indentation; `None`
    /// when the container is not written in block style with a one-line first entry.
    pub insert: Option<(u32, usize)>,
    /// The container's `securityContext`: absent, or a block mapping (its first line, the
    /// indentation of its keys and the keys written), or something not editable.
    pub security_context: Block,
    pub has_resources: bool,
    /// The keys the container (or Compose service) writes.
    pub keys: BTreeSet<String>,
    /// Lines where findings about a field the container lacks point: its first line, and the
    /// first key of its security context (Kubernetes) or its `image` key (Compose).
    pub anchors: Vec<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    Absent,
    /// A block mapping: its first key's line, that key's indentation and the keys written.
    Map {
        line: u32,
        indent: usize,
        keys: BTreeSet<String>,
    },
    /// Flow style, empty or not a mapping: left alone.
    Other,
}

/// Where a `USER` instruction can go in a Dockerfile's final stage: before its trailing
/// CMD/ENTRYPOINT/EXPOSE/… block (so no later RUN loses root), or at the end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DockerfileSite {
    pub file: String,
    /// Insert after this many lines (0: at the top).
    pub insert_after: u32,
    /// The final stage's last `USER`, if any.
    pub user: Option<String>,
}

/// Keys of a ConfigMap that hold credentials (never their values).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigMapCredentials {
    pub threat: String,
    pub file: String,
    pub name: String,
    pub namespace: Option<String>,
    pub keys: Vec<String>,
}

/// Everything the planner reads. Build it with [`FixInput::from_scan`], or by hand in tests.
#[derive(Debug, Clone)]
pub struct FixInput<'a> {
    pub report: &'a Report,
    /// Node id → Service port → the port on the pods.
    pub service_ports: BTreeMap<String, BTreeMap<u16, PodPort>>,
    /// Node id → (method, path) of the HTTP routes its code serves.
    pub routes: BTreeMap<String, BTreeSet<(Option<String>, String)>>,
    /// Ingress entry point id → its ingress class (`nginx`…), when named.
    pub ingress_classes: BTreeMap<String, String>,
    pub weak_peer_authentications: Vec<WeakPeerAuthentication>,
    /// The namespace that manifests without one land in, as the scan resolves it.
    pub implicit_namespace: Option<String>,
    pub containers: Vec<ContainerSite>,
    pub dockerfiles: Vec<DockerfileSite>,
    pub configmap_credentials: Vec<ConfigMapCredentials>,
    /// Texts of the files that edits apply to, by path relative to the scanned root.
    pub files: BTreeMap<String, String>,
}

impl<'a> FixInput<'a> {
    /// Only the report: no Service port mapping, no routes, no existing policies.
    pub fn new(report: &'a Report) -> Self {
        FixInput {
            report,
            service_ports: BTreeMap::new(),
            routes: BTreeMap::new(),
            ingress_classes: BTreeMap::new(),
            weak_peer_authentications: Vec::new(),
            implicit_namespace: None,
            containers: Vec::new(),
            dockerfiles: Vec::new(),
            configmap_credentials: Vec::new(),
            files: BTreeMap::new(),
        }
    }

    /// The input of a finished scan: the report and the corpus it was made from.
    pub fn from_scan(report: &'a Report, corpus: &Corpus) -> Self {
        let mut input = FixInput::new(report);
        let arch = &report.architecture;
        let nodes = arch
            .services
            .iter()
            .chain(&arch.data_stores)
            .chain(&arch.message_brokers);
        for n in nodes.clone() {
            let ports = service_ports(corpus, n);
            if !ports.is_empty() {
                input.service_ports.insert(n.id.clone(), ports);
            }
            let routes = routes_of(corpus, n);
            if !routes.is_empty() {
                input.routes.insert(n.id.clone(), routes);
            }
        }
        for e in &arch.entry_points {
            if let Some(class) = ingress_class(corpus, e) {
                input.ingress_classes.insert(e.id.clone(), class);
            }
        }
        for o in &corpus.objects {
            let Some(w) = o.workload() else { continue };
            let file = corpus.file(o.file);
            let mut any = false;
            for c in w.containers() {
                if c.name.is_empty() {
                    continue;
                }
                any = true;
                input
                    .containers
                    .push(container_site(o, &file.path, &file.text, &c));
            }
            if any {
                input
                    .files
                    .entry(file.path.clone())
                    .or_insert_with(|| file.text.clone());
            }
        }
        for compose in &corpus.compose {
            let file = corpus.file(compose.file);
            let mut any = false;
            for svc in compose.services() {
                let Some((first, _)) = svc.node.as_map().first() else {
                    continue;
                };
                any = true;
                let mut anchors = vec![first.loc.line];
                anchors.extend(svc.node.key_node("image").map(|k| k.loc.line));
                input.containers.push(ContainerSite {
                    file: file.path.clone(),
                    api_version: String::new(),
                    kind: "ComposeService".into(),
                    name: svc.name.to_string(),
                    namespace: None,
                    resource: svc.resource_id(),
                    pod_spec_path: Vec::new(),
                    list: "services",
                    container: svc.name.to_string(),
                    line: first.loc.line,
                    insert: one_line_block_entry(&file.text, first.loc.line, first.loc.column)
                        .then_some((first.loc.line, first.loc.column as usize - 1)),
                    security_context: Block::Absent,
                    has_resources: false,
                    keys: svc.node.entries().map(|(k, _, _)| k.to_string()).collect(),
                    anchors,
                });
            }
            if any {
                input
                    .files
                    .entry(file.path.clone())
                    .or_insert_with(|| file.text.clone());
            }
        }
        for d in &corpus.dockerfiles {
            let Some(stage) = d.final_stage() else {
                continue;
            };
            let file = corpus.file(d.file);
            let instructions = d.stage_instructions(stage);
            let trailing = instructions
                .iter()
                .rev()
                .take_while(|i| {
                    matches!(
                        i.keyword.to_ascii_uppercase().as_str(),
                        "CMD" | "ENTRYPOINT" | "EXPOSE" | "HEALTHCHECK" | "LABEL" | "STOPSIGNAL"
                    )
                })
                .last();
            let insert_after = match trailing {
                Some(i) => i.loc.line - 1,
                None => instructions.last().map_or(stage.loc.line, |i| i.end_line),
            };
            let user = instructions.iter().rev().find_map(|i| match &i.detail {
                stridemap_model::dockerfile::Detail::User { user } => Some(user.clone()),
                _ => None,
            });
            input.dockerfiles.push(DockerfileSite {
                file: file.path.clone(),
                insert_after,
                user,
            });
            input
                .files
                .entry(file.path.clone())
                .or_insert_with(|| file.text.clone());
        }
        for t in report
            .threats
            .iter()
            .filter(|t| t.rule == "SEC-CONFIGMAP-CREDENTIAL")
        {
            for r in &t.affected_resources {
                let Some(name) = r.strip_prefix("ConfigMap/") else {
                    continue;
                };
                for o in corpus.objects_named("ConfigMap", name) {
                    let file = &corpus.file(o.file).path;
                    let lines: BTreeSet<u32> = t
                        .evidence
                        .iter()
                        .filter(|e| &e.file == file)
                        .map(|e| e.line)
                        .collect();
                    let keys: Vec<String> = o
                        .root
                        .get("data")
                        .map(|d| {
                            d.entries()
                                .filter(|(_, k, _)| lines.contains(&k.loc.line))
                                .map(|(k, _, _)| k.to_string())
                                .collect()
                        })
                        .unwrap_or_default();
                    if !keys.is_empty() {
                        input.configmap_credentials.push(ConfigMapCredentials {
                            threat: t.id.clone(),
                            file: file.clone(),
                            name: name.to_string(),
                            namespace: o.namespace.clone(),
                            keys,
                        });
                    }
                }
            }
        }
        input.implicit_namespace =
            stridemap_model::network_policy::implicit_namespace(&corpus.objects);
        for o in corpus.objects_of(&["PeerAuthentication"]) {
            if !stridemap_model::mesh::is_istio_security(o)
                || stridemap_model::mesh::peer_authentication_scope(o)
                    != Some(stridemap_model::mesh::PolicyScope::Namespace)
            {
                continue;
            }
            let mode = stridemap_model::mesh::peer_authentication_mode(o);
            if !mode.is_weak() {
                continue;
            }
            let file = corpus.file(o.file);
            input
                .weak_peer_authentications
                .push(WeakPeerAuthentication {
                    namespace: o.namespace.clone().unwrap_or_default(),
                    name: o.name.clone(),
                    file: file.path.clone(),
                    mode_at: stridemap_model::mesh::mode_node(o)
                        .filter(|n| n.as_str().is_some())
                        .map(|n| (n.loc.line, n.loc.column)),
                    mode: mode.as_str().to_string(),
                });
            input.files.insert(file.path.clone(), file.text.to_string());
        }
        input
    }
}

fn pod_spec_path(kind: &str) -> Vec<&'static str> {
    match kind {
        "Pod" => vec!["spec"],
        "CronJob" => vec!["spec", "jobTemplate", "spec", "template", "spec"],
        _ => vec!["spec", "template", "spec"],
    }
}

/// The indentation of a 1-based line, and whether it holds anything but blanks and comments.
fn line_indent(text: &str, line: u32) -> Option<(usize, bool)> {
    let l = text.lines().nth(line.checked_sub(1)? as usize)?;
    let trimmed = l.trim_start();
    Some((
        l.len() - trimmed.len(),
        !trimmed.is_empty() && !trimmed.starts_with('#'),
    ))
}

/// Whether only blanks and sequence dashes precede the key at (`line`, 1-based `column`).
fn block_key(text: &str, line: u32, column: u32) -> bool {
    text.lines()
        .nth(line.saturating_sub(1) as usize)
        .is_some_and(|l| {
            l.chars()
                .take(column.saturating_sub(1) as usize)
                .all(|c| c == ' ' || c == '-')
        })
}

/// Whether the entry at (`line`, 1-based `column`) is a block-style key whose value ends on
/// its own line: the text before it is blank or a sequence dash, and the next line with
/// content is indented no deeper than the key.
fn one_line_block_entry(text: &str, line: u32, column: u32) -> bool {
    let Some(l) = text.lines().nth(line.saturating_sub(1) as usize) else {
        return false;
    };
    if !block_key(text, line, column) {
        return false;
    }
    let after: String = l.chars().skip(column.saturating_sub(1) as usize).collect();
    let value = after.split_once(':').map_or("", |(_, v)| v).trim();
    if value.is_empty() || value.starts_with('|') || value.starts_with('>') {
        return false;
    }
    let key_indent = column as usize - 1;
    let mut next = line + 1;
    while let Some((indent, content)) = line_indent(text, next) {
        if content {
            return indent <= key_indent;
        }
        next += 1;
    }
    true
}

fn container_site(
    o: &stridemap_model::k8s::K8sObject,
    path: &str,
    text: &str,
    c: &stridemap_model::k8s::Container,
) -> ContainerSite {
    let first = c.node.as_map().first().map(|(k, _)| k.loc);
    let insert = first
        .filter(|k| one_line_block_entry(text, k.line, k.column))
        .map(|k| (k.line, k.column as usize - 1));
    let security_context = match c.node.get("securityContext") {
        None => Block::Absent,
        Some(sc) => match (c.node.key_node("securityContext"), sc.as_map().first()) {
            (Some(key), Some((first_key, _)))
                if first_key.loc.line > key.loc.line
                    && block_key(text, first_key.loc.line, first_key.loc.column) =>
            {
                Block::Map {
                    line: first_key.loc.line,
                    indent: first_key.loc.column as usize - 1,
                    keys: sc.entries().map(|(k, _, _)| k.to_string()).collect(),
                }
            }
            _ => Block::Other,
        },
    };
    let mut anchors = vec![c.node.loc.line];
    if let Block::Map { line, .. } = &security_context {
        anchors.push(*line);
    }
    ContainerSite {
        file: path.to_string(),
        api_version: o.api_version.clone(),
        kind: o.kind.clone(),
        name: o.name.clone(),
        namespace: o.namespace.clone(),
        resource: o.resource_id(),
        pod_spec_path: pod_spec_path(&o.kind),
        list: c.role.field(),
        container: c.name.to_string(),
        line: c.node.loc.line,
        insert,
        security_context,
        has_resources: c.node.get("resources").is_some(),
        keys: c.node.entries().map(|(k, _, _)| k.to_string()).collect(),
        anchors,
    }
}

/// The namespace an object of the node's lives in, as the node records it.
fn same_namespace(o: &stridemap_model::k8s::K8sObject, n: &ArchNode) -> bool {
    o.namespace.as_deref() == n.namespace.as_deref()
}

fn service_ports(corpus: &Corpus, n: &ArchNode) -> BTreeMap<u16, PodPort> {
    let mut out = BTreeMap::new();
    for name in &n.k8s_services {
        for svc in corpus
            .objects_named("Service", name)
            .filter(|o| same_namespace(o, n))
        {
            for p in svc
                .root
                .path(&["spec", "ports"])
                .map(Node::as_seq)
                .unwrap_or(&[])
            {
                let Some(port) = p
                    .get("port")
                    .and_then(Node::as_i64)
                    .and_then(|v| u16::try_from(v).ok())
                else {
                    continue;
                };
                let target = match p.get("targetPort") {
                    Some(t) => match t.as_i64().and_then(|v| u16::try_from(v).ok()) {
                        Some(num) => PodPort::Number(num),
                        None => match t.as_str() {
                            Some(s) if !s.is_empty() => PodPort::Name(s.to_string()),
                            _ => PodPort::Number(port),
                        },
                    },
                    None => PodPort::Number(port),
                };
                out.entry(port).or_insert(target);
            }
        }
    }
    out
}

fn routes_of(corpus: &Corpus, n: &ArchNode) -> BTreeSet<(Option<String>, String)> {
    let code_files: BTreeSet<&str> = n
        .sources
        .iter()
        .filter(|s| s.kind == "code")
        .map(|s| s.file.as_str())
        .collect();
    let mut out = BTreeSet::new();
    for facts in &corpus.code {
        if !code_files.contains(corpus.file(facts.file).path.as_str()) {
            continue;
        }
        for r in &facts.routes {
            out.insert((
                r.method.as_ref().map(|m| m.to_ascii_uppercase()),
                r.path.clone(),
            ));
        }
    }
    out
}

fn ingress_class(corpus: &Corpus, e: &ArchNode) -> Option<String> {
    if !e.kinds.iter().any(|k| k == "Ingress") {
        return None;
    }
    let name = e.id.strip_prefix("ingress/")?;
    corpus
        .objects_named("Ingress", name)
        .find(|o| same_namespace(o, e))
        .and_then(|o| {
            o.root
                .path(&["spec", "ingressClassName"])
                .and_then(Node::as_str)
                .or_else(|| o.annotation("kubernetes.io/ingress.class"))
                .map(str::to_string)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    const MANIFEST: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: web:1
          securityContext:
            privileged: false
        - {name: sidecar, image: proxy:2}
---
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: shop
spec:
  selector: {app: web}
  ports:
    - {port: 80, targetPort: http}
";

    #[test]
    fn reads_container_sites_and_service_ports_from_the_files() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("web.yaml"), MANIFEST).unwrap();
        let corpus = stridemap_ingest::ingest(dir.path(), &stridemap_ingest::Options::default());
        let mut web = ArchNode::new("web", "web", stridemap_model::architecture::Role::Service);
        web.namespace = Some("shop".into());
        web.k8s_services = vec!["web".into()];
        let r = crate::connections::tests::report(vec![web], vec![]);
        let input = FixInput::from_scan(&r, &corpus);
        assert_eq!(
            input.service_ports["web"],
            [(80, PodPort::Name("http".into()))].into_iter().collect()
        );
        let sites: Vec<(&str, Option<(u32, usize)>, &Block)> = input
            .containers
            .iter()
            .map(|s| (s.container.as_str(), s.insert, &s.security_context))
            .collect();
        assert_eq!(
            sites,
            vec![
                (
                    "web",
                    Some((12, 10)),
                    &Block::Map {
                        line: 15,
                        indent: 12,
                        keys: ["privileged".to_string()].into_iter().collect()
                    }
                ),
                // Flow style: nothing can be inserted.
                ("sidecar", None, &Block::Absent),
            ]
        );
        assert_eq!(input.containers[0].anchors, vec![12, 15]);
        assert_eq!(input.files["web.yaml"], MANIFEST);
    }

    #[test]
    fn a_multi_line_first_value_is_not_an_insertion_point() {
        let text = "- name: >\n    folded\n  image: x\n";
        assert!(!one_line_block_entry(text, 1, 3));
        let text = "- name: web\n  image: x\n";
        assert!(one_line_block_entry(text, 1, 3));
        let text = "- name: web # the app\n\n  image: x\n";
        assert!(one_line_block_entry(text, 1, 3));
    }
}
