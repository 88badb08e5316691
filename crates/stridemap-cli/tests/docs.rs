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
