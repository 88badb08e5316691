use super::util::{report_workload_grant, workload_grants, SECRETS_READ};
use crate::{Check, Context, Sink};
use stridemap_model::Severity;

declare_rule! {
    /// ## What it does
    /// Flags RoleBindings and ClusterRoleBindings that give a service account (or a node) a role
    /// of the scanned manifests allowing `get`, `list` or `watch` (or `*`) on `secrets`. Roles
    /// limited with `resourceNames` to specific Secrets are not reported. The finding points at
    /// the binding, with the role's rule as further evidence.
    ///
    /// ## Why is this bad?
    /// A service account's token sits in every pod that runs as it. When that account can read
    /// Secrets, one remote-code-execution bug in any of those pods is enough to dump every
    /// password, API key and token the Secrets hold — cluster-wide through a
    /// ClusterRoleBinding.
    ///
    /// ## Example
    /// ```yaml
    /// kind: ClusterRoleBinding
    /// apiVersion: rbac.authorization.k8s.io/v1
    /// metadata:
    ///   name: reporter-secrets
    /// subjects:
    ///   - kind: ServiceAccount
    ///     name: reporter
    ///     namespace: analytics
    /// roleRef:
    ///   apiGroup: rbac.authorization.k8s.io
    ///   kind: ClusterRole
    ///   name: secret-reader   # get/list/watch on secrets
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// kind: RoleBinding
    /// apiVersion: rbac.authorization.k8s.io/v1
    /// metadata:
    ///   name: reporter-config
    ///   namespace: analytics
    /// subjects:
    ///   - kind: ServiceAccount
    ///     name: reporter
    ///     namespace: analytics
    /// roleRef:
    ///   apiGroup: rbac.authorization.k8s.io
    ///   kind: Role
    ///   name: reporter-db-secret   # get on secrets, resourceNames: [reporter-db]
    /// ```
    /// Mount the Secrets the workload needs as volumes or environment variables, or bind a
    /// namespaced role limited to the named Secrets.
    pub struct ServiceAccountSecretsRead {
        id: "SA-SECRETS-READ",
        title: "Service account can read Secrets",
        group: SecretsManagement,
        stride: InformationDisclosure,
        severity: High,
        cwe: [269, 522],
        infra: [Kubernetes],
        equivalents: [
            "CKV2_K8S_5",
            "kics:056ac60e-fe07-4acc-9b34-8e1d51716ab9",
        ],
        attack_scenario: "An attacker exploits a vulnerability in a pod running as the service account, reads the mounted token, and lists all Secrets through the API, collecting database passwords and other workloads' credentials.",
        mitigation: "Remove secret read access from the service account's role; mount only the Secrets the workload uses, or limit the rule to a namespaced Role with `resourceNames`.",
        checklist: ["rbac.least-privilege"],
    }
}

impl Check for ServiceAccountSecretsRead {
    fn check_corpus(&self, cx: &Context, out: &mut Sink) {
        for g in workload_grants(cx.corpus, SECRETS_READ) {
            let f = report_workload_grant(out, &g, "read Secrets");
            if g.binding.kind != "ClusterRoleBinding" {
                f.severity(Severity::Medium);
            }
        }
    }
}
