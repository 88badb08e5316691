//! The command line, end to end: what goes to stdout and stderr, formats, determinism, and a
//! scan that survives broken input.

use assert_cmd::Command;
use serde_json::Value;
use std::fs;
use std::path::Path;

fn stridemap() -> Command {
    Command::cargo_bin("stridemap").expect("binary built")
}

fn write(dir: &Path, rel: &str, content: &[u8]) {
    let path = dir.join(rel);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, content).unwrap();
}

const PRIVILEGED_POD: &str = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: agent\nspec:\n  containers:\n    - name: agent\n      image: registry.example.com/agent:1.0.0\n      securityContext:\n        privileged: true\n";

fn json_scan(args: &[&str]) -> (Value, String) {
    let out = stridemap()
        .arg("scan")
        .args(args)
        .args(["--format", "json"])
        .output()
        .unwrap();
    // 1 only says that threats were found.
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "scan failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (
        serde_json::from_slice(&out.stdout).expect("stdout is only JSON"),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn broken_files_become_diagnostics_and_the_scan_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "k8s/agent.yaml", PRIVILEGED_POD.as_bytes());
    write(
        dir.path(),
        "k8s/broken.yaml",
        b"apiVersion: v1\nkind: Pod\nmetadata:\n  name: [unclosed\nspec: {}\n",
    );
    write(dir.path(), "k8s/binary.yaml", b"\x00\x01\x02\x03binary\x00");
    write(dir.path(), "k8s/unreadable.yaml", PRIVILEGED_POD.as_bytes());
    let unreadable = dir.path().join("k8s/unreadable.yaml");
    let mut perms = fs::metadata(&unreadable).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o000);
    fs::set_permissions(&unreadable, perms).unwrap();
    // Root reads anything: only check the unreadable case when permissions bite.
    let unreadable_bites = fs::read(&unreadable).is_err();

    let (report, stderr) = json_scan(&[dir.path().to_str().unwrap()]);
    let diags = report["diagnostics"].as_array().unwrap();
    let find = |file: &str| diags.iter().find(|d| d["file"] == file).cloned();
    let broken = find("k8s/broken.yaml").expect("diagnostic for invalid YAML");
    assert_eq!(broken["code"], "yaml-syntax");
    assert!(broken["line"].as_u64().unwrap() >= 4, "{broken}");
    assert_eq!(
        find("k8s/binary.yaml").expect("diagnostic for binary file")["code"],
        "binary-file"
    );
    if unreadable_bites {
        assert_eq!(
            find("k8s/unreadable.yaml").expect("diagnostic for unreadable file")["code"],
            "unreadable"
        );
    }
    assert!(
        stderr.contains("k8s/broken.yaml:"),
        "diagnostics go to stderr: {stderr}"
    );
    let rules: Vec<&str> = report["threats"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["rule"].as_str().unwrap())
        .collect();
    assert!(
        rules.contains(&"CTR-PRIVILEGED"),
        "the rest of the scan still reports: {rules:?}"
    );
}

#[test]
fn json_is_byte_identical_across_runs() {
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let run = || {
        stridemap()
            .args(["scan", examples.to_str().unwrap(), "--format", "json", "-q"])
            .output()
            .unwrap()
            .stdout
    };
    let first = run();
    assert!(!first.is_empty());
    for jobs in ["1", "2"] {
        let again = stridemap()
            .args([
                "scan",
                examples.to_str().unwrap(),
                "--format",
                "json",
                "-q",
                "-j",
                jobs,
            ])
            .output()
            .unwrap()
            .stdout;
        assert!(first == again, "output differs with -j {jobs}");
    }
    assert_eq!(first, run());
}

#[test]
fn single_file_evidence_uses_the_file_name() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "deep/nested/agent.yaml",
        PRIVILEGED_POD.as_bytes(),
    );
    let (report, _) = json_scan(&[dir.path().join("deep/nested/agent.yaml").to_str().unwrap()]);
    let t = &report["threats"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["rule"] == "CTR-PRIVILEGED")
        .unwrap()["evidence"][0];
    assert_eq!(t["file"], "agent.yaml");
    assert_eq!(t["line"], 10);
}

#[test]
fn report_contract_fields() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "agent.yaml", PRIVILEGED_POD.as_bytes());
    let (report, _) = json_scan(&[dir.path().to_str().unwrap()]);
    for key in [
        "tool",
        "target",
        "architecture",
        "threats",
        "attack_paths",
        "summary",
        "diagnostics",
    ] {
        assert!(report.get(key).is_some(), "missing top-level `{key}`");
    }
    assert_eq!(report["tool"]["name"], "stridemap");
    let t = &report["threats"][0];
    for key in [
        "id",
        "category",
        "title",
        "description",
        "severity",
        "affected_components",
        "attack_scenario",
        "infrastructure_type",
        "affected_resources",
        "vulnerability_types",
        "mitigation",
        "rule",
        "group",
        "evidence",
        "fingerprint",
    ] {
        assert!(t.get(key).is_some(), "threat lacks `{key}`");
    }
    assert_eq!(t["id"], "THREAT-001");
    assert_eq!(t["category"], "Elevation of Privilege");
    assert_eq!(t["affected_resources"][0], "Pod/agent");
    assert_eq!(
        report["summary"]["by_severity"]["critical"]
            .as_u64()
            .unwrap()
            >= 1,
        true
    );
}

#[test]
fn exclude_and_ignore_files_are_honoured() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "keep/agent.yaml", PRIVILEGED_POD.as_bytes());
    write(dir.path(), "vendor/agent.yaml", PRIVILEGED_POD.as_bytes());
    write(
        dir.path(),
        "generated/agent.yaml",
        PRIVILEGED_POD.as_bytes(),
    );
    write(dir.path(), ".gitignore", b"generated/\n");
    let files = |args: &[&str]| -> Vec<String> {
        let mut all = vec![dir.path().to_str().unwrap()];
        all.extend_from_slice(args);
        let (report, _) = json_scan(&all);
        let mut f: Vec<String> = report["threats"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["evidence"][0]["file"].as_str().unwrap().to_string())
            .collect();
        f.sort();
        f.dedup();
        f
    };
    assert_eq!(files(&["--exclude", "vendor/**"]), vec!["keep/agent.yaml"]);
    assert_eq!(
        files(&["--no-ignore"]),
        vec![
            "generated/agent.yaml",
            "keep/agent.yaml",
            "vendor/agent.yaml"
        ]
    );
}

#[test]
fn oversized_files_are_skipped_with_a_diagnostic() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "big.yaml",
        PRIVILEGED_POD
            .repeat(50)
            .replace("apiVersion", "---\napiVersion")
            .as_bytes(),
    );
    let (report, _) = json_scan(&[dir.path().to_str().unwrap(), "--max-file-size", "1K"]);
    assert_eq!(report["diagnostics"][0]["code"], "too-large");
    assert_eq!(report["threats"].as_array().unwrap().len(), 0);
}

#[test]
fn symlinks_out_of_the_root_are_not_followed() {
    let outside = tempfile::tempdir().unwrap();
    write(outside.path(), "agent.yaml", PRIVILEGED_POD.as_bytes());
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "readme.yaml", b"a: 1\n");
    std::os::unix::fs::symlink(outside.path(), dir.path().join("linked")).unwrap();
    std::os::unix::fs::symlink(dir.path(), dir.path().join("loop")).unwrap();
    let (report, _) = json_scan(&[dir.path().to_str().unwrap()]);
    assert_eq!(report["threats"].as_array().unwrap().len(), 0);
    assert!(report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .any(|d| d["code"] == "symlink-outside-root" && d["file"] == "linked"));
}

#[test]
fn text_and_markdown_formats() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "agent.yaml", PRIVILEGED_POD.as_bytes());
    let text = stridemap()
        .args(["scan", dir.path().to_str().unwrap()])
        .output()
        .unwrap();
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(
        text.contains("CRITICAL (1)")
            && text.contains("agent.yaml:10")
            && text.contains("CTR-PRIVILEGED"),
        "{text}"
    );
    assert!(!text.contains("\x1b["), "no colour when not a terminal");
    let out = dir.path().join("report.md");
    stridemap()
        .args([
            "scan",
            dir.path().to_str().unwrap(),
            "--format",
            "markdown",
            "-o",
            out.to_str().unwrap(),
        ])
        .assert()
        .code(1)
        .stdout("");
    let md = fs::read_to_string(out).unwrap();
    assert!(
        md.contains("| critical | 1 |") && md.contains("### THREAT-001"),
        "{md}"
    );
}

#[test]
fn rules_and_explain() {
    let out = stridemap()
        .args(["rules", "--format", "json"])
        .output()
        .unwrap();
    let rules: Value = serde_json::from_slice(&out.stdout).unwrap();
    let privileged = rules["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "CTR-PRIVILEGED")
        .unwrap();
    assert_eq!(privileged["group"], 2);
    assert_eq!(privileged["stride"], "Elevation of Privilege");
    assert!(privileged["equivalents"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e == "CKV_K8S_16"));
    let explain = stridemap()
        .args(["explain", "ctr-privileged"])
        .output()
        .unwrap();
    let explain = String::from_utf8(explain.stdout).unwrap();
    assert!(
        explain.starts_with("CTR-PRIVILEGED: Privileged container")
            && explain.contains("## Why is this bad?"),
        "{explain}"
    );
    stridemap().args(["explain", "NOPE-1"]).assert().code(2);
}

#[test]
fn missing_path_is_an_error() {
    stridemap()
        .args(["scan", "/definitely/not/here"])
        .assert()
        .code(3);
}

#[test]
fn fingerprints_survive_unrelated_edits() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "agent.yaml", PRIVILEGED_POD.as_bytes());
    let prints = |dir: &Path| -> Vec<(String, String, u64)> {
        let (report, _) = json_scan(&[dir.to_str().unwrap()]);
        let mut v: Vec<_> = report["threats"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| {
                (
                    t["rule"].as_str().unwrap().to_string(),
                    t["fingerprint"].as_str().unwrap().to_string(),
                    t["evidence"][0]["line"].as_u64().unwrap(),
                )
            })
            .collect();
        v.sort();
        v
    };
    let before = prints(dir.path());
    // Comments, blank lines and a label above the findings move every line down.
    let edited = PRIVILEGED_POD.replace(
        "metadata:\n",
        "# owned by the platform team\n\nmetadata:\n  labels: {team: platform}\n",
    );
    write(dir.path(), "agent.yaml", edited.as_bytes());
    let after = prints(dir.path());
    assert_eq!(before.len(), after.len());
    for (b, a) in before.iter().zip(&after) {
        assert_eq!((&b.0, &b.1), (&a.0, &a.1), "fingerprint changed");
        assert_ne!(b.2, a.2, "lines did move");
    }
}

#[test]
fn secret_values_never_reach_any_output_format() {
    // Credentials planted in the shipped example, in Compose, ConfigMaps, env values, command
    // lines and Dockerfiles.
    let planted = [
        "Paym3nts!2024",
        "cp_prod_9f8e7d6c5b4a39281706f5e4d3c2b1a0",
        "s3cretPayments99",
        "ghp_4bXq9LmN2pR7sT1vW8yZ3cD6fH0jK5aQ2eU9",
        "AKIAQ3EGUNKX4EXAMPL3",
        "orders-dev-pw-7731",
    ];
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/shop");
    for format in [
        "text", "json", "markdown", "sarif", "html", "mermaid", "dot",
    ] {
        let out = stridemap()
            .args(["scan", examples.to_str().unwrap(), "--format", format])
            .output()
            .unwrap();
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        // Text shows no snippets, diagrams no findings; the other formats show the redacted
        // evidence.
        let ran = match format {
            "text" => all.contains("SEC-ENV-CREDENTIAL"),
            "mermaid" | "dot" => all.contains("payment"),
            _ => all.contains("[REDACTED]"),
        };
        assert!(
            ran,
            "{format}: no secret finding, so the test proves nothing"
        );
        for secret in planted {
            assert!(!all.contains(secret), "{format} output leaks {secret}");
        }
    }
}

#[test]
fn graph_command_draws_the_model() {
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/shop");
    let out = stridemap()
        .args(["graph", examples.to_str().unwrap()])
        .output()
        .unwrap();
    let mermaid = String::from_utf8(out.stdout).unwrap();
    assert!(mermaid.starts_with("flowchart LR\n"), "{mermaid}");
    assert!(mermaid.contains("subgraph c_ns_shop[\"namespace shop\"]"));
    assert!(
        mermaid.contains(
            "n_orders -.->|\"kafka :9092 order-events ⚠ plaintext, unauthenticated\"| n_kafka"
        ),
        "async flow with its topic, marked insecure:\n{mermaid}"
    );
    assert!(
        mermaid.contains("linkStyle"),
        "insecure flows are highlighted"
    );
    let dot = stridemap()
        .args(["graph", examples.to_str().unwrap(), "--format", "dot"])
        .output()
        .unwrap();
    let dot = String::from_utf8(dot.stdout).unwrap();
    assert!(dot.starts_with("digraph stridemap {") && dot.trim_end().ends_with('}'));
    assert!(dot.contains("subgraph \"cluster_ns_shop\""));
    assert_eq!(
        dot.matches('{').count(),
        dot.matches('}').count(),
        "balanced braces"
    );
}

#[test]
fn text_summary_lists_the_architecture() {
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/shop");
    let out = stridemap()
        .args(["scan", examples.to_str().unwrap()])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("ARCHITECTURE: "), "{text}");
    assert!(
        text.contains("orders ~> kafka  kafka:9092 topic order-events"),
        "{text}"
    );
}

fn example() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/shop")
}

fn stdout_of(args: &[&str]) -> String {
    let out = stridemap().args(args).output().unwrap();
    // 1 only says that threats were found.
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn several_outputs_from_one_scan_take_their_format_from_the_extension() {
    let dir = tempfile::tempdir().unwrap();
    let example = example();
    let example = example.to_str().unwrap();
    let files = [
        "r.json", "r.sarif", "r.html", "r.md", "r.mmd", "r.dot", "r.txt",
    ];
    let mut args = vec!["scan", example, "--fail-on", "none"];
    let paths: Vec<String> = files
        .iter()
        .map(|f| dir.path().join(f).to_str().unwrap().to_string())
        .collect();
    for p in &paths {
        args.push("-o");
        args.push(p);
    }
    let out = stridemap().args(&args).output().unwrap();
    assert!(out.status.success());
    assert!(
        out.stdout.is_empty(),
        "nothing on stdout when writing files"
    );
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("written to") && stderr.contains("r.sarif"),
        "{stderr}"
    );
    let read = |f: &str| fs::read_to_string(dir.path().join(f)).unwrap();
    // Each file holds what that format alone writes to stdout.
    for (file, format) in [
        ("r.json", "json"),
        ("r.sarif", "sarif"),
        ("r.html", "html"),
        ("r.md", "markdown"),
        ("r.mmd", "mermaid"),
        ("r.dot", "dot"),
        ("r.txt", "text"),
    ] {
        assert!(
            read(file) == stdout_of(&["scan", example, "--format", format, "-q"]),
            "{file} differs from --format {format}"
        );
    }
    let sarif: Value = serde_json::from_str(&read("r.sarif")).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    assert!(read("r.html").starts_with("<!DOCTYPE html>"));
    assert!(read("r.dot").starts_with("digraph stridemap {"));
    // The diagram of a report is the diagram of the graph.
    assert_eq!(read("r.mmd"), stdout_of(&["graph", example]));
    assert!(read("r.md").contains(&format!("```mermaid\n{}```", read("r.mmd"))));
}

#[test]
fn explicit_format_wins_over_the_extension_of_a_single_output() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "agent.yaml", PRIVILEGED_POD.as_bytes());
    let out = dir.path().join("report.txt");
    stridemap()
        .args([
            "scan",
            "--fail-on",
            "none",
            dir.path().to_str().unwrap(),
            "--format",
            "sarif",
            "-o",
        ])
        .arg(&out)
        .assert()
        .success()
        .stdout("");
    let sarif: Value = serde_json::from_str(&fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(sarif["runs"][0]["results"][0]["ruleId"], "CTR-PRIVILEGED");
    // Without --format, the extension decides.
    let json = dir.path().join("report.json");
    stridemap()
        .args([
            "scan",
            "--fail-on",
            "none",
            dir.path().to_str().unwrap(),
            "-q",
            "-o",
        ])
        .arg(&json)
        .assert()
        .success();
    let report: Value = serde_json::from_str(&fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(report["tool"]["name"], "stridemap");
}

#[test]
fn an_output_of_unknown_format_among_several_is_refused_before_scanning() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "agent.yaml", PRIVILEGED_POD.as_bytes());
    let good = dir.path().join("report.json");
    let odd = dir.path().join("report.xyz");
    let out = stridemap()
        .args(["scan", dir.path().to_str().unwrap(), "-o"])
        .arg(&good)
        .arg("-o")
        .arg(&odd)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("report.xyz"));
    assert!(!good.exists() && !odd.exists(), "nothing written");
    // --format names the format of the files whose extension does not.
    stridemap()
        .args([
            "scan",
            "--fail-on",
            "none",
            dir.path().to_str().unwrap(),
            "--format",
            "markdown",
            "-q",
            "-o",
        ])
        .arg(&good)
        .arg("-o")
        .arg(&odd)
        .assert()
        .success();
    assert!(fs::read_to_string(&good).unwrap().starts_with('{'));
    assert!(fs::read_to_string(&odd)
        .unwrap()
        .starts_with("# Threat model"));
}

#[test]
fn colour_follows_the_color_option() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "agent.yaml", PRIVILEGED_POD.as_bytes());
    let path = dir.path().to_str().unwrap();
    let always = stdout_of(&["scan", path, "--color", "always"]);
    assert!(always.contains("\x1b["), "{always}");
    let never = stdout_of(&["scan", path, "--color", "never"]);
    assert!(!never.contains("\x1b["));
    // The summary line counts by severity.
    assert!(
        never
            .trim_end()
            .lines()
            .last()
            .unwrap()
            .contains("threats in"),
        "{never}"
    );
    let no_color = stridemap()
        .args(["scan", path])
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&no_color.stdout).contains("\x1b["));
}
