use super::util::{tls_compose, tls_dockerfile, tls_workload, TlsConcern, TlsHit};
use crate::{Check, Context, Sink};
use stridemap_model::compose::{ComposeFile, ComposeService};
use stridemap_model::dockerfile::Dockerfile;
use stridemap_model::k8s::Workload;

declare_rule! {
    /// ## What it does
    /// Flags command-line clients told to accept any certificate: `curl -k`/`--insecure`
    /// (also inside option clusters such as `-fsSLk`), `wget --no-check-certificate`,
    /// `kubectl`/`etcdctl --insecure-skip-tls-verify`, `aws --no-verify-ssl`, HTTPie
    /// `--verify=no`, and `insecure` written into `.curlrc` or `check_certificate = off` into
    /// `wgetrc`. It reads Dockerfile `RUN`/`CMD`/`ENTRYPOINT`/`HEALTHCHECK` steps, container
    /// commands, probes and hooks, and Compose commands and healthchecks. Calls that only
    /// reach `localhost` are ignored.
    ///
    /// ## Why is this bad?
    /// Without certificate verification, TLS still encrypts but no longer proves who is on the
    /// other end. Anyone on the path — a compromised proxy, a poisoned DNS answer, a rogue pod
    /// — can answer instead of the real server: hand back a tampered binary or script that is
    /// then built into the image or executed, or collect the credentials the client sends.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM alpine:3.20
    /// RUN curl -fsSLk https://releases.example.com/tool-1.4.2.tar.gz | tar -xz -C /usr/local/bin
    /// ```
    ///
    /// ## Use instead
    /// ```dockerfile
    /// FROM alpine:3.20
    /// RUN apk add --no-cache ca-certificates curl \
    ///  && curl -fsSLo /tmp/tool.tgz https://releases.example.com/tool-1.4.2.tar.gz \
    ///  && echo "<sha256>  /tmp/tool.tgz" | sha256sum -c - \
    ///  && tar -xzf /tmp/tool.tgz -C /usr/local/bin
    /// ```
    /// Install the CA bundle (or the private CA with `--cacert`) instead of disabling checks,
    /// and pin a checksum for downloaded artefacts.
    pub struct TlsClientVerifyOff {
        id: "TLS-CLIENT-VERIFY-OFF",
        title: "Command-line client skips certificate verification",
        group: ServiceToService,
        stride: Tampering,
        severity: High,
        cwe: [295],
        infra: [Docker, Kubernetes, Compose],
        equivalents: ["CKV2_DOCKER_2", "CKV2_DOCKER_3"],
        attack_scenario: "An attacker who can intercept the build host's or pod's traffic (a malicious proxy, DNS spoofing, a compromised neighbour) serves a backdoored archive to `curl -k`; the unchecked file is installed into the image and shipped to production.",
        mitigation: "Remove `-k`/`--insecure`/`--no-check-certificate`; trust the right CA (`--cacert`, the ca-certificates package) and verify checksums or signatures of what is downloaded.",
    }
}

fn consequence(h: &TlsHit) -> String {
    format!(
        "makes {} accept any certificate, so whoever intercepts the connection can serve or read its traffic",
        h.tool
    )
}

impl Check for TlsClientVerifyOff {
    fn check_dockerfile(&self, df: &Dockerfile, cx: &Context, out: &mut Sink) {
        tls_dockerfile(TlsConcern::Client, df, cx, out, consequence);
    }

    fn check_workload(&self, w: &Workload, _cx: &Context, out: &mut Sink) {
        tls_workload(TlsConcern::Client, w, out, consequence);
    }

    fn check_compose_service(
        &self,
        compose: &ComposeFile,
        service: &ComposeService,
        _cx: &Context,
        out: &mut Sink,
    ) {
        tls_compose(TlsConcern::Client, compose, service, out, consequence);
    }
}
