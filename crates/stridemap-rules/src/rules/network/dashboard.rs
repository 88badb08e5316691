use super::util::string_map;
use crate::helpers::on_object;
use crate::{Check, Context, Sink};
use stridemap_model::image::ImageRef;
use stridemap_model::k8s::Workload;
use stridemap_model::Node;

declare_rule! {
    /// ## What it does
    /// Flags workloads that deploy the Kubernetes Dashboard: a container (init containers
    /// included) running a `kubernetesui/…` or `kubernetes-dashboard` image, or a workload
    /// labelled `app`, `k8s-app` or `app.kubernetes.io/name` = `kubernetes-dashboard`.
    ///
    /// ## Why is this bad?
    /// The Dashboard is a web console onto the cluster API. Deployed with a broad service
    /// account, or reachable through a port-forward, proxy or Ingress, it has repeatedly been
    /// the way in for attackers — Tesla's cryptojacking incident began at an unauthenticated
    /// Dashboard. It adds a powerful, browser-facing surface most clusters do not need.
    ///
    /// ## Example
    /// ```yaml
    /// kind: Deployment
    /// metadata: { name: kubernetes-dashboard, namespace: kubernetes-dashboard }
    /// spec:
    ///   template:
    ///     spec:
    ///       containers:
    ///         - name: kubernetes-dashboard
    ///           image: kubernetesui/dashboard:v2.7.0
    /// ```
    ///
    /// ## Use instead
    /// Remove the Dashboard and use `kubectl` with per-user RBAC, or a read-only console outside
    /// the cluster. If it must stay: no cluster-admin binding, no Ingress, token login only,
    /// and a NetworkPolicy that admits only the access proxy.
    pub struct KubernetesDashboard {
        id: "K8S-DASHBOARD",
        title: "Kubernetes Dashboard deployed",
        group: ServiceToService,
        stride: ElevationOfPrivilege,
        severity: Medium,
        cwe: [284, 306],
        infra: [Kubernetes],
        equivalents: ["CKV_K8S_33", "kics:d2ad057f-0928-41ef-a83c-f59203bb855b"],
        attack_scenario: "An attacker reaches the Dashboard through a forgotten Ingress or a compromised pod, skips login or reuses a leaked token, and uses the Dashboard's service account to read secrets and start pods across the cluster.",
        mitigation: "Do not deploy the Dashboard; manage the cluster with kubectl and per-user RBAC. If it is required, bind it to a read-only role, require token login and restrict who can reach it.",
    }
}

const LABEL_KEYS: &[&str] = &["app", "k8s-app", "app.kubernetes.io/name"];

pub(super) fn is_dashboard_image(image: &str) -> bool {
    let repo = ImageRef::parse(image).repository.to_ascii_lowercase();
    repo.contains("kubernetes-dashboard") || repo.split('/').any(|seg| seg == "kubernetesui")
}

impl Check for KubernetesDashboard {
    fn check_workload(&self, w: &Workload, _cx: &Context, out: &mut Sink) {
        let o = w.object;
        let images: Vec<&Node> = w
            .containers()
            .iter()
            .filter_map(|c| c.image())
            .filter(|i| i.as_str().is_some_and(is_dashboard_image))
            .collect();
        let mut labels = string_map(o.metadata().and_then(|m| m.get("labels")));
        labels.extend(string_map(w.pod_metadata.and_then(|m| m.get("labels"))));
        let labelled = LABEL_KEYS
            .iter()
            .any(|k| labels.get(*k).is_some_and(|v| v == "kubernetes-dashboard"));
        if images.is_empty() && !labelled {
            return;
        }
        let (loc, why) = match images.first() {
            Some(img) => (
                img.loc,
                format!(
                    "runs `{}`, part of the Kubernetes Dashboard",
                    img.as_str().unwrap_or("")
                ),
            ),
            None => (
                o.metadata().map_or(o.root.loc, |m| m.loc),
                "is labelled as the Kubernetes Dashboard".to_string(),
            ),
        };
        let f = on_object(
            out,
            o,
            loc,
            format!(
                "{} {why}, a web console onto the cluster API",
                o.resource_id()
            ),
        );
        f.also_at(o.file, o.root.loc);
        for img in images.iter().skip(1) {
            f.also_at(o.file, img.loc);
        }
    }
}
