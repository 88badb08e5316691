use super::util::{clusters, open_cidrs, Provider};
use crate::{Check, Context, Sink};

declare_rule! {
    /// ## What it does
    /// Flags managed clusters whose Kubernetes API endpoint is reachable from the whole
    /// internet: an EKS cluster with `endpoint_public_access` on (the default) and no
    /// `public_access_cidrs` narrower than `0.0.0.0/0`; a GKE cluster without a private
    /// endpoint and without `master_authorized_networks_config` limiting who may connect; an
    /// AKS cluster that is not a private cluster and has no authorized IP ranges.
    ///
    /// ## Why is this bad?
    /// Every address on the internet can try the API server: stolen kubeconfigs and
    /// cloud tokens work from anywhere, credential-stuffing and pre-auth vulnerabilities of
    /// the API server are one connection away, and nothing ties administrative access to
    /// the organisation's networks.
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_eks_cluster" "main" {
    ///   vpc_config {
    ///     subnet_ids = var.private_subnets
    ///   }
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```hcl
    /// resource "aws_eks_cluster" "main" {
    ///   vpc_config {
    ///     subnet_ids              = var.private_subnets
    ///     endpoint_private_access = true
    ///     endpoint_public_access  = false
    ///   }
    /// }
    /// ```
    /// On GKE use `private_cluster_config { enable_private_endpoint = true }` or
    /// `master_authorized_networks_config`; on AKS `private_cluster_enabled = true` or
    /// `api_server_access_profile { authorized_ip_ranges = [...] }`.
    pub struct PublicApiEndpoint {
        id: "CLOUD-PUBLIC-API-ENDPOINT",
        title: "Managed cluster API endpoint open to the internet",
        group: ContainerSecurity,
        stride: ElevationOfPrivilege,
        severity: High,
        cwe: [284, 668],
        infra: [Terraform],
        equivalents: ["CKV_AWS_39", "CKV_AWS_38", "CKV_AZURE_6", "CKV_AZURE_115"],
        attack_scenario: "An attacker holding a leaked kubeconfig or cloud token, or a pre-authentication exploit for the API server, connects to the cluster's endpoint from anywhere on the internet.",
        mitigation: "Make the endpoint private (EKS endpoint_public_access = false, GKE private endpoint, AKS private cluster), or limit it to the organisation's networks with authorized CIDR ranges.",
        checklist: ["eks.private-endpoint", "gke.private-cluster", "aks.private-link"],
    }
}

impl Check for PublicApiEndpoint {
    fn check_corpus(&self, cx: &Context, out: &mut Sink) {
        for c in clusters(cx.corpus) {
            let b = c.block;
            match c.provider {
                Provider::Eks => {
                    let vpc = b.block("vpc_config");
                    let public = vpc
                        .and_then(|v| v.bool("endpoint_public_access"))
                        .unwrap_or(true);
                    if public && open_cidrs(vpc.and_then(|v| v.value("public_access_cidrs"))) {
                        c.report(
                            out,
                            c.anchor(&["vpc_config"], "endpoint_public_access"),
                            format!("{} serves its API on a public endpoint open to 0.0.0.0/0 (endpoint_public_access is on and public_access_cidrs does not narrow it)", c.describe()),
                        );
                    }
                }
                Provider::Gke => {
                    let private_endpoint = b
                        .nested(&["private_cluster_config"])
                        .and_then(|p| p.bool("enable_private_endpoint"))
                        == Some(true);
                    let authorized =
                        b.block("master_authorized_networks_config")
                            .is_some_and(|m| {
                                let cidrs: Vec<_> = m
                                    .blocks_of("cidr_blocks")
                                    .filter_map(|c| c.str("cidr_block"))
                                    .collect();
                                !cidrs.iter().any(|c| matches!(*c, "0.0.0.0/0" | "::/0"))
                                    && (!cidrs.is_empty() || m.has_dynamic("cidr_blocks"))
                            });
                    if !private_endpoint && !authorized {
                        c.report(
                            out,
                            c.anchor(&["private_cluster_config"], "enable_private_endpoint"),
                            format!("{} has no private endpoint and no authorized networks narrower than the internet for its control plane", c.describe()),
                        );
                    }
                }
                Provider::Aks => {
                    let private = b.bool("private_cluster_enabled") == Some(true);
                    let ranges = b
                        .block("api_server_access_profile")
                        .and_then(|p| p.value("authorized_ip_ranges"))
                        .or_else(|| b.value("api_server_authorized_ip_ranges"));
                    if !private && open_cidrs(ranges) {
                        c.report(
                            out,
                            b.attr("private_cluster_enabled").map_or(b.loc, |a| a.loc),
                            format!("{} is not a private cluster and no authorized IP ranges limit its API server", c.describe()),
                        );
                    }
                }
            }
        }
    }
}
