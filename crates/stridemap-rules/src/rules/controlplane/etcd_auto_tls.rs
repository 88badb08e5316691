use super::util::{invocations, Component};
use crate::{Check, Context, Sink};
use stridemap_model::k8s::Workload;

declare_rule! {
    /// ## What it does
    /// Flags `etcd` started with `--auto-tls=true`, which makes it generate a self-signed
    /// certificate for the certificate etcd presents to its clients.
    ///
    /// ## Why is this bad?
    /// A generated certificate is not signed by any CA the other side knows, so nobody can
    /// verify it: connections are encrypted but unauthenticated, and the other side has to be
    /// configured to trust any certificate. Whoever can intercept or redirect the traffic can
    /// pose as the etcd member and read or alter the cluster state that passes through.
    ///
    /// ## Example
    /// ```yaml
    /// command:
    ///   - etcd
    ///   - --auto-tls=true
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// command:
    ///   - etcd
    ///   - --cert-file=/etc/kubernetes/pki/etcd/server.crt
    ///   - --key-file=/etc/kubernetes/pki/etcd/server.key
    /// ```
    /// Drop `--auto-tls` and serve a certificate signed by the etcd CA.
    pub struct EtcdAutoTls {
        id: "CP-ETCD-AUTO-TLS",
        title: "etcd serves clients with a self-signed certificate",
        group: ContainerSecurity,
        stride: Spoofing,
        severity: Medium,
        cwe: [295],
        infra: [Kubernetes],
        equivalents: ["CKV_K8S_118", "kics:98ce8b81-7707-4734-aa39-627c6db3d84b"],
        attack_scenario: "Clients of an etcd using auto-generated certificates cannot verify it and are set to skip verification; an attacker who redirects the etcd address impersonates it and receives every write from the API server.",
        mitigation: "Remove `--auto-tls=true` and configure `--cert-file`/`--key-file` signed by the etcd CA.",
    }
}

impl Check for EtcdAutoTls {
    fn check_workload(&self, w: &Workload, _cx: &Context, out: &mut Sink) {
        for inv in invocations(w, &[Component::Etcd]) {
            if inv.bool_value("auto-tls") == Some(true) {
                inv.report(out, w, inv.loc_of("auto-tls"), format!("{} uses self-signed certificates for the certificate etcd presents to its clients (`--auto-tls=true`)", inv.describe(w)));
            }
        }
    }
}
