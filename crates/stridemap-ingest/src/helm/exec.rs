//! Executing parsed templates. The output remembers, for each line, the template file and line
//! that wrote its first non-blank character: text copied from a template maps to the line it
//! was written on, and the output of an action (a value, `toYaml | nindent`, an `include`) maps
//! to the line of the action.

use super::funcs;
use super::template::{self, Arg, Node, Pipe, Pos};
use super::value::V;
use crate::budget::Budget;
use std::cell::Cell;
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecError {
    pub pos: Pos,
    pub message: String,
}

pub fn error(pos: Pos, message: impl Into<String>) -> ExecError {
    ExecError {
        pos,
        message: message.into(),
    }
}

/// Every template of a chart (and its subcharts) and the named templates they define.
#[derive(Default)]
pub struct Engine {
    /// Template file names (`chart/templates/x.yaml`), indexed by [`Pos::file`].
    pub files: Vec<String>,
    trees: BTreeMap<String, Vec<Node>>,
    defines: BTreeMap<String, Vec<Node>>,
}

/// Rendered text and, per line, where it came from.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Output {
    pub text: String,
    pub lines: Vec<Option<Pos>>,
    current: Option<Pos>,
}

impl Output {
    /// Appends text written at `pos`; `text_lines` when each of its lines is a template line
    /// (copied text), else every line maps to `pos` (an action's output).
    fn write(&mut self, s: &str, pos: Pos, text_lines: bool) {
        let mut line = pos.line;
        for c in s.chars() {
            if c == '\n' {
                self.lines.push(self.current.take());
                if text_lines {
                    line += 1;
                }
            } else if self.current.is_none() && !c.is_whitespace() {
                self.current = Some(Pos {
                    file: pos.file,
                    line,
                });
            }
            self.text.push(c);
        }
    }

    /// Closes the last line.
    pub fn finish(mut self) -> Output {
        if !self.text.ends_with('\n') || self.current.is_some() {
            self.lines.push(self.current.take());
        }
        self
    }
}

enum Flow {
    Normal,
    Break,
    Continue,
}

/// Bounds on recursion (a template that includes itself).
const MAX_DEPTH: usize = 100;
/// Bound on one template's output (a loop that never ends, or one that multiplies).
const MAX_OUTPUT: usize = 8 * 1024 * 1024;
/// Bound on the iterations of `range` over an integer.
const MAX_RANGE: i64 = 100_000;
/// Bound on the steps (nodes walked, commands run) of one template's rendering, includes and
/// `tpl` counted: nested loops multiply, and real charts take thousands of steps, not millions.
const MAX_STEPS: u64 = 10_000_000;
/// Bound on the size of a value a function makes (bytes of text, roughly): doubling a string or
/// a list in a loop grows memory exponentially long before it takes time.
const MAX_VALUE: usize = MAX_OUTPUT;
/// How often the clock is read.
const CLOCK_EVERY: u64 = 4096;

/// The work one rendering may do, shared by the template and everything it includes.
struct Work {
    steps: Cell<u64>,
    budget: Budget,
}

impl Work {
    fn step(&self, pos: Pos) -> Result<(), ExecError> {
        let steps = self.steps.get() + 1;
        self.steps.set(steps);
        if steps > MAX_STEPS {
            return Err(error(
                pos,
                format!("rendering takes more than {MAX_STEPS} steps (a loop that multiplies?); stopped"),
            ));
        }
        if steps % CLOCK_EVERY == 0 && self.budget.exceeded() {
            return Err(error(
                pos,
                format!(
                    "rendering took longer than the per-file time budget ({}); stopped",
                    self.budget.describe()
                ),
            ));
        }
        Ok(())
    }
}

/// True when `v` holds more than `limit` bytes (strings' lengths, 8 per scalar or entry);
/// stops counting as soon as it knows.
fn larger_than(v: &V, limit: usize) -> bool {
    fn size(v: &V, left: &mut usize) -> bool {
        let own = match v {
            V::Str(s) => s.len(),
            V::List(l) => l.len() * 8,
            V::Map(m) => m.keys().map(|k| k.len() + 8).sum(),
            _ => 8,
        };
        if own > *left {
            return true;
        }
        *left -= own;
        match v {
            V::List(l) => l.iter().any(|x| size(x, left)),
            V::Map(m) => m.values().any(|x| size(x, left)),
            _ => false,
        }
    }
    let mut left = limit;
    size(v, &mut left)
}

struct State<'e> {
    engine: &'e Engine,
    work: &'e Work,
    vars: Vec<(String, V)>,
    out: Output,
    depth: usize,
}

impl Engine {
    /// Adds a template file; its defines become available to every template.
    pub fn add(&mut self, name: &str, src: &str) -> Result<(), template::ParseError> {
        let file = self.files.len() as u32;
        self.files.push(name.to_string());
        let parsed = template::parse(src, file)?;
        self.defines.extend(parsed.defines);
        self.trees.insert(name.to_string(), parsed.root);
        Ok(())
    }

    /// Renders the template file `name` with `dot` as its data.
    pub fn render(&self, name: &str, dot: &V) -> Result<Output, ExecError> {
        self.render_within(name, dot, Budget::unlimited())
    }

    /// [`Engine::render`] that stops with an error once `budget` runs out.
    pub fn render_within(&self, name: &str, dot: &V, budget: Budget) -> Result<Output, ExecError> {
        let tree = self
            .trees
            .get(name)
            .ok_or_else(|| error(Pos { file: 0, line: 0 }, format!("no template {name:?}")))?;
        let work = Work {
            steps: Cell::new(0),
            budget,
        };
        let mut state = State {
            engine: self,
            work: &work,
            vars: vec![("$".into(), dot.clone())],
            out: Output::default(),
            depth: 0,
        };
        state.walk_list(tree, dot)?;
        Ok(state.out.finish())
    }

    /// Renders a named template to a string (`include`).
    fn include(
        &self,
        name: &str,
        dot: &V,
        pos: Pos,
        depth: usize,
        work: &Work,
    ) -> Result<String, ExecError> {
        let tree = self.defines.get(name).ok_or_else(|| {
            error(
                pos,
                format!("no template {name:?} associated with template"),
            )
        })?;
        if depth > MAX_DEPTH {
            return Err(error(pos, format!("rendering template {name:?} has a nested reference deeper than {MAX_DEPTH} (a loop?)")));
        }
        let mut state = State {
            engine: self,
            work,
            vars: vec![("$".into(), dot.clone())],
            out: Output::default(),
            depth: depth + 1,
        };
        state.walk_list(tree, dot)?;
        Ok(state.out.text)
    }

    /// Renders a string as a template (`tpl`): it sees the named templates of the chart.
    fn tpl(
        &self,
        src: &str,
        dot: &V,
        pos: Pos,
        depth: usize,
        work: &Work,
    ) -> Result<String, ExecError> {
        let parsed = template::parse(src, pos.file)
            .map_err(|e| error(pos, format!("tpl: {}", e.message)))?;
        let mut state = State {
            engine: self,
            work,
            vars: vec![("$".into(), dot.clone())],
            out: Output::default(),
            depth: depth + 1,
        };
        if depth > MAX_DEPTH {
            return Err(error(pos, "tpl nests too deeply"));
        }
        // Named templates defined inside the string are visible to it only.
        let mut local = Engine {
            files: Vec::new(),
            trees: BTreeMap::new(),
            defines: BTreeMap::new(),
        };
        if !parsed.defines.is_empty() {
            local.defines = self.defines.clone();
            local.defines.extend(parsed.defines);
            state.engine = &local;
            state.walk_list(&parsed.root, dot)?;
            return Ok(state.out.text);
        }
        state.walk_list(&parsed.root, dot)?;
        Ok(state.out.text)
    }
}

impl<'e> State<'e> {
    fn check_size(&self, pos: Pos) -> Result<(), ExecError> {
        if self.out.text.len() > MAX_OUTPUT {
            return Err(error(
                pos,
                format!("output exceeds {MAX_OUTPUT} bytes; rendering stopped"),
            ));
        }
        Ok(())
    }

    fn walk_list(&mut self, nodes: &[Node], dot: &V) -> Result<Flow, ExecError> {
        for n in nodes {
            match self.walk(n, dot)? {
                Flow::Normal => {}
                other => return Ok(other),
            }
        }
        Ok(Flow::Normal)
    }

    fn walk(&mut self, node: &Node, dot: &V) -> Result<Flow, ExecError> {
        self.work.step(node_pos(node))?;
        match node {
            Node::Text(t, pos) => {
                self.out.write(t, *pos, true);
                self.check_size(*pos)?;
            }
            Node::Action(pipe) => {
                let v = self.pipeline(pipe, dot)?;
                if pipe.decl.is_empty() {
                    self.out.write(&v.to_go_string(), pipe.pos, false);
                    self.check_size(pipe.pos)?;
                }
            }
            Node::If(pipe, then, otherwise) => {
                let mark = self.vars.len();
                let v = self.pipeline(pipe, dot)?;
                let flow = if v.truthy() {
                    self.walk_list(then, dot)?
                } else {
                    self.walk_list(otherwise, dot)?
                };
                self.vars.truncate(mark);
                return Ok(flow);
            }
            Node::With(pipe, then, otherwise) => {
                let mark = self.vars.len();
                let v = self.pipeline(pipe, dot)?;
                let flow = if v.truthy() {
                    self.walk_list(then, &v)?
                } else {
                    self.walk_list(otherwise, dot)?
                };
                self.vars.truncate(mark);
                return Ok(flow);
            }
            Node::Range(pipe, body, otherwise) => {
                let mark = self.vars.len();
                let v = self.pipeline_value(pipe, dot)?;
                let items: Vec<(V, V)> = match v {
                    V::List(l) => l
                        .into_iter()
                        .enumerate()
                        .map(|(i, v)| (V::Int(i as i64), v))
                        .collect(),
                    V::Map(m) => m.into_iter().map(|(k, v)| (V::Str(k), v)).collect(),
                    V::Int(n) if n > MAX_RANGE => {
                        return Err(error(
                            pipe.pos,
                            format!("range over {n} exceeds {MAX_RANGE} iterations"),
                        ))
                    }
                    V::Int(n) => (0..n).map(|i| (V::Int(i), V::Int(i))).collect(),
                    V::Nil => Vec::new(),
                    other => {
                        return Err(error(
                            pipe.pos,
                            format!("range can't iterate over {}", other.to_go_string()),
                        ))
                    }
                };
                if items.is_empty() {
                    let flow = self.walk_list(otherwise, dot)?;
                    self.vars.truncate(mark);
                    return Ok(flow);
                }
                for (k, v) in items {
                    // An iteration is a step even when its body is empty.
                    self.work.step(pipe.pos)?;
                    let inner = self.vars.len();
                    match pipe.decl.as_slice() {
                        [] => {}
                        [one] => self.vars.push((one.clone(), v.clone())),
                        [key, value, ..] => {
                            self.vars.push((key.clone(), k));
                            self.vars.push((value.clone(), v.clone()));
                        }
                    }
                    let flow = self.walk_list(body, &v)?;
                    self.vars.truncate(inner);
                    if let Flow::Break = flow {
                        break;
                    }
                }
                self.vars.truncate(mark);
            }
            Node::Template(name, pipe, pos) => {
                let data = match pipe {
                    Some(p) => self.pipeline(p, dot)?,
                    None => V::Nil,
                };
                let tree = self.engine.defines.get(name).ok_or_else(|| {
                    error(
                        *pos,
                        format!("no template {name:?} associated with template"),
                    )
                })?;
                if self.depth > MAX_DEPTH {
                    return Err(error(*pos, "templates nest too deeply (a loop?)"));
                }
                let saved = std::mem::replace(&mut self.vars, vec![("$".into(), data.clone())]);
                self.depth += 1;
                let r = self.walk_list(tree, &data);
                self.depth -= 1;
                self.vars = saved;
                r?;
            }
            Node::Break(_) => return Ok(Flow::Break),
            Node::Continue(_) => return Ok(Flow::Continue),
        }
        Ok(Flow::Normal)
    }

    /// A pipeline's value; declares or assigns its variables.
    fn pipeline(&mut self, pipe: &Pipe, dot: &V) -> Result<V, ExecError> {
        let v = self.pipeline_value(pipe, dot)?;
        if !pipe.decl.is_empty() && !matches!(pipe.decl.len(), 2) {
            for name in &pipe.decl {
                if pipe.assign {
                    match self.vars.iter_mut().rev().find(|(n, _)| n == name) {
                        Some(slot) => slot.1 = v.clone(),
                        None => return Err(error(pipe.pos, format!("undefined variable: {name}"))),
                    }
                } else {
                    self.vars.push((name.clone(), v.clone()));
                }
            }
        }
        Ok(v)
    }

    fn pipeline_value(&mut self, pipe: &Pipe, dot: &V) -> Result<V, ExecError> {
        let mut last: Option<V> = None;
        for cmd in &pipe.cmds {
            last = Some(self.command(cmd, dot, last, pipe.pos)?);
        }
        Ok(last.unwrap_or(V::Nil))
    }

    fn command(
        &mut self,
        cmd: &[Arg],
        dot: &V,
        piped: Option<V>,
        pos: Pos,
    ) -> Result<V, ExecError> {
        self.work.step(pos)?;
        match &cmd[0] {
            Arg::Ident(name) => {
                // `and` and `or` evaluate their arguments only as far as needed.
                if name == "and" || name == "or" {
                    let want = name == "or";
                    let mut last = V::Nil;
                    for a in &cmd[1..] {
                        last = self.arg(a, dot, pos)?;
                        if last.truthy() == want {
                            return Ok(last);
                        }
                    }
                    if let Some(p) = piped {
                        last = p;
                    }
                    return Ok(last);
                }
                let mut args = Vec::with_capacity(cmd.len());
                for a in &cmd[1..] {
                    args.push(self.arg(a, dot, pos)?);
                }
                args.extend(piped);
                self.call(name, args, dot, pos)
            }
            Arg::Field(chain) if cmd.len() > 1 || piped.is_some() => {
                let (receiver, method) = chain.split_at(chain.len() - 1);
                let recv = self.fields(dot.clone(), receiver, pos)?;
                let mut args = Vec::new();
                for a in &cmd[1..] {
                    args.push(self.arg(a, dot, pos)?);
                }
                args.extend(piped);
                method_call(&recv, &method[0], &args, pos)
            }
            Arg::Var(name, chain) if !chain.is_empty() && (cmd.len() > 1 || piped.is_some()) => {
                let base = self.var(name, pos)?;
                let (receiver, method) = chain.split_at(chain.len() - 1);
                let recv = self.fields(base, receiver, pos)?;
                let mut args = Vec::new();
                for a in &cmd[1..] {
                    args.push(self.arg(a, dot, pos)?);
                }
                args.extend(piped);
                method_call(&recv, &method[0], &args, pos)
            }
            first => {
                if cmd.len() > 1 || piped.is_some() {
                    return Err(error(pos, "can't give argument to non-function"));
                }
                self.arg(first, dot, pos)
            }
        }
    }

    fn var(&self, name: &str, pos: Pos) -> Result<V, ExecError> {
        self.vars
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
            .ok_or_else(|| error(pos, format!("undefined variable: {name}")))
    }

    fn arg(&mut self, arg: &Arg, dot: &V, pos: Pos) -> Result<V, ExecError> {
        Ok(match arg {
            Arg::Dot => dot.clone(),
            Arg::Field(chain) => self.fields(dot.clone(), chain, pos)?,
            Arg::Var(name, chain) => {
                let base = self.var(name, pos)?;
                self.fields(base, chain, pos)?
            }
            Arg::Ident(name) => self.call(name, Vec::new(), dot, pos)?,
            Arg::Str(s) => V::Str(s.clone()),
            Arg::Int(i) => V::Int(*i),
            Arg::Float(f) => V::Float(*f),
            Arg::Bool(b) => V::Bool(*b),
            Arg::Nil => V::Nil,
            Arg::Sub(pipe, chain) => {
                let v = self.pipeline_value(pipe, dot)?;
                self.fields(v, chain, pos)?
            }
        })
    }

    fn fields(&self, mut v: V, chain: &[String], pos: Pos) -> Result<V, ExecError> {
        for f in chain {
            v = match v {
                V::Map(mut m) => m.remove(f).unwrap_or(V::Nil),
                V::Nil => {
                    return Err(error(
                        pos,
                        format!("nil pointer evaluating interface {{}}.{f}"),
                    ))
                }
                recv @ (V::Files(_) | V::ApiVersions(_)) => method_call(&recv, f, &[], pos)?,
                other => {
                    return Err(error(
                        pos,
                        format!("can't evaluate field {f} in type {}", other.type_name()),
                    ))
                }
            };
        }
        Ok(v)
    }

    fn call(&mut self, name: &str, args: Vec<V>, dot: &V, pos: Pos) -> Result<V, ExecError> {
        match name {
            "include" => {
                let [n, data] = two(&args, name, pos)?;
                let n = string(&n);
                Ok(V::Str(
                    self.engine.include(&n, &data, pos, self.depth, self.work)?,
                ))
            }
            "tpl" => {
                let [src, data] = two(&args, name, pos)?;
                Ok(V::Str(self.engine.tpl(
                    &string(&src),
                    &data,
                    pos,
                    self.depth,
                    self.work,
                )?))
            }
            _ => {
                let _ = dot;
                let v = funcs::call(name, &args).map_err(|m| error(pos, m))?;
                if larger_than(&v, MAX_VALUE) {
                    return Err(error(
                        pos,
                        format!("{name} makes a value over {MAX_VALUE} bytes; rendering stopped"),
                    ));
                }
                Ok(v)
            }
        }
    }
}

fn two(args: &[V], name: &str, pos: Pos) -> Result<[V; 2], ExecError> {
    match args {
        [a, b] => Ok([a.clone(), b.clone()]),
        _ => Err(error(
            pos,
            format!("wrong number of args for {name}: want 2 got {}", args.len()),
        )),
    }
}

fn string(v: &V) -> String {
    v.to_go_string()
}

/// Methods of Helm's built-in objects: `.Files.Get`, `.Files.Glob`, `.Files.Lines`,
/// `.Files.AsConfig`, `.Files.AsSecrets`, `.Capabilities.APIVersions.Has`.
fn method_call(recv: &V, method: &str, args: &[V], pos: Pos) -> Result<V, ExecError> {
    let arg = || args.first().map(V::to_go_string).unwrap_or_default();
    match (recv, method) {
        (V::Files(files), "Get") => Ok(V::Str(files.get(&arg()).cloned().unwrap_or_default())),
        (V::Files(files), "GetBytes") => Ok(V::Str(files.get(&arg()).cloned().unwrap_or_default())),
        (V::Files(files), "Lines") => Ok(V::List(
            files
                .get(&arg())
                .map(|t| t.lines().map(V::str).collect())
                .unwrap_or_default(),
        )),
        (V::Files(files), "Glob") => {
            let glob =
                globset::Glob::new(&arg()).map_err(|e| error(pos, format!("Files.Glob: {e}")))?;
            let m = glob.compile_matcher();
            Ok(V::Files(std::rc::Rc::new(
                files
                    .iter()
                    .filter(|(k, _)| m.is_match(k.as_str()))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
            )))
        }
        (V::Files(files), "AsConfig") => Ok(V::Str(funcs::to_yaml(&V::Map(
            files
                .iter()
                .map(|(k, v)| {
                    (
                        k.rsplit('/').next().unwrap_or(k).to_string(),
                        V::Str(v.clone()),
                    )
                })
                .collect(),
        )))),
        (V::Files(files), "AsSecrets") => Ok(V::Str(funcs::to_yaml(&V::Map(
            files
                .iter()
                .map(|(k, v)| {
                    (
                        k.rsplit('/').next().unwrap_or(k).to_string(),
                        V::Str(funcs::b64enc(v)),
                    )
                })
                .collect(),
        )))),
        (V::ApiVersions(versions), "Has") => Ok(V::Bool(versions.iter().any(|v| *v == arg()))),
        (V::Map(m), f) if args.is_empty() => Ok(m.get(f).cloned().unwrap_or(V::Nil)),
        (other, m) => Err(error(
            pos,
            format!("can't call method/function {m:?} on {}", other.type_name()),
        )),
    }
}

/// Where a node starts, for errors.
fn node_pos(node: &Node) -> Pos {
    match node {
        Node::Text(_, pos) | Node::Template(_, _, pos) | Node::Break(pos) | Node::Continue(pos) => {
            *pos
        }
        Node::Action(pipe) | Node::If(pipe, ..) | Node::Range(pipe, ..) | Node::With(pipe, ..) => {
            pipe.pos
        }
    }
}
