//! Shared by the code rules: which service a source file belongs to (as the architecture
//! attributed it), how a finding names it, and short renderings of code facts.

use crate::rules::s2s::util::{self as s2s, Files};
use crate::Finding;
use std::collections::HashMap;
use stridemap_model::architecture::ArchNode;
use stridemap_model::code::{CodeFacts, Expr};
use stridemap_model::InfraType;

pub use s2s::is_test_path;

/// The source files of a scan with the service that owns each.
pub struct Sources<'a> {
    files: Files<'a>,
    owners: HashMap<String, &'a ArchNode>,
}

impl<'a> Sources<'a> {
    pub fn new(cx: &crate::Context<'a>) -> Self {
        Sources {
            files: Files::new(cx.corpus),
            owners: s2s::code_owners(cx.arch),
        }
    }

    pub fn owner(&self, path: &str) -> Option<&'a ArchNode> {
        s2s::owner_of(&self.owners, path)
    }

    /// ` of `orders`` when the file belongs to a service.
    pub fn who(&self, path: &str) -> String {
        self.owner(path)
            .map_or(String::new(), |o| format!(" (service `{}`)", o.name))
    }

    /// Names the service (resources, component, definition as evidence) or the file.
    pub fn attach(&self, f: &mut Finding, path: &str) {
        f.infra(InfraType::Code);
        match self.owner(path) {
            Some(o) => {
                f.component(o.name.clone());
                s2s::add_node(f, &self.files, o);
            }
            None => {
                f.resource(format!("Source/{path}"));
            }
        }
    }
}

/// The production source files of the scan with their path.
pub fn code_files<'a>(cx: &crate::Context<'a>) -> impl Iterator<Item = (&'a CodeFacts, &'a str)> {
    let corpus = cx.corpus;
    corpus.code.iter().filter_map(move |facts| {
        let path = corpus.file(facts.file).path.as_str();
        (!is_test_path(path)).then_some((facts, path))
    })
}

/// A value as the code writes it, for messages: a literal, `$ENV`, or `…`.
pub fn show(e: &Expr) -> String {
    let d = e.display();
    if d.chars().count() > 80 {
        let cut: String = d.chars().take(77).collect();
        format!("{cut}…")
    } else {
        d
    }
}

/// Counts occurrences to give repeated findings in one file distinct keys.
#[derive(Default)]
pub struct Nth(HashMap<String, usize>);

impl Nth {
    pub fn next(&mut self, key: &str) -> String {
        let n = self.0.entry(key.to_string()).or_default();
        *n += 1;
        format!("{key}#{n}")
    }
}
