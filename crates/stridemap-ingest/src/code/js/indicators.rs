//! JavaScript / TypeScript security indicators: code-evaluating and unsafe deserialization
//! calls (`eval`, `new Function`, `vm.runIn*`, node-serialize `unserialize`, js-yaml with the
//! full schema) with where their input comes from, request and message handlers (Express /
//! Fastify / Koa / NestJS routes, kafkajs `eachMessage`, amqplib, NATS, Redis, Pub/Sub
//! callbacks, NestJS `@EventPattern`), retry loops and retry libraries, secrets in logs and
//! credentials written in the code.

use super::super::flow::{
    self, within, Entry, FnDef, HandlerHooks, Lang, LoopInfo, LoopShape, Step,
};
use super::super::{expr, field, named_children, Captures, Cx};
use super::{args_of, eval, is_function, module_of, object_prop, qualified, string_value, unwrap};
use stridemap_model::code::{DataSource, Expr, HandlerKind, LoggedName, NameKind, RetryLoop};
use tree_sitter::Node;

const LANG: Lang = Lang {
    step,
    arg,
    param_source,
};

const HOOKS: HandlerHooks = HandlerHooks {
    route_handler,
    consumer_callbacks,
    extra,
};

fn extra(cx: &mut Cx) {
    if cx
        .imports
        .values()
        .any(|m| m == "kafkajs" || m.starts_with("kafkajs."))
    {
        kafkajs_run(cx);
    }
    if cx.src.contains("Pattern(") {
        nest_patterns(cx);
    }
}

pub(super) fn run<'t>(cx: &mut Cx<'t>, caps: &Captures<'t>) {
    functions(cx, caps);
    for &r in caps.get("ret") {
        if let Some(v) = r.named_child(0).filter(|v| !v.kind().contains("comment")) {
            cx.flow.returns.push(v);
        }
    }
    cx.flow.calls.extend_from_slice(caps.get("call"));
    cx.flow.seal();
    flow::link_handlers(cx, &HOOKS);
    for &n in caps.get("call") {
        let is_new = n.kind() == "new_expression";
        let Some(func) = field(n, if is_new { "constructor" } else { "function" }).map(unwrap)
        else {
            continue;
        };
        let (name, first) = match func.kind() {
            "identifier" => (cx.text(func), cx.text(func)),
            "member_expression" => {
                let name = field(func, "property").map(|p| cx.text(p)).unwrap_or("");
                let text = cx.text(func);
                (name, text.split(['.', '(', '[']).next().unwrap_or(""))
            }
            _ => continue,
        };
        let retry_lib = cx.imports.get(first).is_some_and(|m| {
            matches!(
                module_of(m),
                "axios-retry" | "async-retry" | "p-retry" | "retry"
            )
        });
        if SINK_NAMES.contains(&name) {
            let q = qualified(cx, func).unwrap_or_default();
            sink(cx, n, func, &q);
        }
        if is_new {
            continue;
        }
        if LEVELS.contains(&name) {
            log(cx, n, func);
        }
        if retry_lib {
            let q = qualified(cx, func).unwrap_or_default();
            retry_library(cx, n, func, &q);
        }
        if name == "get" || flow::maybe_env_helper(name) {
            env_fallback_call(cx, n, func);
        }
    }
    for &n in caps.get("decl") {
        if let (Some(name), Some(v)) = (field(n, "name"), field(n, "value")) {
            if name.kind() == "identifier" {
                let name = cx.text(name).to_string();
                literal(cx, &name, v, "assignment");
            }
        }
    }
    for &n in caps.get("assign") {
        if let (Some(l), Some(v)) = (field(n, "left"), field(n, "right")) {
            let name = match l.kind() {
                "identifier" => Some(cx.text(l).to_string()),
                "member_expression" => field(l, "property").map(|p| cx.text(p).to_string()),
                "subscript_expression" => field(l, "index").and_then(|i| string_value(cx, i)),
                _ => None,
            };
            if let Some(name) = name {
                literal(cx, &name, v, "assignment");
            }
        }
    }
    for &n in caps.get("pair") {
        if let (Some(k), Some(v)) = (field(n, "key"), field(n, "value")) {
            let key = match k.kind() {
                "string" => string_value(cx, k),
                "property_identifier" => Some(cx.text(k).to_string()),
                _ => None,
            };
            if let Some(key) = key {
                literal(cx, &key, v, "field");
            }
        }
    }
    for &n in caps.get("field") {
        if let (Some(name), Some(v)) = (field(n, "name"), field(n, "value")) {
            let name = cx.text(name).to_string();
            literal(cx, &name, v, "field");
        }
    }
    for &n in caps.get("params") {
        if !cx.text(n).contains('=') {
            continue;
        }
        for p in named_children(n) {
            let p = if matches!(p.kind(), "required_parameter" | "optional_parameter") {
                match (field(p, "pattern"), field(p, "value")) {
                    (Some(pat), Some(v)) => {
                        let name = cx.text(pat).to_string();
                        literal(cx, &name, v, "default");
                        continue;
                    }
                    _ => continue,
                }
            } else {
                p
            };
            if p.kind() == "assignment_pattern" {
                if let (Some(l), Some(r)) = (field(p, "left"), field(p, "right")) {
                    let name = cx.text(l).to_string();
                    literal(cx, &name, r, "default");
                }
            }
        }
    }
    let loops: Vec<LoopInfo> = caps.get("loop").iter().map(|&l| loop_info(cx, l)).collect();
    flow::retry_loops(cx, &loops);
    flow::token_literals(cx);
}

// ----- functions -----------------------------------------------------------------------------

fn functions<'t>(cx: &mut Cx<'t>, caps: &Captures<'t>) {
    // Function literals are named by the variable, property or assignment they are given to
    // (found from those nodes: asking a node for its parent is slow in tree-sitter).
    let mut given: std::collections::HashMap<usize, String> = std::collections::HashMap::new();
    for (cap, key) in [("decl", "name"), ("pair", "key"), ("assign", "left")] {
        let value_field = if cap == "assign" { "right" } else { "value" };
        for &d in caps.get(cap) {
            if let Some(v) = field(d, value_field).filter(|v| is_function(v)) {
                if let Some(k) = field(d, key) {
                    let t = cx.text(k);
                    given.insert(v.id(), t.rsplit('.').next().unwrap_or(t).to_string());
                }
            }
        }
    }
    for &n in caps.get("scope") {
        let name = match n.kind() {
            "function_declaration" | "generator_function_declaration" | "method_definition" => {
                field(n, "name").map(|x| cx.text(x).to_string())
            }
            "function_expression" | "arrow_function" => field(n, "name")
                .map(|x| cx.text(x).to_string())
                .or_else(|| given.remove(&n.id())),
            _ => None,
        }
        .unwrap_or_else(|| "<anonymous>".into());
        if n.kind() == "arrow_function" {
            if let Some(b) = field(n, "body").filter(|b| b.kind() != "statement_block") {
                cx.flow.returns.push(b);
            }
        }
        let mut params = Vec::new();
        if let Some(p) = field(n, "parameter") {
            params.push((cx.text(p).to_string(), None));
        }
        if let Some(list) = field(n, "parameters") {
            for p in named_children(list) {
                param_names(cx, p, &mut params);
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

/// Names a parameter binds (destructuring included), with its type and decorators.
fn param_names(cx: &Cx, p: Node, out: &mut Vec<(String, Option<String>)>) {
    match p.kind() {
        "identifier" => out.push((cx.text(p).to_string(), None)),
        "assignment_pattern" => {
            if let Some(l) = field(p, "left") {
                param_names(cx, l, out);
            }
        }
        "required_parameter" | "optional_parameter" => {
            let mut ty = String::new();
            for c in named_children(p) {
                if c.kind() == "decorator" {
                    ty.push_str(cx.text(c));
                    ty.push(' ');
                }
            }
            if let Some(t) = field(p, "type") {
                ty.push_str(cx.text(t).trim_start_matches(':').trim());
            }
            let ty = (!ty.is_empty()).then_some(ty);
            if let Some(pat) = field(p, "pattern") {
                let start = out.len();
                param_names(cx, pat, out);
                for item in &mut out[start..] {
                    if item.1.is_none() {
                        item.1 = ty.clone();
                    }
                }
            }
        }
        "object_pattern" | "array_pattern" => {
            for c in named_children(p) {
                match c.kind() {
                    "shorthand_property_identifier_pattern" | "identifier" => {
                        out.push((cx.text(c).to_string(), None))
                    }
                    "pair_pattern" => {
                        if let Some(v) = field(c, "value") {
                            param_names(cx, v, out);
                        }
                    }
                    "object_assignment_pattern" => {
                        if let Some(l) = field(c, "left") {
                            param_names(cx, l, out);
                        }
                    }
                    _ => param_names(cx, c, out),
                }
            }
        }
        "shorthand_property_identifier_pattern" => out.push((cx.text(p).to_string(), None)),
        "rest_pattern" => {
            if let Some(i) = named_children(p).into_iter().next() {
                param_names(cx, i, out);
            }
        }
        _ => {}
    }
}

// ----- the walk ------------------------------------------------------------------------------

fn step<'t>(cx: &Cx<'t>, n: Node<'t>) -> Step<'t> {
    let n = unwrap(n);
    match n.kind() {
        "string" | "number" | "true" | "false" | "null" | "undefined" => {
            Step::Source(DataSource::Constant, n)
        }
        "template_string" => {
            let subs: Vec<Node> = named_children(n)
                .into_iter()
                .filter(|c| c.kind() == "template_substitution")
                .filter_map(|c| named_children(c).into_iter().next())
                .collect();
            if subs.is_empty() {
                Step::Source(DataSource::Constant, n)
            } else {
                Step::Follow(subs)
            }
        }
        "identifier" => identifier(cx, n),
        "shorthand_property_identifier_pattern" | "pair_pattern" | "object_assignment_pattern" => {
            // `const { body } = req`: the destructured value.
            let mut cur = n;
            for _ in 0..4 {
                match cur.parent() {
                    Some(p) if p.kind() == "variable_declarator" => {
                        return match field(p, "value") {
                            Some(v) => Step::Follow(vec![v]),
                            None => Step::Unknown,
                        };
                    }
                    Some(p) => cur = p,
                    None => break,
                }
            }
            Step::Unknown
        }
        "member_expression" => {
            let text = cx.text(n);
            if text.starts_with("this.") {
                if let Some(v) = cx.lookup(text, n.start_byte()).and_then(|b| b.value) {
                    return Step::Follow(vec![v]);
                }
            }
            match field(n, "object") {
                Some(o) => Step::Follow(vec![o]),
                None => Step::Unknown,
            }
        }
        "subscript_expression" => match field(n, "object") {
            Some(o) => Step::Follow(vec![o]),
            None => Step::Unknown,
        },
        "call_expression" => call_step(cx, n),
        "new_expression" => Step::Follow(args_of(n).into_iter().take(1).collect()),
        "await_expression"
        | "binary_expression"
        | "ternary_expression"
        | "spread_element"
        | "array"
        | "sequence_expression" => Step::Follow(named_children(n)),
        _ => Step::Unknown,
    }
}

fn identifier<'t>(cx: &Cx<'t>, n: Node<'t>) -> Step<'t> {
    if let Some(it) = loop_iterable(cx, n) {
        return Step::Follow(vec![it]);
    }
    match cx.lookup(cx.text(n), n.start_byte()) {
        Some(b) => match b.value {
            Some(v) if !within(n, v) => Step::Follow(vec![v]),
            Some(_) => Step::Unknown,
            None => Step::Param(n),
        },
        None => Step::Param(n),
    }
}

/// `for (const m of batch.messages)`, `for await (const m of sub)`: the iterable.
fn loop_iterable<'t>(cx: &Cx<'t>, n: Node<'t>) -> Option<Node<'t>> {
    let name = cx.text(n);
    let mut cur = n;
    for _ in 0..60 {
        let p = cur.parent()?;
        if is_function(&p) || matches!(p.kind(), "function_declaration" | "method_definition") {
            return None;
        }
        if p.kind() == "for_in_statement" {
            let left = field(p, "left")?;
            if !within(n, left) && binds(cx, left, name) {
                return field(p, "right");
            }
        }
        cur = p;
    }
    None
}

fn binds(cx: &Cx, pattern: Node, name: &str) -> bool {
    match pattern.kind() {
        "identifier" | "shorthand_property_identifier_pattern" => cx.text(pattern) == name,
        _ => named_children(pattern)
            .into_iter()
            .any(|c| binds(cx, c, name)),
    }
}

/// Functions and methods whose result carries their first argument.
const PASS_ARG: &[&str] = &[
    "from",
    "parse",
    "decode",
    "atob",
    "decodeURIComponent",
    "unescape",
    "String",
    "inflateSync",
    "gunzipSync",
    "unzipSync",
    "brotliDecompressSync",
    "concat",
    "decrypt",
];

fn call_step<'t>(cx: &Cx<'t>, n: Node<'t>) -> Step<'t> {
    let Some(func) = field(n, "function").map(unwrap) else {
        return Step::Unknown;
    };
    let args = args_of(n);
    let q = qualified(cx, func).unwrap_or_default();
    let module = module_of(&q);
    let (name, receiver) = match func.kind() {
        "member_expression" => (
            field(func, "property").map(|p| cx.text(p)).unwrap_or(""),
            field(func, "object"),
        ),
        "identifier" => (cx.text(func), None),
        _ => return Step::Unknown,
    };
    if matches!(
        module,
        "fs" | "fs/promises" | "node:fs" | "node:fs/promises"
    ) || matches!(name, "readFileSync" | "createReadStream")
    {
        return Step::Source(DataSource::File, n);
    }
    let local = match receiver {
        None => true,
        Some(r) => cx.text(r) == "this",
    };
    if local && !cx.flow.fns_named(name).is_empty() {
        return Step::Local(name.to_string(), n);
    }
    let mut follow: Vec<Node> = receiver.into_iter().collect();
    if PASS_ARG.contains(&name) {
        follow.extend(args.first().copied());
    }
    if follow.is_empty() {
        Step::Unknown
    } else {
        Step::Follow(follow)
    }
}

fn arg<'t>(_cx: &Cx<'t>, call: Node<'t>, index: usize, _name: &str) -> Option<Node<'t>> {
    let args = args_of(call);
    if args.iter().any(|a| a.kind() == "spread_element") {
        return None;
    }
    args.get(index).copied()
}

fn param_source(_name: &str, ty: Option<&str>) -> Option<DataSource> {
    let ty = ty?;
    const REQUEST: &[&str] = &[
        "@Body",
        "@Query",
        "@Param",
        "@Req",
        "@Request",
        "@Headers",
        "@UploadedFile",
    ];
    if REQUEST.iter().any(|d| ty.contains(d)) {
        return Some(DataSource::Request);
    }
    if ty.contains("@Payload") || ty.contains("@Ctx") {
        return Some(DataSource::Message);
    }
    let last = ty
        .split_whitespace()
        .last()
        .unwrap_or(ty)
        .rsplit('.')
        .next()
        .unwrap_or("");
    let base = last.split('<').next().unwrap_or(last);
    match base {
        "Request" | "FastifyRequest" | "IncomingMessage" | "NextRequest" | "Context" => {
            Some(DataSource::Request)
        }
        "KafkaMessage" | "EachMessagePayload" | "EachBatchPayload" | "ConsumeMessage" | "Msg"
        | "JsMsg" | "SQSRecord" | "SQSEvent" | "SNSEvent" | "KafkaContext" | "RmqContext" => {
            Some(DataSource::Message)
        }
        _ => None,
    }
}

// ----- handlers ------------------------------------------------------------------------------

fn fn_node<'t>(cx: &Cx<'t>, n: Node<'t>) -> Option<Node<'t>> {
    let n = unwrap(n);
    if is_function(&n) {
        return Some(n);
    }
    let name = match n.kind() {
        "identifier" => cx.text(n),
        "member_expression" => cx.text(field(n, "property")?),
        // `handler.bind(this)`
        "call_expression" => {
            let f = field(n, "function")?;
            if f.kind() == "member_expression"
                && field(f, "property").map(|p| cx.text(p)) == Some("bind")
            {
                return fn_node(cx, field(f, "object")?);
            }
            return None;
        }
        _ => return None,
    };
    let i = *cx.flow.fns_named(name).first()?;
    Some(cx.flow.fns[i].node)
}

fn route_handler<'t>(cx: &Cx<'t>, at: Node<'t>) -> Option<Node<'t>> {
    // NestJS: `@Get()` on a method (a child decorator, or one just before it).
    if let Some(d) = at.parent().filter(|p| p.kind() == "decorator") {
        let owner = d.parent()?;
        if owner.kind() == "method_definition" {
            return Some(owner);
        }
        let mut next = d.next_named_sibling();
        for _ in 0..8 {
            let s = next?;
            if s.kind() == "method_definition" {
                return Some(s);
            }
            next = s.next_named_sibling();
        }
        return None;
    }
    if at.kind() != "call_expression" {
        return None;
    }
    args_of(at).into_iter().rev().find_map(|a| fn_node(cx, a))
}

fn consumer_callbacks<'t>(cx: &Cx<'t>, at: Node<'t>) -> Vec<Node<'t>> {
    if at.kind() != "call_expression" {
        return Vec::new();
    }
    let mut out = Vec::new();
    for a in args_of(at) {
        let a = unwrap(a);
        if a.kind() == "string" || a.kind() == "template_string" {
            continue;
        }
        if a.kind() == "object" {
            for key in ["callback", "eachMessage", "eachBatch", "handler"] {
                if let Some(v) = object_prop(cx, a, key, 0) {
                    out.extend(fn_node(cx, v));
                }
            }
            continue;
        }
        out.extend(fn_node(cx, a));
    }
    out
}

/// kafkajs: `consumer.run({ eachMessage: async ({ message }) => ... })`.
fn kafkajs_run(cx: &mut Cx) {
    let mut marks = Vec::new();
    for &n in &cx.flow.calls {
        let Some(func) = field(n, "function").filter(|f| f.kind() == "member_expression") else {
            continue;
        };
        if field(func, "property").map(|p| cx.text(p)) != Some("run") {
            continue;
        }
        let Some(cfg) = args_of(n).into_iter().next() else {
            continue;
        };
        for key in ["eachMessage", "eachBatch"] {
            if let Some(f) = object_prop(cx, cfg, key, 0).and_then(|v| fn_node(cx, v)) {
                let recv = field(func, "object").map(|o| cx.text(o).to_string());
                marks.push((f, recv));
            }
        }
    }
    for (f, recv) in marks {
        let site = recv
            .as_deref()
            .and_then(|r| {
                cx.flow
                    .consumers
                    .iter()
                    .find(|c| c.receiver.as_deref() == Some(r))
            })
            .or_else(|| cx.flow.consumers.first())
            .cloned();
        let entry = Entry {
            source: DataSource::Message,
            topic: site.as_ref().map(|s| s.topic.clone()),
            technology: Some(
                site.map(|s| s.technology)
                    .unwrap_or_else(|| "kafka".to_string()),
            ),
            inferred: false,
        };
        flow::mark(cx, f, entry, HandlerKind::Message);
    }
}

/// NestJS microservices: `@EventPattern('orders.created')` / `@MessagePattern(...)` methods.
fn nest_patterns(cx: &mut Cx) {
    let mut marks = Vec::new();
    for f in &cx.flow.fns {
        if f.node.kind() != "method_definition" {
            continue;
        }
        let mut decs: Vec<Node> = Vec::new();
        let mut c = f.node.walk();
        decs.extend(f.node.children_by_field_name("decorator", &mut c));
        let mut prev = f.node.prev_named_sibling();
        while let Some(p) = prev.filter(|p| p.kind() == "decorator") {
            decs.push(p);
            prev = p.prev_named_sibling();
        }
        for d in decs {
            let Some(call) = named_children(d)
                .into_iter()
                .next()
                .filter(|c| c.kind() == "call_expression")
            else {
                continue;
            };
            let name = field(call, "function").map(|f| cx.text(f)).unwrap_or("");
            if matches!(name, "EventPattern" | "MessagePattern") {
                let topic = args_of(call).first().map(|a| eval(cx, *a, 0));
                marks.push((f.node, topic));
            }
        }
    }
    for (node, topic) in marks {
        flow::mark(
            cx,
            node,
            Entry {
                source: DataSource::Message,
                topic,
                technology: None,
                inferred: false,
            },
            HandlerKind::Message,
        );
    }
}

// ----- sinks ---------------------------------------------------------------------------------

const SINK_NAMES: &[&str] = &[
    "eval",
    "Function",
    "runInNewContext",
    "runInThisContext",
    "runInContext",
    "compileFunction",
    "Script",
    "unserialize",
    "deserialize",
    "deepDeserialize",
    "parse",
    "load",
    "loadAll",
];

fn sink<'t>(cx: &mut Cx<'t>, n: Node<'t>, func: Node<'t>, q: &str) {
    let module = module_of(q);
    let interesting = matches!(
        module,
        "eval"
            | "Function"
            | "vm"
            | "node:vm"
            | "node-serialize"
            | "serialize-to-js"
            | "funcster"
            | "cryo"
            | "js-yaml"
    );
    if !interesting {
        return;
    }
    let args = args_of(n);
    let last = q.rsplit('.').next().unwrap_or("");
    let call = cx.text(func).to_string();
    let (lib, input) = match (module, last) {
        ("eval", _) if func.kind() == "identifier" && cx.flow.fns_named("eval").is_empty() => {
            ("eval", args.first().copied())
        }
        ("Function", _) if func.kind() == "identifier" => ("Function", args.last().copied()),
        (
            "vm" | "node:vm",
            "runInNewContext" | "runInThisContext" | "runInContext" | "compileFunction" | "Script",
        ) => ("vm", args.first().copied()),
        ("node-serialize", "unserialize") => ("node-serialize", args.first().copied()),
        ("serialize-to-js", "deserialize") => ("serialize-to-js", args.first().copied()),
        ("funcster", "deepDeserialize") => ("funcster", args.first().copied()),
        ("cryo", "parse") => ("cryo", args.first().copied()),
        ("js-yaml", "load" | "loadAll") => {
            let unsafe_schema = args
                .get(1)
                .and_then(|o| object_prop(cx, *o, "schema", 0))
                .is_some_and(|s| {
                    let t = cx.text(s);
                    t.contains("FULL") || t.contains("js-types") || t.contains("jsTypes")
                });
            if !unsafe_schema {
                return;
            }
            ("js-yaml", args.first().copied())
        }
        _ => return,
    };
    if input.is_some_and(|i| matches!(unwrap(i).kind(), "string")) && lib != "js-yaml" {
        return;
    }
    flow::deserialization(cx, &LANG, n, lib, &call, input);
}

// ----- logs ----------------------------------------------------------------------------------

const LEVELS: &[&str] = &[
    "log", "debug", "info", "warn", "warning", "error", "fatal", "trace", "verbose", "silly",
];

fn log<'t>(cx: &mut Cx<'t>, n: Node<'t>, func: Node<'t>) {
    if func.kind() != "member_expression" {
        return;
    }
    let prop = field(func, "property").map(|p| cx.text(p)).unwrap_or("");
    let obj = field(func, "object").map(|o| cx.text(o)).unwrap_or("");
    if !LEVELS.contains(&prop) || !obj.to_ascii_lowercase().contains("log") && obj != "console" {
        return;
    }
    let mut names = Vec::new();
    let mut budget = 200;
    for a in args_of(n) {
        log_names(cx, a, &mut names, 0, &mut budget);
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
    let n = unwrap(n);
    match n.kind() {
        "identifier" | "shorthand_property_identifier" => {
            out.push(LoggedName {
                name: cx.text(n).to_string(),
                kind: NameKind::Variable,
            });
            if n.kind() == "identifier" {
                env_names(&eval(cx, n, 0), out);
            }
        }
        "member_expression" => {
            let value = eval(cx, n, 0);
            if matches!(value, Expr::Env { .. }) {
                env_names(&value, out);
                return;
            }
            let obj = field(n, "object").map(|o| cx.text(o).to_ascii_lowercase());
            if let Some(p) = field(n, "property") {
                let kind = if obj.is_some_and(|o| o.ends_with("headers")) {
                    NameKind::Header
                } else {
                    NameKind::Variable
                };
                out.push(LoggedName {
                    name: cx.text(p).to_string(),
                    kind,
                });
            }
            env_names(&value, out);
        }
        "subscript_expression" => {
            let obj = field(n, "object").map(|o| cx.text(o).to_ascii_lowercase());
            if let Some(key) = field(n, "index").and_then(|i| string_value(cx, i)) {
                let kind = if obj.is_some_and(|o| o.contains("header")) {
                    NameKind::Header
                } else {
                    NameKind::Key
                };
                out.push(LoggedName { name: key, kind });
            }
            env_names(&eval(cx, n, 0), out);
        }
        "call_expression" => {
            env_names(&eval(cx, n, 0), out);
            let Some(func) = field(n, "function").map(unwrap) else {
                return;
            };
            let (name, recv) = match func.kind() {
                "member_expression" => (
                    field(func, "property").map(|p| cx.text(p)).unwrap_or(""),
                    field(func, "object"),
                ),
                _ => (cx.text(func), None),
            };
            let args = args_of(n);
            if matches!(name, "get" | "header" | "getHeader" | "get_header")
                && (recv.is_some_and(|r| {
                    let t = cx.text(r).to_ascii_lowercase();
                    t.contains("header") || t == "req" || t == "request" || t == "ctx"
                }))
            {
                if let Some(h) = args.first().and_then(|k| string_value(cx, *k)) {
                    out.push(LoggedName {
                        name: h,
                        kind: NameKind::Header,
                    });
                }
                return;
            }
            if matches!(name, "stringify" | "String" | "format" | "inspect") {
                for a in args {
                    log_names(cx, a, out, depth + 1, budget);
                }
            } else if matches!(name, "toString" | "trim" | "toUpperCase" | "toLowerCase") {
                if let Some(r) = recv {
                    log_names(cx, r, out, depth + 1, budget);
                }
            }
        }
        "template_string" => {
            for c in named_children(n) {
                if c.kind() == "template_substitution" {
                    for e in named_children(c) {
                        log_names(cx, e, out, depth + 1, budget);
                    }
                }
            }
        }
        "object" => {
            for p in named_children(n) {
                match p.kind() {
                    "pair" => {
                        let (Some(k), Some(v)) = (field(p, "key"), field(p, "value")) else {
                            continue;
                        };
                        if unwrap(v).kind() == "string" {
                            continue;
                        }
                        let key = match k.kind() {
                            "string" => string_value(cx, k),
                            _ => Some(cx.text(k).to_string()),
                        };
                        if let Some(key) = key {
                            out.push(LoggedName {
                                name: key,
                                kind: NameKind::Key,
                            });
                        }
                        log_names(cx, v, out, depth + 1, budget);
                    }
                    _ => log_names(cx, p, out, depth + 1, budget),
                }
            }
        }
        "binary_expression" => {
            // Comparisons log a boolean, not the value.
            let op = field(n, "operator").map(|o| cx.text(o)).unwrap_or("");
            if matches!(op, "+" | "||" | "??") {
                for c in named_children(n) {
                    log_names(cx, c, out, depth + 1, budget);
                }
            }
        }
        "ternary_expression" => {
            for c in named_children(n).into_iter().skip(1) {
                log_names(cx, c, out, depth + 1, budget);
            }
        }
        "array" | "spread_element" => {
            for c in named_children(n) {
                log_names(cx, c, out, depth + 1, budget);
            }
        }
        _ => {}
    }
}

// ----- credentials in code -------------------------------------------------------------------

fn literal<'t>(cx: &mut Cx<'t>, name: &str, v: Node<'t>, context: &str) {
    let v = unwrap(v);
    match v.kind() {
        "string" | "template_string" if !flow::credential_like(name) => {}
        "string" => {
            if let Some(value) = string_value(cx, v) {
                flow::hardcoded(cx, name, &value, context, v);
            }
        }
        "template_string"
            if !named_children(v)
                .iter()
                .any(|c| c.kind() == "template_substitution") =>
        {
            let t = cx.text(v);
            let value = t
                .get(1..t.len().saturating_sub(1))
                .unwrap_or("")
                .to_string();
            flow::hardcoded(cx, name, &value, context, v);
        }
        // `process.env.DB_PASSWORD || "dev-secret"`
        "binary_expression" => {
            let op = field(v, "operator").map(|o| cx.text(o)).unwrap_or("");
            if op != "||" && op != "??" {
                return;
            }
            let (Some(l), Some(r)) = (field(v, "left"), field(v, "right")) else {
                return;
            };
            let r = unwrap(r);
            if r.kind() != "string" {
                return;
            }
            if let (Expr::Env { name: env, .. }, Some(value)) =
                (eval(cx, l, 0), string_value(cx, r))
            {
                flow::hardcoded(cx, &env, &value, "default", r);
            }
        }
        _ => {}
    }
}

/// `getEnv('DB_PASSWORD', 'dev-secret')`, `config.get('API_TOKEN', '…')`.
fn env_fallback_call<'t>(cx: &mut Cx<'t>, n: Node<'t>, func: Node<'t>) {
    let (name, recv) = match func.kind() {
        "member_expression" => (
            field(func, "property").map(|p| cx.text(p)).unwrap_or(""),
            field(func, "object").map(|o| cx.text(o)).unwrap_or(""),
        ),
        _ => (cx.text(func), ""),
    };
    let env_read = flow::maybe_env_helper(name)
        || (name == "get" && recv.to_ascii_lowercase().contains("config"));
    if !env_read {
        return;
    }
    let args = args_of(n);
    if args.len() < 2 {
        return;
    }
    if let Expr::Env {
        name,
        default: Some(_),
    } = eval(cx, n, 0)
    {
        let d = unwrap(args[1]);
        if let Some(value) = string_value(cx, d) {
            flow::hardcoded(cx, &name, &value, "default", d);
        }
    }
}

// ----- retries -------------------------------------------------------------------------------

fn constant_true(cx: &Cx, cond: Option<Node>) -> bool {
    cond.is_some_and(|c| {
        let t = cx
            .text(c)
            .trim()
            .trim_start_matches('(')
            .trim_end_matches(')')
            .trim();
        t == "true" || t == "1" || t == "!0"
    })
}

fn loop_info<'t>(cx: &Cx<'t>, l: Node<'t>) -> LoopInfo<'t> {
    let cond = field(l, "condition");
    let shape = match l.kind() {
        "while_statement" | "do_statement" => {
            if constant_true(cx, cond) {
                LoopShape::Infinite
            } else {
                LoopShape::Conditional
            }
        }
        "for_statement" => {
            let real_cond = cond.filter(|c| !matches!(c.kind(), ";" | "empty_statement"));
            match real_cond {
                None => LoopShape::Infinite,
                Some(c) if constant_true(cx, Some(c)) => LoopShape::Infinite,
                Some(_) if field(l, "increment").is_some() => LoopShape::Counted,
                Some(_) => LoopShape::Conditional,
            }
        }
        _ => LoopShape::Iteration,
    };
    LoopInfo {
        node: l,
        shape,
        head: cond,
    }
}

/// axios-retry, async-retry, p-retry and node-retry configurations.
fn retry_library<'t>(cx: &mut Cx<'t>, n: Node<'t>, func: Node<'t>, q: &str) {
    let module = module_of(q);
    if !matches!(module, "axios-retry" | "async-retry" | "p-retry" | "retry") {
        return;
    }
    let _ = func;
    let args = args_of(n);
    let opts_at = |i: usize| args.get(i).copied();
    let prop_text = |o: Option<Node<'t>>, k: &str| {
        o.and_then(|o| object_prop(cx, o, k, 0))
            .map(|v| cx.text(v).to_string())
    };
    let infinite = |t: &Option<String>| {
        t.as_deref().is_some_and(|v| {
            v.contains("Infinity")
                || v.contains("MAX_SAFE_INTEGER")
                || v.len() >= 5 && v.chars().all(|c| c.is_ascii_digit())
        })
    };
    let (detail, bounded, backoff) = match module {
        "axios-retry" if q == "axios-retry" || q.ends_with(".default") => {
            let o = opts_at(1);
            let retries = prop_text(o, "retries");
            (
                "axiosRetry",
                !infinite(&retries),
                prop_text(o, "retryDelay").is_some(),
            )
        }
        "async-retry" | "p-retry" => {
            let o = opts_at(1);
            let forever = prop_text(o, "forever").is_some_and(|v| v == "true");
            let retries = prop_text(o, "retries");
            let min = prop_text(o, "minTimeout");
            (
                module,
                !forever && !infinite(&retries),
                min.is_none_or(|m| m != "0"),
            )
        }
        "retry" if q.ends_with("operation") => {
            let o = opts_at(0);
            let forever = prop_text(o, "forever").is_some_and(|v| v == "true");
            let retries = prop_text(o, "retries");
            ("retry.operation", !forever && !infinite(&retries), true)
        }
        _ => return,
    };
    let loc = cx.loc(n);
    cx.flow.retries.push(RetryLoop {
        mechanism: "library".into(),
        detail: expr::short_text(&format!("{detail}: {}", cx.text(n))),
        bounded,
        backoff,
        loc,
    });
}
