use super::util::{describe_hits, is_role, role_grants, ADMISSION_CONTROL};
use crate::helpers::on_object;
use crate::{Check, Context, Sink};
use stridemap_model::k8s::K8sObject;

declare_rule! {
    /// ## What it does
    /// Flags Role and ClusterRole rules that allow creating, changing or deleting admission
    /// webhooks (`mutatingwebhookconfigurations`, `validatingwebhookconfigurations`) or
    /// validating admission policies and their bindings, in `admissionregistration.k8s.io`.
    ///
    /// ## Why is this bad?
    /// Admission control sees, and may rewrite, every object sent to the API server. Whoever
    /// can register a mutating webhook receives every Secret and pod spec created afterwards
    /// and can inject containers or change service accounts on the fly; whoever can delete or
    /// loosen a validating webhook or policy switches off the guardrails (Pod Security, image
    /// signing, policy engines) the rest of the cluster relies on.
    ///
    /// ## Example
    /// ```yaml
    /// kind: ClusterRole
    /// apiVersion: rbac.authorization.k8s.io/v1
    /// metadata:
    ///   name: addon-installer
    /// rules:
    ///   - apiGroups: ["admissionregistration.k8s.io"]
    ///     resources: ["mutatingwebhookconfigurations"]
    ///     verbs: ["create", "patch", "delete"]
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// kind: ClusterRole
    /// apiVersion: rbac.authorization.k8s.io/v1
    /// metadata:
    ///   name: addon-installer
    /// rules:
    ///   - apiGroups: ["admissionregistration.k8s.io"]
    ///     resources: ["mutatingwebhookconfigurations"]
    ///     resourceNames: ["addon-injector"]
    ///     verbs: ["get", "patch"]
    /// ```
    /// Install webhooks from the deployment pipeline, and let a controller touch only the
    /// configuration it owns, by name.
    pub struct RbacAdmissionControl {
        id: "RBAC-ADMISSION-CONTROL",
        title: "RBAC role can change admission webhooks",
        group: ContainerSecurity,
        stride: ElevationOfPrivilege,
        severity: High,
        cwe: [269, 284],
        infra: [Kubernetes],
        equivalents: ["CKV_K8S_155"],
        attack_scenario: "An attacker holding the role registers a mutating webhook pointing at a service they control; from then on every pod created in the cluster is rewritten to run their sidecar, and every Secret created passes through their endpoint.",
        mitigation: "Remove write verbs on admission webhook and policy resources from the role, or restrict them with `resourceNames` to the one configuration the controller manages.",
    }
}

impl Check for RbacAdmissionControl {
    fn check_object(&self, o: &K8sObject, _cx: &Context, out: &mut Sink) {
        if !is_role(o) {
            return;
        }
        for (rule, hits) in role_grants(o, ADMISSION_CONTROL) {
            on_object(
                out,
                o,
                hits[0].resource.loc,
                format!(
                    "{} grants {}: its holders can intercept or switch off admission control",
                    o.resource_id(),
                    describe_hits(&hits.iter().collect::<Vec<_>>())
                ),
            )
            .key_part(rule.key())
            .also_at(o.file, hits[0].verb.loc);
        }
    }
}
