//! Sorting the documents of a YAML/JSON file into Kubernetes objects, Compose projects and
//! everything else.

use stridemap_model::compose::ComposeFile;
use stridemap_model::corpus::YamlDocument;
use stridemap_model::k8s::K8sObject;
use stridemap_model::{FileId, Node};

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
                for item in root.get("items").map(Node::as_seq).unwrap_or(&[]) {
                    if let Some(obj) = as_object(file, index, item) {
                        out.objects.push(obj);
                    }
                }
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

fn as_object(file: FileId, doc_index: u32, root: &Node) -> Option<K8sObject> {
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
        root: root.clone(),
    })
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
