//! The report contract: what `stridemap scan --format json` writes.

pub use crate::architecture::Architecture;
use crate::location::Evidence;
use crate::rule::{Group, Severity, Stride};
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub tool: ToolInfo,
    pub target: String,
    pub architecture: Architecture,
    pub threats: Vec<Threat>,
    pub attack_paths: Vec<AttackPath>,
    pub summary: Summary,
    pub diagnostics: Vec<Diagnostic>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ToolInfo {
    pub name: String,
    pub version: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct AttackPath {
    pub id: String,
    pub title: String,
    pub severity: Severity,
    pub entry: String,
    pub target: String,
    pub steps: Vec<serde_json::Value>,
}

/// One threat, with the fields of the specification's output format plus rule, group, evidence
/// and fingerprint.
#[derive(Debug, Clone, Serialize)]
pub struct Threat {
    pub id: String,
    pub category: Stride,
    pub title: String,
    pub description: String,
    pub severity: Severity,
    pub affected_components: Vec<String>,
    pub attack_scenario: String,
    pub infrastructure_type: String,
    pub affected_resources: Vec<String>,
    pub vulnerability_types: Vec<String>,
    pub mitigation: String,
    pub rule: String,
    pub group: Group,
    pub group_name: String,
    pub evidence: Vec<Evidence>,
    pub fingerprint: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub total: usize,
    pub by_severity: BTreeMap<&'static str, usize>,
    pub by_category: BTreeMap<&'static str, usize>,
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
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DiagnosticLevel {
    Error,
    Warning,
    Info,
}

/// Something the scan could not read or chose to skip. Never fatal to the scan.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
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
