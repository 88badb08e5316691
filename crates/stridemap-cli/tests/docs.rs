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

/// The attack path README.md shows is one the shipped example really produces.
#[test]
fn readme_attack_path_is_current() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let readme = std::fs::read_to_string(root.join("README.md")).expect("README.md");
    let section = &readme[readme
        .find("## Attack paths and STRIDE per element")
        .expect("README has the attack-path section")..];
    let start = section.find("```\n").expect("example block") + 4;
    let end = start + section[start..].find("```").expect("block end");
    let example: Vec<&str> = section[start..end].lines().map(str::trim).collect();
    assert!(
        example.len() >= 2,
        "the README example has a path and its steps"
    );
    let report = stridemap::scan(
        &root.join("examples/shop"),
        &stridemap_ingest::Options::default(),
    );
    let text = stridemap_report::text::render(&report, false);
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    let found = lines
        .windows(example.len())
        .any(|window| window == example.as_slice());
    assert!(
        found,
        "README.md's attack path is not in `cargo run -- scan examples/shop` any more: replace it"
    );
}

/// The configuration README.md shows is one stridemap accepts.
#[test]
fn readme_configuration_is_valid() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let readme = std::fs::read_to_string(root.join("README.md")).expect("README.md");
    let start = readme
        .find("```toml\n")
        .expect("README shows a configuration")
        + "```toml\n".len();
    let end = start + readme[start..].find("```").expect("block end");
    stridemap::config::Config::parse(Path::new("README.md"), &readme[start..end])
        .unwrap_or_else(|e| panic!("README.md's configuration is rejected: {e}"));
}
