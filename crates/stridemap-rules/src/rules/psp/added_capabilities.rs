use super::util::Policy;
use crate::rules::container::util::ESCAPE_CAPABILITIES;
use crate::{Check, Context, Sink};
use stridemap_model::k8s::K8sObject;
use stridemap_model::Severity;

declare_rule! {
    /// ## What it does
    /// Flags admission policies that hand out extra Linux capabilities: a non-empty
    /// `allowedCapabilities` (pods may add these) or `defaultAddCapabilities` (every pod gets
    /// these), in a PodSecurityPolicy `spec` or a SecurityContextConstraints. A wildcard (`*`)
    /// or a capability that amounts to a container escape (SYS_ADMIN, SYS_MODULE, SYS_PTRACE…)
    /// raises the severity.
    ///
    /// ## Why is this bad?
    /// Capabilities beyond the runtime's default set are pieces of root. Listing them in the
    /// policy means every workload it covers may use them, not just the one that asked for
    /// them; with `*` the policy puts no limit at all on what a pod can add.
    ///
    /// ## Example
    /// ```yaml
    /// kind: PodSecurityPolicy
    /// spec:
    ///   allowedCapabilities:
    ///     - '*'
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// kind: PodSecurityPolicy
    /// spec:
    ///   requiredDropCapabilities:
    ///     - ALL
    /// ```
    /// Leave `allowedCapabilities` and `defaultAddCapabilities` empty; if one workload needs a
    /// capability, give it a separate policy that allows only that capability.
    pub struct PspAddedCapabilities {
        id: "PSP-ADDED-CAPABILITIES",
        title: "Pod security policy admits added capabilities",
        group: ContainerSecurity,
        stride: ElevationOfPrivilege,
        severity: Medium,
        cwe: [250],
        infra: [Kubernetes],
        equivalents: ["CKV_K8S_24", "kics:7307579a-3abb-46ad-9ce5-2a915634d5c8"],
        attack_scenario: "A user allowed to create pods under a policy with `allowedCapabilities: ['*']` adds SYS_ADMIN to their pod, mounts the host's block device from inside the container and edits files on the node.",
        mitigation: "Empty `allowedCapabilities` and `defaultAddCapabilities`; grant a specific capability only through a dedicated policy bound to the workload that needs it.",
    }
}

impl Check for PspAddedCapabilities {
    fn check_object(&self, o: &K8sObject, _cx: &Context, out: &mut Sink) {
        let Some(p) = Policy::of(o) else { return };
        for (field, verb) in [
            ("allowedCapabilities", "lets pods add"),
            ("defaultAddCapabilities", "adds to every pod"),
        ] {
            let caps = p.capabilities(field, field);
            let Some((_, first)) = caps.first() else {
                continue;
            };
            let names: Vec<&str> = caps.iter().map(|(c, _)| c.as_str()).collect();
            let escape = caps
                .iter()
                .find(|(c, _)| c == "*" || ESCAPE_CAPABILITIES.contains(&c.as_str()));
            let loc = escape.map_or(first.loc, |(_, n)| n.loc);
            let what = if names.contains(&"*") {
                "any capability".to_string()
            } else if names.len() == 1 {
                format!("the capability {}", names[0])
            } else {
                format!("the capabilities {}", names.join(", "))
            };
            let finding = p.report(out, loc, format!("{} {verb} {what} ({field})", p.id()));
            finding.key_part(field);
            if escape.is_some() {
                finding.severity(Severity::High);
            }
        }
    }
}
