//! Each exit code comes from a real scenario: 0 clean (or below the threshold), 1 threats at or
//! above the threshold, 2 usage or configuration error, 3 a scan that could not complete.

use assert_cmd::Command;
use std::fs;

fn stridemap() -> Command {
    Command::cargo_bin("stridemap").expect("binary built")
}

/// A medium threat (mutable `latest` tag) and nothing high or critical.
const LATEST_TAG_POD: &str = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  automountServiceAccountToken: false\n  containers:\n    - name: web\n      image: nginx:latest\n      securityContext:\n        runAsNonRoot: true\n        allowPrivilegeEscalation: false\n        readOnlyRootFilesystem: true\n        capabilities: {drop: [ALL]}\n";

const PRIVILEGED_POD: &str = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: agent\nspec:\n  containers:\n    - name: agent\n      image: registry.example.com/agent:1.0.0\n      securityContext:\n        privileged: true\n";

fn repo_with(file: &str, content: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join(file), content).unwrap();
    dir
}

fn worst_severity(dir: &std::path::Path) -> String {
    let out = stridemap()
        .args([
            "scan",
            dir.to_str().unwrap(),
            "--format",
            "json",
            "--fail-on",
            "none",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    report["threats"][0]["severity"]
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn zero_when_nothing_is_reported() {
    let dir = repo_with("notes.yaml", "greeting: hello\n");
    stridemap()
        .args(["scan", dir.path().to_str().unwrap()])
        .assert()
        .code(0);
}

#[test]
fn threshold_decides_between_zero_and_one() {
    let dir = repo_with("web.yaml", LATEST_TAG_POD);
    assert_eq!(
        worst_severity(dir.path()),
        "medium",
        "the fixture's premise"
    );
    let path = dir.path().to_str().unwrap();
    // Default threshold is `high`: a medium threat passes.
    stridemap().args(["scan", path]).assert().code(0);
    stridemap()
        .args(["scan", path, "--fail-on", "medium"])
        .assert()
        .code(1)
        .stderr(predicates::str::contains("at or above `medium`"));
    stridemap()
        .args(["scan", path, "--fail-on", "critical"])
        .assert()
        .code(0);
}

#[test]
fn one_for_a_critical_threat_by_default() {
    let dir = repo_with("agent.yaml", PRIVILEGED_POD);
    stridemap()
        .args(["scan", dir.path().to_str().unwrap(), "-q"])
        .assert()
        .code(1)
        .stderr("");
}

#[test]
fn two_for_usage_errors() {
    stridemap()
        .args(["scan", ".", "--fail-on", "severe"])
        .assert()
        .code(2);
    stridemap()
        .args(["scan", "--no-such-flag"])
        .assert()
        .code(2);
    stridemap().args(["explain", "NOPE-1"]).assert().code(2);
    stridemap()
        .args(["scan", "--help"])
        .assert()
        .code(0)
        .stdout(predicates::str::contains("3  the scan could not complete"));
}

#[test]
fn three_when_the_scan_cannot_complete() {
    stridemap()
        .args(["scan", "/definitely/not/here"])
        .assert()
        .code(3);
    let dir = repo_with("agent.yaml", PRIVILEGED_POD);
    let unwritable = dir.path().join("no-such-dir/report.json");
    stridemap()
        .args([
            "scan",
            dir.path().to_str().unwrap(),
            "-o",
            unwritable.to_str().unwrap(),
        ])
        .assert()
        .code(3)
        .stderr(predicates::str::contains("cannot write"));
}
