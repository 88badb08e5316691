use super::util::Pipeline;
use crate::rules::image::util::{mutable_tag, Mutable};
use crate::{Check, Context, Sink};
use stridemap_model::Node;

declare_rule! {
    /// ## What it does
    /// Flags the container images CI jobs run in when they are referenced by `latest` or
    /// without any tag: GitLab `image:` and `services:` (global, `default:` and per job) and
    /// GitHub Actions job `container:` and `services:`. Version tags and digests pass;
    /// references built from variables are judged only when they spell out `:latest`.
    ///
    /// ## Why is this bad?
    /// The job image is the build environment: its compilers, package managers and CLIs touch
    /// the source, the credentials and the artifacts of every run. With `latest`, whoever can
    /// publish to that repository changes what builds your releases, silently and between two
    /// runs of an unchanged pipeline.
    ///
    /// ## Example
    /// ```yaml
    /// build:
    ///   image: docker:latest
    ///   services:
    ///     - docker:dind
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// build:
    ///   image: docker:27.3.1@sha256:1ed1e6d5d2b2d1c1a6a9d3e0f4c5b6a7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f2a3
    ///   services:
    ///     - docker:27.3.1-dind
    /// ```
    /// Pin a version tag, preferably with its digest, and update it deliberately.
    pub struct MutableCiImage {
        id: "CICD-MUTABLE-CI-IMAGE",
        title: "CI job runs in an image referenced by a mutable tag",
        group: CiCdPipeline,
        stride: Tampering,
        severity: Medium,
        cwe: [829, 494],
        infra: [Cicd],
        equivalents: [],
        attack_scenario: "The maintainer account of a community build image is hijacked and `latest` is re-pushed with a modified `git` binary; every pipeline that uses it injects a backdoor into the artifacts it builds and sends the job token to the attacker.",
        mitigation: "Reference CI job and service images by version tag and digest, mirrored into a registry you control.",
    }
}

fn images<'a>(node: &'a Node, field: &str, out: &mut Vec<(&'a str, &'a Node)>) {
    let Some(v) = node.get(field) else { return };
    let mut one = |n: &'a Node| {
        let target = n.get("name").or_else(|| n.get("image")).unwrap_or(n);
        if let Some(s) = target.as_str() {
            out.push((s, target));
        }
    };
    if v.is_seq() {
        v.as_seq().iter().for_each(&mut one);
    } else if v.is_map() && field == "services" {
        // GitHub `services:` is a map of service name to definition.
        for (_, _, svc) in v.entries() {
            one(svc);
        }
    } else {
        one(v);
    }
}

impl Check for MutableCiImage {
    fn check_corpus(&self, cx: &Context, out: &mut Sink) {
        for p in Pipeline::all(cx.corpus) {
            let mut found: Vec<(&str, &Node, String, String, String)> = Vec::new();
            if !p.is_github() {
                for scope in [Some(p.root), p.root.get("default")].into_iter().flatten() {
                    for field in ["image", "services"] {
                        let mut v = Vec::new();
                        images(scope, field, &mut v);
                        for (s, n) in v {
                            found.push((
                                s,
                                n,
                                p.describe(),
                                "CI defaults".into(),
                                format!("global/{field}/{s}"),
                            ));
                        }
                    }
                }
            }
            for job in p.jobs() {
                let fields: &[&str] = if p.is_github() {
                    &["container", "services"]
                } else {
                    &["image", "services"]
                };
                for field in fields {
                    let mut v = Vec::new();
                    images(job.node, field, &mut v);
                    for (s, n) in v {
                        found.push((
                            s,
                            n,
                            job.describe(),
                            job.component(),
                            format!("{}/{field}/{s}", job.id),
                        ));
                    }
                }
            }
            for (reference, node, what, component, key) in found {
                let Some(kind) = mutable_tag(reference) else {
                    continue;
                };
                let how = match kind {
                    Mutable::Latest => "its mutable `latest` tag",
                    Mutable::NoTag => "no tag, so `latest` is pulled",
                };
                p.report(
                    out,
                    node.loc,
                    component,
                    key,
                    format!("{what} runs in image `{reference}` by {how}"),
                );
            }
        }
    }
}
