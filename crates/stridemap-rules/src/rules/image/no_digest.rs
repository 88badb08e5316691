use super::util::{compose_pulled_image, has_digest};
use crate::helpers::{on_container, on_service};
use crate::{Check, Context, Sink};
use stridemap_model::compose::{ComposeFile, ComposeService};
use stridemap_model::image::ImageRef;
use stridemap_model::k8s::Workload;
use stridemap_model::Severity;

declare_rule! {
    /// ## What it does
    /// Flags deployed images that are not pinned by a content digest (`@sha256:…`): every
    /// container of a pod spec, init, sidecar and ephemeral ones included, and Compose services
    /// that pull their image. A reference assembled from variables or templates is reported at
    /// `info` severity, since no digest is visible in it. Images from the registries listed in
    /// `trusted-registries` (stridemap.toml) are left alone: who can push there is the user's
    /// own decision.
    ///
    /// ## Why is this bad?
    /// Even a version tag such as `1.4.2` is only a pointer the registry can move. The digest
    /// is the hash of the image itself: with it, the runtime refuses anything but the exact
    /// bytes that were reviewed and scanned, whoever controls the registry.
    ///
    /// ## Example
    /// ```yaml
    /// containers:
    ///   - name: worker
    ///     image: ghcr.io/acme/worker:3.2.0
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// containers:
    ///   - name: worker
    ///     image: ghcr.io/acme/worker:3.2.0@sha256:4c1d0e2b9a8f7e6d5c4b3a29181706f5e4d3c2b1a09f8e7d6c5b4a3928170605
    /// ```
    /// Keep the tag for humans and add the digest for the runtime; an update bot can bump both.
    pub struct ImageWithoutDigest {
        id: "IMG-NO-DIGEST",
        title: "Image not pinned by digest",
        group: CiCdPipeline,
        stride: Tampering,
        severity: Low,
        cwe: [494, 1357],
        infra: [Kubernetes, Compose],
        equivalents: [
            "CKV_K8S_43",
            "kics:7c81d34c-8e5a-402b-9798-9f442630e678",
        ],
        attack_scenario: "Someone with write access to the registry, or a compromised mirror in between, re-points the tag the manifest uses to a modified image; nodes that pull afterwards run it while the manifest still looks unchanged.",
        mitigation: "Append the digest of the tested image to every reference (`name:tag@sha256:…`) and enforce it with an admission policy; automate digest updates with Renovate or a similar bot.",
    }
}

fn templated(reference: &str) -> bool {
    ImageRef::is_templated(reference)
}

/// Pinned, or pinned through a variable (`name@${DIGEST}`).
fn pinned(reference: &str) -> bool {
    has_digest(reference) || (templated(reference) && reference.contains('@'))
}

impl Check for ImageWithoutDigest {
    fn check_workload(&self, w: &Workload, cx: &Context, out: &mut Sink) {
        for c in w.containers() {
            let Some(node) = c.image() else { continue };
            let Some(reference) = node.as_str().map(str::trim).filter(|r| !r.is_empty()) else {
                continue;
            };
            if pinned(reference) || cx.settings.trusts_image(reference) {
                continue;
            }
            let finding = on_container(
                out,
                w,
                &c,
                node.loc,
                if templated(reference) {
                    format!("{} of {} takes its image from a variable (`{reference}`) and no digest is visible, so the image that runs cannot be verified", c.describe(), w.object.resource_id())
                } else {
                    format!(
                        "{} of {} references image `{reference}` by tag only, not by digest",
                        c.describe(),
                        w.object.resource_id()
                    )
                },
            );
            if templated(reference) {
                finding.severity(Severity::Info);
            }
        }
    }

    fn check_compose_service(
        &self,
        compose: &ComposeFile,
        service: &ComposeService,
        cx: &Context,
        out: &mut Sink,
    ) {
        let Some((reference, node)) = compose_pulled_image(service) else {
            return;
        };
        let reference = reference.trim();
        if reference.is_empty() || pinned(reference) || cx.settings.trusts_image(reference) {
            return;
        }
        let finding = on_service(
            out,
            compose,
            service,
            node.loc,
            if templated(reference) {
                format!("Compose service `{}` takes its image from a variable (`{reference}`) and no digest is visible", service.name)
            } else {
                format!("Compose service `{}` references image `{reference}` by tag only, not by digest", service.name)
            },
        );
        if templated(reference) {
            finding.severity(Severity::Info);
        }
    }
}
