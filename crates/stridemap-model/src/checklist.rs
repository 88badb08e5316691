//! The security checklist: the items a reviewer ticks for a Kubernetes system and its managed
//! cluster, declared once here. Rules name the items they answer in their metadata
//! (`RuleMeta::checklist`); the verdicts are computed from the threats of a scan.

use serde::Serialize;
use std::collections::BTreeMap;

/// The part of the checklist an item belongs to.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Section {
    PodSecurity,
    NetworkSecurity,
    Rbac,
    Secrets,
    Images,
    AwsEks,
    GcpGke,
    AzureAks,
}

impl Section {
    pub const ALL: [Section; 8] = [
        Section::PodSecurity,
        Section::NetworkSecurity,
        Section::Rbac,
        Section::Secrets,
        Section::Images,
        Section::AwsEks,
        Section::GcpGke,
        Section::AzureAks,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Section::PodSecurity => "Pod security",
            Section::NetworkSecurity => "Network security",
            Section::Rbac => "RBAC",
            Section::Secrets => "Secrets",
            Section::Images => "Images",
            Section::AwsEks => "AWS EKS",
            Section::GcpGke => "GCP GKE",
            Section::AzureAks => "Azure AKS",
        }
    }
}

/// What must be in the scanned repository for an item to apply, and which threats count
/// against it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Scope {
    /// Kubernetes workloads (pods); any threat of a mapped rule counts.
    Workloads,
    /// Something that configures the control plane: API server manifests or a managed
    /// cluster in Terraform.
    ControlPlane,
    /// An `aws_eks_cluster`; threats on `aws_*` resources count.
    Eks,
    /// A `google_container_cluster`; threats on `google_*` resources count.
    Gke,
    /// An `azurerm_kubernetes_cluster`; threats on `azurerm_*` resources count.
    Aks,
}

impl Scope {
    /// The Terraform resource-type prefix of a provider scope.
    pub fn provider_prefix(self) -> Option<&'static str> {
        match self {
            Scope::Eks => Some("aws_"),
            Scope::Gke => Some("google_"),
            Scope::Aks => Some("azurerm_"),
            _ => None,
        }
    }

    /// Whether a threat with these affected resources concerns the scope.
    pub fn concerns(self, resources: &[String]) -> bool {
        match self.provider_prefix() {
            Some(prefix) => resources.iter().any(|r| r.starts_with(prefix)),
            None => true,
        }
    }

    /// What is missing when the scope's resources are absent.
    pub fn absent(self) -> &'static str {
        match self {
            Scope::Workloads => "no Kubernetes workloads were found",
            Scope::ControlPlane => {
                "neither API server manifests nor a managed cluster definition were found"
            }
            Scope::Eks => "no EKS cluster (aws_eks_cluster) is defined in Terraform",
            Scope::Gke => "no GKE cluster (google_container_cluster) is defined in Terraform",
            Scope::Aks => "no AKS cluster (azurerm_kubernetes_cluster) is defined in Terraform",
        }
    }
}

/// One checklist item.
#[derive(Debug, Clone, Copy)]
pub struct Item {
    /// Stable id: `<section>.<item>`.
    pub id: &'static str,
    pub section: Section,
    pub title: &'static str,
    pub scope: Scope,
    /// Why a static scan cannot settle the item fully, when it cannot: without rules the item
    /// stays `unknown` with this reason.
    pub limit: Option<&'static str>,
}

const fn item(id: &'static str, section: Section, title: &'static str, scope: Scope) -> Item {
    Item {
        id,
        section,
        title,
        scope,
        limit: None,
    }
}

const fn limited(
    id: &'static str,
    section: Section,
    title: &'static str,
    scope: Scope,
    limit: &'static str,
) -> Item {
    Item {
        id,
        section,
        title,
        scope,
        limit: Some(limit),
    }
}

use Scope::*;
use Section::*;

/// Every checklist item, in the order reports list them.
pub const ITEMS: &[Item] = &[
    item("pod.non-root", PodSecurity, "Containers run as a non-root user", Workloads),
    item("pod.read-only-root", PodSecurity, "Container root filesystems are read-only", Workloads),
    item("pod.no-privileged", PodSecurity, "No container runs privileged", Workloads),
    item("pod.no-host-path", PodSecurity, "No hostPath volume is mounted", Workloads),
    item("pod.no-host-namespaces", PodSecurity, "No pod shares the host's network, PID or IPC namespace", Workloads),
    item("pod.resource-limits", PodSecurity, "Every container has CPU and memory limits", Workloads),
    item("pod.security-context", PodSecurity, "Pods and containers declare a security context", Workloads),
    item("network.policies", NetworkSecurity, "NetworkPolicies select the workloads", Workloads),
    item("network.default-deny", NetworkSecurity, "Each namespace denies ingress and egress by default", Workloads),
    item("network.mtls", NetworkSecurity, "Services talk to each other over mutual TLS", Workloads),
    item("network.no-direct-load-balancer", NetworkSecurity, "No workload is published straight through a LoadBalancer", Workloads),
    item("rbac.least-privilege", Rbac, "Roles grant no more than their subjects need", Workloads),
    item("rbac.no-wildcards", Rbac, "No role uses wildcard verbs, resources or API groups", Workloads),
    item("rbac.service-account-per-workload", Rbac, "Each workload runs under its own service account", Workloads),
    item("rbac.no-default-service-account", Rbac, "No workload uses the namespace's default service account", Workloads),
    item("secrets.encrypted-at-rest", Secrets, "Secrets are encrypted at rest in etcd", ControlPlane),
    item("secrets.external-manager", Secrets, "Secrets come from an external secret manager", Workloads),
    item("secrets.not-in-config-maps", Secrets, "No credential is kept in a ConfigMap", Workloads),
    limited("secrets.rotated", Secrets, "Secrets are rotated on a schedule", Workloads, "rotation happens in the secret manager or in operations, outside the manifests; no rotation setting was read"),
    limited("images.trusted-registry", Images, "Images come from trusted registries", Workloads, "which registries are trusted is the organisation's decision; declare them as trusted registries in stridemap.toml to make image rules stricter"),
    limited("images.cve-scanned", Images, "Images are scanned for known vulnerabilities", Workloads, "scanning happens in CI or in the registry; the scan results are not in the repository"),
    item("images.no-latest", Images, "No image uses the :latest tag or no tag", Workloads),
    item("images.signatures-verified", Images, "Image signatures are verified before pods start", Workloads),
    item("eks.irsa", AwsEks, "Pods get AWS permissions through IRSA or EKS Pod Identity", Eks),
    item("eks.kms-secrets", AwsEks, "Secrets are envelope-encrypted with a KMS key", Eks),
    limited("eks.vpc-native", AwsEks, "Pods get VPC-native addresses", Eks, "EKS assigns VPC addresses through the VPC CNI unless it is replaced; a replacement CNI installed outside Terraform is not visible"),
    limited("eks.pod-security-groups", AwsEks, "Security groups are applied per pod", Eks, "security groups for pods need the VPC CNI's ENABLE_POD_ENI and SecurityGroupPolicy objects; no rule judges their use yet"),
    item("eks.private-endpoint", AwsEks, "The API endpoint is private or limited to known networks", Eks),
    item("eks.control-plane-logs", AwsEks, "Control-plane audit logs are enabled", Eks),
    item("gke.workload-identity", GcpGke, "Workload Identity is enabled", Gke),
    item("gke.binary-authorization", GcpGke, "Binary Authorization is enforced", Gke),
    item("gke.sandbox", GcpGke, "A GKE Sandbox (gVisor) node pool exists for untrusted workloads", Gke),
    item("gke.private-cluster", GcpGke, "The cluster is private or its endpoint limited to known networks", Gke),
    item("gke.secrets-encryption", GcpGke, "Application-layer secrets encryption uses a Cloud KMS key", Gke),
    item("aks.aad", AzureAks, "Authentication goes through Entra ID (AAD) with local accounts off", Aks),
    item("aks.key-vault-csi", AzureAks, "Secrets come from Key Vault through the CSI driver", Aks),
    item("aks.azure-policy", AzureAks, "The Azure Policy add-on is enabled", Aks),
    item("aks.private-link", AzureAks, "The API server is private (Private Link) or limited to known networks", Aks),
    item("aks.workload-identity", AzureAks, "Workload identity is enabled", Aks),
];

/// The item with this id.
pub fn find(id: &str) -> Option<&'static Item> {
    ITEMS.iter().find(|i| i.id == id)
}

/// An item's answer.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Pass,
    Fail,
    Unknown,
}

impl Status {
    pub const ALL: [Status; 3] = [Status::Pass, Status::Fail, Status::Unknown];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail => "fail",
            Status::Unknown => "unknown",
        }
    }
}

/// The checklist answered for a scanned system.
#[derive(Debug, Clone, Default, Serialize, schemars::JsonSchema)]
pub struct Checklist {
    /// Every item, for the whole system.
    pub items: Vec<ChecklistEntry>,
    /// Items per status (`pass`, `fail`, `unknown`).
    pub summary: BTreeMap<&'static str, usize>,
    /// The items that concern workloads, answered per Kubernetes namespace.
    pub namespaces: Vec<NamespaceChecklist>,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct ChecklistEntry {
    pub id: String,
    /// `pod-security`, `network-security`, `rbac`, `secrets`, `images`, `aws-eks`, `gcp-gke`,
    /// `azure-aks`.
    pub section: Section,
    pub title: String,
    pub status: Status,
    /// The threats that make the item fail.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub threats: Vec<String>,
    /// The rules that answer the item.
    pub rules: Vec<String>,
    /// Why the item is `unknown`, or what a `pass` rests on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct NamespaceChecklist {
    pub namespace: String,
    pub items: Vec<NamespaceEntry>,
    /// Items per status in this namespace.
    pub summary: BTreeMap<&'static str, usize>,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct NamespaceEntry {
    pub id: String,
    pub status: Status,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub threats: Vec<String>,
}

/// Counts of each status, every status present.
pub fn count<'a>(statuses: impl IntoIterator<Item = &'a Status>) -> BTreeMap<&'static str, usize> {
    let mut out: BTreeMap<&'static str, usize> =
        Status::ALL.iter().map(|s| (s.as_str(), 0)).collect();
    for s in statuses {
        *out.entry(s.as_str()).or_default() += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_prefixed_by_section() {
        let mut seen = std::collections::BTreeSet::new();
        for i in ITEMS {
            assert!(seen.insert(i.id), "duplicate item {}", i.id);
            let prefix = match i.section {
                PodSecurity => "pod.",
                NetworkSecurity => "network.",
                Rbac => "rbac.",
                Secrets => "secrets.",
                Images => "images.",
                AwsEks => "eks.",
                GcpGke => "gke.",
                AzureAks => "aks.",
            };
            assert!(i.id.starts_with(prefix), "{}", i.id);
        }
        // Every section has items.
        for s in Section::ALL {
            assert!(ITEMS.iter().any(|i| i.section == s));
        }
    }

    #[test]
    fn provider_scopes_count_only_their_resources() {
        assert!(Scope::Eks.concerns(&["aws_eks_cluster.main".into()]));
        assert!(!Scope::Eks.concerns(&["google_container_cluster.main".into()]));
        assert!(Scope::Workloads.concerns(&[]));
    }
}
