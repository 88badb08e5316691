//! Correlation names rules by id; every one it names must be a registered rule.

#[test]
fn correlation_names_only_registered_rules() {
    let registered: std::collections::BTreeSet<&str> = stridemap_rules::registry()
        .iter()
        .map(|rule| rule.meta().id)
        .collect();
    let unknown: Vec<&str> = stridemap_paths::referenced_rule_ids()
        .into_iter()
        .filter(|id| !registered.contains(id))
        .collect();
    assert!(
        unknown.is_empty(),
        "correlation names unknown rules: {unknown:?}"
    );
}
