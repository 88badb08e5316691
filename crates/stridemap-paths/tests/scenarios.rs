//! The reference document's attack scenarios, each on a fixture written for it: the path is
//! found with every step pointing at the threats that enable it, and disappears when any one of
//! those weaknesses is fixed.

use std::path::{Path, PathBuf};
use stridemap_ingest::{ingest, Options};
use stridemap_model::Report;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/scenarios")
        .join(name)
}

/// Scans a copy of a scenario fixture after applying `edits` (file, from, to).
fn scan(name: &str, edits: &[(&str, &str, &str)]) -> Report {
    let dir = std::env::temp_dir().join(format!(
        "stridemap-scenario-{}-{name}-{}",
        std::process::id(),
        edits.len()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    copy_dir(&fixture(name), &dir);
    for (file, from, to) in edits {
        let path = dir.join(file);
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            from.is_empty() || text.contains(from),
            "{name}/{file} does not contain {from:?}"
        );
        let new = if from.is_empty() {
            format!("{text}{to}")
        } else {
            text.replacen(from, to, 1)
        };
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, new).unwrap();
    }
    let corpus = ingest(&dir, &Options::default());
    let arch = stridemap_architecture::build(&corpus);
    let findings = stridemap_rules::run(&corpus, &arch, stridemap_rules::registry());
    let report = stridemap_report::assemble(&corpus, &arch, findings, name);
    let _ = std::fs::remove_dir_all(&dir);
    report
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// The footholds of the path from `entry` to `target`, if the report has one.
fn route(report: &Report, entry: &str, target: &str) -> Option<Vec<String>> {
    report
        .attack_paths
        .iter()
        .find(|p| p.entry == entry && p.target == target)
        .map(|p| {
            let mut r = vec![p.entry.clone()];
            r.extend(p.steps.iter().map(|s| s.to.clone()));
            r
        })
}

/// Every step names threats that exist in the report, of the expected rules.
fn assert_steps_enabled_by(report: &Report, entry: &str, target: &str, expected_rules: &[&[&str]]) {
    let path = report
        .attack_paths
        .iter()
        .find(|p| p.entry == entry && p.target == target)
        .expect("path");
    assert_eq!(path.steps.len(), expected_rules.len(), "{path:#?}");
    for (step, rules) in path.steps.iter().zip(expected_rules) {
        assert!(!step.threat_ids.is_empty() && step.threat_ids.contains(&step.threat_id));
        let step_rules: Vec<&str> = step
            .threat_ids
            .iter()
            .map(|id| {
                report
                    .threats
                    .iter()
                    .find(|t| t.id == *id)
                    .expect("threat exists")
                    .rule
            })
            .collect();
        for r in *rules {
            assert!(
                step_rules.contains(r),
                "step {} → {} should be enabled by {r}, has {step_rules:?}",
                step.from,
                step.to
            );
        }
    }
}

#[test]
fn lateral_movement_from_a_compromised_container() {
    let base = scan("lateral-movement", &[]);
    let expected = vec![
        "internet",
        "container:web",
        "credentials:web",
        "datastore:orders-db",
    ];
    assert_eq!(
        route(&base, "internet", "datastore:orders-db"),
        Some(expected.iter().map(|s| s.to_string()).collect())
    );
    assert_steps_enabled_by(
        &base,
        "internet",
        "datastore:orders-db",
        &[
            &["GW-LOADBALANCER-PUBLIC"],
            &["SEC-ENV-CREDENTIAL"],
            &["SEC-ENV-CREDENTIAL", "NET-NO-POLICY"],
        ],
    );

    // Fix each weakness in turn: the path is gone.
    let fixes: &[(&str, &[(&str, &str, &str)])] = &[
        ("web is no longer exposed", &[("app.yaml", "  type: LoadBalancer\n", "")]),
        ("the password is no longer in the environment", &[("app.yaml", "postgres://shop:Sh0p-db-2024!@orders-db:5432/orders", "postgres://orders-db:5432/orders")]),
        (
            "a NetworkPolicy shields the database",
            &[(
                "app.yaml",
                "",
                "---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: orders-db, namespace: shop}\nspec:\n  podSelector: {matchLabels: {app: orders-db}}\n  policyTypes: [Ingress]\n  ingress:\n    - from:\n        - podSelector: {matchLabels: {app: api}}\n",
            )],
        ),
    ];
    for (what, edits) in fixes {
        let fixed = scan("lateral-movement", edits);
        assert_eq!(
            route(&fixed, "internet", "datastore:orders-db"),
            None,
            "path still there after: {what}"
        );
    }
}

#[test]
fn service_impersonation_without_mtls() {
    let base = scan("service-impersonation", &[]);
    let expected = vec!["cluster-network", "impersonate:payments", "service:orders"];
    assert_eq!(
        route(&base, "cluster-network", "service:orders"),
        Some(expected.iter().map(|s| s.to_string()).collect())
    );
    assert_steps_enabled_by(
        &base,
        "cluster-network",
        "service:orders",
        &[&["S2S-PLAINTEXT-FLOW"], &["MESH-NO-AUTHORIZATION-POLICY"]],
    );

    let fixes: &[(&str, &[(&str, &str, &str)])] = &[
        ("STRICT mTLS", &[("app.yaml", "mode: PERMISSIVE", "mode: STRICT")]),
        (
            "an AuthorizationPolicy for orders",
            &[(
                "app.yaml",
                "",
                "---\napiVersion: security.istio.io/v1beta1\nkind: AuthorizationPolicy\nmetadata: {name: orders, namespace: shop}\nspec:\n  selector: {matchLabels: {app: orders}}\n  action: ALLOW\n  rules:\n    - from:\n        - source: {principals: [cluster.local/ns/shop/sa/payments]}\n",
            )],
        ),
    ];
    for (what, edits) in fixes {
        let fixed = scan("service-impersonation", edits);
        assert_eq!(
            route(&fixed, "cluster-network", "service:orders"),
            None,
            "path still there after: {what}"
        );
    }
}

#[test]
fn supply_chain_through_a_mutable_tag_without_signature_verification() {
    let base = scan("supply-chain", &[]);
    let expected = vec!["ci-pipeline", "image:api", "container:api"];
    assert_eq!(
        route(&base, "ci-pipeline", "container:api"),
        Some(expected.iter().map(|s| s.to_string()).collect())
    );
    assert_steps_enabled_by(
        &base,
        "ci-pipeline",
        "container:api",
        &[
            &["CICD-UNPINNED-ACTION"],
            &[
                "IMG-LATEST-TAG",
                "CICD-NO-ADMISSION-POLICY",
                "CICD-NO-IMAGE-SIGNING",
            ],
        ],
    );

    let verify_images = "apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata:\n  name: verify-images\nspec:\n  validationFailureAction: Enforce\n  rules:\n    - name: signed-by-ci\n      match:\n        any:\n          - resources:\n              kinds: [Pod]\n      verifyImages:\n        - imageReferences: [\"registry.example.com/shop/*\"]\n          attestors:\n            - entries:\n                - keyless:\n                    issuer: https://token.actions.githubusercontent.com\n                    subject: https://github.com/example/shop/.github/workflows/release.yml@refs/heads/main\n";
    let fixes: &[(&str, &[(&str, &str, &str)])] = &[
        (
            "the action is pinned to a commit",
            &[(
                ".github/workflows/release.yml",
                "acme-tools/docker-build@main",
                "acme-tools/docker-build@3f1c2a9d8e7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d",
            )],
        ),
        (
            "the Deployment pins the image by digest",
            &[(
                "k8s/api.yaml",
                "shop/api:latest",
                "shop/api@sha256:9f3c4a1e0b7d2c5f8e6a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e",
            )],
        ),
        (
            "an admission policy verifies image signatures",
            &[("k8s/verify-images.yaml", "", verify_images)],
        ),
    ];
    for (what, edits) in fixes {
        let fixed = scan("supply-chain", edits);
        assert_eq!(
            route(&fixed, "ci-pipeline", "container:api"),
            None,
            "path still there after: {what}"
        );
    }
}

#[test]
fn exposed_workload_to_the_cloud_account_through_the_metadata_endpoint() {
    let base = scan("cloud-metadata", &[]);
    let expected = vec!["internet", "container:storefront", "cloud-account"];
    assert_eq!(
        route(&base, "internet", "cloud-account"),
        Some(expected.iter().map(|s| s.to_string()).collect())
    );
    assert_steps_enabled_by(
        &base,
        "internet",
        "cloud-account",
        &[&["GW-LOADBALANCER-PUBLIC"], &["CLOUD-METADATA-REACHABLE"]],
    );
    let path = base
        .attack_paths
        .iter()
        .find(|p| p.target == "cloud-account")
        .unwrap();
    assert_eq!(path.severity, stridemap_model::Severity::Critical);

    let fixes: &[(&str, &[(&str, &str, &str)])] = &[
        (
            "an egress policy blocks the metadata endpoint",
            &[(
                "app.yaml",
                "",
                "---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: egress, namespace: shop}\nspec:\n  podSelector: {}\n  policyTypes: [Egress]\n  egress:\n    - to:\n        - ipBlock: {cidr: 0.0.0.0/0, except: [169.254.169.254/32]}\n",
            )],
        ),
        (
            "the nodes require IMDSv2 with a hop limit of 1",
            &[(
                "cluster.tf",
                "  subnet_ids    = [\"subnet-0a1\", \"subnet-0b2\"]\n}",
                "  subnet_ids    = [\"subnet-0a1\", \"subnet-0b2\"]\n  launch_template {\n    id      = aws_launch_template.nodes.id\n    version = \"$Latest\"\n  }\n}\n\nresource \"aws_launch_template\" \"nodes\" {\n  metadata_options {\n    http_tokens                 = \"required\"\n    http_put_response_hop_limit = 1\n  }\n}",
            )],
        ),
    ];
    for (what, edits) in fixes {
        let fixed = scan("cloud-metadata", edits);
        assert_eq!(
            route(&fixed, "internet", "cloud-account"),
            None,
            "path still there after: {what}"
        );
        // The exposure itself is still there: only the step to the cloud is gone.
        assert!(fixed
            .threats
            .iter()
            .any(|t| t.rule == "GW-LOADBALANCER-PUBLIC"));
    }
}
