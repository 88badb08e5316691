//! Go security indicators. Go's decoders (`encoding/json`, `encoding/gob`, `yaml.v3`) build
//! only the types the program names, so they are not code-execution sinks; what is recorded is
//! evaluating data as code (yaegi `Eval`, goja `RunString`, otto `Run`) with where the input
//! comes from. Also request and message handlers (net/http, gin, echo, chi, fiber; NATS and
//! Pub/Sub callbacks, kafka-go / amqp / sarama consumers), retry loops and retry libraries
//! (cenkalti/backoff, retry-go), secrets in logs, and credentials written in the code.

use super::super::flow::{self, within, FnDef, HandlerHooks, Lang, LoopInfo, LoopShape, Step};
use super::super::{expr, field, named_children, Captures, Cx};
use super::{args_of, eval, origin, pkg_sel, string_lit, strip};
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
    for &r in caps.get("ret") {
        if let Some(list) = named_children(r).into_iter().next() {
            let first = if list.kind() == "expression_list" {
                named_children(list).into_iter().next()
            } else {
                Some(list)
            };
            cx.flow.returns.extend(first);
        }
    }
    cx.flow.calls.extend_from_slice(caps.get("call"));
    cx.flow.seal();
    flow::link_handlers(cx, &HOOKS);
    let imports: Vec<String> = cx.imports.values().cloned().collect();
    let has = |m: &str| imports.iter().any(|p| p.contains(m));
    let (yaegi, goja, otto) = (
        has("traefik/yaegi"),
        has("dop251/goja"),
        has("robertkrimen/otto"),
    );
    for &n in caps.get("call") {
        let Some(func) = field(n, "function") else {
            continue;
        };
        let name = match func.kind() {
            "selector_expression" => field(func, "field").map(|f| cx.text(f)).unwrap_or(""),
            "identifier" => cx.text(func),
            _ => continue,
        };
        if (yaegi || goja || otto)
            && matches!(name, "Eval" | "EvalWithContext" | "RunString" | "Run")
        {
            sink(cx, n, yaegi, goja, otto);
        }
        const LOG_PREFIXES: &[&str] = &[
            "Print", "Debug", "Info", "Warn", "Error", "Fatal", "Panic", "Trace", "Msg", "Fprint",
            "Log",
        ];
        if LOG_PREFIXES.iter().any(|p| name.starts_with(p)) {
            log(cx, n);
        }
        if name.starts_with("Retry") || name == "Do" {
            retry_library(cx, n);
        }
        if name == "Or" || flow::maybe_env_helper(name) {
            env_fallback(cx, n);
        }
    }
    for &n in caps.get("svd").iter().chain(caps.get("assign")) {
        if let (Some(l), Some(r)) = (field(n, "left"), field(n, "right")) {
            pairs(cx, named_children(l), named_children(r), "assignment");
        }
    }
    for &n in caps.get("spec") {
        let mut c = n.walk();
        let names: Vec<Node> = n.children_by_field_name("name", &mut c).collect();
        let values = field(n, "value").map(named_children).unwrap_or_default();
        pairs(cx, names, values, "assignment");
    }
    for &n in caps.get("keyed") {
        let (Some(k), Some(v)) = (field(n, "key"), field(n, "value")) else {
            continue;
        };
        let (Some(kn), Some(vn)) = (
            named_children(k).into_iter().next(),
            named_children(v).into_iter().next(),
        ) else {
            continue;
        };
        let key = match kn.kind() {
            "identifier" | "field_identifier" => Some(cx.text(kn).to_string()),
            _ => string_lit(cx, kn),
        };
        if let (Some(key), Some(value)) = (key, string_lit(cx, vn)) {
            flow::hardcoded(cx, &key, &value, "field", vn);
        }
    }
    let loops: Vec<LoopInfo> = caps.get("loop").iter().map(|&l| loop_info(cx, l)).collect();
    flow::retry_loops(cx, &loops);
    flow::token_literals(cx);
}

fn pairs<'t>(cx: &mut Cx<'t>, names: Vec<Node<'t>>, values: Vec<Node<'t>>, context: &str) {
    if names.len() != values.len() {
        return;
    }
    for (name, value) in names.into_iter().zip(values) {
        let key = match name.kind() {
            "identifier" => cx.text(name).to_string(),
            "selector_expression" => match field(name, "field") {
                Some(f) => cx.text(f).to_string(),
                None => continue,
            },
            _ => continue,
        };
        if !flow::credential_like(&key) {
            continue;
        }
        if let Some(v) = string_lit(cx, value) {
            flow::hardcoded(cx, &key, &v, context, value);
        }
    }
}

// ----- functions -----------------------------------------------------------------------------

fn functions<'t>(cx: &mut Cx<'t>, caps: &Captures<'t>) {
    for &n in caps.get("scope") {
        let name = match n.kind() {
            "function_declaration" | "method_declaration" => {
                field(n, "name").map(|x| cx.text(x).to_string())
            }
            "func_literal" => literal_name(cx, n),
            _ => None,
        }
        .unwrap_or_else(|| "<anonymous>".into());
        let mut params = Vec::new();
        if let Some(list) = field(n, "parameters") {
            for p in named_children(list) {
                let ty = field(p, "type").map(|t| cx.text(t).to_string());
                let mut c = p.walk();
                for name in p.children_by_field_name("name", &mut c) {
                    params.push((cx.text(name).to_string(), ty.clone()));
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

/// The variable or field a function literal is assigned to.
fn literal_name(cx: &Cx, n: Node) -> Option<String> {
    let list = n.parent().filter(|p| p.kind() == "expression_list")?;
    let decl = list.parent()?;
    if !matches!(
        decl.kind(),
        "short_var_declaration" | "assignment_statement"
    ) {
        return None;
    }
    let left = field(decl, "left")?;
    let i = named_children(list).iter().position(|c| c.id() == n.id())?;
    named_children(left)
        .get(i)
        .map(|l| cx.text(*l).rsplit('.').next().unwrap_or("").to_string())
}

// ----- the walk ------------------------------------------------------------------------------

fn step<'t>(cx: &Cx<'t>, n: Node<'t>) -> Step<'t> {
    match n.kind() {
        "interpreted_string_literal"
        | "raw_string_literal"
        | "int_literal"
        | "float_literal"
        | "true"
        | "false"
        | "nil" => Step::Source(DataSource::Constant, n),
        "identifier" => identifier(cx, n),
        "selector_expression" => {
            let Some(op) = field(n, "operand") else {
                return Step::Unknown;
            };
            if pkg_sel(cx, n).is_some() {
                return Step::Unknown;
            }
            Step::Follow(vec![op])
        }
        "call_expression" => call_step(cx, n),
        "type_conversion_expression" => match field(n, "operand") {
            Some(o) => Step::Follow(vec![o]),
            None => Step::Unknown,
        },
        "unary_expression" => match field(n, "operand") {
            Some(o) => Step::Follow(vec![o]),
            None => Step::Unknown,
        },
        "index_expression" | "slice_expression" => match field(n, "operand") {
            Some(o) => Step::Follow(vec![o]),
            None => Step::Unknown,
        },
        "parenthesized_expression" | "binary_expression" => Step::Follow(named_children(n)),
        _ => Step::Unknown,
    }
}

fn identifier<'t>(cx: &Cx<'t>, n: Node<'t>) -> Step<'t> {
    if let Some(it) = range_of(cx, n) {
        return Step::Follow(vec![it]);
    }
    match cx.lookup(cx.text(n), n.start_byte()) {
        Some(b) => match b.value {
            Some(v) if b.index == 0 && !within(n, v) => Step::Follow(vec![v]),
            Some(_) => Step::Unknown,
            None => Step::Param(n),
        },
        None => Step::Param(n),
    }
}

/// `for d := range deliveries`: the ranged-over value.
fn range_of<'t>(cx: &Cx<'t>, n: Node<'t>) -> Option<Node<'t>> {
    let name = cx.text(n);
    let mut cur = n;
    for _ in 0..60 {
        let p = cur.parent()?;
        match p.kind() {
            "function_declaration" | "method_declaration" | "func_literal" => return None,
            "for_statement" => {
                if let Some(rc) = named_children(p)
                    .into_iter()
                    .find(|c| c.kind() == "range_clause")
                {
                    if let Some(left) = field(rc, "left") {
                        if !within(n, left)
                            && named_children(left)
                                .iter()
                                .any(|l| l.kind() == "identifier" && cx.text(*l) == name)
                        {
                            return field(rc, "right");
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

const PASS_ARG: &[&str] = &[
    "ReadAll",
    "NewReader",
    "NewBuffer",
    "NewBufferString",
    "NewScanner",
    "DecodeString",
    "Decode",
    "Unquote",
    "QueryUnescape",
    "TrimSpace",
    "Decrypt",
];

fn call_step<'t>(cx: &Cx<'t>, n: Node<'t>) -> Step<'t> {
    let Some(func) = field(n, "function") else {
        return Step::Unknown;
    };
    let args = args_of(n);
    if let Some((path, f)) = pkg_sel(cx, func) {
        return match (path, f) {
            ("os" | "io/ioutil", "ReadFile" | "Open" | "OpenFile") => {
                Step::Source(DataSource::File, n)
            }
            ("embed", _) => Step::Source(DataSource::File, n),
            (_, f) if PASS_ARG.contains(&f) => Step::Follow(args.into_iter().take(1).collect()),
            _ => Step::Unknown,
        };
    }
    match func.kind() {
        "identifier" => {
            let name = cx.text(func);
            if matches!(name, "string" | "[]byte") {
                return Step::Follow(args.into_iter().take(1).collect());
            }
            if !cx.flow.fns_named(name).is_empty() {
                return Step::Local(name.to_string(), n);
            }
            Step::Unknown
        }
        "selector_expression" => {
            let name = field(func, "field").map(|f| cx.text(f)).unwrap_or("");
            if name == "Accept" {
                return Step::Source(DataSource::Socket, n);
            }
            let is_method = cx
                .flow
                .fns_named(name)
                .iter()
                .any(|&i| cx.flow.fns[i].node.kind() == "method_declaration");
            if is_method {
                return Step::Local(name.to_string(), n);
            }
            let mut follow: Vec<Node> = field(func, "operand").into_iter().collect();
            if PASS_ARG.contains(&name) {
                follow.extend(args.first().copied());
            }
            Step::Follow(follow)
        }
        "parenthesized_type" | "slice_type" | "array_type" => {
            Step::Follow(args.into_iter().take(1).collect())
        }
        _ => Step::Unknown,
    }
}

fn arg<'t>(_cx: &Cx<'t>, call: Node<'t>, index: usize, _name: &str) -> Option<Node<'t>> {
    args_of(call).get(index).copied()
}

fn param_source(_name: &str, ty: Option<&str>) -> Option<DataSource> {
    let ty = ty?;
    const REQUEST: &[&str] = &[
        "http.Request",
        "gin.Context",
        "echo.Context",
        "fiber.Ctx",
        "fasthttp.RequestCtx",
    ];
    const MESSAGE: &[&str] = &[
        "nats.Msg",
        "jetstream.Msg",
        "amqp.Delivery",
        "amqp091.Delivery",
        "kafka.Message",
        "sarama.ConsumerMessage",
        "pubsub.Message",
        "types.Message",
        "sqs.Message",
        "events.SQSEvent",
        "events.SQSMessage",
        "events.SNSEvent",
    ];
    if REQUEST.iter().any(|t| ty.contains(t)) {
        return Some(DataSource::Request);
    }
    if MESSAGE.iter().any(|t| ty.contains(t)) {
        return Some(DataSource::Message);
    }
    if ty.contains("net.Conn") {
        return Some(DataSource::Socket);
    }
    None
}

// ----- handlers ------------------------------------------------------------------------------

fn fn_node<'t>(cx: &Cx<'t>, n: Node<'t>, depth: usize) -> Option<Node<'t>> {
    if depth > 3 {
        return None;
    }
    let n = strip(n);
    match n.kind() {
        "func_literal" => Some(n),
        "identifier" => {
            let i = *cx.flow.fns_named(cx.text(n)).first()?;
            Some(cx.flow.fns[i].node)
        }
        "selector_expression" => {
            let f = field(n, "field")?;
            let i = *cx.flow.fns_named(cx.text(f)).first()?;
            Some(cx.flow.fns[i].node)
        }
        // `http.HandlerFunc(h)`, `auth(h)`: the wrapped handler.
        "call_expression" | "type_conversion_expression" => args_of(n)
            .into_iter()
            .chain(field(n, "operand"))
            .rev()
            .find_map(|a| fn_node(cx, a, depth + 1)),
        _ => None,
    }
}

fn route_handler<'t>(cx: &Cx<'t>, at: Node<'t>) -> Option<Node<'t>> {
    if at.kind() != "call_expression" {
        return None;
    }
    let args = args_of(at);
    args.iter().skip(1).rev().find_map(|a| fn_node(cx, *a, 0))
}

fn consumer_callbacks<'t>(cx: &Cx<'t>, at: Node<'t>) -> Vec<Node<'t>> {
    if at.kind() != "call_expression" {
        return Vec::new();
    }
    args_of(at)
        .into_iter()
        .filter(|a| {
            !matches!(
                a.kind(),
                "interpreted_string_literal" | "raw_string_literal"
            )
        })
        .filter_map(|a| {
            let s = strip(a);
            match s.kind() {
                "func_literal" => Some(s),
                "identifier" | "selector_expression" => fn_node(cx, s, 0),
                _ => None,
            }
        })
        .collect()
}

// ----- sinks ---------------------------------------------------------------------------------

fn sink<'t>(cx: &mut Cx<'t>, n: Node<'t>, yaegi: bool, goja: bool, otto: bool) {
    let Some(func) = field(n, "function").filter(|f| f.kind() == "selector_expression") else {
        return;
    };
    if pkg_sel(cx, func).is_some() {
        return;
    }
    let name = field(func, "field").map(|f| cx.text(f)).unwrap_or("");
    let args = args_of(n);
    let (lib, input) = match name {
        "Eval" if yaegi => ("yaegi", args.first().copied()),
        "EvalWithContext" if yaegi => ("yaegi", args.get(1).copied()),
        "RunString" if goja => ("goja", args.first().copied()),
        "Run" if otto => ("otto", args.first().copied()),
        _ => return,
    };
    if input.is_some_and(|i| string_lit(cx, i).is_some()) {
        return;
    }
    let call = cx.text(func).to_string();
    flow::deserialization(cx, &LANG, n, lib, &call, input);
}

// ----- logs ----------------------------------------------------------------------------------

fn is_log_call(cx: &Cx, func: Node) -> bool {
    if let Some((path, f)) = pkg_sel(cx, func) {
        return match path {
            "log" => f.starts_with("Print") || f.starts_with("Fatal") || f.starts_with("Panic"),
            "fmt" => matches!(f, "Printf" | "Println" | "Print"),
            "log/slog" => matches!(f, "Info" | "Debug" | "Warn" | "Error" | "Log"),
            p if p.contains("logrus") || p.contains("zerolog") || p.contains("glog") => true,
            _ => false,
        };
    }
    let Some(f) = field(func, "field") else {
        return false;
    };
    let name = cx.text(f);
    let level = [
        "Print", "Debug", "Info", "Warn", "Error", "Fatal", "Panic", "Trace", "Msg",
    ]
    .iter()
    .any(|l| name.starts_with(l));
    let recv = field(func, "operand")
        .map(|o| cx.text(o).to_ascii_lowercase())
        .unwrap_or_default();
    level && (recv.contains("log") || recv.contains("sugar") || recv.contains("zap"))
}

fn log<'t>(cx: &mut Cx<'t>, n: Node<'t>) {
    let Some(func) = field(n, "function").filter(|f| f.kind() == "selector_expression") else {
        return;
    };
    let mut names = Vec::new();
    let mut budget = 200;
    let fprint = matches!(
        pkg_sel(cx, func),
        Some(("fmt", "Fprintf" | "Fprintln" | "Fprint"))
    ) && args_of(n)
        .first()
        .is_some_and(|w| matches!(cx.text(*w), "os.Stdout" | "os.Stderr"));
    if !fprint && !is_log_call(cx, func) {
        return;
    }
    log_args(cx, &args_of(n), &mut names, &mut budget);
    // `log.WithField("token", t).Info(...)`, `logger.With(zap.String(...)).Info(...)`
    let mut recv = field(func, "operand");
    for _ in 0..4 {
        let Some(r) = recv.filter(|r| r.kind() == "call_expression") else {
            break;
        };
        let name = field(r, "function")
            .and_then(|f| field(f, "field"))
            .map(|f| cx.text(f))
            .unwrap_or("");
        if name.starts_with("With") {
            log_args(cx, &args_of(r), &mut names, &mut budget);
        }
        recv = field(r, "function").and_then(|f| field(f, "operand"));
    }
    let logger = cx.text(func).to_string();
    flow::secret_log(cx, &logger, names, n);
}

/// Arguments of a log call: a literal followed by a value is a structured key.
fn log_args(cx: &Cx, args: &[Node], out: &mut Vec<LoggedName>, budget: &mut u32) {
    for (i, a) in args.iter().enumerate() {
        if let Some(key) = string_lit(cx, *a) {
            if i > 0
                && args
                    .get(i + 1)
                    .is_some_and(|v| string_lit(cx, *v).is_none())
            {
                out.push(LoggedName {
                    name: key,
                    kind: NameKind::Key,
                });
            }
            continue;
        }
        log_names(cx, *a, out, 0, budget);
    }
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
        "selector_expression" => {
            if pkg_sel(cx, n).is_some() {
                return;
            }
            if let Some(f) = field(n, "field") {
                out.push(LoggedName {
                    name: cx.text(f).to_string(),
                    kind: NameKind::Variable,
                });
            }
        }
        "call_expression" => {
            env_names(&eval(cx, n, 0), out);
            let Some(func) = field(n, "function") else {
                return;
            };
            let args = args_of(n);
            let name = match func.kind() {
                "selector_expression" => field(func, "field").map(|f| cx.text(f)).unwrap_or(""),
                _ => cx.text(func),
            };
            let recv = field(func, "operand").map(|o| cx.text(o).to_ascii_lowercase());
            if name == "Get" && recv.is_some_and(|r| r.contains("header")) {
                if let Some(h) = args.first().and_then(|a| string_lit(cx, *a)) {
                    out.push(LoggedName {
                        name: h,
                        kind: NameKind::Header,
                    });
                }
                return;
            }
            if let Some(("fmt", "Sprintf" | "Sprint" | "Sprintln")) = pkg_sel(cx, func) {
                for a in &args[1.min(args.len())..] {
                    log_names(cx, *a, out, depth + 1, budget);
                }
                return;
            }
            // zap / zerolog fields: `zap.String("token", t)`.
            let pkg = field(func, "operand").map(|o| cx.text(o)).unwrap_or("");
            if matches!(pkg, "zap" | "slog")
                || matches!(name, "Str" | "Interface" | "Any" | "String") && args.len() == 2
            {
                if let Some(k) = args.first().and_then(|a| string_lit(cx, *a)) {
                    out.push(LoggedName {
                        name: k,
                        kind: NameKind::Key,
                    });
                }
                if let Some(v) = args.get(1) {
                    log_names(cx, *v, out, depth + 1, budget);
                }
                return;
            }
            if matches!(name, "string" | "TrimSpace") {
                for a in args {
                    log_names(cx, a, out, depth + 1, budget);
                }
            }
        }
        "type_conversion_expression" => {
            if let Some(o) = field(n, "operand") {
                log_names(cx, o, out, depth + 1, budget);
            }
        }
        // Comparisons log a boolean, not the value.
        "binary_expression" if field(n, "operator").is_some_and(|o| cx.text(o) == "+") => {
            for c in named_children(n) {
                log_names(cx, c, out, depth + 1, budget);
            }
        }
        _ => {}
    }
}

// ----- credentials in code -------------------------------------------------------------------

/// `cmp.Or(os.Getenv("DB_PASSWORD"), "dev-secret")`, `getEnv("API_TOKEN", "…")`.
fn env_fallback<'t>(cx: &mut Cx<'t>, n: Node<'t>) {
    let Some(func) = field(n, "function") else {
        return;
    };
    let name = match func.kind() {
        "selector_expression" => field(func, "field").map(|f| cx.text(f)).unwrap_or(""),
        _ => cx.text(func),
    };
    if !(name == "Or" || flow::maybe_env_helper(name)) {
        return;
    }
    let args = args_of(n);
    if args.len() != 2 {
        return;
    }
    if let Expr::Env {
        name,
        default: Some(_),
    } = eval(cx, n, 0)
    {
        if let Some(value) = string_lit(cx, args[1]) {
            flow::hardcoded(cx, &name, &value, "default", args[1]);
        }
    }
}

// ----- retries -------------------------------------------------------------------------------

fn loop_info<'t>(cx: &Cx<'t>, l: Node<'t>) -> LoopInfo<'t> {
    let kids = named_children(l);
    let clause = kids
        .iter()
        .find(|c| matches!(c.kind(), "for_clause" | "range_clause"));
    let (shape, head) = match clause {
        Some(c) if c.kind() == "range_clause" => (LoopShape::Iteration, field(*c, "right")),
        Some(c) => match field(*c, "condition") {
            None => (LoopShape::Infinite, None),
            Some(cond) => (LoopShape::Counted, Some(cond)),
        },
        None => match kids.iter().find(|c| c.kind() != "block") {
            None => (LoopShape::Infinite, None),
            Some(cond) if cx.text(*cond) == "true" => (LoopShape::Infinite, Some(*cond)),
            Some(cond) => (LoopShape::Conditional, Some(*cond)),
        },
    };
    LoopInfo {
        node: l,
        shape,
        head,
    }
}

/// cenkalti/backoff and retry-go configurations.
fn retry_library<'t>(cx: &mut Cx<'t>, n: Node<'t>) {
    let Some(func) = field(n, "function") else {
        return;
    };
    let Some((path, f)) = pkg_sel(cx, func) else {
        return;
    };
    let args = args_of(n);
    let (bounded, backoff) = if path.contains("cenkalti/backoff") && f.starts_with("Retry") {
        let Some(b) = args.get(1) else { return };
        let text = format!("{} {}", cx.text(*b), cx.text(origin(cx, *b)));
        let capped = text.contains("WithMaxRetries") || text.contains("WithContext");
        let zero = text.contains("ZeroBackOff");
        let constant = text.contains("ConstantBackOff");
        let no_limit = cx.src.contains("MaxElapsedTime = 0");
        (capped || !(zero || constant || no_limit), !zero)
    } else if path.contains("avast/retry-go") && f == "Do" {
        let text: String = args.iter().map(|a| cx.text(*a)).collect();
        (!text.contains("Attempts(0)"), !text.contains("Delay(0)"))
    } else {
        return;
    };
    let loc = cx.loc(n);
    cx.flow.retries.push(RetryLoop {
        mechanism: "library".into(),
        detail: expr::short_text(cx.text(n)),
        bounded,
        backoff,
        loc,
    });
}
