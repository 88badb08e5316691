use super::util::{invocations, Component};
use crate::{Check, Context, Sink};
use stridemap_model::k8s::Workload;

declare_rule! {
    /// ## What it does
    /// Flags `kube-apiserver` without both `--etcd-certfile` and `--etcd-keyfile`.
    ///
    /// ## Why is this bad?
    /// When the API server has no client certificate for etcd, etcd must accept clients that
    /// do not authenticate, usually over plain HTTP. Anyone who reaches port 2379 can then
    /// read and write the whole cluster state directly, Secrets included, bypassing
    /// authentication, RBAC and the audit log.
    ///
    /// ## Example
    /// ```yaml
    /// command:
    ///   - kube-apiserver
    ///   - --etcd-servers=https://127.0.0.1:2379
    ///   - --etcd-certfile=/etc/kubernetes/pki/apiserver-etcd-client.crt
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// command:
    ///   - kube-apiserver
    ///   - --etcd-servers=https://127.0.0.1:2379
    ///   - --etcd-certfile=/etc/kubernetes/pki/apiserver-etcd-client.crt
    ///   - --etcd-keyfile=/etc/kubernetes/pki/apiserver-etcd-client.key
    /// ```
    /// Give the API server a client certificate and key for etcd, and make etcd require client certificates.
    pub struct EtcdClientCertMissing {
        id: "CP-ETCD-CLIENT-CERT-MISSING",
        title: "API server has no client certificate for etcd",
        group: ContainerSecurity,
        stride: InformationDisclosure,
        severity: High,
        cwe: [306, 319],
        infra: [Kubernetes],
        equivalents: ["CKV_K8S_99", "kics:895a5a95-3756-4b04-9924-2f3bc93181bd"],
        attack_scenario: "Because the API server connects without a client certificate, etcd accepts anonymous clients; an attacker who reaches port 2379 from a compromised node dumps every Secret with etcdctl.",
        mitigation: "Set both `--etcd-certfile` and `--etcd-keyfile` on kube-apiserver and `--client-cert-auth=true` on etcd.",
    }
}

const FLAGS: &[&str] = &["etcd-certfile", "etcd-keyfile"];

impl Check for EtcdClientCertMissing {
    fn check_workload(&self, w: &Workload, _cx: &Context, out: &mut Sink) {
        for inv in invocations(w, &[Component::ApiServer]) {
            inv.report_missing(out, w, FLAGS, "etcd cannot require authenticated clients");
        }
    }
}
