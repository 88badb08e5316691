use super::util::{pipe_segments, pipelines};
use crate::helpers::on_dockerfile;
use crate::{Check, Context, Sink};
use stridemap_model::dockerfile::{Detail, Dockerfile};

declare_rule! {
    /// ## What it does
    /// Flags `RUN` instructions that download a script and execute it in one go: `curl … | sh`,
    /// `wget -qO- … | sudo bash`, `bash <(curl …)` or `sh -c "$(curl …)"`.
    ///
    /// ## Why is this bad?
    /// The script is executed as it streams in, as the build user (usually root), and nothing
    /// records what it contained. Whoever controls the URL, its DNS or a TLS-intercepting hop
    /// decides what runs inside your image, and a connection cut mid-download can even execute
    /// a truncated script.
    ///
    /// ## Example
    /// ```dockerfile
    /// RUN curl -fsSL https://get.example.dev/install.sh | bash
    /// ```
    ///
    /// ## Use instead
    /// ```dockerfile
    /// RUN curl -fsSLo /tmp/install.sh https://get.example.dev/v1.8.0/install.sh \
    ///  && echo "3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c  /tmp/install.sh" | sha256sum -c - \
    ///  && sh /tmp/install.sh && rm /tmp/install.sh
    /// ```
    /// Download a versioned script to a file, verify its checksum or signature, then run it;
    /// better still, install the tool from a package repository with signature checks.
    pub struct CurlPipeShell {
        id: "DKR-CURL-PIPE-SHELL",
        title: "Remote script piped into a shell during the build",
        group: CiCdPipeline,
        stride: Tampering,
        severity: High,
        cwe: [494, 829],
        infra: [Docker],
        equivalents: [],
        attack_scenario: "The attacker compromises the host serving the install script (or its CDN or DNS) and appends a payload; every image build that pipes it into a shell runs the payload as root and bakes the backdoor into the shipped image.",
        mitigation: "Download to a file, verify a pinned checksum or signature, and only then execute it; prefer versioned, signed packages from a package manager.",
    }
}

const FETCHERS: &[&str] = &["curl", "wget"];
const SHELLS: &[&str] = &["sh", "bash", "zsh", "dash", "ash", "ksh"];

fn base_name(word: &str) -> &str {
    word.rsplit('/').next().unwrap_or(word)
}

/// The program a pipeline segment runs, past `sudo`, `env` and their options and `VAR=value`
/// assignments.
fn program(segment: &str) -> Option<&str> {
    segment
        .split_whitespace()
        .map(|w| w.trim_matches(|c| c == '(' || c == ')'))
        .find(|w| {
            !w.is_empty()
                && !w.starts_with('-')
                && !w.contains('=')
                && !matches!(base_name(w), "sudo" | "env" | "exec" | "command" | "time")
        })
        .map(base_name)
}

fn mentions_fetcher(text: &str) -> bool {
    text.split(|c: char| c.is_whitespace() || matches!(c, '(' | ')' | '"' | '\'' | '`' | ';'))
        .any(|w| FETCHERS.contains(&base_name(w)))
}

/// Whether one simple command downloads and executes a script.
fn pipes_download_into_shell(pipeline: &str) -> bool {
    let segments = pipe_segments(pipeline);
    if let Some(first_fetch) = segments.iter().position(|s| mentions_fetcher(s)) {
        if segments[first_fetch + 1..]
            .iter()
            .any(|s| program(s).is_some_and(|p| SHELLS.contains(&p)))
        {
            return true;
        }
    }
    // `bash <(curl …)`, `sh -c "$(curl …)"`, `bash -c "`curl …`"`.
    let starts_with_shell = program(pipeline).is_some_and(|p| SHELLS.contains(&p));
    starts_with_shell
        && ["<(", "$(", "`"].iter().any(|open| {
            pipeline
                .find(open)
                .is_some_and(|i| mentions_fetcher(&pipeline[i + open.len()..]))
        })
}

impl Check for CurlPipeShell {
    fn check_dockerfile(&self, df: &Dockerfile, cx: &Context, out: &mut Sink) {
        let path = &cx.corpus.file(df.file).path;
        for (i, ins) in df.instructions.iter().enumerate() {
            if ins.keyword != "RUN" {
                continue;
            }
            let Detail::Command { text, .. } = &ins.detail else {
                continue;
            };
            if pipelines(text).iter().any(|p| pipes_download_into_shell(p)) {
                on_dockerfile(
                    out,
                    cx.corpus,
                    df,
                    ins.loc,
                    format!("a `RUN` step in `{path}` downloads a script and pipes it straight into a shell without verifying it"),
                )
                .key_part(format!("run{i}"));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fires(cmd: &str) -> bool {
        pipelines(cmd).iter().any(|p| pipes_download_into_shell(p))
    }

    #[test]
    fn detects_pipes_into_shells() {
        assert!(fires("curl -fsSL https://x.io/i.sh | sh"));
        assert!(fires(
            "apt-get update && wget -qO- https://x.io/i.sh | sudo -E bash -"
        ));
        assert!(fires(
            "curl -s https://x | tee /tmp/log | /bin/bash -s -- --yes"
        ));
        assert!(fires("bash <(curl -s https://x.io/i.sh)"));
        assert!(fires("sh -c \"$(curl -fsSL https://x.io/i.sh)\""));
        assert!(!fires("curl -SL https://x/big.tar.xz | tar -xJC /usr/src"));
        assert!(!fires(
            "curl -o /tmp/i.sh https://x && sha256sum -c sums && sh /tmp/i.sh"
        ));
        assert!(!fires("echo hi | bash"));
        assert!(!fires("bash -c 'echo $(date)'"));
    }
}
