//! Kafka client settings that select a cleartext security protocol, read from the syntax tree:
//! a `PLAINTEXT`/`SASL_PLAINTEXT` literal (or the `SecurityProtocol.PLAINTEXT` constant) and the
//! key it is given to — a map entry, a keyword argument, the argument before it in a
//! `put`/`set` call, or the left side of an assignment. Comments are not code, so a setting
//! in a comment is not one.

use stridemap_model::code::ProtocolSetting;
use tree_sitter::Node;

use super::flow::{literal_text, STRING_KINDS};
use super::Cx;

/// Node kinds of `a.b` in the grammars (Java, JavaScript/TypeScript, Python, Go).
const MEMBER_KINDS: &[&str] = &[
    "field_access",
    "member_expression",
    "attribute",
    "selector_expression",
    "scoped_identifier",
];

/// Node kinds of `a[b]`.
const INDEX_KINDS: &[&str] = &["subscript", "subscript_expression", "index_expression"];

/// More occurrences than this in one file are not looked at (generated code).
const MAX_OCCURRENCES: usize = 500;

pub(crate) fn protocol_settings(cx: &mut Cx) {
    let Some(root) = cx.root else { return };
    // Only files that mention Kafka configure a Kafka client.
    let lower = cx.src.to_ascii_lowercase();
    if !lower.contains("kafka") {
        return;
    }
    let mut found = Vec::new();
    for (start, _) in lower.match_indices("plaintext").take(MAX_OCCURRENCES) {
        let Some(n) = root.descendant_for_byte_range(start, start + "plaintext".len()) else {
            continue;
        };
        let Some((value_node, value)) = protocol_value(cx, n) else {
            continue;
        };
        if let Some(setting) = setting_for(cx, value_node, value) {
            found.push(setting);
        }
    }
    found.sort_by(|a: &ProtocolSetting, b| (a.loc, &a.key).cmp(&(b.loc, &b.key)));
    found.dedup();
    cx.flow.protocol_settings = found;
}

/// The expression holding a cleartext protocol around `n`, and the protocol.
fn protocol_value<'t>(cx: &Cx<'t>, n: Node<'t>) -> Option<(Node<'t>, String)> {
    let mut node = n;
    for _ in 0..3 {
        if STRING_KINDS.contains(&node.kind()) {
            let value = literal_text(cx.text(node)).trim().to_ascii_uppercase();
            return is_cleartext(&value).then_some((node, value));
        }
        if MEMBER_KINDS.contains(&node.kind()) {
            let text = cx.text(node);
            let (object, constant) = text.rsplit_once('.')?;
            let object = object.rsplit('.').next().unwrap_or(object).trim();
            return (object == "SecurityProtocol" && is_cleartext(constant.trim()))
                .then(|| (node, constant.trim().to_string()));
        }
        node = node.parent()?;
    }
    None
}

fn is_cleartext(value: &str) -> bool {
    matches!(value, "PLAINTEXT" | "SASL_PLAINTEXT")
}

/// The setting made by `value_node`: with the key it is given to when that key is a security
/// protocol key; alone when it is the enum constant; `None` for a literal given to anything
/// else (a log message, an unrelated map entry).
fn setting_for<'t>(cx: &Cx<'t>, value_node: Node<'t>, value: String) -> Option<ProtocolSetting> {
    let is_constant = MEMBER_KINDS.contains(&value_node.kind());
    let key = key_of(value_node).and_then(|k| key_text(cx, k));
    match key {
        Some((text, byte)) if is_protocol_key(&text) => Some(ProtocolSetting {
            key: Some(text),
            value,
            loc: cx.file.location_of(byte),
        }),
        _ if is_constant => {
            // Located at `SecurityProtocol`, past any package qualifier.
            let text = cx.text(value_node);
            let at = text.rfind("SecurityProtocol").unwrap_or(0);
            Some(ProtocolSetting {
                key: None,
                value,
                loc: cx.file.location_of(value_node.start_byte() + at),
            })
        }
        _ => None,
    }
}

/// The node naming what `value` is assigned or given to.
fn key_of(value: Node) -> Option<Node> {
    let mut value = value;
    let mut parent = value.parent()?;
    // `SecurityProtocol.PLAINTEXT.name` or `.name()`: the constant's name is the value given.
    for _ in 0..2 {
        let wraps = (MEMBER_KINDS.contains(&parent.kind())
            || matches!(
                parent.kind(),
                "method_invocation" | "call_expression" | "call"
            ))
            && parent.named_child(0).is_some_and(|c| c.id() == value.id());
        if !wraps {
            break;
        }
        value = parent;
        parent = parent.parent()?;
    }
    // Go wraps composite-literal elements.
    if parent.kind() == "literal_element" {
        value = parent;
        parent = parent.parent()?;
    }
    let key = match parent.kind() {
        "pair" | "keyed_element" => parent
            .child_by_field_name("key")
            .or_else(|| parent.named_child(0))?,
        "keyword_argument" => parent.child_by_field_name("name")?,
        "argument_list" | "arguments" => value.prev_named_sibling()?,
        "assignment" | "assignment_expression" | "augmented_assignment" => {
            parent.child_by_field_name("left")?
        }
        "variable_declarator" => parent.child_by_field_name("name")?,
        _ => return None,
    };
    (key.id() != value.id()).then_some(key)
}

/// The key as written and the byte where its text starts: a string's contents, an index's
/// key (`conf["security.protocol"]`), the last name of a qualified constant.
fn key_text<'t>(cx: &Cx<'t>, key: Node<'t>) -> Option<(String, usize)> {
    let mut key = key;
    if key.kind() == "literal_element" {
        key = key.named_child(0)?;
    }
    if INDEX_KINDS.contains(&key.kind()) {
        key = key
            .child_by_field_name("subscript")
            .or_else(|| key.child_by_field_name("index"))
            .or_else(|| key.named_child(key.named_child_count().checked_sub(1)?))?;
    }
    let raw = cx.text(key);
    if STRING_KINDS.contains(&key.kind()) {
        let text = literal_text(raw);
        let at = raw.find(text.as_str()).unwrap_or(0);
        return Some((text, key.start_byte() + at));
    }
    let last = raw.rsplit('.').next().unwrap_or(raw).trim();
    let at = raw.rfind(last).unwrap_or(0);
    Some((last.to_string(), key.start_byte() + at))
}

/// `security.protocol`, `security_protocol`, `securityProtocol`, `SECURITY_PROTOCOL_CONFIG`.
fn is_protocol_key(key: &str) -> bool {
    let squashed: String = key
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    matches!(
        squashed.as_str(),
        "securityprotocol" | "securityprotocolconfig"
    )
}
