//! The report contract: what `stridemap scan --format json` writes.

pub use crate::architecture::Architecture;
use crate::location::Evidence;
use crate::rule::{Group, Severity, Stride};
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Report {
    pub tool: ToolInfo,
    pub target: String,
    pub architecture: Architecture,
    pub threats: Vec<Threat>,
    pub attack_paths: Vec<AttackPath>,
    /// STRIDE per element: for every service, store, broker and flow, which categories are
    /// threatened, mitigated or unknown.
    pub elements: Vec<ElementModel>,
    pub summary: Summary,
    /// Findings that inline comments or `stridemap.io/ignore` annotations suppress, with the
    /// reason given; they are in neither `threats` nor `attack_paths`.
    pub suppressed: Vec<SuppressedThreat>,
    pub diagnostics: Vec<Diagnostic>,
    /// The security checklist answered from the threats: pass, fail or unknown per item, for
    /// the system and per namespace.
    pub checklist: crate::checklist::Checklist,
}

/// A finding left out of the report on purpose, and why.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, schemars::JsonSchema)]
pub struct SuppressedThreat {
    pub rule: String,
    pub title: String,
    pub severity: Severity,
    pub file: String,
    pub line: u32,
    /// `comment` (`stridemap:ignore[…]`) or `annotation` (`stridemap.io/ignore`).
    pub via: String,
    /// Where the suppression is written.
    pub suppressed_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct ToolInfo {
    pub name: String,
    pub version: String,
}

/// A chain of weaknesses from an entry point to something that matters.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct AttackPath {
    pub id: String,
    pub title: String,
    pub severity: Severity,
    /// Where the attacker starts: `internet`, `ci-pipeline`, `cluster-network`.
    pub entry: String,
    /// What the attacker reaches: `datastore:orders-db`, `cluster-admin`, `node`, `secrets`…
    pub target: String,
    pub steps: Vec<AttackStep>,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct AttackStep {
    /// The threat that enables the step (the first of `threat_ids`).
    pub threat_id: String,
    /// Every threat the step needs: fixing any one of them breaks the step.
    pub threat_ids: Vec<String>,
    pub from: String,
    pub to: String,
    pub description: String,
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Threatened,
    Mitigated,
    Unknown,
}

/// One STRIDE category of one element.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct CategoryVerdict {
    pub category: Stride,
    pub status: Verdict,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub threats: Vec<String>,
    /// What was seen that protects the element, or which checks found nothing.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<String>,
}

/// The STRIDE-per-element verdicts of a node or flow of the architecture.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct ElementModel {
    /// Node id or flow id.
    pub id: String,
    /// `process`, `data_store`, `data_flow`, `external_entity`.
    pub element_type: String,
    pub name: String,
    pub categories: Vec<CategoryVerdict>,
}

/// One threat, with the fields of the specification's output format plus rule, group, evidence
/// and fingerprint.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Threat {
    pub id: String,
    pub category: Stride,
    /// The rule's title unless the finding words its own: shared, not copied, in the common case.
    pub title: std::borrow::Cow<'static, str>,
    pub description: String,
    /// Severity in context (exposure, credentials held); see `base_severity` and
    /// `severity_reason`.
    pub severity: Severity,
    /// The rule's severity for this finding before the system's context was considered.
    pub base_severity: Severity,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub severity_reason: Option<String>,
    pub affected_components: Vec<String>,
    /// The rule's text, shared by all its threats rather than copied into each.
    pub attack_scenario: &'static str,
    pub infrastructure_type: &'static str,
    pub affected_resources: Vec<String>,
    pub vulnerability_types: Vec<String>,
    /// The rule's text, shared by all its threats.
    pub mitigation: &'static str,
    pub rule: &'static str,
    pub group: Group,
    pub group_name: &'static str,
    pub evidence: Vec<Evidence>,
    pub fingerprint: String,
    /// Ids of the architecture nodes and flows the threat concerns.
    pub elements: Vec<String>,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Summary {
    pub total: usize,
    pub by_severity: BTreeMap<&'static str, usize>,
    pub by_category: BTreeMap<&'static str, usize>,
    /// Findings suppressed by comments or annotations (listed in the report's `suppressed`).
    pub suppressed: usize,
    /// Threats left out because their fingerprint is in the `--baseline` file (only present
    /// when one was given).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub baselined: Option<usize>,
}

impl Summary {
    pub fn of(threats: &[Threat]) -> Self {
        let mut by_severity: BTreeMap<&'static str, usize> =
            Severity::ALL.iter().map(|s| (s.as_str(), 0)).collect();
        let mut by_category: BTreeMap<&'static str, usize> =
            Stride::ALL.iter().map(|s| (s.as_str(), 0)).collect();
        for t in threats {
            *by_severity.entry(t.severity.as_str()).or_default() += 1;
            *by_category.entry(t.category.as_str()).or_default() += 1;
        }
        Summary {
            total: threats.len(),
            by_severity,
            by_category,
            suppressed: 0,
            baselined: None,
        }
    }
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum DiagnosticLevel {
    Error,
    Warning,
    Info,
}

/// Something the scan could not read or chose to skip. Never fatal to the scan.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, schemars::JsonSchema)]
pub struct Diagnostic {
    pub file: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<u32>,
    pub level: DiagnosticLevel,
    /// Stable machine-readable kind: `parse-error`, `binary-file`, `too-large`, …
    pub code: String,
    pub message: String,
}

impl Diagnostic {
    pub fn new(
        level: DiagnosticLevel,
        code: &str,
        file: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            file: file.into(),
            line: None,
            column: None,
            level,
            code: code.to_string(),
            message: message.into(),
        }
    }

    pub fn at(mut self, line: u32, column: u32) -> Self {
        self.line = Some(line);
        self.column = Some(column);
        self
    }
}

impl std::fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let level = match self.level {
            DiagnosticLevel::Error => "error",
            DiagnosticLevel::Warning => "warning",
            DiagnosticLevel::Info => "info",
        };
        match (self.line, self.column) {
            (Some(l), Some(c)) => write!(
                f,
                "{level}[{}]: {}:{l}:{c}: {}",
                self.code, self.file, self.message
            ),
            (Some(l), None) => write!(
                f,
                "{level}[{}]: {}:{l}: {}",
                self.code, self.file, self.message
            ),
            _ => write!(f, "{level}[{}]: {}: {}", self.code, self.file, self.message),
        }
    }
}
