use crate::helpers::on_object;
use crate::{Check, Context, Sink};
use stridemap_model::k8s::K8sObject;
use stridemap_model::{FileId, InfraType, Node, Severity};

declare_rule! {
    /// ## What it does
    /// Flags Consul service-mesh intentions that allow every source: a `ServiceIntentions`
    /// custom resource (`consul.hashicorp.com`) or a `service-intentions` configuration entry
    /// written as JSON or YAML whose `sources` hold `name: "*"` with `action: allow`, or with
    /// an L7 permission that allows without any HTTP match. When the destination is `*` as well,
    /// every service may call every other one. `deny` wildcards (default-deny) are fine.
    ///
    /// ## Why is this bad?
    /// Consul intentions are the mesh's authorization: they decide which service identities may
    /// open connections to which. A wildcard allow turns the destination into a service that
    /// every workload of the mesh — including a compromised one — may call, leaving mTLS with
    /// nothing to enforce but encryption.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: consul.hashicorp.com/v1alpha1
    /// kind: ServiceIntentions
    /// metadata:
    ///   name: billing
    /// spec:
    ///   destination:
    ///     name: billing
    ///   sources:
    ///     - name: "*"
    ///       action: allow
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// spec:
    ///   destination:
    ///     name: billing
    ///   sources:
    ///     - name: checkout
    ///       action: allow
    ///     - name: "*"
    ///       action: deny
    /// ```
    /// Allow the named callers and keep a wildcard `deny` (or the ACL default policy `deny`)
    /// for everything else.
    pub struct ConsulIntentionWildcard {
        id: "MESH-CONSUL-INTENTION-WILDCARD",
        title: "Consul intention allows every source",
        group: ServiceMesh,
        stride: ElevationOfPrivilege,
        severity: High,
        cwe: [284, 863],
        infra: [Kubernetes],
        equivalents: [],
        attack_scenario: "An attacker who compromises any service registered in the Consul mesh connects to the destination with that service's valid identity; the wildcard intention authorizes the connection, so the attacker reaches an API that was meant for a few callers.",
        mitigation: "Replace `name: \"*\"` allow sources with the specific services that need access, add a wildcard `deny` source, and run Consul with the ACL default policy `deny`.",
    }
}

/// A mapping value by key, accepting Consul's `Name` and Kubernetes' `name` spellings.
fn get<'a>(node: &'a Node, key: &str) -> Option<&'a Node> {
    node.entries()
        .find(|(k, _, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, _, v)| v)
}

fn text<'a>(node: &'a Node, key: &str) -> Option<&'a str> {
    get(node, key).and_then(Node::as_str).map(str::trim)
}

/// Wildcard sources that allow: (source node, how it allows).
fn wildcard_allows(sources: &Node) -> Vec<(&Node, String)> {
    let mut out = Vec::new();
    for s in sources.as_seq() {
        if text(s, "name") != Some("*") {
            continue;
        }
        if text(s, "action").is_some_and(|a| a.eq_ignore_ascii_case("allow")) {
            out.push((get(s, "action").unwrap_or(s), "`action: allow`".to_string()));
            continue;
        }
        let open = get(s, "permissions")
            .map(Node::as_seq)
            .unwrap_or(&[])
            .iter()
            .find(|p| {
                text(p, "action").is_some_and(|a| a.eq_ignore_ascii_case("allow"))
                    && get(p, "http").is_none_or(|h| h.as_map().is_empty())
            });
        if let Some(p) = open {
            out.push((p, "a permission that allows every request".to_string()));
        }
    }
    out
}

fn describe(destination: &str, how: &str) -> (String, Severity) {
    if destination == "*" {
        (
            format!("every source may call every service: the wildcard source is allowed with {how} on the wildcard destination"),
            Severity::Critical,
        )
    } else {
        (
            format!("every service of the mesh may call `{destination}`: the wildcard source is allowed with {how}"),
            Severity::High,
        )
    }
}

fn report_entry(out: &mut Sink, file: FileId, destination: &str, sources: &Node) {
    for (i, (node, how)) in wildcard_allows(sources).into_iter().enumerate() {
        let (why, severity) = describe(destination, &how);
        out.report(
            file,
            node.loc,
            format!("Consul service-intentions entry for `{destination}`: {why}"),
        )
        .resource(format!("service-intentions/{destination}"))
        .component("Consul service mesh")
        .component(destination.to_string())
        .key(format!("service-intentions:{destination}:{i}"))
        .severity(severity)
        .infra(InfraType::Kubernetes);
    }
}

impl Check for ConsulIntentionWildcard {
    fn check_object(&self, o: &K8sObject, _cx: &Context, out: &mut Sink) {
        if o.kind != "ServiceIntentions" || !o.api_version.starts_with("consul.hashicorp.com") {
            return;
        }
        let Some(spec) = o.root.get("spec") else {
            return;
        };
        let destination = spec
            .path(&["destination", "name"])
            .and_then(Node::as_str)
            .unwrap_or(&o.name)
            .trim()
            .to_string();
        let Some(sources) = spec.get("sources") else {
            return;
        };
        for (i, (node, how)) in wildcard_allows(sources).into_iter().enumerate() {
            let (why, severity) = describe(&destination, &how);
            on_object(
                out,
                o,
                node.loc,
                format!("ServiceIntentions `{}`: {why}", o.name),
            )
            .key_part(i.to_string())
            .severity(severity)
            .component("Consul service mesh")
            .component(destination.clone());
        }
    }

    fn check_corpus(&self, cx: &Context, out: &mut Sink) {
        for doc in &cx.corpus.other_yaml {
            let root = &doc.root;
            let entries: Vec<&Node> = if root.is_seq() {
                root.as_seq().iter().collect()
            } else {
                vec![root]
            };
            for entry in entries {
                if !text(entry, "kind")
                    .is_some_and(|k| k.eq_ignore_ascii_case("service-intentions"))
                {
                    continue;
                }
                let destination = text(entry, "name").unwrap_or("*");
                if let Some(sources) = get(entry, "sources") {
                    report_entry(out, doc.file, destination, sources);
                }
            }
        }
    }
}
