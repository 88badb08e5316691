//! Findings → threats: deduplicated, sorted, numbered, fingerprinted and redacted.

use crate::suppress::Suppressions;
use sha2::{Digest, Sha256};
use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use stridemap_model::architecture::ArchitectureGraph;
use stridemap_model::report::{Summary, SuppressedThreat, ToolInfo};
use stridemap_model::{Corpus, Evidence, FileId, Group, InfraType, Report, Severity, Threat};
use stridemap_rules::secrets::{redact, Redactor, REDACTED};
use stridemap_rules::Finding;

/// Whether a secret value is unlike ordinary text, so that seeing it anywhere gives it away. A
/// dictionary-word password ("postgres") printed as an image name reveals nothing; it is only
/// hidden on the line where it is the secret.
fn is_distinctive(secret: &str) -> bool {
    let classes = [
        secret.chars().any(|c| c.is_ascii_lowercase()),
        secret.chars().any(|c| c.is_ascii_uppercase()),
        secret.chars().any(|c| c.is_ascii_digit()),
        secret.chars().any(|c| !c.is_ascii_alphanumeric()),
    ]
    .iter()
    .filter(|&&x| x)
    .count();
    let len = secret.chars().count();
    len >= 12 || (len >= 6 && classes >= 2)
}
/// What the user asked of the report besides the findings themselves.
#[derive(Debug, Default)]
pub struct AssembleOptions<'a> {
    /// Inline and annotation suppressions; suppressed findings leave `threats` for `suppressed`.
    pub suppressions: Option<Suppressions>,
    /// Warn about suppressions that matched nothing.
    pub report_unused_suppressions: bool,
    /// Fingerprints of known threats (`--baseline`): only the others are reported.
    pub baseline: Option<&'a BTreeSet<String>>,
    /// Ids of the rules that ran, for the checklist (`None`: every registered rule).
    pub rules_run: Option<BTreeSet<&'static str>>,
}

/// The report of `findings`, with nothing suppressed and no baseline.
pub fn assemble(
    corpus: &Corpus,
    arch: &ArchitectureGraph,
    findings: Vec<Finding>,
    target: &str,
) -> Report {
    assemble_with(corpus, arch, findings, target, AssembleOptions::default())
}

pub fn assemble_with(
    corpus: &Corpus,
    arch: &ArchitectureGraph,
    mut findings: Vec<Finding>,
    target: &str,
    mut options: AssembleOptions,
) -> Report {
    for f in findings.iter_mut() {
        point_at_secret(corpus, f);
    }
    // Suppressed findings go before anything is numbered or correlated, so that they take no
    // part in attack paths either.
    let mut suppressed: Vec<SuppressedThreat> = Vec::new();
    if let Some(suppressions) = options.suppressions.as_mut() {
        findings.retain(|f| {
            let (file, loc) = f.locations[0];
            let Some(s) = suppressions.claim(f.rule.id, file, loc.line) else {
                return true;
            };
            suppressed.push(SuppressedThreat {
                rule: f.rule.id.to_string(),
                title: f.title.clone().unwrap_or_else(|| f.rule.title.to_string()),
                severity: f.severity,
                file: corpus.file(file).path.clone(),
                line: loc.line,
                via: s.via().to_string(),
                suppressed_at: s.at().to_string(),
                reason: s.reason().map(str::to_string),
            });
            false
        });
    }
    suppressed.sort();
    suppressed.dedup();
    // Severity in context: exposure and credentials of the services a finding concerns.
    let secret_findings: Vec<(&[String], &[String], Vec<&str>)> = findings
        .iter()
        .filter(|f| f.rule.group == Group::SecretsManagement)
        .map(|f| {
            (
                f.resources.as_slice(),
                f.components.as_slice(),
                evidence_files(corpus, f),
            )
        })
        .collect();
    let context = stridemap_paths::Context::new(arch, &secret_findings);
    let contextual: Vec<(Severity, Option<String>)> = findings
        .iter()
        .map(|f| {
            if f.severity_configured {
                (f.severity, Some("severity set by the configuration".into()))
            } else {
                context.adjust(
                    f.rule.group,
                    &f.resources,
                    &evidence_files(corpus, f),
                    f.severity,
                )
            }
        })
        .collect();
    let mut findings: Vec<(Finding, Severity, Option<String>)> = findings
        .into_iter()
        .zip(contextual)
        .map(|(mut f, (s, why))| {
            let base = f.severity;
            f.severity = s;
            (f, base, why)
        })
        .collect();
    let path_of = |f: &Finding| corpus.file(f.locations[0].0).path.as_str();
    // A deterministic order, independent of how threads interleaved.
    findings.sort_by(|(a, _, _), (b, _, _)| {
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
    findings.dedup_by(|(a, _, _), (b, _, _)| {
        a.rule.id == b.rule.id
            && a.locations == b.locations
            && a.key == b.key
            && a.description == b.description
    });

    // Distinctive secret values are hidden wherever they appear; ordinary words ("admin",
    // "postgres") only on the lines where they are the secret.
    let mut all_secrets: BTreeSet<String> = BTreeSet::new();
    let mut secrets_at: BTreeMap<(FileId, u32), Vec<String>> = BTreeMap::new();
    for (f, _, _) in &findings {
        for secret in &f.secrets {
            if is_distinctive(secret) {
                all_secrets.insert(secret.clone());
            }
            let (file, loc) = f.locations[0];
            secrets_at
                .entry((file, loc.line))
                .or_default()
                .push(secret.clone());
        }
    }
    let everywhere = Redactor::new(all_secrets);
    let mut seen_fingerprints: BTreeMap<String, usize> = BTreeMap::new();
    let width = findings.len().to_string().len().max(3);

    // Findings are consumed as they become threats: their texts move instead of being copied,
    // which halves what a large repository holds at the peak.
    let threats = findings
        .into_iter()
        .enumerate()
        .map(|(i, (f, base_severity, severity_reason))| {
            let evidence: Vec<Evidence> = f
                .locations
                .iter()
                .map(|(file, loc)| {
                    let mut ev = corpus.evidence(*file, *loc);
                    let here: &[String] = secrets_at
                        .get(&(*file, loc.line))
                        .map(Vec::as_slice)
                        .unwrap_or(&[]);
                    let own = if (*file, *loc) == f.locations[0] {
                        f.secrets.as_slice()
                    } else {
                        &[]
                    };
                    ev.snippet = redact_snippet(&ev.snippet, &everywhere, here, own);
                    ev
                })
                .collect();
            let base = fingerprint(&f, &evidence[0]);
            let n = seen_fingerprints.entry(base.clone()).or_default();
            *n += 1;
            let fingerprint = if *n == 1 { base } else { format!("{base}-{n}") };
            let elements = stridemap_paths::threat_elements(
                arch,
                &f.resources,
                &f.components,
                &evidence_files(corpus, &f),
            );
            Threat {
                id: format!("THREAT-{:0width$}", i + 1),
                category: f.rule.stride,
                title: f.title.map_or(Cow::Borrowed(f.rule.title), Cow::Owned),
                description: redact(&everywhere.redact(&f.description), &f.secrets),
                severity: f.severity,
                base_severity,
                severity_reason,
                affected_components: f.components,
                attack_scenario: f.rule.attack_scenario,
                infrastructure_type: f.infra.as_str(),
                affected_resources: f.resources,
                vulnerability_types: f.rule.cwe_ids(),
                mitigation: f.rule.mitigation,
                rule: f.rule.id,
                group: f.rule.group,
                group_name: f.rule.group.title(),
                evidence,
                fingerprint,
                elements,
            }
        })
        .collect::<Vec<_>>();
    let mut threats = threats;
    let mut baselined = None;
    if let Some(known) = options.baseline {
        let before = threats.len();
        threats.retain(|t| !known.contains(&t.fingerprint));
        baselined = Some(before - threats.len());
        // Numbered again so that the ids of what is reported run without gaps.
        let width = threats.len().to_string().len().max(3);
        for (i, t) in threats.iter_mut().enumerate() {
            t.id = format!("THREAT-{:0width$}", i + 1);
        }
    }
    let (attack_paths, elements) = correlate(arch, &threats);

    let mut diagnostics = corpus.diagnostics.clone();
    if let Some(s) = &options.suppressions {
        diagnostics.extend(s.diagnostics.iter().cloned());
        if options.report_unused_suppressions {
            diagnostics.extend(s.unused());
        }
        diagnostics.sort();
    }
    let checklist = {
        let rules_run = options.rules_run.as_ref();
        stridemap_rules::checklist::evaluate(corpus, arch, &threats, &|id| {
            rules_run.is_none_or(|r| r.contains(id))
        })
    };
    let mut summary = Summary::of(&threats);
    summary.suppressed = suppressed.len();
    summary.baselined = baselined;

    Report {
        tool: ToolInfo {
            name: "stridemap".into(),
            version: env!("CARGO_PKG_VERSION").into(),
        },
        target: target.to_string(),
        architecture: arch.to_report(),
        summary,
        threats,
        attack_paths,
        elements,
        suppressed,
        diagnostics,
        checklist,
    }
}

/// The correlation stage: attack paths through the architecture, and STRIDE per element.
pub fn correlate(
    arch: &ArchitectureGraph,
    threats: &[Threat],
) -> (
    Vec<stridemap_model::report::AttackPath>,
    Vec<stridemap_model::report::ElementModel>,
) {
    stridemap_paths::correlate(arch, threats, &rule_examines)
}

/// Whether a rule examines a kind of node (so that it finding nothing there means something):
/// the rule's infrastructure types against what the node is made of.
fn rule_examines(rule: &str, node: &stridemap_model::architecture::ArchNode) -> bool {
    let Some(rule) = stridemap_rules::find_rule(rule) else {
        return false;
    };
    let infra = rule.meta().infra;
    let kubernetes = node.kinds.iter().any(|k| k != "compose" && k != "source");
    let compose = node.kinds.iter().any(|k| k == "compose");
    let docker = node.resources.iter().any(|r| r.starts_with("Dockerfile/"));
    let code = node.sources.iter().any(|s| s.kind == "code");
    infra.iter().any(|i| match i {
        InfraType::Kubernetes | InfraType::Istio => kubernetes,
        InfraType::Compose => compose,
        InfraType::Docker => docker,
        InfraType::Code => code,
        _ => false,
    })
}

/// Lines searched after a finding's location for the secret it reports.
const SECRET_SEARCH_LINES: u32 = 400;

/// A secret inside a block scalar (`args: - >` followed by a script) is found on a later line
/// than the node's own position: point the evidence at the line that holds the value.
fn point_at_secret(corpus: &Corpus, f: &mut Finding) {
    if f.secrets.is_empty() {
        return;
    }
    let (file, loc) = f.locations[0];
    let source = corpus.file(file);
    let holds_secret = |line: u32| {
        f.secrets
            .iter()
            .find_map(|s| source.line_text(line).find(s.as_str()))
    };
    if holds_secret(loc.line).is_some() {
        return;
    }
    let last = (source.line_count() as u32).min(loc.line.saturating_add(SECRET_SEARCH_LINES));
    for line in loc.line + 1..=last {
        if let Some(byte) = holds_secret(line) {
            let column = source.line_text(line)[..byte].chars().count() as u32 + 1;
            f.locations[0] = (file, stridemap_model::Location::new(line, column));
            return;
        }
    }
}

/// Removes secrets from a source line. When a finding's own secret does not appear verbatim
/// (YAML escapes, block scalars), everything after the key separator is hidden instead.
fn redact_snippet(snippet: &str, everywhere: &Redactor, here: &[String], own: &[String]) -> String {
    let redacted = redact(&everywhere.redact(snippet), here);
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

/// The distinct files of a finding's evidence.
fn evidence_files<'c>(corpus: &'c Corpus, f: &Finding) -> Vec<&'c str> {
    let mut ids: Vec<FileId> = f.locations.iter().map(|(file, _)| *file).collect();
    ids.sort_unstable();
    ids.dedup();
    ids.into_iter()
        .map(|id| corpus.file(id).path.as_str())
        .collect()
}
