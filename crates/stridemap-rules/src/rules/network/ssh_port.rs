use super::util::{port_protocol, port_range};
use crate::helpers::{on_container, on_dockerfile, on_object, on_service};
use crate::{Check, Context, Sink};
use stridemap_model::compose::{ComposeFile, ComposeService};
use stridemap_model::dockerfile::Dockerfile;
use stridemap_model::k8s::{K8sObject, Workload};
use stridemap_model::Node;

declare_rule! {
    /// ## What it does
    /// Flags port 22 (SSH) exposed over TCP: a container's `containerPort: 22`, a Service port
    /// or numeric `targetPort` of 22, a Dockerfile `EXPOSE 22` (or a range containing it), and a
    /// Compose `ports`/`expose` entry whose container port is 22. UDP and SCTP ports are
    /// ignored.
    ///
    /// ## Why is this bad?
    /// An SSH daemon in a container is a second way in that bypasses the orchestrator: it needs
    /// its own keys or passwords, is a brute-force target, and gives an interactive shell that
    /// is neither audited by the API server nor restricted by RBAC. Containers are managed with
    /// `kubectl exec`/`docker exec`, which need no daemon.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM debian:12-slim
    /// RUN apt-get update && apt-get install -y openssh-server
    /// EXPOSE 22 8080
    /// ```
    ///
    /// ## Use instead
    /// ```dockerfile
    /// FROM debian:12-slim
    /// EXPOSE 8080
    /// ```
    /// Drop the SSH server and use `kubectl exec` or `docker exec` (with RBAC) for debugging.
    pub struct SshPort {
        id: "NET-SSH-PORT",
        title: "SSH port exposed",
        group: ContainerSecurity,
        stride: ElevationOfPrivilege,
        severity: Medium,
        cwe: [668],
        infra: [Kubernetes, Docker, Compose],
        equivalents: [
            "CKV_DOCKER_1",
            "kics:5907595b-5b6d-4142-b173-dbb0e73fbff8",
            "kube-linter:ssh-port",
        ],
        attack_scenario: "An attacker brute-forces or reuses a leaked key against the SSH daemon a container exposes, gets an interactive shell inside the pod without going through the API server, and uses the pod's service account and network position to move on.",
        mitigation: "Remove the SSH server and port 22; use `kubectl exec`/`docker exec` under RBAC for interactive access.",
    }
}

fn is_tcp(protocol: Option<&str>) -> bool {
    protocol.is_none_or(|p| p.eq_ignore_ascii_case("tcp"))
}

fn contains_22(text: &str) -> bool {
    port_range(text).is_some_and(|(a, b)| a <= 22 && 22 <= b) && port_protocol(text) == "tcp"
}

impl Check for SshPort {
    fn check_workload(&self, w: &Workload, _cx: &Context, out: &mut Sink) {
        for c in w.containers() {
            for p in c.node.get("ports").map(Node::as_seq).unwrap_or(&[]) {
                let Some(port) = p.get("containerPort") else {
                    continue;
                };
                if port.as_i64() == Some(22) && is_tcp(p.get("protocol").and_then(Node::as_str)) {
                    on_container(
                        out,
                        w,
                        &c,
                        port.loc,
                        format!(
                            "{} of {} exposes port 22 (SSH)",
                            c.describe(),
                            w.object.resource_id()
                        ),
                    );
                }
            }
        }
    }

    fn check_object(&self, o: &K8sObject, _cx: &Context, out: &mut Sink) {
        if o.kind != "Service" {
            return;
        }
        let ports = o
            .root
            .path(&["spec", "ports"])
            .map(Node::as_seq)
            .unwrap_or(&[]);
        for (i, p) in ports.iter().enumerate() {
            if !is_tcp(p.get("protocol").and_then(Node::as_str)) {
                continue;
            }
            let hit = ["port", "targetPort"]
                .iter()
                .filter_map(|k| p.get(k))
                .find(|n| n.as_i64() == Some(22));
            if let Some(n) = hit {
                on_object(
                    out,
                    o,
                    n.loc,
                    format!("{} forwards port 22 (SSH) to its pods", o.resource_id()),
                )
                .key_part(format!("port{i}"));
            }
        }
    }

    fn check_dockerfile(&self, df: &Dockerfile, cx: &Context, out: &mut Sink) {
        let path = &cx.corpus.file(df.file).path;
        for (i, ins) in df.instructions.iter().enumerate() {
            if ins.keyword != "EXPOSE" {
                continue;
            }
            if ins.args.split_whitespace().any(contains_22) {
                on_dockerfile(
                    out,
                    cx.corpus,
                    df,
                    ins.loc,
                    format!("`{path}` exposes port 22 (SSH)"),
                )
                .key_part(format!("expose{i}"));
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
        for (i, p) in service.ports().iter().enumerate() {
            if contains_22(&p.target) {
                on_service(
                    out,
                    compose,
                    service,
                    p.loc,
                    format!(
                        "Compose service `{}` publishes container port 22 (SSH)",
                        service.name
                    ),
                )
                .key_part(format!("port{i}"));
            }
        }
        for (i, (text, node)) in service
            .get("expose")
            .map(|e| e.strings())
            .unwrap_or_default()
            .into_iter()
            .enumerate()
        {
            if contains_22(text) {
                on_service(
                    out,
                    compose,
                    service,
                    node.loc,
                    format!("Compose service `{}` exposes port 22 (SSH)", service.name),
                )
                .key_part(format!("expose{i}"));
            }
        }
    }
}
