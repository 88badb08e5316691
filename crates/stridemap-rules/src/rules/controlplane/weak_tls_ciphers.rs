use super::util::{
    config_loc, config_value, invocations, is_kubelet_config, report_config, Component,
};
use crate::{Check, Context, Sink};
use stridemap_model::k8s::{K8sObject, Workload};
use stridemap_model::Node;

declare_rule! {
    /// ## What it does
    /// Flags TLS cipher suite lists of the API server and kubelet that allow anything but
    /// forward-secret AEAD suites (ECDHE with AES-GCM or ChaCha20-Poly1305, and the TLS 1.3
    /// suites). Also flags `kube-apiserver` without `--tls-cipher-suites` and
    /// `KubeletConfiguration` without `tlsCipherSuites`, which fall back to Go's broader
    /// default list. A kubelet command line without the flag is left to its configuration
    /// file; servers limited to TLS 1.3 are skipped.
    ///
    /// ## Why is this bad?
    /// CBC-mode suites are exposed to padding-oracle and timing attacks, RC4 and 3DES are
    /// broken, and suites with static RSA key exchange let anyone who later obtains the
    /// server key decrypt recorded traffic. The API server and kubelet carry tokens and
    /// Secrets, so a downgrade to one of these suites exposes the most sensitive traffic in
    /// the cluster.
    ///
    /// ## Example
    /// ```yaml
    /// command:
    ///   - kube-apiserver
    ///   - --tls-cipher-suites=TLS_RSA_WITH_AES_128_CBC_SHA,TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// command:
    ///   - kube-apiserver
    ///   - --tls-cipher-suites=TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305,TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305
    /// ```
    /// List only ECDHE suites with GCM or ChaCha20-Poly1305, or require TLS 1.3.
    pub struct WeakTlsCiphers {
        id: "CP-WEAK-TLS-CIPHERS",
        title: "Weak TLS cipher suites allowed",
        group: ContainerSecurity,
        stride: InformationDisclosure,
        severity: Medium,
        cwe: [326, 327],
        infra: [Kubernetes],
        equivalents: [
            "CKV_K8S_105",
            "CKV_K8S_151",
            "kics:510d5810-9a30-443a-817d-5c1fa527b110",
        ],
        attack_scenario: "An attacker on the network path forces a connection to the API server down to a CBC or static-RSA suite and, over many requests, recovers bearer tokens from the traffic.",
        mitigation: "Set `--tls-cipher-suites` (or `tlsCipherSuites`) to ECDHE suites with AES-GCM or ChaCha20-Poly1305 only, or `--tls-min-version=VersionTLS13`.",
    }
}

const STRONG: &[&str] = &[
    "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
    "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
    "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305",
    "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305",
    "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
    "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
    "TLS_AES_128_GCM_SHA256",
    "TLS_AES_256_GCM_SHA384",
    "TLS_CHACHA20_POLY1305_SHA256",
];

fn weak<'s>(suites: impl IntoIterator<Item = &'s str>) -> Vec<&'s str> {
    suites
        .into_iter()
        .map(str::trim)
        .filter(|s| !STRONG.contains(s))
        .collect()
}

impl Check for WeakTlsCiphers {
    fn check_workload(&self, w: &Workload, _cx: &Context, out: &mut Sink) {
        for inv in invocations(w, &[Component::ApiServer, Component::Kubelet]) {
            if inv.value("tls-min-version") == Some("VersionTLS13") {
                continue;
            }
            let suites = inv.list("tls-cipher-suites");
            let what = if suites.is_empty() {
                if inv.component != Component::ApiServer {
                    continue;
                }
                "does not set `--tls-cipher-suites`, so Go's default list with CBC suites is accepted".to_string()
            } else {
                let bad = weak(suites.iter().map(String::as_str));
                if bad.is_empty() {
                    continue;
                }
                format!("allows weak TLS cipher suites: {}", bad.join(", "))
            };
            inv.report(
                out,
                w,
                inv.loc_of("tls-cipher-suites"),
                format!("{} {what}", inv.describe(w)),
            );
        }
    }

    fn check_object(&self, o: &K8sObject, _cx: &Context, out: &mut Sink) {
        if !is_kubelet_config(o) {
            return;
        }
        if config_value(o, &["tlsMinVersion"]).and_then(Node::as_str) == Some("VersionTLS13") {
            return;
        }
        let path = ["tlsCipherSuites"];
        let what = match config_value(o, &path) {
            None => {
                "does not set tlsCipherSuites, so Go's default list with CBC suites is accepted"
                    .to_string()
            }
            Some(list) => {
                let bad = weak(list.strings().into_iter().map(|(s, _)| s));
                if bad.is_empty() {
                    return;
                }
                format!("allows weak TLS cipher suites: {}", bad.join(", "))
            }
        };
        report_config(
            out,
            o,
            config_loc(o, &path),
            format!("{} {what}", o.resource_id()),
        );
    }
}
