use super::util::{is_role, policy_rules};
use crate::helpers::on_object;
use crate::{Check, Context, Sink};
use stridemap_model::k8s::K8sObject;
use stridemap_model::{Node, Severity};

declare_rule! {
    /// ## What it does
    /// Flags Role and ClusterRole rules that put `*` in `apiGroups`, `resources` or `verbs`. A
    /// rule with `*` in all three is reported as critical: it is `cluster-admin` (or, in a Role,
    /// full control of the namespace) under another name.
    ///
    /// ## Why is this bad?
    /// A wildcard grants everything that exists today and everything added later: a new CRD, a
    /// new subresource such as `pods/exec`, or a verb such as `escalate` or `impersonate`. Nobody
    /// reviewing the role can tell what it really allows, and whoever holds it usually ends up
    /// able to read Secrets, run code in pods or hand themselves more rights.
    ///
    /// ## Example
    /// ```yaml
    /// kind: ClusterRole
    /// apiVersion: rbac.authorization.k8s.io/v1
    /// metadata:
    ///   name: deployer
    /// rules:
    ///   - apiGroups: ["*"]
    ///     resources: ["*"]
    ///     verbs: ["*"]
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// kind: ClusterRole
    /// apiVersion: rbac.authorization.k8s.io/v1
    /// metadata:
    ///   name: deployer
    /// rules:
    ///   - apiGroups: ["apps"]
    ///     resources: ["deployments"]
    ///     verbs: ["get", "list", "patch"]
    /// ```
    /// List the API groups, resources and verbs the subject actually uses.
    pub struct RbacWildcard {
        id: "RBAC-WILDCARD",
        title: "Wildcard in RBAC rule",
        group: ContainerSecurity,
        stride: ElevationOfPrivilege,
        severity: High,
        cwe: [250, 269, 732],
        infra: [Kubernetes],
        equivalents: [
            "CKV_K8S_49",
            "kics:6b896afb-ca07-467a-b256-1a0077a1c08e",
            "kube-linter:wildcard-in-rules",
        ],
        attack_scenario: "An attacker steals the token of a service account bound to a role with `resources: [\"*\"]`; the wildcard also covers `secrets` and `pods/exec`, so they read every credential in scope and run commands in other workloads.",
        mitigation: "Replace each `*` with the explicit API groups, resources and verbs the subject needs; use the built-in `view`/`edit` roles or narrowly scoped custom roles instead of wildcards.",
        checklist: ["rbac.no-wildcards"],
    }
}

impl Check for RbacWildcard {
    fn check_object(&self, o: &K8sObject, _cx: &Context, out: &mut Sink) {
        if !is_role(o) {
            return;
        }
        for rule in policy_rules(o) {
            let fields: [(&str, &Vec<(&str, &Node)>); 3] = [
                ("apiGroups", &rule.api_groups),
                ("resources", &rule.resources),
                ("verbs", &rule.verbs),
            ];
            let wild: Vec<(&str, &Node)> = fields
                .iter()
                .filter_map(|(field, list)| {
                    list.iter()
                        .find(|(s, _)| *s == "*")
                        .map(|(_, n)| (*field, *n))
                })
                .collect();
            let Some(&(_, first)) = wild.first() else {
                continue;
            };
            let names: Vec<&str> = wild.iter().map(|(f, _)| *f).collect();
            let f = on_object(
                out,
                o,
                first.loc,
                format!(
                    "{} rule {} uses `*` in {}",
                    o.resource_id(),
                    rule.index + 1,
                    names.join(", ")
                ),
            )
            .key_part(rule.key());
            for (_, n) in &wild[1..] {
                f.also_at(o.file, n.loc);
            }
            if wild.len() == 3 {
                f.severity(Severity::Critical);
                if o.kind == "ClusterRole" {
                    f.title("RBAC rule grants every action on every resource (cluster-admin equivalent)");
                } else {
                    f.title("RBAC rule grants every action on every resource of its namespace");
                }
            } else if names == ["apiGroups"] {
                f.severity(Severity::Medium);
            }
        }
    }
}
