use crate::helpers::{container_anchor, on_container};
use crate::{Check, Context, Sink};
use stridemap_model::k8s::Workload;
use stridemap_model::{Node, Severity};

declare_rule! {
    /// ## What it does
    /// Flags containers that can run as root: neither the container nor the pod sets
    /// `runAsNonRoot: true` or a non-zero `runAsUser`, or `runAsUser: 0` is set outright.
    ///
    /// ## Why is this bad?
    /// Most images still default to UID 0. Root inside the container owns every file in it,
    /// can install tools, and holds the privileges a kernel or runtime vulnerability needs to
    /// break out to the node. Writable host mounts become host root access.
    ///
    /// ## Example
    /// ```yaml
    /// spec:
    ///   containers:
    ///     - name: web
    ///       image: registry.example.com/web:3.2.0
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// spec:
    ///   securityContext:
    ///     runAsNonRoot: true
    ///     runAsUser: 10001
    ///   containers:
    ///     - name: web
    ///       image: registry.example.com/web:3.2.0
    /// ```
    /// Build the image with a non-root `USER` too, so the setting holds wherever it runs.
    pub struct RunAsRoot {
        id: "CTR-RUN-AS-ROOT",
        title: "Container may run as root",
        group: ContainerSecurity,
        stride: ElevationOfPrivilege,
        severity: High,
        cwe: [250, 269],
        infra: [Kubernetes],
        equivalents: ["CKV_K8S_23", "kics:cf34805e-3872-4c08-bf92-6ff7bb0cfadb", "kube-linter:run-as-non-root"],
        attack_scenario: "An attacker exploits the application and lands as root in the container: they can modify its files, install tooling and use root-only kernel interfaces to attempt an escape to the node.",
        mitigation: "Set `runAsNonRoot: true` and a non-zero `runAsUser` in the pod or container securityContext, and build images with a non-root USER.",
        checklist: ["pod.non-root"],
    }
}

impl Check for RunAsRoot {
    fn check_workload(&self, w: &Workload, _cx: &Context, out: &mut Sink) {
        for c in w.containers() {
            let user = c.effective(w, "runAsUser");
            let uid = user.and_then(Node::as_i64);
            let non_root = c.effective(w, "runAsNonRoot").and_then(Node::as_bool);
            if uid == Some(0) {
                let loc = user.map_or(container_anchor(&c), |n| n.loc);
                on_container(
                    out,
                    w,
                    &c,
                    loc,
                    format!(
                        "{} of {} runs as UID 0 (root)",
                        c.describe(),
                        w.object.resource_id()
                    ),
                )
                .title("Container runs as root")
                .severity(Severity::High);
            } else if non_root != Some(true) && uid.is_none_or(|u| u < 0) {
                let loc = c
                    .effective(w, "runAsNonRoot")
                    .map_or(container_anchor(&c), |n| n.loc);
                on_container(out, w, &c, loc, format!("{} of {} sets neither runAsNonRoot: true nor a non-root runAsUser, so it runs as whatever user the image defaults to (often root)", c.describe(), w.object.resource_id()));
            }
        }
    }
}
