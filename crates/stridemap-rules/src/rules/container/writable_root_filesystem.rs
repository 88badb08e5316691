use crate::helpers::{container_anchor, on_container};
use crate::{Check, Context, Sink};
use stridemap_model::k8s::Workload;

declare_rule! {
    /// ## What it does
    /// Flags containers whose root filesystem is writable: `readOnlyRootFilesystem` is not
    /// `true`.
    ///
    /// ## Why is this bad?
    /// A writable image filesystem lets an attacker drop tools, replace binaries or scripts the
    /// application later runs, and persist for the life of the container. A read-only root with
    /// explicit `emptyDir` mounts for scratch space leaves far less room.
    ///
    /// ## Example
    /// ```yaml
    /// securityContext:
    ///   runAsNonRoot: true
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// securityContext:
    ///   runAsNonRoot: true
    ///   readOnlyRootFilesystem: true
    /// volumeMounts:
    ///   - name: tmp
    ///     mountPath: /tmp
    /// ```
    pub struct WritableRootFilesystem {
        id: "CTR-WRITABLE-ROOT-FILESYSTEM",
        title: "Container root filesystem is writable",
        group: ContainerSecurity,
        stride: Tampering,
        severity: Low,
        cwe: [732],
        infra: [Kubernetes],
        equivalents: ["CKV_K8S_22", "kics:a9c2f49d-0671-4fc9-9ece-f4e261e128d0", "kube-linter:no-read-only-root-fs"],
        attack_scenario: "An attacker who exploits the service writes a backdoor or modified script into the container filesystem, which the application then executes and which survives until the pod is replaced.",
        mitigation: "Set `securityContext.readOnlyRootFilesystem: true` and mount `emptyDir` volumes where the application must write.",
        checklist: ["pod.read-only-root"],
    }
}

impl Check for WritableRootFilesystem {
    fn check_workload(&self, w: &Workload, _cx: &Context, out: &mut Sink) {
        for c in w.containers() {
            let setting = c
                .security_context()
                .and_then(|sc| sc.get("readOnlyRootFilesystem"));
            if setting.and_then(|n| n.as_bool()) != Some(true) {
                let loc = setting.map_or(container_anchor(&c), |n| n.loc);
                on_container(
                    out,
                    w,
                    &c,
                    loc,
                    format!(
                        "{} of {} has a writable root filesystem",
                        c.describe(),
                        w.object.resource_id()
                    ),
                );
            }
        }
    }
}
