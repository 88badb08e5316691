use super::util::{bound_roles, grants_everything, is_binding, role_ref, subjects};
use crate::helpers::on_object;
use crate::{Check, Context, Sink};
use stridemap_model::Severity;

declare_rule! {
    /// ## What it does
    /// Flags RoleBindings and ClusterRoleBindings whose `roleRef` is the built-in
    /// `cluster-admin` ClusterRole, or a role of the scanned manifests with a rule that allows
    /// every verb on every resource of every API group.
    ///
    /// ## Why is this bad?
    /// `cluster-admin` can do anything to anything: read every Secret, run code in every pod,
    /// change RBAC, admission webhooks and the nodes themselves. Bound with a
    /// ClusterRoleBinding it covers the whole cluster; bound with a RoleBinding it still gives
    /// complete control of the namespace. A compromised subject of such a binding is a
    /// compromised cluster (or namespace), with nothing left to contain it.
    ///
    /// ## Example
    /// ```yaml
    /// kind: ClusterRoleBinding
    /// apiVersion: rbac.authorization.k8s.io/v1
    /// metadata:
    ///   name: ci-deployer
    /// subjects:
    ///   - kind: ServiceAccount
    ///     name: ci
    ///     namespace: build
    /// roleRef:
    ///   apiGroup: rbac.authorization.k8s.io
    ///   kind: ClusterRole
    ///   name: cluster-admin
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// kind: RoleBinding
    /// apiVersion: rbac.authorization.k8s.io/v1
    /// metadata:
    ///   name: ci-deployer
    ///   namespace: shop
    /// subjects:
    ///   - kind: ServiceAccount
    ///     name: ci
    ///     namespace: build
    /// roleRef:
    ///   apiGroup: rbac.authorization.k8s.io
    ///   kind: ClusterRole
    ///   name: edit
    /// ```
    /// Bind a role that covers only what the subject does, in the namespaces where it does it.
    pub struct ClusterAdminBinding {
        id: "RBAC-CLUSTER-ADMIN-BINDING",
        title: "Binding grants cluster-admin",
        group: ContainerSecurity,
        stride: ElevationOfPrivilege,
        severity: Critical,
        cwe: [250, 269],
        infra: [Kubernetes],
        equivalents: [
            "kics:249328b8-5f0f-409f-b1dd-029f07882e11",
            "kube-linter:cluster-admin-role-binding",
        ],
        attack_scenario: "An attacker who compromises the CI service account bound to `cluster-admin` deploys a privileged DaemonSet on every node, reads every Secret and installs a mutating webhook to persist, owning the whole cluster from one stolen token.",
        mitigation: "Replace the `cluster-admin` binding with a purpose-built role bound in the namespaces where it is needed; reserve `cluster-admin` for break-glass human access outside of manifests.",
        checklist: ["rbac.least-privilege"],
    }
}

impl Check for ClusterAdminBinding {
    fn check_corpus(&self, cx: &Context, out: &mut Sink) {
        for b in cx
            .corpus
            .objects_of(super::util::BINDING_KINDS)
            .filter(|o| is_binding(o))
        {
            let Some(r) = role_ref(b) else {
                continue;
            };
            let builtin = r.kind == "ClusterRole" && r.name == "cluster-admin";
            let equivalent: Vec<_> = bound_roles(cx.corpus, b)
                .into_iter()
                .filter(|role| grants_everything(role))
                .collect();
            if !builtin && equivalent.is_empty() {
                continue;
            }
            let names: Vec<String> = subjects(b).iter().map(|s| s.describe(b)).collect();
            let who = if names.is_empty() {
                "its subjects".to_string()
            } else {
                names.join(", ")
            };
            let scope = if b.kind == "ClusterRoleBinding" {
                "across the whole cluster"
            } else {
                "in its namespace"
            };
            let what = if builtin {
                "cluster-admin".to_string()
            } else {
                format!(
                    "{}/{}, which allows every verb on every resource,",
                    r.kind, r.name
                )
            };
            let f = on_object(
                out,
                b,
                r.node.loc,
                format!("{} gives {who} {what} {scope}", b.resource_id()),
            );
            for role in &equivalent {
                f.resource(role.resource_id())
                    .also_at(role.file, role.root.loc);
            }
            if !builtin {
                f.title("Binding grants a role equivalent to cluster-admin");
            }
            if b.kind != "ClusterRoleBinding" {
                f.severity(Severity::High);
            }
        }
    }
}
