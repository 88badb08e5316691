use super::util::{decode_base64_text, join_words, kinds};
use crate::helpers::on_object;
use crate::secrets::{find_in_text, find_in_value, SecretHit};
use crate::{Check, Context, Sink};
use stridemap_model::k8s::K8sObject;
use stridemap_model::Location;

declare_rule! {
    /// ## What it does
    /// Flags credentials stored in a ConfigMap: a value under a credential-like key
    /// (`DB_PASSWORD`, `API_KEY`), a password inside a connection URL, a well-known token
    /// format, or any of these inside a configuration file carried by the ConfigMap
    /// (`application.properties`, a YAML or `.env` file). `binaryData` is decoded and read the
    /// same way. Placeholders and references (`${DB_PASSWORD}`, `changeme`, `<your-key>`,
    /// `{{ .Values.password }}`) are ignored.
    ///
    /// ## Why is this bad?
    /// ConfigMaps are meant for non-confidential settings: they are stored unencrypted in
    /// etcd, shown in full by `kubectl describe`, readable by many roles that are never
    /// granted Secrets, and the manifest itself sits in version control. A credential placed
    /// there is readable by far more people and workloads than need it.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: ConfigMap
    /// metadata:
    ///   name: billing-config
    /// data:
    ///   PAYMENTS_DB_URL: "postgresql://billing:Tr0ub4dor-9@payments-db:5432/billing"
    ///   PSP_API_KEY: "psp_live_7Hq2MzX9kR41"
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// apiVersion: v1
    /// kind: Secret
    /// metadata:
    ///   name: billing-credentials
    /// type: Opaque
    /// data:
    ///   PAYMENTS_DB_URL: cG9zdGdyZXNxbDovL2JpbGxpbmc6VHIwdWI0ZG9yLTlAcGF5bWVudHMtZGI6NTQzMi9iaWxsaW5n
    ///   PSP_API_KEY: cHNwX2xpdmVfN0hxMk16WDlrUjQx
    /// ```
    /// Keep credentials in a Secret (created from a secret manager rather than committed),
    /// enable encryption at rest, and leave only non-sensitive settings in the ConfigMap.
    pub struct ConfigMapCredential {
        id: "SEC-CONFIGMAP-CREDENTIAL",
        title: "Credentials stored in a ConfigMap",
        group: SecretsManagement,
        stride: InformationDisclosure,
        severity: High,
        cwe: [312, 522],
        infra: [Kubernetes],
        equivalents: [],
        attack_scenario: "A developer with read access to the namespace, a compromised workload whose service account may read ConfigMaps, or anyone who can read the repository opens the ConfigMap and takes the database password or API key from it.",
        mitigation: "Move the credentials to a Kubernetes Secret with encryption at rest (or an external secret manager such as Vault or AWS Secrets Manager via External Secrets), reference it from the pod, and rotate the exposed values.",
        checklist: ["secrets.not-in-config-maps"],
    }
}

/// Credentials in one ConfigMap entry: a single value is read with its key, a multi-line
/// value as a configuration file. Returns each hit with its line offset inside the value.
fn scan_entry(key: &str, text: &str) -> Vec<(usize, SecretHit)> {
    if text.trim_end().contains('\n') {
        find_in_text(text)
    } else {
        find_in_value(Some(key), text)
            .map(|h| vec![(0, h)])
            .unwrap_or_default()
    }
}

/// One ConfigMap entry holding credentials.
struct Entry {
    name: String,
    loc: Location,
    hits: Vec<SecretHit>,
    /// The base64 text of a `binaryData` entry, which is what appears in the file.
    encoded: Option<String>,
}

impl Check for ConfigMapCredential {
    fn check_object(&self, object: &K8sObject, _cx: &Context, out: &mut Sink) {
        if object.kind != "ConfigMap" {
            return;
        }
        let mut entries: Vec<Entry> = Vec::new();
        for field in ["data", "binaryData"] {
            let Some(map) = object.root.get(field) else {
                continue;
            };
            for (key, key_node, value) in map.entries() {
                let Some(raw) = value.as_str() else { continue };
                let (text, encoded) = if field == "binaryData" {
                    match decode_base64_text(raw) {
                        Some(t) => (t, true),
                        None => continue,
                    }
                } else {
                    (raw.to_string(), false)
                };
                let hits = scan_entry(key, &text);
                if hits.is_empty() {
                    continue;
                }
                // A block scalar (`|`) starts on a line of its own: point at the line that
                // holds the first credential.
                let block = !encoded && text.contains('\n') && value.loc.line > key_node.loc.line;
                let loc = if block {
                    Location::new(value.loc.line + hits[0].0 as u32, value.loc.column)
                } else {
                    value.loc
                };
                entries.push(Entry {
                    name: key.to_string(),
                    loc,
                    hits: hits.into_iter().map(|(_, h)| h).collect(),
                    encoded: encoded.then(|| raw.to_string()),
                });
            }
        }
        let Some(first) = entries.first() else { return };
        let refs: Vec<&SecretHit> = entries.iter().flat_map(|e| &e.hits).collect();
        let names: Vec<String> = entries.iter().map(|e| format!("`{}`", e.name)).collect();
        let finding = on_object(
            out,
            object,
            first.loc,
            format!(
                "{} stores {} in plain text under {}",
                object.resource_id(),
                kinds(&refs),
                join_words(&names)
            ),
        );
        for e in &entries {
            finding.also_at(object.file, e.loc);
            for h in &e.hits {
                finding.secret(h.value.clone());
            }
            if let Some(raw) = &e.encoded {
                finding.secret(raw.clone());
            }
        }
    }
}
