use super::util::{invocations, Component};
use crate::{Check, Context, Sink};
use stridemap_model::k8s::Workload;

declare_rule! {
    /// ## What it does
    /// Flags `kube-apiserver` without `--etcd-cafile`.
    ///
    /// ## Why is this bad?
    /// Every object the API server serves, Secrets included, comes from etcd. Without a CA to
    /// verify etcd's certificate the API server cannot tell the real etcd from an impostor: a
    /// spoofed endpoint receives all writes, including Secrets in the clear if encryption at
    /// rest is off, and can answer reads with forged RBAC bindings.
    ///
    /// ## Example
    /// ```yaml
    /// command:
    ///   - kube-apiserver
    ///   - --etcd-servers=https://127.0.0.1:2379
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// command:
    ///   - kube-apiserver
    ///   - --etcd-servers=https://127.0.0.1:2379
    ///   - --etcd-cafile=/etc/kubernetes/pki/etcd/ca.crt
    /// ```
    /// Point the flag at the CA that signs etcd's serving certificates.
    pub struct EtcdCaMissing {
        id: "CP-ETCD-CA-MISSING",
        title: "API server does not verify etcd",
        group: ContainerSecurity,
        stride: Spoofing,
        severity: High,
        cwe: [295],
        infra: [Kubernetes],
        equivalents: ["CKV_K8S_102", "kics:3f5ff8a7-5ad6-4d02-86f5-666307da1b20"],
        attack_scenario: "An attacker who can redirect traffic for the etcd address answers the API server with a fake etcd that returns a ClusterRoleBinding granting them cluster-admin.",
        mitigation: "Set `--etcd-cafile` on kube-apiserver to the etcd CA.",
    }
}

const FLAGS: &[&str] = &["etcd-cafile"];

impl Check for EtcdCaMissing {
    fn check_workload(&self, w: &Workload, _cx: &Context, out: &mut Sink) {
        for inv in invocations(w, &[Component::ApiServer]) {
            inv.report_missing(
                out,
                w,
                FLAGS,
                "the etcd server's certificate is not verified",
            );
        }
    }
}
