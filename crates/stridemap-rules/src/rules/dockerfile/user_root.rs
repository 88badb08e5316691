use super::util::{effective_user, is_root_user};
use crate::helpers::on_dockerfile;
use crate::{Check, Context, Sink};
use stridemap_model::dockerfile::Dockerfile;

declare_rule! {
    /// ## What it does
    /// Flags Dockerfiles whose final image runs as root because the last `USER` in effect for
    /// the final stage (its own, or the one inherited from the earlier stage it builds on) is
    /// `root` or UID `0`. `USER root` in a build stage that is not shipped, or followed by a
    /// later unprivileged `USER`, is fine.
    ///
    /// ## Why is this bad?
    /// Switching to root to install packages is normal; forgetting to switch back is not. The
    /// container then starts as UID 0: a remote-code-execution bug in the application hands
    /// the attacker root inside the container, write access to every file of the image, and a
    /// much shorter path out to the node through a kernel or runtime flaw.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM node:20.14-alpine
    /// USER root
    /// RUN apk add --no-cache imagemagick
    /// COPY . /srv/app
    /// CMD ["node", "/srv/app/server.js"]
    /// ```
    ///
    /// ## Use instead
    /// ```dockerfile
    /// FROM node:20.14-alpine
    /// USER root
    /// RUN apk add --no-cache imagemagick
    /// COPY --chown=node:node . /srv/app
    /// USER node
    /// CMD ["node", "/srv/app/server.js"]
    /// ```
    /// Do the privileged steps first, then drop to an unprivileged user for runtime.
    pub struct DockerfileUserRoot {
        id: "DKR-USER-ROOT",
        title: "Image runs as root (last USER is root)",
        group: ContainerSecurity,
        stride: ElevationOfPrivilege,
        severity: High,
        cwe: [250, 269],
        infra: [Docker],
        equivalents: [
            "CKV_DOCKER_8",
            "kics:67fd0c4a-68cf-46d7-8c41-bc9fba7e40ae",
        ],
        attack_scenario: "An attacker exploits an injection or deserialization bug in the service and lands a shell as root inside the container, where they can tamper with the application's files, install tools and probe for a kernel or runtime escape to the node.",
        mitigation: "End the final stage with `USER <unprivileged name or UID>` after the steps that need root, and enforce `runAsNonRoot: true` where the image is deployed.",
        checklist: ["pod.non-root"],
    }
}

impl Check for DockerfileUserRoot {
    fn check_dockerfile(&self, df: &Dockerfile, cx: &Context, out: &mut Sink) {
        let path = &cx.corpus.file(df.file).path;
        let Some(last) = df.final_stage() else { return };
        let Some((ins, user)) = effective_user(df, last) else {
            return;
        };
        if is_root_user(user) {
            on_dockerfile(
                out,
                cx.corpus,
                df,
                ins.loc,
                format!("the image built from `{path}` ends with `USER {user}`, so its container runs as root"),
            );
        }
    }
}
