use crate::helpers::on_container;
use crate::{Check, Context, Sink};
use stridemap_model::k8s::Workload;

declare_rule! {
    /// ## What it does
    /// Flags containers that have no `securityContext` of their own. Several protections —
    /// `allowPrivilegeEscalation`, `capabilities`, `readOnlyRootFilesystem`, `privileged` — can
    /// only be set per container, so a container without one runs with all of them at their
    /// permissive defaults, whatever the pod-level context says.
    ///
    /// ## Why is this bad?
    /// It is the clearest sign that nobody hardened the workload: the container keeps the
    /// default capabilities, a writable filesystem and the ability to escalate privileges.
    ///
    /// ## Example
    /// ```yaml
    /// containers:
    ///   - name: app
    ///     image: registry.example.com/app:1.2.3
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// containers:
    ///   - name: app
    ///     image: registry.example.com/app:1.2.3
    ///     securityContext:
    ///       runAsNonRoot: true
    ///       readOnlyRootFilesystem: true
    ///       allowPrivilegeEscalation: false
    ///       capabilities:
    ///         drop: ["ALL"]
    /// ```
    pub struct SecurityContextMissing {
        id: "CTR-NO-SECURITY-CONTEXT",
        title: "Container has no security context",
        group: ContainerSecurity,
        stride: ElevationOfPrivilege,
        severity: Medium,
        cwe: [1188, 693],
        infra: [Kubernetes],
        equivalents: ["CKV_K8S_30", "kics:a97a340a-0063-418e-b3a1-3028941d0995"],
        attack_scenario: "An attacker who exploits the application inherits every permissive default at once: default capabilities, a writable filesystem and setuid escalation, which together make an escape to the node far easier.",
        mitigation: "Give every container a securityContext with runAsNonRoot, readOnlyRootFilesystem, allowPrivilegeEscalation: false and capabilities.drop [ALL].",
        checklist: ["pod.security-context"],
    }
}

impl Check for SecurityContextMissing {
    fn check_workload(&self, w: &Workload, _cx: &Context, out: &mut Sink) {
        for c in w.containers() {
            if c.security_context().is_none_or(|sc| sc.as_map().is_empty()) {
                on_container(
                    out,
                    w,
                    &c,
                    c.node.loc,
                    format!(
                        "{} of {} has no securityContext",
                        c.describe(),
                        w.object.resource_id()
                    ),
                );
            }
        }
    }
}
