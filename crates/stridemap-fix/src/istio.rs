//! Istio policies from the discovered connections: an ALLOW AuthorizationPolicy per meshed
//! workload naming exactly its callers' service-account principals, ports and (for HTTP, where
//! the code shows them) paths and methods; and STRICT mutual TLS per namespace where every
//! caller of its meshed workloads has a mesh identity.

use crate::connections::{all_nodes, is_pod, is_workload, Connection, Endpoint};
use crate::input::{FixInput, PodPort};
use crate::{claim, object_name, yaml, Change, Claim, Plan, Threats, GENERATED_DIR};
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, BTreeSet};
use stridemap_model::architecture::ArchNode;

/// The principal of the Istio ingress gateway of a default installation.
const GATEWAY_PRINCIPAL: &str =
    "cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account";

pub fn file_of(namespace: Option<&str>) -> String {
    format!(
        "{GENERATED_DIR}/istio/{}.yaml",
        namespace.unwrap_or("no-namespace")
    )
}

/// The mesh identity a client presents, or why it has none.
fn principal(nodes: &BTreeMap<&str, &ArchNode>, client: &Endpoint) -> Result<String, String> {
    match client {
        Endpoint::Pod(id) => {
            let n = nodes[id.as_str()];
            if !n.mesh {
                return Err(format!("`{id}` runs without a sidecar"));
            }
            match (&n.namespace, &n.service_account) {
                (Some(ns), Some(sa)) => Ok(format!("cluster.local/ns/{ns}/sa/{sa}")),
                (None, _) => Err(format!("`{id}` has no namespace in the manifests")),
                (_, None) => Err(format!("`{id}` has no service account")),
            }
        }
        Endpoint::MeshGateway(_) => Ok(GATEWAY_PRINCIPAL.into()),
        Endpoint::IngressController(id) => Err(format!(
            "the ingress controller of `{id}` is not in the mesh"
        )),
        Endpoint::Outside(id) => Err(format!("clients through `{id}` come from outside the mesh")),
        Endpoint::Beyond(id) => Err(format!("`{id}` is not a workload of the mesh")),
    }
}

/// An Istio path pattern for a route: parameters (`{id}`, `:id`, `<id>`) and what follows
/// them become a trailing `*` (Istio allows `*` only at the start or end).
pub fn path_pattern(path: &str) -> String {
    let mut out = String::new();
    for seg in path.split('/').skip(usize::from(path.starts_with('/'))) {
        let param = seg.starts_with(':')
            || seg.contains('{')
            || seg.contains('<')
            || seg.contains('*')
            || seg.contains('(');
        out.push('/');
        if param {
            out.push('*');
            return out;
        }
        out.push_str(seg);
    }
    if out.is_empty() {
        out.push('/');
    }
    out
}

fn operations(input: &FixInput, server: &ArchNode, c: &Connection) -> Vec<Value> {
    let ports: Vec<String> = c
        .ports
        .iter()
        .filter_map(|p| match p {
            PodPort::Number(n) => Some(n.to_string()),
            PodPort::Name(_) => None,
        })
        .collect();
    let http = !c.protocols.is_empty() && c.protocols.iter().all(|p| p == "http");
    let routes = input
        .routes
        .get(&server.id)
        .filter(|r| http && !r.is_empty());
    let base = |op: &mut Map<String, Value>| {
        if !ports.is_empty() {
            op.insert("ports".into(), json!(ports));
        }
    };
    match routes {
        Some(routes) => {
            // One operation per (method, path pattern), so a path is allowed only with the
            // methods the code serves it with.
            let mut by_path: BTreeMap<String, BTreeSet<&str>> = BTreeMap::new();
            let mut any_method: BTreeSet<String> = BTreeSet::new();
            for (method, path) in routes {
                let p = path_pattern(path);
                match method.as_deref() {
                    Some(m) if m != "ANY" && m != "*" => {
                        by_path.entry(p).or_default().insert(m);
                    }
                    _ => {
                        any_method.insert(p);
                    }
                }
            }
            let mut ops = Vec::new();
            for (path, methods) in by_path {
                if any_method.contains(&path) {
                    continue;
                }
                let mut op = Map::new();
                base(&mut op);
                op.insert("paths".into(), json!([path]));
                op.insert("methods".into(), json!(methods));
                ops.push(json!({"operation": op}));
            }
            for path in any_method {
                let mut op = Map::new();
                base(&mut op);
                op.insert("paths".into(), json!([path]));
                ops.push(json!({"operation": op}));
            }
            ops
        }
        None if !ports.is_empty() => {
            let mut op = Map::new();
            base(&mut op);
            vec![json!({"operation": op})]
        }
        None => Vec::new(),
    }
}

pub fn generate(input: &FixInput, conns: &[Connection], plan: &mut Plan) {
    let arch = &input.report.architecture;
    let nodes: BTreeMap<&str, &ArchNode> = all_nodes(arch).map(|n| (n.id.as_str(), n)).collect();
    let meshed: Vec<&ArchNode> = all_nodes(arch).filter(|n| n.mesh && is_pod(n)).collect();
    if meshed.is_empty() {
        return;
    }
    let threats = Threats::new(input);
    let mut docs: BTreeMap<Option<&str>, Vec<String>> = BTreeMap::new();
    let mut claims: BTreeMap<Option<&str>, Vec<Claim>> = BTreeMap::new();
    // Namespaces where some meshed workload has a caller without a mesh identity.
    let mut not_strict: BTreeMap<Option<&str>, Vec<String>> = BTreeMap::new();
    for server in &meshed {
        let ns = server.namespace.as_deref();
        let path = file_of(ns);
        let incoming: Vec<&Connection> = conns
            .iter()
            .filter(|c| c.server == Endpoint::Pod(server.id.clone()))
            .collect();
        let mut rules: Vec<(String, Value)> = Vec::new();
        let mut missing = Vec::new();
        for c in &incoming {
            match principal(&nodes, &c.client) {
                Ok(p) => {
                    let mut rule = Map::new();
                    rule.insert("from".into(), json!([{"source": {"principals": [p]}}]));
                    let ops = operations(input, server, c);
                    if !ops.is_empty() {
                        rule.insert("to".into(), Value::Array(ops));
                    }
                    let rule = Value::Object(rule);
                    // Callers sharing a service account need one rule.
                    match rules.iter_mut().find(|(_, r)| *r == rule) {
                        Some((flows, _)) => {
                            flows.push_str(", ");
                            flows.push_str(&c.flows.join(", "));
                        }
                        None => rules.push((c.flows.join(", "), rule)),
                    }
                }
                Err(why) => missing.push(why),
            }
        }
        if !missing.is_empty() {
            plan.notes.push(format!(
                "`{}`: no AuthorizationPolicy, since it would refuse callers without a mesh identity: {}",
                server.id,
                missing.join("; ")
            ));
            not_strict.entry(ns).or_default().extend(missing);
            continue;
        }
        let closed: Vec<Claim> = threats
            .of("MESH-NO-AUTHORIZATION-POLICY")
            .iter()
            .filter(|(_, ids)| {
                ids.contains(server.id.as_str())
                    && ids
                        .iter()
                        .all(|id| *id == server.id || nodes.get(id).is_none_or(|n| !is_workload(n)))
            })
            .map(|(t, _)| claim(t, &path))
            .collect();
        let mut comment = if rules.is_empty() {
            format!(
                "`{}` receives no discovered connection: this policy, with no rules, refuses every request.",
                server.id
            )
        } else {
            format!(
                "`{}` accepts requests only from its discovered callers (flows {}).",
                server.id,
                rules
                    .iter()
                    .map(|(f, _)| f.as_str())
                    .collect::<Vec<_>>()
                    .join("; ")
            )
        };
        comment.push_str(&crate::netpol_closes(&closed));
        let mut metadata = Map::new();
        metadata.insert(
            "name".into(),
            json!(object_name(&["allow", &server.name, "callers"])),
        );
        if let Some(ns) = ns {
            metadata.insert("namespace".into(), json!(ns));
        }
        metadata.insert(
            "labels".into(),
            json!({"app.kubernetes.io/managed-by": "stridemap"}),
        );
        let mut spec = Map::new();
        spec.insert("selector".into(), json!({"matchLabels": server.labels}));
        spec.insert("action".into(), json!("ALLOW"));
        if !rules.is_empty() {
            spec.insert(
                "rules".into(),
                Value::Array(rules.into_iter().map(|(_, r)| r).collect()),
            );
        }
        let value = json!({
            "apiVersion": "security.istio.io/v1",
            "kind": "AuthorizationPolicy",
            "metadata": metadata,
            "spec": spec,
        });
        docs.entry(ns)
            .or_default()
            .push(yaml::document(&[comment], &value));
        claims.entry(ns).or_default().extend(closed);
    }
    // STRICT mutual TLS where every caller of the namespace's meshed workloads has an identity.
    let namespaces: BTreeSet<Option<&str>> =
        meshed.iter().map(|n| n.namespace.as_deref()).collect();
    for ns in namespaces {
        if let Some(why) = not_strict.get(&ns) {
            plan.notes.push(format!(
                "{}: mutual TLS left as it is, since STRICT would refuse callers without a mesh identity: {}",
                ns.unwrap_or("(no namespace)"),
                why.join("; ")
            ));
            continue;
        }
        let Some(ns_name) = ns else { continue };
        let in_ns = |ids: &BTreeSet<&str>| {
            let workloads: Vec<&&ArchNode> = ids
                .iter()
                .filter_map(|id| nodes.get(id))
                .filter(|n| is_workload(n))
                .collect();
            !workloads.is_empty() && workloads.iter().all(|n| n.namespace.as_deref() == ns)
        };
        let threats_here: Vec<&stridemap_model::Threat> = threats
            .of("MESH-MTLS-NOT-STRICT")
            .iter()
            .filter(|(_, ids)| in_ns(ids))
            .map(|(t, _)| *t)
            .collect();
        if threats_here.is_empty() {
            continue;
        }
        let weak = input
            .weak_peer_authentications
            .iter()
            .find(|w| w.namespace == ns_name);
        match weak {
            Some(w) => {
                let Some(edit) = w
                    .mode_at
                    .and_then(|at| input.files.get(&w.file).map(|text| (at, text)))
                    .and_then(|((line, col), text)| replace_scalar(text, line, col, "STRICT"))
                else {
                    plan.notes.push(format!(
                        "{}: PeerAuthentication `{}` in {} has no mode to change; set `spec.mtls.mode: STRICT`",
                        ns_name, w.name, w.file
                    ));
                    continue;
                };
                let closed: Vec<Claim> = threats_here.iter().map(|t| claim(t, &w.file)).collect();
                plan.changes.push(Change {
                    path: w.file.clone(),
                    before: input.files.get(&w.file).cloned(),
                    after: edit,
                    summary: format!(
                        "PeerAuthentication `{}` in namespace `{ns_name}`: mode {} → STRICT",
                        w.name, w.mode
                    ),
                });
                plan.claims.extend(closed);
            }
            None => {
                let closed: Vec<Claim> = threats_here
                    .iter()
                    .map(|t| claim(t, &file_of(ns)))
                    .collect();
                let value = json!({
                    "apiVersion": "security.istio.io/v1",
                    "kind": "PeerAuthentication",
                    "metadata": {
                        "name": "default",
                        "namespace": ns_name,
                        "labels": {"app.kubernetes.io/managed-by": "stridemap"},
                    },
                    "spec": {"mtls": {"mode": "STRICT"}},
                });
                let comment = format!(
                    "Every workload of namespace `{ns_name}` accepts only mutual-TLS traffic; all their discovered callers are in the mesh.{}",
                    crate::netpol_closes(&closed)
                );
                docs.entry(ns)
                    .or_default()
                    .insert(0, yaml::document(&[comment], &value));
                claims.entry(ns).or_default().extend(closed);
            }
        }
    }
    for (ns, docs) in docs {
        let closed = claims.remove(&ns).unwrap_or_default();
        plan.changes.push(Change {
            path: file_of(ns),
            before: None,
            after: format!(
                "# Generated by `stridemap fix`: Istio policies for {}. Review before applying.\n{}",
                ns.map_or("the manifests' namespace".to_string(), |n| format!("namespace `{n}`")),
                yaml::stream(&docs)
            ),
            summary: format!(
                "{} Istio policies for {} (closing {} threats)",
                docs.len(),
                ns.unwrap_or("(no namespace)"),
                closed.len()
            ),
        });
        plan.claims.extend(closed);
    }
}

/// `text` with the plain or quoted scalar starting at 1-based `line`/`column` replaced.
pub fn replace_scalar(text: &str, line: u32, column: u32, with: &str) -> Option<String> {
    let start_of_line = if line <= 1 {
        0
    } else {
        text.match_indices('\n').nth(line as usize - 2)?.0 + 1
    };
    let rest = &text[start_of_line..];
    let line_text = rest.split('\n').next()?;
    let start = line_text
        .char_indices()
        .nth(column.checked_sub(1)? as usize)
        .map(|(i, _)| i)?;
    let token = &line_text[start..];
    let len = match token.chars().next()? {
        q @ ('"' | '\'') => token[1..].find(q)? + 2,
        _ => token
            .find(|c: char| c.is_whitespace() || matches!(c, '#' | ',' | '}' | ']'))
            .unwrap_or(token.len()),
    };
    if len == 0 {
        return None;
    }
    let at = start_of_line + start;
    Some(format!("{}{with}{}", &text[..at], &text[at + len..]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::connections::tests::{flow, node, report};
    use stridemap_model::architecture::Role;

    #[test]
    fn path_patterns_end_at_the_first_parameter() {
        assert_eq!(path_pattern("/orders"), "/orders");
        assert_eq!(path_pattern("/orders/<int:id>/items"), "/orders/*");
        assert_eq!(path_pattern("/orders/:id"), "/orders/*");
        assert_eq!(path_pattern("/v1/{name}"), "/v1/*");
        assert_eq!(path_pattern("/"), "/");
    }

    #[test]
    fn replaces_plain_and_quoted_scalars() {
        let text = "spec:\n  mtls:\n    mode: PERMISSIVE # keep\n";
        assert_eq!(
            replace_scalar(text, 3, 11, "STRICT").unwrap(),
            "spec:\n  mtls:\n    mode: STRICT # keep\n"
        );
        let text = "spec: {mtls: {mode: \"PERMISSIVE\"}}\n";
        assert_eq!(
            replace_scalar(text, 1, 21, "STRICT").unwrap(),
            "spec: {mtls: {mode: STRICT}}\n"
        );
        assert_eq!(replace_scalar(text, 9, 1, "STRICT"), None);
    }

    #[test]
    fn allows_meshed_callers_by_principal_and_skips_workloads_with_unmeshed_callers() {
        let mut api = node("api", Some("shop"), &["Deployment"], Role::Service);
        api.mesh = true;
        let mut web = node("web", Some("shop"), &["Deployment"], Role::Service);
        web.mesh = true;
        web.service_account = Some("web".into());
        let r = report(
            vec![
                api,
                web,
                node("ingress/web", Some("shop"), &["Ingress"], Role::EntryPoint),
            ],
            vec![
                flow("FLOW-1", "web", "api", "http", Some(8080)),
                flow("FLOW-2", "ingress/web", "web", "http", Some(80)),
            ],
        );
        let mut input = FixInput::new(&r);
        input.routes.insert(
            "api".into(),
            [
                (Some("GET".into()), "/items/<id>".into()),
                (Some("POST".into()), "/items/<id>".into()),
            ]
            .into_iter()
            .collect(),
        );
        let mut plan = Plan::default();
        let conns = crate::connections::of(&input, &mut plan.notes);
        generate(&input, &conns, &mut plan);
        assert_eq!(plan.changes.len(), 1);
        let text = &plan.changes[0].after;
        assert!(text.contains("name: \"allow-api-callers\""), "{text}");
        assert!(text.contains("\"cluster.local/ns/shop/sa/web\""), "{text}");
        assert!(text.contains("- \"/items/*\""), "{text}");
        assert!(
            text.contains("- \"GET\"\n") && text.contains("- \"POST\"\n"),
            "{text}"
        );
        assert!(!text.contains("allow-web-callers"), "{text}");
        assert!(!text.contains("PeerAuthentication"), "{text}");
        assert!(
            plan.notes
                .iter()
                .any(|n| n.contains("ingress controller of `ingress/web`")),
            "{:?}",
            plan.notes
        );
    }
}
