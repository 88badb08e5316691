use crate::helpers::{key_loc, on_service};
use crate::{Check, Context, Sink};
use stridemap_model::compose::{ComposeFile, ComposeService};
use stridemap_model::Node;

declare_rule! {
    /// ## What it does
    /// Flags Compose services with no process limit (`pids_limit`, or
    /// `deploy.resources.limits.pids`), or with the limit disabled (`0` or `-1`).
    ///
    /// ## Why is this bad?
    /// Process IDs are shared by every container on the host. A fork bomb or a runaway worker
    /// pool in one container exhausts them, and then no container — nor the host's own
    /// services — can start a process.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   worker:
    ///     image: registry.example.com/worker:1.0.0
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// services:
    ///   worker:
    ///     image: registry.example.com/worker:1.0.0
    ///     pids_limit: 200
    /// ```
    pub struct NoPidsLimit {
        id: "CTR-NO-PIDS-LIMIT",
        title: "Service has no process limit",
        group: DistributedDos,
        stride: DenialOfService,
        severity: Low,
        cwe: [770, 400],
        infra: [Compose],
        equivalents: ["kics:221e0658-cb2a-44e3-b08a-db96a341d6fa"],
        attack_scenario: "An attacker triggers unbounded process creation in the service (a fork bomb through command injection, or a request that spawns workers) and exhausts the host's process table.",
        mitigation: "Set `pids_limit` (or `deploy.resources.limits.pids`) to a value sized for the service.",
    }
}

impl Check for NoPidsLimit {
    fn check_compose_service(
        &self,
        compose: &ComposeFile,
        service: &ComposeService,
        _cx: &Context,
        out: &mut Sink,
    ) {
        let limit = service.get("pids_limit").or_else(|| {
            service
                .node
                .path(&["deploy", "resources", "limits", "pids"])
        });
        match limit.and_then(Node::as_i64) {
            Some(n) if n > 0 => {}
            Some(_) => {
                let node = limit.expect("checked");
                on_service(
                    out,
                    compose,
                    service,
                    node.loc,
                    format!(
                        "Compose service `{}` disables its process limit",
                        service.name
                    ),
                );
            }
            None => {
                on_service(
                    out,
                    compose,
                    service,
                    key_loc(service.node, "image"),
                    format!("Compose service `{}` has no process limit", service.name),
                );
            }
        }
    }
}
