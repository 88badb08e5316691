use super::util::{tls_compose, tls_dockerfile, tls_workload, TlsConcern, TlsHit};
use crate::{Check, Context, Sink};
use stridemap_model::compose::{ComposeFile, ComposeService};
use stridemap_model::dockerfile::Dockerfile;
use stridemap_model::k8s::Workload;

declare_rule! {
    /// ## What it does
    /// Flags environment settings that switch off certificate verification for a whole
    /// language runtime: `NODE_TLS_REJECT_UNAUTHORIZED=0` (Node.js) and `PYTHONHTTPSVERIFY=0`
    /// (Python's default HTTPS context). It reads Dockerfile `ENV`/`ARG` values and variables
    /// set in `RUN`/`CMD`/`ENTRYPOINT` commands, Kubernetes container `env`, and Compose
    /// `environment` and commands.
    ///
    /// ## Why is this bad?
    /// These variables make every outgoing TLS connection of the process accept any
    /// certificate — calls to other services, databases, identity providers and third-party
    /// APIs alike. An attacker who can redirect traffic inside the cluster (ARP or DNS
    /// spoofing, a compromised neighbour pod) impersonates those peers, reads the tokens and
    /// data sent to them, and returns forged answers.
    ///
    /// ## Example
    /// ```yaml
    /// containers:
    ///   - name: gateway
    ///     image: registry.example.com/gateway:4.0.3
    ///     env:
    ///       - name: NODE_TLS_REJECT_UNAUTHORIZED
    ///         value: "0"
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// containers:
    ///   - name: gateway
    ///     image: registry.example.com/gateway:4.0.3
    ///     env:
    ///       - name: NODE_EXTRA_CA_CERTS
    ///         value: /etc/ssl/internal/ca.pem
    /// ```
    /// Give the runtime the internal CA (`NODE_EXTRA_CA_CERTS`, `SSL_CERT_FILE`,
    /// `REQUESTS_CA_BUNDLE`) instead of turning verification off.
    pub struct TlsRuntimeVerifyOff {
        id: "TLS-RUNTIME-VERIFY-OFF",
        title: "Runtime-wide TLS certificate verification disabled",
        group: ServiceToService,
        stride: Spoofing,
        severity: High,
        cwe: [295],
        infra: [Docker, Kubernetes, Compose],
        equivalents: ["CKV2_DOCKER_5", "CKV2_DOCKER_6"],
        attack_scenario: "A pod compromised by the attacker answers ARP or DNS for the payments API; the Node.js service, running with NODE_TLS_REJECT_UNAUTHORIZED=0, accepts the attacker's self-signed certificate and sends it card data and bearer tokens.",
        mitigation: "Remove the variable; mount the internal CA and point the runtime at it (NODE_EXTRA_CA_CERTS, SSL_CERT_FILE), or use mTLS through a service mesh.",
    }
}

fn consequence(h: &TlsHit) -> String {
    format!(
        "turns off certificate checks for every TLS connection {} makes, so any peer can be impersonated",
        h.tool
    )
}

impl Check for TlsRuntimeVerifyOff {
    fn check_dockerfile(&self, df: &Dockerfile, cx: &Context, out: &mut Sink) {
        tls_dockerfile(TlsConcern::Runtime, df, cx, out, consequence);
    }

    fn check_workload(&self, w: &Workload, _cx: &Context, out: &mut Sink) {
        tls_workload(TlsConcern::Runtime, w, out, consequence);
    }

    fn check_compose_service(
        &self,
        compose: &ComposeFile,
        service: &ComposeService,
        _cx: &Context,
        out: &mut Sink,
    ) {
        tls_compose(TlsConcern::Runtime, compose, service, out, consequence);
    }
}
