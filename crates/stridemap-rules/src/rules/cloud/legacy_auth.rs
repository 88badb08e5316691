use super::util::{clusters, Provider};
use crate::{Check, Context, Sink};

declare_rule! {
    /// ## What it does
    /// Flags managed clusters that keep authentication or authorization paths outside the
    /// cloud's identity system: GKE with legacy ABAC (`enable_legacy_abac = true`), a client
    /// certificate or basic-auth user in `master_auth`; AKS with local accounts enabled
    /// (`local_account_disabled` not `true`) or without Entra ID (AAD) integration; EKS
    /// relying only on the `aws-auth` ConfigMap (`authentication_mode = "CONFIG_MAP"`).
    ///
    /// ## Why is this bad?
    /// Legacy ABAC grants broad rights outside RBAC; static client certificates and local
    /// admin kubeconfigs cannot be revoked individually, are not tied to a person, and
    /// survive the departure of whoever downloaded them. The aws-auth ConfigMap is easy to
    /// break or to widen by anyone who can edit it.
    ///
    /// ## Example
    /// ```hcl
    /// resource "azurerm_kubernetes_cluster" "main" {
    ///   local_account_disabled = false
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```hcl
    /// resource "azurerm_kubernetes_cluster" "main" {
    ///   local_account_disabled = true
    ///   azure_active_directory_role_based_access_control {
    ///     azure_rbac_enabled = true
    ///   }
    /// }
    /// ```
    pub struct LegacyAuth {
        id: "CLOUD-LEGACY-AUTH",
        title: "Managed cluster keeps legacy or local authentication",
        group: ContainerSecurity,
        stride: Spoofing,
        severity: High,
        cwe: [287, 798],
        infra: [Terraform],
        equivalents: ["CKV_GCP_7", "CKV_AZURE_141"],
        attack_scenario: "An attacker who finds a downloaded admin kubeconfig or a static client certificate uses it from anywhere; it is not bound to a person, cannot be revoked alone and keeps working after the cloud account is disabled.",
        mitigation: "Disable legacy ABAC, client certificates and basic auth (GKE), disable local accounts and enable Entra ID integration (AKS), use EKS access entries (API or API_AND_CONFIG_MAP authentication mode).",
        checklist: ["aks.aad"],
    }
}

impl Check for LegacyAuth {
    fn check_corpus(&self, cx: &Context, out: &mut Sink) {
        for c in clusters(cx.corpus) {
            let b = c.block;
            let mut problems: Vec<(stridemap_model::Location, &str)> = Vec::new();
            match c.provider {
                Provider::Gke => {
                    if b.bool("enable_legacy_abac") == Some(true) {
                        problems.push((
                            c.anchor(&[], "enable_legacy_abac"),
                            "legacy ABAC authorization is enabled",
                        ));
                    }
                    if let Some(m) = b.block("master_auth") {
                        if m.nested(&["client_certificate_config"])
                            .and_then(|cc| cc.bool("issue_client_certificate"))
                            == Some(true)
                        {
                            problems.push((
                                c.anchor(
                                    &["master_auth", "client_certificate_config"],
                                    "issue_client_certificate",
                                ),
                                "a static client certificate is issued",
                            ));
                        }
                        if m.str("username").is_some_and(|u| !u.is_empty()) {
                            problems.push((
                                c.anchor(&["master_auth"], "username"),
                                "basic authentication is configured",
                            ));
                        }
                    }
                }
                Provider::Aks => {
                    if b.bool("local_account_disabled") != Some(true) {
                        problems.push((
                            c.anchor(&[], "local_account_disabled"),
                            "local accounts are enabled (local_account_disabled is not true)",
                        ));
                    }
                    if b.block("azure_active_directory_role_based_access_control")
                        .is_none()
                    {
                        problems.push((b.loc, "Entra ID (AAD) integration is not configured"));
                    }
                }
                Provider::Eks => {
                    if b.nested(&["access_config"])
                        .and_then(|a| a.str("authentication_mode"))
                        == Some("CONFIG_MAP")
                    {
                        problems.push((c.anchor(&["access_config"], "authentication_mode"), "access is granted only through the aws-auth ConfigMap (authentication_mode CONFIG_MAP)"));
                    }
                }
            }
            if let Some((loc, _)) = problems.first() {
                let what: Vec<&str> = problems.iter().map(|(_, w)| *w).collect();
                c.report(out, *loc, format!("{}: {}", c.describe(), what.join("; ")));
            }
        }
    }
}
