//! Network policies of every flavour — Kubernetes `NetworkPolicy`, Cilium
//! `CiliumNetworkPolicy`/`CiliumClusterwideNetworkPolicy` and Calico
//! `NetworkPolicy`/`GlobalNetworkPolicy` — read into one shape: which pods a policy applies to,
//! which directions it isolates, and which of its rules admit everything.
//!
//! The architecture builder and the network rules both read policies through this module, so
//! "is this pod covered" has one answer everywhere.

use crate::k8s::K8sObject;
use crate::yaml::Node;
use std::collections::BTreeMap;

/// Kinds that may carry a network policy (Calico's namespaced kind shares the Kubernetes name;
/// [`policies_of`] tells them apart by API group and shape).
pub const POLICY_KINDS: &[&str] = &[
    "NetworkPolicy",
    "CiliumNetworkPolicy",
    "CiliumClusterwideNetworkPolicy",
    "GlobalNetworkPolicy",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Flavor {
    Kubernetes,
    Cilium,
    Calico,
}

impl Flavor {
    pub fn as_str(self) -> &'static str {
        match self {
            Flavor::Kubernetes => "Kubernetes",
            Flavor::Cilium => "Cilium",
            Flavor::Calico => "Calico",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Direction {
    Ingress,
    Egress,
}

impl Direction {
    pub const BOTH: [Direction; 2] = [Direction::Ingress, Direction::Egress];

    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Ingress => "ingress",
            Direction::Egress => "egress",
        }
    }
}

/// A pod (or pod template) as policies see it.
#[derive(Debug, Clone, Copy)]
pub struct PodView<'a> {
    /// `None` when the manifest sets no namespace: it lands wherever it is applied.
    pub namespace: Option<&'a str>,
    pub labels: &'a BTreeMap<String, String>,
    /// Labels of the pod's `Namespace` object, when the corpus has it.
    pub namespace_labels: &'a BTreeMap<String, String>,
}

/// Which endpoints a selector picks.
#[derive(Debug, Clone, PartialEq)]
pub enum Selector {
    /// A Kubernetes/Cilium label selector (empty: every pod in scope).
    Labels(LabelSelector),
    /// A Calico selector expression.
    Calico(CalicoExpr),
    /// Written in a form this module cannot evaluate (a template, an unknown operator): treated
    /// as selecting everything in scope, and never reported as selecting nothing.
    Unknown,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct LabelSelector {
    pub match_labels: Vec<(String, String)>,
    pub expressions: Vec<Requirement>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Requirement {
    pub key: String,
    pub op: Op,
    pub values: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    In,
    NotIn,
    Exists,
    DoesNotExist,
}

/// One direction of a policy.
#[derive(Debug, Clone, Default)]
pub struct Side<'a> {
    /// Selected pods are isolated in this direction: traffic no rule allows is dropped.
    pub isolates: bool,
    /// The rules of this direction (allow rules, and Cilium/Calico deny rules).
    pub rules: Vec<&'a Node>,
    /// Rules that admit every peer on every port, by index into `rules`.
    pub allow_all: Vec<usize>,
}

/// One policy (a Cilium object with `specs` yields one per spec).
#[derive(Debug, Clone)]
pub struct Policy<'a> {
    pub object: &'a K8sObject,
    /// The policy's namespace, an unset one resolved as [`implicit_namespace`] says.
    pub namespace: Option<String>,
    pub flavor: Flavor,
    /// Applies in every namespace (Cilium clusterwide, Calico global).
    pub cluster_wide: bool,
    pub selector: Selector,
    /// Calico `GlobalNetworkPolicy.spec.namespaceSelector`.
    pub namespace_selector: Option<Selector>,
    /// Where the selector is written (the spec when it is omitted).
    pub selector_node: Option<&'a Node>,
    /// The spec the policy was read from.
    pub spec: Option<&'a Node>,
    pub ingress: Side<'a>,
    pub egress: Side<'a>,
}

impl<'a> Policy<'a> {
    pub fn side(&self, d: Direction) -> &Side<'a> {
        match d {
            Direction::Ingress => &self.ingress,
            Direction::Egress => &self.egress,
        }
    }

    /// Whether the policy's namespace scope contains the pod (an unset namespace on either side
    /// matches any: the manifest lands wherever it is applied).
    pub fn in_scope(&self, pod: &PodView) -> bool {
        if self.cluster_wide {
            return match &self.namespace_selector {
                Some(sel) => sel.matches_namespace(pod),
                None => true,
            };
        }
        match (self.namespace.as_deref(), pod.namespace) {
            (Some(a), Some(b)) => a == b,
            _ => true,
        }
    }

    /// Whether the policy applies to the pod.
    pub fn applies_to(&self, pod: &PodView) -> bool {
        self.in_scope(pod) && self.selector.matches_pod(pod, self.flavor)
    }

    /// Whether the policy applies to every pod of a namespace, whatever their labels: an empty
    /// selector, or one that only names the namespace (Cilium's and Calico's namespace labels).
    pub fn covers_namespace(
        &self,
        namespace: Option<&str>,
        namespace_labels: &BTreeMap<String, String>,
    ) -> bool {
        let no_labels = BTreeMap::new();
        let pod = PodView {
            namespace,
            labels: &no_labels,
            namespace_labels,
        };
        if !self.in_scope(&pod) {
            return false;
        }
        match &self.selector {
            Selector::Labels(l) if self.flavor == Flavor::Cilium => {
                let keys = l
                    .match_labels
                    .iter()
                    .map(|(k, _)| k)
                    .chain(l.expressions.iter().map(|r| &r.key));
                let mut only_namespace = true;
                for k in keys {
                    let k = k
                        .strip_prefix("k8s:")
                        .or_else(|| k.strip_prefix("any:"))
                        .unwrap_or(k);
                    only_namespace &= k == "io.kubernetes.pod.namespace"
                        || k.starts_with("io.cilium.k8s.namespace.labels.");
                }
                only_namespace
                    && l.matches_with(&|k| match cilium_label(&pod, k) {
                        Err(()) => Ok(None),
                        v => v,
                    })
            }
            Selector::Labels(l) => l.is_empty(),
            Selector::Calico(e) => {
                e.eval(&|k| match k {
                    "projectcalico.org/namespace" => {
                        pod.namespace.map(|n| Some(n.to_string())).ok_or(())
                    }
                    _ => Err(()),
                }) == Ok(true)
            }
            Selector::Unknown => false,
        }
    }

    /// Whether the selector picks every pod in the policy's scope (`podSelector: {}`).
    pub fn selects_all(&self) -> bool {
        match &self.selector {
            Selector::Labels(l) => l.is_empty(),
            Selector::Calico(e) => e.is_all(),
            Selector::Unknown => false,
        }
    }
}

impl LabelSelector {
    /// Reads `{matchLabels, matchExpressions}`; `None` for a shape that is not a selector.
    pub fn from_node(node: Option<&Node>) -> Option<LabelSelector> {
        let Some(node) = node.filter(|n| !n.is_null()) else {
            return Some(LabelSelector::default());
        };
        if !node.is_map() {
            return None;
        }
        let mut out = LabelSelector::default();
        if let Some(ml) = node.get("matchLabels").filter(|n| !n.is_null()) {
            if !ml.is_map() {
                return None;
            }
            for (k, _, v) in ml.entries() {
                out.match_labels
                    .push((k.to_string(), v.as_str().unwrap_or("").to_string()));
            }
        }
        if let Some(me) = node.get("matchExpressions").filter(|n| !n.is_null()) {
            for e in me.as_seq() {
                let key = e.get("key").and_then(Node::as_str)?.to_string();
                let op = match e.get("operator").and_then(Node::as_str)? {
                    "In" => Op::In,
                    "NotIn" => Op::NotIn,
                    "Exists" => Op::Exists,
                    "DoesNotExist" => Op::DoesNotExist,
                    _ => return None,
                };
                let values = e
                    .get("values")
                    .map(|v| {
                        v.as_seq()
                            .iter()
                            .filter_map(|x| x.as_str().map(str::to_string))
                            .collect()
                    })
                    .unwrap_or_default();
                out.expressions.push(Requirement { key, op, values });
            }
        }
        let templated = out
            .match_labels
            .iter()
            .any(|(k, v)| k.contains("{{") || v.contains("{{"));
        (!templated).then_some(out)
    }

    pub fn is_empty(&self) -> bool {
        self.match_labels.is_empty() && self.expressions.is_empty()
    }

    /// Label matching with a resolver for labels the pod does not carry itself (Cilium's
    /// namespace pseudo-labels); the resolver returns `Err(())` when a label cannot be known,
    /// and such a requirement counts as met.
    fn matches_with(&self, get: &dyn Fn(&str) -> Result<Option<String>, ()>) -> bool {
        let eq = |k: &str, v: &str| match get(k) {
            Ok(have) => have.as_deref() == Some(v),
            Err(()) => true,
        };
        self.match_labels.iter().all(|(k, v)| eq(k, v))
            && self.expressions.iter().all(|r| match get(&r.key) {
                Err(()) => true,
                Ok(have) => match r.op {
                    Op::In => have.is_some_and(|h| r.values.contains(&h)),
                    Op::NotIn => have.is_none_or(|h| !r.values.contains(&h)),
                    Op::Exists => have.is_some(),
                    Op::DoesNotExist => have.is_none(),
                },
            })
    }

    /// Matching against plain labels.
    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        self.matches_with(&|k| Ok(labels.get(k).cloned()))
    }
}

/// Cilium writes labels with a source prefix (`k8s:app`, `any:app`) and exposes the namespace
/// as pseudo-labels.
fn cilium_label(pod: &PodView, key: &str) -> Result<Option<String>, ()> {
    let key = key
        .strip_prefix("k8s:")
        .or_else(|| key.strip_prefix("any:"))
        .unwrap_or(key);
    if key == "io.kubernetes.pod.namespace" {
        return pod.namespace.map(|n| Some(n.to_string())).ok_or(());
    }
    if let Some(l) = key.strip_prefix("io.cilium.k8s.namespace.labels.") {
        return namespace_label(pod, l);
    }
    if key.starts_with("io.cilium.") || key.starts_with("io.kubernetes.") {
        return Err(());
    }
    Ok(pod.labels.get(key).cloned())
}

fn namespace_label(pod: &PodView, key: &str) -> Result<Option<String>, ()> {
    if key == "kubernetes.io/metadata.name" || key == "projectcalico.org/name" {
        return pod.namespace.map(|n| Some(n.to_string())).ok_or(());
    }
    match pod.namespace_labels.get(key) {
        Some(v) => Ok(Some(v.clone())),
        // Without the Namespace object its labels are unknown.
        None if pod.namespace_labels.is_empty() => Err(()),
        None => Ok(None),
    }
}

impl Selector {
    pub fn matches_pod(&self, pod: &PodView, flavor: Flavor) -> bool {
        match self {
            Selector::Labels(l) => match flavor {
                Flavor::Cilium => l.matches_with(&|k| cilium_label(pod, k)),
                _ => l.matches(pod.labels),
            },
            Selector::Calico(e) => e
                .eval(&|k| match k {
                    "projectcalico.org/namespace" => {
                        pod.namespace.map(|n| Some(n.to_string())).ok_or(())
                    }
                    k if k.starts_with("projectcalico.org/") => Err(()),
                    k => Ok(pod.labels.get(k).cloned()),
                })
                .unwrap_or(true),
            Selector::Unknown => true,
        }
    }

    fn matches_namespace(&self, pod: &PodView) -> bool {
        match self {
            Selector::Labels(l) => l.matches_with(&|k| namespace_label(pod, k)),
            Selector::Calico(e) => e.eval(&|k| namespace_label(pod, k)).unwrap_or(true),
            Selector::Unknown => true,
        }
    }

    /// The selector as written, for messages.
    pub fn describe(&self) -> String {
        match self {
            Selector::Labels(l) if l.is_empty() => "all pods".into(),
            Selector::Labels(l) => {
                let mut parts: Vec<String> = l
                    .match_labels
                    .iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect();
                for r in &l.expressions {
                    parts.push(match r.op {
                        Op::In => format!("{} in ({})", r.key, r.values.join(",")),
                        Op::NotIn => format!("{} notin ({})", r.key, r.values.join(",")),
                        Op::Exists => r.key.clone(),
                        Op::DoesNotExist => format!("!{}", r.key),
                    });
                }
                parts.join(", ")
            }
            Selector::Calico(e) if e.is_all() => "all pods".into(),
            Selector::Calico(e) => e.source.clone(),
            Selector::Unknown => "an unevaluated selector".into(),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Reading policies

fn api_group(object: &K8sObject) -> &str {
    object
        .api_version
        .rsplit_once('/')
        .map_or("", |(group, _)| group)
}

/// The policies an object declares (empty for objects that are not network policies).
pub fn policies_of(object: &K8sObject) -> Vec<Policy<'_>> {
    let group = api_group(object);
    let spec = object.root.get("spec").filter(|n| n.is_map());
    match object.kind.as_str() {
        "NetworkPolicy" if group.ends_with("projectcalico.org") => {
            calico(object, spec, false).into_iter().collect()
        }
        "GlobalNetworkPolicy" if group.ends_with("projectcalico.org") || group.is_empty() => {
            calico(object, spec, true).into_iter().collect()
        }
        "NetworkPolicy" => {
            // A Calico policy written without its group still has a string selector.
            if spec
                .and_then(|s| s.get("selector"))
                .is_some_and(|s| s.as_str().is_some())
                && spec.and_then(|s| s.get("podSelector")).is_none()
            {
                calico(object, spec, false).into_iter().collect()
            } else {
                vec![kubernetes(object, spec)]
            }
        }
        "CiliumNetworkPolicy" | "CiliumClusterwideNetworkPolicy" => {
            let cluster_wide = object.kind == "CiliumClusterwideNetworkPolicy";
            let mut specs: Vec<&Node> = spec.into_iter().collect();
            if let Some(list) = object.root.get("specs") {
                specs.extend(list.as_seq().iter().filter(|n| n.is_map()));
            }
            specs
                .into_iter()
                .filter_map(|s| cilium(object, s, cluster_wide))
                .collect()
        }
        _ => Vec::new(),
    }
}

fn seq(node: Option<&Node>) -> Vec<&Node> {
    node.map(|n| n.as_seq().iter().collect())
        .unwrap_or_default()
}

fn kubernetes<'a>(object: &'a K8sObject, spec: Option<&'a Node>) -> Policy<'a> {
    let selector_node = spec.and_then(|s| s.get("podSelector"));
    let selector = match LabelSelector::from_node(selector_node) {
        Some(l) => Selector::Labels(l),
        None => Selector::Unknown,
    };
    let types: Vec<String> = spec
        .and_then(|s| s.get("policyTypes"))
        .map(|t| {
            t.strings()
                .into_iter()
                .map(|(s, _)| s.to_ascii_lowercase())
                .collect()
        })
        .unwrap_or_default();
    let ingress_rules = seq(spec.and_then(|s| s.get("ingress")));
    let egress_rules = seq(spec.and_then(|s| s.get("egress")));
    // The API server defaults an empty `policyTypes` to Ingress, plus Egress when egress rules
    // are written.
    let (ing, eg) = if types.is_empty() {
        (true, !egress_rules.is_empty())
    } else {
        (
            types.iter().any(|t| t == "ingress"),
            types.iter().any(|t| t == "egress"),
        )
    };
    let side = |isolates: bool, rules: Vec<&'a Node>, peers: &str| {
        let allow_all = if isolates {
            rules
                .iter()
                .enumerate()
                .filter(|(_, r)| k8s_rule_allows_all(r, peers))
                .map(|(i, _)| i)
                .collect()
        } else {
            Vec::new()
        };
        Side {
            isolates,
            rules,
            allow_all,
        }
    };
    Policy {
        object,
        namespace: object.namespace.clone(),
        flavor: Flavor::Kubernetes,
        cluster_wide: false,
        selector,
        namespace_selector: None,
        selector_node: selector_node.or(spec),
        spec,
        ingress: side(ing, ingress_rules, "from"),
        egress: side(eg, egress_rules, "to"),
    }
}

fn is_open_cidr(cidr: &str) -> bool {
    matches!(cidr.trim(), "0.0.0.0/0" | "::/0")
}

/// A Kubernetes rule with no peer list (or a peer that is everyone) and no port list.
fn k8s_rule_allows_all(rule: &Node, peers_key: &str) -> bool {
    if !rule.is_map() && !rule.is_null() {
        return false;
    }
    let ports_open = rule.get("ports").is_none_or(|p| p.as_seq().is_empty());
    if !ports_open {
        return false;
    }
    let Some(peers) = rule.get(peers_key).filter(|p| !p.is_null()) else {
        return true;
    };
    let peers = peers.as_seq();
    peers.is_empty() || peers.iter().any(k8s_peer_is_everyone)
}

/// `{}`, `namespaceSelector: {}` (with no or an empty pod selector) or an unrestricted
/// `ipBlock` of the whole address space.
pub fn k8s_peer_is_everyone(peer: &Node) -> bool {
    let empty = |n: Option<&Node>| {
        n.is_some_and(|n| {
            n.is_null()
                || n.as_map().is_empty()
                || LabelSelector::from_node(Some(n)).is_some_and(|l| l.is_empty())
        })
    };
    if peer.is_null() || (peer.is_map() && peer.as_map().is_empty()) {
        return true;
    }
    let ns = peer.get("namespaceSelector");
    let pods = peer.get("podSelector");
    if ns.is_some() && empty(ns) && (pods.is_none() || empty(pods)) {
        return true;
    }
    if let Some(block) = peer.get("ipBlock") {
        let cidr = block.get("cidr").and_then(Node::as_str).unwrap_or("");
        let except = block.get("except").is_some_and(|e| !e.as_seq().is_empty());
        return is_open_cidr(cidr) && !except;
    }
    false
}

fn cilium<'a>(object: &'a K8sObject, spec: &'a Node, cluster_wide: bool) -> Option<Policy<'a>> {
    // Host policies (`nodeSelector`) protect nodes, not pods.
    if spec.get("nodeSelector").is_some() && spec.get("endpointSelector").is_none() {
        return None;
    }
    let selector_node = spec.get("endpointSelector");
    let selector = match LabelSelector::from_node(selector_node) {
        Some(l) => Selector::Labels(l),
        None => Selector::Unknown,
    };
    let default_deny = spec.get("enableDefaultDeny");
    let side = |allow: &str, deny: &str, entities: &str, cidrs: &str, key: &str| {
        let allow_rules = seq(spec.get(allow));
        let deny_rules = seq(spec.get(deny));
        let mut isolates = !allow_rules.is_empty() || !deny_rules.is_empty();
        if default_deny
            .and_then(|d| d.get(key))
            .and_then(Node::as_bool)
            == Some(false)
        {
            isolates = false;
        }
        let allow_all = if isolates {
            allow_rules
                .iter()
                .enumerate()
                .filter(|(_, r)| {
                    let everyone = r
                        .get(entities)
                        .is_some_and(|e| e.strings().iter().any(|(s, _)| *s == "all"))
                        || r.get(cidrs)
                            .is_some_and(|c| c.strings().iter().any(|(s, _)| is_open_cidr(s)));
                    everyone && r.get("toPorts").is_none_or(|p| p.as_seq().is_empty())
                })
                .map(|(i, _)| i)
                .collect()
        } else {
            Vec::new()
        };
        let mut rules = allow_rules;
        rules.extend(deny_rules);
        Side {
            isolates,
            rules,
            allow_all,
        }
    };
    Some(Policy {
        object,
        namespace: object.namespace.clone(),
        flavor: Flavor::Cilium,
        cluster_wide,
        selector,
        namespace_selector: None,
        selector_node: selector_node.or(Some(spec)),
        spec: Some(spec),
        ingress: side(
            "ingress",
            "ingressDeny",
            "fromEntities",
            "fromCIDR",
            "ingress",
        ),
        egress: side("egress", "egressDeny", "toEntities", "toCIDR", "egress"),
    })
}

fn calico<'a>(
    object: &'a K8sObject,
    spec: Option<&'a Node>,
    cluster_wide: bool,
) -> Option<Policy<'a>> {
    let parse = |node: Option<&Node>| match node.filter(|n| !n.is_null()) {
        None => Some(Selector::Calico(CalicoExpr::all())),
        Some(n) => match n.as_str() {
            Some(text) if text.contains("{{") => Some(Selector::Unknown),
            Some(text) => Some(match CalicoExpr::parse(text) {
                Some(e) => Selector::Calico(e),
                None => Selector::Unknown,
            }),
            None => None,
        },
    };
    let selector_node = spec.and_then(|s| s.get("selector"));
    let selector = parse(selector_node)?;
    let namespace_selector = if cluster_wide {
        spec.and_then(|s| s.get("namespaceSelector"))
            .and_then(|n| parse(Some(n)))
    } else {
        None
    };
    let ingress_rules = seq(spec.and_then(|s| s.get("ingress")));
    let egress_rules = seq(spec.and_then(|s| s.get("egress")));
    let types: Vec<String> = spec
        .and_then(|s| s.get("types"))
        .map(|t| {
            t.strings()
                .into_iter()
                .map(|(s, _)| s.to_ascii_lowercase())
                .collect()
        })
        .unwrap_or_default();
    let (ing, eg) = if types.is_empty() {
        match (ingress_rules.is_empty(), egress_rules.is_empty()) {
            (_, true) => (true, false),
            (true, false) => (false, true),
            (false, false) => (true, true),
        }
    } else {
        (
            types.iter().any(|t| t == "ingress"),
            types.iter().any(|t| t == "egress"),
        )
    };
    let side = |isolates: bool, rules: Vec<&'a Node>, peer: &str| {
        let allow_all = if isolates {
            rules
                .iter()
                .enumerate()
                .filter(|(_, r)| calico_rule_allows_all(r, peer))
                .map(|(i, _)| i)
                .collect()
        } else {
            Vec::new()
        };
        Side {
            isolates,
            rules,
            allow_all,
        }
    };
    Some(Policy {
        object,
        namespace: object.namespace.clone(),
        flavor: Flavor::Calico,
        cluster_wide,
        selector,
        namespace_selector,
        selector_node: selector_node.or(spec),
        spec,
        ingress: side(ing, ingress_rules, "source"),
        egress: side(eg, egress_rules, "destination"),
    })
}

/// `action: Allow` with no protocol and an unrestricted peer (no selectors, nets or ports).
fn calico_rule_allows_all(rule: &Node, peer_key: &str) -> bool {
    let allow = rule
        .get("action")
        .and_then(Node::as_str)
        .is_some_and(|a| a.eq_ignore_ascii_case("allow"));
    if !allow || rule.get("protocol").is_some_and(|p| !p.is_null()) {
        return false;
    }
    let Some(peer) = rule.get(peer_key).filter(|p| !p.is_null()) else {
        return true;
    };
    peer.entries().all(|(k, _, v)| match k {
        "selector" => v.as_str().is_some_and(|s| {
            CalicoExpr::parse(s).is_some_and(|e| e.is_all()) || s.trim().is_empty()
        }),
        "nets" => v.strings().iter().any(|(s, _)| is_open_cidr(s)),
        _ => v.is_null() || (v.is_seq() && v.as_seq().is_empty()),
    })
}

// ---------------------------------------------------------------------------------------------
// Calico selector expressions

/// A parsed Calico selector (`app == 'web' && has(tier)`, `all()`, `k in {'a','b'}`…).
#[derive(Debug, Clone, PartialEq)]
pub struct CalicoExpr {
    pub source: String,
    root: CExpr,
}

#[derive(Debug, Clone, PartialEq)]
enum CExpr {
    All,
    Global,
    Has(String),
    Eq(String, String),
    Ne(String, String),
    In(String, Vec<String>),
    NotIn(String, Vec<String>),
    Contains(String, String),
    StartsWith(String, String),
    EndsWith(String, String),
    Not(Box<CExpr>),
    And(Box<CExpr>, Box<CExpr>),
    Or(Box<CExpr>, Box<CExpr>),
}

impl CalicoExpr {
    pub fn all() -> Self {
        CalicoExpr {
            source: "all()".into(),
            root: CExpr::All,
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        let tokens = ctokens(text)?;
        if tokens.is_empty() {
            return Some(CalicoExpr {
                source: text.trim().to_string(),
                root: CExpr::All,
            });
        }
        let mut p = CParser { t: &tokens, i: 0 };
        let root = p.or()?;
        (p.i == tokens.len()).then(|| CalicoExpr {
            source: text.trim().to_string(),
            root,
        })
    }

    pub fn is_all(&self) -> bool {
        matches!(self.root, CExpr::All)
    }

    /// Evaluates with a label lookup; `Err` when a label cannot be known.
    fn eval(&self, get: &dyn Fn(&str) -> Result<Option<String>, ()>) -> Result<bool, ()> {
        fn go(e: &CExpr, get: &dyn Fn(&str) -> Result<Option<String>, ()>) -> Result<bool, ()> {
            Ok(match e {
                CExpr::All | CExpr::Global => true,
                CExpr::Has(k) => get(k)?.is_some(),
                CExpr::Eq(k, v) => get(k)?.as_deref() == Some(v.as_str()),
                CExpr::Ne(k, v) => get(k)?.as_deref() != Some(v.as_str()),
                CExpr::In(k, vs) => get(k)?.is_some_and(|h| vs.contains(&h)),
                CExpr::NotIn(k, vs) => get(k)?.is_none_or(|h| !vs.contains(&h)),
                CExpr::Contains(k, v) => get(k)?.is_some_and(|h| h.contains(v.as_str())),
                CExpr::StartsWith(k, v) => get(k)?.is_some_and(|h| h.starts_with(v.as_str())),
                CExpr::EndsWith(k, v) => get(k)?.is_some_and(|h| h.ends_with(v.as_str())),
                CExpr::Not(x) => !go(x, get)?,
                CExpr::And(a, b) => go(a, get)? && go(b, get)?,
                CExpr::Or(a, b) => go(a, get)? || go(b, get)?,
            })
        }
        go(&self.root, get)
    }
}

#[derive(Debug, Clone, PartialEq)]
enum CTok {
    Word(String),
    Str(String),
    Sym(&'static str),
}

fn ctokens(text: &str) -> Option<Vec<CTok>> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let two: String = chars[i..(i + 2).min(chars.len())].iter().collect();
        let sym2 = ["&&", "||", "==", "!="].into_iter().find(|s| *s == two);
        if let Some(s) = sym2 {
            out.push(CTok::Sym(s));
            i += 2;
            continue;
        }
        if let Some(s) = ["(", ")", "{", "}", ",", "!"]
            .into_iter()
            .find(|s| s.starts_with(c))
        {
            out.push(CTok::Sym(s));
            i += 1;
            continue;
        }
        if c == '\'' || c == '"' {
            let end = chars[i + 1..].iter().position(|&x| x == c)? + i + 1;
            out.push(CTok::Str(chars[i + 1..end].iter().collect()));
            i = end + 1;
            continue;
        }
        let start = i;
        while i < chars.len() && !chars[i].is_whitespace() && !"()!{},=&|'\"".contains(chars[i]) {
            i += 1;
        }
        if start == i {
            return None;
        }
        out.push(CTok::Word(chars[start..i].iter().collect()));
    }
    Some(out)
}

struct CParser<'t> {
    t: &'t [CTok],
    i: usize,
}

impl CParser<'_> {
    fn peek(&self) -> Option<&CTok> {
        self.t.get(self.i)
    }
    fn sym(&mut self, s: &str) -> bool {
        if matches!(self.peek(), Some(CTok::Sym(x)) if *x == s) {
            self.i += 1;
            true
        } else {
            false
        }
    }
    fn word(&mut self, w: &str) -> bool {
        if matches!(self.peek(), Some(CTok::Word(x)) if x == w) {
            self.i += 1;
            true
        } else {
            false
        }
    }
    fn string(&mut self) -> Option<String> {
        match self.peek() {
            Some(CTok::Str(s)) => {
                let s = s.clone();
                self.i += 1;
                Some(s)
            }
            _ => None,
        }
    }
    fn or(&mut self) -> Option<CExpr> {
        let mut e = self.and()?;
        while self.sym("||") {
            e = CExpr::Or(Box::new(e), Box::new(self.and()?));
        }
        Some(e)
    }
    fn and(&mut self) -> Option<CExpr> {
        let mut e = self.unary()?;
        while self.sym("&&") {
            e = CExpr::And(Box::new(e), Box::new(self.unary()?));
        }
        Some(e)
    }
    fn unary(&mut self) -> Option<CExpr> {
        if self.sym("!") {
            return Some(CExpr::Not(Box::new(self.unary()?)));
        }
        if self.sym("(") {
            let e = self.or()?;
            return self.sym(")").then_some(e);
        }
        self.term()
    }
    fn set(&mut self) -> Option<Vec<String>> {
        if !self.sym("{") {
            return None;
        }
        let mut out = Vec::new();
        if self.sym("}") {
            return Some(out);
        }
        loop {
            out.push(self.string()?);
            if self.sym("}") {
                return Some(out);
            }
            if !self.sym(",") {
                return None;
            }
        }
    }
    fn term(&mut self) -> Option<CExpr> {
        let Some(CTok::Word(w)) = self.peek().cloned() else {
            return None;
        };
        self.i += 1;
        if (w == "all" || w == "global" || w == "has") && self.sym("(") {
            let e = match w.as_str() {
                "all" => CExpr::All,
                "global" => CExpr::Global,
                _ => match self.peek().cloned() {
                    Some(CTok::Word(k)) => {
                        self.i += 1;
                        CExpr::Has(k)
                    }
                    _ => return None,
                },
            };
            return self.sym(")").then_some(e);
        }
        let key = w;
        if self.sym("==") {
            return Some(CExpr::Eq(key, self.string()?));
        }
        if self.sym("!=") {
            return Some(CExpr::Ne(key, self.string()?));
        }
        if self.word("in") {
            return Some(CExpr::In(key, self.set()?));
        }
        if self.word("not") {
            if !self.word("in") {
                return None;
            }
            return Some(CExpr::NotIn(key, self.set()?));
        }
        if self.word("contains") {
            return Some(CExpr::Contains(key, self.string()?));
        }
        if self.word("starts") {
            return self
                .word("with")
                .then(|| self.string())
                .flatten()
                .map(|v| CExpr::StartsWith(key, v));
        }
        if self.word("ends") {
            return self
                .word("with")
                .then(|| self.string())
                .flatten()
                .map(|v| CExpr::EndsWith(key, v));
        }
        None
    }
}

// ---------------------------------------------------------------------------------------------
// An index for "which policies apply to this pod"

/// The namespace that manifests without one land in, as far as the scan tells: the one
/// namespace its namespaced objects name, `default` when they name several, and `None` (match
/// anything) when none names one or nothing lacks one.
pub fn implicit_namespace<'a>(objects: impl IntoIterator<Item = &'a K8sObject>) -> Option<String> {
    let mut named = std::collections::BTreeSet::new();
    let mut unset = false;
    for o in objects {
        match &o.namespace {
            Some(n) => {
                named.insert(n.as_str());
            }
            None => {
                unset |= o.workload().is_some() || POLICY_KINDS.contains(&o.kind.as_str());
            }
        }
    }
    if !unset {
        return None;
    }
    match named.len() {
        0 => None,
        1 => named.first().map(|n| n.to_string()),
        _ => Some("default".to_string()),
    }
}

/// Every policy of a corpus, grouped so a pod's candidates are found without a full scan.
pub struct PolicyIndex<'a> {
    pub policies: Vec<Policy<'a>>,
    by_namespace: BTreeMap<Option<String>, Vec<usize>>,
    cluster_wide: Vec<usize>,
    /// Labels of the `Namespace` objects in the corpus.
    pub namespace_labels: BTreeMap<&'a str, BTreeMap<String, String>>,
    /// Where manifests without a namespace land (see [`implicit_namespace`]).
    pub implicit_namespace: Option<String>,
}

static NO_LABELS: BTreeMap<String, String> = BTreeMap::new();

impl<'a> PolicyIndex<'a> {
    /// Builds the index from the policy objects and the `Namespace` objects of a corpus;
    /// policies without a namespace are placed in `implicit` (when known).
    pub fn new(
        policy_objects: impl IntoIterator<Item = &'a K8sObject>,
        namespaces: impl IntoIterator<Item = &'a K8sObject>,
        implicit: Option<String>,
    ) -> Self {
        let mut policies = Vec::new();
        for o in policy_objects {
            policies.extend(policies_of(o));
        }
        let mut by_namespace: BTreeMap<Option<String>, Vec<usize>> = BTreeMap::new();
        let mut cluster_wide = Vec::new();
        for (i, p) in policies.iter_mut().enumerate() {
            if p.cluster_wide {
                p.namespace = None;
                cluster_wide.push(i);
            } else {
                if p.namespace.is_none() {
                    p.namespace = implicit.clone();
                }
                by_namespace.entry(p.namespace.clone()).or_default().push(i);
            }
        }
        let mut namespace_labels = BTreeMap::new();
        for ns in namespaces {
            let labels: BTreeMap<String, String> = ns
                .metadata()
                .and_then(|m| m.get("labels"))
                .map(|l| {
                    l.entries()
                        .filter_map(|(k, _, v)| v.as_str().map(|v| (k.to_string(), v.to_string())))
                        .collect()
                })
                .unwrap_or_default();
            namespace_labels.insert(ns.name.as_str(), labels);
        }
        PolicyIndex {
            policies,
            by_namespace,
            cluster_wide,
            namespace_labels,
            implicit_namespace: implicit,
        }
    }

    /// Builds the index from a whole corpus.
    pub fn from_corpus(corpus: &'a crate::Corpus) -> Self {
        PolicyIndex::new(
            corpus.objects_of(POLICY_KINDS),
            corpus.objects_of(&["Namespace"]),
            implicit_namespace(&corpus.objects),
        )
    }

    /// A manifest's namespace as policies see it: its own, else the implicit one.
    pub fn resolve<'s>(&'s self, namespace: Option<&'s str>) -> Option<&'s str> {
        namespace.or(self.implicit_namespace.as_deref())
    }

    /// Labels of a namespace's `Namespace` object (empty when the corpus lacks it).
    pub fn labels_of_namespace(&self, namespace: Option<&str>) -> &BTreeMap<String, String> {
        namespace
            .and_then(|n| self.namespace_labels.get(n))
            .unwrap_or(&NO_LABELS)
    }

    /// Policies whose namespace scope may contain pods of `namespace` (already resolved).
    pub fn candidates(&self, namespace: Option<&str>) -> impl Iterator<Item = &Policy<'a>> {
        let key = namespace.map(str::to_string);
        let mut idx: Vec<usize> = match namespace {
            Some(_) => self
                .by_namespace
                .get(&key)
                .into_iter()
                .chain(self.by_namespace.get(&None))
                .flatten()
                .copied()
                .collect(),
            None => self.by_namespace.values().flatten().copied().collect(),
        };
        idx.extend(self.cluster_wide.iter().copied());
        idx.sort_unstable();
        idx.into_iter().map(move |i| &self.policies[i])
    }

    /// The policies that apply to a pod.
    pub fn applying_to(&self, pod: &PodView) -> Vec<&Policy<'a>> {
        self.candidates(pod.namespace)
            .filter(|p| p.applies_to(pod))
            .collect()
    }

    /// How the policies that apply to a pod isolate it, per direction.
    pub fn isolation(&self, pod: &PodView) -> Isolation {
        let mut iso = Isolation::default();
        for p in self.applying_to(pod) {
            iso.selected = true;
            for d in Direction::BOTH {
                let side = p.side(d);
                let slot = iso.slot(d);
                slot.isolated |= side.isolates;
                slot.opened_by_allow_all |= !side.allow_all.is_empty();
            }
        }
        iso
    }
}

/// What the policies applying to one pod amount to.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Isolation {
    /// At least one policy applies.
    pub selected: bool,
    pub ingress: DirectionIsolation,
    pub egress: DirectionIsolation,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DirectionIsolation {
    /// Some applying policy isolates this direction.
    pub isolated: bool,
    /// Some applying policy allows every peer on every port in this direction, undoing the
    /// isolation (policies are additive).
    pub opened_by_allow_all: bool,
}

impl DirectionIsolation {
    /// Isolated and not re-opened by an allow-all rule.
    pub fn restricted(&self) -> bool {
        self.isolated && !self.opened_by_allow_all
    }
}

impl Isolation {
    pub fn get(&self, d: Direction) -> DirectionIsolation {
        match d {
            Direction::Ingress => self.ingress,
            Direction::Egress => self.egress,
        }
    }
    fn slot(&mut self, d: Direction) -> &mut DirectionIsolation {
        match d {
            Direction::Ingress => &mut self.ingress,
            Direction::Egress => &mut self.egress,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// CNI configuration

/// The plugin `type`s of a CNI network configuration given as JSON text (a `.conf` with a
/// top-level `type`, or a `.conflist` with `plugins`), or `None` when the text is not one.
pub fn cni_plugin_types(json: &str) -> Option<Vec<String>> {
    let value: serde_json::Value = serde_json::from_str(json).ok()?;
    let obj = value.as_object()?;
    let plugins = obj.get("plugins").and_then(|p| p.as_array());
    if plugins.is_none() && !obj.contains_key("cniVersion") {
        return None;
    }
    let mut out = Vec::new();
    if let Some(t) = obj.get("type").and_then(|t| t.as_str()) {
        out.push(t.to_string());
    }
    if let Some(plugins) = plugins {
        for p in plugins {
            if let Some(t) = p.get("type").and_then(|t| t.as_str()) {
                out.push(t.to_string());
            }
        }
    }
    (!out.is_empty()).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn calico_selectors() {
        let l = labels(&[("app", "web"), ("tier", "front")]);
        let get = |k: &str| Ok(l.get(k).cloned());
        let t = |s: &str| CalicoExpr::parse(s).unwrap().eval(&get).unwrap();
        assert!(t("all()"));
        assert!(t("app == 'web'"));
        assert!(!t("app == \"db\""));
        assert!(t("has(tier) && app in {'web', 'api'}"));
        assert!(t("!has(role) || app == 'x'"));
        assert!(!t("app not in {'web'}"));
        assert!(t("(app == 'x' || tier == 'front') && app starts with 'w'"));
        assert!(CalicoExpr::parse("app === 'x'").is_none());
        assert!(CalicoExpr::parse("").unwrap().is_all());
    }

    #[test]
    fn cni_types() {
        assert_eq!(
            cni_plugin_types(r#"{"name":"x","plugins":[{"type":"flannel"},{"type":"portmap"}]}"#),
            Some(vec!["flannel".to_string(), "portmap".to_string()])
        );
        assert_eq!(cni_plugin_types("not json"), None);
    }
}
