use super::util::{
    consul_in_container, consul_in_service, entry_flows, service_node, workload_node, ConsulAgent,
};
use crate::helpers::{on_container, on_service};
use crate::{Check, Context, Finding, Sink};
use stridemap_model::architecture::{ArchNode, Flow};
use stridemap_model::compose::{ComposeFile, ComposeService};
use stridemap_model::k8s::{Container, Workload};
use stridemap_model::{Node, Severity};

declare_rule! {
    /// ## What it does
    /// Flags a Consul agent that serves its web UI (`-ui`, `ui = true`,
    /// `ui_config { enabled = true }`, or `-dev`, which turns it on) on a network address when
    /// the architecture shows an entry point from outside reaching its HTTP port: a
    /// LoadBalancer or NodePort Service, an Ingress or gateway route, a host port, or a Compose
    /// port published on all interfaces. Exposures that only reach Consul's gossip, RPC or DNS
    /// ports are not reported.
    ///
    /// Severity follows the ACLs: critical when they are off, medium when they deny by default
    /// (the UI then asks for a token), high when the configuration cannot be fully read.
    ///
    /// ## Why is this bad?
    /// The UI is served by the same HTTP API that registers services and stores KV data. Putting
    /// it on the internet hands every visitor a map of the services, their addresses and health,
    /// and, without ACLs, buttons to edit the KV store and deregister instances. Even with ACLs
    /// it is an administrative login page open to password spraying and to any future Consul
    /// vulnerability.
    ///
    /// ## Example
    /// ```yaml
    /// kind: Service
    /// metadata: {name: consul-ui}
    /// spec:
    ///   type: LoadBalancer
    ///   selector: {app: consul}
    ///   ports: [{port: 80, targetPort: 8500}]
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// kind: Service
    /// metadata: {name: consul-ui}
    /// spec:
    ///   type: ClusterIP
    ///   selector: {app: consul}
    ///   ports: [{port: 80, targetPort: 8500}]
    /// ```
    /// Keep the UI internal (reach it with `kubectl port-forward` or through an authenticated
    /// admin gateway), and enable ACLs so the UI requires a token.
    pub struct ConsulUiExposed {
        id: "DISC-CONSUL-UI-EXPOSED",
        title: "Consul UI exposed outside the cluster",
        group: ServiceDiscovery,
        stride: ElevationOfPrivilege,
        severity: High,
        cwe: [306, 668],
        infra: [Kubernetes, Compose],
        equivalents: [],
        attack_scenario: "An internet scanner finds the Consul UI behind the `consul-ui` load balancer, lists every service and its address, and with ACLs off edits the KV entry holding the payment gateway URL to point at an attacker-controlled host.",
        mitigation: "Do not publish Consul's HTTP port: use a ClusterIP Service and `kubectl port-forward`, or an admin gateway with authentication; enable ACLs with a deny-by-default policy.",
    }
}

impl Check for ConsulUiExposed {
    fn check_workload(&self, w: &Workload, cx: &Context, out: &mut Sink) {
        for c in w.containers() {
            let Some(agent) = consul_in_container(cx.corpus, w, &c) else {
                continue;
            };
            if !serves_ui(&agent) {
                continue;
            }
            // Looked up only for Consul workloads: the graph is not scanned per workload.
            let Some(node) = workload_node(cx, w.object) else {
                return;
            };
            let entries = entry_flows(cx, node);
            let http = agent.http_ports();
            let exposed: Vec<&Flow> = entries
                .iter()
                .copied()
                .filter(|f| reaches_http(f, node, w, &c, &http, cx))
                .collect();
            if exposed.is_empty() {
                continue;
            }
            let description = format!(
                "Consul UI of {} in {} is reachable from outside through {}",
                c.describe(),
                w.object.resource_id(),
                via(&exposed)
            );
            let f = on_container(
                out,
                w,
                &c,
                agent.ui_loc.unwrap_or(agent.anchor),
                description,
            );
            finish(f, &agent, &exposed);
        }
    }

    fn check_compose_service(
        &self,
        compose: &ComposeFile,
        service: &ComposeService,
        cx: &Context,
        out: &mut Sink,
    ) {
        let Some(agent) = consul_in_service(cx.corpus, compose, service) else {
            return;
        };
        if !serves_ui(&agent) {
            return;
        }
        let Some(node) = service_node(cx, service) else {
            return;
        };
        let http = agent.http_ports();
        let exposed: Vec<&Flow> = entry_flows(cx, node)
            .into_iter()
            .filter(|f| f.port.is_none_or(|p| http.contains(&p)))
            .collect();
        if exposed.is_empty() {
            return;
        }
        let description = format!(
            "Consul UI of Compose service `{}` is reachable from outside through {}",
            service.name,
            via(&exposed)
        );
        let f = on_service(
            out,
            compose,
            service,
            agent.ui_loc.unwrap_or(agent.anchor),
            description,
        );
        finish(f, &agent, &exposed);
    }
}

/// The UI is on (or may be, when configuration we cannot read could turn it on only if we
/// already know it is on) and the API listens beyond loopback.
fn serves_ui(agent: &ConsulAgent) -> bool {
    agent.ui_enabled() && agent.api_reachable()
}

fn via(flows: &[&Flow]) -> String {
    let mut names: Vec<&str> = flows.iter().map(|f| f.from.as_str()).collect();
    names.sort();
    names.dedup();
    names.join(", ")
}

fn finish(f: &mut Finding, agent: &ConsulAgent, exposed: &[&Flow]) {
    let severity = if agent.acl_enforced() {
        f.description
            .push_str(" (ACLs deny by default, so it asks for a token)");
        Severity::Medium
    } else if agent.unknown.is_empty() {
        f.description.push_str(
            ", and ACLs are off: anyone can browse the service catalog, edit the KV store and deregister services",
        );
        Severity::Critical
    } else {
        Severity::High
    };
    f.severity(severity);
    for flow in exposed {
        if let Some((file, loc)) = flow.loc {
            f.also_at(file, loc);
        }
    }
}

/// Whether an entry flow reaches one of the agent's HTTP ports: the flow's port, mapped through
/// the workload's Services (`port` → `targetPort`, named target ports resolved on the
/// container). Host networking and flows without a port count as reaching it.
fn reaches_http(
    flow: &Flow,
    node: &ArchNode,
    w: &Workload,
    c: &Container,
    http: &[u16],
    cx: &Context,
) -> bool {
    let Some(port) = flow.port else {
        return true;
    };
    if w.enabled("hostNetwork").is_some() {
        return http.contains(&port);
    }
    let mut targets: Vec<Option<u16>> = Vec::new();
    for svc in cx.corpus.objects_of(&["Service"]) {
        if !node.k8s_services.contains(&svc.name) || svc.namespace != node.namespace {
            continue;
        }
        for p in svc
            .root
            .path(&["spec", "ports"])
            .map(Node::as_seq)
            .unwrap_or(&[])
        {
            if p.get("port").and_then(Node::as_i64) != Some(i64::from(port)) {
                continue;
            }
            targets.push(match p.get("targetPort") {
                None => Some(port),
                Some(t) => match t.as_i64() {
                    Some(n) => u16::try_from(n).ok(),
                    None => named_port(c, t.as_str().unwrap_or("")),
                },
            });
        }
    }
    if targets.is_empty() {
        // A host port, or a Service we could not match: judge the flow's own port.
        return http.contains(&port);
    }
    targets
        .into_iter()
        .any(|t| t.is_none_or(|t| http.contains(&t)))
}

/// A named container port (`http` → 8500); `None` when the container does not declare it.
fn named_port(c: &Container, name: &str) -> Option<u16> {
    c.node
        .get("ports")
        .map(Node::as_seq)
        .unwrap_or(&[])
        .iter()
        .find(|p| p.get("name").and_then(Node::as_str) == Some(name))
        .and_then(|p| p.get("containerPort").and_then(Node::as_i64))
        .and_then(|n| u16::try_from(n).ok())
}
