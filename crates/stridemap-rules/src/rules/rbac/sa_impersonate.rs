use super::util::{report_workload_grant, workload_grants, IMPERSONATE};
use crate::{Check, Context, Sink};

declare_rule! {
    /// ## What it does
    /// Flags RoleBindings and ClusterRoleBindings that give a service account (or a node) a role
    /// of the scanned manifests allowing `impersonate` (or `*`) on `users`, `groups` or
    /// `serviceaccounts`. The finding points at the binding, with the role's rule as further
    /// evidence.
    ///
    /// ## Why is this bad?
    /// With impersonation a pod's token can speak as any other identity, including
    /// `system:masters` members and other service accounts. Whoever compromises a pod running
    /// as this account therefore gets the permissions of the most powerful identity it may
    /// impersonate, and the audit log shows that identity rather than the account.
    ///
    /// ## Example
    /// ```yaml
    /// kind: RoleBinding
    /// apiVersion: rbac.authorization.k8s.io/v1
    /// metadata:
    ///   name: proxy-impersonation
    ///   namespace: gateway
    /// subjects:
    ///   - kind: ServiceAccount
    ///     name: auth-proxy
    ///     namespace: gateway
    /// roleRef:
    ///   apiGroup: rbac.authorization.k8s.io
    ///   kind: ClusterRole
    ///   name: impersonator   # impersonate on users, groups
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// # impersonator limited with resourceNames to the identities the proxy may act as
    /// kind: ClusterRole
    /// apiVersion: rbac.authorization.k8s.io/v1
    /// metadata:
    ///   name: impersonator
    /// rules:
    ///   - apiGroups: [""]
    ///     resources: ["groups"]
    ///     resourceNames: ["dashboard-viewers"]
    ///     verbs: ["impersonate"]
    /// ```
    /// Give the service account its own permissions directly, or restrict impersonation to
    /// named, low-privilege identities.
    pub struct ServiceAccountImpersonate {
        id: "SA-IMPERSONATE",
        title: "Service account can impersonate other identities",
        group: ContainerSecurity,
        stride: ElevationOfPrivilege,
        severity: Critical,
        cwe: [269, 266],
        infra: [Kubernetes],
        equivalents: ["CKV2_K8S_3"],
        attack_scenario: "An attacker who exploits the auth proxy pod reuses its token with `Impersonate-Group: system:masters` and gets cluster-administrator rights without any role being bound to them.",
        mitigation: "Remove `impersonate` from roles bound to service accounts, or restrict it with `resourceNames` to the specific low-privilege identities required.",
        checklist: ["rbac.least-privilege"],
    }
}

impl Check for ServiceAccountImpersonate {
    fn check_corpus(&self, cx: &Context, out: &mut Sink) {
        for g in workload_grants(cx.corpus, IMPERSONATE) {
            report_workload_grant(out, &g, "impersonate other identities");
        }
    }
}
