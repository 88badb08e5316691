use super::audit_policy::{is_audit_policy, level_of, rules_loc, Level, KEY_RESOURCES};
use crate::helpers::on_object;
use crate::{Check, Context, Sink};
use stridemap_model::k8s::K8sObject;

declare_rule! {
    /// ## What it does
    /// Evaluates an audit `Policy` (`audit.k8s.io`) the way the API server does, first
    /// matching rule wins, and flags it when requests on security-relevant resources are not
    /// recorded at all: `secrets`, `configmaps`, `tokenreviews`, `pods`, `deployments`,
    /// `pods/exec`, `pods/portforward`, `pods/proxy` and `services/proxy`. Rules limited to
    /// some users, groups, verbs or namespaces do not count as covering a resource.
    ///
    /// ## Why is this bad?
    /// These are the requests an investigation needs: who read a Secret, who opened a shell in
    /// a pod or tunnelled into it, who changed a workload. A policy that leaves them out (no
    /// rule for them, or `level: None`) keeps an audit log with the interesting part missing.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: audit.k8s.io/v1
    /// kind: Policy
    /// rules:
    ///   - level: None
    ///     resources:
    ///       - group: ""
    ///         resources: ["pods/exec", "pods/portforward"]
    ///   - level: Metadata
    ///     resources:
    ///       - group: ""
    ///         resources: ["secrets", "configmaps"]
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// apiVersion: audit.k8s.io/v1
    /// kind: Policy
    /// rules:
    ///   - level: Metadata
    ///     resources:
    ///       - group: ""
    ///         resources: ["secrets", "configmaps"]
    ///       - group: authentication.k8s.io
    ///         resources: ["tokenreviews"]
    ///   - level: RequestResponse
    ///     resources:
    ///       - group: ""
    ///         resources: ["pods/exec", "pods/portforward", "pods/proxy", "services/proxy"]
    ///   - level: Metadata
    /// ```
    /// Record the sensitive resources explicitly and end the policy with a catch-all
    /// `Metadata` rule.
    pub struct AuditPolicyGaps {
        id: "CP-AUDIT-POLICY-GAPS",
        title: "Audit policy skips security-relevant requests",
        group: ContainerSecurity,
        stride: Repudiation,
        severity: Medium,
        cwe: [778],
        infra: [Kubernetes],
        equivalents: ["kics:1828a670-5957-4bc5-9974-47da228f75e2"],
        attack_scenario: "An attacker with a stolen token execs into a database pod and dumps it; the audit policy sets pods/exec to level None, so the log shows nothing of the session.",
        mitigation: "Record secrets, configmaps, tokenreviews, pods, deployments, pods/exec, pods/portforward, pods/proxy and services/proxy at Metadata level or above, and add a catch-all Metadata rule.",
    }
}

impl Check for AuditPolicyGaps {
    fn check_object(&self, o: &K8sObject, _cx: &Context, out: &mut Sink) {
        if !is_audit_policy(o) {
            return;
        }
        let mut missing = Vec::new();
        let mut at = None;
        for key in KEY_RESOURCES {
            let (level, rule) = level_of(o, key);
            if level == Level::None {
                missing.push(key.name);
                at = at.or(rule.map(|r| r.loc));
            }
        }
        if !missing.is_empty() {
            let loc = at.unwrap_or_else(|| rules_loc(o));
            on_object(
                out,
                o,
                loc,
                format!(
                    "{} does not record requests on {}",
                    o.resource_id(),
                    missing.join(", ")
                ),
            );
        }
    }
}
