//! The everyday controls, end to end through the binary: configuration, inline and annotation
//! suppressions, baselines, diffs, `init`, the report schema, completions and the manual page.

use assert_cmd::Command;
use serde_json::Value;
use std::fs;
use std::path::Path;

fn stridemap() -> Command {
    Command::cargo_bin("stridemap").expect("binary built")
}

fn write(dir: &Path, rel: &str, content: &str) {
    let path = dir.join(rel);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, content).unwrap();
}

const PRIVILEGED_POD: &str = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: agent\nspec:\n  containers:\n    - name: agent\n      image: registry.example.com/agent:1.0.0\n      securityContext:\n        privileged: true\n";

/// `scan --format json`, whatever its exit code: (report, stderr, exit code).
fn scan(dir: &Path, args: &[&str]) -> (Value, String, i32) {
    let out = stridemap()
        .arg("scan")
        .arg(dir)
        .args(["--format", "json"])
        .args(args)
        .output()
        .unwrap();
    let report = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}): {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (
        report,
        String::from_utf8(out.stderr).unwrap(),
        out.status.code().unwrap(),
    )
}

fn rules(report: &Value) -> Vec<String> {
    report["threats"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["rule"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn inline_comment_suppresses_and_is_counted() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "agent.yaml", PRIVILEGED_POD);
    let (before, _, code) = scan(dir.path(), &[]);
    assert!(rules(&before).contains(&"CTR-PRIVILEGED".to_string()));
    assert_eq!(code, 1);
    assert_eq!(before["summary"]["suppressed"], 0);

    let suppressed = PRIVILEGED_POD.replace(
        "        privileged: true\n",
        "        # stridemap:ignore[CTR-PRIVILEGED] the node agent manages the host\n        privileged: true\n",
    );
    write(dir.path(), "agent.yaml", &suppressed);
    let (after, stderr, _) = scan(dir.path(), &[]);
    assert!(!rules(&after).contains(&"CTR-PRIVILEGED".to_string()));
    assert_eq!(after["summary"]["suppressed"], 1);
    assert_eq!(
        after["summary"]["total"].as_u64().unwrap() + 1,
        before["summary"]["total"].as_u64().unwrap()
    );
    let entry = &after["suppressed"][0];
    assert_eq!(entry["rule"], "CTR-PRIVILEGED");
    assert_eq!(entry["reason"], "the node agent manages the host");
    assert_eq!(entry["suppressed_at"], "agent.yaml:10");
    assert!(!stderr.contains("suppression-without-reason"), "{stderr}");
    let text = stridemap().arg("scan").arg(dir.path()).output().unwrap();
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(
        text.contains("Not shown: 1 suppressed by comments or annotations."),
        "{text}"
    );
}

#[test]
fn reasonless_suppression_warns() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "agent.yaml",
        &PRIVILEGED_POD.replace(
            "privileged: true\n",
            "privileged: true  # stridemap:ignore[CTR-PRIVILEGED]\n",
        ),
    );
    let (report, stderr, _) = scan(dir.path(), &[]);
    assert_eq!(report["summary"]["suppressed"], 1, "still suppressed");
    assert!(
        stderr.contains("warning[suppression-without-reason]: agent.yaml:10"),
        "{stderr}"
    );
    assert!(report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .any(|d| d["code"] == "suppression-without-reason"));
}

#[test]
fn resource_comment_and_annotation_cover_the_whole_object() {
    let dir = tempfile::tempdir().unwrap();
    let (plain, _, _) = scan(
        {
            write(dir.path(), "agent.yaml", PRIVILEGED_POD);
            dir.path()
        },
        &[],
    );
    let plain = rules(&plain);
    assert!(
        plain.contains(&"CTR-PRIVILEGED".to_string())
            && plain.contains(&"IMG-NO-DIGEST".to_string())
    );
    write(
        dir.path(),
        "agent.yaml",
        &format!("# stridemap:ignore[CTR-PRIVILEGED, IMG-NO-DIGEST] node agent, built in house\n{PRIVILEGED_POD}"),
    );
    let (commented, _, _) = scan(dir.path(), &[]);
    assert_eq!(commented["summary"]["suppressed"], 2);
    assert!(!rules(&commented)
        .iter()
        .any(|r| r == "CTR-PRIVILEGED" || r == "IMG-NO-DIGEST"));

    write(
        dir.path(),
        "agent.yaml",
        &PRIVILEGED_POD.replace(
            "  name: agent\n",
            "  name: agent\n  annotations:\n    stridemap.io/ignore: \"CTR-PRIVILEGED,IMG-NO-DIGEST node agent\"\n",
        ),
    );
    let (annotated, _, _) = scan(dir.path(), &[]);
    assert_eq!(annotated["summary"]["suppressed"], 2);
    assert_eq!(annotated["suppressed"][0]["via"], "annotation");
    assert!(!rules(&annotated).contains(&"CTR-PRIVILEGED".to_string()));
}

#[test]
fn unused_suppressions_are_reported_on_request() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "agent.yaml",
        &PRIVILEGED_POD.replace(
            "  name: agent\n",
            "  # stridemap:ignore[CTR-HOST-PID] no longer needed\n  name: agent\n",
        ),
    );
    let (_, quiet, _) = scan(dir.path(), &[]);
    assert!(!quiet.contains("unused-suppression"), "{quiet}");
    let (_, stderr, _) = scan(dir.path(), &["--report-unused-suppressions"]);
    assert!(
        stderr.contains("warning[unused-suppression]: agent.yaml:4")
            && stderr.contains("CTR-HOST-PID"),
        "{stderr}"
    );
}

#[test]
fn baseline_hides_known_threats_even_when_lines_move() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "k8s/agent.yaml", PRIVILEGED_POD);
    let baseline = dir.path().join("baseline.json");
    let (first, _, code) = scan(
        dir.path(),
        &["--write-baseline", baseline.to_str().unwrap()],
    );
    assert_eq!(code, 1);
    let recorded: Value = serde_json::from_str(&fs::read_to_string(&baseline).unwrap()).unwrap();
    assert_eq!(
        recorded["threats"].as_array().unwrap().len(),
        first["threats"].as_array().unwrap().len()
    );
    let b = baseline.to_str().unwrap();

    // Unchanged repository: nothing new, so nothing fails.
    let (again, _, code) = scan(dir.path(), &["--baseline", b]);
    assert_eq!(again["threats"].as_array().unwrap().len(), 0);
    assert_eq!(again["summary"]["baselined"], first["summary"]["total"]);
    assert_eq!(code, 0);
    let text = stridemap()
        .arg("scan")
        .arg(dir.path())
        .args(["--baseline", b])
        .output()
        .unwrap();
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(
        text.contains(&format!(
            "Not shown: {} already in the baseline.",
            first["summary"]["total"]
        )),
        "{text}"
    );

    // Moved lines, comments, reformatting: still nothing new.
    let moved = format!(
        "# owned by the platform team\n\n{}",
        PRIVILEGED_POD
            .replace("metadata:\n", "metadata:\n  labels: {team: platform}\n")
            .replace(
                "    - name: agent\n      image:",
                "    -   name: agent\n        image:"
            )
            .replace(
                "      securityContext:\n        privileged: true\n",
                "        securityContext: {privileged: true}\n"
            )
    );
    write(dir.path(), "k8s/agent.yaml", &moved);
    let (after_move, _, _) = scan(dir.path(), &[]);
    let moved_line = after_move["threats"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["rule"] == "CTR-PRIVILEGED")
        .unwrap()["evidence"][0]["line"]
        .clone();
    assert_ne!(moved_line, 10, "the finding did move");
    let (after, _, code) = scan(dir.path(), &["--baseline", b]);
    assert_eq!(
        rules(&after),
        Vec::<String>::new(),
        "baselined threats came back"
    );
    assert_eq!(code, 0);

    // A new weakness is reported, and only it.
    write(
        dir.path(),
        "k8s/agent.yaml",
        &moved.replace(
            "spec:\n  containers:",
            "spec:\n  hostPID: true\n  containers:",
        ),
    );
    let (new, _, code) = scan(dir.path(), &["--baseline", b, "--fail-on", "low"]);
    assert_eq!(rules(&new), vec!["CTR-HOST-PID"]);
    assert_eq!(new["threats"][0]["id"], "THREAT-001");
    assert_eq!(code, 1);
}

#[test]
fn diff_of_two_reports() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "repo/agent.yaml", PRIVILEGED_POD);
    let old = dir.path().join("old.json");
    let new = dir.path().join("new.json");
    let repo = dir.path().join("repo");
    let run = |out: &Path| {
        stridemap()
            .args([
                "scan",
                repo.to_str().unwrap(),
                "--format",
                "json",
                "-q",
                "-o",
            ])
            .args([out.to_str().unwrap(), "--fail-on", "none"])
            .assert()
            .code(0);
    };
    run(&old);
    write(
        &repo,
        "agent.yaml",
        &PRIVILEGED_POD
            .replace("privileged: true", "privileged: false")
            .replace(
                "spec:\n  containers:",
                "spec:\n  hostPID: true\n  containers:",
            ),
    );
    run(&new);
    let text = stridemap()
        .args(["diff", old.to_str().unwrap(), new.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(text.status.code(), Some(0));
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(
        text.contains("New threats (") && text.contains("CTR-HOST-PID"),
        "{text}"
    );
    assert!(text.contains("- critical CTR-PRIVILEGED"), "{text}");
    let json = stridemap()
        .args([
            "diff",
            old.to_str().unwrap(),
            new.to_str().unwrap(),
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    let d: Value = serde_json::from_slice(&json.stdout).unwrap();
    let names = |key: &str| -> Vec<String> {
        d[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["rule"].as_str().unwrap().to_string())
            .collect()
    };
    assert!(names("new_threats").contains(&"CTR-HOST-PID".to_string()));
    assert!(names("fixed_threats").contains(&"CTR-PRIVILEGED".to_string()));
    assert!(names("unchanged_threats").contains(&"IMG-NO-DIGEST".to_string()));
    // In CI: fail only on what is new. The new CTR-HOST-PID is not critical, so only a lower
    // threshold fails.
    let with_threshold = |at: &str| {
        stridemap()
            .args([
                "diff",
                old.to_str().unwrap(),
                new.to_str().unwrap(),
                "--fail-on",
                at,
            ])
            .output()
            .unwrap()
            .status
            .code()
    };
    assert_eq!(with_threshold("critical"), Some(0));
    assert_eq!(with_threshold("low"), Some(1));
    // The other way round, the only new threat is the critical CTR-PRIVILEGED.
    stridemap()
        .args([
            "diff",
            new.to_str().unwrap(),
            old.to_str().unwrap(),
            "--fail-on",
            "critical",
        ])
        .assert()
        .code(1);
    stridemap()
        .args(["diff", old.to_str().unwrap(), "/no/such/report.json"])
        .assert()
        .code(3);
    stridemap()
        .args(["diff", old.to_str().unwrap(), "/dev/null"])
        .assert()
        .code(2);
}

#[test]
fn configuration_selects_rules_severities_paths_and_registries() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "k8s/agent.yaml", PRIVILEGED_POD);
    write(dir.path(), "legacy/agent.yaml", PRIVILEGED_POD);
    write(dir.path(), "vendor/agent.yaml", PRIVILEGED_POD);
    write(
        dir.path(),
        "stridemap.toml",
        r#"fail-on = "critical"
exclude = ["vendor/**"]
trusted-registries = ["registry.example.com"]

[rules]
disable = ["CTR-HOST-PID", "service-discovery"]

[rules.severity]
CTR-PRIVILEGED = "medium"

[[overrides]]
paths = ["legacy/**"]
disable = ["CTR-PRIVILEGED"]
"#,
    );
    // The configuration is found from a subdirectory too; paths stay relative to it.
    for root in [dir.path().to_path_buf(), dir.path().join("legacy")] {
        let (report, _, code) = scan(&root, &[]);
        let threats = report["threats"].as_array().unwrap();
        let files: Vec<&str> = threats
            .iter()
            .map(|t| t["evidence"][0]["file"].as_str().unwrap())
            .collect();
        assert!(!files.iter().any(|f| f.starts_with("vendor/")), "{files:?}");
        let privileged: Vec<&Value> = threats
            .iter()
            .filter(|t| t["rule"] == "CTR-PRIVILEGED")
            .collect();
        for t in &privileged {
            assert_eq!(
                t["evidence"][0]["file"], "k8s/agent.yaml",
                "disabled under legacy/"
            );
            assert_eq!(t["severity"], "medium");
        }
        assert!(
            !rules(&report).iter().any(|r| r == "IMG-NO-DIGEST"),
            "trusted registry"
        );
        assert_eq!(code, 0, "medium is below fail-on = critical");
    }
    let (report, _, _) = scan(dir.path(), &[]);
    assert_eq!(
        report["threats"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|t| t["rule"] == "CTR-PRIVILEGED")
            .count(),
        1
    );
    // --no-config restores the defaults; --fail-on beats the file.
    let (plain, _, code) = scan(dir.path(), &["--no-config"]);
    assert!(rules(&plain).contains(&"IMG-NO-DIGEST".to_string()));
    assert_eq!(code, 1);
    let (_, _, code) = scan(dir.path(), &["--fail-on", "medium"]);
    assert_eq!(code, 1);
}

#[test]
fn configuration_errors_name_file_line_and_key() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "agent.yaml", PRIVILEGED_POD);
    let config = dir.path().join("custom.toml");
    let check = |text: &str, expected: &[&str]| {
        fs::write(&config, text).unwrap();
        let out = stridemap()
            .args([
                "scan",
                dir.path().to_str().unwrap(),
                "--config",
                config.to_str().unwrap(),
            ])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        let stderr = String::from_utf8(out.stderr).unwrap();
        for e in expected {
            assert!(stderr.contains(e), "missing `{e}` in {stderr}");
        }
        assert!(out.stdout.is_empty());
    };
    check(
        "[rules]\ndisable = [\"CTR-PRIVILEDGED\"]\n",
        &[
            "custom.toml:2",
            "rules.disable",
            "did you mean `CTR-PRIVILEGED`?",
        ],
    );
    check(
        "fail-on = \"high\"\nfial-on = \"low\"\n",
        &["custom.toml", "line 2", "fial-on"],
    );
    check(
        "[rules.severity]\nCTR-PRIVILEGED = \"urgent\"\n",
        &["line 2", "urgent"],
    );
    check(
        "[architecture]\ncrown-jewels = [\"agnet\"]\n",
        &[
            "custom.toml:2",
            "architecture.crown-jewels",
            "did you mean `agent`?",
        ],
    );
    stridemap()
        .args([
            "scan",
            dir.path().to_str().unwrap(),
            "--config",
            "/no/such/stridemap.toml",
        ])
        .assert()
        .code(2);
}

#[test]
fn declared_entry_points_and_crown_jewels_reach_the_model() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "agent.yaml", PRIVILEGED_POD);
    let (plain, _, _) = scan(dir.path(), &[]);
    let node = |r: &Value| {
        r["architecture"]["services"]
            .as_array()
            .unwrap()
            .iter()
            .find(|n| n["id"] == "agent")
            .cloned()
            .unwrap()
    };
    assert_eq!(node(&plain)["exposure"], "internal");
    write(
        dir.path(),
        "stridemap.toml",
        "[architecture]\nentry-points = [\"agent\"]\ncrown-jewels = [\"agent\"]\n",
    );
    let (declared, _, _) = scan(dir.path(), &[]);
    let n = node(&declared);
    assert_eq!(n["exposure"], "internet");
    assert_eq!(
        n["declared"],
        serde_json::json!(["entry-point", "crown-jewel"])
    );
}

#[test]
fn init_writes_a_configuration_the_scan_accepts() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "agent.yaml", PRIVILEGED_POD);
    stridemap()
        .args(["init", dir.path().to_str().unwrap()])
        .assert()
        .code(0);
    let text = fs::read_to_string(dir.path().join("stridemap.toml")).unwrap();
    assert!(text.contains("fail-on = \"high\"") && text.contains("[[overrides]]"));
    stridemap()
        .args(["init", dir.path().to_str().unwrap()])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("--force"));
    stridemap()
        .args(["init", dir.path().to_str().unwrap(), "--force"])
        .assert()
        .code(0);
    let (_, stderr, code) = scan(dir.path(), &[]);
    assert_eq!(code, 1, "{stderr}");
}

#[test]
fn the_example_report_validates_against_the_published_schema() {
    let schema = stridemap().args(["schema", "report"]).output().unwrap();
    assert!(schema.status.success());
    let schema: Value = serde_json::from_slice(&schema.stdout).unwrap();
    let validator = jsonschema::validator_for(&schema).expect("a valid JSON Schema");
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/shop");
    let (report, _, _) = scan(&examples, &["-q"]);
    let errors: Vec<String> = validator
        .iter_errors(&report)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .take(5)
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    // The schema is strict enough to reject a broken report.
    let mut broken = report.clone();
    broken["threats"][0]["severity"] = Value::from("severe");
    assert!(!validator.is_valid(&broken));
}

#[test]
fn completions_manual_and_version() {
    let bash = stridemap().args(["completions", "bash"]).output().unwrap();
    let bash = String::from_utf8(bash.stdout).unwrap();
    assert!(
        bash.contains("_stridemap()") && bash.contains("--fail-on"),
        "{bash}"
    );
    let man = stridemap().arg("man").output().unwrap();
    let man = String::from_utf8(man.stdout).unwrap();
    assert!(
        man.starts_with(".ie") || man.contains(".TH stridemap"),
        "{man}"
    );
    assert!(man.contains("Exit codes"));
    let version = stridemap().arg("--version").output().unwrap();
    let version = String::from_utf8(version.stdout).unwrap();
    let rule_count = stridemap_rules::registry().len();
    assert!(
        version.starts_with(&format!("stridemap {}", env!("CARGO_PKG_VERSION")))
            && version.contains(&format!("{rule_count} rules")),
        "{version}"
    );
    stridemap()
        .args(["explain", "CTR-PRIVILEDGED"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("did you mean `CTR-PRIVILEGED`?"));
}

#[test]
fn suppressions_in_dockerfiles_and_code_use_their_comment_syntax() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "Dockerfile",
        "# stridemap:ignore[IMG-LATEST-TAG] rebuilt nightly from the vendor's base\nFROM ubuntu:latest\nRUN apt-get update\n",
    );
    let secret = "ghp_4bXq9LmN2pR7sT1vW8yZ3cD6fH0jK5aQ2eU9";
    write(
        dir.path(),
        "client.js",
        &format!("const axios = require(\"axios\");\nconst token = \"{secret}\"; // stridemap:ignore[CODE-HARDCODED-SECRET] test fixture token, revoked\naxios.get(\"http://payments:8080/charge\", {{ headers: {{ Authorization: token }} }});\n"),
    );
    // `#` is not a comment in JavaScript: this one must not suppress anything.
    write(
        dir.path(),
        "other.js",
        &format!(
            "# stridemap:ignore[CODE-HARDCODED-SECRET] wrong syntax\nconst key = \"{secret}\";\n"
        ),
    );
    let (report, _, _) = scan(dir.path(), &["--fail-on", "none"]);
    let found: Vec<(String, String)> = report["threats"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["rule"].as_str().unwrap().to_string(),
                t["evidence"][0]["file"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert!(
        !found.contains(&("IMG-LATEST-TAG".into(), "Dockerfile".into())),
        "{found:?}"
    );
    assert!(
        !found.contains(&("CODE-HARDCODED-SECRET".into(), "client.js".into())),
        "{found:?}"
    );
    assert!(
        found.contains(&("CODE-HARDCODED-SECRET".into(), "other.js".into())),
        "{found:?}"
    );
    assert!(
        found.contains(&("DKR-MISSING-USER".into(), "Dockerfile".into())),
        "other rules still run: {found:?}"
    );
    assert_eq!(report["summary"]["suppressed"], 2);
}

#[test]
fn unknown_rule_in_a_suppression_is_a_warning_with_a_suggestion() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "agent.yaml",
        &PRIVILEGED_POD.replace(
            "privileged: true\n",
            "privileged: true  # stridemap:ignore[CTR-PRIVILEDGED] typo\n",
        ),
    );
    let (report, stderr, _) = scan(dir.path(), &[]);
    assert_eq!(report["summary"]["suppressed"], 0);
    assert!(
        stderr.contains("warning[suppression-unknown-rule]: agent.yaml:10")
            && stderr.contains("did you mean `CTR-PRIVILEGED`?"),
        "{stderr}"
    );
}

#[test]
fn crown_jewels_become_attack_path_targets() {
    let shop = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/shop");
    let targets = |args: &[&str]| -> Vec<(String, String)> {
        let (report, _, _) = scan(&shop, args);
        report["attack_paths"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                (
                    p["target"].as_str().unwrap().to_string(),
                    p["severity"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    let plain = targets(&["-q", "--no-config"]);
    assert!(!plain.iter().any(|(t, _)| t == "topic:kafka"), "{plain:?}");
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("stridemap.toml");
    fs::write(&config, "[architecture]\ncrown-jewels = [\"kafka\"]\n").unwrap();
    let declared = targets(&["-q", "--config", config.to_str().unwrap()]);
    assert!(
        declared.contains(&("topic:kafka".to_string(), "critical".to_string())),
        "{declared:?}"
    );
}

#[test]
fn a_declared_entry_point_opens_a_path_from_the_internet() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "docker-compose.yml",
        "services:\n  worker:\n    build: ./worker\n",
    );
    write(
        dir.path(),
        "worker/app.py",
        "import pickle\nfrom flask import Flask, request\n\napp = Flask(__name__)\n\n@app.route(\"/jobs\", methods=[\"POST\"])\ndef jobs():\n    return str(pickle.loads(request.get_data()))\n",
    );
    let paths = |report: &Value| -> Vec<String> {
        report["attack_paths"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                format!(
                    "{} {}",
                    p["severity"].as_str().unwrap(),
                    p["title"].as_str().unwrap()
                )
            })
            .collect()
    };
    write(
        dir.path(),
        "stridemap.toml",
        "[architecture]\ncrown-jewels = [\"worker\"]\n",
    );
    let (internal, _, _) = scan(dir.path(), &[]);
    assert_eq!(paths(&internal), Vec::<String>::new(), "no way in yet");
    write(
        dir.path(),
        "stridemap.toml",
        "[architecture]\nentry-points = [\"worker\"]\ncrown-jewels = [\"worker\"]\n",
    );
    let (exposed, _, _) = scan(dir.path(), &[]);
    assert_eq!(
        paths(&exposed),
        vec!["critical the internet → a shell in worker"]
    );
}

#[test]
fn pipeline_fingerprints_survive_commands_added_to_a_script() {
    let dir = tempfile::tempdir().unwrap();
    let workflow = "name: deploy\non:\n  push:\n    branches: [main]\njobs:\n  deploy:\n    runs-on: ubuntu-24.04\n    steps:\n      - name: Login\n        run: |\n          docker login registry.example.com -u ci -p \"${{ secrets.REGISTRY_PASSWORD }}\"\n";
    write(dir.path(), ".github/workflows/deploy.yml", workflow);
    let prints = |dir: &Path| -> Vec<(String, String)> {
        let (report, _, _) = scan(dir, &[]);
        let mut v: Vec<(String, String)> = report["threats"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|t| t["rule"] == "CICD-SECRET-EXPOSED")
            .map(|t| {
                (
                    t["rule"].as_str().unwrap().to_string(),
                    t["fingerprint"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        v.sort();
        v
    };
    let before = prints(dir.path());
    assert!(
        !before.is_empty(),
        "the premise: the secret on the command line is found"
    );
    write(
        dir.path(),
        ".github/workflows/deploy.yml",
        &workflow.replace(
            "        run: |\n",
            "        run: |\n          echo logging in\n          df -h\n",
        ),
    );
    assert_eq!(before, prints(dir.path()));
}
