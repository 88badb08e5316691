use super::util::{expressions, Job, Pipeline};
use crate::{Check, Context, Sink};
use stridemap_model::{Location, Severity};

declare_rule! {
    /// ## What it does
    /// Flags GitHub workflows started by `pull_request_target` or `workflow_run` whose jobs
    /// check out the code of the pull request that triggered them: `actions/checkout` with a
    /// `ref:` (or `repository:`) taken from the pull request head or merge commit, or
    /// `git fetch`/`git checkout`/`gh pr checkout` of the PR in a `run:` script. Jobs that only
    /// run for branches of the same repository (`if: github.event.pull_request.head.repo.full_name
    /// == github.repository`) are skipped. The finding is critical when the job uses secrets.
    ///
    /// ## Why is this bad?
    /// These triggers run in the context of the base repository: with a write-capable
    /// `GITHUB_TOKEN`, access to the repository's secrets and caches, even for pull requests
    /// from forks. Checking out the contributor's code and then building or testing it runs
    /// their build scripts, test hooks and package install scripts with those privileges.
    ///
    /// ## Example
    /// ```yaml
    /// on: pull_request_target
    /// jobs:
    ///   test:
    ///     runs-on: ubuntu-latest
    ///     steps:
    ///       - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683
    ///         with:
    ///           ref: ${{ github.event.pull_request.head.sha }}
    ///       - run: npm ci && npm test
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// on: pull_request
    /// permissions:
    ///   contents: read
    /// jobs:
    ///   test:
    ///     runs-on: ubuntu-latest
    ///     steps:
    ///       - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683
    ///       - run: npm ci && npm test
    /// ```
    /// Build untrusted code under `pull_request` (no secrets, read-only token); if a privileged
    /// follow-up is needed, pass only data (artifacts) to a separate `workflow_run` job that
    /// never executes the contribution.
    pub struct PrTargetCheckout {
        id: "CICD-PR-TARGET-CHECKOUT",
        title: "Privileged workflow checks out untrusted pull request code",
        group: CiCdPipeline,
        stride: ElevationOfPrivilege,
        severity: High,
        cwe: [94, 829],
        infra: [Cicd],
        equivalents: [],
        attack_scenario: "An outsider opens a pull request from a fork whose `package.json` has a `postinstall` script; the `pull_request_target` job checks out the fork's head, runs `npm ci`, and the script exfiltrates the registry password and pushes a backdoored commit with the job's write token.",
        mitigation: "Do not check out or execute pull request code in `pull_request_target`/`workflow_run` jobs; run builds and tests under `pull_request`, restrict `permissions:` and hand results over as artifacts.",
    }
}

const PRIVILEGED_TRIGGERS: &[&str] = &["pull_request_target", "workflow_run"];

/// Expression contexts that name the code of the triggering pull request or run.
fn names_untrusted_ref(expr: &str) -> bool {
    let e = expr.replace(' ', "");
    [
        "github.event.pull_request.head.sha",
        "github.event.pull_request.head.ref",
        "github.event.pull_request.head.repo.full_name",
        "github.event.pull_request.merge_commit_sha",
        "github.event.pull_request.number",
        "github.event.number",
        "github.head_ref",
        "github.event.workflow_run.head_sha",
        "github.event.workflow_run.head_branch",
        "github.event.workflow_run.head_repository.full_name",
        "github.event.workflow_run.pull_requests",
    ]
    .iter()
    .any(|c| e.contains(c))
}

fn untrusted_in(text: &str) -> bool {
    expressions(text)
        .iter()
        .any(|(_, e)| names_untrusted_ref(e))
        || text.contains("refs/pull/")
}

/// The job runs only for pull requests from the same repository.
fn same_repository_only(job: &Job) -> bool {
    job.condition().is_some_and(|c| {
        let c = c.replace(' ', "");
        (c.contains("head.repo.full_name==github.repository")
            || c.contains("github.repository==github.event.pull_request.head.repo.full_name")
            || c.contains("head.repo.fork==false")
            || c.contains("!github.event.pull_request.head.repo.fork"))
            && !c.contains("||")
    })
}

impl Check for PrTargetCheckout {
    fn check_corpus(&self, cx: &Context, out: &mut Sink) {
        for p in Pipeline::all(cx.corpus) {
            let Some((trigger, trigger_node)) = p.trigger(PRIVILEGED_TRIGGERS) else {
                continue;
            };
            for job in p.jobs() {
                if same_repository_only(&job) {
                    continue;
                }
                let mut hits: Vec<(Location, String, String)> = Vec::new();
                for step in job.steps() {
                    if step.is_action(&["actions/checkout"]) {
                        for field in ["ref", "repository"] {
                            if let Some(v) = step
                                .with(field)
                                .filter(|v| v.as_str().is_some_and(untrusted_in))
                            {
                                hits.push((
                                    v.loc,
                                    format!(
                                        "{} checks out `{}`",
                                        step.describe(),
                                        v.as_str().unwrap_or("").trim()
                                    ),
                                    step.key(),
                                ));
                                break;
                            }
                        }
                    }
                }
                for script in job.scripts() {
                    // Commands are told apart by program and occurrence, not by line, so that
                    // the fingerprint survives lines added to the script.
                    let mut seen: std::collections::BTreeMap<String, usize> = Default::default();
                    for cmd in script.commands() {
                        let nth = {
                            let n = seen.entry(cmd.program.clone()).or_default();
                            *n += 1;
                            *n
                        };
                        let words: Vec<String> =
                            cmd.args.iter().map(|a| script.restore(a)).collect();
                        let fetches = (cmd.is(&["git"])
                            && matches!(
                                cmd.subcommand().map(|s| s.1),
                                Some("fetch" | "checkout" | "pull" | "switch" | "clone")
                            ))
                            || (cmd.is(&["gh"])
                                && words.first().map(String::as_str) == Some("pr")
                                && words.get(1).map(String::as_str) == Some("checkout"));
                        if fetches && words.iter().any(|w| untrusted_in(w)) {
                            let step = script
                                .step
                                .map_or_else(|| "a script".to_string(), |s| s.describe());
                            hits.push((
                                script.loc(cmd.line),
                                format!("{step} runs `{} {}`", cmd.program, words.join(" ")),
                                format!("{}/{}#{nth}", script.key(), cmd.program),
                            ));
                        }
                    }
                }
                let secrets = job.uses_secrets();
                for (loc, what, key) in hits {
                    let f = p.report(
                        out,
                        loc,
                        job.component(),
                        key,
                        format!(
                            "{what} in {}, which runs on `{trigger}` with the base repository's token{}",
                            job.describe(),
                            if secrets { " and secrets" } else { "" }
                        ),
                    );
                    f.also_at(p.doc.file, trigger_node.loc);
                    if secrets {
                        f.severity(Severity::Critical);
                    }
                }
            }
        }
    }
}
