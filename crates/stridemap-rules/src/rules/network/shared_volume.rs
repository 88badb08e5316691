use crate::helpers::on_service;
use crate::rules::container::util::is_runtime_socket;
use crate::{Check, Context, Sink};
use stridemap_model::compose::{ComposeFile, ComposeMount, ComposeService};
use stridemap_model::Node;

declare_rule! {
    /// ## What it does
    /// Flags Compose services that share storage with another service of the same file: the
    /// same named volume or the same host directory mounted by both, with at least one of them
    /// able to write, or `volumes_from` importing another service's volumes. Host files that are
    /// only ever shared read-only, `/etc/localtime`-style system files and container runtime
    /// sockets (reported by their own rule) are left alone.
    ///
    /// ## Why is this bad?
    /// A shared writable volume is a channel between containers that bypasses the network and
    /// every policy on it. A compromised service can plant files the other one serves,
    /// executes or parses (templates, plugins, uploads, sockets), or corrupt data the other
    /// relies on — turning one breach into two.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   api:
    ///     image: registry.example.com/api:1.8.0
    ///     volumes: ["uploads:/srv/uploads"]
    ///   thumbnailer:
    ///     image: registry.example.com/thumbs:0.9.1
    ///     volumes: ["uploads:/data"]
    /// volumes:
    ///   uploads: {}
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// services:
    ///   api:
    ///     image: registry.example.com/api:1.8.0
    ///     volumes: ["uploads:/srv/uploads"]
    ///   thumbnailer:
    ///     image: registry.example.com/thumbs:0.9.1
    ///     volumes: ["uploads:/data:ro"]
    /// ```
    /// Pass data through an API or a queue; when a volume must be shared, give only one side
    /// write access.
    pub struct SharedVolume {
        id: "CMP-SHARED-VOLUME",
        title: "Volume shared between Compose services",
        group: SidecarInit,
        stride: Tampering,
        severity: Low,
        cwe: [668],
        infra: [Compose],
        equivalents: ["kics:8c978947-0ff6-485c-b0c2-0bfca6026466"],
        attack_scenario: "An attacker who compromises the upload API writes a crafted file into the shared volume; the thumbnailer, which trusts files in its volume, parses it and is compromised in turn.",
        mitigation: "Remove the shared mount or make every consumer mount it read-only; exchange data between services over authenticated APIs or queues.",
    }
}

/// Host files that containers routinely share for time zone data.
const SYSTEM_FILES: &[&str] = &["/etc/localtime", "/etc/timezone", "/usr/share/zoneinfo"];

/// What a mount shares: `volume:<name>` or `bind:<path>`; `None` for anonymous volumes.
fn share_key(mount: &ComposeMount) -> Option<String> {
    let source = mount.source?.trim();
    if source.is_empty() {
        return None;
    }
    let is_path = source.starts_with('/')
        || source.starts_with('.')
        || source.starts_with('~')
        || source.starts_with('$')
        || source.contains('/')
        || source.contains('\\');
    if is_path {
        let p = source.trim_end_matches('/');
        let p = p.strip_prefix("./").unwrap_or(p);
        // Time zone files are read-only data; runtime sockets have their own rule.
        if SYSTEM_FILES.contains(&p) || is_runtime_socket(p) {
            return None;
        }
        Some(format!("bind:{p}"))
    } else {
        Some(format!("volume:{source}"))
    }
}

impl Check for SharedVolume {
    fn check_compose_service(
        &self,
        compose: &ComposeFile,
        service: &ComposeService,
        _cx: &Context,
        out: &mut Sink,
    ) {
        let others: Vec<ComposeService> = compose
            .services()
            .filter(|s| s.name != service.name)
            .collect();
        let mut seen = Vec::new();
        for m in service.mounts() {
            let Some(key) = share_key(&m) else { continue };
            if seen.contains(&key) {
                continue;
            }
            let mut sharers = Vec::new();
            let mut any_writer = !m.read_only;
            for o in &others {
                for om in o.mounts() {
                    if share_key(&om).as_ref() == Some(&key) {
                        any_writer |= !om.read_only;
                        sharers.push((o.name, om.loc));
                    }
                }
            }
            if sharers.is_empty() || !any_writer {
                continue;
            }
            seen.push(key.clone());
            let mut names: Vec<&str> = sharers.iter().map(|(n, _)| *n).collect();
            names.dedup();
            let kind = if key.starts_with("bind:") {
                "host path"
            } else {
                "volume"
            };
            let what = m.source.unwrap_or("");
            let f = on_service(
                out,
                compose,
                service,
                m.loc,
                format!(
                    "Compose service `{}` mounts {kind} `{what}`{} which service{} `{}` also mount{}",
                    service.name,
                    if m.read_only { " read-only," } else { "," },
                    if names.len() > 1 { "s" } else { "" },
                    names.join("`, `"),
                    if names.len() > 1 { "" } else { "s" },
                ),
            )
            .key_part(&key);
            for (_, loc) in sharers.iter().take(3) {
                f.also_at(compose.file, *loc);
            }
        }
        for (i, (entry, node)) in service
            .get("volumes_from")
            .map(Node::strings)
            .unwrap_or_default()
            .into_iter()
            .enumerate()
        {
            let target = entry.strip_prefix("service:").unwrap_or(entry);
            if target.starts_with("container:") {
                continue;
            }
            let name = target.split(':').next().unwrap_or(target);
            let Some(source) = others.iter().find(|s| s.name == name) else {
                continue;
            };
            if source.get("volumes").is_none_or(|v| v.as_seq().is_empty()) {
                continue;
            }
            on_service(
                out,
                compose,
                service,
                node.loc,
                format!(
                    "Compose service `{}` imports every volume of service `{name}` with `volumes_from`",
                    service.name
                ),
            )
            .key_part(format!("volumes_from{i}"))
            .also_at(compose.file, source.key.loc);
        }
    }
}
