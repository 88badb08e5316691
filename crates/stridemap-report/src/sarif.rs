//! SARIF 2.1.0 for code scanning (GitHub, GitLab, IDEs), following GitHub's conventions: one
//! `reportingDescriptor` per rule that has results, with its documentation as `help` and
//! `security-severity`; one result per threat, located relative to `%SRCROOT%`, fingerprinted
//! with the threat's own fingerprint, and pointing at its further evidence as related locations.
//!
//! Everything comes from the report, which is already redacted: no secret value reaches SARIF.

use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use stridemap_model::report::DiagnosticLevel;
use stridemap_model::{Evidence, Report, RuleMeta, Severity, Threat};

/// The schema SARIF consumers resolve; the file itself is validated in the tests.
const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";
/// Where relative result URIs are resolved from: the scanned directory.
const SRCROOT: &str = "%SRCROOT%";
/// Key of the threat's fingerprint among `partialFingerprints` (versioned, as SARIF asks).
const FINGERPRINT_KEY: &str = "stridemapFingerprint/v1";

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

fn physical_location(file: &str, line: u32, column: u32, snippet: Option<&str>) -> Value {
    let mut location = json!({
        "artifactLocation": { "uri": uri(file), "uriBaseId": SRCROOT },
    });
    // Lines and columns are 1-based; a 0 means the finding concerns the whole file.
    if line > 0 {
        let mut region = Map::new();
        region.insert("startLine".into(), json!(line));
        if column > 0 {
            region.insert("startColumn".into(), json!(column));
        }
        if let Some(text) = snippet.filter(|s| !s.trim().is_empty()) {
            region.insert("snippet".into(), json!({ "text": text }));
        }
        location["region"] = Value::Object(region);
    }
    location
}

fn evidence_location(e: &Evidence) -> Value {
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

fn descriptor(m: &RuleMeta) -> Value {
    let help = crate::rules_doc::help_markdown(m);
    json!({
        "id": m.id,
        "shortDescription": { "text": m.title },
        "fullDescription": { "text": m.summary() },
        "help": { "text": help, "markdown": help },
        "defaultConfiguration": { "level": level(m.severity) },
        "properties": {
            "tags": tags(m),
            "precision": "high",
            "problem.severity": level(m.severity),
            "security-severity": security_severity(m.severity),
            "stride": m.stride.as_str(),
            "group": m.group.title(),
        },
    })
}

fn result(t: &Threat, rule_index: usize) -> Value {
    let mut message = t.title.clone();
    if !t.description.is_empty() {
        message.push_str(": ");
        message.push_str(&t.description);
    }
    let mut logical: Vec<Value> = t
        .affected_resources
        .iter()
        .map(|r| json!({ "fullyQualifiedName": r, "kind": "resource" }))
        .collect();
    logical.dedup();
    let mut location = Map::new();
    if let Some(first) = t.evidence.first() {
        location.insert("physicalLocation".into(), evidence_location(first));
    }
    if !logical.is_empty() {
        location.insert("logicalLocations".into(), Value::Array(logical));
    }
    let related: Vec<Value> = t
        .evidence
        .iter()
        .skip(1)
        .enumerate()
        .map(|(i, e)| {
            json!({
                "id": i + 1,
                "physicalLocation": evidence_location(e),
                "message": { "text": format!("further evidence for {}: {}:{}", t.id, e.file, e.line) },
            })
        })
        .collect();
    let mut properties = json!({
        "threatId": t.id,
        "severity": t.severity.as_str(),
        "security-severity": security_severity(t.severity),
        "stride": t.category.as_str(),
        "attackScenario": t.attack_scenario,
        "mitigation": t.mitigation,
    });
    if let Some(reason) = &t.severity_reason {
        properties["severityReason"] = json!(reason);
    }
    let mut out = json!({
        "ruleId": t.rule,
        "ruleIndex": rule_index,
        "level": level(t.severity),
        "message": { "text": message },
        "locations": [Value::Object(location)],
        "partialFingerprints": { FINGERPRINT_KEY: t.fingerprint },
        "properties": properties,
    });
    if !related.is_empty() {
        out["relatedLocations"] = Value::Array(related);
    }
    out
}

fn notifications(report: &Report) -> Vec<Value> {
    report
        .diagnostics
        .iter()
        .map(|d| {
            let level = match d.level {
                DiagnosticLevel::Error => "error",
                DiagnosticLevel::Warning => "warning",
                DiagnosticLevel::Info => "note",
            };
            let mut n = json!({
                "level": level,
                "message": { "text": d.message },
                "descriptor": { "id": d.code },
            });
            if !d.file.is_empty() {
                n["locations"] = json!([{
                    "physicalLocation": physical_location(
                        &d.file,
                        d.line.unwrap_or(0),
                        d.column.unwrap_or(0),
                        None,
                    )
                }]);
            }
            n
        })
        .collect()
}

/// The report as a SARIF 2.1.0 log with one run.
pub fn render(report: &Report) -> String {
    // Rules in id order, each once, indexed for the results' `ruleIndex`.
    let used: BTreeMap<&str, ()> = report
        .threats
        .iter()
        .map(|t| (t.rule.as_str(), ()))
        .collect();
    let metas: Vec<&'static RuleMeta> = used
        .keys()
        .filter_map(|id| stridemap_rules::find_rule(id).map(|r| r.meta()))
        .collect();
    let index: BTreeMap<&str, usize> = metas.iter().enumerate().map(|(i, m)| (m.id, i)).collect();
    let results: Vec<Value> = report
        .threats
        .iter()
        .filter_map(|t| index.get(t.rule.as_str()).map(|&i| result(t, i)))
        .collect();
    let log = json!({
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": report.tool.name,
                    "version": report.tool.version,
                    "semanticVersion": report.tool.version,
                    "informationUri": "https://github.com/stridemap/stridemap",
                    "rules": metas.iter().map(|m| descriptor(m)).collect::<Vec<_>>(),
                }
            },
            "originalUriBaseIds": {
                SRCROOT: { "description": { "text": format!("The scanned directory, `{}`", report.target) } }
            },
            "invocations": [{
                "executionSuccessful": true,
                "toolExecutionNotifications": notifications(report),
            }],
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    });
    let mut s = serde_json::to_string_pretty(&log).expect("SARIF serialises");
    s.push('\n');
    s
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
