use super::traffic::Traffic;
use super::util::names;
use crate::rules::s2s::util::{add_node, definition, Files};
use crate::{Check, Context, Sink};
use std::collections::BTreeSet;
use stridemap_model::architecture::Role;
use stridemap_model::{InfraType, Node, Severity};

declare_rule! {
    /// ## What it does
    /// In repositories that run an Istio mesh, flags services that many synchronous paths
    /// depend on (two or more meshed callers, or routed to from an entry point) when no
    /// DestinationRule for their host sets `outlierDetection` or a `connectionPool` (at the top
    /// level, per port or per subset).
    ///
    /// ## Why is this bad?
    /// Without outlier detection the mesh keeps sending requests to replicas that answer with
    /// errors or time out; without connection pool limits every caller may open unbounded
    /// connections and queue unbounded requests against a service that is already drowning.
    /// Nothing trips, so the failure of one shared service propagates to every caller at full
    /// rate instead of failing fast and recovering: the textbook cascading failure.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: networking.istio.io/v1beta1
    /// kind: DestinationRule
    /// metadata:
    ///   name: pricing
    /// spec:
    ///   host: pricing
    ///   trafficPolicy:
    ///     tls: {mode: ISTIO_MUTUAL}
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// apiVersion: networking.istio.io/v1beta1
    /// kind: DestinationRule
    /// metadata:
    ///   name: pricing
    /// spec:
    ///   host: pricing
    ///   trafficPolicy:
    ///     tls: {mode: ISTIO_MUTUAL}
    ///     connectionPool:
    ///       tcp: {maxConnections: 200}
    ///       http: {http1MaxPendingRequests: 100, maxRequestsPerConnection: 20}
    ///     outlierDetection:
    ///       consecutive5xxErrors: 5
    ///       interval: 10s
    ///       baseEjectionTime: 30s
    ///       maxEjectionPercent: 50
    /// ```
    /// Bound the connections and pending requests callers may pile onto the service and eject
    /// replicas that keep failing.
    pub struct NoCircuitBreaker {
        id: "DOS-NO-CIRCUIT-BREAKER",
        title: "Shared service without a circuit breaker",
        group: DistributedDos,
        stride: DenialOfService,
        severity: Medium,
        cwe: [400, 770],
        infra: [Istio, Kubernetes],
        equivalents: [],
        attack_scenario: "An attacker overloads a service that several others call synchronously; with no connection pool limits or outlier detection, every caller keeps opening connections and queuing requests against it, exhausting their own resources and spreading the outage across the application.",
        mitigation: "Add a DestinationRule for the service's host with `trafficPolicy.connectionPool` limits and `outlierDetection`, so callers fail fast and failing replicas are ejected.",
    }
}

/// A traffic policy that breaks circuits (`outlierDetection` or `connectionPool`).
fn breaks(policy: Option<&Node>) -> bool {
    let Some(p) = policy else {
        return false;
    };
    p.get("outlierDetection").is_some()
        || p.get("connectionPool").is_some()
        || p.get("portLevelSettings")
            .map(Node::as_seq)
            .unwrap_or(&[])
            .iter()
            .any(|s| s.get("outlierDetection").is_some() || s.get("connectionPool").is_some())
}

impl Check for NoCircuitBreaker {
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
            let mut entries: BTreeSet<&str> = BTreeSet::new();
            for f in flows {
                match cx.arch.node(&f.from) {
                    Some(from) if from.role == Role::EntryPoint => {
                        entries.insert(&from.name);
                    }
                    Some(from) => {
                        callers.insert(&from.name);
                    }
                    None => {}
                }
            }
            if callers.len() < 2 && entries.is_empty() {
                continue;
            }
            let rules = traffic.rules_for(node);
            let protected = rules.iter().any(|dr| {
                let spec = dr.root.get("spec");
                breaks(spec.and_then(|s| s.get("trafficPolicy")))
                    || spec
                        .and_then(|s| s.get("subsets"))
                        .map(Node::as_seq)
                        .unwrap_or(&[])
                        .iter()
                        .any(|s| breaks(s.get("trafficPolicy")))
            });
            if protected {
                continue;
            }
            let (file, loc) = match rules.first() {
                Some(dr) => (
                    dr.file,
                    dr.root
                        .path(&["spec", "host"])
                        .map_or(dr.root.loc, |h| h.loc),
                ),
                None => match definition(node).and_then(|s| files.at(s)) {
                    Some(at) => at,
                    None => continue,
                },
            };
            let mut who = Vec::new();
            if !callers.is_empty() {
                who.push(format!("called by {}", names(callers.iter().copied())));
            }
            if !entries.is_empty() {
                who.push(format!("routed to from {}", names(entries.iter().copied())));
            }
            let which = if rules.is_empty() {
                "no DestinationRule sets outlier detection or connection pool limits for it"
                    .to_string()
            } else {
                format!(
                    "its DestinationRule {} sets neither outlier detection nor connection pool limits",
                    names(
                        rules
                            .iter()
                            .map(|r| r.name.as_str())
                            .collect::<BTreeSet<_>>()
                    )
                )
            };
            let f = out
                .report(
                    file,
                    loc,
                    format!(
                        "`{}` is {} but {which}: when it fails, every caller keeps sending it full traffic and the failure cascades",
                        node.name,
                        who.join(" and ")
                    ),
                )
                .key(node.id.clone())
                .severity(if callers.len() >= 3 || (!entries.is_empty() && !callers.is_empty()) {
                    Severity::Medium
                } else {
                    Severity::Low
                })
                .component(node.name.clone())
                .component("Istio mesh")
                .infra(InfraType::Istio);
            add_node(f, &files, node);
            for dr in rules {
                f.resource(dr.resource_id());
                f.also_at(dr.file, dr.root.loc);
            }
            for flow in flows.iter().take(5) {
                if let Some((file, loc)) = flow.loc {
                    f.also_at(file, loc);
                }
            }
        }
    }
}
