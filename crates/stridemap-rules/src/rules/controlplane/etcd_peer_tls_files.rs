use super::util::{invocations, Component};
use crate::{Check, Context, Sink};
use stridemap_model::k8s::Workload;

declare_rule! {
    /// ## What it does
    /// Flags `etcd` without both `--peer-cert-file` and `--peer-key-file`, the certificate
    /// members use between themselves.
    ///
    /// ## Why is this bad?
    /// etcd members replicate the full key space to each other. Without peer TLS that stream,
    /// with every Secret in it, travels in clear text between control-plane nodes, and a
    /// machine that can reach the peer port can join or disrupt the cluster.
    ///
    /// ## Example
    /// ```yaml
    /// command:
    ///   - etcd
    ///   - --listen-peer-urls=http://10.0.0.11:2380
    ///   - --peer-cert-file=/etc/kubernetes/pki/etcd/peer.crt
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// command:
    ///   - etcd
    ///   - --listen-peer-urls=https://10.0.0.11:2380
    ///   - --peer-cert-file=/etc/kubernetes/pki/etcd/peer.crt
    ///   - --peer-key-file=/etc/kubernetes/pki/etcd/peer.key
    /// ```
    /// Give every member a peer certificate and key, and use `https://` peer URLs.
    pub struct EtcdPeerTlsFilesMissing {
        id: "CP-ETCD-PEER-TLS-FILES",
        title: "etcd members replicate without TLS",
        group: ContainerSecurity,
        stride: InformationDisclosure,
        severity: Medium,
        cwe: [319],
        infra: [Kubernetes],
        equivalents: ["CKV_K8S_119", "kics:09bb9e96-8da3-4736-b89a-b36814acca60"],
        attack_scenario: "An attacker on the control-plane network captures etcd's peer replication traffic and reconstructs every Secret written to the cluster.",
        mitigation: "Start etcd with `--peer-cert-file` and `--peer-key-file` and https peer URLs.",
    }
}

const FLAGS: &[&str] = &["peer-cert-file", "peer-key-file"];

impl Check for EtcdPeerTlsFilesMissing {
    fn check_workload(&self, w: &Workload, _cx: &Context, out: &mut Sink) {
        for inv in invocations(w, &[Component::Etcd]) {
            inv.report_missing(out, w, FLAGS, "members replicate data without TLS");
        }
    }
}
