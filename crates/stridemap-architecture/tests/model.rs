//! Architecture discovery on small systems, one per source of nodes and flows, pinned with
//! insta snapshots of the model.

use std::path::Path;
use stridemap_ingest::{ingest, Options};
use stridemap_model::architecture::ArchitectureGraph;

fn model(name: &str) -> ArchitectureGraph {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    let corpus = ingest(&dir, &Options::default());
    let errors: Vec<String> = corpus
        .diagnostics
        .iter()
        .filter(|d| d.level != stridemap_model::DiagnosticLevel::Info)
        .map(|d| d.to_string())
        .collect();
    assert!(
        errors.is_empty(),
        "{name}: fixtures must parse cleanly: {errors:?}"
    );
    stridemap_architecture::build(&corpus)
}

/// A compact, reviewable rendering of the model.
fn render(g: &ArchitectureGraph) -> String {
    let report = g.to_report();
    let mut out = String::new();
    for (title, nodes) in [
        ("services", &report.services),
        ("data_stores", &report.data_stores),
        ("message_brokers", &report.message_brokers),
        ("entry_points", &report.entry_points),
    ] {
        for n in nodes.iter() {
            out.push_str(&format!(
                "{title}: {} tech={} ns={} kinds={} k8s_services={} exposure={:?} mesh={} netpol={} external={} topics={} routes={}\n",
                n.id,
                n.technology.as_deref().unwrap_or("-"),
                n.namespace.as_deref().unwrap_or("-"),
                n.kinds.join(","),
                n.k8s_services.join(","),
                n.exposure,
                n.mesh,
                n.network_policy,
                n.external,
                n.topics.join(","),
                n.routes.join(","),
            ));
        }
    }
    for f in &report.flows {
        let ev: Vec<String> = f
            .evidence
            .iter()
            .map(|e| format!("{}:{}", e.file, e.line))
            .collect();
        out.push_str(&format!(
            "flow {}: {} -> {} {}:{} encrypted={} authenticated={} async={} topic={} address={} via={} crosses={} evidence={}\n",
            f.id,
            f.from,
            f.to,
            f.protocol,
            f.port.map_or("-".into(), |p| p.to_string()),
            f.encrypted,
            f.authenticated,
            f.is_async,
            f.topic.as_deref().unwrap_or("-"),
            f.address.as_deref().unwrap_or("-"),
            f.discovered_from.join(","),
            f.crosses.join(","),
            ev.join(","),
        ));
    }
    for b in &report.trust_boundaries {
        out.push_str(&format!(
            "boundary {} ({:?}): {}\n",
            b.id,
            b.kind,
            b.members.join(",")
        ));
    }
    out
}

fn flow<'a>(
    g: &'a ArchitectureGraph,
    from: &str,
    to: &str,
) -> &'a stridemap_model::architecture::Flow {
    g.flows()
        .find(|f| f.from == from && f.to == to)
        .unwrap_or_else(|| panic!("no flow {from} -> {to} in\n{}", render(g)))
}

macro_rules! fixture {
    ($test:ident, $dir:literal, |$g:ident| $body:block) => {
        #[test]
        fn $test() {
            let $g = model($dir);
            insta::assert_snapshot!($dir, render(&$g));
            $body
        }
    };
}

fixture!(kubernetes_env_and_configmaps, "k8s-env", |g| {
    // `svc`, `svc.ns`, the full cluster name and host:port all resolve to the workload behind
    // the Service.
    assert_eq!(flow(&g, "web", "orders").protocol, "http");
    assert_eq!(flow(&g, "web", "catalog").port, Some(9090));
    assert_eq!(flow(&g, "orders", "payments").protocol, "grpc");
    let db = flow(&g, "orders", "orders-db");
    assert_eq!(db.protocol, "postgres");
    assert!(db.discovered_from.contains(&"configmap".to_string()));
    assert!(
        db.address.as_deref().unwrap().contains("[REDACTED]"),
        "passwords never reach the model's output"
    );
    assert!(g.node("api.stripe.com").unwrap().external);
    assert!(flow(&g, "payments", "api.stripe.com").encrypted);
});

fixture!(compose_dependencies, "compose", |g| {
    assert_eq!(flow(&g, "api", "db").protocol, "postgres");
    assert_eq!(flow(&g, "api", "cache").protocol, "redis");
    assert!(flow(&g, "worker", "queue")
        .discovered_from
        .contains(&"compose".to_string()));
    assert_eq!(
        flow(&g, "legacy", "api").protocol,
        "http",
        "links resolve too"
    );
    assert!(g.node("published/api").is_some());
});

fixture!(gateways_and_entry_points, "gateways", |g| {
    for (entry, target) in [
        ("ingress/storefront", "web"),
        ("istio-gateway/public", "api"),
        ("gateway/edge", "api"),
        ("loadbalancer/admin", "admin"),
        ("nodeport/metrics", "metrics"),
        ("host-port/agent", "agent"),
        ("kong", "orders"),
    ] {
        flow(&g, entry, target);
    }
    // NGINX: an unowned configuration is an entry point of its own; one mounted from a
    // ConfigMap belongs to the workload that mounts it, with lines mapped back to the file.
    flow(&g, "nginx/edge/nginx.conf", "web");
    flow(&g, "nginx/edge/nginx.conf", "api");
    assert_eq!(flow(&g, "admin-proxy", "admin").evidence[0].line, 69);
    assert_eq!(
        g.node("web").unwrap().exposure,
        stridemap_model::architecture::Exposure::Internet
    );
    assert_eq!(
        g.node("internal-job").unwrap().exposure,
        stridemap_model::architecture::Exposure::Internal
    );
});

fixture!(mesh_mtls, "mesh", |g| {
    let strict = flow(&g, "frontend", "checkout");
    assert!(
        strict.encrypted && strict.authenticated,
        "STRICT mTLS between two meshed workloads"
    );
    assert!(
        !flow(&g, "frontend", "legacy").encrypted,
        "the legacy workload opts out of injection"
    );
    assert!(
        !flow(&g, "checkout", "ledger").encrypted,
        "a DestinationRule disables TLS towards ledger"
    );
    assert!(
        !flow(&g, "reporting", "warehouse").encrypted,
        "PERMISSIVE accepts plaintext"
    );
    assert!(flow(&g, "frontend", "legacy")
        .crosses
        .contains(&"mesh".to_string()));
    assert!(g.node("checkout").unwrap().mesh);
});

fixture!(network_policies, "netpol", |g| {
    let f = flow(&g, "frontend", "catalog");
    assert_eq!(f.discovered_from, vec!["network-policy".to_string()]);
    assert_eq!(f.port, Some(8080));
    assert!(g.node("catalog").unwrap().network_policy);
    assert!(!g.node("frontend").unwrap().network_policy);
    assert!(flow(&g, "reporting", "catalog")
        .crosses
        .contains(&"namespace:analytics".to_string()));
});

fixture!(flows_from_code, "code-flows", |g| {
    // Python: the URL comes from an env var the manifest sets.
    let f = flow(&g, "orders", "payments");
    assert!(
        f.discovered_from.contains(&"code".to_string())
            && f.evidence.iter().any(|e| e.file.ends_with("app.py")),
        "{f:?}"
    );
    // Go: env var + path, and a gRPC dial to a literal address.
    assert_eq!(
        flow(&g, "payments", "ledger").crosses,
        vec![
            "namespace:finance".to_string(),
            "namespace:shop".to_string()
        ]
    );
    assert_eq!(flow(&g, "payments", "shipping").protocol, "grpc");
    // JavaScript: template literal over an env var from a ConfigMap (envFrom).
    flow(&g, "catalog", "inventory");
    // Java: a literal external URL.
    assert!(flow(&g, "shipping", "api.carrier.example.com").encrypted);
    // TypeScript: fetch with a URL from the manifest.
    flow(&g, "notifier", "mail.example.net");
    // The async chain: producer -> topic on the broker -> consumers in other languages.
    let produce = flow(&g, "orders", "kafka");
    assert!(produce.is_async && produce.topic.as_deref() == Some("order-events"));
    for consumer in ["shipping", "notifier"] {
        let f = flow(&g, "kafka", consumer);
        assert!(
            f.is_async && f.topic.as_deref() == Some("order-events"),
            "{consumer}"
        );
    }
    assert_eq!(
        g.node("kafka").unwrap().topics,
        vec!["order-events".to_string()]
    );
});

#[test]
fn network_policies_connect_pods_of_one_deployment_variant() {
    // The same workloads twice: plain manifests without a namespace and a rendering into
    // `shop`, each with its own policy. A policy joins the pods that state its namespace (or,
    // without one, state none), never one variant's client to the other's server.
    let g = model("netpol-variants");
    for (from, to) in [("frontend", "catalog"), ("shop/frontend", "shop/catalog")] {
        assert_eq!(
            flow(&g, from, to).discovered_from,
            vec!["network-policy".to_string()]
        );
    }
    let crossing: Vec<_> = g
        .flows()
        .filter(|f| f.from.starts_with("shop/") != f.to.starts_with("shop/"))
        .map(|f| format!("{} -> {}", f.from, f.to))
        .collect();
    assert!(crossing.is_empty(), "{crossing:?}\n{}", render(&g));
}
