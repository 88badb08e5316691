use super::util::{find_in_command_nodes, kinds};
use crate::helpers::{on_container, on_service};
use crate::secrets::SecretHit;
use crate::{Check, Context, Sink};
use stridemap_model::compose::{ComposeFile, ComposeService};
use stridemap_model::k8s::Workload;
use stridemap_model::{Location, Node};

declare_rule! {
    /// ## What it does
    /// Flags credentials passed on a command line: in the `command` and `args` of any
    /// container of a pod spec (and in the `exec` commands of its probes and lifecycle hooks),
    /// and in the `command` and `entrypoint` of Compose services. It recognises
    /// `--password=…`-style flags, `KEY=value` assignments with credential-like names,
    /// `kubectl create secret … --from-literal=key=value`, `Authorization:` headers, passwords
    /// inside URLs and well-known token formats. Values taken from the environment
    /// (`$(DB_PASSWORD)`, `${TOKEN}`) are not credentials.
    ///
    /// ## Why is this bad?
    /// A command line is about the least private place for a secret: it is stored in the
    /// manifest and the repository, shown by `kubectl describe pod`, visible to every process
    /// on the node through `/proc/<pid>/cmdline` and `ps`, and often echoed into logs and shell
    /// history by wrappers.
    ///
    /// ## Example
    /// ```yaml
    /// containers:
    ///   - name: migrate
    ///     image: registry.example.com/tools/flyway:10.15.0
    ///     args: ["-url=jdbc:postgresql://db:5432/shop", "-user=shop", "--password=Sh0p-Adm1n!", "migrate"]
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// containers:
    ///   - name: migrate
    ///     image: registry.example.com/tools/flyway:10.15.0
    ///     args: ["-url=jdbc:postgresql://db:5432/shop", "-user=shop", "migrate"]
    ///     env:
    ///       - name: FLYWAY_PASSWORD
    ///         valueFrom:
    ///           secretKeyRef: {name: shop-db, key: password}
    /// ```
    /// Let the program read the credential from a mounted file or a Secret-backed variable,
    /// and create Secrets from files or a secret manager instead of `--from-literal`.
    pub struct CommandCredential {
        id: "SEC-COMMAND-CREDENTIAL",
        title: "Hard-coded credential in a container command line",
        group: SecretsManagement,
        stride: InformationDisclosure,
        severity: High,
        cwe: [798, 214],
        infra: [Kubernetes, Compose],
        equivalents: [],
        attack_scenario: "An attacker with a foothold on the node (or read access to pod specs) lists process command lines or runs `kubectl describe pod`, reads the password passed as an argument and reuses it against the database or API it protects.",
        mitigation: "Pass the credential through a mounted Secret file or a Secret-backed environment variable and let the program read it there; rotate the exposed value.",
    }
}

fn report_container(
    out: &mut Sink,
    w: &Workload,
    c: &stridemap_model::k8s::Container,
    field: &str,
    hits: Vec<(SecretHit, Location)>,
) {
    if hits.is_empty() {
        return;
    }
    let refs: Vec<&SecretHit> = hits.iter().map(|(h, _)| h).collect();
    let finding = on_container(
        out,
        w,
        c,
        hits[0].1,
        format!(
            "{} of {} passes {} on its command line (`{field}`)",
            c.describe(),
            w.object.resource_id(),
            kinds(&refs)
        ),
    )
    .key_part(field);
    for (h, loc) in &hits {
        finding.also_at(w.object.file, *loc);
        finding.secret(h.value.clone());
    }
}

/// `exec` commands of probes and lifecycle hooks, with a short name for each.
fn exec_commands(container: &Node) -> Vec<(String, &Node)> {
    let mut out = Vec::new();
    for probe in ["livenessProbe", "readinessProbe", "startupProbe"] {
        if let Some(cmd) = container.path(&[probe, "exec", "command"]) {
            out.push((probe.to_string(), cmd));
        }
    }
    for hook in ["postStart", "preStop"] {
        if let Some(cmd) = container.path(&["lifecycle", hook, "exec", "command"]) {
            out.push((format!("lifecycle.{hook}"), cmd));
        }
    }
    out
}

impl Check for CommandCredential {
    fn check_workload(&self, w: &Workload, _cx: &Context, out: &mut Sink) {
        for c in w.containers() {
            let mut strings = Vec::new();
            for field in ["command", "args"] {
                if let Some(node) = c.node.get(field) {
                    strings.extend(node.strings());
                }
            }
            report_container(out, w, &c, "command", find_in_command_nodes(&strings));
            for (name, node) in exec_commands(c.node) {
                report_container(out, w, &c, &name, find_in_command_nodes(&node.strings()));
            }
        }
    }

    fn check_compose_service(
        &self,
        compose: &ComposeFile,
        service: &ComposeService,
        _cx: &Context,
        out: &mut Sink,
    ) {
        for field in ["entrypoint", "command"] {
            let Some(node) = service.get(field) else {
                continue;
            };
            let hits = find_in_command_nodes(&node.strings());
            if hits.is_empty() {
                continue;
            }
            let refs: Vec<&SecretHit> = hits.iter().map(|(h, _)| h).collect();
            let finding = on_service(
                out,
                compose,
                service,
                hits[0].1,
                format!(
                    "Compose service `{}` passes {} on its command line (`{field}`)",
                    service.name,
                    kinds(&refs)
                ),
            )
            .key_part(field);
            for (h, loc) in &hits {
                finding.also_at(compose.file, *loc);
                finding.secret(h.value.clone());
            }
        }
    }
}
