//! The HTML report: self-contained, deterministic, escaped, and drawing every node.

use std::path::Path;
use stridemap_model::Report;

fn report_of(root: &Path, target: &str) -> Report {
    let corpus = stridemap_ingest::ingest(root, &stridemap_ingest::Options::default());
    let arch = stridemap_architecture::build(&corpus);
    let findings = stridemap_rules::run(&corpus, &arch, stridemap_rules::registry());
    stridemap_report::assemble(&corpus, &arch, findings, target)
}

fn example() -> Report {
    report_of(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/shop"),
        "examples/shop",
    )
}

#[test]
fn example_page_is_complete_self_contained_and_deterministic() {
    let report = example();
    let html = stridemap_report::html::render(&report);
    assert_eq!(html, stridemap_report::html::render(&report), "same bytes");
    assert!(html.starts_with("<!DOCTYPE html>") && html.trim_end().ends_with("</html>"));
    // Nothing is fetched: no external scripts, styles, images or fonts.
    for fetch in ["src=\"http", "href=\"http", "url(http", "@import", "<link "] {
        assert!(!html.contains(fetch), "the page fetches something: {fetch}");
    }
    let a = &report.architecture;
    let nodes =
        a.services.len() + a.data_stores.len() + a.message_brokers.len() + a.entry_points.len();
    assert_eq!(
        html.matches("<g class=\"node ").count(),
        nodes,
        "every node drawn once"
    );
    assert!(
        html.contains("<g class=\"cluster\" data-cluster=\"ns_shop\">"),
        "boundaries drawn"
    );
    let weak = a
        .flows
        .iter()
        .filter(|f| {
            !a.entry_points.iter().any(|e| e.id == f.from) && (!f.encrypted || !f.authenticated)
        })
        .count();
    assert!(weak > 0);
    assert_eq!(
        html.matches("class=\"flow weak").count(),
        weak,
        "insecure flows highlighted"
    );
    assert_eq!(
        html.matches("<tr class=\"threat\"").count(),
        report.threats.len()
    );
    for p in &report.attack_paths {
        assert!(
            html.contains(&format!("id=\"{}\"", p.id)),
            "{} listed",
            p.id
        );
    }
    assert!(html.contains("Diagram laid out by layout-rs"));
    assert!(html.contains("@media print"));
}

#[test]
fn names_from_the_repository_are_escaped() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("docker-compose.yml"),
        "services:\n  \"web<img src=x onerror=alert(1)>\":\n    image: nginx:latest\n    privileged: true\n    ports:\n      - \"80:80\"\n",
    )
    .unwrap();
    let report = report_of(dir.path(), "<script>alert(2)</script>");
    assert!(!report.threats.is_empty());
    let html = stridemap_report::html::render(&report);
    assert!(
        !html.contains("<img src=x"),
        "markup from a service name reached the page"
    );
    assert!(
        !html.contains("<script>alert(2)"),
        "markup from the target reached the page"
    );
    assert!(html.contains("web&lt;img src=x onerror=alert(1)&gt;"));
}
