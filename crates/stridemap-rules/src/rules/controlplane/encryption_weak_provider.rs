use super::encryption::{is_encryption_config, providers, secret_entries};
use crate::helpers::on_object;
use crate::{Check, Context, Sink};
use stridemap_model::k8s::K8sObject;

declare_rule! {
    /// ## What it does
    /// Flags `EncryptionConfiguration` entries for Secrets whose only encrypting provider is
    /// `aesgcm`: no `kms`, `aescbc` or `secretbox` is listed.
    ///
    /// ## Why is this bad?
    /// `aesgcm` with a static key is only safe while the key is rotated well before about 200
    /// thousand writes; beyond that nonce reuse becomes likely and an attacker with the
    /// encrypted data can start recovering plaintext and forging ciphertexts. Clusters rarely
    /// rotate that often, which is why the Kubernetes documentation steers away from it unless
    /// rotation is automated.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: apiserver.config.k8s.io/v1
    /// kind: EncryptionConfiguration
    /// resources:
    ///   - resources: ["secrets"]
    ///     providers:
    ///       - aesgcm:
    ///           keys:
    ///             - name: key1
    ///               secret: <base64 key>
    ///       - identity: {}
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// apiVersion: apiserver.config.k8s.io/v1
    /// kind: EncryptionConfiguration
    /// resources:
    ///   - resources: ["secrets"]
    ///     providers:
    ///       - kms:
    ///           apiVersion: v2
    ///           name: cloud-kms
    ///           endpoint: unix:///var/run/kms-plugin/socket.sock
    ///       - identity: {}
    /// ```
    /// Use a KMS plugin (preferred) or `secretbox`/`aescbc`, then rewrite the Secrets.
    pub struct EncryptionWeakProvider {
        id: "CP-ENCRYPTION-WEAK-PROVIDER",
        title: "Secrets encrypted only with aesgcm",
        group: SecretsManagement,
        stride: InformationDisclosure,
        severity: Medium,
        cwe: [326],
        infra: [Kubernetes],
        equivalents: ["kics:10efce34-5af6-4d83-b414-9e096d5a06a9"],
        attack_scenario: "A cluster writes Secrets for years under one never-rotated aesgcm key; an attacker holding an etcd backup exploits repeated nonces to recover plaintext of some Secrets.",
        mitigation: "Encrypt Secrets with a `kms` provider (or `secretbox`/`aescbc`) and rotate keys.",
        checklist: ["secrets.encrypted-at-rest"],
    }
}

const RECOMMENDED: &[&str] = &["kms", "aescbc", "secretbox"];

impl Check for EncryptionWeakProvider {
    fn check_object(&self, o: &K8sObject, _cx: &Context, out: &mut Sink) {
        if !is_encryption_config(o) {
            return;
        }
        for (i, entry) in secret_entries(o).into_iter().enumerate() {
            let list = providers(entry);
            let aesgcm = list.iter().find(|(name, _)| *name == "aesgcm");
            let recommended = list.iter().any(|(name, _)| RECOMMENDED.contains(name));
            if let (Some((_, node)), false) = (aesgcm, recommended) {
                on_object(out, o, node.loc, format!("{} encrypts Secrets only with aesgcm; no kms, aescbc or secretbox provider is configured", o.resource_id()))
                    .key_part(i.to_string());
            }
        }
    }
}
