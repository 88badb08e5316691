//! Shared body of the three host-namespace rules (network, PID, IPC).

use crate::helpers::{key_loc, on_object, on_service};
use crate::Sink;
use stridemap_model::compose::{ComposeFile, ComposeService};
use stridemap_model::k8s::Workload;
use stridemap_model::Node;

/// Reports `field: true` in a pod spec (`hostNetwork`, `hostPID`, `hostIPC`).
pub fn check_pod(w: &Workload, field: &str, what: &str, out: &mut Sink) {
    if let Some(node) = w.enabled(field) {
        on_object(
            out,
            w.object,
            node.loc,
            format!(
                "{} shares the node's {what} ({field}: true)",
                w.object.resource_id()
            ),
        );
    }
}

/// Reports `<key>: host` on a Compose service (`network_mode`, `pid`, `ipc`).
pub fn check_service(
    compose: &ComposeFile,
    service: &ComposeService,
    key: &str,
    what: &str,
    out: &mut Sink,
) {
    if service
        .get(key)
        .and_then(Node::as_str)
        .is_some_and(|v| v.eq_ignore_ascii_case("host"))
    {
        on_service(
            out,
            compose,
            service,
            key_loc(service.node, key),
            format!(
                "Compose service `{}` shares the host's {what} ({key}: host)",
                service.name
            ),
        );
    }
}
