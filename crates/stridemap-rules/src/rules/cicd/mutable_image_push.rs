use super::util::{image_ops, repository_of, ImageOpKind, Pipeline};
use crate::rules::image::util::mutable_tag;
use crate::{Check, Context, Sink};
use std::collections::BTreeMap;

declare_rule! {
    /// ## What it does
    /// Flags pipeline jobs that publish an image only under a mutable tag: `docker push
    /// app:latest` (or an untagged push, which sends `latest`), `docker build -t app:latest
    /// --push`, kaniko `--destination app:latest`, `docker/build-push-action` with `push: true`
    /// and only `:latest` tags. A job that also pushes the same repository under an
    /// immutable-looking tag (a version, `${{ github.sha }}`, `$CI_COMMIT_SHA`) is fine.
    ///
    /// ## Why is this bad?
    /// A release that only exists as `latest` cannot be referenced, verified or rolled back:
    /// every push overwrites it, deployments that pull `latest` get whatever was pushed last,
    /// and nothing records which build a running pod came from. It also teaches the cluster
    /// side to use the mutable tag, which is what registry tampering exploits.
    ///
    /// ## Example
    /// ```yaml
    /// - run: |
    ///     docker build -t registry.example.com/shop/api:latest .
    ///     docker push registry.example.com/shop/api:latest
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// - run: |
    ///     docker build -t registry.example.com/shop/api:${{ github.sha }} .
    ///     docker push registry.example.com/shop/api:${{ github.sha }}
    /// ```
    /// Push every build under a unique, immutable tag (commit SHA or release version), deploy by
    /// digest, and enable tag immutability in the registry.
    pub struct MutableImagePush {
        id: "CICD-MUTABLE-IMAGE-PUSH",
        title: "Pipeline publishes images only under a mutable tag",
        group: CiCdPipeline,
        stride: Tampering,
        severity: Medium,
        cwe: [494, 829],
        infra: [Cicd],
        equivalents: [],
        attack_scenario: "An attacker with a leaked registry token pushes a backdoored image as `shop/api:latest`; since the pipeline only ever publishes `latest`, the overwrite is indistinguishable from a normal release and the next rollout runs it.",
        mitigation: "Tag each build with the commit SHA or release version, push that tag (plus `latest` only as a convenience), deploy by digest and make tags immutable in the registry.",
    }
}

impl Check for MutableImagePush {
    fn check_corpus(&self, cx: &Context, out: &mut Sink) {
        for p in Pipeline::all(cx.corpus) {
            for job in p.jobs() {
                let ops = image_ops(&job);
                // Every reference the job gives each repository, and the pushes.
                let mut names: BTreeMap<String, Vec<String>> = BTreeMap::new();
                for op in &ops {
                    names
                        .entry(repository_of(&op.reference))
                        .or_default()
                        .push(op.reference.clone());
                }
                let mut pushed: BTreeMap<String, Vec<&super::util::ImageOp>> = BTreeMap::new();
                for op in &ops {
                    if matches!(op.kind, ImageOpKind::Push | ImageOpKind::PushAllTags) {
                        pushed
                            .entry(repository_of(&op.reference))
                            .or_default()
                            .push(op);
                    }
                }
                // A push of a bare, unresolved variable could be any tag of any repository:
                // nothing can be concluded about the job's other pushes.
                let bare_variable = |r: &str| {
                    r.strip_prefix('$').is_some_and(|v| {
                        let v = v.trim_start_matches('{').trim_end_matches('}');
                        !v.is_empty() && v.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                    })
                };
                if pushed
                    .values()
                    .flatten()
                    .any(|o| bare_variable(&o.reference))
                {
                    continue;
                }
                for (repo, pushes) in pushed {
                    let published: Vec<&String> =
                        if pushes.iter().any(|o| o.kind == ImageOpKind::PushAllTags) {
                            names
                                .get(&repo)
                                .map(|v| v.iter().collect())
                                .unwrap_or_default()
                        } else {
                            pushes.iter().map(|o| &o.reference).collect()
                        };
                    if published.is_empty() || !published.iter().all(|r| mutable_tag(r).is_some()) {
                        continue;
                    }
                    let first = pushes[0];
                    p.report(
                        out,
                        first.loc,
                        job.component(),
                        format!("{}/{repo}", job.id),
                        format!("{} publishes `{}` only under a mutable tag, so each push silently replaces the previous image", first.what, first.reference),
                    );
                }
            }
        }
    }
}
