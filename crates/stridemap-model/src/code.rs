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

/// Where a value reaching a sink comes from, as far as one file shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DataSource {
    /// A message consumed from a broker (Kafka, RabbitMQ, NATS, SQS, Pub/Sub, Redis…).
    Message,
    /// An HTTP request: body, parameters, headers, uploaded files.
    Request,
    /// Bytes read from a raw network socket.
    Socket,
    /// A local file the service opens itself.
    File,
    /// A constant written in the code.
    Constant,
    /// Not traced to any of the above.
    Unknown,
}

impl DataSource {
    /// Data an outside party controls: messages, requests, socket input.
    pub fn is_untrusted(self) -> bool {
        matches!(
            self,
            DataSource::Message | DataSource::Request | DataSource::Socket
        )
    }

    pub fn as_str(self) -> &'static str {
        match self {
            DataSource::Message => "message",
            DataSource::Request => "request",
            DataSource::Socket => "socket",
            DataSource::File => "file",
            DataSource::Constant => "constant",
            DataSource::Unknown => "unknown",
        }
    }
}

/// A call that turns bytes or text into live objects or code (`pickle.loads`, unsafe
/// `yaml.load`, `ObjectInputStream.readObject`, `node-serialize` `unserialize`, `eval`…),
/// with where its input comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Deserialization {
    /// `pickle`, `yaml`, `marshal`, `node-serialize`, `vm`, `ObjectInputStream`, `XStream`…
    pub library: String,
    /// The call as written, shortened: `pickle.loads`, `ois.readObject`.
    pub call: String,
    pub source: DataSource,
    /// The source was recognised by names only (a parameter `message` of a function
    /// `process_message`), not by a consumer, route or request object the file shows.
    pub inferred: bool,
    /// Topic, queue or subject the message was consumed from, when the file shows it.
    pub topic: Option<Expr>,
    /// Broker technology of that consumer (`kafka`, `rabbitmq`…).
    pub technology: Option<String>,
    /// Functions the data goes through, from where it enters to the sink, the sink last:
    /// `["consume_refunds", "decode_task", "pickle.loads"]`.
    pub path: Vec<String>,
    /// Where the data enters: the consumer, the handler, the request read.
    pub source_loc: Option<Location>,
    pub loc: Location,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HandlerKind {
    /// Serves an HTTP route.
    Request,
    /// Processes consumed messages.
    Message,
}

/// A function that handles requests or messages: a route's handler, a consumer callback or
/// listener method, the function that polls or iterates a consumer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Handler {
    pub kind: HandlerKind,
    /// The function's name; `<anonymous>` for a function literal.
    pub name: String,
    /// Message handlers: the broker technology and topic, when the file shows them.
    pub technology: Option<String>,
    pub topic: Option<Expr>,
    /// Recognised by names only (no consumer or route in the file).
    pub inferred: bool,
    /// Message handlers: the payload is visibly decoded (JSON, YAML, pickle, protobuf…) in
    /// the handler or a function of the file it calls.
    pub parses_payload: bool,
    /// Message handlers: a schema check is visible (jsonschema, pydantic, marshmallow, Joi,
    /// zod, ajv, validator, Bean Validation, Avro/Protobuf schema decoding).
    pub validates: bool,
    /// Message handlers: a duplicate / idempotency check is visible.
    pub dedups: bool,
    /// Start of the function.
    pub loc: Location,
    /// End of the function.
    pub end: Location,
}

/// A retry construct around outbound calls: a loop, a decorator or a retry library's
/// configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RetryLoop {
    /// `loop`, `decorator`, `library`.
    pub mechanism: String,
    /// What is retried or how: `while True around requests.post`, `@retry`, `axiosRetry`.
    pub detail: String,
    /// A visible limit: attempt counter, bounded `range`, deadline, `stop=`, `max_tries`.
    pub bounded: bool,
    /// A visible wait between attempts: sleep, backoff, `wait=`, `retryDelay`.
    pub backoff: bool,
    pub loc: Location,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NameKind {
    /// An environment variable read in the argument.
    Env,
    /// A variable, field or attribute.
    Variable,
    /// A key of a structured log field or dict (`extra={"token": t}`, `zap.String("token", t)`).
    Key,
    /// An HTTP header read (`request.headers["Authorization"]`).
    Header,
}

/// A name a log argument carries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LoggedName {
    pub name: String,
    pub kind: NameKind,
}

/// A log or print call whose arguments carry values under credential-looking names. Only
/// names that might hold a credential are kept; the rules decide which really do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SecretLog {
    /// The logging call as written (`logger.info`, `log.Printf`, `console.log`).
    pub logger: String,
    pub names: Vec<LoggedName>,
    pub loc: Location,
}

/// A string literal given to a credential-looking name (assignment, keyword argument,
/// field, environment default), or any literal with a known token format. Kept for the
/// secrets rules, which decide whether it is a credential.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HardcodedValue {
    /// The identifier, field, keyword or environment variable; `None` for a bare literal kept
    /// for its token shape.
    pub name: Option<String>,
    pub value: String,
    /// `assignment`, `argument`, `field`, `default` (an env or parameter fallback), `literal`.
    pub context: String,
    pub loc: Location,
}

/// A client setting that selects a Kafka security protocol in code: a literal `PLAINTEXT` or
/// `SASL_PLAINTEXT` given to a `security.protocol`-like key (map entry, keyword argument,
/// `put`/`set` argument, assignment), or the enum constant `SecurityProtocol.PLAINTEXT`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProtocolSetting {
    /// The key as written (`security.protocol`, `SECURITY_PROTOCOL_CONFIG`); `None` for the
    /// enum constant.
    pub key: Option<String>,
    /// `PLAINTEXT` or `SASL_PLAINTEXT`.
    pub value: String,
    /// Where the key (or the constant) starts.
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
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub handlers: Vec<Handler>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub deserializations: Vec<Deserialization>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub retries: Vec<RetryLoop>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub secret_logs: Vec<SecretLog>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub hardcoded: Vec<HardcodedValue>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub protocol_settings: Vec<ProtocolSetting>,
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
            handlers: Vec::new(),
            deserializations: Vec::new(),
            retries: Vec::new(),
            secret_logs: Vec::new(),
            hardcoded: Vec::new(),
            protocol_settings: Vec::new(),
        }
    }

    /// The handlers whose body contains `loc`, innermost first.
    pub fn handlers_at(&self, loc: Location) -> impl Iterator<Item = &Handler> {
        let mut v: Vec<&Handler> = self
            .handlers
            .iter()
            .filter(|h| h.loc <= loc && loc <= h.end)
            .collect();
        v.sort_by(|a, b| b.loc.cmp(&a.loc));
        v.into_iter()
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
