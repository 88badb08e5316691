//! JavaScript and TypeScript: fetch, axios (and `axios.create` instances), got, node
//! http/https, superagent, NestJS HttpService, gRPC (`@grpc/grpc-js` clients), database and cache
//! clients, kafkajs, amqplib, NATS, SQS/SNS, Redis and Google Pub/Sub messaging, Express /
//! Fastify / Koa / NestJS routes, and TLS verification switched off.

use std::collections::HashMap;

use super::expr::{self, concat, host_port};
use super::MAX_DEPTH;
use super::{db_technology_of, field, is_auth_name, join_path, named_children, Captures, Cx};
use stridemap_model::code::{CallKind, Expr, MessagingRole};
use tree_sitter::Node;

mod indicators;

pub(super) const QUERY: &str = r#"
(function_declaration) @scope
(generator_function_declaration) @scope
(function_expression) @scope
(arrow_function) @scope
(method_definition) @scope
(class_body) @class
(variable_declarator) @decl
(assignment_expression) @assign
(formal_parameters) @params
(import_statement) @import
(call_expression) @call
(new_expression) @call
(class_declaration) @class_decl
(pair key: (_) @_k value: (false)
  (#any-of? @_k "rejectUnauthorized" "strictSSL" "'rejectUnauthorized'" "\"rejectUnauthorized\"")) @tls_pair
(pair key: (property_identifier) @_k value: (arrow_function)
  (#eq? @_k "checkServerIdentity")) @tls_pair
(return_statement) @ret
(while_statement) @loop
(for_statement) @loop
(do_statement) @loop
(pair) @pair
"#;

/// Extra patterns for the TypeScript and TSX grammars.
pub(super) const TS_QUERY: &str = r#"
(public_field_definition) @field
"#;

const HTTP_VERBS: &[&str] = &["get", "post", "put", "patch", "delete", "head", "options"];

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
    // Parameters of constructors can declare fields (`constructor(private http: HttpService)`).
    let ctor_params: std::collections::HashSet<usize> = caps
        .get("scope")
        .iter()
        .filter(|m| m.kind() == "method_definition")
        .filter(|m| field(**m, "name").is_some_and(|name| cx.text(name) == "constructor"))
        .filter_map(|m| field(*m, "parameters"))
        .map(|p| p.id())
        .collect();
    for &n in caps.get("params") {
        params(cx, n, ctor_params.contains(&n.id()));
    }
    for &n in caps.get("decl") {
        declarator(cx, n);
    }
    for &n in caps.get("field") {
        if let (Some(name), Some(value)) = (field(n, "name"), field(n, "value")) {
            let key = format!("this.{}", cx.text(name));
            let scope = cx.class_scope_at(n.start_byte());
            cx.bind_full(&key, scope, n.end_byte(), Some(value), 0, None);
        }
    }
    for &n in caps.get("assign") {
        assign(cx, n);
    }
    let mut state = State::default();
    // Routers mounted under a prefix (`app.use('/api', auth, router)`) anywhere in the file.
    for &n in caps.get("call") {
        mount(cx, &mut state, n);
    }
    for &n in caps.get("call") {
        call(cx, &mut state, n);
    }
    for &n in caps.get("class_decl") {
        nest_controller(cx, n);
    }
    for &n in caps.get("tls_pair") {
        let detail = expr::short_text(cx.text(n));
        cx.insecure_tls(n, detail);
    }
    indicators::run(cx, caps);
}

#[derive(Default)]
struct State {
    /// Auth middleware registered with `X.use(mw)` so far, by receiver text.
    global_auth: HashMap<String, Vec<String>>,
    /// Prefix and auth of routers mounted with `app.use('/prefix', ..., router)`.
    mounts: HashMap<String, (String, Vec<String>)>,
    /// Auth middleware of `X.use(mw)` seen by the mount pre-pass.
    pre_global: HashMap<String, Vec<String>>,
}

// ----- bindings ------------------------------------------------------------------------------

fn string_value(cx: &Cx, n: Node) -> Option<String> {
    if n.kind() != "string" {
        return None;
    }
    let t = cx.text(n);
    let inner = t.get(1..t.len().saturating_sub(1)).unwrap_or("");
    Some(expr::unescape(inner))
}

fn import<'t>(cx: &mut Cx<'t>, n: Node<'t>) {
    let Some(module) = field(n, "source").and_then(|s| string_value(cx, s)) else {
        return;
    };
    for c in named_children(n) {
        if c.kind() != "import_clause" {
            continue;
        }
        for part in named_children(c) {
            match part.kind() {
                "identifier" => {
                    cx.imports.insert(cx.text(part).to_string(), module.clone());
                }
                "namespace_import" => {
                    if let Some(id) = named_children(part).into_iter().next() {
                        cx.imports.insert(cx.text(id).to_string(), module.clone());
                    }
                }
                "named_imports" => {
                    for spec in named_children(part) {
                        let Some(name) = field(spec, "name") else {
                            continue;
                        };
                        let local = field(spec, "alias").unwrap_or(name);
                        let imported = cx.text(name);
                        let full = if imported == "default" {
                            module.clone()
                        } else {
                            format!("{module}.{imported}")
                        };
                        cx.imports.insert(cx.text(local).to_string(), full);
                    }
                }
                _ => {}
            }
        }
    }
}

/// `require('mod')` or `require('mod').member` → the module path.
fn required(cx: &Cx, n: Node) -> Option<String> {
    let n = unwrap(n);
    match n.kind() {
        "call_expression" => {
            let f = field(n, "function")?;
            if cx.text(f) != "require" {
                return None;
            }
            let arg = named_children(field(n, "arguments")?).into_iter().next()?;
            string_value(cx, arg)
        }
        "member_expression" => {
            let m = required(cx, field(n, "object")?)?;
            Some(format!("{m}.{}", cx.text(field(n, "property")?)))
        }
        "await_expression" => {
            // `await import('mod')`
            let inner = named_children(n).into_iter().next()?;
            if inner.kind() == "call_expression"
                && field(inner, "function").map(|f| f.kind()) == Some("import")
            {
                let arg = named_children(field(inner, "arguments")?)
                    .into_iter()
                    .next()?;
                return string_value(cx, arg);
            }
            None
        }
        _ => None,
    }
}

fn declarator<'t>(cx: &mut Cx<'t>, n: Node<'t>) {
    let Some(name) = field(n, "name") else { return };
    let value = field(n, "value");
    match name.kind() {
        "identifier" => {
            let text = cx.text(name);
            if let Some(m) = value.and_then(|v| required(cx, v)) {
                cx.imports.insert(text.to_string(), m);
            }
            cx.bind(text, n, value);
        }
        "object_pattern" => {
            let module = value.and_then(|v| required(cx, v));
            for p in named_children(name) {
                let (key, local) = match p.kind() {
                    "shorthand_property_identifier_pattern" => (cx.text(p), p),
                    "object_assignment_pattern" => match field(p, "left") {
                        Some(l) => (cx.text(l), l),
                        None => continue,
                    },
                    "pair_pattern" => match (field(p, "key"), field(p, "value")) {
                        (Some(k), Some(v)) => {
                            let local = if v.kind() == "assignment_pattern" {
                                field(v, "left").unwrap_or(v)
                            } else {
                                v
                            };
                            (cx.text(k), local)
                        }
                        _ => continue,
                    },
                    _ => continue,
                };
                let local_name = cx.text(local);
                if let Some(m) = &module {
                    cx.imports
                        .insert(local_name.to_string(), format!("{m}.{key}"));
                }
                // The pattern element itself: `eval` reads it back against the value.
                cx.bind(local_name, n, Some(p));
            }
        }
        "array_pattern" => {
            for p in named_children(name) {
                if p.kind() == "identifier" {
                    let t = cx.text(p);
                    cx.bind(t, n, None);
                }
            }
        }
        _ => {}
    }
}

fn assign<'t>(cx: &mut Cx<'t>, n: Node<'t>) {
    let (Some(left), Some(right)) = (field(n, "left"), field(n, "right")) else {
        return;
    };
    match left.kind() {
        "identifier" => {
            let t = cx.text(left);
            cx.bind(t, n, Some(right));
        }
        "member_expression" | "subscript_expression" => {
            let text = cx.text(left);
            if let Some(rest) = text.strip_prefix("this.") {
                if !rest.contains(['.', '[', '(']) {
                    let scope = cx.class_scope_at(n.start_byte());
                    cx.bind_full(text, scope, n.end_byte(), Some(right), 0, None);
                }
            }
            if let Expr::Env { name, .. } = eval(cx, left, 0) {
                if name == "NODE_TLS_REJECT_UNAUTHORIZED"
                    && matches!(eval(cx, right, 0), Expr::Literal { ref value } if value == "0")
                {
                    cx.insecure_tls(n, "NODE_TLS_REJECT_UNAUTHORIZED=0");
                }
            }
        }
        _ => {}
    }
}

fn params<'t>(cx: &mut Cx<'t>, n: Node<'t>, constructor: bool) {
    for p in named_children(n) {
        let (pattern, ty, property) = match p.kind() {
            "identifier" => (Some(p), None, false),
            "assignment_pattern" => (field(p, "left"), None, false),
            "required_parameter" | "optional_parameter" => {
                let property = named_children(p)
                    .iter()
                    .any(|c| matches!(c.kind(), "accessibility_modifier" | "override_modifier"))
                    || cx.text(p).starts_with("readonly ");
                (field(p, "pattern"), field(p, "type"), property)
            }
            "rest_pattern" => (named_children(p).into_iter().next(), None, false),
            _ => (None, None, false),
        };
        let Some(pattern) = pattern else { continue };
        if pattern.kind() != "identifier" {
            continue;
        }
        let name = cx.text(pattern);
        let scope = cx.scope_at(n.start_byte());
        cx.bind_full(name, scope, n.end_byte(), None, 0, ty);
        if constructor && property {
            // `constructor(private readonly http: HttpService)` declares `this.http`.
            let class = cx.class_scope_at(n.start_byte());
            cx.bind_full(&format!("this.{name}"), class, n.end_byte(), None, 0, ty);
        }
    }
}

// ----- values --------------------------------------------------------------------------------

/// Strips TypeScript assertions and parentheses.
fn unwrap(n: Node) -> Node {
    let mut cur = n;
    for _ in 0..8 {
        match cur.kind() {
            "parenthesized_expression"
            | "as_expression"
            | "non_null_expression"
            | "satisfies_expression"
            | "type_assertion" => {
                match named_children(cur).into_iter().find(|c| {
                    !matches!(
                        c.kind(),
                        "type_identifier" | "predefined_type" | "generic_type" | "type_arguments"
                    )
                }) {
                    Some(inner) => cur = inner,
                    None => return cur,
                }
            }
            _ => return cur,
        }
    }
    cur
}

/// A name or member chain as dotted text, the first segment replaced by its import.
fn qualified(cx: &Cx, n: Node) -> Option<String> {
    let d = dotted(cx, unwrap(n), 0)?;
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
        "identifier" | "this" => Some(cx.text(n).to_string()),
        "member_expression" => {
            let obj = dotted(cx, unwrap(field(n, "object")?), depth + 1)?;
            Some(format!("{obj}.{}", cx.text(field(n, "property")?)))
        }
        _ => None,
    }
}

fn args_of<'t>(n: Node<'t>) -> Vec<Node<'t>> {
    field(n, "arguments")
        .map(named_children)
        .unwrap_or_default()
}

fn eval(cx: &Cx, n: Node, depth: usize) -> Expr {
    if depth > MAX_DEPTH || !cx.tick() {
        return cx.unknown(n);
    }
    let n = unwrap(n);
    match n.kind() {
        "string" => Expr::literal(string_value(cx, n).unwrap_or_default()),
        "template_string" => {
            let mut parts = Vec::new();
            for c in named_children(n) {
                match c.kind() {
                    "string_fragment" => parts.push(Expr::literal(cx.text(c))),
                    "escape_sequence" => parts.push(Expr::literal(expr::unescape(cx.text(c)))),
                    "template_substitution" => match named_children(c).into_iter().next() {
                        Some(e) => parts.push(eval(cx, e, depth + 1)),
                        None => parts.push(cx.unknown(c)),
                    },
                    _ => {}
                }
            }
            // Older grammars leave plain text unnamed: fall back to the raw text.
            if parts.is_empty() {
                let t = cx.text(n);
                return Expr::literal(t.get(1..t.len().saturating_sub(1)).unwrap_or(""));
            }
            concat(parts)
        }
        "number" => Expr::literal(cx.text(n)),
        "identifier" => name_value(cx, cx.text(n), n, depth),
        "member_expression" | "subscript_expression" => member_value(cx, n, depth),
        "binary_expression" => {
            let op = field(n, "operator").map(|o| cx.text(o)).unwrap_or("");
            let (Some(l), Some(r)) = (field(n, "left"), field(n, "right")) else {
                return cx.unknown(n);
            };
            match op {
                "+" => {
                    let mut operands = vec![r];
                    let mut cur = unwrap(l);
                    while cur.kind() == "binary_expression"
                        && field(cur, "operator").map(|o| cx.text(o)) == Some("+")
                        && operands.len() < 256
                    {
                        let (Some(cl), Some(cr)) = (field(cur, "left"), field(cur, "right")) else {
                            break;
                        };
                        operands.push(cr);
                        cur = unwrap(cl);
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
                "||" | "??" => {
                    let left = eval(cx, l, depth + 1);
                    if matches!(left, Expr::Env { default: None, .. }) {
                        expr::with_default(left, &eval(cx, r, depth + 1))
                    } else {
                        cx.unknown(n)
                    }
                }
                _ => cx.unknown(n),
            }
        }
        "call_expression" => call_value(cx, n, depth),
        "new_expression" => {
            // `new URL(path, base)`
            let ctor = field(n, "constructor").map(|c| cx.text(c)).unwrap_or("");
            let args = args_of(n);
            if ctor == "URL" {
                match args.as_slice() {
                    [u] => return eval(cx, *u, depth + 1),
                    [p, b, ..] => {
                        return concat(vec![eval(cx, *b, depth + 1), eval(cx, *p, depth + 1)])
                    }
                    _ => {}
                }
            }
            cx.unknown(n)
        }
        _ => cx.unknown(n),
    }
}

fn name_value(cx: &Cx, name: &str, at: Node, depth: usize) -> Expr {
    let Some(b) = cx.lookup(name, at.start_byte()) else {
        return Expr::unknown(expr::short_text(name));
    };
    let Some(v) = b.value else {
        return Expr::unknown(expr::short_text(name));
    };
    if v.id() == at.id() {
        return Expr::unknown(expr::short_text(name));
    }
    match v.kind() {
        // `const { ORDERS_URL = "http://..." } = process.env` / `= config`
        "shorthand_property_identifier_pattern" | "object_assignment_pattern" | "pair_pattern" => {
            destructured(cx, v, depth)
        }
        _ => eval(cx, v, depth + 1),
    }
}

/// A name bound by an object pattern, read from the destructured value.
fn destructured(cx: &Cx, p: Node, depth: usize) -> Expr {
    let (key, default) = match p.kind() {
        "shorthand_property_identifier_pattern" => (cx.text(p), None),
        "object_assignment_pattern" => (
            field(p, "left").map(|l| cx.text(l)).unwrap_or(""),
            field(p, "right"),
        ),
        _ => {
            let key = field(p, "key").map(|k| cx.text(k)).unwrap_or("");
            let d = field(p, "value")
                .filter(|v| v.kind() == "assignment_pattern")
                .and_then(|v| field(v, "right"));
            (key, d)
        }
    };
    // object_pattern → variable_declarator
    let decl = p.parent().and_then(|op| op.parent());
    let value = decl
        .filter(|d| d.kind() == "variable_declarator")
        .and_then(|d| field(d, "value"));
    let base = match value {
        Some(v) if is_process_env(cx, v) => Expr::Env {
            name: key.to_string(),
            default: None,
        },
        Some(v) => match object_prop(cx, v, key, depth + 1) {
            Some(pv) => eval(cx, pv, depth + 1),
            None => Expr::unknown(key),
        },
        None => Expr::unknown(key),
    };
    match default {
        Some(d) => match base {
            Expr::Env { default: None, .. } => expr::with_default(base, &eval(cx, d, depth + 1)),
            Expr::Unknown { .. } => eval(cx, d, depth + 1),
            other => other,
        },
        None => base,
    }
}

fn is_process_env(cx: &Cx, n: Node) -> bool {
    let t = cx.text(unwrap(n));
    t == "process.env" || t == "import.meta.env" || t == "Bun.env"
}

/// The value of property `key` of an object literal (followed through names).
fn object_prop<'t>(cx: &Cx<'t>, obj: Node<'t>, key: &str, depth: usize) -> Option<Node<'t>> {
    let o = origin(cx, obj, depth);
    if o.kind() != "object" {
        return None;
    }
    for c in named_children(o) {
        match c.kind() {
            "pair" => {
                let k = field(c, "key")?;
                let kt = match k.kind() {
                    "string" => string_value(cx, k).unwrap_or_default(),
                    _ => cx.text(k).to_string(),
                };
                if kt == key {
                    return field(c, "value");
                }
            }
            "shorthand_property_identifier" if cx.text(c) == key => return Some(c),
            _ => {}
        }
    }
    None
}

fn has_prop(cx: &Cx, obj: Option<Node>, key: &str) -> bool {
    obj.is_some_and(|o| object_prop(cx, o, key, 0).is_some())
}

fn member_value(cx: &Cx, n: Node, depth: usize) -> Expr {
    let Some(obj) = field(n, "object") else {
        return cx.unknown(n);
    };
    let key: Option<String> = if n.kind() == "member_expression" {
        field(n, "property").map(|p| cx.text(p).to_string())
    } else {
        field(n, "index").and_then(|i| match eval(cx, i, depth + 1) {
            Expr::Literal { value } => Some(value),
            _ => None,
        })
    };
    let Some(key) = key else { return cx.unknown(n) };
    if is_process_env(cx, obj) {
        return Expr::Env {
            name: key,
            default: None,
        };
    }
    let text = cx.text(n);
    if text.starts_with("this.") && n.kind() == "member_expression" {
        if let Some(b) = cx.lookup(text, n.start_byte()) {
            return match b.value {
                Some(v) => eval(cx, v, depth + 1),
                None => Expr::unknown(expr::short_text(text)),
            };
        }
    }
    if key == "href" || key == "origin" {
        return eval(cx, obj, depth + 1);
    }
    // `config.services.orders` where `config` is an object literal of this file.
    match object_prop(cx, obj, &key, depth + 1) {
        Some(v) if v.kind() == "shorthand_property_identifier" => {
            name_value(cx, cx.text(v), v, depth + 1)
        }
        Some(v) => eval(cx, v, depth + 1),
        None => cx.unknown(n),
    }
}

fn call_value(cx: &Cx, n: Node, depth: usize) -> Expr {
    let Some(func) = field(n, "function") else {
        return cx.unknown(n);
    };
    let args = args_of(n);
    let func = unwrap(func);
    let name = match func.kind() {
        "member_expression" => field(func, "property").map(|p| cx.text(p)).unwrap_or(""),
        "identifier" => cx.text(func),
        _ => "",
    };
    let arg = |i: usize| args.get(i).map(|a| eval(cx, *a, depth + 1));
    if expr::is_env_helper(name) {
        if let Some(Expr::Literal { value }) = arg(0) {
            if expr::looks_like_env_name(&value) {
                return Expr::Env {
                    name: value,
                    default: arg(1).and_then(|d| expr::default_of(&d)),
                };
            }
        }
    }
    match (func.kind(), name) {
        ("identifier", "String" | "Number" | "parseInt" | "decodeURI") => {
            if let Some(a) = arg(0) {
                return a;
            }
        }
        ("member_expression", "toString" | "trim" | "replace" | "replaceAll" | "toLowerCase") => {
            if let Some(o) = field(func, "object") {
                return eval(cx, o, depth + 1);
            }
        }
        ("member_expression", "format")
            if qualified(cx, func).as_deref() == Some("util.format") =>
        {
            if let Some(Expr::Literal { value }) = arg(0) {
                let rest: Vec<Expr> = args[1..].iter().map(|a| eval(cx, *a, depth + 1)).collect();
                return expr::printf(&value, &rest);
            }
        }
        ("member_expression", "join") => {
            let obj = field(func, "object").map(unwrap);
            if let (Some(o), Some(Expr::Literal { value: sep })) = (obj, arg(0)) {
                if o.kind() == "array" {
                    let mut parts = Vec::new();
                    for (i, item) in named_children(o).into_iter().enumerate() {
                        if i > 0 {
                            parts.push(Expr::literal(sep.clone()));
                        }
                        parts.push(eval(cx, item, depth + 1));
                    }
                    return concat(parts);
                }
            }
        }
        ("member_expression", "get") => {
            // NestJS ConfigService: `config.get('ORDERS_URL', 'http://...')`
            let recv = field(func, "object").map(|o| cx.text(o)).unwrap_or("");
            if recv.to_ascii_lowercase().contains("config") {
                if let Some(Expr::Literal { value }) = arg(0) {
                    if expr::looks_like_env_name(&value) {
                        return Expr::Env {
                            name: value,
                            default: arg(1).and_then(|d| expr::default_of(&d)),
                        };
                    }
                }
            }
        }
        _ => {}
    }
    cx.unknown(n)
}

/// Follows names (and `this.x`) to the expression assigned to them, through `await`.
fn origin<'t>(cx: &Cx<'t>, n: Node<'t>, depth: usize) -> Node<'t> {
    let mut cur = unwrap(n);
    for _ in depth..MAX_DEPTH {
        if !cx.tick() {
            return cur;
        }
        let key = match cur.kind() {
            "identifier" => cx.text(cur).to_string(),
            "member_expression" if cx.text(cur).starts_with("this.") => cx.text(cur).to_string(),
            // `config.inventory.baseUrl` with `config` an object literal of this file.
            "member_expression" => {
                let (Some(obj), Some(prop)) = (field(cur, "object"), field(cur, "property")) else {
                    return cur;
                };
                match object_prop(cx, obj, cx.text(prop), depth + 1) {
                    Some(v) if v.kind() == "shorthand_property_identifier" => {
                        cx.text(v).to_string()
                    }
                    Some(v) => {
                        cur = unwrap(v);
                        continue;
                    }
                    None => return cur,
                }
            }
            "await_expression" => match named_children(cur).into_iter().next() {
                Some(inner) => {
                    cur = unwrap(inner);
                    continue;
                }
                None => return cur,
            },
            _ => return cur,
        };
        match cx.lookup(&key, cur.start_byte()).and_then(|b| b.value) {
            Some(v) if v.id() != cur.id() => cur = unwrap(v),
            _ => return cur,
        }
    }
    cur
}

// ----- clients -------------------------------------------------------------------------------

#[derive(Clone)]
enum Client {
    Axios {
        lib: &'static str,
        base: Option<Expr>,
        timeout: Option<bool>,
    },
    Got {
        base: Option<Expr>,
        timeout: Option<bool>,
    },
    Kafka {
        servers: Option<Expr>,
    },
    KafkaProducer {
        servers: Option<Expr>,
    },
    KafkaConsumer {
        servers: Option<Expr>,
    },
    AmqpConnection {
        servers: Option<Expr>,
    },
    AmqpChannel {
        servers: Option<Expr>,
    },
    Nats {
        servers: Option<Expr>,
    },
    Redis {
        target: Expr,
    },
    PubSub,
    PubSubTopic {
        name: Expr,
    },
    PubSubSubscription {
        name: Expr,
    },
    Sqs,
    Sns,
    Router {
        framework: &'static str,
        prefix: String,
        auth: Vec<String>,
    },
}

fn module_of(q: &str) -> &str {
    q.split('.').next().unwrap_or("")
}

fn client(cx: &Cx, receiver: Node, depth: usize) -> Option<Client> {
    if depth > 4 {
        return None;
    }
    // Typed members: `private readonly http: HttpService`.
    let text = cx.text(unwrap(receiver));
    if let Some(b) = cx.lookup(text, receiver.start_byte()) {
        if let Some(ty) = b.ty {
            let t = cx.text(ty);
            if t.contains("HttpService") {
                return Some(Client::Axios {
                    lib: "@nestjs/axios",
                    base: None,
                    timeout: None,
                });
            }
            if t.contains("AxiosInstance") {
                return Some(Client::Axios {
                    lib: "axios",
                    base: None,
                    timeout: None,
                });
            }
        }
    }
    let o = origin(cx, receiver, 0);
    if !matches!(o.kind(), "call_expression" | "new_expression") {
        if o.kind() == "identifier" {
            let q = qualified(cx, o).unwrap_or_default();
            if q == "axios" {
                return Some(Client::Axios {
                    lib: "axios",
                    base: None,
                    timeout: None,
                });
            }
        }
        return None;
    }
    let is_new = o.kind() == "new_expression";
    let func = unwrap(field(o, if is_new { "constructor" } else { "function" })?);
    let args = args_of(o);
    let q = qualified(cx, func).unwrap_or_default();
    let module = module_of(&q);
    let last = q.rsplit('.').next().unwrap_or("");
    let method = (func.kind() == "member_expression")
        .then(|| field(func, "property").map(|p| cx.text(p)))
        .flatten();
    // Clients handed out by other clients.
    if let (Some(m), Some(obj)) = (method, field(func, "object")) {
        let parent = || client(cx, obj, depth + 1);
        match m {
            "producer" => {
                if let Some(Client::Kafka { servers }) = parent() {
                    return Some(Client::KafkaProducer { servers });
                }
            }
            "consumer" => {
                if let Some(Client::Kafka { servers }) = parent() {
                    return Some(Client::KafkaConsumer { servers });
                }
            }
            "createChannel" | "createConfirmChannel" => {
                if let Some(Client::AmqpConnection { servers }) = parent() {
                    return Some(Client::AmqpChannel { servers });
                }
                return Some(Client::AmqpChannel { servers: None });
            }
            "topic" => {
                if let Some(Client::PubSub) = parent() {
                    let name = args
                        .first()
                        .map(|a| eval(cx, *a, 0))
                        .unwrap_or_else(|| cx.unknown(o));
                    return Some(Client::PubSubTopic { name });
                }
            }
            "subscription" => {
                if let Some(Client::PubSub) = parent() {
                    let name = args
                        .first()
                        .map(|a| eval(cx, *a, 0))
                        .unwrap_or_else(|| cx.unknown(o));
                    return Some(Client::PubSubSubscription { name });
                }
            }
            "duplicate" => {
                if let Some(c @ Client::Redis { .. }) = parent() {
                    return Some(c);
                }
            }
            "Router" if module == "express" => {}
            "group" | "register" => {}
            _ => {}
        }
    }
    let cfg = args.first().copied();
    Some(match (module, last) {
        ("axios", "create") => Client::Axios {
            lib: "axios",
            base: cfg
                .and_then(|c| object_prop(cx, c, "baseURL", 0))
                .map(|b| eval(cx, b, 0)),
            timeout: Some(has_prop(cx, cfg, "timeout")),
        },
        ("got", "extend") => Client::Got {
            base: cfg
                .and_then(|c| object_prop(cx, c, "prefixUrl", 0))
                .map(|b| eval(cx, b, 0)),
            timeout: Some(has_prop(cx, cfg, "timeout")),
        },
        ("kafkajs", "Kafka") => Client::Kafka {
            servers: cfg
                .and_then(|c| object_prop(cx, c, "brokers", 0))
                .map(|b| list_expr(cx, b)),
        },
        ("amqplib" | "amqplib/callback_api" | "amqp-connection-manager", "connect") => {
            Client::AmqpConnection {
                servers: cfg.map(|c| list_expr(cx, c)),
            }
        }
        ("nats", "connect") => Client::Nats {
            servers: cfg
                .and_then(|c| object_prop(cx, c, "servers", 0))
                .map(|s| list_expr(cx, s)),
        },
        ("ioredis", _) | ("redis", "createClient") | ("redis", "createCluster") => Client::Redis {
            target: redis_target(cx, &args, &q),
        },
        ("@google-cloud/pubsub", "PubSub") => Client::PubSub,
        ("@aws-sdk/client-sqs", "SQSClient") | ("aws-sdk", "SQS") => Client::Sqs,
        ("@aws-sdk/client-sns", "SNSClient") | ("aws-sdk", "SNS") => Client::Sns,
        ("express", "express" | "Router") | ("express", "") => Client::Router {
            framework: "express",
            prefix: String::new(),
            auth: Vec::new(),
        },
        ("express", _) if q == "express" || last == "Router" => Client::Router {
            framework: "express",
            prefix: String::new(),
            auth: Vec::new(),
        },
        ("fastify", _) => Client::Router {
            framework: "fastify",
            prefix: String::new(),
            auth: Vec::new(),
        },
        ("@koa/router" | "koa-router", _) => Client::Router {
            framework: "koa",
            prefix: cfg
                .and_then(|c| object_prop(cx, c, "prefix", 0))
                .map(|p| path_text(&eval(cx, p, 0)))
                .unwrap_or_default(),
            auth: Vec::new(),
        },
        _ => return None,
    })
}

fn list_expr(cx: &Cx, n: Node) -> Expr {
    let o = origin(cx, n, 0);
    if o.kind() == "array" {
        let items: Vec<Expr> = named_children(o)
            .into_iter()
            .map(|i| eval(cx, i, 0))
            .collect();
        return expr::join_list(items).unwrap_or_else(|| cx.unknown(n));
    }
    // `process.env.KAFKA_BROKERS.split(',')`
    if o.kind() == "call_expression" {
        if let Some(f) = field(o, "function") {
            if f.kind() == "member_expression"
                && field(f, "property").map(|p| cx.text(p)) == Some("split")
            {
                if let Some(obj) = field(f, "object") {
                    return eval(cx, obj, 0);
                }
            }
        }
    }
    eval(cx, n, 0)
}

fn redis_target(cx: &Cx, args: &[Node], q: &str) -> Expr {
    let first = args.first().copied();
    match first.map(|f| origin(cx, f, 0)) {
        None => Expr::literal("localhost:6379"),
        Some(o) if o.kind() == "object" => {
            let f = first.unwrap_or(o);
            if let Some(u) = object_prop(cx, f, "url", 0) {
                return eval(cx, u, 0);
            }
            let sock = object_prop(cx, f, "socket", 0).unwrap_or(f);
            match object_prop(cx, sock, "host", 0) {
                Some(h) => host_port(
                    eval(cx, h, 0),
                    object_prop(cx, sock, "port", 0).map(|p| eval(cx, p, 0)),
                ),
                None if q.starts_with("redis") => Expr::literal("localhost:6379"),
                None => Expr::literal("localhost:6379"),
            }
        }
        Some(_) => {
            let a = eval(cx, args[0], 0);
            // ioredis: `new Redis(port, host)`
            match (o_kind_number(cx, args[0]), args.get(1)) {
                (true, Some(h)) => host_port(eval(cx, *h, 0), Some(a)),
                _ => a,
            }
        }
    }
}

fn o_kind_number(cx: &Cx, n: Node) -> bool {
    matches!(eval(cx, n, 0), Expr::Literal { ref value } if value.chars().all(|c| c.is_ascii_digit()))
}

fn path_text(e: &Expr) -> String {
    e.resolve(&|_| None).unwrap_or_else(|| e.display())
}

// ----- calls ---------------------------------------------------------------------------------

fn call<'t>(cx: &mut Cx<'t>, state: &mut State, n: Node<'t>) {
    let is_new = n.kind() == "new_expression";
    let Some(func) = field(n, if is_new { "constructor" } else { "function" }) else {
        return;
    };
    let func = unwrap(func);
    let args = args_of(n);
    let q = qualified(cx, func).unwrap_or_default();
    let module = module_of(&q).to_string();
    let last = q.rsplit('.').next().unwrap_or("").to_string();
    let (name, receiver) = match func.kind() {
        "member_expression" => (
            field(func, "property").map(|p| cx.text(p)).unwrap_or(""),
            field(func, "object"),
        ),
        "identifier" => (cx.text(func), None),
        _ => return,
    };

    if is_new {
        new_expression(cx, n, &q, &module, &last, &args);
        return;
    }

    // fetch
    if (receiver.is_none() && name == "fetch")
        || q == "node-fetch"
        || q == "undici.fetch"
        || q == "globalThis.fetch"
        || q == "window.fetch"
        || q == "cross-fetch"
        || q == "isomorphic-fetch"
    {
        let Some(url) = args.first() else { return };
        let opts = args.get(1).copied();
        let method = opts
            .and_then(|o| object_prop(cx, o, "method", 0))
            .and_then(|m| expr::as_literal(&eval(cx, m, 0)).map(str::to_string))
            .unwrap_or_else(|| "GET".into());
        let timeout = has_prop(cx, opts, "signal") || has_prop(cx, opts, "timeout");
        let target = eval(cx, *url, 0);
        let lib = if module == "node-fetch" || module == "undici" {
            module.as_str()
        } else {
            "fetch"
        };
        cx.call(
            n,
            CallKind::Http,
            lib,
            Some(&method),
            target,
            None,
            Some(timeout),
            None,
        );
        return;
    }
    // axios(config) / axios(url, config) / got(url, options)
    if receiver.is_none() && (q == "axios" || q == "got" || q == "superagent" || q == "request") {
        let lib = q.as_str();
        let (url, cfg) = match args.first().map(|a| origin(cx, *a, 0)) {
            Some(o) if o.kind() == "object" => (object_prop(cx, args[0], "url", 0), Some(args[0])),
            _ => (args.first().copied(), args.get(1).copied()),
        };
        let method = cfg
            .and_then(|c| object_prop(cx, c, "method", 0))
            .and_then(|m| expr::as_literal(&eval(cx, m, 0)).map(str::to_string))
            .unwrap_or_else(|| "GET".into());
        let base = cfg
            .and_then(|c| object_prop(cx, c, "baseURL", 0).or(object_prop(cx, c, "prefixUrl", 0)))
            .map(|b| eval(cx, b, 0));
        let url = url.map(|u| eval(cx, u, 0)).unwrap_or_else(|| cx.unknown(n));
        let target = match base {
            Some(b) => concat(vec![b, url]),
            None => url,
        };
        let timeout = Some(has_prop(cx, cfg, "timeout") || chained_timeout(cx, n));
        cx.call(
            n,
            CallKind::Http,
            lib,
            Some(&method),
            target,
            None,
            timeout,
            None,
        );
        return;
    }
    // Module-level verbs: axios.get, got.post, superagent.get, http.request
    if receiver.is_some() {
        let recv_q = receiver.and_then(|r| qualified(cx, r)).unwrap_or_default();
        let recv_module = module_of(&recv_q);
        match (recv_q.as_str(), name) {
            ("axios" | "got" | "superagent" | "request", v)
                if HTTP_VERBS.contains(&v) || v == "request" || v == "del" =>
            {
                let lib = recv_q.clone();
                let client = Client::Axios {
                    lib: "axios",
                    base: None,
                    timeout: None,
                };
                http_verb(cx, n, &lib, &client, name, &args);
                return;
            }
            _ if matches!(recv_module, "http" | "https" | "node:http" | "node:https")
                && (name == "request" || name == "get") =>
            {
                node_http(cx, n, recv_module.trim_start_matches("node:"), name, &args);
                return;
            }
            _ => {}
        }
    }
    // Database and cache clients.
    if database(cx, n, &q, &module, &last, &args, false) {
        return;
    }

    let Some(receiver) = receiver else { return };
    let c = client(cx, receiver, 0);
    match (&c, name) {
        (Some(Client::Axios { .. } | Client::Got { .. }), v)
            if HTTP_VERBS.contains(&v) || v == "request" =>
        {
            let lib = match &c {
                Some(Client::Axios { lib, .. }) => lib,
                _ => "got",
            };
            http_verb(cx, n, lib, c.as_ref().unwrap_or(&Client::Sqs), name, &args);
            return;
        }
        (Some(Client::KafkaProducer { servers }), "send") => {
            kafka_send(cx, n, &args, servers.clone());
            return;
        }
        (Some(Client::KafkaProducer { servers }), "sendBatch") => {
            kafka_send_batch(cx, n, &args, servers.clone());
            return;
        }
        (Some(Client::KafkaConsumer { servers }), "subscribe") => {
            kafka_subscribe(cx, n, &args, servers.clone());
            return;
        }
        (Some(Client::Redis { target }), "publish") => {
            if let Some(ch) = args.first() {
                let topic = eval(cx, *ch, 0);
                cx.messaging(
                    n,
                    MessagingRole::Producer,
                    "redis",
                    "redis",
                    topic,
                    Some(target.clone()),
                );
            }
            return;
        }
        (Some(Client::Redis { target }), "subscribe" | "pSubscribe" | "psubscribe") => {
            for ch in args.iter().filter(|a| !is_function(a)) {
                let topic = eval(cx, *ch, 0);
                cx.messaging(
                    n,
                    MessagingRole::Consumer,
                    "redis",
                    "redis",
                    topic,
                    Some(target.clone()),
                );
            }
            return;
        }
        (Some(Client::PubSubTopic { name: t }), "publish" | "publishMessage" | "publishJSON") => {
            let t = t.clone();
            cx.messaging(
                n,
                MessagingRole::Producer,
                "pubsub",
                "@google-cloud/pubsub",
                t,
                None,
            );
            return;
        }
        (Some(Client::PubSubSubscription { name: s }), "on") => {
            let s = s.clone();
            cx.messaging(
                n,
                MessagingRole::Consumer,
                "pubsub",
                "@google-cloud/pubsub",
                s,
                None,
            );
            return;
        }
        (Some(Client::Sqs), "sendMessage" | "sendMessageBatch" | "receiveMessage") => {
            let role = if name == "receiveMessage" {
                MessagingRole::Consumer
            } else {
                MessagingRole::Producer
            };
            let topic = args
                .first()
                .and_then(|a| object_prop(cx, *a, "QueueUrl", 0))
                .map(|u| eval(cx, u, 0))
                .unwrap_or_else(|| cx.unknown(n));
            cx.messaging(n, role, "sqs", "aws-sdk", topic, None);
            return;
        }
        (Some(Client::Sns), "publish") => {
            let topic = args
                .first()
                .and_then(|a| object_prop(cx, *a, "TopicArn", 0))
                .map(|u| eval(cx, u, 0))
                .unwrap_or_else(|| cx.unknown(n));
            cx.messaging(n, MessagingRole::Producer, "sns", "aws-sdk", topic, None);
            return;
        }
        _ => {}
    }
    let imports_any = |mods: &[&str]| cx.imports.values().any(|m| mods.contains(&module_of(m)));
    // kafkajs by shape: `producer.send({ topic, messages })`, `consumer.subscribe({ topic })`.
    let first_obj = args
        .first()
        .map(|a| origin(cx, *a, 0))
        .filter(|o| o.kind() == "object");
    if name == "send"
        && first_obj.is_some()
        && has_prop(cx, args.first().copied(), "topic")
        && has_prop(cx, args.first().copied(), "messages")
    {
        kafka_send(cx, n, &args, None);
        return;
    }
    if name == "subscribe"
        && first_obj.is_some()
        && (has_prop(cx, args.first().copied(), "topic")
            || has_prop(cx, args.first().copied(), "topics"))
    {
        kafka_subscribe(cx, n, &args, None);
        return;
    }
    // amqplib
    let amqp_servers = match &c {
        Some(Client::AmqpChannel { servers }) => Some(servers.clone()),
        _ if imports_any(&["amqplib", "amqplib/callback_api", "amqp-connection-manager"]) => {
            Some(None)
        }
        _ if name == "sendToQueue" => Some(None),
        _ => None,
    };
    if let Some(servers) = amqp_servers {
        match name {
            "sendToQueue" => {
                if let Some(qn) = args.first() {
                    let topic = eval(cx, *qn, 0);
                    cx.messaging(
                        n,
                        MessagingRole::Producer,
                        "rabbitmq",
                        "amqplib",
                        topic,
                        servers,
                    );
                }
                return;
            }
            "publish" if args.len() >= 3 => {
                let ex = eval(cx, args[0], 0);
                let topic = match ex {
                    Expr::Literal { ref value } if value.is_empty() => eval(cx, args[1], 0),
                    other => other,
                };
                cx.messaging(
                    n,
                    MessagingRole::Producer,
                    "rabbitmq",
                    "amqplib",
                    topic,
                    servers,
                );
                return;
            }
            "consume" if args.len() >= 2 => {
                let topic = eval(cx, args[0], 0);
                cx.messaging(
                    n,
                    MessagingRole::Consumer,
                    "rabbitmq",
                    "amqplib",
                    topic,
                    servers,
                );
                return;
            }
            _ => {}
        }
    }
    // NATS
    let nats_servers = match &c {
        Some(Client::Nats { servers }) => Some(servers.clone()),
        _ if imports_any(&["nats"]) => Some(None),
        _ => None,
    };
    if let Some(servers) = nats_servers {
        if matches!(name, "publish" | "subscribe" | "request") && !args.is_empty() {
            let role = if name == "subscribe" {
                MessagingRole::Consumer
            } else {
                MessagingRole::Producer
            };
            let topic = eval(cx, args[0], 0);
            if !matches!(topic, Expr::Unknown { .. }) || name != "request" {
                cx.messaging(n, role, "nats", "nats", topic, servers);
            }
            return;
        }
    }
    // NestJS HttpService by name when the type is not visible.
    if HTTP_VERBS.contains(&name) && cx.text(receiver).ends_with("httpService") {
        let client = Client::Axios {
            lib: "@nestjs/axios",
            base: None,
            timeout: None,
        };
        http_verb(cx, n, "@nestjs/axios", &client, name, &args);
        return;
    }
    route(cx, state, n, receiver, name, &args, c);
}

fn is_function(n: &Node) -> bool {
    matches!(
        n.kind(),
        "arrow_function" | "function_expression" | "function"
    )
}

/// `.timeout(...)` chained after a superagent request.
fn chained_timeout(cx: &Cx, n: Node) -> bool {
    let mut cur = n;
    for _ in 0..12 {
        let Some(p) = cur.parent() else { return false };
        match p.kind() {
            "member_expression" => {
                if field(p, "property").map(|x| cx.text(x)) == Some("timeout") {
                    return true;
                }
            }
            "call_expression" | "await_expression" => {}
            _ => return false,
        }
        cur = p;
    }
    false
}

/// An axios/got-style verb call: `get(url, config)`, `post(url, data, config)`,
/// `request(config)`.
fn http_verb(cx: &mut Cx, n: Node, lib: &str, client: &Client, name: &str, args: &[Node]) {
    let (base, client_timeout) = match client {
        Client::Axios { base, timeout, .. } | Client::Got { base, timeout } => {
            (base.clone(), *timeout)
        }
        _ => (None, None),
    };
    let (method, url, cfg) = match name {
        "request" => {
            let cfg = args.first().copied();
            let m = cfg
                .and_then(|c| object_prop(cx, c, "method", 0))
                .and_then(|m| expr::as_literal(&eval(cx, m, 0)).map(str::to_string))
                .unwrap_or_else(|| "GET".into());
            (m, cfg.and_then(|c| object_prop(cx, c, "url", 0)), cfg)
        }
        "post" | "put" | "patch" if lib != "got" => (
            name.to_string(),
            args.first().copied(),
            args.get(2).copied(),
        ),
        "del" => (
            "DELETE".to_string(),
            args.first().copied(),
            args.get(1).copied(),
        ),
        _ => (
            name.to_string(),
            args.first().copied(),
            args.get(1).copied(),
        ),
    };
    let url = url
        .map(|u| eval(cx, u, 0))
        .unwrap_or_else(|| Expr::literal(""));
    // got joins `prefixUrl` and a relative path with a `/`.
    let first = match &url {
        Expr::Concat { parts } => parts.first(),
        other => Some(other),
    };
    let sep = match (client, first) {
        (Client::Got { .. }, Some(Expr::Literal { value })) if !value.starts_with('/') => "/",
        _ => "",
    };
    let target = match base {
        Some(b) => concat(vec![b, Expr::literal(sep), url]),
        None => url,
    };
    let timeout = if has_prop(cx, cfg, "timeout") || has_prop(cx, cfg, "signal") {
        Some(true)
    } else if lib == "superagent" || lib == "request" {
        Some(chained_timeout(cx, n))
    } else if lib == "@nestjs/axios" {
        None
    } else {
        Some(client_timeout.unwrap_or(false))
    };
    cx.call(
        n,
        CallKind::Http,
        lib,
        Some(&method),
        target,
        None,
        timeout,
        None,
    );
}

/// node `http.request(url | options, cb)` / `https.get(...)`.
fn node_http(cx: &mut Cx, n: Node, module: &str, name: &str, args: &[Node]) {
    let Some(first) = args.first() else { return };
    let o = origin(cx, *first, 0);
    let (target, opts) = if o.kind() == "object" {
        let host = object_prop(cx, *first, "hostname", 0)
            .or_else(|| object_prop(cx, *first, "host", 0))
            .map(|h| eval(cx, h, 0))
            .unwrap_or_else(|| Expr::literal("localhost"));
        let port = object_prop(cx, *first, "port", 0).map(|p| eval(cx, p, 0));
        let path = object_prop(cx, *first, "path", 0)
            .map(|p| eval(cx, p, 0))
            .unwrap_or_else(|| Expr::literal(""));
        let target = concat(vec![
            Expr::literal(format!("{module}://")),
            host_port(host, port),
            path,
        ]);
        (target, Some(*first))
    } else {
        (
            eval(cx, *first, 0),
            args.get(1).copied().filter(|a| !is_function(a)),
        )
    };
    let method = opts
        .and_then(|o| object_prop(cx, o, "method", 0))
        .and_then(|m| expr::as_literal(&eval(cx, m, 0)).map(str::to_string))
        .unwrap_or_else(|| "GET".into());
    let method = if name == "get" {
        "GET".to_string()
    } else {
        method
    };
    let timeout = Some(has_prop(cx, opts, "timeout"));
    cx.call(
        n,
        CallKind::Http,
        module,
        Some(&method),
        target,
        None,
        timeout,
        None,
    );
}

fn new_expression(cx: &mut Cx, n: Node, q: &str, module: &str, last: &str, args: &[Node]) {
    // gRPC: `new OrdersClient(addr, grpc.credentials.createInsecure())`
    if args.len() >= 2 {
        let creds = cx.text(args[1]);
        let creds_o = cx.text(origin(cx, args[1], 0));
        let insecure = creds.contains("createInsecure") || creds_o.contains("createInsecure");
        let secure = creds.contains("createSsl")
            || creds_o.contains("createSsl")
            || creds.contains("combineChannelCredentials");
        let generated =
            module.contains("grpc") && last != "Server" && creds.contains("credentials");
        if insecure || secure || generated {
            let target = eval(cx, args[0], 0);
            let lib = if cx
                .imports
                .values()
                .any(|m| m == "grpc" || m.starts_with("grpc."))
            {
                "grpc"
            } else {
                "@grpc/grpc-js"
            };
            let plaintext = insecure.then_some(true).or(secure.then_some(false));
            cx.call(n, CallKind::Grpc, lib, None, target, None, None, plaintext);
            return;
        }
    }
    // AWS SDK v3 commands.
    let first = args.first().copied();
    let aws = |cx: &mut Cx, role, tech: &str, key: &str| {
        let topic = first
            .and_then(|a| object_prop(cx, a, key, 0))
            .map(|u| eval(cx, u, 0))
            .unwrap_or_else(|| cx.unknown(n));
        cx.messaging(n, role, tech, "aws-sdk", topic, None);
    };
    match last {
        "SendMessageCommand" | "SendMessageBatchCommand" => {
            aws(cx, MessagingRole::Producer, "sqs", "QueueUrl");
            return;
        }
        "ReceiveMessageCommand" => {
            aws(cx, MessagingRole::Consumer, "sqs", "QueueUrl");
            return;
        }
        "PublishCommand" if module.contains("sns") || has_prop(cx, first, "TopicArn") => {
            aws(cx, MessagingRole::Producer, "sns", "TopicArn");
            return;
        }
        _ => {}
    }
    let _ = database(cx, n, q, module, last, args, true);
}

/// Database and cache clients; true when the call was one.
#[allow(clippy::too_many_arguments)]
fn database(
    cx: &mut Cx,
    n: Node,
    q: &str,
    module: &str,
    last: &str,
    args: &[Node],
    is_new: bool,
) -> bool {
    let first = args.first().copied();
    let cfg_timeout = |cx: &Cx| {
        let o = origin(cx, first?, 0);
        if o.kind() != "object" {
            return None;
        }
        named_children(o)
            .into_iter()
            .filter_map(|p| field(p, "key"))
            .any(|k| cx.text(k).to_ascii_lowercase().contains("timeout"))
            .then_some(true)
    };
    let conn_target = |cx: &Cx, url_keys: &[&str]| -> Expr {
        let Some(f) = first else {
            return cx.unknown(n);
        };
        let o = origin(cx, f, 0);
        if o.kind() != "object" {
            return eval(cx, f, 0);
        }
        for k in url_keys {
            if let Some(u) = object_prop(cx, f, k, 0) {
                return eval(cx, u, 0);
            }
        }
        match object_prop(cx, f, "host", 0) {
            Some(h) => host_port(
                eval(cx, h, 0),
                object_prop(cx, f, "port", 0).map(|p| eval(cx, p, 0)),
            ),
            None => cx.unknown(n),
        }
    };
    let (lib, tech, target) = match (module, last) {
        ("pg", "Pool" | "Client") if is_new => (
            "pg",
            Some("postgres"),
            conn_target(cx, &["connectionString"]),
        ),
        ("pg-promise", _) => return false,
        ("postgres", "postgres") | ("postgres", "") if !is_new && q == "postgres" => {
            ("postgres", Some("postgres"), conn_target(cx, &[]))
        }
        ("mongoose", "connect" | "createConnection") => {
            ("mongoose", Some("mongodb"), conn_target(cx, &[]))
        }
        ("mongodb", "MongoClient") if is_new => ("mongodb", Some("mongodb"), conn_target(cx, &[])),
        ("mongodb", "connect") => ("mongodb", Some("mongodb"), conn_target(cx, &[])),
        ("ioredis", _) if is_new => ("ioredis", Some("redis"), redis_target(cx, args, q)),
        ("redis", "createClient" | "createCluster") => {
            ("redis", Some("redis"), redis_target(cx, args, q))
        }
        ("mysql" | "mysql2" | "mysql2/promise", "createConnection" | "createPool") => {
            (module, Some("mysql"), conn_target(cx, &["uri"]))
        }
        ("sequelize", "Sequelize") if is_new => {
            let t = conn_target(cx, &[]);
            let dialect = args
                .iter()
                .rev()
                .find_map(|a| object_prop(cx, *a, "dialect", 0))
                .and_then(|d| expr::as_literal(&eval(cx, d, 0)).map(str::to_string));
            let tech =
                db_technology_of(&t).or_else(|| dialect.as_deref().and_then(super::db_technology));
            ("sequelize", tech, t)
        }
        ("knex", "knex") | ("knex", "") if !is_new => {
            let client = first
                .and_then(|f| object_prop(cx, f, "client", 0))
                .and_then(|c| expr::as_literal(&eval(cx, c, 0)).map(str::to_string));
            let conn = first.and_then(|f| object_prop(cx, f, "connection", 0));
            let t = match conn {
                Some(c) if origin(cx, c, 0).kind() == "object" => {
                    match object_prop(cx, c, "connectionString", 0) {
                        Some(s) => eval(cx, s, 0),
                        None => match object_prop(cx, c, "host", 0) {
                            Some(h) => host_port(
                                eval(cx, h, 0),
                                object_prop(cx, c, "port", 0).map(|p| eval(cx, p, 0)),
                            ),
                            None => cx.unknown(c),
                        },
                    }
                }
                Some(c) => eval(cx, c, 0),
                None => cx.unknown(n),
            };
            ("knex", client.as_deref().and_then(super::db_technology), t)
        }
        _ => return false,
    };
    let timeout = cfg_timeout(cx);
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

fn kafka_send(cx: &mut Cx, n: Node, args: &[Node], servers: Option<Expr>) {
    let Some(first) = args.first() else { return };
    let topic = object_prop(cx, *first, "topic", 0)
        .map(|t| prop_value(cx, t))
        .unwrap_or_else(|| cx.unknown(*first));
    cx.messaging(
        n,
        MessagingRole::Producer,
        "kafka",
        "kafkajs",
        topic,
        servers,
    );
}

fn kafka_send_batch(cx: &mut Cx, n: Node, args: &[Node], servers: Option<Expr>) {
    let Some(first) = args.first() else { return };
    let Some(list) = object_prop(cx, *first, "topicMessages", 0) else {
        return;
    };
    let o = origin(cx, list, 0);
    if o.kind() != "array" {
        return;
    }
    for item in named_children(o) {
        if let Some(t) = object_prop(cx, item, "topic", 0) {
            let topic = prop_value(cx, t);
            cx.messaging(
                n,
                MessagingRole::Producer,
                "kafka",
                "kafkajs",
                topic,
                servers.clone(),
            );
        }
    }
}

fn kafka_subscribe(cx: &mut Cx, n: Node, args: &[Node], servers: Option<Expr>) {
    let Some(first) = args.first() else { return };
    if let Some(t) = object_prop(cx, *first, "topic", 0) {
        let topic = prop_value(cx, t);
        cx.messaging(
            n,
            MessagingRole::Consumer,
            "kafka",
            "kafkajs",
            topic,
            servers,
        );
    } else if let Some(list) = object_prop(cx, *first, "topics", 0) {
        let o = origin(cx, list, 0);
        let items = if o.kind() == "array" {
            named_children(o)
        } else {
            vec![list]
        };
        for item in items {
            let topic = eval(cx, item, 0);
            cx.messaging(
                n,
                MessagingRole::Consumer,
                "kafka",
                "kafkajs",
                topic,
                servers.clone(),
            );
        }
    }
}

/// The value of an object property (a shorthand property reads the variable of that name).
fn prop_value(cx: &Cx, v: Node) -> Expr {
    if v.kind() == "shorthand_property_identifier" {
        name_value(cx, cx.text(v), v, 0)
    } else {
        eval(cx, v, 0)
    }
}

// ----- routes --------------------------------------------------------------------------------

const ROUTE_VERBS: &[&str] = &[
    "get", "post", "put", "patch", "delete", "del", "head", "options", "all", "use",
];

fn looks_like_router_name(name: &str) -> bool {
    let l = name.to_ascii_lowercase();
    l == "app"
        || l == "server"
        || l == "fastify"
        || l == "routes"
        || l.ends_with("router")
        || l.ends_with("app")
}

/// The framework, prefix and auth of a route receiver: a router from this file, or a
/// conventional name (`app`, `router`) in a file that imports a web framework.
fn router_of(
    cx: &Cx,
    receiver: Node,
    c: Option<Client>,
) -> Option<(&'static str, String, Vec<String>)> {
    match c {
        Some(Client::Router {
            framework,
            prefix,
            auth,
        }) => Some((framework, prefix, auth)),
        Some(_) => None,
        None => {
            let recv = unwrap(receiver);
            if recv.kind() != "identifier" || !looks_like_router_name(cx.text(recv)) {
                return None;
            }
            let mods: Vec<&str> = cx.imports.values().map(|m| module_of(m)).collect();
            let fw = if mods.contains(&"express") {
                "express"
            } else if mods.contains(&"fastify") {
                "fastify"
            } else if mods.contains(&"@koa/router") || mods.contains(&"koa-router") {
                "koa"
            } else if mods.contains(&"restify") {
                "restify"
            } else if mods.contains(&"hono") {
                "hono"
            } else {
                return None;
            };
            Some((fw, String::new(), Vec::new()))
        }
    }
}

/// Names of the auth-looking middleware among arguments (identifiers, member chains, calls,
/// arrays of those, fastify `{ preHandler, onRequest }` options).
fn middleware_auth(cx: &Cx, args: &[Node]) -> Vec<String> {
    let mut out = Vec::new();
    for a in args {
        collect_auth(cx, *a, &mut out, 0);
    }
    out
}

fn collect_auth(cx: &Cx, a: Node, out: &mut Vec<String>, depth: usize) {
    if depth > 4 {
        return;
    }
    let a = unwrap(a);
    match a.kind() {
        "identifier" | "member_expression" => {
            let t = cx.text(a);
            if is_auth_name(t) {
                out.push(t.to_string());
            }
        }
        "call_expression" => {
            if let Some(f) = field(a, "function") {
                let t = cx.text(f);
                if is_auth_name(t) {
                    out.push(t.to_string());
                }
            }
        }
        "array" => {
            for i in named_children(a) {
                collect_auth(cx, i, out, depth + 1);
            }
        }
        "object" => {
            for k in [
                "preHandler",
                "onRequest",
                "preValidation",
                "middleware",
                "beforeHandler",
            ] {
                if let Some(v) = object_prop(cx, a, k, 0) {
                    collect_auth(cx, v, out, depth + 1);
                }
            }
        }
        _ => {}
    }
}

fn is_path_like(cx: &Cx, n: Node) -> Option<String> {
    match eval(cx, n, 0) {
        Expr::Unknown { .. } => None,
        e => {
            let p = path_text(&e);
            (p.starts_with('/') || p.starts_with('*') || p.starts_with('{') || p.starts_with('$'))
                .then_some(p)
        }
    }
}

/// Pre-pass: `app.use('/prefix', mw..., router)` with `router` a router of this file.
fn mount<'t>(cx: &Cx<'t>, state: &mut State, n: Node<'t>) {
    if n.kind() != "call_expression" {
        return;
    }
    let Some(func) = field(n, "function") else {
        return;
    };
    if func.kind() != "member_expression"
        || field(func, "property").map(|p| cx.text(p)) != Some("use")
    {
        return;
    }
    let args = args_of(n);
    let recv = field(func, "object")
        .map(|o| cx.text(o).to_string())
        .unwrap_or_default();
    let Some(prefix) = args.first().and_then(|a| is_path_like(cx, *a)) else {
        // `app.use(auth)`: protects what is mounted after it.
        let auth = middleware_auth(cx, &args);
        state.pre_global.entry(recv).or_default().extend(auth);
        return;
    };
    let Some(last) = args.last() else { return };
    if unwrap(*last).kind() != "identifier" || args.len() < 2 {
        return;
    }
    if let Some(Client::Router { .. }) = client(cx, *last, 0) {
        let mut auth = state.pre_global.get(&recv).cloned().unwrap_or_default();
        auth.extend(middleware_auth(cx, &args[1..args.len() - 1]));
        state
            .mounts
            .insert(cx.text(*last).to_string(), (prefix, auth));
    }
}

#[allow(clippy::too_many_arguments)]
fn route(
    cx: &mut Cx,
    state: &mut State,
    n: Node,
    receiver: Node,
    name: &str,
    args: &[Node],
    c: Option<Client>,
) {
    let verb = name.to_ascii_lowercase();
    if !ROUTE_VERBS.contains(&verb.as_str()) && name != "route" {
        return;
    }
    // `app.route('/x').get(h)`: the path is on the receiver.
    let recv = unwrap(receiver);
    let (base_receiver, chained_path) = if recv.kind() == "call_expression"
        && field(recv, "function")
            .filter(|f| f.kind() == "member_expression")
            .and_then(|f| field(f, "property"))
            .is_some_and(|p| cx.text(p) == "route")
    {
        let f = field(recv, "function").and_then(|f| field(f, "object"));
        let p = args_of(recv).first().and_then(|a| is_path_like(cx, *a));
        match (f, p) {
            (Some(f), Some(p)) => (f, Some(p)),
            _ => return,
        }
    } else {
        (receiver, None)
    };
    if name == "route" {
        return;
    }
    let c = if chained_path.is_some() {
        client(cx, base_receiver, 0)
    } else {
        c
    };
    let Some((framework, mut prefix, mut auth)) = router_of(cx, base_receiver, c) else {
        return;
    };
    let recv_text = cx.text(unwrap(base_receiver)).to_string();
    if let Some((p, a)) = state.mounts.get(&recv_text) {
        prefix = join_path(p, &prefix);
        auth.extend(a.iter().cloned());
    }
    auth.extend(
        state
            .global_auth
            .get(&recv_text)
            .cloned()
            .unwrap_or_default(),
    );
    let (path, rest) = match &chained_path {
        Some(p) => (Some(p.clone()), args),
        None => match args.first().and_then(|a| is_path_like(cx, *a)) {
            Some(p) => (Some(p), &args[1..]),
            None => (None, args),
        },
    };
    if verb == "use" {
        let mw_auth = middleware_auth(cx, rest);
        match path {
            None => {
                // Global middleware: protects the routes registered after it.
                if !mw_auth.is_empty() {
                    state
                        .global_auth
                        .entry(recv_text)
                        .or_default()
                        .extend(mw_auth);
                }
            }
            Some(p) => {
                auth.extend(mw_auth);
                cx.route(n, framework, None, join_path(&prefix, &p), auth);
            }
        }
        return;
    }
    let Some(path) = path else { return };
    if rest.is_empty() {
        return;
    }
    auth.extend(middleware_auth(cx, rest));
    let method = match verb.as_str() {
        "all" => None,
        "del" => Some("DELETE"),
        v => Some(v),
    };
    cx.route(n, framework, method, join_path(&prefix, &path), auth);
}

/// NestJS: `@Controller('orders')` classes with `@Get(':id')` handlers; `@UseGuards(...)` on
/// the class or the method is their auth.
fn nest_controller<'t>(cx: &mut Cx<'t>, class: Node<'t>) {
    let mut decorators: Vec<Node> = Vec::new();
    let mut c = class.walk();
    decorators.extend(class.children_by_field_name("decorator", &mut c));
    if let Some(p) = class.parent().filter(|p| p.kind() == "export_statement") {
        let mut c2 = p.walk();
        decorators.extend(p.children_by_field_name("decorator", &mut c2));
    }
    let Some(controller) = decorators
        .iter()
        .filter_map(|d| decorator_call(cx, *d))
        .find(|(name, _, _)| *name == "Controller")
    else {
        return;
    };
    let prefix = controller
        .1
        .first()
        .map(|a| {
            if unwrap(*a).kind() == "object" {
                object_prop(cx, *a, "path", 0)
                    .map(|p| path_text(&eval(cx, p, 0)))
                    .unwrap_or_default()
            } else {
                path_text(&eval(cx, *a, 0))
            }
        })
        .unwrap_or_default();
    let class_auth = decorator_auth(cx, &decorators);
    let Some(body) = field(class, "body") else {
        return;
    };
    let mut pending: Vec<Node> = Vec::new();
    for member in named_children(body) {
        match member.kind() {
            "decorator" => pending.push(member),
            "method_definition" => {
                let mut decs = std::mem::take(&mut pending);
                let mut c3 = member.walk();
                decs.extend(member.children_by_field_name("decorator", &mut c3));
                let mut auth = class_auth.clone();
                auth.extend(decorator_auth(cx, &decs));
                for d in &decs {
                    let Some((name, args, call)) = decorator_call(cx, *d) else {
                        continue;
                    };
                    let method = match name {
                        "Get" | "Post" | "Put" | "Patch" | "Delete" | "Head" | "Options" => {
                            Some(name)
                        }
                        "All" => None,
                        _ => continue,
                    };
                    let path = args
                        .first()
                        .map(|a| path_text(&eval(cx, *a, 0)))
                        .unwrap_or_default();
                    cx.route(
                        call,
                        "nestjs",
                        method,
                        join_path(&prefix, &path),
                        auth.clone(),
                    );
                }
            }
            _ => pending.clear(),
        }
    }
}

/// A decorator's callee name, arguments and node.
fn decorator_call<'t>(cx: &Cx<'t>, d: Node<'t>) -> Option<(&'t str, Vec<Node<'t>>, Node<'t>)> {
    let inner = named_children(d).into_iter().next()?;
    match inner.kind() {
        "call_expression" => {
            let f = field(inner, "function")?;
            Some((cx.text(f), args_of(inner), inner))
        }
        "identifier" => Some((cx.text(inner), Vec::new(), inner)),
        _ => None,
    }
}

fn decorator_auth(cx: &Cx, decorators: &[Node]) -> Vec<String> {
    let mut out = Vec::new();
    for d in decorators {
        let Some((name, args, _)) = decorator_call(cx, *d) else {
            continue;
        };
        if name == "UseGuards" {
            for a in args {
                let a = unwrap(a);
                let t = match a.kind() {
                    "call_expression" => field(a, "function").map(|f| cx.text(f)),
                    _ => Some(cx.text(a)),
                };
                if let Some(t) = t {
                    out.push(t.to_string());
                }
            }
        } else if is_auth_name(name) || name == "Roles" {
            out.push(name.to_string());
        }
    }
    out
}
