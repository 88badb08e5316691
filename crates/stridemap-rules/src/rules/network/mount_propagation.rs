use crate::helpers::on_service;
use crate::{Check, Context, Sink};
use stridemap_model::compose::{ComposeFile, ComposeService};
use stridemap_model::{Node, Severity};

declare_rule! {
    /// ## What it does
    /// Flags Compose bind mounts with shared or slave mount propagation: `bind.propagation`
    /// of `shared`, `rshared`, `slave` or `rslave` in the long syntax, or the same word in the
    /// mode of the short syntax (`/mnt/data:/data:rshared`). Shared propagation is reported at
    /// medium severity, slave propagation at low.
    ///
    /// ## Why is this bad?
    /// With `shared`/`rshared`, mounts made inside the container propagate back to the host and
    /// into every other container sharing the mount — a container can then mount over paths
    /// the host and its neighbours use. With `slave`/`rslave`, host mounts (including other
    /// containers' volumes mounted later) appear inside the container. Either way the mount
    /// namespace stops isolating the container.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   indexer:
    ///     image: registry.example.com/indexer:2.0.1
    ///     volumes:
    ///       - type: bind
    ///         source: /srv/data
    ///         target: /data
    ///         bind:
    ///           propagation: rshared
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// services:
    ///   indexer:
    ///     image: registry.example.com/indexer:2.0.1
    ///     volumes:
    ///       - type: bind
    ///         source: /srv/data
    ///         target: /data
    ///         read_only: true
    /// ```
    /// Keep the default private propagation (`rprivate`).
    pub struct MountPropagation {
        id: "CMP-MOUNT-PROPAGATION",
        title: "Bind mount with shared or slave propagation",
        group: ContainerSecurity,
        stride: ElevationOfPrivilege,
        severity: Medium,
        cwe: [668],
        infra: [Compose],
        equivalents: ["kics:baa452f0-1f21-4a25-ace5-844e7a5f410d"],
        attack_scenario: "An attacker inside a container with an `rshared` bind mount mounts a crafted filesystem under the shared path; the mount propagates to the host, where a host service or another container picks up the attacker's files.",
        mitigation: "Remove the propagation option so the mount stays private; mount data read-only where possible.",
    }
}

const SHARED: &[&str] = &["shared", "rshared"];
const SLAVE: &[&str] = &["slave", "rslave"];

impl Check for MountPropagation {
    fn check_compose_service(
        &self,
        compose: &ComposeFile,
        service: &ComposeService,
        _cx: &Context,
        out: &mut Sink,
    ) {
        let Some(volumes) = service.get("volumes") else {
            return;
        };
        for (i, v) in volumes.as_seq().iter().enumerate() {
            let (mode, loc, target) = if let Some(text) = v.as_str() {
                let parts: Vec<&str> = text.split(':').collect();
                if parts.len() < 3 {
                    continue;
                }
                let mode = parts[parts.len() - 1]
                    .split(',')
                    .find(|m| SHARED.contains(m) || SLAVE.contains(m));
                (
                    mode.map(str::to_string),
                    v.loc,
                    parts[parts.len() - 2].to_string(),
                )
            } else {
                let node = v.path(&["bind", "propagation"]);
                (
                    node.and_then(Node::as_str).map(|s| s.to_ascii_lowercase()),
                    node.map_or(v.loc, |n| n.loc),
                    v.get("target")
                        .and_then(Node::as_str)
                        .unwrap_or("")
                        .to_string(),
                )
            };
            let Some(mode) =
                mode.filter(|m| SHARED.contains(&m.as_str()) || SLAVE.contains(&m.as_str()))
            else {
                continue;
            };
            let shared = SHARED.contains(&mode.as_str());
            let f = on_service(
                out,
                compose,
                service,
                loc,
                format!(
                    "Compose service `{}` mounts `{target}` with `{mode}` propagation, so mounts {}",
                    service.name,
                    if shared {
                        "made in the container propagate to the host and back"
                    } else {
                        "made on the host propagate into the container"
                    }
                ),
            )
            .key_part(format!("volume{i}"));
            if !shared {
                f.severity(Severity::Low);
            }
        }
    }
}
