use super::util::{capabilities, compose_capabilities, is_dangerous_capability};
use crate::helpers::{on_container, on_service};
use crate::{Check, Context, Sink};
use stridemap_model::compose::{ComposeFile, ComposeService};
use stridemap_model::k8s::Workload;

declare_rule! {
    /// ## What it does
    /// Flags containers that add Linux capabilities beyond the runtime's default set
    /// (`securityContext.capabilities.add`, Compose `cap_add`). Capabilities that amount to host
    /// control (`SYS_ADMIN`, `NET_ADMIN`, `ALL`…) are reported by `CTR-DANGEROUS-CAPABILITY`
    /// instead.
    ///
    /// ## Why is this bad?
    /// Every added capability widens what a compromised process may do to the kernel. Most
    /// services need none; an added one is often left over from debugging.
    ///
    /// ## Example
    /// ```yaml
    /// securityContext:
    ///   capabilities:
    ///     add: ["CHOWN", "KILL"]
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// securityContext:
    ///   capabilities:
    ///     drop: ["ALL"]
    ///     add: ["NET_BIND_SERVICE"]   # only if it binds a port below 1024
    /// ```
    /// Remove capabilities the service does not need; document the ones it does.
    pub struct CapabilitiesAdded {
        id: "CTR-CAPABILITIES-ADDED",
        title: "Container adds Linux capabilities",
        group: ContainerSecurity,
        stride: ElevationOfPrivilege,
        severity: Medium,
        cwe: [250, 269],
        infra: [Kubernetes, Compose],
        // kube-linter's drop-net-raw-capability, despite its name, reports only containers that
        // add NET_RAW, which this rule reports too.
        equivalents: ["CKV_K8S_25", "kics:19ebaa28-fc86-4a58-bcfa-015c9e22fe40", "kube-linter:drop-net-raw-capability"],
        attack_scenario: "An attacker with code execution in the container uses the extra capability (changing file ownership, signalling other processes, binding raw sockets) to tamper with the container or prepare an escape.",
        mitigation: "Drop ALL capabilities and add back only those the process demonstrably needs, such as NET_BIND_SERVICE.",
    }
}

/// `NET_BIND_SERVICE` only lets a process bind ports below 1024; it is the one addition the
/// hardening guides recommend, so it is not reported.
fn is_reportable(cap: &str) -> bool {
    cap != "NET_BIND_SERVICE" && !is_dangerous_capability(cap)
}

impl Check for CapabilitiesAdded {
    fn check_workload(&self, w: &Workload, _cx: &Context, out: &mut Sink) {
        for c in w.containers() {
            for (cap, node) in capabilities(&c, "add")
                .into_iter()
                .filter(|(cap, _)| is_reportable(cap))
            {
                on_container(
                    out,
                    w,
                    &c,
                    node.loc,
                    format!(
                        "{} of {} adds the {cap} capability",
                        c.describe(),
                        w.object.resource_id()
                    ),
                )
                .key_part(&cap);
            }
        }
    }

    fn check_compose_service(
        &self,
        compose: &ComposeFile,
        service: &ComposeService,
        _cx: &Context,
        out: &mut Sink,
    ) {
        for (cap, node) in compose_capabilities(service, "cap_add")
            .into_iter()
            .filter(|(cap, _)| is_reportable(cap))
        {
            on_service(
                out,
                compose,
                service,
                node.loc,
                format!(
                    "Compose service `{}` adds the {cap} capability",
                    service.name
                ),
            )
            .key_part(&cap);
        }
    }
}
