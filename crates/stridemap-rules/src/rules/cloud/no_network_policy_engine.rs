use super::util::{clusters, eks_addon, json_setting, resources, Provider};
use crate::{Check, Context, Sink};

/// Helm charts that install a CNI or add-on enforcing NetworkPolicies.
const POLICY_CHARTS: &[&str] = &["cilium", "calico", "tigera-operator", "antrea"];

declare_rule! {
    /// ## What it does
    /// Flags managed clusters with no network-policy enforcement turned on: a GKE cluster
    /// without `network_policy { enabled = true }` and not on Dataplane V2
    /// (`datapath_provider = "ADVANCED_DATAPATH"`); an AKS cluster whose `network_profile`
    /// sets no `network_policy`; an EKS cluster whose `vpc-cni` add-on does not set
    /// `enableNetworkPolicy` and that installs no Calico, Cilium or Antrea chart through
    /// Terraform.
    ///
    /// ## Why is this bad?
    /// NetworkPolicy objects are only data until an engine enforces them: the manifests may
    /// look segmented while every pod still reaches every other pod, the cloud metadata
    /// endpoint and the internet.
    ///
    /// ## Example
    /// ```hcl
    /// resource "azurerm_kubernetes_cluster" "main" {
    ///   network_profile {
    ///     network_plugin = "azure"
    ///   }
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```hcl
    /// resource "azurerm_kubernetes_cluster" "main" {
    ///   network_profile {
    ///     network_plugin = "azure"
    ///     network_policy = "cilium"
    ///   }
    /// }
    /// ```
    pub struct NoNetworkPolicyEngine {
        id: "CLOUD-NO-NETWORK-POLICY-ENGINE",
        title: "Managed cluster does not enforce NetworkPolicies",
        group: ServiceToService,
        stride: ElevationOfPrivilege,
        severity: Medium,
        cwe: [923],
        infra: [Terraform],
        equivalents: ["CKV_GCP_12", "CKV_AZURE_7"],
        attack_scenario: "An attacker in one pod connects to databases, internal admin endpoints and the metadata endpoint that the NetworkPolicies were written to shield; the cluster never enforces them.",
        mitigation: "Turn on a policy engine: GKE network_policy or Dataplane V2, AKS network_policy (azure, calico or cilium), EKS the VPC CNI's network policy support or Calico/Cilium.",
        checklist: ["network.policies", "network.default-deny"],
    }
}

impl Check for NoNetworkPolicyEngine {
    fn check_corpus(&self, cx: &Context, out: &mut Sink) {
        let charts = resources(cx.corpus, "helm_release");
        let policy_chart = charts.iter().any(|(_, h)| {
            h.str("chart")
                .is_some_and(|c| POLICY_CHARTS.iter().any(|p| c.contains(p)))
        });
        for c in clusters(cx.corpus) {
            let b = c.block;
            let (enforced, loc, what) = match c.provider {
                Provider::Gke => (
                    b.nested(&["network_policy"])
                        .and_then(|n| n.bool("enabled"))
                        == Some(true)
                        || b.str("datapath_provider") == Some("ADVANCED_DATAPATH"),
                    c.anchor(&["network_policy"], "enabled"),
                    "neither enables network_policy nor runs Dataplane V2",
                ),
                Provider::Aks => (
                    b.nested(&["network_profile"]).is_some_and(|n| {
                        n.str("network_policy").is_some_and(|p| p != "none")
                            || n.value("network_policy").is_some_and(|p| !p.is_literal())
                    }),
                    c.anchor(&["network_profile"], "network_policy"),
                    "sets no network_policy in its network_profile",
                ),
                Provider::Eks => {
                    let addon = eks_addon(cx.corpus, &c, "vpc-cni");
                    let vpc_cni = addon
                        .and_then(|(_, a)| a.value("configuration_values"))
                        .and_then(|v| json_setting(v, "enableNetworkPolicy"))
                        .is_some_and(|v| v == "true");
                    (
                        vpc_cni || policy_chart,
                        b.loc,
                        "has no vpc-cni add-on with enableNetworkPolicy and installs no policy-enforcing CNI",
                    )
                }
            };
            if !enforced {
                c.report(
                    out,
                    loc,
                    format!("{} {what}: NetworkPolicies are not enforced", c.describe()),
                );
            }
        }
    }
}
