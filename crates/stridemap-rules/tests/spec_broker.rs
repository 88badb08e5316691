//! The specification's message-queue example: a Kafka broker whose `server.properties` opens a
//! PLAINTEXT listener is a Tampering threat ("Kafka Cluster Without Authentication", critical,
//! infrastructure type `kafka`, CWE-306 and CWE-287); the fixed version — a SASL_SSL listener
//! with SCRAM — produces no Tampering threat sharing those CWEs.

use std::path::{Path, PathBuf};
use stridemap_ingest::{ingest, Options};
use stridemap_model::{InfraType, Severity, Stride};
use stridemap_rules::{registry, run, Finding};

const VULNERABLE: &str = "# kafka/server.properties
# VULNERABLE: No authentication
listeners=PLAINTEXT://0.0.0.0:9092
";

const FIXED: &str = "# kafka/server.properties
listeners=SASL_SSL://0.0.0.0:9093
security.inter.broker.protocol=SASL_SSL
sasl.enabled.mechanisms=SCRAM-SHA-512
sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512
";

fn scan(name: &str, server_properties: &str) -> (Vec<Finding>, stridemap_model::Corpus) {
    let dir: PathBuf = std::env::temp_dir().join(format!(
        "stridemap-spec-broker-{}-{name}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("kafka")).unwrap();
    std::fs::write(dir.join("kafka/server.properties"), server_properties).unwrap();
    let corpus = ingest(Path::new(&dir), &Options::default());
    let arch = stridemap_architecture::build(&corpus);
    let findings = run(&corpus, &arch, registry());
    let _ = std::fs::remove_dir_all(&dir);
    (findings, corpus)
}

fn tampering_with_spec_cwes(findings: &[Finding]) -> Vec<&Finding> {
    findings
        .iter()
        .filter(|f| {
            f.rule.stride == Stride::Tampering && f.rule.cwe.iter().any(|c| *c == 306 || *c == 287)
        })
        .collect()
}

#[test]
fn plaintext_listener_is_an_unauthenticated_kafka_cluster() {
    let (findings, corpus) = scan("vulnerable", VULNERABLE);
    let hits = tampering_with_spec_cwes(&findings);
    assert!(
        !hits.is_empty(),
        "expected a Tampering threat with CWE-306/CWE-287; got {:?}",
        findings
            .iter()
            .map(|f| (f.rule.id, &f.description))
            .collect::<Vec<_>>()
    );
    let f = hits
        .iter()
        .find(|f| f.rule.id == "MQ-KAFKA-NO-AUTH")
        .expect("MQ-KAFKA-NO-AUTH fires");
    assert_eq!(f.rule.title, "Kafka Cluster Without Authentication");
    assert_eq!(f.severity, Severity::Critical);
    assert_eq!(f.infra, InfraType::Kafka);
    assert!(f.rule.cwe.contains(&306) && f.rule.cwe.contains(&287));
    let (file, loc) = f.locations[0];
    assert_eq!(corpus.file(file).path, "kafka/server.properties");
    assert_eq!(loc.line, 3, "the evidence points at the listeners line");
    assert!(f
        .resources
        .iter()
        .any(|r| r == "File/kafka/server.properties"));
    assert!(f.components.iter().any(|c| c.starts_with("Kafka cluster")));
    assert!(f.components.iter().any(|c| c == "all topics"));
    assert!(f.components.iter().any(|c| c == "all consumers"));
}

#[test]
fn sasl_ssl_with_scram_is_not() {
    let (findings, _) = scan("fixed", FIXED);
    let hits = tampering_with_spec_cwes(&findings);
    assert!(
        hits.is_empty(),
        "the fixed broker still yields {:?}",
        hits.iter()
            .map(|f| (f.rule.id, &f.description))
            .collect::<Vec<_>>()
    );
    assert!(
        !findings
            .iter()
            .any(|f| matches!(f.rule.id, "MQ-KAFKA-NO-AUTH" | "MQ-KAFKA-PLAINTEXT")),
        "no authentication or cleartext finding on SASL_SSL"
    );
}
