use super::util::security_opts;
use crate::helpers::{container_anchor, on_container, on_service};
use crate::{Check, Context, Sink};
use stridemap_model::compose::{ComposeFile, ComposeService};
use stridemap_model::k8s::Workload;

declare_rule! {
    /// ## What it does
    /// Flags containers that may gain more privileges than the process that started them:
    /// `allowPrivilegeEscalation` is not set to `false` (Kubernetes lets it default to `true`),
    /// and Compose services without the `no-new-privileges` security option.
    ///
    /// ## Why is this bad?
    /// Without the `no_new_privs` flag a setuid binary in the image (`su`, `sudo`, `ping`, a
    /// planted one) runs with its owner's rights. An attacker with a foothold as an unprivileged
    /// user in the container turns it into root, which is the first step of most container
    /// escapes.
    ///
    /// ## Example
    /// ```yaml
    /// containers:
    ///   - name: api
    ///     image: registry.example.com/api:2.0.1
    ///     securityContext:
    ///       runAsNonRoot: true
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// containers:
    ///   - name: api
    ///     image: registry.example.com/api:2.0.1
    ///     securityContext:
    ///       runAsNonRoot: true
    ///       allowPrivilegeEscalation: false
    /// ```
    /// In Compose, add `security_opt: ["no-new-privileges:true"]`.
    pub struct PrivilegeEscalation {
        id: "CTR-PRIVILEGE-ESCALATION",
        title: "Container allows privilege escalation",
        group: ContainerSecurity,
        stride: ElevationOfPrivilege,
        severity: Medium,
        cwe: [269, 250],
        infra: [Kubernetes, Compose],
        equivalents: [
            "CKV_K8S_20",
            "kics:5572cc5e-1e4c-4113-92a6-7a8a3bd25e6d",
            "kics:27fcc7d6-c49b-46e0-98f1-6c082a6a2750",
            "kube-linter:privilege-escalation-container",
        ],
        attack_scenario: "An attacker running as an unprivileged user inside the container executes a setuid binary to become root in the container, then uses root-only interfaces to attack the kernel or the node.",
        mitigation: "Set `securityContext.allowPrivilegeEscalation: false` on every container (Compose: `security_opt: [\"no-new-privileges:true\"]`).",
        checklist: ["pod.security-context"],
    }
}

impl Check for PrivilegeEscalation {
    fn check_workload(&self, w: &Workload, _cx: &Context, out: &mut Sink) {
        for c in w.containers() {
            let setting = c
                .security_context()
                .and_then(|sc| sc.get("allowPrivilegeEscalation"));
            match setting.and_then(|n| n.as_bool()) {
                Some(false) => {}
                Some(true) => {
                    let loc = setting.map_or(container_anchor(&c), |n| n.loc);
                    on_container(
                        out,
                        w,
                        &c,
                        loc,
                        format!(
                            "{} of {} sets allowPrivilegeEscalation: true",
                            c.describe(),
                            w.object.resource_id()
                        ),
                    );
                }
                None => {
                    on_container(out, w, &c, container_anchor(&c), format!("{} of {} does not set allowPrivilegeEscalation: false, so setuid binaries can raise its privileges", c.describe(), w.object.resource_id()));
                }
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
        let opts = security_opts(service);
        let disabled = opts
            .iter()
            .any(|(o, _)| o == "no-new-privileges" || o == "no-new-privileges=true");
        if !disabled {
            let loc = service
                .node
                .key_node("security_opt")
                .map_or(service.node.loc, |k| k.loc);
            on_service(
                out,
                compose,
                service,
                loc,
                format!(
                    "Compose service `{}` does not set the no-new-privileges security option",
                    service.name
                ),
            );
        }
    }
}
