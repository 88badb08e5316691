use super::util::{tls_compose, tls_dockerfile, tls_workload, TlsConcern, TlsHit};
use crate::{Check, Context, Sink};
use stridemap_model::compose::{ComposeFile, ComposeService};
use stridemap_model::dockerfile::Dockerfile;
use stridemap_model::k8s::Workload;

declare_rule! {
    /// ## What it does
    /// Flags package managers, version control and registry clients configured to fetch code
    /// without checking server certificates: pip `--trusted-host` / `PIP_TRUSTED_HOST`,
    /// npm/yarn `strict-ssl false` / `NPM_CONFIG_STRICT_SSL=false`, yum/dnf `sslverify=0`,
    /// apt `Acquire::https::Verify-Peer "false"`, `apk --no-check-certificate`, git
    /// `http.sslVerify false` / `GIT_SSL_NO_VERIFY` (any value), conda `ssl_verify false`,
    /// composer `disable-tls`, Maven's `ssl.insecure`, `GOINSECURE`, Helm
    /// `--insecure-skip-tls-verify` and `--tls-verify=false` for skopeo/podman/buildah. It reads
    /// Dockerfile `ENV`/`ARG` values and commands, container environments and commands, and
    /// Compose environments and commands.
    ///
    /// ## Why is this bad?
    /// Dependencies, repositories and images are code that ends up running in production.
    /// Fetching them without verifying the server lets anyone on the network path substitute
    /// their own package, commit or chart — a supply-chain compromise that leaves no trace in
    /// the repository.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM python:3.12-slim
    /// ENV PIP_TRUSTED_HOST=pypi.org
    /// RUN pip install --trusted-host files.pythonhosted.org -r requirements.txt
    /// ```
    ///
    /// ## Use instead
    /// ```dockerfile
    /// FROM python:3.12-slim
    /// COPY corp-ca.pem /usr/local/share/ca-certificates/corp-ca.crt
    /// RUN update-ca-certificates \
    ///  && pip install --require-hashes -r requirements.txt
    /// ```
    /// Trust the proxy's CA (`PIP_CERT`, `npm config set cafile`, `git config http.sslCAInfo`)
    /// instead of disabling verification, and pin hashes of what is installed.
    pub struct TlsPackageVerifyOff {
        id: "TLS-PACKAGE-VERIFY-OFF",
        title: "Package or source fetch without certificate verification",
        group: ServiceToService,
        stride: Tampering,
        severity: High,
        cwe: [295, 494],
        infra: [Docker, Kubernetes, Compose],
        equivalents: [
            "CKV2_DOCKER_4",
            "CKV2_DOCKER_12",
            "CKV2_DOCKER_13",
            "CKV2_DOCKER_14",
            "CKV2_DOCKER_15",
            "CKV2_DOCKER_16",
        ],
        attack_scenario: "An attacker on the build network intercepts `pip install --trusted-host …` and returns a trojaned wheel; the image is built with the attacker's code and deployed everywhere the service runs.",
        mitigation: "Remove the verification-disabling option or variable; add the intercepting proxy's CA to the trust store and pin dependency hashes or signatures.",
    }
}

fn consequence(h: &TlsHit) -> String {
    format!(
        "makes {} fetch code without checking the server's certificate, so an intercepting party can substitute what gets installed",
        h.tool
    )
}

impl Check for TlsPackageVerifyOff {
    fn check_dockerfile(&self, df: &Dockerfile, cx: &Context, out: &mut Sink) {
        tls_dockerfile(TlsConcern::Package, df, cx, out, consequence);
    }

    fn check_workload(&self, w: &Workload, _cx: &Context, out: &mut Sink) {
        tls_workload(TlsConcern::Package, w, out, consequence);
    }

    fn check_compose_service(
        &self,
        compose: &ComposeFile,
        service: &ComposeService,
        _cx: &Context,
        out: &mut Sink,
    ) {
        tls_compose(TlsConcern::Package, compose, service, out, consequence);
    }
}
