//! A secret value never leaves stridemap: not in any output format, not in a diagnostic, not in
//! a baseline. One value of every recognised kind is planted across every kind of file stridemap
//! reads (and in files that fail to parse), then every output is searched for it.

use assert_cmd::Command;
use std::fs;
use std::path::Path;
use stridemap_rules::secrets;

/// One sample of every token format, by the name the detector gives it.
const TOKENS: &[(&str, &str)] = &[
    ("AWS access key id", "AKIAUJZDE8GXD6NCF10E"),
    ("GitHub token", "ghp_pfJBd0Kh8oOOL8dKLzdocJ2isAjIhKtJ0Rlg"),
    ("GitLab token", "glpat-LKOmxgJTeKdNnFRIBXuDL7Dx"),
    ("Slack token", "xoxb-432319487574-MehGAkWvj7FAc9Qe"),
    (
        "Slack webhook",
        "https://hooks.slack.com/services/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",
    ),
    ("Stripe key", "sk_live_kCzJr4i0B3JrTAwR4y9ojflj"),
    ("Square token", "sq0atp-oQoaF1LlqsajAIxNKu8iS2"),
    (
        "Amazon MWS token",
        "amzn.mws.1ecccc3f-c162-6e53-a130-43b026c48bbf",
    ),
    ("Mailchimp API key", "33feff9243a8f506b40928b5b7a767c7-us14"),
    (
        "SendGrid API key",
        "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",
    ),
    ("Twilio API key", "SKec255404e4fb440034d6608697a8d41b"),
    ("Google API key", "AIza5DQL05HA064GiIjHGb3CXlMaXZjljENUhJd"),
    (
        "Google OAuth token",
        "ya29.uRHHJEYXg4JdpmrcXgGCJbW56eCuNGMGmSrCGIZE",
    ),
    (
        "Facebook access token",
        "EAAG8pSH4487q7J58m1CiAhzCueQpBenQtYh5Xj8TPQ",
    ),
    ("private key", "-----BEGIN RSA PRIVATE KEY-----"),
    (
        "JSON web token",
        "eyJxjq4i9DoV8gz4FkQ1okT.eyJBGzvAmwufUxbvJDCTbyvHNsG9eh6Yo.4gfqrc5XlrWi0B26R08qzjI6GKFSuf",
    ),
    ("npm token", "npm_rdZSlB5er8bOfZqfM2oeq3hDavJA76rNicHT"),
    (
        "PyPI token",
        "pypi-AgEIcHlwaS5vcmcp8hkqdlm7tOtHWnsCGRlrwZbqcabUGJmGEp7CgQ0PBQFI14zGtSnovm14TUO",
    ),
    ("Docker Hub token", "dckr_pat_izwd1iaeOV4qBkdfQ1y3GQsMpSs"),
    (
        "HashiCorp Vault token",
        "hvs.cDlkrCaqx9vJupc94tnwlavyfErGPm",
    ),
    (
        "Azure storage key",
        "AccountKey=pGXafq0fjzLczbttOofL9H2WjQ5TY4MyWuUFjsUNPjc01T5GOBUSZGi6HWGK10Zb0RLZ5TR9SPofbciOx9gy1C==",
    ),
    (
        "OpenAI API key",
        "sk-proj-JdObOIRpFqaDZeV7G5IfT3BlbkFJQHeVVEqZe2qpUWnoVPDF",
    ),
];

/// The body of the planted private key: it follows the header, on lines of its own.
const KEY_BODY: &str = "MIIEowIBAAKCAQEAq7Zr9XkV3mPn2LwQ8sTt4YhJcB6fGdEa1uRiOpKlNzMxWvCy";
const URL_PASSWORD: &str = "Zq8vN2xLp4RtK7";
const CONNECTION_PASSWORD: &str = "Wm3kQ9zT7vB1Xc";
const NAMED_PASSWORD: &str = "Hx7pL2qZ9mW4Rb";
const RANDOM_SIGNING_KEY: &str = "f9Kq2Lz8Xw4Rt7Vb3Nm6Pc1Hd5Gs0Jy";

/// The secret text each sample must never show (for a private key, its body).
fn planted() -> Vec<&'static str> {
    let mut all: Vec<&str> = TOKENS
        .iter()
        .filter(|(what, _)| *what != "private key")
        .map(|(_, v)| *v)
        .collect();
    all.extend([
        KEY_BODY,
        URL_PASSWORD,
        CONNECTION_PASSWORD,
        NAMED_PASSWORD,
        RANDOM_SIGNING_KEY,
    ]);
    all
}

fn write(dir: &Path, rel: &str, content: &str) {
    let path = dir.join(rel);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, content).unwrap();
}

/// A repository with every sample in every kind of file.
fn plant(dir: &Path) {
    let token_values: Vec<&str> = TOKENS
        .iter()
        .filter(|(what, _)| *what != "private key")
        .map(|(_, v)| *v)
        .collect();
    let pem = format!("-----BEGIN RSA PRIVATE KEY-----\n{KEY_BODY}\n-----END RSA PRIVATE KEY-----");
    let url = format!("postgres://orders:{URL_PASSWORD}@db:5432/orders");
    let connection = format!("Server=db;User Id=sa;Password={CONNECTION_PASSWORD};");

    // Compose: values under neutral names (found by their shape), and by key name.
    let mut compose = String::from(
        "services:\n  api:\n    image: registry.example.com/api:1.4.2\n    environment:\n",
    );
    for (i, v) in token_values.iter().enumerate() {
        compose.push_str(&format!("      SETTING_{i}: \"{v}\"\n"));
    }
    compose.push_str(&format!(
        "      DATABASE_URL: \"{url}\"\n      DB_CONNECTION: \"{connection}\"\n      DB_PASSWORD: \"{NAMED_PASSWORD}\"\n      SIGNING_KEY: \"{RANDOM_SIGNING_KEY}\"\n"
    ));
    write(dir, "docker-compose.yml", &compose);

    // Kubernetes: a Deployment's env, a ConfigMap, a Secret with a PEM key, an annotation.
    let mut env = String::new();
    for (i, v) in token_values.iter().enumerate() {
        env.push_str(&format!(
            "            - name: SETTING_{i}\n              value: \"{v}\"\n"
        ));
    }
    env.push_str(&format!("            - name: DATABASE_URL\n              value: \"{url}\"\n            - name: DB_PASSWORD\n              value: \"{NAMED_PASSWORD}\"\n"));
    write(
        dir,
        "k8s/deploy.yaml",
        &format!("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\n  annotations:\n    note: \"{}\"\nspec:\n  selector:\n    matchLabels: {{app: api}}\n  template:\n    metadata:\n      labels: {{app: api}}\n    spec:\n      containers:\n        - name: api\n          image: registry.example.com/api:1.4.2\n          args: [\"--token\", \"{}\", \"--db\", \"{url}\"]\n          env:\n{env}",
            token_values[0], token_values[1]),
    );
    let mut data = String::new();
    for (i, v) in token_values.iter().enumerate() {
        data.push_str(&format!("  setting_{i}: \"{v}\"\n"));
    }
    data.push_str(&format!(
        "  tls.key: |\n{}\n  db_password: \"{NAMED_PASSWORD}\"\n  connection: \"{connection}\"\n",
        pem.lines()
            .map(|l| format!("    {l}"))
            .collect::<Vec<_>>()
            .join("\n")
    ));
    write(
        dir,
        "k8s/config.yaml",
        &format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: api-config\ndata:\n{data}"),
    );

    // Dockerfile: ENV, ARG and a command line.
    let mut dockerfile = String::from("FROM registry.example.com/base:1.0.0\n");
    for (i, v) in token_values.iter().enumerate() {
        dockerfile.push_str(&format!("ENV SETTING_{i}={v}\n"));
    }
    dockerfile.push_str(&format!(
        "ARG DB_PASSWORD={NAMED_PASSWORD}\nRUN curl -H \"Authorization: Bearer {}\" {url}\nUSER 1000\n",
        token_values[1]
    ));
    write(dir, "services/api/Dockerfile", &dockerfile);

    // Properties and source code.
    let mut properties = String::new();
    for (i, v) in token_values.iter().enumerate() {
        properties.push_str(&format!("app.setting{i}={v}\n"));
    }
    properties.push_str(&format!(
        "spring.datasource.url=jdbc:{url}\nspring.datasource.password={NAMED_PASSWORD}\n"
    ));
    write(dir, "services/api/application.properties", &properties);
    let mut python = String::from("import requests\n");
    for (i, v) in token_values.iter().enumerate() {
        python.push_str(&format!("SETTING_{i} = \"{v}\"\n"));
    }
    python.push_str(&format!(
        "DB_PASSWORD = \"{NAMED_PASSWORD}\"\nrequests.get(\"http://billing:8080/charge\", headers={{\"Authorization\": \"Bearer {}\"}})\nprint(\"token\", \"{}\")\n",
        token_values[1], token_values[2]
    ));
    write(dir, "services/api/app.py", &python);

    // NGINX: a header value, and files that fail to parse right after a secret.
    write(
        dir,
        "nginx/nginx.conf",
        &format!("events {{}}\nhttp {{\n  server {{\n    listen 80;\n    location / {{\n      proxy_set_header Authorization \"Bearer {}\";\n      proxy_pass http://api:8080;\n    }}\n  }}\n}}\n", token_values[1]),
    );
    write(
        dir,
        "nginx/broken-nginx.conf",
        &format!("http {{\n  server {{\n    set $t {} {{;\n", token_values[1]),
    );
    write(
        dir,
        "k8s/broken.yaml",
        &format!("apiVersion: v1\nkind: Secret\nstringData:\n  password: \"{NAMED_PASSWORD}\n  token: {}: [\n", token_values[0]),
    );
    write(
        dir,
        "broken.properties",
        &format!(
            "password={NAMED_PASSWORD}\\u00zz\ntoken={}\\uZZZZ\n",
            token_values[0]
        ),
    );
    write(
        dir,
        "services/bad/Dockerfile",
        &format!(
            "FROM\nENV {}\nRUN [\"unterminated {}\n",
            token_values[0], token_values[1]
        ),
    );
}

#[test]
fn every_kind_of_token_is_planted() {
    let planted: Vec<&str> = TOKENS.iter().map(|(what, _)| *what).collect();
    for kind in secrets::token_kinds() {
        assert!(
            planted.contains(&kind),
            "no sample of {kind}: add one to TOKENS"
        );
    }
    for (what, value) in TOKENS {
        let hits = secrets::find_tokens(value);
        assert!(
            hits.iter().any(|h| h.what == *what),
            "the sample of {what} is not recognised as one: {hits:?}"
        );
    }
}

#[test]
fn no_secret_reaches_any_output_diagnostic_or_baseline() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("repo");
    plant(&repo);
    let baseline = dir.path().join("baseline.json");
    let mut outputs: Vec<(String, String)> = Vec::new();
    for format in [
        "text", "json", "markdown", "sarif", "html", "mermaid", "dot",
    ] {
        let mut command = Command::cargo_bin("stridemap").unwrap();
        command.args(["scan", repo.to_str().unwrap(), "--format", format]);
        if format == "json" {
            command.arg("--write-baseline").arg(&baseline);
        }
        let out = command.output().unwrap();
        outputs.push((
            format!("{format} stdout"),
            String::from_utf8_lossy(&out.stdout).into(),
        ));
        outputs.push((
            format!("{format} stderr"),
            String::from_utf8_lossy(&out.stderr).into(),
        ));
    }
    for format in ["mermaid", "dot"] {
        let out = Command::cargo_bin("stridemap")
            .unwrap()
            .args(["graph", repo.to_str().unwrap(), "--format", format])
            .output()
            .unwrap();
        outputs.push((
            format!("graph {format}"),
            String::from_utf8_lossy(&out.stdout).into(),
        ));
    }
    outputs.push(("baseline".into(), fs::read_to_string(&baseline).unwrap()));

    // The scan did see the secrets (else the test proves nothing): every kind of file with
    // secret rules reports redacted evidence (no rule reads secrets in `.properties` or NGINX
    // files yet; they are planted all the same), and the broken files are diagnosed.
    let json = &outputs.iter().find(|(n, _)| n == "json stdout").unwrap().1;
    let report: serde_json::Value = serde_json::from_str(json).unwrap();
    let redacted_in: std::collections::BTreeSet<String> = report["threats"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|t| t["evidence"].as_array().unwrap().clone())
        .filter(|l| {
            l["snippet"]
                .as_str()
                .is_some_and(|s| s.contains(secrets::REDACTED))
        })
        .map(|l| l["file"].as_str().unwrap().to_string())
        .collect();
    for file in [
        "docker-compose.yml",
        "k8s/deploy.yaml",
        "k8s/config.yaml",
        "services/api/Dockerfile",
        "services/api/app.py",
    ] {
        assert!(
            redacted_in.contains(file),
            "no redacted secret evidence in {file}: {redacted_in:?}"
        );
    }
    let diagnosed: Vec<&str> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["file"].as_str().unwrap())
        .collect();
    for file in ["k8s/broken.yaml", "nginx/broken-nginx.conf"] {
        assert!(
            diagnosed.contains(&file),
            "{file} not diagnosed: {diagnosed:?}"
        );
    }

    for (name, text) in &outputs {
        assert!(
            !text.is_empty() || name.ends_with("stderr"),
            "{name} is empty"
        );
        for secret in planted() {
            assert!(!text.contains(secret), "{name} leaks {secret}");
        }
    }
}
