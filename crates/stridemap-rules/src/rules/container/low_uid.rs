use crate::helpers::{container_anchor, on_container};
use crate::{Check, Context, Sink};
use stridemap_model::k8s::Workload;
use stridemap_model::Node;

declare_rule! {
    /// ## What it does
    /// Flags containers that run with a UID below 10000, or with no UID set, unless the pod uses
    /// its own user namespace (`hostUsers: false`). UID 0 is reported by `CTR-RUN-AS-ROOT`.
    ///
    /// ## Why is this bad?
    /// Without user namespaces, a container's UID is the same number on the node. Low UIDs are
    /// those of real host accounts and system daemons: if the container escapes, or shares a
    /// host path, it acts with that account's file permissions on the node.
    ///
    /// ## Example
    /// ```yaml
    /// securityContext:
    ///   runAsUser: 1000
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// securityContext:
    ///   runAsUser: 10001
    ///   runAsGroup: 10001
    /// ```
    pub struct LowUid {
        id: "CTR-LOW-UID",
        title: "Container runs with a low UID",
        group: ContainerSecurity,
        stride: ElevationOfPrivilege,
        severity: Low,
        cwe: [653],
        infra: [Kubernetes],
        equivalents: ["CKV_K8S_40", "kics:02323c00-cdc3-4fdc-a310-4f2b3e7a1660"],
        attack_scenario: "An attacker who escapes the container, or reaches a shared host directory, acts with the file permissions of the host account that owns the same low UID.",
        mitigation: "Run as a UID of 10000 or more (`runAsUser`), or enable user namespaces with `hostUsers: false`.",
    }
}

impl Check for LowUid {
    fn check_workload(&self, w: &Workload, _cx: &Context, out: &mut Sink) {
        if w.spec.get("hostUsers").and_then(Node::as_bool) == Some(false) {
            return;
        }
        for c in w.containers() {
            let user = c.effective(w, "runAsUser");
            match user.and_then(Node::as_i64) {
                Some(0) => {}
                Some(uid) if uid < 10000 => {
                    let loc = user.map_or(container_anchor(&c), |n| n.loc);
                    on_container(
                        out,
                        w,
                        &c,
                        loc,
                        format!(
                            "{} of {} runs as UID {uid}, which may belong to a host account",
                            c.describe(),
                            w.object.resource_id()
                        ),
                    );
                }
                Some(_) => {}
                None => {
                    on_container(out, w, &c, container_anchor(&c), format!("{} of {} sets no runAsUser, so it runs with the image's UID, usually a low one", c.describe(), w.object.resource_id()));
                }
            }
        }
    }
}
