use super::util::Policy;
use crate::{Check, Context, Sink};
use stridemap_model::k8s::K8sObject;

declare_rule! {
    /// ## What it does
    /// Flags admission policies that do not require pods to drop all Linux capabilities:
    /// `requiredDropCapabilities` missing, empty, or without `ALL`, in a PodSecurityPolicy
    /// `spec` or a SecurityContextConstraints.
    ///
    /// ## Why is this bad?
    /// Container runtimes start processes with a default capability set (CHOWN, DAC_OVERRIDE,
    /// FOWNER, SETUID, NET_RAW and more). Few services need any of them. A policy that does not
    /// strip them leaves that to each pod author, and the pods that forget keep powers an
    /// intruder can use to tamper with files or forge network traffic.
    ///
    /// ## Example
    /// ```yaml
    /// kind: PodSecurityPolicy
    /// spec:
    ///   privileged: false
    ///   allowPrivilegeEscalation: false
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// kind: PodSecurityPolicy
    /// spec:
    ///   privileged: false
    ///   allowPrivilegeEscalation: false
    ///   requiredDropCapabilities:
    ///     - ALL
    /// ```
    /// With ALL dropped by policy, the admitted pods start with an empty capability set.
    pub struct PspCapabilitiesNotDropped {
        id: "PSP-CAPABILITIES-NOT-DROPPED",
        title: "Pod security policy does not require dropping all capabilities",
        group: ContainerSecurity,
        stride: ElevationOfPrivilege,
        severity: Low,
        cwe: [250, 272],
        infra: [Kubernetes],
        equivalents: ["CKV_K8S_36", "kics:caa93370-791f-4fc6-814b-ba6ce0cb4032"],
        attack_scenario: "An attacker with code execution in a pod admitted by the policy uses the default DAC_OVERRIDE and CHOWN capabilities to rewrite files on a shared volume they should only read.",
        mitigation: "Add `requiredDropCapabilities: [ALL]` to the policy; workloads that need a capability get it from a separate, narrowly bound policy.",
    }
}

impl Check for PspCapabilitiesNotDropped {
    fn check_object(&self, o: &K8sObject, _cx: &Context, out: &mut Sink) {
        let Some(p) = Policy::of(o) else { return };
        let field = "requiredDropCapabilities";
        let drops = p.capabilities(field, field);
        if drops.iter().any(|(c, _)| c == "ALL") {
            return;
        }
        let description = if drops.is_empty() {
            format!(
                "{} does not require pods to drop any capability ({field} is not set)",
                p.id()
            )
        } else {
            format!("{} does not require pods to drop ALL capabilities", p.id())
        };
        p.report(out, p.anchor(field, field), description);
    }
}
