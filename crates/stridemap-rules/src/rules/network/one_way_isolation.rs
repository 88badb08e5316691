use super::no_policy::anchor;
use super::util::pod_templates;
use crate::helpers::on_object;
use crate::{Check, Context, Sink};
use stridemap_model::network_policy::{Direction, PolicyIndex};

declare_rule! {
    /// ## What it does
    /// Flags workloads that network policies select, yet only in one direction: some policy
    /// restricts their ingress but none their egress, or the other way round. Kubernetes
    /// isolates a direction only when a selecting policy lists it in `policyTypes` (an omitted
    /// `policyTypes` means ingress, plus egress when egress rules are written); Cilium and
    /// Calico policies isolate the directions they have rules for.
    ///
    /// ## Why is this bad?
    /// Half a policy leaves half the attack surface. With egress open, a compromised pod can
    /// reach every other service, the cloud metadata endpoint and the internet to exfiltrate
    /// data; with ingress open, any pod in the cluster can reach its ports.
    ///
    /// ## Example
    /// ```yaml
    /// kind: NetworkPolicy
    /// metadata: { name: payments, namespace: shop }
    /// spec:
    ///   podSelector: { matchLabels: { app: payments } }
    ///   ingress:
    ///     - from: [{ podSelector: { matchLabels: { app: checkout } } }]
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// kind: NetworkPolicy
    /// metadata: { name: payments, namespace: shop }
    /// spec:
    ///   podSelector: { matchLabels: { app: payments } }
    ///   policyTypes: [Ingress, Egress]
    ///   ingress:
    ///     - from: [{ podSelector: { matchLabels: { app: checkout } } }]
    ///   egress:
    ///     - to: [{ podSelector: { matchLabels: { app: payments-db } } }]
    ///       ports: [{ port: 5432 }]
    /// ```
    /// List both directions in `policyTypes` and allow only the destinations the workload
    /// needs (DNS included).
    pub struct OneWayIsolation {
        id: "NET-ONE-WAY-ISOLATION",
        title: "Workload isolated in one direction only",
        group: ServiceToService,
        stride: ElevationOfPrivilege,
        severity: Low,
        cwe: [923],
        infra: [Kubernetes],
        equivalents: ["kics:0401f71b-9c1e-4821-ab15-a955caa621be"],
        attack_scenario: "An attacker who gains code execution in a pod whose ingress is locked down but whose egress is not opens connections to internal databases, the cloud metadata service or an external host and moves data out unhindered.",
        mitigation: "Add the missing direction to the workload's policies (`policyTypes: [Ingress, Egress]`) with explicit allow rules, or add a namespace-wide default-deny policy for both directions.",
    }
}

impl Check for OneWayIsolation {
    fn check_corpus(&self, cx: &Context, out: &mut Sink) {
        let pods = pod_templates(cx.corpus);
        let index = PolicyIndex::from_corpus(cx.corpus);
        if pods.is_empty() || index.policies.is_empty() {
            return;
        }
        for pod in pods.iter().filter(|p| !p.host_network()) {
            let view = pod.view(&index);
            let iso = index.isolation(&view);
            if !iso.selected {
                continue;
            }
            let open: Vec<Direction> = Direction::BOTH
                .into_iter()
                .filter(|d| !iso.get(*d).isolated)
                .collect();
            if open.is_empty() {
                continue;
            }
            let dirs = open
                .iter()
                .map(|d| d.as_str())
                .collect::<Vec<_>>()
                .join(" and ");
            let policies = index.applying_to(&view);
            let names: Vec<String> = policies
                .iter()
                .map(|p| format!("{} {}", p.object.kind, p.object.name))
                .collect();
            let o = pod.object;
            let f = on_object(
                out,
                o,
                anchor(pod),
                format!(
                    "{} is selected by {} but no policy restricts its {} traffic",
                    o.resource_id(),
                    names.join(", "),
                    dirs
                ),
            )
            .key_part(dirs.replace(' ', "-"));
            for p in policies.iter().take(3) {
                f.also_at(p.object.file, p.object.root.loc);
            }
        }
    }
}
