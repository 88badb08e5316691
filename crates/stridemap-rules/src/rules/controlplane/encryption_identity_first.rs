use super::encryption::{is_encryption_config, providers, secret_entries};
use crate::helpers::{key_loc, on_object};
use crate::{Check, Context, Sink};
use stridemap_model::k8s::K8sObject;

declare_rule! {
    /// ## What it does
    /// Flags `EncryptionConfiguration` objects under which new Secrets are written in plain
    /// text: the first provider of the entry covering `secrets` is `identity`, or no entry
    /// covers `secrets` at all.
    ///
    /// ## Why is this bad?
    /// The API server writes with the first provider in the list and only uses the others to
    /// read. With `identity` first, every Secret created or updated is stored unencrypted,
    /// however many keys follow it. The configuration looks like encryption at rest is on
    /// while it is not.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: apiserver.config.k8s.io/v1
    /// kind: EncryptionConfiguration
    /// resources:
    ///   - resources: ["secrets"]
    ///     providers:
    ///       - identity: {}
    ///       - secretbox:
    ///           keys:
    ///             - name: key1
    ///               secret: <base64 key>
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// apiVersion: apiserver.config.k8s.io/v1
    /// kind: EncryptionConfiguration
    /// resources:
    ///   - resources: ["secrets"]
    ///     providers:
    ///       - secretbox:
    ///           keys:
    ///             - name: key1
    ///               secret: <base64 key>
    ///       - identity: {}
    /// ```
    /// Put the encrypting provider first and keep `identity` last, only to read data written
    /// before encryption was turned on.
    pub struct EncryptionIdentityFirst {
        id: "CP-ENCRYPTION-IDENTITY-FIRST",
        title: "Encryption configuration writes Secrets in plain text",
        group: SecretsManagement,
        stride: InformationDisclosure,
        severity: High,
        cwe: [311, 312],
        infra: [Kubernetes],
        equivalents: [],
        attack_scenario: "The team believes Secrets are encrypted because keys are configured, but identity is listed first; an attacker with an etcd snapshot reads every recently written Secret in plain text.",
        mitigation: "List an encrypting provider (kms, secretbox, aescbc) first for `secrets` and move `identity` to the end.",
        checklist: ["secrets.encrypted-at-rest"],
    }
}

impl Check for EncryptionIdentityFirst {
    fn check_object(&self, o: &K8sObject, _cx: &Context, out: &mut Sink) {
        if !is_encryption_config(o) {
            return;
        }
        let entries = secret_entries(o);
        if entries.is_empty() {
            on_object(
                out,
                o,
                key_loc(&o.root, "resources"),
                format!(
                    "{} has no entry for secrets, so Secrets are stored unencrypted",
                    o.resource_id()
                ),
            );
            return;
        }
        for (i, entry) in entries.into_iter().enumerate() {
            if let Some(("identity", node)) = providers(entry).first().copied() {
                on_object(out, o, node.loc, format!("{} lists identity as the first provider for secrets, so new Secrets are written unencrypted", o.resource_id()))
                    .key_part(i.to_string());
            }
        }
    }
}
