use super::util::{admission_loc, invocations, Admission, Component};
use crate::{Check, Context, Sink};
use stridemap_model::k8s::Workload;

declare_rule! {
    /// ## What it does
    /// Flags `kube-apiserver` that runs no pod-level security admission: none of
    /// `PodSecurity`, `PodSecurityPolicy` or `SecurityContextDeny` is enabled. `PodSecurity` is
    /// on by default from Kubernetes 1.23, so the finding needs either an image tag older than
    /// that, a legacy `--admission-control` list without it, or `PodSecurity` in
    /// `--disable-admission-plugins`.
    ///
    /// ## Why is this bad?
    /// Without pod security admission, anyone who may create pods in a namespace may create
    /// privileged pods, pods on the host network and PID namespace, and pods that mount the
    /// node's filesystem: each one a direct path to root on the node. Namespace labels such as
    /// `pod-security.kubernetes.io/enforce: restricted` do nothing when the plugin is off.
    ///
    /// ## Example
    /// ```yaml
    /// containers:
    ///   - name: kube-apiserver
    ///     image: registry.k8s.io/kube-apiserver:v1.21.14
    ///     command:
    ///       - kube-apiserver
    ///       - --enable-admission-plugins=NodeRestriction
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// containers:
    ///   - name: kube-apiserver
    ///     image: registry.k8s.io/kube-apiserver:v1.29.4
    ///     command:
    ///       - kube-apiserver
    ///       - --enable-admission-plugins=NodeRestriction
    /// ```
    /// Run a release with Pod Security admission (1.23+) and label namespaces with the
    /// `baseline` or `restricted` level; on older clusters enable `PodSecurityPolicy`.
    pub struct AdmissionNoPodSecurity {
        id: "CP-ADMISSION-NO-POD-SECURITY",
        title: "No pod security admission plugin",
        group: CiCdPipeline,
        stride: ElevationOfPrivilege,
        severity: High,
        cwe: [284],
        infra: [Kubernetes],
        equivalents: [
            "CKV_K8S_81",
            "CKV_K8S_84",
            "kics:afa36afb-39fe-4d94-b9b6-afb236f7a03d",
            "kics:6a68bebe-c021-492e-8ddb-55b0567fb768",
        ],
        attack_scenario: "A developer token with rights to create Deployments in one namespace is phished; the attacker deploys a privileged pod with hostPID and a hostPath mount of /, and nothing at admission refuses it.",
        mitigation: "Enable Pod Security admission (default from 1.23) and enforce `baseline` or `restricted` on namespaces; do not disable `PodSecurity`.",
    }
}

const POD_GUARDS: &[&str] = &["PodSecurity", "PodSecurityPolicy", "SecurityContextDeny"];

impl Check for AdmissionNoPodSecurity {
    fn check_workload(&self, w: &Workload, _cx: &Context, out: &mut Sink) {
        for inv in invocations(w, &[Component::ApiServer]) {
            let admission = Admission::of(&inv);
            if POD_GUARDS.iter().any(|p| admission.explicitly_enabled(p)) {
                continue;
            }
            // PodSecurity runs by default from 1.23; an unversioned image is taken as current.
            let default_on = inv.k8s_version().is_none_or(|v| v >= (1, 23));
            if default_on && admission.runs("PodSecurity") {
                continue;
            }
            let why = if admission.explicitly_disabled("PodSecurity") {
                "disables PodSecurity".to_string()
            } else if admission.legacy {
                "lists its admission plugins with `--admission-control` but none of PodSecurity, PodSecurityPolicy or SecurityContextDeny".to_string()
            } else {
                let (major, minor) = inv.k8s_version().unwrap_or((1, 0));
                format!("runs Kubernetes {major}.{minor}, which has no PodSecurity admission, and enables neither PodSecurityPolicy nor SecurityContextDeny")
            };
            inv.report(
                out,
                w,
                admission_loc(&inv, "PodSecurity"),
                format!(
                    "{} {why}, so privileged and host-level pods are admitted",
                    inv.describe(w)
                ),
            );
        }
    }
}
