use crate::helpers::on_dockerfile;
use crate::rules::image::util::{base_images, mutable_tag, Mutable};
use crate::{Check, Context, Sink};
use stridemap_model::dockerfile::Dockerfile;

declare_rule! {
    /// ## What it does
    /// Flags Dockerfile `FROM` lines whose base image carries neither a tag nor a digest
    /// (`FROM node`). Build arguments declared before the first `FROM` are substituted first;
    /// `scratch`, earlier build stages and references that still hold variables are skipped.
    /// An explicit `:latest` is a choice rather than an omission and is left to
    /// `IMG-LATEST-TAG`.
    ///
    /// ## Why is this bad?
    /// Without a tag the builder silently takes whatever `latest` is on the day of the build.
    /// Two builds of one commit can end up on different operating-system releases, a broken or
    /// malicious upstream push flows straight into your image, and nobody can tell afterwards
    /// which base a given image was built from.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM python
    /// COPY . /srv/app
    /// ```
    ///
    /// ## Use instead
    /// ```dockerfile
    /// FROM python:3.12.4-slim-bookworm
    /// COPY . /srv/app
    /// ```
    /// Name the release you build on; add `@sha256:…` to make the build reproducible.
    pub struct UnpinnedBaseImage {
        id: "DKR-UNPINNED-BASE",
        title: "Base image without an explicit version",
        group: CiCdPipeline,
        stride: Tampering,
        severity: Medium,
        cwe: [1357, 829],
        infra: [Docker],
        equivalents: ["kics:9efb0b2d-89c9-41a3-91ca-dcc0aec911fd"],
        attack_scenario: "A compromised or hijacked upstream repository publishes a tampered `latest`; the next CI build of any service that builds `FROM` the bare name picks it up and ships it to production with no diff in the repository.",
        mitigation: "Give every `FROM` an explicit version tag (and preferably its digest), and upgrade base images deliberately through reviewed changes.",
    }
}

impl Check for UnpinnedBaseImage {
    fn check_dockerfile(&self, df: &Dockerfile, cx: &Context, out: &mut Sink) {
        let path = &cx.corpus.file(df.file).path;
        for base in base_images(df) {
            if mutable_tag(&base.reference) != Some(Mutable::NoTag) {
                continue;
            }
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
                    "{stage} of `{path}` builds on `{}` without a version tag or digest",
                    base.reference
                ),
            )
            .key_part(format!("stage{}", base.stage.index));
        }
    }
}
