use super::util::{invocations, Component};
use crate::{Check, Context, Sink};
use stridemap_model::k8s::Workload;

declare_rule! {
    /// ## What it does
    /// Flags `kube-apiserver` whose `--audit-log-maxbackup` (how many rotated audit log files are kept) is missing, not a number
    /// or below 10. Audit logs written to standard output (`--audit-log-path=-`) are skipped.
    ///
    /// ## Why is this bad?
    /// A busy API server rotates its audit log often. When only a handful of old files are
    /// kept, a burst of requests (from a noisy controller, or from an attacker who floods the
    /// API on purpose) pushes the interesting entries out within hours. Without the flag,
    /// rotation keeps every file and the node's disk fills instead. Keep at least 10 files.
    ///
    /// ## Example
    /// ```yaml
    /// command:
    ///   - kube-apiserver
    ///   - --audit-log-path=/var/log/kubernetes/audit/audit.log
    ///   - --audit-log-maxbackup=3
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// command:
    ///   - kube-apiserver
    ///   - --audit-log-path=/var/log/kubernetes/audit/audit.log
    ///   - --audit-log-maxbackup=10
    /// ```
    /// Set `--audit-log-maxbackup` to 10 files or more.
    pub struct AuditLogMaxBackup {
        id: "CP-AUDIT-LOG-MAXBACKUP",
        title: "Too few rotated audit log files kept",
        group: ContainerSecurity,
        stride: Repudiation,
        severity: Low,
        cwe: [778],
        infra: [Kubernetes],
        equivalents: ["CKV_K8S_93", "kics:768aab52-2504-4a2f-a3e3-329d5a679848"],
        attack_scenario: "An attacker generates thousands of harmless list requests right after reading Secrets; the audit log rotates through its few backup files and the entries that show the Secret reads are overwritten.",
        mitigation: "Set `--audit-log-maxbackup=10` (or higher) on kube-apiserver and forward audit logs to central storage.",
    }
}

const MINIMUM: i64 = 10;

impl Check for AuditLogMaxBackup {
    fn check_workload(&self, w: &Workload, _cx: &Context, out: &mut Sink) {
        for inv in invocations(w, &[Component::ApiServer]) {
            if inv.value("audit-log-path") == Some("-") {
                continue;
            }
            let what = match inv.value("audit-log-maxbackup") {
                None => "does not set `--audit-log-maxbackup`".to_string(),
                Some(v) => match v.parse::<i64>() {
                    Ok(n) if n >= MINIMUM => continue,
                    _ => format!("sets `--audit-log-maxbackup={v}`"),
                },
            };
            inv.report(out, w, inv.loc_of("audit-log-maxbackup"), format!("{} {what}; how many rotated audit log files are kept should be at least {MINIMUM} files", inv.describe(w)));
        }
    }
}
