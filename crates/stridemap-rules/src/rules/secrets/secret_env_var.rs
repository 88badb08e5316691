use crate::helpers::{key_loc, on_container};
use crate::{Check, Context, Sink};
use stridemap_model::k8s::Workload;
use stridemap_model::Node;

declare_rule! {
    /// ## What it does
    /// Flags containers (init, sidecar and ephemeral ones included) that receive Kubernetes
    /// Secrets as environment variables, through `env[].valueFrom.secretKeyRef` or
    /// `envFrom[].secretRef`, instead of reading them from a mounted Secret volume.
    ///
    /// ## Why is this bad?
    /// Environment variables leak easily: they are inherited by every child process, dumped
    /// by crash reporters, debug endpoints and error pages (`/actuator/env`, `phpinfo()`),
    /// readable from `/proc/<pid>/environ`, and often logged at start-up. They are also fixed
    /// for the life of the process, so a rotated Secret is not picked up until a restart. A
    /// mounted file can be kept out of all of these and is updated in place.
    ///
    /// ## Example
    /// ```yaml
    /// containers:
    ///   - name: api
    ///     image: registry.example.com/shop/api:2.7.1
    ///     env:
    ///       - name: STRIPE_KEY
    ///         valueFrom:
    ///           secretKeyRef: {name: payment-keys, key: stripe}
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// containers:
    ///   - name: api
    ///     image: registry.example.com/shop/api:2.7.1
    ///     volumeMounts:
    ///       - name: payment-keys
    ///         mountPath: /var/run/secrets/payment
    ///         readOnly: true
    /// volumes:
    ///   - name: payment-keys
    ///     secret:
    ///       secretName: payment-keys
    /// ```
    /// Mount the Secret read-only and have the application read the file.
    pub struct SecretEnvVar {
        id: "SEC-SECRET-ENV-VAR",
        title: "Secret exposed through environment variables",
        group: SecretsManagement,
        stride: InformationDisclosure,
        severity: Low,
        cwe: [526, 214],
        infra: [Kubernetes],
        equivalents: [
            "CKV_K8S_35",
            "kics:3d658f8b-d988-41a0-a841-40043121de1e",
            "kube-linter:read-secret-from-env-var",
        ],
        attack_scenario: "An attacker who can trigger an error page, reach a debug or metrics endpoint, or read a crash dump or start-up log of the service obtains the process environment, and with it the Secret values injected there.",
        mitigation: "Mount the Secret as a read-only volume and read the credential from the file; if a variable is unavoidable, make sure the application never logs or exposes its environment.",
    }
}

impl Check for SecretEnvVar {
    fn check_workload(&self, w: &Workload, _cx: &Context, out: &mut Sink) {
        for c in w.containers() {
            if let Some(env) = c.node.get("env") {
                for entry in env.as_seq() {
                    let Some(value_from) = entry.get("valueFrom") else {
                        continue;
                    };
                    let Some(r) = value_from.get("secretKeyRef").filter(|r| r.is_map()) else {
                        continue;
                    };
                    let name = entry.get("name").and_then(Node::as_str).unwrap_or("?");
                    let secret = r.get("name").and_then(Node::as_str).unwrap_or("?");
                    let key = r.get("key").and_then(Node::as_str).unwrap_or("?");
                    on_container(
                        out,
                        w,
                        &c,
                        key_loc(value_from, "secretKeyRef"),
                        format!(
                            "{} of {} reads key `{key}` of Secret `{secret}` into environment variable `{name}`",
                            c.describe(),
                            w.object.resource_id()
                        ),
                    )
                    .key_part(format!("env.{name}"));
                }
            }
            if let Some(env_from) = c.node.get("envFrom") {
                for (i, entry) in env_from.as_seq().iter().enumerate() {
                    let Some(r) = entry.get("secretRef").filter(|r| r.is_map()) else {
                        continue;
                    };
                    let secret = r.get("name").and_then(Node::as_str).unwrap_or("?");
                    on_container(
                        out,
                        w,
                        &c,
                        key_loc(entry, "secretRef"),
                        format!(
                            "{} of {} loads every key of Secret `{secret}` as environment variables",
                            c.describe(),
                            w.object.resource_id()
                        ),
                    )
                    .key_part(format!("envFrom[{i}]"));
                }
            }
        }
    }
}
