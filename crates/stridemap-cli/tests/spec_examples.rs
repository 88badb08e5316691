//! The container and secrets examples of the threat-modelling specification: each vulnerable
//! snippet is reported with the specification's STRIDE category and at least one of its CWE
//! ids, and its fixed version yields no threat of that category sharing those CWEs.

use serde_json::Value;
use std::path::Path;
use stridemap_ingest::Options;

fn scan(file_name: &str, content: &str) -> Vec<Value> {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(file_name), content).unwrap();
    let report = stridemap::scan(Path::new(dir.path()), &Options::default());
    let json = serde_json::to_value(&report).unwrap();
    json["threats"].as_array().unwrap().clone()
}

fn matching<'a>(threats: &'a [Value], category: &str, cwes: &[&str]) -> Vec<&'a Value> {
    threats
        .iter()
        .filter(|t| {
            t["category"] == category
                && t["vulnerability_types"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|c| cwes.contains(&c.as_str().unwrap()))
        })
        .collect()
}

fn check(
    name: &str,
    file: &str,
    vulnerable: &str,
    fixed: Option<&str>,
    category: &str,
    cwes: &[&str],
) {
    let found = scan(file, vulnerable);
    assert!(
        !matching(&found, category, cwes).is_empty(),
        "{name}: no {category} threat with {cwes:?}; got {:#?}",
        found
            .iter()
            .map(|t| (&t["rule"], &t["category"], &t["vulnerability_types"]))
            .collect::<Vec<_>>()
    );
    if let Some(fixed) = fixed {
        let after = scan(file, fixed);
        let still = matching(&after, category, cwes);
        assert!(
            still.is_empty(),
            "{name}: fixed version still reported: {:#?}",
            still
                .iter()
                .map(|t| (&t["rule"], &t["description"]))
                .collect::<Vec<_>>()
        );
    }
}

#[test]
fn container_running_as_root() {
    let vulnerable = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web-app\nspec:\n  template:\n    spec:\n      containers:\n      - name: app\n        image: myapp:latest\n";
    let fixed = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web-app\nspec:\n  template:\n    spec:\n      securityContext:\n        runAsNonRoot: true\n        fsGroup: 1000\n      containers:\n      - name: app\n        image: myapp:v1.2.3\n        securityContext:\n          runAsUser: 1000\n          readOnlyRootFilesystem: true\n          allowPrivilegeEscalation: false\n        resources:\n          limits:\n            memory: \"256Mi\"\n            cpu: \"500m\"\n";
    check(
        "root container",
        "deployment.yaml",
        vulnerable,
        Some(fixed),
        "Elevation of Privilege",
        &["CWE-250", "CWE-269"],
    );
}

#[test]
fn privileged_container() {
    let vulnerable = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: app\nspec:\n  containers:\n  - name: app\n    image: myapp\n    securityContext:\n      privileged: true\n";
    let fixed = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: app\nspec:\n  securityContext:\n    runAsNonRoot: true\n  containers:\n  - name: app\n    image: myapp:1.0.0\n    securityContext:\n      privileged: false\n      allowPrivilegeEscalation: false\n";
    check(
        "privileged container",
        "pod.yaml",
        vulnerable,
        Some(fixed),
        "Elevation of Privilege",
        &["CWE-250", "CWE-269"],
    );
}

#[test]
fn secrets_in_configmap() {
    let vulnerable = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app-config\ndata:\n  DATABASE_URL: \"postgres://admin:secretpassword123@db:5432/app\"\n  API_KEY: \"sk-live-abc123xyz\"\n";
    let fixed = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: app-secrets\ntype: Opaque\ndata:\n  DATABASE_URL: cG9zdGdyZXM6Ly9hZG1pbjpzZWNyZXRwYXNzd29yZDEyM0BkYjogNTQzMi9hcHA=\n  API_KEY: c2stbGl2ZS1hYmMxMjN4eXo=\n";
    check(
        "secrets in ConfigMap",
        "config.yaml",
        vulnerable,
        Some(fixed),
        "Information Disclosure",
        &["CWE-312", "CWE-522"],
    );
    let threats = scan("config.yaml", vulnerable);
    let text = serde_json::to_string(&threats).unwrap();
    assert!(
        !text.contains("secretpassword123") && !text.contains("sk-live-abc123xyz"),
        "secret values leak into the report"
    );
}

#[test]
fn secrets_in_docker_image() {
    let vulnerable = "FROM python:3.11\n\nENV AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE\nENV AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n\nCOPY . /app\nRUN pip install -r requirements.txt\n";
    let fixed = "FROM python:3.11\n\nCOPY . /app\nRUN pip install -r requirements.txt\n";
    check(
        "secrets in image",
        "Dockerfile",
        vulnerable,
        Some(fixed),
        "Information Disclosure",
        &["CWE-798", "CWE-312", "CWE-538", "CWE-522"],
    );
    let text = serde_json::to_string(&scan("Dockerfile", vulnerable)).unwrap();
    assert!(
        !text.contains("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
            && !text.contains("AKIAIOSFODNN7EXAMPLE"),
        "secret values leak"
    );
}

#[test]
fn overly_permissive_cluster_role() {
    let vulnerable = "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: developer\nrules:\n- apiGroups: [\"*\"]\n  resources: [\"*\"]\n  verbs: [\"*\"]\n";
    let fixed = "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: developer\nrules:\n- apiGroups: [\"apps\"]\n  resources: [\"deployments\"]\n  verbs: [\"get\", \"list\", \"watch\"]\n";
    check(
        "wildcard ClusterRole",
        "rbac.yaml",
        vulnerable,
        Some(fixed),
        "Elevation of Privilege",
        &["CWE-250", "CWE-269"],
    );
    let threats = scan("rbac.yaml", vulnerable);
    assert!(
        threats.iter().any(|t| t["severity"] == "critical"),
        "full wildcard is critical"
    );
}

#[test]
fn mutable_image_tag() {
    let vulnerable = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: app\nspec:\n  containers:\n  - name: app\n    image: myregistry.io/myapp:latest\n";
    let fixed = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: app\nspec:\n  containers:\n  - name: app\n    image: myregistry.io/myapp@sha256:abc123def4567890abc123def4567890abc123def4567890abc123def4567890\n";
    check(
        "mutable tag",
        "pod.yaml",
        vulnerable,
        Some(fixed),
        "Tampering",
        &["CWE-494", "CWE-829"],
    );
}
