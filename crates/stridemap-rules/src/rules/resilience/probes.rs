//! Shared body of the liveness and readiness probe rules.

use crate::helpers::on_container;
use crate::Sink;
use stridemap_model::k8s::{ContainerRole, Workload};
use stridemap_model::Node;

/// Kinds whose pods run to completion: probes do not apply.
const BATCH_KINDS: &[&str] = &["Job", "CronJob"];

/// Reports every long-running app container of `w` without `field` (`livenessProbe`…).
pub fn check(w: &Workload, field: &str, consequence: &str, out: &mut Sink) {
    if BATCH_KINDS.contains(&w.object.kind.as_str()) {
        return;
    }
    // A pod that is not restarted when it exits is a one-off task.
    if matches!(
        w.spec.get("restartPolicy").and_then(Node::as_str),
        Some("Never" | "OnFailure")
    ) {
        return;
    }
    for c in w
        .containers()
        .into_iter()
        .filter(|c| c.role == ContainerRole::App)
    {
        if c.node.get(field).is_none_or(Node::is_null) {
            on_container(
                out,
                w,
                &c,
                c.node.loc,
                format!(
                    "{} of {} defines no {field}: {consequence}",
                    c.describe(),
                    w.object.resource_id()
                ),
            );
        }
    }
}
