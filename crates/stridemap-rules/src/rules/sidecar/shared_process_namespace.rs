use super::util::{co_running, powers, secrets_of, PowerKind};
use crate::helpers::{on_object, on_service};
use crate::{Check, Context, Sink};
use stridemap_model::compose::{ComposeFile, ComposeService};
use stridemap_model::k8s::Workload;
use stridemap_model::Severity;

declare_rule! {
    /// ## What it does
    /// Flags pods with `shareProcessNamespace: true` that run more than one container side by
    /// side (app containers and native sidecars), and Compose services that join another
    /// service's process namespace (`pid: "service:<name>"` or `pid: "container:<name>"`).
    /// The finding is high when one of the containers holds Secrets or runs privileged or with
    /// `SYS_PTRACE`, since those are what the others can reach.
    ///
    /// CTR-HOST-PID is about sharing the node's process namespace; this rule is about
    /// containers of one pod seeing each other.
    ///
    /// ## Why is this bad?
    /// With one process namespace, every container sees the others' processes. A container
    /// running as the same user (often root) reads their environment through
    /// `/proc/<pid>/environ`, their files through `/proc/<pid>/root`, and can signal or, with
    /// `SYS_PTRACE`, attach to them. The isolation between the application and its sidecars,
    /// often images from other vendors, is gone: a compromised log shipper reads the app's
    /// database password.
    ///
    /// ## Example
    /// ```yaml
    /// spec:
    ///   shareProcessNamespace: true
    ///   containers:
    ///     - name: api
    ///       image: registry.example.com/shop/api:2.7.1
    ///     - name: log-shipper
    ///       image: registry.example.com/log-shipper:1.4.0
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// spec:
    ///   containers:
    ///     - name: api
    ///       image: registry.example.com/shop/api:2.7.1
    ///     - name: log-shipper
    ///       image: registry.example.com/log-shipper:1.4.0
    /// ```
    /// Leave process namespaces separate; for debugging, attach an ephemeral container with
    /// `kubectl debug --target` instead of sharing the namespace permanently.
    pub struct SharedProcessNamespace {
        id: "SIDE-SHARED-PROCESS-NAMESPACE",
        title: "Containers of a pod share one process namespace",
        group: SidecarInit,
        stride: InformationDisclosure,
        severity: Medium,
        cwe: [668, 200],
        infra: [Kubernetes, Compose],
        equivalents: [],
        attack_scenario: "An attacker exploits a parsing bug in the log-shipper sidecar, lists the pod's processes, and reads the API container's database password and payment keys from `/proc/<pid>/environ`.",
        mitigation: "Remove `shareProcessNamespace: true` (Compose: the `pid: service:` setting); if one container must signal another, use a shared volume or a local socket, and debug with ephemeral containers.",
    }
}

impl Check for SharedProcessNamespace {
    fn check_workload(&self, w: &Workload, _cx: &Context, out: &mut Sink) {
        let Some(flag) = w.enabled("shareProcessNamespace") else {
            return;
        };
        let containers = co_running(w);
        if containers.len() < 2 {
            return;
        }
        let names: Vec<String> = containers
            .iter()
            .map(|c| format!("\"{}\"", c.name))
            .collect();
        let mut exposed: Vec<String> = Vec::new();
        for c in &containers {
            if !secrets_of(w, c).is_empty() {
                exposed.push(format!("{} receives Secrets", c.describe()));
            }
            let p = powers(w, c);
            if p.iter().any(|p| p.kind == PowerKind::Privileged)
                || p.iter().any(|p| p.what.ends_with("SYS_PTRACE"))
            {
                exposed.push(format!("{} can inspect other processes", c.describe()));
            }
        }
        let mut description = format!(
            "{} shares one process namespace between containers {}: each can read the others' environment and files through /proc",
            w.object.resource_id(),
            names.join(", ")
        );
        if !exposed.is_empty() {
            description.push_str(&format!(" ({})", exposed.join("; ")));
        }
        let f = on_object(out, w.object, flag.loc, description);
        if !exposed.is_empty() {
            f.severity(Severity::High);
        }
    }

    fn check_compose_service(
        &self,
        compose: &ComposeFile,
        service: &ComposeService,
        _cx: &Context,
        out: &mut Sink,
    ) {
        let Some(pid_node) = service.get("pid") else {
            return;
        };
        let Some(pid) = pid_node.as_str() else {
            return;
        };
        let Some(target) = pid
            .strip_prefix("service:")
            .or_else(|| pid.strip_prefix("container:"))
        else {
            return;
        };
        on_service(
            out,
            compose,
            service,
            pid_node.loc,
            format!(
                "Compose service `{}` joins the process namespace of `{target}` (pid: {pid}): each can read the other's environment and files through /proc",
                service.name
            ),
        );
    }
}
