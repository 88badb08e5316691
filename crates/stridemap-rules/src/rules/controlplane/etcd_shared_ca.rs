use super::util::{invocations, Component};
use crate::{Check, Context, Sink};

declare_rule! {
    /// ## What it does
    /// Compares the manifests of the repository and flags `etcd` whose `--trusted-ca-file`
    /// is the same file as an API server's `--client-ca-file`.
    ///
    /// ## Why is this bad?
    /// etcd trusts every client certificate its CA has signed. When that CA is the cluster CA,
    /// every certificate the cluster issues, kubelet client certificates, administrator
    /// certificates, anything approved through the CSR API, is also a valid etcd client
    /// certificate. Compromising any node then gives direct read and write access to etcd,
    /// around RBAC and the audit log.
    ///
    /// ## Example
    /// ```yaml
    /// # kube-apiserver
    /// - --client-ca-file=/etc/kubernetes/pki/ca.crt
    /// # etcd
    /// - --trusted-ca-file=/etc/kubernetes/pki/ca.crt
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// # kube-apiserver
    /// - --client-ca-file=/etc/kubernetes/pki/ca.crt
    /// # etcd
    /// - --trusted-ca-file=/etc/kubernetes/pki/etcd/ca.crt
    /// ```
    /// Give etcd its own CA, used only for etcd server, peer and API-server client
    /// certificates.
    pub struct EtcdSharedCa {
        id: "CP-ETCD-SHARED-CA",
        title: "etcd trusts the cluster's client CA",
        group: ContainerSecurity,
        stride: ElevationOfPrivilege,
        severity: Medium,
        cwe: [284, 295],
        infra: [Kubernetes],
        equivalents: ["kics:cb7e695d-6a85-495c-b15f-23aed2519303"],
        attack_scenario: "An attacker who takes over one worker node uses its kubelet client certificate, signed by the shared CA, to connect to etcd directly and read every Secret.",
        mitigation: "Issue etcd certificates from a dedicated CA and point etcd's `--trusted-ca-file` at it.",
    }
}

impl Check for EtcdSharedCa {
    fn check_corpus(&self, cx: &Context, out: &mut Sink) {
        let workloads: Vec<_> = cx
            .corpus
            .objects
            .iter()
            .filter_map(|o| o.workload())
            .collect();
        let mut client_cas = Vec::new();
        for w in &workloads {
            for inv in invocations(w, &[Component::ApiServer]) {
                if let Some(ca) = inv.value("client-ca-file") {
                    client_cas.push((
                        ca.to_string(),
                        w.object.file,
                        inv.loc_of("client-ca-file"),
                        w.object.resource_id(),
                    ));
                }
            }
        }
        for w in &workloads {
            for inv in invocations(w, &[Component::Etcd]) {
                let Some(ca) = inv.value("trusted-ca-file") else {
                    continue;
                };
                if let Some((_, file, loc, api)) = client_cas.iter().find(|(c, ..)| c == ca) {
                    inv.report(out, w, inv.loc_of("trusted-ca-file"), format!("{} trusts {ca}, the same CA {api} accepts client certificates from, so any cluster certificate is an etcd client certificate", inv.describe(w)))
                        .also_at(*file, *loc)
                        .resource(api.clone());
                }
            }
        }
    }
}
