use super::util::port_range;
use crate::helpers::{on_container, on_service};
use crate::rules::container::util::{capabilities, compose_capabilities};
use crate::{Check, Context, Sink};
use stridemap_model::compose::{ComposeFile, ComposeService};
use stridemap_model::k8s::Workload;
use stridemap_model::Node;

declare_rule! {
    /// ## What it does
    /// Flags privileged ports (1–1023): a Kubernetes `containerPort` below 1024, and a Compose
    /// port mapping whose container port or published host port (or a range of either) starts
    /// below 1024, including `expose` entries. A container-side port is not reported when the
    /// container cannot use the privilege anyway — `NET_BIND_SERVICE` (or `ALL`) dropped and
    /// not added back — or when `net.ipv4.ip_unprivileged_port_start` is lowered to cover it.
    ///
    /// ## Why is this bad?
    /// Only a process holding `CAP_NET_BIND_SERVICE` — in practice, root — may bind a port below
    /// 1024. An image that listens on 80 or 443 therefore keeps running as root or keeps the
    /// capability, widening what an attacker inherits after a compromise. On the host side,
    /// low ports are the ones system services and firewall rules trust; publishing a container
    /// there lets it stand in for, or collide with, a host service.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   web:
    ///     image: registry.example.com/web:3.2.0
    ///     ports:
    ///       - "80:80"
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// services:
    ///   web:
    ///     image: registry.example.com/web:3.2.0
    ///     ports:
    ///       - "8080:8080"
    ///     cap_drop: [ALL]
    /// ```
    /// Listen on a port of 1024 or above inside the container and let a Service, load balancer
    /// or reverse proxy present the well-known port.
    pub struct PrivilegedPort {
        id: "NET-PRIVILEGED-PORT",
        title: "Privileged port used by a container",
        group: ContainerSecurity,
        stride: ElevationOfPrivilege,
        severity: Low,
        cwe: [250],
        infra: [Kubernetes, Compose],
        equivalents: [
            "kics:bc2908f3-f73c-40a9-8793-c1b7d5544f79",
            "kube-linter:privileged-ports",
        ],
        attack_scenario: "To bind port 80 the web container runs as root with its default capabilities; when an attacker exploits the application, they land as root in the container, one kernel bug away from the node.",
        mitigation: "Make the application listen on a port >= 1024, run it as a non-root user with all capabilities dropped, and map the well-known port at the Service or load balancer.",
    }
}

const SYSCTL: &str = "net.ipv4.ip_unprivileged_port_start";

fn privileged(range: (u32, u32)) -> Option<u32> {
    let (a, _) = range;
    (1..1024).contains(&a).then_some(a)
}

/// Whether a process in the container can bind `port` without privilege, or cannot hold it.
fn container_side_moot(drops: &[String], adds: &[String], sysctl: Option<i64>, port: u32) -> bool {
    let dropped = drops.iter().any(|c| c == "ALL" || c == "NET_BIND_SERVICE");
    let added = adds.iter().any(|c| c == "ALL" || c == "NET_BIND_SERVICE");
    (dropped && !added) || sysctl.is_some_and(|s| s <= i64::from(port))
}

impl Check for PrivilegedPort {
    fn check_workload(&self, w: &Workload, _cx: &Context, out: &mut Sink) {
        let sysctl = w
            .security_context()
            .and_then(|sc| sc.get("sysctls"))
            .map(Node::as_seq)
            .unwrap_or(&[])
            .iter()
            .find(|s| s.get("name").and_then(Node::as_str) == Some(SYSCTL))
            .and_then(|s| s.get("value"))
            .and_then(Node::as_i64);
        for c in w.containers() {
            let drops: Vec<String> = capabilities(&c, "drop")
                .into_iter()
                .map(|(s, _)| s)
                .collect();
            let adds: Vec<String> = capabilities(&c, "add")
                .into_iter()
                .map(|(s, _)| s)
                .collect();
            for p in c.node.get("ports").map(Node::as_seq).unwrap_or(&[]) {
                let Some(port) = p.get("containerPort") else {
                    continue;
                };
                let Some(n) = port.as_i64().filter(|n| (1..1024).contains(n)) else {
                    continue;
                };
                if container_side_moot(&drops, &adds, sysctl, n as u32) {
                    continue;
                }
                on_container(
                    out,
                    w,
                    &c,
                    port.loc,
                    format!(
                        "{} of {} listens on privileged port {n}, which needs root or CAP_NET_BIND_SERVICE",
                        c.describe(),
                        w.object.resource_id()
                    ),
                )
                .key_part(format!("port{n}"));
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
        let drops: Vec<String> = compose_capabilities(service, "cap_drop")
            .into_iter()
            .map(|(s, _)| s)
            .collect();
        let adds: Vec<String> = compose_capabilities(service, "cap_add")
            .into_iter()
            .map(|(s, _)| s)
            .collect();
        let sysctl = service.get("sysctls").and_then(|s| {
            s.get(SYSCTL).and_then(Node::as_i64).or_else(|| {
                s.strings().into_iter().find_map(|(t, _)| {
                    t.split_once('=')
                        .filter(|(k, _)| k.trim() == SYSCTL)
                        .and_then(|(_, v)| v.trim().parse().ok())
                })
            })
        });
        let name = service.name;
        for (i, p) in service.ports().iter().enumerate() {
            let inside = port_range(&p.target)
                .and_then(privileged)
                .filter(|&n| !container_side_moot(&drops, &adds, sysctl, n));
            let host = p
                .published
                .as_deref()
                .and_then(port_range)
                .and_then(privileged);
            let what = match (inside, host) {
                (Some(c), Some(h)) if c == h => {
                    format!("maps privileged port {c} on the host to the same port in the container")
                }
                (Some(c), Some(h)) => format!(
                    "publishes privileged host port {h} and listens on privileged port {c}"
                ),
                (Some(c), None) => format!(
                    "listens on privileged port {c} in the container, which needs root or CAP_NET_BIND_SERVICE"
                ),
                (None, Some(h)) => format!("publishes its port on privileged host port {h}"),
                (None, None) => continue,
            };
            on_service(
                out,
                compose,
                service,
                p.loc,
                format!("Compose service `{name}` {what}"),
            )
            .key_part(format!("port{i}"));
        }
        for (i, (text, node)) in service
            .get("expose")
            .map(|e| e.strings())
            .unwrap_or_default()
            .into_iter()
            .enumerate()
        {
            let Some(n) = port_range(text).and_then(privileged) else {
                continue;
            };
            if container_side_moot(&drops, &adds, sysctl, n) {
                continue;
            }
            on_service(
                out,
                compose,
                service,
                node.loc,
                format!("Compose service `{name}` listens on privileged port {n} in the container"),
            )
            .key_part(format!("expose{i}"));
        }
    }
}
