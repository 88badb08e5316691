use super::util::{describe_hits, is_role, role_grants, ESCALATE_ROLES, MANAGE_BINDINGS};
use crate::helpers::on_object;
use crate::{Check, Context, Sink};
use stridemap_model::k8s::K8sObject;
use stridemap_model::Severity;

declare_rule! {
    /// ## What it does
    /// Flags Role and ClusterRole rules in the `rbac.authorization.k8s.io` group that allow the
    /// `bind` or `escalate` verb (or `*`) on `roles` or `clusterroles`. Rules that allow `bind`
    /// or `*` on `rolebindings`/`clusterrolebindings` are reported too, at medium severity:
    /// they put role assignment itself in the holder's hands.
    ///
    /// ## Why is this bad?
    /// The API server refuses to let anyone create a binding to a role, or edit a role, that
    /// carries more permissions than they already have. `bind` and `escalate` are exactly the
    /// two verbs that switch that check off: with `bind` on `clusterroles` and the right to
    /// create bindings, the holder binds `cluster-admin` to itself; with `escalate` and `update`
    /// on a role it is bound to, it writes itself any permission. Full control (`*`) of the
    /// binding objects lets the holder strip anyone's access and pass its own permissions to
    /// any identity, anonymous users included. `bind` on the binding objects is checked by
    /// nothing (the API server looks for `bind` on the role), but it shows the role was meant
    /// to hand out roles; it is reported with the binding-control findings.
    ///
    /// ## Example
    /// ```yaml
    /// kind: ClusterRole
    /// apiVersion: rbac.authorization.k8s.io/v1
    /// metadata:
    ///   name: team-onboarding
    /// rules:
    ///   - apiGroups: ["rbac.authorization.k8s.io"]
    ///     resources: ["clusterroles"]
    ///     verbs: ["bind"]
    ///   - apiGroups: ["rbac.authorization.k8s.io"]
    ///     resources: ["rolebindings"]
    ///     verbs: ["create"]
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// kind: ClusterRole
    /// apiVersion: rbac.authorization.k8s.io/v1
    /// metadata:
    ///   name: team-onboarding
    /// rules:
    ///   - apiGroups: ["rbac.authorization.k8s.io"]
    ///     resources: ["clusterroles"]
    ///     resourceNames: ["view"]
    ///     verbs: ["bind"]
    ///   - apiGroups: ["rbac.authorization.k8s.io"]
    ///     resources: ["rolebindings"]
    ///     verbs: ["create"]
    /// ```
    /// Drop `bind`/`escalate`, or restrict `bind` with `resourceNames` to the specific
    /// low-privilege roles the subject may hand out.
    pub struct RbacEscalate {
        id: "RBAC-ESCALATE",
        title: "RBAC role can grant itself more permissions",
        group: ContainerSecurity,
        stride: ElevationOfPrivilege,
        severity: High,
        cwe: [269, 266],
        infra: [Kubernetes],
        equivalents: [
            "CKV_K8S_157",
            "CKV_K8S_158",
            "kics:8320826e-7a9c-4b0b-9535-578333193432",
        ],
        attack_scenario: "An attacker controlling a subject with `bind` on `clusterroles` and `create` on `clusterrolebindings` creates a binding from `cluster-admin` to their own service account and takes over the cluster; the escalation check that would normally stop this is exactly what `bind` waives.",
        mitigation: "Remove `bind` and `escalate` (and `*`) on RBAC objects from the role, or restrict `bind` with `resourceNames` to the few roles the subject is allowed to hand out.",
        checklist: ["rbac.least-privilege"],
    }
}

impl Check for RbacEscalate {
    fn check_object(&self, o: &K8sObject, _cx: &Context, out: &mut Sink) {
        if !is_role(o) {
            return;
        }
        let on_roles = role_grants(o, ESCALATE_ROLES);
        let on_bindings = role_grants(o, MANAGE_BINDINGS);
        for (rule, hits) in &on_roles {
            on_object(
                out,
                o,
                hits[0].verb.loc,
                format!(
                    "{} grants {}: it lets its holders bypass the RBAC escalation check and obtain any permission",
                    o.resource_id(),
                    describe_hits(&hits.iter().collect::<Vec<_>>())
                ),
            )
            .key_part(rule.key())
            .also_at(o.file, hits[0].resource.loc);
        }
        for (rule, hits) in &on_bindings {
            if on_roles.iter().any(|(r, _)| r.index == rule.index) {
                continue;
            }
            on_object(
                out,
                o,
                hits[0].verb.loc,
                format!(
                    "{} grants {}: its holders control role assignment",
                    o.resource_id(),
                    describe_hits(&hits.iter().collect::<Vec<_>>())
                ),
            )
            .key_part(rule.key())
            .also_at(o.file, hits[0].resource.loc)
            .severity(Severity::Medium)
            .title("RBAC role controls role bindings");
        }
    }
}
