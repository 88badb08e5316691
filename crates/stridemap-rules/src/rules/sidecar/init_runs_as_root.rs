use super::util::{co_running, mounts, read_only_type, root_state, volume_kind, RootState};
use crate::helpers::on_container;
use crate::{Check, Context, Sink};
use stridemap_model::k8s::{ContainerRole, Workload};
use stridemap_model::Severity;

declare_rule! {
    /// ## What it does
    /// Flags init containers that run as root (`runAsUser: 0`, or neither `runAsNonRoot: true`
    /// nor a non-zero `runAsUser`, so the image's user, usually root, applies) when that root
    /// step reaches the application:
    ///
    /// - the pod's app containers all run as non-root, so the init container is the one place
    ///   the pod's hardening is undone; or
    /// - the init container writes to a volume that a non-root app container or sidecar also
    ///   mounts.
    ///
    /// CTR-RUN-AS-ROOT reports every root container, init containers included, one by one. This
    /// rule does not repeat that for every init container: it reports only the init containers
    /// whose root identity carries over to a non-root application, and says how. When the app
    /// itself may run as root, the init container adds nothing the app does not already have,
    /// and CTR-RUN-AS-ROOT alone covers the pod.
    ///
    /// ## Why is this bad?
    /// Init containers usually run general-purpose images (busybox, alpine, a download tool) to
    /// fetch files, fix permissions or render configuration. As root they can leave root-owned
    /// files and setuid-root binaries in a shared volume that the app later executes or trusts,
    /// and a compromised or tampered init image gets root in a pod whose main container was
    /// deliberately locked down.
    ///
    /// ## Example
    /// ```yaml
    /// spec:
    ///   initContainers:
    ///     - name: fix-permissions
    ///       image: busybox:1.37
    ///       command: ["sh", "-c", "chown -R 10001 /data"]
    ///       securityContext: {runAsUser: 0}
    ///       volumeMounts: [{name: data, mountPath: /data}]
    ///   containers:
    ///     - name: api
    ///       image: registry.example.com/shop/api:2.7.1
    ///       securityContext: {runAsNonRoot: true, runAsUser: 10001}
    ///       volumeMounts: [{name: data, mountPath: /data}]
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// spec:
    ///   securityContext:
    ///     runAsNonRoot: true
    ///     runAsUser: 10001
    ///     fsGroup: 10001
    ///   containers:
    ///     - name: api
    ///       image: registry.example.com/shop/api:2.7.1
    ///       volumeMounts: [{name: data, mountPath: /data}]
    /// ```
    /// Let `fsGroup` set volume ownership instead of a root `chown`, and run any remaining init
    /// step as the same non-root user as the app.
    pub struct InitRunsAsRoot {
        id: "SIDE-INIT-RUNS-AS-ROOT",
        title: "Init container runs as root and hands its work to the app",
        group: SidecarInit,
        stride: ElevationOfPrivilege,
        severity: Medium,
        cwe: [250, 269],
        infra: [Kubernetes],
        equivalents: [],
        attack_scenario: "A tampered `busybox:latest` pulled for the permission-fixing init container runs as root, drops a setuid-root shell into the shared data volume, and the attacker who later finds an injection bug in the non-root API uses it to become root in the app container.",
        mitigation: "Run init containers with `runAsNonRoot: true` and the app's UID, use `fsGroup` for volume ownership, and pin init images by digest.",
        checklist: ["pod.non-root"],
    }
}

impl Check for InitRunsAsRoot {
    fn check_workload(&self, w: &Workload, _cx: &Context, out: &mut Sink) {
        let apps: Vec<_> = w
            .containers()
            .into_iter()
            .filter(|c| c.role == ContainerRole::App)
            .collect();
        if apps.is_empty() {
            return;
        }
        let apps_non_root = apps.iter().all(|c| root_state(w, c) == RootState::NonRoot);
        let others = co_running(w);
        for init in w
            .containers()
            .into_iter()
            .filter(|c| c.role == ContainerRole::Init)
        {
            let (loc, how, definite) = match root_state(w, &init) {
                RootState::NonRoot => continue,
                RootState::Root(loc) => (loc, "runs as root (runAsUser: 0)", true),
                RootState::Maybe(loc) => (
                    loc,
                    "may run as root (no runAsNonRoot: true or non-root runAsUser)",
                    false,
                ),
            };
            // Volumes the init container can write and a running container also mounts.
            let mut shared: Vec<String> = Vec::new();
            for m in mounts(&init).into_iter().filter(|m| !m.read_only) {
                let Some(vtype) = volume_kind(w, m.volume) else {
                    continue;
                };
                if read_only_type(vtype) {
                    continue;
                }
                // Only a non-root container gains anything from root-made files.
                let users: Vec<String> = others
                    .iter()
                    .filter(|c| root_state(w, c) == RootState::NonRoot)
                    .filter(|c| mounts(c).iter().any(|o| o.volume == m.volume))
                    .map(|c| format!("\"{}\"", c.name))
                    .collect();
                if !users.is_empty() {
                    shared.push(format!(
                        "`{}` (used by non-root {})",
                        m.volume,
                        users.join(", ")
                    ));
                }
            }
            if !apps_non_root && shared.is_empty() {
                continue;
            }
            let mut reasons = Vec::new();
            if apps_non_root {
                reasons.push("while every app container runs as non-root".to_string());
            }
            if !shared.is_empty() {
                reasons.push(format!("and writes to volume {}", shared.join(", ")));
            }
            let description = format!(
                "{} of {} {how} {}",
                init.describe(),
                w.object.resource_id(),
                reasons.join(", ")
            );
            let f = on_container(out, w, &init, loc, description);
            if definite && !shared.is_empty() {
                f.severity(Severity::High);
            }
        }
    }
}
