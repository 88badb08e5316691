//! Nodes: Kubernetes workloads joined to their Services, Compose services (merged with a
//! workload of the same name), and source directories.

use crate::classify;
use crate::{Builder, EnvEntry, K8sService};
use std::collections::BTreeMap;
use stridemap_model::architecture::{ArchNode, Role};
use stridemap_model::compose::ComposeFile;
use stridemap_model::k8s::{K8sObject, Workload};
use stridemap_model::{FileId, Node};

/// `selector` ⊆ `labels`; an empty selector selects nothing here (Services and policies with an
/// empty selector are handled by their callers).
pub fn selects(selector: &BTreeMap<String, String>, labels: &BTreeMap<String, String>) -> bool {
    !selector.is_empty() && selector.iter().all(|(k, v)| labels.get(k) == Some(v))
}

pub fn string_map(node: Option<&Node>) -> BTreeMap<String, String> {
    node.map(|n| {
        n.entries()
            .filter_map(|(k, _, v)| v.as_str().map(|v| (k.to_string(), v.to_string())))
            .collect()
    })
    .unwrap_or_default()
}

/// Same namespace, treating an unset namespace on either side as "the one it is applied to".
pub fn same_namespace(a: &Option<String>, b: &Option<String>) -> bool {
    a == b || a.is_none() || b.is_none()
}

impl<'a> Builder<'a> {
    pub(crate) fn collect_nodes(&mut self) {
        for o in &self.corpus.objects {
            if o.kind == "Namespace" {
                self.namespaces.insert(o.name.clone(), o);
            }
        }
        for (i, o) in self.corpus.objects.iter().enumerate() {
            if let Some(w) = o.workload() {
                let n = self.workload_node(&w);
                self.workload_nodes.insert(i, n);
            }
        }
        // Workloads by the last component of their image repository, for joining Compose
        // services (and source directories) named after the image.
        let mut image_index: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        for (i, n) in self.nodes.iter().enumerate() {
            for img in &n.images {
                let repo = stridemap_model::image::ImageRef::parse(img)
                    .repository
                    .to_ascii_lowercase();
                let last = repo.rsplit('/').next().unwrap_or(&repo).to_string();
                let list = image_index.entry(last).or_default();
                if !list.contains(&i) {
                    list.push(i);
                }
            }
        }
        for compose in &self.corpus.compose {
            self.compose_nodes(compose, &image_index);
        }
        self.image_index = image_index;
        for (i, n) in self.nodes.iter().enumerate() {
            if n.role != Role::EntryPoint && n.kinds.iter().any(|k| k != "compose" && k != "source")
            {
                self.workloads_by_ns
                    .entry(n.namespace.clone())
                    .or_default()
                    .push(i);
            }
        }
        self.collect_k8s_services();
        self.attribute_code();
    }

    fn workload_node(&mut self, w: &Workload<'a>) -> usize {
        let o = w.object;
        // The same workload in several manifests (overlays, variants, an all-in-one file) is one
        // service with several sources.
        let existing = self.names.get(&o.name.to_ascii_lowercase()).and_then(|v| {
            v.iter().copied().find(|&i| {
                self.nodes[i].namespace == o.namespace
                    && self.nodes[i].name == o.name
                    && self.nodes[i]
                        .kinds
                        .iter()
                        .any(|k| k != "compose" && k != "source")
            })
        });
        if let Some(i) = existing {
            self.merge_workload(i, w);
            return i;
        }
        let labels = string_map(w.pod_metadata.and_then(|m| m.get("labels")));
        let images: Vec<String> = w
            .containers()
            .iter()
            .filter_map(|c| c.image().and_then(Node::as_str).map(str::to_string))
            .collect();
        let mut ports: Vec<u16> = w
            .containers()
            .iter()
            .flat_map(|c| {
                c.node
                    .get("ports")
                    .map(Node::as_seq)
                    .unwrap_or(&[])
                    .iter()
                    .filter_map(|p| p.get("containerPort")?.as_i64())
                    .filter_map(|p| u16::try_from(p).ok())
            })
            .collect();
        ports.sort_unstable();
        ports.dedup();
        let (role, technology) = self.classify(&o.name, &images, &ports);
        let mut node = ArchNode::new(o.name.clone(), o.name.clone(), role);
        node.technology = technology;
        node.namespace = o.namespace.clone();
        node.kinds.push(o.kind.clone());
        node.images = images;
        node.ports = ports;
        node.service_account = Some(
            w.service_account()
                .and_then(Node::as_str)
                .unwrap_or("default")
                .to_string(),
        );
        node.token_automounted = self.token_automounted(w);
        node.labels = labels;
        node.host_access = host_access(w);
        node.sources
            .push(self.source_ref(&o.kind, o.file, o.root.loc));
        let i = self.push_node(node);
        let entries = self.workload_env(w);
        self.env[i].extend(entries);
        i
    }

    /// Whether the pods get their service-account token: the pod's
    /// `automountServiceAccountToken`, else the ServiceAccount's, else yes.
    fn token_automounted(&self, w: &Workload<'a>) -> bool {
        if let Some(v) = w
            .spec
            .get("automountServiceAccountToken")
            .and_then(Node::as_bool)
        {
            return v;
        }
        let sa = w
            .service_account()
            .and_then(Node::as_str)
            .unwrap_or("default");
        let account = self
            .corpus
            .objects_of(&["ServiceAccount"])
            .find(|o| o.name == sa && same_namespace(&o.namespace, &w.object.namespace));
        account
            .and_then(|o| o.root.get("automountServiceAccountToken"))
            .and_then(Node::as_bool)
            .unwrap_or(true)
    }

    fn merge_workload(&mut self, i: usize, w: &Workload<'a>) {
        let o = w.object;
        let mounted = self.token_automounted(w);
        self.nodes[i].token_automounted |= mounted;
        let src = self.source_ref(&o.kind, o.file, o.root.loc);
        let entries = self.workload_env(w);
        let node = &mut self.nodes[i];
        if !node.kinds.contains(&o.kind) {
            node.kinds.push(o.kind.clone());
        }
        for c in w.containers() {
            if let Some(img) = c.image().and_then(Node::as_str) {
                if !node.images.iter().any(|x| x == img) {
                    node.images.push(img.to_string());
                }
            }
            for p in c.node.get("ports").map(Node::as_seq).unwrap_or(&[]) {
                if let Some(port) = p
                    .get("containerPort")
                    .and_then(Node::as_i64)
                    .and_then(|p| u16::try_from(p).ok())
                {
                    node.ports.push(port);
                }
            }
        }
        node.ports.sort_unstable();
        node.ports.dedup();
        node.labels
            .extend(string_map(w.pod_metadata.and_then(|m| m.get("labels"))));
        node.host_access.extend(host_access(w));
        node.host_access.sort();
        node.host_access.dedup();
        node.sources.push(src);
        self.env[i].extend(entries);
    }

    fn classify(&self, name: &str, images: &[String], ports: &[u16]) -> (Role, Option<String>) {
        if let Some((tech, role)) = images.iter().find_map(|i| classify::from_image(i)) {
            return (role, Some(tech.to_string()));
        }
        if classify::name_suggests_store(name) {
            let tech = ports
                .iter()
                .find_map(|p| classify::from_port(*p))
                .map(|(t, _)| t.to_string());
            return (Role::DataStore, tech);
        }
        (Role::Service, None)
    }

    /// Literal env values and values pulled from ConfigMaps of the workload's namespace.
    fn workload_env(&self, w: &Workload<'a>) -> Vec<EnvEntry> {
        let o = w.object;
        let mut out = Vec::new();
        for c in w.containers() {
            for e in c.node.get("env").map(Node::as_seq).unwrap_or(&[]) {
                let Some(key) = e.get("name").and_then(Node::as_str) else {
                    continue;
                };
                if let Some(v) = e.get("value") {
                    if let Some(value) = v.as_str() {
                        out.push(EnvEntry {
                            key: key.into(),
                            value: value.into(),
                            file: o.file,
                            loc: v.loc,
                            via: "env",
                        });
                    }
                } else if let Some(r) = e.path(&["valueFrom", "configMapKeyRef"]) {
                    let (Some(cm), Some(k)) = (
                        r.get("name").and_then(Node::as_str),
                        r.get("key").and_then(Node::as_str),
                    ) else {
                        continue;
                    };
                    if let Some((file, node)) = self.config_map_value(cm, &o.namespace, k) {
                        if let Some(value) = node.as_str() {
                            out.push(EnvEntry {
                                key: key.into(),
                                value: value.into(),
                                file,
                                loc: node.loc,
                                via: "configmap",
                            });
                        }
                    }
                }
            }
            for from in c.node.get("envFrom").map(Node::as_seq).unwrap_or(&[]) {
                let Some(cm) = from.path(&["configMapRef", "name"]).and_then(Node::as_str) else {
                    continue;
                };
                let prefix = from.get("prefix").and_then(Node::as_str).unwrap_or("");
                if let Some(obj) = self.config_map(cm, &o.namespace) {
                    for (k, _, v) in obj
                        .root
                        .get("data")
                        .map(|d| d.entries().collect::<Vec<_>>())
                        .unwrap_or_default()
                    {
                        if let Some(value) = v.as_str() {
                            out.push(EnvEntry {
                                key: format!("{prefix}{k}"),
                                value: value.into(),
                                file: obj.file,
                                loc: v.loc,
                                via: "configmap",
                            });
                        }
                    }
                }
            }
            // Flags such as `--catalog-url=http://catalog:8080` or `-Dspring.datasource.url=…`.
            for field in ["command", "args"] {
                for (text, node) in c.node.get(field).map(Node::strings).unwrap_or_default() {
                    for word in text.split_whitespace() {
                        let (key, value) = word.split_once('=').unwrap_or(("", word));
                        if value.contains("://") || value.contains(':') {
                            out.push(EnvEntry {
                                key: key.trim_start_matches('-').into(),
                                value: value.into(),
                                file: o.file,
                                loc: node.loc,
                                via: "args",
                            });
                        }
                    }
                }
            }
        }
        out
    }

    pub(crate) fn config_map(
        &self,
        name: &str,
        namespace: &Option<String>,
    ) -> Option<&'a K8sObject> {
        let maps = self.config_maps.get(name).map(Vec::as_slice).unwrap_or(&[]);
        maps.iter()
            .copied()
            .find(|o| o.namespace == *namespace)
            .or_else(|| {
                maps.iter()
                    .copied()
                    .find(|o| same_namespace(&o.namespace, namespace))
            })
    }

    fn config_map_value(
        &self,
        name: &str,
        namespace: &Option<String>,
        key: &str,
    ) -> Option<(FileId, &'a Node)> {
        let obj = self.config_map(name, namespace)?;
        obj.root.path(&["data", key]).map(|n| (obj.file, n))
    }

    fn compose_nodes(&mut self, compose: &ComposeFile, image_index: &BTreeMap<String, Vec<usize>>) {
        for svc in compose.services() {
            let image = svc.get("image").and_then(Node::as_str).map(str::to_string);
            let mut ports: Vec<u16> = svc
                .ports()
                .iter()
                .filter_map(|p| {
                    p.target
                        .split('/')
                        .next()
                        .and_then(|t| t.split('-').next())
                        .and_then(|t| t.parse().ok())
                })
                .collect();
            ports.extend(
                svc.get("expose")
                    .map(Node::strings)
                    .unwrap_or_default()
                    .iter()
                    .filter_map(|(p, _)| p.split('/').next()?.parse::<u16>().ok()),
            );
            ports.sort_unstable();
            ports.dedup();
            // A Compose service with the same name as the one workload of that name — or as the
            // image the one workload runs — is the same service in another environment.
            let lower = svc.name.to_ascii_lowercase();
            let by_name = self
                .names
                .get(&lower)
                .filter(|v| v.len() == 1)
                .map(|v| v[0])
                .filter(|&i| self.nodes[i].role != Role::EntryPoint);
            let by_image = || {
                image_index
                    .get(&lower)
                    .filter(|v| v.len() == 1)
                    .map(|v| v[0])
            };
            let existing = by_name.or_else(by_image);
            let i = match existing {
                Some(i) => i,
                None => {
                    let images: Vec<String> = image.iter().cloned().collect();
                    let (role, technology) = self.classify(svc.name, &images, &ports);
                    let mut node = ArchNode::new(svc.name, svc.name, role);
                    node.technology = technology;
                    self.push_node(node)
                }
            };
            let source = self.source_ref("compose", compose.file, svc.key.loc);
            self.alias(svc.name, i);
            let node = &mut self.nodes[i];
            if !node.kinds.iter().any(|k| k == "compose") {
                node.kinds.push("compose".into());
            }
            node.images.extend(image.clone());
            node.images.sort();
            node.images.dedup();
            node.ports.extend(ports);
            node.ports.sort_unstable();
            node.ports.dedup();
            node.sources.push(source);
            if svc.get("privileged").and_then(Node::as_bool) == Some(true) {
                node.host_access.push("privileged".into());
            }
            if svc.get("network_mode").and_then(Node::as_str) == Some("host") {
                node.host_access.push("host network".into());
            }
            for m in svc.mounts() {
                if let Some(src) = compose.host_source(&m) {
                    if src.starts_with('/') {
                        node.host_access.push(format!("host path {src}"));
                    }
                }
            }
            node.host_access.sort();
            node.host_access.dedup();
            for key in ["container_name", "hostname"] {
                if let Some(alias) = svc.get(key).and_then(Node::as_str) {
                    self.alias(alias, i);
                }
            }
            for network in svc.get("networks").map(|n| n.as_map()).unwrap_or(&[]) {
                for (alias, _) in network
                    .1
                    .get("aliases")
                    .map(Node::strings)
                    .unwrap_or_default()
                {
                    self.alias(alias, i);
                }
            }
            let mut networks: std::collections::BTreeSet<String> = match svc.get("networks") {
                Some(n) if n.is_map() => n.entries().map(|(k, _, _)| k.to_string()).collect(),
                Some(n) => n
                    .strings()
                    .into_iter()
                    .map(|(s, _)| s.to_string())
                    .collect(),
                None => std::collections::BTreeSet::new(),
            };
            if networks.is_empty() {
                networks.insert("default".into());
            }
            self.compose_networks.entry(i).or_default().extend(networks);
            for env in svc.environment() {
                if let Some(value) = env.value {
                    self.env[i].push(EnvEntry {
                        key: env.name.into(),
                        value: value.into(),
                        file: compose.file,
                        loc: env.loc,
                        via: "compose",
                    });
                }
            }
        }
    }

    fn collect_k8s_services(&mut self) {
        for o in self.objects("Service").to_vec() {
            if !o.api_version.starts_with('v') {
                continue;
            }
            let spec = o.root.get("spec");
            let selector = string_map(spec.and_then(|s| s.get("selector")));
            let service_type = spec
                .and_then(|s| s.get("type"))
                .and_then(Node::as_str)
                .unwrap_or("ClusterIP")
                .to_string();
            let ports: Vec<(u16, Option<String>)> = spec
                .and_then(|s| s.get("ports"))
                .map(Node::as_seq)
                .unwrap_or(&[])
                .iter()
                .filter_map(|p| {
                    Some((
                        u16::try_from(p.get("port")?.as_i64()?).ok()?,
                        p.get("targetPort")
                            .and_then(Node::as_str)
                            .map(str::to_string),
                    ))
                })
                .collect();
            let mut targets: Vec<usize> = self.pods_matching(&selector, &o.namespace, false);
            // An exact namespace match wins over a lenient one.
            if targets
                .iter()
                .any(|&i| self.nodes[i].namespace == o.namespace)
            {
                targets.retain(|&i| self.nodes[i].namespace == o.namespace);
            }
            if targets.is_empty() {
                if let Some(external) = spec
                    .and_then(|s| s.get("externalName"))
                    .and_then(Node::as_str)
                {
                    let tech = ports.iter().find_map(|(p, _)| classify::from_port(*p));
                    let role = tech.map_or(Role::Service, |(_, r)| r);
                    let i = self.external_node(external, role, tech.map(|(t, _)| t));
                    targets.push(i);
                }
            }
            // Istio's convention: a port named `grpc`, `http-web`, `tcp-redis` declares its protocol.
            let declared: Vec<(u16, String)> = spec
                .and_then(|s| s.get("ports"))
                .map(Node::as_seq)
                .unwrap_or(&[])
                .iter()
                .filter_map(|p| {
                    let port = u16::try_from(p.get("port")?.as_i64()?).ok()?;
                    let proto = p
                        .get("appProtocol")
                        .and_then(Node::as_str)
                        .or_else(|| p.get("name").and_then(Node::as_str))?;
                    let proto = proto
                        .split(['-', '/'])
                        .next()
                        .unwrap_or(proto)
                        .to_ascii_lowercase();
                    let known = [
                        "grpc", "http", "http2", "https", "tcp", "tls", "mongo", "mysql", "redis",
                        "udp", "amqp", "kafka",
                    ];
                    known.contains(&proto.as_str()).then(|| {
                        (
                            port,
                            if proto == "http2" {
                                "grpc".to_string()
                            } else {
                                proto
                            },
                        )
                    })
                })
                .collect();
            for &t in &targets {
                let src = self.source_ref("Service", o.file, o.root.loc);
                let node = &mut self.nodes[t];
                for (p, proto) in &declared {
                    node.port_protocols
                        .entry(*p)
                        .or_insert_with(|| proto.clone());
                }
                if !node.k8s_services.contains(&o.name) {
                    node.k8s_services.push(o.name.clone());
                    node.k8s_services.sort();
                }
                node.ports.extend(
                    ports
                        .iter()
                        .filter_map(|(_, tp)| tp.as_deref().and_then(|t| t.parse::<u16>().ok())),
                );
                node.ports.sort_unstable();
                node.ports.dedup();
                node.sources.push(src);
                if node.technology.is_none() && node.role == Role::DataStore {
                    node.technology = ports
                        .iter()
                        .find_map(|(p, _)| classify::from_port(*p))
                        .map(|(t, _)| t.to_string());
                }
            }
            self.services_by_name
                .entry(o.name.clone())
                .or_default()
                .push(self.services.len());
            self.services.push(K8sService {
                object: o,
                name: o.name.clone(),
                namespace: o.namespace.clone(),
                service_type,
                ports,
                targets,
            });
        }
    }

    /// Ties source files to the service they belong to: a Compose `build:` context, a directory
    /// named after a service or its image, or — failing both — the nearest directory with a
    /// Dockerfile, which becomes a service seen only in code.
    fn attribute_code(&mut self) {
        let mut dirs: BTreeMap<String, usize> = BTreeMap::new();
        for compose in &self.corpus.compose {
            let base = parent_dir(&self.corpus.file(compose.file).path);
            for svc in compose.services() {
                let context = svc.get("build").and_then(|b| {
                    b.as_str()
                        .or_else(|| b.get("context").and_then(Node::as_str))
                });
                if let (Some(ctx), Some(&i)) = (
                    context,
                    self.names
                        .get(&svc.name.to_ascii_lowercase())
                        .and_then(|v| v.first()),
                ) {
                    dirs.insert(join_path(&base, ctx), i);
                }
            }
        }
        let dockerfile_dirs: Vec<String> = self
            .corpus
            .dockerfiles
            .iter()
            .map(|d| parent_dir(&self.corpus.file(d.file).path))
            .collect();
        // A Dockerfile belongs to the service whose directory it builds.
        for df in &self.corpus.dockerfiles {
            let path = self.corpus.file(df.file).path.clone();
            if let Some(i) = self.existing_owner(&path, &dirs) {
                self.nodes[i].resources.push(format!("Dockerfile/{path}"));
            }
        }
        for code in &self.corpus.code {
            let path = self.corpus.file(code.file).path.clone();
            let node = self.node_for_source(&path, &dirs, &dockerfile_dirs);
            if let Some(i) = node {
                self.code_owner.insert(code.file, i);
                let src = self.source_ref("code", code.file, stridemap_model::Location::new(1, 1));
                if !self.nodes[i]
                    .sources
                    .iter()
                    .any(|s| s.kind == "code" && parent_dir(&s.file) == parent_dir(&src.file))
                {
                    self.nodes[i].sources.push(src);
                }
            }
        }
    }

    /// The node a file belongs to by its directories: a Compose build context, a directory named
    /// after a node, or one named after the image a node runs.
    fn existing_owner(&self, path: &str, dirs: &BTreeMap<String, usize>) -> Option<usize> {
        for dir in ancestors(path) {
            if let Some(&i) = dirs.get(&dir) {
                return Some(i);
            }
            let name = dir.rsplit('/').next().unwrap_or(&dir).to_ascii_lowercase();
            let by_name = self
                .names
                .get(&name)
                .filter(|v| v.len() == 1)
                .map(|v| v[0])
                .filter(|&i| self.nodes[i].role != Role::EntryPoint && !self.nodes[i].external);
            if let Some(i) = by_name {
                return Some(i);
            }
            if let Some(&[i]) = self.image_index.get(&name).map(Vec::as_slice) {
                return Some(i);
            }
        }
        None
    }

    fn node_for_source(
        &mut self,
        path: &str,
        dirs: &BTreeMap<String, usize>,
        dockerfile_dirs: &[String],
    ) -> Option<usize> {
        if let Some(i) = self.existing_owner(path, dirs) {
            return Some(i);
        }
        let ancestors: Vec<String> = ancestors(path);
        let root = ancestors.iter().find(|d| dockerfile_dirs.contains(d))?;
        let name = root.rsplit('/').next().unwrap_or(root).to_string();
        if name.is_empty() {
            return None;
        }
        let mut node = ArchNode::new(name.clone(), name, Role::Service);
        node.kinds.push("source".into());
        let i = self.push_node(node);
        Some(i)
    }
}

fn parent_dir(path: &str) -> String {
    path.rsplit_once('/')
        .map(|(d, _)| d.to_string())
        .unwrap_or_default()
}

/// `base` joined with a relative path, `./` and `..` resolved.
pub(crate) fn join_path(base: &str, rel: &str) -> String {
    let mut parts: Vec<&str> = if rel.starts_with('/') {
        Vec::new()
    } else {
        base.split('/').filter(|p| !p.is_empty()).collect()
    };
    for p in rel.split('/') {
        match p {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    parts.join("/")
}

/// Directories containing `path`, deepest first (the root is "").
fn ancestors(path: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut dir = parent_dir(path);
    loop {
        out.push(dir.clone());
        if dir.is_empty() {
            break;
        }
        dir = parent_dir(&dir);
    }
    out
}

fn host_access(w: &Workload) -> Vec<String> {
    let mut out = Vec::new();
    for (field, what) in [
        ("hostNetwork", "host network"),
        ("hostPID", "host PID"),
        ("hostIPC", "host IPC"),
    ] {
        if w.enabled(field).is_some() {
            out.push(what.to_string());
        }
    }
    for v in w.volumes() {
        if let Some(p) = v.path(&["hostPath", "path"]).and_then(Node::as_str) {
            out.push(format!("host path {p}"));
        }
    }
    if w.containers().iter().any(|c| {
        c.security_context()
            .and_then(|sc| sc.get("privileged"))
            .and_then(Node::as_bool)
            == Some(true)
    }) {
        out.push("privileged".into());
    }
    out.sort();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths() {
        assert_eq!(
            join_path("deploy/compose", "../../services/orders"),
            "services/orders"
        );
        assert_eq!(join_path("", "./services/orders/"), "services/orders");
        assert_eq!(ancestors("a/b/c.py"), vec!["a/b", "a", ""]);
    }
}
