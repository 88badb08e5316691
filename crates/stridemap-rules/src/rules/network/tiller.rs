use super::util::string_map;
use crate::helpers::on_object;
use crate::{Check, Context, Sink};
use std::collections::BTreeMap;
use stridemap_model::image::ImageRef;
use stridemap_model::k8s::{K8sObject, Workload};
use stridemap_model::Node;

declare_rule! {
    /// ## What it does
    /// Flags Helm v2's server component, Tiller: workloads running a `tiller` image or labelled
    /// as Tiller (`name: tiller`, `app: tiller`, or `app: helm` with a Tiller name), and the
    /// Services that front it (selecting or labelled as Tiller, or serving its port 44134).
    ///
    /// ## Why is this bad?
    /// Tiller is an unauthenticated gRPC endpoint that installs whatever chart it is sent, with
    /// a service account that is usually cluster-admin. Any pod that can reach it owns the
    /// cluster. Helm v2 is end-of-life and receives no security fixes.
    ///
    /// ## Example
    /// ```yaml
    /// kind: Deployment
    /// metadata: { name: tiller-deploy, namespace: kube-system, labels: { app: helm, name: tiller } }
    /// spec:
    ///   template:
    ///     spec:
    ///       containers:
    ///         - name: tiller
    ///           image: gcr.io/kubernetes-helm/tiller:v2.16.12
    /// ```
    ///
    /// ## Use instead
    /// Migrate to Helm 3, which has no in-cluster component, and delete the Tiller Deployment,
    /// its Service and its service account binding.
    pub struct TillerDeployed {
        id: "K8S-TILLER",
        title: "Helm v2 Tiller deployed",
        group: ServiceToService,
        stride: ElevationOfPrivilege,
        severity: High,
        cwe: [306, 284],
        infra: [Kubernetes],
        equivalents: [
            "CKV_K8S_34",
            "CKV_K8S_44",
            "kics:6d173be7-545a-46c6-a81d-2ae52ed1605d",
            "kics:8b862ca9-0fbd-4959-ad72-b6609bdaa22d",
        ],
        attack_scenario: "An attacker with code execution in any pod connects to `tiller-deploy.kube-system:44134`, installs a chart containing a privileged pod, and takes over the cluster through Tiller's cluster-admin service account.",
        mitigation: "Migrate releases to Helm 3 and remove Tiller's Deployment, Service and RBAC binding.",
    }
}

pub(super) fn is_tiller_image(image: &str) -> bool {
    let repo = ImageRef::parse(image).repository.to_ascii_lowercase();
    repo.rsplit('/')
        .next()
        .is_some_and(|last| last == "tiller" || last.starts_with("tiller-"))
}

fn is_tiller_word(v: &str) -> bool {
    let v = v.to_ascii_lowercase();
    v == "tiller" || v.starts_with("tiller-") || v.ends_with("-tiller")
}

/// Labels (or a selector) that name Tiller.
pub(super) fn tiller_labels(labels: &BTreeMap<String, String>) -> bool {
    let get = |k: &str| labels.get(k).map(String::as_str);
    get("name").is_some_and(is_tiller_word)
        || get("app").is_some_and(is_tiller_word)
        || get("app.kubernetes.io/name").is_some_and(is_tiller_word)
}

/// Whether a workload is Tiller.
pub(super) fn is_tiller(w: &Workload) -> bool {
    let o = w.object;
    let mut labels = string_map(o.metadata().and_then(|m| m.get("labels")));
    labels.extend(string_map(w.pod_metadata.and_then(|m| m.get("labels"))));
    tiller_labels(&labels)
        || w.containers().iter().any(|c| {
            c.image()
                .and_then(Node::as_str)
                .is_some_and(is_tiller_image)
        })
}

fn service_is_tiller(svc: &K8sObject) -> Option<&Node> {
    let spec = svc.root.get("spec")?;
    let selector = spec.get("selector");
    if tiller_labels(&string_map(selector)) {
        return selector;
    }
    let labels = svc.metadata().and_then(|m| m.get("labels"));
    if tiller_labels(&string_map(labels)) {
        return labels;
    }
    spec.get("ports")
        .map(Node::as_seq)
        .unwrap_or(&[])
        .iter()
        .find(|p| {
            p.get("port").and_then(Node::as_i64) == Some(44134)
                || p.get("name").and_then(Node::as_str) == Some("tiller")
        })
}

impl Check for TillerDeployed {
    fn check_workload(&self, w: &Workload, _cx: &Context, out: &mut Sink) {
        if !is_tiller(w) {
            return;
        }
        let o = w.object;
        let loc = w
            .containers()
            .iter()
            .filter_map(|c| c.image())
            .find(|i| i.as_str().is_some_and(is_tiller_image))
            .map_or(o.metadata().map_or(o.root.loc, |m| m.loc), |i| i.loc);
        on_object(
            out,
            o,
            loc,
            format!(
                "{} deploys Tiller, Helm v2's unauthenticated in-cluster release server",
                o.resource_id()
            ),
        )
        .also_at(o.file, o.root.loc);
    }

    fn check_object(&self, o: &K8sObject, _cx: &Context, out: &mut Sink) {
        if o.kind != "Service" {
            return;
        }
        let Some(node) = service_is_tiller(o) else {
            return;
        };
        on_object(
            out,
            o,
            node.loc,
            format!(
                "{} exposes Tiller's gRPC port to the cluster",
                o.resource_id()
            ),
        )
        .also_at(o.file, o.root.loc);
    }
}
