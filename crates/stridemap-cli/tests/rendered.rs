//! Charts and overlays scanned as what they deploy: a rendered chart gives the same threats as
//! the equivalent plain manifests, and its findings point at template files and lines.

use assert_cmd::Command;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../stridemap-ingest/tests")
        .join(name)
}

fn scan(path: &Path, extra: &[&str]) -> (Value, String) {
    let out = Command::cargo_bin("stridemap")
        .unwrap()
        .arg("scan")
        .arg(path)
        .args(["--format", "json", "--no-config"])
        .args(extra)
        .output()
        .unwrap();
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "scan failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (
        serde_json::from_slice(&out.stdout).unwrap(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// What a threat says, without where it was found.
fn threats(report: &Value) -> BTreeSet<String> {
    report["threats"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            format!(
                "{} | {} | {} | {}",
                t["rule"].as_str().unwrap(),
                t["severity"].as_str().unwrap(),
                t["affected_resources"],
                t["description"].as_str().unwrap()
            )
        })
        .collect()
}

#[test]
fn rendered_chart_gives_the_threats_of_the_equivalent_manifests() {
    let (chart, _) = scan(&fixture("helm/chart-shop"), &[]);
    let (plain, _) = scan(&fixture("helm/plain-shop"), &[]);
    let (chart, plain) = (threats(&chart), threats(&plain));
    assert!(chart.len() > 10, "{chart:#?}");
    let only_chart: Vec<_> = chart.difference(&plain).collect();
    let only_plain: Vec<_> = plain.difference(&chart).collect();
    assert!(
        only_chart.is_empty() && only_plain.is_empty(),
        "only in the chart: {only_chart:#?}\nonly in the manifests: {only_plain:#?}"
    );
}

#[test]
fn chart_findings_point_at_template_file_and_line() {
    let (report, _) = scan(&fixture("helm/chart-shop"), &[]);
    let evidence = |rule: &str| -> Vec<(String, u64)> {
        report["threats"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|t| t["rule"] == rule)
            .flat_map(|t| t["evidence"].as_array().unwrap().clone())
            .map(|e| {
                (
                    e["file"].as_str().unwrap().to_string(),
                    e["line"].as_u64().unwrap(),
                )
            })
            .collect()
    };
    // `privileged: {{ .Values.privileged }}` is line 29 of the template.
    assert!(
        evidence("CTR-PRIVILEGED").contains(&("templates/deployment.yaml".into(), 29)),
        "{:?}",
        evidence("CTR-PRIVILEGED")
    );
    // The capability comes from `{{- toYaml . | nindent 12 }}` on line 31.
    assert_eq!(
        evidence("CTR-DANGEROUS-CAPABILITY"),
        [("templates/deployment.yaml".to_string(), 31)]
    );
}

#[test]
fn set_changes_what_is_rendered() {
    let (report, _) = scan(
        &fixture("helm/chart-shop"),
        &["--set", "privileged=false", "--set", "securityContext=null"],
    );
    let rules: BTreeSet<&str> = report["threats"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["rule"].as_str().unwrap())
        .collect();
    assert!(!rules.contains("CTR-PRIVILEGED"), "{rules:?}");
    assert!(!rules.contains("CTR-DANGEROUS-CAPABILITY"), "{rules:?}");
}

#[test]
fn renderer_helm_without_helm_says_so() {
    if std::process::Command::new("helm")
        .arg("version")
        .output()
        .is_ok()
    {
        return; // helm is installed here.
    }
    let (report, _) = scan(&fixture("helm/chart-shop"), &["--renderer", "helm"]);
    let diagnostics = report["diagnostics"].as_array().unwrap();
    assert!(
        diagnostics.iter().any(|d| d["message"]
            .as_str()
            .unwrap()
            .contains("`helm` is not installed or not on PATH")),
        "{diagnostics:#?}"
    );
    assert!(report["threats"]
        .as_array()
        .unwrap()
        .iter()
        .all(|t| t["rule"] != "CTR-PRIVILEGED"));
}

#[test]
fn overlay_findings_point_at_the_patch_that_set_the_value() {
    let (report, _) = scan(&fixture("kustomize"), &[]);
    let privileged: Vec<(String, u64)> = report["threats"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["rule"] == "CTR-PRIVILEGED")
        .flat_map(|t| t["evidence"].as_array().unwrap().clone())
        .map(|e| {
            (
                e["file"].as_str().unwrap().to_string(),
                e["line"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        privileged,
        [("overlays/prod/privileged.yaml".to_string(), 11)]
    );
}

/// Copies a directory tree (fixtures are read-only in some checkouts).
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

#[test]
fn a_comment_in_a_template_suppresses_what_it_renders() {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&fixture("helm/chart-shop"), dir.path());
    let template = dir.path().join("templates/deployment.yaml");
    let text = std::fs::read_to_string(&template).unwrap().replace(
        "            privileged: {{ .Values.privileged }}",
        "            # stridemap:ignore[CTR-PRIVILEGED] debug agent, reviewed\n            privileged: {{ .Values.privileged }}",
    );
    std::fs::write(&template, text).unwrap();
    let (report, _) = scan(dir.path(), &[]);
    let rules: BTreeSet<&str> = report["threats"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["rule"].as_str().unwrap())
        .collect();
    assert!(!rules.contains("CTR-PRIVILEGED"), "{rules:?}");
    assert!(rules.contains("CTR-DANGEROUS-CAPABILITY"), "{rules:?}");
}

#[test]
fn cluster_dump_reports_each_workload_once() {
    let (report, _) = scan(&fixture("dumps/get-all.yaml"), &[]);
    let privileged: Vec<(String, String, u64)> = report["threats"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["rule"] == "CTR-PRIVILEGED")
        .map(|t| {
            let e = &t["evidence"][0];
            (
                t["affected_resources"][0].as_str().unwrap().to_string(),
                e["file"].as_str().unwrap().to_string(),
                e["line"].as_u64().unwrap(),
            )
        })
        .collect();
    // The ReplicaSet and Pod the Deployment created are in the dump too, but not reported.
    assert_eq!(
        privileged,
        [("Deployment/web".to_string(), "get-all.yaml".to_string(), 33)]
    );
}

#[test]
fn a_comment_in_an_overlay_patch_suppresses_once_and_is_not_reported_unused() {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&fixture("kustomize"), dir.path());
    let patch = dir.path().join("overlays/prod/privileged.yaml");
    let text = std::fs::read_to_string(&patch).unwrap().replace(
        "          privileged: true",
        "          # stridemap:ignore[CTR-PRIVILEGED] node agent, reviewed\n          privileged: true",
    );
    std::fs::write(&patch, text).unwrap();
    let (report, stderr) = scan(dir.path(), &["--report-unused-suppressions"]);
    assert!(report["threats"]
        .as_array()
        .unwrap()
        .iter()
        .all(|t| t["rule"] != "CTR-PRIVILEGED"));
    assert!(!stderr.contains("unused"), "{stderr}");
    assert!(
        !report["diagnostics"]
            .to_string()
            .contains("unused-suppression"),
        "{}",
        report["diagnostics"]
    );
}
