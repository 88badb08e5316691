//! `stridemap checklist`: every item answered on the shipped example, the JSON form valid
//! against the report's schema, and the cloud items answered from Terraform.

use assert_cmd::Command;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn stridemap() -> Command {
    Command::cargo_bin("stridemap").expect("binary built")
}

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/shop")
}

fn cloud(dir: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../stridemap-rules/tests/cloud")
        .join(dir)
}

fn checklist_json(path: &Path) -> Value {
    let out = stridemap()
        .arg("checklist")
        .arg(path)
        .args(["--format", "json", "--no-config"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn status<'a>(checklist: &'a Value, id: &str) -> &'a str {
    checklist["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == id)
        .unwrap_or_else(|| panic!("no item {id}"))["status"]
        .as_str()
        .unwrap()
}

#[test]
fn the_example_answers_every_item() {
    let out = stridemap()
        .arg("checklist")
        .arg(example())
        .args(["--color", "never"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    for item in stridemap_model::checklist::ITEMS {
        let line = text
            .lines()
            .find(|l| l.split_whitespace().nth(1) == Some(item.id))
            .unwrap_or_else(|| panic!("{} not printed:\n{text}", item.id));
        let verdict = line.split_whitespace().next().unwrap();
        assert!(["PASS", "FAIL", "UNKNOWN"].contains(&verdict), "{line}");
    }
    assert!(text.contains("Per namespace"));

    let json = checklist_json(&example());
    let items = json["items"].as_array().unwrap();
    assert_eq!(items.len(), stridemap_model::checklist::ITEMS.len());
    // A failing item names the threats that fail it, and they are threats of the scan.
    let report: Value = serde_json::from_slice(
        &stridemap()
            .arg("scan")
            .arg(example())
            .args(["--format", "json", "-q", "--no-config"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    assert_eq!(report["checklist"], json, "scan and checklist agree");
    let ids: Vec<&str> = report["threats"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap())
        .collect();
    for item in items {
        match item["status"].as_str().unwrap() {
            "fail" => {
                let threats = item["threats"].as_array().unwrap();
                assert!(!threats.is_empty());
                assert!(threats.iter().all(|t| ids.contains(&t.as_str().unwrap())));
            }
            "unknown" => assert!(item["reason"].is_string(), "{item}"),
            "pass" => assert!(item["threats"].is_null()),
            other => panic!("status {other}"),
        }
    }
    // No Terraform in the example: the provider items cannot be answered.
    assert_eq!(status(&json, "eks.irsa"), "unknown");
}

#[test]
fn the_json_form_is_covered_by_the_report_schema() {
    let schema = stridemap().args(["schema", "report"]).output().unwrap();
    let mut schema: Value = serde_json::from_slice(&schema.stdout).unwrap();
    assert!(schema["properties"]["checklist"].is_object());
    // Validate the checklist alone against its definition in the report's schema.
    let defs = schema["$defs"].take();
    let checklist_schema = serde_json::json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$ref": "#/$defs/Checklist",
        "$defs": defs,
    });
    let validator = jsonschema::validator_for(&checklist_schema).expect("valid schema");
    let json = checklist_json(&example());
    let errors: Vec<String> = validator
        .iter_errors(&json)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .take(5)
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let mut broken = json.clone();
    broken["items"][0]["status"] = Value::from("maybe");
    assert!(!validator.is_valid(&broken));
}

#[test]
fn provider_items_follow_the_cluster_definition() {
    let weak = checklist_json(&cloud("gke/weak"));
    for id in [
        "gke.workload-identity",
        "gke.binary-authorization",
        "gke.sandbox",
        "gke.private-cluster",
    ] {
        assert_eq!(status(&weak, id), "fail", "{id}");
    }
    // Other providers' items do not apply.
    assert_eq!(status(&weak, "aks.aad"), "unknown");
    let hardened = checklist_json(&cloud("gke/hardened"));
    for id in [
        "gke.workload-identity",
        "gke.binary-authorization",
        "gke.sandbox",
        "gke.private-cluster",
        "gke.secrets-encryption",
    ] {
        assert_eq!(status(&hardened, id), "pass", "{id}");
    }
    let eks = checklist_json(&cloud("eks/hardened"));
    assert_eq!(status(&eks, "eks.irsa"), "pass");
    assert_eq!(status(&eks, "eks.kms-secrets"), "pass");
    // Seen statically only in part: unknown, with the reason.
    assert_eq!(status(&eks, "eks.pod-security-groups"), "unknown");
    let aks = checklist_json(&cloud("aks/weak"));
    assert_eq!(status(&aks, "aks.private-link"), "fail");
    assert_eq!(status(&aks, "aks.key-vault-csi"), "fail");
    assert_eq!(status(&aks, "eks.irsa"), "unknown");
}

#[test]
fn markdown_and_bad_paths() {
    let out = stridemap()
        .arg("checklist")
        .arg(example())
        .args(["--format", "markdown"])
        .output()
        .unwrap();
    let md = String::from_utf8(out.stdout).unwrap();
    assert!(md.starts_with("# Security checklist:"), "{md}");
    assert!(md.contains("### Pod security") && md.contains("### Per namespace"));
    let missing = stridemap()
        .args(["checklist", "/nonexistent/stridemap"])
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(3));
}
