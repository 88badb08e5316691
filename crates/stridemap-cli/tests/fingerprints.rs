//! Property test: a threat's fingerprint survives edits that do not touch it — comments and
//! documents added before or after it, other files added to the tree — while its line moves.

use proptest::prelude::*;
use std::collections::BTreeSet;
use stridemap::fuzz::scan_files;
use stridemap_ingest::Options;

const POD: &str = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: agent\n  namespace: ops\nspec:\n  hostNetwork: true\n  containers:\n    - name: agent\n      image: registry.example.com/agent:latest\n      securityContext:\n        privileged: true\n        runAsUser: 0\n";
const COMPOSE: &str = "services:\n  api:\n    image: registry.example.com/api:1.0.0\n    privileged: true\n    ports:\n      - \"8080:8080\"\n";
const DOCKERFILE: &str = "FROM python:3.12\nRUN pip install flask\nCMD [\"python\", \"app.py\"]\n";

fn unrelated_document() -> impl Strategy<Value = String> {
    ("[a-z]{1,8}", "[a-z0-9 ]{0,12}").prop_map(|(name, value)| {
        format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-{name}\ndata:\n  note: \"{value}\"\n")
    })
}

fn comments() -> impl Strategy<Value = String> {
    proptest::collection::vec("[a-zA-Z0-9 ]{0,20}", 0..5)
        .prop_map(|lines| lines.iter().map(|l| format!("#{l}\n")).collect())
}

/// (rule, fingerprint) of every threat, and the lines of the pod's threats.
fn fingerprints(files: Vec<(String, Vec<u8>)>) -> (BTreeSet<(String, String)>, BTreeSet<u32>) {
    let report = scan_files(&files, &Options::default());
    let prints = report
        .threats
        .iter()
        .map(|t| (t.rule.to_string(), t.fingerprint.clone()))
        .collect();
    let lines = report
        .threats
        .iter()
        .filter(|t| t.evidence[0].file == "k8s/pod.yaml")
        .map(|t| t.evidence[0].line)
        .collect();
    (prints, lines)
}

fn base() -> Vec<(String, Vec<u8>)> {
    vec![
        ("k8s/pod.yaml".into(), POD.into()),
        ("docker-compose.yml".into(), COMPOSE.into()),
        ("svc/Dockerfile".into(), DOCKERFILE.into()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn fingerprints_survive_unrelated_edits(
        head in comments(),
        before in proptest::collection::vec(unrelated_document(), 0..3),
        after in proptest::collection::vec(unrelated_document(), 0..3),
        compose_head in comments(),
        extra in proptest::option::of(unrelated_document()),
    ) {
        let (original, original_lines) = fingerprints(base());
        prop_assert!(original.len() >= 5, "too few threats to prove anything: {original:?}");

        let mut pod = head.clone();
        for d in &before {
            pod.push_str(d);
            pod.push_str("---\n");
        }
        pod.push_str(POD);
        for d in &after {
            pod.push_str("---\n");
            pod.push_str(d);
        }
        let mut files = vec![
            ("k8s/pod.yaml".to_string(), pod.into_bytes()),
            ("docker-compose.yml".to_string(), format!("{compose_head}{COMPOSE}").into_bytes()),
            ("svc/Dockerfile".to_string(), DOCKERFILE.as_bytes().to_vec()),
        ];
        if let Some(doc) = extra {
            files.push(("k8s/extra.yaml".to_string(), doc.into_bytes()));
        }
        let (edited, edited_lines) = fingerprints(files);
        let moved = head.lines().count() + before.iter().map(|d| d.lines().count() + 1).sum::<usize>();
        if moved > 0 {
            prop_assert_ne!(&original_lines, &edited_lines, "the lines did move");
        }
        // Unrelated ConfigMaps may add threats of their own, never change the pod's.
        prop_assert!(original.is_subset(&edited), "lost: {:?}", original.difference(&edited).collect::<Vec<_>>());
    }

    #[test]
    fn fingerprints_are_stable_across_runs(seed in 0u8..4) {
        let mut files = base();
        let n = files.len();
        files.rotate_left(seed as usize % n);
        prop_assert_eq!(fingerprints(files).0, fingerprints(base()).0);
    }
}
