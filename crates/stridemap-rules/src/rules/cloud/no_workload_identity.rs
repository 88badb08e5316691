use super::util::{attached, clusters, eks_addon, resources, Provider};
use crate::{Check, Context, Sink};

declare_rule! {
    /// ## What it does
    /// Flags managed clusters where pods cannot get cloud permissions of their own: an EKS
    /// cluster with neither an IAM OIDC provider for its issuer (IRSA) nor EKS Pod Identity
    /// (an `aws_eks_pod_identity_association` or the `eks-pod-identity-agent` add-on); a GKE
    /// cluster without `workload_identity_config`; an AKS cluster without
    /// `workload_identity_enabled` and `oidc_issuer_enabled`.
    ///
    /// ## Why is this bad?
    /// Without per-pod identity, workloads that call cloud APIs use the node's identity (its
    /// instance role, default service account or kubelet identity) or long-lived keys stored
    /// in Secrets. Every pod on the node then holds the union of all their permissions, and
    /// a single compromised pod reaches everything any workload may touch.
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
    ///   workload_identity_config {
    ///     workload_pool = "${var.project}.svc.id.goog"
    ///   }
    /// }
    /// ```
    pub struct NoWorkloadIdentity {
        id: "CLOUD-NO-WORKLOAD-IDENTITY",
        title: "Managed cluster without per-pod cloud identity",
        group: SecretsManagement,
        stride: ElevationOfPrivilege,
        severity: Medium,
        cwe: [250, 522],
        infra: [Terraform],
        equivalents: [],
        attack_scenario: "An attacker in any pod uses the node's cloud identity, or a static cloud key from a Secret, to act with the permissions every workload on the cluster needs together.",
        mitigation: "Enable IRSA or EKS Pod Identity, GKE Workload Identity, or AKS workload identity with the OIDC issuer, and bind each workload's service account to its own narrow cloud role.",
        checklist: ["eks.irsa", "gke.workload-identity", "aks.workload-identity"],
    }
}

impl Check for NoWorkloadIdentity {
    fn check_corpus(&self, cx: &Context, out: &mut Sink) {
        let oidc = resources(cx.corpus, "aws_iam_openid_connect_provider");
        for c in clusters(cx.corpus) {
            let b = c.block;
            let (ok, what) = match c.provider {
                Provider::Eks => (
                    oidc.iter().any(|(_, p)| p.value("url").is_some_and(|u| u.refers_to(&c.address)))
                        || !attached(cx.corpus, &c, "aws_eks_pod_identity_association", "cluster_name").is_empty()
                        || eks_addon(cx.corpus, &c, "eks-pod-identity-agent").is_some(),
                    "has no IAM OIDC provider for IRSA and no EKS Pod Identity association or agent",
                ),
                Provider::Gke => (
                    b.block("workload_identity_config").is_some_and(|w| {
                        w.value("workload_pool").is_some_and(|p| p.as_str() != Some(""))
                    }),
                    "does not enable Workload Identity (workload_identity_config)",
                ),
                Provider::Aks => (
                    b.bool("workload_identity_enabled") == Some(true)
                        && b.bool("oidc_issuer_enabled") == Some(true),
                    "does not enable workload identity with the OIDC issuer",
                ),
            };
            if !ok {
                let loc = match c.provider {
                    Provider::Aks => c.anchor(&[], "workload_identity_enabled"),
                    _ => b.loc,
                };
                c.report(
                    out,
                    loc,
                    format!(
                        "{} {what}: pods fall back to the node's cloud identity or to static keys",
                        c.describe()
                    ),
                );
            }
        }
    }
}
