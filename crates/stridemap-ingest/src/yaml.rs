//! YAML (and JSON) to [`Node`] trees with source positions, built from the event stream of
//! `saphyr-parser` so that alias expansion and nesting depth stay bounded.

use saphyr_parser::{Event, Parser, ScalarStyle, Span};
use std::collections::HashMap;
use stridemap_model::{Location, Node, Value};

/// Bounds that keep hostile input (alias bombs, absurd nesting) from exhausting the machine.
#[derive(Debug, Clone, Copy)]
pub struct YamlLimits {
    /// Nodes that alias expansion may add to one file.
    pub max_alias_nodes: usize,
    pub max_depth: usize,
}

impl Default for YamlLimits {
    fn default() -> Self {
        YamlLimits {
            max_alias_nodes: 200_000,
            max_depth: 256,
        }
    }
}

/// Why a file stopped parsing; documents completed before it are still returned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YamlError {
    pub loc: Location,
    pub message: String,
    pub code: &'static str,
}

/// Every document of a YAML stream, in order; empty documents are skipped.
pub fn parse_documents(text: &str, limits: YamlLimits) -> (Vec<(u32, Node)>, Option<YamlError>) {
    let mut builder = Builder {
        limits,
        ..Builder::default()
    };
    let mut parser = Parser::new_from_str(text);
    let mut doc_index = 0u32;
    while let Some(next) = parser.next_event() {
        let (event, span) = match next {
            Ok(ev) => ev,
            Err(e) => {
                let m = e.marker();
                let loc = Location::new(m.line() as u32, m.col() as u32 + 1);
                return (
                    builder.docs,
                    Some(YamlError {
                        loc,
                        message: e.info().to_string(),
                        code: "yaml-syntax",
                    }),
                );
            }
        };
        let result = match event {
            Event::DocumentStart(_) => {
                builder.anchors.clear();
                Ok(())
            }
            Event::DocumentEnd => {
                if let Some(root) = builder.root.take() {
                    if !root.is_null() {
                        builder.docs.push((doc_index, root));
                    }
                }
                doc_index += 1;
                Ok(())
            }
            other => builder.event(other, span),
        };
        if let Err(err) = result {
            return (builder.docs, Some(err));
        }
    }
    (builder.docs, None)
}

enum Frame {
    Seq {
        items: Vec<Node>,
        loc: Location,
        anchor: usize,
    },
    Map {
        entries: Vec<(Node, Node)>,
        key: Option<Node>,
        loc: Location,
        anchor: usize,
    },
}

#[derive(Default)]
struct Builder {
    limits: YamlLimits,
    stack: Vec<Frame>,
    anchors: HashMap<usize, Node>,
    root: Option<Node>,
    docs: Vec<(u32, Node)>,
    alias_nodes: usize,
}

fn loc_of(span: &Span) -> Location {
    Location::new(span.start.line() as u32, span.start.col() as u32 + 1)
}

impl Builder {
    fn event(&mut self, event: Event<'_>, span: Span) -> Result<(), YamlError> {
        let loc = loc_of(&span);
        match event {
            Event::Scalar(text, style, anchor, _tag) => {
                let node = Node::scalar(text.into_owned(), style != ScalarStyle::Plain, loc);
                self.finish(node, anchor);
            }
            Event::SequenceStart(anchor, _) => {
                self.check_depth(loc)?;
                self.stack.push(Frame::Seq {
                    items: Vec::new(),
                    loc,
                    anchor,
                });
            }
            Event::MappingStart(anchor, _) => {
                self.check_depth(loc)?;
                self.stack.push(Frame::Map {
                    entries: Vec::new(),
                    key: None,
                    loc,
                    anchor,
                });
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let (node, anchor) = match self.stack.pop() {
                    Some(Frame::Seq { items, loc, anchor }) => (
                        Node {
                            value: Value::Seq(items),
                            loc,
                        },
                        anchor,
                    ),
                    Some(Frame::Map {
                        entries,
                        loc,
                        anchor,
                        ..
                    }) => (
                        Node {
                            value: Value::Map(apply_merge_keys(entries)),
                            loc,
                        },
                        anchor,
                    ),
                    None => return Ok(()),
                };
                self.finish(node, anchor);
            }
            Event::Alias(id) => {
                let Some(target) = self.anchors.get(&id) else {
                    return Err(YamlError {
                        loc,
                        message: "alias refers to an unknown anchor".into(),
                        code: "yaml-syntax",
                    });
                };
                self.alias_nodes += target.size();
                if self.alias_nodes > self.limits.max_alias_nodes {
                    return Err(YamlError {
                        loc,
                        message: format!("alias expansion exceeds {} nodes (YAML alias bomb?); the rest of the file is skipped", self.limits.max_alias_nodes),
                        code: "yaml-alias-limit",
                    });
                }
                let mut node = target.clone();
                node.loc = loc;
                self.finish(node, 0);
            }
            Event::StreamStart
            | Event::StreamEnd
            | Event::Nothing
            | Event::DocumentStart(_)
            | Event::DocumentEnd => {}
        }
        Ok(())
    }

    fn check_depth(&self, loc: Location) -> Result<(), YamlError> {
        if self.stack.len() >= self.limits.max_depth {
            return Err(YamlError {
                loc,
                message: format!(
                    "nesting deeper than {} levels; the rest of the file is skipped",
                    self.limits.max_depth
                ),
                code: "yaml-depth-limit",
            });
        }
        Ok(())
    }

    /// Attaches a completed node to its parent (or makes it the document root).
    fn finish(&mut self, node: Node, anchor: usize) {
        if anchor != 0 {
            self.anchors.insert(anchor, node.clone());
        }
        match self.stack.last_mut() {
            None => self.root = Some(node),
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map { entries, key, .. }) => match key.take() {
                None => *key = Some(node),
                Some(k) => entries.push((k, node)),
            },
        }
    }
}

/// Resolves YAML merge keys (`<<: *base`, `<<: [*a, *b]`): keys written in the mapping win over
/// merged ones, and earlier merge sources win over later ones.
fn apply_merge_keys(entries: Vec<(Node, Node)>) -> Vec<(Node, Node)> {
    let is_merge =
        |k: &Node| matches!(&k.value, Value::Scalar { text, quoted: false } if text == "<<");
    if !entries.iter().any(|(k, _)| is_merge(k)) {
        return entries;
    }
    let (merges, mut own): (Vec<_>, Vec<_>) = entries.into_iter().partition(|(k, _)| is_merge(k));
    for (_, source) in merges {
        let sources: Vec<Node> = match source.value {
            Value::Seq(items) => items,
            Value::Map(_) => vec![source],
            Value::Scalar { .. } => Vec::new(),
        };
        for src in sources {
            if let Value::Map(src_entries) = src.value {
                for (k, v) in src_entries {
                    if !own
                        .iter()
                        .any(|(ok, _)| ok.as_str().is_some() && ok.as_str() == k.as_str())
                    {
                        own.push((k, v));
                    }
                }
            }
        }
    }
    own
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> (Vec<(u32, Node)>, Option<YamlError>) {
        parse_documents(text, YamlLimits::default())
    }

    #[test]
    fn keeps_positions_and_documents() {
        let (docs, err) = parse("a: 1\n---\n---\nkind: Pod\nspec:\n  x: [1, 2]\n");
        assert!(err.is_none());
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[1].0, 2);
        let spec = docs[1].1.get("spec").unwrap();
        assert_eq!(spec.get("x").unwrap().as_seq()[1].loc, Location::new(6, 10));
        assert_eq!(docs[1].1.get("kind").unwrap().loc, Location::new(4, 7));
    }

    #[test]
    fn syntax_error_keeps_earlier_documents() {
        let (docs, err) = parse("a: 1\n---\nb: [1, 2\nc: 3\n");
        assert_eq!(docs.len(), 1);
        let err = err.unwrap();
        assert_eq!(err.code, "yaml-syntax");
        assert!(err.loc.line >= 3, "{err:?}");
    }

    #[test]
    fn merge_keys() {
        let (docs, _) =
            parse("base: &b {image: x, privileged: true}\nsvc:\n  <<: *b\n  image: y\n");
        let svc = docs[0].1.get("svc").unwrap();
        assert_eq!(svc.get("image").unwrap().as_str(), Some("y"));
        assert_eq!(svc.get("privileged").unwrap().as_bool(), Some(true));
    }

    #[test]
    fn alias_bomb_is_bounded() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..12 {
            let p = i - 1;
            text.push_str(&format!("a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"));
        }
        let (_, err) = parse(&text);
        assert_eq!(err.unwrap().code, "yaml-alias-limit");
    }

    #[test]
    fn deep_nesting_is_bounded() {
        let text = "[".repeat(10_000);
        let (_, err) = parse(&text);
        assert!(err.is_some());
    }

    #[test]
    fn json_is_yaml() {
        let (docs, err) = parse("{\"apiVersion\": \"v1\",\n \"kind\": \"Pod\"}");
        assert!(err.is_none());
        assert_eq!(docs[0].1.get("kind").unwrap().as_str(), Some("Pod"));
    }
}
