//! Java security indicators: deserialization sinks (`ObjectInputStream.readObject` without an
//! `ObjectInputFilter`, `XMLDecoder`, XStream without a type allowlist, SnakeYAML with the
//! default constructor, Jackson with default typing, Kryo without registration,
//! `SerializationUtils.deserialize`, `ScriptEngine.eval`) with where their input comes from,
//! request and message handlers (Spring MVC / JAX-RS methods, `@KafkaListener`,
//! `@RabbitListener`, `@JmsListener`, `@SqsListener`, kafka-clients poll loops), retry loops and
//! Spring Retry settings, secrets in logs, and credentials written in the code.

use super::super::flow::{self, within, FnDef, HandlerHooks, Lang, LoopInfo, LoopShape, Step};
use super::super::{expr, field, named_children, Captures, Cx};
use super::{annotations, args_of, eval, origin, receiver_is, string_lit, strip};
use stridemap_model::code::{DataSource, Expr, LoggedName, NameKind, RetryLoop};
use tree_sitter::Node;

const LANG: Lang = Lang {
    step,
    arg,
    param_source,
};

const HOOKS: HandlerHooks = HandlerHooks {
    route_handler,
    consumer_callbacks,
    extra: |_| {},
};

pub(super) fn run<'t>(cx: &mut Cx<'t>, caps: &Captures<'t>) {
    // try-with-resources declarations: `try (ObjectInputStream in = new ...(raw))`.
    for &n in caps.get("resource") {
        if let (Some(name), Some(value)) = (field(n, "name"), field(n, "value")) {
            let t = cx.text(name);
            let scope = cx.scope_at(n.start_byte());
            cx.bind_full(t, scope, n.end_byte(), Some(value), 0, field(n, "type"));
        }
    }
    functions(cx, caps);
    for &r in caps.get("ret") {
        cx.flow.returns.extend(named_children(r).into_iter().next());
    }
    cx.flow.calls.extend_from_slice(caps.get("call"));
    cx.flow.calls.extend_from_slice(caps.get("new"));
    cx.flow.seal();
    flow::link_handlers(cx, &HOOKS);
    let file = FileHints::of(cx.src);
    for &n in caps.get("call") {
        let Some(name) = field(n, "name").map(|x| cx.text(x)) else {
            continue;
        };
        if SINK_NAMES.contains(&name) {
            sink(cx, &file, n);
        }
        if LEVELS.contains(&name) || matches!(name, "println" | "print" | "printf" | "format") {
            log(cx, n);
        }
        if literal_setter(name) {
            call_literals(cx, n);
        }
        if name == "infiniteRetry" {
            retry_fact(cx, n, "RetryTemplate.infiniteRetry()", false, true);
        }
    }
    for &n in caps.get("new") {
        let ty = field(n, "type").map(|t| cx.text(t)).unwrap_or("");
        if ty == "AlwaysRetryPolicy" {
            retry_fact(cx, n, "new AlwaysRetryPolicy()", false, true);
        }
    }
    for &n in caps.get("field").iter().chain(caps.get("local")) {
        let mut c = n.walk();
        let decls: Vec<Node> = n.children_by_field_name("declarator", &mut c).collect();
        for d in decls {
            if let (Some(name), Some(v)) = (field(d, "name"), field(d, "value")) {
                if !flow::credential_like(cx.text(name)) {
                    continue;
                }
                if let Some(value) = string_lit(cx, v) {
                    let name = cx.text(name).to_string();
                    flow::hardcoded(cx, &name, &value, "assignment", v);
                }
            }
        }
    }
    for &n in caps.get("assign") {
        if let (Some(l), Some(v)) = (field(n, "left"), field(n, "right")) {
            let name = match l.kind() {
                "identifier" => Some(cx.text(l).to_string()),
                "field_access" => field(l, "field").map(|f| cx.text(f).to_string()),
                _ => None,
            };
            if let (Some(name), Some(value)) = (name, string_lit(cx, v)) {
                flow::hardcoded(cx, &name, &value, "assignment", v);
            }
        }
    }
    for &n in caps.get("scope") {
        if n.kind() == "method_declaration" {
            retryable(cx, n);
        }
    }
    let loops: Vec<LoopInfo> = caps.get("loop").iter().map(|&l| loop_info(cx, l)).collect();
    flow::retry_loops(cx, &loops);
    flow::token_literals(cx);
}

/// Whole-file settings that make a decoder safe or unsafe.
struct FileHints {
    input_filter: bool,
    xstream_allowlist: bool,
    safe_yaml: bool,
    default_typing: bool,
    kryo_unregistered: bool,
}

impl FileHints {
    fn of(src: &str) -> Self {
        FileHints {
            input_filter: src.contains("setObjectInputFilter") || src.contains("ObjectInputFilter"),
            xstream_allowlist: [
                "allowTypes",
                "allowTypesByWildcard",
                "allowTypesByRegExp",
                "allowTypeHierarchy",
                "addPermission",
                "setupDefaultSecurity",
            ]
            .iter()
            .any(|w| src.contains(w)),
            safe_yaml: src.contains("SafeConstructor"),
            default_typing: src.contains("enableDefaultTyping")
                || src.contains("activateDefaultTyping")
                || src.contains("Id.CLASS")
                || src.contains("Id.MINIMAL_CLASS"),
            kryo_unregistered: src.contains("setRegistrationRequired(false)"),
        }
    }
}

// ----- functions -----------------------------------------------------------------------------

fn functions<'t>(cx: &mut Cx<'t>, caps: &Captures<'t>) {
    for &n in caps.get("scope") {
        let name = match n.kind() {
            "method_declaration" | "constructor_declaration" => {
                field(n, "name").map(|x| cx.text(x).to_string())
            }
            "lambda_expression" => lambda_name(cx, n),
            _ => None,
        }
        .unwrap_or_else(|| "<anonymous>".into());
        let mut params = Vec::new();
        match field(n, "parameters") {
            Some(p) if p.kind() == "identifier" => params.push((cx.text(p).to_string(), None)),
            Some(p) => {
                for fp in named_children(p) {
                    match fp.kind() {
                        "identifier" => params.push((cx.text(fp).to_string(), None)),
                        "formal_parameter" | "spread_parameter" => {
                            let name = field(fp, "name").or_else(|| {
                                named_children(fp)
                                    .into_iter()
                                    .rev()
                                    .find(|c| c.kind() == "identifier")
                            });
                            if let Some(name) = name {
                                // Annotations and type: `@RequestBody byte[]`.
                                let ty = cx.text(fp).trim_end();
                                let ty = ty[..ty.len().saturating_sub(cx.text(name).len())].trim();
                                params.push((cx.text(name).to_string(), Some(ty.to_string())));
                            }
                        }
                        _ => {}
                    }
                }
            }
            None => {}
        }
        if n.kind() == "method_declaration" {
            if let Some(mods) = n.named_child(0).filter(|m| m.kind() == "modifiers") {
                let mut c = mods.walk();
                for a in mods.named_children(&mut c) {
                    if matches!(a.kind(), "annotation" | "marker_annotation") {
                        cx.flow.decorated.insert(a.start_byte(), n);
                    }
                }
            }
        }
        cx.flow.fns.push(FnDef {
            name,
            node: n,
            params,
            receiver_param: false,
            entry: None,
        });
    }
}

fn lambda_name(cx: &Cx, n: Node) -> Option<String> {
    let p = n.parent()?;
    (p.kind() == "variable_declarator")
        .then(|| field(p, "name").map(|x| cx.text(x).to_string()))
        .flatten()
}

// ----- the walk ------------------------------------------------------------------------------

fn message_type(t: &str) -> bool {
    [
        "ConsumerRecord",
        "KafkaConsumer",
        "Consumer<",
        "Delivery",
        "TextMessage",
        "BytesMessage",
        "javax.jms.Message",
        "jakarta.jms.Message",
        "org.springframework.messaging.Message",
        "amqp.core.Message",
        "ReceiveMessageResponse",
    ]
    .iter()
    .any(|m| t.contains(m))
        || t.starts_with("Message<")
        || t == "Message"
}

fn step<'t>(cx: &Cx<'t>, n: Node<'t>) -> Step<'t> {
    let n = strip(n);
    match n.kind() {
        "string_literal"
        | "decimal_integer_literal"
        | "true"
        | "false"
        | "null_literal"
        | "character_literal" => Step::Source(DataSource::Constant, n),
        "identifier" => identifier(cx, n),
        "field_access" => {
            let obj = field(n, "object");
            if obj.is_some_and(|o| o.kind() == "this") {
                if let Some(f) = field(n, "field") {
                    if let Some(b) = cx.lookup(cx.text(f), n.start_byte()) {
                        if b.ty.is_some_and(|t| message_type(cx.text(t))) {
                            return Step::Source(DataSource::Message, n);
                        }
                        if let Some(v) = b.value {
                            return Step::Follow(vec![v]);
                        }
                    }
                }
                return Step::Unknown;
            }
            Step::Follow(obj.into_iter().collect())
        }
        "method_invocation" => invocation(cx, n),
        "object_creation_expression" => {
            let ty = field(n, "type").map(|t| cx.text(t)).unwrap_or("");
            if ["FileInputStream", "FileReader", "RandomAccessFile"]
                .iter()
                .any(|f| ty.contains(f))
            {
                return Step::Source(DataSource::File, n);
            }
            if message_type(ty) {
                return Step::Source(DataSource::Message, n);
            }
            Step::Follow(args_of(n).into_iter().take(1).collect())
        }
        "array_access" => Step::Follow(field(n, "array").into_iter().collect()),
        "binary_expression" | "ternary_expression" | "parenthesized_expression" => {
            Step::Follow(named_children(n))
        }
        _ => Step::Unknown,
    }
}

fn identifier<'t>(cx: &Cx<'t>, n: Node<'t>) -> Step<'t> {
    let name = cx.text(n);
    // `for (ConsumerRecord<String, byte[]> record : records)`
    let mut cur = n;
    for _ in 0..60 {
        let Some(p) = cur.parent() else { break };
        if matches!(
            p.kind(),
            "method_declaration" | "lambda_expression" | "class_body"
        ) {
            break;
        }
        if p.kind() == "enhanced_for_statement"
            && field(p, "name").is_some_and(|v| cx.text(v) == name && v.id() != n.id())
        {
            if field(p, "type").is_some_and(|t| message_type(cx.text(t))) {
                return Step::Source(DataSource::Message, n);
            }
            return Step::Follow(field(p, "value").into_iter().collect());
        }
        cur = p;
    }
    match cx.lookup(name, n.start_byte()) {
        Some(b) => {
            if b.value.is_some() && b.ty.is_some_and(|t| message_type(cx.text(t))) {
                return Step::Source(DataSource::Message, n);
            }
            match b.value {
                Some(v) if !within(n, v) => Step::Follow(vec![v]),
                Some(_) => Step::Unknown,
                None => Step::Param(n),
            }
        }
        None => Step::Param(n),
    }
}

const PASS_ARG: &[&str] = &[
    "decode",
    "valueOf",
    "wrap",
    "copyOf",
    "copyOfRange",
    "decrypt",
    "readAllBytes",
    "toByteArray",
];

fn invocation<'t>(cx: &Cx<'t>, n: Node<'t>) -> Step<'t> {
    let name = field(n, "name").map(|x| cx.text(x)).unwrap_or("");
    let obj = field(n, "object");
    let obj_text = obj.map(|o| cx.text(o)).unwrap_or("");
    let args = args_of(n);
    if obj_text == "Files"
        && matches!(
            name,
            "readAllBytes" | "readString" | "newInputStream" | "lines" | "readAllLines"
        )
        || matches!(name, "getResourceAsStream" | "getResource")
    {
        return Step::Source(DataSource::File, n);
    }
    if name == "accept" && args.is_empty() {
        return Step::Source(DataSource::Socket, n);
    }
    let local = obj.is_none_or(|o| o.kind() == "this");
    if local && !cx.flow.fns_named(name).is_empty() {
        return Step::Local(name.to_string(), n);
    }
    let mut follow: Vec<Node> = obj.into_iter().collect();
    if PASS_ARG.contains(&name) {
        follow.extend(args.first().copied());
    }
    Step::Follow(follow)
}

fn arg<'t>(_cx: &Cx<'t>, call: Node<'t>, index: usize, _name: &str) -> Option<Node<'t>> {
    args_of(call).get(index).copied()
}

fn param_source(_name: &str, ty: Option<&str>) -> Option<DataSource> {
    let ty = ty?;
    const REQUEST: &[&str] = &[
        "@RequestBody",
        "@RequestParam",
        "@PathVariable",
        "@RequestHeader",
        "@RequestPart",
        "@ModelAttribute",
        "@CookieValue",
        "@FormParam",
        "@QueryParam",
        "@PathParam",
        "@HeaderParam",
        "HttpServletRequest",
        "ServerHttpRequest",
        "ServerRequest",
        "MultipartFile",
        "HttpExchange",
    ];
    if REQUEST.iter().any(|r| ty.contains(r)) {
        return Some(DataSource::Request);
    }
    if ty.contains("@Payload") || message_type(ty.rsplit(' ').next().unwrap_or(ty)) {
        return Some(DataSource::Message);
    }
    if ty.ends_with("Socket") {
        return Some(DataSource::Socket);
    }
    None
}

// ----- handlers ------------------------------------------------------------------------------

/// The method an annotation is on.
fn annotated_method<'t>(cx: &Cx<'t>, at: Node<'t>) -> Option<Node<'t>> {
    cx.flow.decorated.get(&at.start_byte()).copied()
}

fn route_handler<'t>(cx: &Cx<'t>, at: Node<'t>) -> Option<Node<'t>> {
    annotated_method(cx, at)
}

fn consumer_callbacks<'t>(cx: &Cx<'t>, at: Node<'t>) -> Vec<Node<'t>> {
    if matches!(at.kind(), "annotation" | "marker_annotation") {
        return annotated_method(cx, at).into_iter().collect();
    }
    // `container.setupMessageListener(msg -> ...)`, `consumer.subscribe(topics, listener)`.
    let _ = cx;
    args_of(at)
        .into_iter()
        .filter(|a| a.kind() == "lambda_expression")
        .collect()
}

// ----- sinks ---------------------------------------------------------------------------------

const SINK_NAMES: &[&str] = &[
    "readObject",
    "readUnshared",
    "readClassAndObject",
    "readObjectOrNull",
    "deserialize",
    "fromXML",
    "load",
    "loadAll",
    "loadAs",
    "readValue",
    "eval",
];

fn sink<'t>(cx: &mut Cx<'t>, file: &FileHints, n: Node<'t>) {
    let name = field(n, "name").map(|x| cx.text(x)).unwrap_or("");
    let Some(recv) = field(n, "object") else {
        return;
    };
    let args = args_of(n);
    let recv_text = cx.text(recv);
    let (lib, input) = match name {
        "readObject" | "readUnshared" => {
            let o = origin(cx, recv);
            let ty = if o.kind() == "object_creation_expression" {
                field(o, "type").map(|t| cx.text(t)).unwrap_or("")
            } else {
                ""
            };
            let declared = receiver_is(cx, recv, &["ObjectInputStream"], "");
            if ty.contains("XMLDecoder") || receiver_is(cx, recv, &["XMLDecoder"], "") {
                let input = (o.kind() == "object_creation_expression")
                    .then(|| args_of(o).first().copied())
                    .flatten();
                ("XMLDecoder", input)
            } else if (ty.contains("ObjectInputStream") || declared)
                && !ty.contains("Validating")
                && !file.input_filter
            {
                // Custom `readObject(ObjectInputStream in)` hooks read their own stream.
                let in_hook = cx
                    .flow
                    .fn_at(n.start_byte())
                    .is_some_and(|i| cx.flow.fns[i].name == "readObject");
                if in_hook {
                    return;
                }
                let input = if o.kind() == "object_creation_expression" {
                    args_of(o).first().copied()
                } else {
                    Some(recv)
                };
                ("ObjectInputStream", input)
            } else if file.kryo_unregistered && receiver_is(cx, recv, &["Kryo"], "kryo") {
                ("Kryo", args.first().copied())
            } else {
                return;
            }
        }
        "readClassAndObject" | "readObjectOrNull"
            if file.kryo_unregistered && receiver_is(cx, recv, &["Kryo"], "kryo") =>
        {
            ("Kryo", args.first().copied())
        }
        "deserialize" if recv_text == "SerializationUtils" => {
            ("SerializationUtils", args.first().copied())
        }
        "fromXML" if !file.xstream_allowlist && receiver_is(cx, recv, &["XStream"], "xstream") => {
            ("XStream", args.first().copied())
        }
        "load" | "loadAll" | "loadAs"
            if !file.safe_yaml && receiver_is(cx, recv, &["Yaml"], "yaml") =>
        {
            let o = origin(cx, recv);
            if o.kind() == "object_creation_expression"
                && field(o, "type").is_some_and(|t| cx.text(t) != "Yaml")
            {
                return;
            }
            ("SnakeYAML", args.first().copied())
        }
        "readValue"
            if file.default_typing
                && receiver_is(cx, recv, &["ObjectMapper", "JsonMapper"], "mapper") =>
        {
            ("Jackson default typing", args.first().copied())
        }
        "eval" if receiver_is(cx, recv, &["ScriptEngine"], "engine") => {
            ("ScriptEngine", args.first().copied())
        }
        _ => return,
    };
    if input.is_some_and(|i| i.kind() == "string_literal") {
        return;
    }
    let call = if recv.kind() == "object_creation_expression" {
        let ty = field(recv, "type").map(|t| cx.text(t)).unwrap_or("");
        let args = if args_of(recv).is_empty() { "" } else { "…" };
        format!("new {ty}({args}).{name}")
    } else {
        format!("{recv_text}.{name}")
    };
    flow::deserialization(cx, &LANG, n, lib, &call, input);
}

// ----- logs ----------------------------------------------------------------------------------

const LEVELS: &[&str] = &["trace", "debug", "info", "warn", "error", "fatal", "log"];

fn log<'t>(cx: &mut Cx<'t>, n: Node<'t>) {
    let name = field(n, "name").map(|x| cx.text(x)).unwrap_or("");
    let recv = field(n, "object").map(|o| cx.text(o)).unwrap_or("");
    let is_log = (LEVELS.contains(&name) && recv.to_ascii_lowercase().contains("log"))
        || (matches!(recv, "System.out" | "System.err")
            && matches!(name, "println" | "print" | "printf" | "format"));
    if !is_log {
        return;
    }
    let mut names = Vec::new();
    let mut budget = 200;
    for a in args_of(n) {
        log_names(cx, a, &mut names, 0, &mut budget);
    }
    let logger = format!("{recv}.{name}");
    flow::secret_log(cx, &logger, names, n);
}

fn env_names(e: &Expr, out: &mut Vec<LoggedName>) {
    for name in e.env_names() {
        out.push(LoggedName {
            name: name.to_string(),
            kind: NameKind::Env,
        });
    }
}

fn log_names(cx: &Cx, n: Node, out: &mut Vec<LoggedName>, depth: usize, budget: &mut u32) {
    if depth > 8 || *budget == 0 {
        return;
    }
    *budget -= 1;
    let n = strip(n);
    match n.kind() {
        "identifier" => {
            out.push(LoggedName {
                name: cx.text(n).to_string(),
                kind: NameKind::Variable,
            });
            env_names(&eval(cx, n, 0), out);
        }
        "field_access" => {
            if let Some(f) = field(n, "field") {
                out.push(LoggedName {
                    name: cx.text(f).to_string(),
                    kind: NameKind::Variable,
                });
            }
        }
        "method_invocation" => {
            env_names(&eval(cx, n, 0), out);
            let name = field(n, "name").map(|x| cx.text(x)).unwrap_or("");
            let args = args_of(n);
            if name == "getHeader" || name == "getFirst" && cx.text(n).contains("eader") {
                if let Some(h) = args.first().and_then(|a| string_lit(cx, *a)) {
                    out.push(LoggedName {
                        name: h,
                        kind: NameKind::Header,
                    });
                }
                return;
            }
            // Getters: `creds.getPassword()`.
            if let Some(prop) = name
                .strip_prefix("get")
                .filter(|p| !p.is_empty() && args.is_empty())
            {
                let mut chars = prop.chars();
                let first = chars.next().map(|c| c.to_ascii_lowercase());
                out.push(LoggedName {
                    name: first.into_iter().chain(chars).collect(),
                    kind: NameKind::Variable,
                });
                return;
            }
            if matches!(
                name,
                "format" | "valueOf" | "concat" | "formatted" | "toString" | "trim"
            ) {
                for a in args {
                    log_names(cx, a, out, depth + 1, budget);
                }
                if let Some(o) = field(n, "object") {
                    if !matches!(cx.text(o), "String" | "Objects") {
                        log_names(cx, o, out, depth + 1, budget);
                    }
                }
            }
        }
        // Comparisons log a boolean, not the value.
        "binary_expression" if field(n, "operator").is_some_and(|o| cx.text(o) == "+") => {
            for c in named_children(n) {
                log_names(cx, c, out, depth + 1, budget);
            }
        }
        "ternary_expression" => {
            for c in named_children(n).into_iter().skip(1) {
                log_names(cx, c, out, depth + 1, budget);
            }
        }
        _ => {}
    }
}

// ----- credentials in code -------------------------------------------------------------------

/// Calls that may hand a literal to a credential: setters and builder methods named like
/// one, property and header puts, environment fallbacks.
fn literal_setter(name: &str) -> bool {
    matches!(
        name,
        "put"
            | "setProperty"
            | "of"
            | "header"
            | "addHeader"
            | "setHeader"
            | "getOrDefault"
            | "orElse"
            | "getProperty"
            | "requireNonNullElse"
            | "defaultIfBlank"
            | "defaultIfEmpty"
            | "defaultString"
    ) || flow::credential_like(name)
}

fn call_literals<'t>(cx: &mut Cx<'t>, n: Node<'t>) {
    let name = field(n, "name").map(|x| cx.text(x)).unwrap_or("");
    let args = args_of(n);
    match (name, args.as_slice()) {
        // `ds.setPassword("...")`, `builder.password("...")`
        (_, [v]) => {
            if let Some(value) = string_lit(cx, *v) {
                let prop = name.strip_prefix("set").unwrap_or(name);
                flow::hardcoded(cx, prop, &value, "argument", *v);
            }
        }
        // `props.put("sasl.password", "...")`, `Map.of("token", "...")`
        ("put" | "setProperty" | "of" | "header" | "addHeader" | "setHeader", [k, v, ..]) => {
            if let (Some(key), Some(value)) = (string_lit(cx, *k), string_lit(cx, *v)) {
                flow::hardcoded(cx, &key, &value, "field", *v);
            }
        }
        _ => {}
    }
    let fallback = matches!(
        name,
        "getOrDefault"
            | "orElse"
            | "getProperty"
            | "requireNonNullElse"
            | "defaultIfBlank"
            | "defaultIfEmpty"
            | "defaultString"
    );
    if !fallback {
        return;
    }
    if let Expr::Env {
        name,
        default: Some(_),
    } = eval(cx, n, 0)
    {
        let call_name = field(n, "name").map(|x| cx.text(x)).unwrap_or("");
        let d = if call_name == "orElse" {
            args.first()
        } else {
            args.get(1)
        }
        .filter(|d| d.kind() == "string_literal");
        if let Some(d) = d {
            if let Some(value) = string_lit(cx, *d) {
                flow::hardcoded(cx, &name, &value, "default", *d);
            }
        }
    }
}

// ----- retries -------------------------------------------------------------------------------

fn loop_info<'t>(cx: &Cx<'t>, l: Node<'t>) -> LoopInfo<'t> {
    let cond = field(l, "condition");
    let is_true = |c: Option<Node>| {
        c.is_some_and(|c| {
            cx.text(c)
                .trim()
                .trim_start_matches('(')
                .trim_end_matches(')')
                .trim()
                == "true"
        })
    };
    let shape = match l.kind() {
        "while_statement" | "do_statement" if is_true(cond) => LoopShape::Infinite,
        "while_statement" | "do_statement" => LoopShape::Conditional,
        "for_statement" => match cond {
            None => LoopShape::Infinite,
            Some(c) if is_true(Some(c)) => LoopShape::Infinite,
            Some(_) if field(l, "update").is_some() => LoopShape::Counted,
            Some(_) => LoopShape::Conditional,
        },
        _ => LoopShape::Iteration,
    };
    LoopInfo {
        node: l,
        shape,
        head: cond,
    }
}

fn retry_fact(cx: &mut Cx, at: Node, detail: &str, bounded: bool, backoff: bool) {
    let loc = cx.loc(at);
    cx.flow.retries.push(RetryLoop {
        mechanism: "library".into(),
        detail: detail.to_string(),
        bounded,
        backoff,
        loc,
    });
}

/// Spring Retry `@Retryable`: unbounded attempts or a zero backoff.
fn retryable<'t>(cx: &mut Cx<'t>, m: Node<'t>) {
    let anns = annotations(cx, m);
    let Some(a) = anns.iter().find(|a| a.name == "Retryable") else {
        return;
    };
    let attempts = a
        .get(&["maxAttempts", "maxAttemptsExpression"])
        .map(|v| cx.text(v));
    let bounded = !attempts.is_some_and(|t| {
        t.contains("MAX_VALUE") || t.len() >= 5 && t.chars().all(|c| c.is_ascii_digit())
    });
    let backoff = a.get(&["backoff"]).is_none_or(|b| {
        let t: String = cx.text(b).chars().filter(|c| !c.is_whitespace()).collect();
        !(t.contains("delay=0") && !t.contains("delay=0.") || t == "@Backoff(0)")
    });
    let detail = expr::short_text(cx.text(a.node));
    let node = a.node;
    let loc = cx.loc(node);
    cx.flow.retries.push(RetryLoop {
        mechanism: "annotation".into(),
        detail,
        bounded,
        backoff,
        loc,
    });
}
