//! Shared reading for the resilience rules: replica counts and the autoscalers that override
//! them, label selectors, pod labels, and namespaces.

use std::collections::BTreeMap;
use stridemap_model::architecture::ArchNode;
use stridemap_model::image::ImageRef;
use stridemap_model::k8s::K8sObject;
use stridemap_model::{Corpus, Location, Node};

/// Controllers that keep a number of identical pods running (`spec.replicas`).
pub const REPLICATED_KINDS: &[&str] = &[
    "Deployment",
    "StatefulSet",
    "ReplicaSet",
    "ReplicationController",
    "DeploymentConfig",
    "Rollout",
];

/// The namespace an object lands in when applied as written.
pub fn namespace(o: &K8sObject) -> &str {
    o.namespace.as_deref().unwrap_or("default")
}

/// Same namespace, treating an unset namespace on either side as "the one it is applied to".
pub fn same_namespace(a: &K8sObject, b: &K8sObject) -> bool {
    a.namespace == b.namespace || a.namespace.is_none() || b.namespace.is_none()
}

/// A mapping of strings (labels, `matchLabels`).
pub fn string_map(node: Option<&Node>) -> BTreeMap<String, String> {
    node.map(|n| {
        n.entries()
            .filter_map(|(k, _, v)| v.as_str().map(|v| (k.to_string(), v.to_string())))
            .collect()
    })
    .unwrap_or_default()
}

/// Labels of the pods an object runs (the pod template's, or a bare Pod's own).
pub fn pod_labels(o: &K8sObject) -> BTreeMap<String, String> {
    match o.workload() {
        Some(w) => string_map(w.pod_metadata.and_then(|m| m.get("labels"))),
        None => string_map(o.root.path(&["spec", "template", "metadata", "labels"])),
    }
}

/// The labels a controller's own selector requires (`spec.selector.matchLabels`, or the plain
/// map a ReplicationController or DeploymentConfig uses).
pub fn selector_labels(o: &K8sObject) -> BTreeMap<String, String> {
    let Some(sel) = o.root.path(&["spec", "selector"]) else {
        return BTreeMap::new();
    };
    if sel.get("matchLabels").is_some() || sel.get("matchExpressions").is_some() {
        string_map(sel.get("matchLabels"))
    } else {
        string_map(Some(sel))
    }
}

/// Whether a Kubernetes `LabelSelector` (`matchLabels` and `matchExpressions`) selects
/// `labels`. An empty selector selects everything; callers decide what that means.
pub fn selector_matches(selector: &Node, labels: &BTreeMap<String, String>) -> bool {
    let required = string_map(selector.get("matchLabels"));
    if !required.iter().all(|(k, v)| labels.get(k) == Some(v)) {
        return false;
    }
    let expressions = selector
        .get("matchExpressions")
        .map(Node::as_seq)
        .unwrap_or(&[]);
    expressions.iter().all(|e| {
        let Some(key) = e.get("key").and_then(Node::as_str) else {
            return false;
        };
        let values: Vec<&str> = e
            .get("values")
            .map(|v| v.strings().into_iter().map(|(s, _)| s).collect())
            .unwrap_or_default();
        let have = labels.get(key).map(String::as_str);
        match e.get("operator").and_then(Node::as_str) {
            Some("In") => have.is_some_and(|h| values.contains(&h)),
            Some("NotIn") => !have.is_some_and(|h| values.contains(&h)),
            Some("Exists") => have.is_some(),
            Some("DoesNotExist") => have.is_none(),
            _ => false,
        }
    })
}

/// A selector with neither `matchLabels` nor `matchExpressions` entries.
pub fn selector_is_empty(selector: &Node) -> bool {
    selector
        .get("matchLabels")
        .is_none_or(|m| m.as_map().is_empty())
        && selector
            .get("matchExpressions")
            .is_none_or(|m| m.as_seq().is_empty())
}

/// Whether Kubernetes would accept the controller's selector: when both a selector and pod
/// template labels are written, the selector must select the template (the API server rejects
/// the object otherwise, so it never runs).
pub fn controller_is_valid(o: &K8sObject) -> bool {
    let pods = pod_labels(o);
    let Some(sel) = o.root.path(&["spec", "selector"]).filter(|s| s.is_map()) else {
        return true;
    };
    if pods.is_empty() {
        return true;
    }
    if sel.get("matchLabels").is_some() || sel.get("matchExpressions").is_some() {
        selector_is_empty(sel) || selector_matches(sel, &pods)
    } else {
        let own = string_map(Some(sel));
        own.iter().all(|(k, v)| pods.get(k) == Some(v))
    }
}

/// Whether a PodDisruptionBudget selects the pods of controller `o` (same namespace; in
/// `policy/v1` an empty selector selects every pod of the namespace, a missing one none).
pub fn budget_covers(pdb: &K8sObject, o: &K8sObject) -> bool {
    if !same_namespace(pdb, o) {
        return false;
    }
    let Some(sel) = pdb
        .root
        .path(&["spec", "selector"])
        .filter(|s| !s.is_null())
    else {
        return false;
    };
    if selector_is_empty(sel) {
        return pdb.api_version == "policy/v1";
    }
    selects_controller(sel, o)
}

/// Whether a PodDisruptionBudget-style selector picks the pods of controller `o`: it selects
/// the pod template's labels (or, when the template carries none, the labels the controller's
/// selector requires).
pub fn selects_controller(selector: &Node, o: &K8sObject) -> bool {
    if selector_is_empty(selector) {
        return false;
    }
    let pods = pod_labels(o);
    let labels = if pods.is_empty() {
        selector_labels(o)
    } else {
        pods
    };
    !labels.is_empty() && selector_matches(selector, &labels)
}

/// `spec.replicas` as written: `Some(Some(n))` a number, `Some(None)` a value that is not one
/// (a template expression), `None` when absent.
pub fn replicas_field(o: &K8sObject) -> Option<(Option<i64>, &Node)> {
    let n = o
        .root
        .path(&["spec", "replicas"])
        .filter(|n| !n.is_null())?;
    Some((n.as_i64(), n))
}

/// A HorizontalPodAutoscaler or KEDA ScaledObject.
pub struct Autoscaler<'a> {
    pub object: &'a K8sObject,
    /// Kind of the target (`Deployment` when a ScaledObject leaves it out).
    pub target_kind: Option<&'a str>,
    pub target_name: Option<&'a str>,
    /// Lowest replica count it scales to (HPA default 1, KEDA default 0).
    pub min: Option<i64>,
    pub max: Option<i64>,
}

impl<'a> Autoscaler<'a> {
    fn read(o: &'a K8sObject) -> Self {
        let target = o.root.path(&["spec", "scaleTargetRef"]);
        let text = |k: &str| target.and_then(|t| t.get(k)).and_then(Node::as_str);
        let keda = o.kind == "ScaledObject";
        let int = |k: &str| o.root.path(&["spec", k]).and_then(Node::as_i64);
        Autoscaler {
            object: o,
            target_kind: text("kind").or(if keda { Some("Deployment") } else { None }),
            target_name: text("name"),
            min: if keda {
                int("minReplicaCount").or(Some(0))
            } else {
                match o.root.path(&["spec", "minReplicas"]) {
                    Some(n) => n.as_i64(),
                    None => Some(1),
                }
            },
            max: if keda {
                int("maxReplicaCount").or(Some(100))
            } else {
                int("maxReplicas")
            },
        }
    }

    /// Whether it scales controller `o`.
    pub fn targets(&self, o: &K8sObject) -> bool {
        self.target_name == Some(o.name.as_str())
            && self.target_kind.is_none_or(|k| k == o.kind)
            && same_namespace(self.object, o)
    }
}

/// Every autoscaler of the scan.
pub fn autoscalers(corpus: &Corpus) -> Vec<Autoscaler<'_>> {
    corpus
        .objects_of(&["HorizontalPodAutoscaler", "ScaledObject"])
        .map(Autoscaler::read)
        .collect()
}

/// How many pods a controller runs: fixed, or between an autoscaler's bounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scale {
    pub min: i64,
    pub max: i64,
    pub autoscaled: bool,
}

/// The scale of controller `o`, or `None` when it cannot be told (a templated replica count).
pub fn scale(o: &K8sObject, scalers: &[Autoscaler]) -> Option<Scale> {
    let mine: Vec<&Autoscaler> = scalers.iter().filter(|a| a.targets(o)).collect();
    if !mine.is_empty() {
        let min = mine.iter().filter_map(|a| a.min).min()?;
        let max = mine
            .iter()
            .filter_map(|a| a.max)
            .max()
            .unwrap_or(min)
            .max(min);
        return Some(Scale {
            min,
            max,
            autoscaled: true,
        });
    }
    let n = match replicas_field(o) {
        Some((n, _)) => n?,
        None => 1,
    };
    Some(Scale {
        min: n,
        max: n,
        autoscaled: false,
    })
}

/// Where to point at a controller about its replica count: `spec.replicas`, else `spec`.
pub fn replicas_loc(o: &K8sObject) -> Location {
    match replicas_field(o) {
        Some((_, n)) => n.loc,
        None => o.root.key_node("spec").map_or(o.root.loc, |k| k.loc),
    }
}

/// Where to point at an object's identity: `metadata.namespace` when written, else
/// `metadata.name`, else the object.
pub fn namespace_loc(o: &K8sObject) -> Location {
    let meta = o.metadata();
    meta.and_then(|m| m.get("namespace"))
        .or_else(|| meta.and_then(|m| m.get("name")))
        .map_or(o.root.loc, |n| n.loc)
}

/// Where to point at an object's name.
pub fn name_loc(o: &K8sObject) -> Location {
    o.metadata()
        .and_then(|m| m.get("name"))
        .map_or(o.root.loc, |n| n.loc)
}

/// Operators' consoles and monitoring: their outage leaves the application's request path
/// untouched.
const OPS_TOOLS: &[&str] = &[
    "kibana",
    "alertmanager",
    "grafana",
    "prometheus",
    "kiali",
    "dashboard",
    "jaeger",
    "zipkin",
    "kafka-ui",
    "kafdrop",
    "akhq",
    "adminer",
    "phpmyadmin",
    "pgadmin",
    "mongo-express",
    "redis-commander",
    "rabbitmq-management",
    "portainer",
];

/// Whether a node is an operator's tool (by its name or the repository of its images).
pub fn ops_tool(node: &ArchNode) -> bool {
    std::iter::once(node.name.to_ascii_lowercase())
        .chain(node.images.iter().map(|i| {
            let repo = ImageRef::parse(i).repository.to_ascii_lowercase();
            repo.rsplit('/').next().unwrap_or(&repo).to_string()
        }))
        .any(|w| OPS_TOOLS.iter().any(|t| w.contains(t)))
}

/// `a`, `b`, `c` and 4 more.
pub fn names<'n>(items: impl IntoIterator<Item = &'n str>) -> String {
    let all: Vec<&str> = items.into_iter().collect();
    let shown: Vec<String> = all.iter().take(5).map(|n| format!("`{n}`")).collect();
    let mut out = shown.join(", ");
    if all.len() > shown.len() {
        out.push_str(&format!(" and {} more", all.len() - shown.len()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use stridemap_model::Value;

    fn scalar(t: &str) -> Node {
        Node::scalar(t, false, Location::new(1, 1))
    }

    fn map(entries: Vec<(&str, Node)>) -> Node {
        Node {
            value: Value::Map(entries.into_iter().map(|(k, v)| (scalar(k), v)).collect()),
            loc: Location::new(1, 1),
        }
    }

    fn seq(items: Vec<Node>) -> Node {
        Node {
            value: Value::Seq(items),
            loc: Location::new(1, 1),
        }
    }

    #[test]
    fn selectors_follow_label_selector_semantics() {
        let labels: BTreeMap<String, String> = [("app".to_string(), "web".to_string())]
            .into_iter()
            .collect();
        let by_label = map(vec![("matchLabels", map(vec![("app", scalar("web"))]))]);
        assert!(selector_matches(&by_label, &labels));
        let other = map(vec![("matchLabels", map(vec![("app", scalar("db"))]))]);
        assert!(!selector_matches(&other, &labels));
        let expr = |op: &str, values: Vec<&str>| {
            map(vec![(
                "matchExpressions",
                seq(vec![map(vec![
                    ("key", scalar("app")),
                    ("operator", scalar(op)),
                    ("values", seq(values.into_iter().map(scalar).collect())),
                ])]),
            )])
        };
        assert!(selector_matches(&expr("In", vec!["web", "api"]), &labels));
        assert!(!selector_matches(&expr("NotIn", vec!["web"]), &labels));
        assert!(selector_matches(&expr("Exists", vec![]), &labels));
        assert!(!selector_matches(&expr("DoesNotExist", vec![]), &labels));
        assert!(selector_is_empty(&map(vec![])));
    }
}
