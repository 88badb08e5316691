use crate::helpers::on_container;
use crate::{Check, Context, Sink};
use stridemap_model::k8s::Workload;
use stridemap_model::Node;

declare_rule! {
    /// ## What it does
    /// Flags containers whose AppArmor profile is explicitly `unconfined`: the
    /// `securityContext.appArmorProfile.type: Unconfined` field (container or pod) or the
    /// `container.apparmor.security.beta.kubernetes.io/<container>: unconfined` annotation.
    ///
    /// ## Why is this bad?
    /// On nodes with AppArmor, the runtime's default profile denies writes to `/proc` and
    /// `/sys`, mounts and other operations that container escapes rely on. Turning it off
    /// removes that layer for the container.
    ///
    /// ## Example
    /// ```yaml
    /// metadata:
    ///   annotations:
    ///     container.apparmor.security.beta.kubernetes.io/app: unconfined
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// securityContext:
    ///   appArmorProfile:
    ///     type: RuntimeDefault
    /// ```
    pub struct AppArmorUnconfined {
        id: "CTR-APPARMOR-UNCONFINED",
        title: "Container runs without AppArmor confinement",
        group: ContainerSecurity,
        stride: ElevationOfPrivilege,
        severity: Medium,
        cwe: [693],
        infra: [Kubernetes],
        equivalents: [],
        attack_scenario: "An attacker in the container performs mounts or writes to kernel interfaces that the default AppArmor profile would have denied, as a step towards escaping to the node.",
        mitigation: "Use `appArmorProfile.type: RuntimeDefault` (or a Localhost profile) and drop the `unconfined` annotation.",
    }
}

impl Check for AppArmorUnconfined {
    fn check_workload(&self, w: &Workload, _cx: &Context, out: &mut Sink) {
        let unconfined = |n: &&Node| {
            n.as_str()
                .is_some_and(|v| v.eq_ignore_ascii_case("unconfined"))
        };
        for c in w.containers() {
            let field = c
                .security_context()
                .and_then(|sc| sc.path(&["appArmorProfile", "type"]))
                .or_else(|| {
                    w.security_context()
                        .and_then(|sc| sc.path(&["appArmorProfile", "type"]))
                });
            let annotation = w.pod_annotation(&format!(
                "container.apparmor.security.beta.kubernetes.io/{}",
                c.name
            ));
            if let Some(node) = field.filter(unconfined).or(annotation.filter(unconfined)) {
                on_container(
                    out,
                    w,
                    &c,
                    node.loc,
                    format!(
                        "{} of {} runs with AppArmor unconfined",
                        c.describe(),
                        w.object.resource_id()
                    ),
                );
            }
        }
    }
}
