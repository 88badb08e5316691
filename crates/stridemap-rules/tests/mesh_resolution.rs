//! PeerAuthentication resolution, end to end: the architecture's `encrypted` flags, the mTLS
//! rule and the plaintext-flow rule must agree on which policy is in force — workload over
//! namespace over mesh-wide, port-level entries for their port only, selector policies in the
//! root namespace ignored.

use std::path::PathBuf;
use std::sync::atomic::AtomicUsize;

/// Tests run in parallel: every scan gets its own directory.
static NEXT: AtomicUsize = AtomicUsize::new(0);
use stridemap_ingest::{ingest, Options};
use stridemap_model::architecture::ArchitectureGraph;
use stridemap_model::Corpus;
use stridemap_rules::{find_rule, run, Finding};

/// Writes the files into a fresh directory and builds corpus and architecture from it.
fn build(name: &str, files: &[(&str, &str)]) -> (Corpus, ArchitectureGraph) {
    let dir: PathBuf = std::env::temp_dir().join(format!(
        "stridemap-mesh-{}-{name}-{}",
        std::process::id(),
        NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    for (path, text) in files {
        let p = dir.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    let corpus = ingest(&dir, &Options::default());
    let errors: Vec<String> = corpus
        .diagnostics
        .iter()
        .filter(|d| d.level != stridemap_model::DiagnosticLevel::Info)
        .map(|d| d.to_string())
        .collect();
    assert!(errors.is_empty(), "{name}: {errors:?}");
    let arch = stridemap_architecture::build(&corpus);
    let _ = std::fs::remove_dir_all(&dir);
    (corpus, arch)
}

fn findings(corpus: &Corpus, arch: &ArchitectureGraph, id: &str) -> Vec<Finding> {
    run(corpus, arch, &[find_rule(id).expect(id)])
}

fn encrypted(arch: &ArchitectureGraph, from: &str, to: &str, port: u16) -> bool {
    arch.flows()
        .find(|f| f.from == from && f.to == to && f.port == Some(port))
        .unwrap_or_else(|| panic!("no flow {from} -> {to}:{port}"))
        .encrypted
}

fn workload(name: &str, ns: &str, env: &[(&str, &str)], ports: &[u16]) -> String {
    let env: String = env
        .iter()
        .map(|(k, v)| format!("            - {{name: {k}, value: \"{v}\"}}\n"))
        .collect();
    let env = if env.is_empty() {
        String::new()
    } else {
        format!("          env:\n{env}")
    };
    let service_ports: Vec<String> = ports
        .iter()
        .map(|p| format!("{{name: http-{p}, port: {p}}}"))
        .collect();
    let service = if ports.is_empty() {
        String::new()
    } else {
        format!(
            "---\napiVersion: v1\nkind: Service\nmetadata: {{name: {name}, namespace: {ns}}}\nspec:\n  selector: {{app: {name}}}\n  ports: [{}]\n",
            service_ports.join(", ")
        )
    };
    format!(
        "---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: {name}, namespace: {ns}}}\nspec:\n  selector:\n    matchLabels: {{app: {name}}}\n  template:\n    metadata:\n      labels: {{app: {name}}}\n    spec:\n      containers:\n        - name: {name}\n          image: registry.example.com/{ns}/{name}:1.0.0\n{env}{service}"
    )
}

const POLICIES: &str = r#"
apiVersion: v1
kind: Namespace
metadata: {name: shop, labels: {istio-injection: enabled}}
---
apiVersion: v1
kind: Namespace
metadata: {name: legacy, labels: {istio-injection: enabled}}
---
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: default, namespace: istio-system}
spec:
  mtls: {mode: STRICT}
---
# Ignored by Istio: a selector in the root namespace.
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: cart-exception, namespace: istio-system}
spec:
  selector: {matchLabels: {app: cart}}
  mtls: {mode: DISABLE}
---
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: default, namespace: legacy}
spec:
  mtls: {mode: PERMISSIVE}
---
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: billing, namespace: legacy}
spec:
  selector: {matchLabels: {app: billing}}
  mtls: {mode: STRICT}
  portLevelMtls:
    9090: {mode: PERMISSIVE}
"#;

fn system() -> (Corpus, ArchitectureGraph) {
    let mut manifests = POLICIES.to_string();
    manifests.push_str(&workload(
        "frontend",
        "shop",
        &[
            ("CART_URL", "http://cart:8080"),
            ("ARCHIVE_URL", "http://archive.legacy:8080"),
            ("BILLING_URL", "http://billing.legacy:8080"),
            ("BILLING_METRICS", "http://billing.legacy:9090/metrics"),
        ],
        &[8080],
    ));
    manifests.push_str(&workload("cart", "shop", &[], &[8080]));
    manifests.push_str(&workload("archive", "legacy", &[], &[8080]));
    manifests.push_str(&workload("billing", "legacy", &[], &[8080, 9090]));
    build("system", &[("manifests.yaml", &manifests)])
}

#[test]
fn architecture_resolves_the_policy_in_force() {
    let (_, arch) = system();
    assert!(
        encrypted(&arch, "frontend", "cart", 8080),
        "mesh-wide STRICT; the root-namespace selector policy is ignored"
    );
    assert!(
        !encrypted(&arch, "frontend", "archive", 8080),
        "the legacy namespace is PERMISSIVE"
    );
    assert!(
        encrypted(&arch, "frontend", "billing", 8080),
        "billing's workload policy overrides its namespace"
    );
    assert!(
        !encrypted(&arch, "frontend", "billing", 9090),
        "billing's port-level entry makes port 9090 PERMISSIVE"
    );
}

#[test]
fn mtls_rule_flags_only_the_weak_scopes() {
    let (corpus, arch) = system();
    let mut found = findings(&corpus, &arch, "MESH-MTLS-NOT-STRICT");
    found.sort_by(|a, b| a.key.cmp(&b.key));
    let summary: Vec<(String, Vec<String>)> = found
        .iter()
        .map(|f| (f.key.clone(), f.resources.clone()))
        .collect();
    assert_eq!(found.len(), 2, "{summary:#?}");
    // The namespace policy weakens archive only: billing overrides it, cart and frontend are
    // in another namespace.
    let ns = found
        .iter()
        .find(|f| f.key == "PeerAuthentication/legacy/default")
        .expect("namespace finding");
    assert!(ns
        .resources
        .contains(&"PeerAuthentication/default".to_string()));
    assert!(ns.resources.contains(&"Deployment/archive".to_string()));
    for other in [
        "Deployment/billing",
        "Deployment/cart",
        "Deployment/frontend",
    ] {
        assert!(!ns.resources.contains(&other.to_string()), "{summary:#?}");
    }
    // The port-level entry is reported for billing's port 9090.
    let port = found
        .iter()
        .find(|f| f.key.starts_with("PeerAuthentication/legacy/billing"))
        .expect("port finding");
    assert!(port.key.ends_with(":9090"));
    assert!(port.resources.contains(&"Deployment/billing".to_string()));
    // Nothing points at the mesh-wide STRICT policy or the ignored root-namespace selector.
    assert!(found.iter().all(|f| !f.key.contains("istio-system")));
}

#[test]
fn plaintext_rule_flags_only_flows_into_the_weak_scopes() {
    let (corpus, arch) = system();
    let mut keys: Vec<String> = findings(&corpus, &arch, "S2S-PLAINTEXT-FLOW")
        .into_iter()
        .map(|f| f.key)
        .collect();
    keys.sort();
    assert_eq!(
        keys,
        vec![
            "frontend->archive:http:8080".to_string(),
            "frontend->billing:http:9090".to_string(),
        ]
    );
}

#[test]
fn workload_strict_override_in_permissive_namespace_is_not_flagged() {
    let mut manifests = String::from(
        r#"
apiVersion: v1
kind: Namespace
metadata: {name: legacy, labels: {istio-injection: enabled}}
---
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: default, namespace: legacy}
spec:
  mtls: {mode: PERMISSIVE}
---
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: billing, namespace: legacy}
spec:
  selector: {matchLabels: {app: billing}}
  mtls: {mode: STRICT}
"#,
    );
    manifests.push_str(&workload(
        "invoicer",
        "legacy",
        &[("BILLING_URL", "http://billing:8080")],
        &[],
    ));
    manifests.push_str(&workload("billing", "legacy", &[], &[8080]));
    // invoicer receives nothing but is still a workload of the PERMISSIVE namespace.
    let (corpus, arch) = build("override", &[("manifests.yaml", &manifests)]);
    assert!(encrypted(&arch, "invoicer", "billing", 8080));
    assert!(findings(&corpus, &arch, "S2S-PLAINTEXT-FLOW").is_empty());
    let found = findings(&corpus, &arch, "MESH-MTLS-NOT-STRICT");
    assert_eq!(found.len(), 1);
    assert!(found[0]
        .resources
        .contains(&"Deployment/invoicer".to_string()));
    assert!(!found[0]
        .resources
        .contains(&"Deployment/billing".to_string()));
}
