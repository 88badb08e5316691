//! A YAML/JSON value tree that keeps the source position of every node.
//!
//! Scalars keep their source text (and whether they were quoted) instead of a resolved type:
//! Kubernetes, Compose and Helm disagree on YAML 1.1 versus 1.2 typing, so each accessor decides
//! how lenient to be.

use crate::location::Location;

#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub value: Value,
    pub loc: Location,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Scalar { text: String, quoted: bool },
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>),
}

static EMPTY_SEQ: &[Node] = &[];
static EMPTY_MAP: &[(Node, Node)] = &[];

impl Node {
    pub fn scalar(text: impl Into<String>, quoted: bool, loc: Location) -> Self {
        Node {
            value: Value::Scalar {
                text: text.into(),
                quoted,
            },
            loc,
        }
    }

    pub fn line(&self) -> u32 {
        self.loc.line
    }

    /// The value of `key` in a mapping (first match; YAML forbids duplicates).
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.as_map()
            .iter()
            .find(|(k, _)| k.as_str() == Some(key))
            .map(|(_, v)| v)
    }

    /// The key node of `key` in a mapping, for evidence that points at the key itself.
    pub fn key_node(&self, key: &str) -> Option<&Node> {
        self.as_map()
            .iter()
            .find(|(k, _)| k.as_str() == Some(key))
            .map(|(k, _)| k)
    }

    /// Follows a chain of mapping keys.
    pub fn path(&self, keys: &[&str]) -> Option<&Node> {
        keys.iter().try_fold(self, |node, key| node.get(key))
    }

    pub fn is_null(&self) -> bool {
        matches!(&self.value, Value::Scalar { text, quoted: false } if matches!(text.as_str(), "" | "~" | "null" | "Null" | "NULL"))
    }

    /// The text of a non-null scalar.
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Scalar { text, .. } if !self.is_null() => Some(text),
            _ => None,
        }
    }

    pub fn is_quoted(&self) -> bool {
        matches!(self.value, Value::Scalar { quoted: true, .. })
    }

    /// A boolean as Kubernetes' YAML decoder reads it: `true`/`false` in any case, and the
    /// YAML 1.1 words (`yes`, `on`, …) when unquoted.
    pub fn as_bool(&self) -> Option<bool> {
        let Value::Scalar { text, quoted } = &self.value else {
            return None;
        };
        match text.to_ascii_lowercase().as_str() {
            "true" => Some(true),
            "false" => Some(false),
            "yes" | "on" | "y" if !quoted => Some(true),
            "no" | "off" | "n" if !quoted => Some(false),
            _ => None,
        }
    }

    pub fn as_i64(&self) -> Option<i64> {
        let text = self.as_str()?.trim();
        text.parse::<i64>().ok().or_else(|| {
            text.parse::<f64>()
                .ok()
                .filter(|f| f.fract() == 0.0)
                .map(|f| f as i64)
        })
    }

    pub fn as_seq(&self) -> &[Node] {
        match &self.value {
            Value::Seq(items) => items,
            _ => EMPTY_SEQ,
        }
    }

    pub fn as_map(&self) -> &[(Node, Node)] {
        match &self.value {
            Value::Map(entries) => entries,
            _ => EMPTY_MAP,
        }
    }

    pub fn is_map(&self) -> bool {
        matches!(self.value, Value::Map(_))
    }

    pub fn is_seq(&self) -> bool {
        matches!(self.value, Value::Seq(_))
    }

    /// Mapping entries whose key is a scalar, as `(key text, key node, value)`.
    pub fn entries(&self) -> impl Iterator<Item = (&str, &Node, &Node)> {
        self.as_map()
            .iter()
            .filter_map(|(k, v)| k.as_str().map(|s| (s, k, v)))
    }

    /// Scalars of a sequence, or the scalar itself (Compose accepts both forms in many places).
    pub fn strings(&self) -> Vec<(&str, &Node)> {
        match &self.value {
            Value::Seq(items) => items
                .iter()
                .filter_map(|n| n.as_str().map(|s| (s, n)))
                .collect(),
            Value::Scalar { .. } => self.as_str().map(|s| vec![(s, self)]).unwrap_or_default(),
            Value::Map(_) => Vec::new(),
        }
    }

    /// Visits every node depth-first with its key path (keys joined by `.`, indices as `[i]`).
    pub fn walk<'a>(&'a self, f: &mut dyn FnMut(&str, Option<&'a Node>, &'a Node)) {
        fn go<'a>(
            node: &'a Node,
            path: &mut String,
            key: Option<&'a Node>,
            f: &mut dyn FnMut(&str, Option<&'a Node>, &'a Node),
        ) {
            f(path, key, node);
            let len = path.len();
            match &node.value {
                Value::Scalar { .. } => {}
                Value::Seq(items) => {
                    for (i, item) in items.iter().enumerate() {
                        path.push_str(&format!("[{i}]"));
                        go(item, path, None, f);
                        path.truncate(len);
                    }
                }
                Value::Map(entries) => {
                    for (k, v) in entries {
                        if !path.is_empty() {
                            path.push('.');
                        }
                        path.push_str(k.as_str().unwrap_or("?"));
                        go(v, path, Some(k), f);
                        path.truncate(len);
                    }
                }
            }
        }
        let mut path = String::new();
        go(self, &mut path, None, f);
    }

    /// Number of nodes in the tree (used to bound alias expansion).
    pub fn size(&self) -> usize {
        1 + match &self.value {
            Value::Scalar { .. } => 0,
            Value::Seq(items) => items.iter().map(Node::size).sum(),
            Value::Map(entries) => entries.iter().map(|(k, v)| k.size() + v.size()).sum(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(t: &str) -> Node {
        Node::scalar(t, false, Location::new(1, 1))
    }

    #[test]
    fn bool_accessor_follows_yaml_1_1_only_when_unquoted() {
        assert_eq!(s("True").as_bool(), Some(true));
        assert_eq!(s("yes").as_bool(), Some(true));
        assert_eq!(
            Node::scalar("yes", true, Location::default()).as_bool(),
            None
        );
        assert_eq!(s("nope").as_bool(), None);
    }

    #[test]
    fn path_and_null() {
        let inner = Node {
            value: Value::Map(vec![(s("b"), s("~"))]),
            loc: Location::new(2, 3),
        };
        let root = Node {
            value: Value::Map(vec![(s("a"), inner)]),
            loc: Location::new(1, 1),
        };
        assert!(root.path(&["a", "b"]).unwrap().is_null());
        assert_eq!(root.path(&["a", "b"]).unwrap().as_str(), None);
        assert!(root.path(&["a", "c"]).is_none());
        assert_eq!(root.size(), 5);
    }
}
