use super::util::{clusters, Provider};
use crate::{Check, Context, Sink};

/// Kinds whose presence shows secrets delivered from an external store.
const EXTERNAL_SECRET_KINDS: &[&str] = &[
    "SecretProviderClass",
    "ExternalSecret",
    "ClusterExternalSecret",
    "SecretStore",
    "ClusterSecretStore",
];

declare_rule! {
    /// ## What it does
    /// Flags AKS clusters without the Key Vault secrets provider add-on
    /// (`key_vault_secrets_provider`) and GKE clusters without the Secret Manager add-on
    /// (`secret_manager_config { enabled = true }`), when the manifests deliver no secret
    /// from an external store either (no `SecretProviderClass`, `ExternalSecret` or
    /// `SecretStore` objects). EKS has no managed add-on for it and is not judged.
    ///
    /// ## Why is this bad?
    /// Without a driver or operator, credentials reach pods only as Kubernetes Secrets
    /// written by hand or by the pipeline: they live in etcd and in the deploy tooling, are
    /// rotated by nobody, and their reads are not audited by the vault that should own them.
    ///
    /// ## Example
    /// ```hcl
    /// resource "azurerm_kubernetes_cluster" "main" {
    ///   name = "shop"
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```hcl
    /// resource "azurerm_kubernetes_cluster" "main" {
    ///   name = "shop"
    ///   key_vault_secrets_provider {
    ///     secret_rotation_enabled = true
    ///   }
    /// }
    /// ```
    /// Then mount secrets with a `SecretProviderClass` for the Azure provider.
    pub struct NoSecretStoreDriver {
        id: "CLOUD-NO-SECRET-STORE-DRIVER",
        title: "Managed cluster without a secret-store driver",
        group: SecretsManagement,
        stride: InformationDisclosure,
        severity: Low,
        cwe: [522],
        infra: [Terraform],
        equivalents: [],
        attack_scenario: "An attacker who can read Secrets in a namespace, or the pipeline that writes them, collects long-lived credentials that no vault rotates or audits.",
        mitigation: "Enable the Key Vault secrets provider (AKS) or Secret Manager add-on (GKE), or run External Secrets Operator, and mount credentials from the cloud's secret store.",
        checklist: ["aks.key-vault-csi", "secrets.external-manager"],
    }
}

impl Check for NoSecretStoreDriver {
    fn check_corpus(&self, cx: &Context, out: &mut Sink) {
        if cx.corpus.objects_of(EXTERNAL_SECRET_KINDS).next().is_some() {
            return;
        }
        for c in clusters(cx.corpus) {
            let b = c.block;
            let (enabled, what) = match c.provider {
                Provider::Aks => (
                    b.block("key_vault_secrets_provider").is_some(),
                    "does not enable the Key Vault secrets provider (CSI driver)",
                ),
                Provider::Gke => (
                    b.nested(&["secret_manager_config"])
                        .and_then(|s| s.bool("enabled"))
                        == Some(true),
                    "does not enable the Secret Manager add-on",
                ),
                Provider::Eks => continue,
            };
            if !enabled {
                c.report(
                    out,
                    b.loc,
                    format!(
                        "{} {what}, and no manifest delivers secrets from an external store",
                        c.describe()
                    ),
                );
            }
        }
    }
}
