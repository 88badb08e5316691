//! Facts extracted from application source code (Python, JavaScript/TypeScript, Go, Java):
//! where a service calls, what it publishes and consumes, what it serves. Extraction is done by
//! the ingest stage with tree-sitter; the architecture stage and the code rules read these.

use crate::corpus::{FileId, Language};
use crate::location::Location;
use serde::Serialize;

/// A value as the code builds it, resolved as far as one file allows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Expr {
    /// A string literal, or a constant assigned one in the same file.
    Literal { value: String },
    /// An environment variable read (`os.environ["X"]`, `process.env.X`, `os.Getenv("X")`,
    /// `System.getenv("X")`), with its in-code default when there is one.
    Env {
        name: String,
        default: Option<String>,
    },
    /// String building: f-strings, template literals, `+`, `fmt.Sprintf`, `String.format`.
    Concat { parts: Vec<Expr> },
    /// Anything else; `text` is the source text, for messages.
    Unknown { text: String },
}

impl Expr {
    pub fn literal(value: impl Into<String>) -> Self {
        Expr::Literal {
            value: value.into(),
        }
    }

    pub fn unknown(text: impl Into<String>) -> Self {
        Expr::Unknown { text: text.into() }
    }

    /// The value, given how to look up environment variables; unknown parts become `None`
    /// unless they are a trailing path (the host and port are what matter for flows).
    pub fn resolve(&self, env: &dyn Fn(&str) -> Option<String>) -> Option<String> {
        match self {
            Expr::Literal { value } => Some(value.clone()),
            Expr::Env { name, default } => env(name).or_else(|| default.clone()),
            Expr::Concat { parts } => {
                let mut out = String::new();
                for (i, p) in parts.iter().enumerate() {
                    match p.resolve(env) {
                        Some(v) => out.push_str(&v),
                        // `f"{base}/orders/{id}"`: once a host is known the rest is path.
                        None if i > 0 && !out.is_empty() => break,
                        None => return None,
                    }
                }
                Some(out)
            }
            Expr::Unknown { .. } => None,
        }
    }

    /// Environment variables the value depends on.
    pub fn env_names(&self) -> Vec<&str> {
        match self {
            Expr::Env { name, .. } => vec![name.as_str()],
            Expr::Concat { parts } => parts.iter().flat_map(Expr::env_names).collect(),
            _ => Vec::new(),
        }
    }

    /// Source-like rendering for messages: `"http://x"`, `$ORDERS_URL`, `…`.
    pub fn display(&self) -> String {
        match self {
            Expr::Literal { value } => value.clone(),
            Expr::Env { name, .. } => format!("${name}"),
            Expr::Concat { parts } => parts.iter().map(Expr::display).collect(),
            Expr::Unknown { text } => format!("{{{text}}}"),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CallKind {
    Http,
    Grpc,
    Database,
}

/// A client connection or request to another service or store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OutboundCall {
    pub kind: CallKind,
    /// The client library or API: `requests`, `axios`, `net/http`, `RestTemplate`, `psycopg2`…
    pub library: String,
    /// HTTP method when the call shows it (`GET`, `POST`).
    pub method: Option<String>,
    /// The URL, address or connection string.
    pub target: Expr,
    /// Database engine for `CallKind::Database` (`postgres`, `mysql`, `mongodb`, `redis`…).
    pub technology: Option<String>,
    /// `Some(false)` when the call visibly sets no timeout, `Some(true)` when it sets one,
    /// `None` when the code does not say (a client configured elsewhere).
    pub has_timeout: Option<bool>,
    /// `Some(true)` when the client visibly opts out of transport security (gRPC
    /// `insecure_channel`, `insecure.NewCredentials()`, `usePlaintext()`,
    /// `credentials.createInsecure()`), `Some(false)` when it visibly sets TLS credentials,
    /// `None` when the code does not say.
    pub plaintext: Option<bool>,
    pub loc: Location,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MessagingRole {
    Producer,
    Consumer,
}

/// Publishing to or consuming from a topic or queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MessagingUse {
    pub role: MessagingRole,
    /// `kafka`, `rabbitmq`, `nats`, `sqs`, `sns`, `pubsub`, `redis`.
    pub technology: String,
    pub library: String,
    /// Topic, queue or subject.
    pub topic: Expr,
    /// Bootstrap servers / broker URL when the code shows them.
    pub servers: Option<Expr>,
    pub loc: Location,
}

/// An HTTP endpoint the service serves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Route {
    /// `flask`, `fastapi`, `express`, `net/http`, `gin`, `spring`…
    pub framework: String,
    pub method: Option<String>,
    pub path: String,
    /// Authentication visible at the route: decorators, middleware, annotations (their names).
    pub auth: Vec<String>,
    pub loc: Location,
}

/// TLS certificate verification switched off (`verify=False`, `InsecureSkipVerify: true`,
/// `rejectUnauthorized: false`, trust-all managers).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InsecureTls {
    pub detail: String,
    pub loc: Location,
}

/// Everything extracted from one source file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CodeFacts {
    #[serde(skip)]
    pub file: FileId,
    pub language: Language,
    pub calls: Vec<OutboundCall>,
    pub messaging: Vec<MessagingUse>,
    pub routes: Vec<Route>,
    pub insecure_tls: Vec<InsecureTls>,
}

impl CodeFacts {
    pub fn new(file: FileId, language: Language) -> Self {
        CodeFacts {
            file,
            language,
            calls: Vec::new(),
            messaging: Vec::new(),
            routes: Vec::new(),
            insecure_tls: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_env_and_templates() {
        let e = Expr::Concat {
            parts: vec![
                Expr::Env {
                    name: "ORDERS_URL".into(),
                    default: Some("http://localhost:8080".into()),
                },
                Expr::literal("/orders/"),
                Expr::unknown("id"),
            ],
        };
        let env = |n: &str| (n == "ORDERS_URL").then(|| "http://orders:8080".to_string());
        assert_eq!(
            e.resolve(&env).as_deref(),
            Some("http://orders:8080/orders/")
        );
        assert_eq!(
            e.resolve(&|_| None).as_deref(),
            Some("http://localhost:8080/orders/")
        );
        assert_eq!(Expr::unknown("x").resolve(&|_| None), None);
        assert_eq!(e.env_names(), vec!["ORDERS_URL"]);
    }
}
