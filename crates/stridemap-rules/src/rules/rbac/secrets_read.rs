use super::util::{describe_hits, is_role, role_grants, SECRETS_READ};
use crate::helpers::on_object;
use crate::{Check, Context, Sink};
use stridemap_model::k8s::K8sObject;
use stridemap_model::Severity;

declare_rule! {
    /// ## What it does
    /// Flags Role and ClusterRole rules that allow `get`, `list` or `watch` (or `*`) on
    /// `secrets`, including through `resources: ["*"]` in the core API group. Rules limited to
    /// named Secrets with `resourceNames` are not reported.
    ///
    /// ## Why is this bad?
    /// Secrets hold database passwords, API keys, TLS keys and the tokens of other service
    /// accounts. `list` and `watch` return every Secret's data in one call, so whoever holds the
    /// role holds every credential in its scope — every namespace, for a ClusterRole — and can
    /// move on to whatever those credentials open.
    ///
    /// ## Example
    /// ```yaml
    /// kind: ClusterRole
    /// apiVersion: rbac.authorization.k8s.io/v1
    /// metadata:
    ///   name: config-loader
    /// rules:
    ///   - apiGroups: [""]
    ///     resources: ["secrets", "configmaps"]
    ///     verbs: ["get", "list", "watch"]
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// kind: Role
    /// apiVersion: rbac.authorization.k8s.io/v1
    /// metadata:
    ///   name: config-loader
    ///   namespace: shop
    /// rules:
    ///   - apiGroups: [""]
    ///     resources: ["secrets"]
    ///     resourceNames: ["checkout-db"]
    ///     verbs: ["get"]
    /// ```
    /// Mount the Secret into the pod instead of reading it through the API, or limit the rule
    /// to the namespace and the named Secrets the workload needs.
    pub struct RbacSecretsRead {
        id: "RBAC-SECRETS-READ",
        title: "RBAC role can read Secrets",
        group: SecretsManagement,
        stride: InformationDisclosure,
        severity: High,
        cwe: [269, 522],
        infra: [Kubernetes],
        equivalents: [
            "kics:b7bca5c4-1dab-4c2c-8cbe-3050b9d59b14",
            "kube-linter:access-to-secrets",
        ],
        attack_scenario: "An attacker who compromises any subject holding the role lists all Secrets in its scope, collects database passwords, cloud keys and other service-account tokens, and uses them to reach data stores and higher-privileged identities.",
        mitigation: "Remove `get`/`list`/`watch` on `secrets` from the role, or confine it to a namespaced Role with `resourceNames` for the specific Secrets needed; prefer mounting Secrets into the pods that use them.",
        checklist: ["rbac.least-privilege"],
    }
}

impl Check for RbacSecretsRead {
    fn check_object(&self, o: &K8sObject, _cx: &Context, out: &mut Sink) {
        if !is_role(o) {
            return;
        }
        for (rule, hits) in role_grants(o, SECRETS_READ) {
            let scope = if o.kind == "ClusterRole" {
                "(in every namespace when bound by a ClusterRoleBinding)"
            } else {
                "in its namespace"
            };
            let f = on_object(
                out,
                o,
                hits[0].resource.loc,
                format!(
                    "{} grants {} {scope}: every Secret's data is readable",
                    o.resource_id(),
                    describe_hits(&hits.iter().collect::<Vec<_>>())
                ),
            )
            .key_part(rule.key())
            .also_at(o.file, hits[0].verb.loc);
            if o.kind == "Role" {
                f.severity(Severity::Medium);
            }
        }
    }
}
