use super::util::Policy;
use crate::{Check, Context, Sink};
use stridemap_model::k8s::K8sObject;

declare_rule! {
    /// ## What it does
    /// Flags admission policies that let containers request privilege escalation:
    /// `allowPrivilegeEscalation` set to `true` or left out, in a PodSecurityPolicy `spec` or a
    /// SecurityContextConstraints. Both kinds default the field to `true`.
    ///
    /// ## Why is this bad?
    /// Privilege escalation lets a process gain more privileges than its parent, through setuid
    /// binaries or file capabilities. A policy that permits it cannot force `no_new_privs` on the
    /// pods it admits, so a non-root foothold in any of them can be turned into root inside the
    /// container with a setuid helper from the image.
    ///
    /// ## Example
    /// ```yaml
    /// kind: PodSecurityPolicy
    /// spec:
    ///   privileged: false
    ///   # allowPrivilegeEscalation not set: defaults to true
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// kind: PodSecurityPolicy
    /// spec:
    ///   privileged: false
    ///   allowPrivilegeEscalation: false
    /// ```
    /// Set the field explicitly to `false`; the admitted pods then get `no_new_privs`.
    pub struct PspPrivilegeEscalation {
        id: "PSP-PRIVILEGE-ESCALATION",
        title: "Pod security policy admits privilege escalation",
        group: ContainerSecurity,
        stride: ElevationOfPrivilege,
        severity: Medium,
        cwe: [269],
        infra: [Kubernetes],
        equivalents: ["CKV_K8S_5", "kics:87554eef-154d-411d-bdce-9dbd91e56851"],
        attack_scenario: "An attacker who exploits a web service running as an unprivileged user in an admitted pod runs a setuid-root binary shipped in the image, becomes root in the container and from there uses root-only kernel interfaces to attack the node.",
        mitigation: "Set `allowPrivilegeEscalation: false` in the policy (PSP `spec` or SCC top level).",
    }
}

impl Check for PspPrivilegeEscalation {
    fn check_object(&self, o: &K8sObject, _cx: &Context, out: &mut Sink) {
        let Some(p) = Policy::of(o) else { return };
        match p.get("allowPrivilegeEscalation", "allowPrivilegeEscalation") {
            Some(value) if value.as_bool() == Some(false) => {}
            Some(value) => {
                p.report(
                    out,
                    value.loc,
                    format!(
                        "{} lets containers escalate privileges (allowPrivilegeEscalation is not false)",
                        p.id()
                    ),
                );
            }
            None => {
                p.report(
                    out,
                    p.anchor("allowPrivilegeEscalation", "allowPrivilegeEscalation"),
                    format!(
                        "{} does not set allowPrivilegeEscalation, which defaults to true",
                        p.id()
                    ),
                );
            }
        }
    }
}
