//! Go: net/http (package functions, `NewRequest` + `client.Do`, `http.Client{Timeout}`),
//! resty, grpc-go, database/sql, sqlx, pgx, gorm, mongo-go-driver, go-redis, kafka-go, sarama,
//! confluent-kafka-go, amqp (streadway / amqp091-go), NATS, SQS/SNS, Pub/Sub; net/http,
//! gorilla/mux, gin, echo, chi and fiber routes; `InsecureSkipVerify: true`.

use std::collections::{HashMap, HashSet};

use super::expr::{self, concat, host_port};
use super::MAX_DEPTH;
use super::{db_technology, field, is_auth_name, join_path, named_children, Captures, Cx};
use stridemap_model::code::{CallKind, Expr, MessagingRole};
use tree_sitter::Node;

mod indicators;

pub(super) const QUERY: &str = r#"
(function_declaration) @scope
(method_declaration) @scope
(func_literal) @scope
(short_var_declaration) @svd
(var_spec) @spec
(const_spec) @spec
(assignment_statement) @assign
(parameter_declaration) @param
(variadic_parameter_declaration) @param
(field_declaration) @field
(import_spec) @import
(call_expression) @call
(composite_literal) @composite
(keyed_element
  key: (literal_element (identifier) @_k)
  value: (literal_element (true))
  (#eq? @_k "InsecureSkipVerify")) @tls
(return_statement) @ret
(for_statement) @loop
(keyed_element) @keyed
"#;

pub(super) fn extract<'t>(cx: &mut Cx<'t>, caps: &Captures<'t>) {
    for &n in caps.get("scope") {
        cx.add_scope(n, false);
    }
    cx.seal_scopes();
    for &n in caps.get("import") {
        import(cx, n);
    }
    for &n in caps.get("param") {
        let ty = field(n, "type");
        let mut c = n.walk();
        let names: Vec<Node> = n.children_by_field_name("name", &mut c).collect();
        for name in names {
            let t = cx.text(name);
            let scope = cx.scope_at(n.start_byte());
            cx.bind_full(t, scope, n.end_byte(), None, 0, ty);
        }
    }
    for &n in caps.get("field") {
        let ty = field(n, "type");
        let mut c = n.walk();
        let names: Vec<Node> = n.children_by_field_name("name", &mut c).collect();
        for name in names {
            let key = format!(".{}", cx.text(name));
            let scope = cx.scope_at(0);
            cx.bind_full(&key, scope, n.end_byte(), None, 0, ty);
        }
    }
    for &n in caps.get("svd") {
        let (Some(l), Some(r)) = (field(n, "left"), field(n, "right")) else {
            continue;
        };
        bind_lists(cx, n, named_children(l), named_children(r), None);
    }
    for &n in caps.get("spec") {
        let mut c = n.walk();
        let names: Vec<Node> = n.children_by_field_name("name", &mut c).collect();
        let values = field(n, "value").map(named_children).unwrap_or_default();
        bind_lists(cx, n, names, values, field(n, "type"));
    }
    for &n in caps.get("assign") {
        let (Some(l), Some(r)) = (field(n, "left"), field(n, "right")) else {
            continue;
        };
        let (ls, rs) = (named_children(l), named_children(r));
        for (i, left) in ls.iter().enumerate() {
            if left.kind() == "selector_expression"
                && field(*left, "field").map(|f| cx.text(f)) == Some("InsecureSkipVerify")
                && rs.get(i).is_some_and(|v| v.kind() == "true")
            {
                cx.insecure_tls(n, "InsecureSkipVerify = true");
            }
        }
        if field(n, "operator").map(|o| cx.text(o)) == Some("=") {
            bind_lists(cx, n, ls, rs, None);
        }
    }
    for &n in caps.get("tls") {
        cx.insecure_tls(n, "InsecureSkipVerify: true");
    }

    let mut state = State::default();
    let calls = caps.get("call");
    for &n in calls {
        prepass(cx, &mut state, n);
    }
    for &n in calls {
        call(cx, &mut state, n);
    }
    for &n in caps.get("composite") {
        composite(cx, &state, n);
    }
    indicators::run(cx, caps);
}

fn bind_lists<'t>(
    cx: &mut Cx<'t>,
    at: Node<'t>,
    names: Vec<Node<'t>>,
    values: Vec<Node<'t>>,
    ty: Option<Node<'t>>,
) {
    let scope = cx.scope_at(at.start_byte());
    for (i, name) in names.iter().enumerate() {
        if name.kind() != "identifier" {
            continue;
        }
        let text = cx.text(*name);
        if text == "_" {
            continue;
        }
        let (value, index) = if values.len() == names.len() {
            (values.get(i).copied(), 0)
        } else if values.len() == 1 {
            (values.first().copied(), i)
        } else {
            (None, 0)
        };
        cx.bind_full(text, scope, at.end_byte(), value, index, ty);
    }
}

fn import<'t>(cx: &mut Cx<'t>, n: Node<'t>) {
    let Some(path) = field(n, "path").and_then(|p| string_lit(cx, p)) else {
        return;
    };
    let local = match field(n, "name").map(|x| cx.text(x)) {
        Some("_") | Some(".") => return,
        Some(name) => name.to_string(),
        None => default_package_name(&path),
    };
    cx.imports.insert(local, path);
}

/// The package name Go gives an import path by convention.
fn default_package_name(path: &str) -> String {
    let mut segs: Vec<&str> = path.split('/').collect();
    let mut last = segs.pop().unwrap_or("");
    let is_version =
        |s: &str| s.len() >= 2 && s.starts_with('v') && s[1..].chars().all(|c| c.is_ascii_digit());
    if is_version(last) {
        last = segs.pop().unwrap_or(last);
    }
    let mut name = last;
    for suffix in [".go", "-go", ".v1", ".v2", ".v3", ".v4", ".v5"] {
        if let Some(s) = name.strip_suffix(suffix) {
            name = s;
        }
    }
    if let Some(s) = name.strip_prefix("go-") {
        name = s;
    }
    name.replace(['-', '.'], "_")
}

fn string_lit(cx: &Cx, n: Node) -> Option<String> {
    let t = cx.text(n);
    match n.kind() {
        "interpreted_string_literal" => Some(expr::unescape(
            t.get(1..t.len().saturating_sub(1)).unwrap_or(""),
        )),
        "raw_string_literal" => Some(t.get(1..t.len().saturating_sub(1)).unwrap_or("").into()),
        _ => None,
    }
}

// ----- values --------------------------------------------------------------------------------

/// `pkg.Name` with `pkg` an import: (import path, name).
fn pkg_sel<'t>(cx: &'t Cx, func: Node) -> Option<(&'t str, &'t str)> {
    if func.kind() != "selector_expression" {
        return None;
    }
    let op = field(func, "operand")?;
    if op.kind() != "identifier" {
        return None;
    }
    let path = cx.imports.get(cx.text(op))?;
    // A local variable shadowing the package name is not the package.
    if cx
        .lookup(cx.text(op), op.start_byte())
        .is_some_and(|b| b.scope.start != 0 || b.value.is_some())
    {
        return None;
    }
    Some((path.as_str(), cx.text(field(func, "field")?)))
}

fn path_is(path: &str, name: &str) -> bool {
    path == name || path.ends_with(&format!("/{name}"))
}

fn args_of<'t>(n: Node<'t>) -> Vec<Node<'t>> {
    field(n, "arguments")
        .map(named_children)
        .unwrap_or_default()
}

fn strip<'t>(n: Node<'t>) -> Node<'t> {
    let mut cur = n;
    for _ in 0..8 {
        match cur.kind() {
            "parenthesized_expression" | "variadic_argument" => {
                match named_children(cur).into_iter().next() {
                    Some(i) => cur = i,
                    None => return cur,
                }
            }
            "unary_expression" if field(cur, "operator").map(|o| o.kind()) == Some("&") => {
                match field(cur, "operand") {
                    Some(i) => cur = i,
                    None => return cur,
                }
            }
            _ => return cur,
        }
    }
    cur
}

fn eval(cx: &Cx, n: Node, depth: usize) -> Expr {
    if depth > MAX_DEPTH || !cx.tick() {
        return cx.unknown(n);
    }
    let n = strip(n);
    match n.kind() {
        "interpreted_string_literal" | "raw_string_literal" => {
            Expr::literal(string_lit(cx, n).unwrap_or_default())
        }
        "int_literal" => Expr::literal(cx.text(n)),
        "identifier" => {
            let name = cx.text(n);
            match cx.lookup(name, n.start_byte()) {
                Some(b) => match b.value {
                    Some(v) if b.index == 0 && v.id() != n.id() => eval(cx, v, depth + 1),
                    _ => Expr::unknown(name),
                },
                None => Expr::unknown(name),
            }
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
        "call_expression" => call_value(cx, n, depth),
        "selector_expression" => {
            if let Some(("github.com/nats-io/nats.go", "DefaultURL")) = pkg_sel(cx, n) {
                return Expr::literal("nats://127.0.0.1:4222");
            }
            // `cfg.OrdersURL` with `cfg` a struct literal of this file.
            if let (Some(op), Some(f)) = (field(n, "operand"), field(n, "field")) {
                if let Some(v) = keyed(cx, op, cx.text(f)) {
                    return eval(cx, v, depth + 1);
                }
            }
            cx.unknown(n)
        }
        _ => cx.unknown(n),
    }
}

fn call_value(cx: &Cx, n: Node, depth: usize) -> Expr {
    let Some(func) = field(n, "function") else {
        return cx.unknown(n);
    };
    let args = args_of(n);
    let arg = |i: usize| args.get(i).map(|a| eval(cx, *a, depth + 1));
    let sel = pkg_sel(cx, func);
    let fname = match func.kind() {
        "selector_expression" => field(func, "field").map(|f| cx.text(f)).unwrap_or(""),
        "identifier" => cx.text(func),
        _ => "",
    };
    match sel {
        Some(("os", "Getenv" | "LookupEnv")) => {
            if let Some(Expr::Literal { value }) = arg(0) {
                return Expr::Env {
                    name: value,
                    default: None,
                };
            }
        }
        Some(("fmt", "Sprintf")) => {
            if let Some(Expr::Literal { value }) = arg(0) {
                let rest: Vec<Expr> = args[1..].iter().map(|a| eval(cx, *a, depth + 1)).collect();
                return expr::printf(&value, &rest);
            }
        }
        Some(("fmt", "Sprint")) => {
            return concat(args.iter().map(|a| eval(cx, *a, depth + 1)).collect());
        }
        Some(("net", "JoinHostPort")) => {
            if let (Some(h), Some(p)) = (arg(0), arg(1)) {
                return host_port(h, Some(p));
            }
        }
        Some(("cmp", "Or")) => {
            // `cmp.Or(os.Getenv("X"), "default")`
            if let Some(first @ Expr::Env { default: None, .. }) = arg(0) {
                if let Some(d) = arg(1) {
                    return expr::with_default(first, &d);
                }
                return first;
            }
        }
        Some((
            "strconv"
            | "strings"
            | "net/url"
            | "github.com/aws/aws-sdk-go-v2/aws"
            | "github.com/aws/aws-sdk-go/aws",
            "Itoa" | "TrimSuffix" | "TrimRight" | "TrimSpace" | "ToLower" | "PathEscape" | "String",
        )) => {
            if let Some(a) = arg(0) {
                return a;
            }
        }
        _ => {}
    }
    if fname == "String" && sel.is_none() && args.is_empty() {
        // `u.String()` on a URL value.
        if let Some(op) = field(func, "operand") {
            return eval(cx, op, depth + 1);
        }
    }
    if expr::is_env_helper(fname) {
        if let Some(Expr::Literal { value }) = arg(0) {
            if expr::looks_like_env_name(&value) {
                return Expr::Env {
                    name: value,
                    default: arg(1).and_then(|d| expr::default_of(&d)),
                };
            }
        }
    }
    cx.unknown(n)
}

/// Follows names to what they were assigned (index 0 of multi-value assignments), through `&`.
fn origin<'t>(cx: &Cx<'t>, n: Node<'t>) -> Node<'t> {
    let mut cur = strip(n);
    for _ in 0..MAX_DEPTH {
        if !cx.tick() || cur.kind() != "identifier" {
            return cur;
        }
        match cx.lookup(cx.text(cur), cur.start_byte()) {
            Some(b) if b.index == 0 => match b.value {
                Some(v) if v.id() != cur.id() => cur = strip(v),
                _ => return cur,
            },
            _ => return cur,
        }
    }
    cur
}

/// The declared type of a name (parameter, typed var) or struct field (`s.client`).
fn declared_type<'t>(cx: &Cx<'t>, n: Node<'t>) -> Option<&'t str> {
    let n = strip(n);
    match n.kind() {
        "identifier" => cx
            .lookup(cx.text(n), n.start_byte())
            .and_then(|b| b.ty)
            .map(|t| cx.text(t)),
        "selector_expression" => {
            let f = field(n, "field")?;
            cx.lookup(&format!(".{}", cx.text(f)), n.start_byte())
                .and_then(|b| b.ty)
                .map(|t| cx.text(t))
        }
        _ => None,
    }
}

/// The value of key `key` in a composite literal (followed through names and `&`).
fn keyed<'t>(cx: &Cx<'t>, lit: Node<'t>, key: &str) -> Option<Node<'t>> {
    let o = origin(cx, lit);
    if o.kind() != "composite_literal" {
        return None;
    }
    let body = field(o, "body")?;
    for el in named_children(body) {
        if el.kind() != "keyed_element" {
            continue;
        }
        let (Some(k), Some(v)) = (field(el, "key"), field(el, "value")) else {
            continue;
        };
        let kn = named_children(k).into_iter().next()?;
        let kt = match kn.kind() {
            "identifier" | "field_identifier" => cx.text(kn).to_string(),
            _ => string_lit(cx, kn).unwrap_or_default(),
        };
        if kt == key {
            return named_children(v).into_iter().next();
        }
    }
    None
}

/// The type of a composite literal as (import path, type name).
fn composite_type<'t>(cx: &'t Cx, lit: Node) -> Option<(&'t str, &'t str)> {
    let ty = field(lit, "type")?;
    if ty.kind() != "qualified_type" {
        return None;
    }
    let pkg = cx.text(field(ty, "package")?);
    let path = cx.imports.get(pkg).map(String::as_str).unwrap_or(pkg);
    Some((path, cx.text(field(ty, "name")?)))
}

/// A list of addresses: `[]string{"a", "b"}`, `kafka.TCP("a", "b")`, `strings.Split(x, ",")`.
fn list_expr(cx: &Cx, n: Node) -> Expr {
    let o = origin(cx, n);
    if o.kind() == "composite_literal" {
        if let Some(body) = field(o, "body") {
            let items: Vec<Expr> = named_children(body)
                .into_iter()
                .map(|el| match named_children(el).into_iter().next() {
                    Some(inner) => eval(cx, inner, 0),
                    None => cx.unknown(el),
                })
                .collect();
            if let Some(e) = expr::join_list(items) {
                return e;
            }
        }
    }
    if o.kind() == "call_expression" {
        if let Some(func) = field(o, "function") {
            let args = args_of(o);
            match pkg_sel(cx, func) {
                Some(("strings", "Split" | "Fields")) if !args.is_empty() => {
                    return eval(cx, args[0], 0)
                }
                Some((_, "TCP")) => {
                    let items = args.iter().map(|a| eval(cx, *a, 0)).collect();
                    return expr::join_list(items).unwrap_or_else(|| cx.unknown(o));
                }
                _ => {}
            }
        }
    }
    eval(cx, n, 0)
}

/// Bounded search of a subtree (and of what its names were assigned) for a call whose
/// function text satisfies `pred`.
fn find_call<'t>(cx: &Cx<'t>, n: Node<'t>, pred: &dyn Fn(&str) -> bool) -> Option<Node<'t>> {
    let mut stack = vec![(n, 0usize)];
    let mut seen = 0;
    while let Some((cur, hops)) = stack.pop() {
        seen += 1;
        if seen > 400 {
            return None;
        }
        if cur.kind() == "call_expression" {
            if let Some(f) = field(cur, "function") {
                if pred(cx.text(f)) {
                    return Some(cur);
                }
            }
        }
        if cur.kind() == "identifier" && hops < 3 {
            let o = origin(cx, cur);
            if o.id() != cur.id() {
                stack.push((o, hops + 1));
            }
            continue;
        }
        let mut c = cur.walk();
        for ch in cur.named_children(&mut c) {
            stack.push((ch, hops));
        }
    }
    None
}

// ----- pre-pass ------------------------------------------------------------------------------

#[derive(Default)]
struct State {
    /// `http.NewRequest` calls passed to `client.Do`: node id → timeout of that client.
    requests: HashMap<usize, Option<bool>>,
    /// Variables on which `SetTimeout` / `SetBaseURL` were called (resty).
    resty_timeout: HashSet<String>,
    resty_base: HashMap<String, Expr>,
    /// Auth middleware registered with `X.Use(mw)`, by receiver text and position.
    uses: HashMap<String, Vec<(usize, Vec<String>)>>,
    /// Brokers of sarama producers/consumers in the file.
    sarama_servers: Option<Expr>,
}

fn prepass<'t>(cx: &Cx<'t>, state: &mut State, n: Node<'t>) {
    let Some(func) = field(n, "function") else {
        return;
    };
    if func.kind() != "selector_expression" {
        return;
    }
    let name = field(func, "field").map(|f| cx.text(f)).unwrap_or("");
    let Some(op) = field(func, "operand") else {
        return;
    };
    let args = args_of(n);
    match name {
        "Do" if args.len() == 1 => {
            let req = origin(cx, args[0]);
            if is_new_request(cx, req) {
                let t = http_client_timeout(cx, op);
                state.requests.entry(req.id()).or_insert(t);
            }
        }
        "SetTimeout" => {
            state.resty_timeout.insert(cx.text(op).to_string());
        }
        "SetBaseURL" | "SetHostURL" if !args.is_empty() => {
            let base = eval(cx, args[0], 0);
            state.resty_base.insert(cx.text(op).to_string(), base);
        }
        "Use" => {
            let auth = middleware_auth(cx, &args, false);
            state
                .uses
                .entry(cx.text(op).to_string())
                .or_default()
                .push((n.start_byte(), auth));
        }
        _ => {}
    }
    if let Some(("github.com/IBM/sarama" | "github.com/Shopify/sarama", f)) = pkg_sel(cx, func) {
        if f.starts_with("New") && !args.is_empty() && state.sarama_servers.is_none() {
            state.sarama_servers = Some(list_expr(cx, args[0]));
        }
    }
}

fn is_new_request(cx: &Cx, n: Node) -> bool {
    n.kind() == "call_expression"
        && field(n, "function")
            .and_then(|f| pkg_sel(cx, f))
            .is_some_and(|(p, f)| p == "net/http" && f.starts_with("NewRequest"))
}

/// Timeout of an `*http.Client` expression: the default client has none, a literal shows it,
/// anything else is not known.
fn http_client_timeout(cx: &Cx, client: Node) -> Option<bool> {
    if cx.text(client) == "http.DefaultClient" {
        return Some(false);
    }
    let o = origin(cx, client);
    if o.kind() == "composite_literal" {
        if let Some(("net/http", "Client")) = composite_type(cx, o) {
            return Some(keyed(cx, o, "Timeout").is_some());
        }
    }
    if o.kind() == "selector_expression" && cx.text(o) == "http.DefaultClient" {
        return Some(false);
    }
    None
}

fn is_http_client(cx: &Cx, n: Node) -> bool {
    let o = origin(cx, n);
    if cx.text(o) == "http.DefaultClient" {
        return true;
    }
    if o.kind() == "composite_literal" {
        return matches!(composite_type(cx, o), Some(("net/http", "Client")));
    }
    declared_type(cx, n).is_some_and(|t| t.contains("http.Client"))
}

// ----- calls ---------------------------------------------------------------------------------

const CLIENT_VERBS: &[&str] = &["Get", "Post", "PostForm", "Head"];

fn call<'t>(cx: &mut Cx<'t>, state: &mut State, n: Node<'t>) {
    let Some(func) = field(n, "function") else {
        return;
    };
    let args = args_of(n);
    let arg = |cx: &Cx, i: usize| args.get(i).map(|a| eval(cx, *a, 0));
    if let Some((path, f)) = pkg_sel(cx, func) {
        let path = path.to_string();
        let f = f.to_string();
        if package_call(cx, state, n, &path, &f, &args) {
            return;
        }
    }
    if func.kind() != "selector_expression" {
        return;
    }
    let name = field(func, "field").map(|f| cx.text(f)).unwrap_or("");
    let Some(recv) = field(func, "operand") else {
        return;
    };

    // http.Client methods.
    if CLIENT_VERBS.contains(&name) && !args.is_empty() && is_http_client(cx, recv) {
        let method = if name == "PostForm" { "POST" } else { name };
        let target = arg(cx, 0).unwrap_or_else(|| cx.unknown(n));
        let timeout = http_client_timeout(cx, recv);
        cx.call(
            n,
            CallKind::Http,
            "net/http",
            Some(method),
            target,
            None,
            timeout,
            None,
        );
        return;
    }
    // resty: client.R()....Get(url)
    if matches!(
        name,
        "Get" | "Post" | "Put" | "Patch" | "Delete" | "Head" | "Options"
    ) && !args.is_empty()
    {
        if let Some(client) = resty_client(cx, recv) {
            let ctext = cx.text(client).to_string();
            let o = origin(cx, client);
            let chain_has = |m: &str| find_call(cx, o, &|t| t.ends_with(m)).is_some();
            // Known only when the client is built in this file.
            let built_here = find_call(cx, o, &|t| t == "resty.New").is_some();
            let timeout = if state.resty_timeout.contains(&ctext) || chain_has(".SetTimeout") {
                Some(true)
            } else if built_here {
                Some(false)
            } else {
                None
            };
            let base = state.resty_base.get(&ctext).cloned().or_else(|| {
                find_call(cx, o, &|t| {
                    t.ends_with(".SetBaseURL") || t.ends_with(".SetHostURL")
                })
                .and_then(|c| args_of(c).first().map(|a| eval(cx, *a, 0)))
            });
            let url = eval(cx, args[0], 0);
            let target = match base {
                Some(b) => concat(vec![b, url]),
                None => url,
            };
            cx.call(
                n,
                CallKind::Http,
                "resty",
                Some(name),
                target,
                None,
                timeout,
                None,
            );
            return;
        }
    }
    if messaging_method(cx, state, n, recv, name, &args) {
        return;
    }
    route(cx, state, n, recv, name, &args);
}

/// `c.R()` somewhere down a call chain: the resty client `c`.
fn resty_client<'t>(cx: &Cx<'t>, recv: Node<'t>) -> Option<Node<'t>> {
    let mut cur = recv;
    for _ in 0..16 {
        if cur.kind() != "call_expression" {
            return None;
        }
        let f = field(cur, "function")?;
        if f.kind() != "selector_expression" {
            return None;
        }
        let op = field(f, "operand")?;
        if cx.text(field(f, "field")?) == "R" {
            let o = origin(cx, op);
            let is_resty = find_call(cx, o, &|t| t == "resty.New").is_some()
                || declared_type(cx, op).is_some_and(|t| t.contains("resty."));
            return is_resty.then_some(op);
        }
        cur = op;
    }
    None
}

/// Calls of package functions; true when handled.
fn package_call<'t>(
    cx: &mut Cx<'t>,
    state: &mut State,
    n: Node<'t>,
    path: &str,
    f: &str,
    args: &[Node<'t>],
) -> bool {
    let arg = |cx: &Cx, i: usize| args.get(i).map(|a| eval(cx, *a, 0));
    match (path, f) {
        ("net/http", "Get" | "Post" | "PostForm" | "Head") => {
            let method = if f == "PostForm" { "POST" } else { f };
            let target = arg(cx, 0).unwrap_or_else(|| cx.unknown(n));
            cx.call(
                n,
                CallKind::Http,
                "net/http",
                Some(method),
                target,
                None,
                Some(false),
                None,
            );
            true
        }
        ("net/http", "NewRequest" | "NewRequestWithContext") => {
            let off = usize::from(f == "NewRequestWithContext");
            let method = arg(cx, off)
                .and_then(|m| expr::as_literal(&m).map(str::to_string))
                .map(|m| {
                    // http.MethodGet
                    m.trim_start_matches("Method").to_string()
                })
                .or_else(|| {
                    args.get(off)
                        .map(|m| cx.text(*m))
                        .and_then(|t| t.strip_prefix("http.Method"))
                        .map(str::to_string)
                });
            let target = arg(cx, off + 1).unwrap_or_else(|| cx.unknown(n));
            let ctx_timeout = (off == 1)
                .then(|| args.first().map(|c| origin(cx, *c)))
                .flatten()
                .is_some_and(|c| {
                    c.kind() == "call_expression"
                        && field(c, "function").is_some_and(|f| {
                            let t = cx.text(f);
                            t.ends_with("WithTimeout") || t.ends_with("WithDeadline")
                        })
                });
            let timeout = if ctx_timeout {
                Some(true)
            } else {
                state.requests.get(&n.id()).copied().flatten()
            };
            cx.call(
                n,
                CallKind::Http,
                "net/http",
                method.as_deref(),
                target,
                None,
                timeout,
                None,
            );
            true
        }
        (p, "Dial" | "DialContext" | "NewClient") if path_is(p, "google.golang.org/grpc") => {
            let off = usize::from(f == "DialContext");
            let target = arg(cx, off).unwrap_or_else(|| cx.unknown(n));
            let mut plaintext = None;
            for a in &args[(off + 1).min(args.len())..] {
                if find_call(cx, *a, &|t| {
                    t.ends_with("insecure.NewCredentials") || t.ends_with("WithInsecure")
                })
                .is_some()
                {
                    plaintext = Some(true);
                    break;
                }
                if find_call(cx, *a, &|t| {
                    t.ends_with("credentials.NewTLS")
                        || t.contains("credentials.NewClientTLSFrom")
                        || t.ends_with("oauth.NewOauthAccess")
                })
                .is_some()
                {
                    plaintext = Some(false);
                }
            }
            cx.call(
                n,
                CallKind::Grpc,
                "grpc-go",
                None,
                target,
                None,
                None,
                plaintext,
            );
            true
        }
        (
            "database/sql" | "github.com/jmoiron/sqlx",
            "Open" | "Connect" | "MustConnect" | "MustOpen",
        ) => {
            let driver = arg(cx, 0)
                .and_then(|d| expr::as_literal(&d).map(str::to_string))
                .unwrap_or_default();
            let target = arg(cx, 1).unwrap_or_else(|| cx.unknown(n));
            let tech = db_technology(&driver).or_else(|| super::db_technology_of(&target));
            let lib = if path == "database/sql" {
                "database/sql"
            } else {
                "sqlx"
            };
            cx.call(n, CallKind::Database, lib, None, target, tech, None, None);
            true
        }
        (p, "Connect" | "New" | "NewWithConfig" | "ConnectConfig")
            if p.starts_with("github.com/jackc/pgx") =>
        {
            let a = args.get(1).copied();
            let target = match a.map(|a| origin(cx, a)) {
                Some(o)
                    if o.kind() == "call_expression"
                        && field(o, "function")
                            .is_some_and(|f| cx.text(f).ends_with("ParseConfig")) =>
                {
                    args_of(o)
                        .first()
                        .map(|d| eval(cx, *d, 0))
                        .unwrap_or_else(|| cx.unknown(o))
                }
                Some(_) => arg(cx, 1).unwrap_or_else(|| cx.unknown(n)),
                None => cx.unknown(n),
            };
            cx.call(
                n,
                CallKind::Database,
                "pgx",
                None,
                target,
                Some("postgres"),
                None,
                None,
            );
            true
        }
        ("gorm.io/gorm" | "github.com/jinzhu/gorm", "Open") => {
            let Some(first) = args.first() else {
                return true;
            };
            let o = origin(cx, *first);
            let (tech, target) = if o.kind() == "call_expression" {
                let drv = field(o, "function").and_then(|f| pkg_sel(cx, f));
                let tech = drv.and_then(|(p, _)| db_technology(p.rsplit('/').next().unwrap_or("")));
                let t = args_of(o)
                    .first()
                    .map(|d| eval(cx, *d, 0))
                    .unwrap_or_else(|| cx.unknown(o));
                (tech, t)
            } else {
                // gorm v1: gorm.Open("postgres", dsn)
                let d = arg(cx, 0)
                    .and_then(|d| expr::as_literal(&d).map(str::to_string))
                    .unwrap_or_default();
                (
                    db_technology(&d),
                    arg(cx, 1).unwrap_or_else(|| cx.unknown(n)),
                )
            };
            cx.call(
                n,
                CallKind::Database,
                "gorm",
                None,
                target,
                tech,
                None,
                None,
            );
            true
        }
        (p, "Connect" | "NewClient") if p.starts_with("go.mongodb.org/mongo-driver") => {
            let uri = args
                .iter()
                .find_map(|a| find_call(cx, *a, &|t| t.ends_with("ApplyURI")));
            let target = uri
                .and_then(|c| args_of(c).first().map(|u| eval(cx, *u, 0)))
                .unwrap_or_else(|| cx.unknown(n));
            let timeout = args
                .iter()
                .any(|a| find_call(cx, *a, &|t| t.contains("Timeout")).is_some())
                .then_some(true);
            cx.call(
                n,
                CallKind::Database,
                "mongo-go-driver",
                None,
                target,
                Some("mongodb"),
                timeout,
                None,
            );
            true
        }
        (p, "NewClient" | "NewClusterClient" | "NewFailoverClient" | "NewUniversalClient")
            if p.contains("redis") =>
        {
            let Some(opt) = args.first() else { return true };
            let o = origin(cx, *opt);
            let target = if o.kind() == "call_expression" {
                // opt, _ := redis.ParseURL(url)
                args_of(o)
                    .first()
                    .map(|u| eval(cx, *u, 0))
                    .unwrap_or_else(|| cx.unknown(o))
            } else if let Some(a) = keyed(cx, *opt, "Addr") {
                eval(cx, a, 0)
            } else if let Some(a) = keyed(cx, *opt, "Addrs") {
                list_expr(cx, a)
            } else {
                Expr::literal("localhost:6379")
            };
            let timeout = ["DialTimeout", "ReadTimeout", "WriteTimeout"]
                .iter()
                .any(|k| keyed(cx, *opt, k).is_some())
                .then_some(true);
            cx.call(
                n,
                CallKind::Database,
                "go-redis",
                None,
                target,
                Some("redis"),
                timeout,
                None,
            );
            true
        }
        _ => false,
    }
}

/// Broker calls on clients (amqp, NATS, sarama, confluent-kafka-go, Pub/Sub); true when handled.
fn messaging_method<'t>(
    cx: &mut Cx<'t>,
    state: &State,
    n: Node<'t>,
    recv: Node<'t>,
    name: &str,
    args: &[Node<'t>],
) -> bool {
    let imports = |m: &str| cx.imports.values().any(|p| p.contains(m));
    let arg = |cx: &Cx, i: usize| args.get(i).map(|a| eval(cx, *a, 0));
    // amqp: ch.Publish(exchange, key, mandatory, immediate, msg)
    if imports("amqp") {
        let servers = || amqp_servers(cx, recv);
        match (name, args.len()) {
            ("Publish", 5..) | ("PublishWithContext", 6..) => {
                let off = usize::from(name == "PublishWithContext");
                let ex = arg(cx, off).unwrap_or_else(|| cx.unknown(n));
                let topic = match ex {
                    Expr::Literal { ref value } if value.is_empty() => {
                        arg(cx, off + 1).unwrap_or(ex)
                    }
                    other => other,
                };
                let servers = servers();
                cx.messaging(
                    n,
                    MessagingRole::Producer,
                    "rabbitmq",
                    "amqp",
                    topic,
                    servers,
                );
                return true;
            }
            ("Consume" | "ConsumeWithContext", 3..) => {
                let off = usize::from(name == "ConsumeWithContext");
                let topic = arg(cx, off).unwrap_or_else(|| cx.unknown(n));
                let servers = servers();
                cx.messaging(
                    n,
                    MessagingRole::Consumer,
                    "rabbitmq",
                    "amqp",
                    topic,
                    servers,
                );
                return true;
            }
            _ => {}
        }
    }
    if imports("github.com/nats-io/nats.go") {
        let role = match name {
            "Publish" | "PublishMsg" | "Request" | "PublishAsync" => Some(MessagingRole::Producer),
            "Subscribe" | "QueueSubscribe" | "SubscribeSync" | "ChanSubscribe"
            | "QueueSubscribeSync" | "PullSubscribe" => Some(MessagingRole::Consumer),
            _ => None,
        };
        if let (Some(role), Some(first)) = (role, args.first()) {
            let topic = eval(cx, *first, 0);
            let servers = nats_servers(cx, recv);
            cx.messaging(n, role, "nats", "nats.go", topic, servers);
            return true;
        }
    }
    let sarama = imports("sarama");
    if sarama && name == "ConsumePartition" && !args.is_empty() {
        let topic = arg(cx, 0).unwrap_or_else(|| cx.unknown(n));
        let servers = state.sarama_servers.clone();
        cx.messaging(
            n,
            MessagingRole::Consumer,
            "kafka",
            "sarama",
            topic,
            servers,
        );
        return true;
    }
    if sarama && name == "Consume" && args.len() == 3 {
        let servers = state.sarama_servers.clone();
        for t in list_items(cx, args[1]) {
            let topic = eval(cx, t, 0);
            cx.messaging(
                n,
                MessagingRole::Consumer,
                "kafka",
                "sarama",
                topic,
                servers.clone(),
            );
        }
        return true;
    }
    if imports("confluent-kafka-go") && matches!(name, "SubscribeTopics" | "Subscribe") {
        if let Some(first) = args.first() {
            let servers = confluent_servers(cx, recv);
            let items = if name == "SubscribeTopics" {
                list_items(cx, *first)
            } else {
                vec![*first]
            };
            for t in items {
                let topic = eval(cx, t, 0);
                cx.messaging(
                    n,
                    MessagingRole::Consumer,
                    "kafka",
                    "confluent-kafka-go",
                    topic,
                    servers.clone(),
                );
            }
            return true;
        }
    }
    if imports("cloud.google.com/go/pubsub") && matches!(name, "Publish" | "Receive") {
        let o = origin(cx, recv);
        if o.kind() == "call_expression" {
            let m = field(o, "function")
                .and_then(|f| field(f, "field"))
                .map(|f| cx.text(f));
            let role = match (m, name) {
                (Some("Topic" | "Publisher"), "Publish") => Some(MessagingRole::Producer),
                (Some("Subscription" | "Subscriber"), "Receive") => Some(MessagingRole::Consumer),
                _ => None,
            };
            if let Some(role) = role {
                let topic = args_of(o)
                    .first()
                    .map(|a| eval(cx, *a, 0))
                    .unwrap_or_else(|| cx.unknown(o));
                cx.messaging(n, role, "pubsub", "cloud.google.com/go/pubsub", topic, None);
                return true;
            }
        }
    }
    false
}

fn list_items<'t>(cx: &Cx<'t>, n: Node<'t>) -> Vec<Node<'t>> {
    let o = origin(cx, n);
    if o.kind() == "composite_literal" {
        if let Some(body) = field(o, "body") {
            return named_children(body)
                .into_iter()
                .filter_map(|el| named_children(el).into_iter().next())
                .collect();
        }
    }
    vec![n]
}

/// The broker URL of an amqp channel: `ch, _ := conn.Channel()`, `conn, _ := amqp.Dial(url)`.
fn amqp_servers(cx: &Cx, ch: Node) -> Option<Expr> {
    let o = origin(cx, ch);
    let conn = if o.kind() == "call_expression"
        && field(o, "function")
            .and_then(|f| field(f, "field"))
            .is_some_and(|f| cx.text(f) == "Channel")
    {
        origin(cx, field(field(o, "function")?, "operand")?)
    } else {
        o
    };
    if conn.kind() != "call_expression" {
        return None;
    }
    let f = field(conn, "function")?;
    let (p, name) = pkg_sel(cx, f)?;
    if p.contains("amqp") && name.starts_with("Dial") {
        return args_of(conn).first().map(|u| eval(cx, *u, 0));
    }
    None
}

fn nats_servers(cx: &Cx, nc: Node) -> Option<Expr> {
    let mut o = origin(cx, nc);
    for _ in 0..3 {
        if o.kind() != "call_expression" {
            return None;
        }
        let f = field(o, "function")?;
        if let Some((p, "Connect")) = pkg_sel(cx, f) {
            if p.contains("nats") {
                return args_of(o).first().map(|u| eval(cx, *u, 0));
            }
        }
        // js, _ := nc.JetStream()
        o = origin(cx, field(f, "operand")?);
    }
    None
}

/// `bootstrap.servers` of the ConfigMap a confluent-kafka-go client was made with.
fn confluent_servers(cx: &Cx, client: Node) -> Option<Expr> {
    let o = origin(cx, client);
    if o.kind() != "call_expression" {
        return None;
    }
    let cfg = args_of(o).into_iter().next()?;
    keyed(cx, cfg, "bootstrap.servers").map(|v| eval(cx, v, 0))
}

fn composite<'t>(cx: &mut Cx<'t>, state: &State, n: Node<'t>) {
    let Some((path, ty)) = composite_type(cx, n) else {
        return;
    };
    let path = path.to_string();
    let topic = |cx: &Cx, key: &str| keyed(cx, n, key).map(|t| eval(cx, t, 0));
    if path.contains("segmentio/kafka-go") {
        let servers = keyed(cx, n, "Addr")
            .or_else(|| keyed(cx, n, "Brokers"))
            .map(|a| list_expr(cx, a));
        match ty {
            "Writer" | "WriterConfig" => {
                if let Some(t) = topic(cx, "Topic") {
                    cx.messaging(n, MessagingRole::Producer, "kafka", "kafka-go", t, servers);
                }
            }
            "Message" => {
                // A message naming its own topic (a writer without one).
                if let Some(t) = topic(cx, "Topic") {
                    cx.messaging(n, MessagingRole::Producer, "kafka", "kafka-go", t, None);
                }
            }
            "ReaderConfig" | "Reader" => {
                if let Some(t) = topic(cx, "Topic") {
                    cx.messaging(n, MessagingRole::Consumer, "kafka", "kafka-go", t, servers);
                } else if let Some(list) = keyed(cx, n, "GroupTopics") {
                    for item in list_items(cx, list) {
                        let t = eval(cx, item, 0);
                        cx.messaging(
                            n,
                            MessagingRole::Consumer,
                            "kafka",
                            "kafka-go",
                            t,
                            servers.clone(),
                        );
                    }
                }
            }
            _ => {}
        }
        return;
    }
    if path.contains("sarama") && ty == "ProducerMessage" {
        if let Some(t) = topic(cx, "Topic") {
            let servers = state.sarama_servers.clone();
            cx.messaging(n, MessagingRole::Producer, "kafka", "sarama", t, servers);
        }
        return;
    }
    if path.contains("confluent-kafka-go") && ty == "Message" {
        let t = keyed(cx, n, "TopicPartition")
            .and_then(|tp| keyed(cx, tp, "Topic"))
            .map(|t| eval(cx, t, 0));
        if let Some(t) = t {
            // The producer: the enclosing `p.Produce(msg, ...)` call.
            let servers = n
                .parent()
                .and_then(|u| u.parent())
                .and_then(|al| al.parent())
                .filter(|c| c.kind() == "call_expression")
                .and_then(|c| field(c, "function"))
                .and_then(|f| field(f, "operand"))
                .and_then(|p| confluent_servers(cx, p));
            cx.messaging(
                n,
                MessagingRole::Producer,
                "kafka",
                "confluent-kafka-go",
                t,
                servers,
            );
        }
        return;
    }
    if path.contains("service/sqs") {
        let role = match ty {
            "SendMessageInput" | "SendMessageBatchInput" => Some(MessagingRole::Producer),
            "ReceiveMessageInput" => Some(MessagingRole::Consumer),
            _ => None,
        };
        if let Some(role) = role {
            let t = topic(cx, "QueueUrl").unwrap_or_else(|| cx.unknown(n));
            cx.messaging(n, role, "sqs", "aws-sdk-go", t, None);
        }
        return;
    }
    if path.contains("service/sns") && ty == "PublishInput" {
        let t = topic(cx, "TopicArn")
            .or_else(|| topic(cx, "TargetArn"))
            .unwrap_or_else(|| cx.unknown(n));
        cx.messaging(n, MessagingRole::Producer, "sns", "aws-sdk-go", t, None);
    }
}

// ----- routes --------------------------------------------------------------------------------

/// Auth-looking middleware among arguments: names, calls (`AuthRequired()`), wrappers
/// (`authMiddleware(handler)`); with `skip_last`, the final handler itself is not counted.
fn middleware_auth(cx: &Cx, args: &[Node], skip_last: bool) -> Vec<String> {
    let mut out = Vec::new();
    let n = args.len();
    for (i, a) in args.iter().enumerate() {
        let last = i + 1 == n;
        collect_auth(cx, *a, &mut out, skip_last && last, 0);
    }
    out
}

fn collect_auth(cx: &Cx, a: Node, out: &mut Vec<String>, handler: bool, depth: usize) {
    if depth > 6 {
        return;
    }
    match a.kind() {
        "identifier" | "selector_expression" if !handler => {
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
            // Wrapped handlers: `auth(handler)`, `http.HandlerFunc(auth(h))`.
            for inner in args_of(a) {
                collect_auth(cx, inner, out, true, depth + 1);
            }
        }
        _ => {}
    }
}

#[derive(Clone)]
struct Router {
    framework: &'static str,
    prefix: String,
    auth: Vec<String>,
}

fn framework_of_path(path: &str) -> Option<&'static str> {
    Some(if path.contains("gin-gonic/gin") {
        "gin"
    } else if path.contains("labstack/echo") {
        "echo"
    } else if path.contains("go-chi/chi") {
        "chi"
    } else if path.contains("gofiber/fiber") {
        "fiber"
    } else if path.contains("gorilla/mux") {
        "gorilla/mux"
    } else if path == "net/http" {
        "net/http"
    } else {
        return None;
    })
}

/// What a route receiver is: a router made in this file (with group prefixes and middleware),
/// or a typed parameter / field (`r *gin.Engine`, `mux *http.ServeMux`).
fn router<'t>(
    cx: &Cx<'t>,
    state: &State,
    recv: Node<'t>,
    at: usize,
    depth: usize,
) -> Option<Router> {
    if depth > 6 {
        return None;
    }
    let text = cx.text(recv).to_string();
    let uses_auth = |pos: usize| -> Vec<String> {
        state
            .uses
            .get(&text)
            .map(|v| {
                v.iter()
                    .filter(|(p, _)| *p < pos)
                    .flat_map(|(_, a)| a.iter().cloned())
                    .collect()
            })
            .unwrap_or_default()
    };
    let o = origin(cx, recv);
    if o.kind() == "call_expression" {
        let f = field(o, "function")?;
        if let Some((p, name)) = pkg_sel(cx, f) {
            let fw = framework_of_path(p)?;
            let ok = matches!(
                (fw, name),
                ("gin", "Default" | "New")
                    | ("echo", "New")
                    | ("chi", "NewRouter" | "NewMux")
                    | ("fiber", "New")
                    | ("gorilla/mux", "NewRouter")
                    | ("net/http", "NewServeMux")
            );
            if !ok {
                return None;
            }
            return Some(Router {
                framework: fw,
                prefix: String::new(),
                auth: uses_auth(at),
            });
        }
        // Groups and sub-routers: r.Group("/api", mw...), r.PathPrefix("/api").Subrouter(),
        // r.With(mw).
        let method = cx.text(field(f, "field")?);
        let parent = field(f, "operand")?;
        let args = args_of(o);
        match method {
            "Group" | "Route" => {
                let mut r = router(cx, state, parent, o.start_byte(), depth + 1)?;
                if let Some(p) = args.first().map(|a| eval(cx, *a, 0)) {
                    if let Some(p) = expr::as_literal(&p) {
                        r.prefix = join_path(&r.prefix, p);
                    }
                }
                r.auth
                    .extend(middleware_auth(cx, args.get(1..).unwrap_or(&[]), false));
                r.auth.extend(uses_auth(at));
                Some(r)
            }
            "Subrouter" => {
                let inner = strip(parent);
                let (pp, pargs) = if inner.kind() == "call_expression" {
                    let pf = field(inner, "function")?;
                    (field(pf, "operand")?, args_of(inner))
                } else {
                    return None;
                };
                let mut r = router(cx, state, pp, o.start_byte(), depth + 1)?;
                if let Some(p) = pargs.first().map(|a| eval(cx, *a, 0)) {
                    if let Some(p) = expr::as_literal(&p) {
                        r.prefix = join_path(&r.prefix, p);
                    }
                }
                r.auth.extend(uses_auth(at));
                Some(r)
            }
            "With" => {
                let mut r = router(cx, state, parent, o.start_byte(), depth + 1)?;
                r.auth.extend(middleware_auth(cx, &args, false));
                Some(r)
            }
            _ => None,
        }
    } else {
        let ty = declared_type(cx, recv)?;
        let fw = if ty.contains("gin.") {
            "gin"
        } else if ty.contains("echo.") {
            "echo"
        } else if ty.contains("chi.") {
            "chi"
        } else if ty.contains("fiber.") {
            "fiber"
        } else if ty.contains("mux.Router") {
            "gorilla/mux"
        } else if ty.contains("http.ServeMux") {
            "net/http"
        } else {
            return None;
        };
        Some(Router {
            framework: fw,
            prefix: String::new(),
            auth: uses_auth(at),
        })
    }
}

fn route<'t>(
    cx: &mut Cx<'t>,
    state: &State,
    n: Node<'t>,
    recv: Node<'t>,
    name: &str,
    args: &[Node<'t>],
) {
    // net/http package functions.
    let http_pkg = recv.kind() == "identifier"
        && cx.imports.get(cx.text(recv)).map(String::as_str) == Some("net/http");
    let r = if http_pkg {
        Some(Router {
            framework: "net/http",
            prefix: String::new(),
            auth: Vec::new(),
        })
    } else {
        None
    };
    let is_handle = matches!(name, "HandleFunc" | "Handle");
    let verb = match name {
        "GET" | "POST" | "PUT" | "PATCH" | "DELETE" | "HEAD" | "OPTIONS" => Some(name.to_string()),
        "Get" | "Post" | "Put" | "Patch" | "Delete" | "Head" | "Options" => {
            Some(name.to_ascii_uppercase())
        }
        "Any" | "All" | "Match" => None,
        "Handle" | "HandleFunc" => None,
        _ => return,
    };
    if !is_handle && verb.is_none() && !matches!(name, "Any" | "All") {
        return;
    }
    let Some(r) = r.or_else(|| router(cx, state, recv, n.start_byte(), 0)) else {
        return;
    };
    // gin's r.Handle("GET", "/x", h)
    let (args, verb) = if r.framework == "gin" && name == "Handle" && args.len() >= 3 {
        let m = expr::as_literal(&eval(cx, args[0], 0)).map(str::to_string);
        (&args[1..], m)
    } else {
        (args, verb)
    };
    let Some(first) = args.first() else { return };
    let Some(pattern) = expr::as_literal(&eval(cx, *first, 0)).map(str::to_string) else {
        return;
    };
    if args.len() < 2 {
        return;
    }
    let rest = &args[1..];
    // Go 1.22 patterns: "GET /orders/{id}"
    let (mut method, path) = match pattern.split_once(' ') {
        Some((m, p)) if m.chars().all(|c| c.is_ascii_uppercase()) && !m.is_empty() => {
            (Some(m.to_string()), p.trim().to_string())
        }
        _ => (verb, pattern.clone()),
    };
    // gorilla: .Methods("GET", "POST")
    let mut methods: Vec<Option<String>> = Vec::new();
    if let Some(sel) = n.parent().filter(|p| p.kind() == "selector_expression") {
        if field(sel, "field").map(|f| cx.text(f)) == Some("Methods") {
            if let Some(call) = sel.parent().filter(|c| c.kind() == "call_expression") {
                for a in args_of(call) {
                    if let Some(m) = expr::as_literal(&eval(cx, a, 0)) {
                        methods.push(Some(m.to_ascii_uppercase()));
                    }
                }
            }
        }
    }
    if methods.is_empty() {
        if r.framework == "net/http" && method.is_none() {
            method = None;
        }
        methods.push(method);
    }
    let mut auth = r.auth.clone();
    let mw = match r.framework {
        // echo: e.GET(path, handler, middleware...)
        "echo" => {
            let mut a = middleware_auth(cx, &rest[1.min(rest.len())..], false);
            collect_auth(cx, rest[0], &mut a, true, 0);
            a
        }
        _ => middleware_auth(cx, rest, true),
    };
    auth.extend(mw);
    let full = join_path(&r.prefix, &path);
    for m in methods {
        cx.route(n, r.framework, m.as_deref(), full.clone(), auth.clone());
    }
}
