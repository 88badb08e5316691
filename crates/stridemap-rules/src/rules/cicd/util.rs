//! The pipelines of a repository as the CI/CD rules see them: GitHub Actions workflows (and
//! composite actions) and GitLab CI files found among the YAML documents that are neither
//! Kubernetes objects nor Compose projects, with their jobs, steps and shell scripts.

use super::shell::{self, Command};
use crate::secrets::{key_sensitivity, KeySensitivity};
use crate::{Finding, Sink};
use stridemap_model::corpus::YamlDocument;
use stridemap_model::{Corpus, InfraType, Location, Node};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Platform {
    /// `.github/workflows/*.yml`.
    GitHubWorkflow,
    /// A composite action (`action.yml` with `runs.using: composite`).
    GitHubAction,
    /// `.gitlab-ci.yml` and the files it includes.
    GitLab,
}

/// One pipeline definition file (one YAML document of it).
#[derive(Debug, Clone, Copy)]
pub struct Pipeline<'a> {
    pub doc: &'a YamlDocument,
    pub path: &'a str,
    pub platform: Platform,
    pub root: &'a Node,
    pub corpus: &'a Corpus,
}

/// GitLab top-level keys that are settings, not jobs.
const GITLAB_RESERVED: &[&str] = &[
    "default",
    "include",
    "stages",
    "variables",
    "workflow",
    "image",
    "services",
    "before_script",
    "after_script",
    "cache",
    "spec",
    "pages:deploy",
];

fn file_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

fn is_github_workflow(path: &str, root: &Node) -> bool {
    let Some(jobs) = root.get("jobs").filter(|j| j.is_map()) else {
        return false;
    };
    if root.get("on").is_none() && root.get("true").is_none() {
        return false;
    }
    if path.contains(".github/workflows/") || path.starts_with("workflows/") {
        return true;
    }
    // Elsewhere (a fixture, a template directory): every job must look like an Actions job.
    !jobs.as_map().is_empty()
        && jobs.entries().all(|(_, _, j)| {
            j.get("runs-on").is_some() || j.get("uses").is_some() || j.get("steps").is_some()
        })
}

fn is_composite_action(path: &str, root: &Node) -> bool {
    let name = file_name(path);
    (name == "action.yml" || name == "action.yaml")
        && root.path(&["runs", "steps"]).is_some_and(Node::is_seq)
}

fn is_gitlab(path: &str, root: &Node) -> bool {
    let name = file_name(path).to_ascii_lowercase();
    if name == ".gitlab-ci.yml" || name == ".gitlab-ci.yaml" {
        return true;
    }
    let has_script_job = root
        .entries()
        .any(|(k, _, v)| !GITLAB_RESERVED.contains(&k) && v.is_map() && v.get("script").is_some());
    has_script_job && (path.contains("gitlab") || root.get("stages").is_some_and(Node::is_seq))
}

impl<'a> Pipeline<'a> {
    /// Every pipeline definition of the corpus.
    pub fn all(corpus: &'a Corpus) -> Vec<Pipeline<'a>> {
        let mut out = Vec::new();
        for doc in &corpus.other_yaml {
            if !doc.root.is_map() {
                continue;
            }
            let path = corpus.file(doc.file).path.as_str();
            let platform = if is_github_workflow(path, &doc.root) {
                Platform::GitHubWorkflow
            } else if is_composite_action(path, &doc.root) {
                Platform::GitHubAction
            } else if is_gitlab(path, &doc.root) {
                Platform::GitLab
            } else {
                continue;
            };
            out.push(Pipeline {
                doc,
                path,
                platform,
                root: &doc.root,
                corpus,
            });
        }
        out
    }

    pub fn is_github(&self) -> bool {
        matches!(
            self.platform,
            Platform::GitHubWorkflow | Platform::GitHubAction
        )
    }

    pub fn resource(&self) -> String {
        match self.platform {
            Platform::GitHubWorkflow => format!("Workflow/{}", self.path),
            Platform::GitHubAction => format!("Action/{}", self.path),
            Platform::GitLab => format!("GitLabCI/{}", self.path),
        }
    }

    /// `workflow "build" (.github/workflows/build.yml)`, `GitLab CI file .gitlab-ci.yml`.
    pub fn describe(&self) -> String {
        match self.platform {
            Platform::GitHubWorkflow => match self.root.get("name").and_then(Node::as_str) {
                Some(n) => format!("workflow \"{n}\" ({})", self.path),
                None => format!("workflow {}", self.path),
            },
            Platform::GitHubAction => format!("composite action {}", self.path),
            Platform::GitLab => format!("GitLab CI file {}", self.path),
        }
    }

    /// A finding on this pipeline; `key` distinguishes several findings in one file.
    pub fn report<'s>(
        &self,
        out: &'s mut Sink,
        loc: Location,
        component: impl Into<String>,
        key: impl AsRef<str>,
        description: impl Into<String>,
    ) -> &'s mut Finding {
        out.report(self.doc.file, loc, description)
            .resource(self.resource())
            .component(component)
            .key(format!(
                "pipeline:{}#{}:{}",
                self.path,
                self.doc.index,
                key.as_ref()
            ))
            .infra(InfraType::Cicd)
    }

    /// The events that start a GitHub workflow, with the node naming each.
    pub fn triggers(&self) -> Vec<(&'a str, &'a Node)> {
        if self.platform != Platform::GitHubWorkflow {
            return Vec::new();
        }
        let Some(on) = self.root.get("on").or_else(|| self.root.get("true")) else {
            return Vec::new();
        };
        if let Some(s) = on.as_str() {
            return vec![(s, on)];
        }
        if on.is_seq() {
            return on.strings();
        }
        on.entries().map(|(k, key, _)| (k, key)).collect()
    }

    pub fn trigger(&self, names: &[&str]) -> Option<(&'a str, &'a Node)> {
        self.triggers().into_iter().find(|(t, _)| names.contains(t))
    }

    pub fn jobs(&self) -> Vec<Job<'a>> {
        match self.platform {
            Platform::GitHubWorkflow => self
                .root
                .get("jobs")
                .map(|jobs| {
                    jobs.entries()
                        .filter(|(_, _, j)| j.is_map())
                        .map(|(id, key, node)| Job {
                            id,
                            key,
                            node,
                            pipeline: *self,
                        })
                        .collect()
                })
                .unwrap_or_default(),
            Platform::GitHubAction => self
                .root
                .get("runs")
                .map(|runs| {
                    vec![Job {
                        id: "composite",
                        key: self.root.key_node("runs").unwrap_or(runs),
                        node: runs,
                        pipeline: *self,
                    }]
                })
                .unwrap_or_default(),
            Platform::GitLab => self
                .root
                .entries()
                .filter(|(k, _, v)| !GITLAB_RESERVED.contains(k) && v.is_map())
                .filter(|(_, _, v)| {
                    [
                        "script",
                        "before_script",
                        "after_script",
                        "image",
                        "services",
                        "trigger",
                        "extends",
                    ]
                    .iter()
                    .any(|f| v.get(f).is_some())
                })
                .map(|(id, key, node)| Job {
                    id,
                    key,
                    node,
                    pipeline: *self,
                })
                .collect(),
        }
    }

    /// Workflow-level (GitHub `env`) or global (GitLab `variables`) variables.
    pub fn variables(&self) -> Vec<(&'a str, &'a Node)> {
        let map = if self.is_github() {
            self.root.get("env")
        } else {
            self.root.get("variables")
        };
        variables_of(map)
    }

    /// Every script of the pipeline, GitLab's global `before_script`/`after_script` (top level
    /// and under `default:`) included.
    pub fn scripts(&self) -> Vec<Script<'a>> {
        let mut out = Vec::new();
        if self.platform == Platform::GitLab {
            for (id, scope) in [
                ("(global)", Some(self.root)),
                ("default", self.root.get("default")),
            ] {
                let Some(node) = scope.filter(|n| n.is_map()) else {
                    continue;
                };
                let job = Job {
                    id,
                    key: self
                        .root
                        .key_node("default")
                        .filter(|_| id == "default")
                        .unwrap_or(node),
                    node,
                    pipeline: *self,
                };
                for field in ["before_script", "after_script"] {
                    let mut lines = Vec::new();
                    if let Some(n) = node.get(field) {
                        flatten_scalars(n, &mut lines);
                    }
                    out.extend(lines.into_iter().map(|l| Script::new(*self, job, None, l)));
                }
            }
        }
        out.extend(self.jobs().iter().flat_map(|j| j.scripts()));
        out
    }

    /// Whether any text of the file mentions `needle` (for quick "is there any…" tests).
    pub fn mentions(&self, needle: &str) -> bool {
        let mut found = false;
        self.root.walk(&mut |_, _, n| {
            if !found && n.as_str().is_some_and(|s| s.contains(needle)) {
                found = true;
            }
        });
        found
    }
}

fn variables_of(map: Option<&Node>) -> Vec<(&str, &Node)> {
    map.map(|m| {
        m.entries()
            .map(|(k, _, v)| (k, v.get("value").unwrap_or(v)))
            .collect()
    })
    .unwrap_or_default()
}

#[derive(Debug, Clone, Copy)]
pub struct Job<'a> {
    pub id: &'a str,
    pub key: &'a Node,
    pub node: &'a Node,
    pub pipeline: Pipeline<'a>,
}

impl<'a> Job<'a> {
    /// `job "deploy" of workflow "ci" (.github/workflows/ci.yml)`.
    pub fn describe(&self) -> String {
        match self.pipeline.platform {
            Platform::GitHubAction => self.pipeline.describe(),
            Platform::GitLab if self.id == "(global)" || self.id == "default" => {
                format!("the global scripts of {}", self.pipeline.describe())
            }
            _ => format!("job `{}` of {}", self.id, self.pipeline.describe()),
        }
    }

    pub fn component(&self) -> String {
        match self.pipeline.platform {
            Platform::GitHubAction => format!("action {}", self.pipeline.path),
            _ => format!("CI job {}", self.id),
        }
    }

    pub fn steps(&self) -> Vec<Step<'a>> {
        self.node
            .get("steps")
            .map(Node::as_seq)
            .unwrap_or(&[])
            .iter()
            .enumerate()
            .filter(|(_, n)| n.is_map())
            .map(|(index, node)| Step {
                index,
                node,
                job: *self,
            })
            .collect()
    }

    /// Variables of the job, the pipeline's included (job values win).
    pub fn variables(&self) -> Vec<(&'a str, &'a Node)> {
        let own = variables_of(if self.pipeline.is_github() {
            self.node.get("env")
        } else {
            self.node.get("variables")
        });
        let mut all = own.clone();
        for (k, v) in self.pipeline.variables() {
            if !own.iter().any(|(o, _)| *o == k) {
                all.push((k, v));
            }
        }
        all
    }

    /// The `if:` conditions of the job (GitHub) that restrict when it runs.
    pub fn condition(&self) -> Option<&'a str> {
        self.node.get("if").and_then(Node::as_str)
    }

    /// Every shell script of the job: GitHub `run:` steps, GitLab `before_script`, `script`,
    /// `after_script` lines.
    pub fn scripts(&self) -> Vec<Script<'a>> {
        let mut out = Vec::new();
        if self.pipeline.is_github() {
            for step in self.steps() {
                if let Some(run) = step.node.get("run").filter(|r| r.as_str().is_some()) {
                    out.push(Script::new(self.pipeline, *self, Some(step), run));
                }
            }
        } else {
            for field in ["before_script", "script", "after_script"] {
                let mut lines = Vec::new();
                if let Some(n) = self.node.get(field) {
                    flatten_scalars(n, &mut lines);
                }
                for line in lines {
                    out.push(Script::new(self.pipeline, *self, None, line));
                }
            }
        }
        out
    }

    /// The text of every scalar in the job, for "does the job use X" questions.
    pub fn mentions(&self, needle: &str) -> bool {
        let mut found = false;
        self.node.walk(&mut |_, _, n| {
            if !found && n.as_str().is_some_and(|s| s.contains(needle)) {
                found = true;
            }
        });
        found
    }

    /// Whether the job references any secret: `${{ secrets.X }}` in the job or in the
    /// workflow-level `env`.
    pub fn uses_secrets(&self) -> bool {
        self.mentions("secrets.")
            || self
                .pipeline
                .variables()
                .iter()
                .any(|(_, v)| v.as_str().is_some_and(|s| s.contains("secrets.")))
            || self.node.get("secrets").is_some()
    }
}

fn flatten_scalars<'a>(node: &'a Node, out: &mut Vec<&'a Node>) {
    if node.as_str().is_some() {
        out.push(node);
    } else {
        for item in node.as_seq() {
            flatten_scalars(item, out);
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub struct Step<'a> {
    pub index: usize,
    pub node: &'a Node,
    pub job: Job<'a>,
}

impl<'a> Step<'a> {
    pub fn uses(&self) -> Option<(&'a str, &'a Node)> {
        let n = self.node.get("uses")?;
        n.as_str().map(|s| (s.trim(), n))
    }

    /// The action's name without its version: `actions/checkout` for `actions/checkout@v4`.
    pub fn action(&self) -> Option<&'a str> {
        self.uses()
            .map(|(u, _)| u.split('@').next().unwrap_or(u).trim_end_matches('/'))
    }

    pub fn is_action(&self, names: &[&str]) -> bool {
        self.action().is_some_and(|a| {
            names.iter().any(|n| {
                a.eq_ignore_ascii_case(n)
                    || a.to_ascii_lowercase()
                        .starts_with(&format!("{}/", n.to_ascii_lowercase()))
            })
        })
    }

    pub fn with(&self, key: &str) -> Option<&'a Node> {
        self.node.get("with")?.get(key)
    }

    /// `step 2 ("Build and push")`.
    pub fn describe(&self) -> String {
        match self
            .node
            .get("name")
            .or_else(|| self.node.get("id"))
            .and_then(Node::as_str)
        {
            Some(n) => format!("step {} (\"{n}\")", self.index + 1),
            None => format!("step {}", self.index + 1),
        }
    }

    /// A key for the step that survives edits elsewhere: its `id`, else its `name`, else its
    /// position.
    pub fn key(&self) -> String {
        let label = self
            .node
            .get("id")
            .or_else(|| self.node.get("name"))
            .and_then(Node::as_str)
            .map(str::to_string)
            .unwrap_or_else(|| self.index.to_string());
        format!("{}/{}", self.job.id, label)
    }
}

/// A shell script of a job, with GitHub expressions (`${{ … }}`) replaced by placeholders so
/// that the shell reader sees each as one word.
#[derive(Debug, Clone)]
pub struct Script<'a> {
    pub node: &'a Node,
    pub job: Job<'a>,
    pub step: Option<Step<'a>>,
    pub text: String,
    /// The expressions, by placeholder number.
    pub exprs: Vec<String>,
    /// File line of the script's first line.
    first_line: u32,
}

const PLACEHOLDER: &str = "__GHEXPR";

impl<'a> Script<'a> {
    fn new(pipeline: Pipeline<'a>, job: Job<'a>, step: Option<Step<'a>>, node: &'a Node) -> Self {
        let raw = node.as_str().unwrap_or("");
        let mut text = String::new();
        let mut exprs = Vec::new();
        let mut rest = raw;
        if pipeline.is_github() {
            while let Some(start) = rest.find("${{") {
                let Some(len) = rest[start..].find("}}") else {
                    break;
                };
                text.push_str(&rest[..start]);
                exprs.push(rest[start + 3..start + len].trim().to_string());
                text.push_str(&format!("{PLACEHOLDER}{}__", exprs.len() - 1));
                rest = &rest[start + len + 2..];
            }
        }
        text.push_str(rest);
        // A block scalar (`run: |`) starts on the line after its indicator.
        let file = pipeline.corpus.file(pipeline.doc.file);
        let at = file.line_text(node.loc.line);
        let from_col: String = at
            .chars()
            .skip(node.loc.column.saturating_sub(1) as usize)
            .collect();
        let block = from_col.starts_with('|') || from_col.starts_with('>');
        Script {
            node,
            job,
            step,
            text,
            exprs,
            first_line: node.loc.line + u32::from(block),
        }
    }

    pub fn commands(&self) -> Vec<Command> {
        shell::commands(&self.text)
    }

    /// The location of a script line (0-based).
    pub fn loc(&self, line: usize) -> Location {
        if line == 0 && self.first_line == self.node.loc.line {
            return self.node.loc;
        }
        Location::new(self.first_line + line as u32, 1)
    }

    /// The expressions a word holds.
    pub fn exprs_in(&self, word: &str) -> Vec<&str> {
        let mut out = Vec::new();
        let mut rest = word;
        while let Some(i) = rest.find(PLACEHOLDER) {
            let after = &rest[i + PLACEHOLDER.len()..];
            let digits: String = after.chars().take_while(char::is_ascii_digit).collect();
            if let Some(e) = digits.parse::<usize>().ok().and_then(|n| self.exprs.get(n)) {
                out.push(e.as_str());
            }
            rest = &after[digits.len()..];
        }
        out
    }

    /// The word with its expressions written back.
    pub fn restore(&self, word: &str) -> String {
        let mut out = word.to_string();
        for (n, e) in self.exprs.iter().enumerate().rev() {
            out = out.replace(&format!("{PLACEHOLDER}{n}__"), &format!("${{{{ {e} }}}}"));
        }
        out
    }

    /// Variables in effect for the script: the step's `env`, then the job's, then the
    /// pipeline's.
    pub fn variables(&self) -> Vec<(&'a str, &'a Node)> {
        let mut all = variables_of(self.step.and_then(|s| s.node.get("env")));
        for (k, v) in self.job.variables() {
            if !all.iter().any(|(o, _)| *o == k) {
                all.push((k, v));
            }
        }
        all
    }

    /// `step 2 ("Build") of job `deploy` of workflow …` or `job `build` of GitLab CI file …`.
    pub fn describe(&self) -> String {
        match self.step {
            Some(s) if self.job.pipeline.platform == Platform::GitHubAction => {
                format!("{} of {}", s.describe(), self.job.describe())
            }
            Some(s) => format!("{} of {}", s.describe(), self.job.describe()),
            None => self.job.describe(),
        }
    }

    pub fn key(&self) -> String {
        match self.step {
            Some(s) => s.key(),
            None => self.job.id.to_string(),
        }
    }
}

/// Names of variables whose value is a CI secret: GitHub `env` entries set from
/// `${{ secrets.… }}`, GitLab's predefined credentials, and variables named like credentials.
pub fn secret_variables(script: &Script) -> Vec<String> {
    let mut out: Vec<String> = script
        .variables()
        .into_iter()
        .filter(|(_, v)| v.as_str().is_some_and(|s| s.contains("secrets.")))
        .map(|(k, _)| k.to_string())
        .collect();
    if !script.job.pipeline.is_github() {
        out.extend(GITLAB_CREDENTIALS.iter().map(|s| s.to_string()));
    }
    out
}

/// GitLab's predefined variables that hold credentials.
pub const GITLAB_CREDENTIALS: &[&str] = &[
    "CI_JOB_TOKEN",
    "CI_BUILD_TOKEN",
    "CI_REGISTRY_PASSWORD",
    "CI_DEPLOY_PASSWORD",
    "CI_DEPENDENCY_PROXY_PASSWORD",
    "CI_REPOSITORY_URL",
];

/// Whether a word of a script carries a secret: a `${{ secrets.… }}` expression, or a
/// reference to a variable that holds one (by its origin or, failing that, by its name).
pub fn word_has_secret(script: &Script, secret_vars: &[String], word: &str) -> Option<String> {
    for e in script.exprs_in(word) {
        if let Some(i) = e.find("secrets.") {
            let name: String = e[i..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '.')
                .collect();
            return Some(name);
        }
    }
    for var in variable_refs(word) {
        if secret_vars.iter().any(|s| s == var)
            || (key_sensitivity(var) == KeySensitivity::Strong && !var.starts_with("CI_"))
        {
            return Some(format!("${var}"));
        }
    }
    None
}

/// Names of the shell variables a word expands (`$X`, `${X}`, `${X:-d}`).
pub fn variable_refs(word: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = word;
    while let Some(i) = rest.find('$') {
        let after = &rest[i + 1..];
        let body = after.strip_prefix('{').unwrap_or(after);
        let len = body
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(body.len());
        if len > 0 && !body.starts_with(|c: char| c.is_ascii_digit()) {
            out.push(&body[..len]);
        }
        rest = &body[len..];
    }
    out
}

/// The `${{ … }}` expressions of a text, with their byte offsets.
pub fn expressions(text: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(start) = text[from..].find("${{").map(|i| from + i) {
        let Some(len) = text[start..].find("}}") else {
            break;
        };
        out.push((start, text[start + 3..start + len].trim()));
        from = start + len + 2;
    }
    out
}

/// The 0-based line of a byte offset.
pub fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count()
}

/// Where a byte offset of a scalar lies in its file (block scalars start on the next line).
pub fn scalar_loc(pipeline: &Pipeline, node: &Node, offset: usize) -> Location {
    let text = node.as_str().unwrap_or("");
    let line = line_of(text, offset);
    let file = pipeline.corpus.file(pipeline.doc.file);
    let from_col: String = file
        .line_text(node.loc.line)
        .chars()
        .skip(node.loc.column.saturating_sub(1) as usize)
        .collect();
    let block = from_col.starts_with('|') || from_col.starts_with('>');
    if line == 0 && !block {
        node.loc
    } else {
        Location::new(node.loc.line + u32::from(block) + line as u32, 1)
    }
}

// ---------------------------------------------------------------------------------------------
// Container images built and pushed by pipelines

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImageOpKind {
    /// `docker build -t ref`, `docker tag src ref`: a name given to an image.
    Name,
    /// `docker push ref`, a `--push` build, kaniko `--destination`.
    Push,
    /// `docker push --all-tags repo`.
    PushAllTags,
}

#[derive(Debug, Clone)]
pub struct ImageOp {
    pub kind: ImageOpKind,
    pub reference: String,
    pub loc: Location,
    /// `step 2 of job …`, for messages.
    pub what: String,
}

const IMAGE_CLIS: &[&str] = &["docker", "podman", "buildah", "nerdctl"];

/// Images a command names and pushes.
fn command_image_ops(cmd: &Command, loc: Location, what: &str, out: &mut Vec<ImageOp>) {
    let op = |kind, reference: &str| ImageOp {
        kind,
        reference: reference.to_string(),
        loc,
        what: what.to_string(),
    };
    if cmd.is(IMAGE_CLIS) {
        let Some((i, sub)) = cmd.subcommand() else {
            return;
        };
        let rest = Command {
            args: cmd.args[i + 1..].to_vec(),
            ..cmd.clone()
        };
        let (sub, rest) = if matches!(sub, "buildx" | "image") {
            match rest.subcommand() {
                Some((j, s)) => (
                    s,
                    Command {
                        args: rest.args[j + 1..].to_vec(),
                        ..cmd.clone()
                    },
                ),
                None => return,
            }
        } else {
            (sub, rest)
        };
        match sub {
            "build" | "bud" => {
                let tags = rest.option_values(&["-t", "--tag"]);
                let pushes = rest.has_flag(&["--push"])
                    || rest
                        .option_values(&["--output", "-o"])
                        .iter()
                        .any(|o| o.contains("push=true"));
                for t in tags {
                    out.push(op(ImageOpKind::Name, t));
                    if pushes {
                        out.push(op(ImageOpKind::Push, t));
                    }
                }
            }
            "tag" => {
                let names: Vec<&String> =
                    rest.args.iter().filter(|a| !a.starts_with('-')).collect();
                if let Some(target) = names.get(1) {
                    out.push(op(ImageOpKind::Name, target));
                }
            }
            "push" => {
                let all = rest.has_flag(&["-a", "--all-tags"]);
                // buildah/podman push SRC [DEST]: the destination is what lands remotely.
                let names: Vec<&String> =
                    rest.args.iter().filter(|a| !a.starts_with('-')).collect();
                let target = if cmd.is(&["buildah", "podman"]) && names.len() > 1 {
                    names[1].trim_start_matches("docker://")
                } else {
                    match names.first() {
                        Some(n) => n.as_str(),
                        None => return,
                    }
                };
                out.push(op(
                    if all {
                        ImageOpKind::PushAllTags
                    } else {
                        ImageOpKind::Push
                    },
                    target,
                ));
            }
            _ => {}
        }
    } else if cmd.program == "executor" || cmd.program == "kaniko" {
        if cmd.has_flag(&["--no-push"]) {
            return;
        }
        for d in cmd.option_values(&["--destination", "-d"]) {
            out.push(op(ImageOpKind::Name, d));
            out.push(op(ImageOpKind::Push, d));
        }
    }
}

/// Images a job names and pushes, in order.
pub fn image_ops(job: &Job) -> Vec<ImageOp> {
    let mut out = Vec::new();
    for script in job.scripts() {
        let vars: Vec<(&str, &str)> = script
            .variables()
            .into_iter()
            .filter_map(|(k, v)| v.as_str().map(|v| (k, v)))
            .collect();
        for cmd in script.commands() {
            let cmd = Command {
                args: cmd
                    .args
                    .iter()
                    .map(|a| expand_variables(&script.restore(a), &vars))
                    .collect(),
                ..cmd
            };
            command_image_ops(&cmd, script.loc(cmd.line), &script.describe(), &mut out);
        }
    }
    if job.pipeline.is_github() {
        for step in job.steps() {
            if !step.is_action(&[
                "docker/build-push-action",
                "redhat-actions/push-to-registry",
            ]) {
                continue;
            }
            let Some(tags) = step.with("tags") else {
                continue;
            };
            let pushes = step.is_action(&["redhat-actions/push-to-registry"])
                || step.with("push").is_some_and(|v| {
                    v.as_bool() == Some(true) || v.as_str().is_some_and(|s| s.contains("${{"))
                })
                || step
                    .with("outputs")
                    .and_then(Node::as_str)
                    .is_some_and(|o| o.contains("push=true"));
            let image = step.with("image").and_then(Node::as_str);
            let text = tags.as_str().unwrap_or("");
            let mut refs: Vec<String> = text
                .split(['\n', ','])
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(str::to_string)
                .collect();
            refs.extend(
                tags.as_seq()
                    .iter()
                    .filter_map(|n| n.as_str())
                    .map(str::to_string),
            );
            for r in refs {
                // push-to-registry takes `image` and bare tags.
                let reference = match image {
                    Some(img) if !r.contains(':') && !r.contains('/') => format!("{img}:{r}"),
                    _ => r,
                };
                let o = |kind| ImageOp {
                    kind,
                    reference: reference.clone(),
                    loc: tags.loc,
                    what: step.describe() + " of " + &job.describe(),
                };
                out.push(o(ImageOpKind::Name));
                if pushes {
                    out.push(o(ImageOpKind::Push));
                }
            }
        }
    }
    out
}

/// Replaces `$NAME` and `${NAME}` with the values of pipeline variables (one level; unknown
/// names stay as they are).
pub fn expand_variables(word: &str, vars: &[(&str, &str)]) -> String {
    let mut out = String::new();
    let mut rest = word;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let braced = after.starts_with('{') && !after.starts_with("{{");
        let body = if braced { &after[1..] } else { after };
        let len = body
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(body.len());
        let name = &body[..len];
        let closes = !braced || body[len..].starts_with('}');
        match vars
            .iter()
            .find(|(k, _)| *k == name)
            .filter(|_| len > 0 && closes)
        {
            Some((_, v)) if !v.contains(&format!("${name}")) => {
                out.push_str(v);
                rest = &body[len + usize::from(braced)..];
            }
            _ => {
                out.push('$');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The repository part of a reference (without tag or digest), lower-cased.
pub fn repository_of(reference: &str) -> String {
    let r = reference.split('@').next().unwrap_or(reference);
    let slash = r.rfind('/').map_or(0, |i| i + 1);
    let cut = r[slash..].rfind(':').map_or(r.len(), |i| slash + i);
    // A `:` inside a template (`${{ env.A }}`, `${TAG:-x}`) is not a tag separator.
    let name = &r[..cut];
    let name = if name.matches("${").count() > name.matches('}').count() {
        r
    } else {
        name
    };
    name.to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variable_references() {
        assert_eq!(variable_refs("a$B-${C_D}x${E:-f}$1"), vec!["B", "C_D", "E"]);
        assert!(variable_refs("no vars").is_empty());
    }

    #[test]
    fn expression_spans() {
        let t = "echo ${{ github.event.issue.title }} and ${{secrets.X}}";
        let e = expressions(t);
        assert_eq!(e.len(), 2);
        assert_eq!(e[0].1, "github.event.issue.title");
        assert_eq!(e[1].1, "secrets.X");
    }

    #[test]
    fn expansion() {
        let vars = [
            ("IMAGE", "$CI_REGISTRY_IMAGE:$CI_COMMIT_SHA"),
            ("TAG", "1.2"),
        ];
        assert_eq!(
            expand_variables("${IMAGE}", &vars),
            "$CI_REGISTRY_IMAGE:$CI_COMMIT_SHA"
        );
        assert_eq!(expand_variables("app:$TAG-x", &vars), "app:1.2-x");
        assert_eq!(expand_variables("$OTHER:${TAG}", &vars), "$OTHER:1.2");
        assert_eq!(expand_variables("${{ env.A }}", &vars), "${{ env.A }}");
    }

    #[test]
    fn repositories() {
        assert_eq!(repository_of("reg.io:5000/a/b:1.2"), "reg.io:5000/a/b");
        assert_eq!(repository_of("a/b"), "a/b");
        assert_eq!(repository_of("A/B@sha256:00"), "a/b");
    }
}
