use super::util::{names, MeshView};
use crate::rules::s2s::util::{self, Files};
use crate::{Check, Context, Sink};
use std::collections::BTreeMap;
use stridemap_model::architecture::ArchNode;
use stridemap_model::k8s::K8sObject;
use stridemap_model::mesh::{self, MtlsMode, PolicyScope};
use stridemap_model::{InfraType, Node, Severity};

declare_rule! {
    /// ## What it does
    /// Flags Istio PeerAuthentication policies that leave mTLS optional (`PERMISSIVE`) or off
    /// (`DISABLE`) where they take effect. Policies are resolved the way Istio resolves them —
    /// a workload's own policy (its `portLevelMtls` entry for a port first), then its
    /// namespace's, then the mesh-wide one in `istio-system`, `UNSET` inheriting — so a weak
    /// namespace policy is reported only for the workloads that no STRICT workload policy
    /// overrides, and a weak mesh-wide policy only for namespaces without a policy of their own.
    /// Each finding points at the policy in force and lists the workloads it weakens; a policy
    /// whose scope holds no workload of the repository is reported on its own. Meshed workloads
    /// that no policy covers at all (Istio's default is PERMISSIVE) are reported at a lower
    /// severity.
    ///
    /// ## Why is this bad?
    /// In PERMISSIVE mode a sidecar accepts plaintext next to mTLS, so anything that can reach
    /// the pod — a workload outside the mesh, a compromised node, a pod that bypasses its
    /// sidecar — talks to it unencrypted and without a verified identity, and the traffic can
    /// be read on the wire. Authorization policies that match on principals see no identity
    /// for such connections.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: security.istio.io/v1
    /// kind: PeerAuthentication
    /// metadata:
    ///   name: default
    ///   namespace: payments
    /// spec:
    ///   mtls:
    ///     mode: PERMISSIVE
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// apiVersion: security.istio.io/v1
    /// kind: PeerAuthentication
    /// metadata:
    ///   name: default
    ///   namespace: payments
    /// spec:
    ///   mtls:
    ///     mode: STRICT
    /// ```
    /// Use PERMISSIVE only while migrating a namespace into the mesh, and set STRICT mesh-wide
    /// in `istio-system` once every client has a sidecar.
    pub struct MtlsNotStrict {
        id: "MESH-MTLS-NOT-STRICT",
        title: "Mesh mTLS not enforced (PERMISSIVE or DISABLE)",
        group: ServiceMesh,
        stride: InformationDisclosure,
        severity: High,
        cwe: [319],
        infra: [Istio, Kubernetes],
        equivalents: [],
        attack_scenario: "An attacker on the cluster network connects to a meshed service without a client certificate; the sidecar accepts the plaintext connection, so the attacker's requests go through without an identity and the responses, like any plaintext traffic to the pod, can be read on the wire.",
        mitigation: "Set `mtls.mode: STRICT` mesh-wide in the root namespace and in every namespace policy; keep port-level or workload-level exceptions to the ports that cannot use mTLS (health checks of non-meshed callers) and remove them once possible.",
        checklist: ["network.mtls"],
    }
}

/// A policy in force and the workloads it weakens.
struct Group<'a> {
    policy: Option<&'a K8sObject>,
    namespace: Option<String>,
    port: Option<u16>,
    mode: MtlsMode,
    nodes: Vec<&'a ArchNode>,
}

fn scope_text(policy: &K8sObject, scope: PolicyScope) -> String {
    match scope {
        PolicyScope::Mesh => "mesh-wide".into(),
        PolicyScope::Namespace => match &policy.namespace {
            Some(ns) => format!("for namespace `{ns}`"),
            None => "for the namespace it is applied to".into(),
        },
        PolicyScope::Workload => {
            let sel: Vec<String> = mesh::match_labels(policy)
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            format!("for workloads selected by {}", sel.join(","))
        }
    }
}

/// Whether a workload falls in a policy's scope (ignoring which policy wins).
fn in_scope(policy: &K8sObject, scope: PolicyScope, node: &ArchNode) -> bool {
    let ns_ok = policy.namespace.is_none()
        || node.namespace.is_none()
        || policy.namespace == node.namespace;
    match scope {
        PolicyScope::Mesh => true,
        PolicyScope::Namespace => ns_ok,
        PolicyScope::Workload => {
            ns_ok && mesh::label_selects(&mesh::match_labels(policy), &node.labels)
        }
    }
}

impl Check for MtlsNotStrict {
    fn check_corpus(&self, cx: &Context, out: &mut Sink) {
        let policies: Vec<&K8sObject> = cx
            .corpus
            .objects_of(&["PeerAuthentication"])
            .filter(|o| mesh::is_istio_security(o))
            .collect();
        let view = MeshView::new(cx);
        // Without visible injection every workload may be meshed (injection configured on the
        // cluster); with it, only the Istio-meshed ones are.
        let considered: Vec<&ArchNode> = view
            .workloads
            .iter()
            .copied()
            .filter(|n| !view.any_meshed || view.istio(n))
            .collect();
        let mut groups: BTreeMap<(String, Option<u16>), Group> = BTreeMap::new();
        for &n in &considered {
            let candidates = cx.peer_authentications().candidates(n.namespace.as_deref());
            let mut ports: Vec<u16> = candidates
                .iter()
                .filter(|p| mesh::is_istio_security(p))
                .filter(|p| mesh::peer_authentication_scope(p) == Some(PolicyScope::Workload))
                .filter(|p| in_scope(p, PolicyScope::Workload, n))
                .flat_map(|p| {
                    mesh::port_level_modes(p)
                        .into_iter()
                        .map(|(port, _, _)| port)
                })
                .collect();
            ports.sort_unstable();
            ports.dedup();
            let lookups = std::iter::once(None).chain(ports.into_iter().map(Some));
            for port in lookups {
                let r = mesh::mtls_in_force(
                    candidates.iter().copied(),
                    n.namespace.as_deref(),
                    &n.labels,
                    port,
                );
                if !r.mode.is_weak() || (port.is_some() && r.port.is_none()) {
                    continue;
                }
                if r.policy.is_none() && !view.any_meshed {
                    // Istio's default only matters where a sidecar is known to run.
                    continue;
                }
                let key = match r.policy {
                    Some(p) => p.qualified_id(),
                    None => format!("default/{}", n.namespace.as_deref().unwrap_or("")),
                };
                groups
                    .entry((key, r.port))
                    .or_insert_with(|| Group {
                        policy: r.policy,
                        namespace: n.namespace.clone(),
                        port: r.port,
                        mode: r.mode,
                        nodes: Vec::new(),
                    })
                    .nodes
                    .push(n);
            }
        }
        // Weak policies whose scope holds no workload of the repository: the declaration is all
        // there is to report.
        for p in &policies {
            let Some(scope) = mesh::peer_authentication_scope(p) else {
                continue;
            };
            if considered.iter().any(|n| in_scope(p, scope, n)) {
                continue;
            }
            let mut entries = vec![(None, mesh::peer_authentication_mode(p))];
            if scope == PolicyScope::Workload {
                entries.extend(
                    mesh::port_level_modes(p)
                        .into_iter()
                        .map(|(port, mode, _)| (Some(port), mode)),
                );
            }
            for (port, mode) in entries.into_iter().filter(|(_, m)| m.is_weak()) {
                groups.insert(
                    (p.qualified_id(), port),
                    Group {
                        policy: Some(p),
                        namespace: p.namespace.clone(),
                        port,
                        mode,
                        nodes: Vec::new(),
                    },
                );
            }
        }
        let files = Files::new(cx.corpus);
        for ((key, _), g) in groups {
            report(out, &files, &key, g);
        }
    }
}

fn report(out: &mut Sink, files: &Files, key: &str, g: Group) {
    let workloads = names(g.nodes.iter().map(|n| n.name.as_str()));
    let accepts = if g.mode == MtlsMode::Disable {
        "take plaintext only"
    } else {
        "accept plaintext connections"
    };
    let f = match g.policy {
        Some(p) => {
            let scope = mesh::peer_authentication_scope(p).unwrap_or(PolicyScope::Namespace);
            let (node, what) = match g.port {
                Some(port) => (
                    mesh::port_level_modes(p)
                        .into_iter()
                        .find(|(pp, _, _)| *pp == port)
                        .map(|(_, _, n)| n),
                    format!("on port {port} "),
                ),
                None => (mesh::mode_node(p), String::new()),
            };
            let loc = node.map_or(p.root.loc, |n: &Node| n.loc);
            let affected = if g.nodes.is_empty() {
                format!("the workloads it covers {accepts}")
            } else {
                format!("these workloads {accepts}: {workloads}")
            };
            let description = format!(
                "PeerAuthentication `{}` sets mTLS {} {what}{}, so {affected}",
                p.name,
                g.mode.as_str(),
                scope_text(p, scope)
            );
            let f = out
                .report(p.file, loc, description)
                .resource(p.resource_id())
                .component("Istio mesh")
                .component(match (scope, &p.namespace) {
                    (PolicyScope::Mesh, _) => "all namespaces".to_string(),
                    (_, Some(ns)) => format!("{ns} namespace"),
                    (_, None) => "namespace".to_string(),
                })
                .key(key.to_string());
            if g.port.is_some() {
                f.severity(Severity::Medium);
            }
            f
        }
        None => {
            let Some((file, loc)) = g
                .nodes
                .first()
                .and_then(|n| util::definition(n))
                .and_then(|s| files.at(s))
            else {
                return;
            };
            let ns = g.namespace.as_deref().unwrap_or("default");
            out.report(
                file,
                loc,
                format!(
                    "No PeerAuthentication applies to the meshed workloads of namespace `{ns}` ({workloads}): Istio's default PERMISSIVE mode lets them {accepts}"
                ),
            )
            .severity(Severity::Medium)
            .component("Istio mesh")
            .component(format!("{ns} namespace"))
            .key(key.to_string())
        }
    };
    f.infra(InfraType::Istio);
    if let Some(port) = g.port {
        f.key_part(port.to_string());
    }
    for n in &g.nodes {
        f.component(n.name.clone());
        util::add_node(f, files, n);
    }
}
