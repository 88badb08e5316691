use crate::helpers::on_container;
use crate::helpers::on_object;
use crate::{Check, Context, Sink};
use stridemap_model::k8s::{K8sObject, Workload};
use stridemap_model::Node;

declare_rule! {
    /// ## What it does
    /// Flags containers with `securityContext.procMount: Unmasked`, and PodSecurityPolicies that
    /// allow the `Unmasked` proc mount type.
    ///
    /// ## Why is this bad?
    /// By default the runtime masks and makes read-only the sensitive parts of `/proc` and
    /// `/sys` (`/proc/kcore`, `/proc/sysrq-trigger`, `/sys/firmware`…). Unmasking them hands the
    /// container kernel memory, host hardware details and knobs that can crash or reconfigure
    /// the node.
    ///
    /// ## Example
    /// ```yaml
    /// securityContext:
    ///   procMount: Unmasked
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// securityContext:
    ///   procMount: Default
    /// ```
    pub struct UnmaskedProc {
        id: "CTR-UNMASKED-PROC",
        title: "Container /proc is unmasked",
        group: ContainerSecurity,
        stride: ElevationOfPrivilege,
        severity: High,
        cwe: [668, 200],
        infra: [Kubernetes],
        equivalents: ["kics:f922827f-aab6-447c-832a-e1ff63312bd3", "kube-linter:unsafe-proc-mount"],
        attack_scenario: "An attacker in the container reads kernel memory and host details through the unmasked /proc, or writes to sysrq-trigger to crash the node.",
        mitigation: "Remove `procMount: Unmasked` (or set it to `Default`).",
    }
}

impl Check for UnmaskedProc {
    fn check_workload(&self, w: &Workload, _cx: &Context, out: &mut Sink) {
        for c in w.containers() {
            if let Some(node) = c
                .security_context()
                .and_then(|sc| sc.get("procMount"))
                .filter(|n| n.as_str() == Some("Unmasked"))
            {
                on_container(
                    out,
                    w,
                    &c,
                    node.loc,
                    format!(
                        "{} of {} mounts /proc unmasked",
                        c.describe(),
                        w.object.resource_id()
                    ),
                );
            }
        }
    }

    fn check_object(&self, object: &K8sObject, _cx: &Context, out: &mut Sink) {
        if object.kind != "PodSecurityPolicy" {
            return;
        }
        let allowed = object
            .root
            .path(&["spec", "allowedProcMountTypes"])
            .map(Node::strings)
            .unwrap_or_default();
        if let Some((_, node)) = allowed.into_iter().find(|(t, _)| *t == "Unmasked") {
            on_object(
                out,
                object,
                node.loc,
                format!(
                    "{} allows containers to mount /proc unmasked",
                    object.resource_id()
                ),
            );
        }
    }
}
