use super::util::{image_ops, ImageOpKind, Pipeline};
use crate::{Check, Context, Sink};
use stridemap_model::Node;

declare_rule! {
    /// ## What it does
    /// Flags a pipeline file that pushes container images but never signs them or attaches
    /// provenance: no `cosign sign`/`cosign attest`, `notation sign`, `docker trust sign` or
    /// `DOCKER_CONTENT_TRUST=1`, no `actions/attest-build-provenance` (or `actions/attest`),
    /// no SLSA generator workflow, and no `docker/build-push-action` with `provenance:` or
    /// `sbom: true`, no `buildx build --attest`/`--provenance`/`--sbom`. Reported once per file, at
    /// the first push.
    ///
    /// ## Why is this bad?
    /// Without a signature nothing downstream can tell an image your pipeline built from one
    /// somebody else pushed with a stolen registry credential. Admission policies that verify
    /// images have nothing to verify, so a registry compromise goes straight to production.
    ///
    /// ## Example
    /// ```yaml
    /// - run: docker push registry.example.com/shop/api:${{ github.sha }}
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// - run: docker push registry.example.com/shop/api:${{ github.sha }}
    /// - uses: sigstore/cosign-installer@d7d6bc7722e3daa8354c50bcb52f4837da5e9b6a # v3.8.1
    /// - run: cosign sign --yes registry.example.com/shop/api@${{ steps.build.outputs.digest }}
    /// ```
    /// Sign the pushed digest (keyless with the workflow's OIDC identity, or with a KMS key)
    /// and verify the signature at admission time.
    pub struct NoImageSigning {
        id: "CICD-NO-IMAGE-SIGNING",
        title: "Pipeline pushes images without signing them",
        group: CiCdPipeline,
        stride: Tampering,
        severity: Medium,
        cwe: [347, 494],
        infra: [Cicd],
        equivalents: [],
        attack_scenario: "An attacker who obtained a registry token pushes a backdoored image under the tag the pipeline uses; because no image is ever signed, the cluster cannot distinguish it from a legitimate build and runs it.",
        mitigation: "Sign every pushed image digest with cosign or Notation (or attest build provenance) in the pipeline, and enforce signature verification with an admission policy.",
    }
}

fn signs(p: &Pipeline) -> bool {
    let vars_trust = |m: Option<&Node>| {
        m.and_then(|m| m.get("DOCKER_CONTENT_TRUST"))
            .and_then(Node::as_str)
            .is_some_and(|v| v.trim() == "1")
    };
    if vars_trust(p.root.get("env")) || vars_trust(p.root.get("variables")) {
        return true;
    }
    for job in p.jobs() {
        if job
            .node
            .get("uses")
            .and_then(Node::as_str)
            .is_some_and(|u| u.contains("slsa-github-generator"))
        {
            return true;
        }
        if vars_trust(job.node.get("env")) || vars_trust(job.node.get("variables")) {
            return true;
        }
        for step in job.steps() {
            if step.is_action(&[
                "actions/attest-build-provenance",
                "actions/attest",
                "actions/attest-sbom",
                "notaryproject/notation-action",
                "sigstore/gh-action-sigstore-python",
            ]) || step
                .uses()
                .is_some_and(|(u, _)| u.contains("slsa-github-generator"))
            {
                return true;
            }
            if step.is_action(&["docker/build-push-action", "docker/bake-action"]) {
                let provenance = step
                    .with("provenance")
                    .and_then(Node::as_str)
                    .is_some_and(|v| !v.trim().eq_ignore_ascii_case("false"));
                let sbom = step.with("sbom").and_then(Node::as_bool) == Some(true);
                if provenance || sbom {
                    return true;
                }
            }
        }
        for script in job.scripts() {
            for cmd in script.commands() {
                let sub = cmd.subcommand().map(|s| s.1);
                if (cmd.is(&["cosign"]) && matches!(sub, Some("sign" | "attest")))
                    || (cmd.is(&["notation"]) && sub == Some("sign"))
                    || (cmd.is(&["docker"]) && sub == Some("trust"))
                    || cmd
                        .env
                        .iter()
                        .any(|(k, v)| k == "DOCKER_CONTENT_TRUST" && v == "1")
                    || (cmd.is(&["docker"])
                        && cmd.args.iter().any(|a| a == "buildx")
                        && cmd.has_flag(&["--attest", "--provenance", "--sbom"]))
                {
                    return true;
                }
            }
        }
    }
    false
}

impl Check for NoImageSigning {
    fn check_corpus(&self, cx: &Context, out: &mut Sink) {
        for p in Pipeline::all(cx.corpus) {
            let first_push = p.jobs().iter().find_map(|job| {
                image_ops(job)
                    .into_iter()
                    .find(|o| matches!(o.kind, ImageOpKind::Push | ImageOpKind::PushAllTags))
                    .map(|o| (o, job.component()))
            });
            let Some((push, component)) = first_push else {
                continue;
            };
            if signs(&p) {
                continue;
            }
            p.report(
                out,
                push.loc,
                component,
                "signing",
                format!("{} pushes `{}`, and nothing in `{}` signs the images it publishes or attests their provenance", push.what, push.reference, p.path),
            );
        }
    }
}
