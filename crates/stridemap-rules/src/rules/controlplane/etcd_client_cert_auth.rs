use super::util::{invocations, Component};
use crate::{Check, Context, Sink};
use stridemap_model::k8s::Workload;

declare_rule! {
    /// ## What it does
    /// Flags `etcd` without `--client-cert-auth=true` (the default is `false`).
    ///
    /// ## Why is this bad?
    /// etcd holds the entire cluster state. Without client certificate authentication any
    /// process that can open a connection to its client port can read every Secret and
    /// rewrite any object, RBAC bindings included, without the API server ever seeing the
    /// request.
    ///
    /// ## Example
    /// ```yaml
    /// command:
    ///   - etcd
    ///   - --client-cert-auth=false
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// command:
    ///   - etcd
    ///   - --client-cert-auth=true
    /// ```
    /// Turn the flag on and make sure the matching trusted CA file is set.
    pub struct EtcdClientCertAuth {
        id: "CP-ETCD-CLIENT-CERT-AUTH",
        title: "etcd does not authenticate clients",
        group: ContainerSecurity,
        stride: InformationDisclosure,
        severity: Critical,
        cwe: [306],
        infra: [Kubernetes],
        equivalents: ["CKV_K8S_117", "kics:9391103a-d8d7-4671-ac5d-606ba7ccb0ac"],
        attack_scenario: "A pod on the host network of a control-plane node connects to 127.0.0.1:2379 with etcdctl and, with no client certificate required, reads all Secrets and adds itself a cluster-admin binding.",
        mitigation: "Start etcd with `--client-cert-auth=true` and a `--trusted-ca-file`, and give the API server an etcd client certificate.",
    }
}

impl Check for EtcdClientCertAuth {
    fn check_workload(&self, w: &Workload, _cx: &Context, out: &mut Sink) {
        for inv in invocations(w, &[Component::Etcd]) {
            let how = match inv.bool_value("client-cert-auth") {
                Some(true) => continue,
                Some(false) => "sets `--client-cert-auth=false`",
                None => "does not set `--client-cert-auth=true`",
            };
            inv.report(
                out,
                w,
                inv.loc_of("client-cert-auth"),
                format!(
                    "{} {how} and accepts clients without a certificate",
                    inv.describe(w)
                ),
            );
        }
    }
}
