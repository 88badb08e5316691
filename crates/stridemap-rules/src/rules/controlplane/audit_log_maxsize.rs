use super::util::{invocations, Component};
use crate::{Check, Context, Sink};
use stridemap_model::k8s::Workload;

declare_rule! {
    /// ## What it does
    /// Flags `kube-apiserver` whose `--audit-log-maxsize` (the size in megabytes at which the audit log is rotated) is missing, not a number
    /// or below 100. Audit logs written to standard output (`--audit-log-path=-`) are skipped.
    ///
    /// ## Why is this bad?
    /// The size limit and the number of backups together bound how much audit history stays
    /// on the node. Small files rotate quickly and shrink that window to minutes on a busy
    /// control plane. Without the flag the rotation size is whatever the logging library
    /// picks, not a decision written down next to the backup count; set it explicitly to
    /// 100 MB or more.
    ///
    /// ## Example
    /// ```yaml
    /// command:
    ///   - kube-apiserver
    ///   - --audit-log-path=/var/log/kubernetes/audit/audit.log
    ///   - --audit-log-maxsize=10
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// command:
    ///   - kube-apiserver
    ///   - --audit-log-path=/var/log/kubernetes/audit/audit.log
    ///   - --audit-log-maxsize=100
    /// ```
    /// Set `--audit-log-maxsize` to 100 MB or more.
    pub struct AuditLogMaxSize {
        id: "CP-AUDIT-LOG-MAXSIZE",
        title: "Audit log files rotated too small",
        group: ContainerSecurity,
        stride: Repudiation,
        severity: Low,
        cwe: [778],
        infra: [Kubernetes],
        equivalents: ["CKV_K8S_94", "kics:35c0a471-f7c8-4993-aa2c-503a3c712a66"],
        attack_scenario: "Audit files rotated every few megabytes leave only minutes of history on a busy control plane; the requests that created a backdoor ClusterRoleBinding are rotated away before anyone looks.",
        mitigation: "Set `--audit-log-maxsize=100` (or higher) on kube-apiserver and forward audit logs to central storage.",
    }
}

const MINIMUM: i64 = 100;

impl Check for AuditLogMaxSize {
    fn check_workload(&self, w: &Workload, _cx: &Context, out: &mut Sink) {
        for inv in invocations(w, &[Component::ApiServer]) {
            if inv.value("audit-log-path") == Some("-") {
                continue;
            }
            let what = match inv.value("audit-log-maxsize") {
                None => "does not set `--audit-log-maxsize`".to_string(),
                Some(v) => match v.parse::<i64>() {
                    Ok(n) if n >= MINIMUM => continue,
                    _ => format!("sets `--audit-log-maxsize={v}`"),
                },
            };
            inv.report(out, w, inv.loc_of("audit-log-maxsize"), format!("{} {what}; the size in megabytes at which the audit log is rotated should be at least {MINIMUM} MB", inv.describe(w)));
        }
    }
}
