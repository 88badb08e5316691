use crate::helpers::on_dockerfile;
use crate::{Check, Context, Sink};
use stridemap_model::dockerfile::{Detail, Dockerfile};
use stridemap_model::Severity;

declare_rule! {
    /// ## What it does
    /// Flags `COPY` and `ADD` instructions whose source is a private key or a credentials
    /// file: SSH keys (`id_rsa`, `id_ed25519`, `.ssh/`), TLS and signing keys (`*.key`,
    /// private `*.pem`, `*.p12`, `*.pfx`, `*.jks`), `.env` files, package-registry and cloud
    /// credentials (`.npmrc`, `.pypirc`, `.netrc`, `.git-credentials`, `.aws/credentials`,
    /// `.docker/config.json`, `credentials.json`) and kubeconfigs. Certificates, public keys
    /// and `.env.example`-style templates are fine. A copy into a build stage that is not the
    /// final image is reported at lower severity.
    ///
    /// ## Why is this bad?
    /// A file copied into a layer stays in the image even if a later instruction deletes it:
    /// every registry, cache and machine holding the image holds the key. Build-stage copies
    /// do not reach the final image but still sit in build caches and CI runners.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM golang:1.22
    /// COPY deploy/id_ed25519 /root/.ssh/id_ed25519
    /// RUN go mod download
    /// ```
    ///
    /// ## Use instead
    /// ```dockerfile
    /// # syntax=docker/dockerfile:1
    /// FROM golang:1.22
    /// RUN --mount=type=ssh go mod download
    /// ```
    /// Use BuildKit `--mount=type=ssh` or `--mount=type=secret` for build-time credentials,
    /// mount runtime keys from a Secret, and list key and `.env` files in `.dockerignore`.
    pub struct KeyMaterialInImage {
        id: "SEC-KEY-MATERIAL-IN-IMAGE",
        title: "Private key or credentials file copied into an image",
        group: SecretsManagement,
        stride: InformationDisclosure,
        severity: High,
        cwe: [538, 321],
        infra: [Docker],
        equivalents: [],
        attack_scenario: "An attacker who pulls the image (or finds it in a public registry) extracts the layer holding the SSH key or `.npmrc`, then uses it to read private repositories, publish packages or impersonate the service's TLS endpoint.",
        mitigation: "Stop copying the file: provide build-time credentials with BuildKit secret or SSH mounts, provide runtime keys from a mounted Secret, add the files to `.dockerignore`, and rotate any key that was already shipped.",
    }
}

/// What kind of secret a copied path holds, if any.
pub fn key_material(path: &str) -> Option<&'static str> {
    let path = path.trim().trim_end_matches('/');
    let lower = path.to_ascii_lowercase();
    let name = lower.rsplit('/').next().unwrap_or(&lower);
    if name.is_empty() || lower.starts_with("http://") || lower.starts_with("https://") {
        return None;
    }
    let is_template = [
        "example", "sample", "template", "dist", "tmpl", "tpl", "defaults",
    ]
    .iter()
    .any(|t| name.contains(t));
    if name.ends_with(".pub") || is_template {
        return None;
    }
    if matches!(
        name,
        "id_rsa" | "id_dsa" | "id_ecdsa" | "id_ed25519" | "id_ecdsa_sk" | "id_ed25519_sk"
    ) {
        return Some("SSH private key");
    }
    if name == ".ssh" || lower.ends_with("/.ssh") {
        return Some("SSH directory");
    }
    if name == ".env" || name.starts_with(".env.") || name.ends_with(".env") {
        return Some("environment file");
    }
    match name {
        ".npmrc"
        | ".yarnrc"
        | ".yarnrc.yml"
        | ".pypirc"
        | ".netrc"
        | "_netrc"
        | ".git-credentials"
        | ".dockercfg"
        | ".htpasswd"
        | ".pgpass"
        | ".my.cnf"
        | "credentials.json"
        | "client_secret.json"
        | "service-account.json"
        | "service_account.json"
        | "serviceaccount.json"
        | "kubeconfig"
        | "vault-token"
        | ".vault-token" => return Some("credentials file"),
        _ => {}
    }
    if lower.ends_with(".aws/credentials") || lower.ends_with(".aws") || name == ".aws" {
        return Some("AWS credentials");
    }
    if lower.ends_with(".docker/config.json") {
        return Some("registry credentials");
    }
    if lower.ends_with(".kube/config") || lower.ends_with(".kube") || name.ends_with(".kubeconfig")
    {
        return Some("kubeconfig");
    }
    if lower.ends_with(".gnupg")
        || name == "secring.gpg"
        || (name.ends_with(".asc") && name.contains("private"))
    {
        return Some("GPG private key");
    }
    let ext = name.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
    match ext {
        "key" | "ppk" => Some("private key"),
        "p12" | "pfx" | "jks" | "keystore" => Some("keystore"),
        "pem" => {
            // Certificates and CA bundles are public; a .pem named for a key is not.
            let public = [
                "cert", "crt", "ca", "chain", "bundle", "root", "trust", "public",
            ]
            .iter()
            .any(|w| name.contains(w));
            let private = ["key", "priv", "secret"].iter().any(|w| name.contains(w));
            (private || !public).then_some("private key")
        }
        _ => None,
    }
}

impl Check for KeyMaterialInImage {
    fn check_dockerfile(&self, df: &Dockerfile, cx: &Context, out: &mut Sink) {
        let path = &cx.corpus.file(df.file).path;
        let final_stage = df.final_stage().map(|s| s.index);
        for (i, ins) in df.instructions.iter().enumerate() {
            let Detail::Copy { sources, .. } = &ins.detail else {
                continue;
            };
            if ins.keyword != "COPY" && ins.keyword != "ADD" {
                continue;
            }
            for source in sources {
                let Some(kind) = key_material(source) else {
                    continue;
                };
                let in_final = ins.stage == final_stage;
                let finding = on_dockerfile(
                    out,
                    cx.corpus,
                    df,
                    ins.loc,
                    if in_final {
                        format!("`{}` in `{path}` copies `{source}` ({kind}) into the final image", ins.keyword)
                    } else {
                        format!("`{}` in `{path}` copies `{source}` ({kind}) into a build stage, where it stays in build caches", ins.keyword)
                    },
                )
                .key_part(format!("{i}:{source}"));
                if !in_final {
                    finding.severity(Severity::Medium);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_key_material() {
        for p in [
            "id_rsa",
            "deploy/id_ed25519",
            ".env",
            ".env.production",
            "config/prod.env",
            ".npmrc",
            "~/.aws/credentials",
            ".docker/config.json",
            "certs/server.key",
            "tls/privkey.pem",
            "server.pem",
            "keystore.p12",
            "ci/kubeconfig",
        ] {
            assert!(key_material(p).is_some(), "{p}");
        }
        for p in [
            "id_rsa.pub",
            ".env.example",
            "certs/ca.pem",
            "fullchain.pem",
            "certs/server-cert.pem",
            "app.py",
            "package.json",
            "https://example.com/id_rsa",
            ".",
            "environment.yml",
        ] {
            assert!(key_material(p).is_none(), "{p}");
        }
    }
}
