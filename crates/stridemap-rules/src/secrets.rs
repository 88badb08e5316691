//! Recognising credentials in configuration values: by key name, by the shape of well-known
//! token formats, by credentials embedded in URLs and by entropy — while leaving placeholders
//! (`changeme`, `${VAR}`, `<your-key>`) and references to secret stores alone.

use regex::{Regex, RegexSet};
use std::sync::LazyLock;

/// Replaces secret values in everything stridemap prints.
pub const REDACTED: &str = "[REDACTED]";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretHit {
    /// What was recognised: `AWS access key id`, `password`, `URL credentials`…
    pub what: String,
    /// The exact text to redact.
    pub value: String,
    /// Recognised by its format (high confidence) rather than by the key name alone.
    pub by_format: bool,
}

/// Token formats with a distinctive shape: a match is a secret whatever the key is called.
static TOKEN_FORMATS: &[(&str, &str)] = &[
    (
        "AWS access key id",
        r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|A3T[A-Z0-9])[A-Z0-9]{16}\b",
    ),
    (
        "GitHub token",
        r"\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36}\b|\bgithub_pat_[A-Za-z0-9_]{22,}\b",
    ),
    ("GitLab token", r"\bglpat-[A-Za-z0-9_\-]{20,}\b"),
    ("Slack token", r"\bxox[abposr]-[A-Za-z0-9\-]{10,}"),
    (
        "Slack webhook",
        r"https://hooks\.slack\.com/services/[A-Za-z0-9/_]{20,}",
    ),
    ("Stripe key", r"\b[sr]k_(?:live|test)_[A-Za-z0-9]{10,}\b"),
    ("Square token", r"\bsq0(?:atp|csp)-[A-Za-z0-9_\-]{22,}"),
    (
        "Amazon MWS token",
        r"\bamzn\.mws\.[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b",
    ),
    ("Mailchimp API key", r"\b[0-9a-f]{32}-us[0-9]{1,2}\b"),
    (
        "SendGrid API key",
        r"\bSG\.[A-Za-z0-9_\-]{16,32}\.[A-Za-z0-9_\-]{16,64}",
    ),
    ("Twilio API key", r"\bSK[0-9a-fA-F]{32}\b"),
    ("Google API key", r"\bAIza[0-9A-Za-z_\-]{35}"),
    ("Google OAuth token", r"\bya29\.[0-9A-Za-z_\-]{20,}"),
    ("Facebook access token", r"\bEAA[A-Za-z0-9]{20,}"),
    (
        "private key",
        r"-----BEGIN (?:[A-Z]+ )*PRIVATE KEY(?: BLOCK)?-----",
    ),
    (
        "JSON web token",
        r"\beyJ[A-Za-z0-9_\-]{10,}\.eyJ[A-Za-z0-9_\-]{10,}\.[A-Za-z0-9_\-]{10,}",
    ),
    ("npm token", r"\bnpm_[A-Za-z0-9]{36}\b"),
    ("PyPI token", r"\bpypi-AgEIcHlwaS5vcmc[A-Za-z0-9_\-]{50,}"),
    ("Docker Hub token", r"\bdckr_pat_[A-Za-z0-9_\-]{20,}"),
    ("HashiCorp Vault token", r"\bhvs\.[A-Za-z0-9_\-]{24,}"),
    ("Azure storage key", r"AccountKey=[A-Za-z0-9+/=]{40,}"),
    (
        "OpenAI API key",
        r"\bsk-(?:proj-)?[A-Za-z0-9_\-]{16,}T3BlbkFJ[A-Za-z0-9_\-]{16,}",
    ),
];

static TOKEN_SET: LazyLock<RegexSet> = LazyLock::new(|| {
    RegexSet::new(TOKEN_FORMATS.iter().map(|(_, re)| *re)).expect("token regexes")
});
static TOKEN_REGEXES: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    TOKEN_FORMATS
        .iter()
        .map(|(_, re)| Regex::new(re).expect("token regex"))
        .collect()
});
/// `scheme://user:password@host`
static URL_CREDENTIALS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"[A-Za-z][A-Za-z0-9+.\-]*://[^\s:/@]*:([^\s@/]+)@[^\s]").expect("url regex")
});
/// `Password=…;` in ADO/JDBC-style connection strings.
static CONNECTION_STRING_PASSWORD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(?:password|pwd)\s*=\s*([^;\s]+)").expect("connection string regex")
});

/// Words that make a key name a credential.
const STRONG_WORDS: &[&str] = &[
    "password",
    "passwd",
    "pwd",
    "pass",
    "passphrase",
    "secret",
    "secrets",
    "token",
    "apikey",
    "credential",
    "credentials",
    "privatekey",
    "accesskey",
    "secretkey",
    "clientsecret",
    "authtoken",
    "apitoken",
    "accesstoken",
    "refreshtoken",
    "sessiontoken",
    "bearer",
    "dbpassword",
    "adminpassword",
    "rootpassword",
    "masterkey",
    "encryptionkey",
    "signingkey",
    "hmac",
    "salt",
    "pat",
    // Redis: `--requirepass`, `--masterauth`.
    "requirepass",
    "masterauth",
];
/// Words that, after the credential word, make the key describe the credential instead of
/// holding it (`PASSWORD_FILE`, `TOKEN_TTL`, `SECRET_NAME`).
const DESCRIPTIVE_WORDS: &[&str] = &[
    "file",
    "path",
    "dir",
    "name",
    "ref",
    "id",
    "enabled",
    "enable",
    "disabled",
    "length",
    "len",
    "min",
    "max",
    "ttl",
    "timeout",
    "expiry",
    "expires",
    "expiration",
    "lifetime",
    "type",
    "mode",
    "version",
    "header",
    "algorithm",
    "alg",
    "endpoint",
    "host",
    "port",
    "user",
    "username",
    "policy",
    "rotation",
    "count",
    "size",
    "prefix",
    "suffix",
    "location",
    "format",
    "provider",
    "issuer",
    "audience",
    "field",
    "seconds",
    "ms",
    "minutes",
    "hours",
    "days",
    "url",
    "uri",
    "arn",
    "store",
    "manager",
    "required",
    "hash",
    "hashed",
    "mount",
    "volume",
    "env",
    "source",
    "template",
    "regex",
    "pattern",
    "validity",
    "stdin",
    "fd",
    "command",
    "cmd",
];
/// Key words that make a key name a credential only when its value also looks random.
const WEAK_WORDS: &[&str] = &[
    "key",
    "auth",
    "cred",
    "signature",
    "cookie",
    "session",
    "seed",
    "private",
    "access",
];

/// Splits `dbPassword`, `DB_PASSWORD`, `db-password` into lower-case words.
fn key_words(key: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut prev_lower = false;
    for ch in key.chars() {
        if !ch.is_ascii_alphanumeric() {
            if !current.is_empty() {
                words.push(std::mem::take(&mut current));
            }
            prev_lower = false;
            continue;
        }
        if ch.is_ascii_uppercase() && prev_lower && !current.is_empty() {
            words.push(std::mem::take(&mut current));
        }
        prev_lower = ch.is_ascii_lowercase() || ch.is_ascii_digit();
        current.push(ch.to_ascii_lowercase());
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeySensitivity {
    None,
    /// `API_KEY`, `AUTH`: a credential if the value looks random.
    Weak,
    /// `PASSWORD`, `SECRET_TOKEN`: a credential whatever its value looks like.
    Strong,
}

/// Key names that contain a credential word but are known not to hold a credential.
const NOT_CREDENTIALS: &[&str] = &[
    // etcd's bootstrap cluster identifier, not an authentication token.
    "initialclustertoken",
];

pub fn key_sensitivity(key: &str) -> KeySensitivity {
    let words = key_words(key);
    if NOT_CREDENTIALS.contains(&words.concat().as_str()) {
        return KeySensitivity::None;
    }
    // Credential words written together with what precedes them: `apikey`, `dbpassword`,
    // `API_KEY`. Only a match that ends at a word boundary counts, so `tokenizer` or
    // `secretsmanager` are not credentials.
    const COMPOUND: &[&str] = &[
        "password",
        "passwd",
        "secret",
        "token",
        "apikey",
        "privatekey",
        "accesskey",
    ];
    let mut prefix = String::new();
    let mut last_strong = None;
    for (i, w) in words.iter().enumerate() {
        prefix.push_str(w);
        if STRONG_WORDS.contains(&w.as_str()) || COMPOUND.iter().any(|c| prefix.ends_with(c)) {
            last_strong = Some(i);
        }
    }
    let descriptive_after = |from: usize| {
        words[from..]
            .iter()
            .any(|w| DESCRIPTIVE_WORDS.contains(&w.as_str()))
    };
    match last_strong {
        Some(i) if !descriptive_after(i + 1) => return KeySensitivity::Strong,
        Some(_) => return KeySensitivity::None,
        None => {}
    }
    if let Some(i) = words.iter().rposition(|w| WEAK_WORDS.contains(&w.as_str())) {
        if !descriptive_after(i + 1) {
            return KeySensitivity::Weak;
        }
    }
    KeySensitivity::None
}

/// Values that stand in for a secret rather than being one.
pub fn is_placeholder(value: &str) -> bool {
    let v = value.trim().trim_matches(|c| c == '"' || c == '\'');
    if v.is_empty() {
        return true;
    }
    let lower = v.to_ascii_lowercase();
    if v.contains("${")
        || v.contains("{{")
        || v.contains("$(")
        || v.contains("#{")
        || v.contains("%(")
        || v.contains("%s")
    {
        return true;
    }
    // `$$VAR` is Compose's escape for a literal `$VAR`, expanded by the container's shell.
    let v_unescaped = v
        .strip_prefix('$')
        .filter(|r| r.starts_with('$'))
        .unwrap_or(v);
    if v_unescaped.starts_with('$')
        && v_unescaped[1..]
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == '{')
    {
        return true;
    }
    if (v.starts_with('<') && v.ends_with('>'))
        || (v.starts_with('[') && v.ends_with(']'))
        || (v.starts_with('{') && v.ends_with('}'))
    {
        return true;
    }
    let first = v.chars().next().unwrap_or(' ');
    if v.chars().all(|c| c == first) {
        return true;
    }
    const EXACT: &[&str] = &[
        "changeme",
        "change-me",
        "change_me",
        "changethis",
        "change-this",
        "replaceme",
        "replace-me",
        "replace_me",
        "password",
        "passwd",
        "pass",
        "secret",
        "token",
        "example",
        "dummy",
        "placeholder",
        "todo",
        "tbd",
        "none",
        "null",
        "nil",
        "undefined",
        "redacted",
        "fake",
        "sample",
        "your-password",
        "yourpassword",
        "your_password",
        "mypassword",
        "my-password",
        "true",
        "false",
        "yes",
        "no",
        "on",
        "off",
        "default",
        "empty",
        "unset",
        "required",
        "optional",
        "string",
        "value",
        "xxx",
        "foo",
        "bar",
        "foobar",
        "n/a",
        "secretpassword",
        "notasecret",
        "not-a-secret",
    ];
    if EXACT.contains(&lower.as_str()) {
        return true;
    }
    const CONTAINS: &[&str] = &[
        "changeme",
        "change-me",
        "change_me",
        "replace_me",
        "replace-me",
        "placeholder",
        "your-",
        "your_",
        "<",
        "xxxx",
        "****",
        "redacted",
        "insert",
        "dummy",
    ];
    if CONTAINS.iter().any(|c| lower.contains(c)) {
        return true;
    }
    if starts_word(v, "example") || starts_word(v, "sample") {
        return true;
    }
    is_reference(&lower)
}

/// Whether `word` (lower case) occurs in `text` at the start of a word: after a
/// non-alphanumeric character, at a lower-to-upper case change (`myExample`) or at the start.
/// `my-example-key` and `ExampleToken` mark a sample value; a random-looking key that merely
/// contains the letters (`…CYEXAMPLEKEY`, as in published sample cloud keys that people do
/// paste into real configuration) does not.
fn starts_word(text: &str, word: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    let bytes = text.as_bytes();
    lower.match_indices(word).any(|(i, _)| {
        i == 0 || {
            let prev = bytes[i - 1];
            !prev.is_ascii_alphanumeric()
                || (prev.is_ascii_lowercase() && bytes[i].is_ascii_uppercase())
        }
    })
}

/// References to where a secret is kept: files, secret stores, encrypted blobs.
fn is_reference(lower: &str) -> bool {
    const PREFIXES: &[&str] = &[
        "/",
        "./",
        "../",
        "~/",
        "file:",
        "vault:",
        "arn:aws:",
        "projects/",
        "ref+",
        "sm://",
        "awssm:",
        "azurekeyvault",
        "secretsmanager:",
        "ssm:",
        "gcp:",
        "enc[",
        "sops:",
        "k8s:",
        "secret:",
        "env:",
        "valuefrom",
    ];
    PREFIXES.iter().any(|p| lower.starts_with(p))
}

/// Shannon entropy in bits per character.
pub fn entropy(value: &str) -> f64 {
    let mut counts = [0u32; 256];
    let mut n = 0u32;
    for b in value.bytes() {
        counts[b as usize] += 1;
        n += 1;
    }
    if n == 0 {
        return 0.0;
    }
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = f64::from(c) / f64::from(n);
            -p * p.log2()
        })
        .sum()
}

/// Random-looking: long, several character classes and high entropy.
pub fn looks_random(value: &str) -> bool {
    let v = value.trim();
    if v.len() < 16 || v.contains(char::is_whitespace) {
        return false;
    }
    let classes = [
        v.bytes().any(|b| b.is_ascii_lowercase()),
        v.bytes().any(|b| b.is_ascii_uppercase()),
        v.bytes().any(|b| b.is_ascii_digit()),
    ]
    .iter()
    .filter(|&&x| x)
    .count();
    classes >= 2 && entropy(v) >= 3.5
}

/// The names of the token formats recognised by their shape (as [`SecretHit::what`] gives them).
pub fn token_kinds() -> impl Iterator<Item = &'static str> {
    TOKEN_FORMATS.iter().map(|(what, _)| *what)
}

/// Well-known token formats and URL credentials anywhere in `text`.
pub fn find_tokens(text: &str) -> Vec<SecretHit> {
    let mut hits = Vec::new();
    if text.len() >= 8 {
        for i in TOKEN_SET.matches(text).iter() {
            for m in TOKEN_REGEXES[i].find_iter(text) {
                hits.push(SecretHit {
                    what: TOKEN_FORMATS[i].0.to_string(),
                    value: m.as_str().to_string(),
                    by_format: true,
                });
            }
        }
    }
    if text.contains("://") {
        for c in URL_CREDENTIALS.captures_iter(text) {
            let password = c.get(1).map_or("", |m| m.as_str());
            if !is_placeholder(password) {
                hits.push(SecretHit {
                    what: "password in a URL".into(),
                    value: password.to_string(),
                    by_format: true,
                });
            }
        }
    }
    if text.contains('=') && text.contains(';') {
        for c in CONNECTION_STRING_PASSWORD.captures_iter(text) {
            let password = c.get(1).map_or("", |m| m.as_str());
            if !is_placeholder(password) {
                hits.push(SecretHit {
                    what: "password in a connection string".into(),
                    value: password.to_string(),
                    by_format: true,
                });
            }
        }
    }
    hits
}

/// Whether a value stored under `key` is a credential.
pub fn find_in_value(key: Option<&str>, value: &str) -> Option<SecretHit> {
    if let Some(hit) = find_tokens(value).into_iter().next() {
        return Some(hit);
    }
    let value = value.trim();
    if is_placeholder(value) || value.len() < 3 || value.split_whitespace().count() > 3 {
        return None;
    }
    let key = key?;
    if names_its_key(key, value) || names_secret_object(key, value) {
        return None;
    }
    let what = || format!("credential in `{key}`");
    match key_sensitivity(key) {
        KeySensitivity::Strong => Some(SecretHit {
            what: what(),
            value: value.to_string(),
            by_format: false,
        }),
        KeySensitivity::Weak if looks_random(value) => Some(SecretHit {
            what: what(),
            value: value.to_string(),
            by_format: false,
        }),
        _ => None,
    }
}

/// `--webhook-ca-secret=app-webhook-ca`: under a key whose credential word is `secret`, a
/// hyphenated lower-case DNS name (optionally `namespace/name`) names a Kubernetes Secret
/// object rather than holding secret text.
fn names_secret_object(key: &str, value: &str) -> bool {
    let words = key_words(key);
    let last_strong = words
        .iter()
        .rev()
        .find(|w| STRONG_WORDS.contains(&w.as_str()));
    if !matches!(last_strong.map(String::as_str), Some("secret" | "secrets")) {
        return false;
    }
    let dns_name = |s: &str| {
        !s.is_empty()
            && s.len() <= 253
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.')
            && s.as_bytes()[0].is_ascii_alphanumeric()
            && s.as_bytes()[s.len() - 1].is_ascii_alphanumeric()
    };
    let name = match value.split_once('/') {
        Some((ns, name)) if dns_name(ns) => name,
        Some(_) => return false,
        None => value,
    };
    dns_name(name) && name.contains('-') && name.split('-').all(|p| !p.is_empty())
}

/// A value that only repeats its key in capitals (`API_KEY: API_KEY_VAL`,
/// `password: PASSWORD`): a marker for a deployment script to substitute.
fn names_its_key(key: &str, value: &str) -> bool {
    let upper_snake = value
        .chars()
        .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
    if !upper_snake {
        return false;
    }
    let norm = |s: &str| -> String {
        s.chars()
            .filter(char::is_ascii_alphanumeric)
            .map(|c| c.to_ascii_lowercase())
            .collect()
    };
    let (k, v) = (norm(key), norm(value));
    !k.is_empty() && v.contains(&k)
}

/// Credentials in a command line: token formats, URL credentials, `--password=…` style flags,
/// `KEY=value` assignments and `kubectl create secret --from-literal`.
pub fn find_in_command(words: &[&str]) -> Vec<SecretHit> {
    let mut hits = Vec::new();
    let mut i = 0;
    while i < words.len() {
        let word = words[i];
        hits.extend(find_tokens(word));
        if let Some(flag) = word.strip_prefix("--") {
            let (name, inline) = match flag.split_once('=') {
                Some((n, v)) => (n, Some(v)),
                None => (flag, None),
            };
            if name == "from-literal" {
                let literal =
                    inline.or_else(|| words.get(i + 1).copied().filter(|v| !v.starts_with('-')));
                if let Some((k, v)) = literal.and_then(|v| v.split_once('=')) {
                    let tokens = find_tokens(v);
                    if inline.is_some() && !tokens.is_empty() {
                        // Already found in the whole word above.
                    } else if !tokens.is_empty() {
                        hits.extend(tokens);
                    } else {
                        hits.extend(find_in_value(Some(k), v).or_else(|| literal_value(k, v)));
                    }
                }
                if inline.is_none() && literal.is_some() {
                    i += 1;
                }
            } else if key_sensitivity(name) == KeySensitivity::Strong {
                let value =
                    inline.or_else(|| words.get(i + 1).copied().filter(|v| !v.starts_with('-')));
                if let Some(v) = value {
                    hits.extend(find_in_value(Some(name), v));
                    if inline.is_none() {
                        i += 1;
                    }
                }
            }
        } else if let Some(hit) = authorization_header(word) {
            hits.push(hit);
        } else if let Some((k, v)) = word.split_once('=') {
            if !k.is_empty()
                && k.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.' || c == '-')
            {
                hits.extend(find_in_value(Some(k), v).filter(|h| !h.by_format));
            }
        }
        i += 1;
    }
    hits.dedup();
    hits
}

/// A value given to `kubectl create secret --from-literal`: a secret whatever its key is
/// called, unless it is a placeholder.
fn literal_value(key: &str, value: &str) -> Option<SecretHit> {
    let value = value.trim();
    (!is_placeholder(value) && value.len() >= 3).then(|| SecretHit {
        what: format!("secret literal `{key}`"),
        value: value.to_string(),
        by_format: false,
    })
}

/// `Authorization: Bearer …` / `Basic …` / `token …` passed as one word (`curl -H`).
fn authorization_header(word: &str) -> Option<SecretHit> {
    let (name, rest) = word.split_once(':')?;
    let name = name.trim();
    if !name.eq_ignore_ascii_case("authorization")
        && !name.eq_ignore_ascii_case("proxy-authorization")
        && !name.eq_ignore_ascii_case("private-token")
        && !name.eq_ignore_ascii_case("x-api-key")
    {
        return None;
    }
    let rest = rest.trim();
    let credential = match rest.split_once(char::is_whitespace) {
        Some((scheme, cred))
            if ["bearer", "basic", "token", "bot"]
                .contains(&scheme.to_ascii_lowercase().as_str()) =>
        {
            cred.trim()
        }
        _ => rest,
    };
    (!is_placeholder(credential) && credential.len() >= 8).then(|| SecretHit {
        what: format!("credential in an `{name}` header"),
        value: credential.to_string(),
        by_format: false,
    })
}

/// Credentials inside a configuration file held as one string (a ConfigMap entry holding
/// `application.properties`, a YAML or `.env` file): each line is read as `key = value` or
/// `key: value`, and well-known token formats are found anywhere. Returns each hit with the
/// 0-based index of its line.
pub fn find_in_text(text: &str) -> Vec<(usize, SecretHit)> {
    let mut hits: Vec<(usize, SecretHit)> = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let trimmed = line.trim();
        if trimmed.is_empty() {
            continue;
        }
        let tokens = find_tokens(trimmed);
        if !tokens.is_empty() {
            hits.extend(tokens.into_iter().map(|h| (n, h)));
            continue;
        }
        if trimmed.starts_with('#') || trimmed.starts_with("//") || trimmed.starts_with(';') {
            continue;
        }
        if let Some((key, value)) = split_assignment(trimmed) {
            if let Some(hit) = find_in_value(Some(key), value) {
                hits.push((n, hit));
            }
        }
    }
    hits.dedup_by(|a, b| a.1.value == b.1.value);
    hits
}

/// `key = value`, `key: value`, `"key": "value",`, `export KEY=value` → (key, value).
fn split_assignment(line: &str) -> Option<(&str, &str)> {
    let line = line
        .strip_prefix("export ")
        .unwrap_or(line)
        .trim_start_matches("- ");
    let eq = line.find('=');
    // `: ` (YAML, JSON) — a bare `:` would split URLs and times.
    let colon = line
        .match_indices(':')
        .find(|(i, _)| line[i + 1..].is_empty() || line[i + 1..].starts_with(char::is_whitespace))
        .map(|(i, _)| i);
    let at = match (eq, colon) {
        (Some(e), Some(c)) => e.min(c),
        (Some(e), None) => e,
        (None, Some(c)) => c,
        (None, None) => return None,
    };
    let key = line[..at].trim().trim_matches(|c| c == '"' || c == '\'');
    let value = line[at + 1..]
        .trim()
        .trim_end_matches(',')
        .trim()
        .trim_matches(|c| c == '"' || c == '\'');
    if key.is_empty()
        || key.contains(char::is_whitespace)
        || value.is_empty()
        || value.starts_with('{')
        || value.starts_with('[')
    {
        return None;
    }
    Some((key, value))
}

/// Shell-style word splitting (quotes honoured); falls back to whitespace.
pub fn split_command(text: &str) -> Vec<String> {
    shlex::split(text).unwrap_or_else(|| text.split_whitespace().map(str::to_string).collect())
}

/// Replaces many secrets at once (one Aho-Corasick automaton), for report-wide redaction.
pub struct Redactor {
    automaton: Option<aho_corasick::AhoCorasick>,
}

impl Redactor {
    pub fn new(secrets: impl IntoIterator<Item = String>) -> Self {
        let patterns: Vec<String> = secrets.into_iter().filter(|s| s.len() >= 3).collect();
        let automaton = (!patterns.is_empty()).then(|| {
            // The NFA builds in time linear in the patterns' total length; the DFA the builder
            // would pick for few patterns fills a transition table per state, which for a few
            // megabyte-long periodic secret values (hostile input) takes minutes.
            aho_corasick::AhoCorasick::builder()
                .kind(Some(aho_corasick::AhoCorasickKind::NoncontiguousNFA))
                .match_kind(aho_corasick::MatchKind::LeftmostLongest)
                .build(&patterns)
                .expect("literal patterns always build")
        });
        Redactor { automaton }
    }

    pub fn redact(&self, text: &str) -> String {
        match &self.automaton {
            Some(ac) if ac.is_match(text) => {
                ac.replace_all(text, &vec![REDACTED; ac.patterns_len()])
            }
            _ => text.to_string(),
        }
    }
}

/// Replaces every occurrence of each secret in `text`.
pub fn redact(text: &str, secrets: &[String]) -> String {
    let mut out = text.to_string();
    let mut sorted: Vec<&String> = secrets.iter().filter(|s| s.len() >= 3).collect();
    // Longest first, so a secret that contains another is replaced whole.
    sorted.sort_by_key(|s| std::cmp::Reverse(s.len()));
    for s in sorted {
        if out.contains(s.as_str()) {
            out = out.replace(s.as_str(), REDACTED);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_names() {
        use KeySensitivity::*;
        for k in [
            "DB_PASS_BD",
            "POSTGRES_PASSWORD",
            "SECRET_BLAH",
            "dbPassword",
            "AWS_SECRET_ACCESS_KEY",
            "JWT_SECRET_KEY",
            "apiToken",
            "stripe-secret",
        ] {
            assert_eq!(key_sensitivity(k), Strong, "{k}");
        }
        for k in [
            "PASSWORD_FILE",
            "TOKEN_TTL",
            "SECRET_NAME",
            "AWS_ACCESS_KEY_ID",
            "BLAH",
            "PORT",
            "DB_HOST",
            "password_min_length",
            "TOKEN_EXPIRY_SECONDS",
        ] {
            assert_eq!(key_sensitivity(k), None, "{k}");
        }
        assert_eq!(key_sensitivity("API_KEY"), Strong);
        assert_eq!(key_sensitivity("SIGNING_KEY"), Weak);
    }

    #[test]
    fn placeholders() {
        for v in [
            "changeme",
            "${DB_PASSWORD}",
            "<your-key>",
            "{{ .Values.password }}",
            "xxxxxx",
            "$SECRET",
            "$$REDIS_PASSWORD",
            "/run/secrets/db",
            "",
            "password",
        ] {
            assert!(is_placeholder(v), "{v}");
        }
        for v in ["root", "postgres", "pass!1213Fs", "supersecret123", "passx"] {
            assert!(!is_placeholder(v), "{v}");
        }
    }

    #[test]
    fn values() {
        assert!(find_in_value(Some("DB_PASS_BD"), "passx").is_some());
        assert!(find_in_value(Some("BLAH"), "secretsquirrels").is_none());
        assert!(
            find_in_value(Some("anything"), "AKIAIOSFODNN7EXAMPLE").is_some_and(|h| h.by_format)
        );
        let url = find_in_value(
            Some("DATABASE_URL"),
            "postgres://admin:secretpassword123@db:5432/app",
        )
        .unwrap();
        assert_eq!(url.value, "secretpassword123");
        assert!(find_in_value(
            Some("DATABASE_URL"),
            "postgres://admin:${DB_PASSWORD}@db:5432/app"
        )
        .is_none());
        assert!(find_in_value(Some("API_KEY"), "sk-live-abc123xyz").is_some());
        assert!(
            find_in_value(Some("SIGNING_KEY"), "short").is_none(),
            "weak key, plain value"
        );
        assert!(find_in_value(Some("SIGNING_KEY"), "sk-live-abc123xyzQW12er34").is_some());
        assert!(find_in_value(Some("token"), "sq0atp-812erere3wewew45678901").is_some());
        assert!(find_in_value(Some("GOOGLE_API_KEY"), "GOOGLE_API_KEY_VAL").is_none());
        assert!(find_in_value(Some("webhook-ca-secret"), "app-cert-manager-webhook-ca").is_none());
        assert!(find_in_value(Some("tls-secret"), "ingress/shop-tls").is_none());
        assert!(find_in_value(Some("JWT_SECRET"), "jwt-Secret-2024").is_some());
        assert!(find_in_value(Some("DB_PASSWORD"), "shop-db-pass").is_some());
        assert!(find_in_value(Some("initial-cluster-token"), "cluster0").is_none());
        assert!(find_in_value(Some("db_password"), "DB_PASSWORD").is_none());
        assert!(find_in_value(Some("DB_PASSWORD"), "S3CR3T_2024").is_some());
    }

    #[test]
    fn commands() {
        let words = split_command("kubectl create secret generic db --from-literal=password=hunter22 && mysql -u root --password=S3cr3t!");
        let refs: Vec<&str> = words.iter().map(String::as_str).collect();
        let hits = find_in_command(&refs);
        let values: Vec<&str> = hits.iter().map(|h| h.value.as_str()).collect();
        assert_eq!(values, vec!["hunter22", "S3cr3t!"]);
        assert!(find_in_command(&["echo", "hello"]).is_empty());
    }

    #[test]
    fn compound_key_names_end_at_a_word_boundary() {
        use KeySensitivity::*;
        for k in [
            "mysqlRootPassword",
            "GITHUB_APITOKEN",
            "stripeApiKey",
            "client_secret",
        ] {
            assert_eq!(key_sensitivity(k), Strong, "{k}");
        }
        for k in [
            "TOKENIZER_MODEL",
            "secretsmanager_region",
            "DOCKER_PASSWORD_STDIN",
            "PASSWORD_COMMAND",
        ] {
            assert_eq!(key_sensitivity(k), None, "{k}");
        }
    }

    #[test]
    fn sample_markers_only_count_as_words() {
        for v in [
            "example-password",
            "my_example_key",
            "ExampleToken123",
            "sample",
        ] {
            assert!(is_placeholder(v), "{v}");
        }
        // Published sample keys still look like, and get used as, real credentials.
        assert!(!is_placeholder("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"));
        assert!(find_in_value(
            Some("AWS_SECRET_ACCESS_KEY"),
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
        )
        .is_some());
    }

    #[test]
    fn more_commands() {
        let words = split_command(
            "kubectl create secret generic api --from-literal token=Zx81kQ2m9LpQ && curl -H 'Authorization: Bearer 8f7e6d5c4b3a2910' https://api",
        );
        let refs: Vec<&str> = words.iter().map(String::as_str).collect();
        let values: Vec<String> = find_in_command(&refs)
            .into_iter()
            .map(|h| h.value)
            .collect();
        assert_eq!(values, vec!["Zx81kQ2m9LpQ", "8f7e6d5c4b3a2910"]);
        // A secret literal is secret whatever its key is called.
        let hits = find_in_command(&[
            "kubectl",
            "create",
            "secret",
            "generic",
            "x",
            "--from-literal=dsn=hunter2x",
        ]);
        assert_eq!(hits.len(), 1);
        // Reading the password from stdin names no value.
        assert!(find_in_command(&[
            "docker",
            "login",
            "--password-stdin",
            "registry.example.com"
        ])
        .is_empty());
        assert!(
            find_in_command(&["curl", "-H", "Authorization: Bearer $TOKEN", "https://x"])
                .is_empty()
        );
    }

    #[test]
    fn config_text() {
        let text = "# database\nspring.datasource.url=jdbc:postgresql://db:5432/app\nspring.datasource.password=Hunter2Pass\nserver.port=8080\nlogging:\n  token: \"q8Zr1vXk0pLm\"\n  token_ttl: 30\n";
        let hits = find_in_text(text);
        let values: Vec<(usize, &str)> = hits.iter().map(|(n, h)| (*n, h.value.as_str())).collect();
        assert_eq!(values, vec![(2, "Hunter2Pass"), (5, "q8Zr1vXk0pLm")]);
        assert!(
            find_in_text("password: ${DB_PASSWORD}\nurl: https://example.com:8443/x").is_empty()
        );
    }

    #[test]
    fn redaction() {
        assert_eq!(
            redact("password: hunter22 # hunter22", &["hunter22".into()]),
            "password: [REDACTED] # [REDACTED]"
        );
    }
}
