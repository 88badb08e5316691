use super::util::{self, Nth, Sources};
use crate::secrets::find_in_value;
use crate::{Check, Context, Sink};

declare_rule! {
    /// ## What it does
    /// Flags credentials written in source code: string literals assigned to variables,
    /// constants, fields or keyword arguments named like credentials (`API_KEY = "…"`,
    /// `password="…"`, `Password: "…"`, `setPassword("…")`), literal fallbacks of credential
    /// environment variables (`os.environ.get("DB_PASSWORD", "…")`,
    /// `process.env.TOKEN || "…"`), and any literal with the shape of a known token (AWS, GitHub,
    /// Stripe, Slack, Google keys, private keys, JWTs) or a URL with an inline password.
    /// Placeholders (`changeme`, `<token>`, `${VAR}`, empty strings) and test code are left
    /// alone. The value never appears in the report.
    ///
    /// ## Why is this bad?
    /// Source code is cloned to laptops, CI runners, forks and container images, and stays in
    /// version history after the line is deleted. A credential in it is shared with everyone who
    /// ever had read access, cannot be rotated without a release, and is usually the same in
    /// every environment — including production.
    ///
    /// ## Example
    /// ```python
    /// STRIPE_KEY = "sk_live_51H8…"
    /// db = psycopg2.connect(host="db", password="Pr0d-Passw0rd!")
    /// ```
    ///
    /// ## Use instead
    /// ```python
    /// STRIPE_KEY = os.environ["STRIPE_KEY"]
    /// db = psycopg2.connect(host="db", password=os.environ["DB_PASSWORD"])
    /// ```
    /// Read credentials from the environment or a secret manager at runtime (mounted from a
    /// Kubernetes Secret, Vault, or a cloud secret store), fail when they are missing instead
    /// of falling back to a literal, and rotate every credential that was ever committed.
    pub struct HardcodedSecret {
        id: "CODE-HARDCODED-SECRET",
        title: "Credential hard-coded in source",
        group: SecretsManagement,
        stride: InformationDisclosure,
        severity: High,
        cwe: [798],
        infra: [Code],
        equivalents: [],
        attack_scenario: "An attacker with access to the repository, a fork, a build log or a published image extracts the literal key from the code or its history and uses it against the production API or database it unlocks.",
        mitigation: "Move the credential to a secret store or an environment variable injected at deploy time, remove literal fallbacks, and revoke and rotate the exposed value (it stays in version history).",
    }
}

/// A value that names a setting rather than holding one: `spring.datasource.password`,
/// `db_password`, `x-api-key`.
fn names_a_setting(value: &str) -> bool {
    let lower = value.to_ascii_lowercase();
    value.contains(['.', '_', '-'])
        && value
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'))
        && [
            "password",
            "passwd",
            "secret",
            "token",
            "key",
            "credential",
            "auth",
        ]
        .iter()
        .any(|w| lower.contains(w))
}

fn article(word: &str) -> &'static str {
    match word.chars().next().map(|c| c.to_ascii_lowercase()) {
        Some('a' | 'e' | 'i' | 'o' | 'u') => "an",
        _ => "a",
    }
}

impl Check for HardcodedSecret {
    fn check_corpus(&self, cx: &Context, out: &mut Sink) {
        let sources = Sources::new(cx);
        for (facts, path) in util::code_files(cx) {
            let mut nth = Nth::default();
            for h in &facts.hardcoded {
                let Some(hit) = find_in_value(h.name.as_deref(), &h.value) else {
                    continue;
                };
                if !hit.by_format && names_a_setting(&h.value) {
                    continue;
                }
                let what = match (&h.name, h.context.as_str(), hit.by_format) {
                    (Some(n), "default", _) => {
                        format!("a fallback value for the credential `{n}`")
                    }
                    (Some(n), _, true) => {
                        format!("{} {} in `{n}`", article(&hit.what), hit.what)
                    }
                    (Some(n), _, false) => format!("the credential `{n}`"),
                    (None, _, _) => format!("{} {}", article(&hit.what), hit.what),
                };
                let label = h.name.clone().unwrap_or_else(|| hit.what.clone());
                let f = out
                    .report(
                        facts.file,
                        h.loc,
                        format!(
                            "`{path}`{} hard-codes {what}: everyone with access to the code or its history holds it",
                            sources.who(path),
                        ),
                    )
                    .key(nth.next(&format!("{path}:{label}")))
                    .secret(hit.value.clone());
                sources.attach(f, path);
            }
        }
    }
}
