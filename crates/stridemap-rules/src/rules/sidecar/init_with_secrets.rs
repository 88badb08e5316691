use super::util::secrets_of;
use crate::helpers::on_container;
use crate::{Check, Context, Sink};
use stridemap_model::image::ImageRef;
use stridemap_model::k8s::{ContainerRole, Workload};
use stridemap_model::{Node, Severity};

declare_rule! {
    /// ## What it does
    /// Flags init containers that receive Kubernetes Secrets: variables from `secretKeyRef`,
    /// whole Secrets through `envFrom.secretRef`, or `secret` (and projected Secret) volumes
    /// they mount. The finding is medium when the init image is not pinned by digest, low when
    /// it is.
    ///
    /// SEC-SECRET-ENV-VAR reports Secrets passed as environment variables to any container; this
    /// rule is about which container gets a Secret at all: it covers mounted Secrets too, and
    /// only init containers.
    ///
    /// ## Why is this bad?
    /// Init containers are short shell scripts around general-purpose images (busybox, curl,
    /// alpine), often pulled by a floating tag and maintained by nobody in particular. Giving
    /// them Secrets widens the set of images that see the credential, and scripts tend to leak
    /// it: `set -x` traces, command lines visible in `ps`, error messages in logs that outlive
    /// the pod, or a copy left in a shared volume.
    ///
    /// ## Example
    /// ```yaml
    /// initContainers:
    ///   - name: wait-for-db
    ///     image: postgres:16
    ///     command: ["sh", "-c", "until psql \"$DATABASE_URL\" -c 'select 1'; do sleep 2; done"]
    ///     env:
    ///       - name: DATABASE_URL
    ///         valueFrom:
    ///           secretKeyRef: {name: orders-db, key: url}
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// initContainers:
    ///   - name: wait-for-db
    ///     image: busybox:1.37@sha256:2c2b4a4f8e9a3b1c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c
    ///     command: ["sh", "-c", "until nc -z orders-db 5432; do sleep 2; done"]
    /// ```
    /// Give init steps only what they need (a port check needs no password); when one must
    /// hold a credential, pin its image by digest, mount the Secret read-only, and keep the
    /// script free of tracing and echoing.
    pub struct InitWithSecrets {
        id: "SIDE-INIT-WITH-SECRETS",
        title: "Init container receives Secrets",
        group: SidecarInit,
        stride: InformationDisclosure,
        severity: Medium,
        cwe: [200, 522],
        infra: [Kubernetes],
        equivalents: [],
        attack_scenario: "The migration init container runs `sh -xc` with the database URL in its environment; the trace with the password lands in the pod's logs, which the whole development team and the log platform can read.",
        mitigation: "Do not pass Secrets to init containers that do not need them; otherwise pin their images by digest, mount the Secret read-only and avoid shell tracing or printing it.",
    }
}

impl Check for InitWithSecrets {
    fn check_workload(&self, w: &Workload, _cx: &Context, out: &mut Sink) {
        for c in w
            .containers()
            .into_iter()
            .filter(|c| c.role == ContainerRole::Init)
        {
            let secrets = secrets_of(w, &c);
            let Some(first) = secrets.first() else {
                continue;
            };
            let list: Vec<&str> = secrets.iter().map(|s| s.what.as_str()).collect();
            let pinned = c
                .image()
                .and_then(Node::as_str)
                .is_some_and(|i| ImageRef::parse(i).digest.is_some());
            let description = format!(
                "{} of {} receives {}",
                c.describe(),
                w.object.resource_id(),
                list.join(", ")
            );
            let f = on_container(out, w, &c, first.node.loc, description);
            for s in &secrets[1..] {
                f.also_at(w.object.file, s.node.loc);
            }
            if pinned {
                f.severity(Severity::Low);
            }
        }
    }
}
