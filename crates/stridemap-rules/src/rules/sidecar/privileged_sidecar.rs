use super::util::{
    auxiliaries, joined_service, main_container, powers, prefix, service_powers, worst, Power,
    PowerKind,
};
use crate::helpers::{on_container, on_service};
use crate::{Check, Context, Sink};
use stridemap_model::compose::{ComposeFile, ComposeService};
use stridemap_model::k8s::Workload;

declare_rule! {
    /// ## What it does
    /// Flags a sidecar that holds node-level privileges its application container does not:
    /// it runs privileged, adds capabilities beyond the runtime's default set, or mounts host
    /// paths, while the app container is not privileged, adds no such capability, or mounts no
    /// host path. Sidecars are the co-running containers other than the application (the one
    /// named by `kubectl.kubernetes.io/default-container`, named after the workload or its
    /// `app` label, or the first that is not a well-known agent) and native sidecars
    /// (`initContainers` with `restartPolicy: Always`). In Compose, a service that joins
    /// another's network (`network_mode: service:<app>`) is that service's sidecar.
    ///
    /// CTR-PRIVILEGED, CTR-CAPABILITIES-ADDED and CTR-HOST-PATH report each setting on any
    /// container. This rule reports the design problem they add up to: the auxiliary container
    /// is the most powerful one in the pod. Pod-wide settings (`hostNetwork`, `hostPID`) apply
    /// to every container and are not counted here; see SIDE-SIDECAR-HOST-NETWORK.
    ///
    /// ## Why is this bad?
    /// Sidecars are usually third-party agents (log shippers, proxies, exporters) that parse
    /// untrusted input: log lines, network traffic, metrics. They share the pod's network and
    /// volumes with the application, so an attacker who gets into the app reaches them next,
    /// and one who compromises them gets the node. The pod ends up exactly as safe as its most
    /// privileged helper.
    ///
    /// ## Example
    /// ```yaml
    /// containers:
    ///   - name: api
    ///     image: registry.example.com/shop/api:2.7.1
    ///   - name: log-shipper
    ///     image: registry.example.com/log-shipper:1.4.0
    ///     securityContext:
    ///       privileged: true
    ///     volumeMounts:
    ///       - {name: docker-sock, mountPath: /var/run/docker.sock}
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// containers:
    ///   - name: api
    ///     image: registry.example.com/shop/api:2.7.1
    ///     volumeMounts:
    ///       - {name: logs, mountPath: /var/log/api}
    ///   - name: log-shipper
    ///     image: registry.example.com/log-shipper:1.4.0
    ///     securityContext:
    ///       allowPrivilegeEscalation: false
    ///       capabilities: {drop: ["ALL"]}
    ///     volumeMounts:
    ///       - {name: logs, mountPath: /var/log/api, readOnly: true}
    /// ```
    /// Have the sidecar read what the app writes to a shared volume, or run node-level
    /// collection once per node in a dedicated DaemonSet instead of in every pod.
    pub struct PrivilegedSidecar {
        id: "SIDE-PRIVILEGED-SIDECAR",
        title: "Sidecar holds more privileges than its application",
        group: SidecarInit,
        stride: ElevationOfPrivilege,
        severity: High,
        cwe: [250, 269],
        infra: [Kubernetes, Compose],
        equivalents: [],
        attack_scenario: "An attacker who exploits the API container sends crafted log lines that crash and hijack the privileged log-shipper sidecar in the same pod, then uses its Docker socket to start a container with the node's root filesystem mounted.",
        mitigation: "Strip the sidecar to what it needs (drop all capabilities, no privileged mode, read-only shared volumes instead of host paths), or move node-level agents to a DaemonSet of their own.",
        checklist: ["pod.no-privileged"],
    }
}

impl Check for PrivilegedSidecar {
    fn check_workload(&self, w: &Workload, _cx: &Context, out: &mut Sink) {
        let Some(main) = main_container(w) else {
            return;
        };
        let main_powers = powers(w, &main);
        for side in auxiliaries(w) {
            let excess = excess(powers(w, &side), &main_powers);
            let Some(first) = excess.first() else {
                continue;
            };
            let what: Vec<&str> = excess.iter().map(|p| p.what.as_str()).collect();
            let description = format!(
                "{}{} of {} {} while the application container \"{}\" does not",
                prefix(&side),
                side.describe(),
                w.object.resource_id(),
                what.join(", "),
                main.name
            );
            let f = on_container(out, w, &side, first.node.loc, description);
            for p in &excess[1..] {
                f.also_at(w.object.file, p.node.loc);
            }
            if let Some(s) = worst(excess.iter().map(|p| p.severity)) {
                f.severity(s);
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
        let Some(app) = joined_service(compose, service) else {
            return;
        };
        let excess = excess(
            service_powers(compose, service),
            &service_powers(compose, &app),
        );
        let Some(first) = excess.first() else {
            return;
        };
        let what: Vec<&str> = excess.iter().map(|p| p.what.as_str()).collect();
        let description = format!(
            "Compose service `{}`, a sidecar in the network of `{}`, {} while `{}` does not",
            service.name,
            app.name,
            what.join(", "),
            app.name
        );
        let f = on_service(out, compose, service, first.node.loc, description);
        for p in &excess[1..] {
            f.also_at(compose.file, p.node.loc);
        }
        if let Some(s) = worst(excess.iter().map(|p| p.severity)) {
            f.severity(s);
        }
    }
}

/// The sidecar's privileges of the kinds the application holds none of.
fn excess<'a>(side: Vec<Power<'a>>, main: &[Power]) -> Vec<Power<'a>> {
    let main_privileged = main.iter().any(|p| p.kind == PowerKind::Privileged);
    side.into_iter()
        .filter(|p| match p.kind {
            PowerKind::Privileged => !main_privileged,
            // A privileged app already holds every capability.
            PowerKind::Capability => !main_privileged && !main.iter().any(|m| m.what == p.what),
            PowerKind::HostPath => {
                !main_privileged && !main.iter().any(|m| m.kind == PowerKind::HostPath)
            }
        })
        .collect()
}
