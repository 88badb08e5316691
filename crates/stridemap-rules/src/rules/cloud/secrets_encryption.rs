use super::util::{clusters, Provider};
use crate::{Check, Context, Sink};

declare_rule! {
    /// ## What it does
    /// Flags managed clusters that do not envelope-encrypt Kubernetes Secrets with a key the
    /// organisation controls: an EKS cluster without an `encryption_config` covering
    /// `secrets`, a GKE cluster whose `database_encryption` is not `ENCRYPTED` with a Cloud
    /// KMS key, an AKS cluster without `key_management_service` (KMS etcd encryption with a
    /// Key Vault key).
    ///
    /// ## Why is this bad?
    /// Secrets then sit in etcd protected only by the provider's default disk encryption:
    /// anyone who gets an etcd snapshot or backup reads every credential, and the
    /// organisation cannot revoke access by disabling a key or audit each decryption.
    ///
    /// ## Example
    /// ```hcl
    /// resource "google_container_cluster" "main" {
    ///   name = "shop"
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```hcl
    /// resource "google_container_cluster" "main" {
    ///   name = "shop"
    ///   database_encryption {
    ///     state    = "ENCRYPTED"
    ///     key_name = google_kms_crypto_key.etcd.id
    ///   }
    /// }
    /// ```
    /// EKS: `encryption_config { resources = ["secrets"] provider { key_arn = ... } }`;
    /// AKS: `key_management_service { key_vault_key_id = ... }`.
    pub struct SecretsEncryptionOff {
        id: "CLOUD-SECRETS-ENCRYPTION-OFF",
        title: "Managed cluster Secrets not encrypted with a customer key",
        group: SecretsManagement,
        stride: InformationDisclosure,
        severity: Medium,
        cwe: [311],
        infra: [Terraform],
        equivalents: ["CKV_AWS_58"],
        attack_scenario: "An attacker who obtains an etcd backup or snapshot of the cluster's datastore reads every Secret in it, with no key to revoke and no record of the decryption.",
        mitigation: "Enable envelope encryption of Secrets with a customer-managed key: EKS encryption_config with a KMS key, GKE database_encryption ENCRYPTED, AKS key_management_service with a Key Vault key.",
        checklist: ["secrets.encrypted-at-rest", "eks.kms-secrets", "gke.secrets-encryption"],
    }
}

impl Check for SecretsEncryptionOff {
    fn check_corpus(&self, cx: &Context, out: &mut Sink) {
        for c in clusters(cx.corpus) {
            let b = c.block;
            let (encrypted, what) = match c.provider {
                Provider::Eks => (
                    b.blocks_of("encryption_config").any(|e| {
                        e.value("resources")
                            .is_some_and(|r| !r.is_literal() || r.strings().contains(&"secrets"))
                    }) || b.has_dynamic("encryption_config"),
                    "has no encryption_config that envelope-encrypts `secrets` with a KMS key",
                ),
                Provider::Gke => (
                    b.block("database_encryption")
                        .is_some_and(|d| d.str("state") != Some("DECRYPTED")),
                    "does not enable application-layer Secrets encryption (database_encryption state ENCRYPTED)",
                ),
                Provider::Aks => (
                    b.block("key_management_service").is_some(),
                    "has no key_management_service block: etcd is not encrypted with a Key Vault key",
                ),
            };
            if !encrypted {
                let loc = match c.provider {
                    Provider::Gke => c.anchor(&["database_encryption"], "state"),
                    _ => b.loc,
                };
                c.report(out, loc, format!("{} {what}", c.describe()));
            }
        }
    }
}
