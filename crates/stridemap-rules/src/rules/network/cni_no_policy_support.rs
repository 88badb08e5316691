use crate::helpers::on_object;
use crate::{Check, Context, Sink};
use stridemap_model::network_policy::cni_plugin_types;
use stridemap_model::{InfraType, Node};

declare_rule! {
    /// ## What it does
    /// Flags CNI network configurations whose plugins cannot enforce NetworkPolicies — Flannel,
    /// or the basic `bridge`, `ptp`, `macvlan`, `ipvlan` and `host-device` plugins — with no
    /// policy-enforcing plugin (Calico/Canal, Cilium, Weave Net, Antrea, kube-router, OVN)
    /// in the same chain. It reads CNI configuration files (JSON with `cniVersion`/`plugins`)
    /// and CNI configurations embedded in ConfigMaps (such as `kube-flannel-cfg`).
    ///
    /// ## Why is this bad?
    /// The API server accepts NetworkPolicy objects whatever the network plugin, but only the
    /// plugin enforces them. On a cluster networked by Flannel alone, every policy in the
    /// repository is silently ignored and all pods can reach each other.
    ///
    /// ## Example
    /// ```yaml
    /// kind: ConfigMap
    /// metadata: { name: kube-flannel-cfg, namespace: kube-system }
    /// data:
    ///   cni-conf.json: |
    ///     { "name": "cbr0", "plugins": [ { "type": "flannel" }, { "type": "portmap" } ] }
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// data:
    ///   cni-conf.json: |
    ///     { "name": "k8s-pod-network", "plugins": [ { "type": "calico" }, { "type": "portmap" } ] }
    /// ```
    /// Use a CNI that enforces NetworkPolicy (Calico, Cilium, Antrea…), or run Canal
    /// (Flannel with Calico's policy engine).
    pub struct CniNoPolicySupport {
        id: "NET-CNI-NO-POLICY-SUPPORT",
        title: "CNI plugin does not enforce network policies",
        group: ServiceToService,
        stride: ElevationOfPrivilege,
        severity: Medium,
        cwe: [923],
        infra: [Kubernetes],
        equivalents: ["kics:03aabc8c-35d6-481e-9c85-20139cf72d23"],
        attack_scenario: "The repository carries careful default-deny policies, but the cluster runs Flannel; an attacker who compromises one pod reaches every other pod because no component enforces the policies.",
        mitigation: "Run a policy-enforcing CNI (Calico, Cilium, Antrea, Weave Net) or add Calico's policy engine on top of Flannel (Canal).",
        checklist: ["network.policies"],
    }
}

const NO_POLICY: &[&str] = &[
    "flannel",
    "bridge",
    "ptp",
    "macvlan",
    "ipvlan",
    "host-device",
    "win-bridge",
];
const ENFORCING: &[&str] = &[
    "calico",
    "canal",
    "cilium",
    "weave",
    "antrea",
    "kube-router",
    "ovn",
    "romana",
];

fn verdict(types: &[String]) -> Option<&String> {
    let enforcing = types
        .iter()
        .any(|t| ENFORCING.iter().any(|e| t.to_ascii_lowercase().contains(e)));
    if enforcing {
        return None;
    }
    types
        .iter()
        .find(|t| NO_POLICY.contains(&t.to_ascii_lowercase().as_str()))
}

/// The `type` nodes of a CNI configuration document.
fn type_nodes(root: &Node) -> Vec<&Node> {
    let mut out: Vec<&Node> = root.get("type").into_iter().collect();
    for p in root.get("plugins").map(Node::as_seq).unwrap_or(&[]) {
        out.extend(p.get("type"));
    }
    out
}

impl Check for CniNoPolicySupport {
    fn check_corpus(&self, cx: &Context, out: &mut Sink) {
        for doc in &cx.corpus.other_yaml {
            let root = &doc.root;
            if root.get("cniVersion").is_none() && root.get("plugins").is_none_or(|p| !p.is_seq()) {
                continue;
            }
            let nodes = type_nodes(root);
            let types: Vec<String> = nodes
                .iter()
                .filter_map(|n| n.as_str().map(str::to_string))
                .collect();
            let Some(bad) = verdict(&types) else {
                continue;
            };
            let loc = nodes
                .iter()
                .find(|n| n.as_str() == Some(bad.as_str()))
                .map_or(root.loc, |n| n.loc);
            let name = root.get("name").and_then(Node::as_str).unwrap_or("unnamed");
            let path = &cx.corpus.file(doc.file).path;
            out.report(
                doc.file,
                loc,
                format!("CNI network `{name}` in `{path}` uses the `{bad}` plugin, which does not enforce NetworkPolicies"),
            )
            .resource(format!("CNIConfig/{name}"))
            .component(format!("CNI network {name}"))
            .key(format!("cni:{path}:{name}"))
            .infra(InfraType::Kubernetes);
        }
        for cm in cx.corpus.objects_of(&["ConfigMap"]) {
            let Some(data) = cm.root.get("data") else {
                continue;
            };
            for (key, key_node, value) in data.entries() {
                let Some(types) = value.as_str().and_then(cni_plugin_types) else {
                    continue;
                };
                let Some(bad) = verdict(&types) else {
                    continue;
                };
                on_object(
                    out,
                    cm,
                    key_node.loc,
                    format!("{} configures the `{bad}` CNI plugin in `{key}`, which does not enforce NetworkPolicies", cm.resource_id()),
                )
                .key_part(key);
            }
        }
    }
}
