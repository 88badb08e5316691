use super::util::{effective_user, root_stage};
use crate::helpers::on_dockerfile;
use crate::{Check, Context, Sink};
use stridemap_model::dockerfile::Dockerfile;
use stridemap_model::Severity;

declare_rule! {
    /// ## What it does
    /// Flags Dockerfiles whose final stage never sets a `USER`, neither itself nor through the
    /// earlier stage it builds on, so the container starts as root. Base images that announce
    /// an unprivileged default user in their tag (`…:nonroot`, `…-rootless`) are skipped. An
    /// image built `FROM scratch` is reported at lower severity: it has no shell or tools for
    /// an intruder, yet its binary still runs as UID 0.
    ///
    /// ## Why is this bad?
    /// Docker's default user is root. Unless every place that deploys the image remembers to
    /// override it, the application runs with UID 0 and the default capability set, so any
    /// flaw in it yields full control of the container's filesystem and a head start on
    /// escaping to the host.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM python:3.12-slim
    /// COPY app/ /srv/app/
    /// CMD ["python", "/srv/app/main.py"]
    /// ```
    ///
    /// ## Use instead
    /// ```dockerfile
    /// FROM python:3.12-slim
    /// RUN useradd --system --uid 10001 app
    /// COPY --chown=app app/ /srv/app/
    /// USER 10001
    /// CMD ["python", "/srv/app/main.py"]
    /// ```
    /// Create an unprivileged account and switch to it; a numeric UID also works in `scratch`
    /// and distroless images, which have no user database.
    pub struct DockerfileMissingUser {
        id: "DKR-MISSING-USER",
        title: "Image never sets a non-root USER",
        group: ContainerSecurity,
        stride: ElevationOfPrivilege,
        severity: Medium,
        cwe: [250, 276],
        infra: [Docker],
        equivalents: [
            "CKV_DOCKER_3",
            "kics:fd54f200-402c-4333-a5a4-36ef6709af2f",
        ],
        attack_scenario: "A vulnerability in the packaged service gives an attacker code execution; because the image never dropped privileges, that code runs as root in the container and can rewrite the application, read mounted credentials and attempt a container escape.",
        mitigation: "Add a `USER` instruction with an unprivileged UID at the end of the final stage (creating the account if the base image lacks one), and keep `runAsNonRoot: true` in the pod spec as a second line of defence.",
        checklist: ["pod.non-root"],
    }
}

/// Base images whose tag says they already default to an unprivileged user.
fn base_runs_unprivileged(image: &str) -> bool {
    let lower = image.to_ascii_lowercase();
    ["nonroot", "non-root", "rootless"]
        .iter()
        .any(|m| lower.contains(m))
}

impl Check for DockerfileMissingUser {
    fn check_dockerfile(&self, df: &Dockerfile, cx: &Context, out: &mut Sink) {
        let path = &cx.corpus.file(df.file).path;
        let Some(last) = df.final_stage() else { return };
        if effective_user(df, last).is_some() {
            return;
        }
        let base = root_stage(df, last).image.trim();
        if base_runs_unprivileged(base) {
            return;
        }
        let scratch = base.eq_ignore_ascii_case("scratch");
        let finding = on_dockerfile(
            out,
            cx.corpus,
            df,
            last.loc,
            if scratch {
                format!("the image built from `{path}` starts FROM scratch and sets no USER, so its binary runs as UID 0")
            } else {
                format!("the image built from `{path}` never sets a USER, so its container runs as root unless the deployment overrides it")
            },
        );
        if scratch {
            finding.severity(Severity::Low);
        }
    }
}
