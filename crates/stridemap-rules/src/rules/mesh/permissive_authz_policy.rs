use crate::helpers::on_object;
use crate::{Check, Context, Sink};
use stridemap_model::k8s::K8sObject;
use stridemap_model::mesh;
use stridemap_model::{InfraType, Node, Severity};

declare_rule! {
    /// ## What it does
    /// Flags Istio ALLOW AuthorizationPolicies with a rule that admits any caller: an empty rule
    /// (`rules: [{}]`), a rule without `from` and without `when` conditions, a source whose
    /// `principals` or `namespaces` hold a wildcard (`"*"`, `cluster.local/ns/*/sa/*`), a
    /// source that only excludes callers (`notPrincipals`, `notNamespaces`), or `ipBlocks`
    /// that cover every address. Policies that select the Istio ingress or egress gateway are
    /// left alone: a gateway accepts traffic from anywhere by design. `requestPrincipals: ["*"]`
    /// (any valid JWT) is authentication, not a wildcard, and is not reported.
    ///
    /// ## Why is this bad?
    /// Once any ALLOW policy selects a workload, Istio denies what no policy allows — which is
    /// the protection. A rule that matches every source gives it back: every workload in the
    /// mesh (and, with a PERMISSIVE peer policy, every plaintext client) passes, while the
    /// policy's presence makes reviews believe access is restricted.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: security.istio.io/v1
    /// kind: AuthorizationPolicy
    /// metadata:
    ///   name: ledger
    ///   namespace: finance
    /// spec:
    ///   selector:
    ///     matchLabels: {app: ledger}
    ///   action: ALLOW
    ///   rules:
    ///     - from:
    ///         - source:
    ///             principals: ["*"]
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// spec:
    ///   selector:
    ///     matchLabels: {app: ledger}
    ///   action: ALLOW
    ///   rules:
    ///     - from:
    ///         - source:
    ///             principals: ["cluster.local/ns/finance/sa/payments"]
    ///       to:
    ///         - operation: {methods: ["POST"], paths: ["/entries"]}
    /// ```
    /// Name the service accounts that may call the workload and the operations they need.
    pub struct PermissiveAuthorizationPolicy {
        id: "MESH-PERMISSIVE-AUTHZ-POLICY",
        title: "AuthorizationPolicy allows any caller",
        group: ServiceMesh,
        stride: ElevationOfPrivilege,
        severity: High,
        cwe: [863, 284],
        infra: [Istio, Kubernetes],
        equivalents: [],
        attack_scenario: "An attacker who controls any workload of the mesh calls the protected service; the ALLOW rule matches every source, so the request is authorized although the service's owners believe only named callers are let in.",
        mitigation: "Replace wildcard and source-less rules with `from.source.principals` naming the calling service accounts, add `to.operation` restrictions, and keep a default-deny policy per namespace.",
    }
}

fn strings(node: Option<&Node>) -> Vec<(&str, &Node)> {
    node.map(Node::strings).unwrap_or_default()
}

/// Any identity or namespace: `*`, or a SPIFFE pattern with wildcard namespace and account.
fn wildcard_identity(value: &str) -> bool {
    let v = value.trim();
    v == "*" || v.ends_with("/ns/*/sa/*") || v == "cluster.local/*" || v.contains("/ns/*/")
}

fn any_address(value: &str) -> bool {
    matches!(value.trim(), "0.0.0.0/0" | "::/0" | "*")
}

/// Why a source admits anyone, with the node to point at.
fn open_source(source: &Node) -> Option<(String, &Node)> {
    for key in ["principals", "namespaces"] {
        if let Some((v, n)) = strings(source.get(key))
            .into_iter()
            .find(|(v, _)| wildcard_identity(v))
        {
            return Some((format!("`{key}: [\"{v}\"]` matches every caller"), n));
        }
    }
    for key in ["ipBlocks", "remoteIpBlocks"] {
        if let Some((v, n)) = strings(source.get(key))
            .into_iter()
            .find(|(v, _)| any_address(v))
        {
            return Some((format!("`{key}: [\"{v}\"]` matches every address"), n));
        }
    }
    let positive = [
        "principals",
        "namespaces",
        "ipBlocks",
        "remoteIpBlocks",
        "requestPrincipals",
    ];
    let negative = [
        "notPrincipals",
        "notNamespaces",
        "notIpBlocks",
        "notRemoteIpBlocks",
        "notRequestPrincipals",
    ];
    let has = |keys: &[&str]| keys.iter().any(|k| source.get(k).is_some());
    if has(&negative) && !has(&positive) {
        return Some((
            "the source only excludes callers, so everyone else is allowed".into(),
            source,
        ));
    }
    if source.as_map().is_empty() {
        return Some(("an empty source matches every caller".into(), source));
    }
    None
}

/// Why a rule admits any caller: (reason, node, allows every operation too).
fn open_rule(rule: &Node) -> Option<(String, &Node, bool)> {
    let has_to = rule.get("to").is_some_and(|t| !t.as_seq().is_empty());
    match rule.get("from") {
        None if rule.get("when").is_none() => Some((
            if has_to {
                "a rule without `from` lets any caller perform its operations".into()
            } else {
                "an empty rule allows every request".into()
            },
            rule,
            !has_to,
        )),
        None => None,
        Some(from) => from.as_seq().iter().find_map(|f| {
            let source = f.get("source")?;
            open_source(source).map(|(why, n)| (why, n, !has_to))
        }),
    }
}

/// Selects an Istio gateway, which takes traffic from anywhere by design.
fn selects_gateway(o: &K8sObject) -> bool {
    mesh::match_labels(o).iter().any(|(k, v)| {
        (k == "istio" && (v.contains("gateway")))
            || (k == "app" && v.contains("gateway") && v.starts_with("istio"))
            || k == "gateway.networking.k8s.io/gateway-name"
    })
}

impl Check for PermissiveAuthorizationPolicy {
    fn check_object(&self, o: &K8sObject, _cx: &Context, out: &mut Sink) {
        if o.kind != "AuthorizationPolicy"
            || !mesh::is_istio_security(o)
            || mesh::authorization_action(o) != "ALLOW"
            || selects_gateway(o)
        {
            return;
        }
        let Some(rules) = o.root.path(&["spec", "rules"]) else {
            return; // no rules: allow nothing
        };
        let open: Vec<(usize, String, &Node, bool)> = rules
            .as_seq()
            .iter()
            .enumerate()
            .filter_map(|(i, r)| open_rule(r).map(|(why, n, all)| (i, why, n, all)))
            .collect();
        let Some((first, why, node, _)) = open.first() else {
            return;
        };
        let everything = open.iter().any(|(_, _, _, all)| *all);
        let target = if mesh::match_labels(o).is_empty() {
            match &o.namespace {
                Some(ns) if ns == mesh::ISTIO_ROOT_NAMESPACE => "every workload of the mesh".into(),
                Some(ns) => format!("every workload of namespace `{ns}`"),
                None => "every workload of its namespace".into(),
            }
        } else {
            "the workloads it selects".to_string()
        };
        let f = on_object(
            out,
            o,
            node.loc,
            format!(
                "AuthorizationPolicy `{}` lets any caller reach {target}: in rule {first}, {why}",
                o.name
            ),
        )
        .infra(InfraType::Istio)
        .component("Istio mesh");
        if !everything {
            f.severity(Severity::Medium);
        }
        for (_, _, n, _) in open.iter().skip(1) {
            f.also_at(o.file, n.loc);
        }
    }
}
