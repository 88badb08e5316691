//! Entry points: where traffic from outside reaches the system, and the flows they start.

use crate::address::parse_addresses;
use crate::classify;
use crate::nodes::same_namespace;
use crate::{Builder, FlowFact};
use stridemap_model::architecture::{ArchNode, Exposure, Role};
use stridemap_model::k8s::K8sObject;
use stridemap_model::{FileId, Location, Node};

/// Annotations that put authentication in front of an Ingress (NGINX, Traefik, ALB, oauth2-proxy).
const INGRESS_AUTH_ANNOTATIONS: &[&str] = &[
    "nginx.ingress.kubernetes.io/auth-url",
    "nginx.ingress.kubernetes.io/auth-type",
    "nginx.ingress.kubernetes.io/auth-tls-secret",
    "nginx.ingress.kubernetes.io/auth-signin",
    "traefik.ingress.kubernetes.io/router.middlewares",
    "alb.ingress.kubernetes.io/auth-type",
    "konghq.com/plugins",
];

impl<'a> Builder<'a> {
    pub(crate) fn collect_entry_points(&mut self) {
        self.service_entry_points();
        for o in &self.corpus.objects {
            match (
                o.kind.as_str(),
                o.api_version.split('/').next().unwrap_or(""),
            ) {
                ("Ingress", _) => self.ingress(o),
                ("VirtualService", "networking.istio.io") => self.istio_virtual_service(o),
                (
                    "HTTPRoute" | "GRPCRoute" | "TCPRoute" | "TLSRoute" | "UDPRoute",
                    "gateway.networking.k8s.io",
                ) => self.gateway_api_route(o),
                _ => {}
            }
        }
        self.host_entry_points();
        self.compose_entry_points();
        self.kong_entry_points();
        self.nginx_proxies();
    }

    /// The service an NGINX configuration belongs to: a Compose service that mounts the file or
    /// builds from its directory, or a workload that mounts the ConfigMap holding it.
    fn nginx_owner(&self, config: &stridemap_model::nginx::NginxConfig) -> Option<usize> {
        let path = &self.corpus.file(config.file).path;
        if let Some(cm) = config
            .embedded_in
            .as_deref()
            .and_then(|e| e.strip_prefix("ConfigMap/"))
        {
            for (&oi, &n) in &self.workload_nodes {
                let Some(w) = self.corpus.objects[oi].workload() else {
                    continue;
                };
                if w.volumes()
                    .iter()
                    .any(|v| v.path(&["configMap", "name"]).and_then(Node::as_str) == Some(cm))
                {
                    return Some(n);
                }
            }
            return None;
        }
        for compose in &self.corpus.compose {
            let base = self
                .corpus
                .file(compose.file)
                .path
                .rsplit_once('/')
                .map(|(d, _)| d.to_string())
                .unwrap_or_default();
            for svc in compose.services() {
                let mounted = svc.mounts().iter().any(|m| {
                    m.source.is_some_and(|s| {
                        crate::nodes::join_path(&base, s) == *path
                            || path.starts_with(&format!("{}/", crate::nodes::join_path(&base, s)))
                    })
                });
                let context = svc.get("build").and_then(|b| {
                    b.as_str()
                        .or_else(|| b.get("context").and_then(Node::as_str))
                });
                let built = context.is_some_and(|c| {
                    path.starts_with(&format!("{}/", crate::nodes::join_path(&base, c)))
                });
                if mounted || built {
                    return self
                        .names
                        .get(&svc.name.to_ascii_lowercase())
                        .and_then(|v| v.first().copied());
                }
            }
        }
        None
    }

    /// `proxy_pass` / `grpc_pass` upstreams of NGINX configurations.
    fn nginx_proxies(&mut self) {
        for config in &self.corpus.nginx {
            let upstreams: std::collections::BTreeMap<String, Vec<String>> = config
                .upstreams()
                .into_iter()
                .map(|(name, servers)| {
                    (
                        name.to_string(),
                        servers
                            .iter()
                            .filter_map(|s| s.args.first().cloned())
                            .collect(),
                    )
                })
                .collect();
            let mut proxies = Vec::new();
            config.walk(&mut |d, _| {
                if matches!(d.name.as_str(), "proxy_pass" | "grpc_pass") {
                    if let Some(target) = d.args.first() {
                        proxies.push((d.name.clone(), target.clone(), d.loc));
                    }
                }
            });
            if proxies.is_empty() {
                continue;
            }
            let from = match self.nginx_owner(config) {
                Some(owner) => {
                    if self.nodes[owner].technology.is_none() {
                        self.nodes[owner].technology = Some("nginx".into());
                    }
                    owner
                }
                None => {
                    let path = self.corpus.file(config.file).path.clone();
                    let name = config.embedded_in.clone().unwrap_or(path);
                    self.entry_node(
                        format!("nginx/{name}"),
                        "nginx",
                        None,
                        config.file,
                        config
                            .directives
                            .first()
                            .map_or(Location::new(1, 1), |d| d.loc),
                    )
                }
            };
            for (directive, target, loc) in proxies {
                let default_scheme = if directive == "grpc_pass" {
                    "grpc"
                } else {
                    "http"
                };
                let url = if target.contains("://") {
                    target.clone()
                } else {
                    format!("{default_scheme}://{target}")
                };
                let (scheme, rest) = url.split_once("://").unwrap_or((default_scheme, &url));
                let host = rest.split(['/', ':']).next().unwrap_or("");
                // `proxy_pass http://backend` names an upstream block when one has that name.
                let servers: Vec<String> = match upstreams.get(host) {
                    Some(servers) => servers.iter().map(|s| format!("{scheme}://{s}")).collect(),
                    None => vec![url.clone()],
                };
                for server in servers {
                    if server.contains('$') {
                        continue; // variables are resolved at request time
                    }
                    for addr in parse_addresses(Some("url"), &server) {
                        let targets =
                            self.resolve_or_external(&addr, &self.nodes[from].namespace.clone());
                        let proto = classify::protocol_for_scheme(
                            addr.scheme.as_deref().unwrap_or(default_scheme),
                        );
                        for t in targets {
                            self.add_flow(FlowFact {
                                from,
                                to: t,
                                protocol: proto.clone(),
                                port: addr.port,
                                topic: None,
                                is_async: false,
                                address: Some(server.clone()),
                                discovered: "nginx",
                                file: config.file,
                                loc,
                                encrypted_by: addr
                                    .scheme
                                    .as_deref()
                                    .filter(|s| classify::scheme_encrypts(s))
                                    .map(|s| format!("{s}:// upstream")),
                                authenticated_by: None,
                            });
                        }
                    }
                }
            }
        }
    }

    fn entry_node(
        &mut self,
        name: String,
        kind: &str,
        namespace: Option<String>,
        file: FileId,
        loc: Location,
    ) -> usize {
        if let Some(&i) = self.names.get(&name.to_ascii_lowercase()).and_then(|v| {
            v.iter().find(|&&i| {
                self.nodes[i].role == Role::EntryPoint && self.nodes[i].namespace == namespace
            })
        }) {
            return i;
        }
        let mut node = ArchNode::new(name.clone(), name, Role::EntryPoint);
        node.kinds.push(kind.to_string());
        node.namespace = namespace;
        node.exposure = Exposure::Internet;
        node.sources.push(self.source_ref(kind, file, loc));
        self.push_node(node)
    }

    fn entry_flow(
        &mut self,
        entry: usize,
        target: usize,
        protocol: &str,
        port: Option<u16>,
        discovered: &'static str,
        file: FileId,
        loc: Location,
    ) {
        self.add_flow(FlowFact {
            from: entry,
            to: target,
            protocol: protocol.to_string(),
            port,
            topic: None,
            is_async: false,
            address: None,
            discovered,
            file,
            loc,
            encrypted_by: None,
            authenticated_by: None,
        });
    }

    fn protocol_to(&self, target: usize, port: Option<u16>) -> String {
        if let Some(t) = &self.nodes[target].technology {
            return classify::protocol_for_technology(t).to_string();
        }
        port.and_then(classify::protocol_for_port)
            .unwrap_or("http")
            .to_string()
    }

    fn service_entry_points(&mut self) {
        for s in 0..self.services.len() {
            let (kind, name) = {
                let svc = &self.services[s];
                let kind = match svc.service_type.as_str() {
                    "LoadBalancer" => "loadbalancer",
                    "NodePort" => "nodeport",
                    _ => continue,
                };
                (kind, format!("{kind}/{}", svc.name))
            };
            let o = self.services[s].object;
            let entry = self.entry_node(name, kind, o.namespace.clone(), o.file, o.root.loc);
            let ports: Vec<u16> = self.services[s].ports.iter().map(|(p, _)| *p).collect();
            self.nodes[entry].routes = ports.iter().map(|p| format!(":{p}")).collect();
            for t in self.services[s].targets.clone() {
                for &p in ports.iter().take(1) {
                    let proto = self.protocol_to(t, Some(p));
                    self.entry_flow(entry, t, &proto, Some(p), "service", o.file, o.root.loc);
                }
                if ports.is_empty() {
                    let proto = self.protocol_to(t, None);
                    self.entry_flow(entry, t, &proto, None, "service", o.file, o.root.loc);
                }
            }
        }
    }

    /// Nodes behind a Kubernetes Service name, or a node of that name.
    pub(crate) fn service_targets(&self, name: &str, namespace: &Option<String>) -> Vec<usize> {
        let named: Vec<&crate::K8sService> = self
            .services_by_name
            .get(name)
            .map(|v| v.iter().map(|&i| &self.services[i]).collect())
            .unwrap_or_default();
        let exact: Vec<usize> = named
            .iter()
            .filter(|s| s.namespace == *namespace)
            .flat_map(|s| s.targets.clone())
            .collect();
        if !exact.is_empty() {
            return exact;
        }
        let lenient: Vec<usize> = named
            .iter()
            .filter(|s| same_namespace(&s.namespace, namespace))
            .flat_map(|s| s.targets.clone())
            .collect();
        if !lenient.is_empty() {
            return lenient;
        }
        let by_name: Vec<usize> = self
            .names
            .get(&name.to_ascii_lowercase())
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .filter(|&i| self.nodes[i].role != Role::EntryPoint)
            .collect();
        // Several workloads of one name in different namespaces: prefer the caller's namespace.
        if by_name.len() > 1 && namespace.is_some() {
            let same: Vec<usize> = by_name
                .iter()
                .copied()
                .filter(|&i| self.nodes[i].namespace == *namespace)
                .collect();
            if !same.is_empty() {
                return same;
            }
        }
        by_name
    }

    fn ingress(&mut self, o: &'a K8sObject) {
        let spec = o.root.get("spec");
        let tls = spec
            .and_then(|s| s.get("tls"))
            .is_some_and(|t| !t.as_seq().is_empty());
        let auth = INGRESS_AUTH_ANNOTATIONS
            .iter()
            .any(|a| o.annotation(a).is_some());
        let entry = self.entry_node(
            format!("ingress/{}", o.name),
            "Ingress",
            o.namespace.clone(),
            o.file,
            o.root.loc,
        );
        self.nodes[entry].tls = Some(tls);
        self.nodes[entry].authenticated = Some(auth);
        let mut backends: Vec<(String, Option<u16>, String, &Node)> = Vec::new();
        if let Some(b) = spec.and_then(|s| s.get("defaultBackend").or_else(|| s.get("backend"))) {
            if let Some((name, port)) = ingress_backend(b) {
                backends.push((name, port, "/*".into(), b));
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
                if let Some((name, port)) = p.get("backend").and_then(ingress_backend) {
                    backends.push((name, port, format!("{host}{path}"), p));
                }
            }
        }
        let protocol = if o
            .annotation("nginx.ingress.kubernetes.io/backend-protocol")
            .is_some_and(|p| p.eq_ignore_ascii_case("https"))
        {
            "https"
        } else {
            "http"
        };
        for (name, port, route, node) in backends {
            if !self.nodes[entry].routes.contains(&route) {
                self.nodes[entry].routes.push(route);
            }
            for t in self.service_targets(&name, &o.namespace) {
                self.entry_flow(entry, t, protocol, port, "ingress", o.file, node.loc);
            }
        }
    }

    fn istio_virtual_service(&mut self, o: &'a K8sObject) {
        let spec = o.root.get("spec");
        let gateways: Vec<String> = spec
            .and_then(|s| s.get("gateways"))
            .map(Node::strings)
            .unwrap_or_default()
            .into_iter()
            .map(|(g, _)| g.rsplit('/').next().unwrap_or(g).to_string())
            .filter(|g| g != "mesh")
            .collect();
        if gateways.is_empty() {
            return;
        }
        let hosts: Vec<String> = spec
            .and_then(|s| s.get("hosts"))
            .map(Node::strings)
            .unwrap_or_default()
            .into_iter()
            .map(|(h, _)| h.to_string())
            .collect();
        for gw in gateways {
            let (file, loc, tls) = self
                .istio_gateway(&gw, &o.namespace)
                .map_or((o.file, o.root.loc, false), |(g, tls)| {
                    (g.file, g.root.loc, tls)
                });
            let entry = self.entry_node(
                format!("istio-gateway/{gw}"),
                "Gateway",
                o.namespace.clone(),
                file,
                loc,
            );
            self.nodes[entry].tls = Some(tls);
            for h in &hosts {
                if !self.nodes[entry].routes.contains(h) {
                    self.nodes[entry].routes.push(h.clone());
                }
            }
            for (kind, proto) in [
                ("http", "http"),
                ("tcp", "tcp"),
                ("tls", "tls"),
                ("grpc", "grpc"),
            ] {
                for route in spec
                    .and_then(|s| s.get(kind))
                    .map(Node::as_seq)
                    .unwrap_or(&[])
                {
                    for dest in route.get("route").map(Node::as_seq).unwrap_or(&[]) {
                        let Some(host) = dest.path(&["destination", "host"]).and_then(Node::as_str)
                        else {
                            continue;
                        };
                        let port = dest
                            .path(&["destination", "port", "number"])
                            .and_then(Node::as_i64)
                            .and_then(|p| u16::try_from(p).ok());
                        for t in self.resolve_host(host, &o.namespace) {
                            self.entry_flow(entry, t, proto, port, "gateway", o.file, dest.loc);
                        }
                    }
                }
            }
        }
    }

    fn istio_gateway(
        &self,
        name: &str,
        namespace: &Option<String>,
    ) -> Option<(&'a K8sObject, bool)> {
        let g = self.objects("Gateway").iter().copied().find(|o| {
            o.api_version.starts_with("networking.istio.io")
                && o.name == name
                && same_namespace(&o.namespace, namespace)
        })?;
        let tls = g
            .root
            .path(&["spec", "servers"])
            .map(Node::as_seq)
            .unwrap_or(&[])
            .iter()
            .any(|s| s.get("tls").is_some());
        Some((g, tls))
    }

    fn gateway_api_route(&mut self, o: &'a K8sObject) {
        let spec = o.root.get("spec");
        // Routes whose parent is a Service (GAMMA mesh routing) steer traffic inside the mesh;
        // only routes attached to a Gateway admit traffic from outside.
        let parents: Vec<String> = spec
            .and_then(|s| s.get("parentRefs"))
            .map(Node::as_seq)
            .unwrap_or(&[])
            .iter()
            .filter(|p| {
                p.get("kind")
                    .and_then(Node::as_str)
                    .is_none_or(|k| k == "Gateway")
            })
            .filter_map(|p| p.get("name").and_then(Node::as_str).map(str::to_string))
            .collect();
        let protocol = match o.kind.as_str() {
            "GRPCRoute" => "grpc",
            "TCPRoute" => "tcp",
            "TLSRoute" => "tls",
            "UDPRoute" => "udp",
            _ => "http",
        };
        for parent in parents {
            let gateway = self.objects("Gateway").iter().copied().find(|g| {
                g.api_version.starts_with("gateway.networking.k8s.io") && g.name == parent
            });
            let (file, loc) = gateway.map_or((o.file, o.root.loc), |g| (g.file, g.root.loc));
            let entry = self.entry_node(
                format!("gateway/{parent}"),
                "Gateway",
                o.namespace.clone(),
                file,
                loc,
            );
            let tls = gateway.is_some_and(|g| {
                g.root
                    .path(&["spec", "listeners"])
                    .map(Node::as_seq)
                    .unwrap_or(&[])
                    .iter()
                    .any(|l| l.get("tls").is_some())
            });
            self.nodes[entry].tls = Some(tls);
            for h in spec
                .and_then(|s| s.get("hostnames"))
                .map(Node::strings)
                .unwrap_or_default()
            {
                if !self.nodes[entry].routes.iter().any(|r| r == h.0) {
                    self.nodes[entry].routes.push(h.0.to_string());
                }
            }
            for rule in spec
                .and_then(|s| s.get("rules"))
                .map(Node::as_seq)
                .unwrap_or(&[])
            {
                for b in rule.get("backendRefs").map(Node::as_seq).unwrap_or(&[]) {
                    let Some(name) = b.get("name").and_then(Node::as_str) else {
                        continue;
                    };
                    let ns = b
                        .get("namespace")
                        .and_then(Node::as_str)
                        .map(str::to_string)
                        .or_else(|| o.namespace.clone());
                    let port = b
                        .get("port")
                        .and_then(Node::as_i64)
                        .and_then(|p| u16::try_from(p).ok());
                    for t in self.service_targets(name, &ns) {
                        self.entry_flow(entry, t, protocol, port, "gateway", o.file, b.loc);
                    }
                }
            }
        }
    }

    fn host_entry_points(&mut self) {
        let workloads: Vec<(usize, usize)> =
            self.workload_nodes.iter().map(|(&o, &n)| (o, n)).collect();
        for (oi, n) in workloads {
            let o = &self.corpus.objects[oi];
            let Some(w) = o.workload() else { continue };
            if let Some(node) = w.enabled("hostNetwork") {
                let entry = self.entry_node(
                    format!("host-network/{}", o.name),
                    "hostNetwork",
                    o.namespace.clone(),
                    o.file,
                    node.loc,
                );
                let proto = self.protocol_to(n, None);
                self.entry_flow(entry, n, &proto, None, "host-network", o.file, node.loc);
            }
            for c in w.containers() {
                for p in c.node.get("ports").map(Node::as_seq).unwrap_or(&[]) {
                    let Some(hp) = p
                        .get("hostPort")
                        .filter(|h| h.as_i64().is_some_and(|v| v > 0))
                    else {
                        continue;
                    };
                    let port = hp.as_i64().and_then(|v| u16::try_from(v).ok());
                    let entry = self.entry_node(
                        format!("host-port/{}", o.name),
                        "hostPort",
                        o.namespace.clone(),
                        o.file,
                        hp.loc,
                    );
                    if let Some(port) = port {
                        self.nodes[entry].routes.push(format!(":{port}"));
                    }
                    let proto = self.protocol_to(n, port);
                    self.entry_flow(entry, n, &proto, port, "host-port", o.file, hp.loc);
                }
            }
        }
    }

    fn compose_entry_points(&mut self) {
        for compose in &self.corpus.compose {
            for svc in compose.services() {
                let Some(&n) = self
                    .names
                    .get(&svc.name.to_ascii_lowercase())
                    .and_then(|v| {
                        v.iter()
                            .find(|&&i| self.nodes[i].kinds.iter().any(|k| k == "compose"))
                    })
                else {
                    continue;
                };
                for p in svc.ports() {
                    let local = p.host_ip.as_deref().is_some_and(|ip| {
                        crate::address::is_local(ip) && ip != "0.0.0.0" && ip != "::"
                    });
                    let target: Option<u16> =
                        p.target.split('/').next().and_then(|t| t.parse().ok());
                    let entry = self.entry_node(
                        format!("published/{}", svc.name),
                        "compose-port",
                        None,
                        compose.file,
                        p.loc,
                    );
                    let route = format!(
                        "{}:{}->{}",
                        p.host_ip.as_deref().unwrap_or("0.0.0.0"),
                        p.published.as_deref().unwrap_or("*"),
                        p.target
                    );
                    if !self.nodes[entry].routes.contains(&route) {
                        self.nodes[entry].routes.push(route);
                    }
                    if local
                        && self.nodes[entry].routes.iter().all(|r| {
                            r.starts_with("127.")
                                || r.starts_with("localhost")
                                || r.starts_with("::1")
                        })
                    {
                        // Bound to the host's loopback only: reachable from the machine, not the
                        // network.
                        self.nodes[entry].exposure = Exposure::Cluster;
                    }
                    let proto = self.protocol_to(n, target);
                    self.entry_flow(entry, n, &proto, target, "compose", compose.file, p.loc);
                }
            }
        }
    }

    /// Kong declarative configuration (`_format_version` with `services`).
    fn kong_entry_points(&mut self) {
        let docs: Vec<_> = self
            .corpus
            .other_yaml
            .iter()
            .filter(|d| d.root.get("_format_version").is_some())
            .collect();
        for doc in docs {
            let entry = self.entry_node("kong".into(), "kong", None, doc.file, doc.root.loc);
            for svc in doc.root.get("services").map(Node::as_seq).unwrap_or(&[]) {
                let url = svc
                    .get("url")
                    .and_then(Node::as_str)
                    .map(str::to_string)
                    .or_else(|| {
                        let host = svc.get("host").and_then(Node::as_str)?;
                        let proto = svc.get("protocol").and_then(Node::as_str).unwrap_or("http");
                        let port = svc
                            .get("port")
                            .and_then(Node::as_str)
                            .map(|p| format!(":{p}"))
                            .unwrap_or_default();
                        Some(format!("{proto}://{host}{port}"))
                    });
                let Some(url) = url else { continue };
                for route in svc.get("routes").map(Node::as_seq).unwrap_or(&[]) {
                    for (p, _) in route.get("paths").map(Node::strings).unwrap_or_default() {
                        if !self.nodes[entry].routes.iter().any(|r| r == p) {
                            self.nodes[entry].routes.push(p.to_string());
                        }
                    }
                }
                for addr in parse_addresses(Some("url"), &url) {
                    let targets = self.resolve_or_external(&addr, &None);
                    let proto = addr.scheme.clone().unwrap_or_else(|| "http".into());
                    for t in targets {
                        self.entry_flow(entry, t, &proto, addr.port, "kong", doc.file, svc.loc);
                    }
                }
            }
        }
    }
}

fn ingress_backend(b: &Node) -> Option<(String, Option<u16>)> {
    if let Some(s) = b.get("service") {
        let name = s.get("name")?.as_str()?.to_string();
        let port = s
            .path(&["port", "number"])
            .and_then(Node::as_i64)
            .and_then(|p| u16::try_from(p).ok());
        return Some((name, port));
    }
    let name = b.get("serviceName")?.as_str()?.to_string();
    let port = b
        .get("servicePort")
        .and_then(Node::as_i64)
        .and_then(|p| u16::try_from(p).ok());
    Some((name, port))
}
