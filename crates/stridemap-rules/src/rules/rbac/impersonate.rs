use super::util::{describe_hits, is_role, role_grants, IMPERSONATE};
use crate::helpers::on_object;
use crate::{Check, Context, Sink};
use stridemap_model::k8s::K8sObject;

declare_rule! {
    /// ## What it does
    /// Flags Role and ClusterRole rules that allow the `impersonate` verb (or `*`) on `users`,
    /// `groups` or `serviceaccounts`. Rules limited with `resourceNames` to specific identities
    /// are not reported.
    ///
    /// ## Why is this bad?
    /// Impersonation makes the API server treat a request as if another identity sent it
    /// (`kubectl --as=... --as-group=...`). Whoever can impersonate any user or group can claim
    /// to be `system:masters` or a cluster administrator and do whatever that identity may;
    /// impersonating service accounts hands over every workload's permissions. The audit log
    /// then records the impersonated identity, which also muddies the trail.
    ///
    /// ## Example
    /// ```yaml
    /// kind: ClusterRole
    /// apiVersion: rbac.authorization.k8s.io/v1
    /// metadata:
    ///   name: support-tool
    /// rules:
    ///   - apiGroups: [""]
    ///     resources: ["users", "groups", "serviceaccounts"]
    ///     verbs: ["impersonate"]
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// kind: ClusterRole
    /// apiVersion: rbac.authorization.k8s.io/v1
    /// metadata:
    ///   name: support-tool
    /// rules:
    ///   - apiGroups: [""]
    ///     resources: ["serviceaccounts"]
    ///     resourceNames: ["readonly-probe"]
    ///     verbs: ["impersonate"]
    /// ```
    /// Give the tool its own narrowly scoped role instead, or name the few identities it may
    /// act as.
    pub struct RbacImpersonate {
        id: "RBAC-IMPERSONATE",
        title: "RBAC role can impersonate other identities",
        group: ContainerSecurity,
        stride: ElevationOfPrivilege,
        severity: High,
        cwe: [269, 266],
        infra: [Kubernetes],
        equivalents: ["kics:9f85c3f6-26fd-4007-938a-2e0cb0100980"],
        attack_scenario: "An attacker holding a token with impersonation rights sends API requests with `Impersonate-Group: system:masters`, becomes cluster administrator and leaves the impersonated identity in the audit log instead of their own.",
        mitigation: "Remove `impersonate` from the role, or restrict it with `resourceNames` to the specific low-privilege identities that must be impersonated.",
        checklist: ["rbac.least-privilege"],
    }
}

impl Check for RbacImpersonate {
    fn check_object(&self, o: &K8sObject, _cx: &Context, out: &mut Sink) {
        if !is_role(o) {
            return;
        }
        for (rule, hits) in role_grants(o, IMPERSONATE) {
            on_object(
                out,
                o,
                hits[0].verb.loc,
                format!(
                    "{} grants {}: its holders can act as other identities",
                    o.resource_id(),
                    describe_hits(&hits.iter().collect::<Vec<_>>())
                ),
            )
            .key_part(rule.key())
            .also_at(o.file, hits[0].resource.loc);
        }
    }
}
