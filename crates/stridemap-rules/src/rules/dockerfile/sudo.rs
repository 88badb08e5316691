use super::packages::run_commands;
use crate::helpers::on_dockerfile;
use crate::{Check, Context, Sink};
use stridemap_model::dockerfile::Dockerfile;

declare_rule! {
    /// ## What it does
    /// Flags `RUN` steps that run commands through `sudo` (or `doas`). Installing the `sudo`
    /// package or mentioning it in a string is not reported; only using it as a command is.
    ///
    /// ## Why is this bad?
    /// A build step that needs `sudo` means the image ships `sudo` and a user allowed to use
    /// it, so the "non-root" user the container runs as can become root again with one
    /// command. `sudo` in a build also behaves unpredictably (TTY requirements, environment
    /// resets, signal handling) and hides which user a step really runs as.
    ///
    /// ## Example
    /// ```dockerfile
    /// USER app
    /// RUN sudo apt-get update && sudo apt-get install -y curl=7.88.1-10+deb12u8
    /// ```
    ///
    /// ## Use instead
    /// ```dockerfile
    /// USER root
    /// RUN apt-get update && apt-get install -y curl=7.88.1-10+deb12u8
    /// USER app
    /// ```
    /// Switch users with `USER` around the privileged steps and leave `sudo` out of the image.
    pub struct DockerfileSudo {
        id: "DKR-SUDO",
        title: "`sudo` used in a build step",
        group: ContainerSecurity,
        stride: ElevationOfPrivilege,
        severity: Medium,
        cwe: [250, 269],
        infra: [Docker],
        equivalents: [
            "CKV2_DOCKER_1",
            "kics:8ada6e80-0ade-439e-b176-0b28f6bce35a",
        ],
        attack_scenario: "An attacker exploits the application, landing in the container as the unprivileged user; because the image was built around `sudo` and that user keeps passwordless sudo rights, the attacker becomes root and reaches the mounted secrets and host interfaces.",
        mitigation: "Use `USER root` for the steps that need it, switch back to an unprivileged `USER`, and do not install or configure `sudo` in the image.",
    }
}

impl Check for DockerfileSudo {
    fn check_dockerfile(&self, df: &Dockerfile, cx: &Context, out: &mut Sink) {
        let path = &cx.corpus.file(df.file).path;
        for (i, ins, cmds) in run_commands(df) {
            let Some(cmd) = cmds
                .iter()
                .find(|c| c.wrappers.iter().any(|w| w == "sudo" || w == "doas"))
            else {
                continue;
            };
            let what = if cmd.program.is_empty() {
                "runs `sudo`".to_string()
            } else {
                format!("runs `{}` through `sudo`", cmd.program)
            };
            on_dockerfile(
                out,
                cx.corpus,
                df,
                ins.loc,
                format!(
                    "a `RUN` step in `{path}` {what}, so the image relies on sudo to gain root"
                ),
            )
            .key_part(format!("run{i}"));
        }
    }
}
