use super::util::{admission_loc, invocations, Admission, Component};
use crate::{Check, Context, Sink};
use stridemap_model::k8s::Workload;

declare_rule! {
    /// ## What it does
    /// Flags `kube-apiserver` that does not enable the `ImagePolicyWebhook` admission plugin.
    ///
    /// ## Why is this bad?
    /// Without an image policy at admission, any image name a user can type is run: images
    /// from unknown registries, unsigned builds, tags that were re-pushed. `ImagePolicyWebhook`
    /// sends each pod's images to a backend that can require a trusted registry, a signature
    /// or a vulnerability scan before the pod is admitted.
    ///
    /// ## Example
    /// ```yaml
    /// command:
    ///   - kube-apiserver
    ///   - --enable-admission-plugins=NodeRestriction
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// command:
    ///   - kube-apiserver
    ///   - --enable-admission-plugins=NodeRestriction,ImagePolicyWebhook
    ///   - --admission-control-config-file=/etc/kubernetes/admission.yaml
    /// ```
    /// Enable the plugin and point its configuration at an image-verification backend. If a
    /// policy engine (Kyverno, Gatekeeper, sigstore policy-controller) verifies images
    /// instead, this finding can be accepted.
    pub struct AdmissionNoImagePolicy {
        id: "CP-ADMISSION-NO-IMAGE-POLICY",
        title: "ImagePolicyWebhook admission plugin not enabled",
        group: CiCdPipeline,
        stride: Tampering,
        severity: Low,
        cwe: [494],
        infra: [Kubernetes],
        equivalents: ["kics:14abda69-8e91-4acb-9931-76e2bee90284"],
        attack_scenario: "An attacker with deploy rights runs an image from their own registry, or a tampered re-push of a trusted tag; nothing at admission checks where the image comes from or whether it is signed.",
        mitigation: "Enable `ImagePolicyWebhook` (or an equivalent policy engine) that only admits images from trusted registries with valid signatures.",
        checklist: ["images.signatures-verified"],
    }
}

impl Check for AdmissionNoImagePolicy {
    fn check_workload(&self, w: &Workload, _cx: &Context, out: &mut Sink) {
        for inv in invocations(w, &[Component::ApiServer]) {
            if !Admission::of(&inv).runs("ImagePolicyWebhook") {
                inv.report(out, w, admission_loc(&inv, "ImagePolicyWebhook"), format!("{} does not enable the ImagePolicyWebhook admission plugin, so images are admitted without any provenance check", inv.describe(w)));
            }
        }
    }
}
