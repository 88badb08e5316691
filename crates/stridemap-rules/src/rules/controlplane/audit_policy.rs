//! First-match evaluation of audit `Policy` rules for a few security-relevant resources.

use crate::helpers::key_loc;
use stridemap_model::k8s::K8sObject;
use stridemap_model::{Location, Node};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    None,
    Metadata,
    Request,
    RequestResponse,
}

pub struct KeyResource {
    pub name: &'static str,
    pub group: &'static str,
    /// Requests whose bodies carry credentials.
    pub sensitive_body: bool,
}

pub const KEY_RESOURCES: &[KeyResource] = &[
    KeyResource {
        name: "secrets",
        group: "",
        sensitive_body: true,
    },
    KeyResource {
        name: "configmaps",
        group: "",
        sensitive_body: true,
    },
    KeyResource {
        name: "tokenreviews",
        group: "authentication.k8s.io",
        sensitive_body: true,
    },
    KeyResource {
        name: "pods",
        group: "",
        sensitive_body: false,
    },
    KeyResource {
        name: "deployments",
        group: "apps",
        sensitive_body: false,
    },
    KeyResource {
        name: "pods/exec",
        group: "",
        sensitive_body: false,
    },
    KeyResource {
        name: "pods/portforward",
        group: "",
        sensitive_body: false,
    },
    KeyResource {
        name: "pods/proxy",
        group: "",
        sensitive_body: false,
    },
    KeyResource {
        name: "services/proxy",
        group: "",
        sensitive_body: false,
    },
];

pub fn is_audit_policy(o: &K8sObject) -> bool {
    o.kind == "Policy" && o.api_version.starts_with("audit.k8s.io/")
}

pub fn rules_loc(o: &K8sObject) -> Location {
    let key = if o.root.key_node("rules").is_some() {
        "rules"
    } else {
        "kind"
    };
    key_loc(&o.root, key)
}

fn parse_level(node: Option<&Node>) -> Level {
    match node.and_then(Node::as_str).map(str::trim) {
        Some("Metadata") => Level::Metadata,
        Some("Request") => Level::Request,
        Some("RequestResponse") => Level::RequestResponse,
        _ => Level::None,
    }
}

fn name_matches(pattern: &str, name: &str) -> bool {
    if pattern == "*" || pattern == name {
        return true;
    }
    if let Some(prefix) = pattern.strip_suffix("/*") {
        return name
            .strip_prefix(prefix)
            .is_some_and(|r| r.starts_with('/'));
    }
    if let Some(suffix) = pattern.strip_prefix("*/") {
        return name.split_once('/').is_some_and(|(_, sub)| sub == suffix);
    }
    false
}

/// Whether a policy rule applies to every request on `key`.
fn covers(rule: &Node, key: &KeyResource) -> bool {
    // Rules narrowed to some callers, verbs or namespaces only cover part of the requests.
    for narrowing in ["users", "userGroups", "verbs", "namespaces"] {
        if rule.get(narrowing).is_some_and(|n| !n.as_seq().is_empty()) {
            return false;
        }
    }
    match rule.get("resources").filter(|r| !r.is_null()) {
        // No resources: matches every resource request, unless it targets non-resource URLs.
        None => rule
            .get("nonResourceURLs")
            .is_none_or(|n| n.as_seq().is_empty()),
        Some(groups) => groups.as_seq().iter().any(|g| {
            let names = g.get("resources").map(Node::as_seq).unwrap_or(&[]);
            if names.is_empty() {
                // A whole API group. Group names are only compared here; listed resources are
                // matched by name because policies often put them under the wrong group.
                let group = g.get("group").and_then(Node::as_str).unwrap_or("");
                group == "*" || group == key.group
            } else {
                names
                    .iter()
                    .filter_map(Node::as_str)
                    .any(|p| name_matches(p, key.name))
            }
        }),
    }
}

/// The level the policy records `key` at, and the rule that decides it (none: not recorded).
pub fn level_of<'a>(o: &'a K8sObject, key: &KeyResource) -> (Level, Option<&'a Node>) {
    let rules = o.root.get("rules").map(Node::as_seq).unwrap_or(&[]);
    rules
        .iter()
        .find(|r| covers(r, key))
        .map_or((Level::None, None), |r| {
            (parse_level(r.get("level")), Some(r))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns() {
        assert!(name_matches("pods/*", "pods/exec"));
        assert!(!name_matches("pods", "pods/exec"));
        assert!(name_matches("*/exec", "pods/exec"));
        assert!(name_matches("*", "secrets"));
        assert!(!name_matches("secrets", "configmaps"));
    }
}
