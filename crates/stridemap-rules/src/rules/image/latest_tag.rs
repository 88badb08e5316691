use super::util::{base_images, compose_pulled_image, mutable_tag, Mutable};
use crate::helpers::{on_container, on_dockerfile, on_service};
use crate::{Check, Context, Sink};
use stridemap_model::compose::{ComposeFile, ComposeService};
use stridemap_model::dockerfile::Dockerfile;
use stridemap_model::k8s::Workload;

declare_rule! {
    /// ## What it does
    /// Flags images referenced by a mutable tag: an explicit `:latest`, or no tag at all (which
    /// the runtime resolves to `latest`). It looks at every container of a pod spec (init,
    /// sidecar and ephemeral containers included), at the `image:` of Compose services that are
    /// pulled rather than built, and at the base images of Dockerfile `FROM` lines. References
    /// pinned by digest, `FROM scratch`, `FROM <earlier stage>` and references whose tag comes
    /// from a variable (`${TAG}`, `{{ .Values.tag }}`) are left alone; a templated registry or
    /// repository followed by a literal `:latest` is still reported.
    ///
    /// ## Why is this bad?
    /// `latest` is just the tag the publisher moved last. What runs changes whenever a node
    /// pulls again, so two replicas of one Deployment can run different code, a rollback
    /// redeploys whatever is newest instead of what ran before, and anyone able to push to the
    /// repository (or to a look-alike registry mirror) decides what your cluster executes on
    /// its next restart.
    ///
    /// ## Example
    /// ```yaml
    /// containers:
    ///   - name: api
    ///     image: registry.example.com/shop/api:latest
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// containers:
    ///   - name: api
    ///     image: registry.example.com/shop/api:2.7.1@sha256:9f3c4a1e0b7d2c5f8e6a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e
    /// ```
    /// Reference a release tag, and ideally the digest that tag pointed to when you tested it.
    pub struct LatestImageTag {
        id: "IMG-LATEST-TAG",
        title: "Image uses a mutable `latest` tag",
        group: CiCdPipeline,
        stride: Tampering,
        severity: Medium,
        cwe: [1357, 829, 494],
        infra: [Kubernetes, Compose, Docker],
        equivalents: [
            "CKV_K8S_14",
            "CKV_DOCKER_7",
            "kics:583053b7-e632-46f0-b989-f81ff8045385",
            "kics:f45ea400-6bbe-4501-9fc7-1c3d75c32067",
            "kube-linter:latest-tag",
        ],
        attack_scenario: "An attacker who can push to the image repository (stolen CI token, compromised maintainer account, typosquatted mirror) publishes a backdoored build under `latest`; the next pod restart or node reschedule pulls and runs it without any change to the manifests.",
        mitigation: "Reference an explicit release tag and, better, pin the image digest (`name:1.4.2@sha256:…`); let a bot such as Renovate or Dependabot propose upgrades so every change of image goes through review.",
        checklist: ["images.no-latest"],
    }
}

fn what(kind: Mutable, reference: &str) -> String {
    match kind {
        Mutable::Latest => format!("image `{reference}` by its mutable `latest` tag"),
        Mutable::NoTag => format!("image `{reference}` without a tag, so `latest` is pulled"),
    }
}

impl Check for LatestImageTag {
    fn check_workload(&self, w: &Workload, _cx: &Context, out: &mut Sink) {
        for c in w.containers() {
            let Some(node) = c.image() else { continue };
            let Some(reference) = node.as_str() else {
                continue;
            };
            if let Some(kind) = mutable_tag(reference) {
                on_container(
                    out,
                    w,
                    &c,
                    node.loc,
                    format!(
                        "{} of {} runs {}",
                        c.describe(),
                        w.object.resource_id(),
                        what(kind, reference)
                    ),
                );
            }
        }
    }

    fn check_compose_service(
        &self,
        compose: &ComposeFile,
        service: &ComposeService,
        _cx: &Context,
        out: &mut Sink,
    ) {
        let Some((reference, node)) = compose_pulled_image(service) else {
            return;
        };
        if let Some(kind) = mutable_tag(reference) {
            on_service(
                out,
                compose,
                service,
                node.loc,
                format!(
                    "Compose service `{}` runs {}",
                    service.name,
                    what(kind, reference)
                ),
            );
        }
    }

    fn check_dockerfile(&self, df: &Dockerfile, cx: &Context, out: &mut Sink) {
        let path = &cx.corpus.file(df.file).path;
        for base in base_images(df) {
            if let Some(kind) = mutable_tag(&base.reference) {
                let stage = match &base.stage.alias {
                    Some(a) => format!("stage `{a}`"),
                    None => format!("stage {}", base.stage.index + 1),
                };
                on_dockerfile(
                    out,
                    cx.corpus,
                    df,
                    base.loc,
                    format!(
                        "{stage} of `{path}` builds on {}",
                        what(kind, &base.reference)
                    ),
                )
                .key_part(format!("stage{}", base.stage.index));
            }
        }
    }
}
