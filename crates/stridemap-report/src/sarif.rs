//! SARIF 2.1.0 for code scanning (GitHub, GitLab, IDEs), following GitHub's conventions: one
//! `reportingDescriptor` per rule that has results, with its documentation as `help` and
//! `security-severity`; one result per threat, located relative to `%SRCROOT%`, fingerprinted
//! with the threat's own fingerprint, and pointing at its further evidence as related locations.
//! A rule's scenario and mitigation live in its `help`, not repeated in every result.
//!
//! Everything comes from the report, which is already redacted: no secret value reaches SARIF.

use serde::Serialize;
use std::collections::BTreeMap;
use stridemap_model::report::DiagnosticLevel;
use stridemap_model::{Evidence, Report, RuleMeta, Severity, Threat};

/// The schema SARIF consumers resolve; the file itself is validated in the tests.
const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";
/// Where relative result URIs are resolved from: the scanned directory.
const SRCROOT: &str = "%SRCROOT%";

/// SARIF's three result levels.
fn level(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

/// GitHub's `security-severity`: a number from 0.0 to 10.0 written as a string, which GitHub
/// buckets as critical (over 9.0), high (7.0–8.9), medium (4.0–6.9) and low (0.1–3.9).
pub fn security_severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "0.5",
    }
}

/// Percent-encodes a relative path as a URI reference: unreserved characters and `/` stay.
fn uri(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

// The SARIF objects written, as typed structs that borrow from the report (serialising them
// directly is several times faster than building a `serde_json::Value` tree first).

#[derive(Serialize)]
struct Text<'a> {
    text: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [Run<'a>; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    tool: Tool<'a>,
    original_uri_base_ids: BTreeMap<&'static str, BaseId>,
    invocations: [Invocation<'a>; 1],
    column_kind: &'static str,
    results: Vec<SarifResult<'a>>,
}

#[derive(Serialize)]
struct BaseId {
    description: OwnedText,
}

#[derive(Serialize)]
struct OwnedText {
    text: String,
}

#[derive(Serialize)]
struct Tool<'a> {
    driver: Driver<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver<'a> {
    name: &'a str,
    version: &'a str,
    semantic_version: &'a str,
    information_uri: &'static str,
    rules: Vec<Descriptor>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Descriptor {
    id: &'static str,
    short_description: Text<'static>,
    full_description: OwnedText,
    help: Help,
    default_configuration: Configuration,
    properties: RuleProperties,
}

#[derive(Serialize)]
struct Help {
    text: String,
    markdown: String,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
struct RuleProperties {
    tags: Vec<String>,
    precision: &'static str,
    #[serde(rename = "problem.severity")]
    problem_severity: &'static str,
    #[serde(rename = "security-severity")]
    security_severity: &'static str,
    stride: &'static str,
    group: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Invocation<'a> {
    execution_successful: bool,
    tool_execution_notifications: Vec<Notification<'a>>,
}

#[derive(Serialize)]
struct Notification<'a> {
    level: &'static str,
    message: Text<'a>,
    descriptor: Reference<'a>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    locations: Vec<Location<'a>>,
}

#[derive(Serialize)]
struct Reference<'a> {
    id: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: &'a str,
    rule_index: usize,
    level: &'static str,
    message: OwnedText,
    locations: [Location<'a>; 1],
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<RelatedLocation<'a>>,
    partial_fingerprints: Fingerprints<'a>,
    properties: ResultProperties<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    physical_location: Option<PhysicalLocation<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    logical_locations: Vec<LogicalLocation<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RelatedLocation<'a> {
    id: usize,
    physical_location: PhysicalLocation<'a>,
    message: OwnedText,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation<'a> {
    artifact_location: ArtifactLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    region: Option<Region<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    uri: String,
    uri_base_id: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region<'a> {
    start_line: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    start_column: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    snippet: Option<Text<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LogicalLocation<'a> {
    fully_qualified_name: &'a str,
    kind: &'static str,
}

#[derive(Serialize)]
struct Fingerprints<'a> {
    /// The threat's own fingerprint (versioned, as SARIF asks of fingerprint keys).
    #[serde(rename = "stridemapFingerprint/v1")]
    stridemap: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ResultProperties<'a> {
    threat_id: &'a str,
    severity: &'static str,
    #[serde(rename = "security-severity")]
    security_severity: &'static str,
    stride: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    severity_reason: Option<&'a str>,
}

fn physical_location<'a>(
    file: &str,
    line: u32,
    column: u32,
    snippet: Option<&'a str>,
) -> PhysicalLocation<'a> {
    // Lines and columns are 1-based; a 0 means the finding concerns the whole file.
    let region = (line > 0).then(|| Region {
        start_line: line,
        start_column: (column > 0).then_some(column),
        snippet: snippet
            .filter(|s| !s.trim().is_empty())
            .map(|text| Text { text }),
    });
    PhysicalLocation {
        artifact_location: ArtifactLocation {
            uri: uri(file),
            uri_base_id: SRCROOT,
        },
        region,
    }
}

fn evidence_location(e: &Evidence) -> PhysicalLocation<'_> {
    physical_location(&e.file, e.line, e.column, Some(&e.snippet))
}

fn tags(m: &RuleMeta) -> Vec<String> {
    let mut tags = vec!["security".to_string(), m.stride.as_str().to_string()];
    for cwe in m.cwe {
        tags.push(format!("CWE-{cwe}"));
        tags.push(format!("external/cwe/cwe-{cwe}"));
    }
    tags
}

fn descriptor(m: &'static RuleMeta) -> Descriptor {
    let help = crate::rules_doc::help_markdown(m);
    Descriptor {
        id: m.id,
        short_description: Text { text: m.title },
        full_description: OwnedText { text: m.summary() },
        help: Help {
            text: help.clone(),
            markdown: help,
        },
        default_configuration: Configuration {
            level: level(m.severity),
        },
        properties: RuleProperties {
            tags: tags(m),
            precision: "high",
            problem_severity: level(m.severity),
            security_severity: security_severity(m.severity),
            stride: m.stride.as_str(),
            group: m.group.title(),
        },
    }
}

fn result(t: &Threat, rule_index: usize) -> SarifResult<'_> {
    let mut message = t.title.to_string();
    if !t.description.is_empty() {
        message.push_str(": ");
        message.push_str(&t.description);
    }
    let mut logical: Vec<LogicalLocation> = t
        .affected_resources
        .iter()
        .map(|r| LogicalLocation {
            fully_qualified_name: r,
            kind: "resource",
        })
        .collect();
    logical.dedup_by(|a, b| a.fully_qualified_name == b.fully_qualified_name);
    let related = t
        .evidence
        .iter()
        .skip(1)
        .enumerate()
        .map(|(i, e)| RelatedLocation {
            id: i + 1,
            physical_location: evidence_location(e),
            message: OwnedText {
                text: format!("further evidence for {}: {}:{}", t.id, e.file, e.line),
            },
        })
        .collect();
    SarifResult {
        rule_id: &t.rule,
        rule_index,
        level: level(t.severity),
        message: OwnedText { text: message },
        locations: [Location {
            physical_location: t.evidence.first().map(evidence_location),
            logical_locations: logical,
        }],
        related_locations: related,
        partial_fingerprints: Fingerprints {
            stridemap: &t.fingerprint,
        },
        properties: ResultProperties {
            threat_id: &t.id,
            severity: t.severity.as_str(),
            security_severity: security_severity(t.severity),
            stride: t.category.as_str(),
            severity_reason: t.severity_reason.as_deref(),
        },
    }
}

fn notifications(report: &Report) -> Vec<Notification<'_>> {
    report
        .diagnostics
        .iter()
        .map(|d| Notification {
            level: match d.level {
                DiagnosticLevel::Error => "error",
                DiagnosticLevel::Warning => "warning",
                DiagnosticLevel::Info => "note",
            },
            message: Text { text: &d.message },
            descriptor: Reference { id: &d.code },
            locations: if d.file.is_empty() {
                Vec::new()
            } else {
                vec![Location {
                    physical_location: Some(physical_location(
                        &d.file,
                        d.line.unwrap_or(0),
                        d.column.unwrap_or(0),
                        None,
                    )),
                    logical_locations: Vec::new(),
                }]
            },
        })
        .collect()
}

/// The report as a SARIF 2.1.0 log with one run.
pub fn render(report: &Report) -> String {
    // Rules in id order, each once, indexed for the results' `ruleIndex`.
    let used: BTreeMap<&str, ()> = report.threats.iter().map(|t| (t.rule, ())).collect();
    let metas: Vec<&'static RuleMeta> = used
        .keys()
        .filter_map(|id| stridemap_rules::find_rule(id).map(|r| r.meta()))
        .collect();
    let index: BTreeMap<&str, usize> = metas.iter().enumerate().map(|(i, m)| (m.id, i)).collect();
    let results = report
        .threats
        .iter()
        .filter_map(|t| index.get(t.rule).map(|&i| result(t, i)))
        .collect();
    let log = Log {
        schema: SCHEMA_URI,
        version: "2.1.0",
        runs: [Run {
            tool: Tool {
                driver: Driver {
                    name: &report.tool.name,
                    version: &report.tool.version,
                    semantic_version: &report.tool.version,
                    information_uri: "https://github.com/stridemap/stridemap",
                    rules: metas.into_iter().map(descriptor).collect(),
                },
            },
            original_uri_base_ids: BTreeMap::from([(
                SRCROOT,
                BaseId {
                    description: OwnedText {
                        text: format!("The scanned directory, `{}`", report.target),
                    },
                },
            )]),
            invocations: [Invocation {
                execution_successful: true,
                tool_execution_notifications: notifications(report),
            }],
            column_kind: "unicodeCodePoints",
            results,
        }],
    };
    // Compact: SARIF is read by tools, and indentation would add a third to its size. Sized for
    // about a kilobyte a result, so that the buffer is not copied as it grows.
    let mut out = Vec::with_capacity(64 * 1024 + report.threats.len() * 1024);
    serde_json::to_writer(&mut out, &log).expect("SARIF serialises");
    out.push(b'\n');
    String::from_utf8(out).expect("serde_json writes UTF-8")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_are_percent_encoded_relative_references() {
        assert_eq!(uri("k8s/orders.yaml"), "k8s/orders.yaml");
        assert_eq!(uri("my dir/a#b.yaml"), "my%20dir/a%23b.yaml");
        assert_eq!(uri("é.yaml"), "%C3%A9.yaml");
    }

    #[test]
    fn security_severity_falls_in_githubs_buckets() {
        let bucket = |s: Severity| {
            let n: f64 = security_severity(s).parse().unwrap();
            match n {
                n if n > 9.0 => "critical",
                n if n >= 7.0 => "high",
                n if n >= 4.0 => "medium",
                n if n > 0.0 => "low",
                _ => "none",
            }
        };
        assert_eq!(bucket(Severity::Critical), "critical");
        assert_eq!(bucket(Severity::High), "high");
        assert_eq!(bucket(Severity::Medium), "medium");
        assert_eq!(bucket(Severity::Low), "low");
        assert_eq!(bucket(Severity::Info), "low");
    }
}
