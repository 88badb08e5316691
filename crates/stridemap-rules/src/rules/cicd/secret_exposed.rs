use super::shell::Command;
use super::util::{secret_variables, word_has_secret, Pipeline, Script};
use crate::secrets::{key_sensitivity, KeySensitivity};
use crate::{Check, Context, Sink};
use stridemap_model::{Location, Node};

declare_rule! {
    /// ## What it does
    /// Flags pipeline scripts that leak CI secrets into the job log or onto process command
    /// lines: `echo`/`printf` of a secret whose output is neither piped nor redirected, a
    /// secret used while shell tracing is on (`set -x`, `set -o xtrace`), and a secret given
    /// as a password or token option (`docker login -p "$PASS"`, `--password=…`, `curl -u
    /// user:$TOKEN`, `mysql -p$PASS`). Secrets are `${{ secrets.… }}` expressions, variables
    /// set from them, GitLab's `CI_JOB_TOKEN`/`CI_REGISTRY_PASSWORD`/… and variables named like
    /// credentials. GitLab's `CI_DEBUG_TRACE`/`CI_DEBUG_SERVICES` set to true are flagged too.
    ///
    /// ## Why is this bad?
    /// Job logs are kept for months and readable by everyone with read access to the project
    /// (for public projects: everyone). Masking only hides the exact secret string: a
    /// base64-encoded, multi-line or partially printed value goes through, and trace output
    /// shows the expanded command. Command-line arguments are visible to every process on the
    /// runner, which matters on shared and self-hosted runners.
    ///
    /// ## Example
    /// ```yaml
    /// - run: |
    ///     set -x
    ///     docker login registry.example.com -u ci -p "${{ secrets.REGISTRY_PASSWORD }}"
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// - env:
    ///     REGISTRY_PASSWORD: ${{ secrets.REGISTRY_PASSWORD }}
    ///   run: |
    ///     echo "$REGISTRY_PASSWORD" | docker login registry.example.com -u ci --password-stdin
    /// ```
    /// Feed credentials through standard input or environment variables the tool reads itself,
    /// and keep tracing off around them.
    pub struct SecretExposed {
        id: "CICD-SECRET-EXPOSED",
        title: "CI secret printed to the job log or passed on a command line",
        group: CiCdPipeline,
        stride: InformationDisclosure,
        severity: Medium,
        cwe: [532, 214],
        infra: [Cicd],
        equivalents: [],
        attack_scenario: "A contributor with read access opens an old job log of the deploy pipeline, where `set -x` printed the expanded `docker login -p …` line, and uses the registry password to push a tampered image.",
        mitigation: "Pass secrets on standard input (`--password-stdin`) or through environment variables, never echo them, and disable shell tracing (`set +x`) around commands that use them.",
    }
}

const LOGIN_CLIS: &[&str] = &[
    "docker", "podman", "buildah", "skopeo", "helm", "oras", "crane", "nerdctl", "regctl",
];

fn traces_on(cmd: &Command) -> Option<bool> {
    if !cmd.is(&["set"]) {
        return None;
    }
    let mut state = None;
    let mut it = cmd.args.iter().peekable();
    while let Some(a) = it.next() {
        if (a == "-o" || a == "+o") && it.peek().is_some_and(|n| *n == "xtrace") {
            state = Some(a == "-o");
            it.next();
        } else if a.starts_with('-') && !a.starts_with("--") && a.contains('x') {
            state = Some(true);
        } else if a.starts_with('+') && a.contains('x') {
            state = Some(false);
        }
    }
    state
}

/// A secret passed through a password or token option of the command.
fn secret_option(script: &Script, vars: &[String], cmd: &Command) -> Option<String> {
    let login = cmd.is(LOGIN_CLIS) && cmd.args.iter().any(|a| a == "login");
    let mysql = cmd.is(&["mysql", "mysqldump", "mysqladmin"]);
    let curl = cmd.is(&["curl"]);
    let mut i = 0;
    while i < cmd.args.len() {
        let a = cmd.args[i].as_str();
        let next = cmd.args.get(i + 1).map(String::as_str);
        let value = if let Some(long) = a.strip_prefix("--") {
            let (name, inline) = match long.split_once('=') {
                Some((n, v)) => (n, Some(v)),
                None => (long, None),
            };
            let sensitive = key_sensitivity(name) == KeySensitivity::Strong
                && !name.ends_with("stdin")
                && !name.ends_with("file")
                && !name.ends_with("env")
                && !name.ends_with("-path");
            let user = curl && name == "user";
            if sensitive || user {
                inline.or(next)
            } else {
                None
            }
        } else if a == "-p" && login {
            next
        } else if mysql && a.starts_with("-p") && a.len() > 2 {
            Some(&a[2..])
        } else if curl && a == "-u" {
            next
        } else {
            None
        };
        if let Some(v) = value {
            if let Some(s) = word_has_secret(script, vars, v) {
                return Some(s);
            }
        }
        i += 1;
    }
    None
}

impl Check for SecretExposed {
    fn check_corpus(&self, cx: &Context, out: &mut Sink) {
        for p in Pipeline::all(cx.corpus) {
            if !p.is_github() {
                self.debug_trace(&p, out);
            }
            for script in p.scripts() {
                let vars = secret_variables(&script);
                let mut tracing: Option<Location> = None;
                let mut traced_reported = false;
                // Commands are told apart by program and occurrence, not by line, so that the
                // fingerprint survives lines added to the script.
                let mut seen: std::collections::BTreeMap<String, usize> = Default::default();
                for cmd in script.commands() {
                    let nth = {
                        let n = seen.entry(cmd.program.clone()).or_default();
                        *n += 1;
                        *n
                    };
                    if let Some(on) = traces_on(&cmd) {
                        tracing = on.then(|| script.loc(cmd.line));
                        continue;
                    }
                    let secret = cmd
                        .args
                        .iter()
                        .chain(cmd.env.iter().map(|(_, v)| v))
                        .find_map(|a| word_has_secret(&script, &vars, a));
                    let Some(secret) = secret else { continue };
                    let loc = script.loc(cmd.line);
                    let key = format!("{}/{}#{nth}", script.key(), cmd.program);
                    if let Some(set_x) = tracing.filter(|_| !traced_reported) {
                        traced_reported = true;
                        p.report(out, loc, script.job.component(), format!("{key}/xtrace"), format!("{} uses `{secret}` in `{}` while shell tracing (`set -x`) is on, so the expanded command with the secret is written to the job log", script.describe(), cmd.program))
                            .also_at(p.doc.file, set_x);
                        continue;
                    }
                    if cmd.is(&["echo", "printf"])
                        && !cmd.piped_out
                        && !cmd.stdout_to_file
                        && !cmd.args.iter().any(|a| a.starts_with("::add-mask::"))
                    {
                        p.report(
                            out,
                            loc,
                            script.job.component(),
                            format!("{key}/echo"),
                            format!(
                                "{} prints `{secret}` with `{}` into the job log",
                                script.describe(),
                                cmd.program
                            ),
                        );
                        continue;
                    }
                    if let Some(s) = secret_option(&script, &vars, &cmd) {
                        p.report(out, loc, script.job.component(), format!("{key}/argv"), format!("{} passes `{s}` to `{}` as a command-line option, where other processes on the runner and trace output can read it", script.describe(), cmd.program));
                    }
                }
            }
        }
    }
}

impl SecretExposed {
    fn debug_trace(&self, p: &Pipeline, out: &mut Sink) {
        let mut maps: Vec<(&Node, String)> = vec![];
        if let Some(v) = p.root.get("variables") {
            maps.push((v, p.describe()));
        }
        for job in p.jobs() {
            if let Some(v) = job.node.get("variables") {
                maps.push((v, job.describe()));
            }
        }
        for (map, what) in maps {
            for name in ["CI_DEBUG_TRACE", "CI_DEBUG_SERVICES"] {
                let Some(v) = map.get(name) else { continue };
                let v = v.get("value").unwrap_or(v);
                if v.as_bool() == Some(true) || v.as_str() == Some("1") {
                    p.report(out, v.loc, "CI variables", format!("{what}:{name}"), format!("{what} sets `{name}`, which writes every CI variable, masked secrets included, into the job log"));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::cicd::shell::commands;

    #[test]
    fn tracing() {
        assert_eq!(traces_on(&commands("set -ex")[0]), Some(true));
        assert_eq!(traces_on(&commands("set -o xtrace")[0]), Some(true));
        assert_eq!(traces_on(&commands("set +x")[0]), Some(false));
        assert_eq!(traces_on(&commands("set -eu")[0]), None);
    }
}
