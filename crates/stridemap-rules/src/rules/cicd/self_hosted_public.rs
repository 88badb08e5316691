use super::util::Pipeline;
use crate::{Check, Context, Sink};
use stridemap_model::Node;

declare_rule! {
    /// ## What it does
    /// Flags GitHub Actions jobs that run on a `self-hosted` runner in a workflow started by
    /// events outsiders can cause: `pull_request`, `pull_request_target`,
    /// `pull_request_review`, `pull_request_review_comment` and `issue_comment`. Jobs limited
    /// to branches of the same repository (`if: …head.repo.full_name == github.repository`)
    /// are skipped. Runners selected only by custom labels or groups cannot be told apart from
    /// hosted ones and are not reported.
    ///
    /// ## Why is this bad?
    /// A pull request from a fork can change the workflow's scripts and the build files it
    /// runs. On a GitHub-hosted runner that code lands in a throw-away VM; on a self-hosted
    /// runner it runs on your machine, inside your network, and can stay there (a modified
    /// runner, a cron job) to read the secrets of every later job on that runner.
    ///
    /// ## Example
    /// ```yaml
    /// on: pull_request
    /// jobs:
    ///   test:
    ///     runs-on: [self-hosted, linux]
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// on: pull_request
    /// jobs:
    ///   test:
    ///     runs-on: ubuntu-24.04
    /// ```
    /// Run untrusted contributions on hosted or ephemeral, isolated runners; keep self-hosted
    /// runners for `push` and release workflows, and require approval for fork pull requests.
    pub struct SelfHostedPublic {
        id: "CICD-SELF-HOSTED-PUBLIC",
        title: "Self-hosted runner used by a workflow that outsiders can trigger",
        group: CiCdPipeline,
        stride: ElevationOfPrivilege,
        severity: High,
        cwe: [284, 668],
        infra: [Cicd],
        equivalents: [],
        attack_scenario: "An attacker opens a pull request from a fork that edits the test script to install a backdoor on the self-hosted runner; the backdoor survives the job and captures the deploy credentials of the next release build on that machine.",
        mitigation: "Use GitHub-hosted or ephemeral, single-use runners for pull request events; require maintainer approval for workflows from forks; isolate self-hosted runners from production networks.",
    }
}

const PUBLIC_TRIGGERS: &[&str] = &[
    "pull_request",
    "pull_request_target",
    "pull_request_review",
    "pull_request_review_comment",
    "issue_comment",
];

fn self_hosted(runs_on: &Node) -> bool {
    let labels = runs_on.get("labels").unwrap_or(runs_on);
    labels
        .strings()
        .iter()
        .any(|(s, _)| s.trim().eq_ignore_ascii_case("self-hosted"))
}

impl Check for SelfHostedPublic {
    fn check_corpus(&self, cx: &Context, out: &mut Sink) {
        for p in Pipeline::all(cx.corpus) {
            let Some((trigger, trigger_node)) = p.trigger(PUBLIC_TRIGGERS) else {
                continue;
            };
            for job in p.jobs() {
                let Some(runs_on) = job.node.get("runs-on").filter(|r| self_hosted(r)) else {
                    continue;
                };
                let same_repo = job.condition().is_some_and(|c| {
                    let c = c.replace(' ', "");
                    (c.contains("head.repo.full_name==github.repository")
                        || c.contains(
                            "github.repository==github.event.pull_request.head.repo.full_name",
                        )
                        || c.contains("head.repo.fork==false"))
                        && !c.contains("||")
                });
                if same_repo {
                    continue;
                }
                p.report(
                    out,
                    runs_on.loc,
                    job.component(),
                    format!("{}/runs-on", job.id),
                    format!("{} runs on a self-hosted runner although the workflow is triggered by `{trigger}`, so code from outside contributors can run on it", job.describe()),
                )
                .also_at(p.doc.file, trigger_node.loc);
            }
        }
    }
}
