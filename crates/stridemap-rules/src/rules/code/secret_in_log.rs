use super::util::{self, Nth, Sources};
use crate::secrets::{key_sensitivity, KeySensitivity};
use crate::{Check, Context, Sink};
use stridemap_model::code::{LoggedName, NameKind};

declare_rule! {
    /// ## What it does
    /// Flags log and print calls whose arguments carry a credential: the value of an
    /// environment variable named like one (`os.Getenv("CARD_PROCESSOR_API_KEY")`), a variable,
    /// field or getter named like one (`password`, `api_key`, `self.client_secret`,
    /// `creds.getToken()`), a structured log field with such a key (`extra={"token": t}`,
    /// `zap.String("password", p)`), or a credential header (`Authorization`, `Cookie`,
    /// `X-Api-Key`). Values passed through a function first (`mask(token)`, `len(password)`,
    /// `hash(secret)`) are not reported.
    ///
    /// ## Why is this bad?
    /// Logs are copied to aggregators, dashboards, support tickets and backups that many more
    /// people and systems can read than the secret store. A key written once to a log stays
    /// valid, searchable and exfiltrable long after, and whoever reads it can act as the
    /// service towards its payment processor, database or peers.
    ///
    /// ## Example
    /// ```go
    /// log.Printf("charging card with key %s", os.Getenv("CARD_PROCESSOR_API_KEY"))
    /// ```
    ///
    /// ## Use instead
    /// ```go
    /// log.Printf("charging card (processor key configured: %t)", os.Getenv("CARD_PROCESSOR_API_KEY") != "")
    /// ```
    /// Log that a credential is present or its fingerprint, never its value; add redaction to the
    /// logging pipeline for headers and fields named like credentials.
    pub struct SecretInLog {
        id: "CODE-SECRET-IN-LOG",
        title: "Credential written to logs",
        group: SecretsManagement,
        stride: InformationDisclosure,
        severity: High,
        cwe: [532],
        infra: [Code],
        equivalents: [],
        attack_scenario: "An attacker with read access to the log platform (a compromised dashboard account, a leaked log export, an over-broad logging role) searches for the logged key and uses it to call the payment processor or the database as the service.",
        mitigation: "Remove credential values from log statements (log their presence or a hash prefix instead) and configure log redaction for credential headers and fields.",
    }
}

/// Whether a logged name holds a credential.
fn secret(n: &LoggedName) -> bool {
    let lower: String = n
        .name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect();
    match n.kind {
        NameKind::Header => {
            matches!(
                lower.as_str(),
                "authorization" | "proxyauthorization" | "cookie" | "setcookie"
            ) || lower.contains("apikey")
                || lower.contains("token")
                || lower.contains("secret")
        }
        _ => {
            lower.contains("authorization")
                || lower.ends_with("authheader")
                || key_sensitivity(&n.name) == KeySensitivity::Strong
        }
    }
}

impl Check for SecretInLog {
    fn check_corpus(&self, cx: &Context, out: &mut Sink) {
        let sources = Sources::new(cx);
        for (facts, path) in util::code_files(cx) {
            let mut nth = Nth::default();
            for l in &facts.secret_logs {
                let names: Vec<String> = l
                    .names
                    .iter()
                    .filter(|n| secret(n))
                    .map(|n| match n.kind {
                        NameKind::Env => format!("${}", n.name),
                        NameKind::Header => format!("the `{}` header", n.name),
                        _ => n.name.clone(),
                    })
                    .collect();
                if names.is_empty() {
                    continue;
                }
                let shown: Vec<String> = names
                    .iter()
                    .map(|n| {
                        if n.starts_with("the ") {
                            n.clone()
                        } else {
                            format!("`{n}`")
                        }
                    })
                    .collect();
                let f = out
                    .report(
                        facts.file,
                        l.loc,
                        format!(
                            "`{path}`{} writes {} to the logs with `{}`: anyone who can read the logs gets the credential",
                            sources.who(path),
                            shown.join(", "),
                            l.logger
                        ),
                    )
                    .key(nth.next(&format!("{path}:{}:{}", l.logger, names.join(","))));
                sources.attach(f, path);
            }
        }
    }
}
