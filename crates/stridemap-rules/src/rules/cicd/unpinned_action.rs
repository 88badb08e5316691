use super::util::{Pipeline, Platform};
use crate::rules::image::util::has_digest;
use crate::{Check, Context, Sink};
use stridemap_model::{Node, Severity};

declare_rule! {
    /// ## What it does
    /// Flags third-party code a pipeline runs by a movable reference: GitHub Actions `uses:`
    /// (steps, reusable workflows, composite actions) whose `@ref` is a tag or a branch instead
    /// of a full 40-character commit SHA, `docker://` actions without a digest, and GitLab
    /// `include:` entries that pull another project at a branch or tag, a remote file without
    /// an `integrity:` hash, or a CI/CD component by version. Local actions (`./…`) and
    /// GitLab templates and local includes are fine. GitHub's own `actions/*` and `github/*`
    /// are reported at low severity, branch references at high.
    ///
    /// ## Why is this bad?
    /// A tag or branch is whatever its owner pushed last. The action runs inside the job with
    /// its token and secrets, so whoever takes over the action's repository (or moves its tag,
    /// as happened with `tj-actions/changed-files`) runs code in every pipeline that uses it.
    ///
    /// ## Example
    /// ```yaml
    /// steps:
    ///   - uses: actions/checkout@v4
    ///   - uses: some-org/setup-kubectl@main
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// steps:
    ///   - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2
    ///   - uses: some-org/setup-kubectl@3f1c2d4e5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d # v1.3.0
    /// ```
    /// Pin the commit SHA (keep the version in a comment) and let Dependabot or Renovate
    /// propose updates.
    pub struct UnpinnedAction {
        id: "CICD-UNPINNED-ACTION",
        title: "Pipeline uses a third-party action or include by a mutable reference",
        group: CiCdPipeline,
        stride: Tampering,
        severity: Medium,
        cwe: [829, 494],
        infra: [Cicd],
        equivalents: [],
        attack_scenario: "The attacker compromises the maintainer account of an action the deploy job uses and re-points its `v2` tag to a commit that dumps the job's environment; the next pipeline run sends the registry and cluster credentials to the attacker.",
        mitigation: "Reference actions by full commit SHA (with the version as a comment), GitLab includes by commit SHA or with an `integrity:` hash, and keep them current with an update bot.",
    }
}

fn is_full_sha(r: &str) -> bool {
    r.len() == 40 && r.chars().all(|c| c.is_ascii_hexdigit())
}

/// `v4`, `v1.2.3`, `1.0`, `v2-beta`: looks like a release tag rather than a branch.
fn looks_like_version(r: &str) -> bool {
    let r = r
        .strip_prefix('v')
        .or_else(|| r.strip_prefix('V'))
        .unwrap_or(r);
    r.chars().next().is_some_and(|c| c.is_ascii_digit())
}

fn ref_kind(r: &str) -> &'static str {
    if r.len() >= 7 && r.chars().all(|c| c.is_ascii_hexdigit()) {
        "abbreviated commit"
    } else if looks_like_version(r) {
        "tag"
    } else {
        "branch"
    }
}

impl UnpinnedAction {
    fn github(&self, p: &Pipeline, out: &mut Sink) {
        for job in p.jobs() {
            let mut refs: Vec<(&str, &Node, String, String)> = Vec::new();
            if let Some(u) = job
                .node
                .get("uses")
                .filter(|_| p.platform == Platform::GitHubWorkflow)
            {
                if let Some(s) = u.as_str() {
                    refs.push((s.trim(), u, job.describe(), format!("{}/uses", job.id)));
                }
            }
            for step in job.steps() {
                if let Some((s, n)) = step.uses() {
                    refs.push((
                        s,
                        n,
                        format!("{} of {}", step.describe(), job.describe()),
                        step.key(),
                    ));
                }
            }
            for (uses, node, what, key) in refs {
                if uses.starts_with("./") || uses.starts_with(".\\") || uses.contains("${{") {
                    continue;
                }
                if let Some(image) = uses.strip_prefix("docker://") {
                    if !has_digest(image) {
                        p.report(
                            out,
                            node.loc,
                            job.component(),
                            &key,
                            format!(
                                "{what} runs the container action `{uses}` by tag, not by digest"
                            ),
                        );
                    }
                    continue;
                }
                let (name, r) = match uses.rsplit_once('@') {
                    Some((n, r)) => (n, r),
                    None => (uses, ""),
                };
                if is_full_sha(r) {
                    continue;
                }
                let owner = name.split('/').next().unwrap_or("").to_ascii_lowercase();
                let first_party = owner == "actions" || owner == "github";
                let kind = if r.is_empty() {
                    "no version"
                } else {
                    ref_kind(r)
                };
                let f = p.report(
                    out,
                    node.loc,
                    job.component(),
                    &key,
                    if r.is_empty() {
                        format!("{what} uses `{uses}` without any version, so whatever its default branch holds runs")
                    } else {
                        format!("{what} uses `{name}` at {kind} `{r}`, which can be moved to different code, instead of a full commit SHA")
                    },
                );
                if kind == "branch" || kind == "no version" {
                    f.severity(Severity::High);
                } else if first_party && kind == "tag" {
                    f.severity(Severity::Low);
                }
            }
        }
    }

    fn gitlab(&self, p: &Pipeline, out: &mut Sink) {
        let Some(include) = p.root.get("include") else {
            return;
        };
        let items: Vec<&Node> = if include.is_seq() {
            include.as_seq().iter().collect()
        } else {
            vec![include]
        };
        for item in items {
            if let Some(s) = item.as_str() {
                if s.starts_with("https://") || s.starts_with("http://") {
                    p.report(
                        out,
                        item.loc,
                        "CI includes",
                        format!("include:{s}"),
                        format!(
                            "{} includes the remote file `{s}` without an `integrity:` hash",
                            p.describe()
                        ),
                    );
                }
                continue;
            }
            if let Some(remote) = item.get("remote").and_then(|r| r.as_str().map(|s| (s, r))) {
                if item.get("integrity").is_none() {
                    p.report(out, remote.1.loc, "CI includes", format!("include:{}", remote.0), format!("{} includes the remote file `{}` without an `integrity:` hash, so its content can change under the pipeline", p.describe(), remote.0));
                }
            } else if let Some(project) = item.get("project").and_then(Node::as_str) {
                match item.get("ref").and_then(|r| r.as_str().map(|s| (s, r))) {
                    Some((r, _)) if is_full_sha(r) || r.contains('$') => {}
                    Some((r, node)) => {
                        let kind = ref_kind(r);
                        let f = p.report(out, node.loc, "CI includes", format!("include:{project}"), format!("{} includes CI configuration from project `{project}` at {kind} `{r}` instead of a commit SHA", p.describe()));
                        if kind == "branch" {
                            f.severity(Severity::High);
                        }
                    }
                    None => {
                        let loc = item.key_node("project").map_or(item.loc, |k| k.loc);
                        p.report(out, loc, "CI includes", format!("include:{project}"), format!("{} includes CI configuration from project `{project}` at its default branch", p.describe()))
                            .severity(Severity::High);
                    }
                }
            } else if let Some((c, node)) = item
                .get("component")
                .and_then(|c| c.as_str().map(|s| (s, c)))
            {
                let version = c.rsplit_once('@').map_or("", |(_, v)| v);
                if !is_full_sha(version) && !version.contains('$') {
                    let f = p.report(out, node.loc, "CI includes", format!("include:{c}"), format!("{} uses the CI/CD component `{c}` by a version that can move instead of a commit SHA", p.describe()));
                    if version.is_empty()
                        || version.starts_with('~')
                        || ref_kind(version) == "branch"
                    {
                        f.severity(Severity::High);
                    }
                }
            }
        }
    }
}

impl Check for UnpinnedAction {
    fn check_corpus(&self, cx: &Context, out: &mut Sink) {
        for p in Pipeline::all(cx.corpus) {
            if p.is_github() {
                self.github(&p, out);
            } else {
                self.gitlab(&p, out);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_kinds() {
        assert!(is_full_sha("11bd71901bbe5b1630ceea73d27597364c9af683"));
        assert!(!is_full_sha("11bd719"));
        assert_eq!(ref_kind("v4"), "tag");
        assert_eq!(ref_kind("main"), "branch");
        assert_eq!(ref_kind("11bd719"), "abbreviated commit");
    }
}
