use super::host_namespace::check_service;
use crate::{Check, Context, Sink};
use stridemap_model::compose::{ComposeFile, ComposeService};

declare_rule! {
    /// ## What it does
    /// Flags Compose services with `userns_mode: host`, which opt out of the Docker daemon's
    /// user-namespace remapping.
    ///
    /// ## Why is this bad?
    /// With remapping, root in the container is an unprivileged UID on the host. Opting out
    /// makes container root the host's root again, so any escape or writable host mount is a
    /// full host compromise.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   agent:
    ///     image: registry.example.com/agent:1.0.0
    ///     userns_mode: host
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// services:
    ///   agent:
    ///     image: registry.example.com/agent:1.0.0
    /// ```
    pub struct HostUserNamespace {
        id: "CTR-HOST-USER-NAMESPACE",
        title: "Service shares the host user namespace",
        group: ContainerSecurity,
        stride: ElevationOfPrivilege,
        severity: High,
        cwe: [653, 250],
        infra: [Compose],
        equivalents: ["kics:8af7162d-6c98-482f-868e-0d33fb675ca8"],
        attack_scenario: "An attacker who gains root in the container is root on the host as well, so a writable host mount or a runtime escape gives full control of the machine.",
        mitigation: "Remove `userns_mode: host` and keep the daemon's user-namespace remapping in effect.",
    }
}

impl Check for HostUserNamespace {
    fn check_compose_service(
        &self,
        compose: &ComposeFile,
        service: &ComposeService,
        _cx: &Context,
        out: &mut Sink,
    ) {
        check_service(compose, service, "userns_mode", "user namespace", out);
    }
}
