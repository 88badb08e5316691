use super::traffic::{Host, Traffic};
use super::util::names;
use crate::rules::s2s::util::{add_node, definition, Files};
use crate::{Check, Context, Sink};
use std::collections::BTreeSet;
use stridemap_model::architecture::{ArchNode, Flow, Role};
use stridemap_model::k8s::K8sObject;
use stridemap_model::{InfraType, Node, Severity};

declare_rule! {
    /// ## What it does
    /// In repositories that run an Istio mesh, flags:
    /// - services on a hot synchronous path (called by other meshed services, or routed to from
    ///   an Istio gateway) when no VirtualService route to them sets a `timeout`: Istio sets
    ///   none by default, so a caller waits as long as the destination takes. Callers whose code
    ///   visibly sets a timeout on the call are not counted;
    /// - VirtualService retry policies without a budget: three or more attempts with no
    ///   `perTryTimeout`, or retrying on server and gateway errors (`5xx`, `gateway-error`,
    ///   `retriable-4xx`), the very answers an overloaded service gives.
    ///
    /// ## Why is this bad?
    /// In a chain of synchronous calls the slowest service sets everyone's pace. When a
    /// destination slows down (load, a slow query, an attacker's expensive request), callers
    /// without a timeout hold their threads and connections open; their own pools fill, they
    /// slow down in turn, and the stall climbs the chain to the entry point. Unbudgeted retries
    /// make it worse: each layer multiplies the load on the struggling service by its attempt
    /// count, turning a slowdown into an outage (a retry storm).
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: networking.istio.io/v1beta1
    /// kind: VirtualService
    /// metadata:
    ///   name: inventory
    /// spec:
    ///   hosts: [inventory]
    ///   http:
    ///     - route:
    ///         - destination: {host: inventory}
    ///       retries:
    ///         attempts: 5
    ///         retryOn: 5xx
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// apiVersion: networking.istio.io/v1beta1
    /// kind: VirtualService
    /// metadata:
    ///   name: inventory
    /// spec:
    ///   hosts: [inventory]
    ///   http:
    ///     - route:
    ///         - destination: {host: inventory}
    ///       timeout: 3s
    ///       retries:
    ///         attempts: 2
    ///         perTryTimeout: 1s
    ///         retryOn: connect-failure,refused-stream,unavailable
    /// ```
    /// Give every route to a synchronous dependency a timeout shorter than its caller's, and
    /// keep retries few, individually time-boxed, and limited to failures that are safe to
    /// retry.
    pub struct MeshNoTimeout {
        id: "DOS-MESH-NO-TIMEOUT",
        title: "Synchronous mesh call without a timeout or retry budget",
        group: DistributedDos,
        stride: DenialOfService,
        severity: Medium,
        cwe: [400, 1088],
        infra: [Istio, Kubernetes],
        equivalents: [],
        attack_scenario: "An attacker sends requests that are expensive for a service deep in the call chain; its callers have no route timeout and keep waiting (and retrying on its 5xx answers), so their pools fill one after another and the whole request path up to the gateway stops answering.",
        mitigation: "Set a `timeout` on every VirtualService HTTP route to a synchronous dependency, shorter than the caller's own deadline, and bound retries with few `attempts`, a `perTryTimeout` and a conservative `retryOn`.",
    }
}

/// A route's duration field, unless absent or `0s` (which disables it).
fn duration_set(n: Option<&Node>) -> bool {
    n.and_then(Node::as_str).is_some_and(|d| {
        let digits: String = d.chars().filter(|c| c.is_ascii_digit()).collect();
        digits.chars().any(|c| c != '0')
    })
}

/// Whether a VirtualService applies to mesh-internal traffic (no gateways, or `mesh`).
fn for_mesh(vs: &K8sObject) -> bool {
    let gateways = vs.root.path(&["spec", "gateways"]).map(Node::strings);
    gateways.is_none_or(|g| g.is_empty() || g.iter().any(|(n, _)| *n == "mesh"))
}

/// HTTP routes of a VirtualService that send traffic to `node`.
fn routes_to<'a>(vs: &'a K8sObject, node: &ArchNode) -> Vec<&'a Node> {
    let ns = vs.namespace.as_deref();
    vs.root
        .path(&["spec", "http"])
        .map(Node::as_seq)
        .unwrap_or(&[])
        .iter()
        .filter(|route| {
            route
                .get("route")
                .map(Node::as_seq)
                .unwrap_or(&[])
                .iter()
                .filter_map(|d| d.path(&["destination", "host"]).and_then(Node::as_str))
                .any(|h| Host::parse(h, ns).names(node))
        })
        .collect()
}

impl Check for MeshNoTimeout {
    fn check_corpus(&self, cx: &Context, out: &mut Sink) {
        let Some(traffic) = Traffic::new(cx) else {
            return;
        };
        let files = Files::new(cx.corpus);
        for (id, flows) in &traffic.hot {
            let Some(node) = cx.arch.node(id) else {
                continue;
            };
            let mut callers: BTreeSet<&str> = BTreeSet::new();
            let mut via_mesh = false;
            let mut via_gateway = false;
            // Callers whose code bounds its own wait are not left hanging.
            let flows: Vec<&&Flow> = flows
                .iter()
                .filter(|f| !traffic.client_timed.contains(f.id.as_str()))
                .collect();
            if flows.is_empty() {
                continue;
            }
            for f in &flows {
                let Some(from) = cx.arch.node(&f.from) else {
                    continue;
                };
                if from.role == Role::EntryPoint {
                    via_gateway = true;
                } else {
                    via_mesh = true;
                }
                callers.insert(&from.name);
            }
            // Routes that carry the hot traffic, and those of them without a timeout.
            let mut relevant: Vec<(&K8sObject, &Node)> = Vec::new();
            for vs in &traffic.virtual_services {
                let applies = if for_mesh(vs) { via_mesh } else { via_gateway };
                if applies {
                    relevant.extend(routes_to(vs, node).into_iter().map(|r| (*vs, r)));
                }
            }
            let bare: Vec<&(&K8sObject, &Node)> = relevant
                .iter()
                .filter(|(_, r)| !duration_set(r.get("timeout")))
                .collect();
            if !relevant.is_empty() && bare.is_empty() {
                continue;
            }
            let (file, loc) = match bare.first() {
                Some((vs, r)) => (vs.file, r.loc),
                None => match definition(node).and_then(|s| files.at(s)) {
                    Some(at) => at,
                    None => continue,
                },
            };
            let which = if relevant.is_empty() {
                "no VirtualService route to it sets a timeout".to_string()
            } else {
                format!(
                    "{} route(s) to it in VirtualService {} set no timeout",
                    bare.len(),
                    names(
                        bare.iter()
                            .map(|(vs, _)| vs.name.as_str())
                            .collect::<BTreeSet<_>>()
                    )
                )
            };
            let severity = if callers.len() >= 2 || via_gateway {
                Severity::Medium
            } else {
                Severity::Low
            };
            let f = out
                .report(
                    file,
                    loc,
                    format!(
                        "`{}` is called synchronously through the mesh by {} but {which}: when it slows down, callers wait on it indefinitely, their own pools fill and the stall cascades up the request path",
                        node.name,
                        names(callers.iter().copied())
                    ),
                )
                .key(format!("timeout:{}", node.id))
                .severity(severity)
                .component(node.name.clone())
                .component("Istio mesh")
                .infra(InfraType::Istio);
            add_node(f, &files, node);
            for (vs, r) in &bare {
                f.resource(vs.resource_id());
                f.also_at(vs.file, r.loc);
            }
            for flow in flows.iter().take(5) {
                if let Some((file, loc)) = flow.loc {
                    f.also_at(file, loc);
                }
            }
        }

        // Retry policies that multiply load on a struggling destination.
        for vs in &traffic.virtual_services {
            let routes = vs
                .root
                .path(&["spec", "http"])
                .map(Node::as_seq)
                .unwrap_or(&[]);
            for (i, route) in routes.iter().enumerate() {
                let Some(retries) = route.get("retries") else {
                    continue;
                };
                let Some(attempts_node) = retries.get("attempts") else {
                    continue;
                };
                let Some(attempts) = attempts_node.as_i64().filter(|&a| a >= 3) else {
                    continue;
                };
                let on: Vec<String> = retries
                    .get("retryOn")
                    .and_then(Node::as_str)
                    .unwrap_or("")
                    .split(',')
                    .map(|s| s.trim().to_ascii_lowercase())
                    .collect();
                let errors: Vec<&str> = on
                    .iter()
                    .map(String::as_str)
                    .filter(|s| matches!(*s, "5xx" | "gateway-error" | "retriable-4xx"))
                    .collect();
                let per_try = duration_set(retries.get("perTryTimeout"));
                let why = if !errors.is_empty() {
                    format!(
                        "retries {attempts} times on {}, the answers an overloaded destination gives, multiplying its load",
                        errors.join(", ")
                    )
                } else if !per_try {
                    format!(
                        "retries {attempts} times with no perTryTimeout, so each attempt may hang and the retries multiply the load"
                    )
                } else {
                    continue;
                };
                let dest: Vec<&str> = route
                    .get("route")
                    .map(Node::as_seq)
                    .unwrap_or(&[])
                    .iter()
                    .filter_map(|d| d.path(&["destination", "host"]).and_then(Node::as_str))
                    .collect();
                let f = out
                    .report(
                        vs.file,
                        attempts_node.loc,
                        format!(
                            "{} route {} to {} {why}: a slowdown there becomes a retry storm",
                            vs.resource_id(),
                            i + 1,
                            if dest.is_empty() {
                                "its destination".to_string()
                            } else {
                                names(dest.iter().copied())
                            }
                        ),
                    )
                    .title("Retry policy without a budget")
                    .key(format!("retries:{}:{i}", vs.qualified_id()))
                    .resource(vs.resource_id())
                    .component("Istio mesh")
                    .infra(InfraType::Istio);
                for d in dest {
                    f.component(d);
                }
            }
        }
    }
}
