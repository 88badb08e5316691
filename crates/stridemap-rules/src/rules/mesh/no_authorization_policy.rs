use super::util::{names, MeshView};
use crate::rules::s2s::util::{self, Files};
use crate::{Check, Context, Sink};
use std::collections::HashMap;
use stridemap_model::architecture::{Exposure, Role};
use stridemap_model::k8s::K8sObject;
use stridemap_model::mesh;
use stridemap_model::{InfraType, Severity};

declare_rule! {
    /// ## What it does
    /// Flags workloads with an Istio sidecar that receive traffic (another service calls them,
    /// or an entry point routes to them) while no ALLOW or CUSTOM AuthorizationPolicy applies
    /// to them: none selects the workload, none covers its whole namespace, and no mesh-wide
    /// policy sits in `istio-system`. DENY-only policies do not count, since everything they
    /// do not name stays allowed.
    ///
    /// ## Why is this bad?
    /// Without an ALLOW policy, Istio lets every request through: mTLS proves who the caller is,
    /// but nothing checks that the caller may call this service. Any compromised workload in the
    /// mesh can invoke any endpoint of the service, so one foothold spreads laterally to
    /// payment, user and admin APIs.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata:
    ///   name: ledger
    ///   namespace: finance           # istio-injection: enabled, no AuthorizationPolicy
    /// spec:
    ///   template:
    ///     metadata:
    ///       labels: {app: ledger}
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// apiVersion: security.istio.io/v1
    /// kind: AuthorizationPolicy
    /// metadata:
    ///   name: ledger-callers
    ///   namespace: finance
    /// spec:
    ///   selector:
    ///     matchLabels: {app: ledger}
    ///   action: ALLOW
    ///   rules:
    ///     - from:
    ///         - source:
    ///             principals: ["cluster.local/ns/finance/sa/billing"]
    ///       to:
    ///         - operation: {methods: ["POST"], paths: ["/entries"]}
    /// ```
    /// Start from a namespace-wide `allow-nothing` policy (`spec: {}`) and allow each caller
    /// explicitly.
    pub struct NoAuthorizationPolicy {
        id: "MESH-NO-AUTHORIZATION-POLICY",
        title: "Meshed service without an AuthorizationPolicy",
        group: ServiceMesh,
        stride: ElevationOfPrivilege,
        severity: Medium,
        cwe: [862, 285],
        infra: [Istio, Kubernetes],
        equivalents: [],
        attack_scenario: "An attacker who compromises any workload in the mesh calls the unprotected service's endpoints with that workload's valid mTLS identity; since no policy restricts callers, the request is authorized and the attacker moves laterally to payment or admin operations.",
        mitigation: "Apply a default-deny AuthorizationPolicy per namespace (`spec: {}`) and ALLOW policies per workload that name the calling principals, methods and paths.",
    }
}

impl Check for NoAuthorizationPolicy {
    fn check_corpus(&self, cx: &Context, out: &mut Sink) {
        let view = MeshView::new(cx);
        let files = Files::new(cx.corpus);
        let mut incoming: HashMap<&str, Vec<&str>> = HashMap::new();
        for f in cx.arch.flows() {
            incoming
                .entry(f.to.as_str())
                .or_default()
                .push(f.from.as_str());
        }
        for &n in view.workloads.iter().filter(|n| view.istio(n)) {
            let Some(callers) = incoming.get(n.id.as_str()) else {
                continue;
            };
            let applying: Vec<&K8sObject> = cx
                .authorization_policies()
                .candidates(n.namespace.as_deref())
                .into_iter()
                .filter(|p| {
                    mesh::authorization_policy_applies(p, n.namespace.as_deref(), &n.labels)
                })
                .collect();
            if applying
                .iter()
                .any(|p| matches!(mesh::authorization_action(p).as_str(), "ALLOW" | "CUSTOM"))
            {
                continue;
            }
            let Some((file, loc)) = util::definition(n).and_then(|s| files.at(s)) else {
                continue;
            };
            let internet = callers.iter().any(|c| {
                cx.arch
                    .node(c)
                    .is_some_and(|e| e.role == Role::EntryPoint && e.exposure == Exposure::Internet)
            });
            let mut unique = callers.clone();
            unique.sort_unstable();
            unique.dedup();
            let deny = if applying.is_empty() {
                String::new()
            } else {
                format!(
                    " (only DENY policies apply: {})",
                    names(applying.iter().map(|p| p.name.as_str()))
                )
            };
            let f = out
                .report(
                    file,
                    loc,
                    format!(
                        "`{}` runs in the Istio mesh and receives traffic from {} but no ALLOW AuthorizationPolicy applies to it{deny}: any workload of the mesh may call every endpoint",
                        n.name,
                        names(unique.iter().copied())
                    ),
                )
                .key(n.id.clone())
                .severity(if internet {
                    Severity::High
                } else {
                    Severity::Medium
                })
                .component(n.name.clone())
                .component("Istio mesh")
                .infra(InfraType::Istio);
            util::add_node(f, &files, n);
            for p in applying {
                f.also_at(p.file, p.root.loc);
            }
        }
    }
}
