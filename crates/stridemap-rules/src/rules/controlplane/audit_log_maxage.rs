use super::util::{invocations, Component};
use crate::{Check, Context, Sink};
use stridemap_model::k8s::Workload;

declare_rule! {
    /// ## What it does
    /// Flags `kube-apiserver` whose `--audit-log-maxage` (the number of days rotated audit log files are kept) is missing, not a number
    /// or below 30. Audit logs written to standard output (`--audit-log-path=-`) are skipped.
    ///
    /// ## Why is this bad?
    /// Intrusions are typically found weeks after they began. Without the flag nothing removes
    /// audit files by age, so how much history survives depends only on the backup count and
    /// on how busy the server is; with a small value files are deleted after a few days. In
    /// both cases the log that shows how the attacker got in may be gone by the time it is
    /// needed. Keep at least 30 days on the node (and longer in central storage).
    ///
    /// ## Example
    /// ```yaml
    /// command:
    ///   - kube-apiserver
    ///   - --audit-log-path=/var/log/kubernetes/audit/audit.log
    ///   - --audit-log-maxage=5
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// command:
    ///   - kube-apiserver
    ///   - --audit-log-path=/var/log/kubernetes/audit/audit.log
    ///   - --audit-log-maxage=30
    /// ```
    /// Set `--audit-log-maxage` to 30 days or more.
    pub struct AuditLogMaxAge {
        id: "CP-AUDIT-LOG-MAXAGE",
        title: "Audit log kept for too few days",
        group: ContainerSecurity,
        stride: Repudiation,
        severity: Low,
        cwe: [778],
        infra: [Kubernetes],
        equivalents: ["CKV_K8S_92", "kics:da9f3aa8-fbfb-472f-b5a1-576127944218"],
        attack_scenario: "An attacker's first API calls happened six weeks before detection; the API server kept audit files for a few days, so the evidence of the initial access was already deleted.",
        mitigation: "Set `--audit-log-maxage=30` (or higher) on kube-apiserver and forward audit logs to central storage.",
    }
}

const MINIMUM: i64 = 30;

impl Check for AuditLogMaxAge {
    fn check_workload(&self, w: &Workload, _cx: &Context, out: &mut Sink) {
        for inv in invocations(w, &[Component::ApiServer]) {
            if inv.value("audit-log-path") == Some("-") {
                continue;
            }
            let what = match inv.value("audit-log-maxage") {
                None => "does not set `--audit-log-maxage`".to_string(),
                Some(v) => match v.parse::<i64>() {
                    Ok(n) if n >= MINIMUM => continue,
                    _ => format!("sets `--audit-log-maxage={v}`"),
                },
            };
            inv.report(out, w, inv.loc_of("audit-log-maxage"), format!("{} {what}; the number of days rotated audit log files are kept should be at least {MINIMUM} days", inv.describe(w)));
        }
    }
}
