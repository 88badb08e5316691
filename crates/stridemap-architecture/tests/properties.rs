//! Property tests of the model: which workloads a Service resolves to, and which
//! PeerAuthentication decides a workload's mTLS mode. Each property compares the model with a
//! plain statement of the rule over generated manifests.

use proptest::prelude::*;
use std::collections::BTreeMap;
use stridemap_ingest::{parse_file, Options};
use stridemap_model::corpus::FileKind;
use stridemap_model::k8s::K8sObject;
use stridemap_model::mesh::{mtls_in_force, MtlsMode};

const NAMESPACES: [&str; 2] = ["shop", "billing"];
const KEYS: [&str; 2] = ["app", "tier"];
const VALUES: [&str; 2] = ["a", "b"];

type Labels = BTreeMap<String, String>;

fn labels() -> impl Strategy<Value = Labels> {
    proptest::collection::btree_map(
        prop::sample::select(&KEYS[..]).prop_map(str::to_string),
        prop::sample::select(&VALUES[..]).prop_map(str::to_string),
        0..=2,
    )
}

fn flow_map(map: &Labels) -> String {
    let entries: Vec<String> = map.iter().map(|(k, v)| format!("{k}: {v}")).collect();
    format!("{{{}}}", entries.join(", "))
}

fn objects(yaml: &str) -> Vec<K8sObject> {
    let parsed = parse_file(
        "all.yaml",
        "all.yaml",
        FileKind::Yaml,
        yaml.as_bytes().to_vec(),
        &Options::default(),
    );
    assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
    parsed.objects
}

#[derive(Debug, Clone)]
struct Workload {
    namespace: usize,
    labels: Labels,
}

#[derive(Debug, Clone)]
struct Service {
    /// `None`: no namespace written, which applies to any.
    namespace: Option<usize>,
    selector: Labels,
}

fn workload() -> impl Strategy<Value = Workload> {
    (0..NAMESPACES.len(), labels()).prop_map(|(namespace, labels)| Workload { namespace, labels })
}

fn service() -> impl Strategy<Value = Service> {
    (
        proptest::option::weighted(0.8, 0..NAMESPACES.len()),
        labels(),
    )
        .prop_map(|(namespace, selector)| Service {
            namespace,
            selector,
        })
}

fn manifests(workloads: &[Workload], services: &[Service]) -> String {
    let mut yaml = String::new();
    for (i, w) in workloads.iter().enumerate() {
        yaml.push_str(&format!(
            "---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: work{i}\n  namespace: {}\nspec:\n  template:\n    metadata:\n      labels: {}\n    spec:\n      containers:\n        - name: c\n          image: registry.example.com/work{i}:1.0.{i}\n",
            NAMESPACES[w.namespace],
            flow_map(&w.labels)
        ));
    }
    for (i, s) in services.iter().enumerate() {
        let namespace = s
            .namespace
            .map(|n| format!("  namespace: {}\n", NAMESPACES[n]))
            .unwrap_or_default();
        yaml.push_str(&format!(
            "---\napiVersion: v1\nkind: Service\nmetadata:\n  name: svc{i}\n{namespace}spec:\n  selector: {}\n  ports:\n    - port: {}\n",
            flow_map(&s.selector),
            9000 + i
        ));
    }
    yaml
}

/// A Service selects the pods whose labels include all of its (non-empty) selector, in its
/// namespace; one written without a namespace applies to any.
fn selects(s: &Service, w: &Workload) -> bool {
    !s.selector.is_empty()
        && s.selector.iter().all(|(k, v)| w.labels.get(k) == Some(v))
        && s.namespace.is_none_or(|n| n == w.namespace)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn services_resolve_to_the_workloads_they_select(
        workloads in proptest::collection::vec(workload(), 1..6),
        services in proptest::collection::vec(service(), 0..6),
    ) {
        let yaml = manifests(&workloads, &services);
        let corpus = stridemap_ingest::ingest_files(
            &[("all.yaml".to_string(), yaml.into_bytes())],
            &Options::default(),
        );
        let graph = stridemap_architecture::build(&corpus);
        for (i, w) in workloads.iter().enumerate() {
            let name = format!("work{i}");
            let node = graph
                .nodes()
                .find(|n| n.name == name && n.kinds.iter().any(|k| k == "Deployment"))
                .unwrap_or_else(|| panic!("no node for {name}"));
            // A Service written without a namespace prefers the workloads of the namespace it
            // lands in; with both namespaces written explicitly below, none is preferred.
            let mut expected: Vec<String> = services
                .iter()
                .enumerate()
                .filter(|(_, s)| selects(s, w))
                .map(|(j, _)| format!("svc{j}"))
                .collect();
            expected.sort();
            prop_assert_eq!(&node.k8s_services, &expected, "workload {}", name);
        }
    }
}

#[derive(Debug, Clone)]
struct Policy {
    /// An index into `MESH_NAMESPACES`; 0 is Istio's root namespace.
    namespace: usize,
    selector: Labels,
    mode: Option<&'static str>,
    port_mode: Option<&'static str>,
}

const MESH_NAMESPACES: [&str; 3] = ["istio-system", "shop", "billing"];
const MODES: [&str; 4] = ["STRICT", "PERMISSIVE", "DISABLE", "UNSET"];
const PORT: u16 = 8443;

fn mode() -> impl Strategy<Value = Option<&'static str>> {
    proptest::option::of(prop::sample::select(&MODES[..]))
}

fn policy() -> impl Strategy<Value = Policy> {
    (0..MESH_NAMESPACES.len(), labels(), mode(), mode()).prop_map(
        |(namespace, selector, mode, port_mode)| Policy {
            namespace,
            selector,
            mode,
            port_mode,
        },
    )
}

fn policy_yaml(policies: &[Policy]) -> String {
    let mut yaml = String::new();
    for (i, p) in policies.iter().enumerate() {
        yaml.push_str(&format!(
            "---\napiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata:\n  name: pa{i}\n  namespace: {}\nspec:\n",
            MESH_NAMESPACES[p.namespace]
        ));
        if !p.selector.is_empty() {
            yaml.push_str(&format!(
                "  selector:\n    matchLabels: {}\n",
                flow_map(&p.selector)
            ));
        }
        if let Some(m) = p.mode {
            yaml.push_str(&format!("  mtls:\n    mode: {m}\n"));
        }
        if let Some(m) = p.port_mode {
            yaml.push_str(&format!("  portLevelMtls:\n    {PORT}:\n      mode: {m}\n"));
        }
    }
    yaml
}

fn parse_mode(m: Option<&str>) -> MtlsMode {
    MtlsMode::parse(m)
}

/// Istio's precedence, stated directly: the first workload policy that selects the pod (not in
/// the root namespace, where selectors are ignored) decides — its port entry for the port, else
/// its own mode — unless that is UNSET; then the first namespace-wide policy of the pod's
/// namespace; then the first mesh-wide one; else PERMISSIVE.
fn expected(
    policies: &[Policy],
    namespace: usize,
    labels: &Labels,
    port: Option<u16>,
) -> (MtlsMode, Option<String>) {
    let decided = |i: usize, m: Option<&str>| {
        let mode = parse_mode(m);
        (mode != MtlsMode::Unset).then(|| (mode, Some(format!("pa{i}"))))
    };
    let workload = policies.iter().enumerate().find(|(_, p)| {
        p.namespace != 0
            && p.namespace == namespace
            && !p.selector.is_empty()
            && p.selector.iter().all(|(k, v)| labels.get(k) == Some(v))
    });
    if let Some((i, p)) = workload {
        if port.is_some() {
            if let Some(d) = decided(i, p.port_mode) {
                return d;
            }
        }
        if let Some(d) = decided(i, p.mode) {
            return d;
        }
    }
    let wide = |ns: usize| {
        policies
            .iter()
            .enumerate()
            .find(|(_, p)| p.namespace == ns && p.selector.is_empty())
    };
    for level in [wide(namespace), wide(0)] {
        if let Some((i, p)) = level {
            if let Some(d) = decided(i, p.mode) {
                return d;
            }
        }
    }
    (MtlsMode::Permissive, None)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn mtls_precedence_follows_istio(
        policies in proptest::collection::vec(policy(), 0..7),
        namespace in 0..MESH_NAMESPACES.len(),
        labels in labels(),
        port in proptest::option::of(Just(PORT)),
    ) {
        let objects = objects(&policy_yaml(&policies));
        prop_assert_eq!(objects.len(), policies.len());
        let found = mtls_in_force(&objects, Some(MESH_NAMESPACES[namespace]), &labels, port);
        let (mode, policy) = expected(&policies, namespace, &labels, port);
        prop_assert_eq!(found.mode, mode);
        prop_assert_eq!(found.policy.map(|p| p.name.clone()), policy);
        prop_assert_ne!(found.mode, MtlsMode::Unset);
    }
}
