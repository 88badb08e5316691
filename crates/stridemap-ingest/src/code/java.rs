//! Java: RestTemplate, WebClient, java.net.http, OkHttp, Feign clients; gRPC channel builders;
//! JDBC, MongoDB, Jedis/Lettuce; Kafka (spring-kafka, kafka-clients), RabbitMQ (spring-amqp),
//! JMS, SQS; Spring MVC / JAX-RS routes with method security; trust-all TLS.

use super::expr::{self, concat, host_port};
use super::MAX_DEPTH;
use super::{db_technology_of, field, is_auth_name, join_path, named_children, Captures, Cx};
use stridemap_model::code::{CallKind, Expr, MessagingRole};
use tree_sitter::Node;

mod indicators;

pub(super) const QUERY: &str = r#"
(method_declaration) @scope
(constructor_declaration) @scope
(lambda_expression) @scope
(class_body) @class
(interface_body) @class
(field_declaration) @field
(local_variable_declaration) @local
(assignment_expression) @assign
(formal_parameter) @param
(method_invocation) @call
(object_creation_expression) @new
(class_declaration) @type_decl
(interface_declaration) @type_decl
((type_identifier) @tls_name
  (#any-of? @tls_name "NoopHostnameVerifier" "TrustAllStrategy" "InsecureTrustManagerFactory"))
((identifier) @tls_name
  (#any-of? @tls_name "NoopHostnameVerifier" "InsecureTrustManagerFactory" "ALLOW_ALL_HOSTNAME_VERIFIER" "TrustAllStrategy"))
(method_declaration
  name: (identifier) @_m
  (#any-of? @_m "checkServerTrusted" "verify")) @tls_method
(return_statement) @ret
(while_statement) @loop
(for_statement) @loop
(do_statement) @loop
(resource) @resource
"#;

pub(super) fn extract<'t>(cx: &mut Cx<'t>, caps: &Captures<'t>) {
    for &n in caps.get("scope") {
        cx.add_scope(n, false);
    }
    for &n in caps.get("class") {
        cx.add_scope(n, true);
    }
    cx.seal_scopes();
    for &n in caps.get("field").iter().chain(caps.get("local")) {
        let ty = field(n, "type");
        let value_annotation = value_annotation(cx, n);
        let mut c = n.walk();
        let decls: Vec<Node> = n.children_by_field_name("declarator", &mut c).collect();
        for d in decls {
            let Some(name) = field(d, "name") else {
                continue;
            };
            let value = field(d, "value").or(value_annotation);
            let t = cx.text(name);
            let scope = cx.scope_at(n.start_byte());
            cx.bind_full(t, scope, n.end_byte(), value, 0, ty);
        }
    }
    for &n in caps.get("param") {
        if let Some(name) = field(n, "name") {
            let t = cx.text(name);
            let value = value_annotation(cx, n);
            let scope = cx.scope_at(n.start_byte());
            cx.bind_full(t, scope, n.end_byte(), value, 0, field(n, "type"));
        }
    }
    for &n in caps.get("assign") {
        assign(cx, n);
    }
    let mut state = State::default();
    for &n in caps.get("call") {
        prepass(cx, &mut state, n);
    }
    for &n in caps.get("call") {
        call(cx, &state, n);
    }
    for &n in caps.get("new") {
        creation(cx, &state, n);
    }
    for &n in caps.get("type_decl") {
        type_decl(cx, n);
    }
    for &n in caps.get("tls_name") {
        if super::ancestors(n, 6).any(|a| a.kind() == "import_declaration") {
            continue;
        }
        let detail = cx.text(n).to_string();
        cx.insecure_tls(n, detail);
    }
    for &n in caps.get("tls_method") {
        tls_method(cx, n);
    }
    indicators::run(cx, caps);
}

#[derive(Default)]
struct State {
    /// `bootstrap.servers` configured in the file (kafka-clients properties).
    kafka_servers: Option<Expr>,
}

// ----- bindings ------------------------------------------------------------------------------

/// The string of a `@Value("${...}")` annotation on a field or parameter.
fn value_annotation<'t>(cx: &Cx<'t>, decl: Node<'t>) -> Option<Node<'t>> {
    let mods = named_children(decl)
        .into_iter()
        .find(|c| c.kind() == "modifiers")?;
    for a in named_children(mods) {
        if a.kind() == "annotation" && field(a, "name").map(|n| cx.text(n)) == Some("Value") {
            let args = field(a, "arguments")?;
            return named_children(args).into_iter().next();
        }
    }
    None
}

fn assign<'t>(cx: &mut Cx<'t>, n: Node<'t>) {
    let (Some(left), Some(right)) = (field(n, "left"), field(n, "right")) else {
        return;
    };
    let name = match left.kind() {
        "identifier" => left,
        "field_access" if field(left, "object").is_some_and(|o| o.kind() == "this") => {
            match field(left, "field") {
                Some(f) => f,
                None => return,
            }
        }
        _ => return,
    };
    let t = cx.text(name);
    let here = cx.scope_at(n.start_byte());
    // Assigning a field (`this.x = ...`, or `x = ...` with no local `x`) binds it for the class.
    let local = cx
        .lookup(t, n.start_byte())
        .is_some_and(|b| b.scope == here && !here.class);
    let scope = if left.kind() == "field_access" || !local {
        cx.class_scope_at(n.start_byte())
    } else {
        here
    };
    let ty = cx.lookup(t, n.start_byte()).and_then(|b| b.ty);
    cx.bind_full(t, scope, n.end_byte(), Some(right), 0, ty);
}

// ----- values --------------------------------------------------------------------------------

fn string_lit(cx: &Cx, n: Node) -> Option<String> {
    if n.kind() != "string_literal" {
        return None;
    }
    let t = cx.text(n);
    if let Some(inner) = t
        .strip_prefix("\"\"\"")
        .and_then(|s| s.strip_suffix("\"\"\""))
    {
        // Text block: drop the first line break and common indentation.
        let body = inner.strip_prefix('\n').unwrap_or(inner);
        let indent = body
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| l.len() - l.trim_start().len())
            .min()
            .unwrap_or(0);
        let lines: Vec<&str> = body
            .lines()
            .map(|l| l.get(indent..).unwrap_or(""))
            .collect();
        return Some(expr::unescape(&lines.join("\n")));
    }
    Some(expr::unescape(
        t.get(1..t.len().saturating_sub(1)).unwrap_or(""),
    ))
}

fn strip(n: Node) -> Node {
    let mut cur = n;
    for _ in 0..8 {
        match cur.kind() {
            "parenthesized_expression" => match named_children(cur).into_iter().next() {
                Some(i) => cur = i,
                None => return cur,
            },
            "cast_expression" => match field(cur, "value") {
                Some(i) => cur = i,
                None => return cur,
            },
            _ => return cur,
        }
    }
    cur
}

fn args_of<'t>(n: Node<'t>) -> Vec<Node<'t>> {
    field(n, "arguments")
        .map(named_children)
        .unwrap_or_default()
}

fn in_value_annotation(cx: &Cx, n: Node) -> bool {
    n.parent()
        .filter(|p| p.kind() == "annotation_argument_list")
        .and_then(|p| p.parent())
        .and_then(|a| field(a, "name"))
        .is_some_and(|name| cx.text(name) == "Value")
}

fn eval(cx: &Cx, n: Node, depth: usize) -> Expr {
    if depth > MAX_DEPTH || !cx.tick() {
        return cx.unknown(n);
    }
    let n = strip(n);
    match n.kind() {
        "string_literal" => {
            let s = string_lit(cx, n).unwrap_or_default();
            if s.contains("${") && in_value_annotation(cx, n) {
                if let Some(e) = expr::spring_placeholder(&s) {
                    return e;
                }
            }
            Expr::literal(s)
        }
        "decimal_integer_literal" => Expr::literal(cx.text(n)),
        "identifier" => name_value(cx, cx.text(n), n, depth),
        "field_access" => {
            let Some(f) = field(n, "field") else {
                return cx.unknown(n);
            };
            let obj = field(n, "object");
            let name = cx.text(f);
            // `this.baseUrl`, `Config.ORDERS_URL`
            if obj.is_some_and(|o| o.kind() == "this") || expr::looks_like_env_name(name) {
                if let Some(b) = cx.lookup(name, n.start_byte()) {
                    if let Some(v) = b.value {
                        return eval(cx, v, depth + 1);
                    }
                }
            }
            cx.unknown(n)
        }
        "binary_expression" if field(n, "operator").map(|o| cx.text(o)) == Some("+") => {
            let mut operands = Vec::new();
            let mut cur = n;
            while cur.kind() == "binary_expression"
                && field(cur, "operator").map(|o| cx.text(o)) == Some("+")
                && operands.len() < 256
            {
                let (Some(l), Some(r)) = (field(cur, "left"), field(cur, "right")) else {
                    break;
                };
                operands.push(r);
                cur = strip(l);
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
        "method_invocation" => invocation_value(cx, n, depth),
        "object_creation_expression" => {
            let ty = field(n, "type").map(|t| cx.text(t)).unwrap_or("");
            let args = args_of(n);
            if matches!(
                ty,
                "URI" | "URL" | "ConnectionString" | "MongoClientURI" | "String"
            ) && args.len() == 1
            {
                return eval(cx, args[0], depth + 1);
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
            _ => Expr::unknown(name),
        },
        None => Expr::unknown(name),
    }
}

fn invocation_value(cx: &Cx, n: Node, depth: usize) -> Expr {
    let name = field(n, "name").map(|x| cx.text(x)).unwrap_or("");
    let obj = field(n, "object");
    let obj_text = obj.map(|o| cx.text(o)).unwrap_or("");
    let args = args_of(n);
    let arg = |i: usize| args.get(i).map(|a| eval(cx, *a, depth + 1));
    match (obj_text, name) {
        ("System", "getenv") => {
            if let Some(Expr::Literal { value }) = arg(0) {
                return Expr::Env {
                    name: value,
                    default: None,
                };
            }
        }
        ("String", "format") => {
            if let Some(Expr::Literal { value }) = arg(0) {
                let rest: Vec<Expr> = args[1..].iter().map(|a| eval(cx, *a, depth + 1)).collect();
                return expr::printf(&value, &rest);
            }
        }
        ("String" | "Objects", "valueOf" | "toString") | ("URI" | "URL", "create") => {
            if let Some(a) = arg(0) {
                return a;
            }
        }
        ("Objects", "requireNonNullElse")
        | ("StringUtils", "defaultIfBlank" | "defaultIfEmpty" | "defaultString") => {
            if let (Some(e @ Expr::Env { default: None, .. }), Some(d)) = (arg(0), arg(1)) {
                return expr::with_default(e, &d);
            }
        }
        _ => {}
    }
    match name {
        "getOrDefault" if obj_text == "System.getenv()" => {
            if let Some(Expr::Literal { value }) = arg(0) {
                return Expr::Env {
                    name: value,
                    default: arg(1).and_then(|d| expr::default_of(&d)),
                };
            }
        }
        // Optional.ofNullable(System.getenv("X")).orElse("d")
        "orElse" => {
            if let Some(o) = obj.filter(|o| o.kind() == "method_invocation") {
                let inner = args_of(o);
                if field(o, "name").map(|x| cx.text(x)) == Some("ofNullable") && inner.len() == 1 {
                    let e = eval(cx, inner[0], depth + 1);
                    if let (Expr::Env { default: None, .. }, Some(d)) = (&e, arg(0)) {
                        return expr::with_default(e, &d);
                    }
                    return e;
                }
            }
        }
        // Spring Environment: env.getProperty("orders.url", "http://...")
        "getProperty" | "getRequiredProperty" if obj_text != "System" => {
            if let Some(Expr::Literal { value }) = arg(0) {
                let default = arg(1).and_then(|d| expr::default_of(&d));
                let ph = match default {
                    Some(d) => format!("${{{value}:{d}}}"),
                    None => format!("${{{value}}}"),
                };
                if let Some(e) = expr::spring_placeholder(&ph) {
                    return e;
                }
            }
        }
        "formatted" => {
            if let Some(o) = obj {
                if let Expr::Literal { value } = eval(cx, o, depth + 1) {
                    let rest: Vec<Expr> = args.iter().map(|a| eval(cx, *a, depth + 1)).collect();
                    return expr::printf(&value, &rest);
                }
            }
        }
        "concat" => {
            if let (Some(o), Some(a)) = (obj, arg(0)) {
                return concat(vec![eval(cx, o, depth + 1), a]);
            }
        }
        "trim" | "toString" | "strip" | "toLowerCase" | "toUri" | "toUriString" | "encode"
        | "build" | "toURI" => {
            if let Some(o) = obj {
                return eval(cx, o, depth + 1);
            }
        }
        // UriComponentsBuilder.fromHttpUrl(base).path("/x")
        "fromHttpUrl" | "fromUriString" | "fromUri" | "fromUrl"
            if obj_text.ends_with("UriComponentsBuilder") =>
        {
            if let Some(a) = arg(0) {
                return a;
            }
        }
        "path" | "pathSegment" => {
            if let (Some(o), Some(a)) = (obj, arg(0)) {
                let base = eval(cx, o, depth + 1);
                if !matches!(base, Expr::Unknown { .. }) {
                    return concat(vec![base, a]);
                }
            }
        }
        _ => {}
    }
    cx.unknown(n)
}

/// Follows names to the expression assigned to them.
fn origin<'t>(cx: &Cx<'t>, n: Node<'t>) -> Node<'t> {
    let mut cur = strip(n);
    for _ in 0..MAX_DEPTH {
        if !cx.tick() {
            return cur;
        }
        let name = match cur.kind() {
            "identifier" => cur,
            "field_access" if field(cur, "object").is_some_and(|o| o.kind() == "this") => {
                match field(cur, "field") {
                    Some(f) => f,
                    None => return cur,
                }
            }
            _ => return cur,
        };
        match cx
            .lookup(cx.text(name), cur.start_byte())
            .and_then(|b| b.value)
        {
            Some(v) if v.id() != cur.id() => cur = strip(v),
            _ => return cur,
        }
    }
    cur
}

/// The declared type of a variable, field (`this.x`) or parameter.
fn declared_type<'t>(cx: &Cx<'t>, n: Node<'t>) -> Option<&'t str> {
    let n = strip(n);
    let name = match n.kind() {
        "identifier" => n,
        "field_access" => field(n, "field")?,
        _ => return None,
    };
    cx.lookup(cx.text(name), n.start_byte())
        .and_then(|b| b.ty)
        .map(|t| cx.text(t))
}

/// Whether a receiver is of a type (declared, constructed, or named like it).
fn receiver_is(cx: &Cx, recv: Node, types: &[&str], name_hint: &str) -> bool {
    if let Some(t) = declared_type(cx, recv) {
        if t != "var" {
            return types.iter().any(|x| t.contains(x));
        }
    }
    let o = origin(cx, recv);
    if o.kind() == "object_creation_expression" {
        let t = field(o, "type").map(|t| cx.text(t)).unwrap_or("");
        if types.iter().any(|x| t.contains(x)) {
            return true;
        }
    }
    let text = cx.text(recv).to_ascii_lowercase();
    !name_hint.is_empty() && text.contains(name_hint)
}

/// The chain of invocations built on `n` (`n.a(..).b(..)`): (name, args, node), innermost first.
fn chain_up<'t>(cx: &Cx<'t>, n: Node<'t>) -> Vec<(&'t str, Vec<Node<'t>>, Node<'t>)> {
    let mut out = Vec::new();
    let mut cur = n;
    for _ in 0..24 {
        let Some(p) = cur.parent() else { break };
        if p.kind() != "method_invocation" || field(p, "object").map(|o| o.id()) != Some(cur.id()) {
            break;
        }
        let name = field(p, "name").map(|x| cx.text(x)).unwrap_or("");
        out.push((name, args_of(p), p));
        cur = p;
    }
    out
}

/// The chain of invocations below `n` (`x.a(..).b(..)` seen from `b`): names, outermost first.
fn chain_down<'t>(cx: &Cx<'t>, n: Node<'t>) -> (Vec<(&'t str, Vec<Node<'t>>)>, Node<'t>) {
    let mut out = Vec::new();
    let mut cur = n;
    for _ in 0..24 {
        if cur.kind() != "method_invocation" {
            break;
        }
        let name = field(cur, "name").map(|x| cx.text(x)).unwrap_or("");
        out.push((name, args_of(cur)));
        match field(cur, "object") {
            Some(o) => cur = strip(o),
            None => break,
        }
    }
    (out, cur)
}

fn http_method_arg(cx: &Cx, n: Node) -> Option<String> {
    let t = cx.text(n);
    if let Some(m) = t.strip_prefix("HttpMethod.") {
        return Some(m.to_string());
    }
    expr::as_literal(&eval(cx, n, 0)).map(str::to_string)
}

// ----- pre-pass ------------------------------------------------------------------------------

fn prepass(cx: &Cx, state: &mut State, n: Node) {
    let name = field(n, "name").map(|x| cx.text(x)).unwrap_or("");
    let args = args_of(n);
    let is_servers_key = |k: Node| {
        let t = cx.text(k);
        t.ends_with("BOOTSTRAP_SERVERS_CONFIG") || t == "\"bootstrap.servers\""
    };
    match name {
        "put" | "setProperty" if args.len() == 2 && is_servers_key(args[0]) => {
            state
                .kafka_servers
                .get_or_insert_with(|| eval(cx, args[1], 0));
        }
        "of" | "entry" => {
            for pair in args.chunks(2) {
                if pair.len() == 2 && is_servers_key(pair[0]) {
                    state
                        .kafka_servers
                        .get_or_insert_with(|| eval(cx, pair[1], 0));
                }
            }
        }
        _ => {}
    }
}

// ----- calls ---------------------------------------------------------------------------------

const REST_TEMPLATE: &[&str] = &[
    "getForObject",
    "getForEntity",
    "postForObject",
    "postForEntity",
    "postForLocation",
    "put",
    "delete",
    "exchange",
    "patchForObject",
    "headForHeaders",
    "optionsForAllow",
    "execute",
];

fn call<'t>(cx: &mut Cx<'t>, state: &State, n: Node<'t>) {
    let name = field(n, "name").map(|x| cx.text(x)).unwrap_or("");
    let obj = field(n, "object");
    let obj_text = obj.map(|o| cx.text(o)).unwrap_or("");
    let args = args_of(n);
    let arg = |cx: &Cx, i: usize| args.get(i).map(|a| eval(cx, *a, 0));

    // Hostname verifiers that accept everything, trust strategies that trust everything.
    if matches!(
        name,
        "setHostnameVerifier"
            | "hostnameVerifier"
            | "setDefaultHostnameVerifier"
            | "setSSLHostnameVerifier"
    ) && args.first().is_some_and(|a| lambda_returns_true(cx, *a))
    {
        cx.insecure_tls(n, "HostnameVerifier accepting every host");
    }
    if name == "loadTrustMaterial" && args.iter().any(|a| lambda_returns_true(cx, *a)) {
        cx.insecure_tls(n, "TrustStrategy trusting every certificate");
    }

    match (obj_text, name) {
        ("DriverManager", "getConnection") => {
            let target = arg(cx, 0).unwrap_or_else(|| cx.unknown(n));
            let tech = db_technology_of(&target);
            cx.call(
                n,
                CallKind::Database,
                "jdbc",
                None,
                target,
                tech,
                None,
                None,
            );
            return;
        }
        ("MongoClients", "create") => {
            let target = match args.first() {
                Some(a) => mongo_target(cx, *a),
                None => Expr::literal("mongodb://localhost:27017"),
            };
            cx.call(
                n,
                CallKind::Database,
                "mongodb-driver",
                None,
                target,
                Some("mongodb"),
                None,
                None,
            );
            return;
        }
        ("RedisClient" | "RedisClusterClient", "create") => {
            let target = args
                .iter()
                .rev()
                .map(|a| lettuce_target(cx, *a))
                .next()
                .unwrap_or_else(|| cx.unknown(n));
            cx.call(
                n,
                CallKind::Database,
                "lettuce",
                None,
                target,
                Some("redis"),
                None,
                None,
            );
            return;
        }
        ("HttpRequest", "newBuilder") => {
            java_http_request(cx, n, &args);
            return;
        }
        (
            "ManagedChannelBuilder" | "NettyChannelBuilder" | "OkHttpChannelBuilder" | "Grpc",
            "forTarget" | "forAddress" | "newChannelBuilder" | "newChannelBuilderForAddress",
        ) => {
            grpc_channel(cx, n, name, &args);
            return;
        }
        _ => {}
    }
    let Some(recv) = obj else { return };

    if REST_TEMPLATE.contains(&name)
        && !args.is_empty()
        && receiver_is(
            cx,
            recv,
            &["RestTemplate", "RestOperations"],
            "resttemplate",
        )
    {
        let method = match name {
            "exchange" | "execute" => args.get(1).and_then(|m| http_method_arg(cx, *m)),
            n if n.starts_with("get") => Some("GET".into()),
            n if n.starts_with("post") => Some("POST".into()),
            n if n.starts_with("patch") => Some("PATCH".into()),
            n if n.starts_with("head") => Some("HEAD".into()),
            n if n.starts_with("options") => Some("OPTIONS".into()),
            n => Some(n.to_ascii_uppercase()),
        };
        let target = arg(cx, 0).unwrap_or_else(|| cx.unknown(n));
        let timeout = rest_template_timeout(cx, recv);
        cx.call(
            n,
            CallKind::Http,
            "RestTemplate",
            method.as_deref(),
            target,
            None,
            timeout,
            None,
        );
        return;
    }
    // WebClient: client.get().uri("/x")
    if name == "uri" && recv.kind() == "method_invocation" {
        if let Some(c) = webclient_call(cx, n, recv, &args) {
            let (method, target) = c;
            let timeout = chain_up(cx, n)
                .iter()
                .any(|(m, _, _)| *m == "timeout")
                .then_some(true);
            cx.call(
                n,
                CallKind::Http,
                "WebClient",
                method.as_deref(),
                target,
                None,
                timeout,
                None,
            );
            return;
        }
    }
    // OkHttp is recorded at `new Request.Builder()`; JDBC URLs set on data sources.
    if matches!(name, "setJdbcUrl" | "setUrl" | "url" | "jdbcUrl") && args.len() == 1 {
        let target = eval(cx, args[0], 0);
        let is_jdbc = target
            .resolve(&|_| None)
            .is_some_and(|v| v.starts_with("jdbc:"))
            || receiver_is(
                cx,
                recv,
                &["HikariConfig", "HikariDataSource", "DataSource"],
                "",
            )
            || cx.text(recv).contains("DataSourceBuilder");
        if is_jdbc && name != "url"
            || (name == "url" && cx.text(recv).contains("DataSourceBuilder"))
        {
            let tech = db_technology_of(&target);
            cx.call(
                n,
                CallKind::Database,
                "jdbc",
                None,
                target,
                tech,
                None,
                None,
            );
            return;
        }
    }
    // Messaging.
    if name == "send"
        && !args.is_empty()
        && receiver_is(
            cx,
            recv,
            &["KafkaTemplate", "KafkaOperations"],
            "kafkatemplate",
        )
    {
        let first = strip(args[0]);
        let is_record = first.kind() == "object_creation_expression"
            || matches!(origin(cx, first).kind(), "object_creation_expression");
        if !is_record {
            let topic = eval(cx, args[0], 0);
            cx.messaging(
                n,
                MessagingRole::Producer,
                "kafka",
                "spring-kafka",
                topic,
                None,
            );
        }
        return;
    }
    if name == "subscribe" && !args.is_empty() && receiver_is(cx, recv, &["Consumer"], "consumer") {
        let servers = state.kafka_servers.clone();
        for t in list_items(cx, args[0]) {
            let topic = eval(cx, t, 0);
            cx.messaging(
                n,
                MessagingRole::Consumer,
                "kafka",
                "kafka-clients",
                topic,
                servers.clone(),
            );
        }
        return;
    }
    if matches!(name, "convertAndSend" | "send" | "convertSendAndReceive")
        && receiver_is(
            cx,
            recv,
            &["RabbitTemplate", "AmqpTemplate", "RabbitOperations"],
            "rabbittemplate",
        )
    {
        let topic = match args.len() {
            0 | 1 => return,
            2 => eval(cx, args[0], 0),
            _ => match eval(cx, args[0], 0) {
                Expr::Literal { value } if value.is_empty() => eval(cx, args[1], 0),
                other => other,
            },
        };
        cx.messaging(
            n,
            MessagingRole::Producer,
            "rabbitmq",
            "spring-amqp",
            topic,
            None,
        );
        return;
    }
    if matches!(name, "convertAndSend" | "send")
        && args.len() >= 2
        && receiver_is(cx, recv, &["JmsTemplate", "JmsOperations"], "jmstemplate")
    {
        let topic = eval(cx, args[0], 0);
        cx.messaging(n, MessagingRole::Producer, "jms", "spring-jms", topic, None);
        return;
    }
    // SQS (SDK v2 builders, SDK v1 client methods).
    if name == "queueUrl" && args.len() == 1 {
        let (down, root) = chain_down(cx, recv);
        let root_text = cx.text(root);
        let builder = down.last().map(|(m, _)| *m) == Some("builder");
        let role = if builder && root_text == "SendMessageRequest"
            || root_text == "SendMessageBatchRequest"
        {
            Some(MessagingRole::Producer)
        } else if builder && root_text == "ReceiveMessageRequest" {
            Some(MessagingRole::Consumer)
        } else {
            None
        };
        if let Some(role) = role {
            let topic = eval(cx, args[0], 0);
            cx.messaging(n, role, "sqs", "aws-sdk-java", topic, None);
            return;
        }
    }
    if matches!(name, "sendMessage" | "receiveMessage")
        && !args.is_empty()
        && receiver_is(
            cx,
            recv,
            &["AmazonSQS", "SqsClient", "SqsAsyncClient"],
            "sqs",
        )
    {
        let first = eval(cx, args[0], 0);
        if !matches!(first, Expr::Unknown { .. }) {
            let role = if name == "sendMessage" {
                MessagingRole::Producer
            } else {
                MessagingRole::Consumer
            };
            cx.messaging(n, role, "sqs", "aws-sdk-java", first, None);
        }
    }
}

fn lambda_returns_true(cx: &Cx, n: Node) -> bool {
    let n = strip(n);
    if n.kind() != "lambda_expression" {
        return false;
    }
    let Some(body) = field(n, "body") else {
        return false;
    };
    match body.kind() {
        "true" => true,
        "block" => {
            let stmts = named_children(body);
            stmts.len() == 1
                && stmts[0].kind() == "return_statement"
                && named_children(stmts[0])
                    .first()
                    .is_some_and(|v| v.kind() == "true")
        }
        _ => {
            let _ = cx;
            false
        }
    }
}

fn list_items<'t>(cx: &Cx<'t>, n: Node<'t>) -> Vec<Node<'t>> {
    let o = origin(cx, n);
    if o.kind() == "method_invocation" {
        let name = field(o, "name").map(|x| cx.text(x)).unwrap_or("");
        if matches!(
            name,
            "asList" | "of" | "singletonList" | "singleton" | "copyOf"
        ) {
            return args_of(o);
        }
        if name == "compile" {
            return args_of(o).into_iter().take(1).collect();
        }
    }
    if o.kind() == "array_creation_expression" {
        if let Some(init) = named_children(o)
            .into_iter()
            .find(|c| c.kind() == "array_initializer")
        {
            return named_children(init);
        }
    }
    if o.kind() == "array_initializer" || o.kind() == "element_value_array_initializer" {
        return named_children(o);
    }
    vec![n]
}

fn mongo_target(cx: &Cx, a: Node) -> Expr {
    let e = eval(cx, a, 0);
    if !matches!(e, Expr::Unknown { .. }) {
        return e;
    }
    // MongoClientSettings.builder().applyConnectionString(new ConnectionString(uri))
    let o = origin(cx, a);
    let mut stack = vec![o];
    let mut seen = 0;
    while let Some(cur) = stack.pop() {
        seen += 1;
        if seen > 300 {
            break;
        }
        if cur.kind() == "object_creation_expression"
            && field(cur, "type").map(|t| cx.text(t)) == Some("ConnectionString")
        {
            if let Some(u) = args_of(cur).first() {
                return eval(cx, *u, 0);
            }
        }
        let mut c = cur.walk();
        stack.extend(cur.named_children(&mut c));
    }
    e
}

fn lettuce_target(cx: &Cx, a: Node) -> Expr {
    let o = origin(cx, a);
    if o.kind() == "method_invocation" {
        let (down, root) = chain_down(cx, o);
        if cx.text(root) == "RedisURI" {
            let mut host = None;
            let mut port = None;
            for (m, args) in down.iter().rev() {
                match *m {
                    "create" => {
                        return args
                            .first()
                            .map(|u| eval(cx, *u, 0))
                            .unwrap_or_else(|| cx.unknown(o))
                    }
                    "withHost" | "redis" => host = args.first().map(|h| eval(cx, *h, 0)),
                    "withPort" => port = args.first().map(|p| eval(cx, *p, 0)),
                    _ => {}
                }
                if *m == "redis" {
                    port = args.get(1).map(|p| eval(cx, *p, 0)).or(port);
                }
            }
            if let Some(h) = host {
                return host_port(h, port);
            }
        }
    }
    eval(cx, a, 0)
}

fn rest_template_timeout(cx: &Cx, recv: Node) -> Option<bool> {
    let o = origin(cx, recv);
    match o.kind() {
        "object_creation_expression" => {
            let args = args_of(o);
            if args.is_empty() {
                return Some(false);
            }
            None
        }
        "method_invocation" => {
            let (down, root) = chain_down(cx, o);
            let is_builder = cx.text(root).contains("RestTemplateBuilder")
                || down.iter().any(|(m, _)| *m == "build");
            if !is_builder {
                return None;
            }
            Some(
                down.iter()
                    .any(|(m, _)| m.to_ascii_lowercase().contains("timeout")),
            )
        }
        _ => None,
    }
}

/// `client.get().uri(...)` on a WebClient: (method, target).
fn webclient_call(
    cx: &Cx,
    _n: Node,
    verb_call: Node,
    args: &[Node],
) -> Option<(Option<String>, Expr)> {
    let verb = field(verb_call, "name").map(|x| cx.text(x))?;
    let method = match verb {
        "get" | "post" | "put" | "delete" | "patch" | "head" | "options" => {
            Some(verb.to_ascii_uppercase())
        }
        "method" => args_of(verb_call)
            .first()
            .and_then(|m| http_method_arg(cx, *m)),
        _ => return None,
    };
    let client = field(verb_call, "object")?;
    let base = webclient_base(cx, client)?;
    let uri = args
        .first()
        .map(|u| eval(cx, *u, 0))
        .unwrap_or_else(|| Expr::literal(""));
    let target = match base {
        Some(b) => concat(vec![b, uri]),
        None => uri,
    };
    Some((method, target))
}

/// Whether an expression is a WebClient, and its base URL when visible.
fn webclient_base(cx: &Cx, client: Node) -> Option<Option<Expr>> {
    let o = origin(cx, client);
    if o.kind() == "method_invocation" {
        let (down, root) = chain_down(cx, o);
        if cx.text(root) == "WebClient" || down.iter().any(|(m, _)| *m == "baseUrl") {
            let base = down.iter().find_map(|(m, a)| match *m {
                "baseUrl" => a.first().map(|u| eval(cx, *u, 0)),
                "create" if cx.text(root) == "WebClient" => a.first().map(|u| eval(cx, *u, 0)),
                _ => None,
            });
            return Some(base);
        }
    }
    if receiver_is(cx, client, &["WebClient"], "webclient") {
        return Some(None);
    }
    None
}

/// `HttpRequest.newBuilder(uri)...` → an HTTP call with the method and timeout of the chain.
fn java_http_request(cx: &mut Cx, n: Node, args: &[Node]) {
    let chain = chain_up(cx, n);
    let mut target = args.first().map(|u| eval(cx, *u, 0));
    let mut method = "GET".to_string();
    let mut timeout = false;
    for (m, a, _) in &chain {
        match *m {
            "uri" => target = a.first().map(|u| eval(cx, *u, 0)),
            "GET" | "POST" | "PUT" | "DELETE" | "HEAD" => method = m.to_string(),
            "method" => {
                if let Some(x) = a
                    .first()
                    .and_then(|x| expr::as_literal(&eval(cx, *x, 0)).map(str::to_string))
                {
                    method = x;
                }
            }
            "timeout" => timeout = true,
            _ => {}
        }
    }
    let target = target.unwrap_or_else(|| cx.unknown(n));
    cx.call(
        n,
        CallKind::Http,
        "java.net.http",
        Some(&method),
        target,
        None,
        Some(timeout),
        None,
    );
}

fn grpc_channel(cx: &mut Cx, n: Node, name: &str, args: &[Node]) {
    let target = match name {
        "forAddress" | "newChannelBuilderForAddress" if args.len() >= 2 => {
            host_port(eval(cx, args[0], 0), Some(eval(cx, args[1], 0)))
        }
        _ => args
            .first()
            .map(|a| eval(cx, *a, 0))
            .unwrap_or_else(|| cx.unknown(n)),
    };
    let mut plaintext = None;
    for a in args {
        let t = cx.text(*a);
        if t.contains("InsecureChannelCredentials") {
            plaintext = Some(true);
        } else if t.contains("TlsChannelCredentials") {
            plaintext = Some(false);
        }
    }
    for (m, _, _) in chain_up(cx, n) {
        match m {
            "usePlaintext" => plaintext = Some(true),
            "useTransportSecurity" | "sslContext" | "negotiationType" if plaintext.is_none() => {
                plaintext = Some(false)
            }
            _ => {}
        }
    }
    cx.call(
        n,
        CallKind::Grpc,
        "grpc-java",
        None,
        target,
        None,
        None,
        plaintext,
    );
}

fn creation<'t>(cx: &mut Cx<'t>, state: &State, n: Node<'t>) {
    let ty = field(n, "type").map(|t| cx.text(t)).unwrap_or("");
    let base_ty = ty.split('<').next().unwrap_or(ty);
    let args = args_of(n);
    let arg = |cx: &Cx, i: usize| args.get(i).map(|a| eval(cx, *a, 0));
    match base_ty {
        "Request.Builder" => {
            let chain = chain_up(cx, n);
            let mut target = None;
            let mut method = "GET".to_string();
            for (m, a, _) in &chain {
                match *m {
                    "url" => target = a.first().map(|u| eval(cx, *u, 0)),
                    "get" | "post" | "put" | "delete" | "patch" | "head" => {
                        method = m.to_ascii_uppercase()
                    }
                    "method" => {
                        if let Some(x) = a
                            .first()
                            .and_then(|x| expr::as_literal(&eval(cx, *x, 0)).map(str::to_string))
                        {
                            method = x;
                        }
                    }
                    _ => {}
                }
            }
            if let Some(target) = target {
                cx.call(
                    n,
                    CallKind::Http,
                    "okhttp",
                    Some(&method),
                    target,
                    None,
                    None,
                    None,
                );
            }
        }
        "ProducerRecord" => {
            let topic = arg(cx, 0).unwrap_or_else(|| cx.unknown(n));
            let servers = state.kafka_servers.clone();
            cx.messaging(
                n,
                MessagingRole::Producer,
                "kafka",
                "kafka-clients",
                topic,
                servers,
            );
        }
        "KafkaConsumer" => {}
        "MongoClient" => {
            let target = match args.len() {
                0 => Expr::literal("localhost:27017"),
                1 => mongo_target(cx, args[0]),
                _ => host_port(eval(cx, args[0], 0), Some(eval(cx, args[1], 0))),
            };
            cx.call(
                n,
                CallKind::Database,
                "mongodb-driver",
                None,
                target,
                Some("mongodb"),
                None,
                None,
            );
        }
        "Jedis" | "JedisPool" | "JedisPooled" | "JedisCluster" => {
            let mut vals = args
                .iter()
                .map(|a| eval(cx, *a, 0))
                .filter(|e| !matches!(e, Expr::Unknown { .. }));
            let target = match (vals.next(), vals.next()) {
                (None, _) if args.is_empty() => Expr::literal("localhost:6379"),
                (None, _) => cx.unknown(n),
                (Some(h), Some(p)) => host_port(h, Some(p)),
                (Some(h), None) => h,
            };
            let timeout = (args.len() >= 3
                && args
                    .iter()
                    .any(|a| cx.text(*a).to_ascii_lowercase().contains("timeout")))
            .then_some(true);
            cx.call(
                n,
                CallKind::Database,
                "jedis",
                None,
                target,
                Some("redis"),
                timeout,
                None,
            );
        }
        "SendMessageRequest" if !args.is_empty() => {
            let topic = arg(cx, 0).unwrap_or_else(|| cx.unknown(n));
            cx.messaging(
                n,
                MessagingRole::Producer,
                "sqs",
                "aws-sdk-java",
                topic,
                None,
            );
        }
        "ReceiveMessageRequest" if !args.is_empty() => {
            let topic = arg(cx, 0).unwrap_or_else(|| cx.unknown(n));
            cx.messaging(
                n,
                MessagingRole::Consumer,
                "sqs",
                "aws-sdk-java",
                topic,
                None,
            );
        }
        _ => {}
    }
}

// ----- classes: routes, listeners, Feign clients ---------------------------------------------

struct Annotation<'t> {
    name: &'t str,
    node: Node<'t>,
    /// The unnamed value (`@GetMapping("/x")`) under the key `value`.
    pairs: Vec<(&'t str, Node<'t>)>,
}

impl<'t> Annotation<'t> {
    fn get(&self, keys: &[&str]) -> Option<Node<'t>> {
        keys.iter()
            .find_map(|k| self.pairs.iter().find(|(n, _)| n == k).map(|(_, v)| *v))
    }
}

fn annotations<'t>(cx: &Cx<'t>, decl: Node<'t>) -> Vec<Annotation<'t>> {
    let Some(mods) = named_children(decl)
        .into_iter()
        .find(|c| c.kind() == "modifiers")
    else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for a in named_children(mods) {
        let (name, pairs) = match a.kind() {
            "marker_annotation" => (field(a, "name"), Vec::new()),
            "annotation" => {
                let mut pairs = Vec::new();
                if let Some(list) = field(a, "arguments") {
                    for item in named_children(list) {
                        if item.kind() == "element_value_pair" {
                            if let (Some(k), Some(v)) = (field(item, "key"), field(item, "value")) {
                                pairs.push((cx.text(k), v));
                            }
                        } else {
                            pairs.push(("value", item));
                        }
                    }
                }
                (field(a, "name"), pairs)
            }
            _ => continue,
        };
        let Some(name) = name else { continue };
        // `@org.springframework...GetMapping` → `GetMapping`
        let short = cx.text(name).rsplit('.').next().unwrap_or("");
        out.push(Annotation {
            name: short,
            node: a,
            pairs,
        });
    }
    out
}

fn values<'t>(cx: &Cx<'t>, n: Node<'t>) -> Vec<Expr> {
    let items = if n.kind() == "element_value_array_initializer" {
        named_children(n)
    } else {
        vec![n]
    };
    items.into_iter().map(|i| eval(cx, i, 0)).collect()
}

fn path_text(e: &Expr) -> String {
    e.resolve(&|_| None).unwrap_or_else(|| e.display())
}

fn method_security(cx: &Cx, anns: &[Annotation]) -> Vec<String> {
    let mut out = Vec::new();
    for a in anns {
        if matches!(a.name, "PermitAll" | "AnonymousAllowed") {
            continue;
        }
        let is_auth = matches!(
            a.name,
            "PreAuthorize"
                | "Secured"
                | "RolesAllowed"
                | "PostAuthorize"
                | "Authenticated"
                | "DenyAll"
                | "RequiresAuthentication"
                | "RequiresRoles"
                | "RequiresPermissions"
        ) || is_auth_name(a.name);
        if !is_auth {
            continue;
        }
        if a.name == "PreAuthorize" {
            let expr = a.get(&["value"]).map(|v| cx.text(v)).unwrap_or("");
            if expr.contains("permitAll") {
                continue;
            }
        }
        out.push(a.name.to_string());
    }
    out
}

const MAPPINGS: &[(&str, Option<&str>)] = &[
    ("GetMapping", Some("GET")),
    ("PostMapping", Some("POST")),
    ("PutMapping", Some("PUT")),
    ("DeleteMapping", Some("DELETE")),
    ("PatchMapping", Some("PATCH")),
    ("RequestMapping", None),
];

fn mapping_paths(cx: &Cx, a: &Annotation) -> Vec<String> {
    match a.get(&["value", "path"]) {
        Some(v) => values(cx, v).iter().map(path_text).collect(),
        None => vec![String::new()],
    }
}

fn request_methods(cx: &Cx, a: &Annotation) -> Vec<Option<String>> {
    match a.get(&["method"]) {
        Some(v) => {
            let items = if v.kind() == "element_value_array_initializer" {
                named_children(v)
            } else {
                vec![v]
            };
            items
                .into_iter()
                .map(|i| Some(cx.text(i).rsplit('.').next().unwrap_or("").to_string()))
                .collect()
        }
        None => vec![None],
    }
}

fn type_decl<'t>(cx: &mut Cx<'t>, decl: Node<'t>) {
    let anns = annotations(cx, decl);
    let body = field(decl, "body");
    let methods: Vec<Node> = body
        .map(named_children)
        .unwrap_or_default()
        .into_iter()
        .filter(|m| m.kind() == "method_declaration")
        .collect();
    let is_interface = decl.kind() == "interface_declaration";

    // Feign clients: every mapped method is an outbound call.
    if let Some(feign) = anns.iter().find(|a| a.name == "FeignClient") {
        let base = match feign.get(&["url"]) {
            Some(u) => eval(cx, u, 0),
            None => match feign.get(&["name", "value"]).map(|n| eval(cx, n, 0)) {
                Some(name) => concat(vec![Expr::literal("http://"), name]),
                None => cx.unknown(feign.node),
            },
        };
        let base = match &base {
            Expr::Literal { value } if value.contains("${") => {
                expr::spring_placeholder(value).unwrap_or(base)
            }
            _ => base,
        };
        let prefix = anns
            .iter()
            .find(|a| a.name == "RequestMapping")
            .map(|a| mapping_paths(cx, a).into_iter().next().unwrap_or_default())
            .or_else(|| feign.get(&["path"]).map(|p| path_text(&eval(cx, p, 0))))
            .unwrap_or_default();
        for m in &methods {
            let manns = annotations(cx, *m);
            for a in &manns {
                let Some((_, verb)) = MAPPINGS.iter().find(|(n, _)| *n == a.name) else {
                    continue;
                };
                let path = mapping_paths(cx, a).into_iter().next().unwrap_or_default();
                let method = verb
                    .map(str::to_string)
                    .or_else(|| request_methods(cx, a).into_iter().flatten().next());
                let target = concat(vec![base.clone(), Expr::literal(join_path(&prefix, &path))]);
                cx.call(
                    a.node,
                    CallKind::Http,
                    "feign",
                    method.as_deref(),
                    target,
                    None,
                    None,
                    None,
                );
            }
        }
        return;
    }

    // Listeners (any class).
    for m in &methods {
        for a in annotations(cx, *m) {
            let (tech, lib, keys): (&str, &str, &[&str]) = match a.name {
                "KafkaListener" => (
                    "kafka",
                    "spring-kafka",
                    &["topics", "topicPattern", "value"],
                ),
                "RabbitListener" => (
                    "rabbitmq",
                    "spring-amqp",
                    &["queues", "queuesToDeclare", "value"],
                ),
                "JmsListener" => ("jms", "spring-jms", &["destination", "value"]),
                "SqsListener" => ("sqs", "spring-cloud-aws", &["value", "queueNames"]),
                _ => continue,
            };
            if let Some(v) = a.get(keys) {
                for topic in values(cx, v) {
                    let topic = match topic {
                        Expr::Literal { ref value } if value.contains("${") => {
                            expr::spring_placeholder(value).unwrap_or(topic)
                        }
                        other => other,
                    };
                    cx.messaging(a.node, MessagingRole::Consumer, tech, lib, topic, None);
                }
            }
        }
    }
    if is_interface {
        return;
    }

    // Spring MVC / WebFlux controllers and JAX-RS resources.
    let class_auth = method_security(cx, &anns);
    let spring_prefix = anns
        .iter()
        .find(|a| a.name == "RequestMapping")
        .map(|a| mapping_paths(cx, a).into_iter().next().unwrap_or_default());
    let jaxrs_prefix = anns
        .iter()
        .find(|a| a.name == "Path")
        .and_then(|a| a.get(&["value"]))
        .map(|v| path_text(&eval(cx, v, 0)));
    for m in &methods {
        let manns = annotations(cx, *m);
        let mut auth = class_auth.clone();
        auth.extend(method_security(cx, &manns));
        for a in &manns {
            if let Some((_, verb)) = MAPPINGS.iter().find(|(n, _)| *n == a.name) {
                let prefix = spring_prefix.clone().unwrap_or_default();
                let methods = match verb {
                    Some(v) => vec![Some(v.to_string())],
                    None => request_methods(cx, a),
                };
                for path in mapping_paths(cx, a) {
                    for method in &methods {
                        cx.route(
                            a.node,
                            "spring",
                            method.as_deref(),
                            join_path(&prefix, &path),
                            auth.clone(),
                        );
                    }
                }
            }
        }
        let jaxrs_verb = manns.iter().find(|a| {
            matches!(
                a.name,
                "GET" | "POST" | "PUT" | "DELETE" | "PATCH" | "HEAD" | "OPTIONS"
            )
        });
        if let Some(v) = jaxrs_verb {
            let sub = manns
                .iter()
                .find(|a| a.name == "Path")
                .and_then(|a| a.get(&["value"]))
                .map(|p| path_text(&eval(cx, p, 0)))
                .unwrap_or_default();
            let prefix = jaxrs_prefix.clone().unwrap_or_default();
            cx.route(
                v.node,
                "jax-rs",
                Some(v.name),
                join_path(&prefix, &sub),
                auth.clone(),
            );
        }
    }
}

/// `checkServerTrusted` with an empty body; `verify(String, SSLSession)` returning true.
fn tls_method<'t>(cx: &mut Cx<'t>, m: Node<'t>) {
    let name = field(m, "name").map(|x| cx.text(x)).unwrap_or("");
    let Some(body) = field(m, "body") else { return };
    let stmts = named_children(body);
    match name {
        "checkServerTrusted" if stmts.is_empty() => {
            cx.insecure_tls(m, "X509TrustManager trusting every certificate");
        }
        "verify" => {
            let params = field(m, "parameters").map(|p| cx.text(p)).unwrap_or("");
            if params.contains("SSLSession")
                && stmts.len() == 1
                && stmts[0].kind() == "return_statement"
                && named_children(stmts[0])
                    .first()
                    .is_some_and(|v| v.kind() == "true")
            {
                cx.insecure_tls(m, "HostnameVerifier accepting every host");
            }
        }
        _ => {}
    }
}
