//! What the fuzz targets (`fuzz/`, run with `scripts/fuzz`) do with their input, kept here so
//! that the inputs that once crashed replay in the ordinary test suite
//! (`crates/stridemap-cli/tests/fuzz_regressions.rs`).
//!
//! Each function takes arbitrary bytes and must return without panicking, hanging or exhausting
//! memory, whatever the bytes are.

use stridemap_ingest::{parse_file, Options};
use stridemap_model::corpus::{FileKind, Language};
use stridemap_report::Format;

/// The targets, by name: the name of the fuzz target and of its regression directory.
pub const TARGETS: &[(&str, fn(&[u8]))] = &[
    ("yaml", yaml),
    ("compose", compose),
    ("dockerfile", dockerfile),
    ("properties", properties),
    ("nginx", nginx),
    ("code", code),
    ("helm", helm),
    ("terraform", terraform),
    ("scan", scan),
];

fn options() -> Options {
    contain_third_party_panics();
    Options::default()
}

/// libFuzzer's panic hook aborts on every panic, even one that is caught. The lenient YAML
/// parser's panics are caught by design (`stridemap_ingest::yaml::in_contained_parser`), so the
/// hook is told to let those pass; every other panic still aborts.
fn contain_third_party_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !stridemap_ingest::yaml::in_contained_parser() {
                previous(info)
            }
        }));
    });
}

/// Splits off the first byte as a selector among `n` choices.
fn select(data: &[u8], n: usize) -> (usize, &[u8]) {
    match data.split_first() {
        Some((first, rest)) => (*first as usize % n, rest),
        None => (0, data),
    }
}

/// YAML and JSON documents to Kubernetes objects (with NGINX configurations embedded in
/// ConfigMaps) and other documents such as Kong's declarative configuration; the first byte
/// picks the file name, which decides the classification.
pub fn yaml(data: &[u8]) {
    const NAMES: [&str; 4] = ["deploy.yaml", "kong.yml", "values.json", "istio.yaml"];
    let (i, rest) = select(data, NAMES.len());
    parse_file(
        NAMES[i],
        NAMES[i],
        FileKind::Yaml,
        rest.to_vec(),
        &options(),
    );
}

/// Compose files (a name that makes `services:` a Compose project).
pub fn compose(data: &[u8]) {
    parse_file(
        "docker-compose.yml",
        "docker-compose.yml",
        FileKind::Yaml,
        data.to_vec(),
        &options(),
    );
}

pub fn dockerfile(data: &[u8]) {
    parse_file(
        "Dockerfile",
        "Dockerfile",
        FileKind::Dockerfile,
        data.to_vec(),
        &options(),
    );
}

pub fn properties(data: &[u8]) {
    parse_file(
        "application.properties",
        "application.properties",
        FileKind::Properties,
        data.to_vec(),
        &options(),
    );
}

pub fn nginx(data: &[u8]) {
    parse_file(
        "nginx.conf",
        "nginx.conf",
        FileKind::Nginx,
        data.to_vec(),
        &options(),
    );
}

/// Source-code extraction; the first byte picks the language (and the TSX grammar).
pub fn code(data: &[u8]) {
    const FILES: [(&str, Language); 6] = [
        ("app.py", Language::Python),
        ("app.js", Language::JavaScript),
        ("app.ts", Language::TypeScript),
        ("app.tsx", Language::TypeScript),
        ("main.go", Language::Go),
        ("App.java", Language::Java),
    ];
    let (i, rest) = select(data, FILES.len());
    let (name, language) = FILES[i];
    parse_file(
        name,
        name,
        FileKind::Source(language),
        rest.to_vec(),
        &options(),
    );
}

/// Terraform (HCL) files, as the EKS/GKE/AKS rules read them.
pub fn terraform(data: &[u8]) {
    parse_file(
        "main.tf",
        "main.tf",
        FileKind::Terraform,
        data.to_vec(),
        &options(),
    );
}

/// The built-in Helm template engine: parsing, execution and the template functions. Bytes
/// before a NUL are the chart's values (YAML), the rest is the template; without a NUL the
/// whole input is the template, rendered with a few fixed values.
pub fn helm(data: &[u8]) {
    use std::collections::BTreeMap;
    use stridemap_ingest::helm::{render_text, value::V};
    use stridemap_ingest::yaml::{parse_documents, YamlLimits};
    contain_third_party_panics();
    let (values, template) = match data.iter().position(|b| *b == 0) {
        Some(at) => (&data[..at], &data[at + 1..]),
        None => (
            &b"name: shop\nreplicas: 2\nimage: {repository: shop, tag: \"1.0\"}\nports: [80, 443]\nenv: {A: b}\n"[..],
            data,
        ),
    };
    let values = String::from_utf8_lossy(values);
    let (docs, _) = parse_documents(&values, YamlLimits::default());
    let values = docs.first().map_or(V::Nil, |(_, node)| V::from_node(node));
    let dot = V::Map(BTreeMap::from([
        ("Values".to_string(), values),
        (
            "Release".to_string(),
            V::Map(BTreeMap::from([
                ("Name".to_string(), V::str("release-name")),
                ("Namespace".to_string(), V::str("default")),
            ])),
        ),
    ]));
    let _ = render_text(
        "chart/templates/t.yaml",
        &String::from_utf8_lossy(template),
        &dot,
    );
}

/// The whole scan of a small tree held in memory (see [`stridemap_ingest::tree`] for the
/// format), rendered in every format.
pub fn scan(data: &[u8]) {
    let report = scan_files(&stridemap_ingest::tree::split(data), &options());
    for format in Format::ALL {
        format.render(&report, false);
    }
}

/// The report of files held in memory (`(path, contents)`), with every rule and the inline
/// suppressions the files carry, as a scan of a directory of them would give it.
pub fn scan_files(files: &[(String, Vec<u8>)], options: &Options) -> stridemap_model::Report {
    let corpus = stridemap_ingest::ingest_files(files, options);
    let arch = stridemap_architecture::build(&corpus);
    let findings = stridemap_rules::run(&corpus, &arch, stridemap_rules::registry());
    let suppressions = stridemap_report::suppress::Suppressions::collect(&corpus, &|id| {
        match stridemap_rules::find_rule(id) {
            Some(_) => Ok(()),
            None => Err(format!("unknown rule {id}")),
        }
    });
    stridemap_report::assemble_with(
        &corpus,
        &arch,
        findings,
        ".",
        stridemap_report::AssembleOptions {
            suppressions: Some(suppressions),
            report_unused_suppressions: true,
            baseline: None,
            rules_run: None,
        },
    )
}
