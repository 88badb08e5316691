use super::util::security_opts;
use crate::helpers::{container_anchor, on_container, on_service};
use crate::{Check, Context, Sink};
use stridemap_model::compose::{ComposeFile, ComposeService};
use stridemap_model::k8s::{Container, Workload};
use stridemap_model::{Node, Severity};

declare_rule! {
    /// ## What it does
    /// Flags containers that run without a seccomp profile: no `seccompProfile` of type
    /// `RuntimeDefault` or `Localhost` on the container or the pod (nor the older
    /// `seccomp.security.alpha.kubernetes.io` annotations), or a profile explicitly set to
    /// `Unconfined`. In Compose, flags `security_opt: seccomp:unconfined`.
    ///
    /// ## Why is this bad?
    /// Kubernetes runs containers unconfined unless told otherwise. Seccomp is what blocks the
    /// rarely used system calls (`unshare`, `keyctl`, `bpf`, `ptrace`…) through which most
    /// kernel exploits and container escapes go.
    ///
    /// ## Example
    /// ```yaml
    /// spec:
    ///   containers:
    ///     - name: worker
    ///       image: registry.example.com/worker:1.8.0
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// spec:
    ///   securityContext:
    ///     seccompProfile:
    ///       type: RuntimeDefault
    ///   containers:
    ///     - name: worker
    ///       image: registry.example.com/worker:1.8.0
    /// ```
    pub struct SeccompMissing {
        id: "CTR-SECCOMP-UNCONFINED",
        title: "Container runs without a seccomp profile",
        group: ContainerSecurity,
        stride: ElevationOfPrivilege,
        severity: Medium,
        cwe: [693],
        infra: [Kubernetes, Compose],
        equivalents: [
            "CKV_K8S_31",
            "kics:f377b83e-bd07-4f48-a591-60c82b14a78b",
            "kics:404fde2c-bc4b-4371-9747-7054132ac953",
        ],
        attack_scenario: "An attacker with code execution in the container calls a rarely used system call with a known kernel vulnerability and escapes to the node, which the default seccomp profile would have blocked.",
        mitigation: "Set `securityContext.seccompProfile.type: RuntimeDefault` at pod level (or a Localhost profile); in Compose, remove `seccomp:unconfined`.",
        checklist: ["pod.security-context"],
    }
}

enum Profile<'a> {
    Confined,
    Unconfined(&'a Node),
    Unset,
}

fn classify(value: &str) -> bool {
    let v = value.trim().to_ascii_lowercase();
    v == "runtimedefault"
        || v == "localhost"
        || v == "runtime/default"
        || v == "docker/default"
        || v.starts_with("localhost/")
}

fn from_context(sc: Option<&Node>) -> Option<Profile<'_>> {
    let t = sc?.path(&["seccompProfile", "type"])?;
    let value = t.as_str()?;
    Some(if classify(value) {
        Profile::Confined
    } else {
        Profile::Unconfined(t)
    })
}

fn from_annotation(node: Option<&Node>) -> Option<Profile<'_>> {
    let n = node?;
    let value = n.as_str()?;
    Some(if classify(value) {
        Profile::Confined
    } else {
        Profile::Unconfined(n)
    })
}

/// The profile in force: the container's field, its annotation, the pod's field, the pod
/// annotation — in that order of precedence.
fn effective<'a>(w: &Workload<'a>, c: &Container<'a>) -> Profile<'a> {
    from_context(c.security_context())
        .or_else(|| {
            from_annotation(w.pod_annotation(&format!(
                "container.seccomp.security.alpha.kubernetes.io/{}",
                c.name
            )))
        })
        .or_else(|| from_context(w.security_context()))
        .or_else(|| from_annotation(w.pod_annotation("seccomp.security.alpha.kubernetes.io/pod")))
        .unwrap_or(Profile::Unset)
}

impl Check for SeccompMissing {
    fn check_workload(&self, w: &Workload, _cx: &Context, out: &mut Sink) {
        for c in w.containers() {
            match effective(w, &c) {
                Profile::Confined => {}
                Profile::Unconfined(node) => {
                    on_container(
                        out,
                        w,
                        &c,
                        node.loc,
                        format!(
                            "{} of {} runs with seccomp explicitly unconfined",
                            c.describe(),
                            w.object.resource_id()
                        ),
                    )
                    .severity(Severity::High);
                }
                Profile::Unset => {
                    on_container(
                        out,
                        w,
                        &c,
                        container_anchor(&c),
                        format!(
                            "{} of {} has no seccomp profile (RuntimeDefault or Localhost)",
                            c.describe(),
                            w.object.resource_id()
                        ),
                    );
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
        for (opt, node) in security_opts(service) {
            // `label:seccomp:unconfined` is not valid Docker syntax, but its intent is plain.
            if opt.contains("seccomp") && opt.ends_with("unconfined") {
                on_service(
                    out,
                    compose,
                    service,
                    node.loc,
                    format!(
                        "Compose service `{}` disables the default seccomp profile",
                        service.name
                    ),
                )
                .severity(Severity::High);
            }
        }
    }
}
