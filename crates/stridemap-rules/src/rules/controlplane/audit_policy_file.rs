use super::util::{invocations, Component};
use crate::{Check, Context, Sink};
use stridemap_model::k8s::Workload;

declare_rule! {
    /// ## What it does
    /// Flags `kube-apiserver` started without `--audit-policy-file`.
    ///
    /// ## Why is this bad?
    /// The audit policy decides which requests are recorded and in how much detail. Without
    /// one the API server records nothing, even when `--audit-log-path` is set: the log file
    /// is created and stays empty. Teams then believe they have an audit trail until the day
    /// they need it.
    ///
    /// ## Example
    /// ```yaml
    /// command:
    ///   - kube-apiserver
    ///   - --audit-log-path=/var/log/kubernetes/audit/audit.log
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// command:
    ///   - kube-apiserver
    ///   - --audit-log-path=/var/log/kubernetes/audit/audit.log
    ///   - --audit-policy-file=/etc/kubernetes/audit/policy.yaml
    /// ```
    /// Point `--audit-policy-file` at a policy that records at least metadata for Secrets,
    /// RBAC objects, `pods/exec` and `pods/portforward`.
    pub struct AuditPolicyMissing {
        id: "CP-AUDIT-POLICY-MISSING",
        title: "API server has no audit policy",
        group: ContainerSecurity,
        stride: Repudiation,
        severity: Medium,
        cwe: [778],
        infra: [Kubernetes],
        equivalents: ["kics:13a49a2e-488e-4309-a7c0-d6b05577a5fb"],
        attack_scenario: "After a breach the responders open the API server's audit log and find it empty: with no policy file, no request was ever recorded, so the attacker's actions cannot be reconstructed.",
        mitigation: "Start kube-apiserver with `--audit-policy-file` pointing at an audit Policy, together with an audit backend.",
    }
}

impl Check for AuditPolicyMissing {
    fn check_workload(&self, w: &Workload, _cx: &Context, out: &mut Sink) {
        for inv in invocations(w, &[Component::ApiServer]) {
            if !inv.has_value("audit-policy-file") {
                inv.report(out, w, inv.loc_of("audit-policy-file"), format!("{} has no `--audit-policy-file`, so no request is recorded in the audit log", inv.describe(w)));
            }
        }
    }
}
