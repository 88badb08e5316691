use super::util::Policy;
use crate::{Check, Context, Sink};
use stridemap_model::k8s::K8sObject;

declare_rule! {
    /// ## What it does
    /// Flags admission policies that let pods keep NET_RAW: `requiredDropCapabilities` lists
    /// neither `ALL` nor `NET_RAW`, in a PodSecurityPolicy `spec` or a
    /// SecurityContextConstraints.
    ///
    /// ## Why is this bad?
    /// NET_RAW is in the runtime's default capability set. It allows raw and packet sockets,
    /// which is enough to forge ARP replies, DNS answers or TCP packets towards other pods on
    /// the same node. Ordinary services never need it, so the policy should strip it for
    /// every pod it admits.
    ///
    /// ## Example
    /// ```yaml
    /// kind: PodSecurityPolicy
    /// spec:
    ///   requiredDropCapabilities:
    ///     - SYS_ADMIN
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// kind: PodSecurityPolicy
    /// spec:
    ///   requiredDropCapabilities:
    ///     - ALL
    /// ```
    /// Dropping `NET_RAW` alone also fixes this finding; dropping `ALL` is better.
    pub struct PspNetRaw {
        id: "PSP-NET-RAW",
        title: "Pod security policy does not drop NET_RAW",
        group: ContainerSecurity,
        stride: Spoofing,
        severity: Low,
        cwe: [250, 923],
        infra: [Kubernetes],
        equivalents: ["CKV_K8S_7", "kics:2270987f-bb51-479f-b8be-3ca73e5ad648"],
        attack_scenario: "An attacker who compromises one pod admitted by the policy opens a raw socket, answers ARP requests for another pod's address on the node bridge and intercepts its traffic.",
        mitigation: "Add `ALL` (or at least `NET_RAW`) to the policy's `requiredDropCapabilities`.",
    }
}

impl Check for PspNetRaw {
    fn check_object(&self, o: &K8sObject, _cx: &Context, out: &mut Sink) {
        let Some(p) = Policy::of(o) else { return };
        let field = "requiredDropCapabilities";
        let drops = p.capabilities(field, field);
        if drops.iter().any(|(c, _)| c == "ALL" || c == "NET_RAW") {
            return;
        }
        p.report(
            out,
            p.anchor(field, field),
            format!(
                "{} lets pods keep the NET_RAW capability ({field} has neither ALL nor NET_RAW)",
                p.id()
            ),
        );
    }
}
