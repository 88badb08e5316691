//! YAML (and JSON) to [`Node`] trees with source positions, built from the event stream of
//! `saphyr-parser` so that alias expansion and nesting depth stay bounded.

use crate::budget::{Budget, Meter};
use saphyr_parser::{Event, Parser, ScalarStyle, Span};
use std::collections::HashMap;
use stridemap_model::{Location, Node, Value};

/// Bounds that keep hostile input (alias bombs, absurd nesting) from exhausting the machine.
#[derive(Debug, Clone, Copy)]
pub struct YamlLimits {
    /// Nodes that alias expansion may add to one file.
    pub max_alias_nodes: usize,
    pub max_depth: usize,
    /// Documents read from one file; the rest of a longer stream is skipped.
    pub max_documents: usize,
}

impl Default for YamlLimits {
    fn default() -> Self {
        YamlLimits {
            max_alias_nodes: 200_000,
            max_depth: 256,
            max_documents: 10_000,
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
///
/// `saphyr-parser` reads the file first. It follows the YAML specification strictly, while
/// Kubernetes and Compose read YAML with libyaml's more lenient rules (for example, the
/// continuation lines of a quoted scalar may sit at the parent's indentation). When saphyr
/// rejects a file, libyaml's rules get a second try, so that what `kubectl` accepts is read.
pub fn parse_documents(text: &str, limits: YamlLimits) -> (Vec<(u32, Node)>, Option<YamlError>) {
    parse_documents_within(text, limits, Budget::unlimited())
}

/// [`parse_documents`] that stops (with a `time-budget` error) once `budget` runs out.
pub fn parse_documents_within(
    text: &str,
    limits: YamlLimits,
    budget: Budget,
) -> (Vec<(u32, Node)>, Option<YamlError>) {
    // saphyr's scanner looks ahead through a whole flow collection before its first event, in
    // time quadratic in the nesting: absurd flow nesting is refused before parsing.
    if let Some(loc) = flow_nested_deeper_than(text, limits.max_depth) {
        return (Vec::new(), Some(depth_error(loc, limits.max_depth)));
    }
    let strict = build(saphyr_events(text), limits, budget);
    match &strict.1 {
        Some(e) if e.code == "yaml-syntax" => {
            let Some(events) = libyaml_events_contained(text, budget) else {
                return strict;
            };
            let lenient = build(events.into_iter(), limits, budget);
            if lenient.1.as_ref().is_none_or(|e| e.code == "time-budget") {
                lenient
            } else {
                strict
            }
        }
        _ => strict,
    }
}

/// A parser event, whichever parser produced it.
enum Ev {
    DocumentStart,
    DocumentEnd,
    Scalar {
        text: String,
        quoted: bool,
        anchor: Option<String>,
    },
    SequenceStart(Option<String>),
    MappingStart(Option<String>),
    CollectionEnd,
    Alias(String),
    Ignored,
}

type EventResult = Result<(Ev, Location), YamlError>;

fn syntax_error(loc: Location, message: String) -> YamlError {
    YamlError {
        loc,
        message,
        code: "yaml-syntax",
    }
}

fn saphyr_events(text: &str) -> impl Iterator<Item = EventResult> + '_ {
    let mut parser = Parser::new_from_str(text);
    let anchor = |id: usize| (id != 0).then(|| id.to_string());
    std::iter::from_fn(move || {
        let next = parser.next_event()?;
        Some(match next {
            Err(e) => {
                let m = e.marker();
                Err(syntax_error(
                    Location::new(m.line() as u32, m.col() as u32 + 1),
                    e.info().to_string(),
                ))
            }
            Ok((event, span)) => {
                let loc = loc_of(&span);
                let ev = match event {
                    Event::DocumentStart(_) => Ev::DocumentStart,
                    Event::DocumentEnd => Ev::DocumentEnd,
                    Event::Scalar(text, style, id, _) => Ev::Scalar {
                        text: text.into_owned(),
                        quoted: style != ScalarStyle::Plain,
                        anchor: anchor(id),
                    },
                    Event::SequenceStart(id, _) => Ev::SequenceStart(anchor(id)),
                    Event::MappingStart(id, _) => Ev::MappingStart(anchor(id)),
                    Event::SequenceEnd | Event::MappingEnd => Ev::CollectionEnd,
                    Event::Alias(id) => Ev::Alias(id.to_string()),
                    Event::StreamStart | Event::StreamEnd | Event::Nothing => Ev::Ignored,
                };
                Ok((ev, loc))
            }
        })
    })
}

thread_local! {
    static IN_CONTAINED_PARSER: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// True while this thread runs the lenient third-party parser, whose panics are caught (the
/// fuzz targets' panic hook lets those through; see `stridemap::fuzz`).
pub fn in_contained_parser() -> bool {
    IN_CONTAINED_PARSER.with(std::cell::Cell::get)
}

/// [`libyaml_events`], with a panic of libyaml-safer (it has `panic!("TODO…")` and
/// end-of-input panics that fuzzing reaches) turned into `None`: the strict error stands.
fn libyaml_events_contained(text: &str, budget: Budget) -> Option<Vec<EventResult>> {
    IN_CONTAINED_PARSER.with(|f| f.set(true));
    let events = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        libyaml_events(text, budget)
    }));
    IN_CONTAINED_PARSER.with(|f| f.set(false));
    events.ok()
}

/// libyaml's events, collected (this is the fallback path, taken only for files saphyr rejects).
fn libyaml_events(text: &str, budget: Budget) -> Vec<EventResult> {
    use libyaml_safer::{EventData, ScalarStyle as LibStyle};
    // libyaml-safer 0.3 panics ("unexpected end of input") on some block scalars that end the
    // file without a line break; a final line break changes no event or position.
    let terminated;
    let text = if text.ends_with('\n') {
        text
    } else {
        terminated = format!("{text}\n");
        &terminated
    };
    let mut input = text.as_bytes();
    let mut parser = libyaml_safer::Parser::new();
    parser.set_input_string(&mut input);
    let mut out = Vec::new();
    let mut meter = Meter::new(budget, 1024);
    loop {
        if meter.over() {
            let at = match out.last() {
                Some(Ok((_, loc))) => *loc,
                _ => Location::new(1, 1),
            };
            out.push(Err(over_budget(at, budget)));
            return out;
        }
        match parser.parse() {
            Err(e) => {
                let m = e.problem_mark().unwrap_or_default();
                out.push(Err(syntax_error(
                    Location::new(m.line as u32 + 1, m.column as u32 + 1),
                    e.problem().to_string(),
                )));
                return out;
            }
            Ok(event) => {
                let loc = Location::new(
                    event.start_mark.line as u32 + 1,
                    event.start_mark.column as u32 + 1,
                );
                let ev = match event.data {
                    EventData::StreamEnd => return out,
                    EventData::DocumentStart { .. } => Ev::DocumentStart,
                    EventData::DocumentEnd { .. } => Ev::DocumentEnd,
                    EventData::Scalar {
                        anchor,
                        value,
                        style,
                        ..
                    } => Ev::Scalar {
                        text: value,
                        quoted: style != LibStyle::Plain,
                        anchor,
                    },
                    EventData::SequenceStart { anchor, .. } => Ev::SequenceStart(anchor),
                    EventData::MappingStart { anchor, .. } => Ev::MappingStart(anchor),
                    EventData::SequenceEnd | EventData::MappingEnd => Ev::CollectionEnd,
                    EventData::Alias { anchor } => Ev::Alias(anchor),
                    EventData::StreamStart { .. } => Ev::Ignored,
                };
                out.push(Ok((ev, loc)));
            }
        }
    }
}

/// Builds the documents of an event stream; stops at the first error, keeping the documents
/// completed before it.
fn build(
    events: impl Iterator<Item = EventResult>,
    limits: YamlLimits,
    budget: Budget,
) -> (Vec<(u32, Node)>, Option<YamlError>) {
    let mut builder = Builder {
        limits,
        ..Builder::default()
    };
    let mut doc_index = 0u32;
    let mut meter = Meter::new(budget, 1024);
    let mut last = Location::new(1, 1);
    for next in events {
        if let Ok((_, loc)) = &next {
            last = *loc;
        }
        if meter.over() {
            return (builder.docs, Some(over_budget(last, budget)));
        }
        let result = next.and_then(|(event, loc)| match event {
            Ev::DocumentStart if builder.docs.len() >= limits.max_documents => Err(YamlError {
                loc,
                message: format!(
                    "more than {} documents in one file; the rest of the file is skipped",
                    limits.max_documents
                ),
                code: "yaml-document-limit",
            }),
            Ev::DocumentStart => {
                builder.anchors.clear();
                Ok(())
            }
            Ev::DocumentEnd => {
                if let Some(root) = builder.root.take() {
                    if !root.is_null() {
                        builder.docs.push((doc_index, root));
                    }
                }
                doc_index += 1;
                Ok(())
            }
            other => builder.event(other, loc),
        });
        if let Err(err) = result {
            return (builder.docs, Some(err));
        }
    }
    (builder.docs, None)
}

fn depth_error(loc: Location, max: usize) -> YamlError {
    YamlError {
        loc,
        message: format!("nesting deeper than {max} levels; the rest of the file is skipped"),
        code: "yaml-depth-limit",
    }
}

/// Where `[`/`{` flow collections first nest deeper than `max`, outside quoted scalars and
/// comments (an approximation of YAML's lexical rules that can only under-count).
fn flow_nested_deeper_than(text: &str, max: usize) -> Option<Location> {
    let (mut depth, mut line, mut column) = (0usize, 1u32, 0u32);
    let mut quote: Option<char> = None;
    let mut previous = '\n';
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        column += 1;
        match (quote, c) {
            (_, '\n') => {
                line += 1;
                column = 0;
            }
            (Some('"'), '\\') => {
                if chars.next() == Some('\n') {
                    line += 1;
                    column = 0;
                } else {
                    column += 1;
                }
            }
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') if !previous.is_alphanumeric() => quote = Some(c),
            (None, '#') if previous.is_whitespace() => {
                for c in chars.by_ref() {
                    if c == '\n' {
                        line += 1;
                        column = 0;
                        break;
                    }
                }
            }
            (None, '[' | '{') => {
                depth += 1;
                if depth > max {
                    return Some(Location::new(line, column));
                }
            }
            (None, ']' | '}') => depth = depth.saturating_sub(1),
            _ => {}
        }
        previous = c;
    }
    None
}

fn over_budget(loc: Location, budget: Budget) -> YamlError {
    YamlError {
        loc,
        message: format!(
            "parsing took longer than the per-file time budget ({}); the rest of the file is skipped",
            budget.describe()
        ),
        code: "time-budget",
    }
}

enum Frame {
    Seq {
        items: Vec<Node>,
        loc: Location,
        anchor: Option<String>,
    },
    Map {
        entries: Vec<(Node, Node)>,
        key: Option<Node>,
        loc: Location,
        anchor: Option<String>,
    },
}

#[derive(Default)]
struct Builder {
    limits: YamlLimits,
    stack: Vec<Frame>,
    anchors: HashMap<String, Node>,
    root: Option<Node>,
    docs: Vec<(u32, Node)>,
    alias_nodes: usize,
}

fn loc_of(span: &Span) -> Location {
    Location::new(span.start.line() as u32, span.start.col() as u32 + 1)
}

impl Builder {
    fn event(&mut self, event: Ev, loc: Location) -> Result<(), YamlError> {
        match event {
            Ev::Scalar {
                text,
                quoted,
                anchor,
            } => {
                self.finish(Node::scalar(text, quoted, loc), anchor);
            }
            Ev::SequenceStart(anchor) => {
                self.check_depth(loc)?;
                self.stack.push(Frame::Seq {
                    items: Vec::new(),
                    loc,
                    anchor,
                });
            }
            Ev::MappingStart(anchor) => {
                self.check_depth(loc)?;
                self.stack.push(Frame::Map {
                    entries: Vec::new(),
                    key: None,
                    loc,
                    anchor,
                });
            }
            Ev::CollectionEnd => {
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
            Ev::Alias(id) => {
                let Some(target) = self.anchors.get(&id) else {
                    return Err(syntax_error(
                        loc,
                        "alias refers to an unknown anchor".into(),
                    ));
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
                self.finish(node, None);
            }
            Ev::DocumentStart | Ev::DocumentEnd | Ev::Ignored => {}
        }
        Ok(())
    }

    fn check_depth(&self, loc: Location) -> Result<(), YamlError> {
        if self.stack.len() >= self.limits.max_depth {
            return Err(depth_error(loc, self.limits.max_depth));
        }
        Ok(())
    }

    /// Attaches a completed node to its parent (or makes it the document root).
    fn finish(&mut self, node: Node, anchor: Option<String>) {
        if let Some(anchor) = anchor {
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
        assert_eq!(err.unwrap().code, "yaml-depth-limit");
    }

    #[test]
    fn deep_flow_nesting_is_refused_quickly_with_its_place() {
        let started = std::time::Instant::now();
        let text = format!("# [[[[\nq: \"[[[[\"\nx: {}", "{\"a\": [".repeat(100_000));
        let (docs, err) = parse(&text);
        let err = err.unwrap();
        assert_eq!(err.code, "yaml-depth-limit");
        assert_eq!(err.loc.line, 3);
        assert!(docs.is_empty());
        assert!(started.elapsed() < std::time::Duration::from_secs(2));
        // Brackets in quotes and comments do not count.
        let ok = format!(
            "a: '{}'\n# {}\nb: [[1]]\n",
            "[".repeat(300),
            "{".repeat(300)
        );
        assert!(parse(&ok).1.is_none());
    }

    #[test]
    fn lenient_quoted_scalar_indentation_is_accepted() {
        // kubectl (libyaml rules) accepts a closing line at the parent's indentation.
        let (docs, err) = parse("metadata:\n  annotations:\n    init: '[\n      {\"name\": \"wait\"}\n    ]'\nspec: {}\n");
        assert!(err.is_none(), "{err:?}");
        let init = docs[0]
            .1
            .path(&["metadata", "annotations", "init"])
            .unwrap();
        assert_eq!(init.loc, Location::new(3, 11));
        assert!(init.as_str().unwrap().contains("wait"));
        assert!(docs[0].1.get("spec").is_some());
    }

    #[test]
    fn a_panic_of_the_lenient_parser_leaves_the_strict_error() {
        // libyaml-safer 0.3 panics on a tag followed by `,` in a flow collection.
        let (_, err) = parse("{i\u{fffd}ersion\"metadataa1hse\n{\n!','s.   }\n  ]\n}\n");
        assert_eq!(err.unwrap().code, "yaml-syntax");
        assert!(!in_contained_parser());
    }

    #[test]
    fn json_is_yaml() {
        let (docs, err) = parse("{\"apiVersion\": \"v1\",\n \"kind\": \"Pod\"}");
        assert!(err.is_none());
        assert_eq!(docs[0].1.get("kind").unwrap().as_str(), Some("Pod"));
    }
}
