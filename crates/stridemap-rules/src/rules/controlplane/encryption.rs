//! Reading `EncryptionConfiguration` objects.

use stridemap_model::k8s::K8sObject;
use stridemap_model::Node;

pub fn is_encryption_config(o: &K8sObject) -> bool {
    o.kind == "EncryptionConfiguration"
}

/// Whether a `resources` entry of the configuration applies to Secrets.
fn covers_secrets(entry: &Node) -> bool {
    entry
        .get("resources")
        .map(Node::as_seq)
        .unwrap_or(&[])
        .iter()
        .filter_map(Node::as_str)
        .any(|r| matches!(r.trim(), "secrets" | "*.*" | "*."))
}

/// The configuration entries that apply to Secrets.
pub fn secret_entries(o: &K8sObject) -> Vec<&Node> {
    o.root
        .get("resources")
        .map(Node::as_seq)
        .unwrap_or(&[])
        .iter()
        .filter(|e| covers_secrets(e))
        .collect()
}

/// The providers of an entry, in order, with the node of each.
pub fn providers(entry: &Node) -> Vec<(&str, &Node)> {
    entry
        .get("providers")
        .map(Node::as_seq)
        .unwrap_or(&[])
        .iter()
        .filter_map(|p| p.entries().next().map(|(name, key, _)| (name, key)))
        .collect()
}
