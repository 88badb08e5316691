//! Rule metadata: the single declaration from which the registry, `stridemap rules`,
//! `stridemap explain`, docs/rules.md and every renderer's rule descriptions are generated.

use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Critical,
    High,
    Medium,
    Low,
    Info,
}

impl Severity {
    pub const ALL: [Severity; 5] = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
        Severity::Info,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Critical => "critical",
            Severity::High => "high",
            Severity::Medium => "medium",
            Severity::Low => "low",
            Severity::Info => "info",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The six STRIDE categories, spelled as the threat-modelling specification spells them.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
pub enum Stride {
    Spoofing,
    Tampering,
    Repudiation,
    #[serde(rename = "Information Disclosure")]
    InformationDisclosure,
    #[serde(rename = "Denial of Service")]
    DenialOfService,
    #[serde(rename = "Elevation of Privilege")]
    ElevationOfPrivilege,
}

impl Stride {
    pub const ALL: [Stride; 6] = [
        Stride::Spoofing,
        Stride::Tampering,
        Stride::Repudiation,
        Stride::InformationDisclosure,
        Stride::DenialOfService,
        Stride::ElevationOfPrivilege,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Stride::Spoofing => "Spoofing",
            Stride::Tampering => "Tampering",
            Stride::Repudiation => "Repudiation",
            Stride::InformationDisclosure => "Information Disclosure",
            Stride::DenialOfService => "Denial of Service",
            Stride::ElevationOfPrivilege => "Elevation of Privilege",
        }
    }
}

impl fmt::Display for Stride {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The ten microservice threat categories of the specification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Group {
    ServiceToService = 1,
    ContainerSecurity = 2,
    SecretsManagement = 3,
    ApiGateway = 4,
    MessageQueue = 5,
    ServiceMesh = 6,
    DistributedDos = 7,
    CiCdPipeline = 8,
    ServiceDiscovery = 9,
    SidecarInit = 10,
}

impl Group {
    pub const ALL: [Group; 10] = [
        Group::ServiceToService,
        Group::ContainerSecurity,
        Group::SecretsManagement,
        Group::ApiGateway,
        Group::MessageQueue,
        Group::ServiceMesh,
        Group::DistributedDos,
        Group::CiCdPipeline,
        Group::ServiceDiscovery,
        Group::SidecarInit,
    ];

    pub fn number(self) -> u8 {
        self as u8
    }

    pub fn slug(self) -> &'static str {
        match self {
            Group::ServiceToService => "service-to-service",
            Group::ContainerSecurity => "container-security",
            Group::SecretsManagement => "secrets-management",
            Group::ApiGateway => "api-gateway",
            Group::MessageQueue => "message-queue",
            Group::ServiceMesh => "service-mesh",
            Group::DistributedDos => "distributed-dos",
            Group::CiCdPipeline => "cicd-pipeline",
            Group::ServiceDiscovery => "service-discovery",
            Group::SidecarInit => "sidecar-init",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Group::ServiceToService => "Insecure service-to-service communication",
            Group::ContainerSecurity => "Container security",
            Group::SecretsManagement => "Secrets management",
            Group::ApiGateway => "API gateway and ingress",
            Group::MessageQueue => "Message queue and event bus",
            Group::ServiceMesh => "Service mesh",
            Group::DistributedDos => "Distributed denial of service",
            Group::CiCdPipeline => "CI/CD pipeline",
            Group::ServiceDiscovery => "Service discovery",
            Group::SidecarInit => "Sidecar and init containers",
        }
    }
}

/// Serialised as its number (1-10), the way the specification numbers the categories.
impl Serialize for Group {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u8(self.number())
    }
}

impl schemars::JsonSchema for Group {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Group".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "The threat category, numbered 1-10 as the specification numbers them.",
            "type": "integer",
            "minimum": 1,
            "maximum": 10
        })
    }
}

impl Group {
    /// The group a slug (`container-security`) names, case-insensitively.
    pub fn from_slug(slug: &str) -> Option<Group> {
        Group::ALL
            .into_iter()
            .find(|g| g.slug().eq_ignore_ascii_case(slug))
    }
}

/// Where a rule looks; also the threat's `infrastructure_type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum InfraType {
    Kubernetes,
    Docker,
    Compose,
    Kafka,
    Rabbitmq,
    Istio,
    Code,
    Cicd,
    Terraform,
}

impl InfraType {
    pub fn as_str(self) -> &'static str {
        match self {
            InfraType::Kubernetes => "kubernetes",
            InfraType::Docker => "docker",
            InfraType::Compose => "compose",
            InfraType::Kafka => "kafka",
            InfraType::Rabbitmq => "rabbitmq",
            InfraType::Istio => "istio",
            InfraType::Code => "code",
            InfraType::Cicd => "cicd",
            InfraType::Terraform => "terraform",
        }
    }
}

/// Everything known about a rule that does not depend on what it found.
#[derive(Debug, Clone, Serialize)]
pub struct RuleMeta {
    pub id: &'static str,
    pub title: &'static str,
    pub group: Group,
    pub stride: Stride,
    pub severity: Severity,
    pub cwe: &'static [u32],
    pub infra: &'static [InfraType],
    /// The same check in other scanners: `CKV_K8S_16`, `kics:<query id>`, `kube-linter:<check>`.
    pub equivalents: &'static [&'static str],
    /// What an attacker does with it, in one or two sentences.
    pub attack_scenario: &'static str,
    /// How to fix it, in one or two sentences.
    pub mitigation: &'static str,
    /// The rule's documentation (markdown), taken from its doc comment.
    pub doc: &'static str,
    /// Ids of the security-checklist items (`crate::checklist::ITEMS`) the rule answers: any
    /// of its threats makes them fail.
    pub checklist: &'static [&'static str],
}

impl RuleMeta {
    pub fn cwe_ids(&self) -> Vec<String> {
        self.cwe.iter().map(|c| format!("CWE-{c}")).collect()
    }

    /// First paragraph of the "What it does" section, for one-line descriptions.
    pub fn summary(&self) -> String {
        let mut lines = self
            .doc
            .lines()
            .map(str::trim)
            .skip_while(|l| l.is_empty() || l.starts_with('#'));
        let mut out = String::new();
        for l in lines.by_ref() {
            if l.is_empty() || l.starts_with('#') {
                break;
            }
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(l);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stride_spelling_matches_the_spec() {
        assert_eq!(
            serde_json::to_string(&Stride::ElevationOfPrivilege).unwrap(),
            "\"Elevation of Privilege\""
        );
        assert_eq!(
            serde_json::to_string(&Stride::InformationDisclosure).unwrap(),
            "\"Information Disclosure\""
        );
        assert_eq!(
            serde_json::to_string(&Severity::Critical).unwrap(),
            "\"critical\""
        );
    }
}
