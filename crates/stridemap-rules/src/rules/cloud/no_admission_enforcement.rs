use super::util::{clusters, Provider};
use crate::{Check, Context, Sink};

declare_rule! {
    /// ## What it does
    /// Flags GKE clusters without Binary Authorization enforcement (`binary_authorization`
    /// with an `evaluation_mode` other than `DISABLED`, or the older
    /// `enable_binary_authorization = true`) and AKS clusters without the Azure Policy add-on
    /// (`azure_policy_enabled = true`). EKS has no managed equivalent and is not judged.
    ///
    /// ## Why is this bad?
    /// Nothing run by the provider checks what is deployed: an image that was never built
    /// by the organisation's pipeline, or a pod that breaks the security baseline, is
    /// admitted as long as the caller has the RBAC right to create it.
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
    ///   name                 = "shop"
    ///   azure_policy_enabled = true
    /// }
    /// ```
    /// On GKE: `binary_authorization { evaluation_mode = "PROJECT_SINGLETON_POLICY_ENFORCE" }`.
    pub struct NoAdmissionEnforcement {
        id: "CLOUD-NO-ADMISSION-ENFORCEMENT",
        title: "Managed cluster without provider admission enforcement",
        group: CiCdPipeline,
        stride: Tampering,
        severity: Medium,
        cwe: [345, 494],
        infra: [Terraform],
        equivalents: ["CKV_AZURE_116"],
        attack_scenario: "An attacker with deploy rights, or a compromised pipeline, runs an image the organisation never built and signed, or a pod that violates the baseline; the cluster admits it because no provider policy checks deployments.",
        mitigation: "Enforce Binary Authorization on GKE and enable the Azure Policy add-on on AKS, with policies that require attested images and the pod security baseline.",
        checklist: ["gke.binary-authorization", "aks.azure-policy"],
    }
}

impl Check for NoAdmissionEnforcement {
    fn check_corpus(&self, cx: &Context, out: &mut Sink) {
        for c in clusters(cx.corpus) {
            let b = c.block;
            match c.provider {
                Provider::Gke => {
                    let on = b
                        .block("binary_authorization")
                        .and_then(|a| a.str("evaluation_mode"))
                        .is_some_and(|m| m != "DISABLED")
                        || b.bool("enable_binary_authorization") == Some(true);
                    if !on {
                        c.report(
                            out,
                            c.anchor(&["binary_authorization"], "evaluation_mode"),
                            format!("{} does not enforce Binary Authorization", c.describe()),
                        );
                    }
                }
                Provider::Aks => {
                    if b.bool("azure_policy_enabled") != Some(true) {
                        c.report(
                            out,
                            c.anchor(&[], "azure_policy_enabled"),
                            format!("{} does not enable the Azure Policy add-on", c.describe()),
                        );
                    }
                }
                Provider::Eks => {}
            }
        }
    }
}
