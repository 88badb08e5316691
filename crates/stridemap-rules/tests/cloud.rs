//! Managed clusters: for each provider a weak cluster raises the cloud threats it should, at
//! the Terraform line that shows them, and a hardened one raises none.

use std::collections::BTreeSet;
use std::path::Path;
use stridemap_ingest::{ingest, Options};
use stridemap_rules::{registry, run, Finding};

fn scan(dir: &str) -> (Vec<Finding>, stridemap_model::Corpus) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/cloud")
        .join(dir);
    let corpus = ingest(&root, &Options::default());
    assert!(
        corpus.diagnostics.is_empty(),
        "{dir}: {:?}",
        corpus.diagnostics
    );
    let arch = stridemap_architecture::build(&corpus);
    let rules: Vec<_> = registry()
        .iter()
        .copied()
        .filter(|r| r.meta().id.starts_with("CLOUD-"))
        .collect();
    (run(&corpus, &arch, &rules), corpus)
}

fn fired(findings: &[Finding]) -> BTreeSet<&'static str> {
    findings.iter().map(|f| f.rule.id).collect()
}

#[test]
fn weak_clusters_raise_their_threats() {
    let cases: &[(&str, &[&str])] = &[
        (
            "eks/weak",
            &[
                "CLOUD-CONTROL-PLANE-LOGGING-OFF",
                "CLOUD-LEGACY-AUTH",
                "CLOUD-METADATA-REACHABLE",
                "CLOUD-NO-NETWORK-POLICY-ENGINE",
                "CLOUD-NO-WORKLOAD-IDENTITY",
                "CLOUD-NODE-BROAD-IAM",
                "CLOUD-PUBLIC-API-ENDPOINT",
                "CLOUD-SECRETS-ENCRYPTION-OFF",
            ],
        ),
        (
            "gke/weak",
            &[
                "CLOUD-CONTROL-PLANE-LOGGING-OFF",
                "CLOUD-LEGACY-AUTH",
                "CLOUD-METADATA-REACHABLE",
                "CLOUD-NO-ADMISSION-ENFORCEMENT",
                "CLOUD-NO-NETWORK-POLICY-ENGINE",
                "CLOUD-NO-SANDBOX-NODE-POOL",
                "CLOUD-NO-SECRET-STORE-DRIVER",
                "CLOUD-NO-WORKLOAD-IDENTITY",
                "CLOUD-NODE-BROAD-IAM",
                "CLOUD-PUBLIC-API-ENDPOINT",
                "CLOUD-SECRETS-ENCRYPTION-OFF",
            ],
        ),
        (
            "aks/weak",
            &[
                "CLOUD-CONTROL-PLANE-LOGGING-OFF",
                "CLOUD-LEGACY-AUTH",
                "CLOUD-METADATA-REACHABLE",
                "CLOUD-NO-ADMISSION-ENFORCEMENT",
                "CLOUD-NO-NETWORK-POLICY-ENGINE",
                "CLOUD-NO-SANDBOX-NODE-POOL",
                "CLOUD-NO-SECRET-STORE-DRIVER",
                "CLOUD-NO-WORKLOAD-IDENTITY",
                "CLOUD-NODE-BROAD-IAM",
                "CLOUD-PUBLIC-API-ENDPOINT",
                "CLOUD-SECRETS-ENCRYPTION-OFF",
            ],
        ),
    ];
    for (dir, expected) in cases {
        let (findings, _) = scan(dir);
        let expected: BTreeSet<&str> = expected.iter().copied().collect();
        assert_eq!(fired(&findings), expected, "{dir}");
    }
}

#[test]
fn hardened_clusters_raise_none() {
    for dir in ["eks/hardened", "gke/hardened", "aks/hardened"] {
        let (findings, corpus) = scan(dir);
        let described: Vec<String> = findings
            .iter()
            .map(|f| {
                let (file, loc) = f.locations[0];
                format!(
                    "{}:{} {} {}",
                    corpus.file(file).path,
                    loc.line,
                    f.rule.id,
                    f.description
                )
            })
            .collect();
        assert!(findings.is_empty(), "{dir}:\n{}", described.join("\n"));
    }
}

#[test]
fn evidence_points_at_the_terraform_line() {
    let (findings, corpus) = scan("eks/weak");
    let at = |rule: &str| {
        let f = findings.iter().find(|f| f.rule.id == rule).expect(rule);
        let (file, loc) = f.locations[0];
        (
            corpus.file(file).path.clone(),
            corpus.file(file).line_text(loc.line).trim().to_string(),
        )
    };
    // The endpoint is public through a variable's default: the finding is where it is used.
    assert_eq!(
        at("CLOUD-PUBLIC-API-ENDPOINT"),
        (
            "main.tf".to_string(),
            "endpoint_public_access = var.public_endpoint".to_string()
        )
    );
    assert_eq!(
        at("CLOUD-NODE-BROAD-IAM").1,
        "policy_arn = \"arn:aws:iam::aws:policy/AdministratorAccess\""
    );
    assert_eq!(
        at("CLOUD-LEGACY-AUTH").1,
        "authentication_mode = \"CONFIG_MAP\""
    );
    let node = findings
        .iter()
        .find(|f| f.rule.id == "CLOUD-NODE-BROAD-IAM")
        .unwrap();
    assert!(node.resources.contains(&"aws_eks_cluster.shop".to_string()));
}

#[test]
fn no_cloud_no_metadata_threat() {
    // The same workload with no cloud in sight: nothing says there is a metadata endpoint.
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cloud/eks/weak/app.yaml"),
        dir.path().join("app.yaml"),
    )
    .unwrap();
    let corpus = ingest(dir.path(), &Options::default());
    let arch = stridemap_architecture::build(&corpus);
    let rule = stridemap_rules::find_rule("CLOUD-METADATA-REACHABLE").unwrap();
    assert!(run(&corpus, &arch, &[rule]).is_empty());
}
