use super::util::capabilities;
use crate::helpers::{container_anchor, on_container};
use crate::{Check, Context, Sink};
use stridemap_model::k8s::Workload;

declare_rule! {
    /// ## What it does
    /// Flags containers that keep the `NET_RAW` capability: it is in the default set and is
    /// neither dropped by name nor by dropping `ALL` (and not added back).
    ///
    /// ## Why is this bad?
    /// `NET_RAW` lets a process craft raw packets. On a shared node network that enables ARP
    /// and DNS spoofing against neighbouring pods and the node, a classic way to intercept
    /// unencrypted service-to-service traffic.
    ///
    /// ## Example
    /// ```yaml
    /// securityContext:
    ///   capabilities:
    ///     drop: ["SYS_ADMIN"]
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// securityContext:
    ///   capabilities:
    ///     drop: ["ALL"]
    /// ```
    pub struct NetRawCapability {
        id: "CTR-NET-RAW",
        title: "Container keeps the NET_RAW capability",
        group: ContainerSecurity,
        stride: Spoofing,
        severity: Low,
        cwe: [250, 923],
        infra: [Kubernetes],
        equivalents: ["CKV_K8S_28", "kics:dbbc6705-d541-43b0-b166-dd4be8208b54"],
        attack_scenario: "An attacker with code execution in one pod sends forged ARP or DNS replies on the node network and redirects another service's traffic through itself.",
        mitigation: "Drop ALL capabilities (or at least NET_RAW) in the container securityContext.",
    }
}

impl Check for NetRawCapability {
    fn check_workload(&self, w: &Workload, _cx: &Context, out: &mut Sink) {
        for c in w.containers() {
            let dropped = capabilities(&c, "drop")
                .iter()
                .any(|(cap, _)| cap == "ALL" || cap == "NET_RAW");
            let added = capabilities(&c, "add")
                .into_iter()
                .find(|(cap, _)| cap == "NET_RAW" || cap == "ALL");
            match added {
                Some((_, node)) => {
                    on_container(
                        out,
                        w,
                        &c,
                        node.loc,
                        format!(
                            "{} of {} adds NET_RAW back",
                            c.describe(),
                            w.object.resource_id()
                        ),
                    );
                }
                None if !dropped => {
                    on_container(
                        out,
                        w,
                        &c,
                        container_anchor(&c),
                        format!(
                            "{} of {} does not drop NET_RAW",
                            c.describe(),
                            w.object.resource_id()
                        ),
                    );
                }
                None => {}
            }
        }
    }
}
