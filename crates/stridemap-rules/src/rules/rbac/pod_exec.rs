use super::util::{describe_hits, is_role, role_grants, POD_EXEC};
use crate::helpers::on_object;
use crate::{Check, Context, Sink};
use stridemap_model::k8s::K8sObject;

declare_rule! {
    /// ## What it does
    /// Flags Role and ClusterRole rules that allow running commands inside containers:
    /// `create` (or `get`, which API servers accepting WebSocket exec also authorize) on
    /// `pods/exec` or `pods/attach`, and `create` on `nodes/proxy`, which reaches the kubelet's
    /// own exec endpoint. A `*` verb or resource counts as well.
    ///
    /// ## Why is this bad?
    /// Exec and attach give an interactive shell in someone else's container: its environment
    /// variables, mounted Secrets and service-account token, and its network position.
    /// `nodes/proxy` is worse: it talks to the kubelet directly, for every pod on the node, and
    /// its requests bypass admission control and most audit logging.
    ///
    /// ## Example
    /// ```yaml
    /// kind: Role
    /// apiVersion: rbac.authorization.k8s.io/v1
    /// metadata:
    ///   name: debugger
    ///   namespace: payments
    /// rules:
    ///   - apiGroups: [""]
    ///     resources: ["pods", "pods/exec"]
    ///     verbs: ["get", "list", "create"]
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// kind: Role
    /// apiVersion: rbac.authorization.k8s.io/v1
    /// metadata:
    ///   name: debugger
    ///   namespace: payments
    /// rules:
    ///   - apiGroups: [""]
    ///     resources: ["pods", "pods/log"]
    ///     verbs: ["get", "list"]
    /// ```
    /// Debug through logs and metrics; grant exec only temporarily, to people, through a
    /// just-in-time access process.
    pub struct RbacPodExec {
        id: "RBAC-POD-EXEC",
        title: "RBAC role can execute commands in containers",
        group: ContainerSecurity,
        stride: ElevationOfPrivilege,
        severity: High,
        cwe: [269, 250],
        infra: [Kubernetes],
        equivalents: [
            "kics:c589f42c-7924-4871-aee2-1cede9bc7cbc",
            "kics:d45330fd-f58d-45fb-a682-6481477a0f84",
        ],
        attack_scenario: "An attacker with a token bound to the role runs `kubectl exec` into the payment service's pod, reads its database credentials from the environment, and copies its service-account token to act with its permissions.",
        mitigation: "Remove `pods/exec`, `pods/attach` and `nodes/proxy` from the role; give humans time-limited exec access through a separate, audited role.",
        checklist: ["rbac.least-privilege"],
    }
}

impl Check for RbacPodExec {
    fn check_object(&self, o: &K8sObject, _cx: &Context, out: &mut Sink) {
        if !is_role(o) {
            return;
        }
        for (rule, hits) in role_grants(o, POD_EXEC) {
            on_object(
                out,
                o,
                hits[0].resource.loc,
                format!(
                    "{} grants {}: its holders can run commands in containers",
                    o.resource_id(),
                    describe_hits(&hits.iter().collect::<Vec<_>>())
                ),
            )
            .key_part(rule.key())
            .also_at(o.file, hits[0].verb.loc);
        }
    }
}
