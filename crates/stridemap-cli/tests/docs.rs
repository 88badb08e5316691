//! docs/rules.md is generated from the rule declarations; this fails when it is stale.

use std::path::Path;

#[test]
fn rules_reference_is_up_to_date() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/rules.md");
    let generated = stridemap_report::rules_doc::rules_markdown(stridemap_rules::registry());
    if std::env::var_os("STRIDEMAP_UPDATE_DOCS").is_some() {
        std::fs::write(&path, &generated).expect("write docs/rules.md");
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "docs/rules.md is stale: regenerate it with `cargo run -- rules --format markdown > docs/rules.md` \
         (or STRIDEMAP_UPDATE_DOCS=1 cargo test -p stridemap-cli --test docs)"
    );
}

#[test]
fn readme_diagram_is_up_to_date() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let readme = std::fs::read_to_string(root.join("README.md")).expect("README.md");
    let start = readme
        .find("```mermaid\n")
        .expect("README has the example's diagram")
        + "```mermaid\n".len();
    let end = start
        + readme[start..]
            .find("```\n<!-- end of generated diagram -->")
            .expect("diagram end marker");
    let arch = stridemap::model(
        &root.join("examples/shop"),
        &stridemap_ingest::Options::default(),
    );
    let generated = stridemap_report::graph::mermaid(&arch);
    assert!(
        readme[start..end] == generated,
        "README.md's diagram is stale: replace it with the output of `cargo run -- graph examples/shop`"
    );
}
