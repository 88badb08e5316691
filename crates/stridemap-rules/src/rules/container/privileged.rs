use crate::helpers::{key_loc, on_container, on_service};
use crate::{Check, Context, Sink};
use stridemap_model::compose::{ComposeFile, ComposeService};
use stridemap_model::k8s::Workload;
use stridemap_model::Node;

declare_rule! {
    /// ## What it does
    /// Flags containers that run in privileged mode: `securityContext.privileged: true` in a pod
    /// spec (init, sidecar and ephemeral containers included) or `privileged: true` on a Compose
    /// service.
    ///
    /// ## Why is this bad?
    /// A privileged container gets every Linux capability, all host devices and no seccomp or
    /// AppArmor confinement. Whoever runs code in it owns the node: mounting the host disk or
    /// loading a kernel module is one command away, and from the node every other pod and its
    /// secrets are reachable.
    ///
    /// ## Example
    /// ```yaml
    /// containers:
    ///   - name: app
    ///     image: registry.example.com/app:1.4.2
    ///     securityContext:
    ///       privileged: true
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// containers:
    ///   - name: app
    ///     image: registry.example.com/app:1.4.2
    ///     securityContext:
    ///       privileged: false
    ///       capabilities:
    ///         drop: ["ALL"]
    /// ```
    /// Grant the one capability the workload needs instead of all of them.
    pub struct PrivilegedContainer {
        id: "CTR-PRIVILEGED",
        title: "Privileged container",
        group: ContainerSecurity,
        stride: ElevationOfPrivilege,
        severity: Critical,
        cwe: [250, 269],
        infra: [Kubernetes, Compose],
        equivalents: [
            "CKV_K8S_16",
            "kics:dd29336b-fe57-445b-a26e-e6aa867ae609",
            "kics:ae5b6871-7f45-42e0-bb4c-ab300c4d2026",
            "kube-linter:privileged-container",
        ],
        attack_scenario: "An attacker who gets code execution in the container (a vulnerable dependency, an injected command) mounts the node's disk or loads a kernel module, escapes to the host and from there reads every pod's secrets on the node.",
        mitigation: "Remove `privileged: true`; run with `allowPrivilegeEscalation: false`, drop all capabilities and add back only the specific one the workload needs.",
        checklist: ["pod.no-privileged"],
    }
}

impl Check for PrivilegedContainer {
    fn check_workload(&self, w: &Workload, _cx: &Context, out: &mut Sink) {
        for c in w.containers() {
            let Some(sc) = c.security_context() else {
                continue;
            };
            if let Some(flag) = sc.get("privileged").filter(|n| n.as_bool() == Some(true)) {
                on_container(out, w, &c, flag.loc, format!("{} of {} runs privileged, with full access to the node's devices and kernel", c.describe(), w.object.resource_id()));
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
        if service.get("privileged").and_then(Node::as_bool) == Some(true) {
            let loc = key_loc(service.node, "privileged");
            on_service(out, compose, service, loc, format!("Compose service `{}` runs privileged, with full access to the host's devices and kernel", service.name));
        }
    }
}
