use super::util::{invocations, Component};
use crate::{Check, Context, Sink};
use stridemap_model::k8s::Workload;

declare_rule! {
    /// ## What it does
    /// Flags `kube-apiserver` that writes no audit log: neither `--audit-log-path` nor an
    /// audit webhook (`--audit-webhook-config-file`) is configured.
    ///
    /// ## Why is this bad?
    /// The audit log is the only record of who did what through the API: which user read a
    /// Secret, who exec'd into a pod, which token created the rogue ClusterRoleBinding. With
    /// no audit backend an intrusion leaves nothing to investigate and nobody can be held
    /// accountable for a change.
    ///
    /// ## Example
    /// ```yaml
    /// command:
    ///   - kube-apiserver
    ///   - --authorization-mode=Node,RBAC
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// command:
    ///   - kube-apiserver
    ///   - --authorization-mode=Node,RBAC
    ///   - --audit-policy-file=/etc/kubernetes/audit/policy.yaml
    ///   - --audit-log-path=/var/log/kubernetes/audit/audit.log
    /// ```
    /// Set `--audit-log-path` (or an audit webhook) together with an audit policy, and ship
    /// the log off the node.
    pub struct AuditLogMissing {
        id: "CP-AUDIT-LOG-MISSING",
        title: "API server keeps no audit log",
        group: ContainerSecurity,
        stride: Repudiation,
        severity: Medium,
        cwe: [778],
        infra: [Kubernetes],
        equivalents: ["CKV_K8S_91", "kics:73e251f0-363d-4e53-86e2-0a93592437eb"],
        attack_scenario: "An attacker uses a stolen token to read Secrets and add a ClusterRoleBinding for later; with no audit log, the responders cannot tell which credential was used, what was read or when it started.",
        mitigation: "Start kube-apiserver with `--audit-log-path` (or `--audit-webhook-config-file`) and `--audit-policy-file`.",
    }
}

impl Check for AuditLogMissing {
    fn check_workload(&self, w: &Workload, _cx: &Context, out: &mut Sink) {
        for inv in invocations(w, &[Component::ApiServer]) {
            if !inv.has_value("audit-log-path") && !inv.has_value("audit-webhook-config-file") {
                inv.report(out, w, inv.loc_of("audit-log-path"), format!("{} has no audit backend (`--audit-log-path` or `--audit-webhook-config-file`), so API activity is not recorded", inv.describe(w)));
            }
        }
    }
}
