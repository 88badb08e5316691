use super::util::{
    capabilities, compose_capabilities, is_dangerous_capability, ESCAPE_CAPABILITIES,
};
use crate::helpers::{on_container, on_service};
use crate::{Check, Context, Sink};
use stridemap_model::compose::{ComposeFile, ComposeService};
use stridemap_model::k8s::Workload;
use stridemap_model::Severity;

declare_rule! {
    /// ## What it does
    /// Flags containers that add a capability which hands over control of the node, its
    /// processes or its network: `SYS_ADMIN`, `SYS_MODULE`, `SYS_PTRACE`, `NET_ADMIN`,
    /// `DAC_READ_SEARCH`, `BPF`, `ALL` and similar.
    ///
    /// ## Why is this bad?
    /// `SYS_ADMIN` alone allows mounting filesystems and, with cgroup v1, the well-known
    /// `release_agent` escape; `SYS_MODULE` loads kernel code; `SYS_PTRACE` reads other
    /// processes' memory; `NET_ADMIN` rewrites routing and firewall rules to intercept traffic
    /// of neighbouring pods. These capabilities are close to running privileged.
    ///
    /// ## Example
    /// ```yaml
    /// securityContext:
    ///   capabilities:
    ///     add: ["SYS_ADMIN"]
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// securityContext:
    ///   capabilities:
    ///     drop: ["ALL"]
    /// ```
    /// If a tool truly needs one of these, run it as a separate, short-lived, tightly scoped job.
    pub struct DangerousCapability {
        id: "CTR-DANGEROUS-CAPABILITY",
        title: "Container adds a dangerous capability",
        group: ContainerSecurity,
        stride: ElevationOfPrivilege,
        severity: High,
        cwe: [250, 269],
        infra: [Kubernetes, Compose],
        equivalents: ["CKV_K8S_39", "kics:235236ee-ad78-4065-bd29-61b061f28ce0", "CKV_K8S_25", "kics:19ebaa28-fc86-4a58-bcfa-015c9e22fe40"],
        attack_scenario: "An attacker with code execution in the container uses SYS_ADMIN to mount the host's cgroup or disk, SYS_PTRACE to inject into other processes, or NET_ADMIN to redirect neighbouring pods' traffic, and takes over the node.",
        mitigation: "Remove the capability; drop ALL and add back only narrow ones. Run tools that need node-level powers outside application pods.",
    }
}

fn severity_of(cap: &str) -> Severity {
    if ESCAPE_CAPABILITIES.contains(&cap) {
        Severity::Critical
    } else {
        Severity::High
    }
}

impl Check for DangerousCapability {
    fn check_workload(&self, w: &Workload, _cx: &Context, out: &mut Sink) {
        for c in w.containers() {
            for (cap, node) in capabilities(&c, "add")
                .into_iter()
                .filter(|(cap, _)| is_dangerous_capability(cap))
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
                .key_part(&cap)
                .severity(severity_of(&cap));
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
            .filter(|(cap, _)| is_dangerous_capability(cap))
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
            .key_part(&cap)
            .severity(severity_of(&cap));
        }
    }
}
