use super::util::{resource, resources_well_formed};
use crate::helpers::on_container;
use crate::{Check, Context, Sink};
use stridemap_model::k8s::{ContainerRole, Workload};

declare_rule! {
    /// ## What it does
    /// Flags containers that request neither CPU nor memory, or only one of them
    /// (`resources.requests`).
    ///
    /// ## Why is this bad?
    /// The scheduler places pods by their requests. Without them, pods pile onto nodes that
    /// cannot serve them, are the first to be evicted under pressure, and autoscalers cannot
    /// compute utilisation — a service under load degrades instead of scaling.
    ///
    /// ## Example
    /// ```yaml
    /// resources:
    ///   limits:
    ///     cpu: 500m
    ///     memory: 256Mi
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// resources:
    ///   requests:
    ///     cpu: 100m
    ///     memory: 128Mi
    ///   limits:
    ///     cpu: 500m
    ///     memory: 256Mi
    /// ```
    pub struct NoResourceRequests {
        id: "CTR-NO-RESOURCE-REQUESTS",
        title: "Container has no resource requests",
        group: DistributedDos,
        stride: DenialOfService,
        severity: Low,
        cwe: [770],
        infra: [Kubernetes],
        equivalents: ["CKV_K8S_10", "CKV_K8S_12"],
        attack_scenario: "Under a traffic spike the service's pods are scheduled onto saturated nodes or evicted first, and the autoscaler cannot react because it has no baseline.",
        mitigation: "Set `resources.requests.cpu` and `resources.requests.memory` on every container.",
    }
}

impl Check for NoResourceRequests {
    fn check_workload(&self, w: &Workload, _cx: &Context, out: &mut Sink) {
        for c in w
            .containers()
            .into_iter()
            .filter(|c| c.role != ContainerRole::Ephemeral && resources_well_formed(c))
        {
            let missing: Vec<&str> = ["cpu", "memory"]
                .into_iter()
                .filter(|r| resource(&c, "requests", r).is_none())
                .collect();
            if !missing.is_empty() {
                let loc = c.node.get("resources").map_or(c.node.loc, |r| r.loc);
                on_container(
                    out,
                    w,
                    &c,
                    loc,
                    format!(
                        "{} of {} has no {} request",
                        c.describe(),
                        w.object.resource_id(),
                        missing.join(" or ")
                    ),
                );
            }
        }
    }
}
