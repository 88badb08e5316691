//! Shared body of the CPU and memory limit rules.

use super::util::{compose_limit, resource, resources_well_formed};
use crate::helpers::{key_loc, on_container, on_service};
use crate::Sink;
use stridemap_model::compose::{ComposeFile, ComposeService};
use stridemap_model::k8s::{ContainerRole, Workload};

pub fn check_pod(w: &Workload, kind: &str, out: &mut Sink) {
    // Ephemeral containers cannot declare resources.
    for c in w
        .containers()
        .into_iter()
        .filter(|c| c.role != ContainerRole::Ephemeral && resources_well_formed(c))
    {
        if resource(&c, "limits", kind).is_none() {
            let loc = c.node.get("resources").map_or(c.node.loc, |r| r.loc);
            let what = if kind == "cpu" { "CPU" } else { kind };
            on_container(
                out,
                w,
                &c,
                loc,
                format!(
                    "{} of {} has no {what} limit",
                    c.describe(),
                    w.object.resource_id()
                ),
            );
        }
    }
}

pub fn check_service(compose: &ComposeFile, service: &ComposeService, kind: &str, out: &mut Sink) {
    if compose_limit(service, kind).is_none() {
        let loc = service
            .node
            .key_node("deploy")
            .map_or(key_loc(service.node, "image"), |k| k.loc);
        let what = if kind == "cpus" { "CPU" } else { kind };
        on_service(
            out,
            compose,
            service,
            loc,
            format!("Compose service `{}` has no {what} limit", service.name),
        );
    }
}
