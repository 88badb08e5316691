use super::util::what;
use crate::helpers::{on_container, on_service};
use crate::secrets::find_in_value;
use crate::{Check, Context, Sink};
use stridemap_model::compose::{ComposeFile, ComposeService};
use stridemap_model::k8s::Workload;
use stridemap_model::Node;

declare_rule! {
    /// ## What it does
    /// Flags credentials written literally into environment variables: the `value` of an
    /// `env` entry of any container of a pod spec (init, sidecar and ephemeral containers
    /// included) and the `environment` of Compose services, in both the map and the
    /// `KEY=value` list forms. A value counts as a credential when its variable name says so
    /// (`DB_PASSWORD`, `SECRET_KEY`, `API_TOKEN`; `API_KEY`-like names only with a
    /// random-looking value), when it embeds a password in a URL, or when it has the shape of a
    /// well-known token (cloud keys, VCS and payment tokens). Placeholders, variable
    /// references and `valueFrom` are ignored.
    ///
    /// ## Why is this bad?
    /// The value lives in the manifest, so it is in the repository history, in every rendered
    /// copy of the chart, in `kubectl get -o yaml` and in the `docker inspect` output of the
    /// container, and it is readable by everyone allowed to read the Deployment, which is a
    /// much wider audience than the people allowed to read Secrets. Rotating it means a
    /// redeploy and a commit.
    ///
    /// ## Example
    /// ```yaml
    /// env:
    ///   - name: ORDERS_DB_PASSWORD
    ///     value: "Sup3r-S3cret!"
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// volumeMounts:
    ///   - name: orders-db
    ///     mountPath: /var/run/secrets/orders-db
    ///     readOnly: true
    /// env:
    ///   - name: ORDERS_DB_PASSWORD_FILE
    ///     value: /var/run/secrets/orders-db/password
    /// ```
    /// Keep the value in a Secret (or an external secret manager) and mount it as a file; in
    /// Compose use `secrets:` instead of `environment:`.
    pub struct EnvCredential {
        id: "SEC-ENV-CREDENTIAL",
        title: "Hard-coded credential in an environment variable",
        group: SecretsManagement,
        stride: InformationDisclosure,
        severity: High,
        cwe: [798, 526],
        infra: [Kubernetes, Compose],
        equivalents: [
            "kics:a88baa34-e2ad-44ea-ad6f-8cac87bc7c71",
            "kube-linter:env-var-secret",
        ],
        attack_scenario: "Anyone who can read the repository, the rendered manifests or the Deployment object through the API (a contractor, a CI job, a compromised pod with broad read rights) copies the password from the `env` block and connects to the database as the application.",
        mitigation: "Remove the literal value and rotate it; load the credential from a Secret or an external secret store, preferably mounted as a file rather than injected through the environment.",
    }
}

impl Check for EnvCredential {
    fn check_workload(&self, w: &Workload, _cx: &Context, out: &mut Sink) {
        for c in w.containers() {
            let Some(env) = c.node.get("env") else {
                continue;
            };
            for entry in env.as_seq() {
                let Some(name) = entry.get("name").and_then(Node::as_str) else {
                    continue;
                };
                let Some(value) = entry.get("value") else {
                    continue;
                };
                let Some(text) = value.as_str() else { continue };
                let Some(hit) = find_in_value(Some(name), text) else {
                    continue;
                };
                on_container(
                    out,
                    w,
                    &c,
                    value.loc,
                    format!(
                        "{} of {} sets environment variable `{name}` to a hard-coded {}",
                        c.describe(),
                        w.object.resource_id(),
                        what(&hit)
                    ),
                )
                .key_part(format!("env.{name}"))
                .secret(hit.value);
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
        for env in service.environment() {
            let Some(value) = env.value else { continue };
            let Some(hit) = find_in_value(Some(env.name), value) else {
                continue;
            };
            on_service(
                out,
                compose,
                service,
                env.loc,
                format!(
                    "Compose service `{}` sets environment variable `{}` to a hard-coded {}",
                    service.name,
                    env.name,
                    what(&hit)
                ),
            )
            .key_part(format!("environment.{}", env.name))
            .secret(hit.value);
        }
    }
}
