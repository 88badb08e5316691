use super::util::{report_workload_grant, workload_grants, ESCALATE_ROLES, MANAGE_BINDINGS};
use crate::{Check, Context, Sink};
use stridemap_model::Severity;

declare_rule! {
    /// ## What it does
    /// Flags RoleBindings and ClusterRoleBindings that give a service account (or a node) a role
    /// of the scanned manifests allowing `bind` or `escalate` (or `*`) on roles or
    /// clusterroles, or `bind`/`*` on role bindings — the grants RBAC-ESCALATE reports. The
    /// finding points at the binding, with the role's rule as further evidence.
    ///
    /// ## Why is this bad?
    /// `bind` and `escalate` waive the API server's rule that nobody may hand out more
    /// permissions than they hold. Given to a workload identity, they mean that code execution
    /// in any pod running as that account can be turned into `cluster-admin` with one API call
    /// that binds it to the account itself.
    ///
    /// ## Example
    /// ```yaml
    /// kind: ClusterRoleBinding
    /// apiVersion: rbac.authorization.k8s.io/v1
    /// metadata:
    ///   name: tenant-operator
    /// subjects:
    ///   - kind: ServiceAccount
    ///     name: tenant-operator
    ///     namespace: platform
    /// roleRef:
    ///   apiGroup: rbac.authorization.k8s.io
    ///   kind: ClusterRole
    ///   name: rbac-manager   # bind, escalate on clusterroles
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// kind: ClusterRole
    /// apiVersion: rbac.authorization.k8s.io/v1
    /// metadata:
    ///   name: rbac-manager
    /// rules:
    ///   - apiGroups: ["rbac.authorization.k8s.io"]
    ///     resources: ["clusterroles"]
    ///     resourceNames: ["tenant-view", "tenant-edit"]
    ///     verbs: ["bind"]
    ///   - apiGroups: ["rbac.authorization.k8s.io"]
    ///     resources: ["rolebindings"]
    ///     verbs: ["create", "delete"]
    /// ```
    /// Let the operator bind only the named roles it manages.
    pub struct ServiceAccountEscalate {
        id: "SA-ESCALATE",
        title: "Service account can grant itself more permissions",
        group: ContainerSecurity,
        stride: ElevationOfPrivilege,
        severity: Critical,
        cwe: [269, 266],
        infra: [Kubernetes],
        equivalents: ["CKV2_K8S_1"],
        attack_scenario: "An attacker who compromises the operator pod uses its token to create a ClusterRoleBinding from `cluster-admin` to the operator's own service account, which `bind` on clusterroles permits, and then controls the cluster.",
        mitigation: "Remove `bind`/`escalate` (and `*`) on RBAC objects from roles bound to service accounts, or restrict `bind` with `resourceNames` to the roles the workload manages.",
        checklist: ["rbac.least-privilege"],
    }
}

impl Check for ServiceAccountEscalate {
    fn check_corpus(&self, cx: &Context, out: &mut Sink) {
        let real = workload_grants(cx.corpus, ESCALATE_ROLES);
        for g in &real {
            report_workload_grant(out, g, "bypass the RBAC escalation check");
        }
        for g in workload_grants(cx.corpus, MANAGE_BINDINGS) {
            if real.iter().any(|r| std::ptr::eq(r.binding, g.binding)) {
                continue;
            }
            report_workload_grant(out, &g, "control role bindings")
                .severity(Severity::High)
                .title("Service account controls role bindings");
        }
    }
}
