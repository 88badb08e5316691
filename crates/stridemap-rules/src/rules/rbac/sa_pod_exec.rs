use super::util::{report_workload_grant, workload_grants, POD_EXEC};
use crate::{Check, Context, Sink};

declare_rule! {
    /// ## What it does
    /// Flags RoleBindings and ClusterRoleBindings that give a service account (or a node) a role
    /// of the scanned manifests allowing exec or attach into containers (`pods/exec`,
    /// `pods/attach`) or the kubelet API (`nodes/proxy`). The finding points at the binding,
    /// with the role's rule as further evidence.
    ///
    /// ## Why is this bad?
    /// A workload identity that can exec into other pods turns one compromised pod into all of
    /// them: the attacker hops into each container, takes its environment, mounted Secrets and
    /// service-account token, and repeats. Through `nodes/proxy` it reaches every pod on every
    /// node via the kubelet, outside admission control.
    ///
    /// ## Example
    /// ```yaml
    /// kind: ClusterRoleBinding
    /// apiVersion: rbac.authorization.k8s.io/v1
    /// metadata:
    ///   name: ops-bot
    /// subjects:
    ///   - kind: ServiceAccount
    ///     name: ops-bot
    ///     namespace: tools
    /// roleRef:
    ///   apiGroup: rbac.authorization.k8s.io
    ///   kind: ClusterRole
    ///   name: pod-shell   # create on pods/exec
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// kind: ClusterRoleBinding
    /// apiVersion: rbac.authorization.k8s.io/v1
    /// metadata:
    ///   name: ops-bot
    /// subjects:
    ///   - kind: ServiceAccount
    ///     name: ops-bot
    ///     namespace: tools
    /// roleRef:
    ///   apiGroup: rbac.authorization.k8s.io
    ///   kind: ClusterRole
    ///   name: pod-restarter   # delete on pods only
    /// ```
    /// Give automation the specific API operations it needs (restart, scale, read logs), never a
    /// shell in other workloads.
    pub struct ServiceAccountPodExec {
        id: "SA-POD-EXEC",
        title: "Service account can execute commands in other pods",
        group: ContainerSecurity,
        stride: ElevationOfPrivilege,
        severity: High,
        cwe: [269, 250],
        infra: [Kubernetes],
        equivalents: ["CKV2_K8S_2"],
        attack_scenario: "An attacker who gains code execution in the ops-bot pod uses its token to `kubectl exec` into the payment pods and the ingress controller, harvesting their Secrets and tokens one by one.",
        mitigation: "Remove `pods/exec`, `pods/attach` and `nodes/proxy` from roles bound to service accounts; model the automation's real actions as narrow API permissions.",
        checklist: ["rbac.least-privilege"],
    }
}

impl Check for ServiceAccountPodExec {
    fn check_corpus(&self, cx: &Context, out: &mut Sink) {
        for g in workload_grants(cx.corpus, POD_EXEC) {
            report_workload_grant(out, &g, "run commands in containers");
        }
    }
}
