use super::util::{is_binding, role_ref, subjects};
use crate::helpers::on_object;
use crate::{Check, Context, Sink};
use stridemap_model::k8s::K8sObject;
use stridemap_model::Severity;

declare_rule! {
    /// ## What it does
    /// Flags RoleBindings and ClusterRoleBindings whose subjects include the anonymous user
    /// (`system:anonymous`) or the `system:unauthenticated` group, and, at high severity, the
    /// `system:authenticated` group.
    ///
    /// ## Why is this bad?
    /// `system:anonymous` and `system:unauthenticated` are whoever reaches the API server
    /// without credentials: anything bound to them is public to every network path into the
    /// cluster. `system:authenticated` is barely narrower: it holds every service-account token
    /// of every pod and, on some managed platforms, any account of the cloud provider.
    ///
    /// ## Example
    /// ```yaml
    /// kind: ClusterRoleBinding
    /// apiVersion: rbac.authorization.k8s.io/v1
    /// metadata:
    ///   name: public-status
    /// subjects:
    ///   - kind: Group
    ///     name: system:unauthenticated
    ///     apiGroup: rbac.authorization.k8s.io
    /// roleRef:
    ///   apiGroup: rbac.authorization.k8s.io
    ///   kind: ClusterRole
    ///   name: status-reader
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// kind: ClusterRoleBinding
    /// apiVersion: rbac.authorization.k8s.io/v1
    /// metadata:
    ///   name: public-status
    /// subjects:
    ///   - kind: ServiceAccount
    ///     name: status-page
    ///     namespace: monitoring
    /// roleRef:
    ///   apiGroup: rbac.authorization.k8s.io
    ///   kind: ClusterRole
    ///   name: status-reader
    /// ```
    /// Bind the role to the specific identities that need it, and keep anonymous
    /// authentication off on the API server.
    pub struct AnonymousBinding {
        id: "RBAC-ANONYMOUS-BINDING",
        title: "Role bound to unauthenticated users",
        group: ContainerSecurity,
        stride: ElevationOfPrivilege,
        severity: Critical,
        cwe: [306, 269],
        infra: [Kubernetes],
        equivalents: [],
        attack_scenario: "An attacker who can reach the API server endpoint sends requests without any credentials; the binding to `system:unauthenticated` gives them the role's permissions, for example to list Secrets or create pods.",
        mitigation: "Remove `system:anonymous`, `system:unauthenticated` and `system:authenticated` from binding subjects; bind roles to named users, groups or service accounts.",
    }
}

fn audience(kind: &str, name: &str) -> Option<bool> {
    match (kind, name) {
        ("User", "system:anonymous") | ("Group", "system:unauthenticated") => Some(true),
        ("Group", "system:authenticated") => Some(false),
        _ => None,
    }
}

impl AnonymousBinding {
    fn check_binding(&self, b: &K8sObject, out: &mut Sink) {
        let subjects = subjects(b);
        let hits: Vec<_> = subjects
            .iter()
            .filter_map(|s| audience(s.kind, s.name).map(|anon| (s, anon)))
            .collect();
        let Some(&(first, _)) = hits.iter().find(|(_, anon)| *anon).or_else(|| hits.first()) else {
            return;
        };
        let anonymous = hits.iter().any(|(_, anon)| *anon);
        let role = role_ref(b)
            .map(|r| format!("{}/{}", r.kind, r.name))
            .unwrap_or_else(|| "its role".to_string());
        let f = on_object(
            out,
            b,
            first.name_node.loc,
            if anonymous {
                format!(
                    "{} grants {role} to {}: anyone who can reach the API server gets it without credentials",
                    b.resource_id(),
                    first.name
                )
            } else {
                format!(
                    "{} grants {role} to {}: every authenticated identity, including every pod's service account, gets it",
                    b.resource_id(),
                    first.name
                )
            },
        );
        for (s, _) in hits.iter().filter(|(s, _)| !std::ptr::eq(*s, first)) {
            f.also_at(b.file, s.name_node.loc);
        }
        if !anonymous {
            f.severity(Severity::High)
                .title("Role bound to every authenticated identity");
        }
    }
}

impl Check for AnonymousBinding {
    fn check_object(&self, o: &K8sObject, _cx: &Context, out: &mut Sink) {
        if is_binding(o) {
            self.check_binding(o, out);
        }
    }
}
