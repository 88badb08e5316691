use super::util::{invocations, Component};
use crate::{Check, Context, Sink};
use stridemap_model::k8s::Workload;

declare_rule! {
    /// ## What it does
    /// Flags `etcd` started with `--peer-auto-tls=true`, which makes it generate a self-signed
    /// certificate for the certificates etcd members present to each other.
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
    ///   - --peer-auto-tls=true
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// command:
    ///   - etcd
    ///   - --peer-cert-file=/etc/kubernetes/pki/etcd/peer.crt
    ///   - --peer-key-file=/etc/kubernetes/pki/etcd/peer.key
    /// ```
    /// Drop `--peer-auto-tls` and give each member a peer certificate signed by the etcd CA.
    pub struct EtcdPeerAutoTls {
        id: "CP-ETCD-PEER-AUTO-TLS",
        title: "etcd peers use self-signed certificates",
        group: ContainerSecurity,
        stride: Spoofing,
        severity: Medium,
        cwe: [295],
        infra: [Kubernetes],
        equivalents: ["kics:ae8827e2-4af9-4baa-9998-87539ae0d6f0"],
        attack_scenario: "With auto-generated peer certificates nobody verifies who a peer is; an attacker who reaches the peer port joins the conversation as a member and receives the replicated Secrets.",
        mitigation: "Remove `--peer-auto-tls=true` and configure `--peer-cert-file`/`--peer-key-file` signed by the etcd CA.",
    }
}

impl Check for EtcdPeerAutoTls {
    fn check_workload(&self, w: &Workload, _cx: &Context, out: &mut Sink) {
        for inv in invocations(w, &[Component::Etcd]) {
            if inv.bool_value("peer-auto-tls") == Some(true) {
                inv.report(out, w, inv.loc_of("peer-auto-tls"), format!("{} uses self-signed certificates for the certificates etcd members present to each other (`--peer-auto-tls=true`)", inv.describe(w)));
            }
        }
    }
}
