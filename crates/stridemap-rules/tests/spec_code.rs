//! The specification's code-level example (example 9, deserialization on queue messages):
//! the vulnerable consumer yields a Tampering threat with CWE-502, and the fixed consumer
//! (JSON with schema validation) yields no Tampering threat with CWE-502 (all rules run).

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use stridemap_ingest::{ingest, Options};
use stridemap_model::{Group, Severity, Stride};
use stridemap_rules::{registry, run, Finding};

/// Tests run in parallel: every scan gets its own directory.
static NEXT: AtomicUsize = AtomicUsize::new(0);

fn scan(name: &str, files: &[(&str, &str)]) -> Vec<Finding> {
    let dir: PathBuf = std::env::temp_dir().join(format!(
        "stridemap-spec-code-{}-{name}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    for (path, text) in files {
        let p = dir.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    let corpus = ingest(&dir, &Options::default());
    let arch = stridemap_architecture::build(&corpus);
    let findings = run(&corpus, &arch, registry());
    let _ = std::fs::remove_dir_all(&dir);
    findings
}

fn tampering_502(findings: &[Finding]) -> Vec<&Finding> {
    findings
        .iter()
        .filter(|f| f.rule.stride == Stride::Tampering && f.rule.cwe.contains(&502))
        .collect()
}

fn describe(findings: &[&Finding]) -> Vec<String> {
    findings
        .iter()
        .map(|f| format!("{} {}", f.rule.id, f.description))
        .collect()
}

/// Example 9, verbatim.
const VULNERABLE: &str = r#"# consumer.py
import pickle

def process_message(message):
    # VULNERABLE: Deserializing untrusted data
    task = pickle.loads(message.value)
    task.execute()
"#;

/// The same consumer exchanging JSON checked against a schema.
const FIXED: &str = r#"# consumer.py
import json

import jsonschema

TASK_SCHEMA = {"type": "object", "required": ["kind", "args"]}


def process_message(message):
    task = json.loads(message.value)
    jsonschema.validate(task, TASK_SCHEMA)
    run_task(task["kind"], task["args"])
"#;

#[test]
fn example_9_pickle_on_queue_messages() {
    let vulnerable = scan("ex9-vulnerable", &[("consumer.py", VULNERABLE)]);
    let hits = tampering_502(&vulnerable);
    let hit = hits
        .iter()
        .find(|f| f.rule.id == "CODE-UNSAFE-DESERIALIZATION")
        .unwrap_or_else(|| panic!("no CWE-502 tampering threat: {:?}", describe(&hits)));
    assert_eq!(hit.rule.group, Group::MessageQueue);
    assert_eq!(hit.severity, Severity::Critical);
    assert!(
        hit.description.contains("pickle.loads"),
        "{}",
        hit.description
    );

    let fixed = scan("ex9-fixed", &[("consumer.py", FIXED)]);
    let left = tampering_502(&fixed);
    assert!(
        left.is_empty(),
        "fixed version still has: {:?}",
        describe(&left)
    );
}

/// The same example fed by a visible Kafka consumer through a helper function.
#[test]
fn example_9_through_a_helper_and_a_consumer_loop() {
    let src = r#"import pickle
from kafka import KafkaConsumer


def decode_task(raw):
    return pickle.loads(raw)


def consume_refunds():
    consumer = KafkaConsumer("payments.refunds", bootstrap_servers="kafka:9092")
    for message in consumer:
        decode_task(message.value).execute()
"#;
    let findings = scan("ex9-helper", &[("worker/consumer.py", src)]);
    let hit = tampering_502(&findings)
        .into_iter()
        .find(|f| f.rule.id == "CODE-UNSAFE-DESERIALIZATION")
        .expect("deserialization threat");
    assert!(
        hit.description.contains("payments.refunds")
            && hit
                .description
                .contains("consume_refunds → decode_task → pickle.loads"),
        "{}",
        hit.description
    );
}
