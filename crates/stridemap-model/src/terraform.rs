//! Terraform configurations: the blocks and attributes of `.tf` / `.tfvars` files, with the
//! line of each, and their values where they are literals (after variables, locals and module
//! arguments were resolved; see [`resolve`]).

use crate::corpus::FileId;
use crate::location::Location;
use std::collections::{BTreeMap, BTreeSet};

/// A value as far as it can be known without running Terraform.
#[derive(Debug, Clone, PartialEq)]
pub enum TfValue {
    Null,
    Bool(bool),
    /// The number as written.
    Number(String),
    String(String),
    List(Vec<TfValue>),
    /// Keys in source order.
    Object(Vec<(String, TfValue)>),
    /// A reference such as `var.region`, `local.tags` or `aws_iam_role.node.arn`: the dotted
    /// path (index operators are written `[*]`).
    Ref(String),
    /// Anything else (function calls, conditionals, templates with interpolations, for
    /// expressions): its value is not known statically. Holds the references it mentions.
    Expr(Vec<String>),
}

impl TfValue {
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            TfValue::Bool(b) => Some(*b),
            TfValue::String(s) if s == "true" => Some(true),
            TfValue::String(s) if s == "false" => Some(false),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            TfValue::String(s) => Some(s),
            TfValue::Number(n) => Some(n),
            _ => None,
        }
    }

    pub fn as_list(&self) -> Option<&[TfValue]> {
        match self {
            TfValue::List(l) => Some(l),
            _ => None,
        }
    }

    /// Whether the value is known (no reference or expression left anywhere in it).
    pub fn is_literal(&self) -> bool {
        match self {
            TfValue::Ref(_) | TfValue::Expr(_) => false,
            TfValue::List(l) => l.iter().all(TfValue::is_literal),
            TfValue::Object(o) => o.iter().all(|(_, v)| v.is_literal()),
            _ => true,
        }
    }

    /// Every reference the value mentions (`aws_iam_role.node.arn`, `var.x`).
    pub fn references(&self) -> Vec<&str> {
        let mut out = Vec::new();
        self.collect_refs(&mut out);
        out
    }

    fn collect_refs<'a>(&'a self, out: &mut Vec<&'a str>) {
        match self {
            TfValue::Ref(r) => out.push(r),
            TfValue::Expr(refs) => out.extend(refs.iter().map(String::as_str)),
            TfValue::List(l) => l.iter().for_each(|v| v.collect_refs(out)),
            TfValue::Object(o) => o.iter().for_each(|(_, v)| v.collect_refs(out)),
            _ => {}
        }
    }

    /// Whether the value mentions a reference to `address` (`aws_eks_cluster.main`), by itself
    /// or through one of its attributes.
    pub fn refers_to(&self, address: &str) -> bool {
        self.references().iter().any(|r| {
            r.strip_prefix(address)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('.'))
        })
    }

    /// The strings of a literal list (or of a single string).
    pub fn strings(&self) -> Vec<&str> {
        match self {
            TfValue::String(s) => vec![s.as_str()],
            TfValue::List(l) => l.iter().filter_map(TfValue::as_str).collect(),
            _ => Vec::new(),
        }
    }

    /// A value of an object by key.
    pub fn get(&self, key: &str) -> Option<&TfValue> {
        match self {
            TfValue::Object(o) => o.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct TfAttr {
    pub name: String,
    /// Where the attribute's name is written.
    pub loc: Location,
    pub value: TfValue,
    /// The reference the value was resolved from (`var.public_access`), when it was.
    pub resolved_from: Option<String>,
}

/// A block: `resource "aws_eks_cluster" "main" { … }`, or a nested block such as
/// `vpc_config { … }`.
#[derive(Debug, Clone, PartialEq)]
pub struct TfBlock {
    /// The block type: `resource`, `data`, `module`, `variable`, `locals`, `vpc_config`…
    pub kind: String,
    pub labels: Vec<String>,
    /// Where the block starts.
    pub loc: Location,
    pub attrs: Vec<TfAttr>,
    pub blocks: Vec<TfBlock>,
}

impl TfBlock {
    pub fn attr(&self, name: &str) -> Option<&TfAttr> {
        self.attrs.iter().find(|a| a.name == name)
    }

    pub fn value(&self, name: &str) -> Option<&TfValue> {
        self.attr(name).map(|a| &a.value)
    }

    pub fn bool(&self, name: &str) -> Option<bool> {
        self.value(name).and_then(TfValue::as_bool)
    }

    pub fn str(&self, name: &str) -> Option<&str> {
        self.value(name).and_then(TfValue::as_str)
    }

    /// The first nested block of a type (static blocks only; `dynamic` blocks are under
    /// `dynamic`).
    pub fn block(&self, kind: &str) -> Option<&TfBlock> {
        self.blocks.iter().find(|b| b.kind == kind)
    }

    pub fn blocks_of<'a>(&'a self, kind: &'a str) -> impl Iterator<Item = &'a TfBlock> + 'a {
        self.blocks.iter().filter(move |b| b.kind == kind)
    }

    /// Whether a block of this type is generated by a `dynamic "<kind>"` block: its contents
    /// are not known statically.
    pub fn has_dynamic(&self, kind: &str) -> bool {
        self.blocks
            .iter()
            .any(|b| b.kind == "dynamic" && b.labels.first().is_some_and(|l| l == kind))
    }

    /// A nested block by a path of block types, then an attribute: `["vpc_config"]`,
    /// `"endpoint_public_access"`.
    pub fn nested(&self, path: &[&str]) -> Option<&TfBlock> {
        let mut cur = self;
        for p in path {
            cur = cur.block(p)?;
        }
        Some(cur)
    }

    /// `resource "type" "name"` → `type`.
    pub fn resource_type(&self) -> Option<&str> {
        (self.kind == "resource" || self.kind == "data")
            .then(|| self.labels.first().map(String::as_str))
            .flatten()
    }

    pub fn name(&self) -> Option<&str> {
        self.labels.get(1).map(String::as_str)
    }

    /// `aws_eks_cluster.main` (a data source: `data.aws_iam_policy.x`).
    pub fn address(&self) -> String {
        let base = self.labels.join(".");
        if self.kind == "resource" {
            base
        } else {
            format!("{}.{base}", self.kind)
        }
    }
}

/// One parsed `.tf` or `.tfvars` file.
#[derive(Debug, Clone, PartialEq)]
pub struct TfFile {
    pub file: FileId,
    /// The module directory (the file's directory, relative to the scanned root, `` for the
    /// root).
    pub dir: String,
    /// A variable-definitions file (`*.tfvars`): its attributes set root-module variables.
    pub tfvars: bool,
    pub blocks: Vec<TfBlock>,
}

impl TfFile {
    pub fn resources<'a>(&'a self, kind: &'a str) -> impl Iterator<Item = &'a TfBlock> + 'a {
        self.blocks
            .iter()
            .filter(move |b| b.kind == "resource" && b.labels.first().is_some_and(|t| t == kind))
    }
}

/// The directory part of a `/`-separated relative path (`` at the root).
pub fn dir_of(path: &str) -> String {
    path.rsplit_once('/')
        .map(|(d, _)| d.to_string())
        .unwrap_or_default()
}

/// Joins a module `source` that is a relative path onto the calling module's directory;
/// `None` for registry or remote sources and for paths that leave the scanned tree.
pub fn module_dir(caller: &str, source: &str) -> Option<String> {
    if !(source.starts_with("./") || source.starts_with("../")) {
        return None;
    }
    let mut parts: Vec<&str> = caller.split('/').filter(|p| !p.is_empty()).collect();
    for p in source.split('/') {
        match p {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    Some(parts.join("/"))
}

/// The values known in one module directory.
#[derive(Debug, Default)]
struct Env {
    vars: BTreeMap<String, TfValue>,
    locals: BTreeMap<String, TfValue>,
}

/// Longest chain of locals referring to locals that is followed.
const LOCAL_ROUNDS: usize = 8;

/// Replaces `var.*` and `local.*` references whose value is a literal by that value: variable
/// defaults, overridden by `*.tfvars` in the same directory and by the literal arguments of the
/// `module` blocks that call the directory with a relative `source` (when every call agrees);
/// locals after that, following locals that refer to other locals.
pub fn resolve(files: &mut [TfFile]) {
    let dirs: BTreeSet<String> = files.iter().map(|f| f.dir.clone()).collect();
    // Module calls: target directory → the arguments of each call, taken in the caller's
    // directory (resolved in an order where callers come first: fewer path segments first
    // is not guaranteed, so iterate until nothing changes, bounded by the number of dirs).
    let mut envs: BTreeMap<String, Env> = BTreeMap::new();
    for _ in 0..=dirs.len().min(16) {
        let mut next: BTreeMap<String, Env> = BTreeMap::new();
        for dir in &dirs {
            let env = next.entry(dir.clone()).or_default();
            for f in files.iter().filter(|f| &f.dir == dir) {
                for b in f.blocks.iter().filter(|b| b.kind == "variable") {
                    if let (Some(name), Some(default)) = (b.labels.first(), b.value("default")) {
                        env.vars.insert(name.clone(), default.clone());
                    }
                }
            }
            for f in files.iter().filter(|f| &f.dir == dir && f.tfvars) {
                for a in f.blocks.iter().flat_map(|b| b.attrs.iter()) {
                    env.vars.insert(a.name.clone(), a.value.clone());
                }
            }
        }
        // Arguments of the calls into each directory, substituted in the caller's environment.
        let mut calls: BTreeMap<String, Vec<BTreeMap<String, TfValue>>> = BTreeMap::new();
        for f in files.iter() {
            let caller = envs.get(&f.dir);
            for m in f.blocks.iter().filter(|b| b.kind == "module") {
                let Some(target) = m.str("source").and_then(|s| module_dir(&f.dir, s)) else {
                    continue;
                };
                let args = m
                    .attrs
                    .iter()
                    .filter(|a| !matches!(a.name.as_str(), "source" | "version" | "count"))
                    .map(|a| {
                        let v = caller.map_or(a.value.clone(), |e| substitute(&a.value, e).0);
                        (a.name.clone(), v)
                    })
                    .collect();
                calls.entry(target).or_default().push(args);
            }
        }
        for (target, call_args) in calls {
            let Some(env) = next.get_mut(&target) else {
                continue;
            };
            let first = &call_args[0];
            for (name, value) in first {
                if call_args.iter().all(|c| c.get(name) == Some(value)) {
                    env.vars.insert(name.clone(), value.clone());
                } else {
                    // Calls disagree: the value depends on the instance.
                    env.vars.remove(name);
                }
            }
        }
        for dir in &dirs {
            let Some(env) = next.get_mut(dir) else {
                continue;
            };
            let mut locals: BTreeMap<String, TfValue> = BTreeMap::new();
            for f in files.iter().filter(|f| &f.dir == dir) {
                for b in f.blocks.iter().filter(|b| b.kind == "locals") {
                    for a in &b.attrs {
                        locals.insert(a.name.clone(), a.value.clone());
                    }
                }
            }
            env.locals = locals.clone();
            for _ in 0..LOCAL_ROUNDS {
                let mut changed = false;
                for (name, value) in &locals {
                    let (v, _) = substitute(value, env);
                    if env.locals.get(name) != Some(&v) {
                        env.locals.insert(name.clone(), v);
                        changed = true;
                    }
                }
                if !changed {
                    break;
                }
            }
        }
        let same = next.len() == envs.len()
            && next.iter().all(|(d, e)| {
                envs.get(d)
                    .is_some_and(|o| o.vars == e.vars && o.locals == e.locals)
            });
        envs = next;
        if same {
            break;
        }
    }
    for f in files.iter_mut().filter(|f| !f.tfvars) {
        let Some(env) = envs.get(&f.dir) else {
            continue;
        };
        for b in f.blocks.iter_mut() {
            if matches!(b.kind.as_str(), "variable" | "locals") {
                continue;
            }
            resolve_block(b, env);
        }
    }
}

fn resolve_block(b: &mut TfBlock, env: &Env) {
    for a in b.attrs.iter_mut() {
        let (v, from) = substitute(&a.value, env);
        if from.is_some() && a.resolved_from.is_none() {
            a.resolved_from = from;
        }
        a.value = v;
    }
    for nested in b.blocks.iter_mut() {
        resolve_block(nested, env);
    }
}

/// The value with known `var.`/`local.` references replaced, and the reference of a value
/// that was a single reference.
fn substitute(v: &TfValue, env: &Env) -> (TfValue, Option<String>) {
    match v {
        TfValue::Ref(r) => {
            let mut parts = r.split('.');
            let (scope, name) = (parts.next(), parts.next());
            let rest: Vec<&str> = parts.collect();
            let found = match (scope, name) {
                (Some("var"), Some(n)) => env.vars.get(n),
                (Some("local"), Some(n)) => env.locals.get(n),
                _ => None,
            };
            let mut value = found.filter(|v| v.is_literal());
            for key in &rest {
                value = value.and_then(|v| v.get(key));
            }
            match value {
                Some(value) => (value.clone(), Some(r.clone())),
                None => (v.clone(), None),
            }
        }
        TfValue::List(l) => (
            TfValue::List(l.iter().map(|x| substitute(x, env).0).collect()),
            None,
        ),
        TfValue::Object(o) => (
            TfValue::Object(
                o.iter()
                    .map(|(k, x)| (k.clone(), substitute(x, env).0))
                    .collect(),
            ),
            None,
        ),
        _ => (v.clone(), None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attr(name: &str, value: TfValue) -> TfAttr {
        TfAttr {
            name: name.into(),
            loc: Location::new(1, 1),
            value,
            resolved_from: None,
        }
    }

    fn block(kind: &str, labels: &[&str], attrs: Vec<TfAttr>) -> TfBlock {
        TfBlock {
            kind: kind.into(),
            labels: labels.iter().map(|s| s.to_string()).collect(),
            loc: Location::new(1, 1),
            attrs,
            blocks: Vec::new(),
        }
    }

    fn file(dir: &str, blocks: Vec<TfBlock>) -> TfFile {
        TfFile {
            file: FileId(0),
            dir: dir.into(),
            tfvars: false,
            blocks,
        }
    }

    #[test]
    fn module_paths() {
        assert_eq!(
            module_dir("infra", "./modules/eks").as_deref(),
            Some("infra/modules/eks")
        );
        assert_eq!(
            module_dir("infra/live", "../modules/eks").as_deref(),
            Some("infra/modules/eks")
        );
        assert_eq!(module_dir("", "../x"), None);
        assert_eq!(module_dir("", "terraform-aws-modules/eks/aws"), None);
    }

    #[test]
    fn variables_locals_and_module_arguments() {
        let mut files = vec![
            file(
                "",
                vec![
                    block(
                        "variable",
                        &["public"],
                        vec![attr("default", TfValue::Bool(true))],
                    ),
                    block(
                        "locals",
                        &[],
                        vec![
                            attr("logs", TfValue::Ref("local.base".into())),
                            attr("base", TfValue::List(vec![TfValue::String("audit".into())])),
                        ],
                    ),
                    block(
                        "resource",
                        &["aws_eks_cluster", "main"],
                        vec![
                            attr("public", TfValue::Ref("var.public".into())),
                            attr("logs", TfValue::Ref("local.logs".into())),
                            attr("role", TfValue::Ref("aws_iam_role.x.arn".into())),
                            attr("unknown", TfValue::Ref("var.nothing".into())),
                        ],
                    ),
                    block(
                        "module",
                        &["gke"],
                        vec![
                            attr("source", TfValue::String("./modules/gke".into())),
                            attr("private", TfValue::Ref("var.public".into())),
                        ],
                    ),
                ],
            ),
            file(
                "modules/gke",
                vec![
                    block(
                        "variable",
                        &["private"],
                        vec![attr("default", TfValue::Bool(false))],
                    ),
                    block(
                        "resource",
                        &["google_container_cluster", "c"],
                        vec![attr("p", TfValue::Ref("var.private".into()))],
                    ),
                ],
            ),
        ];
        resolve(&mut files);
        let r = &files[0].blocks[2];
        assert_eq!(r.bool("public"), Some(true));
        assert_eq!(
            r.attr("public").unwrap().resolved_from.as_deref(),
            Some("var.public")
        );
        assert_eq!(r.value("logs").unwrap().strings(), vec!["audit"]);
        assert_eq!(
            r.value("role"),
            Some(&TfValue::Ref("aws_iam_role.x.arn".into()))
        );
        assert_eq!(
            r.value("unknown"),
            Some(&TfValue::Ref("var.nothing".into()))
        );
        // The module's variable takes the caller's argument, resolved in the caller.
        assert_eq!(files[1].blocks[1].bool("p"), Some(true));
    }

    #[test]
    fn references() {
        let v = TfValue::Expr(vec!["aws_eks_cluster.main.name".into()]);
        assert!(v.refers_to("aws_eks_cluster.main"));
        assert!(!v.refers_to("aws_eks_cluster.mai"));
    }
}
