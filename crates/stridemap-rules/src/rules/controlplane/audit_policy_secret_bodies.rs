use super::audit_policy::{is_audit_policy, level_of, Level, KEY_RESOURCES};
use crate::helpers::on_object;
use crate::{Check, Context, Sink};
use stridemap_model::k8s::K8sObject;
use stridemap_model::Node;

declare_rule! {
    /// ## What it does
    /// Evaluates an audit `Policy` (`audit.k8s.io`), first matching rule wins, and flags it
    /// when requests on `secrets`, `configmaps` or `tokenreviews` are recorded at `Request` or
    /// `RequestResponse` level, that is, with their bodies.
    ///
    /// ## Why is this bad?
    /// The bodies of these requests are the credentials themselves: Secret data, configuration
    /// values that often hold passwords, and the bearer token under review. Logging them copies
    /// every secret of the cluster into audit files that are shipped to log pipelines and read
    /// by many more people than the Secrets' RBAC allows.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: audit.k8s.io/v1
    /// kind: Policy
    /// rules:
    ///   - level: RequestResponse
    ///     resources:
    ///       - group: ""
    ///         resources: ["secrets"]
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
    /// ```
    /// Record these resources at `Metadata` level: who, what and when, without the payload.
    pub struct AuditPolicySecretBodies {
        id: "CP-AUDIT-POLICY-SECRET-BODIES",
        title: "Audit policy logs secret payloads",
        group: SecretsManagement,
        stride: InformationDisclosure,
        severity: Medium,
        cwe: [532],
        infra: [Kubernetes],
        equivalents: [],
        attack_scenario: "An engineer with read access to the central log platform searches the Kubernetes audit index and finds every Secret's data, including production database passwords, in RequestResponse events.",
        mitigation: "Log secrets, configmaps and tokenreviews at `Metadata` level only.",
    }
}

impl Check for AuditPolicySecretBodies {
    fn check_object(&self, o: &K8sObject, _cx: &Context, out: &mut Sink) {
        if !is_audit_policy(o) {
            return;
        }
        // One finding per policy rule, naming the resources whose bodies it records.
        let mut by_rule: Vec<(&Node, Level, Vec<&str>)> = Vec::new();
        for key in KEY_RESOURCES.iter().filter(|k| k.sensitive_body) {
            let (level, rule) = level_of(o, key);
            let Some(rule) = rule.filter(|_| level >= Level::Request) else {
                continue;
            };
            match by_rule.iter_mut().find(|(r, ..)| std::ptr::eq(*r, rule)) {
                Some((_, _, names)) => names.push(key.name),
                None => by_rule.push((rule, level, vec![key.name])),
            }
        }
        for (i, (rule, level, names)) in by_rule.into_iter().enumerate() {
            on_object(out, o, rule.loc, format!("{} records {} requests with their bodies ({level:?} level), copying their contents into the audit log", o.resource_id(), names.join(", ")))
                .key_part(i.to_string());
        }
    }
}
