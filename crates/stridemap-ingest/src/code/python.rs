//! Python: requests/httpx/aiohttp/urllib/http.client, grpc, database and cache clients, Kafka
//! (kafka-python, confluent-kafka, aiokafka), RabbitMQ (pika, aio-pika), NATS, SQS/SNS, Pub/Sub,
//! Flask/FastAPI/Django routes, and TLS verification switched off.

use super::expr::{self, concat, host_port};
use super::MAX_DEPTH;
use super::{db_technology_of, field, is_auth_name, join_path, named_children, Captures, Cx};
use stridemap_model::code::{CallKind, Expr, MessagingRole};
use tree_sitter::Node;

mod indicators;

pub(super) const QUERY: &str = r#"
(function_definition) @scope
(lambda) @scope
(class_definition) @class
(assignment) @assign
(with_item value: (as_pattern)) @with
(parameters) @params
(lambda_parameters) @params
(import_statement) @import
(import_from_statement) @import
(call) @call
(decorated_definition) @decorated
((attribute attribute: (identifier) @_a) @tls_attr
  (#any-of? @_a "CERT_NONE" "_create_unverified_context"))
(return_statement) @ret
(while_statement) @loop
(for_statement) @loop
(pair) @pair
"#;

const HTTP_METHODS: &[&str] = &[
    "get", "post", "put", "patch", "delete", "head", "options", "request", "stream",
];

pub(super) fn extract<'t>(cx: &mut Cx<'t>, caps: &Captures<'t>) {
    for &n in caps.get("scope") {
        cx.add_scope(n, false);
    }
    for &n in caps.get("class") {
        cx.add_scope(n, true);
    }
    cx.seal_scopes();
    for &n in caps.get("import") {
        import(cx, n);
    }
    for &n in caps.get("params") {
        params(cx, n);
    }
    for &n in caps.get("assign") {
        assign(cx, n);
    }
    for &n in caps.get("with") {
        if let Some(asp) = field(n, "value") {
            let value = named_children(asp).into_iter().next();
            let target = asp
                .child_by_field_name("alias")
                .and_then(|a| named_children(a).into_iter().next());
            if let (Some(v), Some(t)) = (value, target) {
                if t.kind() == "identifier" {
                    let name = cx.text(t);
                    cx.bind(name, n, Some(v));
                }
            }
        }
    }
    for &n in caps.get("call") {
        call(cx, n);
    }
    for &n in caps.get("decorated") {
        decorated(cx, n);
    }
    for &n in caps.get("tls_attr") {
        let detail = cx.text(n).to_string();
        // `ssl._create_unverified_context()` and `ssl.CERT_NONE` anywhere.
        cx.insecure_tls(n, expr::short_text(&detail));
    }
    indicators::run(cx, caps);
}

// ----- bindings ------------------------------------------------------------------------------

fn import<'t>(cx: &mut Cx<'t>, n: Node<'t>) {
    let module = field(n, "module_name").map(|m| cx.text(m).to_string());
    let mut c = n.walk();
    let names: Vec<Node> = n.children_by_field_name("name", &mut c).collect();
    for name in names {
        let (path, alias) = match name.kind() {
            "aliased_import" => (
                field(name, "name").map(|x| cx.text(x)).unwrap_or(""),
                field(name, "alias").map(|x| cx.text(x)),
            ),
            _ => (cx.text(name), None),
        };
        let full = match &module {
            Some(m) => format!("{m}.{path}"),
            None => path.to_string(),
        };
        let local = match alias {
            Some(a) => a.to_string(),
            None if module.is_some() => path.to_string(),
            // `import a.b` binds `a`, which is itself.
            None => continue,
        };
        cx.imports.insert(local, full);
    }
}

fn params<'t>(cx: &mut Cx<'t>, n: Node<'t>) {
    for p in named_children(n) {
        let name = match p.kind() {
            "identifier" => Some(p),
            "default_parameter" | "typed_default_parameter" => field(p, "name"),
            "typed_parameter" | "list_splat_pattern" | "dictionary_splat_pattern" => {
                named_children(p)
                    .into_iter()
                    .find(|c| c.kind() == "identifier")
            }
            _ => None,
        };
        if let Some(name) = name {
            let text = cx.text(name);
            cx.bind(text, name, None);
        }
    }
}

fn assign<'t>(cx: &mut Cx<'t>, n: Node<'t>) {
    let (Some(left), right) = (field(n, "left"), field(n, "right")) else {
        return;
    };
    // `x: str` without a value declares nothing useful.
    let Some(right) = right else { return };
    match left.kind() {
        "identifier" => {
            let name = cx.text(left);
            let scope = cx.scope_at(n.start_byte());
            cx.bind_full(name, scope, n.end_byte(), Some(right), 0, None);
            if scope.class {
                // Class attributes are read as `self.X` in methods.
                cx.bind_full(
                    &format!("self.{name}"),
                    scope,
                    n.end_byte(),
                    Some(right),
                    0,
                    None,
                );
            }
        }
        "attribute" => {
            let text = cx.text(left);
            if text.starts_with("self.") || text.starts_with("cls.") {
                let scope = cx.class_scope_at(n.start_byte());
                let key = text.replacen("cls.", "self.", 1);
                cx.bind_full(&key, scope, n.end_byte(), Some(right), 0, None);
            }
            // `session.verify = False`, `ctx.check_hostname = False`.
            if right.kind() == "false" {
                if let Some(attr) = field(left, "attribute") {
                    let a = cx.text(attr);
                    if a == "verify" || a == "check_hostname" {
                        cx.insecure_tls(n, format!("{a} = False"));
                    }
                }
            }
        }
        "pattern_list" | "tuple_pattern" => {
            let names = named_children(left);
            let values = if matches!(right.kind(), "expression_list" | "tuple") {
                named_children(right)
            } else {
                Vec::new()
            };
            for (i, name) in names.iter().enumerate() {
                if name.kind() != "identifier" {
                    continue;
                }
                let v = if values.len() == names.len() {
                    values.get(i).copied()
                } else {
                    None
                };
                let text = cx.text(*name);
                cx.bind(text, n, v);
            }
        }
        _ => {}
    }
}

// ----- values --------------------------------------------------------------------------------

/// A name or attribute chain as dotted text (`requests.get`), with the first segment replaced
/// by what it was imported as (`from kafka import KafkaProducer` → `kafka.KafkaProducer`).
fn qualified(cx: &Cx, n: Node) -> Option<String> {
    let d = dotted(cx, n, 0)?;
    let (first, rest) = match d.find('.') {
        Some(i) => (&d[..i], &d[i..]),
        None => (d.as_str(), ""),
    };
    Some(match cx.imports.get(first) {
        Some(full) => format!("{full}{rest}"),
        None => d,
    })
}

fn dotted(cx: &Cx, n: Node, depth: usize) -> Option<String> {
    if depth > 16 {
        return None;
    }
    match n.kind() {
        "identifier" => Some(cx.text(n).to_string()),
        "attribute" => {
            let obj = dotted(cx, field(n, "object")?, depth + 1)?;
            Some(format!("{obj}.{}", cx.text(field(n, "attribute")?)))
        }
        _ => None,
    }
}

fn ends_with_seg(q: &str, seg: &str) -> bool {
    q == seg || q.ends_with(&format!(".{seg}"))
}

struct Args<'t> {
    pos: Vec<Node<'t>>,
    kw: Vec<(&'t str, Node<'t>)>,
    splat: bool,
}

impl<'t> Args<'t> {
    fn of(cx: &Cx<'t>, call: Node<'t>) -> Self {
        let mut a = Args {
            pos: Vec::new(),
            kw: Vec::new(),
            splat: false,
        };
        let Some(list) = field(call, "arguments") else {
            return a;
        };
        for c in named_children(list) {
            match c.kind() {
                "keyword_argument" => {
                    if let (Some(k), Some(v)) = (field(c, "name"), field(c, "value")) {
                        a.kw.push((cx.text(k), v));
                    }
                }
                "list_splat" | "dictionary_splat" => a.splat = true,
                _ => a.pos.push(c),
            }
        }
        a
    }

    fn kw(&self, name: &str) -> Option<Node<'t>> {
        self.kw.iter().find(|(k, _)| *k == name).map(|(_, v)| *v)
    }

    /// Positional argument `i`, or the keyword `name`.
    fn arg(&self, i: usize, name: &str) -> Option<Node<'t>> {
        self.pos.get(i).copied().or_else(|| self.kw(name))
    }

    /// `timeout=`: `Some(true)` when set (not `None`), `Some(false)` when `None`.
    fn timeout(&self, cx: &Cx) -> Option<bool> {
        let mut found = None;
        for (k, v) in &self.kw {
            if k.contains("timeout") {
                found = Some(cx.text(*v) != "None");
            }
        }
        found
    }
}

fn eval(cx: &Cx, n: Node, depth: usize) -> Expr {
    if depth > MAX_DEPTH || !cx.tick() {
        return cx.unknown(n);
    }
    match n.kind() {
        "string" => string(cx, n, depth),
        "concatenated_string" => concat(
            named_children(n)
                .into_iter()
                .map(|s| eval(cx, s, depth + 1))
                .collect(),
        ),
        "integer" | "float" => Expr::literal(cx.text(n)),
        "parenthesized_expression" => match named_children(n).first() {
            Some(&inner) => eval(cx, inner, depth + 1),
            None => cx.unknown(n),
        },
        "identifier" => name_value(cx, cx.text(n), n, depth),
        "attribute" => {
            let text = cx.text(n);
            if text.starts_with("self.") || text.starts_with("cls.") {
                return name_value(cx, &text.replacen("cls.", "self.", 1), n, depth);
            }
            // `Config.BASE_URL`, `settings.ORDERS_URL`: a class constant of this file.
            if let Some(attr) = field(n, "attribute") {
                let a = cx.text(attr);
                if expr::looks_like_env_name(a) {
                    if let Some(b) = cx.lookup(a, n.start_byte()) {
                        if let Some(v) = b.value {
                            return eval(cx, v, depth + 1);
                        }
                    }
                }
            }
            cx.unknown(n)
        }
        "subscript" => {
            let value = field(n, "value").map(|v| qualified(cx, v));
            if let Some(Some(q)) = value {
                if q == "os.environ" {
                    if let Some(key) = field(n, "subscript") {
                        if let Expr::Literal { value } = eval(cx, key, depth + 1) {
                            return Expr::Env {
                                name: value,
                                default: None,
                            };
                        }
                    }
                }
            }
            cx.unknown(n)
        }
        "call" => call_value(cx, n, depth),
        "binary_operator" => {
            let op = field(n, "operator").map(|o| cx.text(o)).unwrap_or("");
            let (Some(l), Some(r)) = (field(n, "left"), field(n, "right")) else {
                return cx.unknown(n);
            };
            match op {
                "+" => {
                    // Flatten a left-deep `a + b + c` chain without recursing on it.
                    let mut operands = vec![r];
                    let mut cur = l;
                    while cur.kind() == "binary_operator"
                        && field(cur, "operator").map(|o| cx.text(o)) == Some("+")
                        && operands.len() < 256
                    {
                        let (Some(cl), Some(cr)) = (field(cur, "left"), field(cur, "right")) else {
                            break;
                        };
                        operands.push(cr);
                        cur = cl;
                    }
                    operands.push(cur);
                    operands.reverse();
                    concat(
                        operands
                            .into_iter()
                            .map(|o| eval(cx, o, depth + 1))
                            .collect(),
                    )
                }
                "%" => {
                    let fmt = eval(cx, l, depth + 1);
                    let Some(f) = expr::as_literal(&fmt) else {
                        return cx.unknown(n);
                    };
                    let args: Vec<Expr> = if r.kind() == "tuple" {
                        named_children(r)
                            .into_iter()
                            .map(|a| eval(cx, a, depth + 1))
                            .collect()
                    } else {
                        vec![eval(cx, r, depth + 1)]
                    };
                    expr::printf(f, &args)
                }
                _ => cx.unknown(n),
            }
        }
        "boolean_operator" => {
            // `os.environ.get("X") or "default"`.
            let (Some(l), Some(r)) = (field(n, "left"), field(n, "right")) else {
                return cx.unknown(n);
            };
            let left = eval(cx, l, depth + 1);
            if matches!(left, Expr::Env { default: None, .. })
                && field(n, "operator").map(|o| cx.text(o)) == Some("or")
            {
                return expr::with_default(left, &eval(cx, r, depth + 1));
            }
            cx.unknown(n)
        }
        _ => cx.unknown(n),
    }
}

fn name_value(cx: &Cx, name: &str, at: Node, depth: usize) -> Expr {
    match cx.lookup(name, at.start_byte()) {
        Some(b) => match b.value {
            Some(v) if v.id() != at.id() => eval(cx, v, depth + 1),
            _ => Expr::unknown(expr::short_text(name)),
        },
        None => Expr::unknown(expr::short_text(name)),
    }
}

fn string(cx: &Cx, n: Node, depth: usize) -> Expr {
    let mut prefix = "";
    let mut parts = Vec::new();
    for c in named_children(n) {
        match c.kind() {
            "string_start" => prefix = cx.text(c),
            "string_content" => {
                let raw = cx.text(c);
                let lower = prefix.to_ascii_lowercase();
                let mut s = if lower.contains('r') {
                    raw.to_string()
                } else {
                    expr::unescape(raw)
                };
                if lower.contains('f') {
                    s = s.replace("{{", "{").replace("}}", "}");
                }
                parts.push(Expr::literal(s));
            }
            "escape_sequence" => parts.push(Expr::literal(expr::unescape(cx.text(c)))),
            "interpolation" => match field(c, "expression") {
                Some(e) => parts.push(eval(cx, e, depth + 1)),
                None => parts.push(cx.unknown(c)),
            },
            _ => {}
        }
    }
    concat(parts)
}

fn call_value(cx: &Cx, n: Node, depth: usize) -> Expr {
    let Some(func) = field(n, "function") else {
        return cx.unknown(n);
    };
    let args = Args::of(cx, n);
    let q = qualified(cx, func).unwrap_or_default();
    let name = match func.kind() {
        "attribute" => field(func, "attribute").map(|a| cx.text(a)).unwrap_or(""),
        _ => cx.text(func),
    };
    let arg = |i: usize, kw: &str| args.arg(i, kw).map(|a| eval(cx, a, depth + 1));
    // Environment reads.
    if matches!(
        q.as_str(),
        "os.environ.get" | "os.getenv" | "os.environ.setdefault"
    ) {
        if let Some(Expr::Literal { value }) = arg(0, "key") {
            let default = arg(1, "default").and_then(|d| expr::default_of(&d));
            return Expr::Env {
                name: value,
                default,
            };
        }
        return cx.unknown(n);
    }
    if expr::is_env_helper(name) {
        if let Some(Expr::Literal { value }) = arg(0, "key") {
            if expr::looks_like_env_name(&value) {
                let default = arg(1, "default").and_then(|d| expr::default_of(&d));
                return Expr::Env {
                    name: value,
                    default,
                };
            }
        }
    }
    match (func.kind(), name) {
        ("identifier", "str" | "int") => {
            if let Some(a) = arg(0, "") {
                return a;
            }
        }
        ("attribute", "format") => {
            if let Some(obj) = field(func, "object") {
                let fmt = eval(cx, obj, depth + 1);
                if let Some(f) = expr::as_literal(&fmt) {
                    let pos: Vec<Expr> = args.pos.iter().map(|a| eval(cx, *a, depth + 1)).collect();
                    let named: Vec<(String, Expr)> = args
                        .kw
                        .iter()
                        .map(|(k, v)| (k.to_string(), eval(cx, *v, depth + 1)))
                        .collect();
                    return expr::brace_format(f, &pos, &named);
                }
            }
        }
        ("attribute", "rstrip" | "strip" | "lstrip" | "lower" | "removesuffix") => {
            if let Some(obj) = field(func, "object") {
                return eval(cx, obj, depth + 1);
            }
        }
        ("attribute", "join") => {
            // "/".join([base, "orders"])
            let sep = field(func, "object").map(|o| eval(cx, o, depth + 1));
            if let (Some(Expr::Literal { value: sep }), Some(list)) = (sep, args.pos.first()) {
                if matches!(list.kind(), "list" | "tuple") {
                    let mut parts = Vec::new();
                    for (i, item) in named_children(*list).into_iter().enumerate() {
                        if i > 0 {
                            parts.push(Expr::literal(sep.clone()));
                        }
                        parts.push(eval(cx, item, depth + 1));
                    }
                    return concat(parts);
                }
            }
        }
        _ => {}
    }
    if ends_with_seg(&q, "urljoin") {
        if let (Some(a), Some(b)) = (arg(0, "base"), arg(1, "url")) {
            return concat(vec![a, b]);
        }
    }
    cx.unknown(n)
}

fn eval_opt(cx: &Cx, n: Option<Node>) -> Option<Expr> {
    n.map(|n| eval(cx, n, 0))
}

/// Follows a name to the expression it was assigned (through `await`), at most a few hops.
fn origin<'t>(cx: &Cx<'t>, n: Node<'t>) -> Node<'t> {
    let mut cur = n;
    for _ in 0..MAX_DEPTH {
        if !cx.tick() {
            return cur;
        }
        let key = match cur.kind() {
            "identifier" => cx.text(cur).to_string(),
            "attribute" if cx.text(cur).starts_with("self.") => cx.text(cur).to_string(),
            "await" | "parenthesized_expression" => match named_children(cur).first() {
                Some(&inner) => {
                    cur = inner;
                    continue;
                }
                None => return cur,
            },
            _ => return cur,
        };
        match cx.lookup(&key, cur.start_byte()).and_then(|b| b.value) {
            Some(v) if v.id() != cur.id() => cur = v,
            _ => return cur,
        }
    }
    cur
}

// ----- clients -------------------------------------------------------------------------------

enum Client {
    Requests,
    Httpx {
        base: Option<Expr>,
        timeout: Option<bool>,
    },
    Aiohttp {
        base: Option<Expr>,
        timeout: Option<bool>,
    },
    HttpConn {
        base: Expr,
        timeout: Option<bool>,
    },
    KafkaProducer {
        lib: &'static str,
        servers: Option<Expr>,
    },
    KafkaConsumer {
        lib: &'static str,
        servers: Option<Expr>,
    },
    PikaConnection {
        servers: Option<Expr>,
    },
    PikaChannel {
        servers: Option<Expr>,
    },
    AioPikaExchange {
        name: Expr,
        servers: Option<Expr>,
    },
    AioPikaQueue {
        name: Expr,
        servers: Option<Expr>,
    },
    Redis {
        target: Expr,
    },
    RedisPubSub {
        target: Expr,
    },
    Nats {
        servers: Option<Expr>,
    },
    Boto {
        service: String,
    },
    PubsubPublisher,
    PubsubSubscriber,
    Flask {
        prefix: String,
    },
    FastApi {
        prefix: String,
        auth: Vec<String>,
    },
}

fn client(cx: &Cx, receiver: Node, depth: usize) -> Option<Client> {
    if depth > 4 {
        return None;
    }
    let o = origin(cx, receiver);
    if o.kind() == "attribute" {
        // `channel.default_exchange`
        if field(o, "attribute").map(|a| cx.text(a)) == Some("default_exchange") {
            let servers = match client(cx, field(o, "object")?, depth + 1)? {
                Client::PikaChannel { servers } => servers,
                _ => None,
            };
            return Some(Client::AioPikaExchange {
                name: Expr::literal(""),
                servers,
            });
        }
        return None;
    }
    if o.kind() != "call" {
        return None;
    }
    let func = field(o, "function")?;
    let args = Args::of(cx, o);
    let q = qualified(cx, func).unwrap_or_default();
    let method = match func.kind() {
        "attribute" => field(func, "attribute").map(|a| cx.text(a)),
        _ => None,
    };
    // Methods that hand out a client from another one.
    if let (Some(m), Some(obj)) = (method, field(func, "object")) {
        let parent = || client(cx, obj, depth + 1);
        match m {
            "channel" => {
                if let Some(Client::PikaConnection { servers }) = parent() {
                    return Some(Client::PikaChannel { servers });
                }
            }
            "pubsub" => {
                if let Some(Client::Redis { target }) = parent() {
                    return Some(Client::RedisPubSub { target });
                }
            }
            "declare_exchange" | "get_exchange" => {
                if let Some(Client::PikaChannel { servers }) = parent() {
                    let name =
                        eval_opt(cx, args.arg(0, "name")).unwrap_or_else(|| Expr::literal(""));
                    return Some(Client::AioPikaExchange { name, servers });
                }
            }
            "declare_queue" | "get_queue" => {
                if let Some(Client::PikaChannel { servers }) = parent() {
                    let name =
                        eval_opt(cx, args.arg(0, "name")).unwrap_or_else(|| Expr::literal(""));
                    return Some(Client::AioPikaQueue { name, servers });
                }
            }
            "client" | "resource" if q.starts_with("boto3.") || q.contains("session") => {
                if let Some(Expr::Literal { value }) = eval_opt(cx, args.arg(0, "service_name")) {
                    return Some(Client::Boto { service: value });
                }
            }
            "from_url" if q.contains("edis") => {}
            _ => {}
        }
    }
    let timeout_kw = args.timeout(cx);
    Some(match q.as_str() {
        "requests.Session" | "requests.session" | "requests.sessions.Session" => Client::Requests,
        "httpx.Client" | "httpx.AsyncClient" => Client::Httpx {
            base: eval_opt(cx, args.kw("base_url")),
            timeout: timeout_kw,
        },
        "aiohttp.ClientSession" => Client::Aiohttp {
            base: eval_opt(cx, args.arg(0, "base_url")),
            timeout: timeout_kw,
        },
        "http.client.HTTPConnection" | "http.client.HTTPSConnection" => {
            let scheme = if q.ends_with("HTTPSConnection") {
                "https://"
            } else {
                "http://"
            };
            let host = eval_opt(cx, args.arg(0, "host")).unwrap_or_else(|| cx.unknown(o));
            let port = eval_opt(cx, args.arg(1, "port"));
            Client::HttpConn {
                base: concat(vec![Expr::literal(scheme), host_port(host, port)]),
                timeout: Some(timeout_kw.unwrap_or(false)),
            }
        }
        "kafka.KafkaProducer" => Client::KafkaProducer {
            lib: "kafka-python",
            servers: args.kw("bootstrap_servers").map(|s| servers_expr(cx, s)),
        },
        "aiokafka.AIOKafkaProducer" => Client::KafkaProducer {
            lib: "aiokafka",
            servers: args.kw("bootstrap_servers").map(|s| servers_expr(cx, s)),
        },
        "confluent_kafka.Producer" | "confluent_kafka.SerializingProducer" => {
            Client::KafkaProducer {
                lib: "confluent-kafka",
                servers: confluent_servers(cx, args.arg(0, "conf")),
            }
        }
        "kafka.KafkaConsumer" => Client::KafkaConsumer {
            lib: "kafka-python",
            servers: args.kw("bootstrap_servers").map(|s| servers_expr(cx, s)),
        },
        "aiokafka.AIOKafkaConsumer" => Client::KafkaConsumer {
            lib: "aiokafka",
            servers: args.kw("bootstrap_servers").map(|s| servers_expr(cx, s)),
        },
        "confluent_kafka.Consumer" | "confluent_kafka.DeserializingConsumer" => {
            Client::KafkaConsumer {
                lib: "confluent-kafka",
                servers: confluent_servers(cx, args.arg(0, "conf")),
            }
        }
        "pika.BlockingConnection" | "pika.SelectConnection" => Client::PikaConnection {
            servers: args.arg(0, "parameters").and_then(|p| pika_servers(cx, p)),
        },
        "aio_pika.connect_robust" | "aio_pika.connect" => Client::PikaConnection {
            servers: eval_opt(cx, args.arg(0, "url")),
        },
        "nats.connect" => Client::Nats {
            servers: args.arg(0, "servers").map(|s| servers_expr(cx, s)),
        },
        "flask.Flask" => Client::Flask {
            prefix: String::new(),
        },
        "flask.Blueprint" => Client::Flask {
            prefix: eval_opt(cx, args.kw("url_prefix"))
                .map(|e| path_text(&e))
                .unwrap_or_default(),
        },
        "fastapi.FastAPI" | "fastapi.APIRouter" => Client::FastApi {
            prefix: eval_opt(cx, args.kw("prefix"))
                .map(|e| path_text(&e))
                .unwrap_or_default(),
            auth: args
                .kw("dependencies")
                .map(|d| dependency_auth(cx, d))
                .unwrap_or_default(),
        },
        _ if ends_with_seg(&q, "PublisherClient") => Client::PubsubPublisher,
        _ if ends_with_seg(&q, "SubscriberClient") => Client::PubsubSubscriber,
        _ => {
            if let Some((target, _)) = redis_client(cx, &q, &args, o) {
                Client::Redis { target }
            } else {
                return None;
            }
        }
    })
}

fn list_items<'t>(cx: &Cx<'t>, n: Node<'t>) -> Vec<Node<'t>> {
    let o = origin(cx, n);
    if matches!(o.kind(), "list" | "tuple" | "set") {
        named_children(o)
    } else {
        vec![n]
    }
}

/// A list of brokers as one address expression: `["a:9092", "b:9092"]`, `BROKERS.split(",")`.
fn servers_expr(cx: &Cx, n: Node) -> Expr {
    let o = origin(cx, n);
    if o.kind() == "call" {
        if let Some(f) = field(o, "function").filter(|f| f.kind() == "attribute") {
            if field(f, "attribute").map(|a| cx.text(a)) == Some("split") {
                if let Some(obj) = field(f, "object") {
                    return eval(cx, obj, 0);
                }
            }
        }
    }
    let items = list_items(cx, n);
    expr::join_list(items.into_iter().map(|i| eval(cx, i, 0)).collect())
        .unwrap_or_else(|| cx.unknown(n))
}

/// `bootstrap.servers` of a confluent-kafka config dict (literal or assigned in the file).
fn confluent_servers(cx: &Cx, conf: Option<Node>) -> Option<Expr> {
    let d = origin(cx, conf?);
    if d.kind() != "dictionary" {
        return None;
    }
    for pair in named_children(d) {
        if pair.kind() != "pair" {
            continue;
        }
        let (Some(k), Some(v)) = (field(pair, "key"), field(pair, "value")) else {
            continue;
        };
        if let Expr::Literal { value } = eval(cx, k, 0) {
            if value == "bootstrap.servers" {
                return Some(eval(cx, v, 0));
            }
        }
    }
    None
}

fn pika_servers(cx: &Cx, params: Node) -> Option<Expr> {
    let p = origin(cx, params);
    if p.kind() != "call" {
        return None;
    }
    let q = qualified(cx, field(p, "function")?).unwrap_or_default();
    let args = Args::of(cx, p);
    if ends_with_seg(&q, "URLParameters") {
        return eval_opt(cx, args.arg(0, "url"));
    }
    if ends_with_seg(&q, "ConnectionParameters") {
        let host = eval_opt(cx, args.arg(0, "host")).unwrap_or_else(|| Expr::literal("localhost"));
        return Some(host_port(host, eval_opt(cx, args.arg(1, "port"))));
    }
    None
}

/// A redis client constructor: its target, and whether the timeout is set.
fn redis_client(cx: &Cx, q: &str, args: &Args, call: Node) -> Option<(Expr, Option<bool>)> {
    let is_redis = q.starts_with("redis.") || q.starts_with("aioredis.");
    if !is_redis {
        return None;
    }
    let last = q.rsplit('.').next().unwrap_or("");
    let target = match last {
        "from_url" => eval_opt(cx, args.arg(0, "url"))?,
        "Redis" | "StrictRedis" | "ConnectionPool" | "RedisCluster" => {
            if let Some(url) = args.kw("url") {
                eval(cx, url, 0)
            } else {
                let host =
                    eval_opt(cx, args.arg(0, "host")).unwrap_or_else(|| Expr::literal("localhost"));
                let port =
                    eval_opt(cx, args.arg(1, "port")).unwrap_or_else(|| Expr::literal("6379"));
                host_port(host, Some(port))
            }
        }
        _ => return None,
    };
    let _ = call;
    Some((target, args.timeout(cx)))
}

/// Auth-looking dependencies in `dependencies=[Depends(verify_token), Security(...)]`.
fn dependency_auth(cx: &Cx, list: Node) -> Vec<String> {
    let mut out = Vec::new();
    for item in list_items(cx, list) {
        if let Some(name) = depends_target(cx, item) {
            if is_auth_name(&name) {
                out.push(name);
            }
        }
    }
    out
}

/// `Depends(get_current_user)` → `get_current_user`.
fn depends_target(cx: &Cx, n: Node) -> Option<String> {
    if n.kind() != "call" {
        return None;
    }
    let q = qualified(cx, field(n, "function")?)?;
    if !(ends_with_seg(&q, "Depends") || ends_with_seg(&q, "Security")) {
        return None;
    }
    let args = Args::of(cx, n);
    let dep = args.arg(0, "dependency")?;
    let target = if dep.kind() == "call" {
        field(dep, "function")?
    } else {
        dep
    };
    Some(cx.text(target).to_string())
}

fn path_text(e: &Expr) -> String {
    e.resolve(&|_| None).unwrap_or_else(|| e.display())
}

// ----- calls ---------------------------------------------------------------------------------

fn call<'t>(cx: &mut Cx<'t>, n: Node<'t>) {
    let Some(func) = field(n, "function") else {
        return;
    };
    let args = Args::of(cx, n);
    for (k, v) in &args.kw {
        if *k == "verify" && v.kind() == "false" {
            cx.insecure_tls(*v, "verify=False");
        }
        if (*k == "cert_reqs" || *k == "ssl_cert_reqs")
            && matches!(eval(cx, *v, 0), Expr::Literal { ref value } if value == "CERT_NONE" || value == "none")
        {
            cx.insecure_tls(*v, format!("{k}={}", cx.text(*v)));
        }
    }
    let q = qualified(cx, func).unwrap_or_default();
    let (name, receiver) = match func.kind() {
        "attribute" => (
            field(func, "attribute").map(|a| cx.text(a)).unwrap_or(""),
            field(func, "object"),
        ),
        "identifier" => (cx.text(func), None),
        _ => return,
    };

    // Module-level HTTP functions.
    let module = q.rsplit_once('.').map(|(m, _)| m).unwrap_or("");
    if (module == "requests" || module == "httpx") && HTTP_METHODS.contains(&name) {
        let lib = module;
        let timeout = match (args.timeout(cx), lib) {
            (Some(t), _) => Some(t),
            (None, _) if args.splat => None,
            (None, "requests") => Some(false),
            (None, _) => None,
        };
        http(cx, n, lib, name, &args, None, timeout);
        return;
    }
    if ends_with_seg(&q, "urlopen") {
        urlopen(cx, n, &args);
        return;
    }
    if q == "grpc.insecure_channel" || q == "grpc.aio.insecure_channel" {
        let target = eval_opt(cx, args.arg(0, "target")).unwrap_or_else(|| cx.unknown(n));
        cx.call(
            n,
            CallKind::Grpc,
            "grpc",
            None,
            target,
            None,
            None,
            Some(true),
        );
        return;
    }
    if q == "grpc.secure_channel" || q == "grpc.aio.secure_channel" {
        let target = eval_opt(cx, args.arg(0, "target")).unwrap_or_else(|| cx.unknown(n));
        cx.call(
            n,
            CallKind::Grpc,
            "grpc",
            None,
            target,
            None,
            None,
            Some(false),
        );
        return;
    }
    if database(cx, n, &q, &args) {
        return;
    }
    if q == "kafka.KafkaConsumer" || q == "aiokafka.AIOKafkaConsumer" {
        let lib = if q.starts_with("kafka.") {
            "kafka-python"
        } else {
            "aiokafka"
        };
        let servers = args.kw("bootstrap_servers").map(|s| servers_expr(cx, s));
        for t in args.pos.clone() {
            let topic = eval(cx, t, 0);
            cx.messaging(
                n,
                MessagingRole::Consumer,
                "kafka",
                lib,
                topic,
                servers.clone(),
            );
        }
        return;
    }
    if matches!(
        q.as_str(),
        "django.urls.path" | "django.urls.re_path" | "django.conf.urls.url"
    ) {
        django_route(cx, n, &args);
        return;
    }
    if name == "add_url_rule" {
        if let Some(p) = args.arg(0, "rule") {
            let path = path_text(&eval(cx, p, 0));
            let methods = methods_kw(cx, &args).unwrap_or_else(|| vec!["GET".into()]);
            for m in methods {
                cx.route(n, "flask", Some(&m), join_path("", &path), Vec::new());
            }
        }
        return;
    }

    let Some(receiver) = receiver else { return };
    let c = client(cx, receiver, 0);
    match (c, name) {
        (Some(Client::Requests), m) if HTTP_METHODS.contains(&m) => {
            let timeout = args
                .timeout(cx)
                .or(if args.splat { None } else { Some(false) });
            http(cx, n, "requests", m, &args, None, timeout);
        }
        (Some(Client::Httpx { base, timeout }), m) if HTTP_METHODS.contains(&m) => {
            let t = args.timeout(cx).or(timeout);
            http(cx, n, "httpx", m, &args, base, t);
        }
        (Some(Client::Aiohttp { base, timeout }), m)
            if HTTP_METHODS.contains(&m) || m == "ws_connect" =>
        {
            let t = args.timeout(cx).or(timeout);
            http(cx, n, "aiohttp", m, &args, base, t);
        }
        (Some(Client::HttpConn { base, timeout }), "request") => {
            let method = eval_opt(cx, args.arg(0, "method"));
            let path = eval_opt(cx, args.arg(1, "url")).unwrap_or_else(|| Expr::literal(""));
            let m = method
                .as_ref()
                .and_then(expr::as_literal)
                .map(str::to_string);
            let target = concat(vec![base, path]);
            cx.call(
                n,
                CallKind::Http,
                "http.client",
                m.as_deref(),
                target,
                None,
                timeout,
                None,
            );
        }
        (Some(Client::KafkaProducer { lib, servers }), "send" | "send_and_wait" | "produce") => {
            if let Some(t) = args.arg(0, "topic") {
                let topic = eval(cx, t, 0);
                cx.messaging(n, MessagingRole::Producer, "kafka", lib, topic, servers);
            }
        }
        (Some(Client::KafkaConsumer { lib, servers }), "subscribe") => {
            if let Some(t) = args.arg(0, "topics") {
                for item in list_items(cx, t) {
                    let topic = eval(cx, item, 0);
                    cx.messaging(
                        n,
                        MessagingRole::Consumer,
                        "kafka",
                        lib,
                        topic,
                        servers.clone(),
                    );
                }
            } else if let Some(p) = args.kw("pattern") {
                let topic = eval(cx, p, 0);
                cx.messaging(n, MessagingRole::Consumer, "kafka", lib, topic, servers);
            }
        }
        (c, "basic_publish") => {
            let servers = match c {
                Some(Client::PikaChannel { servers }) => servers,
                _ => None,
            };
            let exchange = eval_opt(cx, args.arg(0, "exchange"));
            let key = eval_opt(cx, args.arg(1, "routing_key"));
            let topic = match (exchange, key) {
                (Some(Expr::Literal { value }), Some(k)) if value.is_empty() => k,
                (Some(e), _) => e,
                (None, Some(k)) => k,
                (None, None) => cx.unknown(n),
            };
            cx.messaging(
                n,
                MessagingRole::Producer,
                "rabbitmq",
                "pika",
                topic,
                servers,
            );
        }
        (c, "basic_consume") => {
            let servers = match c {
                Some(Client::PikaChannel { servers }) => servers,
                _ => None,
            };
            let queue = args.kw("queue").map(|q| eval(cx, q, 0)).or_else(|| {
                args.pos
                    .first()
                    .map(|a| eval(cx, *a, 0))
                    .filter(|e| !matches!(e, Expr::Unknown { .. }))
            });
            if let Some(topic) = queue {
                cx.messaging(
                    n,
                    MessagingRole::Consumer,
                    "rabbitmq",
                    "pika",
                    topic,
                    servers,
                );
            }
        }
        (Some(Client::AioPikaExchange { name: ex, servers }), "publish") => {
            let topic = match (&ex, args.kw("routing_key")) {
                (Expr::Literal { value }, Some(k)) if value.is_empty() => eval(cx, k, 0),
                _ => ex,
            };
            cx.messaging(
                n,
                MessagingRole::Producer,
                "rabbitmq",
                "aio-pika",
                topic,
                servers,
            );
        }
        (Some(Client::AioPikaQueue { name: q, servers }), "consume" | "iterator") => {
            cx.messaging(
                n,
                MessagingRole::Consumer,
                "rabbitmq",
                "aio-pika",
                q,
                servers,
            );
        }
        (Some(Client::Redis { target }), "publish") => {
            if let Some(ch) = args.arg(0, "channel") {
                let topic = eval(cx, ch, 0);
                cx.messaging(
                    n,
                    MessagingRole::Producer,
                    "redis",
                    "redis-py",
                    topic,
                    Some(target),
                );
            }
        }
        (Some(Client::RedisPubSub { target }), "subscribe" | "psubscribe") => {
            for a in args.pos.clone() {
                let topic = eval(cx, a, 0);
                cx.messaging(
                    n,
                    MessagingRole::Consumer,
                    "redis",
                    "redis-py",
                    topic,
                    Some(target.clone()),
                );
            }
        }
        (Some(Client::Nats { servers }), "publish" | "subscribe") => {
            if let Some(s) = args.arg(0, "subject") {
                let role = if name == "publish" {
                    MessagingRole::Producer
                } else {
                    MessagingRole::Consumer
                };
                let topic = eval(cx, s, 0);
                cx.messaging(n, role, "nats", "nats-py", topic, servers);
            }
        }
        (Some(Client::PubsubPublisher), "publish") => {
            if let Some(t) = args.arg(0, "topic") {
                let topic = eval(cx, t, 0);
                cx.messaging(
                    n,
                    MessagingRole::Producer,
                    "pubsub",
                    "google-cloud-pubsub",
                    topic,
                    None,
                );
            }
        }
        (Some(Client::PubsubSubscriber), "subscribe") => {
            if let Some(t) = args.arg(0, "subscription") {
                let topic = eval(cx, t, 0);
                cx.messaging(
                    n,
                    MessagingRole::Consumer,
                    "pubsub",
                    "google-cloud-pubsub",
                    topic,
                    None,
                );
            }
        }
        (c, "send_message" | "send_message_batch" | "receive_message")
            if args.kw("QueueUrl").is_some()
                || matches!(c, Some(Client::Boto { ref service }) if service == "sqs") =>
        {
            let role = if name == "receive_message" {
                MessagingRole::Consumer
            } else {
                MessagingRole::Producer
            };
            let topic = eval_opt(cx, args.kw("QueueUrl")).unwrap_or_else(|| cx.unknown(n));
            cx.messaging(n, role, "sqs", "boto3", topic, None);
        }
        (c, "publish")
            if args.kw("TopicArn").is_some()
                || matches!(c, Some(Client::Boto { ref service }) if service == "sns") =>
        {
            let topic = eval_opt(cx, args.kw("TopicArn").or(args.kw("TargetArn")))
                .unwrap_or_else(|| cx.unknown(n));
            cx.messaging(n, MessagingRole::Producer, "sns", "boto3", topic, None);
        }
        _ => {}
    }
}

/// An HTTP request: `lib.method(url, ...)`, `lib.request(method, url)`.
fn http(
    cx: &mut Cx,
    n: Node,
    lib: &str,
    name: &str,
    args: &Args,
    base: Option<Expr>,
    timeout: Option<bool>,
) {
    let (method, url) = if name == "request" || name == "stream" {
        let m = eval_opt(cx, args.arg(0, "method"));
        let m = m.as_ref().and_then(expr::as_literal).map(str::to_string);
        (m, args.arg(1, "url"))
    } else if name == "ws_connect" {
        (Some("GET".to_string()), args.arg(0, "url"))
    } else {
        (Some(name.to_string()), args.arg(0, "url"))
    };
    let url = eval_opt(cx, url).unwrap_or_else(|| Expr::literal(""));
    let target = match base {
        Some(b) => concat(vec![b, url]),
        None => url,
    };
    cx.call(
        n,
        CallKind::Http,
        lib,
        method.as_deref(),
        target,
        None,
        timeout,
        None,
    );
}

fn urlopen(cx: &mut Cx, n: Node, args: &Args) {
    let Some(arg) = args.arg(0, "url") else {
        return;
    };
    let timeout = Some(args.arg(2, "timeout").is_some_and(|t| cx.text(t) != "None"));
    let o = origin(cx, arg);
    // A URL string: GET, or POST when data is passed.
    let mut method = Some(
        if args.arg(1, "data").is_some() {
            "POST"
        } else {
            "GET"
        }
        .to_string(),
    );
    let mut target = eval(cx, arg, 0);
    if o.kind() == "call" {
        let q = field(o, "function")
            .and_then(|f| qualified(cx, f))
            .unwrap_or_default();
        if ends_with_seg(&q, "Request") {
            let rargs = Args::of(cx, o);
            target = eval_opt(cx, rargs.arg(0, "url")).unwrap_or_else(|| cx.unknown(o));
            method = eval_opt(cx, rargs.kw("method"))
                .as_ref()
                .and_then(expr::as_literal)
                .map(str::to_string);
            if method.is_none() {
                method = Some(
                    if rargs.arg(1, "data").is_some() {
                        "POST"
                    } else {
                        "GET"
                    }
                    .into(),
                );
            }
        }
    }
    cx.call(
        n,
        CallKind::Http,
        "urllib",
        method.as_deref(),
        target,
        None,
        timeout,
        None,
    );
}

/// Database and cache clients; true when the call was one.
fn database(cx: &mut Cx, n: Node, q: &str, args: &Args) -> bool {
    let timeout = args.timeout(cx);
    let host_target = |cx: &Cx, args: &Args| -> Option<Expr> {
        let host = eval_opt(cx, args.kw("host"))?;
        Some(host_port(host, eval_opt(cx, args.kw("port"))))
    };
    let (lib, tech, target): (&str, Option<&str>, Option<Expr>) = match q {
        "psycopg2.connect"
        | "psycopg.connect"
        | "psycopg.AsyncConnection.connect"
        | "asyncpg.connect"
        | "asyncpg.create_pool"
        | "aiopg.connect"
        | "aiopg.create_pool" => {
            let lib = q.split('.').next().unwrap_or("");
            let t = eval_opt(cx, args.arg(0, "dsn"))
                .or_else(|| eval_opt(cx, args.kw("conninfo")))
                .or_else(|| host_target(cx, args));
            (lib, Some("postgres"), t)
        }
        _ if q.starts_with("psycopg2.pool.") || q.starts_with("psycopg_pool.") => {
            let lib = q.split('.').next().unwrap_or("");
            let t = eval_opt(cx, args.arg(2, "dsn"))
                .or_else(|| eval_opt(cx, args.arg(0, "conninfo")).filter(|_| lib == "psycopg_pool"))
                .or_else(|| host_target(cx, args));
            (lib, Some("postgres"), t)
        }
        _ if ends_with_seg(q, "create_engine") || ends_with_seg(q, "create_async_engine") => {
            let t = eval_opt(cx, args.arg(0, "url"));
            let tech = t.as_ref().and_then(db_technology_of);
            ("sqlalchemy", tech, t)
        }
        _ if ends_with_seg(q, "MongoClient") || ends_with_seg(q, "AsyncIOMotorClient") => {
            let lib = if q.contains("motor") {
                "motor"
            } else {
                "pymongo"
            };
            let host = eval_opt(cx, args.arg(0, "host"))
                .unwrap_or_else(|| Expr::literal("localhost:27017"));
            let t = match eval_opt(cx, args.arg(1, "port")) {
                Some(p) => host_port(host, Some(p)),
                None => host,
            };
            (lib, Some("mongodb"), Some(t))
        }
        "mysql.connector.connect"
        | "pymysql.connect"
        | "MySQLdb.connect"
        | "aiomysql.connect"
        | "aiomysql.create_pool"
        | "mysql.connector.pooling.MySQLConnectionPool" => {
            let lib = q.split('.').next().unwrap_or("");
            (lib, Some("mysql"), host_target(cx, args))
        }
        _ => match redis_client(cx, q, args, n) {
            Some((t, _)) => {
                let lib = if q.starts_with("aioredis") {
                    "aioredis"
                } else {
                    "redis-py"
                };
                (lib, Some("redis"), Some(t))
            }
            None => return false,
        },
    };
    let target = target.unwrap_or_else(|| cx.unknown(n));
    cx.call(
        n,
        CallKind::Database,
        lib,
        None,
        target,
        tech,
        timeout,
        None,
    );
    true
}

// ----- routes --------------------------------------------------------------------------------

fn methods_kw(cx: &Cx, args: &Args) -> Option<Vec<String>> {
    let list = args.kw("methods")?;
    Some(
        list_items(cx, list)
            .into_iter()
            .filter_map(|m| match eval(cx, m, 0) {
                Expr::Literal { value } => Some(value.to_ascii_uppercase()),
                _ => None,
            })
            .collect(),
    )
}

fn decorated<'t>(cx: &mut Cx<'t>, n: Node<'t>) {
    let Some(def) = field(n, "definition") else {
        return;
    };
    if def.kind() != "function_definition" {
        return;
    }
    let decorators: Vec<Node> = named_children(n)
        .into_iter()
        .filter(|c| c.kind() == "decorator")
        .filter_map(|d| named_children(d).into_iter().next())
        .collect();
    // Auth from the other decorators and from `Depends(...)` parameters.
    let mut auth = Vec::new();
    for d in &decorators {
        let callee = if d.kind() == "call" {
            field(*d, "function")
        } else {
            Some(*d)
        };
        if let Some(c) = callee {
            let name = cx.text(c);
            if is_auth_name(name) && !is_route_decorator(cx, *d) {
                auth.push(name.to_string());
            }
        }
    }
    if let Some(params) = field(def, "parameters") {
        for p in named_children(params) {
            if let Some(v) = field(p, "value") {
                if let Some(dep) = depends_target(cx, v) {
                    if is_auth_name(&dep) {
                        auth.push(dep);
                    }
                }
            }
        }
    }
    for d in decorators {
        if !is_route_decorator(cx, d) {
            continue;
        }
        let Some(func) = field(d, "function") else {
            continue;
        };
        let (Some(obj), Some(attr)) = (field(func, "object"), field(func, "attribute")) else {
            continue;
        };
        let verb = cx.text(attr);
        let args = Args::of(cx, d);
        let (framework, prefix, mut route_auth) = match client(cx, obj, 0) {
            Some(Client::Flask { prefix }) => ("flask", prefix, Vec::new()),
            Some(Client::FastApi { prefix, auth }) => ("fastapi", prefix, auth),
            Some(_) => continue,
            None => {
                let has = |m: &str| cx.imports.values().any(|v| v.starts_with(m));
                if has("fastapi") {
                    ("fastapi", String::new(), Vec::new())
                } else if has("flask") {
                    ("flask", String::new(), Vec::new())
                } else if has("quart") {
                    ("quart", String::new(), Vec::new())
                } else if has("sanic") {
                    ("sanic", String::new(), Vec::new())
                } else {
                    continue;
                }
            }
        };
        let path = args
            .arg(0, "path")
            .or_else(|| args.kw("rule"))
            .map(|p| path_text(&eval(cx, p, 0)))
            .unwrap_or_default();
        let path = join_path(&prefix, &path);
        if let Some(deps) = args.kw("dependencies") {
            route_auth.extend(dependency_auth(cx, deps));
        }
        route_auth.extend(auth.iter().cloned());
        let methods: Vec<Option<String>> = match verb {
            "route" => methods_kw(cx, &args)
                .unwrap_or_else(|| vec!["GET".into()])
                .into_iter()
                .map(Some)
                .collect(),
            "api_route" => match methods_kw(cx, &args) {
                Some(ms) => ms.into_iter().map(Some).collect(),
                None => vec![None],
            },
            "websocket" | "websocket_route" => vec![Some("GET".into())],
            v => vec![Some(v.to_ascii_uppercase())],
        };
        for m in methods {
            cx.route(d, framework, m.as_deref(), path.clone(), route_auth.clone());
        }
    }
}

fn is_route_decorator(cx: &Cx, d: Node) -> bool {
    if d.kind() != "call" {
        return false;
    }
    let Some(func) = field(d, "function") else {
        return false;
    };
    if func.kind() != "attribute" {
        return false;
    }
    let attr = field(func, "attribute").map(|a| cx.text(a)).unwrap_or("");
    matches!(
        attr,
        "route"
            | "get"
            | "post"
            | "put"
            | "patch"
            | "delete"
            | "head"
            | "options"
            | "api_route"
            | "websocket"
            | "websocket_route"
    )
}

fn django_route(cx: &mut Cx, n: Node, args: &Args) {
    let Some(p) = args.arg(0, "route") else {
        return;
    };
    let path = path_text(&eval(cx, p, 0));
    // re_path(r"^reports/(?P<year>[0-9]{4})/$")
    let path = path
        .strip_prefix('^')
        .unwrap_or(&path)
        .trim_end_matches('$')
        .to_string();
    let view = args.arg(1, "view");
    if view.is_some_and(|v| {
        v.kind() == "call" && field(v, "function").is_some_and(|f| cx.text(f).ends_with("include"))
    }) {
        return;
    }
    let mut auth = Vec::new();
    if let Some(v) = view {
        let mut cur = v;
        for _ in 0..4 {
            if cur.kind() != "call" {
                break;
            }
            let Some(f) = field(cur, "function") else {
                break;
            };
            let name = cx.text(f);
            if is_auth_name(name) {
                auth.push(name.to_string());
            }
            match Args::of(cx, cur).pos.first() {
                Some(&inner) => cur = inner,
                None => break,
            }
        }
    }
    cx.route(n, "django", None, join_path("", &path), auth);
}
