//! Reading the architecture graph for findings: where a node is defined, what it is called in
//! `affected_resources`, which service a source file belongs to, and which names and paths
//! suggest the traffic is sensitive. Also used by the mesh rules.

use crate::Finding;
use std::collections::HashMap;
use stridemap_model::architecture::{ArchNode, ArchitectureGraph, Flow, Role, SourceRef};
use stridemap_model::k8s::K8sObject;
use stridemap_model::{Corpus, FileId, Location};

/// Looks files up by their path, to turn the graph's `SourceRef`s back into locations.
pub struct Files<'a> {
    by_path: HashMap<&'a str, FileId>,
}

impl<'a> Files<'a> {
    pub fn new(corpus: &'a Corpus) -> Self {
        Files {
            by_path: corpus
                .files
                .iter()
                .enumerate()
                .map(|(i, f)| (f.path.as_str(), FileId(i as u32)))
                .collect(),
        }
    }

    pub fn id(&self, path: &str) -> Option<FileId> {
        self.by_path.get(path).copied()
    }

    /// The location of a source reference (its line; columns are not kept in the graph).
    pub fn at(&self, source: &SourceRef) -> Option<(FileId, Location)> {
        Some((self.id(&source.file)?, Location::new(source.line, 1)))
    }
}

/// A Kubernetes workload kind or a Compose service, as opposed to a source directory, an
/// external system or an entry point.
pub fn is_deployed(node: &ArchNode) -> bool {
    !node.external && node.role != Role::EntryPoint && node.kinds.iter().any(|k| k != "source")
}

/// Runs as Kubernetes pods (not only a Compose service or a source directory).
pub fn is_k8s_workload(node: &ArchNode) -> bool {
    !node.external
        && node.role != Role::EntryPoint
        && node.kinds.iter().any(|k| k != "source" && k != "compose")
}

/// Where a node is defined: its workload or Compose service, else any source.
pub fn definition(node: &ArchNode) -> Option<&SourceRef> {
    node.sources
        .iter()
        .find(|s| !matches!(s.kind.as_str(), "code" | "Service"))
        .or_else(|| node.sources.first())
}

/// The node as `affected_resources` spell it: `Deployment/orders`, `ComposeService/db`.
pub fn resource(node: &ArchNode) -> String {
    match node
        .kinds
        .iter()
        .find(|k| *k != "compose" && *k != "source")
    {
        Some(kind) => format!("{kind}/{}", node.name),
        None if node.kinds.iter().any(|k| k == "compose") => {
            format!("ComposeService/{}", node.name)
        }
        None if node.external => node.name.clone(),
        None => format!("Source/{}", node.name),
    }
}

/// An entry point as `affected_resources` spell it: `Ingress/tools`, `Service/frontend`.
pub fn entry_resource(node: &ArchNode) -> String {
    let name = node.name.rsplit('/').next().unwrap_or(&node.name);
    match node.kinds.first().map(String::as_str) {
        Some("loadbalancer" | "nodeport") => format!("Service/{name}"),
        Some("compose-port") => format!("ComposeService/{name}"),
        Some(kind) => format!("{kind}/{name}"),
        None => node.name.clone(),
    }
}

/// Adds a node's resources (workload and Services) and its definition as evidence.
pub fn add_node(f: &mut Finding, files: &Files, node: &ArchNode) {
    f.resource(resource(node));
    for s in &node.k8s_services {
        f.resource(format!("Service/{s}"));
    }
    if let Some((file, loc)) = definition(node).and_then(|s| files.at(s)) {
        f.also_at(file, loc);
    }
}

/// The workload objects of the corpus by (namespace, name), to read what the graph does not
/// keep (annotations, containers).
pub fn workload_objects(corpus: &Corpus) -> HashMap<(Option<String>, String), Vec<&K8sObject>> {
    let mut out: HashMap<(Option<String>, String), Vec<&K8sObject>> = HashMap::new();
    for o in &corpus.objects {
        if o.workload().is_some() {
            out.entry((o.namespace.clone(), o.name.clone()))
                .or_default()
                .push(o);
        }
    }
    out
}

/// The workload objects a node was built from.
pub fn objects_of_node<'a>(
    index: &'a HashMap<(Option<String>, String), Vec<&'a K8sObject>>,
    node: &ArchNode,
) -> &'a [&'a K8sObject] {
    index
        .get(&(node.namespace.clone(), node.name.clone()))
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

fn parent_dir(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(d, _)| d)
}

/// Which service each source file belongs to, as the architecture attributed it (one `code`
/// source per directory and service).
pub fn code_owners(arch: &ArchitectureGraph) -> HashMap<String, &ArchNode> {
    let mut out = HashMap::new();
    for n in arch.nodes() {
        for s in n.sources.iter().filter(|s| s.kind == "code") {
            out.entry(parent_dir(&s.file).to_string()).or_insert(n);
        }
    }
    out
}

/// The owner of one source file.
pub fn owner_of<'g>(owners: &HashMap<String, &'g ArchNode>, path: &str) -> Option<&'g ArchNode> {
    owners.get(parent_dir(path)).copied()
}

/// Test code: its calls and routes never run in production.
pub fn is_test_path(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    let mut parts = lower.split('/').collect::<Vec<_>>();
    let file = parts.pop().unwrap_or("");
    parts.iter().any(|d| {
        matches!(
            *d,
            "test" | "tests" | "__tests__" | "testdata" | "testing" | "e2e" | "spec" | "specs"
        )
    }) || file.starts_with("test_")
        || file.ends_with("_test.go")
        || file.ends_with("_test.py")
        || file.ends_with("test.java")
        || file.ends_with("tests.java")
        || [".test.", ".spec."].iter().any(|m| file.contains(m))
}

/// Words in service names and paths that mean the traffic carries money, identities or
/// credentials.
const SENSITIVE: &[&str] = &[
    "payment",
    "pay-",
    "checkout",
    "billing",
    "invoice",
    "order",
    "card",
    "wallet",
    "bank",
    "account",
    "auth",
    "login",
    "user",
    "identity",
    "session",
    "token",
    "credential",
    "secret",
    "password",
    "vault",
    "ledger",
    "transaction",
    "customer",
    "kyc",
];

/// Whether a name or address suggests sensitive data.
pub fn sensitive(text: &str) -> bool {
    let t = text.to_ascii_lowercase();
    SENSITIVE.iter().any(|w| t.contains(w))
}

/// Telemetry and log sinks: what a sensitive service sends them is its telemetry, not its data.
const TELEMETRY: &[&str] = &[
    "jaeger",
    "zipkin",
    "otel",
    "opentelemetry",
    "collector",
    "fluent",
    "logstash",
    "loki",
    "tempo",
    "statsd",
    "prometheus",
    "grafana",
    "datadog",
];

/// A node that only receives telemetry or logs.
pub fn telemetry_sink(node: &ArchNode) -> bool {
    let words = std::iter::once(node.name.as_str()).chain(node.images.iter().map(String::as_str));
    words
        .map(str::to_ascii_lowercase)
        .any(|w| TELEMETRY.iter().any(|t| w.contains(t)))
}

/// Whether a flow carries sensitive data, judged by the destination's name, the address, and
/// the caller's name unless the destination is a telemetry sink.
pub fn sensitive_flow(flow: &Flow, from: &ArchNode, to: &ArchNode) -> bool {
    sensitive(&to.name)
        || flow.address.as_deref().is_some_and(sensitive)
        || (sensitive(&from.name) && !telemetry_sink(to))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_paths_and_sensitive_names() {
        assert!(is_test_path("svc/tests/test_api.py"));
        assert!(is_test_path("svc/api_test.go"));
        assert!(is_test_path("web/src/app.spec.ts"));
        assert!(!is_test_path("payment/app.py"));
        assert!(sensitive("payment-service"));
        assert!(sensitive("http://order-service:8080/orders/"));
        assert!(!sensitive("catalog"));
    }
}
