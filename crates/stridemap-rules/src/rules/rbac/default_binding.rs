use super::util::{is_binding, role_ref, subjects};
use crate::helpers::on_object;
use crate::{Check, Context, Sink};
use stridemap_model::k8s::K8sObject;

declare_rule! {
    /// ## What it does
    /// Flags RoleBindings and ClusterRoleBindings that grant a role to a namespace's `default`
    /// ServiceAccount (as `kind: ServiceAccount, name: default` or as the user
    /// `system:serviceaccount:<namespace>:default`).
    ///
    /// ## Why is this bad?
    /// Every pod that does not name a service account runs as `default`. Permissions given to
    /// it are therefore given to every such pod in the namespace — today's and any deployed
    /// later, including third-party charts and debug pods — instead of to the one workload that
    /// needed them. One compromised sidecar or forgotten test pod inherits them all.
    ///
    /// ## Example
    /// ```yaml
    /// kind: RoleBinding
    /// apiVersion: rbac.authorization.k8s.io/v1
    /// metadata:
    ///   name: read-config
    ///   namespace: shop
    /// subjects:
    ///   - kind: ServiceAccount
    ///     name: default
    ///     namespace: shop
    /// roleRef:
    ///   apiGroup: rbac.authorization.k8s.io
    ///   kind: Role
    ///   name: config-reader
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// kind: RoleBinding
    /// apiVersion: rbac.authorization.k8s.io/v1
    /// metadata:
    ///   name: read-config
    ///   namespace: shop
    /// subjects:
    ///   - kind: ServiceAccount
    ///     name: catalog
    ///     namespace: shop
    /// roleRef:
    ///   apiGroup: rbac.authorization.k8s.io
    ///   kind: Role
    ///   name: config-reader
    /// ```
    /// Create a ServiceAccount for the workload that needs the role, set it as the pod's
    /// `serviceAccountName`, and bind the role to it.
    pub struct DefaultServiceAccountBinding {
        id: "SA-DEFAULT-BINDING",
        title: "Role bound to the default service account",
        group: ContainerSecurity,
        stride: ElevationOfPrivilege,
        severity: Medium,
        cwe: [1188, 269],
        infra: [Kubernetes],
        equivalents: [
            "CKV_K8S_42",
            "kics:1e749bc9-fde8-471c-af0c-8254efd2dee5",
        ],
        attack_scenario: "An attacker compromises an unrelated pod in the namespace that never set a service account; its `default` token carries the permissions bound for another workload, which the attacker now uses against the API server.",
        mitigation: "Bind roles to dedicated per-workload ServiceAccounts, never to `default`; set `automountServiceAccountToken: false` on the `default` ServiceAccount.",
        checklist: ["rbac.no-default-service-account"],
    }
}

impl Check for DefaultServiceAccountBinding {
    fn check_object(&self, o: &K8sObject, _cx: &Context, out: &mut Sink) {
        if !is_binding(o) {
            return;
        }
        let role = role_ref(o)
            .map(|r| format!("{}/{}", r.kind, r.name))
            .unwrap_or_else(|| "its role".to_string());
        for s in subjects(o)
            .iter()
            .filter(|s| s.is_default_service_account())
        {
            on_object(
                out,
                o,
                s.name_node.loc,
                format!(
                    "{} grants {role} to {}, the namespace's default account: every pod there without its own service account gets it",
                    o.resource_id(),
                    s.describe(o)
                ),
            )
            .key_part(format!("subject:{}", s.describe(o)))
            .resource(format!("ServiceAccount/{}", "default"));
        }
    }
}
