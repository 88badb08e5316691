use super::util::Pipeline;
use crate::secrets::{find_in_command, find_in_value, SecretHit};
use crate::{Check, Context, Sink};
use stridemap_model::{Location, Node};

declare_rule! {
    /// ## What it does
    /// Flags credentials written literally into pipeline definitions: in `run:`/`script:`
    /// commands (`--password=…`, `--from-literal=password=…`, tokens of known formats, URL
    /// credentials), in `env:`/`variables:` values whose names say they hold a secret, and in
    /// action inputs such as `password:`. Values taken from `${{ secrets.… }}`, `$VARIABLES`
    /// or placeholders are not reported.
    ///
    /// ## Why is this bad?
    /// The pipeline file is in the repository: every clone, fork and past commit carries the
    /// credential, and removing it later does not remove it from history. The value also
    /// reaches job logs and cannot be rotated without editing code.
    ///
    /// ## Example
    /// ```yaml
    /// - run: kubectl create secret generic db --from-literal=password=S3cr3t-2024
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// - env:
    ///     DB_PASSWORD: ${{ secrets.DB_PASSWORD }}
    ///   run: kubectl create secret generic db --from-literal=password="$DB_PASSWORD"
    /// ```
    /// Store the value as a CI secret (or in a secret manager), rotate the exposed one, and
    /// reference it through the secret store.
    pub struct HardcodedPipelineSecret {
        id: "CICD-HARDCODED-SECRET",
        title: "Credential hard-coded in a pipeline definition",
        group: CiCdPipeline,
        stride: InformationDisclosure,
        severity: High,
        cwe: [798, 312],
        infra: [Cicd],
        equivalents: [],
        attack_scenario: "Someone browsing a fork of the repository finds the database password in the deploy workflow and uses it against the production database the workflow provisions.",
        mitigation: "Move the value into the CI platform's secret store, rotate it, and reference it as `${{ secrets.NAME }}` or a masked, protected variable.",
    }
}

/// Variables that configure the official database and broker images GitLab starts as job
/// services.
const SERVICE_VARIABLES: &[&str] = &[
    "POSTGRES_",
    "MYSQL_",
    "MARIADB_",
    "MONGO_INITDB_",
    "RABBITMQ_DEFAULT_",
    "REDIS_PASSWORD",
    "MSSQL_SA_PASSWORD",
    "SA_PASSWORD",
    "ELASTIC_PASSWORD",
    "MINIO_ROOT_",
];

impl Check for HardcodedPipelineSecret {
    fn check_corpus(&self, cx: &Context, out: &mut Sink) {
        for p in Pipeline::all(cx.corpus) {
            let mut found: Vec<(Location, String, String, SecretHit)> = Vec::new();
            for script in p.scripts() {
                for cmd in script.commands() {
                    let words: Vec<String> = cmd
                        .args
                        .iter()
                        .map(|a| script.restore(a))
                        .chain(
                            cmd.env
                                .iter()
                                .map(|(k, v)| format!("{k}={}", script.restore(v))),
                        )
                        .collect();
                    let refs: Vec<&str> = words.iter().map(String::as_str).collect();
                    for hit in find_in_command(&refs) {
                        found.push((
                            script.loc(cmd.line),
                            script.describe(),
                            format!("{}/{}", script.key(), cmd.program),
                            hit,
                        ));
                    }
                }
            }
            // (variables, where, key, the scope runs throw-away service containers)
            let mut maps: Vec<(&Node, String, String, bool)> = Vec::new();
            let vars_key = if p.is_github() { "env" } else { "variables" };
            let global_services = !p.is_github()
                && (p.root.get("services").is_some()
                    || p.root.path(&["default", "services"]).is_some());
            let any_services = global_services
                || (!p.is_github() && p.jobs().iter().any(|j| j.node.get("services").is_some()));
            if let Some(m) = p.root.get(vars_key) {
                maps.push((m, p.describe(), "global".into(), any_services));
            }
            for job in p.jobs() {
                let services =
                    !p.is_github() && (global_services || job.node.get("services").is_some());
                if let Some(m) = job.node.get(vars_key) {
                    maps.push((m, job.describe(), job.id.to_string(), services));
                }
                for step in job.steps() {
                    for field in ["env", "with"] {
                        if let Some(m) = step.node.get(field) {
                            maps.push((
                                m,
                                format!("{} of {}", step.describe(), job.describe()),
                                step.key(),
                                false,
                            ));
                        }
                    }
                }
            }
            for (map, what, key, services) in maps {
                for (name, _, value) in map.entries() {
                    // GitLab passes job variables to its service containers: the password of a
                    // throw-away test database is not a secret worth reporting.
                    if services && SERVICE_VARIABLES.iter().any(|p| name.starts_with(p)) {
                        continue;
                    }
                    let value = value.get("value").unwrap_or(value);
                    let Some(text) = value.as_str() else { continue };
                    if let Some(hit) = find_in_value(Some(name), text) {
                        found.push((value.loc, what.clone(), format!("{key}/{name}"), hit));
                    }
                }
            }
            let mut seen: Vec<String> = Vec::new();
            for (loc, what, key, hit) in found {
                if seen.contains(&hit.value) {
                    continue;
                }
                seen.push(hit.value.clone());
                p.report(
                    out,
                    loc,
                    "CI pipeline",
                    key,
                    format!("{what} contains a hard-coded {}", hit.what),
                )
                .secret(hit.value);
            }
        }
    }
}
