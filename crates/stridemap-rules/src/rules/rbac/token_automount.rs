use super::util::{
    bindings_for_service_account, pod_service_account, service_account_anchor, token_mount,
    TokenMount,
};
use crate::helpers::on_object;
use crate::{Check, Context, Sink};
use stridemap_model::k8s::Workload;
use stridemap_model::Severity;

declare_rule! {
    /// ## What it does
    /// Flags workloads whose pods get their service-account token mounted automatically:
    /// `automountServiceAccountToken` is `true` on the pod spec, or unset on the pod while the
    /// pod's ServiceAccount (when it is among the scanned manifests) does not set it to `false`.
    /// Pods whose service account is bound to a role in the scanned manifests are left out: they
    /// evidently call the API and need the token.
    ///
    /// ## Why is this bad?
    /// Kubernetes mounts a bearer token into every container unless told otherwise. Most
    /// application pods never call the Kubernetes API, yet anyone who gets a shell or a file
    /// read in them (path traversal, SSRF to the file system, a vulnerable library) picks up a
    /// valid credential for the API server and for anything else that trusts it.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata:
    ///   name: web
    /// spec:
    ///   containers:
    ///     - name: web
    ///       image: registry.example.com/web:1.8.0
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata:
    ///   name: web
    /// spec:
    ///   automountServiceAccountToken: false
    ///   containers:
    ///     - name: web
    ///       image: registry.example.com/web:1.8.0
    /// ```
    /// Set `automountServiceAccountToken: false` on the pod, or on its ServiceAccount, and
    /// project a short-lived token only into pods that use the API.
    pub struct ServiceAccountTokenAutomount {
        id: "SA-TOKEN-AUTOMOUNT",
        title: "Service account token mounted automatically",
        group: ContainerSecurity,
        stride: Spoofing,
        severity: Medium,
        cwe: [522],
        infra: [Kubernetes],
        equivalents: [
            "CKV_K8S_38",
            "kics:48471392-d4d0-47c0-b135-cdec95eb3eef",
        ],
        attack_scenario: "An attacker exploits a file-read bug in the web pod, reads /var/run/secrets/kubernetes.io/serviceaccount/token, and uses it from outside to enumerate the cluster's API and whatever the account is allowed to do.",
        mitigation: "Set `automountServiceAccountToken: false` on pods (or their ServiceAccounts) that do not talk to the Kubernetes API.",
    }
}

impl Check for ServiceAccountTokenAutomount {
    fn check_workload(&self, w: &Workload, cx: &Context, out: &mut Sink) {
        let sa = pod_service_account(w);
        let token = token_mount(w, cx.corpus);
        if matches!(token, TokenMount::Off | TokenMount::Unknown) {
            return;
        }
        if !bindings_for_service_account(cx, sa, w.object.namespace.as_deref()).is_empty() {
            return;
        }
        let id = w.object.resource_id();
        match token {
            TokenMount::Pod(flag) => {
                on_object(
                    out,
                    w.object,
                    flag.loc,
                    format!("{id} sets `automountServiceAccountToken: true`, mounting the token of service account `{sa}` into every container"),
                );
            }
            TokenMount::ServiceAccount(account, flag) => {
                on_object(
                    out,
                    w.object,
                    service_account_anchor(w),
                    format!("{id} inherits `automountServiceAccountToken: true` from {}, mounting its token into every container", account.resource_id()),
                )
                .resource(account.resource_id())
                .also_at(account.file, flag.loc);
            }
            _ => {
                on_object(
                    out,
                    w.object,
                    w.spec.loc,
                    format!("{id} does not set `automountServiceAccountToken: false`, so the token of service account `{sa}` is mounted into every container"),
                )
                .severity(Severity::Low);
            }
        }
    }
}
