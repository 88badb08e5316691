use super::util::{describe_hits, is_role, role_grants, CREATE_PODS};
use crate::helpers::on_object;
use crate::{Check, Context, Sink};
use stridemap_model::k8s::K8sObject;

declare_rule! {
    /// ## What it does
    /// Flags Role and ClusterRole rules that allow `create` (or `*`) on `pods`, or on the
    /// workload controllers that create pods: Deployments, ReplicaSets, StatefulSets,
    /// DaemonSets, ReplicationControllers, Jobs and CronJobs.
    ///
    /// ## Why is this bad?
    /// Whoever can create a pod chooses what it runs and with what: any service account of the
    /// namespace (and so its permissions), any Secret or ConfigMap mounted as a volume, and,
    /// unless admission control forbids it, host paths, host networking or privileged mode.
    /// Creating pods is therefore as good as holding the strongest identity and Secret in the
    /// namespace.
    ///
    /// ## Example
    /// ```yaml
    /// kind: Role
    /// apiVersion: rbac.authorization.k8s.io/v1
    /// metadata:
    ///   name: job-runner
    ///   namespace: batch
    /// rules:
    ///   - apiGroups: [""]
    ///     resources: ["pods"]
    ///     verbs: ["get", "list", "create"]
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// kind: Role
    /// apiVersion: rbac.authorization.k8s.io/v1
    /// metadata:
    ///   name: job-runner
    ///   namespace: batch
    /// rules:
    ///   - apiGroups: [""]
    ///     resources: ["pods"]
    ///     verbs: ["get", "list"]
    /// ```
    /// Keep pod creation to the deployment pipeline, and enforce the `restricted` Pod Security
    /// Standard in namespaces where it must stay.
    pub struct RbacCreatePods {
        id: "RBAC-CREATE-PODS",
        title: "RBAC role can create pods",
        group: ContainerSecurity,
        stride: ElevationOfPrivilege,
        severity: Medium,
        cwe: [269, 250],
        infra: [Kubernetes],
        equivalents: [
            "kics:592ad21d-ad9b-46c6-8d2d-fad09d62a942",
            "kube-linter:access-to-create-pods",
        ],
        attack_scenario: "An attacker with a token allowed to create pods starts a pod that runs as the namespace's most privileged service account and mounts its Secrets, then reads them from inside the new pod.",
        mitigation: "Remove `create` on pods and workload controllers from roles that do not deploy software; where it must stay, enforce the `restricted` Pod Security Standard and keep powerful service accounts out of that namespace.",
        checklist: ["rbac.least-privilege"],
    }
}

impl Check for RbacCreatePods {
    fn check_object(&self, o: &K8sObject, _cx: &Context, out: &mut Sink) {
        if !is_role(o) {
            return;
        }
        for (rule, hits) in role_grants(o, CREATE_PODS) {
            on_object(
                out,
                o,
                hits[0].resource.loc,
                format!(
                    "{} grants {}: its holders can start pods with any service account and Secret of the namespace",
                    o.resource_id(),
                    describe_hits(&hits.iter().collect::<Vec<_>>())
                ),
            )
            .key_part(rule.key())
            .also_at(o.file, hits[0].verb.loc);
        }
    }
}
