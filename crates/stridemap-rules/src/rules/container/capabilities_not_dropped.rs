use super::util::{capabilities, compose_capabilities};
use crate::helpers::{container_anchor, key_loc, on_container, on_service};
use crate::{Check, Context, Sink};
use stridemap_model::compose::{ComposeFile, ComposeService};
use stridemap_model::k8s::Workload;

declare_rule! {
    /// ## What it does
    /// Flags containers that keep the runtime's default capability set: no
    /// `capabilities.drop: ["ALL"]` in Kubernetes, no `cap_drop: [ALL]` in Compose — or that
    /// drop ALL and add ALL back.
    ///
    /// ## Why is this bad?
    /// The default set still includes `NET_RAW`, `CHOWN`, `SETUID`, `DAC_OVERRIDE`, `MKNOD` and
    /// more. Application processes almost never need them, but an attacker who gets code
    /// execution uses them to spoof network traffic, change file ownership or take over setuid
    /// binaries.
    ///
    /// ## Example
    /// ```yaml
    /// securityContext:
    ///   allowPrivilegeEscalation: false
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// securityContext:
    ///   allowPrivilegeEscalation: false
    ///   capabilities:
    ///     drop: ["ALL"]
    /// ```
    pub struct CapabilitiesNotDropped {
        id: "CTR-CAPABILITIES-NOT-DROPPED",
        title: "Container does not drop all capabilities",
        group: ContainerSecurity,
        stride: ElevationOfPrivilege,
        severity: Low,
        cwe: [272],
        infra: [Kubernetes, Compose],
        equivalents: ["CKV_K8S_37", "kics:268ca686-7fb7-4ae9-b129-955a2a89064e", "kics:ce76b7d0-9e77-464d-b86f-c5c48e03e22d"],
        attack_scenario: "An attacker with code execution in the container uses default capabilities such as NET_RAW or DAC_OVERRIDE to spoof traffic to neighbouring pods or tamper with files it should not own.",
        mitigation: "Add `capabilities: {drop: [\"ALL\"]}` to every container's securityContext (Compose: `cap_drop: [ALL]`) and add back only what is needed.",
        checklist: ["pod.security-context"],
    }
}

impl Check for CapabilitiesNotDropped {
    fn check_workload(&self, w: &Workload, _cx: &Context, out: &mut Sink) {
        for c in w.containers() {
            let readded = capabilities(&c, "add")
                .into_iter()
                .find(|(cap, _)| cap == "ALL");
            if let Some((_, node)) = readded {
                on_container(
                    out,
                    w,
                    &c,
                    node.loc,
                    format!(
                        "{} of {} adds ALL capabilities back",
                        c.describe(),
                        w.object.resource_id()
                    ),
                );
            } else if !capabilities(&c, "drop").iter().any(|(cap, _)| cap == "ALL") {
                on_container(
                    out,
                    w,
                    &c,
                    container_anchor(&c),
                    format!(
                        "{} of {} does not drop ALL capabilities",
                        c.describe(),
                        w.object.resource_id()
                    ),
                );
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
        if let Some((_, node)) = compose_capabilities(service, "cap_add")
            .into_iter()
            .find(|(cap, _)| cap == "ALL")
        {
            on_service(
                out,
                compose,
                service,
                node.loc,
                format!(
                    "Compose service `{}` adds ALL capabilities back",
                    service.name
                ),
            );
        } else if !compose_capabilities(service, "cap_drop")
            .iter()
            .any(|(cap, _)| cap == "ALL")
        {
            let loc = key_loc(service.node, "cap_drop");
            on_service(
                out,
                compose,
                service,
                loc,
                format!(
                    "Compose service `{}` does not drop ALL capabilities",
                    service.name
                ),
            );
        }
    }
}
