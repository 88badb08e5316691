use super::no_policy::anchor;
use super::util::{namespace_name, pod_templates};
use crate::{Check, Context, Sink};
use std::collections::BTreeMap;
use stridemap_model::network_policy::{Direction, PolicyIndex};
use stridemap_model::{InfraType, Severity};

declare_rule! {
    /// ## What it does
    /// Flags namespaces that hold workloads but no default-deny network policy: no policy
    /// (Kubernetes, Cilium or Calico, namespaced or cluster-wide) that applies to every pod of
    /// the namespace and isolates ingress, respectively egress, without an allow-everything
    /// rule undoing it. One finding per namespace names the missing directions. For
    /// `kube-system` — where cluster DNS runs — the finding is raised to high severity.
    ///
    /// ## Why is this bad?
    /// Without a default deny, every pod that no specific policy selects is reachable from the
    /// whole cluster and may connect anywhere, including pods added later by someone who forgot
    /// to write their policy. A default deny turns forgotten workloads into blocked ones instead
    /// of exposed ones. In `kube-system`, an open CoreDNS and its neighbours let any pod attack
    /// the cluster's name resolution and control-plane add-ons directly.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata: { name: catalog, namespace: shop }
    /// # ... and no NetworkPolicy with `podSelector: {}` in namespace shop
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// apiVersion: networking.k8s.io/v1
    /// kind: NetworkPolicy
    /// metadata: { name: default-deny, namespace: shop }
    /// spec:
    ///   podSelector: {}
    ///   policyTypes: [Ingress, Egress]
    /// ```
    /// Then allow each workload's required traffic (and DNS egress) with narrower policies.
    pub struct NoDefaultDeny {
        id: "NET-NO-DEFAULT-DENY",
        title: "Namespace without a default-deny network policy",
        group: ServiceToService,
        stride: ElevationOfPrivilege,
        severity: Medium,
        cwe: [923],
        infra: [Kubernetes],
        equivalents: [],
        attack_scenario: "A new workload is deployed without its own policy; because the namespace has no default deny it is immediately reachable from every pod in the cluster, and an attacker holding any compromised pod connects to it and pivots further.",
        mitigation: "Add a NetworkPolicy with `podSelector: {}` and `policyTypes: [Ingress, Egress]` to every application namespace, then allow required flows (including DNS to kube-system) explicitly.",
        checklist: ["network.default-deny"],
    }
}

impl Check for NoDefaultDeny {
    fn check_corpus(&self, cx: &Context, out: &mut Sink) {
        let pods = pod_templates(cx.corpus);
        if pods.is_empty() {
            return;
        }
        let index = PolicyIndex::from_corpus(cx.corpus);
        let mut by_ns: BTreeMap<Option<&str>, Vec<usize>> = BTreeMap::new();
        for (i, p) in pods.iter().enumerate() {
            if !p.host_network() {
                by_ns
                    .entry(index.resolve(p.namespace()))
                    .or_default()
                    .push(i);
            }
        }
        for (ns, members) in by_ns {
            let ns_labels = index.labels_of_namespace(ns);
            let wide: Vec<_> = index
                .candidates(ns)
                .filter(|p| p.covers_namespace(ns, ns_labels))
                .collect();
            let missing: Vec<Direction> = Direction::BOTH
                .into_iter()
                .filter(|&d| {
                    let denied = wide.iter().any(|p| p.side(d).isolates);
                    let reopened = wide.iter().any(|p| !p.side(d).allow_all.is_empty());
                    !denied || reopened
                })
                .collect();
            if missing.is_empty() {
                continue;
            }
            let reopened = missing
                .iter()
                .any(|&d| wide.iter().any(|p| !p.side(d).allow_all.is_empty()));
            let name = namespace_name(ns);
            let what = missing
                .iter()
                .map(|d| d.as_str())
                .collect::<Vec<_>>()
                .join(" and ");
            let namespace_object =
                ns.and_then(|n| cx.corpus.objects_of(&["Namespace"]).find(|o| o.name == n));
            let (file, loc) = match namespace_object {
                Some(o) => (
                    o.file,
                    o.metadata()
                        .and_then(|m| m.get("name"))
                        .map_or(o.root.loc, |n| n.loc),
                ),
                None => (pods[members[0]].object.file, anchor(&pods[members[0]])),
            };
            let dns = members.iter().any(|&i| {
                let p = &pods[i];
                p.labels.get("k8s-app").is_some_and(|v| v == "kube-dns")
                    || p.object.name.contains("coredns")
                    || p.object.name.contains("kube-dns")
            });
            let workloads: Vec<String> = members
                .iter()
                .take(3)
                .map(|&i| pods[i].object.resource_id())
                .collect();
            let more = if members.len() > 3 {
                format!(" and {} more", members.len() - 3)
            } else {
                String::new()
            };
            let consequence = match missing.as_slice() {
                [Direction::Ingress] => "is reachable from every pod in the cluster",
                [Direction::Egress] => "may connect to any destination",
                _ => "is reachable from every pod in the cluster and may connect anywhere",
            };
            let description = format!(
                "namespace `{name}` runs {}{more} but has no default-deny {what} policy{}, so any of its pods without a policy of its own {consequence}",
                workloads.join(", "),
                if reopened {
                    " (a namespace-wide allow-all rule undoes it)"
                } else {
                    ""
                }
            );
            let f = out
                .report(file, loc, description)
                .resource(format!("Namespace/{name}"))
                .component(format!("namespace {name}"))
                .key(format!("ns:{name}"))
                .infra(InfraType::Kubernetes);
            for &i in members
                .iter()
                .skip(usize::from(namespace_object.is_none()))
                .take(3)
            {
                f.also_at(pods[i].object.file, anchor(&pods[i]));
            }
            if ns == Some("kube-system") {
                f.severity(Severity::High).title(if dns {
                    "kube-system (cluster DNS) not protected by a default-deny network policy"
                } else {
                    "kube-system not protected by a default-deny network policy"
                });
            }
        }
    }
}
