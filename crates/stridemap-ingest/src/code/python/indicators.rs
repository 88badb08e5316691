//! Python security indicators: deserialization sinks (pickle, marshal, dill, jsonpickle,
//! unsafe `yaml.load`, `torch.load`, `eval`/`exec`) with where their input comes from, request
//! and message handlers, retry loops and retry decorators (tenacity, backoff, retrying,
//! retry), secrets in logs, and credentials written in the code.

use super::super::flow::{self, within, FnDef, HandlerHooks, Lang, LoopInfo, LoopShape, Step};
use super::super::{field, named_children, Captures, Cx};
use super::{client, ends_with_seg, eval, qualified, Args, Client};
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
    functions(cx, caps);
    for &d in caps.get("decorated") {
        let Some(def) = field(d, "definition").filter(|f| f.kind() == "function_definition") else {
            continue;
        };
        let mut c = d.walk();
        for dec in d.named_children(&mut c) {
            if dec.kind() == "decorator" {
                if let Some(e) = dec.named_child(0) {
                    cx.flow.decorated.insert(e.start_byte(), def);
                }
            }
        }
    }
    for &r in caps.get("ret") {
        if let Some(v) = named_children(r).into_iter().next() {
            let v = if v.kind() == "expression_list" {
                named_children(v).into_iter().next().unwrap_or(v)
            } else {
                v
            };
            cx.flow.returns.push(v);
        }
    }
    cx.flow.calls.extend_from_slice(caps.get("call"));
    cx.flow.seal();
    flow::link_handlers(cx, &HOOKS);
    for &n in caps.get("call") {
        let Some(func) = field(n, "function") else {
            continue;
        };
        let name = match func.kind() {
            "attribute" => field(func, "attribute").map(|a| cx.text(a)).unwrap_or(""),
            "identifier" => cx.text(func),
            _ => continue,
        };
        let is_sink = SINK_NAMES.contains(&name);
        let is_log = name == "print" || LEVELS.contains(&name);
        let has_kw = field(n, "arguments").is_some_and(|a| {
            if !cx.text(a).contains('=') {
                return false;
            }
            let mut c = a.walk();
            let found = a
                .named_children(&mut c)
                .any(|k| k.kind() == "keyword_argument");
            found
        });
        let env = match name {
            "get" | "setdefault" => {
                field(func, "object").is_some_and(|o| cx.text(o).ends_with("environ"))
            }
            "getenv" => true,
            _ => flow::maybe_env_helper(name),
        };
        if !(is_sink || is_log || has_kw || env) {
            continue;
        }
        if !(is_sink || is_log || env) {
            kw_literals(cx, n);
            continue;
        }
        let q = qualified(cx, func).unwrap_or_default();
        let args = Args::of(cx, n);
        if is_sink {
            sink(cx, n, func, &q, &args);
        }
        if is_log {
            log(cx, n, func, &q);
        }
        if has_kw || env {
            call_literals(cx, n, func, &q, &args);
        }
    }
    for &n in caps.get("assign") {
        assign_literal(cx, n);
    }
    for &n in caps.get("pair") {
        if let (Some(k), Some(v)) = (field(n, "key"), field(n, "value")) {
            if v.kind() != "string" || !flow::credential_like(cx.text(k)) {
                continue;
            }
            if let (Some(key), Some(value)) = (plain_string(cx, k), plain_string(cx, v)) {
                flow::hardcoded(cx, &key, &value, "field", v);
            }
        }
    }
    for &n in caps.get("params") {
        if !cx.text(n).contains('=') {
            continue;
        }
        for p in named_children(n) {
            if matches!(p.kind(), "default_parameter" | "typed_default_parameter") {
                if let (Some(name), Some(v)) = (field(p, "name"), field(p, "value")) {
                    if let Some(value) = plain_string(cx, v) {
                        let name = cx.text(name).to_string();
                        flow::hardcoded(cx, &name, &value, "default", v);
                    }
                }
            }
        }
    }
    let loops: Vec<LoopInfo> = caps.get("loop").iter().map(|&l| loop_info(cx, l)).collect();
    flow::retry_loops(cx, &loops);
    for &n in caps.get("decorated") {
        retry_decorators(cx, n);
    }
    flow::token_literals(cx);
}

// ----- functions -----------------------------------------------------------------------------

fn functions<'t>(cx: &mut Cx<'t>, caps: &Captures<'t>) {
    for &n in caps.get("scope") {
        let (name, params) = match n.kind() {
            "function_definition" => (
                field(n, "name")
                    .map(|x| cx.text(x).to_string())
                    .unwrap_or_default(),
                field(n, "parameters"),
            ),
            "lambda" => {
                cx.flow.returns.extend(field(n, "body"));
                (lambda_name(cx, n), field(n, "parameters"))
            }
            _ => continue,
        };
        let params: Vec<(String, Option<String>)> = params
            .map(named_children)
            .unwrap_or_default()
            .into_iter()
            .filter_map(|p| param(cx, p))
            .collect();
        let in_class = cx.scopes_at(n.start_byte()).nth(1).is_some_and(|s| s.class);
        let receiver_param = n.kind() == "function_definition"
            && in_class
            && params
                .first()
                .is_some_and(|(p, _)| p == "self" || p == "cls");
        cx.flow.fns.push(FnDef {
            name,
            node: n,
            params,
            receiver_param,
            entry: None,
        });
    }
}

fn param(cx: &Cx, p: Node) -> Option<(String, Option<String>)> {
    let (name, ty) = match p.kind() {
        "identifier" => (Some(p), None),
        "default_parameter" => (field(p, "name"), None),
        "typed_default_parameter" => (field(p, "name"), field(p, "type")),
        "typed_parameter" => (
            named_children(p)
                .into_iter()
                .find(|c| c.kind() == "identifier"),
            field(p, "type"),
        ),
        "list_splat_pattern" | "dictionary_splat_pattern" => (
            named_children(p)
                .into_iter()
                .find(|c| c.kind() == "identifier"),
            None,
        ),
        _ => (None, None),
    };
    let name = name.filter(|n| n.kind() == "identifier")?;
    Some((
        cx.text(name).to_string(),
        ty.map(|t| cx.text(t).to_string()),
    ))
}

/// A lambda is called by the keyword or variable it is given to.
fn lambda_name(cx: &Cx, n: Node) -> String {
    match n.parent() {
        Some(p) if p.kind() == "keyword_argument" => field(p, "name")
            .map(|k| cx.text(k).to_string())
            .unwrap_or_default(),
        Some(p) if p.kind() == "assignment" => field(p, "left")
            .map(|k| cx.text(k).to_string())
            .unwrap_or_default(),
        _ => "<anonymous>".into(),
    }
}

// ----- the walk ------------------------------------------------------------------------------

fn step<'t>(cx: &Cx<'t>, n: Node<'t>) -> Step<'t> {
    match n.kind() {
        "string" => {
            let parts: Vec<Node> = named_children(n)
                .into_iter()
                .filter(|c| c.kind() == "interpolation")
                .filter_map(|c| field(c, "expression"))
                .collect();
            if parts.is_empty() {
                Step::Source(DataSource::Constant, n)
            } else {
                Step::Follow(parts)
            }
        }
        "integer" | "float" | "true" | "false" | "none" => Step::Source(DataSource::Constant, n),
        "identifier" => identifier(cx, n),
        "attribute" => {
            let text = cx.text(n);
            if text.starts_with("self.") || text.starts_with("cls.") {
                let key = text.replacen("cls.", "self.", 1);
                if let Some(v) = cx.lookup(&key, n.start_byte()).and_then(|b| b.value) {
                    return Step::Follow(vec![v]);
                }
            }
            if is_message_client(cx, n) {
                return Step::Source(DataSource::Message, n);
            }
            match field(n, "object") {
                Some(o) => Step::Follow(vec![o]),
                None => Step::Unknown,
            }
        }
        "subscript" => match field(n, "value") {
            Some(v) => Step::Follow(vec![v]),
            None => Step::Unknown,
        },
        "call" => call_step(cx, n),
        "await"
        | "parenthesized_expression"
        | "concatenated_string"
        | "binary_operator"
        | "boolean_operator"
        | "conditional_expression"
        | "list"
        | "tuple"
        | "expression_list" => Step::Follow(named_children(n)),
        "keyword_argument" => match field(n, "value") {
            Some(v) => Step::Follow(vec![v]),
            None => Step::Unknown,
        },
        _ => Step::Unknown,
    }
}

fn identifier<'t>(cx: &Cx<'t>, n: Node<'t>) -> Step<'t> {
    let name = cx.text(n);
    if name == "request" {
        if let Some(m) = cx.imports.get("request") {
            if ["flask", "quart", "bottle", "sanic", "werkzeug"]
                .iter()
                .any(|f| m.starts_with(f))
            {
                return Step::Source(DataSource::Request, n);
            }
        }
    }
    if let Some(it) = loop_iterable(cx, n) {
        return Step::Follow(vec![it]);
    }
    match cx.lookup(name, n.start_byte()) {
        Some(b) => match b.value {
            Some(v) if !within(n, v) => {
                if is_message_client(cx, n) {
                    Step::Source(DataSource::Message, n)
                } else {
                    Step::Follow(vec![v])
                }
            }
            Some(_) => Step::Unknown,
            None => Step::Param(n),
        },
        None => Step::Param(n),
    }
}

/// A consumer-side broker client (Kafka consumer, Redis pub/sub, aio-pika queue, Pub/Sub
/// subscriber).
fn is_message_client(cx: &Cx, n: Node) -> bool {
    matches!(
        client(cx, n, 0),
        Some(
            Client::KafkaConsumer { .. }
                | Client::RedisPubSub { .. }
                | Client::AioPikaQueue { .. }
                | Client::PubsubSubscriber
        )
    )
}

/// `for message in consumer:` / `[... for m in batch]`: the iterable a loop variable takes
/// its values from.
fn loop_iterable<'t>(cx: &Cx<'t>, n: Node<'t>) -> Option<Node<'t>> {
    let name = cx.text(n);
    let mut cur = n;
    for _ in 0..60 {
        let p = cur.parent()?;
        match p.kind() {
            "function_definition" | "lambda" | "class_definition" | "module" => return None,
            "for_statement" | "for_in_clause" => {
                let left = field(p, "left")?;
                if !within(n, left) && binds_name(cx, left, name) {
                    return field(p, "right");
                }
            }
            // `[f(m) for m in xs]`: the clause is a sibling of the element.
            "list_comprehension" | "generator_expression" | "set_comprehension" => {
                for c in named_children(p) {
                    if c.kind() == "for_in_clause" {
                        if let Some(left) = field(c, "left") {
                            if binds_name(cx, left, name) && !within(n, left) {
                                return field(c, "right");
                            }
                        }
                    }
                }
            }
            _ => {}
        }
        cur = p;
    }
    None
}

fn binds_name(cx: &Cx, pattern: Node, name: &str) -> bool {
    match pattern.kind() {
        "identifier" => cx.text(pattern) == name,
        "pattern_list" | "tuple_pattern" | "list_pattern" => named_children(pattern)
            .into_iter()
            .any(|c| binds_name(cx, c, name)),
        _ => false,
    }
}

/// Functions whose result carries their (first) argument along.
const PASS_THROUGH: &[&str] = &[
    "b64decode",
    "urlsafe_b64decode",
    "standard_b64decode",
    "b32decode",
    "b85decode",
    "decodebytes",
    "decodestring",
    "a2b_base64",
    "unhexlify",
    "fromhex",
    "decompress",
    "bytes",
    "bytearray",
    "str",
    "BytesIO",
    "StringIO",
    "memoryview",
    "unquote",
    "unquote_plus",
    "unquote_to_bytes",
    "enumerate",
    "iter",
    "next",
    "list",
    "loads",
    "decrypt",
];

fn call_step<'t>(cx: &Cx<'t>, n: Node<'t>) -> Step<'t> {
    let Some(func) = field(n, "function") else {
        return Step::Unknown;
    };
    let q = qualified(cx, func).unwrap_or_default();
    let (name, receiver) = match func.kind() {
        "attribute" => (
            field(func, "attribute").map(|a| cx.text(a)).unwrap_or(""),
            field(func, "object"),
        ),
        "identifier" => (cx.text(func), None),
        _ => return Step::Unknown,
    };
    let args = Args::of(cx, n);
    if q == "open"
        || [
            "io.open",
            "codecs.open",
            "gzip.open",
            "bz2.open",
            "lzma.open",
        ]
        .contains(&q.as_str())
        || matches!(name, "read_bytes" | "read_text")
    {
        return Step::Source(DataSource::File, n);
    }
    if receiver.is_some() && matches!(name, "recv" | "recvfrom" | "recv_into" | "recvmsg") {
        return Step::Source(DataSource::Socket, n);
    }
    if is_message_client(cx, n) {
        return Step::Source(DataSource::Message, n);
    }
    let local = match func.kind() {
        "identifier" => true,
        _ => receiver.is_some_and(|r| matches!(cx.text(r), "self" | "cls")),
    };
    if local && !cx.flow.fns_named(name).is_empty() {
        return Step::Local(name.to_string(), n);
    }
    let mut follow = Vec::new();
    if let Some(r) = receiver {
        follow.push(r);
    }
    if PASS_THROUGH.contains(&name) || (receiver.is_some() && ends_with_seg(&q, "decode")) {
        follow.extend(args.pos.first().copied());
    }
    if follow.is_empty() {
        Step::Unknown
    } else {
        Step::Follow(follow)
    }
}

fn arg<'t>(cx: &Cx<'t>, call: Node<'t>, index: usize, name: &str) -> Option<Node<'t>> {
    let args = Args::of(cx, call);
    if args.splat {
        return None;
    }
    args.arg(index, name)
}

fn param_source(_name: &str, ty: Option<&str>) -> Option<DataSource> {
    let ty = ty?;
    let last = ty.rsplit('.').next().unwrap_or(ty).trim();
    match last {
        "Request" | "HttpRequest" | "WebSocket" | "UploadFile" => Some(DataSource::Request),
        "ConsumerRecord" | "IncomingMessage" | "AbstractIncomingMessage" | "Msg" => {
            Some(DataSource::Message)
        }
        _ => None,
    }
}

// ----- handlers ------------------------------------------------------------------------------

fn fn_by_name<'t>(cx: &Cx<'t>, n: Node<'t>) -> Option<Node<'t>> {
    let name = match n.kind() {
        "identifier" => cx.text(n),
        "attribute" => cx.text(field(n, "attribute")?),
        "lambda" => return Some(n),
        _ => return None,
    };
    let i = *cx.flow.fns_named(name).first()?;
    Some(cx.flow.fns[i].node)
}

fn route_handler<'t>(cx: &Cx<'t>, at: Node<'t>) -> Option<Node<'t>> {
    // `@app.get(...)` on a function.
    if let Some(f) = cx.flow.decorated.get(&at.start_byte()) {
        return Some(*f);
    }
    // `path("orders/", views.orders)`, `app.add_url_rule("/x", view_func=orders)`.
    if at.kind() == "call" {
        let args = Args::of(cx, at);
        let view = args
            .kw("view_func")
            .or_else(|| args.kw("view"))
            .or_else(|| args.pos.get(1).copied())
            .or_else(|| args.pos.get(2).copied());
        return view.and_then(|v| fn_by_name(cx, v));
    }
    None
}

fn consumer_callbacks<'t>(cx: &Cx<'t>, at: Node<'t>) -> Vec<Node<'t>> {
    if at.kind() != "call" {
        return Vec::new();
    }
    let args = Args::of(cx, at);
    let mut out = Vec::new();
    for (k, v) in &args.kw {
        if matches!(
            *k,
            "on_message_callback" | "callback" | "cb" | "handler" | "on_message"
        ) {
            out.extend(fn_by_name(cx, *v));
        }
    }
    for a in &args.pos {
        if a.kind() == "lambda" || (a.kind() != "string" && fn_by_name(cx, *a).is_some()) {
            out.extend(fn_by_name(cx, *a));
        }
    }
    out
}

// ----- sinks ---------------------------------------------------------------------------------

const SINK_NAMES: &[&str] = &[
    "loads",
    "load",
    "decode",
    "read_pickle",
    "load_all",
    "unsafe_load",
    "unsafe_load_all",
    "eval",
    "exec",
];

fn sink<'t>(cx: &mut Cx<'t>, n: Node<'t>, func: Node<'t>, q: &str, args: &Args<'t>) {
    let q = q.to_string();
    let kw_text = |k: &str| args.kw(k).map(|v| cx.text(v));
    let data = |names: &[&str]| {
        args.pos
            .first()
            .copied()
            .or_else(|| names.iter().find_map(|k| args.kw(k)))
    };
    let module = q.split('.').next().unwrap_or("");
    let last = q.rsplit('.').next().unwrap_or("");
    let (lib, input) = match (module, last) {
        (
            "pickle" | "cPickle" | "_pickle" | "dill" | "cloudpickle" | "marshal",
            "loads" | "load",
        ) => (module, data(&["data", "file", "fp"])),
        ("jsonpickle", "decode") => ("jsonpickle", data(&["string"])),
        ("pandas", "read_pickle") | ("joblib", "load") => {
            (module, data(&["filepath_or_buffer", "filename"]))
        }
        ("torch", "load") => {
            if kw_text("weights_only") == Some("True") {
                return;
            }
            ("torch", data(&["f"]))
        }
        ("numpy", "load") => {
            if kw_text("allow_pickle") != Some("True") {
                return;
            }
            ("numpy", data(&["file"]))
        }
        ("yaml" | "ruamel", "load" | "load_all") if module == "yaml" => {
            let loader = args
                .kw("Loader")
                .or_else(|| args.pos.get(1).copied())
                .map(|l| cx.text(l))
                .unwrap_or("");
            if loader.contains("Safe") || loader.contains("BaseLoader") {
                return;
            }
            ("yaml", data(&["stream"]))
        }
        ("yaml", "unsafe_load" | "unsafe_load_all") => ("yaml", data(&["stream"])),
        _ => {
            // `pickle.Unpickler(f).load()`
            if func.kind() == "attribute"
                && field(func, "attribute").map(|a| cx.text(a)) == Some("load")
            {
                if let Some(recv) = field(func, "object").filter(|o| o.kind() == "call") {
                    let rq = field(recv, "function")
                        .and_then(|f| qualified(cx, f))
                        .unwrap_or_default();
                    if ends_with_seg(&rq, "Unpickler") {
                        let input = Args::of(cx, recv).pos.first().copied();
                        flow::deserialization(cx, &LANG, n, "pickle", cx.text(func), input);
                    }
                }
                return;
            }
            // Builtin `eval` / `exec` on data.
            if func.kind() == "identifier"
                && matches!(q.as_str(), "eval" | "exec")
                && cx.flow.fns_named(&q).is_empty()
            {
                let input = args.pos.first().copied();
                if input.is_some_and(|i| plain_string(cx, i).is_some()) {
                    return;
                }
                flow::deserialization(cx, &LANG, n, &q, &q, input);
            }
            return;
        }
    };
    let call = cx.text(func).to_string();
    flow::deserialization(cx, &LANG, n, lib, &call, input);
}

// ----- logs ----------------------------------------------------------------------------------

const LEVELS: &[&str] = &[
    "debug",
    "info",
    "warning",
    "warn",
    "error",
    "exception",
    "critical",
    "fatal",
    "log",
];

fn log<'t>(cx: &mut Cx<'t>, n: Node<'t>, func: Node<'t>, q: &str) {
    let is_log = match func.kind() {
        "identifier" => cx.text(func) == "print",
        "attribute" => {
            let attr = field(func, "attribute").map(|a| cx.text(a)).unwrap_or("");
            let obj = field(func, "object").map(|o| cx.text(o)).unwrap_or("");
            LEVELS.contains(&attr)
                && (obj.to_ascii_lowercase().contains("log") || q.starts_with("logging."))
        }
        _ => false,
    };
    if !is_log {
        return;
    }
    let mut names = Vec::new();
    let mut budget = 200;
    if let Some(list) = field(n, "arguments") {
        for a in named_children(list) {
            log_names(cx, a, &mut names, 0, &mut budget);
        }
    }
    let logger = cx.text(func).to_string();
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
    match n.kind() {
        "identifier" => {
            out.push(LoggedName {
                name: cx.text(n).to_string(),
                kind: NameKind::Variable,
            });
            env_names(&eval(cx, n, 0), out);
        }
        "attribute" => {
            if let Some(a) = field(n, "attribute") {
                out.push(LoggedName {
                    name: cx.text(a).to_string(),
                    kind: NameKind::Variable,
                });
            }
        }
        "subscript" => {
            let value = field(n, "value").map(|v| cx.text(v).to_ascii_lowercase());
            if let Some(key) = field(n, "subscript").and_then(|k| plain_string(cx, k)) {
                let kind = if value.is_some_and(|v| v.contains("header")) {
                    NameKind::Header
                } else {
                    NameKind::Key
                };
                out.push(LoggedName { name: key, kind });
            }
            env_names(&eval(cx, n, 0), out);
        }
        "call" => {
            env_names(&eval(cx, n, 0), out);
            let Some(func) = field(n, "function") else {
                return;
            };
            let (name, recv) = match func.kind() {
                "attribute" => (
                    field(func, "attribute").map(|a| cx.text(a)).unwrap_or(""),
                    field(func, "object"),
                ),
                _ => (cx.text(func), None),
            };
            let args = Args::of(cx, n);
            if name == "get"
                && recv.is_some_and(|r| cx.text(r).to_ascii_lowercase().contains("header"))
            {
                if let Some(h) = args.pos.first().and_then(|k| plain_string(cx, *k)) {
                    out.push(LoggedName {
                        name: h,
                        kind: NameKind::Header,
                    });
                }
                return;
            }
            if matches!(name, "str" | "repr" | "format" | "join" | "dumps" | "f") {
                for a in args.pos.iter().chain(args.kw.iter().map(|(_, v)| v)) {
                    log_names(cx, *a, out, depth + 1, budget);
                }
                if name == "format" {
                    if let Some(r) = recv {
                        log_names(cx, r, out, depth + 1, budget);
                    }
                }
            } else if matches!(
                name,
                "strip" | "lower" | "upper" | "decode" | "encode" | "rstrip" | "lstrip"
            ) {
                if let Some(r) = recv {
                    log_names(cx, r, out, depth + 1, budget);
                }
            }
        }
        "string" => {
            for c in named_children(n) {
                if c.kind() == "interpolation" {
                    if let Some(e) = field(c, "expression") {
                        log_names(cx, e, out, depth + 1, budget);
                    }
                }
            }
        }
        "dictionary" => {
            for p in named_children(n) {
                if p.kind() != "pair" {
                    continue;
                }
                let (Some(k), Some(v)) = (field(p, "key"), field(p, "value")) else {
                    continue;
                };
                if plain_string(cx, v).is_some() {
                    continue;
                }
                if let Some(key) = plain_string(cx, k) {
                    out.push(LoggedName {
                        name: key,
                        kind: NameKind::Key,
                    });
                }
                log_names(cx, v, out, depth + 1, budget);
            }
        }
        "keyword_argument" => {
            if let Some(v) = field(n, "value") {
                log_names(cx, v, out, depth + 1, budget);
            }
        }
        // `"%s" % key`, `"key=" + key`; arithmetic on a secret is not the secret.
        "binary_operator"
            if field(n, "operator").is_some_and(|o| matches!(cx.text(o), "+" | "%")) =>
        {
            for c in named_children(n) {
                log_names(cx, c, out, depth + 1, budget);
            }
        }
        "conditional_expression" => {
            // `a if cond else b`: the values, not the condition.
            let kids = named_children(n);
            for (i, c) in kids.into_iter().enumerate() {
                if i != 1 {
                    log_names(cx, c, out, depth + 1, budget);
                }
            }
        }
        "concatenated_string"
        | "parenthesized_expression"
        | "tuple"
        | "list"
        | "boolean_operator" => {
            for c in named_children(n) {
                log_names(cx, c, out, depth + 1, budget);
            }
        }
        _ => {}
    }
}

// ----- credentials in code -------------------------------------------------------------------

/// The value of a string literal without interpolation.
fn plain_string(cx: &Cx, n: Node) -> Option<String> {
    if n.kind() != "string" {
        return None;
    }
    if named_children(n)
        .iter()
        .any(|c| c.kind() == "interpolation")
    {
        return None;
    }
    match eval(cx, n, 0) {
        Expr::Literal { value } => Some(value),
        _ => None,
    }
}

fn assign_literal<'t>(cx: &mut Cx<'t>, n: Node<'t>) {
    let (Some(left), Some(right)) = (field(n, "left"), field(n, "right")) else {
        return;
    };
    let name = match left.kind() {
        "identifier" => cx.text(left),
        "attribute" => field(left, "attribute").map(|a| cx.text(a)).unwrap_or(""),
        "subscript" => {
            // `config["DB_PASSWORD"] = "..."`
            match field(left, "subscript").and_then(|k| plain_string(cx, k)) {
                Some(k) => {
                    if let Some(value) = plain_string(cx, right) {
                        flow::hardcoded(cx, &k, &value, "assignment", right);
                    }
                    return;
                }
                None => return,
            }
        }
        _ => return,
    };
    if right.kind() != "string" || !flow::credential_like(name) {
        return;
    }
    if let Some(value) = plain_string(cx, right) {
        let name = name.to_string();
        flow::hardcoded(cx, &name, &value, "assignment", right);
    }
}

/// Keyword arguments given a literal under a credential-looking name.
fn kw_literals<'t>(cx: &mut Cx<'t>, n: Node<'t>) {
    let Some(list) = field(n, "arguments") else {
        return;
    };
    for a in named_children(list) {
        if a.kind() != "keyword_argument" {
            continue;
        }
        let (Some(k), Some(v)) = (field(a, "name"), field(a, "value")) else {
            continue;
        };
        let k = cx.text(k);
        if flow::credential_like(k) && v.kind() == "string" {
            if let Some(value) = plain_string(cx, v) {
                flow::hardcoded(cx, k, &value, "argument", v);
            }
        }
    }
}

fn call_literals<'t>(cx: &mut Cx<'t>, n: Node<'t>, func: Node<'t>, q: &str, args: &Args<'t>) {
    for &(k, v) in &args.kw {
        if flow::credential_like(k) && v.kind() == "string" {
            if let Some(value) = plain_string(cx, v) {
                flow::hardcoded(cx, k, &value, "argument", v);
            }
        }
    }
    // Environment fallbacks: `os.environ.get("DB_PASSWORD", "dev-secret")`.
    let name = match func.kind() {
        "attribute" => field(func, "attribute").map(|a| cx.text(a)).unwrap_or(""),
        _ => cx.text(func),
    };
    let env_read = matches!(q, "os.environ.get" | "os.getenv" | "os.environ.setdefault")
        || flow::maybe_env_helper(name);
    if !env_read || args.pos.len() + args.kw.len() < 2 {
        return;
    }
    if let Expr::Env {
        name,
        default: Some(d),
    } = eval(cx, n, 0)
    {
        if let Some(dn) = args.arg(1, "default").filter(|d| d.kind() == "string") {
            flow::hardcoded(cx, &name, &d, "default", dn);
        }
    }
}

// ----- retries -------------------------------------------------------------------------------

fn loop_info<'t>(cx: &Cx<'t>, l: Node<'t>) -> LoopInfo<'t> {
    if l.kind() == "while_statement" {
        let cond = field(l, "condition");
        let constant = cond.is_some_and(|c| matches!(cx.text(c), "True" | "1"));
        return LoopInfo {
            node: l,
            shape: if constant {
                LoopShape::Infinite
            } else {
                LoopShape::Conditional
            },
            head: cond,
        };
    }
    let right = field(l, "right");
    let shape = match right.filter(|r| r.kind() == "call") {
        Some(r) => {
            let q = field(r, "function")
                .and_then(|f| qualified(cx, f))
                .unwrap_or_default();
            if q == "range" {
                LoopShape::Counted
            } else if ends_with_seg(&q, "count") || ends_with_seg(&q, "cycle") {
                LoopShape::Infinite
            } else {
                LoopShape::Iteration
            }
        }
        None => LoopShape::Iteration,
    };
    LoopInfo {
        node: l,
        shape,
        head: right,
    }
}

fn retry_decorators<'t>(cx: &mut Cx<'t>, n: Node<'t>) {
    for d in named_children(n) {
        if d.kind() != "decorator" {
            continue;
        }
        let Some(e) = named_children(d).into_iter().next() else {
            continue;
        };
        let (callee, args) = if e.kind() == "call" {
            (field(e, "function"), Some(Args::of(cx, e)))
        } else {
            (Some(e), None)
        };
        let Some(callee) = callee else { continue };
        let q = qualified(cx, callee).unwrap_or_default();
        let has = |k: &str| args.as_ref().is_some_and(|a| a.kw(k).is_some());
        let has_prefix = |p: &str| {
            args.as_ref()
                .is_some_and(|a| a.kw.iter().any(|(k, _)| k.starts_with(p)))
        };
        let (bounded, backoff) = match q.as_str() {
            "tenacity.retry" => (has("stop"), has("wait")),
            "backoff.on_exception" | "backoff.on_predicate" => {
                (has("max_tries") || has("max_time"), true)
            }
            "retrying.retry" => (has_prefix("stop"), has_prefix("wait")),
            "retry.retry" | "retry.api.retry" => {
                let tries = args
                    .as_ref()
                    .and_then(|a| a.kw("tries").or_else(|| a.pos.get(1).copied()))
                    .map(|t| cx.text(t).trim().to_string());
                let delay = args
                    .as_ref()
                    .and_then(|a| a.kw("delay").or_else(|| a.pos.get(2).copied()))
                    .map(|t| cx.text(t).trim().to_string());
                (
                    tries.is_some_and(|t| t != "-1"),
                    delay.is_some_and(|d| d != "0" && d != "0.0"),
                )
            }
            _ => continue,
        };
        let loc = cx.loc(d);
        let detail = super::super::expr::short_text(cx.text(d));
        cx.flow.retries.push(RetryLoop {
            mechanism: "decorator".into(),
            detail,
            bounded,
            backoff,
            loc,
        });
    }
}
