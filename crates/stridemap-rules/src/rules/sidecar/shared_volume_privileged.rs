use super::util::{
    mounts, node_control, persistent_type, read_only_type, service_powers, volume_kind,
};
use crate::helpers::{on_container, on_service};
use crate::{Check, Context, Sink};
use stridemap_model::compose::{ComposeFile, ComposeService};
use stridemap_model::k8s::{ContainerRole, Workload};
use stridemap_model::{Node, Severity};

declare_rule! {
    /// ## What it does
    /// Flags a volume that a container with control over the node and a container without it
    /// both mount, when the unprivileged one can write to it. Control over the node means
    /// privileged mode, an escape capability (`SYS_ADMIN`, `SYS_PTRACE`, `SYS_MODULE`…), the
    /// container runtime socket, or a writable sensitive host directory. Co-running containers
    /// (app containers and native sidecars) are paired; an init container counts as the
    /// privileged side only for volumes that outlive the pod (a PersistentVolumeClaim, NFS…),
    /// since an `emptyDir` is fresh when it runs. In Compose, services mounting the same named
    /// volume or host directory are paired the same way.
    ///
    /// The Compose shared-volume checks of other tools report any sharing; this rule reports
    /// only sharing that crosses a privilege boundary, in the direction that matters: from the
    /// writable, less trusted side to the powerful one.
    ///
    /// ## Why is this bad?
    /// A shared volume is a channel between the two containers. Whoever compromises the
    /// unprivileged container (usually the internet-facing application) can plant a script,
    /// binary, plugin or configuration file that the privileged container reads or runs, or
    /// replace a file with a symlink that the privileged side then follows onto the host. The
    /// container isolation that was supposed to keep the app away from the node is bypassed.
    ///
    /// ## Example
    /// ```yaml
    /// containers:
    ///   - name: api
    ///     image: registry.example.com/shop/api:2.7.1
    ///     volumeMounts: [{name: shared, mountPath: /shared}]
    ///   - name: agent
    ///     image: registry.example.com/node-agent:3.2.0
    ///     securityContext: {privileged: true}
    ///     volumeMounts: [{name: shared, mountPath: /shared}]
    /// volumes:
    ///   - {name: shared, emptyDir: {}}
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// containers:
    ///   - name: api
    ///     image: registry.example.com/shop/api:2.7.1
    ///     volumeMounts: [{name: shared, mountPath: /shared, readOnly: true}]
    ///   - name: agent
    ///     image: registry.example.com/node-agent:3.2.0
    ///     securityContext: {privileged: true}
    ///     volumeMounts: [{name: shared, mountPath: /shared}]
    /// volumes:
    ///   - {name: shared, emptyDir: {}}
    /// ```
    /// Make the volume read-only for the unprivileged side (or drop the privileges), so data can
    /// only flow from the trusted container to the other.
    pub struct SharedVolumeWithPrivileged {
        id: "SIDE-SHARED-VOLUME-WITH-PRIVILEGED",
        title: "Volume shared between a privileged container and a writable unprivileged one",
        group: SidecarInit,
        stride: ElevationOfPrivilege,
        severity: High,
        cwe: [269, 732],
        infra: [Kubernetes, Compose],
        equivalents: [],
        attack_scenario: "An attacker with code execution in the web container writes a malicious plugin into the shared emptyDir; the privileged monitoring sidecar loads plugins from that directory and runs it with full access to the node.",
        mitigation: "Mount shared volumes read-only in the unprivileged container, keep privileged agents out of application pods, and never let a privileged process execute or parse files from a directory another container can write.",
    }
}

impl Check for SharedVolumeWithPrivileged {
    fn check_workload(&self, w: &Workload, _cx: &Context, out: &mut Sink) {
        let all = w.containers();
        for strong in &all {
            let power = node_control(w, strong);
            let Some(p) = power.first() else { continue };
            let init = strong.role == ContainerRole::Init;
            if !matches!(
                strong.role,
                ContainerRole::App | ContainerRole::Sidecar | ContainerRole::Init
            ) {
                continue;
            }
            for m in mounts(strong) {
                let Some(vtype) = volume_kind(w, m.volume) else {
                    continue;
                };
                if read_only_type(vtype) {
                    continue;
                }
                if init && !persistent_type(vtype) {
                    continue;
                }
                let writers: Vec<(String, &Node)> = all
                    .iter()
                    .filter(|c| matches!(c.role, ContainerRole::App | ContainerRole::Sidecar))
                    .filter(|c| !(c.role == strong.role && c.index == strong.index))
                    .filter(|c| node_control(w, c).is_empty())
                    .filter_map(|c| {
                        mounts(c)
                            .into_iter()
                            .find(|o| o.volume == m.volume && !o.read_only)
                            .map(|o| (c.describe(), o.node))
                    })
                    .collect();
                if writers.is_empty() {
                    continue;
                }
                let names: Vec<&str> = writers.iter().map(|(n, _)| n.as_str()).collect();
                let description = format!(
                    "volume `{}` ({vtype}) of {} is writable by {} and mounted by {}, which {}: files planted there reach a container that controls the node",
                    m.volume,
                    w.object.resource_id(),
                    names.join(", "),
                    strong.describe(),
                    p.what
                );
                let f = on_container(out, w, strong, m.node.loc, description)
                    .key_part(format!("volume:{}", m.volume));
                f.also_at(w.object.file, p.node.loc);
                for (_, node) in &writers {
                    f.also_at(w.object.file, node.loc);
                }
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
        let power: Vec<_> = service_powers(compose, service)
            .into_iter()
            .filter(|p| p.severity == Severity::Critical)
            .collect();
        let Some(p) = power.first() else { return };
        let volumes = service.get("volumes").map(Node::as_seq).unwrap_or(&[]);
        for m in service.mounts() {
            let Some(source) = shared_source(compose, m.source) else {
                continue;
            };
            let writers: Vec<(String, stridemap_model::Location)> = compose
                .services()
                .filter(|o| o.name != service.name)
                .filter(|o| {
                    !service_powers(compose, o)
                        .iter()
                        .any(|p| p.severity == Severity::Critical)
                })
                .filter_map(|o| {
                    o.mounts()
                        .into_iter()
                        .find(|om| {
                            !om.read_only
                                && shared_source(compose, om.source) == Some(source.clone())
                        })
                        .map(|om| (o.name.to_string(), om.loc))
                })
                .collect();
            if writers.is_empty() {
                continue;
            }
            let names: Vec<String> = writers.iter().map(|(n, _)| format!("`{n}`")).collect();
            let loc = volumes
                .iter()
                .find(|v| v.loc == m.loc)
                .map_or(m.loc, |v| v.loc);
            let f = on_service(
                out,
                compose,
                service,
                loc,
                format!(
                    "volume `{source}` is writable by Compose service {} and mounted by `{}`, which {}: files planted there reach a container that controls the host",
                    names.join(", "),
                    service.name,
                    p.what
                ),
            )
            .key_part(format!("volume:{source}"));
            f.also_at(compose.file, p.node.loc);
            for (_, loc) in &writers {
                f.also_at(compose.file, *loc);
            }
        }
    }
}

/// What identifies a Compose mount's data across services: a named volume, or a host
/// directory (runtime sockets and other host devices excluded: sharing those is covered by the
/// host-access rules).
fn shared_source(compose: &ComposeFile, source: Option<&str>) -> Option<String> {
    let source = source?;
    if source.starts_with('/') || source.starts_with('.') || source.starts_with('~') {
        if source.ends_with(".sock") || source.starts_with("/dev") || source.starts_with("/proc") {
            return None;
        }
        return Some(source.trim_end_matches('/').to_string());
    }
    // A named volume declared at the top level.
    compose
        .root
        .path(&["volumes", source])
        .map(|_| source.to_string())
}
