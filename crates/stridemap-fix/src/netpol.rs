//! NetworkPolicies from the discovered connections: per namespace a default deny (both
//! directions), DNS egress to the cluster's DNS, and for every connection an egress policy on
//! the client's pods and an ingress policy on the server's pods.

use crate::connections::{all_nodes, is_workload, Connection, Endpoint};
use crate::input::{FixInput, PodPort};
use crate::{claim, object_name, yaml, Change, Plan, Threats, GENERATED_DIR};
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, BTreeSet};
use stridemap_model::architecture::ArchNode;

/// The label Kubernetes sets on every namespace to its name.
const NAMESPACE_NAME_LABEL: &str = "kubernetes.io/metadata.name";

/// Where an ingress controller's pods run, by ingress class: (namespace, pod labels).
fn ingress_controller(class: Option<&str>) -> (&'static str, &'static str, &'static str) {
    match class {
        Some("traefik") => ("traefik", "app.kubernetes.io/name", "traefik"),
        Some("istio") => ("istio-system", "istio", "ingressgateway"),
        _ => ("ingress-nginx", "app.kubernetes.io/name", "ingress-nginx"),
    }
}

/// The file of a namespace's policies.
pub fn file_of(namespace: Option<&str>) -> String {
    format!(
        "{GENERATED_DIR}/network-policies/{}.yaml",
        namespace.unwrap_or("no-namespace")
    )
}

struct Doc {
    comments: Vec<String>,
    value: Value,
}

pub fn generate(input: &FixInput, conns: &[Connection], plan: &mut Plan) {
    let arch = &input.report.architecture;
    let nodes: BTreeMap<&str, &ArchNode> = all_nodes(arch).map(|n| (n.id.as_str(), n)).collect();
    let namespaces: BTreeSet<Option<&str>> = all_nodes(arch)
        .filter(|n| is_workload(n))
        .map(|n| n.namespace.as_deref())
        .collect();
    // A workload with connections but no pod labels cannot be named by an allow policy: a
    // default deny would cut it off, so its namespace is left alone.
    let unlabeled: BTreeMap<Option<&str>, Vec<&str>> = all_nodes(arch)
        .filter(|n| {
            is_workload(n)
                && n.labels.is_empty()
                && !crate::connections::on_host_network(n)
                && arch.flows.iter().any(|f| f.from == n.id || f.to == n.id)
        })
        .fold(BTreeMap::new(), |mut m, n| {
            m.entry(n.namespace.as_deref()).or_default().push(&n.id);
            m
        });
    let threats = Threats::new(input);
    for ns in namespaces {
        if let Some(ids) = unlabeled.get(&ns) {
            plan.notes.push(format!(
                "{}: no network policies, since {} {} connections but no pod labels to select {} by",
                describe_ns(ns),
                ids.join(", "),
                if ids.len() == 1 { "has" } else { "have" },
                if ids.len() == 1 { "it" } else { "them" }
            ));
            continue;
        }
        let path = file_of(ns);
        let mut claims = Vec::new();
        // The namespace's default deny closes its missing-default-deny finding and the
        // findings of workloads no policy selected.
        let in_ns = |ids: &BTreeSet<&str>| {
            !ids.is_empty()
                && ids.iter().all(|id| {
                    nodes
                        .get(id)
                        .is_some_and(|n| is_workload(n) && n.namespace.as_deref() == ns)
                })
        };
        for (t, ids) in threats.of("NET-NO-DEFAULT-DENY") {
            let named = t
                .affected_resources
                .iter()
                .filter_map(|r| r.strip_prefix("Namespace/"))
                .collect::<Vec<_>>();
            let ours = match (named.as_slice(), ns) {
                ([one], Some(n)) => *one == n,
                // Manifests without a namespace: the one the scan resolves them to, `default`
                // when it cannot tell.
                ([one], None) => input.implicit_namespace.as_deref().unwrap_or("default") == *one,
                ([], _) => in_ns(ids),
                _ => false,
            };
            if ours {
                claims.push(claim(t, &path));
            }
        }
        // The default deny isolates both directions of every pod of the namespace.
        for rule in ["NET-NO-POLICY", "NET-ONE-WAY-ISOLATION"] {
            for (t, ids) in threats.of(rule) {
                if in_ns(ids) {
                    claims.push(claim(t, &path));
                }
            }
        }
        let mut docs = vec![
            Doc {
                comments: vec![format!(
                    "Default deny: no pod of {} accepts or opens connections unless a policy below allows it.{}",
                    describe_ns(ns),
                    crate::netpol_closes(&claims)
                )],
                value: policy(
                    ns,
                    "default-deny",
                    json!({}),
                    &["Ingress", "Egress"],
                    None,
                    None,
                ),
            },
            Doc {
                comments: vec!["Every pod may resolve names with the cluster DNS.".into()],
                value: policy(
                    ns,
                    "allow-dns",
                    json!({}),
                    &["Egress"],
                    None,
                    Some(json!([{
                        "to": [{
                            "namespaceSelector": {"matchLabels": {NAMESPACE_NAME_LABEL: "kube-system"}},
                            "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}},
                        }],
                        "ports": [
                            {"port": 53, "protocol": "UDP"},
                            {"port": 53, "protocol": "TCP"},
                        ],
                    }])),
                ),
            },
        ];
        for c in conns {
            if let Endpoint::Pod(id) = &c.client {
                let client = nodes[id.as_str()];
                if client.namespace.as_deref() == ns {
                    if let Some(doc) = egress(input, &nodes, client, c, &mut plan.notes) {
                        docs.push(doc);
                    }
                }
            }
            if let Endpoint::Pod(id) = &c.server {
                let server = nodes[id.as_str()];
                if server.namespace.as_deref() == ns {
                    if let Some(doc) = ingress(input, &nodes, server, c, &mut plan.notes) {
                        docs.push(doc);
                    }
                }
            }
        }
        let text = yaml::stream(
            &docs
                .iter()
                .map(|d| yaml::document(&d.comments, &d.value))
                .collect::<Vec<_>>(),
        );
        plan.changes.push(Change {
            path: path.clone(),
            before: None,
            after: format!(
                "# Generated by `stridemap fix`: least-privilege network policies for {}.\n# Each policy allows one discovered connection; review before applying.\n{text}",
                describe_ns(ns)
            ),
            summary: format!(
                "{} network policies for {} ({} closing {} threats)",
                docs.len(),
                describe_ns(ns),
                "default deny",
                claims.len()
            ),
        });
        plan.claims.extend(claims);
    }
}

fn describe_ns(ns: Option<&str>) -> String {
    match ns {
        Some(n) => format!("namespace `{n}`"),
        None => "the namespace the manifests are applied to".into(),
    }
}

fn policy(
    ns: Option<&str>,
    name: &str,
    pod_selector: Value,
    types: &[&str],
    ingress: Option<Value>,
    egress: Option<Value>,
) -> Value {
    let mut metadata = Map::new();
    metadata.insert("name".into(), json!(name));
    if let Some(ns) = ns {
        metadata.insert("namespace".into(), json!(ns));
    }
    metadata.insert(
        "labels".into(),
        json!({"app.kubernetes.io/managed-by": "stridemap"}),
    );
    let mut spec = Map::new();
    spec.insert("podSelector".into(), pod_selector);
    spec.insert("policyTypes".into(), json!(types));
    if let Some(i) = ingress {
        spec.insert("ingress".into(), i);
    }
    if let Some(e) = egress {
        spec.insert("egress".into(), e);
    }
    json!({
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": metadata,
        "spec": spec,
    })
}

fn selector(n: &ArchNode) -> Value {
    json!({"matchLabels": n.labels})
}

/// A peer selecting `other`'s pods from a policy in namespace `ns`.
fn pod_peer(ns: Option<&str>, other: &ArchNode) -> Value {
    match (other.namespace.as_deref(), ns) {
        (Some(o), _) if Some(o) != ns => json!({
            "namespaceSelector": {"matchLabels": {NAMESPACE_NAME_LABEL: o}},
            "podSelector": selector(other),
        }),
        // Manifests without a namespace land wherever they are applied: the pods' labels
        // in any namespace.
        (None, Some(_)) => json!({
            "namespaceSelector": {},
            "podSelector": selector(other),
        }),
        _ => json!({"podSelector": selector(other)}),
    }
}

fn ports(ports: &[PodPort]) -> Value {
    Value::Array(
        ports
            .iter()
            .map(|p| match p {
                PodPort::Number(n) => json!({"port": n, "protocol": "TCP"}),
                PodPort::Name(s) => json!({"port": s, "protocol": "TCP"}),
            })
            .collect(),
    )
}

fn rule(peer_key: &str, peer: Option<Value>, port_list: &[PodPort]) -> Value {
    let mut r = Map::new();
    if let Some(p) = peer {
        r.insert(peer_key.into(), json!([p]));
    }
    if !port_list.is_empty() {
        r.insert("ports".into(), ports(port_list));
    }
    Value::Object(r)
}

fn flows_comment(c: &Connection, what: &str) -> String {
    format!(
        "{what} ({} over {}).",
        c.flows.join(", "),
        c.protocols.join("/")
    )
}

fn egress(
    _input: &FixInput,
    nodes: &BTreeMap<&str, &ArchNode>,
    client: &ArchNode,
    c: &Connection,
    notes: &mut Vec<String>,
) -> Option<Doc> {
    let ns = client.namespace.as_deref();
    let (peer, what) = match &c.server {
        Endpoint::Pod(id) => {
            let server = nodes[id.as_str()];
            (
                Some(pod_peer(ns, server)),
                format!("`{}` may connect to `{}`", client.id, server.id),
            )
        }
        Endpoint::Beyond(id) => {
            if c.ports.is_empty() {
                notes.push(format!(
                    "`{}` → `{id}`: no port known, so no egress is opened",
                    client.id
                ));
                return None;
            }
            (
                None,
                format!(
                    "`{}` may connect to `{id}`, which no pod selector can name (outside the cluster or not in these manifests), on its port only",
                    client.id
                ),
            )
        }
        _ => return None,
    };
    Some(Doc {
        comments: vec![flows_comment(c, &what)],
        value: policy(
            ns,
            &object_name(&["egress", &client.name, "to", c.server.id()]),
            selector(client),
            &["Egress"],
            None,
            Some(json!([rule("to", peer, &c.ports)])),
        ),
    })
}

fn ingress(
    input: &FixInput,
    nodes: &BTreeMap<&str, &ArchNode>,
    server: &ArchNode,
    c: &Connection,
    notes: &mut Vec<String>,
) -> Option<Doc> {
    let ns = server.namespace.as_deref();
    let (peer, what) = match &c.client {
        Endpoint::Pod(id) => {
            let client = nodes[id.as_str()];
            (
                Some(pod_peer(ns, client)),
                format!("`{}` accepts connections from `{}`", server.id, client.id),
            )
        }
        Endpoint::IngressController(id) => {
            let class = input.ingress_classes.get(id).map(String::as_str);
            let (cns, key, value) = ingress_controller(class);
            (
                Some(json!({
                    "namespaceSelector": {"matchLabels": {NAMESPACE_NAME_LABEL: cns}},
                    "podSelector": {"matchLabels": {key: value}},
                })),
                format!(
                    "`{}` accepts connections from the ingress controller of `{id}` (assumed in namespace `{cns}` with label {key}={value}; adjust if yours runs elsewhere)",
                    server.id
                ),
            )
        }
        Endpoint::MeshGateway(id) => (
            Some(json!({
                "namespaceSelector": {"matchLabels": {NAMESPACE_NAME_LABEL: "istio-system"}},
                "podSelector": {"matchLabels": {"istio": "ingressgateway"}},
            })),
            format!(
                "`{}` accepts connections from the Istio ingress gateway of `{id}` (assumed in namespace `istio-system` with label istio=ingressgateway)",
                server.id
            ),
        ),
        Endpoint::Outside(id) => {
            if c.ports.is_empty() {
                notes.push(format!(
                    "`{id}` → `{}`: no port known, so the pods are not opened to outside clients",
                    server.id
                ));
                return None;
            }
            (
                None,
                format!(
                    "`{}` accepts clients from anywhere through `{id}`, on the exposed port only",
                    server.id
                ),
            )
        }
        Endpoint::Beyond(_) => return None,
    };
    Some(Doc {
        comments: vec![flows_comment(c, &what)],
        value: policy(
            ns,
            &object_name(&["ingress", &server.name, "from", c.client.id()]),
            selector(server),
            &["Ingress"],
            Some(json!([rule("from", peer, &c.ports)])),
            None,
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::connections::tests::{flow, node, report};
    use stridemap_model::architecture::Role;

    #[test]
    fn a_namespace_with_an_unlabeled_workload_in_a_flow_gets_no_default_deny() {
        let mut job = node("report", Some("batch"), &["CronJob"], Role::Service);
        job.labels.clear();
        let r = report(
            vec![
                job,
                node("db", Some("batch"), &["StatefulSet"], Role::DataStore),
            ],
            vec![flow("FLOW-1", "report", "db", "postgres", Some(5432))],
        );
        let input = FixInput::new(&r);
        let mut plan = Plan::default();
        let conns = crate::connections::of(&input, &mut plan.notes);
        generate(&input, &conns, &mut plan);
        assert!(plan.changes.is_empty());
        assert!(
            plan.notes
                .iter()
                .any(|n| n.contains("`batch`") && n.contains("report")),
            "{:?}",
            plan.notes
        );
    }

    #[test]
    fn one_file_per_namespace_with_default_deny_dns_and_both_sides_of_each_connection() {
        let r = report(
            vec![
                node("web", Some("front"), &["Deployment"], Role::Service),
                node("api", Some("back"), &["Deployment"], Role::Service),
                node("ingress/web", Some("front"), &["Ingress"], Role::EntryPoint),
            ],
            vec![
                flow("FLOW-1", "web", "api", "http", Some(8080)),
                flow("FLOW-2", "ingress/web", "web", "http", Some(80)),
            ],
        );
        let input = FixInput::new(&r);
        let mut plan = Plan::default();
        let conns = crate::connections::of(&input, &mut plan.notes);
        generate(&input, &conns, &mut plan);
        let paths: Vec<&str> = plan.changes.iter().map(|c| c.path.as_str()).collect();
        assert_eq!(
            paths,
            vec![
                "stridemap-fix/network-policies/back.yaml",
                "stridemap-fix/network-policies/front.yaml"
            ]
        );
        let back = &plan.changes[0].after;
        assert!(back.contains("name: \"ingress-api-from-web\""), "{back}");
        assert!(
            back.contains("kubernetes.io/metadata.name: \"front\""),
            "{back}"
        );
        assert!(back.contains("- port: 8080"), "{back}");
        let front = &plan.changes[1].after;
        assert!(front.contains("name: \"egress-web-to-api\""), "{front}");
        assert!(
            front.contains("name: \"ingress-web-from-ingress-web\""),
            "{front}"
        );
        assert!(
            front.contains("kubernetes.io/metadata.name: \"ingress-nginx\""),
            "{front}"
        );
        assert!(front.contains("name: \"default-deny\""), "{front}");
        assert!(front.contains("k8s-app: \"kube-dns\""), "{front}");
    }
}
