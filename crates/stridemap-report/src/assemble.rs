//! Findings → threats: deduplicated, sorted, numbered, fingerprinted and redacted.

use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use stridemap_model::report::{Architecture, Summary, ToolInfo};
use stridemap_model::{Corpus, Evidence, Report, Threat};
use stridemap_rules::secrets::{redact, REDACTED};
use stridemap_rules::Finding;

pub fn assemble(corpus: &Corpus, mut findings: Vec<Finding>, target: &str) -> Report {
    let path_of = |f: &Finding| corpus.file(f.locations[0].0).path.clone();
    // A deterministic order, independent of how threads interleaved.
    findings.sort_by(|a, b| {
        (
            a.severity,
            a.rule.id,
            path_of(a),
            a.locations[0].1,
            &a.key,
            &a.description,
        )
            .cmp(&(
                b.severity,
                b.rule.id,
                path_of(b),
                b.locations[0].1,
                &b.key,
                &b.description,
            ))
    });
    findings.dedup_by(|a, b| {
        a.rule.id == b.rule.id
            && a.locations == b.locations
            && a.key == b.key
            && a.description == b.description
    });

    let all_secrets: Vec<String> = findings
        .iter()
        .flat_map(|f| f.secrets.iter().cloned())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut seen_fingerprints: BTreeMap<String, usize> = BTreeMap::new();
    let width = findings.len().to_string().len().max(3);

    let threats = findings
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let evidence: Vec<Evidence> = f
                .locations
                .iter()
                .map(|(file, loc)| {
                    let mut ev = corpus.evidence(*file, *loc);
                    ev.snippet = redact_snippet(&ev.snippet, &all_secrets, &f.secrets);
                    ev
                })
                .collect();
            let base = fingerprint(f, &evidence[0]);
            let n = seen_fingerprints.entry(base.clone()).or_default();
            *n += 1;
            let fingerprint = if *n == 1 { base } else { format!("{base}-{n}") };
            Threat {
                id: format!("THREAT-{:0width$}", i + 1),
                category: f.rule.stride,
                title: f.title.clone().unwrap_or_else(|| f.rule.title.to_string()),
                description: redact(&f.description, &all_secrets),
                severity: f.severity,
                affected_components: f.components.clone(),
                attack_scenario: f.rule.attack_scenario.to_string(),
                infrastructure_type: f.infra.as_str().to_string(),
                affected_resources: f.resources.clone(),
                vulnerability_types: f.rule.cwe_ids(),
                mitigation: f.rule.mitigation.to_string(),
                rule: f.rule.id.to_string(),
                group: f.rule.group,
                group_name: f.rule.group.title().to_string(),
                evidence,
                fingerprint,
            }
        })
        .collect::<Vec<_>>();

    Report {
        tool: ToolInfo {
            name: "stridemap".into(),
            version: env!("CARGO_PKG_VERSION").into(),
        },
        target: target.to_string(),
        architecture: Architecture::default(),
        summary: Summary::of(&threats),
        threats,
        attack_paths: Vec::new(),
        diagnostics: corpus.diagnostics.clone(),
    }
}

/// Removes secrets from a source line. When a finding's own secret does not appear verbatim
/// (YAML escapes, block scalars), everything after the key separator is hidden instead.
fn redact_snippet(snippet: &str, all: &[String], own: &[String]) -> String {
    let redacted = redact(snippet, all);
    if own.iter().all(|s| snippet.contains(s.as_str())) {
        return redacted;
    }
    match redacted.find([':', '=']) {
        Some(i) => format!("{} {REDACTED}", &redacted[..=i]),
        None => REDACTED.to_string(),
    }
}

/// Stable across unrelated edits: built from the rule, the file and the finding's logical key
/// (or, for findings without one, the whitespace-normalised source line) — never the line number.
fn fingerprint(f: &Finding, primary: &Evidence) -> String {
    let anchor = if f.key.is_empty() {
        primary
            .snippet
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    } else {
        f.key.clone()
    };
    let mut h = Sha256::new();
    h.update(f.rule.id.as_bytes());
    h.update([0]);
    h.update(primary.file.as_bytes());
    h.update([0]);
    h.update(anchor.as_bytes());
    h.finalize()
        .iter()
        .take(12)
        .map(|b| format!("{b:02x}"))
        .collect()
}
