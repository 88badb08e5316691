//! Code-level security indicators, the language-independent part: where data reaching a
//! dangerous call comes from (a small intra-file taint walk), which functions handle requests
//! and messages, retry loops, and the bookkeeping that turns them into facts.
//!
//! The language modules fill [`Flow`] while they extract: the functions of the file with their
//! parameters, return values, every call, the consumers and routes recorded by
//! [`Cx::messaging`] / [`Cx::route`], the outbound calls of [`Cx::call`]. They describe one
//! syntax step at a time ([`Step`]): "this node is request data", "follow these nodes",
//! "this name is a parameter", "this calls a function of the file". The walk here follows
//! assignments, attributes, parameters of helper functions (through their call sites in the
//! file) and return values, with a fixed budget per question, so the cost stays proportional to
//! the number of sinks and handlers, not to the file's call graph.

use std::collections::{HashMap, HashSet};

use stridemap_model::code::{
    CodeFacts, DataSource, Deserialization, Expr, Handler, HandlerKind, HardcodedValue, LoggedName,
    NameKind, ProtocolSetting, RetryLoop, SecretLog,
};
use tree_sitter::Node;

use super::{expr, field, Cx};

/// Node kinds that are calls in one of the grammars.
pub(crate) const CALL_KINDS: &[&str] = &[
    "call",
    "call_expression",
    "new_expression",
    "method_invocation",
    "object_creation_expression",
];

/// Steps allowed for one question (where does this sink's input come from?).
const WALK_BUDGET: u32 = 600;
/// How many helper functions a value may go through (parameters and return values).
const MAX_HOPS: u32 = 3;
/// Call sites of one helper considered.
const MAX_SITES: usize = 8;

/// One function of the file.
pub(crate) struct FnDef<'t> {
    /// The name it is called by; `<anonymous>` or the property / variable it is assigned to.
    pub name: String,
    pub node: Node<'t>,
    /// Parameter names in order, with their declared type (or annotations) when shown.
    pub params: Vec<(String, Option<String>)>,
    /// Calls through a receiver skip the first parameter (`self`, `cls`).
    pub receiver_param: bool,
    pub entry: Option<Entry>,
}

/// What the parameters of a handler carry.
#[derive(Clone, Debug)]
pub(crate) struct Entry {
    pub source: DataSource,
    pub topic: Option<Expr>,
    pub technology: Option<String>,
    pub inferred: bool,
}

/// A consumer recorded by [`Cx::messaging`].
#[derive(Clone, Debug)]
pub(crate) struct ConsumerSite {
    pub start: usize,
    pub end: usize,
    /// The client the call is made on (`consumer` in `consumer.subscribe(...)`).
    pub receiver: Option<String>,
    pub topic: Expr,
    pub technology: String,
}

/// A loop, as the language module sees its head.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum LoopShape {
    /// `while True`, `for {}`, `for (;;)`, `itertools.count()`.
    Infinite,
    /// `while <condition>` other than a constant.
    Conditional,
    /// `for i in range(n)`, `for (i = 0; i < n; i++)`.
    Counted,
    /// Over a collection or a channel.
    Iteration,
}

pub(crate) struct LoopInfo<'t> {
    pub node: Node<'t>,
    pub shape: LoopShape,
    /// The condition or iterable, for bound checks.
    pub head: Option<Node<'t>>,
}

/// One step of the walk, as a language describes a node.
pub(crate) enum Step<'t> {
    /// The node is data of this kind (the node is where it enters).
    Source(DataSource, Node<'t>),
    /// The data is whatever these nodes hold.
    Follow(Vec<Node<'t>>),
    /// An identifier no assignment of the file binds: a parameter, perhaps.
    Param(Node<'t>),
    /// A call of a function of this file (its name, the call): its return values.
    Local(String, Node<'t>),
    Unknown,
}

/// The language hooks of the walk.
pub(crate) struct Lang {
    pub step: for<'t> fn(&Cx<'t>, Node<'t>) -> Step<'t>,
    /// The argument a call passes for parameter `index` (0-based, receiver excluded) named
    /// `name`.
    pub arg: for<'t> fn(&Cx<'t>, Node<'t>, usize, &str) -> Option<Node<'t>>,
    /// What a parameter carries by its declared type or annotations (`*http.Request`,
    /// `@RequestBody`, `ConsumerRecord<…>`, `EachMessagePayload`).
    pub param_source: fn(&str, Option<&str>) -> Option<DataSource>,
}

/// Where a value comes from.
#[derive(Clone, Debug)]
pub(crate) struct Origin<'t> {
    pub source: DataSource,
    pub topic: Option<Expr>,
    pub technology: Option<String>,
    pub inferred: bool,
    pub at: Option<Node<'t>>,
    /// Functions from where the data enters to where it is used.
    pub path: Vec<String>,
}

impl<'t> Origin<'t> {
    fn unknown() -> Self {
        Origin {
            source: DataSource::Unknown,
            topic: None,
            technology: None,
            inferred: false,
            at: None,
            path: Vec::new(),
        }
    }

    fn rank(&self) -> u8 {
        let base = match self.source {
            DataSource::Message => 10,
            DataSource::Request => 8,
            DataSource::Socket => 6,
            DataSource::Unknown => 4,
            DataSource::File => 2,
            DataSource::Constant => 0,
        };
        // Evidence the file shows beats a guess from names.
        base + u8::from(!self.inferred)
    }

    fn better(self, other: Origin<'t>) -> Origin<'t> {
        if other.rank() > self.rank() {
            other
        } else {
            self
        }
    }

    fn push_fn(mut self, name: &str) -> Self {
        if !name.is_empty() && self.path.last().map(String::as_str) != Some(name) {
            self.path.push(name.to_string());
        }
        self
    }
}

#[derive(Default)]
pub(crate) struct Flow<'t> {
    pub fns: Vec<FnDef<'t>>,
    /// Returned expressions (arrow-function bodies included).
    pub returns: Vec<Node<'t>>,
    /// Every call of the file, in document order.
    pub calls: Vec<Node<'t>>,
    pub consumers: Vec<ConsumerSite>,
    /// Byte ranges of the nodes routes were recorded at, with `METHOD /path`.
    pub routes: Vec<(usize, usize, String)>,
    /// HTTP and gRPC calls: byte range and library.
    pub outbound: Vec<(usize, usize, String)>,
    pub handlers: Vec<Handler>,
    pub deser: Vec<Deserialization>,
    pub retries: Vec<RetryLoop>,
    pub secret_logs: Vec<SecretLog>,
    pub hardcoded: Vec<HardcodedValue>,
    /// Kafka clients set to a cleartext protocol (sorted, by `settings::protocol_settings`).
    pub protocol_settings: Vec<ProtocolSetting>,
    /// Decorators and annotations (by start byte) → the function they are on, filled by the
    /// languages that have them (asking a node for its parent is slow in tree-sitter).
    pub decorated: HashMap<usize, Node<'t>>,
    /// Innermost enclosing function of each function in `fns`.
    parents: Vec<Option<usize>>,
    /// Function name → indexes in `fns` (after [`Flow::seal`]).
    by_name: HashMap<String, Vec<usize>>,
    /// Callee name → calls, built by [`Flow::index_sites`] when a walk first needs it.
    sites: Option<HashMap<String, Vec<Node<'t>>>>,
    /// The file configures schema-registry deserializers (computed once).
    schema_registry: Option<bool>,
    /// Handlers already recorded: (node id, kind) → index in `handlers`.
    handler_nodes: HashMap<(usize, bool), usize>,
}

impl<'t> Flow<'t> {
    /// Orders the functions and calls and indexes them by name; call once every function and
    /// call is added.
    pub fn seal(&mut self) {
        self.fns
            .sort_by_key(|f| (f.node.start_byte(), std::cmp::Reverse(f.node.end_byte())));
        self.fns.dedup_by_key(|f| f.node.id());
        // Each function's innermost enclosing function.
        self.parents.clear();
        let mut stack: Vec<usize> = Vec::new();
        for (i, f) in self.fns.iter().enumerate() {
            while let Some(&top) = stack.last() {
                if self.fns[top].node.end_byte() >= f.node.end_byte() {
                    break;
                }
                stack.pop();
            }
            self.parents.push(stack.last().copied());
            stack.push(i);
        }
        self.by_name.clear();
        for (i, f) in self.fns.iter().enumerate() {
            self.by_name.entry(f.name.clone()).or_default().push(i);
        }
        self.calls.sort_by_key(|n| n.start_byte());
        self.calls.dedup_by_key(|n| n.id());
        self.returns.sort_by_key(|n| n.start_byte());
        self.sites = None;
    }

    /// Indexes the calls of the file's functions by name (once).
    fn index_sites(&mut self, src: &str) {
        if self.sites.is_some() {
            return;
        }
        let mut out: HashMap<String, Vec<Node<'t>>> = HashMap::new();
        for &c in &self.calls {
            if let Some(n) = callee_name_in(src, c) {
                if self.by_name.contains_key(n) {
                    out.entry(n.to_string()).or_default().push(c);
                }
            }
        }
        self.sites = Some(out);
    }

    /// Calls of the file's function `name`.
    fn sites_of(&self, name: &str) -> &[Node<'t>] {
        self.sites
            .as_ref()
            .and_then(|s| s.get(name))
            .map_or(&[], Vec::as_slice)
    }

    /// The innermost function containing `pos`: the last one starting before it, or the
    /// nearest of its enclosing functions that still contains it (functions nest).
    pub fn fn_at(&self, pos: usize) -> Option<usize> {
        let mut i = self
            .fns
            .partition_point(|f| f.node.start_byte() < pos)
            .checked_sub(1)?;
        for _ in 0..4096 {
            if self.fns[i].node.end_byte() > pos {
                return Some(i);
            }
            i = self.parents.get(i).copied().flatten()?;
        }
        None
    }

    /// The functions around `pos`, innermost first.
    fn fns_around(&self, pos: usize) -> Vec<usize> {
        let mut out = Vec::new();
        let mut cur = self.fn_at(pos);
        while let Some(i) = cur {
            if out.len() > 64 {
                break;
            }
            out.push(i);
            cur = self.parents.get(i).copied().flatten();
        }
        out
    }

    pub fn fn_name_at(&self, pos: usize) -> &str {
        self.fn_at(pos).map_or("", |i| self.fns[i].name.as_str())
    }

    /// Functions defined under `name`.
    pub fn fns_named(&self, name: &str) -> &[usize] {
        self.by_name.get(name).map_or(&[], Vec::as_slice)
    }

    /// The function whose node is `n`.
    pub fn fn_of_node(&self, n: Node) -> Option<usize> {
        let i = self
            .fns
            .partition_point(|f| f.node.start_byte() < n.start_byte());
        (i..self.fns.len())
            .take_while(|&j| self.fns[j].node.start_byte() == n.start_byte())
            .find(|&j| self.fns[j].node.id() == n.id())
    }

    /// Calls inside `[start, end)`.
    pub fn calls_in(&self, start: usize, end: usize) -> &[Node<'t>] {
        let a = self.calls.partition_point(|c| c.start_byte() < start);
        let b = self.calls.partition_point(|c| c.start_byte() < end);
        &self.calls[a..b.max(a)]
    }

    /// The consumer recorded inside a node, if any.
    fn consumer_in(&self, n: Node) -> Option<&ConsumerSite> {
        self.consumers
            .iter()
            .find(|c| c.start >= n.start_byte() && c.end <= n.end_byte())
    }

    /// The topic of the consumer on client `receiver`, else the only consumer of the file.
    fn consumer_for(&self, receiver: Option<&str>) -> Option<&ConsumerSite> {
        if let Some(r) = receiver {
            let r = r.trim_start_matches("self.").trim_start_matches("this.");
            if let Some(c) = self.consumers.iter().find(|c| {
                c.receiver.as_deref().map(|x| {
                    x.trim_start_matches("self.")
                        .trim_start_matches("this.")
                        .to_string()
                }) == Some(r.to_string())
            }) {
                return Some(c);
            }
        }
        self.sole_consumer()
    }

    fn sole_consumer(&self) -> Option<&ConsumerSite> {
        let first = self.consumers.first()?;
        self.consumers
            .iter()
            .all(|c| c.topic == first.topic && c.technology == first.technology)
            .then_some(first)
    }

    pub(crate) fn finish(self, facts: &mut CodeFacts) {
        let mut handlers = self.handlers;
        handlers.sort_by(|a, b| (a.loc, a.kind, &a.name).cmp(&(b.loc, b.kind, &b.name)));
        handlers.dedup_by(|a, b| a.loc == b.loc && a.kind == b.kind);
        let mut deser = self.deser;
        deser.sort_by(|a, b| (a.loc, &a.call).cmp(&(b.loc, &b.call)));
        deser.dedup_by(|a, b| a.loc == b.loc && a.call == b.call);
        let mut retries = self.retries;
        retries.sort_by(|a, b| (a.loc, &a.detail).cmp(&(b.loc, &b.detail)));
        retries.dedup_by(|a, b| a.loc == b.loc);
        let mut logs = self.secret_logs;
        logs.sort_by_key(|a| a.loc);
        logs.dedup_by(|a, b| a.loc == b.loc);
        let mut hard = self.hardcoded;
        // A named record wins over a bare literal at the same place.
        hard.sort_by(|a, b| {
            (a.loc, a.name.is_none(), &a.value).cmp(&(b.loc, b.name.is_none(), &b.value))
        });
        hard.dedup_by(|a, b| a.loc == b.loc && a.value == b.value);
        facts.handlers = handlers;
        facts.deserializations = deser;
        facts.retries = retries;
        facts.secret_logs = logs;
        facts.hardcoded = hard;
        facts.protocol_settings = self.protocol_settings;
    }
}

// ----- small generic helpers -----------------------------------------------------------------

/// The called function's own name: `loads` in `pickle.loads(x)`, `decode` in `decode(x)`.
pub(crate) fn callee_name_in<'a>(src: &'a str, call: Node) -> Option<&'a str> {
    let text = |n: Node| src.get(n.byte_range());
    if call.kind() == "method_invocation" {
        return field(call, "name").and_then(text);
    }
    let f = field(call, "function")
        .or_else(|| field(call, "constructor"))
        .or_else(|| field(call, "type"))?;
    match f.kind() {
        "identifier" | "type_identifier" | "scoped_type_identifier" => text(f),
        "attribute" => field(f, "attribute").and_then(text),
        "member_expression" => field(f, "property").and_then(text),
        "selector_expression" => field(f, "field").and_then(text),
        "generic_type" => text(f),
        _ => None,
    }
}

/// The object a method is called on.
pub(crate) fn callee_receiver(call: Node) -> Option<Node> {
    if call.kind() == "method_invocation" {
        return field(call, "object");
    }
    let f = field(call, "function")?;
    match f.kind() {
        "attribute" | "member_expression" => field(f, "object"),
        "selector_expression" => field(f, "operand"),
        _ => None,
    }
}

/// The callee as written: `pickle.loads`, `json.NewDecoder(r.Body).Decode`, `mapper.readValue`.
pub(crate) fn callee_text(src: &str, call: Node) -> String {
    let text = |n: Node| src.get(n.byte_range()).unwrap_or("");
    if call.kind() == "method_invocation" {
        let name = field(call, "name").map(text).unwrap_or("");
        return match field(call, "object") {
            Some(o) => format!("{}.{name}", text(o)),
            None => name.to_string(),
        };
    }
    field(call, "function")
        .or_else(|| field(call, "constructor"))
        .or_else(|| field(call, "type"))
        .map(text)
        .unwrap_or("")
        .to_string()
}

/// The receiver a consumer call is made on, as text.
pub(crate) fn receiver_text(cx: &Cx, at: Node) -> Option<String> {
    callee_receiver(at).map(|r| cx.text(r).to_string())
}

/// Whether `inner` lies within `outer`.
pub(crate) fn within(inner: Node, outer: Node) -> bool {
    inner.start_byte() >= outer.start_byte() && inner.end_byte() <= outer.end_byte()
}

/// Parameter names that carry a consumed message whatever the function is called.
const MESSAGE_PARAMS: &[&str] = &[
    "message",
    "msg",
    "delivery",
    "kafka_message",
    "kafkamessage",
    "consumer_record",
    "consumerrecord",
];
/// Parameter names that carry a message in a function whose name says it handles messages.
const PAYLOAD_PARAMS: &[&str] = &[
    "record", "event", "body", "payload", "data", "task", "job", "m", "d", "rec", "evt",
];

/// A function name that says it handles messages.
pub(crate) fn message_like_fn(name: &str) -> bool {
    let l = name.to_ascii_lowercase();
    [
        "message",
        "msg",
        "consum",
        "deliver",
        "record",
        "event",
        "listen",
        "subscri",
        "on_",
        "worker",
        "handle_task",
        "process_task",
    ]
    .iter()
    .any(|w| l.contains(w))
}

fn name_heuristic(fn_name: &str, param: &str) -> Option<DataSource> {
    let p = param.to_ascii_lowercase();
    if MESSAGE_PARAMS.contains(&p.as_str()) {
        return Some(DataSource::Message);
    }
    if PAYLOAD_PARAMS.contains(&p.as_str()) && message_like_fn(fn_name) {
        return Some(DataSource::Message);
    }
    if p == "request" || p == "req" {
        return Some(DataSource::Request);
    }
    None
}

/// Whether a name might hold a credential (a cheap filter; the rules decide).
pub(crate) fn credential_like(name: &str) -> bool {
    if name.len() < 3 || name.len() > 80 {
        return false;
    }
    // Every credential word below contains one of these letter pairs.
    let b = name.as_bytes();
    let pairs: [&[u8; 2]; 9] = [
        b"pa", b"pw", b"se", b"to", b"ke", b"au", b"cr", b"be", b"hm",
    ];
    if !b
        .windows(2)
        .any(|w| pairs.iter().any(|p| w.eq_ignore_ascii_case(&p[..])))
        && !b.windows(2).any(|w| w.eq_ignore_ascii_case(b"sa"))
    {
        return false;
    }
    let l: String = name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect();
    const WORDS: &[&str] = &[
        "pass",
        "pwd",
        "secret",
        "token",
        "apikey",
        "privatekey",
        "accesskey",
        "secretkey",
        "signingkey",
        "encryptionkey",
        "masterkey",
        "clientkey",
        "auth",
        "cred",
        "bearer",
        "salt",
        "hmac",
    ];
    WORDS.iter().any(|w| l.contains(w)) || l == "key" || l.ends_with("apikey")
}

/// A cheap first test for [`expr::is_env_helper`] (no allocation): the name mentions `env`.
pub(crate) fn maybe_env_helper(name: &str) -> bool {
    name.len() <= 40
        && name
            .as_bytes()
            .windows(3)
            .any(|w| w.eq_ignore_ascii_case(b"env"))
        && expr::is_env_helper(name)
}

/// Header names that carry credentials.
pub(crate) fn credential_header(name: &str) -> bool {
    let l = name.to_ascii_lowercase();
    matches!(
        l.as_str(),
        "authorization" | "proxy-authorization" | "cookie" | "set-cookie"
    ) || l.contains("api-key")
        || l.contains("apikey")
        || l.contains("token")
        || l.contains("secret")
        || l.contains("auth")
}

// ----- the walk ------------------------------------------------------------------------------

struct Walk {
    budget: u32,
    hops: u32,
    seen: HashSet<(usize, usize)>,
}

#[derive(Clone, Copy)]
struct Frame<'t> {
    func: usize,
    call: Node<'t>,
}

/// Where the value of `n` comes from.
pub(crate) fn classify<'t>(cx: &Cx<'t>, lang: &Lang, n: Node<'t>) -> Origin<'t> {
    let mut w = Walk {
        budget: WALK_BUDGET,
        hops: 0,
        seen: HashSet::new(),
    };
    walk(cx, lang, n, None, 0, &mut w)
}

fn walk<'t>(
    cx: &Cx<'t>,
    lang: &Lang,
    n: Node<'t>,
    frame: Option<Frame<'t>>,
    depth: u32,
    w: &mut Walk,
) -> Origin<'t> {
    if depth > 32 || w.budget == 0 || !cx.tick() {
        return Origin::unknown();
    }
    w.budget -= 1;
    if !w
        .seen
        .insert((n.id(), frame.map_or(0, |f| f.call.id() + 1)))
    {
        return Origin::unknown();
    }
    let flow = &cx.flow;
    let here = || flow.fn_name_at(n.start_byte()).to_string();
    if CALL_KINDS.contains(&n.kind()) || n.kind() == "composite_literal" {
        if let Some(c) = flow.consumer_in(n) {
            return Origin {
                source: DataSource::Message,
                topic: Some(c.topic.clone()),
                technology: Some(c.technology.clone()),
                inferred: false,
                at: Some(n),
                path: Vec::new(),
            }
            .push_fn(&here());
        }
    }
    match (lang.step)(cx, n) {
        Step::Source(source, at) => {
            let mut o = Origin {
                source,
                topic: None,
                technology: None,
                inferred: false,
                at: Some(at),
                path: Vec::new(),
            };
            if source == DataSource::Message {
                // A client recognised by the language (a consumer without topics in its
                // constructor): the topic of its subscription, or the file's only one.
                let recv = receiver_of_source(cx, at);
                if let Some(c) = flow.consumer_for(recv.as_deref()) {
                    o.topic = Some(c.topic.clone());
                    o.technology = Some(c.technology.clone());
                }
            }
            o.push_fn(&here())
        }
        Step::Follow(list) => {
            let mut best: Option<Origin<'t>> = None;
            for m in list.into_iter().take(16) {
                let o = walk(cx, lang, m, frame, depth + 1, w);
                let b = match best {
                    Some(b) => b.better(o),
                    None => o,
                };
                let done = b.source == DataSource::Message && !b.inferred;
                best = Some(b);
                if done {
                    break;
                }
            }
            let mut best = best.unwrap_or_else(Origin::unknown);
            if best.source == DataSource::Unknown && best.path.is_empty() {
                best.path = vec![here()];
                best.path.retain(|p| !p.is_empty());
            }
            best
        }
        Step::Param(ident) => param(cx, lang, ident, frame, depth, w),
        Step::Local(name, call) => local(cx, lang, &name, call, depth, w),
        Step::Unknown => Origin::unknown().push_fn(&here()),
    }
}

/// The variable a recognised message client is held in, to find its subscription's topic.
fn receiver_of_source(cx: &Cx, at: Node) -> Option<String> {
    match at.kind() {
        "identifier" => Some(cx.text(at).to_string()),
        "attribute" | "member_expression" | "field_access" | "selector_expression" => {
            Some(cx.text(at).to_string())
        }
        _ => callee_receiver(at).map(|r| cx.text(r).to_string()),
    }
}

fn param<'t>(
    cx: &Cx<'t>,
    lang: &Lang,
    ident: Node<'t>,
    frame: Option<Frame<'t>>,
    depth: u32,
    w: &mut Walk,
) -> Origin<'t> {
    let flow = &cx.flow;
    let name = cx.text(ident);
    let Some((fi, idx)) = flow
        .fns_around(ident.start_byte())
        .into_iter()
        .find_map(|i| {
            flow.fns[i]
                .params
                .iter()
                .position(|(p, _)| p == name)
                .map(|k| (i, k))
        })
    else {
        return Origin::unknown().push_fn(flow.fn_name_at(ident.start_byte()));
    };
    let f = &flow.fns[fi];
    if f.receiver_param && idx == 0 {
        return Origin::unknown().push_fn(&f.name);
    }
    let here = |o: Origin<'t>| o.push_fn(&f.name);
    let ty = f.params[idx].1.as_deref();
    if let Some(source) = (lang.param_source)(name, ty) {
        let mut o = Origin {
            source,
            topic: None,
            technology: None,
            inferred: false,
            at: Some(f.node),
            path: Vec::new(),
        };
        if let Some(e) = &f.entry {
            if e.source == source {
                o.topic = e.topic.clone();
                o.technology = e.technology.clone();
            }
        }
        return here(o);
    }
    if let Some(e) = &f.entry {
        return here(Origin {
            source: e.source,
            topic: e.topic.clone(),
            technology: e.technology.clone(),
            inferred: e.inferred,
            at: Some(f.node),
            path: Vec::new(),
        });
    }
    let arg_index = idx - usize::from(f.receiver_param);
    if let Some(fr) = frame.filter(|fr| fr.func == fi) {
        if let Some(a) = (lang.arg)(cx, fr.call, arg_index, name) {
            let o = walk(cx, lang, a, None, depth + 1, w);
            return here(o);
        }
    }
    // The helper's callers in this file.
    let mut best: Option<Origin<'t>> = None;
    if w.hops < MAX_HOPS {
        w.hops += 1;
        for &site in flow.sites_of(&f.name).iter().take(MAX_SITES) {
            if within(site, f.node) {
                continue;
            }
            if let Some(a) = (lang.arg)(cx, site, arg_index, name) {
                let o = walk(cx, lang, a, None, depth + 1, w);
                best = Some(match best {
                    Some(b) => b.better(o),
                    None => o,
                });
            }
        }
        w.hops -= 1;
    }
    if let Some(b) = best.filter(|b| b.source != DataSource::Unknown) {
        return here(b);
    }
    if let Some(source) = name_heuristic(&f.name, name) {
        let mut o = Origin {
            source,
            topic: None,
            technology: None,
            inferred: true,
            at: Some(f.node),
            path: Vec::new(),
        };
        if source == DataSource::Message {
            if let Some(c) = flow.sole_consumer() {
                o.topic = Some(c.topic.clone());
                o.technology = Some(c.technology.clone());
            }
        }
        return here(o);
    }
    here(Origin::unknown())
}

fn local<'t>(
    cx: &Cx<'t>,
    lang: &Lang,
    name: &str,
    call: Node<'t>,
    depth: u32,
    w: &mut Walk,
) -> Origin<'t> {
    let flow = &cx.flow;
    let caller = flow.fn_name_at(call.start_byte()).to_string();
    if w.hops >= MAX_HOPS {
        return Origin::unknown().push_fn(&caller);
    }
    w.hops += 1;
    let mut best: Option<Origin<'t>> = None;
    for &fi in flow.fns_named(name).iter().take(3) {
        let f = &flow.fns[fi];
        let (s, e) = (f.node.start_byte(), f.node.end_byte());
        let a = flow.returns.partition_point(|r| r.start_byte() < s);
        for &r in flow.returns[a..]
            .iter()
            .take_while(|r| r.start_byte() < e)
            .filter(|r| flow.fn_at(r.start_byte()) == Some(fi))
            .take(8)
        {
            let o = walk(cx, lang, r, Some(Frame { func: fi, call }), depth + 1, w);
            best = Some(match best {
                Some(b) => b.better(o),
                None => o,
            });
        }
    }
    w.hops -= 1;
    best.unwrap_or_else(Origin::unknown).push_fn(&caller)
}

// ----- handlers ------------------------------------------------------------------------------

/// Language hooks for finding handler functions.
pub(crate) struct HandlerHooks {
    /// The function a route registration names (decorated function, last handler argument,
    /// annotated method).
    pub route_handler: for<'t> fn(&Cx<'t>, Node<'t>) -> Option<Node<'t>>,
    /// Callback functions a consumer registration passes (or the annotated listener method).
    pub consumer_callbacks: for<'t> fn(&Cx<'t>, Node<'t>) -> Vec<Node<'t>>,
    /// Handlers only the language knows (kafkajs `run({eachMessage})`, NestJS
    /// `@EventPattern`), marked with [`mark`].
    pub extra: for<'t> fn(&mut Cx<'t>),
}

/// Marks route handlers and consumer callbacks as entries, records them and the functions
/// that poll or iterate consumers as handlers, and guesses message handlers from names.
pub(crate) fn link_handlers<'t>(cx: &mut Cx<'t>, hooks: &HandlerHooks) {
    let Some(root) = cx.root else { return };
    // Routes.
    let routes = std::mem::take(&mut cx.flow.routes);
    for (s, e, label) in &routes {
        let Some(at) = root.descendant_for_byte_range(*s, *e) else {
            continue;
        };
        if let Some(h) = (hooks.route_handler)(cx, at) {
            name_anonymous(cx, h, || format!("handler of {label}"));
            mark(
                cx,
                h,
                Entry {
                    source: DataSource::Request,
                    topic: None,
                    technology: None,
                    inferred: false,
                },
                HandlerKind::Request,
            );
        }
    }
    cx.flow.routes = routes;
    // Consumers.
    let consumers = cx.flow.consumers.clone();
    let mut polled = Vec::new();
    for c in &consumers {
        let Some(at) = root.descendant_for_byte_range(c.start, c.end) else {
            continue;
        };
        let entry = Entry {
            source: DataSource::Message,
            topic: Some(c.topic.clone()),
            technology: Some(c.technology.clone()),
            inferred: false,
        };
        let callbacks = (hooks.consumer_callbacks)(cx, at);
        if callbacks.is_empty() {
            polled.push((c, entry));
            continue;
        }
        for cb in callbacks {
            let topic = c.topic.display();
            name_anonymous(cx, cb, || format!("consumer of {topic}"));
            mark(cx, cb, entry.clone(), HandlerKind::Message);
        }
    }
    (hooks.extra)(cx);
    for (c, entry) in polled {
        // Polled or iterated: the function doing it handles the messages, unless it only
        // registers a handler marked above.
        let around: Vec<Node<'t>> = match cx.flow.fn_at(c.start) {
            Some(i) => {
                let f = cx.flow.fns[i].node;
                let inner_handler = cx.flow.fns.iter().any(|g| {
                    g.node.id() != f.id()
                        && within(g.node, f)
                        && g.entry
                            .as_ref()
                            .is_some_and(|e| e.source == DataSource::Message)
                });
                if inner_handler {
                    Vec::new()
                } else {
                    vec![f]
                }
            }
            None => match &c.receiver {
                // A client made at module level: the functions that use it.
                Some(r) => {
                    let word = r.trim_start_matches("self.").trim_start_matches("this.");
                    cx.flow
                        .fns
                        .iter()
                        .filter(|f| f.name != "<anonymous>")
                        .filter(|f| mentions_word(cx.text(f.node), word))
                        .map(|f| f.node)
                        .take(8)
                        .collect()
                }
                None => Vec::new(),
            },
        };
        for f in around {
            record_handler(cx, f, &entry, HandlerKind::Message);
        }
    }
    // Named like message handlers, with a message-like parameter.
    let guesses: Vec<Node<'t>> = cx
        .flow
        .fns
        .iter()
        .filter(|f| f.entry.is_none() && message_like_fn(&f.name))
        .filter(|f| {
            f.params.iter().any(|(p, _)| {
                let p = p.to_ascii_lowercase();
                MESSAGE_PARAMS.contains(&p.as_str()) || PAYLOAD_PARAMS.contains(&p.as_str())
            })
        })
        .map(|f| f.node)
        .collect();
    for g in guesses {
        let (topic, technology) = match cx.flow.sole_consumer() {
            Some(c) => (Some(c.topic.clone()), Some(c.technology.clone())),
            None => (None, None),
        };
        mark(
            cx,
            g,
            Entry {
                source: DataSource::Message,
                topic,
                technology,
                inferred: true,
            },
            HandlerKind::Message,
        );
    }
}

/// Names an anonymous function after what it handles.
fn name_anonymous<'t>(cx: &mut Cx<'t>, f: Node<'t>, name: impl FnOnce() -> String) {
    if let Some(i) = cx.flow.fn_of_node(f) {
        if cx.flow.fns[i].name == "<anonymous>" {
            cx.flow.fns[i].name = name();
        }
    }
}

fn mentions_word(text: &str, word: &str) -> bool {
    if word.is_empty() {
        return false;
    }
    text.match_indices(word).any(|(i, _)| {
        let before = text[..i].chars().next_back();
        let after = text[i + word.len()..].chars().next();
        !before.is_some_and(|c| c.is_alphanumeric() || c == '_')
            && !after.is_some_and(|c| c.is_alphanumeric() || c == '_')
    })
}

/// Makes function `f` an entry (its parameters carry the data) and records it as a handler.
pub(crate) fn mark<'t>(cx: &mut Cx<'t>, f: Node<'t>, entry: Entry, kind: HandlerKind) {
    if let Some(i) = cx.flow.fn_of_node(f) {
        let def = &mut cx.flow.fns[i];
        match &def.entry {
            // Evidence the file shows replaces a guess.
            Some(e) if !e.inferred || entry.inferred => {}
            _ => def.entry = Some(entry.clone()),
        }
    }
    record_handler(cx, f, &entry, kind);
}

fn record_handler<'t>(cx: &mut Cx<'t>, f: Node<'t>, entry: &Entry, kind: HandlerKind) {
    let key = (f.id(), kind == HandlerKind::Message);
    if let Some(&i) = cx.flow.handler_nodes.get(&key) {
        // Evidence the file shows replaces a guess.
        let h = &mut cx.flow.handlers[i];
        if h.inferred && !entry.inferred {
            h.inferred = false;
            h.topic = entry.topic.clone();
            h.technology = entry.technology.clone();
        }
        return;
    }
    cx.flow.handler_nodes.insert(key, cx.flow.handlers.len());
    let name = cx.flow.fn_of_node(f).map_or_else(
        || "<anonymous>".to_string(),
        |i| cx.flow.fns[i].name.clone(),
    );
    let (parses, validates, dedups) = if kind == HandlerKind::Message {
        if cx.flow.schema_registry.is_none() {
            let src = cx.src;
            cx.flow.schema_registry = Some(
                [
                    "AvroDeserializer",
                    "ProtobufDeserializer",
                    "JSONDeserializer",
                    "schema_registry",
                    "SchemaRegistry",
                ]
                .iter()
                .any(|w| src.contains(w)),
            );
        }
        payload_checks(cx, f)
    } else {
        (false, false, false)
    };
    let loc = cx.loc(f);
    let end = end_loc(cx, f);
    cx.flow.handlers.push(Handler {
        kind,
        name,
        technology: entry.technology.clone(),
        topic: entry.topic.clone(),
        inferred: entry.inferred,
        parses_payload: parses,
        validates,
        dedups,
        loc,
        end,
    });
}

fn end_loc(cx: &Cx, n: Node) -> stridemap_model::Location {
    let p = n.end_position();
    let line_start = n.end_byte().saturating_sub(p.column);
    let col = cx
        .src
        .get(line_start..n.end_byte())
        .map_or(p.column, |s| s.chars().count());
    stridemap_model::Location::new(p.row as u32 + 1, col as u32 + 1)
}

/// Decoding, schema checks and duplicate checks in a message handler and the functions of
/// the file it calls.
fn payload_checks<'t>(cx: &Cx<'t>, f: Node<'t>) -> (bool, bool, bool) {
    let flow = &cx.flow;
    let mut region = vec![f];
    for &c in flow.calls_in(f.start_byte(), f.end_byte()).iter().take(400) {
        if let Some(name) = callee_name_in(cx.src, c) {
            for &i in flow.fns_named(name).iter().take(2) {
                let g = flow.fns[i].node;
                if !region.iter().any(|r| r.id() == g.id()) && region.len() < 10 {
                    region.push(g);
                }
            }
        }
    }
    let imports: Vec<&str> = cx.imports.values().map(String::as_str).collect();
    let imports_any = |mods: &[&str]| imports.iter().any(|m| mods.iter().any(|x| m.contains(x)));
    let zod_like = imports_any(&["zod", "yup", "superstruct", "valibot", "io-ts"]);
    let pydantic = imports_any(&["pydantic", "marshmallow", "dataclasses_json", "msgspec"]);
    let (mut parses, mut validates) = (false, false);
    for r in &region {
        for &c in flow.calls_in(r.start_byte(), r.end_byte()).iter().take(600) {
            let callee = callee_text(cx.src, c).to_ascii_lowercase();
            let name = callee.rsplit('.').next().unwrap_or("");
            if is_parse_call(&callee, name) {
                parses = true;
            }
            if is_validation_call(&callee, name)
                || (zod_like && name == "parse" && !callee.starts_with("json."))
                || (pydantic
                    && (cx.text(c).contains("(**")
                        || matches!(name, "parse_obj" | "parse_raw" | "load" | "loads")
                            && callee.contains("schema")))
            {
                validates = true;
            }
        }
    }
    if !validates {
        // Bean Validation on the listener's payload; schema-registry deserializers.
        let head = cx.text(f);
        let head = &head[..floor_char_boundary(head, 400)];
        validates = head.contains("@Valid") || head.contains("@Validated");
    }
    if !validates && parses {
        // Schema registry deserializers configured in the file.
        validates = flow.schema_registry == Some(true);
    }
    let dedups = region.iter().any(|r| dedup_text(cx.text(*r)));
    (parses, validates, dedups)
}

fn is_parse_call(callee: &str, name: &str) -> bool {
    const ENDS: &[&str] = &[
        "json.loads",
        "json.load",
        "json.parse",
        "json.unmarshal",
        "yaml.load",
        "yaml.safe_load",
        "yaml.unmarshal",
        "yaml.full_load",
        "xml.unmarshal",
        "proto.unmarshal",
        "msgpack.unpackb",
        "msgpack.loads",
        "msgpack.decode",
        "pickle.loads",
        "pickle.load",
        "marshal.loads",
        "jsonpickle.decode",
        "etree.fromstring",
    ];
    ENDS.iter().any(|e| callee.ends_with(e))
        || matches!(
            name,
            "readvalue"
                | "readtree"
                | "fromjson"
                | "parsefrom"
                | "parsefromstring"
                | "fromstring"
                | "unserialize"
                | "deserialize"
                | "readobject"
                | "unmarshal"
                | "model_validate_json"
                | "parse_raw"
        )
        || (name == "decode" && callee.contains("newdecoder("))
}

fn is_validation_call(callee: &str, name: &str) -> bool {
    name.contains("validat")
        || callee.contains("schema")
        || matches!(
            name,
            "parse_obj"
                | "parse_raw"
                | "parse_obj_as"
                | "model_validate"
                | "model_validate_json"
                | "safeparse"
                | "safeparseasync"
                | "parseasync"
                | "parsefrom"
                | "parsefromstring"
                | "fromstring"
                | "assert"
                | "attempt"
                | "struct"
                | "plaintoinstance"
                | "plaintoclass"
        ) && !callee.starts_with("json.")
            && !callee.starts_with("etree.")
        || callee.contains("proto.unmarshal")
        || callee.contains("avro")
        || callee.contains("validator")
}

fn dedup_text(text: &str) -> bool {
    let l = text.to_ascii_lowercase();
    const WORDS: &[&str] = &[
        "idempot",
        "dedup",
        "duplicate",
        "already_processed",
        "alreadyprocessed",
        "is_processed",
        "isprocessed",
        "was_processed",
        "wasprocessed",
        "processed_ids",
        "processedids",
        "seen_ids",
        "seenids",
        "seen_messages",
        "setnx",
        "nx=true",
        "nx: true",
        "setifabsent",
        "putifabsent",
        "on conflict",
        "if_not_exists",
        "insert ignore",
    ];
    WORDS.iter().any(|w| l.contains(w))
}

// ----- retry loops ---------------------------------------------------------------------------

/// Records the loops that retry outbound calls, with whether they are bounded and back off.
pub(crate) fn retry_loops<'t>(cx: &mut Cx<'t>, loops: &[LoopInfo<'t>]) {
    if loops.is_empty() || cx.flow.outbound.is_empty() {
        return;
    }
    let mut sorted: Vec<&LoopInfo<'t>> = loops.iter().collect();
    sorted.sort_by_key(|l| l.node.start_byte());
    // Innermost loop of each outbound call.
    let mut by_loop: HashMap<usize, (usize, Vec<String>)> = HashMap::new();
    for (s, _, lib) in &cx.flow.outbound {
        let end = sorted.partition_point(|l| l.node.start_byte() <= *s);
        let Some(li) = (0..end)
            .rev()
            .take(256)
            .filter(|&i| sorted[i].node.end_byte() > *s)
            .max_by_key(|&i| sorted[i].node.start_byte())
        else {
            continue;
        };
        // Not when a function literal inside the loop makes the call.
        if cx.flow.fn_at(*s) != cx.flow.fn_at(sorted[li].node.start_byte()) {
            continue;
        }
        let e = by_loop.entry(li).or_insert((*s, Vec::new()));
        if !e.1.contains(lib) {
            e.1.push(lib.clone());
        }
    }
    let mut out = Vec::new();
    let mut keys: Vec<&usize> = by_loop.keys().collect();
    keys.sort();
    for &li in keys {
        let info = sorted[li];
        let libs = &by_loop[&li].1;
        if info.shape == LoopShape::Iteration {
            continue;
        }
        let text = cx.text(info.node);
        let lower = text.to_ascii_lowercase();
        let head_text = info.head.map(|h| cx.text(h)).unwrap_or("");
        // A consumer or accept loop that happens to call out is not a retry.
        const WORKER: &[&str] = &[
            ".poll(",
            ".consume(",
            "readmessage(",
            "fetchmessage(",
            "get_message(",
            "receive_message(",
            "receivemessage(",
            ".accept(",
            "getmany(",
            ".next(",
        ];
        if WORKER.iter().any(|w| lower.contains(w)) {
            continue;
        }
        let exit = has_word(&lower, "break") || has_word(&lower, "return");
        let errors = lower.contains("except")
            || lower.contains("catch")
            || lower.contains("err != nil")
            || lower.contains("err == nil")
            || lower.contains("status")
            || lower.contains(".ok");
        let named = ["retr", "attempt", "tries", "tried"]
            .iter()
            .any(|w| lower.contains(w));
        let is_retry = match info.shape {
            LoopShape::Infinite | LoopShape::Conditional => exit && (errors || named),
            LoopShape::Counted => named || (errors && exit),
            LoopShape::Iteration => false,
        };
        if !is_retry {
            continue;
        }
        let deadline = [
            "deadline",
            "time.time()",
            "monotonic()",
            "date.now()",
            "time.since(",
            "time.now().after",
            "ctx.done()",
            "ctx.err()",
            "elapsed",
            "currenttimemillis",
            "nanotime",
            "instant.now",
        ]
        .iter()
        .any(|w| lower.contains(w));
        let bounded = match info.shape {
            LoopShape::Counted => true,
            LoopShape::Conditional => {
                let h = head_text.to_ascii_lowercase();
                h.contains('<') || h.contains('>') || deadline || counter_checked(&lower)
            }
            _ => deadline || counter_checked(&lower),
        };
        let backoff = [
            "sleep",
            "settimeout",
            "time.after",
            "backoff",
            "delay",
            "timer",
            "jitter",
            "ticker",
        ]
        .iter()
        .any(|w| lower.contains(w));
        let first_line = text.lines().next().unwrap_or("").trim();
        let head = expr::short_text(first_line.trim_end_matches([':', '{']).trim());
        out.push((info.node, head, libs.join(", "), bounded, backoff));
    }
    for (node, head, libs, bounded, backoff) in out {
        let loc = cx.loc(node);
        cx.flow.retries.push(RetryLoop {
            mechanism: "loop".into(),
            detail: format!("`{head}` around {libs} calls"),
            bounded,
            backoff,
            loc,
        });
    }
}

fn has_word(text: &str, word: &str) -> bool {
    mentions_word(text, word)
}

/// An attempt counter: a name incremented in the loop and compared in it.
fn counter_checked(lower: &str) -> bool {
    let mut names: Vec<&str> = Vec::new();
    for pat in ["+= 1", "++", "+=1"] {
        for (i, _) in lower.match_indices(pat).take(16) {
            let before = lower[..i].trim_end();
            let start = before
                .rfind(|c: char| !(c.is_alphanumeric() || c == '_' || c == '.'))
                .map_or(0, |p| p + 1);
            let name = &before[start..];
            if !name.is_empty() {
                names.push(name);
            }
        }
    }
    for (i, _) in lower.match_indices("++").take(16) {
        // Prefix form: `++attempt`.
        let after = &lower[i + 2..];
        let end = after
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(after.len());
        if end > 0 {
            names.push(&after[..end]);
        }
    }
    names.iter().any(|n| {
        ["<", ">", "=="].iter().any(|op| {
            lower.contains(&format!("{n} {op}"))
                || lower.contains(&format!("{n}{op}"))
                || lower.contains(&format!("{op} {n}"))
                || lower.contains(&format!("{op}{n}"))
        })
    })
}

// ----- secrets in source -----------------------------------------------------------------------

/// Fragments of well-known token formats, URL and connection-string credentials: literals
/// containing one are kept for the secrets rules.
const TOKEN_MARKERS: &[&str] = &[
    "AKIA",
    "ASIA",
    "ghp_",
    "gho_",
    "ghu_",
    "ghs_",
    "ghr_",
    "github_pat_",
    "glpat-",
    "xoxb-",
    "xoxp-",
    "xoxa-",
    "xoxo-",
    "xoxs-",
    "xoxr-",
    "hooks.slack.com",
    "sk_live_",
    "sk_test_",
    "rk_live_",
    "rk_test_",
    "sq0atp-",
    "sq0csp-",
    "amzn.mws.",
    "SG.",
    "AIza",
    "ya29.",
    "EAA",
    "PRIVATE KEY",
    "eyJ",
    "npm_",
    "pypi-",
    "dckr_pat_",
    "hvs.",
    "AccountKey=",
    "T3BlbkFJ",
    "://",
    "assword=",
    "pwd=",
    "Pwd=",
    "PWD=",
];

static MARKERS: std::sync::LazyLock<aho_corasick::AhoCorasick> = std::sync::LazyLock::new(|| {
    aho_corasick::AhoCorasick::new(TOKEN_MARKERS).expect("literal patterns")
});

/// String literal node kinds of the grammars.
pub(crate) const STRING_KINDS: &[&str] = &[
    "string",
    "template_string",
    "interpreted_string_literal",
    "raw_string_literal",
    "string_literal",
];

/// Literals with a token shape anywhere in the file (one pass over the text).
pub(crate) fn token_literals(cx: &mut Cx) {
    let Some(root) = cx.root else { return };
    let mut seen: HashSet<usize> = HashSet::new();
    let mut found = Vec::new();
    for m in MARKERS.find_iter(cx.src).take(2000) {
        let marker = TOKEN_MARKERS[m.pattern().as_usize()];
        if marker == "://" {
            // URL credentials: an `@` before the URL ends.
            let rest = cx.src.get(m.end()..).unwrap_or("");
            let end = rest
                .find(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | '`' | '/'))
                .unwrap_or(rest.len());
            if !rest[..end].contains('@') {
                continue;
            }
        }
        let Some(mut n) = root.descendant_for_byte_range(m.start(), m.end()) else {
            continue;
        };
        let mut lit = None;
        for _ in 0..4 {
            if STRING_KINDS.contains(&n.kind()) {
                lit = Some(n);
                break;
            }
            match n.parent() {
                Some(p) => n = p,
                None => break,
            }
        }
        let Some(lit) = lit else { continue };
        if seen.contains(&lit.id()) {
            continue;
        }
        let raw = cx.text(lit);
        if marker == "://" && !raw.contains('@') {
            continue;
        }
        seen.insert(lit.id());
        let value = literal_text(raw);
        if value.len() < 8 || value.len() > 4096 {
            continue;
        }
        found.push((lit, value));
    }
    for (lit, value) in found {
        let loc = cx.loc(lit);
        cx.flow.hardcoded.push(HardcodedValue {
            name: None,
            value,
            context: "literal".into(),
            loc,
        });
    }
}

/// The body of a string literal as written (quotes, prefixes and text-block fences removed).
pub(crate) fn literal_text(raw: &str) -> String {
    let t = raw.trim_start_matches(|c: char| c.is_ascii_alphabetic());
    for q in ["\"\"\"", "'''", "\"", "'", "`"] {
        if let Some(inner) = t.strip_prefix(q).and_then(|s| s.strip_suffix(q)) {
            let inner = if q == "\"\"\"" {
                inner.strip_prefix('\n').unwrap_or(inner)
            } else {
                inner
            };
            return expr::unescape(inner);
        }
    }
    t.to_string()
}

/// Records a literal given to a name, when the name might be a credential.
pub(crate) fn hardcoded(cx: &mut Cx, name: &str, value: &str, context: &str, at: Node) {
    if !credential_like(name) || value.len() < 3 || value.len() > 4096 {
        return;
    }
    let loc = cx.loc(at);
    cx.flow.hardcoded.push(HardcodedValue {
        name: Some(name.to_string()),
        value: value.to_string(),
        context: context.to_string(),
        loc,
    });
}

/// Records a logging call that carries credential-looking names.
pub(crate) fn secret_log(cx: &mut Cx, logger: &str, mut names: Vec<LoggedName>, at: Node) {
    names.retain(|n| match n.kind {
        NameKind::Header => credential_header(&n.name),
        _ => credential_like(&n.name),
    });
    if names.is_empty() {
        return;
    }
    let mut seen = HashSet::new();
    names.retain(|n| seen.insert((n.name.clone(), n.kind)));
    let loc = cx.loc(at);
    cx.flow.secret_logs.push(SecretLog {
        logger: expr::short_text(logger),
        names,
        loc,
    });
}

/// Records a deserialization sink fed by `data`.
pub(crate) fn deserialization<'t>(
    cx: &mut Cx<'t>,
    lang: &Lang,
    at: Node<'t>,
    library: &str,
    call: &str,
    data: Option<Node<'t>>,
) {
    let src = cx.src;
    cx.flow.index_sites(src);
    let origin = match data {
        Some(d) => classify(cx, lang, d),
        None => Origin::unknown(),
    };
    let call = expr::short_text(call);
    let mut path = origin.path.clone();
    if path.is_empty() {
        let f = cx.flow.fn_name_at(at.start_byte());
        if !f.is_empty() {
            path.push(f.to_string());
        }
    }
    path.push(call.clone());
    let source_loc = origin.at.map(|n| cx.loc(n));
    let loc = cx.loc(at);
    cx.flow.deser.push(Deserialization {
        library: library.to_string(),
        call,
        source: origin.source,
        inferred: origin.inferred,
        topic: origin.topic,
        technology: origin.technology,
        path,
        source_loc,
        loc,
    });
}

/// The largest char boundary of `s` at or below `at`.
fn floor_char_boundary(s: &str, at: usize) -> usize {
    (0..=at.min(s.len()))
        .rev()
        .find(|&i| s.is_char_boundary(i))
        .unwrap_or(0)
}
