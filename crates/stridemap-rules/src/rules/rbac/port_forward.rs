use super::util::{describe_hits, is_role, role_grants, PORT_FORWARD};
use crate::helpers::on_object;
use crate::{Check, Context, Sink};
use stridemap_model::k8s::K8sObject;

declare_rule! {
    /// ## What it does
    /// Flags Role and ClusterRole rules that allow `create` (or `get`, or `*`) on
    /// `pods/portforward`.
    ///
    /// ## Why is this bad?
    /// Port-forwarding opens a tunnel from the caller straight to a port inside a pod, through
    /// the API server and the kubelet. Network policies, service meshes and ingress
    /// authentication never see that traffic, so admin ports, unauthenticated debug endpoints
    /// and databases listening only "inside the cluster" become reachable from wherever the
    /// token is used.
    ///
    /// ## Example
    /// ```yaml
    /// kind: Role
    /// apiVersion: rbac.authorization.k8s.io/v1
    /// metadata:
    ///   name: dev-access
    ///   namespace: orders
    /// rules:
    ///   - apiGroups: [""]
    ///     resources: ["pods", "pods/portforward"]
    ///     verbs: ["get", "list", "create"]
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// kind: Role
    /// apiVersion: rbac.authorization.k8s.io/v1
    /// metadata:
    ///   name: dev-access
    ///   namespace: orders
    /// rules:
    ///   - apiGroups: [""]
    ///     resources: ["pods"]
    ///     verbs: ["get", "list"]
    /// ```
    /// Expose what must be reachable through an authenticated Service or ingress instead.
    pub struct RbacPortForward {
        id: "RBAC-PORT-FORWARD",
        title: "RBAC role can port-forward into pods",
        group: ContainerSecurity,
        stride: ElevationOfPrivilege,
        severity: Medium,
        cwe: [269],
        infra: [Kubernetes],
        equivalents: ["kics:38fa11ef-dbcc-4da8-9680-7e1fd855b6fb"],
        attack_scenario: "An attacker with a leaked developer token port-forwards to the orders database pod and connects to it directly, bypassing the network policy that only admits traffic from the orders service.",
        mitigation: "Remove `pods/portforward` from roles used by workloads and automation; grant it to people only temporarily.",
    }
}

impl Check for RbacPortForward {
    fn check_object(&self, o: &K8sObject, _cx: &Context, out: &mut Sink) {
        if !is_role(o) {
            return;
        }
        for (rule, hits) in role_grants(o, PORT_FORWARD) {
            on_object(
                out,
                o,
                hits[0].resource.loc,
                format!(
                    "{} grants {}: its holders can tunnel into pods past network policies",
                    o.resource_id(),
                    describe_hits(&hits.iter().collect::<Vec<_>>())
                ),
            )
            .key_part(rule.key())
            .also_at(o.file, hits[0].verb.loc);
        }
    }
}
