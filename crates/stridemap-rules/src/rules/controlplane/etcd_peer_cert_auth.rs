use super::util::{invocations, Component};
use crate::{Check, Context, Sink};
use stridemap_model::k8s::Workload;

declare_rule! {
    /// ## What it does
    /// Flags `etcd` without `--peer-client-cert-auth=true` (the default is `false`).
    ///
    /// ## Why is this bad?
    /// Without peer certificate authentication any machine that reaches the peer port can
    /// talk to the cluster as if it were a member: receive the replicated key space, Secrets
    /// included, or disrupt leader election.
    ///
    /// ## Example
    /// ```yaml
    /// command:
    ///   - etcd
    ///   - --peer-client-cert-auth=false
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// command:
    ///   - etcd
    ///   - --peer-client-cert-auth=true
    /// ```
    /// Turn the flag on and make sure the matching trusted CA file is set.
    pub struct EtcdPeerCertAuth {
        id: "CP-ETCD-PEER-CERT-AUTH",
        title: "etcd does not authenticate peers",
        group: ContainerSecurity,
        stride: Spoofing,
        severity: High,
        cwe: [306],
        infra: [Kubernetes],
        equivalents: ["CKV_K8S_121", "kics:b7d0181d-0a9b-4611-9d1c-1ad4f0b620ff"],
        attack_scenario: "An attacker on the control-plane network connects to etcd's peer port 2380 posing as a member and receives the replication stream with every Secret in it.",
        mitigation: "Start etcd with `--peer-client-cert-auth=true` and a `--peer-trusted-ca-file`.",
    }
}

impl Check for EtcdPeerCertAuth {
    fn check_workload(&self, w: &Workload, _cx: &Context, out: &mut Sink) {
        for inv in invocations(w, &[Component::Etcd]) {
            let how = match inv.bool_value("peer-client-cert-auth") {
                Some(true) => continue,
                Some(false) => "sets `--peer-client-cert-auth=false`",
                None => "does not set `--peer-client-cert-auth=true`",
            };
            inv.report(
                out,
                w,
                inv.loc_of("peer-client-cert-auth"),
                format!(
                    "{} {how} and accepts peers without a certificate",
                    inv.describe(w)
                ),
            );
        }
    }
}
