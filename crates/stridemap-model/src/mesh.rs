//! Istio security policy resolution, shared by the architecture stage (is a flow encrypted and
//! authenticated?) and the mesh rules (which policy is to blame?): the PeerAuthentication in
//! force for a workload and port, and whether an AuthorizationPolicy applies to a workload.
//!
//! Namespaces follow the lenient convention of the rest of stridemap: an object without
//! `metadata.namespace` is applied wherever its reader puts it, so it matches any namespace; an
//! exact namespace match is preferred over such a lenient one.

use crate::k8s::K8sObject;
use crate::yaml::Node;
use std::collections::BTreeMap;

/// Istio's root namespace (its default): mesh-wide policies live here.
pub const ISTIO_ROOT_NAMESPACE: &str = "istio-system";

/// An Istio security object (`security.istio.io`), as opposed to Linkerd's or Consul's kinds of
/// the same name.
pub fn is_istio_security(o: &K8sObject) -> bool {
    o.api_version.starts_with("security.istio.io")
}

/// A PeerAuthentication mTLS mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum MtlsMode {
    /// Inherit from the parent scope.
    Unset,
    Disable,
    Permissive,
    Strict,
}

impl MtlsMode {
    /// A mode as written; anything unrecognised counts as `UNSET` (Istio rejects it).
    pub fn parse(text: Option<&str>) -> MtlsMode {
        match text.map(|t| t.trim().to_ascii_uppercase()).as_deref() {
            Some("DISABLE") => MtlsMode::Disable,
            Some("PERMISSIVE") => MtlsMode::Permissive,
            Some("STRICT") => MtlsMode::Strict,
            _ => MtlsMode::Unset,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            MtlsMode::Unset => "UNSET",
            MtlsMode::Disable => "DISABLE",
            MtlsMode::Permissive => "PERMISSIVE",
            MtlsMode::Strict => "STRICT",
        }
    }

    /// Plaintext is accepted.
    pub fn is_weak(self) -> bool {
        matches!(self, MtlsMode::Disable | MtlsMode::Permissive)
    }
}

/// Where a policy applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PolicyScope {
    /// Root namespace, no selector.
    Mesh,
    /// A namespace, no selector.
    Namespace,
    /// Workloads picked by a selector.
    Workload,
}

/// `spec.selector.matchLabels` as a map (empty when absent).
pub fn match_labels(o: &K8sObject) -> BTreeMap<String, String> {
    o.root
        .path(&["spec", "selector", "matchLabels"])
        .map(|n| {
            n.entries()
                .filter_map(|(k, _, v)| v.as_str().map(|v| (k.to_string(), v.to_string())))
                .collect()
        })
        .unwrap_or_default()
}

/// `selector` ⊆ `labels`; an empty selector selects nothing.
pub fn label_selects(
    selector: &BTreeMap<String, String>,
    labels: &BTreeMap<String, String>,
) -> bool {
    !selector.is_empty() && selector.iter().all(|(k, v)| labels.get(k) == Some(v))
}

/// How well a policy's namespace matches a workload's: 2 exact, 1 lenient (either unset), 0 not.
fn namespace_match(policy: &Option<String>, workload: Option<&str>) -> u8 {
    match (policy.as_deref(), workload) {
        (Some(p), Some(w)) if p == w => 2,
        (None, _) | (_, None) => 1,
        _ => 0,
    }
}

fn in_root(o: &K8sObject) -> bool {
    o.namespace.as_deref() == Some(ISTIO_ROOT_NAMESPACE)
}

/// The scope of a PeerAuthentication, or `None` when Istio ignores it (a workload selector in
/// the root namespace).
pub fn peer_authentication_scope(o: &K8sObject) -> Option<PolicyScope> {
    match (in_root(o), match_labels(o).is_empty()) {
        (true, true) => Some(PolicyScope::Mesh),
        (true, false) => None,
        (false, true) => Some(PolicyScope::Namespace),
        (false, false) => Some(PolicyScope::Workload),
    }
}

/// The `spec.mtls.mode` node, when written.
pub fn mode_node(o: &K8sObject) -> Option<&Node> {
    o.root.path(&["spec", "mtls", "mode"])
}

/// The workload-level mode of a PeerAuthentication (`UNSET` when not written).
pub fn peer_authentication_mode(o: &K8sObject) -> MtlsMode {
    MtlsMode::parse(mode_node(o).and_then(Node::as_str))
}

/// `portLevelMtls` entries: (port, mode, the entry's mode node or the port key).
pub fn port_level_modes(o: &K8sObject) -> Vec<(u16, MtlsMode, &Node)> {
    let Some(ports) = o.root.path(&["spec", "portLevelMtls"]) else {
        return Vec::new();
    };
    ports
        .entries()
        .filter_map(|(port, key, v)| {
            let port = port.trim().parse::<u16>().ok()?;
            let mode_node = v.get("mode");
            let mode = MtlsMode::parse(mode_node.and_then(Node::as_str));
            Some((port, mode, mode_node.unwrap_or(key)))
        })
        .collect()
}

/// The mTLS mode that takes effect for a workload, and the policy that decides it.
#[derive(Debug, Clone, Copy)]
pub struct MtlsInForce<'a> {
    /// Never `Unset`: without any policy, Istio's default `PERMISSIVE` applies.
    pub mode: MtlsMode,
    /// `None` when Istio's default applies.
    pub policy: Option<&'a K8sObject>,
    pub scope: Option<PolicyScope>,
    /// The port whose `portLevelMtls` entry decided the mode.
    pub port: Option<u16>,
}

/// The PeerAuthentication in force for a workload in `namespace` with pod `labels`, for traffic
/// to the workload port `port` (or the workload as a whole when `None`), resolved as Istio does:
/// a workload-level policy (its `portLevelMtls` entry for the port, then its own mode), then
/// the namespace-wide policy, then the mesh-wide one in the root namespace, each level used
/// only when its mode is not `UNSET`; `PERMISSIVE` when nothing decides. Selector policies in
/// the root namespace and `portLevelMtls` on policies without a selector are ignored, as Istio
/// ignores them. Among several candidates at one level the first wins (Istio takes the oldest,
/// which a repository does not say).
pub fn mtls_in_force<'a>(
    policies: impl IntoIterator<Item = &'a K8sObject>,
    namespace: Option<&str>,
    labels: &BTreeMap<String, String>,
    port: Option<u16>,
) -> MtlsInForce<'a> {
    let mut workload: Option<(u8, &'a K8sObject)> = None;
    let mut ns_level: Option<(u8, &'a K8sObject)> = None;
    let mut mesh: Option<&'a K8sObject> = None;
    let better = |slot: &Option<(u8, &'a K8sObject)>, rank: u8| slot.is_none_or(|(r, _)| rank > r);
    for p in policies {
        if p.kind != "PeerAuthentication" || !is_istio_security(p) {
            continue;
        }
        match peer_authentication_scope(p) {
            Some(PolicyScope::Mesh) => {
                if mesh.is_none() {
                    mesh = Some(p);
                }
                // The root namespace's own workloads see it as their namespace policy too.
                if namespace == Some(ISTIO_ROOT_NAMESPACE) && better(&ns_level, 2) {
                    ns_level = Some((2, p));
                }
            }
            Some(PolicyScope::Namespace) => {
                let rank = namespace_match(&p.namespace, namespace);
                if rank > 0 && better(&ns_level, rank) {
                    ns_level = Some((rank, p));
                }
            }
            Some(PolicyScope::Workload) => {
                let rank = namespace_match(&p.namespace, namespace);
                if rank > 0 && label_selects(&match_labels(p), labels) && better(&workload, rank) {
                    workload = Some((rank, p));
                }
            }
            None => {}
        }
    }
    if let Some((_, p)) = workload {
        if let Some(port) = port {
            if let Some((_, mode, _)) = port_level_modes(p)
                .into_iter()
                .find(|(pp, m, _)| *pp == port && *m != MtlsMode::Unset)
            {
                return MtlsInForce {
                    mode,
                    policy: Some(p),
                    scope: Some(PolicyScope::Workload),
                    port: Some(port),
                };
            }
        }
        let mode = peer_authentication_mode(p);
        if mode != MtlsMode::Unset {
            return MtlsInForce {
                mode,
                policy: Some(p),
                scope: Some(PolicyScope::Workload),
                port: None,
            };
        }
    }
    for (p, scope) in [
        (ns_level.map(|(_, p)| p), PolicyScope::Namespace),
        (mesh, PolicyScope::Mesh),
    ] {
        if let Some(p) = p {
            let mode = peer_authentication_mode(p);
            if mode != MtlsMode::Unset {
                return MtlsInForce {
                    mode,
                    policy: Some(p),
                    scope: Some(if in_root(p) { PolicyScope::Mesh } else { scope }),
                    port: None,
                };
            }
        }
    }
    MtlsInForce {
        mode: MtlsMode::Permissive,
        policy: None,
        scope: None,
        port: None,
    }
}

/// Istio policies of one kind by namespace, so that the ones that can apply to a workload are
/// found without reading every policy of the repository (one policy per namespace makes that
/// read quadratic).
#[derive(Debug, Default)]
pub struct PoliciesByNamespace<'a> {
    all: Vec<&'a K8sObject>,
    /// Positions of the policies without a namespace or in the mesh root namespace.
    anywhere: Vec<usize>,
    in_namespace: rustc_hash::FxHashMap<&'a str, Vec<usize>>,
}

impl<'a> PoliciesByNamespace<'a> {
    pub fn new(policies: impl IntoIterator<Item = &'a K8sObject>) -> Self {
        let mut index = PoliciesByNamespace::default();
        for (i, o) in policies.into_iter().enumerate() {
            match o.namespace.as_deref() {
                Some(ns) if ns != ISTIO_ROOT_NAMESPACE => {
                    index.in_namespace.entry(ns).or_default().push(i)
                }
                _ => index.anywhere.push(i),
            }
            index.all.push(o);
        }
        index
    }

    /// Every policy, in the order given.
    pub fn all(&self) -> &[&'a K8sObject] {
        &self.all
    }

    /// The policies that can apply in `namespace`, in the order given (which decides between
    /// candidates of equal rank): all of them for a workload without a namespace.
    pub fn candidates(&self, namespace: Option<&str>) -> Vec<&'a K8sObject> {
        let Some(ns) = namespace else {
            return self.all.clone();
        };
        let mut positions: Vec<usize> = self
            .anywhere
            .iter()
            .chain(self.in_namespace.get(ns).into_iter().flatten())
            .copied()
            .collect();
        positions.sort_unstable();
        positions.into_iter().map(|i| self.all[i]).collect()
    }
}

/// `spec.action` of an AuthorizationPolicy, upper-cased; `ALLOW` when absent.
pub fn authorization_action(o: &K8sObject) -> String {
    o.root
        .path(&["spec", "action"])
        .and_then(Node::as_str)
        .unwrap_or("ALLOW")
        .trim()
        .to_ascii_uppercase()
}

/// The scope of an Istio AuthorizationPolicy over sidecar workloads, or `None` when it targets
/// gateways or waypoints (`targetRef`/`targetRefs`) instead of workloads.
pub fn authorization_scope(o: &K8sObject) -> Option<PolicyScope> {
    let spec = o.root.get("spec");
    if spec.is_some_and(|s| s.get("targetRef").is_some() || s.get("targetRefs").is_some()) {
        return None;
    }
    Some(match (in_root(o), match_labels(o).is_empty()) {
        (true, true) => PolicyScope::Mesh,
        (_, true) => PolicyScope::Namespace,
        (_, false) => PolicyScope::Workload,
    })
}

/// Whether an Istio AuthorizationPolicy applies to a workload in `namespace` with pod `labels`:
/// policies in the root namespace apply in every namespace (all workloads, or those their
/// selector picks), others in their own namespace.
pub fn authorization_policy_applies(
    o: &K8sObject,
    namespace: Option<&str>,
    labels: &BTreeMap<String, String>,
) -> bool {
    if o.kind != "AuthorizationPolicy" || !is_istio_security(o) {
        return false;
    }
    let Some(scope) = authorization_scope(o) else {
        return false;
    };
    let selected = match scope {
        PolicyScope::Workload => label_selects(&match_labels(o), labels),
        _ => true,
    };
    selected && (in_root(o) || namespace_match(&o.namespace, namespace) > 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::corpus::FileId;
    use crate::location::Location;
    use crate::yaml::Value;

    fn s(t: &str) -> Node {
        Node::scalar(t, false, Location::new(1, 1))
    }

    fn map(entries: Vec<(&str, Node)>) -> Node {
        Node {
            value: Value::Map(entries.into_iter().map(|(k, v)| (s(k), v)).collect()),
            loc: Location::new(1, 1),
        }
    }

    fn pa(name: &str, ns: &str, selector: Option<(&str, &str)>, mode: &str) -> K8sObject {
        let mut spec = vec![("mtls", map(vec![("mode", s(mode))]))];
        if let Some((k, v)) = selector {
            spec.push(("selector", map(vec![("matchLabels", map(vec![(k, s(v))]))])));
        }
        K8sObject {
            file: FileId(0),
            doc_index: 0,
            api_version: "security.istio.io/v1".into(),
            kind: "PeerAuthentication".into(),
            name: name.into(),
            namespace: Some(ns.into()),
            root: map(vec![("spec", map(spec))]),
        }
    }

    fn labels(app: &str) -> BTreeMap<String, String> {
        [("app".to_string(), app.to_string())].into()
    }

    #[test]
    fn most_specific_policy_wins() {
        let policies = [
            pa("mesh", ISTIO_ROOT_NAMESPACE, None, "STRICT"),
            pa("legacy", "legacy", None, "PERMISSIVE"),
            pa("billing", "legacy", Some(("app", "billing")), "STRICT"),
            pa(
                "ignored",
                ISTIO_ROOT_NAMESPACE,
                Some(("app", "shop")),
                "DISABLE",
            ),
            pa("unset", "shop", None, "UNSET"),
        ];
        let r = mtls_in_force(&policies, Some("shop"), &labels("shop"), None);
        assert_eq!(
            (r.mode, r.policy.unwrap().name.as_str()),
            (MtlsMode::Strict, "mesh")
        );
        assert_eq!(r.scope, Some(PolicyScope::Mesh));
        let r = mtls_in_force(&policies, Some("legacy"), &labels("web"), None);
        assert_eq!(
            (r.mode, r.policy.unwrap().name.as_str()),
            (MtlsMode::Permissive, "legacy")
        );
        let r = mtls_in_force(&policies, Some("legacy"), &labels("billing"), None);
        assert_eq!(
            (r.mode, r.scope),
            (MtlsMode::Strict, Some(PolicyScope::Workload))
        );
        let r = mtls_in_force(&[], Some("x"), &labels("x"), None);
        assert_eq!((r.mode, r.policy.is_none()), (MtlsMode::Permissive, true));
        // portLevelMtls on a workload policy decides its port only.
        let mut ported = pa("ported", "shop", Some(("app", "api")), "STRICT");
        if let Value::Map(spec) = &mut ported.root.value {
            if let Value::Map(fields) = &mut spec[0].1.value {
                fields.push((
                    s("portLevelMtls"),
                    map(vec![("9090", map(vec![("mode", s("DISABLE"))]))]),
                ));
            }
        }
        let r = mtls_in_force([&ported], Some("shop"), &labels("api"), Some(9090));
        assert_eq!((r.mode, r.port), (MtlsMode::Disable, Some(9090)));
        let r = mtls_in_force([&ported], Some("shop"), &labels("api"), Some(8080));
        assert_eq!((r.mode, r.port), (MtlsMode::Strict, None));
    }
}
