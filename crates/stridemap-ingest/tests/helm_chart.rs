//! Helm charts rendered by the built-in engine: what they deploy, golden rendered output, and
//! every value traced to the template file and line that produced it.

use std::path::{Path, PathBuf};
use stridemap_ingest::render::RenderOptions;
use stridemap_ingest::{ingest, Options};
use stridemap_model::{Corpus, Node};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/helm")
        .join(name)
}

fn scan(name: &str, render: RenderOptions) -> Corpus {
    ingest(
        &fixture(name),
        &Options {
            render,
            ..Options::default()
        },
    )
}

fn ids(corpus: &Corpus) -> Vec<String> {
    corpus.objects.iter().map(|o| o.qualified_id()).collect()
}

/// The file, line and snippet reported for a node of an object.
fn at(corpus: &Corpus, object: &str, path: &[&str]) -> (String, u32, String) {
    let o = corpus
        .objects
        .iter()
        .find(|o| o.resource_id() == object)
        .unwrap_or_else(|| panic!("{object} not rendered"));
    let mut node: &Node = &o.root;
    for key in path {
        node = match key.parse::<usize>() {
            Ok(i) => &node.as_seq()[i],
            Err(_) => node.get(key).unwrap_or_else(|| panic!("{key} missing")),
        };
    }
    let e = corpus.evidence(o.file, node.loc);
    (e.file, e.line, e.snippet)
}

const CONTAINER: [&str; 6] = [
    "spec",
    "template",
    "spec",
    "containers",
    "0",
    "securityContext",
];

#[test]
fn chart_renders_with_subchart() {
    let corpus = scan("chart-shop", RenderOptions::default());
    assert_eq!(
        ids(&corpus),
        [
            "ConfigMap//release-name-shop-config",
            "Deployment//release-name-shop",
            "Service//release-name-shop",
            "ServiceAccount//release-name-shop",
            "Deployment//cache",
        ]
    );
    assert!(corpus.diagnostics.is_empty(), "{:?}", corpus.diagnostics);
    // `.Files.Get`, `.Files.Glob … AsConfig`, `.Capabilities`, `.Template.Name`, `lookup`.
    let config = &corpus.objects[0];
    let data = config.root.get("data").unwrap();
    assert_eq!(
        data.get("app.conf").and_then(Node::as_str),
        Some("log_level = info\nworkers = 4\n")
    );
    assert_eq!(
        data.get("db.env").and_then(Node::as_str),
        Some("DB_POOL=10\n")
    );
    let annotations = config.root.path(&["metadata", "annotations"]).unwrap();
    assert_eq!(
        annotations.get("source").and_then(Node::as_str),
        Some("shop/templates/configmap.yaml")
    );
    assert_eq!(
        annotations.get("kube").and_then(Node::as_str),
        Some("v1.29.0")
    );
    assert_eq!(
        annotations.get("existing-secret").and_then(Node::as_str),
        Some("absent")
    );
    let generated = corpus.files.iter().find(|f| f.origins.is_some()).unwrap();
    assert_eq!(generated.path, ".");
    insta::assert_snapshot!("chart_shop_rendered", generated.text);
}

#[test]
fn findings_point_at_the_template_line() {
    let corpus = scan("chart-shop", RenderOptions::default());
    let dep = "Deployment/release-name-shop";
    let tpl = "templates/deployment.yaml";
    // A value written into the template line.
    let privileged: Vec<&str> = CONTAINER.iter().copied().chain(["privileged"]).collect();
    assert_eq!(
        at(&corpus, dep, &privileged),
        (tpl.into(), 29, "privileged: true".into())
    );
    // Lines produced by `toYaml | nindent` point at that action.
    let escalation: Vec<&str> = CONTAINER
        .iter()
        .copied()
        .chain(["allowPrivilegeEscalation"])
        .collect();
    assert_eq!(
        at(&corpus, dep, &escalation),
        (tpl.into(), 31, "allowPrivilegeEscalation: true".into())
    );
    // A line of a `range` body, once per item.
    assert_eq!(
        at(
            &corpus,
            dep,
            &[
                "spec",
                "template",
                "spec",
                "containers",
                "0",
                "env",
                "1",
                "value"
            ]
        ),
        (tpl.into(), 26, "value: \"info\"".into())
    );
    // An `include` of a named template with `nindent`.
    assert_eq!(
        at(&corpus, dep, &["metadata", "labels", "team"]),
        (tpl.into(), 6, "team: shop".into())
    );
    // `default` falls back to the chart's appVersion.
    assert_eq!(
        at(
            &corpus,
            dep,
            &["spec", "template", "spec", "containers", "0", "image"]
        ),
        (
            tpl.into(),
            20,
            "image: \"registry.example.com/shop/api:1.4.2\"".into()
        )
    );
    // A subchart's template, with the parent's values under the subchart's name.
    assert_eq!(
        at(
            &corpus,
            "Deployment/cache",
            &["spec", "template", "spec", "containers", "0", "image"]
        ),
        (
            "charts/cache/templates/deployment.yaml".into(),
            18,
            "image: redis:7.2".into()
        )
    );
    assert_eq!(
        at(&corpus, "Deployment/cache", &["metadata", "labels", "team"]).2,
        "team: shop"
    );
}

#[test]
fn values_files_and_set_override_defaults() {
    let dir = tempfile::tempdir().unwrap();
    let values = dir.path().join("prod.yaml");
    std::fs::write(&values, "replicas: 5\nservice:\n  type: ClusterIP\n").unwrap();
    let corpus = scan(
        "chart-shop",
        RenderOptions {
            helm_values: vec![values],
            helm_set: vec![
                "privileged=false,cache.enabled=false".into(),
                "image.tag=2.0".into(),
            ],
            ..RenderOptions::default()
        },
    );
    assert_eq!(
        ids(&corpus),
        [
            "ConfigMap//release-name-shop-config",
            "Deployment//release-name-shop",
            "Service//release-name-shop",
            "ServiceAccount//release-name-shop",
        ]
    );
    let dep = "Deployment/release-name-shop";
    let privileged: Vec<&str> = CONTAINER.iter().copied().chain(["privileged"]).collect();
    assert_eq!(at(&corpus, dep, &privileged).2, "privileged: false");
    assert_eq!(at(&corpus, dep, &["spec", "replicas"]).2, "replicas: 5");
    assert_eq!(
        at(&corpus, "Service/release-name-shop", &["spec", "type"]).2,
        "type: ClusterIP"
    );
    assert_eq!(
        at(
            &corpus,
            dep,
            &["spec", "template", "spec", "containers", "0", "image"]
        )
        .2,
        "image: \"registry.example.com/shop/api:2.0\""
    );
}

#[test]
fn failing_templates_are_diagnostics_at_their_line_and_the_rest_renders() {
    let corpus = scan("chart-broken", RenderOptions::default());
    assert_eq!(ids(&corpus), ["ConfigMap//ok"]);
    let found: Vec<(String, Option<u32>, bool)> = corpus
        .diagnostics
        .iter()
        .map(|d| (d.file.clone(), d.line, d.code == "helm-render"))
        .collect();
    assert_eq!(
        found,
        [
            ("templates/bad.yaml".to_string(), Some(6), true),
            ("templates/notyaml.yaml".to_string(), Some(6), true),
            ("templates/unclosed.yaml".to_string(), Some(5), true),
        ]
    );
    let bad = &corpus.diagnostics[0];
    assert!(bad.message.contains("token must be set"), "{}", bad.message);
}

#[test]
fn helm_binary_missing_is_said_clearly() {
    if std::process::Command::new("helm")
        .arg("version")
        .output()
        .is_ok()
    {
        return; // helm is installed here: nothing to check about its absence.
    }
    let corpus = scan(
        "chart-shop",
        RenderOptions {
            helm_binary: true,
            ..RenderOptions::default()
        },
    );
    assert!(corpus.objects.is_empty());
    let d = &corpus.diagnostics[0];
    assert_eq!(d.code, "helm-render");
    assert!(
        d.message.contains("`helm` is not installed"),
        "{}",
        d.message
    );
}

#[test]
fn rendering_off_reads_no_template() {
    let corpus = scan(
        "chart-shop",
        RenderOptions {
            disabled: true,
            ..RenderOptions::default()
        },
    );
    assert!(corpus.objects.is_empty());
    assert_eq!(corpus.diagnostics[0].code, "helm-not-rendered");
}

#[test]
fn global_values_exist_even_when_unset_and_a_chart_needs_no_values_file() {
    let corpus = scan("chart-global", RenderOptions::default());
    assert_eq!(ids(&corpus), ["ConfigMap//plain-config"]);
    assert!(corpus.diagnostics.is_empty(), "{:?}", corpus.diagnostics);
}
