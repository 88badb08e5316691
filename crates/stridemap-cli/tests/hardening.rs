//! Hostile repositories: every resource bound holds (with a diagnostic naming the file), the
//! file system cannot trick the walk, and nothing in the scanned tree is ever executed.
//! Big inputs are generated in temporary directories at test time.

use assert_cmd::Command;
use serde_json::Value;
use std::fs;
use std::path::Path;
use std::time::{Duration, Instant};

fn stridemap() -> Command {
    Command::cargo_bin("stridemap").expect("binary built")
}

fn write(dir: &Path, rel: &str, content: &[u8]) {
    let path = dir.join(rel);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, content).unwrap();
}

/// Scans `dir` with `args`, returning the JSON report and how long the process took.
fn scan(dir: &Path, args: &[&str]) -> (Value, Duration) {
    let started = Instant::now();
    let out = stridemap()
        .arg("scan")
        .arg(dir)
        .args(args)
        .args(["--format", "json", "-q"])
        .output()
        .unwrap();
    let took = started.elapsed();
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "scan failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (serde_json::from_slice(&out.stdout).expect("JSON"), took)
}

fn diagnostics(report: &Value) -> Vec<Value> {
    report["diagnostics"].as_array().unwrap().clone()
}

fn diagnostic<'a>(all: &'a [Value], code: &str, file: &str) -> &'a Value {
    all.iter()
        .find(|d| d["code"] == code && d["file"] == file)
        .unwrap_or_else(|| panic!("no {code} diagnostic for {file} in {all:#?}"))
}

const POD: &str = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: agent\nspec:\n  containers:\n    - name: agent\n      image: registry.example.com/agent:1.0.0\n      securityContext:\n        privileged: true\n";

/// The rest of the scan still reports: the bounded file did not stop it.
fn still_reports(report: &Value) {
    assert!(
        report["threats"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["rule"] == "CTR-PRIVILEGED"),
        "the healthy file's threat is missing"
    );
}

#[test]
fn billion_laughs_is_cut_short() {
    let dir = tempfile::tempdir().unwrap();
    let mut bomb = String::from("a0: &a0 [\"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\"]\n");
    for i in 1..10 {
        let p = format!("*a{}", i - 1);
        bomb.push_str(&format!("a{i}: &a{i} [{}]\n", vec![p; 9].join(", ")));
    }
    write(dir.path(), "bomb.yaml", bomb.as_bytes());
    write(dir.path(), "pod.yaml", POD.as_bytes());
    let (report, took) = scan(dir.path(), &[]);
    let all = diagnostics(&report);
    let d = diagnostic(&all, "yaml-alias-limit", "bomb.yaml");
    assert!(d["line"].as_u64().unwrap() > 1);
    still_reports(&report);
    assert!(took < Duration::from_secs(30), "{took:?}");
}

/// Megabyte-long credential values shaped to stress the secret detector and the report's
/// redaction: periodic text (long failure chains in a string-matching automaton), endless
/// near-misses of the token formats, a URL-credential shape repeated. Regex searches are linear
/// (the `regex` crate does not backtrack); what this pins is the rest — the redaction automaton
/// over huge secret values once took minutes to build.
#[test]
fn hostile_secret_values_are_found_and_redacted_in_bounded_time() {
    let dir = tempfile::tempdir().unwrap();
    const SIZE: usize = 2 << 20;
    let shapes = [
        ("periodic", "a://b:"),
        ("aws", "AKIA"),
        ("url", "x://:y@"),
        ("jwt", "eyJaaaaaaaaaaaa."),
    ];
    for (name, unit) in shapes {
        let value = unit.repeat(SIZE / unit.len());
        write(
            dir.path(),
            &format!("{name}/deploy.yaml"),
            format!(
                "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\nspec:\n  template:\n    spec:\n      containers:\n        - name: app\n          image: registry.example.com/app:1.0.0\n          env:\n            - name: DB_PASSWORD\n              value: \"{value}\"\n"
            )
            .as_bytes(),
        );
        write(
            dir.path(),
            &format!("{name}/app.properties"),
            format!("spring.datasource.password={value}\n").as_bytes(),
        );
        write(
            dir.path(),
            &format!("{name}/Dockerfile"),
            format!("FROM alpine:3.20\nENV API_TOKEN={value}\n").as_bytes(),
        );
    }
    write(dir.path(), "pod.yaml", POD.as_bytes());
    let started = Instant::now();
    let out = stridemap()
        .arg("scan")
        .arg(dir.path())
        .args(["--format", "json", "-q"])
        .output()
        .unwrap();
    let took = started.elapsed();
    let text = String::from_utf8(out.stdout).unwrap();
    let report: Value = serde_json::from_str(&text).expect("JSON");
    still_reports(&report);
    let secret_threats = report["threats"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["rule"].as_str().unwrap().starts_with("SEC-"))
        .count();
    assert!(
        secret_threats >= shapes.len(),
        "{secret_threats} secret threats"
    );
    for (name, unit) in shapes {
        // Evidence is redacted: no run of the value (eight repetitions) reaches the output.
        assert!(!text.contains(&unit.repeat(8)), "{name} value leaked");
    }
    assert!(took < Duration::from_secs(60), "{took:?}");
}

/// Helm templates are programs: loops that print nothing, values that double, huge repeats and
/// a template too slow for its time budget each stop with a diagnostic at their template line,
/// and the rest of the scan goes on.
#[test]
fn hostile_helm_templates_are_stopped() {
    let dir = tempfile::tempdir().unwrap();
    let charts = [
        ("silent-loop", "{{- range until 100000 }}{{- range until 100000 }}{{- end }}{{- end }}\n", "more than 10000000 steps"),
        ("doubling", "{{- $x := \"abcdefgh\" }}\n{{- range until 64 }}{{- $x = printf \"%s%s\" $x $x }}{{- end }}\n", "makes a value over"),
        ("repeat", "{{- $x := repeat 2000000000 \"x\" }}\n", "over 1 MiB"),
        // 2 million iterations, under the step bound: only the time budget stops it.
        ("slow", "{{- range until 100000 }}{{- range until 20 }}{{ if . }}{{ end }}{{- end }}{{- end }}\n", "time budget"),
    ];
    for (name, head, _) in charts {
        write(
            dir.path(),
            &format!("{name}/Chart.yaml"),
            format!("apiVersion: v2\nname: {name}\nversion: 0.1.0\n").as_bytes(),
        );
        write(dir.path(), &format!("{name}/values.yaml"), b"replicas: 1\n");
        write(
            dir.path(),
            &format!("{name}/templates/cm.yaml"),
            format!("{head}apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n")
                .as_bytes(),
        );
    }
    write(dir.path(), "pod.yaml", POD.as_bytes());
    let stopped = |all: &[Value], name: &str| -> Option<String> {
        all.iter()
            .find(|d| {
                d["code"] == "helm-render"
                    && d["file"] == format!("{name}/templates/cm.yaml")
                    && d["line"].as_u64().is_some_and(|l| l >= 1)
            })
            .map(|d| d["message"].as_str().unwrap().to_string())
    };
    let (report, took) = scan(dir.path(), &[]);
    let all = diagnostics(&report);
    for (name, _, message) in &charts[..3] {
        let m = stopped(&all, name).unwrap_or_else(|| panic!("{name} not stopped: {all:#?}"));
        assert!(m.contains(message), "{m}");
    }
    assert_eq!(
        stopped(&all, "slow"),
        None,
        "within the default budget it renders"
    );
    still_reports(&report);
    assert!(took < Duration::from_secs(60), "{took:?}");
    // 20 ms: far less than the slow template takes.
    let (report, _) = scan(dir.path(), &["--file-time-budget", "0.02"]);
    let m = stopped(&diagnostics(&report), "slow").expect("slow template stopped");
    assert!(m.contains("time budget (20ms)"), "{m}");
    still_reports(&report);
}

#[test]
fn deep_nesting_is_bounded_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "flow.yaml", "[".repeat(100_000).as_bytes());
    write(
        dir.path(),
        "block.yaml",
        {
            let mut s = String::new();
            for depth in 0..2_000 {
                s.push_str(&" ".repeat(depth));
                s.push_str("k:\n");
            }
            s
        }
        .as_bytes(),
    );
    write(dir.path(), "deep.json", "{\"a\":".repeat(50_000).as_bytes());
    write(dir.path(), "nginx.conf", "http {".repeat(50_000).as_bytes());
    write(
        dir.path(),
        "deep.py",
        format!("x = {}1{}\n", "(".repeat(20_000), ")".repeat(20_000)).as_bytes(),
    );
    write(
        dir.path(),
        "deep.js",
        format!("let x = {}1{};\n", "[".repeat(20_000), "]".repeat(20_000)).as_bytes(),
    );
    write(dir.path(), "pod.yaml", POD.as_bytes());
    let (report, took) = scan(dir.path(), &[]);
    let all = diagnostics(&report);
    for file in ["flow.yaml", "block.yaml", "deep.json"] {
        let d = diagnostic(&all, "yaml-depth-limit", file);
        assert!(d["line"].is_u64(), "{d}");
    }
    still_reports(&report);
    assert!(took < Duration::from_secs(60), "{took:?}");
}

#[test]
fn a_100_mb_single_line_file_is_skipped_quickly() {
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("huge.yaml");
    {
        use std::io::Write;
        let mut f = std::io::BufWriter::new(fs::File::create(&big).unwrap());
        f.write_all(b"key: ").unwrap();
        let chunk = vec![b'x'; 1 << 20];
        for _ in 0..100 {
            f.write_all(&chunk).unwrap();
        }
    }
    write(dir.path(), "pod.yaml", POD.as_bytes());
    let (report, took) = scan(dir.path(), &[]);
    let all = diagnostics(&report);
    let d = diagnostic(&all, "too-large", "huge.yaml");
    assert!(d["message"].as_str().unwrap().contains("104857605 bytes"));
    still_reports(&report);
    assert!(took < Duration::from_secs(10), "{took:?}");
}

#[test]
fn raising_the_size_limit_stays_bounded_by_the_time_budget() {
    let dir = tempfile::tempdir().unwrap();
    // 40 MB on one line: a flow sequence of short scalars, far more work than one big scalar.
    let mut line = String::from("items: [");
    line.push_str(&"ab, ".repeat(10_000_000));
    line.push_str("end]\n");
    write(dir.path(), "wide.yaml", line.as_bytes());
    write(dir.path(), "pod.yaml", POD.as_bytes());
    let (report, took) = scan(
        dir.path(),
        &["--max-file-size", "200M", "--file-time-budget", "0.5"],
    );
    let all = diagnostics(&report);
    let d = diagnostic(&all, "time-budget", "wide.yaml");
    assert_eq!(d["line"], 1);
    assert_eq!(d["level"], "warning");
    still_reports(&report);
    assert!(took < Duration::from_secs(60), "{took:?}");
}

#[test]
fn fifty_thousand_documents_in_one_manifest() {
    let dir = tempfile::tempdir().unwrap();
    let doc =
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  LOG_LEVEL: info\n";
    write(
        dir.path(),
        "all.yaml",
        format!("---\n{doc}").repeat(50_000).as_bytes(),
    );
    write(dir.path(), "pod.yaml", POD.as_bytes());
    let (report, took) = scan(dir.path(), &[]);
    let all = diagnostics(&report);
    let d = diagnostic(&all, "yaml-document-limit", "all.yaml");
    assert_eq!(d["line"], 70_001);
    still_reports(&report);
    assert!(took < Duration::from_secs(60), "{took:?}");
}

#[test]
fn a_hundred_thousand_tiny_files() {
    let dir = tempfile::tempdir().unwrap();
    for i in 0..100_000 {
        let sub = format!("d{:03}", i / 1000);
        if i % 1000 == 0 {
            fs::create_dir_all(dir.path().join(&sub)).unwrap();
        }
        // Every thousandth file is broken, so that its diagnostic shows it was read.
        let content = if i % 1000 == 999 { "a: [\n" } else { "a: 1\n" };
        fs::write(dir.path().join(format!("{sub}/f{i:05}.yaml")), content).unwrap();
    }
    // The last file in walk order holds the only threat.
    write(dir.path(), "d099/z.yaml", POD.as_bytes());
    let (report, took) = scan(dir.path(), &[]);
    let broken = diagnostics(&report)
        .iter()
        .filter(|d| d["code"] == "yaml-syntax")
        .count();
    assert_eq!(broken, 100);
    still_reports(&report);
    assert!(took < Duration::from_secs(120), "{took:?}");
}

#[test]
fn symlink_loops_and_links_out_of_the_root_are_not_followed() {
    let outside = tempfile::tempdir().unwrap();
    write(outside.path(), "secret-pod.yaml", POD.as_bytes());
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "ok.yaml", b"a: 1\n");
    let link = |target: &Path, name: &str| {
        std::os::unix::fs::symlink(target, dir.path().join(name)).unwrap()
    };
    link(&outside.path().join("secret-pod.yaml"), "file-out.yaml");
    link(outside.path(), "dir-out");
    link(dir.path(), "self");
    link(Path::new("b.yaml"), "a.yaml");
    link(Path::new("a.yaml"), "b.yaml");
    link(Path::new("missing.yaml"), "dangling.yaml");
    let (report, _) = scan(dir.path(), &[]);
    assert_eq!(report["threats"].as_array().unwrap().len(), 0);
    let all = diagnostics(&report);
    diagnostic(&all, "symlink-outside-root", "file-out.yaml");
    diagnostic(&all, "symlink-outside-root", "dir-out");
    diagnostic(&all, "broken-symlink", "a.yaml");
    diagnostic(&all, "broken-symlink", "b.yaml");
    diagnostic(&all, "broken-symlink", "dangling.yaml");
}

/// A kustomization may name files by relative path; one that climbs out of the scanned
/// directory (or names an absolute path) must not make the scanner read the machine's files.
#[test]
fn kustomizations_cannot_read_outside_the_root() {
    let outside = tempfile::tempdir().unwrap();
    write(
        outside.path(),
        "secret.yaml",
        b"apiVersion: v1\nkind: Secret\nmetadata:\n  name: host-secret\nstringData:\n  password: Zq8vN3xLw0pR7tYh\n",
    );
    write(outside.path(), "creds.env", b"API_TOKEN=Zq8vN3xLw0pR7tYh\n");
    let dir = tempfile::tempdir().unwrap();
    let up = "../".repeat(dir.path().components().count() + 2);
    let target = outside.path().join("secret.yaml");
    let cases = [
        (
            "relative",
            format!(
                "resources:\n  - {up}{}\n",
                target.display().to_string().trim_start_matches('/')
            ),
        ),
        (
            "absolute",
            format!("resources:\n  - {}\n", target.display()),
        ),
        (
            "generator",
            format!(
                "configMapGenerator:\n  - name: creds\n    envs:\n      - {}\n",
                outside.path().join("creds.env").display()
            ),
        ),
        (
            "patch",
            format!(
                "resources:\n  - pod.yaml\npatches:\n  - path: {}\n",
                target.display()
            ),
        ),
    ];
    for (name, kustomization) in &cases {
        write(
            dir.path(),
            &format!("{name}/kustomization.yaml"),
            kustomization.as_bytes(),
        );
        write(dir.path(), &format!("{name}/pod.yaml"), POD.as_bytes());
    }
    write(dir.path(), "pod.yaml", POD.as_bytes());
    let out = stridemap()
        .arg("scan")
        .arg(dir.path())
        .args(["--format", "json", "-q"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let report: Value = serde_json::from_str(&text).unwrap();
    let all = diagnostics(&report);
    for (name, _) in &cases {
        let file = format!("{name}/kustomization.yaml");
        let d = diagnostic(&all, "kustomize-build", &file);
        assert!(
            d["message"]
                .as_str()
                .unwrap()
                .contains("outside the scanned directory"),
            "{d}"
        );
        assert!(d["line"].as_u64().is_some_and(|l| l >= 2), "{d}");
    }
    assert!(
        !text.contains("host-secret"),
        "an object from outside the root was read"
    );
    assert!(
        !text.contains(&outside.path().display().to_string()),
        "a path outside the root is printed"
    );
    still_reports(&report);
}

/// A Helm chart is read by the renderer, not the walk; its links are not followed either:
/// values, templates and subcharts that are symbolic links to files outside the root.
#[test]
fn helm_charts_do_not_follow_links_out_of_the_root() {
    let outside = tempfile::tempdir().unwrap();
    write(
        outside.path(),
        "values.yaml",
        b"hostPassword: Zq8vN3xLw0pR7tYh\n",
    );
    write(
        outside.path(),
        "evil.yaml",
        b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: host-file\n",
    );
    write(
        outside.path(),
        "sub/Chart.yaml",
        b"apiVersion: v2\nname: sub\nversion: 0.1.0\n",
    );
    write(
        outside.path(),
        "sub/templates/cm.yaml",
        b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: host-subchart\n",
    );
    let dir = tempfile::tempdir().unwrap();
    for chart in ["linked-values", "linked-templates"] {
        write(
            dir.path(),
            &format!("{chart}/Chart.yaml"),
            format!("apiVersion: v2\nname: {chart}\nversion: 0.1.0\n").as_bytes(),
        );
        write(
            dir.path(),
            &format!("{chart}/templates/pod.yaml"),
            format!("{POD}  annotations:\n    leak: {{{{ .Values.hostPassword | quote }}}}\n")
                .as_bytes(),
        );
    }
    let link = |target: &Path, name: &str| {
        std::os::unix::fs::symlink(target, dir.path().join(name)).unwrap()
    };
    link(
        &outside.path().join("values.yaml"),
        "linked-values/values.yaml",
    );
    link(
        &outside.path().join("evil.yaml"),
        "linked-templates/templates/evil.yaml",
    );
    fs::create_dir_all(dir.path().join("linked-templates/charts")).unwrap();
    link(&outside.path().join("sub"), "linked-templates/charts/sub");
    let (report, _) = scan(dir.path(), &[]);
    let text = report.to_string();
    for leaked in ["Zq8vN3xLw0pR7tYh", "host-file", "host-subchart"] {
        assert!(
            !text.contains(leaked),
            "{leaked} read from outside the root"
        );
    }
    let all = diagnostics(&report);
    let messages: Vec<&str> = all
        .iter()
        .filter(|d| d["code"] == "helm-render")
        .map(|d| d["message"].as_str().unwrap())
        .collect();
    for (code, file, what) in [
        (
            "helm-render",
            "linked-values/values.yaml",
            "symbolic link; not followed",
        ),
        // Templates are listed by a walk that skips links (the scan's walk reports them).
        (
            "symlink-outside-root",
            "linked-templates/templates/evil.yaml",
            "not followed",
        ),
        (
            "helm-render",
            "linked-templates/charts/sub",
            "subchart is a symbolic link",
        ),
    ] {
        let d = diagnostic(&all, code, file);
        assert!(d["message"].as_str().unwrap().contains(what), "{d}");
    }
    // The chart whose links are only skipped still renders: its pod is reported.
    assert!(
        text.contains("linked-templates/templates/pod.yaml"),
        "{messages:?}"
    );
}

#[test]
fn non_utf8_names_and_contents() {
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().unwrap();
    let name = std::ffi::OsStr::from_bytes(b"caf\xe9-\xff.yaml");
    fs::write(dir.path().join(name), POD).unwrap();
    write(
        dir.path(),
        "latin1.yaml",
        b"# caf\xe9\napiVersion: v1\nkind: Pod\nmetadata:\n  name: latin\n",
    );
    let (report, _) = scan(dir.path(), &[]);
    let all = diagnostics(&report);
    diagnostic(&all, "invalid-utf8", "latin1.yaml");
    // The file with the undecodable name is read, and named with replacement characters.
    let threat = report["threats"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["rule"] == "CTR-PRIVILEGED")
        .expect("the pod in the oddly named file is read");
    assert_eq!(
        threat["evidence"][0]["file"], "caf\u{fffd}-\u{fffd}.yaml",
        "{threat:#}"
    );
}

#[test]
fn unreadable_directories_are_diagnosed() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "locked/pod.yaml", POD.as_bytes());
    write(dir.path(), "open/pod.yaml", POD.as_bytes());
    let locked = dir.path().join("locked");
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o000)).unwrap();
    // Root reads anything: only check the diagnostic when permissions bite.
    let bites = fs::read_dir(&locked).is_err();
    let (report, _) = scan(dir.path(), &[]);
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o755)).unwrap();
    still_reports(&report);
    if bites {
        diagnostic(&diagnostics(&report), "unreadable", "locked");
    }
}

/// Files that would leave a mark if anything ran them: build scripts, hooks, package scripts,
/// Helm and Kustomize plugins, a Compose build, a Dockerfile. None may run.
#[test]
fn nothing_in_the_scanned_repository_is_executed() {
    let dir = tempfile::tempdir().unwrap();
    let mark = dir.path().join("EXECUTED");
    let touch = format!("touch {}", mark.display());
    let script = format!("#!/bin/sh\n{touch}\n");
    for (rel, content) in [
        ("Makefile", format!("all:\n\t{touch}\n")),
        ("build.sh", script.clone()),
        (".git/hooks/post-checkout", script.clone()),
        ("package.json", format!("{{\"scripts\": {{\"postinstall\": \"{touch}\"}}}}\n")),
        ("chart/Chart.yaml", "apiVersion: v2\nname: c\nversion: 1.0.0\n".to_string()),
        ("chart/templates/job.yaml", format!("{{{{ exec \"sh\" (list \"-c\" \"{touch}\") }}}}\n")),
        ("kustomization.yaml", "generators:\n  - gen.yaml\n".to_string()),
        ("gen.yaml", format!("apiVersion: builtin\nkind: Exec\nmetadata:\n  name: x\n  annotations:\n    config.kubernetes.io/function: |\n      exec:\n        path: ./build.sh\ncommand: [\"sh\", \"-c\", \"{touch}\"]\n")),
        ("docker-compose.yml", format!("services:\n  app:\n    build: .\n    command: sh -c '{touch}'\n")),
        ("Dockerfile", format!("FROM alpine:3.20\nRUN {touch}\n")),
        ("app.py", format!("import os\nos.system('{touch}')\n")),
    ] {
        write(dir.path(), rel, content.as_bytes());
    }
    for executable in ["build.sh", ".git/hooks/post-checkout"] {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(
            dir.path().join(executable),
            fs::Permissions::from_mode(0o755),
        )
        .unwrap();
    }
    for format in ["json", "sarif", "html", "markdown", "text"] {
        stridemap()
            .args([
                "scan",
                dir.path().to_str().unwrap(),
                "--format",
                format,
                "-q",
            ])
            .output()
            .unwrap();
    }
    assert!(
        !mark.exists(),
        "something in the scanned repository was executed"
    );
}

/// No library crate starts a process: a renderer that runs tools must be added on purpose
/// (behind an option, with a timeout and no network), and this test changed with it.
#[test]
fn no_library_code_spawns_processes() {
    let crates = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut offenders = Vec::new();
    let mut stack = vec![crates];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if path.is_dir() {
                // Tests and benchmarks may run the binary and peers; sources may not.
                if !matches!(
                    name.as_str(),
                    "tests" | "benches" | "target" | "fixtures" | "stridemap-bench"
                ) {
                    stack.push(path);
                }
            } else if name.ends_with(".rs") {
                let text = fs::read_to_string(&path).unwrap();
                // Unit tests sit at the end of a file, after `#[cfg(test)]`.
                let code = text.split("#[cfg(test)]").next().unwrap();
                // The one exception: the external Helm/kubectl renderer, run only when the user
                // passes `--renderer helm|kubectl`, under a time limit and without the network.
                let opt_in_renderer = path.ends_with("stridemap-ingest/src/external.rs");
                if (code.contains("process::Command") || code.contains("Command::new("))
                    && !opt_in_renderer
                {
                    offenders.push(path.display().to_string());
                }
            }
        }
    }
    assert!(offenders.is_empty(), "process spawning in {offenders:?}");
}
