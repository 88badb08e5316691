use crate::{Check, Context, Sink};
use stridemap_model::k8s::K8sObject;
use stridemap_model::{InfraType, Node};

declare_rule! {
    /// ## What it does
    /// Reports, once per scan, a repository that deploys Kubernetes workloads but contains no
    /// admission policy that controls which images may run: no Kyverno policy with
    /// `verifyImages` or image rules, no sigstore policy-controller or Portieris
    /// `ClusterImagePolicy`/`ImagePolicy`, no Gatekeeper constraint template or constraint about
    /// images or registries, no Ratify configuration, no Connaisseur, no Kubewarden or
    /// `ValidatingAdmissionPolicy` about images, no `ImagePolicyWebhook` configuration. The
    /// evidence points at a few of the workloads; `kube-system` workloads are not counted.
    ///
    /// ## Why is this bad?
    /// Without an admission check the cluster runs whatever image a manifest names: an image
    /// pushed with a stolen registry token, one from a look-alike registry, or an unsigned
    /// local build. Signing images in CI only protects you if something refuses the unsigned
    /// ones. The policy may live in a separate platform repository; if so, this finding is a
    /// reminder to check that it covers these workloads' namespaces.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata:
    ///   name: api
    /// spec:
    ///   template:
    ///     spec:
    ///       containers:
    ///         - name: api
    ///           image: registry.example.com/shop/api:2.7.1
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// apiVersion: kyverno.io/v1
    /// kind: ClusterPolicy
    /// metadata:
    ///   name: verify-shop-images
    /// spec:
    ///   validationFailureAction: Enforce
    ///   rules:
    ///     - name: signed-by-ci
    ///       match:
    ///         any:
    ///           - resources:
    ///               kinds: [Pod]
    ///       verifyImages:
    ///         - imageReferences: ["registry.example.com/shop/*"]
    ///           attestors:
    ///             - entries:
    ///                 - keyless:
    ///                     issuer: https://token.actions.githubusercontent.com
    ///                     subject: https://github.com/example/shop/.github/workflows/release.yml@refs/heads/main
    /// ```
    /// Enforce signature (and digest) verification at admission with Kyverno, the sigstore
    /// policy-controller, Connaisseur or Gatekeeper with Ratify.
    pub struct NoAdmissionPolicy {
        id: "CICD-NO-ADMISSION-POLICY",
        title: "No admission policy verifies deployed images",
        group: CiCdPipeline,
        stride: Tampering,
        severity: Medium,
        cwe: [347, 345],
        infra: [Kubernetes],
        equivalents: [],
        attack_scenario: "An attacker with a leaked registry credential overwrites an image tag the cluster deploys; with no admission control checking signatures or allowed registries, the next pod start runs the attacker's image with the service's credentials.",
        mitigation: "Deploy an admission controller (Kyverno `verifyImages`, sigstore policy-controller, Connaisseur, Gatekeeper with Ratify) that admits only images signed by your CI from your registries, by digest.",
        checklist: ["images.signatures-verified"],
    }
}

const IMAGE_TOOLS: &[&str] = &[
    "connaisseur",
    "policy-controller",
    "portieris",
    "ratify",
    "cosigned",
    "sigstore",
];

fn mentions(node: &Node, pred: &dyn Fn(&str) -> bool) -> bool {
    let mut found = false;
    node.walk(&mut |_, key, n| {
        if found {
            return;
        }
        if key.and_then(Node::as_str).is_some_and(pred) || n.as_str().is_some_and(pred) {
            found = true;
        }
    });
    found
}

fn about_images(s: &str) -> bool {
    let l = s.to_ascii_lowercase();
    ["image", "registry", "repos", "tags", "digest"]
        .iter()
        .any(|w| l.contains(w))
}

/// Whether an object is (part of) an admission policy about images.
fn is_image_policy(o: &K8sObject) -> bool {
    let group = o.api_version.split('/').next().unwrap_or("");
    let name = o.name.to_ascii_lowercase();
    match group {
        "kyverno.io" => {
            o.is_kind(&["ClusterPolicy", "Policy"])
                && o.root.get("spec").is_some_and(|s| {
                    mentions(s, &|t| {
                        t == "verifyImages" || t == "image" || t == "imageReferences"
                    })
                })
        }
        "policy.sigstore.dev" | "portieris.cloud.ibm.com" | "config.ratify.deislabs.io" => true,
        "externaldata.gatekeeper.sh" => true,
        "templates.gatekeeper.sh" => mentions(&o.root, &about_images),
        "constraints.gatekeeper.sh" => about_images(&o.kind),
        "policies.kubewarden.io" => o
            .root
            .get("spec")
            .is_some_and(|s| mentions(s, &about_images)),
        "admissionregistration.k8s.io" if o.kind == "ValidatingAdmissionPolicy" => o
            .root
            .get("spec")
            .is_some_and(|s| mentions(s, &|t| t.contains("image"))),
        "admissionregistration.k8s.io" => IMAGE_TOOLS.iter().any(|t| name.contains(t)),
        "apiserver.config.k8s.io" | "apiserver.k8s.io" => {
            o.kind == "AdmissionConfiguration" && mentions(&o.root, &|t| t == "ImagePolicyWebhook")
        }
        // GitOps objects that install an image-verification tool.
        _ if o.is_kind(&["HelmRelease", "Application", "HelmChart"]) => mentions(&o.root, &|t| {
            let l = t.to_ascii_lowercase();
            IMAGE_TOOLS.iter().any(|tool| l.contains(tool))
        }),
        _ => IMAGE_TOOLS.iter().any(|t| name.starts_with(t)) && o.kind != "Namespace",
    }
}

impl Check for NoAdmissionPolicy {
    fn check_corpus(&self, cx: &Context, out: &mut Sink) {
        let mut workloads = Vec::new();
        for o in &cx.corpus.objects {
            if is_image_policy(o) {
                return;
            }
            if let Some(w) = o.workload() {
                // The cluster's own components are usually exempt from image policies.
                if !w.containers().is_empty() && w.namespace() != "kube-system" {
                    workloads.push(w);
                }
            }
        }
        let Some(first) = workloads.first() else {
            return;
        };
        let anchor = |w: &stridemap_model::k8s::Workload| {
            w.containers()
                .first()
                .and_then(|c| c.image())
                .map_or(w.object.root.loc, |n| n.loc)
        };
        let names: Vec<String> = workloads
            .iter()
            .take(3)
            .map(|w| w.object.resource_id())
            .collect();
        let more = workloads.len().saturating_sub(3);
        let f = out
            .report(
                first.object.file,
                anchor(first),
                format!(
                    "the repository deploys {} workload{} ({}{}) but contains no admission policy that verifies image signatures or restricts which images may run",
                    workloads.len(),
                    if workloads.len() == 1 { "" } else { "s" },
                    names.join(", "),
                    if more > 0 { format!(" and {more} more") } else { String::new() }
                ),
            )
            .component("admission control")
            .key("repository:admission-policy")
            .infra(InfraType::Kubernetes);
        for w in workloads.iter().take(10) {
            f.resource(w.object.resource_id());
        }
        for w in workloads.iter().skip(1).take(2) {
            f.also_at(w.object.file, anchor(w));
        }
    }
}
