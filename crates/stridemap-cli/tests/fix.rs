//! `stridemap fix` end to end: scan a copy of a project, apply the fix with `--write`, scan
//! again, and check that
//! (a) every threat the fix claims to close is gone,
//! (b) no threat appears that was not there before,
//! (c) every flow of the first scan's architecture that involves a pod is still allowed by the
//!     NetworkPolicies of the fixed project — evaluated here, from the policy objects the
//!     second scan reads, with the model's own label-selector matching.
//! It runs on the shipped example and on the real-world corpus projects (skipped, loudly, when
//! `../shared/corpus/realworld` is absent). The generated NetworkPolicies are validated against
//! the Kubernetes JSON schema vendored in `crates/stridemap-fix/tests/schema`.

use assert_cmd::Command;
use serde_json::Value as Json;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use stridemap::config::Config;
use stridemap_ingest::Options;
use stridemap_model::architecture::{ArchNode, Role};
use stridemap_model::k8s::K8sObject;
use stridemap_model::network_policy::LabelSelector;
use stridemap_model::{Node, Report, Value};

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        let kind = entry.file_type().unwrap();
        if kind.is_dir() {
            copy_dir(&entry.path(), &target);
        } else if kind.is_file() {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

fn scan(dir: &Path) -> Report {
    stridemap::scan(dir, &Options::default())
}

const WORKLOAD_KINDS: &[&str] = &[
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "ReplicaSet",
    "ReplicationController",
    "Job",
    "CronJob",
    "Pod",
];

fn nodes(report: &Report) -> BTreeMap<&str, &ArchNode> {
    let a = &report.architecture;
    a.services
        .iter()
        .chain(&a.data_stores)
        .chain(&a.message_brokers)
        .chain(&a.entry_points)
        .map(|n| (n.id.as_str(), n))
        .collect()
}

fn is_pod(n: &ArchNode) -> bool {
    !n.external
        && n.role != Role::EntryPoint
        && n.kinds.iter().any(|k| WORKLOAD_KINDS.contains(&k.as_str()))
        && !n.labels.is_empty()
        && !n.host_access.iter().any(|h| h == "host network")
}

/// Who opens a connection, as the policies see it.
#[derive(Debug, Clone)]
enum Peer {
    /// Pods: namespace (None: the manifests' implicit one) and labels.
    Pod(Option<String>, BTreeMap<String, String>),
    /// A client outside the cluster (load balancer, node port, host port).
    Anywhere,
}

fn pod_of(n: &ArchNode) -> Peer {
    Peer::Pod(n.namespace.clone(), n.labels.clone())
}

/// The peer an entry point's traffic comes from: ingress controllers and mesh gateways are
/// pods of their usual namespaces, load balancers and node ports are anywhere.
fn entry_peer(n: &ArchNode) -> Option<Peer> {
    let has = |k: &str| n.kinds.iter().any(|x| x == k);
    let pod = |ns: &str, k: &str, v: &str| {
        Some(Peer::Pod(
            Some(ns.into()),
            [(k.to_string(), v.to_string())].into_iter().collect(),
        ))
    };
    if has("Ingress") {
        pod("ingress-nginx", "app.kubernetes.io/name", "ingress-nginx")
    } else if has("Gateway") {
        pod("istio-system", "istio", "ingressgateway")
    } else if has("loadbalancer") || has("nodeport") || has("hostPort") {
        Some(Peer::Anywhere)
    } else {
        None
    }
}

struct NetPol<'a> {
    namespace: Option<String>,
    object: &'a K8sObject,
}

impl NetPol<'_> {
    fn selects(&self, ns: &Option<String>, labels: &BTreeMap<String, String>) -> bool {
        &self.namespace == ns
            && LabelSelector::from_node(self.object.root.path(&["spec", "podSelector"]))
                .is_some_and(|s| s.matches(labels))
    }

    fn types(&self) -> Vec<String> {
        match self.object.root.path(&["spec", "policyTypes"]) {
            Some(t) => t
                .as_seq()
                .iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect(),
            None => {
                let mut t = vec!["Ingress".to_string()];
                if self.object.root.path(&["spec", "egress"]).is_some() {
                    t.push("Egress".into());
                }
                t
            }
        }
    }

    /// Whether a rule of direction `key` (`ingress`/`egress`, peers under `from`/`to`) admits
    /// `peer` on one of `ports`.
    fn admits(&self, key: &str, peers_key: &str, peer: &Peer, ports: &BTreeSet<String>) -> bool {
        let own_ns = self.namespace.clone();
        self.object
            .root
            .path(&["spec", key])
            .map(Node::as_seq)
            .unwrap_or(&[])
            .iter()
            .any(|rule| {
                let port_ok = match rule.get("ports") {
                    None => true,
                    Some(list) if list.as_seq().is_empty() => true,
                    Some(list) => list.as_seq().iter().any(|p| {
                        p.get("port")
                            .and_then(Node::as_str)
                            .is_some_and(|v| ports.contains(v))
                    }),
                };
                let peer_ok = match rule.get(peers_key) {
                    None => true,
                    Some(list) if list.as_seq().is_empty() => true,
                    Some(list) => list.as_seq().iter().any(|p| peer_matches(p, &own_ns, peer)),
                };
                port_ok && peer_ok
            })
    }
}

fn peer_matches(p: &Node, own_ns: &Option<String>, peer: &Peer) -> bool {
    if let Some(block) = p.get("ipBlock") {
        return block.get("cidr").and_then(Node::as_str) == Some("0.0.0.0/0")
            && matches!(peer, Peer::Anywhere);
    }
    let Peer::Pod(ns, labels) = peer else {
        return false;
    };
    let ns_ok = match p.get("namespaceSelector") {
        None => ns == own_ns,
        Some(sel) => {
            let ns_labels: BTreeMap<String, String> = ns
                .iter()
                .map(|n| ("kubernetes.io/metadata.name".to_string(), n.clone()))
                .collect();
            LabelSelector::from_node(Some(sel)).is_some_and(|s| s.matches(&ns_labels))
        }
    };
    let pod_ok = match p.get("podSelector") {
        None => true,
        Some(sel) => LabelSelector::from_node(Some(sel)).is_some_and(|s| s.matches(labels)),
    };
    ns_ok && pod_ok
}

/// Whether the policies let `peer` reach (`Ingress`) or be reached from (`Egress`) the pod.
fn allowed(
    policies: &[NetPol],
    pod: (&Option<String>, &BTreeMap<String, String>),
    direction: &str,
    peer: &Peer,
    ports: &BTreeSet<String>,
) -> bool {
    let (key, peers_key) = match direction {
        "Ingress" => ("ingress", "from"),
        _ => ("egress", "to"),
    };
    let selecting: Vec<&NetPol> = policies
        .iter()
        .filter(|p| p.selects(pod.0, pod.1) && p.types().iter().any(|t| t == direction))
        .collect();
    selecting.is_empty()
        || selecting
            .iter()
            .any(|p| p.admits(key, peers_key, peer, ports))
}

/// The ports a connection to `port` of `server` may be written as in a policy: the port
/// itself and the target ports of the server's Services for it.
fn port_spellings(
    corpus: &stridemap_model::Corpus,
    server: &ArchNode,
    port: Option<u16>,
) -> BTreeSet<String> {
    let mut out: BTreeSet<String> = port.iter().map(u16::to_string).collect();
    if port.is_none() {
        out.extend(server.ports.iter().map(u16::to_string));
    }
    for name in &server.k8s_services {
        for svc in corpus.objects_named("Service", name) {
            for p in svc
                .root
                .path(&["spec", "ports"])
                .map(Node::as_seq)
                .unwrap_or(&[])
            {
                if port.is_some_and(|want| {
                    p.get("port").and_then(Node::as_i64) == Some(i64::from(want))
                }) {
                    if let Some(t) = p.get("targetPort").and_then(Node::as_str) {
                        out.insert(t.to_string());
                    }
                }
            }
        }
    }
    out
}

#[derive(Debug, Default)]
struct Figures {
    before: usize,
    after: usize,
    claimed: usize,
    /// Flows of the first scan.
    flows_total: usize,
    /// Flows with a pod at one end or both, whose every pod side was checked.
    flows_kept: usize,
    /// Pod sides checked (a flow between two pods has two: egress and ingress).
    sides_checked: usize,
    /// Generated Istio objects read back and checked.
    istio_objects: usize,
}

fn roundtrip(name: &str, source: &Path) -> Figures {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join(name);
    copy_dir(source, &dir);
    let out = tmp.path().join("out");
    let before = scan(&dir);
    Command::cargo_bin("stridemap")
        .unwrap()
        .args(["fix", "--no-config", "--write", "--out"])
        .arg(&out)
        .arg(&dir)
        .assert()
        .success();
    let plan: Json =
        serde_json::from_str(&std::fs::read_to_string(out.join("plan.json")).unwrap()).unwrap();
    let after = scan(&dir);

    // (a) and (b), by fingerprint: threat ids are renumbered by every scan.
    let before_fps: BTreeSet<&str> = before
        .threats
        .iter()
        .map(|t| t.fingerprint.as_str())
        .collect();
    let after_fps: BTreeSet<&str> = after
        .threats
        .iter()
        .map(|t| t.fingerprint.as_str())
        .collect();
    let claims = plan["claims"].as_array().unwrap();
    for c in claims {
        let fp = c["fingerprint"].as_str().unwrap();
        assert!(
            before_fps.contains(fp),
            "{name}: claim of an unknown threat {c}"
        );
        assert!(
            !after_fps.contains(fp),
            "{name}: claimed closed but still found: {c}"
        );
    }
    let new: Vec<_> = after
        .threats
        .iter()
        .filter(|t| !before_fps.contains(t.fingerprint.as_str()))
        .map(|t| {
            format!(
                "{} {:?} {:?}",
                t.rule,
                t.affected_resources,
                t.evidence.first()
            )
        })
        .collect();
    assert!(
        new.is_empty(),
        "{name}: the fix introduced threats: {new:#?}"
    );

    // (c) every flow involving a pod is allowed by the fixed project's policies.
    let corpus = stridemap_ingest::ingest(&dir, &Options::default());
    let policies: Vec<NetPol> = corpus
        .objects_of(&["NetworkPolicy"])
        .filter(|o| o.api_version == "networking.k8s.io/v1")
        .map(|o| NetPol {
            namespace: o.namespace.clone(),
            object: o,
        })
        .collect();
    let nodes = nodes(&before);
    let mut checked = 0;
    let mut kept = 0;
    for f in &before.architecture.flows {
        let sides = checked;
        let (Some(&from), Some(&to)) = (nodes.get(f.from.as_str()), nodes.get(f.to.as_str()))
        else {
            continue;
        };
        let (client, server, port) = if from.role == Role::Broker && f.is_async && is_pod(to) {
            (to, from, None)
        } else {
            (from, to, f.port)
        };
        let client_peer = if is_pod(client) {
            Some(pod_of(client))
        } else if client.role == Role::EntryPoint {
            entry_peer(client)
        } else {
            None
        };
        let Some(client_peer) = client_peer else {
            continue;
        };
        if let Peer::Pod(ns, labels) = &client_peer {
            if is_pod(client) {
                let (peer, ports) = if is_pod(server) {
                    (pod_of(server), port_spellings(&corpus, server, port))
                } else {
                    // Beyond the cluster: anywhere, on the port dialled (or any port the
                    // policy names when the address gives none).
                    let ports = match port {
                        Some(p) => [p.to_string()].into_iter().collect(),
                        None => policies
                            .iter()
                            .flat_map(|p| {
                                p.object
                                    .root
                                    .path(&["spec", "egress"])
                                    .map(Node::as_seq)
                                    .unwrap_or(&[])
                            })
                            .flat_map(|r| r.get("ports").map(Node::as_seq).unwrap_or(&[]))
                            .filter_map(|p| {
                                p.get("port").and_then(Node::as_str).map(str::to_string)
                            })
                            .collect(),
                    };
                    (Peer::Anywhere, ports)
                };
                assert!(
                    allowed(&policies, (ns, labels), "Egress", &peer, &ports),
                    "{name}: {} ({} → {}, port {port:?}) not allowed out of {}",
                    f.id,
                    f.from,
                    f.to,
                    client.id
                );
                checked += 1;
            }
        }
        if is_pod(server) {
            let ports = port_spellings(&corpus, server, port);
            assert!(
                allowed(
                    &policies,
                    (&server.namespace, &server.labels),
                    "Ingress",
                    &client_peer,
                    &ports
                ),
                "{name}: {} ({} → {}, port {port:?}) not allowed into {}",
                f.id,
                f.from,
                f.to,
                server.id
            );
            checked += 1;
        }
        if checked > sides {
            kept += 1;
        }
    }

    // The generated NetworkPolicies are valid Kubernetes objects.
    let validator = networkpolicy_validator();
    let mut validated = 0;
    for o in &policies {
        if !corpus
            .file(o.object.file)
            .path
            .starts_with("stridemap-fix/")
        {
            continue;
        }
        let json = to_json(&o.object.root);
        let errors: Vec<String> = validator
            .iter_errors(&json)
            .map(|e| e.to_string())
            .collect();
        assert!(
            errors.is_empty(),
            "{name}: {} is not a valid NetworkPolicy: {errors:?}",
            o.object.name
        );
        validated += 1;
    }
    assert!(
        validated > 0 || claims.is_empty(),
        "{name}: no generated policy was read back"
    );
    let mut istio = 0;
    for o in corpus.objects_of(&["AuthorizationPolicy", "PeerAuthentication"]) {
        if corpus.file(o.file).path.starts_with("stridemap-fix/") {
            check_istio(&to_json(&o.root));
            istio += 1;
        }
    }

    Figures {
        before: before.threats.len(),
        after: after.threats.len(),
        claimed: claims.len(),
        flows_total: before.architecture.flows.len(),
        flows_kept: kept,
        sides_checked: checked,
        istio_objects: istio,
    }
}

/// The fields of Istio's `security.istio.io/v1` API that the generated objects use, checked
/// against the API's rules (no registry package ships their JSON schema).
fn check_istio(o: &Json) {
    let what = o.to_string();
    assert_eq!(o["apiVersion"], "security.istio.io/v1", "{what}");
    let name = o["metadata"]["name"].as_str().expect("metadata.name");
    assert!(
        !name.is_empty()
            && name.len() <= 63
            && name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            && !name.starts_with('-')
            && !name.ends_with('-'),
        "not a DNS-1123 label: {what}"
    );
    let spec = o["spec"].as_object().expect("spec");
    let labels = |v: &Json| {
        v["matchLabels"]
            .as_object()
            .is_some_and(|m| !m.is_empty() && m.values().all(Json::is_string))
    };
    match o["kind"].as_str() {
        Some("PeerAuthentication") => {
            let mode = o["spec"]["mtls"]["mode"].as_str().expect("spec.mtls.mode");
            assert!(
                ["UNSET", "DISABLE", "PERMISSIVE", "STRICT"].contains(&mode),
                "{what}"
            );
            assert!(
                spec.keys()
                    .all(|k| ["selector", "mtls", "portLevelMtls"].contains(&k.as_str())),
                "{what}"
            );
        }
        Some("AuthorizationPolicy") => {
            assert!(
                spec.keys().all(|k| [
                    "selector",
                    "action",
                    "rules",
                    "targetRef",
                    "targetRefs",
                    "provider"
                ]
                .contains(&k.as_str())),
                "{what}"
            );
            assert!(labels(&o["spec"]["selector"]), "{what}");
            assert!(
                ["ALLOW", "DENY", "AUDIT", "CUSTOM"]
                    .contains(&o["spec"]["action"].as_str().unwrap()),
                "{what}"
            );
            for rule in o["spec"]["rules"].as_array().into_iter().flatten() {
                for from in rule["from"].as_array().into_iter().flatten() {
                    let principals = from["source"]["principals"].as_array().expect("principals");
                    for p in principals {
                        let p = p.as_str().expect("a string principal");
                        assert!(
                            p.starts_with("cluster.local/ns/") && p.contains("/sa/"),
                            "{what}"
                        );
                    }
                }
                for to in rule["to"].as_array().into_iter().flatten() {
                    let op = to["operation"].as_object().expect("operation");
                    for port in op
                        .get("ports")
                        .and_then(Json::as_array)
                        .into_iter()
                        .flatten()
                    {
                        let port = port.as_str().expect("ports are strings");
                        assert!(port.parse::<u16>().is_ok_and(|p| p > 0), "{what}");
                    }
                    for path in op
                        .get("paths")
                        .and_then(Json::as_array)
                        .into_iter()
                        .flatten()
                    {
                        let path = path.as_str().unwrap();
                        // `*` only as a prefix or suffix.
                        let inner = path.trim_start_matches('*').trim_end_matches('*');
                        assert!(path.starts_with('/') && !inner.contains('*'), "{what}");
                    }
                    for m in op
                        .get("methods")
                        .and_then(Json::as_array)
                        .into_iter()
                        .flatten()
                    {
                        let m = m.as_str().unwrap();
                        assert!(
                            !m.is_empty() && m.chars().all(|c| c.is_ascii_uppercase()),
                            "{what}"
                        );
                    }
                }
            }
        }
        other => panic!("unexpected kind {other:?}"),
    }
}

/// A YAML tree as JSON, with Kubernetes' typing of plain scalars.
fn to_json(n: &Node) -> Json {
    match &n.value {
        Value::Scalar { text, quoted: true } => Json::String(text.clone()),
        Value::Scalar {
            text,
            quoted: false,
        } => {
            if let Ok(i) = text.parse::<i64>() {
                Json::from(i)
            } else if text == "true" || text == "false" {
                Json::Bool(text == "true")
            } else if text == "null" || text == "~" || text.is_empty() {
                Json::Null
            } else {
                Json::String(text.clone())
            }
        }
        Value::Seq(items) => Json::Array(items.iter().map(to_json).collect()),
        Value::Map(entries) => Json::Object(
            entries
                .iter()
                .map(|(k, v)| (k.as_str().unwrap_or_default().to_string(), to_json(v)))
                .collect(),
        ),
    }
}

fn networkpolicy_validator() -> jsonschema::Validator {
    let dir = repo_root().join("crates/stridemap-fix/tests/schema");
    let read = |f: &str| -> Json {
        serde_json::from_str(&std::fs::read_to_string(dir.join(f)).unwrap()).unwrap()
    };
    // The policy schema refers to the shared definitions by their `$id`; the registry holds
    // them, so nothing is fetched.
    let registry: &'static jsonschema::Registry = Box::leak(Box::new(
        jsonschema::Registry::new()
            .add(
                "https://kubernetes.io/api/_definitions.json",
                read("_definitions.json"),
            )
            .expect("a valid URI")
            .prepare()
            .expect("the definitions load"),
    ));
    jsonschema::options()
        .with_registry(registry)
        .build(&read("networkpolicy-networking-v1.json"))
        .expect("the schema compiles")
}

#[test]
fn the_schema_rejects_a_policy_with_a_misspelt_field() {
    let v = networkpolicy_validator();
    let good = serde_json::json!({
        "apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
        "metadata": {"name": "a"}, "spec": {"podSelector": {}, "policyTypes": ["Ingress"]}
    });
    assert!(v.is_valid(&good));
    let bad = serde_json::json!({
        "apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
        "metadata": {"name": "a"}, "spec": {"podSelectors": {}}
    });
    assert!(!v.is_valid(&bad));
}

#[test]
fn fixing_the_example_closes_what_it_claims_and_keeps_every_flow() {
    let f = roundtrip("shop", &repo_root().join("examples/shop"));
    eprintln!("shop: {f:?}");
    assert!(f.claimed > 0 && f.after < f.before, "{f:?}");
    assert!(f.flows_kept > 0 && f.flows_kept <= f.flows_total, "{f:?}");
    assert!(f.sides_checked >= f.flows_kept, "{f:?}");
    // The example runs in the Istio mesh.
    assert!(f.istio_objects > 0, "{f:?}");
}

#[test]
fn fixing_the_real_world_corpus_closes_what_it_claims_and_keeps_every_flow() {
    let corpus = repo_root().join("../shared/corpus/realworld");
    if !corpus.is_dir() {
        eprintln!(
            "SKIPPED: {} is absent; the real-world round trip did not run",
            corpus.display()
        );
        return;
    }
    let mut names: Vec<_> = std::fs::read_dir(&corpus)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().to_string())
        .collect();
    names.sort();
    assert!(!names.is_empty());
    for name in names {
        let f = roundtrip(&name, &corpus.join(&name));
        eprintln!("{name}: {f:?}");
        assert!(
            f.flows_kept <= f.flows_total && f.after <= f.before,
            "{name}: {f:?}"
        );
    }
}

#[test]
fn fix_without_write_leaves_the_project_alone_and_prints_a_patch() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("shop");
    copy_dir(&repo_root().join("examples/shop"), &dir);
    let out = Command::cargo_bin("stridemap")
        .unwrap()
        .args(["fix", "--no-config", "--format", "patch"])
        .arg(&dir)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let patch = String::from_utf8(out).unwrap();
    assert!(
        patch.contains("--- /dev/null\n+++ b/stridemap-fix/network-policies/shop.yaml\n"),
        "{patch}"
    );
    assert!(patch.contains("+# Closes THREAT-"), "{patch}");
    // Edits of the project's files carry no context: none of its lines (secrets included)
    // is repeated.
    assert!(patch.contains("--- a/k8s/"), "{patch}");
    assert!(
        patch.lines().all(|l| !l.starts_with(' ')),
        "a context line in {patch}"
    );
    // The patch applies to the project as it is.
    let applied = std::process::Command::new("patch")
        .args(["-p1", "--dry-run", "--silent"])
        .current_dir(&dir)
        .stdin(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            child.stdin.take().unwrap().write_all(patch.as_bytes())?;
            child.wait()
        });
    match applied {
        Ok(status) => assert!(status.success(), "patch -p1 refuses the diff"),
        Err(e) => eprintln!("SKIPPED the patch -p1 check: {e}"),
    }
    assert!(
        !dir.join("stridemap-fix").exists(),
        "nothing may be written without --write"
    );
    // The same plan, as files in --out.
    let out_dir = tmp.path().join("out");
    Command::cargo_bin("stridemap")
        .unwrap()
        .args(["fix", "--no-config", "--out"])
        .arg(&out_dir)
        .arg(&dir)
        .assert()
        .success();
    assert!(out_dir
        .join("stridemap-fix/network-policies/shop.yaml")
        .is_file());
    assert!(out_dir.join("plan.json").is_file());
    assert!(!dir.join("stridemap-fix").exists());
}

#[test]
fn fix_of_a_missing_directory_fails_with_exit_3() {
    Command::cargo_bin("stridemap")
        .unwrap()
        .args(["fix", "/no/such/dir"])
        .assert()
        .code(3);
}

#[test]
fn the_plan_is_deterministic() {
    let root = repo_root().join("examples/shop");
    let plan = |_: ()| {
        let (_, p) = stridemap::fix_plan(&root, &Options::default(), &Config::default()).unwrap();
        p.unified_diff()
    };
    assert_eq!(plan(()), plan(()));
}
