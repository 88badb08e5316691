use super::util::decode_base64_text;
use crate::helpers::on_object;
use crate::secrets::{find_tokens, is_placeholder};
use crate::{Check, Context, Sink};
use stridemap_model::k8s::K8sObject;
use stridemap_model::{Node, Severity};

declare_rule! {
    /// ## What it does
    /// Flags Kubernetes `Secret` manifests that carry their values inline, so the secret
    /// material is committed together with the rest of the configuration. Plain-text
    /// `stringData` is reported at `medium` severity, base64 `data` at `low`: base64 is an
    /// encoding, not encryption, but it at least keeps values from being read at a glance.
    /// Empty values, placeholders and template expressions (`{{ .Values.password | b64enc }}`)
    /// are ignored, as are base64 values that decode to a placeholder and Secrets that hold
    /// only identifiers such as a user or host name.
    ///
    /// ## Why is this bad?
    /// A Secret object is the right place for a credential at runtime, but its manifest should
    /// not be the place the credential is written down. Once committed, the value is in the
    /// repository history of every clone and fork, in CI logs and rendered charts, and it can
    /// no longer be rotated without a commit; anyone with read access to the repository holds
    /// the production credential.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Secret
    /// metadata:
    ///   name: smtp-relay
    /// type: Opaque
    /// stringData:
    ///   username: notifier
    ///   password: "m41l-R3lay-2024"
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// apiVersion: external-secrets.io/v1beta1
    /// kind: ExternalSecret
    /// metadata:
    ///   name: smtp-relay
    /// spec:
    ///   secretStoreRef: {name: vault-backend, kind: ClusterSecretStore}
    ///   target: {name: smtp-relay}
    ///   data:
    ///     - secretKey: password
    ///       remoteRef: {key: notifier/smtp, property: password}
    /// ```
    /// Keep the value in a secret manager and let External Secrets, Vault Agent or the CSI
    /// secrets driver create the Secret, or commit it only encrypted (Sealed Secrets, SOPS).
    pub struct SecretManifest {
        id: "SEC-SECRET-MANIFEST",
        title: "Secret values committed in a manifest",
        group: SecretsManagement,
        stride: InformationDisclosure,
        severity: Medium,
        cwe: [540, 260],
        infra: [Kubernetes],
        equivalents: ["kics:a88baa34-e2ad-44ea-ad6f-8cac87bc7c71"],
        attack_scenario: "Someone with read access to the repository (a former employee's clone, a leaked CI token, an accidentally public fork) decodes the committed Secret and uses the credential against the service it protects, long after it was committed.",
        mitigation: "Stop committing Secret values: source them from a secret manager (External Secrets Operator, Vault, cloud secret stores) or commit them encrypted (Sealed Secrets, SOPS), and rotate the values that were exposed.",
    }
}

/// Keys that name who or where rather than a secret (`username`, `db-host`, `dbUser`).
fn names_identifier(key: &str) -> bool {
    // The last word of the key: after the last separator or lower-to-upper case change.
    let bytes = key.as_bytes();
    let start = (1..bytes.len())
        .rev()
        .find(|&i| {
            !bytes[i - 1].is_ascii_alphanumeric()
                || (bytes[i - 1].is_ascii_lowercase() && bytes[i].is_ascii_uppercase())
        })
        .unwrap_or(0);
    let last = key[start..]
        .trim_start_matches(|c: char| !c.is_ascii_alphanumeric())
        .to_ascii_lowercase();
    [
        "user", "username", "login", "host", "hostname", "port", "database", "db", "dbname",
        "name", "email", "region", "endpoint", "server",
    ]
    .contains(&last.as_str())
}

/// The committed values of one field: non-empty, not placeholders.
fn committed(map: &Node, encoded: bool) -> Vec<(&str, &Node, String)> {
    map.entries()
        .filter_map(|(key, _, value)| {
            let raw = value.as_str()?.trim();
            if is_placeholder(raw) {
                return None;
            }
            if encoded {
                // Base64 of a placeholder (or of nothing) commits nothing secret.
                if let Some(decoded) = decode_base64_text(raw) {
                    if is_placeholder(&decoded) {
                        return None;
                    }
                }
            }
            Some((key, value, raw.to_string()))
        })
        .collect()
}

impl Check for SecretManifest {
    fn check_object(&self, object: &K8sObject, _cx: &Context, out: &mut Sink) {
        if object.kind != "Secret" {
            return;
        }
        for (field, encoded) in [("stringData", false), ("data", true)] {
            let Some(map) = object.root.get(field) else {
                continue;
            };
            // A Secret that only names a user or a host commits nothing worth protecting.
            let values = committed(map, encoded);
            if values.iter().all(|(k, _, _)| names_identifier(k)) {
                continue;
            }
            let Some((_, first, _)) = values
                .iter()
                .find(|(k, _, _)| !names_identifier(k))
                .or(values.first())
            else {
                continue;
            };
            let keys: Vec<String> = values.iter().map(|(k, _, _)| format!("`{k}`")).collect();
            let finding = on_object(
                out,
                object,
                first.loc,
                if encoded {
                    format!(
                        "{} is committed with base64-encoded values for {} in `data`",
                        object.resource_id(),
                        super::util::join_words(&keys)
                    )
                } else {
                    format!(
                        "{} is committed with plain-text values for {} in `stringData`",
                        object.resource_id(),
                        super::util::join_words(&keys)
                    )
                },
            )
            .key_part(field);
            if encoded {
                finding.severity(Severity::Low);
            }
            for (key, node, raw) in &values {
                finding.also_at(object.file, node.loc);
                // Redact every value except plain-text identifiers such as a user or host
                // name, which would otherwise blank out common words across the report.
                if encoded || !names_identifier(key) || !find_tokens(raw).is_empty() {
                    finding.secret(raw.clone());
                }
            }
        }
    }
}
