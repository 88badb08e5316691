use crate::helpers::on_dockerfile;
use crate::{Check, Context, Sink};
use stridemap_model::dockerfile::{Detail, Dockerfile};

declare_rule! {
    /// ## What it does
    /// Flags `ADD` instructions that download a source from an `http://` or `https://` URL
    /// without an integrity check. `ADD --checksum=sha256:…`, which makes the builder verify
    /// the download, is accepted.
    ///
    /// ## Why is this bad?
    /// `ADD <url>` fetches whatever the server returns at build time and writes it into the
    /// image with no verification: a compromised download host, a hijacked domain or (over
    /// plain HTTP) anyone on the network path can substitute the file. Because the fetch is
    /// hidden in `ADD`, reviewers also tend to overlook that the build reaches out to the
    /// internet at all.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM debian:12.5-slim
    /// ADD https://downloads.example.org/tool/tool-2.1.tar.gz /opt/
    /// ```
    ///
    /// ## Use instead
    /// ```dockerfile
    /// FROM debian:12.5-slim
    /// ADD --checksum=sha256:5d41402abc4b2a76b9719d911017c592ae2f1a1b1b1e6f0d0c3c2b1a09f8e7d6 \
    ///     https://downloads.example.org/tool/tool-2.1.tar.gz /opt/
    /// ```
    /// Pin the expected hash with `--checksum`, or download with `curl` and check the file
    /// with `sha256sum -c` (or a signature) in the same `RUN`.
    pub struct AddRemoteUrl {
        id: "DKR-ADD-REMOTE-URL",
        title: "ADD downloads a remote file without verification",
        group: CiCdPipeline,
        stride: Tampering,
        severity: Medium,
        cwe: [494, 829],
        infra: [Docker],
        equivalents: ["kics:4b410d24-1cbe-4430-a632-62c9a931cf1c"],
        attack_scenario: "An attacker who controls the download server, its DNS name or the network between it and the CI runner serves a trojanised archive; `ADD` copies it into the image unverified and it ships with the next release.",
        mitigation: "Give `ADD` a `--checksum=sha256:…` of the expected file, or fetch it with `curl`/`wget` in a `RUN` that verifies a checksum or signature before using it.",
    }
}

fn is_remote(source: &str) -> bool {
    let lower = source.trim().to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://")
}

impl Check for AddRemoteUrl {
    fn check_dockerfile(&self, df: &Dockerfile, cx: &Context, out: &mut Sink) {
        let path = &cx.corpus.file(df.file).path;
        for (i, ins) in df.instructions.iter().enumerate() {
            if ins.keyword != "ADD" {
                continue;
            }
            let Detail::Copy { flags, sources, .. } = &ins.detail else {
                continue;
            };
            if flags.iter().any(|f| f.starts_with("--checksum")) {
                continue;
            }
            let Some(url) = sources.iter().find(|s| is_remote(s)) else {
                continue;
            };
            on_dockerfile(
                out,
                cx.corpus,
                df,
                ins.loc,
                format!(
                    "`ADD` in `{path}` downloads `{url}` into the image without any checksum or signature check"
                ),
            )
            .key_part(format!("add{i}"));
        }
    }
}
