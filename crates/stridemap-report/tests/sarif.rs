//! The SARIF of the shipped example: valid against the official SARIF 2.1.0 schema, and shaped
//! the way GitHub code scanning reads it.

use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;
use stridemap_model::Report;

fn example_report() -> Report {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/shop");
    let corpus = stridemap_ingest::ingest(&root, &stridemap_ingest::Options::default());
    let arch = stridemap_architecture::build(&corpus);
    let findings = stridemap_rules::run(&corpus, &arch, stridemap_rules::registry());
    stridemap_report::assemble(&corpus, &arch, findings, "examples/shop")
}

fn schema() -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/schema/sarif-schema-2.1.0.json");
    serde_json::from_str(&std::fs::read_to_string(path).expect("schema file")).expect("schema JSON")
}

#[test]
fn example_sarif_is_valid_and_github_shaped() {
    let report = example_report();
    assert!(
        report.threats.len() > 10,
        "the example has threats to report"
    );
    let text = stridemap_report::sarif::render(&report);
    let sarif: Value = serde_json::from_str(&text).expect("SARIF is JSON");

    let validator = jsonschema::draft4::new(&schema()).expect("the schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(&sarif)
        .take(20)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "SARIF violates the schema:\n{}",
        errors.join("\n")
    );

    let run = &sarif["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), report.threats.len(), "one result per threat");
    let used: BTreeSet<&str> = report.threats.iter().map(|t| t.rule).collect();
    let described: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(
        described,
        used.iter().copied().collect::<Vec<_>>(),
        "one descriptor per rule with results"
    );
    for rule in rules {
        let tags: Vec<&str> = rule["properties"]["tags"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t.as_str().unwrap())
            .collect();
        assert!(tags.contains(&"security"), "{tags:?}");
        assert!(tags.iter().any(|t| t.starts_with("CWE-")), "{tags:?}");
        assert!(
            tags.iter().any(|t| t.starts_with("external/cwe/cwe-")),
            "{tags:?}"
        );
        let severity: f64 = rule["properties"]["security-severity"]
            .as_str()
            .expect("security-severity is a string")
            .parse()
            .expect("holding a number");
        assert!((0.0..=10.0).contains(&severity));
        assert!(rule["help"]["markdown"]
            .as_str()
            .unwrap()
            .contains("## Why is this bad?"));
        assert!(!rule["fullDescription"]["text"].as_str().unwrap().is_empty());
    }
    for (result, threat) in results.iter().zip(&report.threats) {
        assert_eq!(result["ruleId"], threat.rule);
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], threat.rule);
        assert_eq!(
            result["partialFingerprints"]["stridemapFingerprint/v1"],
            threat.fingerprint.as_str()
        );
        let location = &result["locations"][0]["physicalLocation"];
        assert_eq!(location["artifactLocation"]["uriBaseId"], "%SRCROOT%");
        let uri = location["artifactLocation"]["uri"].as_str().unwrap();
        assert!(
            !uri.starts_with('/') && !uri.contains(':'),
            "relative: {uri}"
        );
        assert_eq!(location["region"]["startLine"], threat.evidence[0].line);
        assert_eq!(location["region"]["startColumn"], threat.evidence[0].column);
        let related = result["relatedLocations"].as_array().map_or(0, Vec::len);
        assert_eq!(related, threat.evidence.len() - 1, "{}", threat.id);
    }
    // Multi-file findings (a flow's two ends) point at both files.
    assert!(
        results.iter().any(|r| {
            let first = &r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"];
            r["relatedLocations"].as_array().is_some_and(|rel| {
                rel.iter()
                    .any(|l| &l["physicalLocation"]["artifactLocation"]["uri"] != first)
            })
        }),
        "some result relates evidence in another file"
    );
    assert_eq!(
        text,
        stridemap_report::sarif::render(&report),
        "deterministic"
    );
}

#[test]
fn the_schema_rejects_what_it_should() {
    // A check that the validator really applies the schema: a log without `runs` is invalid.
    let validator = jsonschema::draft4::new(&schema()).expect("the schema compiles");
    let broken = serde_json::json!({ "version": "2.1.0" });
    assert!(!validator.is_valid(&broken));
    let wrong_level = serde_json::json!({
        "version": "2.1.0",
        "runs": [{ "tool": { "driver": { "name": "x" } }, "results": [
            { "message": { "text": "m" }, "level": "fatal" }
        ]}]
    });
    assert!(!validator.is_valid(&wrong_level));
}
