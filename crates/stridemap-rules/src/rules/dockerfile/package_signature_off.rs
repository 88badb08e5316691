use super::packages::run_commands;
use crate::helpers::on_dockerfile;
use crate::rules::cicd::shell::Command;
use crate::{Check, Context, Sink};
use stridemap_model::dockerfile::Dockerfile;

declare_rule! {
    /// ## What it does
    /// Flags `RUN` steps that install packages with signature checks turned off: `apk
    /// --allow-untrusted`, `apt-get --allow-unauthenticated`/`--force-yes`/
    /// `--allow-insecure-repositories` or `-o APT::Get::AllowUnauthenticated=true`,
    /// `yum`/`dnf`/`tdnf`/`microdnf --nogpgcheck` or `--setopt=gpgcheck=0`, `rpm --nosignature`/
    /// `--nodigest`/`--nofiledigest`/`--noverify`, `zypper --no-gpg-checks`, and repository
    /// definitions written with `[trusted=yes]` or `gpgcheck=0`. Only the package manager's own
    /// options count: the same text in an `echo` message or a `grep` pattern does not.
    ///
    /// ## Why is this bad?
    /// Package signatures are what tie a package to its distributor. Without them, anyone who
    /// can answer the download — a mirror, a proxy, a DNS or network attacker, a poisoned
    /// cache — can hand the build a modified package, which then runs as root during the build
    /// and ships in the image.
    ///
    /// ## Example
    /// ```dockerfile
    /// RUN apk add --no-cache --allow-untrusted /tmp/custom-tool.apk \
    ///  && dnf install -y --nogpgcheck vendor-agent
    /// ```
    ///
    /// ## Use instead
    /// ```dockerfile
    /// COPY vendor-signing-key.asc /etc/pki/rpm-gpg/
    /// RUN rpm --import /etc/pki/rpm-gpg/vendor-signing-key.asc \
    ///  && dnf install -y vendor-agent-4.2.1
    /// ```
    /// Import the publisher's key and keep verification on; sign internal packages with your
    /// own key.
    pub struct PackageSignatureOff {
        id: "DKR-PACKAGE-SIGNATURE-OFF",
        title: "Package signature verification disabled during the build",
        group: CiCdPipeline,
        stride: Tampering,
        severity: High,
        cwe: [347, 494],
        infra: [Docker],
        equivalents: [
            "CKV2_DOCKER_7",
            "CKV2_DOCKER_8",
            "CKV2_DOCKER_9",
            "CKV2_DOCKER_10",
            "CKV2_DOCKER_11",
        ],
        attack_scenario: "An attacker who controls the build network's DNS serves a modified package from a look-alike mirror; because the Dockerfile installs with `--nogpgcheck`, the package manager accepts it and the backdoor ships in every image built that day.",
        mitigation: "Remove the verification-disabling options, import the repository's signing key (`rpm --import`, `signed-by=` keyrings, `/etc/apk/keys`) and pin package versions.",
    }
}

fn falsy(v: &str) -> bool {
    matches!(
        v.trim().to_ascii_lowercase().as_str(),
        "0" | "false" | "no" | "off"
    )
}

fn truthy(v: &str) -> bool {
    matches!(
        v.trim().trim_matches('"').to_ascii_lowercase().as_str(),
        "1" | "true" | "yes" | "on"
    )
}

/// The option that disables verification, if the command has one.
pub fn disables_signatures(cmd: &Command) -> Option<String> {
    let flag = |names: &[&str]| {
        cmd.args
            .iter()
            .find(|a| names.contains(&a.split_once('=').map_or(a.as_str(), |(n, _)| n)))
            .cloned()
    };
    match cmd.program.as_str() {
        "apk" => flag(&["--allow-untrusted"]),
        "apt-get" | "apt" | "aptitude" => flag(&[
            "--allow-unauthenticated",
            "--force-yes",
            "--allow-insecure-repositories",
        ])
        .or_else(|| {
            cmd.option_values(&["-o", "--option"])
                .into_iter()
                .find_map(|o| {
                    let (k, v) = o.split_once('=')?;
                    let k = k.to_ascii_lowercase();
                    ((k.ends_with("allowunauthenticated")
                        || k.ends_with("allowinsecurerepositories")
                        || k.ends_with("force-yes"))
                        && truthy(v))
                    .then(|| format!("-o {o}"))
                })
        }),
        "yum" | "dnf" | "tdnf" | "microdnf" | "yum-config-manager" => flag(&["--nogpgcheck"])
            .or_else(|| {
                cmd.option_values(&["--setopt"]).into_iter().find_map(|o| {
                    let (k, v) = o.split_once('=')?;
                    (k.rsplit('.').next() == Some("gpgcheck") && falsy(v))
                        .then(|| format!("--setopt={o}"))
                })
            }),
        "rpm" => flag(&[
            "--nosignature",
            "--nodigest",
            "--nofiledigest",
            "--noverify",
        ]),
        "zypper" => flag(&["--no-gpg-checks", "--no-gpg-check"]),
        "echo" | "printf" | "tee" | "sed" => cmd.args.iter().find_map(|a| {
            let compact: String = a.chars().filter(|c| !c.is_whitespace()).collect();
            let lower = compact.to_ascii_lowercase();
            if lower.contains("[trusted=yes]") || lower.contains("trusted=yes]") {
                Some("[trusted=yes]".to_string())
            } else if lower.contains("gpgcheck=0") || lower.contains("gpgcheck=false") {
                Some("gpgcheck=0".to_string())
            } else if lower.contains("allowunauthenticated\"true\"")
                || lower.contains("allowunauthenticated\"1\"")
            {
                Some("APT::Get::AllowUnauthenticated \"true\"".to_string())
            } else {
                None
            }
        }),
        _ => None,
    }
}

impl Check for PackageSignatureOff {
    fn check_dockerfile(&self, df: &Dockerfile, cx: &Context, out: &mut Sink) {
        let path = &cx.corpus.file(df.file).path;
        for (i, ins, cmds) in run_commands(df) {
            for (n, cmd) in cmds.iter().enumerate() {
                let Some(opt) = disables_signatures(cmd) else {
                    continue;
                };
                let what = if cmd.is(&["echo", "printf", "tee", "sed"]) {
                    format!("writes a package repository setting `{opt}` that turns off signature checks")
                } else {
                    format!(
                        "runs `{}` with `{opt}`, which turns off package signature checks",
                        cmd.program
                    )
                };
                on_dockerfile(
                    out,
                    cx.corpus,
                    df,
                    ins.loc,
                    format!("a `RUN` step in `{path}` {what}"),
                )
                .key_part(format!("run{i}:{n}"));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::cicd::shell::commands;

    fn hit(s: &str) -> bool {
        commands(s).iter().any(|c| disables_signatures(c).is_some())
    }

    #[test]
    fn options() {
        assert!(hit("apk --allow-untrusted add python3"));
        assert!(hit("apt-get install python3 --force-yes"));
        assert!(hit(
            "apt-get -o APT::Get::AllowUnauthenticated=true install x"
        ));
        assert!(hit(
            "echo \"prodsec\" && dnf --nogpgcheck -y install python3"
        ));
        assert!(hit("dnf install -y --setopt=*.gpgcheck=0 x"));
        assert!(hit("rpm -i --nofiledigest python3.rpm"));
        assert!(hit(
            "echo 'deb [trusted=yes] http://repo.example/ ./' > /etc/apt/sources.list.d/x.list"
        ));
        assert!(hit(
            "sed -i 's/gpgcheck=1/gpgcheck=0/' /etc/yum.repos.d/x.repo"
        ));
        assert!(!hit("apk add a-handbag | grep \"--allow-untrusted\""));
        assert!(!hit("apt-get update &&\\\n echo \"--force-yes\""));
        assert!(!hit("rpm -i python3.rpm && rpm -V python3"));
        assert!(!hit("dnf install -y --setopt=install_weak_deps=False x"));
    }
}
