use super::util::{aux_kind, auxiliaries, joined_service, powers, prefix, AuxKind, PowerKind};
use crate::helpers::{on_container, on_service};
use crate::rules::container::util::{capabilities, compose_capabilities};
use crate::{Check, Context, Sink};
use stridemap_model::compose::{ComposeFile, ComposeService};
use stridemap_model::k8s::Workload;
use stridemap_model::{Node, Severity};

/// Capabilities that let a process read or rewrite the network it sits in.
const NETWORK_CAPABILITIES: &[&str] = &["NET_ADMIN", "NET_RAW", "ALL"];

declare_rule! {
    /// ## What it does
    /// Flags sidecars of pods on the host network (`hostNetwork: true`) when the host network
    /// turns their job into a node-wide one:
    ///
    /// - a service-mesh proxy (istio-proxy, linkerd-proxy, Envoy, Consul dataplane): its traffic
    ///   interception and admin port then apply to the node's interfaces;
    /// - a sidecar that is privileged or adds `NET_ADMIN`/`NET_RAW`: it can capture and rewrite
    ///   all traffic of the node;
    /// - a log or telemetry agent that declares ports: its HTTP or metrics endpoints, rarely
    ///   authenticated, listen on every interface of the node.
    ///
    /// In Compose, a service joining the network of a service with `network_mode: host`
    /// (`network_mode: service:<name>`) is judged the same way.
    ///
    /// CTR-HOST-NETWORK reports every host-network pod. A single-container pod, or a sidecar
    /// such as kube-rbac-proxy whose whole purpose is to front the app's port, is left to it;
    /// this rule points at the auxiliary container the host network makes dangerous.
    ///
    /// ## Why is this bad?
    /// `hostNetwork` is pod-wide: a setting made for the application silently applies to every
    /// helper next to it. A mesh proxy redirecting "its" pod's traffic with iptables redirects
    /// the node's; a packet-capable agent sees every pod's traffic on the node; an agent's
    /// unauthenticated admin or metrics endpoint becomes reachable by anyone who can reach the
    /// node.
    ///
    /// ## Example
    /// ```yaml
    /// spec:
    ///   hostNetwork: true
    ///   containers:
    ///     - name: edge
    ///       image: registry.example.com/edge:1.2.0
    ///     - name: istio-proxy
    ///       image: docker.io/istio/proxyv2:1.23.2
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// spec:
    ///   containers:
    ///     - name: edge
    ///       image: registry.example.com/edge:1.2.0
    ///       ports: [{containerPort: 8443}]
    ///     - name: istio-proxy
    ///       image: docker.io/istio/proxyv2:1.23.2
    /// ```
    /// Drop `hostNetwork` and publish the app's port through a Service; if the host network is
    /// truly needed, run the pod without sidecars and with a NetworkPolicy-independent firewall.
    pub struct SidecarHostNetwork {
        id: "SIDE-SIDECAR-HOST-NETWORK",
        title: "Sidecar runs in the node's network namespace",
        group: SidecarInit,
        stride: InformationDisclosure,
        severity: High,
        cwe: [668, 923],
        infra: [Kubernetes, Compose],
        equivalents: [],
        attack_scenario: "An attacker reaches the Envoy admin port of a mesh sidecar that runs in a host-network pod from another machine in the VPC, dumps its configuration and certificates, and reroutes the node's intercepted traffic through a listener of their own.",
        mitigation: "Remove `hostNetwork` from pods with sidecars, or move the agent out of the pod; drop NET_ADMIN/NET_RAW from sidecars and bind agent endpoints to localhost.",
        checklist: ["pod.no-host-namespaces"],
    }
}

impl Check for SidecarHostNetwork {
    fn check_workload(&self, w: &Workload, _cx: &Context, out: &mut Sink) {
        if w.enabled("hostNetwork").is_none() {
            return;
        }
        for side in auxiliaries(w) {
            let kind = aux_kind(&side);
            let net_caps: Vec<(String, &Node)> = capabilities(&side, "add")
                .into_iter()
                .filter(|(c, _)| NETWORK_CAPABILITIES.contains(&c.as_str()))
                .collect();
            let privileged = powers(w, &side)
                .into_iter()
                .find(|p| p.kind == PowerKind::Privileged);
            let ports: Vec<(i64, &Node)> = side
                .node
                .get("ports")
                .map(Node::as_seq)
                .unwrap_or(&[])
                .iter()
                .filter_map(|p| p.get("containerPort").map(|n| (n.as_i64(), n)))
                .filter_map(|(p, n)| p.map(|p| (p, n)))
                .collect();
            let (why, loc, severity) = if kind == Some(AuxKind::Mesh) {
                (
                    "intercepts traffic and serves its admin port on the node's network"
                        .to_string(),
                    side.node.get("name").map_or(side.node.loc, |n| n.loc),
                    Severity::High,
                )
            } else if let Some(p) = privileged {
                (
                    "runs privileged on the node's network and can capture or rewrite every pod's traffic there".to_string(),
                    p.node.loc,
                    Severity::High,
                )
            } else if let Some((cap, node)) = net_caps.first() {
                (
                    format!("adds {cap} on the node's network and can capture or rewrite every pod's traffic there"),
                    node.loc,
                    Severity::High,
                )
            } else if matches!(kind, Some(AuxKind::Logging | AuxKind::Telemetry))
                && !ports.is_empty()
            {
                let list: Vec<String> = ports.iter().map(|(p, _)| p.to_string()).collect();
                (
                    format!(
                        "listens on port {} of every node interface",
                        list.join(", ")
                    ),
                    ports[0].1.loc,
                    Severity::Medium,
                )
            } else {
                continue;
            };
            on_container(
                out,
                w,
                &side,
                loc,
                format!(
                    "{}{} of {} (hostNetwork: true) {why}",
                    prefix(&side),
                    side.describe(),
                    w.object.resource_id()
                ),
            )
            .severity(severity);
        }
    }

    fn check_compose_service(
        &self,
        compose: &ComposeFile,
        service: &ComposeService,
        _cx: &Context,
        out: &mut Sink,
    ) {
        let Some(app) = joined_service(compose, service) else {
            return;
        };
        let host = app
            .get("network_mode")
            .and_then(Node::as_str)
            .is_some_and(|m| m.eq_ignore_ascii_case("host"));
        if !host {
            return;
        }
        let mode = service
            .get("network_mode")
            .map_or(service.key.loc, |n| n.loc);
        let net_caps: Vec<String> = compose_capabilities(service, "cap_add")
            .into_iter()
            .map(|(c, _)| c)
            .filter(|c| NETWORK_CAPABILITIES.contains(&c.as_str()))
            .collect();
        let privileged = service.get("privileged").and_then(Node::as_bool) == Some(true);
        let image = service.get("image").and_then(Node::as_str).unwrap_or("");
        let mesh = ["envoy", "istio", "linkerd", "consul-dataplane"]
            .iter()
            .any(|m| service.name.contains(m) || image.contains(m));
        let why = if mesh {
            "intercepts traffic and serves its admin port on the host's network".to_string()
        } else if privileged {
            "runs privileged on the host's network".to_string()
        } else if let Some(cap) = net_caps.first() {
            format!("adds {cap} on the host's network")
        } else {
            return;
        };
        on_service(
            out,
            compose,
            service,
            mode,
            format!(
                "Compose service `{}` joins the network of `{}`, which uses the host network, and {why}",
                service.name, app.name
            ),
        );
    }
}
