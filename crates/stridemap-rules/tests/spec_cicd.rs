//! The specification's CI/CD example (unsigned container images): a Deployment running
//! `myregistry.io/myapp:latest` is a Tampering threat with CWE-494 or CWE-829; the fixed
//! version, pinned by digest, produces no Tampering threat sharing those CWEs.

use std::path::{Path, PathBuf};
use stridemap_ingest::{ingest, Options};
use stridemap_model::Stride;
use stridemap_rules::{registry, run, Finding};

fn deployment(image: &str) -> String {
    format!(
        r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: myapp
spec:
  replicas: 2
  selector:
    matchLabels:
      app: myapp
  template:
    metadata:
      labels:
        app: myapp
    spec:
      containers:
      - name: app
        image: {image}
"#
    )
}

fn scan(name: &str, files: &[(&str, String)]) -> Vec<Finding> {
    let dir: PathBuf =
        std::env::temp_dir().join(format!("stridemap-spec-cicd-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for (file, text) in files {
        let path = dir.join(file);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    let corpus = ingest(Path::new(&dir), &Options::default());
    let arch = stridemap_architecture::build(&corpus);
    let findings = run(&corpus, &arch, registry());
    let _ = std::fs::remove_dir_all(&dir);
    findings
}

fn tampering_with_spec_cwes(findings: &[Finding]) -> Vec<&Finding> {
    findings
        .iter()
        .filter(|f| {
            f.rule.stride == Stride::Tampering && f.rule.cwe.iter().any(|c| *c == 494 || *c == 829)
        })
        .collect()
}

#[test]
fn mutable_tag_is_tampering_with_cwe_494_or_829() {
    let findings = scan(
        "vulnerable",
        &[(
            "deployment.yaml",
            deployment("myregistry.io/myapp:latest  # VULNERABLE: Mutable tag, no signing"),
        )],
    );
    let hits = tampering_with_spec_cwes(&findings);
    assert!(
        hits.iter().any(|f| f.rule.id == "IMG-LATEST-TAG"),
        "expected IMG-LATEST-TAG among {:?}",
        hits.iter().map(|f| f.rule.id).collect::<Vec<_>>()
    );
    assert!(hits
        .iter()
        .any(|f| f.resources.iter().any(|r| r == "Deployment/myapp")));
    // The repository has no admission policy either: reported as a signature-verification gap.
    assert!(findings
        .iter()
        .any(|f| f.rule.id == "CICD-NO-ADMISSION-POLICY" && f.rule.stride == Stride::Tampering));
}

#[test]
fn digest_pinned_image_has_no_such_threat() {
    let findings = scan(
        "fixed",
        &[(
            "deployment.yaml",
            deployment(
                "myregistry.io/myapp@sha256:abc123def4567890abc123def4567890abc123def4567890abc123def4567890  # Immutable digest",
            ),
        )],
    );
    let hits = tampering_with_spec_cwes(&findings);
    assert!(
        hits.is_empty(),
        "the fixed version still yields {:?}",
        hits.iter()
            .map(|f| (f.rule.id, f.description.as_str()))
            .collect::<Vec<_>>()
    );
}

#[test]
fn pipeline_that_pushes_latest_without_signing_is_reported() {
    let workflow = r#"name: release
on:
  push:
    branches: [main]
jobs:
  image:
    runs-on: ubuntu-24.04
    steps:
      - uses: actions/checkout@v4
      - run: |
          docker build -t myregistry.io/myapp:latest .
          docker push myregistry.io/myapp:latest
"#;
    let findings = scan(
        "pipeline",
        &[(".github/workflows/release.yml", workflow.to_string())],
    );
    let ids: Vec<&str> = findings.iter().map(|f| f.rule.id).collect();
    for id in [
        "CICD-MUTABLE-IMAGE-PUSH",
        "CICD-NO-IMAGE-SIGNING",
        "CICD-UNPINNED-ACTION",
    ] {
        assert!(ids.contains(&id), "{id} missing from {ids:?}");
    }
}
