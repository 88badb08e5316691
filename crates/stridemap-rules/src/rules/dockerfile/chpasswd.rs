use super::packages::run_commands;
use crate::helpers::on_dockerfile;
use crate::secrets::is_placeholder;
use crate::{Check, Context, Sink};
use stridemap_model::dockerfile::Dockerfile;
use stridemap_model::Severity;

declare_rule! {
    /// ## What it does
    /// Flags `RUN` steps that set or clear account passwords in the image: `chpasswd` (fed by
    /// `echo user:password`, a file or a here-document), `passwd --stdin`, `passwd -d`, and
    /// `useradd`/`usermod` with `-p`/`--password`. When the password is written in the
    /// Dockerfile the finding is high severity and the value is redacted from the report.
    ///
    /// ## Why is this bad?
    /// Whatever password a build sets is baked into `/etc/shadow` of every container started
    /// from the image and readable from the image's layers and build history. A known (or
    /// empty) password lets any process in the container `su` to that account — often root —
    /// and turns the image into a shared credential that cannot be rotated per deployment.
    ///
    /// ## Example
    /// ```dockerfile
    /// RUN echo 'root:Winter2024!' | chpasswd
    /// ```
    ///
    /// ## Use instead
    /// ```dockerfile
    /// RUN useradd --system --no-create-home --shell /usr/sbin/nologin app
    /// USER app
    /// ```
    /// Create accounts without passwords (locked), run as an unprivileged `USER`, and inject
    /// any credential the application needs at runtime from a secret store.
    pub struct DockerfileChpasswd {
        id: "DKR-CHPASSWD",
        title: "Account password set or removed in the image",
        group: SecretsManagement,
        stride: ElevationOfPrivilege,
        severity: Medium,
        cwe: [798, 521],
        infra: [Docker],
        equivalents: ["CKV2_DOCKER_17"],
        attack_scenario: "An attacker with code execution as the container's application user reads the root password from the public image's history (or tries the empty one) and runs `su -` to become root inside the container.",
        mitigation: "Do not set passwords at build time; keep system accounts locked, run as a non-root `USER`, and provide credentials at runtime through secrets.",
    }
}

impl Check for DockerfileChpasswd {
    fn check_dockerfile(&self, df: &Dockerfile, cx: &Context, out: &mut Sink) {
        let path = &cx.corpus.file(df.file).path;
        for (i, ins, cmds) in run_commands(df) {
            for (n, cmd) in cmds.iter().enumerate() {
                let sets = cmd.is(&["chpasswd"])
                    || (cmd.is(&["passwd"]) && cmd.has_flag(&["--stdin", "-d", "--delete"]))
                    || (cmd.is(&["useradd", "usermod", "adduser"])
                        && cmd.has_flag(&["-p", "--password"]));
                if !sets {
                    continue;
                }
                // The literal `user:password` pairs echoed into it.
                let mut literal: Vec<String> = Vec::new();
                let mut cleared = false;
                if cmd.piped_in && n > 0 && cmds[n - 1].is(&["echo", "printf"]) {
                    for a in cmds[n - 1].args.iter().filter(|a| !a.starts_with('-')) {
                        for pair in a.split("\\n") {
                            if let Some((_, pw)) = pair.split_once(':') {
                                if pw.is_empty() {
                                    cleared = true;
                                } else if !is_placeholder(pw) {
                                    literal.push(pw.to_string());
                                }
                            }
                        }
                    }
                } else if cmd.is(&["passwd"]) && cmd.has_flag(&["-d", "--delete"]) {
                    cleared = true;
                } else if cmd.is(&["useradd", "usermod", "adduser"]) {
                    literal.extend(
                        cmd.option_values(&["-p", "--password"])
                            .into_iter()
                            .filter(|v| !is_placeholder(v))
                            .map(str::to_string),
                    );
                }
                let what = if !literal.is_empty() {
                    format!(
                        "sets an account password written in the Dockerfile with `{}`",
                        cmd.program
                    )
                } else if cleared {
                    format!(
                        "removes an account password with `{}`, leaving it open",
                        cmd.program
                    )
                } else {
                    format!("sets account passwords with `{}`", cmd.program)
                };
                let f = on_dockerfile(
                    out,
                    cx.corpus,
                    df,
                    ins.loc,
                    format!("a `RUN` step in `{path}` {what}"),
                );
                f.key_part(format!("run{i}:{n}"));
                if !literal.is_empty() || cleared {
                    f.severity(Severity::High);
                }
                // Very short values (`root:root`) would redact common words report-wide.
                for pw in literal.into_iter().filter(|p| p.len() >= 6) {
                    f.secret(pw);
                }
            }
        }
    }
}
