//! Every rule has `fixtures/<RULE-ID>/bad` (must fire) and `fixtures/<RULE-ID>/good` (must not),
//! and the findings on `bad` are pinned by an insta snapshot.

use std::path::{Path, PathBuf};
use stridemap_ingest::{ingest, Options};
use stridemap_rules::{registry, run, Finding, Rule};

fn fixture_dir(id: &str, which: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(id)
        .join(which)
}

fn scan(dir: &Path, rule: &'static dyn Rule) -> (Vec<Finding>, stridemap_model::Corpus) {
    let corpus = ingest(dir, &Options::default());
    let arch = stridemap_architecture::build(&corpus);
    let mut findings = run(&corpus, &arch, &[rule]);
    findings.sort_by(|a, b| {
        (
            corpus.file(a.locations[0].0).path.as_str(),
            a.locations[0].1,
            &a.key,
        )
            .cmp(&(
                corpus.file(b.locations[0].0).path.as_str(),
                b.locations[0].1,
                &b.key,
            ))
    });
    (findings, corpus)
}

fn render(findings: &[Finding], corpus: &stridemap_model::Corpus) -> String {
    let mut out = String::new();
    for f in findings {
        let (file, loc) = f.locations[0];
        out.push_str(&format!(
            "{}:{}:{} [{}] {}\n",
            corpus.file(file).path,
            loc.line,
            loc.column,
            f.severity,
            f.description
        ));
        out.push_str(&format!("    resources: {}\n", f.resources.join(", ")));
        for (file, loc) in &f.locations[1..] {
            out.push_str(&format!(
                "    also: {}:{}\n",
                corpus.file(*file).path,
                loc.line
            ));
        }
    }
    out
}

#[test]
fn rules_fire_on_bad_fixtures_and_not_on_good_ones() {
    let mut problems = Vec::new();
    // `STRIDEMAP_RULES=RBAC-,SEC-` checks only the rules whose id starts with one of the prefixes.
    let filter = std::env::var("STRIDEMAP_RULES").unwrap_or_default();
    let selected =
        |id: &str| filter.is_empty() || filter.split(',').any(|p| id.starts_with(p.trim()));
    for &rule in registry().iter().filter(|r| selected(r.meta().id)) {
        let id = rule.meta().id;
        let (bad, good) = (fixture_dir(id, "bad"), fixture_dir(id, "good"));
        for dir in [&bad, &good] {
            if std::fs::read_dir(dir)
                .map(|mut d| d.next().is_none())
                .unwrap_or(true)
            {
                problems.push(format!(
                    "{id}: missing or empty fixture directory {}",
                    dir.display()
                ));
            }
        }
        let (bad_findings, bad_corpus) = scan(&bad, rule);
        if bad_findings.is_empty() {
            problems.push(format!("{id}: no finding on its bad fixtures"));
        }
        let (good_findings, good_corpus) = scan(&good, rule);
        if !good_findings.is_empty() {
            problems.push(format!(
                "{id}: fires on its good fixtures:\n{}",
                render(&good_findings, &good_corpus)
            ));
        }
        for corpus in [&bad_corpus, &good_corpus] {
            let errors: Vec<String> = corpus
                .diagnostics
                .iter()
                .filter(|d| d.level != stridemap_model::DiagnosticLevel::Info)
                .map(|d| d.to_string())
                .collect();
            if !errors.is_empty() {
                problems.push(format!("{id}: fixtures do not parse cleanly: {errors:?}"));
            }
        }
        insta::assert_snapshot!(id, render(&bad_findings, &bad_corpus));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_fixture_directory_belongs_to_a_rule() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    for entry in std::fs::read_dir(root).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        assert!(
            stridemap_rules::find_rule(&name).is_some(),
            "fixtures/{name} has no rule"
        );
    }
}

#[test]
fn rule_metadata_is_complete() {
    let mut ids = std::collections::BTreeSet::new();
    for &rule in registry() {
        let m = rule.meta();
        assert!(ids.insert(m.id), "duplicate rule id {}", m.id);
        assert!(
            m.id.chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-'),
            "{}: ids are UPPER-KEBAB",
            m.id
        );
        for section in [
            "## What it does",
            "## Why is this bad?",
            "## Example",
            "## Use instead",
        ] {
            assert!(m.doc.contains(section), "{}: doc lacks `{section}`", m.id);
        }
        assert!(!m.cwe.is_empty(), "{}: no CWE", m.id);
        assert!(!m.infra.is_empty(), "{}: no infrastructure type", m.id);
        assert!(
            !m.attack_scenario.is_empty() && !m.mitigation.is_empty(),
            "{}: scenario and mitigation required",
            m.id
        );
        for eq in m.equivalents {
            let ok =
                eq.starts_with("CKV") || eq.starts_with("kics:") || eq.starts_with("kube-linter:");
            assert!(
                ok,
                "{}: equivalent `{eq}` is not CKV_*, kics:<id> or kube-linter:<check>",
                m.id
            );
        }
    }
}
