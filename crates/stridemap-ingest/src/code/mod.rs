//! Source code → [`CodeFacts`], with tree-sitter.
//!
//! Each file is parsed once with the grammar of its language. One tree-sitter query per grammar
//! collects the nodes of interest (scopes, assignments, calls, decorators, annotations…) in a
//! single pass; the language modules then interpret them with small, bounded tree walks:
//!
//! - [`Cx`] keeps the scopes and the single-file bindings (constants, locals, `self.x`/`this.x`
//!   fields, parameters) so an identifier can be followed to the value it was assigned;
//! - [`expr`] builds [`Expr`] values: literals, env reads with defaults, concatenation and
//!   printf/`str.format` templates;
//! - `python`, `js` (JavaScript and TypeScript), `go` and `java` recognise the client libraries,
//!   brokers, web frameworks and TLS settings;
//! - [`flow`] and each language's `indicators` submodule find the security indicators at the end
//!   of the same pass (deserialization sinks with where their input comes from, request and
//!   message handlers, retries, secrets in logs, literal credentials), reusing the captures and
//!   bindings above.
//!
//! Parsers and compiled queries are kept per thread / compiled once, so extraction is cheap when
//! rayon runs it over thousands of files. Nothing here panics on odd input: syntax errors give
//! partial trees, and every walk is bounded.

pub mod expr;
pub(crate) mod flow;
mod go;
mod java;
mod js;
mod python;
mod settings;

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::sync::LazyLock;

use crate::budget::{Budget, Meter};
use streaming_iterator::StreamingIterator;
use stridemap_model::code::{
    CallKind, CodeFacts, Expr, InsecureTls, MessagingRole, MessagingUse, OutboundCall, Route,
};
use stridemap_model::corpus::Language;
use stridemap_model::{FileId, Location, SourceFile};
use tree_sitter::{Node, Parser, Query, QueryCursor, Tree};

/// How deep value resolution follows identifiers and nested expressions.
pub(crate) const MAX_DEPTH: usize = 12;

/// Resolution steps allowed per file, plus one per byte of source.
const FUEL_BASE: u32 = 200_000;

/// Extracts the facts of one source file.
pub fn extract(file: FileId, language: Language, source: &SourceFile) -> CodeFacts {
    extract_within(file, language, source, Budget::unlimited()).0
}

/// [`extract`] within a time budget: when parsing or querying runs out of time, the facts found
/// so far are returned with the byte offset where the work stopped.
pub fn extract_within(
    file: FileId,
    language: Language,
    source: &SourceFile,
    budget: Budget,
) -> (CodeFacts, Option<usize>) {
    let mut facts = CodeFacts::new(file, language);
    let grammar = Grammar::of(language, &source.path);
    let tree = match parse(grammar, &source.text, budget) {
        Ok(Some(tree)) => tree,
        Ok(None) => return (facts, None),
        Err(stopped_at) => return (facts, Some(stopped_at)),
    };
    let Some(query) = QUERIES[grammar as usize].as_ref() else {
        return (facts, None);
    };
    let mut cx = Cx::new(source);
    cx.root = Some(tree.root_node());
    let (captures, stopped_at) = run_query(query, tree.root_node(), &source.text, budget);
    if let Some(at) = stopped_at {
        // Half the captures would give half-resolved bindings: keep nothing from this file.
        return (facts, Some(at));
    }
    match language {
        Language::Python => python::extract(&mut cx, &captures),
        Language::JavaScript | Language::TypeScript => js::extract(&mut cx, &captures),
        Language::Go => go::extract(&mut cx, &captures),
        Language::Java => java::extract(&mut cx, &captures),
    }
    settings::protocol_settings(&mut cx);
    cx.finish(&mut facts);
    (facts, None)
}

/// The tree-sitter grammars: TypeScript files ending in `.tsx` use the TSX grammar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Grammar {
    Python = 0,
    JavaScript = 1,
    TypeScript = 2,
    Tsx = 3,
    Go = 4,
    Java = 5,
}

impl Grammar {
    fn of(language: Language, path: &str) -> Self {
        match language {
            Language::Python => Grammar::Python,
            Language::JavaScript => Grammar::JavaScript,
            Language::TypeScript if path.to_ascii_lowercase().ends_with(".tsx") => Grammar::Tsx,
            Language::TypeScript => Grammar::TypeScript,
            Language::Go => Grammar::Go,
            Language::Java => Grammar::Java,
        }
    }

    fn language(self) -> tree_sitter::Language {
        match self {
            Grammar::Python => tree_sitter_python::LANGUAGE.into(),
            Grammar::JavaScript => tree_sitter_javascript::LANGUAGE.into(),
            Grammar::TypeScript => tree_sitter_typescript::LANGUAGE_TYPESCRIPT.into(),
            Grammar::Tsx => tree_sitter_typescript::LANGUAGE_TSX.into(),
            Grammar::Go => tree_sitter_go::LANGUAGE.into(),
            Grammar::Java => tree_sitter_java::LANGUAGE.into(),
        }
    }

    fn query_source(self) -> String {
        match self {
            Grammar::Python => python::QUERY.to_string(),
            Grammar::JavaScript => js::QUERY.to_string(),
            Grammar::TypeScript | Grammar::Tsx => format!("{}\n{}", js::QUERY, js::TS_QUERY),
            Grammar::Go => go::QUERY.to_string(),
            Grammar::Java => java::QUERY.to_string(),
        }
    }
}

const GRAMMARS: [Grammar; 6] = [
    Grammar::Python,
    Grammar::JavaScript,
    Grammar::TypeScript,
    Grammar::Tsx,
    Grammar::Go,
    Grammar::Java,
];

/// One compiled query per grammar, shared by all threads.
static QUERIES: LazyLock<Vec<Option<Query>>> = LazyLock::new(|| {
    GRAMMARS
        .iter()
        .map(|g| Query::new(&g.language(), &g.query_source()).ok())
        .collect()
});

thread_local! {
    /// One parser per grammar and thread.
    static PARSERS: RefCell<[Option<Parser>; 6]> = const { RefCell::new([None, None, None, None, None, None]) };
}

/// The syntax tree of `text`; `Err` with the byte offset reached when the budget ran out.
fn parse(grammar: Grammar, text: &str, budget: Budget) -> Result<Option<Tree>, usize> {
    PARSERS.with(|cell| {
        let Ok(mut parsers) = cell.try_borrow_mut() else {
            return Ok(None);
        };
        let slot = &mut parsers[grammar as usize];
        if slot.is_none() {
            let mut p = Parser::new();
            if p.set_language(&grammar.language()).is_err() {
                return Ok(None);
            }
            *slot = Some(p);
        }
        let Some(parser) = slot.as_mut() else {
            return Ok(None);
        };
        let bytes = text.as_bytes();
        let mut reached = 0;
        let mut stop = |state: &tree_sitter::ParseState| {
            reached = state.current_byte_offset();
            budget.exceeded()
        };
        let tree = parser.parse_with_options(
            &mut |offset, _| bytes.get(offset..).unwrap_or(&[]),
            None,
            Some(tree_sitter::ParseOptions::new().progress_callback(&mut stop)),
        );
        match tree {
            Some(tree) => Ok(Some(tree)),
            None if budget.exceeded() => {
                // A cancelled parse leaves state behind; the next file starts afresh.
                parser.reset();
                Err(reached)
            }
            None => Ok(None),
        }
    })
}

/// The nodes a query captured, by capture name (names starting with `_` are helpers and are
/// dropped), each list in document order.
pub(crate) struct Captures<'t> {
    by_name: HashMap<&'static str, Vec<Node<'t>>>,
}

impl<'t> Captures<'t> {
    pub fn get(&self, name: &str) -> &[Node<'t>] {
        self.by_name.get(name).map_or(&[], Vec::as_slice)
    }
}

/// The query's captures; with the byte offset reached when the budget ran out first.
fn run_query<'t>(
    query: &'static Query,
    root: Node<'t>,
    text: &str,
    budget: Budget,
) -> (Captures<'t>, Option<usize>) {
    let names = query.capture_names();
    let mut by_name: HashMap<&'static str, Vec<Node<'t>>> = HashMap::new();
    let mut cursor = QueryCursor::new();
    let mut reached = 0;
    let mut stop = |state: &tree_sitter::QueryCursorState| {
        reached = state.current_byte_offset();
        budget.exceeded()
    };
    let mut matches = cursor.matches_with_options(
        query,
        root,
        text.as_bytes(),
        tree_sitter::QueryCursorOptions::new().progress_callback(&mut stop),
    );
    let mut meter = Meter::new(budget, 256);
    let mut stopped = false;
    while let Some(m) = matches.next() {
        if meter.over() {
            stopped = true;
            break;
        }
        for c in m.captures {
            let name: &'static str = names[c.index as usize];
            if !name.starts_with('_') {
                by_name.entry(name).or_default().push(c.node);
            }
        }
    }
    drop(matches);
    let stopped_at = (stopped || budget.exceeded()).then_some(reached);
    for list in by_name.values_mut() {
        list.sort_by_key(|n| (n.start_byte(), std::cmp::Reverse(n.end_byte())));
        list.dedup_by_key(|n| n.id());
    }
    (Captures { by_name }, stopped_at)
}

/// A lexical scope: a function, method, lambda or class (body), or the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Scope {
    pub start: usize,
    pub end: usize,
    pub class: bool,
}

/// A name assigned in the file: `value` is the assigned expression (`None` for parameters and
/// other values the file does not show).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Binding<'t> {
    pub scope: Scope,
    /// End of the assignment: a use after it sees this value.
    pub end: usize,
    pub value: Option<Node<'t>>,
    /// Position in a multi-value assignment (`req, err := http.NewRequest(...)`).
    pub index: usize,
    /// The declared type, when the language shows one.
    pub ty: Option<Node<'t>>,
}

/// Extraction state of one file.
pub(crate) struct Cx<'t> {
    pub src: &'t str,
    file: &'t SourceFile,
    scopes: Vec<Scope>,
    /// For each scope (by index), the innermost scope around it (0: the file).
    parents: Vec<usize>,
    /// name → scope (start, end) → assignments.
    bindings: HashMap<String, HashMap<(usize, usize), Vec<Binding<'t>>>>,
    /// Imported names: local name → module path (or `module.member`).
    pub imports: HashMap<String, String>,
    calls: Vec<OutboundCall>,
    messaging: Vec<MessagingUse>,
    routes: Vec<Route>,
    tls: Vec<InsecureTls>,
    /// Work left for value resolution in this file: a guard against pathological inputs.
    fuel: Cell<u32>,
    /// The syntax tree's root.
    pub root: Option<Node<'t>>,
    /// Functions, call sites, consumers and routes for the security indicators, and the
    /// indicators found.
    pub flow: flow::Flow<'t>,
    /// The last location computed: (byte, row, column in characters).
    loc_cache: Cell<(usize, usize, usize)>,
}

impl<'t> Cx<'t> {
    fn new(file: &'t SourceFile) -> Self {
        Cx {
            src: &file.text,
            file,
            scopes: vec![Scope {
                start: 0,
                end: usize::MAX,
                class: false,
            }],
            parents: vec![0],
            bindings: HashMap::new(),
            imports: HashMap::new(),
            calls: Vec::new(),
            messaging: Vec::new(),
            routes: Vec::new(),
            tls: Vec::new(),
            loc_cache: Cell::new((0, 0, 0)),
            root: None,
            flow: flow::Flow::default(),
            fuel: Cell::new(
                FUEL_BASE.saturating_add(file.text.len().min(u32::MAX as usize) as u32),
            ),
        }
    }

    /// Spends one unit of resolution work; false once the file's budget is used up.
    pub fn tick(&self) -> bool {
        let f = self.fuel.get();
        if f == 0 {
            return false;
        }
        self.fuel.set(f - 1);
        true
    }

    /// The source text of a node.
    pub fn text(&self, n: Node) -> &'t str {
        self.src.get(n.byte_range()).unwrap_or("")
    }

    /// 1-based line and column (in characters) of a node's start, as
    /// [`SourceFile::location_of`] gives them; the column is counted from the previous location
    /// when it is on the same line, so minified one-line files stay linear.
    pub fn loc(&self, n: Node) -> Location {
        let byte = n.start_byte().min(self.src.len());
        let p = n.start_position();
        let Some(line_start) = byte.checked_sub(p.column) else {
            return self.file.location_of(byte);
        };
        let count = |from: usize| self.src.get(from..byte).map(|s| s.chars().count());
        let (cached_byte, cached_row, cached_col) = self.loc_cache.get();
        let col = if cached_row == p.row && (line_start..=byte).contains(&cached_byte) {
            count(cached_byte).map(|c| cached_col + c)
        } else {
            count(line_start)
        };
        let Some(col) = col else {
            return self.file.location_of(byte);
        };
        self.loc_cache.set((byte, p.row, col));
        Location::new(p.row as u32 + 1, col as u32 + 1)
    }

    /// `Expr::Unknown` with the (shortened) source text of a node.
    pub fn unknown(&self, n: Node) -> Expr {
        Expr::unknown(expr::short_text(self.text(n)))
    }

    // ----- scopes and bindings -------------------------------------------------------------

    pub fn add_scope(&mut self, n: Node, class: bool) {
        self.scopes.push(Scope {
            start: n.start_byte(),
            end: n.end_byte(),
            class,
        });
    }

    /// Call once all scopes are added, before binding: orders the scopes and links each to the
    /// innermost scope around it.
    pub fn seal_scopes(&mut self) {
        self.scopes
            .sort_by_key(|s| (s.start, std::cmp::Reverse(s.end)));
        self.scopes.dedup();
        let mut parents = Vec::with_capacity(self.scopes.len());
        let mut stack: Vec<usize> = Vec::new();
        for (i, s) in self.scopes.iter().enumerate() {
            while let Some(&top) = stack.last() {
                if self.scopes[top].end > s.start && self.scopes[top].end >= s.end {
                    break;
                }
                stack.pop();
            }
            parents.push(stack.last().copied().unwrap_or(0));
            stack.push(i);
        }
        self.parents = parents;
    }

    /// Scopes containing `pos`, innermost first (the file last).
    pub fn scopes_at(&self, pos: usize) -> impl Iterator<Item = Scope> + '_ {
        // The last scope starting at or before `pos`, then up the parent links to the first
        // one that contains it.
        let mut i = self
            .scopes
            .partition_point(|s| s.start <= pos)
            .saturating_sub(1);
        let mut steps = 0usize;
        while i != 0 && pos >= self.scopes[i].end && steps < 10_000 {
            i = self.parents.get(i).copied().unwrap_or(0);
            steps += 1;
        }
        let mut next = Some(i);
        std::iter::from_fn(move || {
            let cur = next?;
            next = (cur != 0).then(|| self.parents.get(cur).copied().unwrap_or(0));
            self.scopes.get(cur).copied()
        })
    }

    pub fn scope_at(&self, pos: usize) -> Scope {
        self.scopes_at(pos).next().unwrap_or(self.scopes[0])
    }

    /// The innermost class scope around `pos`, else the file.
    pub fn class_scope_at(&self, pos: usize) -> Scope {
        self.scopes_at(pos)
            .find(|s| s.class)
            .unwrap_or(self.scopes[0])
    }

    /// Records `name = value` at the node `at` (its scope and end), in the innermost scope.
    pub fn bind(&mut self, name: &str, at: Node<'t>, value: Option<Node<'t>>) {
        let scope = self.scope_at(at.start_byte());
        self.bind_full(name, scope, at.end_byte(), value, 0, None);
    }

    pub fn bind_full(
        &mut self,
        name: &str,
        scope: Scope,
        end: usize,
        value: Option<Node<'t>>,
        index: usize,
        ty: Option<Node<'t>>,
    ) {
        if name.is_empty() {
            return;
        }
        self.bindings
            .entry(name.to_string())
            .or_default()
            .entry((scope.start, scope.end))
            .or_default()
            .push(Binding {
                scope,
                end,
                value,
                index,
                ty,
            });
    }

    /// The binding of `name` visible at byte `pos`: in the innermost scope that assigns it, the
    /// last assignment before `pos`, else the first one (a constant defined further down).
    pub fn lookup(&self, name: &str, pos: usize) -> Option<Binding<'t>> {
        let by_scope = self.bindings.get(name)?;
        for scope in self.scopes_at(pos) {
            let Some(list) = by_scope.get(&(scope.start, scope.end)) else {
                continue;
            };
            let before = list
                .iter()
                .filter(|b| b.end <= pos)
                .max_by_key(|b| b.end)
                .or_else(|| list.iter().min_by_key(|b| b.end));
            return before.copied();
        }
        None
    }

    // ----- facts ---------------------------------------------------------------------------

    #[allow(clippy::too_many_arguments)]
    pub fn call(
        &mut self,
        at: Node,
        kind: CallKind,
        library: &str,
        method: Option<&str>,
        target: Expr,
        technology: Option<&str>,
        has_timeout: Option<bool>,
        plaintext: Option<bool>,
    ) {
        let loc = self.loc(at);
        if matches!(kind, CallKind::Http | CallKind::Grpc) {
            self.flow
                .outbound
                .push((at.start_byte(), at.end_byte(), library.to_string()));
        }
        self.calls.push(OutboundCall {
            kind,
            library: library.to_string(),
            method: method.map(|m| m.to_ascii_uppercase()),
            target,
            technology: technology.map(str::to_string),
            has_timeout,
            plaintext,
            loc,
        });
    }

    pub fn messaging(
        &mut self,
        at: Node,
        role: MessagingRole,
        technology: &str,
        library: &str,
        topic: Expr,
        servers: Option<Expr>,
    ) {
        let loc = self.loc(at);
        if role == MessagingRole::Consumer {
            self.flow.consumers.push(flow::ConsumerSite {
                start: at.start_byte(),
                end: at.end_byte(),
                receiver: flow::receiver_text(self, at),
                topic: topic.clone(),
                technology: technology.to_string(),
            });
        }
        self.messaging.push(MessagingUse {
            role,
            technology: technology.to_string(),
            library: library.to_string(),
            topic,
            servers,
            loc,
        });
    }

    pub fn route(
        &mut self,
        at: Node,
        framework: &str,
        method: Option<&str>,
        path: String,
        auth: Vec<String>,
    ) {
        let loc = self.loc(at);
        let label = match method {
            Some(m) => format!("{} {path}", m.to_ascii_uppercase()),
            None => path.clone(),
        };
        self.flow
            .routes
            .push((at.start_byte(), at.end_byte(), label));
        let mut auth = auth;
        dedup_keep_order(&mut auth);
        self.routes.push(Route {
            framework: framework.to_string(),
            method: method.map(|m| m.to_ascii_uppercase()),
            path,
            auth,
            loc,
        });
    }

    pub fn insecure_tls(&mut self, at: Node, detail: impl Into<String>) {
        let loc = self.loc(at);
        self.tls.push(InsecureTls {
            detail: detail.into(),
            loc,
        });
    }

    fn finish(self, facts: &mut CodeFacts) {
        let mut calls = self.calls;
        calls.sort_by(|a, b| {
            (a.loc, a.kind, &a.library, &a.method).cmp(&(b.loc, b.kind, &b.library, &b.method))
        });
        calls.dedup();
        let mut messaging = self.messaging;
        messaging.sort_by(|a, b| {
            (a.loc, a.role, &a.technology, a.topic.display()).cmp(&(
                b.loc,
                b.role,
                &b.technology,
                b.topic.display(),
            ))
        });
        messaging.dedup();
        let mut routes = self.routes;
        routes.sort_by(|a, b| (a.loc, &a.method, &a.path).cmp(&(b.loc, &b.method, &b.path)));
        routes.dedup();
        let mut tls = self.tls;
        tls.sort_by(|a, b| (a.loc, &a.detail).cmp(&(b.loc, &b.detail)));
        tls.dedup();
        facts.calls = calls;
        facts.messaging = messaging;
        facts.routes = routes;
        facts.insecure_tls = tls;
        self.flow.finish(facts);
    }
}

fn dedup_keep_order(v: &mut Vec<String>) {
    let mut seen = std::collections::HashSet::new();
    v.retain(|s| seen.insert(s.clone()));
}

// ----- small tree helpers used by every language ---------------------------------------------

/// Named children, comments left out.
pub(crate) fn named_children<'t>(n: Node<'t>) -> Vec<Node<'t>> {
    let mut c = n.walk();
    n.named_children(&mut c)
        .filter(|c| !c.kind().contains("comment"))
        .collect()
}

pub(crate) fn field<'t>(n: Node<'t>, name: &str) -> Option<Node<'t>> {
    n.child_by_field_name(name)
}

/// The ancestors of a node, nearest first, at most `limit` of them.
pub(crate) fn ancestors(n: Node<'_>, limit: usize) -> impl Iterator<Item = Node<'_>> {
    let mut cur = n.parent();
    let mut left = limit;
    std::iter::from_fn(move || {
        if left == 0 {
            return None;
        }
        left -= 1;
        let out = cur?;
        cur = out.parent();
        Some(out)
    })
}

/// Whether a name (a decorator, middleware, annotation, dependency) looks like authentication
/// or authorization.
pub(crate) fn is_auth_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    const WORDS: &[&str] = &[
        "auth",
        "login_required",
        "loginrequired",
        "logged_in",
        "loggedin",
        "jwt",
        "token",
        "permission",
        "require_role",
        "requirerole",
        "roles_required",
        "roles_allowed",
        "rolesallowed",
        "has_role",
        "hasrole",
        "current_user",
        "currentuser",
        "apikey",
        "api_key",
        "oauth",
        "guard",
        "secured",
        "protected",
        "passport",
        "session_required",
        "verify_user",
        "verifyuser",
        "ensure_logged",
        "ensurelogged",
        "checkjwt",
        "bearer",
        "preauthorize",
        "basic_auth",
        "basicauth",
        "keycloak",
        "acl",
        "rbac",
        "requires_",
        "require_scope",
        "scope_required",
        "admin_required",
        "requireadmin",
        "isadmin",
        "staff_member",
        "superuser",
        "authorize",
        "signed_in",
        "signedin",
    ];
    WORDS.iter().any(|w| lower.contains(w))
}

/// Joins a route prefix and a path with exactly one `/` between them.
pub(crate) fn join_path(prefix: &str, path: &str) -> String {
    let p = prefix.trim_end_matches('/');
    let s = path.trim_start_matches('/');
    let joined = match (p.is_empty(), s.is_empty()) {
        (true, true) => String::new(),
        (true, false) => s.to_string(),
        (false, true) => p.to_string(),
        (false, false) => format!("{p}/{s}"),
    };
    if joined.starts_with('/') || joined.starts_with('{') || joined.starts_with('$') {
        joined
    } else {
        format!("/{joined}")
    }
}

/// Database technology from a URL or JDBC scheme / driver name.
pub(crate) fn db_technology(scheme_or_url: &str) -> Option<&'static str> {
    let s = scheme_or_url.trim().to_ascii_lowercase();
    let s = s.strip_prefix("jdbc:").unwrap_or(&s);
    let head = s.split([':', '+', '/']).next().unwrap_or("");
    Some(match head {
        "postgres" | "postgresql" | "pgx" | "psycopg2" | "asyncpg" | "pg" | "cockroachdb" => {
            "postgres"
        }
        "mysql" | "mariadb" | "mysql2" | "pymysql" => "mysql",
        "sqlite" | "sqlite3" => "sqlite",
        "sqlserver" | "mssql" => "sqlserver",
        "oracle" => "oracle",
        "mongodb" | "mongo" => "mongodb",
        "redis" | "rediss" => "redis",
        "h2" => "h2",
        "cassandra" => "cassandra",
        _ => return None,
    })
}

/// Technology of a database target whose value is known, if the scheme says it.
pub(crate) fn db_technology_of(e: &Expr) -> Option<&'static str> {
    let v = e.resolve(&|_| None)?;
    if !v.contains(':') {
        return None;
    }
    db_technology(&v)
}

#[cfg(test)]
mod tests;
