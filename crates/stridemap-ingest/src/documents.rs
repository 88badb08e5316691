//! Sorting the documents of a YAML/JSON file into Kubernetes objects, Compose projects and
//! everything else.

use stridemap_model::compose::ComposeFile;
use stridemap_model::corpus::YamlDocument;
use stridemap_model::k8s::K8sObject;
use stridemap_model::{FileId, Node, Value};

#[derive(Debug, Default)]
pub struct YamlContents {
    pub objects: Vec<K8sObject>,
    pub compose: Vec<ComposeFile>,
    pub other: Vec<YamlDocument>,
}

/// Top-level keys that only a Compose service has (a Helm `values.yaml` may also have
/// `services:`, but its entries rarely look like this).
const COMPOSE_SERVICE_KEYS: &[&str] = &[
    "image",
    "build",
    "ports",
    "environment",
    "volumes",
    "command",
    "depends_on",
    "networks",
    "restart",
    "entrypoint",
    "env_file",
    "container_name",
    "privileged",
    "cap_add",
    "network_mode",
    "healthcheck",
    "expose",
    "deploy",
];

pub fn classify(file: FileId, file_name: &str, docs: Vec<(u32, Node)>) -> YamlContents {
    let mut out = YamlContents::default();
    for (index, root) in docs {
        if let Some(object) = as_object(file, index, &root) {
            if is_list(&object) {
                let items: Vec<K8sObject> = root
                    .get("items")
                    .map(Node::as_seq)
                    .unwrap_or(&[])
                    .iter()
                    .filter_map(|item| as_object(file, index, item))
                    .collect();
                out.objects.extend(without_controlled(items));
            } else {
                out.objects.push(object);
            }
        } else if looks_like_compose(file_name, &root) {
            out.compose.push(ComposeFile { file, root });
        } else {
            out.other.push(YamlDocument { file, index, root });
        }
    }
    out
}

fn is_list(object: &K8sObject) -> bool {
    (object.kind == "List" || object.kind.ends_with("List"))
        && object.root.get("items").is_some_and(Node::is_seq)
}

pub fn as_object(file: FileId, doc_index: u32, root: &Node) -> Option<K8sObject> {
    let api_version = root.get("apiVersion")?.as_str()?;
    let kind = root.get("kind")?.as_str()?;
    let metadata = root.get("metadata");
    let name = metadata
        .and_then(|m| m.get("name").or_else(|| m.get("generateName")))
        .and_then(Node::as_str)
        .unwrap_or("")
        .to_string();
    let namespace = metadata
        .and_then(|m| m.get("namespace"))
        .and_then(Node::as_str)
        .map(str::to_string);
    Some(K8sObject {
        file,
        doc_index,
        api_version: api_version.to_string(),
        kind: kind.to_string(),
        name,
        namespace,
        root: without_server_fields(root),
    })
}

/// The object as its author wrote it: what the API server adds when it stores an object
/// (`status`, `metadata.managedFields`) describes the cluster's bookkeeping, not configuration,
/// and would only give rules noise to read in a cluster dump.
fn without_server_fields(root: &Node) -> Node {
    let Value::Map(entries) = &root.value else {
        return root.clone();
    };
    let entries = entries
        .iter()
        .filter(|(k, _)| k.as_str() != Some("status"))
        .map(|(k, v)| {
            if k.as_str() != Some("metadata") {
                return (k.clone(), v.clone());
            }
            let Value::Map(meta) = &v.value else {
                return (k.clone(), v.clone());
            };
            let meta = meta
                .iter()
                .filter(|(mk, _)| mk.as_str() != Some("managedFields"))
                .cloned()
                .collect();
            (
                k.clone(),
                Node {
                    value: Value::Map(meta),
                    loc: v.loc,
                },
            )
        })
        .collect();
    Node {
        value: Value::Map(entries),
        loc: root.loc,
    }
}

/// The items of a `List` less those a controller in the same list created (the Pods of a
/// ReplicaSet, the ReplicaSets of a Deployment, the Jobs of a CronJob): `kubectl get all` dumps
/// every level, and only the owner is the configuration that deploys them.
fn without_controlled(items: Vec<K8sObject>) -> Vec<K8sObject> {
    let present: std::collections::BTreeSet<(String, String, Option<String>)> = items
        .iter()
        .map(|o| (o.kind.clone(), o.name.clone(), o.namespace.clone()))
        .collect();
    items
        .into_iter()
        .filter(|o| {
            let owners = o
                .metadata()
                .and_then(|m| m.get("ownerReferences"))
                .map(Node::as_seq)
                .unwrap_or(&[]);
            !owners.iter().any(|owner| {
                let controller = owner.get("controller").and_then(Node::as_bool) == Some(true);
                let kind = owner.get("kind").and_then(Node::as_str).unwrap_or("");
                let name = owner.get("name").and_then(Node::as_str).unwrap_or("");
                controller
                    && present.contains(&(kind.to_string(), name.to_string(), o.namespace.clone()))
            })
        })
        .collect()
}

fn looks_like_compose(file_name: &str, root: &Node) -> bool {
    let Some(services) = root.get("services").filter(|s| s.is_map()) else {
        return false;
    };
    let lower = file_name.to_ascii_lowercase();
    if lower.contains("compose") || lower.starts_with("docker-stack") {
        return true;
    }
    if lower.starts_with("values") || lower == "chart.yaml" {
        return false;
    }
    let entries = services.as_map();
    !entries.is_empty()
        && entries.iter().all(|(_, svc)| {
            svc.is_map()
                && svc
                    .entries()
                    .any(|(k, _, _)| COMPOSE_SERVICE_KEYS.contains(&k))
        })
}
