use super::util::{has_pods_in, namespace_name, pod_templates, same_namespace, PodsByLabel};
use crate::helpers::on_object;
use crate::{Check, Context, Sink};
use std::collections::{BTreeMap, BTreeSet};
use stridemap_model::k8s::K8sObject;
use stridemap_model::Node;

declare_rule! {
    /// ## What it does
    /// Flags Kubernetes Services whose `selector` matches no pod template of their namespace,
    /// and Services whose selected pods declare container ports but none that a Service port
    /// targets (by number or by name; `targetPort` defaults to `port`). The check only runs for
    /// namespaces where the scan holds workloads, skips selector-less Services (hand-managed
    /// endpoints, `ExternalName`), and stays quiet when the selector names a custom resource
    /// of the namespace (operator-managed pods).
    ///
    /// ## Why is this bad?
    /// A Service that selects nothing is a stable, trusted DNS name with no backend. Whoever can
    /// create a pod in the namespace with the selector's labels receives the traffic other
    /// services send to that name — credentials and all. A port mismatch means clients reach
    /// nothing, and the usual emergency fix widens the selector or the policy.
    ///
    /// ## Example
    /// ```yaml
    /// kind: Service
    /// metadata: { name: payments, namespace: shop }
    /// spec:
    ///   selector: { app: payment }        # the Deployment labels its pods app: payments
    ///   ports: [{ port: 80, targetPort: 8080 }]
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// kind: Service
    /// metadata: { name: payments, namespace: shop }
    /// spec:
    ///   selector: { app: payments }
    ///   ports: [{ port: 80, targetPort: http }]   # a named containerPort of the pods
    /// ```
    /// Select the labels of the intended pod template and target a port its containers declare.
    pub struct ServiceSelectorMismatch {
        id: "K8S-SELECTOR-MISMATCH",
        title: "Service selects no pods or no declared port",
        group: ServiceDiscovery,
        stride: Spoofing,
        severity: Low,
        cwe: [706],
        infra: [Kubernetes],
        equivalents: [
            "kics:3ca03a61-3249-4c16-8427-6f8e47dda729",
            "kube-linter:dangling-service",
        ],
        attack_scenario: "The `payments` Service matches no pod; an attacker with permission to create pods in the namespace starts one labelled like the selector and receives the requests, tokens included, that other services send to `payments`.",
        mitigation: "Make the Service selector match the intended pod template labels and target a declared container port; delete Services whose backends no longer exist.",
    }
}

/// Builtin API groups: everything else is a custom resource.
fn is_custom(o: &K8sObject) -> bool {
    let group = o.api_version.rsplit_once('/').map_or("", |(g, _)| g);
    !(group.is_empty() || !group.contains('.') || group.ends_with(".k8s.io"))
}

impl Check for ServiceSelectorMismatch {
    fn check_corpus(&self, cx: &Context, out: &mut Sink) {
        let pods = pod_templates(cx.corpus);
        if pods.is_empty() {
            return;
        }
        let namespaces: BTreeSet<Option<&str>> = pods.iter().map(|p| p.namespace()).collect();
        let by_label = PodsByLabel::new(&pods);
        // Names of custom resources per namespace: operators create pods named after them.
        let mut custom: BTreeMap<&str, BTreeSet<Option<&str>>> = BTreeMap::new();
        for o in &cx.corpus.objects {
            if is_custom(o) && o.workload().is_none() {
                custom
                    .entry(o.name.as_str())
                    .or_default()
                    .insert(o.namespace.as_deref());
            }
        }
        for svc in cx.corpus.objects_of(&["Service"]) {
            let ns = svc.namespace.as_deref();
            let Some(spec) = svc.root.get("spec") else {
                continue;
            };
            if spec
                .get("type")
                .and_then(Node::as_str)
                .is_some_and(|t| t == "ExternalName")
            {
                continue;
            }
            let Some(selector_node) = spec.get("selector").filter(|s| s.is_map()) else {
                continue;
            };
            let selector: Vec<(&str, &str)> = selector_node
                .entries()
                .filter_map(|(k, _, v)| v.as_str().map(|v| (k, v)))
                .collect();
            if selector.is_empty()
                || selector
                    .iter()
                    .any(|(k, v)| k.contains("{{") || v.contains("{{") || v.contains("${"))
                || !has_pods_in(&namespaces, ns)
            {
                continue;
            }
            if selector.iter().any(|(_, v)| {
                custom
                    .get(v)
                    .is_some_and(|namespaces| namespaces.iter().any(|c| same_namespace(*c, ns)))
            }) {
                continue;
            }
            let matched = by_label.matching(&selector, ns);
            let shown = selector
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join(", ");
            if matched.is_empty() {
                on_object(
                    out,
                    svc,
                    selector_node.loc,
                    format!(
                        "{} selects pods labelled `{shown}`, but no pod template in namespace `{}` carries those labels",
                        svc.resource_id(),
                        namespace_name(ns)
                    ),
                );
                continue;
            }
            let declared: Vec<_> = matched.iter().flat_map(|p| p.ports()).collect();
            if declared.is_empty() {
                continue;
            }
            // A named target must be declared to resolve at all; an undeclared number may
            // still be served (declaring container ports is optional), so numbers are only
            // reported when none of the Service's ports reaches a declared one.
            let ports: Vec<(usize, &Node, &str, bool)> = spec
                .get("ports")
                .map(Node::as_seq)
                .unwrap_or(&[])
                .iter()
                .enumerate()
                .filter_map(|(i, port)| {
                    let target = port.get("targetPort").or_else(|| port.get("port"))?;
                    let text = target.as_str()?;
                    let found = match target.as_i64() {
                        Some(n) => declared.iter().any(|(p, _, _)| *p == Some(n)),
                        None => declared.iter().any(|(_, name, _)| *name == Some(text)),
                    };
                    Some((i, target, text, found || text.contains("{{")))
                })
                .collect();
            let any_numeric_found = ports
                .iter()
                .any(|(_, t, _, found)| *found && t.as_i64().is_some());
            for (i, target, text, found) in ports {
                if found || (target.as_i64().is_some() && any_numeric_found) {
                    continue;
                }
                on_object(
                    out,
                    svc,
                    target.loc,
                    format!(
                        "{} targets port `{text}`, which no container of the pods it selects (`{shown}`) declares",
                        svc.resource_id()
                    ),
                )
                .key_part(format!("port{i}"));
            }
        }
    }
}
