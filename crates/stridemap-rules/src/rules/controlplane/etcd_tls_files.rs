use super::util::{invocations, Component};
use crate::{Check, Context, Sink};
use stridemap_model::k8s::Workload;

declare_rule! {
    /// ## What it does
    /// Flags `etcd` without both `--cert-file` and `--key-file`, the certificate it serves
    /// clients with.
    ///
    /// ## Why is this bad?
    /// Without a serving certificate etcd talks to clients, the API server among them, in
    /// plain text. All cluster state crosses that link: Secrets, tokens and every object
    /// written through the API. Anyone on the path can read it, and without TLS there is no
    /// client certificate authentication either.
    ///
    /// ## Example
    /// ```yaml
    /// command:
    ///   - etcd
    ///   - --listen-client-urls=http://0.0.0.0:2379
    ///   - --cert-file=/etc/kubernetes/pki/etcd/server.crt
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// command:
    ///   - etcd
    ///   - --listen-client-urls=https://0.0.0.0:2379
    ///   - --cert-file=/etc/kubernetes/pki/etcd/server.crt
    ///   - --key-file=/etc/kubernetes/pki/etcd/server.key
    /// ```
    /// Serve clients over TLS with a certificate and key, on `https://` client URLs.
    pub struct EtcdTlsFilesMissing {
        id: "CP-ETCD-TLS-FILES",
        title: "etcd serves clients without TLS",
        group: ContainerSecurity,
        stride: InformationDisclosure,
        severity: High,
        cwe: [319],
        infra: [Kubernetes],
        equivalents: ["CKV_K8S_116", "kics:075ca296-6768-4322-aea2-ba5063b969a9"],
        attack_scenario: "An attacker who captures traffic between the API server and etcd reads Secrets as they are written, since the client connection carries no TLS.",
        mitigation: "Start etcd with `--cert-file` and `--key-file` and https client URLs.",
    }
}

const FLAGS: &[&str] = &["cert-file", "key-file"];

impl Check for EtcdTlsFilesMissing {
    fn check_workload(&self, w: &Workload, _cx: &Context, out: &mut Sink) {
        for inv in invocations(w, &[Component::Etcd]) {
            inv.report_missing(out, w, FLAGS, "clients reach it without TLS");
        }
    }
}
