use super::util::{names, MeshView};
use crate::helpers::on_object;
use crate::{Check, Context, Sink};
use std::collections::{HashMap, HashSet};
use stridemap_model::architecture::ArchNode;
use stridemap_model::k8s::K8sObject;
use stridemap_model::{InfraType, Node, Severity};

declare_rule! {
    /// ## What it does
    /// Flags workloads and namespaces that opt out of the service mesh while the repository
    /// uses one: a pod template with `sidecar.istio.io/inject: "false"` (annotation or label)
    /// or `linkerd.io/inject: disabled`, and Namespaces labelled `istio-injection: disabled` or
    /// annotated `linkerd.io/inject: disabled`. A mesh is in use when some workload gets a
    /// sidecar, some namespace enables injection, or Istio or Linkerd policies are present.
    /// The mesh's own components (gateways, control plane, system namespaces) and Jobs and
    /// CronJobs (which opt out so that they can complete) are left alone.
    ///
    /// ## Why is this bad?
    /// Mesh guarantees hold only for workloads with a sidecar. An opted-out workload sends and
    /// accepts plaintext, has no mesh identity, and escapes every AuthorizationPolicy — and
    /// STRICT peers refuse its calls, which pushes teams to relax mTLS for everyone. It becomes
    /// the weak point an attacker targets to sniff traffic or pivot.
    ///
    /// ## Example
    /// ```yaml
    /// spec:
    ///   template:
    ///     metadata:
    ///       annotations:
    ///         sidecar.istio.io/inject: "false"
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// spec:
    ///   template:
    ///     metadata:
    ///       labels:
    ///         sidecar.istio.io/inject: "true"
    /// ```
    /// Remove the opt-out (or enable injection on the namespace); if a port must bypass the
    /// proxy, exclude just that port (`traffic.sidecar.istio.io/excludeInboundPorts`).
    pub struct SidecarDisabled {
        id: "MESH-SIDECAR-DISABLED",
        title: "Workload or namespace opted out of the service mesh",
        group: ServiceMesh,
        stride: InformationDisclosure,
        severity: Medium,
        cwe: [319, 693],
        infra: [Istio, Kubernetes],
        equivalents: [],
        attack_scenario: "An attacker targets the one service running without a sidecar: its connections are plaintext and unauthenticated, so traffic to it can be sniffed or spoofed, and mesh authorization policies that protect its peers do not stop calls to or from it.",
        mitigation: "Remove `sidecar.istio.io/inject: \"false\"` / `istio-injection: disabled` (or `linkerd.io/inject: disabled`) and fix the reason for opting out (probe rewriting, port exclusions, native sidecars for Jobs) instead of leaving the workload outside the mesh.",
    }
}

/// Namespaces of the platform and of the mesh itself.
const SYSTEM_NAMESPACES: &[&str] = &[
    "kube-system",
    "kube-public",
    "kube-node-lease",
    "istio-system",
    "istio-ingress",
    "istio-egress",
    "linkerd",
    "linkerd-viz",
    "linkerd-cni",
    "cert-manager",
];

fn pod_value<'a>(meta: Option<&'a Node>, key: &str) -> Option<&'a Node> {
    let meta = meta?;
    meta.path(&["annotations", key])
        .or_else(|| meta.path(&["labels", key]))
        .filter(|n| n.as_str().is_some())
}

/// The opt-out setting on a pod template or namespace metadata: (setting, mesh, node).
fn opt_out(meta: Option<&Node>, namespace: bool) -> Option<(String, &'static str, &Node)> {
    let lower = |n: &Node| n.as_str().unwrap_or("").trim().to_ascii_lowercase();
    let istio_key = if namespace {
        "istio-injection"
    } else {
        "sidecar.istio.io/inject"
    };
    if let Some(n) = pod_value(meta, istio_key) {
        let v = lower(n);
        if (namespace && v == "disabled") || (!namespace && v == "false") {
            return Some((
                format!("{istio_key}: {}", n.as_str().unwrap_or("")),
                "Istio",
                n,
            ));
        }
    }
    if let Some(n) = pod_value(meta, "linkerd.io/inject") {
        if lower(n) == "disabled" {
            return Some(("linkerd.io/inject: disabled".into(), "Linkerd", n));
        }
    }
    None
}

/// The mesh's own workloads: gateways and control plane run without an injected sidecar.
fn mesh_component(o: &K8sObject) -> bool {
    let Some(w) = o.workload() else {
        return true;
    };
    let labels = w.pod_metadata.and_then(|m| m.get("labels"));
    let label = |k: &str| labels.and_then(|l| l.get(k)).and_then(Node::as_str);
    label("istio").is_some()
        || label("app").is_some_and(|a| a.starts_with("istio") || a.starts_with("linkerd"))
        || label("gateway.istio.io/managed").is_some()
        || w.containers().iter().any(|c| {
            c.image().and_then(Node::as_str).is_some_and(|i| {
                i.contains("istio/proxyv2") || i.contains("istio/pilot") || i.contains("linkerd")
            })
        })
}

/// The repository uses a mesh: injection somewhere, or mesh policies.
fn mesh_in_use(cx: &Context, view: &MeshView) -> bool {
    view.any_meshed
        || cx
            .corpus
            .objects
            .iter()
            .any(|o| o.api_version.contains("istio.io") || o.api_version.contains("linkerd.io"))
        || cx.corpus.objects_of(&["Namespace"]).any(|ns| {
            let m = ns.metadata();
            let get = |section: &str, key: &str| {
                m.and_then(|m| m.path(&[section, key]))
                    .and_then(Node::as_str)
                    .map(str::to_ascii_lowercase)
            };
            get("labels", "istio-injection").as_deref() == Some("enabled")
                || get("labels", "istio.io/rev").is_some()
                || get("annotations", "linkerd.io/inject").as_deref() == Some("enabled")
        })
}

impl Check for SidecarDisabled {
    fn check_corpus(&self, cx: &Context, out: &mut Sink) {
        let view = MeshView::new(cx);
        if !mesh_in_use(cx, &view) {
            return;
        }
        let nodes: HashMap<(Option<&str>, &str), &ArchNode> = view
            .workloads
            .iter()
            .map(|n| ((n.namespace.as_deref(), n.name.as_str()), *n))
            .collect();
        let receives: HashSet<&str> = cx.arch.flows().map(|f| f.to.as_str()).collect();
        let serves = |n: &ArchNode| !n.k8s_services.is_empty() || receives.contains(n.id.as_str());
        for o in &cx.corpus.objects {
            let system = o
                .namespace
                .as_deref()
                .is_some_and(|ns| SYSTEM_NAMESPACES.contains(&ns));
            if o.kind == "Namespace" {
                if SYSTEM_NAMESPACES.contains(&o.name.as_str()) {
                    continue;
                }
                let Some((setting, mesh, node)) = opt_out(o.metadata(), true) else {
                    continue;
                };
                let members: Vec<&ArchNode> = view
                    .workloads
                    .iter()
                    .copied()
                    .filter(|n| n.namespace.as_deref() == Some(o.name.as_str()))
                    .collect();
                let listed = if members.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", names(members.iter().map(|n| n.name.as_str())))
                };
                let f = on_object(
                    out,
                    o,
                    node.loc,
                    format!(
                        "Namespace `{}` disables {mesh} sidecar injection (`{setting}`) while the system runs in the mesh: its workloads{listed} get no mTLS and no mesh authorization",
                        o.name
                    ),
                )
                .infra(InfraType::Istio)
                .component(format!("{} namespace", o.name));
                if members.iter().any(|n| serves(n)) {
                    f.severity(Severity::High);
                }
                for n in members {
                    f.component(n.name.clone());
                }
                continue;
            }
            let Some(w) = o.workload() else { continue };
            if system || matches!(o.kind.as_str(), "Job" | "CronJob") || mesh_component(o) {
                continue;
            }
            let Some((setting, mesh, node)) = opt_out(w.pod_metadata, false) else {
                continue;
            };
            let f = on_object(
                out,
                o,
                node.loc,
                format!(
                    "{} opts out of {mesh} sidecar injection (`{setting}`) while the system runs in the mesh: its traffic is plaintext and mesh authorization policies do not apply to it",
                    o.resource_id()
                ),
            )
            .infra(InfraType::Istio)
            .component(format!("{mesh} mesh"));
            if nodes
                .get(&(o.namespace.as_deref(), o.name.as_str()))
                .is_some_and(|n| serves(n))
            {
                f.severity(Severity::High);
            }
        }
    }
}
