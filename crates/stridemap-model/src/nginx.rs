//! NGINX configuration: directives with their arguments, blocks and source positions.

use crate::corpus::FileId;
use crate::location::Location;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NginxDirective {
    pub name: String,
    pub args: Vec<String>,
    pub loc: Location,
    /// Directives inside the block (`server { … }`), empty for simple directives.
    pub block: Vec<NginxDirective>,
}

/// One NGINX configuration: a file, or a value embedded in a ConfigMap.
#[derive(Debug, Clone)]
pub struct NginxConfig {
    pub file: FileId,
    /// `ConfigMap/<name>` when the configuration is a ConfigMap value.
    pub embedded_in: Option<String>,
    pub directives: Vec<NginxDirective>,
}

impl NginxConfig {
    /// Visits every directive depth-first with the chain of enclosing blocks.
    pub fn walk<'a>(&'a self, f: &mut dyn FnMut(&'a NginxDirective, &[&'a NginxDirective])) {
        fn go<'a>(
            ds: &'a [NginxDirective],
            stack: &mut Vec<&'a NginxDirective>,
            f: &mut dyn FnMut(&'a NginxDirective, &[&'a NginxDirective]),
        ) {
            for d in ds {
                f(d, stack);
                if !d.block.is_empty() {
                    stack.push(d);
                    go(&d.block, stack, f);
                    stack.pop();
                }
            }
        }
        go(&self.directives, &mut Vec::new(), f);
    }

    /// `upstream <name> { server host:port; … }` blocks.
    pub fn upstreams(&self) -> Vec<(&str, Vec<&NginxDirective>)> {
        let mut out = Vec::new();
        self.walk(&mut |d, _| {
            if d.name == "upstream" {
                if let Some(name) = d.args.first() {
                    out.push((
                        name.as_str(),
                        d.block.iter().filter(|s| s.name == "server").collect(),
                    ));
                }
            }
        });
        out
    }
}
